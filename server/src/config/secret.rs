//! Values that must never be printed, and where they are read from: an environment variable
//! named in the configuration (`*_env`) or a file (`*_file`), never the configuration itself.

use super::{err, ConfigError};
use std::{collections::HashMap, path::PathBuf};

/// The app's: a value whose Debug form is `[redacted]`, exposed only where it must be used.
pub use app::model::Secret;

/// Where a secret is read from, once every configuration layer is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SecretSource {
    Env(String),
    File(PathBuf),
}

impl SecretSource {
    /// The source named by a pair of keys such as `password_env` / `password_file` (at most
    /// one of them); `env_key` and `file_key` are those keys' names in errors.
    pub(super) fn from_keys(
        env_var: Option<String>,
        file: Option<String>,
        env_key: &str,
        file_key: &str,
    ) -> Result<Option<Self>, ConfigError> {
        match (env_var, file) {
            (Some(_), Some(_)) => Err(err(
                file_key,
                format!("set {} or {}, not both", short(env_key), short(file_key)),
            )),
            (Some(var), None) => {
                let valid = !var.is_empty()
                    && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !var.starts_with(|c: char| c.is_ascii_digit());
                if valid {
                    Ok(Some(Self::Env(var)))
                } else {
                    Err(err(
                        env_key,
                        format!("\"{var}\" is not the name of an environment variable"),
                    ))
                }
            }
            (None, Some(path)) if path.is_empty() => Err(err(file_key, "must not be empty")),
            (None, Some(path)) => Ok(Some(Self::File(PathBuf::from(path)))),
            (None, None) => Ok(None),
        }
    }

    /// The secret; `source` names the key it was configured by, for errors.
    pub(super) fn read(
        &self,
        env: &HashMap<String, String>,
        source: &str,
    ) -> Result<Secret, ConfigError> {
        match self {
            Self::Env(var) => env
                .get(var)
                .filter(|value| !value.is_empty())
                .map(|value| Secret::new(value.clone()))
                .ok_or_else(|| {
                    err(
                        source,
                        format!("the environment variable {var} is not set or is empty"),
                    )
                }),
            Self::File(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| err(source, format!("cannot read {}: {e}", path.display())))?;
                // Files written by `echo` or an editor end in a newline that is no part of it.
                let value = text.trim_end_matches(['\n', '\r']);
                if value.is_empty() {
                    return Err(err(source, format!("{} is empty", path.display())));
                }
                Ok(Secret::new(value))
            }
        }
    }
}

/// `trustdesk.toml: smtp.password_env` → `password_env`, for a message that already names
/// its source.
fn short(key: &str) -> &str {
    let key = key.rsplit(": ").next().unwrap_or(key);
    key.rsplit('.').next().unwrap_or(key)
}
