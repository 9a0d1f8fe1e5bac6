//! SMTP through lettre: STARTTLS (required, not opportunistic), implicit TLS, or a plain
//! connection to a local relay; a login when a username is configured. One connection per mail:
//! alerts are few, and a fresh connection never trips over one the server dropped.

use super::{build_message, Envelope, MailError, Mailer};
use crate::config::{SmtpConfig, SmtpSecurity};
use async_trait::async_trait;
use lettre::{
    transport::smtp::{authentication::Credentials, Error as SmtpError},
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
};
use std::time::Duration;

/// For the connection and for each reply; a claim outlives several of these
/// ([`crate::jobs::deliver::RetryPolicy::claim_timeout`]).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

// Deliberately not Debug: nothing can print the transport, which holds the password.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    host: String,
    port: u16,
    security: SmtpSecurity,
    username: Option<String>,
}

/// Replies that will not change on a later attempt: the mailbox does not exist, is not local,
/// its name is not allowed, or the transaction was refused. Other 5xx replies (an unsupported
/// command, a login refused) are the configuration's fault and heal when it is fixed.
const PERMANENT_CODES: [&str; 4] = ["550", "551", "553", "554"];
const LOGIN_CODES: [&str; 4] = ["530", "534", "535", "538"];

impl SmtpMailer {
    pub fn new(config: &SmtpConfig) -> Result<Self, MailError> {
        let unusable = |error: SmtpError| {
            tracing::error!(error = ?error, host = %config.host, "cannot prepare TLS for the SMTP server");
            MailError::temporary(format!(
                "TLS cannot be prepared for SMTP server {}: {error}.",
                config.host
            ))
        };
        let builder = match config.security {
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                    .map_err(unusable)?
            }
            SmtpSecurity::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host).map_err(unusable)?
            }
            SmtpSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            }
        };
        let mut builder = builder.port(config.port).timeout(Some(SEND_TIMEOUT));
        if let (Some(username), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                password.expose().to_string(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            host: config.host.clone(),
            port: config.port,
            security: config.security,
            username: config.username.clone(),
        })
    }

    /// What went wrong, as the admin should read it on the Outbox page.
    fn explain(&self, error: &SmtpError) -> MailError {
        let server = format!("SMTP server {}:{}", self.host, self.port);
        let code = error.status().map(|c| c.to_string());
        let code = code.as_deref();
        if error.is_timeout() {
            return MailError::temporary(format!(
                "{server} did not answer within {} seconds.",
                SEND_TIMEOUT.as_secs()
            ));
        }
        if error.is_tls() {
            return MailError::temporary(format!(
                "The TLS connection to {server} failed; check smtp.security ({}) and the server's certificate.",
                self.security.as_str()
            ));
        }
        if let Some(io) = io_cause(error) {
            return MailError::temporary(match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    format!("{server} refused the connection.")
                }
                _ => format!("{server} could not be reached: {io}."),
            });
        }
        if let Some(code) = code.filter(|c| LOGIN_CODES.contains(c)) {
            return MailError::temporary(format!(
                "{server} refused the username or password ({code}); check smtp.username and the password."
            ));
        }
        if error.is_client()
            && self.username.is_some()
            && error.to_string().contains("authentication")
        {
            return MailError::temporary(format!(
                "{server} offers no way to sign in over this connection; check smtp.security and smtp.username."
            ));
        }
        if error.is_permanent() || error.is_transient() {
            let sentence = format!("{server} refused the mail: {error}.");
            return match code {
                Some(code) if error.is_permanent() && PERMANENT_CODES.contains(&code) => {
                    MailError::permanent(sentence)
                }
                _ => MailError::temporary(sentence),
            };
        }
        MailError::temporary(format!("Sending through {server} failed: {error}."))
    }
}

fn io_cause(error: &SmtpError) -> Option<&std::io::Error> {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        source = cause.source();
    }
    None
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Envelope) -> Result<(), MailError> {
        let message = build_message(mail)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) => {
                tracing::warn!(
                    host = %self.host,
                    port = self.port,
                    message_id = %mail.message_id,
                    error = ?error,
                    "SMTP send failed"
                );
                Err(self.explain(&error))
            }
        }
    }

    fn describe(&self) -> String {
        let security = match self.security {
            SmtpSecurity::StartTls => "STARTTLS",
            SmtpSecurity::Tls => "TLS",
            SmtpSecurity::None => "no encryption",
        };
        let login = match &self.username {
            Some(username) => format!(", signed in as {username}"),
            None => String::new(),
        };
        format!("SMTP {}:{} ({security}){login}", self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn config(security: SmtpSecurity, port: u16) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            security,
            username: Some("alerts".into()),
            password: Some(Secret::new("s3cret-password")),
            from: "alerts@example.com".into(),
        }
    }

    #[test]
    fn every_security_builds_and_describes_itself_without_the_password() {
        for (security, shown) in [
            (SmtpSecurity::StartTls, "(STARTTLS)"),
            (SmtpSecurity::Tls, "(TLS)"),
            (SmtpSecurity::None, "(no encryption)"),
        ] {
            let mailer = SmtpMailer::new(&config(security, 2525)).unwrap();
            let described = mailer.describe();
            assert_eq!(
                described,
                format!("SMTP 127.0.0.1:2525 {shown}, signed in as alerts")
            );
            assert!(!described.contains("s3cret"));
        }
    }

    #[tokio::test]
    async fn a_closed_port_is_a_refused_connection_worth_retrying() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let mailer = SmtpMailer::new(&config(SmtpSecurity::None, port)).unwrap();
        let error = mailer
            .send(&super::super::sample("<a@b>"))
            .await
            .unwrap_err();
        assert_eq!(
            error.sentence(),
            format!("SMTP server 127.0.0.1:{port} refused the connection.")
        );
        assert!(!error.is_permanent());
    }
}
