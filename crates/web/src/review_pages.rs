//! Applications for ISMAP registration and their review: a provider applies
//! (new, renewal, or on the LIU track), IPA checks it for acceptance, comments,
//! asks for corrections or an additional audit and completes the review, and
//! the committee registers or rejects. Every step is a kasumi-lifecycle
//! transition; its refusal is shown with its status (403 role, 409 state,
//! 422 input) and changes nothing. A provider never sees another's
//! application (404); IPA, the committee and the secretariat see them all.

use std::collections::HashMap;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kasumi_core::{Role, format_tokyo};
use kasumi_lifecycle::application::{
    Acceptance, Application, ApplicationKind, ApplicationStatus, ApplyContext, ApplyInput,
    Attachment, AttachmentKind, DecideContext, DecisionInput, DecisionOutcome, Track,
    acceptance_check, add_review_comment, apply, complete_review, decide, request_additional_audit,
    request_correction, respond_to_correction, resubmit, submit_additional_audit, withdraw,
};
use kasumi_lifecycle::engagement::{Engagement, EngagementStatus};
use kasumi_lifecycle::firm::Firm;
use kasumi_lifecycle::liu::ImpactAssessment;
use kasumi_lifecycle::registration::Registration;
use kasumi_lifecycle::service::Service;
use kasumi_lifecycle::statement::{Statement, StatementStatus};
use kasumi_lifecycle::visibility::can_view_application;
use kasumi_lifecycle::{Outcome, Refusal};
use kasumi_store::{StoredFile, User};
use serde::Deserialize;

use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::form::{Form, split_list};
use crate::pages::{Layout, Notice, page};
use crate::path::Ids;
use crate::registry::{Ledger, NumberAllocation, Record, load_all};
use crate::upload::{self, Upload, UploadError};
use crate::workflow::{
    HistoryLine, commit_ledger, done, done_notice, find, form_id, history, own, refused,
    registry_error, status_of, visible, who,
};

/// The success messages the application page's actions leave (`?done=`).
const REVIEW_DONE: &[&str] = &[
    "review-done-accepted",
    "review-done-returned",
    "review-done-commented",
    "review-done-correction",
    "review-done-additional-audit",
    "review-done-completed",
    "review-done-answered",
    "review-done-audit-report",
    "review-done-withdrawn",
    "review-done-resubmitted",
    "review-done-registered",
    "review-done-rejected",
];

/// The roles with application pages.
pub const REVIEW_ROLES: &[Role] = &[
    Role::Csp,
    Role::IpaReviewer,
    Role::Committee,
    Role::Secretariat,
];

pub fn status_key(s: ApplicationStatus) -> String {
    format!("review-status-{}", s.code())
}

fn kind_key(k: ApplicationKind) -> &'static str {
    match k {
        ApplicationKind::New => "review-kind-new",
        ApplicationKind::Renewal { .. } => "review-kind-renewal",
    }
}

fn track_key(t: Track) -> &'static str {
    match t {
        Track::Standard => "review-track-standard",
        Track::Liu { .. } => "review-track-liu",
    }
}

/// Commits states read at the given revisions (`None`: new) and the events, together.
async fn commit_all(
    state: &AppState,
    user: &User,
    ledger: &mut Ledger,
    events: Vec<kasumi_lifecycle::Event>,
    now: i64,
) -> AppResult<()> {
    ledger.events(events);
    commit_ledger(state, user, ledger, now).await
}

fn put<T: Record>(ledger: &mut Ledger, t: &T, read: Option<i64>) {
    if let Some(rev) = read {
        ledger.read_at(t, rev);
    }
    ledger.put(t);
}

// ---- the list and the application form ----

pub struct AppRow {
    pub id: i64,
    pub service: String,
    pub kind: &'static str,
    pub track: &'static str,
    pub status: String,
    pub submitted: String,
}

pub struct Choice {
    pub id: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "review_list.html")]
pub struct ListPage {
    l: Layout,
    notice: Option<Notice>,
    rows: Vec<AppRow>,
    csp: bool,
    services: Vec<Choice>,
    statements: Vec<Choice>,
    engagements: Vec<Choice>,
    registrations: Vec<Choice>,
    assessments: Vec<Choice>,
}

#[derive(Clone, Default, Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    service: String,
    #[serde(default)]
    statement: String,
    #[serde(default)]
    engagement: String,
    #[serde(default)]
    track: String,
    #[serde(default)]
    assessment: String,
    #[serde(default)]
    renewal: String,
}

impl ApplyForm {
    fn from_upload(up: &Upload) -> ApplyForm {
        ApplyForm {
            service: up.text("service"),
            statement: up.text("statement"),
            engagement: up.text("engagement"),
            track: up.text("track"),
            assessment: up.text("assessment"),
            renewal: up.text("renewal"),
        }
    }
}

/// The attachment inputs of the apply and resubmit forms.
const ATTACHMENT_FIELDS: &[(&str, AttachmentKind)] = &[
    ("att_statement", AttachmentKind::Statement),
    ("att_audit_report", AttachmentKind::AuditReport),
    ("att_internal_audit", AttachmentKind::InternalAuditReport),
    ("att_isms", AttachmentKind::IsmsCertificate),
    ("att_other", AttachmentKind::Other),
];

/// The files attached to application `id`: what the application records
/// (name, SHA-256, size) and the files to store with it.
fn attachments(up: &Upload, id: i64) -> (Vec<Attachment>, Vec<StoredFile>) {
    ATTACHMENT_FIELDS
        .iter()
        .filter_map(|(field, kind)| {
            let f = up.file(field)?;
            let stored = StoredFile::new(Application::KIND, id, &f.name, f.bytes.clone());
            let attachment = Attachment {
                kind: *kind,
                name: f.name.clone(),
                sha256: stored.sha256.clone(),
                size: stored.size(),
            };
            Some((attachment, stored))
        })
        .unzip()
}

/// An upload that could not be read, as the notice and status to answer with.
fn upload_refusal(ctx: &Ctx, e: UploadError, max: usize) -> (StatusCode, Notice) {
    let (status, text) = match e {
        UploadError::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            ctx.tr
                .ta("review-file-too-large", &[("limit", max.to_string())]),
        ),
        UploadError::Malformed(detail) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx.tr.ta("error-422-form", &[("detail", detail)]),
        ),
        UploadError::RefusedType(name) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx.tr.ta("review-file-refused-type", &[("name", name)]),
        ),
    };
    (status, Notice::error(text))
}

fn att_key(k: AttachmentKind) -> &'static str {
    match k {
        AttachmentKind::Statement => "review-att-statement",
        AttachmentKind::AuditReport => "review-att-audit-report",
        AttachmentKind::InternalAuditReport => "review-att-internal-audit",
        AttachmentKind::IsmsCertificate => "review-att-isms",
        AttachmentKind::Disclosure => "review-att-disclosure",
        AttachmentKind::Other => "review-att-other",
    }
}

async fn names(state: &AppState) -> AppResult<HashMap<i64, String>> {
    Ok(load_all::<Service>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .map(|(s, _)| (s.id, s.draft.name))
        .collect())
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    notice: Option<Notice>,
) -> AppResult<Response> {
    let user = ctx.require_role(REVIEW_ROLES)?;
    let me = who(user);
    let services = names(state).await?;
    let name = |id: i64| services.get(&id).cloned().unwrap_or_default();
    let mut apps: Vec<Application> = load_all::<Application>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .map(|(a, _)| a)
        .filter(|a| can_view_application(Some(&me), a))
        .collect();
    apps.sort_by_key(|a| std::cmp::Reverse(a.submitted_at));
    let rows = apps
        .iter()
        .map(|a| AppRow {
            id: a.id,
            service: name(a.service_id),
            kind: kind_key(a.kind),
            track: track_key(a.track),
            status: status_key(a.status),
            submitted: format_tokyo(a.submitted_at),
        })
        .collect();
    let csp = user.role == Role::Csp;
    let (mut svc, mut stmts, mut engs, mut regs, mut assessments) = Default::default();
    if csp {
        let mine = |org: i64| org == user.org_id;
        svc = load_all::<Service>(&state.store)
            .await
            .map_err(registry_error)?
            .into_iter()
            .filter(|(s, _)| mine(s.csp_org))
            .map(|(s, _)| Choice {
                id: s.id,
                label: s.draft.name,
            })
            .collect::<Vec<_>>();
        stmts = load_all::<Statement>(&state.store)
            .await
            .map_err(registry_error)?
            .into_iter()
            .filter(|(s, _)| mine(s.csp_org) && s.status == StatementStatus::Submitted)
            .map(|(s, _)| Choice {
                id: s.id,
                label: format!("#{} {} (v{})", s.id, name(s.service_id), s.revision),
            })
            .collect();
        engs = load_all::<Engagement>(&state.store)
            .await
            .map_err(registry_error)?
            .into_iter()
            .filter(|(e, _)| mine(e.csp_org) && e.status == EngagementStatus::Reported)
            .map(|(e, _)| Choice {
                id: e.id,
                label: format!(
                    "#{} {} ({} – {})",
                    e.id,
                    name(e.service_id),
                    e.period.start,
                    e.period.end
                ),
            })
            .collect();
        regs = load_all::<Registration>(&state.store)
            .await
            .map_err(registry_error)?
            .into_iter()
            .filter(|(r, _)| mine(r.csp_org))
            .map(|(r, _)| Choice {
                id: r.id,
                label: format!("{} {}", r.number_text, name(r.service_id)),
            })
            .collect();
        let own_services: Vec<i64> = svc.iter().map(|c: &Choice| c.id).collect();
        assessments = load_all::<ImpactAssessment>(&state.store)
            .await
            .map_err(registry_error)?
            .into_iter()
            .filter(|(a, _)| own_services.contains(&a.service_id))
            .map(|(a, _)| Choice {
                id: a.id,
                label: format!(
                    "#{} {} ({})",
                    a.id,
                    name(a.service_id),
                    a.input.result.code()
                ),
            })
            .collect();
    }
    page(
        status,
        &ListPage {
            l: Layout::new(ctx, "review-title"),
            notice,
            rows,
            csp,
            services: svc,
            statements: stmts,
            engagements: engs,
            registrations: regs,
            assessments,
        },
    )
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    list_page(&state, &ctx, StatusCode::OK, None).await
}

/// A required id field: the notice says which one is missing or malformed.
fn required_id(ctx: &Ctx, key: &str, s: &str) -> Result<i64, Notice> {
    form_id(ctx, key, s)?
        .ok_or_else(|| Notice::error(ctx.tr.ta("invalid-required", &[("field", ctx.tr.t(key))])))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let user = ctx.require_role(&[Role::Csp])?.clone();
    let max = state.config.evidence_max_bytes;
    let up = match upload::read(mp, max).await {
        Ok(up) => up,
        Err(e) => {
            let (status, notice) = upload_refusal(&ctx, e, max);
            return list_page(&state, &ctx, status, Some(notice)).await;
        }
    };
    let f = ApplyForm::from_upload(&up);
    let bad = |n: Notice| list_page(&state, &ctx, StatusCode::UNPROCESSABLE_ENTITY, Some(n));
    let ids = (|| {
        Ok::<_, Notice>((
            required_id(&ctx, "review-service", &f.service)?,
            required_id(&ctx, "review-statement", &f.statement)?,
            required_id(&ctx, "review-engagement", &f.engagement)?,
            form_id(&ctx, "review-assessment", &f.assessment)?,
            form_id(&ctx, "review-renewal", &f.renewal)?,
        ))
    })();
    let (service_id, statement_id, engagement_id, assessment_id, renewal_id) = match ids {
        Ok(ids) => ids,
        Err(n) => return bad(n).await,
    };
    let track = match (f.track.as_str(), assessment_id) {
        ("liu", Some(assessment_id)) => Track::Liu { assessment_id },
        ("liu", None) => {
            let msg = ctx.tr.ta(
                "invalid-required",
                &[("field", ctx.tr.t("review-assessment"))],
            );
            return bad(Notice::error(msg)).await;
        }
        _ => Track::Standard,
    };
    let (service, service_rev) = own::<Service>(&state, &user, service_id).await?;
    let (statement, statement_rev) = own::<Statement>(&state, &user, statement_id).await?;
    let (engagement, engagement_rev) = own::<Engagement>(&state, &user, engagement_id).await?;
    let registration = match renewal_id {
        Some(id) => Some(own::<Registration>(&state, &user, id).await?),
        None => None,
    };
    let assessment = match assessment_id {
        Some(id) => find::<ImpactAssessment>(&state, id).await?.map(|(a, _)| a),
        None => None,
    };
    let kind = match &registration {
        Some((r, _)) => ApplicationKind::Renewal {
            registration_id: r.id,
        },
        None => ApplicationKind::New,
    };
    let now = state.clock.now();
    let id = state.store.registry_allocate_id(Application::KIND).await?;
    let (attachments, files) = attachments(&up, id);
    let input = ApplyInput {
        kind,
        track,
        attachments,
    };
    let reads = ApplyReads {
        service: (&service, service_rev),
        statement: (&statement, statement_rev),
        engagement: (&engagement, engagement_rev),
        registration: registration.as_ref().map(|(r, rev)| (r, *rev)),
        assessment: assessment.as_ref(),
    };
    match apply_step(&state, &who(&user), id, input, reads, now).await? {
        Ok((mut ledger, events)) => {
            files.into_iter().for_each(|f| ledger.file(f));
            commit_all(&state, &user, &mut ledger, events, now).await?;
            Ok(Redirect::to(&format!("/ismap/applications/{id}")).into_response())
        }
        Err(r) => list_page(&state, &ctx, status_of(&r), refused(&ctx, &r)).await,
    }
}

/// The records an application stands on, each with the revision read.
struct ApplyReads<'a> {
    service: (&'a Service, i64),
    statement: (&'a Statement, i64),
    engagement: (&'a Engagement, i64),
    registration: Option<(&'a Registration, i64)>,
    assessment: Option<&'a ImpactAssessment>,
}

/// Application `id` checked against the service's other applications and
/// registrations, and what it commits.
async fn apply_step(
    state: &AppState,
    me: &kasumi_lifecycle::Actor,
    id: i64,
    input: ApplyInput,
    reads: ApplyReads<'_>,
    now: i64,
) -> AppResult<Result<(Ledger, Vec<kasumi_lifecycle::Event>), Refusal>> {
    let (service, service_rev) = reads.service;
    let service_applications: Vec<Application> = load_all::<Application>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .map(|(a, _)| a)
        .filter(|a| a.service_id == service.id)
        .collect();
    let service_registrations: Vec<Registration> = load_all::<Registration>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .map(|(r, _)| r)
        .filter(|r| r.service_id == service.id)
        .collect();
    let out = apply(
        me,
        id,
        input,
        ApplyContext {
            service,
            statement: reads.statement.0,
            engagement: reads.engagement.0,
            registration: reads.registration.map(|(r, _)| r),
            assessment: reads.assessment,
            service_applications: &service_applications,
            service_registrations: &service_registrations,
        },
        now,
    );
    Ok(out.map(
        |Outcome {
             state: (app, renewed),
             events,
         }| {
            let mut ledger = Ledger::new();
            // The application stands on these as read; a change meanwhile
            // refuses it. The service is rewritten as it is, so of two
            // applications made at once for it only one can be committed.
            put(&mut ledger, service, Some(service_rev));
            ledger.read_at(reads.statement.0, reads.statement.1);
            ledger.read_at(reads.engagement.0, reads.engagement.1);
            ledger.put(&app);
            if let (Some(r), Some((_, rev))) = (&renewed, reads.registration) {
                put(&mut ledger, r, Some(rev));
            }
            (ledger, events)
        },
    ))
}

// ---- one application ----

pub struct AttachmentLine {
    pub name: String,
    pub kind: String,
    pub href: String,
    pub size: u64,
    pub sha256: String,
}

pub struct CommentLine {
    pub at: String,
    pub control: String,
    pub text: String,
}

pub struct CorrectionBlock {
    pub requested: String,
    pub items: Vec<CommentLine>,
    pub answer: Option<CommentLine>,
}

pub struct AuditLine {
    pub requested: String,
    pub controls: String,
    pub engagement: String,
}

/// The forms the viewer may use now (each a transition the rules would allow).
#[derive(Default)]
pub struct Actions {
    pub accept: bool,
    pub comment: bool,
    pub correction: bool,
    pub additional_audit: bool,
    pub complete: bool,
    pub resubmit: bool,
    pub answer: bool,
    pub audit_report: bool,
    pub withdraw: bool,
    pub decide: bool,
}

impl Actions {
    fn for_viewer(user: &User, app: &Application) -> Actions {
        use ApplicationStatus as S;
        let owner = user.role == Role::Csp && user.org_id == app.csp_org;
        let ipa = user.role == Role::IpaReviewer;
        let s = app.status;
        Actions {
            accept: ipa && s == S::Submitted,
            comment: ipa
                && matches!(
                    s,
                    S::UnderReview | S::CorrectionRequested | S::AdditionalAuditRequested
                ),
            correction: ipa && s == S::UnderReview,
            additional_audit: ipa && s == S::UnderReview,
            complete: ipa && s == S::UnderReview,
            resubmit: owner && s == S::Returned,
            answer: owner && s == S::CorrectionRequested,
            audit_report: owner && s == S::AdditionalAuditRequested,
            withdraw: owner && s.is_open(),
            decide: user.role == Role::Committee && s == S::AwaitingDecision,
        }
    }

    pub fn any(&self) -> bool {
        self.accept
            || self.comment
            || self.correction
            || self.complete
            || self.resubmit
            || self.answer
            || self.audit_report
            || self.withdraw
            || self.decide
    }
}

#[derive(Template)]
#[template(path = "review_detail.html")]
pub struct DetailPage {
    l: Layout,
    notice: Option<Notice>,
    id: i64,
    service: String,
    status: String,
    status_code: &'static str,
    kind: &'static str,
    track: &'static str,
    renews: String,
    submitted: String,
    statement: String,
    catalog: String,
    scope: String,
    adopted: usize,
    not_adopted: usize,
    audit: String,
    firm: String,
    attachments: Vec<AttachmentLine>,
    returned_reason: String,
    comments: Vec<CommentLine>,
    corrections: Vec<CorrectionBlock>,
    audits: Vec<AuditLine>,
    decision: String,
    registration: Option<(i64, String)>,
    history: Vec<HistoryLine>,
    can: Actions,
}

fn line(at: i64, control: &Option<String>, text: &str) -> CommentLine {
    CommentLine {
        at: format_tokyo(at),
        control: control.clone().unwrap_or_else(|| "-".into()),
        text: text.to_string(),
    }
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    notice: Option<Notice>,
) -> AppResult<Response> {
    let notice = notice.or_else(|| done_notice(ctx, REVIEW_DONE));
    let user = ctx.require_role(REVIEW_ROLES)?;
    let me = who(user);
    let (app, _) =
        visible::<Application>(state, id, |a| can_view_application(Some(&me), a)).await?;
    let service = find::<Service>(state, app.service_id)
        .await?
        .map(|(s, _)| s.draft.name)
        .unwrap_or_default();
    let statement = find::<Statement>(state, app.statement_id)
        .await?
        .map(|(s, _)| s);
    let firm = find::<Firm>(state, app.firm_id)
        .await?
        .map(|(f, _)| f.name)
        .unwrap_or_default();
    let registration = load_all::<Registration>(&state.store)
        .await
        .map_err(registry_error)?
        .into_iter()
        .map(|(r, _)| r)
        .find(|r| {
            r.application_id == app.id
                || matches!(app.kind, ApplicationKind::Renewal { registration_id } if registration_id == r.id)
        });
    let (adopted, not_adopted) = statement.as_ref().map_or((0, 0), |s| {
        let a = s.content.controls.iter().filter(|c| c.adopted).count();
        (a, s.content.controls.len() - a)
    });
    let tr = ctx.tr;
    let decision = app
        .decision
        .as_ref()
        .map(|d| {
            let outcome = match d.outcome {
                DecisionOutcome::Register => tr.t("review-decide-register"),
                DecisionOutcome::Reject => tr.t("review-decide-reject"),
            };
            format!("{} {outcome} {}", d.decided_on, d.reasons)
        })
        .unwrap_or_default();
    let t = DetailPage {
        l: Layout::new(ctx, "review-title"),
        notice,
        id,
        service,
        status: status_key(app.status),
        status_code: app.status.code(),
        kind: kind_key(app.kind),
        track: track_key(app.track),
        renews: registration
            .as_ref()
            .filter(|_| matches!(app.kind, ApplicationKind::Renewal { .. }))
            .map(|r| r.number_text.clone())
            .unwrap_or_default(),
        submitted: format_tokyo(app.submitted_at),
        statement: statement
            .as_ref()
            .map(|s| format!("#{} (v{})", s.id, s.revision))
            .unwrap_or_default(),
        catalog: statement
            .as_ref()
            .map(|s| s.content.catalog_version.clone())
            .unwrap_or_default(),
        scope: statement
            .as_ref()
            .map(|s| s.content.scope.description.clone())
            .unwrap_or_default(),
        adopted,
        not_adopted,
        audit: format!("#{} ({})", app.engagement_id, app.audit_end),
        firm,
        attachments: app
            .attachments
            .iter()
            .map(|a| AttachmentLine {
                name: a.name.clone(),
                kind: tr.t(att_key(a.kind)),
                href: format!("/ismap/applications/{id}/files/{}", a.sha256),
                size: a.size,
                sha256: a.sha256.clone(),
            })
            .collect(),
        returned_reason: app.returned_reason.clone().unwrap_or_default(),
        comments: app
            .comments
            .iter()
            .map(|c| line(c.at, &c.control, &c.text))
            .collect(),
        corrections: app
            .corrections
            .iter()
            .map(|c| CorrectionBlock {
                requested: format_tokyo(c.requested_at),
                items: c
                    .items
                    .iter()
                    .map(|i| line(i.at, &i.control, &i.text))
                    .collect(),
                answer: c.response.as_ref().map(|r| CommentLine {
                    at: format_tokyo(r.at),
                    control: r
                        .statement_id
                        .map(|s| format!("#{s}"))
                        .unwrap_or_else(|| "-".into()),
                    text: r.text.clone(),
                }),
            })
            .collect(),
        audits: app
            .additional_audits
            .iter()
            .map(|a| AuditLine {
                requested: format_tokyo(a.requested_at),
                controls: a.controls.join(", "),
                engagement: a.engagement_id.map(|e| format!("#{e}")).unwrap_or_default(),
            })
            .collect(),
        decision,
        registration: registration
            .filter(|r| r.application_id == app.id)
            .map(|r| (r.id, r.number_text)),
        history: history(state, ctx, Application::KIND, id).await?,
        can: Actions::for_viewer(user, &app),
    };
    page(status, &t)
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    detail_page(&state, &ctx, id, StatusCode::OK, None).await
}

/// Every field any action form sends; each action reads its own.
#[derive(Clone, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    control: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    items: String,
    #[serde(default)]
    controls: String,
    #[serde(default)]
    response: String,
    #[serde(default)]
    statement: String,
    #[serde(default)]
    engagement: String,
    #[serde(default)]
    outcome: String,
}

/// Correction items, one a line; a line starting with a control number
/// (`8.1.2.3 …`) is about that control, any other about the whole application.
fn correction_items(text: &str) -> Vec<(Option<String>, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (head, rest) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            let head = head.trim_end_matches([':', '：']);
            let is_control = head.contains('.')
                && head.chars().all(|c| c.is_ascii_digit() || c == '.')
                && !rest.trim().is_empty();
            if is_control {
                (Some(head.to_string()), rest.trim().to_string())
            } else {
                (None, l.to_string())
            }
        })
        .collect()
}

/// What one action did: the new states to write (with the revisions read) and
/// the events; or a refusal; or bad input.
enum Step {
    Done(Ledger, Vec<kasumi_lifecycle::Event>, &'static str),
    Refused(Refusal),
    Bad(Notice),
}

fn single(rev: i64, out: Result<Outcome<Application>, Refusal>, ok: &'static str) -> Step {
    match out {
        Ok(out) => {
            let mut ledger = Ledger::new();
            put(&mut ledger, &out.state, Some(rev));
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
    let user = ctx.require_role(REVIEW_ROLES)?.clone();
    let me = who(&user);
    let (app, rev) =
        visible::<Application>(&state, id, |a| can_view_application(Some(&me), a)).await?;
    let now = state.clock.now();
    let step = match action.as_str() {
        "accept" => single(
            rev,
            acceptance_check(&me, &app, Acceptance::Accept, now),
            "review-done-accepted",
        ),
        "return" => single(
            rev,
            acceptance_check(
                &me,
                &app,
                Acceptance::Return {
                    reason: f.reason.trim().to_string(),
                },
                now,
            ),
            "review-done-returned",
        ),
        "comment" => {
            let control = Some(f.control.trim()).filter(|c| !c.is_empty());
            single(
                rev,
                add_review_comment(&me, &app, control, f.text.trim(), now),
                "review-done-commented",
            )
        }
        "correction" => single(
            rev,
            request_correction(&me, &app, correction_items(&f.items), now),
            "review-done-correction",
        ),
        "additional-audit" => single(
            rev,
            request_additional_audit(&me, &app, split_list(&f.controls), now),
            "review-done-additional-audit",
        ),
        "complete" => single(
            rev,
            complete_review(&me, &app, now),
            "review-done-completed",
        ),
        "answer" => match form_id(&ctx, "review-revised-statement", &f.statement) {
            Err(n) => Step::Bad(n),
            Ok(revised) => {
                let current = find::<Statement>(&state, app.statement_id).await?;
                let revised = match revised {
                    Some(sid) => Some(own::<Statement>(&state, &user, sid).await?.0),
                    None => None,
                };
                let pair = match (&current, &revised) {
                    (Some((c, _)), Some(r)) => Some((c, r)),
                    _ => None,
                };
                single(
                    rev,
                    respond_to_correction(&me, &app, f.response.trim(), pair, now),
                    "review-done-answered",
                )
            }
        },
        "audit-report" => match required_id(&ctx, "review-engagement", &f.engagement) {
            Err(n) => Step::Bad(n),
            Ok(eid) => {
                let (eng, _) = own::<Engagement>(&state, &user, eid).await?;
                let (stmt, _) = find::<Statement>(&state, app.statement_id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                single(
                    rev,
                    submit_additional_audit(&me, &app, &stmt, &eng, now),
                    "review-done-audit-report",
                )
            }
        },
        "withdraw" => {
            let reg = match app.kind {
                ApplicationKind::Renewal { registration_id } => {
                    find::<Registration>(&state, registration_id).await?
                }
                ApplicationKind::New => None,
            };
            match withdraw(&me, &app, reg.as_ref().map(|(r, _)| r), now) {
                Ok(Outcome {
                    state: (next, r),
                    events,
                }) => {
                    let mut ledger = Ledger::new();
                    put(&mut ledger, &next, Some(rev));
                    if let (Some(r), Some((_, rrev))) = (&r, &reg) {
                        put(&mut ledger, r, Some(*rrev));
                    }
                    Step::Done(ledger, events, "review-done-withdrawn")
                }
                Err(r) => Step::Refused(r),
            }
        }
        "decide" => {
            let outcome = match f.outcome.as_str() {
                "register" => Some(DecisionOutcome::Register),
                "reject" => Some(DecisionOutcome::Reject),
                _ => None,
            };
            match outcome {
                None => Step::Bad(Notice::error(ctx.tr.ta(
                    "invalid-required",
                    &[("field", ctx.tr.t("review-decision"))],
                ))),
                Some(outcome) => {
                    decide_step(&state, &me, &app, rev, outcome, &f.reason, now).await?
                }
            }
        }
        _ => return Err(AppError::NotFound),
    };
    match step {
        Step::Done(mut ledger, events, ok) => {
            commit_all(&state, &user, &mut ledger, events, now).await?;
            Ok(done(&format!("/ismap/applications/{id}"), ok))
        }
        Step::Refused(r) => detail_page(&state, &ctx, id, status_of(&r), refused(&ctx, &r)).await,
        Step::Bad(n) => {
            detail_page(&state, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(n)).await
        }
    }
}

/// The provider resubmits a returned application with its files again
/// (multipart, so it has its own route).
pub async fn resubmit_files(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    mp: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let user = ctx.require_role(REVIEW_ROLES)?.clone();
    let me = who(&user);
    let (app, rev) =
        visible::<Application>(&state, id, |a| can_view_application(Some(&me), a)).await?;
    let max = state.config.evidence_max_bytes;
    let up = match upload::read(mp, max).await {
        Ok(up) => up,
        Err(e) => {
            let (status, notice) = upload_refusal(&ctx, e, max);
            return detail_page(&state, &ctx, id, status, Some(notice)).await;
        }
    };
    let (attachments, files) = attachments(&up, id);
    let now = state.clock.now();
    match resubmit(&me, &app, attachments, now) {
        Ok(out) => {
            let mut ledger = Ledger::new();
            put(&mut ledger, &out.state, Some(rev));
            files.into_iter().for_each(|f| ledger.file(f));
            commit_all(&state, &user, &mut ledger, out.events, now).await?;
            Ok(done(
                &format!("/ismap/applications/{id}"),
                "review-done-resubmitted",
            ))
        }
        Err(r) => detail_page(&state, &ctx, id, status_of(&r), refused(&ctx, &r)).await,
    }
}

/// An attached file, to those who may see the application.
pub async fn attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids((id, sha256)): Ids<(i64, String)>,
) -> AppResult<Response> {
    let user = ctx.require_role(REVIEW_ROLES)?;
    let me = who(user);
    visible::<Application>(&state, id, |a| can_view_application(Some(&me), a)).await?;
    upload::download(&state, Application::KIND, id, &sha256).await
}

/// The committee's decision: a new registration gets the next number; a
/// renewal counts the number up.
async fn decide_step(
    state: &AppState,
    me: &kasumi_lifecycle::Actor,
    app: &Application,
    rev: i64,
    outcome: DecisionOutcome,
    reasons: &str,
    now: i64,
) -> AppResult<Step> {
    let Some((service, service_rev)) = find::<Service>(state, app.service_id).await? else {
        return Err(AppError::NotFound);
    };
    // Read before the registrations, so a number given after this read
    // also changes the record this decision will write.
    let allocation = find::<NumberAllocation>(state, NumberAllocation::ID)
        .await?
        .map(|(_, rev)| rev);
    let regs = load_all::<Registration>(&state.store)
        .await
        .map_err(registry_error)?;
    let numbers: Vec<_> = regs.iter().map(|(r, _)| r.number).collect();
    let renewing = match app.kind {
        ApplicationKind::Renewal { registration_id } => {
            regs.iter().find(|(r, _)| r.id == registration_id).cloned()
        }
        ApplicationKind::New => None,
    };
    // Only allocate a number's record id when the decision can create one.
    let new_id = if matches!(app.kind, ApplicationKind::New)
        && outcome == DecisionOutcome::Register
        && me.role == Role::Committee
        && app.status == ApplicationStatus::AwaitingDecision
    {
        state.store.registry_allocate_id(Registration::KIND).await?
    } else {
        0
    };
    let format = state.config.registration_number.clone();
    let out = decide(
        me,
        app,
        DecisionInput {
            outcome,
            reasons: reasons.trim().to_string(),
        },
        DecideContext {
            service: &service,
            registration: renewing.as_ref().map(|(r, _)| r),
            new_registration_id: new_id,
            format: &format,
            existing_numbers: &numbers,
        },
        now,
    );
    Ok(match out {
        Ok(Outcome {
            state: (next, reg),
            events,
        }) => {
            let mut ledger = Ledger::new();
            put(&mut ledger, &next, Some(rev));
            ledger.read_at(&service, service_rev);
            if let Some(r) = &reg {
                let read = renewing
                    .as_ref()
                    .filter(|(x, _)| x.id == r.id)
                    .map(|(_, v)| *v);
                if read.is_none() {
                    let given = NumberAllocation {
                        id: NumberAllocation::ID,
                        last: r.number_text.clone(),
                    };
                    put(&mut ledger, &given, allocation);
                }
                put(&mut ledger, r, read);
            }
            let ok = match outcome {
                DecisionOutcome::Register => "review-done-registered",
                DecisionOutcome::Reject => "review-done-rejected",
            };
            Step::Done(ledger, events, ok)
        }
        Err(r) => Step::Refused(r),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use jiff::civil::date;
    use kasumi_core::FixedClock;
    use kasumi_lifecycle::Actor as Who;
    use kasumi_lifecycle::service::{DeploymentModel, ServiceDraft, ServiceModel};
    use kasumi_store::{Actor, StoreError, Target};

    use super::*;
    use crate::AppConfig;
    use crate::registry::RegistryError;
    use crate::registry::journey::{
        Cast, Journey, attachments as demo_attachments, clean_statement, csp, noon,
    };

    fn draft(name: &str) -> ServiceDraft {
        ServiceDraft {
            name: name.into(),
            service_model: ServiceModel::Saas,
            deployment_model: DeploymentModel::Public,
            description: String::new(),
            data_centres: vec!["東京".into()],
            regions: vec!["jp-east".into()],
            built_on: vec![],
        }
    }

    /// A store of its own in a temporary directory (kept while the guard lives).
    async fn temp_store() -> (tempfile::TempDir, kasumi_store::DynStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = kasumi_store::open(&Target::DataDir(dir.path().into()))
            .await
            .unwrap();
        (dir, store)
    }

    fn staff() -> Cast {
        Cast {
            auditor: Who::new(Role::Auditor, 10, 0),
            evaluator: Who::new(Role::AuditEvaluator, 0, 0),
            ipa: Who::new(Role::IpaReviewer, 11, 0),
            committee: Who::new(Role::Committee, 12, 0),
        }
    }

    /// Two committee members deciding two first registrations at the same
    /// moment both compute the same next number; the second commit must be
    /// refused rather than list two services under one number.
    #[tokio::test]
    async fn two_decisions_at_once_cannot_take_the_same_number() {
        let (_dir, store) = temp_store().await;
        let catalog = kasumi_ismap::sample_catalog();
        let cast = staff();
        let provider = csp(20);
        let end = date(2025, 3, 31);
        let mut j = Journey::new(&store, &catalog, cast).await.unwrap();
        let firm = j
            .list_firm(10, "うみ監査法人", date(2024, 1, 5))
            .await
            .unwrap();
        let mut waiting = Vec::new();
        for name in ["そら 文書管理", "そら 会計"] {
            let d = draft(name);
            let content = clean_statement(&catalog, &d, "本番環境", "代表 一郎", &[]);
            let svc = j
                .add_service(&provider, d, date(2024, 1, 10))
                .await
                .unwrap();
            let app = j
                .apply_only(&provider, &svc, &firm, content, end)
                .await
                .unwrap();
            let done = complete_review(&cast.ipa, &app, noon(date(2025, 6, 1))).unwrap();
            j.ledger.put(&done.state);
            waiting.push(done.state.id);
        }
        j.commit(&Actor::system("test"), noon(date(2025, 6, 1)))
            .await
            .unwrap();
        let now = noon(date(2025, 6, 20));
        let state = AppState::new(store, Arc::new(FixedClock::new(now)), AppConfig::default());
        // The committee's decision to register application `id`, as read now.
        let decision = |id: i64| {
            let state = &state;
            async move {
                let (app, rev) = find::<Application>(state, id).await.unwrap().unwrap();
                assert_eq!(app.status, ApplicationStatus::AwaitingDecision);
                let step = decide_step(
                    state,
                    &cast.committee,
                    &app,
                    rev,
                    DecisionOutcome::Register,
                    "",
                    now,
                )
                .await
                .unwrap();
                let Step::Done(mut ledger, events, _) = step else {
                    panic!("the decision is allowed");
                };
                ledger.events(events);
                ledger
            }
        };
        // Both read before either commits, as when two people decide at once.
        let (mut first, mut second) = (decision(waiting[0]).await, decision(waiting[1]).await);
        let committee = Actor::system("committee");
        first.commit(&state.store, &committee, now).await.unwrap();
        let second = second.commit(&state.store, &committee, now).await;
        assert!(
            matches!(
                second,
                Err(RegistryError::Store(StoreError::Conflict { .. }))
            ),
            "{second:?}"
        );
        // Nothing of the refused decision was kept; decided again, it takes the next number.
        let regs = load_all::<Registration>(&state.store).await.unwrap();
        assert_eq!(regs.len(), 1);
        assert_eq!(regs[0].0.number_text, "C25-0001-1");
        decision(waiting[1])
            .await
            .commit(&state.store, &committee, now)
            .await
            .unwrap();
        let mut numbers: Vec<String> = load_all::<Registration>(&state.store)
            .await
            .unwrap()
            .into_iter()
            .map(|(r, _)| r.number_text)
            .collect();
        numbers.sort();
        assert_eq!(numbers, ["C25-0001-1", "C25-0002-1"]);
    }

    /// Two applications sent at the same moment for one service both pass
    /// the one-application-per-service check as read; the second commit must
    /// be refused, or the service would have two applications in progress.
    #[tokio::test]
    async fn two_applications_at_once_for_one_service_cannot_both_be_made() {
        let (_dir, store) = temp_store().await;
        let catalog = kasumi_ismap::sample_catalog();
        let cast = staff();
        let provider = csp(20);
        let mut j = Journey::new(&store, &catalog, cast).await.unwrap();
        let firm = j
            .list_firm(10, "うみ監査法人", date(2024, 1, 5))
            .await
            .unwrap();
        let d = draft("そら 文書管理");
        let content = clean_statement(&catalog, &d, "本番環境", "代表 一郎", &[]);
        let svc = j
            .add_service(&provider, d, date(2024, 1, 10))
            .await
            .unwrap();
        let stmt = j
            .submit_statement(&provider, &svc, content, date(2024, 2, 1))
            .await
            .unwrap();
        let eng = j
            .audit(&provider, &stmt, &firm, date(2025, 3, 31))
            .await
            .unwrap();
        j.commit(&Actor::system("test"), noon(date(2025, 5, 1)))
            .await
            .unwrap();
        let now = noon(date(2025, 5, 10));
        let state = AppState::new(store, Arc::new(FixedClock::new(now)), AppConfig::default());
        // The provider's application `id`, checked against the store as read now.
        let application = |id: i64| {
            let state = &state;
            async move {
                let (service, srev) = find::<Service>(state, svc.id).await.unwrap().unwrap();
                let (statement, strev) = find::<Statement>(state, stmt.id).await.unwrap().unwrap();
                let (engagement, erev) = find::<Engagement>(state, eng.id).await.unwrap().unwrap();
                let (attachments, files) = demo_attachments(id, &service.draft.name);
                let input = ApplyInput {
                    kind: ApplicationKind::New,
                    track: Track::Standard,
                    attachments,
                };
                let reads = ApplyReads {
                    service: (&service, srev),
                    statement: (&statement, strev),
                    engagement: (&engagement, erev),
                    registration: None,
                    assessment: None,
                };
                let step = apply_step(state, &provider, id, input, reads, now).await;
                step.unwrap().map(|(mut ledger, events)| {
                    files.into_iter().for_each(|f| ledger.file(f));
                    ledger.events(events);
                    ledger
                })
            }
        };
        // Both read before either commits, as when one is sent twice at once.
        let allowed = "the application is allowed as read";
        let mut first = application(1).await.expect(allowed);
        let mut second = application(2).await.expect(allowed);
        let csp = Actor::system("csp");
        first.commit(&state.store, &csp, now).await.unwrap();
        let second = second.commit(&state.store, &csp, now).await;
        assert!(
            matches!(
                second,
                Err(RegistryError::Store(StoreError::Conflict { .. }))
            ),
            "{second:?}"
        );
        let apps = load_all::<Application>(&state.store).await.unwrap();
        assert_eq!(apps.len(), 1, "only the first application was kept");
        assert_eq!(apps[0].0.id, 1);
        // Sent again, it is now refused for the application already open.
        let Err(refused) = application(3).await else {
            panic!("a second application in progress is refused");
        };
        assert_eq!(refused.key(), "application.already_open");
    }
}
