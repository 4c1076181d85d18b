//! A data product for its producers: the assets it groups, its description, saved as new
//! DataZone revisions, and publishing it (with any of its assets not yet in the catalog).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

use super::data::{AccessTermsPanel, ChangeList, PublicationBadge, PublishButtons, SubscribersNote};
use crate::api::{data_product, PublishDataProduct, SaveDataProduct};
use crate::components::{
    on_result, page_resource, ActionError, FieldError, FormState, Loaded, RequireRole, BUTTON_PRIMARY, INPUT, LABEL,
    LINK, PANEL, PANEL_MT4,
};
use crate::model::{
    ApiError, ProducerProduct, ProductEdit, Publication, Role, PRODUCT_DESCRIPTION_MAX, PRODUCT_NAME_MAX,
};
use crate::pages::url::query_string;

/// `/data/products/:id`, or `/data/products/new?project=…` for a new product of that project.
#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || {
        let id = params.with(|p| p.get("id").unwrap_or_default());
        let id = if id == "new" { String::new() } else { id };
        (id, query.with(|q| q.get("project").unwrap_or_default()))
    };
    let product = page_resource(Role::TeamLead, key, |(id, project)| data_product(id, project));
    // Above the data: a save reloads the product, and the confirmation must outlive that.
    let saved = RwSignal::new(None::<String>);
    view! {
        <Title text="Data product · Meshgate"/>
        <RequireRole>
            <a href="/data" class=format!("text-sm {LINK}")>"← My data"</a>
            <Loaded resource=product class=PANEL_MT4 let:data>
                <ProductEditor data saved on_saved=Callback::new(move |()| product.refetch())/>
            </Loaded>
        </RequireRole>
    }
}

#[component]
fn ProductEditor(data: ProducerProduct, saved: RwSignal<Option<String>>, on_saved: Callback<()>) -> impl IntoView {
    let is_new = data.id.is_empty();
    let title = if is_new { "New data product".to_owned() } else { data.name.clone() };
    let catalog_link = data.listing_id.clone();
    view! {
        <div class="mt-3 flex flex-wrap items-center gap-3">
            <h1 class="break-words text-2xl font-bold tracking-tight" data-testid="product-name">{title}</h1>
            {(!is_new).then(|| view! { <PublicationBadge publication=data.publication/> })}
        </div>
        <p class="mt-1 text-sm text-slate-500">
            "Data product · "{data.project_name.clone()}
            {(!is_new).then(|| format!(" · revision {}", data.revision))}
            {catalog_link.map(|l| view! { " · " <a href=format!("/catalog/{l}") class=LINK>"View in catalog"</a> })}
        </p>
        <div class="mt-6 grid gap-6 lg:grid-cols-3">
            <div class="lg:col-span-2">
                {if data.may_edit {
                    view! { <ProductForm data=data.clone() saved on_saved/> }.into_any()
                } else {
                    view! { <ReadOnlyProduct data=data.clone()/> }.into_any()
                }}
            </div>
            {(!is_new).then(|| view! {
                <div class="space-y-6">
                    <ProductPublishPanel data=data.clone() on_saved/>
                    <AccessTermsPanel terms=data.access_terms.clone() may_edit=data.may_edit on_saved/>
                    <section class=PANEL aria-labelledby="product-changes-title">
                        <h2 id="product-changes-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Changes made in Meshgate"</h2>
                        <ChangeList changes=data.changes/>
                    </section>
                </div>
            })}
        </div>
    }
}

#[component]
fn ReadOnlyProduct(data: ProducerProduct) -> impl IntoView {
    view! {
        <section class=format!("p-4 {PANEL}")>
            <p class="text-sm text-slate-600">
                "Only owners and contributors of "{data.project_name}" can change this data product."
            </p>
            <div class="markdown mt-4 text-sm" inner_html=data.description_html></div>
            <h2 class="mt-4 text-sm font-semibold">"Assets"</h2>
            <ul class="mt-2 space-y-1 text-sm" data-testid="product-assets">
                {data.parts.into_iter().map(|p| view! {
                    <li class="flex items-center gap-2"><a href=format!("/data/{}", p.id) class=LINK>{p.name}</a><PublicationBadge publication=p.publication/></li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn ProductForm(data: ProducerProduct, saved: RwSignal<Option<String>>, on_saved: Callback<()>) -> impl IntoView {
    let save = ServerAction::<SaveDataProduct>::new();
    let name = RwSignal::new(data.name.clone());
    let description = RwSignal::new(data.description.clone());
    let chosen = RwSignal::new(data.parts.iter().map(|p| p.id.clone()).collect::<Vec<_>>());
    let state = FormState::new();
    let is_new = data.id.is_empty();
    let fixed =
        StoredValue::new((data.id.clone(), data.project_id.clone(), data.revision.clone(), data.form_token.clone()));
    let navigate = use_navigate();
    state.follow(save.value(), move |id| {
        if is_new {
            navigate(&format!("/data/products/{id}"), NavigateOptions::default());
        } else {
            saved.set(Some(id));
            on_saved.run(());
        }
    });
    let field_error = move |f: &'static str| state.field(f);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let (id, project_id, base_revision, token) = fixed.get_value();
        let edit = ProductEdit {
            id,
            project_id,
            base_revision,
            name: name.get_untracked(),
            description: description.get_untracked(),
            asset_ids: chosen.get_untracked(),
            token,
        };
        if state.check(edit.problem()) {
            save.dispatch(SaveDataProduct { edit });
        }
    };
    let busy = save.pending();
    let count = move || description.with(|d| d.chars().count());
    let product_id = data.id.clone();
    let no_assets = data.choices.is_empty();
    view! {
        <form class=format!("space-y-5 p-4 {PANEL}") on:submit=on_submit novalidate aria-labelledby="product-form-title">
            <h2 id="product-form-title" class="font-semibold">{if is_new { "What the product holds" } else { "Edit the data product" }}</h2>
            <div>
                <label for="product-name" class=LABEL>"Name"</label>
                <input id="product-name" class=INPUT maxlength=PRODUCT_NAME_MAX.to_string()
                    aria-invalid=move || field_error("name").get().is_some().to_string() aria-describedby="product-name-error"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <FieldError id="product-name-error" message=field_error("name")/>
            </div>
            <div>
                <label for="product-description" class=LABEL>"Description "<span class="font-normal text-slate-500">"(Markdown, optional)"</span></label>
                <textarea id="product-description" rows="6" class=INPUT
                    aria-invalid=move || field_error("description").get().is_some().to_string() aria-describedby="product-description-error"
                    prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                <p class="mt-1 text-xs text-slate-500">{move || format!("{} of {PRODUCT_DESCRIPTION_MAX} characters", count())}</p>
                <FieldError id="product-description-error" message=field_error("description")/>
            </div>
            <fieldset aria-describedby="product-assets-error">
                <legend class=LABEL>"Assets"</legend>
                <p class="text-sm text-slate-600">"Assets of "{data.project_name.clone()}". Those not in the catalog yet are published with the product."</p>
                {no_assets.then(|| view! { <p class="mt-2 text-sm text-slate-600">"This project owns no asset yet: add one on My data first."</p> })}
                <ul class="mt-2 grid max-h-72 gap-2 overflow-y-auto sm:grid-cols-2" data-testid="asset-picker">
                    {data.choices.into_iter().map(|a| {
                        let (id, checked_id) = (a.id.clone(), a.id.clone());
                        let box_id = format!("product-asset-{}", a.id);
                        view! {
                            <li class="flex items-center gap-2 text-sm">
                                <input type="checkbox" id=box_id.clone() value=a.id.clone()
                                    prop:checked=move || chosen.with(|c| c.contains(&checked_id))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| {
                                            c.retain(|x| x != &id);
                                            if on { c.push(id.clone()); }
                                        });
                                    }/>
                                <label for=box_id class="min-w-0 flex-1 break-words">{a.name}</label>
                                <PublicationBadge publication=a.publication/>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <FieldError id="product-assets-error" message=field_error("asset_ids")/>
            </fieldset>
            <ActionError error=state.error.into()/>
            <div class="flex flex-wrap items-center gap-3">
                <button type="submit" class=BUTTON_PRIMARY disabled=move || busy.get() || no_assets>
                    {move || match (busy.get(), is_new) {
                        (true, _) => "Saving…",
                        (false, true) => "Create data product",
                        (false, false) => "Save as new revision",
                    }}
                </button>
                {move || saved.get().filter(|id| *id == product_id).map(|_| view! {
                    <p class="text-sm text-emerald-700" role="status">"Saved."</p>
                })}
            </div>
        </form>
    }
}

#[component]
fn ProductPublishPanel(data: ProducerProduct, on_saved: Callback<()>) -> impl IntoView {
    let change = ServerAction::<PublishDataProduct>::new();
    let error = RwSignal::new(None::<ApiError>);
    let confirming = RwSignal::new(false);
    on_result(change.value(), error, move |()| {
        confirming.set(false);
        on_saved.run(());
    });
    let (id, revision) = (StoredValue::new(data.id.clone()), StoredValue::new(data.revision.clone()));
    let run = move |publish: bool| {
        change.dispatch(PublishDataProduct { id: id.get_value(), revision: revision.get_value(), publish });
    };
    let busy = change.pending();
    let may_publish = data.may_edit && data.publication != Publication::Published;
    let may_unpublish = data.may_edit && matches!(data.publication, Publication::Published | Publication::Changed);
    let along: Vec<String> = data
        .parts
        .iter()
        .filter(|p| matches!(p.publication, Publication::Draft | Publication::Unpublished))
        .map(|p| p.name.clone())
        .collect();
    let subscribers = data.subscribers.clone();
    let shown = match data.publication {
        Publication::Draft => "Not in the catalog yet.",
        Publication::Unpublished => "Taken out of the catalog; existing subscriptions stay.",
        Publication::Changed => "The catalog shows an older revision.",
        Publication::Published => "The catalog shows this revision.",
    };
    view! {
        <section class=format!("p-4 {PANEL}") aria-labelledby="product-publish-title">
            <h2 id="product-publish-title" class="font-semibold">"Catalog"</h2>
            <p class="mt-1 text-sm text-slate-600" data-testid="catalog-state">{shown}</p>
            <SubscribersNote subscribers/>
            {(may_publish && !along.is_empty()).then(|| view! {
                <p class="mt-3 text-sm text-slate-700" data-testid="published-along">
                    "Publishing also lists these assets in the catalog: "{along.join(", ")}"."
                </p>
            })}
            <ActionError error=error.into()/>
            <PublishButtons revision=data.revision.clone() may_publish may_unpublish busy=busy.into() confirming
                run=Callback::new(run) what="data product"
                keeps="Nobody new can request it; its assets stay listed. Existing subscriptions keep their access."/>
            <p class="mt-3 text-xs text-slate-500">
                <a href=format!("/data?{}", query_string(&[("project", &data.project_id)])) class=LINK>"All data of "{data.project_name.clone()}</a>
            </p>
        </section>
    }
}
