//! EC2 IPAM: the IPAMs a token can be created in, and external-resource verification tokens.

use app::kinds::verification_token::{
    check_verification_token, CreatedVerificationToken, IpamChoice, NewVerificationToken,
    TokenFormOptions, TokenFormOutcome, VerificationTokenRequest,
};
use app::model::{AppError, AwsItem, ResourceKind, Tag};
use app::ports::KindRequest;
use aws_sdk_ec2::types::{IpamExternalResourceVerificationToken, ResourceType};
use aws_sdk_ec2::Client;
use serde_json::{json, Value};

use super::ec2_tags::{model_tags, tag_specifications};
use super::error::{answered, dry_run_outcome, failure, found, output_of, request_id, AwsFailure};
use super::kind::{
    form_of, gather, reply, target, At, CacheChange, Done, DryRunPlan, ItemCalls, KindAdapter,
    Plan, Planner,
};
use super::pages::all_pages;
use super::{date, field, name_tag};

const KIND: ResourceKind = ResourceKind::VerificationToken;
/// DescribeIpamExternalResourceVerificationTokens allows 5 to 1000.
const PAGE_SIZE: i32 = 1000;
const DESCRIBE_ACTION: &str = "ec2:DescribeIpamExternalResourceVerificationTokens";

/// The cached form of a token: every field is safe to keep (the name and value are published in
/// DNS or RDAP to prove ownership).
fn item(token: &IpamExternalResourceVerificationToken, at: &At) -> AwsItem {
    let tags = model_tags(token.tags());
    let id = token
        .ipam_external_resource_verification_token_id()
        .unwrap_or_default();
    let name = name_tag(&tags).unwrap_or_else(|| id.to_string());
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
    ];
    let status = token.status().map(|s| s.as_str().to_string());
    AwsItem {
        expires_at: token.not_after().and_then(date),
        ..at.aws_item(KIND, id, name, status.unwrap_or_default(), tags, fields)
    }
}

async fn ipams(at: At) -> Result<Vec<IpamChoice>, AwsFailure> {
    let ipams = at.ec2().await.describe_ipams().max_results(1000);
    let ipams = ipams.into_paginator().items().send().try_collect().await;
    let ipams = output_of(ipams, "ec2:DescribeIpams", &at.scope)?;
    Ok(ipams
        .iter()
        .map(|ipam| IpamChoice {
            account: at.scope.account.clone(),
            region: at.scope.region.clone(),
            ipam_id: ipam.ipam_id().unwrap_or_default().to_string(),
            description: ipam.description().unwrap_or_default().to_string(),
        })
        .collect())
}

fn create_request(client: &Client, ipam_id: &str, tags: &[Tag], client_token: &str) -> aws_sdk_ec2::operation::create_ipam_external_resource_verification_token::builders::CreateIpamExternalResourceVerificationTokenFluentBuilder{
    let tags = tag_specifications(ResourceType::IpamExternalResourceVerificationToken, tags);
    client
        .create_ipam_external_resource_verification_token()
        .ipam_id(ipam_id)
        .client_token(client_token)
        .set_tag_specifications(tags)
}

const CREATE_ACTION: &str = "ec2:CreateIpamExternalResourceVerificationToken";

/// The adapter of [`ResourceKind::VerificationToken`].
pub struct VerificationTokens;

impl VerificationTokens {
    fn plan_create(request: &KindRequest) -> Result<Plan, AppError> {
        let form: NewVerificationToken = form_of(request)?;
        let VerificationTokenRequest {
            account,
            region,
            ipam_id,
            tags,
        } = check_verification_token(&form)?;
        let allowed = format!("{account}/{region} may create verification tokens in {ipam_id}");
        let target = target(KIND, &account, &region, &ipam_id);
        let params = json!({ "ipam_id": ipam_id, "tags": tags, "client_token": form.client_token });
        let checked = (ipam_id.clone(), tags.clone(), form.client_token.clone());
        let run = |at: At| async move {
            let output = create_request(&at.ec2().await, &ipam_id, &tags, &form.client_token)
                .send()
                .await
                .map_err(|e| failure(e, CREATE_ACTION, &at.scope))?;
            let token = output
                .ipam_external_resource_verification_token()
                .cloned()
                .unwrap_or_else(|| IpamExternalResourceVerificationToken::builder().build());
            let created = item(&token, &at);
            let redirect = format!("{}?created=1", created.item.detail_path());
            let shown = CreatedVerificationToken {
                resource: created.clone(),
                token_name: token.token_name().unwrap_or_default().to_string(),
                token_value: token.token_value().unwrap_or_default().to_string(),
            };
            let flash = "Verification token created.";
            Ok(Done {
                redirect: Some(redirect),
                reply: reply(&TokenFormOutcome::Created(Box::new(shown))),
                ..Done::new(request_id(&output), CacheChange::Upsert(created), flash)
            })
        };
        let plan = Plan::new("verification-token.create", target, params, run);
        let dry_run = DryRunPlan::new(
            allowed,
            |check| reply(&TokenFormOutcome::Checked(check)),
            |at| async move {
                let (ipam_id, tags, client_token) = checked;
                let request = create_request(&at.ec2().await, &ipam_id, &tags, &client_token);
                dry_run_outcome(request.dry_run(true).send().await, CREATE_ACTION, &at.scope)
            },
        );
        Ok(Plan {
            dry_run: Some(dry_run),
            ..plan
        })
    }
}

#[async_trait::async_trait]
impl ItemCalls for VerificationTokens {
    fn kind(&self) -> ResourceKind {
        KIND
    }

    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        let describe = at
            .ec2()
            .await
            .describe_ipam_external_resource_verification_tokens();
        let read = describe
            .ipam_external_resource_verification_token_ids(id)
            .send()
            .await;
        let read = found(read, DESCRIBE_ACTION, &at.scope)?;
        let token = read
            .as_ref()
            .and_then(|o| o.ipam_external_resource_verification_tokens().first());
        Ok(token.map(|token| item(token, at)))
    }

    /// Answers AWS's request id.
    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        let delete = at
            .ec2()
            .await
            .delete_ipam_external_resource_verification_token();
        let sent = delete
            .ipam_external_resource_verification_token_id(id)
            .send()
            .await;
        answered(
            sent,
            "ec2:DeleteIpamExternalResourceVerificationToken",
            &at.scope,
        )
    }
}

#[async_trait::async_trait]
impl KindAdapter for VerificationTokens {
    /// DescribeIpamExternalResourceVerificationTokens carries every field and the tags.
    fn fewest_calls(&self, _items: u64) -> u64 {
        1
    }

    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let client = at.ec2().await;
        all_pages(|next| {
            let describe = client.describe_ipam_external_resource_verification_tokens();
            let page = describe.max_results(PAGE_SIZE).set_next_token(next).send();
            async move {
                let page = page
                    .await
                    .map_err(|e| failure(e, DESCRIBE_ACTION, &at.scope))?;
                let tokens = page.ipam_external_resource_verification_tokens().iter();
                let items = tokens.map(|token| item(token, at)).collect();
                Ok((items, page.next_token().map(str::to_string)))
            }
        })
        .await
    }

    /// The IPAMs of every account and region, and the form's idempotency token.
    async fn form_options(&self, _form: &str, places: Vec<At>) -> Result<Value, AppError> {
        let ipams = gather(places, ipams).await?;
        Ok(reply(&TokenFormOptions {
            ipams,
            client_token: crate::csrf::client_token(),
        }))
    }

    fn actions(&self) -> &'static [(&'static str, Planner)] {
        &[("create", Self::plan_create)]
    }
}
