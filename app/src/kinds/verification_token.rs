//! IPAM external-resource verification tokens: a token proves to AWS that you control an address
//! range you bring (BYOIP). Created in an IPAM; expires (`NotAfter`).

use crate::model::endpoint::{Endpoint, WITH_TAGS};
use crate::{
    components::{CreatePage, form::action_error, ActionAlert, CsrfField, FieldMessage, TagsField},
    model::{
        aws_rules::{check_client_token, is_aws_region, parse_ec2_tags, MAX_TAGS},
        AppError, AwsItem, FieldErrors, FormIntent, KindInfo, PermissionCheck, Service, Tag,
        TagRules,
    },
    pages::CARD,
};
use leptos::prelude::*;
use crate::components::form::SELECT;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::{act, form_options};
use super::ResourceKind;

const KIND: ResourceKind = ResourceKind::VerificationToken;

pub const INFO: KindInfo = KindInfo {
    slug: "verification-token",
    title: "IPAM verification tokens",
    singular: "verification token",
    nav_label: "Verification tokens",
    path: "/verification-tokens",
    service: Service::Ec2,
    expiry_field: Some("NotAfter"),
    tag_rules: TagRules::Ec2,
    global: false,    endpoints: &[
        Endpoint::signed_in("verification-tokens/form"),
        // Viewers may check permissions (intent=check); creating is refused them by the console.
        Endpoint::signed_in("verification-tokens/submit").taking(WITH_TAGS),
    ],
};

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
    let tags = parse_ec2_tags(&form.tags);
    errors.check("tags", tags.as_ref().map(|_| ()).map_err(Clone::clone));
    errors.check("client_token", check_client_token(&form.client_token));
    errors.into_result()?;
    Ok(VerificationTokenRequest {
        account: target[0].to_string(),
        region: target[1].to_string(),
        ipam_id: target[2].to_string(),
        tags: tags.unwrap_or_default(),
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
    let field = |label: &str| {
        resource
            .fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value.clone())
            .unwrap_or_default()
    };
    view! { <OwnershipProof token_name=field("Token name") token_value=field("Token value") just_created /> }
        .into_any()
}

#[component]
fn TokenForm(options: TokenFormOptions) -> impl IntoView {
    let submit = ServerAction::<SubmitVerificationToken>::new();
    let error = action_error(submit);
    // The target the select shows: its first option until the admin picks another.
    let target = RwSignal::new(options.ipams.first().map(IpamChoice::target).unwrap_or_default());
    let checked = Signal::derive(move || match submit.value().get() {
        Some(Ok(TokenFormOutcome::Checked(check))) => Some(check),
        _ => None,
    });
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
            view! { <option value=ipam.target()>{label}</option> }
        })
        .collect_view();
    let no_ipams = options.ipams.is_empty();
    view! {
        <section class=format!("{CARD} max-w-3xl") aria-labelledby="token-form-heading">
            <h2 id="token-form-heading" class="sr-only">"Token"</h2>
            <ActionForm action=submit>
                <div class="space-y-4">
                    <ActionAlert error=Signal::derive(move || error.get().filter(|e| e.fields.is_empty() || e.field("client_token").is_some())) />
                    {move || checked.get().map(|check| {
                        let class = if check.allowed {
                            "rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200"
                        } else {
                            "rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
                        };
                        view! { <div role="status" id="permission-check" class=class>{check.message}</div> }
                    })}
                    <CsrfField />
                    <input type="hidden" name="token[client_token]" value=options.client_token />
                    <div>
                        <label for="token-ipam" class="block text-sm font-medium">"IPAM"</label>
                        <select id="token-ipam" on:change=move |ev| target.set(event_target_value(&ev)) name="token[ipam]" required aria-describedby="token-ipam-hint token-ipam-error"
                            class=SELECT>
                            {ipam_choices}
                        </select>
                        <p id="token-ipam-hint" class="mt-1 text-xs text-slate-500">
                            {if no_ipams { "No IPAM exists in the configured accounts and regions; create one first." } else { "The IPAM that will create the token; its account and region are the token's." }}
                        </p>
                        <FieldMessage error field="ipam" id="token-ipam-error" />
                    </div>
                    <TagsField id="token-tags" name="token[tags]" error kind=KIND target rows=4
                        placeholder="Owner=net-team@example.com\nRange=203.0.113.0/24"
                        hint=format!("One Key=Value per line; at most {MAX_TAGS}. Keys up to 127 characters and not starting with aws:, values up to 256.") />
                    <div class="flex flex-wrap gap-2">
                        <button type="submit" name="intent" value="create" id="create-token" disabled=move || submit.pending().get() || no_ipams
                            class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60">
                            "Create token"
                        </button>
                        <button type="submit" name="intent" value="check" id="check-permissions" disabled=move || submit.pending().get() || no_ipams
                            class="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100 disabled:opacity-60 dark:border-slate-600 dark:hover:bg-slate-800">
                            "Check permissions (dry run)"
                        </button>
                    </div>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn OwnershipProof(token_name: String, token_value: String, just_created: bool) -> impl IntoView {
    view! {
        <section class=CARD aria-labelledby="proof-heading" id="ownership-proof">
            <h2 id="proof-heading" class="mb-2 font-semibold">"Prove ownership"</h2>
            {just_created.then(|| view! { <p role="status" class="mb-2 rounded bg-emerald-50 px-2 py-1 text-sm text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">"Token created."</p> })}
            <p class="mb-2 text-sm">"Publish the token where the registry can see it, then provision the address range before the token expires:"</p>
            <ul class="mb-2 list-disc space-y-1 pl-5 text-sm">
                <li>"DNS: a TXT record named " <code class="font-mono text-xs" id="token-name">{token_name.clone()}</code> " on the range's reverse-DNS domain, with the token value as its text."</li>
                <li>"RDAP: the token value as a remark on the range's RIR record."</li>
            </ul>
            <p class="text-sm">"Token value: " <code class="break-all font-mono text-xs" id="token-value">{token_value}</code></p>
        </section>
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
