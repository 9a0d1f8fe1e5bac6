use crate::model::{
    AppError, AuditDetail, AuditPage, AuditQuery, ChainCursor, ChainProgress, ChainReport,
};
#[cfg(feature = "ssr")]
use crate::ports::{ports, with_request_id};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[server(endpoint = "audit", input = GetUrl)]
pub async fn get_audit_page(#[server(default)] query: AuditQuery) -> Result<AuditPage, AppError> {
    ports()?.audit_page(query).await.map_err(with_request_id)
}

#[server(endpoint = "audit/entry", input = GetUrl)]
pub async fn get_audit_entry(id: i64) -> Result<AuditDetail, AppError> {
    ports()?.audit_entry(id).await.map_err(with_request_id)
}

#[server(endpoint = "audit/verify", input = GetUrl)]
pub async fn verify_audit_chain() -> Result<ChainReport, AppError> {
    ports()?.verify_audit_chain().await.map_err(with_request_id)
}

#[server(endpoint = "audit/verify-chunk", input = GetUrl)]
pub async fn verify_audit_chunk(cursor: ChainCursor) -> Result<ChainProgress, AppError> {
    ports()?
        .verify_audit_chunk(cursor)
        .await
        .map_err(with_request_id)
}
