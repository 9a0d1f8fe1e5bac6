//! Tests that read what trustdesk logs, in a process of their own whose every line they capture
//! (see `captured`): the SMTP password kept out of the log, and each request's lines carrying
//! its id.

mod captured;
#[path = "../it/harness.rs"]
#[allow(dead_code)]
mod harness;
mod mail_login;
#[path = "../it/outbox_fixtures.rs"]
#[allow(dead_code)]
mod outbox_fixtures;
mod request_logs;
#[path = "../it/smtp_server.rs"]
#[allow(dead_code)]
mod smtp_server;
