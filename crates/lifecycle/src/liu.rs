//! ISMAP-LIU (low-impact use): a procuring agency files an impact
//! assessment (業務・情報の影響度評価) for a SaaS; only a low result lets the
//! CSP apply on the LIU track, whose audit covers the LIU-critical controls
//! and which needs the CSP's internal-audit report.

use kasumi_core::{Micros, Role};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, OrgId, UserId};
use crate::error::{Refusal, require_text};
use crate::event::{Event, Outcome, Subject};
use crate::service::{Service, ServiceModel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpactLevel {
    Low,
    Medium,
    High,
}

impl ImpactLevel {
    pub fn code(self) -> &'static str {
        match self {
            ImpactLevel::Low => "low",
            ImpactLevel::Medium => "medium",
            ImpactLevel::High => "high",
        }
    }
}

/// What the agency enters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentInput {
    /// The business the service will support (業務).
    pub business: String,
    /// The information handled (e.g. 機密性2).
    pub information: String,
    pub result: ImpactLevel,
    #[serde(default)]
    pub rationale: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpactAssessment {
    pub id: i64,
    pub agency_org: OrgId,
    pub service_id: i64,
    #[serde(flatten)]
    pub input: AssessmentInput,
    pub filed_at: Micros,
    pub filed_by: UserId,
}

impl ImpactAssessment {
    /// Only a low impact qualifies a service for the LIU track.
    pub fn qualifies_for_liu(&self) -> bool {
        self.input.result == ImpactLevel::Low
    }
}

/// A procuring agency files an impact assessment for a service.
pub fn file_impact_assessment(
    actor: &Actor,
    id: i64,
    service: &Service,
    input: AssessmentInput,
    now: Micros,
) -> Result<Outcome<ImpactAssessment>, Refusal> {
    actor.require(
        &[Role::Agency],
        "影響度評価の提出",
        "file an impact assessment",
    )?;
    if service.draft.service_model != ServiceModel::Saas {
        return Err(Refusal::invalid(
            "liu.saas_only",
            "ISMAP-LIU は SaaS のみが対象です。",
            "ISMAP-LIU is for SaaS only.",
        ));
    }
    require_text("business", &input.business)?;
    require_text("information", &input.information)?;
    let level = input.result;
    let a = ImpactAssessment {
        id,
        agency_org: actor.org,
        service_id: service.id,
        input,
        filed_at: now,
        filed_by: actor.user,
    };
    let ev = Event::new(
        now,
        Some(actor),
        "liu.assessment_filed",
        Subject::ImpactAssessment(id),
        format!(
            "サービス「{}」の業務・情報の影響度評価（結果: {}）を提出しました。",
            service.draft.name,
            level.code()
        ),
        format!(
            "Filed an impact assessment for \"{}\" (result: {}).",
            service.draft.name,
            level.code()
        ),
    );
    Ok(Outcome::new(a, vec![ev]))
}
