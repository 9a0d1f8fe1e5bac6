//! An account at organisation scale, added to the demo by `--scale`: 1,000 customer managed
//! policies and 300 instance profiles, every one tagged, so that the demo and the benchmark can
//! show how few AWS calls a sync of such an account makes (`docs/performance.md`).
//!
//! Names, paths, tags and versions are the same on every run. Every tenth policy has a second
//! version (the default), so that documents and versions are more than one per policy; every
//! third profile holds the account's workload role.

use chrono::{DateTime, Duration, Utc};

use super::{tags, CONSOLE_ROLE};
use crate::ids;
use crate::services::iam::model::{
    IamState, InstanceProfile, ManagedPolicy, PolicyVersions, Role, DEFAULT_TRUST_POLICY,
};
use crate::state::World;

/// The account `--scale` adds (beside the demo's prod and dev accounts).
pub const SCALE_ACCOUNT: &str = "345678901234";
pub const SCALE_POLICIES: usize = 1_000;
pub const SCALE_INSTANCE_PROFILES: usize = 300;
/// The role every third instance profile holds.
pub const WORKLOAD_ROLE: &str = "fleet-worker";
const ENVIRONMENT: &str = "scale";

/// The policy of index `i` (0-based): `scale-policy-0042` under `/teams/TEAM/`.
pub fn policy_name(i: usize) -> String {
    format!("scale-policy-{i:04}")
}

/// The instance profile of index `i` (0-based): `scale-profile-042`.
pub fn instance_profile_name(i: usize) -> String {
    format!("scale-profile-{i:03}")
}

/// Adds [`SCALE_ACCOUNT`] with its policies, instance profiles, the workload role and the role
/// trustdesk assumes ([`CONSOLE_ROLE`]).
pub fn seed(world: &mut World) {
    let now = world.now();
    let iam = &mut world.account(SCALE_ACCOUNT).iam;
    iam.ensure_role(SCALE_ACCOUNT, CONSOLE_ROLE, now);
    workload_role(iam, now);
    for i in 0..SCALE_POLICIES {
        let policy = policy(i, now);
        iam.policies.insert(policy.name.to_lowercase(), policy);
    }
    for i in 0..SCALE_INSTANCE_PROFILES {
        let profile = instance_profile(i, now);
        iam.instance_profiles
            .insert(profile.name.to_lowercase(), profile);
    }
}

fn workload_role(iam: &mut IamState, now: DateTime<Utc>) {
    let arn = format!("arn:aws:iam::{SCALE_ACCOUNT}:role/{WORKLOAD_ROLE}");
    iam.roles.insert(
        WORKLOAD_ROLE.to_lowercase(),
        Role {
            id: ids::stable_iam_id("AROA", &arn),
            arn,
            name: WORKLOAD_ROLE.to_string(),
            path: "/".to_string(),
            trust_policy: DEFAULT_TRUST_POLICY.to_string(),
            description: Some("The fleet's EC2 instances".to_string()),
            max_session_duration: 3600,
            created: now - Duration::days(400),
            tags: tags(0, ENVIRONMENT),
            attached_policies: Vec::new(),
        },
    );
}

fn document(i: usize, action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"arn:aws:s3:::scale-bucket-{i:04}/*"}}]}}"#
    )
}

fn policy(i: usize, now: DateTime<Utc>) -> ManagedPolicy {
    let team = ["platform", "payments", "identity", "data", "security"][i % 5];
    let path = format!("/teams/{team}/");
    let name = policy_name(i);
    let arn = format!("arn:aws:iam::{SCALE_ACCOUNT}:policy{path}{name}");
    let created = now - Duration::days(300 + (i % 200) as i64);
    let mut versions = PolicyVersions::new(&document(i, "s3:GetObject"), created);
    if i.is_multiple_of(10) {
        versions
            .add(
                &document(i, "s3:PutObject"),
                created + Duration::days(30),
                true,
            )
            .expect("a second version fits");
    }
    ManagedPolicy {
        id: ids::stable_iam_id("ANPA", &arn),
        arn,
        name,
        path,
        description: Some(format!("Access to scale-bucket-{i:04} for the {team} team")),
        versions,
        created,
        tags: tags(i, ENVIRONMENT),
    }
}

fn instance_profile(i: usize, now: DateTime<Utc>) -> InstanceProfile {
    let name = instance_profile_name(i);
    let arn = format!("arn:aws:iam::{SCALE_ACCOUNT}:instance-profile/{name}");
    InstanceProfile {
        id: ids::stable_iam_id("AIPA", &arn),
        arn,
        name,
        path: "/".to_string(),
        created: now - Duration::days(200 + (i % 100) as i64),
        role: i.is_multiple_of(3).then(|| WORKLOAD_ROLE.to_string()),
        tags: tags(i + 1, ENVIRONMENT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_account_holds_every_policy_and_profile_tagged() {
        let mut world = World::default();
        seed(&mut world);
        let iam = &world.account(SCALE_ACCOUNT).iam;
        assert_eq!(iam.policies.len(), SCALE_POLICIES);
        assert_eq!(iam.instance_profiles.len(), SCALE_INSTANCE_PROFILES);
        assert!(iam.policies.values().all(|p| p.tags.len() == 4));
        assert!(iam.instance_profiles.values().all(|p| p.tags.len() == 4));
        let versioned = iam
            .policies
            .values()
            .filter(|p| p.versions.all().len() == 2);
        assert_eq!(versioned.count(), SCALE_POLICIES / 10);
        assert!(iam.roles.contains_key(&CONSOLE_ROLE.to_lowercase()));
        let holding = iam.instance_profiles.values().filter(|p| p.role.is_some());
        assert_eq!(holding.count(), SCALE_INSTANCE_PROFILES / 3);
    }
}
