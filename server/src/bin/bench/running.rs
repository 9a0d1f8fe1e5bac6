//! The release `trustdesk` beside this binary, started on loopback with the benchmark's
//! configuration, and its memory as the kernel counts it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

pub const PASSWORD: &str = "bench password 1234";

pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn trustdesk(dir: &std::path::Path) -> Command {
    let exe = std::env::current_exe().expect("own path");
    let mut command = Command::new(exe.with_file_name("trustdesk"));
    command
        .arg("--config")
        .arg(dir.join("trustdesk.toml"))
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // The benchmark's accounts point at nothing: the background sync's refusals are
        // expected, and not worth a line each.
        .env("TRUSTDESK_LOG_LEVEL", "error");
    command
}

pub fn start(dir: &std::path::Path) -> Server {
    let mut add = trustdesk(dir)
        .args(["user", "add", "bench", "--role", "admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("trustdesk user add (build it with scripts/bench-server)");
    writeln!(add.stdin.take().expect("stdin"), "{PASSWORD}").expect("password");
    assert!(add.wait().expect("user add").success(), "user add failed");
    let mut child = trustdesk(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("trustdesk serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines.next().expect("server output").expect("line");
        if let Some(rest) = line.strip_prefix("trustdesk listening on ") {
            break rest.split_whitespace().next().expect("url").to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Server { child, url }
}

pub fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// `client`'s answer to a GET of `url` sent with `header` (a name and value).
pub async fn get(client: &reqwest::Client, url: &str, header: (&str, &str)) -> reqwest::Response {
    let sent = client.get(url).header(header.0, header.1).send().await;
    sent.unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// The CSRF token of `client`'s session, as `/api/session` says it.
pub async fn csrf_token(client: &reqwest::Client, url: &str) -> String {
    let session = get(client, &format!("{url}/api/session"), JSON).await;
    let session: serde_json::Value = session.json().await.expect("session json");
    session["csrf_token"]
        .as_str()
        .expect("csrf token")
        .to_string()
}

const JSON: (&str, &str) = ("accept", "application/json");

/// Signs the benchmark's admin in on `client`'s cookie store.
pub async fn sign_in(client: &reqwest::Client, url: &str) {
    let csrf = csrf_token(client, url).await;
    let csrf = csrf.as_str();
    let signed_in = client
        .post(format!("{url}/api/login"))
        .header("accept", "application/json")
        .form(&[
            ("_csrf", csrf),
            ("username", "bench"),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("sign in");
    assert!(
        signed_in.status().is_success(),
        "sign-in failed: {}",
        signed_in.status()
    );
}
