//! The stored form of an instance, checked when read back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AppliedBy, ApplyStart, InstanceStage, ReviewInstance, ReviewInstanceState, Stop};
use crate::review::definition::{MAX_INSTANCE_DAYS, MAX_STAGES, ReviewSettings, ReviewedResource};
use crate::review::item::InvalidReviewRecord;
use crate::review::recommendation::MAX_LOOK_BACK_DAYS;
use crate::{ReviewDefinitionId, ReviewInstanceId};

/// Every field of a [`ReviewInstance`], readable and writable. Turn one into a
/// `ReviewInstance` with `TryFrom`, which checks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReviewInstanceRecord {
    pub id: ReviewInstanceId,
    pub definition_id: ReviewDefinitionId,
    pub occurrence: u32,
    pub resource: ReviewedResource,
    pub state: ReviewInstanceState,
    pub starts_at: DateTime<Utc>,
    pub stages: Vec<InstanceStage>,
    pub settings: ReviewSettings,
    pub started_at: Option<DateTime<Utc>>,
    pub item_count: usize,
    pub completed_at: Option<DateTime<Utc>>,
    pub stopped: Option<Stop>,
    pub apply_started: Option<ApplyStart>,
    pub applied_at: Option<DateTime<Utc>>,
}

impl TryFrom<ReviewInstanceRecord> for ReviewInstance {
    type Error = InvalidReviewRecord;

    fn try_from(record: ReviewInstanceRecord) -> Result<Self, Self::Error> {
        check(&record).map_err(InvalidReviewRecord)?;
        Ok(ReviewInstance {
            id: record.id,
            definition_id: record.definition_id,
            occurrence: record.occurrence,
            resource: record.resource,
            state: record.state,
            starts_at: record.starts_at,
            stages: record.stages,
            settings: record.settings,
            started_at: record.started_at,
            item_count: record.item_count,
            completed_at: record.completed_at,
            stopped: record.stopped,
            apply_started: record.apply_started,
            applied_at: record.applied_at,
        })
    }
}

impl From<ReviewInstance> for ReviewInstanceRecord {
    fn from(instance: ReviewInstance) -> Self {
        ReviewInstanceRecord {
            id: instance.id,
            definition_id: instance.definition_id,
            occurrence: instance.occurrence,
            resource: instance.resource,
            state: instance.state,
            starts_at: instance.starts_at,
            stages: instance.stages,
            settings: instance.settings,
            started_at: instance.started_at,
            item_count: instance.item_count,
            completed_at: instance.completed_at,
            stopped: instance.stopped,
            apply_started: instance.apply_started,
            applied_at: instance.applied_at,
        }
    }
}

/// Whether the record is one the transitions can produce.
fn check(record: &ReviewInstanceRecord) -> Result<(), String> {
    let stages = &record.stages;
    if stages.is_empty() || stages.len() > MAX_STAGES {
        return Err(format!("{} stages, 1 to {MAX_STAGES}", stages.len()));
    }
    let total: u16 = stages
        .iter()
        .map(|stage| u16::from(stage.duration_days))
        .sum();
    if stages.iter().any(|stage| stage.duration_days == 0) || total > MAX_INSTANCE_DAYS {
        return Err(format!("stages lasting {total} days"));
    }
    if record
        .settings
        .look_back_days
        .is_some_and(|days| !(1..=MAX_LOOK_BACK_DAYS).contains(&days))
    {
        return Err("a look-back window out of range".into());
    }
    let started = stages
        .iter()
        .take_while(|stage| stage.started_at.is_some())
        .count();
    if stages[started..]
        .iter()
        .any(|stage| stage.started_at.is_some() || stage.reminded_at.is_some())
    {
        return Err("a stage started or reminded before an earlier one started".into());
    }
    let consistent = match record.state {
        ReviewInstanceState::Scheduled => {
            started == 0 && record.started_at.is_none() && record.item_count == 0
        }
        ReviewInstanceState::InProgress
        | ReviewInstanceState::Completed
        | ReviewInstanceState::Applying
        | ReviewInstanceState::Applied => started > 0 && record.started_at.is_some(),
    };
    if !consistent {
        return Err(format!("its stages don't fit the state {}", record.state));
    }
    if record.completed_at.is_some() != record.state.is_completed() {
        return Err("a completion time only in a completed instance".into());
    }
    if record.stopped.is_some() && !record.state.is_completed() {
        return Err("stopped but not completed".into());
    }
    let applying = match record.state {
        ReviewInstanceState::Applying | ReviewInstanceState::Applied => true,
        ReviewInstanceState::Scheduled
        | ReviewInstanceState::InProgress
        | ReviewInstanceState::Completed => false,
    };
    if record.apply_started.is_some() != applying {
        return Err("an apply start only once results are applied".into());
    }
    if record.applied_at.is_some() != (record.state == ReviewInstanceState::Applied) {
        return Err("an applied time only in an applied instance".into());
    }
    if matches!(
        record.apply_started,
        Some(ApplyStart {
            by: AppliedBy::Automatically,
            ..
        })
    ) && !record.settings.auto_apply
    {
        return Err("applied automatically without automatic apply".into());
    }
    Ok(())
}
