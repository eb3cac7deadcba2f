//! The policy editor's pure parts, tested natively: a draft read into a definition, every
//! refusal at the field the API would name, and a stored policy read back into the same draft.

use serde_json::json;
use tessera_domain::policy::{ExtensionMode, ExtensionOutcome, ExtensionStage};
use tessera_domain::problem::FieldError;

use super::*;
use crate::rows::{Row, fresh_key, move_row, remove_row};

const USER: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
const GROUP: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5a";

fn approver(key: usize, kind: ApproverKind, target: &str) -> ApproverDraft {
    ApproverDraft {
        key,
        kind,
        target: target.into(),
    }
}

/// A named policy with one stage: the requester's manager, and a user as fallback.
fn manager_approval() -> PolicyDraft {
    let mut stage = StageDraft::new(0);
    stage.primary = vec![approver(0, ApproverKind::Manager, "")];
    stage.fallback = vec![approver(0, ApproverKind::User, USER)];
    PolicyDraft {
        name: "Sales access".into(),
        approval_required: true,
        stages: vec![stage],
        ..PolicyDraft::default()
    }
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

fn refused(draft: &PolicyDraft) -> Vec<FieldError> {
    draft.parse().unwrap_err()
}

#[test]
fn a_new_policy_is_sent_in_the_apis_shape() {
    let draft = PolicyDraft {
        name: "Everyone".into(),
        ..PolicyDraft::default()
    };
    let definition = draft.parse().unwrap();
    let sent = serde_json::to_value(&definition).unwrap();
    assert_eq!(sent["name"], json!("Everyone"));
    assert_eq!(sent["enabled"], json!(true));
    assert_eq!(sent["who_can_request"], json!({"type": "all_members"}));
    assert_eq!(sent["approval"], json!({"type": "none"}));
    assert_eq!(
        sent["lifecycle"]["expiry"],
        json!({"type": "after_days", "days": 365})
    );
    assert_eq!(sent["lifecycle"]["self_removal_allowed"], json!(true));
}

#[test]
fn a_stage_with_a_manager_and_a_fallback_user_is_sent_and_reads_back() {
    let draft = manager_approval();
    let definition = draft.parse().unwrap();
    let sent = serde_json::to_value(&definition).unwrap();
    assert_eq!(
        sent["approval"]["stages"][0]["primary_approvers"],
        json!([{"type": "manager", "level": 1}])
    );
    assert_eq!(
        sent["approval"]["stages"][0]["fallback_approvers"],
        json!([{"type": "user", "user_id": USER}])
    );
    assert_eq!(sent["approval"]["stages"][0]["timeout_days"], json!(7));
    assert_eq!(PolicyDraft::of(&definition), draft);
}

#[test]
fn questions_escalation_and_specific_requesters_read_back_unchanged() {
    let mut draft = manager_approval();
    draft.who = Who::Specific;
    draft.users = vec![USER.into()];
    draft.groups = vec![GROUP.into()];
    let stage = &mut draft.stages[0];
    stage.timeout_days = "10".into();
    stage.escalate = true;
    stage.after_days = "6".into();
    stage.escalation = vec![approver(0, ApproverKind::GroupMembers, GROUP)];
    let mut question = QuestionDraft::new(&[]);
    question.text = "Which region?".into();
    question.kind = QuestionKind::SingleChoice;
    question.choices = "North\nSouth".into();
    let mut second = QuestionDraft::new(std::slice::from_ref(&question));
    second.text = "Ticket".into();
    second.regex = "[A-Z]+-[0-9]+".into();
    assert_eq!((question.id.as_str(), second.id.as_str()), ("q1", "q2"));
    assert_eq!((question.key, second.key), (0, 1));
    draft.questions = vec![question, second];
    draft.expiry = ExpiryKind::OnDate;
    draft.expiry_date = "2031-01-31".into();
    draft.may_choose_dates = true;

    let definition = draft.parse().unwrap();
    let sent = serde_json::to_value(&definition).unwrap();
    assert_eq!(
        sent["requester"]["questions"][0]["choices"],
        json!(["North", "South"])
    );
    assert_eq!(
        sent["lifecycle"]["expiry"],
        json!({"type": "on_date", "at": "2031-01-31T00:00:00Z"})
    );
    assert_eq!(PolicyDraft::of(&definition), draft);
}

#[test]
fn an_approver_without_a_choice_is_refused_at_its_place_in_the_list() {
    let mut draft = manager_approval();
    draft.stages[0].primary = vec![
        approver(0, ApproverKind::Manager, ""),
        approver(1, ApproverKind::User, ""),
        approver(2, ApproverKind::GroupMembers, "not an id"),
        approver(3, ApproverKind::GroupOwners, ""),
    ];
    let errors = refused(&draft);
    assert_eq!(
        fields(&errors),
        [
            "approval.stages[0].primary_approvers[1]",
            "approval.stages[0].primary_approvers[2]",
            "approval.stages[0].primary_approvers[3]",
        ]
    );
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "choose a user",
            "choose a group",
            "choose a group of this package"
        ]
    );
}

#[test]
fn unreadable_numbers_of_a_stage_are_refused_at_their_fields() {
    let mut draft = manager_approval();
    draft.stages[0].timeout_days = "a week".into();
    draft.stages[0].escalate = true;
    draft.stages[0].after_days = "".into();
    let errors = refused(&draft);
    let found = fields(&errors);
    assert!(
        found.contains(&"approval.stages[0].timeout_days"),
        "{found:?}"
    );
    assert!(
        found.contains(&"approval.stages[0].escalation.after_days"),
        "{found:?}"
    );
}

#[test]
fn escalation_and_fallback_approvers_are_refused_at_their_own_lists() {
    let mut draft = manager_approval();
    draft.stages[0].fallback = vec![approver(0, ApproverKind::User, "")];
    draft.stages[0].timeout_days = "10".into();
    draft.stages[0].escalate = true;
    draft.stages[0].after_days = "6".into();
    draft.stages[0].escalation = vec![approver(0, ApproverKind::User, "")];
    draft.stages[0].escalation_fallback = vec![approver(0, ApproverKind::GroupMembers, "")];
    let errors = refused(&draft);
    let found = fields(&errors);
    for field in [
        "approval.stages[0].fallback_approvers[0]",
        "approval.stages[0].escalation.approvers[0]",
        "approval.stages[0].escalation.fallback_approvers[0]",
    ] {
        assert!(found.contains(&field), "{field} not in {found:?}");
    }
}

#[test]
fn each_kind_of_expiry_refuses_its_own_field() {
    for (kind, field) in [
        (ExpiryKind::OnDate, "lifecycle.expiry.at"),
        (ExpiryKind::AfterDays, "lifecycle.expiry.days"),
        (ExpiryKind::AfterHours, "lifecycle.expiry.hours"),
    ] {
        let draft = PolicyDraft {
            name: "Timed".into(),
            expiry: kind,
            expiry_date: "31/12/2031".into(),
            expiry_days: "forever".into(),
            expiry_hours: "".into(),
            ..PolicyDraft::default()
        };
        // The domain may refuse the number that stood in as well, at the same field.
        let errors = refused(&draft);
        assert!(!errors.is_empty());
        assert!(
            fields(&errors).iter().all(|found| *found == field),
            "{kind:?}: {errors:?}"
        );
    }
}

#[test]
fn the_domains_rules_are_checked_before_sending() {
    let draft = PolicyDraft::default();
    assert_eq!(fields(&refused(&draft)), ["name"]);

    let mut no_stage = manager_approval();
    no_stage.stages.clear();
    assert_eq!(fields(&refused(&no_stage)), ["approval.stages"]);
}

#[test]
fn a_new_stage_asks_for_one_user_and_a_week() {
    let stage = StageDraft::new(4);
    assert_eq!(stage.key(), 4);
    assert_eq!(stage.primary, [approver(0, ApproverKind::User, "")]);
    assert_eq!(stage.timeout_days, "7");
}

#[test]
fn a_removed_question_frees_its_id_and_keys_stay_with_their_rows() {
    let first = QuestionDraft::new(&[]);
    let second = QuestionDraft::new(std::slice::from_ref(&first));
    let mut questions = vec![first, second];
    remove_row(&mut questions, 0);
    let third = QuestionDraft::new(&questions);
    assert_eq!(
        (third.id.as_str(), third.key),
        ("q1", fresh_key(&questions))
    );
    questions.push(third);
    move_row(&mut questions, 2, true);
    let ids: Vec<&str> = questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, ["q1", "q2"]);
}

#[test]
fn an_extension_with_approval_is_sent_and_reads_back() {
    let draft = PolicyDraft {
        extension: Extension::WithApproval,
        ..manager_approval()
    };
    let definition = draft.parse().unwrap();
    assert_eq!(
        serde_json::to_value(definition.lifecycle.extension).unwrap(),
        json!({"type": "allowed", "approval_required": true})
    );
    assert_eq!(PolicyDraft::of(&definition), draft);
}

#[test]
fn approver_kinds_read_back_from_their_values() {
    for kind in ApproverKind::ALL {
        assert_eq!(ApproverKind::parse(kind.value()), kind);
    }
    assert_eq!(ApproverKind::parse("unknown"), ApproverKind::User);
    for kind in QuestionKind::ALL {
        assert_eq!(QuestionKind::parse(kind.value()), Some(kind));
    }
}

fn extension(name: &str, stage: ExtensionStage, mode: ExtensionMode) -> ExtensionDraft {
    ExtensionDraft {
        name: name.into(),
        stage,
        url: "https://desk.example.org/hook".into(),
        mode,
        ..ExtensionDraft::new(0)
    }
}

fn with_extensions(extensions: Vec<ExtensionDraft>) -> PolicyDraft {
    let custom_extensions = extensions
        .into_iter()
        .enumerate()
        .map(|(key, row)| ExtensionDraft { key, ..row })
        .collect();
    PolicyDraft {
        name: "Hooked".into(),
        custom_extensions,
        ..PolicyDraft::default()
    }
}

#[test]
fn custom_extensions_are_sent_in_the_apis_shape_and_read_back() {
    let mut wait = extension(
        "Service desk",
        ExtensionStage::RequestCreated,
        ExtensionMode::LaunchAndWait,
    );
    wait.timeout = "90".into();
    wait.unit = WaitUnit::Minutes;
    wait.timeout_outcome = ExtensionOutcome::Continue;
    let draft = with_extensions(vec![
        wait,
        extension(
            "Audit log",
            ExtensionStage::AssignmentGranted,
            ExtensionMode::LaunchAndContinue,
        ),
    ]);
    let definition = draft.parse().unwrap();
    assert_eq!(
        serde_json::to_value(&definition.custom_extensions).unwrap(),
        json!([
            {"name": "Service desk", "stage": "request_created", "url": "https://desk.example.org/hook",
             "mode": "launch_and_wait", "timeout_seconds": 5400, "timeout_outcome": "continue"},
            {"name": "Audit log", "stage": "assignment_granted", "url": "https://desk.example.org/hook",
             "mode": "launch_and_continue"}
        ])
    );
    // 5400 seconds read back as 90 minutes, and a continue-only extension keeps the defaults.
    assert_eq!(PolicyDraft::of(&definition), draft);
}

#[test]
fn a_wait_reads_in_the_largest_unit_that_divides_it() {
    assert_eq!(WaitUnit::split(172_800), (2, WaitUnit::Days));
    assert_eq!(WaitUnit::split(7_200), (2, WaitUnit::Hours));
    assert_eq!(WaitUnit::split(90), (90, WaitUnit::Seconds));
    assert_eq!(WaitUnit::split(120), (2, WaitUnit::Minutes));
    for unit in WaitUnit::ALL {
        assert_eq!(WaitUnit::parse(unit.value()), unit);
    }
}

#[test]
fn only_request_stages_may_wait_and_each_at_most_once() {
    let granted = with_extensions(vec![extension(
        "Ticket",
        ExtensionStage::AssignmentGranted,
        ExtensionMode::LaunchAndWait,
    )]);
    assert_eq!(fields(&refused(&granted)), ["custom_extensions[0].mode"]);
    let twice = with_extensions(vec![
        extension(
            "First",
            ExtensionStage::RequestApproved,
            ExtensionMode::LaunchAndWait,
        ),
        extension(
            "Second",
            ExtensionStage::RequestApproved,
            ExtensionMode::LaunchAndWait,
        ),
    ]);
    assert_eq!(fields(&refused(&twice)), ["custom_extensions[1].mode"]);
}

#[test]
fn an_extensions_url_name_and_timeout_are_refused_at_their_fields() {
    let mut plain = extension(
        "Ticket",
        ExtensionStage::RequestCreated,
        ExtensionMode::LaunchAndContinue,
    );
    plain.url = "http://desk.example.org/hook".into();
    assert_eq!(
        fields(&refused(&with_extensions(vec![plain]))),
        ["custom_extensions[0].url"]
    );
    let mut loopback = extension(
        "Ticket",
        ExtensionStage::RequestCreated,
        ExtensionMode::LaunchAndContinue,
    );
    loopback.url = "http://127.0.0.1:8080/hook".into();
    assert!(with_extensions(vec![loopback]).parse().is_ok());

    let same_name = with_extensions(vec![
        extension(
            "Ticket",
            ExtensionStage::RequestCreated,
            ExtensionMode::LaunchAndContinue,
        ),
        extension(
            "ticket",
            ExtensionStage::RequestApproved,
            ExtensionMode::LaunchAndContinue,
        ),
    ]);
    assert_eq!(fields(&refused(&same_name)), ["custom_extensions[1].name"]);

    for (timeout, unit) in [
        ("a day", WaitUnit::Days),
        ("15", WaitUnit::Days),
        ("0", WaitUnit::Hours),
        ("99999999999", WaitUnit::Seconds),
        ("5000000", WaitUnit::Days),
    ] {
        let mut wait = extension(
            "Ticket",
            ExtensionStage::RequestCreated,
            ExtensionMode::LaunchAndWait,
        );
        wait.timeout = timeout.into();
        wait.unit = unit;
        let errors = refused(&with_extensions(vec![wait]));
        assert_eq!(
            fields(&errors),
            ["custom_extensions[0].timeout_seconds"],
            "{timeout} {unit:?}"
        );
    }
}

#[test]
fn a_continue_extension_sends_no_timeout_even_if_one_was_typed() {
    let mut go_on = extension(
        "Log",
        ExtensionStage::RequestCreated,
        ExtensionMode::LaunchAndContinue,
    );
    go_on.timeout = "not read".into();
    let definition = with_extensions(vec![go_on]).parse().unwrap();
    assert_eq!(definition.custom_extensions[0].timeout_seconds, None);
    assert_eq!(definition.custom_extensions[0].timeout_outcome, None);
}

#[test]
fn a_wait_is_told_in_words() {
    let mut wait = extension(
        "Desk",
        ExtensionStage::RequestCreated,
        ExtensionMode::LaunchAndWait,
    );
    let definition = with_extensions(vec![wait.clone()]).parse().unwrap();
    assert_eq!(
        wait_words(&definition.custom_extensions[0]).as_deref(),
        Some("Waits up to 1 day, then the request is denied")
    );
    wait.timeout = "90".into();
    wait.unit = WaitUnit::Seconds;
    wait.timeout_outcome = ExtensionOutcome::Continue;
    let definition = with_extensions(vec![wait]).parse().unwrap();
    assert_eq!(
        wait_words(&definition.custom_extensions[0]).as_deref(),
        Some("Waits up to 90 seconds, then the request goes on")
    );
    let go_on = with_extensions(vec![extension(
        "Log",
        ExtensionStage::RequestCreated,
        ExtensionMode::LaunchAndContinue,
    )])
    .parse()
    .unwrap();
    assert_eq!(wait_words(&go_on.custom_extensions[0]), None);
}
