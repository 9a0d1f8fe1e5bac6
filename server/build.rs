//! Embeds the compiled site (what cargo-leptos writes to `target/site`: the wasm, script,
//! stylesheet, their gzip copies and `public/`) into release builds, so that deploying is
//! copying one binary. Debug builds embed nothing and read the site from disk: they stay fast
//! to link, and a rebuilt site does not recompile the server.
//!
//! `TRUSTDESK_EMBED_SITE=1` (or `0`) overrides the choice made from the profile. A release
//! build without a site on disk embeds nothing and says so; that binary serves `site_dir`.

use std::{
    env,
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
    time::UNIX_EPOCH,
};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=TRUSTDESK_EMBED_SITE");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let embed = match env::var("TRUSTDESK_EMBED_SITE").as_deref() {
        Ok("1" | "true") => true,
        Ok("0" | "false") => false,
        _ => env::var("PROFILE").as_deref() == Ok("release"),
    };
    let files = if embed { site_files() } else { Vec::new() };
    let mut code = String::from("&[\n");
    for (path, file, modified) in &files {
        writeln!(
            code,
            "    EmbeddedFile {{ path: {path:?}, modified: {modified}, contents: include_bytes!({file:?}) }},"
        )
        .expect("writing to a String");
    }
    code.push(']');
    fs::write(out_dir.join("embedded_site.rs"), code).expect("writing embedded_site.rs");
}

/// Every file under the site root: (path in the site with `/`, absolute file, mtime seconds).
fn site_files() -> Vec<(String, String, u64)> {
    println!("cargo:rerun-if-env-changed=LEPTOS_SITE_ROOT");
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    // cargo-leptos passes the site root relative to the workspace, one level above this crate.
    let site_root = env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    let root = manifest_dir.join("..").join(site_root);
    if !root.is_dir() {
        println!(
            "cargo:warning=no site at {}: this binary embeds none and serves `site_dir`",
            root.display()
        );
        return Vec::new();
    }
    // A directory: cargo reruns this script when anything under it changes.
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, "", &mut files);
    files.sort();
    files
}

fn collect(dir: &Path, prefix: &str, files: &mut Vec<(String, String, u64)>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            println!(
                "cargo:warning=skipped a file name that is not UTF-8 in {}",
                dir.display()
            );
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let file_type = entry.file_type().expect("file type");
        if file_type.is_dir() {
            collect(&path, &format!("{prefix}{name}/"), files);
        } else if file_type.is_file() {
            let modified = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            let absolute = fs::canonicalize(&path).expect("canonical path");
            let Some(absolute) = absolute.to_str() else {
                println!("cargo:warning=skipped {}: not a UTF-8 path", path.display());
                continue;
            };
            files.push((format!("{prefix}{name}"), absolute.to_owned(), modified));
        }
    }
}
