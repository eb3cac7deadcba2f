//! Turning a stage's approver sets into people.
//!
//! Pure and synchronous: the caller loads what the stage needs from the directory (the target's
//! managers and sponsors, the named groups' members and owners) into something that implements
//! [`DirectoryView`], then calls [`resolve_stage`] when a stage starts and
//! [`resolve_escalation`] when it escalates.
//!
//! Nobody approves a request for their own access, and nobody approves a request they made: the
//! person the access is for (the target) and the requester are left out of every set, however
//! they got into it (named, group member, group owner, manager, sponsor). The reference product
//! blocks self-approval the same way (`entra-governance.md` §1.5). So when a manager requests
//! for a report under a policy their own approval would decide, the fallback approvers decide.
//! Fallback approvers are used when the primary set is empty after those exclusions.

use std::collections::BTreeSet;

use super::approval::{ApprovalStage, ApproverSpec, ManagerLevel};
use crate::{GroupId, UserId};

/// What approver resolution needs to know about the directory.
pub trait DirectoryView {
    /// The user's direct manager, if any. Level 2 is found by asking twice.
    fn manager_of(&self, user: UserId) -> Option<UserId>;
    /// The user's sponsors.
    fn sponsors_of(&self, user: UserId) -> BTreeSet<UserId>;
    /// The group's members, as the directory defines membership.
    fn members_of(&self, group: GroupId) -> BTreeSet<UserId>;
    /// The group's owners.
    fn owners_of(&self, group: GroupId) -> BTreeSet<UserId>;
    /// Whether the user may decide at all: an existing, enabled account that can sign in to
    /// the portal. Disabled accounts resolve to nobody, so the fallback takes over.
    fn can_approve(&self, user: UserId) -> bool;
}

/// A directory view in which `gone` decides nothing: the person leaving, while the
/// directory still says they are enabled (the change is not written yet).
pub struct Without<'a, V> {
    pub view: &'a V,
    pub gone: Option<UserId>,
}

impl<V: DirectoryView> DirectoryView for Without<'_, V> {
    fn manager_of(&self, user: UserId) -> Option<UserId> {
        self.view.manager_of(user)
    }
    fn sponsors_of(&self, user: UserId) -> BTreeSet<UserId> {
        self.view.sponsors_of(user)
    }
    fn members_of(&self, group: GroupId) -> BTreeSet<UserId> {
        self.view.members_of(group)
    }
    fn owners_of(&self, group: GroupId) -> BTreeSet<UserId> {
        self.view.owners_of(group)
    }
    fn can_approve(&self, user: UserId) -> bool {
        Some(user) != self.gone && self.view.can_approve(user)
    }
}

/// The people who decide a stage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolvedApprovers {
    pub approvers: BTreeSet<UserId>,
    /// Whether the primary (or escalation) set was empty and the fallback was used.
    pub used_fallback: bool,
}

impl ResolvedApprovers {
    /// Nobody can decide: the caller must not leave the request waiting for no one (deny it,
    /// or hand it to administrators, and say why).
    pub fn is_empty(&self) -> bool {
        self.approvers.is_empty()
    }
}

/// The stage's primary approvers, or its fallback approvers when the primary ones resolve to
/// nobody once the target and the requester are left out.
pub fn resolve_stage(
    stage: &ApprovalStage,
    requester: UserId,
    target: UserId,
    view: &impl DirectoryView,
) -> ResolvedApprovers {
    resolve_with_fallback(stage.primary(), stage.fallback(), requester, target, view)
}

/// The stage's escalation approvers (or their fallback), when it escalates; `None` when it
/// doesn't. The primary approvers can still decide after an escalation: the caller adds these.
pub fn resolve_escalation(
    stage: &ApprovalStage,
    requester: UserId,
    target: UserId,
    view: &impl DirectoryView,
) -> Option<ResolvedApprovers> {
    stage.escalation().map(|escalation| {
        resolve_with_fallback(
            escalation.approvers(),
            escalation.fallback(),
            requester,
            target,
            view,
        )
    })
}

/// The stage's fallback approvers alone: who decides once none of the people asked is left
/// (they left the organisation, say). Resolved as the fallback is when a stage starts.
pub fn resolve_fallback(
    stage: &ApprovalStage,
    requester: UserId,
    target: UserId,
    view: &impl DirectoryView,
) -> ResolvedApprovers {
    ResolvedApprovers {
        approvers: resolve_specs(stage.fallback(), requester, target, view),
        used_fallback: true,
    }
}

/// Whether `person` would be one of the stage's first approvers only because the stage asks
/// for the target's direct manager: the stage names the manager, and none of its other
/// entries (a named user, a group, the second-level manager, sponsors) finds `person`. A
/// named approver who happens to be the manager is asked as that name, not as the manager.
pub fn asked_only_as_manager(
    stage: &ApprovalStage,
    requester: UserId,
    target: UserId,
    person: UserId,
    view: &impl DirectoryView,
) -> bool {
    let direct = ApproverSpec::Manager {
        level: ManagerLevel::DIRECT,
    };
    let (managers, others): (Vec<ApproverSpec>, Vec<ApproverSpec>) = stage
        .primary()
        .iter()
        .copied()
        .partition(|spec| *spec == direct);
    !managers.is_empty() && !resolve_specs(&others, requester, target, view).contains(&person)
}

fn resolve_with_fallback(
    primary: &[ApproverSpec],
    fallback: &[ApproverSpec],
    requester: UserId,
    target: UserId,
    view: &impl DirectoryView,
) -> ResolvedApprovers {
    let approvers = resolve_specs(primary, requester, target, view);
    if !approvers.is_empty() {
        return ResolvedApprovers {
            approvers,
            used_fallback: false,
        };
    }
    ResolvedApprovers {
        approvers: resolve_specs(fallback, requester, target, view),
        used_fallback: true,
    }
}

fn resolve_specs(
    specs: &[ApproverSpec],
    requester: UserId,
    target: UserId,
    view: &impl DirectoryView,
) -> BTreeSet<UserId> {
    let mut people = BTreeSet::new();
    for spec in specs {
        match *spec {
            ApproverSpec::User { user_id } => {
                people.insert(user_id);
            }
            ApproverSpec::GroupMembers { group_id } => people.extend(view.members_of(group_id)),
            ApproverSpec::GroupOwners { group_id } => people.extend(view.owners_of(group_id)),
            ApproverSpec::Manager { level } => people.extend(manager(view, target, level)),
            ApproverSpec::Sponsors {} => people.extend(view.sponsors_of(target)),
        }
    }
    people.retain(|person| *person != target && *person != requester && view.can_approve(*person));
    people
}

/// Walks up the management chain one step at a time, so a store answers only "who manages
/// this person".
fn manager(view: &impl DirectoryView, user: UserId, level: ManagerLevel) -> Option<UserId> {
    (0..level.steps()).try_fold(user, |person, _| view.manager_of(person))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::policy::Errors;
    use crate::policy::approval::{ApprovalDefinition, StageDefinition, validate};

    fn user(n: u128) -> UserId {
        UserId::from_uuid(uuid::Uuid::from_u128(n))
    }

    fn group(n: u128) -> GroupId {
        GroupId::from_uuid(uuid::Uuid::from_u128(1000 + n))
    }

    #[derive(Default, Debug, Clone)]
    struct Directory {
        managers: BTreeMap<UserId, UserId>,
        sponsors: BTreeMap<UserId, BTreeSet<UserId>>,
        members: BTreeMap<GroupId, BTreeSet<UserId>>,
        owners: BTreeMap<GroupId, BTreeSet<UserId>>,
        disabled: BTreeSet<UserId>,
    }

    impl DirectoryView for Directory {
        fn manager_of(&self, user: UserId) -> Option<UserId> {
            self.managers.get(&user).copied()
        }
        fn sponsors_of(&self, user: UserId) -> BTreeSet<UserId> {
            self.sponsors.get(&user).cloned().unwrap_or_default()
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

    /// A stage built through validation, as production code gets one.
    fn stage(primary: Vec<ApproverSpec>, fallback: Vec<ApproverSpec>) -> ApprovalStage {
        let definition = ApprovalDefinition::Required {
            stages: vec![StageDefinition {
                primary_approvers: primary,
                fallback_approvers: fallback,
                timeout_days: 14,
                escalation: None,
                approver_justification_required: false,
            }],
        };
        let mut errors = Errors::default();
        match validate(&mut errors, &definition).and_then(|stages| stages.into_iter().next()) {
            Some(stage) => stage,
            None => panic!("test stage refused: {errors:?}"),
        }
    }

    fn set(users: &[u128]) -> BTreeSet<UserId> {
        users.iter().map(|n| user(*n)).collect()
    }

    const ADA: u128 = 1;
    const BOB: u128 = 2;
    const CAROL: u128 = 3;
    const DAN: u128 = 4;
    const ERIN: u128 = 5;

    fn org() -> Directory {
        let mut directory = Directory::default();
        directory.managers.insert(user(ADA), user(BOB));
        directory.managers.insert(user(BOB), user(CAROL));
        directory.sponsors.insert(user(ADA), set(&[DAN]));
        directory.members.insert(group(1), set(&[ADA, DAN, ERIN]));
        directory.owners.insert(group(1), set(&[CAROL]));
        directory
    }

    #[test]
    fn the_manager_and_second_level_manager_are_the_targets_not_the_requesters() {
        let stage = stage(
            vec![ApproverSpec::Manager {
                level: ManagerLevel::SECOND,
            }],
            vec![ApproverSpec::User {
                user_id: user(ERIN),
            }],
        );
        // Bob requests for Ada: Ada's second-level manager is Carol.
        let resolved = resolve_stage(&stage, user(BOB), user(ADA), &org());
        assert_eq!(resolved.approvers, set(&[CAROL]));
        assert!(!resolved.used_fallback);
    }

    #[test]
    fn a_target_in_the_approving_group_does_not_approve_their_own_request() {
        let stage = stage(
            vec![ApproverSpec::GroupMembers { group_id: group(1) }],
            vec![],
        );
        let resolved = resolve_stage(&stage, user(ADA), user(ADA), &org());
        assert_eq!(resolved.approvers, set(&[DAN, ERIN]));
    }

    #[test]
    fn a_manager_requesting_for_a_report_does_not_approve_it_the_fallback_does() {
        let stage = stage(
            vec![ApproverSpec::Manager {
                level: ManagerLevel::DIRECT,
            }],
            vec![ApproverSpec::GroupOwners { group_id: group(1) }],
        );
        let resolved = resolve_stage(&stage, user(BOB), user(ADA), &org());
        assert_eq!(
            resolved,
            ResolvedApprovers {
                approvers: set(&[CAROL]),
                used_fallback: true
            }
        );
    }

    #[test]
    fn someone_without_a_manager_falls_back() {
        let stage = stage(
            vec![ApproverSpec::Manager {
                level: ManagerLevel::DIRECT,
            }],
            vec![ApproverSpec::User {
                user_id: user(ERIN),
            }],
        );
        let resolved = resolve_stage(&stage, user(CAROL), user(CAROL), &org());
        assert_eq!(resolved.approvers, set(&[ERIN]));
        assert!(resolved.used_fallback);
    }

    #[test]
    fn disabled_approvers_are_left_out_and_the_fallback_takes_over() {
        let mut directory = org();
        directory.disabled.insert(user(DAN));
        let stage = stage(
            vec![ApproverSpec::Sponsors {}],
            vec![ApproverSpec::User {
                user_id: user(ERIN),
            }],
        );
        let resolved = resolve_stage(&stage, user(ADA), user(ADA), &directory);
        assert_eq!(resolved.approvers, set(&[ERIN]));
        assert!(resolved.used_fallback);
    }

    #[test]
    fn when_the_fallback_is_empty_too_nobody_can_decide() {
        let stage = stage(vec![ApproverSpec::User { user_id: user(ADA) }], vec![]);
        let resolved = resolve_stage(&stage, user(ADA), user(ADA), &org());
        assert!(resolved.is_empty());
        assert!(resolved.used_fallback);
    }

    #[test]
    fn a_stage_without_escalation_resolves_no_escalation() {
        let stage = stage(vec![ApproverSpec::User { user_id: user(BOB) }], vec![]);
        assert_eq!(
            resolve_escalation(&stage, user(ADA), user(ADA), &org()),
            None
        );
    }

    fn any_user() -> impl Strategy<Value = UserId> {
        (1u128..=8).prop_map(user)
    }

    fn any_directory() -> impl Strategy<Value = Directory> {
        let people = || proptest::collection::btree_set(any_user(), 0..5);
        (
            proptest::collection::btree_map(any_user(), any_user(), 0..8),
            proptest::collection::btree_map(any_user(), people(), 0..8),
            proptest::collection::btree_map((1u128..=3).prop_map(group), people(), 0..3),
            proptest::collection::btree_map((1u128..=3).prop_map(group), people(), 0..3),
            proptest::collection::btree_set(any_user(), 0..3),
        )
            .prop_map(
                |(managers, sponsors, members, owners, disabled)| Directory {
                    managers,
                    sponsors,
                    members,
                    owners,
                    disabled,
                },
            )
    }

    fn any_spec() -> impl Strategy<Value = ApproverSpec> {
        prop_oneof![
            any_user().prop_map(|user_id| ApproverSpec::User { user_id }),
            (1u128..=3).prop_map(|n| ApproverSpec::GroupMembers { group_id: group(n) }),
            (1u128..=3).prop_map(|n| ApproverSpec::GroupOwners { group_id: group(n) }),
            Just(ApproverSpec::Manager {
                level: ManagerLevel::DIRECT
            }),
            Just(ApproverSpec::Manager {
                level: ManagerLevel::SECOND
            }),
            Just(ApproverSpec::Sponsors {}),
        ]
    }

    fn any_fixed_spec() -> impl Strategy<Value = ApproverSpec> {
        any_spec().prop_filter("fallbacks are fixed", |spec| !spec.is_relative())
    }

    fn dedup(specs: Vec<ApproverSpec>) -> Vec<ApproverSpec> {
        let mut seen = BTreeSet::new();
        specs
            .into_iter()
            .filter(|spec| seen.insert(*spec))
            .collect()
    }

    proptest! {
        #[test]
        fn resolved_approvers_never_contain_the_target_the_requester_or_a_disabled_user(
            directory in any_directory(),
            primary in proptest::collection::vec(any_spec(), 1..5),
            fallback in proptest::collection::vec(any_fixed_spec(), 1..4),
            requester in any_user(),
            target in any_user(),
        ) {
            let primary = dedup(primary);
            let fallback: Vec<_> = dedup(fallback).into_iter().filter(|spec| !primary.contains(spec)).collect();
            prop_assume!(!fallback.is_empty());
            let stage = stage(primary, fallback);
            let resolved = resolve_stage(&stage, requester, target, &directory);
            prop_assert!(!resolved.approvers.contains(&target));
            prop_assert!(!resolved.approvers.contains(&requester));
            prop_assert!(resolved.approvers.iter().all(|person| directory.can_approve(*person)));
        }

        #[test]
        fn the_fallback_is_used_exactly_when_the_primary_approvers_resolve_to_nobody(
            directory in any_directory(),
            primary in proptest::collection::vec(any_fixed_spec(), 1..4),
            requester in any_user(),
            target in any_user(),
        ) {
            let primary = dedup(primary);
            let fallback = vec![ApproverSpec::User { user_id: user(99) }];
            let stage = stage(primary.clone(), fallback);
            let resolved = resolve_stage(&stage, requester, target, &directory);
            let primary_people = resolve_specs(&primary, requester, target, &directory);
            prop_assert_eq!(resolved.used_fallback, primary_people.is_empty());
            if resolved.used_fallback {
                prop_assert_eq!(resolved.approvers, set(&[99]));
            } else {
                prop_assert_eq!(resolved.approvers, primary_people);
            }
        }
    }
}
