//! Multi-party approval identity sources and their tags. An item's id is the last part of its
//! ARN (URLs cannot carry the ARN's slash); the ARN is rebuilt from the account and region.

use std::collections::HashMap;

use app::kinds::identity_source::{check_identity_source, NewIdentitySource};
use app::model::{AppError, AwsItem, ResourceKind, ResourceRef, Tag};
use app::ports::KindRequest;
use aws_sdk_mpa::operation::RequestId;
use aws_sdk_mpa::types::{IamIdentityCenter, IdentitySourceParameters};
use aws_sdk_mpa::Client;
use serde_json::json;

use super::error::{answered, failure, AwsFailure, Scope};
use super::field;
use super::kind::{form_of, reply, unknown_action, At, CacheChange, Done, KindAdapter, Plan};

pub fn arn(scope: &Scope, id: &str) -> String {
    format!(
        "arn:aws:mpa:{}:{}:identity-source/{id}",
        scope.region, scope.account_id
    )
}

fn id_of(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

async fn tags(client: &Client, scope: &Scope, arn: &str) -> Result<Vec<Tag>, AwsFailure> {
    let output = client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| failure(e, "mpa:ListTagsForResource", scope))?;
    let mut tags: Vec<Tag> = output
        .tags()
        .map(|m| {
            m.iter()
                .map(|(k, v)| Tag {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    tags.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(tags)
}

struct Source {
    arn: String,
    instance_arn: String,
    instance_region: String,
    portal: String,
    status: String,
    created: Option<String>,
}

fn item(source: Source, tags: Vec<Tag>, scope: &Scope, seen: &str) -> AwsItem {
    let id = id_of(&source.arn);
    let name = tags
        .iter()
        .find(|t| t.key == "Name")
        .map(|t| t.value.clone())
        .unwrap_or_else(|| id_of(&source.instance_arn));
    let fields = [
        field("Identity source ARN", Some(&source.arn)),
        field("Type", Some("IAM Identity Center")),
        field("Instance ARN", Some(&source.instance_arn)),
        field("Instance region", Some(&source.instance_region)),
        field("Approval portal", Some(&source.portal)),
        field("Created", source.created.as_deref()),
    ]
    .into_iter()
    .flatten()
    .collect();
    AwsItem {
        item: ResourceRef {
            kind: ResourceKind::IdentitySource,
            account: scope.account.clone(),
            region: scope.region.clone(),
            id,
        },
        account_id: scope.account_id.clone(),
        name,
        status: source.status.to_lowercase(),
        expires_at: None,
        tags,
        fields,
        last_seen: seen.to_string(),
        expires_in_days: None,
    }
}

pub async fn list(client: &Client, scope: &Scope, seen: &str) -> Result<Vec<AwsItem>, AwsFailure> {
    let mut sources = Vec::new();
    let mut pages = client
        .list_identity_sources()
        .max_results(20)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| failure(e, "mpa:ListIdentitySources", scope))?;
        for s in page.identity_sources() {
            let center = s
                .identity_source_parameters()
                .and_then(|p| p.as_iam_identity_center().ok());
            sources.push(Source {
                arn: s.identity_source_arn().unwrap_or_default().to_string(),
                instance_arn: center
                    .and_then(|c| c.instance_arn())
                    .unwrap_or_default()
                    .to_string(),
                instance_region: center
                    .and_then(|c| c.region())
                    .unwrap_or_default()
                    .to_string(),
                portal: center
                    .and_then(|c| c.approval_portal_url())
                    .unwrap_or_default()
                    .to_string(),
                status: s
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                created: s
                    .creation_time()
                    .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), 0))
                    .map(crate::time::timestamp),
            });
        }
    }
    let mut items = Vec::new();
    for source in sources {
        let tags = tags(client, scope, &source.arn).await?;
        items.push(item(source, tags, scope, seen));
    }
    Ok(items)
}

pub async fn get(
    client: &Client,
    scope: &Scope,
    id: &str,
    seen: &str,
) -> Result<Option<AwsItem>, AwsFailure> {
    let arn = arn(scope, id);
    let output = match client
        .get_identity_source()
        .identity_source_arn(&arn)
        .send()
        .await
    {
        Ok(output) => output,
        Err(err)
            if aws_sdk_mpa::error::ProvideErrorMetadata::code(&err)
                == Some("ResourceNotFoundException") =>
        {
            return Ok(None)
        }
        Err(err) => return Err(failure(err, "mpa:GetIdentitySource", scope)),
    };
    let center = output
        .identity_source_parameters()
        .and_then(|p| p.as_iam_identity_center().ok());
    let source = Source {
        arn: arn.clone(),
        instance_arn: center
            .and_then(|c| c.instance_arn())
            .unwrap_or_default()
            .to_string(),
        instance_region: center
            .and_then(|c| c.region())
            .unwrap_or_default()
            .to_string(),
        portal: center
            .and_then(|c| c.approval_portal_url())
            .unwrap_or_default()
            .to_string(),
        status: output
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        created: output
            .creation_time()
            .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), 0))
            .map(crate::time::timestamp),
    };
    let tags = tags(client, scope, &arn).await?;
    Ok(Some(item(source, tags, scope, seen)))
}

/// Returns the new source's id and AWS's request id.
pub async fn create(
    client: &Client,
    scope: &Scope,
    instance_arn: &str,
    instance_region: &str,
    tags: &[Tag],
    client_token: &str,
) -> Result<(String, String), AwsFailure> {
    let center = IamIdentityCenter::builder()
        .instance_arn(instance_arn)
        .region(instance_region)
        .build()
        .map_err(|e| AwsFailure {
            error: app::model::AppError::internal(),
            code: format!("Build: {e}"),
            request_id: String::new(),
        })?;
    let map: HashMap<String, String> = tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    let output = client
        .create_identity_source()
        .identity_source_parameters(
            IdentitySourceParameters::builder()
                .iam_identity_center(center)
                .build(),
        )
        .set_tags((!map.is_empty()).then_some(map))
        .client_token(client_token)
        .send()
        .await
        .map_err(|e| failure(e, "mpa:CreateIdentitySource", scope))?;
    Ok((
        id_of(output.identity_source_arn().unwrap_or_default()),
        output.request_id().unwrap_or_default().to_string(),
    ))
}

pub async fn delete(client: &Client, scope: &Scope, id: &str) -> Result<String, AwsFailure> {
    answered(
        client
            .delete_identity_source()
            .identity_source_arn(arn(scope, id))
            .send()
            .await,
        "mpa:DeleteIdentitySource",
        scope,
    )
}

pub async fn tag(
    client: &Client,
    scope: &Scope,
    id: &str,
    tags: &[Tag],
) -> Result<String, AwsFailure> {
    let map: HashMap<String, String> = tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    answered(
        client
            .tag_resource()
            .resource_arn(arn(scope, id))
            .set_tags(Some(map))
            .send()
            .await,
        "mpa:TagResource",
        scope,
    )
}

pub async fn untag(
    client: &Client,
    scope: &Scope,
    id: &str,
    keys: &[String],
) -> Result<String, AwsFailure> {
    answered(
        client
            .untag_resource()
            .resource_arn(arn(scope, id))
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await,
        "mpa:UntagResource",
        scope,
    )
}

/// The adapter of [`ResourceKind::IdentitySource`].
pub struct IdentitySources;

#[async_trait::async_trait]
impl KindAdapter for IdentitySources {
    fn kind(&self) -> ResourceKind {
        ResourceKind::IdentitySource
    }

    /// ListIdentitySources lacks tags: ListTagsForResource per item.
    fn fewest_calls(&self, items: u64) -> u64 {
        1 + items
    }

    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        list(&at.mpa().await, &at.scope, &at.seen).await
    }

    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        get(&at.mpa().await, &at.scope, id, &at.seen).await
    }

    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        delete(&at.mpa().await, &at.scope, id).await
    }

    async fn tag(&self, at: &At, id: &str, tags: &[Tag]) -> Result<String, AwsFailure> {
        tag(&at.mpa().await, &at.scope, id, tags).await
    }

    async fn untag(&self, at: &At, id: &str, keys: &[String]) -> Result<String, AwsFailure> {
        untag(&at.mpa().await, &at.scope, id, keys).await
    }

    fn plan(&self, request: KindRequest) -> Result<Plan, AppError> {
        if request.action != "create" {
            return Err(unknown_action(&request));
        }
        let form: NewIdentitySource = form_of(&request)?;
        let tags = check_identity_source(&form)?;
        let (account, region) = form
            .target
            .split_once('/')
            .map(|(a, r)| (a.to_string(), r.to_string()))
            .unwrap_or_default();
        let (instance_arn, instance_region) = (
            form.instance_arn.trim().to_string(),
            form.instance_region.trim().to_string(),
        );
        let params = json!({ "instance_arn": instance_arn, "instance_region": instance_region, "tags": tags, "client_token": form.client_token });
        Ok(Plan {
            action: "mpa.create_identity_source",
            target: ResourceRef {
                kind: ResourceKind::IdentitySource,
                account,
                region,
                id: instance_arn.clone(),
            },
            params,
            run: Box::new(move |at| {
                Box::pin(async move {
                    let client = at.mpa().await;
                    let (id, request_id) = create(
                        &client,
                        &at.scope,
                        &instance_arn,
                        &instance_region,
                        &tags,
                        &form.client_token,
                    )
                    .await?;
                    let item = at.item(ResourceKind::IdentitySource, &id);
                    let fresh = get(&client, &at.scope, &id, &at.seen).await?;
                    Ok(Done {
                        request_id,
                        redirect: Some(item.detail_path()),
                        reply: reply(&item),
                        cache: CacheChange::fresh(item, fresh),
                        flash: "Identity source created.".into(),
                        shown_once: None,
                    })
                })
            }),
            dry_run: None,
        })
    }
}
