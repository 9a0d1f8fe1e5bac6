//! Single sign-on against a real OpenID provider: npm's `oidc-provider` (the certified
//! implementation) run by `end2end/oidc-idp/idp.mjs`, with alice in `td-admins`, bob in
//! `td-viewers` and carol in neither. Admins and viewers get their roles, a user in no mapped
//! group is refused with the reason, a tampered `state`, a replayed code and an expired ID
//! token are refused, the provider's rotated keys are read again, local passwords can be off
//! but for the break-glass admin, and sign-out ends the provider's session too.

use crate::harness::*;
use reqwest::{header, redirect::Policy, StatusCode};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const CLIENT_ID: &str = "trustdesk";
const CLIENT_SECRET: &str = "trustdesk-test-secret-0123456789";

/// The provider, started on a free port; stopped (by its pid) when dropped.
struct Idp {
    child: Child,
    issuer: String,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Idp {
    fn start(app_url: &str) -> Self {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/oidc-idp/idp.mjs");
        let clients = json!([{
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [format!("{app_url}/auth/sso/callback")],
            "post_logout_redirect_uris": [format!("{app_url}/login")],
        }]);
        let mut child = Command::new("node")
            .arg(script)
            .env("IDP_PORT", "0")
            .env("IDP_CLIENTS", clients.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node end2end/oidc-idp/idp.mjs");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the provider's first line");
        let issuer = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("the provider said {line}"))
            .to_string();
        Idp { child, issuer }
    }

    async fn control(&self, path: &str, body: Value) {
        let answer = reqwest::Client::new()
            .post(format!("{}/_control/{path}", self.issuer))
            .json(&body)
            .send()
            .await
            .expect("the provider's control endpoint");
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
    }
}

/// trustdesk with `[sso]` pointing at `idp`, on a port known before it starts.
async fn start(extra: &str) -> (TestApp, Idp) {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let idp = Idp::start(&url);
    let config = format!(
        r#"
public_url = "{url}"

[sso]
issuer = "{issuer}"
client_id = "{CLIENT_ID}"
client_secret_env = "TEST_SSO_SECRET"
scopes = ["openid", "email", "profile", "groups"]
admin_groups = ["td-admins"]
viewer_groups = ["td-viewers"]
{extra}
"#,
        issuer = idp.issuer
    );
    let app = TestApp::builder()
        .port(port)
        .env(&[("TEST_SSO_SECRET", CLIENT_SECRET)])
        .config_file(&config)
        .build()
        .await;
    (app, idp)
}

/// A browser that does not follow redirects, so that each hop can be seen.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("client")
}

fn location(response: &reqwest::Response, base: &str) -> String {
    let to = response
        .headers()
        .get(header::LOCATION)
        .unwrap_or_else(|| panic!("a redirect from {}", response.url()))
        .to_str()
        .unwrap()
        .to_string();
    if to.starts_with("http") {
        to
    } else {
        format!("{base}{to}")
    }
}

/// Follows the provider's redirects, signing in as `user` at its login form, until the
/// provider sends the browser back to trustdesk's callback: answers that callback's URL.
async fn at_provider(client: &reqwest::Client, app: &TestApp, idp: &Idp, user: &str) -> String {
    at_provider_from(client, app, idp, user, "/sync").await
}

/// [`at_provider`] for a sign-in asked to go on to `next`.
async fn at_provider_from(
    client: &reqwest::Client,
    app: &TestApp,
    idp: &Idp,
    user: &str,
    next: &str,
) -> String {
    let mut start = url::Url::parse(&format!("{}/auth/sso/start", app.url)).unwrap();
    start.query_pairs_mut().append_pair("next", next);
    let started = client.get(start.as_str()).send().await.unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER, "{}", started.url());
    let mut next = location(&started, &app.url);
    for _ in 0..12 {
        if next.starts_with(&app.url) {
            return next;
        }
        let page = client.get(&next).send().await.unwrap();
        if page.status().is_redirection() {
            next = location(&page, &idp.issuer);
            continue;
        }
        let form = page.url().path().to_string();
        assert!(form.starts_with("/interaction/"), "{form}");
        let posted = client
            .post(format!("{}{form}/login", idp.issuer))
            .form(&[("login", user), ("password", &format!("{user}-pass"))])
            .send()
            .await
            .unwrap();
        assert!(posted.status().is_redirection(), "{}", posted.status());
        next = location(&posted, &idp.issuer);
    }
    panic!("the provider never sent the browser back");
}

async fn session(client: &reqwest::Client, app: &TestApp) -> Value {
    client
        .get(format!("{}/api/session", app.url))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Signs in as `user` through the provider; answers where trustdesk sent the browser.
async fn sign_in(client: &reqwest::Client, app: &TestApp, idp: &Idp, user: &str) -> String {
    let callback = at_provider(client, app, idp, user).await;
    let back = client.get(&callback).send().await.unwrap();
    let status = back.status();
    if status != StatusCode::SEE_OTHER {
        panic!(
            "{callback}: {status} {}",
            back.text().await.unwrap_or_default()
        );
    }
    location(&back, &app.url)
}

#[tokio::test]
async fn admins_and_viewers_get_their_roles_from_their_groups() {
    let (app, idp) = start("").await;
    let alice = browser();
    let landed = sign_in(&alice, &app, &idp, "alice").await;
    assert_eq!(
        landed,
        format!("{}/sync", app.url),
        "back to the page asked for"
    );
    let who = session(&alice, &app).await;
    assert_eq!(who["user"]["username"], "alice", "{who}");
    assert_eq!(who["user"]["role"], "admin");

    let bob = browser();
    sign_in(&bob, &app, &idp, "bob").await;
    assert_eq!(session(&bob, &app).await["user"]["role"], "viewer");

    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.add_from_idp'")
            .await,
        2
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login' AND params LIKE '%sso%'"
        )
        .await,
        2
    );
    // A second sign-in finds the same account.
    let again = browser();
    sign_in(&again, &app, &idp, "alice").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);
}

#[tokio::test]
async fn a_user_in_no_mapped_group_is_refused_with_the_reason() {
    let (app, idp) = start("").await;
    let carol = browser();
    let landed = sign_in(&carol, &app, &idp, "carol").await;
    assert_eq!(landed, format!("{}/login", app.url));
    let who = session(&carol, &app).await;
    assert!(who["user"].is_null(), "{who}");
    let said = who["flash"].as_str().unwrap_or_default();
    assert!(
        said.contains("none of the groups") && said.contains("td-admins"),
        "{said}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.sso' AND outcome = 'error'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_tampered_state_a_replayed_code_and_an_expired_token_are_refused() {
    let (app, idp) = start("").await;

    // The state trustdesk sent is not the one that comes back.
    let tampered = browser();
    let callback = at_provider(&tampered, &app, &idp, "alice").await;
    let mut url = url::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                format!("{v}x")
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    tampered.get(url.as_str()).send().await.unwrap();
    let who = session(&tampered, &app).await;
    assert!(who["user"].is_null(), "{who}");
    assert!(
        who["flash"]
            .as_str()
            .unwrap_or_default()
            .contains("could not be matched"),
        "{who}"
    );

    // Someone else's answer, in a browser that started no sign-in (a forced sign-in).
    let victim = browser();
    let planted = at_provider(&browser(), &app, &idp, "carol").await;
    victim.get(&planted).send().await.unwrap();
    let who = session(&victim, &app).await;
    assert!(who["user"].is_null(), "{who}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.sso' AND message LIKE '%no sign-in was started%'")
            .await,
        1
    );

    // A code used once is refused the second time, even with a fresh sign-in's state.
    let first = browser();
    let used = at_provider(&first, &app, &idp, "alice").await;
    first.get(&used).send().await.unwrap();
    assert_eq!(session(&first, &app).await["user"]["username"], "alice");
    let thief = browser();
    let fresh = at_provider(&thief, &app, &idp, "bob").await;
    let fresh_state = url::Url::parse(&fresh)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let mut replay = url::Url::parse(&used).unwrap();
    let code = replay
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    replay
        .query_pairs_mut()
        .clear()
        .append_pair("code", &code)
        .append_pair("state", &fresh_state);
    thief.get(replay.as_str()).send().await.unwrap();
    let who = session(&thief, &app).await;
    assert!(who["user"].is_null(), "{who}");
    assert!(
        who["flash"]
            .as_str()
            .unwrap_or_default()
            .contains("invalid_grant"),
        "{who}"
    );

    // An ID token that expired before it arrived.
    idp.control(
        "clock",
        json!({"skew_seconds": -600, "id_token_ttl_seconds": 60}),
    )
    .await;
    let late = browser();
    sign_in(&late, &app, &idp, "alice").await;
    let who = session(&late, &app).await;
    assert!(who["user"].is_null(), "{who}");
    assert!(
        who["flash"]
            .as_str()
            .unwrap_or_default()
            .contains("could not be trusted"),
        "{who}"
    );
}

#[tokio::test]
async fn rotated_keys_are_read_again() {
    let (app, idp) = start("").await;
    let first = browser();
    sign_in(&first, &app, &idp, "alice").await;
    idp.control("rotate", json!({})).await;
    let second = browser();
    sign_in(&second, &app, &idp, "alice").await;
    assert_eq!(session(&second, &app).await["user"]["username"], "alice");
}

#[tokio::test]
async fn local_passwords_can_be_off_but_for_the_break_glass_admin() {
    let (app, _idp) = start("local_accounts = \"break-glass\"\nbreak_glass = \"admin\"").await;
    let admin = app.browser();
    admin.set_up_admin(&app.setup_token()).await;
    app.add_user(&admin, "local-viewer", "viewer", "viewer password 123")
        .await;
    let other = app.browser();
    let refused = other.login("local-viewer", "viewer password 123").await;
    expect_error(refused, StatusCode::UNAUTHORIZED, "break-glass").await;
    let glass = app.browser();
    let ok = glass.login(ADMIN, ADMIN_PASSWORD).await;
    assert!(ok.status().is_success() || ok.status().is_redirection());
}

#[tokio::test]
async fn an_id_token_for_another_audience_is_refused() {
    let (app, idp) = start("").await;
    idp.control("audience", json!({"id_token_audience": "other-app"}))
        .await;
    let alice = browser();
    let landed = sign_in(&alice, &app, &idp, "alice").await;
    assert_eq!(landed, format!("{}/login", app.url));
    let who = session(&alice, &app).await;
    assert!(who["user"].is_null(), "{who}");
    assert!(
        who["flash"]
            .as_str()
            .unwrap_or_default()
            .contains("could not be trusted"),
        "{who}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);

    // The same provider's token for trustdesk is accepted: the audience alone was refused.
    idp.control("audience", json!({"id_token_audience": null}))
        .await;
    sign_in(&alice, &app, &idp, "alice").await;
    assert_eq!(session(&alice, &app).await["user"]["username"], "alice");
}

#[tokio::test]
async fn the_role_follows_the_groups_at_every_sign_in() {
    let (app, idp) = start("").await;
    let admin = app.browser();
    admin.set_up_admin(&app.setup_token()).await;
    let alice = browser();
    sign_in(&alice, &app, &idp, "alice").await;
    assert_eq!(session(&alice, &app).await["user"]["role"], "admin");

    // An admin cannot set it here: the provider's groups would undo it at the next sign-in.
    let id = app
        .count("SELECT id FROM users WHERE username = 'alice'")
        .await
        .to_string();
    let refused = admin
        .call("/api/users/role", &[("user_id", &id), ("role", "viewer")])
        .await;
    expect_error(refused, StatusCode::CONFLICT, "identity provider").await;

    idp.control("groups", json!({"user": "alice", "groups": ["td-viewers"]}))
        .await;
    let later = browser();
    sign_in(&later, &app, &idp, "alice").await;
    assert_eq!(session(&later, &app).await["user"]["role"], "viewer");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.role_from_idp' AND params LIKE '%\"from\":\"admin\"%' AND params LIKE '%\"to\":\"viewer\"%'")
            .await,
        1
    );
    // The session signed in as an admin before the change keeps nothing an admin has: roles
    // are read from the account at each request.
    assert_eq!(session(&alice, &app).await["user"]["role"], "viewer");

    // Out of every mapped group: refused, and the account keeps its last role unused.
    idp.control("groups", json!({"user": "alice", "groups": []}))
        .await;
    let gone = browser();
    sign_in(&gone, &app, &idp, "alice").await;
    assert!(session(&gone, &app).await["user"].is_null());
    // A sign-in asked to go elsewhere stays on this site.
    idp.control("groups", json!({"user": "alice", "groups": ["td-admins"]}))
        .await;
    let elsewhere = browser();
    let callback = at_provider_from(&elsewhere, &app, &idp, "alice", "//evil.example/x").await;
    let back = elsewhere.get(&callback).send().await.unwrap();
    assert_eq!(location(&back, &app.url), format!("{}/", app.url));
}

#[tokio::test]
async fn sign_out_ends_the_session_here_and_at_the_provider() {
    let (app, idp) = start("").await;
    let alice = browser();
    sign_in(&alice, &app, &idp, "alice").await;

    // Pages may send their sign-out form on to the provider, and nowhere else.
    let page = alice.get(format!("{}/", app.url)).send().await.unwrap();
    let policy = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        policy.contains(&format!("form-action 'self' {}", idp.issuer)),
        "{policy}"
    );

    let csrf = session(&alice, &app).await["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let out = alice
        .post(format!("{}/api/logout", app.url))
        .header(header::ACCEPT, "text/html")
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(out.status().is_redirection(), "{}", out.status());
    let end = location(&out, &app.url);
    let end_url = url::Url::parse(&end).unwrap();
    assert!(
        end.starts_with(&format!("{}/session/end", idp.issuer)),
        "{end}"
    );
    let query: std::collections::HashMap<_, _> = end_url.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], CLIENT_ID);
    assert_eq!(
        query["post_logout_redirect_uri"],
        format!("{}/login", app.url)
    );
    assert!(query["id_token_hint"].split('.').count() == 3);
    assert!(
        session(&alice, &app).await["user"].is_null(),
        "signed out here"
    );

    // At the provider: confirm, and it sends the browser back to trustdesk's sign-in page.
    let confirm = alice.get(&end).send().await.unwrap().text().await.unwrap();
    let xsrf = confirm
        .split("name=\"xsrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("the provider's confirmation: {confirm}"))
        .to_string();
    let done = alice
        .post(format!("{}/session/end/confirm", idp.issuer))
        .form(&[("xsrf", xsrf.as_str()), ("logout", "yes")])
        .send()
        .await
        .unwrap();
    assert!(done.status().is_redirection(), "{}", done.status());
    assert_eq!(location(&done, &idp.issuer), format!("{}/login", app.url));

    // The provider's session is gone: the next sign-in asks for the password again.
    let again = alice
        .get(format!("{}/auth/sso/start?next=/", app.url))
        .send()
        .await
        .unwrap();
    let mut next = location(&again, &app.url);
    let mut asked = false;
    for _ in 0..6 {
        let hop = alice.get(&next).send().await.unwrap();
        if hop.status().is_redirection() {
            next = location(&hop, &idp.issuer);
            if next.starts_with(&app.url) {
                break;
            }
            continue;
        }
        asked = hop.text().await.unwrap().contains("name=\"password\"");
        break;
    }
    assert!(asked, "the provider asked for the password again");
}

#[tokio::test]
async fn a_client_starts_and_finishes_a_limited_number_of_sign_ins_a_minute() {
    let (app, _idp) = start("").await;
    let allowance = server::sso::HOPS_PER_MINUTE as i64;
    for _ in 0..allowance {
        let started = browser()
            .get(format!("{}/auth/sso/start?next=/", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(started.status(), StatusCode::SEE_OTHER);
    }
    // Each start keeps its pending sign-in in a session; the next ones store nothing.
    let sessions = app.count("SELECT COUNT(*) FROM tower_sessions").await;
    assert_eq!(sessions, allowance);
    for path in [
        "/auth/sso/start?next=/",
        "/auth/sso/callback?code=x&state=y",
    ] {
        let refused = browser()
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "{path}");
        assert!(refused.headers().contains_key(header::RETRY_AFTER));
        assert!(refused.text().await.unwrap().contains("Too many sign-ins"));
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tower_sessions").await,
        allowance
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.sso'")
            .await,
        0,
        "nothing audited for the refused"
    );
}
