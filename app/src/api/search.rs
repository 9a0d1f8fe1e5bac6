//! The search across every kind.

use crate::model::endpoint::Endpoint;
use crate::model::search::SearchResults;
use crate::model::AppError;
#[cfg(feature = "ssr")]
use crate::ports::read;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// Who may call this file's server functions (see [`Endpoint`]).
pub const ENDPOINTS: &[Endpoint] = &[Endpoint::signed_in("search")];

#[server(endpoint = "search", input = GetUrl)]
pub async fn get_search(#[server(default)] q: String) -> Result<SearchResults, AppError> {
    read(|ports| ports.search(q)).await
}
