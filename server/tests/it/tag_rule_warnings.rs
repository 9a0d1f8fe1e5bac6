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
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
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

/// `CostCentre`, required on instance profiles in dev, matching `CC-????`, also spelled
/// `costcenter`.
const DEV_COST_CENTRE: [(&str, &str); 7] = [
    ("rule[key]", "CostCentre"),
    ("rule[required]", "on"),
    ("rule[kinds]", "instance-profile"),
    ("rule[accounts]", "dev"),
    ("rule[allowed]", "pattern"),
    ("rule[values]", "CC-????"),
    ("rule[spellings]", "costcenter"),
];

/// Adds the dev-only CostCentre rule as the only rule: the demo's own rules are removed first,
/// so what the pages warn of comes from this rule alone.
async fn add_rule(admin: &Browser) {
    let rules: serde_json::Value = admin.get_json("/api/tag-rules").await.json().await.unwrap();
    for rule in rules["rules"].as_array().unwrap() {
        let id = rule["id"].to_string();
        let removed = admin
            .call("/api/tag-rules/delete", &[("id", id.as_str())])
            .await;
        assert_eq!(removed.status(), StatusCode::OK);
    }
    let added = admin.call("/api/tag-rules/add", &DEV_COST_CENTRE).await;
    assert_eq!(
        added.status(),
        StatusCode::OK,
        "{}",
        added.text().await.unwrap()
    );
}

/// Creates an instance profile as a browser without JavaScript does; the path of the page it
/// lands on.
async fn create_profile(admin: &Browser, account: &str, name: &str, tags: &str) -> String {
    let target = format!("{account}/global");
    let response = admin
        .post_form(
            "/api/instance-profiles/create",
            &[
                ("profile[target]", target.as_str()),
                ("profile[name]", name),
                ("profile[tags]", tags),
            ],
            "/instance-profiles/new",
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND, "created, not refused");
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let detail = format!("/resources/instance-profile/{account}/global/{name}");
    assert!(location.contains(&detail), "{location}");
    detail
}

/// The `li` of the "Tag rules this item breaks" section for the rule `CostCentre`, if any.
fn broken_rule_item(html: &str) -> Option<String> {
    let section = html.split("id=\"tag-rule-warnings\"").nth(1)?;
    let section = section.split("</section>").next()?;
    let item = section.split("<li data-rule-key=\"CostCentre\"").nth(1)?;
    Some(item.split("</li>").next()?.to_string())
}

#[tokio::test]
async fn a_create_that_breaks_a_rule_succeeds_and_its_page_lists_what_it_breaks_until_fixed() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    add_rule(&admin).await;

    // The create form carries the live warnings' region; the rules reach it as the page renders.
    let form = page(&admin, "/instance-profiles/new").await;
    assert!(form.contains("id=\"profile-tags-rules\""), "{form}");

    let missing = create_profile(&admin, "dev", "unbilled", "Owner=it@example.com").await;
    let html = page(&admin, &missing).await;
    assert!(html.contains("Tag rules this item breaks"), "{html}");
    let item = broken_rule_item(&html).expect("CostCentre listed");
    assert!(item.contains("data-violation=\"missing\""), "{item}");
    assert!(
        item.contains("CostCentre is required but missing."),
        "{item}"
    );

    let misspelled = create_profile(
        &admin,
        "dev",
        "misspelled",
        "Owner=it@example.com\ncostcenter=CC-0042",
    )
    .await;
    let item = broken_rule_item(&page(&admin, &misspelled).await).expect("CostCentre listed");
    assert!(item.contains("data-violation=\"misspelled\""), "{item}");
    assert!(
        item.contains("costcenter should be spelled CostCentre."),
        "{item}"
    );

    // The rule is dev's: the same tags in prod break nothing.
    let prod = create_profile(&admin, "prod", "unbilled", "Owner=it@example.com").await;
    let html = page(&admin, &prod).await;
    assert!(!html.contains("id=\"tag-rule-warnings\""), "{html}");

    // A value the rule does not allow, set with the tag editor's plain form: still a warning.
    let set_tag = |value: &'static str| {
        let admin = &admin;
        let missing = missing.clone();
        async move {
            let response = admin
                .post_form(
                    "/api/resource/tag",
                    &[
                        ("item[kind]", "instance-profile"),
                        ("item[account]", "dev"),
                        ("item[region]", "global"),
                        ("item[id]", "unbilled"),
                        ("key", "CostCentre"),
                        ("value", value),
                    ],
                    &missing,
                )
                .await;
            assert!(response.status().is_redirection(), "{}", response.status());
        }
    };
    set_tag("marketing").await;
    let item = broken_rule_item(&page(&admin, &missing).await).expect("CostCentre listed");
    assert!(item.contains("data-violation=\"not_allowed\""), "{item}");
    assert!(
        item.contains("CostCentre=marketing is not allowed: CostCentre must be matching CC-????."),
        "{item}"
    );

    set_tag("CC-0042").await;
    let html = page(&admin, &missing).await;
    assert!(html.contains("data-tag=\"CostCentre\""), "the tag is set");
    assert!(!html.contains("id=\"tag-rule-warnings\""), "{html}");
}

#[tokio::test]
async fn the_rules_the_warnings_read_are_refused_to_anonymous_callers() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    add_rule(&admin).await;
    let anonymous = app.browser();
    let refused = anonymous.get_json("/api/tag-rules").await;
    let (status, error) = error_of(refused).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{error}");
    assert!(!error.to_string().contains("CostCentre"), "{error}");

    let viewer = signed_in_viewer(&app, &admin).await;
    let read = viewer.get_json("/api/tag-rules").await;
    assert_eq!(read.status(), StatusCode::OK);
    let page: serde_json::Value = read.json().await.unwrap();
    assert_eq!(page["rules"][0]["key"], "CostCentre");
}
