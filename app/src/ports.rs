//! Everything a server function may ask of the backend. The server implements these traits per
//! request (bound to the caller's session and address), so each server function is one call:
//! `read(|ports| ports.inventory(kind, query))` or `change(|ports| ports.logout())`.

use crate::model::alerts::{AlertLinkInfo, AlertRulesForm, AlertSettings, OutboxPage, Silence};
use crate::model::bulk::{BulkDraft, BulkEditPage, BulkEditsPage, OperationRow, SelectionForm};
use crate::model::compliance::{RuleCompliance, TagRuleForm, TagRulesPage};
use crate::model::share::{ShareCreated, ShareForm, ShareLinksPage, SharePreview};
use crate::model::{
    AppError, AuditDetail, AuditPage, AuditQuery, AwsItem, ChainCursor, ChainProgress, ChainReport,
    CreateFormOptions, Dashboard, FormIntent, InventoryPage, InventoryQuery, NewUser, OnceSecret,
    RefreshReport, ResourceKind, ResourceRef, Secret, SessionInfo, SetupLinkState, SyncOverview,
    UserSummary,
};
use std::sync::Arc;

/// How a call through the ports ended, told to the browser once, at the server function's
/// boundary ([`read`], [`change`]), so that no operation has to remember it.
#[async_trait::async_trait]
pub trait Answers: Send + Sync {
    /// A change went through: its notice waits for the next page of a form posted without
    /// JavaScript, and the browser goes to `redirect` if there is one.
    async fn changed(
        &self,
        notice: Option<String>,
        redirect: Option<String>,
    ) -> Result<(), AppError>;
    /// A call failed: a script caller gets the matching status code, and the error the id of
    /// the request it happened in, so the page showing it lets the user quote what the log has.
    fn failed(&self, error: AppError) -> AppError;
}

/// What a change answers: its value, the sentence that tells the user it is done, and where the
/// browser goes next.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed<T = ()> {
    pub value: T,
    pub notice: Option<String>,
    pub redirect: Option<String>,
}

impl Changed<()> {
    /// A change with nothing to answer but its notice.
    pub fn notice(notice: impl Into<String>) -> Self {
        Changed::with(()).noticed(notice)
    }
}

impl<T> Changed<T> {
    pub fn with(value: T) -> Self {
        Changed {
            value,
            notice: None,
            redirect: None,
        }
    }

    pub fn noticed(mut self, notice: impl Into<String>) -> Self {
        self.notice = Some(notice.into());
        self
    }

    pub fn then_to(mut self, path: impl Into<String>) -> Self {
        self.redirect = Some(path.into());
        self
    }
}

/// A future a port answers, borrowing the ports it was called on.
pub type Answer<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, AppError>> + Send + 'a>>;

/// Runs one read of the request's ports: `read(|ports| ports.inventory(kind, query))`.
pub async fn read<T>(
    call: impl for<'a> FnOnce(&'a dyn Ports) -> Answer<'a, T>,
) -> Result<T, AppError> {
    let ports = ports()?;
    call(&*ports).await.map_err(|error| ports.failed(error))
}

/// Runs one change through the request's ports and tells the browser how it ended.
pub async fn change<T: Send>(
    call: impl for<'a> FnOnce(&'a dyn Ports) -> Answer<'a, Changed<T>>,
) -> Result<T, AppError> {
    let ports = ports()?;
    let changed = call(&*ports).await.map_err(|error| ports.failed(error))?;
    ports
        .changed(changed.notice, changed.redirect)
        .await
        .map_err(|error| ports.failed(error))?;
    Ok(changed.value)
}

/// Declares [`Ports`], everything a server function may ask of the backend: one trait an area,
/// each implemented by the server for one request (bound to the caller's session and address),
/// in the console's module of that area.
macro_rules! ports_of_every_area {
    ($($area:ident),+ $(,)?) => {
        pub trait Ports: Answers $(+ $area)+ {}
        impl<T: Answers $(+ $area)+> Ports for T {}
    };
}

ports_of_every_area!(
    SessionPorts,
    UserPorts,
    AuditPorts,
    InventoryPorts,
    SyncPorts,
    AlertPorts,
    ShareLinkPorts,
    TagRulePorts,
    BulkEditPorts,
    SearchPorts,
);

/// Signing in and out, the first admin's setup, the home page.
#[async_trait::async_trait]
pub trait SessionPorts: Send + Sync {
    async fn session_info(&self) -> Result<SessionInfo, AppError>;
    /// True while no active admin exists (the sign-in page then points at the setup link).
    async fn setup_needed(&self) -> Result<bool, AppError>;
    /// What the sign-in page offers besides passwords (`[sso]`).
    async fn sign_in_options(&self) -> Result<crate::model::SignInOptions, AppError>;
    async fn setup_link_state(&self, token: Secret) -> Result<SetupLinkState, AppError>;
    async fn complete_setup(&self, token: Secret, admin: NewUser) -> Result<Changed, AppError>;
    /// Goes on to `next` (when it is a path of this site) once signed in.
    async fn login(
        &self,
        username: String,
        password: Secret,
        next: String,
    ) -> Result<Changed, AppError>;
    async fn logout(&self) -> Result<Changed, AppError>;
    async fn dashboard(&self) -> Result<Dashboard, AppError>;
    async fn about(&self) -> Result<crate::model::About, AppError>;
}

/// trustdesk's own accounts (admins).
#[async_trait::async_trait]
pub trait UserPorts: Send + Sync {
    async fn list_users(&self) -> Result<Vec<UserSummary>, AppError>;
    async fn add_user(&self, user: NewUser) -> Result<Changed, AppError>;
    async fn change_role(&self, user_id: i64, role: String) -> Result<Changed, AppError>;
    async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> Result<Changed, AppError>;
}

/// The audit trail and its seals.
#[async_trait::async_trait]
pub trait AuditPorts: Send + Sync {
    /// A page of the audit trail, newest first, filtered.
    async fn audit_page(&self, query: AuditQuery) -> Result<AuditPage, AppError>;
    /// One row in full: parameters, the item before and after, its seal.
    async fn audit_entry(&self, id: i64) -> Result<AuditDetail, AppError>;
    /// The rows that acted on one item, newest first (its page's History card).
    async fn item_history(&self, item: ResourceRef) -> Result<crate::model::ItemHistory, AppError>;
    /// Walks the whole chain in one request (the page without JavaScript).
    async fn verify_audit_chain(&self) -> Result<ChainReport, AppError>;
    /// Walks the next chunk of the chain after `cursor` (the page's progress bar).
    async fn verify_audit_chunk(&self, cursor: ChainCursor) -> Result<ChainProgress, AppError>;
}

/// Every kind's items: the cached inventory, one item, its tags, deletion and the kind's own
/// forms.
#[async_trait::async_trait]
pub trait InventoryPorts: Send + Sync {
    /// One kind's items from the cache, filtered, sorted and paged.
    async fn inventory(
        &self,
        kind: ResourceKind,
        query: InventoryQuery,
    ) -> Result<InventoryPage, AppError>;
    /// Re-reads one kind from AWS in every configured account and region.
    async fn refresh_inventory(
        &self,
        kind: ResourceKind,
    ) -> Result<Changed<RefreshReport>, AppError>;
    async fn resource(&self, item: ResourceRef) -> Result<AwsItem, AppError>;
    /// The create form of `item`'s successor, prefilled from it (its kind's
    /// [`Renewal::Successor`](crate::model::Renewal)).
    async fn renewal(&self, item: ResourceRef) -> Result<crate::model::RenewalForm, AppError>;
    /// The item `item` renews and the item that renews it, made through trustdesk.
    async fn renewal_links(
        &self,
        item: ResourceRef,
    ) -> Result<crate::model::RenewalLinks, AppError>;
    /// Records that a renewed item is left to expire (nothing is sent to AWS).
    async fn leave_renewed_to_expire(&self, item: ResourceRef) -> Result<Changed, AppError>;
    /// Deletes the item in AWS; `confirm` must repeat its id.
    async fn delete_resource(
        &self,
        item: ResourceRef,
        confirm: String,
    ) -> Result<Changed, AppError>;
    /// Adds a tag or changes its value.
    async fn set_resource_tag(
        &self,
        item: ResourceRef,
        key: String,
        value: String,
    ) -> Result<Changed, AppError>;
    async fn remove_resource_tag(
        &self,
        item: ResourceRef,
        key: String,
    ) -> Result<Changed, AppError>;
    /// Accounts and regions (accounts alone for a global kind) a new item can go to.
    async fn create_form_options(&self, kind: ResourceKind) -> Result<CreateFormOptions, AppError>;
    /// The choices one of a kind's forms offers, read from AWS, as the kind's module types them.
    async fn kind_form_options(
        &self,
        kind: ResourceKind,
        form: String,
    ) -> Result<serde_json::Value, AppError>;
    /// A kind-specific form (create, modify, …): validated by the kind, then authorised,
    /// audited, sent to AWS and cached like every change. Answers the kind's typed reply.
    async fn act(&self, request: KindRequest) -> Result<Changed<serde_json::Value>, AppError>;
    /// A secret AWS showed once at creation: once, for the user who created the item.
    async fn take_shown_once(&self, handle: Secret) -> Result<OnceSecret, AppError>;
}

/// The search across every kind.
#[async_trait::async_trait]
pub trait SearchPorts: Send + Sync {
    /// Items still in AWS whose id, name, ARN, account id or tags contain every word of `q`.
    async fn search(&self, q: String) -> Result<crate::model::search::SearchResults, AppError>;
}

/// The background sync.
#[async_trait::async_trait]
pub trait SyncPorts: Send + Sync {
    /// The newest run of every scope, progress, the schedule.
    async fn sync_overview(&self) -> Result<SyncOverview, AppError>;
    /// Asks for a sync of everything now (admins).
    async fn request_sync(&self) -> Result<Changed, AppError>;
}

/// Expiry alerts: the rules (everyone signed in reads them; admins change them, audited), the
/// outbox, silences and the links in the emails.
#[async_trait::async_trait]
pub trait AlertPorts: Send + Sync {
    async fn alert_settings(&self) -> Result<AlertSettings, AppError>;
    async fn save_alert_rules(&self, rules: AlertRulesForm) -> Result<Changed, AppError>;
    /// Queues a test email to `to` through the outbox (admins).
    async fn send_test_email(&self, to: String) -> Result<Changed, AppError>;
    /// Queues a test post to the configured webhook `name` through the outbox (admins).
    async fn send_test_post(&self, name: String) -> Result<Changed, AppError>;
    async fn outbox(&self) -> Result<OutboxPage, AppError>;
    /// `retry` or `discard` an outbox mail (admins, audited).
    async fn act_on_mail(&self, id: i64, action: String) -> Result<Changed, AppError>;
    async fn silence(&self, item: ResourceRef) -> Result<Option<Silence>, AppError>;
    /// `ack`, `snooze` for `days`, or `clear` (admins, audited).
    async fn set_silence(
        &self,
        item: ResourceRef,
        action: String,
        days: u32,
    ) -> Result<Changed, AppError>;
    /// An emailed link, read without acting and without signing in.
    async fn alert_link(&self, token: Secret) -> Result<AlertLinkInfo, AppError>;
    /// Acts on an emailed link once (audited as its recipient).
    async fn use_alert_link(&self, token: Secret, days: u32) -> Result<Changed, AppError>;
}

/// Share links (admins).
#[async_trait::async_trait]
pub trait ShareLinkPorts: Send + Sync {
    /// What a new link for `form`'s scope would show.
    async fn share_preview(&self, form: ShareForm) -> Result<SharePreview, AppError>;
    /// Makes a link (audited); its URL is in the answer, this once.
    async fn create_share_link(&self, form: ShareForm) -> Result<Changed<ShareCreated>, AppError>;
    /// Every link with its views; `selected` adds that link's recorded views.
    async fn share_links(&self, selected: Option<i64>) -> Result<ShareLinksPage, AppError>;
    async fn revoke_share_link(&self, id: i64) -> Result<Changed, AppError>;
    /// Revokes every link still working; answers how many.
    async fn revoke_all_share_links(&self) -> Result<Changed<u64>, AppError>;
}

/// Tag rules: everyone signed in reads them; admins add and remove them (audited).
#[async_trait::async_trait]
pub trait TagRulePorts: Send + Sync {
    async fn tag_rules(&self) -> Result<TagRulesPage, AppError>;
    async fn add_tag_rule(&self, rule: TagRuleForm) -> Result<Changed, AppError>;
    async fn delete_tag_rule(&self, id: i64) -> Result<Changed, AppError>;
    /// Every rule with the cached items that break it.
    async fn compliance(&self) -> Result<Vec<RuleCompliance>, AppError>;
    /// The tags a kind's items carry, for a create form's suggestions.
    async fn tag_suggestions(
        &self,
        kind: ResourceKind,
    ) -> Result<crate::model::compliance::TagSuggestions, AppError>;
}

/// Bulk tag edits: everyone signed in reads them; admins preview, apply and retry them.
#[async_trait::async_trait]
pub trait BulkEditPorts: Send + Sync {
    /// What a selection holds, with the fixes suggested for a rule's violations.
    async fn bulk_draft(&self, selection: SelectionForm) -> Result<BulkDraft, AppError>;
    /// Stores a preview (nothing is sent) and goes to it.
    async fn preview_bulk_edit(
        &self,
        selection: SelectionForm,
        ops: Vec<OperationRow>,
    ) -> Result<Changed<String>, AppError>;
    async fn bulk_edit(
        &self,
        id: String,
        status: String,
        page: u32,
    ) -> Result<BulkEditPage, AppError>;
    async fn bulk_edits(&self) -> Result<BulkEditsPage, AppError>;
    /// Applies the preview at `revision`, the one the admin saw.
    async fn apply_bulk_edit(&self, id: String, revision: i64) -> Result<Changed, AppError>;
    /// Sends the failed items again, after checking them against AWS.
    async fn retry_bulk_edit(&self, id: String) -> Result<Changed, AppError>;
}

/// One submission of a kind's own form.
#[derive(Debug, Clone)]
pub struct KindRequest {
    pub kind: ResourceKind,
    /// The form: `create`, or another action the kind defines (`modify`, …).
    pub action: String,
    /// The item acted on; none for a create.
    pub item: Option<ResourceRef>,
    /// The form's fields, as the kind's form type serialises them.
    pub form: serde_json::Value,
    /// Create, or only check permissions with a dry run.
    pub intent: FormIntent,
    /// The item a new item renews (a renewal's create form): linked to it once it is made.
    pub renews: Option<ResourceRef>,
}

/// The request's ports, put into the request's extensions by the server's middleware.
#[derive(Clone)]
pub struct RequestPorts(pub Arc<dyn Ports>);

/// The id the server gave the request being handled (its `X-Request-Id`), put into the
/// request's extensions by the server's middleware.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The ports of the request being handled.
pub fn ports() -> Result<Arc<dyn Ports>, AppError> {
    let parts =
        leptos::prelude::use_context::<http::request::Parts>().ok_or_else(AppError::internal)?;
    parts
        .extensions
        .get::<RequestPorts>()
        .map(|p| p.0.clone())
        .ok_or_else(AppError::internal)
}
