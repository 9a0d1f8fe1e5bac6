//! The UI's [`Ports`] for one request: each method runs its `*_inner` (authorise, validate,
//! audit, act) and hands the result to [`RequestConsole::finish`], which sets the status code or
//! the flash message for the browser.

use super::*;
use app::model::share::{ShareCreated, ShareForm, ShareLinksPage, SharePreview};
use app::model::{AuditDetail, AuditQuery, ChainCursor, ChainProgress};

/// A new share link's URL as the one-time page shows it.
fn shown_once_link(created: &ShareCreated) -> OnceSecret {
    OnceSecret {
        title: "Share link created".into(),
        warning: format!(
            "Copy this link now and send it to {}: trustdesk keeps only a hash of it and cannot show it again. It works until {} (UTC).",
            created.label, created.expires_at
        ),
        values: vec![app::model::SecretValue {
            id: "share-url".into(),
            label: "Share link".into(),
            value: created.url.clone(),
        }],
        image_png_base64: None,
        item: None,
        next: ("/shares".into(), "See every share link".into()),
    }
}
use app::model::Secret;

#[async_trait::async_trait]
impl Ports for RequestConsole {
    async fn session_info(&self) -> Result<SessionInfo, AppError> {
        let result = self.session_info_inner().await;
        self.finish(result, || None).await
    }

    async fn setup_needed(&self) -> Result<bool, AppError> {
        let result = async {
            let mut conn = self.console.db.pool().acquire().await.map_err(db_error)?;
            let admins = users::count_active_admins(&mut conn)
                .await
                .map_err(db_error)?;
            Ok(admins == 0)
        }
        .await;
        self.finish(result, || None).await
    }

    async fn setup_link_state(&self, token: Secret) -> Result<SetupLinkState, AppError> {
        let result = self.setup_link_state_inner(token).await;
        self.finish(result, || None).await
    }

    async fn complete_setup(&self, token: Secret, admin: NewUser) -> Result<(), AppError> {
        let result = self.complete_setup_inner(token, admin).await;
        let result = self
            .finish(result, || {
                Some(
                    "Welcome. trustdesk is set up and you are signed in as its first admin.".into(),
                )
            })
            .await;
        if result.is_ok() {
            leptos_axum::redirect("/");
        }
        result.map(|_| ())
    }

    async fn login(
        &self,
        username: String,
        password: Secret,
        next: String,
    ) -> Result<(), AppError> {
        let result = self.login_inner(username, password).await;
        let result = self.finish(result, || None).await;
        if result.is_ok() {
            leptos_axum::redirect(&safe_next(&next));
        }
        result
    }

    async fn logout(&self) -> Result<(), AppError> {
        let result = async {
            let user = self.signed_in().await?;
            if let Some(user) = &user {
                let row = self.row(
                    &user.username,
                    "auth.logout",
                    "user",
                    &user.username,
                    json!({}),
                );
                self.console.audit_alone(row).await?;
            }
            self.forget_user();
            self.session().flush().await.map_err(session_error)?;
            Ok(user.is_some())
        }
        .await;
        // The message waits in a new session: only for someone who was signed in, or every
        // stranger's post would store one.
        let signed_out = matches!(result, Ok(true));
        let result = self
            .finish(result, || signed_out.then(|| "You are signed out.".into()))
            .await;
        if result.is_ok() {
            leptos_axum::redirect("/login");
        }
        result.map(|_| ())
    }

    async fn dashboard(&self) -> Result<Dashboard, AppError> {
        let result = async {
            let user = self.require_user().await?;
            let (database, expiry) =
                tokio::join!(self.console.db.status(), self.console.expiry_overview());
            let database = database.map_err(|error| {
                tracing::error!(%error, "database status");
                "The database did not answer; see the server log.".to_string()
            });
            let expiry = expiry.map_err(db_error)?;
            Ok(Dashboard {
                user: current_user(&user),
                version: self.console.version.clone(),
                database,
                aws: self.console.aws.clone(),
                expiry,
            })
        }
        .await;
        self.finish(result, || None).await
    }

    async fn list_users(&self) -> Result<Vec<UserSummary>, AppError> {
        let result = async {
            let user = self.require_user().await?;
            if user.role() != Role::Admin {
                return Err(AppError::admin_only());
            }
            let list = users::list(self.console.db.pool())
                .await
                .map_err(db_error)?;
            Ok(list.iter().map(UserRecord::summary).collect())
        }
        .await;
        self.finish(result, || None).await
    }

    async fn add_user(&self, new_user: NewUser) -> Result<(), AppError> {
        let username = new_user.username.clone();
        let result = async {
            let admin = self
                .require_admin("user.add", ("user", &new_user.username), USERS)
                .await?;
            let role = new_user.validate()?;
            let hash = self.console.passwords.hash(&new_user.password).await?;
            let row = self.row(
                &admin.username,
                "user.add",
                "user",
                &new_user.username,
                json!({"username": new_user.username, "role": role.as_str()}),
            );
            self.console
                .insert_user(&new_user.username, role, &hash, row)
                .await
                .map(|_| ())
        }
        .await;
        self.finish(result, || Some(format!("User {username} added.")))
            .await
    }

    async fn change_role(&self, user_id: i64, role: String) -> Result<(), AppError> {
        let result = async {
            let role = role.parse::<Role>().map_err(|message| {
                AppError::validation(vec![FieldError {
                    field: "role".into(),
                    message,
                }])
            })?;
            self.change_user("user.change_role", user_id, UserChange::Role(role))
                .await
                .map(|name| (name, role))
        }
        .await;
        let flash = result
            .as_ref()
            .ok()
            .map(|(name, role)| format!("{name} is now {role}."));
        self.finish(result, || flash).await.map(|_| ())
    }

    async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> Result<(), AppError> {
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        let result = self
            .change_user(action, user_id, UserChange::Disabled(disabled))
            .await;
        let flash = result.as_ref().ok().map(|name| {
            if disabled {
                format!("{name} is disabled and can no longer sign in.")
            } else {
                format!("{name} is enabled again.")
            }
        });
        self.finish(result, || flash).await.map(|_| ())
    }

    async fn audit_page(&self, query: AuditQuery) -> Result<AuditPage, AppError> {
        let result = self.audit_page_inner(query).await;
        self.finish(result, || None).await
    }

    async fn audit_entry(&self, id: i64) -> Result<AuditDetail, AppError> {
        let result = self.audit_entry_inner(id).await;
        self.finish(result, || None).await
    }

    async fn verify_audit_chain(&self) -> Result<ChainReport, AppError> {
        let result = async {
            self.require_user().await?;
            self.console.verify_audit().await.map_err(db_error)
        }
        .await;
        self.finish(result, || None).await
    }

    async fn verify_audit_chunk(&self, cursor: ChainCursor) -> Result<ChainProgress, AppError> {
        let result = self.verify_audit_chunk_inner(cursor).await;
        self.finish(result, || None).await
    }

    async fn inventory(
        &self,
        kind: ResourceKind,
        query: InventoryQuery,
    ) -> Result<InventoryPage, AppError> {
        let result = self.inventory_inner(kind, query).await;
        self.finish(result, || None).await
    }

    async fn refresh_inventory(&self, kind: ResourceKind) -> Result<RefreshReport, AppError> {
        let result = self.refresh_inner(kind).await;
        let flash = match &result {
            Ok(report) if report.failures.is_empty() => {
                format!("Refreshed from AWS: {} {}.", report.items, kind.title())
            }
            Ok(report) => format!(
                "Refreshed {} {}; not reachable: {}",
                report.items,
                kind.title(),
                report.failures.join(" ")
            ),
            Err(_) => String::new(),
        };
        self.finish(result, || Some(flash)).await
    }

    async fn resource(&self, item: ResourceRef) -> Result<AwsItem, AppError> {
        let result = self.resource_inner(item).await;
        self.finish(result, || None).await
    }

    async fn delete_resource(&self, item: ResourceRef, confirm: String) -> Result<(), AppError> {
        let (kind, id) = (item.kind, item.id.clone());
        let result = self.delete_resource_inner(item, confirm).await;
        if result.is_ok() {
            leptos_axum::redirect(kind.path());
        }
        self.finish(result, || {
            Some(format!("Deleted {} {id}.", kind.singular()))
        })
        .await
    }

    async fn set_resource_tag(
        &self,
        item: ResourceRef,
        key: String,
        value: String,
    ) -> Result<(), AppError> {
        let message = format!("Tag {key} set.");
        let result = self.set_tag_inner(item, key, value).await;
        self.finish(result, || Some(message)).await
    }

    async fn remove_resource_tag(&self, item: ResourceRef, key: String) -> Result<(), AppError> {
        let message = format!("Tag {key} removed.");
        let result = self.remove_tag_inner(item, key).await;
        self.finish(result, || Some(message)).await
    }

    async fn create_form_options(&self, kind: ResourceKind) -> Result<CreateFormOptions, AppError> {
        let result = self.create_form_options_inner(kind).await;
        self.finish(result, || None).await
    }

    async fn kind_form_options(
        &self,
        kind: ResourceKind,
        form: String,
    ) -> Result<serde_json::Value, AppError> {
        let result = self.kind_form_options_inner(kind, form).await;
        self.finish(result, || None).await
    }

    async fn act(&self, request: KindRequest) -> Result<serde_json::Value, AppError> {
        let result = self.act_inner(request).await;
        if let Some(to) = result
            .as_ref()
            .ok()
            .and_then(|acted| acted.redirect.as_deref())
        {
            leptos_axum::redirect(to);
        }
        let flash = result.as_ref().map(|acted| acted.flash.clone()).ok();
        self.finish(result.map(|acted| acted.reply), || flash).await
    }

    async fn sync_overview(&self) -> Result<app::model::SyncOverview, AppError> {
        let result = self.sync_overview_inner().await;
        self.finish(result, || None).await
    }

    async fn request_sync(&self) -> Result<(), AppError> {
        let result = self.request_sync_inner().await;
        self.finish(result, || {
            Some("Sync requested: it starts within seconds.".into())
        })
        .await
    }

    async fn alert_settings(&self) -> Result<app::model::alerts::AlertSettings, AppError> {
        let result = self.alert_settings_inner().await;
        self.finish(result, || None).await
    }

    async fn save_alert_rules(
        &self,
        rules: app::model::alerts::AlertRulesForm,
    ) -> Result<(), AppError> {
        let result = self.save_alert_rules_inner(rules).await;
        self.finish(result, || Some("Alert rules saved.".into()))
            .await
    }

    async fn send_test_email(&self, to: String) -> Result<(), AppError> {
        let result = self.send_test_email_inner(to).await;
        self.finish(result, || {
            Some("Test email queued: see the Outbox for its delivery.".into())
        })
        .await
    }

    async fn outbox(&self) -> Result<app::model::alerts::OutboxPage, AppError> {
        let result = self.outbox_inner().await;
        self.finish(result, || None).await
    }

    async fn act_on_mail(&self, id: i64, action: String) -> Result<(), AppError> {
        let message = format!("Mail {id}: {action} done.");
        let result = self.act_on_mail_inner(id, action).await;
        self.finish(result, || Some(message)).await
    }

    async fn silence(
        &self,
        item: ResourceRef,
    ) -> Result<Option<app::model::alerts::Silence>, AppError> {
        let result = self.silence_inner(item).await;
        self.finish(result, || None).await
    }

    async fn set_silence(
        &self,
        item: ResourceRef,
        action: String,
        days: u32,
    ) -> Result<(), AppError> {
        let message = match action.as_str() {
            "ack" => "Acknowledged: no further notices until its expiry changes.".to_string(),
            "snooze" => format!("Snoozed for {days} days."),
            _ => "Notices resumed.".to_string(),
        };
        let result = self.set_silence_inner(item, action, days).await;
        self.finish(result, || Some(message)).await
    }

    async fn alert_link(
        &self,
        token: Secret,
    ) -> Result<app::model::alerts::AlertLinkInfo, AppError> {
        let result = self.alert_link_inner(token.expose().to_string()).await;
        self.finish(result, || None).await
    }

    async fn use_alert_link(&self, token: Secret, days: u32) -> Result<(), AppError> {
        let result = self
            .use_alert_link_inner(token.expose().to_string(), days)
            .await;
        self.finish(result, || Some("Done: thank you.".into()))
            .await
    }

    async fn tag_rules(&self) -> Result<app::model::compliance::TagRulesPage, AppError> {
        let result = self.tag_rules_inner().await;
        self.finish(result, || None).await
    }

    async fn add_tag_rule(
        &self,
        rule: app::model::compliance::TagRuleForm,
    ) -> Result<(), AppError> {
        let result = self.add_tag_rule_inner(rule).await;
        let flash = result
            .as_ref()
            .ok()
            .map(|key| format!("Rule for {key} added."));
        self.finish(result, || flash).await.map(|_| ())
    }

    async fn compliance(&self) -> Result<Vec<app::model::compliance::RuleCompliance>, AppError> {
        let result = self.compliance_inner().await;
        self.finish(result, || None).await
    }

    async fn delete_tag_rule(&self, id: i64) -> Result<(), AppError> {
        let result = self.delete_tag_rule_inner(id).await;
        let flash = result
            .as_ref()
            .ok()
            .map(|key| format!("Rule for {key} removed."));
        self.finish(result, || flash).await.map(|_| ())
    }

    async fn bulk_draft(
        &self,
        selection: app::model::bulk::SelectionForm,
    ) -> Result<app::model::bulk::BulkDraft, AppError> {
        let result = self.bulk_draft_inner(selection).await;
        self.finish(result, || None).await
    }

    async fn preview_bulk_edit(
        &self,
        selection: app::model::bulk::SelectionForm,
        ops: Vec<app::model::bulk::OperationRow>,
    ) -> Result<String, AppError> {
        let result = self.preview_bulk_edit_inner(selection, ops).await;
        if let Ok(id) = &result {
            leptos_axum::redirect(&format!("/bulk/{id}"));
        }
        self.finish(result, || None).await
    }

    async fn bulk_edit(
        &self,
        id: String,
        status: String,
        page: u32,
    ) -> Result<app::model::bulk::BulkEditPage, AppError> {
        let result = self.bulk_edit_inner(id, status, page).await;
        self.finish(result, || None).await
    }

    async fn bulk_edits(&self) -> Result<app::model::bulk::BulkEditsPage, AppError> {
        let result = self.bulk_edits_inner().await;
        self.finish(result, || None).await
    }

    async fn apply_bulk_edit(&self, id: String, revision: i64) -> Result<(), AppError> {
        let result = self.apply_bulk_edit_inner(id, revision).await;
        let flash = result.as_ref().ok().map(|n| match n {
            1 => "Applying 1 change.".to_string(),
            n => format!("Applying {n} changes."),
        });
        self.finish(result, || flash).await.map(|_| ())
    }

    async fn retry_bulk_edit(&self, id: String) -> Result<(), AppError> {
        let result = self.retry_bulk_edit_inner(id).await;
        let flash = result.as_ref().ok().map(|n| match n {
            1 => "Retrying 1 item.".to_string(),
            n => format!("Retrying {n} items."),
        });
        self.finish(result, || flash).await.map(|_| ())
    }

    async fn share_preview(&self, form: ShareForm) -> Result<SharePreview, AppError> {
        let result = self.share_preview_inner(form).await;
        self.finish(result, || None).await
    }

    async fn create_share_link(&self, form: ShareForm) -> Result<ShareCreated, AppError> {
        let result = self.create_share_link_inner(form).await;
        // A form posted without JavaScript cannot be answered with the URL (it is redirected),
        // and the URL must not wait in the session: it is held in memory for one showing.
        if let Ok(created) = &result {
            if self.caller.plain_form {
                if let Ok(user) = self.require_user().await {
                    let handle = self.console.once.put(
                        user.id,
                        zeroize::Zeroizing::new(
                            serde_json::to_string(&shown_once_link(created)).unwrap_or_default(),
                        ),
                    );
                    leptos_axum::redirect(&format!("/shown-once?once={handle}"));
                }
            }
        }
        self.finish(result, || None).await
    }

    async fn share_links(&self, selected: Option<i64>) -> Result<ShareLinksPage, AppError> {
        let result = self.share_links_inner(selected).await;
        self.finish(result, || None).await
    }

    async fn revoke_share_link(&self, id: i64) -> Result<(), AppError> {
        let result = self.revoke_share_link_inner(id).await;
        let flash = result
            .as_ref()
            .ok()
            .map(|label| format!("The link for {label} is revoked; it stopped working now."));
        self.finish(result, || flash).await.map(|_| ())
    }

    async fn revoke_all_share_links(&self) -> Result<u64, AppError> {
        let result = self.revoke_all_share_links_inner().await;
        let flash = result
            .as_ref()
            .ok()
            .map(|n| format!("Revoked {n} share links; none of them works any more."));
        self.finish(result, || flash).await
    }

    async fn take_shown_once(&self, handle: Secret) -> Result<OnceSecret, AppError> {
        let result = self
            .take_shown_once_inner(handle.expose().to_string())
            .await;
        self.finish(result, || None).await
    }
}
