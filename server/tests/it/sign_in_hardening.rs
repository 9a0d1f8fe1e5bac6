//! Sign-in under attack: where `next` may lead, parallel guessing, growing delays instead of a
//! lockout, and an audit trail that a flood of refusals cannot swamp.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

/// Signs in with the plain form (no JavaScript) and `next` as the form field's value.
async fn sign_in_to(app: &TestApp, next: &str) -> reqwest::Response {
    app.browser()
        .post_form(
            "/api/login",
            &[
                ("username", ADMIN),
                ("password", ADMIN_PASSWORD),
                ("next", next),
            ],
            "/login",
        )
        .await
}

#[tokio::test]
async fn after_sign_in_next_never_leaves_the_site_nor_breaks_the_response() {
    let (app, _admin) = TestApp::builder().build_with_admin().await;
    // As the form field arrives once decoded: `next=/%09/evil.example.com` is a tab, which
    // browsers drop from a Location, leaving `//evil.example.com`; `/%01x` is a byte no header
    // may hold.
    let hostile = [
        "/\t/evil.example.com",
        "/\u{1}x",
        "/\r\nSet-Cookie: stolen=1",
        "/\n/evil.example.com",
        "/\u{7f}/evil.example.com",
        "/\u{85}/evil.example.com",
        "/\\evil.example.com",
        "/a\\..\\..\\evil.example.com",
        "/.//evil.example.com",
        "/..//evil.example.com",
        "//evil.example.com",
        "https://evil.example.com/",
        "/login?next=/users",
        "",
    ];
    for next in hostile {
        let response = sign_in_to(&app, next).await;
        assert_eq!(response.status(), StatusCode::FOUND, "next={next:?}");
        assert_eq!(response.headers()["location"], "/", "next={next:?}");
    }
    // Paths of this site survive, re-encoded where a header needs it.
    for (next, location) in [
        ("/audit?page=2", "/audit?page=2"),
        (
            "/server-certificates?query[text]=web",
            "/server-certificates?query[text]=web",
        ),
        ("/a b", "/a%20b"),
        ("/é", "/%C3%A9"),
    ] {
        let response = sign_in_to(&app, next).await;
        assert_eq!(response.status(), StatusCode::FOUND, "next={next:?}");
        assert_eq!(response.headers()["location"], location, "next={next:?}");
    }
}

/// The seconds in "… Wait 2 seconds and try again." (a minute is 60).
fn seconds_to_wait(message: &str) -> u64 {
    let words: Vec<&str> = message.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == "Wait")
        .unwrap_or_else(|| panic!("no wait in {message:?}"));
    let amount: u64 = words[at + 1].parse().unwrap();
    match words[at + 2].trim_end_matches('s') {
        "second" => amount,
        "minute" => amount * 60,
        unit => panic!("unexpected unit {unit:?} in {message:?}"),
    }
}

/// A browser with its session and CSRF token, ready to post a sign-in at once.
async fn ready_to_sign_in(app: &TestApp) -> (Browser, String) {
    let browser = app.browser();
    let token = browser.csrf().await;
    (browser, token)
}

async fn sign_in_now(browser: &Browser, token: &str, password: &str) -> StatusCode {
    browser
        .send_form(
            "/api/login",
            &[
                ("_csrf", token),
                ("username", ADMIN),
                ("password", password),
                ("next", "/"),
            ],
            "application/json",
        )
        .await
        .status()
}

#[tokio::test]
async fn parallel_wrong_passwords_are_throttled_before_they_are_checked() {
    let (app, _admin) = TestApp::builder()
        .env(&[(SIGN_IN_DELAY, "1m")])
        .build_with_admin()
        .await;
    let mut ready = Vec::new();
    for _ in 0..16 {
        ready.push(ready_to_sign_in(&app).await);
    }
    let argon2_before = app.console.passwords().argon2_runs();
    let statuses = futures_util::future::join_all(
        ready
            .iter()
            .map(|(browser, token)| sign_in_now(browser, token, "parallel wrong guess")),
    )
    .await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + throttled, statuses.len(), "{statuses:?}");
    // Three failures of one account from one address are free; the rest had to wait.
    assert!(checked <= 3, "{checked} guesses were checked: {statuses:?}");
    assert!(throttled >= 13, "{statuses:?}");
    assert_eq!(
        app.console.passwords().argon2_runs() - argon2_before,
        checked as u64,
        "a throttled guess is not checked at all"
    );
}

#[tokio::test]
async fn failures_make_sign_in_wait_and_the_right_password_works_after_the_wait() {
    // The default delays: a second, doubling.
    let (app, _admin) = TestApp::builder().build_with_admin().await;
    let browser = app.browser();
    // Guess until told to wait (however long each guess took, a wait comes within a few).
    let mut guesses = 0;
    let wait = loop {
        guesses += 1;
        assert!(guesses <= 8, "no wait after {guesses} failures");
        let response = browser.login(ADMIN, "guessing wrong again").await;
        if response.status() == StatusCode::UNAUTHORIZED {
            continue;
        }
        let error = expect_error(
            response,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-ins",
        )
        .await;
        break seconds_to_wait(error["message"].as_str().unwrap());
    };
    assert!(guesses >= 4, "three failures are free");
    // Seconds, not the quarter of an hour of a lockout.
    assert!(wait <= 8, "told to wait {wait} s after {guesses} guesses");
    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    assert_eq!(
        browser.login(ADMIN, ADMIN_PASSWORD).await.status(),
        StatusCode::OK,
        "no lockout: after the wait the right password signs in"
    );
    assert_eq!(browser.signed_in_as().await.as_deref(), Some(ADMIN));
    // A success forgives this address's failures for the account.
    let again = app.browser();
    assert_eq!(
        again.login(ADMIN, "one more wrong guess").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_flood_of_refusals_writes_a_few_audit_rows_that_count_every_attempt() {
    let (app, _admin) = TestApp::builder()
        .env(&[
            ("TRUSTDESK_AUDIT_REPEAT_WINDOW", "5s"),
            (SIGN_IN_DELAY, "1m"),
        ])
        .build_with_admin()
        .await;
    let browser = app.browser();
    for _ in 0..50 {
        let status = browser.login(ADMIN, "flooding the trail").await.status();
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(&status),
            "{status}"
        );
    }
    // After the window, the next refusal writes the counts still held.
    tokio::time::sleep(std::time::Duration::from_millis(5200)).await;
    let _ = browser.login(ADMIN, "flooding the trail").await;
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT params, message, client_ip FROM audit_log
         WHERE action = 'auth.login' AND outcome = 'error' ORDER BY id",
    )
    .fetch_all(&app.db().await)
    .await
    .unwrap();
    assert!(
        rows.len() <= 12,
        "{} rows for 51 refusals: {rows:?}",
        rows.len()
    );
    let attempts: u64 = rows
        .iter()
        .map(|(params, _, _)| {
            let params: Value = serde_json::from_str(params).unwrap();
            1 + params["repeated"].as_u64().unwrap_or(0)
        })
        .sum();
    assert_eq!(attempts, 51, "every refusal is accounted for: {rows:?}");
    assert!(rows.iter().all(|(_, _, ip)| ip == "127.0.0.1"), "{rows:?}");
    assert!(
        rows.iter()
            .any(|(_, message, _)| message == "refused: too many failed sign-ins"),
        "{rows:?}"
    );
}

/// A browser behind the trusted proxy (the test's own 127.0.0.1) at `address`.
fn at_address(app: &TestApp, address: &str) -> Browser {
    app.browser_with_headers(&[("x-forwarded-for", address)])
}

#[tokio::test]
async fn rotating_addresses_cannot_keep_out_a_user_who_signed_in_from_their_address_before() {
    let (app, _admin) = TestApp::builder()
        .env(&[
            ("TRUSTDESK_TRUSTED_PROXIES", "127.0.0.1"),
            // The shortest first wait: each guess let through restarts a wait that doubles from
            // 100 ms, so the account waits nearly all the time within a second or two.
            (SIGN_IN_DELAY, "100ms"),
        ])
        .build_with_admin()
        .await;
    let user = "127.0.0.2";
    assert_eq!(
        at_address(&app, user)
            .login(ADMIN, ADMIN_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    // The review's attack: 59 loopback addresses take turns guessing, a guess every 5 ms.
    let mut attackers = Vec::new();
    for i in 10..69 {
        attackers.push(ready_to_sign_in_at(&app, &format!("127.0.0.{i}")).await);
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let attack = tokio::spawn({
        let stop = stop.clone();
        async move {
            let (mut let_through, mut held) = (0u32, 0u32);
            for (browser, token) in attackers.iter().cycle() {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                match sign_in_now(browser, token, "rotating wrong guess").await {
                    StatusCode::UNAUTHORIZED => let_through += 1,
                    StatusCode::TOO_MANY_REQUESTS => held += 1,
                    other => panic!("a guess answered {other}"),
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            (let_through, held)
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    // The user, and a stranger with the right password at a fresh address each time, try at
    // once, every 600 ms.
    let (mut user_in, mut strangers_in) = (0, 0);
    let tries = 8;
    for i in 0..tries {
        let stranger = at_address(&app, &format!("127.0.1.{i}"));
        let (user_status, stranger_status) = tokio::join!(
            async {
                at_address(&app, user)
                    .login(ADMIN, ADMIN_PASSWORD)
                    .await
                    .status()
            },
            async { stranger.login(ADMIN, ADMIN_PASSWORD).await.status() }
        );
        for status in [user_status, stranger_status] {
            assert!(
                [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS].contains(&status),
                "{status}"
            );
        }
        user_in += usize::from(user_status == StatusCode::OK);
        strangers_in += usize::from(stranger_status == StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (let_through, held) = attack.await.unwrap();
    println!(
        "user in {user_in}/{tries}, strangers in {strangers_in}/{tries}; \
         guesses let through {let_through}, held {held}"
    );
    assert!(let_through > 10, "the attack went on: {let_through}");
    assert!(
        strangers_in * 2 < tries,
        "the attack held the account for others: {strangers_in} of {tries} got in"
    );
    assert_eq!(
        user_in, tries,
        "the user got in every time: {user_in} of {tries}"
    );
}

async fn ready_to_sign_in_at(app: &TestApp, address: &str) -> (Browser, String) {
    let browser = at_address(app, address);
    let token = browser.csrf().await;
    (browser, token)
}
