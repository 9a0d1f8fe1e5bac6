//! Every kind through the generic machinery, table-driven over `ResourceKind::ALL` against the
//! demo emulator: a refresh reads every account and region into an inventory that filters in
//! SQL, the detail reads each item, tags are set and removed under the service's rules (the
//! cache, AWS and the audit trail agree), a delete needs the item's id typed, AWS's errors are
//! retried, said and audited, and viewers and forged forms change nothing. The fixtures come from
//! the kind's descriptor and the demo seed, so a new kind is covered without editing this file;
//! each kind's own forms and rules are tested in its own file.

use crate::harness::*;
use app::model::{
    resource::encode_segment, Access, AwsItem, InventoryPage, ItemState, ResourceKind, ResourceRef,
    Tag, TagRules, GLOBAL_REGION,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use std::{future::Future, sync::Arc};
use trustdesk_emulator::seed::{DEV_ACCOUNT, PROD_ACCOUNT, REGIONS};

/// The demo's accounts: their names in trustdesk and their AWS account ids.
const ACCOUNTS: [(&str, &str); 2] = [("dev", DEV_ACCOUNT), ("prod", PROD_ACCOUNT)];

/// One started demo and its signed-in admin, shared by every kind's case.
struct Demo {
    app: TestApp,
    admin: Browser,
}

async fn demo(builder: TestAppBuilder) -> Arc<Demo> {
    let (app, admin) = builder.demo().build_with_admin().await;
    Arc::new(Demo { app, admin })
}

/// Runs `case` for every kind, one after the other, each in a task of its own so that one kind's
/// failure does not hide another's; fails naming every kind that failed, and why.
async fn for_every_kind<F, Fut>(case: F)
where
    F: Fn(ResourceKind) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut failed = Vec::new();
    for kind in ResourceKind::ALL {
        if let Err(error) = tokio::spawn(case(kind)).await {
            let why = match error.try_into_panic() {
                Ok(panic) => panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default(),
                Err(error) => error.to_string(),
            };
            failed.push(format!("{} ({}): {why}", kind.as_str(), kind.title()));
        }
    }
    let all = ResourceKind::ALL.len();
    let report = failed.join("\n");
    assert!(
        failed.is_empty(),
        "{} of {all} kinds failed:\n{report}",
        failed.len()
    );
}

/// One page of the inventory with these filters, e.g. `[("status", "expired")]`.
async fn page(browser: &Browser, kind: ResourceKind, filters: &[(&str, &str)]) -> InventoryPage {
    let query: String = filters
        .iter()
        .map(|(name, value)| format!("&query[{name}]={}", encoded(value)))
        .collect();
    let page = inventory_of(browser, kind.as_str(), &query).await;
    serde_json::from_value(page).expect("an inventory page")
}

/// Every item the inventory's filters select, over all its pages.
async fn items(browser: &Browser, kind: ResourceKind, filters: &[(&str, &str)]) -> Vec<AwsItem> {
    let first = page(browser, kind, filters).await;
    let mut items = first.items;
    for n in 2..=first.pages {
        let n = n.to_string();
        let filters = [filters, &[("page", n.as_str())]].concat();
        items.extend(page(browser, kind, &filters).await.items);
    }
    assert_eq!(items.len(), first.total, "{filters:?}: every page read");
    items
}

/// Which items, whatever their order: `account/region/id` (IAM ids repeat across accounts).
fn ids<'a>(items: impl IntoIterator<Item = &'a AwsItem>) -> Vec<String> {
    let mut ids: Vec<String> = items.into_iter().map(|i| i.item.to_target()).collect();
    ids.sort();
    ids
}

fn encoded(value: &str) -> String {
    encode_segment(value)
}

async fn detail(browser: &Browser, item: &ResourceRef) -> Response {
    let query = format!(
        "item[kind]={}&item[account]={}&item[region]={}&item[id]={}",
        item.kind.as_str(),
        encoded(&item.account),
        item.region,
        encoded(&item.id)
    );
    browser.get_json(&format!("/api/resource?{query}")).await
}

async fn read(browser: &Browser, item: &ResourceRef) -> AwsItem {
    let response = detail(browser, item).await;
    assert_eq!(response.status(), StatusCode::OK, "{item:?}");
    response.json().await.expect("an item")
}

/// The form fields naming `item`, then `extra`.
fn on<'a>(item: &'a ResourceRef, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("item[kind]", item.kind.as_str()),
        ("item[account]", item.account.as_str()),
        ("item[region]", item.region.as_str()),
        ("item[id]", item.id.as_str()),
    ];
    fields.extend_from_slice(extra);
    fields
}

async fn tag(admin: &Browser, item: &ResourceRef, key: &str, value: &str) -> Response {
    let fields = on(item, &[("key", key), ("value", value)]);
    admin.call("/api/resource/tag", &fields).await
}

async fn untag(admin: &Browser, item: &ResourceRef, key: &str) -> Response {
    admin
        .call("/api/resource/untag", &on(item, &[("key", key)]))
        .await
}

async fn delete(admin: &Browser, item: &ResourceRef, confirm: &str) -> Response {
    let fields = on(item, &[("confirm", confirm)]);
    admin.call("/api/resource/delete", &fields).await
}

/// The items a test changes, best first: in prod, and with an id that needs encoding in a URL
/// (an IAM path, an OIDC provider's URL) before the others.
fn candidates(mut items: Vec<AwsItem>) -> Vec<AwsItem> {
    items.retain(|i| i.item.account == "prod");
    items.sort_by_key(|i| !i.item.id.contains('/'));
    assert!(!items.is_empty(), "the demo has items in prod");
    items
}

fn sorted(mut tags: Vec<Tag>) -> Vec<Tag> {
    tags.sort_by(|a, b| a.key.cmp(&b.key));
    tags
}

/// The HTML page at `path`, which must show `text`.
async fn shows(browser: &Browser, path: &str, text: &str) {
    let response = browser.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let html = response.text().await.unwrap();
    assert!(html.contains(&escaped), "{path} shows {text}");
}

/// One row of the audit trail.
#[derive(Debug, sqlx::FromRow)]
struct Row {
    action: String,
    outcome: String,
    target_id: String,
    account: String,
    region: String,
    request_id: String,
    message: String,
    state_before: Option<String>,
    state_after: Option<String>,
}

/// The item as a row recorded it on one side: None when there was no item.
fn state(side: &Option<String>) -> Option<ItemState> {
    let side = side.as_deref().expect("the side is recorded");
    serde_json::from_str(side).expect("an item's state, or null")
}

/// The audit trail's rows about items of `kind`, oldest first.
async fn audit(app: &TestApp, kind: ResourceKind) -> Vec<Row> {
    sqlx::query_as(
        "SELECT action, outcome, target_id, account, region, request_id, message, state_before, \
         state_after FROM audit_log WHERE target_kind = ? ORDER BY id",
    )
    .bind(kind.as_str())
    .fetch_all(&app.db().await)
    .await
    .expect("the audit trail")
}

async fn last_row(app: &TestApp, kind: ResourceKind) -> Row {
    audit(app, kind).await.pop().expect("an audit row")
}

/// The latest change `action` on `item`: audited as attempted, then done with AWS's request id
/// in the item's account and region. Answers the item before and after, as recorded.
fn completed(rows: &[Row], action: &str, item: &ResourceRef) -> [Option<ItemState>; 2] {
    let on_item: Vec<&Row> = rows
        .iter()
        .filter(|r| r.action == action && r.target_id == item.id && r.account == item.account)
        .collect();
    let last = &on_item[on_item.len().saturating_sub(2)..];
    let outcomes: Vec<&str> = last.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(outcomes, ["attempted", "ok"], "{action}: {on_item:?}");
    let done = last[1];
    assert!(!done.request_id.is_empty(), "AWS's request id: {done:?}");
    assert_eq!(done.region, item.region);
    [state(&done.state_before), state(&done.state_after)]
}

#[tokio::test]
async fn every_kind_is_read_from_every_account_and_region_into_an_inventory_that_filters() {
    let demo = demo(TestApp::builder()).await;
    for_every_kind(|kind| {
        let demo = demo.clone();
        async move { inventory_and_detail(&demo, kind).await }
    })
    .await;
}

async fn inventory_and_detail(demo: &Demo, kind: ResourceKind) {
    let admin = &demo.admin;
    let before = page(admin, kind, &[]).await;
    assert_eq!(before.total, 0, "nothing cached before the first refresh");
    assert!(before.refreshed_at.is_none());

    let report = refresh_kind(admin, kind.as_str()).await;
    let all = page(admin, kind, &[]).await;
    assert!(all.total > 0, "the demo has items of every kind");
    assert_eq!(report["items"], all.total, "the refresh's count is cached");
    assert!(all.refreshed_at.is_some());
    // The demo organization's managed accounts (sandbox has no items).
    assert_eq!(all.accounts, ["dev", "prod", "sandbox"]);
    let mut regions = REGIONS.to_vec();
    regions.sort();
    if kind.is_global() {
        regions = vec![GLOBAL_REGION];
    }
    assert_eq!(all.regions, regions, "IAM kinds are read once per account");
    let items = items(admin, kind, &[]).await;

    // Every account and region is read (dev through AssumeRole), and filters to its own.
    let mut in_scopes = 0;
    for (account, account_id) in ACCOUNTS {
        for region in &regions {
            let filters = [("account", account), ("region", *region)];
            let scope = self::items(admin, kind, &filters).await;
            assert!(!scope.is_empty(), "{account}/{region} has items");
            for item in &scope {
                let at = &item.item;
                let place = (at.kind, at.account.as_str(), at.region.as_str());
                assert_eq!(place, (kind, account, *region));
                assert_eq!(item.account_id, account_id, "{account}'s account id");
            }
            in_scopes += scope.len();
        }
    }
    assert_eq!(in_scopes, items.len(), "every item is in one scope");

    // A dated kind's items soonest first, and the expired filter agrees with the days left; an
    // undated kind's items have no expiry.
    let dated: Vec<&str> = items
        .iter()
        .filter_map(|i| i.expires_at.as_deref())
        .collect();
    if kind.has_expiry() {
        assert!(!dated.is_empty(), "the demo's items expire");
        assert!(dated.is_sorted(), "soonest first: {dated:?}");
        let expired = ids(&self::items(admin, kind, &[("expires", "expired")]).await);
        for item in items.iter().filter(|i| i.expires_at.is_some()) {
            let days = item.expires_in_days.expect("the days left");
            let is_expired = expired.contains(&item.item.to_target());
            assert!(if is_expired { days <= 0 } else { days >= 0 }, "{item:?}");
        }
    } else {
        assert!(dated.is_empty(), "undated: {dated:?}");
        let undated = page(admin, kind, &[("expires", "none")]).await;
        assert_eq!(undated.total, items.len());
    }

    // Each status offered filters to exactly its items.
    let mut statuses: Vec<&str> = items.iter().map(|i| i.status.as_str()).collect();
    statuses.sort();
    statuses.dedup();
    assert_eq!(
        all.statuses, statuses,
        "the statuses offered are the items'"
    );
    for status in statuses {
        let with = self::items(admin, kind, &[("status", status)]).await;
        let expected = items.iter().filter(|i| i.status == status);
        assert_eq!(ids(&with), ids(expected), "status {status}");
    }

    // Tags filter by key and value, and by key alone; free text finds a tag's value or a name.
    if kind.has_tags() {
        let tagged = items.iter().find(|i| !i.tags.is_empty());
        let tagged = tagged.expect("the demo tags its items");
        let Tag { key, value } = &tagged.tags[0];
        let pair = format!("{key}={value}");
        let with = self::items(admin, kind, &[("tag", &pair)]).await;
        let expected = items.iter().filter(|i| i.tag(key) == Some(value.as_str()));
        assert_eq!(ids(&with), ids(expected), "tag {pair}");
        let with = self::items(admin, kind, &[("tag", key)]).await;
        let expected = items.iter().filter(|i| i.tag(key).is_some());
        assert_eq!(ids(&with), ids(expected), "tag {key}");
        for text in [value, &tagged.name] {
            let found = ids(&self::items(admin, kind, &[("q", text)]).await);
            assert!(found.contains(&tagged.item.to_target()), "q={text}");
        }
    } else {
        assert!(items.iter().all(|i| i.tags.is_empty()), "no tags");
    }

    // Each item's detail is the inventory's; its page and the inventory's page show it.
    for item in &items {
        let shown = read(admin, &item.item).await;
        let as_shown = (&shown.name, &shown.status, &shown.expires_at, &shown.tags);
        let as_listed = (&item.name, &item.status, &item.expires_at, &item.tags);
        assert_eq!(as_shown, as_listed, "{:?}", item.item);
        assert_eq!(shown.fields, item.fields, "{:?}", item.item);
        assert_eq!(shown.account_id, item.account_id);
    }
    let first = &candidates(items.clone())[0];
    shows(admin, &first.item.detail_path(), &first.name).await;
    shows(admin, kind.path(), &items[0].name).await;

    // An item that is not there.
    let id = format!("no-such-{}", kind.as_str());
    let missing = ResourceRef {
        id,
        ..first.item.clone()
    };
    let response = detail(admin, &missing).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_kind_is_tagged_under_its_services_rules_and_aws_the_cache_and_the_audit_agree() {
    let demo = demo(TestApp::builder()).await;
    for_every_kind(|kind| {
        let demo = demo.clone();
        async move { tags(&demo, kind).await }
    })
    .await;
}

async fn tags(demo: &Demo, kind: ResourceKind) {
    let (app, admin) = (&demo.app, &demo.admin);
    refresh_kind(admin, kind.as_str()).await;
    let mut candidates = candidates(items(admin, kind, &[]).await);
    candidates.retain(|i| !i.tags.is_empty() || !kind.has_tags());
    let item = candidates.first().expect("a tagged item in prod").clone();
    let at = &item.item;

    if !kind.has_tags() {
        let set = tag(admin, at, "Owner", "x").await;
        expect_error(set, StatusCode::BAD_REQUEST, "does not support tags").await;
        let removed = untag(admin, at, "Owner").await;
        expect_error(removed, StatusCode::BAD_REQUEST, "does not support tags").await;
        assert!(audit(app, kind).await.is_empty(), "nothing audited or sent");
        return;
    }

    // Refused on its field before anything is sent: what the service does not take.
    let max_key = match kind.tag_rules() {
        TagRules::Ec2 => 127,
        _ => 128,
    };
    let too_long = "k".repeat(max_key + 1);
    let mut refused = vec![
        ("aws:owner", "x", "key", "reserves"),
        (&too_long, "x", "key", "longer than"),
        ("", "x", "key", "empty"),
    ];
    if kind.tag_rules() == TagRules::Iam {
        refused.push(("Owner", "a*b", "value", "IAM does not allow"));
    }
    for (key, value, field, says) in refused {
        let response = tag(admin, at, key, value).await;
        let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
        assert_eq!(field_names(&error), [field], "{key}={value}: {error}");
        assert!(error.to_string().contains(says), "{says}: {error}");
    }
    let response = untag(admin, at, "aws:owner").await;
    let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
    assert_eq!(field_names(&error), ["key"], "{error}");
    assert!(audit(app, kind).await.is_empty(), "nothing audited or sent");

    // The longest key the service takes is set, and removed.
    let longest = "k".repeat(max_key);
    let set = tag(admin, at, &longest, "v").await;
    assert_eq!(set.status(), StatusCode::OK, "a {max_key}-character key");
    assert_eq!(read(admin, at).await.tag(&longest), Some("v"));
    assert_eq!(untag(admin, at, &longest).await.status(), StatusCode::OK);
    assert_eq!(
        sorted(read(admin, at).await.tags),
        sorted(item.tags.clone())
    );

    // A tag set and another removed: the detail, the inventory's filters, AWS and the audit.
    let ticket = Tag::new("Ticket", format!("CHG-{}", kind.as_str()));
    let gone = item.tags[0].clone();
    let set = tag(admin, at, &ticket.key, &ticket.value).await;
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(untag(admin, at, &gone.key).await.status(), StatusCode::OK);
    let mut expected = item.tags.clone();
    expected.retain(|t| t.key != gone.key);
    expected.push(ticket.clone());
    let expected = sorted(expected);
    let cached = sorted(read(admin, at).await.tags);
    assert_eq!(cached, expected, "the cache has AWS's answer");
    let pair = format!("Ticket={}", ticket.value);
    let with_ticket = items(admin, kind, &[("tag", &pair)]).await;
    assert_eq!(ids(&with_ticket), [at.to_target()]);
    let with_gone = ids(&items(admin, kind, &[("tag", &gone.key)]).await);
    assert!(!with_gone.contains(&at.to_target()), "{} removed", gone.key);
    refresh_kind(admin, kind.as_str()).await;
    let read_again = sorted(read(admin, at).await.tags);
    assert_eq!(read_again, expected, "AWS has the change");

    let rows = audit(app, kind).await;
    for verb in ["tag", "untag"] {
        let action = format!("{}.{verb}", kind.as_str());
        let count = rows.iter().filter(|r| r.action == action).count();
        assert_eq!(count, 4, "{action}: two changes, each attempted, then done");
    }
    let [before, after] = completed(&rows, &format!("{}.tag", kind.as_str()), at);
    assert!(before.is_some_and(|item| item.tags.iter().all(|t| t.key != ticket.key)));
    assert!(after.is_some_and(|item| item.tags.contains(&ticket)));
    let [before, after] = completed(&rows, &format!("{}.untag", kind.as_str()), at);
    assert!(before.is_some_and(|item| item.tags.contains(&gone)));
    assert!(after.is_some_and(|item| item.tags.iter().all(|t| t.key != gone.key)));
}

#[tokio::test]
async fn every_kind_is_deleted_only_with_its_id_typed_and_the_deletion_is_audited() {
    let demo = demo(TestApp::builder()).await;
    for_every_kind(|kind| {
        let demo = demo.clone();
        async move { deletion(&demo, kind).await }
    })
    .await;
}

async fn deletion(demo: &Demo, kind: ResourceKind) {
    let (app, admin) = (&demo.app, &demo.admin);
    refresh_kind(admin, kind.as_str()).await;
    let listed = items(admin, kind, &[]).await;
    let candidates = candidates(listed.clone());
    let action = format!("{}.delete", kind.as_str());

    // Anything but the id itself is refused on the confirm field, before anything is sent.
    let first = &candidates[0].item;
    for confirm in ["", "yes", &format!("{} ", first.id)] {
        let response = delete(admin, first, confirm).await;
        let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
        assert_eq!(field_names(&error), ["confirm"], "{confirm:?}: {error}");
        let says = format!("Type {} to confirm", first.id);
        assert!(error.to_string().contains(&says), "{error}");
    }
    assert!(audit(app, kind).await.is_empty(), "nothing audited or sent");
    assert_eq!(detail(admin, first).await.status(), StatusCode::OK);

    // AWS refuses to delete an item in use (saying why); the first it does not refuse goes.
    let mut deleted = None;
    for candidate in &candidates {
        let at = &candidate.item;
        let response = delete(admin, at, &at.id).await;
        match response.status() {
            StatusCode::OK => {
                deleted = Some(candidate.clone());
                break;
            }
            StatusCode::CONFLICT => {
                let error: Value = response.json().await.unwrap();
                assert_ne!(error["message"], "", "{error}");
                assert_eq!(read(admin, at).await.name, candidate.name, "kept");
                let refusal = last_row(app, kind).await;
                let audited = (refusal.action.as_str(), refusal.outcome.as_str());
                assert_eq!(audited, (action.as_str(), "error"));
                assert_eq!(refusal.target_id, at.id);
            }
            status => panic!("{}: {status} {}", at.id, response.text().await.unwrap()),
        }
    }
    let deleted = deleted.expect("AWS deletes an item that is not in use");
    let at = &deleted.item;
    assert_eq!(detail(admin, at).await.status(), StatusCode::NOT_FOUND);
    let after = ids(&items(admin, kind, &[]).await);
    assert_eq!(after.len(), listed.len() - 1, "the cache drops it");
    assert!(!after.contains(&at.to_target()));
    let [before, gone] = completed(&audit(app, kind).await, &action, at);
    assert_eq!(before.map(|item| item.name), Some(deleted.name.clone()));
    assert!(gone.is_none(), "no item after a deletion");

    // AWS no longer has it: a refresh neither brings it back nor marks it removed in AWS.
    refresh_kind(admin, kind.as_str()).await;
    assert_eq!(detail(admin, at).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(ids(&items(admin, kind, &[]).await), after);
    let removed = ids(&items(admin, kind, &[("removed", "1")]).await);
    assert!(!removed.contains(&at.to_target()));

    // Deleting it again, or an item that never was, is AWS's not found, audited.
    let id = format!("no-such-{}", kind.as_str());
    let never = ResourceRef { id, ..at.clone() };
    for missing in [at, &never] {
        let response = delete(admin, missing, &missing.id).await;
        expect_error(response, StatusCode::NOT_FOUND, "no such item").await;
        let last = last_row(app, kind).await;
        let audited = (last.action.as_str(), last.outcome.as_str());
        assert_eq!(audited, (action.as_str(), "error"));
        assert_eq!(last.target_id, missing.id);
        assert_ne!(last.message, "");
    }
}

/// The server functions that change items of `kind`: the generic ones, then the kind's own
/// that only admins may call.
fn changes(kind: ResourceKind) -> Vec<&'static str> {
    let own = kind.info().endpoints.iter();
    let own = own.filter(|e| matches!(e.access, Access::Admin(_)));
    let generic = ["resource/tag", "resource/untag", "resource/delete"];
    generic.into_iter().chain(own.map(|e| e.path)).collect()
}

/// The action a viewer refused at the door of `path` is audited as: the generic function's
/// name, or the kind's `<kind>.<verb>` unless its endpoint names another.
fn refused_as(kind: ResourceKind, path: &str) -> String {
    match kind.info().endpoints.iter().find(|e| e.path == path) {
        Some(own) => match own.refusal_action {
            Some(action) => action.to_string(),
            None => format!("{}.{}", kind.as_str(), path.rsplit('/').next().unwrap()),
        },
        None => path.replace('/', "."),
    }
}

#[tokio::test]
async fn viewers_read_every_kind_and_are_refused_every_change_and_forged_forms_change_nothing() {
    let demo = demo(TestApp::builder()).await;
    let viewer = Arc::new(signed_in_viewer(&demo.app, &demo.admin).await);
    for_every_kind(|kind| {
        let (demo, viewer) = (demo.clone(), viewer.clone());
        async move { refusals(&demo, &viewer, kind).await }
    })
    .await;
}

async fn refusals(demo: &Demo, viewer: &Browser, kind: ResourceKind) {
    let (app, admin) = (&demo.app, &demo.admin);
    // Viewers read the inventory and the detail, and may refresh them.
    refresh_kind(viewer, kind.as_str()).await;
    let item = candidates(items(viewer, kind, &[]).await).remove(0);
    let at = &item.item;
    assert_eq!(read(viewer, at).await.name, item.name);
    let fields = on(at, &[("key", "Owner"), ("value", "x"), ("confirm", &at.id)]);

    // Refused at the door, whatever the form says, and each refusal audited once.
    let refusals = "SELECT COUNT(*) FROM audit_log WHERE outcome = 'error' \
                    AND actor = 'val' AND message LIKE 'refused: the viewer role%'";
    let before = app.count(refusals).await;
    let changes = changes(kind);
    for path in &changes {
        let action = refused_as(kind, path);
        let as_action = format!("{refusals} AND action = '{action}'");
        let earlier = app.count(&as_action).await;
        let response = viewer.call(&format!("/api/{path}"), &fields).await;
        expect_error(response, StatusCode::FORBIDDEN, "viewer role").await;
        let audited = app.count(&as_action).await - earlier;
        assert_eq!(audited, 1, "{path}: the refusal audited as {action}");
    }
    let audited = app.count(refusals).await - before;
    assert_eq!(audited, changes.len() as i64, "one each: {changes:?}");

    // Without the session's CSRF token, every server function of the kind is refused before
    // anything runs, even for an admin.
    let all_rows = "SELECT COUNT(*) FROM audit_log";
    let audited = app.count(all_rows).await;
    let own = kind.info().endpoints.iter().map(|e| e.path);
    for path in changes.into_iter().chain(own) {
        let path = format!("/api/{path}");
        let forged = admin.send_form(&path, &fields, "application/json").await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{path} forged");
    }
    assert_eq!(app.count(all_rows).await, audited, "nothing audited");
    let now = read(admin, at).await;
    let unchanged = (item.name, sorted(item.tags));
    assert_eq!((now.name, sorted(now.tags)), unchanged);
}

#[tokio::test]
async fn aws_errors_on_every_kind_are_retried_then_said_with_the_operation_and_audited() {
    let demo = demo(TestApp::builder().reading_one_scope_at_a_time()).await;
    for_every_kind(|kind| {
        let demo = demo.clone();
        async move { aws_errors(&demo, kind).await }
    })
    .await;
}

/// Injects `fault` for the next `times` calls of the prod account, whatever their operation.
async fn fault_in_prod(app: &TestApp, fault: &str, times: u32) {
    let only_prod =
        json!({"operation": "*", "kind": fault, "times": times, "account": PROD_ACCOUNT});
    emulator_control(app, Method::POST, "faults", only_prod).await;
}

async fn aws_errors(demo: &Demo, kind: ResourceKind) {
    let (app, admin) = (&demo.app, &demo.admin);
    // A fault another kind left unused (that kind failed) must not fail this one.
    emulator_control(app, Method::DELETE, "faults", json!({})).await;
    refresh_kind(admin, kind.as_str()).await;
    let item = candidates(items(admin, kind, &[]).await).remove(0);
    let at = &item.item;
    let place = format!("prod ({PROD_ACCOUNT})/{}", at.region);
    let action = format!("{}.delete", kind.as_str());

    // Throttled past the retries: said naming the operation and the place, and audited.
    emulator_control(app, Method::DELETE, "calls", json!({})).await;
    fault_in_prod(app, "throttle", 3).await;
    let throttled = delete(admin, at, &at.id).await;
    let calls = emulator_calls(app).await;
    let calls = calls["operations"].as_object().unwrap();
    assert_eq!(calls.len(), 1, "one call, tried again: {calls:?}");
    let (operation, attempts) = calls.iter().next().unwrap();
    assert_eq!(attempts, 3, "three attempts in all: {calls:?}");
    let error = expect_error(throttled, StatusCode::TOO_MANY_REQUESTS, "throttling").await;
    let says = format!(":{operation} in {place}");
    assert!(error.to_string().contains(&says), "{says}: {error}");
    let last = last_row(app, kind).await;
    let audited = (last.action.as_str(), last.outcome.as_str());
    assert_eq!(audited, (action.as_str(), "error"));
    assert!(last.message.contains("throttling"), "{last:?}");
    assert_eq!(read(admin, at).await.name, item.name, "still cached");

    // Refused by AWS: the missing permission, account and region, and the request id kept.
    fault_in_prod(app, "access_denied", 1).await;
    let denied = delete(admin, at, &at.id).await;
    let says = format!("AWS refused: the credentials for {place} lack ");
    let error = expect_error(denied, StatusCode::FORBIDDEN, &says).await;
    let says = format!(":{operation}");
    assert!(error.to_string().contains(&says), "{says}: {error}");
    let last = last_row(app, kind).await;
    let audited = (last.action.as_str(), last.outcome.as_str());
    assert_eq!(audited, (action.as_str(), "error"));
    assert_ne!(last.request_id, "", "the refusal's request id is kept");

    // Throttled twice: the retries absorb it, and AWS answers (deleted, or in use).
    fault_in_prod(app, "throttle", 2).await;
    let retried = delete(admin, at, &at.id).await.status();
    let answered = [StatusCode::OK, StatusCode::CONFLICT].contains(&retried);
    assert!(answered, "AWS's own answer, not {retried}");
    let cached = page(admin, kind, &[]).await.total;

    // A throttled refresh names the place it could not read and keeps its cached items.
    fault_in_prod(app, "throttle", 3).await;
    let refresh = [("kind", kind.as_str())];
    let report = admin.call("/api/inventory/refresh", &refresh).await;
    let report: Value = report.json().await.unwrap();
    let failures = report["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{report}");
    let failure = failures[0].as_str().unwrap();
    let says = format!(" in prod ({PROD_ACCOUNT})/");
    assert!(
        failure.contains("throttling") && failure.contains(&says),
        "{report}"
    );
    let kept = page(admin, kind, &[]).await;
    assert_eq!(kept.total, cached, "the cache is kept");
    assert_eq!(kept.failed_scopes.len(), 1, "the page warns");
    refresh_kind(admin, kind.as_str()).await;
    assert!(page(admin, kind, &[]).await.failed_scopes.is_empty());
}
