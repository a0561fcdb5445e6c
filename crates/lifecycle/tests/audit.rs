//! Engagements: results, report timing, scope planning and the OSCAL export.

use kasumi_lifecycle::dates::AuditPeriod;
use kasumi_lifecycle::engagement::{
    AuditScope, EngagementStatus, Evidence, IsmsCertificate, Procedure, ResultInput, TestResult,
    cancel_engagement, engage, issue_report, record_result, renewal_scope,
};
use kasumi_lifecycle::oscal::{ArNames, assessment_results, stable_uuid};

use crate::common::*;
use crate::refusals::{engaged, reported, submitted};

fn input(control: &str) -> ResultInput {
    ResultInput {
        control: control.into(),
        procedures: vec![Procedure::Inspection],
        design: TestResult::NoException,
        operating: TestResult::NoException,
        evidence: vec![],
    }
}

#[test]
fn results_are_checked() {
    let e = engaged();
    let key = |i: ResultInput| {
        record_result(&auditor(), &e, i, at(2025, 4, 2))
            .unwrap_err()
            .key()
    };
    // 8.1.2.6 is not adopted in the statement, so not in scope.
    assert_eq!(key(input("8.1.2.6")), "engagement.control_out_of_scope");
    let mut i = input("8.1.2.1");
    i.procedures.clear();
    assert_eq!(key(i), "engagement.procedure_missing");
    let mut i = input("8.1.2.1");
    i.design = TestResult::Exception {
        description: " ".into(),
    };
    assert_eq!(key(i), "engagement.exception_undescribed");
    let mut i = input("8.1.2.1");
    i.evidence.push(Evidence {
        sha256: "ABC".into(),
        size: 1,
        name: String::new(),
    });
    assert_eq!(key(i), "engagement.bad_evidence_hash");
    // Recording twice replaces the earlier result.
    let e = record_result(&auditor(), &e, input("8.1.2.1"), at(2025, 4, 2))
        .unwrap()
        .state;
    let mut again = input("8.1.2.1");
    again.procedures = vec![Procedure::Inquiry];
    let e = record_result(&auditor(), &e, again, at(2025, 4, 3))
        .unwrap()
        .state;
    assert_eq!(e.results.len(), 1);
    assert_eq!(
        e.result("8.1.2.1").unwrap().input.procedures,
        vec![Procedure::Inquiry]
    );
}

#[test]
fn the_report_needs_every_result_and_is_late_after_three_months() {
    let e = engaged();
    let err = issue_report(&auditor(), &e, "x", at(2025, 4, 5)).unwrap_err();
    assert_eq!(err.key(), "engagement.results_incomplete");
    assert_eq!(err.details.len(), e.controls.len());
    assert_eq!(
        err.details[0].control.as_deref(),
        Some(e.controls[0].as_str())
    );

    let mut full = e.clone();
    for c in e.controls.clone() {
        full = record_result(&auditor(), &full, input(&c), at(2025, 4, 5))
            .unwrap()
            .state;
    }
    assert_eq!(full.report_due(), date(2025, 6, 30));
    assert!(!full.is_overdue(date(2025, 6, 30)));
    assert!(full.is_overdue(date(2025, 7, 1)));
    let on_time = issue_report(&auditor(), &full, "x", at(2025, 6, 30))
        .unwrap()
        .state;
    assert!(!on_time.report.unwrap().late);
    let late = issue_report(&auditor(), &full, "x", at(2025, 7, 1))
        .unwrap()
        .state;
    assert!(late.report.as_ref().unwrap().late);
    assert!(
        !late.is_overdue(date(2025, 8, 1)),
        "reported, no longer overdue"
    );
    assert!(
        issue_report(&auditor(), &late, "x", at(2025, 7, 2))
            .unwrap_err()
            .is_conflict()
    );
}

#[test]
fn the_csp_may_cancel_before_the_report() {
    let e = engaged();
    assert!(
        cancel_engagement(&other_csp(), &e, at(2024, 5, 1))
            .unwrap_err()
            .is_forbidden()
    );
    let c = cancel_engagement(&csp(), &e, at(2024, 5, 1)).unwrap().state;
    assert_eq!(c.status, EngagementStatus::Cancelled);
    assert!(
        record_result(&auditor(), &c, input("8.1.2.1"), at(2024, 5, 2))
            .unwrap_err()
            .is_conflict()
    );
}

#[test]
fn an_engagement_rejects_a_bad_period_even_if_built_by_hand() {
    let bad = AuditPeriod {
        start: date(2024, 4, 1),
        end: date(2024, 5, 31),
    };
    let err = engage(
        &csp(),
        1,
        &submitted(),
        &firm(),
        &catalog(),
        AuditScope::Full,
        bad,
        at(2024, 3, 1),
    )
    .unwrap_err();
    assert_eq!(err.key(), "audit.period_too_short");
}

#[test]
fn renewal_scope_follows_the_isms_cycle() {
    let cert = IsmsCertificate {
        number: "IS 000000".into(),
        valid_until: date(2027, 1, 31),
        covers_service: true,
    };
    let end = date(2026, 3, 31);
    // Management audited a year ago, certificate valid: management may be skipped.
    assert_eq!(
        renewal_scope(Some(&cert), end, Some(date(2025, 3, 31)), 3),
        AuditScope::WithoutManagement
    );
    // The cycle is over: full audit.
    assert_eq!(
        renewal_scope(Some(&cert), end, Some(date(2023, 3, 31)), 3),
        AuditScope::Full
    );
    // No certificate, a lapsed one, or one that does not cover the service: full audit.
    assert_eq!(
        renewal_scope(None, end, Some(date(2025, 3, 31)), 3),
        AuditScope::Full
    );
    let lapsed = IsmsCertificate {
        valid_until: date(2026, 1, 1),
        ..cert.clone()
    };
    assert_eq!(
        renewal_scope(Some(&lapsed), end, Some(date(2025, 3, 31)), 3),
        AuditScope::Full
    );
    let narrow = IsmsCertificate {
        covers_service: false,
        ..cert.clone()
    };
    assert_eq!(
        renewal_scope(Some(&narrow), end, Some(date(2025, 3, 31)), 3),
        AuditScope::Full
    );
    // The scope without management leaves out chapter 4 only.
    let st = submitted();
    let without = AuditScope::WithoutManagement.controls_in_scope(&st.content, &catalog());
    let full = AuditScope::Full.controls_in_scope(&st.content, &catalog());
    let dropped: Vec<&String> = full.iter().filter(|c| !without.contains(c)).collect();
    assert_eq!(dropped, ["4.1.1.1", "4.1.1.2", "4.1.2.1"]);
}

#[test]
fn oscal_assessment_results() {
    assert!(
        assessment_results(
            &engaged(),
            ArNames {
                service_name: "s",
                firm_name: "f"
            }
        )
        .is_err()
    );
    let mut e = engaged();
    for c in e.controls.clone() {
        let mut i = input(&c);
        if c == "9.1.1.2" {
            i.operating = TestResult::Exception {
                description: "権限の棚卸しが未実施".into(),
            };
            i.procedures.push(Procedure::Reperformance);
            i.evidence.push(Evidence {
                sha256: "f".repeat(64),
                size: 1234,
                name: "棚卸し記録.xlsx".into(),
            });
        }
        e = record_result(&auditor(), &e, i, at(2025, 4, 5))
            .unwrap()
            .state;
    }
    let e = issue_report(&auditor(), &e, "手続を実施した。", at(2025, 5, 1))
        .unwrap()
        .state;
    let names = ArNames {
        service_name: "かすみクラウド",
        firm_name: "かすみ監査法人",
    };
    let doc = assessment_results(&e, names).unwrap();
    assert_eq!(doc, assessment_results(&e, names).unwrap(), "deterministic");
    let ar = &doc["assessment-results"];
    assert_eq!(ar["metadata"]["oscal-version"], "1.1.2");
    assert_eq!(ar["metadata"]["parties"][0]["name"], "かすみ監査法人");
    let result = &ar["results"][0];
    assert_eq!(result["start"], "2024-04-01T00:00:00+09:00");
    assert_eq!(result["end"], "2025-03-31T23:59:59+09:00");
    let include = result["reviewed-controls"]["control-selections"][0]["include-controls"]
        .as_array()
        .unwrap();
    assert_eq!(include.len(), e.controls.len());
    let findings = result["findings"].as_array().unwrap();
    assert_eq!(findings.len(), e.controls.len());
    let f = findings
        .iter()
        .find(|f| f["target"]["target-id"] == "9.1.1.2")
        .unwrap();
    assert_eq!(f["target"]["status"]["state"], "not-satisfied");
    let obs_uuid = f["related-observations"][0]["observation-uuid"].clone();
    let obs = result["observations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["uuid"] == obs_uuid)
        .unwrap();
    assert_eq!(obs["methods"], serde_json::json!(["EXAMINE", "TEST"]));
    assert!(
        obs["description"]
            .as_str()
            .unwrap()
            .contains("権限の棚卸しが未実施")
    );
    assert_eq!(obs["relevant-evidence"][0]["props"][1]["value"], "1234");
    let ok = findings
        .iter()
        .find(|f| f["target"]["target-id"] == "8.1.2.1")
        .unwrap();
    assert_eq!(ok["target"]["status"]["state"], "satisfied");
    // UUIDs look like UUIDs (version 8, RFC variant) and differ per control.
    let u = stable_uuid("x");
    assert_eq!(u.len(), 36);
    assert_eq!(&u[14..15], "8");
    assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    assert_ne!(stable_uuid("a"), stable_uuid("b"));
    let _ = reported();
}
