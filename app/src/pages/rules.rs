//! Auto-approval rules: tried in order on every new request, the first that matches
//! decides (accept, reject, or leave it to a steward). Stewards edit the rules of the units
//! they govern, platform admins all of them; a dry-run shows what a rule would do to the
//! pending queue before it is saved.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{approval_rules, DeleteApprovalRule, DryRunRule, MoveApprovalRule, SaveApprovalRule};
use crate::components::{
    on_result, page_resource, ActionError, EmptyState, Loaded, PrincipalPicker, RequireRole, BUTTON_DANGER,
    BUTTON_PRIMARY, BUTTON_SECONDARY, INPUT, LABEL, PANEL, PANEL_MT6,
};
use crate::model::{
    ApiError, DryRun, Principal, Role, RuleAction, RuleConditions, RuleForm, RuleView, RulesPage, ScopeChoice,
};

#[component]
pub fn RulesPage() -> impl IntoView {
    let page = page_resource(Role::Steward, || (), |()| approval_rules());
    view! {
        <Title text="Auto-approval rules · Meshgate"/>
        <RequireRole role=Role::Steward>
            <Rules page/>
        </RequireRole>
    }
}

fn blank(scope: String) -> RuleForm {
    RuleForm {
        id: String::new(),
        name: String::new(),
        scope_unit: scope,
        conditions: RuleConditions::default(),
        action: RuleAction::Accept,
        comment: String::new(),
        enabled: true,
    }
}

#[component]
fn Rules(page: Resource<Result<RulesPage, ApiError>>) -> impl IntoView {
    let refetch = Callback::new(move |()| page.refetch());
    let editing = RwSignal::new(None::<RuleForm>);
    view! {
        <div class="flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-bold tracking-tight">"Auto-approval rules"</h1>
                <p class="mt-1 max-w-3xl text-slate-600">
                    "Every new request is tried against the rules in order; the first that matches decides it and the decision records why. "
                    "A request no rule matches waits in the inbox. A rule without conditions matches everything: put it last to set a default."
                </p>
            </div>
            <a href="/inbox" class=BUTTON_SECONDARY>"← Inbox"</a>
        </div>
        <Loaded resource=page rows=4 class=PANEL_MT6 let:rules>
            <RulesView page=rules editing refetch/>
        </Loaded>
    }
}

#[component]
fn RulesView(page: RulesPage, editing: RwSignal<Option<RuleForm>>, refetch: Callback<()>) -> impl IntoView {
    let RulesPage { rules, scopes, units, whole_domain } = page;
    let first_scope =
        if whole_domain { String::new() } else { scopes.first().map(|s| s.id.clone()).unwrap_or_default() };
    let can_add = whole_domain || !scopes.is_empty();
    let move_rule = ServerAction::<MoveApprovalRule>::new();
    let delete = ServerAction::<DeleteApprovalRule>::new();
    let error = RwSignal::new(None::<ApiError>);
    on_result(move_rule.value(), error, move |()| refetch.run(()));
    on_result(delete.value(), error, move |()| refetch.run(()));
    let scopes = StoredValue::new(scopes);
    let units = StoredValue::new(units);
    view! {
        <section class=format!("mt-6 {PANEL}")>
            {if rules.is_empty() {
                view! {
                    <EmptyState title="No rules yet">"Every request waits for a steward until you add one."</EmptyState>
                }.into_any()
            } else {
                view! {
                    <ol class="divide-y divide-slate-100" data-testid="rules">
                        {rules.into_iter().enumerate().map(|(n, rule)| {
                            let RuleView { form, scope_name: scope, summary, updated_by, updated_at, editable, .. } = rule;
                            let id = form.id.clone();
                            let (up, down, del) = (id.clone(), id.clone(), id);
                            let edit_form = form.clone();
                            view! {
                                <li class="flex flex-wrap items-start gap-3 px-4 py-3 text-sm" data-rule=form.name.clone()>
                                    <span class="w-6 shrink-0 tabular-nums text-slate-400">{n + 1}"."</span>
                                    <div class="min-w-0 flex-1">
                                        <p class="font-medium">
                                            {form.name.clone()}
                                            {(!form.enabled).then(|| view! { <span class="ml-2 rounded bg-slate-100 px-1.5 text-xs text-slate-600">"off"</span> })}
                                        </p>
                                        <p class="text-slate-600">{format!("{}: {} when {summary}", scope, form.action.label())}</p>
                                        <p class="text-xs text-slate-500">{format!("Changed by {updated_by} · {updated_at}")}</p>
                                    </div>
                                    {editable.then(|| view! {
                                        <div class="flex flex-wrap gap-1">
                                            <button type="button" class=BUTTON_SECONDARY aria-label="Move up" on:click=move |_| { move_rule.dispatch(MoveApprovalRule { id: up.clone(), up: true }); }>"↑"</button>
                                            <button type="button" class=BUTTON_SECONDARY aria-label="Move down" on:click=move |_| { move_rule.dispatch(MoveApprovalRule { id: down.clone(), up: false }); }>"↓"</button>
                                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| editing.set(Some(edit_form.clone()))>"Edit"</button>
                                            <button type="button" class=BUTTON_DANGER on:click=move |_| {
                                                if window().confirm_with_message("Delete this rule?").unwrap_or(false) {
                                                    delete.dispatch(DeleteApprovalRule { id: del.clone() });
                                                }
                                            }>"Delete"</button>
                                        </div>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <div class="border-t border-slate-200 p-4">
                <ActionError error=error.into()/>
                {can_add.then(|| view! {
                    <button type="button" class=BUTTON_PRIMARY on:click=move |_| editing.set(Some(blank(first_scope.clone())))>"New rule"</button>
                })}
            </div>
        </section>
        {move || editing.get().map(|form| view! {
            <RuleEditor form scopes=scopes.get_value() units=units.get_value() whole_domain editing refetch/>
        })}
    }
}

fn list(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[component]
fn RuleEditor(
    form: RuleForm,
    scopes: Vec<ScopeChoice>,
    /// Every domain unit, for the subscriber-unit condition.
    units: Vec<ScopeChoice>,
    whole_domain: bool,
    editing: RwSignal<Option<RuleForm>>,
    refetch: Callback<()>,
) -> impl IntoView {
    let id = form.id.clone();
    let name = RwSignal::new(form.name.clone());
    let scope = RwSignal::new(form.scope_unit.clone());
    let chosen = RwSignal::new(form.conditions.subscriber_units.clone());
    // A unit the rule names that DataZone no longer has stays listed, ticked, so saving
    // never widens the rule unnoticed; the server refuses it until it is unticked.
    let mut units = units;
    for gone in &form.conditions.subscriber_units {
        if !units.iter().any(|u| &u.id == gone) {
            units.push(ScopeChoice { id: gone.clone(), name: format!("{gone} (not a unit in DataZone)") });
        }
    }
    let groups = RwSignal::new(form.conditions.requester_groups.clone());
    let assets = RwSignal::new(form.conditions.assets.join(", "));
    let terms = RwSignal::new(form.conditions.terms.join(", "));
    let max_days = RwSignal::new(form.conditions.max_days.map(|d| d.to_string()).unwrap_or_default());
    let action = RwSignal::new(form.action);
    let comment = RwSignal::new(form.comment.clone());
    let enabled = RwSignal::new(form.enabled);
    let error = RwSignal::new(None::<ApiError>);
    let save = ServerAction::<SaveApprovalRule>::new();
    let dry = ServerAction::<DryRunRule>::new();
    let id = StoredValue::new(id);
    let current = move || -> Result<RuleForm, ApiError> {
        let days = max_days.get_untracked();
        let max_days = if days.trim().is_empty() {
            None
        } else {
            Some(days.trim().parse::<u32>().map_err(|_| ApiError::Invalid {
                field: "max_days".into(),
                message: "The longest period is a whole number of days.".into(),
            })?)
        };
        let form = RuleForm {
            id: id.get_value(),
            name: name.get_untracked(),
            scope_unit: scope.get_untracked(),
            conditions: RuleConditions {
                subscriber_units: chosen.get_untracked(),
                requester_groups: groups.get_untracked(),
                assets: list(&assets.get_untracked()),
                terms: list(&terms.get_untracked()),
                max_days,
            },
            action: action.get_untracked(),
            comment: comment.get_untracked(),
            enabled: enabled.get_untracked(),
        };
        if let Some((field, message)) = form.problem() {
            return Err(ApiError::Invalid { field: field.into(), message });
        }
        Ok(form)
    };
    on_result(save.value(), error, move |_| {
        editing.set(None);
        refetch.run(());
    });
    on_result(dry.value(), error, |_| {});
    let busy = Signal::derive(move || save.pending().get() || dry.pending().get());
    view! {
        <section class=format!("mt-6 {PANEL}") aria-labelledby="editor-title">
            <h2 id="editor-title" class="border-b border-slate-200 px-4 py-3 font-semibold">
                {move || if id.with_value(String::is_empty) { "New rule" } else { "Edit rule" }}
            </h2>
            <form class="grid gap-4 p-4 md:grid-cols-2" on:submit=move |ev| {
                ev.prevent_default();
                match current() {
                    Ok(form) => { error.set(None); save.dispatch(SaveApprovalRule { form }); }
                    Err(e) => error.set(Some(e)),
                }
            }>
                <div>
                    <label for="rule-name" class=LABEL>"Name"</label>
                    <input id="rule-name" type="text" class=INPUT maxlength="100" required prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))/>
                </div>
                <div>
                    <label for="rule-scope" class=LABEL>"Applies to assets of"</label>
                    <select id="rule-scope" class=INPUT prop:value=move || scope.get() on:change=move |ev| scope.set(event_target_value(&ev))>
                        {whole_domain.then(|| view! { <option value="">"The whole domain"</option> })}
                        {scopes.into_iter().map(|s| view! { <option value=s.id>{s.name}</option> }).collect_view()}
                    </select>
                </div>
                <fieldset>
                    <legend class=LABEL>"Subscriber's domain unit is one of"</legend>
                    <p class="text-xs text-slate-500">"None ticked: any unit. A unit counts for the units below it."</p>
                    <div class="mt-1 max-h-40 overflow-y-auto rounded border border-slate-300 p-2" data-testid="rule-units">
                        {units.into_iter().map(|unit| {
                            let ScopeChoice { id: unit_id, name } = unit;
                            let checked_id = unit_id.clone();
                            view! {
                                <label class="flex items-center gap-2 py-0.5 text-sm">
                                    <input type="checkbox" value=unit_id.clone()
                                        prop:checked=move || chosen.with(|c| c.contains(&checked_id))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|c| {
                                                c.retain(|u| u != &unit_id);
                                                if on { c.push(unit_id.clone()); }
                                            });
                                        }/>
                                    {name}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
                <div>
                    <label for="rule-max-days" class=LABEL>"Access period at most (days)"</label>
                    <input id="rule-max-days" type="number" min="1" max="3650" class=INPUT placeholder="Any" prop:value=move || max_days.get()
                        on:input=move |ev| max_days.set(event_target_value(&ev))/>
                </div>
                <div>
                    <label for="rule-assets" class=LABEL>"Asset is one of"</label>
                    <input id="rule-assets" type="text" class=INPUT placeholder="sales_pipeline_daily" prop:value=move || assets.get()
                        on:input=move |ev| assets.set(event_target_value(&ev))/>
                </div>
                <div>
                    <label for="rule-terms" class=LABEL>"Asset carries a glossary term"</label>
                    <input id="rule-terms" type="text" class=INPUT placeholder="Opportunity, Forecast" prop:value=move || terms.get()
                        on:input=move |ev| terms.set(event_target_value(&ev))/>
                </div>
                <div class="md:col-span-2">
                    <label for="rule-groups" class=LABEL>"Requester is in one of these groups"</label>
                    <ul class="mt-1 flex flex-wrap gap-2">
                        {move || groups.get().into_iter().map(|g| {
                            let gid = g.id.clone();
                            view! {
                                <li class="flex items-center gap-1 rounded bg-slate-100 px-2 py-1 text-sm">
                                    {g.name.clone()}
                                    <button type="button" class="text-slate-500 hover:text-red-700" aria-label=format!("Remove {}", g.name)
                                        on:click=move |_| groups.update(|all| all.retain(|x| x.id != gid))>"×"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <PrincipalPicker input_id="rule-groups" placeholder="Search groups (2+ characters)" groups_only=true
                        actions=move |p: Principal| view! {
                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| {
                                let pick = p.clone();
                                groups.update(|all| if !all.iter().any(|g| g.id == pick.id) { all.push(pick) });
                            }>"Add"</button>
                        }/>
                </div>
                <div>
                    <label for="rule-action" class=LABEL>"Then"</label>
                    <select id="rule-action" class=INPUT prop:value=move || action.get().as_str()
                        on:change=move |ev| action.set(RuleAction::parse(&event_target_value(&ev)).unwrap_or(RuleAction::Review))>
                        {RuleAction::ALL.into_iter().map(|a| view! { <option value=a.as_str()>{a.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="rule-comment" class=LABEL>"Decision comment"</label>
                    <input id="rule-comment" type="text" class=INPUT maxlength="4096" placeholder="Shown to the requester"
                        prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))/>
                </div>
                <label class="flex items-center gap-2 text-sm md:col-span-2">
                    <input type="checkbox" prop:checked=move || enabled.get() on:change=move |ev| enabled.set(event_target_checked(&ev))/>
                    "Enabled"
                </label>
                <div class="md:col-span-2"><ActionError error=error.into()/></div>
                <div class="flex flex-wrap gap-2 md:col-span-2">
                    <button type="button" class=BUTTON_SECONDARY disabled=move || busy.get() on:click=move |_| {
                        match current() {
                            Ok(form) => { error.set(None); dry.dispatch(DryRunRule { form }); }
                            Err(e) => error.set(Some(e)),
                        }
                    }>"Dry run on the queue"</button>
                    <button type="submit" class=BUTTON_PRIMARY disabled=move || busy.get()>"Save rule"</button>
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| editing.set(None)>"Cancel"</button>
                </div>
            </form>
            {move || dry.value().get().and_then(Result::ok).map(|result| view! { <DryRunView result/> })}
        </section>
    }
}

#[component]
fn DryRunView(result: DryRun) -> impl IntoView {
    let DryRun { examined, matches } = result;
    let deciding = matches.iter().filter(|m| m.taken_by.is_none()).count();
    view! {
        <div class="border-t border-slate-200 p-4" data-testid="dry-run">
            <p class="text-sm font-medium" role="status">
                {format!("Of {examined} pending request{} you govern, this rule would decide {deciding}.", if examined == 1 { "" } else { "s" })}
            </p>
            {(!matches.is_empty()).then(|| view! {
                <ul class="mt-2 divide-y divide-slate-100 text-sm">
                    {matches.into_iter().map(|m| view! {
                        <li class="py-2" data-dry-run=m.asset_name.clone()>
                            <span class="font-medium">{m.asset_name.clone()}</span>
                            {format!(" for {} by {} — {}", m.subscriber_project, m.requester, m.why)}
                            {m.taken_by.map(|r| view! { <span class="ml-1 text-xs text-slate-500">{format!("(rule \"{r}\" comes first)")}</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}
