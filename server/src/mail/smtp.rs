//! SMTP through lettre: STARTTLS (required, not opportunistic), implicit TLS, or a plain
//! connection to a local relay; a login when a username is configured. One connection per mail:
//! alerts are few, and a fresh connection never trips over one the server dropped.

use super::{build_message, DeliveryError, Envelope, Mailer};
use crate::config::{SmtpConfig, SmtpSecurity};
use async_trait::async_trait;
use lettre::{
    transport::smtp::{
        authentication::Credentials,
        client::{Certificate, Tls, TlsParameters},
        Error as SmtpError,
    },
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
};
use std::time::Duration;

/// For one whole send, from connecting to the server's last reply. lettre bounds only the
/// connect, so a server that stops answering would otherwise hold the send (and its outbox
/// claim) until the server gives up. Well below [`crate::jobs::deliver::RetryPolicy`]'s
/// claim timeout, so a live sender's claim is never taken for a dead one's.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);

// Deliberately not Debug: nothing can print the transport, which holds the password.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    host: String,
    port: u16,
    security: SmtpSecurity,
    username: Option<String>,
    timeout: Duration,
}

/// Replies that will not change on a later attempt: the mailbox does not exist, is not local,
/// its name is not allowed, or the transaction was refused. Other 5xx replies (an unsupported
/// command, a login refused) are the configuration's fault and heal when it is fixed.
const PERMANENT_CODES: [&str; 4] = ["550", "551", "553", "554"];
const LOGIN_CODES: [&str; 4] = ["530", "534", "535", "538"];

impl SmtpMailer {
    pub fn new(config: &SmtpConfig) -> Result<Self, DeliveryError> {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .timeout(Some(SEND_TIMEOUT));
        builder = match config.security {
            SmtpSecurity::StartTls => builder.tls(Tls::Required(tls_parameters(config)?)),
            SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls_parameters(config)?)),
            SmtpSecurity::None => builder,
        };
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
            timeout: SEND_TIMEOUT,
        })
    }

    /// A shorter bound than [`SEND_TIMEOUT`], for tests of a server that stops answering.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn timed_out(&self) -> DeliveryError {
        let limit = if self.timeout >= Duration::from_secs(1) {
            format!("{} seconds", self.timeout.as_secs())
        } else {
            format!("{} ms", self.timeout.as_millis())
        };
        DeliveryError::temporary(format!(
            "SMTP server {}:{} did not answer within {limit}.",
            self.host, self.port
        ))
    }

    /// What went wrong, as the admin should read it on the Outbox page.
    fn explain(&self, error: &SmtpError) -> DeliveryError {
        let server = format!("SMTP server {}:{}", self.host, self.port);
        let code = error.status().map(|c| c.to_string());
        let code = code.as_deref();
        if error.is_timeout() {
            return self.timed_out();
        }
        let io = io_cause(error);
        // tokio-rustls reports a failed handshake (an untrusted certificate, a server that
        // does not speak TLS) as invalid data read from the socket rather than as a TLS error.
        let handshake = self.security != SmtpSecurity::None
            && io.is_some_and(|io| io.kind() == std::io::ErrorKind::InvalidData);
        if error.is_tls() || handshake {
            let cause = match io {
                Some(io) => format!(" ({io})"),
                None => {
                    std::error::Error::source(error).map_or(String::new(), |c| format!(" ({c})"))
                }
            };
            return DeliveryError::temporary(format!(
                "The TLS connection to {server} failed{cause}; check smtp.security ({}), smtp.ca_file and the server's certificate.",
                self.security.as_str()
            ));
        }
        if error.is_client() && error.to_string().contains("STARTTLS") {
            return DeliveryError::temporary(format!(
                "{server} does not offer STARTTLS; set smtp.security to tls if it expects TLS from the first byte (usually port 465)."
            ));
        }
        if let Some(io) = io {
            return DeliveryError::temporary(match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    format!("{server} refused the connection.")
                }
                _ => format!("{server} could not be reached: {io}."),
            });
        }
        if let Some(code) = code.filter(|c| LOGIN_CODES.contains(c)) {
            return DeliveryError::temporary(format!(
                "{server} refused the username or password ({code}); check smtp.username and the password."
            ));
        }
        if error.is_client()
            && self.username.is_some()
            && error.to_string().contains("authentication")
        {
            return DeliveryError::temporary(format!(
                "{server} offers no way to sign in over this connection; check smtp.security and smtp.username."
            ));
        }
        if error.is_permanent() || error.is_transient() {
            let sentence = format!("{server} refused the mail: {error}.");
            return match code {
                Some(code) if error.is_permanent() && PERMANENT_CODES.contains(&code) => {
                    DeliveryError::permanent(sentence)
                }
                _ => DeliveryError::temporary(sentence),
            };
        }
        DeliveryError::temporary(format!("Sending through {server} failed: {error}."))
    }
}

/// The system's CA store, plus `ca_file`'s certificates when configured.
fn tls_parameters(config: &SmtpConfig) -> Result<TlsParameters, DeliveryError> {
    let unusable = |error: &dyn std::fmt::Display| {
        tracing::error!(%error, host = %config.host, "cannot prepare TLS for the SMTP server");
        DeliveryError::temporary(format!(
            "TLS cannot be prepared for SMTP server {}: {error}.",
            config.host
        ))
    };
    let mut builder = TlsParameters::builder(config.host.clone());
    if let Some(path) = &config.ca_file {
        let pem = std::fs::read(path).map_err(|e| unusable(&format!("{}: {e}", path.display())))?;
        let certificates = Certificate::from_pem(&pem)
            .map_err(|e| unusable(&format!("{}: {e}", path.display())))?;
        builder = builder.add_root_certificate(certificates);
    }
    builder.build_rustls().map_err(|e| unusable(&e))
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
    async fn send(&self, mail: &Envelope) -> Result<(), DeliveryError> {
        let message = build_message(mail)?;
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Err(_) => {
                tracing::warn!(
                    host = %self.host,
                    port = self.port,
                    message_id = %mail.message_id,
                    timeout = ?self.timeout,
                    "SMTP send timed out"
                );
                Err(self.timed_out())
            }
            Ok(Err(error)) => {
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
            ca_file: None,
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

    #[tokio::test]
    async fn a_server_that_never_answers_is_given_up_on_in_time() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // Accepts and then says nothing, not even the greeting.
        let silent = tokio::spawn(async move {
            let (_socket, _) = listener.accept().await.unwrap();
            std::future::pending::<()>().await
        });
        let mailer = SmtpMailer::new(&config(SmtpSecurity::None, port))
            .unwrap()
            .with_timeout(Duration::from_millis(300));
        let started = std::time::Instant::now();
        let error = mailer
            .send(&super::super::sample("<a@b>"))
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(
            error.sentence(),
            format!("SMTP server 127.0.0.1:{port} did not answer within 300 ms.")
        );
        silent.abort();
    }
}
