//! IPAM external-resource verification tokens: a token proves to AWS that you control an address
//! range you bring (BYOIP). Created in an IPAM; expires (`NotAfter`).

use crate::components::form::{action_answer, SELECT};
use crate::components::{Card, CreateForm, CreatePage, FieldMessage, IntentButtons, TagsField};
use crate::model::aws_rules::{check_client_token, is_aws_region, parse_ec2_tags, MAX_TAGS};
use crate::model::endpoint::{Endpoint, WITH_TAGS};
use crate::model::{AppError, AwsItem, FieldErrors, FormIntent, KindInfo, PermissionCheck, Renewal};
use crate::model::{Service, Tag};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::{act, form_options};
use super::ResourceKind;

pub const INFO: KindInfo = KindInfo {
    slug: "verification-token",
    title: "IPAM verification tokens",
    singular: "verification token",
    nav_label: "Verification tokens",
    path: "/verification-tokens",
    expiry_field: Some("NotAfter"),
    endpoints: &[
        Endpoint::signed_in("verification-tokens/form"),
        // Viewers may check permissions (intent=check); creating is refused them by the console.
        Endpoint::signed_in("verification-tokens/submit").taking(WITH_TAGS),
    ],
    renewal: Some(Renewal::Successor(successor)),
    ..KindInfo::of(Service::Ec2)
};

/// A renewal: a new token for the same IPAM, with the same tags.
fn successor(token: &AwsItem) -> Vec<(&'static str, String)> {
    vec![
        (
            "token[ipam]",
            format!(
                "{}/{}/{}",
                token.item.account,
                token.item.region,
                token.field("IPAM").unwrap_or_default()
            ),
        ),
        ("token[tags]", super::tags_text(token)),
    ]
}

const KIND: ResourceKind = ResourceKind::VerificationToken;

/// An IPAM a verification token can be created in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpamChoice {
    pub account: String,
    pub region: String,
    pub ipam_id: String,
    pub description: String,
}

impl IpamChoice {
    pub fn target(&self) -> String {
        format!("{}/{}/{}", self.account, self.region, self.ipam_id)
    }
}

/// The verification-token form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewVerificationToken {
    /// `account/region/ipam-id`.
    pub ipam: String,
    /// One `Key=Value` per line.
    #[serde(default)]
    pub tags: String,
    /// Rendered with the form, so a double submit creates one token.
    pub client_token: String,
    /// The item this one renews, on a renewal's form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renews: Option<crate::model::RenewedItem>,
}

/// A token just created: its name and value, which prove ownership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedVerificationToken {
    pub resource: AwsItem,
    pub token_name: String,
    pub token_value: String,
}

/// What the verification-token form needs: the IPAMs to choose from and this form's
/// idempotency token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenFormOptions {
    pub ipams: Vec<IpamChoice>,
    pub client_token: String,
}

/// What the verification-token form's submit did: created, or checked permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenFormOutcome {
    Created(Box<CreatedVerificationToken>),
    Checked(PermissionCheck),
}

/// Where a new verification token goes and what it carries, once the form is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationTokenRequest {
    pub account: String,
    pub region: String,
    pub ipam_id: String,
    pub tags: Vec<Tag>,
}

/// CreateIpamExternalResourceVerificationToken's rules for the form.
pub fn check_verification_token(
    form: &NewVerificationToken,
) -> Result<VerificationTokenRequest, AppError> {
    let mut errors = FieldErrors::new();
    let target: Vec<&str> = form.ipam.splitn(3, '/').collect();
    let ipam_ok = target.len() == 3
        && !target[0].is_empty()
        && is_aws_region(target[1])
        && target[2].starts_with("ipam-");
    errors.check(
        "ipam",
        if ipam_ok {
            Ok(())
        } else {
            Err("Choose the IPAM that will create the token.".into())
        },
    );
    let tags = errors.take("tags", parse_ec2_tags(&form.tags));
    errors.check("client_token", check_client_token(&form.client_token));
    errors.into_result()?;
    Ok(VerificationTokenRequest {
        account: target[0].to_string(),
        region: target[1].to_string(),
        ipam_id: target[2].to_string(),
        tags,
    })
}

#[server(endpoint = "verification-tokens/form", input = GetUrl)]
pub async fn get_token_form_options() -> Result<TokenFormOptions, AppError> {
    form_options(KIND, "create").await
}

/// The form's two buttons: `intent=check` sends a dry run, anything else creates.
#[server(endpoint = "verification-tokens/submit")]
pub async fn submit_verification_token(
    #[server(default)] _csrf: String,
    token: NewVerificationToken,
    #[server(default)] intent: FormIntent,
) -> Result<TokenFormOutcome, AppError> {
    act(KIND, "create", None, &token, intent).await
}

#[component]
pub fn NewPage() -> impl IntoView {
    view! {
        <CreatePage title="New IPAM verification token" loading="Loading the IPAMs of every account and region…"
            load=get_token_form_options
            form=|options| view! { <TokenForm options /> }>
            "A verification token proves to AWS that you control an address range you bring (BYOIP). AWS generates the token; publish it in DNS or RDAP within its validity period."
        </CreatePage>
    }
}

/// The ownership proof: the token's name and value, and where to publish them.
pub fn detail_sections(resource: AwsItem, just_created: bool) -> AnyView {
    let field = |label: &str| resource.field(label).unwrap_or_default().to_string();
    view! { <OwnershipProof token_name=field("Token name") token_value=field("Token value") just_created /> }
        .into_any()
}

#[component]
fn TokenForm(options: TokenFormOptions) -> impl IntoView {
    let submit = ServerAction::<SubmitVerificationToken>::new();
    let checked = action_answer(submit, |outcome| match outcome {
        TokenFormOutcome::Checked(check) => Some(check),
        TokenFormOutcome::Created(_) => None,
    });
    let targets = options.ipams.iter().map(IpamChoice::target).collect();
    let chosen = crate::components::prefilled("token[ipam]");
    let ipam_choices = options
        .ipams
        .iter()
        .map(|ipam| {
            let label = format!(
                "{} · {} · {}{}",
                ipam.account,
                ipam.region,
                ipam.ipam_id,
                if ipam.description.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", ipam.description)
                }
            );
            let selected = chosen.as_deref() == Some(ipam.target().as_str());
            view! { <option value=ipam.target() selected=selected>{label}</option> }
        })
        .collect_view();
    let no_ipams = options.ipams.is_empty();
    // A renewal whose IPAM is no longer offered asks rather than taking the first.
    let missing = chosen
        .as_ref()
        .is_some_and(|c| !options.ipams.iter().any(|ipam| &ipam.target() == c));
    let ask = missing.then(|| view! { <option value="" selected>"Its IPAM is not offered any more: choose one…"</option> });
    view! {
        <CreateForm kind=KIND action=submit arg="token" id="token" targets own_target=true
            client_token=options.client_token checked heading="Token" let:form>
            <div>
                <label for="token-ipam" class="block text-sm font-medium">"IPAM"</label>
                <select id="token-ipam" name="token[ipam]" required aria-describedby="token-ipam-hint token-ipam-error"
                    class=SELECT>
                    {ask}{ipam_choices}
                </select>
                <p id="token-ipam-hint" class="mt-1 text-xs text-slate-500">
                    {if no_ipams { "No IPAM exists in the configured accounts and regions; create one first." } else { "The IPAM that will create the token; its account and region are the token's." }}
                </p>
                <FieldMessage error=form.error field="ipam" id="token-ipam-error" />
            </div>
            <TagsField id="token-tags" name="token[tags]" error=form.error kind=KIND target_control="token-ipam" rows=4
                placeholder="Owner=net-team@example.com\nRange=203.0.113.0/24"
                hint=format!("One Key=Value per line; at most {MAX_TAGS}. Keys up to 127 characters and not starting with aws:, values up to 256.") />
            <IntentButtons create=("create-token", "Create token") check=("check-permissions", "Check permissions (dry run)")
                pending=form.pending disabled=no_ipams />
        </CreateForm>
    }
}

#[component]
fn OwnershipProof(token_name: String, token_value: String, just_created: bool) -> impl IntoView {
    view! {
        <Card heading_id="proof-heading" title="Prove ownership" id="ownership-proof">
            {just_created.then(|| view! { <p role="status" class="mb-2 rounded bg-emerald-50 px-2 py-1 text-sm text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">"Token created."</p> })}
            <p class="mb-2 text-sm">"Publish the token where the registry can see it, then provision the address range before the token expires:"</p>
            <ul class="mb-2 list-disc space-y-1 pl-5 text-sm">
                <li>"DNS: a TXT record named " <code class="font-mono text-xs" id="token-name">{token_name.clone()}</code> " on the range's reverse-DNS domain, with the token value as its text."</li>
                <li>"RDAP: the token value as a remark on the range's RIR record."</li>
            </ul>
            <p class="text-sm">"Token value: " <code class="break-all font-mono text-xs" id="token-value">{token_value}</code></p>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn verification_token_form() {
        let form = NewVerificationToken {
            ipam: "prod/us-east-1/ipam-0abc".into(),
            tags: "A=1".into(),
            client_token: "t".into(),
            renews: None,
        };
        let request = check_verification_token(&form).unwrap();
        assert_eq!(
            (
                request.account.as_str(),
                request.region.as_str(),
                request.ipam_id.as_str()
            ),
            ("prod", "us-east-1", "ipam-0abc")
        );
        let bad = NewVerificationToken {
            ipam: "prod/nowhere/ipam-0abc".into(),
            ..form
        };
        assert!(check_verification_token(&bad)
            .unwrap_err()
            .field("ipam")
            .is_some());
    }
}
