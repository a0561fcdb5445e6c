//! Errors a request can end in. Handlers return [`AppError`]; the context
//! middleware renders it as a page in the visitor's language (or JSON under
//! `/api/`), so every refusal says what was wrong with the right status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kasumi_store::StoreError;

use crate::i18n::Tr;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in (or the session ended): the page offers the login form.
    #[error("unauthenticated")]
    Unauthenticated { expired: bool },
    #[error("forbidden")]
    Forbidden,
    #[error("csrf")]
    Csrf,
    #[error("not found")]
    NotFound,
    /// Not found, saying what was looked for.
    #[error("missing: {key}")]
    Missing {
        key: &'static str,
        args: Vec<(&'static str, String)>,
    },
    #[error("payload too large")]
    TooLarge { limit: usize },
    /// Bad input: a message key and its arguments.
    #[error("invalid input: {key}")]
    Invalid {
        key: &'static str,
        args: Vec<(&'static str, String)>,
    },
    #[error("conflict: {key}")]
    Conflict {
        key: &'static str,
        args: Vec<(&'static str, String)>,
    },
    #[error("too many requests")]
    TooMany {
        key: &'static str,
        args: Vec<(&'static str, String)>,
    },
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn invalid(key: &'static str) -> AppError {
        AppError::Invalid {
            key,
            args: Vec::new(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::Missing { .. } => StatusCode::NOT_FOUND,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message in the reader's language.
    pub fn message(&self, tr: &Tr) -> String {
        match self {
            AppError::Unauthenticated { expired: true } => tr.t("login-expired"),
            AppError::Unauthenticated { expired: false } => tr.t("login-required"),
            AppError::Forbidden => tr.t("error-403"),
            AppError::Csrf => tr.t("error-403-csrf"),
            AppError::NotFound => tr.t("error-404"),
            AppError::TooLarge { limit } => tr.ta("error-413", &[("limit", limit.to_string())]),
            AppError::Invalid { key, args }
            | AppError::Missing { key, args }
            | AppError::Conflict { key, args }
            | AppError::TooMany { key, args } => tr.ta(key, args),
            AppError::Internal(_) => tr.t("error-500"),
        }
    }
}

/// Carried in the response until the context middleware renders it.
#[derive(Clone)]
pub(crate) struct PendingError(pub std::sync::Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = %e, "request failed");
        }
        let mut res = self.status().into_response();
        res.extensions_mut()
            .insert(PendingError(std::sync::Arc::new(self)));
        res
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::Conflict {
                what: "login",
                value,
            } => AppError::Conflict {
                key: "conflict-login",
                args: vec![("value", value)],
            },
            StoreError::Conflict {
                what: "organisation",
                value,
            } => AppError::Conflict {
                key: "conflict-org",
                args: vec![("value", value)],
            },
            StoreError::Conflict { .. } => AppError::Conflict {
                key: "error-409",
                args: vec![],
            },
            StoreError::NotFound { .. } => AppError::NotFound,
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
