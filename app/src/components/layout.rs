//! The page frame: header with product name, navigation and the signed-in user slot.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::{CurrentUser, UserMenu};
use crate::model::Role;

/// Navigation entries and the role each needs. An area appears here only once it works
/// end to end, and only to people who may use it.
const NAV: &[(&str, &str, Role)] = &[
    ("/", "Overview", Role::TeamLead),
    ("/projects", "My projects", Role::TeamLead),
    ("/approvals", "Approvals", Role::TeamLead),
    ("/catalog", "Catalog", Role::TeamLead),
    ("/data", "My data", Role::TeamLead),
    ("/subscriptions", "My access", Role::TeamLead),
    ("/inbox", "Inbox", Role::Steward),
    ("/glossary", "Glossary", Role::TeamLead),
    ("/reports", "Reports", Role::Admin),
    ("/audit", "Audit", Role::Steward),
    ("/admin", "Admin", Role::Admin),
];

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    CurrentUser::provide();
    let (menu_open, set_menu_open) = signal(false);
    view! {
        <div class="min-h-screen bg-slate-50 text-slate-900">
            <a
                href="#main"
                class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:px-3 focus:py-2"
            >
                "Skip to content"
            </a>
            <header class="bg-slate-900 text-white">
                <div class="mx-auto flex max-w-6xl items-center gap-4 px-4 py-3 2xl:gap-6">
                    <a href="/" class="flex items-center gap-2 text-lg font-semibold tracking-tight">
                        <span
                            aria-hidden="true"
                            class="grid h-7 w-7 place-items-center rounded bg-emerald-500 text-sm font-bold text-slate-900"
                        >
                            "M"
                        </span>
                        "Meshgate"
                    </a>
                    <nav aria-label="Main" class="hidden flex-1 gap-1 xl:flex">
                        <NavLinks/>
                    </nav>
                    <div class="ml-auto flex items-center gap-3 xl:ml-0">
                        <UserMenu/>
                        <button
                            type="button"
                            class="rounded p-2 hover:bg-slate-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-emerald-400 xl:hidden"
                            aria-controls="mobile-nav"
                            aria-expanded=move || menu_open.get().to_string()
                            on:click=move |_| set_menu_open.update(|open| *open = !*open)
                        >
                            <span class="sr-only">"Menu"</span>
                            <svg aria-hidden="true" viewBox="0 0 20 20" class="h-5 w-5 fill-current">
                                <path d="M3 5h14v2H3zm0 4h14v2H3zm0 4h14v2H3z"></path>
                            </svg>
                        </button>
                    </div>
                </div>
                <nav
                    id="mobile-nav"
                    aria-label="Main (mobile)"
                    class="flex-col gap-1 border-t border-slate-800 px-4 py-2 xl:hidden"
                    class:flex=move || menu_open.get()
                    class:hidden=move || !menu_open.get()
                >
                    <NavLinks phone=true/>
                </nav>
            </header>
            <main id="main" class="mx-auto max-w-6xl px-4 py-8">
                {children()}
            </main>
            <footer class="mx-auto max-w-6xl px-4 pb-8 text-xs text-slate-500">
                "Meshgate — self-service for your data mesh · "
                <a href="/developers" class="underline hover:text-slate-700">"API and command line"</a>
            </footer>
        </div>
    }
}

const LINK: &str = "whitespace-nowrap rounded px-2 py-2 text-sm 2xl:px-3 text-slate-200 hover:bg-slate-800 hover:text-white aria-[current=page]:bg-slate-800 aria-[current=page]:text-white";

/// The entries the signed-in person may use; none for anonymous visitors. On a `phone`
/// the menu also holds API tokens, which wider screens show beside the person's name.
#[component]
fn NavLinks(#[prop(optional)] phone: bool) -> impl IntoView {
    let user = CurrentUser::get().0;
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let caller = user.await.ok().flatten();
                let tokens = (phone && caller.is_some())
                    .then(|| {
                        view! {
                            <A href="/tokens" attr:class=format!("{LINK} sm:hidden")>
                                "API tokens"
                            </A>
                        }
                    });
                let links = NAV
                    .iter()
                    .filter(|(_, _, role)| caller.as_ref().is_some_and(|c| c.has(*role)))
                    .map(|(href, label, _)| {
                        view! {
                            <A href=*href attr:class=LINK>
                                {*label}
                            </A>
                        }
                    })
                    .collect_view();
                view! { {links} {tokens} }
            })}
        </Suspense>
    }
}
