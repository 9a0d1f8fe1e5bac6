use crate::{
    api::session::{get_session, Logout},
    model::{AppError, CurrentUser, ResourceKind, Service, SessionInfo},
};
use leptos::prelude::*;
use leptos_router::components::A;

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

/// The frame around every page: banner, navigation, flash message and the page itself.
/// The session is read in one boundary only: several boundaries reading one resource can stall
/// server rendering (leptos-rs/leptos#4578).
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let session = use_session();
    let logout = ServerAction::<Logout>::new();
    view! {
        <div class="min-h-screen bg-slate-50 text-slate-900 dark:bg-slate-950 dark:text-slate-100">
            <Transition fallback=|| view! { <HeaderFrame><span></span></HeaderFrame> }>
                {move || Suspend::new(async move {
                    let info = session.info.await.ok();
                    let demo = info.as_ref().is_some_and(|i| i.demo);
                    let flash = info.as_ref().and_then(|i| i.flash.clone());
                    let user = info.and_then(|i| i.user);
                    view! {
                        {demo.then(|| view! { <DemoBanner /> })}
                        <HeaderFrame>
                            {user.map(|user| view! { <NavLinks user logout /> })}
                        </HeaderFrame>
                        {flash.map(|message| view! { <Flash message /> })}
                    }
                })}
            </Transition>
            <main class="mx-auto max-w-screen-2xl px-4 py-6">{children()}</main>
            <PageEnhancements />
        </div>
    }
}

#[component]
fn DemoBanner() -> impl IntoView {
    view! {
        <div id="demo-banner" class="bg-amber-400 px-4 py-1 text-center text-sm font-semibold text-amber-950">
            "Demo — emulated AWS. Nothing here touches a real AWS account."
        </div>
    }
}

#[component]
fn HeaderFrame(children: Children) -> impl IntoView {
    view! {
        <header class="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <nav
                aria-label="Main"
                class="mx-auto flex max-w-screen-2xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3"
            >
                <a href="/" class="text-lg font-bold tracking-tight text-indigo-700 dark:text-indigo-300">
                    "trustdesk"
                </a>
                {children()}
            </nav>
        </header>
    }
}

/// `.nav-link` in the stylesheet: every page carries about twenty of them.
const NAV_LINK: &str = "nav-link";

/// The pages grouped by AWS service, plus Admin: a row of menus that fits a phone however many
/// kinds there are. `<details>` opens them without JavaScript.
#[component]
fn NavLinks(user: CurrentUser, logout: ServerAction<Logout>) -> impl IntoView {
    let is_admin = user.is_admin();
    let groups = Service::ALL
        .into_iter()
        .map(|service| {
            let links: Vec<(String, String)> = ResourceKind::ALL
                .into_iter()
                .filter(|kind| kind.service() == service)
                .map(|kind| (kind.path().to_string(), kind.info().nav_label.to_string()))
                .collect();
            (service, links)
        })
        .filter(|(_, links)| !links.is_empty())
        .map(|(service, links)| view! { <NavMenu title=service.title() short=service.short_title() links /> })
        .collect_view();
    let mut admin = vec![
        ("/sync".to_string(), "Sync".to_string()),
        ("/alerts".to_string(), "Alerts".to_string()),
        ("/tag-rules".to_string(), "Tag rules".to_string()),
        ("/compliance".to_string(), "Compliance".to_string()),
        ("/bulk".to_string(), "Bulk tag edits".to_string()),
        ("/outbox".to_string(), "Outbox".to_string()),
        ("/audit".to_string(), "Audit".to_string()),
    ];
    if is_admin {
        admin.insert(0, ("/users".to_string(), "Users".to_string()));
        admin.push(("/shares".to_string(), "Share links".to_string()));
    }
    view! {
        // On a phone the menus take a row of their own below the name and the account.
        <div class="order-last flex w-full flex-wrap items-center gap-0.5 sm:order-none sm:w-auto sm:flex-1 sm:gap-1">
            <A href="/" exact=true attr:class=NAV_LINK>
                <span class="sm:hidden">"Home"</span>
                <span class="hidden sm:inline">"Dashboard"</span>
            </A>
            {groups}
            <NavMenu title="Admin" short="Admin" links=admin />
        </div>
        <div class="ml-auto flex items-center gap-3 text-sm sm:ml-0">
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

/// One group of the navigation: a summary that opens a list of links, closed again when one is
/// followed (the page changes without a reload when JavaScript runs).
#[component]
fn NavMenu(
    title: &'static str,
    /// Shown instead of the title on a phone's width.
    short: &'static str,
    links: Vec<(String, String)>,
) -> impl IntoView {
    let menu = NodeRef::<leptos::html::Details>::new();
    let close = move |_| {
        if let Some(details) = menu.get() {
            details.set_open(false);
        }
    };
    let paths: Vec<String> = links.iter().map(|(path, _)| path.clone()).collect();
    let location = leptos_router::hooks::use_location();
    let current = move || {
        let here = location.pathname.get();
        paths
            .iter()
            .any(|p| here == *p || here.starts_with(&format!("{p}/")))
    };
    let items = links
        .into_iter()
        .map(|(path, label)| view! { <li><A href=path attr:class=NAV_LINK on:click=close>{label}</A></li> })
        .collect_view();
    view! {
        <details node_ref=menu class="group relative" data-nav-group=title>
            <summary class="nav-group"
                data-current=move || current().to_string() aria-label=title>
                <span class="sm:hidden">{short}</span>
                <span class="hidden sm:inline">{title}</span>
                <span aria-hidden="true" class="text-xs transition-transform group-open:rotate-180">"▾"</span>
            </summary>
            <ul class="nav-menu">
                {items}
            </ul>
        </details>
    }
}

/// A message left in the session by a form that was posted without JavaScript.
#[component]
fn Flash(message: String) -> impl IntoView {
    view! {
        <div class="mx-auto max-w-screen-2xl px-4 pt-4">
            <div
                role="status"
                id="flash"
                class="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200"
            >
                {message}
            </div>
        </div>
    }
}
