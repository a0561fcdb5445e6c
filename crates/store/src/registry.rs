//! Persistence of ISMAP lifecycle records (kasumi-lifecycle state) as JSON
//! documents with a revision each, and of the events the transitions produce.
//!
//! The store does not interpret the documents: the lifecycle crate owns their
//! shape. A write names the revision it read (0 for a new record); any other
//! revision in the database is a [`crate::StoreError::Conflict`] and the whole
//! commit is rolled back.

use kasumi_core::Micros;
use serde::{Deserialize, Serialize};

/// The kinds of lifecycle record the registry keeps.
pub const RECORD_KINDS: &[&str] = &[
    "service",
    "statement",
    "firm",
    "engagement",
    "application",
    "registration",
    "change_notice",
    "incident",
    "impact_assessment",
    // The record every new registration number rewrites (see kasumi-web's
    // `NumberAllocation`): two numbers given at once conflict on it.
    "registration_number",
];

/// True for a kind listed in [`RECORD_KINDS`].
pub fn is_record_kind(kind: &str) -> bool {
    RECORD_KINDS.contains(&kind)
}

/// One stored lifecycle record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryRecord {
    pub kind: String,
    pub id: i64,
    /// The organisation that owns the record (the CSP for a service), when any.
    pub owner_org: Option<i64>,
    /// 1 after creation, +1 per update.
    pub revision: i64,
    /// The lifecycle state as JSON.
    pub body: serde_json::Value,
    pub updated_at: Micros,
}

/// One record to create or replace in a [`crate::Store::registry_commit`].
#[derive(Debug, Clone, PartialEq)]
pub struct RecordWrite {
    pub kind: String,
    pub id: i64,
    pub owner_org: Option<i64>,
    /// The revision the writer read: 0 creates the record.
    pub expected_revision: i64,
    pub body: serde_json::Value,
}

/// A record a transition depended on without changing it: the commit goes
/// through only if it is still at `revision` (and holds it until then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRead {
    pub kind: String,
    pub id: i64,
    pub revision: i64,
}

/// One lifecycle event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryEventIn {
    pub at: Micros,
    /// Stable key, e.g. `registration.suspended`.
    pub key: String,
    pub subject_kind: String,
    pub subject_id: i64,
    /// Set when the event carries a public remark (備考) on this service.
    pub service_id: Option<i64>,
    /// The whole event as JSON.
    pub body: serde_json::Value,
}

/// One stored lifecycle event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryEvent {
    pub seq: i64,
    pub at: Micros,
    pub key: String,
    pub subject_kind: String,
    pub subject_id: i64,
    pub service_id: Option<i64>,
    pub body: serde_json::Value,
}

/// A file of a registry record (an engagement's evidence 証跡, an
/// application's attachment), stored with the commit of the state that
/// references it by SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub subject_kind: String,
    pub subject_id: i64,
    /// Lower-case hex SHA-256 of `bytes`; the store checks it.
    pub sha256: String,
    pub name: String,
    pub bytes: Vec<u8>,
}

impl StoredFile {
    /// The file of record `subject_kind`/`subject_id` with its SHA-256 computed from the bytes.
    pub fn new(subject_kind: &str, subject_id: i64, name: &str, bytes: Vec<u8>) -> StoredFile {
        StoredFile {
            subject_kind: subject_kind.to_string(),
            subject_id,
            sha256: sha256_hex(&bytes),
            name: name.to_string(),
            bytes,
        }
    }

    pub fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
