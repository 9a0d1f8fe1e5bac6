//! Demo mode's wiring: the emulator's organization and seeded accounts become the console's.
//! Production code never reads the demo data; only this module knows it.

use crate::config::{
    AccountConfig, OrganizationConfig, RegionChoice, Secret, WebhookConfig, WebhookFormat,
    ACCOUNT_ID_SLOT,
};
use app::model::alerts::AlertRules;
use app::model::compliance::TagRuleForm;

/// The demo's chat channel, a webhook to the emulator's Slack-compatible receiver.
pub const CHAT_WEBHOOK: &str = "demo-chat";

/// The webhook the demo posts its notices to (when the configuration lists none): the
/// emulator's chat channel, whose page shows what arrived.
pub fn chat_webhook(emulator_endpoint: &str) -> WebhookConfig {
    WebhookConfig {
        name: CHAT_WEBHOOK.into(),
        format: WebhookFormat::Slack,
        url: Secret::new(format!(
            "{}/_emulator/chat/{CHAT_WEBHOOK}",
            emulator_endpoint.trim_end_matches('/')
        )),
        signing_secret: None,
    }
}

/// The alert rules the demo starts with: the defaults, and every notice to the chat channel too.
pub fn alert_rules() -> AlertRules {
    AlertRules {
        webhooks: vec![CHAT_WEBHOOK.into()],
        ..AlertRules::default()
    }
}

/// The emulator's organization, whose accounts demo mode manages in its two regions: `prod` (the
/// management account) and `dev` with the seeded items, an empty `sandbox`, `audit` whose role
/// is missing (shown on the Sync page with AWS's refusal) and the suspended `legacy`.
pub fn organization() -> OrganizationConfig {
    use trustdesk_emulator::seed;
    OrganizationConfig {
        role: format!(
            "arn:aws:iam::{}:role/{}",
            ACCOUNT_ID_SLOT,
            seed::CONSOLE_ROLE
        ),
        regions: RegionChoice::Listed(seed::REGIONS.iter().map(|r| r.to_string()).collect()),
        home_region: "us-east-1".into(),
        include_ous: Vec::new(),
        exclude_ous: Vec::new(),
        include_accounts: Vec::new(),
        exclude_accounts: Vec::new(),
        profile: None,
        role_arn: None,
    }
}

/// The accounts demo mode configures besides its organization's: with `scale`, its account at
/// organisation scale (IAM only, so one region).
pub fn accounts(scale: bool) -> Vec<AccountConfig> {
    use trustdesk_emulator::seed;
    let regions: Vec<String> = seed::REGIONS.iter().map(|r| r.to_string()).collect();
    let mut accounts = Vec::new();
    if scale {
        accounts.push(AccountConfig {
            name: "scale".into(),
            profile: None,
            role_arn: Some(format!(
                "arn:aws:iam::{}:role/{}",
                seed::scale::SCALE_ACCOUNT,
                seed::CONSOLE_ROLE
            )),
            regions: regions.into_iter().take(1).collect(),
        });
    }
    accounts
}

/// The tag rules demo mode starts with, which the emulator's seed breaks on purpose
/// (`trustdesk_emulator::seed::untidy`): `Owner` required on every kind with tags, and
/// `CostCentre` required, spelled so rather than `costcenter`, and matching `CC-????`. A rule's
/// pattern knows `?` (any one character) but no digit class; the seed's good values are `CC-`
/// and four digits and its wrong ones (`cc-1200`, `1200`) fail the pattern.
pub fn tag_rules() -> Vec<TagRuleForm> {
    vec![
        TagRuleForm {
            key: "Owner".into(),
            required: "on".into(),
            allowed: "any".into(),
            ..Default::default()
        },
        TagRuleForm {
            key: "CostCentre".into(),
            required: "on".into(),
            allowed: "pattern".into(),
            values: "CC-????".into(),
            spellings: "costcenter".into(),
            ..Default::default()
        },
    ]
}
