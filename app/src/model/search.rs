//! The search across every kind: what is asked (the header's search box, `/search?q=`) and the
//! one list of results it answers, grouped by kind.

use super::{AppError, AwsItem, FieldError, ResourceKind};
use serde::{Deserialize, Serialize};

/// The longest search text accepted: longer is refused with a message, never cut silently.
pub const SEARCH_MAX_CHARS: usize = 200;
/// The full-text index finds fragments of this many characters or more (it indexes every three
/// characters); shorter words only narrow what longer ones found.
pub const SEARCH_MIN_WORD: usize = 3;
/// Items shown per kind; the rest are a link to the kind's inventory with the same search.
pub const SEARCH_SHOWN_PER_KIND: usize = 10;
/// More matches than this and the results say so instead of counting on: a search that matches
/// most of the cache (`arn`) is not a search anyone reads to the end.
pub const SEARCH_MATCH_LIMIT: usize = 2_000;

/// The words of a search: what the index looks up (words of [`SEARCH_MIN_WORD`] characters or
/// more) and the shorter ones, which every result must contain as well. Lower-cased, since the
/// cache's search text is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchWords {
    pub indexed: Vec<String>,
    pub short: Vec<String>,
}

impl SearchWords {
    /// The words of `text`, or the message that says why it cannot be searched.
    pub fn parse(text: &str) -> Result<Self, AppError> {
        if text.chars().count() > SEARCH_MAX_CHARS {
            return Err(refused(format!(
                "Search: at most {SEARCH_MAX_CHARS} characters."
            )));
        }
        if text.chars().any(char::is_control) {
            return Err(refused(
                "Search: control characters (tabs, line breaks) cannot be searched for.".into(),
            ));
        }
        let mut words = SearchWords::default();
        for word in text.split_whitespace().map(str::to_lowercase) {
            if word.chars().count() >= SEARCH_MIN_WORD {
                words.indexed.push(word);
            } else {
                words.short.push(word);
            }
        }
        Ok(words)
    }

    /// True when nothing in the text can be looked up in the index.
    pub fn too_short(&self) -> bool {
        self.indexed.is_empty()
    }
}

fn refused(message: String) -> AppError {
    AppError::validation(vec![FieldError {
        field: "q".into(),
        message,
    }])
}

/// One kind's matches: how many, and the first few, soonest expiry first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchGroup {
    pub kind: ResourceKind,
    pub total: u64,
    pub items: Vec<AwsItem>,
}

/// What a search answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SearchResults {
    pub q: String,
    /// The kinds with matches, in the order of the navigation.
    pub groups: Vec<SearchGroup>,
    /// The text had no word of [`SEARCH_MIN_WORD`] characters.
    pub too_short: bool,
    /// More than [`SEARCH_MATCH_LIMIT`] items matched: the counts are of the first ones.
    pub limited: bool,
}

impl SearchResults {
    pub fn total(&self) -> u64 {
        self.groups.iter().map(|group| group.total).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_into_indexed_and_short_ones_lower_cased() {
        let words = SearchWords::parse("  Api-GW  eu 7 prod ").unwrap();
        assert_eq!(words.indexed, ["api-gw", "prod"]);
        assert_eq!(words.short, ["eu", "7"]);
        assert!(!words.too_short());
        assert!(SearchWords::parse("db 1").unwrap().too_short());
        assert!(SearchWords::parse("").unwrap().too_short());
    }

    #[test]
    fn long_text_and_control_characters_are_refused_by_field() {
        let long = "a".repeat(SEARCH_MAX_CHARS + 1);
        for text in [long.as_str(), "api\tgw", "a\u{0}bc"] {
            let error = SearchWords::parse(text).unwrap_err();
            assert_eq!(error.fields[0].field, "q", "{text:?}");
        }
        assert!(SearchWords::parse(&"a".repeat(SEARCH_MAX_CHARS)).is_ok());
    }
}
