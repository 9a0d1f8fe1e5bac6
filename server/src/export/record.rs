//! One exported item: the inventory's columns, the same for every kind, in CSV and in JSON.

use std::collections::BTreeMap;

use app::model::resource::STATUS_DETAIL;
use serde::Serialize;

use super::ExportOptions;
use crate::store::batches::Listed;

/// An item as an export lists it. The JSON object has these fields in this order; the CSV has
/// the same columns (see [`Record::header`]) with absent values as empty cells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// The kind's slug, e.g. `server-certificate`.
    pub kind: &'static str,
    /// The configured account name, and the AWS account id behind it.
    pub account: String,
    pub account_id: String,
    pub region: String,
    pub id: String,
    pub name: String,
    pub status: String,
    /// What the inventory shows under the status (an MFA device's user, a policy's attachments).
    pub status_detail: Option<String>,
    /// RFC 3339, UTC.
    pub expires_at: Option<String>,
    /// Whole days until expiry as the inventory counts them, negative once expired.
    pub days_left: Option<i64>,
    /// Key to value, sorted by key; left out (the whole field) when the options say so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// When the console last read the item from AWS (RFC 3339, UTC).
    pub last_synced: String,
    /// When the sync found it gone from AWS, if it did.
    pub removed_at: Option<String>,
}

impl Record {
    /// The CSV's first row.
    pub fn header(options: ExportOptions) -> Vec<&'static str> {
        let mut header = vec![
            "kind",
            "account",
            "account_id",
            "region",
            "id",
            "name",
            "status",
            "status_detail",
            "expires_at",
            "days_left",
        ];
        if options.include_tags {
            header.push("tags");
        }
        header.extend(["last_synced", "removed_at"]);
        header
    }

    /// `listed` as of `now`.
    pub fn of(listed: Listed, now: chrono::DateTime<chrono::Utc>, options: ExportOptions) -> Self {
        let removed_at = listed.removed_at;
        let item = crate::time::with_days_left(listed.item, now);
        let status_detail = item
            .fields
            .iter()
            .find(|field| field.label == STATUS_DETAIL)
            .map(|field| field.value.clone());
        let tags = options.include_tags.then(|| {
            item.tags
                .iter()
                .map(|tag| (tag.key.clone(), tag.value.clone()))
                .collect()
        });
        Record {
            kind: item.item.kind.as_str(),
            account: item.item.account,
            account_id: item.account_id,
            region: item.item.region,
            id: item.item.id,
            name: item.name,
            status: item.status,
            status_detail,
            expires_at: item.expires_at,
            days_left: item.expires_in_days,
            tags,
            last_synced: item.last_seen,
            removed_at,
        }
    }

    /// The CSV's cells, before neutralisation, in [`Record::header`]'s order. Tags are one
    /// cell, `key=value; key=value` sorted by key (JSON has them as an object, unambiguous even
    /// where a key or value holds `=` or `; `).
    pub fn csv_cells(&self) -> Vec<String> {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let mut cells = vec![
            self.kind.to_string(),
            self.account.clone(),
            self.account_id.clone(),
            self.region.clone(),
            self.id.clone(),
            self.name.clone(),
            self.status.clone(),
            text(&self.status_detail),
            text(&self.expires_at),
            self.days_left.map(|d| d.to_string()).unwrap_or_default(),
        ];
        if let Some(tags) = &self.tags {
            cells.push(
                tags.iter()
                    .map(|(key, value)| format!("{key}={value}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        cells.push(self.last_synced.clone());
        cells.push(text(&self.removed_at));
        cells
    }
}
