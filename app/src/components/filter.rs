//! The filter forms of list pages (an inventory, the audit trail, bulk edits' search): plain GET
//! forms whose fields are the page's URL query, so a filtered view is a link.

use leptos::prelude::*;

/// How a filter form's inputs look.
/// `.filter-input` in the stylesheet.
pub const FILTER_INPUT: &str = "filter-input";

/// A select of `options` named `name` (element id `filter-{name}`), "All" first, `current`
/// chosen.
#[component]
pub fn FilterSelect(
    name: &'static str,
    label: &'static str,
    mut options: Vec<String>,
    current: String,
    /// A `current` value the options no longer hold (from an older link) is offered too, so it
    /// still shows as chosen.
    #[prop(optional)]
    keep_current: bool,
) -> impl IntoView {
    if keep_current && !current.is_empty() && !options.contains(&current) {
        options.insert(0, current.clone());
    }
    let id = format!("filter-{name}");
    let options = options
        .into_iter()
        .map(|o| {
            let selected = o == current;
            view! { <option value=o.clone() selected=selected>{o.clone()}</option> }
        })
        .collect_view();
    view! {
        <div>
            <label for=id.clone() class="filter-label">{label}</label>
            <select id=id name=name class=FILTER_INPUT>
                <option value="">"All"</option>
                {options}
            </select>
        </div>
    }
}
