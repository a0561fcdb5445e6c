//! The statement linter: the ISMAP rules a statement must meet before IPA
//! sees it. Every violation names its control (or field), a stable key and
//! a Japanese and English message. A statement with violations cannot be
//! submitted ([`crate::statement::submit_statement`]).
//!
//! Rules (keys):
//! - `statement.field_missing`: a required field is empty (service name,
//!   catalog version, scope description and regions, governance owner, each
//!   disclosure; penetration test / vulnerability assessment status, with the
//!   date when performed).
//! - `statement.catalog_mismatch`: the statement names another catalog version.
//! - `statement.unknown_control`: a decision for an id the catalog does not have.
//! - `statement.not_selectable`: a decision for a chapter or section heading.
//! - `statement.duplicate_decision`: the same id decided twice.
//! - `statement.control_undecided`: a 4-digit control with no decision.
//! - `statement.criteria_not_adopted`: a governance or management item
//!   (chapters 3 and 4) not adopted; those criteria are adopted in full.
//! - `statement.mandatory_not_adopted`: a mandatory 4-digit control not adopted.
//! - `statement.reason_missing`: a 4-digit control not adopted without a reason.
//! - `statement.objective_not_addressed`: a 3-digit objective with no adopted
//!   control and no explained omission.
//! - `statement.omission_unexplained`: an objective left out without a rational explanation.
//! - `statement.omitted_objective_has_adopted`: an objective left out while
//!   some of its controls are adopted (contradiction).
//!
//! When an objective is left out with an explanation, its 4-digit controls
//! must still be decided (not adopted), but need no reason of their own and
//! are not held to the mandatory rule: the objective's explanation covers them.

use std::collections::{HashMap, HashSet};

use kasumi_ismap::{Catalog, Item, Kind, Part};

use crate::error::Message;
use crate::statement::{StatementContent, TestState, TestStatus};

fn missing(field: &str, label_ja: &str, label_en: &str) -> Message {
    Message::new(
        "statement.field_missing",
        format!("{label_ja}が入力されていません。"),
        format!("{label_en} is missing."),
    )
    .at_field(field)
}

fn check_text(out: &mut Vec<Message>, value: &str, field: &str, ja: &str, en: &str) {
    if value.trim().is_empty() {
        out.push(missing(field, ja, en));
    }
}

fn check_test(out: &mut Vec<Message>, t: &TestStatus, field: &str, ja: &str, en: &str) {
    match t.status {
        TestState::Unknown => out.push(missing(&format!("{field}.status"), ja, en)),
        TestState::Performed if t.last_performed.is_none() => out.push(missing(
            &format!("{field}.last_performed"),
            &format!("{ja}の実施日"),
            &format!("The date of the {}", en.to_lowercase()),
        )),
        _ => {}
    }
}

fn fields(st: &StatementContent, out: &mut Vec<Message>) {
    check_text(
        out,
        &st.service_name,
        "service_name",
        "サービス名",
        "Service name",
    );
    check_text(
        out,
        &st.catalog_version,
        "catalog_version",
        "管理基準の版",
        "Catalog version",
    );
    check_text(
        out,
        &st.scope.description,
        "scope.description",
        "言明対象範囲",
        "Scope description",
    );
    if st.scope.regions.iter().all(|r| r.trim().is_empty()) {
        out.push(missing(
            "scope.regions",
            "選択可能なリージョン",
            "Selectable regions",
        ));
    }
    check_text(
        out,
        &st.governance_owner.name,
        "governance_owner.name",
        "ガバナンスの最終責任者",
        "Person with final governance responsibility",
    );
    let d = &st.disclosures;
    check_text(
        out,
        &d.capital_relationships,
        "disclosures.capital_relationships",
        "資本関係",
        "Capital relationships",
    );
    check_text(
        out,
        &d.officers,
        "disclosures.officers",
        "役員等の情報",
        "Officers",
    );
    check_text(
        out,
        &d.foreign_law_risk,
        "disclosures.foreign_law_risk",
        "外国法令の適用リスク",
        "Risk that foreign law applies",
    );
    check_text(
        out,
        &d.governing_law,
        "disclosures.governing_law",
        "準拠法",
        "Governing law",
    );
    check_text(
        out,
        &d.jurisdiction,
        "disclosures.jurisdiction",
        "裁判管轄",
        "Jurisdiction",
    );
    check_test(
        out,
        &d.penetration_test,
        "disclosures.penetration_test",
        "ペネトレーションテストの実施状況",
        "Penetration test status",
    );
    check_test(
        out,
        &d.vulnerability_assessment,
        "disclosures.vulnerability_assessment",
        "脆弱性診断の実施状況",
        "Vulnerability assessment status",
    );
}

fn in_full_part(item: &Item) -> bool {
    matches!(item.part(), Some(Part::Governance | Part::Management))
}

/// Every violation of the ISMAP statement rules, in a stable order: fields
/// first, then decisions as listed, then the catalog's controls in catalog order.
pub fn lint(st: &StatementContent, catalog: &Catalog) -> Vec<Message> {
    let mut out = Vec::new();
    fields(st, &mut out);

    if !st.catalog_version.trim().is_empty() && st.catalog_version != catalog.version.id {
        out.push(
            Message::new(
                "statement.catalog_mismatch",
                format!(
                    "言明書は管理基準「{}」に対するものですが、照合先は「{}」です。",
                    st.catalog_version, catalog.version.id
                ),
                format!(
                    "The statement is made against catalog version \"{}\", not \"{}\".",
                    st.catalog_version, catalog.version.id
                ),
            )
            .at_field("catalog_version"),
        );
    }

    let items: HashMap<&str, &Item> = catalog.items.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut decisions = HashMap::new();
    let mut seen = HashSet::new();
    for d in &st.controls {
        if !seen.insert(d.id.as_str()) {
            out.push(
                Message::new(
                    "statement.duplicate_decision",
                    format!("{} が二重に記載されています。", d.id),
                    format!("{} is decided more than once.", d.id),
                )
                .about(&d.id),
            );
            continue;
        }
        match items.get(d.id.as_str()).and_then(|i| i.kind) {
            None => out.push(
                Message::new(
                    "statement.unknown_control",
                    format!(
                        "{} は管理基準「{}」にありません。",
                        d.id, catalog.version.id
                    ),
                    format!(
                        "{} does not exist in catalog version \"{}\".",
                        d.id, catalog.version.id
                    ),
                )
                .about(&d.id),
            ),
            Some(Kind::Chapter | Kind::Section) => out.push(
                Message::new(
                    "statement.not_selectable",
                    format!(
                        "{} は見出しです。統制目標（3桁）か詳細管理策（4桁）を指定してください。",
                        d.id
                    ),
                    format!(
                        "{} is a heading; decide 3-digit objectives or 4-digit controls.",
                        d.id
                    ),
                )
                .about(&d.id),
            ),
            Some(_) => {
                decisions.insert(d.id.as_str(), d);
            }
        }
    }

    // Objectives explained away: their controls need no reason of their own.
    let omitted: HashSet<&str> = catalog
        .items
        .iter()
        .filter(|i| i.kind == Some(Kind::Objective) && !in_full_part(i))
        .filter(|i| {
            decisions
                .get(i.id.as_str())
                .is_some_and(|d| !d.adopted && !d.reason.trim().is_empty())
        })
        .map(|i| i.id.as_str())
        .collect();

    for item in &catalog.items {
        let id = item.id.as_str();
        let decision = decisions.get(id);
        match item.kind {
            Some(Kind::Control) => {
                let parent_omitted = item.parent.as_deref().is_some_and(|p| omitted.contains(p));
                let Some(d) = decision else {
                    out.push(
                        Message::new(
                            "statement.control_undecided",
                            format!("{id} の採否が記載されていません。"),
                            format!("{id} has no decision (adopted or not)."),
                        )
                        .about(id),
                    );
                    continue;
                };
                if d.adopted {
                    continue;
                }
                if in_full_part(item) {
                    out.push(criteria_not_adopted(item));
                } else if item.mandatory && !parent_omitted {
                    out.push(
                        Message::new(
                            "statement.mandatory_not_adopted",
                            format!("{id} は必須の詳細管理策です。採用してください。"),
                            format!("{id} is a mandatory control and must be adopted."),
                        )
                        .about(id),
                    );
                } else if d.reason.trim().is_empty() && !parent_omitted {
                    out.push(
                        Message::new(
                            "statement.reason_missing",
                            format!("{id} を採用しない理由を記載してください。"),
                            format!("Give the reason why {id} is not adopted."),
                        )
                        .about(id),
                    );
                }
            }
            Some(Kind::Objective) => {
                let children: Vec<&Item> = catalog
                    .children(id)
                    .filter(|c| c.kind == Some(Kind::Control))
                    .collect();
                let any_adopted = children
                    .iter()
                    .any(|c| decisions.get(c.id.as_str()).is_some_and(|d| d.adopted));
                match decision {
                    Some(d) if !d.adopted => {
                        if in_full_part(item) {
                            out.push(criteria_not_adopted(item));
                        } else if d.reason.trim().is_empty() {
                            out.push(
                                Message::new(
                                    "statement.omission_unexplained",
                                    format!(
                                        "統制目標 {id} を対象外とする合理的な説明を記載してください。"
                                    ),
                                    format!(
                                        "Objective {id} is left out without a rational explanation."
                                    ),
                                )
                                .about(id),
                            );
                        } else if any_adopted {
                            out.push(
                                Message::new(
                                    "statement.omitted_objective_has_adopted",
                                    format!(
                                        "統制目標 {id} を対象外としていますが、その詳細管理策が採用されています。"
                                    ),
                                    format!(
                                        "Objective {id} is left out, yet some of its controls are adopted."
                                    ),
                                )
                                .about(id),
                            );
                        }
                    }
                    _ => {
                        let addressed = if children.is_empty() {
                            decision.is_some_and(|d| d.adopted)
                        } else {
                            any_adopted
                        };
                        if !addressed {
                            out.push(
                                Message::new(
                                    "statement.objective_not_addressed",
                                    format!(
                                        "統制目標 {id} に対応する詳細管理策が採用されていません（対象外とする場合は合理的な説明が必要です）。"
                                    ),
                                    format!(
                                        "Objective {id} is not addressed: adopt at least one of its controls, or leave it out with a rational explanation."
                                    ),
                                )
                                .about(id),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn criteria_not_adopted(item: &Item) -> Message {
    let id = &item.id;
    Message::new(
        "statement.criteria_not_adopted",
        format!("{id} はガバナンス基準・マネジメント基準の項目です。すべて採用してください。"),
        format!(
            "{id} belongs to the governance or management criteria, which are adopted in full."
        ),
    )
    .about(id)
}
