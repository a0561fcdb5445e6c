//! Statements (言明): what a CSP declares about a service against one
//! catalog version, and the transitions of a statement record.
//!
//! The JSON document ([`StatementContent`]) is what `kasumi ismap lint`
//! reads; its format is in `docs/lifecycle.md`.

use std::collections::BTreeMap;

use jiff::civil::Date;
use kasumi_core::Micros;
use kasumi_ismap::Catalog;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, OrgId};
use crate::error::{Refusal, wrong_state};
use crate::event::{Event, Outcome, Subject};
use crate::lint::lint;
use crate::service::Service;

/// 言明対象範囲: what the statement covers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scope {
    pub description: String,
    /// Components (systems, sub-services) in scope.
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub data_centres: Vec<String>,
    #[serde(default)]
    pub regions: Vec<String>,
}

/// The person with final responsibility for governance (ガバナンスの最終責任者).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Person {
    pub name: String,
    #[serde(default)]
    pub title: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestState {
    /// Not yet stated: the linter reports it.
    #[default]
    Unknown,
    Performed,
    Planned,
    NotPerformed,
}

/// Status of penetration testing or vulnerability assessment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TestStatus {
    pub status: TestState,
    /// Required when `status` is `performed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_performed: Option<Date>,
    #[serde(default)]
    pub note: String,
}

/// The disclosures that accompany a statement.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Disclosures {
    /// 資本関係
    pub capital_relationships: String,
    /// 役員等
    pub officers: String,
    /// Risk that foreign law applies to the data (外国法令の適用リスク).
    pub foreign_law_risk: String,
    /// 準拠法
    pub governing_law: String,
    /// 裁判管轄
    pub jurisdiction: String,
    pub penetration_test: TestStatus,
    pub vulnerability_assessment: TestStatus,
}

/// One decision: a 4-digit control adopted or not (with a reason), or a
/// 3-digit objective left out (`adopted: false` with the rational explanation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlDecision {
    pub id: String,
    pub adopted: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

impl ControlDecision {
    pub fn adopted(id: &str) -> ControlDecision {
        ControlDecision {
            id: id.to_string(),
            adopted: true,
            reason: String::new(),
        }
    }

    pub fn not_adopted(id: &str, reason: &str) -> ControlDecision {
        ControlDecision {
            id: id.to_string(),
            adopted: false,
            reason: reason.to_string(),
        }
    }
}

/// The statement document (言明書) itself.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatementContent {
    pub service_name: String,
    /// The catalog version id it is made against (e.g. `SAMPLE-1`).
    pub catalog_version: String,
    pub scope: Scope,
    pub governance_owner: Person,
    pub disclosures: Disclosures,
    pub controls: Vec<ControlDecision>,
}

impl StatementContent {
    /// The decision for `id`, if any (the first, if listed twice).
    pub fn decision(&self, id: &str) -> Option<&ControlDecision> {
        self.controls.iter().find(|c| c.id == id)
    }

    pub fn is_adopted(&self, id: &str) -> bool {
        self.decision(id).is_some_and(|d| d.adopted)
    }

    /// Ids whose adoption differs between two statements (either listed in
    /// only one, or adopted in one and not the other), sorted.
    pub fn adoption_changes(&self, other: &StatementContent) -> Vec<String> {
        let a: BTreeMap<&str, bool> = self
            .controls
            .iter()
            .map(|c| (c.id.as_str(), c.adopted))
            .collect();
        let b: BTreeMap<&str, bool> = other
            .controls
            .iter()
            .map(|c| (c.id.as_str(), c.adopted))
            .collect();
        let mut out: Vec<String> = a
            .keys()
            .chain(b.keys())
            .filter(|id| {
                a.get(*id).copied().unwrap_or(false) != b.get(*id).copied().unwrap_or(false)
            })
            .map(|id| id.to_string())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementStatus {
    /// Being written; only the CSP sees it.
    Draft,
    /// Passed the linter and frozen: audits and applications refer to it.
    Submitted,
}

impl StatementStatus {
    pub fn code(self) -> &'static str {
        match self {
            StatementStatus::Draft => "draft",
            StatementStatus::Submitted => "submitted",
        }
    }
}

/// A statement record: one revision of a service's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub id: i64,
    pub service_id: i64,
    pub csp_org: OrgId,
    /// 1 for the first statement; a revision made during review counts up.
    pub revision: u32,
    /// The statement this one revises.
    pub revises: Option<i64>,
    pub status: StatementStatus,
    pub content: StatementContent,
    pub created_at: Micros,
    pub submitted_at: Option<Micros>,
}

/// A CSP starts a draft statement for its own service.
pub fn create_statement(
    actor: &Actor,
    service: &Service,
    id: i64,
    content: StatementContent,
    now: Micros,
) -> Result<Outcome<Statement>, Refusal> {
    actor.require_owner(service.csp_org, "サービスの言明", "service's statement")?;
    let st = Statement {
        id,
        service_id: service.id,
        csp_org: service.csp_org,
        revision: 1,
        revises: None,
        status: StatementStatus::Draft,
        content,
        created_at: now,
        submitted_at: None,
    };
    let ev = Event::new(
        now,
        Some(actor),
        "statement.created",
        Subject::Statement(id),
        "言明書の下書きを作成しました。",
        "Created a draft statement.",
    );
    Ok(Outcome::new(st, vec![ev]))
}

/// A CSP replaces the content of its own draft.
pub fn edit_statement(
    actor: &Actor,
    statement: &Statement,
    content: StatementContent,
    now: Micros,
) -> Result<Outcome<Statement>, Refusal> {
    actor.require_owner(statement.csp_org, "言明書", "statement")?;
    if statement.status != StatementStatus::Draft {
        return Err(wrong_state(
            "statement.not_draft",
            "言明書を編集",
            "edit the statement",
            statement.status.code(),
        ));
    }
    let mut next = statement.clone();
    next.content = content;
    let ev = Event::new(
        now,
        Some(actor),
        "statement.edited",
        Subject::Statement(statement.id),
        "言明書の下書きを更新しました。",
        "Updated the draft statement.",
    );
    Ok(Outcome::new(next, vec![ev]))
}

/// A CSP submits its draft. Refused (422) with every linter violation in
/// `details` when the statement breaks an ISMAP rule.
pub fn submit_statement(
    actor: &Actor,
    statement: &Statement,
    catalog: &Catalog,
    now: Micros,
) -> Result<Outcome<Statement>, Refusal> {
    actor.require_owner(statement.csp_org, "言明書", "statement")?;
    if statement.status != StatementStatus::Draft {
        return Err(wrong_state(
            "statement.not_draft",
            "言明書を提出",
            "submit the statement",
            statement.status.code(),
        ));
    }
    let violations = lint(&statement.content, catalog);
    if !violations.is_empty() {
        let n = violations.len();
        return Err(Refusal::invalid(
            "statement.has_violations",
            format!("言明書に{n}件の問題があるため提出できません。"),
            format!("The statement has {n} problem(s) and cannot be submitted."),
        )
        .with_details(violations));
    }
    let mut next = statement.clone();
    next.status = StatementStatus::Submitted;
    next.submitted_at = Some(now);
    let ev = Event::new(
        now,
        Some(actor),
        "statement.submitted",
        Subject::Statement(statement.id),
        format!("言明書（第{}版）を確定しました。", statement.revision),
        format!("Submitted the statement (revision {}).", statement.revision),
    );
    Ok(Outcome::new(next, vec![ev]))
}

/// A CSP starts a new draft revision from a submitted statement (e.g. to
/// answer a correction request). The old revision stays as it was.
pub fn revise_statement(
    actor: &Actor,
    statement: &Statement,
    new_id: i64,
    now: Micros,
) -> Result<Outcome<Statement>, Refusal> {
    actor.require_owner(statement.csp_org, "言明書", "statement")?;
    if statement.status != StatementStatus::Submitted {
        return Err(wrong_state(
            "statement.not_submitted",
            "改訂版を作成",
            "revise the statement",
            statement.status.code(),
        ));
    }
    let next = Statement {
        id: new_id,
        revision: statement.revision + 1,
        revises: Some(statement.id),
        status: StatementStatus::Draft,
        created_at: now,
        submitted_at: None,
        ..statement.clone()
    };
    let ev = Event::new(
        now,
        Some(actor),
        "statement.revised",
        Subject::Statement(new_id),
        format!("言明書の第{}版の下書きを作成しました。", next.revision),
        format!("Started revision {} of the statement.", next.revision),
    );
    Ok(Outcome::new(next, vec![ev]))
}
