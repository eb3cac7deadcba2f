//! The names of the people and groups that policies and access reviews refer to by id: what the
//! portal has learned (from a search, or by asking `GET /people?ids=` and
//! `GET /group-names?ids=`, which anyone signed in may use), which ids it still has to ask
//! about, and how a person reads as a choice. The signal that holds them for a page is
//! `components::DirectoryNames`.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use tessera_domain::assignment::PersonSummary;
use tessera_domain::directory::GroupSummary;
use tessera_domain::ids::IdList;
use tessera_domain::policy::{
    ApprovalDefinition, ApproverSpec, PolicyDefinition, StageDefinition, WhoCanRequest,
};
use tessera_domain::{GroupId, UserId};

use crate::assignments::person;

/// A person as a picker offers them, guests marked: `Gina Guest (gina) (guest)`.
pub fn person_choice(found: &PersonSummary) -> String {
    if found.guest {
        format!("{} (guest)", person(found))
    } else {
        person(found)
    }
}

/// The people and groups learned so far, and the ids already asked about.
#[derive(Clone, Debug, Default)]
pub struct KnownNames {
    people: HashMap<UserId, PersonSummary>,
    groups: HashMap<GroupId, String>,
    asked_people: HashSet<UserId>,
    asked_groups: HashSet<GroupId>,
}

impl KnownNames {
    pub fn person(&self, id: UserId) -> Option<&PersonSummary> {
        self.people.get(&id)
    }

    pub fn group(&self, id: GroupId) -> Option<&str> {
        self.groups.get(&id).map(String::as_str)
    }

    /// Keeps `found`; whether anything changed.
    pub fn learn_people(&mut self, found: &[PersonSummary]) -> bool {
        let mut changed = false;
        for one in found {
            if self.people.get(&one.id) != Some(one) {
                self.people.insert(one.id, one.clone());
                changed = true;
            }
        }
        changed
    }

    /// Keeps `found`; whether anything changed.
    pub fn learn_groups(&mut self, found: &[GroupSummary]) -> bool {
        let mut changed = false;
        for one in found {
            if self.group(one.id) != Some(one.name.as_str()) {
                self.groups.insert(one.id, one.name.clone());
                changed = true;
            }
        }
        changed
    }

    /// The people among `wanted` that are neither known nor asked about yet, in batches the
    /// API accepts; they count as asked from now on, so that each is asked about once.
    pub fn ask_people(&mut self, wanted: impl IntoIterator<Item = UserId>) -> Vec<Vec<UserId>> {
        let known = &self.people;
        to_ask(&mut self.asked_people, wanted, |id| known.contains_key(id))
    }

    /// The groups among `wanted` that are neither known nor asked about yet, in batches the
    /// API accepts; they count as asked from now on.
    pub fn ask_groups(&mut self, wanted: impl IntoIterator<Item = GroupId>) -> Vec<Vec<GroupId>> {
        let known = &self.groups;
        to_ask(&mut self.asked_groups, wanted, |id| known.contains_key(id))
    }
}

fn to_ask<T: Copy + Eq + Hash>(
    asked: &mut HashSet<T>,
    wanted: impl IntoIterator<Item = T>,
    known: impl Fn(&T) -> bool,
) -> Vec<Vec<T>> {
    let fresh: Vec<T> = wanted
        .into_iter()
        .filter(|id| !known(id) && asked.insert(*id))
        .collect();
    fresh.chunks(IdList::<T>::MAX).map(<[T]>::to_vec).collect()
}

/// The people and groups a policy names: who may request it, and its approvers. The owners'
/// groups are left out: they are the package's own, whose names the package shows.
pub fn named_in_policy(definition: &PolicyDefinition) -> (Vec<UserId>, Vec<GroupId>) {
    let (mut people, mut groups) = match &definition.who_can_request {
        WhoCanRequest::SpecificUsersAndGroups { users, groups } => (users.clone(), groups.clone()),
        WhoCanRequest::AllMembers {} | WhoCanRequest::AllUsers {} | WhoCanRequest::Nobody {} => {
            (Vec::new(), Vec::new())
        }
    };
    let stages: &[StageDefinition] = match &definition.approval {
        ApprovalDefinition::None {} => &[],
        ApprovalDefinition::Required { stages } => stages,
    };
    for stage in stages {
        let escalation = stage.escalation.iter().flat_map(|escalation| {
            escalation
                .approvers
                .iter()
                .chain(&escalation.fallback_approvers)
        });
        for spec in stage
            .primary_approvers
            .iter()
            .chain(&stage.fallback_approvers)
            .chain(escalation)
        {
            match spec {
                ApproverSpec::User { user_id } => people.push(*user_id),
                ApproverSpec::GroupMembers { group_id } => groups.push(*group_id),
                ApproverSpec::GroupOwners { .. }
                | ApproverSpec::Manager { .. }
                | ApproverSpec::Sponsors {} => {}
            }
        }
    }
    (people, groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn someone(n: u128, guest: bool) -> PersonSummary {
        PersonSummary {
            id: UserId::from_uuid(uuid::Uuid::from_u128(n)),
            username: format!("user{n}"),
            display_name: format!("User {n}"),
            guest,
        }
    }

    #[test]
    fn guests_are_marked_among_the_choices() {
        assert_eq!(person_choice(&someone(1, false)), "User 1 (user1)");
        assert_eq!(person_choice(&someone(2, true)), "User 2 (user2) (guest)");
    }

    #[test]
    fn each_id_is_asked_about_once_and_known_ones_never() {
        let mut known = KnownNames::default();
        let (one, two) = (someone(1, false), someone(2, false));
        assert!(known.learn_people(std::slice::from_ref(&one)));
        assert!(
            !known.learn_people(std::slice::from_ref(&one)),
            "nothing new"
        );
        assert_eq!(
            known.ask_people([one.id, two.id, two.id]),
            vec![vec![two.id]]
        );
        assert!(known.ask_people([two.id]).is_empty(), "already asked about");

        let group = GroupId::from_uuid(uuid::Uuid::from_u128(9));
        assert_eq!(known.ask_groups([group]), vec![vec![group]]);
        assert!(known.learn_groups(&[GroupSummary {
            id: group,
            name: "Finance".into(),
        }]));
        assert_eq!(known.group(group), Some("Finance"));
    }

    #[test]
    fn many_ids_are_asked_about_in_batches_the_api_accepts() {
        let mut known = KnownNames::default();
        let many = (0..250).map(|n| UserId::from_uuid(uuid::Uuid::from_u128(n)));
        let sizes: Vec<usize> = known.ask_people(many).iter().map(Vec::len).collect();
        assert_eq!(sizes, [100, 100, 50]);
    }

    #[test]
    fn a_policy_names_its_requesters_and_approvers_but_not_the_owners_groups() {
        let parsed = serde_json::from_value::<PolicyDefinition>(serde_json::json!({
            "name": "Named",
            "who_can_request": {
                "type": "specific_users_and_groups",
                "users": ["00000000-0000-0000-0000-000000000001"],
                "groups": ["00000000-0000-0000-0000-00000000000a"],
            },
            "approval": {"type": "required", "stages": [{
                "primary_approvers": [
                    {"type": "user", "user_id": "00000000-0000-0000-0000-000000000002"},
                    {"type": "group_owners", "group_id": "00000000-0000-0000-0000-00000000000c"},
                ],
                "fallback_approvers": [
                    {"type": "group_members", "group_id": "00000000-0000-0000-0000-00000000000b"},
                ],
                "timeout_days": 14,
                "escalation": {
                    "after_days": 7,
                    "approvers": [{"type": "user", "user_id": "00000000-0000-0000-0000-000000000003"}],
                },
            }]},
            "lifecycle": {"expiry": {"type": "never"}},
        }));
        let Ok(definition) = parsed else {
            panic!("the policy does not parse: {parsed:?}");
        };
        let (people, groups) = named_in_policy(&definition);
        let ids = |ids: Vec<String>| {
            ids.iter()
                .map(|id| id[35..].to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(people.iter().map(ToString::to_string).collect()),
            ["1", "2", "3"]
        );
        assert_eq!(
            ids(groups.iter().map(ToString::to_string).collect()),
            ["a", "b"]
        );
    }
}
