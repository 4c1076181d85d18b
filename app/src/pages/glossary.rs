//! The business glossary: search terms, read a term with its related terms and the assets
//! that carry it. The search text lives in the URL, so a search can be shared.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

use crate::api::{glossary_term, glossary_terms};
use crate::components::{page_resource, EmptyState, Loaded, RequireRole, INPUT, LINK, PANEL, PANEL_MT4};
use crate::model::{ApiError, Role, TermDetail, TermSummary};
use crate::pages::url::query_string;

#[component]
pub fn GlossaryPage() -> impl IntoView {
    let query = use_query_map();
    let text = Memo::new(move |_| query.with(|q| q.get("q").unwrap_or_default()));
    let terms = page_resource(Role::TeamLead, move || text.get(), glossary_terms);
    view! {
        <Title text="Glossary · Meshgate"/>
        <RequireRole>
            <GlossarySearch text terms/>
        </RequireRole>
    }
}

#[component]
fn GlossarySearch(text: Memo<String>, terms: Resource<Result<Vec<TermSummary>, ApiError>>) -> impl IntoView {
    let navigate = use_navigate();
    let search = move |value: String| {
        let value = value.trim().to_owned();
        let url = if value.is_empty() {
            "/glossary".to_owned()
        } else {
            format!("/glossary?{}", query_string(&[("q", &value)]))
        };
        navigate(&url, NavigateOptions { replace: true, ..NavigateOptions::default() });
    };
    view! {
        <h1 class="text-2xl font-bold tracking-tight">"Glossary"</h1>
        <p class="mt-1 text-slate-600">"The mesh's shared vocabulary: what terms mean and which data products carry them."</p>
        // Filters as one types once hydrated; before that (or without JavaScript) Enter searches.
        <form class="mt-6" role="search" method="get" action="/glossary">
            <label for="term-search" class="sr-only">"Search terms"</label>
            <input id="term-search" name="q" type="search" class=INPUT placeholder="Search terms" autocomplete="off"
                prop:value=text on:input=move |ev| search(event_target_value(&ev))/>
        </form>
        <section class=format!("mt-4 {PANEL}")>
            <Loaded resource=terms let:list>
                {if list.is_empty() {
                    view! { <EmptyState title="No terms match">"Try a shorter or different word."</EmptyState> }.into_any()
                } else {
                    view! { <TermList terms=list/> }.into_any()
                }}
            </Loaded>
        </section>
    }
}

#[component]
fn TermList(terms: Vec<TermSummary>) -> impl IntoView {
    view! {
        <ul class="divide-y divide-slate-100" data-testid="terms">
            {terms.into_iter().map(|t| view! {
                <li class="px-4 py-3">
                    <a href=format!("/glossary/{}", t.id) class=LINK>{t.name}</a>
                    <p class="text-sm text-slate-600">{t.short_description}</p>
                </li>
            }).collect_view()}
        </ul>
    }
}

#[component]
pub fn TermPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let term = page_resource(Role::TeamLead, id, glossary_term);
    view! {
        <Title text="Glossary term · Meshgate"/>
        <RequireRole>
            <a href="/glossary" class=format!("text-sm {LINK}")>"← Glossary"</a>
            <Loaded resource=term class=PANEL_MT4 let:detail>
                <TermView detail/>
            </Loaded>
        </RequireRole>
    }
}

#[component]
fn TermView(detail: TermDetail) -> impl IntoView {
    let TermDetail { term, glossary_name, long_description, related, assets } = detail;
    view! {
        <h1 class="mt-3 text-2xl font-bold tracking-tight" data-testid="term-name">{term.name}</h1>
        <p class="mt-1 text-sm text-slate-500">{glossary_name}</p>
        <section class=format!("mt-6 p-4 {PANEL}")>
            <h2 class="font-semibold">"Definition"</h2>
            <p class="mt-2" data-testid="definition">{term.short_description}</p>
            {(!long_description.is_empty()).then(|| view! { <p class="mt-2 text-slate-700">{long_description}</p> })}
        </section>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <section class=PANEL aria-labelledby="related-title">
                <h2 id="related-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Related terms"</h2>
                {if related.is_empty() {
                    view! { <p class="px-4 py-3 text-sm text-slate-500">"None."</p> }.into_any()
                } else {
                    view! { <TermList terms=related/> }.into_any()
                }}
            </section>
            <section class=PANEL aria-labelledby="assets-title">
                <h2 id="assets-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Assets with this term"</h2>
                {if assets.is_empty() {
                    view! { <p class="px-4 py-3 text-sm text-slate-500">"No asset carries this term yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="divide-y divide-slate-100" data-testid="term-assets">
                            {assets.into_iter().map(|a| view! {
                                <li class="px-4 py-3">
                                    <p class="font-medium">{a.name}</p>
                                    <p class="text-xs text-slate-500">{a.asset_type}</p>
                                    <p class="text-sm text-slate-600">{a.description}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>
    }
}
