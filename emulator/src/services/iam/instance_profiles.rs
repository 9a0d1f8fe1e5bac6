//! Instance profiles and the role each holds.

use super::model::InstanceProfile;
use super::{
    already_exists, delete_conflict, iam_page, limit_exceeded, no_such_entity, render, result,
    truncation, Call, Output,
};
use crate::tags::KeyCase;

impl Call<'_> {
    pub(super) fn create_instance_profile(self) -> Output {
        let name = self.input.name("InstanceProfileName", 128)?;
        let path = self.input.path("Path")?;
        let tags = self.input.tags(KeyCase::Sensitive)?;
        if self
            .iam
            .instance_profiles
            .contains_key(&name.to_lowercase())
        {
            return Err(already_exists(format!(
                "Instance Profile {name} already exists."
            )));
        }
        let profile = InstanceProfile {
            arn: format!("arn:aws:iam::{}:instance-profile{path}{name}", self.account),
            name: name.clone(),
            id: crate::ids::iam_unique_id("AIPA"),
            path,
            created: self.now,
            role: None,
            tags,
        };
        let out = result(|x| {
            x.el("InstanceProfile", |x| {
                render::instance_profile(x, &profile, self.iam)
            });
        });
        self.iam
            .instance_profiles
            .insert(name.to_lowercase(), profile);
        out
    }

    pub(super) fn get_instance_profile(self) -> Output {
        let name = self.input.name("InstanceProfileName", 128)?;
        let profile = self.iam.instance_profile(&name)?;
        result(|x| {
            x.el("InstanceProfile", |x| {
                render::instance_profile(x, profile, self.iam)
            });
        })
    }

    pub(super) fn list_instance_profiles(self) -> Output {
        let prefix = self.input.path_prefix()?;
        let profiles: Vec<InstanceProfile> = self
            .iam
            .instance_profiles
            .values()
            .filter(|p| p.path.starts_with(&prefix))
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

    pub(super) fn delete_instance_profile(self) -> Output {
        let name = self.input.name("InstanceProfileName", 128)?;
        let profile = self.iam.instance_profile(&name)?;
        if profile.role.is_some() {
            return Err(delete_conflict(
                "Cannot delete entity, must remove roles from instance profile first.",
            ));
        }
        self.iam.instance_profiles.remove(&name.to_lowercase());
        Ok(None)
    }

    pub(super) fn add_role_to_instance_profile(self) -> Output {
        let profile_name = self.input.name("InstanceProfileName", 128)?;
        let role_name = self.input.name("RoleName", 64)?;
        let role = self.iam.role(&role_name)?.name.clone();
        let profile = self.iam.instance_profile_mut(&profile_name)?;
        if profile.role.is_some() {
            return Err(limit_exceeded(
                "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
            ));
        }
        profile.role = Some(role);
        Ok(None)
    }

    pub(super) fn remove_role_from_instance_profile(self) -> Output {
        let profile_name = self.input.name("InstanceProfileName", 128)?;
        let role_name = self.input.name("RoleName", 64)?;
        let role = self.iam.role(&role_name)?.name.clone();
        let profile = self.iam.instance_profile_mut(&profile_name)?;
        if profile.role.as_deref() != Some(role.as_str()) {
            return Err(no_such_entity(format!(
                "Role {role} in Instance Profile {} cannot be found.",
                profile.name
            )));
        }
        profile.role = None;
        Ok(None)
    }
}
