use crate::{
    api::session::{get_session, Logout},
    model::{AppError, CurrentUser, NavCounts, ResourceKind, Service, SessionInfo},
};
use leptos::prelude::*;

use super::{csrf::CsrfToken, form::CsrfField};
use crate::islands::PageEnhancements;

/// Who is signed in, shared by every page. Read once per page on the server: a sign-in or
/// sign-out is a new page load (a plain post's redirect, or the page a form sent from the page
/// goes to), which reads it again.
#[derive(Clone, Copy)]
pub struct SessionContext {
    pub info: Resource<Result<SessionInfo, AppError>>,
}

impl SessionContext {
    pub fn provide() -> Self {
        let info = Resource::new(|| (), |_| get_session());
        let context = Self { info };
        provide_context(context);
        CsrfToken::provide();
        context
    }
}

pub fn use_session() -> SessionContext {
    expect_context::<SessionContext>()
}

/// The frame around every page: a skip link, the sidebar (a drawer on a phone), the header with
/// the search across every kind, the flash message and the page itself.
/// The session is read in one boundary only: several boundaries reading one resource can stall
/// server rendering (leptos-rs/leptos#4578).
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let session = use_session();
    let logout = ServerAction::<Logout>::new();
    let here = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    view! {
        <div class="relative min-h-screen bg-slate-50 text-slate-900 dark:bg-slate-950 dark:text-slate-100">
            <a href="#main" class="skip-link">"Skip to content"</a>
            <Transition fallback=|| view! { <Header><span></span></Header> }>
                {move || {
                    let here = here.clone();
                    Suspend::new(async move {
                        let info = session.info.await.ok();
                        let demo = info.as_ref().is_some_and(|i| i.demo);
                        let flash = info.as_ref().and_then(|i| i.flash.clone());
                        let audit = info.as_ref().and_then(|i| i.flash_audit);
                        let nav = info.as_ref().and_then(|i| i.nav.clone()).unwrap_or_default();
                        let user = info.and_then(|i| i.user);
                        view! {
                            {demo.then(|| view! { <DemoBanner /> })}
                            <Header>
                                {user.map(|user| view! {
                                    <Sidebar admin=user.is_admin() nav here />
                                    <SearchBox />
                                    <UserMenu user logout />
                                })}
                            </Header>
                            {flash.map(|message| view! { <Flash message audit /> })}
                        }
                    })
                }}
            </Transition>
            <main id="main" tabindex="-1" class="main-column">{children()}</main>
            <PageEnhancements />
        </div>
    }
}

#[component]
fn DemoBanner() -> impl IntoView {
    view! {
        <aside id="demo-banner" aria-label="Demo" class="bg-amber-400 px-4 py-1 text-center text-sm font-semibold text-amber-950" >
            "Demo — emulated AWS. Nothing here touches a real AWS account."
        </aside>
    }
}

#[component]
fn Header(children: Children) -> impl IntoView {
    view! {
        <header class="page-header">
            <a href="/" class="header-logo text-lg font-bold tracking-tight text-indigo-700 dark:text-indigo-300">
                "trustdesk"
            </a>
            {children()}
        </header>
    }
}

/// The search across every kind; `/` focuses it (see the page's enhancements).
#[component]
fn SearchBox() -> impl IntoView {
    view! {
        <form method="get" action="/search" role="search" class="order-last w-full sm:order-none sm:w-auto sm:max-w-md sm:flex-1">
            <label for="global-search" class="sr-only">"Search every kind"</label>
            <input id="global-search" name="q" type="search" autocomplete="off" data-search-shortcut=""
                placeholder="Search every kind   ( / )" class="filter-input mt-0" />
        </form>
    }
}

#[component]
fn UserMenu(user: CurrentUser, logout: ServerAction<Logout>) -> impl IntoView {
    view! {
        <div class="ml-auto flex items-center gap-3 text-sm">
            <span>
                <span class="sr-only">"Signed in as "</span>
                <span id="current-user" class="font-medium">{user.username.clone()}</span>
                " "
                <span class="rounded bg-slate-200 px-1.5 py-0.5 text-xs uppercase dark:bg-slate-700">
                    {user.role.as_str()}
                </span>
            </span>
            <ActionForm action=logout>
                <CsrfField />
                <button
                    type="submit"
                    class="rounded border border-slate-300 px-2 py-1 hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800"
                >
                    "Sign out"
                </button>
            </ActionForm>
        </div>
    }
}

/// Whether the page at `here` belongs to the link to `path`: the page itself, a page under it,
/// or (for a kind's inventory) one of the kind's items.
fn is_current(here: &str, path: &str) -> bool {
    if path == "/" {
        return here == "/";
    }
    if here == path || here.starts_with(&format!("{path}/")) {
        return true;
    }
    // `/resources/<kind>/…` belongs to the kind's inventory.
    here.strip_prefix("/resources/")
        .and_then(|rest| rest.split('/').next())
        .and_then(ResourceKind::parse)
        .is_some_and(|kind| kind.path() == path)
}

/// A link of the sidebar, marked when it leads to the page shown.
fn nav_link(here: &str, path: &str, label: String, extra: Option<AnyView>) -> AnyView {
    let current = is_current(here, path).then_some("page");
    view! {
        <li><a href=path.to_string() class="nav-link" aria-current=current>{label}{extra}</a></li>
    }
    .into_any()
}

/// The sidebar: every kind grouped by its AWS service with its number of items and a badge of
/// those expired or due within 7 days, then the pages of governance and of the console. On a
/// phone it is a drawer behind "Menu"; on a wide screen it is always shown (the stylesheet shows
/// the `<details>`' content however it is toggled). Each group folds; Escape closes the drawer.
#[component]
fn Sidebar(admin: bool, nav: NavCounts, here: String) -> impl IntoView {
    let here = here.as_str();
    let kinds = Service::ALL
        .into_iter()
        .map(|service| {
            let links = ResourceKind::ALL
                .into_iter()
                .filter(|kind| kind.service() == service)
                .map(|kind| {
                    let counts = nav.of(kind).cloned();
                    let items = counts.as_ref().map_or(0, |c| c.items);
                    let urgent = counts.as_ref().map_or(0, |c| c.urgent);
                    let figures = view! {
                        <span class="nav-figures">
                            {(urgent > 0).then(|| view! {
                                <span class="nav-badge" data-urgent=urgent.to_string()
                                    title=format!("{urgent} expired or due within 7 days")>
                                    <span class="sr-only">", urgent: "</span>{urgent.to_string()}
                                </span>
                            })}
                            <span class="nav-count" data-count=items.to_string()>
                                <span class="sr-only">", items: "</span>{items.to_string()}
                            </span>
                        </span>
                    };
                    nav_link(
                        here,
                        kind.path(),
                        kind.info().nav_label.to_string(),
                        Some(figures.into_any()),
                    )
                })
                .collect::<Vec<_>>();
            view! { <NavGroup title=service.title() links /> }
        })
        .collect_view();
    let needs_action = (nav.needs_action > 0).then(|| {
        view! {
            <span class="nav-figures">
                <span class="nav-badge" title="Needs action" data-needs-action-badge="">
                    <span class="sr-only">", needs action: "</span>{nav.needs_action.to_string()}
                </span>
            </span>
        }
        .into_any()
    });
    let governance = vec![
        nav_link(here, "/compliance", "Compliance".into(), None),
        nav_link(here, "/tag-rules", "Tag rules".into(), None),
        nav_link(here, "/bulk", "Bulk tag edits".into(), None),
    ];
    let mut console = vec![
        nav_link(here, "/audit", "Audit".into(), None),
        nav_link(here, "/sync", "Sync".into(), None),
        nav_link(here, "/alerts", "Alerts".into(), None),
        nav_link(here, "/outbox", "Outbox".into(), None),
    ];
    if admin {
        console.push(nav_link(here, "/shares", "Share links".into(), None));
        console.push(nav_link(here, "/users", "Users".into(), None));
    }
    console.push(nav_link(here, "/about", "About".into(), None));
    view! {
        <details id="nav-drawer" class="nav-drawer" data-closes-on-escape="">
            <summary class="nav-toggle" aria-label="Menu">
                <span aria-hidden="true">"☰"</span>
                <span class="ml-1 text-sm">"Menu"</span>
            </summary>
            <nav aria-label="Main" class="sidebar">
              <div class="sidebar-content">
                <div class="mb-3 flex items-center justify-between px-2">
                    <a href="/" class="text-lg font-bold tracking-tight text-indigo-700 dark:text-indigo-300">"trustdesk"</a>
                </div>
                <ul class="space-y-0.5">
                    {nav_link(here, "/", "Dashboard".into(), needs_action)}
                    {nav_link(here, "/search", "Search".into(), None)}
                </ul>
                {kinds}
                <NavGroup title="Governance" links=governance />
                <NavGroup title="Console" links=console />
              </div>
            </nav>
        </details>
    }
}

/// One folding group of the sidebar, open unless folded.
#[component]
fn NavGroup(title: &'static str, links: Vec<AnyView>) -> impl IntoView {
    view! {
        <details open class="nav-section" data-nav-group=title>
            <summary class="nav-heading">{title}</summary>
            <ul class="space-y-0.5">{links}</ul>
        </details>
    }
}

/// What a change left to say on the next page (a plain post's, or the one a form sent from the
/// page goes to), with a link to the audit row it wrote. With JavaScript it floats as a toast
/// with a Dismiss button; without, it stays at the top of the page.
#[component]
fn Flash(message: String, audit: Option<i64>) -> impl IntoView {
    view! {
        <div class="flash-frame px-4 pt-4">
            <div
                role="status"
                data-toast=""
                class="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100"
            >
                <span id="flash">{message}</span>
                {audit.map(|id| view! {
                    <a href=format!("/audit/{id}") class="underline" data-toast-audit="">"See the audit row"</a>
                })}
                <button type="button" hidden data-toast-dismiss="" class="ml-auto rounded px-1.5 hover:bg-emerald-100 dark:hover:bg-emerald-900" aria-label="Dismiss">"×"</button>
            </div>
        </div>
    }
}
