//! The page for any address the portal does not know, answered with status 404.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found · Meshgate"/>
        <section class="mx-auto max-w-lg py-16 text-center">
            <p class="text-sm font-semibold text-emerald-700">"404"</p>
            <h1 class="mt-2 text-2xl font-bold">"Page not found"</h1>
            <p class="mt-2 text-slate-600">"The page you asked for doesn't exist or has moved."</p>
            <a href="/" class="mt-6 inline-block rounded bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">
                "Back to the overview"
            </a>
        </section>
    }
}
