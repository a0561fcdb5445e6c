//! Page templates and the public handlers.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use kasumi_store::User;

use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;

/// What every page's frame needs: language, the signed-in user, the CSRF token.
pub struct Layout {
    pub tr: Tr,
    pub user: Option<User>,
    pub csrf: String,
    pub demo: bool,
    pub path: String,
    pub title: String,
}

impl Layout {
    pub fn new(ctx: &Ctx, title_key: &str) -> Layout {
        Layout {
            tr: ctx.tr,
            user: ctx.user.clone(),
            csrf: ctx.csrf.clone(),
            demo: ctx.demo,
            path: ctx.path.clone(),
            title: ctx.tr.t(title_key),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.has_role(&[kasumi_core::Role::Admin])
    }

    /// Whether the signed-in user has one of `roles` (for the navigation).
    pub fn has_role(&self, roles: &[kasumi_core::Role]) -> bool {
        self.user.as_ref().is_some_and(|u| roles.contains(&u.role))
    }

    pub fn is_csp(&self) -> bool {
        self.has_role(&[kasumi_core::Role::Csp])
    }

    /// The roles with an ISMAP inbox (see `inbox_page`).
    pub fn has_inbox(&self) -> bool {
        self.has_role(crate::inbox_page::INBOX_ROLES)
    }

    /// The roles with application pages (see `review_pages`).
    pub fn can_review(&self) -> bool {
        self.has_role(crate::review_pages::REVIEW_ROLES)
    }

    /// The roles with registration pages (see `registration_pages`).
    pub fn can_see_registrations(&self) -> bool {
        self.has_role(crate::registration_pages::REGISTRATION_ROLES)
    }

    /// The roles with the ISMAP-LIU impact assessment page.
    pub fn can_see_liu(&self) -> bool {
        self.has_role(crate::registration_pages::LIU_ROLES)
    }

    /// The evaluator, who manages audit firms, and auditors, who see their own (see `audit_pages`).
    pub fn sees_firms(&self) -> bool {
        self.has_role(crate::audit_pages::FIRM_ROLES)
    }

    /// The roles with audit engagements to follow (see `audit_pages`).
    pub fn sees_engagements(&self) -> bool {
        self.has_role(crate::audit_pages::ENGAGEMENT_ROLES)
    }

    /// The roles that may use the statement check (see `lint_page`).
    pub fn can_lint(&self) -> bool {
        self.has_role(crate::lint_page::LINT_ROLES)
    }
}

/// A message shown at the top of a page.
pub struct Notice {
    pub error: bool,
    pub text: String,
}

impl Notice {
    pub fn info(text: String) -> Notice {
        Notice { error: false, text }
    }
    pub fn error(text: String) -> Notice {
        Notice { error: true, text }
    }
}

pub fn page<T: Template>(status: StatusCode, t: &T) -> AppResult<Response> {
    let html = t
        .render()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))?;
    Ok((status, Html(html)).into_response())
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub l: Layout,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub l: Layout,
    pub notice: Option<Notice>,
    pub login: String,
    pub next: String,
}

impl LoginPage {
    pub fn new(ctx: &Ctx, notice: Option<Notice>, login: String, next: String) -> LoginPage {
        LoginPage {
            l: Layout::new(ctx, "login-title"),
            notice,
            login,
            next,
        }
    }
}

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub l: Layout,
    pub notice: Option<Notice>,
}

impl PasswordPage {
    pub fn new(ctx: &Ctx, notice: Option<Notice>) -> PasswordPage {
        PasswordPage {
            l: Layout::new(ctx, "password-title"),
            notice,
        }
    }
}

#[derive(Template)]
#[template(path = "me.html")]
pub struct MePage {
    pub l: Layout,
    pub me: User,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub l: Layout,
    pub message: String,
    pub offer_login: bool,
}

pub async fn home(ctx: Ctx) -> AppResult<Response> {
    page(
        StatusCode::OK,
        &HomePage {
            l: Layout::new(&ctx, "home-title"),
        },
    )
}

pub async fn me(ctx: Ctx) -> AppResult<Response> {
    let me = ctx.require_user()?.clone();
    page(
        StatusCode::OK,
        &MePage {
            l: Layout::new(&ctx, "me-title"),
            me,
        },
    )
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "database unreachable"})),
            )
                .into_response()
        }
    }
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/kasumi.css"),
    )
        .into_response()
}

pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/kasumi.js"),
    )
        .into_response()
}

/// The page for any refusal, in the visitor's language.
pub fn error_page(_state: &AppState, ctx: &Ctx, err: &AppError) -> Response {
    let status = err.status();
    let mut l = Layout::new(ctx, "error-title");
    l.title = format!("{} {}", status.as_u16(), l.title);
    let t = ErrorPage {
        l,
        message: err.message(&ctx.tr),
        offer_login: matches!(err, AppError::Unauthenticated { .. }),
    };
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render the error page");
            (status, err.message(&ctx.tr)).into_response()
        }
    }
}
