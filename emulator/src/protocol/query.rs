//! The AWS query protocol (IAM, STS) and its EC2 dialect: form-encoded parameters in, XML out.
//!
//! Lists arrive flattened into numbered keys: IAM writes `Tags.member.1.Key`, EC2 writes
//! `Tag.1.Key`. `Params::indices` finds the numbers under a prefix for either.

use std::collections::{BTreeMap, HashMap};

use axum::response::Response;
use http::StatusCode;

use super::respond;
use super::xml::Xml;
use crate::error::ApiError;

#[derive(Debug, Default, Clone)]
pub struct Params {
    map: HashMap<String, String>,
}

impl Params {
    pub fn parse(body: &[u8], uri_query: Option<&str>) -> Self {
        let mut map = HashMap::new();
        for source in [uri_query.unwrap_or_default().as_bytes(), body] {
            for (key, value) in url::form_urlencoded::parse(source) {
                map.insert(key.into_owned(), value.into_owned());
            }
        }
        Self { map }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    pub fn action(&self) -> Option<&str> {
        self.get("Action")
    }

    /// The list positions present under `prefix`, in order: for `Tags.member` and keys
    /// `Tags.member.2.Key`, `Tags.member.1.Key` this is `[1, 2]`.
    pub fn indices(&self, prefix: &str) -> Vec<u32> {
        let mut found: Vec<u32> = self
            .map
            .keys()
            .filter_map(|key| key.strip_prefix(prefix)?.strip_prefix('.'))
            .filter_map(|rest| rest.split('.').next()?.parse().ok())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    pub fn string_list(&self, prefix: &str) -> Vec<String> {
        self.indices(prefix)
            .into_iter()
            .filter_map(|i| self.get(&format!("{prefix}.{i}")).map(str::to_string))
            .collect()
    }

    pub fn contains_prefix(&self, prefix: &str) -> bool {
        self.map
            .keys()
            .any(|key| key == prefix || key.starts_with(&format!("{prefix}.")))
    }

    /// Every parameter except the named ones, in a canonical order: what an idempotency token
    /// is compared against.
    pub fn fingerprint(&self, exclude: &[&str]) -> String {
        let sorted: BTreeMap<&String, &String> = self
            .map
            .iter()
            .filter(|(key, _)| !exclude.contains(&key.as_str()))
            .collect();
        sorted
            .into_iter()
            .map(|(key, value)| format!("{key}={value}\n"))
            .collect()
    }
}

pub const IAM_NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
pub const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
pub const EC2_NAMESPACE: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

const XML: &str = "text/xml";

/// `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…` as IAM and STS answer;
/// operations without output have no `Result` element.
pub fn response(action: &str, namespace: &str, request_id: &str, result: Option<Xml>) -> Response {
    let mut x = Xml::new();
    x.el_ns(&format!("{action}Response"), namespace, |x| {
        if let Some(result) = result {
            x.el(&format!("{action}Result"), |x| {
                x.raw(result);
            });
        }
        x.el("ResponseMetadata", |x| {
            x.text("RequestId", request_id);
        });
    });
    respond(StatusCode::OK, XML, request_id, x.finish())
}

pub fn error_response(namespace: &str, error: &ApiError, request_id: &str) -> Response {
    let mut x = Xml::new();
    x.el_ns("ErrorResponse", namespace, |x| {
        x.el("Error", |x| {
            x.text(
                "Type",
                if error.is_sender() {
                    "Sender"
                } else {
                    "Receiver"
                },
            )
            .text("Code", &error.code)
            .text("Message", &error.message);
        })
        .text("RequestId", request_id);
    });
    respond(error.status, XML, request_id, x.finish())
}

/// EC2 puts the request id first and the output members directly under the root.
pub fn ec2_response(action: &str, request_id: &str, body: Xml) -> Response {
    let mut x = Xml::new();
    x.el_ns(&format!("{action}Response"), EC2_NAMESPACE, |x| {
        x.text("requestId", request_id).raw(body);
    });
    respond(StatusCode::OK, XML, request_id, x.finish())
}

pub fn ec2_error_response(error: &ApiError, request_id: &str) -> Response {
    let mut x = Xml::new();
    x.el("Response", |x| {
        x.el("Errors", |x| {
            x.el("Error", |x| {
                x.text("Code", &error.code).text("Message", &error.message);
            });
        })
        .text("RequestID", request_id);
    });
    respond(error.status, XML, request_id, x.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_list_positions_in_order() {
        let params = Params::parse(
            b"Action=TagPolicy&Tags.member.2.Key=b&Tags.member.1.Key=a&Tags.member.10.Key=c&Tags.member.1.Value=x",
            None,
        );
        assert_eq!(params.indices("Tags.member"), vec![1, 2, 10]);
        assert_eq!(params.get("Tags.member.1.Value"), Some("x"));
    }

    #[test]
    fn fingerprint_ignores_excluded_keys_and_order() {
        let a = Params::parse(b"A=1&B=2&ClientToken=t", None);
        let b = Params::parse(b"B=2&A=1&ClientToken=u", None);
        assert_eq!(
            a.fingerprint(&["ClientToken"]),
            b.fingerprint(&["ClientToken"])
        );
        assert_ne!(a.fingerprint(&[]), b.fingerprint(&[]));
    }
}
