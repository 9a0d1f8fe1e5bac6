//! IAM instance profiles: the container of the one role an EC2 instance assumes. Global per
//! account; an item's id is the profile's name (unique in its account).

use app::kinds::instance_profile::{
    check_instance_profile, check_role_change, NewInstanceProfile, RoleChange, RoleChoice,
    RoleChoices,
};
use app::model::{AppError, AwsItem, ResourceKind, Tag, GLOBAL_REGION};
use app::ports::KindRequest;
use aws_sdk_iam::operation::get_instance_profile::GetInstanceProfileOutput;
use aws_sdk_iam::types::InstanceProfile;
use serde_json::{json, Value};

use super::error::{answered, output_of, request_id, AwsFailure};
use super::iam::{
    create_tags, iam_item_calls, listing_calls, listing_carries_tags, model_tags, PAGE_SIZE,
};
use super::kind::{
    form_of, gather, item_of, reply, target, At, CacheChange, Done, KindAdapter, Plan, Planner,
};
use super::{date, field};

const KIND: ResourceKind = ResourceKind::InstanceProfile;

// ListInstanceProfileTags reads a profile's tags when its listing leaves them out (see
// `list`).
iam_item_calls!(InstanceProfiles (KIND): instance_profile_name = |_: &At, name: &str| name.to_string(),
    // GetInstanceProfile returns the tags too.
    get_instance_profile "iam:GetInstanceProfile" => |read: GetInstanceProfileOutput, _, at| {
        let profile = read.instance_profile()?;
        Some(item(profile, model_tags(profile.tags()), at))
    },
    delete_instance_profile "iam:DeleteInstanceProfile",
    tag_instance_profile "iam:TagInstanceProfile", untag_instance_profile "iam:UntagInstanceProfile",
    list_instance_profile_tags "iam:ListInstanceProfileTags");

fn item(profile: &InstanceProfile, tags: Vec<Tag>, at: &At) -> AwsItem {
    let name = profile.instance_profile_name();
    let role = profile.roles().first();
    let fields = [
        field("ARN", Some(profile.arn())),
        field("Path", Some(profile.path())),
        field("Instance profile ID", Some(profile.instance_profile_id())),
        field("Created", date(profile.create_date()).as_deref()),
        field("Role", role.map(|r| r.role_name())),
        field("Role ARN", role.map(|r| r.arn())),
    ];
    let status = if role.is_some() {
        "role attached"
    } else {
        "no role"
    };
    at.aws_item(KIND, name, name.into(), status.into(), tags, fields)
}

async fn roles(at: At) -> Result<Vec<RoleChoice>, AwsFailure> {
    let roles = at.iam().await.list_roles().into_paginator().items().send();
    let roles = output_of(roles.try_collect().await, "iam:ListRoles", &at.scope)?;
    Ok(roles
        .iter()
        .map(|role| RoleChoice {
            account: at.scope.account.clone(),
            name: role.role_name().to_string(),
            arn: role.arn().to_string(),
        })
        .collect())
}

const ACTIONS: &[(&str, Planner)] = &[
    ("create", InstanceProfiles::plan_create),
    ("add-role", |request| {
        InstanceProfiles::plan_role(request, true)
    }),
    ("remove-role", |request| {
        InstanceProfiles::plan_role(request, false)
    }),
];

/// The adapter of [`ResourceKind::InstanceProfile`].
pub struct InstanceProfiles;

impl InstanceProfiles {
    fn plan_create(request: &KindRequest) -> Result<Plan, AppError> {
        let new = check_instance_profile(&form_of::<NewInstanceProfile>(request)?)?;
        let params = json!({ "name": new.name, "path": new.path, "tags": new.tags });
        let target = target(KIND, &new.account, GLOBAL_REGION, &new.name);
        let run = |at: At| async move {
            let call = at.iam().await.create_instance_profile();
            let call = call
                .instance_profile_name(&new.name)
                .set_tags(create_tags(&new.tags)?);
            let sent = call
                .set_path((!new.path.is_empty()).then_some(new.path))
                .send()
                .await;
            let output = output_of(sent, "iam:CreateInstanceProfile", &at.scope)?;
            let Some(profile) = output.instance_profile() else {
                return Err(missing("iam:CreateInstanceProfile", &at));
            };
            let cache = CacheChange::Upsert(item(profile, new.tags, &at));
            Ok(Done::created(
                request_id(&output),
                cache,
                "Instance profile created.",
            ))
        };
        Ok(Plan::new("instance-profile.create", target, params, run))
    }

    fn plan_role(request: &KindRequest, adding: bool) -> Result<Plan, AppError> {
        let target = item_of(request)?;
        let change: RoleChange = form_of(request)?;
        let role = check_role_change(&change)?;
        let (action, call) = if adding {
            ("instance-profile.add-role", "iam:AddRoleToInstanceProfile")
        } else {
            (
                "instance-profile.remove-role",
                "iam:RemoveRoleFromInstanceProfile",
            )
        };
        let params = json!({ "instance_profile": target.id, "role": role });
        let flash = if adding {
            format!("Role {role} added.")
        } else {
            format!("Role {role} removed.")
        };
        let send = move |at: At, profile: String| async move {
            let client = at.iam().await;
            if adding {
                let add = client.add_role_to_instance_profile().role_name(role);
                answered(
                    add.instance_profile_name(profile).send().await,
                    call,
                    &at.scope,
                )
            } else {
                let remove = client.remove_role_from_instance_profile().role_name(role);
                answered(
                    remove.instance_profile_name(profile).send().await,
                    call,
                    &at.scope,
                )
            }
        };
        Ok(Plan::change(action, target, params, send, move |_| flash))
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
    /// ListInstanceProfiles in pages of 1,000, whose profiles carry their tags since IAM's 2021
    /// tagging update: one call for up to 1,000 profiles. A listing that carries no tag at all
    /// ([`listing_carries_tags`]) has each profile's tags read with ListInstanceProfileTags.
    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let pages = at.iam().await.list_instance_profiles().into_paginator();
        let listed = pages
            .page_size(PAGE_SIZE)
            .items()
            .send()
            .try_collect()
            .await;
        let profiles = output_of(listed, "iam:ListInstanceProfiles", &at.scope)?;
        if listing_carries_tags(profiles.iter().map(|profile| profile.tags())) {
            let items = profiles.iter().map(|p| item(p, model_tags(p.tags()), at));
            return Ok(items.collect());
        }
        let mut items = Vec::with_capacity(profiles.len());
        for profile in &profiles {
            let tags = Self::list_tags(at, profile.instance_profile_name()).await?;
            items.push(item(profile, tags, at));
        }
        Ok(items)
    }

    /// One ListInstanceProfiles per 1,000 profiles, tags included.
    fn fewest_calls(&self, items: u64) -> u64 {
        listing_calls(items)
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

    fn actions(&self) -> &'static [(&'static str, Planner)] {
        ACTIONS
    }
}
