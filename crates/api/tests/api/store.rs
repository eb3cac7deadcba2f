//! Store contracts that the API alone cannot show, on both backends.

use chrono::Utc;
use tessera_api::auth::session_token::{SessionClaims, SessionKeys};
use tessera_api::store::{self, Db, StoreError};
use uuid::Uuid;

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends! {
    async fn replicas_starting_together_agree_on_one_signing_key(app: TestApp) {
        let (url, _dir) = fresh_database(app.backend).await;
        let first = Db::connect(&url).await.unwrap();
        first.migrate().await.unwrap();
        let second = Db::connect(&url).await.unwrap();
        let (a, b) = tokio::join!(SessionKeys::load_or_create(&first), SessionKeys::load_or_create(&second));
        let (a, b) = (a.unwrap(), b.unwrap());
        let claims = SessionClaims::new(Uuid::nil(), Uuid::nil(), "c".into(), Utc::now(), 5);
        let token = a.issue(&claims).unwrap();
        assert_eq!(b.verify(&token), Some(claims), "replica b cannot check replica a's session");
        assert_eq!(store::keys::list_signing_keys(&first).await.unwrap().len(), 1);
    }
}

on_both_backends! {
    async fn a_user_update_from_a_stale_read_is_refused(app: TestApp) {
        let state = app.state().await;
        let id: Uuid = app.admin.id().parse().unwrap();
        let row = store::users::find_user(&state.db, id).await.unwrap().unwrap();
        let update = store::users::UserUpdate {
            username: row.username.clone(),
            email: row.email.clone(),
            display_name: "First".into(),
            user_type: tessera_domain::user::UserType::Member,
            manager_id: None,
            enabled: true,
            is_admin: true,
            department: None,
            attributes: "{}".into(),
            external_id: None,
            given_name: None,
            family_name: None,
            formatted_name: None,
            sponsors: Vec::new(),
        };
        let audit = |r: &store::users::UserRow| {
            tessera_api::service::audit_event::<(), ()>(None, "user.update", "user", r.id.to_string(), None, None)
        };
        let first = store::users::transition_user(&state.db, id, row.version, &update, Utc::now(), audit).await;
        assert_eq!(first.unwrap().version, row.version + 1);
        let second = store::users::transition_user(&state.db, id, row.version, &update, Utc::now(), audit).await;
        assert!(matches!(second, Err(StoreError::Conflict)));
        let events = store::audit::list_events_for_target(&state.db, "user", &id.to_string()).await.unwrap();
        assert_eq!(events.len(), 2, "the refused update wrote no audit event");
    }
}

on_both_backends! {
    async fn concurrent_updates_of_one_user_apply_once_each_or_conflict(app: TestApp) {
        let state = app.state().await;
        let id: Uuid = app.admin.id().parse().unwrap();
        let row = store::users::find_user(&state.db, id).await.unwrap().unwrap();
        let attempts = (0..8).map(|i| {
            let db = state.db.clone();
            let update = store::users::UserUpdate {
                username: row.username.clone(),
                email: row.email.clone(),
                display_name: format!("Name {i}"),
                user_type: tessera_domain::user::UserType::Member,
                manager_id: None,
                enabled: true,
                is_admin: true,
                department: None,
                attributes: "{}".into(),
                external_id: None,
                given_name: None,
                family_name: None,
                formatted_name: None,
                sponsors: Vec::new(),
            };
            let version = row.version;
            tokio::spawn(async move {
                store::users::transition_user(&db, id, version, &update, Utc::now(), |r| {
                    tessera_api::service::audit_event::<(), ()>(None, "user.update", "user", r.id.to_string(), None, None)
                })
                .await
            })
        });
        let results = futures_util::future::join_all(attempts).await;
        let applied = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
        let conflicts = results.iter().filter(|r| matches!(r, Ok(Err(StoreError::Conflict)))).count();
        assert_eq!((applied, conflicts), (1, 7));
        let now = store::users::find_user(&state.db, id).await.unwrap().unwrap();
        assert_eq!(now.version, row.version + 1);
    }
}

on_both_backends! {
    async fn the_audit_trail_cannot_be_rewritten(app: TestApp) {
        let state = app.state().await;
        let result = match &state.db {
            Db::Sqlite(pools) => sqlx::query("UPDATE audit_events SET action = 'x'").execute(pools.writer()).await.map(|_| ()),
            Db::Postgres(pool) => sqlx::query("UPDATE audit_events SET action = 'x'").execute(pool).await.map(|_| ()),
        };
        assert!(result.is_err());
        let result = match &state.db {
            Db::Sqlite(pools) => sqlx::query("DELETE FROM audit_events").execute(pools.writer()).await.map(|_| ()),
            Db::Postgres(pool) => sqlx::query("DELETE FROM audit_events").execute(pool).await.map(|_| ()),
        };
        assert!(result.is_err());
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys() {
    let (url, _dir) = fresh_database(Backend::Sqlite).await;
    let db = Db::connect(&url).await.unwrap();
    let Db::Sqlite(pools) = &db else {
        panic!("not sqlite")
    };
    for pool in [pools.reads(), pools.writer()] {
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(pool)
            .await
            .unwrap();
        let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!((mode.as_str(), fk), ("wal", 1));
    }
}

#[tokio::test]
async fn sqlite_writes_through_its_one_writer_and_refuses_them_on_the_read_pool() {
    let (url, _dir) = fresh_database(Backend::Sqlite).await;
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let Db::Sqlite(pools) = &db else {
        panic!("not sqlite")
    };
    assert_eq!(pools.writer().options().get_max_connections(), 1);
    let sql = "INSERT INTO signing_keys (id, secret, created_at) VALUES ('k', X'00', '2020-01-01T00:00:00Z')";
    let refused = sqlx::query(sql).execute(pools.reads()).await.unwrap_err();
    assert!(refused.to_string().contains("readonly"), "{refused}");
    sqlx::query(sql).execute(pools.writer()).await.unwrap();
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM signing_keys")
        .fetch_one(pools.reads())
        .await
        .unwrap();
    assert_eq!(count, 1, "the read pool sees what the writer committed");
    db.close().await;
}
