//! Renewing an expiring item: its successor's create form opens prefilled from it (a License
//! Manager token's license, roles and properties; a verification token's IPAM and tags; a server
//! certificate's account, path, tags and a numbered name), read from the cache by anyone signed
//! in, refused to anonymous callers and for kinds renewed otherwise.

use crate::harness::*;
use reqwest::{Response, StatusCode};
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

/// Creates `item`'s successor (a license token) from its renewal's form as the page posts it:
/// the prefilled fields, a fresh idempotency token and the hidden fields naming the renewed item.
async fn renew_license_token(browser: &Browser, item: &Value, client_token: &str) -> Response {
    let renewal = renewal_of(browser, item).await;
    let mut form: Vec<(String, String)> = renewal["prefill"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_string(),
                pair[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    form.push(("token[client_token]".into(), client_token.into()));
    for field in ["account", "region", "id"] {
        form.push((
            format!("token[renews][{field}]"),
            item[field].as_str().unwrap().to_string(),
        ));
    }
    let fields: Vec<(&str, &str)> = form
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    browser.call("/api/license-tokens/create", &fields).await
}

/// The item fields of a form that acts on `item`.
fn fields_of(item: &Value) -> Vec<(&'static str, &str)> {
    let get = |field: &str| item[field].as_str().unwrap();
    vec![
        ("item[kind]", get("kind")),
        ("item[account]", get("account")),
        ("item[region]", get("region")),
        ("item[id]", get("id")),
    ]
}

async fn links_of(browser: &Browser, item: &Value) -> Value {
    let response = browser
        .get_json(&format!("/api/renewal/links?{}", query(item)))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn expiry_overview(browser: &Browser) -> Value {
    browser
        .get_json("/api/dashboard")
        .await
        .json::<Value>()
        .await
        .unwrap()["expiry"]
        .clone()
}

fn total(overview: &Value) -> u64 {
    overview["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .sum()
}

fn listed(overview: &Value, id: &str) -> bool {
    ["soonest", "needs_action"].iter().any(|list| {
        overview[list]
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| entry["item"]["id"] == id)
    })
}

#[tokio::test]
async fn a_successor_is_linked_the_pair_counts_once_and_the_old_one_is_retired() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let token = expiring(&admin, "license-token").await;
    let id = token["id"].as_str().unwrap().to_string();
    let before = expiry_overview(&admin).await;
    assert!(listed(&before, &id), "the soonest token is on the overview");

    let created = renew_license_token(&admin, &token, "renewal-1").await;
    assert_eq!(
        created.status(),
        StatusCode::OK,
        "{}",
        created.text().await.unwrap()
    );

    // Linked both ways, in the audit trail too.
    let links = links_of(&admin, &token).await;
    let successor = links["renewed_by"]["other"]["item"].clone();
    assert_eq!(successor["kind"], "license-token", "{links}");
    assert_ne!(successor["id"], token["id"]);
    assert_eq!(links["renewed_by"]["retired"], "undecided");
    assert_eq!(links["renewed_by"]["renewed_by"], "admin");
    assert!(links["renews"].is_null());
    let back = links_of(&admin, &successor).await;
    assert_eq!(back["renews"]["other"]["item"], token);
    assert_eq!(back["renews"]["other"]["present"], true);
    let renew_rows: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'license-token.renew' AND outcome = 'ok'
           AND target_id = ? AND json_extract(params, '$.renewed_by.id') = ?",
    )
    .bind(&id)
    .bind(successor["id"].as_str().unwrap())
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    assert_eq!(renew_rows, 1);
    let create_rows: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'license-token.create' AND outcome = 'ok'
           AND json_extract(params, '$.renews.id') = ?",
    )
    .bind(&id)
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    assert_eq!(create_rows, 1);

    // The overview counts the pair once: the old one left every count and list, the new one
    // (a year out) joined them.
    let after = expiry_overview(&admin).await;
    assert_eq!(total(&after), total(&before), "{before} → {after}");
    assert!(
        !listed(&after, &id),
        "the renewed token left the overview's lists"
    );
    // It stays in the inventory, still in AWS.
    let detail = detail(&admin, &token).await;
    assert_eq!(detail["item"], token);

    // A renewal of an item the cache does not hold in AWS is refused before anything is sent.
    let crafted = admin
        .call(
            "/api/license-tokens/create",
            &[
                (
                    "token[license]",
                    prefill(&renewal_of(&admin, &token).await, "token[license]"),
                ),
                ("token[client_token]", "renewal-2"),
                ("token[renews][account]", "prod"),
                ("token[renews][region]", "us-east-1"),
                ("token[renews][id]", "no-such-token"),
            ],
        )
        .await;
    expect_error(crafted, StatusCode::BAD_REQUEST, "is not in AWS any more").await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'license-token.create' AND outcome = 'attempted'"
        )
        .await,
        1,
        "the refused renewal reached no audit row and no AWS call"
    );

    // Retiring: a viewer may not; an admin leaves it to expire, audited.
    let viewer = signed_in_viewer(&app, &admin).await;
    let fields = fields_of(&token);
    let refused = viewer.call("/api/renewal/leave-to-expire", &fields).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let left = admin.call("/api/renewal/leave-to-expire", &fields).await;
    assert_eq!(
        left.status(),
        StatusCode::OK,
        "{}",
        left.text().await.unwrap()
    );
    assert_eq!(
        links_of(&admin, &successor).await["renews"]["retired"],
        "left_to_expire"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'renewal.leave_to_expire' AND outcome = 'ok'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'renewal.leave_to_expire' AND outcome = 'error'"
        )
        .await,
        1,
        "the viewer's refusal is audited"
    );
    // An item no successor renews cannot be left to expire this way.
    let not_renewed = admin
        .call("/api/renewal/leave-to-expire", &fields_of(&successor))
        .await;
    expect_error(not_renewed, StatusCode::NOT_FOUND, "No successor").await;

    // Deleting the old one after all: the successor's page says so.
    let mut delete = fields.clone();
    delete.push(("confirm", id.as_str()));
    let deleted = admin.call("/api/resource/delete", &delete).await;
    assert_eq!(
        deleted.status(),
        StatusCode::OK,
        "{}",
        deleted.text().await.unwrap()
    );
    let back = links_of(&admin, &successor).await;
    assert_eq!(back["renews"]["retired"], "deleted");
    assert_eq!(back["renews"]["other"]["present"], false);
}

#[tokio::test]
async fn an_item_whose_successor_is_deleted_counts_and_is_listed_again() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let token = expiring(&admin, "license-token").await;
    let id = token["id"].as_str().unwrap().to_string();
    let before = expiry_overview(&admin).await;
    let created = renew_license_token(&admin, &token, "renewal-3").await;
    assert_eq!(created.status(), StatusCode::OK);
    let successor = links_of(&admin, &token).await["renewed_by"]["other"]["item"].clone();
    assert!(!listed(&expiry_overview(&admin).await, &id));

    let mut fields = fields_of(&successor);
    let successor_id = successor["id"].as_str().unwrap().to_string();
    fields.push(("confirm", successor_id.as_str()));
    let deleted = admin.call("/api/resource/delete", &fields).await;
    assert_eq!(
        deleted.status(),
        StatusCode::OK,
        "{}",
        deleted.text().await.unwrap()
    );

    assert_eq!(
        links_of(&admin, &token).await,
        serde_json::json!({"renews": null, "renewed_by": null})
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM renewals").await, 0);
    let after = expiry_overview(&admin).await;
    assert_eq!(total(&after), total(&before));
    assert!(listed(&after, &id), "the token counts and is listed again");
}

#[tokio::test]
async fn a_renewed_item_gets_no_more_notices() {
    let (app, admin) = TestApp::builder().demo().jobs().build_with_admin().await;
    sync_now(&admin, &app).await;
    // Two license tokens whose most urgent notice so far is the 14-day one: 8 days on, both
    // would cross 7.
    let noticed: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT account, region, id FROM alert_notices WHERE kind = 'license-token'
         GROUP BY account, region, id HAVING MIN(threshold) = 14 ORDER BY account, region, id",
    )
    .fetch_all(&app.db().await)
    .await
    .unwrap();
    assert!(noticed.len() >= 2, "{noticed:?}");
    let as_item = |(account, region, id): &(String, String, String)| serde_json::json!({"kind": "license-token", "account": account, "region": region, "id": id});
    let (renewed, control) = (as_item(&noticed[0]), as_item(&noticed[1]));
    let created = renew_license_token(&admin, &renewed, "renewal-4").await;
    assert_eq!(created.status(), StatusCode::OK);

    reqwest::Client::new()
        .post(format!(
            "{}/_emulator/clock",
            app.emulator_endpoint.as_ref().unwrap()
        ))
        .header("content-type", "application/json")
        .body(r#"{"advance_seconds": 691200}"#)
        .send()
        .await
        .unwrap();
    sync_now(&admin, &app).await;
    let urgent = |item: &(String, String, String)| {
        let (account, region, id) = item.clone();
        let app = &app;
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM alert_notices WHERE kind = 'license-token' AND account = ?
                   AND region = ? AND id = ? AND threshold < 14",
            )
            .bind(account)
            .bind(region)
            .bind(id)
            .fetch_one(&app.db().await)
            .await
            .unwrap()
        }
    };
    assert!(
        urgent(&noticed[1]).await > 0,
        "the control token {control} was noticed again"
    );
    assert_eq!(urgent(&noticed[0]).await, 0, "the renewed token was not");
}
