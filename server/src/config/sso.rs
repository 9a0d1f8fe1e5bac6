//! `[sso]`: signing in with an OpenID Connect provider: its issuer, the client trustdesk is
//! registered as (its secret from the environment or a file), the claims that carry the user's
//! name and groups, which groups are admins and viewers, and whether local passwords stay on.

use super::secret::{Secret, SecretSource};
use super::{err, ConfigError, Names};
use serde::Deserialize;
use std::collections::HashMap;

/// What `[sso]` says, its secret read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoConfig {
    /// The provider's issuer URL, whose `/.well-known/openid-configuration` is read.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// `openid` and the rest asked for; `openid email profile` by default.
    pub scopes: Vec<String>,
    /// The ID token claim with the user's groups (`groups` by default).
    pub groups_claim: String,
    /// The ID token claim shown as the user's name (`preferred_username` by default; `sub`
    /// when the token lacks it).
    pub username_claim: String,
    pub admin_groups: Vec<String>,
    pub viewer_groups: Vec<String>,
    /// Which local (password) accounts may still sign in.
    pub local_accounts: LocalAccounts,
    /// The sign-in page's button, e.g. "Sign in with Okta".
    pub button: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalAccounts {
    /// Every local account signs in with its password as before.
    All,
    /// Only this one local admin: the way in when the provider is down.
    BreakGlass(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SsoFile {
    issuer: String,
    client_id: String,
    client_secret_env: Option<String>,
    client_secret_file: Option<String>,
    scopes: Option<Vec<String>>,
    groups_claim: Option<String>,
    username_claim: Option<String>,
    #[serde(default)]
    admin_groups: Vec<String>,
    #[serde(default)]
    viewer_groups: Vec<String>,
    /// `"all"` (the default) or `"break-glass"`.
    local_accounts: Option<String>,
    /// With `local_accounts = "break-glass"`: the one local admin who keeps a password.
    break_glass: Option<String>,
    button: Option<String>,
}

/// `[sso]` of the configuration file, its secret read from `env` or a file.
pub(super) fn resolve(
    file: SsoFile,
    env: &HashMap<String, String>,
    name: Names,
) -> Result<SsoConfig, ConfigError> {
    let key = |k: &str| name(&format!("sso.{k}"));
    let issuer = file.issuer.trim().trim_end_matches('/').to_string();
    let parsed = url::Url::parse(&issuer).ok();
    let loopback = parsed
        .as_ref()
        .and_then(|u| u.host_str())
        .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]");
    let secure = parsed
        .as_ref()
        .is_some_and(|u| u.scheme() == "https" || (u.scheme() == "http" && loopback));
    if !secure {
        return Err(err(
            key("issuer"),
            format!("\"{issuer}\" must be an https:// URL (http:// only to this machine)"),
        ));
    }
    if file.client_id.trim().is_empty() {
        return Err(err(key("client_id"), "must not be empty"));
    }
    let source = SecretSource::from_keys(
        file.client_secret_env,
        file.client_secret_file,
        &key("client_secret_env"),
        &key("client_secret_file"),
    )?
    .ok_or_else(|| {
        err(
            key("client_secret_env"),
            "set client_secret_env or client_secret_file",
        )
    })?;
    let client_secret = source.read(env, &key("client_secret_env"))?;
    let mut scopes = file
        .scopes
        .unwrap_or_else(|| vec!["openid".into(), "email".into(), "profile".into()]);
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    if file.admin_groups.is_empty() && file.viewer_groups.is_empty() {
        return Err(err(
            key("admin_groups"),
            "map at least one group to a role (admin_groups, viewer_groups)",
        ));
    }
    let local_accounts = match (file.local_accounts.as_deref(), file.break_glass) {
        (None | Some("all"), None) => LocalAccounts::All,
        (Some("break-glass"), Some(admin)) if !admin.trim().is_empty() => {
            LocalAccounts::BreakGlass(admin.trim().to_string())
        }
        (Some("break-glass"), _) => {
            return Err(err(
                key("break_glass"),
                "name the one local admin who keeps a password",
            ))
        }
        (Some(other), _) if other != "all" => {
            return Err(err(
                key("local_accounts"),
                format!("\"{other}\" is not all or break-glass"),
            ))
        }
        _ => {
            return Err(err(
                key("break_glass"),
                "only with local_accounts = \"break-glass\"",
            ))
        }
    };
    Ok(SsoConfig {
        issuer,
        client_id: file.client_id.trim().to_string(),
        client_secret,
        scopes,
        groups_claim: file.groups_claim.unwrap_or_else(|| "groups".into()),
        username_claim: file
            .username_claim
            .unwrap_or_else(|| "preferred_username".into()),
        admin_groups: file.admin_groups,
        viewer_groups: file.viewer_groups,
        local_accounts,
        button: file
            .button
            .unwrap_or_else(|| "Sign in with single sign-on".into()),
    })
}

impl SsoConfig {
    /// The role the groups give: admin before viewer; none when no group is mapped.
    pub fn role_of(&self, groups: &[String]) -> Option<app::model::Role> {
        if groups.iter().any(|g| self.admin_groups.contains(g)) {
            Some(app::model::Role::Admin)
        } else if groups.iter().any(|g| self.viewer_groups.contains(g)) {
            Some(app::model::Role::Viewer)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> SsoFile {
        toml::from_str(text).expect("an [sso] table")
    }

    fn env() -> HashMap<String, String> {
        HashMap::from([("SSO_SECRET".to_string(), "s3cret".to_string())])
    }

    fn named(key: &str) -> String {
        format!("trustdesk.toml: {key}")
    }

    const BASE: &str = r#"
        issuer = "https://idp.example.com/"
        client_id = "trustdesk"
        client_secret_env = "SSO_SECRET"
        admin_groups = ["sec-admins"]
        viewer_groups = ["auditors"]
    "#;

    #[test]
    fn the_defaults_ask_for_openid_and_read_groups_and_preferred_username() {
        let sso = resolve(table(BASE), &env(), &named).unwrap();
        assert_eq!(sso.issuer, "https://idp.example.com");
        assert_eq!(sso.scopes, ["openid", "email", "profile"]);
        assert_eq!(sso.groups_claim, "groups");
        assert_eq!(sso.username_claim, "preferred_username");
        assert_eq!(sso.local_accounts, LocalAccounts::All);
        assert_eq!(sso.client_secret.expose(), "s3cret");
        assert!(!format!("{sso:?}").contains("s3cret"));
        let scoped = resolve(
            table(&format!("{BASE}\nscopes = [\"groups\"]")),
            &env(),
            &named,
        )
        .unwrap();
        assert_eq!(scoped.scopes, ["openid", "groups"]);
    }

    #[test]
    fn groups_give_admin_before_viewer_and_nothing_else() {
        let sso = resolve(table(BASE), &env(), &named).unwrap();
        let groups = |g: &[&str]| g.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            sso.role_of(&groups(&["auditors", "sec-admins"])),
            Some(app::model::Role::Admin)
        );
        assert_eq!(
            sso.role_of(&groups(&["auditors"])),
            Some(app::model::Role::Viewer)
        );
        assert_eq!(sso.role_of(&groups(&["Sec-Admins", "other"])), None);
        assert_eq!(sso.role_of(&[]), None);
    }

    #[test]
    fn mistakes_name_their_key() {
        let refused = |text: &str, env: &HashMap<String, String>| {
            resolve(table(text), env, &named).unwrap_err().to_string()
        };
        let plain = BASE.replace("https://idp.example.com/", "http://idp.example.com");
        assert!(refused(&plain, &env()).contains("sso.issuer"));
        let local = BASE.replace("https://idp.example.com/", "http://127.0.0.1:8080");
        assert!(resolve(table(&local), &env(), &named).is_ok());
        assert!(refused(BASE, &HashMap::new()).contains("SSO_SECRET"));
        let no_roles = BASE
            .replace("admin_groups = [\"sec-admins\"]", "")
            .replace("viewer_groups = [\"auditors\"]", "");
        assert!(refused(&no_roles, &env()).contains("sso.admin_groups"));
        let unnamed = format!("{BASE}\nlocal_accounts = \"break-glass\"");
        assert!(refused(&unnamed, &env()).contains("sso.break_glass"));
        let stray = format!("{BASE}\nbreak_glass = \"admin\"");
        assert!(refused(&stray, &env()).contains("sso.break_glass"));
        let unknown = format!("{BASE}\nlocal_accounts = \"none\"");
        assert!(refused(&unknown, &env()).contains("sso.local_accounts"));
        let glass = resolve(
            table(&format!(
                "{BASE}\nlocal_accounts = \"break-glass\"\nbreak_glass = \" admin \""
            )),
            &env(),
            &named,
        )
        .unwrap();
        assert_eq!(
            glass.local_accounts,
            LocalAccounts::BreakGlass("admin".into())
        );
    }
}
