//! The provisioned world of one team: hosts, staff, the per-team variant,
//! the background logs, and the attacker simulation.

use sha2::{Digest, Sha256};

use crate::action::{ActionError, Outcome, Recorded};
use crate::event::{Event, HostId, Source};
use crate::intern::{Interner, Sym};
use crate::net::Cidr;
use crate::rng::Rng;
use crate::scenario::{Role, Scenario, StepKind, StepTime, Target};
use crate::sim::Sim;
use crate::time::{MIN, Micros, SEC};

/// What kind of machine a host is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// A server from the scenario.
    Server(Role),
    /// A DHCP terminal of a section, used by one member of staff.
    Terminal { section: usize, staff: usize },
    /// Outside the organisation (the SOC).
    External,
}

/// A host of the organisation.
#[derive(Debug, Clone)]
pub struct HostInfo {
    /// Short name (`PC-SOUMU-07`, `fs01`).
    pub name: String,
    /// Fully-qualified name (`PC-SOUMU-07.saida.local`).
    pub fqdn: String,
    pub name_sym: Sym,
    pub fqdn_sym: Sym,
    /// IPv4 address (terminals: the DHCP lease, stable over the week).
    pub ip: u32,
    pub mac: u64,
    pub kind: HostKind,
}

/// A member of staff.
#[derive(Debug, Clone)]
pub struct Staff {
    /// AD login (`sato.k`).
    pub login: String,
    pub login_sym: Sym,
    /// Mail address.
    pub mail_sym: Sym,
    pub section: usize,
    pub terminal: HostId,
}

/// A domain account (every member of staff has one; one IT admin has a second, privileged one).
#[derive(Debug, Clone)]
pub struct Account {
    pub login: String,
    pub sym: Sym,
    pub staff: usize,
    pub admin: bool,
}

/// One C2 server of the variant.
#[derive(Debug, Clone)]
pub struct C2 {
    pub domain: String,
    pub sym: Sym,
    pub ip: u32,
}

/// Everything drawn from (seed, team): names, addresses, domains, files, hashes, times.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Primary C2 first, then fallbacks in the order the implant tries them.
    pub c2: Vec<C2>,
    /// Attacker operator addresses (web-shell access, mail origin).
    pub operators: Vec<u32>,
    pub sender: String,
    pub sender_mta: u32,
    pub sender_mta_name: String,
    /// Attachment / USB file name as the victim sees it.
    pub payload: String,
    pub payload_sha256: String,
    /// The encrypted ZIP the mail carried.
    pub zip: String,
    pub zip_sha256: String,
    /// Implant file name and folder under `%APPDATA%`.
    pub implant_exe: String,
    pub implant_dir: String,
    pub implant_sha256: String,
    /// Staging archive path and hash.
    pub archive: String,
    pub archive_sha256: String,
    /// Web-shell path on the DMZ web server.
    pub webshell: String,
    /// Resolved time of every step.
    pub step_times: Vec<Micros>,
    /// Staff targeted by each delivery step (phishing / USB).
    pub step_victim: Vec<Option<usize>>,
    /// Host targeted by each lateral step.
    pub step_target: Vec<Option<HostId>>,
    /// Index into `accounts` of the privileged IT account.
    pub admin_account: usize,
}

/// Immutable facts of a provisioned world.
#[derive(Debug, Clone)]
pub struct Env {
    pub scenario: Scenario,
    pub seed: u64,
    pub team: u32,
    pub start: Micros,
    pub history_start: Micros,
    pub end: Micros,
    pub hosts: Vec<HostInfo>,
    pub staff: Vec<Staff>,
    pub accounts: Vec<Account>,
    pub variant: Variant,
    /// Host of each scenario host (same index as `scenario.hosts`).
    pub server_ids: Vec<HostId>,
    pub soc: HostId,
    pub netbios: String,
}

impl Env {
    /// The host with a role (the scenario guarantees the required ones).
    pub fn role(&self, role: Role) -> HostId {
        self.scenario
            .host_with_role(role)
            .map(|i| self.server_ids[i])
            .unwrap_or(HostId(0))
    }
    /// Host info.
    pub fn host(&self, h: HostId) -> &HostInfo {
        &self.hosts[h.0 as usize]
    }
    /// Find a host by short name, FQDN (case-insensitive) or IPv4 address.
    pub fn find_host(&self, s: &str) -> Option<HostId> {
        let s = s.trim();
        let ip = crate::net::parse_ip(s);
        self.hosts
            .iter()
            .position(|h| {
                h.kind != HostKind::External
                    && (h.name.eq_ignore_ascii_case(s)
                        || h.fqdn.eq_ignore_ascii_case(s)
                        || ip == Some(h.ip))
            })
            .map(|i| HostId(i as u32))
    }
    /// Find an account by login (`sato.k`, `SAIDA\sato.k`, `sato.k@saida.local`).
    pub fn find_account(&self, s: &str) -> Option<usize> {
        let s = s.trim();
        let s = s.rsplit('\\').next().unwrap_or(s);
        let s = s.split('@').next().unwrap_or(s);
        self.accounts
            .iter()
            .position(|a| a.login.eq_ignore_ascii_case(s))
    }
    /// Which zone an address belongs to, for firewall interface names.
    pub fn zone(&self, ip: u32) -> &'static str {
        for n in &self.scenario.networks {
            if n.cidr.contains(ip) {
                return match n.kind {
                    crate::scenario::NetKind::Dmz => "dmz",
                    _ => "internal",
                };
            }
        }
        "wan1"
    }
    /// Whether an address is inside the organisation.
    pub fn is_internal(&self, ip: u32) -> bool {
        self.scenario.networks.iter().any(|n| n.cidr.contains(ip))
    }
}

/// One team's range: provisioned once, then advanced and acted upon.
#[derive(Debug, Clone)]
pub struct World {
    pub(crate) env: Env,
    pub(crate) names: Interner,
    pub(crate) background: Vec<Event>,
    pub(crate) attack: Vec<Event>,
    pub(crate) sim: Sim,
    pub(crate) sim_at_start: Sim,
    pub(crate) now: Micros,
    pub(crate) actions: Vec<Recorded>,
}

const SURNAMES: [&str; 60] = [
    "sato",
    "suzuki",
    "takahashi",
    "tanaka",
    "ito",
    "watanabe",
    "yamamoto",
    "nakamura",
    "kobayashi",
    "kato",
    "yoshida",
    "yamada",
    "sasaki",
    "yamaguchi",
    "matsumoto",
    "inoue",
    "kimura",
    "hayashi",
    "shimizu",
    "yamazaki",
    "mori",
    "abe",
    "ikeda",
    "hashimoto",
    "yamashita",
    "ishikawa",
    "nakajima",
    "maeda",
    "fujita",
    "ogawa",
    "goto",
    "okada",
    "hasegawa",
    "murakami",
    "kondo",
    "ishii",
    "saito",
    "sakamoto",
    "endo",
    "aoki",
    "fujii",
    "nishimura",
    "fukuda",
    "ota",
    "miura",
    "fujiwara",
    "okamoto",
    "matsuda",
    "nakagawa",
    "nakano",
    "harada",
    "ono",
    "tamura",
    "takeuchi",
    "kaneko",
    "wada",
    "nakayama",
    "ishida",
    "ueda",
    "morita",
];
const INITIALS: &str = "akhmnsty";
const IMPLANTS: [&str; 6] = [
    "OneDriveUpdater.exe",
    "msupdate.exe",
    "AdobeARMhelper.exe",
    "GoogleUpdateCore.exe",
    "igfxTrayHelper.exe",
    "RuntimeBrokerSvc.exe",
];
const IMPLANT_DIRS: [&str; 5] = [
    "Microsoft\\Network",
    "Adobe\\ARM",
    "Google\\Update",
    "Intel\\Graphics",
    "Microsoft\\Crypto\\Sync",
];
const MAC_OUI: [u64; 4] = [0x3C_52_82, 0xF8_B1_56, 0x00_15_5D, 0x70_5A_0F];

/// SHA-256 (hex) of a label within a (seed, team) variant.
pub(crate) fn variant_hash(seed: u64, team: u32, label: &str) -> String {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(team.to_le_bytes());
    h.update(label.as_bytes());
    hex::encode(h.finalize())
}

fn fqdn_of(name: &str, ad: &str) -> String {
    format!("{name}.{ad}")
}

impl World {
    /// Provision one team's world. `start` is the exercise start (µs since the
    /// Unix epoch); `history_days` days of logs before it are generated (at
    /// least the scenario's `history_days_min`). Deterministic in every input.
    pub fn provision(
        scenario: &Scenario,
        seed: u64,
        team: u32,
        start: Micros,
        history_days: u32,
    ) -> World {
        let history_days = history_days.max(scenario.history_days_min);
        let mut names = Interner::default();
        let mut rng = Rng::derive(seed, team, "variant");
        let ad = scenario.ad_domain.clone();

        // Servers.
        let mut hosts = Vec::new();
        let mut server_ids = Vec::new();
        for h in &scenario.hosts {
            server_ids.push(HostId(hosts.len() as u32));
            let fqdn = fqdn_of(&h.name, &ad);
            hosts.push(HostInfo {
                name_sym: names.intern(&h.name),
                fqdn_sym: names.intern(&fqdn),
                name: h.name.clone(),
                fqdn,
                ip: h.address,
                mac: (MAC_OUI[2] << 24) | (rng.next_u64() & 0xff_ffff),
                kind: HostKind::Server(h.role),
            });
        }
        let soc = HostId(hosts.len() as u32);
        hosts.push(HostInfo {
            name: "soc".into(),
            fqdn: "soc".into(),
            name_sym: names.intern("soc"),
            fqdn_sym: names.intern("soc"),
            ip: 0,
            mac: 0,
            kind: HostKind::External,
        });

        // Staff and terminals.
        let mut staff = Vec::new();
        let mut accounts = Vec::new();
        let mut used_logins = std::collections::HashSet::new();
        for (si, sec) in scenario.sections.iter().enumerate() {
            let cidr: Cidr = scenario.networks[sec.network].cidr;
            // The DHCP scope starts at .100 when the segment is large enough, else at .10.
            let first = if cidr.size() > 101 + sec.staff as u64 {
                100
            } else {
                10
            };
            let pool = (cidr.size() - first - 1).min(4096);
            let mut offsets: Vec<u64> = (0..pool).collect();
            rng.shuffle(&mut offsets);
            let mut numbers: Vec<u32> = (1..=sec.staff + 10).collect();
            rng.shuffle(&mut numbers);
            for k in 0..sec.staff as usize {
                let mut tries = 0u32;
                let login = loop {
                    let s = rng.pick(&SURNAMES);
                    let i = INITIALS.as_bytes()[rng.below(INITIALS.len() as u64) as usize] as char;
                    // Large organisations run out of surname.initial pairs: number them.
                    let l = if tries < 20 {
                        format!("{s}.{i}")
                    } else {
                        format!("{s}.{i}{tries}")
                    };
                    tries += 1;
                    if used_logins.insert(l.clone()) {
                        break l;
                    }
                };
                let name = format!("PC-{}-{:02}", sec.prefix, numbers[k]);
                let fqdn = fqdn_of(&name, &ad);
                let ip = cidr.nth(first + offsets[k]);
                let tid = HostId(hosts.len() as u32);
                let sidx = staff.len();
                hosts.push(HostInfo {
                    name_sym: names.intern(&name),
                    fqdn_sym: names.intern(&fqdn),
                    name,
                    fqdn,
                    ip,
                    mac: (MAC_OUI[rng.below(2) as usize] << 24) | (rng.next_u64() & 0xff_ffff),
                    kind: HostKind::Terminal {
                        section: si,
                        staff: sidx,
                    },
                });
                let mail = format!("{login}@{}", scenario.mail_domain);
                accounts.push(Account {
                    login: login.clone(),
                    sym: names.intern(&login),
                    staff: sidx,
                    admin: false,
                });
                staff.push(Staff {
                    login_sym: names.intern(&login),
                    mail_sym: names.intern(&mail),
                    login,
                    section: si,
                    terminal: tid,
                });
            }
        }
        // The IT admin is a member of the first section (総務課 runs IT in a small city).
        let admin_staff = 0;
        let admin_login = format!("adm-{}", staff[admin_staff].login.replace('.', ""));
        let admin_account = accounts.len();
        accounts.push(Account {
            sym: names.intern(&admin_login),
            login: admin_login,
            staff: admin_staff,
            admin: true,
        });

        // Attacker infrastructure.
        let at = &scenario.attacker;
        let mut c2 = Vec::new();
        while c2.len() < at.c2_count as usize {
            let w1 = rng.pick(&at.c2_words).clone();
            let w2 = rng.pick(&at.c2_words).clone();
            if w1 == w2 {
                continue;
            }
            let domain = format!("{w1}-{w2}.{}", rng.pick(&at.c2_tlds));
            let ip = at
                .c2_cidr
                .nth(2 + rng.below(at.c2_cidr.size().saturating_sub(4).max(1)));
            if c2.iter().any(|c: &C2| c.domain == domain || c.ip == ip) {
                continue;
            }
            c2.push(C2 {
                sym: names.intern(&domain),
                domain,
                ip,
            });
        }
        let mut operators = Vec::new();
        while operators.len() < 3 {
            let ip = at
                .operator_cidr
                .nth(2 + rng.below(at.operator_cidr.size().saturating_sub(4).max(1)));
            if !operators.contains(&ip) {
                operators.push(ip);
            }
        }
        let sender_domain = rng.pick(&at.sender_domains).clone();
        let sender = format!("{}@{sender_domain}", rng.pick(&SURNAMES));
        let payload = rng.pick(&at.payload_names).clone();
        let stem = payload
            .rsplit_once('.')
            .map(|(s, _)| s.to_string())
            .unwrap_or(payload.clone());
        let archive = format!(
            "C:\\Users\\Public\\Libraries\\{:06x}.rar",
            rng.next_u64() & 0xff_ffff
        );
        let webshell = format!(
            "/uploads/{}_{:04x}.php",
            rng.pick(&["img_cache", "thumb", "tmp_upload", "wp-cache"]),
            rng.next_u64() & 0xffff
        );
        let implant_exe = rng.pick(&IMPLANTS).to_string();
        let implant_dir = rng.pick(&IMPLANT_DIRS).to_string();

        // Step times and targets.
        let mut step_times: Vec<Micros> = Vec::new();
        let mut step_victim = Vec::new();
        let mut step_target = Vec::new();
        let mut trng = Rng::derive(seed, team, "timing");
        for st in &scenario.steps {
            let j = st.jitter_minutes as i64 * 60;
            let t = match st.time {
                StepTime::At(m) => start + m * MIN + trng.range(-j, j) * SEC,
                StepTime::After { step, delay } => {
                    step_times[step] + delay * MIN + trng.range(0, j) * SEC
                }
            } + trng.range(0, 999_999);
            step_times.push(t);
            let section_staff = |s: usize| -> Vec<usize> {
                (0..staff.len())
                    .filter(|&i| staff[i].section == s && i != admin_staff)
                    .collect()
            };
            match st.kind {
                StepKind::PhishingMail { section, .. } | StepKind::UsbDrop { section, .. } => {
                    let mut cands = section_staff(section);
                    if cands.is_empty() {
                        cands.push(admin_staff);
                    }
                    step_victim.push(Some(*rng.pick(&cands)));
                    step_target.push(None);
                }
                StepKind::Lateral { target } => {
                    step_victim.push(None);
                    step_target.push(Some(match target {
                        Target::Host(h) => server_ids[h],
                        Target::Section(s) => {
                            let mut cands = section_staff(s);
                            if cands.is_empty() {
                                cands.push(admin_staff);
                            }
                            staff[*rng.pick(&cands)].terminal
                        }
                    }));
                }
                _ => {
                    step_victim.push(None);
                    step_target.push(None);
                }
            }
        }

        let variant = Variant {
            c2,
            operators,
            sender_mta: at
                .operator_cidr
                .nth(2 + rng.below(at.operator_cidr.size().saturating_sub(4).max(1))),
            sender_mta_name: format!("mail.{sender_domain}"),
            sender,
            payload_sha256: variant_hash(seed, team, &format!("payload:{payload}")),
            zip: format!("{stem}.zip"),
            zip_sha256: variant_hash(seed, team, &format!("zip:{payload}")),
            payload,
            implant_sha256: variant_hash(seed, team, &format!("implant:{implant_exe}")),
            implant_exe,
            implant_dir,
            archive_sha256: variant_hash(seed, team, &format!("archive:{archive}")),
            archive,
            webshell,
            step_times,
            step_victim,
            step_target,
            admin_account,
        };

        let history_start =
            crate::time::jst_midnight(start - history_days as i64 * crate::time::DAY);
        let end = start + scenario.duration_minutes as i64 * MIN;
        let env = Env {
            netbios: scenario.netbios(),
            scenario: scenario.clone(),
            seed,
            team,
            start,
            history_start,
            end,
            hosts,
            staff,
            accounts,
            variant,
            server_ids,
            soc,
        };
        let background = crate::activity::background(&env, &mut names);
        let mut sim = Sim::new(&env);
        let mut attack = Vec::new();
        sim.run_until(&env, &mut names, &mut attack, start);
        attack.sort_by_key(|e| e.t);
        let sim_at_start = sim.clone();
        World {
            env,
            names,
            background,
            attack,
            sim_at_start,
            sim,
            now: start,
            actions: Vec::new(),
        }
    }

    /// Provision a world and apply `actions` in order (advancing to the end of
    /// the exercise). Returns the world and each action's result. Gives the
    /// same logs as a live session that took the same actions, however often
    /// that session advanced time in between.
    pub fn replay(
        scenario: &Scenario,
        seed: u64,
        team: u32,
        start: Micros,
        history_days: u32,
        actions: &[Recorded],
    ) -> (World, Vec<Result<Outcome, ActionError>>) {
        Self::replay_until(
            scenario,
            seed,
            team,
            start,
            history_days,
            actions,
            Micros::MAX,
        )
    }

    /// Like [`World::replay`], but stops at `until` (clamped to the exercise's
    /// end, and never before the last action): a live session rebuilt after a
    /// restart must not see past its own clock.
    pub fn replay_until(
        scenario: &Scenario,
        seed: u64,
        team: u32,
        start: Micros,
        history_days: u32,
        actions: &[Recorded],
        until: Micros,
    ) -> (World, Vec<Result<Outcome, ActionError>>) {
        let mut w = World::provision(scenario, seed, team, start, history_days);
        let results = actions
            .iter()
            .map(|r| w.apply(r.action.clone(), r.at))
            .collect();
        let end = w.env.end.min(until);
        w.advance_to(end);
        (w, results)
    }

    /// Provisioned facts: hosts, staff, accounts, variant, times.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The interner that resolves every [`Sym`] in events.
    pub fn names(&self) -> &Interner {
        &self.names
    }

    /// Current simulated time.
    pub fn now(&self) -> Micros {
        self.now
    }

    /// Actions accepted so far, in order.
    pub fn actions(&self) -> &[Recorded] {
        &self.actions
    }

    /// Every event visible so far (time ≤ now), sorted by time. Background
    /// events disrupted by the defenders (isolated hosts) are left out.
    pub fn events(&self) -> impl Iterator<Item = &Event> + '_ {
        let now = self.now;
        let bg_end = self.background.partition_point(|e| e.t <= now);
        let at_end = self.attack.partition_point(|e| e.t <= now);
        Merge {
            a: &self.background[..bg_end],
            b: &self.attack[..at_end],
        }
        .filter(|e| !self.sim.hidden_full(&self.env, e))
    }

    /// Number of visible events of one source (cheap statistics).
    pub fn count(&self, source: Source) -> usize {
        self.events().filter(|e| e.source == source).count()
    }

    /// Run the simulation forward to `t` (no-op if `t` is not later than now).
    pub fn advance_to(&mut self, t: Micros) {
        let t = t.min(self.env.end);
        if t <= self.now {
            return;
        }
        let before = self.attack.len();
        self.sim
            .run_until(&self.env, &mut self.names, &mut self.attack, t);
        self.settle(before);
        self.now = t;
    }

    /// Keep `attack` sorted after appending from index `before`. The result is
    /// a stable sort by time of the emission sequence, however the appends
    /// were batched, so logs do not depend on how often time was advanced.
    fn settle(&mut self, before: usize) {
        if self.attack.len() == before {
            return;
        }
        self.attack[before..].sort_by_key(|e| e.t);
        if before > 0 && self.attack[before].t < self.attack[before - 1].t {
            self.attack.sort_by_key(|e| e.t);
        }
    }

    /// Apply a defender action at time `at` (≥ now), first advancing to `at`.
    /// Refusals that need no simulated state (unknown host or account,
    /// malformed rule, unknown hint, time in the past or after the end) change
    /// nothing at all; refusals that depend on the state at `at` (no such
    /// process or file, host powered off) leave only the advanced time.
    /// Accepted actions are recorded in [`World::actions`].
    pub fn apply(
        &mut self,
        action: crate::action::Action,
        at: Micros,
    ) -> Result<Outcome, ActionError> {
        if at < self.now {
            return Err(ActionError::InThePast { at, now: self.now });
        }
        if at > self.env.end {
            return Err(ActionError::AfterEnd {
                at,
                end: self.env.end,
            });
        }
        // Validate against the state at `at` on a copy of the attacker state
        // so that a refused action leaves the world untouched.
        self.sim.validate(&self.env, &action)?;
        self.advance_to(at);
        let before = self.attack.len();
        let out = self.sim.apply(
            &self.env,
            &mut self.names,
            &mut self.attack,
            &self.background,
            &action,
            at,
        );
        self.settle(before);
        let out = out?;
        self.actions.push(Recorded { at, action });
        Ok(out)
    }
}

/// Merges two time-sorted slices (background first on ties).
struct Merge<'a> {
    a: &'a [Event],
    b: &'a [Event],
}

impl<'a> Iterator for Merge<'a> {
    type Item = &'a Event;
    fn next(&mut self) -> Option<&'a Event> {
        match (self.a.first(), self.b.first()) {
            (Some(x), Some(y)) => {
                if x.t <= y.t {
                    self.a = &self.a[1..];
                    Some(x)
                } else {
                    self.b = &self.b[1..];
                    Some(y)
                }
            }
            (Some(x), None) => {
                self.a = &self.a[1..];
                Some(x)
            }
            (None, Some(y)) => {
                self.b = &self.b[1..];
                Some(y)
            }
            (None, None) => None,
        }
    }
}
