//! Everything a server function may ask of the backend. The server implements this per request
//! (bound to the caller's session and address), so each server function is one call.

use crate::model::{
    AppError, AuditPage, AwsItem, ChainReport, CreateFormOptions, CreatedLicenseToken, Dashboard,
    FormIntent, InventoryPage, InventoryQuery, LicenseTokenFormOptions, NewIdentitySource,
    NewLicenseToken, NewUser, NewVerificationToken, RefreshReport, ResourceKind, ResourceRef,
    SessionInfo, SetupLinkState, TokenFormOptions, TokenFormOutcome, TrustProviderForm,
    TrustProviderOutcome, UserSummary,
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

    /// One kind's items from the cache, filtered, sorted and paged.
    async fn inventory(
        &self,
        kind: ResourceKind,
        query: InventoryQuery,
    ) -> Result<InventoryPage, AppError>;
    /// Re-reads one kind from AWS in every configured account and region.
    async fn refresh_inventory(&self, kind: ResourceKind) -> Result<RefreshReport, AppError>;
    async fn resource(&self, item: ResourceRef) -> Result<AwsItem, AppError>;
    /// Deletes the item in AWS; `confirm` must repeat its id.
    async fn delete_resource(&self, item: ResourceRef, confirm: String) -> Result<(), AppError>;
    /// Adds a tag or changes its value.
    async fn set_resource_tag(
        &self,
        item: ResourceRef,
        key: String,
        value: String,
    ) -> Result<(), AppError>;
    async fn remove_resource_tag(&self, item: ResourceRef, key: String) -> Result<(), AppError>;

    /// The IPAMs verification tokens can be created in, across accounts and regions, and a
    /// fresh idempotency token for the form.
    async fn token_form_options(&self) -> Result<TokenFormOptions, AppError>;
    /// Creates the token, or with [`FormIntent::Check`] only sends the create with DryRun.
    async fn submit_verification_token(
        &self,
        form: NewVerificationToken,
        intent: FormIntent,
    ) -> Result<TokenFormOutcome, AppError>;
    /// Accounts and regions to create in, and a fresh idempotency token.
    async fn create_form_options(&self) -> Result<CreateFormOptions, AppError>;
    /// Creates the provider, or with [`FormIntent::Check`] only sends the create with DryRun.
    async fn submit_trust_provider(
        &self,
        form: TrustProviderForm,
        intent: FormIntent,
    ) -> Result<TrustProviderOutcome, AppError>;
    async fn modify_trust_provider(
        &self,
        item: ResourceRef,
        form: TrustProviderForm,
    ) -> Result<(), AppError>;

    /// The licenses tokens can be created for, and a fresh idempotency token.
    async fn license_token_form_options(&self) -> Result<LicenseTokenFormOptions, AppError>;
    /// Creates a License Manager token; answers the handle that shows its JWT once.
    async fn create_license_token(&self, form: NewLicenseToken) -> Result<String, AppError>;
    /// The JWT behind a handle: once, for the user who created it.
    async fn take_license_token(&self, handle: String) -> Result<CreatedLicenseToken, AppError>;

    async fn create_identity_source(
        &self,
        form: NewIdentitySource,
    ) -> Result<ResourceRef, AppError>;
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
