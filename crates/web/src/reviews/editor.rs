//! The access review definition editor: what is reviewed (groups, applications, or an access
//! package and optionally one of its policies; everyone, only guests, only the inactive, or
//! only inactive guests), one to three stages with their reviewers and fallback reviewers, the
//! schedule, and the settings.
//!
//! The same editor sets up the review a policy carries for its own assignments
//! ([`ReviewedPolicy`]): the review's name and resources are then the policy's, and the editor
//! leaves them out.
//!
//! The form is a tree of signals. On submit it is read into a [`DefinitionDraft`], which
//! `crate::reviews` turns into the domain's `ReviewDefinitionInput` (and checks with the
//! domain's own rules, natively tested); every refusal, local or from a `422`, is shown at the
//! control its JSON path names, such as `stages[1].reviewers[0].group_id`.

use std::collections::{BTreeSet, HashMap};

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use tessera_domain::problem::FieldError;
use tessera_domain::review::{
    Frequency, NoResponseRule, PolicyReviewInput, ReviewDefinitionInput, ReviewDefinitionView,
    ReviewOutcome,
};
use tessera_domain::{AccessPackageId, ApplicationId, PolicyId};

use super::editor_scope::*;
use super::editor_sections::*;
use crate::api;
use crate::components::{DirectoryNames, ErrorAlert, TextAreaField, TextField, busy};
use crate::forms::sentence;
use crate::pages::browser_clock::{browser_local, browser_now, browser_time};
use crate::pages::common::is_admin;
use crate::reviews::{
    DefinitionDraft, EndKind, ReviewerDraft, ReviewerKind, ScheduleKind, ScopeKind, StageDraft,
    messages_at, messages_under, named_reviewers, policy_review_errors,
};

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

// ---------- the form's signals ----------

#[derive(Clone, Copy)]
pub(super) struct ReviewerRow {
    pub(super) kind: RwSignal<ReviewerKind>,
    /// The chosen user or group id, as text.
    pub(super) target: RwSignal<String>,
    pub(super) filter: RwSignal<String>,
}

impl ReviewerRow {
    pub(super) fn new(draft: &ReviewerDraft) -> Self {
        Self {
            kind: RwSignal::new(draft.kind),
            target: RwSignal::new(draft.target.clone()),
            filter: RwSignal::new(String::new()),
        }
    }

    pub(super) fn draft(&self) -> ReviewerDraft {
        ReviewerDraft {
            kind: self.kind.get_untracked(),
            target: self.target.get_untracked(),
        }
    }
}

pub(super) fn rows_of(drafts: &[ReviewerDraft]) -> RwSignal<Vec<ReviewerRow>> {
    RwSignal::new(drafts.iter().map(ReviewerRow::new).collect())
}

pub(super) fn drafts_of(rows: RwSignal<Vec<ReviewerRow>>) -> Vec<ReviewerDraft> {
    rows.get_untracked()
        .iter()
        .map(ReviewerRow::draft)
        .collect()
}

#[derive(Clone, Copy)]
pub(super) struct StageRow {
    pub(super) reviewers: RwSignal<Vec<ReviewerRow>>,
    pub(super) fallback: RwSignal<Vec<ReviewerRow>>,
    pub(super) duration_days: RwSignal<String>,
    pub(super) moves_on: RwSignal<BTreeSet<ReviewOutcome>>,
}

impl StageRow {
    pub(super) fn new(draft: &StageDraft) -> Self {
        Self {
            reviewers: rows_of(&draft.reviewers),
            fallback: rows_of(&draft.fallback),
            duration_days: RwSignal::new(draft.duration_days.clone()),
            moves_on: RwSignal::new(draft.moves_on.clone()),
        }
    }

    pub(super) fn draft(&self) -> StageDraft {
        StageDraft {
            reviewers: drafts_of(self.reviewers),
            fallback: drafts_of(self.fallback),
            duration_days: self.duration_days.get_untracked(),
            moves_on: self.moves_on.get_untracked(),
        }
    }
}

#[derive(Clone, Copy)]
pub(super) struct EditorForm {
    pub(super) name: RwSignal<String>,
    pub(super) description: RwSignal<String>,
    pub(super) scope: RwSignal<ScopeKind>,
    pub(super) group_ids: RwSignal<Vec<String>>,
    pub(super) application_ids: RwSignal<Vec<String>>,
    pub(super) catalog_id: RwSignal<String>,
    pub(super) access_package_id: RwSignal<String>,
    pub(super) policy_id: RwSignal<String>,
    pub(super) guests_only: RwSignal<bool>,
    pub(super) inactive_only: RwSignal<bool>,
    pub(super) inactive_days: RwSignal<String>,
    pub(super) stages: RwSignal<Vec<StageRow>>,
    pub(super) schedule: RwSignal<ScheduleKind>,
    pub(super) starts_at: RwSignal<String>,
    pub(super) frequency: RwSignal<Frequency>,
    pub(super) end: RwSignal<EndKind>,
    pub(super) end_date: RwSignal<String>,
    pub(super) occurrences: RwSignal<String>,
    pub(super) justification_required: RwSignal<bool>,
    pub(super) recommendations: RwSignal<bool>,
    pub(super) look_back_days: RwSignal<String>,
    pub(super) if_no_response: RwSignal<NoResponseRule>,
    pub(super) auto_apply: RwSignal<bool>,
    pub(super) reminders: RwSignal<bool>,
    pub(super) show_earlier_decisions: RwSignal<bool>,
}

impl EditorForm {
    pub(super) fn new(d: &DefinitionDraft) -> Self {
        Self {
            name: RwSignal::new(d.name.clone()),
            description: RwSignal::new(d.description.clone()),
            scope: RwSignal::new(d.scope),
            group_ids: RwSignal::new(d.group_ids.clone()),
            application_ids: RwSignal::new(d.application_ids.clone()),
            catalog_id: RwSignal::new(String::new()),
            access_package_id: RwSignal::new(d.access_package_id.clone()),
            policy_id: RwSignal::new(d.policy_id.clone()),
            guests_only: RwSignal::new(d.guests_only),
            inactive_only: RwSignal::new(d.inactive_only),
            inactive_days: RwSignal::new(d.inactive_days.clone()),
            stages: RwSignal::new(d.stages.iter().map(StageRow::new).collect()),
            schedule: RwSignal::new(d.schedule),
            starts_at: RwSignal::new(d.starts_at.clone()),
            frequency: RwSignal::new(d.frequency),
            end: RwSignal::new(d.end),
            end_date: RwSignal::new(d.end_date.clone()),
            occurrences: RwSignal::new(d.occurrences.clone()),
            justification_required: RwSignal::new(d.justification_required),
            recommendations: RwSignal::new(d.recommendations),
            look_back_days: RwSignal::new(d.look_back_days.clone()),
            if_no_response: RwSignal::new(d.if_no_response),
            auto_apply: RwSignal::new(d.auto_apply),
            reminders: RwSignal::new(d.reminders),
            show_earlier_decisions: RwSignal::new(d.show_earlier_decisions),
        }
    }

    pub(super) fn draft(&self) -> DefinitionDraft {
        DefinitionDraft {
            name: self.name.get_untracked(),
            description: self.description.get_untracked(),
            scope: self.scope.get_untracked(),
            group_ids: self.group_ids.get_untracked(),
            application_ids: self.application_ids.get_untracked(),
            access_package_id: self.access_package_id.get_untracked(),
            policy_id: self.policy_id.get_untracked(),
            guests_only: self.guests_only.get_untracked(),
            inactive_only: self.inactive_only.get_untracked(),
            inactive_days: self.inactive_days.get_untracked(),
            stages: self
                .stages
                .get_untracked()
                .iter()
                .map(StageRow::draft)
                .collect(),
            schedule: self.schedule.get_untracked(),
            starts_at: self.starts_at.get_untracked(),
            frequency: self.frequency.get_untracked(),
            end: self.end.get_untracked(),
            end_date: self.end_date.get_untracked(),
            occurrences: self.occurrences.get_untracked(),
            justification_required: self.justification_required.get_untracked(),
            recommendations: self.recommendations.get_untracked(),
            look_back_days: self.look_back_days.get_untracked(),
            if_no_response: self.if_no_response.get_untracked(),
            auto_apply: self.auto_apply.get_untracked(),
            reminders: self.reminders.get_untracked(),
            show_earlier_decisions: self.show_earlier_decisions.get_untracked(),
        }
    }
}

pub(super) fn remove_item<T: Send + Sync + 'static>(rows: RwSignal<Vec<T>>, index: usize) {
    rows.update(|all| {
        if index < all.len() {
            all.remove(index);
        }
    });
}

pub(super) fn move_item<T: Send + Sync + 'static>(rows: RwSignal<Vec<T>>, index: usize, up: bool) {
    rows.update(|all| {
        let other = if up {
            index.checked_sub(1)
        } else {
            Some(index + 1)
        };
        if let Some(other) = other.filter(|other| *other < all.len()) {
            all.swap(index, other);
        }
    });
}

/// What the pickers share: the names found so far, and the editor's owner. Rows added by a
/// click get their signals from it: created in an event handler, they would belong to
/// whatever ran last and could be disposed with it.
#[derive(Clone)]
pub(super) struct Shared {
    /// The names of the people and groups chosen or found.
    pub(super) names: DirectoryNames,
    /// Application names by id, for the chosen ones.
    pub(super) applications: RwSignal<HashMap<String, String>>,
    pub(super) owner: Owner,
}

pub(super) fn owned<T>(shared: StoredValue<Shared>, make: impl FnOnce() -> T) -> T {
    shared.with_value(|s| s.owner.clone()).with(make)
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
            draft
        }
    };
    let form = EditorForm::new(&draft);
    let errors: Errors = RwSignal::new(Vec::new());
    let shared = StoredValue::new(Shared {
        names: DirectoryNames::default(),
        applications: RwSignal::new(HashMap::new()),
        owner: Owner::current().unwrap_or_default(),
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
        let draft = form.draft();
        let parsed = match policy {
            None => draft.parse(browser_time).map(Outgoing::Definition),
            Some(target) => draft
                .parse_policy_review(target.package, target.policy, browser_time)
                .map(|input| Outgoing::Policy(target, input)),
        };
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
                    <TextField id="review-name" label="Name" value=form.name error=at(errors, "name".into()) required=true autocomplete="off" />
                })}
                <TextAreaField
                    id="review-description"
                    label="Description for reviewers"
                    value=form.description
                    error=at(errors, "description_for_reviewers".into())
                    hint="Optional. Shown to reviewers with what they review."
                />
            </fieldset>
            {match policy {
                None => view! { <ScopeSection form=form errors=errors shared=shared /> }.into_any(),
                Some(_) => view! { <PolicyScopeSection form=form errors=errors /> }.into_any(),
            }}
            <StagesSection form=form errors=errors shared=shared />
            <ScheduleSection form=form errors=errors />
            <SettingsSection form=form errors=errors />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" aria-disabled=move || busy(save.pending().get())>
                    {move || if save.pending().get() { "Saving…" } else { "Save access review" }}
                </button>
                <button type="button" class="btn btn-secondary" on:click=move |_| on_cancel.run(())>
                    "Cancel"
                </button>
            </div>
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
    value: RwSignal<T>,
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
