//! The directory around a request, loaded to resolve its approvers.

use std::collections::{BTreeSet, HashMap};

use tessera_domain::policy::{
    ApproverSpec, DirectoryView, ResolvedApprovers, ValidPolicy, resolve_escalation, resolve_stage,
};
use tessera_domain::{GroupId, UserId};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::state::AppState;
use crate::store;

/// The directory around one request, loaded before resolving approvers: the target's managers
/// and sponsors, the members and owners of the groups the policy names, and who is enabled.
#[derive(Default)]
pub(crate) struct LoadedDirectory {
    managers: HashMap<UserId, UserId>,
    sponsors: BTreeSet<UserId>,
    target: Option<UserId>,
    members: HashMap<GroupId, BTreeSet<UserId>>,
    owners: HashMap<GroupId, BTreeSet<UserId>>,
    enabled: BTreeSet<UserId>,
}

impl DirectoryView for LoadedDirectory {
    fn manager_of(&self, user: UserId) -> Option<UserId> {
        self.managers.get(&user).copied()
    }
    fn sponsors_of(&self, user: UserId) -> BTreeSet<UserId> {
        if Some(user) == self.target {
            self.sponsors.clone()
        } else {
            BTreeSet::new()
        }
    }
    fn members_of(&self, group: GroupId) -> BTreeSet<UserId> {
        self.members.get(&group).cloned().unwrap_or_default()
    }
    fn owners_of(&self, group: GroupId) -> BTreeSet<UserId> {
        self.owners.get(&group).cloned().unwrap_or_default()
    }
    fn can_approve(&self, user: UserId) -> bool {
        self.enabled.contains(&user)
    }
}

fn all_specs(policy: &ValidPolicy) -> Vec<ApproverSpec> {
    let mut specs = Vec::new();
    for stage in policy.stages() {
        specs.extend_from_slice(stage.primary());
        specs.extend_from_slice(stage.fallback());
        if let Some(escalation) = stage.escalation() {
            specs.extend_from_slice(escalation.approvers());
            specs.extend_from_slice(escalation.fallback());
        }
    }
    specs
}

pub(crate) async fn load_directory(
    state: &AppState,
    policy: &ValidPolicy,
    target: UserId,
) -> ApiResult<LoadedDirectory> {
    let mut directory = LoadedDirectory {
        target: Some(target),
        ..LoadedDirectory::default()
    };
    let mut candidates: BTreeSet<Uuid> = BTreeSet::new();
    let chain = store::users::list_manager_chain(&state.db, *target.as_uuid(), 3).await?;
    for pair in chain.windows(2) {
        directory
            .managers
            .insert(UserId::from_uuid(pair[0]), UserId::from_uuid(pair[1]));
        candidates.insert(pair[1]);
    }
    if let Some(row) = store::users::find_user(&state.db, *target.as_uuid()).await? {
        directory.sponsors = row
            .sponsors
            .iter()
            .map(|id| UserId::from_uuid(*id))
            .collect();
        candidates.extend(row.sponsors.iter().copied());
    }
    for spec in all_specs(policy) {
        match spec {
            ApproverSpec::User { user_id } => {
                candidates.insert(*user_id.as_uuid());
            }
            ApproverSpec::GroupMembers { group_id } | ApproverSpec::GroupOwners { group_id } => {
                let owners = matches!(spec, ApproverSpec::GroupOwners { .. });
                let people =
                    store::requests::group_people(&state.db, *group_id.as_uuid(), owners).await?;
                candidates.extend(people.iter().copied());
                let set: BTreeSet<UserId> = people.into_iter().map(UserId::from_uuid).collect();
                if owners {
                    directory.owners.insert(group_id, set);
                } else {
                    directory.members.insert(group_id, set);
                }
            }
            ApproverSpec::Manager { .. } | ApproverSpec::Sponsors {} => {}
        }
    }
    let candidates: Vec<Uuid> = candidates.into_iter().collect();
    directory.enabled = store::requests::enabled_among(&state.db, &candidates)
        .await?
        .into_iter()
        .map(UserId::from_uuid)
        .collect();
    Ok(directory)
}

/// Resolves stage `index` of `policy` (empty when the policy has no such stage any more).
pub(crate) fn stage_resolver<'a>(
    policy: Option<&'a ValidPolicy>,
    requester: UserId,
    target: UserId,
    directory: &'a LoadedDirectory,
) -> impl FnOnce(usize) -> ResolvedApprovers + 'a {
    move |index| {
        policy
            .and_then(|policy| policy.stages().get(index))
            .map(|stage| resolve_stage(stage, requester, target, directory))
            .unwrap_or_default()
    }
}

pub(crate) fn escalation_resolver<'a>(
    policy: Option<&'a ValidPolicy>,
    requester: UserId,
    target: UserId,
    directory: &'a LoadedDirectory,
) -> impl FnOnce(usize) -> ResolvedApprovers + 'a {
    move |index| {
        policy
            .and_then(|policy| policy.stages().get(index))
            .and_then(|stage| resolve_escalation(stage, requester, target, directory))
            .unwrap_or_default()
    }
}
