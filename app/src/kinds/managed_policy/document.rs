//! A managed policy's document as IAM reads an identity policy: its length, nesting and size
//! measured in one pass before the JSON is parsed, then its grammar (Effect, Action, Resource, no
//! Principal), each problem a sentence for the form's field.

#[cfg(feature = "ssr")]
use super::{DOCUMENT_MAX, POLICY_VERSIONS};

/// CreatePolicy's `PolicyDocument` parameter, whitespace included: longer is refused before
/// anything else is looked at, so a pasted or crafted megabyte costs nothing to turn away.
pub const DOCUMENT_INPUT_MAX: usize = 131_072;
/// How deep arrays and objects may nest. A policy needs 6 levels at most (the document,
/// `Statement`, a statement, `Condition`, an operator, a key's values); IAM refuses anything
/// deeper, and refusing it here keeps the parse's recursion shallow.
pub const DOCUMENT_DEPTH_MAX: usize = 8;
/// The most problems said about one document: the first ones are what to fix first.
#[cfg(feature = "ssr")]
const PROBLEMS_MAX: usize = 5;

/// One pass over the raw document, stopping at the first limit it breaks: its length (at most
/// [`DOCUMENT_INPUT_MAX`] characters) and its nesting (at most [`DOCUMENT_DEPTH_MAX`]). Answers
/// its characters without whitespace, which IAM limits to [`DOCUMENT_MAX`]. With these bounds
/// the JSON parse that follows reads at most 6,144 significant characters, hence at most ~3,000
/// values and ~130 statements (one takes 45 characters at least), 8 levels deep.
#[cfg(feature = "ssr")]
fn measure(document: &str) -> Result<usize, String> {
    let too_long = || {
        format!(
            "The document is longer than {DOCUMENT_INPUT_MAX} characters, the most IAM takes (and {DOCUMENT_MAX} without whitespace for a managed policy)."
        )
    };
    // A character is at most 4 bytes: longer than this is too long without counting.
    if document.len() > 4 * DOCUMENT_INPUT_MAX {
        return Err(too_long());
    }
    let (mut depth, mut significant) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for (n, c) in document.chars().enumerate() {
        if n == DOCUMENT_INPUT_MAX {
            return Err(too_long());
        }
        if !c.is_whitespace() {
            significant += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => {
                depth += 1;
                if depth > DOCUMENT_DEPTH_MAX {
                    return Err(format!(
                        "The document nests arrays and objects deeper than {DOCUMENT_DEPTH_MAX} levels; a policy needs 6 at most (Statement, a statement, Condition, an operator, a key's values)."
                    ));
                }
            }
            '}' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(significant)
}

/// A policy document's problems, each a sentence, at most five: what IAM refuses with
/// MalformedPolicyDocument, found before it is called. JSON within [`measure`]'s limits, an
/// object with a `Version` IAM knows and a `Statement` (an object or a non-empty array of
/// them), at most 6,144 characters without whitespace, and each statement as IAM's grammar has
/// it for an identity policy (see [`statement_problems`]).
#[cfg(feature = "ssr")]
pub fn document_problems(document: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if document.trim().is_empty() {
        return vec!["The policy document is required.".into()];
    }
    let counted = match measure(document) {
        Ok(counted) => counted,
        Err(problem) => return vec![problem],
    };
    if counted > DOCUMENT_MAX {
        return vec![format!(
            "The document has {counted} characters without whitespace; a managed policy allows at most {DOCUMENT_MAX}."
        )];
    }
    let value: serde_json::Value = match serde_json::from_str(document) {
        Ok(value) => value,
        Err(error) => {
            problems.push(format!(
                "The document is not valid JSON: {error} (line {}, column {}).",
                error.line(),
                error.column()
            ));
            return problems;
        }
    };
    let Some(object) = value.as_object() else {
        problems.push("The document must be a JSON object ({ … }).".into());
        return problems;
    };
    match object.get("Version").map(|v| v.as_str()) {
        None => problems.push(format!(
            "The document needs a \"Version\": \"{}\".",
            POLICY_VERSIONS[0]
        )),
        Some(Some(version)) if POLICY_VERSIONS.contains(&version) => {}
        Some(_) => problems.push(format!(
            "\"Version\" must be \"{}\" or \"{}\" (the policy language's version, not yours).",
            POLICY_VERSIONS[0], POLICY_VERSIONS[1]
        )),
    }
    let statements: &[serde_json::Value] = match object.get("Statement") {
        None => {
            problems.push("The document needs a \"Statement\".".into());
            &[]
        }
        Some(one @ serde_json::Value::Object(_)) => std::slice::from_ref(one),
        Some(serde_json::Value::Array(statements)) if !statements.is_empty() => statements,
        Some(serde_json::Value::Array(_)) => {
            problems.push("\"Statement\" must hold at least one statement.".into());
            &[]
        }
        Some(_) => {
            problems.push(
                "\"Statement\" must be a statement object or an array of statements.".into(),
            );
            &[]
        }
    };
    if statements.iter().any(|s| !s.is_object()) {
        problems.push("Each statement must be a JSON object.".into());
    }
    let numbered = statements.len() > 1;
    for (n, statement) in statements.iter().enumerate() {
        if let Some(statement) = statement.as_object() {
            problems.extend(statement_problems(statement, numbered.then_some(n + 1)));
        }
    }
    if problems.len() > PROBLEMS_MAX {
        let more = problems.len() - (PROBLEMS_MAX - 1);
        problems.truncate(PROBLEMS_MAX - 1);
        problems.push(format!("…and {more} more problems like these."));
    }
    problems
}

/// What IAM refuses in one statement of an identity policy (a managed policy is attached to
/// users, groups and roles, which are its principals): no `Principal` or `NotPrincipal`, an
/// `Effect` of exactly `Allow` or `Deny` (the case matters), an `Action` or `NotAction`, and a
/// `Resource` or `NotResource`. `number` is the statement's place when there are several.
#[cfg(feature = "ssr")]
fn statement_problems(
    statement: &serde_json::Map<String, serde_json::Value>,
    number: Option<usize>,
) -> Vec<String> {
    let name = match (number, statement.get("Sid").and_then(|sid| sid.as_str())) {
        (_, Some(sid)) if !sid.is_empty() => format!("Statement \"{sid}\""),
        (Some(n), _) => format!("Statement {n}"),
        (None, _) => "The statement".to_string(),
    };
    let has = |key: &str| statement.contains_key(key);
    let mut problems = Vec::new();
    for principal in ["Principal", "NotPrincipal"] {
        if has(principal) {
            problems.push(format!(
                "{name} has a \"{principal}\": a managed policy applies to the users, groups and roles it is attached to, so it names no principal (that belongs in a resource policy or a role's trust policy). Remove it."
            ));
        }
    }
    match statement.get("Effect") {
        None => problems.push(format!(
            "{name} needs an \"Effect\": \"Allow\" or \"Deny\"."
        )),
        Some(serde_json::Value::String(effect)) if effect == "Allow" || effect == "Deny" => {}
        Some(other) => problems.push(format!(
            "{name} has \"Effect\": {other}; it must be \"Allow\" or \"Deny\", spelled so."
        )),
    }
    if !has("Action") && !has("NotAction") {
        problems.push(format!(
            "{name} needs an \"Action\" (or \"NotAction\"), e.g. \"s3:GetObject\"."
        ));
    }
    if !has("Resource") && !has("NotResource") {
        problems.push(format!(
            "{name} needs a \"Resource\" (or \"NotResource\"): the ARNs it covers, or \"*\"."
        ));
    }
    problems
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    const DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

    #[test]
    fn documents_are_checked_before_they_are_sent() {
        assert!(document_problems(DOCUMENT).is_empty());
        assert!(document_problems(
            r#"{"Version":"2008-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#
        )
        .is_empty());
        let one = |doc: &str| {
            let problems = document_problems(doc);
            assert_eq!(problems.len(), 1, "{doc}: {problems:?}");
            problems[0].clone()
        };
        assert!(one("").contains("required"));
        assert!(one("[1]").contains("JSON object"));
        const STATEMENT: &str = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#;
        assert!(one(&format!(r#"{{"Statement":[{STATEMENT}]}}"#)).contains("Version"));
        assert!(
            one(&format!(r#"{{"Version":"2024-01-01","Statement":[{STATEMENT}]}}"#))
                .contains("2012-10-17")
        );
        assert!(one(r#"{"Version":"2012-10-17"}"#).contains("needs a \"Statement\""));
        assert!(one(r#"{"Version":"2012-10-17","Statement":[]}"#).contains("at least one"));
        assert!(one(r#"{"Version":"2012-10-17","Statement":"x"}"#).contains("statement object"));
        // 6,144 characters without whitespace pass; whitespace is not counted; one more fails.
        let padded = |n: usize, space: &str| {
            let base = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/"#;
            let tail = r#""}]}"#;
            let fill = n - base.len() - tail.len();
            format!("{base}{}{space}{tail}", "x".repeat(fill))
        };
        assert!(document_problems(&padded(DOCUMENT_MAX, &" ".repeat(500))).is_empty());
        assert!(one(&padded(DOCUMENT_MAX + 1, "")).contains("6144"));
        // Several problems are each reported.
        assert_eq!(document_problems(r#"{"Version":"1"}"#).len(), 2);
    }

    /// What IAM refuses with MalformedPolicyDocument in an identity policy is refused here,
    /// naming the statement: a principal, an effect other than Allow or Deny, no action, no
    /// resource.
    #[test]
    fn statements_follow_iam_grammar_for_identity_policies() {
        let problems = |statements: &str| {
            document_problems(&format!(
                r#"{{"Version":"2012-10-17","Statement":{statements}}}"#
            ))
        };
        let one = |statements: &str| {
            let found = problems(statements);
            assert_eq!(found.len(), 1, "{statements}: {found:?}");
            found[0].clone()
        };
        // The alternatives IAM accepts.
        assert!(problems(r#"{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:s3:::b"}"#).is_empty());
        assert!(problems(r#"[{"Sid":"A","Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"],"Condition":{"StringEquals":{"aws:ResourceTag/Team":["a","b"]}}}]"#).is_empty());

        let principal = one(r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}"#);
        assert!(principal.contains("\"Principal\""), "{principal}");
        assert!(one(r#"{"Effect":"Deny","NotPrincipal":"*","Action":"s3:*","Resource":"*"}"#)
            .contains("\"NotPrincipal\""));
        assert!(one(r#"{"Effect":"Allow","Action":"s3:*"}"#).contains("needs a \"Resource\""));
        assert!(one(r#"{"Effect":"Allow","Resource":"*"}"#).contains("needs an \"Action\""));
        assert!(one(r#"{"Action":"s3:*","Resource":"*"}"#).contains("needs an \"Effect\""));
        for effect in [r#""allow""#, r#""Permit""#, "true", r#"["Allow"]"#] {
            let said = one(&format!(
                r#"{{"Effect":{effect},"Action":"s3:*","Resource":"*"}}"#
            ));
            assert!(said.contains("\"Allow\" or \"Deny\""), "{effect}: {said}");
        }
        // Each statement is named, by its Sid where it has one.
        let named = problems(
            r#"[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":"s3:*"},{"Sid":"Logs","Effect":"Allow","Resource":"*"}]"#,
        );
        assert_eq!(named.len(), 2, "{named:?}");
        assert!(named[0].starts_with("Statement 2 "), "{named:?}");
        assert!(named[1].starts_with("Statement \"Logs\" "), "{named:?}");
        // At most five sentences, the last saying how many more.
        let many = problems(&format!("[{}]", ["{}"; 10].join(",")));
        assert_eq!(many.len(), 5, "{many:?}");
        assert!(many[4].contains("26 more"), "{many:?}");
    }

    /// Nesting, length and size are measured in one pass before the JSON is parsed, and each
    /// refusal is one sentence on the document field, whatever the input.
    #[test]
    fn crafted_documents_are_refused_before_they_are_parsed() {
        let head = r#"{"Version":"2012-10-17","Statement":"#;
        let nested = |depth: usize| {
            format!("{head}{}{}}}", "[".repeat(depth), "]".repeat(depth))
        };
        // The document is level 1: 7 more are still within the limit (IAM then refuses the
        // grammar, which is a different sentence).
        assert!(!document_problems(&nested(DOCUMENT_DEPTH_MAX - 1))[0].contains("nests"));
        for document in [
            nested(DOCUMENT_DEPTH_MAX),
            nested(3_000),
            nested(60_000),
            format!("{head}{}", "[".repeat(10_000_000)),
        ] {
            let problems = document_problems(&document);
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].contains("deeper than 8 levels")
                    || problems[0].contains("longer than 131072"),
                "{problems:?}"
            );
        }
        // Through the form's own check too, on the document's field.
        let error = super::super::check_managed_policy(&super::super::NewManagedPolicy {
            target: "prod/global".into(),
            name: "deep".into(),
            document: nested(100_000),
            ..Default::default()
        })
        .unwrap_err();
        assert!(error.field("document").unwrap().contains("deeper than 8 levels"));
        // Whitespace is not significant but is read: 131,072 characters at most, then refused.
        let padded = format!("{DOCUMENT}{}", " ".repeat(DOCUMENT_INPUT_MAX));
        assert!(document_problems(&padded)[0].contains("longer than 131072"));
        let huge = format!("{DOCUMENT}{}", "x".repeat(40 << 20));
        assert!(document_problems(&huge)[0].contains("longer than 131072"));
    }
}
