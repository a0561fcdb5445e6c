//! Inbox rules and visibility rules.

use kasumi_lifecycle::application::{
    Acceptance, ApplicationStatus, acceptance_check, request_correction,
};
use kasumi_lifecycle::changes::report_incident;
use kasumi_lifecycle::event::Subject;
use kasumi_lifecycle::inbox::{InboxInput, InboxKind, inbox};
use kasumi_lifecycle::registration::public_list;
use kasumi_lifecycle::statement::create_statement;
use kasumi_lifecycle::visibility::{
    can_view_application, can_view_engagement, can_view_registration, can_view_statement,
};

use crate::common::*;
use crate::refusals::{applied, engaged, registered, reported, submitted};

fn kinds(items: &[kasumi_lifecycle::inbox::InboxItem]) -> Vec<InboxKind> {
    items.iter().map(|i| i.kind).collect()
}

#[test]
fn the_csp_sees_corrections_decisions_and_approaching_expiry() {
    let app = applied();
    let accepted = acceptance_check(&ipa(), &app, Acceptance::Accept, at(2025, 6, 2))
        .unwrap()
        .state;
    let corr = request_correction(&ipa(), &accepted, vec![(None, "x".into())], at(2025, 6, 3))
        .unwrap()
        .state;
    let input = InboxInput {
        applications: std::slice::from_ref(&corr),
        ..Default::default()
    };
    assert_eq!(
        kinds(&inbox(&csp(), input, date(2025, 6, 4))),
        [InboxKind::CorrectionRequested]
    );
    assert!(
        inbox(&other_csp(), input, date(2025, 6, 4)).is_empty(),
        "not another CSP's"
    );

    // The decision shows for 30 days; expiry shows within 90 days of the last valid day.
    let reg = registered(); // decided 2025-07-01, valid through 2026-07-31
    let mut decided = accepted.clone();
    decided.status = ApplicationStatus::Registered;
    decided.decision = Some(kasumi_lifecycle::application::Decision {
        at: at(2025, 7, 1),
        decided_on: date(2025, 7, 1),
        outcome: kasumi_lifecycle::application::DecisionOutcome::Register,
        reasons: String::new(),
    });
    let regs = [reg.clone()];
    let apps = [decided];
    let input = InboxInput {
        applications: &apps,
        registrations: &regs,
        ..Default::default()
    };
    assert_eq!(
        kinds(&inbox(&csp(), input, date(2025, 7, 31))),
        [InboxKind::DecisionMade]
    );
    assert!(inbox(&csp(), input, date(2025, 8, 1)).is_empty());
    assert!(
        inbox(&csp(), input, date(2026, 5, 1)).is_empty(),
        "91 days left"
    );
    let near = inbox(&csp(), input, date(2026, 5, 2));
    assert_eq!(kinds(&near), [InboxKind::ExpiryApproaching]);
    assert_eq!(near[0].due, Some(date(2026, 7, 31)));
    assert!(
        inbox(&csp(), input, date(2026, 8, 1)).is_empty(),
        "already expired"
    );
}

#[test]
fn the_auditor_sees_reports_due_and_overdue_for_their_firm_only() {
    let e = engaged(); // period ends 2025-03-31, due 2025-06-30
    let engs = [e];
    let input = InboxInput {
        engagements: &engs,
        ..Default::default()
    };
    assert!(
        inbox(&auditor(), input, date(2025, 3, 31)).is_empty(),
        "period not over"
    );
    let due = inbox(&auditor(), input, date(2025, 4, 1));
    assert_eq!(kinds(&due), [InboxKind::ReportDue]);
    assert_eq!(due[0].due, Some(date(2025, 6, 30)));
    assert_eq!(
        kinds(&inbox(&auditor(), input, date(2025, 7, 1))),
        [InboxKind::ReportOverdue]
    );
    assert!(inbox(&other_auditor(), input, date(2025, 7, 1)).is_empty());
    let done = [reported()];
    let input = InboxInput {
        engagements: &done,
        ..Default::default()
    };
    assert!(inbox(&auditor(), input, date(2025, 7, 1)).is_empty());
}

#[test]
fn ipa_and_the_committee_see_their_queues() {
    let app = applied();
    let reg = registered();
    let inc = report_incident(&csp(), 700, &service(), &reg, "障害", at(2025, 8, 1))
        .unwrap()
        .state;
    let apps = [app.clone()];
    let incs = [inc];
    let input = InboxInput {
        applications: &apps,
        incidents: &incs,
        ..Default::default()
    };
    let got = inbox(&ipa(), input, date(2025, 8, 2));
    assert_eq!(
        kinds(&got),
        [InboxKind::AcceptanceCheck, InboxKind::IncidentOpen]
    );
    assert_eq!(got[0].subject, Subject::Application(app.id));
    assert_eq!(
        kinds(&inbox(&committee(), input, date(2025, 8, 2))),
        [InboxKind::IncidentOpen]
    );
    assert!(inbox(&agency(), input, date(2025, 8, 2)).is_empty());
}

#[test]
fn visibility() {
    let draft = create_statement(&csp(), &service(), 250, clean_content(), at(2024, 2, 1))
        .unwrap()
        .state;
    // Nobody but the owner sees a draft.
    assert!(can_view_statement(Some(&csp()), &draft, &[]));
    for who in [other_csp(), ipa(), committee(), auditor(), agency()] {
        assert!(
            !can_view_statement(Some(&who), &draft, &[]),
            "{:?}",
            who.role
        );
    }
    assert!(!can_view_statement(None, &draft, &[]));
    // A submitted statement: IPA yes, another CSP no, the auditor only if engaged.
    let st = submitted();
    let e = engaged();
    assert!(can_view_statement(Some(&ipa()), &st, &[]));
    assert!(!can_view_statement(Some(&other_csp()), &st, &[]));
    assert!(!can_view_statement(Some(&auditor()), &st, &[]));
    assert!(can_view_statement(
        Some(&auditor()),
        &st,
        std::slice::from_ref(&e)
    ));
    assert!(!can_view_statement(
        Some(&other_auditor()),
        &st,
        std::slice::from_ref(&e)
    ));
    // Engagements: the CSP and the firm; IPA once reported.
    assert!(can_view_engagement(Some(&csp()), &e));
    assert!(can_view_engagement(Some(&auditor()), &e));
    assert!(!can_view_engagement(Some(&other_auditor()), &e));
    assert!(!can_view_engagement(Some(&other_csp()), &e));
    assert!(!can_view_engagement(Some(&ipa()), &e));
    assert!(can_view_engagement(Some(&ipa()), &reported()));
    assert!(!can_view_engagement(None, &reported()));
    // Applications: the CSP and the scheme staff.
    let app = applied();
    assert!(can_view_application(Some(&csp()), &app));
    assert!(can_view_application(Some(&secretariat()), &app));
    assert!(!can_view_application(Some(&other_csp()), &app));
    assert!(!can_view_application(Some(&auditor()), &app));
    assert!(!can_view_application(None, &app));
    // Registrations: the public sees only listed entries.
    let reg = registered();
    assert!(can_view_registration(None, &reg, date(2026, 7, 31)));
    assert!(!can_view_registration(None, &reg, date(2026, 8, 1)));
    assert!(can_view_registration(Some(&csp()), &reg, date(2026, 8, 1)));
    assert!(can_view_registration(Some(&ipa()), &reg, date(2026, 8, 1)));
    assert!(!can_view_registration(
        Some(&other_csp()),
        &reg,
        date(2026, 8, 1)
    ));
    assert_eq!(
        public_list(std::slice::from_ref(&reg), date(2026, 8, 1)).len(),
        0
    );
}
