//! Fixtures shared by the tests: organisations, actors, a service, a clean statement.

use jiff::civil::Date;
use kasumi_core::{Micros, Role};
use kasumi_ismap::{Catalog, Kind, sample_catalog};
use kasumi_lifecycle::Actor;
use kasumi_lifecycle::dates::tokyo_midnight;
use kasumi_lifecycle::firm::{Firm, list_firm};
use kasumi_lifecycle::service::{
    DeploymentModel, Service, ServiceDraft, ServiceModel, register_service,
};
use kasumi_lifecycle::statement::{
    ControlDecision, Disclosures, Person, Scope, StatementContent, TestState, TestStatus,
};

pub const CSP_ORG: i64 = 10;
pub const OTHER_CSP_ORG: i64 = 11;
pub const FIRM_ORG: i64 = 20;
pub const OTHER_FIRM_ORG: i64 = 21;
pub const EVALUATOR_ORG: i64 = 30;
pub const IPA_ORG: i64 = 40;
pub const COMMITTEE_ORG: i64 = 50;
pub const AGENCY_ORG: i64 = 60;

pub fn csp() -> Actor {
    Actor::new(Role::Csp, CSP_ORG, 1)
}
pub fn other_csp() -> Actor {
    Actor::new(Role::Csp, OTHER_CSP_ORG, 2)
}
pub fn auditor() -> Actor {
    Actor::new(Role::Auditor, FIRM_ORG, 3)
}
pub fn other_auditor() -> Actor {
    Actor::new(Role::Auditor, OTHER_FIRM_ORG, 4)
}
pub fn evaluator() -> Actor {
    Actor::new(Role::AuditEvaluator, EVALUATOR_ORG, 5)
}
pub fn ipa() -> Actor {
    Actor::new(Role::IpaReviewer, IPA_ORG, 6)
}
pub fn committee() -> Actor {
    Actor::new(Role::Committee, COMMITTEE_ORG, 7)
}
pub fn secretariat() -> Actor {
    Actor::new(Role::Secretariat, COMMITTEE_ORG, 8)
}
pub fn agency() -> Actor {
    Actor::new(Role::Agency, AGENCY_ORG, 9)
}
pub fn admin() -> Actor {
    Actor::new(Role::Admin, 1, 99)
}

pub fn date(y: i16, m: i8, d: i8) -> Date {
    Date::new(y, m, d).unwrap()
}

/// Noon in Tokyo on the given day.
pub fn at(y: i16, m: i8, d: i8) -> Micros {
    tokyo_midnight(date(y, m, d)) + 12 * 3_600_000_000
}

pub fn catalog() -> Catalog {
    sample_catalog()
}

pub fn service_draft(model: ServiceModel) -> ServiceDraft {
    ServiceDraft {
        name: "かすみクラウド".into(),
        service_model: model,
        deployment_model: DeploymentModel::Public,
        description: "Sample SaaS".into(),
        data_centres: vec!["東京".into()],
        regions: vec!["jp-east".into()],
        built_on: vec![],
    }
}

pub fn service() -> Service {
    register_service(
        &csp(),
        100,
        service_draft(ServiceModel::Saas),
        at(2024, 1, 10),
    )
    .unwrap()
    .state
}

pub fn firm() -> Firm {
    list_firm(&evaluator(), 7, FIRM_ORG, "かすみ監査法人", at(2023, 4, 1))
        .unwrap()
        .state
}

/// A statement that passes the linter: every 4-digit control decided;
/// all adopted except 8.1.2.6 and 12.4.1.2 (both with reasons).
pub fn clean_content() -> StatementContent {
    let cat = catalog();
    let controls = cat
        .items
        .iter()
        .filter(|i| i.kind == Some(Kind::Control))
        .map(|i| match i.id.as_str() {
            "8.1.2.6" => ControlDecision::not_adopted(&i.id, "資産の消去は委託先が行う。"),
            "12.4.1.2" => ControlDecision::not_adopted(&i.id, "対象となる機能がない。"),
            id => ControlDecision::adopted(id),
        })
        .collect();
    StatementContent {
        service_name: "かすみクラウド".into(),
        catalog_version: cat.version.id.clone(),
        scope: Scope {
            description: "かすみクラウドの本番環境".into(),
            components: vec!["web".into(), "db".into()],
            data_centres: vec!["東京".into()],
            regions: vec!["jp-east".into()],
        },
        governance_owner: Person {
            name: "佐藤 太郎".into(),
            title: "代表取締役".into(),
        },
        disclosures: Disclosures {
            capital_relationships: "なし".into(),
            officers: "役員一覧のとおり".into(),
            foreign_law_risk: "国内法人のみ".into(),
            governing_law: "日本法".into(),
            jurisdiction: "東京地方裁判所".into(),
            penetration_test: TestStatus {
                status: TestState::Performed,
                last_performed: Some(date(2024, 2, 1)),
                note: String::new(),
            },
            vulnerability_assessment: TestStatus {
                status: TestState::Planned,
                last_performed: None,
                note: String::new(),
            },
        },
        controls,
    }
}

pub fn set(content: &mut StatementContent, id: &str, adopted: bool, reason: &str) {
    content.controls.retain(|c| c.id != id);
    content.controls.push(ControlDecision {
        id: id.to_string(),
        adopted,
        reason: reason.to_string(),
    });
}

/// The keys (and controls) of a list of messages, for compact assertions.
pub fn keys(msgs: &[kasumi_lifecycle::Message]) -> Vec<(String, String)> {
    msgs.iter()
        .map(|m| {
            (
                m.key.to_string(),
                m.control.clone().or(m.field.clone()).unwrap_or_default(),
            )
        })
        .collect()
}
