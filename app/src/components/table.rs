//! The table of a list page (audit rows, share links, mail, tag rules, users, sync scopes, an
//! inventory, a bulk edit's items): its frame, its header row and a row saying it is empty.
//! Its cells' padding and its rows' borders come from the stylesheet's `.data-table`, not from
//! classes repeated on every cell.

use leptos::prelude::*;

/// A column header shown to screen readers only (a column of checkboxes or of buttons).
pub const ACTIONS: &str = "";

/// A column header that sorts the table: where it links (the same view sorted by that column,
/// the other way round when it already is) and how the table is sorted by it now, if it is.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnSort {
    pub href: String,
    pub current: Option<SortDirection>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortDirection {
    Ascending,
    Descending,
}

impl SortDirection {
    /// The `aria-sort` value.
    pub fn aria(self) -> &'static str {
        match self {
            SortDirection::Ascending => "ascending",
            SortDirection::Descending => "descending",
        }
    }
}

#[component]
pub fn DataTable(
    /// The table's element id.
    id: &'static str,
    /// The column headers; [`ACTIONS`] (empty) labels a column "Actions" for screen readers.
    columns: Vec<&'static str>,
    /// A first column labelled for screen readers only, e.g. `Select` (of checkboxes).
    #[prop(default = None, into)]
    hidden_first: Option<&'static str>,
    /// Said across the table when it has no rows.
    #[prop(default = None, into)]
    empty: Option<&'static str>,
    /// More classes for the frame, e.g. its margin.
    #[prop(optional)]
    class: &'static str,
    /// For each column in order, how its header sorts the table (`None`: it does not). Empty:
    /// no header sorts.
    #[prop(optional)]
    sorting: Vec<Option<ColumnSort>>,
    /// The rows.
    children: Children,
) -> impl IntoView {
    let span = (columns.len() + usize::from(hidden_first.is_some())).to_string();
    let first = hidden_first
        .map(|label| view! { <th scope="col"><span class="sr-only">{label}</span></th> });
    let mut sorting = sorting.into_iter();
    let headers = columns
        .into_iter()
        .map(|label| match (label, sorting.next().flatten()) {
            (ACTIONS, _) => {
                view! { <th scope="col"><span class="sr-only">"Actions"</span></th> }.into_any()
            }
            (label, Some(sort)) => {
                let arrow = match sort.current {
                    Some(SortDirection::Ascending) => "▲",
                    Some(SortDirection::Descending) => "▼",
                    None => "",
                };
                view! {
                    <th scope="col" aria-sort=sort.current.map(SortDirection::aria)>
                        <a href=sort.href class="sort-link">{label}<span aria-hidden="true">{arrow}</span></a>
                    </th>
                }
                .into_any()
            }
            (label, None) => view! { <th scope="col">{label}</th> }.into_any(),
        })
        .collect_view();
    let empty = empty.map(|message| {
        view! { <tr><td colspan=span class="py-6 text-center text-slate-500">{message}</td></tr> }
    });
    // Positioned, so that what is absolutely placed inside (a screen reader's header text)
    // scrolls with the table instead of widening the page; focusable, so that a keyboard can
    // scroll a table wider than the screen.
    let frame = format!("{class} relative overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900");
    view! {
        <div class=frame.trim_start().to_string() tabindex="0">
            <table id=id class="data-table">
                <thead>
                    <tr>{first}{headers}</tr>
                </thead>
                <tbody>{children()}{empty}</tbody>
            </table>
        </div>
    }
}
