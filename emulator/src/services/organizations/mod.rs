//! AWS Organizations over AWS JSON 1.1: the organization (DescribeOrganization), its root
//! (ListRoots), its accounts (ListAccounts, ListAccountsForParent) and its OUs
//! (ListOrganizationalUnitsForParent). A global service: AWS serves it from us-east-1, the
//! emulator from any region, with one organization for all.
//!
//! Who may ask is AWS's rule: any member account may describe its organization, only the
//! management account may list it (the emulator keeps no delegated administrators), and an
//! account outside it is told it is not in one. The caller is checked before the input.

pub mod members;
pub mod model;

use axum::response::Response;
use serde_json::{json, Map, Value};

use super::json_input::parse_body;
use super::{Ctx, RawRequest, Service};
use crate::error::{ApiError, ApiResult};
use crate::paging::page;
use crate::protocol::json::{aws_json_error_with, aws_json_response};
use crate::state::World;
use model::{is_parent_id, Member, Organization, ROOT_NAME};

pub use members::{NewMember, Scaled};
pub use model::{AccountState, JoinedMethod};

const TARGET_PREFIX: &str = "AWSOrganizationsV20161128.";
/// AWS's range for MaxResults on every Organizations list call, and the page size without it.
const MAX_RESULTS: i64 = 20;

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
                "The X-Amz-Target header must name an AWSOrganizationsV20161128 operation.",
            )
        })
}

/// An Organizations error: `InvalidInputException` carries a `Reason` beside its message.
#[derive(Debug)]
struct Refusal {
    error: ApiError,
    reason: Option<&'static str>,
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Self {
            error,
            reason: None,
        }
    }
}

type Outcome<T> = Result<T, Refusal>;

fn invalid_input(reason: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        error: ApiError::bad_request("InvalidInputException", message),
        reason: Some(reason),
    }
}

/// Errors in Organizations' shape: `__type`, `Message` and, for invalid input, `Reason`.
pub fn error_response(error: &ApiError, request_id: &str) -> Response {
    aws_json_error_with(error, request_id, Map::new())
}

fn refusal_response(refusal: &Refusal, request_id: &str) -> Response {
    let mut extra = Map::new();
    if let Some(reason) = refusal.reason {
        extra.insert("Reason".into(), json!(reason));
    }
    aws_json_error_with(&refusal.error, request_id, extra)
}

pub fn handle(world: &mut World, ctx: &Ctx, operation: &str, request: &RawRequest) -> Response {
    let outcome = parse_body(&request.body)
        .map_err(Refusal::from)
        .and_then(|body| {
            let call = Call {
                organization: world.organization.as_ref(),
                caller: ctx.account(),
                input: Input(&body),
            };
            call.run(operation)
        });
    match outcome {
        Ok(body) => aws_json_response(&ctx.request_id, body),
        Err(refusal) => refusal_response(&refusal, &ctx.request_id),
    }
}

/// The members of a request body, read with Organizations' errors.
struct Input<'a>(&'a Map<String, Value>);

impl<'a> Input<'a> {
    fn string(&self, member: &str) -> Outcome<Option<&'a str>> {
        match self.0.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::bad_request(
                "SerializationException",
                format!("{member} must be a string."),
            )
            .into()),
        }
    }

    fn page_size(&self) -> Outcome<usize> {
        let size = match self.0.get("MaxResults") {
            None | Some(Value::Null) => MAX_RESULTS,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(n) if n < 1 => {
                    return Err(invalid_input(
                        "MIN_VALUE_EXCEEDED",
                        format!("You provided a numeric parameter that has a smaller value than allowed: MaxResults must be from 1 to {MAX_RESULTS}."),
                    ))
                }
                Some(n) if n <= MAX_RESULTS => n,
                _ => {
                    return Err(invalid_input(
                        "MAX_VALUE_EXCEEDED",
                        format!("You provided a numeric parameter that has a larger value than allowed: MaxResults must be from 1 to {MAX_RESULTS}."),
                    ))
                }
            },
            Some(_) => {
                return Err(ApiError::bad_request(
                    "SerializationException",
                    "MaxResults must be a number.",
                )
                .into())
            }
        };
        Ok(size as usize)
    }

    fn next_token(&self) -> Outcome<Option<&'a str>> {
        self.string("NextToken")
    }

    fn parent_id(&self) -> Outcome<&'a str> {
        match self.string("ParentId")? {
            None | Some("") => Err(invalid_input(
                "INPUT_REQUIRED",
                "You must include a value for all required parameters: ParentId.",
            )),
            Some(id) if id.len() > 100 || !is_parent_id(id) => Err(invalid_input(
                "INVALID_PATTERN",
                format!("You provided a value that doesn't match the required pattern: ParentId '{}' is neither a root id (r-…) nor an OU id (ou-…-…).", id.chars().take(100).collect::<String>()),
            )),
            Some(id) => Ok(id),
        }
    }
}

struct Call<'a> {
    organization: Option<&'a Organization>,
    caller: &'a str,
    input: Input<'a>,
}

fn bad_token() -> Refusal {
    invalid_input(
        "INVALID_NEXT_TOKEN",
        "You specified an invalid value for nextToken.",
    )
}

impl<'a> Call<'a> {
    fn run(self, operation: &str) -> Outcome<Value> {
        match operation {
            "DescribeOrganization" => self.describe_organization(),
            "ListRoots" => self.list_roots(),
            "ListAccounts" => self.list_accounts(),
            "ListAccountsForParent" => self.list_accounts_for_parent(),
            "ListOrganizationalUnitsForParent" => self.list_units_for_parent(),
            other => Err(Service::Organizations.unknown_operation(other).into()),
        }
    }

    /// The caller's organization, if the caller belongs to one.
    fn member_of(&self) -> Outcome<&'a Organization> {
        self.organization
            .filter(|org| org.members.contains_key(self.caller))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "AWSOrganizationsNotInUseException",
                    "Your account is not a member of an organization.",
                )
                .into()
            })
    }

    /// The organization, if the caller manages it.
    fn managed(&self) -> Outcome<&'a Organization> {
        let organization = self.member_of()?;
        if organization.management_account == self.caller {
            Ok(organization)
        } else {
            Err(access_denied().into())
        }
    }

    /// A root or OU of `organization` named by ParentId.
    fn parent(&self, organization: &Organization) -> Outcome<&'a str> {
        let parent = self.input.parent_id()?;
        if organization.has_parent(parent) {
            Ok(parent)
        } else {
            Err(ApiError::bad_request(
                "ParentNotFoundException",
                "We can't find a root or OU with the ParentId that you specified.",
            )
            .into())
        }
    }

    fn describe_organization(self) -> Outcome<Value> {
        let org = self.member_of()?;
        let management = org.management();
        Ok(json!({
            "Organization": {
                "Id": org.id,
                "Arn": org.arn(),
                "FeatureSet": "ALL",
                "MasterAccountArn": org.account_arn(&org.management_account),
                "MasterAccountId": org.management_account,
                "MasterAccountEmail": management.map(|m| m.email.as_str()),
                "AvailablePolicyTypes": [],
            }
        }))
    }

    fn list_roots(self) -> Outcome<Value> {
        let org = self.managed()?;
        let max = self.input.page_size()?;
        let roots = vec![json!({
            "Id": org.root_id,
            "Arn": org.root_arn(),
            "Name": ROOT_NAME,
            "PolicyTypes": [],
        })];
        let key = |root: &Value| root["Id"].as_str().unwrap_or_default().to_string();
        let page = page(roots, key, self.input.next_token()?, max).map_err(|_| bad_token())?;
        Ok(json!({ "Roots": page.items, "NextToken": page.next }))
    }

    fn accounts(&self, org: &Organization, parent: Option<&str>) -> Outcome<Value> {
        let max = self.input.page_size()?;
        let members: Vec<&Member> = org
            .members
            .values()
            .filter(|m| parent.is_none_or(|p| m.parent == p))
            .collect();
        let page = page(members, |m| m.id.clone(), self.input.next_token()?, max)
            .map_err(|_| bad_token())?;
        let accounts: Vec<Value> = page.items.iter().map(|m| render_account(org, m)).collect();
        Ok(json!({ "Accounts": accounts, "NextToken": page.next }))
    }

    fn list_accounts(self) -> Outcome<Value> {
        let org = self.managed()?;
        self.accounts(org, None)
    }

    fn list_accounts_for_parent(self) -> Outcome<Value> {
        let org = self.managed()?;
        let parent = self.parent(org)?;
        self.accounts(org, Some(parent))
    }

    fn list_units_for_parent(self) -> Outcome<Value> {
        let org = self.managed()?;
        let parent = self.parent(org)?;
        let max = self.input.page_size()?;
        let units: Vec<_> = org.units.values().filter(|u| u.parent == parent).collect();
        let page = page(units, |u| u.id.clone(), self.input.next_token()?, max)
            .map_err(|_| bad_token())?;
        let rendered: Vec<Value> = page
            .items
            .iter()
            .map(|u| json!({ "Id": u.id, "Arn": org.unit_arn(&u.id), "Name": u.name }))
            .collect();
        Ok(json!({ "OrganizationalUnits": rendered, "NextToken": page.next }))
    }
}

/// Organizations' answer to a caller without the permission: the management account's rule,
/// and the error an injected access-denied fault gives.
pub fn access_denied() -> ApiError {
    ApiError::bad_request(
        "AccessDeniedException",
        "You don't have permissions to access this resource.",
    )
}

fn render_account(org: &Organization, member: &Member) -> Value {
    json!({
        "Id": member.id,
        "Arn": org.account_arn(&member.id),
        "Email": member.email,
        "Name": member.name,
        "Status": member.state.status(),
        "State": member.state.as_str(),
        "JoinedMethod": member.joined_method.as_str(),
        "JoinedTimestamp": member.joined.timestamp(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    const MANAGEMENT: &str = "123456789012";
    const MEMBER: &str = "210987654321";

    /// An organization with `extra` more accounts under the root and one OU holding the member.
    fn organization(extra: usize) -> Organization {
        let mut org = Organization::founded_by(MANAGEMENT, Utc::now());
        let root = org.root_id.clone();
        let unit = org.unit("Workloads", &root).unwrap();
        let member = |id: String, parent: &str| Member {
            email: model::email_for(&id),
            name: id.clone(),
            id,
            state: AccountState::Active,
            parent: parent.to_string(),
            joined_method: JoinedMethod::Created,
            joined: Utc::now(),
        };
        org.add_member(member(MEMBER.into(), &unit)).unwrap();
        for i in 0..extra {
            org.add_member(member(format!("{:012}", 500_000_000_000 + i), &root))
                .unwrap();
        }
        org
    }

    fn call(
        org: Option<&Organization>,
        caller: &str,
        operation: &str,
        body: Value,
    ) -> Outcome<Value> {
        let Value::Object(map) = body else {
            panic!("a JSON object")
        };
        Call {
            organization: org,
            caller,
            input: Input(&map),
        }
        .run(operation)
    }

    fn refused(outcome: Outcome<Value>) -> (String, Option<&'static str>) {
        let refusal = outcome.expect_err("a refusal");
        (refusal.error.code, refusal.reason)
    }

    #[test]
    fn pages_walk_every_account_once_for_every_size() {
        let org = organization(23);
        for size in 1..=20 {
            let mut seen = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let mut body = json!({ "MaxResults": size });
                if let Some(token) = &token {
                    body["NextToken"] = json!(token);
                }
                let answer = call(Some(&org), MANAGEMENT, "ListAccounts", body).unwrap();
                let accounts = answer["Accounts"].as_array().unwrap();
                assert!(accounts.len() <= size, "{size}");
                seen.extend(
                    accounts
                        .iter()
                        .map(|a| a["Id"].as_str().unwrap().to_string()),
                );
                match answer["NextToken"].as_str() {
                    Some(next) => token = Some(next.to_string()),
                    None => break,
                }
            }
            let all: Vec<String> = org.members.keys().cloned().collect();
            assert_eq!(seen, all, "{size}");
        }
        let default = call(Some(&org), MANAGEMENT, "ListAccounts", json!({})).unwrap();
        assert_eq!(
            default["Accounts"].as_array().unwrap().len(),
            20,
            "20 without MaxResults"
        );
    }

    #[test]
    fn bad_paging_is_invalid_input_with_its_reason() {
        let org = organization(0);
        for (body, reason) in [
            (json!({ "MaxResults": 0 }), "MIN_VALUE_EXCEEDED"),
            (json!({ "MaxResults": 21 }), "MAX_VALUE_EXCEEDED"),
            (json!({ "NextToken": "forged" }), "INVALID_NEXT_TOKEN"),
        ] {
            assert_eq!(
                refused(call(Some(&org), MANAGEMENT, "ListAccounts", body.clone())),
                ("InvalidInputException".to_string(), Some(reason)),
                "{body}"
            );
        }
        assert_eq!(
            refused(call(
                Some(&org),
                MANAGEMENT,
                "ListRoots",
                json!({ "MaxResults": "5" })
            ))
            .0,
            "SerializationException"
        );
    }

    #[test]
    fn parents_are_checked_for_pattern_then_existence() {
        let org = organization(0);
        let list = |parent: Value| {
            refused(call(
                Some(&org),
                MANAGEMENT,
                "ListOrganizationalUnitsForParent",
                json!({ "ParentId": parent }),
            ))
        };
        assert_eq!(list(json!("Workloads")).1, Some("INVALID_PATTERN"));
        assert_eq!(list(Value::Null).1, Some("INPUT_REQUIRED"));
        assert_eq!(list(json!("ou-zzzz-zzzzzzzz")).0, "ParentNotFoundException");

        let root = json!({ "ParentId": org.root_id });
        let units = call(
            Some(&org),
            MANAGEMENT,
            "ListOrganizationalUnitsForParent",
            root.clone(),
        )
        .unwrap();
        let unit = &units["OrganizationalUnits"][0];
        assert_eq!(unit["Name"], "Workloads");
        let under_unit = call(
            Some(&org),
            MANAGEMENT,
            "ListAccountsForParent",
            json!({ "ParentId": unit["Id"] }),
        )
        .unwrap();
        assert_eq!(under_unit["Accounts"][0]["Id"], MEMBER);
        let under_root = call(Some(&org), MANAGEMENT, "ListAccountsForParent", root).unwrap();
        assert_eq!(
            under_root["Accounts"].as_array().unwrap().len(),
            1,
            "only the management account"
        );
    }

    #[test]
    fn members_describe_only_and_outsiders_are_not_in_use() {
        let org = organization(0);
        let described = call(Some(&org), MEMBER, "DescribeOrganization", json!({})).unwrap();
        assert_eq!(described["Organization"]["MasterAccountId"], MANAGEMENT);
        assert_eq!(described["Organization"]["FeatureSet"], "ALL");
        for operation in [
            "ListRoots",
            "ListAccounts",
            "ListAccountsForParent",
            "ListOrganizationalUnitsForParent",
        ] {
            assert_eq!(
                refused(call(Some(&org), MEMBER, operation, json!({}))).0,
                "AccessDeniedException",
                "{operation}"
            );
            assert_eq!(
                refused(call(Some(&org), "999999999999", operation, json!({}))).0,
                "AWSOrganizationsNotInUseException"
            );
        }
        assert_eq!(
            refused(call(None, MANAGEMENT, "DescribeOrganization", json!({}))).0,
            "AWSOrganizationsNotInUseException"
        );
        assert_eq!(
            refused(call(Some(&org), MANAGEMENT, "CreateAccount", json!({}))).0,
            "UnknownOperationException"
        );
    }

    #[test]
    fn accounts_carry_status_state_and_joined_fields() {
        let mut org = organization(0);
        org.set_state(MEMBER, AccountState::Closed).unwrap();
        let answer = call(Some(&org), MANAGEMENT, "ListAccounts", json!({})).unwrap();
        let member = &answer["Accounts"][1];
        assert_eq!(member["Id"], MEMBER);
        assert_eq!(
            (member["Status"].as_str(), member["State"].as_str()),
            (Some("SUSPENDED"), Some("CLOSED"))
        );
        assert_eq!(member["JoinedMethod"], "CREATED");
        assert!(member["JoinedTimestamp"].is_i64());
        assert_eq!(
            member["Arn"],
            format!(
                "arn:aws:organizations::{MANAGEMENT}:account/{}/{MEMBER}",
                org.id
            )
        );
        let roots = call(Some(&org), MANAGEMENT, "ListRoots", json!({})).unwrap();
        assert_eq!(roots["Roots"][0]["Name"], "Root");
        assert!(roots.get("NextToken").is_none_or(Value::is_null));
    }
}
