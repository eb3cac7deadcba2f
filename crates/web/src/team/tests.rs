use chrono::{TimeZone, Utc};
use tessera_domain::assignment::AssignmentState;
use tessera_domain::request::{RequestKind, RequestState};
use tessera_domain::team::{TeamAccess, TeamRequest};

use super::*;

const ID: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";

fn access(state: AssignmentState, ends: bool) -> TeamAccess {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    TeamAccess {
        assignment_id: ID.parse().unwrap(),
        access_package_id: ID.parse().unwrap(),
        access_package_name: "Wiki".into(),
        catalog_id: ID.parse().unwrap(),
        catalog_name: "Collaboration".into(),
        policy_id: None,
        state,
        starts_at: at,
        ends_at: ends.then_some(at),
        manager_may_remove: true,
    }
}

fn request(state: RequestState, stage: Option<usize>) -> TeamRequest {
    TeamRequest {
        id: ID.parse().unwrap(),
        access_package_id: ID.parse().unwrap(),
        access_package_name: "Ledger".into(),
        kind: RequestKind::UserAdd,
        state,
        stage,
        stages: 2,
        decide_by: None,
        submitted_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
        requested_by_you: false,
        you_may_open: false,
    }
}

#[test]
fn each_remove_button_names_the_access_and_the_person() {
    assert_eq!(
        remove_label(&access(AssignmentState::Delivered, true), "Alice Analyst"),
        "Remove Wiki from Alice Analyst"
    );
    assert_eq!(
        removal_heading("Wiki", "Alice Analyst"),
        "Remove Alice Analyst's access to Wiki"
    );
}

#[test]
fn access_says_when_it_starts_or_ends_and_nothing_when_it_never_ends() {
    let ending = access(AssignmentState::Delivered, true);
    assert_eq!(
        access_timing(&ending),
        Some(("Ends", ending.ends_at.unwrap()))
    );
    let mut scheduled = access(AssignmentState::Scheduled, true);
    scheduled.starts_at = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
    assert_eq!(
        access_timing(&scheduled),
        Some(("Starts", scheduled.starts_at))
    );
    assert_eq!(
        access_timing(&access(AssignmentState::Delivered, false)),
        None
    );
}

#[test]
fn a_request_waiting_for_approval_says_its_stage() {
    assert_eq!(
        stage_words(&request(RequestState::PendingApproval, Some(1))).as_deref(),
        Some("Stage 1 of 2")
    );
    assert_eq!(stage_words(&request(RequestState::Scheduled, None)), None);
    assert_eq!(request_kind_words(RequestKind::UserRemove), "Removal");
}
