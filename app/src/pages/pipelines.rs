//! Admin → Pipelines: the GitLab CI and GitHub Actions pipelines that may call `/api/v1`
//! with their jobs' OIDC ID tokens, so no Meshgate secret is stored in CI. Each binding maps
//! an issuer, a repository and a ref pattern to a product and the person it acts for.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{pipeline_bindings, BindPipeline, UnbindPipeline};
use crate::components::{
    on_result, page_resource, ActionError, EmptyState, FieldError, FormState, Loaded, RequireRole, BUTTON_PRIMARY,
    BUTTON_SECONDARY, INPUT, LABEL, LINK, PANEL,
};
use crate::model::{
    PipelineBinding, PipelineBindingForm, PipelinesPage, Role, TokenScope, PIPELINE_TEXT_MAX, TOKEN_NAME_MAX,
};

#[component]
pub fn PipelinesAdminPage() -> impl IntoView {
    let page = page_resource(Role::Admin, || (), |()| pipeline_bindings());
    view! {
        <Title text="Pipelines · Meshgate"/>
        <RequireRole role=Role::Admin>
            <a href="/admin" class=format!("text-sm {LINK}")>"← Admin"</a>
            <h1 class="mt-2 text-2xl font-bold tracking-tight">"Pipelines"</h1>
            <p class="mt-1 max-w-3xl text-slate-600">
                "GitLab CI and GitHub Actions jobs call Meshgate with the ID token their platform gives them, so no Meshgate secret is kept in CI. "
                "A pipeline acts for the person you name, with that person's roles when it calls and only the scopes you give it, and changes only what belongs to its product: its projects, their members and assets, and the access they ask for."
            </p>
            <Loaded resource=page let:data>
                <Pipelines data on_change=Callback::new(move |()| page.refetch())/>
            </Loaded>
        </RequireRole>
    }
}

#[component]
fn Pipelines(data: PipelinesPage, on_change: Callback<()>) -> impl IntoView {
    let audience = data.audience.clone();
    view! {
        <div class="mt-6 grid gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
            <BindForm on_change/>
            <div class="min-w-0 space-y-6">
                <BindingList bindings=data.bindings on_change/>
                <section class=format!("p-4 text-sm {PANEL}") aria-labelledby="wire-title">
                    <h2 id="wire-title" class="font-semibold">"In the pipeline"</h2>
                    <p class="mt-1 text-slate-600">"Ask for an ID token whose audience is this portal and send it as the bearer token:"</p>
                    <p class="mt-3 font-medium">"GitLab CI"</p>
                    <pre class="mt-1 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100">{format!(
                        "deploy:\n  id_tokens:\n    MESHGATE_TOKEN:\n      aud: {audience}\n  script:\n    - meshgate-cli --url {audience} whoami"
                    )}</pre>
                    <p class="mt-3 font-medium">"GitHub Actions"</p>
                    <pre class="mt-1 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100">{format!(
                        "permissions:\n  id-token: write\nenv:\n  MESHGATE_URL: {audience}\nsteps:\n  # meshgate-cli asks the job for its ID token itself\n  - run: meshgate-cli whoami"
                    )}</pre>
                </section>
            </div>
        </div>
    }
}

#[component]
fn BindForm(on_change: Callback<()>) -> impl IntoView {
    let bind = ServerAction::<BindPipeline>::new();
    let state = FormState::new();
    let form = RwSignal::new(PipelineBindingForm {
        ref_pattern: "refs/heads/main".into(),
        scopes: vec![TokenScope::Read, TokenScope::Projects],
        ..PipelineBindingForm::default()
    });
    state.follow(bind.value(), move |_: PipelineBinding| {
        form.update(|f| {
            f.name.clear();
            f.repository.clear();
        });
        on_change.run(());
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = form.get_untracked();
        if state.check(form.problem()) {
            bind.dispatch(BindPipeline { form });
        }
    };
    let field = move |id: &'static str,
                      label: &'static str,
                      hint: &'static str,
                      placeholder: &'static str,
                      get: fn(&PipelineBindingForm) -> String,
                      set: fn(&mut PipelineBindingForm, String)| {
        let error_id = format!("pipeline-{id}-error");
        let max = if id == "name" { TOKEN_NAME_MAX } else { PIPELINE_TEXT_MAX };
        view! {
            <div>
                <label for=format!("pipeline-{id}") class=LABEL>{label}</label>
                <input id=format!("pipeline-{id}") class=INPUT placeholder=placeholder maxlength=max.to_string()
                    aria-invalid=move || state.field(id).get().is_some().to_string() aria-describedby=error_id.clone()
                    prop:value=move || form.with(get) on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))/>
                {(!hint.is_empty()).then(|| view! { <p class="mt-1 text-xs text-slate-500">{hint}</p> })}
                <FieldError id=error_id message=state.field(id)/>
            </div>
        }
    };
    let toggle = move |scope: TokenScope, on: bool| {
        form.update(|f| {
            f.scopes.retain(|x| *x != scope);
            if on {
                f.scopes.push(scope);
                f.scopes.sort();
            }
        });
    };
    view! {
        <form class=format!("space-y-4 self-start p-4 {PANEL}") on:submit=on_submit novalidate aria-labelledby="bind-title">
            <h2 id="bind-title" class="font-semibold">"Bind a pipeline"</h2>
            {field("name", "Name", "", "sales-orders deploy", |f| f.name.clone(), |f, v| f.name = v)}
            {field("issuer", "Issuer", "Your GitLab's address, or https://token.actions.githubusercontent.com for GitHub (GitHub Enterprise Server: https://HOST/_services/token).",
                "https://gitlab.example.com", |f| f.issuer.clone(), |f, v| f.issuer = v)}
            {field("repository", "Project path or repository", "GitLab's project_path or GitHub's owner/repository.",
                "data/sales-orders", |f| f.repository.clone(), |f, v| f.repository = v)}
            {field("ref_pattern", "Git ref", "A full ref; a * may end it: refs/heads/main, refs/tags/v*.",
                "refs/heads/main", |f| f.ref_pattern.clone(), |f, v| f.ref_pattern = v)}
            {field("product", "Product", "The product whose projects it may request and change.",
                "Sales Orders", |f| f.product.clone(), |f, v| f.product = v)}
            {field("acts_for", "Acts for (username)", "Usually the product's team lead: the pipeline has that person's roles when it calls.",
                "frank", |f| f.acts_for.clone(), |f, v| f.acts_for = v)}
            <fieldset aria-describedby="pipeline-scopes-error">
                <legend class=LABEL>"Scopes"</legend>
                <ul class="mt-2 space-y-2">
                    {TokenScope::ALL
                        .into_iter()
                        .map(|scope| {
                            let id = format!("pipeline-scope-{}", scope.name());
                            view! {
                                <li class="flex items-start gap-2">
                                    <input type="checkbox" id=id.clone() class="mt-1"
                                        prop:checked=move || form.with(|f| f.scopes.contains(&scope))
                                        on:change=move |ev| toggle(scope, event_target_checked(&ev))/>
                                    <label for=id class="text-sm">
                                        <span class="font-mono font-medium">{scope.name()}</span>" — "{scope.description()}
                                    </label>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <FieldError id="pipeline-scopes-error" message=state.field("scopes")/>
            </fieldset>
            <ActionError error=state.error.into()/>
            <button type="submit" class=BUTTON_PRIMARY disabled=move || bind.pending().get()>
                {move || if bind.pending().get() { "Checking the issuer…" } else { "Bind pipeline" }}
            </button>
        </form>
    }
}

#[component]
fn BindingList(bindings: Vec<PipelineBinding>, on_change: Callback<()>) -> impl IntoView {
    if bindings.is_empty() {
        return view! {
            <div class=PANEL>
                <EmptyState title="No pipelines yet">"Pipelines you bind appear here, with when they last called."</EmptyState>
            </div>
        }
        .into_any();
    }
    view! {
        <section class=PANEL aria-labelledby="bindings-title">
            <h2 id="bindings-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Bound pipelines"</h2>
            <ul class="divide-y divide-slate-100" data-testid="pipeline-list">
                {bindings.into_iter().map(|binding| view! { <BindingRow binding on_change/> }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn BindingRow(binding: PipelineBinding, on_change: Callback<()>) -> impl IntoView {
    let unbind = ServerAction::<UnbindPipeline>::new();
    let error = RwSignal::new(None);
    on_result(unbind.value(), error, move |()| on_change.run(()));
    let scopes = binding.scopes.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ");
    let used = binding
        .last_used_at
        .as_deref()
        .map_or_else(|| "Never used".to_owned(), |at| format!("Last used {}", at.get(..10).unwrap_or(at)));
    let id = StoredValue::new(binding.id.clone());
    let name = binding.name.clone();
    view! {
        <li class="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:justify-between">
            <div class="min-w-0">
                <p class="font-medium break-words">{binding.name.clone()}</p>
                <p class="text-xs text-slate-700 break-all">
                    <span class="font-mono">{format!("{} @ {}", binding.repository, binding.ref_pattern)}</span>
                </p>
                <p class="text-xs text-slate-600 break-all">{binding.issuer.clone()}</p>
                <p class="text-xs text-slate-500">
                    {format!("{} · acts for {} · {scopes} · {used}", binding.product, binding.acts_for)}
                </p>
                <ActionError error=error.into()/>
            </div>
            <button type="button" class=BUTTON_SECONDARY aria-label=format!("Unbind {name}") disabled=move || unbind.pending().get()
                on:click=move |_| { unbind.dispatch(UnbindPipeline { id: id.get_value() }); }>
                {move || if unbind.pending().get() { "Unbinding…" } else { "Unbind" }}
            </button>
        </li>
    }
}
