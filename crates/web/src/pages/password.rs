//! The signed-in person changes their own password. Their other sessions end; this one stays.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{ErrorAlert, Notice, PageHeader, TextField, Tone, busy};
use crate::forms::ChangePasswordForm;

#[component]
pub fn PasswordPage() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());

    let change = Action::new_local(move |form: &ChangePasswordForm| {
        let change = form.parse();
        async move {
            api::session::change_password(&change?).await?;
            Ok::<(), ApiError>(())
        }
    });
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let field_error =
        move |field: &'static str| Signal::derive(move || error.get()?.field_message(field));

    // A changed password empties the form.
    Effect::new(move || {
        if matches!(change.value().get(), Some(Ok(()))) {
            current.set(String::new());
            new.set(String::new());
            repeat.set(String::new());
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if change.pending().get_untracked() {
            return;
        }
        change.dispatch(ChangePasswordForm {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
            repeat_password: repeat.get_untracked(),
        });
    };

    view! {
        <PageHeader
            title="Change password"
            lead="Your other sessions end when you change it; you stay signed in here. API tokens keep working."
        />
        <section class="section" aria-label="Change password">
            {move || {
                matches!(change.value().get(), Some(Ok(())))
                    .then(|| view! { <Notice tone=Tone::Success>"Your password was changed."</Notice> })
            }}
            {move || {
                error
                    .get()
                    .map(|error| view! { <ErrorAlert error=error title="Your password was not changed." /> })
            }}
            <form class="form" novalidate on:submit=on_submit>
                <TextField
                    id="current_password"
                    label="Current password"
                    input_type="password"
                    autocomplete="current-password"
                    value=current
                    error=field_error("current_password")
                    required=true
                />
                <TextField
                    id="new_password"
                    label="New password"
                    input_type="password"
                    autocomplete="new-password"
                    value=new
                    error=field_error("new_password")
                    hint="12 to 256 characters. A few unrelated words make a good one."
                    required=true
                />
                <TextField
                    id="repeat_password"
                    label="New password again"
                    input_type="password"
                    autocomplete="new-password"
                    value=repeat
                    error=field_error("repeat_password")
                    required=true
                />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" aria-disabled=move || busy(change.pending().get())>
                        {move || if change.pending().get() { "Changing…" } else { "Change password" }}
                    </button>
                </div>
            </form>
        </section>
    }
}
