//! GetAccountAuthorizationDetails: one snapshot of the account's roles and policies.

use super::model::{aws_managed_policies, ManagedPolicy, Role};
use super::policies::policy_sort_key;
use super::{iam_page, render, result, truncation, validation, Call, Output};

impl Call<'_> {
    pub(super) fn get_account_authorization_details(self) -> Output {
        const FILTERS: [&str; 5] = [
            "User",
            "Role",
            "Group",
            "LocalManagedPolicy",
            "AWSManagedPolicy",
        ];
        let filters = self.input.string_list("Filter");
        for (i, filter) in filters.iter().enumerate() {
            if !FILTERS.contains(&filter.as_str()) {
                return Err(validation(
                    filter,
                    &format!("filter.{}.member", i + 1),
                    &format!(
                        "Member must satisfy enum value set: [{}]",
                        FILTERS.join(", ")
                    ),
                ));
            }
        }
        let wants = |kind: &str| filters.is_empty() || filters.iter().any(|f| f == kind);
        // One ordered list across kinds, so a marker can resume in the middle of any of them.
        let mut entries: Vec<(String, AuthorizationEntry)> = Vec::new();
        if wants("Role") {
            entries.extend(self.iam.roles.values().map(|r| {
                (
                    format!("1:{}", r.name.to_lowercase()),
                    AuthorizationEntry::Role(r),
                )
            }));
        }
        if wants("LocalManagedPolicy") {
            entries.extend(self.iam.policies.values().map(|p| {
                (
                    format!("2:{}", policy_sort_key(p)),
                    AuthorizationEntry::Policy(p),
                )
            }));
        }
        if wants("AWSManagedPolicy") {
            entries.extend(aws_managed_policies().iter().map(|p| {
                (
                    format!("3:{}", policy_sort_key(p)),
                    AuthorizationEntry::Policy(p),
                )
            }));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let page = iam_page(entries, |(key, _)| key.clone(), &self.input)?;
        let iam = &*self.iam;
        result(|x| {
            x.el("UserDetailList", |_| {}).el("GroupDetailList", |_| {});
            let roles: Vec<&Role> = page
                .items
                .iter()
                .filter_map(|(_, e)| match e {
                    AuthorizationEntry::Role(r) => Some(*r),
                    _ => None,
                })
                .collect();
            x.list("RoleDetailList", "member", &roles, |x, role| {
                render::role_detail(x, role, iam)
            });
            let policies: Vec<&ManagedPolicy> = page
                .items
                .iter()
                .filter_map(|(_, e)| match e {
                    AuthorizationEntry::Policy(p) => Some(*p),
                    _ => None,
                })
                .collect();
            x.list("Policies", "member", &policies, |x, policy| {
                render::policy_detail(x, policy, iam.attachment_count(&policy.arn))
            });
            truncation(x, page.next);
        })
    }
}

pub(super) enum AuthorizationEntry<'a> {
    Role(&'a Role),
    Policy(&'a ManagedPolicy),
}
