//! Reconciliation: what a connected system's target (an LDAP group, a SCIM group) holds,
//! compared with what Tessera says it should hold.
//!
//! Keys are the values a connector matches people by, compared without regard to case (the
//! connectors answer them lowercased; [`compare`] lowercases the expected ones too).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::UserId;

/// A person Tessera expects at the target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ExpectedMember {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    /// The value the connector matches the person by, lowercased; `None` when the person lacks
    /// it (no e-mail address, no external id), so they cannot be found at the target.
    pub key: Option<String>,
}

/// What a target holds that Tessera does not expect, and what it lacks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberDiff {
    /// Expected people the target does not hold, ordered by key (people without a key last,
    /// by username).
    pub missing: Vec<ExpectedMember>,
    /// Keys the target holds that no expected person has, sorted, each once.
    pub unexpected: Vec<String>,
    /// How many distinct people are expected.
    pub expected_count: usize,
    /// How many distinct keys the target holds.
    pub actual_count: usize,
}

/// Compares the people Tessera expects with the keys a target holds. A person listed twice
/// counts once; so does a key.
pub fn compare(expected: Vec<ExpectedMember>, actual: &[String]) -> MemberDiff {
    let actual: BTreeSet<String> = actual.iter().map(|key| key.to_lowercase()).collect();
    let mut people: BTreeMap<UserId, ExpectedMember> = BTreeMap::new();
    for mut person in expected {
        person.key = person.key.map(|key| key.to_lowercase());
        people.entry(person.user_id).or_insert(person);
    }
    let expected_keys: BTreeSet<&str> = people
        .values()
        .filter_map(|person| person.key.as_deref())
        .collect();
    let unexpected = actual
        .iter()
        .filter(|key| !expected_keys.contains(key.as_str()))
        .cloned()
        .collect();
    let expected_count = people.len();
    let mut missing: Vec<ExpectedMember> = people
        .into_values()
        .filter(|person| match &person.key {
            Some(key) => !actual.contains(key),
            None => true,
        })
        .collect();
    missing.sort_by(|a, b| {
        (a.key.is_none(), &a.key, &a.username).cmp(&(b.key.is_none(), &b.key, &b.username))
    });
    MemberDiff {
        missing,
        unexpected,
        expected_count,
        actual_count: actual.len(),
    }
}

/// What was done to one member while applying a reconciliation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReconciliationAction {
    /// Adding a missing person to the target.
    Add,
    /// Taking an unexpected member out of the target.
    Remove,
}

/// One change that applying a reconciliation could not make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReconciliationItemError {
    pub action: ReconciliationAction,
    /// The member's key at the target; `None` for a missing person who has none.
    pub key: Option<String>,
    /// The person, for an addition.
    pub user_id: Option<UserId>,
    /// What the target or the connection said.
    pub message: String,
    /// True when trying again may succeed (the target was unreachable or busy).
    pub retry: bool,
}

/// A target compared with Tessera: read only (a dry run) or with the difference applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReconciliationReport {
    /// The connected system that was read, when the caller named one.
    pub connector_id: Option<uuid::Uuid>,
    /// The target in that system (an LDAP group DN, a SCIM group id).
    pub target: String,
    /// How many people Tessera expects at the target.
    pub expected_count: usize,
    /// How many members the target held when it was read.
    pub actual_count: usize,
    /// Expected people the target did not hold.
    pub missing: Vec<ExpectedMember>,
    /// Keys of members the target held that Tessera does not expect.
    pub unexpected: Vec<String>,
    /// True when the difference was applied (missing people added, unexpected ones removed);
    /// false for a dry run.
    pub applied: bool,
    /// The changes that applying could not make; empty for a dry run.
    pub errors: Vec<ReconciliationItemError>,
}

impl ReconciliationReport {
    /// The report of a dry run of `diff` against `target`.
    pub fn dry_run(target: impl Into<String>, diff: MemberDiff) -> Self {
        Self {
            connector_id: None,
            target: target.into(),
            expected_count: diff.expected_count,
            actual_count: diff.actual_count,
            missing: diff.missing,
            unexpected: diff.unexpected,
            applied: false,
            errors: Vec::new(),
        }
    }

    /// True when the target held exactly what Tessera expects.
    pub fn in_step(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty()
    }

    /// The report's rows for a CSV export: `change` (`missing` or `unexpected`), `key`,
    /// `user_id`, `username`, `display_name`, and `error` (what applying the change met, if
    /// anything), missing people first.
    pub fn csv_rows(&self) -> Vec<[String; 6]> {
        let error_for = |action: ReconciliationAction, key: Option<&str>, user: Option<UserId>| {
            self.errors
                .iter()
                .find(|error| {
                    error.action == action
                        && match user {
                            Some(user) => error.user_id == Some(user),
                            None => error.key.as_deref() == key,
                        }
                })
                .map(|error| error.message.clone())
                .unwrap_or_default()
        };
        let missing = self.missing.iter().map(|person| {
            [
                "missing".to_string(),
                person.key.clone().unwrap_or_default(),
                person.user_id.to_string(),
                person.username.clone(),
                person.display_name.clone(),
                error_for(
                    ReconciliationAction::Add,
                    person.key.as_deref(),
                    Some(person.user_id),
                ),
            ]
        });
        let unexpected = self.unexpected.iter().map(|key| {
            [
                "unexpected".to_string(),
                key.clone(),
                String::new(),
                String::new(),
                String::new(),
                error_for(ReconciliationAction::Remove, Some(key), None),
            ]
        });
        missing.chain(unexpected).collect()
    }
}

/// The header of [`ReconciliationReport::csv_rows`].
pub const CSV_HEADER: [&str; 6] = [
    "change",
    "key",
    "user_id",
    "username",
    "display_name",
    "error",
];

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn person(n: u128, username: &str, key: Option<&str>) -> ExpectedMember {
        ExpectedMember {
            user_id: UserId::from_uuid(Uuid::from_u128(n)),
            username: username.into(),
            display_name: format!("{username} Example"),
            key: key.map(String::from),
        }
    }

    fn keys(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|key| key.to_string()).collect()
    }

    #[test]
    fn a_target_holding_exactly_the_expected_people_is_in_step() {
        let diff = compare(
            vec![
                person(1, "alice", Some("alice")),
                person(2, "bob", Some("bob")),
            ],
            &keys(&["bob", "alice"]),
        );
        assert_eq!(diff.missing, vec![]);
        assert_eq!(diff.unexpected, Vec::<String>::new());
        assert_eq!((diff.expected_count, diff.actual_count), (2, 2));
    }

    #[test]
    fn missing_people_and_unexpected_keys_are_reported_sorted() {
        let diff = compare(
            vec![
                person(1, "zoe", Some("zoe")),
                person(2, "alice", Some("alice")),
                person(3, "carol", Some("carol")),
            ],
            &keys(&["mallory", "carol", "eve"]),
        );
        let missing: Vec<&str> = diff.missing.iter().map(|p| p.username.as_str()).collect();
        assert_eq!(missing, ["alice", "zoe"]);
        assert_eq!(diff.unexpected, ["eve", "mallory"]);
        assert_eq!((diff.expected_count, diff.actual_count), (3, 3));
    }

    #[test]
    fn keys_are_compared_without_regard_to_case() {
        let diff = compare(
            vec![person(1, "alice", Some("Alice@Example.org"))],
            &keys(&["ALICE@example.org"]),
        );
        assert!(diff.missing.is_empty());
        assert!(diff.unexpected.is_empty());
    }

    #[test]
    fn a_person_without_a_key_is_always_missing_and_listed_last() {
        let diff = compare(
            vec![person(1, "nomail", None), person(2, "bob", Some("bob"))],
            &keys(&[]),
        );
        let missing: Vec<&str> = diff.missing.iter().map(|p| p.username.as_str()).collect();
        assert_eq!(missing, ["bob", "nomail"]);
    }

    #[test]
    fn duplicates_count_once() {
        let diff = compare(
            vec![
                person(1, "alice", Some("alice")),
                person(1, "alice", Some("alice")),
            ],
            &keys(&["eve", "Eve", "eve"]),
        );
        assert_eq!((diff.expected_count, diff.actual_count), (1, 1));
        assert_eq!(diff.missing.len(), 1);
        assert_eq!(diff.unexpected, ["eve"]);
    }

    #[test]
    fn the_csv_rows_name_each_change_and_the_error_applying_it_met() {
        let diff = compare(
            vec![person(1, "alice", Some("alice"))],
            &keys(&["eve", "mallory"]),
        );
        let mut report = ReconciliationReport::dry_run("g1", diff);
        report.applied = true;
        report.errors.push(ReconciliationItemError {
            action: ReconciliationAction::Remove,
            key: Some("mallory".into()),
            user_id: None,
            message: "refused".into(),
            retry: false,
        });
        let rows = report.csv_rows();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0][0], "missing");
        assert_eq!(rows[0][3], "alice");
        assert_eq!(rows[0][5], "");
        assert_eq!(rows[1][..2], ["unexpected".to_string(), "eve".to_string()]);
        assert_eq!(rows[1][5], "");
        assert_eq!(rows[2][1], "mallory");
        assert_eq!(rows[2][5], "refused");
    }
}
