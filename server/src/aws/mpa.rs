//! Multi-party approval identity sources and their tags. An item's id is the last part of its
//! ARN (URLs cannot carry the ARN's slash); the ARN is rebuilt from the account and region.

use std::collections::HashMap;

use app::kinds::identity_source::{check_identity_source, NewIdentitySource};
use app::model::{AppError, AwsItem, ResourceKind, Tag};
use app::ports::KindRequest;
use aws_sdk_mpa::types::{IamIdentityCenter, IdentitySourceParameters, IdentitySourceStatus};
use serde_json::json;

use super::error::{answered, failure, found, output_of, request_id, AwsFailure, Scope};
use super::kind::{
    form_of, target, At, Done, ItemCalls, KindAdapter, Plan, Planner, TagChange, Tagging,
};
use super::{date, field, name_tag};

const KIND: ResourceKind = ResourceKind::IdentitySource;

pub fn arn(scope: &Scope, id: &str) -> String {
    format!(
        "arn:aws:mpa:{}:{}:identity-source/{id}",
        scope.region, scope.account_id
    )
}

fn id_of(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

/// Tags as Multi-party approval takes them: a map of key to value.
fn tag_map(tags: &[Tag]) -> HashMap<String, String> {
    tags.iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

async fn tags(at: &At, arn: &str) -> Result<Vec<Tag>, AwsFailure> {
    let output = at
        .mpa()
        .await
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| failure(e, "mpa:ListTagsForResource", &at.scope))?;
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

/// An identity source as listed or read.
struct Source {
    arn: String,
    instance_arn: String,
    instance_region: String,
    portal: String,
    status: String,
    created: Option<String>,
}

impl Source {
    /// `center` is the source's IAM Identity Center instance: its ARN, region and approval
    /// portal, as AWS gave them.
    fn new(
        arn: &str,
        center: [Option<&str>; 3],
        status: Option<&IdentitySourceStatus>,
        created: Option<&aws_smithy_types::DateTime>,
    ) -> Self {
        let [instance_arn, instance_region, portal] =
            center.map(|v| v.unwrap_or_default().to_string());
        Self {
            arn: arn.to_string(),
            instance_arn,
            instance_region,
            portal,
            status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
            created: created.and_then(date),
        }
    }

    fn item(self, tags: Vec<Tag>, at: &At) -> AwsItem {
        let id = id_of(&self.arn);
        let name = name_tag(&tags).unwrap_or_else(|| id_of(&self.instance_arn));
        let fields = [
            field("Identity source ARN", Some(&self.arn)),
            field("Type", Some("IAM Identity Center")),
            field("Instance ARN", Some(&self.instance_arn)),
            field("Instance region", Some(&self.instance_region)),
            field("Approval portal", Some(&self.portal)),
            field("Created", self.created.as_deref()),
        ];
        at.aws_item(KIND, &id, name, self.status.to_lowercase(), tags, fields)
    }
}

/// The adapter of [`ResourceKind::IdentitySource`].
pub struct IdentitySources;

#[async_trait::async_trait]
impl Tagging for IdentitySources {
    async fn change(&self, at: &At, id: &str, change: TagChange<'_>) -> Result<String, AwsFailure> {
        let (client, arn) = (at.mpa().await, arn(&at.scope, id));
        match change {
            TagChange::Set(tags) => {
                let call = client.tag_resource().resource_arn(arn);
                answered(
                    call.set_tags(Some(tag_map(tags))).send().await,
                    "mpa:TagResource",
                    &at.scope,
                )
            }
            TagChange::Remove(keys) => {
                let call = client.untag_resource().resource_arn(arn);
                let sent = call.set_tag_keys(Some(keys.to_vec())).send().await;
                answered(sent, "mpa:UntagResource", &at.scope)
            }
        }
    }
}

impl IdentitySources {
    fn plan_create(request: &KindRequest) -> Result<Plan, AppError> {
        let form: NewIdentitySource = form_of(request)?;
        let tags = check_identity_source(&form)?;
        let (account, region) = form.target.split_once('/').unwrap_or_default();
        let (instance_arn, instance_region) = (
            form.instance_arn.trim().to_string(),
            form.instance_region.trim().to_string(),
        );
        let target = target(KIND, account, region, &instance_arn);
        let params = json!({ "instance_arn": instance_arn, "instance_region": instance_region, "tags": tags, "client_token": form.client_token });
        let run = move |at: At| async move {
            let center = IamIdentityCenter::builder()
                .instance_arn(instance_arn)
                .region(instance_region)
                .build()
                .map_err(|e| AwsFailure {
                    error: AppError::internal(),
                    code: format!("Build: {e}"),
                    request_id: String::new(),
                })?;
            let map = tag_map(&tags);
            let output = at
                .mpa()
                .await
                .create_identity_source()
                .identity_source_parameters(
                    IdentitySourceParameters::builder()
                        .iam_identity_center(center)
                        .build(),
                )
                .set_tags((!map.is_empty()).then_some(map))
                .client_token(&form.client_token)
                .send()
                .await
                .map_err(|e| failure(e, "mpa:CreateIdentitySource", &at.scope))?;
            let id = id_of(output.identity_source_arn().unwrap_or_default());
            let cache = at.fresh(KIND, &id).await?;
            Ok(Done::created(
                request_id(&output),
                cache,
                "Identity source created.",
            ))
        };
        Ok(Plan::new("identity-source.create", target, params, run))
    }
}

#[async_trait::async_trait]
impl ItemCalls for IdentitySources {
    fn kind(&self) -> ResourceKind {
        KIND
    }

    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        let arn = arn(&at.scope, id);
        let read = at
            .mpa()
            .await
            .get_identity_source()
            .identity_source_arn(&arn);
        let Some(read) = found(read.send().await, "mpa:GetIdentitySource", &at.scope)? else {
            return Ok(None);
        };
        let center = read
            .identity_source_parameters()
            .and_then(|p| p.as_iam_identity_center().ok());
        let center = center.map_or([None; 3], |c| {
            [c.instance_arn(), c.region(), c.approval_portal_url()]
        });
        let source = Source::new(&arn, center, read.status(), read.creation_time());
        Ok(Some(source.item(tags(at, &arn).await?, at)))
    }

    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        let sent = at
            .mpa()
            .await
            .delete_identity_source()
            .identity_source_arn(arn(&at.scope, id));
        answered(sent.send().await, "mpa:DeleteIdentitySource", &at.scope)
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(self)
    }
}

#[async_trait::async_trait]
impl KindAdapter for IdentitySources {
    /// ListIdentitySources lacks tags: ListTagsForResource per item.
    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let listed = at.mpa().await.list_identity_sources().max_results(20);
        let listed = listed.into_paginator().items().send().try_collect().await;
        let listed = output_of(listed, "mpa:ListIdentitySources", &at.scope)?;
        let mut items = Vec::new();
        for listed in listed {
            let center = listed
                .identity_source_parameters()
                .and_then(|p| p.as_iam_identity_center().ok());
            let center = center.map_or([None; 3], |c| {
                [c.instance_arn(), c.region(), c.approval_portal_url()]
            });
            let arn = listed.identity_source_arn().unwrap_or_default();
            let source = Source::new(arn, center, listed.status(), listed.creation_time());
            items.push(source.item(tags(at, arn).await?, at));
        }
        Ok(items)
    }

    fn actions(&self) -> &'static [(&'static str, Planner)] {
        &[("create", Self::plan_create)]
    }
}
