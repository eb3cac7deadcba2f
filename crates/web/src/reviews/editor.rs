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
use tessera_domain::page::{MAX_PAGE_SIZE, PageQuery};
use tessera_domain::problem::FieldError;
use tessera_domain::review::definition::MAX_STAGES;
use tessera_domain::review::{
    Frequency, NoResponseRule, PolicyReviewInput, ReviewDefinitionInput, ReviewDefinitionView,
    ReviewOutcome,
};
use tessera_domain::{AccessPackageId, ApplicationId, CatalogId, PolicyId};

use crate::api;
use crate::components::{
    CheckboxField, DirectoryKind, DirectoryNames, ErrorAlert, PersonPicker, SearchSelect,
    TextAreaField, TextField, busy, directory_choices,
};
use crate::forms::sentence;
use crate::names::keep_chosen;
use crate::pages::browser_clock::{browser_local, browser_now, browser_time};
use crate::pages::common::is_admin;
use crate::reviews::{
    DefinitionDraft, EndKind, NO_RESPONSE_RULES, ReviewerDraft, ReviewerKind, ScheduleKind,
    ScopeKind, StageDraft, frequency_label, messages_at, messages_under, named_reviewers,
    no_response_label, no_response_value, outcome_label, parse_frequency, parse_no_response,
    policy_review_errors,
};

type Errors = RwSignal<Vec<FieldError>>;

/// The message for `path` itself, or for anything inside it.
fn at(errors: Errors, path: String) -> Signal<Option<String>> {
    Signal::derive(move || {
        errors
            .with(|all| messages_under(all, &path))
            .map(|m| sentence(&m))
    })
}

/// The message for `path` only, for a list whose entries show their own.
fn exact(errors: Errors, path: String) -> Signal<Option<String>> {
    Signal::derive(move || {
        errors
            .with(|all| messages_at(all, &path))
            .map(|m| sentence(&m))
    })
}

/// A paragraph for the error of a group of controls.
fn group_error(id: String, error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(
            |message| view! { <p class="field-error" id=id.clone() role="alert">{message}</p> },
        )
    }
}

// ---------- the form's signals ----------

#[derive(Clone, Copy)]
struct ReviewerRow {
    kind: RwSignal<ReviewerKind>,
    /// The chosen user or group id, as text.
    target: RwSignal<String>,
    filter: RwSignal<String>,
}

impl ReviewerRow {
    fn new(draft: &ReviewerDraft) -> Self {
        Self {
            kind: RwSignal::new(draft.kind),
            target: RwSignal::new(draft.target.clone()),
            filter: RwSignal::new(String::new()),
        }
    }

    fn draft(&self) -> ReviewerDraft {
        ReviewerDraft {
            kind: self.kind.get_untracked(),
            target: self.target.get_untracked(),
        }
    }
}

fn rows_of(drafts: &[ReviewerDraft]) -> RwSignal<Vec<ReviewerRow>> {
    RwSignal::new(drafts.iter().map(ReviewerRow::new).collect())
}

fn drafts_of(rows: RwSignal<Vec<ReviewerRow>>) -> Vec<ReviewerDraft> {
    rows.get_untracked()
        .iter()
        .map(ReviewerRow::draft)
        .collect()
}

#[derive(Clone, Copy)]
struct StageRow {
    reviewers: RwSignal<Vec<ReviewerRow>>,
    fallback: RwSignal<Vec<ReviewerRow>>,
    duration_days: RwSignal<String>,
    moves_on: RwSignal<BTreeSet<ReviewOutcome>>,
}

impl StageRow {
    fn new(draft: &StageDraft) -> Self {
        Self {
            reviewers: rows_of(&draft.reviewers),
            fallback: rows_of(&draft.fallback),
            duration_days: RwSignal::new(draft.duration_days.clone()),
            moves_on: RwSignal::new(draft.moves_on.clone()),
        }
    }

    fn draft(&self) -> StageDraft {
        StageDraft {
            reviewers: drafts_of(self.reviewers),
            fallback: drafts_of(self.fallback),
            duration_days: self.duration_days.get_untracked(),
            moves_on: self.moves_on.get_untracked(),
        }
    }
}

#[derive(Clone, Copy)]
struct EditorForm {
    name: RwSignal<String>,
    description: RwSignal<String>,
    scope: RwSignal<ScopeKind>,
    group_ids: RwSignal<Vec<String>>,
    application_ids: RwSignal<Vec<String>>,
    catalog_id: RwSignal<String>,
    access_package_id: RwSignal<String>,
    policy_id: RwSignal<String>,
    guests_only: RwSignal<bool>,
    inactive_only: RwSignal<bool>,
    inactive_days: RwSignal<String>,
    stages: RwSignal<Vec<StageRow>>,
    schedule: RwSignal<ScheduleKind>,
    starts_at: RwSignal<String>,
    frequency: RwSignal<Frequency>,
    end: RwSignal<EndKind>,
    end_date: RwSignal<String>,
    occurrences: RwSignal<String>,
    justification_required: RwSignal<bool>,
    recommendations: RwSignal<bool>,
    look_back_days: RwSignal<String>,
    if_no_response: RwSignal<NoResponseRule>,
    auto_apply: RwSignal<bool>,
    reminders: RwSignal<bool>,
    show_earlier_decisions: RwSignal<bool>,
}

impl EditorForm {
    fn new(d: &DefinitionDraft) -> Self {
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

    fn draft(&self) -> DefinitionDraft {
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

fn remove_item<T: Send + Sync + 'static>(rows: RwSignal<Vec<T>>, index: usize) {
    rows.update(|all| {
        if index < all.len() {
            all.remove(index);
        }
    });
}

fn move_item<T: Send + Sync + 'static>(rows: RwSignal<Vec<T>>, index: usize, up: bool) {
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
struct Shared {
    /// The names of the people and groups chosen or found.
    names: DirectoryNames,
    /// Application names by id, for the chosen ones.
    applications: RwSignal<HashMap<String, String>>,
    owner: Owner,
}

fn owned<T>(shared: StoredValue<Shared>, make: impl FnOnce() -> T) -> T {
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
enum Outgoing {
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
fn learn_names(shared: StoredValue<Shared>, definition: &ReviewDefinitionInput) {
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
fn radios<T: Copy + PartialEq + Send + Sync + 'static>(
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

#[component]
fn ScopeSection(form: EditorForm, errors: Errors, shared: StoredValue<Shared>) -> impl IntoView {
    let admin = is_admin();
    view! {
        <fieldset class="panel">
            <legend>"What is reviewed"</legend>
            <div class="choices" role="radiogroup" aria-label="What is reviewed">
                {radios(
                    "review-scope",
                    form.scope,
                    vec![
                        (ScopeKind::Groups, "Members of groups", Some("Each group is reviewed on its own.")),
                        (ScopeKind::Applications, "People assigned roles of applications", Some("Each application is reviewed on its own.")),
                        (ScopeKind::AccessPackage, "Assignments of an access package", Some("Optionally only those given under one of its policies.")),
                    ],
                )}
            </div>
            {(!admin).then(|| view! {
                <p class="field-hint">"Only administrators can list groups and applications: as a catalog owner, you review the access packages of your catalogs."</p>
            })}
            {move || match form.scope.get() {
                ScopeKind::Groups => view! {
                    <ResourceChips
                        kind=DirectoryKind::Groups
                        ids=form.group_ids
                        path="scope.resources.group_ids"
                        noun="group"
                        errors=errors
                        shared=shared
                    />
                }
                .into_any(),
                ScopeKind::Applications => view! {
                    <ResourceChips
                        kind=DirectoryKind::Applications
                        ids=form.application_ids
                        path="scope.resources.application_ids"
                        noun="application"
                        errors=errors
                        shared=shared
                    />
                }
                .into_any(),
                ScopeKind::AccessPackage => view! { <PackageScope form=form errors=errors /> }.into_any(),
            }}
            <PeopleFilter form=form errors=errors />
        </fieldset>
    }
}

/// Who of a policy's assignees is reviewed: the resources are the policy's own.
#[component]
fn PolicyScopeSection(form: EditorForm, errors: Errors) -> impl IntoView {
    view! {
        <fieldset class="panel">
            <legend>"Who is reviewed"</legend>
            <p class="field-hint">"The people assigned this access package under this policy."</p>
            <PeopleFilter form=form errors=errors />
        </fieldset>
    }
}

/// Which of the holders are reviewed: only guests, only the inactive, or both at once.
#[component]
fn PeopleFilter(form: EditorForm, errors: Errors) -> impl IntoView {
    view! {
        <CheckboxField
            id="review-guests-only"
            label="Only guests"
            checked=form.guests_only
            hint="Review only people from outside the organisation, as they are when each review starts."
        />
        <CheckboxField
            id="review-inactive-only"
            label="Only people who have been inactive"
            checked=form.inactive_only
            hint="Review only people with no sign-in for a number of days, decided when each review starts."
        />
        <Show when=move || form.inactive_only.get()>
            <TextField
                id="review-inactive-days"
                label="Days without sign-in"
                value=form.inactive_days
                error=at(errors, "scope.filter".into())
                hint="1 to 730 days."
                inputmode="numeric"
            />
        </Show>
    }
}

/// The chosen groups or applications, as chips, and a picker to add one.
#[component]
fn ResourceChips(
    kind: DirectoryKind,
    ids: RwSignal<Vec<String>>,
    path: &'static str,
    noun: &'static str,
    errors: Errors,
    shared: StoredValue<Shared>,
) -> impl IntoView {
    let (names, applications) = shared.with_value(|s| (s.names, s.applications));
    let filter = RwSignal::new(String::new());
    let choice = RwSignal::new(String::new());
    let found = directory_choices(kind, filter, Signal::derive(|| true));
    let choices = Signal::derive(move || found.get().and_then(Result::ok).unwrap_or_default());
    let add = move |_| {
        let id = choice.get_untracked();
        if id.is_empty() {
            return;
        }
        if let Some((_, name)) = choices
            .get_untracked()
            .into_iter()
            .find(|(gid, _)| *gid == id)
        {
            match kind {
                DirectoryKind::Groups => names.learn_group(&id, name),
                DirectoryKind::Applications => applications.update(|all| {
                    all.insert(id.clone(), name);
                }),
            }
        }
        if !ids.with_untracked(|all| all.contains(&id)) {
            ids.update(|all| all.push(id));
        }
        choice.set(String::new());
    };
    let name_of = move |id: &str| {
        let known = match kind {
            DirectoryKind::Groups => names.group_name(id),
            DirectoryKind::Applications => applications.with(|all| all.get(id).cloned()),
        };
        known.unwrap_or_else(|| format!("{} {id}", sentence(noun)))
    };
    let heading = format!("Chosen {noun}s");
    let picker_id = format!("review-{noun}");
    let label = format!("{} to review", sentence(noun));
    let button = format!("Add {noun}");
    view! {
        <div class="picked">
            <h4>{heading}</h4>
            {group_error(format!("{picker_id}-list-error"), exact(errors, path.to_string()))}
            <ul class="chips">
                {move || {
                    ids.get()
                        .into_iter()
                        .enumerate()
                        .map(|(index, id)| {
                            let name = name_of(&id);
                            let error = at(errors, format!("{path}[{index}]"));
                            view! {
                                <li class="chip">
                                    <span>{name.clone()}</span>
                                    <button type="button" class="btn btn-ghost btn-small" aria-label=format!("Remove {name}") on:click=move |_| remove_item(ids, index)>
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
                <SearchSelect id=picker_id label=label value=choice filter=filter choices=choices />
                <div class="form-actions">
                    <button type="button" class="btn btn-secondary" on:click=add>{button}</button>
                </div>
            </div>
        </div>
    }
}

/// An access package, picked through its catalog, and optionally one of its policies.
#[component]
fn PackageScope(form: EditorForm, errors: Errors) -> impl IntoView {
    let all = PageQuery {
        limit: Some(MAX_PAGE_SIZE),
        cursor: None,
    };
    let page = all.clone();
    let catalogs = LocalResource::new(move || {
        let page = page.clone();
        async move { api::catalogs::list("", &page).await.map(|page| page.items) }
    });
    // A stored definition names its package only: find its catalog.
    if form.catalog_id.get_untracked().is_empty()
        && let Ok(package) = form
            .access_package_id
            .get_untracked()
            .parse::<AccessPackageId>()
    {
        let catalog_id = form.catalog_id;
        leptos::task::spawn_local(async move {
            if let Ok(package) = api::packages::get(package).await {
                catalog_id.try_set(package.catalog_id.to_string());
            }
        });
    }
    let packages = LocalResource::new(move || {
        let catalog = form.catalog_id.get().parse::<CatalogId>().ok();
        let page = all.clone();
        async move {
            match catalog {
                None => Ok(Vec::new()),
                Some(catalog) => api::catalogs::packages(catalog, &page)
                    .await
                    .map(|page| page.items),
            }
        }
    });
    let policies = LocalResource::new(move || {
        let package = form.access_package_id.get().parse::<AccessPackageId>().ok();
        async move {
            match package {
                None => Ok(Vec::new()),
                Some(package) => api::packages::policies(package).await,
            }
        }
    });
    let package_error = at(errors, "scope.resources.access_package_id".into());
    let policy_error = at(errors, "scope.resources.policy_id".into());
    let catalog_choices = move || {
        catalogs
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|catalog| {
                let value = catalog.id.to_string();
                let selected = value == form.catalog_id.get_untracked();
                view! { <option value=value selected=selected>{catalog.name.to_string()}</option> }
            })
            .collect_view()
    };
    let package_choices = move || {
        packages
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|package| {
                let value = package.id.to_string();
                let selected = value == form.access_package_id.get_untracked();
                view! { <option value=value selected=selected>{package.name.to_string()}</option> }
            })
            .collect_view()
    };
    let policy_choices = move || {
        policies
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|policy| {
                let value = policy.id.to_string();
                let selected = value == form.policy_id.get_untracked();
                view! { <option value=value selected=selected>{policy.definition.name.clone()}</option> }
            })
            .collect_view()
    };
    let load_error = move || {
        catalogs
            .get()
            .and_then(Result::err)
            .or_else(|| packages.get().and_then(Result::err))
            .or_else(|| policies.get().and_then(Result::err))
            .map(|error| view! { <ErrorAlert error=error title="The catalogs could not be read." /> })
    };
    view! {
        {load_error}
        <div class="field">
            <label for="review-catalog">"Catalog"</label>
            <select
                id="review-catalog"
                prop:value=move || form.catalog_id.get()
                on:change=move |ev| {
                    form.catalog_id.set(event_target_value(&ev));
                    form.access_package_id.set(String::new());
                    form.policy_id.set(String::new());
                }
            >
                <option value="">"Choose…"</option>
                {catalog_choices}
            </select>
        </div>
        <div class="field" class:field-invalid=move || package_error.with(Option::is_some)>
            <label for="review-package">"Access package"</label>
            <select
                id="review-package"
                aria-invalid=move || package_error.with(Option::is_some).then_some("true")
                aria-describedby=move || package_error.with(Option::is_some).then_some("review-package-error")
                prop:value=move || form.access_package_id.get()
                on:change=move |ev| {
                    form.access_package_id.set(event_target_value(&ev));
                    form.policy_id.set(String::new());
                }
            >
                <option value="">"Choose…"</option>
                {package_choices}
            </select>
            {move || package_error.get().map(|m| view! { <p class="field-error" id="review-package-error">{m}</p> })}
        </div>
        <div class="field" class:field-invalid=move || policy_error.with(Option::is_some)>
            <label for="review-policy">"Policy"</label>
            <select
                id="review-policy"
                aria-invalid=move || policy_error.with(Option::is_some).then_some("true")
                aria-describedby=move || policy_error.with(Option::is_some).then_some("review-policy-error")
                prop:value=move || form.policy_id.get()
                on:change=move |ev| form.policy_id.set(event_target_value(&ev))
            >
                <option value="">"All policies"</option>
                {policy_choices}
            </select>
            {move || policy_error.get().map(|m| view! { <p class="field-error" id="review-policy-error">{m}</p> })}
        </div>
    }
}

#[component]
fn StagesSection(form: EditorForm, errors: Errors, shared: StoredValue<Shared>) -> impl IntoView {
    let add_stage = move |_| {
        if form.stages.with_untracked(Vec::len) < MAX_STAGES {
            let stage = owned(shared, || StageRow::new(&StageDraft::default()));
            form.stages.update(|all| all.push(stage));
        }
    };
    view! {
        <fieldset class="panel">
            <legend>"Stages"</legend>
            <p class="field-hint">"One to three stages, one after the other. Each person's access is decided in the last stage it reaches."</p>
            {group_error("review-stages-error".into(), exact(errors, "stages".into()))}
            {move || {
                let count = form.stages.with(Vec::len);
                form.stages
                    .get()
                    .into_iter()
                    .enumerate()
                    .map(|(index, stage)| view! {
                        <StageEditor stage=stage index=index count=count form=form errors=errors shared=shared />
                    })
                    .collect_view()
            }}
            <Show when=move || form.stages.with(|s| s.len() < MAX_STAGES)>
                <button type="button" class="btn btn-secondary" on:click=add_stage>"Add a stage"</button>
            </Show>
        </fieldset>
    }
}

#[component]
fn StageEditor(
    stage: StageRow,
    index: usize,
    count: usize,
    form: EditorForm,
    errors: Errors,
    shared: StoredValue<Shared>,
) -> impl IntoView {
    let number = index + 1;
    let path = format!("stages[{index}]");
    let prefix = format!("stage-{index}");
    let last = index + 1 == count;
    let moves_path = format!("{path}.decisions_that_move_on");
    view! {
        <fieldset class="stage">
            <legend>{format!("Stage {number}")}</legend>
            <ReviewerList
                rows=stage.reviewers
                title="Reviewers"
                noun="reviewer"
                path=format!("{path}.reviewers")
                id_prefix=format!("{prefix}-reviewer")
                relative=true
                hint="Any one of them decides for a person. People reviewing their own access stand alone in a stage."
                errors=errors
                shared=shared
            />
            <ReviewerList
                rows=stage.fallback
                title="Fallback reviewers"
                noun="fallback reviewer"
                path=format!("{path}.fallback_reviewers")
                id_prefix=format!("{prefix}-fallback")
                relative=false
                hint="Decide for people whose reviewers are nobody, such as someone without a manager. Required when the people themselves, managers or group owners review; users and groups only."
                errors=errors
                shared=shared
            />
            <TextField
                id=format!("{prefix}-duration")
                label="Days to decide"
                value=stage.duration_days
                error=at(errors, format!("{path}.duration_days"))
                hint="1 to 180 days; the stages of one review last at most 180 days together."
                inputmode="numeric"
            />
            {(!last).then(|| {
                let error = at(errors, moves_path.clone());
                let group_id = format!("{prefix}-moves-on");
                view! {
                    <fieldset class="choices" aria-describedby=format!("{group_id}-hint")>
                        <legend>"Decisions that move on to the next stage"</legend>
                        <p class="field-hint" id=format!("{group_id}-hint")>"The other decisions are final."</p>
                        {ReviewOutcome::ALL
                            .into_iter()
                            .map(|outcome| {
                                let id = format!("{group_id}-{}", outcome.as_str());
                                let label_for = id.clone();
                                view! {
                                    <label class="choice" for=label_for>
                                        <input
                                            type="checkbox"
                                            id=id
                                            prop:checked=move || stage.moves_on.with(|set| set.contains(&outcome))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                stage.moves_on.update(|set| {
                                                    if on { set.insert(outcome); } else { set.remove(&outcome); }
                                                });
                                            }
                                        />
                                        <span>{outcome_label(outcome)}</span>
                                    </label>
                                }
                            })
                            .collect_view()}
                        {group_error(format!("{group_id}-error"), error)}
                    </fieldset>
                }
            })}
            <div class="row-actions">
                {(index > 0).then(|| view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| move_item(form.stages, index, true)>
                        {format!("Move stage {number} up")}
                    </button>
                })}
                {(index + 1 < count).then(|| view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| move_item(form.stages, index, false)>
                        {format!("Move stage {number} down")}
                    </button>
                })}
                {(count > 1).then(|| view! {
                    <button type="button" class="btn btn-danger-outline btn-small" on:click=move |_| remove_item(form.stages, index)>
                        {format!("Remove stage {number}")}
                    </button>
                })}
            </div>
        </fieldset>
    }
}

#[component]
fn ReviewerList(
    rows: RwSignal<Vec<ReviewerRow>>,
    title: &'static str,
    noun: &'static str,
    path: String,
    id_prefix: String,
    /// Whether the people themselves, managers and group owners may be chosen.
    relative: bool,
    hint: &'static str,
    errors: Errors,
    shared: StoredValue<Shared>,
) -> impl IntoView {
    let list_error_id = format!("{id_prefix}-error");
    let list_path = path.clone();
    view! {
        <fieldset class="approvers">
            <legend>{title}</legend>
            <p class="field-hint">{hint}</p>
            {group_error(list_error_id, exact(errors, list_path))}
            {move || {
                rows.get()
                    .into_iter()
                    .enumerate()
                    .map(|(index, row)| view! {
                        <ReviewerEditor
                            row=row
                            legend=format!("{} {}", sentence(noun), index + 1)
                            path=format!("{path}[{index}]")
                            id=format!("{id_prefix}-{index}")
                            relative=relative
                            errors=errors
                            shared=shared
                            on_remove=Callback::new(move |_| remove_item(rows, index))
                        />
                    })
                    .collect_view()
            }}
            <button
                type="button"
                class="btn btn-secondary btn-small"
                on:click=move |_| {
                    let kind = if relative { ReviewerKind::Manager } else { ReviewerKind::User };
                    let row = owned(shared, || ReviewerRow::new(&ReviewerDraft { kind, target: String::new() }));
                    rows.update(|all| all.push(row));
                }
            >
                {format!("Add {noun}")}
            </button>
        </fieldset>
    }
}

#[component]
fn ReviewerEditor(
    row: ReviewerRow,
    legend: String,
    path: String,
    id: String,
    relative: bool,
    errors: Errors,
    shared: StoredValue<Shared>,
    on_remove: Callback<()>,
) -> impl IntoView {
    let error = at(errors, path);
    let kind_id = format!("{id}-kind");
    let names = shared.with_value(|s| s.names);
    let groups = directory_choices(
        DirectoryKind::Groups,
        row.filter,
        Signal::derive(move || row.kind.get() == ReviewerKind::GroupMembers),
    );
    // The chosen group stays a choice, by name, for those who may not list groups too.
    let group_choices = Signal::derive(move || {
        let found = groups.get().and_then(Result::ok).unwrap_or_default();
        let chosen = row.target.get();
        keep_chosen(found, &chosen, || {
            names.group_name(&chosen).unwrap_or_else(|| chosen.clone())
        })
    });
    let kinds: Vec<ReviewerKind> = ReviewerKind::ALL
        .into_iter()
        .filter(|kind| relative || !kind.relative())
        .collect();
    let remove_label = format!("Remove {}", legend.to_lowercase());
    view! {
        <fieldset class="approver">
            <legend>{legend}</legend>
            <div class="field">
                <label for=kind_id.clone()>"Who"</label>
                <select
                    id=kind_id
                    prop:value=move || row.kind.get().value()
                    on:change=move |ev| {
                        row.kind.set(ReviewerKind::parse(&event_target_value(&ev)));
                        row.target.set(String::new());
                    }
                >
                    {kinds
                        .into_iter()
                        .map(|kind| view! { <option value=kind.value() selected=move || row.kind.get() == kind>{kind.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            {
                let id = id.clone();
                move || match row.kind.get() {
                    ReviewerKind::User => view! {
                        <PersonPicker id=format!("{id}-user") label="User" value=row.target filter=row.filter error=error names=names />
                    }
                    .into_any(),
                    ReviewerKind::GroupMembers => view! {
                        <SearchSelect id=format!("{id}-group") label="Group" value=row.target filter=row.filter choices=group_choices error=error />
                    }
                    .into_any(),
                    ReviewerKind::SelfReview | ReviewerKind::Manager | ReviewerKind::GroupOwners => {
                        view! { {move || error.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })} }.into_any()
                    }
                }
            }
            <button type="button" class="btn btn-ghost btn-small" aria-label=remove_label on:click=move |_| on_remove.run(())>
                "Remove"
            </button>
        </fieldset>
    }
}

#[component]
fn ScheduleSection(form: EditorForm, errors: Errors) -> impl IntoView {
    view! {
        <fieldset class="panel">
            <legend>"Schedule"</legend>
            <div class="choices" role="radiogroup" aria-label="How often">
                {radios(
                    "review-schedule",
                    form.schedule,
                    vec![
                        (ScheduleKind::OneTime, "One time", None),
                        (ScheduleKind::Recurring, "Recurring", Some("Starts again every period; each review ends before the next starts.")),
                    ],
                )}
            </div>
            <TextField
                id="review-starts"
                label="Starts"
                input_type="datetime-local"
                value=form.starts_at
                error=at(errors, "schedule.starts_at".into())
                hint="In your time zone. Now or later: the review starts within a minute of this time."
                required=true
            />
            <Show when=move || form.schedule.get() == ScheduleKind::Recurring>
                <div class="field" class:field-invalid=move || at(errors, "schedule.frequency".into()).with(Option::is_some)>
                    <label for="review-frequency">"Frequency"</label>
                    <select
                        id="review-frequency"
                        aria-describedby="review-frequency-error"
                        prop:value=move || form.frequency.get().as_str()
                        on:change=move |ev| form.frequency.set(parse_frequency(&event_target_value(&ev)))
                    >
                        {Frequency::ALL
                            .into_iter()
                            .map(|frequency| view! {
                                <option value=frequency.as_str() selected=move || form.frequency.get() == frequency>
                                    {frequency_label(frequency)}
                                </option>
                            })
                            .collect_view()}
                    </select>
                    {group_error("review-frequency-error".into(), at(errors, "schedule.frequency".into()))}
                </div>
                <fieldset class="choices">
                    <legend>"Ends"</legend>
                    {radios(
                        "review-end",
                        form.end,
                        vec![
                            (EndKind::Never, "Never", None),
                            (EndKind::OnDate, "On a date", Some("No review starts after that day.")),
                            (EndKind::AfterOccurrences, "After a number of reviews", None),
                        ],
                    )}
                </fieldset>
                {move || match form.end.get() {
                    EndKind::Never => ().into_any(),
                    EndKind::OnDate => view! {
                        <TextField id="review-end-date" label="Last day a review may start" input_type="date" value=form.end_date error=at(errors, "schedule.end".into()) />
                    }
                    .into_any(),
                    EndKind::AfterOccurrences => view! {
                        <TextField id="review-occurrences" label="Number of reviews" value=form.occurrences error=at(errors, "schedule.end".into()) hint="1 to 1000, the first included." inputmode="numeric" />
                    }
                    .into_any(),
                }}
            </Show>
        </fieldset>
    }
}

#[component]
fn SettingsSection(form: EditorForm, errors: Errors) -> impl IntoView {
    let rule_error = at(errors, "settings.if_no_response".into());
    let earlier_error = at(errors, "settings.show_earlier_decisions".into());
    view! {
        <fieldset class="panel">
            <legend>"Settings"</legend>
            <CheckboxField id="review-justification" label="Reviewers must give a reason for each decision" checked=form.justification_required />
            <CheckboxField
                id="review-recommendations"
                label="Show recommendations"
                checked=form.recommendations
                hint="Tessera recommends removing the access of people who have not signed in recently."
            />
            <Show when=move || form.recommendations.get()>
                <TextField
                    id="review-look-back"
                    label="Days of sign-in activity to look back"
                    value=form.look_back_days
                    error=at(errors, "settings.recommendations".into())
                    hint="1 to 730 days."
                    inputmode="numeric"
                />
            </Show>
            <div class="field" class:field-invalid=move || rule_error.with(Option::is_some)>
                <label for="review-no-response">"If reviewers don't respond"</label>
                <select
                    id="review-no-response"
                    aria-describedby=move || rule_error.with(Option::is_some).then_some("review-no-response-error")
                    prop:value=move || no_response_value(form.if_no_response.get())
                    on:change=move |ev| form.if_no_response.set(parse_no_response(&event_target_value(&ev)))
                >
                    {NO_RESPONSE_RULES
                        .into_iter()
                        .map(|rule| view! {
                            <option value=no_response_value(rule) selected=move || form.if_no_response.get() == rule>
                                {no_response_label(rule)}
                            </option>
                        })
                        .collect_view()}
                </select>
                {move || rule_error.get().map(|m| view! { <p class="field-error" id="review-no-response-error">{m}</p> })}
            </div>
            <CheckboxField
                id="review-auto-apply"
                label="Apply the results automatically"
                checked=form.auto_apply
                hint="Denied access is removed as soon as the review ends. Otherwise an administrator applies the results."
            />
            <CheckboxField
                id="review-reminders"
                label="Remind reviewers halfway through each stage"
                checked=form.reminders
            />
            <Show when=move || { form.stages.with(|s| s.len() > 1) }>
                <CheckboxField
                    id="review-show-earlier"
                    label="Show reviewers the decisions of earlier stages"
                    checked=form.show_earlier_decisions
                />
                {group_error("review-show-earlier-error".into(), earlier_error)}
            </Show>
        </fieldset>
    }
}
