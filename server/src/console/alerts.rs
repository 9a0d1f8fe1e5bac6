//! The alert pages' side of the console: rules, a test email, the outbox, an item's
//! acknowledgement or snooze, and emailed links. Every change is audited; emailed links act
//! without a session, once, as their recipient.

use app::model::alerts::{
    is_email, AlertLinkInfo, AlertRulesForm, AlertSettings, OutboxPage, OutboxRow, Silence,
    WebhookInfo, SNOOZE_CHOICES,
};
use app::model::{AppError, FieldError, Outcome, ResourceKind, ResourceRef, Role, Secret};
use app::ports::{AlertPorts, Changed};
use serde_json::json;

use crate::alerts::link::LinkClaims;
use crate::console::RequestConsole;
use crate::store::db_error;
use crate::store::{self, audit::NewAuditRow, outbox::NewMail, users::UserRecord};

impl crate::console::Console {
    /// Saves `rules` unless alert rules were ever saved (the demo's start), audited as the
    /// system's act; whether they were saved.
    pub(crate) async fn set_first_alert_rules(
        &self,
        rules: app::model::alerts::AlertRules,
        via: &str,
    ) -> Result<bool, AppError> {
        let mut tx = self.db().begin_write().await.map_err(db_error)?;
        if store::alerts::rules_saved(&mut tx)
            .await
            .map_err(db_error)?
        {
            return Ok(false);
        }
        let now = store::now();
        store::alerts::save_rules(&mut tx, &rules, "system", &now)
            .await
            .map_err(db_error)?;
        let row = NewAuditRow {
            actor: "system".into(),
            action: "alerts.rules".into(),
            target_kind: "alerts".into(),
            target_id: "rules".into(),
            params: json!({"rules": rules, "via": via}),
            outcome: Some(Outcome::Ok),
            message: "Alert rules set.".into(),
            ..Default::default()
        };
        store::audit::append(&mut tx, self.db().seal(), row, &now)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }
}

impl RequestConsole {
    /// An admin, or an audited refusal of `action`.
    async fn alerts_admin(&self, action: &str, target: &str) -> Result<UserRecord, AppError> {
        let user = self.require_user().await?;
        if user.role() == Role::Admin {
            return Ok(user);
        }
        let mut row = self.row(&user.username, action, "alerts", target, json!({}));
        row.outcome = Some(Outcome::Error);
        row.message = "refused: the viewer role cannot change alerts".into();
        self.console.audit_alone(row).await?;
        Err(AppError::access_denied(
            "Only admins can change alerts and mail; your account has the viewer role.",
        ))
    }

    /// Writes `row` (outcome ok) and whatever `change` does, in one transaction.
    async fn audited_change<F>(&self, mut row: NewAuditRow, change: F) -> Result<(), AppError>
    where
        F: for<'c> FnOnce(
            &'c mut sqlx::SqliteConnection,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<(), AppError>> + Send + 'c>,
        >,
    {
        let now = store::now();
        let mut tx = self.console.db().begin_write().await.map_err(db_error)?;
        change(&mut tx).await?;
        row.outcome = Some(Outcome::Ok);
        self.console.commit_audited(tx, row, &now).await
    }

    pub(crate) fn account_names(&self) -> Vec<String> {
        self.console.clients.account_names()
    }

    fn webhook_names(&self) -> Vec<String> {
        self.console
            .alerting
            .webhooks
            .configured()
            .iter()
            .map(|hook| hook.name.clone())
            .collect()
    }

    /// The cached item with its current expiry, or a sentence saying why none.
    async fn dated_item(
        &self,
        item: &ResourceRef,
    ) -> Result<(app::model::AwsItem, String), AppError> {
        let found = store::resources::get(self.console.db().pool(), item)
            .await
            .map_err(db_error)?
            .ok_or_else(|| {
                AppError::not_found(format!("No {} {} is known.", item.kind.singular(), item.id))
            })?;
        let expires = found.expires_at.clone().ok_or_else(|| {
            AppError::not_found(format!(
                "{} do not expire, so they have no notices.",
                item.kind.title()
            ))
        })?;
        Ok((found, expires))
    }

    /// Acknowledges, snoozes or clears `item` at its expiry `expires`, audited by `row`; an
    /// emailed link's `link_nonce` is spent in the same transaction.
    #[allow(clippy::too_many_arguments)]
    async fn silence_as(
        &self,
        by: &str,
        mut row: NewAuditRow,
        item: ResourceRef,
        expires: String,
        action: &str,
        days: u32,
        link_nonce: Option<String>,
    ) -> Result<(), AppError> {
        let until = match action {
            "snooze" if SNOOZE_CHOICES.contains(&days) => Some(crate::time::timestamp(
                self.console.clock.now() + chrono::Duration::days(i64::from(days)),
            )),
            "snooze" => {
                return Err(AppError::validation(vec![FieldError {
                    field: "days".into(),
                    message: format!("Snooze for one of {SNOOZE_CHOICES:?} days."),
                }]))
            }
            _ => None,
        };
        row.account = item.account.clone();
        row.region = item.region.clone();
        row.message = match (action, &until) {
            ("clear", _) => "Notices resumed.".into(),
            (_, Some(until)) => format!("Snoozed until {until}."),
            _ => format!("Acknowledged for the expiry {expires}."),
        };
        let (by, now, clear) = (by.to_string(), store::now(), action == "clear");
        self.audited_change(row, move |conn| {
            Box::pin(async move {
                if let Some(nonce) = &link_nonce {
                    if !store::alerts::use_link(conn, nonce, &now)
                        .await
                        .map_err(db_error)?
                    {
                        return Err(AppError::conflict(
                            "This link has been used already; it works once.",
                        ));
                    }
                }
                if clear {
                    store::alerts::clear_silence(conn, &item).await.map(|_| ())
                } else {
                    store::alerts::silence(conn, &item, &expires, until.as_deref(), &by, &now).await
                }
                .map_err(db_error)
            })
        })
        .await
    }

    /// A link's claims and the item it names, if it still applies.
    async fn link_target(
        &self,
        token: &str,
    ) -> Result<(LinkClaims, app::model::AwsItem), AppError> {
        let claims = self
            .console
            .alerting
            .link_key
            .verify(token, chrono::Utc::now())
            .map_err(|refusal| AppError::access_denied(refusal.sentence()))?;
        let kind = ResourceKind::parse(&claims.kind)
            .ok_or_else(|| AppError::access_denied("This link is not valid."))?;
        let item = ResourceRef {
            kind,
            account: claims.account.clone(),
            region: claims.region.clone(),
            id: claims.id.clone(),
        };
        let (found, expires) = self.dated_item(&item).await?;
        if expires != claims.expires_at {
            return Err(AppError::conflict(
                "This item's expiry has changed since the email was sent (it was renewed), so the link no longer applies; new notices will follow the new expiry.",
            ));
        }
        if store::alerts::link_used(self.console.db().pool(), &claims.nonce)
            .await
            .map_err(db_error)?
        {
            return Err(AppError::conflict(
                "This link has been used already; it works once.",
            ));
        }
        Ok((claims, found))
    }
}

#[async_trait::async_trait]
impl AlertPorts for RequestConsole {
    async fn alert_settings(&self) -> Result<AlertSettings, AppError> {
        let user = self.require_user().await?;
        let rules = store::alerts::rules(self.console.db().pool())
            .await
            .map_err(db_error)?;
        Ok(AlertSettings {
            rules,
            accounts: self.account_names(),
            default_time_zone: self.console.alerting.time_zone.name().to_string(),
            mailer: self.console.alerting.mailer.describe(),
            webhooks: self
                .console
                .alerting
                .webhooks
                .configured()
                .iter()
                .map(|hook| WebhookInfo {
                    name: hook.name.clone(),
                    format: hook.format.label().to_string(),
                    destination: hook.destination(),
                })
                .collect(),
            demo_chat_page: self.console.alerting.demo_chat_page.clone(),
            can_edit: user.role() == Role::Admin,
        })
    }

    async fn save_alert_rules(&self, form: AlertRulesForm) -> Result<Changed, AppError> {
        let admin = self.alerts_admin("alerts.rules", "rules").await?;
        let rules = form.validate(&self.account_names(), &self.webhook_names())?;
        if !rules.time_zone.is_empty() && rules.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(AppError::validation(vec![FieldError {
                field: "time_zone".into(),
                message: format!(
                    "\"{}\" is not an IANA time zone such as Europe/Berlin.",
                    rules.time_zone.chars().take(60).collect::<String>()
                ),
            }]));
        }
        let mut row = self.row(
            &admin.username,
            "alerts.rules",
            "alerts",
            "rules",
            json!(rules),
        );
        row.message = "Alert rules changed.".into();
        let (by, now) = (admin.username.clone(), store::now());
        self.audited_change(row, move |conn| {
            Box::pin(async move {
                store::alerts::save_rules(conn, &rules, &by, &now)
                    .await
                    .map_err(db_error)
            })
        })
        .await?;
        Ok(Changed::notice("Alert rules saved."))
    }

    async fn send_test_email(&self, to: String) -> Result<Changed, AppError> {
        let admin = self.alerts_admin("alerts.test_email", "test").await?;
        let to = to.trim().to_string();
        if !is_email(&to) {
            return Err(AppError::validation(vec![FieldError {
                field: "to".into(),
                message: "Enter one email address, such as owner@example.com.".into(),
            }]));
        }
        let mail = NewMail {
            recipient: to.clone(),
            subject: "[trustdesk] Test email".into(),
            text: format!(
                "This is a test email from trustdesk, sent by {} from the Alerts page. Expiry notices reach you the same way.\n",
                admin.username
            ),
            html: format!(
                "<!DOCTYPE html><html><body><p>This is a test email from trustdesk, sent by {} from the Alerts page. Expiry notices reach you the same way.</p></body></html>",
                admin.username
            ),
        };
        let mut row = self.row(
            &admin.username,
            "alerts.test_email",
            "mail",
            &to,
            json!({"to": to}),
        );
        row.message = "Test email queued.".into();
        let (host, now) = (self.console.alerting.message_host.clone(), store::now());
        self.audited_change(row, move |conn| {
            Box::pin(async move {
                store::outbox::enqueue(conn, &mail, &host, &now)
                    .await
                    .map(|_| ())
                    .map_err(db_error)
            })
        })
        .await?;
        self.console.wakeups.mail.notify_one();
        Ok(Changed::notice(
            "Test email queued: see the Outbox for its delivery.",
        ))
    }

    async fn send_test_post(&self, name: String) -> Result<Changed, AppError> {
        let admin = self.alerts_admin("alerts.test_webhook", "test").await?;
        let alerting = &self.console.alerting;
        let Some(hook) = alerting.webhooks.get(name.trim()) else {
            return Err(AppError::validation(vec![FieldError {
                field: "name".into(),
                message: format!(
                    "No webhook named {} is configured; webhooks are listed in trustdesk.toml.",
                    name.chars()
                        .filter(|c| !c.is_control())
                        .take(64)
                        .collect::<String>()
                ),
            }]));
        };
        let post = crate::alerts::chat::test(hook.format, &admin.username, chrono::Utc::now());
        let mut row = self.row(
            &admin.username,
            "alerts.test_webhook",
            "webhook",
            &hook.name,
            json!({"webhook": hook.name}),
        );
        row.message = format!("Test post to {} queued.", hook.name);
        let (name, host, now) = (
            hook.name.clone(),
            alerting.message_host.clone(),
            store::now(),
        );
        let notice = format!("Test post to {name} queued: see the Outbox for its delivery.");
        self.audited_change(row, move |conn| {
            Box::pin(async move {
                store::outbox::enqueue_post(conn, &name, &post.subject, &post.body, &host, &now)
                    .await
                    .map(|_| ())
                    .map_err(db_error)
            })
        })
        .await?;
        self.console.wakeups.mail.notify_one();
        Ok(Changed::notice(notice))
    }

    async fn outbox(&self) -> Result<OutboxPage, AppError> {
        let user = self.require_user().await?;
        let entries = store::outbox::list(self.console.db().pool(), None, 200)
            .await
            .map_err(db_error)?;
        Ok(OutboxPage {
            rows: entries
                .into_iter()
                .map(|e| OutboxRow {
                    id: e.id,
                    created_at: e.created_at,
                    channel: e.channel.as_str().to_string(),
                    recipient: e.recipient,
                    subject: e.subject,
                    state: e.state.as_str().to_string(),
                    attempts: e.attempts,
                    last_error: e.last_error,
                    next_attempt_at: e.next_attempt_at,
                    sent_at: e.sent_at,
                    message_id: e.message_id,
                })
                .collect(),
            mailer: self.console.alerting.mailer.describe(),
            folder: self
                .console
                .alerting
                .folder
                .as_ref()
                .map(|f| f.display().to_string()),
            demo_chat_page: self.console.alerting.demo_chat_page.clone(),
            can_manage: user.role() == Role::Admin,
        })
    }

    async fn act_on_mail(&self, id: i64, action: String) -> Result<Changed, AppError> {
        let audit_action = match action.as_str() {
            "retry" => "outbox.retry",
            "discard" => "outbox.discard",
            _ => {
                return Err(AppError::not_found(
                    "The outbox knows only retry and discard.",
                ))
            }
        };
        let admin = self.alerts_admin(audit_action, &id.to_string()).await?;
        let mut row = self.row(
            &admin.username,
            audit_action,
            "mail",
            &id.to_string(),
            json!({"id": id}),
        );
        row.message = format!("Mail {id}: {action}.");
        let now = store::now();
        let retry = action == "retry";
        self.audited_change(row, move |conn| {
            Box::pin(async move {
                let done = if retry {
                    store::outbox::retry(conn, id, &now).await
                } else {
                    store::outbox::discard(conn, id, &now).await
                }
                .map_err(db_error)?;
                if done {
                    Ok(())
                } else {
                    Err(AppError::conflict(format!(
                        "Mail {id} cannot be {} now: it is being sent, was sent, or does not exist.",
                        if retry { "retried" } else { "discarded" }
                    )))
                }
            })
        })
        .await?;
        if retry {
            self.console.wakeups.mail.notify_one();
        }
        Ok(Changed::notice(format!("Mail {id}: {action} done.")))
    }

    async fn silence(&self, item: ResourceRef) -> Result<Option<Silence>, AppError> {
        self.require_user().await?;
        let Ok((_, expires)) = self.dated_item(&item).await else {
            return Ok(None);
        };
        store::alerts::silence_of(
            self.console.db().pool(),
            &item,
            &expires,
            &self.console.clock.timestamp(),
        )
        .await
        .map_err(db_error)
    }

    async fn set_silence(
        &self,
        item: ResourceRef,
        action: String,
        days: u32,
    ) -> Result<Changed, AppError> {
        let audit_action = match action.as_str() {
            "ack" => "alerts.acknowledge",
            "snooze" => "alerts.snooze",
            "clear" => "alerts.clear",
            _ => return Err(AppError::not_found("Acknowledge, snooze or clear only.")),
        };
        let admin = self.alerts_admin(audit_action, &item.id).await?;
        let (_, expires) = self.dated_item(&item).await?;
        let by = admin.username.clone();
        self.silence_as(
            &by,
            self.row(
                &by,
                audit_action,
                item.kind.as_str(),
                &item.id,
                json!({"days": days}),
            ),
            item,
            expires,
            &action,
            days,
            None,
        )
        .await?;
        Ok(Changed::notice(match action.as_str() {
            "ack" => "Acknowledged: no further notices until its expiry changes.".to_string(),
            "snooze" => format!("Snoozed for {days} days."),
            _ => "Notices resumed.".to_string(),
        }))
    }

    async fn alert_link(&self, token: Secret) -> Result<AlertLinkInfo, AppError> {
        let (claims, found) = self.link_target(token.expose()).await?;
        Ok(AlertLinkInfo {
            action: claims.action,
            kind: found.item.kind,
            name: found.name,
            account: found.item.account,
            region: found.item.region,
            expires_at: found.expires_at,
            recipient: claims.recipient,
        })
    }

    async fn use_alert_link(&self, token: Secret, days: u32) -> Result<Changed, AppError> {
        let (claims, found) = self.link_target(token.expose()).await?;
        if claims.action == "snooze" && !SNOOZE_CHOICES.contains(&days) {
            return Err(AppError::validation(vec![FieldError {
                field: "days".into(),
                message: format!("Snooze for one of {SNOOZE_CHOICES:?} days."),
            }]));
        }
        let via = if claims
            .recipient
            .starts_with(crate::alerts::WEBHOOK_RECIPIENT)
        {
            "chat link"
        } else {
            "email link"
        };
        let by = format!("{} ({via})", claims.recipient);
        let action = if claims.action == "snooze" {
            "alerts.snooze"
        } else {
            "alerts.acknowledge"
        };
        let mut row = self.row(
            &by,
            action,
            found.item.kind.as_str(),
            &found.item.id,
            json!({"days": days, "via": via}),
        );
        row.account = found.item.account.clone();
        let expires = claims.expires_at.clone();
        // The nonce is spent in the same transaction as the change and its audit row: two
        // clicks act once, and a change that fails leaves the link usable.
        self.silence_as(
            &by,
            row,
            found.item,
            expires,
            &claims.action,
            if claims.action == "snooze" { days } else { 0 },
            Some(claims.nonce.clone()),
        )
        .await?;
        Ok(Changed::notice(if claims.action == "snooze" {
            format!("Snoozed: no notices about this item for {days} days.")
        } else {
            "Acknowledged: no further notices until its expiry changes.".to_string()
        }))
    }
}
