//! Bulk tag edits from the requests' side: what a selection holds, the preview (stored, so the
//! confirmation applies exactly what was shown), the confirmation and the retry, which start
//! the job in `crate::bulk::apply`. Everyone signed in may read them; only admins change.

use super::*;
use crate::bulk::apply::{self, Run};
use crate::store::{bulk_edits, bulk_selection, tag_rules};
use app::model::bulk::{
    parse_operations, preview, suggested_fixes, BulkDraft, BulkEdit, BulkEditPage, BulkEditsPage,
    BulkItem, BulkState, ItemStatus, OperationRow, Selection, SelectionForm, BULK_PAGE_SIZE,
    MAX_BULK_ITEMS, MAX_OPERATIONS,
};
use app::ports::{BulkEditPorts, Changed};

/// What only admins may do with bulk edits, for refusals.
const BULK: &str = "edit tags in bulk";
/// The bulk edits the list shows.
const LISTED: i64 = 50;
/// The items `/bulk/new` names before the preview.
const SAMPLE: usize = 10;
/// A preview nobody confirmed is removed after this long.
const PREVIEW_KEPT: chrono::Duration = chrono::Duration::days(7);

fn too_many() -> AppError {
    AppError::new(
        ErrorKind::Validation,
        format!("The selection holds more than {MAX_BULK_ITEMS} items; narrow the filter (an account, a region, a tag) and edit them in parts."),
    )
}

fn no_such_edit() -> AppError {
    AppError::not_found(
        "There is no such bulk edit; it may have been an unconfirmed preview older than a week.",
    )
}

impl RequestConsole {
    async fn selected(
        &self,
        selection: &Selection,
    ) -> Result<(Vec<AwsItem>, Vec<app::model::compliance::TagRule>), AppError> {
        let pool = self.console.db.pool();
        let rules = tag_rules::list(pool).await.map_err(db_error)?;
        let items =
            bulk_selection::items(pool, selection, &rules, &store::now(), MAX_BULK_ITEMS + 1)
                .await
                .map_err(db_error)?;
        Ok((items, rules))
    }

    /// Edits a stopped process left running read as stopped, before any edit is shown.
    async fn stop_abandoned(&self) -> Result<(), AppError> {
        let stale = store::timestamp(chrono::Utc::now() - bulk_edits::STALE_AFTER);
        let stopped = bulk_edits::stop_abandoned(
            self.console.db.pool(),
            &stale,
            &store::now(),
            crate::bulk::apply::STOPPED_NOTICE,
        )
        .await
        .map_err(db_error)?;
        if stopped > 0 {
            tracing::warn!(
                stopped,
                "bulk edits left running by a stopped process are marked stopped"
            );
        }
        Ok(())
    }

    async fn edit(&self, id: &str) -> Result<BulkEdit, AppError> {
        self.stop_abandoned().await?;
        bulk_edits::get(self.console.db.pool(), id)
            .await
            .map_err(db_error)?
            .ok_or_else(no_such_edit)
    }

    fn start(&self, id: String, runner: String, admin: &UserRecord) {
        let run = Run {
            id,
            runner,
            username: admin.username.clone(),
            client_ip: self.caller.client_ip.to_string(),
            http_request_id: self.caller.request_id.clone(),
        };
        // In the confirming request's span: the run's log lines carry its request id.
        self.console
            .spawn_background(tracing::Instrument::in_current_span(apply::run(
                self.console.clone(),
                run,
            )));
    }
}

/// Why a confirmation did not start the edit.
fn refused_start(edit: &BulkEdit, revision: i64) -> AppError {
    let message = match edit.state {
        BulkState::Previewed if edit.revision != revision => {
            "The preview changed since you saw it (items changed in AWS). Review it again and confirm."
        }
        BulkState::Checking | BulkState::Applying => "This bulk edit is already being applied.",
        _ => "This bulk edit was applied already; its results are below.",
    };
    AppError::new(ErrorKind::Conflict, message)
}

#[async_trait::async_trait]
impl BulkEditPorts for RequestConsole {
    async fn bulk_draft(&self, form: SelectionForm) -> Result<BulkDraft, AppError> {
        let user = self.require_user().await?;
        let selection = form.parse()?;
        let mut draft = BulkDraft {
            described: selection.describe(),
            selected: 0,
            by_kind: Vec::new(),
            sample: Vec::new(),
            suggested: Vec::new(),
            notes: Vec::new(),
            selection: form,
            can_change: user.role() == Role::Admin,
        };
        // Only admins can go on to a preview: a viewer's draft says so without reading the
        // selection, which may be thousands of items.
        if !draft.can_change {
            return Ok(draft);
        }
        let (items, rules) = self.selected(&selection).await?;
        for item in &items {
            match draft
                .by_kind
                .iter_mut()
                .find(|(kind, _)| *kind == item.item.kind)
            {
                Some((_, count)) => *count += 1,
                None => draft.by_kind.push((item.item.kind, 1)),
            }
        }
        draft.selected = items.len() as u64;
        draft.sample = items
            .iter()
            .take(SAMPLE)
            .map(|i| (i.item.clone(), i.name.clone()))
            .collect();
        if let Selection::Breaking { rule } = &selection {
            let rules: Vec<_> = rules
                .into_iter()
                .filter(|r| rule.is_none_or(|id| r.id == id))
                .collect();
            let fixes = suggested_fixes(
                &rules,
                items
                    .iter()
                    .map(|i| (i.item.kind, i.item.account.as_str(), i.tags.as_slice())),
            );
            if fixes.len() > MAX_OPERATIONS {
                draft.notes.push(format!(
                    "{} fixes are needed, more than the {MAX_OPERATIONS} one edit takes: these are the first; fix the rest in another edit, or one rule at a time.",
                    fixes.len()
                ));
            }
            let scopes: std::collections::HashSet<_> =
                rules.iter().map(|r| (&r.kinds, &r.accounts)).collect();
            if scopes.len() > 1 {
                draft.notes.push("These rules apply to different kinds or accounts, and every operation applies to every selected item: check the preview, or fix one rule at a time.".into());
            }
            draft.suggested = fixes
                .iter()
                .take(MAX_OPERATIONS)
                .map(|operation| operation.row())
                .collect();
        }
        Ok(draft)
    }

    /// Stores the preview of `rows` over the selection; nothing is sent. Answers its id.
    async fn preview_bulk_edit(
        &self,
        form: SelectionForm,
        rows: Vec<OperationRow>,
    ) -> Result<Changed<String>, AppError> {
        let admin = self
            .require_admin("bulk_edit.preview", ("bulk_edit", "new"), BULK)
            .await?;
        let operations = parse_operations(&rows).map_err(|errors| match errors.into_result() {
            Err(error) => error,
            Ok(()) => AppError::internal(),
        })?;
        let selection = form.parse()?;
        let (items, rules) = self.selected(&selection).await?;
        if items.len() > MAX_BULK_ITEMS {
            return Err(too_many());
        }
        if items.is_empty() {
            return Err(AppError::new(
                ErrorKind::Validation,
                "The selection holds no items: nothing to preview. Change the filter and try again.",
            ));
        }
        let previewed: Vec<BulkItem> = items
            .into_iter()
            .map(|item| {
                let shown = preview(
                    item.item.kind,
                    &item.item.account,
                    &item.tags,
                    &operations,
                    &rules,
                );
                BulkItem {
                    name: item.name,
                    before: item.tags,
                    after: shown.after,
                    status: shown.status,
                    message: shown.message,
                    breaks_before: shown.breaks_before,
                    breaks_after: shown.breaks_after,
                    request_id: String::new(),
                    item: item.item,
                }
            })
            .collect();
        let now = store::now();
        let edit = BulkEdit {
            id: crate::csrf::random_token().chars().take(22).collect(),
            created_by: admin.username.clone(),
            created_at: now.clone(),
            selection: selection.describe(),
            operations,
            state: BulkState::Previewed,
            revision: 1,
            notice: String::new(),
            confirmed_by: String::new(),
            finished_at: None,
            counts: Default::default(),
        };
        let mut tx = self.console.db.begin_write().await.map_err(db_error)?;
        let old = store::timestamp(chrono::Utc::now() - PREVIEW_KEPT);
        bulk_edits::forget_old_previews(&mut tx, &old)
            .await
            .map_err(db_error)?;
        bulk_edits::insert(&mut tx, &edit, &previewed)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        let to = format!("/bulk/{}", edit.id);
        Ok(Changed::with(edit.id).then_to(to))
    }

    async fn bulk_edit(
        &self,
        id: String,
        status: String,
        page: u32,
    ) -> Result<BulkEditPage, AppError> {
        let user = self.require_user().await?;
        let edit = self.edit(&id).await?;
        let shown = ItemStatus::parse(&status);
        let pool = self.console.db.pool();
        let (mut items, total) = bulk_edits::items_page(pool, &id, shown, page.max(1))
            .await
            .map_err(db_error)?;
        let pages = total.div_ceil(BULK_PAGE_SIZE as u64).max(1) as u32;
        if page > pages {
            // A page past the end (the items moved to another status meanwhile): the last.
            items = bulk_edits::items_page(pool, &id, shown, pages)
                .await
                .map_err(db_error)?
                .0;
        }
        Ok(BulkEditPage {
            edit,
            items,
            status: shown.map(|s| s.as_str().to_string()).unwrap_or_default(),
            page: page.clamp(1, pages),
            pages,
            can_change: user.role() == Role::Admin,
        })
    }

    async fn bulk_edits(&self) -> Result<BulkEditsPage, AppError> {
        let user = self.require_user().await?;
        self.stop_abandoned().await?;
        Ok(BulkEditsPage {
            edits: bulk_edits::recent(self.console.db.pool(), LISTED)
                .await
                .map_err(db_error)?,
            can_change: user.role() == Role::Admin,
        })
    }

    /// Starts applying the preview the admin saw (its revision); answers how many changes.
    async fn apply_bulk_edit(&self, id: String, revision: i64) -> Result<Changed, AppError> {
        let admin = self
            .require_admin("bulk_edit.apply", ("bulk_edit", &id), BULK)
            .await?;
        let edit = self.edit(&id).await?;
        let runner = crate::csrf::random_token();
        let mut tx = self.console.db.begin_write().await.map_err(db_error)?;
        let started = bulk_edits::start(
            &mut tx,
            &id,
            &[BulkState::Previewed],
            Some(revision),
            &runner,
        )
        .await
        .map_err(db_error)?;
        if !started {
            return Err(refused_start(&edit, revision));
        }
        if edit.counts.pending == 0 {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "This preview changes nothing: every item is unchanged or refused.",
            ));
        }
        bulk_edits::set_confirmed_by(&mut tx, &id, &admin.username)
            .await
            .map_err(db_error)?;
        let mut row = self.row(
            &admin.username,
            "bulk_edit.apply",
            "bulk_edit",
            &id,
            json!({
                "bulk_edit": id,
                "revision": revision,
                "operations": edit.operations,
                "selection": edit.selection,
                "changes": edit.counts.pending,
            }),
        );
        row.outcome = Some(Outcome::Attempted);
        self.console.commit_audited(tx, row, &store::now()).await?;
        self.start(id, runner, &admin);
        Ok(Changed::notice(match edit.counts.pending {
            1 => "Applying 1 change.".to_string(),
            n => format!("Applying {n} changes."),
        }))
    }

    /// Sends the failed items (and those a stop left unsent) again, after checking them.
    async fn retry_bulk_edit(&self, id: String) -> Result<Changed, AppError> {
        let admin = self
            .require_admin("bulk_edit.retry", ("bulk_edit", &id), BULK)
            .await?;
        let edit = self.edit(&id).await?;
        if !edit.can_retry() {
            return Err(AppError::new(
                ErrorKind::Conflict,
                match edit.state {
                    BulkState::Checking | BulkState::Applying => {
                        "This bulk edit is still running; wait for it to finish."
                    }
                    BulkState::Previewed => "This bulk edit has not been applied yet.",
                    _ => "No item of this bulk edit failed: there is nothing to retry.",
                },
            ));
        }
        let runner = crate::csrf::random_token();
        let mut tx = self.console.db.begin_write().await.map_err(db_error)?;
        if !bulk_edits::start(
            &mut tx,
            &id,
            &[BulkState::Finished, BulkState::Stopped],
            None,
            &runner,
        )
        .await
        .map_err(db_error)?
        {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "This bulk edit is already being retried.",
            ));
        }
        let reset = bulk_edits::reset_failed(&mut tx, &id)
            .await
            .map_err(db_error)?;
        let mut row = self.row(
            &admin.username,
            "bulk_edit.retry",
            "bulk_edit",
            &id,
            json!({ "bulk_edit": id, "items": reset + edit.counts.pending }),
        );
        row.outcome = Some(Outcome::Attempted);
        self.console.commit_audited(tx, row, &store::now()).await?;
        self.start(id, runner, &admin);
        Ok(Changed::notice(match reset + edit.counts.pending {
            1 => "Retrying 1 item.".to_string(),
            n => format!("Retrying {n} items."),
        }))
    }
}
