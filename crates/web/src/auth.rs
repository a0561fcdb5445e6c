//! Signing in and out, the language switch and password change.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kasumi_core::Lang;
use kasumi_store::{Actor, NewSession};
use serde::Deserialize;

use crate::context::{CSRF_COOKIE, Ctx, LANG_COOKIE, SESSION_COOKIE, set_cookie};
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::pages::{LoginPage, Notice, PasswordPage, page};
use crate::{AppState, password, random_token, sha256_hex};

/// A valid argon2id hash of a random string: unknown logins are checked against it
/// so that a wrong login takes as long as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3nfNQxTLVBSrb9Bjd5jwmhiEm8n7ZQ5bDwVYbx6o/9U";

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    bye: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

/// Only paths on this site are followed after sign-in (no `//evil.example`).
fn local_path(next: Option<&str>) -> Option<String> {
    next.filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\'))
        .map(str::to_string)
}

/// Whole minutes until `until`, rounded up, as shown to a locked-out person.
fn minutes_left(until: i64, now: i64) -> String {
    ((until - now + 59_999_999) / 60_000_000).to_string()
}

pub async fn login_form(ctx: Ctx, Query(q): Query<LoginQuery>) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to("/me").into_response());
    }
    let notice = if q.bye.is_some() {
        Some(Notice::info(ctx.tr.t("logout-done")))
    } else if ctx.session_expired {
        Some(Notice::error(ctx.tr.t("login-expired")))
    } else {
        None
    };
    let next = local_path(q.next.as_deref()).unwrap_or_default();
    page(
        StatusCode::OK,
        &LoginPage::new(&ctx, notice, String::new(), next),
    )
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let key = f.login.trim().to_lowercase();
    let next = local_path(f.next.as_deref()).unwrap_or_default();
    if let Some(t) = state.store.throttle(&key).await?
        && t.is_locked(now)
    {
        let minutes = minutes_left(t.locked_until, now);
        return Err(AppError::TooMany {
            key: "login-locked",
            args: vec![("minutes", minutes)],
        });
    }
    let user = state.store.user_by_login(f.login.trim()).await?;
    let stored = user
        .as_ref()
        .map_or(DUMMY_HASH, |u| u.password_hash.as_str())
        .to_string();
    let ok = password::verify_blocking(f.password, stored).await;
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => {
            let t = state
                .store
                .record_login_failure(now, &key, &state.config.throttle)
                .await?;
            let (status, msg) = if t.is_locked(now) {
                let minutes = minutes_left(t.locked_until, now);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    ctx.tr.ta("login-locked", &[("minutes", minutes)]),
                )
            } else {
                (StatusCode::UNAUTHORIZED, ctx.tr.t("login-failed"))
            };
            return page(
                status,
                &LoginPage::new(&ctx, Some(Notice::error(msg)), f.login, next),
            );
        }
    };

    let token = random_token();
    let session = NewSession {
        token_hash: sha256_hex(&token),
        expires_at: now + state.config.session_idle,
        remote: ctx.remote.clone(),
    };
    state.store.create_session(now, &user, &session).await?;
    let mut res = Redirect::to(if next.is_empty() { "/me" } else { &next }).into_response();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, &token, None),
    );
    // A fresh CSRF token after sign-in: a token planted before cannot ride the new session.
    h.append(
        header::SET_COOKIE,
        set_cookie(&state, CSRF_COOKIE, &random_token(), None),
    );
    if let Some(lang) = user.locale {
        h.append(
            header::SET_COOKIE,
            set_cookie(&state, LANG_COOKIE, lang.code(), Some(365 * 86400)),
        );
    }
    Ok(res)
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let (Some(user), Some(hash)) = (&ctx.user, &ctx.session_hash) {
        state
            .store
            .end_session(&Actor::user(user.id, &user.login), state.clock.now(), hash)
            .await?;
    }
    let mut res = Redirect::to("/login?bye=1").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", Some(0)),
    );
    Ok(res)
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    back: Option<String>,
}

pub async fn switch_language(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<LangForm>,
) -> AppResult<Response> {
    let lang = Lang::from_code(&f.lang).ok_or(AppError::Invalid {
        key: "error-422-form",
        args: vec![("detail", format!("lang={}", f.lang))],
    })?;
    if let Some(user) = &ctx.user {
        state
            .store
            .set_user_locale(
                &Actor::user(user.id, &user.login),
                state.clock.now(),
                user.id,
                lang,
            )
            .await?;
    }
    let back = local_path(f.back.as_deref()).unwrap_or_else(|| "/".to_string());
    let mut res = Redirect::to(&back).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, LANG_COOKIE, lang.code(), Some(365 * 86400)),
    );
    Ok(res)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn password_form(ctx: Ctx) -> AppResult<Response> {
    ctx.require_user()?;
    page(StatusCode::OK, &PasswordPage::new(&ctx, None))
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    let refuse = |msg: String| {
        page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage::new(&ctx, Some(Notice::error(msg))),
        )
    };
    if !password::verify_blocking(f.current, user.password_hash.clone()).await {
        return refuse(ctx.tr.t("password-wrong-current"));
    }
    if f.new != f.confirm {
        return refuse(ctx.tr.t("password-mismatch"));
    }
    if let Err((key, arg)) = password::check_rules(&f.new) {
        return refuse(ctx.tr.ta(key, &[arg]));
    }
    let hash = password::hash_blocking(f.new).await?;
    state
        .store
        .set_password(
            &Actor::user(user.id, &user.login),
            state.clock.now(),
            user.id,
            &hash,
            ctx.session_hash.as_deref(),
        )
        .await?;
    page(
        StatusCode::OK,
        &PasswordPage::new(&ctx, Some(Notice::info(ctx.tr.t("password-changed")))),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(super::local_path(Some("/me")).as_deref(), Some("/me"));
        assert_eq!(super::local_path(Some("//evil.example/")), None);
        assert_eq!(super::local_path(Some("https://evil.example/")), None);
        assert_eq!(super::local_path(Some("/\\evil.example")), None);
    }

    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash() {
        assert!(argon2::password_hash::PasswordHash::new(super::DUMMY_HASH).is_ok());
    }
}
