//! Signing in, creating the first admin from the setup link, and changing users: the
//! console's side of the sign-in, setup and users pages.

use super::*;
use app::model::Secret;

impl RequestConsole {
    pub(super) async fn login_inner(
        &self,
        username: String,
        password: Secret,
    ) -> Result<(), AppError> {
        let ip = self.caller.client_ip;
        let attempted = username.chars().take(64).collect::<String>();
        let failed_row = |message: &str| {
            let mut row = self.row(
                "anonymous",
                "auth.login",
                "user",
                &attempted,
                json!({"username": attempted}),
            );
            row.outcome = Some(Outcome::Error);
            row.message = message.to_string();
            row
        };
        if let Err(wait) = self.console.throttle.check(&username, ip, Instant::now()) {
            self.console
                .audit_alone(failed_row("refused: too many failed sign-ins"))
                .await?;
            return Err(AppError::new(
                ErrorKind::Throttled,
                format!(
                    "Too many failed sign-ins for this account or from your address. Wait {} and try again.",
                    auth::describe_wait(wait)
                ),
            ));
        }
        let mut conn = self.console.db.pool().acquire().await.map_err(db_error)?;
        let user = users::find_by_username(&mut conn, &username)
            .await
            .map_err(db_error)?;
        drop(conn);
        let verified = {
            let password = password.expose().to_string();
            let hash = user.as_ref().map(|u| u.password_hash.clone());
            tokio::task::spawn_blocking(move || match hash {
                Some(hash) => auth::verify_password(&hash, &password),
                None => {
                    auth::spend_verification_time(&password);
                    false
                }
            })
            .await
            .map_err(|_| AppError::internal())?
        };
        let user = match user {
            Some(user) if verified && !user.disabled => user,
            other => {
                self.console
                    .throttle
                    .record_failure(&username, ip, Instant::now());
                let reason = match other {
                    None => "unknown username",
                    Some(u) if u.disabled => "account disabled",
                    Some(_) => "wrong password",
                };
                self.console.audit_alone(failed_row(reason)).await?;
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
        store::audit::append(&mut tx, row, &now)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        self.console.throttle.record_success(&username);
        self.sign_in_session(user.id).await
    }

    pub(super) async fn complete_setup_inner(
        &self,
        token: Secret,
        admin: NewUser,
    ) -> Result<String, AppError> {
        let role = admin.validate()?;
        if role != Role::Admin {
            return Err(AppError::validation(vec![FieldError {
                field: "role".into(),
                message: "The first account must be an admin.".into(),
            }]));
        }
        let hash = auth::hash_password_blocking(admin.password.expose().to_string()).await;
        let mut tx = self.console.db.begin_write().await.map_err(db_error)?;
        let now = store::now();
        if users::count_active_admins(&mut tx)
            .await
            .map_err(db_error)?
            > 0
        {
            return Err(AppError::conflict(
                "trustdesk is already set up; sign in instead.",
            ));
        }
        if !setup::consume(&mut tx, &setup::hash_token(token.expose()), &now)
            .await
            .map_err(db_error)?
        {
            return Err(AppError::access_denied(
                "This setup link is invalid, has expired or was already used. Restart trustdesk to print a new one.",
            ));
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
        store::audit::append(&mut tx, row, &now)
            .await
            .map_err(db_error)?;
        users::record_login(&mut tx, id, &now)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        self.sign_in_session(id).await?;
        Ok(admin.username)
    }

    pub(super) async fn setup_link_state_inner(
        &self,
        token: Secret,
    ) -> Result<SetupLinkState, AppError> {
        let mut conn = self.console.db.pool().acquire().await.map_err(db_error)?;
        if users::count_active_admins(&mut conn)
            .await
            .map_err(db_error)?
            > 0
        {
            return Ok(SetupLinkState::Done);
        }
        let usable = setup::is_usable(&mut conn, &setup::hash_token(token.expose()), &store::now())
            .await
            .map_err(db_error)?;
        Ok(if usable {
            SetupLinkState::Usable
        } else {
            SetupLinkState::Unusable
        })
    }

    /// Loads the target of a user change and applies the rules that keep trustdesk administrable.
    pub(super) async fn change_user(
        &self,
        action: &str,
        user_id: i64,
        change: UserChange,
    ) -> Result<String, AppError> {
        let admin = self.require_admin(action, &user_id.to_string()).await?;
        let mut tx = self.console.db.begin_write().await.map_err(db_error)?;
        let target = users::find_by_id(&mut tx, user_id)
            .await
            .map_err(db_error)?
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "There is no user with id {user_id}; it may have been removed."
                ))
            })?;
        let removes_an_admin = target.is_active_admin()
            && matches!(
                change,
                UserChange::Role(Role::Viewer) | UserChange::Disabled(true)
            );
        if removes_an_admin
            && users::count_active_admins(&mut tx)
                .await
                .map_err(db_error)?
                <= 1
        {
            return Err(AppError::conflict(format!(
                "{} is the only active admin; make another user admin first.",
                target.username
            )));
        }
        if target.id == admin.id && matches!(change, UserChange::Disabled(true)) {
            return Err(AppError::conflict("You cannot disable your own account."));
        }
        let params = match change {
            UserChange::Role(role) => {
                users::set_role(&mut tx, user_id, role)
                    .await
                    .map_err(db_error)?;
                json!({"username": target.username, "from": target.role, "to": role.as_str()})
            }
            UserChange::Disabled(disabled) => {
                users::set_disabled(&mut tx, user_id, disabled)
                    .await
                    .map_err(db_error)?;
                json!({"username": target.username, "disabled": disabled})
            }
        };
        let row = self.row(&admin.username, action, "user", &target.username, params);
        store::audit::append(&mut tx, row, &store::now())
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(target.username)
    }
}

#[derive(Clone, Copy)]
pub(super) enum UserChange {
    Role(Role),
    Disabled(bool),
}
