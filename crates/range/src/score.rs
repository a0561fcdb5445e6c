//! Ground truth and scoring. Scores are computed only from recorded actions:
//! [`World::score`] replays them on the attacker state saved at exercise
//! start, so the same actions always give the same score.

use serde::Serialize;

use crate::action::{Action, Recipient, Recorded};
use crate::event::HostId;
use crate::net::ip_string;
use crate::scenario::{Course, ObjectiveKind, StepKind};
use crate::sim::{Contact, Leak, Sim};
use crate::time::{MIN, Micros, iso};
use crate::world::{Env, World};

/// One infected host in the ground truth.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InfectedHost {
    pub name: String,
    pub ip: String,
    pub since: String,
    pub since_micros: Micros,
    pub implant: String,
    pub user: String,
}

/// How the attacker got in.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cause {
    /// `mail`, `usb` or `web`.
    pub kind: String,
    pub detail: String,
    pub file: String,
    pub sha256: String,
    pub at: String,
}

/// One C2 server.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct C2Truth {
    pub domain: String,
    pub ip: String,
    /// Contacted at least once (successfully or not).
    pub used: bool,
}

/// What really happened (`ground-truth.json`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroundTruth {
    pub scenario: String,
    pub seed: u64,
    pub team: u32,
    pub start: String,
    pub now: String,
    pub infected_hosts: Vec<InfectedHost>,
    pub first_infected: Option<InfectedHost>,
    pub cause: Option<Cause>,
    pub c2: Vec<C2Truth>,
    pub operator_addresses: Vec<String>,
    pub stolen_accounts: Vec<String>,
    pub leaked_file: Option<String>,
    pub records: Option<u64>,
    pub staging_archive: String,
    pub collected_at: Option<String>,
    pub exfiltration: Option<Leak>,
    pub exfiltration_blocked_at: Option<String>,
    pub alert_at: Option<String>,
    pub contacts: Vec<Contact>,
    pub timeline: Vec<(String, String)>,
}

/// Score of one objective.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ObjectiveScore {
    pub id: String,
    pub kind: ObjectiveKind,
    pub achieved: bool,
    pub at: Option<Micros>,
    pub factor: f64,
    pub weight: f64,
    pub points: f64,
    pub earned: f64,
    pub note: String,
}

/// The grade of a team.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Score {
    pub course: Course,
    pub total: f64,
    pub max: f64,
    pub objectives: Vec<ObjectiveScore>,
    pub hint_penalty: f64,
    /// Background events disrupted by the team's actions.
    pub impact: u64,
    pub impact_penalty: f64,
    pub order_mistakes: Vec<String>,
    pub order_penalty: f64,
    /// Actions that were refused during replay (index, reason).
    pub refused: Vec<(usize, String)>,
    pub leaked: bool,
}

fn truth_of(env: &Env, sim: &Sim, now: Micros) -> GroundTruth {
    let v = &env.variant;
    let inf: Vec<InfectedHost> = sim
        .infections
        .iter()
        .map(|i| InfectedHost {
            name: env.host(i.host).name.clone(),
            ip: ip_string(env.host(i.host).ip),
            since: iso(i.since),
            since_micros: i.since,
            implant: i.image.clone(),
            user: env
                .accounts
                .iter()
                .find(|a| a.sym == i.user)
                .map(|a| a.login.clone())
                .unwrap_or_else(|| {
                    if i.web {
                        "www-data".into()
                    } else {
                        "SYSTEM".into()
                    }
                }),
        })
        .collect();
    let cause = sim.infections.first().map(|i| {
        let step = &env.scenario.steps[i.step];
        match &step.kind {
            StepKind::Execute { delivery } => {
                let (victim, at) = sim.delivered[*delivery].unwrap_or((0, i.since));
                match &env.scenario.steps[*delivery].kind {
                    StepKind::PhishingMail { subject, .. } => {
                        let subject = crate::scenario::mail_subject(subject, &v.payload);
                        Cause {
                            kind: "mail".into(),
                            detail: format!(
                                "標的型メール「{subject}」 from {} to {}",
                                v.sender, env.staff[victim].login
                            ),
                            file: v.zip.clone(),
                            sha256: v.zip_sha256.clone(),
                            at: iso(at),
                        }
                    }
                    StepKind::UsbDrop { supplier, .. } => Cause {
                        kind: "usb".into(),
                        detail: format!(
                            "USB メモリ ({supplier}) 上の {} を {} が実行",
                            v.payload, env.staff[victim].login
                        ),
                        file: v.payload.clone(),
                        sha256: v.payload_sha256.clone(),
                        at: iso(at),
                    },
                    _ => unreachable!("validated: execute follows a delivery"),
                }
            }
            StepKind::WebExploit { path, .. } => Cause {
                kind: "web".into(),
                detail: format!(
                    "CMS の脆弱なアップロード機能 {path} から Web シェル {} を設置",
                    v.webshell
                ),
                file: v.webshell.clone(),
                sha256: crate::world::variant_hash(env.seed, env.team, "webshell"),
                at: iso(i.since),
            },
            _ => Cause {
                kind: "other".into(),
                detail: String::new(),
                file: String::new(),
                sha256: String::new(),
                at: iso(i.since),
            },
        }
    });
    GroundTruth {
        scenario: env.scenario.id.clone(),
        seed: env.seed,
        team: env.team,
        start: iso(env.start),
        now: iso(now),
        first_infected: inf.first().cloned(),
        infected_hosts: inf,
        cause,
        c2: v
            .c2
            .iter()
            .map(|c| C2Truth {
                domain: c.domain.clone(),
                ip: ip_string(c.ip),
                used: sim.contacts.iter().any(|x| x.via == c.domain),
            })
            .collect(),
        operator_addresses: v.operators.iter().map(|o| ip_string(*o)).collect(),
        stolen_accounts: sim
            .stolen
            .iter()
            .map(|a| env.accounts[*a].login.clone())
            .collect(),
        leaked_file: sim.staged.as_ref().map(|s| s.0.clone()),
        records: sim.staged.as_ref().map(|s| s.1),
        staging_archive: v.archive.clone(),
        collected_at: sim.staged.as_ref().map(|s| iso(s.2)),
        exfiltration: sim.leak.clone(),
        exfiltration_blocked_at: sim.exfil_blocked.map(iso),
        alert_at: sim.alert.as_ref().map(|a| iso(a.0)),
        contacts: sim.contacts.clone(),
        timeline: sim
            .timeline
            .iter()
            .map(|(t, s)| (iso(*t), s.clone()))
            .collect(),
    }
}

impl World {
    /// What has really happened so far (up to `now`).
    pub fn ground_truth(&self) -> GroundTruth {
        truth_of(&self.env, &self.sim, self.now)
    }

    /// The retrospective: the attacker's real path and the team's actions on
    /// one timeline (time, `"attacker"` or `"team"`, description).
    pub fn retrospective(&self) -> Vec<(Micros, &'static str, String)> {
        let mut out: Vec<(Micros, &'static str, String)> = self
            .sim
            .timeline
            .iter()
            .map(|(t, s)| (*t, "attacker", s.clone()))
            .collect();
        for r in &self.actions {
            let text = serde_json::to_string(&r.action).unwrap_or_default();
            out.push((r.at, "team", text));
        }
        out.sort_by_key(|x| x.0);
        out
    }

    /// Ground truth at the end of the exercise if nobody defends.
    pub fn ground_truth_undefended(&self) -> GroundTruth {
        let mut sim = self.sim_at_start.clone();
        let mut names = self.names.clone();
        let mut scratch = Vec::new();
        sim.run_until(&self.env, &mut names, &mut scratch, self.env.end);
        truth_of(&self.env, &sim, self.env.end)
    }

    /// The team's score for the actions accepted so far, played to the end.
    pub fn score_current(&self, course: Course) -> Score {
        self.score(&self.actions, course)
    }

    /// Replay `actions` (sorted by time) from the exercise start to its end and
    /// grade them for `course`. Refused actions are listed and ignored. Pure:
    /// the world itself is not changed.
    pub fn score(&self, actions: &[Recorded], course: Course) -> Score {
        let env = &self.env;
        let mut sim = self.sim_at_start.clone();
        let mut names = self.names.clone();
        let mut scratch = Vec::new();
        let mut refused = Vec::new();
        let mut last = env.start;
        let mut containment: Vec<Micros> = Vec::new();
        for (i, r) in actions.iter().enumerate() {
            if r.at < last || r.at > env.end {
                refused.push((
                    i,
                    format!("time {} out of order or outside the exercise", r.at),
                ));
                continue;
            }
            sim.run_until(env, &mut names, &mut scratch, r.at);
            last = r.at;
            match sim.apply(env, &mut names, &mut scratch, &[], &r.action, r.at) {
                Ok(_) => {
                    if matches!(
                        r.action,
                        Action::Block { .. }
                            | Action::IsolateHost { .. }
                            | Action::KillProcess { .. }
                            | Action::QuarantineFile { .. }
                            | Action::PowerOff { .. }
                    ) {
                        containment.push(r.at);
                    }
                }
                Err(e) => refused.push((i, e.to_string())),
            }
            scratch.clear();
        }
        sim.run_until(env, &mut names, &mut scratch, env.end);
        let impact = sim.impact(env, &names, &self.background);
        grade(env, &sim, &containment, impact, course, refused)
    }
}

fn grade(
    env: &Env,
    sim: &Sim,
    containment: &[Micros],
    impact: u64,
    course: Course,
    refused: Vec<(usize, String)>,
) -> Score {
    let sc = &env.scenario;
    let first = sim.infections.first().map(|i| i.host);
    let weights = sc.rubric.get(&course);
    let mut objectives = Vec::new();
    let mut max = 0.0;
    let mut sum = 0.0;
    for (oi, o) in sc.objectives.iter().enumerate() {
        let weight = weights.and_then(|w| w.get(&oi)).copied().unwrap_or(1.0);
        let points = o.points as f64 * weight;
        max += points;
        let (at, fraction, note): (Option<Micros>, f64, String) = match o.kind {
            ObjectiveKind::ContainC2 => {
                let ok_after = |ta: Micros| sim.contacts.iter().any(|c| c.ok && c.t > ta);
                match containment.iter().find(|&&ta| !ok_after(ta)) {
                    Some(&ta) if !sim.infections.is_empty() => (
                        Some(ta),
                        1.0,
                        "no successful C2 contact after this action".into(),
                    ),
                    _ => (
                        None,
                        0.0,
                        "the attacker still reached its infrastructure".into(),
                    ),
                }
            }
            ObjectiveKind::PreventLeak => match &sim.leak {
                None => (Some(env.start), 1.0, "no data left the organisation".into()),
                Some(l) => (None, 0.0, format!("{} left via {}", l.file, l.via)),
            },
            ObjectiveKind::IsolateInfected => {
                let mut latest = Some(env.start);
                for i in &sim.infections {
                    let t = sim
                        .isolated
                        .iter()
                        .chain(sim.powered_off.iter())
                        .filter(|(h, _, _)| *h == i.host)
                        .map(|x| x.2)
                        .min();
                    latest = match (latest, t) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                }
                let n = sim.infections.len();
                (
                    latest,
                    if latest.is_some() { 1.0 } else { 0.0 },
                    format!("{n} infected host(s)"),
                )
            }
            ObjectiveKind::IdentifyFirstHost => {
                let hit = sim
                    .reports
                    .iter()
                    .find(|(r, _)| first.is_some() && env.find_host(&r.first_host) == first);
                (
                    hit.map(|x| x.1),
                    if hit.is_some() { 1.0 } else { 0.0 },
                    String::new(),
                )
            }
            ObjectiveKind::ReportLeak => match sim.reports.last() {
                Some((r, t)) => {
                    let (f, note) = report_fraction(env, sim, r);
                    (Some(*t), f, note)
                }
                None => (None, 0.0, "no leak report filed".into()),
            },
            ObjectiveKind::WarnStaff => (
                sim.warned,
                if sim.warned.is_some() { 1.0 } else { 0.0 },
                String::new(),
            ),
            ObjectiveKind::Escalate => {
                let t = sim
                    .escalations
                    .iter()
                    .find(|(r, _)| *r == Recipient::Ciso)
                    .map(|x| x.1);
                (t, if t.is_some() { 1.0 } else { 0.0 }, String::new())
            }
            ObjectiveKind::PreserveEvidence => {
                let t =
                    first.and_then(|h| sim.preserved.iter().find(|(x, _)| *x == h).map(|x| x.1));
                let off_first = first.and_then(|h| {
                    sim.powered_off
                        .iter()
                        .find(|(x, _, _)| *x == h)
                        .map(|x| x.2)
                });
                match (t, off_first) {
                    (Some(p), Some(o)) if o < p => {
                        (None, 0.0, "powered off before preserving".into())
                    }
                    (Some(p), _) => (Some(p), 1.0, String::new()),
                    _ => (None, 0.0, "first infected host not preserved".into()),
                }
            }
            ObjectiveKind::AnalyseFile => {
                let t = sim.analysed.first().map(|x| x.2);
                (t, if t.is_some() { 1.0 } else { 0.0 }, String::new())
            }
            ObjectiveKind::DisableStolenAccounts => {
                if sim.stolen.is_empty() {
                    (Some(env.start), 1.0, "no account was stolen".into())
                } else {
                    let since = sim.stolen_at.unwrap_or(env.start);
                    let mut latest = Some(env.start);
                    for a in &sim.stolen {
                        let t = sim
                            .disabled
                            .iter()
                            .map(|x| (x.0, x.1))
                            .chain(
                                sim.reset
                                    .iter()
                                    .filter(|x| x.1 >= since)
                                    .map(|x| (x.0, x.1)),
                            )
                            .filter(|x| x.0 == *a)
                            .map(|x| x.1)
                            .min();
                        latest = match (latest, t) {
                            (Some(x), Some(y)) => Some(x.max(y)),
                            _ => None,
                        };
                    }
                    (
                        latest,
                        if latest.is_some() { 1.0 } else { 0.0 },
                        String::new(),
                    )
                }
            }
        };
        let factor = match at {
            Some(t) => time_factor(env, o.deadline_minutes, o.late_factor, t),
            None => 0.0,
        };
        let earned = points * fraction * factor;
        sum += earned;
        objectives.push(ObjectiveScore {
            id: o.id.clone(),
            kind: o.kind,
            achieved: fraction > 0.0 && at.is_some(),
            at,
            factor,
            weight,
            points,
            earned,
            note,
        });
    }
    let hint_penalty: f64 = sim.hints.iter().map(|h| h.1 as f64).sum();
    let impact_penalty = (sc.impact_penalty * impact as f64 / 100.0).min(max * 0.3);
    let order_mistakes: Vec<String> = sim
        .order_mistakes
        .iter()
        .map(|(t, s)| format!("{}: {s}", iso(*t)))
        .collect();
    let order_penalty = 5.0 * order_mistakes.len() as f64;
    let total = (sum - hint_penalty - impact_penalty - order_penalty).max(0.0);
    Score {
        course,
        total: (total * 100.0).round() / 100.0,
        max,
        objectives,
        hint_penalty,
        impact,
        impact_penalty,
        order_mistakes,
        order_penalty,
        refused,
        leaked: sim.leak.is_some(),
    }
}

fn time_factor(env: &Env, deadline_minutes: u32, late: f64, t: Micros) -> f64 {
    let deadline = env.start + deadline_minutes as i64 * MIN;
    if t <= deadline || env.end <= deadline {
        return 1.0;
    }
    let f = (t - deadline) as f64 / (env.end - deadline) as f64;
    1.0 - (1.0 - late) * f.min(1.0)
}

fn report_fraction(env: &Env, sim: &Sim, r: &crate::action::LeakReport) -> (f64, String) {
    let truth: Vec<HostId> = sim.infections.iter().map(|i| i.host).collect();
    let named: Vec<HostId> = r
        .infected_hosts
        .iter()
        .filter_map(|h| env.find_host(h))
        .collect();
    let inter = named.iter().filter(|h| truth.contains(h)).count() as f64;
    let union = (truth.len() + named.iter().filter(|h| !truth.contains(h)).count()) as f64;
    let hosts = if union == 0.0 { 1.0 } else { inter / union };
    let cause_truth = truth_of(env, sim, env.end)
        .cause
        .map(|c| c.kind)
        .unwrap_or_default();
    let cause = if r.cause.trim().eq_ignore_ascii_case(&cause_truth) {
        1.0
    } else {
        0.0
    };
    let used: Vec<String> = env
        .variant
        .c2
        .iter()
        .filter(|c| sim.contacts.iter().any(|x| x.via == c.domain))
        .map(|c| c.domain.clone())
        .chain(
            env.variant
                .operators
                .iter()
                .map(|o| ip_string(*o))
                .filter(|o| sim.contacts.iter().any(|x| &x.via == o)),
        )
        .collect();
    let c2 = if used.is_empty() {
        1.0
    } else {
        let hit = used
            .iter()
            .filter(|u| {
                r.c2.iter().any(|c| {
                    c.trim().eq_ignore_ascii_case(u)
                        || env
                            .variant
                            .c2
                            .iter()
                            .any(|x| &x.domain == *u && c.trim() == ip_string(x.ip))
                })
            })
            .count();
        hit as f64 / used.len() as f64
    };
    let (file, records) = match (&sim.leak, &sim.staged) {
        (Some(l), _) => (r.leaked_file.trim() == l.file, r.records == l.records),
        (None, Some(s)) => (
            r.leaked_file.trim().is_empty() || r.leaked_file.trim() == s.0,
            r.records == 0 || r.records == s.1,
        ),
        (None, None) => (r.leaked_file.trim().is_empty(), r.records == 0),
    };
    let parts = [
        hosts,
        cause,
        c2,
        if file { 1.0 } else { 0.0 },
        if records { 1.0 } else { 0.0 },
    ];
    let f = parts.iter().sum::<f64>() / parts.len() as f64;
    (
        f,
        format!("hosts {hosts:.2}, cause {cause}, c2 {c2:.2}, file {file}, records {records}"),
    )
}
