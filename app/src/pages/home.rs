//! The overview: what has happened in the portal lately, straight from the audit trail.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{describe_domain, recent_activity};
use crate::components::{page_resource, EmptyState, Loaded, RequireRole};
use crate::model::{ApiError, AuditEntry, DomainInfo, Role};

const RECENT: u32 = 10;

#[component]
pub fn HomePage() -> impl IntoView {
    let domain = page_resource(Role::TeamLead, || (), |()| describe_domain());
    let activity = page_resource(Role::TeamLead, || (), |()| recent_activity(RECENT));
    view! {
        <Title text="Overview · Meshgate"/>
        <RequireRole>
            <Overview domain activity/>
        </RequireRole>
    }
}

#[component]
fn Overview(
    domain: Resource<Result<DomainInfo, ApiError>>,
    activity: Resource<Result<Vec<AuditEntry>, ApiError>>,
) -> impl IntoView {
    let (refreshing, set_refreshing) = signal(false);
    let refetch = Callback::new(move |()| activity.refetch());

    view! {
        <h1 class="text-2xl font-bold tracking-tight">"Overview"</h1>
        <p class="mt-1 text-slate-600">
            "Request projects, find data products and decide on access for your data mesh."
        </p>
        <DomainCard domain/>
        <section aria-labelledby="activity-title" class="mt-8 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <div class="flex items-center justify-between border-b border-slate-200 px-4 py-3">
                <h2 id="activity-title" class="font-semibold">"Recent activity"</h2>
                <button
                    type="button"
                    class="rounded px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-emerald-500 disabled:opacity-50"
                    disabled=move || refreshing.get()
                    on:click=move |_| refetch.run(())
                >
                    {move || if refreshing.get() { "Refreshing…" } else { "Refresh" }}
                </button>
            </div>
            <Loaded resource=activity set_pending=set_refreshing let:events>
                {if events.is_empty() {
                    view! {
                        <EmptyState title="No activity yet">
                            "Project requests, approvals and subscriptions will appear here as people use the portal."
                        </EmptyState>
                    }
                        .into_any()
                } else {
                    view! { <ActivityList events/> }.into_any()
                }}
            </Loaded>
        </section>
    }
}

/// Which DataZone domain this portal manages, with a way into SageMaker Unified Studio.
#[component]
fn DomainCard(domain: Resource<Result<DomainInfo, ApiError>>) -> impl IntoView {
    view! {
        <section aria-labelledby="domain-title" class="mt-6 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <h2 id="domain-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Data mesh"</h2>
            <Loaded resource=domain rows=2 let:info>
                <DomainDetails info/>
            </Loaded>
        </section>
    }
}

#[component]
fn DomainDetails(info: DomainInfo) -> impl IntoView {
    view! {
        <div class="flex flex-col gap-3 p-4 sm:flex-row sm:items-center sm:justify-between" data-testid="domain">
            <div class="min-w-0">
                <p class="text-lg font-semibold">{info.name}</p>
                <p class="text-sm text-slate-600">{info.description}</p>
                <p class="mt-1 break-all text-xs text-slate-500">
                    <span class="font-mono">{info.id}</span>
                    " · "
                    {info.region}
                    " · "
                    <span class="rounded bg-emerald-50 px-1.5 py-0.5 font-medium text-emerald-800">{info.status}</span>
                </p>
            </div>
            {info
                .portal_url
                .map(|url| {
                    view! {
                        <a
                            href=url
                            target="_blank"
                            rel="noopener noreferrer"
                            class="shrink-0 rounded bg-slate-900 px-3 py-2 text-center text-sm font-medium text-white hover:bg-slate-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-emerald-500"
                        >
                            "Open SageMaker Unified Studio"
                        </a>
                    }
                })}
        </div>
    }
}

#[component]
fn ActivityList(events: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <ul class="divide-y divide-slate-100" data-testid="activity-list">
            {events
                .into_iter()
                .map(|event| {
                    view! {
                        <li class="flex flex-col gap-1 px-4 py-3 sm:flex-row sm:items-center sm:gap-4">
                            <time
                                class="shrink-0 text-xs tabular-nums text-slate-500 sm:w-40"
                                datetime=event.at
                            >
                                {event.at_text}
                            </time>
                            <span class="text-sm">
                                <span class="font-medium">{event.actor}</span>
                                " "
                                <code class="rounded bg-slate-100 px-1.5 py-0.5 text-xs">{event.action}</code>
                                " "
                                <span class="text-slate-600">{event.target_kind}" "{event.target_id}</span>
                                {(event.folded > 0)
                                    .then(|| {
                                        view! {
                                            <span class="text-slate-500">
                                                {format!(" and {} more like it", event.folded)}
                                            </span>
                                        }
                                    })}
                            </span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
