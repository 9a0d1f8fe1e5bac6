//! A secret shown once is burnt only by the POST of the page's button: opening the page, a
//! HEAD, a prefetch or a GET of the server function reveal nothing and keep it.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

/// Creates a License Manager token as `admin`; answers the shown-once handle.
async fn create_license_token(admin: &Browser) -> String {
    let options: Value = admin
        .get_json("/api/license-tokens/form")
        .await
        .json()
        .await
        .unwrap();
    let license = &options["licenses"][0];
    let target = format!(
        "{}/{}/{}",
        license["account"].as_str().unwrap(),
        license["region"].as_str().unwrap(),
        license["license_arn"].as_str().unwrap()
    );
    let form = [
        ("token[license]", target.as_str()),
        (
            "token[role_arns]",
            "arn:aws:iam::123456789012:role/license-consumer",
        ),
        ("token[expiration_in_days]", "30"),
        ("token[token_properties]", ""),
        (
            "token[client_token]",
            options["client_token"].as_str().unwrap(),
        ),
    ];
    let response = admin.call("/api/license-tokens/create", &form).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn reading_the_page_keeps_the_secret_and_the_post_reveals_it_once() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let handle = create_license_token(&admin).await;
    let page = format!("/shown-once?once={handle}");

    let opened = admin.get(&page).await;
    assert_eq!(opened.status(), StatusCode::OK);
    let opened = opened.text().await.unwrap();
    assert!(opened.contains("id=\"reveal-secret\""), "the button");
    assert!(
        !opened.contains("id=\"license-jwt\""),
        "no secret on opening"
    );
    assert_eq!(admin.head(&page).await.status(), StatusCode::OK);
    let get = admin
        .get_json(&format!("/api/shown-once?once={handle}"))
        .await;
    assert_ne!(
        get.status(),
        StatusCode::OK,
        "a GET of the function reads nothing"
    );

    // The hydrated page's call.
    let shown = admin
        .call("/api/shown-once", &[("once", handle.as_str())])
        .await;
    assert_eq!(shown.status(), StatusCode::OK);
    let shown: Value = shown.json().await.unwrap();
    let jwt = shown["values"][0]["value"].as_str().unwrap();
    assert!(
        trustdesk_emulator::derive::jwt::claims(jwt).is_some(),
        "a JWT"
    );
    let again = admin
        .call("/api/shown-once", &[("once", handle.as_str())])
        .await;
    expect_error(again, StatusCode::NOT_FOUND, "shown already").await;
}

#[tokio::test]
async fn without_javascript_the_button_answers_with_the_secret_once() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let handle = create_license_token(&admin).await;
    let page = format!("/shown-once?once={handle}");
    assert_eq!(admin.get(&page).await.status(), StatusCode::OK);

    // Without its token the form is refused and the secret kept.
    let forged = admin
        .send_form("/shown-once", &[("once", handle.as_str())], "text/html")
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // Another user's form reveals nothing.
    let viewer = signed_in_viewer(&app, &admin).await;
    let stolen = viewer
        .post_form("/shown-once", &[("once", handle.as_str())], &page)
        .await;
    assert_eq!(stolen.status(), StatusCode::GONE);

    let shown = admin
        .post_form("/shown-once", &[("once", handle.as_str())], &page)
        .await;
    assert_eq!(shown.status(), StatusCode::OK);
    assert_eq!(shown.headers()["cache-control"], "no-store");
    let shown = shown.text().await.unwrap();
    assert!(shown.contains("id=\"license-jwt\""), "the JWT's field");
    let again = admin
        .post_form("/shown-once", &[("once", handle.as_str())], &page)
        .await;
    assert_eq!(again.status(), StatusCode::GONE);
    let again = again.text().await.unwrap();
    assert!(!again.contains("id=\"license-jwt\""), "not twice");
    assert!(again.contains("shown already"));
}
