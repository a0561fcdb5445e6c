//! Drives services through the ISMAP lifecycle with the real transition
//! functions — statement, lint-clean submission, audit engagement with a
//! result per control, report, application, acceptance, review, committee
//! decision — and later changes, incidents, renewals, suspensions and
//! revocations, collecting every state and event in a [`Ledger`]. The demo
//! data and the tests are made with it; nothing here invents a state a
//! transition would not produce.
//!
//! Times are given as civil days (noon in Tokyo); each step of the path is
//! placed relative to the end of its audit period.

use jiff::civil::Date;
use jiff::{Span, ToSpan};
use kasumi_core::{Micros, Role};
use kasumi_ismap::{Catalog, Kind};
use kasumi_lifecycle::Actor as Who;
use kasumi_lifecycle::Refusal;
use kasumi_lifecycle::application::{
    Acceptance, Application, ApplicationKind, ApplyContext, ApplyInput, Attachment, AttachmentKind,
    DecideContext, DecisionInput, DecisionOutcome, Track, acceptance_check, apply, complete_review,
    decide,
};
use kasumi_lifecycle::changes::{
    ChangeKind, ChangeNotice, Incident, IncidentReport, confirm_incident, file_change_notice,
    report_incident, submit_change_audit,
};
use kasumi_lifecycle::dates::{AuditPeriod, tokyo_date, tokyo_midnight};
use kasumi_lifecycle::engagement::{
    AuditScope, Engagement, Evidence, Procedure, ResultInput, TestResult, engage, issue_report,
    record_result,
};
use kasumi_lifecycle::firm::{Firm, list_firm};
use kasumi_lifecycle::registration::{
    NumberFormat, Registration, RegistrationNumber, expire, revoke_registration,
    suspend_registration,
};
use kasumi_lifecycle::service::{Service, ServiceDraft, register_service};
use kasumi_lifecycle::statement::{
    ControlDecision, Disclosures, Person, Scope, Statement, StatementContent, TestState,
    TestStatus, create_statement, submit_statement,
};
use kasumi_store::{Actor, DynStore, StoredFile};

use super::{Ledger, Record, RegistryError, load_all};

/// Noon in Tokyo on `day`.
pub fn noon(day: Date) -> Micros {
    tokyo_midnight(day) + 12 * 3_600_000_000
}

fn shift(day: Date, days: i64) -> Date {
    day.checked_add(Span::new().days(days)).unwrap_or(day)
}

/// The people acting: one per role (organisations are the store's).
#[derive(Debug, Clone, Copy)]
pub struct Cast {
    pub auditor: Who,
    pub evaluator: Who,
    pub ipa: Who,
    pub committee: Who,
}

/// A lint-clean statement for `service` against `catalog`: every detailed
/// control adopted except those in `not_adopted` (each with its reason).
pub fn clean_statement(
    catalog: &Catalog,
    service: &ServiceDraft,
    scope: &str,
    owner: &str,
    not_adopted: &[(&str, &str)],
) -> StatementContent {
    let controls = catalog
        .items
        .iter()
        .filter(|i| i.kind == Some(Kind::Control))
        .map(|i| match not_adopted.iter().find(|(id, _)| *id == i.id) {
            Some((_, reason)) => ControlDecision::not_adopted(&i.id, reason),
            None => ControlDecision::adopted(&i.id),
        })
        .collect();
    StatementContent {
        service_name: service.name.clone(),
        catalog_version: catalog.version.id.clone(),
        scope: Scope {
            description: scope.to_string(),
            components: vec!["web".into(), "api".into(), "db".into()],
            data_centres: service.data_centres.clone(),
            regions: service.regions.clone(),
        },
        governance_owner: Person {
            name: owner.to_string(),
            title: "代表取締役".into(),
        },
        disclosures: Disclosures {
            capital_relationships: "なし".into(),
            officers: "役員一覧のとおり".into(),
            foreign_law_risk: "国内法人のみが提供し、外国法の適用リスクは低い".into(),
            governing_law: "日本法".into(),
            jurisdiction: "東京地方裁判所".into(),
            penetration_test: TestStatus {
                status: TestState::Planned,
                last_performed: None,
                note: String::new(),
            },
            vulnerability_assessment: TestStatus {
                status: TestState::Planned,
                last_performed: None,
                note: String::new(),
            },
        },
        controls,
    }
}

/// The statement and audit report attached to application `id` of
/// `service`: short text documents saying what they stand for, kept like
/// any uploaded file so the application's links open them.
pub fn attachments(id: i64, service: &str) -> (Vec<Attachment>, Vec<StoredFile>) {
    [
        (AttachmentKind::Statement, "statement.txt", "言明書"),
        (
            AttachmentKind::AuditReport,
            "audit-report.txt",
            "実施結果報告書",
        ),
    ]
    .into_iter()
    .map(|(kind, name, title)| {
        let text = format!("{title}（デモ用の架空の書類）\nサービス: {service}\n申請番号: {id}\n");
        let file = StoredFile::new(Application::KIND, id, name, text.into_bytes());
        let attachment = Attachment {
            kind,
            name: name.into(),
            sha256: file.sha256.clone(),
            size: file.size(),
        };
        (attachment, file)
    })
    .unzip()
}

/// A registered service and the records its registration rests on.
#[derive(Debug, Clone)]
pub struct Registered {
    pub service: Service,
    pub statement: Statement,
    pub engagement: Engagement,
    pub application: Application,
    pub registration: Registration,
}

/// Runs transitions, allocating ids from the store and collecting states and
/// events in its ledger until [`Journey::commit`].
pub struct Journey<'a> {
    store: &'a DynStore,
    catalog: &'a Catalog,
    pub cast: Cast,
    pub format: NumberFormat,
    numbers: Vec<RegistrationNumber>,
    pub ledger: Ledger,
}

impl<'a> Journey<'a> {
    /// Starts with the registration numbers already in the store.
    pub async fn new(
        store: &'a DynStore,
        catalog: &'a Catalog,
        cast: Cast,
    ) -> Result<Journey<'a>, RegistryError> {
        let numbers = load_all::<Registration>(store)
            .await?
            .into_iter()
            .map(|(r, _)| r.number)
            .collect();
        Ok(Journey {
            store,
            catalog,
            cast,
            format: NumberFormat::default(),
            numbers,
            ledger: Ledger::new(),
        })
    }

    async fn id(&self, kind: &str) -> Result<i64, RegistryError> {
        Ok(self.store.registry_allocate_id(kind).await?)
    }

    pub async fn commit(&mut self, actor: &Actor, at: Micros) -> Result<(), RegistryError> {
        self.ledger.commit(self.store, actor, at).await
    }

    /// The evaluator lists an audit firm whose organisation is `org`.
    pub async fn list_firm(
        &mut self,
        org: i64,
        name: &str,
        on: Date,
    ) -> Result<Firm, RegistryError> {
        let id = self.id("firm").await?;
        let out = list_firm(&self.cast.evaluator, id, org, name, noon(on))?;
        self.ledger.put(&out.state);
        self.ledger.events(out.events);
        Ok(out.state)
    }

    pub async fn add_service(
        &mut self,
        csp: &Who,
        draft: ServiceDraft,
        on: Date,
    ) -> Result<Service, RegistryError> {
        let id = self.id("service").await?;
        let out = register_service(csp, id, draft, noon(on))?;
        self.ledger.put(&out.state);
        self.ledger.events(out.events);
        Ok(out.state)
    }

    /// A statement written and submitted (the linter must pass) on `on`.
    pub async fn submit_statement(
        &mut self,
        csp: &Who,
        service: &Service,
        content: StatementContent,
        on: Date,
    ) -> Result<Statement, RegistryError> {
        let id = self.id("statement").await?;
        let draft = create_statement(csp, service, id, content, noon(shift(on, -7)))?;
        self.ledger.events(draft.events);
        let out = submit_statement(csp, &draft.state, self.catalog, noon(on))?;
        self.ledger.put(&out.state);
        self.ledger.events(out.events);
        Ok(out.state)
    }

    /// A one-year audit ending on `audit_end`: engaged a month before it
    /// starts, a result for every control in scope, the report a month after.
    pub async fn audit(
        &mut self,
        csp: &Who,
        statement: &Statement,
        firm: &Firm,
        audit_end: Date,
    ) -> Result<Engagement, RegistryError> {
        let start = shift(audit_end.checked_sub(1.year()).unwrap_or(audit_end), 1);
        let period = AuditPeriod::new(start, audit_end)?;
        self.audit_with(csp, statement, firm, AuditScope::Full, period, 30)
            .await
    }

    /// An audit of `scope` over `period`, engaged a month before it starts,
    /// every control in scope recorded, the report `report_after` days after
    /// the period ends.
    pub async fn audit_with(
        &mut self,
        csp: &Who,
        statement: &Statement,
        firm: &Firm,
        scope: AuditScope,
        period: AuditPeriod,
        report_after: i64,
    ) -> Result<Engagement, RegistryError> {
        let id = self.id("engagement").await?;
        let out = engage(
            csp,
            id,
            statement,
            firm,
            self.catalog,
            scope,
            period,
            noon(shift(period.start, -30)),
        )?;
        self.ledger.events(out.events);
        let mut eng = out.state;
        let report_day = shift(period.end, report_after);
        for control in eng.controls.clone() {
            // A short record of the procedure, kept like any uploaded evidence.
            let text = format!(
                "監査証跡（デモ用の架空の記録）\n監査 #{id} 管理策 {control}\n閲覧・質問により確認した。\n"
            );
            let file = StoredFile::new(
                Engagement::KIND,
                id,
                &format!("{control}.txt"),
                text.into_bytes(),
            );
            let out = record_result(
                &self.cast.auditor,
                &eng,
                ResultInput {
                    control: control.clone(),
                    procedures: vec![Procedure::Inspection, Procedure::Inquiry],
                    design: TestResult::NoException,
                    operating: TestResult::NoException,
                    evidence: vec![Evidence {
                        sha256: file.sha256.clone(),
                        size: file.size(),
                        name: file.name.clone(),
                    }],
                },
                noon(shift(report_day, -3)),
            )?;
            self.ledger.file(file);
            self.ledger.events(out.events);
            eng = out.state;
        }
        let out = issue_report(
            &self.cast.auditor,
            &eng,
            "合意された手続を実施し、発見事項を記載した。",
            noon(report_day),
        )?;
        self.ledger.put(&out.state);
        self.ledger.events(out.events);
        Ok(out.state)
    }

    /// Applies (new or renewal) 40 days after the audit end, accepted three days later.
    async fn apply_accepted(
        &mut self,
        csp: &Who,
        service: &Service,
        statement: &Statement,
        eng: &Engagement,
        renewing: Option<&Registration>,
    ) -> Result<(Application, Option<Registration>), RegistryError> {
        let id = self.id("application").await?;
        let day = shift(eng.period.end, 40);
        let (attachments, files) = attachments(id, &service.draft.name);
        let out = apply(
            csp,
            id,
            ApplyInput {
                kind: match renewing {
                    Some(r) => ApplicationKind::Renewal {
                        registration_id: r.id,
                    },
                    None => ApplicationKind::New,
                },
                track: Track::Standard,
                attachments,
            },
            ApplyContext {
                service,
                statement,
                engagement: eng,
                registration: renewing,
                assessment: None,
                // The journey applies only after the previous application
                // was decided; a renewal names the registration it renews.
                service_applications: &[],
                service_registrations: renewing.map(std::slice::from_ref).unwrap_or_default(),
            },
            noon(day),
        )?;
        files.into_iter().for_each(|f| self.ledger.file(f));
        self.ledger.events(out.events);
        let (app, pending) = out.state;
        let out = acceptance_check(
            &self.cast.ipa,
            &app,
            Acceptance::Accept,
            noon(shift(day, 3)),
        )?;
        self.ledger.put(&out.state);
        self.ledger.events(out.events);
        if let Some(p) = &pending {
            self.ledger.put(p);
        }
        Ok((out.state, pending))
    }

    /// An application accepted and under review, not decided (so not listed).
    pub async fn apply_only(
        &mut self,
        csp: &Who,
        service: &Service,
        firm: &Firm,
        content: StatementContent,
        audit_end: Date,
    ) -> Result<Application, RegistryError> {
        let stmt = self
            .submit_statement(csp, service, content, shift(audit_end, -420))
            .await?;
        let eng = self.audit(csp, &stmt, firm, audit_end).await?;
        Ok(self
            .apply_accepted(csp, service, &stmt, &eng, None)
            .await?
            .0)
    }

    async fn review_and_decide(
        &mut self,
        app: &Application,
        service: &Service,
        renewing: Option<&Registration>,
        audit_end: Date,
    ) -> Result<(Application, Registration), RegistryError> {
        let out = complete_review(&self.cast.ipa, app, noon(shift(audit_end, 70)))?;
        self.ledger.events(out.events);
        let new_id = match renewing {
            Some(_) => 0,
            None => self.id("registration").await?,
        };
        let out = decide(
            &self.cast.committee,
            &out.state,
            DecisionInput {
                outcome: DecisionOutcome::Register,
                reasons: String::new(),
            },
            DecideContext {
                service,
                registration: renewing,
                new_registration_id: new_id,
                format: &self.format,
                existing_numbers: &self.numbers,
            },
            noon(shift(audit_end, 80)),
        )?;
        self.ledger.events(out.events);
        let (app, reg) = out.state;
        let reg = reg.ok_or_else(|| {
            RegistryError::from(Refusal::conflict(
                "journey.no_registration",
                "決定により登録が作成されませんでした。",
                "The decision made no registration.",
            ))
        })?;
        self.ledger.put(&app);
        self.ledger.put(&reg);
        if renewing.is_none() {
            self.numbers.push(reg.number);
        }
        Ok((app, reg))
    }

    /// The whole path to a first registration on the strength of a one-year
    /// audit ending on `audit_end`; decided 80 days after it.
    pub async fn register(
        &mut self,
        csp: &Who,
        service: &Service,
        firm: &Firm,
        content: StatementContent,
        audit_end: Date,
    ) -> Result<Registered, RegistryError> {
        let stmt = self
            .submit_statement(csp, service, content, shift(audit_end, -420))
            .await?;
        let eng = self.audit(csp, &stmt, firm, audit_end).await?;
        let (app, _) = self.apply_accepted(csp, service, &stmt, &eng, None).await?;
        let (app, reg) = self
            .review_and_decide(&app, service, None, audit_end)
            .await?;
        Ok(Registered {
            service: service.clone(),
            statement: stmt,
            engagement: eng,
            application: app,
            registration: reg,
        })
    }

    /// A renewal on a new one-year audit ending on `audit_end`: applied for
    /// 40 days after it; decided 80 days after it when `decide` is set,
    /// otherwise left pending (the registration stays valid meanwhile).
    pub async fn renew(
        &mut self,
        csp: &Who,
        r: &Registered,
        firm: &Firm,
        audit_end: Date,
        decide: bool,
    ) -> Result<Registered, RegistryError> {
        let eng = self.audit(csp, &r.statement, firm, audit_end).await?;
        let (app, pending) = self
            .apply_accepted(csp, &r.service, &r.statement, &eng, Some(&r.registration))
            .await?;
        let pending = pending.unwrap_or_else(|| r.registration.clone());
        let (app, reg) = if decide {
            self.review_and_decide(&app, &r.service, Some(&pending), audit_end)
                .await?
        } else {
            (app, pending)
        };
        Ok(Registered {
            engagement: eng,
            application: app,
            registration: reg,
            ..r.clone()
        })
    }

    pub async fn change_notice(
        &mut self,
        csp: &Who,
        r: &mut Registered,
        kind: ChangeKind,
        description: &str,
        on: Date,
    ) -> Result<ChangeNotice, RegistryError> {
        let id = self.id("change_notice").await?;
        let out = file_change_notice(
            csp,
            id,
            &r.service,
            &r.registration,
            self.catalog,
            kind,
            description,
            noon(on),
        )?;
        let (notice, service) = out.state;
        self.ledger.put(&notice);
        self.ledger.put(&service);
        self.ledger.events(out.events);
        r.service = service;
        Ok(notice)
    }

    /// The additional audit of the control change `notice`: the changed
    /// controls audited for three months from the day after the notice, the
    /// report ten days later, submitted by the provider the day after that.
    pub async fn answer_control_change(
        &mut self,
        csp: &Who,
        r: &Registered,
        notice: &ChangeNotice,
        firm: &Firm,
    ) -> Result<ChangeNotice, RegistryError> {
        let ChangeKind::ControlChange { controls } = &notice.kind else {
            return Err(RegistryError::from(Refusal::conflict(
                "change.no_audit_needed",
                "この変更届は追加監査の対象ではありません。",
                "This change notice does not need an additional audit.",
            )));
        };
        let start = shift(tokyo_date(notice.filed_at), 1);
        let end = shift(start.checked_add(3.months()).unwrap_or(start), -1);
        let period = AuditPeriod::new(start, end)?;
        let scope = AuditScope::Controls(controls.clone());
        let eng = self
            .audit_with(csp, &r.statement, firm, scope, period, 10)
            .await?;
        let out = submit_change_audit(
            csp,
            notice,
            &r.registration,
            &eng,
            &firm.name,
            noon(shift(end, 11)),
        )?;
        self.ledger.put(&out.state);
        self.ledger.events(out.events);
        Ok(out.state)
    }

    /// A flash report on `on`, confirmed a week later when `confirmed` is given.
    pub async fn incident(
        &mut self,
        csp: &Who,
        r: &Registered,
        summary: &str,
        confirmed: Option<IncidentReport>,
        on: Date,
    ) -> Result<Incident, RegistryError> {
        let id = self.id("incident").await?;
        let out = report_incident(csp, id, &r.service, &r.registration, summary, noon(on))?;
        self.ledger.events(out.events);
        let mut inc = out.state;
        if let Some(report) = confirmed {
            let out = confirm_incident(csp, &inc, report, noon(shift(on, 7)))?;
            self.ledger.events(out.events);
            inc = out.state;
        }
        self.ledger.put(&inc);
        Ok(inc)
    }

    pub fn suspend(
        &mut self,
        r: &mut Registered,
        reason: &str,
        on: Date,
    ) -> Result<(), RegistryError> {
        let out = suspend_registration(&self.cast.committee, &r.registration, reason, noon(on))?;
        self.finish(r, out)
    }

    pub fn revoke(
        &mut self,
        r: &mut Registered,
        reason: &str,
        on: Date,
    ) -> Result<(), RegistryError> {
        let out = revoke_registration(&self.cast.committee, &r.registration, reason, noon(on))?;
        self.finish(r, out)
    }

    /// Marks the registration expired on `on` (after its last valid day).
    pub fn expire(&mut self, r: &mut Registered, on: Date) -> Result<(), RegistryError> {
        let out = expire(&r.registration, noon(on))?;
        self.finish(r, out)
    }

    fn finish(
        &mut self,
        r: &mut Registered,
        out: kasumi_lifecycle::Outcome<Registration>,
    ) -> Result<(), RegistryError> {
        self.ledger.put(&out.state);
        self.ledger.events(out.events);
        r.registration = out.state;
        Ok(())
    }
}

/// A CSP acting for organisation `org`.
pub fn csp(org: i64) -> Who {
    Who::new(Role::Csp, org, 0)
}
