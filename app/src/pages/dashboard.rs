//! The home page: the expiry overview, opening on what needs action.

use super::PageTitle;
use crate::api::session::get_dashboard;
use crate::components::Loaded;
use leptos::prelude::*;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_dashboard());
    view! {
        <PageTitle title="Dashboard" />
        <Loaded data let:d>
            <super::expiry_overview::ExpiryOverviewSection overview=d.expiry />
        </Loaded>
    }
}
