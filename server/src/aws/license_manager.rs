//! License Manager: licenses (to choose from) and the refresh tokens issued for them. A token's
//! JWT is handed back once, to be shown once; it is never cached.

use std::collections::HashMap;

use app::kinds::license_token::{
    check_license_token, LicenseChoice, LicenseTokenFormOptions, NewLicenseToken,
};
use app::model::{AppError, AwsItem, OnceSecret, ResourceKind, ResourceRef, SecretValue};
use app::ports::KindRequest;
use aws_sdk_licensemanager::operation::RequestId;
use aws_sdk_licensemanager::Client;
use serde_json::{json, Value};

use super::error::{answered, failure, AwsFailure, Scope};
use super::field;
use super::kind::{
    form_of, gather, reply, unknown_action, At, CacheChange, Done, KindAdapter, Plan,
};

/// License ARN → license name, for naming tokens.
pub async fn licenses(client: &Client, scope: &Scope) -> Result<Vec<LicenseChoice>, AwsFailure> {
    let mut choices = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = client
            .list_licenses()
            .max_results(100)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| failure(e, "license-manager:ListLicenses", scope))?;
        choices.extend(page.licenses().iter().map(|l| LicenseChoice {
            account: scope.account.clone(),
            region: scope.region.clone(),
            license_arn: l.license_arn().unwrap_or_default().to_string(),
            name: l.license_name().unwrap_or_default().to_string(),
        }));
        match page.next_token() {
            Some(token) if !token.is_empty() => next = Some(token.to_string()),
            _ => return Ok(choices),
        }
    }
}

fn token_item(
    token: &aws_sdk_licensemanager::types::TokenData,
    names: &HashMap<String, String>,
    scope: &Scope,
    seen: &str,
) -> AwsItem {
    let id = token.token_id().unwrap_or_default().to_string();
    let license = token.license_arn().unwrap_or_default().to_string();
    let name = names
        .get(&license)
        .cloned()
        .map(|n| format!("Token for {n}"))
        .unwrap_or_else(|| id.clone());
    let expires_at = token
        .expiration_time()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| crate::time::timestamp(t.with_timezone(&chrono::Utc)));
    let roles = token.role_arns().join(", ");
    let properties = token.token_properties().join(", ");
    let fields = [
        field("License ARN", Some(&license)),
        field("Token type", token.token_type()),
        field("Role ARNs", Some(&roles)),
        field("Token properties", Some(&properties)),
    ]
    .into_iter()
    .flatten()
    .collect();
    AwsItem {
        item: ResourceRef {
            kind: ResourceKind::LicenseToken,
            account: scope.account.clone(),
            region: scope.region.clone(),
            id,
        },
        account_id: scope.account_id.clone(),
        name,
        status: token.status().unwrap_or_default().to_lowercase(),
        expires_at,
        tags: Vec::new(),
        fields,
        last_seen: seen.to_string(),
        expires_in_days: None,
    }
}

pub async fn list_tokens(
    client: &Client,
    scope: &Scope,
    seen: &str,
) -> Result<Vec<AwsItem>, AwsFailure> {
    let names: HashMap<String, String> = licenses(client, scope)
        .await?
        .into_iter()
        .map(|l| (l.license_arn, l.name))
        .collect();
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = client
            .list_tokens()
            .max_results(100)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| failure(e, "license-manager:ListTokens", scope))?;
        items.extend(
            page.tokens()
                .iter()
                .map(|t| token_item(t, &names, scope, seen)),
        );
        match page.next_token() {
            Some(token) if !token.is_empty() => next = Some(token.to_string()),
            _ => return Ok(items),
        }
    }
}

/// The token as ListTokens reports it, or `None` when AWS no longer has it.
pub async fn get_token(
    client: &Client,
    scope: &Scope,
    id: &str,
    seen: &str,
) -> Result<Option<AwsItem>, AwsFailure> {
    let names: HashMap<String, String> = licenses(client, scope)
        .await?
        .into_iter()
        .map(|l| (l.license_arn, l.name))
        .collect();
    let output = client
        .list_tokens()
        .token_ids(id)
        .send()
        .await
        .map_err(|e| failure(e, "license-manager:ListTokens", scope))?;
    Ok(output
        .tokens()
        .first()
        .map(|t| token_item(t, &names, scope, seen)))
}

pub struct CreatedToken {
    pub id: String,
    pub jwt: String,
    pub request_id: String,
}

pub async fn create_token(
    client: &Client,
    scope: &Scope,
    license_arn: &str,
    days: u32,
    role_arns: Vec<String>,
    properties: Vec<String>,
    client_token: &str,
) -> Result<CreatedToken, AwsFailure> {
    let output = client
        .create_token()
        .license_arn(license_arn)
        .expiration_in_days(days as i32)
        .set_role_arns(Some(role_arns))
        .set_token_properties(Some(properties))
        .client_token(client_token)
        .send()
        .await
        .map_err(|e| failure(e, "license-manager:CreateToken", scope))?;
    Ok(CreatedToken {
        id: output.token_id().unwrap_or_default().to_string(),
        jwt: output.token().unwrap_or_default().to_string(),
        request_id: output.request_id().unwrap_or_default().to_string(),
    })
}

pub async fn delete_token(client: &Client, scope: &Scope, id: &str) -> Result<String, AwsFailure> {
    answered(
        client.delete_token().token_id(id).send().await,
        "license-manager:DeleteToken",
        scope,
    )
}

/// The adapter of [`ResourceKind::LicenseToken`]. AWS has no tags on tokens.
pub struct LicenseTokens;

#[async_trait::async_trait]
impl KindAdapter for LicenseTokens {
    fn kind(&self) -> ResourceKind {
        ResourceKind::LicenseToken
    }

    /// ListTokens, and ListLicenses for the names of the licenses the tokens belong to.
    fn fewest_calls(&self, _items: u64) -> u64 {
        2
    }

    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        list_tokens(&at.license_manager().await, &at.scope, &at.seen).await
    }

    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        get_token(&at.license_manager().await, &at.scope, id, &at.seen).await
    }

    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        delete_token(&at.license_manager().await, &at.scope, id).await
    }

    /// The licenses of every account and region, and the form's idempotency token.
    async fn form_options(&self, _form: &str, places: Vec<At>) -> Result<Value, AppError> {
        let licenses = gather(places, |at| async move {
            licenses(&at.license_manager().await, &at.scope).await
        })
        .await?;
        Ok(reply(&LicenseTokenFormOptions {
            licenses,
            client_token: crate::csrf::client_token(),
        }))
    }

    fn plan(&self, request: KindRequest) -> Result<Plan, AppError> {
        if request.action != "create" {
            return Err(unknown_action(&request));
        }
        let form: NewLicenseToken = form_of(&request)?;
        let (days, roles, properties) = check_license_token(&form)?;
        let mut parts = form.license.splitn(3, '/');
        let (account, region, license_arn) = (
            parts.next().unwrap_or_default().to_string(),
            parts.next().unwrap_or_default().to_string(),
            parts.next().unwrap_or_default().to_string(),
        );
        // The JWT is neither audited nor cached: only its claims' inputs are.
        let params = json!({ "license_arn": license_arn, "role_arns": roles, "expiration_in_days": days, "token_properties": properties, "client_token": form.client_token });
        Ok(Plan {
            action: "license-manager.create_token",
            target: ResourceRef {
                kind: ResourceKind::LicenseToken,
                account,
                region,
                id: license_arn.clone(),
            },
            params,
            run: Box::new(move |at| {
                Box::pin(async move {
                    let client = at.license_manager().await;
                    let created = create_token(
                        &client,
                        &at.scope,
                        &license_arn,
                        days,
                        roles,
                        properties,
                        &form.client_token,
                    )
                    .await?;
                    let item = at.item(ResourceKind::LicenseToken, &created.id);
                    let fresh = get_token(&client, &at.scope, &created.id, &at.seen).await?;
                    Ok(Done {
                        request_id: created.request_id,
                        cache: CacheChange::fresh(item.clone(), fresh),
                        reply: Value::Null,
                        redirect: None,
                        flash: "License Manager token created.".into(),
                        shown_once: Some(OnceSecret {
                            next: (item.detail_path(), "See the item's details".into()),
                            item: Some(item),
                            title: "License Manager token created".into(),
                            warning: "Copy this token now. trustdesk does not keep it and will not show it again; AWS cannot show it again either.".into(),
                            values: vec![SecretValue {
                                id: "license-jwt".into(),
                                label: "Token (JWT)".into(),
                                value: created.jwt,
                            }],
                            image_png_base64: None,
                        }),
                    })
                })
            }),
            dry_run: None,
        })
    }
}
