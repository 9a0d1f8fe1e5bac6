//! Signing in with the OpenID Connect provider (`[sso]`): the pending sign-in kept in the
//! session, the user matched by the provider's subject (created at first sign-in), the role
//! taken from the groups at every sign-in (a change audited), and the refusals audited.

use super::*;

use crate::sso::{Pending, SsoError};
use crate::store::users;

/// The session's pending sign-in (state, nonce, PKCE verifier), taken once.
const PENDING_KEY: &str = "sso_pending";
/// The ID token of an SSO session, for the provider's end-session endpoint at sign-out.
pub(crate) const ID_TOKEN_KEY: &str = "sso_id_token";

impl RequestConsole {
    fn sso(&self) -> Result<&Arc<crate::sso::Sso>, AppError> {
        self.console
            .sso
            .as_ref()
            .ok_or_else(|| AppError::not_found("Single sign-on is not configured."))
    }

    /// Counts this client's start or return of a sign-in: `Err(wait)` once it has done too
    /// many this minute (checked before anything is read, stored or audited).
    pub fn sso_allowance(&self) -> Result<(), std::time::Duration> {
        match &self.console.sso {
            Some(sso) => sso.allow(&self.caller.client_ip.to_string()),
            None => Ok(()),
        }
    }

    /// The provider's address for a new sign-in; what it needs back waits in the session.
    pub async fn sso_begin(&self, next: &str) -> Result<String, AppError> {
        let sso = self.sso()?;
        let (url, pending) = sso
            .begin(next_path::safe_next(next), chrono::Utc::now().timestamp())
            .await
            .map_err(|e| AppError::unavailable(e.to_string()))?;
        self.session()
            .insert(PENDING_KEY, pending)
            .await
            .map_err(session_error)?;
        Ok(url)
    }

    /// The provider said no (the user cancelled, or it refused them).
    pub async fn sso_refused_by_provider(&self, code: &str) -> Result<String, AppError> {
        let _ = self.session().remove::<Pending>(PENDING_KEY).await;
        let code: String = code
            .chars()
            .filter(char::is_ascii_graphic)
            .take(64)
            .collect();
        self.audit_sso_refusal("", &format!("the identity provider answered {code}"))
            .await?;
        Err(AppError::new(
            ErrorKind::Unauthenticated,
            format!("The identity provider did not sign you in ({code})."),
        ))
    }

    /// Checks the provider's answer and signs the user in; answers where to go.
    pub async fn sso_finish(&self, state: &str, code: &str) -> Result<String, AppError> {
        let sso = self.sso()?.clone();
        let pending: Option<Pending> = self
            .session()
            .remove(PENDING_KEY)
            .await
            .map_err(session_error)?;
        let refused =
            |error: SsoError| AppError::new(ErrorKind::Unauthenticated, error.to_string());
        let Some(pending) = pending else {
            self.audit_sso_refusal("", "no sign-in was started in this browser")
                .await?;
            return Err(refused(SsoError::State));
        };
        let next = pending.next.clone();
        let identity = match sso
            .finish(pending, state, code, chrono::Utc::now().timestamp())
            .await
        {
            Ok(identity) => identity,
            Err(error) => {
                self.audit_sso_refusal("", &format!("refused: {error:?}"))
                    .await?;
                return Err(refused(error));
            }
        };
        let settings = sso.settings();
        let Some(role) = settings.role_of(&identity.groups) else {
            self.audit_sso_refusal(&identity.username, "in no group mapped to a role")
                .await?;
            return Err(AppError::access_denied(format!(
                "You signed in at the identity provider as {}, but your account there is in none of the groups trustdesk gives a role to (admins: {}; viewers: {}). Ask your administrator to add you to one.",
                identity.username,
                listed(&settings.admin_groups),
                listed(&settings.viewer_groups)
            )));
        };
        let now = store::now();
        let mut tx = self.console.db.begin_write().await.map_err(db_error)?;
        let user = match users::find_by_sso_subject(&mut tx, &identity.subject)
            .await
            .map_err(db_error)?
        {
            Some(user) if user.disabled => {
                drop(tx);
                self.audit_sso_refusal(&user.username, "account disabled")
                    .await?;
                return Err(AppError::access_denied(
                    "Your trustdesk account is disabled; ask an admin to enable it.",
                ));
            }
            Some(user) => {
                if user.role() != role {
                    users::set_role(&mut tx, user.id, role)
                        .await
                        .map_err(db_error)?;
                    let mut row = self.row(
                        &user.username,
                        "user.role_from_idp",
                        "user",
                        &user.username,
                        json!({ "from": user.role().as_str(), "to": role.as_str(), "groups": identity.groups }),
                    );
                    row.outcome = Some(Outcome::Ok);
                    row.message = format!("role follows the identity provider: {}", role.as_str());
                    store::audit::append(&mut tx, self.console.db.seal(), row, &now)
                        .await
                        .map_err(db_error)?;
                }
                user
            }
            None => {
                let Some(id) =
                    users::insert_sso(&mut tx, &identity.username, role, &identity.subject, &now)
                        .await
                        .map_err(db_error)?
                else {
                    drop(tx);
                    self.audit_sso_refusal(&identity.username, "a local account has that name")
                        .await?;
                    return Err(AppError::conflict(format!(
                        "A trustdesk account named {} exists already and signs in with its password; ask an admin to rename it, then sign in again.",
                        identity.username
                    )));
                };
                let mut row = self.row(
                    &identity.username,
                    "user.add_from_idp",
                    "user",
                    &identity.username,
                    json!({ "role": role.as_str(), "groups": identity.groups }),
                );
                row.outcome = Some(Outcome::Ok);
                store::audit::append(&mut tx, self.console.db.seal(), row, &now)
                    .await
                    .map_err(db_error)?;
                users::find_by_id(&mut tx, id)
                    .await
                    .map_err(db_error)?
                    .ok_or_else(AppError::internal)?
            }
        };
        users::record_login(&mut tx, user.id, &now)
            .await
            .map_err(db_error)?;
        let mut row = self.row(
            &user.username,
            "auth.login",
            "user",
            &user.username,
            json!({ "via": "sso" }),
        );
        row.outcome = Some(Outcome::Ok);
        self.console.commit_audited(tx, row, &now).await?;
        self.sign_in_session(user.id).await?;
        self.session()
            .insert(ID_TOKEN_KEY, identity.id_token)
            .await
            .map_err(session_error)?;
        Ok(next)
    }

    /// A sign-in's refusal, for the sign-in page (the next page's notice).
    pub async fn leave_sign_in_error(&self, message: &str) {
        let _ = self.session().insert(FLASH_KEY, message.to_string()).await;
    }

    async fn audit_sso_refusal(&self, username: &str, why: &str) -> Result<(), AppError> {
        let mut row = self.row(username, "auth.sso", "user", username, json!({}));
        row.outcome = Some(Outcome::Error);
        row.message = format!("refused: {why}");
        self.console.audit_alone(row).await
    }
}

fn listed(groups: &[String]) -> String {
    if groups.is_empty() {
        "none".into()
    } else {
        groups.join(", ")
    }
}
