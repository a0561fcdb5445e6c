//! Role and organisation refusals (403) and state refusals (409), per kind of actor.

use kasumi_lifecycle::application::{
    Acceptance, Application, ApplicationKind, ApplicationStatus, ApplyContext, ApplyInput,
    Attachment, AttachmentKind, DecideContext, DecisionInput, DecisionOutcome, Track,
    acceptance_check, apply, complete_review, decide, request_correction, withdraw,
};
use kasumi_lifecycle::changes::{ChangeKind, file_change_notice, report_incident};
use kasumi_lifecycle::dates::AuditPeriod;
use kasumi_lifecycle::engagement::{
    AuditScope, Engagement, Procedure, ResultInput, TestResult, engage, issue_report, record_result,
};
use kasumi_lifecycle::firm::{
    Rating, declare_relationship, list_firm, record_evaluation, relist_firm, suspend_firm,
};
use kasumi_lifecycle::liu::{AssessmentInput, ImpactLevel, file_impact_assessment};
use kasumi_lifecycle::registration::{
    NumberFormat, Registration, delete_registration, reinstate_registration, revoke_registration,
    suspend_registration,
};
use kasumi_lifecycle::service::{ServiceModel, register_service, update_service};
use kasumi_lifecycle::statement::{Statement, create_statement, edit_statement, submit_statement};
use kasumi_lifecycle::{Actor, Refusal, RefusalKind};

use crate::common::*;

fn forbidden<T: std::fmt::Debug>(r: Result<T, Refusal>, key: &str) {
    let e = r.expect_err("should be refused");
    assert_eq!(e.kind, RefusalKind::Forbidden, "{e}");
    assert_eq!(e.http_status(), 403);
    assert_eq!(e.key(), key, "{e}");
    assert!(!e.message.ja.is_empty() && !e.message.en.is_empty());
}

fn conflict<T: std::fmt::Debug>(r: Result<T, Refusal>, key: &str) {
    let e = r.expect_err("should be refused");
    assert_eq!(e.kind, RefusalKind::Conflict, "{e}");
    assert_eq!(e.http_status(), 409);
    assert_eq!(e.key(), key, "{e}");
}

pub fn submitted() -> Statement {
    let d = create_statement(&csp(), &service(), 200, clean_content(), at(2024, 2, 1))
        .unwrap()
        .state;
    submit_statement(&csp(), &d, &catalog(), at(2024, 2, 2))
        .unwrap()
        .state
}

fn period() -> AuditPeriod {
    AuditPeriod::new(date(2024, 4, 1), date(2025, 3, 31)).unwrap()
}

pub fn engaged() -> Engagement {
    engage(
        &csp(),
        300,
        &submitted(),
        &firm(),
        &catalog(),
        AuditScope::Full,
        period(),
        at(2024, 3, 1),
    )
    .unwrap()
    .state
}

fn result(control: &str) -> ResultInput {
    ResultInput {
        control: control.into(),
        procedures: vec![Procedure::Observation],
        design: TestResult::NoException,
        operating: TestResult::NoException,
        evidence: vec![],
    }
}

pub fn reported() -> Engagement {
    let mut e = engaged();
    for c in e.controls.clone() {
        e = record_result(&auditor(), &e, result(&c), at(2025, 4, 10))
            .unwrap()
            .state;
    }
    issue_report(&auditor(), &e, "done", at(2025, 5, 1))
        .unwrap()
        .state
}

fn atts() -> Vec<Attachment> {
    [AttachmentKind::Statement, AttachmentKind::AuditReport]
        .into_iter()
        .map(|kind| Attachment {
            kind,
            name: "f.pdf".into(),
            sha256: "d".repeat(64),
            size: 1,
        })
        .collect()
}

/// The service's new application `id` on the standard track, on its
/// submitted statement and reported audit.
fn apply_new(
    id: i64,
    apps: &[Application],
    regs: &[Registration],
    on: kasumi_core::Micros,
) -> Result<kasumi_lifecycle::Outcome<(Application, Option<Registration>)>, Refusal> {
    let (svc, st, eng) = (service(), submitted(), reported());
    apply(
        &csp(),
        id,
        ApplyInput {
            kind: ApplicationKind::New,
            track: Track::Standard,
            attachments: atts(),
        },
        ApplyContext {
            service: &svc,
            statement: &st,
            engagement: &eng,
            registration: None,
            assessment: None,
            service_applications: apps,
            service_registrations: regs,
        },
        on,
    )
}

pub fn applied() -> Application {
    apply_new(400, &[], &[], at(2025, 6, 1)).unwrap().state.0
}

fn ready_for_decision() -> Application {
    let a = acceptance_check(&ipa(), &applied(), Acceptance::Accept, at(2025, 6, 2))
        .unwrap()
        .state;
    complete_review(&ipa(), &a, at(2025, 6, 3)).unwrap().state
}

fn register_decision(actor: &Actor, app: &Application) -> Result<Option<Registration>, Refusal> {
    let svc = service();
    let fmt = NumberFormat::default();
    decide(
        actor,
        app,
        DecisionInput {
            outcome: DecisionOutcome::Register,
            reasons: String::new(),
        },
        DecideContext {
            service: &svc,
            registration: None,
            new_registration_id: 500,
            format: &fmt,
            existing_numbers: &[],
        },
        at(2025, 7, 1),
    )
    .map(|o| o.state.1)
}

pub fn registered() -> Registration {
    register_decision(&committee(), &ready_for_decision())
        .unwrap()
        .unwrap()
}

#[test]
fn a_csp_acts_only_on_its_own_services() {
    let svc = service();
    forbidden(
        update_service(&other_csp(), &svc, svc.draft.clone(), at(2024, 1, 2)),
        "auth.organisation",
    );
    forbidden(
        create_statement(&other_csp(), &svc, 1, clean_content(), at(2024, 1, 2)),
        "auth.organisation",
    );
    let st = submitted();
    forbidden(
        engage(
            &other_csp(),
            1,
            &st,
            &firm(),
            &catalog(),
            AuditScope::Full,
            period(),
            at(2024, 3, 1),
        ),
        "auth.organisation",
    );
    let app = applied();
    forbidden(
        withdraw(&other_csp(), &app, None, at(2025, 6, 2)),
        "auth.organisation",
    );
    let reg = registered();
    forbidden(
        file_change_notice(
            &other_csp(),
            1,
            &svc,
            &reg,
            &catalog(),
            ChangeKind::Other,
            "x",
            at(2025, 8, 1),
        ),
        "auth.organisation",
    );
    forbidden(
        report_incident(&other_csp(), 1, &svc, &reg, "x", at(2025, 8, 1)),
        "auth.organisation",
    );
    // A CSP cannot do IPA's or the committee's work on its own application either.
    forbidden(
        acceptance_check(&csp(), &app, Acceptance::Accept, at(2025, 6, 2)),
        "auth.role",
    );
    forbidden(
        register_decision(&csp(), &ready_for_decision()),
        "auth.role",
    );
}

#[test]
fn an_auditor_acts_only_on_engagements_of_their_firm() {
    let e = engaged();
    forbidden(
        record_result(&other_auditor(), &e, result("8.1.2.1"), at(2025, 4, 10)),
        "auth.organisation",
    );
    forbidden(
        issue_report(&other_auditor(), &e, "x", at(2025, 5, 1)),
        "auth.organisation",
    );
    // A CSP cannot record its own audit results.
    forbidden(
        record_result(&csp(), &e, result("8.1.2.1"), at(2025, 4, 10)),
        "auth.role",
    );
    // An auditor cannot apply, decide or list firms.
    forbidden(
        list_firm(&auditor(), 9, FIRM_ORG, "自称監査法人", at(2024, 1, 1)),
        "auth.role",
    );
    forbidden(
        declare_relationship(
            &other_auditor(),
            &firm(),
            CSP_ORG,
            "顧問契約",
            at(2024, 1, 1),
        ),
        "auth.organisation",
    );
}

#[test]
fn only_the_evaluator_manages_audit_firms() {
    let f = firm();
    for who in [csp(), auditor(), ipa(), committee(), admin()] {
        forbidden(
            suspend_firm(&who, &f, "品質不足", at(2024, 5, 1)),
            "auth.role",
        );
        forbidden(
            record_evaluation(&who, &f, Rating::Satisfactory, "良好", at(2024, 5, 1)),
            "auth.role",
        );
    }
    let suspended = suspend_firm(&evaluator(), &f, "品質不足", at(2024, 5, 1))
        .unwrap()
        .state;
    conflict(
        suspend_firm(&evaluator(), &suspended, "再度", at(2024, 5, 2)),
        "firm.not_listed",
    );
    conflict(
        relist_firm(&evaluator(), &f, at(2024, 5, 2)),
        "firm.not_suspended",
    );
    // A suspended firm cannot be engaged; re-listed, it can.
    conflict(
        engage(
            &csp(),
            1,
            &submitted(),
            &suspended,
            &catalog(),
            AuditScope::Full,
            period(),
            at(2024, 6, 1),
        ),
        "engagement.firm_not_listed",
    );
    let relisted = relist_firm(&evaluator(), &suspended, at(2024, 6, 1))
        .unwrap()
        .state;
    assert!(
        engage(
            &csp(),
            1,
            &submitted(),
            &relisted,
            &catalog(),
            AuditScope::Full,
            period(),
            at(2024, 6, 2)
        )
        .is_ok()
    );
    let evaluated = record_evaluation(
        &evaluator(),
        &relisted,
        Rating::NeedsImprovement,
        "調書の記載が不足",
        at(2024, 7, 1),
    )
    .unwrap()
    .state;
    assert_eq!(evaluated.evaluations.len(), 1);
    assert_eq!(evaluated.evaluations[0].evaluator, evaluator().user);
}

#[test]
fn a_firm_related_to_the_csp_cannot_be_engaged() {
    let f = declare_relationship(
        &auditor(),
        &firm(),
        CSP_ORG,
        "コンサルティング契約",
        at(2024, 1, 1),
    )
    .unwrap()
    .state;
    conflict(
        engage(
            &csp(),
            1,
            &submitted(),
            &f,
            &catalog(),
            AuditScope::Full,
            period(),
            at(2024, 3, 1),
        ),
        "engagement.firm_related",
    );
    // Another CSP may still engage it.
    assert!(!f.related_to(OTHER_CSP_ORG));
}

#[test]
fn ipa_reviews_and_the_committee_decides() {
    let app = applied();
    for who in [committee(), secretariat(), agency(), auditor(), admin()] {
        forbidden(
            acceptance_check(&who, &app, Acceptance::Accept, at(2025, 6, 2)),
            "auth.role",
        );
    }
    let ready = ready_for_decision();
    for who in [ipa(), secretariat(), agency(), evaluator(), admin()] {
        forbidden(register_decision(&who, &ready), "auth.role");
    }
    // Not in the current state.
    conflict(
        register_decision(&committee(), &app),
        "application.wrong_state",
    );
    conflict(
        request_correction(&ipa(), &app, vec![(None, "x".into())], at(2025, 6, 2)),
        "application.wrong_state",
    );
    conflict(
        acceptance_check(&ipa(), &ready, Acceptance::Accept, at(2025, 6, 4)),
        "application.wrong_state",
    );
    // A returned application waits for the CSP.
    let returned = acceptance_check(
        &ipa(),
        &app,
        Acceptance::Return {
            reason: "添付不足".into(),
        },
        at(2025, 6, 2),
    )
    .unwrap()
    .state;
    assert_eq!(returned.status, ApplicationStatus::Returned);
    conflict(
        complete_review(&ipa(), &returned, at(2025, 6, 3)),
        "application.wrong_state",
    );
    // Rejecting needs reasons.
    let e = decide(
        &committee(),
        &ready,
        DecisionInput {
            outcome: DecisionOutcome::Reject,
            reasons: "".into(),
        },
        DecideContext {
            service: &service(),
            registration: None,
            new_registration_id: 1,
            format: &NumberFormat::default(),
            existing_numbers: &[],
        },
        at(2025, 7, 1),
    )
    .unwrap_err();
    assert_eq!(e.key(), "input.required");
}

#[test]
fn only_the_committee_suspends_revokes_and_deletes() {
    let reg = registered();
    for who in [csp(), ipa(), secretariat(), auditor(), admin()] {
        forbidden(
            suspend_registration(&who, &reg, "x", at(2025, 8, 1)),
            "auth.role",
        );
        forbidden(
            revoke_registration(&who, &reg, "x", at(2025, 8, 1)),
            "auth.role",
        );
        forbidden(
            delete_registration(&who, &reg, "x", at(2025, 8, 1)),
            "auth.role",
        );
    }
    let s = suspend_registration(&committee(), &reg, "調査中", at(2025, 8, 1))
        .unwrap()
        .state;
    conflict(
        suspend_registration(&committee(), &s, "x", at(2025, 8, 2)),
        "registration.wrong_state",
    );
    let back = reinstate_registration(&committee(), &s, at(2025, 9, 1))
        .unwrap()
        .state;
    assert_eq!(back.status, reg.status);
    conflict(
        reinstate_registration(&committee(), &back, at(2025, 9, 2)),
        "registration.wrong_state",
    );
    let gone = delete_registration(&committee(), &back, "事業者の申出", at(2025, 10, 1))
        .unwrap()
        .state;
    conflict(
        revoke_registration(&committee(), &gone, "x", at(2025, 10, 2)),
        "registration.wrong_state",
    );
    conflict(
        file_change_notice(
            &csp(),
            1,
            &service(),
            &gone,
            &catalog(),
            ChangeKind::Other,
            "x",
            at(2025, 10, 3),
        ),
        "registration.not_active",
    );
}

#[test]
fn agencies_file_impact_assessments_and_nobody_else() {
    let input = AssessmentInput {
        business: "広報".into(),
        information: "機密性2".into(),
        result: ImpactLevel::Low,
        rationale: String::new(),
    };
    for who in [csp(), ipa(), committee(), auditor()] {
        forbidden(
            file_impact_assessment(&who, 1, &service(), input.clone(), at(2024, 1, 1)),
            "auth.role",
        );
    }
    let a = file_impact_assessment(&agency(), 1, &service(), input.clone(), at(2024, 1, 1))
        .unwrap()
        .state;
    assert_eq!(a.agency_org, AGENCY_ORG);
    // ISMAP-LIU is for SaaS: an IaaS cannot be assessed for it.
    let mut iaas = service();
    iaas.draft.service_model = ServiceModel::Iaas;
    let e = file_impact_assessment(&agency(), 2, &iaas, input, at(2024, 1, 1))
        .expect_err("an IaaS is not assessed for LIU");
    assert_eq!((e.http_status(), e.key()), (422, "liu.saas_only"), "{e}");
    // An agency cannot apply for a CSP.
    forbidden(
        register_service(
            &agency(),
            1,
            service_draft(ServiceModel::Saas),
            at(2024, 1, 1),
        ),
        "auth.role",
    );
}

#[test]
fn state_refusals_for_the_csp() {
    let st = submitted();
    conflict(
        edit_statement(&csp(), &st, clean_content(), at(2024, 3, 1)),
        "statement.not_draft",
    );
    conflict(
        submit_statement(&csp(), &st, &catalog(), at(2024, 3, 1)),
        "statement.not_draft",
    );
    // A draft cannot be audited.
    let draft = create_statement(&csp(), &service(), 201, clean_content(), at(2024, 3, 1))
        .unwrap()
        .state;
    conflict(
        engage(
            &csp(),
            1,
            &draft,
            &firm(),
            &catalog(),
            AuditScope::Full,
            period(),
            at(2024, 3, 1),
        ),
        "engagement.statement_not_submitted",
    );
    // No application before the report.
    let (svc, eng) = (service(), engaged());
    conflict(
        apply(
            &csp(),
            1,
            ApplyInput {
                kind: ApplicationKind::New,
                track: Track::Standard,
                attachments: atts(),
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
            at(2025, 4, 1),
        ),
        "application.report_missing",
    );
}

/// One application in progress per service, and a listed service is renewed,
/// not applied for anew; once the registration has lapsed it may apply again.
#[test]
fn a_service_has_one_application_at_a_time_and_is_renewed_while_listed() {
    let try_new = |apps: &[Application], regs: &[Registration], on| apply_new(401, apps, regs, on);
    let open = applied();
    let e = try_new(std::slice::from_ref(&open), &[], at(2025, 6, 5)).unwrap_err();
    assert_eq!(
        (e.http_status(), e.key()),
        (409, "application.already_open")
    );
    assert!(e.message.ja.contains("#400"), "{e}");
    // Withdrawn, it no longer stands in the way.
    let withdrawn = withdraw(&csp(), &open, None, at(2025, 6, 6))
        .unwrap()
        .state
        .0;
    assert!(try_new(&[withdrawn], &[], at(2025, 6, 7)).is_ok());

    let reg = registered(); // valid through 2026-07-31
    let e = try_new(&[], std::slice::from_ref(&reg), at(2025, 8, 1)).unwrap_err();
    assert_eq!(e.key(), "application.already_registered");
    assert!(e.message.ja.contains(&reg.number_text), "{e}");
    assert!(try_new(&[], &[reg], at(2026, 8, 1)).is_ok(), "expired");
}
