//! Read-only share links, from the admins' side: preview, create, list, revoke. The share view
//! itself has no server functions: it is served outside the app, through its own read-only port.

use crate::model::endpoint::Endpoint;
use crate::model::share::{ShareCreated, ShareForm, ShareLinksPage, SharePreview};
use crate::model::AppError;
#[cfg(feature = "ssr")]
use crate::ports::{change, read};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

const SHARING: &str = "share views or manage share links";

/// Who may call this file's server functions (see [`Endpoint`]).
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::admin("shares/preview", SHARING).audited_as("share.preview"),
    Endpoint::admin("shares/create", SHARING).audited_as("share.create"),
    Endpoint::signed_in("shares"),
    Endpoint::admin("shares/revoke", SHARING).audited_as("share.revoke"),
    Endpoint::admin("shares/revoke-all", SHARING).audited_as("share.revoke_all"),
];

#[server(endpoint = "shares/preview", input = GetUrl)]
pub async fn get_share_preview(form: ShareForm) -> Result<SharePreview, AppError> {
    read(|ports| ports.share_preview(form)).await
}

#[server(endpoint = "shares/create")]
pub async fn create_share_link(
    #[server(default)] _csrf: String,
    form: ShareForm,
) -> Result<ShareCreated, AppError> {
    change(|ports| ports.create_share_link(form)).await
}

#[server(endpoint = "shares", input = GetUrl)]
pub async fn get_share_links(
    #[server(default)] selected: Option<i64>,
) -> Result<ShareLinksPage, AppError> {
    read(|ports| ports.share_links(selected)).await
}

#[server(endpoint = "shares/revoke")]
pub async fn revoke_share_link(#[server(default)] _csrf: String, id: i64) -> Result<(), AppError> {
    change(|ports| ports.revoke_share_link(id)).await
}

#[server(endpoint = "shares/revoke-all")]
pub async fn revoke_all_share_links(#[server(default)] _csrf: String) -> Result<u64, AppError> {
    change(|ports| ports.revoke_all_share_links()).await
}
