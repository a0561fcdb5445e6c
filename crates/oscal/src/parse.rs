//! Reading and writing OSCAL JSON, with errors that carry the JSON path.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::{CatalogDocument, ProfileDocument};

/// A JSON document that is not valid OSCAL for the expected model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid JSON at {path}: {message}")]
pub struct ParseError {
    /// JSON path of the offending value, e.g. `catalog.groups[3].controls[0].id`
    /// (`.` for the document root).
    pub path: String,
    /// What serde_json reported, including line and column.
    pub message: String,
}

/// Deserializes any model type, reporting the JSON path of an error.
pub fn from_str_with_path<T: DeserializeOwned>(text: &str) -> Result<T, ParseError> {
    // Tracking the path costs about a third of the parse time on a large
    // catalog, so it is paid only again for a document that fails.
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(_) => from_str_tracking_path(text),
    }
}

fn from_str_tracking_path<T: DeserializeOwned>(text: &str) -> Result<T, ParseError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| ParseError {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })?;
    de.end().map_err(|e| ParseError {
        path: ".".into(),
        message: e.to_string(),
    })?;
    Ok(value)
}

/// Parses a catalog document (`{"catalog": …}`).
pub fn parse_catalog(text: &str) -> Result<CatalogDocument, ParseError> {
    from_str_with_path(text)
}

/// Converts an already parsed JSON value into a catalog document.
pub fn parse_catalog_value(value: serde_json::Value) -> Result<CatalogDocument, ParseError> {
    serde_path_to_error::deserialize(value).map_err(|e| ParseError {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// Parses a profile document (`{"profile": …}`).
pub fn parse_profile(text: &str) -> Result<ProfileDocument, ParseError> {
    from_str_with_path(text)
}

/// Serializes a model to pretty JSON (two-space indent, OSCAL key order).
pub fn to_json_pretty<T: Serialize>(value: &T) -> String {
    // Serializing these models cannot fail: all map keys are strings.
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// Serializes a model to a JSON value.
pub fn to_json_value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}
