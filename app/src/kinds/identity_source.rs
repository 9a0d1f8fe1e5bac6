//! Multi-party approval identity sources: the IAM Identity Center instance that supplies the
//! approvers of multi-party approval teams.

use crate::components::{NewItemPage, SubmitButton, TagsField, TextField};
use crate::model::aws_rules::{check_client_token, check_target, is_aws_region, parse_tags};
use crate::model::endpoint::{Endpoint, WITH_TAGS};
use crate::model::{AppError, AwsItem, FieldErrors, KindInfo, ResourceRef, Service, Tag, TagRules};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ResourceKind;
#[cfg(feature = "ssr")]
use super::act;

pub const INFO: KindInfo = KindInfo {
    slug: "identity-source",
    title: "Multi-party approval identity sources",
    singular: "identity source",
    nav_label: "Identity sources",
    path: "/identity-sources",
    endpoints: &[Endpoint::changes_aws("identity-sources/create").taking(WITH_TAGS)],
    ..KindInfo::of(Service::MultiPartyApproval)
};

const KIND: ResourceKind = ResourceKind::IdentitySource;

/// The identity-source form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewIdentitySource {
    /// `account/region` where the identity source is created.
    pub target: String,
    /// `arn:aws:sso:::instance/ssoins-…`.
    pub instance_arn: String,
    /// The region of the IAM Identity Center instance.
    pub instance_region: String,
    /// One `Key=Value` per line.
    pub tags: String,
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
    let tags = errors.take("tags", parse_tags(TagRules::Mpa, &form.tags));
    errors.check("client_token", check_client_token(&form.client_token));
    errors.into_result()?;
    Ok(tags)
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
        <NewItemPage kind=KIND title="New Multi-party approval identity source" arg="source" client_token=true
            action={ServerAction::<CreateIdentitySource>::new()}
            about=|| "An identity source supplies the approvers of multi-party approval teams: an IAM Identity Center instance."
            let:form>
            <TextField form="source" name="source[instance_arn]" field="instance_arn" label="IAM Identity Center instance ARN" error=form.error
                hint="arn:aws:sso:::instance/ssoins-XXXXXXXXXXXXXXXX" />
            <TextField form="source" name="source[instance_region]" field="instance_region" label="Instance region" error=form.error hint="Where the IAM Identity Center instance lives, e.g. us-east-1" />
            <TagsField id="source-tags" name="source[tags]" error=form.error kind=KIND target_control=form.target_control placeholder="Owner=security@example.com" />
            <SubmitButton label="Create identity source" pending=form.pending />
        </NewItemPage>
    }
}

pub fn detail_sections(_resource: AwsItem, _just_created: bool) -> AnyView {
    super::no_sections()
}
