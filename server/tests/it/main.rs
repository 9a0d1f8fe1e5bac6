//! The whole server on 127.0.0.1:0 with a temporary database, driven over HTTP.

mod accounts;
mod audit;
mod csrf;
mod demo;
mod expiry;
mod harness;
mod identity_sources;
mod instance_profiles;
mod inventory_queries;
mod license_tokens;
mod login;
mod mail;
mod mail_login;
mod managed_policies;
mod mfa_devices;
mod oidc_providers;
mod refusals;
mod saml_providers;
mod server_certificates;
mod session_writes;
mod setup;
mod smtp_server;
mod static_files;
mod sync;
mod trust_providers;
mod verification_tokens;
