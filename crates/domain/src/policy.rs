//! Assignment policies: who may request an access package, who approves and how fast, what a
//! requester answers, and how long the access lasts.
//!
//! An access package has several policies (an internal one, an administrators-only one, ...).
//! Each is written by an administrator as a [`PolicyDefinition`], the body of `POST` and `PUT`,
//! and checked by [`validate`], which reports every problem at once, each under the JSON path of
//! the input at fault (`approval.stages[1].escalation.after_days`), so a form can show all of
//! them next to their inputs. What comes out is a [`ValidPolicy`]: only `validate` builds one, so
//! code holding one never rechecks it.
//!
//! Serde already refuses what is malformed (unknown fields, unknown `type` tags, ids that are not
//! UUIDs, a manager level other than 1 or 2); `validate` checks lengths, ranges, duplicates and
//! the rules that tie several fields together.
//!
//! The pieces:
//! - who may request ([`WhoCanRequest`] → [`Audience`]);
//! - approval: none, or one to three sequential stages ([`approval`]), each with primary and
//!   fallback approvers ([`ApproverSpec`]), a timeout and an optional escalation, plus the
//!   timing helpers [`ApprovalStage::deadline_at`] and [`ApprovalStage::escalation_at`];
//! - what the requester provides ([`questions`]): a justification, answers to ordered questions
//!   ([`validate_answers`]), start and end dates;
//! - the lifecycle ([`lifecycle`]): expiry, extension, self-removal;
//! - approver resolution against the directory ([`resolve`]), pure code over a
//!   [`DirectoryView`] the caller implements.
//!
//! The semantics and limits follow Microsoft Entra entitlement management, which most of our
//! users know, as recorded in the team's reference notes (`entra-governance.md` §1.0 and
//! §1.4–1.6): at most 500 users and groups named per policy; 1 to 3 sequential approval stages
//! decided by any one approver; fallback approvers when the manager or sponsors may resolve to
//! nobody; escalation only for timeouts of 4 days or more, after half the timeout plus a day and
//! never on the last day; no self-approval; expiry after 0 to 3660 days; extensions that reuse
//! the approval stages. Where the reference falls short we say so next to the rule: it silently
//! ignores "allow extension" on administrator-only policies (we refuse the combination), and it
//! allows the manager in one stage only (we also allow the second-level manager in another).
//!
//! Rules that need the world outside this crate are left to the caller, with help:
//! [`ValidPolicy::references`] lists every user and group the policy names, with the path to
//! report if one does not exist or is not in the package, and [`validate_at`] adds the rules that
//! depend on the current time.

pub mod answers;
pub mod approval;
pub mod audience;
pub mod extensions;
pub mod lifecycle;
pub mod questions;
pub mod resolve;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::problem::FieldError;
use crate::{GroupId, UserId};

pub use answers::{Answer, AnswerInput, AnswerValue, AnswerValueInput, validate_answers};
pub use approval::{
    ApprovalDefinition, ApprovalStage, ApproverSpec, Escalation, EscalationDefinition,
    ManagerLevel, StageDefinition,
};
pub use audience::{Audience, WhoCanRequest};
pub use extensions::{
    CustomExtension, CustomExtensionDefinition, ExtensionMode, ExtensionOutcome, ExtensionSecret,
    ExtensionStage, WaitRule,
};
pub use lifecycle::{Expiry, ExpiryDefinition, ExtensionRule, Lifecycle, LifecycleDefinition};
pub use questions::{
    AnswerFormat, AnswerPattern, Question, QuestionDefinition, QuestionId, RequesterDefinition,
    RequesterSettings,
};
pub use resolve::{
    DirectoryView, ResolvedApprovers, Without, asked_only_as_manager, resolve_escalation,
    resolve_fallback, resolve_stage,
};

/// The longest policy name, in characters.
pub const NAME_MAX_LEN: usize = 100;
/// The longest policy description, in characters.
pub const DESCRIPTION_MAX_LEN: usize = 1000;

/// Input of `POST /api/v1/access-packages/{id}/policies` and `PUT .../policies/{id}`: a whole
/// policy, as an administrator writes it. Check it with [`validate`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PolicyDefinition {
    /// 1 to 100 characters, shown to requesters when several policies apply.
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// At most 1000 characters.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 1000))]
    pub description: String,
    /// New requests and assignments are accepted only while enabled. A disabled
    /// administrators-only policy lets administrators assign nobody either.
    #[serde(default = "enabled_by_default")]
    #[cfg_attr(feature = "server", schema(default = true))]
    pub enabled: bool,
    pub who_can_request: WhoCanRequest,
    pub approval: ApprovalDefinition,
    #[serde(default)]
    pub requester: RequesterDefinition,
    pub lifecycle: LifecycleDefinition,
    /// HTTPS endpoints called when a request is created or approved, or an assignment is
    /// granted or removed; at most 5 (see `docs/EXTENSIONS.md`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_extensions: Vec<CustomExtensionDefinition>,
}

fn enabled_by_default() -> bool {
    true
}

/// A policy that passed [`validate`]. Its parts can be read, not changed: to change a policy,
/// change its definition and validate again.
///
/// Serialized as its [`PolicyDefinition`]; deserializing validates again, so a stored policy
/// that no longer passes (because a rule was tightened) is noticed when read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PolicyDefinition", into = "PolicyDefinition")]
pub struct ValidPolicy {
    name: String,
    description: String,
    enabled: bool,
    audience: Audience,
    stages: Vec<ApprovalStage>,
    requester: RequesterSettings,
    lifecycle: Lifecycle,
    custom_extensions: Vec<CustomExtension>,
}

impl ValidPolicy {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn audience(&self) -> &Audience {
        &self.audience
    }

    /// The approval stages in order; empty when requests need no approval.
    pub fn stages(&self) -> &[ApprovalStage] {
        &self.stages
    }

    pub fn requires_approval(&self) -> bool {
        !self.stages.is_empty()
    }

    pub fn requester(&self) -> &RequesterSettings {
        &self.requester
    }

    pub fn questions(&self) -> &[Question] {
        self.requester.questions()
    }

    pub fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    pub fn custom_extensions(&self) -> &[CustomExtension] {
        &self.custom_extensions
    }

    /// The extensions called at `stage`, in the order the policy lists them.
    pub fn extensions_at(&self, stage: ExtensionStage) -> impl Iterator<Item = &CustomExtension> {
        self.custom_extensions
            .iter()
            .filter(move |extension| extension.stage() == stage)
    }

    /// Every user and group the policy names, each with the path to report when it does not
    /// exist. A group whose owners approve must also be a resource of the access package
    /// ([`ReferenceTarget::PackageGroup`]), which only the caller can tell.
    pub fn references(&self) -> Vec<Reference> {
        let mut found = Vec::new();
        match &self.audience {
            Audience::SpecificUsersAndGroups { users, groups } => {
                for (index, user) in users.iter().enumerate() {
                    found.push(Reference {
                        field: format!("who_can_request.users[{index}]"),
                        target: ReferenceTarget::User(*user),
                    });
                }
                for (index, group) in groups.iter().enumerate() {
                    found.push(Reference {
                        field: format!("who_can_request.groups[{index}]"),
                        target: ReferenceTarget::Group(*group),
                    });
                }
            }
            Audience::AllMembers | Audience::AllUsers | Audience::Nobody => {}
        }
        for (index, stage) in self.stages.iter().enumerate() {
            let at = format!("approval.stages[{index}]");
            approver_references(
                &mut found,
                &format!("{at}.primary_approvers"),
                stage.primary(),
            );
            approver_references(
                &mut found,
                &format!("{at}.fallback_approvers"),
                stage.fallback(),
            );
            if let Some(escalation) = stage.escalation() {
                approver_references(
                    &mut found,
                    &format!("{at}.escalation.approvers"),
                    escalation.approvers(),
                );
                approver_references(
                    &mut found,
                    &format!("{at}.escalation.fallback_approvers"),
                    escalation.fallback(),
                );
            }
        }
        found
    }
}

fn approver_references(found: &mut Vec<Reference>, at: &str, specs: &[ApproverSpec]) {
    for (index, spec) in specs.iter().enumerate() {
        let target = match spec {
            ApproverSpec::User { user_id } => ReferenceTarget::User(*user_id),
            ApproverSpec::GroupMembers { group_id } => ReferenceTarget::Group(*group_id),
            ApproverSpec::GroupOwners { group_id } => ReferenceTarget::PackageGroup(*group_id),
            ApproverSpec::Manager { .. } | ApproverSpec::Sponsors {} => continue,
        };
        found.push(Reference {
            field: format!("{at}[{index}]"),
            target,
        });
    }
}

/// A user or group a policy names, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The JSON path in the [`PolicyDefinition`], for a [`FieldError`].
    pub field: String,
    pub target: ReferenceTarget,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceTarget {
    /// Must be an existing user.
    User(UserId),
    /// Must be an existing group.
    Group(GroupId),
    /// Must be a group that is a resource of the policy's access package: its owners approve.
    PackageGroup(GroupId),
}

/// Checks a definition and reports every problem at once, each under the JSON path of the input
/// at fault. Rules that depend on the current time are in [`validate_at`].
///
/// Beyond lengths and ranges (each documented on its field), it refuses:
/// - specific requesters naming nobody, more than 500, or someone twice;
/// - approval required without a stage, or with more than 3;
/// - an approver list empty, longer than 25, or naming one set twice;
/// - the manager or sponsors without fallback approvers; fallback approvers that are themselves
///   the manager or sponsors, or already among the approvers they stand in for;
/// - escalation on a timeout under 4 days, outside "after half the time plus one day, before the
///   last day", to nobody, or to a primary approver of the same stage;
/// - the same manager level, or the sponsors, deciding two stages;
/// - on-behalf requests or extensions when nobody may request;
/// - extensions of access that never expires, of access ending on a fixed date when requesters
///   can't choose an earlier end, or requiring approval when the policy has no stages;
/// - more than 20 questions, two with the same id or the same text, choice questions without 2
///   to 30 distinct choices, and answer patterns that don't compile.
pub fn validate(definition: &PolicyDefinition) -> Result<ValidPolicy, Vec<FieldError>> {
    let mut errors = Errors::default();
    let name = text(
        &mut errors,
        "name",
        &definition.name,
        1,
        NAME_MAX_LEN,
        Lines::One,
    );
    let description = text(
        &mut errors,
        "description",
        &definition.description,
        0,
        DESCRIPTION_MAX_LEN,
        Lines::Many,
    );
    let audience = audience::validate(&mut errors, &definition.who_can_request);
    let stages = approval::validate(&mut errors, &definition.approval);
    let requester = questions::validate(&mut errors, &definition.requester);
    let lifecycle = lifecycle::validate(&mut errors, &definition.lifecycle);
    let custom_extensions = extensions::validate(&mut errors, &definition.custom_extensions);
    cross_field_rules(&mut errors, definition);

    match (
        name,
        description,
        audience,
        stages,
        requester,
        lifecycle,
        custom_extensions,
    ) {
        (
            Some(name),
            Some(description),
            Some(audience),
            Some(stages),
            Some(requester),
            Some(lifecycle),
            Some(custom_extensions),
        ) if errors.is_empty() => Ok(ValidPolicy {
            name,
            description,
            enabled: definition.enabled,
            audience,
            stages,
            requester,
            lifecycle,
            custom_extensions,
        }),
        _ => Err(errors.into_vec()),
    }
}

/// [`validate`], plus the rules that depend on `now`: an expiry date must be in the future.
/// Use it when a policy is created or changed; a stored policy whose date has passed is still a
/// valid record of what was configured.
pub fn validate_at(
    definition: &PolicyDefinition,
    now: DateTime<Utc>,
) -> Result<ValidPolicy, Vec<FieldError>> {
    let mut late = Vec::new();
    match &definition.lifecycle.expiry {
        ExpiryDefinition::OnDate { at } if *at <= now => late.push(FieldError {
            field: "lifecycle.expiry.at".into(),
            message: "must be in the future".into(),
        }),
        ExpiryDefinition::OnDate { .. }
        | ExpiryDefinition::Never {}
        | ExpiryDefinition::AfterDays { .. }
        | ExpiryDefinition::AfterHours { .. } => {}
    }
    match (validate(definition), late.is_empty()) {
        (Ok(policy), true) => Ok(policy),
        (Ok(_), false) => Err(late),
        (Err(mut errors), _) => {
            errors.extend(late);
            Err(errors)
        }
    }
}

/// Rules that tie sections together. They read the definition directly, so they are reported
/// even when the sections themselves have problems.
fn cross_field_rules(errors: &mut Errors, definition: &PolicyDefinition) {
    let nobody = match definition.who_can_request {
        WhoCanRequest::Nobody {} => true,
        WhoCanRequest::SpecificUsersAndGroups { .. }
        | WhoCanRequest::AllMembers {}
        | WhoCanRequest::AllUsers {} => false,
    };
    if nobody && definition.requester.on_behalf_of_direct_reports {
        errors.add(
            "requester.on_behalf_of_direct_reports",
            "managers can't request on behalf of their reports when nobody may request; \
             only administrators assign this policy",
        );
    }
    match &definition.lifecycle.extension {
        ExtensionRule::NotAllowed {} => {}
        ExtensionRule::Allowed { approval_required } => {
            // The reference shows this toggle on administrator-only policies and then ignores it
            // (assignees "cannot self-extend"); refusing it tells the administrator the truth.
            if nobody {
                errors.add(
                    "lifecycle.extension",
                    "people can't ask to extend access when nobody may request; \
                     administrators change the assignment instead",
                );
            }
            match definition.lifecycle.expiry {
                ExpiryDefinition::Never {} => errors.add(
                    "lifecycle.extension",
                    "access that never expires can't be extended; choose an expiry or \
                     don't allow extension",
                ),
                // An extension never goes past the policy's own end date (reference §1.6), so
                // with a fixed date it only helps people who chose to end earlier.
                ExpiryDefinition::OnDate { .. } if !definition.requester.may_choose_dates => errors
                    .add(
                        "lifecycle.extension",
                        "access that ends on a fixed date can't be extended past it; let \
                         requesters choose an earlier end date, or don't allow extension",
                    ),
                ExpiryDefinition::OnDate { .. }
                | ExpiryDefinition::AfterDays { .. }
                | ExpiryDefinition::AfterHours { .. } => {}
            }
            let no_approval = match &definition.approval {
                ApprovalDefinition::None {} => true,
                ApprovalDefinition::Required { .. } => false,
            };
            if *approval_required && no_approval {
                errors.add(
                    "lifecycle.extension.approval_required",
                    "extensions are approved by the policy's approval stages, and this policy \
                     has none; add a stage or let extensions through without approval",
                );
            }
        }
    }
}

/// Why a [`PolicyDefinition`] was refused, when converted with `TryFrom` (as serde does).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PolicyErrors(pub Vec<FieldError>);

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid policy:")?;
        for error in &self.0 {
            write!(f, " {}: {};", error.field, error.message)?;
        }
        Ok(())
    }
}

impl TryFrom<PolicyDefinition> for ValidPolicy {
    type Error = PolicyErrors;

    fn try_from(definition: PolicyDefinition) -> Result<Self, Self::Error> {
        validate(&definition).map_err(PolicyErrors)
    }
}

impl From<ValidPolicy> for PolicyDefinition {
    fn from(policy: ValidPolicy) -> Self {
        policy.to_definition()
    }
}

impl ValidPolicy {
    /// The definition this policy was validated from, normalised (trimmed text, duplicate-free
    /// lists): what `GET` answers and what an edit form starts from.
    pub fn to_definition(&self) -> PolicyDefinition {
        PolicyDefinition {
            name: self.name.clone(),
            description: self.description.clone(),
            enabled: self.enabled,
            who_can_request: self.audience.to_definition(),
            approval: approval::to_definition(&self.stages),
            requester: self.requester.to_definition(),
            lifecycle: self.lifecycle.to_definition(),
            custom_extensions: self
                .custom_extensions
                .iter()
                .map(CustomExtension::to_definition)
                .collect(),
        }
    }
}

/// Problems found so far, in the order found.
#[derive(Debug, Default)]
pub(crate) struct Errors(Vec<FieldError>);

impl Errors {
    pub(crate) fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Never empty when a section refused its input; an internal slip still yields an error
    /// rather than an empty refusal.
    pub(crate) fn into_vec(self) -> Vec<FieldError> {
        if self.0.is_empty() {
            vec![FieldError {
                field: String::new(),
                message: "is not valid".into(),
            }]
        } else {
            self.0
        }
    }
}

/// Whether a text may span several lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lines {
    One,
    Many,
}

/// Checks a text that people read: trimmed, `min..=max` characters, no control characters
/// (line breaks and tabs allowed in [`Lines::Many`]). Returns the trimmed text.
pub(crate) fn text(
    errors: &mut Errors,
    field: &str,
    raw: &str,
    min: usize,
    max: usize,
    lines: Lines,
) -> Option<String> {
    // One-line text is a name or a choice people pick by eye: the name rule applies (NFC, no
    // invisible formatting characters), see `values::clean_name`.
    let value = match lines {
        Lines::One => {
            use unicode_normalization::UnicodeNormalization;
            raw.trim().nfc().collect::<String>()
        }
        Lines::Many => raw.trim().to_string(),
    };
    let value = value.as_str();
    let len = value.chars().count();
    let before = errors.len();
    if len < min {
        errors.add(field, "must not be empty");
    } else if len > max {
        errors.add(field, format!("must be at most {max} characters"));
    }
    let allowed = |c: char| match lines {
        Lines::One => false,
        Lines::Many => matches!(c, '\n' | '\r' | '\t'),
    };
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        errors.add(
            field,
            match lines {
                Lines::One => "must be one line without control characters",
                Lines::Many => "must not contain control characters",
            },
        );
    }
    if lines == Lines::One
        && errors.len() == before
        && let Err(refusal) = crate::values::clean_name(value)
    {
        errors.add(field, refusal.0);
    }
    (errors.len() == before).then(|| value.to_string())
}

/// The key under which two texts count as the same: trimmed, case-insensitive.
pub(crate) fn same_text_key(raw: &str) -> String {
    raw.trim().to_lowercase()
}

#[cfg(test)]
mod tests;
