//! A request's waits for launch-and-wait custom extensions: copied from the policy when the
//! request is made (as its stages are), started when the request reaches the extension's stage,
//! answered once by the extension or by its timeout.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::policy::{CustomExtension, ExtensionOutcome, ExtensionStage};

/// The longest message an extension sends with its answer, in characters.
pub const MESSAGE_MAX_LEN: usize = 1000;

/// A launch-and-wait extension of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Wait {
    /// The extension's name in the policy.
    pub extension: String,
    /// `request_created` (before approval) or `request_approved` (before delivery).
    pub stage: ExtensionStage,
    pub timeout_seconds: u32,
    pub timeout_outcome: ExtensionOutcome,
    /// When the request began waiting; absent until it reaches the stage.
    pub started_at: Option<DateTime<Utc>>,
    /// The answer, once there is one.
    pub answer: Option<WaitAnswer>,
}

/// How a wait ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WaitAnswer {
    pub outcome: ExtensionOutcome,
    /// What the extension said; absent when it timed out.
    pub message: Option<String>,
    /// Whether nobody answered in time and `timeout_outcome` applied.
    pub timed_out: bool,
    pub at: DateTime<Utc>,
}

impl Wait {
    /// The wait for `extension`, if it is a launch-and-wait one.
    pub(crate) fn planned(extension: &CustomExtension) -> Option<Wait> {
        let rule = extension.wait()?;
        Some(Wait {
            extension: extension.name().to_string(),
            stage: extension.stage(),
            timeout_seconds: rule.timeout_seconds,
            timeout_outcome: rule.timeout_outcome,
            started_at: None,
            answer: None,
        })
    }

    /// When the wait, if started and still unanswered then, applies its timeout outcome.
    pub fn until(&self) -> Option<DateTime<Utc>> {
        self.started_at.map(|started| {
            started
                .checked_add_signed(TimeDelta::seconds(i64::from(self.timeout_seconds)))
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        })
    }

    /// Whether the request is waiting for this extension now.
    pub fn is_open(&self) -> bool {
        self.started_at.is_some() && self.answer.is_none()
    }
}

/// An extension's message: trimmed, at most [`MESSAGE_MAX_LEN`] characters, no control
/// characters but line breaks and tabs; `None` when empty.
pub fn clean_message(raw: Option<&str>) -> Result<Option<String>, &'static str> {
    let Some(text) = raw.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MESSAGE_MAX_LEN {
        return Err("must be at most 1000 characters");
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("must not contain control characters");
    }
    Ok(Some(text.to_string()))
}
