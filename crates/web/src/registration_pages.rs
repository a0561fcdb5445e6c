//! Registrations after the decision: the owning provider files change
//! notices (変更届) and incident reports (速報, then 確報); the committee
//! suspends, reinstates, revokes and deletes with reasons. Each public event
//! becomes a remark on the public list (/registry). `/ismap/liu`: a procuring
//! agency files the impact assessment the LIU track rests on.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kasumi_core::{Role, format_tokyo};
use kasumi_lifecycle::changes::{
    ChangeKind, ChangeNotice, Incident, IncidentReport, IncidentStatus, confirm_incident,
    file_change_notice, report_incident, submit_change_audit,
};
use kasumi_lifecycle::dates::tokyo_date;
use kasumi_lifecycle::engagement::Engagement;
use kasumi_lifecycle::firm::Firm;
use kasumi_lifecycle::liu::{
    AssessmentInput, ImpactAssessment, ImpactLevel, file_impact_assessment,
};
use kasumi_lifecycle::registration::{
    Registration, delete_registration, reinstate_registration, revoke_registration,
    suspend_registration,
};
use kasumi_lifecycle::service::{Service, ServiceModel};
use kasumi_lifecycle::statement::{Statement, StatementStatus};
use kasumi_lifecycle::{Event, Outcome, Refusal};
use kasumi_store::User;
use serde::Deserialize;

use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::form::{Form, split_list};
use crate::pages::{Layout, Notice, page};
use crate::path::Ids;
use crate::registry::{Ledger, Record, load_all, remarks};
use crate::workflow::{
    catalog_for, commit_ledger, done, done_notice, find, form_id, refused, registry_error,
    status_of, visible, who,
};

/// The success messages the registration page's actions leave (`?done=`).
const REGISTRATION_DONE: &[&str] = &[
    "registration-done-change",
    "registration-done-change-audit",
    "registration-done-incident",
    "registration-done-confirmed",
    "registration-done-suspended",
    "registration-done-reinstated",
    "registration-done-revoked",
    "registration-done-deleted",
];

/// Staff and the owning provider see registrations here (the public uses /registry).
pub const REGISTRATION_ROLES: &[Role] = &[
    Role::Csp,
    Role::IpaReviewer,
    Role::Committee,
    Role::Secretariat,
];

/// The owner or scheme staff; others get 404 (incidents are not public).
fn may_see(user: &User, reg: &Registration) -> bool {
    let me = who(user);
    (user.role == Role::Csp && user.org_id == reg.csp_org) || me.is_scheme_staff()
}

pub fn status_key(reg: &Registration, today: jiff::civil::Date) -> String {
    format!("registry-status-{}", reg.status_on(today).code())
}

pub struct RegRow {
    pub id: i64,
    pub number: String,
    pub service: String,
    pub status: String,
    pub valid_through: String,
}

#[derive(Template)]
#[template(path = "registration_list.html")]
pub struct ListPage {
    l: Layout,
    rows: Vec<RegRow>,
}

async fn service_names(state: &AppState) -> AppResult<HashMap<i64, String>> {
    Ok(load_all::<Service>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .map(|(s, _)| (s.id, s.draft.name))
        .collect())
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_role(REGISTRATION_ROLES)?;
    let today = tokyo_date(state.clock.now());
    let names = service_names(&state).await?;
    let rows = load_all::<Registration>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .filter(|(r, _)| may_see(user, r))
        .map(|(r, _)| RegRow {
            id: r.id,
            number: r.number_text.clone(),
            service: names.get(&r.service_id).cloned().unwrap_or_default(),
            status: status_key(&r, today),
            valid_through: r.valid_through.to_string(),
        })
        .collect();
    page(
        StatusCode::OK,
        &ListPage {
            l: Layout::new(&ctx, "registration-title"),
            rows,
        },
    )
}

pub struct NoticeRow {
    pub id: i64,
    pub filed: String,
    pub kind: String,
    pub description: String,
    pub additional_audit: bool,
    /// The engagement submitted as the additional audit.
    pub audit_engagement: Option<i64>,
}

impl NoticeRow {
    pub fn awaits_audit(&self) -> bool {
        self.additional_audit && self.audit_engagement.is_none()
    }
}

/// An issued audit of the service the CSP may submit as an additional audit.
pub struct AuditChoice {
    pub id: i64,
    pub label: String,
}

pub struct IncidentRow {
    pub id: i64,
    pub flash_at: String,
    pub summary: String,
    pub confirmed: Option<(String, String, String)>,
    pub open: bool,
}

pub struct RemarkRow {
    pub date: String,
    pub kind: String,
    pub text: String,
}

/// The forms the viewer may use in the registration's current state.
#[derive(Default)]
pub struct Can {
    pub report: bool,
    pub committee: bool,
    pub suspend: bool,
    pub reinstate: bool,
    pub revoke: bool,
    pub delete: bool,
}

impl Can {
    fn for_viewer(user: &User, reg: &Registration, today: jiff::civil::Date) -> Can {
        use kasumi_lifecycle::registration::RegistrationStatus as S;
        let s = reg.status_on(today);
        let committee = user.role == Role::Committee;
        Can {
            report: user.role == Role::Csp && user.org_id == reg.csp_org && reg.is_listed_on(today),
            committee: committee && s != S::Deleted,
            suspend: committee && matches!(s, S::Registered | S::RenewalPending),
            reinstate: committee && s == S::Suspended,
            revoke: committee && s != S::Revoked && s != S::Deleted,
            delete: committee && s != S::Deleted,
        }
    }

    /// Whether the committee form for `action` is offered.
    pub fn offers(&self, action: &str) -> bool {
        match action {
            "suspend" => self.suspend,
            "revoke" => self.revoke,
            "delete" => self.delete,
            _ => false,
        }
    }
}

#[derive(Template)]
#[template(path = "registration_detail.html")]
pub struct DetailPage {
    l: Layout,
    notice: Option<Notice>,
    id: i64,
    number: String,
    service: String,
    status: String,
    registered_on: String,
    renewed_on: String,
    valid_through: String,
    liu: bool,
    listed: bool,
    application_id: i64,
    notices: Vec<NoticeRow>,
    /// Whether a notice waits for its additional audit.
    awaiting_audit: bool,
    audits: Vec<AuditChoice>,
    incidents: Vec<IncidentRow>,
    remarks: Vec<RemarkRow>,
    can: Can,
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    notice: Option<Notice>,
) -> AppResult<Response> {
    let notice = notice.or_else(|| done_notice(ctx, REGISTRATION_DONE));
    let user = ctx.require_role(REGISTRATION_ROLES)?;
    let (reg, _) = visible::<Registration>(state, id, |r| may_see(user, r)).await?;
    let today = tokyo_date(state.clock.now());
    let tr = ctx.tr;
    let service = find::<Service>(state, reg.service_id)
        .await?
        .map(|(s, _)| s.draft.name)
        .unwrap_or_default();
    let change_notices: Vec<ChangeNotice> = load_all::<ChangeNotice>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n.registration_id == id)
        .collect();
    let notices = change_notices
        .iter()
        .map(|n| NoticeRow {
            id: n.id,
            audit_engagement: n.additional_audit.as_ref().map(|a| a.engagement_id),
            filed: format_tokyo(n.filed_at),
            kind: tr.t(&format!("registration-change-{}", n.kind.code())),
            description: match &n.kind {
                ChangeKind::ControlChange { controls } => {
                    format!("{} ({})", n.description, controls.join(", "))
                }
                ChangeKind::RegionAdded { region } => format!("{} ({region})", n.description),
                _ => n.description.clone(),
            },
            additional_audit: n.needs_additional_audit,
        })
        .collect::<Vec<NoticeRow>>();
    let waiting: Vec<&ChangeNotice> = change_notices
        .iter()
        .filter(|n| n.awaits_additional_audit())
        .collect();
    let awaiting_audit = !waiting.is_empty();
    let can = Can::for_viewer(user, &reg, today);
    let audits = if can.report && awaiting_audit {
        fitting_audits(state, ctx, reg.service_id, &waiting).await?
    } else {
        Vec::new()
    };
    let incidents = load_all::<Incident>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .filter(|(i, _)| i.registration_id == id)
        .map(|(i, _)| IncidentRow {
            id: i.id,
            flash_at: format_tokyo(i.flash.at),
            summary: i.flash.summary.clone(),
            open: i.status == IncidentStatus::Flash,
            confirmed: i
                .confirmed
                .as_ref()
                .map(|c| (format_tokyo(c.at), c.cause.clone(), c.measures.clone())),
        })
        .collect();
    let mut history = remarks(&state.store, reg.service_id)
        .await
        .map_err(registry_error)?;
    history.reverse();
    let t = DetailPage {
        l: Layout::new(ctx, "registration-title"),
        notice,
        id,
        number: reg.number_text.clone(),
        service,
        status: status_key(&reg, today),
        registered_on: reg.registered_on.to_string(),
        renewed_on: reg.renewed_on.map(|d| d.to_string()).unwrap_or_default(),
        valid_through: reg.valid_through.to_string(),
        liu: reg.liu,
        listed: reg.is_listed_on(today),
        application_id: reg.application_id,
        notices,
        awaiting_audit,
        audits,
        incidents,
        remarks: history
            .iter()
            .map(|r| RemarkRow {
                date: tokyo_date(r.at).to_string(),
                kind: tr.t(&format!("registry-remark-{}", r.kind.code())),
                text: match tr.lang {
                    kasumi_core::Lang::Ja => r.ja.clone(),
                    _ => r.en.clone(),
                },
            })
            .collect(),
        can,
    };
    page(status, &t)
}

/// The service's reported audits that could answer one of the `waiting`
/// control changes, newest first, labelled with the firm, the scope's
/// controls and the report date.
async fn fitting_audits(
    state: &AppState,
    ctx: &Ctx,
    service_id: i64,
    waiting: &[&ChangeNotice],
) -> AppResult<Vec<AuditChoice>> {
    let firms: HashMap<i64, String> = load_all::<Firm>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .map(|(f, _)| (f.id, f.name))
        .collect();
    let mut audits: Vec<Engagement> = load_all::<Engagement>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .map(|(e, _)| e)
        .filter(|e| e.service_id == service_id && waiting.iter().any(|n| n.audit_fits(e).is_ok()))
        .collect();
    audits.sort_by_key(|e| std::cmp::Reverse(e.id));
    Ok(audits
        .into_iter()
        .map(|e| {
            let issued = e
                .report
                .as_ref()
                .map(|r| r.issued_on.to_string())
                .unwrap_or_default();
            let label = ctx.tr.ta(
                "registration-change-audit-label",
                &[
                    ("id", e.id.to_string()),
                    ("firm", firms.get(&e.firm_id).cloned().unwrap_or_default()),
                    ("controls", e.controls.len().to_string()),
                    ("issued", issued),
                ],
            );
            AuditChoice { id: e.id, label }
        })
        .collect())
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    detail_page(&state, &ctx, id, StatusCode::OK, None).await
}

#[derive(Clone, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    controls: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    incident: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    engagement: String,
}

enum Step {
    Done(Ledger, Vec<Event>, &'static str),
    Refused(Refusal),
    Bad(Notice),
}

fn required(ctx: &Ctx, field: &str) -> Notice {
    Notice::error(ctx.tr.ta("invalid-required", &[("field", ctx.tr.t(field))]))
}

fn registration_step(
    reg: &Registration,
    rev: i64,
    out: Result<Outcome<Registration>, Refusal>,
    ok: &'static str,
) -> Step {
    match out {
        Ok(out) => {
            let mut ledger = Ledger::new();
            ledger.read_at(reg, rev);
            ledger.put(&out.state);
            Step::Done(ledger, out.events, ok)
        }
        Err(r) => Step::Refused(r),
    }
}

pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids((id, action)): Ids<(i64, String)>,
    Form(f): Form<ActionForm>,
) -> AppResult<Response> {
    let user = ctx.require_role(REGISTRATION_ROLES)?.clone();
    let me = who(&user);
    let (reg, rev) = visible::<Registration>(&state, id, |r| may_see(&user, r)).await?;
    let now = state.clock.now();
    let step = match action.as_str() {
        "change" => {
            let kind = match f.kind.as_str() {
                "control_change" => Some(ChangeKind::ControlChange {
                    controls: split_list(&f.controls),
                }),
                "region_added" => Some(ChangeKind::RegionAdded {
                    region: f.region.trim().to_string(),
                }),
                "organisational" => Some(ChangeKind::Organisational),
                "other" => Some(ChangeKind::Other),
                _ => None,
            };
            match kind {
                None => Step::Bad(required(&ctx, "registration-change-kind")),
                Some(kind) => {
                    let (service, srev) = find::<Service>(&state, reg.service_id)
                        .await?
                        .ok_or(AppError::NotFound)?;
                    // Changed controls are checked against the criteria the
                    // registered statement was made against.
                    let (statement, _) = find::<Statement>(&state, reg.statement_id)
                        .await?
                        .ok_or(AppError::NotFound)?;
                    let catalog = catalog_for(&state, &statement.content).await?;
                    let nid = state.store.registry_allocate_id(ChangeNotice::KIND).await?;
                    match file_change_notice(
                        &me,
                        nid,
                        &service,
                        &reg,
                        &catalog,
                        kind,
                        f.description.trim(),
                        now,
                    ) {
                        Ok(Outcome {
                            state: (notice, svc),
                            events,
                        }) => {
                            let mut ledger = Ledger::new();
                            ledger.put(&notice);
                            if svc != service {
                                ledger.read_at(&service, srev);
                                ledger.put(&svc);
                            }
                            Step::Done(ledger, events, "registration-done-change")
                        }
                        Err(r) => Step::Refused(r),
                    }
                }
            }
        }
        "incident" => {
            let (service, _) = find::<Service>(&state, reg.service_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let iid = state.store.registry_allocate_id(Incident::KIND).await?;
            match report_incident(&me, iid, &service, &reg, f.summary.trim(), now) {
                Ok(out) => {
                    let mut ledger = Ledger::new();
                    ledger.put(&out.state);
                    Step::Done(ledger, out.events, "registration-done-incident")
                }
                Err(r) => Step::Refused(r),
            }
        }
        "confirm" => match form_id(&ctx, "registration-incident", &f.incident) {
            Err(n) => Step::Bad(n),
            Ok(None) => Step::Bad(required(&ctx, "registration-incident")),
            Ok(Some(iid)) => {
                let (inc, irev) =
                    visible::<Incident>(&state, iid, |i| i.registration_id == id).await?;
                let report = IncidentReport {
                    at: now,
                    summary: f.summary.trim().to_string(),
                    cause: f.cause.trim().to_string(),
                    measures: f.measures.trim().to_string(),
                };
                match confirm_incident(&me, &inc, report, now) {
                    Ok(out) => {
                        let mut ledger = Ledger::new();
                        ledger.read_at(&inc, irev);
                        ledger.put(&out.state);
                        Step::Done(ledger, out.events, "registration-done-confirmed")
                    }
                    Err(r) => Step::Refused(r),
                }
            }
        },
        "change-audit" => {
            let notice = form_id(&ctx, "registration-change-notice", &f.notice);
            let engagement = form_id(&ctx, "registration-change-audit-engagement", &f.engagement);
            match (notice, engagement) {
                (Err(n), _) | (_, Err(n)) => Step::Bad(n),
                (Ok(None), _) => Step::Bad(required(&ctx, "registration-change-notice")),
                (_, Ok(None)) => Step::Bad(required(&ctx, "registration-change-audit-engagement")),
                (Ok(Some(nid)), Ok(Some(eid))) => {
                    let (notice, nrev) =
                        visible::<ChangeNotice>(&state, nid, |n| n.registration_id == id).await?;
                    // Any audit of this registration's service; whose it is
                    // and whether it fits is the lifecycle's check.
                    let (eng, erev) =
                        visible::<Engagement>(&state, eid, |e| e.service_id == reg.service_id)
                            .await?;
                    let firm = find::<Firm>(&state, eng.firm_id)
                        .await?
                        .map(|(f, _)| f.name)
                        .unwrap_or_default();
                    match submit_change_audit(&me, &notice, &reg, &eng, &firm, now) {
                        Ok(out) => {
                            let mut ledger = Ledger::new();
                            ledger.read_at(&reg, rev);
                            ledger.read_at(&notice, nrev);
                            ledger.read_at(&eng, erev);
                            ledger.put(&out.state);
                            Step::Done(ledger, out.events, "registration-done-change-audit")
                        }
                        Err(r) => Step::Refused(r),
                    }
                }
            }
        }
        "suspend" => registration_step(
            &reg,
            rev,
            suspend_registration(&me, &reg, f.reason.trim(), now),
            "registration-done-suspended",
        ),
        "reinstate" => registration_step(
            &reg,
            rev,
            reinstate_registration(&me, &reg, now),
            "registration-done-reinstated",
        ),
        "revoke" => registration_step(
            &reg,
            rev,
            revoke_registration(&me, &reg, f.reason.trim(), now),
            "registration-done-revoked",
        ),
        "delete" => registration_step(
            &reg,
            rev,
            delete_registration(&me, &reg, f.reason.trim(), now),
            "registration-done-deleted",
        ),
        _ => return Err(AppError::NotFound),
    };
    match step {
        Step::Done(mut ledger, events, ok) => {
            ledger.events(events);
            commit_ledger(&state, &user, &mut ledger, now).await?;
            Ok(done(&format!("/ismap/registrations/{id}"), ok))
        }
        Step::Refused(r) => detail_page(&state, &ctx, id, status_of(&r), refused(&ctx, &r)).await,
        Step::Bad(n) => {
            detail_page(&state, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(n)).await
        }
    }
}

// ---- ISMAP-LIU impact assessments ----

/// Agencies file; the provider of the service and the scheme staff read.
pub const LIU_ROLES: &[Role] = &[
    Role::Agency,
    Role::Csp,
    Role::IpaReviewer,
    Role::Committee,
    Role::Secretariat,
];

pub struct AssessmentRow {
    pub id: i64,
    pub service: String,
    pub business: String,
    pub information: String,
    pub result: String,
    pub filed: String,
}

pub struct ServiceChoice {
    pub id: i64,
    pub name: String,
}

#[derive(Template)]
#[template(path = "registration_liu.html")]
pub struct LiuPage {
    l: Layout,
    notice: Option<Notice>,
    rows: Vec<AssessmentRow>,
    agency: bool,
    services: Vec<ServiceChoice>,
}

#[derive(Clone, Default, Deserialize)]
pub struct LiuForm {
    #[serde(default)]
    service: String,
    #[serde(default)]
    business: String,
    #[serde(default)]
    information: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    rationale: String,
}

async fn liu_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    notice: Option<Notice>,
) -> AppResult<Response> {
    let user = ctx.require_role(LIU_ROLES)?;
    let services: Vec<Service> = load_all::<Service>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let name = |id: i64| {
        services
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.draft.name.clone())
            .unwrap_or_default()
    };
    let owner_of = |id: i64| services.iter().find(|s| s.id == id).map(|s| s.csp_org);
    let rows = load_all::<ImpactAssessment>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .map(|(a, _)| a)
        .filter(|a| match user.role {
            Role::Agency => a.agency_org == user.org_id,
            Role::Csp => owner_of(a.service_id) == Some(user.org_id),
            _ => true,
        })
        .map(|a| AssessmentRow {
            id: a.id,
            service: name(a.service_id),
            business: a.input.business.clone(),
            information: a.input.information.clone(),
            result: ctx.tr.t(&format!("liu-result-{}", a.input.result.code())),
            filed: format_tokyo(a.filed_at),
        })
        .collect();
    let agency = user.role == Role::Agency;
    page(
        status,
        &LiuPage {
            l: Layout::new(ctx, "liu-title"),
            notice,
            rows,
            agency,
            services: if agency {
                offered_for_liu(state, &services)
                    .await?
                    .into_iter()
                    .map(|s| ServiceChoice {
                        id: s.id,
                        name: s.draft.name.clone(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
        },
    )
}

/// The services an agency may assess: SaaS whose provider has submitted a
/// statement for them. A draft service stays private to its CSP, so it is
/// neither offered nor accepted (another CSP's drafts are never shown).
async fn offered_for_liu<'a>(
    state: &AppState,
    services: &'a [Service],
) -> AppResult<Vec<&'a Service>> {
    let stated: std::collections::HashSet<i64> = load_all::<Statement>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .filter(|(st, _)| st.status == StatementStatus::Submitted)
        .map(|(st, _)| st.service_id)
        .collect();
    Ok(services
        .iter()
        .filter(|s| s.draft.service_model == ServiceModel::Saas && stated.contains(&s.id))
        .collect())
}

pub async fn liu(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    liu_page(&state, &ctx, StatusCode::OK, None).await
}

pub async fn file_liu(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<LiuForm>,
) -> AppResult<Response> {
    let user = ctx.require_role(LIU_ROLES)?.clone();
    let result = match f.result.as_str() {
        "low" => Some(ImpactLevel::Low),
        "medium" => Some(ImpactLevel::Medium),
        "high" => Some(ImpactLevel::High),
        _ => None,
    };
    let service_id = match form_id(&ctx, "liu-service", &f.service) {
        Ok(Some(id)) => id,
        Ok(None) => {
            let msg = ctx
                .tr
                .ta("invalid-required", &[("field", ctx.tr.t("liu-service"))]);
            return liu_page(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Notice::error(msg)),
            )
            .await;
        }
        Err(n) => return liu_page(&state, &ctx, StatusCode::UNPROCESSABLE_ENTITY, Some(n)).await,
    };
    let Some(result) = result else {
        let msg = ctx
            .tr
            .ta("invalid-required", &[("field", ctx.tr.t("liu-result"))]);
        return liu_page(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Notice::error(msg)),
        )
        .await;
    };
    let Some((service, _)) = find::<Service>(&state, service_id).await? else {
        return Err(AppError::NotFound);
    };
    if user.role == Role::Agency
        && offered_for_liu(&state, std::slice::from_ref(&service))
            .await?
            .is_empty()
    {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now();
    let id = state
        .store
        .registry_allocate_id(ImpactAssessment::KIND)
        .await?;
    let input = AssessmentInput {
        business: f.business.trim().to_string(),
        information: f.information.trim().to_string(),
        result,
        rationale: f.rationale.trim().to_string(),
    };
    match file_impact_assessment(&who(&user), id, &service, input, now) {
        Ok(out) => {
            let mut ledger = Ledger::new();
            ledger.put(&out.state);
            ledger.events(out.events);
            commit_ledger(&state, &user, &mut ledger, now).await?;
            Ok(Redirect::to("/ismap/liu").into_response())
        }
        Err(r) => liu_page(&state, &ctx, status_of(&r), refused(&ctx, &r)).await,
    }
}
