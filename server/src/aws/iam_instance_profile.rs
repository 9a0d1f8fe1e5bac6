//! IAM instance profiles: the container of the one role an EC2 instance assumes. Global per
//! account; an item's id is the profile's name (unique in its account).

use app::kinds::instance_profile::{
    check_instance_profile, check_role_change, InstanceProfileRequest, NewInstanceProfile,
    RoleChange, RoleChoice, RoleChoices,
};
use app::model::{AppError, AwsItem, Field, ResourceKind, Tag};
use app::ports::KindRequest;
use aws_sdk_iam::operation::RequestId;
use aws_sdk_iam::types::InstanceProfile;
use aws_sdk_iam::Client;
use serde_json::{json, Value};

use super::error::{answered, failure, AwsFailure, Scope};
use super::field;
use super::iam::{all_tags, date, found, model_tags, next_marker, sdk_tags};
use super::kind::{
    form_of, gather, item_of, reply, unknown_action, At, CacheChange, Done, KindAdapter, Plan,
};

const KIND: ResourceKind = ResourceKind::InstanceProfile;

fn item(profile: &InstanceProfile, tags: Vec<Tag>, at: &At) -> AwsItem {
    let name = profile.instance_profile_name();
    let role = profile.roles().first();
    let fields: Vec<Field> = [
        field("ARN", Some(profile.arn())),
        field("Path", Some(profile.path())),
        field("Instance profile ID", Some(profile.instance_profile_id())),
        field("Created", date(profile.create_date()).as_deref()),
        field("Role", role.map(|r| r.role_name())),
        field("Role ARN", role.map(|r| r.arn())),
    ]
    .into_iter()
    .flatten()
    .collect();
    AwsItem {
        item: at.item(KIND, name),
        account_id: at.scope.account_id.clone(),
        name: name.to_string(),
        status: if role.is_some() {
            "role attached"
        } else {
            "no role"
        }
        .into(),
        expires_at: None,
        tags,
        fields,
        last_seen: at.seen.clone(),
        expires_in_days: None,
    }
}

/// ListInstanceProfiles does not return tags (IAM's listings leave them out): one
/// ListInstanceProfileTags per profile reads them.
async fn tags(client: &Client, scope: &Scope, name: &str) -> Result<Vec<Tag>, AwsFailure> {
    all_tags(|marker| async move {
        let page = client
            .list_instance_profile_tags()
            .instance_profile_name(name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| failure(e, "iam:ListInstanceProfileTags", scope))?;
        let next = next_marker(page.is_truncated(), page.marker());
        Ok((page.tags().to_vec(), next))
    })
    .await
}

async fn roles(at: At) -> Result<Vec<RoleChoice>, AwsFailure> {
    let client = at.iam().await;
    let mut choices = Vec::new();
    let mut pages = client.list_roles().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| failure(e, "iam:ListRoles", &at.scope))?;
        choices.extend(page.roles().iter().map(|role| RoleChoice {
            account: at.scope.account.clone(),
            name: role.role_name().to_string(),
            arn: role.arn().to_string(),
        }));
    }
    Ok(choices)
}

/// The adapter of [`ResourceKind::InstanceProfile`].
pub struct InstanceProfiles;

impl InstanceProfiles {
    fn plan_create(form: NewInstanceProfile) -> Result<Plan, AppError> {
        let InstanceProfileRequest {
            account,
            name,
            path,
            tags,
        } = check_instance_profile(&form)?;
        let params = json!({ "name": name, "path": path, "tags": tags });
        Ok(Plan {
            action: "iam.create_instance_profile",
            target: app::model::ResourceRef {
                kind: KIND,
                account,
                region: app::model::GLOBAL_REGION.into(),
                id: name.clone(),
            },
            params,
            run: Box::new(move |at| {
                Box::pin(async move {
                    let client = at.iam().await;
                    let output = client
                        .create_instance_profile()
                        .instance_profile_name(&name)
                        .set_path((!path.is_empty()).then_some(path))
                        .set_tags((!tags.is_empty()).then(|| sdk_tags(&tags)).transpose()?)
                        .send()
                        .await
                        .map_err(|e| failure(e, "iam:CreateInstanceProfile", &at.scope))?;
                    let created = match output.instance_profile() {
                        Some(profile) => item(profile, tags, &at),
                        None => return Err(missing("iam:CreateInstanceProfile", &at)),
                    };
                    let target = created.item.clone();
                    Ok(Done {
                        request_id: output.request_id().unwrap_or_default().to_string(),
                        redirect: Some(target.detail_path()),
                        reply: reply(&target),
                        cache: CacheChange::Upsert(created),
                        flash: "Instance profile created.".into(),
                        shown_once: None,
                    })
                })
            }),
            dry_run: None,
        })
    }

    fn plan_role(request: &KindRequest, adding: bool) -> Result<Plan, AppError> {
        let target = item_of(request)?;
        let change: RoleChange = form_of(request)?;
        let role = check_role_change(&change)?;
        let (action, call) = if adding {
            (
                "iam.add_role_to_instance_profile",
                "iam:AddRoleToInstanceProfile",
            )
        } else {
            (
                "iam.remove_role_from_instance_profile",
                "iam:RemoveRoleFromInstanceProfile",
            )
        };
        let profile = target.id.clone();
        Ok(Plan {
            action,
            params: json!({ "instance_profile": profile, "role": role }),
            target,
            run: Box::new(move |at| {
                Box::pin(async move {
                    let client = at.iam().await;
                    let request_id = if adding {
                        client
                            .add_role_to_instance_profile()
                            .instance_profile_name(&profile)
                            .role_name(&role)
                            .send()
                            .await
                            .map(|o| o.request_id().unwrap_or_default().to_string())
                            .map_err(|e| failure(e, call, &at.scope))?
                    } else {
                        client
                            .remove_role_from_instance_profile()
                            .instance_profile_name(&profile)
                            .role_name(&role)
                            .send()
                            .await
                            .map(|o| o.request_id().unwrap_or_default().to_string())
                            .map_err(|e| failure(e, call, &at.scope))?
                    };
                    let fresh = InstanceProfiles.get(&at, &profile).await?;
                    Ok(Done {
                        request_id,
                        cache: CacheChange::fresh(at.item(KIND, &profile), fresh),
                        reply: reply(&()),
                        redirect: None,
                        flash: if adding {
                            format!("Role {role} added.")
                        } else {
                            format!("Role {role} removed.")
                        },
                        shown_once: None,
                    })
                })
            }),
            dry_run: None,
        })
    }
}

fn missing(action: &str, at: &At) -> AwsFailure {
    tracing::warn!(action, account = %at.scope.account, "AWS answered without the item");
    AwsFailure {
        error: AppError::unavailable(format!(
            "AWS answered {action} without the item; refresh the inventory to see it."
        )),
        code: "EmptyAnswer".into(),
        request_id: String::new(),
    }
}

#[async_trait::async_trait]
impl KindAdapter for InstanceProfiles {
    fn kind(&self) -> ResourceKind {
        KIND
    }

    /// ListInstanceProfiles lacks tags here: ListInstanceProfileTags per item.
    fn fewest_calls(&self, items: u64) -> u64 {
        1 + items
    }

    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let client = at.iam().await;
        let mut items = Vec::new();
        let mut pages = client.list_instance_profiles().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| failure(e, "iam:ListInstanceProfiles", &at.scope))?;
            for profile in page.instance_profiles() {
                let tags = tags(&client, &at.scope, profile.instance_profile_name()).await?;
                items.push(item(profile, tags, at));
            }
        }
        Ok(items)
    }

    /// GetInstanceProfile returns the tags too.
    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        let client = at.iam().await;
        let output = found(
            client
                .get_instance_profile()
                .instance_profile_name(id)
                .send()
                .await,
            "iam:GetInstanceProfile",
            &at.scope,
        )?;
        Ok(output
            .as_ref()
            .and_then(|o| o.instance_profile())
            .map(|profile| item(profile, model_tags(profile.tags()), at)))
    }

    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        answered(
            at.iam()
                .await
                .delete_instance_profile()
                .instance_profile_name(id)
                .send()
                .await,
            "iam:DeleteInstanceProfile",
            &at.scope,
        )
    }

    async fn tag(&self, at: &At, id: &str, tags: &[Tag]) -> Result<String, AwsFailure> {
        answered(
            at.iam()
                .await
                .tag_instance_profile()
                .instance_profile_name(id)
                .set_tags(Some(sdk_tags(tags)?))
                .send()
                .await,
            "iam:TagInstanceProfile",
            &at.scope,
        )
    }

    async fn untag(&self, at: &At, id: &str, keys: &[String]) -> Result<String, AwsFailure> {
        answered(
            at.iam()
                .await
                .untag_instance_profile()
                .instance_profile_name(id)
                .set_tag_keys(Some(keys.to_vec()))
                .send()
                .await,
            "iam:UntagInstanceProfile",
            &at.scope,
        )
    }

    /// `roles`: the roles of every account, to put in a profile.
    async fn form_options(&self, form: &str, places: Vec<At>) -> Result<Value, AppError> {
        if form != "roles" {
            return Err(AppError::not_found(format!(
                "Instance profiles have no form named {form}."
            )));
        }
        let roles = gather(places, roles).await?;
        Ok(reply(&RoleChoices { roles }))
    }

    fn plan(&self, request: KindRequest) -> Result<Plan, AppError> {
        match request.action.as_str() {
            "create" => Self::plan_create(form_of(&request)?),
            "add-role" => Self::plan_role(&request, true),
            "remove-role" => Self::plan_role(&request, false),
            _ => Err(unknown_action(&request)),
        }
    }
}
