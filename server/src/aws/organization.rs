//! The accounts of an AWS Organization (`[organization]`): read with
//! `organizations:ListAccounts` from the management or a delegated administrator account (and,
//! when OUs narrow them, the tree of OUs from the roots down), each active, included account
//! managed through the template's role, which is assumed once to prove it can be. Read at start
//! and at every sync, so new accounts appear, suspended or closed ones are marked and an
//! account whose role cannot be assumed is named with AWS's sentence.

use std::collections::HashMap;
use std::sync::Arc;

use app::model::{AccountState, OrganizationAccount, OrganizationRead};
use aws_config::SdkConfig;
use futures_util::StreamExt;

use super::call_metrics::AwsCallMetrics;
use super::{assuming, error, Account, Scope, ServiceClient, SESSION_NAME};
use crate::config::OrganizationConfig;

/// How many member accounts' roles are tried at once when new accounts appear.
const ASSUMED_AT_ONCE: usize = 8;

/// What reads the organization: its settings and the credentials of its management (or
/// delegated administrator) account.
pub struct Reader {
    settings: OrganizationConfig,
    config: SdkConfig,
}

/// One read: what the Sync page shows, the accounts managed from now on, and how many AWS
/// requests it took.
pub struct Discovery {
    pub read: OrganizationRead,
    pub managed: Vec<Arc<Account>>,
    pub aws_calls: u64,
}

/// An account as ListAccounts answers it.
struct Member {
    id: String,
    aws_name: String,
    status: String,
    joined: i64,
}

impl Reader {
    pub async fn new(settings: OrganizationConfig, config: SdkConfig) -> Self {
        let home = [settings.home_region.clone()];
        let config = match &settings.role_arn {
            Some(role_arn) => assuming(config, role_arn, &home).await,
            None => config,
        };
        Reader { settings, config }
    }

    fn client<C: ServiceClient>(&self, counted: &AwsCallMetrics) -> C {
        let config = self
            .config
            .clone()
            .into_builder()
            .region(aws_config::Region::new(self.settings.home_region.clone()))
            .build();
        C::new(&config, counted.clone())
    }

    /// Reads the organization. `configured` are the `[[accounts]]` (their names are taken);
    /// `current` the accounts managed now, whose credentials a still-managed account keeps. When
    /// the organization cannot be read, the accounts it gave before stay managed.
    pub async fn discover(
        &self,
        configured: &[Arc<Account>],
        current: &[Arc<Account>],
        counted: &AwsCallMetrics,
    ) -> Discovery {
        let mut found = self.discover_counted(configured, current, counted).await;
        found.aws_calls = counted.calls.count();
        found
    }

    async fn discover_counted(
        &self,
        configured: &[Arc<Account>],
        current: &[Arc<Account>],
        counted: &AwsCallMetrics,
    ) -> Discovery {
        let read_at = crate::time::now();
        let previous: Vec<Arc<Account>> = current
            .iter()
            .filter(|a| !configured.iter().any(|c| Arc::ptr_eq(c, a)))
            .cloned()
            .collect();
        let unread = |error: String| Discovery {
            read: OrganizationRead {
                read_at: read_at.clone(),
                error,
                accounts: Vec::new(),
            },
            managed: previous.clone(),
            aws_calls: 0,
        };
        let members = match self.members(counted).await {
            Ok(members) => members,
            Err(error) => return unread(error),
        };
        let tree = if self.settings.needs_the_tree() {
            match self.ous_of_accounts(counted).await {
                Ok(tree) => Some(tree),
                Err(error) => return unread(error),
            }
        } else {
            None
        };
        let mut taken: Vec<String> = configured.iter().map(|a| a.name.clone()).collect();
        let mut rows = Vec::new();
        let mut to_manage = Vec::new();
        for member in members {
            let under = tree
                .as_ref()
                .and_then(|tree| tree.get(&member.id))
                .cloned()
                .unwrap_or_default();
            let name = console_name(&member, &taken);
            taken.push(name.clone());
            let ou_names: Vec<String> = under.iter().map(|(_, name)| name.clone()).collect();
            let ou_ids: Vec<String> = under.iter().map(|(id, _)| id.clone()).collect();
            let (state, note) = if !self.settings.includes(&member.id, &ou_ids) {
                (
                    AccountState::Excluded,
                    "Left out by the organization's include and exclude settings.".to_string(),
                )
            } else if member.status != "ACTIVE" {
                (
                    AccountState::Inactive,
                    format!(
                        "{} in AWS: not read; its cached items stay as they were.",
                        status_words(&member.status)
                    ),
                )
            } else {
                to_manage.push((rows.len(), name.clone(), member.id.clone()));
                (AccountState::Managed, String::new())
            };
            rows.push(OrganizationAccount {
                id: member.id,
                aws_name: member.aws_name,
                name,
                ous: ou_names,
                status: member.status,
                state,
                note,
            });
        }
        let managed = self
            .reachable(to_manage, &previous, &mut rows, counted)
            .await;
        for row in rows.iter_mut() {
            if row.state != AccountState::Managed {
                row.name.clear();
            }
        }
        Discovery {
            read: OrganizationRead {
                read_at,
                error: String::new(),
                accounts: rows,
            },
            managed,
            aws_calls: 0,
        }
    }

    /// Every account of the organization, oldest member first (so that an earlier account keeps
    /// its console name when a later one's would be the same).
    async fn members(&self, counted: &AwsCallMetrics) -> Result<Vec<Member>, String> {
        let client: aws_sdk_organizations::Client = self.client(counted);
        let scope = Scope::new("organization", "", "global");
        let pages: Vec<_> = client
            .list_accounts()
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await;
        let mut members = Vec::new();
        for page in pages {
            let page = page.map_err(|e| {
                error::failure(e, "organizations:ListAccounts", &scope)
                    .error
                    .message
            })?;
            for account in page.accounts() {
                members.push(Member {
                    id: account.id().unwrap_or_default().to_string(),
                    aws_name: account.name().unwrap_or_default().to_string(),
                    status: account
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    joined: account.joined_timestamp().map_or(0, |t| t.secs()),
                });
            }
        }
        members.sort_by(|a, b| (a.joined, &a.id).cmp(&(b.joined, &b.id)));
        Ok(members)
    }

    /// For each account, the roots and OUs it is under (id and name), outermost first: the tree
    /// walked from the roots with ListOrganizationalUnitsForParent and ListAccountsForParent.
    async fn ous_of_accounts(
        &self,
        counted: &AwsCallMetrics,
    ) -> Result<HashMap<String, Vec<(String, String)>>, String> {
        let client: aws_sdk_organizations::Client = self.client(counted);
        let scope = Scope::new("organization", "", "global");
        let mut roots = Vec::new();
        let mut pages = client.list_roots().into_paginator().send();
        while let Some(page) = pages.next().await {
            for root in page
                .map_err(|e| {
                    error::failure(e, "organizations:ListRoots", &scope)
                        .error
                        .message
                })?
                .roots()
            {
                let id = root.id().unwrap_or_default().to_string();
                roots.push((id, root.name().unwrap_or("Root").to_string()));
            }
        }
        let mut found = HashMap::new();
        // (parent id, the path down to and including it)
        let mut pending: Vec<(String, Vec<(String, String)>)> = roots
            .into_iter()
            .map(|root| (root.0.clone(), vec![root]))
            .collect();
        while let Some((parent, path)) = pending.pop() {
            let mut accounts = client
                .list_accounts_for_parent()
                .parent_id(&parent)
                .into_paginator()
                .send();
            while let Some(page) = accounts.next().await {
                for account in page
                    .map_err(|e| {
                        error::failure(e, "organizations:ListAccountsForParent", &scope)
                            .error
                            .message
                    })?
                    .accounts()
                {
                    found.insert(account.id().unwrap_or_default().to_string(), path.clone());
                }
            }
            let mut ous = client
                .list_organizational_units_for_parent()
                .parent_id(&parent)
                .into_paginator()
                .send();
            while let Some(page) = ous.next().await {
                for ou in page
                    .map_err(|e| {
                        error::failure(e, "organizations:ListOrganizationalUnitsForParent", &scope)
                            .error
                            .message
                    })?
                    .organizational_units()
                {
                    let id = ou.id().unwrap_or_default().to_string();
                    let mut below = path.clone();
                    below.push((id.clone(), ou.name().unwrap_or_default().to_string()));
                    pending.push((id, below));
                }
            }
        }
        Ok(found)
    }

    /// The accounts to manage whose role can be assumed: an account managed before keeps its
    /// credentials (and is not asked again); a new one's role is assumed once, and when AWS
    /// refuses, its row says why.
    async fn reachable(
        &self,
        to_manage: Vec<(usize, String, String)>,
        previous: &[Arc<Account>],
        rows: &mut [OrganizationAccount],
        counted: &AwsCallMetrics,
    ) -> Vec<Arc<Account>> {
        let known = |name: &str, id: &str| {
            previous
                .iter()
                .find(|a| a.name == name && a.account_id.get().map(String::as_str) == Some(id))
                .cloned()
        };
        let tried: Vec<(usize, Result<Arc<Account>, String>)> =
            futures_util::stream::iter(to_manage)
                .map(|(row, name, id)| async move {
                    if let Some(account) = known(&name, &id) {
                        return (row, Ok(account));
                    }
                    (row, self.assume(name, id, counted).await)
                })
                .buffered(ASSUMED_AT_ONCE)
                .collect()
                .await;
        let mut managed = Vec::new();
        for (row, outcome) in tried {
            match outcome {
                Ok(account) => managed.push(account),
                Err(sentence) => {
                    rows[row].state = AccountState::Unreachable;
                    rows[row].note = sentence;
                }
            }
        }
        managed
    }

    /// An account managed through the template's role in `id`, once STS has given its
    /// credentials (AWS's sentence when it does not).
    async fn assume(
        &self,
        name: String,
        id: String,
        counted: &AwsCallMetrics,
    ) -> Result<Arc<Account>, String> {
        let role_arn = self.settings.role_in(&id);
        let sts: aws_sdk_sts::Client = self.client(counted);
        let scope = Scope::new(&name, &id, "global");
        sts.assume_role()
            .role_arn(&role_arn)
            .role_session_name(SESSION_NAME)
            .send()
            .await
            .map_err(|e| {
                let failure = error::failure(e, "sts:AssumeRole", &scope);
                format!(
                    "Its role {role_arn} could not be assumed: {}",
                    failure.error.message
                )
            })?;
        let home = [self.settings.home_region.clone()];
        let config = assuming(self.config.clone(), &role_arn, &home).await;
        let regions = match self.settings.listed_regions() {
            Some(listed) => listed.to_vec(),
            None => enabled_regions(&config, &self.settings.home_region, counted, &scope)
                .await
                .map_err(|sentence| format!("Its enabled regions could not be read: {sentence}"))?,
        };
        let account = Account::new(name, regions, config);
        let _ = account.account_id.set(id);
        Ok(Arc::new(account))
    }
}

/// The regions `config`'s account has enabled (EC2 DescribeRegions, asked in `home`).
async fn enabled_regions(
    config: &SdkConfig,
    home: &str,
    counted: &AwsCallMetrics,
    scope: &Scope,
) -> Result<Vec<String>, String> {
    let config = config
        .clone()
        .into_builder()
        .region(aws_config::Region::new(home.to_string()))
        .build();
    let ec2: aws_sdk_ec2::Client = ServiceClient::new(&config, counted.clone());
    let answer = ec2.describe_regions().send().await.map_err(|e| {
        error::failure(e, "ec2:DescribeRegions", scope)
            .error
            .message
    })?;
    let mut regions: Vec<String> = answer
        .regions()
        .iter()
        .filter_map(|region| region.region_name().map(str::to_string))
        .collect();
    regions.sort();
    if regions.is_empty() {
        return Err("EC2 listed no enabled region.".into());
    }
    Ok(regions)
}

/// The console's name of an account: its AWS name in lower case with `-` for anything but
/// letters, digits, `-` and `_` (at most 40 characters); with the account id's last four digits
/// (or the whole id) when that name is taken; `account-<id>` when nothing is left of it.
fn console_name(member: &Member, taken: &[String]) -> String {
    let mut name = String::new();
    for c in member.aws_name.chars() {
        let c = c.to_ascii_lowercase();
        let keep = c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if keep {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let mut name: String = name.trim_matches('-').chars().take(30).collect();
    if name.is_empty() {
        name = format!("account-{}", member.id);
    }
    let tail = &member.id[member.id.len().saturating_sub(4)..];
    [
        name.clone(),
        format!("{name}-{tail}"),
        format!("{name}-{}", member.id),
    ]
    .into_iter()
    .find(|candidate| !taken.contains(candidate) && candidate.len() <= 40)
    .unwrap_or_else(|| format!("account-{}", member.id))
}

fn status_words(status: &str) -> &'static str {
    match status {
        "SUSPENDED" => "Suspended",
        "PENDING_CLOSURE" => "Closing",
        "CLOSED" => "Closed",
        _ => "Not active",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, id: &str) -> Member {
        Member {
            id: id.into(),
            aws_name: name.into(),
            status: "ACTIVE".into(),
            joined: 0,
        }
    }

    #[test]
    fn console_names_are_url_safe_and_unique() {
        assert_eq!(console_name(&member("prod", "123456789012"), &[]), "prod");
        assert_eq!(
            console_name(&member("Security Tooling (EU)", "123456789012"), &[]),
            "security-tooling-eu"
        );
        assert_eq!(
            console_name(&member("prod", "210987654321"), &["prod".into()]),
            "prod-4321"
        );
        assert_eq!(
            console_name(
                &member("prod", "210987654321"),
                &["prod".into(), "prod-4321".into()]
            ),
            "prod-210987654321"
        );
        assert_eq!(
            console_name(&member("*** ***", "123456789012"), &[]),
            "account-123456789012"
        );
        let long = console_name(&member(&"x".repeat(80), "123456789012"), &[]);
        assert!(long.len() <= 40, "{long}");
    }
}
