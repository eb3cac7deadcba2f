use leptos::prelude::*;

use crate::api::ApiError;
use crate::state::Session;

/// Something is on its way.
#[component]
pub fn Loading(#[prop(into, default = "Loading…".into())] label: String) -> impl IntoView {
    view! {
        <div class="state state-loading" role="status">
            <span class="spinner" aria-hidden="true"></span>
            <span>{label}</span>
        </div>
    }
}

/// Nothing to show, said plainly.
#[component]
pub fn EmptyState(
    #[prop(into)] title: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="state state-empty">
            <p class="state-title">{title}</p>
            {children.map(|children| children())}
        </div>
    }
}

/// A read that failed, with a way to try again.
#[component]
pub fn ErrorState(
    error: ApiError,
    #[prop(optional, into)] retry: Option<Callback<()>>,
) -> impl IntoView {
    Session::expect().notice(&error);
    let message = error.message();
    let request_id = error.request_id().map(str::to_string);
    view! {
        <div class="state state-error" role="alert">
            <p class="state-title">"This could not be loaded."</p>
            <p>{message}</p>
            {request_id
                .map(|id| {
                    view! {
                        <p class="alert-meta">"Reference for support: " <code>{id}</code></p>
                    }
                })}
            {retry
                .map(|retry| {
                    view! {
                        <button type="button" class="btn btn-secondary" on:click=move |_| retry.run(())>
                            "Try again"
                        </button>
                    }
                })}
        </div>
    }
}
