use leptos::prelude::*;

use crate::api::ApiError;
use crate::state::Session;

/// An error from the API, announced to screen readers. A `401` also ends the session in the
/// UI: the shell then sends the person to the sign-in page.
#[component]
pub fn ErrorAlert(
    error: ApiError,
    /// A first line saying what failed, such as "The user was not created."
    #[prop(optional, into)]
    title: Option<String>,
) -> impl IntoView {
    Session::expect().notice(&error);
    let message = error.message();
    let request_id = error.request_id().map(str::to_string);
    view! {
        <div class="alert alert-error" role="alert">
            {title.map(|title| view! { <p class="alert-title">{title}</p> })}
            <p>{message}</p>
            {request_id
                .map(|id| {
                    view! {
                        <p class="alert-meta">"Reference for support: " <code>{id}</code></p>
                    }
                })}
        </div>
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
}

/// A polite message, such as "Token revoked." Uses `role="status"` so it is read out without
/// interrupting.
#[component]
pub fn Notice(#[prop(default = Tone::Info)] tone: Tone, children: Children) -> impl IntoView {
    let class = match tone {
        Tone::Info => "alert alert-info",
        Tone::Success => "alert alert-success",
    };
    view! {
        <div class=class role="status">
            {children()}
        </div>
    }
}
