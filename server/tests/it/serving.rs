//! The real `trustdesk serve --demo` binary as a child process on a data directory, for the tests
//! that stop it from outside (SIGKILL, SIGTERM) and read its database between runs.

use crate::harness::{open_db, trustdesk_binary, Browser, ADMIN, ADMIN_PASSWORD};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A `trustdesk serve --demo` process; killed (SIGKILL) on drop if still running.
pub struct Serving {
    child: Child,
    pub url: String,
    /// The demo's emulated AWS.
    pub emulator: String,
    setup_url: Option<String>,
}

impl Serving {
    /// Started on `data_dir` with `env` added to this process's environment; returns once it
    /// has printed its addresses.
    pub fn start(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(trustdesk_binary())
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("TRUSTDESK_LOG_LEVEL", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start trustdesk");
        let stdout = child.stdout.take().expect("stdout");
        let (found, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = found.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let next = || {
            lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("trustdesk printed its start")
        };
        let mut url = None;
        let mut setup_url = None;
        let emulator = loop {
            let line = next();
            if let Some(rest) = line.strip_prefix("trustdesk listening on ") {
                url = rest.split_whitespace().next().map(str::to_string);
            }
            if let Some(rest) = line.strip_prefix("Demo mode: emulated AWS at ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        // The setup link, when there is one, follows in its frame, on a line of its own.
        let framed = Instant::now() + Duration::from_millis(500);
        while let Ok(line) = lines.recv_timeout(framed.saturating_duration_since(Instant::now())) {
            if line.trim().contains("/setup?token=") {
                setup_url = Some(line.trim().to_string());
                break;
            }
        }
        Self {
            child,
            url: url.expect("the address"),
            emulator,
            setup_url,
        }
    }

    /// The server process's id, to read its figures from /proc.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no shutdown, no flush, no lease released.
    pub fn kill_9(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reaped");
    }

    /// SIGTERM to this process (by its id), then its exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(sent.success());
        // Not a timing assertion: a generous bound, so that a stop that hangs fails the test
        // instead of the suite.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "trustdesk did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Arms an emulator fault (`/_emulator/faults`).
    pub async fn fault(&self, body: Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/_emulator/faults", self.emulator))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("the emulator answers");
        assert!(response.status().is_success());
    }

    /// A browser signed in as the admin, made through the setup link on a new data directory.
    pub async fn admin(&self) -> Browser {
        let browser = Browser::at(&self.url);
        match &self.setup_url {
            Some(url) => {
                let token = url.split("token=").nth(1).expect("a token");
                browser.set_up_admin(token).await;
            }
            None => {
                let response = browser.login(ADMIN, ADMIN_PASSWORD).await;
                assert!(response.status().is_success() || response.status().is_redirection());
                assert_eq!(browser.signed_in_as().await.as_deref(), Some(ADMIN));
            }
        }
        browser
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn scalar(data_dir: &Path, sql: &str) -> i64 {
    let pool = open_db(data_dir).await;
    let n = sqlx::query_scalar(sql).fetch_one(&pool).await.expect(sql);
    pool.close().await;
    n
}

/// Waits (two minutes at most) until `sql` counts something.
pub async fn wait_until(data_dir: &Path, sql: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while scalar(data_dir, sql).await == 0 {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
