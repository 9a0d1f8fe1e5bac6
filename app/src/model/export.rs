//! Where the exports are: a CSV or JSON file of an inventory view (the page's own query string)
//! or of the expiry list ([`super::expiry::ExpiryQuery`]). The server routes and the pages'
//! links both build their paths here, so they cannot drift apart.

use serde::{Deserialize, Serialize};

use super::ResourceKind;

/// The file formats an export comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 2] = [ExportFormat::Csv, ExportFormat::Json];

    /// The file name's extension, which is also the last part of the export's path.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }

    /// The links' text.
    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Csv => "Export CSV",
            ExportFormat::Json => "Export JSON",
        }
    }
}

/// `/<kind's inventory path>/export.<csv|json>`: a path of two segments, which the pages'
/// `/:kinds` route never matches and `/:kinds/new` only for the segment `new`.
pub fn inventory_export_path(kind: ResourceKind, format: ExportFormat) -> String {
    format!("{}/export.{}", kind.path(), format.extension())
}

/// `/expiry/export.<csv|json>`.
pub fn expiry_export_path(format: ExportFormat) -> String {
    format!("/expiry/export.{}", format.extension())
}

/// The Compliance page's CSV: every item that breaks a tag rule, one row per rule and item.
pub const COMPLIANCE_EXPORT_PATH: &str = "/compliance/export.csv";

/// `path?query`, or `path` alone for an empty query.
pub fn with_query(path: String, params: &[String]) -> String {
    if params.is_empty() {
        path
    } else {
        format!("{path}?{}", params.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_paths_stay_clear_of_the_pages() {
        for kind in ResourceKind::ALL {
            for format in ExportFormat::ALL {
                let path = inventory_export_path(kind, format);
                let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
                assert_eq!(segments.len(), 2, "{path}");
                assert_ne!(segments[1], "new", "{path}");
            }
            // The expiry list's and the Compliance page's exports sit under a first segment no
            // inventory has.
            assert_ne!(kind.path(), "/expiry");
            assert!(!COMPLIANCE_EXPORT_PATH.starts_with(&format!("{}/", kind.path())));
        }
        assert_eq!(
            COMPLIANCE_EXPORT_PATH
                .trim_start_matches('/')
                .split('/')
                .collect::<Vec<_>>(),
            ["compliance", "export.csv"]
        );
        assert_eq!(
            inventory_export_path(ResourceKind::ServerCertificate, ExportFormat::Csv),
            "/server-certificates/export.csv"
        );
        assert_eq!(
            expiry_export_path(ExportFormat::Json),
            "/expiry/export.json"
        );
        assert_eq!(with_query("/x".into(), &[]), "/x");
        assert_eq!(
            with_query("/x".into(), &["a=1".into(), "b=2".into()]),
            "/x?a=1&b=2"
        );
    }
}
