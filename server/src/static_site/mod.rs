//! The compiled site: the bundle under `/pkg` (script, wasm, stylesheet) and the files at the
//! site root (`public/`, e.g. the favicon), served ahead of sessions, CSRF and page rendering,
//! with gzip copies where the build made them. A release binary carries the site it was built
//! with (see `build.rs` and [`embedded`]); `site_dir` serves one from disk instead.
//!
//! Pages link the bundle under a name carrying a fingerprint of its contents
//! (`/pkg/trustdesk.<fingerprint>.js`), so browsers may keep those responses for a year
//! without asking again: an upgraded server links new names and a stale bundle is never met.
//! Every other file carries no fingerprint and is revalidated on each use (a 304 when
//! unchanged).

mod embedded;

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode, Uri},
    middleware::{self, Next},
    response::Response,
    Router,
};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The bundle's base name, as cargo-leptos writes it (`output-name` in Cargo.toml).
pub const BUNDLE_NAME: &str = "trustdesk";

/// Where the site's files come from.
#[derive(Clone)]
pub enum Site {
    /// Read from this directory on each request.
    Directory(PathBuf),
    /// Compiled into the binary.
    Embedded(Arc<embedded::Files>),
}

impl Site {
    /// A configured `site_dir` wins; else the site built into the binary; else (a debug build,
    /// or a release built without a site) the directory cargo-leptos writes.
    pub fn choose(configured: Option<&Path>) -> Self {
        Self::choose_from(configured, embedded::BUILT_IN)
    }

    fn choose_from(configured: Option<&Path>, built_in: &'static [embedded::EmbeddedFile]) -> Self {
        match configured {
            Some(dir) => Self::Directory(dir.to_path_buf()),
            None if !built_in.is_empty() => {
                Self::Embedded(Arc::new(embedded::Files::new(built_in)))
            }
            None => Self::Directory(PathBuf::from(
                option_env!("LEPTOS_SITE_ROOT").unwrap_or("target/site"),
            )),
        }
    }

    /// The name pages use for the bundle: `trustdesk.<fingerprint>` when the bundle is there,
    /// `trustdesk` when it is not (a server without a built site still answers, unstyled).
    pub fn linked_bundle_name(&self) -> String {
        let fingerprint = match self {
            Self::Directory(root) => {
                let pkg = root.join("pkg");
                fingerprint(|name| std::fs::read(pkg.join(name)).ok().map(Cow::Owned))
            }
            Self::Embedded(files) => {
                fingerprint(|name| files.contents(&format!("pkg/{name}")).map(Cow::Borrowed))
            }
        };
        match fingerprint {
            Some(fingerprint) => format!("{BUNDLE_NAME}.{fingerprint}"),
            None => BUNDLE_NAME.to_owned(),
        }
    }

    /// The directory leptos' fallback handler looks files up in. An embedded site has none: a
    /// path under a device file is never a directory, so the lookup finds nothing (an empty
    /// string would be the working directory).
    pub fn fallback_root(&self) -> String {
        match self {
            Self::Directory(root) => root.display().to_string(),
            Self::Embedded(_) => "/dev/null/embedded-site".to_owned(),
        }
    }

    /// For the start-up log line.
    pub fn describe(&self) -> String {
        match self {
            Self::Directory(root) => format!("from the directory {}", root.display()),
            Self::Embedded(files) => format!("built into the binary ({} files)", files.count()),
        }
    }
}

/// The bundle files whose contents make the fingerprint: what a page links.
const BUNDLE_EXTENSIONS: [&str; 3] = ["js", "wasm", "css"];

const REVALIDATE: &str = "public, no-cache";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The first 16 hex digits of a SHA-256 over the bundle files `read` finds, or None when it
/// finds none.
fn fingerprint(read: impl Fn(&str) -> Option<Cow<'static, [u8]>>) -> Option<String> {
    let mut hasher = Sha256::new();
    let mut found = false;
    for extension in BUNDLE_EXTENSIONS {
        if let Some(contents) = read(&format!("{BUNDLE_NAME}.{extension}")) {
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

/// Adds the static routes to `router`; `linked_name` is what [`Site::linked_bundle_name`]
/// returned.
pub fn routes<S>(mut router: Router<S>, site: &Site, linked_name: &str) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let bundle = Arc::new(LinkedBundle {
        prefix: format!("/{linked_name}."),
        fingerprinted: linked_name != BUNDLE_NAME,
    });
    let bundle_layer = middleware::from_fn_with_state(bundle, serve_bundle_file);
    let revalidated = || {
        tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(REVALIDATE),
        )
    };
    match site {
        Site::Directory(site_root) => {
            router = router.nest_service(
                "/pkg",
                tower::ServiceBuilder::new().layer(bundle_layer).service(
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
                        .layer(revalidated())
                        .service(file),
                );
            }
        }
        Site::Embedded(files) => {
            router = router.nest_service(
                "/pkg",
                tower::ServiceBuilder::new()
                    .layer(bundle_layer)
                    .service(files.clone().service_under("pkg")),
            );
            for path in files
                .paths_outside("pkg")
                .filter(|path| is_route_path(path))
            {
                router = router.route_service(
                    &format!("/{path}"),
                    tower::ServiceBuilder::new()
                        .layer(revalidated())
                        .service(files.clone().service_of(path)),
                );
            }
        }
    }
    router
}

/// A path a route may name literally (no `{`, `*` or `:`), and not a gzip copy.
fn is_route_path(path: &str) -> bool {
    path.split('/').all(|segment| {
        !segment.is_empty()
            && !segment.starts_with('.')
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    }) && !path.ends_with(".gz")
}

/// Names at the site root that are plain file names in a route; others stay unserved.
fn root_file_names(site_root: &Path) -> Vec<String> {
    std::fs::read_dir(site_root)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| is_route_path(name))
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
        let site_dir = Site::Directory(site.path().to_path_buf());
        assert_eq!(site_dir.linked_bundle_name(), "trustdesk");
        std::fs::write(pkg.join("trustdesk.js"), "one").expect("js");
        let first = site_dir.linked_bundle_name();
        assert_eq!(first.len(), "trustdesk.".len() + 16);
        assert_eq!(site_dir.linked_bundle_name(), first);
        std::fs::write(pkg.join("trustdesk.js"), "two").expect("js");
        assert_ne!(site_dir.linked_bundle_name(), first);
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
