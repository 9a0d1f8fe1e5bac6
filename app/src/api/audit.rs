use crate::model::endpoint::Endpoint;
use crate::model::{
    AppError, AuditDetail, AuditPage, AuditQuery, ChainCursor, ChainProgress, ChainReport,
    ItemHistory, ResourceRef,
};
#[cfg(feature = "ssr")]
use crate::ports::read;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// Who may call this file's server functions (see [`Endpoint`]).
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::signed_in("audit"),
    Endpoint::signed_in("audit/entry"),
    Endpoint::signed_in("audit/item"),
    Endpoint::signed_in("audit/verify"),
    Endpoint::signed_in("audit/verify-chunk"),
];

#[server(endpoint = "audit", input = GetUrl)]
pub async fn get_audit_page(#[server(default)] query: AuditQuery) -> Result<AuditPage, AppError> {
    read(|ports| ports.audit_page(query)).await
}

#[server(endpoint = "audit/entry", input = GetUrl)]
pub async fn get_audit_entry(id: i64) -> Result<AuditDetail, AppError> {
    read(|ports| ports.audit_entry(id)).await
}

#[server(endpoint = "audit/item", input = GetUrl)]
pub async fn get_item_history(item: ResourceRef) -> Result<ItemHistory, AppError> {
    read(|ports| ports.item_history(item)).await
}

#[server(endpoint = "audit/verify", input = GetUrl)]
pub async fn verify_audit_chain() -> Result<ChainReport, AppError> {
    read(|ports| ports.verify_audit_chain()).await
}

#[server(endpoint = "audit/verify-chunk", input = GetUrl)]
pub async fn verify_audit_chunk(cursor: ChainCursor) -> Result<ChainProgress, AppError> {
    read(|ports| ports.verify_audit_chunk(cursor)).await
}
