//! Demo mode's wiring: the emulator's seeded accounts become the console's configured ones.
//! Production code never reads the demo data; only this module knows it.

use crate::config::AccountConfig;

/// The accounts demo mode manages: the emulator's two seeded accounts in its two regions.
pub fn accounts() -> Vec<AccountConfig> {
    use trustdesk_emulator::seed;
    let regions: Vec<String> = seed::REGIONS.iter().map(|r| r.to_string()).collect();
    vec![
        AccountConfig {
            name: "prod".into(),
            profile: None,
            role_arn: None,
            regions: regions.clone(),
        },
        AccountConfig {
            name: "dev".into(),
            profile: None,
            role_arn: Some(format!(
                "arn:aws:iam::{}:role/{}",
                seed::DEV_ACCOUNT,
                seed::CONSOLE_ROLE
            )),
            regions,
        },
    ]
}
