//! Managed policies, customer managed and AWS's own, and their versions: at most five, one the
//! default; a policy is deleted only once detached and down to its default version.

use super::model::{
    aws_managed_policies, is_aws_managed_arn, ManagedPolicy, PolicyVersion, PolicyVersions, Role,
    VersionError, MAX_POLICY_VERSIONS,
};
use super::{
    already_exists, delete_conflict, iam_page, invalid_input, limit_exceeded, no_such_entity,
    render, result, truncation, validation, Call, Output,
};
use crate::error::{ApiError, ApiResult};
use crate::tags::KeyCase;

impl<'a> Call<'a> {
    pub(super) fn create_policy(self) -> Output {
        let name = self.input.name("PolicyName", 128)?;
        let path = self.input.path("Path")?;
        let document = self.policy_document()?;
        let description = self.input.optional("Description");
        if let Some(description) = description {
            self.input.length("Description", description, 0, 1000)?;
        }
        let tags = self.input.tags(KeyCase::Sensitive)?;
        if self.iam.policies.contains_key(&name.to_lowercase()) {
            return Err(already_exists(format!(
                "A policy called {name} already exists. Duplicate names are not allowed."
            )));
        }
        let policy = ManagedPolicy {
            arn: format!("arn:aws:iam::{}:policy{path}{name}", self.account),
            name: name.clone(),
            id: crate::ids::iam_unique_id("ANPA"),
            path,
            description: description.map(str::to_string),
            versions: PolicyVersions::new(document, self.now),
            created: self.now,
            tags,
        };
        let out = result(|x| {
            x.el("Policy", |x| render::policy(x, &policy, 0, true));
        });
        self.iam.policies.insert(name.to_lowercase(), policy);
        out
    }

    fn policy_document(&self) -> ApiResult<&'a str> {
        let document = self.input.required("PolicyDocument")?;
        self.input.length("PolicyDocument", document, 1, 131_072)?;
        check_identity_policy_document(document)?;
        Ok(document)
    }

    pub(super) fn policy_arn(&self) -> ApiResult<&'a str> {
        let arn = self.input.required("PolicyArn")?;
        self.input.length("PolicyArn", arn, 20, 2048)?;
        Ok(arn)
    }

    /// `v1`, `v2`, … (IAM's pattern also allows a `.suffix`).
    fn version_id(&self) -> ApiResult<&'a str> {
        let id = self.input.required("VersionId")?;
        let well_formed = id.strip_prefix('v').is_some_and(|rest| {
            let (number, suffix) = rest.split_once('.').unwrap_or((rest, ""));
            number.starts_with(|c: char| ('1'..='9').contains(&c))
                && number.chars().all(|c| c.is_ascii_digit())
                && suffix
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        if !well_formed {
            return Err(validation(
                id,
                "VersionId",
                "Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?",
            ));
        }
        Ok(id)
    }

    /// A customer managed policy of this account that a request may change.
    fn own_policy_mut(&mut self, arn: &str) -> ApiResult<&mut ManagedPolicy> {
        if is_aws_managed_arn(arn) {
            return Err(invalid_input(format!(
                "Policy {arn} is an AWS managed policy and cannot be modified."
            )));
        }
        self.iam.policy_by_arn_mut(arn)
    }

    pub(super) fn get_policy(self) -> Output {
        let arn = self.policy_arn()?;
        let policy = self.iam.readable_policy(arn)?;
        let attachments = self.iam.attachment_count(arn);
        result(|x| {
            x.el("Policy", |x| render::policy(x, policy, attachments, true));
        })
    }

    pub(super) fn list_policies(self) -> Output {
        let scope = self
            .input
            .one_of("Scope", &["All", "AWS", "Local"])?
            .unwrap_or("All");
        let only_attached = self.input.bool("OnlyAttached")?.unwrap_or(false);
        let usage = self.input.one_of(
            "PolicyUsageFilter",
            &["PermissionsPolicy", "PermissionsBoundary"],
        )?;
        let prefix = self.input.path_prefix()?;
        let aws_managed = aws_managed_policies().iter().filter(|_| scope != "Local");
        let local = self.iam.policies.values().filter(|_| scope != "AWS");
        let mut policies: Vec<(String, &ManagedPolicy, usize)> = aws_managed
            .chain(local)
            .filter(|p| p.path.starts_with(&prefix))
            .map(|p| (policy_sort_key(p), p, self.iam.attachment_count(&p.arn)))
            // Permissions boundaries are not emulated: no policy is in use as one.
            .filter(|(_, _, attachments)| {
                usage != Some("PermissionsBoundary") && (!only_attached || *attachments > 0)
            })
            .collect();
        policies.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let page = iam_page(policies, |(key, _, _)| key.clone(), &self.input)?;
        result(|x| {
            x.list(
                "Policies",
                "member",
                &page.items,
                |x, (_, p, attachments)| render::policy(x, p, *attachments, false),
            );
            truncation(x, page.next);
        })
    }

    pub(super) fn delete_policy(mut self) -> Output {
        let arn = self.policy_arn()?;
        let attachments = self.iam.attachment_count(arn);
        let policy = self.own_policy_mut(arn)?;
        if attachments > 0 {
            return Err(delete_conflict(
                "Cannot delete a policy attached to entities.",
            ));
        }
        if policy.versions.all().len() > 1 {
            return Err(delete_conflict(
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
            ));
        }
        let key = policy.name.to_lowercase();
        self.iam.policies.remove(&key);
        Ok(None)
    }

    // Versions

    pub(super) fn get_policy_version(self) -> Output {
        let arn = self.policy_arn()?;
        let id = self.version_id()?;
        let policy = self.iam.readable_policy(arn)?;
        let version = policy
            .versions
            .get(id)
            .ok_or_else(|| version_not_found(arn, id))?;
        result(|x| {
            x.el("PolicyVersion", |x| {
                render::policy_version(x, policy, version, true)
            });
        })
    }

    pub(super) fn list_policy_versions(self) -> Output {
        let arn = self.policy_arn()?;
        let policy = self.iam.readable_policy(arn)?;
        // Newest first, as IAM lists them.
        let mut versions: Vec<(u32, &PolicyVersion)> = policy
            .versions
            .all()
            .iter()
            .map(|v| (version_number(&v.id), v))
            .collect();
        versions.sort_by_key(|(number, _)| std::cmp::Reverse(*number));
        let page = iam_page(
            versions,
            |(number, _)| format!("{:010}", u32::MAX - number),
            &self.input,
        )?;
        result(|x| {
            x.list("Versions", "member", &page.items, |x, (_, version)| {
                render::policy_version(x, policy, version, false)
            });
            truncation(x, page.next);
        })
    }

    pub(super) fn create_policy_version(mut self) -> Output {
        let arn = self.policy_arn()?;
        let document = self.policy_document()?;
        let set_as_default = self.input.bool("SetAsDefault")?.unwrap_or(false);
        let now = self.now;
        let policy = self.own_policy_mut(arn)?;
        let version = policy
            .versions
            .add(document, now, set_as_default)
            .map_err(|_| {
                limit_exceeded(format!(
                    "A managed policy can have up to {MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version."
                ))
            })?
            .clone();
        let policy = &*policy;
        result(|x| {
            x.el("PolicyVersion", |x| {
                render::policy_version(x, policy, &version, false)
            });
        })
    }

    pub(super) fn delete_policy_version(mut self) -> Output {
        let arn = self.policy_arn()?;
        let id = self.version_id()?;
        let policy = self.own_policy_mut(arn)?;
        policy.versions.remove(id).map_err(|e| match e {
            VersionError::IsDefault => {
                delete_conflict("Cannot delete the default version of a policy.")
            }
            _ => version_not_found(arn, id),
        })?;
        Ok(None)
    }

    pub(super) fn set_default_policy_version(mut self) -> Output {
        let arn = self.policy_arn()?;
        let id = self.version_id()?;
        let policy = self.own_policy_mut(arn)?;
        policy
            .versions
            .set_default(id)
            .map_err(|_| version_not_found(arn, id))?;
        Ok(None)
    }

    // Who uses a policy

    pub(super) fn list_entities_for_policy(self) -> Output {
        let arn = self.policy_arn()?;
        let filter = self.input.one_of(
            "EntityFilter",
            &[
                "User",
                "Role",
                "Group",
                "LocalManagedPolicy",
                "AWSManagedPolicy",
            ],
        )?;
        let usage = self.input.one_of(
            "PolicyUsageFilter",
            &["PermissionsPolicy", "PermissionsBoundary"],
        )?;
        let prefix = self.input.path("PathPrefix")?;
        self.iam.readable_policy(arn)?;
        // Only roles take managed policies in the emulator, and only as permissions policies.
        let wants_roles =
            matches!(filter, None | Some("Role")) && usage != Some("PermissionsBoundary");
        let roles: Vec<(String, &Role)> = self
            .iam
            .roles
            .iter()
            .filter(|(_, r)| wants_roles && r.path.starts_with(&prefix))
            .filter(|(_, r)| r.attached_policies.iter().any(|a| a == arn))
            .map(|(key, r)| (key.clone(), r))
            .collect();
        let page = iam_page(roles, |(key, _)| key.clone(), &self.input)?;
        result(|x| {
            x.el("PolicyGroups", |_| {}).el("PolicyUsers", |_| {}).list(
                "PolicyRoles",
                "member",
                &page.items,
                |x, (_, role)| {
                    x.text("RoleName", &role.name).text("RoleId", &role.id);
                },
            );
            truncation(x, page.next);
        })
    }
}

fn version_not_found(arn: &str, id: &str) -> ApiError {
    no_such_entity(format!(
        "Policy {arn} version {id} does not exist or is not attachable."
    ))
}

/// `v12` → 12; ids with a suffix sort by their number.
fn version_number(id: &str) -> u32 {
    id.trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

pub(super) fn policy_sort_key(policy: &ManagedPolicy) -> String {
    format!("{}\u{1}{}", policy.name.to_lowercase(), policy.arn)
}

/// IAM refuses documents that are not JSON objects with a `Statement`.
pub(super) fn check_policy_document(document: &str) -> ApiResult<()> {
    statements(document).map(|_| ())
}

/// An identity (managed) policy: besides [`check_policy_document`], IAM's grammar for each
/// statement. No `Principal` or `NotPrincipal` (the principal is whoever the policy is attached
/// to), an `Effect` of `Allow` or `Deny`, and an `Action` or `NotAction` and a `Resource` or
/// `NotResource`, each with IAM's message.
pub(super) fn check_identity_policy_document(document: &str) -> ApiResult<()> {
    for statement in statements(document)? {
        let statement = statement
            .as_object()
            .ok_or_else(|| malformed("Syntax errors in policy."))?;
        let has = |field: &str| statement.contains_key(field);
        if has("Principal") || has("NotPrincipal") {
            return Err(malformed("Policy document should not specify a principal."));
        }
        match statement.get("Effect").and_then(|effect| effect.as_str()) {
            Some("Allow" | "Deny") => {}
            _ => return Err(malformed("Syntax errors in policy.")),
        }
        if has("Action") && has("NotAction") || has("Resource") && has("NotResource") {
            return Err(malformed("Syntax errors in policy."));
        }
        if !has("Action") && !has("NotAction") {
            return Err(malformed("Policy statement must contain actions."));
        }
        if !has("Resource") && !has("NotResource") {
            return Err(malformed("Policy statement must contain resources."));
        }
    }
    Ok(())
}

fn malformed(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("MalformedPolicyDocument", message)
}

/// The statements of a document that parses as a JSON object with a `Statement` (one statement
/// or a list of them).
fn statements(document: &str) -> ApiResult<Vec<serde_json::Value>> {
    let syntax = |why: &str| malformed(format!("Syntax errors in policy: {why}"));
    let value: serde_json::Value =
        serde_json::from_str(document).map_err(|e| syntax(&e.to_string()))?;
    let mut object = match value {
        serde_json::Value::Object(object) => object,
        _ => return Err(syntax("the policy must be a JSON object")),
    };
    match object.remove("Statement") {
        None => Err(syntax("missing required field Statement")),
        Some(serde_json::Value::Array(statements)) => Ok(statements),
        Some(statement) => Ok(vec![statement]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(document: &str) -> (String, String) {
        let error = check_identity_policy_document(document).unwrap_err();
        (error.code, error.message)
    }

    #[test]
    fn identity_policies_follow_iam_grammar() {
        assert!(check_identity_policy_document(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:s3:::b"}}"#
        )
        .is_ok());
        for (statement, message) in [
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}"#,
                "Policy document should not specify a principal.",
            ),
            (
                r#"{"Effect":"Allow","NotPrincipal":{"AWS":"x"},"Action":"s3:*","Resource":"*"}"#,
                "Policy document should not specify a principal.",
            ),
            (
                r#"{"Effect":"Allow","Action":"s3:*"}"#,
                "Policy statement must contain resources.",
            ),
            (
                r#"{"Effect":"Allow","Resource":"*"}"#,
                "Policy statement must contain actions.",
            ),
            (
                r#"{"Effect":"allowX","Action":"s3:*","Resource":"*"}"#,
                "Syntax errors in policy.",
            ),
            (
                r#"{"Action":"s3:*","Resource":"*"}"#,
                "Syntax errors in policy.",
            ),
        ] {
            let document = format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#);
            assert_eq!(
                refusal(&document),
                ("MalformedPolicyDocument".to_string(), message.to_string()),
                "{statement}"
            );
        }
    }

    #[test]
    fn trust_policies_keep_their_principal() {
        assert!(check_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
        )
        .is_ok());
    }
}
