use crate::model::endpoint::Endpoint;
use crate::model::{AppError, NewUser, UserSummary};
#[cfg(feature = "ssr")]
use crate::ports::{change, read};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

const USERS: &str = "change users";

/// Who may call this file's server functions (see [`Endpoint`]).
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::signed_in("users"),
    Endpoint::admin("users/add", USERS).audited_as("user.add"),
    Endpoint::admin("users/role", USERS).audited_as("user.change_role"),
    Endpoint::admin("users/disabled", USERS).audited_as("user.disable_or_enable"),
];

#[server(endpoint = "users", input = GetUrl)]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    read(|ports| ports.list_users()).await
}

#[server(endpoint = "users/add")]
pub async fn add_user(#[server(default)] _csrf: String, user: NewUser) -> Result<(), AppError> {
    change(|ports| ports.add_user(user)).await
}

#[server(endpoint = "users/role")]
pub async fn change_role(
    #[server(default)] _csrf: String,
    user_id: i64,
    role: String,
) -> Result<(), AppError> {
    change(|ports| ports.change_role(user_id, role)).await
}

#[server(endpoint = "users/disabled")]
pub async fn set_user_disabled(
    #[server(default)] _csrf: String,
    user_id: i64,
    disabled: bool,
) -> Result<(), AppError> {
    change(|ports| ports.set_user_disabled(user_id, disabled)).await
}
