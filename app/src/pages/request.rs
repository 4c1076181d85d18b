//! One project request: its progress (refreshing itself while work runs), details,
//! members, the product's other environments, history, and what the viewer may do next.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;

use crate::api::{
    project_request, CancelProjectRequest, ChangeProjectMember, DecideProjectRequest, PromoteProject, RetireProject,
    RetryProjectRequest,
};
use crate::components::{
    on_result, page_resource, ActionError, Loaded, PrincipalPicker, RequireRole, StatusBadge, BUTTON_DANGER,
    BUTTON_PRIMARY, BUTTON_SECONDARY, INPUT, LABEL, LINK, PANEL, PANEL_MT4,
};
use crate::model::{
    ApiError, AuditEntry, Designation, MemberChange, MemberRow, Principal, PrincipalKind, RequestDetail,
    RequestSummary, Role, Step, StepState,
};
use crate::pages::live::every;

#[component]
pub fn RequestPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let detail = page_resource(Role::TeamLead, id, project_request);
    view! {
        <Title text="Project request · Meshgate"/>
        <RequireRole>
            <RequestView detail/>
        </RequireRole>
    }
}

#[component]
fn RequestView(detail: Resource<Result<RequestDetail, ApiError>>) -> impl IntoView {
    let refetch = Callback::new(move |()| detail.refetch());
    // Refreshes until the request is known to be settled (a failed or missing answer
    // is asked again too).
    every(2, move || {
        let settled = detail.get_untracked().and_then(Result::ok).is_some_and(|d| {
            !d.summary.status.in_flight() && !d.members.iter().any(|m| m.state == "adding" || m.state == "removing")
        });
        if !settled {
            detail.refetch();
        }
    });
    view! {
        <a href="/projects" class=format!("text-sm {LINK}")>"← My projects"</a>
        <Loaded resource=detail rows=6 class=PANEL_MT4 let:detail>
            <Detail detail refetch/>
        </Loaded>
    }
}

#[component]
fn Detail(detail: RequestDetail, refetch: Callback<()>) -> impl IntoView {
    let RequestDetail {
        summary,
        description,
        justification,
        profile_name,
        decided_by,
        decision_comment,
        failure,
        steps,
        members,
        twins,
        history,
        allowed,
    } = detail;
    let show_failure = failure.clone().filter(|_| summary.status == crate::model::RequestStatus::Failed);
    let member_note = failure.filter(|_| summary.status == crate::model::RequestStatus::Active);
    view! {
        <div class="mt-3 flex flex-wrap items-start justify-between gap-4">
            <div class="min-w-0">
                <h1 class="break-words text-2xl font-bold tracking-tight" data-testid="project-name">{summary.project_name.clone()}</h1>
                <p class="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
                    <StatusBadge status=summary.status/>
                    <span>{summary.environment.label()}</span>
                    <span aria-hidden="true">"·"</span>
                    <span>{summary.domain_unit_name.clone()}</span>
                    <span aria-hidden="true">"·"</span>
                    <span>{summary.product.clone()}</span>
                </p>
            </div>
            {summary.portal_url.clone().map(|url| view! {
                <a href=url target="_blank" rel="noopener noreferrer" class=BUTTON_SECONDARY data-testid="portal-link">
                    "Open in SageMaker Unified Studio"
                </a>
            })}
        </div>
        {show_failure.map(|f| view! {
            <div role="alert" class="mt-4 rounded-md border border-red-200 bg-red-50 p-4 text-sm text-red-800">
                <p class="font-medium">"Provisioning failed"</p>
                <p class="mt-1 break-words" data-testid="failure">{f}</p>
            </div>
        })}
        {member_note.map(|f| view! {
            <p role="status" class="mt-4 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">{f}</p>
        })}
        <div class="mt-6 grid gap-6 lg:grid-cols-3">
            <div class="space-y-6 lg:col-span-2">
                <Steps steps/>
                <Members members manage=allowed.manage_members id=summary.id.clone() refetch/>
                <History history/>
            </div>
            <div class="space-y-6">
                <Actions summary=summary.clone() allowed refetch/>
                <section class=PANEL aria-labelledby="details-title">
                    <h2 id="details-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Details"</h2>
                    <dl class="space-y-3 p-4 text-sm">
                        <Fact label="Requested by" value=format!("{} · {}", summary.requested_by_name, summary.created_at)/>
                        <Fact label="Project profile" value=profile_name/>
                        <Fact label="Description" value=description/>
                        <Fact label="Justification" value=justification/>
                        <Fact label="Decided by" value=decided_by.unwrap_or_default()/>
                        <Fact label="Decision comment" value=decision_comment.unwrap_or_default()/>
                        <Fact label="DataZone project id" value=summary.project_id.clone().unwrap_or_default()/>
                    </dl>
                </section>
                <Twins product=summary.product.clone() twins/>
            </div>
        </div>
    }
}

#[component]
pub(super) fn Fact(label: &'static str, value: String) -> impl IntoView {
    (!value.trim().is_empty()).then(|| {
        view! {
            <div>
                <dt class="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
                <dd class="mt-0.5 whitespace-pre-wrap break-words" data-fact=label>{value}</dd>
            </div>
        }
    })
}

#[component]
fn Steps(steps: Vec<Step>) -> impl IntoView {
    view! {
        <section class=PANEL aria-labelledby="progress-title">
            <h2 id="progress-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Progress"</h2>
            <ol class="space-y-3 p-4" data-testid="steps" aria-live="polite">
                {steps.into_iter().map(|s| {
                    let (mark, tone, word) = match s.state {
                        StepState::Done => ("✓", "bg-emerald-600 text-white", "done"),
                        StepState::Current => ("…", "bg-sky-600 text-white animate-pulse", "in progress"),
                        StepState::Waiting => ("", "bg-white ring-1 ring-slate-300", "not started"),
                        StepState::Failed => ("!", "bg-red-600 text-white", "failed"),
                    };
                    view! {
                        <li class="flex items-start gap-3" data-state=word>
                            <span aria-hidden="true" class=format!("mt-0.5 grid h-5 w-5 shrink-0 place-items-center rounded-full text-xs font-bold {tone}")>{mark}</span>
                            <div class="min-w-0 text-sm">
                                <p class="font-medium">{s.label}<span class="sr-only">{format!(" ({word})")}</span></p>
                                {s.detail.map(|d| view! { <p class="break-words text-slate-600">{d}</p> })}
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn Actions(summary: RequestSummary, allowed: crate::model::Allowed, refetch: Callback<()>) -> impl IntoView {
    let id = summary.id.clone();
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let decide = ServerAction::<DecideProjectRequest>::new();
    let retire = ServerAction::<RetireProject>::new();
    let promote = ServerAction::<PromoteProject>::new();
    let cancel = ServerAction::<CancelProjectRequest>::new();
    let retry = ServerAction::<RetryProjectRequest>::new();
    let navigate = use_navigate();
    let busy = Signal::derive(move || {
        decide.pending().get()
            || retire.pending().get()
            || promote.pending().get()
            || cancel.pending().get()
            || retry.pending().get()
    });
    let settle = move |()| {
        comment.set(String::new());
        refetch.run(());
    };
    on_result(decide.value(), error, settle);
    on_result(retire.value(), error, settle);
    on_result(cancel.value(), error, settle);
    on_result(retry.value(), error, settle);
    on_result(promote.value(), error, move |new_id| {
        navigate(&format!("/requests/{new_id}"), NavigateOptions::default());
    });
    let promote_to = allowed.promote_to.clone();
    let can_promote = !promote_to.is_empty();
    let anything = allowed.decide || allowed.retire || can_promote || allowed.cancel || allowed.retry;
    let retire_label = if summary.environment.needs_approval() { "Request retirement" } else { "Retire project" };
    let comment_label = if allowed.decide {
        "Comment (required to reject)"
    } else if can_promote {
        "Justification (for the promotion) or reason (for retiring)"
    } else {
        "Reason"
    };
    anything.then(move || {
        let (d1, d2, r, c, t) = (id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
        let p = StoredValue::new(id);
        view! {
            <section class=PANEL aria-labelledby="actions-title">
                <h2 id="actions-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Actions"</h2>
                <div class="space-y-3 p-4">
                    {(allowed.decide || allowed.retire || can_promote).then(|| view! {
                        <div>
                            <label for="comment" class=LABEL>{comment_label}</label>
                            <textarea id="comment" rows="3" class=INPUT maxlength="1000"
                                prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                        </div>
                    })}
                    <ActionError error=error.into()/>
                    <div class="flex flex-wrap gap-2">
                        {allowed.decide.then(|| view! {
                            <button type="button" class=BUTTON_PRIMARY disabled=busy
                                on:click=move |_| { decide.dispatch(DecideProjectRequest { id: d1.clone(), approve: true, comment: comment.get_untracked() }); }>
                                "Approve"
                            </button>
                            <button type="button" class=BUTTON_DANGER disabled=busy
                                on:click=move |_| { decide.dispatch(DecideProjectRequest { id: d2.clone(), approve: false, comment: comment.get_untracked() }); }>
                                "Reject"
                            </button>
                        })}
                        {promote_to.into_iter().map(|env| view! {
                            <button type="button" class=BUTTON_PRIMARY disabled=busy
                                on:click=move |_| {
                                    promote.dispatch(PromoteProject { id: p.get_value(), environment: env.as_str().to_owned(), justification: comment.get_untracked() });
                                }>
                                {format!("Request {} twin", env.label())}
                            </button>
                        }).collect_view()}
                        {allowed.retire.then(|| view! {
                            <button type="button" class=BUTTON_DANGER disabled=busy
                                on:click=move |_| {
                                    let sure = window().confirm_with_message("Retire this project? DataZone deletes it and its environments.").unwrap_or(false);
                                    if sure { retire.dispatch(RetireProject { id: r.clone(), reason: comment.get_untracked() }); }
                                }>
                                {retire_label}
                            </button>
                        })}
                        {allowed.retry.then(|| view! {
                            <button type="button" class=BUTTON_PRIMARY disabled=busy
                                on:click=move |_| { retry.dispatch(RetryProjectRequest { id: t.clone() }); }>
                                "Retry provisioning"
                            </button>
                        })}
                        {allowed.cancel.then(|| view! {
                            <button type="button" class=BUTTON_SECONDARY disabled=busy
                                on:click=move |_| {
                                    let sure = window().confirm_with_message("Cancel this request?").unwrap_or(false);
                                    if sure { cancel.dispatch(CancelProjectRequest { id: c.clone() }); }
                                }>
                                "Cancel request"
                            </button>
                        })}
                    </div>
                </div>
            </section>
        }
    })
}

#[component]
fn Members(members: Vec<MemberRow>, manage: bool, id: String, refetch: Callback<()>) -> impl IntoView {
    let change = ServerAction::<ChangeProjectMember>::new();
    let error = RwSignal::new(None::<ApiError>);
    on_result(change.value(), error, move |()| refetch.run(()));
    let id = StoredValue::new(id);
    let send = move |principal: crate::model::Principal, designation: Designation, remove: bool| {
        change.dispatch(ChangeProjectMember {
            id: id.get_value(),
            change: MemberChange { principal, designation, remove },
        });
    };
    view! {
        <section class=PANEL aria-labelledby="members-title">
            <h2 id="members-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Members"</h2>
            <ul class="divide-y divide-slate-100" data-testid="project-members">
                {members.into_iter().map(|m| {
                    let principal = m.principal.clone();
                    let pending = match m.state.as_str() { "adding" => "being added…", "removing" => "being removed…", _ => "" };
                    view! {
                        <li class="flex flex-wrap items-center gap-2 px-4 py-2 text-sm" data-member=m.principal.name.clone()>
                            <span class="min-w-0 flex-1 truncate">
                                {if m.principal.kind == PrincipalKind::Group { "Group: " } else { "" }}
                                {m.principal.name.clone()}
                            </span>
                            <span class="text-xs text-slate-500">{pending}</span>
                            <span class="rounded bg-slate-100 px-2 py-0.5 text-xs">{m.designation.label()}</span>
                            {manage.then(|| view! {
                                <button type="button" class="rounded px-2 py-1 text-xs text-red-700 hover:bg-red-50"
                                    aria-label=format!("Remove {}", principal.name)
                                    on:click=move |_| send(principal.clone(), m.designation, true)>
                                    "Remove"
                                </button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {manage.then(|| view! {
                <div class="border-t border-slate-200 p-4">
                    <label for="add-member" class=LABEL>"Add a member"</label>
                    <PrincipalPicker input_id="add-member" actions=move |p: Principal| {
                        let owner = p.clone();
                        view! {
                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| send(p.clone(), Designation::Contributor, false)>"Add as contributor"</button>
                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| send(owner.clone(), Designation::Owner, false)>"Add as owner"</button>
                        }
                    }/>
                    <ActionError error=error.into()/>
                </div>
            })}
        </section>
    }
}

#[component]
fn Twins(product: String, twins: Vec<RequestSummary>) -> impl IntoView {
    (!twins.is_empty()).then(|| {
        view! {
            <section class=PANEL aria-labelledby="twins-title">
                <h2 id="twins-title" class="border-b border-slate-200 px-4 py-3 font-semibold">
                    {format!("Other environments of {product}")}
                </h2>
                <ul class="divide-y divide-slate-100" data-testid="twins">
                    {twins.into_iter().map(|t| view! {
                        <li class="flex items-center justify-between gap-2 px-4 py-2 text-sm">
                            <a href=format!("/requests/{}", t.id) class=LINK>{format!("{} · {}", t.environment.label(), t.project_name)}</a>
                            <StatusBadge status=t.status/>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
pub(super) fn History(history: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <section class=PANEL aria-labelledby="history-title">
            <h2 id="history-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"History"</h2>
            <ol class="divide-y divide-slate-100" data-testid="history">
                {history.into_iter().map(|e| view! {
                    <li class="flex flex-col gap-1 px-4 py-2 text-sm sm:flex-row sm:gap-4">
                        <time class="shrink-0 text-xs tabular-nums text-slate-500 sm:w-36" datetime=e.at>{e.at_text}</time>
                        <span><span class="font-medium">{e.actor}</span>" "<code class="rounded bg-slate-100 px-1 text-xs">{e.action}</code></span>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}
