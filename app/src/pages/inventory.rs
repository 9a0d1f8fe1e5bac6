//! One inventory view for every kind: the cache's items with filters in the URL, sorting,
//! paging, and a Refresh that re-reads AWS.

use super::PageTitle;
use crate::{
    api::resources::{get_inventory, RefreshInventory},
    components::table::{ColumnSort, SortDirection},
    components::{form::action_error, ActionAlert, CsrfField, DataTable, FilterSelect, Loaded},
    components::{LocalTime, FILTER_INPUT},
    model::{
        bulk::{pick_value, SelectionForm},
        export::{inventory_export_path, with_query},
        inventory::PAGE_SIZES,
        resource::STATUS_DETAIL,
        share::ShareScope,
        AwsItem, ExportFormat, InventoryPage, InventoryQuery, ResourceKind, EXPIRY_WINDOWS,
        INVENTORY_PAGE_SIZE,
    },
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn InventoryView(kind: ResourceKind) -> impl IntoView {
    let query_map = use_query_map();
    let query = move || InventoryQuery::from_query(|key| query_map.read().get(key));
    let refresh = ServerAction::<RefreshInventory>::new();
    let refresh_error = action_error(refresh);
    let refreshed = Signal::derive(move || match refresh.value().get() {
        Some(Ok(report)) if report.failures.is_empty() => {
            Some(format!("Refreshed from AWS: {} items.", report.items))
        }
        Some(Ok(report)) => Some(format!(
            "Refreshed {} items; not reachable: {}",
            report.items,
            report.failures.join(" ")
        )),
        _ => None,
    });
    let data = Resource::new(
        move || (query(), refresh.version().get()),
        move |(q, _)| get_inventory(kind, q),
    );
    view! {
        <PageTitle title=kind.title() trail=super::kind_trail(kind, false) current=kind.info().nav_label />
        <div class="mb-4 flex flex-wrap items-center gap-3">
            <a href=format!("{}/new", kind.path()) id="new-resource" class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500">
                {format!("New {}", kind.singular())}
            </a>
            <a id="share-view" href=move || ShareScope::Inventory { kind, filter: query() }.new_link_path() class="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">
                "Share this view"
            </a>
            <ActionForm action=refresh>
                <CsrfField />
                <input type="hidden" name="kind" value=kind.as_str() />
                <button type="submit" id="refresh" class="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800" disabled=move || refresh.pending().get()>
                    {move || if refresh.pending().get() { "Refreshing…" } else { "Refresh from AWS" }}
                </button>
            </ActionForm>
            <div class="min-w-64 flex-1"><ActionAlert error=refresh_error success=refreshed /></div>
        </div>
        {crate::kinds::inventory_section(kind)}
        <Loaded data reloads=true let:page>
            <Inventory page query=query() />
        </Loaded>
    }
}

#[component]
fn Inventory(page: InventoryPage, query: InventoryQuery) -> impl IntoView {
    let kind = page.kind;
    let refreshed = match page.refreshed_at.clone() {
        Some(at) => {
            view! { <span>"Last read from AWS: " <LocalTime utc=at /></span> }.into_any()
        }
        None => view! { <span>"Not read from AWS yet: the next sync reads it, or use Refresh from AWS."</span> }.into_any(),
    };
    let failed = (!page.failed_scopes.is_empty()).then(|| {
        view! {
            <div id="sync-failures" role="alert" class="mb-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200">
                <p class="font-semibold">"The last sync could not read every account and region shown; their items are as last read."</p>
                <ul class="ml-5 list-disc">
                    {page.failed_scopes.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}
                </ul>
                <a href="/sync" class="underline">"See the Sync page"</a>
            </div>
        }
    });
    let removed = page.removed;
    let select =
        |name, label, options, current| view! { <FilterSelect name label options current /> };
    let sorts = [
        ("", "Expiry, soonest first"),
        ("-expiry", "Expiry, latest first"),
        ("name", "Name, A to Z"),
        ("-name", "Name, Z to A"),
        ("account", "Account, A to Z"),
        ("-account", "Account, Z to A"),
        ("region", "Region, A to Z"),
        ("-region", "Region, Z to A"),
        ("status", "Status, A to Z"),
        ("-status", "Status, Z to A"),
    ];
    // Tags can be edited in bulk where the kind has tags and the items still exist in AWS.
    let pickable = kind.has_tags() && !removed;
    let rows = page
        .items
        .iter()
        .map(|item| row(item, removed, pickable))
        .collect_view();
    let bulk = (pickable && page.total > 0).then(|| {
        let all = format!(
            "/bulk/new?{}",
            SelectionForm::matching(kind, &query).url_params().join("&")
        );
        view! {
            // The rows' checkboxes belong to this form through their `form` attribute, so the
            // filter form above and this one do not nest.
            <form method="get" action="/bulk/new" id="bulk-pick" class="flex flex-wrap items-center gap-3 text-sm">
                <button type="submit" id="bulk-edit-selected" class="rounded-md border border-slate-300 px-2 py-1 hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">"Edit tags of selected"</button>
                <a id="bulk-edit-all" href=all class="text-indigo-700 underline dark:text-indigo-300">{format!("Edit tags of all {} matching", page.total)}</a>
            </form>
        }
    });
    let empty = page
        .items
        .is_empty()
        .then_some("Nothing matches. Change the filter, or refresh from AWS.");
    // On a phone the filters fold away behind how many are set.
    let set = query
        .text_filters()
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .count()
        + usize::from(!query.expires.is_empty())
        + usize::from(query.removed);
    view! {
        <details class="filters-drawer mb-4" open={set > 0}>
        <summary class="filters-toggle">{format!("Filters ({set})")}</summary>
        <form method="get" action=kind.path() data-live-filter="" class="grid gap-3 rounded-lg border border-slate-200 bg-white p-3 text-sm sm:grid-cols-3 lg:grid-cols-10 dark:border-slate-800 dark:bg-slate-900">
            <div class="lg:col-span-2">
                <label for="filter-q" class="filter-label">"Search"</label>
                <input id="filter-q" name="q" value=query.q.clone() placeholder="id, name, ARN or tag" class=FILTER_INPUT />
            </div>
            {select("account", "Account", page.accounts.clone(), query.account.clone())}
            {select("region", "Region", page.regions.clone(), query.region.clone())}
            {select("status", "Status", page.statuses.clone(), query.status.clone())}
            {kind.has_expiry().then(|| {
                let current = query.expires.clone();
                view! {
                    <div>
                        <label for="filter-expires" class="filter-label">"Expires"</label>
                        <select id="filter-expires" name="expires" class=FILTER_INPUT>
                            <option value="">"Any time"</option>
                            {EXPIRY_WINDOWS.into_iter().map(|(value, label, _)| view! { <option value=value selected=current == value>{label}</option> }).collect_view()}
                        </select>
                    </div>
                }
            })}
            <div>
                <label for="filter-tag" class="filter-label">"Tag"</label>
                <input id="filter-tag" name="tag" value=query.tag.clone() placeholder="Key=Value" class=FILTER_INPUT />
            </div>
            // Its choices are the longest ("Expiry, soonest first"): two columns, never cut off.
            <div class="lg:col-span-2">
                <label for="filter-sort" class="filter-label">"Sort"</label>
                <select id="filter-sort" name="sort" class=FILTER_INPUT>
                    {sorts.into_iter().map(|(value, label)| view! { <option value=value selected=query.sort == value>{label}</option> }).collect_view()}
                </select>
            </div>
            <div>
                <label for="filter-size" class="filter-label">"Rows per page"</label>
                <select id="filter-size" name="size" class=FILTER_INPUT>
                    {PAGE_SIZES.into_iter().map(|size| {
                        // The default size is the URL without `size`.
                        let value = if size == INVENTORY_PAGE_SIZE { String::new() } else { size.to_string() };
                        view! { <option value=value selected=query.page_size() == size>{size.to_string()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="flex items-end">
                <label class="flex items-center gap-2 text-xs font-medium">
                    <input type="checkbox" id="filter-removed" name="removed" value="1" checked=query.removed />
                    "Removed in AWS"
                </label>
            </div>
            <div class="flex items-end gap-2 lg:col-span-10">
                <button type="submit" id="apply-filter" class="rounded-md bg-slate-700 px-3 py-1 text-white hover:bg-slate-600">"Apply"</button>
                <a href=kind.path() class="text-indigo-700 underline dark:text-indigo-300">"Clear"</a>
                <span class="ml-auto text-xs text-slate-500" id="refreshed-at">{refreshed}</span>
            </div>
        </form>
        </details>
        {failed}
        <div class="mb-2 flex flex-wrap items-baseline gap-3 text-sm">
            <p class="text-slate-600 dark:text-slate-400" id="inventory-count">
                {format!(
                    "{} {}{} · page {} of {}",
                    page.total,
                    if page.total == 1 { kind.singular() } else { kind.title() },
                    if removed { " removed in AWS (kept for a while, then forgotten)" } else { "" },
                    page.page,
                    page.pages,
                )}
            </p>
            {bulk}
            <ExportLinks kind query=query.clone() />
        </div>
        <DataTable id="inventory" hidden_first=pickable.then_some("Select") empty
            columns=columns(kind).into_iter().map(|(label, _)| label).collect()
            sorting=column_sorts(kind, &query)>
            {rows}
        </DataTable>
        <Pager page=page.page pages=page.pages kind query />
    }
}

/// Every page of this view as a file, with the view's filters and sort. `rel="external"`
/// keeps the router from handling the link: the browser downloads the file (or, signed out,
/// goes to sign in and comes back to this page).
#[component]
fn ExportLinks(kind: ResourceKind, query: InventoryQuery) -> impl IntoView {
    let params = query.url_params();
    view! {
        <span class="ml-auto flex gap-3" id="inventory-exports">
            {ExportFormat::ALL.into_iter().map(|format| {
                let href = with_query(inventory_export_path(kind, format), &params);
                view! {
                    <a href=href rel="external" data-export=format.extension() class="text-indigo-700 underline dark:text-indigo-300">{format.label()}</a>
                }
            }).collect_view()}
        </span>
    }
}

/// The columns an inventory of `kind` shows: no Region for IAM (global), no Expires for kinds
/// that never expire, no Tags for kinds that take none. Each with the `sort` values that order
/// by it, ascending then descending, when it can be sorted by.
fn columns(kind: ResourceKind) -> Vec<(&'static str, Option<[&'static str; 2]>)> {
    let mut columns = vec![
        ("Name / ID", Some(["name", "-name"])),
        ("Account", Some(["account", "-account"])),
    ];
    if !kind.is_global() {
        columns.push(("Region", Some(["region", "-region"])));
    }
    columns.push(("Status", Some(["status", "-status"])));
    if kind.has_expiry() {
        // Soonest first is the inventory's default order, its URL without `sort`.
        columns.push(("Expires", Some(["", "-expiry"])));
    }
    if kind.has_tags() {
        columns.push(("Tags", None));
    }
    columns
}

/// Each column header's link: the same filter sorted by that column from the first page, the
/// other way round when the view is already sorted by it that way.
fn column_sorts(kind: ResourceKind, query: &InventoryQuery) -> Vec<Option<ColumnSort>> {
    columns(kind)
        .into_iter()
        .map(|(_, sorts)| {
            let [ascending, descending] = sorts?;
            let current = if query.sort == ascending {
                Some(SortDirection::Ascending)
            } else if query.sort == descending {
                Some(SortDirection::Descending)
            } else {
                None
            };
            let next = if current == Some(SortDirection::Ascending) {
                descending
            } else {
                ascending
            };
            let sorted = InventoryQuery {
                sort: next.to_string(),
                page: 1,
                ..query.clone()
            };
            let params = sorted.url_params();
            let href = if params.is_empty() {
                kind.path().to_string()
            } else {
                format!("{}?{}", kind.path(), params.join("&"))
            };
            Some(ColumnSort { href, current })
        })
        .collect()
}

/// How many tags a row shows before "+N".
const TAGS_SHOWN: usize = 2;

fn row(resource: &AwsItem, removed: bool, pickable: bool) -> impl IntoView {
    let kind = resource.item.kind;
    let href = resource.item.detail_path();
    let show_id = resource.name != resource.item.id;
    // A `Name` tag that says the name again is not worth a chip.
    let tags: Vec<_> = resource
        .tags
        .iter()
        .filter(|t| !(t.key == "Name" && t.value == resource.name))
        .collect();
    let more = tags.len().saturating_sub(TAGS_SHOWN);
    let all_tags = tags
        .iter()
        .map(|t| format!("{}={}", t.key, t.value))
        .collect::<Vec<_>>()
        .join(", ");
    let chips = tags
        .iter()
        .take(TAGS_SHOWN)
        .map(|t| view! { <span class="chip">{format!("{}={}", t.key, t.value)}</span> })
        .collect_view();
    let more =
        (more > 0).then(|| view! { <span class="chip" title=all_tags>{format!("+{more}")}</span> });
    view! {
        <tr data-id=resource.item.id.clone()>
            {pickable.then(|| view! {
                <td>
                    <input type="checkbox" name="pick" form="bulk-pick" value=pick_value(&resource.item) data-pick="" aria-label=format!("Select {}", resource.name) />
                </td>
            })}
            <td>
                <a href=href class="item-link">{resource.name.clone()}</a>
                {show_id.then(|| view! { " " <span class="sub mono">{resource.item.id.clone()}</span> })}
            </td>
            <td class="nowrap">
                {resource.item.account.clone()}
                " " <span class="sub mono">{resource.account_id.clone()}</span>
            </td>
            {(!kind.is_global()).then(|| view! { <td class="nowrap">{resource.item.region.clone()}</td> })}
            <td data-status=if removed { "removed".to_string() } else { resource.status.clone() }>
                {if removed {
                    view! {
                        <span class="font-semibold">"Removed in AWS"</span>
                        <div class="sub">"last seen " <LocalTime utc=resource.last_seen.clone() /></div>
                    }.into_any()
                } else {
                    resource.status.clone().into_any()
                }}
                {resource.fields.iter().find(|f| f.label == STATUS_DETAIL).map(|f| view! { <div class="sub" data-status-detail="">{f.value.clone()}</div> })}
            </td>
            {kind.has_expiry().then(|| view! { <td class="nowrap"><Expiry at=resource.expires_at.clone() days=resource.expires_in_days /></td> })}
            {kind.has_tags().then(|| view! { <td>{chips}{more}</td> })}
        </tr>
    }
}

/// A date in the viewer's time zone, how far away it is, and a colour once under 30 days.
#[component]
pub fn Expiry(at: Option<String>, days: Option<i64>) -> impl IntoView {
    let Some(at) = at else {
        return view! { <span class="text-slate-500">"—"</span> }.into_any();
    };
    // The same urgency colours as the dashboard and the emails.
    let class = days
        .map(|d| crate::model::Urgency::of_seconds(d * 86_400).days_class())
        .unwrap_or("sub");
    let label = match days {
        Some(d) if d < 0 => format!("expired {} ago", plural_days(-d)),
        Some(0) => "expires today".to_string(),
        Some(d) => format!("in {}", plural_days(d)),
        None => String::new(),
    };
    // One line: the date, then how far away it is.
    view! {
        <span data-expiry-days=days.map(|d| d.to_string()).unwrap_or_default()>
            <LocalTime utc=at />
            " " <span class=class>{label}</span>
        </span>
    }
    .into_any()
}

fn plural_days(days: i64) -> String {
    if days == 1 {
        "1 day".to_string()
    } else {
        format!("{days} days")
    }
}

#[component]
fn Pager(page: u32, pages: u32, kind: ResourceKind, query: InventoryQuery) -> impl IntoView {
    let link = move |target: u32| {
        let mut params = query.url_params();
        params.push(format!("page={target}"));
        format!("{}?{}", kind.path(), params.join("&"))
    };
    view! {
        <nav class="mt-3 flex gap-3 text-sm" aria-label="Pages">
            {(page > 1).then(|| view! { <a href=link(page - 1) rel="prev" class="text-indigo-700 underline dark:text-indigo-300">"Previous"</a> })}
            {(page < pages).then(|| view! { <a href=link(page + 1) rel="next" class="text-indigo-700 underline dark:text-indigo-300">"Next"</a> })}
        </nav>
    }
}
