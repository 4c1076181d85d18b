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

/// Follows an action's outcome (a `ServerAction`'s `value()`): on success clears `error`
/// and runs `done` with the answer; on failure puts the failure in `error` for the page.
pub fn on_result<T: 'static>(
    value: impl Get<Value = Option<Result<T, ApiError>>> + 'static,
    error: RwSignal<Option<ApiError>>,
    done: impl Fn(T) + 'static,
) {
    Effect::new(move |_| match value.get() {
        Some(Ok(v)) => {
            error.set(None);
            done(v);
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
}

/// A form's failures as its page shows them: a field problem `(field, message)` inline next
/// to that field ([`FieldError`](crate::components::FieldError)), anything else in an
/// [`ActionError`](crate::components::ActionError).
#[derive(Clone, Copy)]
pub struct FormState {
    pub problem: RwSignal<Option<(String, String)>>,
    pub error: RwSignal<Option<ApiError>>,
}

impl FormState {
    pub fn new() -> Self {
        Self { problem: RwSignal::new(None), error: RwSignal::new(None) }
    }

    /// The message for `field` while the current problem is about it.
    pub fn field(self, field: impl Into<String>) -> Signal<Option<String>> {
        let (problem, field) = (self.problem, field.into());
        Signal::derive(move || problem.get().filter(|(f, _)| *f == field).map(|(_, m)| m))
    }

    /// Clears the last failure and shows `found` (a form's own check) inline; `true` when
    /// there is nothing to show and the form may be sent.
    pub fn check<F: Into<String>>(self, found: Option<(F, String)>) -> bool {
        self.error.set(None);
        self.problem.set(found.map(|(f, m)| (f.into(), m)));
        self.problem.with_untracked(Option::is_none)
    }

    /// Follows an action's answer: `done` on success, a field problem inline, any other
    /// failure in the form's error.
    pub fn follow<T: 'static>(
        self,
        value: impl Get<Value = Option<Result<T, ApiError>>> + 'static,
        done: impl Fn(T) + 'static,
    ) {
        Effect::new(move |_| match value.get() {
            Some(Ok(v)) => done(v),
            Some(Err(ApiError::Invalid { field, message })) => self.problem.set(Some((field, message))),
            Some(Err(e)) => self.error.set(Some(e)),
            None => {}
        });
    }
}

impl Default for FormState {
    fn default() -> Self {
        Self::new()
    }
}

/// A resource's data in place: a skeleton of `rows` lines while it first loads, the last
/// data while it reloads, and the failure in words with "Try again" (which refetches).
/// The skeleton and the failure sit in a `class` box; the data is `children(data)`.
///
/// The resource must be made outside this component (see `page_resource`).
#[component]
pub fn Loaded<T, F, V>(
    resource: Resource<Result<T, ApiError>>,
    children: F,
    #[prop(default = 3)] rows: usize,
    #[prop(default = "")] class: &'static str,
    #[prop(optional, into)] set_pending: Option<SignalSetter<bool>>,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(T) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let retry = Callback::new(move |()| resource.refetch());
    let fallback = move || view! { <div class=class><LoadingRows rows/></div> };
    let transition = move || {
        let children = children.clone();
        Suspend::new(async move {
            match resource.await {
                Ok(data) => children(data).into_any(),
                Err(error) => view! { <div class=class><ErrorPanel error on_retry=retry/></div> }.into_any(),
            }
        })
    };
    let set_pending = set_pending.unwrap_or_else(|| SignalSetter::map(|_| {}));
    view! { <Transition fallback set_pending>{transition}</Transition> }
}
