//! The full path of one service, at the domain level.

use kasumi_lifecycle::application::{
    Acceptance, ApplicationKind, ApplicationStatus, ApplyContext, ApplyInput, Attachment,
    AttachmentKind, DecideContext, DecisionInput, DecisionOutcome, Track, acceptance_check,
    add_review_comment, apply, complete_review, decide, request_correction, respond_to_correction,
    submit_additional_audit,
};
use kasumi_lifecycle::changes::{
    ChangeKind, IncidentReport, IncidentStatus, confirm_incident, file_change_notice,
    report_incident,
};
use kasumi_lifecycle::dates::AuditPeriod;
use kasumi_lifecycle::engagement::{
    AuditScope, Engagement, Evidence, Procedure, ResultInput, TestResult, engage, issue_report,
    record_result, renewal_scope,
};
use kasumi_lifecycle::registration::{
    NumberFormat, RegistrationStatus, expire, public_list, revoke_registration,
};
use kasumi_lifecycle::statement::{
    create_statement, edit_statement, revise_statement, submit_statement,
};
use kasumi_lifecycle::visibility::{can_view_incident, can_view_registration, can_view_statement};
use kasumi_lifecycle::{Event, RemarkKind, remarks_of};

use crate::common::*;

fn attachments(liu: bool) -> Vec<Attachment> {
    let mut v = vec![
        Attachment {
            kind: AttachmentKind::Statement,
            name: "statement.pdf".into(),
            sha256: "a".repeat(64),
            size: 1000,
        },
        Attachment {
            kind: AttachmentKind::AuditReport,
            name: "report.pdf".into(),
            sha256: "b".repeat(64),
            size: 2000,
        },
    ];
    if liu {
        v.push(Attachment {
            kind: AttachmentKind::InternalAuditReport,
            name: "internal.pdf".into(),
            sha256: "c".repeat(64),
            size: 3000,
        });
    }
    v
}

/// The auditor records a result for every control in scope (8.1.2.3 with
/// an operating exception) and issues the report on `report_day`.
pub fn audit_everything(mut eng: Engagement, report_day: i64, log: &mut Vec<Event>) -> Engagement {
    for c in eng.controls.clone() {
        let operating = if c == "8.1.2.3" {
            TestResult::Exception {
                description: "台帳の更新が1件漏れていた。".into(),
            }
        } else {
            TestResult::NoException
        };
        let out = record_result(
            &auditor(),
            &eng,
            ResultInput {
                control: c.clone(),
                procedures: vec![Procedure::Inspection, Procedure::Inquiry],
                design: TestResult::NoException,
                operating,
                evidence: vec![Evidence {
                    sha256: "0".repeat(64),
                    size: 42,
                    name: format!("{c}.pdf"),
                }],
            },
            report_day - 86_400_000_000,
        )
        .unwrap();
        log.extend(out.events);
        eng = out.state;
    }
    let out = issue_report(&auditor(), &eng, "手続を実施した。", report_day).unwrap();
    log.extend(out.events);
    out.state
}

#[test]
fn a_service_from_statement_to_revocation() {
    let cat = catalog();
    let svc = service();
    let firm = firm();
    let mut log: Vec<Event> = Vec::new();

    // 1. A statement with lint errors cannot be submitted …
    let mut bad = clean_content();
    bad.governance_owner.name.clear();
    set(&mut bad, "9.1.1.1", false, "使わない");
    let draft = create_statement(&csp(), &svc, 200, bad, at(2024, 2, 1))
        .unwrap()
        .state;
    let refused = submit_statement(&csp(), &draft, &cat, at(2024, 2, 2)).unwrap_err();
    assert_eq!(refused.key(), "statement.has_violations");
    assert_eq!(refused.http_status(), 422);
    assert_eq!(
        keys(&refused.details),
        vec![
            (
                "statement.field_missing".into(),
                "governance_owner.name".into()
            ),
            ("statement.mandatory_not_adopted".into(), "9.1.1.1".into()),
        ]
    );
    // … and is submitted once fixed.
    let draft = edit_statement(&csp(), &draft, clean_content(), at(2024, 2, 3))
        .unwrap()
        .state;
    let stmt = submit_statement(&csp(), &draft, &cat, at(2024, 2, 3))
        .unwrap()
        .state;
    assert_eq!(stmt.revision, 1);

    // 2. The audit: FY2024 as the audit period.
    let period = AuditPeriod::new(date(2024, 4, 1), date(2025, 3, 31)).unwrap();
    let eng = engage(
        &csp(),
        300,
        &stmt,
        &firm,
        &cat,
        AuditScope::Full,
        period,
        at(2024, 3, 1),
    )
    .unwrap()
    .state;
    assert!(eng.controls.contains(&"8.1.2.1".to_string()));
    assert!(
        !eng.controls.contains(&"8.1.2.6".to_string()),
        "not adopted, not audited"
    );
    assert_eq!(eng.report_due(), date(2025, 6, 30));
    let early = issue_report(&auditor(), &eng, "x", at(2025, 3, 31)).unwrap_err();
    assert_eq!(early.key(), "engagement.period_not_over");
    let eng = audit_everything(eng, at(2025, 5, 15), &mut log);
    assert!(!eng.report.as_ref().unwrap().late);

    // 3. Application, acceptance, review with a correction that changes adoption.
    let out = apply(
        &csp(),
        400,
        ApplyInput {
            kind: ApplicationKind::New,
            track: Track::Standard,
            attachments: attachments(false),
        },
        ApplyContext {
            service: &svc,
            statement: &stmt,
            engagement: &eng,
            registration: None,
            assessment: None,
            service_applications: &[],
            service_registrations: &[],
        },
        at(2025, 6, 1),
    )
    .unwrap();
    let (app, none) = out.state;
    assert!(none.is_none());
    let app = acceptance_check(&ipa(), &app, Acceptance::Accept, at(2025, 6, 3))
        .unwrap()
        .state;
    assert_eq!(app.status, ApplicationStatus::UnderReview);
    let app = add_review_comment(
        &ipa(),
        &app,
        Some("8.1.2.6"),
        "理由が不十分",
        at(2025, 6, 4),
    )
    .unwrap()
    .state;
    let app = request_correction(
        &ipa(),
        &app,
        vec![(Some("8.1.2.6".into()), "採用を再検討してください。".into())],
        at(2025, 6, 5),
    )
    .unwrap()
    .state;
    assert_eq!(app.status, ApplicationStatus::CorrectionRequested);

    let rev = revise_statement(&csp(), &stmt, 201, at(2025, 6, 6))
        .unwrap()
        .state;
    let mut content = rev.content.clone();
    set(&mut content, "8.1.2.6", true, "");
    let rev = edit_statement(&csp(), &rev, content, at(2025, 6, 6))
        .unwrap()
        .state;
    let rev = submit_statement(&csp(), &rev, &cat, at(2025, 6, 6))
        .unwrap()
        .state;
    assert_eq!(rev.revision, 2);
    let out = respond_to_correction(
        &csp(),
        &app,
        "8.1.2.6 を採用しました。",
        Some((&stmt, &rev)),
        at(2025, 6, 7),
    )
    .unwrap();
    let app = out.state;
    assert_eq!(app.status, ApplicationStatus::AdditionalAuditRequested);
    assert_eq!(
        app.additional_audits.last().unwrap().controls,
        vec!["8.1.2.6".to_string()]
    );
    assert_eq!(app.statement_id, rev.id);

    // The additional audit of the newly adopted control.
    let add_period = AuditPeriod::new(date(2025, 4, 1), date(2025, 6, 30)).unwrap();
    let add = engage(
        &csp(),
        301,
        &rev,
        &firm,
        &cat,
        AuditScope::Controls(vec!["8.1.2.6".into()]),
        add_period,
        at(2025, 6, 8),
    )
    .unwrap()
    .state;
    assert_eq!(add.controls, vec!["8.1.2.6".to_string()]);
    let add = audit_everything(add, at(2025, 7, 5), &mut log);
    let app = submit_additional_audit(&csp(), &app, &rev, &add, at(2025, 7, 6))
        .unwrap()
        .state;
    assert_eq!(app.status, ApplicationStatus::UnderReview);
    let app = complete_review(&ipa(), &app, at(2025, 7, 10))
        .unwrap()
        .state;

    // 4. The committee registers: FY2025, first sequence, count 1.
    let format = NumberFormat::default();
    let out = decide(
        &committee(),
        &app,
        DecisionInput {
            outcome: DecisionOutcome::Register,
            reasons: String::new(),
        },
        DecideContext {
            service: &svc,
            registration: None,
            new_registration_id: 500,
            format: &format,
            existing_numbers: &[],
        },
        at(2025, 7, 20),
    )
    .unwrap();
    log.extend(out.events.clone());
    let (app, reg) = out.state;
    assert_eq!(app.status, ApplicationStatus::Registered);
    let reg = reg.unwrap();
    assert_eq!(reg.number_text, "C25-0001-1");
    assert_eq!(reg.registered_on, date(2025, 7, 20));
    assert_eq!(reg.valid_through, date(2026, 7, 31));
    let today = date(2025, 7, 21);
    assert_eq!(public_list(std::slice::from_ref(&reg), today).len(), 1);
    assert!(can_view_registration(None, &reg, today));
    assert!(!can_view_statement(None, &rev, &[]));

    // 5. A change notice (region added) and a control change.
    let out = file_change_notice(
        &csp(),
        600,
        &svc,
        &reg,
        &cat,
        ChangeKind::RegionAdded {
            region: "jp-west".into(),
        },
        "西日本リージョンを追加",
        at(2025, 9, 1),
    )
    .unwrap();
    log.extend(out.events);
    let (notice, svc) = out.state;
    assert!(!notice.needs_additional_audit);
    assert!(svc.draft.regions.contains(&"jp-west".to_string()));
    let out = file_change_notice(
        &csp(),
        601,
        &svc,
        &reg,
        &cat,
        ChangeKind::ControlChange {
            controls: vec!["9.1.1.2".into()],
        },
        "認証方式を変更",
        at(2025, 10, 1),
    )
    .unwrap();
    assert!(out.state.0.needs_additional_audit);
    log.extend(out.events);

    // 6. An incident: flash, then confirmed.
    let out = report_incident(
        &csp(),
        700,
        &svc,
        &reg,
        "不正アクセスの疑い",
        at(2025, 11, 1),
    )
    .unwrap();
    log.extend(out.events);
    let inc = out.state;
    assert!(can_view_incident(Some(&ipa()), &inc));
    assert!(can_view_incident(Some(&committee()), &inc));
    assert!(!can_view_incident(Some(&other_csp()), &inc));
    assert!(!can_view_incident(None, &inc));
    let report = IncidentReport {
        at: 0,
        summary: "不正アクセスを確認".into(),
        cause: "設定不備".into(),
        measures: "設定を修正".into(),
    };
    let out = confirm_incident(&csp(), &inc, report.clone(), at(2025, 11, 8)).unwrap();
    log.extend(out.events);
    let inc = out.state;
    assert_eq!(inc.status, IncidentStatus::Confirmed);
    assert_eq!(inc.confirmed.as_ref().unwrap().at, at(2025, 11, 8));
    assert!(
        confirm_incident(&csp(), &inc, report, at(2025, 11, 9))
            .unwrap_err()
            .is_conflict()
    );

    // 7. Renewal: a new audit over FY2025, applied for before expiry.
    let scope = renewal_scope(None, date(2026, 3, 31), Some(date(2025, 3, 31)), 3);
    assert_eq!(scope, AuditScope::Full, "no ISMS certificate: full audit");
    let period2 = AuditPeriod::new(date(2025, 4, 1), date(2026, 3, 31)).unwrap();
    let eng2 = engage(
        &csp(),
        302,
        &rev,
        &firm,
        &cat,
        scope,
        period2,
        at(2025, 12, 1),
    )
    .unwrap()
    .state;
    let eng2 = audit_everything(eng2, at(2026, 5, 10), &mut log);
    let out = apply(
        &csp(),
        401,
        ApplyInput {
            kind: ApplicationKind::Renewal {
                registration_id: reg.id,
            },
            track: Track::Standard,
            attachments: attachments(false),
        },
        ApplyContext {
            service: &svc,
            statement: &rev,
            engagement: &eng2,
            registration: Some(&reg),
            assessment: None,
            service_applications: &[],
            service_registrations: &[],
        },
        at(2026, 6, 1),
    )
    .unwrap();
    log.extend(out.events);
    let (app2, pending) = out.state;
    let pending = pending.unwrap();
    assert_eq!(pending.status, RegistrationStatus::RenewalPending);

    // Past the last valid day (2026-07-31) it is still valid while pending.
    let late = date(2026, 8, 15);
    assert!(pending.is_valid_on(late));
    assert_eq!(pending.status_on(late), RegistrationStatus::RenewalPending);
    assert_eq!(public_list(std::slice::from_ref(&pending), late).len(), 1);
    assert!(expire(&pending, at(2026, 8, 15)).is_err());
    // Without the pending renewal it would have expired.
    assert!(!reg.is_valid_on(late));
    assert_eq!(reg.status_on(late), RegistrationStatus::Expired);

    let app2 = acceptance_check(&ipa(), &app2, Acceptance::Accept, at(2026, 6, 5))
        .unwrap()
        .state;
    let app2 = complete_review(&ipa(), &app2, at(2026, 8, 1))
        .unwrap()
        .state;
    let out = decide(
        &committee(),
        &app2,
        DecisionInput {
            outcome: DecisionOutcome::Register,
            reasons: String::new(),
        },
        DecideContext {
            service: &svc,
            registration: Some(&pending),
            new_registration_id: 0,
            format: &format,
            existing_numbers: &[reg.number],
        },
        at(2026, 9, 1),
    )
    .unwrap();
    log.extend(out.events);
    let renewed = out.state.1.unwrap();
    assert_eq!(renewed.number_text, "C25-0001-2");
    assert_eq!(renewed.number.count, reg.number.count + 1);
    assert_eq!(renewed.registered_on, reg.registered_on);
    assert_eq!(renewed.renewed_on, Some(date(2026, 9, 1)));
    assert_eq!(renewed.valid_through, date(2027, 7, 31));
    assert_eq!(
        renewed.status_on(date(2026, 9, 2)),
        RegistrationStatus::Registered
    );

    // 8. Revoked by the committee.
    let out =
        revoke_registration(&committee(), &renewed, "虚偽の言明が判明", at(2026, 10, 1)).unwrap();
    log.extend(out.events);
    let revoked = out.state;
    assert_eq!(revoked.status, RegistrationStatus::Revoked);
    assert!(public_list(std::slice::from_ref(&revoked), date(2026, 10, 2)).is_empty());
    assert!(!can_view_registration(None, &revoked, date(2026, 10, 2)));

    // The public remarks history tells the whole story, in order.
    let kinds: Vec<RemarkKind> = remarks_of(&log, svc.id).iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![
            RemarkKind::Registered,
            RemarkKind::RegionAdded,
            RemarkKind::ControlChange,
            RemarkKind::IncidentFlash,
            RemarkKind::IncidentConfirmed,
            RemarkKind::RenewalApplied,
            RemarkKind::Renewed,
            RemarkKind::Revoked,
        ]
    );
    let last = remarks_of(&log, svc.id).pop().unwrap();
    assert!(last.ja.contains("虚偽の言明が判明"));
    assert!(last.en.contains("revoked"));
}
