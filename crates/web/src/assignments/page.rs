//! Assignments in the administration area: the assignments of one access package (with the
//! "New assignment" form and removal) and of one catalog, and a package's separation-of-duties
//! report. Shown to administrators and to catalog owners, access package managers and
//! assignment managers, as the API allows.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_domain::assignment::{
    AssignmentQuery, AssignmentState, AssignmentView, ConflictingAccess, NewAssignment,
};
use tessera_domain::package::{AccessPackageView, PolicyView};
use tessera_domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageQuery};
use tessera_domain::{AccessPackageId, AssignmentId, CatalogId};

use crate::api::assignments::Created;
use crate::api::{self, ApiError};
use crate::assignments::{
    AnswerDraft, NewAssignmentForm, PolicyUse, StateChoice, conflict_kind, conflicts_csv_href,
    csv_href, end_label, expiry_hint, person, removal, reprocess_rows, reprocess_summary,
    state_badge, state_label,
};
use crate::components::{
    DirectoryNames, EmptyState, ErrorAlert, ErrorState, FormActions, Loading, Notice, PersonPicker,
    TextAreaField, TextField, Tone, busy,
};
use crate::connectors::delivery::{DeliveryStatus, DeliveryToggle};
use crate::format::timestamp;
use crate::forms::sentence;
use crate::my_access::questions::{AnsweredIn, PolicyQuestions};
use crate::pages::browser_clock::browser_time;
use crate::pages::common::{action_error, field_of};
use crate::pages::lists::LoadMore;
use crate::routes;
use crate::state::{PagedList, Shape};

fn package_href(id: AccessPackageId) -> String {
    format!("{}/{id}", routes::ADMIN_PACKAGES)
}

/// The state filter of an assignment list.
#[component]
fn StateSelect(#[prop(into)] id: String, value: RwSignal<StateChoice>) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id.clone()>"State"</label>
            <select
                id=id
                prop:value=move || value.get().value()
                on:change=move |ev| value.set(StateChoice::parse(&event_target_value(&ev)))
            >
                {StateChoice::ALL
                    .into_iter()
                    .map(|choice| {
                        view! {
                            <option value=choice.value() selected=move || value.get() == choice>
                                {choice.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// The assignments of one access package: filtered by state, removable, with the form that
/// assigns someone.
#[component]
pub fn PackageAssignmentsSection(
    package: AccessPackageView,
    /// Counts changes to the package's assignments; the conflicts report follows it.
    changed: RwSignal<u32>,
) -> impl IntoView {
    let id = package.id;
    let state = RwSignal::new(StateChoice::Active);
    let filters = Memo::new(move |_| AssignmentQuery {
        access_package_id: Some(id),
        state: state.get().filter(),
        ..Default::default()
    });
    let assigning = RwSignal::new(false);
    // What the last assignment came to, in words.
    let outcome = RwSignal::new(None::<String>);
    let package = StoredValue::new(package);
    let on_done = Callback::new(move |said: String| {
        assigning.set(false);
        outcome.set(Some(said));
        changed.update(|count| *count += 1);
    });
    view! {
        <section class="section" id="assignments" aria-labelledby="assignments-heading">
            <div class="section-heading">
                <h2 id="assignments-heading">"Assignments"</h2>
                <a
                    class="btn btn-secondary btn-small"
                    href=move || csv_href(&filters.get())
                    download="assignments.csv"
                >
                    "Download CSV"
                </a>
            </div>
            <p class="section-lead">
                "Who holds this package, newest first. The CSV holds the assignments the filter matches."
            </p>
            {move || outcome.get().map(|said| view! { <Notice tone=Tone::Success>{said}</Notice> })}
            <div class="form-inline search-form assignment-filters" role="search" aria-label="Filter assignments">
                <StateSelect id="package-assignments-state" value=state />
            </div>
            {move || {
                let filters = filters.get();
                view! {
                    <AssignmentList
                        filters=filters
                        show_package=false
                        changed=changed
                        heading="assignments-heading"
                    />
                }
            }}
            {move || {
                if assigning.get() {
                    view! {
                        <AssignForm
                            package=package.get_value()
                            on_done=on_done
                            on_close=Callback::new(move |_| assigning.set(false))
                        />
                    }
                    .into_any()
                } else {
                    view! {
                        <button
                            type="button"
                            class="btn btn-primary"
                            on:click=move |_| {
                                outcome.set(None);
                                assigning.set(true);
                            }
                        >
                            "New assignment"
                        </button>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

/// What a direct assignment came to, in words; `who` names the person when the answer does not.
fn outcome_notice(created: &Created, who: &str) -> String {
    let assignment = match created {
        Created::Assigned(assignment) => assignment,
        Created::AwaitingApproval => {
            return format!(
                "The policy requires approval: a request to give {who} this package now waits for its approvers."
            );
        }
    };
    let who = person(&assignment.user);
    match assignment.state {
        AssignmentState::Scheduled => format!(
            "{who} was assigned the package; the access starts {}.",
            timestamp(&assignment.starts_at)
        ),
        AssignmentState::Delivered | AssignmentState::Expired | AssignmentState::Removed => {
            format!(
                "{who} was assigned the package; the access is {}.",
                state_label(assignment.state).to_lowercase()
            )
        }
    }
}

/// Every assignment of one catalog, filtered by state, package and person.
#[component]
pub fn CatalogAssignmentsSection(catalog: CatalogId) -> impl IntoView {
    let packages = LocalResource::new(move || async move {
        api::catalogs::packages(
            catalog,
            &PageQuery {
                limit: Some(MAX_PAGE_SIZE),
                cursor: None,
            },
        )
        .await
    });
    let state = RwSignal::new(StateChoice::Active);
    let package = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let user_search = RwSignal::new(String::new());
    let filters = Memo::new(move |_| AssignmentQuery {
        catalog_id: Some(catalog),
        access_package_id: package.get().parse().ok(),
        user_id: user.get().parse().ok(),
        state: state.get().filter(),
        ..Default::default()
    });
    let changed = RwSignal::new(0_u32);
    let clear = move |_| {
        state.set(StateChoice::Active);
        package.set(String::new());
        user.set(String::new());
        user_search.set(String::new());
    };
    view! {
        <section class="section" id="assignments" aria-labelledby="assignments-heading">
            <div class="section-heading">
                <h2 id="assignments-heading">"Assignments"</h2>
                <a
                    class="btn btn-secondary btn-small"
                    href=move || csv_href(&filters.get())
                    download="assignments.csv"
                >
                    "Download CSV"
                </a>
            </div>
            <p class="section-lead">
                "Who holds the access packages of this catalog, newest first. The CSV holds the assignments the filters match."
            </p>
            {move || {
                packages
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <ErrorAlert error=error title="The catalog's access packages could not be listed." /> })
            }}
            <div class="form-inline search-form assignment-filters" role="search" aria-label="Filter assignments">
                <StateSelect id="catalog-assignments-state" value=state />
                <div class="field">
                    <label for="catalog-assignments-package">"Access package"</label>
                    <select
                        id="catalog-assignments-package"
                        prop:value=move || package.get()
                        on:change=move |ev| package.set(event_target_value(&ev))
                    >
                        <option value="">"All access packages"</option>
                        {move || {
                            let chosen = package.get();
                            packages
                                .get()
                                .and_then(Result::ok)
                                .map(|page| page.items)
                                .unwrap_or_default()
                                .into_iter()
                                .map(|item| {
                                    let value = item.id.to_string();
                                    let selected = value == chosen;
                                    view! { <option value=value selected=selected>{item.name.to_string()}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <PersonPicker
                    id="catalog-assignments-person"
                    label="Person"
                    value=user
                    filter=user_search
                    placeholder="Anyone"
                />
                <div class="form-actions">
                    <button type="button" class="btn btn-secondary" on:click=clear>
                        "Clear filters"
                    </button>
                </div>
            </div>
            {move || {
                let filters = filters.get();
                view! {
                    <AssignmentList
                        filters=filters
                        show_package=true
                        changed=changed
                        heading="assignments-heading"
                    />
                }
            }}
        </section>
    }
}

/// The assignments one set of filters matches, a page at a time.
#[component]
fn AssignmentList(
    filters: AssignmentQuery,
    show_package: bool,
    changed: RwSignal<u32>,
    heading: &'static str,
) -> impl IntoView {
    let list = PagedList::new(DEFAULT_PAGE_SIZE, move |page| {
        let filters = filters.clone();
        async move {
            api::assignments::list(&filters, &page)
                .await
                .map(|page| (page.items, page.next_cursor))
        }
    });
    // Assignments made or removed elsewhere on the page: read the list again.
    Effect::new(move |seen: Option<u32>| {
        let now = changed.get();
        if seen.is_some_and(|seen| seen != now) {
            list.reload();
        }
        now
    });
    let confirming = RwSignal::new(None::<AssignmentId>);
    let removed = RwSignal::new(None::<String>);
    let on_removed = Callback::new(move |assignment: AssignmentView| {
        confirming.set(None);
        removed.set(Some(person(&assignment.user)));
        changed.update(|count| *count += 1);
    });
    view! {
        {move || {
            removed
                .get()
                .map(|who| view! { <Notice tone=Tone::Success>{format!("The assignment of {who} was removed.")}</Notice> })
        }}
        {move || match list.shape() {
            Shape::Loading => view! { <Loading label="Loading assignments…" /> }.into_any(),
            Shape::Failed(error) => {
                view! { <ErrorState error=error retry=Callback::new(move |_| list.reload()) /> }
                    .into_any()
            }
            Shape::Empty => view! { <EmptyState title="No assignments match." /> }.into_any(),
            Shape::Filled => view! {
                <div class="table-wrap" role="group" aria-labelledby=heading tabindex="0">
                    <table class="table assignment-table">
                        <thead>
                            <tr>
                                <th scope="col">"Person"</th>
                                {show_package.then(|| view! { <th scope="col">"Access package"</th> })}
                                <th scope="col">"State"</th>
                                <th scope="col">"Starts"</th>
                                <th scope="col">"Ends"</th>
                                <th scope="col">"Policy"</th>
                                <th scope="col">"Assigned by"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {move || {
                                list.with_items(|all| {
                                    all.iter()
                                        .map(|assignment| view! {
                                            <AssignmentRow
                                                assignment=assignment.clone()
                                                show_package=show_package
                                                confirming=confirming
                                                on_removed=on_removed
                                            />
                                        })
                                        .collect_view()
                                })
                            }}
                        </tbody>
                    </table>
                </div>
            }
            .into_any(),
        }}
        <LoadMore list=list />
    }
}

/// One assignment, and under it, on demand, the confirmation of its removal.
#[component]
fn AssignmentRow(
    assignment: AssignmentView,
    show_package: bool,
    /// The assignment whose removal is being confirmed; one at a time.
    confirming: RwSignal<Option<AssignmentId>>,
    on_removed: Callback<AssignmentView>,
) -> impl IntoView {
    let id = assignment.id;
    let who = person(&assignment.user);
    let reason = RwSignal::new(String::new());
    let remove = Action::new_local(move |reason: &String| {
        let removal = removal(reason);
        async move {
            let removed = api::assignments::remove(id, &removal?).await?;
            on_removed.run(removed);
            Ok::<(), ApiError>(())
        }
    });
    let error = action_error(remove);
    let open = move || confirming.get() == Some(id);
    let columns = if show_package { 8 } else { 7 };
    let confirm_id = format!("remove-{id}");
    let reason_id = format!("remove-{id}-reason");
    let assigned_by = assignment
        .assigned_by
        .as_ref()
        .map(person)
        .unwrap_or_else(|| "—".to_string());
    let remove_button = assignment.state.is_active().then(|| {
        let label = format!("Remove the assignment of {who}");
        let controls = confirm_id.clone();
        view! {
            <button
                type="button"
                class="btn btn-danger-outline btn-small"
                aria-label=label
                aria-controls=controls
                aria-expanded=move || if open() { "true" } else { "false" }
                on:click=move |_| confirming.set(Some(id))
            >
                "Remove"
            </button>
        }
    });
    let delivery_open = RwSignal::new(false);
    let delivery_id = format!("delivery-{id}");
    let delivery_label = format!("Delivery of {} to {who}", assignment.access_package_name);
    let delivery_row = {
        let delivery_id = delivery_id.clone();
        let delivery_label = delivery_label.clone();
        move || {
            delivery_open.get().then(|| {
                view! {
                    <tr id=delivery_id.clone() class="detail-row">
                        <td colspan=columns>
                            <DeliveryStatus assignment=id label=delivery_label.clone() />
                        </td>
                    </tr>
                }
            })
        }
    };
    let package_cell = show_package.then(|| {
        let href = package_href(assignment.access_package_id);
        let name = assignment.access_package_name.clone();
        view! {
            <td>
                <A href=href>{name}</A>
            </td>
        }
    });
    let confirmation = move || {
        open().then(|| {
            let who = who.clone();
            view! {
                <tr id=confirm_id.clone() class="confirm-row">
                    <td colspan=columns>
                        <div class="confirm" role="group" aria-label=format!("Remove the assignment of {who}")>
                            <p>
                                "Remove the assignment of " <strong>{who.clone()}</strong>
                                "? They lose the package's resource roles now, except those another of their assignments gives them."
                            </p>
                            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The assignment was not removed." /> })}
                            <TextAreaField
                                id=reason_id.clone()
                                label="Reason (optional)"
                                value=reason
                                error=field_of(error, "justification")
                                hint="Kept in the audit trail."
                                rows=2
                            />
                            <div class="row-actions">
                                <button
                                    type="button"
                                    class="btn btn-danger"
                                    aria-disabled=move || busy(remove.pending().get())
                                    on:click=move |_| {
                                        if !remove.pending().get_untracked() {
                                            remove.dispatch(reason.get_untracked());
                                        }
                                    }
                                >
                                    "Yes, remove the assignment"
                                </button>
                                <button type="button" class="btn btn-secondary" on:click=move |_| confirming.set(None)>
                                    "Keep it"
                                </button>
                            </div>
                        </div>
                    </td>
                </tr>
            }
        })
    };
    view! {
        <tr>
            <th scope="row">{person(&assignment.user)}</th>
            {package_cell}
            <td>
                <span class=state_badge(assignment.state)>{state_label(assignment.state)}</span>
            </td>
            <td>{timestamp(&assignment.starts_at)}</td>
            <td>{end_label(&assignment)}</td>
            <td>{assignment.policy_name.clone()}</td>
            <td>{assigned_by}</td>
            <td class="cell-actions">
                <div class="row-actions">
                    <DeliveryToggle open=delivery_open controls=delivery_id label=delivery_label />
                    {remove_button}
                </div>
            </td>
        </tr>
        {delivery_row}
        {confirmation}
    }
}

/// "New assignment": reads the package's policies when opened, so that it offers them as they
/// are now.
#[component]
fn AssignForm(
    package: AccessPackageView,
    /// Called with what the assignment came to, in words.
    on_done: Callback<String>,
    on_close: Callback<()>,
) -> impl IntoView {
    let id = package.id;
    let policies = LocalResource::new(move || api::packages::policies(id));
    // Not a `Suspend`: the form closes itself once the assignment is made, and its reactive
    // values must be disposed with the views that read them.
    move || match policies.get() {
        None => view! { <Loading label="Loading the package's policies…" /> }.into_any(),
        Some(Err(error)) => {
            view! { <ErrorState error=error retry=Callback::new(move |_| policies.refetch()) /> }
                .into_any()
        }
        Some(Ok(list)) if list.is_empty() => view! {
            <EmptyState title="This package has no policies yet.">
                <p>"People are assigned under a policy: add one without approval first."</p>
                <button type="button" class="btn btn-secondary" on:click=move |_| on_close.run(())>
                    "Close"
                </button>
            </EmptyState>
        }
        .into_any(),
        Some(Ok(list)) => view! {
            <AssignFields package=id policies=list on_done=on_done on_close=on_close />
        }
        .into_any(),
    }
}

#[component]
fn AssignFields(
    package: AccessPackageId,
    policies: Vec<PolicyView>,
    on_done: Callback<String>,
    on_close: Callback<()>,
) -> impl IntoView {
    // Offered first: a policy the API accepts for a direct assignment.
    let first = policies
        .iter()
        .find(|policy| PolicyUse::of(&policy.definition) == PolicyUse::Usable)
        .or(policies.first())
        .map(|policy| policy.id.to_string())
        .unwrap_or_default();
    let policies = StoredValue::new(policies);
    let policy_id = RwSignal::new(first);
    let chosen = Memo::new(move |_| {
        let id = policy_id.get();
        policies.with_value(|all| {
            all.iter()
                .find(|policy| policy.id.to_string() == id)
                .map(|policy| policy.definition.clone())
        })
    });
    let answers = RwSignal::new(AnswerDraft::blank_for(chosen.get_untracked().as_ref()));
    let user = RwSignal::new(String::new());
    let starts_at = RwSignal::new(String::new());
    let ends_at = RwSignal::new(String::new());
    let justification = RwSignal::new(String::new());
    let names = DirectoryNames::default();

    let create = Action::new_local(move |new: &NewAssignment| {
        let new = new.clone();
        let who = names
            .get(&new.user_id.to_string())
            .unwrap_or_else(|| "the person".to_string());
        async move {
            let created = api::assignments::create(package, &new).await?;
            on_done.run(outcome_notice(&created, &who));
            Ok::<(), ApiError>(())
        }
    });
    // Refused here, or by the server: both are shown at the controls their paths name.
    let refused_here = RwSignal::new(None::<ApiError>);
    let error = Signal::derive(move || {
        refused_here
            .get()
            .or_else(|| create.value().get().and_then(Result::err))
    });

    let choose_policy = move |id: String| {
        policy_id.set(id);
        answers.set(AnswerDraft::blank_for(chosen.get_untracked().as_ref()));
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if create.pending().get_untracked() {
            return;
        }
        let form = NewAssignmentForm {
            policy_id: policy_id.get_untracked(),
            user_id: user.get_untracked(),
            starts_at: starts_at.get_untracked(),
            ends_at: ends_at.get_untracked(),
            justification: justification.get_untracked(),
            answers: answers.get_untracked(),
        };
        match form.parse(chosen.get_untracked().as_ref(), browser_time) {
            Ok(new) => {
                refused_here.set(None);
                create.value().set(None);
                create.dispatch(new);
            }
            Err(refusal) => refused_here.set(Some(refusal)),
        }
    };

    let policy_error = field_of(error, "policy_id");
    let policy_use = Memo::new(move |_| chosen.with(|d| d.as_ref().map(PolicyUse::of)));
    let policy_described_by = move || {
        let ids: Vec<&str> = [
            Some("assignment-policy-expiry"),
            policy_use
                .get()
                .and_then(PolicyUse::warning)
                .map(|_| "assignment-policy-warning"),
            policy_error
                .with(Option::is_some)
                .then_some("assignment-policy-error"),
        ]
        .into_iter()
        .flatten()
        .collect();
        ids.join(" ")
    };

    view! {
        <form class="form subform assign-form" novalidate on:submit=on_submit aria-labelledby="new-assignment-heading">
            <h3 id="new-assignment-heading">"New assignment"</h3>
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The person was not assigned." /> })}
            <div class="field" class:field-invalid=move || policy_error.with(Option::is_some)>
                <label for="assignment-policy">"Policy"</label>
                <select
                    id="assignment-policy"
                    aria-invalid=move || policy_error.with(Option::is_some).then_some("true")
                    aria-describedby=policy_described_by
                    prop:value=move || policy_id.get()
                    on:change=move |ev| choose_policy(event_target_value(&ev))
                >
                    {policies
                        .get_value()
                        .into_iter()
                        .map(|policy| {
                            let value = policy.id.to_string();
                            let selected = value == policy_id.get_untracked();
                            let label = format!(
                                "{}{}",
                                policy.definition.name,
                                PolicyUse::of(&policy.definition).suffix()
                            );
                            view! { <option value=value selected=selected>{label}</option> }
                        })
                        .collect_view()}
                </select>
                <p class="field-hint" id="assignment-policy-expiry">
                    {move || chosen.with(|d| d.as_ref().map(expiry_hint))}
                </p>
                {move || {
                    policy_use
                        .get()
                        .and_then(PolicyUse::warning)
                        .map(|warning| view! { <p class="field-warning" id="assignment-policy-warning">{warning}</p> })
                }}
                {move || {
                    policy_error
                        .get()
                        .map(|message| view! { <p class="field-error" id="assignment-policy-error">{sentence(&message)}</p> })
                }}
            </div>
            <PersonPicker id="assignment-person" label="Person" value=user error=field_of(error, "user_id") names=names />
            <TextField
                id="assignment-starts"
                label="Starts"
                input_type="datetime-local"
                value=starts_at
                error=field_of(error, "starts_at")
                hint="Optional, in your time zone. Left empty, the access starts now; a later start schedules it."
            />
            <TextField
                id="assignment-ends"
                label="Ends"
                input_type="datetime-local"
                value=ends_at
                error=field_of(error, "ends_at")
                hint="Optional, in your time zone. Left empty, the policy decides; an end may not be later than it allows."
            />
            <TextAreaField
                id="assignment-justification"
                label="Justification"
                value=justification
                error=field_of(error, "justification")
                hint="Optional. Why the person gets the access; kept with the assignment and in the audit trail."
            />
            {move || {
                let questions = chosen.with(|definition| {
                    definition
                        .as_ref()
                        .map(|d| d.requester.questions.clone())
                        .unwrap_or_default()
                });
                view! {
                    <PolicyQuestions
                        answered_in=AnsweredIn::Assignment
                        questions=questions
                        answers=answers
                        error=error
                    />
                }
            }}
            <FormActions submit="Assign" working="Assigning…" pending=create.pending() on_cancel=on_close />
        </form>
    }
}

/// The separation-of-duties report of one package: who holds it together with access it is
/// incompatible with.
#[component]
pub fn ConflictsSection(
    package: AccessPackageId,
    /// Read again whenever the package's assignments change.
    changed: RwSignal<u32>,
) -> impl IntoView {
    let conflicts = LocalResource::new(move || {
        changed.track();
        api::assignments::conflicts(package)
    });
    view! {
        <section class="section" id="conflicts" aria-labelledby="conflicts-heading">
            <div class="section-heading">
                <h2 id="conflicts-heading">"Separation of duties conflicts"</h2>
                <a class="btn btn-secondary btn-small" href=conflicts_csv_href(package) download="conflicts.csv">
                    "Download CSV"
                </a>
            </div>
            <p class="section-lead">
                "People holding this package who also hold access it is incompatible with: another access package, or membership of a group."
            </p>
            <Transition fallback=|| view! { <Loading label="Loading conflicts…" /> }>
                {move || Suspend::new(async move {
                    match conflicts.await {
                        Err(error) => view! { <ErrorState error=error retry=Callback::new(move |_| conflicts.refetch()) /> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <EmptyState title="Nobody holding this package holds incompatible access." /> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap" role="group" aria-labelledby="conflicts-heading" tabindex="0">
                                <table class="table">
                                    <thead>
                                        <tr>
                                            <th scope="col">"Person"</th>
                                            <th scope="col">"Conflicting access"</th>
                                            <th scope="col">"Kind"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|conflict| {
                                                let (kind, name) = conflict_kind(&conflict.conflicting);
                                                let name = name.to_string();
                                                let access = match &conflict.conflicting {
                                                    ConflictingAccess::AccessPackage { access_package_id, .. } => view! {
                                                        <A href=package_href(*access_package_id)>{name}</A>
                                                    }
                                                    .into_any(),
                                                    ConflictingAccess::Group { .. } => view! { {name} }.into_any(),
                                                };
                                                view! {
                                                    <tr>
                                                        <th scope="row">{person(&conflict.user)}</th>
                                                        <td>{access}</td>
                                                        <td>{kind}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// "Reprocess": compares what the package's assignments give people with the directory and
/// puts back memberships and roles changed by hand (and takes away rows that ended assignments
/// left behind). "Check" only reports the difference.
#[component]
pub fn ReprocessSection(
    package: AccessPackageId,
    /// Counts changes to the package's assignments; a reprocess that changed rows bumps it.
    changed: RwSignal<u32>,
) -> impl IntoView {
    let run = Action::new_local(move |dry_run: &bool| {
        let dry_run = *dry_run;
        async move {
            let report = api::assignments::reprocess_package(package, dry_run).await?;
            if !dry_run && !report.is_empty() {
                changed.update(|count| *count += 1);
            }
            Ok::<_, ApiError>(report)
        }
    });
    let error = action_error(run);
    let start = move |dry_run: bool| {
        if !run.pending().get_untracked() {
            run.dispatch(dry_run);
        }
    };
    let report = move || run.value().get().and_then(Result::ok);
    view! {
        <section class="section" id="reprocess" aria-labelledby="reprocess-heading">
            <div class="section-heading">
                <h2 id="reprocess-heading">"Reprocess"</h2>
            </div>
            <p class="section-lead">
                "Compare what this package's assignments give people with the directory, and put back group memberships, ownerships and application roles changed by hand. Rows that ended assignments left behind are taken away. Check first to see the difference without changing anything; reprocessing is audited."
            </p>
            {move || error.get().map(|error| view! { <ErrorAlert error=error title="The package was not reprocessed." /> })}
            <div class="row-actions">
                <button
                    type="button"
                    class="btn btn-secondary"
                    aria-disabled=move || busy(run.pending().get())
                    on:click=move |_| start(true)
                >
                    "Check"
                </button>
                <button
                    type="button"
                    class="btn btn-primary"
                    aria-disabled=move || busy(run.pending().get())
                    on:click=move |_| start(false)
                >
                    "Reprocess"
                </button>
            </div>
            {move || report().map(|report| {
                let tone = if report.dry_run { Tone::Info } else { Tone::Success };
                let rows = reprocess_rows(&report);
                view! {
                    <Notice tone=tone>{reprocess_summary(&report)}</Notice>
                    {(!rows.is_empty()).then(|| view! {
                        <div class="table-wrap" role="group" aria-labelledby="reprocess-heading" tabindex="0">
                            <table class="table">
                                <thead>
                                    <tr>
                                        <th scope="col">"Person"</th>
                                        <th scope="col">"Access"</th>
                                        <th scope="col">"Change"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {rows
                                        .into_iter()
                                        .map(|(who, what, change)| view! {
                                            <tr>
                                                <th scope="row">{who}</th>
                                                <td>{what}</td>
                                                <td>{change}</td>
                                            </tr>
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                    })}
                }
            })}
        </section>
    }
}
