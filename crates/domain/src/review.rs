//! Access reviews: people who hold access are asked, regularly, whether they should keep it.
//!
//! The semantics follow Microsoft Entra access reviews, which most of our users know, as
//! recorded in the team's reference notes (`entra-governance.md` §1.11); where Tessera differs,
//! the rule says so.
//!
//! # Definitions
//!
//! An administrator (or a catalog owner, for an access package of their catalog:
//! [`ValidReviewDefinition::managed_by`]) writes a [`ReviewDefinitionInput`]: what is reviewed
//! (the members of groups, the assignees of applications' roles, or the assignments of an
//! access package, optionally of one policy; everyone, or only people inactive for some days),
//! one to three stages each with its reviewers and fallback reviewers, a schedule, and
//! settings. [`validate`] reports every problem at once under the JSON path of the input at
//! fault (`stages[1].fallback_reviewers[0]`, `schedule.end.occurrences`), and
//! [`ValidReviewDefinition::references`] lists every id the API must check exists, with its
//! path (`stages[1].reviewers[0].group_id`).
//!
//! The schedule ([`schedule`]) is one-time or recurring, weekly to annually, ending never, on a
//! date or after a number of occurrences; [`occurrence_start`] and [`next_start_after`] compute
//! the starts. An instance lasts the sum of its stages, which must fit in the shortest period
//! of the recurrence, so an instance always ends before the next one starts. Selecting several
//! groups or applications reviews each on its own: every occurrence plans one instance per
//! resource ([`ReviewInstance::plan_occurrence`]).
//!
//! # Instances and items
//!
//! ```text
//! scheduled ─start─► in_progress(stage 0) ─advance_stage─► in_progress(stage 1) ─ … ─┐
//!                         │                    └─ nobody moves on ─┐                 │
//!                         └────────── stop (an administrator) ─────┴──► completed ◄──┘ complete
//!                                                                           │
//!                                          apply ─► applying ─record_removals─► applied
//!                                          (nothing to remove ─────────────────► applied)
//! ```
//!
//! [`ReviewInstance::start`] takes the people in scope at that moment (membership is a snapshot,
//! as in the reference) and makes one [`ReviewItem`] each, with a recommendation computed from
//! their last sign-in ([`recommendation()`]) and their reviewers for the first stage. Reviewers
//! decide approve, deny or don't know, with a justification when the review requires one, or
//! accept the recommendation; they may change their decision until the stage ends, and the
//! latest decision by any of the item's reviewers wins. At the end of a stage the items whose
//! outcome is among the stage's `decisions_that_move_on` go on to the next stage; the others
//! keep their outcome. When the last stage ends (or an administrator stops the instance) every
//! item gets one [`FinalOutcome`]: the decision of the last stage it reached, or, when nobody
//! decided there, the no-response rule's. Only a denial removes access; "don't know" keeps it.
//! Applying the results settles kept access at once and lists the removals, whose results
//! (removed, not applicable, failed) the API reports back.
//!
//! Design choices:
//! - An instance and its items are stored apart: a review of a large group has thousands of
//!   items, and a decision reads the instance and changes one item
//!   ([`ReviewInstance::decide`] takes `&self` and `&mut ReviewItem`). Transitions of the whole
//!   instance take all its items and refuse ([`ReviewRefusal::ItemsMismatch`]) a partial set.
//!   As in [`crate::request`], each transition checks everything first, then either changes
//!   things and returns the one [`ReviewEvent`] the audit trail records, or refuses with a
//!   [`ReviewRefusal`] and changes nothing. Persist with compare-and-set; a stage transition
//!   bumps every item it touches, so a decision racing it loses.
//! - Reviewers are resolved per item when the item reaches a stage, through a resolver the
//!   caller passes (usually [`resolve_reviewers`]), called only after every check passed. The
//!   person reviewed is never their own reviewer outside a self-review: resolution leaves them
//!   out, and the item enforces it again on whatever it receives ([`ReviewRefusal::OwnAccess`]).
//!   An item whose reviewers are nobody, fallback included, is not left waiting silently: the
//!   event lists it as unassigned, and it ends not reviewed (then the no-response rule).
//! - A later stage decides alone: an item that moved on and that nobody decides in the later
//!   stage ends not reviewed (the no-response rule decides), even if an earlier stage approved
//!   it. The earlier decision is kept and shown, never taken as the final one: a second stage
//!   exists to confirm, and silence confirms nothing.
//! - A stopped instance is `completed`, with [`ReviewInstance::stopped`] saying who stopped it:
//!   it ends exactly like one that ran its course.
//! - Stage ends count from the occurrence's start, not from when a sweeper got round to it, so
//!   an instance started or advanced late still ends on time, before the next occurrence.
//!   [`ReviewInstance::next_due`] says what time alone lets happen next.
//! - Tessera remembers only the latest decision per stage; the audit trail keeps the others
//!   ([`ReviewEvent::Decided`] says what each replaced).

pub mod bulk;
pub mod decision;
pub mod definition;
pub mod instance;
pub mod item;
pub mod recommendation;
pub mod resolve;
pub mod schedule;
pub mod view;

pub use bulk::ItemOutcome;
pub use decision::{
    ApplyOutcome, DecisionSource, FinalOutcome, NoResponseRule, OutcomeBasis, RemovalResult,
    ReviewDecision, ReviewOutcome, ReviewVerdict,
};
pub use definition::{
    FilterInput, PersonFilter, RecommendationsInput, ResourcesInput, ReviewDefinitionErrors,
    ReviewDefinitionInput, ReviewManagers, ReviewReference, ReviewReferenceTarget, ReviewSettings,
    ReviewStage, ReviewedResource, ReviewerSpec, ScopeInput, SettingsInput, StageInput,
    ValidReviewDefinition, validate, validate_record,
};
pub use instance::{
    AfterStage, AppliedBy, ApplyStart, Completion, InstanceStage, ItemRemoval, ItemRerouted,
    ItemResult, NewReviewInstance, PendingRemoval, ReviewDue, ReviewDueAction, ReviewEvent,
    ReviewInstance, ReviewInstanceRecord, ReviewInstanceState, ReviewRefusal, Stop,
};
pub use item::{InvalidReviewRecord, ItemStage, NewReviewItem, ReviewItem, ReviewItemRecord};
pub use recommendation::{Recommendation, RecommendedVerdict, is_inactive, recommendation};
pub use resolve::{
    ResolvedReviewers, resolve_fallback_reviewers, resolve_reviewers, reviews_only_as_manager,
};
pub use schedule::{
    EndInput, Frequency, Occurrence, Recurrence, RecurrenceEnd, ReviewSchedule, ScheduleInput,
    next_start_after, occurrence_start,
};
pub use view::{
    AcceptRecommendationsInput, BulkDecisionInput, DecisionInput, ItemAudience,
    PersonReviewItemPage, PersonReviewItemView, PolicyReviewInput, RecommendationView,
    ReminderSent, ReviewDefinitionPage, ReviewDefinitionView, ReviewInstancePage,
    ReviewInstanceView, ReviewItemPage, ReviewItemQuery, ReviewItemView, ReviewProgress,
    ReviewResultsQuery, StageDecision,
};
pub use view::{FinalOutcomeView, GrantView, LatestInstance, OutcomeBasisView, StopView};

#[cfg(test)]
mod tests;
