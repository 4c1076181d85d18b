//! Meshgate's user interface: routes, pages and server functions, shared by the server
//! (rendering, `ssr`) and the browser (hydration, `hydrate`).

#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod model;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use components::Layout;
use pages::{
    AccessReportPage, AdminPage, ApprovalsPage, AssetPage, AuditPage, CatalogSearchPage, DashboardPage,
    DeliveriesAdminPage, DevelopersPage, DriftPage, GlossaryPage, HomePage, InboxPage, MyAccessPage, MyDataPage,
    MyProjectsPage, NewProjectPage, NotFound, NotificationsPage, PipelinesAdminPage, ProducerAssetPage, ProductPage,
    RequestPage, RulesPage, SignInPage, SignedOutPage, SubscriptionRequestPage, TermPage, TokensPage, UnitPage,
    UsagePage,
};

/// Holds clicks and typing made before hydration and hands them over after it (see the
/// file); the browser entry point calls `meshgateReplay.before()` and `.after()`.
const REPLAY: &str = include_str!("components/replay.js");

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // First, so nothing a person does before the wasm has loaded is lost.
                <script nonce=leptos::nonce::use_nonce() inner_html=REPLAY></script>
                // With cargo-leptos's content-hashed file names (release builds) these name
                // the hashed files, which the server lets browsers keep for good.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Meshgate"/>
        // Pages are sent whole once their data is in (SsrMode::Async): the header's
        // Suspense sits outside the routes, and out-of-order streaming around it could
        // leave the browser's hydration racing the streamed chunks (a dead page).
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/projects") view=MyProjectsPage ssr=SsrMode::Async/>
                    <Route path=path!("/projects/new") view=NewProjectPage ssr=SsrMode::Async/>
                    <Route path=path!("/requests/:id") view=RequestPage ssr=SsrMode::Async/>
                    <Route path=path!("/approvals") view=ApprovalsPage ssr=SsrMode::Async/>
                    <Route path=path!("/catalog") view=CatalogSearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/catalog/:id") view=AssetPage ssr=SsrMode::Async/>
                    <Route path=path!("/data") view=MyDataPage ssr=SsrMode::Async/>
                    <Route path=path!("/data/:id") view=ProducerAssetPage ssr=SsrMode::Async/>
                    <Route path=path!("/data/products/:id") view=ProductPage ssr=SsrMode::Async/>
                    <Route path=path!("/subscriptions") view=MyAccessPage ssr=SsrMode::Async/>
                    <Route path=path!("/subscriptions/:id") view=SubscriptionRequestPage ssr=SsrMode::Async/>
                    <Route path=path!("/inbox") view=InboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/rules") view=RulesPage ssr=SsrMode::Async/>
                    <Route path=path!("/glossary") view=GlossaryPage ssr=SsrMode::Async/>
                    <Route path=path!("/glossary/:id") view=TermPage ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view=AuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/reports") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/reports/usage") view=UsagePage ssr=SsrMode::Async/>
                    <Route path=path!("/reports/access") view=AccessReportPage ssr=SsrMode::Async/>
                    <Route path=path!("/reports/drift") view=DriftPage ssr=SsrMode::Async/>
                    <Route path=path!("/tokens") view=TokensPage ssr=SsrMode::Async/>
                    <Route path=path!("/developers") view=DevelopersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/units/:id") view=UnitPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/pipelines") view=PipelinesAdminPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/notifications") view=DeliveriesAdminPage ssr=SsrMode::Async/>
                    <Route path=path!("/notifications") view=NotificationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/signed-out") view=SignedOutPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
