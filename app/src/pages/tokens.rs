//! Personal access tokens for the `/api/v1` API and the command line: made here with a name,
//! scopes and a life, shown once, revoked here. A token never does more than its owner's
//! roles allow when it is used.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{load_api_reference, my_tokens, CreateToken, RevokeToken};
use crate::components::{
    page_resource, ActionError, EmptyState, FieldError, FormState, Loaded, RequireRole, BUTTON_PRIMARY,
    BUTTON_SECONDARY, INPUT, LABEL, PANEL,
};
use crate::model::{
    ApiOperation, ApiReference, ApiToken, CreatedToken, NewToken, Role, TokenScope, TokensPage, TOKEN_NAME_MAX,
};

#[component]
pub fn TokensPage() -> impl IntoView {
    let page = page_resource(Role::TeamLead, || (), |()| my_tokens());
    // Made here, not in the list below: the list is drawn again when it reloads after a
    // change, and the secret must stay on screen.
    let created = RwSignal::new(None::<CreatedToken>);
    view! {
        <Title text="API tokens · Meshgate"/>
        <RequireRole>
            <h1 class="text-2xl font-bold tracking-tight">"API tokens"</h1>
            <p class="mt-1 max-w-3xl text-slate-600">
                "A token lets a pipeline or script call Meshgate's API ("
                <a class="text-emerald-700 underline" href="/api/v1/docs">"reference"</a>
                ") and the meshgate command line as you. It never does more than your roles allow when it is used, and only what its scopes name."
            </p>
            <Loaded resource=page let:data>
                <Tokens data created on_change=Callback::new(move |()| page.refetch())/>
            </Loaded>
        </RequireRole>
    }
}

#[component]
fn Tokens(data: TokensPage, created: RwSignal<Option<CreatedToken>>, on_change: Callback<()>) -> impl IntoView {
    view! {
        <div class="mt-6 grid gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
            <NewTokenForm allowed=data.allowed_scopes.clone() max_days=data.max_days created on_change/>
            <div>
                {move || created.get().map(|c| view! { <NewSecret created=c/> })}
                <TokenList tokens=data.tokens.clone() on_change/>
            </div>
        </div>
    }
}

#[component]
fn NewTokenForm(
    allowed: Vec<TokenScope>,
    max_days: u32,
    created: RwSignal<Option<CreatedToken>>,
    on_change: Callback<()>,
) -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let state = FormState::new();
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec![TokenScope::Read]);
    let days = RwSignal::new(max_days.min(30).to_string());
    let allowed = StoredValue::new(allowed);
    state.follow(create.value(), move |token: CreatedToken| {
        created.set(Some(token));
        name.set(String::new());
        on_change.run(());
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        created.set(None);
        let Ok(days) = days.get_untracked().trim().parse::<u32>() else {
            state.check(Some(("days", format!("Choose a life of 1 to {max_days} days."))));
            return;
        };
        let form = NewToken { name: name.get_untracked(), scopes: scopes.get_untracked(), days };
        if state.check(allowed.with_value(|a| form.problem(a, max_days))) {
            create.dispatch(CreateToken { form });
        }
    };
    let toggle = move |scope: TokenScope, on: bool| {
        scopes.update(|s| {
            s.retain(|x| *x != scope);
            if on {
                s.push(scope);
                s.sort();
            }
        });
    };
    view! {
        <form class=format!("space-y-4 self-start p-4 {PANEL}") on:submit=on_submit novalidate aria-labelledby="new-token-title">
            <h2 id="new-token-title" class="font-semibold">"New token"</h2>
            <div>
                <label for="token-name" class=LABEL>"Name"</label>
                <input id="token-name" class=INPUT maxlength=TOKEN_NAME_MAX.to_string() placeholder="gitlab: sales-forecast deploy"
                    aria-invalid=move || state.field("name").get().is_some().to_string() aria-describedby="token-name-error"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <FieldError id="token-name-error" message=state.field("name")/>
            </div>
            <fieldset aria-describedby="token-scopes-error">
                <legend class=LABEL>"Scopes"</legend>
                <ul class="mt-2 space-y-2">
                    {TokenScope::ALL
                        .into_iter()
                        .map(|scope| {
                            let permitted = allowed.with_value(|a| a.contains(&scope));
                            let id = format!("scope-{}", scope.name());
                            view! {
                                <li class="flex items-start gap-2">
                                    <input type="checkbox" id=id.clone() class="mt-1" disabled=!permitted
                                        prop:checked=move || scopes.with(|s| s.contains(&scope))
                                        on:change=move |ev| toggle(scope, event_target_checked(&ev))/>
                                    <label for=id class="text-sm" class:text-slate-400=!permitted>
                                        <span class="font-mono font-medium">{scope.name()}</span>
                                        " — "{scope.description()}
                                        {(!permitted).then(|| format!(" (needs {})", scope.needs().label()))}
                                    </label>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <FieldError id="token-scopes-error" message=state.field("scopes")/>
            </fieldset>
            <div>
                <label for="token-days" class=LABEL>"Expires after (days)"</label>
                <input id="token-days" type="number" min="1" max=max_days.to_string() class=INPUT
                    aria-invalid=move || state.field("days").get().is_some().to_string() aria-describedby="token-days-error"
                    prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev))/>
                <p class="mt-1 text-xs text-slate-500">{format!("At most {max_days} days.")}</p>
                <FieldError id="token-days-error" message=state.field("days")/>
            </div>
            <ActionError error=state.error.into()/>
            <button type="submit" class=BUTTON_PRIMARY disabled=move || create.pending().get()>
                {move || if create.pending().get() { "Creating…" } else { "Create token" }}
            </button>
        </form>
    }
}

/// The secret of a token just made, shown this once.
#[component]
fn NewSecret(created: CreatedToken) -> impl IntoView {
    let secret = created.secret.clone();
    view! {
        <section role="status" class="mb-6 rounded-lg border border-emerald-300 bg-emerald-50 p-4" data-testid="new-token">
            <h2 class="font-semibold text-emerald-900">{format!("Token “{}” created", created.token.name)}</h2>
            <p class="mt-1 text-sm text-emerald-900">
                "Copy it now: Meshgate keeps only a fingerprint and cannot show it again."
            </p>
            <label for="token-secret" class="sr-only">"Token"</label>
            <input id="token-secret" readonly class="mt-3 block w-full rounded bg-white px-3 py-2 font-mono text-sm ring-1 ring-emerald-300"
                prop:value=secret/>
            <p class="mt-2 text-xs text-emerald-900">
                "Use it as "<code>"Authorization: Bearer …"</code>" or "<code>"MESHGATE_TOKEN"</code>" for the command line."
            </p>
        </section>
    }
}

#[component]
fn TokenList(tokens: Vec<ApiToken>, on_change: Callback<()>) -> impl IntoView {
    if tokens.is_empty() {
        return view! {
            <div class=PANEL>
                <EmptyState title="No tokens yet">"Tokens you create appear here, with when they were last used."</EmptyState>
            </div>
        }
        .into_any();
    }
    view! {
        <section class=PANEL aria-labelledby="tokens-title">
            <h2 id="tokens-title" class="border-b border-slate-200 px-4 py-3 font-semibold">"Your tokens"</h2>
            <ul class="divide-y divide-slate-100" data-testid="token-list">
                {tokens.into_iter().map(|token| view! { <TokenRow token on_change/> }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

fn day(at: &str) -> String {
    at.get(..10).unwrap_or(at).to_owned()
}

#[component]
fn TokenRow(token: ApiToken, on_change: Callback<()>) -> impl IntoView {
    let revoke = ServerAction::<RevokeToken>::new();
    let error = RwSignal::new(None);
    crate::components::on_result(revoke.value(), error, move |()| on_change.run(()));
    let scopes = token.scopes.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ");
    let state = match (&token.revoked_at, token.usable) {
        (Some(at), _) => format!("Revoked {}", day(at)),
        (None, false) => format!("Expired {}", day(&token.expires_at)),
        (None, true) => format!("Expires {}", day(&token.expires_at)),
    };
    let used =
        token.last_used_at.as_deref().map_or_else(|| "Never used".to_owned(), |at| format!("Last used {}", day(at)));
    let id = StoredValue::new(token.id.clone());
    let name = token.name.clone();
    view! {
        <li class="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:justify-between">
            <div class="min-w-0">
                <p class="font-medium break-words" class:text-slate-400=!token.usable>{token.name.clone()}</p>
                <p class="text-xs text-slate-600">
                    <span class="font-mono">{format!("{}…", token.prefix)}</span>" · "{scopes}
                </p>
                <p class="text-xs text-slate-500">{format!("Created {} · {state} · {used}", day(&token.created_at))}</p>
                <ActionError error=error.into()/>
            </div>
            {token.usable.then(|| view! {
                <button type="button" class=BUTTON_SECONDARY aria-label=format!("Revoke {name}") disabled=move || revoke.pending().get()
                    on:click=move |_| { revoke.dispatch(RevokeToken { id: id.get_value() }); }>
                    {move || if revoke.pending().get() { "Revoking…" } else { "Revoke" }}
                </button>
            })}
        </li>
    }
}

/// How pipelines and scripts use Meshgate: tokens, conventions, and every `/api/v1` call
/// from the OpenAPI document. Open to anyone; it holds no data.
#[component]
pub fn DevelopersPage() -> impl IntoView {
    let reference = Resource::new(|| (), |()| load_api_reference());
    view! {
        <Title text="API and command line · Meshgate"/>
        <h1 class="text-2xl font-bold tracking-tight">"API and command line"</h1>
        <p class="mt-1 max-w-3xl text-slate-600">
            "Pipelines and scripts do what people do in the portal through a JSON API under "
            <code>"/api/v1"</code>", with the same permissions, checks and audit trail."
        </p>
        <section class=format!("mt-6 space-y-3 p-4 text-sm {PANEL}") aria-labelledby="start-title">
            <h2 id="start-title" class="text-base font-semibold">"Getting started"</h2>
            <ol class="list-decimal space-y-2 pl-5">
                <li>
                    "Make a token on "<a class="text-emerald-700 underline" href="/tokens">"API tokens"</a>
                    " with the scopes the job needs. Keep it in your CI system's secret store."
                </li>
                <li>
                    "A GitLab CI or GitHub Actions job can instead send the OIDC ID token its platform gives it, once a platform admin has bound the pipeline on "
                    <a class="text-emerald-700 underline" href="/admin/pipelines">"Admin → Pipelines"</a>": no secret to keep."
                </li>
                <li>
                    "Send it with every call: "
                    <code class="break-all">"curl -H \"Authorization: Bearer $MESHGATE_TOKEN\" <portal>/api/v1/me"</code>
                </li>
                <li>
                    "Give every POST an "<code>"Idempotency-Key"</code>
                    " header (a job id and step): a retry with the same key gets the first answer back instead of doing the work twice."
                </li>
                <li>
                    "Failures are "<code>"application/problem+json"</code>" documents (RFC 9457) with "
                    <code>"type"</code>", "<code>"detail"</code>" and, for bad input, "<code>"errors"</code>
                    " naming each field. A "<code>"429"</code>" says how long to wait in "<code>"Retry-After"</code>"."
                </li>
                <li>
                    "The machine-readable description is "<a class="text-emerald-700 underline" href="/api/v1/openapi.json">"/api/v1/openapi.json"</a>" (OpenAPI 3.1)."
                </li>
            </ol>
        </section>
        <Loaded resource=reference class="mt-6" let:data>
            <Operations data/>
        </Loaded>
    }
}

#[component]
fn Operations(data: ApiReference) -> impl IntoView {
    let mut tags: Vec<String> = Vec::new();
    for op in &data.operations {
        if !tags.contains(&op.tag) {
            tags.push(op.tag.clone());
        }
    }
    tags.into_iter()
        .map(|tag| {
            let ops: Vec<ApiOperation> = data.operations.iter().filter(|o| o.tag == tag).cloned().collect();
            let (id, labelled) = (format!("api-{tag}"), format!("api-{tag}"));
            view! {
                <section class=format!("mt-6 {PANEL}") aria-labelledby=labelled>
                    <h2 id=id class="border-b border-slate-200 px-4 py-3 font-semibold capitalize">{tag.clone()}</h2>
                    <ul class="divide-y divide-slate-100">
                        {ops.into_iter().map(|op| view! { <OperationRow op/> }).collect_view()}
                    </ul>
                </section>
            }
        })
        .collect_view()
}

#[component]
fn OperationRow(op: ApiOperation) -> impl IntoView {
    let badge = if op.method == "GET" { "bg-sky-100 text-sky-900" } else { "bg-amber-100 text-amber-900" };
    view! {
        <li class="px-4 py-3 text-sm">
            <p class="flex flex-wrap items-center gap-2">
                <span class=format!("rounded px-1.5 py-0.5 font-mono text-xs font-semibold {badge}")>{op.method.clone()}</span>
                <code class="break-all font-medium">{op.path.clone()}</code>
                <span class="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{format!("scope: {}", op.scope)}</span>
            </p>
            <p class="mt-1 text-slate-700">{op.summary.clone()}</p>
            <dl class="mt-1 grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 text-xs text-slate-600">
                {(!op.parameters.is_empty()).then(|| view! {
                    <dt class="font-medium">"Parameters"</dt>
                    <dd class="break-words">{op.parameters.join("; ")}</dd>
                })}
                {op.body.clone().map(|body| view! {
                    <dt class="font-medium">"Body"</dt>
                    <dd class="font-mono">{body}</dd>
                })}
                <dt class="font-medium">"Answer"</dt>
                <dd class="font-mono">{op.answer.clone()}</dd>
            </dl>
        </li>
    }
}
