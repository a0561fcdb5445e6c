//! The deterministic discrete-event simulation of the attacker and of the
//! defenders' effect on it. It is small (no background events) so that a
//! recorded action list can be replayed cheaply for scoring.

use std::collections::BTreeSet;

use crate::action::{
    Action, ActionError, AnalysisReport, Device, FwRule, LeakReport, Outcome, ProxyRule, Recipient,
    ip,
};
use crate::event::{Actor, Data, Event, HostId, Method, Reporter, Source, SquidCode, Verdict};
use crate::intern::{DASH, Interner, Sym};
use crate::rng::Rng;
use crate::scenario::{AlertFrom, Channel, Role, StepKind};
use crate::time::{DAY, MIN, Micros, SEC, jst, jst_midnight};
use crate::world::{Env, HostKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Step(usize),
    Beacon(usize),
    /// The IT admin's remote support session on the first infected host
    /// before a credential dump (that is why its credentials are in memory).
    AdminLogon(usize),
    /// A killed implant whose file is still there comes back.
    Restart(usize),
}

/// One compromised host.
#[derive(Debug, Clone)]
pub struct Infection {
    pub host: HostId,
    pub since: Micros,
    /// Step that caused it.
    pub step: usize,
    /// Account the implant runs as.
    pub user: Sym,
    /// Full path of the implant (or web shell).
    pub image: String,
    pub image_sym: Sym,
    pub pid: u32,
    pub alive: bool,
    pub file_present: bool,
    /// Foothold through a web shell (no implant beaconing out).
    pub web: bool,
}

/// One attempt of the implant (or operator) to reach its infrastructure.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Contact {
    pub t: Micros,
    pub host: String,
    /// C2 domain, or operator address for a web shell.
    pub via: String,
    pub ok: bool,
    pub exfil: bool,
}

/// The leak, if it happened.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Leak {
    pub t: Micros,
    pub file: String,
    pub records: u64,
    pub bytes: u64,
    pub via: String,
}

/// Attacker and defender state.
#[derive(Debug, Clone)]
pub struct Sim {
    queue: BTreeSet<(Micros, u64, Item)>,
    seq: u64,
    rng: Rng,
    pub infections: Vec<Infection>,
    beacon_interval: Option<Micros>,
    pub c2_cur: usize,
    pub op_cur: usize,
    pub stolen: Vec<usize>,
    pub staged: Option<(String, u64, Micros)>,
    pub leak: Option<Leak>,
    pub exfil_blocked: Option<Micros>,
    pub delivered: Vec<Option<(usize, Micros)>>,
    pub contacts: Vec<Contact>,
    pub alert: Option<(Micros, String)>,
    /// Attacker's path for the retrospective.
    pub timeline: Vec<(Micros, String)>,
    // Defender state.
    pub proxy_rules: Vec<(Micros, ProxyRule)>,
    pub fw_rules: Vec<(Micros, FwRule)>,
    pub isolated: Vec<(HostId, u32, Micros)>,
    pub powered_off: Vec<(HostId, u32, Micros)>,
    pub disabled: Vec<(usize, Micros)>,
    pub reset: Vec<(usize, Micros)>,
    pub preserved: Vec<(HostId, Micros)>,
    pub warned: Option<Micros>,
    pub escalations: Vec<(Recipient, Micros)>,
    pub hints: Vec<(String, u32, Micros)>,
    pub analysed: Vec<(HostId, String, Micros)>,
    pub killed: Vec<(HostId, Micros)>,
    pub quarantined: Vec<(HostId, String, Micros)>,
    pub reports: Vec<(LeakReport, Micros)>,
    pub order_mistakes: Vec<(Micros, String)>,
    pub stolen_at: Option<Micros>,
    proxy_ip: u32,
}

fn aev(t: Micros, source: Source, host: HostId, data: Data) -> Event {
    Event {
        t,
        source,
        host,
        actor: Actor::Attacker,
        data,
    }
}

impl Sim {
    pub(crate) fn new(env: &Env) -> Sim {
        let mut s = Sim {
            queue: BTreeSet::new(),
            seq: 0,
            rng: Rng::derive(env.seed, env.team, "attacker"),
            infections: Vec::new(),
            beacon_interval: None,
            c2_cur: 0,
            op_cur: 0,
            stolen: Vec::new(),
            staged: None,
            leak: None,
            exfil_blocked: None,
            delivered: vec![None; env.scenario.steps.len()],
            contacts: Vec::new(),
            alert: None,
            timeline: Vec::new(),
            proxy_rules: Vec::new(),
            fw_rules: Vec::new(),
            isolated: Vec::new(),
            powered_off: Vec::new(),
            disabled: Vec::new(),
            reset: Vec::new(),
            preserved: Vec::new(),
            warned: None,
            escalations: Vec::new(),
            hints: Vec::new(),
            analysed: Vec::new(),
            killed: Vec::new(),
            quarantined: Vec::new(),
            reports: Vec::new(),
            order_mistakes: Vec::new(),
            stolen_at: None,
            proxy_ip: env.host(env.role(Role::Proxy)).ip,
        };
        let mut admin = Rng::derive(env.seed, env.team, "admin-logon");
        for (i, t) in env.variant.step_times.iter().enumerate() {
            s.push(*t, Item::Step(i));
            if matches!(env.scenario.steps[i].kind, StepKind::CredentialDump { .. }) {
                let floor = if i > 0 {
                    env.variant.step_times[i - 1] + MIN
                } else {
                    *t - MIN
                };
                let at = (*t - admin.range(60, 150) * MIN).max(floor).min(*t - SEC);
                s.push(at, Item::AdminLogon(i));
            }
        }
        s
    }

    fn push(&mut self, t: Micros, item: Item) {
        self.seq += 1;
        self.queue.insert((t, self.seq, item));
    }

    /// Process everything scheduled up to and including `t`.
    pub(crate) fn run_until(
        &mut self,
        env: &Env,
        names: &mut Interner,
        out: &mut Vec<Event>,
        t: Micros,
    ) {
        while let Some(&(tt, seq, item)) = self.queue.first() {
            if tt > t {
                break;
            }
            self.queue.remove(&(tt, seq, item));
            match item {
                Item::Step(i) => self.step(env, names, out, i, tt),
                Item::Beacon(k) => self.beacon(env, names, out, k, tt),
                Item::AdminLogon(_) => self.admin_logon(env, names, out, tt),
                Item::Restart(k) => self.restart(env, names, out, k, tt),
            }
        }
    }

    // ---- state queries -------------------------------------------------

    fn off(&self, h: HostId, t: Micros) -> bool {
        self.powered_off
            .iter()
            .any(|(x, _, at)| *x == h && *at <= t)
    }
    fn cut(&self, h: HostId, t: Micros) -> bool {
        self.off(h, t) || self.isolated.iter().any(|(x, _, at)| *x == h && *at <= t)
    }
    fn account_ok(&self, a: usize, t: Micros) -> Result<(), u32> {
        if self.disabled.iter().any(|(x, at)| *x == a && *at <= t) {
            return Err(0xC000_0072);
        }
        let stolen_at = self.stolen_at.unwrap_or(Micros::MAX);
        if self
            .reset
            .iter()
            .any(|(x, at)| *x == a && *at <= t && *at >= stolen_at)
        {
            return Err(0xC000_006A);
        }
        Ok(())
    }
    pub(crate) fn proxy_blocked(&self, host: &str, url: &str, server: u32, t: Micros) -> bool {
        self.proxy_rules
            .iter()
            .any(|(at, r)| *at <= t && r.matches(host, url, server))
    }
    pub(crate) fn fw_blocked(&self, src: u32, dst: u32, port: u16, t: Micros) -> Option<u16> {
        self.fw_rules
            .iter()
            .position(|(at, r)| *at <= t && r.matches(src, dst, port))
            .map(|i| 200 + i as u16)
    }

    /// Whether a background event did not happen because of a defender action
    /// (its host or its client was isolated / powered off, or its user's account disabled).
    pub(crate) fn hidden(&self, e: &Event) -> bool {
        if e.actor != Actor::Background || (self.isolated.is_empty() && self.powered_off.is_empty())
        {
            return false;
        }
        let ip = match e.data {
            Data::Proxy { client, .. } => client,
            Data::Dns { client, .. } => client,
            Data::Firewall { src, .. } => src,
            Data::WinSec { ip, .. } => ip,
            Data::Dhcp { ip, .. } => ip,
            Data::Web { client, .. } => client,
            Data::MailSent { relay_ip, .. } => relay_ip,
            _ => 0,
        };
        for (h, hip, at) in self.isolated.iter().chain(self.powered_off.iter()) {
            if e.t >= *at && (e.host == *h || (ip != 0 && ip == *hip)) {
                return true;
            }
        }
        false
    }

    /// Status a background proxy line gets under the rules in force at its time.
    pub(crate) fn proxy_verdict(&self, names: &Interner, e: &Event) -> Option<(SquidCode, u16)> {
        if e.actor != Actor::Background || (self.proxy_rules.is_empty() && self.fw_rules.is_empty())
        {
            return None;
        }
        if let Data::Proxy {
            url,
            server,
            method,
            ..
        } = e.data
        {
            let u = names.get(url);
            let host = url_host(u);
            let start = e.t;
            if self.proxy_blocked(host, u, server, start) {
                return Some((SquidCode::Denied, 403));
            }
            let port = if method == Method::Connect { 443 } else { 80 };
            if server != 0
                && self
                    .fw_blocked(self.proxy_ip, server, port, start)
                    .is_some()
            {
                let code = if method == Method::Connect {
                    SquidCode::Tunnel
                } else {
                    SquidCode::Miss
                };
                return Some((code, 503));
            }
        }
        None
    }

    /// Disrupted background events (hidden, denied or failed) under the current rules.
    pub(crate) fn impact(&self, env: &Env, names: &Interner, background: &[Event]) -> u64 {
        if self.proxy_rules.is_empty()
            && self.fw_rules.is_empty()
            && self.isolated.is_empty()
            && self.powered_off.is_empty()
            && self.disabled.is_empty()
        {
            return 0;
        }
        let from = self
            .proxy_rules
            .iter()
            .map(|r| r.0)
            .chain(self.fw_rules.iter().map(|r| r.0))
            .chain(self.isolated.iter().map(|r| r.2))
            .chain(self.powered_off.iter().map(|r| r.2))
            .chain(self.disabled.iter().map(|r| r.1))
            .min()
            .unwrap_or(env.end);
        let i0 = background.partition_point(|e| e.t < from);
        let mut n = 0;
        for e in &background[i0..] {
            if self.hidden_full(env, e) || self.proxy_verdict(names, e).is_some() {
                n += 1;
            }
        }
        n
    }

    /// Whether a background event did not happen because of the defenders:
    /// its host or client was isolated or powered off, its user's account was
    /// disabled, or the firewall now denies the citizen / mail server that
    /// would have connected.
    pub(crate) fn hidden_full(&self, env: &Env, e: &Event) -> bool {
        if self.hidden(e) {
            return true;
        }
        if e.actor != Actor::Background {
            return false;
        }
        if !self.fw_rules.is_empty() {
            let blocked = match e.data {
                Data::Web { client, .. } => {
                    let ip = env.host(e.host).ip;
                    self.fw_blocked(client, ip, 443, e.t).is_some()
                        || self.fw_blocked(client, ip, 80, e.t).is_some()
                }
                Data::MailConnect { client, .. } => self
                    .fw_blocked(client, env.host(e.host).ip, 25, e.t)
                    .is_some(),
                _ => false,
            };
            if blocked {
                return true;
            }
        }
        if self.disabled.is_empty() {
            return false;
        }
        let user = match e.data {
            Data::Proxy { user, .. } | Data::WinSec { user, .. } | Data::Sysmon { user, .. } => {
                user
            }
            _ => return false,
        };
        self.disabled
            .iter()
            .any(|(a, at)| e.t >= *at && env.accounts[*a].sym == user)
    }

    // ---- attacker ------------------------------------------------------

    fn note(&mut self, t: Micros, s: String) {
        self.timeline.push((t, s));
    }

    fn patient_zero(&self, t: Micros) -> Option<usize> {
        self.infections
            .iter()
            .position(|i| i.alive && !self.cut(i.host, t))
    }

    fn step(&mut self, env: &Env, names: &mut Interner, out: &mut Vec<Event>, i: usize, t: Micros) {
        let st = &env.scenario.steps[i];
        let v = &env.variant;
        match st.kind.clone() {
            StepKind::PhishingMail { subject, .. } => {
                let subject = crate::scenario::mail_subject(&subject, &v.payload);
                let Some(victim) = v.step_victim[i] else {
                    return;
                };
                let mail = env.role(Role::Mail);
                let mail_ip = env.host(mail).ip;
                if let Some(pol) = self.fw_blocked(v.sender_mta, mail_ip, 25, t) {
                    out.push(aev(
                        t,
                        Source::Firewall,
                        env.role(Role::Firewall),
                        Data::Firewall {
                            src: v.sender_mta,
                            sport: 40000 + self.rng.below(20000) as u16,
                            dst: mail_ip,
                            dport: 25,
                            proto: 6,
                            policy: pol,
                            session: 900_000 + self.seq as u32,
                        },
                    ));
                    self.note(
                        t,
                        format!("{}: mail from {} blocked at the firewall", st.id, v.sender),
                    );
                    return;
                }
                let qid = 0x7A00_0000 | (self.rng.next_u64() as u32 & 0xff_ffff);
                let from = names.intern(&v.sender);
                let mta = names.intern(&v.sender_mta_name);
                let to = env.staff[victim].mail_sym;
                out.push(aev(
                    t,
                    Source::Mail,
                    mail,
                    Data::MailConnect {
                        qid,
                        pid: 21000 + self.rng.below(9000) as u32,
                        client: v.sender_mta,
                        name: mta,
                    },
                ));
                out.push(aev(
                    t + 210_000,
                    Source::Mail,
                    mail,
                    Data::MailQueued {
                        qid,
                        pid: 3280,
                        from,
                        size: 182_000 + self.rng.below(40_000) as u32,
                    },
                ));
                let san = env
                    .scenario
                    .host_with_role(Role::Sanitizer)
                    .map(|x| env.server_ids[x]);
                let delay = 900 + self.rng.below(1500) as u32;
                if let Some(san) = san {
                    let relay = env.host(san).name_sym;
                    out.push(aev(
                        t + delay as i64 * 1000,
                        Source::Mail,
                        mail,
                        Data::MailSent {
                            qid,
                            pid: 28949,
                            to,
                            relay,
                            relay_ip: env.host(san).ip,
                            delay_ms: delay,
                            queued_as: self.rng.next_u64() as u32,
                        },
                    ));
                    let file = names.intern(&v.zip);
                    let sha = names.intern(&v.zip_sha256);
                    out.push(aev(
                        t + delay as i64 * 1000 + 600_000,
                        Source::Sanitizer,
                        san,
                        Data::Sanitize {
                            qid,
                            from,
                            to,
                            file,
                            sha256: sha,
                            verdict: Verdict::PassedEncrypted,
                        },
                    ));
                }
                self.delivered[i] = Some((victim, t));
                self.note(
                    t,
                    format!(
                        "{}: targeted mail \"{}\" from {} to {} with {}",
                        st.id,
                        subject,
                        v.sender,
                        names.get(to),
                        v.zip
                    ),
                );
            }
            StepKind::UsbDrop { supplier, .. } => {
                let Some(victim) = v.step_victim[i] else {
                    return;
                };
                let term = env.staff[victim].terminal;
                if self.off(term, t) {
                    return;
                }
                let user = env.staff[victim].login_sym;
                let dev = names.intern("USB 大容量記憶装置");
                let sup = names.intern(&supplier);
                out.push(aev(
                    t,
                    Source::WinSecurity,
                    term,
                    Data::WinSec {
                        id: 6416,
                        user,
                        ip: 0,
                        logon_type: 0,
                        status: 0,
                        a: dev,
                        b: sup,
                        c: DASH,
                    },
                ));
                self.delivered[i] = Some((victim, t));
                self.note(
                    t,
                    format!(
                        "{}: USB stick from {supplier} inserted into {}",
                        st.id,
                        env.host(term).name
                    ),
                );
            }
            StepKind::Execute { delivery } => {
                let Some((victim, _)) = self.delivered[delivery] else {
                    return;
                };
                let warned_before = self.warned.is_some_and(|w| w <= t);
                let unless = matches!(
                    env.scenario.steps[delivery].kind,
                    StepKind::PhishingMail {
                        unless_warned: true,
                        ..
                    } | StepKind::UsbDrop {
                        unless_warned: true,
                        ..
                    }
                );
                if warned_before && unless {
                    // The warned employee does not open it and reports it instead.
                    let login = &env.staff[victim].login;
                    let section = &env.scenario.sections[env.staff[victim].section].name;
                    let what = match &env.scenario.steps[delivery].kind {
                        StepKind::UsbDrop { supplier, .. } => format!(
                            "{supplier} から受け取った USB メモリに実行ファイル {} が入っています",
                            v.payload
                        ),
                        _ => format!(
                            "{} から不審なメール (添付 {}) が届きました",
                            v.sender, v.zip
                        ),
                    };
                    let text = names.intern(&format!(
                        "{section} {login}: 注意喚起を見ました。{what}。開かずに報告します。"
                    ));
                    let ip = env.host(env.staff[victim].terminal).ip;
                    out.push(Event {
                        t,
                        source: Source::Alert,
                        host: env.soc,
                        actor: Actor::Defender,
                        data: Data::Alert {
                            reporter: Reporter::Staff,
                            src: ip,
                            dst: 0,
                            domain: DASH,
                            text,
                        },
                    });
                    self.note(
                        t,
                        format!(
                            "{}: warned staff did not open the file and reported it",
                            st.id
                        ),
                    );
                    return;
                }
                let term = env.staff[victim].terminal;
                if self.cut(term, t) {
                    return;
                }
                let usb = matches!(env.scenario.steps[delivery].kind, StepKind::UsbDrop { .. });
                let login = &env.staff[victim].login;
                let user = env.staff[victim].login_sym;
                let explorer = names.intern("C:\\Windows\\explorer.exe");
                let outlook = names
                    .intern("C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE");
                let payload_path = if usb {
                    format!("E:\\{}", v.payload)
                } else {
                    format!("C:\\Users\\{login}\\Downloads\\{}", v.payload)
                };
                let mut tt = t;
                if !usb {
                    let cache = format!(
                        "C:\\Users\\{login}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\{:08X}\\{}",
                        self.rng.next_u64() as u32,
                        v.zip
                    );
                    let c = names.intern(&cache);
                    out.push(aev(
                        tt,
                        Source::Sysmon,
                        term,
                        Data::Sysmon {
                            id: 11,
                            user,
                            image: outlook,
                            a: c,
                            b: DASH,
                            hash: DASH,
                            ip: 0,
                            port: 0,
                            pid: 1000 + (term.0 % 4000) * 8,
                        },
                    ));
                    tt += 40 * SEC + self.rng.range(0, 30 * SEC);
                    let p = names.intern(&payload_path);
                    out.push(aev(
                        tt,
                        Source::Sysmon,
                        term,
                        Data::Sysmon {
                            id: 11,
                            user,
                            image: explorer,
                            a: p,
                            b: DASH,
                            hash: DASH,
                            ip: 0,
                            port: 0,
                            pid: 1004 + (term.0 % 4000) * 8,
                        },
                    ));
                }
                tt += 8 * SEC + self.rng.range(0, 20 * SEC);
                let pimg = names.intern(&payload_path);
                let pcmd = names.intern(&format!("\"{payload_path}\""));
                let phash = names.intern(&v.payload_sha256);
                let ppid = 4000 + self.rng.below(20000) as u32 * 4;
                out.push(aev(
                    tt,
                    Source::Sysmon,
                    term,
                    Data::Sysmon {
                        id: 1,
                        user,
                        image: pimg,
                        a: pcmd,
                        b: explorer,
                        hash: phash,
                        ip: 0,
                        port: 0,
                        pid: ppid,
                    },
                ));
                out.push(aev(
                    tt + 1000,
                    Source::WinSecurity,
                    term,
                    Data::WinSec {
                        id: 4688,
                        user,
                        ip: 0,
                        logon_type: 0,
                        status: ppid,
                        a: pimg,
                        b: pcmd,
                        c: explorer,
                    },
                ));
                let implant = format!(
                    "C:\\Users\\{login}\\AppData\\Roaming\\{}\\{}",
                    v.implant_dir, v.implant_exe
                );
                let iimg = names.intern(&implant);
                let ihash = names.intern(&v.implant_sha256);
                tt += 2 * SEC + self.rng.range(0, 2 * SEC);
                out.push(aev(
                    tt,
                    Source::Sysmon,
                    term,
                    Data::Sysmon {
                        id: 11,
                        user,
                        image: pimg,
                        a: iimg,
                        b: DASH,
                        hash: DASH,
                        ip: 0,
                        port: 0,
                        pid: ppid,
                    },
                ));
                let ipid = 4000 + self.rng.below(20000) as u32 * 4;
                tt += 900_000;
                out.push(aev(
                    tt,
                    Source::Sysmon,
                    term,
                    Data::Sysmon {
                        id: 1,
                        user,
                        image: iimg,
                        a: iimg,
                        b: pimg,
                        hash: ihash,
                        ip: 0,
                        port: 0,
                        pid: ipid,
                    },
                ));
                out.push(aev(
                    tt + 1000,
                    Source::WinSecurity,
                    term,
                    Data::WinSec {
                        id: 4688,
                        user,
                        ip: 0,
                        logon_type: 0,
                        status: ipid,
                        a: iimg,
                        b: iimg,
                        c: pimg,
                    },
                ));
                let stem = v.implant_exe.trim_end_matches(".exe");
                let key = names.intern(&format!(
                    "HKU\\S-1-5-21-{}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\{stem}",
                    1_000_000 + victim
                ));
                out.push(aev(
                    tt + 300_000,
                    Source::Sysmon,
                    term,
                    Data::Sysmon {
                        id: 13,
                        user,
                        image: iimg,
                        a: key,
                        b: iimg,
                        hash: DASH,
                        ip: 0,
                        port: 0,
                        pid: ipid,
                    },
                ));
                self.infections.push(Infection {
                    host: term,
                    since: tt,
                    step: i,
                    user,
                    image: implant.clone(),
                    image_sym: iimg,
                    pid: ipid,
                    alive: true,
                    file_present: true,
                    web: false,
                });
                if self.beacon_interval.is_some() {
                    let k = self.infections.len() - 1;
                    let d = self.rng.range(40, 90) * SEC;
                    self.push(tt + d, Item::Beacon(k));
                }
                self.note(
                    tt,
                    format!(
                        "{}: {} ran {} on {} → implant {implant}",
                        st.id,
                        login,
                        v.payload,
                        env.host(term).name
                    ),
                );
            }
            StepKind::WebExploit { host, path } => {
                let web = env.server_ids[host];
                if self.cut(web, t) {
                    return;
                }
                let op = v.operators[self.op_cur % v.operators.len()];
                let web_ip = env.host(web).ip;
                if let Some(pol) = self.fw_blocked(op, web_ip, 443, t) {
                    out.push(aev(
                        t,
                        Source::Firewall,
                        env.role(Role::Firewall),
                        Data::Firewall {
                            src: op,
                            sport: 50000,
                            dst: web_ip,
                            dport: 443,
                            proto: 6,
                            policy: pol,
                            session: 910_000,
                        },
                    ));
                    return;
                }
                let ua = names.intern(
                    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
                );
                let mut tt = t;
                for probe in [
                    "/wp-login.php",
                    "/admin/",
                    "/cms/admin/login.php",
                    "/.env",
                    "/cms/readme.txt",
                ] {
                    let p = names.intern(probe);
                    let status = if probe.starts_with("/cms/") { 200 } else { 404 };
                    out.push(aev(
                        tt,
                        Source::Web,
                        web,
                        Data::Web {
                            client: op,
                            method: Method::Get,
                            path: p,
                            status,
                            bytes: if status == 200 { 2311 } else { 0 },
                            ua,
                        },
                    ));
                    tt += self.rng.range(1, 4) * SEC;
                }
                let up = names.intern(&path);
                out.push(aev(
                    tt,
                    Source::Web,
                    web,
                    Data::Web {
                        client: op,
                        method: Method::Post,
                        path: up,
                        status: 200,
                        bytes: 58,
                        ua,
                    },
                ));
                tt += 3 * SEC;
                let shell = names.intern(&format!("{}?cmd=id", v.webshell));
                out.push(aev(
                    tt,
                    Source::Web,
                    web,
                    Data::Web {
                        client: op,
                        method: Method::Get,
                        path: shell,
                        status: 200,
                        bytes: 54,
                        ua,
                    },
                ));
                let www = names.intern("www-data");
                let wsym = names.intern(&format!("/var/www/html{}", v.webshell));
                self.infections.push(Infection {
                    host: web,
                    since: tt,
                    step: i,
                    user: www,
                    image: format!("/var/www/html{}", v.webshell),
                    image_sym: wsym,
                    pid: 0,
                    alive: true,
                    file_present: true,
                    web: true,
                });
                if self.beacon_interval.is_some() {
                    let k = self.infections.len() - 1;
                    self.push(tt + 10 * MIN, Item::Beacon(k));
                }
                self.note(
                    tt,
                    format!(
                        "{}: web shell {} planted on {} from {}",
                        st.id,
                        v.webshell,
                        env.host(web).name,
                        ip(op)
                    ),
                );
            }
            StepKind::Beacon { interval_minutes } => {
                self.beacon_interval = Some(interval_minutes as i64 * MIN);
                for k in 0..self.infections.len() {
                    self.push(t + k as i64 * 7 * SEC, Item::Beacon(k));
                }
            }
            StepKind::Discovery => {
                let Some(k) = self.patient_zero(t) else {
                    return;
                };
                let inf = self.infections[k].clone();
                let cmds = [
                    "whoami /all",
                    "ipconfig /all",
                    "net user /domain",
                    "net group \"Domain Admins\" /domain",
                    "nltest /dclist:",
                    "net view \\\\fs01",
                ];
                let mut tt = t;
                if inf.web {
                    for c in [
                        "id",
                        "uname -a",
                        "cat /etc/passwd",
                        "ip addr",
                        "cat /var/www/html/cms/config.php",
                    ] {
                        if !self.web_cmd(env, names, out, &inf, tt, c) {
                            break;
                        }
                        tt += self.rng.range(5, 40) * SEC;
                    }
                } else {
                    let cmd = names.intern("C:\\Windows\\System32\\cmd.exe");
                    for c in cmds {
                        let cl = names.intern(&format!("cmd.exe /c {c}"));
                        let pid = 4000 + self.rng.below(20000) as u32 * 4;
                        out.push(aev(
                            tt,
                            Source::Sysmon,
                            inf.host,
                            Data::Sysmon {
                                id: 1,
                                user: inf.user,
                                image: cmd,
                                a: cl,
                                b: inf.image_sym,
                                hash: DASH,
                                ip: 0,
                                port: 0,
                                pid,
                            },
                        ));
                        out.push(aev(
                            tt + 1000,
                            Source::WinSecurity,
                            inf.host,
                            Data::WinSec {
                                id: 4688,
                                user: inf.user,
                                ip: 0,
                                logon_type: 0,
                                status: pid,
                                a: cmd,
                                b: cl,
                                c: inf.image_sym,
                            },
                        ));
                        tt += self.rng.range(5, 40) * SEC;
                    }
                }
                self.note(
                    t,
                    format!(
                        "{}: discovery commands on {}",
                        st.id,
                        env.host(inf.host).name
                    ),
                );
            }
            StepKind::CredentialDump { accounts } => {
                let Some(k) = self.patient_zero(t) else {
                    return;
                };
                let inf = self.infections[k].clone();
                if inf.web {
                    return;
                }
                let admin = v.admin_account;
                let rd = names.intern("C:\\Windows\\System32\\rundll32.exe");
                let cl = names.intern(&format!("rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump {} C:\\Users\\Public\\Libraries\\ls.dmp full", 600 + self.rng.below(200) * 4));
                let pid = 4000 + self.rng.below(20000) as u32 * 4;
                out.push(aev(
                    t,
                    Source::Sysmon,
                    inf.host,
                    Data::Sysmon {
                        id: 1,
                        user: inf.user,
                        image: rd,
                        a: cl,
                        b: inf.image_sym,
                        hash: DASH,
                        ip: 0,
                        port: 0,
                        pid,
                    },
                ));
                out.push(aev(
                    t + 1000,
                    Source::WinSecurity,
                    inf.host,
                    Data::WinSec {
                        id: 4688,
                        user: inf.user,
                        ip: 0,
                        logon_type: 0,
                        status: pid,
                        a: rd,
                        b: cl,
                        c: inf.image_sym,
                    },
                ));
                let dmp = names.intern("C:\\Users\\Public\\Libraries\\ls.dmp");
                out.push(aev(
                    t + 3 * SEC,
                    Source::Sysmon,
                    inf.host,
                    Data::Sysmon {
                        id: 11,
                        user: inf.user,
                        image: rd,
                        a: dmp,
                        b: DASH,
                        hash: DASH,
                        ip: 0,
                        port: 0,
                        pid,
                    },
                ));
                let mut stolen = vec![admin];
                if let HostKind::Terminal { staff, .. } = env.host(inf.host).kind
                    && let Some(a) = env
                        .accounts
                        .iter()
                        .position(|a| a.staff == staff && !a.admin)
                {
                    stolen.push(a);
                }
                stolen.truncate(accounts as usize);
                let list: Vec<&str> = stolen
                    .iter()
                    .map(|a| env.accounts[*a].login.as_str())
                    .collect();
                self.note(
                    t,
                    format!(
                        "{}: LSASS dumped on {}, stole {}",
                        st.id,
                        env.host(inf.host).name,
                        list.join(", ")
                    ),
                );
                self.stolen = stolen;
                self.stolen_at = Some(t);
            }
            StepKind::Lateral { .. } => {
                let Some(target) = v.step_target[i] else {
                    return;
                };
                let Some(k) = self.patient_zero(t) else {
                    return;
                };
                let inf = self.infections[k].clone();
                let src_ip = env.host(inf.host).ip;
                let dst_ip = env.host(target).ip;
                if inf.web || env.zone(src_ip) == "dmz" {
                    let fw = env.role(Role::Firewall);
                    for (n, port) in [445u16, 135, 3389].iter().enumerate() {
                        out.push(aev(
                            t + n as i64 * 3 * SEC,
                            Source::Firewall,
                            fw,
                            Data::Firewall {
                                src: src_ip,
                                sport: 40000 + self.rng.below(20000) as u16,
                                dst: dst_ip,
                                dport: *port,
                                proto: 6,
                                policy: 10,
                                session: 920_000 + n as u32,
                            },
                        ));
                    }
                    self.note(
                        t,
                        format!(
                            "{}: attempted to reach {} from the DMZ; denied by the firewall",
                            st.id,
                            env.host(target).name
                        ),
                    );
                    return;
                }
                let Some((acc, t)) = self.usable_account(env, names, out, t, target, src_ip) else {
                    self.note(
                        t,
                        format!(
                            "{}: lateral movement to {} failed: no usable stolen account",
                            st.id,
                            env.host(target).name
                        ),
                    );
                    return;
                };
                if self.cut(target, t) {
                    return;
                }
                let user = env.accounts[acc].sym;
                let ad = env.role(Role::Ad);
                out.push(aev(
                    t,
                    Source::WinSecurity,
                    ad,
                    Data::WinSec {
                        id: 4769,
                        user,
                        ip: src_ip,
                        logon_type: 0,
                        status: 0,
                        a: env.host(target).name_sym,
                        b: DASH,
                        c: DASH,
                    },
                ));
                out.push(aev(
                    t + 30_000,
                    Source::WinSecurity,
                    target,
                    Data::WinSec {
                        id: 4624,
                        user,
                        ip: src_ip,
                        logon_type: 3,
                        status: 0,
                        a: env.host(inf.host).name_sym,
                        b: names.intern("Kerberos"),
                        c: DASH,
                    },
                ));
                out.push(aev(
                    t + 32_000,
                    Source::WinSecurity,
                    target,
                    Data::WinSec {
                        id: 4672,
                        user,
                        ip: 0,
                        logon_type: 0,
                        status: 0,
                        a: DASH,
                        b: DASH,
                        c: DASH,
                    },
                ));
                let admin_share = names.intern("\\\\*\\ADMIN$");
                out.push(aev(
                    t + 60_000,
                    Source::WinSecurity,
                    target,
                    Data::WinSec {
                        id: 5140,
                        user,
                        ip: src_ip,
                        logon_type: 0,
                        status: 0,
                        a: admin_share,
                        b: DASH,
                        c: DASH,
                    },
                ));
                let svc = format!("{:08x}", self.rng.next_u64() as u32);
                let img = format!("C:\\Windows\\{svc}.exe");
                let isym = names.intern(&img);
                let rel = names.intern(&format!("{svc}.exe"));
                out.push(aev(
                    t + 80_000,
                    Source::WinSecurity,
                    target,
                    Data::WinSec {
                        id: 5145,
                        user,
                        ip: src_ip,
                        logon_type: 0,
                        status: 2,
                        a: admin_share,
                        b: rel,
                        c: DASH,
                    },
                ));
                let system = names.intern("SYSTEM");
                let services = names.intern("C:\\Windows\\System32\\services.exe");
                out.push(aev(
                    t + 90_000,
                    Source::Sysmon,
                    target,
                    Data::Sysmon {
                        id: 11,
                        user: system,
                        image: names.intern("System"),
                        a: isym,
                        b: DASH,
                        hash: DASH,
                        ip: 0,
                        port: 0,
                        pid: 4,
                    },
                ));
                out.push(aev(
                    t + 2 * SEC,
                    Source::WinSecurity,
                    target,
                    Data::WinSec {
                        id: 4697,
                        user,
                        ip: 0,
                        logon_type: 0,
                        status: 0,
                        a: names.intern(&svc),
                        b: isym,
                        c: DASH,
                    },
                ));
                let pid = 4000 + self.rng.below(20000) as u32 * 4;
                let ihash = names.intern(&v.implant_sha256);
                out.push(aev(
                    t + 3 * SEC,
                    Source::Sysmon,
                    target,
                    Data::Sysmon {
                        id: 1,
                        user: system,
                        image: isym,
                        a: isym,
                        b: services,
                        hash: ihash,
                        ip: 0,
                        port: 0,
                        pid,
                    },
                ));
                out.push(aev(
                    t + 3 * SEC + 1000,
                    Source::WinSecurity,
                    target,
                    Data::WinSec {
                        id: 4688,
                        user: system,
                        ip: 0,
                        logon_type: 0,
                        status: pid,
                        a: isym,
                        b: isym,
                        c: services,
                    },
                ));
                self.infections.push(Infection {
                    host: target,
                    since: t + 3 * SEC,
                    step: i,
                    user: system,
                    image: img.clone(),
                    image_sym: isym,
                    pid,
                    alive: true,
                    file_present: true,
                    web: false,
                });
                if self.beacon_interval.is_some() {
                    let k = self.infections.len() - 1;
                    self.push(t + 2 * MIN, Item::Beacon(k));
                }
                self.note(
                    t,
                    format!(
                        "{}: moved from {} to {} as {} (service {img})",
                        st.id,
                        env.host(inf.host).name,
                        env.host(target).name,
                        env.accounts[acc].login
                    ),
                );
            }
            StepKind::Collect {
                share,
                file,
                records,
            } => {
                let Some(k) = self.patient_zero(t) else {
                    return;
                };
                let inf = self.infections[k].clone();
                let sh = &env.scenario.shares[share];
                let server = env.server_ids[sh.host];
                if inf.web {
                    if server != inf.host {
                        return;
                    }
                    let cmd = format!(
                        "mysqldump+-u+cms+--all-databases+>+/tmp/.{}.sql",
                        &v.archive_sha256[..6]
                    );
                    if self.web_cmd(env, names, out, &inf, t, &cmd) {
                        let zip = format!(
                            "zip+-P+x+/var/www/html/uploads/.{}.zip+/tmp/.{}.sql",
                            &v.archive_sha256[..6],
                            &v.archive_sha256[..6]
                        );
                        self.web_cmd(env, names, out, &inf, t + 40 * SEC, &zip);
                        self.staged = Some((file.clone(), records, t));
                        self.note(
                            t,
                            format!(
                                "{}: dumped {file} ({records} records) on {}",
                                st.id,
                                env.host(server).name
                            ),
                        );
                    }
                    return;
                }
                if self.cut(server, t) {
                    return;
                }
                let src_ip = env.host(inf.host).ip;
                let Some((acc, t)) = self.usable_account(env, names, out, t, server, src_ip) else {
                    self.note(
                        t,
                        format!(
                            "{}: collection from {} failed: no usable stolen account",
                            st.id,
                            env.host(server).name
                        ),
                    );
                    return;
                };
                let user = env.accounts[acc].sym;
                let ad = env.role(Role::Ad);
                out.push(aev(
                    t,
                    Source::WinSecurity,
                    ad,
                    Data::WinSec {
                        id: 4769,
                        user,
                        ip: src_ip,
                        logon_type: 0,
                        status: 0,
                        a: env.host(server).name_sym,
                        b: DASH,
                        c: DASH,
                    },
                ));
                out.push(aev(
                    t + 20_000,
                    Source::WinSecurity,
                    server,
                    Data::WinSec {
                        id: 4624,
                        user,
                        ip: src_ip,
                        logon_type: 3,
                        status: 0,
                        a: env.host(inf.host).name_sym,
                        b: names.intern("Kerberos"),
                        c: DASH,
                    },
                ));
                let share_sym = names.intern(&format!("\\\\*\\{}", sh.name));
                out.push(aev(
                    t + 40_000,
                    Source::WinSecurity,
                    server,
                    Data::WinSec {
                        id: 5140,
                        user,
                        ip: src_ip,
                        logon_type: 0,
                        status: 0,
                        a: share_sym,
                        b: DASH,
                        c: DASH,
                    },
                ));
                let fsym = names.intern(&file);
                out.push(aev(
                    t + 70_000,
                    Source::WinSecurity,
                    server,
                    Data::WinSec {
                        id: 5145,
                        user,
                        ip: src_ip,
                        logon_type: 0,
                        status: 1,
                        a: share_sym,
                        b: fsym,
                        c: DASH,
                    },
                ));
                let rar = names.intern("C:\\Users\\Public\\Libraries\\rar.exe");
                let cl = names.intern(&format!(
                    "rar.exe a -hp{} {} \\\\{}\\{}\\{}",
                    &v.archive_sha256[..8],
                    v.archive,
                    env.host(server).name,
                    sh.name,
                    file
                ));
                let pid = 4000 + self.rng.below(20000) as u32 * 4;
                out.push(aev(
                    t + 80_000,
                    Source::Sysmon,
                    inf.host,
                    Data::Sysmon {
                        id: 1,
                        user: inf.user,
                        image: rar,
                        a: cl,
                        b: inf.image_sym,
                        hash: DASH,
                        ip: 0,
                        port: 0,
                        pid,
                    },
                ));
                out.push(aev(
                    t + 81_000,
                    Source::WinSecurity,
                    inf.host,
                    Data::WinSec {
                        id: 4688,
                        user: inf.user,
                        ip: 0,
                        logon_type: 0,
                        status: pid,
                        a: rar,
                        b: cl,
                        c: inf.image_sym,
                    },
                ));
                let arc = names.intern(&v.archive);
                out.push(aev(
                    t + 20 * SEC,
                    Source::Sysmon,
                    inf.host,
                    Data::Sysmon {
                        id: 11,
                        user: inf.user,
                        image: rar,
                        a: arc,
                        b: DASH,
                        hash: DASH,
                        ip: 0,
                        port: 0,
                        pid,
                    },
                ));
                self.staged = Some((file.clone(), records, t));
                self.note(
                    t,
                    format!(
                        "{}: copied \\\\{}\\{}\\{file} ({records} records) into {} on {}",
                        st.id,
                        env.host(server).name,
                        sh.name,
                        v.archive,
                        env.host(inf.host).name
                    ),
                );
            }
            StepKind::Exfil { channel } => {
                let Some((file, records, _)) = self.staged.clone() else {
                    return;
                };
                let bytes = records * 38 + 4096;
                let stager = self.infections.iter().position(|inf| {
                    if channel == Channel::Webshell {
                        inf.web
                    } else {
                        !inf.web
                    }
                });
                let Some(k) = stager else { return };
                let inf = self.infections[k].clone();
                if self.cut(inf.host, t) || (!inf.alive && !inf.web) {
                    self.exfil_blocked = Some(t);
                    self.note(
                        t,
                        format!(
                            "{}: exfiltration failed: {} is isolated, off or cleaned",
                            st.id,
                            env.host(inf.host).name
                        ),
                    );
                    return;
                }
                if !inf.web
                    && self.quarantined.iter().any(|(h, p, at)| {
                        *h == inf.host && *at <= t && p.eq_ignore_ascii_case(&v.archive)
                    })
                {
                    self.exfil_blocked = Some(t);
                    self.note(
                        t,
                        format!(
                            "{}: exfiltration failed: staged archive was quarantined",
                            st.id
                        ),
                    );
                    return;
                }
                let n = if channel == Channel::C2 {
                    v.c2.len()
                } else {
                    v.operators.len()
                };
                let mut tt = t;
                for _ in 0..n {
                    let ok = if channel == Channel::C2 {
                        self.c2_contact(env, names, out, k, tt, Some(bytes as u32))
                    } else {
                        let path = format!("/uploads/.{}.zip", &v.archive_sha256[..6]);
                        self.web_get(env, names, out, &inf, tt, &path, bytes as u32)
                    };
                    if ok {
                        let via = if channel == Channel::C2 {
                            v.c2[self.c2_cur].domain.clone()
                        } else {
                            ip(v.operators[self.op_cur % v.operators.len()])
                        };
                        self.note(tt, format!("{}: exfiltrated {file} ({records} records, {bytes} bytes) via {via}", st.id));
                        self.leak = Some(Leak {
                            t: tt,
                            file,
                            records,
                            bytes,
                            via,
                        });
                        return;
                    }
                    tt += self.rng.range(20, 90) * SEC;
                }
                self.exfil_blocked = Some(tt);
                self.note(
                    tt,
                    format!("{}: exfiltration failed: every channel blocked", st.id),
                );
            }
            StepKind::Alert { from } => {
                let soc = env.soc;
                let first = self
                    .contacts
                    .iter()
                    .find(|c| c.ok)
                    .cloned()
                    .or_else(|| self.contacts.first().cloned());
                let (src, dst, domain, text) = if let Some(c) = first {
                    let h = env.find_host(&c.host).map(|h| env.host(h).ip).unwrap_or(0);
                    let c2 = v.c2.iter().find(|x| x.domain == c.via);
                    match c2 {
                        Some(c2) => (
                            h,
                            c2.ip,
                            c2.sym,
                            format!(
                                "{} 以降、{} から不審な宛先 {} ({}) への定期的な HTTPS 通信をプロキシ経由で検知しました。C2 通信の可能性があります。至急ご確認ください。",
                                crate::time::iso(c.t),
                                ip(h),
                                c2.domain,
                                ip(c2.ip)
                            ),
                        ),
                        None => {
                            let op = crate::net::parse_ip(&c.via).unwrap_or(0);
                            (
                                op,
                                h,
                                DASH,
                                format!(
                                    "{} 以降、{} から公開 Web サーバ {} 上の不審なファイル (Web シェルの可能性) へのアクセスを検知しました。",
                                    crate::time::iso(c.t),
                                    c.via,
                                    ip(h)
                                ),
                            )
                        }
                    }
                } else {
                    (
                        0,
                        0,
                        DASH,
                        "不審な通信の兆候を検知しました。ログをご確認ください。".to_string(),
                    )
                };
                let tsym = names.intern(&text);
                out.push(Event {
                    t,
                    source: Source::Alert,
                    host: soc,
                    actor: Actor::Defender,
                    data: Data::Alert {
                        reporter: if from == AlertFrom::Vendor {
                            Reporter::Vendor
                        } else {
                            Reporter::Soc
                        },
                        src,
                        dst,
                        domain,
                        text: tsym,
                    },
                });
                self.alert = Some((t, text));
                self.note(
                    t,
                    format!(
                        "{}: {} alert raised",
                        st.id,
                        if from == AlertFrom::Vendor {
                            "vendor"
                        } else {
                            "SOC"
                        }
                    ),
                );
            }
        }
    }

    fn restart(
        &mut self,
        env: &Env,
        names: &mut Interner,
        out: &mut Vec<Event>,
        k: usize,
        t: Micros,
    ) {
        let inf = self.infections[k].clone();
        if inf.alive || !inf.file_present || self.off(inf.host, t) {
            return;
        }
        let pid = 4000 + self.rng.below(20000) as u32 * 4;
        self.infections[k].alive = true;
        self.infections[k].pid = pid;
        let ihash = names.intern(&env.variant.implant_sha256);
        let parent = names.intern(if inf.image.starts_with("C:\\Windows\\") {
            "C:\\Windows\\System32\\services.exe"
        } else {
            "C:\\Windows\\explorer.exe"
        });
        out.push(aev(
            t,
            Source::Sysmon,
            inf.host,
            Data::Sysmon {
                id: 1,
                user: inf.user,
                image: inf.image_sym,
                a: inf.image_sym,
                b: parent,
                hash: ihash,
                ip: 0,
                port: 0,
                pid,
            },
        ));
        self.note(
            t,
            format!(
                "implant restarted on {} by its persistence",
                env.host(inf.host).name
            ),
        );
        self.push(t + 30 * SEC, Item::Beacon(k));
    }

    fn admin_logon(&mut self, env: &Env, names: &mut Interner, out: &mut Vec<Event>, t: Micros) {
        let Some(k) = self.patient_zero(t) else {
            return;
        };
        let inf = self.infections[k].clone();
        if inf.web {
            return;
        }
        let admin = env.variant.admin_account;
        let admin_term = env.staff[env.accounts[admin].staff].terminal;
        let user = env.accounts[admin].sym;
        let (ip, ws) = (env.host(admin_term).ip, env.host(admin_term).name_sym);
        let user32 = names.intern("User32");
        out.push(aev(
            t,
            Source::WinSecurity,
            inf.host,
            Data::WinSec {
                id: 4624,
                user,
                ip,
                logon_type: 10,
                status: 0,
                a: ws,
                b: user32,
                c: DASH,
            },
        ));
        out.push(aev(
            t + 2000,
            Source::WinSecurity,
            inf.host,
            Data::WinSec {
                id: 4672,
                user,
                ip: 0,
                logon_type: 0,
                status: 0,
                a: DASH,
                b: DASH,
                c: DASH,
            },
        ));
        out.push(aev(
            t + 25 * MIN,
            Source::WinSecurity,
            inf.host,
            Data::WinSec {
                id: 4634,
                user,
                ip: 0,
                logon_type: 10,
                status: 0,
                a: DASH,
                b: DASH,
                c: DASH,
            },
        ));
        self.note(
            t,
            format!(
                "IT admin {} logged on remotely to {} for support",
                env.accounts[admin].login,
                env.host(inf.host).name
            ),
        );
    }

    /// First stolen account that still works; logs failures on the way.
    fn usable_account(
        &mut self,
        env: &Env,
        _names: &mut Interner,
        out: &mut Vec<Event>,
        t: Micros,
        target: HostId,
        src_ip: u32,
    ) -> Option<(usize, Micros)> {
        let ad = env.role(Role::Ad);
        let ws = env
            .hosts
            .iter()
            .find(|h| h.ip == src_ip)
            .map(|h| h.name_sym)
            .unwrap_or(DASH);
        for (n, &a) in self.stolen.clone().iter().enumerate() {
            match self.account_ok(a, t) {
                Ok(()) => return Some((a, t + n as i64 * 5 * SEC)),
                Err(status) => {
                    let tt = t + n as i64 * 5 * SEC;
                    let user = env.accounts[a].sym;
                    out.push(aev(
                        tt,
                        Source::WinSecurity,
                        ad,
                        Data::WinSec {
                            id: 4776,
                            user,
                            ip: src_ip,
                            logon_type: 0,
                            status,
                            a: ws,
                            b: DASH,
                            c: DASH,
                        },
                    ));
                    out.push(aev(
                        tt + 10_000,
                        Source::WinSecurity,
                        target,
                        Data::WinSec {
                            id: 4625,
                            user,
                            ip: src_ip,
                            logon_type: 3,
                            status,
                            a: ws,
                            b: DASH,
                            c: DASH,
                        },
                    ));
                    self.note(
                        tt,
                        format!(
                            "attacker tried stolen account {}: refused",
                            env.accounts[a].login
                        ),
                    );
                }
            }
        }
        None
    }

    fn beacon(
        &mut self,
        env: &Env,
        names: &mut Interner,
        out: &mut Vec<Event>,
        k: usize,
        t: Micros,
    ) {
        let Some(interval) = self.beacon_interval else {
            return;
        };
        let inf = self.infections[k].clone();
        if self.off(inf.host, t)
            || self
                .isolated
                .iter()
                .any(|(h, _, at)| *h == inf.host && *at <= t)
        {
            return;
        }
        if !inf.alive {
            if inf.file_present && !inf.web {
                // Persistence starts the implant again at the next logon / boot.
                let next = next_morning(env, t) + self.rng.range(0, 20 * MIN);
                self.push(next - 30 * SEC, Item::Restart(k));
            }
            return;
        }
        if !inf.web && crate::activity::is_terminal(env, inf.host) && !terminal_on(env, t) {
            let next = next_morning(env, t) + self.rng.range(0, 20 * MIN);
            self.push(next, Item::Beacon(k));
            return;
        }
        if inf.web {
            if !inf.file_present {
                return;
            }
            let c = format!("ls+-la+/tmp&t={}", t / SEC % 100000);
            self.web_cmd(env, names, out, &inf, t, &c);
        } else {
            self.c2_contact(env, names, out, k, t, None);
        }
        let jitter = self.rng.range(-(interval / 10), interval / 10);
        self.push(t + interval + jitter, Item::Beacon(k));
    }

    /// One C2 session: DNS, direct attempt (denied by the perimeter), then the proxy.
    fn c2_contact(
        &mut self,
        env: &Env,
        names: &mut Interner,
        out: &mut Vec<Event>,
        k: usize,
        t: Micros,
        exfil: Option<u32>,
    ) -> bool {
        let inf = self.infections[k].clone();
        let v = &env.variant;
        let c2 = v.c2[self.c2_cur % v.c2.len()].clone();
        let h = env.host(inf.host);
        let dns = env.role(Role::Dns);
        let fw = env.role(Role::Firewall);
        let proxy = env.role(Role::Proxy);
        let proxy_ip = env.host(proxy).ip;
        let sport = 49152 + self.rng.below(16000) as u16;
        let results = names.intern(&format!("::ffff:{};", ip(c2.ip)));
        out.push(aev(
            t,
            Source::Sysmon,
            inf.host,
            Data::Sysmon {
                id: 22,
                user: inf.user,
                image: inf.image_sym,
                a: c2.sym,
                b: results,
                hash: DASH,
                ip: 0,
                port: 0,
                pid: inf.pid,
            },
        ));
        out.push(aev(
            t + 1000,
            Source::Dns,
            dns,
            Data::Dns {
                client: h.ip,
                port: sport,
                name: c2.sym,
                aaaa: false,
            },
        ));
        out.push(aev(
            t + 25_000,
            Source::Firewall,
            fw,
            Data::Firewall {
                src: h.ip,
                sport: sport + 1,
                dst: c2.ip,
                dport: 443,
                proto: 6,
                policy: 99,
                session: 500_000 + self.rng.below(400_000) as u32,
            },
        ));
        let t1 = t + 1_020_000;
        let pname = env.host(proxy).name_sym;
        out.push(aev(
            t1,
            Source::Sysmon,
            inf.host,
            Data::Sysmon {
                id: 3,
                user: inf.user,
                image: inf.image_sym,
                a: pname,
                b: DASH,
                hash: DASH,
                ip: proxy_ip,
                port: 8080,
                pid: inf.pid,
            },
        ));
        let url = names.intern(&format!("{}:443", c2.domain));
        // A service running as SYSTEM authenticates to the proxy with the machine account.
        let user = if names.get(inf.user) == "SYSTEM" {
            names.intern(&format!("{}$", h.name))
        } else {
            inf.user
        };
        let ok;
        if self.proxy_blocked(&c2.domain, names.get(url), c2.ip, t1) {
            out.push(aev(
                t1 + 1000,
                Source::Proxy,
                proxy,
                Data::Proxy {
                    client: h.ip,
                    user,
                    method: Method::Connect,
                    url,
                    code: SquidCode::Denied,
                    status: 403,
                    bytes: 3_912,
                    elapsed_ms: 1,
                    server: 0,
                    mime: names.intern("text/html"),
                },
            ));
            ok = false;
        } else {
            out.push(aev(
                t1 + 1000,
                Source::Dns,
                dns,
                Data::Dns {
                    client: proxy_ip,
                    port: 32768 + self.rng.below(28000) as u16,
                    name: c2.sym,
                    aaaa: false,
                },
            ));
            if let Some(pol) = self.fw_blocked(proxy_ip, c2.ip, 443, t1) {
                out.push(aev(
                    t1 + 30_000,
                    Source::Firewall,
                    fw,
                    Data::Firewall {
                        src: proxy_ip,
                        sport: 30000 + self.rng.below(30000) as u16,
                        dst: c2.ip,
                        dport: 443,
                        proto: 6,
                        policy: pol,
                        session: 500_000 + self.rng.below(400_000) as u32,
                    },
                ));
                out.push(aev(
                    t1 + 60_030_000,
                    Source::Proxy,
                    proxy,
                    Data::Proxy {
                        client: h.ip,
                        user,
                        method: Method::Connect,
                        url,
                        code: SquidCode::Tunnel,
                        status: 503,
                        bytes: 0,
                        elapsed_ms: 60_030,
                        server: 0,
                        mime: DASH,
                    },
                ));
                ok = false;
            } else {
                let (bytes, elapsed) = match exfil {
                    Some(b) => (b, 30_000 + self.rng.below(90_000) as u32),
                    None => (
                        1_200 + self.rng.below(4_000) as u32,
                        180 + self.rng.below(900) as u32,
                    ),
                };
                out.push(aev(
                    t1 + elapsed as i64 * 1000,
                    Source::Proxy,
                    proxy,
                    Data::Proxy {
                        client: h.ip,
                        user,
                        method: Method::Connect,
                        url,
                        code: SquidCode::Tunnel,
                        status: 200,
                        bytes,
                        elapsed_ms: elapsed,
                        server: c2.ip,
                        mime: DASH,
                    },
                ));
                ok = true;
            }
        }
        self.contacts.push(Contact {
            t,
            host: h.name.clone(),
            via: c2.domain.clone(),
            ok,
            exfil: exfil.is_some(),
        });
        if !ok {
            // The implant falls back to its next C2 domain.
            let before = self.c2_cur;
            self.c2_cur = (self.c2_cur + 1) % v.c2.len();
            if before != self.c2_cur {
                self.note(
                    t,
                    format!(
                        "implant on {} switched C2 from {} to {}",
                        h.name, c2.domain, v.c2[self.c2_cur].domain
                    ),
                );
            }
        }
        ok
    }

    /// Operator request to the web shell; falls back to another operator address when blocked.
    fn web_cmd(
        &mut self,
        env: &Env,
        names: &mut Interner,
        out: &mut Vec<Event>,
        inf: &Infection,
        t: Micros,
        cmd: &str,
    ) -> bool {
        let path = format!("{}?cmd={cmd}", env.variant.webshell);
        let bytes = 120 + self.rng.below(3000) as u32;
        self.web_get(env, names, out, inf, t, &path, bytes)
    }

    #[allow(clippy::too_many_arguments)]
    fn web_get(
        &mut self,
        env: &Env,
        names: &mut Interner,
        out: &mut Vec<Event>,
        inf: &Infection,
        t: Micros,
        path: &str,
        bytes: u32,
    ) -> bool {
        let v = &env.variant;
        let web_ip = env.host(inf.host).ip;
        let op = v.operators[self.op_cur % v.operators.len()];
        let ok;
        if self.cut(inf.host, t) {
            ok = false;
        } else if let Some(pol) = self.fw_blocked(op, web_ip, 443, t) {
            out.push(aev(
                t,
                Source::Firewall,
                env.role(Role::Firewall),
                Data::Firewall {
                    src: op,
                    sport: 40000 + self.rng.below(20000) as u16,
                    dst: web_ip,
                    dport: 443,
                    proto: 6,
                    policy: pol,
                    session: 600_000 + self.rng.below(300_000) as u32,
                },
            ));
            let before = self.op_cur;
            self.op_cur = (self.op_cur + 1) % v.operators.len();
            if before != self.op_cur {
                self.note(
                    t,
                    format!(
                        "operator moved from {} to {}",
                        ip(op),
                        ip(v.operators[self.op_cur])
                    ),
                );
            }
            ok = false;
        } else {
            let ua = names
                .intern("Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0");
            let p = names.intern(path);
            let present = self
                .infections
                .iter()
                .any(|i| i.web && i.host == inf.host && i.file_present);
            let status = if present { 200 } else { 404 };
            out.push(aev(
                t,
                Source::Web,
                inf.host,
                Data::Web {
                    client: op,
                    method: Method::Get,
                    path: p,
                    status,
                    bytes: if present { bytes } else { 0 },
                    ua,
                },
            ));
            ok = present;
        }
        self.contacts.push(Contact {
            t,
            host: env.host(inf.host).name.clone(),
            via: ip(op),
            ok,
            exfil: path.contains(".zip"),
        });
        ok
    }

    // ---- defender ------------------------------------------------------

    /// Checks that need no time to pass: names, rules, accounts, hints.
    pub(crate) fn validate(&self, env: &Env, a: &Action) -> Result<(), ActionError> {
        let host = |h: &str| {
            env.find_host(h)
                .ok_or_else(|| ActionError::UnknownHost(h.to_string()))
        };
        match a {
            Action::IsolateHost { host: h }
            | Action::PreserveEvidence { host: h }
            | Action::PowerOff { host: h } => host(h).map(|_| ()),
            Action::KillProcess { host: h, image } => {
                host(h)?;
                if image.trim().is_empty() {
                    return Err(ActionError::Invalid(
                        "image must name a process, e.g. msupdate.exe".into(),
                    ));
                }
                Ok(())
            }
            Action::QuarantineFile { host: h, path } | Action::CollectFile { host: h, path } => {
                host(h)?;
                if path.trim().is_empty() {
                    return Err(ActionError::Invalid("path must not be empty".into()));
                }
                Ok(())
            }
            Action::Block { device, rule } => {
                match device {
                    Device::Proxy => ProxyRule::parse(rule).map(|_| ()).map_err(|reason| {
                        ActionError::MalformedRule {
                            device: "proxy",
                            rule: rule.clone(),
                            reason,
                        }
                    }),
                    Device::Firewall => FwRule::parse(rule).map(|_| ()).map_err(|reason| {
                        ActionError::MalformedRule {
                            device: "firewall",
                            rule: rule.clone(),
                            reason,
                        }
                    }),
                }
            }
            Action::DisableAccount { account } | Action::ResetPassword { account } => env
                .find_account(account)
                .map(|_| ())
                .ok_or_else(|| ActionError::UnknownAccount(account.clone())),
            Action::TakeHint { id } => env
                .scenario
                .hints
                .iter()
                .find(|h| &h.id == id)
                .map(|_| ())
                .ok_or_else(|| ActionError::UnknownHint(id.clone())),
            Action::WarnStaff { message } | Action::Escalate { message, .. } => {
                if message.trim().is_empty() {
                    Err(ActionError::Invalid("the message must not be empty".into()))
                } else {
                    Ok(())
                }
            }
            Action::AskVendor { .. } | Action::ReportLeak { .. } => Ok(()),
        }
    }

    /// Apply an already-validated action at `t` (the simulation has run to `t`).
    pub(crate) fn apply(
        &mut self,
        env: &Env,
        names: &mut Interner,
        out: &mut Vec<Event>,
        background: &[Event],
        a: &Action,
        t: Micros,
    ) -> Result<Outcome, ActionError> {
        self.validate(env, a)?;
        let before = self.impact(env, names, background);
        let mut analysis = None;
        let v = &env.variant;
        let message = match a {
            Action::IsolateHost { host } => {
                let h = env.find_host(host).expect("validated");
                if self.cut(h, t) {
                    format!("{} は既に隔離または停止されています", env.host(h).name)
                } else {
                    self.isolated.push((h, env.host(h).ip, t));
                    format!(
                        "{} ({}) をネットワークから隔離しました",
                        env.host(h).name,
                        ip(env.host(h).ip)
                    )
                }
            }
            Action::Block { device, rule } => match device {
                Device::Proxy => {
                    let r = ProxyRule::parse(rule).expect("validated");
                    self.proxy_rules.push((t, r));
                    format!(
                        "proxy: `{rule}` を登録しました (acl #{})",
                        self.proxy_rules.len()
                    )
                }
                Device::Firewall => {
                    let r = FwRule::parse(rule).expect("validated");
                    let text = r.text();
                    self.fw_rules.push((t, r));
                    format!(
                        "firewall: policy {} `{text}` を追加しました",
                        200 + self.fw_rules.len() - 1
                    )
                }
            },
            Action::DisableAccount { account } => {
                let i = env.find_account(account).expect("validated");
                self.disabled.push((i, t));
                format!("アカウント {} を無効化しました", env.accounts[i].login)
            }
            Action::ResetPassword { account } => {
                let i = env.find_account(account).expect("validated");
                self.reset.push((i, t));
                format!(
                    "アカウント {} のパスワードをリセットしました",
                    env.accounts[i].login
                )
            }
            Action::KillProcess { host, image } => {
                let h = env.find_host(host).expect("validated");
                if self.off(h, t) {
                    return Err(ActionError::PoweredOff(env.host(h).name.clone()));
                }
                let k = self.infections.iter().position(|i| {
                    i.host == h && i.alive && !i.web && path_matches(&i.image, image)
                });
                match k {
                    Some(k) => {
                        self.infections[k].alive = false;
                        self.killed.push((h, t));
                        let inf = &self.infections[k];
                        out.push(Event {
                            t,
                            source: Source::WinSecurity,
                            host: h,
                            actor: Actor::Defender,
                            data: Data::WinSec {
                                id: 4689,
                                user: inf.user,
                                ip: 0,
                                logon_type: 0,
                                status: inf.pid,
                                a: inf.image_sym,
                                b: DASH,
                                c: DASH,
                            },
                        });
                        format!(
                            "{} 上のプロセス {} (PID {}) を終了しました",
                            env.host(h).name,
                            self.infections[k].image,
                            self.infections[k].pid
                        )
                    }
                    None => {
                        return Err(ActionError::NoSuchProcess {
                            host: env.host(h).name.clone(),
                            image: image.clone(),
                        });
                    }
                }
            }
            Action::QuarantineFile { host, path } => {
                let h = env.find_host(host).expect("validated");
                if self.off(h, t) {
                    return Err(ActionError::PoweredOff(env.host(h).name.clone()));
                }
                let k = self
                    .infections
                    .iter()
                    .position(|i| i.host == h && i.file_present && path_matches(&i.image, path));
                let archive_here = self
                    .infections
                    .first()
                    .is_some_and(|i| i.host == h && !i.web)
                    && self.staged.is_some()
                    && path_matches(&v.archive, path);
                if let Some(k) = k {
                    self.infections[k].file_present = false;
                    let inf = &self.infections[k];
                    if !inf.web {
                        let tool = names.intern("C:\\Program Files\\EDR\\edr-agent.exe");
                        out.push(Event {
                            t,
                            source: Source::Sysmon,
                            host: h,
                            actor: Actor::Defender,
                            data: Data::Sysmon {
                                id: 23,
                                user: names.intern("SYSTEM"),
                                image: tool,
                                a: inf.image_sym,
                                b: DASH,
                                hash: DASH,
                                ip: 0,
                                port: 0,
                                pid: 7700,
                            },
                        });
                    }
                    self.quarantined
                        .push((h, self.infections[k].image.clone(), t));
                    format!(
                        "{} を隔離領域へ移動しました (永続化も無効化)",
                        self.infections[k].image
                    )
                } else if archive_here {
                    self.quarantined.push((h, v.archive.clone(), t));
                    format!("{} を隔離領域へ移動しました", v.archive)
                } else {
                    return Err(ActionError::NoSuchFile {
                        host: env.host(h).name.clone(),
                        path: path.clone(),
                    });
                }
            }
            Action::CollectFile { host, path } => {
                let h = env.find_host(host).expect("validated");
                if self.off(h, t) {
                    return Err(ActionError::PoweredOff(env.host(h).name.clone()));
                }
                let inf = self.infections.iter().find(|i| {
                    i.host == h && (path_matches(&i.image, path) || path_matches(&v.payload, path))
                });
                match inf {
                    Some(i) => {
                        let is_payload =
                            path_matches(&v.payload, path) && !path_matches(&i.image, path);
                        let mut c2: Vec<String> =
                            v.c2.iter()
                                .map(|c| format!("{} ({})", c.domain, ip(c.ip)))
                                .collect();
                        if i.web {
                            c2 = Vec::new();
                        }
                        let report = AnalysisReport {
                            path: if is_payload {
                                v.payload.clone()
                            } else {
                                i.image.clone()
                            },
                            sha256: if i.web {
                                crate::world::variant_hash(env.seed, env.team, "webshell")
                            } else if is_payload {
                                v.payload_sha256.clone()
                            } else {
                                v.implant_sha256.clone()
                            },
                            verdict: if i.web {
                                "malicious: PHP web shell (executes the `cmd` parameter)".into()
                            } else {
                                "malicious: remote access trojan (HTTPS C2 via the system proxy)"
                                    .into()
                            },
                            c2,
                            persistence: (!i.web).then(|| {
                                format!(
                                    "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\{}",
                                    v.implant_exe.trim_end_matches(".exe")
                                )
                            }),
                            notes: if i.web {
                                vec!["operator requests come from the Internet; check the web server's access log for the source addresses".into()]
                            } else {
                                vec![
                                    format!("the dropper installs itself as %APPDATA%\\{}\\{}", v.implant_dir, v.implant_exe),
                                    "tries the C2 domains in order and moves to the next when one is blocked".into(),
                                    "tries a direct connection first, then the configured proxy".into(),
                                ]
                            },
                        };
                        self.analysed.push((h, report.path.clone(), t));
                        analysis = Some(report);
                        format!("{} を解析しました: 悪性", path)
                    }
                    None => {
                        return Err(ActionError::NoSuchFile {
                            host: env.host(h).name.clone(),
                            path: path.clone(),
                        });
                    }
                }
            }
            Action::PreserveEvidence { host } => {
                let h = env.find_host(host).expect("validated");
                if self.off(h, t) {
                    self.order_mistakes.push((t, format!("evidence of {} preserved only after it was powered off: memory is lost", env.host(h).name)));
                    format!(
                        "{} は停止済みのため、ディスクのみ保全しました (メモリは失われています)",
                        env.host(h).name
                    )
                } else {
                    self.preserved.push((h, t));
                    format!("{} のメモリとディスクを保全しました", env.host(h).name)
                }
            }
            Action::PowerOff { host } => {
                let h = env.find_host(host).expect("validated");
                if !self.preserved.iter().any(|(x, _)| *x == h)
                    && self.infections.iter().any(|i| i.host == h)
                {
                    self.order_mistakes.push((
                        t,
                        format!(
                            "{} powered off before its evidence was preserved",
                            env.host(h).name
                        ),
                    ));
                }
                if !self.off(h, t) {
                    self.powered_off.push((h, env.host(h).ip, t));
                }
                format!("{} を停止しました", env.host(h).name)
            }
            Action::WarnStaff { .. } => {
                if self.warned.is_none() {
                    self.warned = Some(t);
                }
                "全職員へ注意喚起を送信しました".to_string()
            }
            Action::Escalate { to, .. } => {
                self.escalations.push((*to, t));
                let contained = !self.proxy_rules.is_empty()
                    || !self.fw_rules.is_empty()
                    || !self.isolated.is_empty();
                match to {
                    Recipient::Ciso if contained => "CISO: 報告を受けました。封じ込めを継続し、被害範囲と原因を確認して30分ごとに報告してください。".to_string(),
                    Recipient::Ciso => "CISO: 報告を受けました。感染端末のネットワーク遮断を許可します。至急対応してください。".to_string(),
                    Recipient::SectionChief => "課長: 了解しました。課内の職員に端末の利用状況を確認させます。".to_string(),
                    Recipient::Vendor => "Aソリューション: 承知しました。ログの取得と調査を支援します。".to_string(),
                    Recipient::Police => "警察: 相談を受け付けました。ログと端末を保全しておいてください。".to_string(),
                    Recipient::Ppc if self.reports.is_empty() => "個人情報保護委員会: 速報を受け付けました。漏えいした項目と件数を確報で報告してください。".to_string(),
                    Recipient::Ppc => "個人情報保護委員会: 報告を受け付けました。".to_string(),
                }
            }
            Action::AskVendor { .. } => match &self.alert {
                Some((at, text)) => format!(
                    "Aソリューション: {} の通報内容: {text}",
                    crate::time::iso(*at)
                ),
                None => "Aソリューション: 現時点で通報済みの事象はありません".to_string(),
            },
            Action::TakeHint { id } => {
                let h = env
                    .scenario
                    .hints
                    .iter()
                    .find(|h| &h.id == id)
                    .expect("validated");
                if !self.hints.iter().any(|(x, _, _)| x == id) {
                    self.hints.push((id.clone(), h.cost, t));
                }
                h.text.clone()
            }
            Action::ReportLeak { report } => {
                self.reports.push((report.clone(), t));
                "情報漏洩報告を受け付けました".to_string()
            }
        };
        let after = self.impact(env, names, background);
        Ok(Outcome {
            message,
            analysis,
            impact: after.saturating_sub(before),
        })
    }
}

/// Host part of a proxy URL (`host:443` or `http://host/...`).
pub fn url_host(u: &str) -> &str {
    let rest = u.strip_prefix("http://").unwrap_or(u);
    let end = rest.find([':', '/']).unwrap_or(rest.len());
    &rest[..end]
}

fn path_matches(full: &str, given: &str) -> bool {
    let g = given.trim();
    full.eq_ignore_ascii_case(g)
        || full
            .rsplit(['\\', '/'])
            .next()
            .is_some_and(|b| b.eq_ignore_ascii_case(g))
}

fn terminal_on(env: &Env, t: Micros) -> bool {
    let c = jst(t);
    let m = c.hour * 60 + c.minute;
    c.weekday < 5
        && m + 30 >= env.scenario.office_start_minute
        && m <= env.scenario.office_end_minute + 90
}

fn next_morning(env: &Env, t: Micros) -> Micros {
    let mut d = jst_midnight(t);
    loop {
        let cand = d + (env.scenario.office_start_minute as i64 + 10) * MIN;
        if cand > t && jst(cand).weekday < 5 {
            return cand;
        }
        d += DAY;
    }
}
