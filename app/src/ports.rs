//! Everything a server function may ask of the backend. The server implements this per request
//! (bound to the caller's session and address), so each server function is one call.

use crate::model::{
    AppError, AuditPage, ChainReport, Dashboard, NewUser, SessionInfo, SetupLinkState, UserSummary,
};
use std::sync::Arc;

#[async_trait::async_trait]
pub trait Ports: Send + Sync {
    async fn session_info(&self) -> Result<SessionInfo, AppError>;
    /// True while no active admin exists (the sign-in page then points at the setup link).
    async fn setup_needed(&self) -> Result<bool, AppError>;

    async fn setup_link_state(&self, token: String) -> Result<SetupLinkState, AppError>;
    async fn complete_setup(&self, token: String, admin: NewUser) -> Result<(), AppError>;

    async fn login(&self, username: String, password: String, next: String)
        -> Result<(), AppError>;
    async fn logout(&self) -> Result<(), AppError>;

    async fn dashboard(&self) -> Result<Dashboard, AppError>;

    async fn list_users(&self) -> Result<Vec<UserSummary>, AppError>;
    async fn add_user(&self, user: NewUser) -> Result<(), AppError>;
    async fn change_role(&self, user_id: i64, role: String) -> Result<(), AppError>;
    async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> Result<(), AppError>;

    async fn audit_page(&self, page: u32) -> Result<AuditPage, AppError>;
    async fn verify_audit_chain(&self) -> Result<ChainReport, AppError>;
}

/// The request's ports, put into the request's extensions by the server's middleware.
#[derive(Clone)]
pub struct RequestPorts(pub Arc<dyn Ports>);

/// The ports of the request being handled.
pub fn ports() -> Result<Arc<dyn Ports>, AppError> {
    let parts =
        leptos::prelude::use_context::<http::request::Parts>().ok_or_else(AppError::internal)?;
    parts
        .extensions
        .get::<RequestPorts>()
        .map(|p| p.0.clone())
        .ok_or_else(AppError::internal)
}
