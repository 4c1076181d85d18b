//! `/sign-in` (why a sign-in did not work, and a way to try again) and `/signed-out`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{CurrentUser, SignInLink};
use crate::model::local_path;

/// What each failure code from `/auth/callback` means for the person.
fn explain(code: &str) -> &'static str {
    match code {
        "unknown_user" => {
            "Your company account signed in, but IAM Identity Center for this data mesh doesn't know it. Ask your platform team to give you access to SageMaker Unified Studio, then sign in again."
        }
        "state" => "That sign-in link was already used or didn't start here. Please sign in again.",
        "refused" => "Your company's sign-in service did not complete the sign-in. Please try again.",
        "token" => "The sign-in response could not be verified, so you were not signed in. Please try again.",
        _ => "Signing in is not possible right now. Please try again in a moment.",
    }
}

/// Signed in, with fewer roles than the sign-in named: why, and the way on.
#[component]
fn FewerRoles(next: String) -> impl IntoView {
    let user = CurrentUser::get().0;
    view! {
        <Title text="Signed in · Meshgate"/>
        <section class="mx-auto max-w-lg rounded-lg bg-white p-8 shadow-sm ring-1 ring-slate-200">
            <h1 class="text-2xl font-bold tracking-tight">"You're signed in"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let note = user.await.ok().flatten().and_then(|c| c.role_note);
                    note.map(|text| view! {
                        <p role="status" class="mt-4 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900" data-testid="role-note">
                            {text}
                        </p>
                    })
                })}
            </Suspense>
            <a href=next class="mt-6 inline-block rounded bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">
                "Continue"
            </a>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    if query.read_untracked().get("notice").as_deref() == Some("fewer_roles") {
        let next = local_path(query.read_untracked().get("next").as_deref());
        return view! { <FewerRoles next/> }.into_any();
    }
    let problem = move || query.read().get("error").map(|code| explain(&code));
    view! {
        <Title text="Sign in · Meshgate"/>
        <section class="mx-auto max-w-lg rounded-lg bg-white p-8 shadow-sm ring-1 ring-slate-200">
            <h1 class="text-2xl font-bold tracking-tight">"Sign in to Meshgate"</h1>
            {move || {
                problem()
                    .map(|text| {
                        view! {
                            <p role="alert" class="mt-4 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
                                {text}
                            </p>
                        }
                    })
            }}
            <p class="mt-4 text-slate-600">"Meshgate uses your company account; there is no separate password."</p>
            <SignInLink
                label="Sign in with your company account"
                class="mt-6 inline-block rounded bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-emerald-500"
            />
        </section>
    }
    .into_any()
}

#[component]
pub fn SignedOutPage() -> impl IntoView {
    view! {
        <Title text="Signed out · Meshgate"/>
        <section class="mx-auto max-w-lg rounded-lg bg-white p-8 text-center shadow-sm ring-1 ring-slate-200">
            <h1 class="text-2xl font-bold tracking-tight">"You're signed out"</h1>
            <p class="mt-2 text-slate-600">"Your Meshgate session has ended."</p>
            <SignInLink
                label="Sign in again"
                class="mt-6 inline-block rounded bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700"
            />
        </section>
    }
}
