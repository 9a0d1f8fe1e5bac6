//! The console's AWS workflows, the same for every kind: inventories from the cache, refresh
//! from AWS, and every change authorised → validated → audited ("attempted") → sent to AWS →
//! audited with AWS's request id and the cache updated in one transaction. What differs per
//! kind comes from the kind's adapter ([`crate::aws::kind`]); nothing here names a kind.

use std::future::Future;

use app::model::{
    aws_rules, AppError, AwsItem, CreateFormOptions, ErrorKind, FieldErrors, FormIntent,
    InventoryPage, InventoryQuery, ItemState, OnceSecret, Outcome, PermissionCheck, Recorded,
    RefreshReport, Renewal, RenewalForm, RenewalLinks, ResourceKind, ResourceRef, Retirement, Role,
    Secret, Tag,
};
use app::ports::{Changed, InventoryPorts, KindRequest};
use serde_json::{json, Value};

use crate::aws::{self, kind::CacheChange, At, AwsFailure};
use crate::console::{Console, RequestConsole};
use crate::store::db_error;
use crate::store::{self, resources, users::UserRecord};
use crate::time::with_days_left;

/// A change that reached AWS: its value, AWS's request id, and the cache update.
pub(crate) struct Applied<T> {
    pub value: T,
    pub request_id: String,
    pub cache: CacheChange,
    /// The item a new item renews, linked to it in the same transaction.
    pub renews: Option<ResourceRef>,
}

impl RequestConsole {
    /// Where calls about `item` go (the account's id read from STS once).
    async fn at(&self, item: &ResourceRef) -> Result<At, AppError> {
        self.console
            .clients
            .at(item.kind, &item.account, &item.region)
            .await
            .map_err(|failure| failure.error)
    }

    /// An admin, or an audited refusal naming the item.
    async fn require_admin_for(
        &self,
        action: &str,
        item: &ResourceRef,
    ) -> Result<UserRecord, AppError> {
        let user = self.require_user().await?;
        if user.role() == Role::Admin {
            return Ok(user);
        }
        let mut row = self.row(
            &user.username,
            action,
            item.kind.as_str(),
            &item.id,
            json!({}),
        );
        row.account = item.account.clone();
        row.region = item.region.clone();
        row.outcome = Some(Outcome::Error);
        row.message = "refused: the viewer role cannot change AWS resources".into();
        self.console.audit_alone(row).await?;
        Err(AppError::access_denied(
            "Only admins can change AWS resources; your account has the viewer role.",
        ))
    }

    /// The item as trustdesk's cache holds it now: what the audit trail records as "before".
    async fn cached_state(&self, item: &ResourceRef) -> Result<Recorded, AppError> {
        Ok(
            match resources::get(self.console.db().pool(), item)
                .await
                .map_err(db_error)?
            {
                Some(cached) => Recorded::Present(ItemState::from(&cached)),
                None => Recorded::Absent,
            },
        )
    }

    /// Runs one AWS change with its audit trail: "attempted" first (no audit, no call), then the
    /// outcome with the request id, and the cache change in the same transaction. Each row
    /// carries `before`; the completed one also the item as AWS answered after the change.
    async fn audited<T>(
        &self,
        user: &UserRecord,
        action: &str,
        item: &ResourceRef,
        params: Value,
        before: Recorded,
        call: impl Future<Output = Result<Applied<T>, AwsFailure>>,
    ) -> Result<T, AppError> {
        let row = |outcome: Outcome, message: String, request_id: String, target_id: &str| {
            let mut row = self.row(
                &user.username,
                action,
                item.kind.as_str(),
                target_id,
                params.clone(),
            );
            row.account = item.account.clone();
            row.region = item.region.clone();
            row.outcome = Some(outcome);
            row.message = message;
            row.request_id = request_id;
            row.before = before.clone();
            row
        };
        self.console
            .audit_alone(row(
                Outcome::Attempted,
                String::new(),
                String::new(),
                &item.id,
            ))
            .await?;
        let result = call.await;
        let mut tx = self.console.db().begin_write().await.map_err(db_error)?;
        let now = store::now();
        let outcome = match result {
            Ok(applied) => {
                let (target, after) = match &applied.cache {
                    CacheChange::Upsert(resource) => (
                        resource.item.id.clone(),
                        Recorded::Present(ItemState::from(resource)),
                    ),
                    CacheChange::Delete(_) => (item.id.clone(), Recorded::Absent),
                };
                let mut done = row(
                    Outcome::Ok,
                    String::new(),
                    applied.request_id.clone(),
                    &target,
                );
                done.after = after;
                store::audit::append(&mut tx, self.console.db().seal(), done, &now)
                    .await
                    .map_err(db_error)?;
                match &applied.cache {
                    CacheChange::Upsert(resource) => resources::upsert(&mut tx, resource)
                        .await
                        .map_err(db_error)?,
                    CacheChange::Delete(gone) => {
                        resources::delete(&mut tx, gone).await.map_err(db_error)?;
                        store::renewals::retire(&mut tx, gone, Retirement::Deleted)
                            .await
                            .map_err(db_error)?;
                    }
                }
                if let (Some(renewed), CacheChange::Upsert(successor)) =
                    (&applied.renews, &applied.cache)
                {
                    store::renewals::link(&mut tx, renewed, &successor.item, &now, &user.username)
                        .await
                        .map_err(db_error)?;
                    let mut linked = self.row(
                        &user.username,
                        &format!("{}.renew", renewed.kind.as_str()),
                        renewed.kind.as_str(),
                        &renewed.id,
                        json!({ "renewed_by": successor.item }),
                    );
                    linked.account = renewed.account.clone();
                    linked.region = renewed.region.clone();
                    linked.outcome = Some(Outcome::Ok);
                    linked.message = format!("renewed by {}", successor.item.id);
                    store::audit::append(&mut tx, self.console.db().seal(), linked, &now)
                        .await
                        .map_err(db_error)?;
                }
                Ok(applied.value)
            }
            Err(failure) => {
                let message = format!("{}: {}", failure.code, failure.error.message);
                store::audit::append(
                    &mut tx,
                    self.console.db().seal(),
                    row(
                        Outcome::Error,
                        message,
                        failure.request_id.clone(),
                        &item.id,
                    ),
                    &now,
                )
                .await
                .map_err(db_error)?;
                Err(failure.error)
            }
        };
        tx.commit().await.map_err(db_error)?;
        outcome
    }

    /// The item a renewal's create form renews, if it may be: a create (not a change to an item)
    /// of a kind renewed by a successor, of an item the cache holds, still in AWS.
    async fn renewable(
        &self,
        renewed: ResourceRef,
        acts_on_item: bool,
    ) -> Result<ResourceRef, AppError> {
        let successor_kind = matches!(renewed.kind.info().renewal, Some(Renewal::Successor(_)));
        if acts_on_item || !successor_kind {
            return Err(AppError::new(
                ErrorKind::Validation,
                format!("{} are not renewed by a new one.", renewed.kind.title()),
            ));
        }
        let in_aws = store::renewals::still_in_aws(self.console.db().pool(), &renewed)
            .await
            .map_err(db_error)?;
        match in_aws {
            true => Ok(renewed),
            false => Err(AppError::new(
                ErrorKind::Validation,
                format!(
                    "The {} this form renews ({} in {}/{}) is not in AWS any more, as far as the cache knows; open Renew from an item's page again, or create the new one from a blank form.",
                    renewed.kind.singular(),
                    renewed.id,
                    renewed.account,
                    renewed.region
                ),
            )),
        }
    }

    /// The signed-in user, if they may have AWS read for them once more now.
    async fn require_user_reading_aws(&self) -> Result<UserRecord, AppError> {
        let user = self.require_user().await?;
        self.console
            .aws_reads
            .read(user.id, std::time::Instant::now())?;
        Ok(user)
    }

    /// Every place of `kind` whose account id could be read, for a form's choices.
    async fn reachable_places(&self, kind: ResourceKind) -> Result<Vec<At>, AppError> {
        let clients = &self.console.clients;
        let mut places = Vec::new();
        let mut last_error = None;
        for place in clients.places(kind) {
            match clients.at_place(&place).await {
                Ok(at) => places.push(at),
                Err(failure) => last_error = Some(failure.error),
            }
        }
        match (places.is_empty(), last_error) {
            (true, Some(error)) => Err(error),
            _ => Ok(places),
        }
    }

    fn refuse_tags_where_aws_has_none(&self, item: &ResourceRef) -> Result<(), AppError> {
        if item.kind.has_tags() {
            return Ok(());
        }
        Err(AppError::new(
            ErrorKind::Validation,
            format!("AWS does not support tags on {}.", item.kind.title()),
        ))
    }

    async fn retag(
        &self,
        user: &UserRecord,
        action: &str,
        item: ResourceRef,
        params: Value,
        set: Vec<Tag>,
        remove: Vec<String>,
    ) -> Result<(), AppError> {
        let at = self.at(&item).await?;
        let adapter = aws::adapter(item.kind);
        let before = self.cached_state(&item).await?;
        self.audited(user, action, &item, params, before, async {
            let request_id = if set.is_empty() {
                adapter.untag(&at, &item.id, &remove).await?
            } else {
                adapter.tag(&at, &item.id, &set).await?
            };
            let fresh = adapter.get(&at, &item.id).await?;
            Ok(Applied {
                value: (),
                request_id,
                cache: CacheChange::fresh(item.clone(), fresh),
                renews: None,
            })
        })
        .await
    }
}

impl Console {
    /// Re-reads one kind from AWS in every place it lives, as the sync does (removed and
    /// changed items recorded the same way); a place that cannot be read is reported and
    /// leaves its cached items as they were.
    pub async fn refresh(&self, kind: ResourceKind) -> Result<RefreshReport, AppError> {
        // A sync in progress (this process's schedule, or another process's) holds the lease:
        // wait for it rather than refuse, since it is reading the same AWS.
        let deadline = std::time::Instant::now() + REFRESH_WAIT;
        loop {
            if let Some(report) = crate::jobs::sync::run(&self.jobs(), &[kind])
                .await
                .map_err(db_error)?
            {
                return Ok(RefreshReport {
                    items: report.items(),
                    failures: report.failures(),
                });
            }
            if std::time::Instant::now() >= deadline {
                return Err(AppError::new(
                    app::model::ErrorKind::Conflict,
                    "A sync is still reading AWS; this inventory shows its results as soon as it finishes (see the Sync page).",
                ));
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    }
}

/// What reading a kind's form came to: the kind's own check's answer, or the planned change.
enum ReadForm {
    Checked(Result<(Value, String), AppError>),
    Planned(Result<aws::kind::Plan, AppError>),
}

/// How long a Refresh waits for a running sync to finish before saying so.
const REFRESH_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// A dry run's answer as the "Check permissions" button reports it: allowed, refused (AWS's
/// sentence naming the missing permission), or an error for anything else.
fn permission_check(
    dry_run: Result<(), AwsFailure>,
    allowed: &str,
) -> Result<PermissionCheck, AppError> {
    match dry_run {
        Ok(()) => Ok(PermissionCheck {
            allowed: true,
            message: format!("Allowed: AWS answered DryRunOperation, so {allowed}."),
        }),
        Err(failure) if failure.error.kind == app::model::ErrorKind::AccessDenied => {
            Ok(PermissionCheck {
                allowed: false,
                message: failure.error.message,
            })
        }
        Err(failure) => Err(failure.error),
    }
}

#[async_trait::async_trait]
impl InventoryPorts for RequestConsole {
    async fn inventory(
        &self,
        kind: ResourceKind,
        query: InventoryQuery,
    ) -> Result<InventoryPage, AppError> {
        self.require_user().await?;
        query.check_text()?;
        let pool = self.console.db().pool();
        let now = self.console.clock.timestamp();
        let (mut items, mut total) = resources::page(pool, kind, &query, query.page.max(1), &now)
            .await
            .map_err(db_error)?;
        let pages = total.div_ceil(query.page_size()).max(1) as u32;
        let page = query.page.clamp(1, pages);
        if page != query.page.max(1) {
            // Past the last page (the URL's page number outlived a filter): show the last one.
            (items, total) = resources::page(pool, kind, &query, page, &now)
                .await
                .map_err(db_error)?;
        }
        let statuses = resources::statuses(pool, kind).await.map_err(db_error)?;
        let syncs = resources::syncs(pool, kind).await.map_err(db_error)?;
        let in_view = |account: &str, region: &str| {
            (query.account.is_empty() || account == query.account)
                && (query.region.is_empty() || region == query.region)
        };
        let failed_scopes = crate::store::sync::latest_finished(pool, kind)
            .await
            .map_err(db_error)?
            .into_iter()
            .filter(|run| run.failed() && in_view(&run.account, &run.region))
            .map(|run| format!("{}/{}: {}", run.account, run.region, run.error))
            .collect();
        let mut accounts = self.console.clients.account_names();
        accounts.sort();
        let mut regions: Vec<String> = self
            .console
            .clients
            .places(kind)
            .into_iter()
            .map(|place| place.region)
            .collect();
        regions.sort();
        regions.dedup();
        let clock_now = self.console.clock.now();
        let items = items
            .into_iter()
            .map(|item| with_days_left(item, clock_now))
            .collect();
        let refreshed_at = syncs
            .iter()
            .filter(|(account, region, _)| {
                (query.account.is_empty() || *account == query.account)
                    && (query.region.is_empty() || *region == query.region)
            })
            .map(|(_, _, at)| at.clone())
            .min();
        let removed = query.removed;
        Ok(InventoryPage {
            kind,
            items,
            total,
            page,
            pages,
            accounts,
            regions,
            statuses,
            refreshed_at,
            failed_scopes,
            removed,
        })
    }

    async fn refresh_inventory(
        &self,
        kind: ResourceKind,
    ) -> Result<Changed<RefreshReport>, AppError> {
        let user = self.require_user().await?;
        self.console.aws_reads.refresh(
            kind,
            user.id,
            user.role() == Role::Admin,
            std::time::Instant::now(),
        )?;
        let report = self.console.refresh(kind).await?;
        let notice = if report.failures.is_empty() {
            format!("Refreshed from AWS: {} {}.", report.items, kind.title())
        } else {
            format!(
                "Refreshed {} {}; not reachable: {}",
                report.items,
                kind.title(),
                report.failures.join(" ")
            )
        };
        Ok(Changed::with(report).noticed(notice))
    }

    async fn resource(&self, item: ResourceRef) -> Result<AwsItem, AppError> {
        self.require_user().await?;
        resources::get(self.console.db().pool(), &item)
            .await
            .map_err(db_error)?
            .map(|item| with_days_left(item, self.console.clock.now()))
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "No {} {} in {}/{} is known; refresh the inventory.",
                    item.kind.singular(),
                    item.id,
                    item.account,
                    item.region
                ))
            })
    }

    async fn renewal(&self, item: ResourceRef) -> Result<RenewalForm, AppError> {
        let kind = item.kind;
        let Some(Renewal::Successor(prefill)) = kind.info().renewal else {
            return Err(AppError::not_found(format!(
                "{} are not renewed by a new one.",
                kind.title()
            )));
        };
        let found = self.resource(item).await?;
        Ok(RenewalForm {
            prefill: prefill(&found)
                .into_iter()
                .map(|(name, value)| (name.to_string(), value))
                .collect(),
            renews: found.item,
            name: found.name,
            expires_at: found.expires_at,
        })
    }

    async fn renewal_links(&self, item: ResourceRef) -> Result<RenewalLinks, AppError> {
        self.require_user().await?;
        store::renewals::of(self.console.db().pool(), &item)
            .await
            .map_err(db_error)
    }

    async fn leave_renewed_to_expire(&self, item: ResourceRef) -> Result<Changed, AppError> {
        let action = "renewal.leave_to_expire";
        let user = self.require_admin_for(action, &item).await?;
        let mut tx = self.console.db().begin_write().await.map_err(db_error)?;
        let linked = store::renewals::retire(&mut tx, &item, Retirement::LeftToExpire)
            .await
            .map_err(db_error)?;
        if !linked {
            return Err(AppError::not_found(format!(
                "No successor made through trustdesk renews {} {}.",
                item.kind.singular(),
                item.id
            )));
        }
        let mut row = self.row(
            &user.username,
            action,
            item.kind.as_str(),
            &item.id,
            json!({}),
        );
        row.account = item.account.clone();
        row.region = item.region.clone();
        row.outcome = Some(Outcome::Ok);
        row.message = "left to expire; its successor renews it".into();
        self.console.commit_audited(tx, row, &store::now()).await?;
        Ok(Changed::notice(format!(
            "{} is left to expire; it gets no more notices.",
            item.id
        )))
    }

    async fn create_form_options(&self, kind: ResourceKind) -> Result<CreateFormOptions, AppError> {
        self.require_user_reading_aws().await?;
        let clients = &self.console.clients;
        let targets = clients
            .places(kind)
            .into_iter()
            .map(|place| format!("{}/{}", place.account.name, place.region))
            .collect();
        Ok(CreateFormOptions {
            targets,
            client_token: crate::csrf::client_token(),
        })
    }

    async fn kind_form_options(&self, kind: ResourceKind, form: String) -> Result<Value, AppError> {
        self.require_user_reading_aws().await?;
        let places = self.reachable_places(kind).await?;
        aws::adapter(kind).form_options(&form, places).await
    }

    /// One of a kind's forms: the kind validates and plans it; a check sends its dry run; a
    /// change goes the audited way. A secret AWS returns only now is kept for one showing.
    /// Who asks is settled before the form is read: anyone signed in may check, only admins
    /// may change; reading the form (a metadata document, a certificate chain) runs off the
    /// async workers.
    async fn act(&self, request: KindRequest) -> Result<Changed<Value>, AppError> {
        let intent = request.intent;
        let renews = request.renews.clone();
        let adapter = aws::adapter(request.kind);
        // A form on an existing item (a modify) has a "before"; a create has none.
        let acts_on_item = request.item.is_some();
        let user = if intent == FormIntent::Check {
            self.require_user().await?
        } else {
            let target = request.item.clone().unwrap_or_else(|| ResourceRef {
                kind: request.kind,
                account: String::new(),
                region: String::new(),
                id: "new".into(),
            });
            let action = format!("{}.{}", request.kind.as_str(), request.action);
            self.require_admin_for(&action, &target).await?
        };
        let read = self
            .console
            .off_the_workers(move || match intent {
                FormIntent::Check => match adapter.check(&request) {
                    Some(answer) => ReadForm::Checked(answer),
                    None => ReadForm::Planned(adapter.plan(request)),
                },
                _ => ReadForm::Planned(adapter.plan(request)),
            })
            .await?;
        let plan = match read {
            ReadForm::Checked(answer) => {
                let (reply, notice) = answer?;
                return Ok(Changed::with(reply).noticed(notice));
            }
            ReadForm::Planned(plan) => plan?,
        };
        if intent == FormIntent::Check {
            let dry_run = plan.dry_run.ok_or_else(|| {
                AppError::new(
                    ErrorKind::Validation,
                    "This form has no permission check; submit it to create the item.",
                )
            })?;
            self.console
                .aws_reads
                .read(user.id, std::time::Instant::now())?;
            let at = self.at(&plan.target).await?;
            let check = permission_check((dry_run.run)(at).await, &dry_run.allowed)?;
            return Ok(Changed::with((dry_run.reply)(check.clone())).noticed(check.message));
        }
        let renews = match renews {
            Some(renewed) => Some(self.renewable(renewed, acts_on_item).await?),
            None => None,
        };
        let at = self.at(&plan.target).await?;
        let before = if acts_on_item {
            self.cached_state(&plan.target).await?
        } else {
            Recorded::Absent
        };
        let run = plan.run;
        let mut params = plan.params;
        if let (Some(renewed), Some(fields)) = (&renews, params.as_object_mut()) {
            fields.insert("renews".into(), json!(renewed));
        }
        let (mut acted, shown_once) = self
            .audited(
                &user,
                plan.action,
                &plan.target,
                params,
                before,
                async move {
                    let done = run(at).await?;
                    Ok(Applied {
                        value: (
                            Changed {
                                value: done.reply,
                                notice: Some(done.flash),
                                redirect: done.redirect,
                            },
                            done.shown_once,
                        ),
                        request_id: done.request_id,
                        cache: done.cache,
                        renews,
                    })
                },
            )
            .await?;
        if let Some(secret) = shown_once {
            let handle = self.console.once.put(
                user.id,
                zeroize::Zeroizing::new(serde_json::to_string(&secret).unwrap_or_default()),
            );
            acted.redirect = Some(format!("/shown-once?once={handle}"));
            acted.value = json!(handle);
        }
        Ok(acted)
    }

    async fn take_shown_once(&self, handle: Secret) -> Result<OnceSecret, AppError> {
        let user = self.require_user().await?;
        self.console
            .once
            .take(handle.expose(), user.id)
            .and_then(|json| serde_json::from_str(json.as_str()).ok())
            .ok_or_else(|| AppError::not_found("This was shown already, or the link expired. AWS does not show it twice: delete the item and create a new one if it was not copied."))
    }

    async fn delete_resource(
        &self,
        item: ResourceRef,
        confirm: String,
    ) -> Result<Changed, AppError> {
        if confirm != item.id {
            let mut errors = FieldErrors::new();
            errors.check(
                "confirm",
                Err(format!("Type {} to confirm the deletion.", item.id)),
            );
            return errors.into_result().map(|()| Changed::with(()));
        }
        let action = format!("{}.delete", item.kind.as_str());
        let user = self.require_admin_for(&action, &item).await?;
        let at = self.at(&item).await?;
        let params = json!({ "id": item.id });
        let before = self.cached_state(&item).await?;
        self.audited(&user, &action, &item, params, before, async {
            let request_id = aws::adapter(item.kind).delete(&at, &item.id).await?;
            Ok(Applied {
                value: (),
                request_id,
                cache: CacheChange::Delete(item.clone()),
                renews: None,
            })
        })
        .await?;
        // An item deleted as its successor's page offered goes back to that page.
        let back_to = store::renewals::successor_of(self.console.db().pool(), &item)
            .await
            .map_err(db_error)?
            .map(|successor| successor.detail_path())
            .unwrap_or_else(|| item.kind.path().to_string());
        Ok(
            Changed::notice(format!("Deleted {} {}.", item.kind.singular(), item.id))
                .then_to(back_to),
        )
    }

    async fn set_resource_tag(
        &self,
        item: ResourceRef,
        key: String,
        value: String,
    ) -> Result<Changed, AppError> {
        self.refuse_tags_where_aws_has_none(&item)?;
        let tag = aws_rules::check_tag_edit(item.kind.tag_rules(), &key, &value)?;
        let action = format!("{}.tag", item.kind.as_str());
        let user = self.require_admin_for(&action, &item).await?;
        self.retag(
            &user,
            &action,
            item,
            json!({ "set": [tag.clone()] }),
            vec![tag],
            Vec::new(),
        )
        .await?;
        Ok(Changed::notice(format!("Tag {key} set.")))
    }

    async fn remove_resource_tag(
        &self,
        item: ResourceRef,
        key: String,
    ) -> Result<Changed, AppError> {
        self.refuse_tags_where_aws_has_none(&item)?;
        let mut errors = FieldErrors::new();
        errors.check("key", aws_rules::check_tag_key(item.kind.tag_rules(), &key));
        errors.into_result()?;
        let action = format!("{}.untag", item.kind.as_str());
        let user = self.require_admin_for(&action, &item).await?;
        self.retag(
            &user,
            &action,
            item,
            json!({ "remove": [key.clone()] }),
            Vec::new(),
            vec![key.clone()],
        )
        .await?;
        Ok(Changed::notice(format!("Tag {key} removed.")))
    }
}
