//! The audit side of ISMAP: audit firms listed, suspended, re-listed and
//! evaluated by the evaluator (監査機関評価者); relationships declared by a
//! firm's auditors; a CSP engaging a listed firm for its submitted statement;
//! the firm's auditors recording a result per control with evidence files,
//! and issuing the 実施結果報告書, also exported as OSCAL assessment results.
//!
//! The rules are kasumi-lifecycle's (firm, engagement, visibility, oscal);
//! these pages load records, commit each transition with its events (and so
//! its audit entries) in one transaction, and answer a refusal with its
//! status and reason. An engagement a person may not see answers 404.

use std::collections::HashMap;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use kasumi_core::{OrgKind, Role, format_tokyo};
use kasumi_lifecycle::dates::{AuditPeriod, tokyo_date};
use kasumi_lifecycle::engagement::{
    AuditScope, Engagement, EngagementStatus, Evidence, Procedure, ResultInput, TestResult,
    cancel_engagement, engage as engage_audit, issue_report, record_result,
};
use kasumi_lifecycle::firm::{
    Firm, FirmStatus, Rating, declare_relationship, list_firm, record_evaluation, relist_firm,
    suspend_firm,
};
use kasumi_lifecycle::oscal::{ArNames, assessment_results as oscal_results};
use kasumi_lifecycle::service::Service;
use kasumi_lifecycle::statement::Statement;
use kasumi_lifecycle::visibility::can_view_engagement;
use kasumi_lifecycle::{Actor as Who, Outcome, Refusal};
use kasumi_store::{StoredFile, User};
use serde::Deserialize;

use crate::AppState;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::form::{Form, split_list};
use crate::pages::{Layout, Notice, page};
use crate::path::Ids;
use crate::registry::{Ledger, Record, load_all};
use crate::upload::{self, UploadError};
use crate::workflow::{
    catalog_for, commit, commit_ledger, done, done_notice, own, refused, registry_error, status_of,
    visible, who,
};

/// Who sees the firms page: the evaluator manages every firm; an auditor
/// sees its own firm, to declare its relationships.
pub const FIRM_ROLES: &[Role] = &[Role::AuditEvaluator, Role::Auditor];

/// The roles with engagements to follow (which ones: lifecycle visibility).
pub const ENGAGEMENT_ROLES: &[Role] = &[
    Role::Csp,
    Role::Auditor,
    Role::IpaReviewer,
    Role::Committee,
    Role::Secretariat,
];

/// A choice in a select: an id and what the reader sees.
pub struct Choice {
    pub id: i64,
    pub name: String,
}

// ---- firms ----

pub struct EvaluationRow {
    pub at: String,
    pub rating: &'static str,
    pub summary: String,
}

pub struct RelationshipRow {
    pub org: String,
    pub description: String,
    pub at: String,
}

pub struct FirmRow {
    pub id: i64,
    pub name: String,
    pub org: String,
    pub status: &'static str,
    pub listed: bool,
    pub reason: String,
    pub evaluations: Vec<EvaluationRow>,
    pub relationships: Vec<RelationshipRow>,
    /// The reader is an auditor of this firm (may declare relationships).
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "audit_firms.html")]
pub struct FirmsPage {
    l: Layout,
    notice: Option<Notice>,
    firms: Vec<FirmRow>,
    evaluator: bool,
    /// Audit-firm organisations not yet listed.
    free_orgs: Vec<Choice>,
    csps: Vec<Choice>,
}

fn firm_status_key(s: FirmStatus) -> &'static str {
    match s {
        FirmStatus::Listed => "audit-firm-listed",
        FirmStatus::Suspended => "audit-firm-suspended",
    }
}

fn rating_key(r: Rating) -> &'static str {
    match r {
        Rating::Satisfactory => "audit-rating-satisfactory",
        Rating::NeedsImprovement => "audit-rating-needs-improvement",
        Rating::Unsatisfactory => "audit-rating-unsatisfactory",
    }
}

async fn org_names(state: &AppState) -> AppResult<HashMap<i64, (String, OrgKind)>> {
    Ok(state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .map(|o| (o.id, (o.name, o.kind)))
        .collect())
}

async fn firms_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    notice: Option<Notice>,
) -> AppResult<Response> {
    let notice = notice.or_else(|| done_notice(ctx, &["audit-saved"]));
    let user = ctx.require_role(FIRM_ROLES)?;
    let evaluator = user.role == Role::AuditEvaluator;
    let orgs = org_names(state).await?;
    let name = |id: i64| orgs.get(&id).map(|o| o.0.clone()).unwrap_or_default();
    let all = load_all::<Firm>(&state.store)
        .await
        .map_err(registry_error)?;
    let free_orgs = orgs
        .iter()
        .filter(|(id, (_, kind))| {
            *kind == OrgKind::AuditFirm && !all.iter().any(|(f, _)| f.org == **id)
        })
        .map(|(id, (n, _))| Choice {
            id: *id,
            name: n.clone(),
        })
        .collect();
    let mut csps: Vec<Choice> = orgs
        .iter()
        .filter(|(_, (_, kind))| *kind == OrgKind::Csp)
        .map(|(id, (n, _))| Choice {
            id: *id,
            name: n.clone(),
        })
        .collect();
    csps.sort_by_key(|c| c.id);
    let firms = all
        .into_iter()
        .map(|(f, _)| f)
        .filter(|f| evaluator || f.org == user.org_id)
        .map(|f| FirmRow {
            id: f.id,
            name: f.name.clone(),
            org: name(f.org),
            status: firm_status_key(f.status),
            listed: f.status == FirmStatus::Listed,
            reason: f.suspension_reason.clone().unwrap_or_default(),
            evaluations: f
                .evaluations
                .iter()
                .map(|e| EvaluationRow {
                    at: format_tokyo(e.at),
                    rating: rating_key(e.rating),
                    summary: e.summary.clone(),
                })
                .collect(),
            relationships: f
                .relationships
                .iter()
                .map(|r| RelationshipRow {
                    org: name(r.csp_org),
                    description: r.description.clone(),
                    at: format_tokyo(r.declared_at),
                })
                .collect(),
            mine: user.role == Role::Auditor && f.org == user.org_id,
        })
        .collect();
    page(
        status,
        &FirmsPage {
            l: Layout::new(ctx, "audit-firms-title"),
            notice,
            firms,
            evaluator,
            free_orgs,
            csps,
        },
    )
}

pub async fn firms(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    firms_page(&state, &ctx, StatusCode::OK, None).await
}

/// A 422 page naming the field that could not be read.
async fn firms_invalid(state: &AppState, ctx: &Ctx, field_key: &str) -> AppResult<Response> {
    let msg = ctx
        .tr
        .ta("invalid-required", &[("field", ctx.tr.t(field_key))]);
    firms_page(
        state,
        ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(Notice::error(msg)),
    )
    .await
}

#[derive(Default, Deserialize)]
pub struct NewFirmForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    name: String,
}

pub async fn add_firm(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<NewFirmForm>,
) -> AppResult<Response> {
    let user = ctx.require_role(FIRM_ROLES)?.clone();
    let orgs = org_names(&state).await?;
    let taken = load_all::<Firm>(&state.store)
        .await
        .map_err(registry_error)?
        .iter()
        .any(|(firm, _)| Some(firm.org) == f.org.trim().parse().ok());
    // The firm's organisation must exist, be an audit firm, and not be listed yet.
    let org = f
        .org
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| orgs.get(id).is_some_and(|o| o.1 == OrgKind::AuditFirm) && !taken);
    let now = state.clock.now();
    let id = state.store.registry_allocate_id(Firm::KIND).await?;
    // The rules speak first (who may list, a name), then the organisation.
    match list_firm(&who(&user), id, org.unwrap_or(0), f.name.trim(), now) {
        Ok(_) if org.is_none() => firms_invalid(&state, &ctx, "audit-firm-org").await,
        Ok(out) => {
            commit(&state, &user, None, out, now).await?;
            Ok(done("/ismap/firms", "audit-saved"))
        }
        Err(r) => firms_page(&state, &ctx, status_of(&r), refused(&ctx, &r)).await,
    }
}

/// One transition of a firm: loaded, changed by `step`, committed (or refused).
async fn firm_step(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    step: impl FnOnce(&Who, &Firm, i64) -> Result<Outcome<Firm>, Refusal>,
) -> AppResult<Response> {
    let user = ctx.require_role(FIRM_ROLES)?.clone();
    // Firms are public knowledge among these roles; the rules say who may act.
    let (firm, revision) = visible::<Firm>(state, id, |_| true).await?;
    let now = state.clock.now();
    match step(&who(&user), &firm, now) {
        Ok(out) => {
            commit(state, &user, Some((&firm, revision)), out, now).await?;
            Ok(done("/ismap/firms", "audit-saved"))
        }
        Err(r) => firms_page(state, ctx, status_of(&r), refused(ctx, &r)).await,
    }
}

#[derive(Default, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn suspend(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    let reason = f.reason.trim().to_string();
    firm_step(&state, &ctx, id, |w, firm, now| {
        suspend_firm(w, firm, &reason, now)
    })
    .await
}

pub async fn relist(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    firm_step(&state, &ctx, id, relist_firm).await
}

#[derive(Default, Deserialize)]
pub struct EvaluationForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    summary: String,
}

pub async fn evaluate(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    Form(f): Form<EvaluationForm>,
) -> AppResult<Response> {
    let rating = match f.rating.as_str() {
        "satisfactory" => Rating::Satisfactory,
        "needs_improvement" => Rating::NeedsImprovement,
        "unsatisfactory" => Rating::Unsatisfactory,
        _ => return firms_invalid(&state, &ctx, "audit-rating").await,
    };
    let summary = f.summary.trim().to_string();
    firm_step(&state, &ctx, id, |w, firm, now| {
        record_evaluation(w, firm, rating, &summary, now)
    })
    .await
}

#[derive(Default, Deserialize)]
pub struct RelationshipForm {
    #[serde(default)]
    csp_org: String,
    #[serde(default)]
    description: String,
}

pub async fn declare(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    Form(f): Form<RelationshipForm>,
) -> AppResult<Response> {
    let orgs = org_names(&state).await?;
    let Some(csp) = f
        .csp_org
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| orgs.get(id).is_some_and(|o| o.1 == OrgKind::Csp))
    else {
        return firms_invalid(&state, &ctx, "audit-relationship-csp").await;
    };
    let description = f.description.trim().to_string();
    firm_step(&state, &ctx, id, |w, firm, now| {
        declare_relationship(w, firm, csp, &description, now)
    })
    .await
}

// ---- engaging a firm for a submitted statement ----

#[derive(Clone, Default, Deserialize)]
pub struct EngageForm {
    #[serde(default)]
    firm: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    scope: String,
    /// For an additional audit: the controls, comma separated.
    #[serde(default)]
    controls: String,
}

#[derive(Template)]
#[template(path = "audit_engage.html")]
pub struct EngagePage {
    l: Layout,
    notice: Option<Notice>,
    statement_id: i64,
    service: String,
    firms: Vec<Choice>,
    form: EngageForm,
}

async fn engage_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    notice: Option<Notice>,
    form: EngageForm,
) -> AppResult<Response> {
    let user = ctx.require_role(&[Role::Csp])?;
    let (st, _) = own::<Statement>(state, user, id).await?;
    let (service, _) = own::<Service>(state, user, st.service_id).await?;
    let firms = load_all::<Firm>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .filter(|(f, _)| f.status == FirmStatus::Listed)
        .map(|(f, _)| Choice {
            id: f.id,
            name: f.name,
        })
        .collect();
    page(
        status,
        &EngagePage {
            l: Layout::new(ctx, "audit-engage-title"),
            notice,
            statement_id: id,
            service: service.draft.name.clone(),
            firms,
            form,
        },
    )
}

pub async fn engage_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    let form = EngageForm {
        scope: "full".into(),
        ..EngageForm::default()
    };
    engage_page(&state, &ctx, id, StatusCode::OK, None, form).await
}

pub async fn engage(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    Form(f): Form<EngageForm>,
) -> AppResult<Response> {
    let user = ctx.require_role(&[Role::Csp])?.clone();
    let (st, _) = own::<Statement>(&state, &user, id).await?;
    let invalid = |key: &str| {
        let msg = ctx.tr.ta("invalid-required", &[("field", ctx.tr.t(key))]);
        (StatusCode::UNPROCESSABLE_ENTITY, Some(Notice::error(msg)))
    };
    let firm = match f.firm.trim().parse::<i64>() {
        Ok(fid) => state.store.registry_record(Firm::KIND, fid).await?,
        Err(_) => None,
    };
    let firm: Option<(Firm, i64)> = firm.and_then(|r| {
        let revision = r.revision;
        serde_json::from_value(r.body).ok().map(|f| (f, revision))
    });
    let start = f.start.trim().parse::<Date>().ok();
    let end = f.end.trim().parse::<Date>().ok();
    let scope = match f.scope.as_str() {
        "full" => Some(AuditScope::Full),
        "without_management" => Some(AuditScope::WithoutManagement),
        "liu" => Some(AuditScope::Liu),
        "controls" => Some(AuditScope::Controls(split_list(&f.controls))),
        _ => None,
    };
    let (status, notice) = match (firm, start, end, scope) {
        (None, ..) => invalid("audit-firm"),
        (_, None, ..) => invalid("audit-period-start"),
        (_, _, None, _) => invalid("audit-period-end"),
        (.., None) => invalid("audit-scope"),
        (Some((firm, firm_revision)), Some(start), Some(end), Some(scope)) => {
            let period = match AuditPeriod::new(start, end) {
                Ok(p) => p,
                Err(r) => {
                    return engage_page(&state, &ctx, id, status_of(&r), refused(&ctx, &r), f)
                        .await;
                }
            };
            let catalog = catalog_for(&state, &st.content).await?;
            let now = state.clock.now();
            let eid = state.store.registry_allocate_id(Engagement::KIND).await?;
            match engage_audit(&who(&user), eid, &st, &firm, &catalog, scope, period, now) {
                Ok(out) => {
                    // Engaged only if the firm is still as read (not suspended meanwhile).
                    let mut ledger = Ledger::new();
                    ledger.read_at(&firm, firm_revision);
                    ledger.put(&out.state);
                    ledger.events(out.events);
                    commit_ledger(&state, &user, &mut ledger, now).await?;
                    return Ok(Redirect::to(&format!("/ismap/engagements/{eid}")).into_response());
                }
                Err(r) => (status_of(&r), refused(&ctx, &r)),
            }
        }
    };
    engage_page(&state, &ctx, id, status, notice, f).await
}

// ---- engagements ----

pub struct EngagementRow {
    pub id: i64,
    pub service: String,
    pub firm: String,
    pub start: String,
    pub end: String,
    pub due: String,
    pub overdue: bool,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "audit_engagements.html")]
pub struct EngagementsPage {
    l: Layout,
    rows: Vec<EngagementRow>,
}

fn engagement_status_key(s: EngagementStatus) -> &'static str {
    match s {
        EngagementStatus::Engaged => "audit-status-engaged",
        EngagementStatus::Reported => "audit-status-reported",
        EngagementStatus::Cancelled => "audit-status-cancelled",
    }
}

/// Names of services and firms, for the rows that show them.
struct Names {
    services: HashMap<i64, String>,
    firms: HashMap<i64, String>,
}

async fn names(state: &AppState) -> AppResult<Names> {
    Ok(Names {
        services: load_all::<Service>(&state.store)
            .await
            .map_err(registry_error)?
            .into_iter()
            .map(|(s, _)| (s.id, s.draft.name))
            .collect(),
        firms: load_all::<Firm>(&state.store)
            .await
            .map_err(registry_error)?
            .into_iter()
            .map(|(f, _)| (f.id, f.name))
            .collect(),
    })
}

pub async fn engagements(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_role(ENGAGEMENT_ROLES)?;
    let viewer = who(user);
    let today = tokyo_date(state.clock.now());
    let n = names(&state).await?;
    let rows = load_all::<Engagement>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .map(|(e, _)| e)
        .filter(|e| can_view_engagement(Some(&viewer), e))
        .map(|e| EngagementRow {
            id: e.id,
            service: n.services.get(&e.service_id).cloned().unwrap_or_default(),
            firm: n.firms.get(&e.firm_id).cloned().unwrap_or_default(),
            start: e.period.start.to_string(),
            end: e.period.end.to_string(),
            due: e.report_due().to_string(),
            overdue: e.is_overdue(today),
            status: engagement_status_key(e.status),
        })
        .collect();
    page(
        StatusCode::OK,
        &EngagementsPage {
            l: Layout::new(&ctx, "audit-engagements-title"),
            rows,
        },
    )
}

/// The engagement if the signed-in person may see it; 404 otherwise.
async fn seen(state: &AppState, user: &User, id: i64) -> AppResult<(Engagement, i64)> {
    let viewer = who(user);
    visible::<Engagement>(state, id, |e| can_view_engagement(Some(&viewer), e)).await
}

pub struct EvidenceRow {
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

pub struct ResultRow {
    pub control: String,
    pub recorded: bool,
    pub procedures: String,
    pub design: String,
    pub operating: String,
    pub exception: bool,
    pub evidence: Vec<EvidenceRow>,
    pub at: String,
}

fn procedure_key(p: Procedure) -> &'static str {
    match p {
        Procedure::Inspection => "audit-proc-inspection",
        Procedure::Inquiry => "audit-proc-inquiry",
        Procedure::Observation => "audit-proc-observation",
        Procedure::Reperformance => "audit-proc-reperformance",
    }
}

fn result_text(ctx: &Ctx, r: &TestResult) -> String {
    match r {
        TestResult::NoException => ctx.tr.t("audit-no-exception"),
        TestResult::Exception { description } => {
            format!("{}: {description}", ctx.tr.t("audit-exception"))
        }
    }
}

fn result_rows(ctx: &Ctx, eng: &Engagement) -> Vec<ResultRow> {
    eng.controls
        .iter()
        .map(|c| match eng.result(c) {
            Some(r) => ResultRow {
                control: c.clone(),
                recorded: true,
                procedures: r
                    .input
                    .procedures
                    .iter()
                    .map(|p| ctx.tr.t(procedure_key(*p)))
                    .collect::<Vec<_>>()
                    .join("・"),
                design: result_text(ctx, &r.input.design),
                operating: result_text(ctx, &r.input.operating),
                exception: r.input.design.is_exception() || r.input.operating.is_exception(),
                evidence: r
                    .input
                    .evidence
                    .iter()
                    .map(|e| EvidenceRow {
                        name: e.name.clone(),
                        sha256: e.sha256.clone(),
                        size: e.size,
                    })
                    .collect(),
                at: format_tokyo(r.recorded_at),
            },
            None => ResultRow {
                control: c.clone(),
                recorded: false,
                procedures: String::new(),
                design: String::new(),
                operating: String::new(),
                exception: false,
                evidence: Vec::new(),
                at: String::new(),
            },
        })
        .collect()
}

/// What the engagement and report pages both show.
pub struct Summary {
    pub id: i64,
    pub service: String,
    pub firm: String,
    pub csp: String,
    pub start: String,
    pub end: String,
    pub due: String,
    pub overdue: bool,
    pub status: &'static str,
    pub scope: &'static str,
    pub rows: Vec<ResultRow>,
    pub missing: usize,
    /// The reader is an auditor of the engaged firm and the engagement is open.
    pub can_record: bool,
    /// The reader is the provider that engaged the firm and no report is out yet.
    pub can_cancel: bool,
}

fn scope_key(s: &AuditScope) -> &'static str {
    match s {
        AuditScope::Full => "audit-scope-full",
        AuditScope::WithoutManagement => "audit-scope-without-management",
        AuditScope::Liu => "audit-scope-liu",
        AuditScope::Controls(_) => "audit-scope-controls",
    }
}

async fn summary(state: &AppState, ctx: &Ctx, user: &User, eng: &Engagement) -> AppResult<Summary> {
    let n = names(state).await?;
    let csp = state
        .store
        .org_by_id(eng.csp_org)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(Summary {
        id: eng.id,
        service: n.services.get(&eng.service_id).cloned().unwrap_or_default(),
        firm: n.firms.get(&eng.firm_id).cloned().unwrap_or_default(),
        csp,
        start: eng.period.start.to_string(),
        end: eng.period.end.to_string(),
        due: eng.report_due().to_string(),
        overdue: eng.is_overdue(tokyo_date(state.clock.now())),
        status: engagement_status_key(eng.status),
        scope: scope_key(&eng.scope),
        rows: result_rows(ctx, eng),
        missing: eng.missing_results().len(),
        can_record: user.role == Role::Auditor
            && user.org_id == eng.firm_org
            && eng.status == EngagementStatus::Engaged,
        can_cancel: user.role == Role::Csp
            && user.org_id == eng.csp_org
            && eng.status == EngagementStatus::Engaged,
    })
}

#[derive(Template)]
#[template(path = "audit_engagement.html")]
pub struct EngagementPage {
    l: Layout,
    notice: Option<Notice>,
    s: Summary,
    max_bytes: usize,
}

async fn engagement_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    notice: Option<Notice>,
) -> AppResult<Response> {
    let notice = notice.or_else(|| done_notice(ctx, &["audit-cancelled", "audit-result-saved"]));
    let user = ctx.require_role(ENGAGEMENT_ROLES)?;
    let (eng, _) = seen(state, user, id).await?;
    let s = summary(state, ctx, user, &eng).await?;
    page(
        status,
        &EngagementPage {
            l: Layout::new(ctx, "audit-engagement-title"),
            notice,
            s,
            max_bytes: state.config.evidence_max_bytes,
        },
    )
}

pub async fn engagement(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    engagement_page(&state, &ctx, id, StatusCode::OK, None).await
}

/// The provider withdraws an engagement before the report (the lifecycle
/// refuses it for anyone else or once reported).
pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    let user = ctx.require_role(ENGAGEMENT_ROLES)?.clone();
    let (eng, revision) = seen(&state, &user, id).await?;
    let now = state.clock.now();
    match cancel_engagement(&who(&user), &eng, now) {
        Ok(out) => {
            commit(&state, &user, Some((&eng, revision)), out, now).await?;
            Ok(done(&format!("/ismap/engagements/{id}"), "audit-cancelled"))
        }
        Err(r) => engagement_page(&state, &ctx, id, status_of(&r), refused(&ctx, &r)).await,
    }
}

// ---- recording a result with evidence ----

fn test_result(kind: &str, note: &str) -> Option<TestResult> {
    match kind {
        "no_exception" => Some(TestResult::NoException),
        "exception" => Some(TestResult::Exception {
            description: note.trim().to_string(),
        }),
        _ => None,
    }
}

pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    mp: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let user = ctx.require_role(ENGAGEMENT_ROLES)?.clone();
    let (eng, revision) = seen(&state, &user, id).await?;
    let max = state.config.evidence_max_bytes;
    let fail = |status: StatusCode, text: String| {
        engagement_page(&state, &ctx, id, status, Some(Notice::error(text)))
    };
    let up = match upload::read(mp, max).await {
        Ok(up) => up,
        Err(UploadError::TooLarge) => {
            let text = ctx
                .tr
                .ta("audit-evidence-too-large", &[("limit", max.to_string())]);
            return fail(StatusCode::PAYLOAD_TOO_LARGE, text).await;
        }
        Err(UploadError::Malformed(detail)) => {
            let text = ctx.tr.ta("error-422-form", &[("detail", detail)]);
            return fail(StatusCode::UNPROCESSABLE_ENTITY, text).await;
        }
        Err(UploadError::RefusedType(name)) => {
            let text = ctx.tr.ta("audit-evidence-refused-type", &[("name", name)]);
            return fail(StatusCode::UNPROCESSABLE_ENTITY, text).await;
        }
    };
    let procedures: Option<Vec<Procedure>> = up
        .all("procedure")
        .iter()
        .map(|p| match p.as_str() {
            "inspection" => Some(Procedure::Inspection),
            "inquiry" => Some(Procedure::Inquiry),
            "observation" => Some(Procedure::Observation),
            "reperformance" => Some(Procedure::Reperformance),
            _ => None,
        })
        .collect();
    let design = test_result(&up.text("design"), &up.text("design_note"));
    let operating = test_result(&up.text("operating"), &up.text("operating_note"));
    let (Some(procedures), Some(design), Some(operating)) = (procedures, design, operating) else {
        let text = ctx.tr.ta(
            "invalid-required",
            &[("field", ctx.tr.t("audit-result-fields"))],
        );
        return fail(StatusCode::UNPROCESSABLE_ENTITY, text).await;
    };
    let control = up.text("control").trim().to_string();
    let file = up
        .file("file")
        .map(|f| StoredFile::new(Engagement::KIND, id, &f.name, f.bytes.clone()));
    // Re-recording a control keeps the evidence already given for it.
    let mut evidence: Vec<Evidence> = eng
        .result(&control)
        .map(|r| r.input.evidence.clone())
        .unwrap_or_default();
    if let Some(f) = &file
        && !evidence.iter().any(|e| e.sha256 == f.sha256)
    {
        evidence.push(Evidence {
            sha256: f.sha256.clone(),
            size: f.size(),
            name: f.name.clone(),
        });
    }
    let input = ResultInput {
        control,
        procedures,
        design,
        operating,
        evidence,
    };
    let now = state.clock.now();
    match record_result(&who(&user), &eng, input, now) {
        Ok(out) => {
            let mut ledger = Ledger::new();
            ledger.read_at(&eng, revision);
            ledger.put(&out.state);
            ledger.events(out.events);
            if let Some(f) = file {
                ledger.file(f);
            }
            commit_ledger(&state, &user, &mut ledger, now).await?;
            Ok(done(
                &format!("/ismap/engagements/{id}"),
                "audit-result-saved",
            ))
        }
        Err(r) => engagement_page(&state, &ctx, id, status_of(&r), refused(&ctx, &r)).await,
    }
}

pub async fn evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids((id, sha256)): Ids<(i64, String)>,
) -> AppResult<Response> {
    let user = ctx.require_role(ENGAGEMENT_ROLES)?;
    seen(&state, user, id).await?;
    upload::download(&state, Engagement::KIND, id, &sha256).await
}

// ---- the report ----

pub struct ReportInfo {
    pub issued_on: String,
    pub late: bool,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "audit_report.html")]
pub struct ReportPage {
    l: Layout,
    notice: Option<Notice>,
    s: Summary,
    report: Option<ReportInfo>,
}

async fn report_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    notice: Option<Notice>,
) -> AppResult<Response> {
    let notice = notice.or_else(|| done_notice(ctx, &["audit-report-issued"]));
    let user = ctx.require_role(ENGAGEMENT_ROLES)?;
    let (eng, _) = seen(state, user, id).await?;
    let s = summary(state, ctx, user, &eng).await?;
    let report = eng.report.as_ref().map(|r| ReportInfo {
        issued_on: r.issued_on.to_string(),
        late: r.late,
        summary: r.summary.clone(),
    });
    page(
        status,
        &ReportPage {
            l: Layout::new(ctx, "audit-report-title"),
            notice,
            s,
            report,
        },
    )
}

pub async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    report_page(&state, &ctx, id, StatusCode::OK, None).await
}

#[derive(Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    summary: String,
}

pub async fn issue(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    Form(f): Form<ReportForm>,
) -> AppResult<Response> {
    let user = ctx.require_role(ENGAGEMENT_ROLES)?.clone();
    let (eng, revision) = seen(&state, &user, id).await?;
    let now = state.clock.now();
    match issue_report(&who(&user), &eng, f.summary.trim(), now) {
        Ok(out) => {
            commit(&state, &user, Some((&eng, revision)), out, now).await?;
            Ok(done(
                &format!("/ismap/engagements/{id}/report"),
                "audit-report-issued",
            ))
        }
        Err(r) => {
            // Name every control still without a result.
            let mut text = r.message.text(ctx.tr.lang).to_string();
            for d in &r.details {
                text.push(' ');
                text.push_str(d.text(ctx.tr.lang));
            }
            report_page(&state, &ctx, id, status_of(&r), Some(Notice::error(text))).await
        }
    }
}

pub async fn assessment_results(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    let user = ctx.require_role(ENGAGEMENT_ROLES)?;
    let (eng, _) = seen(&state, user, id).await?;
    let n = names(&state).await?;
    let service = n.services.get(&eng.service_id).cloned().unwrap_or_default();
    let firm = n.firms.get(&eng.firm_id).cloned().unwrap_or_default();
    let names = ArNames {
        service_name: &service,
        firm_name: &firm,
    };
    Ok(match oscal_results(&eng, names) {
        Ok(doc) => axum::Json(doc).into_response(),
        Err(r) => (
            status_of(&r),
            axum::Json(serde_json::json!({
                "error": r.key(),
                "message": r.message.text(ctx.tr.lang),
            })),
        )
            .into_response(),
    })
}
