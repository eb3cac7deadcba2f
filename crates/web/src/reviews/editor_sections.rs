//! The review editor's stages (with their reviewers), schedule and settings sections.

use leptos::prelude::*;
use reactive_stores::{Field, KeyedSubfield};
use tessera_domain::review::definition::MAX_STAGES;
use tessera_domain::review::{Frequency, ReviewOutcome};

use crate::components::{
    CheckboxField, Combobox, DirectoryKind, Model, PersonPicker, TextField, directory_search,
};
use crate::forms::sentence;
use crate::reviews::{
    DefinitionDraftStoreFields, EndKind, NO_RESPONSE_RULES, ReviewerDraft,
    ReviewerDraftStoreFields, ReviewerKind, ScheduleKind, StageDraft, StageDraftStoreFields,
    frequency_label, no_response_label, no_response_value, outcome_label, parse_frequency,
    parse_no_response,
};
use crate::rows::{fresh_key, keys_of, move_row, remove_row};

use super::editor::Errors;
use super::editor::*;

/// A list of reviewers of a stage.
type Reviewers = KeyedSubfield<Field<StageDraft>, StageDraft, usize, Vec<ReviewerDraft>>;

#[component]
pub(super) fn StagesSection(
    draft: Draft,
    errors: Errors,
    shared: StoredValue<Shared>,
) -> impl IntoView {
    let add_stage = move |_| {
        draft.stages().update(|all| {
            if all.len() < MAX_STAGES {
                all.push(StageDraft::new(fresh_key(all)));
            }
        });
    };
    // Drawn again only when stages come, go or move: typing in a stage redraws nothing.
    let keys = Memo::new(move |_| draft.stages().with(|all| keys_of(all)));
    view! {
        <fieldset class="panel">
            <legend>"Stages"</legend>
            <p class="field-hint">"One to three stages, one after the other. Each person's access is decided in the last stage it reaches."</p>
            {group_error("review-stages-error".into(), exact(errors, "stages".into()))}
            {move || {
                let keys = keys.get();
                let count = keys.len();
                keys.into_iter()
                    .enumerate()
                    .map(|(index, key)| view! {
                        <StageEditor stage=Field::from(draft.stages().at_key(key)) key=key index=index count=count draft=draft errors=errors shared=shared />
                    })
                    .collect_view()
            }}
            <Show when=move || keys.with(|keys| keys.len() < MAX_STAGES)>
                <button type="button" class="btn btn-secondary" on:click=add_stage>"Add a stage"</button>
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
                rows=stage.reviewers()
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
                rows=stage.fallback()
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
                value=stage.duration_days()
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
                                            prop:checked=move || stage.moves_on().try_with(|set| set.contains(&outcome)).unwrap_or_default()
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                stage.moves_on().try_update(|set| {
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
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| draft.stages().update(|all| move_row(all, key, true))>
                        {format!("Move stage {number} up")}
                    </button>
                })}
                {(index + 1 < count).then(|| view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| draft.stages().update(|all| move_row(all, key, false))>
                        {format!("Move stage {number} down")}
                    </button>
                })}
                {(count > 1).then(|| view! {
                    <button type="button" class="btn btn-danger-outline btn-small" on:click=move |_| draft.stages().update(|all| remove_row(all, key))>
                        {format!("Remove stage {number}")}
                    </button>
                })}
            </div>
        </fieldset>
    }
}

#[component]
pub(super) fn ReviewerList(
    rows: Reviewers,
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
    // The stage may be gone by the time this list is asked for its keys.
    let keys = Memo::new(move |_| rows.try_with(|all| keys_of(all)).unwrap_or_default());
    view! {
        <fieldset class="approvers">
            <legend>{title}</legend>
            <p class="field-hint">{hint}</p>
            {group_error(list_error_id, exact(errors, list_path))}
            {move || {
                keys.get()
                    .into_iter()
                    .enumerate()
                    .map(|(index, key)| view! {
                        <ReviewerEditor
                            row=Field::from(rows.at_key(key))
                            legend=format!("{} {}", sentence(noun), index + 1)
                            path=format!("{path}[{index}]")
                            id=format!("{id_prefix}-{index}")
                            relative=relative
                            errors=errors
                            shared=shared
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
                    let kind = if relative { ReviewerKind::Manager } else { ReviewerKind::User };
                    rows.try_update(|all| {
                        let key = fresh_key(all);
                        all.push(ReviewerDraft { key, kind, target: String::new() });
                    });
                }
            >
                {format!("Add {noun}")}
            </button>
        </fieldset>
    }
}

#[component]
pub(super) fn ReviewerEditor(
    row: Field<ReviewerDraft>,
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
    // Read as the default once the row is removed, until the list is drawn again without it.
    let kind = move || row.kind().try_get().unwrap_or_default();
    let target = Model::from(row.target());
    let filter = RwSignal::new(String::new());
    let groups = directory_search(
        DirectoryKind::Groups,
        filter,
        Signal::derive(move || kind() == ReviewerKind::GroupMembers),
    );
    // The chosen group keeps its name, for those who may not list groups too.
    let group_name = Signal::derive(move || names.group_name(&target.get()));
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
                    prop:value=move || kind().value()
                    on:change=move |ev| {
                        let chosen = ReviewerKind::parse(&event_target_value(&ev));
                        row.try_update(|row| {
                            row.kind = chosen;
                            row.target.clear();
                        });
                    }
                >
                    {kinds
                        .into_iter()
                        .map(|option| view! { <option value=option.value() selected=move || kind() == option>{option.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            {
                let id = id.clone();
                move || match kind() {
                    ReviewerKind::User => view! {
                        <PersonPicker id=format!("{id}-user") label="User" value=target filter=filter error=error names=names />
                    }
                    .into_any(),
                    ReviewerKind::GroupMembers => view! {
                        <Combobox id=format!("{id}-group") label="Group" value=target search=groups chosen_name=group_name error=error />
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
pub(super) fn ScheduleSection(draft: Draft, errors: Errors) -> impl IntoView {
    view! {
        <fieldset class="panel">
            <legend>"Schedule"</legend>
            <div class="choices" role="radiogroup" aria-label="How often">
                {radios(
                    "review-schedule",
                    draft.schedule().into(),
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
                value=draft.starts_at()
                error=at(errors, "schedule.starts_at".into())
                hint="In your time zone. Now or later: the review starts within a minute of this time."
                required=true
            />
            <Show when=move || draft.schedule().get() == ScheduleKind::Recurring>
                <div class="field" class:field-invalid=move || at(errors, "schedule.frequency".into()).with(Option::is_some)>
                    <label for="review-frequency">"Frequency"</label>
                    <select
                        id="review-frequency"
                        aria-describedby="review-frequency-error"
                        prop:value=move || draft.frequency().get().as_str()
                        on:change=move |ev| draft.frequency().set(parse_frequency(&event_target_value(&ev)))
                    >
                        {Frequency::ALL
                            .into_iter()
                            .map(|frequency| view! {
                                <option value=frequency.as_str() selected=move || draft.frequency().get() == frequency>
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
                        draft.end().into(),
                        vec![
                            (EndKind::Never, "Never", None),
                            (EndKind::OnDate, "On a date", Some("No review starts after that day.")),
                            (EndKind::AfterOccurrences, "After a number of reviews", None),
                        ],
                    )}
                </fieldset>
                {move || match draft.end().get() {
                    EndKind::Never => ().into_any(),
                    EndKind::OnDate => view! {
                        <TextField id="review-end-date" label="Last day a review may start" input_type="date" value=draft.end_date() error=at(errors, "schedule.end".into()) />
                    }
                    .into_any(),
                    EndKind::AfterOccurrences => view! {
                        <TextField id="review-occurrences" label="Number of reviews" value=draft.occurrences() error=at(errors, "schedule.end".into()) hint="1 to 1000, the first included." inputmode="numeric" />
                    }
                    .into_any(),
                }}
            </Show>
        </fieldset>
    }
}

#[component]
pub(super) fn SettingsSection(draft: Draft, errors: Errors) -> impl IntoView {
    let rule_error = at(errors, "settings.if_no_response".into());
    let earlier_error = at(errors, "settings.show_earlier_decisions".into());
    view! {
        <fieldset class="panel">
            <legend>"Settings"</legend>
            <CheckboxField id="review-justification" label="Reviewers must give a reason for each decision" checked=draft.justification_required() />
            <CheckboxField
                id="review-recommendations"
                label="Show recommendations"
                checked=draft.recommendations()
                hint="Tessera recommends removing the access of people who have not signed in recently."
            />
            <Show when=move || draft.recommendations().get()>
                <TextField
                    id="review-look-back"
                    label="Days of sign-in activity to look back"
                    value=draft.look_back_days()
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
                    prop:value=move || no_response_value(draft.if_no_response().get())
                    on:change=move |ev| draft.if_no_response().set(parse_no_response(&event_target_value(&ev)))
                >
                    {NO_RESPONSE_RULES
                        .into_iter()
                        .map(|rule| view! {
                            <option value=no_response_value(rule) selected=move || draft.if_no_response().get() == rule>
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
                checked=draft.auto_apply()
                hint="Denied access is removed as soon as the review ends. Otherwise an administrator applies the results."
            />
            <CheckboxField
                id="review-reminders"
                label="Remind reviewers halfway through each stage"
                checked=draft.reminders()
            />
            <Show when=move || { draft.stages().with(|s| s.len() > 1) }>
                <CheckboxField
                    id="review-show-earlier"
                    label="Show reviewers the decisions of earlier stages"
                    checked=draft.show_earlier_decisions()
                />
                {group_error("review-show-earlier-error".into(), earlier_error)}
            </Show>
        </fieldset>
    }
}
