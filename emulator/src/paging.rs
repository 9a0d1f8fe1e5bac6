//! Paging as AWS does it: a page of at most `max` items and an opaque token to continue after
//! the last one. The token names the last key returned, so items added or removed between pages
//! neither repeat nor vanish.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

#[derive(Debug, PartialEq, Eq)]
pub struct InvalidToken;

pub struct Page<T> {
    pub items: Vec<T>,
    /// Set when more items follow.
    pub next: Option<String>,
}

/// `items` must be sorted by `key`.
pub fn page<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    token: Option<&str>,
    max: usize,
) -> Result<Page<T>, InvalidToken> {
    let after = match token {
        Some(token) => Some(decode(token)?),
        None => None,
    };
    let mut remaining = items
        .into_iter()
        .filter(|item| after.as_ref().is_none_or(|after| key(item) > *after))
        .peekable();
    let mut page_items = Vec::new();
    while page_items.len() < max {
        match remaining.next() {
            Some(item) => page_items.push(item),
            None => break,
        }
    }
    let next = match (remaining.peek(), page_items.last()) {
        (Some(_), Some(last)) => Some(encode(&key(last))),
        _ => None,
    };
    Ok(Page {
        items: page_items,
        next,
    })
}

fn encode(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{key}"))
}

fn decode(token: &str) -> Result<String, InvalidToken> {
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| InvalidToken)?;
    let text = String::from_utf8(bytes).map_err(|_| InvalidToken)?;
    text.strip_prefix("v1:")
        .map(str::to_string)
        .ok_or(InvalidToken)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("k{i:03}")).collect()
    }

    #[test]
    fn walks_every_item_once_in_pages_of_the_size_asked() {
        let mut seen = Vec::new();
        let mut token = None;
        let mut pages = 0;
        loop {
            let page = page(keys(25), Clone::clone, token.as_deref(), 10).unwrap();
            assert!(page.items.len() <= 10);
            seen.extend(page.items);
            pages += 1;
            match page.next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, keys(25));
    }

    #[test]
    fn no_token_when_the_page_is_exactly_the_rest() {
        let page = page(keys(10), Clone::clone, None, 10).unwrap();
        assert_eq!(page.items.len(), 10);
        assert!(page.next.is_none());
    }

    #[test]
    fn rejects_forged_tokens() {
        assert!(page(keys(3), Clone::clone, Some("not-a-token"), 10).is_err());
    }
}
