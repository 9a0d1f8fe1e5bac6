//! Multi-party approval over REST-JSON: identity sources (IAM Identity Center instances that
//! supply approvers) and tags on them.

use std::collections::BTreeMap;

use axum::response::Response;
use chrono::{DateTime, Utc};
use http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::json_input::{parse_body, validation, JsonInput};
use super::{Ctx, RawRequest, Service};
use crate::error::{ApiError, ApiResult};
use crate::paging::page;
use crate::protocol::json::rest_json_response;
use crate::protocol::xml::iso8601;
use crate::state::{Idempotency, IdempotencyTokens, World};

#[derive(Debug, Clone)]
pub struct IdentitySource {
    pub arn: String,
    pub instance_arn: String,
    pub instance_region: String,
    pub created: DateTime<Utc>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
pub struct MpaState {
    pub identity_sources: BTreeMap<String, IdentitySource>,
    pub idempotency: IdempotencyTokens,
}

impl MpaState {
    pub fn insert(
        &mut self,
        account: &str,
        region: &str,
        instance_arn: &str,
        instance_region: &str,
        created: DateTime<Utc>,
        tags: BTreeMap<String, String>,
    ) -> IdentitySource {
        let source = IdentitySource {
            arn: format!(
                "arn:aws:mpa:{region}:{account}:identity-source/{}",
                uuid::Uuid::new_v4()
            ),
            instance_arn: instance_arn.to_string(),
            instance_region: instance_region.to_string(),
            created,
            tags,
        };
        self.identity_sources
            .insert(source.arn.clone(), source.clone());
        source
    }
}

/// The operation named by method and path, as the service's HTTP bindings define them.
pub fn operation(request: &RawRequest) -> ApiResult<String> {
    let path = request.path.trim_end_matches('/');
    let is_list = request
        .query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|p| p == "List" || p.starts_with("List=")));
    let operation = match (&request.method, path) {
        (&Method::POST, "/identity-sources") if is_list => "ListIdentitySources",
        (&Method::POST, "/identity-sources") => "CreateIdentitySource",
        (&Method::GET, p) if p.starts_with("/identity-sources/") => "GetIdentitySource",
        (&Method::DELETE, p) if p.starts_with("/identity-sources/") => "DeleteIdentitySource",
        (&Method::PUT, p) if p.starts_with("/tags/") => "TagResource",
        (&Method::POST, p) if p.starts_with("/tags/") => "UntagResource",
        (&Method::GET, p) if p.starts_with("/tags/") => "ListTagsForResource",
        (method, path) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "UnknownOperationException",
                format!("No Multi-party approval operation is served at {method} {path}."),
            ))
        }
    };
    Ok(operation.to_string())
}

/// The ARN in `/identity-sources/{arn}` or `/tags/{arn}`, percent-decoded.
fn path_arn(path: &str) -> String {
    // Everything after the route's first segment: an unencoded ARN itself contains '/'.
    let after_route = path
        .trim_start_matches('/')
        .split_once('/')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    percent_encoding::percent_decode_str(after_route.trim_end_matches('/'))
        .decode_utf8_lossy()
        .into_owned()
}

pub fn handle(world: &mut World, ctx: &Ctx, operation: &str, request: &RawRequest) -> Response {
    let now = world.now();
    let account = ctx.account().to_string();
    let state = &mut world.account(&account).region(&ctx.region).mpa;
    let outcome = parse_body(&request.body).and_then(|body| {
        let call = Call {
            state,
            account: &account,
            region: &ctx.region,
            body: &body,
            input: JsonInput::new(&body),
            request,
            now,
        };
        call.run(operation)
    });
    match outcome {
        Ok(body) => rest_json_response(&ctx.request_id, body),
        Err(error) => Service::Mpa.error_response(&error, &ctx.request_id),
    }
}

struct Call<'a> {
    state: &'a mut MpaState,
    account: &'a str,
    region: &'a str,
    body: &'a Map<String, Value>,
    input: JsonInput<'a>,
    request: &'a RawRequest,
    now: DateTime<Utc>,
}

fn not_found(arn: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "ResourceNotFoundException",
        format!("Resource {arn} was not found."),
    )
}

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "ConflictException", message)
}

fn check_instance_arn(arn: &str) -> ApiResult<()> {
    let id = arn
        .strip_prefix("arn:aws:sso:::instance/")
        .map(|id| id.strip_prefix("sso").unwrap_or(id));
    let valid = id
        .and_then(|id| id.strip_prefix("ins-"))
        .is_some_and(|rest| {
            rest.len() == 16
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        });
    if valid {
        Ok(())
    } else {
        Err(validation(format!(
            "IdentitySourceParameters.IamIdentityCenter.InstanceArn '{arn}' is not an IAM Identity Center instance ARN (arn:aws:sso:::instance/ssoins-XXXXXXXXXXXXXXXX)."
        )))
    }
}

fn check_region(region: &str) -> ApiResult<()> {
    let parts: Vec<&str> = region.split('-').collect();
    let valid = parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if valid {
        Ok(())
    } else {
        Err(validation(format!("IdentitySourceParameters.IamIdentityCenter.Region '{region}' is not an AWS Region such as us-east-1.")))
    }
}

/// Tag maps: at most 50 tags, keys 1–128 characters not starting with `aws:`, values 0–256.
fn read_tags(value: Option<&Value>, member: &str) -> ApiResult<BTreeMap<String, String>> {
    let Some(value) = value else {
        return Ok(BTreeMap::new());
    };
    let map = value
        .as_object()
        .ok_or_else(|| validation(format!("{member} must be a map of strings.")))?;
    if map.len() > 50 {
        return Err(ApiError::bad_request(
            "TooManyTagsException",
            "A resource can have at most 50 tags.",
        ));
    }
    map.iter()
        .map(|(key, value)| {
            let value = value
                .as_str()
                .ok_or_else(|| validation(format!("{member}.{key} must be a string.")))?;
            if key.is_empty() || key.chars().count() > 128 {
                return Err(validation(format!(
                    "{member}: tag key '{key}' must be 1 to 128 characters."
                )));
            }
            if key.to_ascii_lowercase().starts_with("aws:") {
                return Err(validation(format!(
                    "{member}: tag keys starting with 'aws:' are reserved."
                )));
            }
            if value.chars().count() > 256 {
                return Err(validation(format!(
                    "{member}: the value of tag '{key}' must be at most 256 characters."
                )));
            }
            Ok((key.clone(), value.to_string()))
        })
        .collect()
}

impl Call<'_> {
    fn run(self, operation: &str) -> ApiResult<Value> {
        match operation {
            "CreateIdentitySource" => self.create(),
            "GetIdentitySource" => self.get(),
            "ListIdentitySources" => self.list(),
            "DeleteIdentitySource" => self.delete(),
            "TagResource" => self.tag(),
            "UntagResource" => self.untag(),
            "ListTagsForResource" => self.list_tags(),
            other => Err(Service::Mpa.unknown_operation(other)),
        }
    }

    fn render(&self, source: &IdentitySource) -> Value {
        let instance_id = source.instance_arn.rsplit('/').next().unwrap_or_default();
        json!({
            "IdentitySourceType": "IAM_IDENTITY_CENTER",
            "IdentitySourceParameters": {
                "IamIdentityCenter": {
                    "InstanceArn": source.instance_arn,
                    "ApprovalPortalUrl": format!("https://{}.approvals.mpa.{}.app.aws/{instance_id}", self.account, source.instance_region),
                    "Region": source.instance_region,
                }
            },
            "IdentitySourceArn": source.arn,
            "CreationTime": iso8601(source.created),
            "Status": "ACTIVE",
        })
    }

    fn create(self) -> ApiResult<Value> {
        let parameters = self.input.required_object("IdentitySourceParameters")?;
        let center = parameters.required_object("IamIdentityCenter")?;
        let instance_arn = center.required_string("InstanceArn")?;
        check_instance_arn(instance_arn)?;
        let instance_region = center.required_string("Region")?;
        check_region(instance_region)?;
        let client_token = self.input.bounded_string("ClientToken", 1, 64)?;
        let tags = read_tags(self.body.get("Tags"), "Tags")?;
        let mut without_token = self.body.clone();
        without_token.remove("ClientToken");
        let fingerprint = Value::Object(without_token).to_string();
        match self
            .state
            .idempotency
            .check("CreateIdentitySource", client_token, &fingerprint)
        {
            Idempotency::Replay(arn) => {
                if let Some(source) = self.state.identity_sources.get(&arn) {
                    return Ok(
                        json!({ "IdentitySourceType": "IAM_IDENTITY_CENTER", "IdentitySourceArn": source.arn, "CreationTime": iso8601(source.created) }),
                    );
                }
            }
            Idempotency::Mismatch => {
                return Err(conflict(
                    "The ClientToken was already used with different parameters.",
                ))
            }
            Idempotency::Fresh => {}
        }
        if self
            .state
            .identity_sources
            .values()
            .any(|s| s.instance_arn == instance_arn)
        {
            return Err(conflict(format!(
                "An identity source for {instance_arn} already exists."
            )));
        }
        let source = self.state.insert(
            self.account,
            self.region,
            instance_arn,
            instance_region,
            self.now,
            tags,
        );
        self.state.idempotency.remember(
            "CreateIdentitySource",
            client_token,
            fingerprint,
            &source.arn,
        );
        Ok(
            json!({ "IdentitySourceType": "IAM_IDENTITY_CENTER", "IdentitySourceArn": source.arn, "CreationTime": iso8601(source.created) }),
        )
    }

    fn arn(&self) -> String {
        path_arn(&self.request.path)
    }

    fn get(self) -> ApiResult<Value> {
        let arn = self.arn();
        let source = self
            .state
            .identity_sources
            .get(&arn)
            .ok_or_else(|| not_found(&arn))?;
        Ok(self.render(source))
    }

    fn list(self) -> ApiResult<Value> {
        let query = self.request.query.clone().unwrap_or_default();
        let mut max = 20usize;
        let mut next_token = None;
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "MaxResults" => match value.parse::<usize>() {
                    Ok(n) if (1..=20).contains(&n) => max = n,
                    _ => {
                        return Err(validation(format!(
                            "MaxResults '{value}' must be between 1 and 20."
                        )))
                    }
                },
                "NextToken" => next_token = Some(value.into_owned()),
                _ => {}
            }
        }
        let sources: Vec<IdentitySource> = self.state.identity_sources.values().cloned().collect();
        let page = page(sources, |s| s.arn.clone(), next_token.as_deref(), max)
            .map_err(|_| validation("The NextToken is not valid."))?;
        let rendered: Vec<Value> = page.items.iter().map(|s| self.render(s)).collect();
        let mut body = json!({ "IdentitySources": rendered });
        if let Some(next) = page.next {
            body["NextToken"] = json!(next);
        }
        Ok(body)
    }

    fn delete(self) -> ApiResult<Value> {
        let arn = self.arn();
        self.state
            .identity_sources
            .remove(&arn)
            .ok_or_else(|| not_found(&arn))?;
        Ok(json!({}))
    }

    fn tag(self) -> ApiResult<Value> {
        let arn = self.arn();
        if !self.body.contains_key("Tags") {
            return Err(validation("1 validation error detected: Value null at 'Tags' failed to satisfy constraint: Member must not be null"));
        }
        let tags = read_tags(self.body.get("Tags"), "Tags")?;
        let source = self
            .state
            .identity_sources
            .get_mut(&arn)
            .ok_or_else(|| not_found(&arn))?;
        let mut merged = source.tags.clone();
        merged.extend(tags);
        if merged.len() > 50 {
            return Err(ApiError::bad_request(
                "TooManyTagsException",
                "A resource can have at most 50 tags.",
            ));
        }
        source.tags = merged;
        Ok(json!({}))
    }

    fn untag(self) -> ApiResult<Value> {
        let arn = self.arn();
        if !self.body.contains_key("TagKeys") {
            return Err(validation("1 validation error detected: Value null at 'TagKeys' failed to satisfy constraint: Member must not be null"));
        }
        let keys = self.input.strings("TagKeys")?;
        let source = self
            .state
            .identity_sources
            .get_mut(&arn)
            .ok_or_else(|| not_found(&arn))?;
        source.tags.retain(|key, _| !keys.contains(key));
        Ok(json!({}))
    }

    fn list_tags(self) -> ApiResult<Value> {
        let arn = self.arn();
        let source = self
            .state
            .identity_sources
            .get(&arn)
            .ok_or_else(|| not_found(&arn))?;
        Ok(json!({ "Tags": source.tags }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_in_paths_are_decoded_whether_encoded_or_not() {
        let arn = "arn:aws:mpa:us-east-1:123456789012:identity-source/abc";
        assert_eq!(path_arn("/identity-sources/arn%3Aaws%3Ampa%3Aus-east-1%3A123456789012%3Aidentity-source%2Fabc"), arn);
        assert_eq!(path_arn(&format!("/tags/{arn}")), arn);
    }

    #[test]
    fn instance_arns_and_regions() {
        assert!(check_instance_arn("arn:aws:sso:::instance/ssoins-1234567890abcdef").is_ok());
        assert!(check_instance_arn("arn:aws:sso:::instance/ssoins-123").is_err());
        assert!(check_instance_arn("arn:aws:iam::123456789012:role/x").is_err());
        assert!(check_region("eu-west-1").is_ok());
        assert!(check_region("us-gov-west-1").is_ok());
        assert!(check_region("Europe").is_err());
    }
}
