//! License Manager tokens: long-lived refresh tokens (JWTs) that software trades for License
//! Manager credentials. AWS has no tags on them. The JWT is shown once, right after creation, on
//! the generic shown-once page; it is never stored, logged or audited.

use crate::components::form::SELECT;
use crate::components::{CreateForm, CreatePage, FieldMessage, SubmitButton};
use crate::components::{TextField, TextFileField};
use crate::model::aws_rules::{check_client_token, is_role_arn, lines};
use crate::model::endpoint::{Endpoint, WITH_TAGS};
use crate::model::{AppError, AwsItem, FieldErrors, KindInfo, Renewal, Service};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::ResourceKind;
#[cfg(feature = "ssr")]
use super::{act, form_options};

/// AWS has no tags on License Manager tokens.
pub const INFO: KindInfo = KindInfo {
    slug: "license-token",
    title: "License Manager tokens",
    singular: "license token",
    nav_label: "License tokens",
    path: "/license-tokens",
    expiry_field: Some("ExpirationTime"),
    endpoints: &[
        Endpoint::signed_in("license-tokens/form"),
        Endpoint::changes_aws("license-tokens/create").taking(WITH_TAGS),
    ],
    renewal: Some(Renewal::Successor(successor)),
    ..KindInfo::of(Service::LicenseManager)
};

#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
const KIND: ResourceKind = ResourceKind::LicenseToken;

/// A license a token can be created for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseChoice {
    pub account: String,
    pub region: String,
    pub license_arn: String,
    pub name: String,
}

impl LicenseChoice {
    pub fn target(&self) -> String {
        format!("{}/{}/{}", self.account, self.region, self.license_arn)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseTokenFormOptions {
    pub licenses: Vec<LicenseChoice>,
    pub client_token: String,
}

pub const LICENSE_TOKEN_DEFAULT_DAYS: u32 = 365;

/// A renewal: a token for the same license with the same role ARNs and properties, and a fresh
/// expiry (the form's default).
fn successor(token: &AwsItem) -> Vec<(&'static str, String)> {
    let list = |label: &str| {
        token
            .field(label)
            .unwrap_or_default()
            .split(", ")
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    vec![
        (
            "token[license]",
            format!(
                "{}/{}/{}",
                token.item.account,
                token.item.region,
                token.field("License ARN").unwrap_or_default()
            ),
        ),
        ("token[role_arns]", list("Role ARNs")),
        ("token[token_properties]", list("Token properties")),
    ]
}

/// The license-token form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewLicenseToken {
    /// `account/region/license-arn`.
    pub license: String,
    /// IAM role ARNs, one per line.
    pub role_arns: String,
    /// Days from creation; empty means 365.
    pub expiration_in_days: String,
    /// Up to three values for the token's `amr` claim, one per line.
    pub token_properties: String,
    pub client_token: String,
    /// The item this one renews, on a renewal's form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renews: Option<crate::model::RenewedItem>,
}

/// CreateToken's rules; returns the days, role ARNs and token properties to send.
pub fn check_license_token(
    form: &NewLicenseToken,
) -> Result<(u32, Vec<String>, Vec<String>), AppError> {
    let mut errors = FieldErrors::new();
    let license_ok = form
        .license
        .splitn(3, '/')
        .nth(2)
        .is_some_and(|arn| arn.starts_with("arn:aws:license-manager:"));
    errors.check(
        "license",
        if license_ok {
            Ok(())
        } else {
            Err("Choose the license the token is for.".into())
        },
    );
    let roles = lines(&form.role_arns);
    errors.check(
        "role_arns",
        match roles.iter().find(|r| !is_role_arn(r)) {
            Some(bad) => Err(format!(
                "\"{bad}\" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
            )),
            None => Ok(()),
        },
    );
    let days = match form.expiration_in_days.trim() {
        "" => Ok(LICENSE_TOKEN_DEFAULT_DAYS),
        text => match text.parse::<u32>() {
            Ok(d) if (1..=730).contains(&d) => Ok(d),
            _ => Err("Give a whole number of days from 1 to 730.".to_string()),
        },
    };
    errors.check(
        "expiration_in_days",
        days.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let properties = lines(&form.token_properties);
    errors.check(
        "token_properties",
        if properties.len() > 3 {
            Err("At most 3 token properties.".into())
        } else {
            Ok(())
        },
    );
    errors.check("client_token", check_client_token(&form.client_token));
    errors.into_result()?;
    Ok((
        days.unwrap_or(LICENSE_TOKEN_DEFAULT_DAYS),
        roles,
        properties,
    ))
}

#[server(endpoint = "license-tokens/form", input = GetUrl)]
pub async fn get_license_token_form_options() -> Result<LicenseTokenFormOptions, AppError> {
    form_options(KIND, "create").await
}

/// Creates the token; answers the handle that shows its JWT once.
#[server(endpoint = "license-tokens/create")]
pub async fn create_license_token(
    #[server(default)] _csrf: String,
    token: NewLicenseToken,
) -> Result<String, AppError> {
    act(KIND, "create", None, &token, crate::model::FormIntent::Create).await
}

#[component]
pub fn NewPage() -> impl IntoView {
    view! {
        <CreatePage title="New License Manager token" loading="Loading the licenses of every account and region…"
            load=get_license_token_form_options
            form=|options| view! { <TokenForm options /> }>
            "A long-lived refresh token (a JWT) that software uses to get License Manager credentials. It is shown once, right after creation: copy it then."
        </CreatePage>
    }
}

pub fn detail_sections(_resource: AwsItem, _just_created: bool) -> AnyView {
    super::no_sections()
}

#[component]
fn TokenForm(options: LicenseTokenFormOptions) -> impl IntoView {
    let none = options.licenses.is_empty();
    let chosen = crate::components::prefilled("token[license]");
    let choices = options
        .licenses
        .iter()
        .map(|l| {
            let selected = chosen.as_deref() == Some(l.target().as_str());
            view! { <option value=l.target() selected=selected>{format!("{} · {} · {}", l.account, l.region, l.name)}</option> }
        })
        .collect_view();
    // A renewal whose license is no longer offered asks rather than taking the first.
    let missing = chosen
        .as_ref()
        .is_some_and(|c| !options.licenses.iter().any(|l| &l.target() == c));
    let ask = missing.then(|| view! { <option value="" selected>"Its license is not offered any more: choose one…"</option> });
    view! {
        <CreateForm kind=KIND action={ServerAction::<CreateLicenseToken>::new()} arg="token" id="license-token"
            targets=Vec::new() own_target=true client_token=options.client_token let:form>
            <div>
                <label for="license-token-license" class="block text-sm font-medium">"License"</label>
                <select id="license-token-license" name="token[license]" aria-describedby="license-token-license-error"
                    required=missing class=SELECT>{ask}{choices}</select>
                {none.then(|| view! { <p class="mt-1 text-xs text-slate-500">"No license exists in the configured accounts and regions."</p> })}
                <FieldMessage error=form.error field="license" id="license-token-license-error" />
            </div>
            <TextFileField id="license-token-roles" name="token[role_arns]" field="role_arns" required=false label="Role ARNs" error=form.error rows=2
                placeholder="arn:aws:iam::123456789012:role/license-consumer"
                hint="One per line; embedded in the token (License Manager does not check them)." />
            <TextField form="license-token" name="token[expiration_in_days]" field="expiration_in_days" label="Expiration in days" error=form.error required=false
                hint=format!("1 to 730; empty means the default of {LICENSE_TOKEN_DEFAULT_DAYS}") />
            <TextFileField id="license-token-properties" name="token[token_properties]" field="token_properties" required=false label="Token properties" error=form.error rows=2
                hint="Up to 3, one per line; they become the token's amr claim." />
            <SubmitButton label="Create token" pending=form.pending />
        </CreateForm>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn license_token_rules() {
        let form = NewLicenseToken {
            license: "prod/us-east-1/arn:aws:license-manager::123456789012:license:l-1".into(),
            role_arns: "arn:aws:iam::123456789012:role/consumer\n".into(),
            client_token: "t".into(),
            ..Default::default()
        };
        assert_eq!(check_license_token(&form).unwrap().0, 365, "the default");
        let bad = NewLicenseToken {
            expiration_in_days: "0".into(),
            role_arns: "nope".into(),
            token_properties: "a\nb\nc\nd".into(),
            ..form
        };
        let error = check_license_token(&bad).unwrap_err();
        for field in ["expiration_in_days", "role_arns", "token_properties"] {
            assert!(error.field(field).is_some(), "{field}");
        }
    }
}
