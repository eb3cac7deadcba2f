//! Turning a stage's reviewer sets into people, for one reviewed person.
//!
//! Pure and synchronous, over the same [`DirectoryView`] approver resolution uses: the caller
//! loads managers, group members and owners, and whether each account may decide at all. When
//! a stage starts, the instance calls the caller's resolver once per person reaching it; the
//! caller writes `|stage, person| resolve_reviewers(&definition.stages()[stage], resource,
//! person, &view)`.
//!
//! The person reviewed is never among their own reviewers, however they got there (named, a
//! member of the reviewing group, an owner of the reviewed group), except in a self-review.
//! Accounts that can't decide (disabled, or unable to sign in to the portal) are left out, so a
//! service account reviewing itself resolves to nobody and its fallback reviewers decide.

use std::collections::BTreeSet;

use super::definition::{ReviewStage, ReviewedResource, ReviewerSpec};
use crate::UserId;
use crate::policy::DirectoryView;

/// The people who review one person's access in one stage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolvedReviewers {
    pub reviewers: BTreeSet<UserId>,
    /// Whether the stage's reviewers resolved to nobody and the fallback reviewers were used.
    pub used_fallback: bool,
}

/// The stage's reviewers for `person`, or its fallback reviewers when those are nobody.
pub fn resolve_reviewers(
    stage: &ReviewStage,
    resource: ReviewedResource,
    person: UserId,
    view: &impl DirectoryView,
) -> ResolvedReviewers {
    let reviewers = resolve_specs(stage.reviewers(), resource, person, view);
    if !reviewers.is_empty() {
        return ResolvedReviewers {
            reviewers,
            used_fallback: false,
        };
    }
    ResolvedReviewers {
        reviewers: resolve_specs(stage.fallback(), resource, person, view),
        used_fallback: true,
    }
}

/// The stage's fallback reviewers alone for `person`: who reviews once none of the people
/// asked is left.
pub fn resolve_fallback_reviewers(
    stage: &ReviewStage,
    resource: ReviewedResource,
    person: UserId,
    view: &impl DirectoryView,
) -> ResolvedReviewers {
    ResolvedReviewers {
        reviewers: resolve_specs(stage.fallback(), resource, person, view),
        used_fallback: true,
    }
}

/// Whether `reviewer` reviews `person` in this stage only as the person's manager: the stage
/// names the manager, and none of its other reviewers finds `reviewer`.
pub fn reviews_only_as_manager(
    stage: &ReviewStage,
    resource: ReviewedResource,
    person: UserId,
    reviewer: UserId,
    view: &impl DirectoryView,
) -> bool {
    let (managers, others): (Vec<ReviewerSpec>, Vec<ReviewerSpec>) = stage
        .reviewers()
        .iter()
        .copied()
        .partition(|spec| matches!(spec, ReviewerSpec::Manager {}));
    !managers.is_empty() && !resolve_specs(&others, resource, person, view).contains(&reviewer)
}

fn resolve_specs(
    specs: &[ReviewerSpec],
    resource: ReviewedResource,
    person: UserId,
    view: &impl DirectoryView,
) -> BTreeSet<UserId> {
    let mut people = BTreeSet::new();
    for spec in specs {
        match *spec {
            ReviewerSpec::SelfReview {} => {
                people.insert(person);
            }
            ReviewerSpec::Manager {} => people.extend(view.manager_of(person)),
            ReviewerSpec::GroupOwners {} => match resource {
                ReviewedResource::Group { group_id } => people.extend(view.owners_of(group_id)),
                // Validation allows group owners only when groups are reviewed.
                ReviewedResource::Application { .. } | ReviewedResource::AccessPackage { .. } => {}
            },
            ReviewerSpec::User { user_id } => {
                people.insert(user_id);
            }
            ReviewerSpec::GroupMembers { group_id } => people.extend(view.members_of(group_id)),
        }
    }
    let self_review = specs == [ReviewerSpec::SelfReview {}];
    people.retain(|reviewer| (self_review || *reviewer != person) && view.can_approve(*reviewer));
    people
}
