//! The demo's tag rules against the emulator's seeded violations: demo mode adds its rules
//! once, the Compliance page counts exactly what the seed breaks, the CSV lists every breaking
//! item (neutralised, for signed-in users only), and fixing the items leaves nothing to report.

use crate::harness::*;
use reqwest::{header, StatusCode};
use serde_json::Value;
use std::collections::BTreeMap;
use trustdesk_emulator::seed::untidy;

/// `(kind, account, items)` breaking the demo's `Owner` rule after a full sync.
const WITHOUT_OWNER: [(&str, &str, i64); 8] = [
    ("instance-profile", "dev", 1),
    ("instance-profile", "prod", 1),
    ("managed-policy", "dev", 1),
    ("managed-policy", "prod", 1),
    ("saml-provider", "dev", 1),
    ("saml-provider", "prod", 1),
    ("verification-token", "dev", 2),
    ("verification-token", "prod", 2),
];

/// The same for its `CostCentre` rule.
const BAD_COST_CENTRE: [(&str, &str, i64); 8] = [
    ("managed-policy", "dev", 1),
    ("managed-policy", "prod", 1),
    ("mfa-device", "prod", 1),
    ("oidc-provider", "dev", 1),
    ("oidc-provider", "prod", 1),
    ("server-certificate", "dev", 1),
    ("trust-provider", "dev", 2),
    ("trust-provider", "prod", 2),
];

async fn compliance(browser: &Browser) -> Vec<Value> {
    let response = browser.get_json("/api/compliance").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a compliance report")
}

fn rule<'r>(report: &'r [Value], key: &str) -> &'r Value {
    report
        .iter()
        .find(|r| r["rule"]["key"] == key)
        .unwrap_or_else(|| panic!("no {key} rule in {report:?}"))
}

fn counts(rule: &Value) -> Vec<(String, String, i64)> {
    serde_json::from_value(rule["counts"].clone()).expect("counts")
}

fn expected(counts: &[(&str, &str, i64)]) -> Vec<(String, String, i64)> {
    counts
        .iter()
        .map(|(kind, account, n)| (kind.to_string(), account.to_string(), *n))
        .collect()
}

/// The CSV as rows of `column → cell`.
async fn export(browser: &Browser) -> Vec<BTreeMap<String, String>> {
    let response = browser.get_json("/compliance/export.csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("body");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header row")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "rule_id",
            "rule_key",
            "violation",
            "message",
            "kind",
            "account",
            "region",
            "id",
            "name",
            "tag_key",
            "tag_value"
        ]
    );
    reader
        .records()
        .map(|row| {
            header
                .iter()
                .cloned()
                .zip(row.expect("a CSV row").iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// `(rule id, kind, account, region, id)` of a CSV row.
fn place(row: &BTreeMap<String, String>) -> (i64, String, String, String, String) {
    (
        row["rule_id"].parse().expect("a rule id"),
        row["kind"].clone(),
        row["account"].clone(),
        row["region"].clone(),
        row["id"].clone(),
    )
}

/// The same of every item the report lists.
fn listed(report: &[Value]) -> Vec<(i64, String, String, String, String)> {
    let mut places = Vec::new();
    for rule in report {
        for item in rule["items"].as_array().expect("items") {
            let text = |field: &str| item["item"][field].as_str().expect(field).to_string();
            places.push((
                rule["rule"]["id"].as_i64().expect("an id"),
                text("kind"),
                text("account"),
                text("region"),
                text("id"),
            ));
        }
    }
    places
}

async fn on_item(
    admin: &Browser,
    path: &str,
    row: &BTreeMap<String, String>,
    tag: &[(&str, &str)],
) {
    let mut fields = vec![
        ("item[kind]", row["kind"].as_str()),
        ("item[account]", row["account"].as_str()),
        ("item[region]", row["region"].as_str()),
        ("item[id]", row["id"].as_str()),
    ];
    fields.extend_from_slice(tag);
    let response = admin.call(path, &fields).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{path} {row:?}: {}",
        response.text().await.unwrap()
    );
}

#[tokio::test]
async fn the_demo_s_rules_count_exactly_the_seeded_violations_and_fixing_them_leaves_none() {
    let (_app, admin) = TestApp::builder().demo().jobs().build_with_admin().await;
    crate::sync::settled(&admin, None).await;
    let report = compliance(&admin).await;
    assert_eq!(report.len(), 2, "the demo's two rules: {report:?}");
    let owner = rule(&report, "Owner");
    let cost_centre = rule(&report, "CostCentre");
    assert_eq!(counts(owner), expected(&WITHOUT_OWNER));
    assert_eq!(counts(cost_centre), expected(&BAD_COST_CENTRE));
    assert_eq!(owner["total"], 2 * untidy::ITEMS_WITHOUT_OWNER as i64);
    assert_eq!(
        cost_centre["total"],
        2 * untidy::ITEMS_WITH_A_BAD_COST_CENTRE as i64
    );
    let said = |rule: &Value| -> BTreeMap<String, usize> {
        let mut said = BTreeMap::new();
        for item in rule["items"].as_array().unwrap() {
            *said.entry(item["violations"].to_string()).or_default() += 1;
        }
        said
    };
    assert_eq!(
        said(owner),
        BTreeMap::from([(r#"["Owner is required but missing."]"#.to_string(), 10)])
    );
    assert_eq!(
        said(cost_centre),
        BTreeMap::from([
            (r#"["CostCentre is required but missing."]"#.to_string(), 2),
            (
                r#"["CostCentre=1200 is not allowed: CostCentre must be matching CC-????."]"#
                    .to_string(),
                1
            ),
            (
                r#"["CostCentre=cc-1200 is not allowed: CostCentre must be matching CC-????."]"#
                    .to_string(),
                1
            ),
            (
                r#"["costcenter should be spelled CostCentre."]"#.to_string(),
                6
            ),
        ])
    );

    // The CSV lists exactly the items the page does (all of them: fewer than 50 per rule).
    let rows = export(&admin).await;
    assert_eq!(rows.len(), 20);
    let mut exported: Vec<_> = rows.iter().map(place).collect();
    let mut shown = listed(&report);
    exported.sort();
    shown.sort();
    assert_eq!(exported, shown);

    // Fixing what each row says leaves nothing to report.
    for row in &rows {
        match (row["rule_key"].as_str(), row["violation"].as_str()) {
            ("Owner", "missing") => {
                let tag = [("key", "Owner"), ("value", "fixer@example.com")];
                on_item(&admin, "/api/resource/tag", row, &tag).await
            }
            ("CostCentre", "missing") => {
                let tag = [("key", "CostCentre"), ("value", "CC-0001")];
                on_item(&admin, "/api/resource/tag", row, &tag).await
            }
            ("CostCentre", "not_allowed") => {
                let value = format!("CC-{:0>4}", row["tag_value"].trim_start_matches("cc-"));
                let tag = [("key", "CostCentre"), ("value", value.as_str())];
                on_item(&admin, "/api/resource/tag", row, &tag).await
            }
            ("CostCentre", "misspelled") => {
                assert_eq!(row["tag_key"], "costcenter", "{row:?}");
                let value = row["tag_value"].as_str();
                let tag = [("key", "CostCentre"), ("value", value)];
                on_item(&admin, "/api/resource/tag", row, &tag).await;
                let untag = [("key", "costcenter")];
                on_item(&admin, "/api/resource/untag", row, &untag).await;
            }
            other => panic!("unexpected {other:?}: {row:?}"),
        }
    }
    let after = compliance(&admin).await;
    for rule in &after {
        assert_eq!(rule["total"], 0, "{rule}");
        assert_eq!(rule["counts"], serde_json::json!([]), "{rule}");
    }
    assert!(export(&admin).await.is_empty(), "a header and no rows");
}

#[tokio::test]
async fn the_csv_lists_every_breaking_item_neutralised_for_signed_in_users_only() {
    let (app, admin) = TestApp::builder().demo().jobs().build_with_admin().await;
    crate::sync::settled(&admin, None).await;
    // A rule every item with tags breaks: more items than the page lists.
    let added = admin
        .call(
            "/api/tag-rules/add",
            &[("rule[key]", "DataClass"), ("rule[required]", "on")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    let prod_certificate = inventory_of(&admin, "server-certificate", "&query[account]=prod").await
        ["items"][0]["item"]
        .clone();
    let formula = [("key", "CostCentre"), ("value", "-2+3+cmd")];
    let row: BTreeMap<String, String> = ["kind", "account", "region", "id"]
        .iter()
        .map(|f| {
            (
                f.to_string(),
                prod_certificate[f].as_str().unwrap().to_string(),
            )
        })
        .collect();
    on_item(&admin, "/api/resource/tag", &row, &formula).await;

    let report = compliance(&admin).await;
    let data_class = rule(&report, "DataClass");
    // 49 items with tags per account: 29 IAM, and 10 in each of two regions.
    assert_eq!(data_class["total"], 98);
    assert_eq!(data_class["items"].as_array().unwrap().len(), 50);
    let rows = export(&admin).await;
    let per_rule = |key: &str| rows.iter().filter(|r| r["rule_key"] == key).count();
    assert_eq!(per_rule("DataClass"), 98, "every item, not the page's 50");
    assert_eq!(per_rule("Owner"), 10);
    assert_eq!(per_rule("CostCentre"), 11, "the seed's ten and the formula");
    let mut places: Vec<_> = rows.iter().map(place).collect();
    places.sort();
    places.dedup();
    assert_eq!(places.len(), rows.len(), "no row twice");
    let formula_row = rows
        .iter()
        .find(|r| r["rule_key"] == "CostCentre" && r["id"] == row["id"])
        .expect("the certificate's row");
    assert_eq!(formula_row["violation"], "not_allowed");
    assert_eq!(formula_row["tag_value"], "'-2+3+cmd", "neutralised");

    let response = admin.get_json("/compliance/export.csv").await;
    let header_of =
        |name: header::HeaderName| response.headers()[name].to_str().unwrap().to_string();
    assert_eq!(header_of(header::CONTENT_TYPE), "text/csv; charset=utf-8");
    assert_eq!(header_of(header::CACHE_CONTROL), "no-store");
    let disposition = header_of(header::CONTENT_DISPOSITION);
    assert!(
        disposition.starts_with("attachment; filename=\"trustdesk-compliance-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let page = admin.get("/compliance").await.text().await.unwrap();
    assert!(
        page.contains(r#"id="compliance-export""#)
            && page.contains(r#"href="/compliance/export.csv""#),
        "the page links to it"
    );

    let viewer = signed_in_viewer(&app, &admin).await;
    assert_eq!(
        export(&viewer).await.len(),
        rows.len(),
        "viewers export too"
    );
    let anonymous = app.browser();
    let browsing = anonymous.get("/compliance/export.csv").await;
    assert_eq!(browsing.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browsing.headers()[header::LOCATION],
        "/login?next=%2Fcompliance",
        "on to the page after signing in"
    );
    let scripted = anonymous.get_json("/compliance/export.csv").await;
    assert_eq!(scripted.status(), StatusCode::UNAUTHORIZED);
    let refusal = scripted.text().await.unwrap();
    assert!(refusal.contains("Sign in"), "{refusal}");
    assert!(!refusal.contains("DataClass"), "{refusal}");
}

/// Opens and binds another trustdesk on the app's data directory, as a restart would.
async fn start_again(app: &TestApp, demo: bool) {
    let config = server::config::Config::load(
        None,
        &Default::default(),
        &server::config::Overrides {
            listen: None,
            data_dir: Some(app.data_dir.clone()),
            demo,
        },
    )
    .expect("config");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    server::Trustdesk::open(config)
        .await
        .expect("open")
        .bind_to(listener)
        .await
        .expect("bind");
}

async fn system_rule_rows(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT target_id, params FROM audit_log WHERE actor = 'system' AND action = 'tag_rule.add' ORDER BY id",
    )
    .fetch_all(&app.db().await)
    .await
    .unwrap()
}

#[tokio::test]
async fn demo_mode_adds_its_rules_once_and_never_back_and_production_adds_none() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let page: Value = admin.get_json("/api/tag-rules").await.json().await.unwrap();
    let rules = page["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2, "{page}");
    assert_eq!(rules[0]["key"], "Owner");
    assert_eq!(rules[0]["required"], true);
    assert_eq!(
        rules[0]["kinds"],
        serde_json::json!([]),
        "every kind with tags"
    );
    assert_eq!(rules[0]["allowed"], serde_json::json!({"type": "any"}));
    assert_eq!(rules[1]["key"], "CostCentre");
    assert_eq!(rules[1]["required"], true);
    assert_eq!(
        rules[1]["allowed"],
        serde_json::json!({"type": "pattern", "values": "CC-????"})
    );
    assert_eq!(rules[1]["spellings"], serde_json::json!(["costcenter"]));
    let audited = system_rule_rows(&app).await;
    assert_eq!(audited.len(), 2, "each rule audited, as the system's");
    for ((id, params), rule) in audited.iter().zip(rules) {
        assert_eq!(id, &rule["id"].to_string());
        let params: Value = serde_json::from_str(params).unwrap();
        assert_eq!(params["via"], "demo");
        assert_eq!(params["rule"]["key"], rule["key"]);
    }

    start_again(&app, true).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tag_rules").await,
        2,
        "not doubled"
    );
    assert_eq!(system_rule_rows(&app).await.len(), 2);

    for rule in rules {
        let id = rule["id"].to_string();
        let removed = admin
            .call("/api/tag-rules/delete", &[("id", id.as_str())])
            .await;
        assert_eq!(removed.status(), StatusCode::OK);
    }
    start_again(&app, true).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tag_rules").await,
        0,
        "rules an admin removed stay removed"
    );

    let (production, _admin) = TestApp::builder().build_with_admin().await;
    assert_eq!(production.count("SELECT COUNT(*) FROM tag_rules").await, 0);
    start_again(&production, false).await;
    assert_eq!(production.count("SELECT COUNT(*) FROM tag_rules").await, 0);
}
