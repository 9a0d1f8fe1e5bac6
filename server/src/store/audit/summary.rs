//! A row's parameters in a few words for the audit list ("set Team=web", "remove Owner",
//! "name=ci, url=https://…"): the JSON stays one click away on the row's page.

use serde_json::Value;

/// Longer summaries end in "…".
const MAX_CHARS: usize = 120;

/// The parameters' summary; empty when there are none.
pub fn summarise(params: &str) -> String {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(params) else {
        return String::new();
    };
    let mut parts: Vec<String> = Vec::new();
    // A tag change reads as what it did, the set before the removed.
    if let Some(Value::Array(tags)) = map.get("set") {
        parts.push(format!(
            "set {}",
            tags.iter().map(tag).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(Value::Array(keys)) = map.get("remove") {
        parts.push(format!(
            "remove {}",
            keys.iter().map(scalar).collect::<Vec<_>>().join(", ")
        ));
    }
    for (key, value) in &map {
        match (key.as_str(), value) {
            ("set" | "remove", Value::Array(_)) | (_, Value::Null) => {}
            (_, Value::String(text)) if text.is_empty() => {}
            (_, Value::Array(values)) if values.is_empty() => {}
            (key, value) => parts.push(format!("{key}={}", scalar(value))),
        }
    }
    shorten(parts.join("; "))
}

/// A tag as `Key=Value`, whatever its JSON spelling (`key`/`value` or AWS's `Key`/`Value`).
fn tag(value: &Value) -> String {
    let field = |names: [&str; 2]| {
        names
            .iter()
            .find_map(|name| value.get(name))
            .map(scalar)
            .unwrap_or_default()
    };
    match value {
        Value::Object(_) => format!("{}={}", field(["key", "Key"]), field(["value", "Value"])),
        other => scalar(other),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(values) => format!(
            "[{}]",
            values.iter().map(scalar).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Object(_) => "{…}".into(),
        other => other.to_string(),
    }
}

fn shorten(text: String) -> String {
    if text.chars().count() <= MAX_CHARS {
        return text;
    }
    let mut short: String = text.chars().take(MAX_CHARS - 1).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::summarise;

    #[test]
    fn tag_changes_read_as_what_they_did() {
        assert_eq!(
            summarise(r#"{"set":[{"key":"Team","value":"web"}]}"#),
            "set Team=web"
        );
        assert_eq!(
            summarise(r#"{"remove":["Owner","Team"]}"#),
            "remove Owner, Team"
        );
        assert_eq!(
            summarise(r#"{"set":[{"Key":"A","Value":"1"}],"remove":["B"]}"#),
            "set A=1; remove B"
        );
    }

    #[test]
    fn other_parameters_read_as_pairs_without_the_empty_ones() {
        assert_eq!(
            summarise(
                r#"{"name":"ci","path":"","client_ids":["sts.amazonaws.com"],"n":3,"x":null}"#
            ),
            "client_ids=[sts.amazonaws.com]; n=3; name=ci"
        );
        assert_eq!(summarise(r#"{"options":{"a":1}}"#), "options={…}");
        assert_eq!(summarise("{}"), "");
        assert_eq!(summarise("not json"), "");
    }

    #[test]
    fn long_summaries_are_cut_with_an_ellipsis() {
        let long = format!(r#"{{"policy":"{}"}}"#, "x".repeat(500));
        let summary = summarise(&long);
        assert_eq!(summary.chars().count(), 120);
        assert!(summary.ends_with('…'));
    }
}
