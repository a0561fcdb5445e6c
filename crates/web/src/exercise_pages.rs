//! CYDER exercises in the browser: operators and instructors plan exercises,
//! form teams and run the clock; each trainee works in their own team's
//! environment and nowhere else.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kasumi_core::{Role, format_tokyo, tokyo_local_to_micros};
use kasumi_range::scenario::ObjectiveKind;
use kasumi_range::score::ObjectiveScore;
use kasumi_range::{Action, Course, Device, LeakReport, Recipient, Scenario};
use kasumi_store::{
    Actor, Exercise, ExerciseState, NewExercise, StoreError, Team, TeamMessageKind,
};
use serde::Deserialize;

use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::form::{Form, split_list};
use crate::pages::{Layout, Notice, page};
use crate::path::Ids;
use crate::range_hub::TeamWorld;

const STAFF: &[Role] = &[Role::CyderOperator, Role::Instructor];
const COURSES: &[&str] = &["A", "B-1", "B-2"];

fn state_key(s: ExerciseState) -> &'static str {
    match s {
        ExerciseState::Planned => "ex-state-planned",
        ExerciseState::Running => "ex-state-running",
        ExerciseState::Paused => "ex-state-paused",
        ExerciseState::Finished => "ex-state-finished",
    }
}

pub(crate) async fn exercise(state: &AppState, id: i64) -> AppResult<Exercise> {
    state.store.exercise(id).await?.ok_or(AppError::Missing {
        key: "ex-not-found",
        args: vec![],
    })
}

// ---- list and create ----

pub struct ExerciseRow {
    pub id: i64,
    pub title: String,
    pub course: String,
    pub scenario: String,
    pub starts: String,
    pub state: String,
}

#[derive(Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    course: String,
    #[serde(default)]
    scenario: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    speed: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    seed: String,
}

#[derive(Template)]
#[template(path = "exercises.html")]
pub struct ListPage {
    l: Layout,
    notice: Option<Notice>,
    staff: bool,
    rows: Vec<ExerciseRow>,
    courses: &'static [&'static str],
    scenarios: Vec<&'static str>,
    form: NewForm,
}

pub(crate) fn row(ctx: &Ctx, e: &Exercise) -> ExerciseRow {
    ExerciseRow {
        id: e.id,
        title: e.title.clone(),
        course: e.course.clone(),
        scenario: e.scenario.clone(),
        starts: format_tokyo(e.sim_start),
        state: ctx.tr.t(state_key(e.state)),
    }
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    notice: Option<Notice>,
    form: NewForm,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let staff = STAFF.contains(&user.role);
    let rows = if staff {
        state
            .store
            .list_exercises()
            .await?
            .iter()
            .map(|e| row(ctx, e))
            .collect()
    } else if user.role == Role::Trainee {
        let mut rows = Vec::new();
        for team in state.store.teams_of_user(user.id).await? {
            if let Some(e) = state.store.exercise(team.exercise_id).await? {
                rows.push(row(ctx, &e));
            }
        }
        rows
    } else {
        return Err(AppError::Forbidden);
    };
    let t = ListPage {
        l: Layout::new(ctx, "ex-title"),
        notice,
        staff,
        rows,
        courses: COURSES,
        scenarios: Scenario::builtin_names(),
        form,
    };
    page(status, &t)
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    list_page(&state, &ctx, StatusCode::OK, None, NewForm::default()).await
}

fn positive(ctx: &Ctx, value: &str, field: &str, default: i64) -> AppResult<i64> {
    if value.trim().is_empty() {
        return Ok(default);
    }
    match value.trim().parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(AppError::Invalid {
            key: "ex-invalid-number",
            args: vec![("field", ctx.tr.t(field))],
        }),
    }
}

fn check_new(ctx: &Ctx, f: &NewForm) -> AppResult<NewExercise> {
    if f.title.trim().is_empty() {
        return Err(AppError::Invalid {
            key: "invalid-required",
            args: vec![("field", ctx.tr.t("ex-field-title"))],
        });
    }
    if !COURSES.contains(&f.course.as_str()) {
        return Err(AppError::Invalid {
            key: "ex-invalid-course",
            args: vec![("value", f.course.clone())],
        });
    }
    if !Scenario::builtin_names().contains(&f.scenario.as_str()) {
        return Err(AppError::Invalid {
            key: "ex-invalid-scenario",
            args: vec![("value", f.scenario.clone())],
        });
    }
    let time = if f.time.trim().is_empty() {
        "09:30"
    } else {
        f.time.trim()
    };
    let sim_start =
        tokyo_local_to_micros(&f.date, time).ok_or(AppError::invalid("ex-invalid-date"))?;
    let seed = if f.seed.trim().is_empty() {
        (rand::random::<u32>() as i64) + 1
    } else {
        positive(ctx, &f.seed, "ex-field-seed", 1)?
    };
    Ok(NewExercise {
        title: f.title.trim().to_string(),
        course: f.course.clone(),
        scenario: f.scenario.clone(),
        seed,
        sim_start,
        history_days: positive(ctx, &f.days, "ex-field-days", 3)?.min(14),
        speed: positive(ctx, &f.speed, "ex-field-speed", 1)?.min(600),
    })
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<NewForm>,
) -> AppResult<Response> {
    let user = ctx.require_role(STAFF)?.clone();
    match check_new(&ctx, &f) {
        Ok(new) => {
            let e = state
                .store
                .create_exercise(&Actor::user(user.id, &user.login), state.clock.now(), &new)
                .await?;
            Ok(Redirect::to(&format!("/exercises/{}", e.id)).into_response())
        }
        Err(err) => {
            list_page(
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

// ---- one exercise, for its staff ----

pub struct TeamRow {
    pub id: i64,
    pub number: i64,
    pub name: String,
    pub members: String,
    pub score: String,
    /// Objectives met out of all, e.g. `3 / 10`.
    pub progress: String,
    pub last: String,
}

#[derive(Default, Deserialize)]
pub struct TeamForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    members: String,
}

#[derive(Template)]
#[template(path = "exercise.html")]
pub struct DetailPage {
    l: Layout,
    notice: Option<Notice>,
    ex: ExerciseRow,
    ex_id: i64,
    clock: String,
    seed: i64,
    speed: i64,
    can_start: bool,
    can_pause: bool,
    can_resume: bool,
    can_finish: bool,
    can_message: bool,
    teams: Vec<TeamRow>,
    form: TeamForm,
    /// The message form as last submitted (kept when it is refused).
    message: MessageForm,
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    notice: Option<Notice>,
    form: TeamForm,
    message: Option<MessageForm>,
) -> AppResult<Response> {
    ctx.require_role(STAFF)?;
    let e = exercise(state, id).await?;
    let now = state.clock.now();
    let sim_now = e.sim_now(now);
    let course = Course::parse(&e.course).unwrap_or(Course::A);
    let mut teams = Vec::new();
    for t in state.store.teams(id).await? {
        let actions = state.store.team_actions(t.id).await?;
        let (score, progress) = if e.state == ExerciseState::Planned {
            ("-".to_string(), "-".to_string())
        } else {
            let w = state.ranges.lock(&state.store, &e, &t, sim_now).await?;
            let s = w.score(w.actions(), course);
            let met = s.objectives.iter().filter(|o| o.achieved).count();
            (
                format!("{:.0} / {:.0}", s.total, s.max),
                format!("{met} / {}", s.objectives.len()),
            )
        };
        teams.push(TeamRow {
            id: t.id,
            number: t.number,
            name: t.name.clone(),
            members: t
                .members
                .iter()
                .map(|m| m.login.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            score,
            progress,
            last: actions
                .last()
                .map(|a| format!("{} {}", format_tokyo(a.sim_at), action_name(&a.action)))
                .unwrap_or_default(),
        });
    }
    let t = DetailPage {
        l: Layout::new(ctx, "ex-title"),
        notice,
        ex: row(ctx, &e),
        ex_id: e.id,
        clock: format_tokyo(sim_now),
        seed: e.seed,
        speed: e.speed,
        can_start: e.state == ExerciseState::Planned,
        can_pause: e.state == ExerciseState::Running,
        can_resume: e.state == ExerciseState::Paused,
        can_finish: matches!(e.state, ExerciseState::Running | ExerciseState::Paused),
        can_message: e.state != ExerciseState::Planned,
        teams,
        form,
        message: message.unwrap_or_default(),
    };
    page(status, &t)
}

fn action_name(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get("action").and_then(|a| a.as_str()).map(str::to_string))
        .unwrap_or_default()
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    detail_page(
        &state,
        &ctx,
        id,
        StatusCode::OK,
        None,
        TeamForm::default(),
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct ClockForm {
    op: String,
}

/// The longest message an instructor can send to a team, in characters.
const MESSAGE_MAX: usize = 2000;

#[derive(Clone, Default, Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub body: String,
}

/// An instructor or operator sends a message or a hint to one team's inbox.
pub async fn send_message(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    Form(f): Form<MessageForm>,
) -> AppResult<Response> {
    let user = ctx.require_role(STAFF)?.clone();
    let e = exercise(&state, id).await?;
    let checked: AppResult<(Team, TeamMessageKind, String)> = async {
        if e.state == ExerciseState::Planned {
            return Err(AppError::Conflict {
                key: "ex-message-planned",
                args: vec![],
            });
        }
        let team_id: i64 = f.team.trim().parse().map_err(|_| AppError::Invalid {
            key: "invalid-required",
            args: vec![("field", ctx.tr.t("ex-message-team"))],
        })?;
        // Only a team of this exercise: another exercise's team id is not found here.
        let team = state
            .store
            .team(team_id)
            .await?
            .filter(|t| t.exercise_id == id)
            .ok_or(AppError::NotFound)?;
        let kind = TeamMessageKind::parse(&f.kind).ok_or(AppError::Invalid {
            key: "invalid-required",
            args: vec![("field", ctx.tr.t("ex-message-kind"))],
        })?;
        let body = f.body.trim();
        if body.is_empty() {
            return Err(AppError::Invalid {
                key: "invalid-required",
                args: vec![("field", ctx.tr.t("ex-message-body"))],
            });
        }
        if body.chars().count() > MESSAGE_MAX {
            return Err(AppError::Invalid {
                key: "ex-message-too-long",
                args: vec![("max", MESSAGE_MAX.to_string())],
            });
        }
        Ok((team, kind, body.to_string()))
    }
    .await;
    let (team, kind, body) = match checked {
        Ok(v) => v,
        Err(err) if !err.status().is_server_error() => {
            let notice = Notice::error(err.message(&ctx.tr));
            return detail_page(
                &state,
                &ctx,
                id,
                err.status(),
                Some(notice),
                TeamForm::default(),
                Some(f),
            )
            .await;
        }
        Err(err) => return Err(err),
    };
    let now = state.clock.now();
    state
        .store
        .send_team_message(
            &Actor::user(user.id, &user.login),
            now,
            team.id,
            e.sim_now(now),
            kind,
            &body,
        )
        .await?;
    let notice = Notice::info(ctx.tr.ta("ex-message-sent", &[("team", team.name.clone())]));
    detail_page(
        &state,
        &ctx,
        id,
        StatusCode::OK,
        Some(notice),
        TeamForm::default(),
        None,
    )
    .await
}

pub async fn clock(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    Form(f): Form<ClockForm>,
) -> AppResult<Response> {
    let user = ctx.require_role(STAFF)?.clone();
    let e = exercise(&state, id).await?;
    let now = state.clock.now();
    let elapsed = e.sim_now(now) - e.sim_start;
    let to = match (f.op.as_str(), e.state) {
        ("start", ExerciseState::Planned) => ExerciseState::Running,
        ("pause", ExerciseState::Running) => ExerciseState::Paused,
        ("resume", ExerciseState::Paused) => ExerciseState::Running,
        ("finish", ExerciseState::Running | ExerciseState::Paused) => ExerciseState::Finished,
        _ => {
            return Err(AppError::Conflict {
                key: "ex-clock-not-allowed",
                args: vec![("state", ctx.tr.t(state_key(e.state)))],
            });
        }
    };
    match state
        .store
        .set_exercise_clock(
            &Actor::user(user.id, &user.login),
            now,
            id,
            e.state,
            to,
            elapsed,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/exercises/{id}")).into_response()),
        Err(StoreError::Conflict { .. }) => Err(AppError::Conflict {
            key: "ex-clock-not-allowed",
            args: vec![("state", ctx.tr.t(state_key(e.state)))],
        }),
        Err(e) => Err(e.into()),
    }
}

pub async fn add_team(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    Form(f): Form<TeamForm>,
) -> AppResult<Response> {
    let user = ctx.require_role(STAFF)?.clone();
    exercise(&state, id).await?;
    let checked: AppResult<(i64, Vec<i64>)> = async {
        let number = positive(&ctx, &f.number, "ex-team-number", 0)?;
        if number == 0 {
            return Err(AppError::Invalid {
                key: "ex-invalid-number",
                args: vec![("field", ctx.tr.t("ex-team-number"))],
            });
        }
        if f.name.trim().is_empty() {
            return Err(AppError::Invalid {
                key: "invalid-required",
                args: vec![("field", ctx.tr.t("ex-team-name"))],
            });
        }
        let logins: Vec<&str> = f
            .members
            .split([',', '、', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if logins.len() > 4 {
            return Err(AppError::invalid("ex-team-too-many"));
        }
        let mut ids = Vec::new();
        for login in logins {
            let u = state
                .store
                .user_by_login(login)
                .await?
                .ok_or_else(|| AppError::Invalid {
                    key: "ex-team-unknown-member",
                    args: vec![("login", login.to_string())],
                })?;
            if u.role != Role::Trainee {
                return Err(AppError::Invalid {
                    key: "ex-team-not-trainee",
                    args: vec![("login", login.to_string())],
                });
            }
            ids.push(u.id);
        }
        Ok((number, ids))
    }
    .await;
    let result = match checked {
        Ok((number, ids)) => state
            .store
            .create_team(
                &Actor::user(user.id, &user.login),
                state.clock.now(),
                id,
                number,
                f.name.trim(),
                &ids,
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict { .. } => AppError::Conflict {
                    key: "ex-team-conflict",
                    args: vec![],
                },
                other => other.into(),
            }),
        Err(e) => Err(e),
    };
    match result {
        Ok(team) => {
            let msg = ctx.tr.ta("ex-team-created", &[("name", team.name)]);
            detail_page(
                &state,
                &ctx,
                id,
                StatusCode::OK,
                Some(Notice::info(msg)),
                TeamForm::default(),
                None,
            )
            .await
        }
        Err(err) if !err.status().is_server_error() => {
            let msg = err.message(&ctx.tr);
            detail_page(
                &state,
                &ctx,
                id,
                err.status(),
                Some(Notice::error(msg)),
                f,
                None,
            )
            .await
        }
        Err(err) => Err(err),
    }
}

// ---- a team's workspace ----

pub struct HostRow {
    pub name: String,
    pub ip: String,
    pub kind: String,
    pub states: Vec<&'static str>,
}

pub struct TimelineRow {
    pub at: String,
    pub who: String,
    pub what: String,
    pub result: String,
}

pub struct ObjectiveRow {
    pub title: String,
    pub achieved: bool,
    pub earned: String,
}

pub struct RetroRow {
    pub at: String,
    pub attacker: bool,
    pub text: String,
}

/// What a finished exercise shows: the real path beside the team's actions.
pub struct Debrief {
    pub rows: Vec<RetroRow>,
    pub missed: Vec<String>,
    pub penalties: String,
    pub order_mistakes: Vec<String>,
    pub leaked: bool,
}

fn objective_title(sc: &Scenario, id: &str) -> String {
    sc.objectives
        .iter()
        .find(|x| x.id == id)
        .map(|x| x.title.clone())
        .unwrap_or_else(|| id.to_string())
}

fn debrief(ctx: &Ctx, world: &TeamWorld, score: &kasumi_range::Score) -> Debrief {
    let sc = &world.env().scenario;
    Debrief {
        rows: world
            .retrospective()
            .into_iter()
            .map(|(t, who, text)| RetroRow {
                at: format_tokyo(t),
                attacker: who == "attacker",
                text,
            })
            .collect(),
        missed: score
            .objectives
            .iter()
            .filter(|o| !o.achieved)
            .map(|o| objective_title(sc, &o.id))
            .collect(),
        penalties: ctx.tr.ta(
            "ws-debrief-penalties",
            &[
                ("hints", format!("{:.0}", score.hint_penalty)),
                ("impact", format!("{:.0}", score.impact_penalty)),
                ("order", format!("{:.0}", score.order_penalty)),
            ],
        ),
        order_mistakes: score.order_mistakes.clone(),
        leaked: score.leaked,
    }
}

/// One message in the team's inbox: an alert, a reply to the team's own
/// communication, or a note from the instructor.
pub struct InboxRow {
    pub at: String,
    /// Message key naming the sender.
    pub from: &'static str,
    /// The instructor's login, for instructor notes.
    pub by: String,
    /// `alert`, `reply`, `message` or `hint` (used as a CSS class).
    pub kind: &'static str,
    pub text: String,
    sort_at: i64,
}

/// A blocking rule the team put on the proxy or a firewall.
pub struct RuleRow {
    pub at: String,
    pub device: &'static str,
    pub rule: String,
}

/// One of the seven steps of the incident flow (course A's guided tasks).
pub struct StepRow {
    pub title: &'static str,
    pub guide: &'static str,
    pub done: bool,
    pub current: bool,
}

pub struct HintRow {
    pub id: String,
    pub cost: u32,
    pub text: Option<String>,
}

#[derive(Template)]
#[template(path = "workspace.html")]
pub struct WorkspacePage {
    l: Layout,
    notice: Option<Notice>,
    ex: ExerciseRow,
    action_url: String,
    live_url: String,
    logs_url: String,
    hosts_url: String,
    message_count: usize,
    clock: String,
    running: bool,
    state_text: String,
    organisation: String,
    can_block: bool,
    guided: bool,
    steps: Vec<StepRow>,
    rules: Vec<RuleRow>,
    inbox: Vec<InboxRow>,
    hosts: Vec<HostRow>,
    timeline: Vec<TimelineRow>,
    objectives: Vec<ObjectiveRow>,
    hints: Vec<HintRow>,
    score: String,
    analyses: Vec<kasumi_range::AnalysisReport>,
    debrief: Option<Debrief>,
    map: NetworkMap,
}

/// The team's inbox, newest first: alerts from the SOC or vendor (once the
/// exercise has started; older ones are history), the scripted replies to the
/// team's own communications, and the instructor's notes.
fn inbox(
    e: &Exercise,
    world: &TeamWorld,
    stored: &[kasumi_store::TeamAction],
    messages: &[kasumi_store::TeamMessage],
) -> Vec<InboxRow> {
    let mut rows: Vec<InboxRow> = world
        .alerts_since(e.sim_start)
        .into_iter()
        .map(|(t, line)| InboxRow {
            at: format_tokyo(t),
            from: "ws-from-soc",
            by: String::new(),
            kind: "alert",
            text: line.to_string(),
            sort_at: t,
        })
        .collect();
    for a in stored {
        // Refused actions are never recorded, so every stored one has its reply.
        let Ok(action) = serde_json::from_str::<Action>(&a.action) else {
            continue;
        };
        let from = match &action {
            Action::WarnStaff { .. } => "ws-from-staff",
            Action::AskVendor { .. } => "ws-from-vendor",
            Action::Escalate { to, .. } => match to {
                Recipient::Ciso => "ws-to-ciso",
                Recipient::SectionChief => "ws-to-chief",
                Recipient::Vendor => "ws-to-vendor",
                Recipient::Police => "ws-to-police",
                Recipient::Ppc => "ws-to-ppc",
            },
            _ => continue,
        };
        rows.push(InboxRow {
            at: format_tokyo(a.sim_at),
            from,
            by: String::new(),
            kind: "reply",
            text: result_message(&a.result),
            sort_at: a.sim_at,
        });
    }
    for m in messages {
        rows.push(InboxRow {
            at: format_tokyo(m.sim_at),
            from: "ws-from-instructor",
            by: m.login.clone(),
            kind: m.kind.code(),
            text: m.body.clone(),
            sort_at: m.sim_at,
        });
    }
    // Stable: equal times keep alerts, replies, notes in that order.
    rows.sort_by_key(|r| std::cmp::Reverse(r.sort_at));
    rows
}

/// The range's answer to a recorded action (its `Outcome.message`).
fn result_message(result_json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(result_json)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// How many inbox messages a team has (for the live "new message" notice).
fn inbox_count(e: &Exercise, world: &TeamWorld, notes: usize) -> usize {
    let alerts = world.alerts_since(e.sim_start).len();
    let replies = world
        .actions()
        .iter()
        .filter(|r| {
            matches!(
                r.action,
                Action::WarnStaff { .. } | Action::AskVendor { .. } | Action::Escalate { .. }
            )
        })
        .count();
    alerts + replies + notes
}

/// How a step of the guided flow is judged done. Only on what the team did:
/// a check against the ground truth (e.g. "the first infected terminal is
/// isolated") would tell the trainees the answers they are looking for.
enum StepCheck {
    /// The report is in and the team has started to respond.
    Detected,
    /// Every scenario objective of these kinds is met (objectives met by doing
    /// the step itself: warned, analysed a sample, escalated to the CISO).
    Objectives(&'static [ObjectiveKind]),
    /// The team took one of these actions.
    Took(&'static [&'static str]),
    /// The team filed a leak report naming infected terminals and a cause.
    Findings,
}

/// The seven steps of the incident flow (seed slide 12).
const STEPS: [(&str, &str, StepCheck, &str); 7] = [
    (
        "ws-step-detect",
        "ws-step-detect-guide",
        StepCheck::Detected,
        "",
    ),
    (
        "ws-step-warn",
        "ws-step-warn-guide",
        StepCheck::Objectives(&[ObjectiveKind::WarnStaff]),
        "warn_staff",
    ),
    (
        "ws-step-analyse",
        "ws-step-analyse-guide",
        StepCheck::Objectives(&[ObjectiveKind::AnalyseFile]),
        "collect_file",
    ),
    (
        "ws-step-assess",
        "ws-step-assess-guide",
        StepCheck::Took(&["isolate_host", "power_off", "block"]),
        "",
    ),
    (
        "ws-step-escalate",
        "ws-step-escalate-guide",
        StepCheck::Objectives(&[ObjectiveKind::Escalate]),
        "escalate",
    ),
    (
        "ws-step-infected",
        "ws-step-infected-guide",
        StepCheck::Findings,
        "",
    ),
    (
        "ws-step-report",
        "ws-step-report-guide",
        StepCheck::Took(&["report_leak"]),
        "",
    ),
];

fn action_kind(a: &Action) -> String {
    serde_json::to_value(a)
        .ok()
        .and_then(|v| v.get("action").and_then(|k| k.as_str()).map(str::to_string))
        .unwrap_or_default()
}

fn guided_steps(world: &TeamWorld, score: &kasumi_range::Score, reported: bool) -> Vec<StepRow> {
    let kinds: Vec<String> = world
        .actions()
        .iter()
        .map(|r| action_kind(&r.action))
        .collect();
    let took = |wanted: &[&str]| kinds.iter().any(|k| wanted.contains(&k.as_str()));
    let findings = world.actions().iter().any(|r| {
        matches!(&r.action, Action::ReportLeak { report }
            if !report.infected_hosts.is_empty() && !report.cause.trim().is_empty())
    });
    let mut current_found = false;
    STEPS
        .iter()
        .map(|(title, guide, check, action)| {
            let done = match check {
                StepCheck::Detected => reported && !world.actions().is_empty(),
                StepCheck::Objectives(wanted) => {
                    let graded: Vec<&ObjectiveScore> = score
                        .objectives
                        .iter()
                        .filter(|o| wanted.contains(&o.kind))
                        .collect();
                    // A step the scenario does not grade is done once its action was taken.
                    if graded.is_empty() {
                        took(&[action])
                    } else {
                        graded.iter().all(|o| o.achieved)
                    }
                }
                StepCheck::Took(wanted) => took(wanted),
                StepCheck::Findings => findings,
            };
            let current = !done && !current_found;
            current_found |= current;
            StepRow {
                title,
                guide,
                done,
                current,
            }
        })
        .collect()
}

/// The team of the signed-in trainee in this exercise; staff may open any team.
pub(crate) async fn team_for(
    state: &AppState,
    ctx: &Ctx,
    exercise_id: i64,
    team_id: Option<i64>,
) -> AppResult<Team> {
    let user = ctx.require_user()?;
    match team_id {
        Some(tid) => {
            ctx.require_role(STAFF)?;
            state
                .store
                .team(tid)
                .await?
                .filter(|t| t.exercise_id == exercise_id)
                .ok_or(AppError::NotFound)
        }
        None => {
            if user.role != Role::Trainee {
                return Err(AppError::Forbidden);
            }
            state
                .store
                .teams_of_user(user.id)
                .await?
                .into_iter()
                .find(|t| t.exercise_id == exercise_id)
                .ok_or(AppError::Missing {
                    key: "ex-no-team",
                    args: vec![],
                })
        }
    }
}

/// What the team knows about a host from its own actions (message keys).
pub(crate) fn host_states(world: &TeamWorld, host: &str) -> Vec<&'static str> {
    let mut states = Vec::new();
    for r in world.actions() {
        let (h, state) = match &r.action {
            Action::IsolateHost { host } => (host, "ws-host-isolated"),
            Action::PowerOff { host } => (host, "ws-host-off"),
            Action::PreserveEvidence { host } => (host, "ws-host-preserved"),
            Action::CollectFile { host, .. } => (host, "ws-host-investigating"),
            Action::KillProcess { host, .. } | Action::QuarantineFile { host, .. } => {
                (host, "ws-host-cleaned")
            }
            _ => continue,
        };
        if h.eq_ignore_ascii_case(host) && !states.contains(&state) {
            states.push(state);
        }
    }
    states
}

/// The colour class of a host on the map: the most telling state wins.
fn map_class(states: &[&'static str]) -> &'static str {
    if states.contains(&"ws-host-off") {
        "off"
    } else if states.contains(&"ws-host-isolated") {
        "isolated"
    } else if states.contains(&"ws-host-cleaned") {
        "cleaned"
    } else if states.contains(&"ws-host-preserved") || states.contains(&"ws-host-investigating") {
        "investigating"
    } else {
        "normal"
    }
}

pub struct MapBox {
    pub x: usize,
    pub y: usize,
    pub w: usize,
    pub h: usize,
    pub title: String,
}

pub struct MapChip {
    pub x: usize,
    pub y: usize,
    pub label: String,
    pub class: &'static str,
}

pub struct NetworkMap {
    pub width: usize,
    pub height: usize,
    pub boxes: Vec<MapBox>,
    pub chips: Vec<MapChip>,
}

/// Networks as boxes in three columns, each host a chip coloured by what the team did to it.
fn network_map(world: &TeamWorld) -> NetworkMap {
    const COLS: usize = 3;
    const BOX_W: usize = 390;
    const CHIP_W: usize = 124;
    const CHIP_H: usize = 20;
    const PER_ROW: usize = 3;
    let env = world.env();
    let mut col_y = [10usize; COLS];
    let mut boxes = Vec::new();
    let mut chips = Vec::new();
    for net in &env.scenario.networks {
        let hosts: Vec<_> = env
            .hosts
            .iter()
            .filter(|h| net.cidr.contains(h.ip))
            .collect();
        let rows = hosts.len().div_ceil(PER_ROW).max(1);
        let h = 30 + rows * (CHIP_H + 4) + 6;
        let col = (0..COLS).min_by_key(|c| col_y[*c]).unwrap_or(0);
        let (x, y) = (10 + col * (BOX_W + 10), col_y[col]);
        let title = format!(
            "{} {}/{}",
            net.name,
            kasumi_range::net::ip_string(net.cidr.base),
            net.cidr.prefix
        );
        boxes.push(MapBox {
            x,
            y,
            w: BOX_W,
            h,
            title,
        });
        for (j, host) in hosts.iter().enumerate() {
            chips.push(MapChip {
                x: x + 6 + (j % PER_ROW) * (CHIP_W + 4),
                y: y + 30 + (j / PER_ROW) * (CHIP_H + 4),
                label: host.name.clone(),
                class: map_class(&host_states(world, &host.name)),
            });
        }
        col_y[col] = y + h + 10;
    }
    let height = col_y.iter().copied().max().unwrap_or(10);
    NetworkMap {
        width: 10 + COLS * (BOX_W + 10),
        height,
        boxes,
        chips,
    }
}

async fn workspace_page(
    state: &AppState,
    ctx: &Ctx,
    exercise_id: i64,
    team_id: Option<i64>,
    status: StatusCode,
    notice: Option<Notice>,
) -> AppResult<Response> {
    let e = exercise(state, exercise_id).await?;
    let team = team_for(state, ctx, exercise_id, team_id).await?;
    let sim_now = e.sim_now(state.clock.now());
    let course = Course::parse(&e.course).unwrap_or(Course::A);
    // Read before taking the team's lock, which actions wait for.
    let stored = state.store.team_actions(team.id).await?;
    let messages = state.store.team_messages(team.id).await?;
    let world = state.ranges.lock(&state.store, &e, &team, sim_now).await?;
    let env = world.env();
    let sc = &env.scenario;
    let inbox = inbox(&e, &world, &stored, &messages);
    let hosts = env
        .hosts
        .iter()
        .filter(|h| !matches!(h.kind, kasumi_range::world::HostKind::External))
        .map(|h| HostRow {
            name: h.name.clone(),
            ip: kasumi_range::net::ip_string(h.ip),
            kind: match h.kind {
                kasumi_range::world::HostKind::Server(role) => role.name().to_string(),
                _ => "terminal".to_string(),
            },
            states: host_states(&world, &h.name),
        })
        .collect();
    // Every report of a file the team collected, newest first.
    let analyses = stored
        .iter()
        .rev()
        .filter_map(|a| {
            let v: serde_json::Value = serde_json::from_str(&a.result).ok()?;
            serde_json::from_value(v.get("analysis")?.clone()).ok()
        })
        .collect();
    let timeline = stored
        .iter()
        .rev()
        .map(|a| TimelineRow {
            at: format_tokyo(a.sim_at),
            who: a.login.clone(),
            what: a.action.clone(),
            result: result_message(&a.result),
        })
        .collect();
    let score = world.score(world.actions(), course);
    let objectives = score
        .objectives
        .iter()
        .map(|o| ObjectiveRow {
            title: sc
                .objectives
                .iter()
                .find(|x| x.id == o.id)
                .map(|x| x.title.clone())
                .unwrap_or_else(|| o.id.clone()),
            achieved: o.achieved,
            earned: format!("{:.0} / {:.0}", o.earned, o.points),
        })
        .collect();
    let taken: Vec<&str> = world
        .actions()
        .iter()
        .filter_map(|r| match &r.action {
            Action::TakeHint { id } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let hints = sc
        .hints
        .iter()
        .map(|h| HintRow {
            id: h.id.clone(),
            cost: h.cost,
            text: taken.contains(&h.id.as_str()).then(|| h.text.clone()),
        })
        .collect();
    let rules = world
        .actions()
        .iter()
        .filter_map(|r| match &r.action {
            Action::Block { device, rule } => Some(RuleRow {
                at: format_tokyo(r.at),
                device: match device {
                    Device::Proxy => "ws-device-proxy",
                    Device::Firewall => "ws-device-firewall",
                },
                rule: rule.clone(),
            }),
            _ => None,
        })
        .collect();
    let steps = guided_steps(&world, &score, !inbox.is_empty());
    let base_url = match team_id {
        Some(t) => format!("/exercises/{exercise_id}/teams/{t}"),
        None => format!("/exercises/{exercise_id}/team"),
    };
    let action_url = format!("{base_url}/actions");
    let live_url = format!("{base_url}/live");
    let logs_url = format!("{base_url}/logs");
    let hosts_url = format!("{base_url}/hosts");
    let t = WorkspacePage {
        l: Layout::new(ctx, "ex-title"),
        notice,
        ex: row(ctx, &e),
        action_url,
        live_url,
        logs_url,
        hosts_url,
        message_count: inbox.len(),
        clock: format_tokyo(sim_now.min(env.end)),
        running: e.state == ExerciseState::Running,
        state_text: ctx.tr.t(state_key(e.state)),
        organisation: sc.organisation.clone(),
        can_block: course != Course::A,
        guided: course == Course::A,
        steps,
        rules,
        inbox,
        hosts,
        timeline,
        objectives,
        hints,
        score: ctx.tr.ta(
            "ws-score-line",
            &[
                ("total", format!("{:.0}", score.total)),
                ("max", format!("{:.0}", score.max)),
            ],
        ),
        analyses,
        debrief: (e.state == ExerciseState::Finished).then(|| debrief(ctx, &world, &score)),
        map: network_map(&world),
    };
    drop(world);
    page(status, &t)
}

pub async fn my_team(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    workspace_page(&state, &ctx, id, None, StatusCode::OK, None).await
}

pub async fn staff_team(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids((id, team)): Ids<(i64, i64)>,
) -> AppResult<Response> {
    workspace_page(&state, &ctx, id, Some(team), StatusCode::OK, None).await
}

#[derive(Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    image: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    device: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    hint: String,
    #[serde(default)]
    infected_hosts: String,
    #[serde(default)]
    first_host: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    c2: String,
    #[serde(default)]
    leaked_file: String,
    #[serde(default)]
    records: String,
}

/// The range action a form describes; a missing field is named in the reader's language.
fn action_from(ctx: &Ctx, f: &ActionForm, course_a: bool) -> AppResult<Action> {
    let need = |v: &str, field: &str| -> AppResult<String> {
        if v.trim().is_empty() {
            Err(AppError::Invalid {
                key: "ws-required",
                args: vec![("field", ctx.tr.t(field))],
            })
        } else {
            Ok(v.trim().to_string())
        }
    };
    Ok(match f.kind.as_str() {
        "isolate_host" => Action::IsolateHost {
            host: need(&f.host, "ws-action-host")?,
        },
        "kill_process" => Action::KillProcess {
            host: need(&f.host, "ws-action-host")?,
            image: need(&f.image, "ws-action-image")?,
        },
        "quarantine_file" => Action::QuarantineFile {
            host: need(&f.host, "ws-action-host")?,
            path: need(&f.path, "ws-action-path")?,
        },
        "collect_file" => Action::CollectFile {
            host: need(&f.host, "ws-action-host")?,
            path: need(&f.path, "ws-action-path")?,
        },
        "preserve_evidence" => Action::PreserveEvidence {
            host: need(&f.host, "ws-action-host")?,
        },
        "power_off" => Action::PowerOff {
            host: need(&f.host, "ws-action-host")?,
        },
        "disable_account" => Action::DisableAccount {
            account: need(&f.account, "ws-action-account")?,
        },
        "reset_password" => Action::ResetPassword {
            account: need(&f.account, "ws-action-account")?,
        },
        "block" if course_a => return Err(AppError::Forbidden),
        "block" => Action::Block {
            device: match f.device.as_str() {
                "firewall" => Device::Firewall,
                _ => Device::Proxy,
            },
            rule: need(&f.rule, "ws-action-rule")?,
        },
        "warn_staff" => Action::WarnStaff {
            message: need(&f.message, "ws-action-message")?,
        },
        "escalate" => Action::Escalate {
            to: match f.to.as_str() {
                "section_chief" => Recipient::SectionChief,
                "vendor" => Recipient::Vendor,
                "police" => Recipient::Police,
                "ppc" => Recipient::Ppc,
                _ => Recipient::Ciso,
            },
            message: need(&f.message, "ws-action-message")?,
        },
        "ask_vendor" => Action::AskVendor {
            question: need(&f.message, "ws-action-message")?,
        },
        "take_hint" => Action::TakeHint {
            id: need(&f.hint, "ws-hints")?,
        },
        "report_leak" => Action::ReportLeak {
            report: LeakReport {
                infected_hosts: split_list(&need(&f.infected_hosts, "ws-report-hosts")?),
                first_host: need(&f.first_host, "ws-report-first")?,
                cause: need(&f.cause, "ws-report-cause")?,
                c2: split_list(&need(&f.c2, "ws-report-c2")?),
                leaked_file: need(&f.leaked_file, "ws-report-file")?,
                records: need(&f.records, "ws-report-records")?
                    .parse()
                    .map_err(|_| AppError::Invalid {
                        key: "ex-invalid-number",
                        args: vec![("field", ctx.tr.t("ws-report-records"))],
                    })?,
            },
        },
        _ => return Err(AppError::invalid("ws-unknown-kind")),
    })
}

async fn act(
    state: &AppState,
    ctx: &Ctx,
    exercise_id: i64,
    team_id: Option<i64>,
    f: ActionForm,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    let e = exercise(state, exercise_id).await?;
    let team = team_for(state, ctx, exercise_id, team_id).await?;
    let refuse = async |status: StatusCode, msg: String| {
        workspace_page(
            state,
            ctx,
            exercise_id,
            team_id,
            status,
            Some(Notice::error(msg)),
        )
        .await
    };
    if e.state != ExerciseState::Running {
        let msg = ctx
            .tr
            .ta("ws-not-running", &[("state", ctx.tr.t(state_key(e.state)))]);
        return refuse(StatusCode::CONFLICT, msg).await;
    }
    let action = match action_from(ctx, &f, e.course == "A") {
        Ok(a) => a,
        Err(err) if !err.status().is_server_error() => {
            return refuse(err.status(), err.message(&ctx.tr)).await;
        }
        Err(err) => return Err(err),
    };
    let sim_now = e.sim_now(state.clock.now());
    let mut world = state
        .ranges
        .lock_fresh(&state.store, &e, &team, sim_now)
        .await?;
    let at = world.now();
    let outcome = match world.apply(action.clone(), at) {
        Ok(o) => o,
        Err(reason) => {
            drop(world);
            let msg = ctx.tr.ta("ws-refused", &[("reason", reason.to_string())]);
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, msg).await;
        }
    };
    let action_json = serde_json::to_string(&action).map_err(|e| AppError::Internal(e.into()))?;
    let result_json = serde_json::to_string(&outcome).map_err(|e| AppError::Internal(e.into()))?;
    let recorded = state
        .store
        .record_team_action(
            &Actor::user(user.id, &user.login),
            state.clock.now(),
            team.id,
            at,
            &action_json,
            &result_json,
        )
        .await;
    if let Err(err) = recorded {
        // The world took the action but the record did not: drop the world
        // under the same lock, so no other action sees the unrecorded one.
        world.discard();
        return Err(err.into());
    }
    drop(world);
    let msg = ctx
        .tr
        .ta("ws-done", &[("message", outcome.message.clone())]);
    workspace_page(
        state,
        ctx,
        exercise_id,
        team_id,
        StatusCode::OK,
        Some(Notice::info(msg)),
    )
    .await
}

pub async fn my_action(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    Form(f): Form<ActionForm>,
) -> AppResult<Response> {
    act(&state, &ctx, id, None, f).await
}

pub async fn staff_action(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids((id, team)): Ids<(i64, i64)>,
    Form(f): Form<ActionForm>,
) -> AppResult<Response> {
    act(&state, &ctx, id, Some(team), f).await
}

// ---- all teams side by side, for the instructor ----

pub struct DebriefColumn {
    pub team: String,
    pub total: String,
    pub cells: Vec<String>,
    pub penalties: String,
    pub leaked: bool,
}

#[derive(Template)]
#[template(path = "exercise_debrief.html")]
pub struct DebriefPage {
    l: Layout,
    ex: ExerciseRow,
    ex_id: i64,
    objectives: Vec<String>,
    columns: Vec<DebriefColumn>,
}

pub async fn debrief_all(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    ctx.require_role(STAFF)?;
    let e = exercise(&state, id).await?;
    let sim_now = e.sim_now(state.clock.now());
    let course = Course::parse(&e.course).unwrap_or(Course::A);
    let mut objectives = Vec::new();
    let mut columns = Vec::new();
    for team in state.store.teams(id).await? {
        let world = state.ranges.lock(&state.store, &e, &team, sim_now).await?;
        let score = world.score(world.actions(), course);
        if objectives.is_empty() {
            objectives = score
                .objectives
                .iter()
                .map(|o| objective_title(&world.env().scenario, &o.id))
                .collect();
        }
        columns.push(DebriefColumn {
            team: format!("{} {}", team.number, team.name),
            total: format!("{:.0} / {:.0}", score.total, score.max),
            cells: score
                .objectives
                .iter()
                .map(|o| format!("{:.0}", o.earned))
                .collect(),
            penalties: debrief(&ctx, &world, &score).penalties,
            leaked: score.leaked,
        });
    }
    let t = DebriefPage {
        l: Layout::new(&ctx, "ex-debrief"),
        ex: row(&ctx, &e),
        ex_id: id,
        objectives,
        columns,
    };
    page(StatusCode::OK, &t)
}

// ---- live updates ----

/// Server-sent events for a team's page: the clock, the state, the score and
/// the number of messages, every two seconds. The score is recomputed only
/// when the team's record grows.
async fn live(
    state: AppState,
    ctx: Ctx,
    exercise_id: i64,
    team_id: Option<i64>,
) -> AppResult<Response> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let team = team_for(&state, &ctx, exercise_id, team_id).await?;
    exercise(&state, exercise_id).await?;
    let tick = tokio::time::interval(std::time::Duration::from_secs(2));
    let stream = futures_util::stream::unfold(
        (state, team, tick, None::<(usize, String)>),
        move |(state, team, mut tick, cached)| async move {
            tick.tick().await;
            let e = state.store.exercise(exercise_id).await.ok()??;
            let sim_now = e.sim_now(state.clock.now());
            let course = Course::parse(&e.course).unwrap_or(Course::A);
            // Read before taking the team's lock, which actions wait for.
            let notes = state.store.team_messages(team.id).await.ok()?.len();
            let world = state
                .ranges
                .lock(&state.store, &e, &team, sim_now)
                .await
                .ok()?;
            let actions = world.actions().len();
            let score = match cached {
                Some((n, s)) if n == actions => s,
                _ => {
                    let s = world.score(world.actions(), course);
                    format!("{:.0} / {:.0}", s.total, s.max)
                }
            };
            let messages = inbox_count(&e, &world, notes);
            let clock = format_tokyo(sim_now.min(world.env().end));
            drop(world);
            let data = serde_json::json!({
                "clock": clock, "state": e.state.code(), "score": score, "messages": messages, "actions": actions,
            });
            let event = Event::default().event("update").data(data.to_string());
            Some((
                Ok::<_, std::convert::Infallible>(event),
                (state, team, tick, Some((actions, score))),
            ))
        },
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

pub async fn my_live(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
) -> AppResult<Response> {
    live(state, ctx, id, None).await
}

pub async fn staff_live(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids((id, team)): Ids<(i64, i64)>,
) -> AppResult<Response> {
    live(state, ctx, id, Some(team)).await
}

// ---- log search ----

const PAGE_SIZE: usize = 50;

#[derive(Default, Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<usize>,
    #[serde(default)]
    sort: String,
}

pub struct LogRow {
    pub time: String,
    pub source: String,
    pub host: String,
    pub line: String,
}

/// One bar of the histogram, in SVG units.
pub struct Bar {
    pub x: usize,
    pub height: usize,
    pub title: String,
}

#[derive(Template)]
#[template(path = "logs.html")]
pub struct LogsPage {
    l: Layout,
    ex: ExerciseRow,
    base_url: String,
    q: String,
    sort_old: bool,
    error: Option<String>,
    /// The query split around the error position, to point at it.
    error_at: Option<(String, String, String)>,
    total: String,
    rows: Vec<LogRow>,
    bars: Vec<Bar>,
    agg: Vec<(String, usize)>,
    page: usize,
    pages: usize,
    page_text: String,
    csv_url: String,
}

fn log_sort(sort: &str) -> kasumi_logsearch::Sort {
    if sort == "asc" {
        kasumi_logsearch::Sort::TimeAsc
    } else {
        kasumi_logsearch::Sort::TimeDesc
    }
}

async fn logs(
    state: AppState,
    ctx: Ctx,
    exercise_id: i64,
    team_id: Option<i64>,
    lq: LogQuery,
) -> AppResult<Response> {
    let e = exercise(&state, exercise_id).await?;
    let team = team_for(&state, &ctx, exercise_id, team_id).await?;
    let sim_now = e.sim_now(state.clock.now());
    let world = state.ranges.lock(&state.store, &e, &team, sim_now).await?;
    let base_url = match team_id {
        Some(t) => format!("/exercises/{exercise_id}/teams/{t}"),
        None => format!("/exercises/{exercise_id}/team"),
    };
    let q = lq.q.trim().to_string();
    let page_no = lq.page.unwrap_or(1).max(1);
    let mut opts = kasumi_logsearch::SearchOptions::new(world.now());
    opts.offset = (page_no - 1) * PAGE_SIZE;
    opts.limit = PAGE_SIZE;
    opts.sort = log_sort(&lq.sort);
    let query = if q.is_empty() {
        "*".to_string()
    } else {
        q.clone()
    };
    let mut t = LogsPage {
        l: Layout::new(&ctx, "logs-title"),
        ex: row(&ctx, &e),
        csv_url: format!(
            "{base_url}/logs.csv?{}",
            serde_urlencoded::to_string([("q", &q), ("sort", &lq.sort)]).unwrap_or_default()
        ),
        base_url,
        q: q.clone(),
        sort_old: lq.sort == "asc",
        error: None,
        error_at: None,
        total: String::new(),
        rows: Vec::new(),
        bars: Vec::new(),
        agg: Vec::new(),
        page: page_no,
        pages: 1,
        page_text: String::new(),
    };
    let status = match kasumi_logsearch::parse(&query) {
        Err(err) => {
            let message = match ctx.tr.lang {
                kasumi_core::Lang::Ja => err.message_ja(),
                kasumi_core::Lang::En => err.message_en(),
            };
            t.error = Some(ctx.tr.ta(
                "logs-error",
                &[
                    ("position", (err.position + 1).to_string()),
                    ("message", message),
                ],
            ));
            let chars: Vec<char> = q.chars().collect();
            let at = err.position.min(chars.len());
            let end = (at + 1).min(chars.len());
            t.error_at = Some((
                chars[..at].iter().collect(),
                chars[at..end].iter().collect(),
                chars[end..].iter().collect(),
            ));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Ok(parsed) => {
            let index = world.index();
            let r = index.search(&parsed, &opts);
            t.total = ctx.tr.ta("logs-total", &[("total", r.total.to_string())]);
            t.pages = r.total.div_ceil(PAGE_SIZE).max(1);
            t.rows = r
                .hits
                .iter()
                .map(|h| LogRow {
                    time: format_tokyo(h.time),
                    source: h.source.to_string(),
                    host: h.host.to_string(),
                    line: h.line.to_string(),
                })
                .collect();
            if let Some(hist) = &r.histogram {
                let max = hist.counts.iter().copied().max().unwrap_or(1).max(1);
                let width = 600 / hist.counts.len().max(1);
                t.bars = hist
                    .counts
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Bar {
                        x: i * width,
                        height: (c * 60).div_ceil(max),
                        title: format!(
                            "{} {c}",
                            format_tokyo(hist.start + i as i64 * hist.bucket_micros)
                        ),
                    })
                    .collect();
            }
            if let Some(a) = &r.aggregation {
                t.agg = a
                    .rows
                    .iter()
                    .map(|row| (row.value.clone(), row.count))
                    .collect();
            }
            StatusCode::OK
        }
    };
    t.page_text = ctx.tr.ta(
        "logs-page",
        &[("page", t.page.to_string()), ("pages", t.pages.to_string())],
    );
    drop(world);
    page(status, &t)
}

async fn logs_csv(
    state: AppState,
    ctx: Ctx,
    exercise_id: i64,
    team_id: Option<i64>,
    lq: LogQuery,
) -> AppResult<Response> {
    let e = exercise(&state, exercise_id).await?;
    let team = team_for(&state, &ctx, exercise_id, team_id).await?;
    let world = state
        .ranges
        .lock(&state.store, &e, &team, e.sim_now(state.clock.now()))
        .await?;
    let q = if lq.q.trim().is_empty() {
        "*".to_string()
    } else {
        lq.q.trim().to_string()
    };
    let parsed = kasumi_logsearch::parse(&q).map_err(|err| AppError::Invalid {
        key: "logs-error",
        args: vec![
            ("position", (err.position + 1).to_string()),
            (
                "message",
                if ctx.tr.lang == kasumi_core::Lang::Ja {
                    err.message_ja()
                } else {
                    err.message_en()
                },
            ),
        ],
    })?;
    let csv = world
        .index()
        .csv_all(&parsed, world.now(), &log_sort(&lq.sort));
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"kasumi-logs.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

pub async fn my_logs(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    axum::extract::Query(q): axum::extract::Query<LogQuery>,
) -> AppResult<Response> {
    logs(state, ctx, id, None, q).await
}

pub async fn staff_logs(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids((id, team)): Ids<(i64, i64)>,
    axum::extract::Query(q): axum::extract::Query<LogQuery>,
) -> AppResult<Response> {
    logs(state, ctx, id, Some(team), q).await
}

pub async fn my_logs_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids(id): Ids<i64>,
    axum::extract::Query(q): axum::extract::Query<LogQuery>,
) -> AppResult<Response> {
    logs_csv(state, ctx, id, None, q).await
}

pub async fn staff_logs_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids((id, team)): Ids<(i64, i64)>,
    axum::extract::Query(q): axum::extract::Query<LogQuery>,
) -> AppResult<Response> {
    logs_csv(state, ctx, id, Some(team), q).await
}
