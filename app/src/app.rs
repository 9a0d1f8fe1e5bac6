use crate::{
    components::{
        csrf::{token_for_shell, CSRF_META},
        SessionContext, Shell,
    },
    pages::{
        about::AboutPage,
        alert_link::AlertLinkPage,
        alerts::AlertsPage,
        audit::AuditPage,
        audit_entry::AuditEntryPage,
        bulk::{edit::BulkEditRoutePage, list::BulkEditsListPage, new::NewBulkEditPage},
        compliance::CompliancePage,
        dashboard::DashboardPage,
        kind::{KindInventoryPage, NewKindPage},
        login::LoginPage,
        not_found::NotFoundPage,
        outbox::OutboxPage,
        resource::ResourcePage,
        search::SearchPage,
        setup::SetupPage,
        share_new::NewSharePage,
        shares::ShareLinksPage,
        shown_once::ShownOncePage,
        sync::SyncPage,
        tag_rules::TagRulesPage,
        users::UsersPage,
    },
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <meta name=CSRF_META content=token_for_shell() />
                <AutoReload options=options.clone() />
                <link rel="stylesheet" href=format!("/pkg/{}.css", options.output_name) />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    SessionContext::provide();
    // Pages render whole before the response starts, so a redirect, a status code or a
    // session change made while rendering still reaches the response headers.
    let ssr = SsrMode::Async;
    view! {
        <Title text="trustdesk" />
        <Router>
            <Shell>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=DashboardPage ssr=ssr.clone() />
                    <Route path=path!("/login") view=LoginPage ssr=ssr.clone() />
                    <Route path=path!("/setup") view=SetupPage ssr=ssr.clone() />
                    <Route path=path!("/users") view=UsersPage ssr=ssr.clone() />
                    <Route path=path!("/audit") view=AuditPage ssr=ssr.clone() />
                    <Route path=path!("/audit/:id") view=AuditEntryPage ssr=ssr.clone() />
                    <Route path=path!("/sync") view=SyncPage ssr=ssr.clone() />
                    <Route path=path!("/search") view=SearchPage ssr=ssr.clone() />
                    <Route path=path!("/about") view=AboutPage ssr=ssr.clone() />
                    <Route path=path!("/alerts") view=AlertsPage ssr=ssr.clone() />
                    <Route path=path!("/alerts/link") view=AlertLinkPage ssr=ssr.clone() />
                    <Route path=path!("/outbox") view=OutboxPage ssr=ssr.clone() />
                    <Route path=path!("/shown-once") view=ShownOncePage ssr=ssr.clone() />
                    <Route path=path!("/shares") view=ShareLinksPage ssr=ssr.clone() />
                    <Route path=path!("/tag-rules") view=TagRulesPage ssr=ssr.clone() />
                    <Route path=path!("/compliance") view=CompliancePage ssr=ssr.clone() />
                    <Route path=path!("/bulk") view=BulkEditsListPage ssr=ssr.clone() />
                    <Route path=path!("/bulk/new") view=NewBulkEditPage ssr=ssr.clone() />
                    <Route path=path!("/bulk/:id") view=BulkEditRoutePage ssr=ssr.clone() />
                    <Route path=path!("/shares/new") view=NewSharePage ssr=ssr.clone() />
                    <Route path=path!("/resources/:kind/:account/:region/:id") view=ResourcePage ssr=ssr.clone() />
                    // Every kind's inventory and create page; static paths above match first.
                    <Route path=path!("/:kinds") view=KindInventoryPage ssr=ssr.clone() />
                    <Route path=path!("/:kinds/new") view=NewKindPage ssr=ssr.clone() />
                </Routes>
            </Shell>
        </Router>
    }
}

/// The paths anyone may open without signing in; every other page needs a session.
/// `/alerts/link` is where alert emails' acknowledge and snooze links lead: their signature
/// is the recipient's proof.
pub const PUBLIC_PAGES: [&str; 3] = ["/login", "/setup", "/alerts/link"];
