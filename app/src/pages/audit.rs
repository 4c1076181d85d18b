//! The audit log (platform admins): every event with who, what, on what, when, the request
//! it came from and what changed; filtered in the URL (a plain GET form, so it works before
//! the page hydrates), paged by keyset, exported as CSV with the same filters.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit_log;
use crate::components::{
    page_resource, CurrentUser, EmptyState, Loaded, RequireRole, BUTTON_PRIMARY, BUTTON_SECONDARY, INPUT, LABEL, PANEL,
};
use crate::model::{ApiError, AuditLogPage, AuditQuery, AuditRow, Role};
use crate::pages::url::query_string;

#[component]
pub fn AuditPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        params.with(|p| AuditQuery {
            actor: p.get("actor").unwrap_or_default(),
            action: p.get("action").unwrap_or_default(),
            target: p.get("target").unwrap_or_default(),
            from: p.get("from").unwrap_or_default(),
            to: p.get("to").unwrap_or_default(),
            before: p.get("before").and_then(|b| b.parse().ok()),
        })
    });
    let page = page_resource(
        Role::Steward,
        move || query.get(),
        |q| audit_log(q.actor, q.action, q.target, q.from, q.to, q.before),
    );
    view! {
        <Title text="Audit log · Meshgate"/>
        <RequireRole role=Role::Steward>
            <AuditLog query page/>
        </RequireRole>
    }
}

#[component]
fn AuditLog(query: Memo<AuditQuery>, page: Resource<Result<AuditLogPage, ApiError>>) -> impl IntoView {
    let filters = move || query.with(|q| query_string(&q.pairs()));
    // Platform admins read (and export) everything; stewards the requests they govern.
    let user = CurrentUser::get().0;
    let admin = move || user.get().and_then(Result::ok).flatten().is_some_and(|c| c.has(Role::Admin));
    view! {
        <div class="flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-bold tracking-tight">"Audit log"</h1>
                <p class="mt-1 text-slate-600">
                    {move || if admin() {
                        "Every change made through Meshgate: who, what, when, and what it was before."
                    } else {
                        "What happened to the subscription requests you govern: who, what, when."
                    }}
                </p>
            </div>
            {move || admin().then(|| view! {
                <a href=move || format!("/audit/export.csv?{}", filters()) rel="external" download class=BUTTON_SECONDARY>"Export CSV"</a>
            })}
        </div>
        <form method="get" action="/audit" class=format!("mt-6 grid gap-3 p-4 sm:grid-cols-3 lg:grid-cols-6 {PANEL}")>
            <Field name="actor" label="Actor" value=move || query.with(|q| q.actor.clone()) placeholder="user name"/>
            <Field name="action" label="Action" value=move || query.with(|q| q.action.clone()) placeholder="project.approved"/>
            <Field name="target" label="Target id" value=move || query.with(|q| q.target.clone()) placeholder="id"/>
            <Field name="from" label="From" kind="date" value=move || query.with(|q| q.from.clone()) placeholder=""/>
            <Field name="to" label="To" kind="date" value=move || query.with(|q| q.to.clone()) placeholder=""/>
            <div class="flex items-end gap-2">
                <button type="submit" class=BUTTON_PRIMARY>"Filter"</button>
                <a href="/audit" class=BUTTON_SECONDARY>"Clear"</a>
            </div>
        </form>
        <section class=format!("mt-6 {PANEL}")>
            <Loaded resource=page rows=6 let:page>
                {
                    let AuditLogPage { rows, next_before } = page;
                    if rows.is_empty() {
                        view! {
                            <EmptyState title="No events match">"Loosen the filters, or clear them to see everything."</EmptyState>
                        }.into_any()
                    } else {
                        let older = next_before.map(|b| {
                            let mut pairs = query.get_untracked().pairs().into_iter().map(|(k, v)| (k, v.to_owned())).collect::<Vec<_>>();
                            pairs.push(("before", b.to_string()));
                            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                            format!("/audit?{}", query_string(&pairs))
                        });
                        view! { <AuditTable rows older/> }.into_any()
                    }
                }
            </Loaded>
        </section>
    }
}

#[component]
fn Field(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    value: impl Fn() -> String + Send + Sync + 'static,
    placeholder: &'static str,
) -> impl IntoView {
    view! {
        <div>
            <label for=format!("audit-{name}") class=LABEL>{label}</label>
            <input id=format!("audit-{name}") name=name type=kind class=INPUT placeholder=placeholder prop:value=value/>
        </div>
    }
}

#[component]
fn AuditTable(rows: Vec<AuditRow>, older: Option<String>) -> impl IntoView {
    view! {
        <div class="overflow-x-auto">
            <table class="min-w-full text-left text-sm" data-testid="audit-rows">
                <thead class="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                    <tr>
                        <th scope="col" class="px-4 py-2">"Time"</th>
                        <th scope="col" class="px-4 py-2">"Actor"</th>
                        <th scope="col" class="px-4 py-2">"Action"</th>
                        <th scope="col" class="px-4 py-2">"Target"</th>
                        <th scope="col" class="px-4 py-2">"Request"</th>
                        <th scope="col" class="px-4 py-2">"Change"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 align-top">
                    {rows.into_iter().map(|r| {
                        let e = r.entry;
                        let marker = e.action.clone();
                        let request = e.request_id.clone().unwrap_or_default();
                        // The first block of the id is enough to tell requests apart at a glance.
                        let short_request = request.split('-').next().unwrap_or_default().to_owned();
                        let change = (r.before.is_some() || r.after.is_some()).then(|| view! {
                            <details>
                                <summary class="cursor-pointer text-emerald-700">"Show"</summary>
                                {r.before.map(|b| view! { <p class="mt-1 text-xs font-medium">"Before"</p><pre class="max-w-md overflow-x-auto rounded bg-slate-50 p-2 text-xs">{b}</pre> })}
                                {r.after.map(|a| view! { <p class="mt-1 text-xs font-medium">"After"</p><pre class="max-w-md overflow-x-auto rounded bg-slate-50 p-2 text-xs">{a}</pre> })}
                            </details>
                        });
                        view! {
                            <tr data-action=marker>
                                <td class="whitespace-nowrap px-4 py-2 tabular-nums text-slate-600"><time datetime=e.at>{e.at_text}</time></td>
                                <td class="whitespace-nowrap px-4 py-2">{e.actor}</td>
                                <td class="whitespace-nowrap px-4 py-2"><code class="rounded bg-slate-100 px-1 text-xs">{e.action}</code></td>
                                <td class="min-w-48 px-4 py-2 break-all">{e.target_kind}" "<span class="text-slate-600">{e.target_id}</span></td>
                                <td class="whitespace-nowrap px-4 py-2 font-mono text-xs text-slate-500" title=request.clone()>{short_request}</td>
                                <td class="px-4 py-2">{change}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <div class="flex justify-end gap-2 border-t border-slate-200 px-4 py-3">
            <a href="/audit" class=BUTTON_SECONDARY>"Newest"</a>
            {older.map(|href| view! { <a href=href class=BUTTON_SECONDARY>"Older events →"</a> })}
        </div>
    }
}
