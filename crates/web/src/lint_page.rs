//! `/ismap/lint`: check a statement (言明書) against a version of the control
//! criteria before submitting it — the same rules IPA applies, listed with
//! the control id of each violation. Nothing is stored.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kasumi_core::{Lang, Role};
use kasumi_lifecycle::Message;
use kasumi_lifecycle::statement::StatementContent;
use serde::Deserialize;

use crate::AppState;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::form::Form;
use crate::pages::{Layout, Notice, page};

/// Who prepares or checks statements.
pub(crate) const LINT_ROLES: &[Role] = &[
    Role::Csp,
    Role::Auditor,
    Role::IpaReviewer,
    Role::Secretariat,
    Role::Committee,
    Role::Admin,
];

pub struct ViolationRow {
    pub about: String,
    pub text: String,
    pub key: String,
}

#[derive(Template)]
#[template(path = "ismap_lint.html")]
pub struct LintPage {
    l: Layout,
    notice: Option<Notice>,
    /// (id, title) of every criteria version that can be checked against.
    catalogs: Vec<(String, String)>,
    selected: String,
    statement: String,
    checked: bool,
    violations: Vec<ViolationRow>,
}

#[derive(Default, Deserialize)]
pub struct LintForm {
    #[serde(default)]
    catalog: String,
    #[serde(default)]
    statement: String,
}

async fn catalogs(state: &AppState, ctx: &Ctx) -> AppResult<Vec<(String, String)>> {
    let sample = kasumi_ismap::sample_catalog();
    let mut out = vec![(sample.version.id.clone(), ctx.tr.t("lint-builtin-sample"))];
    for c in state.store.list_catalogs().await? {
        if c.id != sample.version.id {
            let title = if ctx.tr.lang == Lang::Ja {
                c.title_ja
            } else {
                c.title_en
            };
            out.push((c.id.clone(), format!("{} — {title}", c.id)));
        }
    }
    Ok(out)
}

/// A statement from a form's text, or the message saying what is missing or
/// where the JSON is unreadable.
pub(crate) fn parse_statement(ctx: &Ctx, text: &str) -> Result<StatementContent, String> {
    if text.trim().is_empty() {
        return Err(ctx
            .tr
            .ta("invalid-required", &[("field", ctx.tr.t("lint-statement"))]));
    }
    serde_json::from_str(text).map_err(|e| {
        ctx.tr.ta(
            "lint-bad-json",
            &[
                ("line", e.line().to_string()),
                ("column", e.column().to_string()),
                ("reason", e.to_string()),
            ],
        )
    })
}

/// The linter's findings as table rows, each named by its control or field.
pub(crate) fn violation_rows(lang: Lang, messages: &[Message]) -> Vec<ViolationRow> {
    messages
        .iter()
        .map(|v| ViolationRow {
            about: v
                .control
                .clone()
                .or_else(|| v.field.clone())
                .unwrap_or_default(),
            text: v.text(lang).to_string(),
            key: v.key.to_string(),
        })
        .collect()
}

pub async fn form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require_role(LINT_ROLES)?;
    let catalogs = catalogs(&state, &ctx).await?;
    let selected = catalogs[0].0.clone();
    page(
        StatusCode::OK,
        &LintPage {
            l: Layout::new(&ctx, "lint-title"),
            notice: None,
            catalogs,
            selected,
            statement: String::new(),
            checked: false,
            violations: Vec::new(),
        },
    )
}

pub async fn check(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<LintForm>,
) -> AppResult<Response> {
    ctx.require_role(LINT_ROLES)?;
    let catalogs = catalogs(&state, &ctx).await?;
    let mut t = LintPage {
        l: Layout::new(&ctx, "lint-title"),
        notice: None,
        selected: f.catalog.clone(),
        catalogs,
        statement: f.statement.clone(),
        checked: false,
        violations: Vec::new(),
    };
    let refuse = |mut t: LintPage, status: StatusCode, msg: String| {
        t.notice = Some(Notice::error(msg));
        page(status, &t)
    };
    let catalog = if f.catalog == kasumi_ismap::sample_catalog().version.id {
        kasumi_ismap::sample_catalog()
    } else {
        match state.catalogs.get(&state.store, &f.catalog).await? {
            Some(loaded) => loaded.catalog.clone(),
            None => {
                let msg = ctx.tr.ta("lint-no-catalog", &[("id", f.catalog.clone())]);
                return refuse(t, StatusCode::UNPROCESSABLE_ENTITY, msg);
            }
        }
    };
    let content = match parse_statement(&ctx, &f.statement) {
        Ok(c) => c,
        Err(msg) => return refuse(t, StatusCode::UNPROCESSABLE_ENTITY, msg),
    };
    t.checked = true;
    t.violations = violation_rows(ctx.tr.lang, &kasumi_lifecycle::lint(&content, &catalog));
    page(StatusCode::OK, &t)
}
