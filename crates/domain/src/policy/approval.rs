//! Approval: none, or one to three sequential stages.
//!
//! In each stage any one resolved approver decides; a denial ends the request, an approval
//! moves it to the next stage. A stage that nobody decides within its timeout denies the request.
//! A stage may escalate: after some days without a decision, other approvers are asked too
//! (the primary approvers can still decide). Rules from `entra-governance.md` §1.5.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::Errors;
use crate::{GroupId, UserId, ValueError};

/// The most approval stages a policy may have.
pub const MAX_STAGES: usize = 3;

/// The shortest stage timeout, in days.
///
/// One day is the least that gives approvers in other time zones a working day to answer.
pub const MIN_TIMEOUT_DAYS: u8 = 1;

/// The longest stage timeout, in days.
///
/// Fourteen is the reference product's value in every example (`P14D`) and the bound its
/// portal offers; its other waits (custom extensions, reprocessing) stop at 14 days as well. A
/// request left undecided longer than two weeks has usually lost its reason: it is better denied
/// and asked again than approved on stale grounds. Keeping the reference's bound also means
/// policies copied from it fit.
pub const MAX_TIMEOUT_DAYS: u8 = 14;

/// The shortest timeout that allows escalation: with less, "after half the time plus a day, and
/// before the last day" leaves no day to escalate on.
pub const MIN_TIMEOUT_FOR_ESCALATION: u8 = 4;

/// The most entries in one list of approvers. Larger sets belong in a group.
pub const MAX_APPROVER_ENTRIES: usize = 25;

/// Which manager of the person the access is for: 1 is their manager, 2 their manager's
/// manager. Sent as the number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(value_type = u8, default = 1))]
#[serde(try_from = "u8", into = "u8")]
pub struct ManagerLevel(u8);

impl ManagerLevel {
    /// The manager.
    pub const DIRECT: ManagerLevel = ManagerLevel(1);
    /// The manager's manager.
    pub const SECOND: ManagerLevel = ManagerLevel(2);

    /// How many steps up the management chain: 1 or 2.
    pub fn steps(self) -> u8 {
        self.0
    }
}

impl Default for ManagerLevel {
    fn default() -> Self {
        Self::DIRECT
    }
}

impl TryFrom<u8> for ManagerLevel {
    type Error = ValueError;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            1 | 2 => Ok(ManagerLevel(value)),
            _ => Err(ValueError(
                "must be 1 (the manager) or 2 (the manager's manager)".into(),
            )),
        }
    }
}

impl From<ManagerLevel> for u8 {
    fn from(level: ManagerLevel) -> u8 {
        level.0
    }
}

/// A set of approvers, as written in a policy; resolution turns it into people.
///
/// `manager` and `sponsors` are relative to the person the access is for (the requester, or the
/// report a manager requests for); they may resolve to nobody, so a list holding them needs
/// fallback approvers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ApproverSpec {
    /// One user.
    User { user_id: UserId },
    /// The members of a group.
    GroupMembers { group_id: GroupId },
    /// The manager at `level` (1 when left out).
    Manager {
        #[serde(default)]
        #[cfg_attr(feature = "server", schema(value_type = u8, minimum = 1, maximum = 2, default = 1))]
        level: ManagerLevel,
    },
    /// The sponsors of the person the access is for.
    // `{}` rather than a unit variant: serde ignores unknown fields on unit variants of an
    // internally tagged enum, and would accept `{"type":"sponsors","level":1}`.
    Sponsors {},
    /// The owners of a group that is a resource of the access package.
    GroupOwners { group_id: GroupId },
}

impl ApproverSpec {
    /// Whether the set depends on who the access is for, and so may be empty for some people.
    pub fn is_relative(self) -> bool {
        match self {
            ApproverSpec::Manager { .. } | ApproverSpec::Sponsors {} => true,
            ApproverSpec::User { .. }
            | ApproverSpec::GroupMembers { .. }
            | ApproverSpec::GroupOwners { .. } => false,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ApproverSpec::Manager { level } if level == ManagerLevel::DIRECT => {
                "the requester's manager"
            }
            ApproverSpec::Manager { .. } => "the requester's second-level manager",
            ApproverSpec::Sponsors {} => "the requester's sponsors",
            ApproverSpec::User { .. } => "this user",
            ApproverSpec::GroupMembers { .. } => "this group's members",
            ApproverSpec::GroupOwners { .. } => "this group's owners",
        }
    }
}

/// Whether requests need approval, as an administrator writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ApprovalDefinition {
    /// Requests are approved as soon as they are submitted.
    // `{}` so that serde refuses `{"type":"none","stages":[...]}` instead of ignoring the stages.
    None {},
    /// One to three stages, decided in order.
    Required { stages: Vec<StageDefinition> },
}

/// One approval stage, as an administrator writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StageDefinition {
    /// Who decides. At least one entry, at most 25.
    pub primary_approvers: Vec<ApproverSpec>,
    /// Who decides when the primary approvers resolve to nobody. Required when the primary
    /// approvers include the manager or sponsors; only users and groups.
    #[serde(default)]
    pub fallback_approvers: Vec<ApproverSpec>,
    /// Days without a decision after which the request is denied: 1 to 14.
    #[cfg_attr(feature = "server", schema(minimum = 1, maximum = 14))]
    pub timeout_days: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<EscalationDefinition>,
    /// Whether an approver must say why they decided; requesters see the reason.
    #[serde(default)]
    pub approver_justification_required: bool,
}

/// Forwarding an undecided stage to other approvers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EscalationDefinition {
    /// Days after the stage started. Only for timeouts of at least 4 days; at least half the
    /// timeout plus one day, and less than the timeout (8 to 13 for 14 days).
    pub after_days: u32,
    /// Who is asked too. At least one entry, at most 25.
    pub approvers: Vec<ApproverSpec>,
    /// Who is asked when the escalation approvers resolve to nobody; required when they include
    /// the manager or sponsors.
    #[serde(default)]
    pub fallback_approvers: Vec<ApproverSpec>,
}

/// A validated approval stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalStage {
    primary: Vec<ApproverSpec>,
    fallback: Vec<ApproverSpec>,
    timeout_days: u8,
    escalation: Option<Escalation>,
    approver_justification_required: bool,
}

/// A validated escalation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Escalation {
    after_days: u8,
    approvers: Vec<ApproverSpec>,
    fallback: Vec<ApproverSpec>,
}

impl ApprovalStage {
    pub fn primary(&self) -> &[ApproverSpec] {
        &self.primary
    }

    pub fn fallback(&self) -> &[ApproverSpec] {
        &self.fallback
    }

    pub fn timeout_days(&self) -> u8 {
        self.timeout_days
    }

    pub fn escalation(&self) -> Option<&Escalation> {
        self.escalation.as_ref()
    }

    pub fn approver_justification_required(&self) -> bool {
        self.approver_justification_required
    }

    /// When a stage that started at `started_at` and is still undecided denies the request.
    /// A day is 24 hours: stages run on UTC instants, not on anyone's calendar.
    pub fn deadline_at(&self, started_at: DateTime<Utc>) -> DateTime<Utc> {
        after_days(started_at, self.timeout_days)
    }

    /// When a stage that started at `started_at` and is still undecided escalates, if it does.
    /// Always before [`Self::deadline_at`].
    pub fn escalation_at(&self, started_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.escalation
            .as_ref()
            .map(|escalation| after_days(started_at, escalation.after_days))
    }
}

impl Escalation {
    pub fn after_days(&self) -> u8 {
        self.after_days
    }

    pub fn approvers(&self) -> &[ApproverSpec] {
        &self.approvers
    }

    pub fn fallback(&self) -> &[ApproverSpec] {
        &self.fallback
    }
}

/// Saturates at the latest representable instant rather than panic on absurd inputs.
fn after_days(start: DateTime<Utc>, days: u8) -> DateTime<Utc> {
    start
        .checked_add_signed(TimeDelta::hours(24 * i64::from(days)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The days on which a stage with this timeout may escalate: after half the timeout plus one
/// day, and before the last day. `None` below [`MIN_TIMEOUT_FOR_ESCALATION`] (a 3-day stage
/// would allow day 2 by the formula alone; the reference forbids it) or above
/// [`MAX_TIMEOUT_DAYS`].
pub fn escalation_days_allowed(timeout_days: u8) -> Option<std::ops::RangeInclusive<u8>> {
    (MIN_TIMEOUT_FOR_ESCALATION..=MAX_TIMEOUT_DAYS)
        .contains(&timeout_days)
        .then(|| (timeout_days / 2 + 1)..=(timeout_days - 1))
}

pub(crate) fn validate(
    errors: &mut Errors,
    approval: &ApprovalDefinition,
) -> Option<Vec<ApprovalStage>> {
    let stages = match approval {
        ApprovalDefinition::None {} => return Some(Vec::new()),
        ApprovalDefinition::Required { stages } => stages,
    };
    let before = errors.len();
    if stages.is_empty() {
        errors.add(
            "approval.stages",
            "add at least one stage, or choose no approval",
        );
    } else if stages.len() > MAX_STAGES {
        errors.add(
            "approval.stages",
            format!("may have at most {MAX_STAGES} stages"),
        );
    }
    let valid: Vec<Option<ApprovalStage>> = stages
        .iter()
        .enumerate()
        .map(|(index, stage)| validate_stage(errors, &format!("approval.stages[{index}]"), stage))
        .collect();
    relative_approvers_in_one_stage_only(errors, stages);
    if errors.len() != before {
        return None;
    }
    valid.into_iter().collect()
}

fn validate_stage(errors: &mut Errors, at: &str, stage: &StageDefinition) -> Option<ApprovalStage> {
    let before = errors.len();
    approver_list(
        errors,
        &format!("{at}.primary_approvers"),
        &stage.primary_approvers,
    );
    fallback_list(
        errors,
        at,
        "fallback_approvers",
        &stage.primary_approvers,
        &stage.fallback_approvers,
    );

    let timeout = u8::try_from(stage.timeout_days)
        .ok()
        .filter(|days| (MIN_TIMEOUT_DAYS..=MAX_TIMEOUT_DAYS).contains(days));
    if timeout.is_none() {
        errors.add(
            format!("{at}.timeout_days"),
            format!("must be between {MIN_TIMEOUT_DAYS} and {MAX_TIMEOUT_DAYS} days"),
        );
    }

    let escalation = stage.escalation.as_ref().and_then(|escalation| {
        validate_escalation(
            errors,
            &format!("{at}.escalation"),
            stage,
            timeout,
            escalation,
        )
    });

    if errors.len() != before {
        return None;
    }
    Some(ApprovalStage {
        primary: stage.primary_approvers.clone(),
        fallback: stage.fallback_approvers.clone(),
        timeout_days: timeout?,
        escalation,
        approver_justification_required: stage.approver_justification_required,
    })
}

fn validate_escalation(
    errors: &mut Errors,
    at: &str,
    stage: &StageDefinition,
    timeout: Option<u8>,
    escalation: &EscalationDefinition,
) -> Option<Escalation> {
    let before = errors.len();
    let mut after = None;
    match timeout.map(|timeout| (timeout, escalation_days_allowed(timeout))) {
        // The timeout's own error says what to fix first.
        None => {}
        Some((timeout, None)) => errors.add(
            at,
            format!(
                "escalation needs a timeout of at least {MIN_TIMEOUT_FOR_ESCALATION} days \
                 (this stage times out after {timeout})"
            ),
        ),
        Some((timeout, Some(allowed))) => match u8::try_from(escalation.after_days) {
            Ok(days) if allowed.contains(&days) => after = Some(days),
            Ok(_) | Err(_) => errors.add(
                format!("{at}.after_days"),
                format!(
                    "must be between {} and {} days for a {timeout}-day timeout: after \
                         half the time plus one day, and before the last day",
                    allowed.start(),
                    allowed.end()
                ),
            ),
        },
    }
    approver_list(errors, &format!("{at}.approvers"), &escalation.approvers);
    for (index, spec) in escalation.approvers.iter().enumerate() {
        if stage.primary_approvers.contains(spec) {
            errors.add(
                format!("{at}.approvers[{index}]"),
                "is already a primary approver of this stage; escalation should reach \
                 someone new",
            );
        }
    }
    fallback_list(
        errors,
        at,
        "fallback_approvers",
        &escalation.approvers,
        &escalation.fallback_approvers,
    );
    if errors.len() != before {
        return None;
    }
    Some(Escalation {
        after_days: after?,
        approvers: escalation.approvers.clone(),
        fallback: escalation.fallback_approvers.clone(),
    })
}

/// A list that decides: not empty, not too long, no entry twice.
fn approver_list(errors: &mut Errors, at: &str, specs: &[ApproverSpec]) {
    if specs.is_empty() {
        errors.add(at, "add at least one approver");
    } else if specs.len() > MAX_APPROVER_ENTRIES {
        errors.add(
            at,
            format!("may have at most {MAX_APPROVER_ENTRIES} entries; use a group for more people"),
        );
    }
    no_duplicates(errors, at, specs);
}

/// The fallback of `decides`, at `{at}.{name}`: required when `decides` may resolve to nobody,
/// made only of fixed users and groups, and adding someone new.
fn fallback_list(
    errors: &mut Errors,
    at: &str,
    name: &str,
    decides: &[ApproverSpec],
    fallback: &[ApproverSpec],
) {
    let list = format!("{at}.{name}");
    let relative = decides.iter().find(|spec| spec.is_relative());
    if let (Some(spec), true) = (relative, fallback.is_empty()) {
        errors.add(
            &list,
            format!(
                "are required because the approvers include {}, who may not exist for \
                 everyone",
                spec.describe()
            ),
        );
    }
    if fallback.len() > MAX_APPROVER_ENTRIES {
        errors.add(
            &list,
            format!("may have at most {MAX_APPROVER_ENTRIES} entries; use a group for more people"),
        );
    }
    for (index, spec) in fallback.iter().enumerate() {
        if spec.is_relative() {
            errors.add(
                format!("{list}[{index}]"),
                format!(
                    "must be a user or a group: {} may not exist either",
                    spec.describe()
                ),
            );
        } else if decides.contains(spec) {
            errors.add(
                format!("{list}[{index}]"),
                "is already among the approvers it stands in for",
            );
        }
    }
    no_duplicates(errors, &list, fallback);
}

fn no_duplicates(errors: &mut Errors, at: &str, specs: &[ApproverSpec]) {
    for (index, spec) in specs.iter().enumerate() {
        if specs[..index].contains(spec) {
            errors.add(format!("{at}[{index}]"), "is already listed");
        }
    }
}

/// The same manager, or the sponsors, deciding two stages would be one opinion counted twice.
/// The reference allows the manager in one stage only; we allow the second-level manager in
/// another stage, which is what its users ask for.
fn relative_approvers_in_one_stage_only(errors: &mut Errors, stages: &[StageDefinition]) {
    for (later, stage) in stages.iter().enumerate() {
        for (index, spec) in stage.primary_approvers.iter().enumerate() {
            if !spec.is_relative() || stage.primary_approvers[..index].contains(spec) {
                continue;
            }
            let earlier = stages[..later]
                .iter()
                .position(|earlier| earlier.primary_approvers.contains(spec));
            if let Some(earlier) = earlier {
                errors.add(
                    format!("approval.stages[{later}].primary_approvers[{index}]"),
                    format!(
                        "{} already approves stage {}; one person deciding two stages adds no \
                         second opinion",
                        capitalise(spec.describe()),
                        earlier + 1
                    ),
                );
            }
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(crate) fn to_definition(stages: &[ApprovalStage]) -> ApprovalDefinition {
    if stages.is_empty() {
        return ApprovalDefinition::None {};
    }
    ApprovalDefinition::Required {
        stages: stages
            .iter()
            .map(|stage| StageDefinition {
                primary_approvers: stage.primary.clone(),
                fallback_approvers: stage.fallback.clone(),
                timeout_days: u32::from(stage.timeout_days),
                escalation: stage
                    .escalation
                    .as_ref()
                    .map(|escalation| EscalationDefinition {
                        after_days: u32::from(escalation.after_days),
                        approvers: escalation.approvers.clone(),
                        fallback_approvers: escalation.fallback.clone(),
                    }),
                approver_justification_required: stage.approver_justification_required,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn stage(timeout_days: u8, escalate_after: Option<u8>) -> ApprovalStage {
        let someone = ApproverSpec::User {
            user_id: UserId::from_uuid(uuid::Uuid::from_u128(1)),
        };
        let other = ApproverSpec::User {
            user_id: UserId::from_uuid(uuid::Uuid::from_u128(2)),
        };
        ApprovalStage {
            primary: vec![someone],
            fallback: Vec::new(),
            timeout_days,
            escalation: escalate_after.map(|after_days| Escalation {
                after_days,
                approvers: vec![other],
                fallback: Vec::new(),
            }),
            approver_justification_required: false,
        }
    }

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 28, 12, 0, 0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    #[test]
    fn a_fourteen_day_stage_escalates_on_day_eight_at_the_earliest_and_day_thirteen_at_the_latest()
    {
        assert_eq!(escalation_days_allowed(14), Some(8..=13));
        assert_eq!(escalation_days_allowed(4), Some(3..=3));
        assert_eq!(escalation_days_allowed(5), Some(3..=4));
        assert_eq!(escalation_days_allowed(3), None);
        assert_eq!(escalation_days_allowed(1), None);
        assert_eq!(escalation_days_allowed(15), None);
    }

    #[test]
    fn deadline_and_escalation_count_whole_days_of_24_hours_from_the_stage_start() {
        // 2026-03-29 is a daylight-saving change in Europe: UTC instants ignore it.
        let stage = stage(14, Some(8));
        assert_eq!(
            stage.deadline_at(noon()),
            Utc.with_ymd_and_hms(2026, 4, 11, 12, 0, 0)
                .single()
                .unwrap_or(noon())
        );
        assert_eq!(
            stage.escalation_at(noon()),
            Utc.with_ymd_and_hms(2026, 4, 5, 12, 0, 0).single()
        );
    }

    #[test]
    fn a_stage_without_escalation_has_no_escalation_time() {
        assert_eq!(stage(3, None).escalation_at(noon()), None);
    }

    #[test]
    fn times_saturate_instead_of_overflowing() {
        assert_eq!(
            stage(14, Some(8)).deadline_at(DateTime::<Utc>::MAX_UTC),
            DateTime::<Utc>::MAX_UTC
        );
    }

    #[test]
    fn manager_levels_are_sent_as_numbers_and_only_one_or_two() {
        let spec: Result<ApproverSpec, _> = serde_json::from_str(r#"{"type":"manager","level":2}"#);
        assert_eq!(
            spec.ok(),
            Some(ApproverSpec::Manager {
                level: ManagerLevel::SECOND
            })
        );
        let default: Result<ApproverSpec, _> = serde_json::from_str(r#"{"type":"manager"}"#);
        assert_eq!(
            default.ok(),
            Some(ApproverSpec::Manager {
                level: ManagerLevel::DIRECT
            })
        );
        for bad in [
            r#"{"type":"manager","level":0}"#,
            r#"{"type":"manager","level":3}"#,
        ] {
            assert!(serde_json::from_str::<ApproverSpec>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn approver_specs_refuse_unknown_fields_and_types() {
        for bad in [
            r#"{"type":"sponsors","level":1}"#,
            r#"{"type":"everyone"}"#,
            r#"{"type":"user"}"#,
        ] {
            assert!(serde_json::from_str::<ApproverSpec>(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn escalation_always_falls_strictly_between_half_the_timeout_and_the_deadline(
            timeout in MIN_TIMEOUT_FOR_ESCALATION..=MAX_TIMEOUT_DAYS,
            pick in 0u8..14,
            start in 0i64..4_000_000_000,
        ) {
            let allowed = escalation_days_allowed(timeout).unwrap_or(1..=1);
            let span = allowed.end() - allowed.start() + 1;
            let after = allowed.start() + pick % span;
            let stage = stage(timeout, Some(after));
            let started = DateTime::<Utc>::from_timestamp(start, 0).unwrap_or(noon());
            let escalates = stage.escalation_at(started).unwrap_or(DateTime::<Utc>::MAX_UTC);
            let half = started + TimeDelta::hours(12 * i64::from(timeout));
            proptest::prop_assert!(escalates > half);
            proptest::prop_assert!(escalates < stage.deadline_at(started));
        }
    }
}
