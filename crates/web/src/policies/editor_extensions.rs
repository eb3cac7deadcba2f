//! The policy editor's custom extensions: endpoints the policy calls at points of a request's
//! life, each with its stage, URL, mode and, for launch and wait, its timeout and outcome.
//! The domain's rules (only request stages wait, one wait per stage, https or loopback http)
//! are checked on submit with the rest of the policy; every refusal shows at its control.

use leptos::prelude::*;
use reactive_stores::Field;
use tessera_domain::policy::extensions::MAX_EXTENSIONS;
use tessera_domain::policy::{ExtensionMode, ExtensionOutcome, ExtensionStage};

use crate::components::TextField;
use crate::rows::{fresh_key, keys_of, move_row, remove_row};

use super::draft::*;
use super::editor::Errors;
use super::editor::*;

#[component]
pub(super) fn ExtensionsSection(draft: Draft, errors: Errors) -> impl IntoView {
    let add = move |_| {
        draft.custom_extensions().update(|all| {
            if all.len() < MAX_EXTENSIONS {
                all.push(ExtensionDraft::new(fresh_key(all)));
            }
        });
    };
    let keys = Memo::new(move |_| draft.custom_extensions().with(|all| keys_of(all)));
    view! {
        <fieldset class="panel">
            <legend>"Custom extensions"</legend>
            <p class="field-hint">
                {format!(
                    "Endpoints Tessera calls at points of a request's life, signed with the policy's secret: to open a ticket, ask another system for a check, or provision something no connector covers. At most {MAX_EXTENSIONS}."
                )}
            </p>
            {list_error("extensions-error".into(), exact(errors, "custom_extensions".into()))}
            {move || {
                let keys = keys.get();
                let count = keys.len();
                keys.into_iter()
                    .enumerate()
                    .map(|(index, key)| view! {
                        <ExtensionEditor extension=Field::from(draft.custom_extensions().at_key(key)) key=key index=index count=count draft=draft errors=errors />
                    })
                    .collect_view()
            }}
            <Show when=move || keys.with(|keys| keys.len() < MAX_EXTENSIONS)>
                <button type="button" class="btn btn-secondary btn-small" on:click=add>
                    "Add a custom extension"
                </button>
            </Show>
        </fieldset>
    }
}

#[component]
fn ExtensionEditor(
    extension: Field<ExtensionDraft>,
    key: usize,
    index: usize,
    count: usize,
    draft: Draft,
    errors: Errors,
) -> impl IntoView {
    let number = index + 1;
    let path = format!("custom_extensions[{index}]");
    let prefix = format!("extension-{index}");
    // Read as the defaults once the row is removed, until the list is drawn again without it.
    let stage = move || {
        extension
            .stage()
            .try_get()
            .unwrap_or(ExtensionStage::RequestCreated)
    };
    let mode = move || {
        extension
            .mode()
            .try_get()
            .unwrap_or(ExtensionMode::LaunchAndContinue)
    };
    let outcome = move || {
        extension
            .timeout_outcome()
            .try_get()
            .unwrap_or(ExtensionOutcome::Deny)
    };
    let unit = move || extension.unit().try_get().unwrap_or_default();
    let stage_id = format!("{prefix}-stage");
    let stage_error = at(errors, format!("{path}.stage"));
    let mode_error_id = format!("{prefix}-mode-error");
    let mode_error = at(errors, format!("{path}.mode"));
    let unit_id = format!("{prefix}-unit");
    let outcome_error_id = format!("{prefix}-outcome-error");
    let outcome_error = at(errors, format!("{path}.timeout_outcome"));
    let outcome_described_by = {
        let id = outcome_error_id.clone();
        Signal::derive(move || outcome_error.with(Option::is_some).then(|| id.clone()))
    };
    let mode_name = format!("{prefix}-mode");
    let outcome_name = format!("{prefix}-outcome");
    let mode_choices = [
        (
            ExtensionMode::LaunchAndContinue,
            "Tessera posts the event and the request goes on.",
        ),
        (
            ExtensionMode::LaunchAndWait,
            "The request waits until the endpoint calls back with continue or deny, or the time runs out. Only when a request is made or approved, and one such extension at each.",
        ),
    ];
    view! {
        <fieldset class="extension">
            <legend>{format!("Extension {number}")}</legend>
            <TextField
                id=format!("{prefix}-name")
                label="Extension name"
                value=extension.name()
                error=at(errors, format!("{path}.name"))
                hint="Requesters see “Waiting for” and this name while a request waits for it."
                autocomplete="off"
            />
            <div class="field" class:field-invalid=move || stage_error.with(Option::is_some)>
                <label for=stage_id.clone()>"When it is called"</label>
                <select
                    id=stage_id
                    prop:value=move || stage().as_str()
                    on:change=move |ev| {
                        if let Some(chosen) = ExtensionStage::parse(&event_target_value(&ev)) {
                            extension.stage().try_set(chosen);
                        }
                    }
                >
                    {ExtensionStage::ALL
                        .into_iter()
                        .map(|option| view! { <option value=option.as_str() selected=move || stage() == option>{stage_label(option)}</option> })
                        .collect_view()}
                </select>
                {move || stage_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
            <TextField
                id=format!("{prefix}-url")
                label="Endpoint URL"
                value=extension.url()
                error=at(errors, format!("{path}.url"))
                hint="https; plain http only to this machine, for tests and development."
                autocomplete="off"
                inputmode="url"
            />
            <fieldset
                class="choices"
                aria-describedby=move || mode_error.with(Option::is_some).then(|| mode_error_id.clone())
            >
                <legend>"How the request goes on"</legend>
                {mode_choices
                    .into_iter()
                    .map(|(option, hint)| {
                        let name = mode_name.clone();
                        view! {
                            <label class="choice">
                                <input
                                    type="radio"
                                    name=name
                                    prop:checked=move || mode() == option
                                    on:change=move |_| {
                                        extension.mode().try_set(option);
                                    }
                                />
                                <span>{mode_label(option)} <span class="choice-hint">{hint}</span></span>
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            {list_error(format!("{prefix}-mode-error"), mode_error)}
            <Show when=move || mode() == ExtensionMode::LaunchAndWait>
                <div class="form-inline">
                    <TextField
                        id=format!("{prefix}-timeout")
                        label="Wait at most"
                        value=extension.timeout()
                        error=at(errors, format!("{path}.timeout_seconds"))
                        hint="Up to 14 days."
                        inputmode="numeric"
                    />
                    <div class="field">
                        <label for=unit_id.clone()>"Unit"</label>
                        <select
                            id=unit_id.clone()
                            prop:value=move || unit().value()
                            on:change=move |ev| {
                                extension.unit().try_set(WaitUnit::parse(&event_target_value(&ev)));
                            }
                        >
                            {WaitUnit::ALL
                                .into_iter()
                                .map(|option| view! { <option value=option.value() selected=move || unit() == option>{option.label()}</option> })
                                .collect_view()}
                        </select>
                    </div>
                </div>
                <fieldset class="choices" aria-describedby=move || outcome_described_by.get()>
                    <legend>"When no answer comes in time"</legend>
                    {ExtensionOutcome::ALL
                        .into_iter()
                        .map(|option| {
                            let name = outcome_name.clone();
                            view! {
                                <label class="choice">
                                    <input
                                        type="radio"
                                        name=name
                                        prop:checked=move || outcome() == option
                                        on:change=move |_| {
                                            extension.timeout_outcome().try_set(option);
                                        }
                                    />
                                    <span>{outcome_label(option)}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                {list_error(outcome_error_id.clone(), outcome_error)}
            </Show>
            <div class="row-actions">
                {(index > 0).then(|| view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| draft.custom_extensions().update(|all| move_row(all, key, true))>
                        {format!("Move extension {number} up")}
                    </button>
                })}
                {(index + 1 < count).then(|| view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| draft.custom_extensions().update(|all| move_row(all, key, false))>
                        {format!("Move extension {number} down")}
                    </button>
                })}
                <button type="button" class="btn btn-danger-outline btn-small" on:click=move |_| draft.custom_extensions().update(|all| remove_row(all, key))>
                    {format!("Remove extension {number}")}
                </button>
            </div>
        </fieldset>
    }
}
