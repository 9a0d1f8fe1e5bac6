//! The organization the emulated accounts belong to (AWS Organizations): its root, its
//! organizational units and its member accounts. The World holds at most one, as an account
//! belongs to at most one organization; the management account is a member like the others,
//! directly under the root.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::ids;

/// AWS names every organization's only root so.
pub const ROOT_NAME: &str = "Root";

/// An account's `State`. The older `Status` is derived from it ([`AccountState::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountState {
    Active,
    Suspended,
    PendingClosure,
    Closed,
}

impl AccountState {
    pub const ALL: [Self; 4] = [
        Self::Active,
        Self::Suspended,
        Self::PendingClosure,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Suspended => "SUSPENDED",
            Self::PendingClosure => "PENDING_CLOSURE",
            Self::Closed => "CLOSED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }

    /// `Status` has no CLOSED: AWS shows a closed account there as SUSPENDED for the 90 days it
    /// stays in the organization.
    pub fn status(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Suspended | Self::Closed => "SUSPENDED",
            Self::PendingClosure => "PENDING_CLOSURE",
        }
    }
}

/// How an account came into the organization: invited (it existed before) or created in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinedMethod {
    Invited,
    Created,
}

impl JoinedMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "INVITED",
            Self::Created => "CREATED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub email: String,
    pub state: AccountState,
    /// The root or OU the account sits directly under.
    pub parent: String,
    pub joined_method: JoinedMethod,
    pub joined: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub parent: String,
}

#[derive(Debug, Clone)]
pub struct Organization {
    pub id: String,
    pub root_id: String,
    pub management_account: String,
    pub units: BTreeMap<String, Unit>,
    pub members: BTreeMap<String, Member>,
}

impl Organization {
    /// An organization of one account, `management`, placed directly under the root.
    pub fn new(id: &str, root_id: &str, mut management: Member) -> Self {
        management.parent = root_id.to_string();
        let management_account = management.id.clone();
        Self {
            id: id.to_string(),
            root_id: root_id.to_string(),
            management_account: management_account.clone(),
            units: BTreeMap::new(),
            members: BTreeMap::from([(management_account, management)]),
        }
    }

    /// The organization `account` founds when a test adds members to an emulator that has
    /// none; its ids depend only on the account, so every run names them alike.
    pub fn founded_by(account: &str, now: DateTime<Utc>) -> Self {
        let root_id = format!("r-{}", ids::stable_base36(&format!("root {account}"), 4));
        let management = Member {
            id: account.to_string(),
            name: "management".to_string(),
            email: email_for("management"),
            state: AccountState::Active,
            parent: root_id.clone(),
            joined_method: JoinedMethod::Invited,
            joined: now,
        };
        let id = format!(
            "o-{}",
            ids::stable_base36(&format!("organization {account}"), 10)
        );
        Self::new(&id, &root_id, management)
    }

    pub fn arn(&self) -> String {
        format!(
            "arn:aws:organizations::{}:organization/{}",
            self.management_account, self.id
        )
    }

    pub fn root_arn(&self) -> String {
        self.arn_of("root", &self.root_id)
    }

    pub fn account_arn(&self, account: &str) -> String {
        self.arn_of("account", account)
    }

    pub fn unit_arn(&self, unit: &str) -> String {
        self.arn_of("ou", unit)
    }

    fn arn_of(&self, kind: &str, id: &str) -> String {
        format!(
            "arn:aws:organizations::{}:{kind}/{}/{id}",
            self.management_account, self.id
        )
    }

    pub fn management(&self) -> Option<&Member> {
        self.members.get(&self.management_account)
    }

    /// Whether `id` is this organization's root or one of its OUs.
    pub fn has_parent(&self, id: &str) -> bool {
        id == self.root_id || self.units.contains_key(id)
    }

    /// The OU named `name` directly under `parent`, made if there is none: AWS refuses a second
    /// OU of the same name under one parent, so the name identifies it there.
    pub fn unit(&mut self, name: &str, parent: &str) -> Result<String, String> {
        if !self.has_parent(parent) {
            return Err(format!("no root or OU {parent} in {}", self.id));
        }
        if let Some(unit) = self
            .units
            .values()
            .find(|u| u.parent == parent && u.name == name)
        {
            return Ok(unit.id.clone());
        }
        // OU ids carry the root's suffix, as AWS's do.
        let root = self.root_id.trim_start_matches("r-");
        let tail = ids::stable_base36(&format!("{} {parent} {name}", self.id), 8);
        let id = format!("ou-{root}-{tail}");
        self.units.insert(
            id.clone(),
            Unit {
                id: id.clone(),
                name: name.to_string(),
                parent: parent.to_string(),
            },
        );
        Ok(id)
    }

    pub fn add_member(&mut self, member: Member) -> Result<(), String> {
        if !self.has_parent(&member.parent) {
            return Err(format!("no root or OU {} in {}", member.parent, self.id));
        }
        if self.members.contains_key(&member.id) {
            return Err(format!(
                "account {} is already a member of {}",
                member.id, self.id
            ));
        }
        self.members.insert(member.id.clone(), member);
        Ok(())
    }

    pub fn set_state(&mut self, account: &str, state: AccountState) -> Result<(), String> {
        if account == self.management_account {
            // AWS closes a management account only after it has left its organization.
            return Err(format!(
                "account {account} is the management account; its state does not change"
            ));
        }
        let member = self
            .members
            .get_mut(account)
            .ok_or_else(|| format!("account {account} is not a member of {}", self.id))?;
        member.state = state;
        Ok(())
    }
}

/// An address for an account made without one: `aws-` and its name, on the reserved
/// example.com domain, within AWS's 64 characters.
pub fn email_for(name: &str) -> String {
    let local: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    format!("aws-{local}@example.com")
}

/// AWS's pattern for a ParentId: `^(r-[0-9a-z]{4,32})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`.
pub fn is_parent_id(text: &str) -> bool {
    let lower_alnum = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    };
    if let Some(root) = text.strip_prefix("r-") {
        return lower_alnum(root, 4, 32);
    }
    text.strip_prefix("ou-")
        .and_then(|unit| unit.split_once('-'))
        .is_some_and(|(root, tail)| lower_alnum(root, 4, 32) && lower_alnum(tail, 8, 32))
}

/// AWS account ids: exactly 12 digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn organization() -> Organization {
        Organization::founded_by("123456789012", Utc::now())
    }

    #[test]
    fn founded_ids_follow_aws_patterns_and_repeat() {
        let org = organization();
        assert_eq!(org.id, organization().id);
        assert_eq!(org.id.len(), 12);
        assert!(org.id.starts_with("o-"));
        assert!(is_parent_id(&org.root_id), "{}", org.root_id);
        assert_eq!(org.root_id.len(), 6);
        assert_eq!(
            org.management().map(|m| m.parent.as_str()),
            Some(org.root_id.as_str())
        );
        assert_eq!(
            org.account_arn("210987654321"),
            format!(
                "arn:aws:organizations::123456789012:account/{}/210987654321",
                org.id
            )
        );
        assert_eq!(
            org.arn(),
            format!(
                "arn:aws:organizations::123456789012:organization/{}",
                org.id
            )
        );
    }

    #[test]
    fn units_are_named_once_per_parent() {
        let mut org = organization();
        let root = org.root_id.clone();
        let security = org.unit("Security", &root).unwrap();
        assert!(is_parent_id(&security), "{security}");
        assert!(security.starts_with(&format!("ou-{}-", &root[2..])));
        assert_eq!(org.unit("Security", &root).unwrap(), security);
        let nested = org.unit("Security", &security).unwrap();
        assert_ne!(nested, security, "the same name under another parent");
        assert!(org.unit("Lost", "ou-zzzz-zzzzzzzz").is_err());
        assert_eq!(org.units.len(), 2);
    }

    #[test]
    fn members_need_a_parent_and_a_free_id() {
        let mut org = organization();
        let member = Member {
            id: "210987654321".into(),
            name: "dev".into(),
            email: email_for("dev"),
            state: AccountState::Active,
            parent: org.root_id.clone(),
            joined_method: JoinedMethod::Created,
            joined: Utc::now(),
        };
        org.add_member(member.clone()).unwrap();
        assert!(org.add_member(member.clone()).is_err(), "already a member");
        let lost = Member {
            id: "333333333333".into(),
            parent: "ou-zzzz-zzzzzzzz".into(),
            ..member
        };
        assert!(org.add_member(lost).is_err());
        org.set_state("210987654321", AccountState::Closed).unwrap();
        assert_eq!(org.members["210987654321"].state.status(), "SUSPENDED");
        assert!(org
            .set_state("123456789012", AccountState::Suspended)
            .is_err());
        assert!(org.set_state("999999999999", AccountState::Active).is_err());
    }

    #[test]
    fn parent_ids_follow_aws_pattern() {
        for good in [
            "r-ab12",
            "r-0123456789abcdef",
            "ou-ab12-abcdefgh",
            "ou-ab12-0123abcd9",
        ] {
            assert!(is_parent_id(good), "{good}");
        }
        for bad in [
            "r-ab1",
            "R-ab12",
            "r-AB12",
            "ou-ab12-abcdefg",
            "ou-ab12",
            "ou-ab1-abcdefgh",
            "ou-ab12-abcdefgh-",
            "o-ab12cd34ef",
            "",
        ] {
            assert!(!is_parent_id(bad), "{bad}");
        }
    }

    #[test]
    fn states_and_their_status() {
        for state in AccountState::ALL {
            assert_eq!(AccountState::parse(state.as_str()), Some(state));
        }
        assert_eq!(AccountState::parse("active"), None);
        assert_eq!(AccountState::PendingClosure.status(), "PENDING_CLOSURE");
        assert_eq!(email_for("Member 0001"), "aws-member-0001@example.com");
        assert!(email_for(&"x".repeat(50)).len() <= 64);
    }
}
