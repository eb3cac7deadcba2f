//! Storage. Every SQL statement lives in this module, in functions named for intent.
//!
//! [`Db`] holds a SQLite or a PostgreSQL pool. Most statements are written once: sqlx accepts
//! `$1` placeholders on both, and the [`on_db!`] macro runs the same body against whichever pool
//! is present, type-checking it once per backend.

pub mod access;
pub mod assignments;
pub mod audit;
pub mod catalogs;
pub mod directory;
pub mod incompatibilities;
pub mod keys;
pub mod notifications;
pub mod packages;
pub mod policies;
pub mod requests;
pub mod reviews;
pub mod sessions;
pub mod tokens;
pub mod usage;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

/// A connection pool to one of the supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool of `$db`.
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($pool) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` inside one write transaction, with `$conn` bound to its connection, and commits
/// when `$body` returns `Ok`. SQLite transactions start with `BEGIN IMMEDIATE` so that a read
/// followed by a write never fails half-way with "database is locked".
macro_rules! in_transaction {
    ($db:expr, $conn:ident => $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let $conn = &mut *tx;
                let out = $body;
                if out.is_ok() {
                    tx.commit().await?;
                }
                out
            }
            $crate::store::Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let $conn = &mut *tx;
                let out = $body;
                if out.is_ok() {
                    tx.commit().await?;
                }
                out
            }
        }
    };
}

pub(crate) use {in_transaction, on_db};

/// Which backend a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// Why the store refused or failed. Handlers never see SQL text: `Database` is logged, and the
/// client gets a bare 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a row with the same {0} exists")]
    Duplicate(&'static str),
    #[error("a referenced row does not exist")]
    MissingReference,
    #[error("the row changed since it was read")]
    Conflict,
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("migration failed")]
    Migration(#[source] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let Some(db_err) = err.as_database_error() {
            match db_err.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    return StoreError::Duplicate(unique_field(db_err.message()));
                }
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    return StoreError::MissingReference;
                }
                _ => {}
            }
        }
        StoreError::Database(err)
    }
}

/// Names the field of a unique violation from the constraint message, for the 409 answer.
fn unique_field(message: &str) -> &'static str {
    if message.contains("username") {
        "username"
    } else if message.contains("signing_keys") {
        "key id"
    } else {
        "key"
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// What deleting a row people's access hangs on came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    NotFound,
    /// Nothing was deleted: this many active assignments depend on the row.
    InUse(i64),
}

/// `$1, $2, …, $count`: the placeholders of an `IN (…)` list bound one value each.
pub(crate) fn placeholders(count: usize) -> String {
    placeholders_after(0, count)
}

/// `$bound+1, …, $bound+count`: the placeholders of an `IN (…)` list whose values are bound
/// after `bound` other parameters.
pub(crate) fn placeholders_after(bound: usize, count: usize) -> String {
    (bound + 1..=bound + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Escapes `%`, `_` and `\` so that user input matches literally inside a LIKE pattern.
pub fn escape_like(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Db {
    /// Connects to the database `url` names. SQLite files are created when missing and run in
    /// WAL mode with foreign keys enforced.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        match Backend::of_url(url) {
            Some(Backend::Sqlite) => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(StoreError::Database)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Ok(Db::Sqlite(pool))
            }
            Some(Backend::Postgres) => {
                let options = PgConnectOptions::from_str(url).map_err(StoreError::Database)?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Ok(Db::Postgres(pool))
            }
            None => Err(StoreError::Database(sqlx::Error::Configuration(
                "the database URL must start with sqlite: or postgres://".into(),
            ))),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the migrations of this backend that have not run yet. Safe to run from several
    /// replicas at once: sqlx takes a database lock around it.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self {
            Db::Sqlite(pool) => sqlx::migrate!("../../migrations/sqlite").run(pool).await,
            Db::Postgres(pool) => sqlx::migrate!("../../migrations/postgres").run(pool).await,
        }
        .map_err(StoreError::Migration)
    }

    /// Answers whether the database takes a query now.
    pub async fn ping(&self) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

#[cfg(test)]
mod tests {
    use super::{placeholders, placeholders_after};

    #[test]
    fn placeholders_number_from_one() {
        assert_eq!(placeholders(3), "$1, $2, $3");
        assert_eq!(placeholders(0), "");
    }

    #[test]
    fn placeholders_after_continue_from_the_parameters_already_bound() {
        assert_eq!(placeholders_after(1, 2), "$2, $3");
        assert_eq!(placeholders_after(4, 0), "");
    }
}
