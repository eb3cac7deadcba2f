//! The outboxes' backlogs, for `/metrics`: how many items wait and since when. One cheap
//! `COUNT`/`MIN` per outbox, served by the index each worker uses to find due work.

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

use super::{Db, StoreResult, on_db};

/// A table of work written in the transaction that caused it and sent by a worker later.
#[derive(Clone, Copy, Debug)]
pub struct Outbox {
    /// The `outbox` label of its metrics.
    pub name: &'static str,
    table: &'static str,
    /// The condition of an item still waiting to go out.
    pending: &'static str,
}

/// Every outbox. Another one is one line here (kept as a table, one outbox a line).
#[rustfmt::skip]
pub const OUTBOXES: &[Outbox] = &[
    Outbox { name: "notifications", table: "notifications", pending: "email_state = 'pending'" },
    Outbox { name: "webhook_deliveries", table: "webhook_deliveries", pending: "state = 'pending'" },
];

/// What waits in one outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backlog {
    pub pending: i64,
    /// When the oldest waiting item was written; `None` when nothing waits.
    pub oldest: Option<DateTime<Utc>>,
}

/// The backlog of `outbox`. Every outbox table has a `created_at` column.
pub async fn backlog(db: &Db, outbox: &Outbox) -> StoreResult<Backlog> {
    let (pending, oldest): (i64, Option<DateTime<Utc>>) = on_db!(db, pool => {
        let mut query = QueryBuilder::new("SELECT COUNT(*), MIN(created_at) FROM ");
        query.push(outbox.table).push(" WHERE ").push(outbox.pending);
        query.build_query_as().fetch_one(pool).await
    })?;
    Ok(Backlog { pending, oldest })
}
