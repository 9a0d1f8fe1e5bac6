//! License Manager: licenses (to choose from) and the refresh tokens issued for them. A token's
//! JWT is handed back once, to be shown once; it is never cached.

use std::collections::HashMap;

use app::model::{AwsItem, LicenseChoice, ResourceKind, ResourceRef};
use aws_sdk_licensemanager::operation::RequestId;
use aws_sdk_licensemanager::Client;

use super::error::{failure, AwsFailure, Scope};
use super::field;

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
    let output = client
        .delete_token()
        .token_id(id)
        .send()
        .await
        .map_err(|e| failure(e, "license-manager:DeleteToken", scope))?;
    Ok(output.request_id().unwrap_or_default().to_string())
}
