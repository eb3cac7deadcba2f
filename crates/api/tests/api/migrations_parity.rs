//! The SQLite and PostgreSQL migrations describe one schema: after all of them ran, both
//! databases have the same tables, each with the same columns. Types are left alone (each
//! backend spells them its own way); names are what the store's statements, written once for
//! both, depend on.

use std::collections::{BTreeMap, BTreeSet};

use tessera_api::store::Db;

use crate::helpers::{Backend, fresh_database};

/// Table name to column names.
type Schema = BTreeMap<String, BTreeSet<String>>;

/// The tables of a freshly migrated database of `backend`, without sqlx's own bookkeeping.
async fn migrated_schema(backend: Backend) -> Schema {
    let (url, _dir) = fresh_database(backend).await;
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let columns: Vec<(String, String)> = match &db {
        Db::Sqlite(pools) => sqlx::query_as(
            // Ordinary tables only: the full-text indexes (FTS5 virtual tables and their
            // shadow tables) are SQLite's counterpart of PostgreSQL's trigram indexes.
            "SELECT t.name, c.name FROM sqlite_master t JOIN pragma_table_info(t.name) c \
             WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%' \
             AND t.name <> '_sqlx_migrations' AND NOT EXISTS (SELECT 1 FROM sqlite_master v \
             WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%' \
             AND (t.name = v.name OR t.name LIKE v.name || '\\_%' ESCAPE '\\'))",
        )
        .fetch_all(pools.reads())
        .await
        .unwrap(),
        Db::Postgres(pool) => sqlx::query_as(
            "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c \
             JOIN information_schema.tables t \
             ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
             AND c.table_name <> '_sqlx_migrations'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    };
    db.close().await;
    let mut schema = Schema::new();
    for (table, column) in columns {
        schema.entry(table).or_default().insert(column);
    }
    schema
}

/// What `a` has that `b` lacks: whole tables, and columns of tables both have.
fn missing_from(a: &Schema, b: &Schema) -> Vec<String> {
    let mut missing = Vec::new();
    for (table, columns) in a {
        match b.get(table) {
            None => missing.push(format!("table {table}")),
            Some(other) => missing.extend(
                columns
                    .difference(other)
                    .map(|column| format!("column {table}.{column}")),
            ),
        }
    }
    missing
}

#[tokio::test]
async fn sqlite_and_postgresql_migrations_make_the_same_tables_and_columns() {
    let sqlite = migrated_schema(Backend::Sqlite).await;
    let postgres = migrated_schema(Backend::Postgres).await;
    assert!(
        sqlite.contains_key("users"),
        "the SQLite schema was not read: {sqlite:?}"
    );
    assert!(
        postgres.contains_key("users"),
        "the PostgreSQL schema was not read: {postgres:?}"
    );
    let only_sqlite = missing_from(&sqlite, &postgres);
    let only_postgres = missing_from(&postgres, &sqlite);
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the migrations disagree; only on SQLite: {only_sqlite:?}; only on PostgreSQL: {only_postgres:?}"
    );
}
