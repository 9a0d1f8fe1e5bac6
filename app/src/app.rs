use crate::{
    components::{
        csrf::{token_for_shell, CSRF_META},
        SessionContext, Shell,
    },
    pages::{
        audit::AuditPage,
        dashboard::DashboardPage,
        identity_sources::{IdentitySourcesPage, NewIdentitySourcePage},
        license_tokens::{CreatedLicenseTokenPage, LicenseTokensPage, NewLicenseTokenPage},
        login::LoginPage,
        not_found::NotFoundPage,
        resource::ResourcePage,
        setup::SetupPage,
        trust_providers::{NewTrustProviderPage, TrustProvidersPage},
        users::UsersPage,
        verification_tokens::{NewVerificationTokenPage, VerificationTokensPage},
    },
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
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
                <HydrationScripts options />
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
        <Stylesheet id="leptos" href="/pkg/trustdesk.css" />
        <Title text="trustdesk" />
        <Router>
            <Shell>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=DashboardPage ssr=ssr.clone() />
                    <Route path=path!("/login") view=LoginPage ssr=ssr.clone() />
                    <Route path=path!("/setup") view=SetupPage ssr=ssr.clone() />
                    <Route path=path!("/users") view=UsersPage ssr=ssr.clone() />
                    <Route path=path!("/audit") view=AuditPage ssr=ssr.clone() />
                    <Route path=path!("/verification-tokens") view=VerificationTokensPage ssr=ssr.clone() />
                    <Route path=path!("/verification-tokens/new") view=NewVerificationTokenPage ssr=ssr.clone() />
                    <Route path=path!("/trust-providers") view=TrustProvidersPage ssr=ssr.clone() />
                    <Route path=path!("/trust-providers/new") view=NewTrustProviderPage ssr=ssr.clone() />
                    <Route path=path!("/license-tokens") view=LicenseTokensPage ssr=ssr.clone() />
                    <Route path=path!("/license-tokens/new") view=NewLicenseTokenPage ssr=ssr.clone() />
                    <Route path=path!("/license-tokens/created") view=CreatedLicenseTokenPage ssr=ssr.clone() />
                    <Route path=path!("/identity-sources") view=IdentitySourcesPage ssr=ssr.clone() />
                    <Route path=path!("/identity-sources/new") view=NewIdentitySourcePage ssr=ssr.clone() />
                    <Route path=path!("/resources/:kind/:account/:region/:id") view=ResourcePage ssr=ssr.clone() />
                </Routes>
            </Shell>
        </Router>
    }
}

/// The paths anyone may open without signing in; every other page needs a session.
pub const PUBLIC_PAGES: [&str; 2] = ["/login", "/setup"];
