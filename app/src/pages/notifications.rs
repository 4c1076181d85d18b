//! Notifications: each person's list (newest first, unread marked) and what they want by
//! email; for admins, the delivery log with retries, and a unit's chat channels and review
//! time (on the unit's page).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    my_notifications, notification_deliveries, unit_channels, MarkNotificationsRead, RetryDelivery,
    SaveNotificationPreferences, SaveUnitChannels, SendTestEmail, TestUnitChannel,
};
use crate::components::{
    on_result, page_resource, ActionError, CurrentUser, EmptyState, FieldError, FormState, Loaded, RequireRole,
    BUTTON_PRIMARY, BUTTON_SECONDARY, INPUT, LABEL, LINK, PANEL, PANEL_MT6,
};
use crate::model::{
    ApiError, DeliveriesPage, DeliveryItem, NotificationItem, NotificationPreferences, NotificationsPage, Role,
    UnitChannelsForm, UnitChannelsView, NOTIFICATION_TOPICS, WEBHOOK_URL_MAX,
};

/// `2026-12-01T07:30:00…` as `2026-12-01 07:30 UTC`.
fn when(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => at.to_owned(),
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let page = page_resource(Role::TeamLead, || (), |()| my_notifications());
    view! {
        <Title text="Notifications · Meshgate"/>
        <RequireRole role=Role::TeamLead>
            <h1 class="text-2xl font-bold tracking-tight">"Notifications"</h1>
            <p class="mt-1 max-w-3xl text-slate-600">
                "Requests to review, decisions on yours, access about to end and changes to data you use. "
                "Choose below what also reaches you by email."
            </p>
            <Loaded resource=page let:data>
                <Notifications data on_change=Callback::new(move |()| page.refetch())/>
            </Loaded>
        </RequireRole>
    }
}

#[component]
fn Notifications(data: NotificationsPage, on_change: Callback<()>) -> impl IntoView {
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let error = RwSignal::new(None);
    // The header's count is the signed-in person's: read again with the list.
    let user = CurrentUser::get().0;
    on_result(mark.value(), error, move |()| {
        on_change.run(());
        user.refetch();
    });
    let unread = data.unread;
    view! {
        <div class="mt-6 grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
            <section class=format!("min-w-0 self-start {PANEL}") aria-labelledby="list-title">
                <div class="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
                    <h2 id="list-title" class="font-semibold">
                        {if unread == 0 { "All read".to_owned() } else { format!("{unread} unread") }}
                    </h2>
                    <button type="button" class=BUTTON_SECONDARY disabled=move || unread == 0 || mark.pending().get()
                        on:click=move |_| { mark.dispatch(MarkNotificationsRead { ids: Vec::new() }); }>
                        "Mark all read"
                    </button>
                </div>
                <ActionError error=error.into()/>
                {if data.items.is_empty() {
                    view! {
                        <EmptyState title="Nothing yet">"What happens to your requests, and what waits for you, shows here."</EmptyState>
                    }
                        .into_any()
                } else {
                    view! {
                        <ul class="divide-y divide-slate-100" data-testid="notification-list">
                            {data.items.into_iter().map(|item| view! { <Entry item mark/> }).collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
            </section>
            <Preferences preferences=data.preferences address=data.email_address enabled=data.email_enabled/>
        </div>
    }
}

#[component]
fn Entry(item: NotificationItem, mark: ServerAction<MarkNotificationsRead>) -> impl IntoView {
    let id = item.id;
    let topic = NOTIFICATION_TOPICS.iter().find(|(t, _)| *t == item.topic).map_or("", |(_, label)| *label);
    view! {
        <li class="px-4 py-3" class:bg-emerald-50=!item.read>
            <div class="flex items-start justify-between gap-3">
                <div class="min-w-0">
                    <a href=item.link.clone() class=format!("break-words {LINK}")
                        on:click=move |_| { if !item.read { mark.dispatch(MarkNotificationsRead { ids: vec![id] }); } }>
                        {(!item.read).then(|| view! { <span class="sr-only">"Unread: "</span> })}
                        {item.title.clone()}
                    </a>
                    <p class="mt-1 whitespace-pre-line break-words text-sm text-slate-700">{item.body.clone()}</p>
                    <p class="mt-1 text-xs text-slate-500">{format!("{} · {topic}", when(&item.created_at))}</p>
                </div>
                {(!item.read).then(|| view! {
                    <button type="button" class="shrink-0 text-xs text-slate-600 underline hover:text-slate-900"
                        aria-label=format!("Mark read: {}", item.title)
                        on:click=move |_| { mark.dispatch(MarkNotificationsRead { ids: vec![id] }); }>
                        "Mark read"
                    </button>
                })}
            </div>
        </li>
    }
}

#[component]
fn Preferences(preferences: NotificationPreferences, address: Option<String>, enabled: bool) -> impl IntoView {
    let save = ServerAction::<SaveNotificationPreferences>::new();
    let test = ServerAction::<SendTestEmail>::new();
    let state = FormState::new();
    let saved = RwSignal::new(false);
    let tested = RwSignal::new(None::<String>);
    let test_error = RwSignal::new(None);
    let form = RwSignal::new(preferences);
    state.follow(save.value(), move |()| saved.set(true));
    on_result(test.value(), test_error, move |said| tested.set(Some(said)));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        if state.check(None::<(String, String)>) {
            save.dispatch(SaveNotificationPreferences { preferences: form.get_untracked() });
        }
    };
    let toggle_mute = move |topic: &'static str, muted: bool| {
        saved.set(false);
        form.update(|f| {
            f.muted.retain(|t| t != topic);
            if muted {
                f.muted.push(topic.to_owned());
            }
        });
    };
    let where_to = match (&address, enabled) {
        (_, false) => "This portal sends no email; your notifications appear here.".to_owned(),
        (Some(a), true) => format!("Email goes to {a}, your address in IAM Identity Center."),
        (None, true) => "IAM Identity Center holds no email address for you, so none is sent.".to_owned(),
    };
    view! {
        <form class=format!("space-y-4 self-start p-4 {PANEL}") on:submit=on_submit novalidate aria-labelledby="prefs-title">
            <h2 id="prefs-title" class="font-semibold">"Email"</h2>
            <p class="text-sm text-slate-600">{where_to}</p>
            <label class="flex items-start gap-2 text-sm">
                <input type="checkbox" class="mt-1" prop:checked=move || form.with(|f| f.email)
                    on:change=move |ev| { saved.set(false); form.update(|f| f.email = event_target_checked(&ev)); }/>
                <span>"Send me email notifications"</span>
            </label>
            <fieldset class="space-y-2" disabled=move || !form.with(|f| f.email)>
                <legend class=LABEL>"When"</legend>
                <label class="flex items-center gap-2 text-sm">
                    <input type="radio" name="frequency" prop:checked=move || form.with(|f| !f.daily_digest)
                        on:change=move |_| { saved.set(false); form.update(|f| f.daily_digest = false); }/>
                    "As they happen"
                </label>
                <label class="flex items-center gap-2 text-sm">
                    <input type="radio" name="frequency" prop:checked=move || form.with(|f| f.daily_digest)
                        on:change=move |_| { saved.set(false); form.update(|f| f.daily_digest = true); }/>
                    "One daily digest"
                </label>
            </fieldset>
            <fieldset aria-describedby="prefs-muted-error">
                <legend class=LABEL>"Email me about"</legend>
                <p class="text-xs text-slate-500">"Topics you turn off still appear in your list here."</p>
                <ul class="mt-2 space-y-2">
                    {NOTIFICATION_TOPICS
                        .iter()
                        .map(|(topic, label)| {
                            let id = format!("topic-{topic}");
                            view! {
                                <li class="flex items-start gap-2">
                                    <input type="checkbox" id=id.clone() class="mt-1"
                                        prop:checked=move || form.with(|f| !f.muted.iter().any(|m| m == topic))
                                        on:change=move |ev| toggle_mute(topic, !event_target_checked(&ev))/>
                                    <label for=id class="text-sm">{*label}</label>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <FieldError id="prefs-muted-error" message=state.field("muted")/>
            </fieldset>
            <ActionError error=state.error.into()/>
            <div class="flex flex-wrap items-center gap-3">
                <button type="submit" class=BUTTON_PRIMARY disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else { "Save" }}
                </button>
                <button type="button" class=BUTTON_SECONDARY disabled=move || !enabled || address.is_none() || test.pending().get()
                    on:click=move |_| { tested.set(None); test.dispatch(SendTestEmail {}); }>
                    {move || if test.pending().get() { "Sending…" } else { "Send me a test email" }}
                </button>
                <p role="status" class="text-sm text-emerald-700">
                    {move || saved.get().then_some("Saved.")}
                    {move || tested.get()}
                </p>
            </div>
            <ActionError error=test_error.into()/>
        </form>
    }
}

#[component]
pub fn DeliveriesAdminPage() -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let page = page_resource(
        Role::Admin,
        move || filter.get(),
        |state: String| notification_deliveries((!state.is_empty()).then_some(state)),
    );
    view! {
        <Title text="Notifications · Admin · Meshgate"/>
        <RequireRole role=Role::Admin>
            <a href="/admin" class=format!("text-sm {LINK}")>"← Admin"</a>
            <h1 class="mt-2 text-2xl font-bold tracking-tight">"Notifications"</h1>
            <p class="mt-1 max-w-3xl text-slate-600">
                "Every email and chat message the portal sends, with its state. A channel that is down is tried again for three days; "
                "a message the channel refuses for good fails at once with the reason. Chat channels and review times are set per domain unit, on the unit's page."
            </p>
            <Loaded resource=page let:data>
                <Deliveries data filter on_change=Callback::new(move |()| page.refetch())/>
            </Loaded>
        </RequireRole>
    }
}

#[component]
fn Deliveries(data: DeliveriesPage, filter: RwSignal<String>, on_change: Callback<()>) -> impl IntoView {
    let count = |state: &str| data.counts.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n);
    let summary = ["sent", "queued", "retrying", "failed", "digested"]
        .into_iter()
        .map(|s| format!("{} {s}", count(s)))
        .collect::<Vec<_>>()
        .join(" · ");
    let smtp = data.smtp_server.clone().map_or_else(
        || "Email is off: set smtp_url to send it.".to_owned(),
        |server| format!("Email goes through {server}, from {}.", data.mail_from),
    );
    let events = if data.events_queue {
        "DataZone's events arrive through the SQS queue: outside changes reach the portal within seconds."
    } else {
        "No events queue (events_queue_url): outside changes arrive with the periodic sync."
    };
    view! {
        <section class=format!("mt-6 p-4 text-sm {PANEL}") aria-labelledby="setup-title">
            <h2 id="setup-title" class="font-semibold">"Set-up"</h2>
            <p class="mt-1 text-slate-700">{smtp}</p>
            <p class="mt-1 text-slate-700">{events}</p>
            <p class="mt-1 text-slate-700" data-testid="delivery-counts">{summary}</p>
        </section>
        <section class=PANEL_MT6 aria-labelledby="log-title">
            <div class="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
                <h2 id="log-title" class="font-semibold">"Newest deliveries"</h2>
                <label class="flex items-center gap-2 text-sm">
                    "Show"
                    <select class="rounded px-2 py-1 ring-1 ring-slate-300" prop:value=move || filter.get()
                        on:change=move |ev| filter.set(event_target_value(&ev))>
                        <option value="">"All"</option>
                        <option value="failed">"Failed"</option>
                        <option value="retrying">"Retrying"</option>
                        <option value="queued">"Queued"</option>
                        <option value="sent">"Sent"</option>
                    </select>
                </label>
            </div>
            {if data.deliveries.is_empty() {
                view! { <EmptyState title="No deliveries">"Messages appear here as the portal sends them."</EmptyState> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100" data-testid="delivery-list">
                        {data.deliveries.into_iter().map(|d| view! { <DeliveryRow d on_change/> }).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn DeliveryRow(d: DeliveryItem, on_change: Callback<()>) -> impl IntoView {
    let retry = ServerAction::<RetryDelivery>::new();
    let error = RwSignal::new(None);
    on_result(retry.value(), error, move |()| on_change.run(()));
    let badge = match d.state.as_str() {
        "sent" | "digested" => "bg-emerald-100 text-emerald-800",
        "failed" => "bg-red-100 text-red-800",
        "retrying" => "bg-amber-100 text-amber-800",
        _ => "bg-slate-100 text-slate-700",
    };
    let id = StoredValue::new(d.id.clone());
    let detail = match (&d.sent_at, &d.next_attempt_at) {
        (Some(at), _) => format!("sent {}", when(at)),
        (None, Some(next)) => format!("next try {}", when(next)),
        _ => format!("queued {}", when(&d.created_at)),
    };
    view! {
        <li class="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-start sm:justify-between">
            <div class="min-w-0 text-sm">
                <p class="break-words font-medium">{d.subject.clone()}</p>
                <p class="text-xs text-slate-600 break-all">
                    {format!("{} to {} · {} attempt{} · {detail}", d.channel, d.recipient, d.attempts, if d.attempts == 1 { "" } else { "s" })}
                </p>
                {d.last_error.clone().map(|e| view! { <p class="mt-1 break-words text-xs text-red-700">{e}</p> })}
                <ActionError error=error.into()/>
            </div>
            <div class="flex shrink-0 items-center gap-2">
                <span class=format!("rounded px-2 py-0.5 text-xs font-medium {badge}")>{d.state.clone()}</span>
                {(d.state == "failed").then(|| view! {
                    <button type="button" class=BUTTON_SECONDARY disabled=move || retry.pending().get()
                        on:click=move |_| { retry.dispatch(RetryDelivery { id: id.get_value() }); }>
                        "Send again"
                    </button>
                })}
            </div>
        </li>
    }
}

/// A unit's channels, fetched by its page (never inside a suspense boundary).
pub fn unit_channels_resource(
    id: impl Fn() -> String + Send + Sync + 'static,
) -> Resource<Result<UnitChannelsView, ApiError>> {
    page_resource(Role::Admin, id, unit_channels)
}

/// A unit's Slack and Teams webhooks and review time, on the unit's admin page.
#[component]
pub fn UnitChannels(current: Resource<Result<UnitChannelsView, ApiError>>) -> impl IntoView {
    view! {
        <section class=format!("p-4 {PANEL}") aria-labelledby="channels-title">
            <h2 id="channels-title" class="font-semibold">"Notifications"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "New requests for this unit's data, and reminders, also go to these chat channels (the nearest unit with one is used). "
                "Past the review time the stewards are reminded; past twice that, the unit's owners are told."
            </p>
            <Loaded resource=current let:view>
                <ChannelsForm view on_change=Callback::new(move |()| current.refetch())/>
            </Loaded>
        </section>
    }
}

#[component]
fn ChannelsForm(view: UnitChannelsView, on_change: Callback<()>) -> impl IntoView {
    let save = ServerAction::<SaveUnitChannels>::new();
    let test = ServerAction::<TestUnitChannel>::new();
    let state = FormState::new();
    let (slack, teams) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let sla = RwSignal::new(view.review_sla_hours.map(|h| h.to_string()).unwrap_or_default());
    let said = RwSignal::new(None::<String>);
    let test_error = RwSignal::new(None);
    state.follow(save.value(), move |_| {
        slack.set(String::new());
        teams.set(String::new());
        said.set(Some("Saved.".into()));
        on_change.run(());
    });
    on_result(test.value(), test_error, move |answer| said.set(Some(answer)));
    let unit = StoredValue::new(view.unit_id.clone());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        said.set(None);
        let hours = sla.get_untracked();
        let hours = hours.trim();
        let review_sla_hours = hours.parse::<u32>().ok();
        if !hours.is_empty() && review_sla_hours.is_none() {
            state.check(Some(("review_sla_hours", "Give the review time in whole hours.".to_owned())));
            return;
        }
        let url = |s: RwSignal<String>| Some(s.get_untracked()).filter(|u| !u.trim().is_empty());
        if state.check(None::<(String, String)>) {
            save.dispatch(SaveUnitChannels {
                form: UnitChannelsForm {
                    unit_id: unit.get_value(),
                    slack_webhook_url: url(slack),
                    teams_webhook_url: url(teams),
                    review_sla_hours,
                },
            });
        }
    };
    let remove = move |channel: &'static str| {
        said.set(None);
        save.dispatch(SaveUnitChannels {
            form: UnitChannelsForm {
                unit_id: unit.get_value(),
                slack_webhook_url: (channel == "slack").then(String::new),
                teams_webhook_url: (channel == "teams").then(String::new),
                review_sla_hours: sla.get_untracked().trim().parse().ok(),
            },
        });
    };
    let webhook = move |channel: &'static str, name: &'static str, set: Option<String>, value: RwSignal<String>| {
        let id = format!("{channel}-webhook");
        let error_id = format!("{channel}-webhook-error");
        let field = format!("{channel}_webhook_url");
        let has = set.is_some();
        view! {
            <div>
                <label for=id.clone() class=LABEL>{format!("{name} incoming webhook")}</label>
                <p class="text-xs text-slate-600">
                    {set.map_or_else(|| "Not set.".to_owned(), |s| format!("Set: {s} (kept secret). Paste a new URL to replace it."))}
                </p>
                <input id=id class=INPUT type="url" maxlength=WEBHOOK_URL_MAX.to_string() autocomplete="off"
                    placeholder=if channel == "slack" { "https://hooks.slack.com/services/…" } else { "https://….webhook.office.com/… or a workflow URL" }
                    aria-invalid=move || state.field(field.clone()).get().is_some().to_string() aria-describedby=error_id.clone()
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
                <FieldError id=error_id message=state.field(format!("{channel}_webhook_url"))/>
                {has.then(|| view! {
                    <div class="mt-2 flex flex-wrap gap-2">
                        <button type="button" class=BUTTON_SECONDARY disabled=move || test.pending().get()
                            on:click=move |_| { said.set(None); test.dispatch(TestUnitChannel { unit_id: unit.get_value(), channel: channel.into() }); }>
                            {format!("Send a test to {name}")}
                        </button>
                        <button type="button" class=BUTTON_SECONDARY disabled=move || save.pending().get()
                            on:click=move |_| remove(channel)>
                            {format!("Remove {name}")}
                        </button>
                    </div>
                })}
            </div>
        }
    };
    view! {
        <form class="mt-4 space-y-4" on:submit=on_submit novalidate>
            {webhook("slack", "Slack", view.slack, slack)}
            {webhook("teams", "Teams", view.teams, teams)}
            <div>
                <label for="review-sla" class=LABEL>"Review time (hours)"</label>
                <input id="review-sla" class=format!("{INPUT} max-w-32") inputmode="numeric" placeholder="none"
                    aria-invalid=move || state.field("review_sla_hours").get().is_some().to_string() aria-describedby="review-sla-error"
                    prop:value=move || sla.get() on:input=move |ev| sla.set(event_target_value(&ev))/>
                <FieldError id="review-sla-error" message=state.field("review_sla_hours")/>
            </div>
            <ActionError error=state.error.into()/>
            <ActionError error=test_error.into()/>
            <div class="flex flex-wrap items-center gap-3">
                <button type="submit" class=BUTTON_PRIMARY disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else { "Save notifications" }}
                </button>
                <p role="status" class="text-sm text-emerald-700">{move || said.get()}</p>
            </div>
        </form>
    }
}
