//! Sign-in under attack: where `next` may lead.

use crate::harness::*;
use reqwest::StatusCode;

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
    let (app, _admin) = TestApp::with_admin().await;
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
