//! People as other views name them: a summary (id, username, display name, guest or not).

use tessera_domain::UserId;
use tessera_domain::assignment::PersonSummary;
use tessera_domain::user::UserType;
use uuid::Uuid;

use crate::store::users::PersonRow;

/// Sorts people by name the same way on every database: by display name ignoring case (as
/// Unicode defines it), then as written, then by username, which is unique. Sorting here,
/// rather than in SQL, keeps SQLite (which folds only ASCII and compares bytes) and
/// PostgreSQL (which compares by its locale) from answering two orders.
pub fn sort_by_name<T>(rows: &mut [T], person: impl Fn(&T) -> &PersonRow) {
    rows.sort_by_cached_key(|row| name_key(person(row)));
}

/// The key [`sort_by_name`] sorts by.
pub fn name_key(row: &PersonRow) -> (String, String, String) {
    (
        row.display_name.to_lowercase(),
        row.display_name.clone(),
        row.username.clone(),
    )
}

pub fn person_summary(row: &PersonRow) -> PersonSummary {
    PersonSummary {
        id: UserId::from_uuid(row.id),
        username: row.username.clone(),
        display_name: row.display_name.clone(),
        guest: row.user_type == UserType::Guest,
    }
}

/// A person a row names through an outer join: absent once that account is deleted.
pub fn joined_person(
    id: Option<Uuid>,
    username: Option<&str>,
    name: Option<&str>,
    user_type: Option<UserType>,
) -> Option<PersonSummary> {
    match (id, username, name, user_type) {
        (Some(id), Some(username), Some(name), Some(user_type)) => Some(PersonSummary {
            id: UserId::from_uuid(id),
            username: username.to_string(),
            display_name: name.to_string(),
            guest: user_type == UserType::Guest,
        }),
        _ => None,
    }
}
