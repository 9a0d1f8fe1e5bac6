//! IAM OpenID Connect providers. An item's id is the provider's URL without `https://`, as in its
//! ARN (`arn:aws:iam::ACCOUNT:oidc-provider/ID`), which is rebuilt from the account's id.

use app::kinds::oidc_provider::{
    check_client_id_change, check_oidc_provider, check_thumbprints_change, ClientIdChange,
    NewOidcProvider, OidcProviderRequest, ThumbprintsChange,
};
use app::model::{
    AppError, AwsItem, Field, FieldError, ResourceKind, ResourceRef, Tag, GLOBAL_REGION,
};
use app::ports::KindRequest;
use aws_sdk_iam::operation::get_open_id_connect_provider::GetOpenIdConnectProviderOutput;
use aws_sdk_iam::operation::RequestId;
use serde_json::json;

use super::error::{answered, failure, AwsFailure, Scope};
use super::field;
use super::iam::{date, found, model_tags, sdk_tags};
use super::kind::{
    form_of, item_of, reply, unknown_action, At, CacheChange, Done, KindAdapter, Plan, Run,
};

const KIND: ResourceKind = ResourceKind::OidcProvider;
const ARN_PART: &str = ":oidc-provider/";

fn arn(scope: &Scope, id: &str) -> String {
    format!("arn:aws:iam::{}{ARN_PART}{id}", scope.account_id)
}

fn id_of(arn: &str) -> &str {
    arn.split_once(ARN_PART).map(|(_, id)| id).unwrap_or(arn)
}

fn item(id: &str, provider: &GetOpenIdConnectProviderOutput, at: &At) -> AwsItem {
    let fields: Vec<Field> = [
        field("ARN", Some(&arn(&at.scope, id))),
        field("URL", provider.url()),
        field("Client IDs", Some(&provider.client_id_list().join(", "))),
        field("Thumbprints", Some(&provider.thumbprint_list().join(", "))),
        field("Created", provider.create_date().and_then(date).as_deref()),
    ]
    .into_iter()
    .flatten()
    .collect();
    AwsItem {
        item: at.item(KIND, id),
        account_id: at.scope.account_id.clone(),
        name: provider.url().unwrap_or(id).to_string(),
        status: "active".into(),
        expires_at: None,
        tags: model_tags(provider.tags()),
        fields,
        last_seen: at.seen.clone(),
        expires_in_days: None,
    }
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
    let mut failure = failure;
    if failure.code == "LimitExceeded" {
        failure.error = AppError::conflict(format!(
            "{account} has as many OIDC providers as IAM allows (LimitExceeded): delete one it no longer uses, or ask AWS for a higher quota."
        ));
    }
    failure
}

/// AWS's refusals of UpdateOpenIDConnectProviderThumbprint: its one input is the list, so an
/// InvalidInput or ValidationError is about the thumbprints (there is no LimitExceeded).
fn thumbprints_refusal(failure: AwsFailure) -> AwsFailure {
    match failure.code.as_str() {
        "InvalidInput" | "ValidationError" => on_field(failure, "thumbprints", "thumbprints"),
        _ => failure,
    }
}

/// The adapter of [`ResourceKind::OidcProvider`].
pub struct OidcProviders;

/// A change to an existing provider: its audit action, parameters, the call and its message.
fn change(
    target: ResourceRef,
    action: &'static str,
    params: serde_json::Value,
    flash: String,
    call: impl FnOnce(aws_sdk_iam::Client, String, Scope) -> super::kind::Fut<Result<String, AwsFailure>>
        + Send
        + 'static,
) -> Plan {
    let id = target.id.clone();
    let run: Run = Box::new(move |at| {
        Box::pin(async move {
            let client = at.iam().await;
            let request_id = call(client, arn(&at.scope, &id), at.scope.clone()).await?;
            let fresh = OidcProviders.get(&at, &id).await?;
            Ok(Done {
                request_id,
                cache: CacheChange::fresh(at.item(KIND, &id), fresh),
                reply: reply(&()),
                redirect: None,
                flash,
                shown_once: None,
            })
        })
    });
    Plan {
        action,
        target,
        params,
        run,
        dry_run: None,
    }
}

impl OidcProviders {
    fn plan_create(form: NewOidcProvider) -> Result<Plan, AppError> {
        let OidcProviderRequest {
            account,
            url,
            client_ids,
            thumbprints,
            tags,
        } = check_oidc_provider(&form)?;
        let params = json!({ "url": url, "client_ids": client_ids, "thumbprints": thumbprints, "tags": tags });
        let id = url.trim_start_matches("https://").to_string();
        Ok(Plan {
            action: "iam.create_oidc_provider",
            target: ResourceRef {
                kind: KIND,
                account,
                region: GLOBAL_REGION.into(),
                id,
            },
            params,
            run: Box::new(move |at| {
                Box::pin(async move {
                    let client = at.iam().await;
                    let output = client
                        .create_open_id_connect_provider()
                        .url(&url)
                        .set_client_id_list(Some(client_ids))
                        .set_thumbprint_list(Some(thumbprints))
                        .set_tags((!tags.is_empty()).then(|| sdk_tags(&tags)).transpose()?)
                        .send()
                        .await
                        .map_err(|e| {
                            create_refusal(
                                failure(e, "iam:CreateOpenIDConnectProvider", &at.scope),
                                &at.scope.account,
                            )
                        })?;
                    let id = id_of(output.open_id_connect_provider_arn().unwrap_or_default())
                        .to_string();
                    let target = at.item(KIND, &id);
                    let fresh = OidcProviders.get(&at, &id).await?;
                    Ok(Done {
                        request_id: output.request_id().unwrap_or_default().to_string(),
                        redirect: Some(target.detail_path()),
                        reply: reply(&target),
                        cache: CacheChange::fresh(target, fresh),
                        flash: "OIDC provider created.".into(),
                        shown_once: None,
                    })
                })
            }),
            dry_run: None,
        })
    }

    fn plan_thumbprints(request: &KindRequest) -> Result<Plan, AppError> {
        let target = item_of(request)?;
        let thumbprints = check_thumbprints_change(&form_of::<ThumbprintsChange>(request)?)?;
        let params = json!({ "thumbprints": thumbprints });
        Ok(change(
            target,
            "iam.update_oidc_provider_thumbprint",
            params,
            "Thumbprints replaced.".into(),
            move |client, arn, scope| {
                Box::pin(async move {
                    client
                        .update_open_id_connect_provider_thumbprint()
                        .open_id_connect_provider_arn(arn)
                        .set_thumbprint_list(Some(thumbprints))
                        .send()
                        .await
                        .map(|o| o.request_id().unwrap_or_default().to_string())
                        .map_err(|e| {
                            thumbprints_refusal(failure(
                                e,
                                "iam:UpdateOpenIDConnectProviderThumbprint",
                                &scope,
                            ))
                        })
                })
            },
        ))
    }

    fn plan_client_id(request: &KindRequest, adding: bool) -> Result<Plan, AppError> {
        let target = item_of(request)?;
        let client_id = check_client_id_change(&form_of::<ClientIdChange>(request)?)?;
        let params = json!({ "client_id": client_id });
        let (action, flash) = if adding {
            (
                "iam.add_client_id_to_oidc_provider",
                format!("Client ID {client_id} added."),
            )
        } else {
            (
                "iam.remove_client_id_from_oidc_provider",
                format!("Client ID {client_id} removed."),
            )
        };
        Ok(change(
            target,
            action,
            params,
            flash,
            move |client, arn, scope| {
                Box::pin(async move {
                    if adding {
                        client
                            .add_client_id_to_open_id_connect_provider()
                            .open_id_connect_provider_arn(arn)
                            .client_id(client_id)
                            .send()
                            .await
                            .map(|o| o.request_id().unwrap_or_default().to_string())
                            .map_err(|e| {
                                failure(e, "iam:AddClientIDToOpenIDConnectProvider", &scope)
                            })
                    } else {
                        client
                            .remove_client_id_from_open_id_connect_provider()
                            .open_id_connect_provider_arn(arn)
                            .client_id(client_id)
                            .send()
                            .await
                            .map(|o| o.request_id().unwrap_or_default().to_string())
                            .map_err(|e| {
                                failure(e, "iam:RemoveClientIDFromOpenIDConnectProvider", &scope)
                            })
                    }
                })
            },
        ))
    }
}

#[async_trait::async_trait]
impl KindAdapter for OidcProviders {
    fn kind(&self) -> ResourceKind {
        KIND
    }

    /// ListOpenIDConnectProviders carries ARNs only: GetOpenIDConnectProvider per item (thumbprints, client ids, tags).
    fn fewest_calls(&self, items: u64) -> u64 {
        1 + items
    }

    /// ListOpenIDConnectProviders answers ARNs only (and has no pages): one
    /// GetOpenIDConnectProvider per provider reads its URL, client ids, thumbprints and tags.
    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let client = at.iam().await;
        let listed = client
            .list_open_id_connect_providers()
            .send()
            .await
            .map_err(|e| failure(e, "iam:ListOpenIDConnectProviders", &at.scope))?;
        let mut items = Vec::new();
        for entry in listed.open_id_connect_provider_list() {
            let id = id_of(entry.arn().unwrap_or_default());
            if let Some(item) = self.get(at, id).await? {
                items.push(item);
            }
        }
        Ok(items)
    }

    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        let output = found(
            at.iam()
                .await
                .get_open_id_connect_provider()
                .open_id_connect_provider_arn(arn(&at.scope, id))
                .send()
                .await,
            "iam:GetOpenIDConnectProvider",
            &at.scope,
        )?;
        Ok(output.map(|provider| item(id, &provider, at)))
    }

    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        answered(
            at.iam()
                .await
                .delete_open_id_connect_provider()
                .open_id_connect_provider_arn(arn(&at.scope, id))
                .send()
                .await,
            "iam:DeleteOpenIDConnectProvider",
            &at.scope,
        )
    }

    async fn tag(&self, at: &At, id: &str, tags: &[Tag]) -> Result<String, AwsFailure> {
        answered(
            at.iam()
                .await
                .tag_open_id_connect_provider()
                .open_id_connect_provider_arn(arn(&at.scope, id))
                .set_tags(Some(sdk_tags(tags)?))
                .send()
                .await,
            "iam:TagOpenIDConnectProvider",
            &at.scope,
        )
    }

    async fn untag(&self, at: &At, id: &str, keys: &[String]) -> Result<String, AwsFailure> {
        answered(
            at.iam()
                .await
                .untag_open_id_connect_provider()
                .open_id_connect_provider_arn(arn(&at.scope, id))
                .set_tag_keys(Some(keys.to_vec()))
                .send()
                .await,
            "iam:UntagOpenIDConnectProvider",
            &at.scope,
        )
    }

    fn plan(&self, request: KindRequest) -> Result<Plan, AppError> {
        match request.action.as_str() {
            "create" => Self::plan_create(form_of(&request)?),
            "thumbprints" => Self::plan_thumbprints(&request),
            "add-client-id" => Self::plan_client_id(&request, true),
            "remove-client-id" => Self::plan_client_id(&request, false),
            _ => Err(unknown_action(&request)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(code: &str, said: &str) -> AwsFailure {
        AwsFailure {
            error: AppError::new(
                app::model::ErrorKind::Validation,
                format!("AWS rejected iam:X in staging-urls (123456789012)/global ({code}). AWS said: {said}"),
            ),
            code: code.into(),
            request_id: "r-1".into(),
        }
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
