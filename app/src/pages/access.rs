//! "My access": per project of the viewer, the subscription requests made for it, their
//! decisions (with the rejection comment), grant status per target, and upcoming expiries.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::my_subscriptions;
use crate::components::{page_resource, EmptyState, Loaded, RequireRole, BUTTON_PRIMARY, LINK, PANEL, PANEL_MT6};
use crate::model::{ApiError, MySubscription, ProjectSubscriptions, Role};
use crate::pages::inbox::RequestBadge;
use crate::pages::live::every;

#[component]
pub fn MyAccessPage() -> impl IntoView {
    let mine = page_resource(Role::TeamLead, || (), |()| my_subscriptions());
    view! {
        <Title text="My access · Meshgate"/>
        <RequireRole>
            <MyAccess mine/>
        </RequireRole>
    }
}

#[component]
fn MyAccess(mine: Resource<Result<Vec<ProjectSubscriptions>, ApiError>>) -> impl IntoView {
    // Pending requests and grants on their way settle by themselves.
    every(5, move || {
        let moving = mine.get_untracked().and_then(Result::ok).is_some_and(|projects| {
            projects.iter().flat_map(|p| &p.items).any(|s| {
                s.status == "PENDING"
                    || s.grants.iter().any(|g| g.status.ends_with("PROGRESS") || g.status.contains("PENDING"))
            })
        });
        if moving {
            mine.refetch();
        }
    });
    view! {
        <div class="flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-bold tracking-tight">"My access"</h1>
                <p class="mt-1 text-slate-600">"The data your projects asked for, what was decided, and when access ends."</p>
            </div>
            <a href="/catalog" class=BUTTON_PRIMARY>"Find data"</a>
        </div>
        <Loaded resource=mine rows=6 class=PANEL_MT6 let:projects>
            {if projects.is_empty() {
                view! {
                    <div class=PANEL_MT6>
                        <EmptyState title="No projects yet">"Access is requested for a project: request one under My projects first."</EmptyState>
                    </div>
                }.into_any()
            } else {
                view! {
                    <div class="mt-6 space-y-6" data-testid="my-access">
                        {projects.into_iter().map(|p| view! { <ProjectCard project=p/> }).collect_view()}
                    </div>
                }.into_any()
            }}
        </Loaded>
    }
}

#[component]
fn ProjectCard(project: ProjectSubscriptions) -> impl IntoView {
    let ProjectSubscriptions { project_name, items, .. } = project;
    view! {
        <section class=PANEL data-project=project_name.clone()>
            <h2 class="border-b border-slate-200 px-4 py-3 font-semibold">{project_name.clone()}</h2>
            {if items.is_empty() {
                view! { <p class="px-4 py-3 text-sm text-slate-500">"No requests for this project yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100">
                        {items.into_iter().map(|item| view! { <Item item/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Item(item: MySubscription) -> impl IntoView {
    let ended = item.subscription_status.clone().filter(|s| s != "APPROVED");
    view! {
        <li class="px-4 py-3 text-sm" data-asset=item.asset_name.clone()>
            <div class="flex flex-wrap items-center justify-between gap-2">
                <div class="min-w-0">
                    <a href=format!("/subscriptions/{}", item.request_id) class=LINK>{item.asset_name.clone()}</a>
                    <span class="ml-2 text-xs text-slate-500">{format!("from {} · asked {}", item.owner_project, item.created_at)}</span>
                </div>
                <div class="flex flex-wrap items-center gap-2">
                    {ended.map(|s| view! { <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-700" data-testid="ended">{format!("Access {}", s.to_lowercase())}</span> })}
                    <RequestBadge status=item.status.clone()/>
                </div>
            </div>
            {(item.status == "REJECTED").then(|| view! {
                <p class="mt-1 text-red-800" data-testid="rejection">
                    {format!("{}: {}", item.decided_by.clone().unwrap_or_else(|| "Steward".into()), item.decision_comment.clone().unwrap_or_else(|| "no comment given".into()))}
                </p>
            })}
            {item.expires_at.clone().filter(|_| item.subscription_status.as_deref() == Some("APPROVED")).map(|e| view! {
                <p class="mt-1 text-xs" class=("text-amber-800", item.expiring_soon) class=("text-slate-500", !item.expiring_soon)>
                    {format!("Access ends {e}")}
                    {item.expiring_soon.then_some(" — soon")}
                    {item.extension_pending.then_some(" · extension requested")}
                </p>
            })}
            {(!item.grants.is_empty()).then(|| view! {
                <ul class="mt-2 flex flex-wrap gap-2 text-xs" aria-label="Grants">
                    {item.grants.into_iter().map(|g| {
                        let failed = g.failure.is_some();
                        let text = format!("{}: {}", g.target, g.status.to_lowercase().replace('_', " "));
                        view! {
                            <li class="rounded px-2 py-1 ring-1" class=("bg-slate-50", !failed) class=("ring-slate-200", !failed)
                                class=("bg-red-50", failed) class=("text-red-800", failed) class=("ring-red-200", failed)>
                                {text}{g.failure.map(|cause| format!(" — {cause}"))}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </li>
    }
}
