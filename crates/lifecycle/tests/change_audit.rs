//! The additional audit (追加監査) that answers a control change notice.

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
    let mut e = engage(
        &csp(),
        900,
        &submitted(),
        &firm(),
        &catalog(),
        AuditScope::Controls(controls.to_vec()),
        AuditPeriod::new(date(2025, 8, 1), date(2025, 10, 31)).unwrap(),
        at(2025, 7, 20),
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
    let notices = [n.clone()];
    let input = InboxInput {
        change_notices: &notices,
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
    let before =
        submit_change_audit(&csp(), &n, &reported(), "かすみ監査法人", at(2025, 8, 3)).unwrap_err();
    assert_eq!(before.key(), "change.audit_before_notice", "{before}");

    // An audit that left out one of the changed controls does not either.
    let partial = additional_audit(&changed[..1]);
    let e =
        submit_change_audit(&csp(), &n, &partial, "かすみ監査法人", at(2025, 11, 6)).unwrap_err();
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
    let e = submit_change_audit(&csp(), &n, &engaged_only, "かすみ監査法人", at(2025, 11, 6))
        .unwrap_err();
    assert_eq!(
        (e.http_status(), e.key()),
        (409, "change.audit_not_reported")
    );
    let e = submit_change_audit(&other_csp(), &n, &full, "かすみ監査法人", at(2025, 11, 6))
        .unwrap_err();
    assert_eq!(e.http_status(), 403);

    let out = submit_change_audit(&csp(), &n, &full, "かすみ監査法人", at(2025, 11, 6)).unwrap();
    let done = out.state;
    assert!(!done.awaits_additional_audit());
    assert_eq!(done.additional_audit.as_ref().unwrap().engagement_id, 900);
    let remark = &remarks_of(&out.events, service().id)[0];
    assert_eq!(remark.kind, RemarkKind::AdditionalAudit);
    assert!(remark.ja.contains("かすみ監査法人") && remark.ja.contains("2025-11-05"));
    let notices = [done.clone()];
    let input = InboxInput {
        change_notices: &notices,
        ..Default::default()
    };
    assert!(inbox(&csp(), input, date(2025, 11, 7)).is_empty());
    assert!(inbox(&ipa(), input, date(2025, 11, 7)).is_empty());

    // Submitted once only; other notices need no audit at all.
    let again =
        submit_change_audit(&csp(), &done, &full, "かすみ監査法人", at(2025, 11, 8)).unwrap_err();
    assert_eq!(again.key(), "change.audit_already_submitted");
    let organisational = file_change_notice(
        &csp(),
        801,
        &service(),
        &registered(),
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
        &full,
        "かすみ監査法人",
        at(2025, 11, 8),
    )
    .unwrap_err();
    assert_eq!(none.key(), "change.no_audit_needed");
}
