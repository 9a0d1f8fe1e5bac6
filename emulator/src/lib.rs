//! trustdesk-emulator: a local AWS endpoint for the operations trustdesk uses (EC2 IPAM and
//! Verified Access, IAM, STS, License Manager, Multi-party approval, Organizations), faithful
//! enough for the unmodified AWS SDKs and CLI. All services share one port and are told apart, as AWS does, by
//! the service name in the SigV4 credential scope.

pub mod chat;
mod control;
pub mod derive;
mod error;
pub mod faults;
mod ids;
mod paging;
mod protocol;
pub mod seed;
mod server;
pub(crate) mod services;
mod sigv4;
mod state;
mod tags;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

pub use faults::{Fault, Only, ANY_OPERATION};
pub use server::{start, Running};
pub use services::ec2::regions::{ENABLED_REGIONS, NOT_OPTED_IN_REGIONS};
pub use services::organizations::{AccountState, JoinedMethod, NewMember, Scaled};
pub use state::DEFAULT_ACCOUNT;

use crate::faults::Faults;
use crate::state::World;

/// The emulator's shared state; cheap to clone.
#[derive(Clone, Default)]
pub struct Emulator {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    world: Mutex<World>,
    faults: Mutex<Faults>,
    /// Calls served per operation since start (or the last reset), for tests that count what
    /// a client asked.
    calls: Mutex<std::collections::BTreeMap<String, u64>>,
    /// The demo's chat channel (`/_emulator/chat`).
    chat: Mutex<chat::Channel>,
}

impl Emulator {
    pub fn new() -> Self {
        Self::default()
    }

    /// With the demo data: two accounts, two regions, every kind of item, expiries spread from
    /// already expired to months away, and the organization they belong to.
    pub fn with_demo_seed() -> Self {
        let emulator = Self::new();
        seed::demo(&mut emulator.world());
        emulator
    }

    /// Adds the account at organisation scale ([`seed::scale`]: 1,000 customer managed policies
    /// and 300 instance profiles, all tagged) to whatever the emulator holds.
    pub fn at_scale(self) -> Self {
        seed::scale::seed(&mut self.world());
        self
    }

    fn world(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.inner
            .world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.inner
            .faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Calls served per operation (each attempt counts, as AWS would bill and throttle it).
    pub fn calls(&self) -> std::collections::BTreeMap<String, u64> {
        self.calls_lock().clone()
    }

    pub fn reset_calls(&self) {
        self.calls_lock().clear();
    }

    pub(crate) fn count_call(&self, operation: &str) {
        *self.calls_lock().entry(operation.to_string()).or_default() += 1;
    }

    /// The demo's chat channel: what was posted to `/_emulator/chat/{channel}`.
    pub fn chat(&self) -> MutexGuard<'_, chat::Channel> {
        self.inner
            .chat
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn calls_lock(&self) -> MutexGuard<'_, std::collections::BTreeMap<String, u64>> {
        self.inner
            .calls
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The emulated AWS's clock: the real time moved by what [`Emulator::advance_clock`] added.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.world().now()
    }

    /// Makes the next `times` calls of `operation` (e.g. `"ListPolicies"`, or [`ANY_OPERATION`])
    /// fail or wait as `fault` says.
    pub fn inject_fault(&self, operation: &str, fault: Fault, times: usize) {
        self.inject_fault_only(operation, Only::default(), fault, times);
    }

    /// A fault for the calls `only` matches (one account's, or those naming one item).
    pub fn inject_fault_only(&self, operation: &str, only: Only, fault: Fault, times: usize) {
        self.faults().inject(operation, only, fault, times);
    }

    pub fn clear_faults(&self) {
        self.faults().clear();
    }

    /// How far [`Emulator::advance_clock`] has moved the clock in all.
    pub fn clock_offset(&self) -> chrono::Duration {
        self.world().clock_offset
    }

    /// Moves the emulator's clock forward, so that tokens and certificates expire.
    pub fn advance_clock(&self, by: chrono::Duration) {
        self.world().clock_offset += by;
    }

    /// Creates `account` if needed and a role in it that AssumeRole can enter.
    pub fn add_role(&self, account: &str, role_name: &str) {
        let mut world = self.world();
        let now = world.now();
        world
            .account(account)
            .iam
            .ensure_role(account, role_name, now);
    }

    /// Adds an account to the organization (founded by the default account if there is none)
    /// with its own state and, if asked, the console's role; answers its id.
    pub fn add_member_account(&self, new: NewMember) -> Result<String, String> {
        services::organizations::members::join(&mut self.world(), new)
    }

    /// Adds `count` (1 to 1,000) active accounts with the console's role to the OU `Scale`.
    pub fn add_scale_members(&self, count: usize) -> Result<Scaled, String> {
        services::organizations::members::scale(&mut self.world(), count)
    }

    /// Changes a member account's `State` (its `Status` follows).
    pub fn set_account_state(&self, account: &str, state: AccountState) -> Result<(), String> {
        services::organizations::members::set_state(&mut self.world(), account, state)
    }

    pub async fn serve(self, addr: SocketAddr) -> std::io::Result<Running> {
        start(self, addr).await
    }
}
