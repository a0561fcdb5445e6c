//! What waits for a user today.

use jiff::civil::Date;
use kasumi_core::Role;
use serde::Serialize;

use crate::actor::Actor;
use crate::application::{Application, ApplicationStatus};
use crate::changes::{ChangeNotice, Incident, IncidentStatus};
use crate::dates::{days_between, tokyo_date};
use crate::engagement::{Engagement, EngagementStatus};
use crate::event::Subject;
use crate::registration::{Registration, RegistrationStatus};

/// Registrations this close to their last valid day (without a pending renewal) show up.
pub const EXPIRY_WARNING_DAYS: i64 = 90;
/// Decisions stay in the CSP's inbox this long.
pub const DECISION_NOTICE_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxKind {
    /// CSP: IPA asked for corrections.
    CorrectionRequested,
    /// CSP: an additional audit is required.
    AdditionalAuditRequested,
    /// CSP: the application was returned at the acceptance check.
    ApplicationReturned,
    /// CSP: the committee decided (registered or not).
    DecisionMade,
    /// CSP: the registration's last valid day is within 90 days.
    ExpiryApproaching,
    /// Auditor: the period is over and the report is due.
    ReportDue,
    /// Auditor: the report is past its due date.
    ReportOverdue,
    /// IPA: an application waits for the acceptance check.
    AcceptanceCheck,
    /// IPA: an application waits in technical review.
    Review,
    /// Committee: an application waits for a decision.
    Decision,
    /// IPA / committee: an incident has only a flash report so far.
    IncidentOpen,
    /// CSP: a control change awaits its additional audit; IPA sees the same
    /// notices as outstanding.
    ChangeAuditDue,
}

impl InboxKind {
    pub const ALL: [InboxKind; 12] = [
        InboxKind::CorrectionRequested,
        InboxKind::AdditionalAuditRequested,
        InboxKind::ApplicationReturned,
        InboxKind::DecisionMade,
        InboxKind::ExpiryApproaching,
        InboxKind::ReportDue,
        InboxKind::ReportOverdue,
        InboxKind::AcceptanceCheck,
        InboxKind::Review,
        InboxKind::Decision,
        InboxKind::IncidentOpen,
        InboxKind::ChangeAuditDue,
    ];
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxItem {
    pub kind: InboxKind,
    pub subject: Subject,
    pub service_id: i64,
    /// The day it is due, where there is one.
    pub due: Option<Date>,
}

/// Everything the inbox looks at (the store loads what is relevant).
#[derive(Debug, Clone, Copy, Default)]
pub struct InboxInput<'a> {
    pub applications: &'a [Application],
    pub engagements: &'a [Engagement],
    pub registrations: &'a [Registration],
    pub incidents: &'a [Incident],
    pub change_notices: &'a [ChangeNotice],
}

/// Control changes still waiting for their additional audit, on services
/// that are on the list; once a registration has ended nothing can answer them.
fn change_audits_due<'a>(
    input: &InboxInput<'a>,
    today: Date,
) -> impl Iterator<Item = &'a ChangeNotice> {
    let registrations = input.registrations;
    input.change_notices.iter().filter(move |n| {
        n.awaits_additional_audit()
            && registrations
                .iter()
                .any(|r| r.id == n.registration_id && r.is_listed_on(today))
    })
}

/// The items waiting for `user` on `today`, in a stable order (by kind, then subject order).
pub fn inbox(user: &Actor, input: InboxInput<'_>, today: Date) -> Vec<InboxItem> {
    let mut out = Vec::new();
    let item = |kind, subject, service_id, due| InboxItem {
        kind,
        subject,
        service_id,
        due,
    };
    match user.role {
        Role::Csp => {
            for a in input.applications.iter().filter(|a| a.csp_org == user.org) {
                let s = Subject::Application(a.id);
                match a.status {
                    ApplicationStatus::CorrectionRequested => {
                        out.push(item(InboxKind::CorrectionRequested, s, a.service_id, None))
                    }
                    ApplicationStatus::AdditionalAuditRequested => out.push(item(
                        InboxKind::AdditionalAuditRequested,
                        s,
                        a.service_id,
                        None,
                    )),
                    ApplicationStatus::Returned => {
                        out.push(item(InboxKind::ApplicationReturned, s, a.service_id, None))
                    }
                    ApplicationStatus::Registered | ApplicationStatus::Rejected => {
                        if let Some(d) = &a.decision {
                            let age = days_between(tokyo_date(d.at), today);
                            if (0..=DECISION_NOTICE_DAYS).contains(&age) {
                                out.push(item(InboxKind::DecisionMade, s, a.service_id, None));
                            }
                        }
                    }
                    _ => {}
                }
            }
            for n in change_audits_due(&input, today).filter(|n| n.csp_org == user.org) {
                out.push(item(
                    InboxKind::ChangeAuditDue,
                    Subject::ChangeNotice(n.id),
                    n.service_id,
                    None,
                ));
            }
            for r in input.registrations.iter().filter(|r| r.csp_org == user.org) {
                let left = days_between(today, r.valid_through);
                if r.status_on(today) == RegistrationStatus::Registered
                    && (0..=EXPIRY_WARNING_DAYS).contains(&left)
                {
                    out.push(item(
                        InboxKind::ExpiryApproaching,
                        Subject::Registration(r.id),
                        r.service_id,
                        Some(r.valid_through),
                    ));
                }
            }
        }
        Role::Auditor => {
            for e in input.engagements.iter().filter(|e| {
                e.firm_org == user.org
                    && e.status == EngagementStatus::Engaged
                    && today > e.period.end
            }) {
                let kind = if e.is_overdue(today) {
                    InboxKind::ReportOverdue
                } else {
                    InboxKind::ReportDue
                };
                out.push(item(
                    kind,
                    Subject::Engagement(e.id),
                    e.service_id,
                    Some(e.report_due()),
                ));
            }
        }
        Role::IpaReviewer | Role::Committee | Role::Secretariat => {
            for a in input.applications {
                let s = Subject::Application(a.id);
                let kind = match (user.role, a.status) {
                    (Role::IpaReviewer, ApplicationStatus::Submitted) => {
                        Some(InboxKind::AcceptanceCheck)
                    }
                    (Role::IpaReviewer, ApplicationStatus::UnderReview) => Some(InboxKind::Review),
                    (Role::Committee | Role::Secretariat, ApplicationStatus::AwaitingDecision) => {
                        Some(InboxKind::Decision)
                    }
                    _ => None,
                };
                if let Some(k) = kind {
                    out.push(item(k, s, a.service_id, None));
                }
            }
            for i in input
                .incidents
                .iter()
                .filter(|i| i.status == IncidentStatus::Flash)
            {
                out.push(item(
                    InboxKind::IncidentOpen,
                    Subject::Incident(i.id),
                    i.service_id,
                    None,
                ));
            }
            // IPA follows the additional audits; the committee has nothing to do yet.
            for n in change_audits_due(&input, today).filter(|_| user.role == Role::IpaReviewer) {
                out.push(item(
                    InboxKind::ChangeAuditDue,
                    Subject::ChangeNotice(n.id),
                    n.service_id,
                    None,
                ));
            }
        }
        _ => {}
    }
    out.sort_by_key(|i| i.kind as u8);
    out
}
