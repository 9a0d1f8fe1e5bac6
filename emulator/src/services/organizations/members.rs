//! Accounts joining the organization together with what AWS keeps for them elsewhere: the
//! account's own state in the World (so calls made in it work) and, when asked, the role
//! trustdesk assumes. The demo seed and the control endpoints both come through here.

use chrono::{DateTime, Utc};

use super::model::{email_for, is_account_id, AccountState, JoinedMethod, Member, Organization};
use crate::seed::CONSOLE_ROLE;
use crate::state::{World, DEFAULT_ACCOUNT};

/// The most accounts one scale request adds (the control endpoint's limit).
pub const MAX_SCALE_ACCOUNTS: usize = 1_000;
/// The OU the scale request fills.
pub const SCALE_UNIT: &str = "Scale";
/// Where ids are counted from for accounts made without one, and for scale members: ranges no
/// seeded account falls in, so the same requests give the same ids on every run.
const FIRST_CREATED_ID: u64 = 800_000_000_001;
const FIRST_SCALE_ID: u64 = 600_000_000_001;

/// An account to add to the organization.
#[derive(Debug, Clone)]
pub struct NewMember {
    /// 12 digits; the next free id from 800000000001 when absent.
    pub id: Option<String>,
    /// AWS's account name: 1 to 50 printable ASCII characters.
    pub name: String,
    pub email: Option<String>,
    /// The root or OU it goes under; the root when absent.
    pub parent: Option<String>,
    /// Whether to create [`CONSOLE_ROLE`] in it.
    pub role: bool,
    pub state: AccountState,
    pub joined_method: JoinedMethod,
    pub joined: DateTime<Utc>,
}

impl NewMember {
    /// An active account created in the organization now, under the root, without the role.
    pub fn created(name: &str, now: DateTime<Utc>) -> Self {
        Self {
            id: None,
            name: name.to_string(),
            email: None,
            parent: None,
            role: false,
            state: AccountState::Active,
            joined_method: JoinedMethod::Created,
            joined: now,
        }
    }
}

/// What a scale request made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scaled {
    pub unit: String,
    pub accounts: Vec<String>,
}

/// The World's organization, founded by the default account if there is none yet.
fn organization(world: &mut World) -> &mut Organization {
    let now = world.now();
    world
        .organization
        .get_or_insert_with(|| Organization::founded_by(DEFAULT_ACCOUNT, now))
}

/// The lowest id from `first` up that is neither a member nor an account the World holds.
fn free_id(world: &World, first: u64) -> String {
    let taken = |id: &String| {
        world.accounts.contains_key(id)
            || world
                .organization
                .as_ref()
                .is_some_and(|org| org.members.contains_key(id))
    };
    (first..)
        .map(|n| format!("{n:012}"))
        .find(|id| !taken(id))
        .unwrap_or_default()
}

fn check_name(name: &str) -> Result<(), String> {
    if (1..=50).contains(&name.len()) && name.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        Ok(())
    } else {
        Err("name must be 1 to 50 printable ASCII characters".into())
    }
}

fn check_email(email: &str) -> Result<(), String> {
    let valid = (6..=64).contains(&email.len())
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if valid {
        Ok(())
    } else {
        Err("email must be 6 to 64 characters, like name@example.com".into())
    }
}

/// Adds an account to the organization (founding one if needed) and answers its id.
pub fn join(world: &mut World, new: NewMember) -> Result<String, String> {
    check_name(&new.name)?;
    if let Some(email) = &new.email {
        check_email(email)?;
    }
    let id = match new.id {
        Some(id) if is_account_id(&id) => id,
        Some(_) => return Err("id must be 12 digits".into()),
        None => free_id(world, FIRST_CREATED_ID),
    };
    let organization = organization(world);
    let parent = new.parent.unwrap_or_else(|| organization.root_id.clone());
    organization.add_member(Member {
        id: id.clone(),
        email: new.email.unwrap_or_else(|| email_for(&new.name)),
        name: new.name,
        state: new.state,
        parent,
        joined_method: new.joined_method,
        joined: new.joined,
    })?;
    let now = world.now();
    let account = world.account(&id);
    if new.role {
        account.iam.ensure_role(&id, CONSOLE_ROLE, now);
    }
    Ok(id)
}

/// Adds `count` active accounts with the role, `member-0001` on, to the OU [`SCALE_UNIT`] under
/// the root; another request continues the numbering.
pub fn scale(world: &mut World, count: usize) -> Result<Scaled, String> {
    if !(1..=MAX_SCALE_ACCOUNTS).contains(&count) {
        return Err(format!("accounts must be from 1 to {MAX_SCALE_ACCOUNTS}"));
    }
    let now = world.now();
    let organization = organization(world);
    let root = organization.root_id.clone();
    let unit = organization.unit(SCALE_UNIT, &root)?;
    let already = organization
        .members
        .values()
        .filter(|m| m.parent == unit)
        .count();
    let mut accounts = Vec::with_capacity(count);
    for n in already + 1..=already + count {
        let new = NewMember {
            id: Some(free_id(world, FIRST_SCALE_ID)),
            parent: Some(unit.clone()),
            role: true,
            ..NewMember::created(&format!("member-{n:04}"), now)
        };
        accounts.push(join(world, new)?);
    }
    Ok(Scaled { unit, accounts })
}

pub fn set_state(world: &mut World, account: &str, state: AccountState) -> Result<(), String> {
    match world.organization.as_mut() {
        Some(organization) => organization.set_state(account, state),
        None => Err("the emulator holds no organization".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_joins_with_its_world_state_and_role() {
        let mut world = World::default();
        let now = world.now();
        let id = join(
            &mut world,
            NewMember {
                role: true,
                ..NewMember::created("Team A", now)
            },
        )
        .unwrap();
        assert_eq!(id, "800000000001");
        let org = world.organization.as_ref().expect("founded on first use");
        assert_eq!(org.management_account, DEFAULT_ACCOUNT);
        assert_eq!(org.members[&id].parent, org.root_id);
        assert_eq!(org.members[&id].email, "aws-team-a@example.com");
        assert!(world.account(&id).iam.role(CONSOLE_ROLE).is_ok());

        let second = join(&mut world, NewMember::created("Team B", now)).unwrap();
        assert_eq!(second, "800000000002");
        assert!(world.account(&second).iam.role(CONSOLE_ROLE).is_err());
        for refused in [
            NewMember {
                id: Some(id.clone()),
                ..NewMember::created("again", now)
            },
            NewMember {
                id: Some("12345".into()),
                ..NewMember::created("short", now)
            },
            NewMember {
                parent: Some("ou-zzzz-zzzzzzzz".into()),
                ..NewMember::created("lost", now)
            },
            NewMember::created("", now),
            NewMember {
                email: Some("not an address".into()),
                ..NewMember::created("mail", now)
            },
        ] {
            assert!(join(&mut world, refused.clone()).is_err(), "{refused:?}");
        }
        assert_eq!(world.organization.as_ref().unwrap().members.len(), 3);
    }

    #[test]
    fn scale_numbers_on_in_one_unit() {
        let mut world = World::default();
        let first = scale(&mut world, 3).unwrap();
        assert_eq!(
            first.accounts,
            ["600000000001", "600000000002", "600000000003"]
        );
        let second = scale(&mut world, 2).unwrap();
        assert_eq!(second.unit, first.unit);
        let org = world.organization.as_ref().unwrap();
        assert_eq!(org.members[&second.accounts[1]].name, "member-0005");
        assert!(scale(&mut world, 0).is_err());
        assert!(scale(&mut world, MAX_SCALE_ACCOUNTS + 1).is_err());
    }

    #[test]
    fn states_change_only_for_members() {
        let mut world = World::default();
        assert!(set_state(&mut world, "800000000001", AccountState::Suspended).is_err());
        let now = world.now();
        let id = join(&mut world, NewMember::created("x", now)).unwrap();
        set_state(&mut world, &id, AccountState::Suspended).unwrap();
        assert_eq!(
            world.organization.as_ref().unwrap().members[&id].state,
            AccountState::Suspended
        );
    }
}
