//! The exercise console under load: 10 teams × 4 trainees work at once (team
//! page loads, log searches, occasional actions, one live SSE stream each)
//! against Kasumi served in this process on 127.0.0.1 over a fresh SQLite
//! database. Prints latency percentiles per kind and judges the target
//! (p99 < 100 ms for page loads and searches).
//!
//! `cargo bench -p kasumi-web --bench load`; `KASUMI_LOAD_SECS` sets the
//! measured duration (default 30 s).

use std::sync::Arc;
use std::time::{Duration, Instant};

use kasumi_core::{Clock, OrgKind, Role, SystemClock};
use kasumi_store::{Actor, NewOrg, NewUser, Target};
use kasumi_web::{AppConfig, AppState, password};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::cookie::{CookieStore, Jar};

const TEAMS: usize = 10;
const PER_TEAM: usize = 4;
const PASSWORD: &str = "load-bench-password-42";
const SCENARIO: &str = "saida-city";
const COURSE: &str = "B-1";
const SPEED: i64 = 60;
const HISTORY_DAYS: i64 = 3;
const EXERCISE_SEED: i64 = 42;
/// Seeds the trainees' think times and choices, so runs are comparable.
const LOAD_SEED: u64 = 20261202;
const TARGET_MS: f64 = 100.0;

/// What trainees type into the log search (docs/query-language.md). Values
/// are saida-city's (seed 42, team 1); other teams have other names, so some
/// queries find nothing there, as a wrong guess would.
const QUERIES: &[&str] = &[
    "",
    "source:proxy domain:*.biz",
    "source:proxy domain:data-jp.biz",
    "data-jp.biz",
    "ip:10.20.3.223",
    "user:sato.m",
    "dstip:198.51.100.0/24",
    "source:dns (data-jp.biz OR api-cloud.info OR jp-static.org)",
    "source:sysmon data-jp.biz | count by host",
    "EventID:4624 LogonType:3 | count by host",
    "user:adm-nakagaway EventID:4624 | count by host",
    "source:proxy domain:*.biz | top 5 client",
    "source:web status:>=400 | top 10 client",
    "time:[2026-06-17T11:20 TO 2026-06-17T11:40] source:proxy bytes:>=1000000",
    "time:2026-06-16 user:sato.m",
    "last:1h | count by source",
    "last:4h source:alert",
    "EventID:4625 | count",
    "host:fs01 EventID:5145",
    "\"住民税課税台帳_R6.xlsx\"",
    "msupd*",
    "source:win_security EventID:4688",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Page,
    Search,
    Action,
}

const KINDS: [Kind; 3] = [Kind::Page, Kind::Search, Kind::Action];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Page => "page",
            Kind::Search => "search",
            Kind::Action => "action",
        }
    }
}

/// A browser-like client with its own session: keeps cookies, follows no redirects.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    jar: Arc<Jar>,
    base: String,
}

impl Client {
    fn new(base: &str) -> Client {
        let jar = Arc::new(Jar::default());
        Client {
            http: reqwest::Client::builder()
                .cookie_provider(Arc::clone(&jar))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("reqwest client"),
            jar,
            base: base.to_string(),
        }
    }

    /// The double-submit token: the form field must equal the `kasumi_csrf` cookie.
    fn csrf(&self) -> Option<String> {
        let url = self.base.parse().ok()?;
        let cookies = self.jar.cookies(&url)?;
        cookies
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == "kasumi_csrf")
            .map(|(_, v)| v.to_string())
    }

    /// GET, body read to the end; the status, or what went wrong.
    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<u16, String> {
        self.get_within(path, query, Duration::from_secs(60)).await
    }

    async fn get_within(
        &self,
        path: &str,
        query: &[(&str, &str)],
        timeout: Duration,
    ) -> Result<u16, String> {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .query(query)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        res.bytes().await.map_err(|e| e.to_string())?;
        Ok(status)
    }

    /// POST of a form with the CSRF token and the Origin a browser sends.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Result<(u16, String), String> {
        let token = self.csrf().ok_or("no CSRF cookie yet")?;
        let mut form = fields.to_vec();
        form.push(("csrf_token", &token));
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .form(&form)
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        res.bytes().await.map_err(|e| e.to_string())?;
        Ok((status, location))
    }

    async fn login(&self, login: &str) -> Result<(), String> {
        // The login page sets the CSRF cookie the form must echo.
        self.get("/login", &[]).await?;
        match self
            .post("/login", &[("login", login), ("password", PASSWORD)])
            .await?
        {
            (303, _) => Ok(()),
            (s, _) => Err(format!("login {login}: HTTP {s}")),
        }
    }
}

fn ok(status: u16) -> bool {
    (200..400).contains(&status)
}

/// Starts Kasumi on 127.0.0.1:0 over a fresh database with an operator and
/// `TEAMS × PER_TEAM` trainees; returns the base URL.
async fn start_server(dir: &std::path::Path) -> String {
    let store = kasumi_store::open(&Target::DataDir(dir.to_path_buf()))
        .await
        .expect("open store");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let now = clock.now();
    let actor = Actor::system("load-bench");
    let org = |code: &str, name: &str, kind| NewOrg {
        code: code.into(),
        name: name.into(),
        kind,
    };
    let city = store
        .create_org(
            &actor,
            now,
            &org("saida-city", "さいだ市", OrgKind::LocalGovernment),
        )
        .await
        .expect("org");
    let nict = store
        .create_org(&actor, now, &org("nict", "演習センター", OrgKind::Nict))
        .await
        .expect("org");
    // One hash for everyone: argon2 is slow on purpose.
    let hash = password::hash(PASSWORD).expect("hash");
    let mut users = vec![("operator".to_string(), nict.id, Role::CyderOperator)];
    users.extend((1..=TEAMS * PER_TEAM).map(|i| (trainee_login(i), city.id, Role::Trainee)));
    for (login, org_id, role) in users {
        let user = NewUser {
            display_name: login.clone(),
            login,
            org_id,
            role,
            password_hash: hash.clone(),
        };
        store.create_user(&actor, now, &user).await.expect("user");
    }
    let state = AppState::new(store, clock, AppConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(kasumi_web::serve(listener, state, std::future::pending()));
    format!("http://{addr}")
}

fn trainee_login(i: usize) -> String {
    format!("t{i:02}")
}

/// Creates the exercise and its teams; returns its id.
async fn plan_exercise(op: &Client) -> i64 {
    let (status, location) = op
        .post(
            "/exercises",
            &[
                ("title", "負荷試験"),
                ("course", COURSE),
                ("scenario", SCENARIO),
                ("date", "2026-06-18"),
                ("time", "09:30"),
                ("speed", &SPEED.to_string()),
                ("days", &HISTORY_DAYS.to_string()),
                ("seed", &EXERCISE_SEED.to_string()),
            ],
        )
        .await
        .expect("create exercise");
    assert_eq!(status, 303, "create exercise");
    let id: i64 = location
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("exercise id in Location");
    for team in 0..TEAMS {
        let members: Vec<String> = (1..=PER_TEAM)
            .map(|m| trainee_login(team * PER_TEAM + m))
            .collect();
        let (status, _) = op
            .post(
                &format!("/exercises/{id}/teams"),
                &[
                    ("number", &(team + 1).to_string()),
                    ("name", &format!("第{}班", team + 1)),
                    ("members", &members.join(",")),
                ],
            )
            .await
            .expect("add team");
        assert_eq!(status, 200, "add team {}", team + 1);
    }
    id
}

async fn start_exercise(op: &Client, id: i64) {
    let (status, _) = op
        .post(&format!("/exercises/{id}/clock"), &[("op", "start")])
        .await
        .expect("start");
    assert_eq!(status, 303, "start the exercise");
}

/// Latencies in ms per kind, errors, and live events of one or more trainees.
#[derive(Default)]
struct Tally {
    latencies: [Vec<f64>; 3],
    errors: Vec<String>,
    sse_events: u64,
}

impl Tally {
    fn record(&mut self, kind: Kind, what: &str, started: Instant, result: Result<u16, String>) {
        self.latencies[kind as usize].push(started.elapsed().as_secs_f64() * 1000.0);
        match result {
            Ok(s) if ok(s) => {}
            Ok(s) => self
                .errors
                .push(format!("{} {what}: HTTP {s}", kind.name())),
            Err(e) => self.errors.push(format!("{} {what}: {e}", kind.name())),
        }
    }

    fn merge(&mut self, other: Tally) {
        for (mine, theirs) in self.latencies.iter_mut().zip(other.latencies) {
            mine.extend(theirs);
        }
        self.errors.extend(other.errors);
        self.sse_events += other.sse_events;
    }
}

/// Holds the team's live stream open until `deadline`, counting `update` events.
async fn live(client: Client, exercise: i64, deadline: Instant) -> Tally {
    let mut t = Tally::default();
    let url = format!("{}/exercises/{exercise}/team/live", client.base);
    let mut res = match client.http.get(url).send().await {
        Ok(r) if r.status().is_success() => r,
        Ok(r) => {
            t.errors.push(format!("sse: HTTP {}", r.status().as_u16()));
            return t;
        }
        Err(e) => {
            t.errors.push(format!("sse: {e}"));
            return t;
        }
    };
    let mut buf: Vec<u8> = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline.into(), res.chunk()).await {
            Err(_) => break,
            Ok(Ok(Some(bytes))) => {
                buf.extend_from_slice(&bytes);
                while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
                    let event = &buf[..end];
                    if event.split(|b| *b == b'\n').any(|l| l == b"event: update") {
                        t.sse_events += 1;
                    }
                    buf.drain(..end + 2);
                }
            }
            Ok(Ok(None)) => {
                t.errors.push("sse: stream ended before the run did".into());
                break;
            }
            Ok(Err(e)) => {
                t.errors.push(format!("sse: {e}"));
                break;
            }
        }
    }
    t
}

/// One trainee until `deadline`: think, then load the team page, search, or act.
async fn trainee(n: usize, client: Client, exercise: i64, deadline: Instant) -> Tally {
    let mut rng = StdRng::seed_from_u64(LOAD_SEED + n as u64);
    let stream = tokio::spawn(live(client.clone(), exercise, deadline));
    let team_page = format!("/exercises/{exercise}/team");
    let logs = format!("/exercises/{exercise}/team/logs");
    let actions = format!("/exercises/{exercise}/team/actions");
    let mut t = Tally::default();
    loop {
        let think = Duration::from_millis(rng.gen_range(200..=500));
        if Instant::now() + think >= deadline {
            break;
        }
        tokio::time::sleep(think).await;
        let roll = rng.gen_range(0..100);
        let started = Instant::now();
        if roll < 35 {
            let r = client.get(&team_page, &[]).await;
            t.record(Kind::Page, &team_page, started, r);
        } else if roll < 95 {
            let q = QUERIES[rng.gen_range(0..QUERIES.len())];
            // Now and then the next page, or oldest first.
            let r = match rng.gen_range(0..10) {
                0 => client.get(&logs, &[("q", q), ("page", "2")]).await,
                1 => client.get(&logs, &[("q", q), ("sort", "asc")]).await,
                _ => client.get(&logs, &[("q", q)]).await,
            };
            t.record(Kind::Search, &format!("q={q}"), started, r);
        } else {
            let fields: &[(&str, &str)] = match rng.gen_range(0..3) {
                0 => &[
                    ("kind", "ask_vendor"),
                    ("message", "通報の詳細を教えてください"),
                ],
                1 => &[
                    ("kind", "warn_staff"),
                    ("message", "不審なメールを開かないでください"),
                ],
                _ => &[("kind", "take_hint"), ("hint", "proxy-log")],
            };
            let r = client.post(&actions, fields).await.map(|(s, _)| s);
            t.record(Kind::Action, fields[0].1, started, r);
        }
    }
    let live = stream.await.unwrap_or_else(|e| Tally {
        errors: vec![format!("sse task: {e}")],
        ..Tally::default()
    });
    t.merge(live);
    t
}

/// Nearest-rank percentile of sorted values.
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn proc_status_kib(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let l = s.lines().find(|l| l.starts_with(key))?;
    l.split_whitespace().nth(1)?.parse().ok()
}

fn mib(key: &str) -> String {
    proc_status_kib(key).map_or("unknown".into(), |k| {
        format!("{:.0} MiB", k as f64 / 1024.0)
    })
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::var("KASUMI_LOAD_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
        .max(1);
    let trainees = TEAMS * PER_TEAM;
    println!(
        "exercise console load: {TEAMS} teams × {PER_TEAM} trainees, scenario {SCENARIO}, course {COURSE}, \
         seed {EXERCISE_SEED}, {HISTORY_DAYS} days of history, speed {SPEED}×, {secs} s measured"
    );

    // ---- setup ----
    let t0 = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let base = start_server(dir.path()).await;
    let op = Client::new(&base);
    op.login("operator").await.expect("operator signs in");
    let exercise = plan_exercise(&op).await;
    let clients: Vec<Client> = (0..trainees).map(|_| Client::new(&base)).collect();
    let mut logins = tokio::task::JoinSet::new();
    for (i, c) in clients.iter().enumerate() {
        let c = c.clone();
        logins.spawn(async move { c.login(&trainee_login(i + 1)).await });
    }
    while let Some(r) = logins.join_next().await {
        r.expect("login task").expect("trainee signs in");
    }
    println!(
        "setup (server, {} users, exercise, {TEAMS} teams, {trainees} sign-ins): {:.1} s",
        trainees + 1,
        t0.elapsed().as_secs_f64()
    );

    // ---- warm-up: the first access provisions and indexes each team's world ----
    // Before the start, so that the exercise's 4 simulated hours (4 minutes at
    // speed 60) are not spent waiting for it.
    let t1 = Instant::now();
    let mut first = tokio::task::JoinSet::new();
    for team in 0..TEAMS {
        let c = clients[team * PER_TEAM].clone();
        first.spawn(async move {
            let started = Instant::now();
            // Provisioning ten worlds at once on a busy machine takes minutes.
            let r = c
                .get_within(
                    &format!("/exercises/{exercise}/team"),
                    &[],
                    Duration::from_secs(900),
                )
                .await;
            (team + 1, started.elapsed().as_secs_f64(), r)
        });
    }
    let mut slowest = 0f64;
    while let Some(r) = first.join_next().await {
        let (team, took, status) = r.expect("warm-up task");
        assert_eq!(status, Ok(200), "team {team} warm-up");
        slowest = slowest.max(took);
    }
    let provision = t1.elapsed().as_secs_f64();
    start_exercise(&op, exercise).await;
    let t2 = Instant::now();
    let mut catch_up = tokio::task::JoinSet::new();
    for c in &clients {
        let c = c.clone();
        catch_up.spawn(async move { c.get(&format!("/exercises/{exercise}/team"), &[]).await });
    }
    while let Some(r) = catch_up.join_next().await {
        assert_eq!(r.expect("catch-up task"), Ok(200), "catch-up page");
    }
    println!(
        "warm-up (not measured): {TEAMS} worlds provisioned and indexed concurrently in {provision:.1} s \
         (slowest team {slowest:.1} s); after the start, first page of each of the {trainees} trainees {:.1} s; peak RSS so far {}",
        t2.elapsed().as_secs_f64(),
        mib("VmHWM:")
    );

    // ---- the measured run ----
    let sim_minutes = secs as i64 * SPEED / 60;
    if sim_minutes > 230 {
        println!(
            "note: {secs} s at speed {SPEED} is {sim_minutes} simulated minutes; the scenario lasts 240, \
             so the clock stops (and actions are refused) before the run ends"
        );
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let mut tasks = tokio::task::JoinSet::new();
    for (i, c) in clients.iter().enumerate() {
        tasks.spawn(trainee(i, c.clone(), exercise, deadline));
    }
    let mut all = Tally::default();
    while let Some(t) = tasks.join_next().await {
        all.merge(t.expect("trainee task"));
    }
    let elapsed = started.elapsed().as_secs_f64();

    // ---- report ----
    println!();
    println!(
        "{:<8} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "kind", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    let mut p99 = [0f64; 3];
    let mut requests = 0;
    for kind in KINDS {
        let v = &mut all.latencies[kind as usize];
        v.sort_by(f64::total_cmp);
        requests += v.len();
        p99[kind as usize] = pct(v, 99.0);
        println!(
            "{:<8} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            kind.name(),
            v.len(),
            pct(v, 50.0),
            pct(v, 95.0),
            pct(v, 99.0),
            v.last().copied().unwrap_or(f64::NAN)
        );
        println!(
            "BENCH name=load-{} count={} p50_ms={:.2} p95_ms={:.2} p99_ms={:.2} max_ms={:.2}",
            kind.name(),
            v.len(),
            pct(v, 50.0),
            pct(v, 95.0),
            pct(v, 99.0),
            v.last().copied().unwrap_or(f64::NAN)
        );
    }
    println!();
    println!(
        "requests: {requests} in {elapsed:.1} s = {:.1} req/s (SSE streams not counted)",
        requests as f64 / elapsed
    );
    println!(
        "SSE: {trainees} streams held open, {} update events received (one per stream every 2 s: about {} expected)",
        all.sse_events,
        trainees as u64 * (elapsed / 2.0) as u64
    );
    println!("errors: {}", all.errors.len());
    for e in all.errors.iter().take(20) {
        println!("  {e}");
    }
    if all.errors.len() > 20 {
        println!("  … {} more", all.errors.len() - 20);
    }
    println!(
        "memory: peak RSS (VmHWM, server and load generator) {}, RSS now {}",
        mib("VmHWM:"),
        mib("VmRSS:")
    );
    let (page, search) = (p99[Kind::Page as usize], p99[Kind::Search as usize]);
    let met = page < TARGET_MS && search < TARGET_MS && all.errors.is_empty();
    println!(
        "TARGET p99 < {TARGET_MS:.0} ms for page loads and searches: {} (page p99 {page:.1} ms, search p99 {search:.1} ms, {} errors)",
        if met { "MET" } else { "MISSED" },
        all.errors.len()
    );
}
