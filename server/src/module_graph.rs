//! The server's modules depend on each other in one direction. This test reads the sources,
//! collects the `crate::` paths each module names (in `use` lines and in code, comments left
//! out), and fails on a cycle; a module and its own ancestors or descendants are one family, not
//! a cycle. It also keeps `Console` and `RequestConsole` implemented under `console/` alone, and
//! each kind of AWS item named in its own modules alone (so that adding one is its own files and
//! one line in each registry).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every module file under `src/` (the binaries left out), by module path (`console::inventory`).
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable source dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                if path != src.join("bin") {
                    dirs.push(path);
                }
                continue;
            }
            let Ok(relative) = path.strip_prefix(src) else {
                continue;
            };
            let relative = relative.to_string_lossy();
            let Some(stem) = relative.strip_suffix(".rs") else {
                continue;
            };
            if stem == "lib" || stem == "main" {
                continue;
            }
            let name = stem.strip_suffix("/mod").unwrap_or(stem).replace('/', "::");
            found.insert(name, path);
        }
    }
    found
}

/// The code without `//` comments (doc comments name modules in prose).
fn without_comments(code: &str) -> String {
    code.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn path_at(code: &str) -> (String, &str) {
    let end = code
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(code.len());
    let path = code[..end].trim_end_matches(':').to_string();
    (path, &code[end..])
}

/// Every `crate::…` path named in `code`, groups (`crate::a::{b, c::d}`) expanded one level.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let (base, after) = path_at(rest);
        let group = if base.is_empty() {
            rest.strip_prefix('{')
        } else {
            after
                .strip_prefix('{')
                .or_else(|| rest[base.len()..].strip_prefix("::{"))
        };
        if let Some(group) = group {
            let close = group.find('}').unwrap_or(group.len());
            for item in group[..close].split(',') {
                let (item, _) = path_at(item.trim());
                if !item.is_empty() && item != "self" {
                    paths.insert(if base.is_empty() {
                        item
                    } else {
                        format!("{base}::{item}")
                    });
                }
            }
        }
        if !base.is_empty() {
            paths.insert(base);
        }
    }
    paths
}

/// The module a path lives in: its longest prefix that is a module.
fn owner<'a>(path: &str, modules: &'a BTreeMap<String, PathBuf>) -> Option<&'a String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len()).rev().find_map(|n| {
        modules
            .get_key_value(&parts[..n].join("::"))
            .map(|(k, _)| k)
    })
}

fn related(a: &str, b: &str) -> bool {
    a == b || a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"))
}

fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules(src);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, file) in &modules {
        let code = without_comments(&std::fs::read_to_string(file).expect("readable"));
        for path in crate_paths(&code) {
            if let Some(target) = owner(&path, &modules) {
                if !related(module, target) {
                    edges
                        .entry(module.clone())
                        .or_default()
                        .insert(target.clone());
                }
            }
        }
    }
    edges
}

/// One cycle, as the modules along it, if there is any.
fn a_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn modules_depend_on_each_other_in_one_direction() {
    let edges = graph(&source_dir());
    assert!(edges.len() > 20, "the sources were read: {edges:?}");
    if let Some(cycle) = a_cycle(&edges) {
        panic!("an import cycle: {}", cycle.join(" → "));
    }
}

#[test]
fn the_console_is_implemented_in_console_alone() {
    for (module, file) in modules(&source_dir()) {
        if module == "console" || module.starts_with("console::") || module == "module_graph" {
            continue;
        }
        let code = std::fs::read_to_string(&file).expect("readable");
        for line in code.lines() {
            let line = line.trim_start();
            assert!(
                !(line.starts_with("impl")
                    && (line.contains(" Console ") || line.contains("RequestConsole"))),
                "{module} implements the console: {line}"
            );
        }
    }
}

/// The code of `file` before its tests (a file's test module comes last).
fn before_tests(file: &Path) -> String {
    let code = std::fs::read_to_string(file).expect("readable");
    let end = code.find("#[cfg(test)]").unwrap_or(code.len());
    without_comments(&code[..end])
}

/// The kinds `code` names as `ResourceKind::Variant`.
fn kinds_named(code: &str) -> BTreeSet<String> {
    app::model::ResourceKind::ALL
        .into_iter()
        .map(|kind| format!("ResourceKind::{kind:?}"))
        .filter(|variant| {
            code.match_indices(variant.as_str()).any(|(at, _)| {
                !code[at + variant.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
            })
        })
        .collect()
}

/// Every file of the product that is not a test, the registries and the binaries left out.
fn product_files() -> Vec<PathBuf> {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src");
    let registries = [app.join("kinds/mod.rs")];
    let mut files: Vec<PathBuf> = modules(&source_dir()).into_values().collect();
    files.extend(modules(&app).into_values());
    files.retain(|file| {
        !registries.contains(file)
            && !file.ends_with("tests.rs")
            && !file.components().any(|part| part.as_os_str() == "tests")
    });
    files
}

#[test]
fn a_kind_is_named_in_its_own_modules_alone() {
    let files = product_files();
    assert!(files.len() > 150, "the sources were read: {}", files.len());
    let mut named_somewhere = BTreeSet::new();
    for file in files {
        let kinds = kinds_named(&before_tests(&file));
        assert!(
            kinds.len() <= 1,
            "{} names several kinds ({kinds:?}): what differs per kind belongs in the kind's \
             adapter (server/src/aws/) or module (app/src/kinds/)",
            file.display()
        );
        named_somewhere.extend(kinds);
    }
    // Each kind's own modules do name it: the check reads what it should.
    assert_eq!(named_somewhere.len(), app::model::ResourceKind::ALL.len());
}

#[test]
fn the_checker_sees_paths_groups_and_cycles() {
    assert_eq!(
        kinds_named("match k { ResourceKind::MfaDevice => 1, ResourceKind::ManagedPolicy => 2 }"),
        ["ResourceKind::ManagedPolicy", "ResourceKind::MfaDevice"]
            .into_iter()
            .map(String::from)
            .collect()
    );
    assert!(kinds_named("ResourceKind::MfaDevices").is_empty());
    let paths =
        crate_paths("use crate::{a::b, c};\nlet x = crate::d::e(); use crate::f::{g, h::i};");
    let expected: BTreeSet<String> = ["a::b", "c", "d::e", "f", "f::g", "f::h::i"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(paths, expected);
    let edges: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), ["b".to_string()].into()),
        ("b".to_string(), ["a".to_string()].into()),
    ]
    .into();
    assert!(a_cycle(&edges).is_some());
    assert!(related("console", "console::inventory"));
    assert!(!related("console", "consoles"));
}
