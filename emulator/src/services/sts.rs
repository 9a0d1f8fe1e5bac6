//! STS over the AWS query protocol: GetCallerIdentity, and AssumeRole, whose credentials act in
//! the role's account (each account's state is separate).

use axum::response::Response;
use chrono::Duration;

use super::query_input::{is_name_char, validation, QueryInput, NAME_PATTERN};
use super::{Ctx, RawRequest, Service};
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::protocol::query::{self, Params, STS_NAMESPACE};
use crate::protocol::xml::Xml;
use crate::state::{IssuedKey, Principal, World};

pub fn handle(world: &mut World, ctx: &Ctx, operation: &str, request: &RawRequest) -> Response {
    let params = Params::parse(&request.body, request.query.as_deref());
    let input = QueryInput::new(&params);
    let outcome = match operation {
        "GetCallerIdentity" => Ok(get_caller_identity(ctx)),
        "AssumeRole" => assume_role(world, ctx, &input),
        other => Err(Service::Sts.unknown_operation(other)),
    };
    match outcome {
        Ok(result) => query::response(operation, STS_NAMESPACE, &ctx.request_id, Some(result)),
        Err(error) => Service::Sts.error_response(&error, &ctx.request_id),
    }
}

fn get_caller_identity(ctx: &Ctx) -> Xml {
    let mut x = Xml::new();
    x.text("Arn", &ctx.principal.arn)
        .text("UserId", &ctx.principal.user_id)
        .text("Account", ctx.account());
    x
}

/// `arn:aws:iam::ACCOUNT:role/PATH/NAME` → (account, name).
fn parse_role_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("role/")?;
    let name = path_and_name.rsplit('/').next()?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty())
        .then_some((account, name))
}

fn assume_role(world: &mut World, ctx: &Ctx, input: &QueryInput) -> ApiResult<Xml> {
    let role_arn = input.required("RoleArn")?;
    input.length("RoleArn", role_arn, 20, 2048)?;
    let session_name = input.required("RoleSessionName")?;
    input.length("RoleSessionName", session_name, 2, 64)?;
    if !session_name.chars().all(is_name_char) {
        return Err(validation(
            session_name,
            "RoleSessionName",
            &format!("Member must satisfy regular expression pattern: {NAME_PATTERN}"),
        ));
    }
    let duration = input.int("DurationSeconds", 900, 43200)?.unwrap_or(3600);
    let denied = || {
        ApiError::new(
            http::StatusCode::FORBIDDEN,
            "AccessDenied",
            format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                ctx.principal.arn
            ),
        )
    };
    let (account, role_name) = parse_role_arn(role_arn).ok_or_else(denied)?;
    let now = world.now();
    let role = world
        .accounts
        .get(account)
        .and_then(|a| a.iam.role(role_name).ok())
        .filter(|role| role.arn == role_arn)
        .cloned()
        .ok_or_else(denied)?;
    if duration > role.max_session_duration {
        return Err(validation(
            &duration.to_string(),
            "durationSeconds",
            &format!("The requested DurationSeconds exceeds the MaxSessionDuration set for this role ({}).", role.max_session_duration),
        ));
    }
    let access_key_id = format!("ASIA{}", ids::random_alphanumeric(16).to_uppercase());
    let secret_access_key = ids::random_alphanumeric(40);
    let assumed_role_id = format!("{}:{session_name}", role.id);
    let assumed_arn = format!(
        "arn:aws:sts::{account}:assumed-role/{}/{session_name}",
        role.name
    );
    world.issued_keys.insert(
        access_key_id.clone(),
        IssuedKey {
            principal: Principal {
                account: account.to_string(),
                arn: assumed_arn.clone(),
                user_id: assumed_role_id.clone(),
            },
            expires: now + Duration::seconds(duration),
            secret_access_key: secret_access_key.clone(),
        },
    );
    let mut x = Xml::new();
    x.el("Credentials", |x| {
        x.text("AccessKeyId", &access_key_id)
            .text("SecretAccessKey", &secret_access_key)
            .text(
                "SessionToken",
                format!("FwoGZXIvYXdzE{}", ids::random_alphanumeric(180)),
            )
            .time("Expiration", now + Duration::seconds(duration));
    })
    .el("AssumedRoleUser", |x| {
        x.text("AssumedRoleId", &assumed_role_id)
            .text("Arn", &assumed_arn);
    })
    .text("PackedPolicySize", 0);
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::210987654321:role/Auditor"),
            Some(("210987654321", "Auditor"))
        );
        assert_eq!(
            parse_role_arn("arn:aws:iam::210987654321:role/team/Auditor"),
            Some(("210987654321", "Auditor"))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::2109:role/Auditor"), None);
        assert_eq!(
            parse_role_arn("arn:aws:iam::210987654321:user/Auditor"),
            None
        );
    }
}
