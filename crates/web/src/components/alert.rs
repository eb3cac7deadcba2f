use leptos::html;
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
    let alert = NodeRef::<html::Div>::new();
    focus_on_mount(alert);
    view! {
        <div class="alert alert-error" role="alert" tabindex="-1" node_ref=alert>
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
    let notice = NodeRef::<html::Div>::new();
    // A confirmation is what the person just did: focus follows it, as it follows a refusal.
    if tone == Tone::Success {
        focus_on_mount(notice);
    }
    view! {
        <div class=class role="status" tabindex=(tone == Tone::Success).then_some("-1") node_ref=notice>
            {children()}
        </div>
    }
}

/// Takes the keyboard focus to `node` once it is in the page: an error summary after a
/// refused submit, a confirmation after an accepted one.
pub fn focus_on_mount(node: NodeRef<html::Div>) {
    Effect::new(move || {
        if let Some(element) = node.get() {
            let _ = element.focus();
        }
    });
}
