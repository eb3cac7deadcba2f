//! What uses a group, an application or an app role: the access packages that grant one of its
//! roles, and the policies that name it. Deleting a resource (or removing it from a catalog)
//! checks this again inside its own transaction through [`guard_usage`], so a package or
//! policy added meanwhile is never stripped silently.

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, QueryBuilder, Type};
use uuid::Uuid;

use super::{Conn, Db, Pooled, StoreError, StoreResult, on_db, select};

/// A resource that packages grant roles of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Group(Uuid),
    Application(Uuid),
    AppRole(Uuid),
}

impl Resource {
    pub(crate) fn id(self) -> Uuid {
        match self {
            Resource::Group(id) | Resource::Application(id) | Resource::AppRole(id) => id,
        }
    }

    /// Pushes the condition on `package_resource_roles r` that the role is one of the
    /// resource's.
    fn push_role_condition<DB: Database>(self, query: &mut QueryBuilder<DB>)
    where
        for<'q> Uuid: Encode<'q, DB> + Type<DB>,
    {
        match self {
            Resource::Group(id) => query.push("r.group_id = ").push_bind(id),
            Resource::AppRole(id) => query.push("r.app_role_id = ").push_bind(id),
            Resource::Application(id) => query
                .push("r.app_role_id IN (SELECT id FROM app_roles WHERE application_id = ")
                .push_bind(id)
                .push(")"),
        };
    }

    /// Whether policies can name the resource: only groups are named by policies (who may
    /// request, approvers).
    fn named_by_policies(self) -> bool {
        matches!(self, Resource::Group(_))
    }

    /// The `LIKE` pattern a policy naming the resource matches: a policy's JSON holds ids as
    /// hyphenated text, and a UUID names one thing only.
    fn pattern(self) -> String {
        format!("%{}%", self.id().hyphenated())
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UsingPackageRow {
    pub id: Uuid,
    pub name: String,
    pub catalog_id: Uuid,
    pub name_key: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UsingPolicyRow {
    pub id: Uuid,
    pub name: String,
    pub package_id: Uuid,
    pub package_name: String,
    pub definition: String,
    pub version: i64,
}

#[derive(Clone, Debug, Default)]
pub struct Usage {
    pub packages: Vec<UsingPackageRow>,
    pub policies: Vec<UsingPolicyRow>,
}

impl Usage {
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty() && self.policies.is_empty()
    }

    /// The ids of the packages and policies, to compare two readings.
    pub fn ids(&self) -> (Vec<Uuid>, Vec<Uuid>) {
        let mut packages: Vec<Uuid> = self.packages.iter().map(|p| p.id).collect();
        let mut policies: Vec<Uuid> = self.policies.iter().map(|p| p.id).collect();
        packages.sort();
        policies.sort();
        (packages, policies)
    }
}

/// Reads what uses `resource` (in `catalog`, when given) through `conn`.
async fn usage_of<'c>(
    conn: impl Into<Conn<'c>>,
    resource: Resource,
    catalog: Option<Uuid>,
) -> StoreResult<Usage> {
    let mut conn: Conn<'c> = conn.into();
    let packages = on_db!(&mut conn, conn => {
        let mut query = select(
            "DISTINCT p.id, p.name, p.catalog_id, p.name_key",
            "package_resource_roles r JOIN access_packages p ON p.id = r.package_id WHERE ",
        );
        resource.push_role_condition(&mut query);
        if let Some(catalog) = catalog {
            query.push(" AND p.catalog_id = ").push_bind(catalog);
        }
        query.push(" ORDER BY p.name_key, p.id");
        query.build_query_as::<UsingPackageRow>().fetch_all(conn).await
    })?;
    let policies = if resource.named_by_policies() {
        on_db!(&mut conn, conn => {
            let mut query = select(
                "ap.id, ap.name, ap.package_id, p.name AS package_name, ap.definition, ap.version",
                "assignment_policies ap JOIN access_packages p ON p.id = ap.package_id \
                 WHERE ap.definition LIKE ",
            );
            query.push_bind(resource.pattern());
            if let Some(catalog) = catalog {
                query.push(" AND p.catalog_id = ").push_bind(catalog);
            }
            query.push(" ORDER BY p.name_key, ap.name, ap.id");
            query.build_query_as::<UsingPolicyRow>().fetch_all(conn).await
        })?
    } else {
        Vec::new()
    };
    Ok(Usage { packages, policies })
}

/// What uses `resource`, in `catalog` only when given.
pub async fn find_usage(db: &Db, resource: Resource, catalog: Option<Uuid>) -> StoreResult<Usage> {
    let mut conn = on_db!(db, pool => pool.acquire().await.map(Pooled::from))?;
    usage_of(&mut conn, resource, catalog).await
}

/// A policy a cascading delete disables, with the definition it is written with.
pub struct DisabledPolicy {
    pub id: Uuid,
    pub version: i64,
    pub definition: String,
}

/// What a delete checks and does about a resource's users, in its transaction.
pub struct UsageGuard<'a> {
    pub resource: Resource,
    pub catalog: Option<Uuid>,
    /// The package and policy ids the caller saw (from [`Usage::ids`]).
    pub expected: (Vec<Uuid>, Vec<Uuid>),
    /// The policies to disable: empty unless the caller cascades.
    pub disable: &'a [DisabledPolicy],
    pub now: DateTime<Utc>,
}

/// Inside a transaction on `conn`: reads the resource's users again and answers
/// [`StoreError::Conflict`] when they are not the ones the caller saw; then disables the
/// policies the guard names (each a compare-and-set). Returns the usage read.
pub(crate) async fn guard_usage<'c>(
    conn: impl Into<Conn<'c>>,
    guard: &UsageGuard<'_>,
) -> StoreResult<Usage> {
    let mut conn: Conn<'c> = conn.into();
    let usage = usage_of(&mut conn, guard.resource, guard.catalog).await?;
    if usage.ids() != guard.expected {
        return Err(StoreError::Conflict);
    }
    for policy in guard.disable {
        let changed = on_db!(&mut conn, conn => sqlx::query(
            "UPDATE assignment_policies SET enabled = FALSE, definition = $1, \
             updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4",
        )
        .bind(&policy.definition)
        .bind(guard.now)
        .bind(policy.id)
        .bind(policy.version)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
    }
    Ok(usage)
}
