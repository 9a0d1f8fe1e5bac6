//! IAM customer managed policies: a JSON permissions document with versions, attached to users,
//! groups and roles. Global per account; an item's id is what follows `:policy/` in its ARN
//! (`arn:aws:iam::ACCOUNT:policy/PATH/NAME`): the path without its first `/`, then the name.
//!
//! The inventory caches the customer managed policies only (ListPolicies Scope=Local). A
//! policy's document is read when its detail page opens (one GetPolicyVersion then, instead of
//! one per policy at every refresh). AWS managed policies (about 1,300, the same in every
//! account, read-only, without tags) are not cached: the policies inventory links to a live,
//! read-only listing of them (ListPolicies Scope=AWS), whose items open with their document.

use crate::model::endpoint::{Endpoint, WITH_TAGS, form_of};
use crate::{
    components::{
        CreatePage, TargetSelect,
        form::action_error, ActionAlert, CsrfField, FieldMessage, TagsField, SubmitButton, TextField,
    },
    model::{AppError, AwsItem, CreateFormOptions, KindInfo, ResourceRef, Service, TagRules},
    pages::{
        resource::{reread_after, ItemFields},
        PageError, PageTitle, CARD,
    },
};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::ResourceKind;
#[cfg(feature = "ssr")]
use super::{act, form_options};
#[cfg(feature = "ssr")]
use crate::model::{
    aws_rules::{check_global_target, check_iam_name, check_iam_path, parse_tags},
    FieldErrors, Tag,
};

mod aws_managed;
use aws_managed::AwsManagedPage;

const KIND: ResourceKind = ResourceKind::ManagedPolicy;

pub const INFO: KindInfo = KindInfo {
    slug: "managed-policy",
    title: "IAM managed policies",
    singular: "managed policy",
    nav_label: "Managed policies",
    path: "/managed-policies",
    service: Service::Iam,
    expiry_field: None,
    tag_rules: TagRules::Iam,
    global: true,    endpoints: &[
        Endpoint::changes_aws("managed-policies/create").taking(form_of(131_072) + WITH_TAGS),
        Endpoint::signed_in("managed-policies/document"),
        Endpoint::changes_aws("managed-policies/delete-version"),
        Endpoint::signed_in("managed-policies/aws"),
        Endpoint::signed_in("managed-policies/aws-document"),
    ],
};

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

const AREA: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm dark:border-slate-600 dark:bg-slate-800";

/// CreatePolicy's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewManagedPolicy {
    /// `account/global`.
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub name: String,
    /// Empty means `/`.
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub description: String,
    /// The JSON policy document.
    #[serde(default)]
    pub document: String,
    /// One `Key=Value` per line.
    #[serde(default)]
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

/// CreatePolicy's `PolicyDocument` parameter, whitespace included: longer is refused before
/// anything else is looked at, so a pasted or crafted megabyte costs nothing to turn away.
pub const DOCUMENT_INPUT_MAX: usize = 131_072;
/// How deep arrays and objects may nest. A policy needs 6 levels at most (the document,
/// `Statement`, a statement, `Condition`, an operator, a key's values); IAM refuses anything
/// deeper, and refusing it here keeps the parse's recursion shallow.
pub const DOCUMENT_DEPTH_MAX: usize = 8;
/// The most problems said about one document: the first ones are what to fix first.
#[cfg(feature = "ssr")]
const PROBLEMS_MAX: usize = 5;

/// One pass over the raw document, stopping at the first limit it breaks: its length (at most
/// [`DOCUMENT_INPUT_MAX`] characters) and its nesting (at most [`DOCUMENT_DEPTH_MAX`]). Answers
/// its characters without whitespace, which IAM limits to [`DOCUMENT_MAX`]. With these bounds
/// the JSON parse that follows reads at most 6,144 significant characters, hence at most ~3,000
/// values and ~130 statements (one takes 45 characters at least), 8 levels deep.
#[cfg(feature = "ssr")]
fn measure(document: &str) -> Result<usize, String> {
    let too_long = || {
        format!(
            "The document is longer than {DOCUMENT_INPUT_MAX} characters, the most IAM takes (and {DOCUMENT_MAX} without whitespace for a managed policy)."
        )
    };
    // A character is at most 4 bytes: longer than this is too long without counting.
    if document.len() > 4 * DOCUMENT_INPUT_MAX {
        return Err(too_long());
    }
    let (mut depth, mut significant) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for (n, c) in document.chars().enumerate() {
        if n == DOCUMENT_INPUT_MAX {
            return Err(too_long());
        }
        if !c.is_whitespace() {
            significant += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => {
                depth += 1;
                if depth > DOCUMENT_DEPTH_MAX {
                    return Err(format!(
                        "The document nests arrays and objects deeper than {DOCUMENT_DEPTH_MAX} levels; a policy needs 6 at most (Statement, a statement, Condition, an operator, a key's values)."
                    ));
                }
            }
            '}' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(significant)
}

/// A policy document's problems, each a sentence, at most five: what IAM refuses with
/// MalformedPolicyDocument, found before it is called. JSON within [`measure`]'s limits, an
/// object with a `Version` IAM knows and a `Statement` (an object or a non-empty array of
/// them), at most 6,144 characters without whitespace, and each statement as IAM's grammar has
/// it for an identity policy (see [`statement_problems`]).
#[cfg(feature = "ssr")]
pub fn document_problems(document: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if document.trim().is_empty() {
        return vec!["The policy document is required.".into()];
    }
    let counted = match measure(document) {
        Ok(counted) => counted,
        Err(problem) => return vec![problem],
    };
    if counted > DOCUMENT_MAX {
        return vec![format!(
            "The document has {counted} characters without whitespace; a managed policy allows at most {DOCUMENT_MAX}."
        )];
    }
    let value: serde_json::Value = match serde_json::from_str(document) {
        Ok(value) => value,
        Err(error) => {
            problems.push(format!(
                "The document is not valid JSON: {error} (line {}, column {}).",
                error.line(),
                error.column()
            ));
            return problems;
        }
    };
    let Some(object) = value.as_object() else {
        problems.push("The document must be a JSON object ({ … }).".into());
        return problems;
    };
    match object.get("Version").map(|v| v.as_str()) {
        None => problems.push(format!(
            "The document needs a \"Version\": \"{}\".",
            POLICY_VERSIONS[0]
        )),
        Some(Some(version)) if POLICY_VERSIONS.contains(&version) => {}
        Some(_) => problems.push(format!(
            "\"Version\" must be \"{}\" or \"{}\" (the policy language's version, not yours).",
            POLICY_VERSIONS[0], POLICY_VERSIONS[1]
        )),
    }
    let statements: &[serde_json::Value] = match object.get("Statement") {
        None => {
            problems.push("The document needs a \"Statement\".".into());
            &[]
        }
        Some(one @ serde_json::Value::Object(_)) => std::slice::from_ref(one),
        Some(serde_json::Value::Array(statements)) if !statements.is_empty() => statements,
        Some(serde_json::Value::Array(_)) => {
            problems.push("\"Statement\" must hold at least one statement.".into());
            &[]
        }
        Some(_) => {
            problems.push(
                "\"Statement\" must be a statement object or an array of statements.".into(),
            );
            &[]
        }
    };
    if statements.iter().any(|s| !s.is_object()) {
        problems.push("Each statement must be a JSON object.".into());
    }
    let numbered = statements.len() > 1;
    for (n, statement) in statements.iter().enumerate() {
        if let Some(statement) = statement.as_object() {
            problems.extend(statement_problems(statement, numbered.then_some(n + 1)));
        }
    }
    if problems.len() > PROBLEMS_MAX {
        let more = problems.len() - (PROBLEMS_MAX - 1);
        problems.truncate(PROBLEMS_MAX - 1);
        problems.push(format!("…and {more} more problems like these."));
    }
    problems
}

/// What IAM refuses in one statement of an identity policy (a managed policy is attached to
/// users, groups and roles, which are its principals): no `Principal` or `NotPrincipal`, an
/// `Effect` of exactly `Allow` or `Deny` (the case matters), an `Action` or `NotAction`, and a
/// `Resource` or `NotResource`. `number` is the statement's place when there are several.
#[cfg(feature = "ssr")]
fn statement_problems(
    statement: &serde_json::Map<String, serde_json::Value>,
    number: Option<usize>,
) -> Vec<String> {
    let name = match (number, statement.get("Sid").and_then(|sid| sid.as_str())) {
        (_, Some(sid)) if !sid.is_empty() => format!("Statement \"{sid}\""),
        (Some(n), _) => format!("Statement {n}"),
        (None, _) => "The statement".to_string(),
    };
    let has = |key: &str| statement.contains_key(key);
    let mut problems = Vec::new();
    for principal in ["Principal", "NotPrincipal"] {
        if has(principal) {
            problems.push(format!(
                "{name} has a \"{principal}\": a managed policy applies to the users, groups and roles it is attached to, so it names no principal (that belongs in a resource policy or a role's trust policy). Remove it."
            ));
        }
    }
    match statement.get("Effect") {
        None => problems.push(format!(
            "{name} needs an \"Effect\": \"Allow\" or \"Deny\"."
        )),
        Some(serde_json::Value::String(effect)) if effect == "Allow" || effect == "Deny" => {}
        Some(other) => problems.push(format!(
            "{name} has \"Effect\": {other}; it must be \"Allow\" or \"Deny\", spelled so."
        )),
    }
    if !has("Action") && !has("NotAction") {
        problems.push(format!(
            "{name} needs an \"Action\" (or \"NotAction\"), e.g. \"s3:GetObject\"."
        ));
    }
    if !has("Resource") && !has("NotResource") {
        problems.push(format!(
            "{name} needs a \"Resource\" (or \"NotResource\"): the ARNs it covers, or \"*\"."
        ));
    }
    problems
}

/// CreatePolicy's rules: a name of 1 to 128 of IAM's name characters, an IAM path, a
/// description of at most 1,000 characters, a policy document (see [`document_problems`]) and
/// IAM's tag rules.
#[cfg(feature = "ssr")]
pub fn check_managed_policy(form: &NewManagedPolicy) -> Result<ManagedPolicyRequest, AppError> {
    let mut errors = FieldErrors::new();
    errors.check("target", check_global_target(&form.target));
    let name = form.name.trim();
    errors.check("name", check_iam_name(name, "The name", POLICY_NAME_MAX));
    let path = form.path.trim();
    errors.check("path", check_iam_path(path));
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
    let tags = parse_tags(TagRules::Iam, &form.tags);
    errors.check("tags", tags.as_ref().map(|_| ()).map_err(Clone::clone));
    errors.into_result()?;
    Ok(ManagedPolicyRequest {
        account: form
            .target
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string(),
        name: name.to_string(),
        path: if path.is_empty() { "/" } else { path }.to_string(),
        description: description.to_string(),
        document: document.to_string(),
        tags: tags.unwrap_or_default(),
    })
}

/// DeletePolicyVersion's form: one non-default version of the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionChange {
    #[serde(default)]
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
    view! {
        <CreatePage title="New IAM managed policy"
            load=|| crate::api::resources::get_create_form_options(KIND)
            form=|options| view! { <PolicyForm options /> }>
            "A customer managed policy: a JSON permissions document you can attach to users, groups and roles. "
            <a href="/managed-policies/new?aws=all" id="aws-managed-link" class="text-indigo-700 underline dark:text-indigo-300">"Browse the AWS managed policies"</a>
            " to start from one of theirs."
        </CreatePage>
    }
}

#[component]
fn PolicyForm(options: CreateFormOptions) -> impl IntoView {
    let create = ServerAction::<CreateManagedPolicy>::new();
    let error = action_error(create);
    // The target the select shows: its first option until the admin picks another.
    let target = RwSignal::new(options.targets.first().cloned().unwrap_or_default());
    let example = r#"{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example-bucket/*" }
  ]
}"#;
    view! {
        <section class=format!("{CARD} max-w-3xl")>
            <ActionForm action=create>
                <div class="space-y-4">
                    <ActionAlert error=Signal::derive(move || error.get().filter(|e| e.fields.is_empty())) />
                    <CsrfField />
                    <TargetSelect id="policy-target" name="policy[target]" kind=KIND targets=options.targets.clone() target error />
                    <TextField form="policy" name="policy[name]" field="name" label="Name" error
                        hint="Up to 128 letters, digits and _ + = , . @ -" />
                    <TextField form="policy" name="policy[path]" field="path" label="Path" error required=false
                        hint="Optional: begins and ends with /, e.g. /backup/; empty means /" />
                    <TextField form="policy" name="policy[description]" field="description" label="Description" error required=false
                        hint="Optional, up to 1,000 characters; it cannot be changed later" />
                    <div>
                        <label for="policy-document" class="block text-sm font-medium">"Policy document (JSON)"</label>
                        <textarea id="policy-document" name="policy[document]" rows="10" aria-describedby="policy-document-hint policy-document-error" class=AREA placeholder=example></textarea>
                        <p id="policy-document-hint" class="mt-1 text-xs text-slate-500">"An object with \"Version\": \"2012-10-17\" and a \"Statement\" whose statements each have an Effect (Allow or Deny), an Action and a Resource, and no Principal; at most 6,144 characters, whitespace not counted"</p>
                        <FieldMessage error field="document" id="policy-document-error" />
                    </div>
                    <TagsField id="policy-tags" name="policy[tags]" error kind=KIND target placeholder="Owner=platform@example.com" />
                    <SubmitButton label="Create managed policy" pending=create.pending() />
                </div>
            </ActionForm>
        </section>
    }
}

/// The AWS managed policies, live and read-only: `view` is `all` or `attached` (to something
/// in `?account=`, the first account by default), `?q=` filters them by name, `?policy=ID`
/// shows one's document.
/// The document and the versions; for a customer managed policy (`item`), each non-default
/// version can be deleted.
#[component]
fn DocumentView(
    document: PolicyDocument,
    #[prop(optional)] item: Option<ResourceRef>,
) -> impl IntoView {
    let delete = ServerAction::<DeletePolicyVersion>::new();
    reread_after(delete);
    let error = action_error(delete);
    let versions = document
        .versions
        .iter()
        .map(|v| {
            let label = format!(
                "{}{}{}",
                v.id,
                if v.is_default { " (default)" } else { "" },
                v.created
                    .as_deref()
                    .map(|c| format!(", {c}"))
                    .unwrap_or_default()
            );
            let button = item.clone().filter(|_| !v.is_default).map(|item| {
                let version = v.id.clone();
                let label = format!("Delete version {version}");
                view! {
                    <ActionForm action=delete>
                        <CsrfField />
                        <ItemFields item />
                        <input type="hidden" name="change[version]" value=version />
                        <button type="submit" aria-label=label class="rounded border border-slate-300 px-1.5 py-0.5 text-xs hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">"Delete"</button>
                    </ActionForm>
                }
            });
            view! { <li class="flex items-center gap-2 py-0.5" data-version=v.id.clone()><span>{label}</span>{button}</li> }
        })
        .collect_view();
    view! {
        <p class="mb-1 text-sm">"Default version: " <code id="policy-default-version">{document.default_version_id.clone()}</code></p>
        <pre id="policy-document" class="max-h-[32rem] overflow-auto rounded bg-slate-50 p-2 font-mono text-xs dark:bg-slate-950">{document.document.clone()}</pre>
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
        .fields
        .iter()
        .find(|f| f.label == ATTACHMENTS_FIELD)
        .and_then(|f| f.value.parse::<u32>().ok())
        .unwrap_or(0);
    let item = resource.item.clone();
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
        <section class=CARD aria-labelledby="policy-document-heading" id="policy-document-section">
            <h2 id="policy-document-heading" class="mb-2 font-semibold">"Policy document"</h2>
            {hint}
            <Suspense fallback=|| view! { <p class="text-sm">"Reading the document from AWS…"</p> }>
                {move || {
                    let item = item.clone();
                    Suspend::new(async move {
                        match document.await {
                            Err(error) => view! { <PageError error /> }.into_any(),
                            Ok(document) => view! { <DocumentView document item /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
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

    #[test]
    fn documents_are_checked_before_they_are_sent() {
        assert!(document_problems(DOCUMENT).is_empty());
        assert!(document_problems(
            r#"{"Version":"2008-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#
        )
        .is_empty());
        let one = |doc: &str| {
            let problems = document_problems(doc);
            assert_eq!(problems.len(), 1, "{doc}: {problems:?}");
            problems[0].clone()
        };
        assert!(one("").contains("required"));
        assert!(one("[1]").contains("JSON object"));
        const STATEMENT: &str = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#;
        assert!(one(&format!(r#"{{"Statement":[{STATEMENT}]}}"#)).contains("Version"));
        assert!(
            one(&format!(r#"{{"Version":"2024-01-01","Statement":[{STATEMENT}]}}"#))
                .contains("2012-10-17")
        );
        assert!(one(r#"{"Version":"2012-10-17"}"#).contains("needs a \"Statement\""));
        assert!(one(r#"{"Version":"2012-10-17","Statement":[]}"#).contains("at least one"));
        assert!(one(r#"{"Version":"2012-10-17","Statement":"x"}"#).contains("statement object"));
        // 6,144 characters without whitespace pass; whitespace is not counted; one more fails.
        let padded = |n: usize, space: &str| {
            let base = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/"#;
            let tail = r#""}]}"#;
            let fill = n - base.len() - tail.len();
            format!("{base}{}{space}{tail}", "x".repeat(fill))
        };
        assert!(document_problems(&padded(DOCUMENT_MAX, &" ".repeat(500))).is_empty());
        assert!(one(&padded(DOCUMENT_MAX + 1, "")).contains("6144"));
        // Several problems are each reported.
        assert_eq!(document_problems(r#"{"Version":"1"}"#).len(), 2);
    }

    /// What IAM refuses with MalformedPolicyDocument in an identity policy is refused here,
    /// naming the statement: a principal, an effect other than Allow or Deny, no action, no
    /// resource.
    #[test]
    fn statements_follow_iam_grammar_for_identity_policies() {
        let problems = |statements: &str| {
            document_problems(&format!(
                r#"{{"Version":"2012-10-17","Statement":{statements}}}"#
            ))
        };
        let one = |statements: &str| {
            let found = problems(statements);
            assert_eq!(found.len(), 1, "{statements}: {found:?}");
            found[0].clone()
        };
        // The alternatives IAM accepts.
        assert!(problems(r#"{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:s3:::b"}"#).is_empty());
        assert!(problems(r#"[{"Sid":"A","Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"],"Condition":{"StringEquals":{"aws:ResourceTag/Team":["a","b"]}}}]"#).is_empty());

        let principal = one(r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}"#);
        assert!(principal.contains("\"Principal\""), "{principal}");
        assert!(one(r#"{"Effect":"Deny","NotPrincipal":"*","Action":"s3:*","Resource":"*"}"#)
            .contains("\"NotPrincipal\""));
        assert!(one(r#"{"Effect":"Allow","Action":"s3:*"}"#).contains("needs a \"Resource\""));
        assert!(one(r#"{"Effect":"Allow","Resource":"*"}"#).contains("needs an \"Action\""));
        assert!(one(r#"{"Action":"s3:*","Resource":"*"}"#).contains("needs an \"Effect\""));
        for effect in [r#""allow""#, r#""Permit""#, "true", r#"["Allow"]"#] {
            let said = one(&format!(
                r#"{{"Effect":{effect},"Action":"s3:*","Resource":"*"}}"#
            ));
            assert!(said.contains("\"Allow\" or \"Deny\""), "{effect}: {said}");
        }
        // Each statement is named, by its Sid where it has one.
        let named = problems(
            r#"[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":"s3:*"},{"Sid":"Logs","Effect":"Allow","Resource":"*"}]"#,
        );
        assert_eq!(named.len(), 2, "{named:?}");
        assert!(named[0].starts_with("Statement 2 "), "{named:?}");
        assert!(named[1].starts_with("Statement \"Logs\" "), "{named:?}");
        // At most five sentences, the last saying how many more.
        let many = problems(&format!("[{}]", ["{}"; 10].join(",")));
        assert_eq!(many.len(), 5, "{many:?}");
        assert!(many[4].contains("26 more"), "{many:?}");
    }

    /// Nesting, length and size are measured in one pass before the JSON is parsed, and each
    /// refusal is one sentence on the document field, fast whatever the input.
    #[test]
    fn crafted_documents_are_refused_before_they_are_parsed() {
        let head = r#"{"Version":"2012-10-17","Statement":"#;
        let nested = |depth: usize| {
            format!("{head}{}{}}}", "[".repeat(depth), "]".repeat(depth))
        };
        // The document is level 1: 7 more are still within the limit (IAM then refuses the
        // grammar, which is a different sentence).
        assert!(!document_problems(&nested(DOCUMENT_DEPTH_MAX - 1))[0].contains("nests"));
        let started = std::time::Instant::now();
        for document in [
            nested(DOCUMENT_DEPTH_MAX),
            nested(3_000),
            nested(60_000),
            format!("{head}{}", "[".repeat(10_000_000)),
        ] {
            let problems = document_problems(&document);
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].contains("deeper than 8 levels")
                    || problems[0].contains("longer than 131072"),
                "{problems:?}"
            );
        }
        let error = check_managed_policy(&NewManagedPolicy {
            document: nested(100_000),
            ..form()
        })
        .unwrap_err();
        assert!(error.field("document").unwrap().contains("deeper than 8 levels"));
        // Whitespace is not significant but is read: 131,072 characters at most, then refused.
        let padded = format!("{DOCUMENT}{}", " ".repeat(DOCUMENT_INPUT_MAX));
        assert!(document_problems(&padded)[0].contains("longer than 131072"));
        let huge = format!("{DOCUMENT}{}", "x".repeat(40 << 20));
        assert!(document_problems(&huge)[0].contains("longer than 131072"));
        assert!(
            started.elapsed() < std::time::Duration::from_millis(500),
            "refused in {:?}",
            started.elapsed()
        );
    }
}
