//! The scheduler's housekeeping: sign-in flows and sessions over for more than a day are
//! deleted, live ones and those just over stay, and two replicas may run it at once.

use chrono::{DateTime, Duration, Utc};
use tessera_api::jobs::housekeeping::{Purged, purge_expired};
use tessera_api::store::Db;
use tessera_api::store::identity::{FlowRow, insert_flow};
use tessera_api::store::sessions::{end_session, insert_session};
use uuid::Uuid;

use crate::on_both_backends;

fn flow(state: &str, created_at: DateTime<Utc>) -> FlowRow {
    FlowRow {
        state: state.into(),
        provider_id: "corp".into(),
        nonce: "nonce".into(),
        pkce_verifier: "verifier".into(),
        return_to: None,
        created_at,
        expires_at: created_at + Duration::minutes(10),
    }
}

/// Whether the flow of `state` is still stored.
async fn has_flow(db: &Db, state: &str) -> bool {
    let sql = "SELECT COUNT(*) FROM oidc_flows WHERE state = $1";
    let count: i64 = match db {
        Db::Sqlite(pools) => {
            sqlx::query_scalar(sql)
                .bind(state)
                .fetch_one(pools.reads())
                .await
        }
        Db::Postgres(pool) => sqlx::query_scalar(sql).bind(state).fetch_one(pool).await,
    }
    .unwrap();
    count > 0
}

/// Whether the session `id` is still stored.
async fn has_session(db: &Db, id: Uuid) -> bool {
    let sql = "SELECT COUNT(*) FROM sessions WHERE id = $1";
    let count: i64 = match db {
        Db::Sqlite(pools) => {
            sqlx::query_scalar(sql)
                .bind(id)
                .fetch_one(pools.reads())
                .await
        }
        Db::Postgres(pool) => sqlx::query_scalar(sql).bind(id).fetch_one(pool).await,
    }
    .unwrap();
    count > 0
}

on_both_backends! {
    async fn expired_flows_and_stale_sessions_are_deleted_by_the_round(app: TestApp) {
        let state = app.state().await;
        let now = Utc::now();
        let user: Uuid = app.admin.id().parse().unwrap();

        // The long-expired flow goes in last: storing a flow purges those long expired.
        insert_flow(&state.db, &flow("just-expired", now - Duration::minutes(30))).await.unwrap();
        insert_flow(&state.db, &flow("live", now)).await.unwrap();
        insert_flow(&state.db, &flow("long-expired", now - Duration::days(3))).await.unwrap();

        let (expired, ended, just_ended, live) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        insert_session(&state.db, expired, user, now - Duration::days(3), now - Duration::days(2)).await.unwrap();
        insert_session(&state.db, ended, user, now - Duration::days(3), now + Duration::hours(1)).await.unwrap();
        end_session(&state.db, ended, now - Duration::days(2)).await.unwrap();
        insert_session(&state.db, just_ended, user, now - Duration::hours(2), now + Duration::hours(1)).await.unwrap();
        end_session(&state.db, just_ended, now - Duration::hours(1)).await.unwrap();
        insert_session(&state.db, live, user, now, now + Duration::hours(1)).await.unwrap();

        // Two replicas run the same round at once: each row goes once, and neither fails.
        let replica = app.state().await;
        let (one, two) = tokio::join!(purge_expired(&state, now), purge_expired(&replica, now));
        let (one, two) = (one.unwrap(), two.unwrap());
        assert_eq!((one.flows + two.flows, one.sessions + two.sessions), (1, 2));
        assert_eq!(purge_expired(&state, now).await.unwrap(), Purged::default());

        for (gone, flow) in [(true, "long-expired"), (false, "just-expired"), (false, "live")] {
            assert_eq!(has_flow(&state.db, flow).await, !gone, "{flow}");
        }
        for (gone, session) in [(true, expired), (true, ended), (false, just_ended), (false, live)] {
            assert_eq!(has_session(&state.db, session).await, !gone, "{session}");
        }
        // The administrator's own session is live: still signed in.
        assert_eq!(app.admin.get("/api/v1/me").await.status(), 200);
    }
}
