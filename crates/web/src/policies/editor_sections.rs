//! The policy editor's approval, requester and lifecycle sections, and how a policy reads in
//! a summary.

use leptos::prelude::*;
use reactive_stores::{Field, KeyedSubfield};
use tessera_domain::policy::{
    self, ApprovalDefinition, ExpiryDefinition, PolicyDefinition, WhoCanRequest,
    approval::escalation_days_allowed,
};

use crate::components::{
    CheckboxField, Combobox, DirectoryKind, Model, PersonPicker, TextAreaField, TextField,
    directory_search,
};
use crate::forms::sentence;
use crate::pages::common::is_admin;
use crate::rows::{fresh_key, keys_of, move_row, remove_row};

use super::draft::*;
use super::editor::Errors;
use super::editor::*;

/// A list of approvers of a stage.
type Approvers = KeyedSubfield<Field<StageDraft>, StageDraft, usize, Vec<ApproverDraft>>;

#[component]
pub(super) fn ApprovalSection(
    draft: Draft,
    errors: Errors,
    directory: StoredValue<Directory>,
) -> impl IntoView {
    let add_stage = move |_| {
        draft.stages().update(|all| {
            if all.len() < policy::approval::MAX_STAGES {
                all.push(StageDraft::new(fresh_key(all)));
            }
        });
    };
    let set_required = move |required: bool| {
        draft.approval_required().set(required);
        if required && draft.stages().with_untracked(Vec::is_empty) {
            draft.stages().set(vec![StageDraft::new(0)]);
        }
    };
    // Drawn again only when stages come, go or move: typing in a stage redraws nothing.
    let keys = Memo::new(move |_| draft.stages().with(|all| keys_of(all)));
    view! {
        <fieldset class="panel">
            <legend>"Approval"</legend>
            <div class="choices" role="radiogroup" aria-label="Approval">
                <label class="choice">
                    <input type="radio" name="approval" prop:checked=move || !draft.approval_required().get() on:change=move |_| set_required(false) />
                    <span>"No approval" <span class="choice-hint">"Requests are granted at once."</span></span>
                </label>
                <label class="choice">
                    <input type="radio" name="approval" prop:checked=move || draft.approval_required().get() on:change=move |_| set_required(true) />
                    <span>"Approval required" <span class="choice-hint">"One to three stages, decided in order; every stage must approve."</span></span>
                </label>
            </div>
            <Show when=move || draft.approval_required().get()>
                {list_error("stages-error".into(), exact(errors, "approval.stages".into()))}
                {move || {
                    let keys = keys.get();
                    let count = keys.len();
                    keys.into_iter()
                        .enumerate()
                        .map(|(index, key)| view! {
                            <StageEditor stage=Field::from(draft.stages().at_key(key)) key=key index=index count=count draft=draft errors=errors directory=directory />
                        })
                        .collect_view()
                }}
                <Show when=move || keys.with(|keys| keys.len() < policy::approval::MAX_STAGES)>
                    <button type="button" class="btn btn-secondary" on:click=add_stage>
                        "Add a stage"
                    </button>
                </Show>
            </Show>
        </fieldset>
    }
}

#[component]
pub(super) fn StageEditor(
    stage: Field<StageDraft>,
    key: usize,
    index: usize,
    count: usize,
    draft: Draft,
    errors: Errors,
    directory: StoredValue<Directory>,
) -> impl IntoView {
    let number = index + 1;
    let at_path = format!("approval.stages[{index}]");
    let prefix = format!("stage-{index}");
    let allowed = move || {
        stage
            .timeout_days()
            .try_get()
            .unwrap_or_default()
            .trim()
            .parse::<u8>()
            .ok()
            .and_then(escalation_days_allowed)
    };
    let escalation_hint = move || match allowed() {
        Some(range) => format!(
            "With this timeout, escalate after {} to {} days.",
            range.start(),
            range.end()
        ),
        None => "Escalation is only possible with a timeout of at least 4 days.".to_string(),
    };
    let after_error = either(
        exact(errors, format!("{at_path}.escalation")),
        at(errors, format!("{at_path}.escalation.after_days")),
    );
    view! {
        <fieldset class="stage">
            <legend>{format!("Stage {number}")}</legend>
            <ApproverList
                rows=stage.primary()
                title="Approvers"
                noun="approver"
                path=format!("{at_path}.primary_approvers")
                id_prefix=format!("{prefix}-primary")
                relative=true
                hint="Any one of them decides for the stage."
                errors=errors
                directory=directory
            />
            <ApproverList
                rows=stage.fallback()
                title="Fallback approvers"
                noun="fallback approver"
                path=format!("{at_path}.fallback_approvers")
                id_prefix=format!("{prefix}-fallback")
                relative=false
                hint="Decide when the approvers above cannot be found, such as a requester without a manager. Required when the approvers include a manager or sponsors; users and groups only."
                errors=errors
                directory=directory
            />
            <TextField
                id=format!("{prefix}-timeout")
                label="Days to decide"
                value=stage.timeout_days()
                error=at(errors, format!("{at_path}.timeout_days"))
                hint="1 to 14 days. A request not decided in time does not go further."
                inputmode="numeric"
            />
            <CheckboxField id=format!("{prefix}-justification") label="Approvers must give a reason" checked=stage.justification() />
            <CheckboxField id=format!("{prefix}-escalate") label="Escalate when no decision comes" checked=stage.escalate() />
            <Show when=move || stage.escalate().try_get().unwrap_or_default()>
                <div class="escalation">
                    <p class="field-hint" id=format!("{prefix}-escalation-rule")>
                        "Escalation needs a timeout of at least 4 days. It happens after half the time plus one day, and before the last day: "
                        {escalation_hint}
                    </p>
                    <TextField
                        id=format!("{prefix}-after-days")
                        label="Escalate after (days)"
                        value=stage.after_days()
                        error=after_error
                        inputmode="numeric"
                    />
                    <ApproverList
                        rows=stage.escalation()
                        title="Escalation approvers"
                        noun="escalation approver"
                        path=format!("{at_path}.escalation.approvers")
                        id_prefix=format!("{prefix}-escalation")
                        relative=true
                        hint="Asked in addition once the stage escalates; choose someone new."
                        errors=errors
                        directory=directory
                    />
                    <ApproverList
                        rows=stage.escalation_fallback()
                        title="Escalation fallback approvers"
                        noun="escalation fallback approver"
                        path=format!("{at_path}.escalation.fallback_approvers")
                        id_prefix=format!("{prefix}-escalation-fallback")
                        relative=false
                        hint="Required when the escalation approvers include a manager or sponsors."
                        errors=errors
                        directory=directory
                    />
                </div>
            </Show>
            <div class="row-actions">
                {(index > 0).then(|| view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| draft.stages().update(|all| move_row(all, key, true))>
                        {format!("Move stage {number} up")}
                    </button>
                })}
                {(index + 1 < count).then(|| view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| draft.stages().update(|all| move_row(all, key, false))>
                        {format!("Move stage {number} down")}
                    </button>
                })}
                <button type="button" class="btn btn-danger-outline btn-small" on:click=move |_| draft.stages().update(|all| remove_row(all, key))>
                    {format!("Remove stage {number}")}
                </button>
            </div>
        </fieldset>
    }
}

#[component]
pub(super) fn ApproverList(
    rows: Approvers,
    title: &'static str,
    noun: &'static str,
    path: String,
    id_prefix: String,
    /// Whether managers and sponsors may be chosen.
    relative: bool,
    hint: &'static str,
    errors: Errors,
    directory: StoredValue<Directory>,
) -> impl IntoView {
    let list_error_id = format!("{id_prefix}-error");
    let list_path = path.clone();
    // The stage may be gone by the time this list is asked for its keys.
    let keys = Memo::new(move |_| rows.try_with(|all| keys_of(all)).unwrap_or_default());
    view! {
        <fieldset class="approvers">
            <legend>{title}</legend>
            <p class="field-hint">{hint}</p>
            {list_error(list_error_id, exact(errors, list_path))}
            {move || {
                keys.get()
                    .into_iter()
                    .enumerate()
                    .map(|(index, key)| view! {
                        <ApproverEditor
                            row=Field::from(rows.at_key(key))
                            legend=format!("{} {}", sentence(noun), index + 1)
                            path=format!("{path}[{index}]")
                            id=format!("{id_prefix}-{index}")
                            relative=relative
                            errors=errors
                            directory=directory
                            on_remove=Callback::new(move |_| {
                                rows.try_update(|all| remove_row(all, key));
                            })
                        />
                    })
                    .collect_view()
            }}
            <button
                type="button"
                class="btn btn-secondary btn-small"
                on:click=move |_| {
                    let kind = if relative { ApproverKind::Manager } else { ApproverKind::User };
                    rows.try_update(|all| all.push(ApproverDraft::new(fresh_key(all), kind)));
                }
            >
                {format!("Add {noun}")}
            </button>
        </fieldset>
    }
}

#[component]
pub(super) fn ApproverEditor(
    row: Field<ApproverDraft>,
    legend: String,
    path: String,
    id: String,
    relative: bool,
    errors: Errors,
    directory: StoredValue<Directory>,
    on_remove: Callback<()>,
) -> impl IntoView {
    let error = at(errors, path);
    let kind_id = format!("{id}-kind");
    let names = directory.with_value(|d| d.names);
    let package_groups = directory.with_value(|d| d.package_groups.clone());
    // Read as the default once the row is removed, until the list is drawn again without it.
    let kind = move || row.kind().try_get().unwrap_or_default();
    let target = Model::from(row.target());
    let filter = RwSignal::new(String::new());
    let groups = directory_search(
        DirectoryKind::Groups,
        filter,
        Signal::derive(move || kind() == ApproverKind::GroupMembers),
    );
    // The chosen group keeps its name, for those who may not list groups too.
    let group_name = Signal::derive(move || names.group_name(&target.get()));
    let kinds: Vec<ApproverKind> = ApproverKind::ALL
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
                    prop:value=move || kind().value()
                    on:change=move |ev| {
                        let chosen = ApproverKind::parse(&event_target_value(&ev));
                        row.try_update(|row| {
                            row.kind = chosen;
                            row.target.clear();
                        });
                    }
                >
                    {kinds
                        .into_iter()
                        .map(|option| {
                            view! { <option value=option.value() selected=move || kind() == option>{option.label()}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            {
                let id = id.clone();
                move || match kind() {
                    ApproverKind::User => view! {
                        <PersonPicker id=format!("{id}-user") label="User" value=target filter=filter error=error names=names />
                    }
                    .into_any(),
                    ApproverKind::GroupMembers => view! {
                        <Combobox id=format!("{id}-group") label="Group" value=target search=groups chosen_name=group_name error=error />
                    }
                    .into_any(),
                    ApproverKind::GroupOwners => {
                        let choices = package_groups.clone();
                        let select_id = format!("{id}-package-group");
                        view! {
                            <div class="field" class:field-invalid=move || error.with(Option::is_some)>
                                <label for=select_id.clone()>"Group of this package"</label>
                                <select id=select_id prop:value=move || target.get() on:change=move |ev| target.set(event_target_value(&ev))>
                                    <option value="">"Choose…"</option>
                                    {choices
                                        .into_iter()
                                        .map(|(gid, name)| {
                                            let selected = gid == target.get_untracked();
                                            view! { <option value=gid selected=selected>{name}</option> }
                                        })
                                        .collect_view()}
                                </select>
                                {move || error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                            </div>
                        }
                        .into_any()
                    }
                    ApproverKind::Manager | ApproverKind::SecondManager | ApproverKind::Sponsors => {
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
pub(super) fn RequesterSection(draft: Draft, errors: Errors) -> impl IntoView {
    let add_question = move |_| {
        draft.questions().update(|all| {
            let question = QuestionDraft::new(all);
            all.push(question);
        });
    };
    let keys = Memo::new(move |_| draft.questions().with(|all| keys_of(all)));
    view! {
        <fieldset class="panel">
            <legend>"Requesters"</legend>
            <CheckboxField id="policy-justification" label="Requesters must give a reason" checked=draft.justification_required() />
            <CheckboxField id="policy-dates" label="Requesters may choose start and end dates" checked=draft.may_choose_dates() />
            <CheckboxField id="policy-on-behalf" label="Managers may request for their direct reports" checked=draft.on_behalf() />
            {list_error("on-behalf-error".into(), at(errors, "requester.on_behalf_of_direct_reports".into()))}
            <h4>"Questions"</h4>
            <p class="field-hint">"Asked when someone requests this package; approvers see the answers."</p>
            {list_error("questions-error".into(), exact(errors, "requester.questions".into()))}
            {move || {
                let keys = keys.get();
                let count = keys.len();
                keys.into_iter()
                    .enumerate()
                    .map(|(index, key)| view! {
                        <QuestionEditor question=Field::from(draft.questions().at_key(key)) key=key index=index count=count draft=draft errors=errors />
                    })
                    .collect_view()
            }}
            <button type="button" class="btn btn-secondary btn-small" on:click=add_question>"Add a question"</button>
        </fieldset>
    }
}

#[component]
pub(super) fn QuestionEditor(
    question: Field<QuestionDraft>,
    key: usize,
    index: usize,
    count: usize,
    draft: Draft,
    errors: Errors,
) -> impl IntoView {
    // Read as the default once the question is removed, until the list is drawn again.
    let kind = move || question.kind().try_get().unwrap_or_default();
    let number = index + 1;
    let path = format!("requester.questions[{index}]");
    let prefix = format!("question-{index}");
    let kind_id = format!("{prefix}-kind");
    let id_error = at(errors, format!("{path}.id"));
    view! {
        <fieldset class="question">
            <legend>{format!("Question {number}")}</legend>
            <div class="field">
                <label for=kind_id.clone()>"Kind of answer"</label>
                <select
                    id=kind_id
                    prop:value=move || kind().value()
                    on:change=move |ev| {
                        if let Some(chosen) = QuestionKind::parse(&event_target_value(&ev)) {
                            question.kind().try_set(chosen);
                        }
                    }
                >
                    {QuestionKind::ALL
                        .into_iter()
                        .map(|option| view! { <option value=option.value() selected=move || kind() == option>{option.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <TextField id=format!("{prefix}-text") label="Question" value=question.text() error=either(at(errors, format!("{path}.text")), id_error) />
            <CheckboxField id=format!("{prefix}-required") label="An answer is required" checked=question.required() />
            {
                let path = path.clone();
                let prefix = prefix.clone();
                move || {
                    if kind().has_choices() {
                        view! {
                            <TextAreaField id=format!("{prefix}-choices") label="Choices, one a line" value=question.choices() error=at(errors, format!("{path}.choices")) hint="2 to 30 choices." rows=4 />
                        }
                        .into_any()
                    } else {
                        view! {
                            <TextField id=format!("{prefix}-regex") label="Answer pattern (optional)" value=question.regex() error=at(errors, format!("{path}.regex")) hint="A regular expression the whole answer must match, such as [A-Z]{3}-[0-9]+. Requesters never see it: they see the hint and the example." autocomplete="off" />
                            <TextField id=format!("{prefix}-hint") label="Pattern hint for requesters" value=question.hint() error=at(errors, format!("{path}.hint")) hint="The form in words, such as: three capital letters, a hyphen and a number. Only with a pattern." autocomplete="off" />
                            <TextField id=format!("{prefix}-example") label="Example answer" value=question.example() error=at(errors, format!("{path}.example")) hint="An answer that matches the pattern, such as FIN-1234. Only with a pattern." autocomplete="off" />
                        }
                        .into_any()
                    }
                }
            }
            <div class="row-actions">
                {(index > 0).then(|| view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| draft.questions().update(|all| move_row(all, key, true))>
                        {format!("Move question {number} up")}
                    </button>
                })}
                {(index + 1 < count).then(|| view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| draft.questions().update(|all| move_row(all, key, false))>
                        {format!("Move question {number} down")}
                    </button>
                })}
                <button type="button" class="btn btn-danger-outline btn-small" on:click=move |_| draft.questions().update(|all| remove_row(all, key))>
                    {format!("Remove question {number}")}
                </button>
            </div>
        </fieldset>
    }
}

#[component]
pub(super) fn LifecycleSection(draft: Draft, errors: Errors) -> impl IntoView {
    view! {
        <fieldset class="panel">
            <legend>"Lifecycle"</legend>
            <fieldset class="choices">
                <legend>"Access ends"</legend>
                {radios(
                    "expiry",
                    draft.expiry().into(),
                    vec![
                        (ExpiryKind::Never, "Never", None),
                        (ExpiryKind::OnDate, "On a date", None),
                        (ExpiryKind::AfterDays, "After a number of days", None),
                        (ExpiryKind::AfterHours, "After a number of hours", None),
                    ],
                )}
            </fieldset>
            {move || match draft.expiry().get() {
                ExpiryKind::Never => ().into_any(),
                ExpiryKind::OnDate => view! {
                    <TextField id="expiry-date" label="End date (UTC)" input_type="date" value=draft.expiry_date() error=at(errors, "lifecycle.expiry.at".into()) />
                }
                .into_any(),
                ExpiryKind::AfterDays => view! {
                    <TextField id="expiry-days" label="Days of access" value=draft.expiry_days() error=at(errors, "lifecycle.expiry.days".into()) hint="Up to 3660 days." inputmode="numeric" />
                }
                .into_any(),
                ExpiryKind::AfterHours => view! {
                    <TextField id="expiry-hours" label="Hours of access" value=draft.expiry_hours() error=at(errors, "lifecycle.expiry.hours".into()) hint="Up to 8784 hours; use days for longer." inputmode="numeric" />
                }
                .into_any(),
            }}
            <fieldset class="choices">
                <legend>"Extension"</legend>
                {radios(
                    "extension",
                    draft.extension().into(),
                    vec![
                        (Extension::No, "Not allowed", None),
                        (Extension::Yes, "Allowed", Some("People may extend their access before it ends.")),
                        (Extension::WithApproval, "Allowed, with approval", Some("An extension goes through the approval stages again.")),
                    ],
                )}
            </fieldset>
            {list_error("extension-error".into(), at(errors, "lifecycle.extension".into()))}
            <CheckboxField id="policy-self-removal" label="People may remove their own access" checked=draft.self_removal() />
        </fieldset>
    }
}

/// A line that sums a policy up, for the list.
pub fn summary(definition: &PolicyDefinition) -> (String, String, String) {
    let who = match &definition.who_can_request {
        WhoCanRequest::SpecificUsersAndGroups { users, groups } => {
            format!("{} users, {} groups", users.len(), groups.len())
        }
        WhoCanRequest::AllMembers {} => "All members".into(),
        WhoCanRequest::AllUsers {} => "All users".into(),
        WhoCanRequest::Nobody {} => "Nobody".into(),
    };
    let approval = match &definition.approval {
        ApprovalDefinition::None {} => "No approval".into(),
        ApprovalDefinition::Required { stages } if stages.len() == 1 => "1 stage".into(),
        ApprovalDefinition::Required { stages } => format!("{} stages", stages.len()),
    };
    let expiry = match definition.lifecycle.expiry {
        ExpiryDefinition::Never {} => "Never ends".into(),
        ExpiryDefinition::OnDate { at } => format!("Ends on {}", at.format("%Y-%m-%d")),
        ExpiryDefinition::AfterDays { days } => format!("Ends after {days} days"),
        ExpiryDefinition::AfterHours { hours } => format!("Ends after {hours} hours"),
    };
    (who, approval, expiry)
}

/// Whether the person can pick groups: only administrators can list them. Anyone can pick
/// people.
pub fn can_pick_groups() -> bool {
    is_admin()
}
