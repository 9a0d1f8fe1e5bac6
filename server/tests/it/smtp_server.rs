//! A real SMTP server for the mail tests: aiosmtpd (from the test virtualenv that
//! `scripts/setup.sh` prepares) running `server/tests/smtp_sink.py`, which keeps each accepted
//! mail as JSON read by Python's email package. Started on a loopback port, stopped on drop by
//! killing exactly the process it started.

use serde::Deserialize;
use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const SINK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");

/// One mail as the server received it.
#[derive(Debug, Clone, Deserialize)]
pub struct Received {
    /// The SMTP envelope; empty for a file.
    #[serde(default)]
    pub mail_from: String,
    #[serde(default)]
    pub rcpt_tos: Vec<String>,
    /// The user that signed in, when the server asked for a login.
    pub login: Option<String>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub date: Option<String>,
    pub content_type: String,
    pub text: Option<String>,
    pub html: Option<String>,
    pub raw: String,
}

fn python() -> PathBuf {
    let venv = std::env::var_os("TRUSTDESK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/trustdesk/venv")
        });
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `source scripts/setup.sh && setup_python` to install aiosmtpd",
        python.display()
    );
    python
}

/// A loopback port nothing listens on (at the moment of asking).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

pub struct SmtpServer {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

impl SmtpServer {
    pub fn start() -> Self {
        Self::start_on(free_port(), &[])
    }

    /// On `port`, with the sink's options (`--login USER PASSWORD`, `--refuse-recipient TEXT`).
    pub fn start_on(port: u16, options: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mail_dir = dir.path().join("mail");
        std::fs::create_dir(&mail_dir).expect("mail dir");
        let log = std::fs::File::create(dir.path().join("server.log")).expect("log file");
        let child = Command::new(python())
            .arg(SINK)
            .arg("serve")
            .arg(format!("127.0.0.1:{port}"))
            .arg(&mail_dir)
            .args(options)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start the SMTP server");
        let mut server = Self { port, child, dir };
        server.wait_until_listening();
        server
    }

    fn wait_until_listening(&mut self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            let exited = self.child.try_wait().expect("the server's status");
            if exited.is_some() || Instant::now() > deadline {
                let log = std::fs::read_to_string(self.dir.path().join("server.log"));
                panic!(
                    "the SMTP server did not listen on port {} ({exited:?}): {}",
                    self.port,
                    log.unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every mail accepted so far, in the order they arrived. A mail is on disk before the
    /// server answers 250, so whatever a finished send delivered is here.
    pub fn received(&self) -> Vec<Received> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("mail"))
            .expect("mail dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| {
                serde_json::from_slice(&std::fs::read(p).expect("read a mail"))
                    .expect("a mail record")
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        // `Child::kill` signals this child's PID only; `wait` reaps it so the port is free.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A message file (the demo's `.eml`) read by the same parser as the server's mail.
pub fn parse_file(path: &Path) -> Received {
    let output = Command::new(python())
        .arg(SINK)
        .arg("parse")
        .arg(path)
        .output()
        .expect("run the parser");
    assert!(
        output.status.success(),
        "parsing {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a mail record")
}
