//! People as other views name them: a summary (id, username, display name, guest or not).

use tessera_domain::UserId;
use tessera_domain::assignment::PersonSummary;
use tessera_domain::user::UserType;
use uuid::Uuid;

use crate::store::users::PersonRow;

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
