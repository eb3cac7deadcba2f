use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::{self, ApiError};
use crate::components::{ErrorAlert, Notice, PageHeader, TextField, busy};
use crate::forms::SignInForm;
use crate::routes;
use crate::state::{Session, SignedOutReason};

#[component]
pub fn SignInPage() -> impl IntoView {
    let session = Session::expect();
    let query = use_query_map();
    let navigate = use_navigate();

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
                        error
                            .get()
                            .map(|error| {
                                view! { <ErrorAlert error=error title="You were not signed in." /> }
                            })
                    }}
                </div>
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
                        class="btn btn-primary btn-block"
                        aria-disabled=move || busy(sign_in.pending().get())
                    >
                        {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </form>
            </div>
        </main>
    }
}
