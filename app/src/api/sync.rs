//! The background sync: its state for the Sync page, and "Sync now".

use crate::model::endpoint::Endpoint;
use crate::model::{AppError, SyncOverview};
#[cfg(feature = "ssr")]
use crate::ports::{change, read};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// Who may call this file's server functions (see [`Endpoint`]).
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::signed_in("sync"),
    Endpoint::admin("sync/now", "start a sync").audited_as("sync.request"),
];

#[server(endpoint = "sync", input = GetUrl)]
pub async fn get_sync_overview() -> Result<SyncOverview, AppError> {
    read(|ports| ports.sync_overview()).await
}

#[server(endpoint = "sync/now")]
pub async fn request_sync(#[server(default)] _csrf: String) -> Result<(), AppError> {
    change(|ports| ports.request_sync()).await
}
