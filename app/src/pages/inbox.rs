//! The steward inbox: one queue of subscription requests for every asset the viewer
//! governs (including those made directly in SageMaker Unified Studio), with filters in
//! the URL, bulk accept or reject with a progress bar; and one request's page.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{
    decision_progress, steward_inbox, subscription_request, DecideSubscriptions, EndSubscription, ExtendSubscription,
    RetryGrant,
};
use crate::components::{
    on_result, page_resource, ActionError, EmptyState, Loaded, RequireRole, BUTTON_DANGER, BUTTON_PRIMARY,
    BUTTON_SECONDARY, INPUT, LABEL, LINK, PANEL, PANEL_MT4, PANEL_MT6,
};
use crate::model::{
    ApiError, BulkDecision, InboxPage, InboxQuery, InboxRow, Role, RunProgress, SubscriptionDetail, SyncNote,
};
use crate::pages::live::every;
use crate::pages::request::{Fact, History};
use crate::pages::url::query_string;

#[component]
pub fn InboxPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        params.with(|p| InboxQuery {
            status: p.get("status").unwrap_or_default(),
            q: p.get("q").unwrap_or_default(),
            sort: p.get("sort").unwrap_or_default(),
            offset: p.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0),
        })
    });
    let page = page_resource(Role::Steward, move || query.get(), steward_inbox);
    view! {
        <Title text="Inbox · Meshgate"/>
        <RequireRole role=Role::Steward>
            <Inbox query page/>
        </RequireRole>
    }
}

/// A request's status (and queued decision) as a small badge.
#[component]
pub fn RequestBadge(status: String, #[prop(optional)] decision: Option<crate::model::QueuedDecision>) -> impl IntoView {
    let (label, tone) = match (status.as_str(), decision.as_ref().map(|d| (d.state.as_str(), d.accept))) {
        ("PENDING", Some(("queued" | "sent", true))) => ("Accepting…", "bg-sky-50 text-sky-800 ring-sky-200"),
        ("PENDING", Some(("queued" | "sent", false))) => ("Rejecting…", "bg-sky-50 text-sky-800 ring-sky-200"),
        ("PENDING", Some(("failed", _))) => ("Decision failed", "bg-red-50 text-red-800 ring-red-200"),
        ("PENDING", _) => ("Pending", "bg-amber-50 text-amber-900 ring-amber-200"),
        ("ACCEPTED", _) => ("Accepted", "bg-emerald-50 text-emerald-800 ring-emerald-200"),
        ("REJECTED", _) => ("Rejected", "bg-red-50 text-red-800 ring-red-200"),
        _ => ("Unknown", "bg-slate-100 text-slate-700 ring-slate-200"),
    };
    let title = decision.and_then(|d| d.outcome).unwrap_or_default();
    view! {
        <span class=format!("inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 {tone}")
            data-status=label title=title>
            {label}
        </span>
    }
}

fn in_flight(row: &InboxRow) -> bool {
    row.decision.as_ref().is_some_and(|d| d.state == "queued" || d.state == "sent")
}

#[component]
fn Inbox(query: Memo<InboxQuery>, page: Resource<Result<InboxPage, ApiError>>) -> impl IntoView {
    let refetch = Callback::new(move |()| page.refetch());
    let selected = RwSignal::new(BTreeSet::<String>::new());
    // Decisions in flight settle on their own: keep the list current until they have.
    every(3, move || {
        if page.get_untracked().and_then(Result::ok).is_some_and(|p| p.rows.iter().any(in_flight)) {
            page.refetch();
        }
    });
    view! {
        <div class="flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-bold tracking-tight">"Inbox"</h1>
                <p class="mt-1 text-slate-600">"Subscription requests for the data you govern, from Meshgate and from SageMaker Unified Studio."</p>
            </div>
            <a href="/rules" class=BUTTON_SECONDARY>"Auto-approval rules"</a>
        </div>
        <form method="get" action="/inbox" class=format!("mt-6 flex flex-wrap items-end gap-3 p-4 {PANEL}")>
            <div>
                <label for="inbox-status" class=LABEL>"Status"</label>
                <select id="inbox-status" name="status" class=INPUT prop:value=move || query.with(|q| q.status.clone())>
                    <option value="">"Pending"</option>
                    <option value="accepted">"Accepted"</option>
                    <option value="rejected">"Rejected"</option>
                    <option value="all">"All"</option>
                </select>
            </div>
            <div class="w-full min-w-0 sm:w-auto sm:flex-1">
                <label for="inbox-q" class=LABEL>"Asset, project or requester"</label>
                <input id="inbox-q" name="q" type="search" class=INPUT prop:value=move || query.with(|q| q.q.clone())/>
            </div>
            <div>
                <label for="inbox-sort" class=LABEL>"Order"</label>
                <select id="inbox-sort" name="sort" class=INPUT prop:value=move || query.with(|q| q.sort.clone())>
                    <option value="">"Oldest first"</option>
                    <option value="newest">"Newest first"</option>
                </select>
            </div>
            <button type="submit" class=BUTTON_PRIMARY>"Filter"</button>
        </form>
        // Outside the list, so a bulk run's progress survives the list refreshing under it.
        <BulkBar selected refetch/>
        <Loaded resource=page rows=6 class=PANEL_MT6 let:page>
            <InboxTable page query=query.get_untracked() selected/>
        </Loaded>
    }
}

fn page_link(query: &InboxQuery, offset: u32) -> String {
    let offset = offset.to_string();
    let pairs: Vec<(&str, &str)> =
        [("status", query.status.as_str()), ("q", &query.q), ("sort", &query.sort), ("offset", &offset)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty() && *v != "0")
            .collect();
    format!("/inbox?{}", query_string(&pairs))
}

/// When the inbox last heard from DataZone, and why not since, if DataZone refused.
#[component]
fn SyncLine(sync: SyncNote) -> impl IntoView {
    let synced = sync.synced_ago.map_or_else(
        || "Not synced with DataZone yet".to_owned(),
        |ago| {
            format!(
                "Synced with DataZone {}",
                if ago == "0 min" { "just now".to_owned() } else { format!("{ago} ago") }
            )
        },
    );
    match sync.failed {
        Some((ago, why)) => view! {
            <p class="border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900" role="status" data-testid="sync-status">
                {format!("{synced} — the last try, {ago} ago, failed: {why}. Decisions made in SageMaker Unified Studio since then are not shown yet.")}
            </p>
        }.into_any(),
        None => view! {
            <p class="border-b border-slate-100 px-4 py-1 text-xs text-slate-500" data-testid="sync-status">{synced}</p>
        }.into_any(),
    }
}

#[component]
fn InboxTable(page: InboxPage, query: InboxQuery, selected: RwSignal<BTreeSet<String>>) -> impl IntoView {
    let InboxPage { rows, total, offset, page_size, everything, sync } = page;
    let selectable: Vec<String> =
        rows.iter().filter(|r| r.status == "PENDING" && !in_flight(r)).map(|r| r.id.clone()).collect();
    // A fresh page: what was selected may be decided or gone.
    selected.update_untracked(|s| s.retain(|id| selectable.contains(id)));
    let all = StoredValue::new(selectable.clone());
    let scope_note = if everything { "every asset in the domain" } else { "the assets you govern" };
    let prev = (offset > 0).then(|| page_link(&query, offset.saturating_sub(page_size)));
    let next = (offset + page_size < total).then(|| page_link(&query, offset + page_size));
    let shown = if rows.is_empty() {
        String::new()
    } else {
        format!("{}–{} of {total}", offset + 1, offset + u32::try_from(rows.len()).unwrap_or(0))
    };
    view! {
        <section class=format!("mt-4 {PANEL}") aria-labelledby="inbox-title">
            <h2 id="inbox-title" class="flex flex-wrap justify-between gap-2 border-b border-slate-200 px-4 py-3 text-sm text-slate-600">
                <span data-testid="inbox-count">{shown}</span>
                <span>{format!("Requests for {scope_note}")}</span>
            </h2>
            <SyncLine sync/>
            {if rows.is_empty() {
                view! {
                    <EmptyState title="Nothing here">
                        "New requests for your data appear here as soon as they are made, in Meshgate or in SageMaker Unified Studio."
                    </EmptyState>
                }.into_any()
            } else {
                view! {
                    <div class="overflow-x-auto">
                        <table class="min-w-full text-left text-sm" data-testid="inbox">
                            <thead class="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                                <tr>
                                    <th scope="col" class="w-10 px-4 py-2">
                                        <input type="checkbox" aria-label="Select every pending request on this page"
                                            disabled=selectable.is_empty()
                                            prop:checked=move || !all.with_value(Vec::is_empty) && selected.with(|s| s.len() == all.with_value(Vec::len))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                selected.set(if on { all.get_value().into_iter().collect() } else { BTreeSet::new() });
                                            }/>
                                    </th>
                                    <th scope="col" class="px-4 py-2">"Asset"</th>
                                    <th scope="col" class="px-4 py-2">"For project"</th>
                                    <th scope="col" class="px-4 py-2">"Requester"</th>
                                    <th scope="col" class="px-4 py-2">"Reason"</th>
                                    <th scope="col" class="px-4 py-2">"Waiting"</th>
                                    <th scope="col" class="px-4 py-2">"Status"</th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-slate-100 align-top">
                                {rows.into_iter().map(|r| {
                                    let id = r.id.clone();
                                    let check_id = id.clone();
                                    let can_pick = r.status == "PENDING" && !in_flight(&r);
                                    let kind = if r.kind == "extension" { "Extension · " } else { "" };
                                    let days = r.requested_days.map(|d| format!(" · {d} days")).unwrap_or_default();
                                    view! {
                                        <tr data-request=r.id.clone() data-asset=r.asset_name.clone()>
                                            <td class="px-4 py-2">
                                                {can_pick.then(|| view! {
                                                    <input type="checkbox" aria-label=format!("Select {} for {}", r.asset_name, r.subscriber_project)
                                                        prop:checked=move || selected.with(|s| s.contains(&check_id))
                                                        on:change=move |ev| {
                                                            let on = event_target_checked(&ev);
                                                            let id = id.clone();
                                                            selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                                                        }/>
                                                })}
                                            </td>
                                            <td class="px-4 py-2">
                                                <a href=format!("/subscriptions/{}", r.id) class=LINK>{r.asset_name.clone()}</a>
                                                <p class="text-xs text-slate-500">{format!("{kind}{}{days}", r.owner_project)}</p>
                                            </td>
                                            <td class="px-4 py-2">{r.subscriber_project}</td>
                                            <td class="whitespace-nowrap px-4 py-2">{r.requester}</td>
                                            <td class="max-w-xs px-4 py-2"><p class="line-clamp-2 text-slate-700" title=r.reason.clone()>{r.reason.clone()}</p></td>
                                            <td class="whitespace-nowrap px-4 py-2 tabular-nums"><time title=r.created_at>{r.age}</time></td>
                                            <td class="px-4 py-2"><RequestBadge status=r.status decision=r.decision.unwrap_or_else(no_decision)/></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {(prev.is_some() || next.is_some()).then(|| view! {
                <nav aria-label="Pages" class="flex justify-end gap-2 border-t border-slate-200 px-4 py-3">
                    {prev.map(|href| view! { <a href=href class=BUTTON_SECONDARY>"← Previous"</a> })}
                    {next.map(|href| view! { <a href=href class=BUTTON_SECONDARY>"Next →"</a> })}
                </nav>
            })}
        </section>
    }
}

fn no_decision() -> crate::model::QueuedDecision {
    crate::model::QueuedDecision { accept: false, state: String::new(), outcome: None }
}

/// Accept or reject the selected requests, then follow the run to the end.
#[component]
fn BulkBar(selected: RwSignal<BTreeSet<String>>, refetch: Callback<()>) -> impl IntoView {
    let decide = ServerAction::<DecideSubscriptions>::new();
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let run = RwSignal::new(None::<RunProgress>);
    on_result(decide.value(), error, move |progress| {
        selected.set(BTreeSet::new());
        comment.set(String::new());
        run.set(Some(progress));
        refetch.run(());
    });
    every(1, move || {
        if let Some(progress) = run.get_untracked().filter(|p| !p.finished()) {
            leptos::task::spawn_local(async move {
                if let Ok(fresh) = decision_progress(progress.id.clone()).await {
                    if fresh.finished() {
                        refetch.run(());
                    }
                    run.set(Some(RunProgress { skipped: progress.skipped, ..fresh }));
                }
            });
        }
    });
    let send = move |accept: bool| {
        let ids: Vec<String> = selected.get_untracked().into_iter().collect();
        decide
            .dispatch(DecideSubscriptions { decision: BulkDecision { ids, accept, comment: comment.get_untracked() } });
    };
    let count = move || selected.with(BTreeSet::len);
    let busy = decide.pending();
    view! {
        <div class=format!("mt-6 space-y-3 p-4 {PANEL}") data-testid="bulk-bar">
            <div class="flex flex-wrap items-end gap-3">
                <div class="w-full min-w-0 sm:w-auto sm:flex-1">
                    <label for="bulk-comment" class=LABEL>{move || format!("Decision comment ({} selected)", count())}</label>
                    <input id="bulk-comment" type="text" class=INPUT maxlength="4096"
                        placeholder="Required to reject; shown to the requester"
                        prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))/>
                </div>
                <button type="button" class=BUTTON_PRIMARY disabled=move || count() == 0 || busy.get() on:click=move |_| send(true)>
                    "Accept selected"
                </button>
                <button type="button" class=BUTTON_DANGER disabled=move || count() == 0 || busy.get() on:click=move |_| send(false)>
                    "Reject selected"
                </button>
            </div>
            <ActionError error=error.into()/>
            {move || run.get().map(|p| view! { <RunBar progress=p/> })}
        </div>
    }
}

#[component]
fn RunBar(progress: RunProgress) -> impl IntoView {
    let finished = progress.done + progress.failed;
    let percent = (finished * 100).checked_div(progress.total).unwrap_or(100);
    let verb = if progress.accept { "Accepting" } else { "Rejecting" };
    let text = if progress.finished() {
        format!(
            "{} of {} decided{}",
            progress.done,
            progress.total,
            if progress.failed > 0 { format!(", {} failed", progress.failed) } else { String::new() }
        )
    } else {
        format!("{verb} {finished} of {} … (DataZone takes about three decisions a second)", progress.total)
    };
    let skipped = (progress.skipped > 0).then(|| {
        format!(
            "{} left out: already decided, on their way, or for a project of yours (another steward decides those).",
            progress.skipped
        )
    });
    view! {
        <div data-testid="run-progress" data-finished=progress.finished().to_string()>
            // A native progress bar: no inline styles, which the content security policy refuses.
            <progress class="h-2 w-full accent-emerald-600" aria-label="Decisions sent"
                max=progress.total.max(1).to_string() value=finished.to_string()>{format!("{percent}%")}</progress>
            <p class="mt-1 text-sm text-slate-600" role="status">{text}</p>
            {skipped.map(|s| view! { <p class="text-xs text-slate-500">{s}</p> })}
        </div>
    }
}

#[component]
pub fn SubscriptionRequestPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let detail = page_resource(Role::TeamLead, id, subscription_request);
    let refetch = Callback::new(move |()| detail.refetch());
    every(2, move || {
        let settled = detail.get_untracked().and_then(Result::ok).is_some_and(|d| !in_flight(&d.row));
        if !settled {
            detail.refetch();
        }
    });
    view! {
        <Title text="Subscription request · Meshgate"/>
        <RequireRole>
            <Loaded resource=detail rows=6 class=PANEL_MT4 let:detail>
                <RequestView detail refetch/>
            </Loaded>
        </RequireRole>
    }
}

#[component]
fn RequestView(detail: SubscriptionDetail, refetch: Callback<()>) -> impl IntoView {
    let SubscriptionDetail {
        row,
        asset_type,
        terms,
        subscriber_unit,
        source,
        decided_by,
        decided_at,
        decision_comment,
        rule_reason,
        subscription_status,
        grant_status,
        grant_failure,
        granted_at,
        expires_at,
        extends,
        history,
        can_decide,
        can_revoke,
        can_retry_grant,
        can_cancel,
        can_extend,
    } = detail;
    let title = if row.kind == "extension" { format!("Extension: {}", row.asset_name) } else { row.asset_name.clone() };
    view! {
        <div class="flex flex-wrap gap-4 text-sm">
            <a href="/inbox" class=LINK>"← Inbox"</a>
            <a href="/subscriptions" class=LINK>"My access"</a>
        </div>
        <h1 class="mt-3 break-words text-2xl font-bold tracking-tight" data-testid="subscription-asset">{title}</h1>
        <p class="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
            <RequestBadge status=row.status.clone() decision=row.decision.clone().unwrap_or_else(no_decision)/>
            <span>{format!("for {}", row.subscriber_project)}</span>
            {subscription_status.clone().map(|s| view! { <span class="rounded bg-slate-100 px-2 py-0.5 text-xs" data-testid="subscription-status">{format!("Subscription {}", s.to_lowercase())}</span> })}
        </p>
        {grant_failure.map(|cause| {
            let what = if grant_status.as_deref() == Some("REVOKE_FAILED") { "revoke" } else { "grant" };
            view! {
                <div role="alert" class="mt-4 rounded-md border border-red-200 bg-red-50 p-4 text-sm text-red-800" data-testid="grant-failure">
                    <p class="font-medium">{format!("DataZone could not {what} access")}</p>
                    <p class="mt-1">{cause}</p>
                    {can_retry_grant.then(|| view! { <GrantAgain id=row.id.clone() refetch/> })}
                </div>
            }
        })}
        {(row.status == "REJECTED").then(|| view! {
            <div role="status" class="mt-4 rounded-md border border-red-200 bg-red-50 p-4 text-sm text-red-800">
                <p class="font-medium">{format!("Rejected by {}", decided_by.clone().unwrap_or_default())}</p>
                <p class="mt-1" data-testid="decision-comment">{decision_comment.clone().unwrap_or_else(|| "No comment given.".into())}</p>
            </div>
        })}
        <div class="mt-6 grid gap-6 lg:grid-cols-3">
            <div class="space-y-6 lg:col-span-2">
                <section class=format!("p-4 {PANEL}")>
                    <h2 class="font-semibold">"Reason"</h2>
                    <p class="mt-2 whitespace-pre-wrap text-slate-700" data-testid="request-reason">{row.reason.clone()}</p>
                </section>
                {rule_reason.clone().map(|why| view! {
                    <p class="rounded-md border border-sky-200 bg-sky-50 p-3 text-sm text-sky-900" data-testid="rule-reason">{why}</p>
                })}
                <History history/>
            </div>
            <div class="space-y-6">
                <Decide id=row.id.clone() can_decide refetch/>
                <Ending id=row.id.clone() can_revoke can_cancel can_extend refetch/>
                <section class=PANEL aria-labelledby="facts-title">
                    <h2 id="facts-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Details"</h2>
                    <dl class="space-y-3 p-4 text-sm">
                        <Fact label="Requested by" value=format!("{} · {}", row.requester, row.created_at)/>
                        <Fact label="Made in" value=if source == "portal" { "Meshgate".into() } else { "SageMaker Unified Studio".into() }/>
                        <Fact label="Asset" value=format!("{} · {asset_type}", row.asset_name)/>
                        <Fact label="Published by" value=row.owner_project.clone()/>
                        <Fact label="Subscriber's domain unit" value=if subscriber_unit.is_empty() { "—".into() } else { subscriber_unit }/>
                        <Fact label="Access period" value=row.requested_days.map_or_else(|| "No end date".into(), |d| format!("{d} days"))/>
                        {(!terms.is_empty()).then(|| view! { <Fact label="Glossary terms" value=terms.join(", ")/> })}
                        {decided_by.filter(|_| row.status != "PENDING").map(|by| view! { <Fact label="Decided by" value=format!("{by} · {}", decided_at.clone().unwrap_or_default())/> })}
                        {decision_comment.filter(|_| row.status == "ACCEPTED").map(|c| view! { <Fact label="Comment" value=c/> })}
                        {(subscription_status.as_deref() == Some("APPROVED")).then(|| view! {
                            <Fact label="Access" value=match (granted_at, grant_status.as_deref()) {
                                (Some(at), _) => format!("Granted {at}"),
                                (None, Some("GRANT_FAILED")) => "Not granted: the grant failed".to_owned(),
                                (None, _) => "Being granted in DataZone".to_owned(),
                            }/>
                        })}
                        {expires_at.map(|e| view! { <Fact label="Access ends" value=e/> })}
                        {extends.map(|parent| view! {
                            <div><dt class="text-slate-500">"Extends"</dt><dd><a href=format!("/subscriptions/{parent}") class=LINK>"the original request"</a></dd></div>
                        })}
                    </dl>
                </section>
            </div>
        </div>
    }
}

/// Asks DataZone to grant again once the cause of a failed grant is fixed.
#[component]
fn GrantAgain(id: String, refetch: Callback<()>) -> impl IntoView {
    let retry = ServerAction::<RetryGrant>::new();
    let error = RwSignal::new(None::<ApiError>);
    on_result(retry.value(), error, move |()| refetch.run(()));
    let id = StoredValue::new(id);
    view! {
        <p class="mt-2 text-red-900">"Fix the cause in AWS (the subscription target's permissions), then:"</p>
        <button type="button" class=format!("mt-2 {BUTTON_SECONDARY}") disabled=move || retry.pending().get()
            on:click=move |_| { retry.dispatch(RetryGrant { id: id.get_value() }); }>
            {move || if retry.pending().get() { "Granting again…" } else { "Grant again" }}
        </button>
        <ActionError error=error.into()/>
    }
}

#[component]
fn Decide(id: String, can_decide: bool, refetch: Callback<()>) -> impl IntoView {
    let decide = ServerAction::<DecideSubscriptions>::new();
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    on_result(decide.value(), error, move |_| refetch.run(()));
    let id = StoredValue::new(id);
    let send = move |accept: bool| {
        decide.dispatch(DecideSubscriptions {
            decision: BulkDecision { ids: vec![id.get_value()], accept, comment: comment.get_untracked() },
        });
    };
    let busy = decide.pending();
    can_decide.then(|| {
        view! {
            <section class=PANEL aria-labelledby="decide-title">
                <h2 id="decide-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Your decision"</h2>
                <div class="space-y-3 p-4">
                    <div>
                        <label for="decision-comment" class=LABEL>"Comment"</label>
                        <textarea id="decision-comment" rows="3" class=INPUT maxlength="4096"
                            placeholder="Required to reject; the requester sees it"
                            prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                    </div>
                    <ActionError error=error.into()/>
                    <div class="flex gap-2">
                        <button type="button" class=BUTTON_PRIMARY disabled=move || busy.get() on:click=move |_| send(true)>"Accept"</button>
                        <button type="button" class=BUTTON_DANGER disabled=move || busy.get() on:click=move |_| send(false)>"Reject"</button>
                    </div>
                </div>
            </section>
        }
    })
}

#[component]
fn Ending(id: String, can_revoke: bool, can_cancel: bool, can_extend: bool, refetch: Callback<()>) -> impl IntoView {
    let end = ServerAction::<EndSubscription>::new();
    let extend = ServerAction::<ExtendSubscription>::new();
    let error = RwSignal::new(None::<ApiError>);
    let days = RwSignal::new("30".to_owned());
    let reason = RwSignal::new(String::new());
    on_result(end.value(), error, move |()| refetch.run(()));
    on_result(extend.value(), error, move |_| refetch.run(()));
    let id = StoredValue::new(id);
    let busy = Signal::derive(move || end.pending().get() || extend.pending().get());
    (can_revoke || can_cancel || can_extend).then(|| {
        view! {
            <section class=PANEL aria-labelledby="access-actions-title">
                <h2 id="access-actions-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Access"</h2>
                <div class="space-y-3 p-4">
                    {can_extend.then(|| view! {
                        <div class="space-y-2">
                            <label for="extend-days" class=LABEL>"Extend by (days)"</label>
                            <input id="extend-days" type="number" min="1" max="3650" class=INPUT prop:value=move || days.get()
                                on:input=move |ev| days.set(event_target_value(&ev))/>
                            <label for="extend-reason" class=LABEL>"Why it is still needed"</label>
                            <input id="extend-reason" type="text" class=INPUT prop:value=move || reason.get()
                                on:input=move |ev| reason.set(event_target_value(&ev))/>
                            <button type="button" class=BUTTON_SECONDARY disabled=move || busy.get()
                                on:click=move |_| {
                                    let Ok(d) = days.get_untracked().trim().parse::<u32>() else {
                                        error.set(Some(ApiError::Invalid { field: "days".into(), message: "Give a whole number of days.".into() }));
                                        return;
                                    };
                                    extend.dispatch(ExtendSubscription { id: id.get_value(), days: d, reason: reason.get_untracked() });
                                }>
                                "Request extension"
                            </button>
                        </div>
                    })}
                    <ActionError error=error.into()/>
                    <div class="flex flex-wrap gap-2">
                        {can_cancel.then(|| view! {
                            <button type="button" class=BUTTON_SECONDARY disabled=move || busy.get()
                                on:click=move |_| {
                                    if window().confirm_with_message("Cancel this subscription? The project loses access.").unwrap_or(false) {
                                        end.dispatch(EndSubscription { id: id.get_value(), revoke: false });
                                    }
                                }>
                                "Cancel subscription"
                            </button>
                        })}
                        {can_revoke.then(|| view! {
                            <button type="button" class=BUTTON_DANGER disabled=move || busy.get()
                                on:click=move |_| {
                                    if window().confirm_with_message("Revoke this subscription? The project loses access.").unwrap_or(false) {
                                        end.dispatch(EndSubscription { id: id.get_value(), revoke: true });
                                    }
                                }>
                                "Revoke access"
                            </button>
                        })}
                    </div>
                </div>
            </section>
        }
    })
}
