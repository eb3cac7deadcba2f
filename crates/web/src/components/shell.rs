//! The signed-in portal: header, main navigation, and the page in `<main>`. It is the parent
//! route of every page but sign-in, so it is also where people without a session are sent away.

use leptos::ev::{KeyboardEvent, MouseEvent};
use leptos::html;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_location, use_navigate};

use super::{Arrival, ErrorAlert, ErrorState, Loading, busy};
use tessera_domain::roles::GlobalRole;

use crate::api;
use crate::routes;
use crate::state::{Auth, Inbox, Session, SignedOutReason};

/// What the shell shows; the signed-in person's details are read where they are shown, so that
/// nothing below is rebuilt when they are set again.
#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Checking,
    SignedIn,
    SignedOut,
    Unreachable(api::ApiError),
}

#[component]
pub fn Shell() -> impl IntoView {
    let session = Session::expect();
    let location = use_location();
    let navigate = use_navigate();

    // Without a session, go to the sign-in page, remembering this page unless the person
    // signed out on purpose.
    Effect::new(move || {
        if let Some(reason) = session.signed_out_reason() {
            let target = match reason {
                SignedOutReason::ByThemselves => routes::SIGN_IN.to_string(),
                SignedOutReason::NoSession | SignedOutReason::Expired => {
                    let path = location.pathname.get_untracked();
                    let search = location.search.get_untracked();
                    let here = if search.is_empty() {
                        path
                    } else {
                        format!("{path}?{search}")
                    };
                    routes::sign_in_returning_to(&here)
                }
            };
            navigate(
                &target,
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    let phase = Memo::new(move |_| match session.auth() {
        Auth::Checking => Phase::Checking,
        Auth::SignedIn(_) => Phase::SignedIn,
        Auth::SignedOut(_) => Phase::SignedOut,
        Auth::Unreachable(error) => Phase::Unreachable(error),
    });

    move || match phase.get() {
        Phase::Checking => view! {
            <main id="main" class="page-center">
                <Loading label="Checking your session…" />
            </main>
        }
        .into_any(),
        Phase::SignedOut => view! {
            <main id="main" class="page-center">
                <Loading label="Taking you to the sign-in page…" />
            </main>
        }
        .into_any(),
        Phase::Unreachable(error) => view! {
            <main id="main" class="page-center">
                <ErrorState error=error retry=Callback::new(move |_| session.check()) />
            </main>
        }
        .into_any(),
        Phase::SignedIn => view! { <Layout /> }.into_any(),
    }
}

/// The links of the main navigation, in order.
const MAIN_LINKS: [(&str, &str); 5] = [
    (routes::OVERVIEW, "Overview"),
    (routes::ACCESS_PACKAGES, "Access packages"),
    (routes::REQUESTS, "Request history"),
    (routes::APPROVALS, "Approvals"),
    (routes::REVIEWS, "Access reviews"),
];

#[component]
fn Layout() -> impl IntoView {
    let session = Session::expect();
    let location = use_location();
    let menu_open = RwSignal::new(false);
    let main_ref = NodeRef::<html::Main>::new();
    let is_admin = Memo::new(move |_| session.is_admin());
    // People who hold a role in a catalog administer it too. The list answers only the catalogs
    // they hold a role in, so one item is enough to know.
    let holds_catalog_role = LocalResource::new(move || {
        let admin = is_admin.get();
        async move {
            !admin
                && api::catalogs::list(
                    "",
                    &tessera_domain::page::PageQuery {
                        limit: Some(1),
                        cursor: None,
                    },
                )
                .await
                .is_ok_and(|page| !page.items.is_empty())
        }
    });
    let is_catalog_creator = Memo::new(move |_| {
        session
            .with_me(|me| me.roles.contains(&GlobalRole::CatalogCreator))
            .unwrap_or(false)
    });
    let admin_href = Memo::new(move |_| {
        if is_admin.get() {
            Some(routes::ADMIN)
        } else if is_catalog_creator.get() || holds_catalog_role.get().unwrap_or(false) {
            Some(routes::ADMIN_CATALOGS)
        } else {
            None
        }
    });

    // "My team" is for managers: the signed-in answer says whether anyone reports to them.
    let has_reports =
        Memo::new(move |_| session.with_me(|me| me.has_direct_reports).unwrap_or(false));
    let may_create_tokens = Memo::new(move |_| {
        session
            .with_me(|me| me.may_create_api_tokens)
            .unwrap_or(false)
    });
    let profile_open = RwSignal::new(false);
    let profile_toggle = NodeRef::<html::Button>::new();
    let menu_toggle = NodeRef::<html::Button>::new();
    let inbox = Inbox::provide();
    Arrival::provide(location.pathname.get_untracked());
    // The small-screen menu and the profile menu close once a link has been followed, and the
    // unread count is read again: something may have happened meanwhile.
    Effect::new(move || {
        location.pathname.track();
        menu_open.set(false);
        profile_open.set(false);
        inbox.refresh();
    });

    // Move focus, not just the scroll position, so the next Tab continues inside <main>.
    let skip_to_content = move |ev: MouseEvent| {
        ev.prevent_default();
        if let Some(main) = main_ref.get() {
            let _ = main.focus();
        }
    };

    let sign_out = Action::new_local(move |_: &()| async move {
        match api::session::sign_out().await {
            // Already gone on the server: the person is signed out either way.
            Err(error) if !error.is_unauthorized() => Err(error),
            // The session came from an identity provider: end its session too (RP-initiated
            // logout). The provider sends the browser back to the portal afterwards.
            Ok(Some(answer)) if leave_for(&answer.provider_sign_out_url) => Ok(()),
            Ok(_) | Err(_) => {
                session.signed_out();
                Ok(())
            }
        }
    });

    view! {
        <a class="skip-link" href="#main" on:click=skip_to_content>
            "Skip to content"
        </a>
        <header class="topbar">
            <a class="brand" href=routes::OVERVIEW>
                <img class="brand-mark" src="/favicon.svg" alt="" width="28" height="28" />
                <span>"Tessera"</span>
            </a>
            <button
                type="button"
                node_ref=menu_toggle
                class="btn btn-ghost menu-toggle"
                aria-controls="main-nav"
                aria-expanded=move || if menu_open.get() { "true" } else { "false" }
                on:click=move |_| menu_open.update(|open| *open = !*open)
            >
                "Menu"
            </button>
            // The profile menu: a disclosure button and the list it shows.
            <div
                class="topbar-user profile-menu"
                on:keydown=move |ev: KeyboardEvent| {
                    if ev.key() == "Escape" && profile_open.get_untracked() {
                        ev.prevent_default();
                        profile_open.set(false);
                        if let Some(toggle) = profile_toggle.get_untracked() {
                            let _ = toggle.focus();
                        }
                    }
                }
            >
                <button
                    type="button"
                    node_ref=profile_toggle
                    class="btn btn-ghost btn-small profile-menu-toggle"
                    aria-controls="profile-menu"
                    aria-expanded=move || if profile_open.get() { "true" } else { "false" }
                    on:click=move |_| profile_open.update(|open| *open = !*open)
                >
                    <span class="user-name">{move || session.display_name()}</span>
                    <span class="visually-hidden">" account menu"</span>
                    <span aria-hidden="true">" ▾"</span>
                </button>
                <ul id="profile-menu" class="profile-menu-items" hidden=move || !profile_open.get()>
                    <Show when=move || may_create_tokens.get()>
                        <li>
                            <A href=routes::TOKENS>"API tokens"</A>
                        </li>
                    </Show>
                    <li>
                        <A href=routes::PASSWORD>"Change password"</A>
                    </li>
                    <li>
                        <button
                            type="button"
                            class="btn btn-secondary btn-small"
                            aria-disabled=move || busy(sign_out.pending().get())
                            on:click=move |_| {
                                if !sign_out.pending().get_untracked() {
                                    sign_out.dispatch(());
                                }
                            }
                        >
                            "Sign out"
                        </button>
                    </li>
                </ul>
            </div>
        </header>
        {move || {
            sign_out
                .value()
                .get()
                .and_then(Result::err)
                .map(|error| {
                    view! {
                        <div class="topbar-alert">
                            <ErrorAlert error=error title="You could not be signed out." />
                        </div>
                    }
                })
        }}
        <div class="shell">
            <nav
                id="main-nav"
                class="sidenav"
                class:sidenav-open=move || menu_open.get()
                aria-label="Main"
                on:keydown=move |ev: KeyboardEvent| {
                    if ev.key() == "Escape" && menu_open.get_untracked() {
                        ev.prevent_default();
                        menu_open.set(false);
                        if let Some(toggle) = menu_toggle.get_untracked() {
                            let _ = toggle.focus();
                        }
                    }
                }
            >
                <ul>
                    {MAIN_LINKS
                        .into_iter()
                        .map(|(href, label)| {
                            view! {
                                // A click bubbles here from the link: the small-screen menu
                                // closes even when the link is the page already shown, which
                                // does not change the path.
                                <li on:click=move |_| menu_open.set(false)>
                                    <A href=href exact=true>
                                        {label}
                                    </A>
                                </li>
                            }
                        })
                        .collect_view()}
                    <Show when=move || has_reports.get()>
                        <li on:click=move |_| menu_open.set(false)>
                            <A href=routes::TEAM exact=true>"My team"</A>
                        </li>
                    </Show>
                    <li on:click=move |_| menu_open.set(false)>
                        <A href=routes::NOTIFICATIONS exact=true>
                            "Notifications"
                            {move || {
                                inbox
                                    .unread()
                                    .filter(|count| *count > 0)
                                    .map(|count| {
                                        view! {
                                            <span class="visually-hidden">" ("</span>
                                            <span class="nav-count">{count}</span>
                                            <span class="visually-hidden">" unread)"</span>
                                        }
                                    })
                            }}
                        </A>
                    </li>
                    {move || {
                        admin_href
                            .get()
                            .map(|href| {
                                view! {
                                    <li class="sidenav-separated" on:click=move |_| menu_open.set(false)>
                                        <A href=href>"Admin"</A>
                                    </li>
                                }
                            })
                    }}
                </ul>
            </nav>
            <main id="main" class="content" tabindex="-1" node_ref=main_ref>
                <Outlet />
            </main>
        </div>
    }
}

/// Sends the browser to another site; false when the browser refused.
fn leave_for(url: &str) -> bool {
    web_sys::window().is_some_and(|window| window.location().assign(url).is_ok())
}
