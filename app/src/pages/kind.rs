//! The routes every kind shares: `/:kinds` (its inventory) and `/:kinds/new` (its create page,
//! which the kind's module provides). An unknown kind is a 404.

use super::{inventory::InventoryView, not_found::NotFoundPage};
use crate::{kinds, model::ResourceKind};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

fn kind_of_route() -> impl Fn() -> Option<ResourceKind> + Copy {
    let params = use_params_map();
    move || {
        let plural = params.read().get("kinds").unwrap_or_default();
        ResourceKind::from_path(&format!("/{plural}"))
    }
}

#[component]
pub fn KindInventoryPage() -> impl IntoView {
    let kind = kind_of_route();
    move || match kind() {
        Some(kind) => view! { <InventoryView kind /> }.into_any(),
        None => view! { <NotFoundPage /> }.into_any(),
    }
}

#[component]
pub fn NewKindPage() -> impl IntoView {
    let kind = kind_of_route();
    move || match kind() {
        Some(kind) => kinds::new_page(kind),
        None => view! { <NotFoundPage /> }.into_any(),
    }
}
