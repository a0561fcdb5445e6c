//! One host of a team's network as an investigator sees it: the processes it
//! started, its connections, the files written, who logged on, and its latest
//! log lines — all read from the host's own logs up to the exercise clock, so
//! the page never shows more than the evidence does.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kasumi_core::format_tokyo;
use kasumi_range::event::{Data, HostId};
use kasumi_range::{Event, World};

use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::exercise_pages::{ExerciseRow, exercise, host_states, row, team_for};
use crate::pages::{Layout, page};
use crate::path::Ids;

/// How many entries each table keeps (the newest).
const KEEP: usize = 50;
/// How many destinations the connection summary keeps (the latest seen).
const CONNECTIONS_KEPT: usize = 200;

pub struct ProcessRow {
    pub at: String,
    pub image: String,
    pub command_line: String,
    pub user: String,
    pub parent: String,
    pub sha256: String,
}

/// Connections to one destination, summarised: a beacon shows as one row
/// with many contacts at a regular pace rather than drowning the table.
pub struct ConnectionRow {
    pub via: &'static str,
    pub process: String,
    pub destination: String,
    pub count: usize,
    pub first: String,
    pub last: String,
    last_t: i64,
}

pub struct FileRow {
    pub at: String,
    pub process: String,
    pub path: String,
}

pub struct LogonRow {
    pub user: String,
    pub logon_type: u8,
    pub from: String,
    pub last: String,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "host.html")]
pub struct HostPage {
    l: Layout,
    ex: ExerciseRow,
    back_url: String,
    name: String,
    fqdn: String,
    ip: String,
    states: Vec<&'static str>,
    processes: Vec<ProcessRow>,
    connections: Vec<ConnectionRow>,
    files: Vec<FileRow>,
    logons: Vec<LogonRow>,
    recent: Vec<(String, String)>,
}

/// Keeps the newest `KEEP` rows, newest first.
fn newest<T>(mut rows: Vec<T>) -> Vec<T> {
    rows.reverse();
    rows.truncate(KEEP);
    rows
}

/// Everything the host's logs say about it, oldest first, then trimmed.
fn evidence(world: &World, h: HostId) -> HostEvidence {
    let names = world.names();
    let ip = world.env().host(h).ip;
    let mut ev = HostEvidence::default();
    let mut recent: Vec<&Event> = Vec::new();
    for e in world.events() {
        // The proxy sees the host's web traffic even when the host logs nothing itself.
        if let Data::Proxy {
            client, url, user, ..
        } = &e.data
            && *client == ip
        {
            let destination = kasumi_range::sim::url_host(names.get(*url)).to_string();
            ev.connect("proxy", names.get(*user), destination, e.t);
            continue;
        }
        if e.host != h {
            continue;
        }
        recent.push(e);
        match &e.data {
            Data::Sysmon {
                id,
                user,
                image,
                a,
                b,
                hash,
                ip: dst,
                port,
                ..
            } => match id {
                1 => ev.processes.push(ProcessRow {
                    at: format_tokyo(e.t),
                    image: names.get(*image).to_string(),
                    command_line: names.get(*a).to_string(),
                    user: names.get(*user).to_string(),
                    parent: names.get(*b).to_string(),
                    sha256: if names.get(*hash) == "-" {
                        String::new()
                    } else {
                        names.get(*hash).to_string()
                    },
                }),
                3 => {
                    let destination = format!(
                        "{}:{port} ({})",
                        kasumi_range::net::ip_string(*dst),
                        names.get(*a)
                    );
                    ev.connect("sysmon", names.get(*image), destination, e.t);
                }
                11 | 23 => ev.files.push(FileRow {
                    at: format_tokyo(e.t),
                    process: names.get(*image).to_string(),
                    path: names.get(*a).to_string(),
                }),
                _ => {}
            },
            Data::WinSec {
                id: 4624,
                user,
                ip: from,
                logon_type,
                ..
            } => {
                let user = names.get(*user).to_string();
                let from = if *from == 0 {
                    String::new()
                } else {
                    kasumi_range::net::ip_string(*from)
                };
                match ev
                    .logons
                    .iter_mut()
                    .find(|l| l.user == user && l.logon_type == *logon_type && l.from == from)
                {
                    Some(l) => {
                        l.last = format_tokyo(e.t);
                        l.count += 1;
                    }
                    None => ev.logons.push(LogonRow {
                        user,
                        logon_type: *logon_type,
                        from,
                        last: format_tokyo(e.t),
                        count: 1,
                    }),
                }
            }
            _ => {}
        }
    }
    ev.recent = recent
        .iter()
        .rev()
        .take(KEEP)
        .map(|e| (e.source.name().to_string(), world.line(e)))
        .collect();
    ev.processes = newest(ev.processes);
    ev.connections.sort_by_key(|c| std::cmp::Reverse(c.last_t));
    ev.connections.truncate(CONNECTIONS_KEPT);
    ev.files = newest(ev.files);
    ev.logons.sort_by_key(|l| std::cmp::Reverse(l.count));
    ev
}

impl HostEvidence {
    fn connect(&mut self, via: &'static str, process: &str, destination: String, t: i64) {
        match self
            .connections
            .iter_mut()
            .find(|c| c.via == via && c.destination == destination && c.process == process)
        {
            Some(c) => {
                c.count += 1;
                c.last = format_tokyo(t);
                c.last_t = t;
            }
            None => self.connections.push(ConnectionRow {
                via,
                process: process.to_string(),
                destination,
                count: 1,
                first: format_tokyo(t),
                last: format_tokyo(t),
                last_t: t,
            }),
        }
    }
}

#[derive(Default)]
struct HostEvidence {
    processes: Vec<ProcessRow>,
    connections: Vec<ConnectionRow>,
    files: Vec<FileRow>,
    logons: Vec<LogonRow>,
    recent: Vec<(String, String)>,
}

async fn host_page(
    state: &AppState,
    ctx: &Ctx,
    exercise_id: i64,
    team_id: Option<i64>,
    host: &str,
) -> AppResult<Response> {
    let e = exercise(state, exercise_id).await?;
    let team = team_for(state, ctx, exercise_id, team_id).await?;
    let world = state
        .ranges
        .lock(&state.store, &e, &team, e.sim_now(state.clock.now()))
        .await?;
    let env = world.env();
    let h = env
        .find_host(host)
        .filter(|h| !matches!(env.host(*h).kind, kasumi_range::world::HostKind::External))
        .ok_or_else(|| AppError::Missing {
            key: "host-unknown",
            args: vec![("host", host.to_string())],
        })?;
    // Walking the whole history takes milliseconds: off the async workers.
    let (world, ev) = tokio::task::spawn_blocking(move || {
        let ev = evidence(&world, h);
        (world, ev)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    let info = world.env().host(h);
    let back_url = match team_id {
        Some(t) => format!("/exercises/{exercise_id}/teams/{t}"),
        None => format!("/exercises/{exercise_id}/team"),
    };
    let t = HostPage {
        l: Layout::new(ctx, "host-title"),
        ex: row(ctx, &e),
        back_url,
        name: info.name.clone(),
        fqdn: info.fqdn.clone(),
        ip: kasumi_range::net::ip_string(info.ip),
        states: host_states(&world, &info.name),
        processes: ev.processes,
        connections: ev.connections,
        files: ev.files,
        logons: ev.logons,
        recent: ev.recent,
    };
    drop(world);
    page(StatusCode::OK, &t)
}

pub async fn my_host(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids((id, host)): Ids<(i64, String)>,
) -> AppResult<Response> {
    host_page(&state, &ctx, id, None, &host).await
}

pub async fn staff_host(
    State(state): State<AppState>,
    ctx: Ctx,
    Ids((id, team, host)): Ids<(i64, i64, String)>,
) -> AppResult<Response> {
    host_page(&state, &ctx, id, Some(team), &host).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use kasumi_range::Scenario;

    /// The first infected terminal's own logs show the implant starting, the file
    /// it dropped and its traffic; a clean terminal of the same world shows none of it.
    #[test]
    fn the_infected_terminal_shows_its_implant_and_a_clean_one_does_not() {
        let sc = Scenario::builtin("saida-city").unwrap();
        let start = 1_780_274_400_000_000;
        let mut w = World::provision(&sc, 9, 1, start, 3);
        w.advance_to(start + 30 * 60_000_000);
        let truth = w.ground_truth();
        let first = truth.first_infected.as_ref().unwrap();
        let h = w.env().find_host(&first.name).unwrap();
        let ev = evidence(&w, h);
        assert!(ev.processes.iter().any(|p| p.image == first.implant));
        assert!(ev.files.iter().any(|f| f.path == first.implant));
        let c2 = &truth.c2.iter().find(|c| c.used).unwrap().domain;
        assert!(
            ev.connections
                .iter()
                .any(|c| c.destination.contains(c2.as_str()))
        );
        assert!(ev.logons.iter().any(|l| l.user == first.user));
        assert!(ev.recent.len() <= KEEP && !ev.recent.is_empty());

        let infected: Vec<&str> = truth
            .infected_hosts
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        let clean = w
            .env()
            .hosts
            .iter()
            .find(|x| x.name.starts_with("PC-") && !infected.contains(&x.name.as_str()))
            .unwrap();
        let ev = evidence(&w, w.env().find_host(&clean.name).unwrap());
        assert!(!ev.processes.iter().any(|p| p.image == first.implant));
        assert!(
            !ev.connections
                .iter()
                .any(|c| c.destination.contains(c2.as_str()))
        );
    }
}
