use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use tessera_domain::identity::AuthProvider;

use crate::api::{self, ApiError};
use crate::components::{ErrorAlert, Loading, Notice, PageHeader, TextField, busy};
use crate::forms::SignInForm;
use crate::routes;
use crate::sign_in::{
    LOCAL_PARAM, OIDC_ERROR_PARAM, oidc_refusal, provider_href, shows_password_form,
};
use crate::state::{Session, SignedOutReason};

#[component]
pub fn SignInPage() -> impl IntoView {
    let session = Session::expect();
    let query = use_query_map();
    let navigate = use_navigate();

    // The identity providers to offer, and whether passwords are accepted.
    let ways_in = LocalResource::new(api::session::providers);
    let param = move |name: &'static str| query.with(|query| query.get(name));
    let refusal = move || param(OIDC_ERROR_PARAM).map(|reason| oidc_refusal(&reason));

    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());

    let sign_in = Action::new_local(move |form: &SignInForm| {
        let credentials = form.parse();
        async move {
            let me = api::session::sign_in(&credentials?).await?;
            session.signed_in(me);
            Ok::<(), ApiError>(())
        }
    });

    // Once signed in (just now, or already when this page opened), go on to the page the
    // person was sent away from.
    Effect::new(move || {
        if session.is_signed_in() {
            let next = query.with_untracked(|query| {
                routes::return_path(query.get(routes::NEXT_PARAM).as_deref()).to_string()
            });
            navigate(
                &next,
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    let error = Signal::derive(move || sign_in.value().get().and_then(Result::err));
    let field_error =
        move |field: &'static str| Signal::derive(move || error.get()?.field_message(field));

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if sign_in.pending().get_untracked() {
            return;
        }
        sign_in.dispatch(SignInForm {
            username: username.get_untracked(),
            password: password.get_untracked(),
        });
    };

    // The username and password form; a secondary way in when providers are offered.
    let password_form_view = move |secondary: bool| {
        view! {
                <form class="form" novalidate on:submit=on_submit>
                    <TextField
                        id="username"
                        label="Username"
                        value=username
                        error=field_error("username")
                        autocomplete="username"
                    />
                    <TextField
                        id="password"
                        label="Password"
                        input_type="password"
                        value=password
                        error=field_error("password")
                        autocomplete="current-password"
                    />
                    <button
                        type="submit"
                        class=if secondary { "btn btn-secondary btn-block" } else { "btn btn-primary btn-block" }
                        aria-disabled=move || busy(sign_in.pending().get())
                    >
                        {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </form>
        }
    };

    view! {
        <main id="main" class="sign-in">
            <div class="sign-in-panel">
                <p class="sign-in-brand">
                    <img src="/favicon.svg" alt="" width="32" height="32" />
                    <span>"Tessera"</span>
                </p>
                <PageHeader title="Sign in" lead="Request and manage your access." />
                <Show when=move || {
                    session.signed_out_reason() == Some(SignedOutReason::Expired)
                }>
                    <Notice>"Your session has ended. Sign in again to continue."</Notice>
                </Show>
                <div class="alert-region">
                    {move || {
                        refusal()
                            .map(|words| {
                                view! {
                                    <div class="alert alert-error" role="alert">
                                        <p class="alert-title">"You were not signed in."</p>
                                        <p>{words}</p>
                                    </div>
                                }
                            })
                    }}
                    {move || {
                        error
                            .get()
                            .map(|error| {
                                view! { <ErrorAlert error=error title="You were not signed in." /> }
                            })
                    }}
                </div>
                {move || {
                    let local = param(LOCAL_PARAM);
                    match ways_in.get() {
                        None => view! { <Loading label="Loading the ways to sign in…" /> }.into_any(),
                        Some(Ok(ways)) => {
                            let next = param(routes::NEXT_PARAM);
                            let password_form = shows_password_form(
                                ways.local_passwords,
                                local.as_deref(),
                            );
                            let has_providers = !ways.providers.is_empty();
                            view! {
                                <ProviderButtons providers=ways.providers next=next />
                                {(password_form && has_providers)
                                    .then(|| view! { <p class="sign-in-divider">"or with a password"</p> })}
                                {password_form.then(|| password_form_view(has_providers))}
                            }
                                .into_any()
                        }
                        // Without the list the password form is still offered: the server
                        // decides whom it accepts.
                        Some(Err(_)) => password_form_view(false).into_any(),
                    }
                }}
            </div>
        </main>
    }
}

/// One button per identity provider, each coming back to `next` once signed in.
#[component]
fn ProviderButtons(providers: Vec<AuthProvider>, next: Option<String>) -> impl IntoView {
    (!providers.is_empty()).then(|| {
        view! {
            <ul class="sign-in-providers" role="list">
                {providers
                    .into_iter()
                    .map(|provider| {
                        let href = provider_href(&provider.sign_in_url, next.as_deref());
                        // `rel="external"`: the router must let the browser leave for the API.
                        view! {
                            <li>
                                <a class="btn btn-primary btn-block" href=href rel="external">
                                    {format!("Sign in with {}", provider.name)}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
    })
}
