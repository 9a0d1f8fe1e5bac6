//! The generic server functions of every kind: inventory, refresh, one item, tags, delete, the
//! targets a create form offers, and the one showing of a secret. Each kind's own forms have
//! their server functions in the kind's module (`crate::kinds`).

use crate::model::endpoint::Endpoint;
use crate::model::{
    AppError, AwsItem, CreateFormOptions, InventoryPage, InventoryQuery, OnceSecret, RefreshReport,
    RenewalForm, RenewalLinks, ResourceKind, ResourceRef, Secret,
};
#[cfg(feature = "ssr")]
use crate::ports::{change, read};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// Who may call this file's server functions (see [`Endpoint`]).
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::signed_in("inventory"),
    // Viewers may re-read AWS too (within their own read limits).
    Endpoint::signed_in("inventory/refresh"),
    Endpoint::signed_in("resource"),
    Endpoint::signed_in("renewal"),
    Endpoint::signed_in("renewal/links"),
    Endpoint::admin("renewal/leave-to-expire", "retire a renewed item")
        .audited_as("renewal.leave_to_expire"),
    Endpoint::changes_aws("resource/delete"),
    Endpoint::changes_aws("resource/tag"),
    Endpoint::changes_aws("resource/untag"),
    Endpoint::signed_in("create-form"),
    Endpoint::signed_in("shown-once"),
];

#[server(endpoint = "inventory", input = GetUrl)]
pub async fn get_inventory(
    kind: ResourceKind,
    #[server(default)] query: InventoryQuery,
) -> Result<InventoryPage, AppError> {
    read(|ports| ports.inventory(kind, query)).await
}

#[server(endpoint = "inventory/refresh")]
pub async fn refresh_inventory(
    #[server(default)] _csrf: String,
    kind: ResourceKind,
) -> Result<RefreshReport, AppError> {
    change(|ports| ports.refresh_inventory(kind)).await
}

#[server(endpoint = "resource", input = GetUrl)]
pub async fn get_resource(item: ResourceRef) -> Result<AwsItem, AppError> {
    read(|ports| ports.resource(item)).await
}

/// The create form of an item's successor, prefilled from it.
#[server(endpoint = "renewal", input = GetUrl)]
pub async fn get_renewal(item: ResourceRef) -> Result<RenewalForm, AppError> {
    read(|ports| ports.renewal(item)).await
}

/// What an item renews and what renews it.
#[server(endpoint = "renewal/links", input = GetUrl)]
pub async fn get_renewal_links(item: ResourceRef) -> Result<RenewalLinks, AppError> {
    read(|ports| ports.renewal_links(item)).await
}

/// Leaves a renewed item in AWS until it expires (its successor renews it; nothing is sent to
/// AWS): the choice is recorded and audited, and the successor's page stops offering it.
#[server(endpoint = "renewal/leave-to-expire")]
pub async fn leave_renewed_to_expire(
    #[server(default)] _csrf: String,
    item: ResourceRef,
) -> Result<(), AppError> {
    change(|ports| ports.leave_renewed_to_expire(item)).await
}

#[server(endpoint = "resource/delete")]
pub async fn delete_resource(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    confirm: String,
) -> Result<(), AppError> {
    change(|ports| ports.delete_resource(item, confirm)).await
}

#[server(endpoint = "resource/tag")]
pub async fn set_resource_tag(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    key: String,
    #[server(default)] value: String,
) -> Result<(), AppError> {
    change(|ports| ports.set_resource_tag(item, key, value)).await
}

#[server(endpoint = "resource/untag")]
pub async fn remove_resource_tag(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    key: String,
) -> Result<(), AppError> {
    change(|ports| ports.remove_resource_tag(item, key)).await
}

/// Where a new item of `kind` can go (account and region, or account alone for IAM) and a
/// fresh idempotency token for the form.
#[server(endpoint = "create-form", input = GetUrl)]
pub async fn get_create_form_options(kind: ResourceKind) -> Result<CreateFormOptions, AppError> {
    read(|ports| ports.create_form_options(kind)).await
}

/// Reads (and forgets) a secret AWS showed once at creation. A POST: a prefetch, a HEAD or a
/// link scanner must not burn it.
#[server(endpoint = "shown-once")]
pub async fn take_shown_once(
    #[server(default)] _csrf: String,
    once: Secret,
) -> Result<OnceSecret, AppError> {
    read(|ports| ports.take_shown_once(once)).await
}
