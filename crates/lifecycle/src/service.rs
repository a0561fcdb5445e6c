//! Cloud services a CSP registers in Kasumi (before and after ISMAP registration).

use kasumi_core::{Micros, Role};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, OrgId};
use crate::error::{Refusal, require_text};
use crate::event::{Event, Outcome, Subject};
use crate::registration::Registration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceModel {
    Iaas,
    Paas,
    Saas,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentModel {
    Public,
    Private,
    Community,
    Hybrid,
}

/// What a CSP enters about a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDraft {
    pub name: String,
    pub service_model: ServiceModel,
    pub deployment_model: DeploymentModel,
    #[serde(default)]
    pub description: String,
    /// Data-centre locations (e.g. `東京`, `大阪`).
    #[serde(default)]
    pub data_centres: Vec<String>,
    /// Regions a customer can select (e.g. `ap-northeast-1`).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Ids of the registered services this one is built on (e.g. the IaaS under a SaaS).
    #[serde(default)]
    pub built_on: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub id: i64,
    pub csp_org: OrgId,
    #[serde(flatten)]
    pub draft: ServiceDraft,
    pub created_at: Micros,
    pub updated_at: Micros,
}

fn check_draft(draft: &ServiceDraft, id: i64) -> Result<(), Refusal> {
    require_text("name", &draft.name)?;
    if draft.built_on.contains(&id) {
        return Err(Refusal::invalid(
            "service.built_on_itself",
            "サービスは自分自身の上に構築できません。",
            "A service cannot be built on itself.",
        ));
    }
    Ok(())
}

/// A CSP adds a service for its own organisation.
pub fn register_service(
    actor: &Actor,
    id: i64,
    draft: ServiceDraft,
    now: Micros,
) -> Result<Outcome<Service>, Refusal> {
    actor.require(&[Role::Csp], "サービスの登録", "add a cloud service")?;
    check_draft(&draft, id)?;
    let ev = Event::new(
        now,
        Some(actor),
        "service.created",
        Subject::Service(id),
        format!("サービス「{}」を追加しました。", draft.name),
        format!("Added service \"{}\".", draft.name),
    );
    let service = Service {
        id,
        csp_org: actor.org,
        draft,
        created_at: now,
        updated_at: now,
    };
    Ok(Outcome::new(service, vec![ev]))
}

/// A CSP edits its own service. Adding regions to a *registered* service is
/// a change notice ([`crate::changes::file_change_notice`]), not this.
pub fn update_service(
    actor: &Actor,
    service: &Service,
    draft: ServiceDraft,
    now: Micros,
) -> Result<Outcome<Service>, Refusal> {
    actor.require_owner(service.csp_org, "サービス", "service")?;
    check_draft(&draft, service.id)?;
    let mut next = service.clone();
    next.draft = draft;
    next.updated_at = now;
    let ev = Event::new(
        now,
        Some(actor),
        "service.updated",
        Subject::Service(service.id),
        "サービス情報を更新しました。",
        "Updated the service details.",
    );
    Ok(Outcome::new(next, vec![ev]))
}

/// The services `service` is built on that are not validly registered on
/// `today` (no registration, or one that expired, was suspended, revoked
/// or deleted). A SaaS on a lapsed IaaS should be looked at.
pub fn lapsed_foundations(
    service: &Service,
    registrations: &[Registration],
    today: jiff::civil::Date,
) -> Vec<i64> {
    service
        .draft
        .built_on
        .iter()
        .copied()
        .filter(|id| {
            !registrations
                .iter()
                .any(|r| r.service_id == *id && r.is_valid_on(today))
        })
        .collect()
}
