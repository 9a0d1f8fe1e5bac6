//! EC2 IPAM: the IPAMs a token can be created in, and external-resource verification tokens.

use app::kinds::verification_token::{
    check_verification_token, CreatedVerificationToken, IpamChoice, NewVerificationToken,
    TokenFormOptions, TokenFormOutcome, VerificationTokenRequest,
};
use app::model::{AppError, AwsItem, ResourceKind, ResourceRef, Tag};
use app::ports::KindRequest;
use aws_sdk_ec2::operation::RequestId;
use aws_sdk_ec2::types::{IpamExternalResourceVerificationToken, ResourceType, TagSpecification};
use aws_sdk_ec2::Client;
use serde_json::{json, Value};

use super::ec2_tags::{model_tags, sdk_tag};
use super::error::{answered, dry_run_outcome, failure, AwsFailure, Scope};
use super::field;
use super::kind::{
    form_of, gather, reply, unknown_action, At, CacheChange, Done, DryRunPlan, KindAdapter, Plan,
};

/// DescribeIpamExternalResourceVerificationTokens allows 5 to 1000.
const PAGE_SIZE: i32 = 1000;

/// The cached form of a token: every field is safe to keep (the name and value are published in
/// DNS or RDAP to prove ownership).
pub fn token_resource(
    token: &IpamExternalResourceVerificationToken,
    scope: &Scope,
    seen: &str,
) -> AwsItem {
    let tags = model_tags(token.tags());
    let id = token
        .ipam_external_resource_verification_token_id()
        .unwrap_or_default()
        .to_string();
    let name = tags
        .iter()
        .find(|t| t.key == "Name")
        .map(|t| t.value.clone())
        .unwrap_or_else(|| id.clone());
    let expires_at = token
        .not_after()
        .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), 0))
        .map(crate::time::timestamp);
    let state = token.state().map(|s| s.as_str().to_string());
    let fields = [
        field(
            "Token ARN",
            token.ipam_external_resource_verification_token_arn(),
        ),
        field("IPAM", token.ipam_id()),
        field("IPAM ARN", token.ipam_arn()),
        field("IPAM region", token.ipam_region()),
        field("State", state.as_deref()),
        field("Token name", token.token_name()),
        field("Token value", token.token_value()),
    ]
    .into_iter()
    .flatten()
    .collect();
    AwsItem {
        item: ResourceRef {
            kind: ResourceKind::VerificationToken,
            account: scope.account.clone(),
            region: scope.region.clone(),
            id,
        },
        account_id: scope.account_id.clone(),
        name,
        status: token
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        expires_at,
        tags,
        fields,
        last_seen: seen.to_string(),
        expires_in_days: None,
    }
}

pub async fn list_tokens(
    client: &Client,
    scope: &Scope,
    seen: &str,
) -> Result<Vec<AwsItem>, AwsFailure> {
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = client
            .describe_ipam_external_resource_verification_tokens()
            .max_results(PAGE_SIZE)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| {
                failure(
                    e,
                    "ec2:DescribeIpamExternalResourceVerificationTokens",
                    scope,
                )
            })?;
        items.extend(
            page.ipam_external_resource_verification_tokens()
                .iter()
                .map(|t| token_resource(t, scope, seen)),
        );
        match page.next_token() {
            Some(token) if !token.is_empty() => next = Some(token.to_string()),
            _ => return Ok(items),
        }
    }
}

pub async fn list_ipams(client: &Client, scope: &Scope) -> Result<Vec<IpamChoice>, AwsFailure> {
    let mut choices = Vec::new();
    let mut pages = client
        .describe_ipams()
        .max_results(1000)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| failure(e, "ec2:DescribeIpams", scope))?;
        choices.extend(page.ipams().iter().map(|ipam| IpamChoice {
            account: scope.account.clone(),
            region: scope.region.clone(),
            ipam_id: ipam.ipam_id().unwrap_or_default().to_string(),
            description: ipam.description().unwrap_or_default().to_string(),
        }));
    }
    Ok(choices)
}

/// A token just made, with the name and value that prove ownership.
pub struct Created {
    pub resource: AwsItem,
    pub token_name: String,
    pub token_value: String,
    pub request_id: String,
}

fn create_request(client: &Client, ipam_id: &str, tags: &[Tag], client_token: &str) -> aws_sdk_ec2::operation::create_ipam_external_resource_verification_token::builders::CreateIpamExternalResourceVerificationTokenFluentBuilder{
    let mut request = client
        .create_ipam_external_resource_verification_token()
        .ipam_id(ipam_id)
        .client_token(client_token);
    if !tags.is_empty() {
        let mut spec = TagSpecification::builder()
            .resource_type(ResourceType::IpamExternalResourceVerificationToken);
        for tag in tags {
            spec = spec.tags(sdk_tag(tag));
        }
        request = request.tag_specifications(spec.build());
    }
    request
}

const CREATE_ACTION: &str = "ec2:CreateIpamExternalResourceVerificationToken";

pub async fn create_token(
    client: &Client,
    scope: &Scope,
    ipam_id: &str,
    tags: &[Tag],
    client_token: &str,
    seen: &str,
) -> Result<Created, AwsFailure> {
    let output = create_request(client, ipam_id, tags, client_token)
        .send()
        .await
        .map_err(|e| failure(e, CREATE_ACTION, scope))?;
    let request_id = output.request_id().unwrap_or_default().to_string();
    let token = output
        .ipam_external_resource_verification_token()
        .cloned()
        .unwrap_or_else(|| IpamExternalResourceVerificationToken::builder().build());
    Ok(Created {
        resource: token_resource(&token, scope, seen),
        token_name: token.token_name().unwrap_or_default().to_string(),
        token_value: token.token_value().unwrap_or_default().to_string(),
        request_id,
    })
}

/// Sends the create with DryRun: Ok when AWS answers DryRunOperation (it would have succeeded).
pub async fn check_create_token(
    client: &Client,
    scope: &Scope,
    ipam_id: &str,
    tags: &[Tag],
    client_token: &str,
) -> Result<(), AwsFailure> {
    let result = create_request(client, ipam_id, tags, client_token)
        .dry_run(true)
        .send()
        .await;
    dry_run_outcome(result, CREATE_ACTION, scope)
}

/// Returns the AWS request id.
pub async fn delete_token(client: &Client, scope: &Scope, id: &str) -> Result<String, AwsFailure> {
    answered(
        client
            .delete_ipam_external_resource_verification_token()
            .ipam_external_resource_verification_token_id(id)
            .send()
            .await,
        "ec2:DeleteIpamExternalResourceVerificationToken",
        scope,
    )
}

/// Reads one token back (after a change), or `None` if AWS no longer has it.
pub async fn get_token(
    client: &Client,
    scope: &Scope,
    id: &str,
    seen: &str,
) -> Result<Option<AwsItem>, AwsFailure> {
    let result = client
        .describe_ipam_external_resource_verification_tokens()
        .ipam_external_resource_verification_token_ids(id)
        .send()
        .await;
    match result {
        Ok(output) => Ok(output
            .ipam_external_resource_verification_tokens()
            .first()
            .map(|t| token_resource(t, scope, seen))),
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
            "ec2:DescribeIpamExternalResourceVerificationTokens",
            scope,
        )),
    }
}

/// The adapter of [`ResourceKind::VerificationToken`].
pub struct VerificationTokens;

#[async_trait::async_trait]
impl KindAdapter for VerificationTokens {
    fn kind(&self) -> ResourceKind {
        ResourceKind::VerificationToken
    }

    /// DescribeIpamExternalResourceVerificationTokens carries every field and the tags.
    fn fewest_calls(&self, _items: u64) -> u64 {
        1
    }

    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        list_tokens(&at.ec2().await, &at.scope, &at.seen).await
    }

    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        get_token(&at.ec2().await, &at.scope, id, &at.seen).await
    }

    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        delete_token(&at.ec2().await, &at.scope, id).await
    }

    /// The IPAMs of every account and region, and the form's idempotency token.
    async fn form_options(&self, _form: &str, places: Vec<At>) -> Result<Value, AppError> {
        let ipams = gather(places, |at| async move {
            list_ipams(&at.ec2().await, &at.scope).await
        })
        .await?;
        Ok(reply(&TokenFormOptions {
            ipams,
            client_token: crate::csrf::client_token(),
        }))
    }

    fn plan(&self, request: KindRequest) -> Result<Plan, AppError> {
        if request.action != "create" {
            return Err(unknown_action(&request));
        }
        let form: NewVerificationToken = form_of(&request)?;
        let VerificationTokenRequest {
            account,
            region,
            ipam_id,
            tags,
        } = check_verification_token(&form)?;
        let allowed = format!("{account}/{region} may create verification tokens in {ipam_id}");
        let target = ResourceRef {
            kind: ResourceKind::VerificationToken,
            account,
            region,
            id: ipam_id.clone(),
        };
        let params = json!({ "ipam_id": ipam_id, "tags": tags, "client_token": form.client_token });
        let checked = (ipam_id.clone(), tags.clone(), form.client_token.clone());
        Ok(Plan {
            action: "ec2.create_verification_token",
            target,
            params,
            run: Box::new(move |at| {
                Box::pin(async move {
                    let client = at.ec2().await;
                    let created = create_token(
                        &client,
                        &at.scope,
                        &ipam_id,
                        &tags,
                        &form.client_token,
                        &at.seen,
                    )
                    .await?;
                    let shown = CreatedVerificationToken {
                        resource: created.resource.clone(),
                        token_name: created.token_name,
                        token_value: created.token_value,
                    };
                    Ok(Done {
                        request_id: created.request_id,
                        redirect: Some(format!(
                            "{}?created=1",
                            created.resource.item.detail_path()
                        )),
                        cache: CacheChange::Upsert(created.resource),
                        reply: reply(&TokenFormOutcome::Created(Box::new(shown))),
                        flash: "Verification token created.".into(),
                        shown_once: None,
                    })
                })
            }),
            dry_run: Some(DryRunPlan {
                run: Box::new(move |at| {
                    Box::pin(async move {
                        let (ipam_id, tags, client_token) = checked;
                        check_create_token(
                            &at.ec2().await,
                            &at.scope,
                            &ipam_id,
                            &tags,
                            &client_token,
                        )
                        .await
                    })
                }),
                allowed,
                reply: |check| reply(&TokenFormOutcome::Checked(check)),
            }),
        })
    }
}
