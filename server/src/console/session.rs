//! Signing in, creating the first admin from the setup link, and changing users: the
//! console's side of the sign-in, setup and users pages.

use super::*;

use crate::auth::{DueRow, Refusal};
use app::model::Secret;
use app::ports::{Changed, SessionPorts};

/// The audit message of a sign-in refused without checking the password.
const THROTTLED: &str = "refused: too many failed sign-ins";

impl RequestConsole {
    /// The navigation's figures: kinds' counts kept by triggers, and the overview's kept read.
    async fn nav_counts(&self) -> Result<app::model::NavCounts, AppError> {
        let pool = self.console.db().pool();
        let live = crate::store::resources::live_counts(pool)
            .await
            .map_err(db_error)?;
        let read = self
            .console
            .overview_read(self.console.clock.now())
            .await
            .map_err(db_error)?;
        let kinds = app::model::ResourceKind::ALL
            .into_iter()
            .map(|kind| app::model::NavKind {
                kind,
                items: live
                    .iter()
                    .find(|(name, _)| name == kind.as_str())
                    .map_or(0, |(_, items)| u64::try_from(*items).unwrap_or(0)),
                urgent: read
                    .counts
                    .by_kind
                    .iter()
                    .find(|counts| counts.kind == kind)
                    .map_or(0, |counts| counts.counts[0] + counts.counts[1]),
            })
            .collect();
        Ok(app::model::NavCounts {
            kinds,
            needs_action: read.needs_action_total,
        })
    }

    /// Audits a refused sign-in, folded with its repeats: most calls write nothing, some write
    /// a row that counts those before it (and rows of other kinds whose window ended).
    async fn audit_refusal(
        &self,
        account: &str,
        attempted: &str,
        reason: &'static str,
    ) -> Result<(), AppError> {
        let refusal = Refusal {
            username: attempted.to_string(),
            address: self.caller.client_ip,
            reason,
        };
        let due = self.console.refusals.note(account, refusal, Instant::now());
        if due.is_empty() {
            return Ok(());
        }
        self.console
            .audit_rows_alone(due.into_iter().map(refusal_row).collect())
            .await
    }

    /// Done once an active admin exists; else whether the link is usable. Reads only.
    async fn setup_state(&self, token_hash: &str) -> Result<SetupLinkState, AppError> {
        let mut conn = self.console.db.pool().acquire().await.map_err(db_error)?;
        if users::count_active_admins(&mut conn)
            .await
            .map_err(db_error)?
            > 0
        {
            return Ok(SetupLinkState::Done);
        }
        let usable = setup::is_usable(&mut conn, token_hash, &store::now())
            .await
            .map_err(db_error)?;
        Ok(if usable {
            SetupLinkState::Usable
        } else {
            SetupLinkState::Unusable
        })
    }
}

fn unusable_setup_link() -> AppError {
    AppError::access_denied(
        "This setup link is invalid, has expired or was already used. Restart trustdesk to print a new one.",
    )
}

/// The audit row of one or more refused sign-ins.
pub(super) fn refusal_row(due: DueRow) -> NewAuditRow {
    let Refusal {
        username,
        address,
        reason,
    } = due.refusal;
    let mut params = json!({ "username": username });
    if due.repeated > 0 {
        params["repeated"] = json!(due.repeated);
    }
    NewAuditRow {
        actor: "anonymous".into(),
        client_ip: address.to_string(),
        action: "auth.login".into(),
        target_kind: "user".into(),
        target_id: username,
        params,
        outcome: Some(Outcome::Error),
        message: reason.to_string(),
        ..Default::default()
    }
}

#[async_trait::async_trait]
impl SessionPorts for RequestConsole {
    /// Each attempt is counted before its password is checked (so parallel guesses cannot all
    /// pass the throttle) and forgiven once it succeeds.
    async fn login(
        &self,
        username: String,
        password: Secret,
        next: String,
    ) -> Result<Changed, AppError> {
        let account = auth::normalise_username(&username);
        let attempted: String = username.chars().take(64).collect();
        // With single sign-on, local passwords may be off but for one break-glass admin: the
        // refusal comes before the password is checked, and says where to sign in instead.
        if let Some(sso) = &self.console.sso {
            if let crate::config::LocalAccounts::BreakGlass(admin) = &sso.settings().local_accounts
            {
                if auth::normalise_username(admin) != account {
                    self.audit_refusal(&account, &attempted, "local passwords are off")
                        .await?;
                    return Err(AppError::new(
                        ErrorKind::Unauthenticated,
                        format!(
                            "Passwords are off here except for the break-glass admin: use \"{}\".",
                            sso.settings().button
                        ),
                    ));
                }
            }
        }
        let attempt = match self.console.throttle.reserve(
            &account,
            self.caller.client_ip,
            Instant::now(),
        ) {
            Ok(attempt) => attempt,
            Err(wait) => {
                // A sprayer is refused for its address, whatever names it tries: one kind.
                self.console.metrics.sign_in_throttled("sign_in");
                let counted_as = if wait.because_of_address {
                    ""
                } else {
                    &account
                };
                self.audit_refusal(counted_as, &attempted, THROTTLED)
                    .await?;
                return Err(AppError::new(
                    ErrorKind::Throttled,
                    format!(
                        "Too many failed sign-ins for this account or from your address. Wait {} and try again.",
                        auth::describe_wait(wait.wait)
                    ),
                ));
            }
        };
        let mut conn = self.console.db.pool().acquire().await.map_err(db_error)?;
        let user = users::find_by_username(&mut conn, &account)
            .await
            .map_err(db_error)?;
        drop(conn);
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        let verified = self.console.passwords.verify(hash, &password).await?;
        let user = match user {
            Some(user) if verified && !user.disabled => user,
            other => {
                let reason = match other {
                    None => "unknown username",
                    Some(u) if u.disabled => "account disabled",
                    Some(_) => "wrong password",
                };
                self.console
                    .metrics
                    .sign_in_failure(crate::monitoring::reason_label(reason));
                self.audit_refusal(&account, &attempted, reason).await?;
                // One message for every case, so sign-in does not reveal which accounts exist.
                return Err(AppError::new(
                    ErrorKind::Unauthenticated,
                    "Wrong username or password.",
                ));
            }
        };
        let mut tx = self.console.db.begin_write().await.map_err(db_error)?;
        let now = store::now();
        users::record_login(&mut tx, user.id, &now)
            .await
            .map_err(db_error)?;
        let row = self.row(
            &user.username,
            "auth.login",
            "user",
            &user.username,
            json!({}),
        );
        self.console.commit_audited(tx, row, &now).await?;
        self.console.throttle.succeeded(attempt);
        self.sign_in_session(user.id).await?;
        Ok(Changed::with(()).then_to(safe_next(&next)))
    }

    /// The link and the state are checked before anything costly (the password hash), and
    /// each address may guess only so often.
    async fn complete_setup(&self, token: Secret, admin: NewUser) -> Result<Changed, AppError> {
        let attempt = self
            .console
            .setup_throttle
            .reserve(self.caller.client_ip, Instant::now())
            .map_err(|wait| {
                self.console.metrics.sign_in_throttled("setup");
                AppError::new(
                    ErrorKind::Throttled,
                    format!(
                        "Too many setup attempts from your address. Wait {} and try again.",
                        auth::describe_wait(wait)
                    ),
                )
            })?;
        let token_hash = setup::hash_token(token.expose());
        match self.setup_state(&token_hash).await? {
            SetupLinkState::Usable => self.console.setup_throttle.forgive(attempt),
            SetupLinkState::Done => {
                return Err(AppError::conflict(
                    "trustdesk is already set up; sign in instead.",
                ))
            }
            SetupLinkState::Unusable => return Err(unusable_setup_link()),
        }
        let role = admin.validate()?;
        if role != Role::Admin {
            return Err(AppError::validation(vec![FieldError {
                field: "role".into(),
                message: "The first account must be an admin.".into(),
            }]));
        }
        let hash = self.console.passwords.hash(&admin.password).await?;
        let mut tx = self.console.db.begin_write().await.map_err(db_error)?;
        let now = store::now();
        // Checked again where it counts: another request may have used the link meanwhile.
        if users::count_active_admins(&mut tx)
            .await
            .map_err(db_error)?
            > 0
        {
            return Err(AppError::conflict(
                "trustdesk is already set up; sign in instead.",
            ));
        }
        if !setup::consume(&mut tx, &token_hash, &now)
            .await
            .map_err(db_error)?
        {
            return Err(unusable_setup_link());
        }
        let Some(id) = users::insert(&mut tx, &admin.username, Role::Admin, &hash, &now)
            .await
            .map_err(db_error)?
        else {
            return Err(AppError::conflict(format!(
                "A user named {} exists already.",
                admin.username
            )));
        };
        let row = self.row(
            &admin.username,
            "setup.create_admin",
            "user",
            &admin.username,
            json!({"username": admin.username, "role": "admin"}),
        );
        store::audit::append(&mut tx, self.console.db().seal(), row, &now)
            .await
            .map_err(db_error)?;
        users::record_login(&mut tx, id, &now)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        self.sign_in_session(id).await?;
        Ok(Changed::notice(
            "Welcome. trustdesk is set up and you are signed in as its first admin.",
        )
        .then_to("/"))
    }

    async fn setup_link_state(&self, token: Secret) -> Result<SetupLinkState, AppError> {
        self.setup_state(&setup::hash_token(token.expose())).await
    }

    async fn session_info(&self) -> Result<SessionInfo, AppError> {
        let csrf_token = self.caller.csrf_token.clone();
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
        let flash_audit = match flash {
            Some(_) => self
                .session()
                .remove::<i64>(FLASH_AUDIT_KEY)
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
        // The counts are help, not the page: if they cannot be read, the page shows without.
        let nav = match &user {
            Some(_) => self
                .nav_counts()
                .await
                .inspect_err(|error| tracing::warn!(error = %error.message, "navigation counts"))
                .ok(),
            None => None,
        };
        Ok(SessionInfo {
            nav,
            flash_audit,
            user: user.as_ref().map(current_user),
            csrf_token,
            flash,
            version: self.console.version.clone(),
            demo: self.console.aws.demo,
            needs_setup,
        })
    }

    async fn sign_in_options(&self) -> Result<app::model::SignInOptions, AppError> {
        Ok(match &self.console.sso {
            Some(sso) => app::model::SignInOptions {
                sso_button: Some(sso.settings().button.clone()),
                break_glass_only: matches!(
                    sso.settings().local_accounts,
                    crate::config::LocalAccounts::BreakGlass(_)
                ),
            },
            None => app::model::SignInOptions::default(),
        })
    }

    async fn setup_needed(&self) -> Result<bool, AppError> {
        let mut conn = self.console.db.pool().acquire().await.map_err(db_error)?;
        let admins = users::count_active_admins(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(admins == 0)
    }

    async fn logout(&self) -> Result<Changed, AppError> {
        let user = self.signed_in().await?;
        if let Some(user) = &user {
            let row = self.row(
                &user.username,
                "auth.logout",
                "user",
                &user.username,
                json!({}),
            );
            self.console.audit_alone(row).await?;
        }
        // A session signed in through the provider ends there too, when it says how.
        let id_token: Option<String> = self
            .session()
            .get(super::sso::ID_TOKEN_KEY)
            .await
            .map_err(session_error)?;
        let provider_sign_out = match (&self.console.sso, id_token) {
            (Some(sso), Some(token)) => {
                let back = format!("{}/login", sso.public_url().trim_end_matches('/'));
                sso.end_session(&token, &back).await
            }
            _ => None,
        };
        self.forget_user();
        self.session().flush().await.map_err(session_error)?;
        let signed_out =
            Changed::with(()).then_to(provider_sign_out.unwrap_or_else(|| "/login".into()));
        // The notice waits in a new session: only for someone who was signed in, or every
        // stranger's post would store one.
        Ok(match user {
            Some(_) => signed_out.noticed("You are signed out."),
            None => signed_out,
        })
    }

    async fn dashboard(&self) -> Result<Dashboard, AppError> {
        self.require_user().await?;
        let expiry = self.console.expiry_overview().await.map_err(db_error)?;
        Ok(Dashboard { expiry })
    }

    async fn about(&self) -> Result<app::model::About, AppError> {
        let user = self.require_user().await?;
        let database = self.console.db.status().await.map_err(|error| {
            tracing::error!(%error, "database status");
            "The database did not answer; see the server log.".to_string()
        });
        Ok(app::model::About {
            user: current_user(&user),
            version: self.console.version.clone(),
            database,
            aws: self.console.aws.clone(),
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
