//! IAM instance profiles: the container of the one role an EC2 instance assumes. Global per
//! account. The detail page adds or removes the role (AWS refuses to delete a profile that still
//! holds one).

use crate::components::{ActionAlert, Card, CsrfField, FieldMessage, IamNameAndPath, Loaded};
use crate::components::{NewItemPage, SubmitButton, TagsField};
use crate::model::aws_rules::{check_iam_name, check_iam_name_and_path};
use crate::model::aws_rules::{global_target_account, parse_tags};
use crate::model::endpoint::{Endpoint, WITH_TAGS};
use crate::model::{AppError, AwsItem, FieldErrors, KindInfo, ResourceRef, Service, Tag, TagRules};
use crate::pages::resource::{ItemFields, ItemForm};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::ResourceKind;
#[cfg(feature = "ssr")]
use super::{act, form_options};

pub const INFO: KindInfo = KindInfo {
    slug: "instance-profile",
    title: "IAM instance profiles",
    singular: "instance profile",
    nav_label: "Instance profiles",
    path: "/instance-profiles",
    endpoints: &[
        Endpoint::changes_aws("instance-profiles/create").taking(WITH_TAGS),
        Endpoint::signed_in("instance-profiles/roles"),
        Endpoint::changes_aws("instance-profiles/add-role"),
        Endpoint::changes_aws("instance-profiles/remove-role"),
    ],
    ..KindInfo::of(Service::Iam)
};

const KIND: ResourceKind = ResourceKind::InstanceProfile;

/// CreateInstanceProfile's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewInstanceProfile {
    /// `account/global`.
    pub target: String,
    pub name: String,
    /// Empty means `/`.
    pub path: String,
    /// One `Key=Value` per line.
    pub tags: String,
}

/// A valid form: the account, and what to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfileRequest {
    pub account: String,
    pub name: String,
    pub path: String,
    pub tags: Vec<Tag>,
}

/// CreateInstanceProfile's rules: a name of up to 128 of IAM's name characters, a path, and
/// IAM's tag rules.
pub fn check_instance_profile(form: &NewInstanceProfile) -> Result<InstanceProfileRequest, AppError> {
    let mut errors = FieldErrors::new();
    let account = errors.take("target", global_target_account(&form.target));
    let (name, path) = check_iam_name_and_path(&mut errors, &form.name, &form.path, 128);
    let tags = errors.take("tags", parse_tags(TagRules::Iam, &form.tags));
    errors.into_result()?;
    Ok(InstanceProfileRequest {
        account,
        name: name.to_string(),
        path: path.to_string(),
        tags,
    })
}

/// The role to add to or remove from a profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleChange {
    pub role: String,
}

/// A role name: up to 64 of IAM's name characters.
pub fn check_role_change(change: &RoleChange) -> Result<String, AppError> {
    let mut errors = FieldErrors::new();
    let role = change.role.trim();
    errors.check("role", check_iam_name(role, "The role", 64));
    errors.into_result()?;
    Ok(role.to_string())
}

/// A role an instance profile can hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChoice {
    pub account: String,
    pub name: String,
    pub arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChoices {
    pub roles: Vec<RoleChoice>,
}

#[server(endpoint = "instance-profiles/create")]
pub async fn create_instance_profile(
    #[server(default)] _csrf: String,
    profile: NewInstanceProfile,
) -> Result<ResourceRef, AppError> {
    act(KIND, "create", None, &profile, crate::model::FormIntent::Create).await
}

/// The roles of every account (ListRoles).
#[server(endpoint = "instance-profiles/roles", input = GetUrl)]
pub async fn get_role_choices() -> Result<RoleChoices, AppError> {
    form_options(KIND, "roles").await
}

#[server(endpoint = "instance-profiles/add-role")]
pub async fn add_role_to_instance_profile(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    change: RoleChange,
) -> Result<(), AppError> {
    act(KIND, "add-role", Some(item), &change, crate::model::FormIntent::Create).await
}

#[server(endpoint = "instance-profiles/remove-role")]
pub async fn remove_role_from_instance_profile(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    change: RoleChange,
) -> Result<(), AppError> {
    act(KIND, "remove-role", Some(item), &change, crate::model::FormIntent::Create).await
}

#[component]
pub fn NewPage() -> impl IntoView {
    view! {
        <NewItemPage kind=KIND title="New IAM instance profile" arg="profile"
            action={ServerAction::<CreateInstanceProfile>::new()}
            about=|| "An instance profile passes one IAM role to the EC2 instances launched with it. Add the role on the profile's page once it exists."
            let:form>
            <IamNameAndPath form id="profile" arg="profile"
                name_hint="Up to 128 letters, digits and _ + = , . @ -"
                path_hint="Optional: begins and ends with /, e.g. /web/; empty means /" />
            <TagsField id="profile-tags" name="profile[tags]" error=form.error kind=KIND target_control=form.target_control placeholder="Owner=web-team@example.com" />
            <SubmitButton label="Create instance profile" pending=form.pending />
        </NewItemPage>
    }
}

/// The profile's role: remove it, or pick one of the account's roles to add.
pub fn detail_sections(resource: AwsItem, _just_created: bool) -> AnyView {
    let role = resource.field("Role").map(str::to_string);
    view! { <RoleSection item=resource.item role /> }.into_any()
}

#[component]
fn RoleSection(item: ResourceRef, role: Option<String>) -> impl IntoView {
    let body = match role {
        Some(role) => view! { <RemoveRole item role /> }.into_any(),
        None => view! { <AddRole item /> }.into_any(),
    };
    view! {
        <Card heading_id="role-heading" title="Role" id="profile-roles">
            {body}
        </Card>
    }
}

#[component]
fn RemoveRole(item: ResourceRef, role: String) -> impl IntoView {
    let remove = ServerAction::<RemoveRoleFromInstanceProfile>::new();
    let error = crate::components::form::action_error(remove);
    view! {
        <p class="mb-2 text-sm">"Role: " <code id="profile-role" class="font-mono text-xs">{role.clone()}</code></p>
        <p class="mb-2 text-xs text-slate-500">"AWS deletes a profile only without its role: remove the role first."</p>
        <ActionForm action=remove>
            <CsrfField />
            <ItemFields item />
            <input type="hidden" name="change[role]" value=role />
            <ActionAlert error />
            <SubmitButton label="Remove the role" pending=remove.pending() />
        </ActionForm>
    }
}

/// The roles of the profile's account to choose from, read when the page opens.
#[component]
fn AddRole(item: ResourceRef) -> impl IntoView {
    let add = ServerAction::<AddRoleToInstanceProfile>::new();
    let choices = Resource::new(|| (), |_| get_role_choices());
    view! {
        <p class="mb-2 text-sm">"No role: instances launched with this profile get no credentials."</p>
        <Loaded data=choices loading=|| view! { <p class="text-sm">"Loading the account's roles…"</p> } let:choices>
            {
                let item = item.clone();
                let options = choices
                    .roles
                    .into_iter()
                    .filter(|r| r.account == item.account)
                    .map(|r| view! { <option value=r.name.clone()>{r.name.clone()}</option> })
                    .collect_view();
                view! {
                    <ItemForm action=add item submit="Add the role" let:error>
                        <label for="profile-role-choice" class="block text-sm font-medium">"Role to add"</label>
                        <select id="profile-role-choice" name="change[role]" aria-describedby="profile-role-choice-error"
                            class="block w-full rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-800">{options}</select>
                        <FieldMessage error field="role" id="profile-role-choice-error" />
                    </ItemForm>
                }
            }
        </Loaded>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_follows_iam_rules() {
        let form = NewInstanceProfile {
            target: "prod/global".into(),
            name: "web-servers".into(),
            path: "/web/".into(),
            tags: "Owner=web@example.com".into(),
        };
        let request = check_instance_profile(&form).unwrap();
        assert_eq!((request.account.as_str(), request.name.as_str()), ("prod", "web-servers"));
        let bad = NewInstanceProfile {
            target: "prod/us-east-1".into(),
            name: "web servers".into(),
            path: "web".into(),
            tags: "Owner=a*b".into(),
        };
        let error = check_instance_profile(&bad).unwrap_err();
        for field in ["target", "name", "path", "tags"] {
            assert!(error.field(field).is_some(), "{field}");
        }
        assert!(check_role_change(&RoleChange { role: "web role".into() }).is_err());
    }
}
