//! IAM customer managed policies, and AWS managed ones read live. An item's id is what follows
//! `:policy/` in its ARN (`arn:aws:iam::ACCOUNT:policy/PATH/NAME`), rebuilt from the account's
//! id. AWS managed policies (`arn:aws:iam::aws:policy/…`) are never cached: the kind's forms
//! read them live, read-only.

use app::kinds::managed_policy::{
    check_managed_policy, check_version_change, AwsManagedPolicies, AwsManagedPolicy,
    NewManagedPolicy, PolicyDocument, PolicyVersionInfo, VersionChange, ATTACHED,
    ATTACHMENTS_FIELD, UNATTACHED,
};
use app::model::{
    resource::STATUS_DETAIL, AppError, AwsItem, FieldError, ResourceKind, GLOBAL_REGION,
};
use app::ports::KindRequest;
use aws_sdk_iam::types::{EntityType, Policy, PolicyScopeType};
use aws_sdk_iam::Client;
use serde_json::{json, Value};
use std::collections::HashMap;

use super::error::{answered, failure, found, output_of, request_id, said, AwsFailure, Scope};
use super::iam::{
    create_tags, iam_tagging, listing_calls, listing_carries_tags, model_tags, Arns, PAGE_SIZE,
};
use super::kind::{
    form_of, item_of, reply, target, At, CacheChange, Done, ItemCalls, KindAdapter, Plan, Planner,
    Tagging,
};
use super::{date, field};

const KIND: ResourceKind = ResourceKind::ManagedPolicy;
/// An item's id is what follows this in its ARN.
const ARNS: Arns = Arns(":policy/");
const AWS_MANAGED_PREFIX: &str = "arn:aws:iam::aws:policy/";

iam_tagging!(ManagedPolicies: policy_arn = |at: &At, id| ARNS.of(&at.scope, id),
    tag_policy "iam:TagPolicy", untag_policy "iam:UntagPolicy");

fn item(policy: &Policy, at: &At) -> AwsItem {
    let policy_arn = policy.arn().unwrap_or_default();
    let id = ARNS.id(policy_arn);
    let attachments = policy.attachment_count().unwrap_or(0);
    let fields = [
        field("ARN", Some(policy_arn)),
        field("Path", policy.path()),
        field("Policy ID", policy.policy_id()),
        field("Description", policy.description()),
        field("Default version", policy.default_version_id()),
        field(
            STATUS_DETAIL,
            Some(&match attachments {
                0 => "no entities".to_string(),
                1 => "1 entity".to_string(),
                n => format!("{n} entities"),
            }),
        ),
        field(ATTACHMENTS_FIELD, Some(&attachments.to_string())),
        field(
            "Permissions boundary uses",
            Some(
                &policy
                    .permissions_boundary_usage_count()
                    .unwrap_or(0)
                    .to_string(),
            ),
        ),
        field(
            "Attachable",
            Some(if policy.is_attachable() { "yes" } else { "no" }),
        ),
        field("Created", policy.create_date().and_then(date).as_deref()),
        field("Updated", policy.update_date().and_then(date).as_deref()),
    ];
    let name = policy.policy_name().unwrap_or(id);
    let status = if attachments > 0 {
        ATTACHED
    } else {
        UNATTACHED
    };
    let tags = model_tags(policy.tags());
    at.aws_item(KIND, id, name.into(), status.into(), tags, fields)
}

/// GetPolicy: the policy with its description and tags (both of which ListPolicies leaves out);
/// `None` when IAM has no such policy.
async fn get_policy(
    client: &Client,
    scope: &Scope,
    policy_arn: &str,
) -> Result<Option<Policy>, AwsFailure> {
    let output = found(
        client.get_policy().policy_arn(policy_arn).send().await,
        "iam:GetPolicy",
        scope,
    )?;
    Ok(output.and_then(|o| o.policy().cloned()))
}

/// The account's customer managed policies (ListPolicies Scope=Local, in pages of 1,000), with
/// their attachment counts and, since IAM's 2021 tagging update, their tags; without their
/// descriptions.
async fn local_policies(client: &Client, scope: &Scope) -> Result<Vec<Policy>, AwsFailure> {
    let local = client.list_policies().scope(PolicyScopeType::Local);
    let pages = local.into_paginator().page_size(PAGE_SIZE);
    output_of(
        pages.items().send().try_collect().await,
        "iam:ListPolicies",
        scope,
    )
}

/// The descriptions of the account's customer managed policies, by ARN:
/// GetAccountAuthorizationDetails Filter=LocalManagedPolicy, in pages of 1,000, carries each
/// policy's description (and every version's document) but not its tags. `None` when the
/// account's role may not call it, which is then said in the log.
async fn local_descriptions(
    client: &Client,
    scope: &Scope,
) -> Result<Option<HashMap<String, Option<String>>>, AwsFailure> {
    let details = client
        .get_account_authorization_details()
        .filter(EntityType::LocalManagedPolicy);
    let pages = details.into_paginator().page_size(PAGE_SIZE).send();
    let action = "iam:GetAccountAuthorizationDetails";
    let pages = match output_of(pages.try_collect().await, action, scope) {
        Ok(pages) => pages,
        Err(refused) if refused.code == "AccessDenied" => {
            tracing::warn!(account = %scope.account, "iam:GetAccountAuthorizationDetails is denied: managed policies are read one GetPolicy each; allow it to read them in one call per 1,000");
            return Ok(None);
        }
        Err(failure) => return Err(failure),
    };
    let policies = pages.iter().flat_map(|page| page.policies());
    Ok(Some(
        policies
            .map(|detail| {
                let arn = detail.arn().unwrap_or_default().to_string();
                (arn, detail.description().map(str::to_string))
            })
            .collect(),
    ))
}

/// Every version of a policy, newest first (ListPolicyVersions, every page).
async fn versions(
    client: &Client,
    scope: &Scope,
    policy_arn: &str,
) -> Result<Vec<PolicyVersionInfo>, AwsFailure> {
    let versions = client.list_policy_versions().policy_arn(policy_arn);
    let versions = versions.into_paginator().items().send().try_collect().await;
    let versions = output_of(versions, "iam:ListPolicyVersions", scope)?;
    Ok(versions
        .iter()
        .map(|v| PolicyVersionInfo {
            id: v.version_id().unwrap_or_default().to_string(),
            is_default: v.is_default_version(),
            created: v.create_date().and_then(date),
        })
        .collect())
}

/// The default version's document, pretty-printed, with the versions. IAM returns documents
/// URL-encoded; the SDK does not decode them.
async fn document(at: &At, policy_arn: &str) -> Result<PolicyDocument, AppError> {
    let client = at.iam().await;
    let policy = get_policy(&client, &at.scope, policy_arn)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!(
                "AWS has no policy {policy_arn}; it may have been deleted. Refresh the inventory."
            ))
        })?;
    let default_version_id = policy.default_version_id().unwrap_or("v1").to_string();
    let version = client
        .get_policy_version()
        .policy_arn(policy_arn)
        .version_id(&default_version_id)
        .send()
        .await
        .map_err(|e| failure(e, "iam:GetPolicyVersion", &at.scope))?;
    let raw = version
        .policy_version()
        .and_then(|v| v.document())
        .unwrap_or_default();
    let decoded = percent_decode(raw);
    let document = if serde_json::from_str::<Value>(&decoded).is_ok() {
        indent_json(&decoded)
    } else {
        decoded
    };
    Ok(PolicyDocument {
        arn: policy_arn.to_string(),
        default_version_id,
        document,
        versions: versions(&client, &at.scope, policy_arn).await?,
    })
}

/// RFC 3986 percent-decoding (and `+` left as it is, as IAM encodes spaces as `%20`).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Valid JSON re-indented by two spaces, its keys in the author's order (serde_json's `Value`
/// would sort them).
fn indent_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = json.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|&n| n == '}' || n == ']') {
                    out.push(chars.next().unwrap_or_default());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// AWS managed policies, every page, read in `at`'s account.
async fn aws_managed(at: &At, only_attached: bool) -> Result<Vec<AwsManagedPolicy>, AwsFailure> {
    let policies = at.iam().await.list_policies().scope(PolicyScopeType::Aws);
    let policies = policies
        .only_attached(only_attached)
        .into_paginator()
        .items()
        .send();
    let policies = output_of(policies.try_collect().await, "iam:ListPolicies", &at.scope)?;
    Ok(policies
        .iter()
        .map(|p| AwsManagedPolicy {
            name: p.policy_name().unwrap_or_default().to_string(),
            arn: p.arn().unwrap_or_default().to_string(),
            path: p.path().unwrap_or("/").to_string(),
            default_version_id: p.default_version_id().unwrap_or_default().to_string(),
            attachment_count: p.attachment_count().unwrap_or(0),
            updated: p.update_date().and_then(date),
        })
        .collect())
}

/// The place of the account named `account`, or the first one when it is empty.
fn place_of(places: Vec<At>, account: &str) -> Result<At, AppError> {
    places
        .into_iter()
        .find(|at| account.is_empty() || at.scope.account == account)
        .ok_or_else(|| {
            AppError::not_found(format!(
                "No reachable AWS account named \"{account}\" is configured."
            ))
        })
}

/// AWS's DeleteConflict, said with what to do first: detach the policy from its N entities, or
/// delete its non-default versions.
async fn delete_conflict(at: &At, id: &str, said: &str) -> AppError {
    let client = at.iam().await;
    let policy_arn = ARNS.of(&at.scope, id);
    let attachments = get_policy(&client, &at.scope, &policy_arn)
        .await
        .ok()
        .flatten()
        .and_then(|p| p.attachment_count())
        .unwrap_or(0);
    let extra: Vec<String> = versions(&client, &at.scope, &policy_arn)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|v| !v.is_default)
        .map(|v| v.id)
        .collect();
    let mut reasons = Vec::new();
    if attachments > 0 {
        reasons.push(format!(
            "it is attached to {attachments} {} (users, groups or roles): detach it from every one first (ListEntitiesForPolicy or the IAM console's \"Entities attached\" tab names them)",
            if attachments == 1 { "entity" } else { "entities" }
        ));
    }
    if !extra.is_empty() {
        reasons.push(format!(
            "it has {} non-default {} ({}): delete {} first (the default version goes with the policy)",
            extra.len(),
            if extra.len() == 1 { "version" } else { "versions" },
            extra.join(", "),
            if extra.len() == 1 { "it" } else { "them" }
        ));
    }
    let why = if reasons.is_empty() {
        "it is still in use".to_string()
    } else {
        reasons.join("; and ")
    };
    AppError::conflict(format!(
        "AWS refuses to delete managed policy {id} (DeleteConflict): {why}. Then delete it here. AWS said: {said}"
    ))
}

/// AWS's refusals of a create, said with what to do; IAM's own refusal of the document (its
/// grammar goes beyond what is checked before sending) lands on the document field.
fn create_refusal(mut failure: AwsFailure, name: &str, account: &str) -> AwsFailure {
    if failure.code == "MalformedPolicyDocument" {
        failure.error = AppError::validation(vec![FieldError {
            field: "document".into(),
            message: format!(
                "IAM refused this document (MalformedPolicyDocument): fix what it names and submit again. {}",
                failure.error.message
            ),
        }]);
    }
    failure
        .conflict_when("EntityAlreadyExists", || format!(
            "{account} already has a managed policy named {name} (EntityAlreadyExists): policy names are unique in an account whatever their path; choose another name."
        ))
        .conflict_when("LimitExceeded", || format!(
            "{account} has as many customer managed policies as IAM allows (LimitExceeded): delete unattached ones it no longer uses, or ask AWS for a higher quota."
        ))
}

/// The adapter of [`ResourceKind::ManagedPolicy`].
pub struct ManagedPolicies;

impl ManagedPolicies {
    fn plan_create(request: &KindRequest) -> Result<Plan, AppError> {
        let new = check_managed_policy(&form_of::<NewManagedPolicy>(request)?)?;
        let params = json!({ "name": new.name, "path": new.path, "description": new.description, "document": new.document, "tags": new.tags });
        let target = target(KIND, &new.account, GLOBAL_REGION, &new.id());
        let run = |at: At| async move {
            let call = at.iam().await.create_policy().policy_name(&new.name);
            let call = call.set_path((new.path != "/").then_some(new.path));
            let call =
                call.set_description((!new.description.is_empty()).then_some(new.description));
            let call = call.policy_document(&new.document);
            let sent = call.set_tags(create_tags(&new.tags)?).send().await;
            let output = output_of(sent, "iam:CreatePolicy", &at.scope)
                .map_err(|refused| create_refusal(refused, &new.name, &at.scope.account))?;
            let request_id = request_id(&output);
            let Some(policy) = output.policy() else {
                return Err(AwsFailure {
                error: AppError::unavailable("AWS answered iam:CreatePolicy without the policy; refresh the inventory to see whether it exists."),
                code: "EmptyAnswer".into(),
                request_id,
            });
            };
            // CreatePolicy answers the description and tags it was given.
            let cache = CacheChange::Upsert(item(policy, &at));
            Ok(Done::created(request_id, cache, "Managed policy created."))
        };
        Ok(Plan::new("managed-policy.create", target, params, run))
    }

    /// DeletePolicyVersion: AWS refuses the default version (DeleteConflict), said as such.
    fn plan_delete_version(request: &KindRequest) -> Result<Plan, AppError> {
        let target = item_of(request)?;
        let version = check_version_change(&form_of::<VersionChange>(request)?)?;
        let params = json!({ "policy": target.id, "version": version });
        let flash = format!("Version {version} deleted.");
        let send = |at: At, id: String| async move {
            let sent = at
                .iam()
                .await
                .delete_policy_version()
                .policy_arn(ARNS.of(&at.scope, &id))
                .version_id(&version)
                .send()
                .await;
            answered(sent, "iam:DeletePolicyVersion", &at.scope).map_err(|failure| {
                failure.conflict_when("DeleteConflict", || format!(
                    "AWS does not delete {version}: it is the policy's default version, which goes only with the policy itself."
                ))
            })
        };
        Ok(Plan::change(
            "managed-policy.delete-version",
            target,
            params,
            send,
            |_| flash,
        ))
    }
}

#[async_trait::async_trait]
impl ItemCalls for ManagedPolicies {
    fn kind(&self) -> ResourceKind {
        KIND
    }

    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        let client = at.iam().await;
        let policy = get_policy(&client, &at.scope, &ARNS.of(&at.scope, id)).await?;
        Ok(policy.map(|policy| item(&policy, at)))
    }

    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        let call = at.iam().await.delete_policy();
        let sent = call.policy_arn(ARNS.of(&at.scope, id)).send().await;
        let said = said(&sent);
        match answered(sent, "iam:DeletePolicy", &at.scope) {
            Err(mut refused) if refused.code == "DeleteConflict" => {
                refused.error = delete_conflict(at, id, &said).await;
                Err(refused)
            }
            sent => sent,
        }
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(self)
    }
}

#[async_trait::async_trait]
impl KindAdapter for ManagedPolicies {
    /// ListPolicies Scope=Local carries every field of the inventory but the description, and
    /// GetAccountAuthorizationDetails Filter=LocalManagedPolicy every field but the tags: the two
    /// together, in pages of 1,000, read 1,000 policies in two calls. GetPolicy reads a listed
    /// policy the details lack (deleted between the two calls), and every policy when the
    /// listing carries no tag at all ([`listing_carries_tags`]) or GetAccountAuthorizationDetails
    /// is denied. A policy created between the two calls waits for the next sync. The documents
    /// are not read here: the detail page reads the one it shows when it opens, fresh.
    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let client = &at.iam().await;
        let policies = local_policies(client, &at.scope).await?;
        if policies.is_empty() {
            return Ok(Vec::new());
        }
        let descriptions = if listing_carries_tags(policies.iter().map(|p| p.tags())) {
            local_descriptions(client, &at.scope).await?
        } else {
            None
        };
        // Without details, every policy is read with GetPolicy.
        let mut descriptions = descriptions.unwrap_or_default();
        let mut items = Vec::with_capacity(policies.len());
        for mut policy in policies {
            let policy_arn = policy.arn().unwrap_or_default().to_string();
            match descriptions.remove(&policy_arn) {
                Some(description) => {
                    policy.description = description;
                    items.push(item(&policy, at));
                }
                // Gone between the list and the read (GetPolicy answers none): not in the
                // inventory.
                None => {
                    let read = get_policy(client, &at.scope, &policy_arn).await?;
                    items.extend(read.map(|policy| item(&policy, at)));
                }
            }
        }
        Ok(items)
    }

    /// ListPolicies and GetAccountAuthorizationDetails, each one call per 1,000 policies; one
    /// ListPolicies alone when the account has none.
    fn fewest_calls(&self, items: u64) -> u64 {
        match items {
            0 => listing_calls(0),
            n => 2 * listing_calls(n),
        }
    }

    /// Reads, never changes: `document/ACCOUNT/ID` (a customer managed policy's document and
    /// versions), `aws-managed/ACCOUNT` and `aws-managed-attached/ACCOUNT` (the AWS managed
    /// policies, or those attached to something, read in that account or the first one when
    /// it is empty), `aws-document/ID` (an AWS managed policy's document, by what follows
    /// `arn:aws:iam::aws:policy/`).
    async fn form_options(&self, form: &str, places: Vec<At>) -> Result<Value, AppError> {
        let (what, rest) = form.split_once('/').unwrap_or((form, ""));
        match what {
            "document" => {
                let (account, id) = rest.split_once('/').unwrap_or((rest, ""));
                let at = place_of(places, account)?;
                Ok(reply(&document(&at, &ARNS.of(&at.scope, id)).await?))
            }
            "aws-managed" | "aws-managed-attached" => {
                let at = place_of(places, rest)?;
                let policies = aws_managed(&at, what == "aws-managed-attached").await?;
                Ok(reply(&AwsManagedPolicies {
                    account: at.scope.account.clone(),
                    policies,
                }))
            }
            "aws-document" if !rest.is_empty() => {
                let at = place_of(places, "")?;
                Ok(reply(
                    &document(&at, &format!("{AWS_MANAGED_PREFIX}{rest}")).await?,
                ))
            }
            _ => Err(AppError::not_found(format!(
                "Managed policies have no form named {form}."
            ))),
        }
    }

    fn actions(&self) -> &'static [(&'static str, Planner)] {
        &[
            ("create", Self::plan_create),
            ("delete-version", Self::plan_delete_version),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_refusals_say_what_to_do() {
        let said = || AppError::unavailable("AWS said: Syntax errors in policy.");
        let refused = |code: &str| AwsFailure::refused_as(code, said());
        let taken = create_refusal(refused("EntityAlreadyExists"), "reader", "prod");
        assert!(taken.error.message.contains("choose another name"));
        assert_eq!(taken.request_id, "r-1", "kept for the audit trail");
        let bad = create_refusal(refused("MalformedPolicyDocument"), "reader", "prod");
        assert!(bad
            .error
            .field("document")
            .unwrap()
            .contains("Syntax errors in policy"));
        assert_eq!(
            create_refusal(refused("Throttling"), "x", "prod")
                .error
                .message,
            "AWS said: Syntax errors in policy."
        );
    }

    #[test]
    fn documents_are_indented_in_their_own_order() {
        assert_eq!(
            indent_json(r#"{"Version": "2012-10-17","Statement":[{"Sid":"a, b: \"c\"","Action":[]}, {}]}"#),
            "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"a, b: \\\"c\\\"\",\n      \"Action\": []\n    },\n    {}\n  ]\n}"
        );
    }

    #[test]
    fn documents_are_url_decoded() {
        assert_eq!(
            percent_decode("%7B%22Version%22%3A%222012-10-17%22%7D"),
            r#"{"Version":"2012-10-17"}"#
        );
        assert_eq!(percent_decode("a%20b%2"), "a b%2");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
