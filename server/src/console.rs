//! The one way in for every action: authorize → validate → audit → act, with the audit row and
//! the change in one transaction, so that a change without its audit row cannot happen.
//! [`RequestConsole`] implements the UI's [`Ports`] for one request.

use crate::{
    auth::{self, LoginThrottle},
    csrf,
    store::{self, audit::NewAuditRow, setup, users, users::UserRecord, Db},
};
use app::{
    model::{
        AppError, AuditPage, AwsItem, AwsTarget, ChainReport, CreateFormOptions, CurrentUser,
        Dashboard, ErrorKind, FieldError, InventoryPage, InventoryQuery, NewUser, OnceSecret,
        Outcome, RefreshReport, ResourceKind, ResourceRef, Role, SessionInfo, SetupLinkState,
        UserSummary,
    },
    ports::{KindRequest, Ports},
};
use serde_json::json;
use std::{net::IpAddr, sync::Arc, time::Instant};
use tower_sessions::Session;

mod accounts;

use accounts::{safe_next, UserChange};

const USER_ID_KEY: &str = "user_id";
const FLASH_KEY: &str = "flash";
pub const SETUP_LINK_LIFETIME: chrono::Duration = chrono::Duration::hours(1);

pub struct Console {
    db: Db,
    throttle: LoginThrottle,
    version: String,
    aws: AwsTarget,
    pub(crate) clients: Arc<crate::aws::Aws>,
    pub(crate) once: crate::once::OneTimeSecrets,
    pub(crate) clock: crate::time::Clock,
    pub(crate) sync_settings: crate::config::SyncSettings,
    /// Wakes this process's scheduler for a "Sync now".
    pub(crate) sync_wakeup: tokio::sync::Notify,
    pub(crate) alerting: crate::alerts::Alerting,
    /// Wakes this process's mail sender when mail was queued.
    pub(crate) mail_wakeup: tokio::sync::Notify,
}

/// Who is asking, as the web layer saw it.
#[derive(Clone)]
pub struct Caller {
    pub session: Session,
    pub client_ip: IpAddr,
    /// A form posted by a browser without JavaScript: success leaves a flash message in the
    /// session, and errors travel back in the redirect rather than as a status code.
    pub plain_form: bool,
}

pub(crate) fn db_error(error: sqlx::Error) -> AppError {
    tracing::error!(%error, "database error");
    AppError::unavailable(
        "trustdesk could not read or write its database, so nothing was changed. Try again; if it persists, an operator should check the server log.",
    )
}

fn session_error(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(%error, "session store error");
    AppError::unavailable("trustdesk could not read or save your session. Try again in a moment.")
}

impl Console {
    pub fn new(
        db: Db,
        throttle: LoginThrottle,
        aws: AwsTarget,
        clients: Arc<crate::aws::Aws>,
    ) -> Self {
        Self {
            db,
            throttle,
            version: env!("CARGO_PKG_VERSION").to_string(),
            aws,
            clients,
            once: Default::default(),
            clock: Default::default(),
            sync_settings: Default::default(),
            sync_wakeup: Default::default(),
            alerting: crate::alerts::Alerting::disabled(),
            mail_wakeup: Default::default(),
        }
    }

    pub fn with_alerting(mut self, alerting: crate::alerts::Alerting) -> Self {
        self.alerting = alerting;
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
        let hash = auth::hash_password_blocking(new_user.password.clone()).await;
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

    pub async fn verify_audit(&self) -> Result<ChainReport, sqlx::Error> {
        store::audit::verify(self.db.pool()).await
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
            });
        };
        store::audit::append(&mut tx, audit, &now)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(id)
    }

    /// Writes an audit row on its own, for events that change nothing else (a refused attempt).
    pub(crate) async fn audit_alone(&self, row: NewAuditRow) -> Result<(), AppError> {
        let mut tx = self.db.begin_write().await.map_err(db_error)?;
        store::audit::append(&mut tx, row, &store::now())
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
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
    async fn require_admin(&self, action: &str, target_id: &str) -> Result<UserRecord, AppError> {
        let user = self.require_user().await?;
        if user.role() == Role::Admin {
            return Ok(user);
        }
        let mut row = self.row(&user.username, action, "user", target_id, json!({}));
        row.outcome = Some(Outcome::Error);
        row.message = "refused: the viewer role cannot change users".into();
        self.console.audit_alone(row).await?;
        Err(AppError::admin_only())
    }

    async fn sign_in_session(&self, user_id: i64) -> Result<(), AppError> {
        let session = self.session();
        // A new id at sign-in defeats session fixation; a new CSRF token goes with it.
        self.forget_user();
        session.cycle_id().await.map_err(session_error)?;
        session
            .insert(USER_ID_KEY, user_id)
            .await
            .map_err(session_error)?;
        csrf::rotate(session).await.map_err(session_error)?;
        Ok(())
    }

    /// Reports a result the way the caller can take it: a flash message for a plain form that
    /// succeeded, an HTTP status matching the error for script callers.
    pub(crate) async fn finish<T>(
        &self,
        result: Result<T, AppError>,
        flash: impl FnOnce() -> Option<String>,
    ) -> Result<T, AppError> {
        match &result {
            Ok(_) if self.caller.plain_form => {
                if let Some(message) = flash() {
                    self.session()
                        .insert(FLASH_KEY, message)
                        .await
                        .map_err(session_error)?;
                }
            }
            Err(error) if !self.caller.plain_form => {
                if let Some(response) =
                    leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
                {
                    if let Ok(status) = http::StatusCode::from_u16(error.kind.http_status()) {
                        response.set_status(status);
                    }
                }
            }
            _ => {}
        }
        result
    }

    async fn session_info_inner(&self) -> Result<SessionInfo, AppError> {
        let csrf_token = csrf::ensure_token(self.session())
            .await
            .map_err(session_error)?;
        let user = self.signed_in().await?;
        // Removing a key marks the session changed, and a changed session is written back: read
        // first, so that only a page that has a message to show writes.
        let flash = match self
            .session()
            .get::<String>(FLASH_KEY)
            .await
            .map_err(session_error)?
        {
            Some(_) => self
                .session()
                .remove::<String>(FLASH_KEY)
                .await
                .map_err(session_error)?,
            None => None,
        };
        // A signed-in admin is an active admin: no need to count them.
        let needs_setup = match &user {
            Some(user) if user.role() == Role::Admin => false,
            _ => {
                let mut conn = self.console.db.pool().acquire().await.map_err(db_error)?;
                users::count_active_admins(&mut conn)
                    .await
                    .map_err(db_error)?
                    == 0
            }
        };
        Ok(SessionInfo {
            user: user.as_ref().map(current_user),
            csrf_token,
            flash,
            version: self.console.version.clone(),
            demo: self.console.aws.demo,
            needs_setup,
        })
    }
}

fn current_user(record: &UserRecord) -> CurrentUser {
    CurrentUser {
        id: record.id,
        username: record.username.clone(),
        role: record.role(),
    }
}

#[async_trait::async_trait]
impl Ports for RequestConsole {
    async fn session_info(&self) -> Result<SessionInfo, AppError> {
        let result = self.session_info_inner().await;
        self.finish(result, || None).await
    }

    async fn setup_needed(&self) -> Result<bool, AppError> {
        let result = async {
            let mut conn = self.console.db.pool().acquire().await.map_err(db_error)?;
            let admins = users::count_active_admins(&mut conn)
                .await
                .map_err(db_error)?;
            Ok(admins == 0)
        }
        .await;
        self.finish(result, || None).await
    }

    async fn setup_link_state(&self, token: String) -> Result<SetupLinkState, AppError> {
        let result = self.setup_link_state_inner(token).await;
        self.finish(result, || None).await
    }

    async fn complete_setup(&self, token: String, admin: NewUser) -> Result<(), AppError> {
        let result = self.complete_setup_inner(token, admin).await;
        let result = self
            .finish(result, || {
                Some(
                    "Welcome. trustdesk is set up and you are signed in as its first admin.".into(),
                )
            })
            .await;
        if result.is_ok() {
            leptos_axum::redirect("/");
        }
        result.map(|_| ())
    }

    async fn login(
        &self,
        username: String,
        password: String,
        next: String,
    ) -> Result<(), AppError> {
        let result = self.login_inner(username, password).await;
        let result = self.finish(result, || None).await;
        if result.is_ok() {
            leptos_axum::redirect(safe_next(&next));
        }
        result
    }

    async fn logout(&self) -> Result<(), AppError> {
        let result = async {
            if let Some(user) = self.signed_in().await? {
                let row = self.row(
                    &user.username,
                    "auth.logout",
                    "user",
                    &user.username,
                    json!({}),
                );
                self.console.audit_alone(row).await?;
            }
            self.forget_user();
            self.session().flush().await.map_err(session_error)
        }
        .await;
        let result = self
            .finish(result, || Some("You are signed out.".into()))
            .await;
        if result.is_ok() {
            leptos_axum::redirect("/login");
        }
        result
    }

    async fn dashboard(&self) -> Result<Dashboard, AppError> {
        let result = async {
            let user = self.require_user().await?;
            let database = self.console.db.status().await.map_err(|error| {
                tracing::error!(%error, "database status");
                "The database did not answer; see the server log.".to_string()
            });
            let expiry = self.console.expiry_overview().await.map_err(db_error)?;
            Ok(Dashboard {
                user: current_user(&user),
                version: self.console.version.clone(),
                database,
                aws: self.console.aws.clone(),
                expiry,
            })
        }
        .await;
        self.finish(result, || None).await
    }

    async fn list_users(&self) -> Result<Vec<UserSummary>, AppError> {
        let result = async {
            let user = self.require_user().await?;
            if user.role() != Role::Admin {
                return Err(AppError::admin_only());
            }
            let list = users::list(self.console.db.pool())
                .await
                .map_err(db_error)?;
            Ok(list.iter().map(UserRecord::summary).collect())
        }
        .await;
        self.finish(result, || None).await
    }

    async fn add_user(&self, new_user: NewUser) -> Result<(), AppError> {
        let username = new_user.username.clone();
        let result = async {
            let admin = self.require_admin("user.add", &new_user.username).await?;
            let role = new_user.validate()?;
            let hash = auth::hash_password_blocking(new_user.password.clone()).await;
            let row = self.row(
                &admin.username,
                "user.add",
                "user",
                &new_user.username,
                json!({"username": new_user.username, "role": role.as_str()}),
            );
            self.console
                .insert_user(&new_user.username, role, &hash, row)
                .await
                .map(|_| ())
        }
        .await;
        self.finish(result, || Some(format!("User {username} added.")))
            .await
    }

    async fn change_role(&self, user_id: i64, role: String) -> Result<(), AppError> {
        let result = async {
            let role = role.parse::<Role>().map_err(|message| {
                AppError::validation(vec![FieldError {
                    field: "role".into(),
                    message,
                }])
            })?;
            self.change_user("user.change_role", user_id, UserChange::Role(role))
                .await
                .map(|name| (name, role))
        }
        .await;
        let flash = result
            .as_ref()
            .ok()
            .map(|(name, role)| format!("{name} is now {role}."));
        self.finish(result, || flash).await.map(|_| ())
    }

    async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> Result<(), AppError> {
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        let result = self
            .change_user(action, user_id, UserChange::Disabled(disabled))
            .await;
        let flash = result.as_ref().ok().map(|name| {
            if disabled {
                format!("{name} is disabled and can no longer sign in.")
            } else {
                format!("{name} is enabled again.")
            }
        });
        self.finish(result, || flash).await.map(|_| ())
    }

    async fn audit_page(&self, page: u32) -> Result<AuditPage, AppError> {
        let result = async {
            self.require_user().await?;
            store::audit::page(self.console.db.pool(), page)
                .await
                .map_err(db_error)
        }
        .await;
        self.finish(result, || None).await
    }

    async fn verify_audit_chain(&self) -> Result<ChainReport, AppError> {
        let result = async {
            self.require_user().await?;
            self.console.verify_audit().await.map_err(db_error)
        }
        .await;
        self.finish(result, || None).await
    }

    async fn inventory(
        &self,
        kind: ResourceKind,
        query: InventoryQuery,
    ) -> Result<InventoryPage, AppError> {
        let result = self.inventory_inner(kind, query).await;
        self.finish(result, || None).await
    }

    async fn refresh_inventory(&self, kind: ResourceKind) -> Result<RefreshReport, AppError> {
        let result = self.refresh_inner(kind).await;
        let flash = match &result {
            Ok(report) if report.failures.is_empty() => {
                format!("Refreshed from AWS: {} {}.", report.items, kind.title())
            }
            Ok(report) => format!(
                "Refreshed {} {}; not reachable: {}",
                report.items,
                kind.title(),
                report.failures.join(" ")
            ),
            Err(_) => String::new(),
        };
        self.finish(result, || Some(flash)).await
    }

    async fn resource(&self, item: ResourceRef) -> Result<AwsItem, AppError> {
        let result = self.resource_inner(item).await;
        self.finish(result, || None).await
    }

    async fn delete_resource(&self, item: ResourceRef, confirm: String) -> Result<(), AppError> {
        let (kind, id) = (item.kind, item.id.clone());
        let result = self.delete_resource_inner(item, confirm).await;
        if result.is_ok() {
            leptos_axum::redirect(kind.path());
        }
        self.finish(result, || {
            Some(format!("Deleted {} {id}.", kind.singular()))
        })
        .await
    }

    async fn set_resource_tag(
        &self,
        item: ResourceRef,
        key: String,
        value: String,
    ) -> Result<(), AppError> {
        let message = format!("Tag {key} set.");
        let result = self.set_tag_inner(item, key, value).await;
        self.finish(result, || Some(message)).await
    }

    async fn remove_resource_tag(&self, item: ResourceRef, key: String) -> Result<(), AppError> {
        let message = format!("Tag {key} removed.");
        let result = self.remove_tag_inner(item, key).await;
        self.finish(result, || Some(message)).await
    }

    async fn create_form_options(&self, kind: ResourceKind) -> Result<CreateFormOptions, AppError> {
        let result = self.create_form_options_inner(kind).await;
        self.finish(result, || None).await
    }

    async fn kind_form_options(
        &self,
        kind: ResourceKind,
        form: String,
    ) -> Result<serde_json::Value, AppError> {
        let result = self.kind_form_options_inner(kind, form).await;
        self.finish(result, || None).await
    }

    async fn act(&self, request: KindRequest) -> Result<serde_json::Value, AppError> {
        let result = self.act_inner(request).await;
        if let Some(to) = result
            .as_ref()
            .ok()
            .and_then(|acted| acted.redirect.as_deref())
        {
            leptos_axum::redirect(to);
        }
        let flash = result.as_ref().map(|acted| acted.flash.clone()).ok();
        self.finish(result.map(|acted| acted.reply), || flash).await
    }

    async fn sync_overview(&self) -> Result<app::model::SyncOverview, AppError> {
        let result = self.sync_overview_inner().await;
        self.finish(result, || None).await
    }

    async fn request_sync(&self) -> Result<(), AppError> {
        let result = self.request_sync_inner().await;
        self.finish(result, || {
            Some("Sync requested: it starts within seconds.".into())
        })
        .await
    }

    async fn alert_settings(&self) -> Result<app::model::alerts::AlertSettings, AppError> {
        let result = self.alert_settings_inner().await;
        self.finish(result, || None).await
    }

    async fn save_alert_rules(
        &self,
        rules: app::model::alerts::AlertRulesForm,
    ) -> Result<(), AppError> {
        let result = self.save_alert_rules_inner(rules).await;
        self.finish(result, || Some("Alert rules saved.".into()))
            .await
    }

    async fn send_test_email(&self, to: String) -> Result<(), AppError> {
        let result = self.send_test_email_inner(to).await;
        self.finish(result, || {
            Some("Test email queued: see the Outbox for its delivery.".into())
        })
        .await
    }

    async fn outbox(&self) -> Result<app::model::alerts::OutboxPage, AppError> {
        let result = self.outbox_inner().await;
        self.finish(result, || None).await
    }

    async fn act_on_mail(&self, id: i64, action: String) -> Result<(), AppError> {
        let message = format!("Mail {id}: {action} done.");
        let result = self.act_on_mail_inner(id, action).await;
        self.finish(result, || Some(message)).await
    }

    async fn silence(
        &self,
        item: ResourceRef,
    ) -> Result<Option<app::model::alerts::Silence>, AppError> {
        let result = self.silence_inner(item).await;
        self.finish(result, || None).await
    }

    async fn set_silence(
        &self,
        item: ResourceRef,
        action: String,
        days: u32,
    ) -> Result<(), AppError> {
        let message = match action.as_str() {
            "ack" => "Acknowledged: no further notices until its expiry changes.".to_string(),
            "snooze" => format!("Snoozed for {days} days."),
            _ => "Notices resumed.".to_string(),
        };
        let result = self.set_silence_inner(item, action, days).await;
        self.finish(result, || Some(message)).await
    }

    async fn alert_link(
        &self,
        token: String,
    ) -> Result<app::model::alerts::AlertLinkInfo, AppError> {
        let result = self.alert_link_inner(token).await;
        self.finish(result, || None).await
    }

    async fn use_alert_link(&self, token: String, days: u32) -> Result<(), AppError> {
        let result = self.use_alert_link_inner(token, days).await;
        self.finish(result, || Some("Done: thank you.".into()))
            .await
    }

    async fn take_shown_once(&self, handle: String) -> Result<OnceSecret, AppError> {
        let result = self.take_shown_once_inner(handle).await;
        self.finish(result, || None).await
    }
}
