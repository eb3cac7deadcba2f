//! The questions of an access package policy, with an input for each answer: asked of a
//! requester on the request panel, and of an administrator making a direct assignment on the
//! person's behalf. The answers are typed into `AnswerDraft`s, one per question in the policy's
//! order, which the form's own `parse` turns into the answers it sends.

use leptos::prelude::*;
use tessera_domain::policy::QuestionDefinition;

use crate::api::ApiError;
use crate::assignments::{AnswerDraft, QuestionKind, QuestionView, message_under};
use crate::components::described_by;
use crate::forms::sentence;
use crate::my_access::pattern_guide;

/// The form the questions stand in. Ids, classes and words differ between the two, and the
/// browser tests and the stylesheet rely on each as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnsweredIn {
    /// A request, on the request panel: each text answer's expected form is shown.
    Request,
    /// A direct assignment, answered on the person's behalf.
    Assignment,
}

impl AnsweredIn {
    fn section_class(self) -> &'static str {
        match self {
            AnsweredIn::Request => "panel request-questions",
            AnsweredIn::Assignment => "panel assignment-questions",
        }
    }

    fn legend(self) -> &'static str {
        match self {
            AnsweredIn::Request => "Questions",
            AnsweredIn::Assignment => "Questions of the policy",
        }
    }

    fn lead(self) -> Option<&'static str> {
        match self {
            AnsweredIn::Request => None,
            AnsweredIn::Assignment => {
                Some("Answered on the person's behalf; kept with the assignment.")
            }
        }
    }

    /// The id of the input of question `index` (the name of its radio buttons or boxes too).
    fn answer_id(self, index: usize) -> String {
        match self {
            AnsweredIn::Request => format!("request-answer-{index}"),
            AnsweredIn::Assignment => format!("answer-{index}"),
        }
    }

    fn shows_patterns(self) -> bool {
        match self {
            AnsweredIn::Request => true,
            AnsweredIn::Assignment => false,
        }
    }

    /// The class of a choice question's fieldset, and the class added while it is refused.
    fn choices_classes(self) -> (&'static str, &'static str) {
        match self {
            AnsweredIn::Request => ("field question-choices", "field-invalid"),
            AnsweredIn::Assignment => ("answer-choices", "answer-invalid"),
        }
    }
}

/// The questions of the chosen policy, each with the refusal of its answer (`answers[index]…`)
/// and, above them, a refusal of the answers as a whole (`answers`). Nothing when the policy
/// asks none.
#[component]
pub fn PolicyQuestions(
    answered_in: AnsweredIn,
    questions: Vec<QuestionDefinition>,
    /// One per question, in the same order.
    answers: RwSignal<Vec<AnswerDraft>>,
    error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let answers_error = Signal::derive(move || error.get()?.field_message("answers"));
    (!questions.is_empty()).then(|| {
        view! {
            <fieldset class=answered_in.section_class()>
                <legend>{answered_in.legend()}</legend>
                {answered_in.lead().map(|lead| view! { <p class="field-hint">{lead}</p> })}
                {move || answers_error.get().map(|message| view! { <p class="field-error" role="alert">{sentence(&message)}</p> })}
                {questions
                    .into_iter()
                    .enumerate()
                    .map(|(index, question)| view! {
                        <QuestionInput
                            answered_in=answered_in
                            index=index
                            question=question
                            answers=answers
                            error=error
                        />
                    })
                    .collect_view()}
            </fieldset>
        }
    })
}

/// A question's words, marked when it must be answered.
fn question_label(text: String, required: bool) -> impl IntoView {
    view! {
        {text}
        {required.then(|| view! { " " <span class="required-mark">"(required)"</span> })}
    }
}

/// One question of the chosen policy, with the refusal of its answer (`answers[index]…`).
#[component]
fn QuestionInput(
    answered_in: AnsweredIn,
    index: usize,
    question: QuestionDefinition,
    answers: RwSignal<Vec<AnswerDraft>>,
    error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let pattern = answered_in
        .shows_patterns()
        .then(|| pattern_guide(&question))
        .flatten();
    let question = QuestionView::of(&question);
    let id = answered_in.answer_id(index);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let legend_id = format!("{id}-legend");
    let path = format!("answers[{index}]");
    let message = Signal::derive(move || error.get().and_then(|e| message_under(&e, &path)));
    let invalid = move || message.with(Option::is_some);
    let aria_invalid = move || invalid().then_some("true");
    let has_hint = pattern.is_some();
    let described_by = described_by(hint_id.clone(), move || has_hint, error_id.clone(), invalid);
    let required = question.required.then_some("true");
    let text = move || {
        answers.with(|all| {
            all.get(index)
                .map(|answer| answer.text.clone())
                .unwrap_or_default()
        })
    };
    let set_text = move |value: String| {
        answers.update(|all| {
            if let Some(answer) = all.get_mut(index) {
                answer.text = value;
            }
        })
    };
    let hint = pattern.map(|pattern| {
        view! {
            <p class="field-hint" id=hint_id.clone()>
                {pattern}
            </p>
        }
    });
    let error_line = move || {
        message
            .get()
            .map(|m| view! { <p class="field-error" id=error_id.clone()>{sentence(&m)}</p> })
    };
    let label = question_label(question.text.clone(), question.required);
    let (choices_class, invalid_class) = answered_in.choices_classes();
    match question.kind {
        QuestionKind::ShortText => view! {
            <div class="field" class:field-invalid=invalid>
                <label for=id.clone()>{label}</label>
                {hint}
                <input
                    id=id.clone()
                    name=id
                    type="text"
                    autocomplete="off"
                    aria-required=required
                    aria-invalid=aria_invalid
                    aria-describedby=described_by
                    prop:value=text
                    on:input=move |ev| set_text(event_target_value(&ev))
                />
                {error_line}
            </div>
        }
        .into_any(),
        QuestionKind::LongText => view! {
            <div class="field" class:field-invalid=invalid>
                <label for=id.clone()>{label}</label>
                {hint}
                <textarea
                    id=id.clone()
                    name=id
                    rows=3
                    aria-required=required
                    aria-invalid=aria_invalid
                    aria-describedby=described_by
                    prop:value=text
                    on:input=move |ev| set_text(event_target_value(&ev))
                ></textarea>
                {error_line}
            </div>
        }
        .into_any(),
        QuestionKind::SingleChoice(choices) => {
            // An optional question can be left unanswered again.
            let options: Vec<(String, String)> = (!question.required)
                .then(|| (String::new(), "No answer".to_string()))
                .into_iter()
                .chain(choices.into_iter().map(|choice| (choice.clone(), choice)))
                .collect();
            view! {
                <fieldset
                    class=choices_class
                    class=(invalid_class, invalid)
                    role="radiogroup"
                    aria-labelledby=legend_id.clone()
                    aria-required=required
                    aria-invalid=aria_invalid
                    aria-describedby=described_by
                >
                    <legend id=legend_id.clone()>{label}</legend>
                    <div class="choices">
                        {options
                            .into_iter()
                            .map(|(value, shown)| {
                                let checked = value.clone();
                                view! {
                                    <label class="choice">
                                        <input
                                            type="radio"
                                            name=id.clone()
                                            value=value.clone()
                                            prop:checked=move || text() == checked
                                            on:change=move |_| set_text(value.clone())
                                        />
                                        <span>{shown}</span>
                                    </label>
                                }
                            })
                            .collect_view()}
                    </div>
                    {error_line}
                </fieldset>
            }
            .into_any()
        }
        QuestionKind::MultipleChoice(choices) => view! {
            <fieldset
                class=choices_class
                class=(invalid_class, invalid)
                aria-labelledby=legend_id.clone()
                aria-invalid=aria_invalid
                aria-describedby=described_by
            >
                <legend id=legend_id.clone()>{label}</legend>
                <div class="choices">
                    {choices
                        .into_iter()
                        .map(|choice| {
                            let checked = choice.clone();
                            let toggled = choice.clone();
                            view! {
                                <label class="choice">
                                    <input
                                        type="checkbox"
                                        name=id.clone()
                                        value=choice.clone()
                                        prop:checked=move || {
                                            answers.with(|all| {
                                                all.get(index).is_some_and(|a| a.chosen.contains(&checked))
                                            })
                                        }
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            answers.update(|all| {
                                                if let Some(answer) = all.get_mut(index) {
                                                    answer.toggle(&toggled, on);
                                                }
                                            });
                                        }
                                    />
                                    <span>{choice}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
                {error_line}
            </fieldset>
        }
        .into_any(),
    }
}
