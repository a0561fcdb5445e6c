//! The per-request context: who is signed in, which language to speak, and the
//! CSRF token. One middleware builds it, refuses cross-site or token-less state
//! changes, and renders any [`AppError`] a handler returned in the visitor's language.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kasumi_core::{Lang, Role};
use kasumi_store::User;
use subtle::ConstantTimeEq;

use crate::error::{AppError, AppResult, PendingError};
use crate::i18n::Tr;
use crate::{AppState, pages, random_token, sha256_hex};

pub const SESSION_COOKIE: &str = "kasumi_session";
pub const CSRF_COOKIE: &str = "kasumi_csrf";
pub const LANG_COOKIE: &str = "kasumi_lang";
pub const CSRF_FIELD: &str = "csrf_token";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Clone, Debug)]
pub struct Ctx {
    pub tr: Tr,
    pub user: Option<User>,
    /// SHA-256 of the session cookie, when signed in.
    pub session_hash: Option<String>,
    /// A session cookie came with the request but its session has ended.
    pub session_expired: bool,
    pub csrf: String,
    pub remote: String,
    pub path: String,
    /// `?done=KEY`: the message an action left for the page it redirected to
    /// (only a translation-key shape is kept; see `workflow::done_notice`).
    pub done: Option<String>,
    pub demo: bool,
}

impl Ctx {
    pub fn require_user(&self) -> AppResult<&User> {
        self.user.as_ref().ok_or(AppError::Unauthenticated {
            expired: self.session_expired,
        })
    }

    /// The signed-in user when their role is one of `roles`; 401 or 403 otherwise.
    pub fn require_role(&self, roles: &[Role]) -> AppResult<&User> {
        let user = self.require_user()?;
        if roles.contains(&user.role) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context missing")))
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Strict always, Secure when served over TLS.
pub fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age_secs: Option<i64>,
) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if state.config.secure_cookies {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).expect("cookie values are ASCII tokens")
}

fn valid_token(t: &str) -> bool {
    t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Host of an `Origin` header value (`https://host:port` → `host:port`).
fn origin_host(origin: &str) -> Option<&str> {
    origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'))
}

pub async fn context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let now = state.clock.now();
    let headers = req.headers();
    let path = req.uri().path().to_string();
    let done = done_key(req.uri().query());
    let remote = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "-".to_string());

    // Session.
    let mut user = None;
    let mut session_hash = None;
    let mut session_expired = false;
    if let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| valid_token(t)) {
        let hash = sha256_hex(token);
        match state.store.session(now, &hash).await {
            Ok(Some((session, u))) if now - session.created_at < state.config.session_max => {
                if now - session.last_seen > 60_000_000 {
                    let expires = now + state.config.session_idle;
                    if let Err(e) = state.store.touch_session(&hash, now, expires).await {
                        tracing::warn!(error = %e, "could not extend a session");
                    }
                }
                user = Some(u);
                session_hash = Some(hash);
            }
            Ok(_) => session_expired = true,
            Err(e) => {
                return render(
                    &state,
                    fallback_ctx(&state, headers, path),
                    AppError::from(e),
                );
            }
        }
    }

    let lang = user
        .as_ref()
        .and_then(|u| u.locale)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::from_code))
        .unwrap_or_default();
    let existing_csrf = cookie(headers, CSRF_COOKIE)
        .filter(|t| valid_token(t))
        .map(str::to_string);
    let new_csrf = existing_csrf.is_none();
    let ctx = Ctx {
        tr: Tr::new(lang),
        user,
        session_hash,
        session_expired,
        csrf: existing_csrf.clone().unwrap_or_else(random_token),
        remote,
        path,
        done,
        demo: state.config.demo,
    };

    let req = match check_csrf(&state, req, existing_csrf.as_deref()).await {
        Ok(req) => req,
        Err(e) => return render(&state, ctx, e),
    };
    let mut req = req;
    req.extensions_mut().insert(ctx.clone());
    let mut res = next.run(req).await;

    if let Some(PendingError(err)) = res.extensions_mut().remove::<PendingError>() {
        let err =
            Arc::try_unwrap(err).unwrap_or_else(|e| AppError::Internal(anyhow::anyhow!("{e}")));
        res = render(&state, ctx.clone(), err);
    }
    let handler_set_csrf = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(CSRF_COOKIE.as_bytes()));
    if new_csrf && !handler_set_csrf {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state, CSRF_COOKIE, &ctx.csrf, None),
        );
    }
    res
}

/// The `done` parameter of a query string, when it looks like a message key.
fn done_key(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .find_map(|kv| kv.strip_prefix("done="))
        .filter(|k| {
            !k.is_empty()
                && k.len() <= 64
                && k.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        .map(str::to_string)
}

fn fallback_ctx(state: &AppState, headers: &HeaderMap, path: String) -> Ctx {
    Ctx {
        tr: Tr::new(
            cookie(headers, LANG_COOKIE)
                .and_then(Lang::from_code)
                .unwrap_or_default(),
        ),
        user: None,
        session_hash: None,
        session_expired: false,
        csrf: String::new(),
        remote: "-".into(),
        path,
        done: None,
        demo: state.config.demo,
    }
}

fn render(state: &AppState, ctx: Ctx, err: AppError) -> Response {
    if ctx.path.starts_with("/api/") {
        let body = serde_json::json!({
            "error": err.status().canonical_reason().unwrap_or("error"),
            "message": err.message(&ctx.tr),
        });
        return (err.status(), axum::Json(body)).into_response();
    }
    pages::error_page(state, &ctx, &err)
}

/// State changes must come from our own pages: same origin, and the form's token
/// equal to the cookie's (the cookie is SameSite=Strict and HttpOnly).
async fn check_csrf(
    state: &AppState,
    req: Request,
    cookie_token: Option<&str>,
) -> Result<Request, AppError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(req);
    }
    let headers = req.headers();
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        if origin == "null" || origin_host(origin) != host {
            return Err(AppError::Csrf);
        }
    }
    let Some(expected) = cookie_token else {
        return Err(AppError::Csrf);
    };
    if let Some(sent) = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if same(sent, expected) {
            Ok(req)
        } else {
            Err(AppError::Csrf)
        };
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // File uploads stream their body to the handler: their token rides in the form's action URL.
    if content_type.starts_with("multipart/form-data") {
        let sent = req
            .uri()
            .query()
            .and_then(|q| form_urlencoded_field(q.as_bytes(), CSRF_FIELD));
        return match sent {
            Some(sent) if same(&sent, expected) => Ok(req),
            _ => Err(AppError::Csrf),
        };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(AppError::Csrf);
    }
    let (parts, body) = req.into_parts();
    let limit = state.config.max_body_bytes;
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AppError::TooLarge { limit })?;
    let sent = form_urlencoded_field(&bytes, CSRF_FIELD);
    match sent {
        Some(sent) if same(&sent, expected) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(AppError::Csrf),
    }
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; kasumi_lang=en; b=2"),
        );
        assert_eq!(cookie(&h, LANG_COOKIE), Some("en"));
        assert_eq!(cookie(&h, SESSION_COOKIE), None);
    }

    #[test]
    fn origin_hosts_compare_with_the_host_header() {
        assert_eq!(origin_host("http://127.0.0.1:8080"), Some("127.0.0.1:8080"));
        assert_eq!(origin_host("null"), None);
    }

    #[test]
    fn the_csrf_field_is_read_from_a_urlencoded_body() {
        assert_eq!(
            form_urlencoded_field(b"login=a&csrf_token=x%2Dy&password=p", CSRF_FIELD).as_deref(),
            Some("x-y")
        );
        assert_eq!(form_urlencoded_field(b"login=a", CSRF_FIELD), None);
    }
}
