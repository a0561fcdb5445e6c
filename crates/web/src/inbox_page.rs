//! `/ismap/inbox`: what waits for the signed-in person today — corrections
//! and decisions for a provider, reports due for an auditor, applications
//! for IPA and the committee, open incidents. The rules are
//! kasumi-lifecycle's [`inbox`](kasumi_lifecycle::inbox::inbox); this page
//! only loads the records and links each item to where it is dealt with.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kasumi_core::Role;
use kasumi_lifecycle::Subject;
use kasumi_lifecycle::application::Application;
use kasumi_lifecycle::changes::{ChangeNotice, Incident};
use kasumi_lifecycle::dates::tokyo_date;
use kasumi_lifecycle::engagement::Engagement;
use kasumi_lifecycle::inbox::{InboxInput, InboxKind, inbox};
use kasumi_lifecycle::registration::Registration;
use kasumi_lifecycle::service::Service;

use crate::AppState;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::pages::{Layout, page};
use crate::registry::load_all;
use crate::workflow::{registry_error, who};

/// The roles with an ISMAP inbox.
pub const INBOX_ROLES: &[Role] = &[
    Role::Csp,
    Role::Auditor,
    Role::IpaReviewer,
    Role::Committee,
    Role::Secretariat,
];

pub struct InboxRow {
    pub kind: &'static str,
    pub service: String,
    pub href: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    l: Layout,
    rows: Vec<InboxRow>,
}

/// The translation key of an inbox item's kind.
fn kind_key(k: InboxKind) -> &'static str {
    match k {
        InboxKind::CorrectionRequested => "inbox-correction-requested",
        InboxKind::AdditionalAuditRequested => "inbox-additional-audit",
        InboxKind::ApplicationReturned => "inbox-returned",
        InboxKind::DecisionMade => "inbox-decision-made",
        InboxKind::ExpiryApproaching => "inbox-expiry",
        InboxKind::ReportDue => "inbox-report-due",
        InboxKind::ReportOverdue => "inbox-report-overdue",
        InboxKind::AcceptanceCheck => "inbox-acceptance",
        InboxKind::Review => "inbox-review",
        InboxKind::Decision => "inbox-decision",
        InboxKind::IncidentOpen => "inbox-incident",
        InboxKind::ChangeAuditDue => "inbox-change-audit",
    }
}

/// Where an item is dealt with.
fn href(subject: Subject, incidents: &[Incident], notices: &[ChangeNotice]) -> String {
    match subject {
        Subject::Application(id) => format!("/ismap/applications/{id}"),
        Subject::Engagement(id) => format!("/ismap/engagements/{id}"),
        Subject::Registration(id) => format!("/ismap/registrations/{id}"),
        Subject::Incident(id) => incidents
            .iter()
            .find(|i| i.id == id)
            .map(|i| format!("/ismap/registrations/{}", i.registration_id))
            .unwrap_or_else(|| "/ismap/registrations".into()),
        Subject::ChangeNotice(id) => notices
            .iter()
            .find(|n| n.id == id)
            .map(|n| format!("/ismap/registrations/{}#notice-{id}", n.registration_id))
            .unwrap_or_else(|| "/ismap/registrations".into()),
        _ => "/ismap/inbox".into(),
    }
}

fn records<T>(rows: Vec<(T, i64)>) -> Vec<T> {
    rows.into_iter().map(|(t, _)| t).collect()
}

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_role(INBOX_ROLES)?;
    let applications: Vec<Application> =
        records(load_all(&state.store).await.map_err(registry_error)?);
    let engagements: Vec<Engagement> =
        records(load_all(&state.store).await.map_err(registry_error)?);
    let registrations: Vec<Registration> =
        records(load_all(&state.store).await.map_err(registry_error)?);
    let incidents: Vec<Incident> = records(load_all(&state.store).await.map_err(registry_error)?);
    let change_notices: Vec<ChangeNotice> =
        records(load_all(&state.store).await.map_err(registry_error)?);
    let services: HashMap<i64, String> = load_all::<Service>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .map(|(s, _)| (s.id, s.draft.name))
        .collect();
    let today = tokyo_date(state.clock.now());
    let items = inbox(
        &who(user),
        InboxInput {
            applications: &applications,
            engagements: &engagements,
            registrations: &registrations,
            incidents: &incidents,
            change_notices: &change_notices,
        },
        today,
    );
    let rows = items
        .into_iter()
        .map(|i| InboxRow {
            kind: kind_key(i.kind),
            service: services.get(&i.service_id).cloned().unwrap_or_default(),
            href: href(i.subject, &incidents, &change_notices),
            due: i.due.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect();
    page(
        StatusCode::OK,
        &InboxPage {
            l: Layout::new(&ctx, "inbox-title"),
            rows,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Tr;
    use kasumi_core::Lang;

    /// Each kind of item reads as a sentence in both languages, never as its key.
    #[test]
    fn every_kind_is_translated() {
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for k in InboxKind::ALL {
                assert_ne!(tr.t(kind_key(k)), kind_key(k), "{lang:?} {k:?}");
            }
        }
    }
}
