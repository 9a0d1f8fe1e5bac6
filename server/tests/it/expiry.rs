//! The expiry overview: counts per urgency that agree with the filtered inventories they link
//! to, the timeline, the items that expire next, and the emulator's clock moving items across
//! thresholds.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

const FILTERS: [&str; 5] = ["expired", "7d", "8-30d", "31-90d", "later"];

async fn dashboard(browser: &Browser) -> Value {
    browser
        .get_json("/api/dashboard")
        .await
        .json()
        .await
        .unwrap()
}

/// The dashboard once the first sync has cached every dated kind.
async fn synced_dashboard(browser: &Browser) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let overview: Value = browser.get_json("/api/sync").await.json().await.unwrap();
        let done = overview["newest_total"].as_u64() > Some(0)
            && overview["newest_done"] == overview["newest_total"]
            && overview["running"] == false;
        if done {
            return dashboard(browser).await;
        }
        assert!(Instant::now() < deadline, "the first sync did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn counts(row: &Value) -> Vec<u64> {
    row["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn every_count_is_the_total_of_the_inventory_it_links_to() {
    let (app, admin) = TestApp::builder().demo().jobs().build_with_admin().await;
    let overview = synced_dashboard(&admin).await["expiry"].clone();
    let by_kind = overview["by_kind"].as_array().unwrap();
    let kinds: Vec<&str> = by_kind
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "verification-token",
            "license-token",
            "saml-provider",
            "server-certificate"
        ],
        "the four dated kinds"
    );
    let mut totals = vec![0u64; 5];
    for row in by_kind {
        let kind = row["kind"].as_str().unwrap();
        for (i, n) in counts(row).into_iter().enumerate() {
            let page = inventory_of(&admin, kind, &format!("&query[expires]={}", FILTERS[i])).await;
            assert_eq!(page["total"].as_u64(), Some(n), "{kind} {}", FILTERS[i]);
            totals[i] += n;
        }
    }
    let reported: Vec<u64> = overview["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert_eq!(reported, totals);
    let dated = app
        .count("SELECT COUNT(*) FROM resources WHERE expires_at IS NOT NULL AND gone_at IS NULL")
        .await as u64;
    assert_eq!(totals.iter().sum::<u64>(), dated);
    assert!(
        totals[0] > 0 && totals[1] > 0,
        "the demo has expired and soon-expiring items: {totals:?}"
    );

    for row in overview["by_kind_and_account"].as_array().unwrap() {
        let (kind, account) = (
            row["kind"].as_str().unwrap(),
            row["account"].as_str().unwrap(),
        );
        for (i, n) in counts(row).into_iter().enumerate() {
            let page = inventory_of(
                &admin,
                kind,
                &format!("&query[account]={account}&query[expires]={}", FILTERS[i]),
            )
            .await;
            assert_eq!(
                page["total"].as_u64(),
                Some(n),
                "{kind} in {account}: {}",
                FILTERS[i]
            );
        }
    }

    let bars = overview["timeline"].as_array().unwrap();
    assert_eq!(bars.len(), 1 + 26, "the expired, then 26 weeks");
    assert_eq!(bars[0]["count"].as_u64(), Some(totals[0]));
    let soon: u64 = bars[1..2]
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(soon, totals[1], "the first week is the ≤ 7 days bucket");
    for bar in bars {
        assert!(
            bar["items"].as_array().unwrap().len() as u64 <= bar["count"].as_u64().unwrap().min(12)
        );
    }

    let soonest: Vec<&str> = overview["soonest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["expires_at"].as_str().unwrap())
        .collect();
    assert!(!soonest.is_empty() && soonest.len() <= 10);
    assert!(
        soonest.windows(2).all(|w| w[0] <= w[1]),
        "soonest first: {soonest:?}"
    );
    assert!(overview["soonest"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["expires_in_days"].as_i64().unwrap() >= 0));

    let html = admin.get("/").await.text().await.unwrap();
    assert!(
        html.contains("id=\"expiry-timeline\""),
        "the chart is rendered by the server"
    );
    assert!(html.contains("<title>"), "each bar has a text alternative");
    assert!(
        html.contains("href=\"/server-certificates?expires=expired\""),
        "counts link to filtered inventories"
    );
}

#[tokio::test]
async fn moving_the_emulators_clock_moves_items_across_thresholds() {
    let (app, admin) = TestApp::builder().demo().jobs().build_with_admin().await;
    let before = synced_dashboard(&admin).await["expiry"]["totals"].clone();
    let before: Vec<u64> = before
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    reqwest::Client::new()
        .post(format!(
            "{}/_emulator/clock",
            app.emulator_endpoint.as_ref().unwrap()
        ))
        .header("content-type", "application/json")
        .body(r#"{"advance_seconds": 3456000}"#)
        .send()
        .await
        .unwrap();
    let after = dashboard(&admin).await["expiry"]["totals"].clone();
    let after: Vec<u64> = after
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    // 40 days on: everything that was due within 30 days has expired, and some of what was due
    // in 31–90 days with it.
    assert!(
        after[0] >= before[0] + before[1] + before[2],
        "{before:?} → {after:?}"
    );
    assert_eq!(after.iter().sum::<u64>(), before.iter().sum::<u64>());
}

#[tokio::test]
async fn the_next_ten_show_which_are_acknowledged() {
    let (_app, admin) = TestApp::builder().demo().jobs().build_with_admin().await;
    let overview = synced_dashboard(&admin).await["expiry"].clone();
    let silenced = |overview: &Value| -> Vec<Option<String>> {
        overview["soonest_silenced"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().map(String::from))
            .collect()
    };
    let before = silenced(&overview);
    assert_eq!(before.len(), overview["soonest"].as_array().unwrap().len());
    assert!(before.iter().all(Option::is_none), "{before:?}");

    let second = overview["soonest"][1]["item"].clone();
    let field = |name: &str| second[name].as_str().unwrap().to_string();
    let acknowledged = admin
        .call(
            "/api/alerts/silence/set",
            &[
                ("item[kind]", &field("kind")),
                ("item[account]", &field("account")),
                ("item[region]", &field("region")),
                ("item[id]", &field("id")),
                ("action", "ack"),
            ],
        )
        .await;
    assert_eq!(acknowledged.status(), StatusCode::OK);

    let after = silenced(&dashboard(&admin).await["expiry"]);
    let mut expected = vec![None; before.len()];
    expected[1] = Some("ack".to_string());
    assert_eq!(after, expected);
    let html = admin.get("/").await.text().await.unwrap();
    assert_eq!(html.matches("data-silenced=\"ack\"").count(), 1);
}
