//! What every ISMAP workflow page shares: the lifecycle actor of a signed-in
//! user, loading a record the user may see, committing one transition with
//! its events (and so its audit entries) in one transaction, and showing a
//! refused transition in the reader's language with its HTTP status.

use axum::http::StatusCode;
use kasumi_ismap::Catalog;
use kasumi_lifecycle::statement::StatementContent;
use kasumi_lifecycle::{Actor as Who, Outcome, Refusal};
use kasumi_store::{Actor, User};

use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::pages::Notice;
use crate::registry::{Ledger, Record, RegistryError};

/// The user as the lifecycle rules see them (role, organisation, id).
pub fn who(user: &User) -> Who {
    Who::new(user.role, user.org_id, user.id)
}

/// The user as the audit trail names them.
pub fn actor(user: &User) -> Actor {
    Actor::user(user.id, &user.login)
}

pub fn registry_error(e: RegistryError) -> AppError {
    match e {
        RegistryError::Store(s) => s.into(),
        other => AppError::Internal(other.into()),
    }
}

/// The record of `kind`/`id` with its revision, if `may_see` allows it;
/// otherwise 404, as if it did not exist.
pub async fn visible<T: Record>(
    state: &AppState,
    id: i64,
    may_see: impl FnOnce(&T) -> bool,
) -> AppResult<(T, i64)> {
    let rec = state
        .store
        .registry_record(T::KIND, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let t: T = serde_json::from_value(rec.body).map_err(|e| AppError::Internal(e.into()))?;
    if !may_see(&t) {
        return Err(AppError::NotFound);
    }
    Ok((t, rec.revision))
}

/// The record of `kind`/`id` if it belongs to the user's organisation.
pub async fn own<T: Record>(state: &AppState, user: &User, id: i64) -> AppResult<(T, i64)> {
    visible(state, id, |t: &T| t.owner() == Some(user.org_id)).await
}

/// Commits one transition: its new state (checked against `read_revision`
/// when the record existed) and its events, with their audit entries.
pub async fn commit<T: Record>(
    state: &AppState,
    user: &User,
    read_revision: Option<(&T, i64)>,
    out: Outcome<T>,
    now: i64,
) -> AppResult<()> {
    let mut ledger = Ledger::new();
    if let Some((before, revision)) = read_revision {
        ledger.read_at(before, revision);
    }
    ledger.put(&out.state);
    ledger.events(out.events);
    commit_ledger(state, user, &mut ledger, now).await
}

/// Commits what a page gathered in `ledger` (states, events, files, reads)
/// as `user`, in one transaction with its audit entries.
pub async fn commit_ledger(
    state: &AppState,
    user: &User,
    ledger: &mut Ledger,
    now: i64,
) -> AppResult<()> {
    ledger
        .commit(&state.store, &actor(user), now)
        .await
        .map_err(registry_error)
}

/// A refused transition as an error notice in the reader's language.
pub fn refused(ctx: &Ctx, r: &Refusal) -> Option<Notice> {
    Some(Notice::error(r.message.text(ctx.tr.lang).to_string()))
}

/// The HTTP status of a refusal: 403 role or organisation, 409 state, 422 input.
pub fn status_of(r: &Refusal) -> StatusCode {
    StatusCode::from_u16(r.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
}

/// The criteria a statement is written against: the version it names when
/// Kasumi has it, else the built-in SAMPLE (the linter then says they differ).
pub async fn catalog_for(state: &AppState, content: &StatementContent) -> AppResult<Catalog> {
    catalog_version(state, &content.catalog_version).await
}

/// A criteria version by id, the built-in SAMPLE when empty or unknown.
pub async fn catalog_version(state: &AppState, version: &str) -> AppResult<Catalog> {
    let sample = kasumi_ismap::sample_catalog();
    if version.trim().is_empty() || version == sample.version.id {
        return Ok(sample);
    }
    Ok(match state.catalogs.get(&state.store, version).await? {
        Some(loaded) => loaded.catalog.clone(),
        None => sample,
    })
}

/// The record of `kind`/`id` with its revision, or `None`: for records a
/// form names that the transition itself checks (it says why it refuses).
pub async fn find<T: Record>(state: &AppState, id: i64) -> AppResult<Option<(T, i64)>> {
    let Some(rec) = state.store.registry_record(T::KIND, id).await? else {
        return Ok(None);
    };
    let t: T = serde_json::from_value(rec.body).map_err(|e| AppError::Internal(e.into()))?;
    Ok(Some((t, rec.revision)))
}

/// One line of a record's history.
pub struct HistoryLine {
    pub at: String,
    pub text: String,
}

/// Every event about `kind`/`id`, oldest first, in the reader's language.
pub async fn history(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    id: i64,
) -> AppResult<Vec<HistoryLine>> {
    let events = state.store.registry_events_of(kind, id).await?;
    Ok(events
        .into_iter()
        .map(|e| {
            let ev: Option<kasumi_lifecycle::Event> = serde_json::from_value(e.body).ok();
            let text = ev.map_or(e.key, |ev| match ctx.tr.lang {
                kasumi_core::Lang::Ja => ev.ja,
                _ => ev.en,
            });
            HistoryLine {
                at: kasumi_core::format_tokyo(e.at),
                text,
            }
        })
        .collect())
}

/// An id typed into a form: blank is `None`, anything else must be a number.
pub fn form_id(ctx: &Ctx, field_key: &str, s: &str) -> Result<Option<i64>, Notice> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<i64>().map(Some).map_err(|_| {
        Notice::error(
            ctx.tr
                .ta("review-invalid-number", &[("field", ctx.tr.t(field_key))]),
        )
    })
}

/// After a successful change: back to the page at `path` with 303 and the
/// message named in `?done=`, so reloading the page does not repeat the
/// change (post/redirect/get).
pub fn done(path: &str, key: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let sep = if path.contains('?') { '&' } else { '?' };
    axum::response::Redirect::to(&format!("{path}{sep}done={key}")).into_response()
}

/// The message [`done`] left for this page: only one of the page's own
/// success `keys`, so a crafted link cannot show another text (an error
/// message, say) as if it were a success.
pub fn done_notice(ctx: &Ctx, keys: &[&str]) -> Option<Notice> {
    let key = ctx.done.as_deref()?;
    keys.contains(&key).then(|| Notice::info(ctx.tr.t(key)))
}
