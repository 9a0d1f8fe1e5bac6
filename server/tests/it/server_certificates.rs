//! IAM server certificates through the console against the demo emulator: checked without
//! uploading, uploaded with a chain and tags; the PEM rules on their fields; the private key
//! never stored, audited or logged; AWS's refusals of the upload said as sentences.

use crate::harness::*;
use reqwest::{header, StatusCode};
use serde_json::Value;
use std::path::Path;

const KIND: &str = "server-certificate";

/// Certificates made by the openssl CLI: a root, an intermediate, a leaf it issued (with names),
/// the leaf's key and an unrelated key.
struct Pems {
    leaf: String,
    key: String,
    other_key: String,
    chain: String,
    reversed_chain: String,
    _dir: tempfile::TempDir,
}

/// Runs the openssl CLI in `dir`: `command`'s words, then `last` (a subject, with its spaces).
fn openssl(dir: &Path, command: &str, last: &[&str]) {
    let args: Vec<&str> = command
        .split_whitespace()
        .chain(last.iter().copied())
        .collect();
    let output = std::process::Command::new("openssl")
        .args(&args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI is installed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "openssl {args:?}: {stderr}");
}

fn pems() -> Pems {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let read = |name: &str| std::fs::read_to_string(d.join(name)).unwrap();
    let key = "-newkey rsa:2048 -nodes -keyout";
    openssl(
        d,
        &format!("req -x509 {key} root.key -out root.pem -days 60 -subj"),
        &["/CN=IT Root"],
    );
    openssl(
        d,
        &format!("req {key} int.key -out int.csr -subj"),
        &["/CN=IT Intermediate"],
    );
    std::fs::write(d.join("ca.ext"), "basicConstraints=critical,CA:TRUE\n").unwrap();
    let sign = "x509 -req -CAcreateserial -days";
    openssl(
        d,
        &format!("{sign} 60 -in int.csr -CA root.pem -CAkey root.key -out int.pem -extfile ca.ext"),
        &[],
    );
    openssl(
        d,
        &format!("req {key} leaf.key -out leaf.csr -subj"),
        &["/CN=shop.example.com"],
    );
    let names = "subjectAltName=DNS:shop.example.com,DNS:www.shop.example.com\n";
    std::fs::write(d.join("leaf.ext"), names).unwrap();
    openssl(
        d,
        &format!(
            "{sign} 45 -in leaf.csr -CA int.pem -CAkey int.key -out leaf.pem -extfile leaf.ext"
        ),
        &[],
    );
    Pems {
        leaf: read("leaf.pem"),
        key: read("leaf.key"),
        other_key: read("int.key"),
        chain: format!("{}{}", read("int.pem"), read("root.pem")),
        reversed_chain: format!("{}{}", read("root.pem"), read("int.pem")),
        _dir: dir,
    }
}

/// A line from the middle of a PEM: what would show if any of it leaked.
fn secret_line(key: &str) -> String {
    key.lines().nth(6).unwrap().to_string()
}

async fn detail(browser: &Browser, account: &str, id: &str) -> (StatusCode, Value) {
    item_detail(browser, KIND, account, "global", id).await
}

async fn audit(app: &TestApp) -> Vec<(String, String, String, String, String)> {
    sqlx::query_as("SELECT action, outcome, request_id, message, params FROM audit_log WHERE target_kind = 'server-certificate' ORDER BY id")
        .fetch_all(&app.db().await)
        .await
        .unwrap()
}

fn upload<'a>(
    target: &'a str,
    name: &'a str,
    body: &'a str,
    chain: &'a str,
    key: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("certificate[target]", target),
        ("certificate[name]", name),
        ("certificate[path]", "/shop/"),
        ("certificate[body]", body),
        ("certificate[chain]", chain),
        ("certificate[private_key]", key),
        (
            "certificate[tags]",
            "Owner=shop@example.com\nCostCentre=CC-4",
        ),
    ]
}

#[tokio::test]
async fn certificates_are_checked_and_uploaded_and_the_key_is_never_stored() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let pems = pems();
    refresh_kind(&admin, KIND).await;
    let listed = inventory_of(&admin, KIND, "").await;
    let seeded = &listed["items"][0]["item"];
    let (_, seeded) = detail(
        &admin,
        seeded["account"].as_str().unwrap(),
        seeded["id"].as_str().unwrap(),
    )
    .await;
    assert!(
        field(&seeded, "Subject").is_some_and(|s| s.starts_with("CN=")),
        "{seeded}"
    );
    assert!(seeded["expires_at"].is_string());

    // "Check certificate": what it is, nothing sent, nothing audited, nothing created.
    let mut check = upload("prod/global", "shop", &pems.leaf, &pems.chain, &pems.key);
    check.push(("intent", "check"));
    let checked = admin.call("/api/server-certificates/upload", &check).await;
    assert_eq!(checked.status(), StatusCode::OK);
    let checked: Value = checked.json().await.unwrap();
    let summary = &checked["Checked"];
    assert_eq!(summary["subject"], "CN=shop.example.com");
    assert_eq!(summary["issuer"], "CN=IT Intermediate");
    assert_eq!(
        summary["sans"],
        serde_json::json!(["shop.example.com", "www.shop.example.com"])
    );
    assert_eq!(summary["key_type"], "RSA 2048-bit");
    assert_eq!(
        summary["chain"],
        serde_json::json!(["CN=IT Intermediate", "CN=IT Root"])
    );
    let not_after = summary["not_after"].as_str().unwrap().to_string();
    assert!(audit(&app).await.is_empty(), "a check is not a change");
    assert_eq!(
        detail(&admin, "prod", "shop").await.0,
        StatusCode::NOT_FOUND
    );

    let uploaded = admin
        .call(
            "/api/server-certificates/upload",
            &upload("prod/global", "shop", &pems.leaf, &pems.chain, &pems.key),
        )
        .await;
    assert_eq!(uploaded.status(), StatusCode::OK);
    let uploaded: Value = uploaded.json().await.unwrap();
    assert_eq!(uploaded["Uploaded"]["id"], "shop");
    assert_eq!(uploaded["Uploaded"]["region"], "global");
    let (status, item) = detail(&admin, "prod", "shop").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        item["expires_at"],
        not_after.as_str(),
        "Expiration is the expiry"
    );
    assert_eq!(item["status"], "valid");
    assert_eq!(field(&item, "Subject"), Some("CN=shop.example.com"));
    assert_eq!(field(&item, "Issuer"), Some("CN=IT Intermediate"));
    assert_eq!(
        field(&item, "Names"),
        Some("shop.example.com, www.shop.example.com")
    );
    assert_eq!(field(&item, "Key"), Some("RSA 2048-bit"));
    assert_eq!(field(&item, "Path"), Some("/shop/"));
    assert_eq!(field(&item, "Expiration"), Some(not_after.as_str()));
    assert_eq!(
        field(&item, "Chain"),
        Some("CN=IT Intermediate → CN=IT Root")
    );
    assert_eq!(
        field(&item, "ARN"),
        Some("arn:aws:iam::123456789012:server-certificate/shop/shop")
    );
    assert!(field(&item, "Certificate ID").is_some_and(|id| id.starts_with("ASCA")));
    assert!(field(&item, "Uploaded").is_some());
    assert_eq!(
        inventory_of(&admin, KIND, "&query[tag]=CostCentre%3DCC-4").await["total"],
        1,
        "the cache has the new certificate"
    );
    assert_eq!(
        inventory_of(&admin, KIND, "&query[q]=shop&query[expires]=90d").await["total"],
        1,
        "it expires within 90 days"
    );

    let again = admin
        .call(
            "/api/server-certificates/upload",
            &upload("prod/global", "shop", &pems.leaf, "", &pems.key),
        )
        .await;
    let error = expect_error(again, StatusCode::CONFLICT, "EntityAlreadyExists").await;
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("prod already has a server certificate named shop"));

    let rows = audit(&app).await;
    let action = "server-certificate.upload";
    assert!(
        rows.iter()
            .any(|(a, o, r, _, _)| a == action && o == "ok" && !r.is_empty()),
        "{action} audited with its request id: {rows:?}"
    );
    assert!(
        rows.iter()
            .any(|(a, o, _, _, _)| a == action && o == "attempted"),
        "{action} audited before it was sent"
    );
    let upload_params = &rows
        .iter()
        .find(|(a, _, _, _, _)| a == "server-certificate.upload")
        .unwrap()
        .4;
    assert!(
        upload_params.contains("CN=shop.example.com"),
        "{upload_params}"
    );
    drop(rows);
    let stored = stored_bytes(&app);
    assert!(!stored.is_empty());
    assert!(
        !bytes_contain(&stored, &secret_line(&pems.key)),
        "the private key is in neither the database nor its WAL"
    );
    assert!(!bytes_contain(&stored, "PRIVATE KEY"));
}

#[tokio::test]
async fn the_form_checks_the_pems_before_anything_is_sent() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let pems = pems();
    let post = |fields: Vec<(&str, &str)>| {
        let admin = &admin;
        let fields: Vec<(String, String)> = fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        async move {
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            admin.call("/api/server-certificates/upload", &fields).await
        }
    };

    // The other key: refused beside the private key, with what to do.
    let error = expect_error(
        post(upload(
            "prod/global",
            "shop",
            &pems.leaf,
            &pems.chain,
            &pems.other_key,
        ))
        .await,
        StatusCode::BAD_REQUEST,
        "",
    )
    .await;
    assert_eq!(field_names(&error), vec!["private_key"]);
    let message = error["fields"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("does not belong to the certificate"),
        "{message}"
    );
    assert!(!error.to_string().contains(&secret_line(&pems.other_key)));

    // The chain upside down: refused on the chain.
    let error = expect_error(
        post(upload(
            "prod/global",
            "shop",
            &pems.leaf,
            &pems.reversed_chain,
            &pems.key,
        ))
        .await,
        StatusCode::BAD_REQUEST,
        "",
    )
    .await;
    assert_eq!(field_names(&error)[0], "chain");
    assert!(error["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("put the certificate's issuer first"));

    // The key pasted as the body: refused on the body.
    let error = expect_error(
        post(upload("prod/global", "shop", &pems.key, "", &pems.key)).await,
        StatusCode::BAD_REQUEST,
        "",
    )
    .await;
    assert_eq!(field_names(&error), vec!["body"]);

    // IAM's form rules, each on its field; the PEM check waits for a body and a key.
    let error = expect_error(
        post(vec![
            ("certificate[target]", "prod/us-east-1"),
            ("certificate[name]", "shop cert"),
            ("certificate[path]", "shop"),
            ("certificate[body]", ""),
            ("certificate[private_key]", ""),
            ("certificate[tags]", "aws:x=1"),
        ])
        .await,
        StatusCode::BAD_REQUEST,
        "",
    )
    .await;
    assert_eq!(
        field_names(&error),
        vec!["target", "name", "path", "body", "private_key", "tags"]
    );
    let long_body = "b".repeat(16_385);
    let error = expect_error(
        post(upload("prod/global", "shop", &long_body, "", &pems.key)).await,
        StatusCode::BAD_REQUEST,
        "at",
    )
    .await;
    assert_eq!(field_names(&error), vec!["body"]);
    assert!(error["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("at most 16384"));

    // Without JavaScript the error goes back in the URL: never the key.
    let refused = admin
        .post_form(
            "/api/server-certificates/upload",
            &upload("prod/global", "shop", &pems.leaf, "", &pems.other_key),
            "/server-certificates/new",
        )
        .await;
    assert!(refused.status().is_redirection());
    let location = refused.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(location.contains("__err="), "{location}");
    // The error travels base64-encoded JSON: decode it to look inside.
    let encoded = location.split("__err=").nth(1).unwrap();
    let encoded: String = url::form_urlencoded::parse(format!("e={encoded}").as_bytes())
        .map(|(_, v)| v.into_owned())
        .collect();
    let encoded = encoded.trim_end_matches('=');
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded))
        .expect("the error is base64");
    let decoded = String::from_utf8(bytes).unwrap();
    assert!(!location.contains(&secret_line(&pems.other_key)));
    assert!(decoded.contains("does not belong"), "{decoded}");
    assert!(!decoded.contains(&secret_line(&pems.other_key)));
    assert!(!decoded.contains("PRIVATE KEY"));

    assert!(
        audit(&app).await.is_empty(),
        "nothing audited, nothing sent"
    );
    let stored = stored_bytes(&app);
    assert!(!bytes_contain(&stored, &secret_line(&pems.other_key)));
    assert!(!bytes_contain(&stored, &secret_line(&pems.key)));
}

/// A throttled upload names its call; anyone signed in may check a certificate, so a viewer's
/// upload is refused in the console (every_kind.rs has throttling, denial, viewers and forged
/// forms on every kind's generic changes).
#[tokio::test]
async fn a_throttled_upload_names_its_call_and_a_viewers_upload_is_refused() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let pems = pems();
    inject_fault(&app, "UploadServerCertificate", 3, "throttle").await;
    let throttled = admin
        .call(
            "/api/server-certificates/upload",
            &upload("prod/global", "throttled", &pems.leaf, "", &pems.key),
        )
        .await;
    expect_error(
        throttled,
        StatusCode::TOO_MANY_REQUESTS,
        "throttling iam:UploadServerCertificate in prod (123456789012)/global",
    )
    .await;
    let last = audit(&app).await.pop().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str()),
        ("server-certificate.upload", "error")
    );

    let viewer = signed_in_viewer(&app, &admin).await;
    let refused = viewer
        .call(
            "/api/server-certificates/upload",
            &upload("prod/global", "by-viewer", &pems.leaf, "", &pems.key),
        )
        .await;
    expect_error(refused, StatusCode::FORBIDDEN, "viewer role").await;
    let refusals = app
        .count("SELECT COUNT(*) FROM audit_log WHERE outcome = 'error' AND action = 'server-certificate.upload' AND message LIKE 'refused: the viewer role%'")
        .await;
    assert_eq!(refusals, 1, "the refusal is audited as the kind's form");
    assert_eq!(
        detail(&admin, "prod", "by-viewer").await.0,
        StatusCode::NOT_FOUND
    );
}

/// The real binary, in demo mode, logging at debug level: a private key it uploads, or refuses,
/// never reaches its log.
#[tokio::test]
async fn the_private_key_never_reaches_the_server_log() {
    let pems = pems();
    let process = DemoProcess::start().await;
    let refused_then_uploaded = [
        (&pems.other_key, "logged-refused", StatusCode::BAD_REQUEST),
        (&pems.key, "logged", StatusCode::OK),
    ];
    for (key, name, status) in refused_then_uploaded {
        let form = [
            ("certificate[target]", "prod/global"),
            ("certificate[name]", name),
            ("certificate[body]", pems.leaf.as_str()),
            ("certificate[chain]", pems.chain.as_str()),
            ("certificate[private_key]", key.as_str()),
        ];
        let answer = process.call("/api/server-certificates/upload", &form).await;
        assert_eq!(answer.status(), status, "{name}");
    }
    let log = process.log().await;
    assert!(
        log.contains("server-certificate.upload") || log.contains("UploadServerCertificate"),
        "the log is the server's: {}",
        &log[..log.len().min(2000)]
    );
    assert!(
        !log.contains(&secret_line(&pems.key)),
        "the key is not logged"
    );
    assert!(
        !log.contains(&secret_line(&pems.other_key)),
        "nor the refused one"
    );
    assert!(!log.contains("PRIVATE KEY"));
}
