//! EC2 Verified Access trust providers. The OIDC client secret goes to AWS and nowhere else:
//! it is not kept in the cache, not shown and not logged.

use app::kinds::trust_provider::{check_trust_provider, TrustProviderForm, TrustProviderOutcome};
use app::model::{aws_rules, AppError, AwsItem, ResourceKind, Tag};
use app::ports::KindRequest;
use aws_sdk_ec2::types::{
    CreateVerifiedAccessTrustProviderDeviceOptions, CreateVerifiedAccessTrustProviderOidcOptions,
    DeviceTrustProviderType, ModifyVerifiedAccessTrustProviderOidcOptions, ResourceType,
    TrustProviderType, UserTrustProviderType, VerifiedAccessSseSpecificationRequest,
    VerifiedAccessTrustProvider,
};
use aws_sdk_ec2::Client;
use serde_json::{json, Value};

use super::ec2_tags::{model_tags, tag_specifications};
use super::error::{answered, dry_run_outcome, failure, found, output_of, request_id, AwsFailure};
use super::kind::{
    form_of, item_of, reply, target, At, CacheChange, Done, DryRunPlan, ItemCalls, KindAdapter,
    Plan, Planner,
};
use super::{field, name_tag};

const KIND: ResourceKind = ResourceKind::TrustProvider;
const DESCRIBE_ACTION: &str = "ec2:DescribeVerifiedAccessTrustProviders";

fn item(provider: &VerifiedAccessTrustProvider, at: &At) -> AwsItem {
    let tags = model_tags(provider.tags());
    let id = provider
        .verified_access_trust_provider_id()
        .unwrap_or_default();
    let reference = provider.policy_reference_name().unwrap_or_default();
    let name = name_tag(&tags)
        .unwrap_or_else(|| if reference.is_empty() { id } else { reference }.to_string());
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
        field("Policy reference name", Some(reference)),
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
    ];
    let status = if subtype.is_empty() {
        kind
    } else {
        format!("{kind}: {subtype}")
    };
    at.aws_item(KIND, id, name, status, tags, fields)
}

fn non_empty(value: &str) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// The OIDC options the form gives, set on `$builder`: a create's and a modify's take the same
/// ones, on builders of two types.
macro_rules! oidc_options {
    ($builder:expr, $form:expr) => {
        $builder
            .set_issuer(non_empty(&$form.oidc_issuer))
            .set_authorization_endpoint(non_empty(&$form.oidc_authorization_endpoint))
            .set_token_endpoint(non_empty(&$form.oidc_token_endpoint))
            .set_user_info_endpoint(non_empty(&$form.oidc_user_info_endpoint))
            .set_client_id(non_empty(&$form.oidc_client_id))
            .set_client_secret(non_empty(&$form.oidc_client_secret))
            .set_scope(non_empty(&$form.oidc_scope))
            .build()
    };
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
            let options = CreateVerifiedAccessTrustProviderOidcOptions::builder();
            request = request.oidc_options(oidc_options!(options, form));
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
    request.set_tag_specifications(tag_specifications(
        ResourceType::VerifiedAccessTrustProvider,
        tags,
    ))
}

/// Changes the description, the OIDC options given (others stay), and encryption; answers
/// the provider as AWS has it now and AWS's request id.
async fn modify(at: &At, id: &str, form: &TrustProviderForm) -> Result<Done, AwsFailure> {
    let mut request = at
        .ec2()
        .await
        .modify_verified_access_trust_provider()
        .verified_access_trust_provider_id(id)
        .set_description(non_empty(&form.description))
        .sse_specification(sse(form));
    // AWS refuses OIDC options on a provider that is not an OIDC one
    // (InvalidParameterCombination), which reaches the user as its validation error.
    if form.gives_oidc_options() {
        let options = ModifyVerifiedAccessTrustProviderOidcOptions::builder();
        request = request.oidc_options(oidc_options!(options, form));
    }
    let output = request
        .send()
        .await
        .map_err(|e| failure(e, "ec2:ModifyVerifiedAccessTrustProvider", &at.scope))?;
    let fresh = item(
        &answered_provider(output.verified_access_trust_provider()),
        at,
    );
    let cache = CacheChange::Upsert(fresh);
    Ok(Done::new(
        request_id(&output),
        cache,
        "Trust provider updated.",
    ))
}

/// The provider a Create… or Modify… answered (an empty one, should AWS answer none).
fn answered_provider(
    answered: Option<&VerifiedAccessTrustProvider>,
) -> VerifiedAccessTrustProvider {
    answered
        .cloned()
        .unwrap_or_else(|| VerifiedAccessTrustProvider::builder().build())
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
    fn plan_create(request: &KindRequest) -> Result<Plan, AppError> {
        let form: TrustProviderForm = form_of(request)?;
        check_trust_provider(&form, true)?;
        let tags = aws_rules::parse_ec2_tags(&form.tags).unwrap_or_default();
        let (account, region) = form.target.split_once('/').unwrap_or_default();
        let allowed = format!("{account}/{region} may create this trust provider");
        let target = target(KIND, account, region, &form.policy_reference_name);
        let params = audited_params(&form);
        let checked = (form.clone(), tags.clone());
        let run = |at: At| async move {
            let output = create_request(&at.ec2().await, &form, &tags)
                .send()
                .await
                .map_err(|e| failure(e, CREATE_ACTION, &at.scope))?;
            let created = item(
                &answered_provider(output.verified_access_trust_provider()),
                &at,
            );
            let reply = reply(&TrustProviderOutcome::Created(created.item.clone()));
            let cache = CacheChange::Upsert(created);
            let done = Done::created(request_id(&output), cache, "Trust provider created.");
            Ok(Done { reply, ..done })
        };
        let plan = Plan::new("trust-provider.create", target, params, run);
        let reply = |check| reply(&TrustProviderOutcome::Checked(check));
        let dry_run = DryRunPlan::new(allowed, reply, |at| async move {
            let (form, tags) = checked;
            let request = create_request(&at.ec2().await, &form, &tags).dry_run(true);
            dry_run_outcome(request.send().await, CREATE_ACTION, &at.scope)
        });
        Ok(Plan {
            dry_run: Some(dry_run),
            ..plan
        })
    }

    fn plan_modify(request: &KindRequest) -> Result<Plan, AppError> {
        let (item, form): (_, TrustProviderForm) = (item_of(request)?, form_of(request)?);
        check_trust_provider(&form, false)?;
        let params = audited_params(&form);
        let id = item.id.clone();
        Ok(Plan::new(
            "trust-provider.modify",
            item,
            params,
            |at| async move { modify(&at, &id, &form).await },
        ))
    }
}

#[async_trait::async_trait]
impl ItemCalls for TrustProviders {
    fn kind(&self) -> ResourceKind {
        KIND
    }

    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        let describe = at.ec2().await.describe_verified_access_trust_providers();
        let read = describe.verified_access_trust_provider_ids(id).send().await;
        let read = found(read, DESCRIBE_ACTION, &at.scope)?;
        let provider = read
            .as_ref()
            .and_then(|o| o.verified_access_trust_providers().first());
        Ok(provider.map(|provider| item(provider, at)))
    }

    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        let delete = at.ec2().await.delete_verified_access_trust_provider();
        let sent = delete.verified_access_trust_provider_id(id).send().await;
        answered(sent, "ec2:DeleteVerifiedAccessTrustProvider", &at.scope)
    }
}

#[async_trait::async_trait]
impl KindAdapter for TrustProviders {
    /// DescribeVerifiedAccessTrustProviders carries every field and the tags.
    fn fewest_calls(&self, _items: u64) -> u64 {
        1
    }

    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let describe = at.ec2().await.describe_verified_access_trust_providers();
        let providers = describe.max_results(200).into_paginator().items().send();
        let providers = output_of(providers.try_collect().await, DESCRIBE_ACTION, &at.scope)?;
        Ok(providers
            .iter()
            .map(|provider| item(provider, at))
            .collect())
    }

    fn actions(&self) -> &'static [(&'static str, Planner)] {
        &[("create", Self::plan_create), ("modify", Self::plan_modify)]
    }
}
