//! The ISMAP-LIU track.

use kasumi_lifecycle::application::{
    ApplicationKind, ApplyContext, ApplyInput, Attachment, AttachmentKind, Track, apply,
};
use kasumi_lifecycle::dates::AuditPeriod;
use kasumi_lifecycle::engagement::{
    AuditScope, Engagement, Procedure, ResultInput, TestResult, engage, issue_report, record_result,
};
use kasumi_lifecycle::liu::{
    AssessmentInput, ImpactAssessment, ImpactLevel, file_impact_assessment,
};
use kasumi_lifecycle::service::{Service, ServiceModel, register_service};
use kasumi_lifecycle::statement::{Statement, create_statement, submit_statement};
use kasumi_lifecycle::{Outcome, Refusal};

use crate::common::*;

fn assessment(svc: &Service, result: ImpactLevel) -> ImpactAssessment {
    file_impact_assessment(
        &agency(),
        900,
        svc,
        AssessmentInput {
            business: "職員向け日程調整".into(),
            information: "機密性2".into(),
            result,
            rationale: "要機密情報を扱わない".into(),
        },
        at(2024, 1, 5),
    )
    .unwrap()
    .state
}

fn statement(svc: &Service) -> Statement {
    let d = create_statement(&csp(), svc, 210, clean_content(), at(2024, 2, 1))
        .unwrap()
        .state;
    submit_statement(&csp(), &d, &catalog(), at(2024, 2, 1))
        .unwrap()
        .state
}

fn liu_audit(st: &Statement) -> Engagement {
    let period = AuditPeriod::new(date(2024, 4, 1), date(2024, 9, 30)).unwrap();
    let mut e = engage(
        &csp(),
        310,
        st,
        &firm(),
        &catalog(),
        AuditScope::Liu,
        period,
        at(2024, 3, 1),
    )
    .unwrap()
    .state;
    for c in e.controls.clone() {
        let input = ResultInput {
            control: c,
            procedures: vec![Procedure::Reperformance],
            design: TestResult::NoException,
            operating: TestResult::NoException,
            evidence: vec![],
        };
        e = record_result(&auditor(), &e, input, at(2024, 10, 5))
            .unwrap()
            .state;
    }
    issue_report(&auditor(), &e, "LIU", at(2024, 11, 1))
        .unwrap()
        .state
}

fn files(internal: bool) -> Vec<Attachment> {
    let mut kinds = vec![AttachmentKind::Statement, AttachmentKind::AuditReport];
    if internal {
        kinds.push(AttachmentKind::InternalAuditReport);
    }
    kinds
        .into_iter()
        .map(|kind| Attachment {
            kind,
            name: "f".into(),
            sha256: "e".repeat(64),
            size: 9,
        })
        .collect()
}

fn try_apply(
    svc: &Service,
    st: &Statement,
    eng: &Engagement,
    a: &ImpactAssessment,
    internal: bool,
) -> Result<
    Outcome<(
        kasumi_lifecycle::application::Application,
        Option<kasumi_lifecycle::registration::Registration>,
    )>,
    Refusal,
> {
    apply(
        &csp(),
        410,
        ApplyInput {
            kind: ApplicationKind::New,
            track: Track::Liu {
                assessment_id: a.id,
            },
            attachments: files(internal),
        },
        ApplyContext {
            service: svc,
            statement: st,
            engagement: eng,
            registration: None,
            assessment: Some(a),
            service_applications: &[],
            service_registrations: &[],
        },
        at(2024, 12, 1),
    )
}

#[test]
fn the_liu_audit_covers_the_adopted_critical_controls_only() {
    let svc = service();
    let eng = liu_audit(&statement(&svc));
    let critical: Vec<String> = catalog()
        .items
        .iter()
        .filter(|i| i.liu_critical)
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(eng.controls, critical);
    assert_eq!(
        eng.controls,
        ["8.1.1.1", "8.2.1.1", "9.1.1.1", "9.2.1.1", "12.4.1.1"]
    );
}

#[test]
fn only_a_low_impact_result_opens_the_liu_track() {
    let svc = service();
    let st = statement(&svc);
    let eng = liu_audit(&st);
    let low = assessment(&svc, ImpactLevel::Low);
    let (app, _) = try_apply(&svc, &st, &eng, &low, true).unwrap().state;
    assert_eq!(app.track, Track::Liu { assessment_id: 900 });

    let medium = assessment(&svc, ImpactLevel::Medium);
    let e = try_apply(&svc, &st, &eng, &medium, true).unwrap_err();
    assert_eq!(e.key(), "liu.impact_not_low");
    assert_eq!(e.http_status(), 409);
}

#[test]
fn the_liu_track_needs_the_internal_audit_report_and_a_saas() {
    let svc = service();
    let st = statement(&svc);
    let eng = liu_audit(&st);
    let low = assessment(&svc, ImpactLevel::Low);
    let e = try_apply(&svc, &st, &eng, &low, false).unwrap_err();
    assert_eq!(e.key(), "application.attachment_missing");
    assert!(e.message.ja.contains("内部監査報告書"));

    let iaas = register_service(
        &csp(),
        101,
        service_draft(ServiceModel::Iaas),
        at(2024, 1, 1),
    )
    .unwrap()
    .state;
    let e = try_apply(&iaas, &st, &eng, &low, true).unwrap_err();
    assert_eq!(e.key(), "application.records_mismatch");
    let mut iaas_same_id = iaas.clone();
    iaas_same_id.id = svc.id;
    let e = try_apply(&iaas_same_id, &st, &eng, &low, true).unwrap_err();
    assert_eq!(e.key(), "liu.saas_only");
}

#[test]
fn an_liu_audit_is_not_enough_for_a_standard_registration() {
    let svc = service();
    let st = statement(&svc);
    let eng = liu_audit(&st);
    let e = apply(
        &csp(),
        411,
        ApplyInput {
            kind: ApplicationKind::New,
            track: Track::Standard,
            attachments: files(true),
        },
        ApplyContext {
            service: &svc,
            statement: &st,
            engagement: &eng,
            registration: None,
            assessment: None,
            service_applications: &[],
            service_registrations: &[],
        },
        at(2024, 12, 1),
    )
    .unwrap_err();
    assert_eq!(e.key(), "application.scope_insufficient");
}
