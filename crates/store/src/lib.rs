//! Kasumi persistence: the only crate that speaks SQL.
//!
//! Start with the [`Store`] trait: everything the rest of Kasumi may ask of the
//! database. [`open`] picks a backend from the target (an SQLite file under a
//! data directory by default, or a `postgres://` URL), runs that backend's own
//! migrations and returns the store. Every method that changes state appends to
//! the hash-chained audit trail ([`audit`]) inside the same transaction, so a
//! change and its audit entry land together or not at all.

pub mod audit;
mod model;
pub mod registry;
mod sql;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use kasumi_core::{Lang, Micros};

pub use audit::{AuditEntry, ChainBreak, VerifyReport};
pub use model::*;
pub use registry::{
    RecordRead, RecordWrite, RegistryEvent, RegistryEventIn, RegistryRecord, StoredFile,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value (login, organisation code) is already taken.
    #[error("{what} '{value}' already exists")]
    Conflict { what: &'static str, value: String },
    #[error("{what} '{value}' was not found")]
    NotFound { what: &'static str, value: String },
    /// The request breaks a rule of the data model (e.g. a role in the wrong kind of organisation).
    #[error("{0}")]
    Invalid(String),
    #[error("cannot open the database at {target}: {source}")]
    Open {
        target: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the data lives.
#[derive(Clone, Debug)]
pub enum Target {
    /// `kasumi.db` inside this directory (created when missing).
    DataDir(PathBuf),
    /// `sqlite://…` or `postgres://…`.
    Url(String),
}

impl Target {
    /// The target as shown to people: passwords in URLs are hidden.
    pub fn display(&self) -> String {
        match self {
            Target::DataDir(dir) => dir.join(sql::SQLITE_FILE).display().to_string(),
            Target::Url(url) => redact_url(url),
        }
    }
}

fn redact_url(url: &str) -> String {
    // scheme://user:password@host → scheme://user:***@host
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((auth, host)) = rest.split_once('@')
        && let Some((user, _)) = auth.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

/// Who did something, as written into the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    /// `user:alice`, `cli`, `system`, `anonymous`.
    pub label: String,
}

impl Actor {
    pub fn user(id: i64, login: &str) -> Actor {
        Actor {
            user_id: Some(id),
            label: format!("user:{login}"),
        }
    }
    pub fn system(label: &str) -> Actor {
        Actor {
            user_id: None,
            label: label.to_string(),
        }
    }
}

/// Everything Kasumi asks of its database. Both backends run the same story tests.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    async fn ping(&self) -> Result<()>;

    // Organisations and accounts.
    async fn create_org(&self, actor: &Actor, at: Micros, org: &NewOrg) -> Result<Org>;
    async fn list_orgs(&self) -> Result<Vec<Org>>;
    async fn org_by_code(&self, code: &str) -> Result<Option<Org>>;
    async fn org_by_id(&self, id: i64) -> Result<Option<Org>>;
    async fn create_user(&self, actor: &Actor, at: Micros, user: &NewUser) -> Result<User>;
    async fn list_users(&self) -> Result<Vec<User>>;
    async fn user_by_login(&self, login: &str) -> Result<Option<User>>;
    async fn user_by_id(&self, id: i64) -> Result<Option<User>>;
    /// Replaces the password hash and ends every other session of the user.
    async fn set_password(
        &self,
        actor: &Actor,
        at: Micros,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> Result<()>;
    async fn set_user_locale(
        &self,
        actor: &Actor,
        at: Micros,
        user_id: i64,
        lang: Lang,
    ) -> Result<()>;

    // Sign-in.
    async fn throttle(&self, login_key: &str) -> Result<Option<Throttle>>;
    /// Counts one failed sign-in for `login_key` and locks it when `policy` says so.
    async fn record_login_failure(
        &self,
        at: Micros,
        login_key: &str,
        policy: &ThrottlePolicy,
    ) -> Result<Throttle>;
    /// Starts a session after a successful sign-in and forgets earlier failures.
    async fn create_session(&self, at: Micros, user: &User, new: &NewSession) -> Result<()>;
    /// The live session for a token hash with its user; `None` when unknown or expired.
    async fn session(&self, at: Micros, token_hash: &str) -> Result<Option<(Session, User)>>;
    /// Extends an idle-timeout session; not audited (bookkeeping, not a change of state anyone acts on).
    async fn touch_session(&self, token_hash: &str, at: Micros, expires_at: Micros) -> Result<()>;
    async fn end_session(&self, actor: &Actor, at: Micros, token_hash: &str) -> Result<()>;
    async fn purge_expired_sessions(&self, at: Micros) -> Result<u64>;

    // Control criteria (管理基準) versions.
    /// Stores a new version; a version id already present is a conflict.
    async fn insert_catalog(
        &self,
        actor: &Actor,
        at: Micros,
        record: &CatalogRecord,
        payload: serde_json::Value,
    ) -> Result<()>;
    async fn list_catalogs(&self) -> Result<Vec<CatalogSummary>>;
    async fn catalog_revision(&self, id: &str) -> Result<Option<i64>>;
    /// The summary and the JSON document of a version.
    async fn catalog(&self, id: &str) -> Result<Option<(CatalogSummary, String)>>;
    /// Replaces a version's document if it is still at `expected_revision`
    /// (someone else's edit in between is a conflict, not a lost update).
    async fn update_catalog(
        &self,
        actor: &Actor,
        at: Micros,
        record: &CatalogRecord,
        expected_revision: i64,
        action: &str,
        payload: serde_json::Value,
    ) -> Result<i64>;

    // CYDER exercises.
    async fn create_exercise(
        &self,
        actor: &Actor,
        at: Micros,
        new: &NewExercise,
    ) -> Result<Exercise>;
    async fn list_exercises(&self) -> Result<Vec<Exercise>>;
    async fn exercise(&self, id: i64) -> Result<Option<Exercise>>;
    /// Moves the clock (start, pause, resume, finish) if the exercise is still in `from`.
    async fn set_exercise_clock(
        &self,
        actor: &Actor,
        at: Micros,
        id: i64,
        from: ExerciseState,
        to: ExerciseState,
        sim_elapsed: Micros,
    ) -> Result<Exercise>;
    /// Creates a team of trainees; a trainee already in a team of the exercise is a conflict.
    async fn create_team(
        &self,
        actor: &Actor,
        at: Micros,
        exercise_id: i64,
        number: i64,
        name: &str,
        members: &[i64],
    ) -> Result<Team>;
    async fn teams(&self, exercise_id: i64) -> Result<Vec<Team>>;
    async fn team(&self, team_id: i64) -> Result<Option<Team>>;
    /// The teams a user belongs to, with their exercises.
    async fn teams_of_user(&self, user_id: i64) -> Result<Vec<Team>>;
    /// Appends an action to the team's record (audited); returns its sequence number.
    async fn record_team_action(
        &self,
        actor: &Actor,
        at: Micros,
        team_id: i64,
        sim_at: Micros,
        action: &str,
        result: &str,
    ) -> Result<i64>;
    async fn team_actions(&self, team_id: i64) -> Result<Vec<TeamAction>>;
    /// Sends an instructor's message or hint to a team (audited); returns its id.
    async fn send_team_message(
        &self,
        actor: &Actor,
        at: Micros,
        team_id: i64,
        sim_at: Micros,
        kind: TeamMessageKind,
        body: &str,
    ) -> Result<i64>;
    /// The messages sent to a team, oldest first.
    async fn team_messages(&self, team_id: i64) -> Result<Vec<TeamMessage>>;

    // ISMAP lifecycle records (see [`registry`]).
    /// Hands out the next id for a record kind (1, 2, …). Bookkeeping, not audited:
    /// an id that is never committed is simply skipped.
    async fn registry_allocate_id(&self, kind: &str) -> Result<i64>;
    /// Writes every record and appends every event in one transaction. A record
    /// whose stored revision is not `expected_revision` (0: must not exist yet) is
    /// a [`StoreError::Conflict`] and nothing is written. Each event is also an
    /// audit entry (action = its key, object = `subject_kind:subject_id`); a
    /// commit without events is audited as `registry.records`.
    async fn registry_commit(
        &self,
        actor: &Actor,
        at: Micros,
        writes: &[RecordWrite],
        events: &[RegistryEventIn],
    ) -> Result<()> {
        self.registry_commit_with_files(actor, at, writes, events, &[], &[])
            .await
    }
    /// [`Store::registry_commit`] that also stores files in the same
    /// transaction, so a state never names a file that is not kept. A file
    /// whose `sha256` does not match its bytes is [`StoreError::Invalid`]; one
    /// already stored for the record is kept as it is (same hash, same bytes).
    /// Each of `reads` must still be at its revision, or nothing is written
    /// ([`StoreError::Conflict`]).
    async fn registry_commit_with_files(
        &self,
        actor: &Actor,
        at: Micros,
        writes: &[RecordWrite],
        events: &[RegistryEventIn],
        files: &[StoredFile],
        reads: &[RecordRead],
    ) -> Result<()>;
    /// One file of record `kind`/`id` by its SHA-256.
    async fn registry_file(&self, kind: &str, id: i64, sha256: &str) -> Result<Option<StoredFile>>;
    async fn registry_record(&self, kind: &str, id: i64) -> Result<Option<RegistryRecord>>;
    /// Every record of a kind, by id.
    async fn registry_records(&self, kind: &str) -> Result<Vec<RegistryRecord>>;
    /// Events after `after_seq`, oldest first, at most `limit`; only those with
    /// a remark on `service_id` when it is given.
    async fn registry_events(
        &self,
        service_id: Option<i64>,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<RegistryEvent>>;
    /// The latest events that carry a public remark (any service), newest first
    /// (by the time of the event, then by sequence).
    async fn registry_latest_remarks(&self, limit: i64) -> Result<Vec<RegistryEvent>>;
    /// Every event about record `kind`/`id`, oldest first.
    async fn registry_events_of(&self, kind: &str, id: i64) -> Result<Vec<RegistryEvent>>;

    // Audit trail.
    async fn audit_entries(&self, before_seq: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>>;
    /// Recomputes the whole chain; names the first entry that does not match.
    async fn verify_audit(&self) -> Result<VerifyReport>;
    /// The sequence number of the latest audit entry. Every state change
    /// appends one, so this is a cheap "has anything changed" counter for caches.
    async fn audit_seq(&self) -> Result<i64>;
}

pub type DynStore = Arc<dyn Store>;

/// Opens (creating when needed) and migrates the database named by `target`.
pub async fn open(target: &Target) -> Result<DynStore> {
    match target {
        Target::DataDir(dir) => Ok(Arc::new(sql::SqlStore::open_sqlite_dir(dir).await?)),
        Target::Url(url) if url.starts_with("sqlite:") => {
            Ok(Arc::new(sql::SqlStore::open_sqlite_url(url).await?))
        }
        Target::Url(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Arc::new(sql::SqlStore::open_postgres(url, None).await?))
        }
        Target::Url(url) => Err(StoreError::Invalid(format!(
            "unsupported database URL '{}': use sqlite://PATH or postgres://USER@HOST/DB",
            redact_url(url)
        ))),
    }
}

/// Opens a PostgreSQL database inside its own schema (created when missing): lets
/// test runs share one server without seeing each other's rows.
pub async fn open_postgres_schema(url: &str, schema: &str) -> Result<DynStore> {
    Ok(Arc::new(
        sql::SqlStore::open_postgres(url, Some(schema)).await?,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_hidden_in_urls() {
        assert_eq!(
            super::redact_url("postgres://kasumi:s3cret@db:5432/k"),
            "postgres://kasumi:***@db:5432/k"
        );
        assert_eq!(
            super::redact_url("postgres://root@db/k"),
            "postgres://root@db/k"
        );
    }
}
