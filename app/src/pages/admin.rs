//! Platform admin: the domain-unit tree and project profiles, and one unit's settings:
//! name, owners, who may create projects from which profile, and Dev auto-approval.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;

use crate::api::{
    admin_unit, project_profiles, project_units, CreateDomainUnit, GrantProfiles, RevokeProfileGrant,
    SetProfileEnabled, SetUnitApproval, SetUnitOwner, SetUnitSelfDecisions, UpdateDomainUnit,
};
use crate::components::{
    on_result, page_resource, ActionError, EmptyState, Loaded, PrincipalPicker, RequireRole, BUTTON_PRIMARY,
    BUTTON_SECONDARY, INPUT, LABEL, LINK, PANEL, PANEL_MT4,
};
use crate::model::{ApiError, NewProfileGrant, Principal, PrincipalKind, ProfileSummary, Role, UnitChoice, UnitDetail};

#[component]
pub fn AdminPage() -> impl IntoView {
    let units = page_resource(Role::Admin, || (), |()| project_units());
    let profiles = page_resource(Role::Admin, || (), |()| project_profiles());
    view! {
        <Title text="Admin · Meshgate"/>
        <RequireRole role=Role::Admin>
            <h1 class="text-2xl font-bold tracking-tight">"Admin"</h1>
            <p class="mt-1 text-slate-600">
                "Domain units, who may create which projects where, and project profiles. CI/CD pipelines that call the API are bound on "
                <a href="/admin/pipelines" class=LINK>"Pipelines"</a>"; what the portal sends, and to whom, on "
                <a href="/admin/notifications" class=LINK>"Notifications"</a>"."
            </p>
            <div class="mt-6 grid gap-6 lg:grid-cols-2">
                <UnitTree units/>
                <Profiles profiles/>
            </div>
        </RequireRole>
    }
}

#[component]
fn UnitTree(units: Resource<Result<Vec<UnitChoice>, ApiError>>) -> impl IntoView {
    view! {
        <section class=PANEL aria-labelledby="units-title">
            <h2 id="units-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Domain units"</h2>
            <Loaded resource=units let:list>
                {if list.is_empty() {
                    view! {
                        <EmptyState title="No domain units">"The domain has no units below its root yet."</EmptyState>
                    }.into_any()
                } else {
                    let root = list[0].parent_id.clone();
                    let list = Arc::new(list);
                    view! {
                        <div class="p-4" data-testid="unit-tree">
                            <Branch units=list parent=root.clone()/>
                        </div>
                        <NewUnitForm parent=root label="New top-level unit"/>
                    }.into_any()
                }}
            </Loaded>
        </section>
    }
}

/// The units under `parent`, each expandable when it has children of its own.
#[component]
fn Branch(units: Arc<Vec<UnitChoice>>, parent: String) -> AnyView {
    let children: Vec<UnitChoice> = units.iter().filter(|u| u.parent_id == parent).cloned().collect();
    view! {
        <ul class="space-y-1 text-sm">
            {children.into_iter().map(|unit| {
                let has_children = units.iter().any(|u| u.parent_id == unit.id);
                let link = view! { <a href=format!("/admin/units/{}", unit.id) class=LINK>{unit.name.clone()}</a> };
                if has_children {
                    view! {
                        <li>
                            <details open class="group">
                                <summary class="cursor-pointer select-none rounded px-1 py-0.5 hover:bg-slate-50">{link}</summary>
                                <div class="ml-4 mt-1 border-l border-slate-200 pl-3">
                                    <Branch units=units.clone() parent=unit.id.clone()/>
                                </div>
                            </details>
                        </li>
                    }.into_any()
                } else {
                    view! { <li class="px-1 py-0.5 pl-5">{link}</li> }.into_any()
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn NewUnitForm(parent: String, label: &'static str) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let create = ServerAction::<CreateDomainUnit>::new();
    let error = RwSignal::new(None::<ApiError>);
    let navigate = use_navigate();
    on_result(create.value(), error, move |id| navigate(&format!("/admin/units/{id}"), NavigateOptions::default()));
    let parent = StoredValue::new(parent);
    view! {
        <form class="space-y-3 border-t border-slate-200 p-4" on:submit=move |ev| {
            ev.prevent_default();
            create.dispatch(CreateDomainUnit { parent_id: parent.get_value(), name: name.get_untracked(), description: description.get_untracked() });
        }>
            <h3 class="text-sm font-semibold">{label}</h3>
            <div>
                <label for="unit-name" class=LABEL>"Name"</label>
                <input id="unit-name" class=INPUT maxlength="128" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </div>
            <div>
                <label for="unit-description" class=LABEL>"Description"</label>
                <input id="unit-description" class=INPUT maxlength="2048" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/>
            </div>
            <ActionError error=error.into()/>
            <button type="submit" class=BUTTON_PRIMARY disabled=move || create.pending().get()>
                {move || if create.pending().get() { "Creating…" } else { "Create unit" }}
            </button>
        </form>
    }
}

#[component]
fn Profiles(profiles: Resource<Result<Vec<ProfileSummary>, ApiError>>) -> impl IntoView {
    let toggle = ServerAction::<SetProfileEnabled>::new();
    let error = RwSignal::new(None::<ApiError>);
    on_result(toggle.value(), error, move |()| profiles.refetch());
    view! {
        <section class=PANEL aria-labelledby="profiles-title">
            <h2 id="profiles-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Project profiles"</h2>
            <ActionError error=error.into()/>
            <Loaded resource=profiles let:list>
                {if list.is_empty() {
                    view! {
                        <EmptyState title="No project profiles">"Create project profiles in SageMaker Unified Studio first."</EmptyState>
                    }.into_any()
                } else {
                    view! {
                        <ul class="divide-y divide-slate-100" data-testid="profiles">
                            {list.into_iter().map(|p| view! { <ProfileRow profile=p toggle/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </Loaded>
        </section>
    }
}

#[component]
fn ProfileRow(profile: ProfileSummary, toggle: ServerAction<SetProfileEnabled>) -> impl IntoView {
    let ProfileSummary { id, name, description, enabled, environments } = profile;
    let marker = name.clone();
    let envs = environments.iter().map(|e| e.label()).collect::<Vec<_>>().join(", ");
    let question = format!("Disable {name}? No new projects can be created from it.");
    view! {
        <li class="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-start sm:justify-between" data-profile=marker>
            <div class="min-w-0 text-sm">
                <p class="font-medium">{name}</p>
                <p class="text-slate-600">{description}</p>
                <p class="mt-1 text-xs text-slate-500">
                    {if envs.is_empty() { "Not used by the request form".to_owned() } else { format!("Request form: {envs}") }}
                </p>
            </div>
            <div class="flex shrink-0 items-center gap-2">
                <span class=if enabled { "rounded-full bg-emerald-50 px-2 py-0.5 text-xs text-emerald-800 ring-1 ring-emerald-200" } else { "rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-700 ring-1 ring-slate-200" }>
                    {if enabled { "Enabled" } else { "Disabled" }}
                </span>
                <button type="button" class=BUTTON_SECONDARY disabled=move || toggle.pending().get()
                    on:click=move |_| {
                        let sure = if enabled { window().confirm_with_message(&question).unwrap_or(false) } else { true };
                        if sure { toggle.dispatch(SetProfileEnabled { id: id.clone(), enabled: !enabled }); }
                    }>
                    {if enabled { "Disable" } else { "Enable" }}
                </button>
            </div>
        </li>
    }
}

#[component]
pub fn UnitPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let unit = page_resource(Role::Admin, id, admin_unit);
    let channels = super::notifications::unit_channels_resource(id);
    let refetch = Callback::new(move |()| unit.refetch());
    view! {
        <Title text="Domain unit · Meshgate"/>
        <RequireRole role=Role::Admin>
            <a href="/admin" class=format!("text-sm {LINK}")>"← Admin"</a>
            <Loaded resource=unit rows=6 class=PANEL_MT4 let:detail>
                <UnitView detail refetch channels/>
            </Loaded>
        </RequireRole>
    }
}

#[component]
fn UnitView(
    detail: UnitDetail,
    refetch: Callback<()>,
    channels: Resource<Result<crate::model::UnitChannelsView, crate::model::ApiError>>,
) -> impl IntoView {
    let UnitDetail {
        id,
        name,
        path,
        description,
        owners,
        children,
        grants,
        profiles,
        auto_approve_dev,
        allow_self_decisions,
        live_projects,
        ..
    } = detail;
    view! {
        <h1 class="mt-3 text-2xl font-bold tracking-tight" data-testid="unit-name">{name.clone()}</h1>
        <p class="mt-1 text-sm text-slate-600">{path}" · "{format!("{live_projects} project(s) requested through Meshgate")}</p>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <div class="space-y-6">
                <EditUnit id=id.clone() name description refetch/>
                <Approval id=id.clone() auto_approve_dev allow_self_decisions refetch/>
                <Owners id=id.clone() owners refetch/>
                <super::notifications::UnitChannels current=channels/>
            </div>
            <div class="space-y-6">
                <Grants id=id.clone() grants profiles refetch/>
                <section class=PANEL aria-labelledby="children-title">
                    <h2 id="children-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Child units"</h2>
                    {if children.is_empty() {
                        view! { <p class="px-4 py-3 text-sm text-slate-500">"None yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="divide-y divide-slate-100 text-sm">
                                {children.into_iter().map(|(cid, cname)| view! {
                                    <li class="px-4 py-2"><a href=format!("/admin/units/{cid}") class=LINK>{cname}</a></li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <NewUnitForm parent=id label="Create a child unit"/>
                </section>
            </div>
        </div>
    }
}

#[component]
fn EditUnit(id: String, name: String, description: String, refetch: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(name);
    let description = RwSignal::new(description);
    let update = ServerAction::<UpdateDomainUnit>::new();
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    on_result(update.value(), error, move |()| {
        saved.set(true);
        refetch.run(());
    });
    let id = StoredValue::new(id);
    view! {
        <form class=format!("space-y-3 p-4 {PANEL}") on:submit=move |ev| {
            ev.prevent_default();
            saved.set(false);
            update.dispatch(UpdateDomainUnit { id: id.get_value(), name: name.get_untracked(), description: description.get_untracked() });
        }>
            <h2 class="font-semibold">"Name and description"</h2>
            <div>
                <label for="edit-name" class=LABEL>"Name"</label>
                <input id="edit-name" class=INPUT maxlength="128" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </div>
            <div>
                <label for="edit-description" class=LABEL>"Description"</label>
                <textarea id="edit-description" rows="2" class=INPUT maxlength="2048" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            </div>
            <ActionError error=error.into()/>
            <div class="flex items-center gap-3">
                <button type="submit" class=BUTTON_PRIMARY disabled=move || update.pending().get()>"Save"</button>
                <Show when=move || saved.get()><span role="status" class="text-sm text-emerald-700">"Saved."</span></Show>
            </div>
        </form>
    }
}

#[component]
fn Approval(id: String, auto_approve_dev: bool, allow_self_decisions: bool, refetch: Callback<()>) -> impl IntoView {
    let set = ServerAction::<SetUnitApproval>::new();
    let self_decisions = ServerAction::<SetUnitSelfDecisions>::new();
    let error = RwSignal::new(None::<ApiError>);
    on_result(set.value(), error, move |()| refetch.run(()));
    on_result(self_decisions.value(), error, move |()| refetch.run(()));
    let unit = id.clone();
    view! {
        <section class=format!("p-4 {PANEL}") aria-labelledby="approval-title">
            <h2 id="approval-title" class="font-semibold">"Approvals"</h2>
            <label class="mt-3 flex items-start gap-2 text-sm">
                <input type="checkbox" class="mt-1" prop:checked=auto_approve_dev disabled=move || set.pending().get()
                    on:change=move |ev| { set.dispatch(SetUnitApproval { unit_id: id.clone(), auto_approve_dev: event_target_checked(&ev) }); }/>
                <span>
                    "Approve Dev project requests automatically"
                    <span class="block text-xs text-slate-500">
                        "Staging and Prod requests always need a platform admin or an owner of this unit."
                    </span>
                </span>
            </label>
            <label class="mt-3 flex items-start gap-2 text-sm">
                <input type="checkbox" class="mt-1" prop:checked=allow_self_decisions disabled=move || self_decisions.pending().get()
                    on:change=move |ev| { self_decisions.dispatch(SetUnitSelfDecisions { unit_id: unit.clone(), allow: event_target_checked(&ev) }); }/>
                <span>
                    "Let people decide requests they made, or for projects they belong to"
                    <span class="block text-xs text-slate-500">
                        "Access to this unit's assets and project requests in it. Off by default (separation of duties); each such decision says so in the audit trail."
                    </span>
                </span>
            </label>
            <ActionError error=error.into()/>
        </section>
    }
}

/// A search box listing people and groups, each with one button.
#[component]
fn PrincipalSearch(
    input_id: &'static str,
    label: &'static str,
    button: &'static str,
    pick: Callback<Principal>,
) -> impl IntoView {
    view! {
        <label for=input_id class=LABEL>{label}</label>
        <PrincipalPicker input_id actions=move |p: Principal| view! {
            <button type="button" class=BUTTON_SECONDARY on:click=move |_| pick.run(p.clone())>{button}</button>
        }/>
    }
}

#[component]
fn Owners(id: String, owners: Vec<Principal>, refetch: Callback<()>) -> impl IntoView {
    let set = ServerAction::<SetUnitOwner>::new();
    let error = RwSignal::new(None::<ApiError>);
    on_result(set.value(), error, move |()| refetch.run(()));
    let id = StoredValue::new(id);
    let add = Callback::new(move |owner: Principal| {
        set.dispatch(SetUnitOwner { unit_id: id.get_value(), owner, add: true });
    });
    view! {
        <section class=PANEL aria-labelledby="owners-title">
            <h2 id="owners-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Owners"</h2>
            <ul class="divide-y divide-slate-100 text-sm" data-testid="owners">
                {owners.into_iter().map(|o| {
                    let owner = o.clone();
                    view! {
                        <li class="flex items-center justify-between gap-2 px-4 py-2">
                            <span>{if o.kind == PrincipalKind::Group { "Group: " } else { "" }}{o.name}</span>
                            <button type="button" class="rounded px-2 py-1 text-xs text-red-700 hover:bg-red-50"
                                on:click=move |_| { set.dispatch(SetUnitOwner { unit_id: id.get_value(), owner: owner.clone(), add: false }); }>
                                "Remove"
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <div class="border-t border-slate-200 p-4">
                <PrincipalSearch input_id="owner-search" label="Add an owner" button="Add as owner" pick=add/>
                <ActionError error=error.into()/>
            </div>
        </section>
    }
}

#[component]
fn Grants(
    id: String,
    grants: Vec<crate::model::ProfileGrantView>,
    profiles: Vec<ProfileSummary>,
    refetch: Callback<()>,
) -> impl IntoView {
    let grant = ServerAction::<GrantProfiles>::new();
    let revoke = ServerAction::<RevokeProfileGrant>::new();
    let error = RwSignal::new(None::<ApiError>);
    on_result(grant.value(), error, move |()| refetch.run(()));
    on_result(revoke.value(), error, move |()| refetch.run(()));
    let unit = StoredValue::new(id);
    let grantee = RwSignal::new(("*".to_owned(), "All users".to_owned()));
    let chosen = RwSignal::new(Vec::<String>::new());
    let include_children = RwSignal::new(true);
    let pick = Callback::new(move |p: Principal| {
        let kind = if p.kind == PrincipalKind::Group { "group" } else { "user" };
        grantee.set((format!("{kind}:{}", p.id), p.name));
    });
    view! {
        <section class=PANEL aria-labelledby="grants-title">
            <h2 id="grants-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Who may create projects here"</h2>
            {if grants.is_empty() {
                view! { <p class="px-4 py-3 text-sm text-slate-500">"Nobody: no project profile is granted here or inherited."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100 text-sm" data-testid="grants">
                        {grants.into_iter().map(|g| {
                            let principal = g.principal.clone();
                            view! {
                                <li class="flex items-start justify-between gap-2 px-4 py-2">
                                    <div>
                                        <p><span class="font-medium">{g.principal_name}</span>": "{g.profile_names.join(", ")}</p>
                                        <p class="text-xs text-slate-500">
                                            {if g.inherited { format!("Inherited from {}", g.unit_name) } else if g.include_children { "Here and in child units".to_owned() } else { "Here only".to_owned() }}
                                        </p>
                                    </div>
                                    {(!g.inherited).then(|| view! {
                                        <button type="button" class="rounded px-2 py-1 text-xs text-red-700 hover:bg-red-50"
                                            on:click=move |_| {
                                                if window().confirm_with_message("Remove this grant?").unwrap_or(false) {
                                                    revoke.dispatch(RevokeProfileGrant { unit_id: unit.get_value(), principal: principal.clone() });
                                                }
                                            }>
                                            "Remove"
                                        </button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <form class="space-y-3 border-t border-slate-200 p-4" on:submit=move |ev| {
                ev.prevent_default();
                grant.dispatch(GrantProfiles { grant: NewProfileGrant {
                    unit_id: unit.get_value(),
                    principal: grantee.get_untracked().0,
                    profile_ids: chosen.get_untracked(),
                    include_children: include_children.get_untracked(),
                }});
            }>
                <h3 class="text-sm font-semibold">"Grant project profiles"</h3>
                <p class="text-sm">"To: "<span class="font-medium" data-testid="grantee">{move || grantee.get().1}</span>
                    <button type="button" class="ml-2 text-xs underline" on:click=move |_| grantee.set(("*".to_owned(), "All users".to_owned()))>"All users"</button>
                </p>
                <PrincipalSearch input_id="grantee-search" label="Or a person or group" button="Choose" pick/>
                <fieldset>
                    <legend class=LABEL>"Profiles"</legend>
                    {profiles.into_iter().map(|p| {
                        let pid = p.id.clone();
                        view! {
                            <label class="mt-1 flex items-center gap-2 text-sm">
                                <input type="checkbox" on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| { c.retain(|x| x != &pid); if on { c.push(pid.clone()); } });
                                }/>
                                {p.name}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" prop:checked=move || include_children.get() on:change=move |ev| include_children.set(event_target_checked(&ev))/>
                    "Also in child units"
                </label>
                <ActionError error=error.into()/>
                <button type="submit" class=BUTTON_PRIMARY disabled=move || grant.pending().get()>"Grant"</button>
            </form>
        </section>
    }
}
