//! `[organization]`: the accounts of an AWS Organization, read from its management account (or a
//! delegated administrator) at start and at every sync, each managed through a role named by a
//! template, narrowed by organizational unit or account id.

use serde::Deserialize;

/// What the template's account id is written as.
pub const ACCOUNT_ID_SLOT: &str = "{account_id}";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationConfig {
    /// The role assumed in each member account, e.g.
    /// `arn:aws:iam::{account_id}:role/TrustdeskReadOnly`.
    pub role: String,
    /// The regions read in every member account: listed, or `"enabled"` for those each
    /// account has enabled (EC2 DescribeRegions, asked when the account is first managed).
    pub regions: RegionChoice,
    /// Where the organization's and STS's global calls go (and, with `regions = "enabled"`,
    /// EC2's DescribeRegions); `us-east-1` by default.
    #[serde(default = "default_home_region")]
    pub home_region: String,
    /// Only accounts under these OUs (at any depth) or roots; none means every account.
    #[serde(default)]
    pub include_ous: Vec<String>,
    /// No accounts under these OUs (at any depth).
    #[serde(default)]
    pub exclude_ous: Vec<String>,
    /// These accounts too (12-digit ids), wherever they are.
    #[serde(default)]
    pub include_accounts: Vec<String>,
    /// Never these accounts.
    #[serde(default)]
    pub exclude_accounts: Vec<String>,
    /// A profile of the shared AWS config files for the organization's reads (the management
    /// or a delegated administrator account); the default credentials without it.
    #[serde(default)]
    pub profile: Option<String>,
    /// A role to assume for the organization's reads (in the management or a delegated
    /// administrator account).
    #[serde(default)]
    pub role_arn: Option<String>,
}

/// `regions = ["eu-west-1", …]` or `regions = "enabled"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum RegionChoice {
    Listed(Vec<String>),
    Named(String),
}

/// The word that asks for each account's enabled regions.
pub const ENABLED: &str = "enabled";

fn default_home_region() -> String {
    "us-east-1".into()
}

impl OrganizationConfig {
    /// The regions listed, or `None` for each account's enabled ones.
    pub fn listed_regions(&self) -> Option<&[String]> {
        match &self.regions {
            RegionChoice::Listed(regions) => Some(regions),
            RegionChoice::Named(_) => None,
        }
    }

    /// The role to assume in `account_id`.
    pub fn role_in(&self, account_id: &str) -> String {
        self.role.replace(ACCOUNT_ID_SLOT, account_id)
    }

    /// Whether an account is managed by these rules, given the OUs (and root) it is under.
    pub fn includes(&self, account_id: &str, under: &[String]) -> bool {
        if self.exclude_accounts.iter().any(|id| id == account_id)
            || under.iter().any(|ou| self.exclude_ous.contains(ou))
        {
            return false;
        }
        let everything = self.include_ous.is_empty() && self.include_accounts.is_empty();
        everything
            || self.include_accounts.iter().any(|id| id == account_id)
            || under.iter().any(|ou| self.include_ous.contains(ou))
    }

    /// Whether deciding needs the OUs each account is under (a walk of the tree).
    pub fn needs_the_tree(&self) -> bool {
        !self.include_ous.is_empty() || !self.exclude_ous.is_empty()
    }

    pub(super) fn check(&self) -> Result<(), String> {
        if !self.role.contains(ACCOUNT_ID_SLOT) {
            return Err(format!(
                "role \"{}\" must name the account as {ACCOUNT_ID_SLOT}, e.g. arn:aws:iam::{ACCOUNT_ID_SLOT}:role/TrustdeskReadOnly",
                self.role
            ));
        }
        if !app::model::aws_rules::is_role_arn(&self.role_in("123456789012")) {
            return Err(format!(
                "role \"{}\" is not arn:aws:iam::{ACCOUNT_ID_SLOT}:role/NAME",
                self.role
            ));
        }
        if let Some(arn) = &self.role_arn {
            if !app::model::aws_rules::is_role_arn(arn) {
                return Err(format!(
                    "role_arn \"{arn}\" is not arn:aws:iam::ACCOUNT:role/NAME"
                ));
            }
        }
        match &self.regions {
            RegionChoice::Named(word) if word != ENABLED => {
                return Err(format!(
                    "regions = \"{word}\": list regions, e.g. [\"eu-west-1\"], or say \"{ENABLED}\""
                ))
            }
            RegionChoice::Named(_) => {}
            RegionChoice::Listed(regions) => {
                if regions.is_empty() {
                    return Err("list at least one region in regions".into());
                }
                for region in regions {
                    if !app::model::is_aws_region(region) {
                        return Err(format!("\"{region}\" is not a region such as eu-west-1"));
                    }
                }
            }
        }
        if !app::model::is_aws_region(&self.home_region) {
            return Err(format!(
                "home_region \"{}\" is not a region such as us-east-1",
                self.home_region
            ));
        }
        for ou in self.include_ous.iter().chain(&self.exclude_ous) {
            if !is_parent_id(ou) {
                return Err(format!(
                    "\"{ou}\" is not an OU id (ou-abcd-12345678) or a root id (r-abcd)"
                ));
            }
        }
        for id in self.include_accounts.iter().chain(&self.exclude_accounts) {
            if !(id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())) {
                return Err(format!("\"{id}\" is not a 12-digit account id"));
            }
        }
        Ok(())
    }
}

/// AWS's pattern for a parent: `r-` and 4–32 of `[0-9a-z]`, or `ou-`, 4–32 of them, `-` and
/// 8–32 more.
fn is_parent_id(id: &str) -> bool {
    let part = |s: &str, min: usize| {
        (min..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    };
    if let Some(root) = id.strip_prefix("r-") {
        return part(root, 4);
    }
    id.strip_prefix("ou-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(root, ou)| part(root, 4) && part(ou, 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> OrganizationConfig {
        OrganizationConfig {
            role: "arn:aws:iam::{account_id}:role/TrustdeskReadOnly".into(),
            regions: RegionChoice::Listed(vec!["eu-west-1".into()]),
            home_region: default_home_region(),
            include_ous: vec![],
            exclude_ous: vec![],
            include_accounts: vec![],
            exclude_accounts: vec![],
            profile: None,
            role_arn: None,
        }
    }

    #[test]
    fn the_template_names_each_accounts_role() {
        assert_eq!(
            config().role_in("210987654321"),
            "arn:aws:iam::210987654321:role/TrustdeskReadOnly"
        );
        assert!(config().check().is_ok());
        let mut no_slot = config();
        no_slot.role = "arn:aws:iam::123456789012:role/TrustdeskReadOnly".into();
        assert!(no_slot.check().unwrap_err().contains("{account_id}"));
        let mut not_a_role = config();
        not_a_role.role = "arn:aws:iam::{account_id}:user/x".into();
        assert!(not_a_role.check().unwrap_err().contains("is not arn"));
    }

    #[test]
    fn ous_and_accounts_include_and_exclude() {
        let under = |ous: &[&str]| ous.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut rules = config();
        assert!(rules.includes("111111111111", &under(&["r-ab12"])));
        rules.include_ous = vec!["ou-ab12-security".into()];
        assert!(rules.needs_the_tree());
        assert!(rules.includes("111111111111", &under(&["r-ab12", "ou-ab12-security"])));
        assert!(!rules.includes("111111111111", &under(&["r-ab12"])));
        rules.include_accounts = vec!["222222222222".into()];
        assert!(rules.includes("222222222222", &under(&["r-ab12"])));
        rules.exclude_accounts = vec!["222222222222".into()];
        assert!(!rules.includes("222222222222", &under(&["r-ab12", "ou-ab12-security"])));
        rules.exclude_ous = vec!["ou-ab12-security".into()];
        assert!(!rules.includes("111111111111", &under(&["r-ab12", "ou-ab12-security"])));
    }

    #[test]
    fn ids_follow_aws_patterns() {
        assert!(is_parent_id("r-ab12"));
        assert!(is_parent_id("ou-ab12-security1"));
        assert!(!is_parent_id("ou-ab12-short"));
        assert!(!is_parent_id("OU-ab12-security1"));
        assert!(!is_parent_id("r-ab"));
        let mut bad = config();
        bad.include_ous = vec!["Security".into()];
        assert!(bad.check().unwrap_err().contains("not an OU id"));
        let mut bad = config();
        bad.exclude_accounts = vec!["1234".into()];
        assert!(bad.check().unwrap_err().contains("12-digit"));
        let mut bad = config();
        bad.regions = RegionChoice::Listed(vec![]);
        assert!(bad.check().is_err());
        let mut enabled = config();
        enabled.regions = RegionChoice::Named("enabled".into());
        assert!(enabled.check().is_ok());
        assert_eq!(enabled.listed_regions(), None);
        enabled.regions = RegionChoice::Named("all".into());
        assert!(enabled.check().unwrap_err().contains("\"enabled\""));
    }
}
