//! Audit engagements: a CSP engages a listed firm for a submitted statement;
//! the firm's auditors record per-control results and issue the
//! 実施結果報告書 (facts per control, no opinion).

use jiff::civil::Date;
use kasumi_core::{Micros, Role};
use kasumi_ismap::{Catalog, Kind, Part};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, OrgId, UserId};
use crate::dates::{AuditPeriod, tokyo_date};
use crate::error::{Refusal, wrong_state};
use crate::event::{Event, Outcome, Subject};
use crate::firm::{Firm, FirmStatus};
use crate::statement::{Statement, StatementContent, StatementStatus};

/// Which parts of the adopted criteria an audit covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "controls", rename_all = "snake_case")]
pub enum AuditScope {
    /// Every adopted control in all three parts (first registration, and
    /// renewals in a year when the management criteria are due).
    Full,
    /// Renewal in a year off the management-criteria cycle (valid ISMS
    /// certificate): governance and control criteria only.
    WithoutManagement,
    /// ISMAP-LIU: the adopted LIU-critical controls only.
    Liu,
    /// Additional audit (追加監査) of the listed controls.
    Controls(Vec<String>),
}

impl AuditScope {
    pub fn code(&self) -> &'static str {
        match self {
            AuditScope::Full => "full",
            AuditScope::WithoutManagement => "without_management",
            AuditScope::Liu => "liu",
            AuditScope::Controls(_) => "controls",
        }
    }

    /// Whether the part is examined at all under this scope.
    pub fn covers_part(&self, part: Part) -> bool {
        !matches!(
            (self, part),
            (AuditScope::WithoutManagement, Part::Management)
        )
    }

    /// The 4-digit controls this scope puts under audit: adopted in the
    /// statement and selected by the scope, in catalog order.
    pub fn controls_in_scope(
        &self,
        statement: &StatementContent,
        catalog: &Catalog,
    ) -> Vec<String> {
        catalog
            .items
            .iter()
            .filter(|i| i.kind == Some(Kind::Control) && statement.is_adopted(&i.id))
            .filter(|i| match self {
                AuditScope::Full => true,
                AuditScope::WithoutManagement => i.part() != Some(Part::Management),
                AuditScope::Liu => i.liu_critical,
                AuditScope::Controls(ids) => ids.contains(&i.id),
            })
            .map(|i| i.id.clone())
            .collect()
    }
}

/// An ISMS (JIS Q 27001) certificate held by the CSP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsmsCertificate {
    pub number: String,
    pub valid_until: Date,
    /// The certificate's scope covers the service.
    pub covers_service: bool,
}

/// Default length, in years, of the management-criteria cycle with a valid
/// ISMS certificate (unconfirmed: keep configurable).
pub const DEFAULT_MANAGEMENT_CYCLE_YEARS: i16 = 3;

/// The scope of a renewal audit ending on `audit_end`. The management
/// criteria may be left out when an ISMS certificate covering the service
/// is valid through the audit end and the management criteria were audited
/// in an audit that ended less than `cycle_years` years before `audit_end`.
/// Otherwise the audit is [`AuditScope::Full`].
pub fn renewal_scope(
    isms: Option<&IsmsCertificate>,
    audit_end: Date,
    last_management_audit_end: Option<Date>,
    cycle_years: i16,
) -> AuditScope {
    let cert_ok = isms.is_some_and(|c| c.covers_service && c.valid_until >= audit_end);
    let within_cycle = last_management_audit_end.is_some_and(|last| {
        last < audit_end
            && last
                .checked_add(jiff::Span::new().years(cycle_years))
                .is_ok_and(|due| audit_end < due)
    });
    if cert_ok && within_cycle {
        AuditScope::WithoutManagement
    } else {
        AuditScope::Full
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// 閲覧 (inspection of documents and records).
    Inspection,
    /// 質問 (inquiry).
    Inquiry,
    /// 観察 (observation).
    Observation,
    /// 再実施 (re-performance).
    Reperformance,
}

impl Procedure {
    pub fn code(self) -> &'static str {
        match self {
            Procedure::Inspection => "inspection",
            Procedure::Inquiry => "inquiry",
            Procedure::Observation => "observation",
            Procedure::Reperformance => "reperformance",
        }
    }
}

/// What the procedure found for design (整備状況) or operation (運用状況).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum TestResult {
    NoException,
    Exception { description: String },
}

impl TestResult {
    pub fn is_exception(&self) -> bool {
        matches!(self, TestResult::Exception { .. })
    }
}

/// A reference to evidence kept elsewhere (the store holds the bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
    pub size: u64,
    #[serde(default)]
    pub name: String,
}

/// What an auditor enters for one control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultInput {
    pub control: String,
    pub procedures: Vec<Procedure>,
    pub design: TestResult,
    pub operating: TestResult,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlResult {
    #[serde(flatten)]
    pub input: ResultInput,
    pub recorded_at: Micros,
    pub recorded_by: UserId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub issued_on: Date,
    pub issued_at: Micros,
    pub issued_by: UserId,
    /// Issued after the due date.
    pub late: bool,
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EngagementStatus {
    /// Agreed; the auditor records results.
    Engaged,
    /// The 実施結果報告書 is issued; the engagement is closed.
    Reported,
    /// Withdrawn by the CSP before the report.
    Cancelled,
}

impl EngagementStatus {
    pub fn code(self) -> &'static str {
        match self {
            EngagementStatus::Engaged => "engaged",
            EngagementStatus::Reported => "reported",
            EngagementStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engagement {
    pub id: i64,
    pub service_id: i64,
    pub csp_org: OrgId,
    pub firm_id: i64,
    pub firm_org: OrgId,
    pub statement_id: i64,
    pub catalog_version: String,
    pub scope: AuditScope,
    /// The 4-digit controls under audit, fixed when engaged.
    pub controls: Vec<String>,
    pub period: AuditPeriod,
    pub status: EngagementStatus,
    pub results: Vec<ControlResult>,
    pub report: Option<Report>,
    pub engaged_at: Micros,
}

impl Engagement {
    /// The last day the report is on time (3 months after the period ends).
    pub fn report_due(&self) -> Date {
        self.period.report_due()
    }

    /// No report yet and `today` is past the due date.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.status == EngagementStatus::Engaged && today > self.report_due()
    }

    pub fn result(&self, control: &str) -> Option<&ControlResult> {
        self.results.iter().find(|r| r.input.control == control)
    }

    /// Controls in scope without a recorded result, in scope order.
    pub fn missing_results(&self) -> Vec<&str> {
        self.controls
            .iter()
            .filter(|c| self.result(c).is_none())
            .map(String::as_str)
            .collect()
    }
}

/// A CSP engages a listed firm to audit its submitted statement.
#[allow(clippy::too_many_arguments)]
pub fn engage(
    actor: &Actor,
    id: i64,
    statement: &Statement,
    firm: &Firm,
    catalog: &Catalog,
    scope: AuditScope,
    period: AuditPeriod,
    now: Micros,
) -> Result<Outcome<Engagement>, Refusal> {
    actor.require_owner(statement.csp_org, "言明書", "statement")?;
    if statement.status != StatementStatus::Submitted {
        return Err(wrong_state(
            "engagement.statement_not_submitted",
            "監査を依頼",
            "engage an audit",
            statement.status.code(),
        ));
    }
    if firm.status != FirmStatus::Listed {
        return Err(Refusal::conflict(
            "engagement.firm_not_listed",
            format!(
                "監査機関「{}」は現在リストに掲載されていません。",
                firm.name
            ),
            format!("Audit firm \"{}\" is not listed at present.", firm.name),
        ));
    }
    if firm.related_to(statement.csp_org) {
        return Err(Refusal::conflict(
            "engagement.firm_related",
            format!(
                "監査機関「{}」は貴社との関係を申告しているため、監査を依頼できません。",
                firm.name
            ),
            format!(
                "Audit firm \"{}\" declared a relationship with your organisation and cannot be engaged.",
                firm.name
            ),
        ));
    }
    if statement.content.catalog_version != catalog.version.id {
        return Err(Refusal::invalid(
            "engagement.catalog_mismatch",
            "言明書と異なる版の管理基準が指定されました。",
            "The catalog given is not the version the statement was made against.",
        ));
    }
    // Re-check the period bounds even if the caller built it by hand.
    let period = AuditPeriod::new(period.start, period.end)?;
    let controls = scope.controls_in_scope(&statement.content, catalog);
    if controls.is_empty() {
        return Err(Refusal::invalid(
            "engagement.empty_scope",
            "監査対象となる採用済みの詳細管理策がありません。",
            "The scope contains no adopted control to audit.",
        ));
    }
    let eng = Engagement {
        id,
        service_id: statement.service_id,
        csp_org: statement.csp_org,
        firm_id: firm.id,
        firm_org: firm.org,
        statement_id: statement.id,
        catalog_version: catalog.version.id.clone(),
        scope,
        controls,
        period,
        status: EngagementStatus::Engaged,
        results: Vec::new(),
        report: None,
        engaged_at: now,
    };
    let ev = Event::new(
        now,
        Some(actor),
        "engagement.engaged",
        Subject::Engagement(id),
        format!(
            "監査機関「{}」に監査を依頼しました（監査期間 {} 〜 {}）。",
            firm.name, period.start, period.end
        ),
        format!(
            "Engaged audit firm \"{}\" (audit period {} to {}).",
            firm.name, period.start, period.end
        ),
    );
    Ok(Outcome::new(eng, vec![ev]))
}

fn require_firm_auditor(actor: &Actor, eng: &Engagement) -> Result<(), Refusal> {
    actor.require(&[Role::Auditor], "監査結果の記録", "record audit results")?;
    actor.require_org(eng.firm_org, "監査業務", "engagement")
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// An auditor of the engaged firm records (or replaces) the result for one control in scope.
pub fn record_result(
    actor: &Actor,
    eng: &Engagement,
    input: ResultInput,
    now: Micros,
) -> Result<Outcome<Engagement>, Refusal> {
    require_firm_auditor(actor, eng)?;
    if eng.status != EngagementStatus::Engaged {
        return Err(wrong_state(
            "engagement.not_open",
            "結果を記録",
            "record results",
            eng.status.code(),
        ));
    }
    let c = input.control.clone();
    if !eng.controls.contains(&c) {
        return Err(Refusal::invalid(
            "engagement.control_out_of_scope",
            format!("{c} はこの監査の対象外です。"),
            format!("{c} is not in this audit's scope."),
        ));
    }
    if input.procedures.is_empty() {
        return Err(Refusal::invalid(
            "engagement.procedure_missing",
            format!("{c} の手続（閲覧・質問・観察・再実施）を選んでください。"),
            format!("Choose the procedure(s) used for {c}."),
        ));
    }
    for r in [&input.design, &input.operating] {
        if let TestResult::Exception { description } = r
            && description.trim().is_empty()
        {
            return Err(Refusal::invalid(
                "engagement.exception_undescribed",
                format!("{c} の例外事項の内容を記載してください。"),
                format!("Describe the exception found for {c}."),
            ));
        }
    }
    if let Some(e) = input.evidence.iter().find(|e| !is_sha256(&e.sha256)) {
        return Err(Refusal::invalid(
            "engagement.bad_evidence_hash",
            format!(
                "証跡のハッシュ値が SHA-256（16進64桁、小文字）ではありません: {}",
                e.sha256
            ),
            format!(
                "Evidence hash is not a lower-case hex SHA-256: {}",
                e.sha256
            ),
        ));
    }
    let mut next = eng.clone();
    next.results.retain(|r| r.input.control != c);
    next.results.push(ControlResult {
        input,
        recorded_at: now,
        recorded_by: actor.user,
    });
    let ev = Event::new(
        now,
        Some(actor),
        "engagement.result_recorded",
        Subject::Engagement(eng.id),
        format!("{c} の監査結果を記録しました。"),
        format!("Recorded the audit result for {c}."),
    );
    Ok(Outcome::new(next, vec![ev]))
}

/// An auditor of the engaged firm issues the 実施結果報告書: the period must
/// be over and every control in scope must have a result. A report after
/// the due date is accepted and marked late.
pub fn issue_report(
    actor: &Actor,
    eng: &Engagement,
    summary: &str,
    now: Micros,
) -> Result<Outcome<Engagement>, Refusal> {
    require_firm_auditor(actor, eng)?;
    if eng.status != EngagementStatus::Engaged {
        return Err(wrong_state(
            "engagement.not_open",
            "報告書を発行",
            "issue the report",
            eng.status.code(),
        ));
    }
    let today = tokyo_date(now);
    if today <= eng.period.end {
        return Err(Refusal::conflict(
            "engagement.period_not_over",
            format!(
                "監査期間（{} まで）が終わるまで報告書は発行できません。",
                eng.period.end
            ),
            format!(
                "The report cannot be issued before the audit period ends ({}).",
                eng.period.end
            ),
        ));
    }
    let missing = eng.missing_results();
    if !missing.is_empty() {
        let details = missing
            .iter()
            .map(|c| {
                crate::error::Message::new(
                    "engagement.result_missing",
                    format!("{c} の結果が未記録です。"),
                    format!("{c} has no result."),
                )
                .about(*c)
            })
            .collect();
        return Err(Refusal::conflict(
            "engagement.results_incomplete",
            format!("{}件の管理策の結果が未記録です。", missing.len()),
            format!("{} control(s) in scope have no result yet.", missing.len()),
        )
        .with_details(details));
    }
    let late = today > eng.report_due();
    let mut next = eng.clone();
    next.status = EngagementStatus::Reported;
    next.report = Some(Report {
        issued_on: today,
        issued_at: now,
        issued_by: actor.user,
        late,
        summary: summary.to_string(),
    });
    let ev = Event::new(
        now,
        Some(actor),
        "engagement.reported",
        Subject::Engagement(eng.id),
        format!(
            "実施結果報告書を発行しました{}。",
            if late { "（期限後）" } else { "" }
        ),
        format!(
            "Issued the report on the audit{}.",
            if late { " (after the due date)" } else { "" }
        ),
    );
    Ok(Outcome::new(next, vec![ev]))
}

/// The CSP withdraws an engagement that has no report yet.
pub fn cancel_engagement(
    actor: &Actor,
    eng: &Engagement,
    now: Micros,
) -> Result<Outcome<Engagement>, Refusal> {
    actor.require_owner(eng.csp_org, "監査依頼", "engagement")?;
    if eng.status != EngagementStatus::Engaged {
        return Err(wrong_state(
            "engagement.not_open",
            "監査依頼を取り下げ",
            "cancel the engagement",
            eng.status.code(),
        ));
    }
    let mut next = eng.clone();
    next.status = EngagementStatus::Cancelled;
    let ev = Event::new(
        now,
        Some(actor),
        "engagement.cancelled",
        Subject::Engagement(eng.id),
        "監査依頼を取り下げました。",
        "Cancelled the engagement.",
    );
    Ok(Outcome::new(next, vec![ev]))
}
