//! Administration: users, organisations and the audit trail. Admins only.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kasumi_core::{OrgKind, Role, valid_login, valid_org_code};
use kasumi_store::{Actor, AuditEntry, NewOrg, NewUser, Org, User, VerifyReport};
use serde::Deserialize;

use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::pages::{Layout, Notice, page};
use crate::{AppState, password};

#[derive(Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    l: Layout,
    notice: Option<Notice>,
    users: Vec<User>,
    orgs: Vec<Org>,
    roles: &'static [Role],
    form: UserForm,
}

#[derive(Default, Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

#[derive(Template)]
#[template(path = "admin_orgs.html")]
pub struct OrgsPage {
    l: Layout,
    notice: Option<Notice>,
    orgs: Vec<Org>,
    kinds: &'static [OrgKind],
    form: OrgForm,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
pub struct AuditPage {
    l: Layout,
    report: VerifyReport,
    entries: Vec<AuditEntry>,
}

async fn users_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    notice: Option<Notice>,
    form: UserForm,
) -> AppResult<Response> {
    let t = UsersPage {
        l: Layout::new(ctx, "admin-users-title"),
        notice,
        users: state.store.list_users().await?,
        orgs: state.store.list_orgs().await?,
        roles: Role::ALL,
        form,
    };
    page(status, &t)
}

pub async fn users(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require_role(&[Role::Admin])?;
    users_page(&state, &ctx, StatusCode::OK, None, UserForm::default()).await
}

pub async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<UserForm>,
) -> AppResult<Response> {
    let admin = ctx.require_role(&[Role::Admin])?.clone();
    match check_user_form(&state, &ctx, &f).await {
        Ok((org, role)) => {
            let (password, generated) = if f.password.is_empty() {
                (password::generate(), true)
            } else {
                (f.password.clone(), false)
            };
            let new = NewUser {
                login: f.login.trim().to_string(),
                display_name: f.display_name.trim().to_string(),
                org_id: org.id,
                role,
                password_hash: password::hash_blocking(password.clone()).await?,
            };
            let actor = Actor::user(admin.id, &admin.login);
            match state
                .store
                .create_user(&actor, state.clock.now(), &new)
                .await
            {
                Ok(u) => {
                    let mut text = ctx
                        .tr
                        .ta("admin-users-created", &[("login", u.login.clone())]);
                    if generated {
                        text.push(' ');
                        text.push_str(
                            &ctx.tr
                                .ta("admin-users-generated", &[("password", password)]),
                        );
                    }
                    users_page(
                        &state,
                        &ctx,
                        StatusCode::OK,
                        Some(Notice::info(text)),
                        UserForm::default(),
                    )
                    .await
                }
                Err(e) => {
                    let err = AppError::from(e);
                    let status = err.status();
                    if status.is_server_error() {
                        return Err(err);
                    }
                    users_page(
                        &state,
                        &ctx,
                        status,
                        Some(Notice::error(err.message(&ctx.tr))),
                        f,
                    )
                    .await
                }
            }
        }
        Err(err) => {
            users_page(
                &state,
                &ctx,
                err.status(),
                Some(Notice::error(err.message(&ctx.tr))),
                f,
            )
            .await
        }
    }
}

/// Every rule a new account must meet, checked before anything is written.
async fn check_user_form(state: &AppState, ctx: &Ctx, f: &UserForm) -> AppResult<(Org, Role)> {
    let required = |field: &str| AppError::Invalid {
        key: "invalid-required",
        args: vec![("field", ctx.tr.t(field))],
    };
    if !valid_login(f.login.trim()) {
        return Err(AppError::invalid("invalid-login-format"));
    }
    if f.display_name.trim().is_empty() {
        return Err(required("field-display-name"));
    }
    let role: Role = f.role.parse().map_err(|_| AppError::Invalid {
        key: "invalid-unknown-role",
        args: vec![("value", f.role.clone())],
    })?;
    let org = match f.org_id.parse::<i64>() {
        Ok(id) => state.store.org_by_id(id).await?,
        Err(_) => None,
    }
    .ok_or(AppError::invalid("invalid-unknown-org"))?;
    if !role.allowed_org_kinds().contains(&org.kind) {
        return Err(AppError::Invalid {
            key: "invalid-role-org",
            args: vec![
                ("role", ctx.tr.role(role)),
                ("kind", ctx.tr.org_kind(org.kind)),
            ],
        });
    }
    if !f.password.is_empty() {
        password::check_rules(&f.password).map_err(|(key, arg)| AppError::Invalid {
            key,
            args: vec![arg],
        })?;
    }
    Ok((org, role))
}

async fn orgs_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    notice: Option<Notice>,
    form: OrgForm,
) -> AppResult<Response> {
    let t = OrgsPage {
        l: Layout::new(ctx, "admin-orgs-title"),
        notice,
        orgs: state.store.list_orgs().await?,
        kinds: OrgKind::ALL,
        form,
    };
    page(status, &t)
}

pub async fn orgs(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require_role(&[Role::Admin])?;
    orgs_page(&state, &ctx, StatusCode::OK, None, OrgForm::default()).await
}

pub async fn create_org(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<OrgForm>,
) -> AppResult<Response> {
    let admin = ctx.require_role(&[Role::Admin])?.clone();
    let checked = (|| {
        if !valid_org_code(f.code.trim()) {
            return Err(AppError::invalid("invalid-code-format"));
        }
        if f.name.trim().is_empty() {
            return Err(AppError::Invalid {
                key: "invalid-required",
                args: vec![("field", ctx.tr.t("field-name"))],
            });
        }
        f.kind.parse::<OrgKind>().map_err(|_| AppError::Invalid {
            key: "invalid-unknown-kind",
            args: vec![("value", f.kind.clone())],
        })
    })();
    let result = match checked {
        Ok(kind) => {
            let new = NewOrg {
                code: f.code.trim().to_string(),
                name: f.name.trim().to_string(),
                kind,
            };
            state
                .store
                .create_org(
                    &Actor::user(admin.id, &admin.login),
                    state.clock.now(),
                    &new,
                )
                .await
                .map_err(AppError::from)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(org) => {
            let text = ctx.tr.ta("admin-orgs-created", &[("code", org.code)]);
            orgs_page(
                &state,
                &ctx,
                StatusCode::OK,
                Some(Notice::info(text)),
                OrgForm::default(),
            )
            .await
        }
        Err(err) if !err.status().is_server_error() => {
            orgs_page(
                &state,
                &ctx,
                err.status(),
                Some(Notice::error(err.message(&ctx.tr))),
                f,
            )
            .await
        }
        Err(err) => Err(err),
    }
}

pub async fn audit(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require_role(&[Role::Admin])?;
    let t = AuditPage {
        l: Layout::new(&ctx, "admin-audit-title"),
        report: state.store.verify_audit().await?,
        entries: state.store.audit_entries(None, 200).await?,
    };
    page(StatusCode::OK, &t)
}
