//! Tag rules warn, never refuse: every create form's Tags field, and an item's page lists the
//! rules the item breaks, also without JavaScript.

use crate::harness::*;
use reqwest::StatusCode;

/// Each kind's create page, its Tags textarea's id and name, and whether it has a hint.
const TAGS_FIELDS: [(&str, &str, &str, bool); 9] = [
    (
        "/verification-tokens/new",
        "token-tags",
        "token[tags]",
        true,
    ),
    (
        "/trust-providers/new",
        "provider-tags",
        "provider[tags]",
        false,
    ),
    (
        "/identity-sources/new",
        "source-tags",
        "source[tags]",
        false,
    ),
    (
        "/instance-profiles/new",
        "profile-tags",
        "profile[tags]",
        false,
    ),
    ("/oidc-providers/new", "oidc-tags", "provider[tags]", true),
    ("/saml-providers/new", "saml-tags", "provider[tags]", true),
    (
        "/server-certificates/new",
        "certificate-tags",
        "certificate[tags]",
        true,
    ),
    ("/mfa-devices/new", "mfa-tags", "device[tags]", true),
    (
        "/managed-policies/new",
        "policy-tags",
        "policy[tags]",
        false,
    ),
];

async fn page(browser: &Browser, path: &str) -> String {
    let response = browser.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn every_create_form_keeps_its_tags_field() {
    let (_app, admin) = TestApp::demo_with_admin().await;
    for (path, id, name, hint) in TAGS_FIELDS {
        let html = page(&admin, path).await;
        let described_by = if hint {
            format!("{id}-hint {id}-error")
        } else {
            format!("{id}-error")
        };
        assert!(
            html.contains(&format!(
                "<textarea id=\"{id}\" name=\"{name}\" rows=\"{}\" aria-describedby=\"{described_by}\"",
                if id == "token-tags" { 4 } else { 3 }
            )),
            "{path}: {html}"
        );
        assert!(html.contains(&format!("<label for=\"{id}\"")), "{path}");
        assert!(html.contains(&format!("id=\"{id}-error\"")), "{path}");
        assert_eq!(html.contains(&format!("id=\"{id}-hint\"")), hint, "{path}");
    }
}
