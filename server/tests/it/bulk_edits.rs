//! Bulk tag edits end to end over HTTP against the emulator: the preview changes nothing and
//! confirming applies exactly it, EC2 batches ids, a tag changed in AWS since the preview sends
//! the edit back to preview, per-item failures and a refused scope are reported while the rest
//! succeed and are retryable, each item changed has its audit row, and viewers and forged
//! forms are refused.

use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// Previews `ops` (`[(op, key, from, value)]`) over `selection` (`[(field, value)]`); answers
/// the edit's id.
async fn preview(admin: &Browser, selection: &[(&str, &str)], ops: &[[&str; 4]]) -> String {
    let response = call(admin, "/api/bulk/preview", &fields(selection, ops)).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    response.json().await.expect("the edit's id")
}

fn fields(selection: &[(&str, &str)], ops: &[[&str; 4]]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = selection
        .iter()
        .map(|(name, value)| (format!("selection[{name}]"), value.to_string()))
        .collect();
    for (n, [op, key, from, value]) in ops.iter().enumerate() {
        for (part, text) in [("op", op), ("key", key), ("from", from), ("value", value)] {
            fields.push((format!("ops[{n}][{part}]"), text.to_string()));
        }
    }
    fields
}

async fn call(browser: &Browser, path: &str, fields: &[(String, String)]) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    browser.call(path, &borrowed).await
}

/// The edit's page (all items of the first page).
async fn edit(browser: &Browser, id: &str) -> Value {
    let response = browser.get_json(&format!("/api/bulk/edit?id={id}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a bulk edit")
}

/// Waits until the edit stops running; answers its page.
async fn settled(browser: &Browser, id: &str) -> Value {
    for _ in 0..300 {
        let page = edit(browser, id).await;
        let state = page["edit"]["state"].as_str().unwrap().to_string();
        if state != "checking" && state != "applying" {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the bulk edit {id} did not finish");
}

async fn apply(admin: &Browser, id: &str, revision: i64) -> reqwest::Response {
    admin
        .call(
            "/api/bulk/apply",
            &[("id", id), ("revision", &revision.to_string())],
        )
        .await
}

fn counts(page: &Value) -> (u64, u64, u64, u64, u64) {
    let c = &page["edit"]["counts"];
    let n = |field: &str| c[field].as_u64().unwrap();
    (
        n("pending"),
        n("unchanged"),
        n("refused"),
        n("done"),
        n("failed"),
    )
}

fn tags(value: &Value) -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = value
        .as_array()
        .unwrap_or_else(|| panic!("tags in {value}"))
        .iter()
        .map(|t| {
            (
                t["key"].as_str().unwrap().to_string(),
                t["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    tags.sort();
    tags
}

fn calls_of(calls: &Value, operation: &str) -> u64 {
    calls["operations"][operation].as_u64().unwrap_or(0)
}

/// The inventory's items of `kind` (first page), by id, with their tags.
async fn cached_tags(admin: &Browser, kind: &str) -> Vec<(String, Vec<(String, String)>)> {
    let page = inventory_of(admin, kind, "").await;
    let mut items: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["item"]["id"].as_str().unwrap().to_string(),
                tags(&i["tags"]),
            )
        })
        .collect();
    items.sort();
    items
}

#[tokio::test]
async fn the_preview_changes_nothing_and_confirming_sends_exactly_it_in_one_create_tags_per_scope()
{
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, "trust-provider").await;
    let before = cached_tags(&admin, "trust-provider").await;
    let page = inventory_of(&admin, "trust-provider", "").await;
    let scopes: std::collections::BTreeSet<(String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["item"]["account"].as_str().unwrap().to_string(),
                i["item"]["region"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        before.len() > scopes.len(),
        "some scope holds several providers, so batching shows"
    );
    emulator_control(&app, Method::DELETE, "calls", json!({})).await;

    let id = preview(
        &admin,
        &[("kind", "trust-provider")],
        &[
            ["set", "Reviewed", "", "2026-12"],
            ["remove", "Team", "", ""],
        ],
    )
    .await;
    let shown = edit(&admin, &id).await;
    assert_eq!(shown["edit"]["state"], "previewed");
    assert_eq!(shown["edit"]["revision"], 1);
    assert_eq!(counts(&shown), (before.len() as u64, 0, 0, 0, 0), "{shown}");
    for item in shown["items"].as_array().unwrap() {
        let id = item["item"]["id"].as_str().unwrap();
        let cached = &before.iter().find(|(i, _)| i == id).unwrap().1;
        assert_eq!(&tags(&item["before"]), cached, "before is the cached tags");
        let mut expected: Vec<(String, String)> = cached
            .iter()
            .filter(|(key, _)| key != "Team")
            .cloned()
            .chain([("Reviewed".to_string(), "2026-12".to_string())])
            .collect();
        expected.sort();
        assert_eq!(
            tags(&item["after"]),
            expected,
            "after is exactly the operations'"
        );
    }
    let calls = emulator_calls(&app).await;
    assert_eq!(calls["total"], 0, "a preview sends nothing: {calls}");

    let response = apply(&admin, &id, 1).await;
    assert_eq!(response.status(), StatusCode::OK);
    let done = settled(&admin, &id).await;
    assert_eq!(done["edit"]["state"], "finished", "{done}");
    assert_eq!(counts(&done), (0, 0, 0, before.len() as u64, 0), "{done}");
    let calls = emulator_calls(&app).await;
    assert_eq!(
        calls_of(&calls, "CreateTags"),
        scopes.len() as u64,
        "one CreateTags per scope: {calls}"
    );
    assert_eq!(
        calls_of(&calls, "DeleteTags"),
        scopes.len() as u64,
        "{calls}"
    );

    // AWS has exactly what the preview showed; the cache knows it already.
    let cached_after = cached_tags(&admin, "trust-provider").await;
    refresh_kind(&admin, "trust-provider").await;
    let in_aws = cached_tags(&admin, "trust-provider").await;
    assert_eq!(cached_after, in_aws);
    for item in shown["items"].as_array().unwrap() {
        let id = item["item"]["id"].as_str().unwrap();
        let now = &in_aws.iter().find(|(i, _)| i == id).unwrap().1;
        assert_eq!(now, &tags(&item["after"]));
    }

    // One audit row per item changed, with its before and after and the edit's id.
    let pool = app.db().await;
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT target_id, outcome, state_before, state_after FROM audit_log \
         WHERE action = 'trust-provider.bulk_tag' AND json_extract(params, '$.bulk_edit') = ?",
    )
    .bind(&id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), before.len());
    for (target, outcome, state_before, state_after) in rows {
        assert_eq!(outcome, "ok");
        let item = shown["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["item"]["id"] == target.as_str())
            .unwrap();
        let recorded = |state: &str| -> Value {
            let state: Value = serde_json::from_str(state).unwrap();
            state["tags"].clone()
        };
        assert_eq!(tags(&recorded(&state_before)), tags(&item["before"]));
        assert_eq!(tags(&recorded(&state_after)), tags(&item["after"]));
    }
    // Applied once: a second confirmation is refused.
    let again = apply(&admin, &id, 1).await;
    expect_error(again, StatusCode::CONFLICT, "applied already").await;
}

#[tokio::test]
async fn a_tag_changed_in_aws_after_the_preview_sends_the_edit_back_to_preview() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, "instance-profile").await;
    let page = inventory_of(&admin, "instance-profile", "&query[account]=prod").await;
    let item = &page["items"][0]["item"];
    let name = item["id"].as_str().unwrap().to_string();
    let pick = format!(
        "instance-profile|prod|{}|{name}",
        item["region"].as_str().unwrap()
    );
    let id = preview(
        &admin,
        &[("picks][0", &pick)],
        &[["set", "Team", "", "identity-review"]],
    )
    .await;

    // Someone tags the profile in AWS meanwhile.
    emulator_iam(&app)
        .tag_instance_profile()
        .instance_profile_name(&name)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("Ticket")
                .value("SEC-42")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    emulator_control(&app, Method::DELETE, "calls", json!({})).await;
    assert_eq!(apply(&admin, &id, 1).await.status(), StatusCode::OK);
    let back = settled(&admin, &id).await;
    assert_eq!(back["edit"]["state"], "previewed", "{back}");
    assert_eq!(back["edit"]["revision"], 2);
    assert!(
        back["edit"]["notice"]
            .as_str()
            .unwrap()
            .contains("1 item changed in AWS since the preview"),
        "{back}"
    );
    let item = &back["items"][0];
    assert!(tags(&item["before"]).contains(&("Ticket".into(), "SEC-42".into())));
    assert!(tags(&item["after"]).contains(&("Ticket".into(), "SEC-42".into())));
    assert!(tags(&item["after"]).contains(&("Team".into(), "identity-review".into())));
    let calls = emulator_calls(&app).await;
    assert_eq!(
        calls_of(&calls, "TagInstanceProfile"),
        0,
        "nothing sent: {calls}"
    );

    // The revision the admin saw no longer applies; the new one does, keeping the new tag.
    let stale = apply(&admin, &id, 1).await;
    expect_error(stale, StatusCode::CONFLICT, "changed since you saw it").await;
    let response = apply(&admin, &id, 2).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    let done = settled(&admin, &id).await;
    assert_eq!(done["edit"]["state"], "finished", "{done}");
    assert_eq!(counts(&done).3, 1);
    let listed = emulator_iam(&app)
        .list_instance_profile_tags()
        .instance_profile_name(&name)
        .send()
        .await
        .unwrap();
    let now: Vec<(String, String)> = listed
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    assert!(now.contains(&("Ticket".into(), "SEC-42".into())), "{now:?}");
    assert!(
        now.contains(&("Team".into(), "identity-review".into())),
        "{now:?}"
    );
}

#[tokio::test]
async fn failures_are_reported_per_item_while_the_rest_succeed_and_are_retried() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, "trust-provider").await;
    let page = inventory_of(&admin, "trust-provider", "").await;
    let items = page["items"].as_array().unwrap().clone();
    let dev_account = items
        .iter()
        .find(|i| i["item"]["account"] == "dev")
        .map(|i| i["account_id"].as_str().unwrap().to_string())
        .unwrap();
    let dev_items = items
        .iter()
        .filter(|i| i["item"]["account"] == "dev")
        .count() as u64;
    // A prod provider that shares its scope with others, so its batch must be split.
    let throttled = items
        .iter()
        .filter(|i| i["item"]["account"] == "prod")
        .find(|i| {
            items
                .iter()
                .filter(|o| {
                    o["item"]["region"] == i["item"]["region"] && o["item"]["account"] == "prod"
                })
                .count()
                > 1
        })
        .map(|i| i["item"]["id"].as_str().unwrap().to_string())
        .unwrap();
    let id = preview(
        &admin,
        &[("kind", "trust-provider")],
        &[["set", "Reviewed", "", "2026-12"]],
    )
    .await;
    emulator_control(
        &app,
        Method::POST,
        "faults",
        json!({"operation": "*", "account": dev_account, "kind": "access_denied", "times": 1000}),
    )
    .await;
    emulator_control(
        &app,
        Method::POST,
        "faults",
        json!({"operation": "CreateTags", "naming": throttled, "kind": "throttle", "times": 1000}),
    )
    .await;
    assert_eq!(apply(&admin, &id, 1).await.status(), StatusCode::OK);
    let done = settled(&admin, &id).await;
    assert_eq!(done["edit"]["state"], "finished", "{done}");
    let total = items.len() as u64;
    assert_eq!(
        counts(&done),
        (0, 0, 0, total - dev_items - 1, dev_items + 1),
        "{done}"
    );
    for item in done["items"].as_array().unwrap() {
        let message = item["message"].as_str().unwrap();
        if item["item"]["id"] == throttled.as_str() {
            assert_eq!(item["status"], "failed");
            assert!(message.contains("throttling"), "{message}");
        } else if item["item"]["account"] == "dev" {
            assert_eq!(item["status"], "failed");
            assert!(message.contains("not authorized"), "{message}");
        } else {
            assert_eq!(item["status"], "done", "{item}");
        }
    }
    assert!(done["edit"]["notice"].as_str().unwrap().contains("Retry"));

    // Once AWS answers again, the retry sends only the failed items.
    emulator_control(&app, Method::DELETE, "faults", json!({})).await;
    emulator_control(&app, Method::DELETE, "calls", json!({})).await;
    let response = admin.call("/api/bulk/retry", &[("id", id.as_str())]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let retried = settled(&admin, &id).await;
    assert_eq!(counts(&retried), (0, 0, 0, total, 0), "{retried}");
    let calls = emulator_calls(&app).await;
    // The dev items in their scopes, and the throttled one alone.
    let dev_scopes = items
        .iter()
        .filter(|i| i["item"]["account"] == "dev")
        .map(|i| i["item"]["region"].as_str().unwrap())
        .collect::<std::collections::BTreeSet<_>>()
        .len() as u64;
    assert_eq!(calls_of(&calls, "CreateTags"), dev_scopes + 1, "{calls}");
    let again = admin.call("/api/bulk/retry", &[("id", id.as_str())]).await;
    expect_error(again, StatusCode::CONFLICT, "nothing to retry").await;
}

#[tokio::test]
async fn viewers_forged_and_crafted_requests_are_refused() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, "trust-provider").await;
    let viewer = signed_in_viewer(&app, &admin).await;
    let selection = [("kind", "trust-provider")];
    let ops = [["set", "Reviewed", "", "x"]];

    let refused = call(&viewer, "/api/bulk/preview", &fields(&selection, &ops)).await;
    expect_error(refused, StatusCode::FORBIDDEN, "Only admins").await;
    let id = preview(&admin, &selection, &ops).await;
    let refused = apply(&viewer, &id, 1).await;
    expect_error(refused, StatusCode::FORBIDDEN, "Only admins").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('bulk_edit.preview', 'bulk_edit.apply') AND outcome = 'error' AND message LIKE 'refused%'").await,
        2
    );
    // A viewer reads the preview but is not offered its confirmation.
    assert_eq!(edit(&viewer, &id).await["can_change"], false);

    // Without the CSRF token nothing runs.
    let forged = admin
        .send_form(
            "/api/bulk/apply",
            &[("id", id.as_str()), ("revision", "1")],
            "application/json",
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(edit(&admin, &id).await["edit"]["state"], "previewed");

    // Crafted fields are refused by name, nothing stored.
    let stored = app.count("SELECT COUNT(*) FROM bulk_edits").await;
    let bad = call(
        &admin,
        "/api/bulk/preview",
        &fields(
            &selection,
            &[["set", "aws:owner", "", "x"], ["rename", "a", "", "a"]],
        ),
    )
    .await;
    let error = expect_error(bad, StatusCode::BAD_REQUEST, "").await;
    assert_eq!(field_names(&error), ["ops.0.key", "ops.1.value"]);
    let too_many: Vec<(String, String)> = (0..501)
        .map(|n| {
            (
                format!("selection[picks][{n}]"),
                format!("trust-provider|prod|us-east-1|tp-{n}"),
            )
        })
        .chain([
            ("ops[0][op]".into(), "remove".into()),
            ("ops[0][key]".into(), "Team".into()),
        ])
        .collect();
    let bad = call(&admin, "/api/bulk/preview", &too_many).await;
    expect_error(bad, StatusCode::BAD_REQUEST, "At most 500").await;
    let bad = call(
        &admin,
        "/api/bulk/preview",
        &fields(
            &[("picks][0", "trust-provider|prod|us-east-1|tp-none")],
            &ops,
        ),
    )
    .await;
    expect_error(bad, StatusCode::BAD_REQUEST, "holds no items").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM bulk_edits").await, stored);
    let missing = apply(&admin, "no-such-edit", 1).await;
    expect_error(missing, StatusCode::NOT_FOUND, "no such bulk edit").await;

    // Two confirmations at once start it once.
    let (first, second) = tokio::join!(apply(&admin, &id, 1), apply(&admin, &id, 1));
    let statuses = [first.status(), second.status()];
    assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
    assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
    settled(&admin, &id).await;
}

#[tokio::test]
async fn one_reviewed_edit_fixes_every_seeded_violation_across_kinds() {
    let (_app, admin) = TestApp::builder().demo().jobs().build_with_admin().await;
    crate::sync::settled(&admin, None).await;
    let response = admin.get_json("/api/bulk/draft?selection[rule]=all").await;
    assert_eq!(response.status(), StatusCode::OK);
    let draft: Value = response.json().await.unwrap();
    let suggested: Vec<[String; 4]> = draft["suggested"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| ["op", "key", "from", "value"].map(|f| row[f].as_str().unwrap().to_string()))
        .collect();
    let row =
        |op: &str, key: &str, from: &str, value: &str| [op, key, from, value].map(str::to_string);
    assert_eq!(
        suggested,
        [
            row("rename", "costcenter", "", "CostCentre"),
            row("set-if-missing", "Owner", "", ""),
            row("set-if-missing", "CostCentre", "", ""),
            row("replace-value", "CostCentre", "cc-1200", "CC-1200"),
            row("replace-value", "CostCentre", "1200", ""),
        ]
    );
    // The admin fills in what no rule can guess.
    let ops = [
        ["rename", "costcenter", "", "CostCentre"],
        ["set-if-missing", "Owner", "", "security@example.com"],
        ["set-if-missing", "CostCentre", "", "CC-0001"],
        ["replace-value", "CostCentre", "cc-1200", "CC-1200"],
        ["replace-value", "CostCentre", "1200", "CC-1200"],
    ];
    let id = preview(&admin, &[("rule", "all")], &ops).await;
    let shown = edit(&admin, &id).await;
    let kinds: std::collections::BTreeSet<&str> = shown["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"]["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.len() >= 5, "across kinds: {kinds:?}");
    for item in shown["items"].as_array().unwrap() {
        assert_eq!(item["status"], "pending", "{item}");
        assert!(!item["breaks_before"].as_array().unwrap().is_empty());
        assert_eq!(
            item["breaks_after"],
            json!([]),
            "the preview marks it fixed: {item}"
        );
    }
    assert_eq!(apply(&admin, &id, 1).await.status(), StatusCode::OK);
    let done = settled(&admin, &id).await;
    assert_eq!(counts(&done).4, 0, "{done}");
    let report: Vec<Value> = admin
        .get_json("/api/compliance")
        .await
        .json()
        .await
        .unwrap();
    for rule in &report {
        assert_eq!(rule["total"], 0, "{rule}");
    }
}

#[tokio::test]
async fn a_change_made_in_part_is_retried_for_what_is_left() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, "trust-provider").await;
    let page = inventory_of(&admin, "trust-provider", "").await;
    let items = page["items"].as_array().unwrap().clone();
    let total = items.len() as u64;
    let refused = items
        .iter()
        .map(|i| i["item"]["id"].as_str().unwrap().to_string())
        .find(|id| {
            items
                .iter()
                .filter(|o| o["item"]["id"].as_str().unwrap().contains(id.as_str()))
                .count()
                == 1
        })
        .unwrap();
    let id = preview(
        &admin,
        &[("kind", "trust-provider")],
        &[
            ["set", "Reviewed", "", "2026-12"],
            ["remove", "Team", "", ""],
        ],
    )
    .await;
    emulator_control(
        &app,
        Method::POST,
        "faults",
        json!({"operation": "DeleteTags", "naming": refused, "kind": "server_error", "times": 1000}),
    )
    .await;
    assert_eq!(apply(&admin, &id, 1).await.status(), StatusCode::OK);
    let done = settled(&admin, &id).await;
    assert_eq!(counts(&done), (0, 0, 0, total - 1, 1), "{done}");
    let failed = done["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["status"] == "failed")
        .unwrap();
    assert_eq!(failed["item"]["id"], refused.as_str());
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("Part of the change was made first"),
        "{failed}"
    );
    // What AWS holds now is the new "before": the tag was set, Team is still there.
    let before = tags(&failed["before"]);
    assert!(before.contains(&("Reviewed".into(), "2026-12".into())));
    assert!(before.iter().any(|(key, _)| key == "Team"));

    emulator_control(&app, Method::DELETE, "faults", json!({})).await;
    emulator_control(&app, Method::DELETE, "calls", json!({})).await;
    let response = admin.call("/api/bulk/retry", &[("id", id.as_str())]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let retried = settled(&admin, &id).await;
    assert_eq!(counts(&retried), (0, 0, 0, total, 0), "{retried}");
    let calls = emulator_calls(&app).await;
    assert_eq!(
        calls_of(&calls, "CreateTags"),
        0,
        "only what was left: {calls}"
    );
    assert_eq!(calls_of(&calls, "DeleteTags"), 1, "{calls}");
}

#[tokio::test]
async fn a_run_marked_stopped_while_it_still_runs_gives_way_to_the_retry() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, "trust-provider").await;
    let total = inventory_of(&admin, "trust-provider", "").await["items"]
        .as_array()
        .unwrap()
        .len() as i64;
    let id = preview(
        &admin,
        &[("kind", "trust-provider")],
        &[["set", "Reviewed", "", "2026-12"]],
    )
    .await;
    // The first run's first call hangs for a while, as a slow AWS does.
    emulator_control(
        &app,
        Method::POST,
        "faults",
        json!({"operation": "CreateTags", "kind": "delay", "delay": 3000, "times": 1}),
    )
    .await;
    assert_eq!(apply(&admin, &id, 1).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(700)).await;
    // Its heartbeat looks old, as after a crash: the next reader marks the edit stopped.
    let pool = app.db().await;
    sqlx::query("UPDATE bulk_edits SET heartbeat_at = '2000-01-01T00:00:00Z' WHERE id = ?")
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(edit(&admin, &id).await["edit"]["state"], "stopped");
    let response = admin.call("/api/bulk/retry", &[("id", id.as_str())]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let done = settled(&admin, &id).await;
    assert_eq!(done["edit"]["state"], "finished", "{done}");
    // Wait out the first run's slow call: it must record nothing once superseded.
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let page = edit(&admin, &id).await;
    assert_eq!(page["edit"]["state"], "finished", "{page}");
    assert_eq!(counts(&page).3, total as u64, "{page}");
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT target_id, COUNT(*) FROM audit_log WHERE action = 'trust-provider.bulk_tag' \
         AND json_extract(params, '$.bulk_edit') = ? GROUP BY target_id",
    )
    .bind(&id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len() as i64, total);
    assert!(
        rows.iter().all(|(_, n)| *n == 1),
        "one row per item: {rows:?}"
    );
}

/// A managed policy tagged `reviewer=ana`, cached, and a bulk edit previewing `Set
/// Reviewer=bo` on it; answers the edit's id.
async fn preview_a_case_twin(admin: &Browser) -> String {
    refresh_kind(admin, "managed-policy").await;
    let tagged = admin
        .call(
            "/api/resource/tag",
            &[
                ("item[kind]", "managed-policy"),
                ("item[account]", "prod"),
                ("item[region]", "global"),
                ("item[id]", "s3-backup-writer"),
                ("key", "reviewer"),
                ("value", "ana"),
            ],
        )
        .await;
    assert_eq!(tagged.status(), StatusCode::OK);
    preview(
        admin,
        &[("kind", "managed-policy"), ("tag", "reviewer=ana")],
        &[["set", "Reviewer", "", "bo"]],
    )
    .await
}

fn pair(key: &str, value: &str) -> (String, String) {
    (key.to_string(), value.to_string())
}

/// IAM folds the case of tag keys only on users and roles: on the six IAM kinds trustdesk
/// manages `reviewer` and `Reviewer` are two keys, so the preview adds the second beside the
/// first instead of refusing them as one key.
#[tokio::test]
async fn iam_tag_keys_that_differ_only_by_case_are_previewed_as_two_keys() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let id = preview_a_case_twin(&admin).await;
    let shown = edit(&admin, &id).await;
    assert_eq!(counts(&shown), (1, 0, 0, 0, 0), "{shown}");
    let item = &shown["items"][0];
    assert_eq!(item["status"], "pending", "{item}");
    assert!(
        tags(&item["after"]).contains(&pair("reviewer", "ana")),
        "{item}"
    );
    assert!(
        tags(&item["after"]).contains(&pair("Reviewer", "bo")),
        "{item}"
    );
}

/// Applied, AWS holds both keys. Passes once the emulator keeps IAM tag keys' case (it folded
/// them, replacing `reviewer` with `Reviewer`).
#[tokio::test]
async fn iam_tag_keys_that_differ_only_by_case_are_applied_as_two_keys() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let id = preview_a_case_twin(&admin).await;
    assert_eq!(apply(&admin, &id, 1).await.status(), StatusCode::OK);
    let done = settled(&admin, &id).await;
    assert_eq!(counts(&done), (0, 0, 0, 1, 0), "{done}");
    refresh_kind(&admin, "managed-policy").await;
    let item: Value = admin
        .get_json("/api/resource?item[kind]=managed-policy&item[account]=prod&item[region]=global&item[id]=s3-backup-writer")
        .await
        .json()
        .await
        .unwrap();
    let now = tags(&item["tags"]);
    assert!(now.contains(&pair("reviewer", "ana")), "{now:?}");
    assert!(now.contains(&pair("Reviewer", "bo")), "{now:?}");
}
