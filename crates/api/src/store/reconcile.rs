//! What reconciliation compares a connected system's target with: the people Tessera says
//! belong there.

use sqlx::QueryBuilder;
use tessera_domain::{AppRoleId, GroupId};
use uuid::Uuid;

use super::{Db, StoreResult, on_db};
use crate::connectors::Person;

/// A Tessera group or app role a connected system's target mirrors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Membership {
    /// The members of a group (`group_members`).
    Group(GroupId),
    /// The assignees of an app role (`app_role_assignments`).
    AppRole(AppRoleId),
}

impl Membership {
    /// The link table and its column naming the group or the role.
    fn parts(self) -> (&'static str, &'static str, Uuid) {
        match self {
            Membership::Group(id) => ("group_members", "group_id", *id.as_uuid()),
            Membership::AppRole(id) => ("app_role_assignments", "app_role_id", *id.as_uuid()),
        }
    }
}

#[derive(sqlx::FromRow)]
struct ExpectedRow {
    id: Uuid,
    username: String,
    email: String,
    external_id: Option<String>,
    display_name: String,
    given_name: Option<String>,
    family_name: Option<String>,
}

/// The people `membership` holds who should be at its target: enabled and not deleted (a
/// disabled or deleted person's access is to be taken away, not pushed), by username.
pub async fn list_expected_people(db: &Db, membership: Membership) -> StoreResult<Vec<Person>> {
    let (table, owner_column, owner) = membership.parts();
    let rows: Vec<ExpectedRow> = on_db!(db, pool => {
        let mut query = QueryBuilder::new(
            "SELECT u.id, u.username, u.email, u.external_id, u.display_name, u.given_name, \
             u.family_name FROM ",
        );
        query
            .push(table)
            .push(" l JOIN users u ON u.id = l.user_id WHERE l.")
            .push(owner_column)
            .push(" = ")
            .push_bind(owner)
            .push(" AND u.enabled AND u.deleted_at IS NULL ORDER BY u.username");
        query.build_query_as().fetch_all(pool).await
    })?;
    Ok(rows
        .into_iter()
        .map(|row| Person {
            id: row.id,
            username: row.username,
            // Service accounts may have no address; an empty one matches nothing.
            email: Some(row.email).filter(|email| !email.is_empty()),
            external_id: row.external_id,
            display_name: row.display_name,
            given_name: row.given_name,
            family_name: row.family_name,
            active: true,
        })
        .collect())
}
