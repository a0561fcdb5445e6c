//! A cloud service provider's own pages: its services, and the statements
//! (言明書) it drafts for them, checked by the linter while being written and
//! submitted only when clean. Every change is a kasumi-lifecycle transition
//! committed with its events (and so its audit entries) in one transaction.
//! Another organisation's services and drafts answer 404: they do not exist
//! for anyone else.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kasumi_core::{Role, format_tokyo};
use kasumi_lifecycle::service::{DeploymentModel, Service, ServiceDraft, ServiceModel};
use kasumi_lifecycle::statement::{
    Statement, StatementStatus, create_statement, edit_statement, submit_statement,
};
use serde::Deserialize;

use crate::AppState;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::form::{Form, split_list};
use crate::lint_page::{ViolationRow, parse_statement, violation_rows};
use crate::pages::{Layout, Notice, page};
use crate::path::Ids;
use crate::registry::{Record, load_all};
use crate::workflow::{
    catalog_for, commit, done, done_notice, own, refused, registry_error, status_of, who,
};

// ---- services ----

pub struct ServiceRow {
    pub id: i64,
    pub name: String,
    pub model: &'static str,
    pub statements: usize,
}

#[derive(Template)]
#[template(path = "csp_services.html")]
pub struct ServicesPage {
    l: Layout,
    notice: Option<Notice>,
    services: Vec<ServiceRow>,
    form: ServiceForm,
}

#[derive(Clone, Default, Deserialize)]
pub struct ServiceForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    deployment: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    data_centres: String,
    #[serde(default)]
    regions: String,
}

fn model_key(m: ServiceModel) -> &'static str {
    match m {
        ServiceModel::Iaas => "IaaS",
        ServiceModel::Paas => "PaaS",
        ServiceModel::Saas => "SaaS",
    }
}

async fn services_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    notice: Option<Notice>,
    form: ServiceForm,
) -> AppResult<Response> {
    let user = ctx.require_role(&[Role::Csp])?;
    let statements: Vec<(Statement, i64)> = load_all(&state.store).await.map_err(registry_error)?;
    let services = load_all::<Service>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .filter(|(s, _)| s.csp_org == user.org_id)
        .map(|(s, _)| ServiceRow {
            id: s.id,
            name: s.draft.name.clone(),
            model: model_key(s.draft.service_model),
            statements: statements
                .iter()
                .filter(|(st, _)| st.service_id == s.id)
                .count(),
        })
        .collect();
    page(
        status,
        &ServicesPage {
            l: Layout::new(ctx, "csp-title"),
            notice,
            services,
            form,
        },
    )
}

pub async fn services(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    services_page(&state, &ctx, StatusCode::OK, None, ServiceForm::default()).await
}

pub async fn add_service(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ServiceForm>,
) -> AppResult<Response> {
    let user = ctx.require_role(&[Role::Csp])?.clone();
    let model = match f.model.as_str() {
        "iaas" => Some(ServiceModel::Iaas),
        "paas" => Some(ServiceModel::Paas),
        "saas" => Some(ServiceModel::Saas),
        _ => None,
    };
    let deployment = match f.deployment.as_str() {
        "public" => Some(DeploymentModel::Public),
        "private" => Some(DeploymentModel::Private),
        "community" => Some(DeploymentModel::Community),
        "hybrid" => Some(DeploymentModel::Hybrid),
        _ => None,
    };
    let (Some(model), Some(deployment)) = (model, deployment) else {
        let msg = ctx
            .tr
            .ta("invalid-required", &[("field", ctx.tr.t("csp-model"))]);
        return services_page(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Notice::error(msg)),
            f,
        )
        .await;
    };
    let draft = ServiceDraft {
        name: f.name.trim().to_string(),
        service_model: model,
        deployment_model: deployment,
        description: f.description.trim().to_string(),
        data_centres: split_list(&f.data_centres),
        regions: split_list(&f.regions),
        built_on: Vec::new(),
    };
    let now = state.clock.now();
    let id = state.store.registry_allocate_id(Service::KIND).await?;
    match kasumi_lifecycle::service::register_service(&who(&user), id, draft, now) {
        Ok(out) => {
            commit(&state, &user, None, out, now).await?;
            Ok(Redirect::to(&format!("/ismap/services/{id}")).into_response())
        }
        Err(r) => services_page(&state, &ctx, status_of(&r), refused(&ctx, &r), f).await,
    }
}

// ---- one service and its statements ----

pub struct StatementRow {
    pub id: i64,
    pub revision: u32,
    pub status: &'static str,
    pub created: String,
    pub submitted: String,
}

#[derive(Template)]
#[template(path = "csp_service.html")]
pub struct ServicePage {
    l: Layout,
    notice: Option<Notice>,
    id: i64,
    name: String,
    model: &'static str,
    description: String,
    regions: String,
    statements: Vec<StatementRow>,
    draft: String,
}

fn status_key(s: StatementStatus) -> &'static str {
    match s {
        StatementStatus::Draft => "csp-statement-draft",
        StatementStatus::Submitted => "csp-statement-submitted",
    }
}

async fn service_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    notice: Option<Notice>,
    draft: String,
) -> AppResult<Response> {
    let user = ctx.require_role(&[Role::Csp])?;
    let (service, _) = own::<Service>(state, user, id).await?;
    let statements = load_all::<Statement>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .filter(|(s, _)| s.service_id == id && s.csp_org == user.org_id)
        .map(|(s, _)| StatementRow {
            id: s.id,
            revision: s.revision,
            status: status_key(s.status),
            created: format_tokyo(s.created_at),
            submitted: s.submitted_at.map(format_tokyo).unwrap_or_default(),
        })
        .collect();
    page(
        status,
        &ServicePage {
            l: Layout::new(ctx, "csp-title"),
            notice,
            id,
            name: service.draft.name.clone(),
            model: model_key(service.draft.service_model),
            description: service.draft.description.clone(),
            regions: service.draft.regions.join(", "),
            statements,
            draft,
        },
    )
}

pub async fn service(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    service_page(&state, &ctx, id, StatusCode::OK, None, String::new()).await
}

#[derive(Default, Deserialize)]
pub struct ContentForm {
    #[serde(default)]
    content: String,
}

pub async fn add_statement(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    Form(f): Form<ContentForm>,
) -> AppResult<Response> {
    let user = ctx.require_role(&[Role::Csp])?.clone();
    let (service, _) = own::<Service>(&state, &user, id).await?;
    let content = match parse_statement(&ctx, &f.content) {
        Ok(c) => c,
        Err(msg) => {
            return service_page(
                &state,
                &ctx,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Notice::error(msg)),
                f.content,
            )
            .await;
        }
    };
    let now = state.clock.now();
    let sid = state.store.registry_allocate_id(Statement::KIND).await?;
    let out = match create_statement(&who(&user), &service, sid, content, now) {
        Ok(out) => out,
        Err(r) => {
            let notice = refused(&ctx, &r);
            return service_page(&state, &ctx, id, status_of(&r), notice, f.content).await;
        }
    };
    commit(&state, &user, None, out, now).await?;
    Ok(Redirect::to(&format!("/ismap/statements/{sid}")).into_response())
}

// ---- one statement: lint while editing, submit when clean ----

#[derive(Template)]
#[template(path = "csp_statement.html")]
pub struct StatementPage {
    l: Layout,
    notice: Option<Notice>,
    id: i64,
    service_id: i64,
    service_name: String,
    revision: u32,
    status: &'static str,
    draft: bool,
    catalog: String,
    violations: Vec<ViolationRow>,
    content: String,
}

async fn statement_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    notice: Option<Notice>,
    edited: Option<String>,
) -> AppResult<Response> {
    let notice = notice
        .or_else(|| done_notice(ctx, &["csp-statement-saved", "csp-statement-submitted-now"]));
    let user = ctx.require_role(&[Role::Csp])?;
    let (st, _) = own::<Statement>(state, user, id).await?;
    let (service, _) = own::<Service>(state, user, st.service_id).await?;
    let catalog = catalog_for(state, &st.content).await?;
    let violations = kasumi_lifecycle::lint(&st.content, &catalog);
    page(
        status,
        &StatementPage {
            l: Layout::new(ctx, "csp-title"),
            notice,
            id,
            service_id: service.id,
            service_name: service.draft.name.clone(),
            revision: st.revision,
            status: status_key(st.status),
            draft: st.status == StatementStatus::Draft,
            catalog: catalog.version.id.clone(),
            violations: violation_rows(ctx.tr.lang, &violations),
            content: edited
                .unwrap_or_else(|| serde_json::to_string_pretty(&st.content).unwrap_or_default()),
        },
    )
}

pub async fn statement(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    statement_page(&state, &ctx, id, StatusCode::OK, None, None).await
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    Form(f): Form<ContentForm>,
) -> AppResult<Response> {
    let user = ctx.require_role(&[Role::Csp])?.clone();
    let (st, revision) = own::<Statement>(&state, &user, id).await?;
    let content = match parse_statement(&ctx, &f.content) {
        Ok(c) => c,
        Err(msg) => {
            let notice = Some(Notice::error(msg));
            return statement_page(
                &state,
                &ctx,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                notice,
                Some(f.content),
            )
            .await;
        }
    };
    let now = state.clock.now();
    match edit_statement(&who(&user), &st, content, now) {
        Ok(out) => {
            commit(&state, &user, Some((&st, revision)), out, now).await?;
            Ok(done(
                &format!("/ismap/statements/{id}"),
                "csp-statement-saved",
            ))
        }
        Err(r) => {
            let notice = refused(&ctx, &r);
            statement_page(&state, &ctx, id, status_of(&r), notice, Some(f.content)).await
        }
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    let user = ctx.require_role(&[Role::Csp])?.clone();
    let (st, revision) = own::<Statement>(&state, &user, id).await?;
    let catalog = catalog_for(&state, &st.content).await?;
    let now = state.clock.now();
    match submit_statement(&who(&user), &st, &catalog, now) {
        Ok(out) => {
            commit(&state, &user, Some((&st, revision)), out, now).await?;
            Ok(done(
                &format!("/ismap/statements/{id}"),
                "csp-statement-submitted-now",
            ))
        }
        Err(r) => statement_page(&state, &ctx, id, status_of(&r), refused(&ctx, &r), None).await,
    }
}
