use crate::model::endpoint::Endpoint;
use crate::model::{
    About, AppError, Dashboard, NewUser, Secret, SessionInfo, SetupLinkState, SignInOptions,
};
#[cfg(feature = "ssr")]
use crate::ports::{change, read};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// Who may call this file's server functions (see [`Endpoint`]).
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::anyone("session"),
    Endpoint::anyone("setup_needed"),
    Endpoint::anyone("sign_in_options"),
    Endpoint::signed_in("dashboard"),
    Endpoint::signed_in("about"),
    Endpoint::anyone("login"),
    Endpoint::anyone("logout"),
    Endpoint::anyone("setup_link"),
    Endpoint::anyone("setup"),
];

#[server(endpoint = "session", input = GetUrl)]
pub async fn get_session() -> Result<SessionInfo, AppError> {
    read(|ports| ports.session_info()).await
}

#[server(endpoint = "setup_needed", input = GetUrl)]
pub async fn get_setup_needed() -> Result<bool, AppError> {
    read(|ports| ports.setup_needed()).await
}

/// The single sign-on button and whether local passwords are limited, for the sign-in page.
#[server(endpoint = "sign_in_options", input = GetUrl)]
pub async fn get_sign_in_options() -> Result<SignInOptions, AppError> {
    read(|ports| ports.sign_in_options()).await
}

#[server(endpoint = "dashboard", input = GetUrl)]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    read(|ports| ports.dashboard()).await
}

#[server(endpoint = "about", input = GetUrl)]
pub async fn get_about() -> Result<About, AppError> {
    read(|ports| ports.about()).await
}

#[server(endpoint = "login")]
pub async fn login(
    #[server(default)] _csrf: String,
    username: String,
    password: Secret,
    next: String,
) -> Result<(), AppError> {
    change(|ports| ports.login(username, password, next)).await
}

#[server(endpoint = "logout")]
pub async fn logout(#[server(default)] _csrf: String) -> Result<(), AppError> {
    change(|ports| ports.logout()).await
}

#[server(endpoint = "setup_link", input = GetUrl)]
pub async fn check_setup_link(token: Secret) -> Result<SetupLinkState, AppError> {
    read(|ports| ports.setup_link_state(token)).await
}

#[server(endpoint = "setup")]
pub async fn complete_setup(
    #[server(default)] _csrf: String,
    token: Secret,
    admin: NewUser,
) -> Result<(), AppError> {
    change(|ports| ports.complete_setup(token, admin)).await
}
