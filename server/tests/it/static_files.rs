//! Static files are served ahead of the app: no session, no page rendering, validators for
//! caching, and the gzip copy when the browser accepts it.

use crate::harness::TestApp;
use reqwest::{header, StatusCode};
use std::io::Write;

const CSS: &str = "body { color: rebeccapurple; }\n";
const JS: &str = "export default function init() {}\n";

fn site() -> tempfile::TempDir {
    let site = tempfile::tempdir().expect("site dir");
    std::fs::create_dir(site.path().join("pkg")).expect("pkg dir");
    std::fs::write(site.path().join("pkg/trustdesk.css"), CSS).expect("css");
    let gz = flate_free_gzip(CSS.as_bytes());
    std::fs::File::create(site.path().join("pkg/trustdesk.css.gz"))
        .and_then(|mut f| f.write_all(&gz))
        .expect("css.gz");
    std::fs::write(site.path().join("pkg/trustdesk.js"), JS).expect("js");
    std::fs::write(site.path().join("favicon.svg"), "<svg/>").expect("favicon");
    site
}

/// A valid gzip member holding `data` in one stored (uncompressed) deflate block: enough for a
/// precompressed copy without a compression crate.
fn flate_free_gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let len = data.len() as u16;
    out.push(1);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test]
async fn static_files_skip_sessions_and_revalidate() {
    let site = site();
    let app = TestApp::builder()
        .env(&[(
            "TRUSTDESK_SITE_DIR",
            site.path().to_str().expect("utf-8 path"),
        )])
        .build()
        .await;
    let client = reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("client");

    let favicon = client
        .get(format!("{}/favicon.svg", app.url))
        .send()
        .await
        .expect("favicon");
    assert_eq!(favicon.status(), StatusCode::OK);
    assert!(favicon.headers().get(header::SET_COOKIE).is_none());
    assert_eq!(favicon.headers()[header::CACHE_CONTROL], "public, no-cache");
    assert_eq!(favicon.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let modified = favicon.headers()[header::LAST_MODIFIED].clone();

    let again = client
        .get(format!("{}/favicon.svg", app.url))
        .header(header::IF_MODIFIED_SINCE, modified)
        .send()
        .await
        .expect("revalidation");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let css = client
        .get(format!("{}/pkg/trustdesk.css", app.url))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .expect("css");
    assert_eq!(css.status(), StatusCode::OK);
    assert_eq!(css.headers()[header::CONTENT_ENCODING], "gzip");
    assert!(css.headers().get(header::SET_COOKIE).is_none());
    let plain = client
        .get(format!("{}/pkg/trustdesk.css", app.url))
        .send()
        .await
        .expect("css");
    assert_eq!(plain.text().await.expect("body"), CSS);

    let missing = client
        .get(format!("{}/pkg/nothing.js", app.url))
        .send()
        .await
        .expect("missing");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers().get(header::SET_COOKIE).is_none());
    let traversal = client
        .get(format!("{}/pkg/..%2F..%2Fetc%2Fpasswd", app.url))
        .send()
        .await
        .expect("traversal");
    assert_ne!(traversal.status(), StatusCode::OK);

    assert_eq!(
        app.count("SELECT COUNT(*) FROM tower_sessions").await,
        0,
        "static files never create a session"
    );
}

/// The `href` of the page's stylesheet link, e.g. `/pkg/trustdesk.<fingerprint>.css`.
fn linked_stylesheet(page: &str) -> String {
    let link = page
        .split("<link ")
        .find(|link| link.contains(r#"rel="stylesheet""#))
        .expect("a stylesheet link");
    let href = link.split(r#"href=""#).nth(1).expect("an href");
    href[..href.find('"').expect("closing quote")].to_owned()
}

#[tokio::test]
async fn pages_link_the_bundle_by_fingerprint_and_those_names_are_kept_a_year() {
    let site = site();
    let app = TestApp::builder()
        .env(&[(
            "TRUSTDESK_SITE_DIR",
            site.path().to_str().expect("utf-8 path"),
        )])
        .build()
        .await;
    let client = reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("client");
    let page = client
        .get(format!("{}/login", app.url))
        .send()
        .await
        .expect("sign-in page")
        .text()
        .await
        .expect("body");
    let css = linked_stylesheet(&page);
    let fingerprint = css
        .strip_prefix("/pkg/trustdesk.")
        .and_then(|rest| rest.strip_suffix(".css"))
        .expect("a fingerprinted name");
    assert_eq!(fingerprint.len(), 16, "{css}");
    assert!(fingerprint.chars().all(|c| c.is_ascii_hexdigit()), "{css}");
    let script = format!("/pkg/trustdesk.{fingerprint}.js");
    assert!(page.contains(&script), "the page links {script}");

    for (path, body) in [(&css, CSS), (&script, JS)] {
        let response = client
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .expect("bundle file");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert_eq!(response.text().await.expect("body"), body);
    }

    let plain = client
        .get(format!("{}/pkg/trustdesk.js", app.url))
        .send()
        .await
        .expect("unfingerprinted name");
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(plain.headers()[header::CACHE_CONTROL], "public, no-cache");

    // An old page's name after an upgrade: not this bundle, and nothing cached for a year.
    let stale = client
        .get(format!("{}/pkg/trustdesk.ffffffffffffffff.js", app.url))
        .send()
        .await
        .expect("stale name");
    assert_eq!(stale.status(), StatusCode::NOT_FOUND);
    assert_eq!(stale.headers()[header::CACHE_CONTROL], "public, no-cache");
}
