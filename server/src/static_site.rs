//! The compiled site on disk: the bundle under `/pkg` (script, wasm, stylesheet) and the files
//! at the site root (`public/`, e.g. the favicon), served ahead of sessions, CSRF and page
//! rendering, with gzip copies where the build made them.
//!
//! Pages link the bundle under a name carrying a fingerprint of its contents
//! (`/pkg/trustdesk.<fingerprint>.js`), so browsers may keep those responses for a year
//! without asking again: an upgraded server links new names and a stale bundle is never met.
//! Every other file carries no fingerprint and is revalidated on each use (a 304 when
//! unchanged).

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode, Uri},
    middleware::{self, Next},
    response::Response,
    Router,
};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// The bundle's base name, as cargo-leptos writes it (`output-name` in Cargo.toml).
pub const BUNDLE_NAME: &str = "trustdesk";

/// The bundle files whose contents make the fingerprint: what a page links.
const BUNDLE_EXTENSIONS: [&str; 3] = ["js", "wasm", "css"];

const REVALIDATE: &str = "public, no-cache";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The name pages use for the bundle: `trustdesk.<fingerprint>` when the bundle is on disk,
/// `trustdesk` when it is not (a server without a built site still answers, unstyled).
pub fn linked_bundle_name(site_root: &Path) -> String {
    match fingerprint(&site_root.join("pkg")) {
        Some(fingerprint) => format!("{BUNDLE_NAME}.{fingerprint}"),
        None => BUNDLE_NAME.to_owned(),
    }
}

/// The first 16 hex digits of a SHA-256 over the bundle files, or None when none is there.
fn fingerprint(pkg_dir: &Path) -> Option<String> {
    let mut hasher = Sha256::new();
    let mut found = false;
    for extension in BUNDLE_EXTENSIONS {
        if let Ok(contents) = std::fs::read(pkg_dir.join(format!("{BUNDLE_NAME}.{extension}"))) {
            found = true;
            hasher.update(extension.as_bytes());
            hasher.update((contents.len() as u64).to_le_bytes());
            hasher.update(&contents);
        }
    }
    found.then(|| {
        hasher.finalize()[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    })
}

/// Adds the static routes to `router`; `linked_name` is what [`linked_bundle_name`] returned.
pub fn routes<S>(mut router: Router<S>, site_root: &Path, linked_name: &str) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let bundle = Arc::new(LinkedBundle {
        prefix: format!("/{linked_name}."),
        fingerprinted: linked_name != BUNDLE_NAME,
    });
    router = router.nest_service(
        "/pkg",
        tower::ServiceBuilder::new()
            .layer(middleware::from_fn_with_state(bundle, serve_bundle_file))
            .service(
                tower_http::services::ServeDir::new(site_root.join("pkg"))
                    .precompressed_gzip()
                    .append_index_html_on_directories(false),
            ),
    );
    for name in root_file_names(site_root) {
        let file = tower_http::services::ServeFile::new(site_root.join(&name));
        router = router.route_service(
            &format!("/{name}"),
            tower::ServiceBuilder::new()
                .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static(REVALIDATE),
                ))
                .service(file),
        );
    }
    router
}

/// Names at the site root that are plain file names in a route (no `{`, `*` or `:`); others
/// stay unserved.
fn root_file_names(site_root: &Path) -> Vec<String> {
    std::fs::read_dir(site_root)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| {
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                && !name.starts_with('.')
                && !name.ends_with(".gz")
        })
        .collect()
}

struct LinkedBundle {
    /// `/trustdesk.<fingerprint>.`: the start of a linked bundle file's path under `/pkg`.
    prefix: String,
    fingerprinted: bool,
}

impl LinkedBundle {
    /// The file on disk a linked name stands for (`/trustdesk.<fingerprint>.js` →
    /// `/trustdesk.js`), or None for any other path.
    fn file_for(&self, path: &str) -> Option<String> {
        let extension = path.strip_prefix(&self.prefix)?;
        BUNDLE_EXTENSIONS
            .contains(&extension)
            .then(|| format!("/{BUNDLE_NAME}.{extension}"))
    }
}

async fn serve_bundle_file(
    State(bundle): State<Arc<LinkedBundle>>,
    mut request: Request,
    next: Next,
) -> Response {
    let linked = bundle
        .fingerprinted
        .then(|| bundle.file_for(request.uri().path()))
        .flatten();
    if let Some(file) = &linked {
        if let Ok(uri) = file.parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    let mut response = next.run(request).await;
    // Only a response that carries the file may be kept for a year; a 404 must not be.
    let cache = if linked.is_some() && response.status() == StatusCode::OK {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_follows_the_contents() {
        let site = tempfile::tempdir().expect("site");
        let pkg = site.path().join("pkg");
        std::fs::create_dir(&pkg).expect("pkg");
        assert_eq!(linked_bundle_name(site.path()), "trustdesk");
        std::fs::write(pkg.join("trustdesk.js"), "one").expect("js");
        let first = linked_bundle_name(site.path());
        assert_eq!(first.len(), "trustdesk.".len() + 16);
        assert_eq!(linked_bundle_name(site.path()), first);
        std::fs::write(pkg.join("trustdesk.js"), "two").expect("js");
        assert_ne!(linked_bundle_name(site.path()), first);
    }

    #[test]
    fn only_linked_names_of_bundle_files_map_to_files() {
        let bundle = LinkedBundle {
            prefix: "/trustdesk.0123456789abcdef.".into(),
            fingerprinted: true,
        };
        assert_eq!(
            bundle
                .file_for("/trustdesk.0123456789abcdef.wasm")
                .as_deref(),
            Some("/trustdesk.wasm")
        );
        assert_eq!(bundle.file_for("/trustdesk.0123456789abcdef.d.ts"), None);
        assert_eq!(bundle.file_for("/trustdesk.ffffffffffffffff.js"), None);
        assert_eq!(bundle.file_for("/trustdesk.js"), None);
    }
}
