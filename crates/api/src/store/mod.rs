//! Storage. Every SQL statement lives in this module, in functions named for intent.
//!
//! [`Db`] holds a SQLite or a PostgreSQL pool. Most statements are written once: sqlx accepts
//! `$1` placeholders on both, and the [`on_db!`] macro, the store's one dispatch point, runs the
//! same body against whichever pool or connection is present, type-checking it once per backend.
//! A write transaction is a [`Tx`]; helpers that run inside one take a [`Conn`].
//!
//! A statement whose text is not one literal (a constant column list, a table chosen by an
//! enum, optional conditions, an `IN` list) is built with sqlx's [`QueryBuilder`] inside
//! [`on_db!`]: fixed fragments are pushed and every value is bound with `push_bind`, so no value
//! is ever formatted into SQL. [`select`] and [`push_ids`] are its common starts and lists.

pub mod access;
pub mod assignments;
pub mod audit;
pub mod catalogs;
pub mod directory;
pub mod extensions;
pub mod global_roles;
pub mod guests;
pub mod identity;
pub mod incompatibilities;
pub mod keys;
pub mod lifecycle;
pub mod notifications;
pub mod outboxes;
pub mod packages;
pub mod policies;
pub mod provisioning;
pub mod reconcile;
pub mod reprocess;
pub mod requests;
pub mod reviews;
pub mod scim;
pub mod search;
pub mod sessions;
pub mod team;
pub mod tokens;
pub mod usage;
pub mod users;
pub mod webhooks;

use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{
    Database, Encode, PgConnection, PgPool, QueryBuilder, SqliteConnection, SqlitePool, Type,
};
use uuid::Uuid;

/// A connection pool to one of the supported databases.
///
/// On SQLite, writes go through one connection of their own and wait for it in turn, while
/// reads share a pool of read-only connections (a database in WAL mode lets them read while
/// the writer writes). [`Db`] itself, as a [`Dispatch`] handle, reads; [`Db::writer`] writes
/// outside a transaction, and [`Tx::begin`] takes the writer. On PostgreSQL both are one pool.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePools),
    Postgres(PgPool),
}

/// SQLite's two pools: many readers, one writer.
#[derive(Clone, Debug)]
pub struct SqlitePools {
    reads: SqlitePool,
    writer: SqlitePool,
}

impl SqlitePools {
    /// The read-only connections (`PRAGMA query_only`): a write on one of them fails.
    pub fn reads(&self) -> &SqlitePool {
        &self.reads
    }

    /// The pool of one connection every write goes through.
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }
}

/// A [`Db`] seen as the place to write: SQLite's writer connection, or the PostgreSQL pool.
/// What [`Db::writer`] answers, for a write outside a [`Tx`].
#[derive(Clone, Copy)]
pub struct Writer<'a>(&'a Db);

/// The concrete pool or connection behind one of the store's backend-agnostic handles: what
/// [`on_db!`] matches on.
pub enum Backends<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// A handle that holds a pool or a connection of one backend or the other: [`Db`], [`Conn`]
/// and [`Tx`] (through `&` or `&mut`).
pub trait Dispatch {
    type Sqlite;
    type Postgres;
    fn dispatch(self) -> Backends<Self::Sqlite, Self::Postgres>;
}

impl<'a> Dispatch for &'a Db {
    type Sqlite = &'a SqlitePool;
    type Postgres = &'a PgPool;
    fn dispatch(self) -> Backends<&'a SqlitePool, &'a PgPool> {
        match self {
            Db::Sqlite(pools) => Backends::Sqlite(&pools.reads),
            Db::Postgres(pool) => Backends::Postgres(pool),
        }
    }
}

impl<'a> Dispatch for Writer<'a> {
    type Sqlite = &'a SqlitePool;
    type Postgres = &'a PgPool;
    fn dispatch(self) -> Backends<&'a SqlitePool, &'a PgPool> {
        match self.0 {
            Db::Sqlite(pools) => Backends::Sqlite(&pools.writer),
            Db::Postgres(pool) => Backends::Postgres(pool),
        }
    }
}

/// A connection of either backend, usually a transaction's. The store's helpers that run
/// inside someone else's transaction take one (`impl Into<Conn>`), so they are plain `async fn`s
/// callable with `&mut *conn` from either backend.
pub enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl<'c> From<&'c mut SqliteConnection> for Conn<'c> {
    fn from(conn: &'c mut SqliteConnection) -> Self {
        Conn::Sqlite(conn)
    }
}

impl<'c> From<&'c mut PgConnection> for Conn<'c> {
    fn from(conn: &'c mut PgConnection) -> Self {
        Conn::Postgres(conn)
    }
}

impl<'a, 'c> From<&'a mut Conn<'c>> for Conn<'a> {
    fn from(conn: &'a mut Conn<'c>) -> Self {
        match conn {
            Conn::Sqlite(conn) => Conn::Sqlite(conn),
            Conn::Postgres(conn) => Conn::Postgres(conn),
        }
    }
}

impl<'a, 'c> Dispatch for &'a mut Conn<'c> {
    type Sqlite = &'a mut SqliteConnection;
    type Postgres = &'a mut PgConnection;
    fn dispatch(self) -> Backends<&'a mut SqliteConnection, &'a mut PgConnection> {
        match self {
            Conn::Sqlite(conn) => Backends::Sqlite(conn),
            Conn::Postgres(conn) => Backends::Postgres(conn),
        }
    }
}

/// A connection of either backend taken from the pool, for a helper that takes a [`Conn`]
/// outside a transaction. Dropping it returns it to the pool.
pub enum Pooled {
    Sqlite(PoolConnection<sqlx::Sqlite>),
    Postgres(PoolConnection<sqlx::Postgres>),
}

impl From<PoolConnection<sqlx::Sqlite>> for Pooled {
    fn from(conn: PoolConnection<sqlx::Sqlite>) -> Self {
        Pooled::Sqlite(conn)
    }
}

impl From<PoolConnection<sqlx::Postgres>> for Pooled {
    fn from(conn: PoolConnection<sqlx::Postgres>) -> Self {
        Pooled::Postgres(conn)
    }
}

impl<'a> From<&'a mut Pooled> for Conn<'a> {
    fn from(conn: &'a mut Pooled) -> Self {
        match conn {
            Pooled::Sqlite(conn) => Conn::Sqlite(conn),
            Pooled::Postgres(conn) => Conn::Postgres(conn),
        }
    }
}

/// One write transaction of either backend. Dropping it without [`Tx::commit_if_ok`] rolls it
/// back, so an early return with `?` leaves nothing behind.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    /// Begins a write transaction. On SQLite it takes the one writer connection, waiting its
    /// turn for it, and starts with `BEGIN IMMEDIATE` so that a read followed by a write never
    /// fails half-way with "database is locked" (another process may write the file too).
    pub async fn begin(db: &Db) -> Result<Tx, sqlx::Error> {
        Ok(match db {
            Db::Sqlite(pools) => Tx::Sqlite(pools.writer.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Commits when `out` is `Ok`, and rolls back otherwise; then returns `out`.
    pub async fn commit_if_ok<T, E: From<sqlx::Error>>(self, out: Result<T, E>) -> Result<T, E> {
        if out.is_ok() {
            match self {
                Tx::Sqlite(tx) => tx.commit().await?,
                Tx::Postgres(tx) => tx.commit().await?,
            }
        }
        out
    }
}

impl<'a> Dispatch for &'a mut Tx {
    type Sqlite = &'a mut SqliteConnection;
    type Postgres = &'a mut PgConnection;
    fn dispatch(self) -> Backends<&'a mut SqliteConnection, &'a mut PgConnection> {
        match self {
            Tx::Sqlite(tx) => Backends::Sqlite(&mut **tx),
            Tx::Postgres(tx) => Backends::Postgres(&mut **tx),
        }
    }
}

/// The store's one dispatch point: runs `$body` with `$x` bound to the concrete pool or
/// connection behind `$handle` (a `&Db`, `&mut Conn` or `&mut Tx`), once per backend.
///
/// A macro because `$body` is type-checked separately against each backend's types (sqlx's
/// queries, binds and rows are generic over the database), which a function cannot express
/// without restating sqlx's trait bounds for every statement. It hides no `?` and no `.await`:
/// those stay in `$body`. Every other store helper is a plain function.
macro_rules! on_db {
    ($handle:expr, $x:ident => $body:expr) => {
        match $crate::store::Dispatch::dispatch($handle) {
            $crate::store::Backends::Sqlite($x) => $body,
            $crate::store::Backends::Postgres($x) => $body,
        }
    };
}

pub(crate) use on_db;

/// The connections of one pool, named `pool` (`reads` and `writer` on SQLite, `shared` on
/// PostgreSQL): `size` open, of which `idle` wait; at most `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolUse {
    pub pool: &'static str,
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

impl PoolUse {
    fn of<DB: Database>(pool: &'static str, of: &sqlx::Pool<DB>) -> PoolUse {
        PoolUse {
            pool,
            size: of.size(),
            idle: u32::try_from(of.num_idle()).unwrap_or(u32::MAX),
            max: of.options().get_max_connections(),
        }
    }
}

/// Which backend a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`, as in URLs.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

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

/// The migrations this binary embeds for `backend`, the ones [`Db::migrate`] applies. (The test
/// harness keys its pre-migrated template databases by them.)
pub fn migrator(backend: Backend) -> sqlx::migrate::Migrator {
    match backend {
        Backend::Sqlite => sqlx::migrate!("../../migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("../../migrations/postgres"),
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
    #[error("the change would leave no enabled administrator")]
    LastAdministrator,
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
    } else if message.contains("external_id") {
        "external_id"
    } else if message.contains("signing_keys") {
        "key id"
    } else {
        "key"
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A nullable column holding a stored enum (a person an outer join may not find): decoded
/// when the row is read, like the non-null ones, with
/// `#[sqlx(try_from = "Option<&'a str>")]`. A spelling no variant has fails the read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Nullable<T>(pub Option<T>);

impl<'a, T: FromStr> TryFrom<Option<&'a str>> for Nullable<T> {
    type Error = T::Err;

    fn try_from(text: Option<&'a str>) -> Result<Self, T::Err> {
        text.map(T::from_str).transpose().map(Nullable)
    }
}

/// Decodes a stored enum read as text where no row type can (a tuple row): a spelling no
/// variant has fails the read, as it does for `#[sqlx(try_from = "&'a str")]` fields.
pub(crate) fn decode_variant<T>(text: &str) -> StoreResult<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    T::from_str(text).map_err(|err| StoreError::Database(sqlx::Error::Decode(Box::new(err))))
}

/// What deleting a row people's access hangs on came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    NotFound,
    /// Nothing was deleted: this many active assignments depend on the row.
    InUse(i64),
}

/// `SELECT {columns} FROM {from}`: the start of a statement built at run time, for a query
/// whose column list is one of the store's constants or whose conditions vary.
///
/// Statements that vary are [`QueryBuilder`]s: fixed fragments are pushed, and every value is
/// bound with `push_bind` (never a `$n` of the caller's), so the builder numbers the
/// placeholders the way its backend wants them (`?` on SQLite, `$n` on PostgreSQL). The
/// backend is inferred from the pool or connection the query runs on, inside [`on_db!`].
pub(crate) fn select<DB: Database>(columns: impl Display, from: &'static str) -> QueryBuilder<DB>
where
    DB::Arguments: Default,
{
    let mut query = QueryBuilder::new("SELECT ");
    query.push(columns).push(" FROM ").push(from);
    query
}

/// Pushes `(id, id, …)` with every id bound: the list of an `IN`. `ids` must not be empty.
pub(crate) fn push_ids<DB: Database>(query: &mut QueryBuilder<DB>, ids: &[Uuid])
where
    for<'q> Uuid: Encode<'q, DB> + Type<DB>,
{
    query.push("(");
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    query.push(")");
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
    /// WAL mode with foreign keys enforced; the writer connection is opened first (it creates
    /// the file and sets WAL mode, which the file keeps), then the read-only pool.
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
                // Writers queue for the one connection (fairly, in order) instead of all
                // taking turns at SQLite's write lock, where the losers sleep and retry.
                let writer = SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options.clone())
                    .await?;
                let reads = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options.pragma("query_only", "ON"))
                    .await?;
                Ok(Db::Sqlite(SqlitePools { reads, writer }))
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

    /// This database as the place to write outside a transaction (see [`Writer`]).
    pub fn writer(&self) -> Writer<'_> {
        Writer(self)
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
            Db::Sqlite(pools) => migrator(Backend::Sqlite).run(&pools.writer).await,
            Db::Postgres(pool) => migrator(Backend::Postgres).run(pool).await,
        }
        .map_err(StoreError::Migration)
    }

    /// How many connections each pool holds now, how many of them wait idle, and how many it
    /// may open.
    pub fn pool_use(&self) -> Vec<PoolUse> {
        match self {
            Db::Sqlite(pools) => vec![
                PoolUse::of("reads", &pools.reads),
                PoolUse::of("writer", &pools.writer),
            ],
            Db::Postgres(pool) => vec![PoolUse::of("shared", pool)],
        }
    }

    /// Answers whether the database takes a query now.
    pub async fn ping(&self) -> StoreResult<()> {
        on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(pools) => {
                pools.reads.close().await;
                pools.writer.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}
