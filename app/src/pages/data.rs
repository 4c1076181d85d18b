//! My data: the assets a person's projects own, and one asset's editor — business metadata
//! saved as new DataZone revisions, publishing to the catalog, revision history.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

use crate::api::{data_asset, my_data, preview_description, AddGlueAsset, PublishAsset, ReviseAsset, SetAccessTerms};
use crate::components::{
    on_result, page_resource, ActionError, EmptyState, FieldError, FormState, Loaded, RequireRole, BUTTON_DANGER,
    BUTTON_PRIMARY, BUTTON_SECONDARY, INPUT, LABEL, LINK, PANEL, PANEL_MT4, PANEL_MT6,
};
use crate::model::{
    form_field_key, AccessTerms, ApiError, AssetChange, AssetEdit, FieldKind, FormTypeView, FormValues, Inventory,
    NewGlueAsset, ProducerAsset, ProductSummary, Publication, Role, ASSET_DESCRIPTION_MAX, ASSET_NAME_MAX,
    FORM_TEXT_MAX,
};
use crate::pages::url::query_string;

fn badge_class(p: Publication) -> &'static str {
    match p {
        Publication::Draft => "rounded bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700",
        Publication::Published => "rounded bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800",
        Publication::Changed => "rounded bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800",
        Publication::Unpublished => "rounded bg-red-50 px-2 py-0.5 text-xs font-medium text-red-800",
    }
}

#[component]
pub(super) fn PublicationBadge(publication: Publication) -> impl IntoView {
    view! { <span class=badge_class(publication) data-testid="publication">{publication.label()}</span> }
}

#[component]
pub fn MyDataPage() -> impl IntoView {
    let query = use_query_map();
    let project = Memo::new(move |_| query.with(|q| q.get("project").unwrap_or_default()));
    let text = Memo::new(move |_| query.with(|q| q.get("q").unwrap_or_default()));
    let inventory = page_resource(Role::TeamLead, move || (project.get(), text.get()), |(p, q)| my_data(p, q));
    view! {
        <Title text="My data · Meshgate"/>
        <RequireRole>
            <h1 class="text-2xl font-bold tracking-tight">"My data"</h1>
            <p class="mt-1 text-slate-600">
                "The assets and data products your projects own: describe them, tag them with glossary terms and publish them to the catalog."
            </p>
            <Loaded resource=inventory class=PANEL_MT6 let:data>
                <InventoryView data text=text.get_untracked()/>
            </Loaded>
        </RequireRole>
    }
}

#[component]
fn InventoryView(data: Inventory, text: String) -> impl IntoView {
    let Inventory { projects, project, items, products, may_add, region, form_token } = data;
    let Some(project) = project else {
        return view! {
            <div class=PANEL_MT6>
                <EmptyState title="No projects yet">
                    "Assets belong to projects. Request a project, or ask a project owner to add you."
                </EmptyState>
            </div>
        }
        .into_any();
    };
    let navigate = use_navigate();
    let chosen = project.clone();
    let go = move |project: String, q: String| {
        let url = format!("/data?{}", query_string(&[("project", &project), ("q", q.trim())]));
        navigate(&url, NavigateOptions { replace: true, ..NavigateOptions::default() });
    };
    let go_project = go.clone();
    let current = StoredValue::new(project.clone());
    let q = RwSignal::new(text);
    let has_assets = !items.is_empty();
    view! {
        // Works as a plain GET form before the page is interactive (and without JavaScript).
        <form class="mt-6 flex flex-col gap-3 sm:flex-row sm:items-end" role="search" method="get" action="/data"
            on:submit=move |ev| {
                ev.prevent_default();
                go(current.get_value(), q.get_untracked());
            }>
            <div class="sm:w-64">
                <label for="data-project" class=LABEL>"Project"</label>
                <select id="data-project" name="project" class=INPUT prop:value=chosen
                    on:change=move |ev| go_project(event_target_value(&ev), String::new())>
                    {projects.into_iter().map(|p| view! { <option value=p.id.clone() selected=p.id == project>{p.name}</option> }).collect_view()}
                </select>
            </div>
            <div class="flex-1">
                <label for="data-search" class=LABEL>"Search assets"</label>
                <input id="data-search" name="q" type="search" class=INPUT placeholder="Asset name" autocomplete="off"
                    prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev))/>
            </div>
            <button type="submit" class=BUTTON_SECONDARY>"Search"</button>
        </form>
        {may_add.then(|| view! { <AddGlueTable project=project.clone() region token=form_token/> })}
        <section class=PANEL_MT4>
            {if items.is_empty() {
                view! { <EmptyState title="No assets here">"This project owns no asset matching your search yet."</EmptyState> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100" data-testid="inventory">
                        {items.into_iter().map(|item| view! {
                            <li class="flex flex-col gap-1 px-4 py-3 sm:flex-row sm:items-center sm:gap-4">
                                <div class="min-w-0 flex-1">
                                    <a href=format!("/data/{}", item.id) class=LINK>{item.name}</a>
                                    <p class="truncate text-sm text-slate-600">{item.description}</p>
                                </div>
                                <span class="text-xs text-slate-500">{item.asset_type}" · revision "{item.revision}</span>
                                <PublicationBadge publication=item.publication/>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <ProductList products project=project.clone() may_add=may_add && has_assets/>
    }
    .into_any()
}

/// The project's data products, and the way to make one.
#[component]
fn ProductList(products: Vec<ProductSummary>, project: String, may_add: bool) -> impl IntoView {
    view! {
        <section class=PANEL_MT6 aria-labelledby="products-title">
            <div class="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
                <h2 id="products-title" class="font-semibold">"Data products"</h2>
                {may_add.then(|| view! {
                    <a href=format!("/data/products/new?{}", query_string(&[("project", &project)])) class=BUTTON_SECONDARY>"New data product"</a>
                })}
            </div>
            {if products.is_empty() {
                view! { <p class="px-4 py-3 text-sm text-slate-600">"No data product yet: group assets that belong together into one, and publish it."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100" data-testid="products">
                        {products.into_iter().map(|p| view! {
                            <li class="flex flex-col gap-1 px-4 py-3 sm:flex-row sm:items-center sm:gap-4">
                                <div class="min-w-0 flex-1">
                                    <a href=format!("/data/products/{}", p.id) class=LINK>{p.name}</a>
                                    <p class="truncate text-sm text-slate-600">{p.description}</p>
                                </div>
                                <PublicationBadge publication=p.publication/>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// A text field of the "Add a Glue table" form, with its label and inline error.
#[component]
fn GlueField(
    id: &'static str,
    error_id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    #[prop(optional)] placeholder: &'static str,
) -> impl IntoView {
    view! {
        <div>
            <label for=id class=LABEL>{label}</label>
            <input id=id class=INPUT placeholder=placeholder autocomplete="off"
                aria-invalid=move || error.get().is_some().to_string() aria-describedby=error_id
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            <FieldError id=error_id message=error/>
        </div>
    }
}

#[component]
fn AddGlueTable(project: String, region: String, token: String) -> impl IntoView {
    let add = ServerAction::<AddGlueAsset>::new();
    let open_form = RwSignal::new(false);
    let fields = [
        RwSignal::new(String::new()),
        RwSignal::new(region),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    ];
    let [account, region, database, table, name] = fields;
    let description = RwSignal::new(String::new());
    let state = FormState::new();
    let (project, token) = (StoredValue::new(project), StoredValue::new(token));
    let navigate = use_navigate();
    state.follow(add.value(), move |id| navigate(&format!("/data/{id}"), NavigateOptions::default()));
    let field_error = move |f: &'static str| state.field(f);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = NewGlueAsset {
            project_id: project.get_value(),
            account_id: account.get_untracked().trim().to_owned(),
            region: region.get_untracked().trim().to_owned(),
            database: database.get_untracked().trim().to_owned(),
            table: table.get_untracked().trim().to_owned(),
            name: name.get_untracked(),
            description: description.get_untracked(),
            token: token.get_value(),
        };
        if state.check(form.problem()) {
            add.dispatch(AddGlueAsset { form });
        }
    };
    let busy = add.pending();
    view! {
        <div class="mt-4">
            <button type="button" class=BUTTON_SECONDARY aria-expanded=move || open_form.get().to_string()
                aria-controls="glue-form" on:click=move |_| open_form.update(|o| *o = !*o)>
                "Add a Glue table"
            </button>
            <form id="glue-form" class=format!("mt-3 space-y-4 p-4 {PANEL}") class:hidden=move || !open_form.get()
                on:submit=on_submit novalidate aria-label="Add a Glue table">
                <p class="text-sm text-slate-600">
                    "For a table no data source has brought in yet: it becomes a draft asset of this project."
                </p>
                <div class="grid gap-4 sm:grid-cols-2">
                    <GlueField id="glue-account" error_id="glue-account-error" label="AWS account" value=account error=field_error("account_id") placeholder="123456789012"/>
                    <GlueField id="glue-region" error_id="glue-region-error" label="Region" value=region error=field_error("region")/>
                    <GlueField id="glue-database" error_id="glue-database-error" label="Glue database" value=database error=field_error("database")/>
                    <GlueField id="glue-table" error_id="glue-table-error" label="Glue table" value=table error=field_error("table")/>
                </div>
                <GlueField id="glue-name" error_id="glue-name-error" label="Asset name (optional)" value=name error=field_error("name") placeholder="The table's name"/>
                <div>
                    <label for="glue-description" class=LABEL>"Description "<span class="font-normal text-slate-500">"(Markdown, optional)"</span></label>
                    <textarea id="glue-description" rows="3" class=INPUT maxlength=ASSET_DESCRIPTION_MAX.to_string()
                        prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                    <FieldError id="glue-description-error" message=field_error("description")/>
                </div>
                <FieldError id="glue-token-error" message=field_error("token")/>
                <ActionError error=state.error.into()/>
                <button type="submit" class=BUTTON_PRIMARY disabled=move || busy.get()>
                    {move || if busy.get() { "Adding…" } else { "Add as draft" }}
                </button>
            </form>
        </div>
    }
}

#[component]
pub fn ProducerAssetPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let asset = page_resource(Role::TeamLead, id, data_asset);
    // Made here, above the data: a save reloads the asset and rebuilds the editor, and
    // the confirmation must outlive that.
    let saved = RwSignal::new(None::<(String, String)>);
    view! {
        <Title text="Edit asset · Meshgate"/>
        <RequireRole>
            <a href="/data" class=format!("text-sm {LINK}")>"← My data"</a>
            <Loaded resource=asset class=PANEL_MT4 let:data>
                <AssetEditor data saved on_saved=Callback::new(move |()| asset.refetch())/>
            </Loaded>
        </RequireRole>
    }
}

#[component]
fn AssetEditor(
    data: ProducerAsset,
    saved: RwSignal<Option<(String, String)>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let catalog_link = (data.publication != Publication::Draft && data.publication != Publication::Unpublished)
        .then(|| data.listing_id.clone())
        .flatten();
    view! {
        <div class="mt-3 flex flex-wrap items-center gap-3">
            <h1 class="text-2xl font-bold tracking-tight" data-testid="asset-name">{data.name.clone()}</h1>
            <PublicationBadge publication=data.publication/>
        </div>
        <p class="mt-1 text-sm text-slate-500">
            {data.asset_type.clone()}" · "{data.project_name.clone()}" · revision "{data.revision.clone()}
            {catalog_link.map(|l| view! { " · " <a href=format!("/catalog/{l}") class=LINK>"View in catalog"</a> })}
        </p>
        <div class="mt-6 grid gap-6 lg:grid-cols-3">
            <div class="lg:col-span-2">
                {if data.may_edit {
                    view! { <MetadataForm data=data.clone() saved on_saved/> }.into_any()
                } else {
                    view! { <ReadOnlyMetadata data=data.clone()/> }.into_any()
                }}
            </div>
            <div class="space-y-6">
                <PublishPanel data=data.clone() on_saved/>
                <AccessTermsPanel terms=data.access_terms.clone() may_edit=data.may_edit on_saved/>
                <History data/>
            </div>
        </div>
    }
}

#[component]
fn ReadOnlyMetadata(data: ProducerAsset) -> impl IntoView {
    view! {
        <section class=format!("p-4 {PANEL}")>
            <p class="text-sm text-slate-600">
                "Only owners and contributors of "{data.project_name}" can change this asset."
            </p>
            <div class="markdown mt-4 text-sm" inner_html=data.description_html></div>
            <TermChips terms=data.terms.into_iter().map(|t| t.name).collect()/>
        </section>
    }
}

#[component]
fn TermChips(terms: Vec<String>) -> impl IntoView {
    view! {
        <ul class="mt-3 flex flex-wrap gap-2" aria-label="Glossary terms">
            {terms.into_iter().map(|t| view! { <li class="rounded bg-slate-100 px-2 py-0.5 text-xs text-slate-700">{t}</li> }).collect_view()}
        </ul>
    }
}

#[component]
fn MetadataForm(
    data: ProducerAsset,
    saved: RwSignal<Option<(String, String)>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let save = ServerAction::<ReviseAsset>::new();
    let name = RwSignal::new(data.name.clone());
    let description = RwSignal::new(data.description.clone());
    let chosen = RwSignal::new(data.terms.iter().map(|t| t.id.clone()).collect::<Vec<_>>());
    let forms = RwSignal::new(data.business_forms.clone());
    let types = StoredValue::new(data.form_types.clone());
    let state = FormState::new();
    let previewing = RwSignal::new(false);
    let preview = Action::new(|text: &String| preview_description(text.clone()));
    let (asset_id, base) = (StoredValue::new(data.id.clone()), StoredValue::new(data.revision.clone()));
    state.follow(save.value(), move |revision| {
        saved.set(Some((asset_id.get_value(), revision)));
        on_saved.run(());
    });
    let field_error = move |f: &'static str| state.field(f);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let edit = AssetEdit {
            asset_id: asset_id.get_value(),
            base_revision: base.get_value(),
            name: name.get_untracked(),
            description: description.get_untracked(),
            glossary_terms: chosen.get_untracked(),
            forms: forms.get_untracked(),
        };
        let problem =
            edit.problem().map(|(f, m)| (f.to_owned(), m)).or_else(|| types.with_value(|t| edit.form_problem(t)));
        if state.check(problem) {
            save.dispatch(ReviseAsset { edit });
        }
    };
    let busy = save.pending();
    let count = move || description.with(|d| d.chars().count());
    view! {
        <form class=format!("space-y-5 p-4 {PANEL}") on:submit=on_submit novalidate aria-labelledby="metadata-title">
            <h2 id="metadata-title" class="font-semibold">"Business metadata"</h2>
            <div>
                <label for="asset-name" class=LABEL>"Name"</label>
                <input id="asset-name" class=INPUT maxlength=ASSET_NAME_MAX.to_string()
                    aria-invalid=move || field_error("name").get().is_some().to_string() aria-describedby="asset-name-error"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <FieldError id="asset-name-error" message=field_error("name")/>
            </div>
            <div>
                <div class="flex items-center justify-between">
                    <label for="asset-description" class=LABEL>"Description "<span class="font-normal text-slate-500">"(Markdown)"</span></label>
                    <div class="flex gap-1 text-sm" role="group" aria-label="Description view">
                        <button type="button" class="rounded px-2 py-1 aria-pressed:bg-slate-200" aria-pressed=move || (!previewing.get()).to_string()
                            on:click=move |_| previewing.set(false)>"Write"</button>
                        <button type="button" class="rounded px-2 py-1 aria-pressed:bg-slate-200" aria-pressed=move || previewing.get().to_string()
                            on:click=move |_| { previewing.set(true); preview.dispatch(description.get_untracked()); }>"Preview"</button>
                    </div>
                </div>
                <textarea id="asset-description" rows="8" class=INPUT class:hidden=move || previewing.get()
                    aria-invalid=move || field_error("description").get().is_some().to_string() aria-describedby="asset-description-error"
                    prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                <div class="markdown mt-1 min-h-32 rounded p-3 text-sm ring-1 ring-slate-200" class:hidden=move || !previewing.get()
                    data-testid="description-preview"
                    inner_html=move || match preview.value().get() {
                        Some(Ok(html)) => html,
                        Some(Err(e)) => format!("<p>{}</p>", html_escape(&e.to_string())),
                        None => "<p>Rendering…</p>".to_owned(),
                    }></div>
                <p class="mt-1 text-xs text-slate-500">{move || format!("{} of {ASSET_DESCRIPTION_MAX} characters", count())}</p>
                <FieldError id="asset-description-error" message=field_error("description")/>
            </div>
            <fieldset>
                <legend class=LABEL>"Glossary terms"</legend>
                <div class="mt-2 grid max-h-64 gap-2 overflow-y-auto sm:grid-cols-2" data-testid="term-picker">
                    {data.glossary.into_iter().map(|t| {
                        let id = t.id.clone();
                        let checked_id = t.id.clone();
                        let (box_id, about_id) = (format!("term-{}", t.id), format!("term-{}-about", t.id));
                        view! {
                            // The checkbox is named by the term alone; its definition describes it.
                            <div class="flex items-start gap-2 text-sm">
                                <input type="checkbox" id=box_id.clone() class="mt-0.5" value=t.id.clone() aria-describedby=about_id.clone()
                                    prop:checked=move || chosen.with(|c| c.contains(&checked_id))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| {
                                            c.retain(|x| x != &id);
                                            if on { c.push(id.clone()); }
                                        });
                                    }/>
                                <div>
                                    <label for=box_id class="font-medium">{t.name}</label>
                                    " "<span id=about_id class="text-slate-500">{t.short_description}</span>
                                </div>
                            </div>
                        }
                    }).collect_view()}
                </div>
                <FieldError id="asset-terms-error" message=field_error("glossary_terms")/>
            </fieldset>
            {(!data.form_types.is_empty()).then(|| view! { <MetadataForms types=data.form_types.clone() forms state/> })}
            <ActionError error=state.error.into()/>
            <div class="flex flex-wrap items-center gap-3">
                <button type="submit" class=BUTTON_PRIMARY disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Save as new revision" }}
                </button>
                {move || saved.get().filter(|(id, _)| *id == asset_id.get_value()).map(|(_, r)| view! {
                    <p class="text-sm text-emerald-700" role="status">"Saved as revision "{r}"."</p>
                })}
            </div>
        </form>
    }
}

/// What the producers promise about access: a steward's approval or none, and the access
/// periods Meshgate applies to requests. Shown to consumers on the catalog page.
#[component]
pub(super) fn AccessTermsPanel(terms: AccessTerms, may_edit: bool, on_saved: Callback<()>) -> impl IntoView {
    let save = ServerAction::<SetAccessTerms>::new();
    let state = FormState::new();
    let approval = RwSignal::new(terms.approval_required);
    let text = |d: Option<u32>| d.map(|d| d.to_string()).unwrap_or_default();
    let (default_days, max_days) = (RwSignal::new(text(terms.default_days)), RwSignal::new(text(terms.max_days)));
    let entity = StoredValue::new(terms.entity_id.clone());
    let done = RwSignal::new(false);
    state.follow(save.value(), move |()| {
        done.set(true);
        on_saved.run(());
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        let days = |field: &'static str, value: RwSignal<String>| -> Result<Option<u32>, (String, String)> {
            let value = value.get_untracked();
            if value.trim().is_empty() {
                return Ok(None);
            }
            value
                .trim()
                .parse::<u32>()
                .map(Some)
                .map_err(|_| (field.to_owned(), "Give a whole number of days, or leave it empty.".to_owned()))
        };
        let terms = days("default_days", default_days).and_then(|d| {
            days("max_days", max_days).map(|m| AccessTerms {
                entity_id: entity.get_value(),
                approval_required: approval.get_untracked(),
                default_days: d,
                max_days: m,
            })
        });
        match terms {
            Err(problem) => {
                state.check(Some(problem));
            }
            Ok(terms) => {
                if state.check(terms.problem()) {
                    save.dispatch(SetAccessTerms { terms });
                }
            }
        }
    };
    let busy = save.pending();
    let summary = terms.summary();
    view! {
        <section class=format!("p-4 {PANEL}") aria-labelledby="terms-title">
            <h2 id="terms-title" class="font-semibold">"Access terms"</h2>
            <p class="mt-1 text-sm text-slate-600" data-testid="terms-summary">{summary}</p>
            {may_edit.then(|| view! {
                <form class="mt-3 space-y-3" on:submit=on_submit novalidate aria-label="Access terms">
                    <div class="flex items-start gap-2 text-sm">
                        <input id="terms-approval" type="checkbox" class="mt-0.5" prop:checked=move || approval.get()
                            on:change=move |ev| approval.set(event_target_checked(&ev))/>
                        <label for="terms-approval">"Requests need a steward's approval"</label>
                    </div>
                    <div class="grid gap-3 sm:grid-cols-2 lg:grid-cols-1 xl:grid-cols-2">
                        <div>
                            <label for="terms-default" class=LABEL>"Default period (days)"</label>
                            <input id="terms-default" class=INPUT inputmode="numeric" placeholder="None"
                                aria-invalid=move || state.field("default_days").get().is_some().to_string() aria-describedby="terms-default-error"
                                prop:value=move || default_days.get() on:input=move |ev| default_days.set(event_target_value(&ev))/>
                            <FieldError id="terms-default-error" message=state.field("default_days")/>
                        </div>
                        <div>
                            <label for="terms-max" class=LABEL>"Longest period (days)"</label>
                            <input id="terms-max" class=INPUT inputmode="numeric" placeholder="No limit"
                                aria-invalid=move || state.field("max_days").get().is_some().to_string() aria-describedby="terms-max-error"
                                prop:value=move || max_days.get() on:input=move |ev| max_days.set(event_target_value(&ev))/>
                            <FieldError id="terms-max-error" message=state.field("max_days")/>
                        </div>
                    </div>
                    <ActionError error=state.error.into()/>
                    <div class="flex flex-wrap items-center gap-3">
                        <button type="submit" class=BUTTON_SECONDARY disabled=move || busy.get()>
                            {move || if busy.get() { "Saving…" } else { "Save terms" }}
                        </button>
                        <Show when=move || done.get()>
                            <p class="text-sm text-emerald-700" role="status">"Terms saved."</p>
                        </Show>
                    </div>
                </form>
            })}
        </section>
    }
}

/// The attached metadata forms of the domain's types, each field typed from its form type,
/// and a picker to attach another.
#[component]
fn MetadataForms(types: Vec<FormTypeView>, forms: RwSignal<Vec<FormValues>>, state: FormState) -> impl IntoView {
    let types = StoredValue::new(types);
    let attached = move || forms.with(|f| f.iter().map(|x| x.type_name.clone()).collect::<Vec<_>>());
    view! {
        <fieldset class="space-y-4" data-testid="metadata-forms">
            <legend class=LABEL>"Metadata forms"</legend>
            <For each=attached key=Clone::clone let:type_name>
                {types.with_value(|all| all.iter().find(|t| t.name == type_name).cloned()).map(|form_type| view! {
                    <TypedForm form_type forms state/>
                })}
            </For>
            <div>
                <label for="add-form" class="sr-only">"Attach a metadata form"</label>
                // Back to its prompt once a form is attached (the value follows the list).
                <select id="add-form" class=INPUT prop:value=move || { attached(); String::new() }
                    on:change=move |ev| {
                        let chosen = event_target_value(&ev);
                        if !chosen.is_empty() && !forms.with(|f| f.iter().any(|x| x.type_name == chosen)) {
                            forms.update(|f| f.push(FormValues { type_name: chosen, values: Vec::new() }));
                        }
                    }>
                    <option value="">"Attach a metadata form…"</option>
                    {move || {
                        let taken = attached();
                        types.with_value(|all| all.iter().filter(|t| !taken.contains(&t.name)).map(|t| view! {
                            <option value=t.name.clone()>{t.name.clone()}</option>
                        }).collect_view())
                    }}
                </select>
                <FieldError id="asset-forms-error" message=state.field("forms")/>
            </div>
        </fieldset>
    }
}

/// One attached form: a field per member of its type.
#[component]
fn TypedForm(form_type: FormTypeView, forms: RwSignal<Vec<FormValues>>, state: FormState) -> impl IntoView {
    let type_name = StoredValue::new(form_type.name.clone());
    view! {
        <section class="rounded p-3 ring-1 ring-slate-200" aria-label=form_type.name.clone()>
            <h3 class="text-sm font-semibold">{form_type.name.clone()}</h3>
            {(!form_type.description.is_empty()).then(|| view! { <p class="text-xs text-slate-500">{form_type.description.clone()}</p> })}
            <div class="mt-2 grid gap-3 sm:grid-cols-2">
                {form_type.fields.into_iter().map(|field| {
                    let name = StoredValue::new(field.name.clone());
                    let id = format!("form-{}-{}", form_type.name, field.name);
                    let error_id = format!("{id}-error");
                    let error = state.field(form_field_key(&form_type.name, &field.name));
                    let value = move || forms.with(|f| {
                        f.iter().find(|x| x.type_name == type_name.get_value()).map(|x| x.get(&name.get_value()).to_owned()).unwrap_or_default()
                    });
                    let set = move |v: String| forms.update(|f| {
                        if let Some(form) = f.iter_mut().find(|x| x.type_name == type_name.get_value()) {
                            form.set(&name.get_value(), v);
                        }
                    });
                    let label = if field.required { format!("{} (required)", field.label) } else { field.label.clone() };
                    let invalid = move || error.get().is_some().to_string();
                    let input = match field.kind {
                        FieldKind::Boolean => view! {
                            <input id=id.clone() type="checkbox" class="mt-1" aria-describedby=error_id.clone()
                                prop:checked=move || value() == "true"
                                on:change=move |ev| set(event_target_checked(&ev).to_string())/>
                        }.into_any(),
                        FieldKind::Choice(options) => view! {
                            <select id=id.clone() class=INPUT aria-invalid=invalid aria-describedby=error_id.clone()
                                prop:value=value on:change=move |ev| set(event_target_value(&ev))>
                                <option value="">"—"</option>
                                // `selected` too: the page's HTML shows the saved choice before it is interactive.
                                {options.into_iter().map(|o| {
                                    let chosen = o.clone();
                                    view! { <option value=o.clone() selected=move || value() == chosen>{o.clone()}</option> }
                                }).collect_view()}
                            </select>
                        }.into_any(),
                        kind => {
                            let (kind_attr, mode) = match kind {
                                FieldKind::Integer => ("text", "numeric"),
                                FieldKind::Decimal => ("text", "decimal"),
                                FieldKind::Date => ("date", "text"),
                                _ => ("text", "text"),
                            };
                            view! {
                                <input id=id.clone() type=kind_attr inputmode=mode class=INPUT maxlength=FORM_TEXT_MAX.to_string()
                                    aria-invalid=invalid aria-describedby=error_id.clone()
                                    prop:value=value on:input=move |ev| set(event_target_value(&ev))/>
                            }.into_any()
                        }
                    };
                    view! {
                        <div>
                            <label for=id class="block text-sm text-slate-700">{label}</label>
                            {input}
                            <FieldError id=error_id message=error/>
                        </div>
                    }
                }).collect_view()}
            </div>
        </section>
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[component]
fn PublishPanel(data: ProducerAsset, on_saved: Callback<()>) -> impl IntoView {
    let change = ServerAction::<PublishAsset>::new();
    let error = RwSignal::new(None::<ApiError>);
    let confirming = RwSignal::new(false);
    on_result(change.value(), error, move |()| {
        confirming.set(false);
        on_saved.run(());
    });
    let (id, revision) = (StoredValue::new(data.id.clone()), StoredValue::new(data.revision.clone()));
    let run = move |publish: bool| {
        change.dispatch(PublishAsset { id: id.get_value(), revision: revision.get_value(), publish });
    };
    let busy = change.pending();
    let may_publish = data.may_edit && data.publication != Publication::Published;
    let may_unpublish = data.may_edit && matches!(data.publication, Publication::Published | Publication::Changed);
    let subscribers = data.subscribers.clone();
    let shown = match (data.publication, data.published_revision.clone()) {
        (Publication::Draft, _) => "Not in the catalog yet.".to_owned(),
        (Publication::Unpublished, _) => "Taken out of the catalog; existing subscriptions stay.".to_owned(),
        (_, Some(r)) => format!("The catalog shows revision {r}."),
        (_, None) => String::new(),
    };
    view! {
        <section class=format!("p-4 {PANEL}") aria-labelledby="publish-title">
            <h2 id="publish-title" class="font-semibold">"Catalog"</h2>
            <p class="mt-1 text-sm text-slate-600" data-testid="catalog-state">{shown}</p>
            <SubscribersNote subscribers/>
            {(may_publish && !data.dropped_columns.is_empty()).then(|| view! {
                <div class="mt-3 rounded bg-red-50 p-3 text-sm text-red-900" role="alert" data-testid="dropped-columns">
                    <p class="font-medium">{format!("Revision {} drops columns the catalog lists", data.revision)}</p>
                    <p>{format!("Publishing it removes {} for everyone with access.", data.dropped_columns.join(", "))}</p>
                </div>
            })}
            {may_publish.then(|| view! { <EntryPreview data=data.clone()/> })}
            <ActionError error=error.into()/>
            <PublishButtons revision=data.revision.clone() may_publish may_unpublish busy=busy.into() confirming
                run=Callback::new(run) what="asset" keeps="Nobody new can request it. Existing subscriptions keep their access."/>
        </section>
    }
}

/// Who has approved access, since a new publication or an unpublish affects them.
#[component]
pub(super) fn SubscribersNote(subscribers: Vec<String>) -> impl IntoView {
    (!subscribers.is_empty()).then(|| {
        view! {
            <div class="mt-3 rounded bg-amber-50 p-3 text-sm text-amber-900" data-testid="subscribers">
                <p class="font-medium">{format!("{} with access", subscribers.len())}</p>
                <p>"A new publication or unpublishing affects them:"</p>
                <ul class="mt-1 list-inside list-disc">{subscribers.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
            </div>
        }
    })
}

/// "Publish revision N" and "Unpublish…" with its confirmation, for an asset or a data
/// product (`what`); `keeps` says what an unpublish leaves in place.
#[component]
pub(super) fn PublishButtons(
    revision: String,
    may_publish: bool,
    may_unpublish: bool,
    busy: Signal<bool>,
    confirming: RwSignal<bool>,
    run: Callback<bool>,
    what: &'static str,
    keeps: &'static str,
) -> impl IntoView {
    view! {
        <div class="mt-3 flex flex-wrap gap-2">
            {may_publish.then(|| view! {
                <button type="button" class=BUTTON_PRIMARY disabled=move || busy.get() on:click=move |_| run.run(true)>
                    {format!("Publish revision {revision}")}
                </button>
            })}
            {may_unpublish.then(|| view! {
                <button type="button" class=BUTTON_SECONDARY disabled=move || busy.get() on:click=move |_| confirming.set(true)>
                    "Unpublish…"
                </button>
            })}
        </div>
        <Show when=move || confirming.get()>
            <div class="mt-3 rounded p-3 ring-1 ring-red-200" role="alertdialog" aria-labelledby="unpublish-title">
                <p id="unpublish-title" class="text-sm font-medium">{format!("Take this {what} out of the catalog?")}</p>
                <p class="text-sm text-slate-600">{keeps}</p>
                <div class="mt-2 flex gap-2">
                    <button type="button" class=BUTTON_DANGER disabled=move || busy.get() on:click=move |_| run.run(false)>"Unpublish"</button>
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| confirming.set(false)>"Keep it published"</button>
                </div>
            </div>
        </Show>
    }
}

/// How the catalog will list the revision about to be published, as its search results do.
#[component]
fn EntryPreview(data: ProducerAsset) -> impl IntoView {
    view! {
        <div class="mt-3 rounded p-3 ring-1 ring-slate-200" data-testid="entry-preview" aria-label="Catalog entry preview" role="group">
            <p class="text-xs font-medium uppercase tracking-wide text-slate-500">"In the catalog it will read"</p>
            <p class="mt-1 break-words font-medium text-emerald-700">{data.name}</p>
            <div class="markdown mt-1 text-sm text-slate-600" inner_html=data.description_html></div>
            <p class="mt-1 text-xs text-slate-500">{format!("{} · {}", data.asset_type, data.project_name)}</p>
            <TermChips terms=data.terms.into_iter().map(|t| t.name).collect()/>
        </div>
    }
}

#[component]
fn History(data: ProducerAsset) -> impl IntoView {
    view! {
        <section class=PANEL aria-labelledby="history-title">
            <h2 id="history-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Revisions"</h2>
            <ul class="divide-y divide-slate-100 text-sm" data-testid="revisions">
                {data.revisions.into_iter().map(|r| view! {
                    <li class="px-4 py-2">
                        <span class="font-medium">"Revision "{r.revision}</span>
                        <span class="block text-xs text-slate-500">{r.created_at}" · "{r.created_by}</span>
                    </li>
                }).collect_view()}
            </ul>
            <h3 class="border-y border-slate-200 px-4 py-2 text-sm font-semibold">"Changes made in Meshgate"</h3>
            <ChangeList changes=data.changes/>
        </section>
    }
}

/// Changes made through Meshgate, from the audit trail, newest first.
#[component]
pub(super) fn ChangeList(changes: Vec<AssetChange>) -> impl IntoView {
    if changes.is_empty() {
        return view! { <p class="px-4 py-2 text-sm text-slate-500">"None yet."</p> }.into_any();
    }
    view! {
        <ul class="divide-y divide-slate-100 text-sm" data-testid="changes">
            {changes.into_iter().map(|c| view! {
                <li class="px-4 py-2">
                    <span class="font-medium">{c.actor}</span>" "<span class="text-slate-600">{c.what}</span>
                    <span class="block text-xs text-slate-500">{c.at_text}" · "{c.action}</span>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}
