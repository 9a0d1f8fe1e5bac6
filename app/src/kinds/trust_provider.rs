//! Verified Access trust providers: who the user is (IAM Identity Center or OIDC) or what state
//! their device is in (Jamf, CrowdStrike, JumpCloud). The create form shows the fields each type
//! needs; the detail page can modify description, OIDC options and encryption. The OIDC client
//! secret is write-only: sent to AWS, never shown, stored, logged or audited.

use crate::components::form::{action_answer, action_error, action_success, form_level, SELECT};
use crate::components::{ActionAlert, Card, CsrfField, FieldMessage, IntentButtons, NewItemPage};
use crate::components::{SubmitButton, TagsField, TextField};
use crate::islands::ShowWhen;
use crate::model::aws_rules::{check_client_token, check_https, check_target, required};
use crate::model::aws_rules::parse_ec2_tags;
use crate::model::endpoint::{Endpoint, WITH_TAGS};
use crate::model::{AppError, AwsItem, FieldErrors, FormIntent, KindInfo, PermissionCheck};
use crate::model::{ResourceRef, Service};
use crate::pages::resource::ItemFields;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ResourceKind;
#[cfg(feature = "ssr")]
use super::act;

pub const INFO: KindInfo = KindInfo {
    slug: "trust-provider",
    title: "Verified Access trust providers",
    singular: "trust provider",
    nav_label: "Trust providers",
    path: "/trust-providers",
    endpoints: &[
        // Viewers may check permissions (intent=check); creating is refused them by the console.
        Endpoint::signed_in("trust-providers/submit").taking(WITH_TAGS),
        Endpoint::changes_aws("trust-providers/modify").taking(WITH_TAGS),
    ],
    ..KindInfo::of(Service::Ec2)
};

const KIND: ResourceKind = ResourceKind::TrustProvider;


/// The trust-provider form (create, and modify where noted). The OIDC client secret is
/// write-only: sent to AWS, never shown, stored, logged or audited.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrustProviderForm {
    /// `account/region` (create only).
    pub target: String,
    /// `user` or `device` (create only).
    pub trust_provider_type: String,
    /// `iam-identity-center` or `oidc`, for user providers (create only).
    pub user_trust_provider_type: String,
    /// `jamf`, `crowdstrike` or `jumpcloud`, for device providers (create only).
    pub device_trust_provider_type: String,
    pub policy_reference_name: String,
    pub description: String,
    pub oidc_issuer: String,
    pub oidc_authorization_endpoint: String,
    pub oidc_token_endpoint: String,
    pub oidc_user_info_endpoint: String,
    pub oidc_client_id: String,
    pub oidc_client_secret: String,
    pub oidc_scope: String,
    pub device_tenant_id: String,
    pub device_public_signing_key_url: String,
    /// A checkbox: present (any value) when ticked.
    pub sse_customer_managed_key: Option<String>,
    pub sse_kms_key_arn: String,
    /// One `Key=Value` per line (create only).
    pub tags: String,
    pub client_token: String,
}

impl TrustProviderForm {
    /// Whether any OIDC option is filled in (on modify, empty ones keep their value).
    pub fn gives_oidc_options(&self) -> bool {
        [
            &self.oidc_issuer,
            &self.oidc_authorization_endpoint,
            &self.oidc_token_endpoint,
            &self.oidc_user_info_endpoint,
            &self.oidc_client_id,
            &self.oidc_client_secret,
            &self.oidc_scope,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }
}

/// What the trust-provider form's submit did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrustProviderOutcome {
    Created(ResourceRef),
    Checked(PermissionCheck),
}

// Written by hand so that a `{:?}` anywhere (a log line, a panic message) cannot print the
// secret these carry.
impl std::fmt::Debug for TrustProviderForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustProviderForm")
            .field("target", &self.target)
            .field("trust_provider_type", &self.trust_provider_type)
            .field("user_trust_provider_type", &self.user_trust_provider_type)
            .field(
                "device_trust_provider_type",
                &self.device_trust_provider_type,
            )
            .field("policy_reference_name", &self.policy_reference_name)
            .field("description", &self.description)
            .field("oidc_issuer", &self.oidc_issuer)
            .field(
                "oidc_authorization_endpoint",
                &self.oidc_authorization_endpoint,
            )
            .field("oidc_token_endpoint", &self.oidc_token_endpoint)
            .field("oidc_user_info_endpoint", &self.oidc_user_info_endpoint)
            .field("oidc_client_id", &self.oidc_client_id)
            .field("oidc_client_secret", &"[redacted]")
            .field("oidc_scope", &self.oidc_scope)
            .field("device_tenant_id", &self.device_tenant_id)
            .field(
                "device_public_signing_key_url",
                &self.device_public_signing_key_url,
            )
            .field("sse_customer_managed_key", &self.sse_customer_managed_key)
            .field("sse_kms_key_arn", &self.sse_kms_key_arn)
            .field("tags", &self.tags)
            .field("client_token", &self.client_token)
            .finish()
    }
}

/// The rules of CreateVerifiedAccessTrustProvider (`creating`) or
/// ModifyVerifiedAccessTrustProvider for the form's fields.
pub fn check_trust_provider(form: &TrustProviderForm, creating: bool) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    let user = form.trust_provider_type == "user";
    let oidc = user && form.user_trust_provider_type == "oidc";
    if creating {
        errors.check("target", check_target(&form.target));
        errors.check(
            "trust_provider_type",
            match form.trust_provider_type.as_str() {
                "user" | "device" => Ok(()),
                _ => Err("Choose user or device.".into()),
            },
        );
        if user {
            errors.check(
                "user_trust_provider_type",
                match form.user_trust_provider_type.as_str() {
                    "iam-identity-center" | "oidc" => Ok(()),
                    _ => Err(
                        "A user trust provider needs a type: IAM Identity Center or OIDC.".into(),
                    ),
                },
            );
        } else if form.trust_provider_type == "device" {
            let device_type = form.device_trust_provider_type.as_str();
            errors.check(
                "device_trust_provider_type",
                match device_type {
                    "jamf" | "crowdstrike" | "jumpcloud" => Ok(()),
                    _ => Err(
                        "A device trust provider needs a type: Jamf, CrowdStrike or JumpCloud."
                            .into(),
                    ),
                },
            );
            if device_type != "crowdstrike" {
                errors.check(
                    "device_tenant_id",
                    required(&form.device_tenant_id, "The tenant ID"),
                );
            }
        }
        let name = &form.policy_reference_name;
        let valid_name = name.len() <= 64
            && name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        errors.check(
            "policy_reference_name",
            if valid_name {
                Ok(())
            } else {
                Err(
                    "Start with a letter or _, then letters, digits or _; at most 64 characters."
                        .into(),
                )
            },
        );
        errors.check("tags", parse_ec2_tags(&form.tags).map(|_| ()));
        errors.check("client_token", check_client_token(&form.client_token));
    }
    errors.check(
        "description",
        if form.description.chars().count() > 255 {
            Err("At most 255 characters.".into())
        } else {
            Ok(())
        },
    );
    let endpoints = [
        ("oidc_issuer", &form.oidc_issuer, "The issuer"),
        (
            "oidc_authorization_endpoint",
            &form.oidc_authorization_endpoint,
            "The authorization endpoint",
        ),
        (
            "oidc_token_endpoint",
            &form.oidc_token_endpoint,
            "The token endpoint",
        ),
        (
            "oidc_user_info_endpoint",
            &form.oidc_user_info_endpoint,
            "The user info endpoint",
        ),
    ];
    for (field, value, what) in endpoints {
        if creating && oidc {
            errors.check(
                field,
                required(value, what).and_then(|_| check_https(value, what)),
            );
        } else if !value.is_empty() {
            errors.check(field, check_https(value, what));
        }
    }
    if creating && oidc {
        errors.check(
            "oidc_client_id",
            required(&form.oidc_client_id, "The client ID"),
        );
        errors.check(
            "oidc_client_secret",
            required(&form.oidc_client_secret, "The client secret"),
        );
    }
    if !form.device_public_signing_key_url.is_empty() {
        errors.check(
            "device_public_signing_key_url",
            check_https(
                &form.device_public_signing_key_url,
                "The public signing key URL",
            ),
        );
    }
    let cmk = form.sse_customer_managed_key.is_some();
    let arn = form.sse_kms_key_arn.trim();
    errors.check(
        "sse_kms_key_arn",
        match (cmk, arn.is_empty()) {
            (true, true) => Err("Give the KMS key ARN of the customer managed key.".into()),
            (false, false) => Err(
                "Tick \"customer managed key\" to use a KMS key, or leave the ARN empty.".into(),
            ),
            (true, false) if !arn.starts_with("arn:aws:kms:") => {
                Err("A KMS key ARN starts with arn:aws:kms:.".into())
            }
            _ => Ok(()),
        },
    );
    errors.into_result()
}

/// The form's two buttons: `intent=check` sends a dry run, anything else creates.
#[server(endpoint = "trust-providers/submit")]
pub async fn submit_trust_provider(
    #[server(default)] _csrf: String,
    provider: TrustProviderForm,
    #[server(default)] intent: FormIntent,
) -> Result<TrustProviderOutcome, AppError> {
    act(KIND, "create", None, &provider, intent).await
}

#[server(endpoint = "trust-providers/modify")]
pub async fn modify_trust_provider(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    provider: TrustProviderForm,
) -> Result<(), AppError> {
    act(KIND, "modify", Some(item), &provider, FormIntent::Create).await
}

#[component]
pub fn NewPage() -> impl IntoView {
    let submit = ServerAction::<SubmitTrustProvider>::new();
    let checked = action_answer(submit, |outcome| match outcome {
        TrustProviderOutcome::Checked(check) => Some(check),
        TrustProviderOutcome::Created(_) => None,
    });
    view! {
        <NewItemPage kind=KIND title="New Verified Access trust provider" arg="provider" action=submit client_token=true checked
            about=|| "A trust provider tells Verified Access who the user is (IAM Identity Center or an OIDC identity provider) or what state their device is in (Jamf, CrowdStrike, JumpCloud)."
            let:form>
            <ProviderFields form />
        </NewItemPage>
    }
}

/// The modify form, prefilled from the item's fields.
pub fn detail_sections(resource: AwsItem, _just_created: bool) -> AnyView {
    let field = |label: &str| resource.field(label).unwrap_or_default().to_string();
    view! {
        <ModifyTrustProviderForm
            item=resource.item.clone()
            is_oidc=field("User type") == "oidc"
            description=field("Description")
            sse_enabled=field("Customer managed key") == "yes"
            kms_key_arn=field("KMS key ARN")
        />
    }
    .into_any()
}

#[component]
fn Select(
    #[prop(into)] name: String,
    #[prop(into)] field: String,
    #[prop(into)] label: String,
    options: Vec<(&'static str, &'static str)>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("provider-{field}");
    let error_id = format!("{id}-error");
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <select id=id name=name aria-describedby=error_id.clone() class=SELECT>
                {options.into_iter().map(|(value, text)| view! { <option value=value>{text}</option> }).collect_view()}
            </select>
            <FieldMessage error field id=error_id />
        </div>
    }
}

/// The element ids of the choices the other fields follow.
const PROVIDER_TYPE: &str = "provider-trust_provider_type";
const USER_TYPE: &str = "provider-user_trust_provider_type";

/// The create form's fields: all of them without JavaScript (each legend says when it applies);
/// in a browser, each type's own only for it.
#[component]
fn ProviderFields(form: crate::components::FormState) -> impl IntoView {
    let error = form.error;
    let when = |control: &str, value: &str| (control.to_string(), vec![value.to_string()]);
    let (user, device, oidc) = (when(PROVIDER_TYPE, "user"), when(PROVIDER_TYPE, "device"), when(USER_TYPE, "oidc"));
    view! {
        <div class="grid gap-4 sm:grid-cols-2">
            <Select name="provider[trust_provider_type]" field="trust_provider_type" label="Trust provider type" error
                options=vec![("user", "User identity"), ("device", "Device")] />
            <ShowWhen control=user.0.clone() values=user.1.clone()>
                <Select name="provider[user_trust_provider_type]" field="user_trust_provider_type" label="User trust provider type (user)" error
                    options=vec![("oidc", "OpenID Connect (OIDC)"), ("iam-identity-center", "IAM Identity Center")] />
            </ShowWhen>
            <ShowWhen control=device.0.clone() values=device.1.clone()>
                <Select name="provider[device_trust_provider_type]" field="device_trust_provider_type" label="Device trust provider type (device)" error
                    options=vec![("jamf", "Jamf"), ("crowdstrike", "CrowdStrike"), ("jumpcloud", "JumpCloud")] />
            </ShowWhen>
        </div>
        <TextField form="provider" name="provider[policy_reference_name]" field="policy_reference_name" label="Policy reference name" error
            hint="How Verified Access policies refer to this provider: a letter or _, then letters, digits or _." />
        <TextField form="provider" name="provider[description]" field="description" label="Description" error required=false hint="Up to 255 characters" />
        <ShowWhen control=user.0 values=user.1><ShowWhen control=oidc.0 values=oidc.1>
            <fieldset class="space-y-3 rounded-md border border-slate-200 p-3 dark:border-slate-700">
                <legend class="px-1 text-sm font-semibold">"OIDC options (user providers of type OIDC)"</legend>
                <OidcFields error creating=true />
            </fieldset>
        </ShowWhen></ShowWhen>
        <ShowWhen control=device.0 values=device.1>
        <fieldset class="space-y-3 rounded-md border border-slate-200 p-3 dark:border-slate-700">
            <legend class="px-1 text-sm font-semibold">"Device options (device providers)"</legend>
            <TextField form="provider" name="provider[device_tenant_id]" field="device_tenant_id" label="Tenant ID" error required=false hint="Required for Jamf and JumpCloud" />
            <TextField form="provider" name="provider[device_public_signing_key_url]" field="device_public_signing_key_url" label="Public signing key URL" error required=false />
        </fieldset>
        </ShowWhen>
        <SseFields error />
        <TagsField id="provider-tags" name="provider[tags]" error kind=KIND target_control=form.target_control placeholder="Owner=identity@example.com" />
        <IntentButtons create=("create-provider", "Create trust provider") check=("check-permissions", "Check permissions (dry run)") pending=form.pending />
    }
}

/// The OIDC fields; on create they are required, on modify only what is filled in changes.
#[component]
fn OidcFields(#[prop(into)] error: Signal<Option<AppError>>, creating: bool) -> impl IntoView {
    let keep = (!creating).then_some("Leave empty to keep the current value");
    view! {
        <TextField form="provider" name="provider[oidc_issuer]" field="oidc_issuer" label="Issuer" error required=false hint=keep.unwrap_or("https://…").to_string() />
        <TextField form="provider" name="provider[oidc_authorization_endpoint]" field="oidc_authorization_endpoint" label="Authorization endpoint" error required=false />
        <TextField form="provider" name="provider[oidc_token_endpoint]" field="oidc_token_endpoint" label="Token endpoint" error required=false />
        <TextField form="provider" name="provider[oidc_user_info_endpoint]" field="oidc_user_info_endpoint" label="User info endpoint" error required=false />
        <TextField form="provider" name="provider[oidc_client_id]" field="oidc_client_id" label="Client ID" error required=false />
        <TextField form="provider" name="provider[oidc_client_secret]" field="oidc_client_secret" label="Client secret" input_type="password" autocomplete="new-password" error required=false
            hint=if creating { "Sent to AWS only: trustdesk never shows, stores or logs it." } else { "Write-only: enter a new secret to replace it, or leave empty to keep it." } />
        <TextField form="provider" name="provider[oidc_scope]" field="oidc_scope" label="Scope" error required=false hint="e.g. openid profile groups" />
    }
}

/// The current setting is shown, so saving another change does not switch encryption off.
#[component]
fn SseFields(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] enabled: bool,
    #[prop(optional)] kms_key_arn: String,
) -> impl IntoView {
    view! {
        <fieldset class="space-y-2 rounded-md border border-slate-200 p-3 dark:border-slate-700">
            <legend class="px-1 text-sm font-semibold">"Server-side encryption"</legend>
            <label class="flex items-center gap-2 text-sm">
                <input type="checkbox" name="provider[sse_customer_managed_key]" value="on" id="provider-sse" checked=enabled />
                "Use a customer managed KMS key"
            </label>
            <div>
                <label for="provider-sse_kms_key_arn" class="block text-sm font-medium">"KMS key ARN"</label>
                <input id="provider-sse_kms_key_arn" name="provider[sse_kms_key_arn]" value=kms_key_arn aria-describedby="provider-sse_kms_key_arn-error"
                    placeholder="arn:aws:kms:REGION:ACCOUNT:key/…"
                    class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-xs dark:border-slate-600 dark:bg-slate-800" />
                <FieldMessage error field="sse_kms_key_arn" id="provider-sse_kms_key_arn-error" />
            </div>
        </fieldset>
    }
}

/// On a trust provider's detail page: description, OIDC options and encryption.
#[component]
fn ModifyTrustProviderForm(
    item: ResourceRef,
    is_oidc: bool,
    description: String,
    sse_enabled: bool,
    kms_key_arn: String,
) -> impl IntoView {
    let modify = ServerAction::<ModifyTrustProvider>::new();
    let error = action_error(modify);
    let success = action_success(modify, "Trust provider updated.");
    view! {
        <Card heading_id="modify-heading" title="Modify">
            <ActionForm action=modify>
                <div class="space-y-3">
                    <ActionAlert error=form_level(error) success />
                    <CsrfField />
                    <ItemFields item=item.clone() />
                    <div>
                        <label for="provider-description" class="block text-sm font-medium">"Description"</label>
                        <input id="provider-description" name="provider[description]" value=description aria-describedby="provider-description-error"
                            class=SELECT />
                        <FieldMessage error field="description" id="provider-description-error" />
                    </div>
                    {is_oidc.then(|| view! {
                        <fieldset class="space-y-3 rounded-md border border-slate-200 p-3 dark:border-slate-700">
                            <legend class="px-1 text-sm font-semibold">"OIDC options"</legend>
                            <OidcFields error creating=false />
                        </fieldset>
                    })}
                    <SseFields error enabled=sse_enabled kms_key_arn />
                    <SubmitButton label="Save changes" pending=modify.pending() />
                </div>
            </ActionForm>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oidc_form() -> TrustProviderForm {
        TrustProviderForm {
            target: "prod/us-east-1".into(),
            trust_provider_type: "user".into(),
            user_trust_provider_type: "oidc".into(),
            policy_reference_name: "okta".into(),
            oidc_issuer: "https://idp.example.com".into(),
            oidc_authorization_endpoint: "https://idp.example.com/authorize".into(),
            oidc_token_endpoint: "https://idp.example.com/token".into(),
            oidc_user_info_endpoint: "https://idp.example.com/userinfo".into(),
            oidc_client_id: "client".into(),
            oidc_client_secret: "secret".into(),
            client_token: "t-1".into(),
            ..Default::default()
        }
    }

    #[test]
    fn trust_provider_required_when_rules() {
        assert!(check_trust_provider(&oidc_form(), true).is_ok());
        let missing = TrustProviderForm {
            oidc_token_endpoint: String::new(),
            oidc_client_secret: String::new(),
            ..oidc_form()
        };
        let error = check_trust_provider(&missing, true).unwrap_err();
        assert!(error.field("oidc_token_endpoint").is_some());
        assert!(error.field("oidc_client_secret").is_some());
        let device = TrustProviderForm {
            trust_provider_type: "device".into(),
            device_trust_provider_type: "jamf".into(),
            ..oidc_form()
        };
        assert!(check_trust_provider(&device, true)
            .unwrap_err()
            .field("device_tenant_id")
            .is_some());
        let crowdstrike = TrustProviderForm {
            device_trust_provider_type: "crowdstrike".into(),
            ..device
        };
        assert!(check_trust_provider(&crowdstrike, true).is_ok());
        let kms = TrustProviderForm {
            sse_kms_key_arn: "arn:aws:kms:us-east-1:1:key/x".into(),
            ..oidc_form()
        };
        assert!(check_trust_provider(&kms, true)
            .unwrap_err()
            .field("sse_kms_key_arn")
            .is_some());
        let bad_name = TrustProviderForm {
            policy_reference_name: "9lives".into(),
            ..oidc_form()
        };
        assert!(check_trust_provider(&bad_name, true)
            .unwrap_err()
            .field("policy_reference_name")
            .is_some());
        // Modify checks only what is given.
        let modify = TrustProviderForm {
            description: "new".into(),
            ..Default::default()
        };
        assert!(check_trust_provider(&modify, false).is_ok());
        let bad_url = TrustProviderForm {
            oidc_token_endpoint: "http://x".into(),
            ..Default::default()
        };
        assert!(check_trust_provider(&bad_url, false)
            .unwrap_err()
            .field("oidc_token_endpoint")
            .is_some());
    }

    #[test]
    fn debug_output_never_carries_the_client_secret() {
        let form = TrustProviderForm {
            oidc_client_secret: "hunter2-secret".into(),
            ..Default::default()
        };
        assert!(!format!("{form:?}").contains("hunter2-secret"));
    }
}
