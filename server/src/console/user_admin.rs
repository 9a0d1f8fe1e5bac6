//! trustdesk's own accounts from the Users page: the list, adding a user, changing a role,
//! disabling and enabling; each change audited in the transaction that makes it, and none that
//! would leave trustdesk without an active admin.

use super::*;
use app::ports::{Changed, UserPorts};

/// What only admins may do with users, for refusals.
const USERS: &str = "change users";

#[derive(Clone, Copy)]
enum UserChange {
    Role(Role),
    Disabled(bool),
}

impl RequestConsole {
    /// Loads the target of a user change and applies the rules that keep trustdesk administrable.
    async fn change_user(
        &self,
        action: &str,
        user_id: i64,
        change: UserChange,
    ) -> Result<String, AppError> {
        let admin = self
            .require_admin(action, ("user", &user_id.to_string()), USERS)
            .await?;
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
        if target.sso_subject.is_some() && matches!(change, UserChange::Role(_)) {
            return Err(AppError::conflict(format!(
                "{}'s role follows their groups at the identity provider and is set again at each sign-in; change their groups there.",
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
        self.console.commit_audited(tx, row, &store::now()).await?;
        Ok(target.username)
    }
}

#[async_trait::async_trait]
impl UserPorts for RequestConsole {
    async fn list_users(&self) -> Result<Vec<UserSummary>, AppError> {
        let user = self.require_user().await?;
        if user.role() != Role::Admin {
            return Err(AppError::admin_only());
        }
        let list = users::list(self.console.db.pool())
            .await
            .map_err(db_error)?;
        Ok(list.iter().map(UserRecord::summary).collect())
    }

    async fn add_user(&self, new_user: NewUser) -> Result<Changed, AppError> {
        let admin = self
            .require_admin("user.add", ("user", &new_user.username), USERS)
            .await?;
        let role = new_user.validate()?;
        let hash = self.console.passwords.hash(&new_user.password).await?;
        let row = self.row(
            &admin.username,
            "user.add",
            "user",
            &new_user.username,
            json!({"username": new_user.username, "role": role.as_str()}),
        );
        self.console
            .insert_user(&new_user.username, role, &hash, row)
            .await?;
        Ok(Changed::notice(format!(
            "User {} added.",
            new_user.username
        )))
    }

    async fn change_role(&self, user_id: i64, role: String) -> Result<Changed, AppError> {
        let role = role.parse::<Role>().map_err(|message| {
            AppError::validation(vec![FieldError {
                field: "role".into(),
                message,
            }])
        })?;
        let name = self
            .change_user("user.change_role", user_id, UserChange::Role(role))
            .await?;
        Ok(Changed::notice(format!("{name} is now {role}.")))
    }

    async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> Result<Changed, AppError> {
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        let name = self
            .change_user(action, user_id, UserChange::Disabled(disabled))
            .await?;
        Ok(Changed::notice(if disabled {
            format!("{name} is disabled and can no longer sign in.")
        } else {
            format!("{name} is enabled again.")
        }))
    }
}
