//! Accounts of the console itself (not AWS users) and the rules their fields follow.

use super::error::{AppError, FieldErrors};
use super::secret::Secret;
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 1024;
pub const USERNAME_MAX_CHARS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    #[default]
    Viewer,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Admin, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Role::Admin => "Admin: everything, including users",
            Role::Viewer => "Viewer: read only",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "viewer" => Ok(Role::Viewer),
            other => Err(format!(
                "\"{other}\" is not a role; choose admin or viewer."
            )),
        }
    }
}

/// The signed-in user, as pages see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// One row of the Users page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_login_at: Option<String>,
    /// Signs in with the identity provider, whose groups set the role.
    #[serde(default)]
    pub single_sign_on: bool,
}

/// Usernames are compared as typed; lower-case letters, digits and `.`, `_`, `-`, `@` keep them
/// unambiguous in the audit log and in e-mail addresses.
pub fn validate_username(username: &str) -> Result<(), String> {
    if username.is_empty() {
        return Err("Enter a username.".into());
    }
    if username.chars().count() > USERNAME_MAX_CHARS {
        return Err(format!("Use at most {USERNAME_MAX_CHARS} characters."));
    }
    if let Some(bad) = username.chars().find(|c| {
        !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@'))
    }) {
        return Err(format!(
            "\"{bad}\" is not allowed; use lower-case letters, digits and . _ - @ only."
        ));
    }
    Ok(())
}

pub fn validate_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(format!(
            "Use at least {PASSWORD_MIN_CHARS} characters (this one has {chars})."
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(format!("Use at most {PASSWORD_MAX_CHARS} characters."));
    }
    if password.trim().is_empty() {
        return Err("A password of only spaces is not allowed.".into());
    }
    Ok(())
}

/// What the add-user and first-admin forms submit; the passwords print as `[redacted]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub role: String,
    pub password: Secret,
    pub password_confirm: Secret,
}

impl NewUser {
    /// Checks every field and returns the parsed role.
    pub fn validate(&self) -> Result<Role, AppError> {
        let mut errors = FieldErrors::new();
        errors.check("username", validate_username(&self.username));
        let role = self.role.parse::<Role>();
        errors.check("role", role.clone().map(|_| ()));
        errors.check("password", validate_password(self.password.expose()));
        if self.password != self.password_confirm {
            errors.check(
                "password_confirm",
                Err("The two passwords differ; type the same password twice.".into()),
            );
        }
        errors.into_result()?;
        Ok(role.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_user(username: &str, role: &str, password: &str, confirm: &str) -> NewUser {
        NewUser {
            username: username.into(),
            role: role.into(),
            password: password.into(),
            password_confirm: confirm.into(),
        }
    }

    #[test]
    fn debug_output_holds_no_password() {
        let user = new_user(
            "alice",
            "admin",
            "correct horse battery",
            "correct horse battery",
        );
        let shown = format!("{user:?}");
        assert!(!shown.contains("correct horse"), "{shown}");
        assert!(
            shown.contains("alice") && shown.contains("[redacted]"),
            "{shown}"
        );
    }

    #[test]
    fn accepts_a_well_formed_user() {
        let role = new_user(
            "alice@example.com",
            "admin",
            "correct horse battery",
            "correct horse battery",
        )
        .validate()
        .unwrap();
        assert_eq!(role, Role::Admin);
    }

    #[test]
    fn reports_every_broken_rule_with_its_field() {
        let err = new_user("Alice!", "root", "short", "other")
            .validate()
            .unwrap_err();
        assert!(err.field("username").unwrap().contains("\"A\""));
        assert!(err.field("role").unwrap().contains("admin or viewer"));
        assert!(err.field("password").unwrap().contains("at least 12"));
        assert!(err.field("password_confirm").is_some());
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        assert!(validate_password("ééééééééééé").is_err()); // 11 characters, 22 bytes
        assert!(validate_password("éééééééééééé").is_ok());
        assert!(validate_password(&" ".repeat(20)).is_err());
        assert!(validate_password(&"x".repeat(PASSWORD_MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn username_limits() {
        assert!(validate_username("").is_err());
        assert!(validate_username(&"a".repeat(USERNAME_MAX_CHARS)).is_ok());
        assert!(validate_username(&"a".repeat(USERNAME_MAX_CHARS + 1)).is_err());
        assert!(validate_username("ops-bot_1.x").is_ok());
        assert!(validate_username("with space").is_err());
    }
}
