//! Small shared pieces: button and field styles, status badges, panels, field errors.

use leptos::prelude::*;

use crate::model::{ApiError, RequestStatus};

pub const BUTTON_PRIMARY: &str = "inline-flex items-center justify-center rounded bg-emerald-600 px-3 py-2 text-sm font-medium text-white hover:bg-emerald-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-500 disabled:cursor-not-allowed disabled:opacity-50";
pub const BUTTON_SECONDARY: &str = "inline-flex items-center justify-center rounded bg-white px-3 py-2 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-500 disabled:cursor-not-allowed disabled:opacity-50";
pub const BUTTON_DANGER: &str = "inline-flex items-center justify-center rounded bg-red-600 px-3 py-2 text-sm font-medium text-white hover:bg-red-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-500 disabled:cursor-not-allowed disabled:opacity-50";
pub const INPUT: &str = "mt-1 block w-full rounded border-0 bg-white px-3 py-2 text-sm ring-1 ring-slate-300 placeholder:text-slate-400 focus:outline-none focus:ring-2 focus:ring-emerald-500 aria-[invalid=true]:ring-2 aria-[invalid=true]:ring-red-500";
pub const LABEL: &str = "block text-sm font-medium text-slate-800";
pub const PANEL: &str = "rounded-lg bg-white shadow-sm ring-1 ring-slate-200";
/// A panel below a page's heading or form (spelled out for Tailwind's scanner).
pub const PANEL_MT4: &str = "mt-4 rounded-lg bg-white shadow-sm ring-1 ring-slate-200";
pub const PANEL_MT6: &str = "mt-6 rounded-lg bg-white shadow-sm ring-1 ring-slate-200";
pub const LINK: &str = "font-medium text-emerald-700 underline-offset-2 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-emerald-500";

#[component]
pub fn StatusBadge(status: RequestStatus) -> impl IntoView {
    view! {
        <span
            class=format!("inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 {}", status.tone())
            data-status=status.as_str()
        >
            {status.label()}
        </span>
    }
}

/// The message under a form field, tied to it with `aria-describedby`.
#[component]
pub fn FieldError(#[prop(into)] id: String, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p id=id.clone() class="mt-1 text-sm text-red-700">{move || message.get()}</p>
        </Show>
    }
}

/// The outcome of an action: an error in words, or nothing.
#[component]
pub fn ActionError(error: Signal<Option<ApiError>>) -> impl IntoView {
    view! {
        <Show when=move || error.get().is_some()>
            <p role="alert" class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
                {move || error.get().map(|e| e.to_string())}
            </p>
        </Show>
    }
}
