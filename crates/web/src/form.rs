//! A form extractor whose refusals are [`AppError`]s: 413 for a body over the
//! limit, 422 naming what could not be read.

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::AppError;

pub struct Form<T>(pub T);

impl<T> FromRequest<AppState> for Form<T>
where
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(rejection) => Err(from_rejection(rejection, state.config.max_body_bytes)),
        }
    }
}

fn from_rejection(r: FormRejection, limit: usize) -> AppError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::TooLarge { limit };
    }
    AppError::Invalid {
        key: "error-422-form",
        args: vec![("detail", r.body_text())],
    }
}

/// The items of a free-text list field, separated by commas (ASCII or
/// Japanese) or new lines, trimmed, blanks dropped.
pub fn split_list(s: &str) -> Vec<String> {
    s.split([',', '、', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}
