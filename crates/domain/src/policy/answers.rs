//! A requester's answers to a policy's questions.

use serde::{Deserialize, Serialize};

use super::questions::{AnswerFormat, AnswerPattern, Question, QuestionId};
use super::{Errors, ValidPolicy, same_text_key};
use crate::problem::FieldError;

/// The longest answer to a short-text question, in characters.
pub const SHORT_ANSWER_MAX_LEN: usize = 500;
/// The longest answer to a long-text question, in characters.
pub const LONG_ANSWER_MAX_LEN: usize = 4000;

/// One answer as a requester sends it, in the `answers` list of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub question_id: String,
    pub value: AnswerValueInput,
}

/// Text, or the chosen choice, as a string; the chosen choices of a multiple-choice question as
/// a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum AnswerValueInput {
    One(String),
    Many(Vec<String>),
}

/// An accepted answer, with the question as it was asked: approvers read the answer next to
/// the words the requester saw, even if the policy changes later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Answer {
    question_id: QuestionId,
    question: String,
    answer: AnswerValue,
}

impl Answer {
    pub fn question_id(&self) -> &QuestionId {
        &self.question_id
    }

    /// The question's text when it was answered.
    pub fn question(&self) -> &str {
        &self.question
    }

    pub fn value(&self) -> &AnswerValue {
        &self.answer
    }
}

/// The value of an accepted answer. Choices are spelled as in the policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    Text(String),
    Choice(String),
    /// In the order the policy lists them; never empty.
    Choices(Vec<String>),
}

/// Checks answers against a policy's questions and returns them in the order the questions are
/// asked. Unanswered optional questions (absent, blank, or an empty list) are left out. Every
/// problem is reported at once, under `answers[i]...`; a required question left out of the
/// list entirely under `answers`, naming the question.
pub fn validate_answers(
    policy: &ValidPolicy,
    answers: &[AnswerInput],
) -> Result<Vec<Answer>, Vec<FieldError>> {
    let questions = policy.questions();
    let mut errors = Errors::default();
    let mut given: Vec<Option<AnswerValue>> = vec![None; questions.len()];
    let mut answered = vec![false; questions.len()];
    for (index, input) in answers.iter().enumerate() {
        let at = format!("answers[{index}]");
        let Some(position) = questions
            .iter()
            .position(|question| question.id().as_str() == input.question_id)
        else {
            errors.add(
                format!("{at}.question_id"),
                "this policy asks no question with this id",
            );
            continue;
        };
        if answered[position] {
            errors.add(
                format!("{at}.question_id"),
                "this question is already answered",
            );
            continue;
        }
        answered[position] = true;
        let question = &questions[position];
        let before = errors.len();
        given[position] = check_value(&mut errors, &at, question, &input.value);
        if question.required() && given[position].is_none() && errors.len() == before {
            errors.add(format!("{at}.value"), "this question needs an answer");
        }
    }
    for (question, answered) in questions.iter().zip(&answered) {
        if question.required() && !answered {
            errors.add(
                "answers",
                format!("\u{201c}{}\u{201d} needs an answer", question.text()),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors.into_vec());
    }
    Ok(questions
        .iter()
        .zip(given)
        .filter_map(|(question, value)| {
            value.map(|answer| Answer {
                question_id: question.id().clone(),
                question: question.text().to_string(),
                answer,
            })
        })
        .collect())
}

/// The answer, `None` when left blank or refused (refusals are recorded in `errors`).
fn check_value(
    errors: &mut Errors,
    at: &str,
    question: &Question,
    value: &AnswerValueInput,
) -> Option<AnswerValue> {
    let field = format!("{at}.value");
    match (question.format(), value) {
        (AnswerFormat::ShortText { pattern }, AnswerValueInput::One(text)) => check_text(
            errors,
            &field,
            text,
            pattern.as_ref(),
            SHORT_ANSWER_MAX_LEN,
            false,
        ),
        (AnswerFormat::LongText { pattern }, AnswerValueInput::One(text)) => check_text(
            errors,
            &field,
            text,
            pattern.as_ref(),
            LONG_ANSWER_MAX_LEN,
            true,
        ),
        (
            AnswerFormat::ShortText { .. } | AnswerFormat::LongText { .. },
            AnswerValueInput::Many(_),
        ) => {
            errors.add(field, "must be text, not a list");
            None
        }
        (AnswerFormat::SingleChoice { choices }, AnswerValueInput::One(choice)) => {
            if choice.trim().is_empty() {
                return None;
            }
            match find_choice(choices, choice) {
                Some(choice) => Some(AnswerValue::Choice(choice.to_string())),
                None => {
                    errors.add(field, "is not one of the choices");
                    None
                }
            }
        }
        (AnswerFormat::SingleChoice { .. }, AnswerValueInput::Many(_)) => {
            errors.add(field, "choose one answer, not a list");
            None
        }
        (AnswerFormat::MultipleChoice { choices }, AnswerValueInput::Many(chosen)) => {
            let before = errors.len();
            let mut picked = vec![false; choices.len()];
            for (index, choice) in chosen.iter().enumerate() {
                let at = format!("{field}[{index}]");
                match choices
                    .iter()
                    .position(|offered| same_text_key(offered) == same_text_key(choice))
                {
                    None => errors.add(at, "is not one of the choices"),
                    Some(position) if picked[position] => errors.add(at, "is already chosen"),
                    Some(position) => picked[position] = true,
                }
            }
            let chosen: Vec<String> = choices
                .iter()
                .zip(&picked)
                .filter(|(_, picked)| **picked)
                .map(|(choice, _)| choice.clone())
                .collect();
            (errors.len() == before && !chosen.is_empty()).then_some(AnswerValue::Choices(chosen))
        }
        (AnswerFormat::MultipleChoice { .. }, AnswerValueInput::One(_)) => {
            errors.add(field, "must be a list of choices");
            None
        }
    }
}

fn find_choice<'a>(choices: &'a [String], answer: &str) -> Option<&'a str> {
    let key = same_text_key(answer);
    choices
        .iter()
        .find(|choice| same_text_key(choice) == key)
        .map(String::as_str)
}

fn check_text(
    errors: &mut Errors,
    field: &str,
    raw: &str,
    pattern: Option<&AnswerPattern>,
    max: usize,
    multiline: bool,
) -> Option<AnswerValue> {
    let text = raw.trim();
    if text.is_empty() {
        return None;
    }
    let before = errors.len();
    if text.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters"));
    }
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        errors.add(
            field,
            if multiline {
                "must not contain control characters"
            } else {
                "must be one line without control characters"
            },
        );
    }
    // The pattern is checked last, on an answer otherwise fine, to report one thing to fix.
    if let Some(pattern) = pattern
        && errors.len() == before
        && pattern.matches(text) == Some(false)
    {
        errors.add(field, pattern.expectation());
    }
    (errors.len() == before).then(|| AnswerValue::Text(text.to_string()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::policy::tests::{base, patch, valid};

    fn answers(value: Value) -> Vec<AnswerInput> {
        match serde_json::from_value(value) {
            Ok(answers) => answers,
            Err(error) => panic!("test answers do not deserialize: {error}"),
        }
    }

    fn good() -> Value {
        json!([
            { "question_id": "cost_center", "value": "1234" },
            { "question_id": "site", "value": "Oslo" },
            { "question_id": "tools", "value": ["wiki", "git"] },
        ])
    }

    fn refused(edits: &[(&str, Option<Value>)]) -> Vec<String> {
        let policy = valid(base());
        let value = patch(json!({ "answers": good() }), edits);
        match validate_answers(&policy, &answers(value["answers"].clone())) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|error| error.field).collect(),
        }
    }

    fn set(pointer: &'static str, value: Value) -> (&'static str, Option<Value>) {
        (pointer, Some(value))
    }

    #[test]
    fn a_refused_answer_is_told_the_hint_and_example_never_the_pattern() {
        let guided = patch(
            base(),
            &[
                set("/requester/questions/0/hint", json!("Four digits")),
                set("/requester/questions/0/example", json!("0420")),
            ],
        );
        let cases = [
            (
                base(),
                "does not have the form this question expects; check the question and try again",
            ),
            (
                guided,
                "does not have the form this question expects: Four digits (for example 0420)",
            ),
        ];
        for (definition, expected) in cases {
            let policy = valid(definition);
            let given = patch(
                json!({ "answers": good() }),
                &[set("/answers/0/value", json!("12a4"))],
            );
            let messages: Vec<String> =
                match validate_answers(&policy, &answers(given["answers"].clone())) {
                    Ok(_) => Vec::new(),
                    Err(errors) => errors.into_iter().map(|error| error.message).collect(),
                };
            assert_eq!(messages, vec![expected.to_string()]);
            assert!(!messages.iter().any(|message| message.contains("[0-9]")));
        }
    }

    #[test]
    fn answers_come_back_in_question_order_with_choices_spelled_as_in_the_policy() {
        let policy = valid(base());
        let given = answers(json!([
            { "question_id": "tools", "value": ["WIKI", " git "] },
            { "question_id": "notes", "value": "  line one\nline two  " },
            { "question_id": "site", "value": "oslo" },
            { "question_id": "cost_center", "value": " 1234 " },
        ]));
        let accepted = validate_answers(&policy, &given).map_err(|errors| format!("{errors:?}"));
        let expected: Vec<(String, AnswerValue)> = vec![
            ("cost_center".into(), AnswerValue::Text("1234".into())),
            ("site".into(), AnswerValue::Choice("Oslo".into())),
            (
                "tools".into(),
                AnswerValue::Choices(vec!["git".into(), "wiki".into()]),
            ),
            (
                "notes".into(),
                AnswerValue::Text("line one\nline two".into()),
            ),
        ];
        assert_eq!(
            accepted.map(|answers| answers
                .into_iter()
                .map(|answer| (answer.question_id().to_string(), answer.value().clone()))
                .collect::<Vec<_>>()),
            Ok(expected)
        );
    }

    #[test]
    fn an_answer_keeps_the_words_of_its_question() {
        let policy = valid(base());
        let accepted = validate_answers(&policy, &answers(good())).unwrap_or_default();
        assert_eq!(accepted.first().map(Answer::question), Some("Cost centre?"));
        let json = serde_json::to_value(&accepted[0]).unwrap_or_default();
        assert_eq!(
            json,
            json!({ "question_id": "cost_center", "question": "Cost centre?",
                    "answer": { "type": "text", "value": "1234" } })
        );
    }

    #[test]
    fn every_refused_answer_names_its_path() {
        type Case = (
            &'static str,
            Vec<(&'static str, Option<Value>)>,
            Vec<&'static str>,
        );
        let cases: Vec<Case> = vec![
            ("all good", vec![], vec![]),
            (
                "optional questions left out",
                vec![("/answers/2", None)],
                vec![],
            ),
            (
                "a blank optional answer",
                vec![set(
                    "/answers/-",
                    json!({ "question_id": "notes", "value": "  " }),
                )],
                vec![],
            ),
            (
                "an empty optional list",
                vec![set("/answers/2/value", json!([]))],
                vec![],
            ),
            (
                "a required question left out",
                vec![("/answers/1", None)],
                vec!["answers"],
            ),
            (
                "a blank required answer",
                vec![set("/answers/0/value", json!("  "))],
                vec!["answers[0].value"],
            ),
            (
                "text not matching the pattern",
                vec![set("/answers/0/value", json!("12a4"))],
                vec!["answers[0].value"],
            ),
            (
                "text matching only part of the pattern",
                vec![set("/answers/0/value", json!("12345"))],
                vec!["answers[0].value"],
            ),
            (
                "a short answer on two lines",
                vec![
                    set(
                        "/answers/-",
                        json!({ "question_id": "notes", "value": "ok" }),
                    ),
                    set("/answers/0/value", json!("12\n34")),
                ],
                vec!["answers[0].value"],
            ),
            (
                "a long answer of 4001 characters",
                vec![set(
                    "/answers/-",
                    json!({ "question_id": "notes", "value": "x".repeat(4001) }),
                )],
                vec!["answers[3].value"],
            ),
            (
                "an unknown question",
                vec![set(
                    "/answers/-",
                    json!({ "question_id": "shoe_size", "value": "44" }),
                )],
                vec!["answers[3].question_id"],
            ),
            (
                "a question answered twice",
                vec![set(
                    "/answers/-",
                    json!({ "question_id": "site", "value": "Paris" }),
                )],
                vec!["answers[3].question_id"],
            ),
            (
                "a choice that is not offered",
                vec![set("/answers/1/value", json!("Rome"))],
                vec!["answers[1].value"],
            ),
            (
                "a list for a single choice",
                vec![set("/answers/1/value", json!(["Oslo"]))],
                vec!["answers[1].value"],
            ),
            (
                "a string for a multiple choice",
                vec![set("/answers/2/value", json!("git"))],
                vec!["answers[2].value"],
            ),
            (
                "a list for text",
                vec![set("/answers/0/value", json!(["1234"]))],
                vec!["answers[0].value"],
            ),
            (
                "a multiple choice with an unknown and a repeated choice",
                vec![set("/answers/2/value", json!(["git", "svn", "Git"]))],
                vec!["answers[2].value[1]", "answers[2].value[2]"],
            ),
            (
                "several problems at once",
                vec![("/answers/1", None), set("/answers/0/value", json!("abcd"))],
                vec!["answers[0].value", "answers"],
            ),
        ];
        for (name, edits, expected) in cases {
            assert_eq!(refused(&edits), expected, "{name}");
        }
    }

    #[test]
    fn a_missing_answer_names_the_question_in_words() {
        let policy = valid(base());
        let errors = validate_answers(&policy, &[]).err().unwrap_or_default();
        let messages: Vec<&str> = errors.iter().map(|error| error.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "\u{201c}Cost centre?\u{201d} needs an answer",
                "\u{201c}Which site?\u{201d} needs an answer"
            ]
        );
    }

    #[test]
    fn answer_values_are_a_string_or_a_list() {
        let parsed: Result<AnswerInput, _> =
            serde_json::from_value(json!({ "question_id": "x", "value": 3 }));
        assert!(parsed.is_err());
        let extra: Result<AnswerInput, _> =
            serde_json::from_value(json!({ "question_id": "x", "value": "a", "note": 1 }));
        assert!(extra.is_err());
    }

    fn any_value() -> impl Strategy<Value = AnswerValueInput> {
        let word = prop_oneof![
            Just("1234".to_string()),
            Just("12a4".to_string()),
            Just("Oslo".to_string()),
            Just("paris".to_string()),
            Just("Rome".to_string()),
            Just("git".to_string()),
            Just("wiki".to_string()),
            Just(" ".to_string()),
            "[a-z0-9 ]{0,6}",
        ];
        prop_oneof![
            word.clone().prop_map(AnswerValueInput::One),
            proptest::collection::vec(word, 0..4).prop_map(AnswerValueInput::Many),
        ]
    }

    fn any_answers() -> impl Strategy<Value = Vec<AnswerInput>> {
        let id = prop_oneof![
            Just("cost_center".to_string()),
            Just("site".to_string()),
            Just("tools".to_string()),
            Just("notes".to_string()),
            Just("other".to_string()),
        ];
        proptest::collection::vec(
            (id, any_value()).prop_map(|(question_id, value)| AnswerInput { question_id, value }),
            0..6,
        )
    }

    proptest! {
        #[test]
        fn accepted_answers_always_satisfy_the_questions(given in any_answers()) {
            let policy = valid(base());
            if let Ok(accepted) = validate_answers(&policy, &given) {
                for question in policy.questions() {
                    let answer = accepted.iter().find(|answer| answer.question_id() == question.id());
                    if question.required() {
                        prop_assert!(answer.is_some(), "{} unanswered", question.id());
                    }
                    let Some(answer) = answer else { continue };
                    match (question.format(), answer.value()) {
                        (AnswerFormat::ShortText { pattern } | AnswerFormat::LongText { pattern }, AnswerValue::Text(text)) => {
                            prop_assert!(!text.trim().is_empty());
                            if let Some(pattern) = pattern {
                                prop_assert_eq!(pattern.matches(text), Some(true));
                            }
                        }
                        (AnswerFormat::SingleChoice { choices }, AnswerValue::Choice(choice)) => {
                            prop_assert!(choices.contains(choice));
                        }
                        (AnswerFormat::MultipleChoice { choices }, AnswerValue::Choices(chosen)) => {
                            prop_assert!(!chosen.is_empty());
                            prop_assert!(chosen.iter().all(|choice| choices.contains(choice)));
                            let mut distinct = chosen.clone();
                            distinct.dedup();
                            prop_assert_eq!(&distinct, chosen);
                        }
                        (format, value) => prop_assert!(false, "{format:?} answered with {value:?}"),
                    }
                }
                prop_assert!(accepted.len() <= policy.questions().len());
            }
        }
    }
}
