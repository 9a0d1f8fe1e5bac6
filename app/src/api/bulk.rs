//! Bulk tag edits: what a selection holds, the preview, its page, applying and retrying it.

use crate::model::bulk::{BulkDraft, BulkEditPage, BulkEditsPage, OperationRow, SelectionForm};
use crate::model::endpoint::{Endpoint, LISTS};
use crate::model::AppError;
#[cfg(feature = "ssr")]
use crate::ports::{change, read};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

const BULK: &str = "edit tags in bulk";

/// Who may call this file's server functions (see [`Endpoint`]).
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::signed_in("bulk/draft"),
    Endpoint::admin("bulk/preview", BULK)
        .audited_as("bulk_edit.preview")
        .taking(LISTS),
    Endpoint::signed_in("bulk/edit"),
    Endpoint::signed_in("bulk/list"),
    Endpoint::admin("bulk/apply", BULK).audited_as("bulk_edit.apply"),
    Endpoint::admin("bulk/retry", BULK).audited_as("bulk_edit.retry"),
];

#[server(endpoint = "bulk/draft", input = GetUrl)]
pub async fn get_bulk_draft(selection: SelectionForm) -> Result<BulkDraft, AppError> {
    read(|ports| ports.bulk_draft(selection)).await
}

#[server(endpoint = "bulk/preview")]
pub async fn preview_bulk_edit(
    #[server(default)] _csrf: String,
    selection: SelectionForm,
    #[server(default)] ops: Vec<OperationRow>,
) -> Result<String, AppError> {
    change(|ports| ports.preview_bulk_edit(selection, ops)).await
}

#[server(endpoint = "bulk/edit", input = GetUrl)]
pub async fn get_bulk_edit(
    id: String,
    #[server(default)] status: String,
    #[server(default)] page: u32,
) -> Result<BulkEditPage, AppError> {
    read(|ports| ports.bulk_edit(id, status, page)).await
}

#[server(endpoint = "bulk/list", input = GetUrl)]
pub async fn get_bulk_edits() -> Result<BulkEditsPage, AppError> {
    read(|ports| ports.bulk_edits()).await
}

#[server(endpoint = "bulk/apply")]
pub async fn apply_bulk_edit(
    #[server(default)] _csrf: String,
    id: String,
    revision: i64,
) -> Result<(), AppError> {
    change(|ports| ports.apply_bulk_edit(id, revision)).await
}

#[server(endpoint = "bulk/retry")]
pub async fn retry_bulk_edit(#[server(default)] _csrf: String, id: String) -> Result<(), AppError> {
    change(|ports| ports.retry_bulk_edit(id)).await
}
