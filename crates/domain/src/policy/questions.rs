//! What a requester provides: a justification, answers to the policy's questions, and
//! possibly their own start and end dates (`entra-governance.md` §1.4). Approvers see all of it.

use std::collections::BTreeMap;
use std::fmt;

#[cfg(not(target_arch = "wasm32"))]
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use super::{Errors, Lines, same_text_key, text};
use crate::ValueError;

/// The most questions one policy may ask.
pub const MAX_QUESTIONS: usize = 20;
/// The longest question text, in characters.
pub const QUESTION_MAX_LEN: usize = 500;
/// How many choices a choice question offers: at least two, or it is not a choice.
pub const MIN_CHOICES: usize = 2;
pub const MAX_CHOICES: usize = 30;
/// The longest choice, in characters.
pub const CHOICE_MAX_LEN: usize = 200;
/// The longest answer pattern, in characters.
pub const PATTERN_MAX_LEN: usize = 500;
/// The longest hint or example of an answer pattern, in characters.
pub const PATTERN_GUIDE_MAX_LEN: usize = 200;
/// Compiled size above which a pattern is refused as too complex. Matching is linear in the
/// answer's length whatever the pattern (the `regex` crate never backtracks); this bounds memory.
#[cfg(not(target_arch = "wasm32"))]
const PATTERN_SIZE_LIMIT: usize = 256 * 1024;

/// What the requester provides, as an administrator writes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RequesterDefinition {
    /// Whether a requester must say why they need the access.
    #[serde(default)]
    pub justification_required: bool,
    /// Asked in this order; at most 20.
    #[serde(default)]
    pub questions: Vec<QuestionDefinition>,
    /// Whether a requester may choose when the access starts and ends (within the expiry).
    #[serde(default)]
    pub may_choose_dates: bool,
    /// Whether managers may request for their direct reports, answering for them.
    #[serde(default)]
    pub on_behalf_of_direct_reports: bool,
}

/// One question, as an administrator writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum QuestionDefinition {
    /// A one-line text answer.
    ShortText {
        /// How answers refer to the question: a lowercase letter, then lowercase letters,
        /// digits, `_` or `-`; at most 64 characters. Keep it when editing the question.
        id: String,
        text: String,
        #[serde(default)]
        required: bool,
        /// A regular expression the whole answer must match (Rust `regex` syntax). Requesters
        /// never see it: they see `hint` and `example`, or a general sentence without them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        regex: Option<String>,
        /// The form `regex` expects, in words, such as "Two to six capital letters, a hyphen and
        /// a number". Only with `regex`; one line, at most 200 characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hint: Option<String>,
        /// An answer of that form, such as `FIN-1234`. Only with `regex`, which it must match;
        /// one line, at most 200 characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        example: Option<String>,
    },
    /// A text answer of several lines.
    LongText {
        id: String,
        text: String,
        #[serde(default)]
        required: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        regex: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hint: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        example: Option<String>,
    },
    /// Exactly one of `choices`.
    SingleChoice {
        id: String,
        text: String,
        #[serde(default)]
        required: bool,
        /// 2 to 30 distinct choices, each at most 200 characters, shown in this order.
        choices: Vec<String>,
    },
    /// Any number of `choices` (at least one when required).
    MultipleChoice {
        id: String,
        text: String,
        #[serde(default)]
        required: bool,
        choices: Vec<String>,
    },
}

impl QuestionDefinition {
    fn common(&self) -> (&str, &str) {
        match self {
            QuestionDefinition::ShortText { id, text, .. }
            | QuestionDefinition::LongText { id, text, .. }
            | QuestionDefinition::SingleChoice { id, text, .. }
            | QuestionDefinition::MultipleChoice { id, text, .. } => (id, text),
        }
    }
}

/// How answers refer to a question. See [`QuestionDefinition`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(value_type = String))]
#[serde(try_from = "String", into = "String")]
pub struct QuestionId(String);

impl QuestionId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let value = raw.into();
        let len = value.chars().count();
        if !(1..=Self::MAX_LEN).contains(&len) {
            return Err(ValueError(format!(
                "must be between 1 and {} characters",
                Self::MAX_LEN
            )));
        }
        let well_formed = value.starts_with(|c: char| c.is_ascii_lowercase())
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'));
        if !well_formed {
            return Err(ValueError(
                "must start with a lowercase letter and hold only lowercase letters, digits, \
                 '_' and '-'"
                    .into(),
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for QuestionId {
    type Error = ValueError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<QuestionId> for String {
    fn from(id: QuestionId) -> String {
        id.0
    }
}

impl fmt::Display for QuestionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A regular expression a whole text answer must match, with how requesters are told about
/// it (a hint in words and an example). Compiled once, when the policy is validated.
///
/// Only where there is a pattern engine: natively, so on the server. The portal's WebAssembly
/// leaves the engine out (it would be a large part of the first download), keeps the pattern
/// as text and lets the server judge its syntax, its example and the answers; the server's
/// refusal names the field, and the portal shows it there as it shows its own.
#[derive(Clone, Debug)]
pub struct AnswerPattern {
    source: String,
    #[cfg(not(target_arch = "wasm32"))]
    whole: Regex,
    hint: Option<String>,
    example: Option<String>,
}

impl AnswerPattern {
    pub fn parse(source: &str) -> Result<Self, ValueError> {
        if source.is_empty() {
            return Err(ValueError(
                "must not be empty; leave it out to accept any text".into(),
            ));
        }
        if source.chars().count() > PATTERN_MAX_LEN {
            return Err(ValueError(format!(
                "must be at most {PATTERN_MAX_LEN} characters"
            )));
        }
        // Compiled on its own first: wrapped, `a)|(b` would compile and mean something else.
        #[cfg(not(target_arch = "wasm32"))]
        let whole = {
            compile(source)?;
            compile(&format!(r"\A(?:{source})\z"))?
        };
        Ok(Self {
            source: source.to_string(),
            #[cfg(not(target_arch = "wasm32"))]
            whole,
            hint: None,
            example: None,
        })
    }

    /// The pattern told to requesters with a hint and an example. The example must match.
    pub fn with_guide(
        self,
        hint: Option<String>,
        example: Option<String>,
    ) -> Result<Self, ValueError> {
        if let Some(example) = &example
            && self.matches(example) == Some(false)
        {
            return Err(ValueError("does not match the answer pattern".into()));
        }
        Ok(Self {
            hint,
            example,
            ..self
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    pub fn example(&self) -> Option<&str> {
        self.example.as_deref()
    }

    /// What an answer that does not match is told, without the pattern itself: the hint and
    /// the example when the policy has them, a general sentence otherwise.
    pub fn expectation(&self) -> String {
        match (self.hint(), self.example()) {
            (Some(hint), Some(example)) => format!(
                "does not have the form this question expects: {hint} (for example {example})"
            ),
            (Some(hint), None) => {
                format!("does not have the form this question expects: {hint}")
            }
            (None, Some(example)) => {
                format!("does not have the form this question expects, such as {example}")
            }
            (None, None) => "does not have the form this question expects; check the question \
                             and try again"
                .to_string(),
        }
    }

    /// Whether the whole of `answer` matches, not just a part of it; `None` where there is no
    /// engine to tell (in the portal), and the server decides.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn matches(&self, answer: &str) -> Option<bool> {
        Some(self.whole.is_match(answer))
    }

    /// Whether the whole of `answer` matches, not just a part of it; `None` where there is no
    /// engine to tell (in the portal), and the server decides.
    #[cfg(target_arch = "wasm32")]
    pub fn matches(&self, _answer: &str) -> Option<bool> {
        None
    }
}

impl PartialEq for AnswerPattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source && self.hint == other.hint && self.example == other.example
    }
}

impl Eq for AnswerPattern {}

#[cfg(not(target_arch = "wasm32"))]
fn compile(pattern: &str) -> Result<Regex, ValueError> {
    RegexBuilder::new(pattern)
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|error| ValueError(describe_regex_error(&error)))
}

#[cfg(not(target_arch = "wasm32"))]
fn describe_regex_error(error: &regex::Error) -> String {
    match error {
        regex::Error::Syntax(report) => {
            // The report draws the pattern with a caret under the fault; keep its last line.
            let reason = report
                .lines()
                .rev()
                .find_map(|line| line.trim().strip_prefix("error: "))
                .unwrap_or("syntax error");
            format!("is not a valid regular expression: {reason}")
        }
        regex::Error::CompiledTooBig(_) => "is too complex; simplify the pattern".into(),
        // `regex::Error` is non-exhaustive.
        _ => "is not a valid regular expression".into(),
    }
}

/// A validated question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    id: QuestionId,
    text: String,
    required: bool,
    format: AnswerFormat,
}

/// What kind of answer a question takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnswerFormat {
    ShortText { pattern: Option<AnswerPattern> },
    LongText { pattern: Option<AnswerPattern> },
    SingleChoice { choices: Vec<String> },
    MultipleChoice { choices: Vec<String> },
}

impl Question {
    pub fn id(&self) -> &QuestionId {
        &self.id
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn required(&self) -> bool {
        self.required
    }

    pub fn format(&self) -> &AnswerFormat {
        &self.format
    }

    fn to_definition(&self) -> QuestionDefinition {
        let id = self.id.as_str().to_string();
        let text = self.text.clone();
        let required = self.required;
        let regex = |pattern: &Option<AnswerPattern>| {
            pattern.as_ref().map(|pattern| pattern.as_str().to_string())
        };
        let hint = |pattern: &Option<AnswerPattern>| pattern.as_ref()?.hint.clone();
        let example = |pattern: &Option<AnswerPattern>| pattern.as_ref()?.example.clone();
        match &self.format {
            AnswerFormat::ShortText { pattern } => QuestionDefinition::ShortText {
                id,
                text,
                required,
                regex: regex(pattern),
                hint: hint(pattern),
                example: example(pattern),
            },
            AnswerFormat::LongText { pattern } => QuestionDefinition::LongText {
                id,
                text,
                required,
                regex: regex(pattern),
                hint: hint(pattern),
                example: example(pattern),
            },
            AnswerFormat::SingleChoice { choices } => QuestionDefinition::SingleChoice {
                id,
                text,
                required,
                choices: choices.clone(),
            },
            AnswerFormat::MultipleChoice { choices } => QuestionDefinition::MultipleChoice {
                id,
                text,
                required,
                choices: choices.clone(),
            },
        }
    }
}

/// A validated requester section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequesterSettings {
    justification_required: bool,
    questions: Vec<Question>,
    may_choose_dates: bool,
    on_behalf_of_direct_reports: bool,
}

impl RequesterSettings {
    pub fn justification_required(&self) -> bool {
        self.justification_required
    }

    /// In the order they are asked.
    pub fn questions(&self) -> &[Question] {
        &self.questions
    }

    pub fn may_choose_dates(&self) -> bool {
        self.may_choose_dates
    }

    pub fn on_behalf_of_direct_reports(&self) -> bool {
        self.on_behalf_of_direct_reports
    }

    pub(crate) fn to_definition(&self) -> RequesterDefinition {
        RequesterDefinition {
            justification_required: self.justification_required,
            questions: self.questions.iter().map(Question::to_definition).collect(),
            may_choose_dates: self.may_choose_dates,
            on_behalf_of_direct_reports: self.on_behalf_of_direct_reports,
        }
    }
}

pub(crate) fn validate(
    errors: &mut Errors,
    requester: &RequesterDefinition,
) -> Option<RequesterSettings> {
    let before = errors.len();
    if requester.questions.len() > MAX_QUESTIONS {
        errors.add(
            "requester.questions",
            format!(
                "may hold at most {MAX_QUESTIONS} questions ({} given)",
                requester.questions.len()
            ),
        );
    }
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut texts: BTreeMap<String, usize> = BTreeMap::new();
    let mut questions = Vec::with_capacity(requester.questions.len());
    for (index, question) in requester.questions.iter().enumerate() {
        let at = format!("requester.questions[{index}]");
        let (id, text) = question.common();
        match ids.get(id) {
            Some(first) => errors.add(
                format!("{at}.id"),
                format!("question {} already uses this id", first + 1),
            ),
            None => {
                ids.insert(id.to_string(), index);
            }
        }
        let key = same_text_key(text);
        match texts.get(&key) {
            // A blank text is reported once, as blank.
            _ if key.is_empty() => {}
            Some(first) => errors.add(
                format!("{at}.text"),
                format!("question {} already asks this", first + 1),
            ),
            None => {
                texts.insert(key, index);
            }
        }
        questions.push(validate_question(errors, &at, question));
    }
    if errors.len() != before {
        return None;
    }
    Some(RequesterSettings {
        justification_required: requester.justification_required,
        questions: questions.into_iter().collect::<Option<Vec<_>>>()?,
        may_choose_dates: requester.may_choose_dates,
        on_behalf_of_direct_reports: requester.on_behalf_of_direct_reports,
    })
}

fn validate_question(
    errors: &mut Errors,
    at: &str,
    question: &QuestionDefinition,
) -> Option<Question> {
    let before = errors.len();
    let (raw_id, raw_text) = question.common();
    let id = match QuestionId::parse(raw_id) {
        Ok(id) => Some(id),
        Err(error) => {
            errors.add(format!("{at}.id"), error.0);
            None
        }
    };
    let text = text(
        errors,
        &format!("{at}.text"),
        raw_text,
        1,
        QUESTION_MAX_LEN,
        Lines::Many,
    );
    let (format, required) = match question {
        QuestionDefinition::ShortText {
            regex,
            hint,
            example,
            required,
            ..
        } => (
            pattern(
                errors,
                at,
                regex.as_deref(),
                hint.as_deref(),
                example.as_deref(),
            )
            .map(|pattern| AnswerFormat::ShortText { pattern }),
            *required,
        ),
        QuestionDefinition::LongText {
            regex,
            hint,
            example,
            required,
            ..
        } => (
            pattern(
                errors,
                at,
                regex.as_deref(),
                hint.as_deref(),
                example.as_deref(),
            )
            .map(|pattern| AnswerFormat::LongText { pattern }),
            *required,
        ),
        QuestionDefinition::SingleChoice {
            choices, required, ..
        } => (
            validate_choices(errors, at, choices)
                .map(|choices| AnswerFormat::SingleChoice { choices }),
            *required,
        ),
        QuestionDefinition::MultipleChoice {
            choices, required, ..
        } => (
            validate_choices(errors, at, choices)
                .map(|choices| AnswerFormat::MultipleChoice { choices }),
            *required,
        ),
    };
    if errors.len() != before {
        return None;
    }
    Some(Question {
        id: id?,
        text: text?,
        required,
        format: format?,
    })
}

/// `Some(None)` when there is no pattern, `None` when the pattern, its hint or its example was
/// refused.
fn pattern(
    errors: &mut Errors,
    at: &str,
    source: Option<&str>,
    hint: Option<&str>,
    example: Option<&str>,
) -> Option<Option<AnswerPattern>> {
    let before = errors.len();
    let guide = |errors: &mut Errors, name: &str, raw: Option<&str>| {
        let field = format!("{at}.{name}");
        let raw = raw?;
        if source.is_none() {
            errors.add(field, "is only for an answer pattern: give a regex too");
            return None;
        }
        text(errors, &field, raw, 1, PATTERN_GUIDE_MAX_LEN, Lines::One)
    };
    let hint = guide(errors, "hint", hint);
    let example = guide(errors, "example", example);
    let Some(source) = source else {
        return (errors.len() == before).then_some(None);
    };
    let pattern = match AnswerPattern::parse(source) {
        Ok(pattern) => pattern,
        Err(error) => {
            errors.add(format!("{at}.regex"), error.0);
            return None;
        }
    };
    if errors.len() != before {
        return None;
    }
    match pattern.with_guide(hint, example) {
        Ok(pattern) => Some(Some(pattern)),
        Err(error) => {
            errors.add(format!("{at}.example"), error.0);
            None
        }
    }
}

fn validate_choices(errors: &mut Errors, at: &str, choices: &[String]) -> Option<Vec<String>> {
    let before = errors.len();
    let list = format!("{at}.choices");
    if !(MIN_CHOICES..=MAX_CHOICES).contains(&choices.len()) {
        errors.add(
            &list,
            format!(
                "must offer between {MIN_CHOICES} and {MAX_CHOICES} choices ({} given)",
                choices.len()
            ),
        );
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut valid = Vec::with_capacity(choices.len());
    for (index, choice) in choices.iter().enumerate() {
        let field = format!("{list}[{index}]");
        if let Some(choice) = text(errors, &field, choice, 1, CHOICE_MAX_LEN, Lines::One) {
            let key = same_text_key(&choice);
            match seen.get(&key) {
                Some(first) => errors.add(
                    field,
                    format!("is the same as choice {}; choices must differ", first + 1),
                ),
                None => {
                    seen.insert(key, index);
                }
            }
            valid.push(choice);
        }
    }
    (errors.len() == before).then_some(valid)
}
