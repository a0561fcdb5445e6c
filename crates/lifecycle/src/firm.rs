//! Audit organisations (監査機関): listed, suspended and re-listed by the
//! evaluator (監査機関評価者); auditors belong to a listed firm.

use kasumi_core::{Micros, Role};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, OrgId, UserId};
use crate::error::{Refusal, require_text, wrong_state};
use crate::event::{Event, Outcome, Subject};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirmStatus {
    Listed,
    Suspended,
}

impl FirmStatus {
    pub fn code(self) -> &'static str {
        match self {
            FirmStatus::Listed => "listed",
            FirmStatus::Suspended => "suspended",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Satisfactory,
    NeedsImprovement,
    Unsatisfactory,
}

/// The evaluator's record of one evaluation (experience, capability, quality).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub at: Micros,
    pub evaluator: UserId,
    pub rating: Rating,
    pub summary: String,
}

/// A relationship the firm declared with a CSP (e.g. consulting, capital):
/// that CSP cannot engage the firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relationship {
    pub csp_org: OrgId,
    pub description: String,
    pub declared_at: Micros,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firm {
    pub id: i64,
    /// The firm's organisation (kind `audit_firm`); its auditors belong to it.
    pub org: OrgId,
    pub name: String,
    pub status: FirmStatus,
    pub listed_at: Micros,
    pub suspension_reason: Option<String>,
    pub relationships: Vec<Relationship>,
    pub evaluations: Vec<Evaluation>,
}

impl Firm {
    pub fn related_to(&self, csp_org: OrgId) -> bool {
        self.relationships.iter().any(|r| r.csp_org == csp_org)
    }

    /// An auditor acting for this firm.
    pub(crate) fn require_auditor(&self, actor: &Actor) -> Result<(), Refusal> {
        actor.require(&[Role::Auditor], "監査の実施", "act for an audit firm")?;
        actor.require_org(self.org, "監査機関", "audit firm")
    }
}

const EVALUATOR: &[Role] = &[Role::AuditEvaluator];

/// The evaluator lists a firm (its organisation must exist in the store).
pub fn list_firm(
    actor: &Actor,
    id: i64,
    org: OrgId,
    name: &str,
    now: Micros,
) -> Result<Outcome<Firm>, Refusal> {
    actor.require(EVALUATOR, "監査機関の登録", "list an audit firm")?;
    require_text("name", name)?;
    let firm = Firm {
        id,
        org,
        name: name.to_string(),
        status: FirmStatus::Listed,
        listed_at: now,
        suspension_reason: None,
        relationships: Vec::new(),
        evaluations: Vec::new(),
    };
    let ev = Event::new(
        now,
        Some(actor),
        "firm.listed",
        Subject::Firm(id),
        format!("監査機関「{name}」をリストに掲載しました。"),
        format!("Listed audit firm \"{name}\"."),
    );
    Ok(Outcome::new(firm, vec![ev]))
}

pub fn suspend_firm(
    actor: &Actor,
    firm: &Firm,
    reason: &str,
    now: Micros,
) -> Result<Outcome<Firm>, Refusal> {
    actor.require(EVALUATOR, "監査機関の一時停止", "suspend an audit firm")?;
    require_text("reason", reason)?;
    if firm.status != FirmStatus::Listed {
        return Err(wrong_state(
            "firm.not_listed",
            "一時停止",
            "suspend the firm",
            firm.status.code(),
        ));
    }
    let mut next = firm.clone();
    next.status = FirmStatus::Suspended;
    next.suspension_reason = Some(reason.to_string());
    let ev = Event::new(
        now,
        Some(actor),
        "firm.suspended",
        Subject::Firm(firm.id),
        format!(
            "監査機関「{}」を一時停止しました。理由: {reason}",
            firm.name
        ),
        format!("Suspended audit firm \"{}\". Reason: {reason}", firm.name),
    );
    Ok(Outcome::new(next, vec![ev]))
}

pub fn relist_firm(actor: &Actor, firm: &Firm, now: Micros) -> Result<Outcome<Firm>, Refusal> {
    actor.require(EVALUATOR, "監査機関の再掲載", "re-list an audit firm")?;
    if firm.status != FirmStatus::Suspended {
        return Err(wrong_state(
            "firm.not_suspended",
            "再掲載",
            "re-list the firm",
            firm.status.code(),
        ));
    }
    let mut next = firm.clone();
    next.status = FirmStatus::Listed;
    next.suspension_reason = None;
    let ev = Event::new(
        now,
        Some(actor),
        "firm.relisted",
        Subject::Firm(firm.id),
        format!("監査機関「{}」を再掲載しました。", firm.name),
        format!("Re-listed audit firm \"{}\".", firm.name),
    );
    Ok(Outcome::new(next, vec![ev]))
}

pub fn record_evaluation(
    actor: &Actor,
    firm: &Firm,
    rating: Rating,
    summary: &str,
    now: Micros,
) -> Result<Outcome<Firm>, Refusal> {
    actor.require(EVALUATOR, "監査機関の評価", "evaluate an audit firm")?;
    require_text("summary", summary)?;
    let mut next = firm.clone();
    next.evaluations.push(Evaluation {
        at: now,
        evaluator: actor.user,
        rating,
        summary: summary.to_string(),
    });
    let ev = Event::new(
        now,
        Some(actor),
        "firm.evaluated",
        Subject::Firm(firm.id),
        format!("監査機関「{}」の評価を記録しました。", firm.name),
        format!("Recorded an evaluation of audit firm \"{}\".", firm.name),
    );
    Ok(Outcome::new(next, vec![ev]))
}

/// An auditor of the firm declares a relationship with a CSP.
pub fn declare_relationship(
    actor: &Actor,
    firm: &Firm,
    csp_org: OrgId,
    description: &str,
    now: Micros,
) -> Result<Outcome<Firm>, Refusal> {
    firm.require_auditor(actor)?;
    require_text("description", description)?;
    let mut next = firm.clone();
    if !next.related_to(csp_org) {
        next.relationships.push(Relationship {
            csp_org,
            description: description.to_string(),
            declared_at: now,
        });
    }
    let ev = Event::new(
        now,
        Some(actor),
        "firm.relationship_declared",
        Subject::Firm(firm.id),
        format!("組織 {csp_org} との関係を申告しました。"),
        format!("Declared a relationship with organisation {csp_org}."),
    );
    Ok(Outcome::new(next, vec![ev]))
}
