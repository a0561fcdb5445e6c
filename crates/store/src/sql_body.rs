// Included once per backend by sql.rs with `type DB` set; the SQL here is valid on both.
use async_trait::async_trait;
use kasumi_core::{Lang, Micros, Role};
use sqlx::{Row, Transaction};

use crate::audit::{self, AuditEntry, ChainVerifier, VerifyReport};
use crate::registry::{RecordRead, RecordWrite, StoredFile, RegistryEvent, RegistryEventIn, RegistryRecord, is_record_kind, sha256_hex};
use crate::{
    Actor, CatalogRecord, CatalogSummary, Exercise, ExerciseState, NewExercise, NewOrg,
    NewSession, NewUser, Org, Session, Store, Team, TeamAction, TeamMember, TeamMessage, TeamMessageKind, Throttle,
    ThrottlePolicy, User,
};

type Row_ = <DB as sqlx::Database>::Row;

/// A literal SELECT of users with their organisation, followed by `$tail`.
macro_rules! select_users {
    ($tail:literal) => {
        concat!(
            "SELECT u.id, u.login, u.display_name, u.org_id, o.code AS org_code, o.name AS org_name, ",
            "u.role, u.password_hash, u.locale, u.disabled, u.created_at ",
            "FROM users u JOIN organisations o ON o.id = u.org_id ",
            $tail
        )
    };
}

fn org_from_row(r: &Row_) -> Result<Org> {
    Ok(Org {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        kind: parse_code(&r.try_get::<String, _>("kind")?, "organisation kind")?,
        created_at: r.try_get("created_at")?,
    })
}

fn user_from_row(r: &Row_) -> Result<User> {
    let locale: Option<String> = r.try_get("locale")?;
    Ok(User {
        id: r.try_get("id")?,
        login: r.try_get("login")?,
        display_name: r.try_get("display_name")?,
        org_id: r.try_get("org_id")?,
        org_code: r.try_get("org_code")?,
        org_name: r.try_get("org_name")?,
        role: parse_code::<Role>(&r.try_get::<String, _>("role")?, "role")?,
        password_hash: r.try_get("password_hash")?,
        locale: locale.as_deref().and_then(Lang::from_code),
        disabled: r.try_get("disabled")?,
        created_at: r.try_get("created_at")?,
    })
}

macro_rules! select_catalogs {
    ($tail:literal) => {
        concat!(
            "SELECT id, title_ja, title_en, issued, sample, item_count, revision, created_at, updated_at ",
            "FROM catalog_versions ",
            $tail
        )
    };
}

fn catalog_from_row(r: &Row_) -> Result<CatalogSummary> {
    Ok(CatalogSummary {
        id: r.try_get("id")?,
        title_ja: r.try_get("title_ja")?,
        title_en: r.try_get("title_en")?,
        issued: r.try_get("issued")?,
        sample: r.try_get("sample")?,
        item_count: r.try_get("item_count")?,
        revision: r.try_get("revision")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

macro_rules! select_exercises {
    ($tail:literal) => {
        concat!(
            "SELECT id, title, course, scenario, seed, sim_start, history_days, speed, state, sim_elapsed, ",
            "last_change, created_by, created_at FROM exercises ",
            $tail
        )
    };
}

fn exercise_from_row(r: &Row_) -> Result<Exercise> {
    let state: String = r.try_get("state")?;
    Ok(Exercise {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        course: r.try_get("course")?,
        scenario: r.try_get("scenario")?,
        seed: r.try_get("seed")?,
        sim_start: r.try_get("sim_start")?,
        history_days: r.try_get("history_days")?,
        speed: r.try_get("speed")?,
        state: ExerciseState::from_code(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown exercise state '{state}'")))?,
        sim_elapsed: r.try_get("sim_elapsed")?,
        last_change: r.try_get("last_change")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

fn entry_from_row(r: &Row_) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        object: r.try_get("object")?,
        payload: r.try_get("payload")?,
        payload_digest: r.try_get("payload_digest")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

fn json_column(r: &Row_, col: &str) -> Result<serde_json::Value> {
    let text: String = r.try_get(col)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn record_from_row(r: &Row_) -> Result<RegistryRecord> {
    Ok(RegistryRecord {
        kind: r.try_get("kind")?,
        id: r.try_get("id")?,
        owner_org: r.try_get("owner_org")?,
        revision: r.try_get("revision")?,
        body: json_column(r, "body")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn registry_event_from_row(r: &Row_) -> Result<RegistryEvent> {
    Ok(RegistryEvent {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        key: r.try_get("key")?,
        subject_kind: r.try_get("subject_kind")?,
        subject_id: r.try_get("subject_id")?,
        service_id: r.try_get("service_id")?,
        body: json_column(r, "body")?,
    })
}

fn check_kind(kind: &str) -> Result<()> {
    if is_record_kind(kind) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!("unknown registry record kind '{kind}'")))
    }
}

/// Appends one audit entry inside the caller's transaction.
async fn append_audit(
    tx: &mut Transaction<'static, DB>,
    at: Micros,
    actor: &Actor,
    action: &str,
    object: &str,
    payload: serde_json::Value,
) -> Result<()> {
    // Bumping the tip first takes the write lock, so concurrent writers line up here.
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **tx)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev: String = head.try_get("hash")?;
    let e = audit::next_entry(seq, &prev, at, &actor.label, action, object, &payload);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, object, payload, payload_digest, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.seq)
    .bind(e.at)
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.object)
    .bind(&e.payload)
    .bind(&e.payload_digest)
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&e.hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait]
impl Store for SqlStore<DB> {
    fn backend(&self) -> crate::Backend {
        self.backend
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    async fn create_org(&self, actor: &Actor, at: Micros, org: &NewOrg) -> Result<Org> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "INSERT INTO organisations (code, name, kind, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, code, name, kind, created_at",
        )
        .bind(&org.code)
        .bind(&org.name)
        .bind(org.kind.code())
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| conflict_or_db(e, "organisation", &org.code))?;
        let created = org_from_row(&row)?;
        let payload = serde_json::json!({"code": org.code, "name": org.name, "kind": org.kind.code()});
        append_audit(&mut tx, at, actor, "org.create", &format!("org:{}", org.code), payload).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn list_orgs(&self) -> Result<Vec<Org>> {
        let rows = sqlx::query("SELECT id, code, name, kind, created_at FROM organisations ORDER BY id")
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(org_from_row).collect()
    }

    async fn org_by_code(&self, code: &str) -> Result<Option<Org>> {
        let row = sqlx::query("SELECT id, code, name, kind, created_at FROM organisations WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn org_by_id(&self, id: i64) -> Result<Option<Org>> {
        let row = sqlx::query("SELECT id, code, name, kind, created_at FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn create_user(&self, actor: &Actor, at: Micros, user: &NewUser) -> Result<User> {
        let mut tx = self.writer.begin().await?;
        let org = sqlx::query("SELECT id, code, name, kind, created_at FROM organisations WHERE id = $1")
            .bind(user.org_id)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(org_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound {
                what: "organisation",
                value: user.org_id.to_string(),
            })?;
        if !user.role.allowed_org_kinds().contains(&org.kind) {
            return Err(StoreError::Invalid(format!(
                "role '{}' cannot belong to organisation '{}' of kind '{}'",
                user.role, org.code, org.kind
            )));
        }
        let row = sqlx::query(
            "INSERT INTO users (login, display_name, org_id, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&user.login)
        .bind(&user.display_name)
        .bind(user.org_id)
        .bind(user.role.code())
        .bind(&user.password_hash)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| conflict_or_db(e, "login", &user.login))?;
        let id: i64 = row.try_get("id")?;
        let payload = serde_json::json!({
            "login": user.login, "display_name": user.display_name,
            "org": org.code, "role": user.role.code(),
        });
        append_audit(&mut tx, at, actor, "user.create", &format!("user:{}", user.login), payload).await?;
        let created = sqlx::query(select_users!("WHERE u.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let created = user_from_row(&created)?;
        tx.commit().await?;
        Ok(created)
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(select_users!("ORDER BY u.id"))
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn user_by_login(&self, login: &str) -> Result<Option<User>> {
        let row = sqlx::query(select_users!("WHERE u.login = $1"))
            .bind(login)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        let row = sqlx::query(select_users!("WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn set_password(
        &self,
        actor: &Actor,
        at: Micros,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 RETURNING login")
            .bind(password_hash)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "user",
                value: user_id.to_string(),
            })?;
        let login: String = row.try_get("login")?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep_session.unwrap_or(""))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let payload = serde_json::json!({"other_sessions_ended": ended});
        append_audit(&mut tx, at, actor, "user.password_change", &format!("user:{login}"), payload).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_user_locale(&self, actor: &Actor, at: Micros, user_id: i64, lang: Lang) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query("UPDATE users SET locale = $1 WHERE id = $2 RETURNING login")
            .bind(lang.code())
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "user",
                value: user_id.to_string(),
            })?;
        let login: String = row.try_get("login")?;
        let payload = serde_json::json!({"locale": lang.code()});
        append_audit(&mut tx, at, actor, "user.locale", &format!("user:{login}"), payload).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn throttle(&self, login_key: &str) -> Result<Option<Throttle>> {
        let row = sqlx::query("SELECT failures, window_start, locked_until FROM login_throttle WHERE login_key = $1")
            .bind(login_key)
            .fetch_optional(&self.reader)
            .await?;
        row.map(|r| {
            Ok(Throttle {
                failures: r.try_get("failures")?,
                window_start: r.try_get("window_start")?,
                locked_until: r.try_get("locked_until")?,
            })
        })
        .transpose()
    }

    async fn record_login_failure(&self, at: Micros, login_key: &str, policy: &ThrottlePolicy) -> Result<Throttle> {
        let mut tx = self.writer.begin().await?;
        let previous = sqlx::query("SELECT failures, window_start, locked_until FROM login_throttle WHERE login_key = $1")
            .bind(login_key)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| -> Result<Throttle> {
                Ok(Throttle {
                    failures: r.try_get("failures")?,
                    window_start: r.try_get("window_start")?,
                    locked_until: r.try_get("locked_until")?,
                })
            })
            .transpose()?;
        let next = policy.after_failure(previous, at);
        sqlx::query(
            "INSERT INTO login_throttle (login_key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (login_key) DO UPDATE SET failures = $2, window_start = $3, locked_until = $4",
        )
        .bind(login_key)
        .bind(next.failures)
        .bind(next.window_start)
        .bind(next.locked_until)
        .execute(&mut *tx)
        .await?;
        let payload = serde_json::json!({"failures": next.failures, "locked": next.is_locked(at)});
        append_audit(&mut tx, at, &Actor::system("anonymous"), "auth.login_failed", &format!("login:{login_key}"), payload)
            .await?;
        tx.commit().await?;
        Ok(next)
    }

    async fn create_session(&self, at: Micros, user: &User, new: &NewSession) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen, expires_at) VALUES ($1, $2, $3, $3, $4)",
        )
        .bind(&new.token_hash)
        .bind(user.id)
        .bind(at)
        .bind(new.expires_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM login_throttle WHERE login_key = $1")
            .bind(user.login.to_lowercase())
            .execute(&mut *tx)
            .await?;
        let payload = serde_json::json!({"remote": new.remote});
        append_audit(&mut tx, at, &Actor::user(user.id, &user.login), "auth.login", &format!("user:{}", user.login), payload)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, at: Micros, token_hash: &str) -> Result<Option<(Session, User)>> {
        let row = sqlx::query(
            "SELECT token_hash, user_id, created_at, last_seen, expires_at FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(at)
        .fetch_optional(&self.reader)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let session = Session {
            token_hash: r.try_get("token_hash")?,
            user_id: r.try_get("user_id")?,
            created_at: r.try_get("created_at")?,
            last_seen: r.try_get("last_seen")?,
            expires_at: r.try_get("expires_at")?,
        };
        match self.user_by_id(session.user_id).await? {
            Some(user) if !user.disabled => Ok(Some((session, user))),
            _ => Ok(None),
        }
    }

    async fn touch_session(&self, token_hash: &str, at: Micros, expires_at: Micros) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen = $1, expires_at = $2 WHERE token_hash = $3")
            .bind(at)
            .bind(expires_at)
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn end_session(&self, actor: &Actor, at: Micros, token_hash: &str) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if ended > 0 {
            append_audit(&mut tx, at, actor, "auth.logout", &actor.label.clone(), serde_json::json!({})).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn purge_expired_sessions(&self, at: Micros) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(at)
            .execute(&self.writer)
            .await?
            .rows_affected())
    }

    async fn insert_catalog(&self, actor: &Actor, at: Micros, record: &CatalogRecord, payload: serde_json::Value) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO catalog_versions (id, title_ja, title_en, issued, sample, item_count, revision, doc, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8)",
        )
        .bind(&record.id)
        .bind(&record.title_ja)
        .bind(&record.title_en)
        .bind(&record.issued)
        .bind(record.sample)
        .bind(record.item_count)
        .bind(&record.doc)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_or_db(e, "catalog version", &record.id))?;
        append_audit(&mut tx, at, actor, "catalog.import", &format!("catalog:{}", record.id), payload).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_catalogs(&self) -> Result<Vec<CatalogSummary>> {
        let rows = sqlx::query(select_catalogs!("ORDER BY issued DESC, id"))
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(catalog_from_row).collect()
    }

    async fn catalog_revision(&self, id: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT revision FROM catalog_versions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(|r| r.try_get("revision")).transpose()?)
    }

    async fn catalog(&self, id: &str) -> Result<Option<(CatalogSummary, String)>> {
        let row = sqlx::query(
            "SELECT id, title_ja, title_en, issued, sample, item_count, revision, created_at, updated_at, doc \
             FROM catalog_versions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await?;
        row.map(|r| Ok((catalog_from_row(&r)?, r.try_get("doc")?))).transpose()
    }

    async fn update_catalog(
        &self,
        actor: &Actor,
        at: Micros,
        record: &CatalogRecord,
        expected_revision: i64,
        action: &str,
        payload: serde_json::Value,
    ) -> Result<i64> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "UPDATE catalog_versions SET title_ja = $1, title_en = $2, issued = $3, sample = $4, item_count = $5, \
             doc = $6, revision = revision + 1, updated_at = $7 WHERE id = $8 AND revision = $9 RETURNING revision",
        )
        .bind(&record.title_ja)
        .bind(&record.title_en)
        .bind(&record.issued)
        .bind(record.sample)
        .bind(record.item_count)
        .bind(&record.doc)
        .bind(at)
        .bind(&record.id)
        .bind(expected_revision)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict { what: "catalog revision", value: format!("{}@{expected_revision}", record.id) });
        };
        let revision: i64 = row.try_get("revision")?;
        append_audit(&mut tx, at, actor, action, &format!("catalog:{}", record.id), payload).await?;
        tx.commit().await?;
        Ok(revision)
    }

    async fn create_exercise(&self, actor: &Actor, at: Micros, new: &NewExercise) -> Result<Exercise> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "INSERT INTO exercises (title, course, scenario, seed, sim_start, history_days, speed, state, sim_elapsed, \
             last_change, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'planned', 0, $8, $9, $8) RETURNING id",
        )
        .bind(&new.title)
        .bind(&new.course)
        .bind(&new.scenario)
        .bind(new.seed)
        .bind(new.sim_start)
        .bind(new.history_days)
        .bind(new.speed)
        .bind(at)
        .bind(actor.user_id.unwrap_or(0))
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        let payload = serde_json::json!({
            "title": new.title, "course": new.course, "scenario": new.scenario, "seed": new.seed,
            "sim_start": new.sim_start, "history_days": new.history_days, "speed": new.speed,
        });
        append_audit(&mut tx, at, actor, "exercise.create", &format!("exercise:{id}"), payload).await?;
        let created = sqlx::query(select_exercises!("WHERE id = $1")).bind(id).fetch_one(&mut *tx).await?;
        let created = exercise_from_row(&created)?;
        tx.commit().await?;
        Ok(created)
    }

    async fn list_exercises(&self) -> Result<Vec<Exercise>> {
        let rows = sqlx::query(select_exercises!("ORDER BY sim_start DESC, id DESC")).fetch_all(&self.reader).await?;
        rows.iter().map(exercise_from_row).collect()
    }

    async fn exercise(&self, id: i64) -> Result<Option<Exercise>> {
        let row = sqlx::query(select_exercises!("WHERE id = $1")).bind(id).fetch_optional(&self.reader).await?;
        row.as_ref().map(exercise_from_row).transpose()
    }

    async fn set_exercise_clock(
        &self,
        actor: &Actor,
        at: Micros,
        id: i64,
        from: ExerciseState,
        to: ExerciseState,
        sim_elapsed: Micros,
    ) -> Result<Exercise> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "UPDATE exercises SET state = $1, sim_elapsed = $2, last_change = $3 WHERE id = $4 AND state = $5 RETURNING id",
        )
        .bind(to.code())
        .bind(sim_elapsed)
        .bind(at)
        .bind(id)
        .bind(from.code())
        .fetch_optional(&mut *tx)
        .await?;
        if row.is_none() {
            return Err(StoreError::Conflict { what: "exercise state", value: format!("{id}:{}", from.code()) });
        }
        let payload = serde_json::json!({"from": from.code(), "to": to.code(), "sim_elapsed": sim_elapsed});
        append_audit(&mut tx, at, actor, "exercise.clock", &format!("exercise:{id}"), payload).await?;
        let updated = sqlx::query(select_exercises!("WHERE id = $1")).bind(id).fetch_one(&mut *tx).await?;
        let updated = exercise_from_row(&updated)?;
        tx.commit().await?;
        Ok(updated)
    }

    async fn create_team(&self, actor: &Actor, at: Micros, exercise_id: i64, number: i64, name: &str, members: &[i64]) -> Result<Team> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query("INSERT INTO teams (exercise_id, number, name) VALUES ($1, $2, $3) RETURNING id")
            .bind(exercise_id)
            .bind(number)
            .bind(name)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| conflict_or_db(e, "team number", &number.to_string()))?;
        let team_id: i64 = row.try_get("id")?;
        for user_id in members {
            sqlx::query("INSERT INTO team_members (team_id, exercise_id, user_id) VALUES ($1, $2, $3)")
                .bind(team_id)
                .bind(exercise_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_or_db(e, "team member", &user_id.to_string()))?;
        }
        let payload = serde_json::json!({"exercise": exercise_id, "number": number, "name": name, "members": members});
        append_audit(&mut tx, at, actor, "team.create", &format!("team:{team_id}"), payload).await?;
        tx.commit().await?;
        self.team(team_id).await?.ok_or_else(|| StoreError::Corrupt("team vanished".into()))
    }

    async fn teams(&self, exercise_id: i64) -> Result<Vec<Team>> {
        let rows = sqlx::query("SELECT id FROM teams WHERE exercise_id = $1 ORDER BY number")
            .bind(exercise_id)
            .fetch_all(&self.reader)
            .await?;
        let mut teams = Vec::with_capacity(rows.len());
        for r in rows {
            if let Some(t) = self.team(r.try_get("id")?).await? {
                teams.push(t);
            }
        }
        Ok(teams)
    }

    async fn team(&self, team_id: i64) -> Result<Option<Team>> {
        let Some(row) = sqlx::query("SELECT id, exercise_id, number, name FROM teams WHERE id = $1")
            .bind(team_id)
            .fetch_optional(&self.reader)
            .await?
        else {
            return Ok(None);
        };
        let members = sqlx::query(
            "SELECT u.id, u.login, u.display_name FROM team_members m JOIN users u ON u.id = m.user_id \
             WHERE m.team_id = $1 ORDER BY u.login",
        )
        .bind(team_id)
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|r| -> Result<TeamMember> {
            Ok(TeamMember { user_id: r.try_get("id")?, login: r.try_get("login")?, display_name: r.try_get("display_name")? })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(Team {
            id: row.try_get("id")?,
            exercise_id: row.try_get("exercise_id")?,
            number: row.try_get("number")?,
            name: row.try_get("name")?,
            members,
        }))
    }

    async fn teams_of_user(&self, user_id: i64) -> Result<Vec<Team>> {
        let rows = sqlx::query("SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY exercise_id DESC")
            .bind(user_id)
            .fetch_all(&self.reader)
            .await?;
        let mut teams = Vec::with_capacity(rows.len());
        for r in rows {
            if let Some(t) = self.team(r.try_get("team_id")?).await? {
                teams.push(t);
            }
        }
        Ok(teams)
    }

    async fn record_team_action(
        &self,
        actor: &Actor,
        at: Micros,
        team_id: i64,
        sim_at: Micros,
        action: &str,
        result: &str,
    ) -> Result<i64> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM team_actions WHERE team_id = $1")
            .bind(team_id)
            .fetch_one(&mut *tx)
            .await?;
        let seq: i64 = row.try_get::<i64, _>("last")? + 1;
        sqlx::query(
            "INSERT INTO team_actions (team_id, seq, sim_at, user_id, action, result, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(team_id)
        .bind(seq)
        .bind(sim_at)
        .bind(actor.user_id.unwrap_or(0))
        .bind(action)
        .bind(result)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_or_db(e, "team action", &format!("{team_id}:{seq}")))?;
        let action_value: serde_json::Value = serde_json::from_str(action).unwrap_or(serde_json::Value::String(action.to_string()));
        let payload = serde_json::json!({"seq": seq, "sim_at": sim_at, "action": action_value});
        append_audit(&mut tx, at, actor, "team.action", &format!("team:{team_id}"), payload).await?;
        tx.commit().await?;
        Ok(seq)
    }

    async fn team_actions(&self, team_id: i64) -> Result<Vec<TeamAction>> {
        let rows = sqlx::query(
            "SELECT a.team_id, a.seq, a.sim_at, a.user_id, u.login, a.action, a.result, a.created_at \
             FROM team_actions a JOIN users u ON u.id = a.user_id WHERE a.team_id = $1 ORDER BY a.seq",
        )
        .bind(team_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TeamAction {
                    team_id: r.try_get("team_id")?,
                    seq: r.try_get("seq")?,
                    sim_at: r.try_get("sim_at")?,
                    user_id: r.try_get("user_id")?,
                    login: r.try_get("login")?,
                    action: r.try_get("action")?,
                    result: r.try_get("result")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn send_team_message(
        &self,
        actor: &Actor,
        at: Micros,
        team_id: i64,
        sim_at: Micros,
        kind: TeamMessageKind,
        body: &str,
    ) -> Result<i64> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "INSERT INTO team_messages (team_id, sim_at, user_id, kind, body, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(team_id)
        .bind(sim_at)
        .bind(actor.user_id.unwrap_or(0))
        .bind(kind.code())
        .bind(body)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        let payload = serde_json::json!({"id": id, "sim_at": sim_at, "kind": kind.code(), "body": body});
        append_audit(&mut tx, at, actor, "team.message", &format!("team:{team_id}"), payload).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn team_messages(&self, team_id: i64) -> Result<Vec<TeamMessage>> {
        let rows = sqlx::query(
            "SELECT m.id, m.team_id, m.sim_at, m.user_id, u.login, m.kind, m.body, m.created_at \
             FROM team_messages m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 ORDER BY m.id",
        )
        .bind(team_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(TeamMessage {
                    id: r.try_get("id")?,
                    team_id: r.try_get("team_id")?,
                    sim_at: r.try_get("sim_at")?,
                    user_id: r.try_get("user_id")?,
                    login: r.try_get("login")?,
                    // The table's CHECK constraint admits only the two codes.
                    kind: TeamMessageKind::parse(&kind).unwrap_or(TeamMessageKind::Message),
                    body: r.try_get("body")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn registry_allocate_id(&self, kind: &str) -> Result<i64> {
        check_kind(kind)?;
        let row = sqlx::query(
            "INSERT INTO registry_ids (kind, last) VALUES ($1, 1) \
             ON CONFLICT (kind) DO UPDATE SET last = registry_ids.last + 1 RETURNING last",
        )
        .bind(kind)
        .fetch_one(&self.writer)
        .await?;
        Ok(row.try_get("last")?)
    }

    async fn registry_commit_with_files(
        &self,
        actor: &Actor,
        at: Micros,
        writes: &[RecordWrite],
        events: &[RegistryEventIn],
        files: &[StoredFile],
        reads: &[RecordRead],
    ) -> Result<()> {
        for w in writes {
            check_kind(&w.kind)?;
        }
        for e in events {
            check_kind(&e.subject_kind)?;
        }
        for f in files {
            check_kind(&f.subject_kind)?;
            if sha256_hex(&f.bytes) != f.sha256 {
                return Err(StoreError::Invalid(format!("file {} does not match its SHA-256", f.name)));
            }
        }
        let mut tx = self.writer.begin().await?;
        // A no-op update locks each record read until the commit and says
        // whether it is still at the revision the transition saw.
        for r in reads {
            let held = sqlx::query(
                "UPDATE registry_records SET revision = revision WHERE kind = $1 AND id = $2 AND revision = $3",
            )
            .bind(&r.kind)
            .bind(r.id)
            .bind(r.revision)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if held != 1 {
                return Err(StoreError::Conflict {
                    what: "registry record revision",
                    value: format!("{}:{}@{}", r.kind, r.id, r.revision),
                });
            }
        }
        let mut written = Vec::with_capacity(writes.len());
        for w in writes {
            let body = w.body.to_string();
            let what = format!("{}:{}", w.kind, w.id);
            let revision: i64 = if w.expected_revision == 0 {
                sqlx::query(
                    "INSERT INTO registry_records (kind, id, owner_org, revision, body, updated_at) \
                     VALUES ($1, $2, $3, 1, $4, $5)",
                )
                .bind(&w.kind)
                .bind(w.id)
                .bind(w.owner_org)
                .bind(&body)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_or_db(e, "registry record", &what))?;
                // Keep the id counter ahead of ids chosen by the caller.
                sqlx::query(
                    "INSERT INTO registry_ids (kind, last) VALUES ($1, $2) \
                     ON CONFLICT (kind) DO UPDATE SET last = CASE WHEN registry_ids.last < $2 THEN $2 ELSE registry_ids.last END",
                )
                .bind(&w.kind)
                .bind(w.id)
                .execute(&mut *tx)
                .await?;
                1
            } else {
                let row = sqlx::query(
                    "UPDATE registry_records SET owner_org = $1, body = $2, revision = revision + 1, updated_at = $3 \
                     WHERE kind = $4 AND id = $5 AND revision = $6 RETURNING revision",
                )
                .bind(w.owner_org)
                .bind(&body)
                .bind(at)
                .bind(&w.kind)
                .bind(w.id)
                .bind(w.expected_revision)
                .fetch_optional(&mut *tx)
                .await?;
                match row {
                    Some(row) => row.try_get("revision")?,
                    None => {
                        return Err(StoreError::Conflict {
                            what: "registry record revision",
                            value: format!("{what}@{}", w.expected_revision),
                        });
                    }
                }
            };
            written.push(serde_json::json!({"kind": w.kind, "id": w.id, "revision": revision}));
        }
        for e in events {
            sqlx::query(
                "INSERT INTO registry_events (at, key, subject_kind, subject_id, service_id, body) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(e.at)
            .bind(&e.key)
            .bind(&e.subject_kind)
            .bind(e.subject_id)
            .bind(e.service_id)
            .bind(e.body.to_string())
            .execute(&mut *tx)
            .await?;
            append_audit(&mut tx, at, actor, &e.key, &format!("{}:{}", e.subject_kind, e.subject_id), e.body.clone())
                .await?;
        }
        if events.is_empty() && !written.is_empty() {
            append_audit(&mut tx, at, actor, "registry.records", "registry", serde_json::Value::Array(written)).await?;
        }
        for f in files {
            let size = i64::try_from(f.bytes.len()).map_err(|_| StoreError::Invalid("file too large".into()))?;
            sqlx::query(
                "INSERT INTO registry_files (subject_kind, subject_id, sha256, name, size, bytes, stored_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (subject_kind, subject_id, sha256) DO NOTHING",
            )
            .bind(&f.subject_kind)
            .bind(f.subject_id)
            .bind(&f.sha256)
            .bind(&f.name)
            .bind(size)
            .bind(&f.bytes)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn registry_file(&self, kind: &str, id: i64, sha256: &str) -> Result<Option<StoredFile>> {
        let row = sqlx::query(
            "SELECT sha256, name, bytes FROM registry_files WHERE subject_kind = $1 AND subject_id = $2 AND sha256 = $3",
        )
        .bind(kind)
        .bind(id)
        .bind(sha256)
        .fetch_optional(&self.reader)
        .await?;
        row.map(|r| -> Result<StoredFile> {
            Ok(StoredFile {
                subject_kind: kind.to_string(),
                subject_id: id,
                sha256: r.try_get("sha256")?,
                name: r.try_get("name")?,
                bytes: r.try_get("bytes")?,
            })
        })
        .transpose()
    }

    async fn registry_record(&self, kind: &str, id: i64) -> Result<Option<RegistryRecord>> {
        let row = sqlx::query(
            "SELECT kind, id, owner_org, revision, body, updated_at FROM registry_records WHERE kind = $1 AND id = $2",
        )
        .bind(kind)
        .bind(id)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    async fn registry_records(&self, kind: &str) -> Result<Vec<RegistryRecord>> {
        let rows = sqlx::query(
            "SELECT kind, id, owner_org, revision, body, updated_at FROM registry_records WHERE kind = $1 ORDER BY id",
        )
        .bind(kind)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    async fn registry_events(&self, service_id: Option<i64>, after_seq: i64, limit: i64) -> Result<Vec<RegistryEvent>> {
        let rows = match service_id {
            Some(service) => {
                sqlx::query(
                    "SELECT seq, at, key, subject_kind, subject_id, service_id, body FROM registry_events \
                     WHERE service_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                )
                .bind(service)
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&self.reader)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT seq, at, key, subject_kind, subject_id, service_id, body FROM registry_events \
                     WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&self.reader)
                .await?
            }
        };
        rows.iter().map(registry_event_from_row).collect()
    }

    async fn registry_events_of(&self, kind: &str, id: i64) -> Result<Vec<RegistryEvent>> {
        let rows = sqlx::query(
            "SELECT seq, at, key, subject_kind, subject_id, service_id, body FROM registry_events \
             WHERE subject_kind = $1 AND subject_id = $2 ORDER BY seq",
        )
        .bind(kind)
        .bind(id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(registry_event_from_row).collect()
    }

    async fn registry_latest_remarks(&self, limit: i64) -> Result<Vec<RegistryEvent>> {
        let rows = sqlx::query(
            "SELECT seq, at, key, subject_kind, subject_id, service_id, body FROM registry_events \
             WHERE service_id IS NOT NULL ORDER BY at DESC, seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(registry_event_from_row).collect()
    }

    async fn audit_entries(&self, before_seq: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, object, payload, payload_digest, prev_hash, hash FROM audit_log \
             WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
        )
        .bind(before_seq.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn audit_seq(&self) -> Result<i64> {
        let row = sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_one(&self.reader)
            .await?;
        Ok(row.try_get("seq")?)
    }

    async fn verify_audit(&self) -> Result<VerifyReport> {
        // Entries appended after the tip was read are left for the next run.
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.reader)
            .await?;
        let head_seq: i64 = head.try_get("seq")?;
        let head_hash: String = head.try_get("hash")?;
        let mut verifier = ChainVerifier::default();
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(
                "SELECT seq, at, actor, action, object, payload, payload_digest, prev_hash, hash FROM audit_log \
                 WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT 1000",
            )
            .bind(after)
            .bind(head_seq)
            .fetch_all(&self.reader)
            .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let e = entry_from_row(r)?;
                after = e.seq;
                if !verifier.push(&e) {
                    return Ok(verifier.finish(head_seq, &head_hash));
                }
            }
        }
        Ok(verifier.finish(head_seq, &head_hash))
    }
}
