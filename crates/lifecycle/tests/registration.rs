//! Registration numbers, renewal outcomes, expiry, and suspension.

use kasumi_lifecycle::application::{
    Acceptance, Application, ApplicationKind, ApplicationStatus, ApplyContext, ApplyInput,
    Attachment, AttachmentKind, DecideContext, DecisionInput, DecisionOutcome, Track,
    acceptance_check, apply, complete_review, decide, withdraw,
};
use kasumi_lifecycle::registration::{
    NumberFormat, Registration, RegistrationNumber, RegistrationStatus, SequenceScope, expire,
    reinstate_registration, suspend_registration,
};
use kasumi_lifecycle::{Refusal, RemarkKind};

use crate::common::*;
use crate::refusals::{registered, reported, submitted};

#[test]
fn a_number_format_setting_is_checked() {
    let f = NumberFormat::parse("ISMAP-{YYYY}-{NNN}/{n}", SequenceScope::Global).unwrap();
    let n = RegistrationNumber {
        fiscal_year: 2025,
        seq: 12,
        count: 1,
    };
    assert_eq!(f.render(&n), "ISMAP-2025-012/1");
    assert_eq!(f.sequence, SequenceScope::Global);
    let no_count = NumberFormat::parse("C{YY}-{NNNN}", SequenceScope::PerFiscalYear).unwrap_err();
    assert!(no_count.contains("{n}"), "{no_count}");
    let no_seq = NumberFormat::parse("C{YY}-{n}", SequenceScope::PerFiscalYear).unwrap_err();
    assert!(no_seq.contains("{NNNN}"), "{no_seq}");
    let unknown =
        NumberFormat::parse("C{YY}-{NNNN}-{m}", SequenceScope::PerFiscalYear).unwrap_err();
    assert!(unknown.contains("{m}"), "{unknown}");
    assert!(NumberFormat::parse("C{YY-{NNNN}-{n}", SequenceScope::PerFiscalYear).is_err());
    assert_eq!(
        NumberFormat::parse("C{YY}-{NNNN}-{n}", SequenceScope::PerFiscalYear).unwrap(),
        NumberFormat::default()
    );
}

#[test]
fn numbers_follow_the_template() {
    let f = NumberFormat::default();
    let n = RegistrationNumber {
        fiscal_year: 2021,
        seq: 8,
        count: 2,
    };
    assert_eq!(f.render(&n), "C21-0008-2");
    let custom = NumberFormat {
        template: "ISMAP-{YYYY}/{NNN}#{n} {x}".into(),
        ..f.clone()
    };
    assert_eq!(custom.render(&n), "ISMAP-2021/008#2 {x}");
    // Sequence per fiscal year (FY2025 starts 2025-04-01) or global.
    let existing = [
        RegistrationNumber {
            fiscal_year: 2024,
            seq: 7,
            count: 1,
        },
        RegistrationNumber {
            fiscal_year: 2025,
            seq: 2,
            count: 3,
        },
    ];
    let a = f.next_number(&existing, date(2025, 3, 31));
    assert_eq!((a.fiscal_year, a.seq, a.count), (2024, 8, 1));
    let b = f.next_number(&existing, date(2025, 4, 1));
    assert_eq!((b.fiscal_year, b.seq), (2025, 3));
    let global = NumberFormat {
        sequence: SequenceScope::Global,
        first_count: 0,
        ..f
    };
    let c = global.next_number(&existing, date(2026, 4, 1));
    assert_eq!((c.fiscal_year, c.seq, c.count), (2026, 8, 0));
}

fn renewal(reg: &Registration, on: i64) -> Result<(Application, Option<Registration>), Refusal> {
    let svc = service();
    let (st, eng) = (submitted(), reported());
    let atts = [AttachmentKind::Statement, AttachmentKind::AuditReport]
        .into_iter()
        .map(|kind| Attachment {
            kind,
            name: "f".into(),
            sha256: "1".repeat(64),
            size: 1,
        })
        .collect();
    apply(
        &csp(),
        450,
        ApplyInput {
            kind: ApplicationKind::Renewal {
                registration_id: reg.id,
            },
            track: Track::Standard,
            attachments: atts,
        },
        ApplyContext {
            service: &svc,
            statement: &st,
            engagement: &eng,
            registration: Some(reg),
            assessment: None,
            service_applications: &[],
            service_registrations: &[],
        },
        on,
    )
    .map(|o| o.state)
}

fn reject(app: &Application, reg: &Registration, on: i64) -> (Application, Registration) {
    let a = acceptance_check(&ipa(), app, Acceptance::Accept, on)
        .unwrap()
        .state;
    let a = complete_review(&ipa(), &a, on).unwrap().state;
    let out = decide(
        &committee(),
        &a,
        DecisionInput {
            outcome: DecisionOutcome::Reject,
            reasons: "重大な例外事項が未是正".into(),
        },
        DecideContext {
            service: &service(),
            registration: Some(reg),
            new_registration_id: 0,
            format: &NumberFormat::default(),
            existing_numbers: &[],
        },
        on,
    )
    .unwrap();
    let remark = out.events.iter().find_map(|e| e.remark.clone()).unwrap();
    assert_eq!(remark.kind, RemarkKind::RenewalRejected);
    let (a, r) = out.state;
    (a, r.unwrap())
}

#[test]
fn the_first_registration() {
    let reg = registered();
    // Decided 2025-07-01 (FY2025); audit ended 2025-03-31.
    assert_eq!(reg.number_text, "C25-0001-1");
    assert_eq!(reg.valid_through, date(2026, 7, 31));
    assert!(reg.is_valid_on(date(2026, 7, 31)));
    assert!(!reg.is_valid_on(date(2026, 8, 1)));
    assert_eq!(reg.status_on(date(2026, 8, 1)), RegistrationStatus::Expired);
    assert!(expire(&reg, at(2026, 7, 31)).is_err());
    let out = expire(&reg, at(2026, 8, 1)).unwrap();
    assert_eq!(out.state.status, RegistrationStatus::Expired);
    assert!(out.events[0].actor.is_none());
    assert_eq!(
        out.events[0].remark.as_ref().unwrap().kind,
        RemarkKind::Expired
    );
}

#[test]
fn a_rejected_renewal_leaves_the_old_validity() {
    let reg = registered();
    let (app, pending) = renewal(&reg, at(2026, 6, 1)).unwrap();
    let pending = pending.unwrap();
    // Decided before the last valid day: still valid until then.
    let (app2, r) = reject(&app, &pending, at(2026, 7, 1));
    assert_eq!(app2.status, ApplicationStatus::Rejected);
    assert_eq!(
        r.status_on(date(2026, 7, 2)),
        RegistrationStatus::Registered
    );
    assert_eq!(r.number, reg.number, "no renewal, no new count");
    // Decided after it: expired at once.
    let (_, r) = reject(&app, &pending, at(2026, 9, 1));
    assert_eq!(r.status_on(date(2026, 9, 1)), RegistrationStatus::Expired);
    assert!(!r.is_valid_on(date(2026, 9, 1)));
}

#[test]
fn renewal_needs_a_valid_registration_and_withdrawal_ends_pending() {
    let reg = registered();
    let late = renewal(&reg, at(2026, 8, 1)).unwrap_err();
    assert_eq!(late.key(), "application.not_renewable");
    assert!(late.is_conflict());

    let (app, pending) = renewal(&reg, at(2026, 6, 1)).unwrap();
    let pending = pending.unwrap();
    // A second renewal while one is pending is refused.
    assert_eq!(
        renewal(&pending, at(2026, 6, 2)).unwrap_err().key(),
        "application.not_renewable"
    );
    let (w, back) = withdraw(&csp(), &app, Some(&pending), at(2026, 6, 10))
        .unwrap()
        .state;
    assert_eq!(w.status, ApplicationStatus::Withdrawn);
    let back = back.unwrap();
    assert_eq!(back.status, RegistrationStatus::Registered);
    assert_eq!(back.renewal_application, None);
}

#[test]
fn suspension_while_pending_returns_to_pending() {
    let reg = registered();
    let (_, pending) = renewal(&reg, at(2026, 6, 1)).unwrap();
    let pending = pending.unwrap();
    let s = suspend_registration(&committee(), &pending, "調査", at(2026, 6, 5)).unwrap();
    assert_eq!(
        s.events[0].remark.as_ref().unwrap().kind,
        RemarkKind::Suspended
    );
    let s = s.state;
    assert!(!s.is_valid_on(date(2026, 6, 6)));
    assert!(
        s.is_listed_on(date(2026, 6, 6)),
        "suspended entries stay on the list, marked"
    );
    let r = reinstate_registration(&committee(), &s, at(2026, 8, 20))
        .unwrap()
        .state;
    assert_eq!(r.status, RegistrationStatus::RenewalPending);
    assert!(r.is_valid_on(date(2026, 8, 20)));
}

#[test]
fn a_saas_on_a_lapsed_registration_is_flagged() {
    use kasumi_lifecycle::service::{ServiceModel, lapsed_foundations, register_service};
    let reg = registered(); // service 100, valid through 2026-07-31
    let mut draft = service_draft(ServiceModel::Saas);
    draft.built_on = vec![reg.service_id, 555];
    let saas = register_service(&csp(), 101, draft, at(2025, 8, 1))
        .unwrap()
        .state;
    let regs = [reg];
    assert_eq!(lapsed_foundations(&saas, &regs, date(2026, 7, 31)), [555]);
    assert_eq!(
        lapsed_foundations(&saas, &regs, date(2026, 8, 1)),
        [100, 555]
    );
}
