//! Reviewer resolution against a directory.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{group, input, user};
use crate::policy::DirectoryView;
use crate::review::*;
use crate::{ApplicationId, GroupId, UserId};

#[derive(Clone, Debug, Default)]
struct Directory {
    managers: BTreeMap<UserId, UserId>,
    members: BTreeMap<GroupId, BTreeSet<UserId>>,
    owners: BTreeMap<GroupId, BTreeSet<UserId>>,
    disabled: BTreeSet<UserId>,
}

impl DirectoryView for Directory {
    fn manager_of(&self, user: UserId) -> Option<UserId> {
        self.managers.get(&user).copied()
    }
    fn sponsors_of(&self, _user: UserId) -> BTreeSet<UserId> {
        BTreeSet::new()
    }
    fn members_of(&self, group: GroupId) -> BTreeSet<UserId> {
        self.members.get(&group).cloned().unwrap_or_default()
    }
    fn owners_of(&self, group: GroupId) -> BTreeSet<UserId> {
        self.owners.get(&group).cloned().unwrap_or_default()
    }
    fn can_approve(&self, user: UserId) -> bool {
        !self.disabled.contains(&user)
    }
}

const ADA: u128 = 1;
const BOB: u128 = 2;
const CAROL: u128 = 3;
const DAN: u128 = 4;
const FAY: u128 = 9;

fn set(people: &[u128]) -> BTreeSet<UserId> {
    people.iter().map(|n| user(*n)).collect()
}

/// Group 1 is reviewed; Bob manages Ada; Ada and Dan are members of group 2; Ada and Carol
/// own group 1.
fn org() -> Directory {
    let mut directory = Directory::default();
    directory.managers.insert(user(ADA), user(BOB));
    directory.members.insert(group(2), set(&[ADA, DAN]));
    directory.owners.insert(group(1), set(&[ADA, CAROL]));
    directory
}

/// A stage built through validation, as production code gets one.
fn stage(reviewers: Value) -> ReviewStage {
    let value = json!({
        "name": "Resolution",
        "scope": { "resources": { "type": "groups", "group_ids": [group(1)] } },
        "stages": [{
            "reviewers": reviewers,
            "fallback_reviewers": [{ "type": "user", "user_id": user(FAY) }],
            "duration_days": 7
        }],
        "schedule": { "type": "one_time", "starts_at": "2026-03-02T12:00:00Z" }
    });
    match validate_record(&input(value)) {
        Ok(definition) => definition.stages()[0].clone(),
        Err(errors) => panic!("test stage refused: {errors:?}"),
    }
}

fn reviewed() -> ReviewedResource {
    ReviewedResource::Group { group_id: group(1) }
}

#[test]
fn each_reviewer_set_resolves_to_people_never_the_person_outside_self_review() {
    let mut disabled = org();
    disabled.disabled.insert(user(ADA));
    let mut no_owners = org();
    no_owners.owners.clear();
    // Name, reviewers, directory, person reviewed, who reviews, whether the fallback did.
    type Case = (&'static str, Value, Directory, u128, BTreeSet<UserId>, bool);
    let cases: Vec<Case> = vec![
        (
            "a self-review asks the person",
            json!([{ "type": "self_review" }]),
            org(),
            ADA,
            set(&[ADA]),
            false,
        ),
        (
            "a person who can't sign in is reviewed by the fallback",
            json!([{ "type": "self_review" }]),
            disabled.clone(),
            ADA,
            set(&[FAY]),
            true,
        ),
        (
            "the manager reviews",
            json!([{ "type": "manager" }]),
            org(),
            ADA,
            set(&[BOB]),
            false,
        ),
        (
            "someone without a manager is reviewed by the fallback",
            json!([{ "type": "manager" }]),
            org(),
            CAROL,
            set(&[FAY]),
            true,
        ),
        (
            "the reviewed group's owners review, but not an owner's own membership",
            json!([{ "type": "group_owners" }]),
            org(),
            ADA,
            set(&[CAROL]),
            false,
        ),
        (
            "a group without owners falls back",
            json!([{ "type": "group_owners" }]),
            no_owners,
            DAN,
            set(&[FAY]),
            true,
        ),
        (
            "a reviewing group's members review the others",
            json!([{ "type": "group_members", "group_id": group(2) }]),
            org(),
            ADA,
            set(&[DAN]),
            false,
        ),
        (
            "a named reviewer who is the person falls back",
            json!([{ "type": "user", "user_id": user(ADA) }]),
            org(),
            ADA,
            set(&[FAY]),
            true,
        ),
        (
            "disabled reviewers are left out",
            json!([{ "type": "group_members", "group_id": group(2) }]),
            disabled,
            DAN,
            set(&[FAY]),
            true,
        ),
    ];
    for (name, reviewers, directory, person, expected, used_fallback) in cases {
        let resolved = resolve_reviewers(&stage(reviewers), reviewed(), user(person), &directory);
        assert_eq!(
            resolved,
            ResolvedReviewers {
                reviewers: expected,
                used_fallback
            },
            "{name}"
        );
    }
}

#[test]
fn group_owners_review_nothing_but_a_group() {
    let application = ReviewedResource::Application {
        application_id: ApplicationId::from_uuid(uuid::Uuid::from_u128(0xa)),
    };
    let resolved = resolve_reviewers(
        &stage(json!([{ "type": "group_owners" }])),
        application,
        user(DAN),
        &org(),
    );
    assert_eq!(resolved.reviewers, set(&[FAY]));
    assert!(resolved.used_fallback);
}

fn any_user() -> impl Strategy<Value = UserId> {
    (1u128..=8).prop_map(user)
}

fn any_directory() -> impl Strategy<Value = Directory> {
    let people = || proptest::collection::btree_set(any_user(), 0..5);
    (
        proptest::collection::btree_map(any_user(), any_user(), 0..8),
        proptest::collection::btree_map((1u128..=3).prop_map(group), people(), 0..3),
        proptest::collection::btree_map((1u128..=3).prop_map(group), people(), 0..3),
        proptest::collection::btree_set(any_user(), 0..3),
    )
        .prop_map(|(managers, members, owners, disabled)| Directory {
            managers,
            members,
            owners,
            disabled,
        })
}

fn any_fixed_or_relative() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({ "type": "manager" })),
        Just(json!({ "type": "group_owners" })),
        (1u128..=8).prop_map(|n| json!({ "type": "user", "user_id": user(n) })),
        (2u128..=3).prop_map(|n| json!({ "type": "group_members", "group_id": group(n) })),
    ]
}

proptest! {
    /// Outside a self-review the person is never among their reviewers; in one, they are the
    /// only one when they can decide at all; nobody disabled ever reviews.
    #[test]
    fn the_person_reviews_themselves_only_in_a_self_review(
        directory in any_directory(),
        reviewers in proptest::collection::btree_set(any_fixed_or_relative().prop_map(|value| value.to_string()), 1..4),
        self_review in any::<bool>(),
        person in any_user(),
    ) {
        let reviewers: Vec<Value> = if self_review {
            vec![json!({ "type": "self_review" })]
        } else {
            reviewers
                .iter()
                .filter_map(|raw| serde_json::from_str(raw).ok())
                .filter(|value: &Value| value != &json!({ "type": "user", "user_id": user(FAY) }))
                .collect()
        };
        prop_assume!(!reviewers.is_empty());
        let stage = stage(Value::Array(reviewers));
        let resolved = resolve_reviewers(&stage, reviewed(), person, &directory);
        if self_review && directory.can_approve(person) {
            prop_assert_eq!(&resolved.reviewers, &BTreeSet::from([person]));
        } else {
            prop_assert!(!resolved.reviewers.contains(&person));
        }
        prop_assert!(resolved.reviewers.iter().all(|reviewer| directory.can_approve(*reviewer)));
    }
}
