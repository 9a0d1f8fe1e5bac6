//! Tag rules: admins add and remove them (audited), everyone signed in reads them, viewers and
//! bad input are refused with the field named.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

const RULE: [(&str, &str); 6] = [
    ("rule[key]", "CostCentre"),
    ("rule[required]", "on"),
    ("rule[kinds]", "saml-provider, server-certificate"),
    ("rule[accounts]", "prod"),
    ("rule[allowed]", "pattern"),
    ("rule[values]", "CC-????"),
];

#[tokio::test]
async fn admins_add_and_remove_rules_and_every_change_is_audited() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let mut fields = RULE.to_vec();
    fields.push(("rule[spellings]", "costcenter, cost-centre"));
    let added = admin.call("/api/tag-rules/add", &fields).await;
    assert_eq!(
        added.status(),
        StatusCode::OK,
        "{}",
        added.text().await.unwrap()
    );
    let viewer = signed_in_viewer(&app, &admin).await;
    let page: Value = viewer
        .get_json("/api/tag-rules")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["can_edit"], false);
    // After the two rules demo mode starts with.
    let rules = page["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 3, "{page}");
    let rule = &rules[2];
    let id = rule["id"].to_string();
    assert_eq!(rule["key"], "CostCentre");
    assert_eq!(
        rule["kinds"],
        serde_json::json!(["saml-provider", "server-certificate"])
    );
    assert_eq!(
        rule["allowed"],
        serde_json::json!({"type": "pattern", "values": "CC-????"})
    );
    assert_eq!(
        rule["spellings"],
        serde_json::json!(["costcenter", "cost-centre"])
    );

    let refused = viewer
        .call("/api/tag-rules/delete", &[("id", id.as_str())])
        .await;
    expect_error(refused, StatusCode::FORBIDDEN, "Only admins").await;
    let removed = admin
        .call("/api/tag-rules/delete", &[("id", id.as_str())])
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    let again = admin
        .call("/api/tag-rules/delete", &[("id", id.as_str())])
        .await;
    expect_error(again, StatusCode::NOT_FOUND, &format!("no tag rule {id}")).await;
    let audit: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, outcome FROM audit_log WHERE action LIKE 'tag_rule.%' AND target_id = ? ORDER BY id",
    )
    .bind(&id)
    .fetch_all(&app.db().await)
    .await
    .unwrap();
    assert_eq!(
        audit,
        vec![
            ("tag_rule.add".to_string(), "ok".to_string()),
            ("tag_rule.delete".to_string(), "ok".to_string()),
        ]
    );
    // The viewer was refused at the door, before the form (and so the rule's id) was read.
    let refused: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT actor, target_id, message FROM audit_log WHERE action = 'tag_rule.delete' AND outcome = 'error'",
    )
    .fetch_all(&app.db().await)
    .await
    .unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].1, "");
    assert!(refused[0].2.contains("viewer role"), "{refused:?}");
}

#[tokio::test]
async fn a_bad_rule_names_its_field_and_nothing_is_stored() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let demo_rules = app.count("SELECT COUNT(*) FROM tag_rules").await;
    for (field, value) in [
        ("rule[key]", "aws:cost"),
        ("rule[kinds]", "license-token"),
        ("rule[accounts]", "staging"),
        ("rule[values]", ""),
    ] {
        let mut fields = RULE.to_vec();
        fields.retain(|(name, _)| *name != field);
        fields.push((field, value));
        let response = admin.call("/api/tag-rules/add", &fields).await;
        let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
        let named = field.trim_start_matches("rule[").trim_end_matches(']');
        assert_eq!(field_names(&error), vec![named.to_string()], "{error}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tag_rules").await,
        demo_rules,
        "only the demo's"
    );
}

async fn compliance(admin: &Browser) -> Value {
    admin
        .get_json("/api/compliance")
        .await
        .json()
        .await
        .unwrap()
}

async fn set_tag(admin: &Browser, id: &str, key: &str, value: &str) {
    let response = admin
        .call(
            "/api/resource/tag",
            &[
                ("item[kind]", "server-certificate"),
                ("item[account]", "prod"),
                ("item[region]", "global"),
                ("item[id]", id),
                ("key", key),
                ("value", value),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
}

/// The compliance report's counts agree with the rule's own evaluation of every item, and move
/// as tags are fixed or broken.
#[tokio::test]
async fn compliance_counts_each_kind_of_violation_and_follows_the_tags() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, "server-certificate").await;
    let fields = [
        ("rule[key]", "DataClass"),
        ("rule[required]", "on"),
        ("rule[kinds]", "server-certificate"),
        ("rule[accounts]", "prod"),
        ("rule[allowed]", "list"),
        ("rule[values]", "public\ninternal\nconfidential"),
        ("rule[spellings]", "data-class"),
    ];
    let added = admin.call("/api/tag-rules/add", &fields).await;
    assert_eq!(added.status(), StatusCode::OK);
    let prod: Vec<String> = inventory_of(&admin, "server-certificate", "&query[account]=prod")
        .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"]["id"].as_str().unwrap().to_string())
        .collect();
    assert!(prod.len() >= 3, "{prod:?}");
    // The report's section for this rule, beside the demo's own rules.
    let section = |report: &Value| -> Value {
        report
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"]["key"] == "DataClass")
            .cloned()
            .unwrap_or_else(|| panic!("no DataClass rule: {report}"))
    };
    let total = |report: &Value| section(report)["total"].as_i64().unwrap();
    let before = compliance(&admin).await;
    assert_eq!(
        total(&before),
        prod.len() as i64,
        "none has the key yet: {before}"
    );
    assert_eq!(
        section(&before)["counts"],
        serde_json::json!([["server-certificate", "prod", prod.len()]])
    );

    set_tag(&admin, &prod[0], "DataClass", "internal").await;
    set_tag(&admin, &prod[1], "DataClass", "secret").await;
    set_tag(&admin, &prod[2], "data-class", "internal").await;
    let after = compliance(&admin).await;
    assert_eq!(
        total(&after),
        prod.len() as i64 - 1,
        "only the fixed one complies: {after}"
    );
    let violations = |id: &str| -> String {
        section(&after)["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["item"]["id"] == id)
            .map(|i| i["violations"].to_string())
            .unwrap_or_default()
    };
    assert_eq!(violations(&prod[0]), "");
    assert!(violations(&prod[1]).contains("is not allowed"), "{after}");
    assert!(
        violations(&prod[2]).contains("should be spelled DataClass"),
        "{after}"
    );
    if let Some(untouched) = prod.get(3) {
        assert!(
            violations(untouched).contains("required but missing"),
            "{after}"
        );
    }
}

/// A rule is met by its key spelled exactly, as AWS compares keys; a key that differs only by
/// (ASCII) case is another key, reported as a misspelling. The report's SQL and the rule's own
/// check fold case alike, so a key with a non-ASCII capital (`Équipe`) complies when spelled
/// exactly (SQLite's `lower` leaves `É` as it is; the bound key was folded to `é`, so the report
/// counted it missing).
#[tokio::test]
async fn a_rule_is_met_by_its_key_exactly_and_a_key_in_another_case_is_a_misspelling() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, "server-certificate").await;
    let fields = [
        ("rule[key]", "Équipe"),
        ("rule[required]", "on"),
        ("rule[kinds]", "server-certificate"),
        ("rule[accounts]", "prod"),
        ("rule[allowed]", "any"),
    ];
    let added = admin.call("/api/tag-rules/add", &fields).await;
    assert_eq!(added.status(), StatusCode::OK);
    let prod: Vec<String> = inventory_of(&admin, "server-certificate", "&query[account]=prod")
        .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"]["id"].as_str().unwrap().to_string())
        .collect();
    assert!(prod.len() >= 2, "{prod:?}");
    set_tag(&admin, &prod[0], "Équipe", "réseau").await;
    set_tag(&admin, &prod[1], "ÉQUIPE", "réseau").await;
    let report = compliance(&admin).await;
    let section = report
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"]["key"] == "Équipe")
        .cloned()
        .unwrap_or_else(|| panic!("no Équipe rule: {report}"));
    let listed = |id: &str| {
        section["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["item"]["id"] == id)
            .map(|i| i["violations"].to_string())
    };
    assert_eq!(
        listed(&prod[0]),
        None,
        "spelled exactly, it complies: {section}"
    );
    assert!(
        listed(&prod[1])
            .unwrap_or_default()
            .contains("ÉQUIPE should be spelled Équipe"),
        "{section}"
    );
    assert_eq!(section["total"], prod.len() - 1, "{section}");
}
