//! An inventory view: its filter, sort and page as carried in its URL, and the page of items
//! it answers with.

use super::resource::encode_segment;
use super::{AwsItem, ResourceKind};
use serde::{Deserialize, Serialize};

/// The filter, sort and page of an inventory view, as carried in its URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryQuery {
    /// Free text matched against id, name and tag values.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub status: String,
    /// `Key=Value`, or `Key` alone for any value.
    #[serde(default)]
    pub tag: String,
    /// An expiry window: `expired`, `7d`, `30d` or `90d` (not yet expired, due within that
    /// many days), `none` (no expiry), or empty for all.
    #[serde(default)]
    pub expires: String,
    /// `expiry` (default), `-expiry`, `name`, `-name`, `account`, `region`, `status`.
    #[serde(default)]
    pub sort: String,
    #[serde(default, deserialize_with = "number")]
    pub page: u32,
    /// Items a page shows: one of [`PAGE_SIZES`]; anything else (0 when the URL has none) is
    /// [`INVENTORY_PAGE_SIZE`].
    #[serde(default, deserialize_with = "number")]
    pub size: u32,
    /// Items AWS no longer lists instead of those it does.
    #[serde(default, deserialize_with = "flag")]
    pub removed: bool,
}

impl InventoryQuery {
    /// The query of an inventory's URL, each field as `get` reads it: the first page unless it
    /// names another; `removed` set as a flag is (`1`, `true`, `on`).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |key: &str| get(key).unwrap_or_default();
        InventoryQuery {
            q: text("q"),
            account: text("account"),
            region: text("region"),
            status: text("status"),
            tag: text("tag"),
            expires: text("expires"),
            sort: text("sort"),
            page: get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
            size: get("size").and_then(|p| p.parse().ok()).unwrap_or(0),
            removed: get("removed").is_some_and(|v| is_on(&v)),
        }
    }

    /// The filter alone: the same items, in no particular order, not paged.
    pub fn filter(&self) -> Self {
        InventoryQuery {
            sort: String::new(),
            page: 0,
            size: 0,
            ..self.clone()
        }
    }

    /// The filters of free text, each by its name in the URL.
    pub fn text_filters(&self) -> [(&'static str, &str); 5] {
        [
            ("q", &self.q),
            ("account", &self.account),
            ("region", &self.region),
            ("status", &self.status),
            ("tag", &self.tag),
        ]
    }

    /// The query string's pairs of what is set (the page aside), for links that keep the view.
    pub fn url_params(&self) -> Vec<String> {
        let mut params = query_params(self.text_filters());
        params.extend(query_params([
            ("expires", self.expires.as_str()),
            ("sort", &self.sort),
        ]));
        if self.removed {
            params.push("removed=1".into());
        }
        if self.page_size() != INVENTORY_PAGE_SIZE {
            params.push(format!("size={}", self.page_size()));
        }
        params
    }

    /// The free text's words, as the cache's search text is matched: lower-cased, each once,
    /// at most [`QUERY_WORDS`] of the first [`QUERY_TEXT_CHARS`] characters (what a form could
    /// send; a crafted URL's longer text costs no more).
    pub fn words(&self) -> Vec<String> {
        let text: String = self.q.chars().take(QUERY_TEXT_CHARS).collect();
        let mut words: Vec<String> = Vec::new();
        for word in text.split_whitespace().map(str::to_lowercase) {
            if !words.contains(&word) && words.len() < QUERY_WORDS {
                words.push(word);
            }
        }
        words
    }

    /// Refuses free text longer than a person types, naming the field.
    pub fn check_text(&self) -> Result<(), super::AppError> {
        if self.q.chars().count() > QUERY_TEXT_CHARS {
            return Err(super::AppError::validation(vec![super::FieldError {
                field: "q".into(),
                message: format!("Search: at most {QUERY_TEXT_CHARS} characters."),
            }]));
        }
        Ok(())
    }

    /// How many items a page of this view shows.
    pub fn page_size(&self) -> usize {
        let size = self.size as usize;
        if PAGE_SIZES.contains(&size) {
            size
        } else {
            INVENTORY_PAGE_SIZE
        }
    }
}

/// A URL's query pairs `name=value` of the fields given a value, the values percent-encoded.
pub fn query_params<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    fields
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", encode_segment(value)))
        .collect()
}

/// A page number: a JSON number, or the text of a URL's or a form's field.
fn number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Number(u32),
        Text(String),
    }
    match Number::deserialize(deserializer)? {
        Number::Number(n) => Ok(n),
        Number::Text(text) => text.parse().map_err(serde::de::Error::custom),
    }
}

fn is_on(text: &str) -> bool {
    matches!(text, "1" | "true" | "on")
}

/// A URL flag: `1`, `true` or `on` (a checkbox) set it; absent or anything else leaves it off.
/// A JSON `true` (a query stored as JSON, e.g. a share link's filter) sets it too.
fn flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match <Option<Flag>>::deserialize(deserializer)? {
        Some(Flag::Bool(on)) => on,
        Some(Flag::Text(text)) => is_on(&text),
        None => false,
    })
}

pub const INVENTORY_PAGE_SIZE: usize = 25;
/// An inventory's free text: the characters and the words it is matched by.
pub const QUERY_TEXT_CHARS: usize = 200;
pub const QUERY_WORDS: usize = 8;
/// The page sizes an inventory offers.
pub const PAGE_SIZES: [usize; 4] = [INVENTORY_PAGE_SIZE, 50, 100, 200];

/// The expiry windows an inventory can be filtered by: URL value, label, and the window's end
/// in days from now (`None` for the two that are not windows ahead).
/// Days from now: from, and (unless open-ended) until.
pub type DayRange = (i64, Option<i64>);

/// The inventory's expiry filters: `(value in the URL, label, days from now: from, until)`.
/// `expired` and `none` are answered by their own conditions.
pub const EXPIRY_WINDOWS: [(&str, &str, Option<DayRange>); 8] = [
    ("expired", "Expired", None),
    ("7d", "Within 7 days", Some((0, Some(7)))),
    ("30d", "Within 30 days", Some((0, Some(30)))),
    ("90d", "Within 90 days", Some((0, Some(90)))),
    ("8-30d", "In 8 to 30 days", Some((7, Some(30)))),
    ("31-90d", "In 31 to 90 days", Some((30, Some(90)))),
    ("later", "Later than 90 days", Some((90, None))),
    ("none", "No expiry", None),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryPage {
    pub kind: ResourceKind,
    pub items: Vec<AwsItem>,
    /// Items matching the filter, over all pages.
    pub total: usize,
    pub page: u32,
    pub pages: u32,
    /// Values to offer in the filter selects.
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub statuses: Vec<String>,
    /// The oldest refresh among the account/region pairs shown (RFC 3339), if any.
    pub refreshed_at: Option<String>,
    /// The account/region pairs shown whose newest sync failed, each with AWS's sentence.
    #[serde(default)]
    pub failed_scopes: Vec<String>,
    /// The page lists items AWS no longer has (the "removed in AWS" filter).
    #[serde(default)]
    pub removed: bool,
}

/// What a refresh found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshReport {
    pub items: usize,
    /// One sentence per account/region that could not be read.
    pub failures: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_is_a_few_distinct_words_whatever_was_sent() {
        let query = InventoryQuery {
            q: "  Api api GW ".into(),
            ..Default::default()
        };
        assert_eq!(query.words(), ["api", "gw"]);
        let many = InventoryQuery {
            q: (0..50)
                .map(|n| format!("w{n}"))
                .collect::<Vec<_>>()
                .join(" "),
            ..Default::default()
        };
        assert_eq!(many.words().len(), QUERY_WORDS);
        let long = InventoryQuery {
            q: "x".repeat(QUERY_TEXT_CHARS + 1),
            ..Default::default()
        };
        assert_eq!(long.words()[0].len(), QUERY_TEXT_CHARS);
        assert_eq!(long.check_text().unwrap_err().fields[0].field, "q");
        assert!(many.check_text().is_ok());
    }

    #[test]
    fn links_keep_the_filter() {
        let query = InventoryQuery {
            q: "a b".into(),
            tag: "Owner=x@y".into(),
            page: 3,
            ..Default::default()
        };
        assert_eq!(query.url_params(), ["q=a%20b", "tag=Owner%3Dx%40y"]);
        let removed = InventoryQuery {
            sort: "name".into(),
            removed: true,
            ..query
        };
        assert_eq!(removed.filter().url_params().last().unwrap(), "removed=1");
        assert_eq!(removed.url_params()[2], "sort=name");
    }
}
