//! Who may see what. `viewer: None` is the public (not signed in).
//!
//! - A CSP sees its own organisation's records, never another CSP's drafts,
//!   statements, audits or applications.
//! - An auditor sees only the engagements of their firm, and the statements
//!   those engagements audit.
//! - IPA, the committee and the secretariat see submitted statements,
//!   applications, engagements that are reported or attached to an
//!   application, and incidents. Nobody but the CSP sees a draft.
//! - The public sees only entries on the public list.

use jiff::civil::Date;
use kasumi_core::Role;

use crate::actor::Actor;
use crate::application::Application;
use crate::changes::Incident;
use crate::engagement::{Engagement, EngagementStatus};
use crate::registration::Registration;
use crate::statement::{Statement, StatementStatus};

fn is_owner(viewer: &Actor, org: i64) -> bool {
    viewer.role == Role::Csp && viewer.org == org
}

/// `engagements`: the engagements that audit this statement (or more; others are ignored).
pub fn can_view_statement(
    viewer: Option<&Actor>,
    statement: &Statement,
    engagements: &[Engagement],
) -> bool {
    let Some(v) = viewer else { return false };
    if is_owner(v, statement.csp_org) {
        return true;
    }
    if statement.status == StatementStatus::Draft {
        return false;
    }
    match v.role {
        Role::IpaReviewer | Role::Committee | Role::Secretariat => true,
        Role::Auditor => engagements
            .iter()
            .any(|e| e.statement_id == statement.id && e.firm_org == v.org),
        _ => false,
    }
}

pub fn can_view_engagement(viewer: Option<&Actor>, eng: &Engagement) -> bool {
    let Some(v) = viewer else { return false };
    match v.role {
        Role::Csp => v.org == eng.csp_org,
        Role::Auditor => v.org == eng.firm_org,
        Role::IpaReviewer | Role::Committee | Role::Secretariat => {
            eng.status == EngagementStatus::Reported
        }
        _ => false,
    }
}

pub fn can_view_application(viewer: Option<&Actor>, app: &Application) -> bool {
    let Some(v) = viewer else { return false };
    is_owner(v, app.csp_org) || v.is_scheme_staff()
}

pub fn can_view_incident(viewer: Option<&Actor>, incident: &Incident) -> bool {
    let Some(v) = viewer else { return false };
    is_owner(v, incident.csp_org) || v.is_scheme_staff()
}

/// Registrations: the public and every other signed-in role see what is on
/// the public list; the owner and the scheme staff see every state.
pub fn can_view_registration(viewer: Option<&Actor>, reg: &Registration, today: Date) -> bool {
    match viewer {
        Some(v) if is_owner(v, reg.csp_org) || v.is_scheme_staff() => true,
        _ => reg.is_listed_on(today),
    }
}
