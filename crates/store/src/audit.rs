//! The hash-chained audit trail.
//!
//! Each entry's hash covers its own fields and the previous entry's hash, so
//! editing, deleting or reordering any row breaks every hash after it.
//! [`verify_chain`] recomputes the chain from the stored rows.

use kasumi_core::Micros;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Micros,
    pub actor: String,
    pub action: String,
    pub object: String,
    /// The change itself as JSON (never a password or a token).
    pub payload: String,
    pub payload_digest: String,
    pub prev_hash: String,
    pub hash: String,
}

pub fn digest(payload: &str) -> String {
    hex::encode(Sha256::digest(payload.as_bytes()))
}

/// The hash of an entry. Every field is length-prefixed so no two field lists share an encoding.
pub fn entry_hash(
    seq: i64,
    at: Micros,
    actor: &str,
    action: &str,
    object: &str,
    payload_digest: &str,
    prev_hash: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(seq.to_be_bytes());
    h.update(at.to_be_bytes());
    for field in [actor, action, object, payload_digest, prev_hash] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Where and why the chain stopped matching.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    pub entries: i64,
    pub first_break: Option<ChainBreak>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

/// Checks entries handed over in `seq` order, chunk by chunk, so a long trail never sits in memory at once.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    checked: i64,
    first_break: Option<ChainBreak>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            expected_seq: 1,
            prev_hash: GENESIS.to_string(),
            checked: 0,
            first_break: None,
        }
    }
}

impl ChainVerifier {
    /// Feeds the next entry; returns false once a break has been found.
    pub fn push(&mut self, e: &AuditEntry) -> bool {
        if self.first_break.is_some() {
            return false;
        }
        let reason = if e.seq != self.expected_seq {
            Some(format!(
                "expected entry {} but found {} (an entry was removed or inserted)",
                self.expected_seq, e.seq
            ))
        } else if e.prev_hash != self.prev_hash {
            Some("prev_hash does not match the hash of the entry before it".to_string())
        } else if digest(&e.payload) != e.payload_digest {
            Some("payload does not match its digest (the payload was edited)".to_string())
        } else if entry_hash(
            e.seq,
            e.at,
            &e.actor,
            &e.action,
            &e.object,
            &e.payload_digest,
            &e.prev_hash,
        ) != e.hash
        {
            Some(
                "hash does not match the entry's fields (time, actor, action or object was edited)"
                    .to_string(),
            )
        } else {
            None
        };
        match reason {
            Some(reason) => {
                self.first_break = Some(ChainBreak {
                    seq: self.expected_seq.min(e.seq),
                    reason,
                });
                false
            }
            None => {
                self.expected_seq += 1;
                self.prev_hash = e.hash.clone();
                self.checked += 1;
                true
            }
        }
    }

    /// Closes the check against the recorded tip, which catches entries cut off the end.
    pub fn finish(mut self, head_seq: i64, head_hash: &str) -> VerifyReport {
        if self.first_break.is_none() && (head_seq != self.checked || head_hash != self.prev_hash) {
            self.first_break = Some(ChainBreak {
                seq: self.checked + 1,
                reason: format!(
                    "the chain tip records {head_seq} entries but {} were found (entries were removed from the end)",
                    self.checked
                ),
            });
        }
        VerifyReport {
            entries: self.checked,
            first_break: self.first_break,
        }
    }
}

/// Builds the next entry after `prev_hash`.
pub fn next_entry(
    seq: i64,
    prev_hash: &str,
    at: Micros,
    actor: &str,
    action: &str,
    object: &str,
    payload: &serde_json::Value,
) -> AuditEntry {
    let payload = payload.to_string();
    let payload_digest = digest(&payload);
    let hash = entry_hash(seq, at, actor, action, object, &payload_digest, prev_hash);
    AuditEntry {
        seq,
        at,
        actor: actor.to_string(),
        action: action.to_string(),
        object: object.to_string(),
        payload,
        payload_digest,
        prev_hash: prev_hash.to_string(),
        hash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let e = next_entry(
                    seq,
                    &prev,
                    seq * 10,
                    "cli",
                    "org.create",
                    "org:x",
                    &serde_json::json!({"n": seq}),
                );
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry], head_seq: i64, head_hash: &str) -> VerifyReport {
        let mut v = ChainVerifier::default();
        for e in entries {
            if !v.push(e) {
                break;
            }
        }
        v.finish(head_seq, head_hash)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let c = chain(5);
        let r = verify(&c, 5, &c[4].hash);
        assert!(r.is_intact());
        assert_eq!(r.entries, 5);
    }

    #[test]
    fn each_kind_of_edit_is_named_at_its_entry() {
        let c = chain(5);
        let head = c[4].hash.clone();

        let mut edited = c.clone();
        edited[2].payload = r#"{"n":99}"#.to_string();
        let b = verify(&edited, 5, &head).first_break.unwrap();
        assert_eq!(b.seq, 3);
        assert!(b.reason.contains("payload"));

        let mut edited = c.clone();
        edited[1].actor = "user:mallory".to_string();
        let b = verify(&edited, 5, &head).first_break.unwrap();
        assert_eq!(b.seq, 2);
        assert!(b.reason.contains("hash does not match"));

        let mut removed = c.clone();
        removed.remove(3);
        assert_eq!(verify(&removed, 5, &head).first_break.unwrap().seq, 4);

        let b = verify(&c[..4], 5, &head).first_break.unwrap();
        assert_eq!(b.seq, 5);
        assert!(b.reason.contains("removed from the end"));
    }
}
