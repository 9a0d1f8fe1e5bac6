//! Expiry alerts: the rules, a test email or webhook post, the outbox, an item's acknowledgement or snooze,
//! and the links in alert emails (which work without signing in).

use crate::model::alerts::{AlertLinkInfo, AlertRulesForm, AlertSettings, OutboxPage, Silence};
use crate::model::endpoint::{Endpoint, WITH_TAGS};
use crate::model::{AppError, ResourceRef, Secret};
#[cfg(feature = "ssr")]
use crate::ports::{change, read};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

const ALERTS: &str = "change alerts and mail";

/// Who may call this file's server functions (see [`Endpoint`]).
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::signed_in("alerts"),
    Endpoint::admin("alerts/rules", ALERTS)
        .audited_as("alerts.rules")
        .taking(WITH_TAGS),
    Endpoint::admin("alerts/test", ALERTS).audited_as("alerts.test_email"),
    Endpoint::admin("alerts/test-webhook", ALERTS).audited_as("alerts.test_webhook"),
    Endpoint::signed_in("outbox"),
    Endpoint::admin("outbox/act", ALERTS).audited_as("outbox.retry_or_discard"),
    Endpoint::signed_in("alerts/silence"),
    Endpoint::admin("alerts/silence/set", ALERTS).audited_as("alerts.silence"),
    // Emailed links act without signing in: the link itself is the credential.
    Endpoint::anyone("alerts/link"),
    Endpoint::anyone("alerts/link/use"),
];

#[server(endpoint = "alerts", input = GetUrl)]
pub async fn get_alert_settings() -> Result<AlertSettings, AppError> {
    read(|ports| ports.alert_settings()).await
}

#[server(endpoint = "alerts/rules")]
pub async fn save_alert_rules(
    #[server(default)] _csrf: String,
    rules: AlertRulesForm,
) -> Result<(), AppError> {
    change(|ports| ports.save_alert_rules(rules)).await
}

#[server(endpoint = "alerts/test")]
pub async fn send_test_email(#[server(default)] _csrf: String, to: String) -> Result<(), AppError> {
    change(|ports| ports.send_test_email(to)).await
}

/// A test post to the configured webhook `name`.
#[server(endpoint = "alerts/test-webhook")]
pub async fn send_test_post(
    #[server(default)] _csrf: String,
    name: String,
) -> Result<(), AppError> {
    change(|ports| ports.send_test_post(name)).await
}

#[server(endpoint = "outbox", input = GetUrl)]
pub async fn get_outbox() -> Result<OutboxPage, AppError> {
    read(|ports| ports.outbox()).await
}

/// `retry` or `discard` one mail.
#[server(endpoint = "outbox/act")]
pub async fn act_on_mail(
    #[server(default)] _csrf: String,
    id: i64,
    action: String,
) -> Result<(), AppError> {
    change(|ports| ports.act_on_mail(id, action)).await
}

#[server(endpoint = "alerts/silence", input = GetUrl)]
pub async fn get_silence(item: ResourceRef) -> Result<Option<Silence>, AppError> {
    read(|ports| ports.silence(item)).await
}

/// `ack`, `snooze` (for `days`) or `clear` an item's notices.
#[server(endpoint = "alerts/silence/set")]
pub async fn set_silence(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    action: String,
    #[server(default)] days: u32,
) -> Result<(), AppError> {
    change(|ports| ports.set_silence(item, action, days)).await
}

/// What an emailed link stands for; reading it changes nothing (mail scanners open links).
#[server(endpoint = "alerts/link", input = GetUrl)]
pub async fn get_alert_link(token: Secret) -> Result<AlertLinkInfo, AppError> {
    read(|ports| ports.alert_link(token)).await
}

#[server(endpoint = "alerts/link/use")]
pub async fn use_alert_link(
    #[server(default)] _csrf: String,
    token: Secret,
    #[server(default)] days: u32,
) -> Result<(), AppError> {
    change(|ports| ports.use_alert_link(token, days)).await
}
