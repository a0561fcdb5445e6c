//! The two SQL backends. Both share one body of queries (`sql_body.rs`, written
//! once in the SQL both dialects accept: `$n` placeholders, `RETURNING`), included
//! into one module per backend; only connecting and migrations differ.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, Postgres};
use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Pool};

use crate::{Backend, Result, StoreError, redact_url};

pub(crate) const SQLITE_FILE: &str = "kasumi.db";

pub(crate) struct SqlStore<DB: sqlx::Database> {
    /// SQLite allows one writer at a time: a one-connection pool queues writers
    /// instead of failing with SQLITE_BUSY. On PostgreSQL both pools are the same.
    writer: Pool<DB>,
    reader: Pool<DB>,
    backend: Backend,
}

impl SqlStore<Sqlite> {
    pub(crate) async fn open_sqlite_dir(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Invalid(format!(
                "cannot create the data directory {}: {e}",
                dir.display()
            ))
        })?;
        let path = dir.join(SQLITE_FILE);
        let options = SqliteConnectOptions::new().filename(&path);
        Self::open_sqlite(options, path.display().to_string()).await
    }

    pub(crate) async fn open_sqlite_url(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url).map_err(|source| StoreError::Open {
            target: url.to_string(),
            source,
        })?;
        Self::open_sqlite(options, url.to_string()).await
    }

    async fn open_sqlite(options: SqliteConnectOptions, target: String) -> Result<Self> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let open_err = |source| StoreError::Open {
            target: target.clone(),
            source,
        };
        let writer = PoolOptions::<Sqlite>::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(open_err)?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        let reader = PoolOptions::<Sqlite>::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await
            .map_err(open_err)?;
        Ok(SqlStore {
            writer,
            reader,
            backend: Backend::Sqlite,
        })
    }
}

impl SqlStore<Postgres> {
    pub(crate) async fn open_postgres(url: &str, schema: Option<&str>) -> Result<Self> {
        let open_err = |source| StoreError::Open {
            target: redact_url(url),
            source,
        };
        let mut options = PgConnectOptions::from_str(url).map_err(open_err)?;
        if let Some(schema) = schema {
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(StoreError::Invalid(format!(
                    "invalid schema name '{schema}'"
                )));
            }
            let mut conn = options.connect().await.map_err(open_err)?;
            // The name was checked above to be a plain identifier.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}"
            )))
            .execute(&mut conn)
            .await?;
            conn.close().await?;
            options = options.options([("search_path", schema)]);
        }
        let pool = PoolOptions::<Postgres>::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(open_err)?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(SqlStore {
            writer: pool.clone(),
            reader: pool,
            backend: Backend::Postgres,
        })
    }
}

/// A unique-constraint failure becomes [`StoreError::Conflict`]; anything else stays a database error.
fn conflict_or_db(e: sqlx::Error, what: &'static str, value: &str) -> StoreError {
    match e.as_database_error() {
        Some(db) if db.is_unique_violation() => StoreError::Conflict {
            what,
            value: value.to_string(),
        },
        _ => StoreError::Db(e),
    }
}

fn parse_code<T: FromStr>(value: &str, what: &str) -> Result<T> {
    value
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("unknown {what} '{value}' in the database")))
}

mod sqlite_backend {
    use super::*;
    type DB = Sqlite;
    include!("sql_body.rs");
}

mod postgres_backend {
    use super::*;
    type DB = Postgres;
    include!("sql_body.rs");
}
