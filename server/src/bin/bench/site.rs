//! The site the benchmark serves (the release build's, when it is there) and what a browser
//! downloads for the inventory page: the HTML and the bundle, as sent with gzip.

use std::path::{Path, PathBuf};

/// The built site copied beside the benchmark's data, or the favicon alone when there is none.
pub fn copy(dir: &Path) -> PathBuf {
    let site = dir.join("site");
    let built = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site"));
    std::fs::create_dir_all(site.join("pkg")).expect("site dir");
    if built.join("pkg").is_dir() {
        for entry in std::fs::read_dir(built.join("pkg")).expect("pkg") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), site.join("pkg").join(entry.file_name())).expect("copy");
        }
    }
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../public/favicon.svg"),
        site.join("favicon.svg"),
    )
    .expect("favicon");
    site
}

/// Bytes of `path` as the server sends them to a browser that accepts gzip.
async fn sent_bytes(client: &reqwest::Client, url: &str, path: &str) -> usize {
    let gzip = ("accept-encoding", "gzip");
    let asset = super::running::get(client, &format!("{url}{path}"), gzip).await;
    asset.bytes().await.map(|b| b.len()).unwrap_or(0)
}

/// The `/pkg/…` path in `html` ending with `extension`, if the page links one.
fn linked(html: &str, extension: &str) -> Option<String> {
    html.split('"')
        .find(|part| part.starts_with("/pkg/") && part.ends_with(extension))
        .map(str::to_string)
}

pub async fn print_weight(client: &reqwest::Client, url: &str, html: &str, site: &Path) {
    let (Some(js), Some(css)) = (linked(html, ".js"), linked(html, ".css")) else {
        println!(
            "site: no bundle built (scripts/bench-server builds it): page weight not measured"
        );
        return;
    };
    let wasm = js.trim_end_matches(".js").to_string() + ".wasm";
    let raw_wasm = std::fs::read_dir(site.join("pkg"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".wasm"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0);
    let (js_bytes, css_bytes, wasm_bytes) = (
        sent_bytes(client, url, &js).await,
        sent_bytes(client, url, &css).await,
        sent_bytes(client, url, &wasm).await,
    );
    let kb = |bytes: usize| bytes as f64 / 1024.0;
    println!(
        "wasm bundle: {:.0} KB, {:.0} KB gzipped as sent (goal: at most 250 KB)",
        raw_wasm as f64 / 1024.0,
        kb(wasm_bytes)
    );
    println!(
        "inventory page weight: {:.0} KB (HTML {:.0} KB, wasm {:.0} KB, JavaScript {:.0} KB, CSS {:.0} KB, as sent)",
        kb(html.len() + js_bytes + css_bytes + wasm_bytes),
        kb(html.len()),
        kb(wasm_bytes),
        kb(js_bytes),
        kb(css_bytes)
    );
}
