//! Tests that read what trustdesk logs, in a process of their own: a global subscriber sees every
//! log line, which a thread-local one beside other tests' threads did not reliably do.

#[path = "../it/mail.rs"]
#[allow(dead_code)]
mod mail;
#[path = "../it/mail_login.rs"]
mod mail_login;
#[path = "../it/smtp_server.rs"]
mod smtp_server;
