//! What trustdesk writes is readable by its own user alone, whatever umask it was started with:
//! the database and its WAL hold the audit trail and session hashes, beside the keys.

use crate::serving::Serving;
use std::os::unix::fs::PermissionsExt;

#[tokio::test]
async fn the_data_directory_is_private_under_a_permissive_umask() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The test process's umask (usually 022) is what the child inherits.
    let serving = Serving::start(&data, &[]);
    let mut checked = Vec::new();
    for entry in std::fs::read_dir(&data).unwrap() {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode & 0o077,
            0,
            "{} is {mode:o}: others can read it",
            entry.path().display()
        );
        checked.push(entry.file_name().to_string_lossy().into_owned());
    }
    let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode & 0o077, 0, "the data directory is {mode:o}");
    assert!(
        checked.iter().any(|name| name == "trustdesk.db")
            && checked.iter().any(|name| name == "trustdesk.db-wal"),
        "the database and its WAL were checked: {checked:?}"
    );
    serving.kill_9();
}
