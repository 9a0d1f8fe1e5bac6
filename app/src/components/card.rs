//! A card with a heading: one section of a page (an item's detail page, the dashboard).

use crate::pages::CARD;
use leptos::prelude::*;

#[component]
pub fn Card(
    /// The heading's element id, which names the section for screen readers.
    heading_id: &'static str,
    #[prop(into)] title: String,
    /// The section's own element id, if it has one.
    #[prop(optional)]
    id: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <section class=CARD aria-labelledby=heading_id id=id>
            <h2 id=heading_id class="mb-2 font-semibold">{title}</h2>
            {children()}
        </section>
    }
}
