//! One case per linter rule, plus the JSON format.

use kasumi_lifecycle::lint;
use kasumi_lifecycle::statement::{ControlDecision, StatementContent, TestState, TestStatus};

use crate::common::*;

fn run(content: &StatementContent) -> Vec<(String, String)> {
    keys(&lint(content, &catalog()))
}

fn pair(k: &str, c: &str) -> (String, String) {
    (k.to_string(), c.to_string())
}

#[test]
fn a_clean_statement_has_no_violations() {
    assert_eq!(run(&clean_content()), vec![]);
}

#[test]
fn required_fields() {
    let mut s = clean_content();
    s.service_name = " ".into();
    s.scope.description.clear();
    s.scope.regions.clear();
    s.disclosures.governing_law.clear();
    s.disclosures.jurisdiction.clear();
    s.disclosures.capital_relationships.clear();
    s.disclosures.officers.clear();
    s.disclosures.foreign_law_risk.clear();
    s.disclosures.vulnerability_assessment = TestStatus::default();
    s.disclosures.penetration_test = TestStatus {
        status: TestState::Performed,
        last_performed: None,
        note: String::new(),
    };
    assert_eq!(
        run(&s),
        vec![
            pair("statement.field_missing", "service_name"),
            pair("statement.field_missing", "scope.description"),
            pair("statement.field_missing", "scope.regions"),
            pair(
                "statement.field_missing",
                "disclosures.capital_relationships"
            ),
            pair("statement.field_missing", "disclosures.officers"),
            pair("statement.field_missing", "disclosures.foreign_law_risk"),
            pair("statement.field_missing", "disclosures.governing_law"),
            pair("statement.field_missing", "disclosures.jurisdiction"),
            pair(
                "statement.field_missing",
                "disclosures.penetration_test.last_performed"
            ),
            pair(
                "statement.field_missing",
                "disclosures.vulnerability_assessment.status"
            ),
        ]
    );
}

#[test]
fn messages_come_in_both_languages() {
    let mut s = clean_content();
    set(&mut s, "8.1.2.5", false, "");
    let v = lint(&s, &catalog());
    assert_eq!(v.len(), 1);
    assert!(v[0].ja.contains("8.1.2.5") && v[0].ja.contains("理由"));
    assert!(v[0].en.contains("8.1.2.5") && v[0].en.contains("reason"));
}

#[test]
fn catalog_version_must_match() {
    let mut s = clean_content();
    s.catalog_version = "2023-ver1".into();
    assert_eq!(
        run(&s),
        vec![pair("statement.catalog_mismatch", "catalog_version")]
    );
}

#[test]
fn controls_must_exist_be_selectable_and_appear_once() {
    let mut s = clean_content();
    s.controls.push(ControlDecision::adopted("8.1.9.9"));
    s.controls.push(ControlDecision::adopted("8.1"));
    s.controls
        .push(ControlDecision::not_adopted("8.1.2.1", "二重"));
    assert_eq!(
        run(&s),
        vec![
            pair("statement.unknown_control", "8.1.9.9"),
            pair("statement.not_selectable", "8.1"),
            pair("statement.duplicate_decision", "8.1.2.1"),
        ]
    );
}

#[test]
fn every_control_needs_a_decision() {
    let mut s = clean_content();
    s.controls.retain(|c| c.id != "8.1.2.3");
    assert_eq!(
        run(&s),
        vec![pair("statement.control_undecided", "8.1.2.3")]
    );
}

#[test]
fn governance_and_management_are_adopted_in_full() {
    let mut s = clean_content();
    set(&mut s, "4.1.1.2", false, "不要");
    set(&mut s, "3.1.1", false, "対象外");
    let got = run(&s);
    assert!(got.contains(&pair("statement.criteria_not_adopted", "4.1.1.2")));
    assert!(got.contains(&pair("statement.criteria_not_adopted", "3.1.1")));
    assert_eq!(got.len(), 2, "{got:?}");
}

#[test]
fn mandatory_controls_are_adopted() {
    let mut s = clean_content();
    set(&mut s, "9.1.1.1", false, "使わない");
    assert_eq!(
        run(&s),
        vec![pair("statement.mandatory_not_adopted", "9.1.1.1")]
    );
}

#[test]
fn every_omission_has_a_reason() {
    let mut s = clean_content();
    set(&mut s, "8.1.2.5", false, "  ");
    assert_eq!(run(&s), vec![pair("statement.reason_missing", "8.1.2.5")]);
}

#[test]
fn every_objective_is_addressed() {
    // 8.2.1 has a single control; leaving it out leaves the objective unaddressed.
    let mut s = clean_content();
    set(&mut s, "8.2.1.1", false, "不要");
    assert_eq!(
        run(&s),
        vec![pair("statement.objective_not_addressed", "8.2.1")]
    );
}

#[test]
fn an_objective_left_out_needs_a_rational_explanation() {
    let mut s = clean_content();
    set(&mut s, "8.2.1.1", false, "不要");
    set(&mut s, "8.2.1", false, "");
    assert_eq!(
        run(&s),
        vec![pair("statement.omission_unexplained", "8.2.1")]
    );

    // With the explanation, it is fine; its controls need no reason of their own …
    set(
        &mut s,
        "8.2.1",
        false,
        "情報のラベル付けを行う機能を提供しない。",
    );
    set(&mut s, "8.2.1.1", false, "");
    assert_eq!(run(&s), vec![]);

    // … and even mandatory controls under it may be left out.
    set(&mut s, "9.1.1", false, "アクセス制御は利用者側で行う。");
    set(&mut s, "9.1.1.1", false, "");
    set(&mut s, "9.1.1.2", false, "");
    assert_eq!(run(&s), vec![]);
}

#[test]
fn an_objective_left_out_cannot_have_adopted_controls() {
    let mut s = clean_content();
    set(&mut s, "8.2.1", false, "適用できない");
    assert_eq!(
        run(&s),
        vec![pair("statement.omitted_objective_has_adopted", "8.2.1")]
    );
}

#[test]
fn json_round_trip_and_the_documented_example() {
    let s = clean_content();
    let json = serde_json::to_string_pretty(&s).unwrap();
    let back: StatementContent = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);

    let example: StatementContent =
        serde_json::from_str(include_str!("statement-example.json")).unwrap();
    assert_eq!(run(&example), vec![]);
    // The example's violations as `kasumi ismap lint` would print them (JSON).
    let mut broken = example.clone();
    broken.controls.retain(|c| c.id != "12.4.1.2");
    let out = serde_json::to_value(lint(&broken, &catalog())).unwrap();
    assert_eq!(out[0]["key"], "statement.control_undecided");
    assert_eq!(out[0]["control"], "12.4.1.2");
    assert!(out[0].get("field").is_none());
}

#[test]
fn missing_sections_parse_and_are_reported_but_typos_are_not_accepted() {
    let empty: StatementContent = serde_json::from_str("{}").unwrap();
    let got = run(&empty);
    assert!(got.contains(&pair("statement.field_missing", "governance_owner.name")));
    assert!(got.contains(&pair("statement.control_undecided", "8.1.2.1")));
    let typo = serde_json::from_str::<StatementContent>(r#"{"governing_low": "日本法"}"#);
    assert!(typo.unwrap_err().to_string().contains("governing_low"));
}

mod property {
    use std::collections::BTreeSet;

    use kasumi_ismap::{Kind, Part};
    use kasumi_lifecycle::lint;
    use kasumi_lifecycle::statement::ControlDecision;
    use proptest::prelude::*;

    use crate::common::{catalog, clean_content};

    proptest! {
        /// For any choice of adopted 4-digit controls (each omission reasoned),
        /// the linter reports exactly what the rules predict, computed here independently.
        #[test]
        fn violations_match_the_rules(mask in proptest::collection::vec(any::<bool>(), 23)) {
            let cat = catalog();
            let controls: Vec<_> = cat.items.iter().filter(|i| i.kind == Some(Kind::Control)).collect();
            prop_assert_eq!(controls.len(), mask.len());
            let mut content = clean_content();
            content.controls = controls
                .iter()
                .zip(&mask)
                .map(|(c, adopt)| if *adopt {
                    ControlDecision::adopted(&c.id)
                } else {
                    ControlDecision::not_adopted(&c.id, "リスク分析の結果不要")
                })
                .collect();
            let adopted: BTreeSet<&str> = controls
                .iter()
                .zip(&mask)
                .filter(|(_, a)| **a)
                .map(|(c, _)| c.id.as_str())
                .collect();
            let mut expected = BTreeSet::new();
            for c in &controls {
                if adopted.contains(c.id.as_str()) {
                    continue;
                }
                if matches!(c.part(), Some(Part::Governance | Part::Management)) {
                    expected.insert(("statement.criteria_not_adopted", c.id.clone()));
                } else if c.mandatory {
                    expected.insert(("statement.mandatory_not_adopted", c.id.clone()));
                }
            }
            for o in cat.items.iter().filter(|i| i.kind == Some(Kind::Objective)) {
                if !cat.children(&o.id).any(|c| adopted.contains(c.id.as_str())) {
                    expected.insert(("statement.objective_not_addressed", o.id.clone()));
                }
            }
            let got: BTreeSet<(&str, String)> = lint(&content, &cat)
                .into_iter()
                .map(|m| (m.key, m.control.unwrap_or_default()))
                .collect();
            prop_assert_eq!(got, expected);
        }
    }
}
