//! Everything the emulator holds: accounts (IAM is global per account; EC2, License Manager and
//! Multi-party approval per region), the organization they belong to, the credentials
//! AssumeRole handed out, and the clock.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};

use crate::error::ApiError;

use crate::services::{
    ec2::Ec2State, iam::IamState, license_manager::LicenseManagerState, mpa::MpaState,
    organizations::model::Organization,
};

pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// Who a request acts as, from its access key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

impl Principal {
    pub fn account_root(account: &str) -> Self {
        Self {
            account: account.to_string(),
            arn: format!("arn:aws:iam::{account}:root"),
            user_id: account.to_string(),
        }
    }
}

/// Credentials AssumeRole handed out: who they act as, until when, and the secret their
/// requests must be signed with (checked, unlike keys the emulator never issued).
#[derive(Debug, Clone)]
pub struct IssuedKey {
    pub principal: Principal,
    pub expires: DateTime<Utc>,
    pub secret_access_key: String,
}

#[derive(Debug, Default)]
pub struct Account {
    pub iam: IamState,
    pub regions: BTreeMap<String, RegionState>,
}

impl Account {
    pub fn region(&mut self, region: &str) -> &mut RegionState {
        self.regions.entry(region.to_string()).or_default()
    }
}

#[derive(Debug, Default)]
pub struct RegionState {
    pub ec2: Ec2State,
    pub license_manager: LicenseManagerState,
    pub mpa: MpaState,
}

/// A token AWS remembers for idempotent creates: the request it came with and what it made.
#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    pub fingerprint: String,
    pub resource_id: String,
}

#[derive(Debug, Default)]
pub struct IdempotencyTokens {
    by_token: HashMap<(String, String), IdempotencyRecord>,
}

pub enum Idempotency {
    /// A new token (or none): go ahead and create.
    Fresh,
    /// The same token with the same request: answer with what it created.
    Replay(String),
    /// The same token with a different request.
    Mismatch,
}

impl IdempotencyTokens {
    pub fn check(&self, operation: &str, token: Option<&str>, fingerprint: &str) -> Idempotency {
        let Some(token) = token else {
            return Idempotency::Fresh;
        };
        match self
            .by_token
            .get(&(operation.to_string(), token.to_string()))
        {
            None => Idempotency::Fresh,
            Some(record) if record.fingerprint == fingerprint => {
                Idempotency::Replay(record.resource_id.clone())
            }
            Some(_) => Idempotency::Mismatch,
        }
    }

    pub fn remember(
        &mut self,
        operation: &str,
        token: Option<&str>,
        fingerprint: String,
        resource_id: &str,
    ) {
        if let Some(token) = token {
            self.by_token.insert(
                (operation.to_string(), token.to_string()),
                IdempotencyRecord {
                    fingerprint,
                    resource_id: resource_id.to_string(),
                },
            );
        }
    }
}

#[derive(Debug)]
pub struct World {
    pub accounts: BTreeMap<String, Account>,
    /// AWS Organizations: global, one for every account in it (none until seeded or asked for).
    pub organization: Option<Organization>,
    /// Temporary credentials issued by AssumeRole, by access key id.
    pub issued_keys: HashMap<String, IssuedKey>,
    /// Added to the wall clock, so tests can make things expire.
    pub clock_offset: Duration,
}

impl Default for World {
    fn default() -> Self {
        let mut accounts = BTreeMap::new();
        accounts.insert(DEFAULT_ACCOUNT.to_string(), Account::default());
        Self {
            accounts,
            organization: None,
            issued_keys: HashMap::new(),
            clock_offset: Duration::zero(),
        }
    }
}

impl World {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.clock_offset
    }

    /// Any access key the emulator did not issue acts as the default account's root; issued
    /// ones act as their role until they expire.
    pub fn principal_for(&self, access_key_id: &str) -> Result<Principal, ApiError> {
        match self.issued_keys.get(access_key_id) {
            None => Ok(Principal::account_root(DEFAULT_ACCOUNT)),
            Some(issued) if issued.expires <= self.now() => Err(ApiError::bad_request(
                "ExpiredToken",
                "The security token included in the request is expired",
            )),
            Some(issued) => Ok(issued.principal.clone()),
        }
    }

    /// The secret of a key the emulator issued; `None` for any other key.
    pub fn issued_secret(&self, access_key_id: &str) -> Option<String> {
        self.issued_keys
            .get(access_key_id)
            .map(|issued| issued.secret_access_key.clone())
    }

    pub fn account(&mut self, id: &str) -> &mut Account {
        self.accounts.entry(id.to_string()).or_default()
    }
}
