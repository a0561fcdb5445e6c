//! What a transition produces besides the new state: events for the audit
//! trail, some of which carry a public remark (備考) for the service.

use kasumi_core::Micros;
use serde::{Deserialize, Serialize};

use crate::actor::Actor;

/// What an event is about (ids are the store's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Service(i64),
    Statement(i64),
    Firm(i64),
    Engagement(i64),
    Application(i64),
    Registration(i64),
    ChangeNotice(i64),
    Incident(i64),
    ImpactAssessment(i64),
}

/// The kinds of public remark (備考) on a service's list entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemarkKind {
    Registered,
    RenewalApplied,
    Renewed,
    RenewalRejected,
    Expired,
    ChangeNotice,
    ControlChange,
    AdditionalAudit,
    RegionAdded,
    IncidentFlash,
    IncidentConfirmed,
    Suspended,
    Reinstated,
    Revoked,
    Deleted,
}

impl RemarkKind {
    pub fn code(self) -> &'static str {
        match self {
            RemarkKind::Registered => "registered",
            RemarkKind::RenewalApplied => "renewal_applied",
            RemarkKind::Renewed => "renewed",
            RemarkKind::RenewalRejected => "renewal_rejected",
            RemarkKind::Expired => "expired",
            RemarkKind::ChangeNotice => "change_notice",
            RemarkKind::ControlChange => "control_change",
            RemarkKind::AdditionalAudit => "additional_audit",
            RemarkKind::RegionAdded => "region_added",
            RemarkKind::IncidentFlash => "incident_flash",
            RemarkKind::IncidentConfirmed => "incident_confirmed",
            RemarkKind::Suspended => "suspended",
            RemarkKind::Reinstated => "reinstated",
            RemarkKind::Revoked => "revoked",
            RemarkKind::Deleted => "deleted",
        }
    }
}

/// One line of a service's public remarks history (備考).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remark {
    pub at: Micros,
    pub service_id: i64,
    pub kind: RemarkKind,
    pub ja: String,
    pub en: String,
}

/// One entry for the audit trail. `actor` is `None` for changes that follow
/// from time alone (expiry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: Micros,
    pub actor: Option<Actor>,
    /// Stable key, e.g. `statement.submitted`.
    pub key: String,
    pub subject: Subject,
    pub ja: String,
    pub en: String,
    /// Set when the event also belongs in the public remarks history.
    pub remark: Option<Remark>,
}

impl Event {
    pub(crate) fn new(
        at: Micros,
        actor: Option<&Actor>,
        key: &str,
        subject: Subject,
        ja: impl Into<String>,
        en: impl Into<String>,
    ) -> Event {
        Event {
            at,
            actor: actor.copied(),
            key: key.to_string(),
            subject,
            ja: ja.into(),
            en: en.into(),
            remark: None,
        }
    }

    /// Also publish this event's text as a remark on `service_id`.
    pub(crate) fn public(mut self, service_id: i64, kind: RemarkKind) -> Event {
        self.remark = Some(Remark {
            at: self.at,
            service_id,
            kind,
            ja: self.ja.clone(),
            en: self.en.clone(),
        });
        self
    }
}

/// A successful transition: the new state and what to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<T> {
    pub state: T,
    pub events: Vec<Event>,
}

impl<T> Outcome<T> {
    pub(crate) fn new(state: T, events: Vec<Event>) -> Outcome<T> {
        Outcome { state, events }
    }
}

/// The public remarks history of one service, oldest first, from recorded events.
pub fn remarks_of(events: &[Event], service_id: i64) -> Vec<Remark> {
    let mut out: Vec<Remark> = events
        .iter()
        .filter_map(|e| e.remark.clone())
        .filter(|r| r.service_id == service_id)
        .collect();
    out.sort_by_key(|r| r.at);
    out
}
