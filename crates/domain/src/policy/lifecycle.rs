//! How long access granted through a policy lasts, and what its holder may do with it
//! (`entra-governance.md` §1.6).

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::Errors;

/// The longest expiry in days: ten years and a few leap days, the reference product's bound.
pub const MAX_EXPIRY_DAYS: u16 = 3660;
/// The longest expiry in hours: one leap year.
pub const MAX_EXPIRY_HOURS: u16 = 8784;

/// When assignments end, as an administrator writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExpiryDefinition {
    /// Assignments last until removed.
    // `{}` so that serde refuses `{"type":"never","days":30}` instead of ignoring the days.
    Never {},
    /// Every assignment ends at this instant, which must be in the future when the policy is
    /// saved.
    OnDate { at: DateTime<Utc> },
    /// Assignments end this many days (0 to 3660) after they start; 0 ends them the day they
    /// start, as in the reference product.
    AfterDays {
        #[cfg_attr(feature = "server", schema(minimum = 0, maximum = 3660))]
        days: u32,
    },
    /// Assignments end this many hours (1 to 8784) after they start.
    AfterHours {
        #[cfg_attr(feature = "server", schema(minimum = 1, maximum = 8784))]
        hours: u32,
    },
}

/// Whether assignees may ask for more time before their access expires. Needs an expiry, and
/// someone who may request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExtensionRule {
    // `{}`: serde ignores unknown fields on unit variants of an internally tagged enum.
    NotAllowed {},
    /// With `approval_required`, an extension goes through the policy's approval stages.
    Allowed {
        #[serde(default)]
        approval_required: bool,
    },
}

impl Default for ExtensionRule {
    fn default() -> Self {
        ExtensionRule::NotAllowed {}
    }
}

/// The lifecycle section of a policy, as an administrator writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LifecycleDefinition {
    pub expiry: ExpiryDefinition,
    #[serde(default)]
    pub extension: ExtensionRule,
    /// Whether assignees may remove their own access.
    #[serde(default)]
    pub self_removal_allowed: bool,
}

/// A validated expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    Never,
    OnDate(DateTime<Utc>),
    AfterDays(u16),
    AfterHours(u16),
}

impl Expiry {
    /// When an assignment starting at `start` ends under this policy; `None` when it doesn't.
    /// Requester-chosen end dates must not be later. A day is 24 hours. An `OnDate` earlier
    /// than `start` is returned as is: such an assignment can't be granted.
    pub fn end_for(self, start: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let after = |delta: TimeDelta| {
            start
                .checked_add_signed(delta)
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        };
        match self {
            Expiry::Never => None,
            Expiry::OnDate(at) => Some(at),
            Expiry::AfterDays(days) => Some(after(TimeDelta::hours(24 * i64::from(days)))),
            Expiry::AfterHours(hours) => Some(after(TimeDelta::hours(i64::from(hours)))),
        }
    }

    fn to_definition(self) -> ExpiryDefinition {
        match self {
            Expiry::Never => ExpiryDefinition::Never {},
            Expiry::OnDate(at) => ExpiryDefinition::OnDate { at },
            Expiry::AfterDays(days) => ExpiryDefinition::AfterDays {
                days: u32::from(days),
            },
            Expiry::AfterHours(hours) => ExpiryDefinition::AfterHours {
                hours: u32::from(hours),
            },
        }
    }
}

/// A validated lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifecycle {
    expiry: Expiry,
    extension: ExtensionRule,
    self_removal_allowed: bool,
}

impl Lifecycle {
    pub fn expiry(&self) -> Expiry {
        self.expiry
    }

    pub fn extension(&self) -> ExtensionRule {
        self.extension
    }

    pub fn self_removal_allowed(&self) -> bool {
        self.self_removal_allowed
    }

    pub(crate) fn to_definition(self) -> LifecycleDefinition {
        LifecycleDefinition {
            expiry: self.expiry.to_definition(),
            extension: self.extension,
            self_removal_allowed: self.self_removal_allowed,
        }
    }
}

pub(crate) fn validate(errors: &mut Errors, lifecycle: &LifecycleDefinition) -> Option<Lifecycle> {
    let expiry = match lifecycle.expiry {
        ExpiryDefinition::Never {} => Some(Expiry::Never),
        // Whether the date is still ahead depends on the clock: see `validate_at`.
        ExpiryDefinition::OnDate { at } => Some(Expiry::OnDate(at)),
        ExpiryDefinition::AfterDays { days } => {
            let valid = u16::try_from(days)
                .ok()
                .filter(|days| *days <= MAX_EXPIRY_DAYS);
            if valid.is_none() {
                errors.add(
                    "lifecycle.expiry.days",
                    format!("must be between 0 and {MAX_EXPIRY_DAYS} days"),
                );
            }
            valid.map(Expiry::AfterDays)
        }
        ExpiryDefinition::AfterHours { hours } => {
            let valid = u16::try_from(hours)
                .ok()
                .filter(|hours| (1..=MAX_EXPIRY_HOURS).contains(hours));
            if valid.is_none() {
                errors.add(
                    "lifecycle.expiry.hours",
                    format!("must be between 1 and {MAX_EXPIRY_HOURS} hours; use days for longer"),
                );
            }
            valid.map(Expiry::AfterHours)
        }
    };
    Some(Lifecycle {
        expiry: expiry?,
        extension: lifecycle.extension,
        self_removal_allowed: lifecycle.self_removal_allowed,
    })
}
