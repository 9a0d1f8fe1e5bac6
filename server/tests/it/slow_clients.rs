//! A client that sends its request slowly, or stops half way, holds a connection only as long as
//! `request_head_timeout` and `request_body_timeout` allow (slowloris).

use crate::harness::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What the server says (or that it closed) after `sent`, within a bound far above the
/// configured one second: a server without the timeouts never answers and fails the test.
async fn after_stalling(app: &TestApp, sent: &str) -> String {
    let address = app.url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(sent.as_bytes()).await.unwrap();
    // Until the server closes the connection or has sent a response head.
    let mut answer = Vec::new();
    let read_answer = async {
        let mut chunk = [0u8; 1024];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
            }
            if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read_answer)
        .await
        .unwrap_or_else(|_| panic!("the connection was held open after {sent:?}"));
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_request_head_that_never_ends_is_cut_off() {
    let app = TestApp::builder()
        .env(&[("TRUSTDESK_REQUEST_HEAD_TIMEOUT", "1s")])
        .build()
        .await;
    let answer = after_stalling(
        &app,
        "GET /healthz HTTP/1.1\r\nHost: trustdesk\r\nX-Slow: a",
    )
    .await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    // Others are served meanwhile and after.
    assert!(reqwest::get(format!("{}/healthz", app.url))
        .await
        .unwrap()
        .status()
        .is_success());
}

#[tokio::test]
async fn a_body_that_never_ends_is_cut_off() {
    let app = TestApp::builder()
        .env(&[("TRUSTDESK_REQUEST_BODY_TIMEOUT", "1s")])
        .build()
        .await;
    let answer = after_stalling(
        &app,
        "POST /api/login HTTP/1.1\r\nHost: trustdesk\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nusername=a",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}
