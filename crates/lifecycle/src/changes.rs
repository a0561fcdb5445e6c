//! Change notices (変更届) and incident reports (速報 → 確報) on a registered service.

use kasumi_core::{Micros, Role};
use kasumi_ismap::{Catalog, Kind};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, OrgId};
use crate::dates::tokyo_date;
use crate::engagement::{Engagement, EngagementStatus, Report};
use crate::error::{Refusal, require_text, wrong_state};
use crate::event::{Event, Outcome, RemarkKind, Subject};
use crate::registration::Registration;
use crate::service::Service;

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeKind {
    /// 統制変更: how individual controls are implemented or operated
    /// (rules, procedures, tools, or a control moving from not adopted to
    /// adopted). Needs an additional audit.
    ControlChange {
        controls: Vec<String>,
    },
    /// A selectable region was added. Not by itself a control change.
    RegionAdded {
        region: String,
    },
    /// Reorganisation, name change of a department, etc.: not a control change.
    Organisational,
    Other,
}

impl ChangeKind {
    pub fn code(&self) -> &'static str {
        match self {
            ChangeKind::ControlChange { .. } => "control_change",
            ChangeKind::RegionAdded { .. } => "region_added",
            ChangeKind::Organisational => "organisational",
            ChangeKind::Other => "other",
        }
    }

    /// Only a control change needs an additional audit.
    pub fn needs_additional_audit(&self) -> bool {
        matches!(self, ChangeKind::ControlChange { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeNotice {
    pub id: i64,
    pub service_id: i64,
    pub registration_id: i64,
    pub csp_org: OrgId,
    pub kind: ChangeKind,
    pub description: String,
    pub needs_additional_audit: bool,
    pub filed_at: Micros,
    /// The additional audit submitted for a control change.
    #[serde(default)]
    pub additional_audit: Option<ChangeAudit>,
}

/// The additional audit (追加監査) that answers a control change: an issued
/// report of an audit covering every changed control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeAudit {
    pub engagement_id: i64,
    pub submitted_at: Micros,
}

impl ChangeNotice {
    /// A control change whose additional audit has not been submitted yet.
    pub fn awaits_additional_audit(&self) -> bool {
        self.needs_additional_audit && self.additional_audit.is_none()
    }

    fn changed_controls(&self) -> &[String] {
        match &self.kind {
            ChangeKind::ControlChange { controls } => controls,
            _ => &[],
        }
    }

    /// Whether `engagement` can answer this control change: an audit of the
    /// same service, reported, whose period began on or after the day the
    /// change was notified (so it examines the changed operation), covering
    /// every changed control. Gives the issued report.
    pub fn audit_fits<'e>(&self, engagement: &'e Engagement) -> Result<&'e Report, Refusal> {
        if engagement.service_id != self.service_id {
            return Err(Refusal::invalid(
                "change.audit_other_service",
                "この監査は別のサービスに対するものです。",
                "The audit is of another service.",
            ));
        }
        let Some(report) = engagement
            .report
            .as_ref()
            .filter(|_| engagement.status == EngagementStatus::Reported)
        else {
            return Err(wrong_state(
                "change.audit_not_reported",
                "追加監査として提出",
                "submit as the additional audit",
                engagement.status.code(),
            ));
        };
        let notified_on = tokyo_date(self.filed_at);
        if engagement.period.start < notified_on {
            return Err(Refusal::invalid(
                "change.audit_before_notice",
                format!(
                    "この監査の対象期間（{} から）は変更届（{notified_on}）より前に始まっています。変更後の運用を対象とした監査を提出してください。",
                    engagement.period.start
                ),
                format!(
                    "The audit period (from {}) began before the change notice ({notified_on}); submit an audit of the operation after the change.",
                    engagement.period.start
                ),
            ));
        }
        let missing: Vec<&str> = self
            .changed_controls()
            .iter()
            .filter(|c| !engagement.controls.contains(c))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            let list = missing.join(", ");
            return Err(Refusal::invalid(
                "change.audit_scope_missing",
                format!("この監査は変更した管理策 {list} を対象にしていません。"),
                format!("The audit does not cover the changed controls {list}."),
            ));
        }
        Ok(report)
    }
}

/// The CSP reports changes and incidents while the service is on the list
/// (registered, renewal pending or suspended).
fn reportable(reg: &Registration, now: Micros) -> Result<(), Refusal> {
    let today = tokyo_date(now);
    if reg.is_listed_on(today) {
        Ok(())
    } else {
        Err(wrong_state(
            "registration.not_active",
            "届出",
            "file a notice",
            reg.status_on(today).code(),
        ))
    }
}

/// Changed controls must be detailed (4-digit) controls of the catalog the
/// registered statement was made against: an id no audit can cover would
/// leave the notice waiting for ever.
fn check_changed_controls(controls: &[String], catalog: &Catalog) -> Result<(), Refusal> {
    if controls.is_empty() {
        return Err(Refusal::invalid(
            "change.controls_missing",
            "変更した管理策を指定してください。",
            "Name the controls that changed.",
        ));
    }
    let unknown: Vec<&str> = controls
        .iter()
        .filter(|c| {
            !catalog
                .items
                .iter()
                .any(|i| &i.id == *c && i.kind == Some(Kind::Control))
        })
        .map(String::as_str)
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let list = unknown.join(", ");
    let version = &catalog.version.id;
    Err(Refusal::invalid(
        "change.unknown_control",
        format!("管理基準 {version} の詳細管理策（4桁）ではありません: {list}"),
        format!("Not a detailed (4-digit) control of criteria {version}: {list}"),
    ))
}

/// A CSP files a change notice for its registered service. A region
/// addition also adds the region to the service's selectable regions.
/// `catalog` is the version the registered statement was made against.
#[allow(clippy::too_many_arguments)]
pub fn file_change_notice(
    actor: &Actor,
    id: i64,
    service: &Service,
    reg: &Registration,
    catalog: &Catalog,
    kind: ChangeKind,
    description: &str,
    now: Micros,
) -> Result<Outcome<(ChangeNotice, Service)>, Refusal> {
    actor.require_owner(
        service.csp_org,
        "サービスの変更届",
        "service's change notice",
    )?;
    if reg.service_id != service.id {
        return Err(Refusal::invalid(
            "change.registration_mismatch",
            "登録がこのサービスのものではありません。",
            "The registration is not this service's.",
        ));
    }
    reportable(reg, now)?;
    require_text("description", description)?;
    let mut svc = service.clone();
    let (remark_kind, ja, en) = match &kind {
        ChangeKind::ControlChange { controls } => {
            check_changed_controls(controls, catalog)?;
            let list = controls.join(", ");
            (
                RemarkKind::ControlChange,
                format!("統制変更の届出（{list}）: {description}（追加監査の対象）"),
                format!(
                    "Control change notified ({list}): {description} (subject to additional audit)"
                ),
            )
        }
        ChangeKind::RegionAdded { region } => {
            require_text("region", region)?;
            if !svc.draft.regions.contains(region) {
                svc.draft.regions.push(region.clone());
                svc.updated_at = now;
            }
            (
                RemarkKind::RegionAdded,
                format!("リージョン「{region}」の追加の届出: {description}"),
                format!("Region \"{region}\" added: {description}"),
            )
        }
        ChangeKind::Organisational | ChangeKind::Other => (
            RemarkKind::ChangeNotice,
            format!("変更届: {description}"),
            format!("Change notified: {description}"),
        ),
    };
    let notice = ChangeNotice {
        id,
        service_id: service.id,
        registration_id: reg.id,
        csp_org: service.csp_org,
        needs_additional_audit: kind.needs_additional_audit(),
        kind,
        description: description.to_string(),
        filed_at: now,
        additional_audit: None,
    };
    let ev = Event::new(
        now,
        Some(actor),
        "change.filed",
        Subject::ChangeNotice(id),
        ja,
        en,
    )
    .public(service.id, remark_kind);
    Ok(Outcome::new((notice, svc), vec![ev]))
}

/// The CSP submits the additional audit of a control change while the
/// service is on the list: an audit of the same service whose period began
/// on or after the day of the notice and which covered every changed
/// control. The public remarks record it.
pub fn submit_change_audit(
    actor: &Actor,
    notice: &ChangeNotice,
    reg: &Registration,
    engagement: &Engagement,
    firm_name: &str,
    now: Micros,
) -> Result<Outcome<ChangeNotice>, Refusal> {
    actor.require(&[Role::Csp], "追加監査の提出", "submit an additional audit")?;
    actor.require_org(notice.csp_org, "変更届", "change notice")?;
    if reg.id != notice.registration_id {
        return Err(Refusal::invalid(
            "change.registration_mismatch",
            "登録がこの変更届のものではありません。",
            "The registration is not this change notice's.",
        ));
    }
    reportable(reg, now)?;
    if !notice.needs_additional_audit {
        return Err(Refusal::conflict(
            "change.no_audit_needed",
            "この変更届は追加監査の対象ではありません。",
            "This change notice does not need an additional audit.",
        ));
    }
    if notice.additional_audit.is_some() {
        return Err(Refusal::conflict(
            "change.audit_already_submitted",
            "この変更届の追加監査は提出済みです。",
            "The additional audit of this change notice was already submitted.",
        ));
    }
    let report = notice.audit_fits(engagement)?;
    let mut next = notice.clone();
    next.additional_audit = Some(ChangeAudit {
        engagement_id: engagement.id,
        submitted_at: now,
    });
    let list = notice.changed_controls().join(", ");
    let ev = Event::new(
        now,
        Some(actor),
        "change.audit_submitted",
        Subject::ChangeNotice(notice.id),
        format!(
            "統制変更（{list}）の追加監査の実施結果報告書（監査機関: {firm_name}、{}発行）が提出されました。",
            report.issued_on
        ),
        format!(
            "The additional audit report for the control change ({list}) was submitted (audit firm: {firm_name}, issued {}).",
            report.issued_on
        ),
    )
    .public(notice.service_id, RemarkKind::AdditionalAudit);
    Ok(Outcome::new(next, vec![ev]))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// 速報 filed; the confirmed report is awaited.
    Flash,
    /// 確報 filed.
    Confirmed,
}

impl IncidentStatus {
    pub fn code(self) -> &'static str {
        match self {
            IncidentStatus::Flash => "flash",
            IncidentStatus::Confirmed => "confirmed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentReport {
    pub at: Micros,
    pub summary: String,
    #[serde(default)]
    pub cause: String,
    #[serde(default)]
    pub measures: String,
}

/// An incident on a registered service. Its details are visible to the CSP,
/// IPA and the committee ([`crate::visibility::can_view_incident`]); the
/// public remark only says that a report was filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: i64,
    pub service_id: i64,
    pub registration_id: i64,
    pub csp_org: OrgId,
    pub status: IncidentStatus,
    pub flash: IncidentReport,
    pub confirmed: Option<IncidentReport>,
}

/// A CSP files the flash report (速報) of an incident.
pub fn report_incident(
    actor: &Actor,
    id: i64,
    service: &Service,
    reg: &Registration,
    summary: &str,
    now: Micros,
) -> Result<Outcome<Incident>, Refusal> {
    actor.require_owner(
        service.csp_org,
        "サービスのインシデント",
        "service's incident",
    )?;
    if reg.service_id != service.id {
        return Err(Refusal::invalid(
            "change.registration_mismatch",
            "登録がこのサービスのものではありません。",
            "The registration is not this service's.",
        ));
    }
    reportable(reg, now)?;
    require_text("summary", summary)?;
    let inc = Incident {
        id,
        service_id: service.id,
        registration_id: reg.id,
        csp_org: service.csp_org,
        status: IncidentStatus::Flash,
        flash: IncidentReport {
            at: now,
            summary: summary.to_string(),
            cause: String::new(),
            measures: String::new(),
        },
        confirmed: None,
    };
    let ev = Event::new(
        now,
        Some(actor),
        "incident.flash",
        Subject::Incident(id),
        "セキュリティインシデントの速報が提出されました。",
        "A flash report of a security incident was filed.",
    )
    .public(service.id, RemarkKind::IncidentFlash);
    Ok(Outcome::new(inc, vec![ev]))
}

/// The CSP files the confirmed report (確報) after the flash report.
pub fn confirm_incident(
    actor: &Actor,
    incident: &Incident,
    report: IncidentReport,
    now: Micros,
) -> Result<Outcome<Incident>, Refusal> {
    actor.require(
        &[Role::Csp],
        "確報の提出",
        "file a confirmed incident report",
    )?;
    actor.require_org(incident.csp_org, "インシデント", "incident")?;
    if incident.status != IncidentStatus::Flash {
        return Err(wrong_state(
            "incident.not_flash",
            "確報を提出",
            "file the confirmed report",
            incident.status.code(),
        ));
    }
    require_text("summary", &report.summary)?;
    require_text("cause", &report.cause)?;
    require_text("measures", &report.measures)?;
    let mut next = incident.clone();
    next.status = IncidentStatus::Confirmed;
    next.confirmed = Some(IncidentReport { at: now, ..report });
    let ev = Event::new(
        now,
        Some(actor),
        "incident.confirmed",
        Subject::Incident(incident.id),
        "セキュリティインシデントの確報が提出されました。",
        "The confirmed report of a security incident was filed.",
    )
    .public(incident.service_id, RemarkKind::IncidentConfirmed);
    Ok(Outcome::new(next, vec![ev]))
}
