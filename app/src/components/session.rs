//! The signed-in person in the page frame: the header's user menu, the sign-in link and
//! the wrapper that shows a sign-in prompt instead of a page to anonymous visitors.

use std::future::Future;

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use serde::{de::DeserializeOwned, Serialize};

use crate::api::who_am_i;
use crate::components::{ErrorPanel, LoadingRows};
use crate::model::{ApiError, Caller, Role};

/// Who is signed in, loaded once per page and shared through context.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub Resource<Result<Option<Caller>, ApiError>>);

impl CurrentUser {
    pub fn provide() -> Self {
        let user = Self(Resource::new(|| (), |()| who_am_i()));
        provide_context(user);
        user
    }

    pub fn get() -> Self {
        expect_context()
    }
}

/// A page's data, fetched only for someone signed in who holds `role` (anyone else gets
/// `NotSignedIn` or `Forbidden` without a call to the server function).
///
/// Call it in the page component itself, never inside a `Suspense`/`Transition` (nor
/// inside `RequireRole`, which is one): on the server a suspense boundary runs its
/// children up to three times (to find what they wait for, to check again, to render),
/// so a resource made there is made, fetched and numbered several times, and the browser
/// hydrates against a different one than the HTML came from — a dead page when the data
/// changed between the fetches.
pub fn page_resource<S, T, Fut>(
    role: Role,
    source: impl Fn() -> S + Send + Sync + 'static,
    fetch: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<Result<T, ApiError>>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ApiError>> + Send + 'static,
{
    let user = CurrentUser::get().0;
    Resource::new(source, move |key| {
        let request = fetch(key);
        async move {
            match user.await? {
                Some(caller) if caller.has(role) => request.await,
                Some(_) => Err(ApiError::Forbidden),
                None => Err(ApiError::NotSignedIn),
            }
        }
    })
}

/// `/auth/login?next=<this page>`, so sign-in returns to where the person was.
pub fn sign_in_href() -> String {
    let location = use_location();
    let here = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
    let here = if here.starts_with("/sign-in") || here.starts_with("/signed-out") { "/".to_owned() } else { here };
    format!("/auth/login?next={}", encode_component(&here))
}

/// Percent-encodes everything but unreserved characters and `/`.
fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The link to sign in; `rel=external` keeps the client-side router out of the way.
#[component]
pub fn SignInLink(
    #[prop(default = "Sign in")] label: &'static str,
    #[prop(default = "")] class: &'static str,
) -> impl IntoView {
    view! {
        <a href=sign_in_href() rel="external" class=class>
            {label}
        </a>
    }
}

#[component]
pub fn UserMenu() -> impl IntoView {
    let user = CurrentUser::get().0;
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(caller)) => view! { <SignedInAs caller/> }.into_any(),
                    Ok(None) => {
                        view! {
                            <SignInLink class="rounded bg-emerald-500 px-3 py-1.5 text-sm font-medium text-slate-900 hover:bg-emerald-400"/>
                        }
                            .into_any()
                    }
                    Err(_) => ().into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignedInAs(caller: Caller) -> impl IntoView {
    let roles = caller.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(" · ");
    view! {
        <div class="flex items-center gap-3" data-testid="user-menu">
            <div class="hidden whitespace-nowrap text-right leading-tight sm:block xl:hidden 2xl:block" title=roles.clone()>
                <p class="text-sm font-medium text-white">{caller.display_name}</p>
                // Shown where the header has room beside a long navigation.
                <p class="hidden text-xs text-slate-300 2xl:block" data-testid="roles">{roles.clone()}</p>
            </div>
            <NotificationBell unread=caller.unread_notifications/>
            <a
                href="/tokens"
                class="hidden whitespace-nowrap rounded px-2 py-1.5 text-sm text-slate-200 sm:inline-block hover:bg-slate-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-emerald-400"
            >
                "API tokens"
            </a>
            <form method="post" action="/auth/logout">
                <button
                    type="submit"
                    class="whitespace-nowrap rounded px-3 py-1.5 text-sm text-slate-200 ring-1 ring-slate-600 hover:bg-slate-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-emerald-400"
                >
                    "Sign out"
                </button>
            </form>
        </div>
    }
}

/// The header's link to the notification list, with the unread count.
#[component]
fn NotificationBell(unread: u32) -> impl IntoView {
    let label = match unread {
        0 => "Notifications".to_owned(),
        1 => "Notifications, 1 unread".to_owned(),
        n => format!("Notifications, {n} unread"),
    };
    view! {
        <a
            href="/notifications"
            aria-label=label.clone()
            title=label
            data-testid="notification-bell"
            class="relative rounded p-1.5 text-slate-200 hover:bg-slate-800 hover:text-white focus-visible:outline focus-visible:outline-2 focus-visible:outline-emerald-400"
        >
            <svg aria-hidden="true" viewBox="0 0 20 20" class="h-5 w-5 fill-current">
                <path d="M10 2a5 5 0 0 0-5 5v2.6L3.3 13A1 1 0 0 0 4.2 14.5h11.6a1 1 0 0 0 .9-1.5L15 9.6V7a5 5 0 0 0-5-5Zm-2 14a2 2 0 0 0 4 0H8Z"></path>
            </svg>
            {(unread > 0).then(|| view! {
                <span class="absolute -right-1 -top-1 min-w-[1.1rem] rounded-full bg-emerald-500 px-1 text-center text-[0.65rem] font-bold leading-[1.1rem] text-slate-900" data-testid="unread-count">
                    {if unread > 99 { "99+".to_owned() } else { unread.to_string() }}
                </span>
            })}
        </a>
    }
}

/// Renders `children` for a signed-in person holding `role`; anonymous visitors are
/// offered sign-in, others are told what they lack. The server refuses them anyway.
#[component]
pub fn RequireRole(#[prop(default = Role::TeamLead)] role: Role, children: ChildrenFn) -> impl IntoView {
    let user = CurrentUser::get().0;
    let retry = Callback::new(move |()| user.refetch());
    view! {
        <Suspense fallback=|| view! { <LoadingRows/> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match user.await {
                        Ok(Some(caller)) if caller.has(role) => children().into_any(),
                        Ok(Some(_)) => view! { <ErrorPanel error=ApiError::Forbidden/> }.into_any(),
                        Ok(None) => view! { <SignInPrompt/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error on_retry=retry/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn SignInPrompt() -> impl IntoView {
    view! {
        <section class="mx-auto max-w-lg rounded-lg bg-white p-8 text-center shadow-sm ring-1 ring-slate-200">
            <h1 class="text-2xl font-bold tracking-tight">"Sign in to Meshgate"</h1>
            <p class="mt-2 text-slate-600">
                "Use your company account to request projects, find data products and decide on access."
            </p>
            <SignInLink
                label="Sign in with your company account"
                class="mt-6 inline-block rounded bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-emerald-500"
            />
        </section>
    }
}
