//! Reports (platform admins): the dashboard's charts, drawn as SVG on the server so they
//! read without JavaScript; usage of data products; and access reports with CSV export.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{load_access_report, report_dashboard, report_drift, report_usage, CheckDrift};
use crate::components::{
    on_result, page_resource, ActionError, EmptyState, Loaded, RequireRole, BUTTON_PRIMARY, BUTTON_SECONDARY, INPUT,
    LABEL, LINK, PANEL, PANEL_MT6,
};
use crate::model::{
    AccessQuery, AccessReport, ApiError, BarItem, Dashboard, DecisionTime, DriftFinding, DriftReport, Role,
    StackedChart, UsageRow,
};
use crate::pages::url::query_string;

/// Series colours, in order (Tailwind's emerald, sky, amber, rose, slate).
const COLOURS: [&str; 5] = ["#10b981", "#0ea5e9", "#f59e0b", "#f43f5e", "#64748b"];

/// A count as a drawing coordinate.
fn float(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

#[component]
fn ReportTabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        let on = href == current;
        view! {
            <a href=href class="rounded px-3 py-1.5 text-sm" class=("bg-slate-900", on) class=("text-white", on)
                class=("text-slate-700", !on) class=("hover:bg-slate-100", !on) aria-current=on.then_some("page")>{label}</a>
        }
    };
    view! {
        <nav aria-label="Reports" class="mt-4 flex flex-wrap gap-2">
            {tab("/reports", "Dashboard")}
            {tab("/reports/usage", "Usage of data products")}
            {tab("/reports/access", "Who has access")}
            {tab("/reports/drift", "Drift")}
        </nav>
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let dashboard = page_resource(Role::Admin, || (), |()| report_dashboard());
    view! {
        <Title text="Reports · Meshgate"/>
        <RequireRole role=Role::Admin>
            <h1 class="text-2xl font-bold tracking-tight">"Reports"</h1>
            <p class="mt-1 text-slate-600">"Project and subscription activity across the mesh."</p>
            <ReportTabs current="/reports"/>
            <Loaded resource=dashboard rows=8 class=PANEL_MT6 let:d>
                <DashboardView d/>
            </Loaded>
        </RequireRole>
    }
}

#[component]
fn Card(title: &'static str, testid: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class=PANEL data-testid=testid>
            <h2 class="border-b border-slate-200 px-4 py-3 font-semibold">{title}</h2>
            <div class="p-4">{children()}</div>
        </section>
    }
}

#[component]
fn DashboardView(d: Dashboard) -> impl IntoView {
    view! {
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <Card title="Project requests per week, by environment" testid="chart-weeks-env">
                <Columns chart=d.project_weeks_by_environment empty="No project requests in the last twelve weeks."/>
            </Card>
            <Card title="Project requests per week, by outcome" testid="chart-weeks-outcome">
                <Columns chart=d.project_weeks_by_outcome empty="No project requests in the last twelve weeks."/>
            </Card>
            <Card title="Subscription requests by status" testid="chart-statuses">
                <Bars items=d.subscription_statuses empty="No subscription requests yet."/>
            </Card>
            <Card title="Top requested assets, last twelve weeks" testid="chart-top-assets">
                <Bars items=d.top_assets empty="No subscription requests in the last twelve weeks."/>
            </Card>
            <Card title="Time to decision, last twelve weeks" testid="decision-times">
                <Times rows=d.decision_by_kind label="Decided by"/>
                <div class="mt-4"><Times rows=d.decision_by_unit label="Owner's domain unit"/></div>
            </Card>
            <Card title="Live projects per domain unit, by environment" testid="chart-projects">
                <Columns chart=d.projects_by_unit empty="No live projects made through Meshgate yet."/>
            </Card>
        </div>
    }
}

/// Stacked columns with a legend, and the numbers in a table for screen readers.
#[component]
fn Columns(chart: StackedChart, empty: &'static str) -> impl IntoView {
    if chart.is_empty() {
        return view! { <p class="text-sm text-slate-500">{empty}</p> }.into_any();
    }
    let (width, height, bottom) = (640.0_f64, 220.0_f64, 40.0_f64);
    let max = f64::from(chart.max_total());
    let n = chart.categories.len().max(1);
    let slot = width / float(n);
    let bar = (slot * 0.6).max(4.0);
    let mut rects = Vec::new();
    for (i, category) in chart.categories.iter().enumerate() {
        let mut y = height - bottom;
        for (k, series) in chart.series.iter().enumerate() {
            let value = series.values.get(i).copied().unwrap_or(0);
            if value == 0 {
                continue;
            }
            let h = f64::from(value) / max * (height - bottom - 10.0);
            y -= h;
            let x = float(i) * slot + (slot - bar) / 2.0;
            let tip = format!("{category} · {}: {value}", series.label);
            rects.push(view! {
                <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{bar:.1}") height=format!("{h:.1}") fill=COLOURS[k % COLOURS.len()]>
                    <title>{tip}</title>
                </rect>
            });
        }
    }
    let step = (n / 6).max(1);
    let labels = chart
        .categories
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0)
        .map(|(i, c)| {
            let x = float(i) * slot + slot / 2.0;
            view! { <text x=format!("{x:.1}") y=format!("{:.1}", height - bottom + 16.0) text-anchor="middle" font-size="11" fill="#475569">{c.clone()}</text> }
        })
        .collect_view();
    let legend = chart.series.iter().enumerate().map(|(k, s)| view! {
        <li class="flex items-center gap-1">
            <svg viewBox="0 0 12 12" class="h-3 w-3" aria-hidden="true"><rect width="12" height="12" rx="2" fill=COLOURS[k % COLOURS.len()]/></svg>
            {s.label.clone()}
        </li>
    }).collect_view();
    let table_rows = chart.categories.iter().enumerate().map(|(i, c)| view! {
        <tr><th scope="row" class="pr-3 text-left font-normal">{c.clone()}</th>
            {chart.series.iter().map(|s| view! { <td class="pr-3 tabular-nums">{s.values.get(i).copied().unwrap_or(0)}</td> }).collect_view()}
        </tr>
    }).collect_view();
    view! {
        <svg viewBox=format!("0 0 {width} {height}") class="h-auto w-full" role="img" aria-label="Stacked column chart">
            <line x1="0" x2=width.to_string() y1=format!("{:.1}", height - bottom) y2=format!("{:.1}", height - bottom) stroke="#cbd5e1"/>
            <text x="0" y="10" font-size="11" fill="#64748b">{format!("max {}", chart.max_total())}</text>
            {rects}
            {labels}
        </svg>
        <ul class="mt-2 flex flex-wrap gap-3 text-xs text-slate-600">{legend}</ul>
        <details class="mt-2 text-xs">
            <summary class="cursor-pointer text-slate-500">"Numbers"</summary>
            <table class="mt-1">
                <thead><tr><th></th>{chart.series.iter().map(|s| view! { <th scope="col" class="pr-3 text-left">{s.label.clone()}</th> }).collect_view()}</tr></thead>
                <tbody>{table_rows}</tbody>
            </table>
        </details>
    }
    .into_any()
}

/// Horizontal bars, labelled, with the value beside each.
#[component]
fn Bars(items: Vec<BarItem>, empty: &'static str) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="text-sm text-slate-500">{empty}</p> }.into_any();
    }
    // A narrow drawing (label line above each bar) that stays legible on a phone.
    let (width, row, longest) = (340.0_f64, 34.0_f64, 280.0_f64);
    let max = items.iter().map(|i| i.value).fold(1.0_f64, f64::max);
    let height = row * float(items.len());
    let bars = items
        .into_iter()
        .enumerate()
        .map(|(k, item)| {
            let y = float(k) * row;
            let w = (item.value / max * longest).max(1.0);
            let tip = match &item.detail {
                Some(detail) => format!("{} ({detail}): {}", item.label, item.note),
                None => format!("{}: {}", item.label, item.note),
            };
            view! {
                <g data-bar=item.label.clone()>
                    <title>{tip}</title>
                    <text x="0" y=format!("{:.1}", y + 12.0) font-size="11" fill="#0f172a">{item.label.clone()}</text>
                    {item.detail.map(|detail| view! {
                        <text x=format!("{width:.0}") y=format!("{:.1}", y + 12.0) text-anchor="end" font-size="10" fill="#64748b">{detail}</text>
                    })}
                    <rect x="0" y=format!("{:.1}", y + 16.0) width=format!("{w:.1}") height="10" rx="2" fill=COLOURS[0]></rect>
                    <text x=format!("{:.1}", w + 5.0) y=format!("{:.1}", y + 25.0) font-size="10" fill="#475569">{item.note}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg viewBox=format!("0 0 {width:.0} {height:.0}") class="h-auto w-full max-w-md" role="img" aria-label="Bar chart">{bars}</svg>
    }
    .into_any()
}

fn hours(h: f64) -> String {
    if h < 1.0 {
        format!("{:.0} min", h * 60.0)
    } else if h < 48.0 {
        format!("{h:.1} h")
    } else {
        format!("{:.1} days", h / 24.0)
    }
}

#[component]
fn Times(rows: Vec<DecisionTime>, label: &'static str) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="text-sm text-slate-500">"No decisions in the last twelve weeks."</p> }.into_any();
    }
    view! {
        <table class="min-w-full text-left text-sm">
            <thead class="text-xs uppercase tracking-wide text-slate-500">
                <tr><th scope="col" class="py-1 pr-3">{label}</th><th scope="col" class="pr-3">"Decided"</th><th scope="col" class="pr-3">"Median"</th><th scope="col">"p90"</th></tr>
            </thead>
            <tbody class="divide-y divide-slate-100">
                {rows.into_iter().map(|t| view! {
                    <tr data-group=t.group.clone()>
                        <td class="py-1 pr-3">{t.group.clone()}</td>
                        <td class="pr-3 tabular-nums">{t.decided}</td>
                        <td class="whitespace-nowrap pr-3 tabular-nums">{hours(t.median_hours)}</td>
                        <td class="whitespace-nowrap tabular-nums">{hours(t.p90_hours)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn UsagePage() -> impl IntoView {
    let usage = page_resource(Role::Admin, || (), |()| report_usage());
    view! {
        <Title text="Usage · Meshgate"/>
        <RequireRole role=Role::Admin>
            <h1 class="text-2xl font-bold tracking-tight">"Reports"</h1>
            <ReportTabs current="/reports/usage"/>
            <section class=format!("mt-6 {PANEL}")>
                <Loaded resource=usage rows=6 let:rows>
                    {if rows.is_empty() {
                        view! {
                            <EmptyState title="No subscription requests yet">"Usage appears once people ask for data."</EmptyState>
                        }.into_any()
                    } else {
                        view! { <UsageTable rows/> }.into_any()
                    }}
                </Loaded>
            </section>
        </RequireRole>
    }
}

/// Eight weeks of requests as a tiny line.
fn sparkline(trend: &[u32]) -> impl IntoView {
    let max = f64::from(trend.iter().copied().max().unwrap_or(0).max(1));
    let points: Vec<String> =
        trend.iter().enumerate().map(|(i, v)| format!("{},{:.1}", i * 10, 18.0 - f64::from(*v) / max * 16.0)).collect();
    let label =
        format!("Requests per week, oldest first: {}", trend.iter().map(u32::to_string).collect::<Vec<_>>().join(", "));
    view! {
        <svg viewBox="0 0 70 20" class="h-5 w-20" role="img" aria-label=label.clone()>
            <title>{label.clone()}</title>
            <polyline points=points.join(" ") fill="none" stroke=COLOURS[1] stroke-width="1.5"/>
        </svg>
    }
}

#[component]
fn UsageTable(rows: Vec<UsageRow>) -> impl IntoView {
    view! {
        <div class="overflow-x-auto">
            <table class="min-w-full text-left text-sm" data-testid="usage">
                <thead class="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                    <tr>
                        <th scope="col" class="px-4 py-2">"Asset"</th>
                        <th scope="col" class="px-4 py-2">"Published by"</th>
                        <th scope="col" class="px-4 py-2">"Subscribers"</th>
                        <th scope="col" class="px-4 py-2">"Requests"</th>
                        <th scope="col" class="px-4 py-2">"Rejections"</th>
                        <th scope="col" class="px-4 py-2">"Last 8 weeks"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {rows.into_iter().map(|r| view! {
                        <tr data-asset=r.asset_name.clone()>
                            <td class="px-4 py-2"><a class=LINK href=format!("/reports/access?{}", query_string(&[("by", "asset"), ("value", &r.listing_id)]))>{r.asset_name.clone()}</a></td>
                            <td class="px-4 py-2">{r.owner_project}</td>
                            <td class="px-4 py-2 tabular-nums">{r.subscribers}</td>
                            <td class="px-4 py-2 tabular-nums">{r.requests}</td>
                            <td class="px-4 py-2 tabular-nums">{r.rejections}</td>
                            <td class="px-4 py-2">{sparkline(&r.trend)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn AccessReportPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        params.with(|p| AccessQuery {
            by: p.get("by").filter(|b| !b.is_empty()).unwrap_or_else(|| "asset".into()),
            value: p.get("value").unwrap_or_default(),
        })
    });
    let report = page_resource(Role::Admin, move || query.get(), load_access_report);
    let csv =
        move || query.with(|q| format!("/reports/access.csv?{}", query_string(&[("by", &q.by), ("value", &q.value)])));
    view! {
        <Title text="Who has access · Meshgate"/>
        <RequireRole role=Role::Admin>
            <h1 class="text-2xl font-bold tracking-tight">"Reports"</h1>
            <ReportTabs current="/reports/access"/>
            <form method="get" action="/reports/access" class=format!("mt-6 flex flex-wrap items-end gap-3 p-4 {PANEL}")>
                <div>
                    <label for="access-by" class=LABEL>"Report"</label>
                    <select id="access-by" name="by" class=INPUT prop:value=move || query.with(|q| q.by.clone())>
                        <option value="asset">"Who has access to an asset"</option>
                        <option value="project">"What a project subscribes to"</option>
                        <option value="person">"What a person can reach"</option>
                    </select>
                </div>
                <div class="w-full min-w-0 sm:w-auto sm:flex-1">
                    <label for="access-value" class=LABEL>"Asset, project or user name (or id)"</label>
                    <input id="access-value" name="value" type="text" class=INPUT placeholder="customer_master"
                        prop:value=move || query.with(|q| q.value.clone())/>
                </div>
                <button type="submit" class=BUTTON_PRIMARY>"Show"</button>
                <a href=csv rel="external" download class=BUTTON_SECONDARY>"Export CSV"</a>
            </form>
            <section class=format!("mt-6 {PANEL}")>
                <Loaded resource=report rows=5 let:r>
                    {if query.with_untracked(|q| q.value.trim().is_empty()) {
                        view! { <EmptyState title="Choose what to report on">"Name an asset, a project or a person above."</EmptyState> }.into_any()
                    } else {
                        view! { <AccessTable report=r/> }.into_any()
                    }}
                </Loaded>
            </section>
        </RequireRole>
    }
}

#[component]
fn AccessTable(report: AccessReport) -> impl IntoView {
    let AccessReport { title, rows } = report;
    view! {
        <h2 class="border-b border-slate-200 px-4 py-3 font-semibold" data-testid="access-title">{title}</h2>
        {if rows.is_empty() {
            view! { <EmptyState title="Nothing found">"No requests or subscriptions match."</EmptyState> }.into_any()
        } else {
            view! {
                <div class="overflow-x-auto">
                    <table class="min-w-full text-left text-sm" data-testid="access-rows">
                        <thead class="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                            <tr>
                                <th scope="col" class="px-4 py-2">"Asset"</th>
                                <th scope="col" class="px-4 py-2">"Project"</th>
                                <th scope="col" class="px-4 py-2">"Access"</th>
                                <th scope="col" class="px-4 py-2">"Grants"</th>
                                <th scope="col" class="px-4 py-2">"Since"</th>
                                <th scope="col" class="px-4 py-2">"Until"</th>
                                <th scope="col" class="px-4 py-2">"Decided by"</th>
                                <th scope="col" class="px-4 py-2">"Requested by"</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-slate-100">
                            {rows.into_iter().map(|r| {
                                let access = match (r.status.as_str(), r.subscription.as_deref()) {
                                    (_, Some(s)) => s.to_lowercase(),
                                    (status, None) => status.to_lowercase(),
                                };
                                view! {
                                    <tr data-project=r.project_name.clone() data-access=access.clone()>
                                        <td class="px-4 py-2"><a class=LINK href=format!("/subscriptions/{}", r.request_id)>{r.asset_name.clone()}</a></td>
                                        <td class="px-4 py-2">{r.project_name.clone()}</td>
                                        <td class="px-4 py-2">{access.clone()}</td>
                                        <td class="px-4 py-2" data-testid="grants">{r.grants.unwrap_or_default()}</td>
                                        <td class="whitespace-nowrap px-4 py-2 tabular-nums">{r.since.unwrap_or_default()}</td>
                                        <td class="whitespace-nowrap px-4 py-2 tabular-nums">{r.expires_at.unwrap_or_default()}</td>
                                        <td class="px-4 py-2">{r.decided_by.unwrap_or_default()}</td>
                                        <td class="px-4 py-2">{r.requester}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}

/// Differences between the portal and DataZone, as the periodic drift check finds them.
#[component]
pub fn DriftPage() -> impl IntoView {
    let report = page_resource(Role::Admin, || (), |()| report_drift());
    let check = ServerAction::<CheckDrift>::new();
    let error = RwSignal::new(None::<ApiError>);
    on_result(check.value(), error, move |_| report.refetch());
    view! {
        <Title text="Drift · Meshgate"/>
        <RequireRole role=Role::Admin>
            <h1 class="text-2xl font-bold tracking-tight">"Reports"</h1>
            <ReportTabs current="/reports/drift"/>
            <section class=format!("mt-6 {PANEL}") aria-labelledby="drift-title">
                <div class="flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 px-4 py-3">
                    <div>
                        <h2 id="drift-title" class="font-semibold">"Drift from DataZone"</h2>
                        <p class="text-sm text-slate-600">
                            "What the portal holds (projects, members, access, grants) compared with what DataZone holds, including changes made in SageMaker Unified Studio."
                        </p>
                    </div>
                    <button type="button" class=BUTTON_SECONDARY data-testid="check-drift"
                        disabled=move || check.pending().get()
                        on:click=move |_| { check.dispatch(CheckDrift {}); }>
                        {move || if check.pending().get() { "Checking…" } else { "Check now" }}
                    </button>
                </div>
                <ActionError error=error.into()/>
                <Loaded resource=report rows=6 let:r>
                    <DriftView r/>
                </Loaded>
            </section>
        </RequireRole>
    }
}

#[component]
fn DriftView(r: DriftReport) -> impl IntoView {
    let DriftReport { open, resolved, checked_at, failed, every_seconds } = r;
    let every =
        if every_seconds % 60 == 0 { format!("{} min", every_seconds / 60) } else { format!("{every_seconds} s") };
    let checked = checked_at.map_or_else(|| "Not checked yet".to_owned(), |at| format!("Last checked {at}"));
    view! {
        <p class="px-4 pt-3 text-xs text-slate-500" data-testid="drift-checked">{format!("{checked} · checked every {every}")}</p>
        {failed.map(|(at, why)| view! {
            <p role="status" class="mx-4 mt-2 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
                {format!("The check at {at} failed: {why}")}
            </p>
        })}
        {if open.is_empty() {
            view! {
                <EmptyState title="No drift">"The portal and DataZone agree on everything the check compares."</EmptyState>
            }.into_any()
        } else {
            view! { <Findings findings=open testid="drift-open"/> }.into_any()
        }}
        {(!resolved.is_empty()).then(|| view! {
            <h3 class="border-t border-slate-200 px-4 pb-1 pt-4 text-sm font-semibold text-slate-700">"Resolved recently"</h3>
            <Findings findings=resolved testid="drift-resolved"/>
        })}
    }
}

#[component]
fn Findings(findings: Vec<DriftFinding>, testid: &'static str) -> impl IntoView {
    view! {
        <ul class="divide-y divide-slate-100 text-sm" data-testid=testid>
            {findings.into_iter().map(|f| view! {
                <li class="px-4 py-3" data-kind=f.kind.clone()>
                    <div class="flex flex-wrap items-baseline justify-between gap-2">
                        <span class="font-medium">{f.kind_label.clone()}</span>
                        <span class="text-xs text-slate-500">
                            {format!("Found {}", f.found_at)}
                            {f.resolved_at.clone().map(|at| format!(" · resolved {at}"))}
                        </span>
                    </div>
                    <p class="mt-1 break-words text-slate-700">
                        {f.summary.clone()}
                        {f.href.clone().map(|href| view! { " " <a href=href class=LINK>"Open the request"</a> })}
                    </p>
                    <p class="mt-1 text-xs text-slate-600">{format!("What the portal did: {}", f.action)}</p>
                </li>
            }).collect_view()}
        </ul>
    }
}
