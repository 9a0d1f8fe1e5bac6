//! Renewing an expiring item: its successor's create form opens prefilled from it (a License
//! Manager token's license, roles and properties; a verification token's IPAM and tags; a server
//! certificate's account, path, tags and a numbered name), read from the cache by anyone signed
//! in, refused to anonymous callers and for kinds renewed otherwise.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

fn query(item: &Value) -> String {
    let key = |field: &str| -> String {
        url::form_urlencoded::byte_serialize(item[field].as_str().unwrap().as_bytes()).collect()
    };
    format!(
        "item[kind]={}&item[account]={}&item[region]={}&item[id]={}",
        key("kind"),
        key("account"),
        key("region"),
        key("id")
    )
}

fn prefill<'a>(renewal: &'a Value, name: &str) -> &'a str {
    renewal["prefill"]
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| pair[0] == name)
        .and_then(|pair| pair[1].as_str())
        .unwrap_or_else(|| panic!("no {name} in {renewal}"))
}

async fn detail(browser: &Browser, item: &Value) -> Value {
    let key = |field: &str| item[field].as_str().unwrap().to_string();
    let (status, found) = item_detail(
        browser,
        &key("kind"),
        &key("account"),
        &key("region"),
        &key("id"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found
}

/// The create form of `item`'s successor, as the page reads it.
async fn renewal_of(browser: &Browser, item: &Value) -> Value {
    let response = browser
        .get_json(&format!("/api/renewal?{}", query(item)))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The soonest-expiring cached item of `kind`.
async fn expiring(browser: &Browser, kind: &str) -> Value {
    refresh_kind(browser, kind).await;
    let page = inventory_of(browser, kind, "&query[sort]=expiry").await;
    page["items"][0]["item"].clone()
}

#[tokio::test]
async fn a_renewal_starts_from_the_expiring_items_settings() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;

    let token = expiring(&admin, "license-token").await;
    let cached = detail(&admin, &token).await;
    let renewal = renewal_of(&admin, &token).await;
    assert_eq!(renewal["renews"], token);
    assert_eq!(renewal["name"], cached["name"]);
    let license = field(&cached, "License ARN").unwrap();
    assert_eq!(
        prefill(&renewal, "token[license]"),
        format!(
            "{}/{}/{license}",
            token["account"].as_str().unwrap(),
            token["region"].as_str().unwrap()
        )
    );
    let roles = field(&cached, "Role ARNs").unwrap().replace(", ", "\n");
    assert_eq!(prefill(&renewal, "token[role_arns]"), roles);

    let certificate = expiring(&admin, "server-certificate").await;
    let cached = detail(&admin, &certificate).await;
    let renewal = renewal_of(&admin, &certificate).await;
    let name = cached["name"].as_str().unwrap();
    assert_eq!(prefill(&renewal, "certificate[name]"), format!("{name}-2"));
    assert_eq!(
        prefill(&renewal, "certificate[path]"),
        field(&cached, "Path").unwrap()
    );
    assert_eq!(
        prefill(&renewal, "certificate[target]"),
        format!("{}/global", certificate["account"].as_str().unwrap())
    );
    let tags = prefill(&renewal, "certificate[tags]");
    for tag in cached["tags"].as_array().unwrap() {
        let line = format!(
            "{}={}",
            tag["key"].as_str().unwrap(),
            tag["value"].as_str().unwrap()
        );
        assert!(tags.lines().any(|l| l == line), "{line} in {tags}");
    }

    // The create page opens with those values in its fields (the server's render).
    let page = admin
        .get(&format!(
            "/server-certificates/new?renew_account={}&renew_region=global&renew_id={}",
            certificate["account"].as_str().unwrap(),
            certificate["id"].as_str().unwrap()
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"renewal-note\""), "{page}");
    assert!(
        page.contains(&format!("value=\"{name}-2\"")),
        "the name field: {page}"
    );

    // Anyone signed in may read it (viewers can open create forms to check); nobody else.
    let viewer = signed_in_viewer(&app, &admin).await;
    assert_eq!(
        viewer
            .get_json(&format!("/api/renewal?{}", query(&token)))
            .await
            .status(),
        StatusCode::OK
    );
    let anonymous = app.browser();
    assert_eq!(
        anonymous
            .get_json(&format!("/api/renewal?{}", query(&token)))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn kinds_renewed_otherwise_and_unknown_items_are_refused_with_a_sentence() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let saml = expiring(&admin, "saml-provider").await;
    let refused = admin
        .get_json(&format!("/api/renewal?{}", query(&saml)))
        .await;
    expect_error(
        refused,
        StatusCode::NOT_FOUND,
        "are not renewed by a new one",
    )
    .await;
    let unknown = admin
        .get_json("/api/renewal?item[kind]=license-token&item[account]=prod&item[region]=us-east-1&item[id]=no-such-token")
        .await;
    expect_error(
        unknown,
        StatusCode::NOT_FOUND,
        "No license token no-such-token",
    )
    .await;
}
