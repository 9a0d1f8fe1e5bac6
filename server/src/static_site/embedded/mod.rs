//! The site compiled into the binary by `build.rs`, answered the way tower-http's `ServeDir`
//! answers files on disk: the content type from the extension, validators (an ETag and the
//! file's modification time at build) with 304s, and the gzip copy for a client that accepts
//! it. Cache-Control comes from the routes around it, as for files on disk.

use axum::{
    body::Body,
    http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode},
    response::Response,
};
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
    time::{Duration, UNIX_EPOCH},
};

/// One file of the site, as `build.rs` writes it.
pub struct EmbeddedFile {
    /// Relative to the site root, with `/`: `pkg/trustdesk.js`, `favicon.svg`.
    pub path: &'static str,
    /// Seconds since the epoch; 0 when the build could not tell.
    pub modified: u64,
    pub contents: &'static [u8],
}

/// What this binary was built with: empty in debug builds and in a release built without a site.
pub(super) static BUILT_IN: &[EmbeddedFile] =
    include!(concat!(env!("OUT_DIR"), "/embedded_site.rs"));

/// The embedded files by path, with their validators computed once at start.
pub struct Files {
    by_path: HashMap<&'static str, Representation>,
}

struct Representation {
    contents: &'static [u8],
    etag: HeaderValue,
    /// Seconds since the epoch and the HTTP date, when known.
    modified: Option<(u64, HeaderValue)>,
}

impl Files {
    pub fn new(files: &'static [EmbeddedFile]) -> Self {
        let by_path = files
            .iter()
            .map(|file| {
                let digest = Sha256::digest(file.contents);
                let etag: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
                let modified = (file.modified > 0).then(|| {
                    let time = UNIX_EPOCH + Duration::from_secs(file.modified);
                    let date = HeaderValue::from_str(&httpdate::fmt_http_date(time))
                        .expect("an HTTP date is a valid header value");
                    (file.modified, date)
                });
                let representation = Representation {
                    contents: file.contents,
                    etag: HeaderValue::from_str(&format!("\"{etag}\""))
                        .expect("hex digits are a valid header value"),
                    modified,
                };
                (file.path, representation)
            })
            .collect();
        Self { by_path }
    }

    pub fn count(&self) -> usize {
        self.by_path.len()
    }

    pub fn contents(&self, path: &str) -> Option<&'static [u8]> {
        self.by_path.get(path).map(|file| file.contents)
    }

    /// Every path not under `dir/`.
    pub fn paths_outside(&self, dir: &str) -> impl Iterator<Item = &'static str> + '_ {
        let prefix = format!("{dir}/");
        self.by_path
            .keys()
            .copied()
            .filter(move |path| !path.starts_with(&prefix))
    }

    /// Serves `dir/<request path>`: for a nested service, whose request paths start at `/`.
    pub fn service_under(self: Arc<Self>, dir: &'static str) -> EmbeddedService {
        EmbeddedService {
            files: self,
            target: Target::Under(dir),
        }
    }

    /// Serves the file at `path` whatever the request's path.
    pub fn service_of(self: Arc<Self>, path: &'static str) -> EmbeddedService {
        EmbeddedService {
            files: self,
            target: Target::File(path),
        }
    }

    fn respond(&self, path: &str, method: &Method, headers: &HeaderMap) -> Response {
        if method != Method::GET && method != Method::HEAD {
            return Response::builder()
                .status(StatusCode::METHOD_NOT_ALLOWED)
                .header(header::ALLOW, "GET,HEAD")
                .body(Body::empty())
                .expect("a valid response");
        }
        let Some(identity) = self.by_path.get(path) else {
            return Response::builder()
                .status(StatusCode::NOT_FOUND)
                .body(Body::empty())
                .expect("a valid response");
        };
        let gzip = self.by_path.get(format!("{path}.gz").as_str());
        let (file, encoding) = match gzip {
            Some(gzip) if accepts_gzip(headers) => (gzip, Some("gzip")),
            _ => (identity, None),
        };
        let content_type = mime_guess::from_path(path).first_or_octet_stream();
        let mut response = Response::builder()
            .header(header::CONTENT_TYPE, content_type.as_ref())
            .header(header::ETAG, file.etag.clone());
        if let Some((_, date)) = &file.modified {
            response = response.header(header::LAST_MODIFIED, date.clone());
        }
        if gzip.is_some() {
            response = response.header(header::VARY, "accept-encoding");
        }
        if let Some(encoding) = encoding {
            response = response.header(header::CONTENT_ENCODING, encoding);
        }
        if is_unchanged(file, headers) {
            return response
                .status(StatusCode::NOT_MODIFIED)
                .body(Body::empty())
                .expect("a valid response");
        }
        let body = if method == Method::HEAD {
            Body::empty()
        } else {
            Body::from(file.contents)
        };
        response
            .header(header::CONTENT_LENGTH, file.contents.len())
            .body(body)
            .expect("a valid response")
    }
}

/// The client's copy is current: its `If-None-Match` names this ETag or, without one, its
/// `If-Modified-Since` is no older than the file (RFC 9110, 13.2.2).
fn is_unchanged(file: &Representation, headers: &HeaderMap) -> bool {
    if let Some(tags) = headers.get(header::IF_NONE_MATCH) {
        let Ok(tags) = tags.to_str() else {
            return false;
        };
        let ours = file.etag.to_str().unwrap_or_default();
        return tags
            .split(',')
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == "*" || tag == ours);
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| httpdate::parse_http_date(value).ok());
    match (since, &file.modified) {
        (Some(since), Some((modified, _))) => since
            .duration_since(UNIX_EPOCH)
            .is_ok_and(|since| since.as_secs() >= *modified),
        _ => false,
    }
}

/// `Accept-Encoding` lists gzip (or `*`) with a weight above zero.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let weight = parts
                .filter_map(|param| param.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            (name.eq_ignore_ascii_case("gzip") || name == "*") && weight > 0.0
        })
}

#[derive(Clone, Copy)]
enum Target {
    Under(&'static str),
    File(&'static str),
}

#[derive(Clone)]
pub struct EmbeddedService {
    files: Arc<Files>,
    target: Target,
}

impl<B> tower::Service<Request<B>> for EmbeddedService {
    type Response = Response;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let path = match self.target {
            Target::Under(dir) => format!("{dir}{}", request.uri().path()),
            Target::File(path) => path.to_owned(),
        };
        std::future::ready(Ok(self.files.respond(
            &path,
            request.method(),
            request.headers(),
        )))
    }
}

#[cfg(test)]
mod tests;
