//! Who may call a server function is settled from its path and the caller's session before its
//! body is read. Every registered server function is called by a stranger and by a viewer with
//! a body far larger than any it takes, of which nothing is sent: each answer arrives while the
//! whole body is still owed, so nothing of it was parsed (or even read).

use crate::harness::*;
use crate::serving::Serving;
use app::model::Access;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// More than the largest body any endpoint takes (a SAML metadata document's 40 MiB).
const DECLARED: usize = 64 * 1024 * 1024;

async fn status_before_the_body(
    base: &str,
    path: &str,
    cookie: Option<&str>,
    declared: usize,
) -> u16 {
    answer_before_the_body(base, path, cookie, declared).await.0
}

#[tokio::test]
async fn every_server_function_declares_who_may_call_it() {
    let registered: Vec<String> = server::web::server_functions()
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    assert!(registered.len() > 50, "{registered:?}");
    for path in &registered {
        let relative = path.strip_prefix("/api/").expect("served under /api");
        assert!(
            app::api::endpoint(relative).is_some(),
            "{path} has no Endpoint: declare who may call it beside it"
        );
    }
    for endpoint in app::api::all_endpoints() {
        let path = format!("/api/{}", endpoint.path);
        assert!(
            registered.contains(&path),
            "{path} is declared but no server function has it"
        );
        assert_eq!(
            app::api::all_endpoints()
                .filter(|other| other.path == endpoint.path)
                .count(),
            1,
            "{path} is declared twice"
        );
    }
}

#[tokio::test]
async fn strangers_and_viewers_are_refused_before_the_body_is_read() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let viewer = signed_in_viewer(&app, &admin).await;
    let viewer_cookie = viewer.session_cookie().expect("the viewer's session");
    for (path, _) in server::web::server_functions() {
        let endpoint = app::api::endpoint(&path["/api/".len()..]).expect("declared");
        let stranger = status_before_the_body(&app.url, &path, None, DECLARED).await;
        let expected = match endpoint.access {
            Access::Anyone => 413,
            Access::SignedIn | Access::Admin(_) => 401,
        };
        assert_eq!(stranger, expected, "a stranger calling {path}");
        let as_viewer =
            status_before_the_body(&app.url, &path, Some(&viewer_cookie), DECLARED).await;
        let expected = match endpoint.access {
            Access::Admin(_) => 403,
            Access::Anyone | Access::SignedIn => 413,
        };
        assert_eq!(as_viewer, expected, "a viewer calling {path}");
    }
    // Each of the viewer's refusals is in the audit trail.
    let refused: i64 = app
        .count("SELECT COUNT(*) FROM audit_log WHERE outcome = 'error' AND target_id = '' AND message LIKE 'refused: the viewer role%'")
        .await;
    let admin_only = app::api::all_endpoints()
        .filter(|endpoint| matches!(endpoint.access, Access::Admin(_)))
        .count() as i64;
    assert_eq!(refused, admin_only);
}

#[tokio::test]
async fn an_admin_may_send_what_the_endpoint_takes_and_no_more() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let cookie = admin.session_cookie().expect("a session");
    // Larger than a small form's 64 KiB: refused as too large before it is read.
    assert_eq!(
        status_before_the_body(&app.url, "/api/resource/tag", Some(&cookie), 65 * 1024 + 1).await,
        413
    );
    // A body that keeps within the limit but lies about it is cut off at the limit: 413 again.
    let token = admin.csrf().await;
    let oversized = reqwest::Client::new()
        .post(format!("{}/api/resource/tag", app.url))
        .header("cookie", format!("trustdesk_session={cookie}"))
        .header("x-csrf-token", &token)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("key=Owner&value={}", "x".repeat(200 * 1024)))
        .send()
        .await
        .unwrap();
    let (status, error) = error_of(oversized).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("64 KiB"),
        "{error}"
    );
}

#[tokio::test]
async fn a_form_that_is_not_utf8_is_a_bad_request() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let cookie = admin.session_cookie().expect("a session");
    let token = admin.csrf().await;
    for body in [
        b"key=Owner&value=%FF%FE".to_vec(),
        b"key=Owner&value=\xff".to_vec(),
    ] {
        let response = reqwest::Client::new()
            .post(format!("{}/api/resource/tag", app.url))
            .header("cookie", format!("trustdesk_session={cookie}"))
            .header("x-csrf-token", &token)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, error) = error_of(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
        assert!(
            error["message"].as_str().unwrap().contains("\"value\""),
            "names the field: {error}"
        );
    }
}

/// The peak memory of a process, from the kernel (kB).
fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("the process is running")
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .expect("VmHWM")
}

/// Sends one whole 39 MiB anonymous sign-in (or as much of it as the server reads before it
/// answers and closes).
async fn post_a_huge_sign_in(address: String, chunk: std::sync::Arc<Vec<u8>>) {
    let declared = 39 * 1024 * 1024;
    let Ok(mut stream) = TcpStream::connect(&address).await else {
        return;
    };
    let head = format!(
        "POST /api/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {declared}\r\nx-csrf-token: whatever\r\n\r\n"
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let mut sent = 0;
    while sent < declared {
        if stream.write_all(&chunk).await.is_err() {
            return;
        }
        sent += chunk.len();
    }
    let mut answer = [0u8; 64];
    let _ = stream.read(&mut answer).await;
}

#[tokio::test]
async fn many_huge_anonymous_posts_leave_memory_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let serving = Serving::start(dir.path(), &[]);
    let address = serving.url.trim_start_matches("http://").to_string();
    let chunk = std::sync::Arc::new(vec![b'a'; 1024 * 1024]);
    let posts: Vec<_> = (0..64)
        .map(|_| tokio::spawn(post_a_huge_sign_in(address.clone(), chunk.clone())))
        .collect();
    for post in posts {
        post.await.unwrap();
    }
    let peak_mb = peak_rss_kb(serving.pid()) / 1024;
    println!("peak RSS after 64 parallel 39 MiB anonymous posts: {peak_mb} MB");
    assert!(peak_mb < 150, "peak RSS {peak_mb} MB");
    assert_eq!(
        reqwest::get(format!("{}/healthz", serving.url))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    serving.kill_9();
}
