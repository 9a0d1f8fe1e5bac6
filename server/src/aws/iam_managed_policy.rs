//! IAM customer managed policies, and AWS managed ones read live. An item's id is what follows
//! `:policy/` in its ARN (`arn:aws:iam::ACCOUNT:policy/PATH/NAME`), rebuilt from the account's
//! id. AWS managed policies (`arn:aws:iam::aws:policy/…`) are never cached: the kind's forms
//! read them live, read-only.

use app::kinds::managed_policy::{
    check_managed_policy, check_version_change, AwsManagedPolicies, AwsManagedPolicy,
    ManagedPolicyRequest, NewManagedPolicy, PolicyDocument, PolicyVersionInfo, VersionChange,
    ATTACHED, ATTACHMENTS_FIELD, UNATTACHED,
};
use app::model::{
    resource::STATUS_DETAIL, AppError, AwsItem, Field, FieldError, ResourceKind, ResourceRef, Tag,
    GLOBAL_REGION,
};
use app::ports::KindRequest;
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::operation::RequestId;
use aws_sdk_iam::types::{Policy, PolicyScopeType};
use aws_sdk_iam::Client;
use serde_json::{json, Value};

use super::error::{answered, failure, AwsFailure, Scope};
use super::field;
use super::iam::{date, found, model_tags, sdk_tags};
use super::kind::{
    form_of, item_of, reply, unknown_action, At, CacheChange, Done, KindAdapter, Plan,
};

const KIND: ResourceKind = ResourceKind::ManagedPolicy;
const ARN_PART: &str = ":policy/";
const AWS_MANAGED_PREFIX: &str = "arn:aws:iam::aws:policy/";

fn arn(scope: &Scope, id: &str) -> String {
    format!("arn:aws:iam::{}{ARN_PART}{id}", scope.account_id)
}

fn id_of(arn: &str) -> &str {
    arn.split_once(ARN_PART).map(|(_, id)| id).unwrap_or(arn)
}

fn item(policy: &Policy, at: &At) -> AwsItem {
    let policy_arn = policy.arn().unwrap_or_default();
    let id = id_of(policy_arn);
    let attachments = policy.attachment_count().unwrap_or(0);
    let fields: Vec<Field> = [
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
    ]
    .into_iter()
    .flatten()
    .collect();
    AwsItem {
        item: at.item(KIND, id),
        account_id: at.scope.account_id.clone(),
        name: policy.policy_name().unwrap_or(id).to_string(),
        status: if attachments > 0 {
            ATTACHED
        } else {
            UNATTACHED
        }
        .into(),
        expires_at: None,
        tags: model_tags(policy.tags()),
        fields,
        last_seen: at.seen.clone(),
        expires_in_days: None,
    }
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

/// Every version of a policy, newest first (ListPolicyVersions, every page).
async fn versions(
    client: &Client,
    scope: &Scope,
    policy_arn: &str,
) -> Result<Vec<PolicyVersionInfo>, AwsFailure> {
    let mut versions = Vec::new();
    let mut pages = client
        .list_policy_versions()
        .policy_arn(policy_arn)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| failure(e, "iam:ListPolicyVersions", scope))?;
        versions.extend(page.versions().iter().map(|v| PolicyVersionInfo {
            id: v.version_id().unwrap_or_default().to_string(),
            is_default: v.is_default_version(),
            created: v.create_date().and_then(date),
        }));
    }
    Ok(versions)
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
    let client = at.iam().await;
    let mut policies = Vec::new();
    let mut pages = client
        .list_policies()
        .scope(PolicyScopeType::Aws)
        .only_attached(only_attached)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| failure(e, "iam:ListPolicies", &at.scope))?;
        policies.extend(page.policies().iter().map(|p| AwsManagedPolicy {
            name: p.policy_name().unwrap_or_default().to_string(),
            arn: p.arn().unwrap_or_default().to_string(),
            path: p.path().unwrap_or("/").to_string(),
            default_version_id: p.default_version_id().unwrap_or_default().to_string(),
            attachment_count: p.attachment_count().unwrap_or(0),
            updated: p.update_date().and_then(date),
        }));
    }
    Ok(policies)
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
    let policy_arn = arn(&at.scope, id);
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
    match failure.code.as_str() {
        "EntityAlreadyExists" => {
            failure.error = AppError::conflict(format!(
                "{account} already has a managed policy named {name} (EntityAlreadyExists): policy names are unique in an account whatever their path; choose another name."
            ))
        }
        "LimitExceeded" => {
            failure.error = AppError::conflict(format!(
                "{account} has as many customer managed policies as IAM allows (LimitExceeded): delete unattached ones it no longer uses, or ask AWS for a higher quota."
            ))
        }
        "MalformedPolicyDocument" => {
            failure.error = AppError::validation(vec![FieldError {
                field: "document".into(),
                message: format!(
                    "IAM refused this document (MalformedPolicyDocument): fix what it names and submit again. {}",
                    failure.error.message
                ),
            }])
        }
        _ => {}
    }
    failure
}

/// The adapter of [`ResourceKind::ManagedPolicy`].
pub struct ManagedPolicies;

impl ManagedPolicies {
    fn plan_create(form: NewManagedPolicy) -> Result<Plan, AppError> {
        let request = check_managed_policy(&form)?;
        let id = request.id();
        let ManagedPolicyRequest {
            account,
            name,
            path,
            description,
            document,
            tags,
        } = request;
        let params = json!({ "name": name, "path": path, "description": description, "document": document, "tags": tags });
        Ok(Plan {
            action: "iam.create_policy",
            target: ResourceRef {
                kind: KIND,
                account,
                region: GLOBAL_REGION.into(),
                id,
            },
            params,
            run: Box::new(move |at| {
                Box::pin(async move {
                    let client = at.iam().await;
                    let output = client
                        .create_policy()
                        .policy_name(&name)
                        .set_path((path != "/").then_some(path))
                        .set_description((!description.is_empty()).then_some(description))
                        .policy_document(&document)
                        .set_tags((!tags.is_empty()).then(|| sdk_tags(&tags)).transpose()?)
                        .send()
                        .await
                        .map_err(|e| {
                            create_refusal(
                                failure(e, "iam:CreatePolicy", &at.scope),
                                &name,
                                &at.scope.account,
                            )
                        })?;
                    let request_id = output.request_id().unwrap_or_default().to_string();
                    let Some(policy) = output.policy() else {
                        return Err(AwsFailure {
                            error: AppError::unavailable("AWS answered iam:CreatePolicy without the policy; refresh the inventory to see whether it exists."),
                            code: "EmptyAnswer".into(),
                            request_id,
                        });
                    };
                    // CreatePolicy answers the description and tags it was given.
                    let created = item(policy, &at);
                    let target = created.item.clone();
                    Ok(Done {
                        request_id,
                        redirect: Some(target.detail_path()),
                        reply: reply(&target),
                        cache: CacheChange::Upsert(created),
                        flash: "Managed policy created.".into(),
                        shown_once: None,
                    })
                })
            }),
            dry_run: None,
        })
    }
}

impl ManagedPolicies {
    /// DeletePolicyVersion: AWS refuses the default version (DeleteConflict), said as such.
    fn plan_delete_version(request: &KindRequest) -> Result<Plan, AppError> {
        let target = item_of(request)?;
        let version = check_version_change(&form_of::<VersionChange>(request)?)?;
        let id = target.id.clone();
        Ok(Plan {
            action: "iam.delete_policy_version",
            params: json!({ "policy": id, "version": version }),
            target,
            run: Box::new(move |at| {
                Box::pin(async move {
                    let policy_arn = arn(&at.scope, &id);
                    let output = at
                        .iam()
                        .await
                        .delete_policy_version()
                        .policy_arn(&policy_arn)
                        .version_id(&version)
                        .send()
                        .await
                        .map_err(|e| {
                            let mut mapped = failure(e, "iam:DeletePolicyVersion", &at.scope);
                            if mapped.code == "DeleteConflict" {
                                mapped.error = AppError::conflict(format!(
                                    "AWS does not delete {version}: it is the policy's default version, which goes only with the policy itself."
                                ));
                            }
                            mapped
                        })?;
                    let fresh = ManagedPolicies.get(&at, &id).await?;
                    Ok(Done {
                        request_id: output.request_id().unwrap_or_default().to_string(),
                        cache: CacheChange::fresh(at.item(KIND, &id), fresh),
                        reply: reply(&()),
                        redirect: None,
                        flash: format!("Version {version} deleted."),
                        shown_once: None,
                    })
                })
            }),
            dry_run: None,
        })
    }
}

#[async_trait::async_trait]
impl KindAdapter for ManagedPolicies {
    fn kind(&self) -> ResourceKind {
        KIND
    }

    /// ListPolicies lacks the tags here: GetPolicy per item.
    fn fewest_calls(&self, items: u64) -> u64 {
        1 + items
    }

    /// ListPolicies Scope=Local (every page) names the account's customer managed policies with
    /// their attachment counts but without their tags or description. One GetPolicy per policy
    /// reads both: the fewest calls (ListPolicyTags would read the tags alone, and the
    /// description would need GetPolicy anyway). The documents are not read here: one more
    /// call per policy at every refresh for what only the detail page shows, which reads it
    /// when it opens.
    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let client = at.iam().await;
        let mut items = Vec::new();
        let mut pages = client
            .list_policies()
            .scope(PolicyScopeType::Local)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| failure(e, "iam:ListPolicies", &at.scope))?;
            for listed in page.policies() {
                let policy_arn = listed.arn().unwrap_or_default();
                // Gone between the list and the read: not in the inventory.
                if let Some(policy) = get_policy(&client, &at.scope, policy_arn).await? {
                    items.push(item(&policy, at));
                }
            }
        }
        Ok(items)
    }

    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        let client = at.iam().await;
        Ok(get_policy(&client, &at.scope, &arn(&at.scope, id))
            .await?
            .map(|policy| item(&policy, at)))
    }

    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        let result = at
            .iam()
            .await
            .delete_policy()
            .policy_arn(arn(&at.scope, id))
            .send()
            .await;
        match result {
            Ok(output) => Ok(output.request_id().unwrap_or_default().to_string()),
            Err(err) => {
                let said = err
                    .as_service_error()
                    .and_then(|e| e.message())
                    .unwrap_or_default()
                    .to_string();
                let mut mapped = failure(err, "iam:DeletePolicy", &at.scope);
                if mapped.code == "DeleteConflict" {
                    mapped.error = delete_conflict(at, id, &said).await;
                }
                Err(mapped)
            }
        }
    }

    async fn tag(&self, at: &At, id: &str, tags: &[Tag]) -> Result<String, AwsFailure> {
        answered(
            at.iam()
                .await
                .tag_policy()
                .policy_arn(arn(&at.scope, id))
                .set_tags(Some(sdk_tags(tags)?))
                .send()
                .await,
            "iam:TagPolicy",
            &at.scope,
        )
    }

    async fn untag(&self, at: &At, id: &str, keys: &[String]) -> Result<String, AwsFailure> {
        answered(
            at.iam()
                .await
                .untag_policy()
                .policy_arn(arn(&at.scope, id))
                .set_tag_keys(Some(keys.to_vec()))
                .send()
                .await,
            "iam:UntagPolicy",
            &at.scope,
        )
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
                Ok(reply(&document(&at, &arn(&at.scope, id)).await?))
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

    fn plan(&self, request: KindRequest) -> Result<Plan, AppError> {
        match request.action.as_str() {
            "create" => Self::plan_create(form_of(&request)?),
            "delete-version" => Self::plan_delete_version(&request),
            _ => Err(unknown_action(&request)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_refusals_say_what_to_do() {
        let refused = |code: &str| AwsFailure {
            error: AppError::unavailable("AWS said: Syntax errors in policy."),
            code: code.into(),
            request_id: "r-1".into(),
        };
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
    fn ids_map_back_to_the_arn_exactly() {
        let scope = Scope::new("prod", "123456789012", GLOBAL_REGION);
        for policy_arn in [
            "arn:aws:iam::123456789012:policy/s3-backup-writer",
            "arn:aws:iam::123456789012:policy/backup/team/s3-backup-writer",
        ] {
            assert_eq!(arn(&scope, id_of(policy_arn)), policy_arn);
        }
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
