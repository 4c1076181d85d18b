//! The one people-and-groups picker: a search box over Identity Center (through
//! `search_principals`) listing matches, each with the buttons its caller gives.

use leptos::prelude::*;

use crate::api::search_principals;
use crate::components::INPUT;
use crate::model::{ApiError, Principal, PrincipalKind};

/// Characters typed before the picker asks the server.
const MIN_QUERY: usize = 2;

/// A search box (`input_id`, labelled by the caller) and the people and groups matching it
/// (groups only with `groups_only`), each shown with `actions(principal)`. Pressing any of
/// those buttons empties the search.
///
/// Results are fetched in the browser only, after typing, into a plain signal: nothing of
/// them is rendered on the server and no suspense boundary is involved, so the page's markup
/// can't differ between server and browser (a `LocalResource` under a `Transition` marks
/// the boundary by an id that a re-rendering parent on the server can shift).
#[component]
pub fn PrincipalPicker<F, V>(
    input_id: &'static str,
    actions: F,
    #[prop(default = "Search people and groups (2+ characters)")] placeholder: &'static str,
    #[prop(optional)] groups_only: bool,
) -> impl IntoView
where
    F: Fn(Principal) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Result<Vec<Principal>, ApiError>>);
    // Effects run in the browser only; each answer counts only for the text it was asked for.
    Effect::new(move |_| {
        let text = query.get();
        if text.trim().chars().count() < MIN_QUERY {
            found.set(None);
            return;
        }
        leptos::task::spawn_local(async move {
            let answer = search_principals(text.clone()).await.map(|all| {
                all.into_iter().filter(|p| !groups_only || p.kind == PrincipalKind::Group).collect::<Vec<_>>()
            });
            if query.get_untracked() == text {
                found.set(Some(answer));
            }
        });
    });
    let clear_after_pick = move |ev: leptos::ev::MouseEvent| {
        let on_button = event_target::<leptos::web_sys::Element>(&ev).closest("button").ok().flatten().is_some();
        if on_button {
            query.set(String::new());
        }
    };
    view! {
        <input id=input_id type="search" class=INPUT placeholder=placeholder autocomplete="off"
            prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
        {move || {
            let actions = actions.clone();
            found.get().map(|answer| match answer {
                Ok(list) if list.is_empty() => {
                    view! { <p class="mt-2 text-sm text-slate-500">"Nobody matches."</p> }.into_any()
                }
                Ok(list) => view! {
                    <ul class="mt-2 divide-y divide-slate-100 rounded ring-1 ring-slate-200"
                        data-testid="principal-results" on:click=clear_after_pick>
                        {list.into_iter().map(|p| view! {
                            <li class="flex flex-wrap items-center gap-2 px-3 py-2 text-sm">
                                <span class="min-w-0 flex-1 truncate">
                                    {if p.kind == PrincipalKind::Group { "Group: " } else { "" }}
                                    {p.name.clone()}
                                    <span class="ml-1 text-xs text-slate-500">{p.detail.clone()}</span>
                                </span>
                                {actions(p)}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(error) => view! { <p class="mt-2 text-sm text-red-700">{error.to_string()}</p> }.into_any(),
            })
        }}
    }
}
