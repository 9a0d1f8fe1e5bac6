//! IAM SAML providers. An item's id is the provider's name, as in its ARN
//! (`arn:aws:iam::ACCOUNT:saml-provider/NAME`), which is rebuilt from the account's id. The
//! metadata document is checked here to be SAML 2.0 IdP metadata before it is sent.

use app::kinds::saml_provider::{
    check_metadata_change, check_saml_provider, MetadataChange, NewSamlProvider,
};
use app::model::{AppError, AwsItem, FieldError, ResourceKind, GLOBAL_REGION};
use app::ports::KindRequest;
use aws_sdk_iam::operation::get_saml_provider::GetSamlProviderOutput;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use serde_json::json;

use super::error::{answered, failure, output_of, request_id, AwsFailure};
use super::iam::{create_tags, iam_item_calls, model_tags, Arns};
use super::kind::{form_of, item_of, read_each, target, At, Done, KindAdapter, Plan, Planner};
use super::{date, field};

const KIND: ResourceKind = ResourceKind::SamlProvider;
/// An item's id, the provider's name, is what follows this in its ARN.
const ARNS: Arns = Arns(":saml-provider/");
const METADATA_NAMESPACE: &[u8] = b"urn:oasis:names:tc:SAML:2.0:metadata";

iam_item_calls!(SamlProviders (KIND): saml_provider_arn = |at: &At, name| ARNS.of(&at.scope, name),
    get_saml_provider "iam:GetSAMLProvider" => |read, name, at| Some(item(name, &read, at)),
    delete_saml_provider "iam:DeleteSAMLProvider",
    tag_saml_provider "iam:TagSAMLProvider", untag_saml_provider "iam:UntagSAMLProvider");

/// What the console shows of a metadata document.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MetadataSummary {
    pub entity_id: Option<String>,
    /// The IdP's SingleSignOnService locations.
    pub sign_in_urls: Vec<String>,
}

/// The line of a byte offset, for messages.
fn line_at(document: &str, offset: u64) -> usize {
    let offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(document.len());
    document.as_bytes()[..offset]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// How deep elements may nest: IdP metadata is a handful of levels deep; a document nested
/// thousands deep is built to make a namespace-aware reader work quadratically.
const MAX_DEPTH: usize = 64;
/// How many elements a document may have (an aggregate of IdPs within IAM's 10,000,000
/// characters has far fewer).
const MAX_ELEMENTS: usize = 250_000;
/// How many attributes one element may carry (real ones carry a few).
const MAX_ATTRIBUTES: usize = 64;
/// How many namespace declarations may be in scope at once: each element's prefix is looked up
/// among them.
const MAX_NAMESPACES_IN_SCOPE: usize = 128;
/// How many distinct sign-in URLs the summary keeps.
const MAX_SIGN_IN_URLS: usize = 100;

/// Reads SAML 2.0 metadata as IAM needs it: well-formed XML with one root element, an
/// `EntityDescriptor` or `EntitiesDescriptor` in `urn:oasis:names:tc:SAML:2.0:metadata`, that
/// describes an identity provider (an `IDPSSODescriptor`). Errors say what is wrong, and where.
pub fn read_metadata(document: &str) -> Result<MetadataSummary, String> {
    let mut reader = NsReader::from_str(document);
    let mut depth = 0usize;
    let mut roots = 0usize;
    let mut idp_depth: Option<usize> = None;
    let mut has_idp = false;
    let mut summary = MetadataSummary::default();
    let mut elements = 0usize;
    // Namespace declarations of each open element, and how many are in scope.
    let mut declared: Vec<usize> = Vec::new();
    let mut in_scope = 0usize;
    loop {
        let position = reader.buffer_position();
        // Checked before the reader resolves the next element's namespace.
        if depth >= MAX_DEPTH {
            return Err(format!(
                "The metadata nests elements {MAX_DEPTH} levels deep or more (line {}); SAML metadata is a few levels deep.",
                line_at(document, position)
            ));
        }
        let event = reader.read_resolved_event().map_err(|e| {
            format!(
                "The metadata is not well-formed XML (line {}: {e}).",
                line_at(document, position)
            )
        })?;
        match event {
            (namespace, event @ (Event::Start(_) | Event::Empty(_))) => {
                let empty = matches!(event, Event::Empty(_));
                let (Event::Start(element) | Event::Empty(element)) = event else {
                    unreachable!("matched above")
                };
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(format!(
                        "The metadata has more than {MAX_ELEMENTS} elements; that is no identity provider's metadata."
                    ));
                }
                let (attributes, declarations) = count_attributes(&element);
                if attributes > MAX_ATTRIBUTES {
                    return Err(format!(
                        "An element on line {} has {attributes} attributes; trustdesk reads at most {MAX_ATTRIBUTES}.",
                        line_at(document, position)
                    ));
                }
                if in_scope + declarations > MAX_NAMESPACES_IN_SCOPE {
                    return Err(format!(
                        "The metadata declares more than {MAX_NAMESPACES_IN_SCOPE} XML namespaces at once (line {}).",
                        line_at(document, position)
                    ));
                }
                if !empty {
                    declared.push(declarations);
                    in_scope += declarations;
                }
                let in_md = matches!(namespace, ResolveResult::Bound(ns) if ns.as_ref() == METADATA_NAMESPACE);
                let local = element.local_name();
                let local = local.as_ref();
                if depth == 0 {
                    roots += 1;
                    if roots > 1 {
                        return Err(format!(
                            "The metadata has a second root element on line {}; a metadata document has one.",
                            line_at(document, position)
                        ));
                    }
                    let described = String::from_utf8_lossy(element.name().as_ref()).into_owned();
                    if !(local == b"EntityDescriptor" || local == b"EntitiesDescriptor") {
                        return Err(format!(
                            "The root element is <{described}>; SAML metadata begins with an EntityDescriptor (or EntitiesDescriptor)."
                        ));
                    }
                    if !in_md {
                        return Err(format!(
                            "The root <{described}> is not in the SAML 2.0 metadata namespace (xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\"); is this SAML 1.x or WS-Federation metadata?"
                        ));
                    }
                }
                if in_md && local == b"EntityDescriptor" && summary.entity_id.is_none() {
                    summary.entity_id = attribute(&element, b"entityID")?;
                }
                if in_md && local == b"IDPSSODescriptor" {
                    has_idp = true;
                    if !empty {
                        idp_depth = Some(depth);
                    }
                }
                if in_md && local == b"SingleSignOnService" && idp_depth.is_some() {
                    if let Some(location) = attribute(&element, b"Location")? {
                        if summary.sign_in_urls.len() < MAX_SIGN_IN_URLS
                            && !summary.sign_in_urls.contains(&location)
                        {
                            summary.sign_in_urls.push(location);
                        }
                    }
                }
                if !empty {
                    depth += 1;
                }
            }
            (_, Event::End(_)) => {
                depth = depth.saturating_sub(1);
                in_scope -= declared.pop().unwrap_or(0);
                if idp_depth == Some(depth) {
                    idp_depth = None;
                }
            }
            (_, Event::Text(text))
                if depth == 0 && text.iter().any(|b| !b.is_ascii_whitespace()) =>
            {
                return Err(format!(
                    "The metadata has text outside its root element (line {}).",
                    line_at(document, position)
                ));
            }
            (_, Event::DocType(_)) => {
                return Err("The metadata has a DOCTYPE declaration; SAML metadata has none, and trustdesk does not read one.".into());
            }
            (_, Event::Eof) => break,
            _ => {}
        }
    }
    if roots == 0 {
        return Err("The metadata has no XML element: paste the whole metadata document.".into());
    }
    if depth > 0 {
        return Err(
            "The metadata ends before its elements are closed: is the document cut short?".into(),
        );
    }
    if !has_idp {
        return Err("The metadata describes no identity provider: it has no IDPSSODescriptor (service-provider metadata cannot be used here).".into());
    }
    Ok(summary)
}

/// An element's attributes, and how many of them declare a namespace, counted without the
/// duplicate check (quadratic in the count) that reading them does.
fn count_attributes(element: &quick_xml::events::BytesStart<'_>) -> (usize, usize) {
    let mut attributes = 0;
    let mut declarations = 0;
    for attribute in element.attributes().with_checks(false).flatten() {
        attributes += 1;
        let key = attribute.key.as_ref();
        if key == b"xmlns" || key.starts_with(b"xmlns:") {
            declarations += 1;
        }
    }
    (attributes, declarations)
}

fn attribute(
    element: &quick_xml::events::BytesStart<'_>,
    name: &[u8],
) -> Result<Option<String>, String> {
    for attribute in element.attributes() {
        let attribute =
            attribute.map_err(|e| format!("The metadata has a malformed attribute ({e})."))?;
        if attribute.key.local_name().as_ref() == name {
            let value = attribute
                .unescape_value()
                .map_err(|e| format!("The metadata has a malformed attribute ({e})."))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// The form's XML rule (the shared validator checks the length first).
fn is_metadata(document: &str) -> Result<(), String> {
    read_metadata(document).map(|_| ())
}

fn item(name: &str, provider: &GetSamlProviderOutput, at: &At) -> AwsItem {
    let summary = provider
        .saml_metadata_document()
        .and_then(|document| read_metadata(document).ok())
        .unwrap_or_default();
    let valid_until = provider.valid_until().and_then(date);
    let status = at.expiry_status(valid_until.as_deref());
    let fields = [
        field("ARN", Some(&ARNS.of(&at.scope, name))),
        field("Entity ID", summary.entity_id.as_deref()),
        field("Sign-in URLs", Some(&summary.sign_in_urls.join(", "))),
        field("Valid until", valid_until.as_deref()),
        field("Created", provider.create_date().and_then(date).as_deref()),
        field("UUID", provider.saml_provider_uuid()),
    ];
    let tags = model_tags(provider.tags());
    AwsItem {
        expires_at: valid_until,
        ..at.aws_item(KIND, name, name.into(), status.into(), tags, fields)
    }
}

/// AWS's refusals of a create, said with what to do.
fn create_refusal(failure: AwsFailure, name: &str, account: &str) -> AwsFailure {
    if failure.code != "EntityAlreadyExists" && failure.code != "LimitExceeded" {
        return metadata_refusal(failure);
    }
    failure
        .conflict_when("EntityAlreadyExists", || format!(
            "{account} already has a SAML provider named {name} (EntityAlreadyExists): choose another name, or open that provider and replace its metadata."
        ))
        .conflict_when("LimitExceeded", || format!(
            "{account} has as many SAML providers as IAM allows (LimitExceeded): delete one it no longer uses, or ask AWS for a higher quota."
        ))
}

/// IAM's own refusal of a metadata document goes on the metadata field.
fn metadata_refusal(mut failure: AwsFailure) -> AwsFailure {
    if failure.code == "InvalidInput" || failure.code == "MalformedInput" {
        failure.error = AppError::validation(vec![FieldError {
            field: "metadata".into(),
            message: format!(
                "IAM could not use this metadata ({}): check that it is the IdP's complete SAML 2.0 metadata. {}",
                failure.code, failure.error.message
            ),
        }]);
    }
    failure
}

/// The adapter of [`ResourceKind::SamlProvider`].
pub struct SamlProviders;

impl SamlProviders {
    fn plan_create(request: &KindRequest) -> Result<Plan, AppError> {
        let form = form_of::<NewSamlProvider>(request)?;
        let provider = check_saml_provider(&form, is_metadata)?;
        let characters = provider.metadata.chars().count();
        let params = json!({ "name": provider.name, "metadata_characters": characters, "entity_id": entity_id(&provider.metadata), "tags": provider.tags });
        let target = target(KIND, &provider.account, GLOBAL_REGION, &provider.name);
        let run = |at: At| async move {
            let name = provider.name;
            let call = at.iam().await.create_saml_provider().name(&name);
            let call = call.saml_metadata_document(provider.metadata);
            let sent = call.set_tags(create_tags(&provider.tags)?).send().await;
            let output = output_of(sent, "iam:CreateSAMLProvider", &at.scope)
                .map_err(|refused| create_refusal(refused, &name, &at.scope.account))?;
            let name = output
                .saml_provider_arn()
                .map_or(name.as_str(), |arn| ARNS.id(arn));
            let cache = at.fresh(KIND, name).await?;
            Ok(Done::created(
                request_id(&output),
                cache,
                "SAML provider created.",
            ))
        };
        Ok(Plan::new("saml-provider.create", target, params, run))
    }

    fn plan_metadata(request: &KindRequest) -> Result<Plan, AppError> {
        let target = item_of(request)?;
        let metadata = check_metadata_change(&form_of::<MetadataChange>(request)?, is_metadata)?;
        let params = json!({ "metadata_characters": metadata.chars().count(), "entity_id": entity_id(&metadata) });
        let send = |at: At, name: String| async move {
            let sent = at
                .iam()
                .await
                .update_saml_provider()
                .saml_provider_arn(ARNS.of(&at.scope, &name))
                .saml_metadata_document(metadata)
                .send()
                .await;
            answered(sent, "iam:UpdateSAMLProvider", &at.scope).map_err(metadata_refusal)
        };
        let flash = |fresh: Option<&AwsItem>| match fresh.and_then(|f| f.expires_at.as_ref()) {
            Some(until) => format!("Metadata replaced; the provider is valid until {until}."),
            None => "Metadata replaced; it has no validUntil.".into(),
        };
        Ok(Plan::change(
            "saml-provider.metadata",
            target,
            params,
            send,
            flash,
        ))
    }
}

/// The document is public metadata, but large: the audit keeps its size and entity id.
fn entity_id(metadata: &str) -> String {
    read_metadata(metadata)
        .ok()
        .and_then(|summary| summary.entity_id)
        .unwrap_or_default()
}

#[async_trait::async_trait]
impl KindAdapter for SamlProviders {
    /// ListSAMLProviders (one answer, no pages) gives each provider's ARN, CreateDate and
    /// ValidUntil but not its tags or metadata: one GetSAMLProvider per provider reads those
    /// (its answer carries the tags, so no ListSAMLProviderTags is needed).
    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let listed = at.iam().await.list_saml_providers().send().await;
        let listed = listed.map_err(|e| failure(e, "iam:ListSAMLProviders", &at.scope))?;
        let arns = listed.saml_provider_list().iter().map(|p| p.arn());
        read_each(at, self, ARNS.ids(arns)).await
    }

    fn actions(&self) -> &'static [(&'static str, Planner)] {
        &[
            ("create", Self::plan_create),
            ("metadata", Self::plan_metadata),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDP: &str = r#"<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#;

    fn refused(code: &str) -> AwsFailure {
        let said = AppError::new(app::model::ErrorKind::Validation, "AWS said: no.");
        AwsFailure::refused_as(code, said)
    }

    /// `IDP` with `inner` inside its IDPSSODescriptor.
    fn idp_holding(inner: &str) -> String {
        IDP.replace(
            "  </md:IDPSSODescriptor>",
            &format!("{inner}\n  </md:IDPSSODescriptor>"),
        )
    }

    #[test]
    fn documents_built_to_cost_are_refused_before_they_are_read_through() {
        assert!(read_metadata(IDP).is_ok());
        let nested = 160_000;
        let deep = idp_holding(&format!(
            "{}{}",
            "<md:Extensions>".repeat(nested),
            "</md:Extensions>".repeat(nested)
        ));
        let refusal = read_metadata(&deep).unwrap_err();
        assert!(refusal.contains("64 levels deep"), "{refusal}");

        let doctype = format!(
            "<!DOCTYPE md [<!ENTITY a \"aaaa\">]>{}",
            IDP.trim_start_matches(r#"<?xml version="1.0"?>"#)
        );
        assert!(read_metadata(&doctype).unwrap_err().contains("DOCTYPE"));

        let flat = idp_holding(&"<md:Extensions/>".repeat(MAX_ELEMENTS + 1));
        assert!(read_metadata(&flat)
            .unwrap_err()
            .contains("more than 250000 elements"));

        let declarations: String = (0..200)
            .map(|i| format!(" xmlns:n{i}=\"urn:n{i}\""))
            .collect();
        let spread = idp_holding(&format!("<md:Extensions{declarations}/>"));
        let refusal = read_metadata(&spread).unwrap_err();
        assert!(refusal.contains("attributes"), "{refusal}");
        let nested_declarations: String = (0..40)
            .map(|i| format!("<md:Extensions xmlns:a{i}=\"urn:a\" xmlns:b{i}=\"urn:b\" xmlns:c{i}=\"urn:c\" xmlns:d{i}=\"urn:d\">"))
            .collect();
        let stacked = idp_holding(&format!(
            "{nested_declarations}{}",
            "</md:Extensions>".repeat(40)
        ));
        let refusal = read_metadata(&stacked).unwrap_err();
        assert!(refusal.contains("namespaces at once"), "{refusal}");
    }

    #[test]
    fn refusals_say_what_to_do() {
        let taken = create_refusal(refused("EntityAlreadyExists"), "Okta", "prod");
        assert!(
            taken.error.message.contains("choose another name"),
            "{}",
            taken.error.message
        );
        assert_eq!(
            taken.request_id, "r-1",
            "the request id stays for the audit"
        );
        let bad = create_refusal(refused("InvalidInput"), "Okta", "prod");
        assert!(bad
            .error
            .field("metadata")
            .unwrap()
            .contains("AWS said: no."));
        let other = create_refusal(refused("Throttling"), "Okta", "prod");
        assert_eq!(other.error.message, "AWS said: no.");
    }

    #[test]
    fn reads_idp_metadata() {
        let summary = read_metadata(IDP).unwrap();
        assert_eq!(
            summary.entity_id.as_deref(),
            Some("https://idp.example.com/saml")
        );
        assert_eq!(
            summary.sign_in_urls,
            vec!["https://idp.example.com/sso".to_string()]
        );
        let default_ns = r#"<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><EntityDescriptor entityID="a"><IDPSSODescriptor/></EntityDescriptor></EntitiesDescriptor>"#;
        assert_eq!(
            read_metadata(default_ns).unwrap().entity_id.as_deref(),
            Some("a")
        );
    }

    #[test]
    fn says_what_is_wrong() {
        let cases = [
            ("", "no XML element"),
            ("<html><body/></html>", "root element is <html>"),
            (
                r#"<EntityDescriptor entityID="x"><IDPSSODescriptor/></EntityDescriptor>"#,
                "not in the SAML 2.0 metadata namespace",
            ),
            (
                r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:SPSSODescriptor/></md:EntityDescriptor>"#,
                "no IDPSSODescriptor",
            ),
            (
                r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">
<md:IDPSSODescriptor></md:SPSSODescriptor></md:EntityDescriptor>"#,
                "not well-formed XML (line 2",
            ),
            (
                r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:IDPSSODescriptor>"#,
                "cut short",
            ),
            (
                r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:IDPSSODescriptor/></md:EntityDescriptor><x/>"#,
                "second root",
            ),
            (
                r#"oops <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>"#,
                "text outside",
            ),
        ];
        for (document, expected) in cases {
            let error = read_metadata(document).unwrap_err();
            assert!(error.contains(expected), "{document:?}: {error}");
        }
    }
}
