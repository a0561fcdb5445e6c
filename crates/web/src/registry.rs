//! The registry's service layer: lifecycle records (kasumi-lifecycle state)
//! in and out of the store, and the public cloud service list built from them.
//!
//! Writing: a [`Ledger`] collects the states and events of one or more
//! transitions and commits them in one `registry_commit`, so a transition and
//! its audit entries land together. [`journey`] drives a service through the
//! whole path to registration with the real transition functions (the demo
//! and the tests use it). Reading: [`load_list`] gives the list entries of
//! every registration with its service, provider, firm and latest remark.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use kasumi_core::Micros;
use kasumi_lifecycle::application::Application;
use kasumi_lifecycle::changes::{ChangeNotice, Incident};
use kasumi_lifecycle::engagement::Engagement;
use kasumi_lifecycle::firm::Firm;
use kasumi_lifecycle::liu::ImpactAssessment;
use kasumi_lifecycle::registration::{Registration, RegistrationStatus};
use kasumi_lifecycle::service::{Service, ServiceModel};
use kasumi_lifecycle::statement::Statement;
use kasumi_lifecycle::{Event, Refusal, RemarkKind, Subject};
use kasumi_store::{
    Actor, DynStore, RecordRead, RecordWrite, RegistryEvent, RegistryEventIn, StoreError,
    StoredFile,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

// Kept beside this file: the translation-key test reads `src/` flat.
#[path = "registry_journey.rs"]
pub mod journey;

/// A registry record type and the kind it is stored under.
pub trait Record: Serialize + DeserializeOwned {
    const KIND: &'static str;
    fn id(&self) -> i64;
    /// The owning organisation, when there is one.
    fn owner(&self) -> Option<i64>;
}

macro_rules! record {
    ($t:ty, $kind:literal, $owner:ident) => {
        impl Record for $t {
            const KIND: &'static str = $kind;
            fn id(&self) -> i64 {
                self.id
            }
            fn owner(&self) -> Option<i64> {
                Some(self.$owner)
            }
        }
    };
}

record!(Service, "service", csp_org);
record!(Statement, "statement", csp_org);
record!(Firm, "firm", org);
record!(Engagement, "engagement", csp_org);
record!(Application, "application", csp_org);
record!(Registration, "registration", csp_org);
record!(ChangeNotice, "change_notice", csp_org);
record!(Incident, "incident", csp_org);
record!(ImpactAssessment, "impact_assessment", agency_org);

/// Written with every new registration number. Numbers are computed from the
/// registrations in use, so two decisions made at the same moment would both
/// take the next one; both also write this record at the revision they read,
/// and the second commit is refused (409) instead of duplicating a number.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct NumberAllocation {
    pub id: i64,
    /// The number given last, for whoever reads the record.
    pub last: String,
}

impl NumberAllocation {
    /// The single allocation record.
    pub const ID: i64 = 1;
}

impl Record for NumberAllocation {
    const KIND: &'static str = "registration_number";
    fn id(&self) -> i64 {
        self.id
    }
    fn owner(&self) -> Option<i64> {
        None
    }
}

/// The stored kind and id of an event's subject.
pub fn subject_key(s: Subject) -> (&'static str, i64) {
    match s {
        Subject::Service(id) => ("service", id),
        Subject::Statement(id) => ("statement", id),
        Subject::Firm(id) => ("firm", id),
        Subject::Engagement(id) => ("engagement", id),
        Subject::Application(id) => ("application", id),
        Subject::Registration(id) => ("registration", id),
        Subject::ChangeNotice(id) => ("change_notice", id),
        Subject::Incident(id) => ("incident", id),
        Subject::ImpactAssessment(id) => ("impact_assessment", id),
    }
}

/// A lifecycle event as the store appends it.
pub fn event_in(ev: &Event) -> RegistryEventIn {
    let (kind, id) = subject_key(ev.subject);
    RegistryEventIn {
        at: ev.at,
        key: ev.key.clone(),
        subject_kind: kind.to_string(),
        subject_id: id,
        service_id: ev.remark.as_ref().map(|r| r.service_id),
        body: serde_json::to_value(ev).unwrap_or(serde_json::Value::Null),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{key}: {en}")]
    Refused { key: &'static str, en: String },
    #[error("stored registry record {0} is malformed: {1}")]
    Corrupt(String, serde_json::Error),
}

impl From<Refusal> for RegistryError {
    fn from(r: Refusal) -> Self {
        RegistryError::Refused {
            key: r.key(),
            en: r.message.en.clone(),
        }
    }
}

/// States and events waiting to be committed together.
#[derive(Default)]
pub struct Ledger {
    /// (kind, id) → (owner, body); the last state put wins.
    records: BTreeMap<(&'static str, i64), (Option<i64>, serde_json::Value)>,
    /// Revisions of records read from the store (absent: a new record).
    read: HashMap<(&'static str, i64), i64>,
    events: Vec<Event>,
    /// Files the new states reference (evidence, attachments), stored in the same transaction.
    files: Vec<StoredFile>,
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Notes that `record` was read at `revision` (so its update checks it).
    pub fn read_at<T: Record>(&mut self, record: &T, revision: i64) {
        self.read.insert((T::KIND, record.id()), revision);
    }

    /// The new state of a record.
    pub fn put<T: Record>(&mut self, record: &T) {
        self.records.insert(
            (T::KIND, record.id()),
            (
                record.owner(),
                serde_json::to_value(record).unwrap_or(serde_json::Value::Null),
            ),
        );
    }

    pub fn events(&mut self, events: Vec<Event>) {
        self.events.extend(events);
    }

    /// A file to store with the states that reference it.
    pub fn file(&mut self, file: StoredFile) {
        self.files.push(file);
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.events.is_empty() && self.files.is_empty()
    }

    /// Writes everything in one transaction; clears the ledger on success and
    /// remembers the new revisions, so the ledger can be used again.
    pub async fn commit(
        &mut self,
        store: &DynStore,
        actor: &Actor,
        at: Micros,
    ) -> Result<(), RegistryError> {
        if self.is_empty() {
            return Ok(());
        }
        let writes: Vec<RecordWrite> = self
            .records
            .iter()
            .map(|((kind, id), (owner, body))| RecordWrite {
                kind: kind.to_string(),
                id: *id,
                owner_org: *owner,
                expected_revision: self.read.get(&(*kind, *id)).copied().unwrap_or(0),
                body: body.clone(),
            })
            .collect();
        // Records read but not written: the transition depended on them.
        let reads: Vec<RecordRead> = self
            .read
            .iter()
            .filter(|(key, _)| !self.records.contains_key(*key))
            .map(|((kind, id), revision)| RecordRead {
                kind: kind.to_string(),
                id: *id,
                revision: *revision,
            })
            .collect();
        let events: Vec<RegistryEventIn> = self.events.iter().map(event_in).collect();
        store
            .registry_commit_with_files(actor, at, &writes, &events, &self.files, &reads)
            .await?;
        for w in &writes {
            if let Some(key) = self
                .records
                .keys()
                .find(|(k, i)| *k == w.kind && *i == w.id)
            {
                self.read.insert(*key, w.expected_revision + 1);
            }
        }
        self.records.clear();
        self.events.clear();
        self.files.clear();
        Ok(())
    }
}

/// Every stored record of a type, with its revision.
pub async fn load_all<T: Record>(store: &DynStore) -> Result<Vec<(T, i64)>, RegistryError> {
    store
        .registry_records(T::KIND)
        .await?
        .into_iter()
        .map(|r| {
            serde_json::from_value(r.body)
                .map(|t| (t, r.revision))
                .map_err(|e| RegistryError::Corrupt(format!("{}:{}", r.kind, r.id), e))
        })
        .collect()
}

/// The stored remark of a registry event, if it carries one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRemark {
    pub seq: i64,
    pub at: Micros,
    pub service_id: i64,
    pub kind: RemarkKind,
    pub ja: String,
    pub en: String,
}

pub fn remark_of(e: &RegistryEvent) -> Option<StoredRemark> {
    let ev: Event = serde_json::from_value(e.body.clone()).ok()?;
    let r = ev.remark?;
    Some(StoredRemark {
        seq: e.seq,
        at: r.at,
        service_id: r.service_id,
        kind: r.kind,
        ja: r.ja,
        en: r.en,
    })
}

/// One row of the public cloud service list.
#[derive(Debug, Clone, Serialize)]
pub struct ListEntry {
    pub number: String,
    /// For sorting by number (fiscal year, sequence).
    #[serde(skip)]
    pub number_parts: kasumi_lifecycle::registration::RegistrationNumber,
    pub registration_id: i64,
    pub service_id: i64,
    pub provider: String,
    pub service: String,
    pub service_model: ServiceModel,
    pub registered_on: Date,
    pub renewed_on: Option<Date>,
    pub valid_through: Date,
    pub status: RegistrationStatus,
    pub scope: String,
    pub data_centres: Vec<String>,
    pub regions: Vec<String>,
    pub audit_firm: String,
    pub liu: bool,
    pub latest_remark: Option<StoredRemark>,
}

/// The public list, rebuilt only when something changed: every state change
/// appends an audit entry, so the audit sequence (one cheap read) tells when
/// the cached list is stale, whichever process wrote. The day is part of the
/// key because statuses follow the date.
#[derive(Default)]
pub struct ListCache {
    cached: std::sync::Mutex<Option<std::sync::Arc<CachedList>>>,
    /// One rebuild at a time: requests arriving meanwhile wait and reuse it.
    rebuilding: tokio::sync::Mutex<()>,
}

/// The list as of an audit sequence number and a day, with the unfiltered
/// API answer rendered once on first use (the API's most frequent request).
pub struct CachedList {
    seq: i64,
    pub today: Date,
    pub entries: Vec<ListEntry>,
    pub api_body: std::sync::OnceLock<axum::body::Bytes>,
}

impl ListCache {
    pub async fn list(
        &self,
        store: &DynStore,
        today: Date,
    ) -> Result<std::sync::Arc<CachedList>, RegistryError> {
        let seq = store.audit_seq().await?;
        if let Some(c) = self.fresh(seq, today) {
            return Ok(c);
        }
        let _one = self.rebuilding.lock().await;
        let seq = store.audit_seq().await?;
        if let Some(c) = self.fresh(seq, today) {
            return Ok(c);
        }
        let list = std::sync::Arc::new(CachedList {
            seq,
            today,
            entries: load_list(store, today).await?,
            api_body: std::sync::OnceLock::new(),
        });
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(list.clone());
        Ok(list)
    }

    fn fresh(&self, seq: i64, today: Date) -> Option<std::sync::Arc<CachedList>> {
        self.cached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|c| c.seq == seq && c.today == today)
            .cloned()
    }
}

/// The public list on `today` (only listed registrations, in registration
/// order), with each entry's service, provider, audit firm and latest remark.
pub async fn load_list(store: &DynStore, today: Date) -> Result<Vec<ListEntry>, RegistryError> {
    let regs: Vec<Registration> = load_all::<Registration>(store)
        .await?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let listed = kasumi_lifecycle::registration::public_list(&regs, today);
    if listed.is_empty() {
        return Ok(Vec::new());
    }
    let services: HashMap<i64, Service> = load_all::<Service>(store)
        .await?
        .into_iter()
        .map(|(s, _)| (s.id, s))
        .collect();
    let firms: HashMap<i64, Firm> = load_all::<Firm>(store)
        .await?
        .into_iter()
        .map(|(f, _)| (f.id, f))
        .collect();
    let statements: HashMap<i64, Statement> = load_all::<Statement>(store)
        .await?
        .into_iter()
        .map(|(s, _)| (s.id, s))
        .collect();
    let orgs: HashMap<i64, String> = store
        .list_orgs()
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    // The latest remark per service: walk every remark once, newest wins.
    let mut latest: HashMap<i64, StoredRemark> = HashMap::new();
    let mut after = 0;
    loop {
        let batch = store.registry_events(None, after, 1000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for e in &batch {
            if e.service_id.is_some()
                && let Some(r) = remark_of(e)
                && latest
                    .get(&r.service_id)
                    .is_none_or(|l| (l.at, l.seq) <= (r.at, r.seq))
            {
                latest.insert(r.service_id, r);
            }
        }
    }
    Ok(listed
        .into_iter()
        .map(|r| entry(r, &services, &firms, &statements, &orgs, &latest, today))
        .collect())
}

fn entry(
    r: &Registration,
    services: &HashMap<i64, Service>,
    firms: &HashMap<i64, Firm>,
    statements: &HashMap<i64, Statement>,
    orgs: &HashMap<i64, String>,
    latest: &HashMap<i64, StoredRemark>,
    today: Date,
) -> ListEntry {
    let svc = services.get(&r.service_id);
    let stmt = statements.get(&r.statement_id);
    // Regions: the service's current selectable regions (change notices add to them).
    let regions = svc
        .map(|s| s.draft.regions.clone())
        .or_else(|| stmt.map(|s| s.content.scope.regions.clone()))
        .unwrap_or_default();
    ListEntry {
        number: r.number_text.clone(),
        number_parts: r.number,
        registration_id: r.id,
        service_id: r.service_id,
        provider: orgs.get(&r.csp_org).cloned().unwrap_or_default(),
        service: svc.map(|s| s.draft.name.clone()).unwrap_or_default(),
        service_model: svc
            .map(|s| s.draft.service_model)
            .unwrap_or(ServiceModel::Saas),
        registered_on: r.registered_on,
        renewed_on: r.renewed_on,
        valid_through: r.valid_through,
        status: r.status_on(today),
        scope: stmt
            .map(|s| s.content.scope.description.clone())
            .unwrap_or_default(),
        data_centres: stmt
            .map(|s| s.content.scope.data_centres.clone())
            .unwrap_or_default(),
        regions,
        audit_firm: firms
            .get(&r.firm_id)
            .map(|f| f.name.clone())
            .unwrap_or_default(),
        liu: r.liu,
        latest_remark: latest.get(&r.service_id).cloned(),
    }
}

/// Every public remark of a service, oldest first (by time, then sequence).
pub async fn remarks(
    store: &DynStore,
    service_id: i64,
) -> Result<Vec<StoredRemark>, RegistryError> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let batch = store.registry_events(Some(service_id), after, 1000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        out.extend(batch.iter().filter_map(remark_of));
    }
    out.sort_by_key(|r| (r.at, r.seq));
    Ok(out)
}
