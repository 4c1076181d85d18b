//! The approval queue: project requests (and retirements) waiting for the viewer's decision.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::project_approvals;
use crate::components::{page_resource, EmptyState, Loaded, RequireRole, StatusBadge, LINK, PANEL};
use crate::model::{ApiError, RequestSummary, Role};

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let queue = page_resource(Role::TeamLead, || (), |()| project_approvals());
    view! {
        <Title text="Approvals · Meshgate"/>
        <RequireRole>
            <ApprovalQueue queue/>
        </RequireRole>
    }
}

#[component]
fn ApprovalQueue(queue: Resource<Result<Vec<RequestSummary>, ApiError>>) -> impl IntoView {
    view! {
        <h1 class="text-2xl font-bold tracking-tight">"Approvals"</h1>
        <p class="mt-1 text-slate-600">
            "Staging and Prod project requests, and retirements, in the domain units you may decide for. Oldest first."
        </p>
        <section class=format!("mt-6 {PANEL}")>
            <Loaded resource=queue let:list>
                {if list.is_empty() {
                    view! {
                        <EmptyState title="Nothing awaits your decision">
                            "Requests that need a platform admin or a domain-unit owner you belong to appear here."
                        </EmptyState>
                    }.into_any()
                } else {
                    view! { <QueueTable list/> }.into_any()
                }}
            </Loaded>
        </section>
    }
}

#[component]
fn QueueTable(list: Vec<RequestSummary>) -> impl IntoView {
    view! {
        <div class="overflow-x-auto">
            <table class="min-w-full text-left text-sm" data-testid="approvals">
                <thead class="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                    <tr>
                        <th scope="col" class="px-4 py-2">"Project"</th>
                        <th scope="col" class="px-4 py-2">"Environment"</th>
                        <th scope="col" class="px-4 py-2">"Domain unit"</th>
                        <th scope="col" class="px-4 py-2">"Requested by"</th>
                        <th scope="col" class="px-4 py-2">"Waiting"</th>
                        <th scope="col" class="px-4 py-2">"Status"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {list.into_iter().map(|r| view! {
                        <tr>
                            <td class="px-4 py-2"><a href=format!("/requests/{}", r.id) class=LINK>{r.project_name}</a></td>
                            <td class="px-4 py-2">{r.environment.label()}</td>
                            <td class="px-4 py-2">{r.domain_unit_name}</td>
                            <td class="px-4 py-2">{r.requested_by_name}</td>
                            <td class="px-4 py-2 tabular-nums"><time title=r.created_at>{r.age}</time></td>
                            <td class="px-4 py-2"><StatusBadge status=r.status/></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
