//! The one way in for every action: authorize → validate → audit → act, with the audit row and
//! the change in one transaction, so that a change without its audit row cannot happen.
//! [`RequestConsole`] implements the UI's ports (`app::ports`) for one request, one area a
//! module: the server functions reach each operation in one hop.

use crate::{
    auth::{self, LoginThrottle, Passwords, RepeatedRefusals, SetupThrottle},
    aws_reads::AwsReadLimits,
    csrf,
    store::{self, audit::NewAuditRow, db_error, setup, users, users::UserRecord, Db},
};
use app::{
    model::{
        AppError, AwsItem, AwsTarget, ChainReport, CurrentUser, Dashboard, ErrorKind, FieldError,
        NewUser, OnceSecret, Outcome, ResourceKind, Role, SessionInfo, SetupLinkState, UserSummary,
    },
    ports::Answers,
};
use serde_json::json;
use std::{sync::Arc, time::Instant};
use tower_sessions::Session;

mod alerts;
mod audit;
mod bulk_edits;
mod inventory;
mod next_path;
pub(crate) mod overview;
mod search;
mod session;
mod shares;
mod sso;
mod sync;
mod tag_rules;
mod user_admin;

pub use audit::AnchorCheck;

use next_path::safe_next;

pub(crate) const USER_ID_KEY: &str = "user_id";
/// What only admins may do with accounts, for refusals.
const FLASH_KEY: &str = "flash";
/// The audit row the flash message's change wrote, for its link.
const FLASH_AUDIT_KEY: &str = "flash_audit";
pub const SETUP_LINK_LIFETIME: chrono::Duration = chrono::Duration::hours(1);

pub struct Console {
    db: Db,
    passwords: Passwords,
    throttle: LoginThrottle,
    setup_throttle: SetupThrottle,
    /// Refused sign-ins, folded into a few audit rows.
    refusals: RepeatedRefusals,
    pub(crate) aws_reads: AwsReadLimits,
    version: String,
    aws: AwsTarget,
    pub(crate) clients: Arc<crate::aws::Aws>,
    pub(crate) once: crate::once::OneTimeSecrets,
    pub(crate) clock: crate::time::Clock,
    pub(crate) sync_settings: crate::config::SyncSettings,
    pub(crate) alerting: Arc<crate::alerts::Alerting>,
    /// Wakes this process's jobs for a "Sync now" or mail queued.
    pub(crate) wakeups: Arc<crate::jobs::Wakeups>,
    pub(crate) share_limits: Arc<crate::share::ShareLimits>,
    /// This server's figures for `/metrics`.
    pub(crate) metrics: Arc<crate::monitoring::Metrics>,
    /// Signing in with the OpenID Connect provider, when `[sso]` is configured.
    pub(crate) sso: Option<Arc<crate::sso::Sso>>,
    /// Turns true when the server stops: running syncs and bulk edits stop at a safe point.
    shutdown: tokio::sync::watch::Sender<bool>,
    /// Work started by requests that outlives them (bulk edit runs), awaited at shutdown.
    background: std::sync::Mutex<tokio::task::JoinSet<()>>,
    /// One permit per core for CPU-heavy reads of what a request carries.
    heavy_work: Arc<tokio::sync::Semaphore>,
    /// The expiry overview last read, shown again while it holds (`overview.rs`).
    kept_overview: std::sync::Mutex<Option<Arc<crate::store::overview_read::OverviewRead>>>,
    /// Held while the overview is read again: pages that find the kept read stale at once
    /// (every page's sidebar counts come from it) wait for one read instead of each making one.
    overview_reading: tokio::sync::Mutex<()>,
}

/// Who is asking, as the web layer saw it.
#[derive(Clone)]
pub struct Caller {
    pub session: Session,
    pub client_ip: crate::client_addr::ClientIp,
    /// A form posted by a browser without JavaScript: success leaves a flash message in the
    /// session, and errors travel back in the redirect rather than as a status code.
    pub plain_form: bool,
    /// Sent from the page by a form that stays there (a check): its notice goes back in the
    /// answer's `trustdesk-notice` header, not into the session for the next page.
    pub stays_on_page: bool,
    /// The CSRF token for what this request is bound to (its stored session, or its browser):
    /// what the page's forms and the session info carry.
    pub csrf_token: String,
    /// The request's id (`X-Request-Id`), written into its audit rows.
    pub request_id: String,
}

fn session_error(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(%error, "session store error");
    AppError::unavailable("trustdesk could not read or save your session. Try again in a moment.")
}

impl Console {
    pub fn new(
        db: Db,
        passwords: Passwords,
        aws: AwsTarget,
        clients: Arc<crate::aws::Aws>,
    ) -> Self {
        let security = crate::config::SecuritySettings::default();
        Self {
            db,
            passwords,
            throttle: LoginThrottle::default(),
            setup_throttle: SetupThrottle::default(),
            refusals: RepeatedRefusals::new(security.audit_repeat_window),
            aws_reads: AwsReadLimits::new(security.aws_reads),
            version: env!("CARGO_PKG_VERSION").to_string(),
            aws,
            clients,
            once: Default::default(),
            clock: Default::default(),
            sync_settings: Default::default(),
            alerting: Arc::new(crate::alerts::Alerting::disabled()),
            wakeups: Default::default(),
            share_limits: Default::default(),
            metrics: Default::default(),
            sso: None,
            shutdown: tokio::sync::watch::channel(false).0,
            background: Default::default(),
            heavy_work: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            kept_overview: Default::default(),
            overview_reading: Default::default(),
        }
    }

    /// Runs a CPU-heavy step (reading a document a form carries) on the blocking pool, at most
    /// one per core at a time: requests waiting on the database or AWS, and `/healthz`, are never
    /// stuck behind it, and a flood of documents queues instead of taking every thread.
    pub(crate) async fn off_the_workers<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self
            .heavy_work
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| AppError::internal())?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| AppError::internal())
    }

    /// Records into `metrics`, the recorder the server's `/metrics` renders.
    pub fn with_metrics(mut self, metrics: Arc<crate::monitoring::Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    pub fn metrics(&self) -> &Arc<crate::monitoring::Metrics> {
        &self.metrics
    }

    /// Tells running syncs and bulk edits to stop at their next safe point.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Turns true when [`Console::begin_shutdown`] is called.
    pub(crate) fn shutting_down(&self) -> tokio::sync::watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Runs `work` in the background; [`Console::finish_background_work`] waits for it.
    pub(crate) fn spawn_background(
        &self,
        work: impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        let mut running = self.background.lock().unwrap_or_else(|e| e.into_inner());
        // Finished runs are reaped as new ones start, so the set stays small.
        while running.try_join_next().is_some() {}
        running.spawn(work);
    }

    /// Waits for the background work (which stops on its own once shutdown has begun).
    pub async fn finish_background_work(&self) {
        let mut running =
            std::mem::take(&mut *self.background.lock().unwrap_or_else(|e| e.into_inner()));
        while running.join_next().await.is_some() {}
    }

    /// How often share links may be used (per link, and per client address).
    pub fn with_share_limits(mut self, requests_per_minute: u32) -> Self {
        self.share_limits = Arc::new(crate::share::ShareLimits::per_minute(requests_per_minute));
        self
    }

    pub fn with_sso(mut self, sso: Option<crate::sso::Sso>) -> Self {
        self.sso = sso.map(Arc::new);
        self
    }

    pub fn with_alerting(mut self, alerting: crate::alerts::Alerting) -> Self {
        self.alerting = Arc::new(alerting);
        self
    }

    /// Expiries, alerts and the schedule read the time from `clock`.
    pub fn with_clock(mut self, clock: crate::time::Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_sync_settings(mut self, settings: crate::config::SyncSettings) -> Self {
        self.sync_settings = settings;
        self
    }

    pub fn with_security(mut self, settings: &crate::config::SecuritySettings) -> Self {
        self.throttle = LoginThrottle::new(auth::LoginPolicy::starting_at(settings.sign_in_delay));
        self.setup_throttle = SetupThrottle::starting_at(settings.sign_in_delay);
        self.refusals = RepeatedRefusals::new(settings.audit_repeat_window);
        self.aws_reads = AwsReadLimits::new(settings.aws_reads);
        self
    }

    /// The process's gate to argon2 (and its count of runs).
    pub fn passwords(&self) -> &Passwords {
        &self.passwords
    }

    /// What the background jobs work with, taken from this console's parts.
    pub fn jobs(&self) -> crate::jobs::JobContext {
        crate::jobs::JobContext {
            db: self.db.clone(),
            aws: self.clients.clone(),
            clock: self.clock.clone(),
            metrics: self.metrics.clone(),
            alerting: self.alerting.clone(),
            sync_settings: self.sync_settings.clone(),
            wakeups: self.wakeups.clone(),
            shutdown: self.shutting_down(),
        }
    }

    pub fn clock(&self) -> &crate::time::Clock {
        &self.clock
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn for_request(self: &Arc<Self>, caller: Caller) -> RequestConsole {
        RequestConsole {
            console: self.clone(),
            caller,
            signed_in: std::sync::Mutex::new(None),
        }
    }

    /// When no active admin exists, issues a one-time setup link (replacing any earlier one)
    /// and returns its URL.
    pub async fn issue_setup_link(&self, public_url: &str) -> Result<Option<String>, sqlx::Error> {
        let mut tx = self.db.begin_write().await?;
        if users::count_active_admins(&mut tx).await? > 0 {
            return Ok(None);
        }
        let token = csrf::random_token();
        let now = chrono::Utc::now();
        setup::issue(
            &mut tx,
            &setup::hash_token(&token),
            &store::timestamp(now),
            &store::timestamp(now + SETUP_LINK_LIFETIME),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(format!("{public_url}/setup?token={token}")))
    }

    /// Adds a user on behalf of the operator at the server's command line.
    pub async fn add_user_as_system(&self, new_user: NewUser) -> Result<(), AppError> {
        let role = new_user.validate()?;
        let hash = self.passwords.hash(&new_user.password).await?;
        let audit = NewAuditRow {
            actor: "system".into(),
            client_ip: String::new(),
            action: "user.add".into(),
            target_kind: "user".into(),
            target_id: new_user.username.clone(),
            params: json!({"username": new_user.username, "role": role.as_str(), "via": "cli"}),
            ..Default::default()
        };
        self.insert_user(&new_user.username, role, &hash, audit)
            .await
            .map(|_| ())
    }

    async fn insert_user(
        &self,
        username: &str,
        role: Role,
        hash: &str,
        audit: NewAuditRow,
    ) -> Result<i64, AppError> {
        let mut tx = self.db.begin_write().await.map_err(db_error)?;
        let now = store::now();
        let Some(id) = users::insert(&mut tx, username, role, hash, &now)
            .await
            .map_err(db_error)?
        else {
            return Err(AppError {
                kind: ErrorKind::Conflict,
                message: format!("A user named {username} exists already."),
                fields: vec![FieldError {
                    field: "username".into(),
                    message: "This username is taken.".into(),
                }],
                request_id: None,
            });
        };
        self.commit_audited(tx, audit, &now).await?;
        Ok(id)
    }

    /// Writes an audit row on its own, for events that change nothing else (a refused attempt).
    /// Seals `row` into the audit chain and commits `tx`: a change and its audit row land
    /// together or not at all.
    pub(crate) async fn commit_audited(
        &self,
        mut tx: store::Tx,
        row: NewAuditRow,
        at: &str,
    ) -> Result<(), AppError> {
        store::audit::append(&mut tx, self.db.seal(), row, at)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }

    pub(crate) async fn audit_alone(&self, row: NewAuditRow) -> Result<(), AppError> {
        self.audit_rows_alone(vec![row]).await
    }

    async fn audit_rows_alone(&self, rows: Vec<NewAuditRow>) -> Result<(), AppError> {
        let mut tx = self.db.begin_write().await.map_err(db_error)?;
        let now = store::now();
        for row in rows {
            store::audit::append(&mut tx, self.db.seal(), row, &now)
                .await
                .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }

    /// Writes the counts of refused sign-ins still held in memory (at shutdown).
    pub async fn flush_refusals(&self) -> Result<(), AppError> {
        let rows: Vec<NewAuditRow> = self
            .refusals
            .drain()
            .into_iter()
            .map(session::refusal_row)
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        self.audit_rows_alone(rows).await
    }
}

/// The console bound to one request's caller.
pub struct RequestConsole {
    pub(crate) console: Arc<Console>,
    pub(crate) caller: Caller,
    /// Who is signed in, as read once for this request: a page asks several times (the guard,
    /// the layout, each server function it renders). Forgotten when the request signs in or out.
    signed_in: std::sync::Mutex<Option<Option<UserRecord>>>,
}

impl RequestConsole {
    fn session(&self) -> &Session {
        &self.caller.session
    }

    pub(crate) fn row(
        &self,
        actor: &str,
        action: &str,
        target_kind: &str,
        target_id: &str,
        params: serde_json::Value,
    ) -> NewAuditRow {
        NewAuditRow {
            actor: actor.to_string(),
            client_ip: self.caller.client_ip.to_string(),
            http_request_id: self.caller.request_id.clone(),
            action: action.to_string(),
            target_kind: target_kind.to_string(),
            target_id: target_id.to_string(),
            params,
            ..Default::default()
        }
    }

    /// The signed-in, enabled user; a disabled or deleted account ends the session.
    pub async fn signed_in(&self) -> Result<Option<UserRecord>, AppError> {
        if let Some(known) = self.known_user() {
            return Ok(known);
        }
        let user = self.read_signed_in().await?;
        *self.signed_in.lock().unwrap_or_else(|e| e.into_inner()) = Some(user.clone());
        Ok(user)
    }

    fn known_user(&self) -> Option<Option<UserRecord>> {
        self.signed_in
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn forget_user(&self) {
        *self.signed_in.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    async fn read_signed_in(&self) -> Result<Option<UserRecord>, AppError> {
        let Some(id) = self
            .session()
            .get::<i64>(USER_ID_KEY)
            .await
            .map_err(session_error)?
        else {
            return Ok(None);
        };
        let mut conn = self.console.db.pool().acquire().await.map_err(db_error)?;
        match users::find_by_id(&mut conn, id).await.map_err(db_error)? {
            Some(user) if !user.disabled => Ok(Some(user)),
            _ => {
                self.session().flush().await.map_err(session_error)?;
                Ok(None)
            }
        }
    }

    pub(crate) async fn require_user(&self) -> Result<UserRecord, AppError> {
        self.signed_in()
            .await?
            .ok_or_else(AppError::unauthenticated)
    }

    /// An admin, or an audited refusal.
    /// An admin, or an audited refusal; `what` completes "only admins can …" in the refusal.
    async fn require_admin(
        &self,
        action: &str,
        target: (&str, &str),
        what: &str,
    ) -> Result<UserRecord, AppError> {
        let user = self.require_user().await?;
        if user.role() == Role::Admin {
            return Ok(user);
        }
        let (target_kind, target_id) = target;
        let mut row = self.row(&user.username, action, target_kind, target_id, json!({}));
        row.outcome = Some(Outcome::Error);
        row.message = format!("refused: the viewer role cannot {what}");
        self.console.audit_alone(row).await?;
        Err(AppError::access_denied(format!(
            "Only admins can {what}; your account has the viewer role."
        )))
    }

    /// Records a viewer's call of an admins-only server function, refused at the door before
    /// its arguments were read (so the row names the action and the kind of target, not an
    /// item), and answers the refusal to show.
    pub(crate) async fn refuse_viewer(
        &self,
        user: &UserRecord,
        (action, target_kind): (&str, &str),
        what: &str,
    ) -> Result<AppError, AppError> {
        let mut row = self.row(&user.username, action, target_kind, "", json!({}));
        row.outcome = Some(Outcome::Error);
        row.message = format!("refused: the viewer role cannot {what}");
        self.console.audit_alone(row).await?;
        let mut refusal = AppError::access_denied(format!(
            "Only admins can {what}; your account has the viewer role."
        ));
        if !self.caller.request_id.is_empty() {
            refusal.request_id = Some(self.caller.request_id.clone().into_boxed_str());
        }
        Ok(refusal)
    }

    async fn sign_in_session(&self, user_id: i64) -> Result<(), AppError> {
        let session = self.session();
        // A new id at sign-in defeats session fixation; the CSRF token, bound to the id, changes
        // with it.
        self.forget_user();
        session.cycle_id().await.map_err(session_error)?;
        session
            .insert(USER_ID_KEY, user_id)
            .await
            .map_err(session_error)?;
        Ok(())
    }
}

/// How a call ended, told the way the caller can take it: a notice for a plain form that
/// succeeded (shown on the page it is sent to), an HTTP status matching the error for script
/// callers.
#[async_trait::async_trait]
impl Answers for RequestConsole {
    async fn changed(
        &self,
        notice: Option<String>,
        redirect: Option<String>,
    ) -> Result<(), AppError> {
        if let Some(to) = redirect {
            leptos_axum::redirect(&to);
        }
        // Kept for the next page the browser shows: a plain post's redirect, or the page a form
        // sent from the page goes to (or reloads) once it is answered.
        match notice {
            Some(notice) if self.caller.stays_on_page && !self.caller.plain_form => {
                if let Some(response) =
                    leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
                {
                    let encoded = percent_encoding::utf8_percent_encode(
                        &notice,
                        percent_encoding::NON_ALPHANUMERIC,
                    )
                    .to_string();
                    if let Ok(value) = http::HeaderValue::from_str(&encoded) {
                        response.insert_header(
                            http::HeaderName::from_static(app::api::NOTICE_HEADER),
                            value,
                        );
                    }
                }
                Ok(())
            }
            Some(notice) => {
                // The newest row this request wrote: the change the notice tells of.
                let audit_row = store::audit::newest_row_of_request(
                    self.console.db.pool(),
                    &self.caller.request_id,
                )
                .await
                .map_err(db_error)?;
                let session = self.session();
                match audit_row {
                    Some(row) => session.insert(FLASH_AUDIT_KEY, row).await,
                    None => session.remove::<i64>(FLASH_AUDIT_KEY).await.map(|_| ()),
                }
                .map_err(session_error)?;
                session
                    .insert(FLASH_KEY, notice)
                    .await
                    .map_err(session_error)
            }
            None => Ok(()),
        }
    }

    fn failed(&self, mut error: AppError) -> AppError {
        if !self.caller.plain_form {
            if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                if let Ok(status) = http::StatusCode::from_u16(error.kind.http_status()) {
                    response.set_status(status);
                }
                // A database or AWS that is not answering may answer again shortly.
                if error.kind == ErrorKind::Unavailable {
                    response.insert_header(
                        http::header::RETRY_AFTER,
                        http::HeaderValue::from_static("5"),
                    );
                }
            }
        }
        // Every failed call passes here: the one place an error gets the id of the request it
        // happened in, so the page showing it lets the user quote what the log has.
        if error.request_id.is_none() && !self.caller.request_id.is_empty() {
            error.request_id = Some(self.caller.request_id.clone().into_boxed_str());
        }
        error
    }
}
