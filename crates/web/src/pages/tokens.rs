//! The signed-in person's own API tokens: list, create (secret shown once), revoke.

use chrono::{DateTime, Utc};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use tessera_domain::TokenId;
use tessera_domain::page::{MAX_PAGE_SIZE, PageQuery};
use tessera_domain::token::{CreatedToken, TokenView};

use crate::api::{self, ApiError};
use crate::components::{
    EmptyState, ErrorAlert, ErrorState, Loading, Notice, PageHeader, TextField, Tone, busy,
};
use crate::format::{TokenStatus, maybe_timestamp, timestamp};
use crate::forms::NewTokenForm;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

#[component]
pub fn TokensPage() -> impl IntoView {
    let tokens = LocalResource::new(|| {
        api::tokens::list(&PageQuery {
            limit: Some(MAX_PAGE_SIZE),
            cursor: None,
        })
    });
    // The secret of the token just created: kept in memory until dismissed, never stored.
    let created = RwSignal::new(None::<CreatedToken>);
    let revoked = RwSignal::new(None::<String>);

    let create = Action::new_local(move |form: &NewTokenForm| {
        let new_token = form.parse();
        async move {
            let token = api::tokens::create(&new_token?).await?;
            revoked.set(None);
            created.set(Some(token));
            tokens.refetch();
            Ok::<(), ApiError>(())
        }
    });
    let revoke = Action::new_local(move |token: &(TokenId, String)| {
        let (id, name) = token.clone();
        async move {
            api::tokens::revoke(id).await?;
            revoked.set(Some(name));
            tokens.refetch();
            Ok::<(), ApiError>(())
        }
    });

    view! {
        <PageHeader
            title="API tokens"
            lead="Scripts and integrations use API tokens to call Tessera as you. Each token expires; revoke one as soon as it is no longer needed."
        />
        <section class="section" aria-labelledby="tokens-list-heading">
            <h2 id="tokens-list-heading">"Your tokens"</h2>
            {move || {
                revoked
                    .get()
                    .map(|name| {
                        view! {
                            <Notice tone=Tone::Success>"Token “" {name} "” was revoked."</Notice>
                        }
                    })
            }}
            {move || {
                revoke
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| {
                        view! { <ErrorAlert error=error title="The token was not revoked." /> }
                    })
            }}
            <Transition fallback=|| view! { <Loading label="Loading your tokens…" /> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(page) => view! { <TokenTable tokens=page.items more=page.next_cursor.is_some() revoke=revoke /> }.into_any(),
                        Err(error) => view! {
                            <ErrorState error=error retry=Callback::new(move |_| tokens.refetch()) />
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
        <NewTokenSection create=create created=created />
    }
}

#[component]
fn TokenTable(
    tokens: Vec<TokenView>,
    /// Whether the list was cut at one page.
    more: bool,
    revoke: Action<(TokenId, String), Result<(), ApiError>>,
) -> impl IntoView {
    if tokens.is_empty() {
        return view! {
            <EmptyState title="You have no API tokens.">
                <p>"Create one below when a script or an integration needs to call Tessera."</p>
            </EmptyState>
        }
        .into_any();
    }
    let now = now();
    view! {
        <div class="table-wrap" role="group" aria-labelledby="tokens-list-heading" tabindex="0">
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Prefix"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {tokens
                        .into_iter()
                        .map(|token| view! { <TokenRow token=token now=now revoke=revoke /> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        {more
            .then(|| {
                view! {
                    <p class="table-note">
                        {format!("Showing your first {MAX_PAGE_SIZE} tokens.")}
                    </p>
                }
            })}
    }
    .into_any()
}

#[component]
fn TokenRow(
    token: TokenView,
    now: DateTime<Utc>,
    revoke: Action<(TokenId, String), Result<(), ApiError>>,
) -> impl IntoView {
    let status = TokenStatus::of(&token, now);
    let name = token.name.as_str().to_string();
    let id = token.id;
    // Revoking cannot be undone: ask once more, in the row itself.
    let confirming = RwSignal::new(false);
    let confirm_ref = NodeRef::<html::Button>::new();
    let revoke_ref = NodeRef::<html::Button>::new();
    Effect::new(move || {
        if confirming.get()
            && let Some(button) = confirm_ref.get()
        {
            let _ = button.focus();
        }
    });
    let cancel = move |_| {
        confirming.set(false);
        request_animation_frame(move || {
            if let Some(button) = revoke_ref.get_untracked() {
                let _ = button.focus();
            }
        });
    };
    let pending = move || {
        revoke.pending().get()
            && revoke
                .input()
                .with(|input| matches!(input, Some((pending_id, _)) if *pending_id == id))
    };
    let actions = {
        let name = name.clone();
        move || match status {
            TokenStatus::Active if confirming.get() => {
                let name = name.clone();
                view! {
                    <span class="row-actions">
                        <button
                            type="button"
                            class="btn btn-danger btn-small"
                            node_ref=confirm_ref
                            aria-disabled=move || busy(pending())
                            on:click=move |_| {
                                if !revoke.pending().get_untracked() {
                                    revoke.dispatch((id, name.clone()));
                                }
                            }
                        >
                            {move || if pending() { "Revoking…" } else { "Revoke now" }}
                        </button>
                        <button type="button" class="btn btn-secondary btn-small" on:click=cancel>
                            "Keep"
                        </button>
                    </span>
                }
                .into_any()
            }
            TokenStatus::Active => view! {
                <button
                    type="button"
                    class="btn btn-danger-outline btn-small"
                    node_ref=revoke_ref
                    aria-label=format!("Revoke {name}")
                    on:click=move |_| confirming.set(true)
                >
                    "Revoke"
                </button>
            }
            .into_any(),
            TokenStatus::Expired | TokenStatus::Revoked => ().into_any(),
        }
    };
    view! {
        <tr>
            <th scope="row">{name.clone()}</th>
            <td>
                <code>{token.prefix.clone()}</code>
            </td>
            <td>{timestamp(&token.created_at)}</td>
            <td>{timestamp(&token.expires_at)}</td>
            <td>{maybe_timestamp(token.last_used_at.as_ref(), "Never")}</td>
            <td>
                <span class=status.badge_class()>{status.label()}</span>
            </td>
            <td class="cell-actions">{actions}</td>
        </tr>
    }
}

#[component]
fn NewTokenSection(
    create: Action<NewTokenForm, Result<(), ApiError>>,
    created: RwSignal<Option<CreatedToken>>,
) -> impl IntoView {
    let defaults = NewTokenForm::default();
    let name = RwSignal::new(defaults.name);
    let days = RwSignal::new(defaults.expires_in_days);

    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let field_error =
        move |field: &'static str| Signal::derive(move || error.get()?.field_message(field));

    // A created token empties the form for the next one.
    Effect::new(move || {
        if matches!(create.value().get(), Some(Ok(()))) {
            name.set(String::new());
            days.set(NewTokenForm::default().expires_in_days);
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if create.pending().get_untracked() {
            return;
        }
        create.dispatch(NewTokenForm {
            name: name.get_untracked(),
            expires_in_days: days.get_untracked(),
        });
    };

    view! {
        <section class="section" aria-labelledby="new-token-heading">
            <h2 id="new-token-heading">"New token"</h2>
            {move || created.get().map(|token| view! { <SecretOnce created=token on_done=Callback::new(move |_| created.set(None)) /> })}
            {move || {
                error
                    .get()
                    .map(|error| {
                        view! { <ErrorAlert error=error title="The token was not created." /> }
                    })
            }}
            <form class="form form-inline" novalidate on:submit=on_submit>
                <TextField
                    id="name"
                    label="Name"
                    value=name
                    error=field_error("name")
                    hint="What the token is for, such as “nightly export”."
                    required=true
                    autocomplete="off"
                />
                <TextField
                    id="expires_in_days"
                    label="Lifetime in days"
                    input_type="number"
                    inputmode="numeric"
                    min="1"
                    max="366"
                    value=days
                    error=field_error("expires_in_days")
                    hint="From 1 to 366 days."
                    required=true
                />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" aria-disabled=move || busy(create.pending().get())>
                        {move || if create.pending().get() { "Creating…" } else { "Create token" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// The secret of a new token, shown this once.
#[component]
fn SecretOnce(created: CreatedToken, on_done: Callback<()>) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let secret = created.secret.clone();
    let copy = move |_| {
        let Some(clipboard) = web_sys::window().map(|window| window.navigator().clipboard()) else {
            copied.set(Some(false));
            return;
        };
        let promise = clipboard.write_text(&secret);
        leptos::task::spawn_local(async move {
            let done = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            copied.set(Some(done));
        });
    };
    let heading_ref = NodeRef::<html::H3>::new();
    // Take focus to the secret, so keyboard and screen-reader users find it.
    Effect::new(move || {
        if let Some(heading) = heading_ref.get() {
            let _ = heading.focus();
        }
    });
    view! {
        <div class="secret-once" role="region" aria-labelledby="secret-once-heading">
            <h3 id="secret-once-heading" tabindex="-1" node_ref=heading_ref>
                "Token “" {created.token.name.as_str().to_string()} "” created"
            </h3>
            <p class="secret-warning">
                <strong>"Copy the secret now."</strong>
                " It is shown only this once and cannot be shown again. If you lose it, revoke the token and create another."
            </p>
            <label class="secret-label" for="token-secret">
                "Secret"
            </label>
            <div class="secret-row">
                <input id="token-secret" class="secret-value" type="text" readonly value=created.secret.clone() />
                <button type="button" class="btn btn-secondary" on:click=copy>
                    "Copy"
                </button>
            </div>
            <p class="secret-status" role="status">
                {move || match copied.get() {
                    Some(true) => "Copied to the clipboard.",
                    Some(false) => "Could not copy: select the secret and copy it yourself.",
                    None => "",
                }}
            </p>
            <p>"Send it as " <code>"Authorization: Bearer <secret>"</code> "."</p>
            <button type="button" class="btn btn-primary" on:click=move |_| on_done.run(())>
                "I have copied it"
            </button>
        </div>
    }
}
