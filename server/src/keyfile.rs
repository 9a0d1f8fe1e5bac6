//! Secret keys trustdesk makes once and keeps in its data directory (never in the database,
//! the audit trail or the log): the alert links' signing key, the CSRF key.

use std::path::Path;

/// The 32-byte key in `data_dir/name`, made (readable by this user only) the first time.
pub fn load_or_create(data_dir: &Path, name: &str) -> std::io::Result<[u8; 32]> {
    let path = data_dir.join(name);
    if let Ok(bytes) = std::fs::read(&path) {
        if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
            return Ok(key);
        }
    }
    let key = random();
    std::fs::create_dir_all(data_dir)?;
    // Written aside and renamed, so a crash never leaves half a key to be read next time.
    let temporary = data_dir.join(format!("{name}.tmp"));
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary)?;
        file.write_all(&key)?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, &path)?;
    Ok(key)
}

pub fn random() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    key
}

#[cfg(test)]
mod tests {
    #[test]
    fn made_once_then_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let first = super::load_or_create(dir.path(), "test.key").unwrap();
        assert_eq!(
            super::load_or_create(dir.path(), "test.key").unwrap(),
            first
        );
        assert_ne!(
            super::load_or_create(dir.path(), "other.key").unwrap(),
            first
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("test.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
