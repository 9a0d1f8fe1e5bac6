//! The `[[accounts]]` the console manages, the rules their names, roles and regions follow, and
//! whether the SDK may use the EC2 instance metadata service.

use serde::Deserialize;

/// One AWS account: how to get credentials for it and which regions to look in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// Shown in the console, and used in its URLs: letters, digits, `-` and `_`.
    pub name: String,
    /// A profile of the shared AWS config files.
    #[serde(default)]
    pub profile: Option<String>,
    /// A role to assume (with the default credentials, or the profile's).
    #[serde(default)]
    pub role_arn: Option<String>,
    pub regions: Vec<String>,
}

pub(super) fn check_accounts(accounts: &[AccountConfig]) -> Result<(), String> {
    for (i, account) in accounts.iter().enumerate() {
        let valid_name = !account.name.is_empty()
            && account.name.len() <= 40
            && account
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_name {
            return Err(format!(
                "account name \"{}\" must be 1 to 40 letters, digits, - or _",
                account.name
            ));
        }
        if accounts[..i].iter().any(|a| a.name == account.name) {
            return Err(format!("account name \"{}\" is used twice", account.name));
        }
        if let Some(arn) = &account.role_arn {
            if !app::model::aws_rules::is_role_arn(arn) {
                return Err(format!(
                    "account {}: role_arn \"{arn}\" is not arn:aws:iam::ACCOUNT:role/NAME",
                    account.name
                ));
            }
        }
        if account.regions.is_empty() {
            return Err(format!(
                "account {}: list at least one region",
                account.name
            ));
        }
        for region in &account.regions {
            if !app::model::is_aws_region(region) {
                return Err(format!(
                    "account {}: \"{region}\" is not a region such as eu-west-1",
                    account.name
                ));
            }
        }
    }
    Ok(())
}

/// Whether the SDK's region and credential lookups may ask the EC2 instance metadata service.
/// Off a machine in EC2 that service does not answer, and each lookup waits and warns before
/// giving up; on an instance it is where an instance role's credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceMetadata {
    /// On when this machine says it is an EC2 instance (its DMI vendor or hypervisor id).
    Auto,
    On,
    Off,
}

/// `aws_instance_metadata = true`, `false` or `"auto"`, or the same words in the environment.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Switch {
    Bool(bool),
    Text(String),
}

impl std::str::FromStr for InstanceMetadata {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        match value.trim() {
            "auto" => Ok(Self::Auto),
            "true" | "1" => Ok(Self::On),
            "false" | "0" => Ok(Self::Off),
            other => Err(format!("\"{other}\" is not true, false or auto")),
        }
    }
}

impl Switch {
    pub(super) fn parse(self) -> Result<InstanceMetadata, String> {
        match self {
            Self::Bool(true) => Ok(InstanceMetadata::On),
            Self::Bool(false) => Ok(InstanceMetadata::Off),
            Self::Text(text) => text.parse(),
        }
    }
}
