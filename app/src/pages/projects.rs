//! "My projects" and the project request form.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::api::{check_project_name, load_my_projects, project_units, SubmitProjectRequest};
use crate::components::{
    page_resource, ActionError, EmptyState, FieldError, Loaded, PrincipalPicker, RequireRole, StatusBadge,
    BUTTON_PRIMARY, BUTTON_SECONDARY, INPUT, LABEL, LINK, PANEL, PANEL_MT6,
};
use crate::model::{
    ApiError, Designation, Environment, ExternalProject, FieldProblem, MemberInput, MyProjects, Principal, ProductRow,
    ProjectRequestForm, Role, UnitChoice,
};
use crate::pages::live::every;

#[component]
pub fn MyProjectsPage() -> impl IntoView {
    let projects = page_resource(Role::TeamLead, || (), |()| load_my_projects());
    view! {
        <Title text="My projects · Meshgate"/>
        <RequireRole>
            <MyProjectsList projects/>
        </RequireRole>
    }
}

#[component]
fn MyProjectsList(projects: Resource<Result<MyProjects, ApiError>>) -> impl IntoView {
    // Keep refreshing while something is being provisioned or retired.
    every(5, move || {
        let settled = projects
            .get_untracked()
            .and_then(Result::ok)
            .is_some_and(|p| !p.products.iter().flat_map(|p| &p.environments).any(|e| e.status.in_flight()));
        if !settled {
            projects.refetch();
        }
    });
    view! {
        <div class="flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-bold tracking-tight">"My projects"</h1>
                <p class="mt-1 text-slate-600">"Your products and their Dev, Staging and Prod projects."</p>
            </div>
            <a href="/projects/new" class=BUTTON_PRIMARY>"Request a project"</a>
        </div>
        <Loaded resource=projects class=PANEL_MT6 let:mine>
            <ProjectsView mine/>
        </Loaded>
    }
}

#[component]
fn ProjectsView(mine: MyProjects) -> impl IntoView {
    let MyProjects { products, other_projects } = mine;
    let nothing = products.is_empty() && other_projects.is_empty();
    view! {
        {nothing.then(|| view! {
            <div class=format!("mt-6 {PANEL}")>
                <EmptyState title="No projects yet">
                    "Request a Dev project to start building a data product; promote it to Staging and Prod when it is ready."
                </EmptyState>
            </div>
        })}
        <ul class="mt-6 space-y-4" data-testid="products">
            {products.into_iter().map(|product| view! { <ProductCard product/> }).collect_view()}
        </ul>
        {(!other_projects.is_empty()).then(|| view! { <OtherProjects projects=other_projects/> })}
    }
}

#[component]
fn ProductCard(product: ProductRow) -> impl IntoView {
    let ProductRow { product, environments } = product;
    let label = product.clone();
    view! {
        <li class=PANEL data-product=label>
            <h2 class="border-b border-slate-200 px-4 py-3 font-semibold">{product}</h2>
            <div class="grid gap-px bg-slate-200 sm:grid-cols-3">
                {Environment::ALL
                    .into_iter()
                    .map(|env| {
                        let requests: Vec<_> = environments.iter().filter(|r| r.environment == env).cloned().collect();
                        view! {
                            <div class="bg-white p-4" data-environment=env.as_str()>
                                <p class="text-xs font-semibold uppercase tracking-wide text-slate-500">{env.label()}</p>
                                {if requests.is_empty() {
                                    view! { <p class="mt-2 text-sm text-slate-400">"Not requested"</p> }.into_any()
                                } else {
                                    requests
                                        .into_iter()
                                        .map(|r| {
                                            view! {
                                                <div class="mt-2 space-y-1">
                                                    <a href=format!("/requests/{}", r.id) class=format!("block text-sm {LINK}")>
                                                        {r.project_name.clone()}
                                                    </a>
                                                    <StatusBadge status=r.status/>
                                                    {r.portal_url.clone().map(|url| view! {
                                                        <a href=url target="_blank" rel="noopener noreferrer" class="block text-xs text-slate-600 underline">
                                                            "Open in SageMaker Unified Studio"
                                                        </a>
                                                    })}
                                                </div>
                                            }
                                        })
                                        .collect_view()
                                        .into_any()
                                }}
                            </div>
                        }
                    })
                    .collect_view()}
            </div>
        </li>
    }
}

#[component]
fn OtherProjects(projects: Vec<ExternalProject>) -> impl IntoView {
    view! {
        <section class=format!("mt-8 {PANEL}") aria-labelledby="other-title">
            <h2 id="other-title" class="border-b border-slate-200 px-4 py-3 font-semibold">
                "Other projects you belong to"
            </h2>
            <ul class="divide-y divide-slate-100">
                {projects
                    .into_iter()
                    .map(|p| view! {
                        <li class="flex flex-col gap-1 px-4 py-3 sm:flex-row sm:items-center sm:justify-between">
                            <div class="min-w-0">
                                <p class="font-medium">{p.name}</p>
                                <p class="truncate text-sm text-slate-600">{p.description}</p>
                            </div>
                            {p.portal_url.map(|url| view! {
                                <a href=url target="_blank" rel="noopener noreferrer" class=format!("text-sm {LINK}")>
                                    "Open in SageMaker Unified Studio"
                                </a>
                            })}
                        </li>
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[component]
pub fn NewProjectPage() -> impl IntoView {
    let units = page_resource(Role::TeamLead, || (), |()| project_units());
    view! {
        <Title text="Request a project · Meshgate"/>
        <RequireRole>
            <h1 class="text-2xl font-bold tracking-tight">"Request a project"</h1>
            <p class="mt-1 text-slate-600">
                "Dev projects are usually approved at once; Staging and Prod go to a platform admin or the domain unit's owners."
            </p>
            <NewProjectForm units/>
        </RequireRole>
    }
}

#[component]
fn NewProjectForm(units: Resource<Result<Vec<UnitChoice>, ApiError>>) -> impl IntoView {
    view! {
        <Loaded resource=units rows=5 class=PANEL_MT6 let:units>
            {if units.is_empty() {
                view! {
                    <div class=PANEL_MT6>
                        <EmptyState title="No domain units yet">
                            "A platform admin has to create a domain unit before projects can be requested."
                        </EmptyState>
                    </div>
                }.into_any()
            } else {
                view! { <RequestForm units/> }.into_any()
            }}
        </Loaded>
    }
}

#[component]
fn RequestForm(units: Vec<UnitChoice>) -> impl IntoView {
    let units = StoredValue::new(units);
    let product = RwSignal::new(String::new());
    let project_name = RwSignal::new(String::new());
    let name_edited = RwSignal::new(false);
    let description = RwSignal::new(String::new());
    let unit_id = RwSignal::new(String::new());
    let environment = RwSignal::new(None::<Environment>);
    let members = RwSignal::new(Vec::<MemberInput>::new());
    let justification = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<FieldProblem>::new());
    let name_note = RwSignal::new(None::<String>);

    let unit = move || units.with_value(|u| u.iter().find(|u| u.id == unit_id.get()).cloned());
    // The project name follows "<product> <Environment>" until the person edits it.
    Effect::new(move |_| {
        if !name_edited.get() {
            let env = environment.get().map(Environment::label).unwrap_or_default();
            project_name.set(format!("{} {env}", product.get().trim()).trim().to_owned());
        }
    });
    let problem = move |field: &'static str| {
        Signal::derive(move || problems.with(|p| p.iter().find(|p| p.field == field).map(|p| p.message.clone())))
    };
    let invalid = move |field: &'static str| move || problem(field).get().is_some().to_string();

    let submit = ServerAction::<SubmitProjectRequest>::new();
    let pending = submit.pending();
    let navigate = use_navigate();
    let server_error = RwSignal::new(None::<ApiError>);
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(id)) => navigate(&format!("/requests/{id}"), NavigateOptions::default()),
        Some(Err(ApiError::Invalid { field, message })) => problems.set(vec![FieldProblem { field, message }]),
        Some(Err(error)) => server_error.set(Some(error)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        server_error.set(None);
        let form = ProjectRequestForm {
            product: product.get_untracked(),
            project_name: project_name.get_untracked(),
            description: description.get_untracked(),
            domain_unit_id: unit_id.get_untracked(),
            environment: environment.get_untracked(),
            members: members.get_untracked(),
            justification: justification.get_untracked(),
        };
        let found = form.problems();
        if found.is_empty() {
            problems.set(Vec::new());
            submit.dispatch(SubmitProjectRequest { form });
        } else {
            problems.set(found);
        }
    };
    let check_name = move |_| {
        let name = project_name.get_untracked();
        if name.trim().is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            name_note.set(check_project_name(name).await.ok().flatten());
        });
    };

    view! {
        <form class=format!("mt-6 space-y-6 p-4 sm:p-6 {PANEL}") on:submit=on_submit novalidate>
            <div class="grid gap-6 sm:grid-cols-2">
                <div>
                    <label for="product" class=LABEL>"Product name"</label>
                    <input id="product" name="product" class=INPUT autocomplete="off" maxlength="48"
                        aria-invalid=invalid("product") aria-describedby="product-error"
                        prop:value=move || product.get() on:input=move |ev| product.set(event_target_value(&ev))/>
                    <FieldError id="product-error" message=problem("product")/>
                </div>
                <div>
                    <label for="project_name" class=LABEL>"Project name"</label>
                    <input id="project_name" name="project_name" class=INPUT autocomplete="off" maxlength="64"
                        aria-invalid=move || (problem("project_name").get().is_some() || name_note.get().is_some()).to_string()
                        aria-describedby="project_name-error project_name-note"
                        prop:value=move || project_name.get()
                        on:input=move |ev| { name_edited.set(true); name_note.set(None); project_name.set(event_target_value(&ev)); }
                        on:blur=check_name/>
                    <FieldError id="project_name-error" message=problem("project_name")/>
                    <FieldError id="project_name-note" message=Signal::derive(move || name_note.get())/>
                    <p class="mt-1 text-xs text-slate-500">"Letters, digits, spaces, hyphens and underscores; unique in the domain."</p>
                </div>
            </div>
            <div>
                <label for="description" class=LABEL>"Description"</label>
                <textarea id="description" name="description" rows="2" class=INPUT maxlength="2048"
                    aria-invalid=invalid("description") aria-describedby="description-error"
                    prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                <FieldError id="description-error" message=problem("description")/>
            </div>
            <div class="grid gap-6 sm:grid-cols-2">
                <div>
                    <label for="domain_unit_id" class=LABEL>"Domain unit"</label>
                    <select id="domain_unit_id" name="domain_unit_id" class=INPUT
                        aria-invalid=invalid("domain_unit_id") aria-describedby="domain_unit_id-error"
                        on:change=move |ev| {
                            unit_id.set(event_target_value(&ev));
                            if let (Some(u), Some(e)) = (unit(), environment.get_untracked()) {
                                if !u.environments.contains(&e) { environment.set(None); }
                            }
                        }>
                        <option value="" selected=move || unit_id.get().is_empty()>"Choose a domain unit…"</option>
                        {units.get_value().into_iter().map(|u| {
                            let indent = "\u{a0}\u{a0}\u{a0}".repeat(u.depth);
                            let id = u.id.clone();
                            view! { <option value=u.id selected=move || unit_id.get() == id>{format!("{indent}{}", u.name)}</option> }
                        }).collect_view()}
                    </select>
                    <FieldError id="domain_unit_id-error" message=problem("domain_unit_id")/>
                    <p class="mt-1 text-xs text-slate-500">{move || unit().map(|u| u.path).unwrap_or_default()}</p>
                </div>
                <fieldset aria-describedby="environment-error">
                    <legend class=LABEL>"Environment"</legend>
                    <div class="mt-1 flex flex-wrap gap-2" role="radiogroup">
                        {Environment::ALL.into_iter().map(|env| {
                            let allowed = move || unit().is_some_and(|u| u.environments.contains(&env));
                            view! {
                                <label class="flex cursor-pointer items-center gap-2 rounded px-3 py-2 text-sm ring-1 ring-slate-300 has-[:checked]:bg-emerald-50 has-[:checked]:ring-emerald-500 has-[:disabled]:cursor-not-allowed has-[:disabled]:opacity-40">
                                    <input type="radio" name="environment" value=env.as_str()
                                        disabled=move || !allowed()
                                        prop:checked=move || environment.get() == Some(env)
                                        on:change=move |_| environment.set(Some(env))/>
                                    {env.label()}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    <FieldError id="environment-error" message=problem("environment")/>
                    <p class="mt-1 text-xs text-slate-500">
                        {move || match (unit(), environment.get()) {
                            (None, _) => "Choose a domain unit to see the environments it allows.".to_owned(),
                            (Some(u), _) if u.environments.is_empty() => "This domain unit allows no project profiles yet.".to_owned(),
                            (Some(u), Some(Environment::Dev)) if u.auto_approve_dev => "Dev requests here are approved automatically.".to_owned(),
                            (Some(_), Some(e)) => format!("{} requests need approval.", e.label()),
                            _ => String::new(),
                        }}
                    </p>
                </fieldset>
            </div>
            <MemberPicker members problem=problem("members")/>
            <div>
                <label for="justification" class=LABEL>
                    "Justification "
                    <span class="font-normal text-slate-500">{move || if environment.get().is_some_and(Environment::needs_approval) { "(required)" } else { "(optional)" }}</span>
                </label>
                <textarea id="justification" name="justification" rows="3" class=INPUT maxlength="1000"
                    aria-invalid=invalid("justification") aria-describedby="justification-error"
                    prop:value=move || justification.get() on:input=move |ev| justification.set(event_target_value(&ev))></textarea>
                <FieldError id="justification-error" message=problem("justification")/>
            </div>
            <ActionError error=server_error.into()/>
            <div class="flex flex-wrap items-center gap-3">
                <button type="submit" class=BUTTON_PRIMARY disabled=move || pending.get()>
                    {move || if pending.get() { "Submitting…" } else { "Submit request" }}
                </button>
                <a href="/projects" class=BUTTON_SECONDARY>"Cancel"</a>
                <Show when=move || !problems.with(Vec::is_empty)>
                    <p role="alert" class="text-sm text-red-700">"Please fix the fields marked above."</p>
                </Show>
            </div>
        </form>
    }
}

/// Adds people and groups with a designation; the requester is always an owner.
#[component]
pub fn MemberPicker(members: RwSignal<Vec<MemberInput>>, problem: Signal<Option<String>>) -> impl IntoView {
    let add = move |principal: Principal, designation: Designation| {
        members.update(|m| {
            if !m.iter().any(|x| x.principal.id == principal.id) {
                m.push(MemberInput { principal, designation });
            }
        });
    };
    view! {
        <fieldset aria-describedby="members-error">
            <legend class=LABEL>"Members"</legend>
            <p class="text-xs text-slate-500">"You are added as an owner. Add the people and groups who work in the project."</p>
            <ul class="mt-2 divide-y divide-slate-100 rounded ring-1 ring-slate-200" data-testid="members">
                <For each=move || members.get() key=|m| m.principal.id.clone() let:member>
                    {
                        let id = member.principal.id.clone();
                        let id_remove = id.clone();
                        view! {
                            <li class="flex flex-wrap items-center gap-2 px-3 py-2 text-sm">
                                <span class="min-w-0 flex-1 truncate">
                                    {member.principal.name.clone()}
                                    <span class="ml-1 text-xs text-slate-500">{member.principal.detail.clone()}</span>
                                </span>
                                <select class="rounded px-2 py-1 text-sm ring-1 ring-slate-300"
                                    aria-label=format!("Designation of {}", member.principal.name)
                                    on:change=move |ev| {
                                        let d = Designation::parse(&event_target_value(&ev)).unwrap_or(Designation::Contributor);
                                        members.update(|m| if let Some(x) = m.iter_mut().find(|x| x.principal.id == id) { x.designation = d; });
                                    }>
                                    <option value="contributor" selected=member.designation == Designation::Contributor>"Contributor"</option>
                                    <option value="owner" selected=member.designation == Designation::Owner>"Owner"</option>
                                </select>
                                <button type="button" class="rounded px-2 py-1 text-sm text-red-700 hover:bg-red-50"
                                    aria-label=format!("Remove {}", member.principal.name)
                                    on:click=move |_| members.update(|m| m.retain(|x| x.principal.id != id_remove))>
                                    "Remove"
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <label for="member-search" class="mt-3 block text-sm text-slate-700">"Add a person or group"</label>
            <PrincipalPicker input_id="member-search" placeholder="Search by name, user name or email (2+ characters)"
                actions=move |p: Principal| {
                    let as_owner = p.clone();
                    view! {
                        <button type="button" class=BUTTON_SECONDARY on:click=move |_| add(p.clone(), Designation::Contributor)>
                            "Add as contributor"
                        </button>
                        <button type="button" class=BUTTON_SECONDARY on:click=move |_| add(as_owner.clone(), Designation::Owner)>
                            "Add as owner"
                        </button>
                    }
                }/>
            <FieldError id="members-error" message=problem/>
        </fieldset>
    }
}
