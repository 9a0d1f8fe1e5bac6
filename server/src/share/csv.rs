//! A share view's CSV: the scope's items, read from SQL in batches and written as they come.

use super::SharePorts;
use app::model::share::SharedItem;
use std::sync::Arc;

const BATCH: i64 = 500;

/// Cells a spreadsheet would run as a formula start with `'` instead.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

fn header(include_tags: bool) -> Vec<&'static str> {
    let mut header = vec![
        "kind",
        "name",
        "id",
        "account",
        "region",
        "status",
        "expires_at",
    ];
    if include_tags {
        header.push("tags");
    }
    header
}

fn record(item: &SharedItem, include_tags: bool) -> Vec<String> {
    let mut cells = vec![
        item.kind.singular().to_string(),
        item.name.clone(),
        item.id.clone(),
        item.account.clone(),
        item.region.clone(),
        item.status.clone(),
        item.expires_at.clone().unwrap_or_default(),
    ];
    if include_tags {
        let tags: Vec<String> = item
            .tags
            .iter()
            .map(|t| format!("{}={}", t.key, t.value))
            .collect();
        cells.push(tags.join("; "));
    }
    cells.iter().map(|c| neutralise(c)).collect()
}

fn write_rows(rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        // Writing to memory fails only on a bug in the csv crate.
        writer.write_record(&row).expect("csv to memory");
    }
    writer.into_inner().unwrap_or_default()
}

/// The CSV as a stream of chunks: the header, then one chunk per batch of items. A read that
/// fails mid-way ends the stream with an error, so the download breaks visibly instead of
/// looking complete.
pub fn stream(
    reader: Arc<dyn SharePorts>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    let include_tags = reader.banner().include_tags;
    let head = write_rows([header(include_tags).into_iter().map(String::from).collect()]);
    futures_util::stream::unfold((Some(head), 0i64, false), move |(head, offset, done)| {
        let reader = reader.clone();
        async move {
            if let Some(head) = head {
                return Some((Ok(head), (None, offset, done)));
            }
            if done {
                return None;
            }
            match reader.batch(offset, BATCH).await {
                Ok(items) if items.is_empty() => None,
                Ok(items) => {
                    let last = (items.len() as i64) < BATCH;
                    let chunk = write_rows(items.iter().map(|i| record(i, include_tags)));
                    Some((Ok(chunk), (None, offset + BATCH, last)))
                }
                Err(error) => Some((
                    Err(std::io::Error::other(error.message)),
                    (None, offset, true),
                )),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_are_neutralised_and_plain_text_kept() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(formula), format!("'{formula}"));
        }
        assert_eq!(neutralise("alice@example.com"), "alice@example.com");
        assert_eq!(neutralise(""), "");
    }
}
