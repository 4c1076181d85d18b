//! Meshgate's user interface: routes, pages and server functions, shared by the server
//! (rendering, `ssr`) and the browser (hydration, `hydrate`).

#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod model;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use components::Layout;
use pages::{
    AccessReportPage, AdminPage, ApprovalsPage, AssetPage, AuditPage, CatalogSearchPage, DashboardPage, GlossaryPage,
    HomePage, InboxPage, MyAccessPage, MyProjectsPage, NewProjectPage, NotFound, RequestPage, RulesPage, SignInPage,
    SignedOutPage, SubscriptionRequestPage, TermPage, UnitPage, UsagePage,
};

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
        <Stylesheet id="leptos" href="/pkg/meshgate.css"/>
        <Title text="Meshgate"/>
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage/>
                    <Route path=path!("/projects") view=MyProjectsPage/>
                    <Route path=path!("/projects/new") view=NewProjectPage/>
                    <Route path=path!("/requests/:id") view=RequestPage/>
                    <Route path=path!("/approvals") view=ApprovalsPage/>
                    <Route path=path!("/catalog") view=CatalogSearchPage/>
                    <Route path=path!("/catalog/:id") view=AssetPage/>
                    <Route path=path!("/subscriptions") view=MyAccessPage/>
                    <Route path=path!("/subscriptions/:id") view=SubscriptionRequestPage/>
                    <Route path=path!("/inbox") view=InboxPage/>
                    <Route path=path!("/rules") view=RulesPage/>
                    <Route path=path!("/glossary") view=GlossaryPage/>
                    <Route path=path!("/glossary/:id") view=TermPage/>
                    <Route path=path!("/audit") view=AuditPage/>
                    <Route path=path!("/reports") view=DashboardPage/>
                    <Route path=path!("/reports/usage") view=UsagePage/>
                    <Route path=path!("/reports/access") view=AccessReportPage/>
                    <Route path=path!("/admin") view=AdminPage/>
                    <Route path=path!("/admin/units/:id") view=UnitPage/>
                    <Route path=path!("/sign-in") view=SignInPage/>
                    <Route path=path!("/signed-out") view=SignedOutPage/>
                </Routes>
            </Layout>
        </Router>
    }
}
