//! Multi-party approval identity sources: the IAM Identity Center instance that supplies the
//! approvers of multi-party approval teams.

use crate::model::endpoint::{Endpoint, WITH_TAGS};
use crate::{
    components::{
        CreatePage, TargetSelect, form::action_error, ActionAlert, CsrfField, TagsField, SubmitButton, TextField,
    },
    model::{
        aws_rules::{check_client_token, check_target, is_aws_region, parse_tags},
        AppError, AwsItem, CreateFormOptions, FieldErrors, KindInfo, ResourceRef,
        Service, Tag, TagRules,
    },
    pages::CARD,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ResourceKind;
#[cfg(feature = "ssr")]
use super::act;

const KIND: ResourceKind = ResourceKind::IdentitySource;

pub const INFO: KindInfo = KindInfo {
    slug: "identity-source",
    title: "Multi-party approval identity sources",
    singular: "identity source",
    nav_label: "Identity sources",
    path: "/identity-sources",
    service: Service::MultiPartyApproval,
    expiry_field: None,
    tag_rules: TagRules::Mpa,
    global: false,    endpoints: &[
        Endpoint::changes_aws("identity-sources/create").taking(WITH_TAGS),
    ],
};

/// The identity-source form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewIdentitySource {
    /// `account/region` where the identity source is created.
    #[serde(default)]
    pub target: String,
    /// `arn:aws:sso:::instance/ssoins-…`.
    #[serde(default)]
    pub instance_arn: String,
    /// The region of the IAM Identity Center instance.
    #[serde(default)]
    pub instance_region: String,
    /// One `Key=Value` per line.
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub client_token: String,
}

/// CreateIdentitySource's rules; the tags follow AWS's general limits (as EC2's).
pub fn check_identity_source(form: &NewIdentitySource) -> Result<Vec<Tag>, AppError> {
    let mut errors = FieldErrors::new();
    errors.check("target", check_target(&form.target));
    let id = form
        .instance_arn
        .trim()
        .strip_prefix("arn:aws:sso:::instance/")
        .map(|id| id.strip_prefix("sso").unwrap_or(id));
    let arn_ok = id
        .and_then(|id| id.strip_prefix("ins-"))
        .is_some_and(|rest| {
            rest.len() == 16
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        });
    errors.check(
        "instance_arn",
        if arn_ok { Ok(()) } else { Err("An IAM Identity Center instance ARN: arn:aws:sso:::instance/ssoins- and 16 characters.".into()) },
    );
    errors.check(
        "instance_region",
        if is_aws_region(form.instance_region.trim()) {
            Ok(())
        } else {
            Err("The instance's region, such as us-east-1.".into())
        },
    );
    let tags = parse_tags(TagRules::Mpa, &form.tags);
    errors.check("tags", tags.as_ref().map(|_| ()).map_err(Clone::clone));
    errors.check("client_token", check_client_token(&form.client_token));
    errors.into_result()?;
    Ok(tags.unwrap_or_default())
}

#[server(endpoint = "identity-sources/create")]
pub async fn create_identity_source(
    #[server(default)] _csrf: String,
    source: NewIdentitySource,
) -> Result<ResourceRef, AppError> {
    act(KIND, "create", None, &source, crate::model::FormIntent::Create).await
}

#[component]
pub fn NewPage() -> impl IntoView {
    view! {
        <CreatePage title="New Multi-party approval identity source"
            load=|| crate::api::resources::get_create_form_options(KIND)
            form=|options| view! { <SourceForm options /> }>
            "An identity source supplies the approvers of multi-party approval teams: an IAM Identity Center instance."
        </CreatePage>
    }
}

pub fn detail_sections(_resource: AwsItem, _just_created: bool) -> AnyView {
    super::no_sections()
}

#[component]
fn SourceForm(options: CreateFormOptions) -> impl IntoView {
    let create = ServerAction::<CreateIdentitySource>::new();
    let error = action_error(create);
    // The target the select shows: its first option until the admin picks another.
    let target = RwSignal::new(options.targets.first().cloned().unwrap_or_default());
    view! {
        <section class=format!("{CARD} max-w-3xl")>
            <ActionForm action=create>
                <div class="space-y-4">
                    <ActionAlert error=Signal::derive(move || error.get().filter(|e| e.fields.is_empty() || e.field("client_token").is_some())) />
                    <CsrfField />
                    <input type="hidden" name="source[client_token]" value=options.client_token />
                    <TargetSelect id="source-target" name="source[target]" kind=KIND targets=options.targets.clone() target error />
                    <TextField form="source" name="source[instance_arn]" field="instance_arn" label="IAM Identity Center instance ARN" error
                        hint="arn:aws:sso:::instance/ssoins-XXXXXXXXXXXXXXXX" />
                    <TextField form="source" name="source[instance_region]" field="instance_region" label="Instance region" error hint="Where the IAM Identity Center instance lives, e.g. us-east-1" />
                    <TagsField id="source-tags" name="source[tags]" error kind=KIND target placeholder="Owner=security@example.com" />
                    <SubmitButton label="Create identity source" pending=create.pending() />
                </div>
            </ActionForm>
        </section>
    }
}
