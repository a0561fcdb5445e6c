//! Applications for registration or renewal, IPA's acceptance check and
//! technical review, and the committee's decision.
//!
//! ```text
//! submitted ──accept──▶ under_review ──complete_review──▶ awaiting_decision ──decide──▶ registered | rejected
//!    │  ▲                 │  ▲   │  ▲
//! return resubmit  request_correction │ request_additional_audit / adoption changed
//!    ▼  │                 ▼  │   ▼  │
//! returned         correction_requested  additional_audit_requested
//! (any open state) ──withdraw──▶ withdrawn
//! ```

use jiff::civil::Date;
use kasumi_core::{Micros, Role};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, OrgId, UserId};
use crate::dates::tokyo_date;
use crate::engagement::{AuditScope, Engagement, EngagementStatus};
use crate::error::{Refusal, require_text, wrong_state};
use crate::event::{Event, Outcome, RemarkKind, Subject};
use crate::liu::ImpactAssessment;
use crate::registration::{NumberFormat, Registration, RegistrationNumber, RegistrationStatus};
use crate::service::{Service, ServiceModel};
use crate::statement::{Statement, StatementStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ApplicationKind {
    New,
    Renewal { registration_id: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "track", rename_all = "snake_case")]
pub enum Track {
    Standard,
    /// ISMAP-LIU, on the strength of an agency's low impact assessment.
    Liu {
        assessment_id: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    Statement,
    AuditReport,
    /// The CSP's own internal-audit report (required on the LIU track).
    InternalAuditReport,
    IsmsCertificate,
    Disclosure,
    Other,
}

/// A file attached to the application (bytes are stored elsewhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub kind: AttachmentKind,
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewComment {
    pub at: Micros,
    pub by: UserId,
    /// The control the comment is about (`None`: the application as a whole).
    pub control: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionRequest {
    pub requested_at: Micros,
    pub items: Vec<ReviewComment>,
    pub response: Option<CorrectionResponse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionResponse {
    pub at: Micros,
    pub text: String,
    /// The revised statement, if the correction changed it.
    pub statement_id: Option<i64>,
}

/// 追加監査: the controls whose adoption changed during review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdditionalAuditRequest {
    pub requested_at: Micros,
    pub controls: Vec<String>,
    pub engagement_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionOutcome {
    Register,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub at: Micros,
    pub decided_on: Date,
    pub outcome: DecisionOutcome,
    pub reasons: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// Waiting for IPA's acceptance check (受理確認).
    Submitted,
    /// Not accepted; the CSP may complete it and resubmit.
    Returned,
    /// Technical review (技術的審査) by IPA.
    UnderReview,
    CorrectionRequested,
    AdditionalAuditRequested,
    /// Review complete; waiting for the committee.
    AwaitingDecision,
    Registered,
    Rejected,
    Withdrawn,
}

impl ApplicationStatus {
    pub fn code(self) -> &'static str {
        match self {
            ApplicationStatus::Submitted => "submitted",
            ApplicationStatus::Returned => "returned",
            ApplicationStatus::UnderReview => "under_review",
            ApplicationStatus::CorrectionRequested => "correction_requested",
            ApplicationStatus::AdditionalAuditRequested => "additional_audit_requested",
            ApplicationStatus::AwaitingDecision => "awaiting_decision",
            ApplicationStatus::Registered => "registered",
            ApplicationStatus::Rejected => "rejected",
            ApplicationStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn is_open(self) -> bool {
        !matches!(
            self,
            ApplicationStatus::Registered
                | ApplicationStatus::Rejected
                | ApplicationStatus::Withdrawn
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: i64,
    pub service_id: i64,
    pub csp_org: OrgId,
    pub kind: ApplicationKind,
    pub track: Track,
    pub statement_id: i64,
    pub engagement_id: i64,
    pub firm_id: i64,
    pub audit_end: Date,
    pub attachments: Vec<Attachment>,
    pub status: ApplicationStatus,
    pub submitted_at: Micros,
    pub returned_reason: Option<String>,
    pub comments: Vec<ReviewComment>,
    pub corrections: Vec<CorrectionRequest>,
    pub additional_audits: Vec<AdditionalAuditRequest>,
    pub decision: Option<Decision>,
}

impl Application {
    fn subject(&self) -> Subject {
        Subject::Application(self.id)
    }

    fn require_status(
        &self,
        allowed: &[ApplicationStatus],
        ja: &str,
        en: &str,
    ) -> Result<(), Refusal> {
        if allowed.contains(&self.status) {
            Ok(())
        } else {
            Err(wrong_state(
                "application.wrong_state",
                ja,
                en,
                self.status.code(),
            ))
        }
    }

    pub fn has_attachment(&self, kind: AttachmentKind) -> bool {
        self.attachments.iter().any(|a| a.kind == kind)
    }
}

/// What the CSP sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyInput {
    pub kind: ApplicationKind,
    pub track: Track,
    pub attachments: Vec<Attachment>,
}

/// The records `apply` checks the application against.
#[derive(Debug, Clone, Copy)]
pub struct ApplyContext<'a> {
    pub service: &'a Service,
    pub statement: &'a Statement,
    pub engagement: &'a Engagement,
    /// The registration being renewed (renewals only).
    pub registration: Option<&'a Registration>,
    /// The agency's impact assessment (LIU track only).
    pub assessment: Option<&'a ImpactAssessment>,
    /// The service's applications so far (at most one may be open).
    pub service_applications: &'a [Application],
    /// The service's registrations (a listed one is renewed, not applied for anew).
    pub service_registrations: &'a [Registration],
}

fn missing_attachment(kind: AttachmentKind, ja: &str, en: &str) -> Refusal {
    let _ = kind;
    Refusal::invalid(
        "application.attachment_missing",
        format!("{ja}を添付してください。"),
        format!("Attach the {en}."),
    )
}

fn ipa(actor: &Actor, ja: &str, en: &str) -> Result<(), Refusal> {
    actor.require(&[Role::IpaReviewer], ja, en)
}

/// A CSP applies for registration (or renewal) of its own service. A
/// renewal puts the registration into `renewal_pending`, which keeps it
/// valid past its last valid day until the committee decides.
pub fn apply(
    actor: &Actor,
    id: i64,
    input: ApplyInput,
    ctx: ApplyContext<'_>,
    now: Micros,
) -> Result<Outcome<(Application, Option<Registration>)>, Refusal> {
    let ApplyContext {
        service,
        statement,
        engagement,
        registration,
        assessment,
        service_applications,
        service_registrations,
    } = ctx;
    actor.require_owner(service.csp_org, "サービスの申請", "service's application")?;
    if let Some(open) = service_applications
        .iter()
        .find(|a| a.service_id == service.id && a.id != id && a.status.is_open())
    {
        return Err(Refusal::conflict(
            "application.already_open",
            format!(
                "このサービスには処理中の申請（#{}）があります。取り下げるか決定を待ってください。",
                open.id
            ),
            format!(
                "This service already has an application in progress (#{}); withdraw it or wait for its decision.",
                open.id
            ),
        ));
    }
    let today = tokyo_date(now);
    if input.kind == ApplicationKind::New
        && let Some(listed) = service_registrations
            .iter()
            .find(|r| r.service_id == service.id && r.is_listed_on(today))
    {
        return Err(Refusal::conflict(
            "application.already_registered",
            format!(
                "このサービスは登録されています（{}）。更新の申請を行ってください。",
                listed.number_text
            ),
            format!(
                "This service is registered ({}); apply for renewal instead.",
                listed.number_text
            ),
        ));
    }
    if statement.service_id != service.id || engagement.service_id != service.id {
        return Err(Refusal::invalid(
            "application.records_mismatch",
            "言明書または監査が別のサービスのものです。",
            "The statement or the audit belongs to another service.",
        ));
    }
    if statement.status != StatementStatus::Submitted {
        return Err(wrong_state(
            "application.statement_not_submitted",
            "申請",
            "apply",
            statement.status.code(),
        ));
    }
    if engagement.status != EngagementStatus::Reported {
        return Err(Refusal::conflict(
            "application.report_missing",
            "実施結果報告書が発行されていないため申請できません。",
            "The audit report has not been issued yet.",
        ));
    }
    if engagement.statement_id != statement.id {
        return Err(Refusal::invalid(
            "application.audit_of_other_statement",
            "監査は別の言明書に対して行われています。",
            "The audit was made against another statement.",
        ));
    }
    let has = |k| input.attachments.iter().any(|a: &Attachment| a.kind == k);
    if !has(AttachmentKind::Statement) {
        return Err(missing_attachment(
            AttachmentKind::Statement,
            "言明書",
            "statement",
        ));
    }
    if !has(AttachmentKind::AuditReport) {
        return Err(missing_attachment(
            AttachmentKind::AuditReport,
            "実施結果報告書",
            "audit report",
        ));
    }
    match input.track {
        Track::Standard => match (&engagement.scope, input.kind) {
            (AuditScope::Full, _) => {}
            (AuditScope::WithoutManagement, ApplicationKind::Renewal { .. }) => {
                if !has(AttachmentKind::IsmsCertificate) {
                    return Err(missing_attachment(
                        AttachmentKind::IsmsCertificate,
                        "ISMS認証の証明書",
                        "ISMS certificate (the management criteria were not audited this year)",
                    ));
                }
            }
            _ => {
                return Err(Refusal::invalid(
                    "application.scope_insufficient",
                    "この申請には監査範囲が足りません（初回登録は全範囲の監査が必要です）。",
                    "The audit's scope is not enough for this application (a first registration needs a full audit).",
                ));
            }
        },
        Track::Liu { assessment_id } => {
            if service.draft.service_model != ServiceModel::Saas {
                return Err(Refusal::invalid(
                    "liu.saas_only",
                    "ISMAP-LIU は SaaS のみが対象です。",
                    "ISMAP-LIU is for SaaS only.",
                ));
            }
            let Some(a) = assessment.filter(|a| a.id == assessment_id) else {
                return Err(Refusal::invalid(
                    "liu.assessment_missing",
                    "政府機関による業務・情報の影響度評価が必要です。",
                    "An agency's impact assessment is required.",
                ));
            };
            if a.service_id != service.id {
                return Err(Refusal::invalid(
                    "liu.assessment_other_service",
                    "影響度評価は別のサービスに対するものです。",
                    "The impact assessment is for another service.",
                ));
            }
            if !a.qualifies_for_liu() {
                return Err(Refusal::conflict(
                    "liu.impact_not_low",
                    format!(
                        "影響度評価の結果が「{}」のため、ISMAP-LIU では申請できません（低のみ）。",
                        a.input.result.code()
                    ),
                    format!(
                        "The impact assessment result is {}; only a low result allows the LIU track.",
                        a.input.result.code()
                    ),
                ));
            }
            if !matches!(engagement.scope, AuditScope::Liu | AuditScope::Full) {
                return Err(Refusal::invalid(
                    "application.scope_insufficient",
                    "ISMAP-LIU の申請には重要管理策を対象とする監査が必要です。",
                    "The LIU track needs an audit of the LIU-critical controls.",
                ));
            }
            if !has(AttachmentKind::InternalAuditReport) {
                return Err(missing_attachment(
                    AttachmentKind::InternalAuditReport,
                    "内部監査報告書",
                    "internal-audit report",
                ));
            }
        }
    }
    let today = tokyo_date(now);
    let mut events = Vec::new();
    let renewed = match (input.kind, registration) {
        (ApplicationKind::New, None) => None,
        (ApplicationKind::New, Some(_)) => {
            return Err(Refusal::invalid(
                "application.unexpected_registration",
                "新規申請に登録情報は指定できません。",
                "A new application does not renew a registration.",
            ));
        }
        (ApplicationKind::Renewal { .. }, None) => {
            return Err(Refusal::invalid(
                "application.registration_missing",
                "更新する登録を指定してください。",
                "Name the registration to renew.",
            ));
        }
        (ApplicationKind::Renewal { registration_id }, Some(reg)) => {
            if reg.id != registration_id || reg.service_id != service.id {
                return Err(Refusal::invalid(
                    "application.registration_mismatch",
                    "更新する登録がこのサービスのものではありません。",
                    "The registration to renew is not this service's.",
                ));
            }
            let status = reg.status_on(today);
            if status != RegistrationStatus::Registered {
                return Err(Refusal::conflict(
                    "application.not_renewable",
                    format!(
                        "現在の登録状態（{}）では更新申請できません。",
                        status.code()
                    ),
                    format!(
                        "A renewal cannot be applied for in the registration's current state ({}).",
                        status.code()
                    ),
                ));
            }
            let mut next = reg.clone();
            next.status = RegistrationStatus::RenewalPending;
            next.renewal_application = Some(id);
            events.push(
                Event::new(
                    now,
                    Some(actor),
                    "registration.renewal_applied",
                    Subject::Registration(reg.id),
                    "更新申請中です（運営委員会の決定まで登録は有効です）。",
                    "Renewal applied for (the registration stays valid until the committee decides).",
                )
                .public(service.id, RemarkKind::RenewalApplied),
            );
            Some(next)
        }
    };
    let app = Application {
        id,
        service_id: service.id,
        csp_org: service.csp_org,
        kind: input.kind,
        track: input.track,
        statement_id: statement.id,
        engagement_id: engagement.id,
        firm_id: engagement.firm_id,
        audit_end: engagement.period.end,
        attachments: input.attachments,
        status: ApplicationStatus::Submitted,
        submitted_at: now,
        returned_reason: None,
        comments: Vec::new(),
        corrections: Vec::new(),
        additional_audits: Vec::new(),
        decision: None,
    };
    events.insert(
        0,
        Event::new(
            now,
            Some(actor),
            "application.submitted",
            app.subject(),
            format!("サービス「{}」の申請を提出しました。", service.draft.name),
            format!("Applied for \"{}\".", service.draft.name),
        ),
    );
    Ok(Outcome::new((app, renewed), events))
}

/// IPA's acceptance check verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Acceptance {
    Accept,
    Return { reason: String },
}

/// IPA accepts the application for technical review, or returns it.
pub fn acceptance_check(
    actor: &Actor,
    app: &Application,
    verdict: Acceptance,
    now: Micros,
) -> Result<Outcome<Application>, Refusal> {
    ipa(actor, "受理確認", "check an application for acceptance")?;
    app.require_status(
        &[ApplicationStatus::Submitted],
        "受理確認",
        "check the application",
    )?;
    let mut next = app.clone();
    let ev = match verdict {
        Acceptance::Accept => {
            next.status = ApplicationStatus::UnderReview;
            next.returned_reason = None;
            Event::new(
                now,
                Some(actor),
                "application.accepted",
                app.subject(),
                "申請を受理し、技術的審査を開始しました。",
                "Accepted the application; technical review started.",
            )
        }
        Acceptance::Return { reason } => {
            require_text("reason", &reason)?;
            next.status = ApplicationStatus::Returned;
            let ev = Event::new(
                now,
                Some(actor),
                "application.returned",
                app.subject(),
                format!("申請を差し戻しました。理由: {reason}"),
                format!("Returned the application. Reason: {reason}"),
            );
            next.returned_reason = Some(reason);
            ev
        }
    };
    Ok(Outcome::new(next, vec![ev]))
}

/// The CSP completes a returned application and sends it again.
pub fn resubmit(
    actor: &Actor,
    app: &Application,
    attachments: Vec<Attachment>,
    now: Micros,
) -> Result<Outcome<Application>, Refusal> {
    actor.require_owner(app.csp_org, "申請", "application")?;
    app.require_status(&[ApplicationStatus::Returned], "再提出", "resubmit")?;
    let mut next = app.clone();
    next.attachments = attachments;
    for (kind, ja, en) in [
        (AttachmentKind::Statement, "言明書", "statement"),
        (
            AttachmentKind::AuditReport,
            "実施結果報告書",
            "audit report",
        ),
    ] {
        if !next.has_attachment(kind) {
            return Err(missing_attachment(kind, ja, en));
        }
    }
    if matches!(app.track, Track::Liu { .. })
        && !next.has_attachment(AttachmentKind::InternalAuditReport)
    {
        return Err(missing_attachment(
            AttachmentKind::InternalAuditReport,
            "内部監査報告書",
            "internal-audit report",
        ));
    }
    next.status = ApplicationStatus::Submitted;
    next.submitted_at = now;
    let ev = Event::new(
        now,
        Some(actor),
        "application.resubmitted",
        app.subject(),
        "申請を再提出しました。",
        "Resubmitted the application.",
    );
    Ok(Outcome::new(next, vec![ev]))
}

/// IPA records a review comment (on a control or the whole application).
pub fn add_review_comment(
    actor: &Actor,
    app: &Application,
    control: Option<&str>,
    text: &str,
    now: Micros,
) -> Result<Outcome<Application>, Refusal> {
    ipa(actor, "審査コメント", "comment on a review")?;
    app.require_status(
        &[
            ApplicationStatus::UnderReview,
            ApplicationStatus::CorrectionRequested,
            ApplicationStatus::AdditionalAuditRequested,
        ],
        "コメントを追加",
        "comment",
    )?;
    require_text("text", text)?;
    let mut next = app.clone();
    next.comments.push(ReviewComment {
        at: now,
        by: actor.user,
        control: control.map(str::to_string),
        text: text.to_string(),
    });
    let about = control.unwrap_or("-");
    let ev = Event::new(
        now,
        Some(actor),
        "application.commented",
        app.subject(),
        format!("審査コメントを追加しました（{about}）。"),
        format!("Added a review comment ({about})."),
    );
    Ok(Outcome::new(next, vec![ev]))
}

/// IPA asks the CSP for corrections: one item per control (or general).
pub fn request_correction(
    actor: &Actor,
    app: &Application,
    items: Vec<(Option<String>, String)>,
    now: Micros,
) -> Result<Outcome<Application>, Refusal> {
    ipa(actor, "修正依頼", "request corrections")?;
    app.require_status(
        &[ApplicationStatus::UnderReview],
        "修正を依頼",
        "request corrections",
    )?;
    if items.is_empty() || items.iter().any(|(_, t)| t.trim().is_empty()) {
        return Err(Refusal::invalid(
            "application.correction_items_missing",
            "修正依頼の内容を記載してください。",
            "Describe what must be corrected.",
        ));
    }
    let n = items.len();
    let mut next = app.clone();
    next.corrections.push(CorrectionRequest {
        requested_at: now,
        items: items
            .into_iter()
            .map(|(control, text)| ReviewComment {
                at: now,
                by: actor.user,
                control,
                text,
            })
            .collect(),
        response: None,
    });
    next.status = ApplicationStatus::CorrectionRequested;
    let ev = Event::new(
        now,
        Some(actor),
        "application.correction_requested",
        app.subject(),
        format!("{n}件の修正を依頼しました。"),
        format!("Requested {n} correction(s)."),
    );
    Ok(Outcome::new(next, vec![ev]))
}

/// The CSP answers a correction request, optionally with a revised
/// statement (`(current, revised)`). If the revision changes the adoption
/// of any control, the application moves to `additional_audit_requested`
/// for those controls; otherwise back to review.
pub fn respond_to_correction(
    actor: &Actor,
    app: &Application,
    response: &str,
    revision: Option<(&Statement, &Statement)>,
    now: Micros,
) -> Result<Outcome<Application>, Refusal> {
    actor.require_owner(app.csp_org, "申請", "application")?;
    app.require_status(
        &[ApplicationStatus::CorrectionRequested],
        "修正に回答",
        "answer a correction request",
    )?;
    require_text("response", response)?;
    let mut next = app.clone();
    let mut changed = Vec::new();
    if let Some((current, revised)) = revision {
        if current.id != app.statement_id
            || revised.service_id != app.service_id
            || revised.revises != Some(current.id)
        {
            return Err(Refusal::invalid(
                "application.revision_mismatch",
                "改訂版の言明書がこの申請の言明書の改訂ではありません。",
                "The revised statement does not revise this application's statement.",
            ));
        }
        if revised.status != StatementStatus::Submitted {
            return Err(wrong_state(
                "application.revision_not_submitted",
                "改訂版で回答",
                "answer with the revision",
                revised.status.code(),
            ));
        }
        changed = current.content.adoption_changes(&revised.content);
        next.statement_id = revised.id;
    }
    if let Some(c) = next.corrections.last_mut() {
        c.response = Some(CorrectionResponse {
            at: now,
            text: response.to_string(),
            statement_id: revision.map(|(_, r)| r.id),
        });
    }
    let mut events = vec![Event::new(
        now,
        Some(actor),
        "application.correction_answered",
        app.subject(),
        "修正依頼に回答しました。",
        "Answered the correction request.",
    )];
    if changed.is_empty() {
        next.status = ApplicationStatus::UnderReview;
    } else {
        next.status = ApplicationStatus::AdditionalAuditRequested;
        events.push(Event::new(
            now,
            Some(actor),
            "application.additional_audit_required",
            app.subject(),
            format!(
                "管理策の採否が変更されたため追加監査が必要です: {}",
                changed.join(", ")
            ),
            format!(
                "Control adoption changed, so an additional audit is required: {}",
                changed.join(", ")
            ),
        ));
        next.additional_audits.push(AdditionalAuditRequest {
            requested_at: now,
            controls: changed,
            engagement_id: None,
        });
    }
    Ok(Outcome::new(next, events))
}

/// IPA asks for an additional audit of the given controls.
pub fn request_additional_audit(
    actor: &Actor,
    app: &Application,
    controls: Vec<String>,
    now: Micros,
) -> Result<Outcome<Application>, Refusal> {
    ipa(actor, "追加監査の依頼", "request an additional audit")?;
    app.require_status(
        &[ApplicationStatus::UnderReview],
        "追加監査を依頼",
        "request an additional audit",
    )?;
    if controls.is_empty() {
        return Err(Refusal::invalid(
            "application.controls_missing",
            "追加監査の対象となる管理策を指定してください。",
            "Name the controls for the additional audit.",
        ));
    }
    let mut next = app.clone();
    let list = controls.join(", ");
    next.additional_audits.push(AdditionalAuditRequest {
        requested_at: now,
        controls,
        engagement_id: None,
    });
    next.status = ApplicationStatus::AdditionalAuditRequested;
    let ev = Event::new(
        now,
        Some(actor),
        "application.additional_audit_requested",
        app.subject(),
        format!("追加監査を依頼しました: {list}"),
        format!("Requested an additional audit of: {list}"),
    );
    Ok(Outcome::new(next, vec![ev]))
}

/// The CSP hands in the report of the additional audit. Every requested
/// control that is adopted in the application's statement must be in its scope.
pub fn submit_additional_audit(
    actor: &Actor,
    app: &Application,
    statement: &Statement,
    engagement: &Engagement,
    now: Micros,
) -> Result<Outcome<Application>, Refusal> {
    actor.require_owner(app.csp_org, "申請", "application")?;
    app.require_status(
        &[ApplicationStatus::AdditionalAuditRequested],
        "追加監査の結果を提出",
        "hand in an additional audit",
    )?;
    if statement.id != app.statement_id
        || engagement.statement_id != statement.id
        || engagement.service_id != app.service_id
    {
        return Err(Refusal::invalid(
            "application.audit_of_other_statement",
            "追加監査はこの申請の言明書に対するものではありません。",
            "The additional audit is not of this application's statement.",
        ));
    }
    if engagement.status != EngagementStatus::Reported {
        return Err(Refusal::conflict(
            "application.report_missing",
            "追加監査の実施結果報告書が発行されていません。",
            "The additional audit's report has not been issued yet.",
        ));
    }
    let Some(req) = app.additional_audits.last() else {
        return Err(wrong_state(
            "application.wrong_state",
            "追加監査の結果を提出",
            "hand in an additional audit",
            app.status.code(),
        ));
    };
    let uncovered: Vec<&str> = req
        .controls
        .iter()
        .filter(|c| c.split('.').count() == 4 && statement.content.is_adopted(c))
        .filter(|c| !engagement.controls.contains(c))
        .map(String::as_str)
        .collect();
    if !uncovered.is_empty() {
        return Err(Refusal::invalid(
            "application.additional_audit_incomplete",
            format!(
                "追加監査の対象に含まれていない管理策があります: {}",
                uncovered.join(", ")
            ),
            format!(
                "The additional audit does not cover: {}",
                uncovered.join(", ")
            ),
        ));
    }
    let mut next = app.clone();
    if let Some(r) = next.additional_audits.last_mut() {
        r.engagement_id = Some(engagement.id);
    }
    next.status = ApplicationStatus::UnderReview;
    let ev = Event::new(
        now,
        Some(actor),
        "application.additional_audit_submitted",
        app.subject(),
        "追加監査の実施結果報告書を提出しました。",
        "Handed in the additional audit's report.",
    );
    Ok(Outcome::new(next, vec![ev]))
}

/// IPA completes the technical review and forwards the application to the committee.
pub fn complete_review(
    actor: &Actor,
    app: &Application,
    now: Micros,
) -> Result<Outcome<Application>, Refusal> {
    ipa(actor, "審査の完了", "complete a review")?;
    app.require_status(
        &[ApplicationStatus::UnderReview],
        "審査を完了",
        "complete the review",
    )?;
    let mut next = app.clone();
    next.status = ApplicationStatus::AwaitingDecision;
    let ev = Event::new(
        now,
        Some(actor),
        "application.review_completed",
        app.subject(),
        "技術的審査を完了し、運営委員会に付議しました。",
        "Completed the technical review and forwarded it to the committee.",
    );
    Ok(Outcome::new(next, vec![ev]))
}

/// The committee's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionInput {
    pub outcome: DecisionOutcome,
    /// Required when rejecting; optional remarks when registering.
    #[serde(default)]
    pub reasons: String,
}

/// What a decision needs to create or renew a registration.
#[derive(Debug, Clone, Copy)]
pub struct DecideContext<'a> {
    pub service: &'a Service,
    /// The registration being renewed (renewals only).
    pub registration: Option<&'a Registration>,
    /// Id for a new registration (new applications only).
    pub new_registration_id: i64,
    pub format: &'a NumberFormat,
    /// Numbers already issued (for the next sequence number).
    pub existing_numbers: &'a [RegistrationNumber],
}

/// The committee registers or rejects. Registering a new application
/// creates the registration (number, date, validity from the audit end);
/// registering a renewal counts the number up by one and moves validity to
/// the new audit; rejecting a renewal ends the pending state (the entry then
/// expires if its last valid day is past).
pub fn decide(
    actor: &Actor,
    app: &Application,
    decision: DecisionInput,
    ctx: DecideContext<'_>,
    now: Micros,
) -> Result<Outcome<(Application, Option<Registration>)>, Refusal> {
    actor.require(&[Role::Committee], "登録の決定", "decide on an application")?;
    app.require_status(&[ApplicationStatus::AwaitingDecision], "決定", "decide")?;
    if ctx.service.id != app.service_id {
        return Err(Refusal::invalid(
            "application.records_mismatch",
            "サービスが申請と一致しません。",
            "The service does not match the application.",
        ));
    }
    if decision.outcome == DecisionOutcome::Reject {
        require_text("reasons", &decision.reasons)?;
    }
    let today = tokyo_date(now);
    let mut next = app.clone();
    next.decision = Some(Decision {
        at: now,
        decided_on: today,
        outcome: decision.outcome,
        reasons: decision.reasons.clone(),
    });
    let name = &ctx.service.draft.name;
    let mut events = Vec::new();
    let reg = match (app.kind, decision.outcome) {
        (ApplicationKind::New, DecisionOutcome::Register) => {
            next.status = ApplicationStatus::Registered;
            let number = ctx.format.next_number(ctx.existing_numbers, today);
            let reg = Registration {
                id: ctx.new_registration_id,
                service_id: app.service_id,
                csp_org: app.csp_org,
                number,
                number_text: ctx.format.render(&number),
                registered_on: today,
                renewed_on: None,
                audit_end: app.audit_end,
                valid_through: crate::dates::valid_through(app.audit_end),
                status: RegistrationStatus::Registered,
                suspended_from: None,
                renewal_application: None,
                application_id: app.id,
                statement_id: app.statement_id,
                engagement_id: app.engagement_id,
                firm_id: app.firm_id,
                liu: matches!(app.track, Track::Liu { .. }),
            };
            events.push(
                Event::new(
                    now,
                    Some(actor),
                    "registration.registered",
                    Subject::Registration(reg.id),
                    format!(
                        "運営委員会の決定により「{name}」を登録しました（登録番号 {}、有効期限 {}）。",
                        reg.number_text, reg.valid_through
                    ),
                    format!(
                        "\"{name}\" registered by the committee (number {}, valid through {}).",
                        reg.number_text, reg.valid_through
                    ),
                )
                .public(app.service_id, RemarkKind::Registered),
            );
            Some(reg)
        }
        (ApplicationKind::New, DecisionOutcome::Reject) => {
            next.status = ApplicationStatus::Rejected;
            None
        }
        (ApplicationKind::Renewal { registration_id }, outcome) => {
            let Some(reg) = ctx.registration.filter(|r| r.id == registration_id) else {
                return Err(Refusal::invalid(
                    "application.registration_missing",
                    "更新する登録を指定してください。",
                    "Name the registration being renewed.",
                ));
            };
            if reg.status != RegistrationStatus::RenewalPending
                || reg.renewal_application != Some(app.id)
            {
                return Err(wrong_state(
                    "registration.not_pending",
                    "更新を決定",
                    "decide the renewal",
                    reg.status_on(today).code(),
                ));
            }
            let mut r = reg.clone();
            r.renewal_application = None;
            if outcome == DecisionOutcome::Register {
                next.status = ApplicationStatus::Registered;
                r.status = RegistrationStatus::Registered;
                r.number.count += 1;
                r.number_text = ctx.format.render(&r.number);
                r.renewed_on = Some(today);
                r.audit_end = app.audit_end;
                r.valid_through = crate::dates::valid_through(app.audit_end);
                r.application_id = app.id;
                r.statement_id = app.statement_id;
                r.engagement_id = app.engagement_id;
                r.firm_id = app.firm_id;
                events.push(
                    Event::new(
                        now,
                        Some(actor),
                        "registration.renewed",
                        Subject::Registration(r.id),
                        format!(
                            "運営委員会の決定により登録を更新しました（登録番号 {}、有効期限 {}）。",
                            r.number_text, r.valid_through
                        ),
                        format!(
                            "Registration renewed by the committee (number {}, valid through {}).",
                            r.number_text, r.valid_through
                        ),
                    )
                    .public(app.service_id, RemarkKind::Renewed),
                );
            } else {
                next.status = ApplicationStatus::Rejected;
                r.status = RegistrationStatus::Registered;
                events.push(
                    Event::new(
                        now,
                        Some(actor),
                        "registration.renewal_rejected",
                        Subject::Registration(r.id),
                        format!(
                            "更新は認められませんでした。登録は {} まで有効です。",
                            r.valid_through
                        ),
                        format!(
                            "The renewal was not granted; the registration is valid through {}.",
                            r.valid_through
                        ),
                    )
                    .public(app.service_id, RemarkKind::RenewalRejected),
                );
            }
            Some(r)
        }
    };
    let (ja, en) = match decision.outcome {
        DecisionOutcome::Register => (
            "運営委員会が登録を決定しました。".to_string(),
            "The committee decided to register.".to_string(),
        ),
        DecisionOutcome::Reject => (
            format!(
                "運営委員会が登録しないことを決定しました。理由: {}",
                decision.reasons
            ),
            format!(
                "The committee decided not to register. Reasons: {}",
                decision.reasons
            ),
        ),
    };
    events.insert(
        0,
        Event::new(
            now,
            Some(actor),
            "application.decided",
            app.subject(),
            ja,
            en,
        ),
    );
    Ok(Outcome::new((next, reg), events))
}

/// The CSP withdraws an open application. A withdrawn renewal ends the
/// pending state of its registration.
pub fn withdraw(
    actor: &Actor,
    app: &Application,
    registration: Option<&Registration>,
    now: Micros,
) -> Result<Outcome<(Application, Option<Registration>)>, Refusal> {
    actor.require_owner(app.csp_org, "申請", "application")?;
    if !app.status.is_open() {
        return Err(wrong_state(
            "application.wrong_state",
            "取り下げ",
            "withdraw",
            app.status.code(),
        ));
    }
    let mut next = app.clone();
    next.status = ApplicationStatus::Withdrawn;
    let reg = match (app.kind, registration) {
        (ApplicationKind::Renewal { registration_id }, Some(r))
            if r.id == registration_id && r.renewal_application == Some(app.id) =>
        {
            let mut r = r.clone();
            if r.status == RegistrationStatus::RenewalPending {
                r.status = RegistrationStatus::Registered;
            } else if r.suspended_from == Some(RegistrationStatus::RenewalPending) {
                r.suspended_from = Some(RegistrationStatus::Registered);
            }
            r.renewal_application = None;
            Some(r)
        }
        (ApplicationKind::Renewal { .. }, _) => {
            return Err(Refusal::invalid(
                "application.registration_missing",
                "更新申請の取り下げには対象の登録が必要です。",
                "Withdrawing a renewal needs the registration it renews.",
            ));
        }
        _ => None,
    };
    let ev = Event::new(
        now,
        Some(actor),
        "application.withdrawn",
        app.subject(),
        "申請を取り下げました。",
        "Withdrew the application.",
    );
    Ok(Outcome::new((next, reg), vec![ev]))
}
