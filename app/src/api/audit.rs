use crate::model::{AppError, AuditPage, ChainReport};
#[cfg(feature = "ssr")]
use crate::ports::ports;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[server(endpoint = "audit", input = GetUrl)]
pub async fn get_audit_page(page: u32) -> Result<AuditPage, AppError> {
    ports()?.audit_page(page).await
}

#[server(endpoint = "audit/verify", input = GetUrl)]
pub async fn verify_audit_chain() -> Result<ChainReport, AppError> {
    ports()?.verify_audit_chain().await
}
