//! IAM OpenID Connect providers. An item's id is the provider's URL without `https://`, as in its
//! ARN (`arn:aws:iam::ACCOUNT:oidc-provider/ID`), which is rebuilt from the account's id.

use app::kinds::oidc_provider::{
    check_client_id_change, check_oidc_provider, check_thumbprints_change, ClientIdChange,
    NewOidcProvider, ThumbprintsChange,
};
use app::model::{AppError, AwsItem, FieldError, ResourceKind, GLOBAL_REGION};
use app::ports::KindRequest;
use aws_sdk_iam::operation::get_open_id_connect_provider::GetOpenIdConnectProviderOutput;
use serde_json::json;

use super::error::{answered, failure, output_of, request_id, AwsFailure};
use super::iam::{create_tags, iam_item_calls, model_tags, Arns};
use super::kind::{form_of, item_of, read_each, target, At, Done, KindAdapter, Plan, Planner};
use super::{date, field};

const KIND: ResourceKind = ResourceKind::OidcProvider;
/// An item's id is what follows this in its ARN.
const ARNS: Arns = Arns(":oidc-provider/");

iam_item_calls!(OidcProviders (KIND): open_id_connect_provider_arn = |at: &At, id| ARNS.of(&at.scope, id),
    get_open_id_connect_provider "iam:GetOpenIDConnectProvider" => |read, id, at| Some(item(id, &read, at)),
    delete_open_id_connect_provider "iam:DeleteOpenIDConnectProvider",
    tag_open_id_connect_provider "iam:TagOpenIDConnectProvider",
    untag_open_id_connect_provider "iam:UntagOpenIDConnectProvider");

fn item(id: &str, provider: &GetOpenIdConnectProviderOutput, at: &At) -> AwsItem {
    let fields = [
        field("ARN", Some(&ARNS.of(&at.scope, id))),
        field("URL", provider.url()),
        field("Client IDs", Some(&provider.client_id_list().join(", "))),
        field("Thumbprints", Some(&provider.thumbprint_list().join(", "))),
        field("Created", provider.create_date().and_then(date).as_deref()),
    ];
    let (name, tags) = (provider.url().unwrap_or(id), model_tags(provider.tags()));
    at.aws_item(KIND, id, name.into(), "active".into(), tags, fields)
}

/// The form field an IAM refusal of the input is about, by what AWS's message names: more than
/// 5 thumbprints, or a malformed one, is `InvalidInput` or `ValidationError` naming the
/// thumbprint list; the URL, the client ids and the tags likewise.
fn refused_field(
    failure: &AwsFailure,
    fields: &[(&'static str, &'static str)],
) -> Option<&'static str> {
    if failure.code != "InvalidInput" && failure.code != "ValidationError" {
        return None;
    }
    let said = aws_said(failure).to_ascii_lowercase();
    fields
        .iter()
        .find(|(word, _)| said.contains(word))
        .map(|(_, field)| *field)
}

/// AWS's own words in a mapped failure (what follows "AWS said: "), without the account and
/// action the mapping added, which could name anything.
fn aws_said(failure: &AwsFailure) -> &str {
    failure
        .error
        .message
        .split_once("AWS said: ")
        .map_or("", |(_, said)| said)
}

/// IAM's refusal of the input, put on the field it is about, said with the field's name.
fn on_field(mut failure: AwsFailure, field: &str, label: &str) -> AwsFailure {
    let said = match aws_said(&failure) {
        "" => ".".to_string(),
        said => format!(": {said}"),
    };
    failure.error = AppError::validation(vec![FieldError {
        field: field.into(),
        message: format!("IAM refused the {label} ({}){said}", failure.code),
    }]);
    failure
}

/// AWS's refusals of CreateOpenIDConnectProvider, said with what to do: its input refused
/// (InvalidInput, e.g. more than 5 thumbprints) on the field at fault; LimitExceeded is the
/// account's quota of providers, never the thumbprints.
fn create_refusal(failure: AwsFailure, account: &str) -> AwsFailure {
    const FIELDS: [(&str, &str); 4] = [
        ("thumbprint", "thumbprints"),
        ("clientid", "client_ids"),
        ("url", "url"),
        ("tag", "tags"),
    ];
    const LABELS: [(&str, &str); 4] = [
        ("thumbprints", "thumbprints"),
        ("client_ids", "client IDs"),
        ("url", "provider URL"),
        ("tags", "tags"),
    ];
    if let Some(field) = refused_field(&failure, &FIELDS) {
        let label = LABELS
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(field, |(_, label)| *label);
        return on_field(failure, field, label);
    }
    failure.conflict_when("LimitExceeded", || format!(
        "{account} has as many OIDC providers as IAM allows (LimitExceeded): delete one it no longer uses, or ask AWS for a higher quota."
    ))
}

/// AWS's refusals of UpdateOpenIDConnectProviderThumbprint: its one input is the list, so an
/// InvalidInput or ValidationError is about the thumbprints (there is no LimitExceeded).
fn thumbprints_refusal(failure: AwsFailure) -> AwsFailure {
    match failure.code.as_str() {
        "InvalidInput" | "ValidationError" => on_field(failure, "thumbprints", "thumbprints"),
        _ => failure,
    }
}

const ACTIONS: &[(&str, Planner)] = &[
    ("create", OidcProviders::plan_create),
    ("thumbprints", OidcProviders::plan_thumbprints),
    ("add-client-id", |request| {
        OidcProviders::plan_client_id(request, true)
    }),
    ("remove-client-id", |request| {
        OidcProviders::plan_client_id(request, false)
    }),
];

/// The adapter of [`ResourceKind::OidcProvider`].
pub struct OidcProviders;

impl OidcProviders {
    fn plan_create(request: &KindRequest) -> Result<Plan, AppError> {
        let provider = check_oidc_provider(&form_of::<NewOidcProvider>(request)?)?;
        let params = json!({ "url": provider.url, "client_ids": provider.client_ids, "thumbprints": provider.thumbprints, "tags": provider.tags });
        let id = provider.url.trim_start_matches("https://");
        let target = target(KIND, &provider.account, GLOBAL_REGION, id);
        let run = |at: At| async move {
            let call = at.iam().await.create_open_id_connect_provider();
            let call = call
                .url(provider.url)
                .set_tags(create_tags(&provider.tags)?);
            let call = call.set_client_id_list(Some(provider.client_ids));
            let sent = call
                .set_thumbprint_list(Some(provider.thumbprints))
                .send()
                .await;
            let output = output_of(sent, "iam:CreateOpenIDConnectProvider", &at.scope)
                .map_err(|refused| create_refusal(refused, &at.scope.account))?;
            let id = ARNS.id(output.open_id_connect_provider_arn().unwrap_or_default());
            let cache = at.fresh(KIND, id).await?;
            Ok(Done::created(
                request_id(&output),
                cache,
                "OIDC provider created.",
            ))
        };
        Ok(Plan::new("oidc-provider.create", target, params, run))
    }

    fn plan_thumbprints(request: &KindRequest) -> Result<Plan, AppError> {
        let target = item_of(request)?;
        let thumbprints = check_thumbprints_change(&form_of::<ThumbprintsChange>(request)?)?;
        let params = json!({ "thumbprints": thumbprints });
        let send = |at: At, id: String| async move {
            let sent = at
                .iam()
                .await
                .update_open_id_connect_provider_thumbprint()
                .open_id_connect_provider_arn(ARNS.of(&at.scope, &id))
                .set_thumbprint_list(Some(thumbprints))
                .send()
                .await;
            answered(sent, "iam:UpdateOpenIDConnectProviderThumbprint", &at.scope)
                .map_err(thumbprints_refusal)
        };
        let action = "oidc-provider.thumbprints";
        Ok(Plan::change(action, target, params, send, |_| {
            "Thumbprints replaced.".into()
        }))
    }

    fn plan_client_id(request: &KindRequest, adding: bool) -> Result<Plan, AppError> {
        let target = item_of(request)?;
        let client_id = check_client_id_change(&form_of::<ClientIdChange>(request)?)?;
        let params = json!({ "client_id": client_id });
        let (action, flash) = if adding {
            (
                "oidc-provider.add-client-id",
                format!("Client ID {client_id} added."),
            )
        } else {
            (
                "oidc-provider.remove-client-id",
                format!("Client ID {client_id} removed."),
            )
        };
        let send = move |at: At, id: String| async move {
            let (client, arn) = (at.iam().await, ARNS.of(&at.scope, &id));
            // Both calls take the provider and one client id; each has a builder of its own.
            macro_rules! send {
                ($call:ident, $action:literal) => {{
                    let call = client.$call().open_id_connect_provider_arn(arn);
                    answered(call.client_id(client_id).send().await, $action, &at.scope)
                }};
            }
            if adding {
                send!(
                    add_client_id_to_open_id_connect_provider,
                    "iam:AddClientIDToOpenIDConnectProvider"
                )
            } else {
                send!(
                    remove_client_id_from_open_id_connect_provider,
                    "iam:RemoveClientIDFromOpenIDConnectProvider"
                )
            }
        };
        Ok(Plan::change(action, target, params, send, move |_| flash))
    }
}

#[async_trait::async_trait]
impl KindAdapter for OidcProviders {
    /// ListOpenIDConnectProviders answers ARNs only (and has no pages): one
    /// GetOpenIDConnectProvider per provider reads its URL, client ids, thumbprints and tags.
    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let listed = at.iam().await.list_open_id_connect_providers().send().await;
        let listed = listed.map_err(|e| failure(e, "iam:ListOpenIDConnectProviders", &at.scope))?;
        let arns = listed
            .open_id_connect_provider_list()
            .iter()
            .map(|p| p.arn());
        read_each(at, self, ARNS.ids(arns)).await
    }

    fn actions(&self) -> &'static [(&'static str, Planner)] {
        ACTIONS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(code: &str, said: &str) -> AwsFailure {
        let mapped = format!(
            "AWS rejected iam:X in staging-urls (123456789012)/global ({code}). AWS said: {said}"
        );
        AwsFailure::refused_as(
            code,
            AppError::new(app::model::ErrorKind::Validation, mapped),
        )
    }

    #[test]
    fn more_than_five_thumbprints_is_invalid_input_said_on_the_thumbprints_field() {
        let said = "Thumbprint list must contain fewer than 5 entries.";
        for mapped in [
            create_refusal(refused("InvalidInput", said), "prod"),
            thumbprints_refusal(refused("InvalidInput", said)),
        ] {
            let message = mapped
                .error
                .field("thumbprints")
                .expect("on the thumbprints field");
            assert!(
                message.starts_with("IAM refused the thumbprints (InvalidInput)"),
                "{message}"
            );
            assert!(message.contains(said), "{message}");
            assert_eq!(mapped.request_id, "r-1", "kept for the audit trail");
        }
        // A malformed thumbprint is a ValidationError naming the list's member.
        let member = refused(
            "ValidationError",
            "1 validation error detected: Value 'abc' at 'thumbprintList.1.member' failed to satisfy constraint",
        );
        assert!(thumbprints_refusal(member)
            .error
            .field("thumbprints")
            .is_some());
        let url = create_refusal(refused("InvalidInput", "The URL is not valid."), "prod");
        assert!(url.error.field("url").unwrap().contains("provider URL"));
        // Only AWS's words are read: the account's name ("staging-urls") is no field.
        let unnamed = create_refusal(refused("InvalidInput", "Request is invalid."), "prod");
        assert!(unnamed.error.fields.is_empty(), "{:?}", unnamed.error);
    }

    #[test]
    fn limit_exceeded_on_create_is_the_quota_of_providers_not_the_thumbprints() {
        let full = create_refusal(
            refused(
                "LimitExceeded",
                "Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100",
            ),
            "prod",
        );
        assert!(full.error.fields.is_empty());
        assert!(
            full.error
                .message
                .contains("as many OIDC providers as IAM allows"),
            "{}",
            full.error.message
        );
        // UpdateOpenIDConnectProviderThumbprint has no LimitExceeded: nothing is read into one.
        let other = thumbprints_refusal(refused("NoSuchEntity", "gone"));
        assert!(other.error.fields.is_empty());
    }
}
