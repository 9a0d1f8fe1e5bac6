//! Roles and the managed policies attached to them.

use super::model::{InstanceProfile, Role, MAX_POLICIES_PER_ROLE};
use super::policies::check_policy_document;
use super::{
    already_exists, delete_conflict, iam_page, limit_exceeded, no_such_entity, render, result,
    truncation, Call, Output,
};
use crate::tags::KeyCase;

impl Call<'_> {
    pub(super) fn create_role(self) -> Output {
        let name = self.input.name("RoleName", 64)?;
        let path = self.input.path("Path")?;
        let trust = self.input.required("AssumeRolePolicyDocument")?;
        self.input
            .length("AssumeRolePolicyDocument", trust, 1, 131_072)?;
        check_policy_document(trust)?;
        let description = self.input.optional("Description");
        if let Some(description) = description {
            self.input.length("Description", description, 0, 1000)?;
        }
        let max_session = self
            .input
            .int("MaxSessionDuration", 3600, 43200)?
            .unwrap_or(3600);
        let tags = self.input.tags(KeyCase::Insensitive)?;
        if self.iam.roles.contains_key(&name.to_lowercase()) {
            return Err(already_exists(format!(
                "Role with name {name} already exists."
            )));
        }
        let role = Role {
            arn: format!("arn:aws:iam::{}:role{path}{name}", self.account),
            name: name.clone(),
            id: crate::ids::iam_unique_id("AROA"),
            path,
            trust_policy: trust.to_string(),
            description: description.map(str::to_string),
            max_session_duration: max_session,
            created: self.now,
            tags,
            attached_policies: Vec::new(),
        };
        let out = result(|x| {
            x.el("Role", |x| render::role(x, &role));
        });
        self.iam.roles.insert(name.to_lowercase(), role);
        out
    }

    pub(super) fn get_role(self) -> Output {
        let name = self.input.name("RoleName", 64)?;
        let role = self.iam.role(&name)?;
        result(|x| {
            x.el("Role", |x| render::role(x, role));
        })
    }

    pub(super) fn delete_role(self) -> Output {
        let name = self.input.name("RoleName", 64)?;
        let role = self.iam.role(&name)?.name.clone();
        if self
            .iam
            .instance_profiles
            .values()
            .any(|p| p.role.as_deref() == Some(role.as_str()))
        {
            return Err(delete_conflict(
                "Cannot delete entity, must remove roles from instance profile first.",
            ));
        }
        if !self.iam.role(&role)?.attached_policies.is_empty() {
            return Err(delete_conflict(
                "Cannot delete entity, must detach all policies first.",
            ));
        }
        self.iam.roles.remove(&role.to_lowercase());
        Ok(None)
    }

    pub(super) fn list_roles(self) -> Output {
        let prefix = self.input.path_prefix()?;
        let roles: Vec<(&String, &Role)> = self
            .iam
            .roles
            .iter()
            .filter(|(_, r)| r.path.starts_with(&prefix))
            .collect();
        let page = iam_page(roles, |(key, _)| (*key).clone(), &self.input)?;
        result(|x| {
            x.list("Roles", "member", &page.items, |x, (_, role)| {
                render::role_listed(x, role)
            });
            truncation(x, page.next);
        })
    }

    pub(super) fn attach_role_policy(self) -> Output {
        let name = self.input.name("RoleName", 64)?;
        let arn = self.policy_arn()?;
        self.iam.role(&name)?;
        self.iam.readable_policy(arn)?;
        let role = self.iam.role_mut(&name)?;
        if role.attached_policies.iter().any(|a| a == arn) {
            return Ok(None);
        }
        if role.attached_policies.len() >= MAX_POLICIES_PER_ROLE {
            return Err(limit_exceeded(format!(
                "Cannot exceed quota for PoliciesPerRole: {MAX_POLICIES_PER_ROLE}"
            )));
        }
        role.attached_policies.push(arn.to_string());
        Ok(None)
    }

    pub(super) fn detach_role_policy(self) -> Output {
        let name = self.input.name("RoleName", 64)?;
        let arn = self.policy_arn()?;
        let role = self.iam.role_mut(&name)?;
        let before = role.attached_policies.len();
        role.attached_policies.retain(|a| a != arn);
        if role.attached_policies.len() == before {
            return Err(no_such_entity(format!("Policy {arn} was not found.")));
        }
        Ok(None)
    }

    pub(super) fn list_attached_role_policies(self) -> Output {
        let name = self.input.name("RoleName", 64)?;
        let prefix = self.input.path_prefix()?;
        let role = self.iam.role(&name)?;
        let attached: Vec<(String, &String)> = role
            .attached_policies
            .iter()
            .enumerate()
            .filter(|(_, arn)| {
                self.iam
                    .readable_policy(arn)
                    .is_ok_and(|p| p.path.starts_with(&prefix))
            })
            .map(|(i, arn)| (format!("{i:04}"), arn))
            .collect();
        let page = iam_page(attached, |(key, _)| key.clone(), &self.input)?;
        result(|x| {
            x.list("AttachedPolicies", "member", &page.items, |x, (_, arn)| {
                render::attached_policy(x, arn)
            });
            truncation(x, page.next);
        })
    }

    pub(super) fn list_instance_profiles_for_role(self) -> Output {
        let name = self.input.name("RoleName", 64)?;
        let role = self.iam.role(&name)?.name.clone();
        let profiles: Vec<InstanceProfile> = self
            .iam
            .instance_profiles
            .values()
            .filter(|p| p.role.as_deref() == Some(role.as_str()))
            .cloned()
            .collect();
        let page = iam_page(profiles, |p| p.name.to_lowercase(), &self.input)?;
        let iam = &*self.iam;
        result(|x| {
            x.list("InstanceProfiles", "member", &page.items, |x, p| {
                render::instance_profile(x, p, iam)
            });
            truncation(x, page.next);
        })
    }
}
