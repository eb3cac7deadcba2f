//! How long starting an access review instance with 10,000 items takes, on SQLite and on
//! PostgreSQL, next to the time to read those 10,000 people (the bare baseline), and how long
//! the instance's end (completion and applying its results) takes; also how long a reviewer
//! waits to open the running review (their list of reviews with its progress, then the first
//! page of their items), as the portal asks for them.
//!
//! `cargo bench -p tessera-api --bench reviews` (or `scripts/bench.sh reviews`). The target is
//! at most 10 seconds per start on either database. `TESSERA_BENCH_REVIEW_ITEMS` changes the
//! size; `TESSERA_BENCH_BACKENDS=sqlite` runs one backend; `TEST_POSTGRES_URL` names the
//! PostgreSQL server (default `postgres://postgres@127.0.0.1:5432/postgres`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::json;
use tessera_api::auth::Actor;
use tessera_api::auth::actor::Via;
use tessera_api::auth::review_authz;
use tessera_api::config::Settings;
use tessera_api::service::reviews::{create_definition, run_due_reviews};
use tessera_api::state::AppState;
use tessera_api::store::Db;
use tessera_domain::UserId;
use tessera_domain::review::ReviewDefinitionInput;
use tessera_domain::user::UserKind;
use uuid::Uuid;

/// Runs `$body` with `$pool` bound to the pool of either backend that writes (SQLite's writer).
macro_rules! on_both {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Db::Sqlite(pools) => {
                let $pool = pools.writer();
                $body
            }
            Db::Postgres($pool) => $body,
        }
    };
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|raw| raw.parse().ok())
        .unwrap_or(default)
}

struct Run {
    backend: &'static str,
    items: usize,
    baseline: Duration,
    start: Duration,
    open: Duration,
    decide_all: Duration,
    complete: Duration,
    apply: Duration,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let items = env_number("TESSERA_BENCH_REVIEW_ITEMS", 10_000);
    let backends =
        std::env::var("TESSERA_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let mut runs = Vec::new();
    for backend in backends.split(',').map(str::trim) {
        let (url, cleanup) = match backend {
            "sqlite" => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                (url, Cleanup::Dir(dir))
            }
            "postgres" => {
                let admin = std::env::var("TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let name = format!("tessera_bench_reviews_{}", Uuid::now_v7().simple());
                let pool = sqlx::PgPool::connect(&admin).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&pool)
                    .await
                    .unwrap();
                let base = admin
                    .rsplit_once('/')
                    .map(|(base, _)| base)
                    .unwrap_or(&admin);
                (format!("{base}/{name}"), Cleanup::Database { admin, name })
            }
            other => panic!("unknown backend {other}"),
        };
        runs.push(run(backend_name(backend), &url, items).await);
        cleanup.run().await;
    }
    let mut table = String::from(
        "| backend | items | read the people (baseline) | start the instance | ratio | \
         a reviewer opens it | decide every item | complete | apply |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for run in &runs {
        table.push_str(&format!(
            "| {} | {} | {:.2} s | {:.2} s ({:.0} items/s) | {:.1}x | {:.3} s | {:.2} s | {:.2} s | {:.2} s |\n",
            run.backend,
            run.items,
            run.baseline.as_secs_f64(),
            run.start.as_secs_f64(),
            run.items as f64 / run.start.as_secs_f64(),
            run.start.as_secs_f64() / run.baseline.as_secs_f64().max(1e-6),
            run.open.as_secs_f64(),
            run.decide_all.as_secs_f64(),
            run.complete.as_secs_f64(),
            run.apply.as_secs_f64(),
        ));
    }
    println!(
        "\nStarting an access review instance (target: at most 10 s for 10,000 items)\n\n{table}"
    );
    for run in &runs {
        let verdict = if run.start <= Duration::from_secs(10) {
            "within"
        } else {
            "OVER"
        };
        println!("{}: {verdict} the 10 s target", run.backend);
    }
    // Next to the workspace's build output, whatever directory cargo runs the bench in.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    std::fs::create_dir_all(&dir).ok();
    std::fs::write(dir.join("reviews.md"), table).ok();
}

fn backend_name(backend: &str) -> &'static str {
    if backend == "sqlite" {
        "SQLite"
    } else {
        "PostgreSQL"
    }
}

enum Cleanup {
    Dir(tempfile::TempDir),
    Database { admin: String, name: String },
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::Dir(dir) => drop(dir),
            Cleanup::Database { admin, name } => {
                let pool = sqlx::PgPool::connect(&admin).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE {name} WITH (FORCE)"
                )))
                .execute(&pool)
                .await
                .unwrap();
            }
        }
    }
}

async fn run(backend: &'static str, url: &str, count: usize) -> Run {
    let settings = Settings {
        database_url: url.to_string(),
        ..Settings::default()
    };
    let state = AppState::open(settings).await.unwrap();
    let now = Utc::now();
    let admin = Uuid::now_v7();
    let managers: Vec<Uuid> = (0..20).map(|_| Uuid::now_v7()).collect();
    let people: Vec<Uuid> = (0..count).map(|_| Uuid::now_v7()).collect();
    let group = Uuid::now_v7();
    // Seeding in bulk, outside what is measured.
    let mut users = vec![(admin, "admin".to_string(), None, true)];
    users.extend(
        managers
            .iter()
            .enumerate()
            .map(|(n, id)| (*id, format!("manager{n}"), None, false)),
    );
    users.extend(people.iter().enumerate().map(|(n, id)| {
        (
            *id,
            format!("person{n:06}"),
            Some(managers[n % managers.len()]),
            false,
        )
    }));
    for chunk in users.chunks(500) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let n = i * 5;
                format!(
                    "(${}, ${}, ${}, ${}, 'person', ${}, $1, $1)",
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO users (id, username, display_name, email, kind, manager_id, created_at, \
             updated_at) VALUES {}",
            values.join(", ")
        );
        on_both!(&state.db, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(now);
            for (id, username, manager, _) in chunk {
                query = query
                    .bind(*id)
                    .bind(username.clone())
                    .bind(username.clone())
                    .bind(format!("{username}@bench.test"))
                    .bind(*manager);
            }
            query.execute(pool).await.unwrap();
        });
    }
    on_both!(&state.db, pool => {
        sqlx::query("UPDATE users SET is_admin = TRUE WHERE id = $1").bind(admin).execute(pool).await.unwrap();
        sqlx::query("INSERT INTO groups (id, name, name_key, created_at, updated_at) VALUES ($1, 'Everyone', 'everyone', $2, $2)")
            .bind(group).bind(now).execute(pool).await.unwrap();
    });
    for chunk in people.chunks(500) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, ${}, $2)", i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO group_members (group_id, user_id, added_at) VALUES {}",
            values.join(", ")
        );
        on_both!(&state.db, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(group).bind(now);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(pool).await.unwrap();
        });
    }

    let actor = {
        let user = tessera_api::store::users::find_user(&state.db, admin)
            .await
            .unwrap()
            .unwrap();
        Actor {
            id: UserId::from_uuid(admin),
            username: user.username.clone(),
            is_admin: true,
            kind: UserKind::Person,
            via: Via::Session {
                session_id: Uuid::nil(),
            },
            user,
        }
    };
    let starts_at = Utc::now() + chrono::Duration::seconds(2);
    let input: ReviewDefinitionInput = serde_json::from_value(json!({
        "name": "Everyone, by their manager",
        "scope": {"resources": {"type": "groups", "group_ids": [group]}},
        "stages": [{
            "reviewers": [{"type": "manager"}],
            "fallback_reviewers": [{"type": "user", "user_id": admin}],
            "duration_days": 7,
        }],
        "schedule": {"type": "one_time", "starts_at": starts_at},
        "settings": {"auto_apply": true, "reminders": false},
    }))
    .unwrap();
    let author = review_authz::may_write_review(&state, &actor, &input)
        .await
        .unwrap();
    create_definition(&state, &author, input).await.unwrap();

    // Baseline: reading the 10,000 people in scope.
    let timer = Instant::now();
    let scoped = tessera_api::store::reviews::group_scope(&state.db, group)
        .await
        .unwrap();
    let baseline = timer.elapsed();
    assert_eq!(scoped.len(), count);

    let start_at = starts_at + chrono::Duration::seconds(1);
    let timer = Instant::now();
    let moved = run_due_reviews(&state, start_at).await.unwrap();
    let start = timer.elapsed();
    assert_eq!(
        moved, 2,
        "the occurrence is planned and its instance started"
    );
    let (instance,): (Uuid,) = on_both!(&state.db, pool => {
        sqlx::query_as("SELECT id FROM review_instances").fetch_one(pool).await.unwrap()
    });
    let (items,): (i64,) = on_both!(&state.db, pool => {
        sqlx::query_as("SELECT COUNT(*) FROM review_items WHERE instance_id = $1").bind(instance).fetch_one(pool).await.unwrap()
    });
    assert_eq!(items as usize, count);

    // A reviewer opens the review: their reviews, then the first page of their items.
    let first = reviewer(&state, managers[0]).await;
    let timer = Instant::now();
    let page = tessera_domain::page::PageQuery {
        limit: Some(50),
        cursor: None,
    };
    let own = review_authz::own_reviews(&first);
    let mine = tessera_api::service::reviews::list_own_instances(&state, &own, &page)
        .await
        .unwrap();
    let reader = review_authz::read_instance(&state, &first, mine.items[0].id)
        .await
        .unwrap();
    let items_page = tessera_api::service::reviews::list_items(
        &state,
        &reader,
        &serde_json::from_value(json!({"mine": true, "limit": 50})).unwrap(),
    )
    .await
    .unwrap();
    let open = timer.elapsed();
    assert_eq!(mine.items[0].progress.total, count);
    assert_eq!(items_page.items.len(), 50.min(count / managers.len()));

    // Every manager denies a tenth of their reports and approves the rest, in bulk.
    let timer = Instant::now();
    for (n, manager) in managers.iter().enumerate() {
        let reviewer = reviewer(&state, *manager).await;
        let mine = tessera_api::store::reviews::list_items(
            &state.db,
            instance,
            &tessera_api::store::reviews::ItemFilter {
                reviewer: Some(*manager),
                ..Default::default()
            },
            None,
            None,
        )
        .await
        .unwrap();
        for (i, chunk) in mine.chunks(500).enumerate() {
            let verdict = if (n + i) % 10 == 0 { "deny" } else { "approve" };
            let reader = review_authz::read_instance(
                &state,
                &reviewer,
                tessera_domain::ReviewInstanceId::from_uuid(instance),
            )
            .await
            .unwrap();
            tessera_api::service::reviews::decide_many(
                &state,
                &reader,
                serde_json::from_value(json!({
                    "item_ids": chunk.iter().map(|item| item.id).collect::<Vec<_>>(),
                    "verdict": verdict,
                }))
                .unwrap(),
            )
            .await
            .unwrap();
        }
    }
    let decide_all = timer.elapsed();

    let end = start_at + chrono::Duration::days(8);
    let timer = Instant::now();
    run_due_reviews(&state, end).await.unwrap();
    let complete = timer.elapsed();
    let timer = Instant::now();
    run_due_reviews(&state, end).await.unwrap();
    let apply = timer.elapsed();
    println!(
        "{backend}: {count} items: started in {:.2} s (baseline {:.3} s), opened by a reviewer \
         in {:.3} s, decided in {:.2} s, completed in {:.2} s, applied in {:.2} s",
        start.as_secs_f64(),
        baseline.as_secs_f64(),
        open.as_secs_f64(),
        decide_all.as_secs_f64(),
        complete.as_secs_f64(),
        apply.as_secs_f64()
    );
    if let Db::Sqlite(_) = &state.db {
        state.db.close().await;
    }
    Run {
        backend,
        items: count,
        baseline,
        start,
        open,
        decide_all,
        complete,
        apply,
    }
}

/// A reviewer as the services see a signed-in caller.
async fn reviewer(state: &AppState, id: Uuid) -> Actor {
    let user = tessera_api::store::users::find_user(&state.db, id)
        .await
        .unwrap()
        .unwrap();
    Actor {
        id: UserId::from_uuid(id),
        username: user.username.clone(),
        is_admin: false,
        kind: UserKind::Person,
        via: Via::Session {
            session_id: Uuid::nil(),
        },
        user,
    }
}
