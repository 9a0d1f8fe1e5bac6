use super::PageTitle;
use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <PageTitle title="Page not found" />
        <p>"There is no page at this address. " <a class="underline" href="/">"Go to the dashboard"</a></p>
    }
}
