//! `TestApp` starts a real trustdesk; `Browser` is a cookie-keeping HTTP client that can post
//! forms the way a browser without JavaScript does, or call server functions the way the
//! hydrated app does.

use reqwest::{cookie::CookieStore, header, redirect::Policy, Response, StatusCode};
use serde_json::Value;
use server::{
    config::{Config, Overrides},
    Trustdesk,
};
use std::time::{Duration, Instant};
use std::{collections::HashMap, path::PathBuf, sync::Arc};
use tokio::{net::TcpListener, sync::oneshot};

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin password 123";
/// The first wait of sign-in throttling; a minute in tests that must see it, so that a slow
/// machine cannot outlast it between two attempts.
pub const SIGN_IN_DELAY: &str = "TRUSTDESK_SIGN_IN_DELAY";

pub struct TestApp {
    pub url: String,
    pub setup_url: Option<String>,
    /// The in-process emulator's endpoint when started in demo mode.
    pub emulator_endpoint: Option<String>,
    pub data_dir: PathBuf,
    /// The running server's console, for figures no HTTP answer shows (argon2 runs).
    pub console: Arc<server::console::Console>,
    /// The temporary data directory, removed with the app (none when the test gave its own).
    _dir: Option<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
}

/// How a [`TestApp`] is started, from [`TestApp::builder`]: a plain server on a fresh data
/// directory unless told otherwise, finished with [`build`](Self::build) or, for a server whose
/// first admin is set up and signed in, [`build_with_admin`](Self::build_with_admin).
#[must_use = "a builder starts nothing until it is built"]
#[derive(Default)]
pub struct TestAppBuilder {
    demo: bool,
    env: Vec<(String, String)>,
    jobs: bool,
    data_dir: Option<PathBuf>,
    config_file: Option<String>,
    port: Option<u16>,
}

impl TestAppBuilder {
    /// Started as `trustdesk serve --demo`: the emulator runs in-process with the demo data.
    pub fn demo(mut self) -> Self {
        self.demo = true;
        self
    }

    /// Extra `TRUSTDESK_*` settings, as if from the environment (added to any given before).
    pub fn env(mut self, env: &[(&str, &str)]) -> Self {
        self.env
            .extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self
    }

    /// The scheduler running, as `trustdesk serve` has it: in demo mode the first sync starts
    /// at once.
    pub fn jobs(mut self) -> Self {
        self.jobs = true;
        self
    }

    /// One scope read at a time: faults injected for "the next N calls" of an operation land
    /// on one scope, as a test that counts them expects.
    pub fn reading_one_scope_at_a_time(self) -> Self {
        self.env(&[("TRUSTDESK_SYNC_CONCURRENCY", "1")])
    }

    /// Started on a data directory the test made (e.g. on a small file system), kept after;
    /// without one, the app gets a temporary directory removed with it.
    pub fn data_dir(mut self, data_dir: PathBuf) -> Self {
        self.data_dir = Some(data_dir);
        self
    }

    /// Listens on this port of 127.0.0.1 (one a test found free) instead of any: for a
    /// `public_url` known before the start, as an identity provider's redirect URIs need.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// A `trustdesk.toml` with this text, for what only the file says (`[organization]`, …).
    pub fn config_file(mut self, text: &str) -> Self {
        self.config_file = Some(text.to_string());
        self
    }

    /// Starts trustdesk on 127.0.0.1:0. The server gets its own multi-threaded runtime on its
    /// own thread, as `trustdesk serve` has in production, so the test's runtime only drives
    /// the client and a test that blocks cannot stall the server.
    pub async fn build(self) -> TestApp {
        let (data_dir, dir) = match self.data_dir {
            Some(data_dir) => (data_dir, None),
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                (dir.path().to_path_buf(), Some(dir))
            }
        };
        let env: HashMap<String, String> = self.env.into_iter().collect();
        let file = self.config_file.map(|text| {
            let path = data_dir.join("trustdesk.toml");
            std::fs::write(&path, text).expect("the configuration file");
            path
        });
        let config = Config::load(
            file.as_deref(),
            &env,
            &Overrides {
                listen: None,
                data_dir: Some(data_dir.clone()),
                demo: self.demo,
            },
        )
        .expect("config");
        let background_jobs = self.jobs;
        let port = self.port;
        let (started_tx, started) = oneshot::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("server runtime");
            runtime.block_on(async move {
                let listener = TcpListener::bind(("127.0.0.1", port.unwrap_or(0)))
                    .await
                    .expect("bind");
                let trustdesk = Trustdesk::open(config).await.expect("open");
                let console = trustdesk.console().clone();
                let mut bound = trustdesk.bind_to(listener).await.expect("bind");
                if background_jobs {
                    bound = bound.with_background_jobs();
                }
                let _ = started_tx.send((
                    bound.addr,
                    bound.setup_url.clone(),
                    bound.emulator_endpoint(),
                    console,
                ));
                bound
                    .serve(async {
                        let _ = stopped.await;
                    })
                    .await
            })
        });
        let (addr, setup_url, emulator_endpoint, console) =
            started.await.expect("the server thread started");
        TestApp {
            url: format!("http://{addr}"),
            setup_url,
            emulator_endpoint,
            data_dir,
            console,
            _dir: dir,
            stop: Some(stop),
        }
    }

    /// The started app whose first admin ([`ADMIN`]) exists, and a browser signed in as it.
    pub async fn build_with_admin(self) -> (TestApp, Browser) {
        let app = self.build().await;
        let browser = app.browser();
        browser.set_up_admin(&app.setup_token()).await;
        (app, browser)
    }
}

impl TestApp {
    /// The one way a test starts trustdesk in-process, e.g.
    /// `TestApp::builder().demo().env(&[...]).build_with_admin().await`.
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    pub fn setup_token(&self) -> String {
        let url = self.setup_url.as_deref().expect("a setup link was issued");
        url.split("token=")
            .nth(1)
            .expect("token in the link")
            .to_string()
    }

    pub fn browser(&self) -> Browser {
        self.browser_with_headers(&[])
    }

    /// A browser that sends these headers with every request (as a proxy in front would add).
    pub fn browser_with_headers(&self, headers: &[(&'static str, &str)]) -> Browser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let mut defaults = header::HeaderMap::new();
        for (name, value) in headers {
            defaults.insert(*name, value.parse().expect("a header value"));
        }
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(defaults)
            .redirect(Policy::none())
            // A stuck request fails its test, naming the URL, instead of hanging the suite.
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("client");
        Browser {
            client,
            jar,
            base: self.url.clone(),
        }
    }

    pub async fn db(&self) -> sqlx::SqlitePool {
        open_db(&self.data_dir).await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.db().await)
            .await
            .expect(sql)
    }

    /// Adds a user through the admin's browser.
    pub async fn add_user(&self, admin: &Browser, username: &str, role: &str, password: &str) {
        let response = admin
            .call(
                "/api/users/add",
                &[
                    ("user[username]", username),
                    ("user[role]", role),
                    ("user[password]", password),
                    ("user[password_confirm]", password),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "add user: {}",
            response.text().await.unwrap()
        );
    }

    pub async fn user_id(&self, username: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE username = ?")
            .bind(username)
            .fetch_one(&self.db().await)
            .await
            .expect("user exists")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Browser {
    /// A browser for a trustdesk this test started some other way (a child process).
    pub fn at(base: &str) -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("client");
        Browser {
            client,
            jar,
            base: base.to_string(),
        }
    }
}

pub struct Browser {
    client: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    pub base: String,
}

impl Browser {
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header(header::ACCEPT, "text/html")
            .send()
            .await
            .expect("GET")
    }

    pub async fn head(&self, path: &str) -> Response {
        self.client
            .head(format!("{}{path}", self.base))
            .header(header::ACCEPT, "text/html")
            .send()
            .await
            .expect("HEAD")
    }

    /// The session's state as pages see it (a visitor without a session gets its CSRF cookie).
    pub async fn session(&self) -> Value {
        let response = self
            .client
            .get(format!("{}/api/session", self.base))
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .expect("session");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("session json")
    }

    pub async fn csrf(&self) -> String {
        self.session().await["csrf_token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    pub async fn signed_in_as(&self) -> Option<String> {
        self.session().await["user"]["username"]
            .as_str()
            .map(str::to_string)
    }

    pub fn session_cookie(&self) -> Option<String> {
        let url = self.base.parse().expect("url");
        let cookies = self.jar.cookies(&url)?;
        cookies
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|c| c.strip_prefix("trustdesk_session=").map(str::to_string))
    }

    /// Puts a session id into this browser's cookies, as a cookie-setting attacker could.
    pub fn plant_session_cookie(&self, id: &str) {
        let url = self.base.parse().expect("url");
        self.jar
            .add_cookie_str(&format!("trustdesk_session={id}; Path=/"), &url);
    }

    /// A server function called as the hydrated app does: form-encoded, answered in JSON,
    /// with the session's CSRF token in the `_csrf` field.
    pub async fn call(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf().await;
        let mut all = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.send_form(path, &all, "application/json").await
    }

    /// A form posted by a browser without JavaScript.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)], referer: &str) -> Response {
        let token = self.csrf().await;
        let mut all = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(format!("{}{path}", self.base))
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, format!("{}{referer}", self.base))
            .form(&all)
            .send()
            .await
            .expect("POST")
    }

    /// Posts exactly these fields, with no CSRF token added.
    pub async fn send_form(&self, path: &str, fields: &[(&str, &str)], accept: &str) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header(header::ACCEPT, accept)
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    pub async fn get_json(&self, path_and_query: &str) -> Response {
        self.client
            .get(format!("{}{path_and_query}", self.base))
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .expect("GET")
    }

    /// Makes the first admin ([`ADMIN`]) through the setup link's token, and is signed in as it.
    pub async fn set_up_admin(&self, token: &str) {
        let response = self
            .call(
                "/api/setup",
                &[
                    ("token", token),
                    ("admin[username]", ADMIN),
                    ("admin[role]", "admin"),
                    ("admin[password]", ADMIN_PASSWORD),
                    ("admin[password_confirm]", ADMIN_PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "setup: {}",
            response.text().await.unwrap()
        );
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.call(
            "/api/login",
            &[
                ("username", username),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }
}

/// The error a server function answered with.
pub async fn error_of(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let body: Value = response.json().await.expect("an error in JSON");
    (status, body)
}

/// Asserts that a server function refused with `status` and a message containing `needle`;
/// returns the error for further checks.
pub async fn expect_error(response: Response, status: StatusCode, needle: &str) -> Value {
    let (actual, error) = error_of(response).await;
    assert_eq!(actual, status, "{error}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains(needle), "expected {needle:?} in {error}");
    error
}

/// The names of the fields a validation error points at, in order.
pub fn field_names(error: &Value) -> Vec<String> {
    error["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| f["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The database of a server whose data directory is `data_dir`, read beside it.
pub async fn open_db(data_dir: &std::path::Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!(
        "sqlite:{}",
        data_dir.join("trustdesk.db").display()
    ))
    .await
    .expect("open the test database")
}

/// The `trustdesk` binary under test: cargo's, or `TRUSTDESK_TEST_BINARY` when set. Worktrees
/// that share one target directory share its `debug/trustdesk` too, which the last build of
/// any of them replaces; a copy taken right after this worktree's build is named there.
pub fn trustdesk_binary() -> &'static str {
    static BINARY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BINARY.get_or_init(|| {
        std::env::var("TRUSTDESK_TEST_BINARY")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_trustdesk").to_string())
    })
}

/// Re-reads one kind from the (emulated) AWS; every account and region must answer.
pub async fn refresh_kind(browser: &Browser, kind: &str) -> Value {
    let response = browser
        .call("/api/inventory/refresh", &[("kind", kind)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.expect("a refresh report");
    assert_eq!(report["failures"], serde_json::json!([]), "{report}");
    report
}

/// One kind's inventory page; `query` is appended, e.g. `&query[account]=dev`.
pub async fn inventory_of(browser: &Browser, kind: &str, query: &str) -> Value {
    let response = browser
        .get_json(&format!("/api/inventory?kind={kind}{query}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("an inventory page")
}

/// Adds the viewer `val` as `admin` and returns a browser signed in as them.
pub async fn signed_in_viewer(app: &TestApp, admin: &Browser) -> Browser {
    let added = admin
        .call(
            "/api/users/add",
            &[
                ("user[username]", "val"),
                ("user[role]", "viewer"),
                ("user[password]", "viewer-password-1"),
                ("user[password_confirm]", "viewer-password-1"),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    let viewer = app.browser();
    assert_eq!(
        viewer.login("val", "viewer-password-1").await.status(),
        StatusCode::OK
    );
    viewer
}

/// Everything the console keeps on disk: the database and its write-ahead log.
pub fn stored_bytes(app: &TestApp) -> Vec<u8> {
    ["trustdesk.db", "trustdesk.db-wal"]
        .iter()
        .filter_map(|name| std::fs::read(app.data_dir.join(name)).ok())
        .flatten()
        .collect()
}

pub fn bytes_contain(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// An IAM client of the demo emulator's default (prod) account, for changes made in AWS
/// without trustdesk.
pub fn emulator_iam(app: &TestApp) -> aws_sdk_iam::Client {
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .endpoint_url(app.emulator_endpoint.clone().expect("demo mode"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            "AKIDTESTS",
            "test",
            None,
            None,
            "tests",
        ))
        .build();
    aws_sdk_iam::Client::from_conf(config)
}

/// The emulator's count of calls per operation since it started or was last reset.
pub async fn emulator_calls(app: &TestApp) -> Value {
    reqwest::get(format!(
        "{}/_emulator/calls",
        app.emulator_endpoint.as_ref().expect("demo mode")
    ))
    .await
    .expect("the emulator answers")
    .json()
    .await
    .expect("calls in JSON")
}

/// Sends a control request (JSON) to the emulator: `POST` faults, `DELETE` faults or calls.
pub async fn emulator_control(app: &TestApp, method: reqwest::Method, path: &str, body: Value) {
    let response = reqwest::Client::new()
        .request(
            method,
            format!(
                "{}/_emulator/{path}",
                app.emulator_endpoint.as_ref().expect("demo mode")
            ),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("the emulator answers");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
}

/// POSTs a form to `path` declaring a body of `declared` bytes but sending none of it, with the
/// session `cookie` if any, and answers the response's status and body: which must come while the
/// whole body is still owed (a server that read, let alone parsed, any of it first would wait).
pub async fn answer_before_the_body(
    base: &str,
    path: &str,
    cookie: Option<&str>,
    declared: usize,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let cookie = cookie
        .map(|id| format!("Cookie: trustdesk_session={id}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {declared}\r\n{cookie}\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("headers sent");
    let mut answer = Vec::new();
    let read_answer = async {
        let mut chunk = [0u8; 4096];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
            }
            let text = String::from_utf8_lossy(&answer);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    break;
                }
            }
        }
    };
    // Not a timing assertion: a bound so that a server waiting for the body fails the test
    // instead of hanging the suite.
    tokio::time::timeout(std::time::Duration::from_secs(30), read_answer)
        .await
        .unwrap_or_else(|_| panic!("{path}: no answer while the body was owed"));
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("{path}: no status line in {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The form fields that name one item (as the generic and the kinds' item forms take it), then
/// `extra`.
pub fn item_fields<'a>(
    kind: &'a str,
    account: &'a str,
    region: &'a str,
    id: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("item[kind]", kind),
        ("item[account]", account),
        ("item[region]", region),
        ("item[id]", id),
    ];
    fields.extend_from_slice(extra);
    fields
}

/// One item's detail: the answer's status, and the item (null when there is none).
pub async fn item_detail(
    browser: &Browser,
    kind: &str,
    account: &str,
    region: &str,
    id: &str,
) -> (StatusCode, Value) {
    let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let response = browser
        .get_json(&format!(
            "/api/resource?item[kind]={kind}&item[account]={account}&item[region]={region}&item[id]={id}"
        ))
        .await;
    let status = response.status();
    (status, response.json().await.unwrap_or_default())
}

/// The value of an item's field, by its label.
pub fn field<'a>(item: &'a Value, label: &str) -> Option<&'a str> {
    item["fields"]
        .as_array()?
        .iter()
        .find(|f| f["label"] == label)
        .and_then(|f| f["value"].as_str())
}

/// The audit trail's rows about items of `kind`, oldest first: (action, outcome, AWS request
/// id, message).
pub async fn audit_of(app: &TestApp, kind: &str) -> Vec<(String, String, String, String)> {
    sqlx::query_as(
        "SELECT action, outcome, request_id, message FROM audit_log WHERE target_kind = ? ORDER BY id",
    )
    .bind(kind)
    .fetch_all(&app.db().await)
    .await
    .expect("the audit trail")
}

/// Makes the demo's emulator answer the next `times` calls of `operation` with `fault`
/// (`throttle`, `access_denied`, `server_error`).
pub async fn inject_fault(app: &TestApp, operation: &str, times: u32, fault: &str) {
    let fault = serde_json::json!({"operation": operation, "times": times, "kind": fault});
    emulator_control(app, reqwest::Method::POST, "faults", fault).await;
}

/// `trustdesk serve --demo` run as the real binary, logging at debug level, its first admin set
/// up and signed in: for what only the process's own log shows.
pub struct DemoProcess {
    child: tokio::process::Child,
    base: String,
    http: reqwest::Client,
    log: tokio::task::JoinHandle<String>,
    _dir: tempfile::TempDir,
}

impl DemoProcess {
    pub async fn start() -> Self {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt};
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = tokio::process::Command::new(trustdesk_binary())
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .env("TRUSTDESK_LOG_LEVEL", "debug")
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("trustdesk starts");
        let mut stderr = child.stderr.take().expect("its stderr");
        let log = tokio::spawn(async move {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text).await;
            text
        });
        let stdout = child.stdout.take().expect("its stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let (mut base, mut setup) = (None, None);
        while base.is_none() || setup.is_none() {
            // Not a timing assertion: a bound so that a server that never starts fails the test.
            let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
                .await
                .expect("trustdesk started in 30 s")
                .expect("its stdout")
                .expect("trustdesk printed its address and setup link");
            if let Some(rest) = line.split("listening on ").nth(1) {
                base = rest.split_whitespace().next().map(str::to_string);
            }
            if line.trim().starts_with("http://") && line.contains("/setup?token=") {
                setup = line.split("token=").nth(1).map(str::to_string);
            }
        }
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client");
        let process = Self {
            child,
            base: base.unwrap(),
            http,
            log,
            _dir: dir,
        };
        let token = setup.unwrap();
        let set_up = process
            .call(
                "/api/setup",
                &[
                    ("token", token.as_str()),
                    ("admin[username]", ADMIN),
                    ("admin[role]", "admin"),
                    ("admin[password]", ADMIN_PASSWORD),
                    ("admin[password_confirm]", ADMIN_PASSWORD),
                ],
            )
            .await;
        assert_eq!(set_up.status(), StatusCode::OK);
        process
    }

    /// A server function called as the hydrated app does, with the session's CSRF token.
    pub async fn call(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let session: Value = self
            .http
            .get(format!("{}/api/session", self.base))
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .expect("session")
            .json()
            .await
            .expect("session json");
        let token = session["csrf_token"].as_str().expect("token");
        let mut all = vec![("_csrf", token)];
        all.extend_from_slice(fields);
        self.http
            .post(format!("{}{path}", self.base))
            .header(header::ACCEPT, "application/json")
            .form(&all)
            .send()
            .await
            .expect("POST")
    }

    /// Stops the process and answers everything it logged.
    pub async fn log(mut self) -> String {
        self.child.start_kill().expect("stopped");
        let _ = self.child.wait().await;
        (&mut self.log).await.expect("the log")
    }
}

/// Waits for the newest sync to finish and be followed by its alert run.
pub async fn sync_now(admin: &Browser, app: &TestApp) {
    let runs = app.count("SELECT COUNT(DISTINCT run) FROM sync_runs").await;
    assert_eq!(
        admin.call("/api/sync/now", &[]).await.status(),
        StatusCode::OK
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = app.count("SELECT COUNT(DISTINCT run) FROM sync_runs").await > runs
            && app
                .count("SELECT COUNT(*) FROM sync_runs WHERE outcome IN ('queued', 'running')")
                .await
                == 0;
        if done {
            // The alert run follows the sync in the same task; give it its moment.
            tokio::time::sleep(Duration::from_millis(500)).await;
            return;
        }
        assert!(Instant::now() < deadline, "the sync did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A port of 127.0.0.1 nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}
