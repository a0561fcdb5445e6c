//! The additional audit (追加監査) that answers a control change notice.

use jiff::civil::Date;
use kasumi_lifecycle::changes::{
    ChangeKind, ChangeNotice, file_change_notice, submit_change_audit,
};
use kasumi_lifecycle::dates::AuditPeriod;
use kasumi_lifecycle::engagement::{
    AuditScope, Engagement, Procedure, ResultInput, TestResult, engage, issue_report, record_result,
};
use kasumi_lifecycle::event::Subject;
use kasumi_lifecycle::inbox::{InboxInput, InboxKind, inbox};
use kasumi_lifecycle::{RemarkKind, remarks_of};

use crate::common::*;
use crate::refusals::{registered, reported, submitted};

fn notice(controls: &[&str]) -> ChangeNotice {
    let kind = ChangeKind::ControlChange {
        controls: controls.iter().map(|c| c.to_string()).collect(),
    };
    file_change_notice(
        &csp(),
        800,
        &service(),
        &registered(),
        &catalog(),
        kind,
        "ログ管理製品の入替",
        at(2025, 8, 1),
    )
    .unwrap()
    .state
    .0
}

/// An audit of `controls` over August–October 2025, reported on 2025-11-05.
fn additional_audit(controls: &[String]) -> Engagement {
    audit_over(controls, date(2025, 8, 1), date(2025, 10, 31))
}

/// An audit of `controls` over `start..=end`, reported on 2025-11-05.
fn audit_over(controls: &[String], start: Date, end: Date) -> Engagement {
    let mut e = engage(
        &csp(),
        900,
        &submitted(),
        &firm(),
        &catalog(),
        AuditScope::Controls(controls.to_vec()),
        AuditPeriod::new(start, end).unwrap(),
        at(2025, 6, 20),
    )
    .unwrap()
    .state;
    for c in e.controls.clone() {
        let input = ResultInput {
            control: c,
            procedures: vec![Procedure::Inspection],
            design: TestResult::NoException,
            operating: TestResult::NoException,
            evidence: vec![],
        };
        e = record_result(&auditor(), &e, input, at(2025, 11, 1))
            .unwrap()
            .state;
    }
    issue_report(&auditor(), &e, "追加監査", at(2025, 11, 5))
        .unwrap()
        .state
}

#[test]
fn a_control_change_waits_for_its_additional_audit_until_one_covering_it_is_submitted() {
    let changed = reported().controls[..2].to_vec();
    let ids: Vec<&str> = changed.iter().map(String::as_str).collect();
    let n = notice(&ids);
    assert!(n.awaits_additional_audit());
    let reg = registered();
    let registrations = [reg.clone()];
    let notices = [n.clone()];
    let input = InboxInput {
        change_notices: &notices,
        registrations: &registrations,
        ..Default::default()
    };
    let due = inbox(&csp(), input, date(2025, 8, 2));
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].kind, due[0].subject),
        (InboxKind::ChangeAuditDue, Subject::ChangeNotice(800))
    );
    assert_eq!(inbox(&ipa(), input, date(2025, 8, 2)).len(), 1);
    assert!(inbox(&committee(), input, date(2025, 8, 2)).is_empty());
    assert!(inbox(&other_csp(), input, date(2025, 8, 2)).is_empty());

    // The yearly audit was reported before the change: it does not answer it.
    let before = submit_change_audit(
        &csp(),
        &n,
        &reg,
        &reported(),
        "かすみ監査法人",
        at(2025, 8, 3),
    )
    .unwrap_err();
    assert_eq!(before.key(), "change.audit_before_notice", "{before}");

    // Nor does an audit reported after the notice whose period began before
    // it: most of what it examined is the operation before the change.
    let straddling = audit_over(&changed, date(2025, 7, 1), date(2025, 9, 30));
    let e = submit_change_audit(
        &csp(),
        &n,
        &reg,
        &straddling,
        "かすみ監査法人",
        at(2025, 11, 6),
    )
    .unwrap_err();
    assert_eq!(
        (e.http_status(), e.key()),
        (422, "change.audit_before_notice")
    );
    assert!(
        e.message.ja.contains("2025-07-01") && e.message.ja.contains("2025-08-01"),
        "{e}"
    );
    assert!(n.audit_fits(&straddling).is_err());
    assert!(n.audit_fits(&additional_audit(&changed)).is_ok());

    // An audit that left out one of the changed controls does not either.
    let partial = additional_audit(&changed[..1]);
    let e = submit_change_audit(
        &csp(),
        &n,
        &reg,
        &partial,
        "かすみ監査法人",
        at(2025, 11, 6),
    )
    .unwrap_err();
    assert_eq!(
        (e.http_status(), e.key()),
        (422, "change.audit_scope_missing")
    );
    assert!(e.message.ja.contains(&changed[1]), "{e}");

    let full = additional_audit(&changed);
    let engaged_only = {
        let mut e = full.clone();
        e.status = kasumi_lifecycle::engagement::EngagementStatus::Engaged;
        e.report = None;
        e
    };
    let e = submit_change_audit(
        &csp(),
        &n,
        &reg,
        &engaged_only,
        "かすみ監査法人",
        at(2025, 11, 6),
    )
    .unwrap_err();
    assert_eq!(
        (e.http_status(), e.key()),
        (409, "change.audit_not_reported")
    );
    let e = submit_change_audit(
        &other_csp(),
        &n,
        &reg,
        &full,
        "かすみ監査法人",
        at(2025, 11, 6),
    )
    .unwrap_err();
    assert_eq!(e.http_status(), 403);

    let out =
        submit_change_audit(&csp(), &n, &reg, &full, "かすみ監査法人", at(2025, 11, 6)).unwrap();
    let done = out.state;
    assert!(!done.awaits_additional_audit());
    assert_eq!(done.additional_audit.as_ref().unwrap().engagement_id, 900);
    let remark = &remarks_of(&out.events, service().id)[0];
    assert_eq!(remark.kind, RemarkKind::AdditionalAudit);
    assert!(remark.ja.contains("かすみ監査法人") && remark.ja.contains("2025-11-05"));
    let notices = [done.clone()];
    let input = InboxInput {
        change_notices: &notices,
        registrations: &registrations,
        ..Default::default()
    };
    assert!(inbox(&csp(), input, date(2025, 11, 7)).is_empty());
    assert!(inbox(&ipa(), input, date(2025, 11, 7)).is_empty());

    // Submitted once only; other notices need no audit at all.
    let again = submit_change_audit(
        &csp(),
        &done,
        &reg,
        &full,
        "かすみ監査法人",
        at(2025, 11, 8),
    )
    .unwrap_err();
    assert_eq!(again.key(), "change.audit_already_submitted");
    let organisational = file_change_notice(
        &csp(),
        801,
        &service(),
        &registered(),
        &catalog(),
        ChangeKind::Organisational,
        "部署名の変更",
        at(2025, 8, 1),
    )
    .unwrap()
    .state
    .0;
    let none = submit_change_audit(
        &csp(),
        &organisational,
        &reg,
        &full,
        "かすみ監査法人",
        at(2025, 11, 8),
    )
    .unwrap_err();
    assert_eq!(none.key(), "change.no_audit_needed");
}

#[test]
fn a_control_change_names_detailed_controls_of_the_registered_criteria() {
    let change = |controls: &[&str]| {
        file_change_notice(
            &csp(),
            802,
            &service(),
            &registered(),
            &catalog(),
            ChangeKind::ControlChange {
                controls: controls.iter().map(|c| c.to_string()).collect(),
            },
            "認証方式を変更",
            at(2025, 8, 1),
        )
    };
    let control = reported().controls[0].clone();
    // An objective (3 digits), a typo and an empty list are refused, each
    // unknown id named, so no notice waits for an audit that cannot exist.
    let objective = control.rsplit_once('.').unwrap().0.to_string();
    let e = change(&[&control, &objective, "9.9.9.99"]).unwrap_err();
    assert_eq!((e.http_status(), e.key()), (422, "change.unknown_control"));
    assert!(
        e.message.ja.contains(&objective) && e.message.ja.contains("9.9.9.99"),
        "{e}"
    );
    assert!(!e.message.ja.contains(&format!("{control},")), "{e}");
    assert_eq!(change(&[]).unwrap_err().key(), "change.controls_missing");
    assert!(change(&[&control]).is_ok());
}

#[test]
fn once_the_registration_ends_a_waiting_control_change_leaves_the_inboxes() {
    let changed = reported().controls[..1].to_vec();
    let n = notice(&[&changed[0]]);
    let revoked = kasumi_lifecycle::registration::revoke_registration(
        &committee(),
        &registered(),
        "重大な違反",
        at(2025, 9, 1),
    )
    .unwrap()
    .state;
    let registrations = [revoked.clone()];
    let notices = [n.clone()];
    let input = InboxInput {
        change_notices: &notices,
        registrations: &registrations,
        ..Default::default()
    };
    assert!(inbox(&csp(), input, date(2025, 9, 2)).is_empty());
    assert!(inbox(&ipa(), input, date(2025, 9, 2)).is_empty());
    // Nor can an audit be submitted for it any more.
    let e = submit_change_audit(
        &csp(),
        &n,
        &revoked,
        &additional_audit(&changed),
        "かすみ監査法人",
        at(2025, 11, 6),
    )
    .unwrap_err();
    assert_eq!((e.http_status(), e.key()), (409, "registration.not_active"));
}
