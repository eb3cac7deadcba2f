//! The access review definition editor: what is reviewed (groups, applications, or an access
//! package and optionally one of its policies; everyone, only guests, only the inactive, or
//! only inactive guests), one to three stages with their reviewers and fallback reviewers, the
//! schedule, and the settings.
//!
//! The same editor sets up the review a policy carries for its own assignments
//! ([`ReviewedPolicy`]): the review's name and resources are then the policy's, and the editor
//! leaves them out.
//!
//! The form's state is one [`DefinitionDraft`] in a reactive store, its controls bound to the
//! store's fields and its lists keyed by each row's key. On submit `crate::reviews` parses the
//! draft into the domain's `ReviewDefinitionInput` (and checks it with the domain's own rules,
//! natively tested); every refusal, local or from a `422`, is shown at the control its JSON
//! path names, such as `stages[1].reviewers[0].group_id`.

use std::collections::HashMap;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use reactive_stores::Store;
use tessera_domain::problem::FieldError;
use tessera_domain::review::{PolicyReviewInput, ReviewDefinitionInput, ReviewDefinitionView};
use tessera_domain::{AccessPackageId, ApplicationId, PolicyId};

use super::editor_scope::*;
use super::editor_sections::*;
use crate::api;
use crate::components::{DirectoryNames, ErrorAlert, FormActions, Model, TextAreaField, TextField};
use crate::forms::sentence;
use crate::pages::browser_clock::{browser_local, browser_now, browser_time};
use crate::pages::common::is_admin;
use crate::reviews::{
    DefinitionDraft, DefinitionDraftStoreFields, ScopeKind, messages_at, messages_under,
    named_reviewers, policy_review_errors,
};

/// The editor's state: the definition as typed.
pub(super) type Draft = Store<DefinitionDraft>;

pub(super) type Errors = RwSignal<Vec<FieldError>>;

/// The message for `path` itself, or for anything inside it.
pub(super) fn at(errors: Errors, path: String) -> Signal<Option<String>> {
    Signal::derive(move || {
        errors
            .with(|all| messages_under(all, &path))
            .map(|m| sentence(&m))
    })
}

/// The message for `path` only, for a list whose entries show their own.
pub(super) fn exact(errors: Errors, path: String) -> Signal<Option<String>> {
    Signal::derive(move || {
        errors
            .with(|all| messages_at(all, &path))
            .map(|m| sentence(&m))
    })
}

/// A paragraph for the error of a group of controls.
pub(super) fn group_error(id: String, error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(
            |message| view! { <p class="field-error" id=id.clone() role="alert">{message}</p> },
        )
    }
}

/// What the pickers share: the names found so far.
#[derive(Clone)]
pub(super) struct Shared {
    /// The names of the people and groups chosen or found.
    pub(super) names: DirectoryNames,
    /// Application names by id, for the chosen ones.
    pub(super) applications: RwSignal<HashMap<String, String>>,
}

// ---------- the editor ----------

/// The policy whose own review the editor sets up: the review's name and what it reviews are
/// the policy's, and it is saved with `PUT .../policies/{policy_id}/access-review`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReviewedPolicy {
    pub package: AccessPackageId,
    pub policy: PolicyId,
}

/// What the editor sends.
#[derive(Clone)]
pub(super) enum Outgoing {
    Definition(ReviewDefinitionInput),
    Policy(ReviewedPolicy, PolicyReviewInput),
}

#[component]
pub fn ReviewEditor(
    /// The definition being changed; `None` for a new one.
    existing: Option<ReviewDefinitionView>,
    /// Set when the review is the one a policy carries.
    #[prop(optional)]
    policy: Option<ReviewedPolicy>,
    on_saved: Callback<ReviewDefinitionView>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let draft = match (&existing, policy) {
        (Some(view), _) => DefinitionDraft::of(&view.definition, browser_local),
        (None, Some(_)) => DefinitionDraft::for_policy(browser_now()),
        (None, None) => {
            let mut draft = DefinitionDraft::new(browser_now());
            // Catalog owners review their access packages: groups and applications are listed
            // to administrators only.
            if !is_admin() {
                draft.scope = ScopeKind::AccessPackage;
            }
            // Managers review by default; people without one need a fallback reviewer, and
            // the person setting the review up is the one at hand.
            if let Some(me) = crate::my_access::requests::my_id() {
                draft.default_fallback_to(me);
            }
            draft
        }
    };
    let fallback_is_me = existing.is_none() && policy.is_none();
    let draft: Draft = Store::new(draft);
    let errors: Errors = RwSignal::new(Vec::new());
    let shared = StoredValue::new(Shared {
        names: DirectoryNames::default(),
        applications: RwSignal::new(HashMap::new()),
    });
    if let Some(view) = &existing {
        learn_names(shared, &view.definition);
    }
    let editing = existing.as_ref().map(|view| view.id);
    let save = Action::new_local(move |outgoing: &Outgoing| {
        let outgoing = outgoing.clone();
        async move {
            let saved = match outgoing {
                Outgoing::Definition(input) => match editing {
                    Some(id) => api::reviews::replace(id, &input).await,
                    None => api::reviews::create(&input).await,
                },
                Outgoing::Policy(target, input) => {
                    api::packages::put_policy_review(target.package, target.policy, &input).await
                }
            };
            match saved {
                Ok(view) => {
                    on_saved.run(view);
                    Ok(())
                }
                Err(error) => {
                    let found = error
                        .problem()
                        .map(|p| p.errors.clone())
                        .unwrap_or_default();
                    errors.set(match policy {
                        Some(_) => policy_review_errors(&found),
                        None => found,
                    });
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
        let parsed = draft.with_untracked(|draft| match policy {
            None => draft.parse(browser_time).map(Outgoing::Definition),
            Some(target) => draft
                .parse_policy_review(target.package, target.policy, browser_time)
                .map(|input| Outgoing::Policy(target, input)),
        });
        match parsed {
            Ok(outgoing) => {
                errors.set(Vec::new());
                local_refusal.set(false);
                save.dispatch(outgoing);
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
    let heading = match (existing.is_some(), policy.is_some()) {
        (true, false) => "Change the access review",
        (false, false) => "New access review",
        (true, true) => "Change the access review of this policy",
        (false, true) => "Set up an access review of this policy",
    };
    // On a package's page, the editor sits under the policy's section heading.
    let heading = match policy {
        None => view! { <h2 id="review-editor-heading" class="visually-hidden">{heading}</h2> }
            .into_any(),
        Some(_) => view! { <h4 id="review-editor-heading">{heading}</h4> }.into_any(),
    };
    view! {
        <form class="form policy-editor review-editor" novalidate on:submit=on_submit aria-labelledby="review-editor-heading">
            {heading}
            {move || server_error.get().map(|error| view! { <ErrorAlert error=error title="The access review was not saved." /> })}
            {move || {
                (local_refusal.get() && !errors.with(Vec::is_empty)).then(|| view! {
                    <div class="alert alert-error" role="alert">
                        <p class="alert-title">"The access review was not saved."</p>
                        <p>
                            {move || match errors.with(Vec::len) {
                                1 => "1 field needs attention; it is marked below.".to_string(),
                                n => format!("{n} fields need attention; each is marked below."),
                            }}
                        </p>
                    </div>
                })
            }}
            <fieldset class="panel">
                <legend>"Review"</legend>
                {policy.is_none().then(|| view! {
                    <TextField id="review-name" label="Name" value=draft.name() error=at(errors, "name".into()) required=true autocomplete="off" />
                })}
                <TextAreaField
                    id="review-description"
                    label="Description for reviewers"
                    value=draft.description()
                    error=at(errors, "description_for_reviewers".into())
                    hint="Optional. Shown to reviewers with what they review."
                />
            </fieldset>
            {match policy {
                None => view! { <ScopeSection draft=draft errors=errors shared=shared /> }.into_any(),
                Some(_) => view! { <PolicyScopeSection draft=draft errors=errors /> }.into_any(),
            }}
            {fallback_is_me.then(|| view! {
                <p class="section-lead">
                    "Each person's manager reviews their access. Someone without a manager is reviewed by the fallback reviewer, set to you; change it in the first stage."
                </p>
            })}
            <StagesSection draft=draft errors=errors shared=shared />
            <ScheduleSection draft=draft errors=errors />
            <SettingsSection draft=draft errors=errors />
            <FormActions submit="Save access review" working="Saving…" pending=save.pending() on_cancel=on_cancel />
        </form>
    }
}

/// Asks for the names of the people, groups and applications a stored definition names, for
/// its chips and pickers. Anyone signed in may read the names of people and groups; only
/// administrators can read applications, and others see their ids.
pub(super) fn learn_names(shared: StoredValue<Shared>, definition: &ReviewDefinitionInput) {
    use tessera_domain::review::ResourcesInput;
    let (names, known_applications) = shared.with_value(|s| (s.names, s.applications));
    let (people, mut groups) = named_reviewers(&definition.stages);
    let mut applications: Vec<ApplicationId> = Vec::new();
    match &definition.scope.resources {
        ResourcesInput::Groups { group_ids } => groups.extend(group_ids.iter().copied()),
        ResourcesInput::Applications { application_ids } => {
            applications.extend(application_ids.iter().copied())
        }
        ResourcesInput::AccessPackage { .. } => {}
    }
    names.load(people, groups);
    if applications.is_empty() || !is_admin() {
        return;
    }
    leptos::task::spawn_local(async move {
        let mut found = Vec::new();
        for id in applications {
            if let Ok(app) = api::directory::application(id).await {
                found.push((id.to_string(), app.name.to_string()));
            }
        }
        known_applications.try_update(|all| all.extend(found));
    });
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
