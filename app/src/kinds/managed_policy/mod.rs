//! IAM customer managed policies: a JSON permissions document with versions, attached to users,
//! groups and roles. Global per account; an item's id is what follows `:policy/` in its ARN
//! (`arn:aws:iam::ACCOUNT:policy/PATH/NAME`): the path without its first `/`, then the name.
//!
//! The inventory caches the customer managed policies only (ListPolicies Scope=Local). A
//! policy's document is read when its detail page opens (one GetPolicyVersion then, instead of
//! one per policy at every refresh). AWS managed policies (about 1,300, the same in every
//! account, read-only, without tags) are not cached: the policies inventory links to a live,
//! read-only listing of them (ListPolicies Scope=AWS), whose items open with their document.

use crate::components::form::action_error;
use crate::components::{ActionAlert, Card, IamNameAndPath, Loaded, NewItemPage, SubmitButton};
use crate::components::{TagsField, TextField, TextFileField};
use crate::model::endpoint::{form_of, Endpoint, WITH_TAGS};
use crate::model::{AppError, AwsItem, KindInfo, ResourceRef, Service};
use crate::pages::resource::ItemButton;
use crate::pages::{PageError, PageTitle, CARD};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::ResourceKind;
#[cfg(feature = "ssr")]
use super::{act, form_options};
#[cfg(feature = "ssr")]
use crate::model::aws_rules::{check_iam_name_and_path, global_target_account};
#[cfg(feature = "ssr")]
use crate::model::aws_rules::parse_tags;
#[cfg(feature = "ssr")]
use crate::model::{FieldErrors, Tag, TagRules};

mod aws_managed;
mod document;
use aws_managed::AwsManagedPage;
#[cfg(feature = "ssr")]
pub use document::document_problems;
pub use document::{DOCUMENT_DEPTH_MAX, DOCUMENT_INPUT_MAX};

pub const INFO: KindInfo = KindInfo {
    slug: "managed-policy",
    title: "IAM managed policies",
    singular: "managed policy",
    nav_label: "Managed policies",
    path: "/managed-policies",
    sections_are_content: true,
    endpoints: &[
        Endpoint::changes_aws("managed-policies/create").taking(form_of(131_072) + WITH_TAGS),
        Endpoint::signed_in("managed-policies/document"),
        Endpoint::changes_aws("managed-policies/delete-version"),
        Endpoint::signed_in("managed-policies/aws"),
        Endpoint::signed_in("managed-policies/aws-document"),
    ],
    ..KindInfo::of(Service::Iam)
};

const KIND: ResourceKind = ResourceKind::ManagedPolicy;

/// The status of a policy attached to at least one user, group or role, and of one that is not.
pub const ATTACHED: &str = "attached";
pub const UNATTACHED: &str = "unattached";
/// The detail field with the number of entities the policy is attached to.
pub const ATTACHMENTS_FIELD: &str = "Attachments";

pub const POLICY_NAME_MAX: usize = 128;
pub const DESCRIPTION_MAX: usize = 1000;
/// A managed policy document's limit, not counting whitespace.
pub const DOCUMENT_MAX: usize = 6144;
/// The policy language versions IAM accepts.
pub const POLICY_VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];

/// CreatePolicy's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewManagedPolicy {
    /// `account/global`.
    pub target: String,
    pub name: String,
    /// Empty means `/`.
    pub path: String,
    pub description: String,
    /// The JSON policy document.
    pub document: String,
    /// One `Key=Value` per line.
    pub tags: String,
}

/// A valid form: the account, and what to send.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicyRequest {
    pub account: String,
    pub name: String,
    /// `/` when the form left it empty.
    pub path: String,
    pub description: String,
    pub document: String,
    pub tags: Vec<Tag>,
}

#[cfg(feature = "ssr")]
impl ManagedPolicyRequest {
    /// The item id the policy will have: its path without the first `/`, then its name.
    pub fn id(&self) -> String {
        format!("{}{}", &self.path[1..], self.name)
    }
}

/// CreatePolicy's rules: a name of 1 to 128 of IAM's name characters, an IAM path, a
/// description of at most 1,000 characters, a policy document (see [`document_problems`]) and
/// IAM's tag rules.
#[cfg(feature = "ssr")]
pub fn check_managed_policy(form: &NewManagedPolicy) -> Result<ManagedPolicyRequest, AppError> {
    let mut errors = FieldErrors::new();
    let account = errors.take("target", global_target_account(&form.target));
    let (name, path) =
        check_iam_name_and_path(&mut errors, &form.name, &form.path, POLICY_NAME_MAX);
    let description = form.description.trim();
    errors.check(
        "description",
        if description.chars().count() > DESCRIPTION_MAX {
            Err(format!(
                "The description is longer than {DESCRIPTION_MAX} characters."
            ))
        } else {
            Ok(())
        },
    );
    // Measured before it is trimmed: trimming reads what it trims.
    let document = if form.document.len() > 4 * DOCUMENT_INPUT_MAX {
        form.document.as_str()
    } else {
        form.document.trim()
    };
    for problem in document_problems(document) {
        errors.check("document", Err(problem));
    }
    let tags = errors.take("tags", parse_tags(TagRules::Iam, &form.tags));
    errors.into_result()?;
    Ok(ManagedPolicyRequest {
        account,
        name: name.to_string(),
        path: if path.is_empty() { "/" } else { path }.to_string(),
        description: description.to_string(),
        document: document.to_string(),
        tags,
    })
}

/// DeletePolicyVersion's form: one non-default version of the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VersionChange {
    pub version: String,
}

/// A policy version id as IAM writes them: `v` and a number from 1 (optionally `.suffix`).
pub fn check_version_change(change: &VersionChange) -> Result<String, AppError> {
    let id = change.version.trim();
    let well_formed = id.strip_prefix('v').is_some_and(|rest| {
        let (number, suffix) = rest.split_once('.').unwrap_or((rest, ""));
        number.starts_with(|c: char| ('1'..='9').contains(&c))
            && number.chars().all(|c| c.is_ascii_digit())
            && suffix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    let mut errors = crate::model::FieldErrors::new();
    errors.check(
        "version",
        if well_formed {
            Ok(())
        } else {
            Err(format!("\"{id}\" is not a policy version id (v1, v2, …)."))
        },
    );
    errors.into_result()?;
    Ok(id.to_string())
}

/// One version of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersionInfo {
    pub id: String,
    pub is_default: bool,
    /// RFC 3339, UTC.
    pub created: Option<String>,
}

/// A policy's default document, pretty-printed, and its versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDocument {
    pub arn: String,
    pub default_version_id: String,
    /// The default version's JSON, indented.
    pub document: String,
    /// Newest first.
    pub versions: Vec<PolicyVersionInfo>,
}

/// An AWS managed policy, as ListPolicies Scope=AWS lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsManagedPolicy {
    pub name: String,
    pub arn: String,
    pub path: String,
    pub default_version_id: String,
    /// In the account it was read in.
    pub attachment_count: i32,
    pub updated: Option<String>,
}

impl AwsManagedPolicy {
    /// What follows `arn:aws:iam::aws:policy/`: the path without its first `/`, then the name.
    pub fn id(&self) -> &str {
        self.arn
            .split_once(":policy/")
            .map(|(_, id)| id)
            .unwrap_or(&self.arn)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsManagedPolicies {
    /// The configured account they were read in (attachment counts are that account's).
    pub account: String,
    pub policies: Vec<AwsManagedPolicy>,
}

/// The form of [`form_options`] that reads one policy's document: `document/ACCOUNT/ID`.
pub fn document_form(item: &ResourceRef) -> String {
    format!("document/{}/{}", item.account, item.id)
}

#[server(endpoint = "managed-policies/create")]
pub async fn create_managed_policy(
    #[server(default)] _csrf: String,
    policy: NewManagedPolicy,
) -> Result<ResourceRef, AppError> {
    act(
        KIND,
        "create",
        None,
        &policy,
        crate::model::FormIntent::Create,
    )
    .await
}

/// The default version's document and the versions of a customer managed policy
/// (GetPolicy, GetPolicyVersion, ListPolicyVersions), read when its page opens.
#[server(endpoint = "managed-policies/document", input = GetUrl)]
pub async fn get_policy_document(item: ResourceRef) -> Result<PolicyDocument, AppError> {
    form_options(KIND, &document_form(&item)).await
}

/// Deletes a non-default version (DeletePolicyVersion), as AWS requires before it deletes the
/// policy.
#[server(endpoint = "managed-policies/delete-version")]
pub async fn delete_policy_version(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    change: VersionChange,
) -> Result<(), AppError> {
    act(
        KIND,
        "delete-version",
        Some(item),
        &change,
        crate::model::FormIntent::Create,
    )
    .await
}

/// AWS managed policies, live from AWS (ListPolicies Scope=AWS, every page), in the first
/// account; `attached`: only those attached to something in `account` (OnlyAttached).
#[server(endpoint = "managed-policies/aws", input = GetUrl)]
pub async fn get_aws_managed_policies(
    #[server(default)] account: String,
    #[server(default)] attached: bool,
) -> Result<AwsManagedPolicies, AppError> {
    let form = if attached {
        format!("aws-managed-attached/{account}")
    } else {
        format!("aws-managed/{account}")
    };
    form_options(KIND, &form).await
}

/// One AWS managed policy's default document, by the id after `:policy/` in its ARN.
#[server(endpoint = "managed-policies/aws-document", input = GetUrl)]
pub async fn get_aws_policy_document(id: String) -> Result<PolicyDocument, AppError> {
    form_options(KIND, &format!("aws-document/{id}")).await
}

#[component]
pub fn NewPage() -> impl IntoView {
    let query = use_query_map();
    let aws = move || query.read().get("aws");
    move || match aws() {
        Some(view) => view! { <AwsManagedPage view /> }.into_any(),
        None => view! { <NewPolicyPage /> }.into_any(),
    }
}

#[component]
fn NewPolicyPage() -> impl IntoView {
    let about = || view! {
        "A customer managed policy: a JSON permissions document you can attach to users, groups and roles. "
        <a href="/managed-policies/new?aws=all" id="aws-managed-link" class="text-indigo-700 underline dark:text-indigo-300">"Browse the AWS managed policies"</a>
        " to start from one of theirs."
    };
    view! {
        <NewItemPage kind=KIND title="New IAM managed policy" arg="policy" about
            action={ServerAction::<CreateManagedPolicy>::new()}
            let:form>
            <IamNameAndPath form id="policy" arg="policy"
                name_hint="Up to 128 letters, digits and _ + = , . @ -"
                path_hint="Optional: begins and ends with /, e.g. /backup/; empty means /" />
            <TextField form="policy" name="policy[description]" field="description" label="Description" error=form.error required=false
                hint="Optional, up to 1,000 characters; it cannot be changed later" />
            <TextFileField id="policy-document" name="policy[document]" field="document" required=false label="Policy document (JSON)" error=form.error rows=10
                placeholder=EXAMPLE_DOCUMENT
                hint="An object with \"Version\": \"2012-10-17\" and a \"Statement\" whose statements each have an Effect (Allow or Deny), an Action and a Resource, and no Principal; at most 6,144 characters, whitespace not counted" />
            <TagsField id="policy-tags" name="policy[tags]" error=form.error kind=KIND target_control=form.target_control placeholder="Owner=platform@example.com" />
            <SubmitButton label="Create managed policy" pending=form.pending />
        </NewItemPage>
    }
}

/// The create form's placeholder document.
const EXAMPLE_DOCUMENT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example-bucket/*" }
  ]
}"#;

/// The document and the versions; for a customer managed policy (`item`), each non-default
/// version can be deleted.
#[component]
fn DocumentView(
    document: PolicyDocument,
    #[prop(optional)] item: Option<ResourceRef>,
) -> impl IntoView {
    let delete = ServerAction::<DeletePolicyVersion>::new();
    let error = action_error(delete);
    let versions = document
        .versions
        .iter()
        .map(|v| {
            let label = format!("{}{}", v.id, if v.is_default { " (default)" } else { "" });
            let created = v
                .created
                .clone()
                .map(|at| view! { ", " <crate::components::LocalTime utc=at /> });
            let button = item.clone().filter(|_| !v.is_default).map(|item| {
                let label = format!("Delete version {}", v.id);
                view! { <ItemButton action=delete item name="change[version]" value=v.id.clone() label text="Delete" /> }
            });
            view! { <li class="flex items-center gap-2 py-0.5" data-version=v.id.clone()><span>{label}{created}</span>{button}</li> }
        })
        .collect_view();
    view! {
        <p class="mb-1 text-sm">"Default version: " <code id="policy-default-version">{document.default_version_id.clone()}</code></p>
        <pre id="policy-document" tabindex="0" class="max-h-[32rem] overflow-auto rounded bg-slate-50 p-2 font-mono text-xs dark:bg-slate-950">{document.document.clone()}</pre>
        <h3 class="mt-2 text-sm font-medium">"Versions"</h3>
        <ul id="policy-versions" class="text-xs">{versions}</ul>
        <ActionAlert error />
    }
}

/// The inventory's own section: AWS managed policies are not cached, so a link to their live,
/// read-only listing.
pub fn inventory_section() -> AnyView {
    view! {
        <p id="aws-managed-section" class="mb-4 text-sm text-slate-600 dark:text-slate-400">
            "Customer managed policies of every account, cached. AWS managed policies (read-only, the same in every account) are read live from AWS: "
            <a href="/managed-policies/new?aws=all" id="aws-managed-inventory-link" class="text-indigo-700 underline dark:text-indigo-300">"all AWS managed policies"</a>
            ", or "
            <a href="/managed-policies/new?aws=attached" class="text-indigo-700 underline dark:text-indigo-300">"those attached in an account"</a>
            "."
        </p>
    }
    .into_any()
}

/// The default version's document (read from AWS as the page opens), the versions, and what a
/// delete needs first.
pub fn detail_sections(resource: AwsItem, _just_created: bool) -> AnyView {
    let attachments = resource
        .field(ATTACHMENTS_FIELD)
        .and_then(|value| value.parse::<u32>().ok())
        .unwrap_or(0);
    let item = resource.item;
    let read = item.clone();
    let document = Resource::new(move || read.clone(), get_policy_document);
    let hint = (attachments > 0).then(|| {
        view! {
            <p id="policy-delete-hint" class="mb-2 text-xs text-slate-500">
                {format!("Attached to {attachments} {}: AWS deletes a policy only once it is detached from every user, group and role, and has no versions but its default (delete the others below).", if attachments == 1 { "entity" } else { "entities" })}
            </p>
        }
    });
    view! {
        <Card heading_id="policy-document-heading" title="Policy document" id="policy-document-section">
            {hint}
            <Loaded data=document loading=|| view! { <p class="text-sm">"Reading the document from AWS…"</p> } let:document>
                <DocumentView document item=item.clone() />
            </Loaded>
        </Card>
    }
    .into_any()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    const DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

    fn form() -> NewManagedPolicy {
        NewManagedPolicy {
            target: "prod/global".into(),
            name: "s3-reader".into(),
            path: "/data/".into(),
            description: "Reads objects".into(),
            document: DOCUMENT.into(),
            tags: "Owner=data@example.com".into(),
        }
    }

    #[test]
    fn the_form_follows_create_policy_rules() {
        let request = check_managed_policy(&form()).unwrap();
        assert_eq!(request.id(), "data/s3-reader");
        assert_eq!(
            check_managed_policy(&NewManagedPolicy {
                path: String::new(),
                ..form()
            })
            .unwrap()
            .id(),
            "s3-reader"
        );
        let bad = NewManagedPolicy {
            target: "prod/us-east-1".into(),
            name: "n".repeat(129),
            path: "data".into(),
            description: "d".repeat(1001),
            document: "{".into(),
            tags: "aws:x=1".into(),
        };
        let error = check_managed_policy(&bad).unwrap_err();
        for field in ["target", "name", "path", "description", "document", "tags"] {
            assert!(error.field(field).is_some(), "{field}");
        }
        assert!(error.field("document").unwrap().contains("not valid JSON"));
    }

    #[test]
    fn version_ids_follow_iam() {
        for good in ["v1", "v12", "v3.draft-1"] {
            assert!(
                check_version_change(&VersionChange {
                    version: good.into()
                })
                .is_ok(),
                "{good}"
            );
        }
        for bad in ["", "1", "v0", "v", "v1.a b", "V2"] {
            let error = check_version_change(&VersionChange {
                version: bad.into(),
            })
            .unwrap_err();
            assert!(error.field("version").is_some(), "{bad}");
        }
    }
}
