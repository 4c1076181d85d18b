//! The states around every list: loading, empty, and failed with a way to try again.

use leptos::prelude::*;

use crate::components::SignInLink;
use crate::model::ApiError;

#[component]
pub fn LoadingRows(#[prop(default = 3)] rows: usize) -> impl IntoView {
    view! {
        <div role="status" aria-live="polite" class="space-y-3 p-4">
            <span class="sr-only">"Loading…"</span>
            {(0..rows)
                .map(|_| view! { <div class="h-4 animate-pulse rounded bg-slate-200"></div> })
                .collect_view()}
        </div>
    }
}

#[component]
pub fn EmptyState(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="px-4 py-10 text-center">
            <p class="font-medium text-slate-700">{title}</p>
            <p class="mt-1 text-sm text-slate-500">{children()}</p>
        </div>
    }
}

/// A failure explained in words, with a retry button when trying again can help.
#[component]
pub fn ErrorPanel(error: ApiError, #[prop(optional)] on_retry: Option<Callback<()>>) -> impl IntoView {
    let retry = on_retry.filter(|_| error.is_retryable());
    let sign_in = matches!(error, ApiError::NotSignedIn);
    view! {
        <div role="alert" class="m-4 rounded-md border border-red-200 bg-red-50 p-4 text-sm text-red-800">
            <p>{error.to_string()}</p>
            {sign_in.then(|| view! { <SignInLink class="mt-2 inline-block font-medium underline"/> })}
            {retry
                .map(|retry| {
                    view! {
                        <button
                            type="button"
                            class="mt-3 rounded bg-white px-3 py-1.5 font-medium text-red-800 ring-1 ring-red-300 hover:bg-red-100"
                            on:click=move |_| retry.run(())
                        >
                            "Try again"
                        </button>
                    }
                })}
        </div>
    }
}
