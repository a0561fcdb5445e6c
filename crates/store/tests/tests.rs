//! The store story, run against SQLite always and against PostgreSQL when
//! `KASUMI_TEST_POSTGRES_URL` is set (CI sets it).

use std::sync::Arc;

use kasumi_core::{Lang, OrgKind, Role};
use kasumi_store::{
    Actor, DynStore, NewOrg, NewSession, NewUser, StoreError, Target, TeamMessageKind,
    ThrottlePolicy,
};
use sqlx::Connection;

const T0: i64 = 1_764_000_000_000_000;

/// Runs `f` against every backend available here, each on a fresh database.
/// `tamper` gets a SQL statement to run behind the store's back.
async fn each_backend<F, Fut>(f: F)
where
    F: Fn(DynStore, Tamper) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let store = kasumi_store::open(&Target::DataDir(dir.path().to_path_buf()))
        .await
        .unwrap();
    assert_eq!(store.backend(), kasumi_store::Backend::Sqlite);
    f(store, Tamper::Sqlite(dir.path().join("kasumi.db"))).await;

    match std::env::var("KASUMI_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let schema = format!("kasumi_test_{}", std::process::id()) + &unique();
            let store = kasumi_store::open_postgres_schema(&url, &schema)
                .await
                .unwrap();
            assert_eq!(store.backend(), kasumi_store::Backend::Postgres);
            f(store, Tamper::Postgres(url.clone(), schema.clone())).await;
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&mut conn)
                .await
                .unwrap();
        }
        _ => eprintln!(
            "KASUMI_TEST_POSTGRES_URL is not set: the PostgreSQL run of this story is skipped"
        ),
    }
}

fn unique() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("_{}", N.fetch_add(1, Ordering::SeqCst))
}

#[derive(Clone)]
enum Tamper {
    Sqlite(std::path::PathBuf),
    Postgres(String, String),
}

impl Tamper {
    async fn run(&self, sql: &'static str) {
        match self {
            Tamper::Sqlite(path) => {
                let mut c =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                        .await
                        .unwrap();
                sqlx::query(sql).execute(&mut c).await.unwrap();
            }
            Tamper::Postgres(url, schema) => {
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!("SET search_path TO {schema}")))
                    .execute(&mut c)
                    .await
                    .unwrap();
                sqlx::query(sql).execute(&mut c).await.unwrap();
            }
        }
    }
}

fn admin() -> Actor {
    Actor::system("cli")
}

async fn audit_count(store: &DynStore) -> usize {
    store.audit_entries(None, 10_000).await.unwrap().len()
}

#[tokio::test]
async fn accounts_story() {
    each_backend(|store, _| async move {
        assert!(store.verify_audit().await.unwrap().is_intact());
        let ipa = store
            .create_org(
                &admin(),
                T0,
                &NewOrg {
                    code: "ipa".into(),
                    name: "情報処理推進機構".into(),
                    kind: OrgKind::Ipa,
                },
            )
            .await
            .unwrap();
        assert_eq!(ipa.name, "情報処理推進機構");
        assert_eq!(store.org_by_code("ipa").await.unwrap().unwrap().id, ipa.id);

        // A duplicate code is a conflict and leaves no audit entry behind.
        let before = audit_count(&store).await;
        let dup = store
            .create_org(
                &admin(),
                T0,
                &NewOrg {
                    code: "ipa".into(),
                    name: "x".into(),
                    kind: OrgKind::Other,
                },
            )
            .await;
        assert!(
            matches!(
                dup,
                Err(StoreError::Conflict {
                    what: "organisation",
                    ..
                })
            ),
            "{dup:?}"
        );
        assert_eq!(audit_count(&store).await, before);

        let user = NewUser {
            login: "sato".into(),
            display_name: "佐藤".into(),
            org_id: ipa.id,
            role: Role::IpaReviewer,
            password_hash: "$argon2id$placeholder".into(),
        };
        let sato = store.create_user(&admin(), T0 + 1, &user).await.unwrap();
        assert_eq!(
            (sato.org_code.as_str(), sato.role, sato.locale),
            ("ipa", Role::IpaReviewer, None)
        );

        // A role that does not fit the organisation is refused, with nothing written.
        let before = audit_count(&store).await;
        let wrong = store
            .create_user(
                &admin(),
                T0,
                &NewUser {
                    login: "kato".into(),
                    role: Role::Auditor,
                    ..user.clone()
                },
            )
            .await;
        match wrong {
            Err(StoreError::Invalid(msg)) => {
                assert!(msg.contains("auditor") && msg.contains("ipa"), "{msg}")
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
        let dup = store.create_user(&admin(), T0, &user).await;
        assert!(
            matches!(dup, Err(StoreError::Conflict { what: "login", .. })),
            "{dup:?}"
        );
        assert_eq!(store.list_users().await.unwrap().len(), 1);
        assert_eq!(audit_count(&store).await, before);

        store
            .set_user_locale(&Actor::user(sato.id, "sato"), T0 + 2, sato.id, Lang::En)
            .await
            .unwrap();
        assert_eq!(
            store.user_by_login("sato").await.unwrap().unwrap().locale,
            Some(Lang::En)
        );

        let entries = store.audit_entries(None, 100).await.unwrap();
        let actions: Vec<_> = entries.iter().rev().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["org.create", "user.create", "user.locale"]);
        assert!(
            !entries.iter().any(|e| e.payload.contains("argon2")),
            "hashes never reach the trail"
        );
        let report = store.verify_audit().await.unwrap();
        assert!(report.is_intact());
        assert_eq!(report.entries, 3);
    })
    .await;
}

#[tokio::test]
async fn sessions_and_throttling_story() {
    each_backend(|store, _| async move {
        let org = store
            .create_org(
                &admin(),
                T0,
                &NewOrg {
                    code: "nict".into(),
                    name: "NICT".into(),
                    kind: OrgKind::Nict,
                },
            )
            .await
            .unwrap();
        let user = store
            .create_user(
                &admin(),
                T0,
                &NewUser {
                    login: "Yamada".into(),
                    display_name: "山田".into(),
                    org_id: org.id,
                    role: Role::CyderOperator,
                    password_hash: "h1".into(),
                },
            )
            .await
            .unwrap();

        let policy = ThrottlePolicy::default();
        for i in 0..4 {
            let t = store
                .record_login_failure(T0 + i, "yamada", &policy)
                .await
                .unwrap();
            assert!(!t.is_locked(T0 + i));
        }
        let t = store
            .record_login_failure(T0 + 5, "yamada", &policy)
            .await
            .unwrap();
        assert!(t.is_locked(T0 + 5));
        assert_eq!(store.throttle("yamada").await.unwrap(), Some(t));

        let s1 = NewSession {
            token_hash: "a".repeat(64),
            expires_at: T0 + 1000,
            remote: "127.0.0.1".into(),
        };
        let s2 = NewSession {
            token_hash: "b".repeat(64),
            expires_at: T0 + 1000,
            remote: "127.0.0.1".into(),
        };
        store.create_session(T0 + 10, &user, &s1).await.unwrap();
        store.create_session(T0 + 11, &user, &s2).await.unwrap();
        assert_eq!(
            store.throttle("yamada").await.unwrap(),
            None,
            "a successful sign-in clears failures"
        );

        let (session, found) = store
            .session(T0 + 20, &s1.token_hash)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((session.user_id, found.login.as_str()), (user.id, "Yamada"));
        assert!(
            store
                .session(T0 + 1000, &s1.token_hash)
                .await
                .unwrap()
                .is_none(),
            "expired"
        );
        store
            .touch_session(&s1.token_hash, T0 + 30, T0 + 5000)
            .await
            .unwrap();
        assert!(
            store
                .session(T0 + 1000, &s1.token_hash)
                .await
                .unwrap()
                .is_some(),
            "extended"
        );

        // Changing the password ends every other session.
        store
            .set_password(
                &Actor::user(user.id, "Yamada"),
                T0 + 40,
                user.id,
                "h2",
                Some(&s1.token_hash),
            )
            .await
            .unwrap();
        assert!(
            store
                .session(T0 + 41, &s1.token_hash)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .session(T0 + 41, &s2.token_hash)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store
                .user_by_id(user.id)
                .await
                .unwrap()
                .unwrap()
                .password_hash,
            "h2"
        );

        store
            .end_session(&Actor::user(user.id, "Yamada"), T0 + 50, &s1.token_hash)
            .await
            .unwrap();
        assert!(
            store
                .session(T0 + 51, &s1.token_hash)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(store.purge_expired_sessions(T0 + 10_000).await.unwrap(), 0);

        let actions: Vec<_> = store
            .audit_entries(None, 100)
            .await
            .unwrap()
            .into_iter()
            .rev()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [
                "org.create",
                "user.create",
                "auth.login_failed",
                "auth.login_failed",
                "auth.login_failed",
                "auth.login_failed",
                "auth.login_failed",
                "auth.login",
                "auth.login",
                "user.password_change",
                "auth.logout"
            ]
        );
        assert!(store.verify_audit().await.unwrap().is_intact());
    })
    .await;
}

#[tokio::test]
async fn concurrent_writers_keep_one_unbroken_chain() {
    each_backend(|store, _| async move {
        let mut tasks = Vec::new();
        for i in 0..24 {
            let store = Arc::clone(&store);
            tasks.push(tokio::spawn(async move {
                store
                    .create_org(
                        &admin(),
                        T0 + i,
                        &NewOrg {
                            code: format!("org{i}"),
                            name: format!("Org {i}"),
                            kind: OrgKind::Agency,
                        },
                    )
                    .await
                    .unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let report = store.verify_audit().await.unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.entries, 24);
        assert_eq!(store.list_orgs().await.unwrap().len(), 24);
    })
    .await;
}

#[tokio::test]
async fn editing_the_trail_behind_kasumis_back_is_detected() {
    each_backend(|store, tamper| async move {
        for code in ["a", "b", "c"] {
            store
                .create_org(
                    &admin(),
                    T0,
                    &NewOrg {
                        code: code.into(),
                        name: code.into(),
                        kind: OrgKind::Csp,
                    },
                )
                .await
                .unwrap();
        }
        assert!(store.verify_audit().await.unwrap().is_intact());
        tamper
            .run("UPDATE audit_log SET payload = '{\"code\":\"evil\"}' WHERE seq = 2")
            .await;
        let report = store.verify_audit().await.unwrap();
        let b = report.first_break.expect("the edit must be found");
        assert_eq!(b.seq, 2);
        assert!(b.reason.contains("payload"), "{}", b.reason);
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_error() {
    let err = kasumi_store::open(&Target::Url(
        "postgres://kasumi:secret@127.0.0.1:1/none".into(),
    ))
    .await
    .err()
    .expect("nothing listens on port 1");
    let msg = err.to_string();
    assert!(
        msg.starts_with("cannot open the database at postgres://kasumi:***@127.0.0.1:1/none"),
        "{msg}"
    );
    assert!(!msg.contains("secret"));
    let err = kasumi_store::open(&Target::Url("mysql://x".into()))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("unsupported database URL"));
}

#[tokio::test]
async fn catalog_versions_story() {
    each_backend(|store, _| async move {
        let record = kasumi_store::CatalogRecord {
            id: "SAMPLE-1".into(),
            title_ja: "管理基準（サンプル）".into(),
            title_en: "Control criteria (sample)".into(),
            issued: "2025-04-01".into(),
            sample: true,
            item_count: 3,
            doc: r#"{"items":[1,2,3]}"#.into(),
        };
        store
            .insert_catalog(&admin(), T0, &record, serde_json::json!({"items": 3}))
            .await
            .unwrap();
        let dup = store
            .insert_catalog(&admin(), T0, &record, serde_json::json!({}))
            .await;
        assert!(
            matches!(
                dup,
                Err(StoreError::Conflict {
                    what: "catalog version",
                    ..
                })
            ),
            "{dup:?}"
        );

        let list = store.list_catalogs().await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            (list[0].revision, list[0].sample, list[0].item_count),
            (1, true, 3)
        );
        let (summary, doc) = store.catalog("SAMPLE-1").await.unwrap().unwrap();
        assert_eq!(
            (summary.title_ja.as_str(), doc.as_str()),
            ("管理基準（サンプル）", r#"{"items":[1,2,3]}"#)
        );
        assert!(store.catalog("nope").await.unwrap().is_none());

        let edited = kasumi_store::CatalogRecord {
            doc: r#"{"items":[1,2]}"#.into(),
            item_count: 2,
            ..record.clone()
        };
        let rev = store
            .update_catalog(
                &admin(),
                T0 + 1,
                &edited,
                1,
                "catalog.edit",
                serde_json::json!({"id": "8.1.2"}),
            )
            .await
            .unwrap();
        assert_eq!(rev, 2);
        assert_eq!(store.catalog_revision("SAMPLE-1").await.unwrap(), Some(2));

        // An edit made against an old revision is refused and changes nothing.
        let before = audit_count(&store).await;
        let stale = store
            .update_catalog(
                &admin(),
                T0 + 2,
                &record,
                1,
                "catalog.edit",
                serde_json::json!({}),
            )
            .await;
        assert!(
            matches!(stale, Err(StoreError::Conflict { .. })),
            "{stale:?}"
        );
        assert_eq!(audit_count(&store).await, before);
        assert_eq!(
            store.catalog("SAMPLE-1").await.unwrap().unwrap().1,
            r#"{"items":[1,2]}"#
        );
        let actions: Vec<_> = store
            .audit_entries(None, 10)
            .await
            .unwrap()
            .into_iter()
            .rev()
            .map(|e| e.action)
            .collect();
        assert_eq!(actions, ["catalog.import", "catalog.edit"]);
    })
    .await;
}

#[tokio::test]
async fn exercises_teams_and_recorded_actions_story() {
    use kasumi_store::{ExerciseState, NewExercise};
    each_backend(|store, _| async move {
        let nict = store
            .create_org(
                &admin(),
                T0,
                &NewOrg {
                    code: "nict".into(),
                    name: "NICT".into(),
                    kind: OrgKind::Nict,
                },
            )
            .await
            .unwrap();
        let city = store
            .create_org(
                &admin(),
                T0,
                &NewOrg {
                    code: "city".into(),
                    name: "さいだ市".into(),
                    kind: OrgKind::LocalGovernment,
                },
            )
            .await
            .unwrap();
        let mut ids = Vec::new();
        for (login, org, role) in [
            ("op", nict.id, Role::CyderOperator),
            ("t1", city.id, Role::Trainee),
            ("t2", city.id, Role::Trainee),
        ] {
            let u = store
                .create_user(
                    &admin(),
                    T0,
                    &NewUser {
                        login: login.into(),
                        display_name: login.into(),
                        org_id: org,
                        role,
                        password_hash: "h".into(),
                    },
                )
                .await
                .unwrap();
            ids.push(u.id);
        }
        let op = Actor::user(ids[0], "op");
        let ex = store
            .create_exercise(
                &op,
                T0,
                &NewExercise {
                    title: "B-1 さいだ市".into(),
                    course: "B-1".into(),
                    scenario: "saida-city".into(),
                    seed: 42,
                    sim_start: 1_000_000_000,
                    history_days: 1,
                    speed: 4,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (ex.state, ex.sim_now(T0 + 10_000_000)),
            (ExerciseState::Planned, 1_000_000_000)
        );

        let team = store
            .create_team(&op, T0, ex.id, 1, "第1班", &[ids[1]])
            .await
            .unwrap();
        assert_eq!(team.members.len(), 1);
        let dup = store
            .create_team(&op, T0, ex.id, 2, "第2班", &[ids[1], ids[2]])
            .await;
        assert!(
            matches!(
                dup,
                Err(StoreError::Conflict {
                    what: "team member",
                    ..
                })
            ),
            "one team per trainee: {dup:?}"
        );
        assert_eq!(
            store.teams(ex.id).await.unwrap().len(),
            1,
            "the failed team left nothing behind"
        );
        store
            .create_team(&op, T0, ex.id, 2, "第2班", &[ids[2]])
            .await
            .unwrap();
        assert_eq!(store.teams_of_user(ids[2]).await.unwrap()[0].number, 2);

        // The clock runs `speed` times real time while running and stands still when paused.
        let running = store
            .set_exercise_clock(
                &op,
                T0 + 1_000_000,
                ex.id,
                ExerciseState::Planned,
                ExerciseState::Running,
                0,
            )
            .await
            .unwrap();
        assert_eq!(running.sim_now(T0 + 11_000_000), 1_000_000_000 + 40_000_000);
        let stale = store
            .set_exercise_clock(
                &op,
                T0 + 2_000_000,
                ex.id,
                ExerciseState::Planned,
                ExerciseState::Running,
                0,
            )
            .await;
        assert!(matches!(stale, Err(StoreError::Conflict { .. })));
        let paused = store
            .set_exercise_clock(
                &op,
                T0 + 11_000_000,
                ex.id,
                ExerciseState::Running,
                ExerciseState::Paused,
                40_000_000,
            )
            .await
            .unwrap();
        assert_eq!(paused.sim_now(T0 + 99_000_000), 1_000_000_000 + 40_000_000);

        let t1 = Actor::user(ids[1], "t1");
        let s1 = store
            .record_team_action(
                &t1,
                T0,
                team.id,
                1_000_000_500,
                r#"{"action":"isolate_host","host":"PC-1"}"#,
                r#"{"ok":true}"#,
            )
            .await
            .unwrap();
        let s2 = store
            .record_team_action(
                &t1,
                T0,
                team.id,
                1_000_000_900,
                r#"{"action":"warn_staff","message":"注意"}"#,
                "{}",
            )
            .await
            .unwrap();
        assert_eq!((s1, s2), (1, 2));
        let actions = store.team_actions(team.id).await.unwrap();
        assert_eq!(actions.len(), 2);
        assert_eq!(
            (actions[1].login.as_str(), actions[1].sim_at),
            ("t1", 1_000_000_900)
        );
        assert!(actions[1].action.contains("注意"));
        let last = &store.audit_entries(None, 1).await.unwrap()[0];
        assert_eq!(
            (last.action.as_str(), last.object.as_str()),
            ("team.action", format!("team:{}", team.id).as_str())
        );
        assert!(store.verify_audit().await.unwrap().is_intact());

        // The instructor's messages and hints reach one team, in order, audited.
        let m1 = store
            .send_team_message(
                &op,
                T0,
                team.id,
                1_000_000_950,
                TeamMessageKind::Hint,
                "DNSログを見ましょう",
            )
            .await
            .unwrap();
        let m2 = store
            .send_team_message(
                &op,
                T0,
                team.id,
                1_000_001_000,
                TeamMessageKind::Message,
                "残り30分です",
            )
            .await
            .unwrap();
        assert!(m2 > m1);
        let messages = store.team_messages(team.id).await.unwrap();
        assert_eq!(
            messages
                .iter()
                .map(|m| (m.kind, m.body.as_str(), m.sim_at))
                .collect::<Vec<_>>(),
            vec![
                (TeamMessageKind::Hint, "DNSログを見ましょう", 1_000_000_950),
                (TeamMessageKind::Message, "残り30分です", 1_000_001_000),
            ]
        );
        assert_eq!(messages[0].login, "op");
        let other = store
            .teams(ex.id)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.id != team.id)
            .unwrap();
        assert!(
            store.team_messages(other.id).await.unwrap().is_empty(),
            "other teams see nothing"
        );
        let last = &store.audit_entries(None, 1).await.unwrap()[0];
        assert_eq!(
            (last.action.as_str(), last.object.as_str()),
            ("team.message", format!("team:{}", team.id).as_str())
        );
        assert_eq!(
            store.audit_seq().await.unwrap(),
            last.seq,
            "the change counter is the last entry"
        );
        assert!(store.verify_audit().await.unwrap().is_intact());
    })
    .await;
}

#[tokio::test]
async fn registry_records_and_events_story() {
    use kasumi_store::{RecordWrite, RegistryEventIn};
    each_backend(|store, _| async move {
        assert_eq!(store.registry_allocate_id("service").await.unwrap(), 1);
        assert_eq!(store.registry_allocate_id("service").await.unwrap(), 2);
        assert_eq!(store.registry_allocate_id("registration").await.unwrap(), 1);
        assert!(matches!(
            store.registry_allocate_id("spaceship").await,
            Err(StoreError::Invalid(_))
        ));

        let create = |kind: &str, id, body| RecordWrite {
            kind: kind.into(),
            id,
            owner_org: Some(10),
            expected_revision: 0,
            body,
        };
        let event = |key: &str, kind: &str, id, service: Option<i64>| RegistryEventIn {
            at: T0,
            key: key.into(),
            subject_kind: kind.into(),
            subject_id: id,
            service_id: service,
            body: serde_json::json!({"key": key, "ja": "登録", "en": "Registered"}),
        };
        let before = audit_count(&store).await;
        store
            .registry_commit(
                &admin(),
                T0,
                &[
                    create("service", 2, serde_json::json!({"name": "かすみクラウド"})),
                    create(
                        "registration",
                        1,
                        serde_json::json!({"status": "registered"}),
                    ),
                ],
                &[
                    event("service.created", "service", 2, None),
                    event("application.decided", "registration", 1, Some(2)),
                ],
            )
            .await
            .unwrap();
        assert_eq!(audit_count(&store).await, before + 2);
        let rec = store
            .registry_record("registration", 1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rec.revision, 1);
        assert_eq!(rec.owner_org, Some(10));
        assert_eq!(rec.body["status"], "registered");
        // Ids chosen by the caller push the counter on.
        assert_eq!(store.registry_allocate_id("registration").await.unwrap(), 2);

        // An update against the current revision.
        store
            .registry_commit(
                &admin(),
                T0 + 1,
                &[RecordWrite {
                    expected_revision: 1,
                    ..create(
                        "registration",
                        1,
                        serde_json::json!({"status": "suspended"}),
                    )
                }],
                &[event("registration.suspended", "registration", 1, Some(2))],
            )
            .await
            .unwrap();
        let rec = store
            .registry_record("registration", 1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((rec.revision, rec.updated_at), (2, T0 + 1));

        // A stale revision (and a second create) is refused; nothing is written.
        let before = audit_count(&store).await;
        for (writes, what) in [
            (
                vec![
                    create("service", 3, serde_json::json!({"name": "新サービス"})),
                    RecordWrite {
                        expected_revision: 1,
                        ..create("registration", 1, serde_json::json!({"status": "revoked"}))
                    },
                ],
                "registry record revision",
            ),
            (
                vec![create("registration", 1, serde_json::json!({}))],
                "registry record",
            ),
        ] {
            let err = store
                .registry_commit(
                    &admin(),
                    T0 + 2,
                    &writes,
                    &[event("registration.revoked", "registration", 1, Some(2))],
                )
                .await;
            assert!(
                matches!(&err, Err(StoreError::Conflict { what: w, .. }) if *w == what),
                "{err:?}"
            );
        }
        assert_eq!(audit_count(&store).await, before);
        assert!(store.registry_record("service", 3).await.unwrap().is_none());
        let rec = store
            .registry_record("registration", 1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (rec.revision, rec.body["status"].as_str()),
            (2, Some("suspended"))
        );

        // Events: all of them, one service's remarks, the latest remarks first.
        let all = store.registry_events(None, 0, 100).await.unwrap();
        let keys: Vec<_> = all.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "service.created",
                "application.decided",
                "registration.suspended"
            ]
        );
        let after_first = store.registry_events(None, all[0].seq, 1).await.unwrap();
        assert_eq!(after_first[0].key, "application.decided");
        let remarks = store.registry_events(Some(2), 0, 100).await.unwrap();
        assert_eq!(remarks.len(), 2);
        assert!(
            store
                .registry_events(Some(99), 0, 100)
                .await
                .unwrap()
                .is_empty()
        );
        // One record's history, oldest first; nothing of other records.
        let of_registration: Vec<_> = store
            .registry_events_of("registration", 1)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(
            of_registration,
            ["application.decided", "registration.suspended"]
        );
        assert!(
            store
                .registry_events_of("service", 1)
                .await
                .unwrap()
                .is_empty()
        );
        let latest = store.registry_latest_remarks(1).await.unwrap();
        assert_eq!(latest[0].key, "registration.suspended");
        assert_eq!(latest[0].body["en"], "Registered");
        assert_eq!(
            store.registry_records("registration").await.unwrap().len(),
            1
        );
        assert_eq!(store.registry_records("service").await.unwrap().len(), 1);

        // The events are in the audit trail too, and the chain holds.
        let entries = store.audit_entries(None, 3).await.unwrap();
        let audited: Vec<_> = entries
            .iter()
            .rev()
            .map(|e| (e.action.as_str(), e.object.as_str()))
            .collect();
        assert_eq!(
            audited,
            [
                ("service.created", "service:2"),
                ("application.decided", "registration:1"),
                ("registration.suspended", "registration:1"),
            ]
        );
        assert!(store.verify_audit().await.unwrap().is_intact());

        // A back-dated event recorded last is not the newest remark.
        store
            .registry_commit(
                &admin(),
                T0 + 3,
                &[],
                &[RegistryEventIn {
                    at: T0 - 100,
                    ..event("incident.reported", "incident", 1, Some(2))
                }],
            )
            .await
            .unwrap();
        let latest = store.registry_latest_remarks(2).await.unwrap();
        let keys: Vec<_> = latest.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["registration.suspended", "application.decided"]);
    })
    .await;
}

#[tokio::test]
async fn evidence_is_stored_with_its_commit_or_not_at_all() {
    use kasumi_store::{RecordWrite, RegistryEventIn, StoredFile};
    each_backend(|store, _| async move {
        let write = |rev| RecordWrite {
            kind: "engagement".into(),
            id: 7,
            owner_org: Some(10),
            expected_revision: rev,
            body: serde_json::json!({"status": "engaged"}),
        };
        let event = RegistryEventIn {
            at: T0,
            key: "engagement.result_recorded".into(),
            subject_kind: "engagement".into(),
            subject_id: 7,
            service_id: None,
            body: serde_json::json!({"key": "engagement.result_recorded"}),
        };
        let bytes = b"%PDF-1.7 evidence \x00\xff".to_vec();
        let file = StoredFile::new("engagement", 7, "証跡.pdf", bytes.clone());
        assert_eq!(file.sha256.len(), 64);
        let before = audit_count(&store).await;
        store
            .registry_commit_with_files(
                &admin(),
                T0,
                &[write(0)],
                std::slice::from_ref(&event),
                std::slice::from_ref(&file),
                &[],
            )
            .await
            .unwrap();
        assert_eq!(audit_count(&store).await, before + 1);
        let back = store
            .registry_file("engagement", 7, &file.sha256)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back, file);
        assert!(
            store
                .registry_file("engagement", 8, &file.sha256)
                .await
                .unwrap()
                .is_none()
        );

        // A stale revision: nothing of the commit is kept, the evidence neither.
        let other = StoredFile::new("engagement", 7, "other.txt", b"other".to_vec());
        assert!(matches!(
            store
                .registry_commit_with_files(
                    &admin(),
                    T0,
                    &[write(0)],
                    std::slice::from_ref(&event),
                    std::slice::from_ref(&other),
                    &[],
                )
                .await,
            Err(StoreError::Conflict { .. })
        ));
        assert!(
            store
                .registry_file("engagement", 7, &other.sha256)
                .await
                .unwrap()
                .is_none()
        );

        // A hash that does not match the bytes is refused.
        let mut forged = StoredFile::new("engagement", 7, "x.txt", b"x".to_vec());
        forged.sha256 = "0".repeat(64);
        assert!(matches!(
            store
                .registry_commit_with_files(&admin(), T0, &[write(1)], &[event], &[forged], &[])
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(audit_count(&store).await, before + 1);
    })
    .await;
}

/// A transition that depended on a record it did not change (engaging a firm
/// that was listed) goes through only while that record is unchanged.
#[tokio::test]
async fn a_commit_checks_the_records_it_only_read() {
    use kasumi_store::{RecordRead, RecordWrite};
    each_backend(|store, _| async move {
        let firm = |rev, status: &str| RecordWrite {
            kind: "firm".into(),
            id: 3,
            owner_org: Some(20),
            expected_revision: rev,
            body: serde_json::json!({ "status": status }),
        };
        let engagement = |id| RecordWrite {
            kind: "engagement".into(),
            id,
            owner_org: Some(10),
            expected_revision: 0,
            body: serde_json::json!({"status": "engaged", "firm": 3}),
        };
        let read = |revision| RecordRead {
            kind: "firm".into(),
            id: 3,
            revision,
        };
        store
            .registry_commit(&admin(), T0, &[firm(0, "listed")], &[])
            .await
            .unwrap();
        // The firm as read (revision 1): the engagement is written.
        store
            .registry_commit_with_files(&admin(), T0, &[engagement(1)], &[], &[], &[read(1)])
            .await
            .unwrap();
        assert_eq!(
            store
                .registry_record("firm", 3)
                .await
                .unwrap()
                .unwrap()
                .revision,
            1
        );
        // The firm was suspended in between: the engagement read it at 1, now 2.
        store
            .registry_commit(&admin(), T0, &[firm(1, "suspended")], &[])
            .await
            .unwrap();
        let before = audit_count(&store).await;
        assert!(matches!(
            store
                .registry_commit_with_files(&admin(), T0, &[engagement(2)], &[], &[], &[read(1)])
                .await,
            Err(StoreError::Conflict { .. })
        ));
        assert!(
            store
                .registry_record("engagement", 2)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(audit_count(&store).await, before);
    })
    .await;
}
