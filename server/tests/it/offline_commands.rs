//! The real `trustdesk` binary on a machine without AWS: an empty home, no AWS_* variables, and
//! a log level at which the SDK would show every step of loading its configuration.

use crate::harness::trustdesk_binary;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Log targets and words that only appear when the AWS SDK's configuration is loaded.
const SDK_TRACES: &[&str] = &[
    "aws_config",
    "aws_runtime",
    "aws_smithy",
    "imds",
    "IMDS",
    "credentials",
];

/// A command line with nothing of this machine's environment but PATH, a home of its own and
/// every log at debug level.
fn bare(home: &Path) -> Command {
    let mut command = Command::new(trustdesk_binary());
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("RUST_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn assert_no_sdk_traces(stderr: &str, what: &str) {
    for trace in SDK_TRACES {
        // The console's own line about AWS names credentials on purpose.
        let found: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains(trace) && !l.contains("AWS:"))
            .collect();
        assert!(found.is_empty(), "{what} logged {trace:?}: {found:#?}");
    }
}

fn run(home: &Path, args: &[&str], stdin: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = bare(home).args(args).spawn().expect("start trustdesk");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().expect("trustdesk ran");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[test]
fn user_add_and_audit_commands_never_load_the_aws_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();

    let (ok, stdout, stderr) = run(
        &home,
        &["user", "add", "olga", "--role", "admin", "--data-dir", data],
        "olga password 1234\n",
    );
    assert!(ok, "{stdout}{stderr}");
    assert_eq!(stdout.trim(), "Added admin olga.");
    assert_no_sdk_traces(&stderr, "user add");

    let (ok, stdout, stderr) = run(&home, &["audit", "verify", "--data-dir", data], "");
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.starts_with("Audit chain intact"), "{stdout}");
    assert_no_sdk_traces(&stderr, "audit verify");

    let (ok, stdout, stderr) = run(&home, &["audit", "anchor", "--data-dir", data], "");
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.starts_with("rows="), "{stdout}");
    assert_no_sdk_traces(&stderr, "audit anchor");
}

#[test]
fn serve_without_aws_says_so_in_one_line_and_probes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let mut child = bare(&home)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .spawn()
        .expect("start trustdesk");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, listening) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let log = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let line = listening
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("trustdesk printed its address");
        if line.starts_with("trustdesk listening on") {
            break;
        }
    }
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let stderr = log.join().unwrap();
    assert!(status.success(), "{status}: {stderr}");

    let aws_lines: Vec<&str> = stderr.lines().filter(|l| l.contains("AWS:")).collect();
    assert_eq!(aws_lines.len(), 1, "{stderr}");
    assert!(
        aws_lines[0].contains("no credentials configured")
            && aws_lines[0].contains("Connecting real AWS"),
        "{}",
        aws_lines[0]
    );
    assert_no_sdk_traces(&stderr, "serve");
}
