use crate::model::{
    AppError, AwsItem, CreateFormOptions, CreatedLicenseToken, FormIntent, InventoryPage,
    InventoryQuery, LicenseTokenFormOptions, NewIdentitySource, NewLicenseToken,
    NewVerificationToken, RefreshReport, ResourceKind, ResourceRef, TokenFormOptions,
    TokenFormOutcome, TrustProviderForm, TrustProviderOutcome,
};
#[cfg(feature = "ssr")]
use crate::ports::ports;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[server(endpoint = "inventory", input = GetUrl)]
pub async fn get_inventory(
    kind: ResourceKind,
    #[server(default)] query: InventoryQuery,
) -> Result<InventoryPage, AppError> {
    ports()?.inventory(kind, query).await
}

#[server(endpoint = "inventory/refresh")]
pub async fn refresh_inventory(
    #[server(default)] _csrf: String,
    kind: ResourceKind,
) -> Result<RefreshReport, AppError> {
    ports()?.refresh_inventory(kind).await
}

#[server(endpoint = "resource", input = GetUrl)]
pub async fn get_resource(item: ResourceRef) -> Result<AwsItem, AppError> {
    ports()?.resource(item).await
}

#[server(endpoint = "resource/delete")]
pub async fn delete_resource(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    confirm: String,
) -> Result<(), AppError> {
    ports()?.delete_resource(item, confirm).await
}

#[server(endpoint = "resource/tag")]
pub async fn set_resource_tag(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    key: String,
    #[server(default)] value: String,
) -> Result<(), AppError> {
    ports()?.set_resource_tag(item, key, value).await
}

#[server(endpoint = "resource/untag")]
pub async fn remove_resource_tag(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    key: String,
) -> Result<(), AppError> {
    ports()?.remove_resource_tag(item, key).await
}

#[server(endpoint = "verification-tokens/form", input = GetUrl)]
pub async fn get_token_form_options() -> Result<TokenFormOptions, AppError> {
    ports()?.token_form_options().await
}

/// The form's two buttons: `intent=check` sends a dry run, anything else creates.
#[server(endpoint = "verification-tokens/submit")]
pub async fn submit_verification_token(
    #[server(default)] _csrf: String,
    token: NewVerificationToken,
    #[server(default)] intent: FormIntent,
) -> Result<TokenFormOutcome, AppError> {
    ports()?.submit_verification_token(token, intent).await
}

#[server(endpoint = "create-form", input = GetUrl)]
pub async fn get_create_form_options() -> Result<CreateFormOptions, AppError> {
    ports()?.create_form_options().await
}

/// The form's two buttons: `intent=check` sends a dry run, anything else creates.
#[server(endpoint = "trust-providers/submit")]
pub async fn submit_trust_provider(
    #[server(default)] _csrf: String,
    provider: TrustProviderForm,
    #[server(default)] intent: FormIntent,
) -> Result<TrustProviderOutcome, AppError> {
    ports()?.submit_trust_provider(provider, intent).await
}

#[server(endpoint = "trust-providers/modify")]
pub async fn modify_trust_provider(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    provider: TrustProviderForm,
) -> Result<(), AppError> {
    ports()?.modify_trust_provider(item, provider).await
}

#[server(endpoint = "license-tokens/form", input = GetUrl)]
pub async fn get_license_token_form_options() -> Result<LicenseTokenFormOptions, AppError> {
    ports()?.license_token_form_options().await
}

#[server(endpoint = "license-tokens/create")]
pub async fn create_license_token(
    #[server(default)] _csrf: String,
    token: NewLicenseToken,
) -> Result<String, AppError> {
    ports()?.create_license_token(token).await
}

/// Reads (and forgets) a just-created token's JWT.
#[server(endpoint = "license-tokens/take", input = GetUrl)]
pub async fn take_license_token(once: String) -> Result<CreatedLicenseToken, AppError> {
    ports()?.take_license_token(once).await
}

#[server(endpoint = "identity-sources/create")]
pub async fn create_identity_source(
    #[server(default)] _csrf: String,
    source: NewIdentitySource,
) -> Result<ResourceRef, AppError> {
    ports()?.create_identity_source(source).await
}
