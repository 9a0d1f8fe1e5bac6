//! The embedded site answers as the site on disk does (server/tests/it/static_files.rs):
//! fingerprinted names kept a year, other files revalidated with 304s, gzip when accepted.

use super::super::{routes, Site};
use super::EmbeddedFile;
use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
    Router,
};
use std::path::Path;
use tower::ServiceExt;

const CSS: &[u8] = b"body { color: rebeccapurple; }\n";
const CSS_GZ: &[u8] = b"\x1f\x8b pretend gzip";
const JS: &[u8] = b"export default function init() {}\n";
const WASM: &[u8] = b"\0asm\x01\0\0\0";
const MODIFIED: u64 = 1_700_000_000;

static FILES: &[EmbeddedFile] = &[
    EmbeddedFile {
        path: "pkg/trustdesk.css",
        modified: MODIFIED,
        contents: CSS,
    },
    EmbeddedFile {
        path: "pkg/trustdesk.css.gz",
        modified: MODIFIED,
        contents: CSS_GZ,
    },
    EmbeddedFile {
        path: "pkg/trustdesk.js",
        modified: MODIFIED,
        contents: JS,
    },
    EmbeddedFile {
        path: "pkg/trustdesk.wasm",
        modified: MODIFIED,
        contents: WASM,
    },
    EmbeddedFile {
        path: "favicon.svg",
        modified: MODIFIED,
        contents: b"<svg/>",
    },
];

fn site() -> (Router, String) {
    let site = Site::choose_from(None, FILES);
    assert!(matches!(site, Site::Embedded(_)));
    let linked = site.linked_bundle_name();
    (routes(Router::new(), &site, &linked), linked)
}

async fn get(router: &Router, path: &str, headers: &[(header::HeaderName, &str)]) -> Response {
    send(router, Method::GET, path, headers).await
}

/// The site's answer to `method` of `path` with `headers`, its body read.
async fn send(
    router: &Router,
    method: Method,
    path: &str,
    headers: &[(header::HeaderName, &str)],
) -> Response {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body")
        .to_vec();
    Response {
        status,
        headers,
        body,
    }
}

struct Response {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .expect("ASCII")
    }
}

#[test]
fn a_configured_directory_wins_over_the_embedded_site() {
    let dir = Path::new("/srv/site");
    assert!(matches!(
        Site::choose_from(Some(dir), FILES),
        Site::Directory(path) if path == dir
    ));
    assert!(matches!(Site::choose_from(None, &[]), Site::Directory(_)));
}

#[test]
fn the_fingerprint_is_the_same_embedded_or_on_disk() {
    let disk = tempfile::tempdir().expect("site");
    std::fs::create_dir(disk.path().join("pkg")).expect("pkg");
    for file in FILES {
        std::fs::write(disk.path().join(file.path), file.contents).expect("file");
    }
    let (_, embedded) = site();
    assert_ne!(embedded, "trustdesk");
    assert_eq!(
        Site::Directory(disk.path().to_path_buf()).linked_bundle_name(),
        embedded
    );
}

#[tokio::test]
async fn linked_bundle_names_are_served_with_their_type_and_kept_a_year() {
    let (router, linked) = site();
    for (extension, content_type, body) in [
        ("js", "text/javascript", JS),
        ("wasm", "application/wasm", WASM),
        ("css", "text/css", CSS),
    ] {
        let path = format!("/pkg/{linked}.{extension}");
        let response = get(&router, &path, &[]).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert_eq!(
            response.header(header::CONTENT_TYPE),
            content_type,
            "{path}"
        );
        assert_eq!(
            response.header(header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(response.body, body, "{path}");
    }

    let plain = get(&router, "/pkg/trustdesk.js", &[]).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.header(header::CACHE_CONTROL), "public, no-cache");

    for path in [
        "/pkg/trustdesk.ffffffffffffffff.js",
        "/pkg/nothing.js",
        "/pkg/..%2F..%2Fetc%2Fpasswd",
    ] {
        let missing = get(&router, path, &[]).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(missing.header(header::CACHE_CONTROL), "public, no-cache");
    }
}

#[tokio::test]
async fn the_gzip_copy_goes_to_clients_that_accept_it() {
    let (router, linked) = site();
    let path = format!("/pkg/{linked}.css");
    let gzip = get(&router, &path, &[(header::ACCEPT_ENCODING, "br, gzip")]).await;
    assert_eq!(gzip.header(header::CONTENT_ENCODING), "gzip");
    assert_eq!(gzip.header(header::CONTENT_TYPE), "text/css");
    assert_eq!(gzip.header(header::VARY), "accept-encoding");
    assert_eq!(gzip.body, CSS_GZ);

    for refused in ["identity", "gzip;q=0"] {
        let plain = get(&router, &path, &[(header::ACCEPT_ENCODING, refused)]).await;
        assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain.body, CSS, "{refused}");
    }
}

#[tokio::test]
async fn root_files_revalidate_with_304s() {
    let (router, _) = site();
    let favicon = get(&router, "/favicon.svg", &[]).await;
    assert_eq!(favicon.status, StatusCode::OK);
    assert_eq!(favicon.header(header::CONTENT_TYPE), "image/svg+xml");
    assert_eq!(favicon.header(header::CACHE_CONTROL), "public, no-cache");
    let etag = favicon.header(header::ETAG).to_owned();
    let modified = favicon.header(header::LAST_MODIFIED).to_owned();

    let favicon_if = |name: header::HeaderName, value: String| {
        let router = router.clone();
        async move { get(&router, "/favicon.svg", &[(name, &value)]).await }
    };
    let by_etag = favicon_if(header::IF_NONE_MATCH, etag).await;
    assert_eq!(by_etag.status, StatusCode::NOT_MODIFIED);
    assert!(by_etag.body.is_empty());
    let by_date = favicon_if(header::IF_MODIFIED_SINCE, modified).await;
    assert_eq!(by_date.status, StatusCode::NOT_MODIFIED);

    let other_etag = favicon_if(header::IF_NONE_MATCH, "\"0000000000000000\"".into()).await;
    assert_eq!(other_etag.status, StatusCode::OK);
    let older = httpdate::fmt_http_date(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(MODIFIED - 1),
    );
    let stale = favicon_if(header::IF_MODIFIED_SINCE, older).await;
    assert_eq!(stale.status, StatusCode::OK);
    assert_eq!(stale.body, b"<svg/>");
}

#[tokio::test]
async fn only_get_and_head_are_answered() {
    let (router, _) = site();
    let head = send(&router, Method::HEAD, "/pkg/trustdesk.js", &[]).await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header(header::CONTENT_LENGTH), JS.len().to_string());
    let post = send(&router, Method::POST, "/pkg/trustdesk.js", &[]).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
}
