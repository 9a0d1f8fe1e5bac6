//! EC2 Verified Access trust providers. The OIDC client secret goes to AWS and nowhere else:
//! it is not kept in the cache, not shown and not logged.

use app::kinds::trust_provider::{check_trust_provider, TrustProviderForm, TrustProviderOutcome};
use app::model::{aws_rules, AppError, AwsItem, ResourceKind, ResourceRef, Tag};
use app::ports::KindRequest;
use aws_sdk_ec2::operation::RequestId;
use aws_sdk_ec2::types::{
    CreateVerifiedAccessTrustProviderDeviceOptions, CreateVerifiedAccessTrustProviderOidcOptions,
    DeviceTrustProviderType, ModifyVerifiedAccessTrustProviderOidcOptions, ResourceType,
    TagSpecification, TrustProviderType, UserTrustProviderType,
    VerifiedAccessSseSpecificationRequest, VerifiedAccessTrustProvider,
};
use aws_sdk_ec2::Client;
use serde_json::{json, Value};

use super::ec2_tags::{model_tags, sdk_tag};
use super::error::{answered, dry_run_outcome, failure, AwsFailure, Scope};
use super::field;
use super::kind::{
    form_of, item_of, reply, unknown_action, At, CacheChange, Done, DryRunPlan, KindAdapter, Plan,
};

pub fn provider_item(provider: &VerifiedAccessTrustProvider, scope: &Scope, seen: &str) -> AwsItem {
    let tags = model_tags(provider.tags());
    let id = provider
        .verified_access_trust_provider_id()
        .unwrap_or_default()
        .to_string();
    let reference = provider
        .policy_reference_name()
        .unwrap_or_default()
        .to_string();
    let name = tags
        .iter()
        .find(|t| t.key == "Name")
        .map(|t| t.value.clone())
        .unwrap_or_else(|| {
            if reference.is_empty() {
                id.clone()
            } else {
                reference.clone()
            }
        });
    let kind = provider
        .trust_provider_type()
        .map(|t| t.as_str().to_string())
        .unwrap_or_default();
    let subtype = provider
        .user_trust_provider_type()
        .map(|t| t.as_str().to_string())
        .or_else(|| {
            provider
                .device_trust_provider_type()
                .map(|t| t.as_str().to_string())
        })
        .unwrap_or_default();
    let oidc = provider.oidc_options();
    let device = provider.device_options();
    let sse = provider.sse_specification();
    let cmk = sse
        .and_then(|s| s.customer_managed_key_enabled())
        .map(|b| if b { "yes" } else { "no" });
    let fields = [
        field("Type", Some(&kind)),
        field(
            "User type",
            provider.user_trust_provider_type().map(|t| t.as_str()),
        ),
        field(
            "Device type",
            provider.device_trust_provider_type().map(|t| t.as_str()),
        ),
        field("Policy reference name", Some(&reference)),
        field("Description", provider.description()),
        field("OIDC issuer", oidc.and_then(|o| o.issuer())),
        field(
            "OIDC authorization endpoint",
            oidc.and_then(|o| o.authorization_endpoint()),
        ),
        field("OIDC token endpoint", oidc.and_then(|o| o.token_endpoint())),
        field(
            "OIDC user info endpoint",
            oidc.and_then(|o| o.user_info_endpoint()),
        ),
        field("OIDC client ID", oidc.and_then(|o| o.client_id())),
        field("OIDC scope", oidc.and_then(|o| o.scope())),
        field("Device tenant ID", device.and_then(|d| d.tenant_id())),
        field(
            "Public signing key URL",
            device.and_then(|d| d.public_signing_key_url()),
        ),
        field("Customer managed key", cmk),
        field("KMS key ARN", sse.and_then(|s| s.kms_key_arn())),
        field("Created", provider.creation_time()),
        field("Last updated", provider.last_updated_time()),
    ]
    .into_iter()
    .flatten()
    .collect();
    AwsItem {
        item: ResourceRef {
            kind: ResourceKind::TrustProvider,
            account: scope.account.clone(),
            region: scope.region.clone(),
            id,
        },
        account_id: scope.account_id.clone(),
        name,
        status: if subtype.is_empty() {
            kind
        } else {
            format!("{kind}: {subtype}")
        },
        expires_at: None,
        tags,
        fields,
        last_seen: seen.to_string(),
        expires_in_days: None,
    }
}

pub async fn list(client: &Client, scope: &Scope, seen: &str) -> Result<Vec<AwsItem>, AwsFailure> {
    let mut items = Vec::new();
    let mut pages = client
        .describe_verified_access_trust_providers()
        .max_results(200)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| failure(e, "ec2:DescribeVerifiedAccessTrustProviders", scope))?;
        items.extend(
            page.verified_access_trust_providers()
                .iter()
                .map(|p| provider_item(p, scope, seen)),
        );
    }
    Ok(items)
}

pub async fn get(
    client: &Client,
    scope: &Scope,
    id: &str,
    seen: &str,
) -> Result<Option<AwsItem>, AwsFailure> {
    match client
        .describe_verified_access_trust_providers()
        .verified_access_trust_provider_ids(id)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .verified_access_trust_providers()
            .first()
            .map(|p| provider_item(p, scope, seen))),
        Err(err)
            if err
                .as_service_error()
                .and_then(|e| aws_sdk_ec2::error::ProvideErrorMetadata::code(e))
                .is_some_and(|c| c.ends_with(".NotFound")) =>
        {
            Ok(None)
        }
        Err(err) => Err(failure(
            err,
            "ec2:DescribeVerifiedAccessTrustProviders",
            scope,
        )),
    }
}

fn non_empty(value: &str) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn sse(form: &TrustProviderForm) -> VerifiedAccessSseSpecificationRequest {
    VerifiedAccessSseSpecificationRequest::builder()
        .customer_managed_key_enabled(form.sse_customer_managed_key.is_some())
        .set_kms_key_arn(non_empty(&form.sse_kms_key_arn))
        .build()
}

const CREATE_ACTION: &str = "ec2:CreateVerifiedAccessTrustProvider";

fn create_request(client: &Client, form: &TrustProviderForm, tags: &[Tag]) -> aws_sdk_ec2::operation::create_verified_access_trust_provider::builders::CreateVerifiedAccessTrustProviderFluentBuilder{
    let mut request = client
        .create_verified_access_trust_provider()
        .trust_provider_type(TrustProviderType::from(form.trust_provider_type.as_str()))
        .policy_reference_name(form.policy_reference_name.trim())
        .set_description(non_empty(&form.description))
        .client_token(&form.client_token)
        .sse_specification(sse(form));
    if form.trust_provider_type == "user" {
        request = request.user_trust_provider_type(UserTrustProviderType::from(
            form.user_trust_provider_type.as_str(),
        ));
        if form.user_trust_provider_type == "oidc" {
            request = request.oidc_options(
                CreateVerifiedAccessTrustProviderOidcOptions::builder()
                    .set_issuer(non_empty(&form.oidc_issuer))
                    .set_authorization_endpoint(non_empty(&form.oidc_authorization_endpoint))
                    .set_token_endpoint(non_empty(&form.oidc_token_endpoint))
                    .set_user_info_endpoint(non_empty(&form.oidc_user_info_endpoint))
                    .set_client_id(non_empty(&form.oidc_client_id))
                    .set_client_secret(non_empty(&form.oidc_client_secret))
                    .set_scope(non_empty(&form.oidc_scope))
                    .build(),
            );
        }
    } else {
        request = request
            .device_trust_provider_type(DeviceTrustProviderType::from(
                form.device_trust_provider_type.as_str(),
            ))
            .device_options(
                CreateVerifiedAccessTrustProviderDeviceOptions::builder()
                    .set_tenant_id(non_empty(&form.device_tenant_id))
                    .set_public_signing_key_url(non_empty(&form.device_public_signing_key_url))
                    .build(),
            );
    }
    if !tags.is_empty() {
        let mut spec =
            TagSpecification::builder().resource_type(ResourceType::VerifiedAccessTrustProvider);
        for tag in tags {
            spec = spec.tags(sdk_tag(tag));
        }
        request = request.tag_specifications(spec.build());
    }
    request
}

/// Returns the new provider and AWS's request id.
pub async fn create(
    client: &Client,
    scope: &Scope,
    form: &TrustProviderForm,
    tags: &[Tag],
    seen: &str,
) -> Result<(AwsItem, String), AwsFailure> {
    let output = create_request(client, form, tags)
        .send()
        .await
        .map_err(|e| failure(e, CREATE_ACTION, scope))?;
    let request_id = output.request_id().unwrap_or_default().to_string();
    let provider = output
        .verified_access_trust_provider()
        .cloned()
        .unwrap_or_else(|| VerifiedAccessTrustProvider::builder().build());
    Ok((provider_item(&provider, scope, seen), request_id))
}

/// The create with DryRun: Ok when AWS answers DryRunOperation.
pub async fn check_create(
    client: &Client,
    scope: &Scope,
    form: &TrustProviderForm,
    tags: &[Tag],
) -> Result<(), AwsFailure> {
    let result = create_request(client, form, tags)
        .dry_run(true)
        .send()
        .await;
    dry_run_outcome(result, CREATE_ACTION, scope)
}

/// Changes the description, the OIDC options given (others stay), and encryption.
pub async fn modify(
    client: &Client,
    scope: &Scope,
    id: &str,
    form: &TrustProviderForm,
    seen: &str,
) -> Result<(AwsItem, String), AwsFailure> {
    let mut request = client
        .modify_verified_access_trust_provider()
        .verified_access_trust_provider_id(id)
        .set_description(non_empty(&form.description))
        .sse_specification(sse(form));
    // AWS refuses OIDC options on a provider that is not an OIDC one
    // (InvalidParameterCombination), which reaches the user as its validation error.
    if form.gives_oidc_options() {
        let options = ModifyVerifiedAccessTrustProviderOidcOptions::builder()
            .set_issuer(non_empty(&form.oidc_issuer))
            .set_authorization_endpoint(non_empty(&form.oidc_authorization_endpoint))
            .set_token_endpoint(non_empty(&form.oidc_token_endpoint))
            .set_user_info_endpoint(non_empty(&form.oidc_user_info_endpoint))
            .set_client_id(non_empty(&form.oidc_client_id))
            .set_client_secret(non_empty(&form.oidc_client_secret))
            .set_scope(non_empty(&form.oidc_scope))
            .build();
        request = request.oidc_options(options);
    }
    let output = request
        .send()
        .await
        .map_err(|e| failure(e, "ec2:ModifyVerifiedAccessTrustProvider", scope))?;
    let request_id = output.request_id().unwrap_or_default().to_string();
    let provider = output
        .verified_access_trust_provider()
        .cloned()
        .unwrap_or_else(|| VerifiedAccessTrustProvider::builder().build());
    Ok((provider_item(&provider, scope, seen), request_id))
}

pub async fn delete(client: &Client, scope: &Scope, id: &str) -> Result<String, AwsFailure> {
    answered(
        client
            .delete_verified_access_trust_provider()
            .verified_access_trust_provider_id(id)
            .send()
            .await,
        "ec2:DeleteVerifiedAccessTrustProvider",
        scope,
    )
}

/// The form as it may be audited: everything but the client secret, and whether one was given.
fn audited_params(form: &TrustProviderForm) -> Value {
    let mut params = serde_json::to_value(form).unwrap_or(Value::Null);
    if let Some(map) = params.as_object_mut() {
        map.remove("oidc_client_secret");
        map.insert(
            "oidc_client_secret_given".into(),
            json!(!form.oidc_client_secret.is_empty()),
        );
    }
    params
}

/// The adapter of [`ResourceKind::TrustProvider`].
pub struct TrustProviders;

impl TrustProviders {
    fn plan_create(form: TrustProviderForm) -> Result<Plan, AppError> {
        check_trust_provider(&form, true)?;
        let tags = aws_rules::parse_ec2_tags(&form.tags).unwrap_or_default();
        let (account, region) = form
            .target
            .split_once('/')
            .map(|(a, r)| (a.to_string(), r.to_string()))
            .unwrap_or_default();
        let allowed = format!("{account}/{region} may create this trust provider");
        let target = ResourceRef {
            kind: ResourceKind::TrustProvider,
            account,
            region,
            id: form.policy_reference_name.clone(),
        };
        let params = audited_params(&form);
        let checked = (form.clone(), tags.clone());
        Ok(Plan {
            action: "ec2.create_trust_provider",
            target,
            params,
            run: Box::new(move |at| {
                Box::pin(async move {
                    let (item, request_id) =
                        create(&at.ec2().await, &at.scope, &form, &tags, &at.seen).await?;
                    let created = item.item.clone();
                    Ok(Done {
                        request_id,
                        redirect: Some(created.detail_path()),
                        reply: reply(&TrustProviderOutcome::Created(created)),
                        cache: CacheChange::Upsert(item),
                        flash: "Trust provider created.".into(),
                        shown_once: None,
                    })
                })
            }),
            dry_run: Some(DryRunPlan {
                run: Box::new(move |at| {
                    Box::pin(async move {
                        let (form, tags) = checked;
                        check_create(&at.ec2().await, &at.scope, &form, &tags).await
                    })
                }),
                allowed,
                reply: |check| reply(&TrustProviderOutcome::Checked(check)),
            }),
        })
    }

    fn plan_modify(item: ResourceRef, form: TrustProviderForm) -> Result<Plan, AppError> {
        check_trust_provider(&form, false)?;
        let params = audited_params(&form);
        Ok(Plan {
            action: "ec2.modify_trust_provider",
            target: item.clone(),
            params,
            run: Box::new(move |at| {
                Box::pin(async move {
                    let (fresh, request_id) =
                        modify(&at.ec2().await, &at.scope, &item.id, &form, &at.seen).await?;
                    Ok(Done {
                        request_id,
                        cache: CacheChange::Upsert(fresh),
                        reply: reply(&()),
                        redirect: None,
                        flash: "Trust provider updated.".into(),
                        shown_once: None,
                    })
                })
            }),
            dry_run: None,
        })
    }
}

#[async_trait::async_trait]
impl KindAdapter for TrustProviders {
    fn kind(&self) -> ResourceKind {
        ResourceKind::TrustProvider
    }

    /// DescribeVerifiedAccessTrustProviders carries every field and the tags.
    fn fewest_calls(&self, _items: u64) -> u64 {
        1
    }

    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        list(&at.ec2().await, &at.scope, &at.seen).await
    }

    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        get(&at.ec2().await, &at.scope, id, &at.seen).await
    }

    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        delete(&at.ec2().await, &at.scope, id).await
    }

    fn plan(&self, request: KindRequest) -> Result<Plan, AppError> {
        match request.action.as_str() {
            "create" => Self::plan_create(form_of(&request)?),
            "modify" => Self::plan_modify(item_of(&request)?, form_of(&request)?),
            _ => Err(unknown_action(&request)),
        }
    }
}
