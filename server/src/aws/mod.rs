//! The console's side of AWS: credentials and clients per configured account and region, and one
//! module per service that turns SDK types into the model's. SDK types do not leave this module.

pub mod call_metrics;
pub mod calls;
pub mod certificate_pem;
pub mod ec2_tags;
pub mod error;
pub mod iam;
pub mod iam_instance_profile;
pub mod iam_managed_policy;
pub mod iam_mfa_device;
pub mod iam_oidc_provider;
pub mod iam_saml_provider;
pub mod iam_server_certificate;
pub mod ipam;
pub mod kind;
pub mod license_manager;
pub mod mpa;
pub mod organization;
pub mod pages;
pub mod plan;
pub mod retries;
pub mod verified_access;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use app::model::{AppError, ResourceKind, GLOBAL_REGION};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use tokio::sync::{Mutex, OnceCell};

pub use error::{AwsFailure, Scope};
pub use kind::{At, KindAdapter};

/// Every kind's adapter: adding a kind adds its line here.
static ADAPTERS: &[&dyn KindAdapter] = &[
    &ipam::VerificationTokens,
    &verified_access::TrustProviders,
    &license_manager::LicenseTokens,
    &mpa::IdentitySources,
    &iam_instance_profile::InstanceProfiles,
    &iam_oidc_provider::OidcProviders,
    &iam_saml_provider::SamlProviders,
    &iam_server_certificate::ServerCertificates,
    &iam_mfa_device::MfaDevices,
    &iam_managed_policy::ManagedPolicies,
];

/// The adapter of `kind`.
pub fn adapter(kind: ResourceKind) -> &'static dyn KindAdapter {
    ADAPTERS
        .iter()
        .copied()
        .find(|adapter| adapter.kind() == kind)
        .unwrap_or_else(|| panic!("no AWS adapter is registered for {}", kind.as_str()))
}

use crate::config::{AccountConfig, Config};

/// A labelled value for an item's detail page, left out when AWS gave none.
pub(crate) fn field(label: &str, value: Option<&str>) -> Option<app::model::Field> {
    value.filter(|v| !v.is_empty()).map(|v| app::model::Field {
        label: label.to_string(),
        value: v.to_string(),
    })
}

/// An AWS date as the cache stores it.
pub(crate) fn date(at: &aws_smithy_types::DateTime) -> Option<String> {
    chrono::DateTime::from_timestamp(at.secs(), 0).map(crate::time::timestamp)
}

/// The value of an item's `Name` tag, which EC2 and Multi-party approval items are known by.
pub(crate) fn name_tag(tags: &[app::model::Tag]) -> Option<String> {
    tags.iter()
        .find(|tag| tag.key == "Name")
        .map(|tag| tag.value.clone())
}

/// How many times a call is tried in all (throttling and transient faults are retried).
pub const MAX_ATTEMPTS: u32 = 3;
/// The session name trustdesk's assumed-role sessions carry, visible in CloudTrail.
pub const SESSION_NAME: &str = "trustdesk-console";

/// One AWS account the console manages: configured, or discovered in the organization.
pub struct Account {
    pub name: String,
    pub regions: Vec<String>,
    config: SdkConfig,
    account_id: OnceCell<String>,
}

impl Account {
    /// An account whose calls use `config`; its id is asked of STS at first use.
    pub(crate) fn new(name: String, regions: Vec<String>, config: SdkConfig) -> Self {
        Account {
            name,
            regions,
            config,
            account_id: OnceCell::new(),
        }
    }
}

/// Where one kind is read: an account and a region (`global` for IAM), with the region SDK
/// clients are made for.
#[derive(Clone)]
pub struct Place {
    pub account: Arc<Account>,
    pub region: String,
    pub sdk_region: String,
}

pub struct Aws {
    /// The accounts as of the last organization read (or the configured ones): replaced whole,
    /// so a sync or a page works with one list from start to end.
    accounts: std::sync::RwLock<Arc<Vec<Arc<Account>>>>,
    /// The `[[accounts]]` of the configuration, which every organization read keeps.
    configured: Vec<Arc<Account>>,
    /// What the `[organization]` reads need, when one is configured.
    organization: Option<organization::Reader>,
    clients: Mutex<HashMap<(String, String), SdkConfig>>,
    /// Where every client's calls are counted for `/metrics`.
    metrics: Arc<crate::monitoring::Metrics>,
}

impl Aws {
    /// No accounts and no SDK configuration: what commands that do not call AWS, and a `serve`
    /// with nothing configured, work with.
    pub fn none() -> Self {
        Self {
            accounts: Default::default(),
            configured: Vec::new(),
            organization: None,
            clients: Mutex::new(HashMap::new()),
            metrics: Default::default(),
        }
    }

    /// Reads credentials for every configured account (assuming roles lazily, at first use), as
    /// `plan` decided: with [`plan::Source::Nothing`] no SDK configuration is loaded at all.
    pub async fn from_config(config: &Config, plan: &plan::AwsPlan) -> Self {
        if plan.source == plan::Source::Nothing {
            return Self::none();
        }
        let metadata = plan.instance_metadata;
        let mut accounts = Vec::new();
        let configured: Vec<AccountConfig> = if config.accounts.is_empty() {
            Vec::new()
        } else {
            config.accounts.clone()
        };
        let base = base_loader(config, metadata, None).load().await;
        let organization = match &config.organization {
            Some(settings) => Some(
                organization::Reader::new(
                    settings.clone(),
                    base_loader(config, metadata, settings.profile.as_deref())
                        .load()
                        .await,
                )
                .await,
            ),
            None => None,
        };
        if configured.is_empty() && organization.is_none() {
            let region = base
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".to_string());
            accounts.push(Arc::new(Account::new(
                "default".into(),
                vec![region],
                base.clone(),
            )));
        }
        for account in configured {
            let mut sdk_config = base_loader(config, metadata, account.profile.as_deref())
                .load()
                .await;
            if let Some(role_arn) = &account.role_arn {
                sdk_config = assuming(sdk_config, role_arn, &account.regions).await;
            }
            accounts.push(Arc::new(Account::new(
                account.name,
                account.regions,
                sdk_config,
            )));
        }
        Self {
            accounts: std::sync::RwLock::new(Arc::new(accounts.clone())),
            configured: accounts,
            organization,
            clients: Mutex::new(HashMap::new()),
            metrics: Default::default(),
        }
    }

    /// Counts every call of this process's clients into `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<crate::monitoring::Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// What a client's interceptor counts its calls into: `calls`, and `/metrics`.
    fn call_metrics(&self, calls: &calls::CallCounter) -> call_metrics::AwsCallMetrics {
        call_metrics::AwsCallMetrics {
            metrics: self.metrics.clone(),
            calls: calls.clone(),
        }
    }

    /// The accounts managed now.
    pub fn accounts(&self) -> Arc<Vec<Arc<Account>>> {
        self.accounts
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The names of the accounts managed now.
    pub fn account_names(&self) -> Vec<String> {
        self.accounts().iter().map(|a| a.name.clone()).collect()
    }

    /// Whether accounts are read from an AWS organization (`[organization]`).
    pub fn reads_an_organization(&self) -> bool {
        self.organization.is_some()
    }

    /// Reads the organization's accounts again (`[organization]`): the accounts managed from
    /// now on are the configured ones and the organization's active, included ones whose role
    /// could be assumed. Answers what was found, for the Sync page; none without an organization.
    pub async fn read_organization(&self) -> Option<organization::Discovery> {
        let reader = self.organization.as_ref()?;
        let current = self.accounts();
        let counted = self.call_metrics(&calls::CallCounter::default());
        let discovery = reader.discover(&self.configured, &current, &counted).await;
        let mut accounts = self.configured.clone();
        accounts.extend(discovery.managed.iter().cloned());
        *self.accounts.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(accounts);
        Some(discovery)
    }

    /// Where `kind` lives: every managed account and region, or for a global kind every
    /// account once (region `global`).
    pub fn places(&self, kind: ResourceKind) -> Vec<Place> {
        self.accounts()
            .iter()
            .flat_map(|account| {
                if kind.is_global() {
                    vec![Place {
                        account: account.clone(),
                        region: GLOBAL_REGION.to_string(),
                        sdk_region: global_sdk_region(account),
                    }]
                } else {
                    account
                        .regions
                        .iter()
                        .map(|r| Place {
                            account: account.clone(),
                            region: r.clone(),
                            sdk_region: r.clone(),
                        })
                        .collect()
                }
            })
            .collect()
    }

    /// The place of an item of `kind` in `account`/`region`, or an error naming what is wrong.
    pub fn place(
        &self,
        kind: ResourceKind,
        account: &str,
        region: &str,
    ) -> Result<Place, AppError> {
        let found = self
            .accounts()
            .iter()
            .find(|a| a.name == account)
            .cloned()
            .ok_or_else(|| {
                AppError::not_found(format!("No AWS account named \"{account}\" is managed."))
            })?;
        if kind.is_global() {
            if region != GLOBAL_REGION {
                return Err(AppError::not_found(format!(
                    "{} are global: their region is {GLOBAL_REGION}, not {region}.",
                    kind.title()
                )));
            }
            let sdk_region = global_sdk_region(&found);
            return Ok(Place {
                account: found,
                region: region.to_string(),
                sdk_region,
            });
        }
        if !found.regions.iter().any(|r| r == region) {
            return Err(AppError::not_found(format!(
                "Region {region} is not configured for account {account}."
            )));
        }
        Ok(Place {
            account: found,
            region: region.to_string(),
            sdk_region: region.to_string(),
        })
    }

    /// Where calls about an item of `kind` in `account`/`region` go, the account's id read
    /// (once) from STS.
    pub async fn at(
        self: &Arc<Self>,
        kind: ResourceKind,
        account: &str,
        region: &str,
    ) -> Result<At, AwsFailure> {
        let place = self
            .place(kind, account, region)
            .map_err(|error| AwsFailure {
                error,
                code: "NotConfigured".into(),
                request_id: String::new(),
            })?;
        self.at_place(&place).await
    }

    /// [`Aws::at`] for a place from [`Aws::places`].
    pub async fn at_place(self: &Arc<Self>, place: &Place) -> Result<At, AwsFailure> {
        let account = &place.account;
        let calls = calls::CallCounter::default();
        let account_id = self.account_id(account, &place.sdk_region, &calls).await?;
        Ok(At::new(
            self.clone(),
            account.clone(),
            place.sdk_region.clone(),
            Scope::new(&account.name, &account_id, &place.region),
            calls,
        ))
    }

    async fn sdk_config(&self, account: &Account, region: &str) -> SdkConfig {
        let mut clients = self.clients.lock().await;
        clients
            .entry((account.name.clone(), region.to_string()))
            .or_insert_with(|| {
                account
                    .config
                    .clone()
                    .into_builder()
                    .region(Region::new(region.to_string()))
                    .build()
            })
            .clone()
    }

    /// A client of one service (`aws_sdk_iam::Client`, …) for `account` in `region`, its
    /// calls counted into `calls` and for `/metrics`.
    pub async fn client<C: ServiceClient>(
        &self,
        account: &Account,
        region: &str,
        calls: &calls::CallCounter,
    ) -> C {
        let config = self.sdk_config(account, region).await;
        C::new(&config, self.call_metrics(calls))
    }

    /// The account's 12-digit id, asked of STS once.
    pub async fn account_id(
        &self,
        account: &Account,
        region: &str,
        calls: &calls::CallCounter,
    ) -> Result<String, AwsFailure> {
        let scope = Scope::new(&account.name, "", region);
        account
            .account_id
            .get_or_try_init(|| async {
                let sts: aws_sdk_sts::Client = self.client(account, region, calls).await;
                let identity = sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| error::failure(e, "sts:GetCallerIdentity", &scope))?;
                Ok(identity.account().unwrap_or_default().to_string())
            })
            .await
            .cloned()
    }
}

/// A service's SDK client, made from an SDK configuration with trustdesk's interceptor.
pub trait ServiceClient {
    fn new(config: &SdkConfig, interceptor: call_metrics::AwsCallMetrics) -> Self;
}

/// Every service's client is made the same way (the SDK gives each its own config builder),
/// with a retry classifier of trustdesk's where the SDK misses a service's throttling.
macro_rules! service_clients {
    ($($sdk:ident $(retrying $classifier:expr)?),*) => {$(
        impl ServiceClient for $sdk::Client {
            fn new(config: &SdkConfig, interceptor: call_metrics::AwsCallMetrics) -> Self {
                let config = $sdk::config::Builder::from(config).interceptor(interceptor);
                $(let config = config.retry_classifier($classifier);)?
                $sdk::Client::from_conf(config.build())
            }
        }
    )*};
}
service_clients!(
    aws_sdk_ec2,
    aws_sdk_iam,
    aws_sdk_licensemanager retrying retries::ThrottlingCodes,
    aws_sdk_mpa,
    aws_sdk_organizations retrying retries::ThrottlingCodes,
    aws_sdk_sts
);

/// `config` with credentials of `role_arn`, assumed (and renewed) by STS in the account's first
/// region (any works; a region is required).
pub(crate) async fn assuming(config: SdkConfig, role_arn: &str, regions: &[String]) -> SdkConfig {
    let sts_region = regions
        .first()
        .cloned()
        .unwrap_or_else(|| "us-east-1".into());
    let provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name(SESSION_NAME)
        .region(Region::new(sts_region))
        .configure(&config)
        .build()
        .await;
    // One cache for every client made from this configuration (and its per-region copies):
    // without it each new client asks STS for the role's credentials again.
    config
        .into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .identity_cache(aws_config::identity::IdentityCache::lazy().build())
        .build()
}

/// IAM's endpoint is global, but SDK clients need a region: the account's first one.
fn global_sdk_region(account: &Account) -> String {
    account
        .regions
        .first()
        .cloned()
        .unwrap_or_else(|| "us-east-1".to_string())
}

fn base_loader(
    config: &Config,
    instance_metadata: bool,
    profile: Option<&str>,
) -> aws_config::ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(20))
                .operation_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(endpoint) = &config.aws_endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if !instance_metadata {
        loader = without_instance_metadata(loader, profile);
    }
    if config.demo {
        // The emulator accepts any key; these never leave the machine.
        loader = loader.credentials_provider(Credentials::new(
            "AKIDTRUSTDESKDEMO",
            "demo",
            None,
            None,
            "trustdesk-demo",
        ));
    }
    loader
}

/// The default chains for region and credentials, less their instance metadata step: the SDK
/// has no setting for that short of the process environment (`AWS_EC2_METADATA_DISABLED`),
/// which trustdesk leaves to the operator.
fn without_instance_metadata(
    loader: aws_config::ConfigLoader,
    profile: Option<&str>,
) -> aws_config::ConfigLoader {
    use aws_config::{
        ecs::EcsCredentialsProvider,
        environment::{EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider},
        meta::{credentials::CredentialsProviderChain, region::RegionProviderChain},
        profile::{credentials::ProfileFileCredentialsProvider, region::ProfileFileRegionProvider},
        web_identity_token::WebIdentityTokenCredentialsProvider,
    };
    let mut profile_region = ProfileFileRegionProvider::builder();
    let mut profile_credentials = ProfileFileCredentialsProvider::builder();
    if let Some(profile) = profile {
        profile_region = profile_region.profile_name(profile);
        profile_credentials = profile_credentials.profile_name(profile);
    }
    let region = RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(profile_region.build())
        .or_else(Region::new("us-east-1"));
    let credentials = CredentialsProviderChain::first_try(
        "Environment",
        EnvironmentVariableCredentialsProvider::new(),
    )
    .or_else("Profile", profile_credentials.build())
    .or_else(
        "WebIdentityToken",
        WebIdentityTokenCredentialsProvider::builder().build(),
    )
    .or_else("EcsContainer", EcsCredentialsProvider::builder().build());
    loader.region(region).credentials_provider(credentials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_exactly_one_adapter() {
        for kind in ResourceKind::ALL {
            let registered = ADAPTERS.iter().filter(|a| a.kind() == kind).count();
            assert_eq!(registered, 1, "{} has {registered} adapters", kind.as_str());
        }
        assert_eq!(ADAPTERS.len(), ResourceKind::ALL.len());
    }
}
