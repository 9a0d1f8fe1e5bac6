//! SAML 2.0 metadata as IAM reads it: the document must be metadata XML (an `EntityDescriptor`
//! or `EntitiesDescriptor` in the SAML metadata namespace), and its `validUntil` becomes the
//! provider's ValidUntil.

use chrono::{DateTime, NaiveDateTime, Utc};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

const METADATA_NAMESPACE: &[u8] = b"urn:oasis:names:tc:SAML:2.0:metadata";

#[derive(Debug, PartialEq, Eq)]
pub struct Metadata {
    pub entity_id: Option<String>,
    pub valid_until: Option<DateTime<Utc>>,
}

pub fn parse_metadata(document: &str) -> Result<Metadata, String> {
    let mut reader = NsReader::from_str(document);
    let mut metadata: Option<Metadata> = None;
    loop {
        match reader.read_resolved_event() {
            Err(e) => return Err(format!("the document is not well-formed XML ({e})")),
            Ok((_, Event::Eof)) => break,
            Ok((namespace, Event::Start(element) | Event::Empty(element)))
                if metadata.is_none() =>
            {
                let local = element.local_name();
                let local = local.as_ref();
                let in_namespace = matches!(namespace, ResolveResult::Bound(ns) if ns.as_ref() == METADATA_NAMESPACE);
                if !in_namespace
                    || !(local == b"EntityDescriptor" || local == b"EntitiesDescriptor")
                {
                    return Err("the root element must be a SAML 2.0 metadata EntityDescriptor or EntitiesDescriptor".to_string());
                }
                let mut found = Metadata {
                    entity_id: None,
                    valid_until: None,
                };
                for attribute in element.attributes() {
                    let attribute = attribute.map_err(|e| format!("malformed attribute ({e})"))?;
                    let value = attribute
                        .unescape_value()
                        .map_err(|e| format!("malformed attribute ({e})"))?;
                    match attribute.key.local_name().as_ref() {
                        b"entityID" => found.entity_id = Some(value.into_owned()),
                        b"validUntil" => found.valid_until = Some(parse_xs_datetime(&value)?),
                        _ => {}
                    }
                }
                metadata = Some(found);
            }
            Ok(_) => {}
        }
    }
    metadata.ok_or_else(|| "the document has no root element".to_string())
}

/// xs:dateTime, with or without a zone (none means UTC, as IAM reads it).
fn parse_xs_datetime(value: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc())
        })
        .map_err(|_| format!("validUntil '{value}' is not an xs:dateTime"))
}

/// Metadata for a demo or test IdP, valid until the given time.
pub fn sample_metadata(entity_id: &str, valid_until: DateTime<Utc>) -> String {
    // A real IdP signs its metadata and lists its signing certificate; the key material below is
    // illustrative padding that keeps the document at the size IAM requires (1,000+ characters).
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}" validUntil="{}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>MIIDBzCCAe+gAwIBAgIJAKkLFhRYMd6xMA0GCSqGSIb3DQEBCwUAMBoxGDAWBgNVBAMMD2lkcC5leGFtcGxlLmNvbTAeFw0yNjAxMDEwMDAwMDBaFw0yNzAxMDEwMDAwMDBaMBoxGDAWBgNVBAMMD2lkcC5leGFtcGxlLmNvbTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAL1c</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{entity_id}/sso/saml"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{entity_id}/sso/saml"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"#,
        valid_until.format("%Y-%m-%dT%H:%M:%SZ")
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn reads_valid_until_from_real_shaped_metadata() {
        let until = Utc.with_ymd_and_hms(2027, 5, 1, 12, 0, 0).unwrap();
        let metadata = parse_metadata(&sample_metadata("https://idp.example.com", until)).unwrap();
        assert_eq!(metadata.valid_until, Some(until));
        assert_eq!(
            metadata.entity_id.as_deref(),
            Some("https://idp.example.com")
        );
    }

    #[test]
    fn missing_valid_until_is_none_and_zone_less_dates_are_utc() {
        let doc =
            r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>"#;
        assert_eq!(parse_metadata(doc).unwrap().valid_until, None);
        let doc = r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" validUntil="2030-01-01T00:00:00"/>"#;
        assert_eq!(
            parse_metadata(doc).unwrap().valid_until,
            Some(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap())
        );
    }

    #[test]
    fn rejects_other_documents() {
        assert!(parse_metadata("not xml at all <").is_err());
        assert!(parse_metadata("<html><body/></html>").is_err());
        assert!(
            parse_metadata(r#"<EntityDescriptor validUntil="2030-01-01T00:00:00Z"/>"#).is_err()
        );
        assert!(parse_metadata(
            r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" validUntil="soon"/>"#
        )
        .is_err());
        assert!(parse_metadata(r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><unclosed></EntityDescriptor>"#).is_err());
    }
}
