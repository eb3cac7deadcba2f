//! The assignment-policy editor: who may request, the approval stages with their approvers,
//! what requesters answer, how long access lasts, and the custom extensions it calls.
//!
//! The form's state is one [`PolicyDraft`] in a reactive store, its controls bound to the
//! store's fields and its lists keyed by each row's key. On submit the draft is parsed into a
//! definition (each unreadable number or missing choice refused with the JSON path the API
//! would use, and the domain's own `policy::validate` checked), then sent. Every refusal,
//! local or from a `422`, is shown at the control its path names.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use reactive_stores::Store;
use tessera_domain::package::{AccessPackageView, PolicyView, ResourceRoleKind};
use tessera_domain::policy::PolicyDefinition;
use tessera_domain::problem::FieldError;

use super::draft::*;
use super::editor_extensions::ExtensionsSection;
use super::editor_sections::*;
pub use super::editor_sections::{can_pick_groups, summary};
use crate::api;
use crate::components::{
    CheckboxField, Combobox, DirectoryKind, DirectoryNames, ErrorAlert, FormActions, Model,
    PersonPicker, TextAreaField, TextField, directory_search,
};
use crate::forms::sentence;
use crate::names::named_in_policy;

/// The editor's state: the policy as typed.
pub(super) type Draft = Store<PolicyDraft>;

pub(super) type Errors = RwSignal<Vec<FieldError>>;

/// The message for `path` itself, or for anything inside it (`path.x`, `path[0]`).
pub(super) fn at(errors: Errors, path: String) -> Signal<Option<String>> {
    Signal::derive(move || {
        let messages: Vec<String> = errors.with(|all| {
            all.iter()
                .filter(|e| {
                    e.field == path
                        || e.field
                            .strip_prefix(path.as_str())
                            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
                })
                .map(|e| sentence(&e.message))
                .collect()
        });
        (!messages.is_empty()).then(|| messages.join(" "))
    })
}

/// The message for `path` only, for a list whose entries show their own.
pub(super) fn exact(errors: Errors, path: String) -> Signal<Option<String>> {
    Signal::derive(move || {
        errors.with(|all| {
            let messages: Vec<String> = all
                .iter()
                .filter(|e| e.field == path)
                .map(|e| sentence(&e.message))
                .collect();
            (!messages.is_empty()).then(|| messages.join(" "))
        })
    })
}

pub(super) fn either(
    a: Signal<Option<String>>,
    b: Signal<Option<String>>,
) -> Signal<Option<String>> {
    Signal::derive(move || match (a.get(), b.get()) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (a, b) => a.or(b),
    })
}

/// A paragraph for an error of a group of controls.
pub(super) fn list_error(id: String, error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(
            |message| view! { <p class="field-error" id=id.clone() role="alert">{message}</p> },
        )
    }
}

// ---------- the view ----------

/// What pickers need: the names of the people and groups known so far and the groups of this
/// package.
#[derive(Clone)]
pub(super) struct Directory {
    pub(super) names: DirectoryNames,
    pub(super) package_groups: Vec<(String, String)>,
}

#[component]
pub fn PolicyEditor(
    package: AccessPackageView,
    /// The policy being changed; `None` for a new one.
    existing: Option<PolicyView>,
    on_saved: Callback<PolicyView>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let draft: Draft = Store::new(
        existing
            .as_ref()
            .map(|p| PolicyDraft::of(&p.definition))
            .unwrap_or_default(),
    );
    let errors: Errors = RwSignal::new(Vec::new());
    let mut package_groups: Vec<(String, String)> = package
        .resource_roles
        .iter()
        .filter(|role| {
            matches!(
                role.kind,
                ResourceRoleKind::GroupMember | ResourceRoleKind::GroupOwner
            )
        })
        .filter_map(|role| Some((role.group_id?.to_string(), role.resource_name.clone())))
        .collect();
    package_groups.dedup();
    let names = DirectoryNames::default();
    // A stored policy names people and groups by id: ask for their names, which anyone signed
    // in may read, though only administrators may list the groups.
    if let Some(existing) = &existing {
        let (people, groups) = named_in_policy(&existing.definition);
        names.load(people, groups);
    }
    let directory = StoredValue::new(Directory {
        names,
        package_groups,
    });
    let package_id = package.id;
    let policy_id = existing.as_ref().map(|p| p.id);
    let save = Action::new_local(move |definition: &PolicyDefinition| {
        let definition = definition.clone();
        async move {
            let saved = match policy_id {
                Some(policy_id) => {
                    api::packages::replace_policy(package_id, policy_id, &definition).await
                }
                None => api::packages::create_policy(package_id, &definition).await,
            };
            match saved {
                Ok(policy) => {
                    on_saved.run(policy);
                    Ok(())
                }
                Err(error) => {
                    errors.set(
                        error
                            .problem()
                            .map(|p| p.errors.clone())
                            .unwrap_or_default(),
                    );
                    Err(error)
                }
            }
        }
    });
    let local_refusal = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if save.pending().get_untracked() {
            return;
        }
        match draft.with_untracked(PolicyDraft::parse) {
            Ok(definition) => {
                errors.set(Vec::new());
                local_refusal.set(false);
                save.dispatch(definition);
            }
            Err(refusals) => {
                errors.set(refusals);
                local_refusal.set(true);
            }
        }
    };
    let server_error = Signal::derive(move || {
        if local_refusal.get() {
            None
        } else {
            save.value().get().and_then(Result::err)
        }
    });
    let heading = if existing.is_some() {
        "Change the policy"
    } else {
        "New policy"
    };
    view! {
        <form class="form policy-editor" novalidate on:submit=on_submit aria-labelledby="policy-editor-heading">
            <h3 id="policy-editor-heading">{heading}</h3>
            {move || server_error.get().map(|error| view! { <ErrorAlert error=error title="The policy was not saved." /> })}
            {move || {
                (local_refusal.get() && !errors.with(Vec::is_empty))
                    .then(|| {
                        view! {
                            <div class="alert alert-error" role="alert">
                                <p class="alert-title">"The policy was not saved."</p>
                                <p>
                                    {move || match errors.with(Vec::len) {
                                        1 => "1 field needs attention; it is marked below.".to_string(),
                                        n => format!("{n} fields need attention; each is marked below."),
                                    }}
                                </p>
                            </div>
                        }
                    })
            }}
            <fieldset class="panel">
                <legend>"Policy"</legend>
                <TextField id="policy-name" label="Policy name" value=draft.name() error=at(errors, "name".into()) required=true autocomplete="off" />
                <TextAreaField id="policy-description" label="Policy description" value=draft.description() error=at(errors, "description".into()) />
                <CheckboxField id="policy-enabled" label="Enabled" checked=draft.enabled() hint="A disabled policy accepts no new requests." />
            </fieldset>
            <WhoSection draft=draft errors=errors directory=directory />
            <ApprovalSection draft=draft errors=errors directory=directory />
            <RequesterSection draft=draft errors=errors />
            <LifecycleSection draft=draft errors=errors />
            <ExtensionsSection draft=draft errors=errors />
            <FormActions submit="Save policy" working="Saving…" pending=save.pending() on_cancel=on_cancel />
        </form>
    }
}

/// A group of radios bound to `value`.
pub(super) fn radios<T: Copy + PartialEq + Send + Sync + 'static>(
    name: &'static str,
    value: Model<T>,
    options: Vec<(T, &'static str, Option<&'static str>)>,
) -> impl IntoView {
    options
        .into_iter()
        .map(|(option, label, hint)| {
            view! {
                <label class="choice">
                    <input
                        type="radio"
                        name=name
                        prop:checked=move || value.get() == option
                        on:change=move |_| value.set(option)
                    />
                    <span>
                        {label}
                        {hint.map(|hint| view! { <span class="choice-hint">{hint}</span> })}
                    </span>
                </label>
            }
        })
        .collect_view()
}

#[component]
fn WhoSection(draft: Draft, errors: Errors, directory: StoredValue<Directory>) -> impl IntoView {
    let names = directory.with_value(|d| d.names);
    let user_filter = RwSignal::new(String::new());
    let user_choice = RwSignal::new(String::new());
    let group_filter = RwSignal::new(String::new());
    let group_choice = RwSignal::new(String::new());
    let groups = directory_search(
        DirectoryKind::Groups,
        group_filter,
        Signal::derive(move || draft.who().get() == Who::Specific),
    );
    let add_user = move |_| {
        let id = user_choice.get_untracked();
        if !id.is_empty() && !draft.users().with_untracked(|all| all.contains(&id)) {
            draft.users().write().push(id);
        }
        user_choice.set(String::new());
    };
    let add_group = move |_| {
        let id = group_choice.get_untracked();
        if id.is_empty() {
            return;
        }
        if let Some(name) = groups.name_of(&id) {
            names.learn_group(&id, name);
        }
        if !draft.groups().with_untracked(|all| all.contains(&id)) {
            draft.groups().write().push(id);
        }
        group_choice.set(String::new());
    };
    let group_name = move |id: &str| {
        names
            .group_name(id)
            .unwrap_or_else(|| format!("Group {id}"))
    };
    view! {
        <fieldset class="panel">
            <legend>"Who can request"</legend>
            <div class="choices" role="radiogroup" aria-label="Who can request">
                {radios(
                    "who-can-request",
                    draft.who().into(),
                    vec![
                        (Who::Specific, "Specific users and groups", None),
                        (Who::AllMembers, "All members", Some("People of the organisation; not service accounts or guests.")),
                        (Who::AllUsers, "All users", Some("Everyone in the directory.")),
                        (Who::Nobody, "Nobody", Some("Only administrators assign this package directly.")),
                    ],
                )}
            </div>
            {list_error("who-error".into(), exact(errors, "who_can_request".into()))}
            <Show when=move || draft.who().get() == Who::Specific>
                <div class="picked">
                    <h4>"Users who may request"</h4>
                    <ul class="chips">
                        {move || {
                            draft
                                .users()
                                .get()
                                .into_iter()
                                .enumerate()
                                .map(|(index, id)| {
                                    let name = names.name_of(&id);
                                    let error = at(errors, format!("who_can_request.users[{index}]"));
                                    view! {
                                        <li class="chip">
                                            <span>{name.clone()}</span>
                                            <button type="button" class="btn btn-ghost btn-small" aria-label=format!("Remove {name}") on:click={
                                                let id = id.clone();
                                                move |_| draft.users().write().retain(|chosen| *chosen != id)
                                            }>
                                                "Remove"
                                            </button>
                                            {move || error.get().map(|m| view! { <span class="field-error">{m}</span> })}
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                    <div class="form-inline">
                        <PersonPicker id="who-user" label="User who may request" value=user_choice filter=user_filter names=names />
                        <div class="form-actions">
                            <button type="button" class="btn btn-secondary" on:click=add_user>"Add user"</button>
                        </div>
                    </div>
                    <h4>"Groups whose members may request"</h4>
                    <ul class="chips">
                        {move || {
                            draft
                                .groups()
                                .get()
                                .into_iter()
                                .enumerate()
                                .map(|(index, id)| {
                                    let name = group_name(&id);
                                    let error = at(errors, format!("who_can_request.groups[{index}]"));
                                    view! {
                                        <li class="chip">
                                            <span>{name.clone()}</span>
                                            <button type="button" class="btn btn-ghost btn-small" aria-label=format!("Remove {name}") on:click={
                                                let id = id.clone();
                                                move |_| draft.groups().write().retain(|chosen| *chosen != id)
                                            }>
                                                "Remove"
                                            </button>
                                            {move || error.get().map(|m| view! { <span class="field-error">{m}</span> })}
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                    <div class="form-inline">
                        <Combobox id="who-group" label="Group whose members may request" value=group_choice search=groups />
                        <div class="form-actions">
                            <button type="button" class="btn btn-secondary" on:click=add_group>"Add group"</button>
                        </div>
                    </div>
                </div>
            </Show>
        </fieldset>
    }
}
