//! Managed policies: customer managed ones in the account and AWS's own.

use super::model::{aws_managed_policies, ManagedPolicy};
use super::{already_exists, iam_page, render, result, truncation, Call, Output};
use crate::error::{ApiError, ApiResult};

impl Call<'_> {
    pub(super) fn create_policy(self) -> Output {
        let name = self.input.name("PolicyName", 128)?;
        let path = self.input.path("Path")?;
        let document = self.input.required("PolicyDocument")?;
        self.input.length("PolicyDocument", document, 1, 131_072)?;
        check_policy_document(document)?;
        let description = self.input.optional("Description");
        if let Some(description) = description {
            self.input.length("Description", description, 0, 1000)?;
        }
        let tags = self.input.tags()?;
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
            document: document.to_string(),
            created: self.now,
            tags,
        };
        let out = result(|x| {
            x.el("Policy", |x| render::policy(x, &policy, true));
        });
        self.iam.policies.insert(name.to_lowercase(), policy);
        out
    }

    pub(super) fn policy_arn(&self) -> ApiResult<&str> {
        let arn = self.input.required("PolicyArn")?;
        self.input.length("PolicyArn", arn, 20, 2048)?;
        Ok(arn)
    }

    pub(super) fn get_policy(self) -> Output {
        let arn = self.policy_arn()?;
        if let Some(policy) = aws_managed_policies(self.now)
            .into_iter()
            .find(|p| p.arn == arn)
        {
            return result(|x| {
                x.el("Policy", |x| render::policy(x, &policy, true));
            });
        }
        let policy = self.iam.policy_by_arn(arn)?;
        result(|x| {
            x.el("Policy", |x| render::policy(x, policy, true));
        })
    }

    pub(super) fn list_policies(self) -> Output {
        let scope = self
            .input
            .one_of("Scope", &["All", "AWS", "Local"])?
            .unwrap_or("All");
        let only_attached = self.input.bool("OnlyAttached")?.unwrap_or(false);
        self.input.one_of(
            "PolicyUsageFilter",
            &["PermissionsPolicy", "PermissionsBoundary"],
        )?;
        let prefix = self.input.path_prefix()?;
        let aws_managed = if scope == "Local" {
            Vec::new()
        } else {
            aws_managed_policies(self.now)
        };
        let local = self.iam.policies.values().filter(|_| scope != "AWS");
        // Nothing is attached in the emulator: no users, groups or role attachments exist.
        let mut policies: Vec<(String, &ManagedPolicy)> = aws_managed
            .iter()
            .chain(local)
            .filter(|p| p.path.starts_with(&prefix) && !only_attached)
            .map(|p| (policy_sort_key(p), p))
            .collect();
        policies.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let page = iam_page(policies, |(key, _)| key.clone(), &self.input)?;
        result(|x| {
            x.list("Policies", "member", &page.items, |x, (_, p)| {
                render::policy(x, p, false)
            });
            truncation(x, page.next);
        })
    }

    pub(super) fn delete_policy(self) -> Output {
        let arn = self.policy_arn()?.to_string();
        let key = self.iam.policy_by_arn(&arn)?.name.to_lowercase();
        self.iam.policies.remove(&key);
        Ok(None)
    }
}

pub(super) fn policy_sort_key(policy: &ManagedPolicy) -> String {
    format!("{}\u{1}{}", policy.name.to_lowercase(), policy.arn)
}

/// IAM refuses documents that are not JSON objects with a `Statement`.
pub(super) fn check_policy_document(document: &str) -> ApiResult<()> {
    let malformed = |why: &str| {
        ApiError::bad_request(
            "MalformedPolicyDocument",
            format!("Syntax errors in policy: {why}"),
        )
    };
    let value: serde_json::Value =
        serde_json::from_str(document).map_err(|e| malformed(&e.to_string()))?;
    let object = value
        .as_object()
        .ok_or_else(|| malformed("the policy must be a JSON object"))?;
    if !object.contains_key("Statement") {
        return Err(malformed("missing required field Statement"));
    }
    Ok(())
}
