//! The catalog: search published assets (text, facets, sort, pages, all in the URL), read
//! one asset with its terms, forms and where the viewer's projects stand, and ask for
//! access for one of them.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

use crate::api::{catalog_asset, catalog_search, RequestAccess};
use crate::components::{
    page_resource, ActionError, EmptyState, FieldError, FormState, Loaded, RequireRole, BUTTON_PRIMARY,
    BUTTON_SECONDARY, INPUT, LABEL, LINK, PANEL, PANEL_MT4, PANEL_MT6,
};
use crate::model::{
    AccessRequestForm, AccessState, AccessTerms, ApiError, AssetDetail, CatalogItem, CatalogPage, CatalogQuery, Facet,
    ProjectAccess, Role, REASON_MAX,
};
use crate::pages::url::query_string;

impl CatalogQuery {
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("q", self.q.as_str()),
            ("unit", &self.unit),
            ("project", &self.project),
            ("type", &self.asset_type),
            ("term", &self.term),
            ("sort", &self.sort),
            ("page", &self.page),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    /// The URL of this search with one parameter changed (and back on the first page).
    fn with(&self, key: &str, value: &str) -> String {
        let mut next = self.clone();
        next.page.clear();
        match key {
            "unit" => value.clone_into(&mut next.unit),
            "project" => value.clone_into(&mut next.project),
            "type" => value.clone_into(&mut next.asset_type),
            "term" => value.clone_into(&mut next.term),
            "page" => value.clone_into(&mut next.page),
            _ => {}
        }
        format!("/catalog?{}", query_string(&next.pairs()))
    }
}

#[component]
pub fn CatalogSearchPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        params.with(|p| CatalogQuery {
            q: p.get("q").unwrap_or_default(),
            unit: p.get("unit").unwrap_or_default(),
            project: p.get("project").unwrap_or_default(),
            asset_type: p.get("type").unwrap_or_default(),
            term: p.get("term").unwrap_or_default(),
            sort: p.get("sort").unwrap_or_default(),
            page: p.get("page").unwrap_or_default(),
        })
    });
    let results = page_resource(Role::TeamLead, move || query.get(), catalog_search);
    view! {
        <Title text="Catalog · Meshgate"/>
        <RequireRole>
            <CatalogSearch query results/>
        </RequireRole>
    }
}

#[component]
fn CatalogSearch(query: Memo<CatalogQuery>, results: Resource<Result<CatalogPage, ApiError>>) -> impl IntoView {
    view! {
        <h1 class="text-2xl font-bold tracking-tight">"Catalog"</h1>
        <p class="mt-1 text-slate-600">"Data products published in the mesh. Find one, then ask for access for your project."</p>
        // A plain GET form: searching works before the page hydrates and the URL can be shared.
        <form method="get" action="/catalog" role="search" class=format!("mt-6 flex flex-wrap items-end gap-3 p-4 {PANEL}")>
            <div class="w-full min-w-0 sm:w-auto sm:flex-1">
                <label for="catalog-q" class=LABEL>"Search"</label>
                <input id="catalog-q" name="q" type="search" class=INPUT placeholder="customer churn, pipeline, …"
                    prop:value=move || query.with(|q| q.q.clone())/>
            </div>
            <div>
                <label for="catalog-sort" class=LABEL>"Sort by"</label>
                <select id="catalog-sort" name="sort" class=INPUT prop:value=move || query.with(|q| q.sort.clone())>
                    <option value="">"Relevance"</option>
                    <option value="name">"Name"</option>
                    <option value="newest">"Newest"</option>
                </select>
            </div>
            {move || query.with(|q| {
                [("unit", q.unit.clone()), ("project", q.project.clone()), ("type", q.asset_type.clone()), ("term", q.term.clone())]
                    .into_iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| view! { <input type="hidden" name=k value=v/> })
                    .collect_view()
            })}
            <button type="submit" class=BUTTON_PRIMARY>"Search"</button>
        </form>
        <Loaded resource=results rows=6 class=PANEL_MT6 let:page>
            <Results page query=query.get_untracked()/>
        </Loaded>
    }
}

#[component]
fn Results(page: CatalogPage, query: CatalogQuery) -> impl IntoView {
    let CatalogPage { items, total, next_page, units, projects, types, terms } = page;
    let filtered =
        !(query.unit.is_empty() && query.project.is_empty() && query.asset_type.is_empty() && query.term.is_empty());
    let first = (!query.page.is_empty()).then(|| query.with("page", ""));
    let next = next_page.map(|token| query.with("page", &token));
    let clear = {
        let mut plain = query.clone();
        plain.unit.clear();
        plain.project.clear();
        plain.asset_type.clear();
        plain.term.clear();
        plain.page.clear();
        format!("/catalog?{}", query_string(&plain.pairs()))
    };
    view! {
        <div class="mt-6 grid gap-6 lg:grid-cols-4">
            <aside class="space-y-4 lg:col-span-1" aria-label="Filters">
                {filtered.then(|| view! { <a href=clear class=format!("text-sm {LINK}")>"Clear filters"</a> })}
                <FacetList title="Domain unit" key="unit" facets=units selected=query.unit.clone() query=query.clone()/>
                <FacetList title="Owning project" key="project" facets=projects selected=query.project.clone() query=query.clone()/>
                <FacetList title="Asset type" key="type" facets=types selected=query.asset_type.clone() query=query.clone()/>
                <FacetList title="Glossary term" key="term" facets=terms selected=query.term.clone() query=query.clone()/>
            </aside>
            <section class=format!("lg:col-span-3 {PANEL}") aria-labelledby="results-title">
                <h2 id="results-title" class="border-b border-slate-200 px-4 py-3 text-sm text-slate-600" data-testid="result-count">
                    {format!("{total} asset{}", if total == 1 { "" } else { "s" })}
                </h2>
                {if items.is_empty() {
                    view! {
                        <EmptyState title="No assets match">"Try other words, or clear the filters."</EmptyState>
                    }.into_any()
                } else {
                    view! {
                        <ul class="divide-y divide-slate-100" data-testid="catalog-results">
                            {items.into_iter().map(|item| view! { <ResultRow item/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                {(first.is_some() || next.is_some()).then(|| view! {
                    <nav aria-label="Pages" class="flex justify-end gap-2 border-t border-slate-200 px-4 py-3">
                        {first.map(|href| view! { <a href=href class=BUTTON_SECONDARY>"First page"</a> })}
                        {next.map(|href| view! { <a href=href class=BUTTON_SECONDARY>"Next page →"</a> })}
                    </nav>
                })}
            </section>
        </div>
    }
}

#[component]
fn FacetList(
    title: &'static str,
    key: &'static str,
    facets: Vec<Facet>,
    selected: String,
    query: CatalogQuery,
) -> impl IntoView {
    (!facets.is_empty()).then(|| {
        view! {
            <section class=format!("p-3 {PANEL}")>
                <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h3>
                <ul class="mt-2 space-y-1 text-sm" data-facet=key>
                    {facets.into_iter().take(12).map(|f| {
                        let on = f.value == selected;
                        let href = query.with(key, if on { "" } else { &f.value });
                        view! {
                            <li>
                                <a href=href class="flex items-center justify-between gap-2 rounded px-2 py-1 hover:bg-slate-50"
                                    class=("bg-emerald-50", on) class=("font-semibold", on) aria-current=on.then_some("true")>
                                    <span class="min-w-0 truncate">{f.label}</span>
                                    <span class="tabular-nums text-xs text-slate-500">{f.count}</span>
                                </a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
pub fn AccessBadge(state: AccessState) -> impl IntoView {
    view! {
        <span class=format!("inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 {}", state.tone())
            data-access=format!("{state:?}").to_lowercase()>
            {state.label()}
        </span>
    }
}

#[component]
fn ResultRow(item: CatalogItem) -> impl IntoView {
    view! {
        <li class="px-4 py-3" data-asset=item.name.clone()>
            <div class="flex flex-wrap items-center gap-2">
                <a href=format!("/catalog/{}", item.listing_id) class=LINK>{item.name.clone()}</a>
                {(item.access != AccessState::None).then(|| view! { <AccessBadge state=item.access/> })}
            </div>
            <p class="mt-1 text-sm text-slate-600">{item.description}</p>
            <p class="mt-1 flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-500">
                <span>{item.owner_project}</span>
                <span>{item.asset_type}</span>
                {item.terms.into_iter().map(|t| view! { <span class="rounded bg-slate-100 px-1.5">{t}</span> }).collect_view()}
            </p>
        </li>
    }
}

#[component]
pub fn AssetPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let asset = page_resource(Role::TeamLead, id, catalog_asset);
    view! {
        <Title text="Asset · Meshgate"/>
        <RequireRole>
            <a href="/catalog" class=format!("text-sm {LINK}")>"← Catalog"</a>
            <Loaded resource=asset rows=6 class=PANEL_MT4 let:detail>
                <AssetView detail/>
            </Loaded>
        </RequireRole>
    }
}

#[component]
fn AssetView(detail: AssetDetail) -> impl IntoView {
    let AssetDetail {
        listing_id,
        name,
        description_html,
        asset_type,
        owner_project,
        owner_unit,
        terms,
        forms,
        product_assets,
        access_terms,
        access,
        form_token,
        ..
    } = detail;
    view! {
        <h1 class="mt-3 break-words text-2xl font-bold tracking-tight" data-testid="asset-name">{name}</h1>
        <p class="mt-1 text-sm text-slate-600">{format!("{asset_type} · {owner_project}")}{(!owner_unit.is_empty()).then(|| format!(" · {owner_unit}"))}</p>
        <div class="mt-6 grid gap-6 lg:grid-cols-3">
            <div class="space-y-6 lg:col-span-2">
                <section class=format!("p-4 {PANEL}")>
                    <h2 class="font-semibold">"Description"</h2>
                    {if description_html.is_empty() {
                        view! { <p class="mt-2 text-slate-700">"No description."</p> }.into_any()
                    } else {
                        view! { <div class="markdown mt-2 text-slate-700" data-testid="asset-description" inner_html=description_html></div> }.into_any()
                    }}
                    {(!terms.is_empty()).then(|| view! {
                        <h3 class="mt-4 text-sm font-semibold">"Glossary terms"</h3>
                        <ul class="mt-2 flex flex-wrap gap-2" data-testid="asset-terms">
                            {terms.into_iter().map(|t| view! {
                                <li>
                                    <a href=format!("/glossary?{}", query_string(&[("q", &t.name)])) title=t.short_description
                                        class="rounded bg-emerald-50 px-2 py-1 text-sm text-emerald-800 ring-1 ring-emerald-200 hover:bg-emerald-100">
                                        {t.name.clone()}
                                    </a>
                                </li>
                            }).collect_view()}
                        </ul>
                    })}
                </section>
                {(!product_assets.is_empty()).then(|| view! {
                    <section class=format!("p-4 {PANEL}") aria-labelledby="product-assets-title">
                        <h2 id="product-assets-title" class="font-semibold">"Assets in this data product"</h2>
                        <p class="mt-1 text-sm text-slate-600">"Access to the product grants each of them."</p>
                        <ul class="mt-2 space-y-1" data-testid="product-assets">
                            {product_assets.into_iter().map(|(listing, name)| view! {
                                <li><a href=format!("/catalog/{listing}") class=LINK>{name}</a></li>
                            }).collect_view()}
                        </ul>
                    </section>
                })}
                {forms.into_iter().map(|form| view! {
                    <section class=PANEL>
                        <h2 class="border-b border-slate-200 px-4 py-3 font-semibold">{form.name}</h2>
                        <dl class="grid gap-x-4 gap-y-2 p-4 text-sm sm:grid-cols-3">
                            {form.fields.into_iter().map(|(k, v)| view! {
                                <dt class="text-slate-500">{k}</dt>
                                <dd class="break-all sm:col-span-2">{v}</dd>
                            }).collect_view()}
                        </dl>
                    </section>
                }).collect_view()}
            </div>
            <div class="space-y-6">
                <AccessPanel access=access.clone()/>
                <RequestForm listing_id token=form_token access terms=access_terms/>
            </div>
        </div>
    }
}

#[component]
fn AccessPanel(access: Vec<ProjectAccess>) -> impl IntoView {
    view! {
        <section class=PANEL aria-labelledby="access-title">
            <h2 id="access-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Your projects' access"</h2>
            {if access.is_empty() {
                view! { <p class="px-4 py-3 text-sm text-slate-500">"You are not a member of any project that could subscribe."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100 text-sm" data-testid="project-access">
                        {access.into_iter().map(|a| view! {
                            <li class="px-4 py-2" data-project=a.project_name.clone()>
                                <div class="flex items-center justify-between gap-2">
                                    <span class="min-w-0 truncate">{a.project_name.clone()}</span>
                                    {match a.request_id {
                                        Some(id) => view! { <a href=format!("/subscriptions/{id}")><AccessBadge state=a.state/></a> }.into_any(),
                                        None => view! { <AccessBadge state=a.state/> }.into_any(),
                                    }}
                                </div>
                                {a.expires_at.map(|e| view! { <p class="text-xs text-slate-500">{format!("Until {e}")}</p> })}
                                {a.comment.filter(|_| matches!(a.state, AccessState::Rejected | AccessState::GrantFailed)).map(|c| view! { <p class="text-xs text-red-700">{c}</p> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn RequestForm(listing_id: String, token: String, access: Vec<ProjectAccess>, terms: AccessTerms) -> impl IntoView {
    let choices: Vec<ProjectAccess> = access
        .into_iter()
        .filter(|a| matches!(a.state, AccessState::None | AccessState::Ended | AccessState::Rejected))
        .collect();
    let submit = ServerAction::<RequestAccess>::new();
    let project = RwSignal::new(choices.first().map(|c| c.project_id.clone()).unwrap_or_default());
    let reason = RwSignal::new(String::new());
    let days = RwSignal::new(terms.default_days.map(|d| d.to_string()).unwrap_or_default());
    let summary = terms.summary();
    let period_required = terms.max_days.is_some();
    let terms = StoredValue::new(terms);
    // Chosen by the server for this showing of the form: sending it twice asks DataZone once.
    let token = StoredValue::new(token);
    let state = FormState::new();
    let navigate = use_navigate();
    // The request's own page follows it from here (a rule may decide it at once).
    state.follow(submit.value(), move |id| navigate(&format!("/subscriptions/{id}"), NavigateOptions::default()));
    let field_error = move |name: &'static str| state.field(name);
    let listing = StoredValue::new(listing_id);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let days_text = days.get_untracked();
        let parsed = days_text.trim().parse::<u32>().ok();
        if !days_text.trim().is_empty() && parsed.is_none() {
            state.check(Some(("days", "Give a whole number of days, or leave it empty.".into())));
            return;
        }
        let form = AccessRequestForm {
            listing_id: listing.get_value(),
            project_id: project.get_untracked(),
            reason: reason.get_untracked(),
            days: parsed,
            token: token.get_value(),
        };
        let problem = form
            .problem()
            .map(|(f, m)| (f.to_owned(), m))
            .or_else(|| terms.with_value(|t| t.refuses(form.days)).map(|m| ("days".to_owned(), m)));
        if state.check(problem) {
            submit.dispatch(RequestAccess { form });
        }
    };
    let busy = submit.pending();
    view! {
        <section class=PANEL aria-labelledby="request-title">
            <h2 id="request-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Request access"</h2>
            <p class="border-b border-slate-100 px-4 py-2 text-sm text-slate-600" data-testid="access-terms">{summary}</p>
            {if choices.is_empty() {
                view! { <p class="px-4 py-3 text-sm text-slate-500">"Every project of yours already has or awaits access."</p> }.into_any()
            } else {
                view! {
                    <form class="space-y-4 p-4" on:submit=on_submit novalidate>
                        <div>
                            <label for="access-project" class=LABEL>"For project"</label>
                            <select id="access-project" class=INPUT prop:value=move || project.get()
                                on:change=move |ev| project.set(event_target_value(&ev))>
                                {choices.iter().map(|c| view! { <option value=c.project_id.clone()>{c.project_name.clone()}</option> }).collect_view()}
                            </select>
                        </div>
                        <div>
                            <label for="access-reason" class=LABEL>"Reason"</label>
                            <textarea id="access-reason" rows="4" class=INPUT maxlength=REASON_MAX.to_string()
                                placeholder="What the data will be used for"
                                aria-invalid=move || field_error("reason").get().is_some().to_string()
                                aria-describedby="access-reason-error"
                                prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                            <FieldError id="access-reason-error" message=field_error("reason")/>
                        </div>
                        <div>
                            <label for="access-days" class=LABEL>"Days of access "{(!period_required).then(|| view! { <span class="font-normal text-slate-500">"(optional)"</span> })}</label>
                            <input id="access-days" type="number" min="1" max="3650" inputmode="numeric" class=INPUT
                                placeholder=if period_required { "" } else { "No end date" }
                                aria-invalid=move || field_error("days").get().is_some().to_string()
                                aria-describedby="access-days-error"
                                prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev))/>
                            <FieldError id="access-days-error" message=field_error("days")/>
                        </div>
                        <FieldError id="access-project-error" message=field_error("project_id")/>
                        <ActionError error=state.error.into()/>
                        <div class="flex gap-2">
                            <button type="submit" class=BUTTON_PRIMARY disabled=move || busy.get()>
                                {move || if busy.get() { "Sending…" } else { "Request access" }}
                            </button>
                            <a href="/subscriptions" class=BUTTON_SECONDARY>"My access"</a>
                        </div>
                    </form>
                }.into_any()
            }}
        </section>
    }
}
