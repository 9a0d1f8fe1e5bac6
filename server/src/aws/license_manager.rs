//! License Manager: licenses (to choose from) and the refresh tokens issued for them. A token's
//! JWT is handed back once, to be shown once; it is never cached.

use std::collections::HashMap;

use app::kinds::license_token::{
    check_license_token, LicenseChoice, LicenseTokenFormOptions, NewLicenseToken,
};
use app::model::{AppError, AwsItem, ResourceKind, SecretValue};
use app::ports::KindRequest;
use aws_sdk_licensemanager::types::TokenData;
use serde_json::{json, Value};

use super::error::{answered, failure, request_id, AwsFailure};
use super::field;
use super::kind::{
    form_of, gather, reply, target, At, Done, ItemCalls, KindAdapter, Plan, Planner,
};
use super::pages::all_pages;

const KIND: ResourceKind = ResourceKind::LicenseToken;
const LIST_TOKENS: &str = "license-manager:ListTokens";
const JWT_WARNING: &str = "Copy this token now. trustdesk does not keep it and will not show it again; AWS cannot show it again either.";

/// The licenses a token can be made for, in `at`'s account and region.
async fn licenses(at: At) -> Result<Vec<LicenseChoice>, AwsFailure> {
    let client = at.license_manager().await;
    all_pages(|next| {
        let page = client
            .list_licenses()
            .max_results(100)
            .set_next_token(next)
            .send();
        let at = &at;
        async move {
            let page = page
                .await
                .map_err(|e| failure(e, "license-manager:ListLicenses", &at.scope))?;
            let licenses = page.licenses().iter().map(|l| LicenseChoice {
                account: at.scope.account.clone(),
                region: at.scope.region.clone(),
                license_arn: l.license_arn().unwrap_or_default().to_string(),
                name: l.license_name().unwrap_or_default().to_string(),
            });
            Ok((licenses.collect(), page.next_token().map(str::to_string)))
        }
    })
    .await
}

/// License ARN → license name, for naming tokens.
async fn license_names(at: &At) -> Result<HashMap<String, String>, AwsFailure> {
    let licenses = licenses(at.clone()).await?.into_iter();
    Ok(licenses.map(|l| (l.license_arn, l.name)).collect())
}

fn item(token: &TokenData, names: &HashMap<String, String>, at: &At) -> AwsItem {
    let id = token.token_id().unwrap_or_default();
    let license = token.license_arn().unwrap_or_default();
    let name = names
        .get(license)
        .map(|n| format!("Token for {n}"))
        .unwrap_or_else(|| id.to_string());
    let expires_at = token
        .expiration_time()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| crate::time::timestamp(t.with_timezone(&chrono::Utc)));
    let roles = token.role_arns().join(", ");
    let properties = token.token_properties().join(", ");
    let fields = [
        field("License ARN", Some(license)),
        field("Token type", token.token_type()),
        field("Role ARNs", Some(&roles)),
        field("Token properties", Some(&properties)),
    ];
    let status = token.status().unwrap_or_default().to_lowercase();
    AwsItem {
        expires_at,
        ..at.aws_item(KIND, id, name, status, Vec::new(), fields)
    }
}

/// The adapter of [`ResourceKind::LicenseToken`]. AWS has no tags on tokens.
pub struct LicenseTokens;

impl LicenseTokens {
    fn plan_create(request: &KindRequest) -> Result<Plan, AppError> {
        let form: NewLicenseToken = form_of(request)?;
        let (days, roles, properties) = check_license_token(&form)?;
        let mut parts = form.license.splitn(3, '/');
        let (account, region, license_arn) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default().to_string(),
        );
        let target = target(KIND, account, region, &license_arn);
        // The JWT is neither audited nor cached: only its claims' inputs are.
        let params = json!({ "license_arn": license_arn, "role_arns": roles, "expiration_in_days": days, "token_properties": properties, "client_token": form.client_token });
        let run = move |at: At| async move {
            let output = at
                .license_manager()
                .await
                .create_token()
                .license_arn(license_arn)
                .expiration_in_days(days as i32)
                .set_role_arns(Some(roles))
                .set_token_properties(Some(properties))
                .client_token(&form.client_token)
                .send()
                .await
                .map_err(|e| failure(e, "license-manager:CreateToken", &at.scope))?;
            let cache = at
                .fresh(KIND, output.token_id().unwrap_or_default())
                .await?;
            let secret = SecretValue {
                id: "license-jwt".into(),
                label: "Token (JWT)".into(),
                value: output.token().unwrap_or_default().to_string(),
            };
            let done = Done::new(request_id(&output), cache, "License Manager token created.");
            Ok(done.with_secret("License Manager token created", JWT_WARNING, secret, None))
        };
        Ok(Plan::new("license-token.create", target, params, run))
    }
}

#[async_trait::async_trait]
impl ItemCalls for LicenseTokens {
    fn kind(&self) -> ResourceKind {
        KIND
    }

    /// The token as ListTokens reports it, or `None` when AWS no longer has it.
    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        let names = license_names(at).await?;
        let read = at.license_manager().await.list_tokens().token_ids(id);
        let read = read
            .send()
            .await
            .map_err(|e| failure(e, LIST_TOKENS, &at.scope))?;
        Ok(read.tokens().first().map(|t| item(t, &names, at)))
    }

    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        let sent = at.license_manager().await.delete_token().token_id(id);
        answered(sent.send().await, "license-manager:DeleteToken", &at.scope)
    }
}

#[async_trait::async_trait]
impl KindAdapter for LicenseTokens {
    /// ListTokens, and ListLicenses for the names of the licenses the tokens belong to.
    fn fewest_calls(&self, _items: u64) -> u64 {
        2
    }

    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let names = license_names(at).await?;
        let client = at.license_manager().await;
        all_pages(|next| {
            let page = client
                .list_tokens()
                .max_results(100)
                .set_next_token(next)
                .send();
            let names = &names;
            async move {
                let page = page.await.map_err(|e| failure(e, LIST_TOKENS, &at.scope))?;
                let items = page.tokens().iter().map(|t| item(t, names, at)).collect();
                Ok((items, page.next_token().map(str::to_string)))
            }
        })
        .await
    }

    /// The licenses of every account and region, and the form's idempotency token.
    async fn form_options(&self, _form: &str, places: Vec<At>) -> Result<Value, AppError> {
        let licenses = gather(places, licenses).await?;
        Ok(reply(&LicenseTokenFormOptions {
            licenses,
            client_token: crate::csrf::client_token(),
        }))
    }

    fn actions(&self) -> &'static [(&'static str, Planner)] {
        &[("create", Self::plan_create)]
    }
}
