//! What `serve` will use for AWS, decided once at startup from the configuration and what this
//! machine holds (AWS_* variables, the shared config files, whether it is an EC2 instance), and
//! said in one log line. Deciding first is what keeps the SDK from probing the instance metadata
//! service, and warning about it, on a machine that has no AWS at all.

use crate::config::{Config, InstanceMetadata};
use std::collections::HashMap;
use std::path::PathBuf;

/// Variables the SDK's default chain reads credentials or a profile from.
const CREDENTIAL_VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
];

/// What this machine offers the SDK, read once (and given by hand in tests).
#[derive(Debug, Clone, Default)]
pub struct Surroundings {
    /// The `AWS_*` variables that name credentials or a profile, with their values.
    pub variables: Vec<String>,
    /// The shared config and credentials files that exist.
    pub profile_files: Vec<PathBuf>,
    /// The machine says it is an EC2 instance.
    pub on_ec2: bool,
}

impl Surroundings {
    pub fn of_this_machine() -> Self {
        let env: HashMap<String, String> = std::env::vars().collect();
        let home = env.get("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
        let file = |variable: &str, name: &str| {
            env.get(variable)
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".aws").join(name)))
        };
        let profile_files = [
            file("AWS_CONFIG_FILE", "config"),
            file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        ]
        .into_iter()
        .flatten()
        .filter(|path| path.is_file())
        .collect();
        Self {
            variables: CREDENTIAL_VARIABLES
                .iter()
                .filter(|v| env.get(**v).is_some_and(|value| !value.is_empty()))
                .map(|v| v.to_string())
                .collect(),
            profile_files,
            on_ec2: looks_like_ec2(),
        }
    }
}

/// EC2 instances name their vendor in DMI (Nitro) or their hypervisor id (Xen): reading two
/// small files, where asking the metadata service would wait for a timeout off EC2.
fn looks_like_ec2() -> bool {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    read("/sys/devices/virtual/dmi/id/sys_vendor").trim() == "Amazon EC2"
        || read("/sys/hypervisor/uuid").starts_with("ec2")
}

/// Where the console's AWS calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The in-process emulator of `serve --demo`.
    Demo,
    /// Nothing configured: no accounts, no SDK configuration loaded, no calls.
    Nothing,
    /// The SDK's default credential chain (and each account's profile or role).
    DefaultChain,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsPlan {
    pub source: Source,
    /// The SDK may ask the instance metadata service for a region and credentials.
    pub instance_metadata: bool,
    /// What the one log line says.
    summary: String,
}

impl AwsPlan {
    pub fn decide(config: &Config, around: &Surroundings) -> Self {
        let instance_metadata = match config.aws_instance_metadata {
            InstanceMetadata::On => true,
            InstanceMetadata::Off => false,
            InstanceMetadata::Auto => around.on_ec2,
        } && !config.demo;
        let endpoint = config
            .aws_endpoint_url
            .as_deref()
            .map(|url| format!(", calls sent to {url}"))
            .unwrap_or_default();
        if config.demo {
            return Self {
                source: Source::Demo,
                instance_metadata,
                summary: format!("AWS: the demo's in-process emulator{endpoint}"),
            };
        }
        let nothing = config.accounts.is_empty()
            && config.aws_endpoint_url.is_none()
            && around.variables.is_empty()
            && around.profile_files.is_empty()
            && !instance_metadata;
        if nothing {
            return Self {
                source: Source::Nothing,
                instance_metadata,
                summary: "AWS: no credentials configured (no AWS_* credential variables, no \
                          ~/.aws config or credentials file, no [[accounts]] in trustdesk.toml, \
                          not an EC2 instance); inventories stay empty until you configure them \
                          (see docs/real-aws.md, \"Connecting real AWS\")"
                    .to_string(),
            };
        }
        let mut found: Vec<String> = around.variables.clone();
        found.extend(around.profile_files.iter().map(|p| p.display().to_string()));
        let found = if found.is_empty() {
            String::new()
        } else {
            format!(" (found {})", found.join(", "))
        };
        let metadata = if instance_metadata {
            "instance metadata on"
        } else {
            "instance metadata off"
        };
        let accounts = if config.accounts.is_empty() {
            "one account: the credentials' own, in their default region".to_string()
        } else {
            let listed: Vec<String> = config
                .accounts
                .iter()
                .map(|a| {
                    let how = match (&a.profile, &a.role_arn) {
                        (Some(p), Some(r)) => format!("profile {p}, role {r}"),
                        (Some(p), None) => format!("profile {p}"),
                        (None, Some(r)) => format!("role {r}"),
                        (None, None) => "default credentials".to_string(),
                    };
                    format!("{} ({how}; {})", a.name, a.regions.join(" "))
                })
                .collect();
            format!("accounts {}", listed.join(", "))
        };
        Self {
            source: Source::DefaultChain,
            instance_metadata,
            summary: format!(
                "AWS: the default credential chain{found}, {metadata}; {accounts}{endpoint}"
            ),
        }
    }

    /// The one line `serve` logs about AWS.
    pub fn describe(&self) -> &str {
        &self.summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AccountConfig;

    fn config() -> Config {
        Config::default()
    }

    #[test]
    fn a_machine_without_aws_plans_no_calls_and_no_instance_metadata() {
        let plan = AwsPlan::decide(&config(), &Surroundings::default());
        assert_eq!(plan.source, Source::Nothing);
        assert!(!plan.instance_metadata);
        assert!(plan.describe().contains("no credentials configured"));
    }

    #[test]
    fn any_credential_source_plans_the_default_chain() {
        let variables = Surroundings {
            variables: vec!["AWS_ACCESS_KEY_ID".into()],
            ..Default::default()
        };
        let files = Surroundings {
            profile_files: vec![PathBuf::from("/home/op/.aws/credentials")],
            ..Default::default()
        };
        for around in [variables, files] {
            let plan = AwsPlan::decide(&config(), &around);
            assert_eq!(plan.source, Source::DefaultChain, "{around:?}");
            assert!(plan.describe().contains("instance metadata off"));
        }
        let mut with_accounts = config();
        with_accounts.accounts = vec![AccountConfig {
            name: "prod".into(),
            profile: Some("audit".into()),
            role_arn: None,
            regions: vec!["eu-west-1".into()],
        }];
        let plan = AwsPlan::decide(&with_accounts, &Surroundings::default());
        assert_eq!(plan.source, Source::DefaultChain);
        assert!(
            plan.describe().contains("prod (profile audit; eu-west-1)"),
            "{}",
            plan.describe()
        );
    }

    #[test]
    fn instance_metadata_follows_the_setting_and_auto_follows_the_machine() {
        let ec2 = Surroundings {
            on_ec2: true,
            ..Default::default()
        };
        let auto = AwsPlan::decide(&config(), &ec2);
        assert_eq!(auto.source, Source::DefaultChain);
        assert!(auto.instance_metadata);
        let mut off = config();
        off.aws_instance_metadata = InstanceMetadata::Off;
        assert_eq!(AwsPlan::decide(&off, &ec2).source, Source::Nothing);
        let mut on = config();
        on.aws_instance_metadata = InstanceMetadata::On;
        let plan = AwsPlan::decide(&on, &Surroundings::default());
        assert!(plan.instance_metadata);
        assert_eq!(plan.source, Source::DefaultChain);
    }

    #[test]
    fn the_demo_never_asks_instance_metadata() {
        let mut demo = config();
        demo.demo = true;
        demo.aws_instance_metadata = InstanceMetadata::On;
        let plan = AwsPlan::decide(&demo, &Surroundings::default());
        assert_eq!(plan.source, Source::Demo);
        assert!(!plan.instance_metadata);
    }
}
