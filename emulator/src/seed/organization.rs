//! The demo's organization (AWS Organizations): prod manages it; dev and a sandbox account in
//! the Workloads OU can be entered with the console's role; in the Security OU an audit account
//! that cannot (no role, so AssumeRole is refused) and a suspended legacy account, which a
//! console should pass over. Ids are fixed so the console's demo wiring and tests can name them.
//!
//! ```text
//! r-7bq2 Root
//! ├── 123456789012 prod (management)
//! ├── ou-7bq2-s3c9xk1m Security
//! │   ├── 444444444444 audit   (no role)
//! │   └── 555555555555 legacy  (SUSPENDED)
//! └── ou-7bq2-w8l4pz2d Workloads
//!     ├── 210987654321 dev
//!     └── 333333333333 sandbox (empty)
//! ```

use chrono::{DateTime, Duration, Utc};

use super::{DEV_ACCOUNT, PROD_ACCOUNT};
use crate::services::organizations::members::{join, NewMember};
use crate::services::organizations::model::{
    email_for, AccountState, JoinedMethod, Member, Organization, Unit,
};
use crate::state::World;

pub const ORGANIZATION_ID: &str = "o-k3x9d2q7mw";
pub const ROOT_ID: &str = "r-7bq2";
pub const SECURITY_OU: &str = "ou-7bq2-s3c9xk1m";
pub const WORKLOADS_OU: &str = "ou-7bq2-w8l4pz2d";
/// In Workloads, with the console's role and nothing else.
pub const SANDBOX_ACCOUNT: &str = "333333333333";
/// In Security, without the console's role: AssumeRole into it is refused.
pub const AUDIT_ACCOUNT: &str = "444444444444";
/// In Security, suspended (it keeps the console's role).
pub const LEGACY_ACCOUNT: &str = "555555555555";

pub fn seed(world: &mut World, now: DateTime<Utc>) {
    let days_ago = |days| now - Duration::days(days);
    let mut organization = Organization::new(
        ORGANIZATION_ID,
        ROOT_ID,
        Member {
            id: PROD_ACCOUNT.to_string(),
            name: "prod".to_string(),
            email: email_for("prod"),
            state: AccountState::Active,
            parent: ROOT_ID.to_string(),
            joined_method: JoinedMethod::Invited,
            joined: days_ago(1_200),
        },
    );
    for (id, name) in [(SECURITY_OU, "Security"), (WORKLOADS_OU, "Workloads")] {
        organization.units.insert(
            id.to_string(),
            Unit {
                id: id.to_string(),
                name: name.to_string(),
                parent: ROOT_ID.to_string(),
            },
        );
    }
    world.organization = Some(organization);

    // Created in the organization, under `parent`, with the console's role; the exceptions
    // are spelled out below.
    let member = |id: &str, name: &str, parent: &str, days| NewMember {
        id: Some(id.to_string()),
        parent: Some(parent.to_string()),
        role: true,
        joined: days_ago(days),
        ..NewMember::created(name, now)
    };
    let members = [
        NewMember {
            joined_method: JoinedMethod::Invited,
            ..member(DEV_ACCOUNT, "dev", WORKLOADS_OU, 900)
        },
        member(SANDBOX_ACCOUNT, "sandbox", WORKLOADS_OU, 200),
        NewMember {
            role: false,
            ..member(AUDIT_ACCOUNT, "audit", SECURITY_OU, 600)
        },
        NewMember {
            state: AccountState::Suspended,
            ..member(LEGACY_ACCOUNT, "legacy", SECURITY_OU, 1_500)
        },
    ];
    for new in members {
        let name = new.name.clone();
        if let Err(error) = join(world, new) {
            // The ids above are fixed and distinct; a refusal is a mistake in this table.
            panic!("the demo organization's {name}: {error}");
        }
    }
}
