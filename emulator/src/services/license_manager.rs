//! License Manager over AWS JSON 1.1: licenses (CreateLicense, ListLicenses, GetLicense) and the
//! long-lived refresh tokens issued for them (CreateToken, ListTokens, DeleteToken).

use std::collections::BTreeMap;

use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde_json::{json, Map, Value};

use super::json_input::{parse_body, validation, JsonInput};
use super::{Ctx, RawRequest, Service};
use crate::derive::jwt;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::paging::page;
use crate::protocol::json::aws_json_response;
use crate::protocol::xml::iso8601;
use crate::state::{Idempotency, IdempotencyTokens, World};

const TARGET_PREFIX: &str = "AWSLicenseManager.";
pub const DEFAULT_TOKEN_DAYS: i64 = 365;

const ENTITLEMENT_UNITS: &[&str] = &[
    "Count",
    "None",
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
];

#[derive(Debug, Clone)]
pub struct License {
    pub arn: String,
    pub name: String,
    pub product_name: String,
    pub product_sku: String,
    pub issuer_name: String,
    pub sign_key: Option<String>,
    pub home_region: String,
    pub begin: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub beneficiary: String,
    pub entitlements: Vec<Value>,
    pub consumption_configuration: Value,
    pub metadata: Vec<Value>,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub id: String,
    pub license_arn: String,
    pub role_arns: Vec<String>,
    pub token_properties: Vec<String>,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub jwt: String,
}

/// What a token is issued for.
pub struct TokenGrant {
    pub license_arn: String,
    pub role_arns: Vec<String>,
    pub token_properties: Vec<String>,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
}

#[derive(Debug)]
pub struct LicenseManagerState {
    pub licenses: BTreeMap<String, License>,
    pub tokens: BTreeMap<String, Token>,
    pub idempotency: IdempotencyTokens,
    signing_key: [u8; 32],
}

impl Default for LicenseManagerState {
    fn default() -> Self {
        let mut signing_key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut signing_key);
        Self {
            licenses: BTreeMap::new(),
            tokens: BTreeMap::new(),
            idempotency: IdempotencyTokens::default(),
            signing_key,
        }
    }
}

impl LicenseManagerState {
    /// Issues a token as CreateToken does; also used by the demo seed to backdate tokens.
    pub fn issue_token(&mut self, account: &str, region: &str, grant: TokenGrant) -> Token {
        let TokenGrant {
            license_arn,
            role_arns,
            token_properties,
            created,
            expires,
        } = grant;
        let id = ids::random_hex(32);
        let claims = json!({
            "iss": format!("https://license-manager.{region}.amazonaws.com"),
            "sub": account,
            "aud": license_arn,
            "amr": token_properties,
            "roles": role_arns,
            "iat": created.timestamp(),
            "exp": expires.timestamp(),
            "jti": id,
        });
        let token = Token {
            jwt: jwt::sign(&claims, &self.signing_key),
            id: id.clone(),
            license_arn,
            role_arns,
            token_properties,
            created,
            expires,
        };
        self.tokens.insert(id, token.clone());
        token
    }
}

pub fn operation(request: &RawRequest) -> ApiResult<String> {
    request
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|target| target.strip_prefix(TARGET_PREFIX))
        .map(str::to_string)
        .ok_or_else(|| {
            ApiError::bad_request(
                "UnknownOperationException",
                "The X-Amz-Target header must name an AWSLicenseManager operation.",
            )
        })
}

pub fn handle(world: &mut World, ctx: &Ctx, operation: &str, request: &RawRequest) -> Response {
    let now = world.now();
    let account = ctx.account().to_string();
    let state = &mut world.account(&account).region(&ctx.region).license_manager;
    let outcome = parse_body(&request.body).and_then(|body| {
        let call = Call {
            state,
            account: &account,
            region: &ctx.region,
            body: &body,
            input: JsonInput::new(&body),
            now,
        };
        call.run(operation)
    });
    match outcome {
        Ok(body) => aws_json_response(&ctx.request_id, body),
        Err(error) => Service::LicenseManager.error_response(&error, &ctx.request_id),
    }
}

struct Call<'a> {
    state: &'a mut LicenseManagerState,
    account: &'a str,
    region: &'a str,
    body: &'a Map<String, Value>,
    input: JsonInput<'a>,
    now: DateTime<Utc>,
}

fn not_found(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("ResourceNotFoundException", message)
}

fn parse_time(member: &str, value: &str) -> ApiResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            validation(format!(
                "{member} '{value}' is not an ISO 8601 date-time such as 2027-01-01T00:00:00Z."
            ))
        })
}

fn fingerprint(body: &Map<String, Value>) -> String {
    let mut without_token = body.clone();
    without_token.remove("ClientToken");
    // serde_json's map is ordered by key, so equal requests serialise equally.
    Value::Object(without_token).to_string()
}

fn check_role_arn(arn: &str) -> ApiResult<()> {
    let valid = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"))
        .is_some_and(|(account, name)| {
            account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        });
    if valid {
        Ok(())
    } else {
        Err(validation(format!(
            "RoleArns: '{arn}' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
        )))
    }
}

impl Call<'_> {
    fn run(self, operation: &str) -> ApiResult<Value> {
        match operation {
            "CreateLicense" => self.create_license(),
            "ListLicenses" => self.list_licenses(),
            "GetLicense" => self.get_license(),
            "CreateToken" => self.create_token(),
            "ListTokens" => self.list_tokens(),
            "DeleteToken" => self.delete_token(),
            other => Err(Service::LicenseManager.unknown_operation(other)),
        }
    }

    fn idempotent(&self, operation: &str, token: &str) -> ApiResult<Option<String>> {
        match self
            .state
            .idempotency
            .check(operation, Some(token), &fingerprint(self.body))
        {
            Idempotency::Fresh => Ok(None),
            Idempotency::Replay(id) => Ok(Some(id)),
            Idempotency::Mismatch => Err(validation(
                "The ClientToken was already used with different parameters.",
            )),
        }
    }

    fn create_license(self) -> ApiResult<Value> {
        let input = &self.input;
        let name = input.required_string("LicenseName")?;
        let product_name = input.required_string("ProductName")?;
        let product_sku = input.required_string("ProductSKU")?;
        let issuer = input.required_object("Issuer")?;
        let issuer_name = issuer.required_string("Name")?;
        let sign_key = issuer.string("SignKey")?;
        let home_region = input.required_string("HomeRegion")?;
        let validity = input.required_object("Validity")?;
        let begin = parse_time("Validity.Begin", validity.required_string("Begin")?)?;
        let end = validity
            .string("End")?
            .map(|end| parse_time("Validity.End", end))
            .transpose()?;
        if end.is_some_and(|end| end <= begin) {
            return Err(validation("Validity.End must be after Validity.Begin."));
        }
        let entitlements = input.objects("Entitlements")?;
        if entitlements.is_empty() {
            return Err(validation(
                "Entitlements must list at least one entitlement.",
            ));
        }
        for entitlement in &entitlements {
            entitlement.required_string("Name")?;
            entitlement.required_string("Unit")?;
            entitlement.one_of("Unit", ENTITLEMENT_UNITS)?;
            entitlement.integer("MaxCount", 0, i64::MAX)?;
            entitlement.boolean("Overage")?;
            entitlement.boolean("AllowCheckIn")?;
        }
        let beneficiary = input.required_string("Beneficiary")?;
        let consumption = input.required_object("ConsumptionConfiguration")?;
        consumption.one_of("RenewType", &["None", "Weekly", "Monthly"])?;
        let client_token = input.required_string("ClientToken")?;
        input.bounded_string("ClientToken", 1, 2048)?;
        let metadata = input.objects("LicenseMetadata")?;

        if let Some(arn) = self.idempotent("CreateLicense", client_token)? {
            return Ok(json!({ "LicenseArn": arn, "Status": "AVAILABLE", "Version": "1" }));
        }
        let arn = format!(
            "arn:aws:license-manager::{}:license:l-{}",
            self.account,
            ids::random_hex(32)
        );
        let license = License {
            arn: arn.clone(),
            name: name.to_string(),
            product_name: product_name.to_string(),
            product_sku: product_sku.to_string(),
            issuer_name: issuer_name.to_string(),
            sign_key: sign_key.map(str::to_string),
            home_region: home_region.to_string(),
            begin,
            end,
            beneficiary: beneficiary.to_string(),
            entitlements: entitlements
                .iter()
                .map(|e| Value::Object(e.object.clone()))
                .collect(),
            consumption_configuration: Value::Object(consumption.object.clone()),
            metadata: metadata
                .iter()
                .map(|m| Value::Object(m.object.clone()))
                .collect(),
            created: self.now,
        };
        self.state.licenses.insert(arn.clone(), license);
        self.state.idempotency.remember(
            "CreateLicense",
            Some(client_token),
            fingerprint(self.body),
            &arn,
        );
        Ok(json!({ "LicenseArn": arn, "Status": "AVAILABLE", "Version": "1" }))
    }

    fn render_license(&self, license: &License) -> Value {
        let status = if license.end.is_some_and(|end| end <= self.now) {
            "EXPIRED"
        } else {
            "AVAILABLE"
        };
        let mut validity = json!({ "Begin": iso8601(license.begin) });
        if let Some(end) = license.end {
            validity["End"] = json!(iso8601(end));
        }
        json!({
            "LicenseArn": license.arn,
            "LicenseName": license.name,
            "ProductName": license.product_name,
            "ProductSKU": license.product_sku,
            "Issuer": {
                "Name": license.issuer_name,
                "SignKey": license.sign_key,
                "KeyFingerprint": format!("aws:{}:{}:issuer-fingerprint", self.account, license.issuer_name),
            },
            "HomeRegion": license.home_region,
            "Status": status,
            "Validity": validity,
            "Beneficiary": license.beneficiary,
            "Entitlements": license.entitlements,
            "ConsumptionConfiguration": license.consumption_configuration,
            "LicenseMetadata": license.metadata,
            "CreateTime": license.created.timestamp().to_string(),
            "Version": "1",
        })
    }

    fn page_size(&self, max: i64) -> ApiResult<usize> {
        Ok(self.input.integer("MaxResults", 1, max)?.unwrap_or(max) as usize)
    }

    fn list_licenses(self) -> ApiResult<Value> {
        let arns = self.input.strings("LicenseArns")?;
        let filters = self.filters(&["Beneficiary", "ProductSKU", "Fingerprint", "Status"])?;
        let max = self.page_size(100)?;
        let licenses: Vec<Value> = self
            .state
            .licenses
            .values()
            .filter(|l| arns.is_empty() || arns.contains(&l.arn))
            .map(|l| self.render_license(l))
            .filter(|rendered| {
                filters.iter().all(|(name, values)| {
                    let actual = match name.as_str() {
                        "Fingerprint" => rendered["Issuer"]["KeyFingerprint"].as_str(),
                        other => rendered[other].as_str(),
                    };
                    actual.is_some_and(|a| values.iter().any(|v| v == a))
                })
            })
            .collect();
        let key = |l: &Value| l["LicenseArn"].as_str().unwrap_or_default().to_string();
        let page = page(licenses, key, self.input.string("NextToken")?, max)
            .map_err(|_| validation("The NextToken is not valid."))?;
        Ok(json!({ "Licenses": page.items, "NextToken": page.next }))
    }

    fn filters(&self, allowed: &[&str]) -> ApiResult<Vec<(String, Vec<String>)>> {
        self.input
            .objects("Filters")?
            .iter()
            .map(|filter| {
                let name = filter.required_string("Name")?;
                if !allowed.contains(&name) {
                    return Err(validation(format!(
                        "Filter name '{name}' is not supported. Supported: {}.",
                        allowed.join(", ")
                    )));
                }
                Ok((name.to_string(), filter.strings("Values")?))
            })
            .collect()
    }

    fn get_license(self) -> ApiResult<Value> {
        let arn = self.input.required_string("LicenseArn")?;
        self.input.bounded_string("LicenseArn", 1, 2048)?;
        if let Some(version) = self.input.string("Version")? {
            if version != "1" {
                return Err(ApiError::bad_request(
                    "InvalidParameterValueException",
                    format!("Version {version} of license {arn} does not exist."),
                ));
            }
        }
        let license = self.state.licenses.get(arn).ok_or_else(|| {
            ApiError::bad_request(
                "InvalidParameterValueException",
                format!("License {arn} does not exist."),
            )
        })?;
        Ok(json!({ "License": self.render_license(license) }))
    }

    fn create_token(self) -> ApiResult<Value> {
        let license_arn = self.input.required_string("LicenseArn")?;
        self.input.bounded_string("LicenseArn", 1, 2048)?;
        let role_arns = self.input.strings("RoleArns")?;
        for arn in &role_arns {
            check_role_arn(arn)?;
        }
        let days = self
            .input
            .integer("ExpirationInDays", 1, 730)?
            .unwrap_or(DEFAULT_TOKEN_DAYS);
        let properties = self.input.strings("TokenProperties")?;
        if properties.len() > 3 {
            return Err(validation(
                "TokenProperties: at most 3 properties are allowed.",
            ));
        }
        let client_token = self.input.required_string("ClientToken")?;
        self.input.bounded_string("ClientToken", 1, 2048)?;
        if !self.state.licenses.contains_key(license_arn) {
            return Err(not_found(format!("License {license_arn} was not found.")));
        }
        if let Some(id) = self.idempotent("CreateToken", client_token)? {
            if let Some(token) = self.state.tokens.get(&id) {
                return Ok(
                    json!({ "TokenId": token.id, "TokenType": "REFRESH_TOKEN", "Token": token.jwt }),
                );
            }
        }
        let fingerprint = fingerprint(self.body);
        let grant = TokenGrant {
            license_arn: license_arn.to_string(),
            role_arns,
            token_properties: properties,
            created: self.now,
            expires: self.now + Duration::days(days),
        };
        let token = self.state.issue_token(self.account, self.region, grant);
        self.state
            .idempotency
            .remember("CreateToken", Some(client_token), fingerprint, &token.id);
        Ok(json!({ "TokenId": token.id, "TokenType": "REFRESH_TOKEN", "Token": token.jwt }))
    }

    fn list_tokens(self) -> ApiResult<Value> {
        let ids = self.input.strings("TokenIds")?;
        let filters = self.filters(&["LicenseArns"])?;
        let max = self.page_size(100)?;
        let tokens: Vec<Token> = self
            .state
            .tokens
            .values()
            .filter(|t| ids.is_empty() || ids.contains(&t.id))
            .filter(|t| {
                filters
                    .iter()
                    .all(|(_, arns)| arns.contains(&t.license_arn))
            })
            .cloned()
            .collect();
        let page = page(
            tokens,
            |t| t.id.clone(),
            self.input.string("NextToken")?,
            max,
        )
        .map_err(|_| validation("The NextToken is not valid."))?;
        let rendered: Vec<Value> = page
            .items
            .iter()
            .map(|t| {
                json!({
                    "TokenId": t.id,
                    "TokenType": "REFRESH_TOKEN",
                    "LicenseArn": t.license_arn,
                    "ExpirationTime": iso8601(t.expires),
                    "TokenProperties": t.token_properties,
                    "RoleArns": t.role_arns,
                    "Status": if t.expires <= self.now { "EXPIRED" } else { "AVAILABLE" },
                })
            })
            .collect();
        Ok(json!({ "Tokens": rendered, "NextToken": page.next }))
    }

    fn delete_token(self) -> ApiResult<Value> {
        let id = self.input.required_string("TokenId")?;
        if self.state.tokens.remove(id).is_none() {
            return Err(not_found(format!("Token {id} was not found.")));
        }
        Ok(json!({}))
    }
}
