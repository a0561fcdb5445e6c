//! Scenario model and its TOML format.
//!
//! A scenario describes one organisation's network, its staff, the background
//! activity, the attacker's plan, and how defenders are graded. Files are
//! parsed into a spanned TOML tree and read key by key, so that *every*
//! problem (unknown key, wrong type, dangling reference, overlapping CIDR,
//! impossible timing) is reported with file, line and key, not just the first.
//! `docs/scenario-format.md` documents every key.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::net::{Cidr, ip_string, parse_ip};
use crate::time::parse_hhmm;

/// One problem found in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// File name as given to the parser.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// Dotted key path, e.g. `step#3.after`.
    pub key: String,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.key, self.message
        )
    }
}

/// A scenario that failed validation, with all of its problems.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} problem(s) in scenario:\n{}", .problems.len(), .problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct ScenarioError {
    /// Every problem found, in file order.
    pub problems: Vec<Problem>,
}

/// Training course (CYDER). The rubric weighs objectives per course.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Course {
    A,
    #[serde(rename = "B-1")]
    B1,
    #[serde(rename = "B-2")]
    B2,
    C,
}

impl Course {
    /// Parse the course name used in files (`A`, `B-1`, `B-2`, `C`).
    pub fn parse(s: &str) -> Option<Course> {
        Some(match s {
            "A" => Course::A,
            "B-1" => Course::B1,
            "B-2" => Course::B2,
            "C" => Course::C,
            _ => return None,
        })
    }
    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Course::A => "A",
            Course::B1 => "B-1",
            Course::B2 => "B-2",
            Course::C => "C",
        }
    }
}

/// Kind of network zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetKind {
    Dmz,
    Business,
    Research,
    Core,
}

/// A network segment.
#[derive(Debug, Clone)]
pub struct Network {
    pub id: String,
    pub name: String,
    pub kind: NetKind,
    pub cidr: Cidr,
}

/// What a server does; decides which logs it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Firewall,
    Proxy,
    Dns,
    Web,
    Mail,
    Sanitizer,
    Ad,
    Dhcp,
    File,
    ResearchData,
    OrderManagement,
}

impl Role {
    const NAMES: [(&'static str, Role); 11] = [
        ("firewall", Role::Firewall),
        ("proxy", Role::Proxy),
        ("dns", Role::Dns),
        ("web", Role::Web),
        ("mail", Role::Mail),
        ("sanitizer", Role::Sanitizer),
        ("ad", Role::Ad),
        ("dhcp", Role::Dhcp),
        ("file", Role::File),
        ("research_data", Role::ResearchData),
        ("order_management", Role::OrderManagement),
    ];
    fn parse(s: &str) -> Option<Role> {
        Self::NAMES.iter().find(|(n, _)| *n == s).map(|(_, r)| *r)
    }
    /// Name used in files.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, r)| *r == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

/// A server with a fixed address.
#[derive(Debug, Clone)]
pub struct HostSpec {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub network: usize,
    pub address: u32,
}

/// A section (課) whose staff use DHCP terminals in one segment.
#[derive(Debug, Clone)]
pub struct Section {
    pub id: String,
    pub name: String,
    pub network: usize,
    pub staff: u32,
    pub prefix: String,
}

/// A file share on a file server.
#[derive(Debug, Clone)]
pub struct Share {
    pub id: String,
    pub host: usize,
    pub name: String,
    pub files: Vec<String>,
}

/// Background activity rates.
#[derive(Debug, Clone)]
pub struct Background {
    pub sites: Vec<String>,
    pub requests_per_staff_hour: u32,
    pub mails_per_staff_day: u32,
    pub file_ops_per_staff_hour: u32,
    pub web_hits_per_hour: u32,
    pub scans_per_hour: u32,
}

/// Attacker infrastructure the variant generator draws from.
#[derive(Debug, Clone)]
pub struct Attacker {
    pub c2_words: Vec<String>,
    pub c2_tlds: Vec<String>,
    pub c2_count: u32,
    pub c2_cidr: Cidr,
    pub operator_cidr: Cidr,
    pub sender_domains: Vec<String>,
    pub payload_names: Vec<String>,
}

/// When a step happens, before per-team jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepTime {
    /// Minutes relative to exercise start (negative = in the history).
    At(i64),
    /// Minutes after another step (by index).
    After { step: usize, delay: i64 },
}

/// Where a lateral movement goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Host(usize),
    Section(usize),
}

/// Who raises an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertFrom {
    Soc,
    Vendor,
}

/// How stolen data leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// HTTPS to the C2 through the proxy.
    C2,
    /// Download through a web shell on the DMZ web server.
    Webshell,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    PhishingMail {
        section: usize,
        subject: String,
        unless_warned: bool,
    },
    UsbDrop {
        section: usize,
        supplier: String,
        unless_warned: bool,
    },
    WebExploit {
        host: usize,
        path: String,
    },
    Execute {
        delivery: usize,
    },
    Beacon {
        interval_minutes: u32,
    },
    Discovery,
    CredentialDump {
        accounts: u32,
    },
    Lateral {
        target: Target,
    },
    Collect {
        share: usize,
        file: String,
        records: u64,
    },
    Exfil {
        channel: Channel,
    },
    Alert {
        from: AlertFrom,
    },
}

impl StepKind {
    /// The `kind` string used in files.
    pub fn name(&self) -> &'static str {
        match self {
            StepKind::PhishingMail { .. } => "phishing_mail",
            StepKind::UsbDrop { .. } => "usb_drop",
            StepKind::WebExploit { .. } => "web_exploit",
            StepKind::Execute { .. } => "execute",
            StepKind::Beacon { .. } => "beacon",
            StepKind::Discovery => "discovery",
            StepKind::CredentialDump { .. } => "credential_dump",
            StepKind::Lateral { .. } => "lateral",
            StepKind::Collect { .. } => "collect",
            StepKind::Exfil { .. } => "exfil",
            StepKind::Alert { .. } => "alert",
        }
    }
}

/// One step of the attacker's plan.
#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    pub kind: StepKind,
    pub time: StepTime,
    pub jitter_minutes: u32,
}

/// What an objective checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveKind {
    ContainC2,
    PreventLeak,
    IsolateInfected,
    IdentifyFirstHost,
    ReportLeak,
    WarnStaff,
    Escalate,
    PreserveEvidence,
    AnalyseFile,
    DisableStolenAccounts,
}

impl ObjectiveKind {
    const NAMES: [(&'static str, ObjectiveKind); 10] = [
        ("contain_c2", ObjectiveKind::ContainC2),
        ("prevent_leak", ObjectiveKind::PreventLeak),
        ("isolate_infected", ObjectiveKind::IsolateInfected),
        ("identify_first_host", ObjectiveKind::IdentifyFirstHost),
        ("report_leak", ObjectiveKind::ReportLeak),
        ("warn_staff", ObjectiveKind::WarnStaff),
        ("escalate", ObjectiveKind::Escalate),
        ("preserve_evidence", ObjectiveKind::PreserveEvidence),
        ("analyse_file", ObjectiveKind::AnalyseFile),
        (
            "disable_stolen_accounts",
            ObjectiveKind::DisableStolenAccounts,
        ),
    ];
    fn parse(s: &str) -> Option<ObjectiveKind> {
        Self::NAMES.iter().find(|(n, _)| *n == s).map(|(_, k)| *k)
    }
}

/// A graded objective.
#[derive(Debug, Clone)]
pub struct Objective {
    pub id: String,
    pub title: String,
    pub kind: ObjectiveKind,
    pub points: u32,
    /// Full points when achieved by this many minutes after start; after it
    /// the points fall linearly to `late_factor` at the end of the exercise.
    pub deadline_minutes: u32,
    pub late_factor: f64,
}

/// A hint a team may take for a cost.
#[derive(Debug, Clone)]
pub struct Hint {
    pub id: String,
    pub text: String,
    pub cost: u32,
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    pub organisation: String,
    pub mail_domain: String,
    pub ad_domain: String,
    pub courses: Vec<Course>,
    pub duration_minutes: u32,
    pub history_days_min: u32,
    pub office_start_minute: u32,
    pub office_end_minute: u32,
    pub networks: Vec<Network>,
    pub hosts: Vec<HostSpec>,
    pub sections: Vec<Section>,
    pub shares: Vec<Share>,
    pub background: Background,
    pub attacker: Attacker,
    pub steps: Vec<Step>,
    pub objectives: Vec<Objective>,
    pub hints: Vec<Hint>,
    /// course → objective index → weight (default 1.0 when absent).
    pub rubric: BTreeMap<Course, HashMap<usize, f64>>,
    /// Penalty points per unit of business impact.
    pub impact_penalty: f64,
}

const BUILTIN: [(&str, &str); 3] = [
    (
        "saida-city",
        include_str!("../../../scenarios/saida-city.toml"),
    ),
    (
        "usb-supplier",
        include_str!("../../../scenarios/usb-supplier.toml"),
    ),
    (
        "dmz-webshell",
        include_str!("../../../scenarios/dmz-webshell.toml"),
    ),
];

impl Scenario {
    /// Names of the scenarios built into the library.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// Load a built-in scenario by name (`saida-city`, `usb-supplier`, `dmz-webshell`).
    pub fn builtin(name: &str) -> Result<Scenario, ScenarioError> {
        match BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((n, src)) => Scenario::parse(&format!("scenarios/{n}.toml"), src),
            None => Err(ScenarioError {
                problems: vec![Problem {
                    file: name.into(),
                    line: 0,
                    key: "-".into(),
                    message: format!(
                        "no built-in scenario `{name}`; known: {}",
                        Self::builtin_names().join(", ")
                    ),
                }],
            }),
        }
    }

    /// Parse and validate scenario TOML. `file` is only used in messages.
    pub fn parse(file: &str, src: &str) -> Result<Scenario, ScenarioError> {
        let mut p = Parser {
            file: file.to_string(),
            src,
            problems: Vec::new(),
        };
        let root = match DeTable::parse(src) {
            Ok(t) => t,
            Err(e) => {
                let off = e.span().map(|s| s.start).unwrap_or(0);
                p.err(off, "-", format!("not valid TOML: {}", e.message()));
                return Err(ScenarioError {
                    problems: p.problems,
                });
            }
        };
        let sc = p.scenario(root.get_ref());
        if p.problems.is_empty() {
            // Unwrap is safe: every None path records a problem.
            Ok(sc.expect("scenario without problems"))
        } else {
            p.problems
                .sort_by(|a, b| a.line.cmp(&b.line).then(a.key.cmp(&b.key)));
            Err(ScenarioError {
                problems: p.problems,
            })
        }
    }

    /// Index of a host by id.
    pub fn host_index(&self, id: &str) -> Option<usize> {
        self.hosts.iter().position(|h| h.id == id)
    }

    /// First host with a role.
    pub fn host_with_role(&self, role: Role) -> Option<usize> {
        self.hosts.iter().position(|h| h.role == role)
    }

    /// NetBIOS domain name, e.g. `SAIDA` for `saida.local`.
    pub fn netbios(&self) -> String {
        self.ad_domain
            .split('.')
            .next()
            .unwrap_or("")
            .to_ascii_uppercase()
    }
}

// ---------------------------------------------------------------------------
// The reader: walks the spanned tree, records problems, never stops early.

type Val<'i> = Spanned<DeValue<'i>>;

struct Obj<'a, 'i> {
    t: &'a DeTable<'i>,
    path: String,
    off: usize,
    known: Vec<&'static str>,
}

struct Parser<'s> {
    file: String,
    src: &'s str,
    problems: Vec<Problem>,
}

/// A value with the line where it was written.
#[derive(Debug, Clone)]
struct At<T> {
    v: T,
    off: usize,
    key: String,
}

impl<'s> Parser<'s> {
    fn line(&self, off: usize) -> usize {
        self.src.as_bytes()[..off.min(self.src.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn err(&mut self, off: usize, key: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.clone(),
            line: self.line(off),
            key: key.to_string(),
            message: message.into(),
        });
    }

    fn get<'a, 'i>(&mut self, o: &mut Obj<'a, 'i>, key: &'static str) -> Option<&'a Val<'i>> {
        o.known.push(key);
        o.t.get(key)
    }

    fn key(o: &Obj, key: &str) -> String {
        if o.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", o.path)
        }
    }

    fn opt_str(&mut self, o: &mut Obj, key: &'static str) -> Option<At<String>> {
        let v = self.get(o, key)?;
        let k = Self::key(o, key);
        match v.get_ref().as_str() {
            Some(s) => Some(At {
                v: s.to_string(),
                off: v.span().start,
                key: k,
            }),
            None => {
                self.err(
                    v.span().start,
                    &k,
                    format!("expected a string, found {}", v.get_ref().type_str()),
                );
                None
            }
        }
    }

    fn str(&mut self, o: &mut Obj, key: &'static str) -> Option<At<String>> {
        let present = o.t.get(key).is_some();
        let r = self.opt_str(o, key);
        if !present {
            let k = Self::key(o, key);
            self.err(o.off, &k, "missing required key");
        }
        r
    }

    fn opt_int(&mut self, o: &mut Obj, key: &'static str, min: i64, max: i64) -> Option<At<i64>> {
        let v = self.get(o, key)?;
        let k = Self::key(o, key);
        let off = v.span().start;
        match v.get_ref().as_integer() {
            Some(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) if n >= min && n <= max => Some(At { v: n, off, key: k }),
                _ => {
                    self.err(off, &k, format!("must be an integer from {min} to {max}"));
                    None
                }
            },
            None => {
                self.err(
                    off,
                    &k,
                    format!("expected an integer, found {}", v.get_ref().type_str()),
                );
                None
            }
        }
    }

    fn int(&mut self, o: &mut Obj, key: &'static str, min: i64, max: i64) -> Option<At<i64>> {
        let present = o.t.get(key).is_some();
        let r = self.opt_int(o, key, min, max);
        if !present {
            let k = Self::key(o, key);
            self.err(o.off, &k, "missing required key");
        }
        r
    }

    fn opt_float(&mut self, o: &mut Obj, key: &'static str) -> Option<f64> {
        let v = self.get(o, key)?;
        self.number(v, &Self::key(o, key))
    }

    fn number(&mut self, v: &Val, k: &str) -> Option<f64> {
        let val = v.get_ref();
        if let Some(f) = val.as_float() {
            if let Ok(x) = f.as_str().replace('_', "").parse::<f64>()
                && x.is_finite()
                && x >= 0.0
            {
                return Some(x);
            }
            self.err(v.span().start, k, "must be a finite number >= 0");
            return None;
        }
        if let Some(i) = val.as_integer()
            && let Ok(n) = i64::from_str_radix(i.as_str(), i.radix())
            && n >= 0
        {
            return Some(n as f64);
        }
        self.err(
            v.span().start,
            k,
            format!("expected a number >= 0, found {}", val.type_str()),
        );
        None
    }

    fn opt_bool(&mut self, o: &mut Obj, key: &'static str) -> Option<bool> {
        let v = self.get(o, key)?;
        match v.get_ref().as_bool() {
            Some(b) => Some(b),
            None => {
                let k = Self::key(o, key);
                self.err(
                    v.span().start,
                    &k,
                    format!("expected true or false, found {}", v.get_ref().type_str()),
                );
                None
            }
        }
    }

    fn str_list(&mut self, o: &mut Obj, key: &'static str, required: bool) -> Vec<At<String>> {
        let k = Self::key(o, key);
        let Some(v) = self.get(o, key) else {
            if required {
                self.err(o.off, &k, "missing required key (a list of strings)");
            }
            return Vec::new();
        };
        let Some(arr) = v.get_ref().as_array() else {
            self.err(
                v.span().start,
                &k,
                format!(
                    "expected a list of strings, found {}",
                    v.get_ref().type_str()
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in arr.iter().enumerate() {
            match item.get_ref().as_str() {
                Some(s) if !s.is_empty() => out.push(At {
                    v: s.to_string(),
                    off: item.span().start,
                    key: format!("{k}[{i}]"),
                }),
                _ => self.err(
                    item.span().start,
                    &format!("{k}[{i}]"),
                    "expected a non-empty string",
                ),
            }
        }
        if required && out.is_empty() && !arr.is_empty() {
            // problems already recorded
        } else if required && arr.is_empty() {
            self.err(v.span().start, &k, "must not be empty");
        }
        out
    }

    fn table<'a, 'i>(
        &mut self,
        o: &mut Obj<'a, 'i>,
        key: &'static str,
        required: bool,
    ) -> Option<Obj<'a, 'i>> {
        let k = Self::key(o, key);
        let Some(v) = self.get(o, key) else {
            if required {
                self.err(o.off, &k, "missing required table");
            }
            return None;
        };
        match v.get_ref().as_table() {
            Some(t) => Some(Obj {
                t,
                path: k,
                off: v.span().start,
                known: Vec::new(),
            }),
            None => {
                self.err(
                    v.span().start,
                    &k,
                    format!("expected a table, found {}", v.get_ref().type_str()),
                );
                None
            }
        }
    }

    fn tables<'a, 'i>(&mut self, o: &mut Obj<'a, 'i>, key: &'static str) -> Vec<Obj<'a, 'i>> {
        let Some(v) = self.get(o, key) else {
            return Vec::new();
        };
        let Some(arr) = v.get_ref().as_array() else {
            self.err(
                v.span().start,
                key,
                format!(
                    "expected an array of tables ([[{key}]]), found {}",
                    v.get_ref().type_str()
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in arr.iter().enumerate() {
            match item.get_ref().as_table() {
                Some(t) => out.push(Obj {
                    t,
                    path: format!("{key}#{}", i + 1),
                    off: item.span().start,
                    known: Vec::new(),
                }),
                None => self.err(
                    item.span().start,
                    &format!("{key}#{}", i + 1),
                    "expected a table",
                ),
            }
        }
        out
    }

    /// Report keys that were never asked for.
    fn finish(&mut self, o: Obj) {
        for (k, v) in o.t.iter() {
            let name: &str = k.get_ref();
            if !o.known.contains(&name) {
                let mut known = o.known.clone();
                known.sort();
                known.dedup();
                let key = Self::key(&o, name);
                let off = k.span().start.min(v.span().start);
                self.err(
                    off,
                    &key,
                    format!("unknown key `{name}` (allowed here: {})", known.join(", ")),
                );
            }
        }
    }

    fn ids<T>(&mut self, items: &[(At<String>, T)], what: &str) -> HashMap<String, usize> {
        let mut map = HashMap::new();
        for (i, (id, _)) in items.iter().enumerate() {
            if id.v.is_empty()
                || !id
                    .v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                self.err(
                    id.off,
                    &id.key,
                    format!(
                        "{what} id `{}` must be non-empty ASCII letters, digits, `-` or `_`",
                        id.v
                    ),
                );
            }
            if map.insert(id.v.clone(), i).is_some() {
                self.err(id.off, &id.key, format!("duplicate {what} id `{}`", id.v));
            }
        }
        map
    }

    fn resolve(
        &mut self,
        map: &HashMap<String, usize>,
        r: &At<String>,
        what: &str,
    ) -> Option<usize> {
        match map.get(&r.v) {
            Some(&i) => Some(i),
            None => {
                let mut known: Vec<&String> = map.keys().collect();
                known.sort();
                let known: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
                self.err(
                    r.off,
                    &r.key,
                    format!("no {what} with id `{}` (known: {})", r.v, known.join(", ")),
                );
                None
            }
        }
    }

    fn scenario(&mut self, root: &DeTable) -> Option<Scenario> {
        let mut root = Obj {
            t: root,
            path: String::new(),
            off: 0,
            known: Vec::new(),
        };

        // [scenario]
        let mut head = self.table(&mut root, "scenario", true);
        let (mut id, mut title, mut org, mut mail_domain, mut ad_domain) =
            (None, None, None, None, None);
        let mut courses = Vec::new();
        let (mut duration, mut history_min) = (None, None);
        let mut impact_penalty = 0.5;
        if let Some(h) = head.as_mut() {
            id = self.str(h, "id");
            title = self.str(h, "title");
            org = self.str(h, "organisation");
            mail_domain = self.str(h, "mail_domain");
            ad_domain = self.str(h, "ad_domain");
            for c in self.str_list(h, "courses", true) {
                match Course::parse(&c.v) {
                    Some(x) => courses.push(x),
                    None => self.err(
                        c.off,
                        &c.key,
                        format!("unknown course `{}` (use A, B-1, B-2 or C)", c.v),
                    ),
                }
            }
            duration = self.int(h, "duration_minutes", 30, 24 * 60);
            history_min = self.int(h, "history_days_min", 1, 30);
            if let Some(x) = self.opt_float(h, "impact_penalty") {
                impact_penalty = x;
            }
        }
        if let Some(h) = head {
            self.finish(h);
        }
        for d in [&mail_domain, &ad_domain].into_iter().flatten() {
            if !is_domain(&d.v) {
                self.err(d.off, &d.key, format!("`{}` is not a domain name", d.v));
            }
        }

        // [office_hours]
        let (mut ostart, mut oend) = (None, None);
        if let Some(mut oh) = self.table(&mut root, "office_hours", true) {
            let s = self.str(&mut oh, "start");
            let e = self.str(&mut oh, "end");
            for x in [&s, &e].into_iter().flatten() {
                if parse_hhmm(&x.v).is_none() {
                    self.err(
                        x.off,
                        &x.key,
                        format!("`{}` is not a time of day HH:MM", x.v),
                    );
                }
            }
            ostart = s.as_ref().and_then(|x| parse_hhmm(&x.v));
            oend = e.as_ref().and_then(|x| parse_hhmm(&x.v));
            if let (Some(a), Some(b), Some(ex)) = (ostart, oend, e.as_ref())
                && a >= b
            {
                self.err(ex.off, &ex.key, "office hours must end after they start");
            }
            self.finish(oh);
        }

        // [[network]]
        let mut nets: Vec<(At<String>, Option<Network>)> = Vec::new();
        let mut net_cidr_at = Vec::new();
        for mut o in self.tables(&mut root, "network") {
            let nid = self.str(&mut o, "id");
            let name = self.str(&mut o, "name");
            let kind = self.str(&mut o, "kind");
            let cidr = self.str(&mut o, "cidr");
            let kind_v = kind.as_ref().and_then(|k| {
                let r = match k.v.as_str() {
                    "dmz" => Some(NetKind::Dmz),
                    "business" => Some(NetKind::Business),
                    "research" => Some(NetKind::Research),
                    "core" => Some(NetKind::Core),
                    _ => None,
                };
                if r.is_none() {
                    self.err(
                        k.off,
                        &k.key,
                        format!(
                            "unknown network kind `{}` (use dmz, business, research or core)",
                            k.v
                        ),
                    );
                }
                r
            });
            let cidr_v = cidr.as_ref().and_then(|c| match Cidr::parse(&c.v) {
                Ok(x) if x.prefix >= 8 && x.prefix <= 30 => Some(x),
                Ok(_) => {
                    self.err(c.off, &c.key, "network prefix must be between /8 and /30");
                    None
                }
                Err(e) => {
                    self.err(c.off, &c.key, e);
                    None
                }
            });
            let off = o.off;
            let path = o.path.clone();
            self.finish(o);
            let nid = nid.unwrap_or(At {
                v: String::new(),
                off,
                key: format!("{path}.id"),
            });
            net_cidr_at.push(cidr.clone());
            let net = match (name, kind_v, cidr_v) {
                (Some(n), Some(k), Some(c)) => Some(Network {
                    id: nid.v.clone(),
                    name: n.v,
                    kind: k,
                    cidr: c,
                }),
                _ => None,
            };
            nets.push((nid, net));
        }
        if nets.is_empty() {
            self.err(0, "network", "at least one [[network]] is required");
        }
        let net_ids = self.ids(&nets, "network");
        for i in 0..nets.len() {
            for j in 0..i {
                if let (Some(a), Some(b)) = (&nets[i].1, &nets[j].1)
                    && a.cidr.overlaps(&b.cidr)
                {
                    let at = net_cidr_at[i].clone().expect("cidr parsed");
                    self.err(
                        at.off,
                        &at.key,
                        format!("{} overlaps network `{}` ({})", a.cidr, b.id, b.cidr),
                    );
                }
            }
        }

        // [[host]]
        let mut hosts: Vec<(At<String>, Option<HostSpec>)> = Vec::new();
        for mut o in self.tables(&mut root, "host") {
            let hid = self.str(&mut o, "id");
            let name = self.str(&mut o, "name");
            let role = self.str(&mut o, "role");
            let net = self.str(&mut o, "network");
            let addr = self.str(&mut o, "address");
            let role_v = role.as_ref().and_then(|r| {
                let x = Role::parse(&r.v);
                if x.is_none() {
                    let names: Vec<&str> = Role::NAMES.iter().map(|(n, _)| *n).collect();
                    self.err(
                        r.off,
                        &r.key,
                        format!("unknown role `{}` (use one of: {})", r.v, names.join(", ")),
                    );
                }
                x
            });
            let net_i = net
                .as_ref()
                .and_then(|n| self.resolve(&net_ids, n, "network"));
            let addr_v = addr.as_ref().and_then(|a| {
                let x = parse_ip(&a.v);
                if x.is_none() {
                    self.err(a.off, &a.key, format!("`{}` is not an IPv4 address", a.v));
                }
                x
            });
            if let (Some(ni), Some(ip), Some(a)) = (net_i, addr_v, addr.as_ref())
                && let Some(n) = &nets[ni].1
            {
                if !n.cidr.contains(ip) {
                    self.err(
                        a.off,
                        &a.key,
                        format!("{} is outside its network `{}` ({})", a.v, n.id, n.cidr),
                    );
                } else if ip == n.cidr.base || ip == n.cidr.base | !n.cidr.mask() {
                    self.err(
                        a.off,
                        &a.key,
                        format!("{} is the network or broadcast address of {}", a.v, n.cidr),
                    );
                }
            }
            if let Some(n) = &name
                && !is_hostname(&n.v)
            {
                self.err(
                    n.off,
                    &n.key,
                    format!("`{}` is not a valid host name (letters, digits, `-`)", n.v),
                );
            }
            let off = o.off;
            let path = o.path.clone();
            self.finish(o);
            let hid = hid.unwrap_or(At {
                v: String::new(),
                off,
                key: format!("{path}.id"),
            });
            let h = match (name, role_v, net_i, addr_v) {
                (Some(n), Some(r), Some(ni), Some(a)) => Some(HostSpec {
                    id: hid.v.clone(),
                    name: n.v,
                    role: r,
                    network: ni,
                    address: a,
                }),
                _ => None,
            };
            hosts.push((hid, h));
        }
        let host_ids = self.ids(&hosts, "host");
        {
            let mut seen: HashMap<u32, String> = HashMap::new();
            let mut names: HashSet<String> = HashSet::new();
            for (hid, h) in &hosts {
                if let Some(h) = h {
                    if let Some(other) = seen.insert(h.address, h.id.clone()) {
                        self.err(
                            hid.off,
                            &hid.key,
                            format!(
                                "address {} is also used by host `{other}`",
                                ip_string(h.address)
                            ),
                        );
                    }
                    if !names.insert(h.name.to_ascii_lowercase()) {
                        self.err(
                            hid.off,
                            &hid.key,
                            format!("host name `{}` is used twice", h.name),
                        );
                    }
                }
            }
        }
        let role_count = |r: Role| {
            hosts
                .iter()
                .filter(|(_, h)| h.as_ref().is_some_and(|h| h.role == r))
                .count()
        };
        for r in [
            Role::Firewall,
            Role::Proxy,
            Role::Dns,
            Role::Mail,
            Role::Ad,
            Role::Dhcp,
            Role::Sanitizer,
        ] {
            if role_count(r) == 0 && !hosts.is_empty() {
                let first = hosts[0].0.off;
                self.err(
                    first,
                    "host",
                    format!("a host with role `{}` is required", r.name()),
                );
            }
        }

        // [[section]]
        let mut sections: Vec<(At<String>, Option<Section>)> = Vec::new();
        for mut o in self.tables(&mut root, "section") {
            let sid = self.str(&mut o, "id");
            let name = self.str(&mut o, "name");
            let net = self.str(&mut o, "network");
            let staff = self.int(&mut o, "staff", 1, 500);
            let prefix = self.str(&mut o, "prefix");
            let net_i = net
                .as_ref()
                .and_then(|n| self.resolve(&net_ids, n, "network"));
            if let (Some(ni), Some(n)) = (net_i, net.as_ref())
                && let Some(nw) = &nets[ni].1
            {
                if nw.kind != NetKind::Business {
                    self.err(
                        n.off,
                        &n.key,
                        format!(
                            "section terminals must be in a business network, `{}` is not",
                            nw.id
                        ),
                    );
                }
                if let Some(s) = &staff
                    && (s.v as u64) + 20 > nw.cidr.size()
                {
                    self.err(
                        s.off,
                        &s.key,
                        format!("{} staff do not fit in the DHCP range of {}", s.v, nw.cidr),
                    );
                }
                if hosts
                    .iter()
                    .any(|(_, h)| h.as_ref().is_some_and(|h| h.network == ni))
                {
                    self.err(
                        n.off,
                        &n.key,
                        format!(
                            "network `{}` holds servers; give the section its own segment",
                            nw.id
                        ),
                    );
                }
            }
            if let Some(p) = &prefix
                && (!is_hostname(&p.v) || p.v.len() > 8)
            {
                self.err(
                    p.off,
                    &p.key,
                    format!("prefix `{}` must be 1-8 letters, digits or `-` (terminal names PC-<prefix>-NN stay within 15 characters)", p.v),
                );
            }
            let off = o.off;
            let path = o.path.clone();
            self.finish(o);
            let sid = sid.unwrap_or(At {
                v: String::new(),
                off,
                key: format!("{path}.id"),
            });
            let s = match (name, net_i, staff, prefix) {
                (Some(n), Some(ni), Some(st), Some(p)) => Some(Section {
                    id: sid.v.clone(),
                    name: n.v,
                    network: ni,
                    staff: st.v as u32,
                    prefix: p.v,
                }),
                _ => None,
            };
            sections.push((sid, s));
        }
        if sections.is_empty() {
            self.err(0, "section", "at least one [[section]] is required");
        }
        let section_ids = self.ids(&sections, "section");
        {
            let mut used: HashMap<usize, String> = HashMap::new();
            for (sid, s) in &sections {
                if let Some(s) = s
                    && let Some(other) = used.insert(s.network, s.id.clone())
                {
                    self.err(
                        sid.off,
                        &sid.key,
                        format!("section shares its network with section `{other}`"),
                    );
                }
            }
        }

        // [[share]]
        let mut shares: Vec<(At<String>, Option<Share>)> = Vec::new();
        for mut o in self.tables(&mut root, "share") {
            let shid = self.str(&mut o, "id");
            let host = self.str(&mut o, "host");
            let name = self.str(&mut o, "name");
            let files = self.str_list(&mut o, "files", true);
            let host_i = host
                .as_ref()
                .and_then(|h| self.resolve(&host_ids, h, "host"));
            if let (Some(hi), Some(h)) = (host_i, host.as_ref())
                && let Some(hs) = &hosts[hi].1
                && !matches!(
                    hs.role,
                    Role::File | Role::Web | Role::ResearchData | Role::OrderManagement
                )
            {
                self.err(h.off, &h.key, format!("host `{}` has role `{}`; shares live on file, web, research_data or order_management hosts", hs.id, hs.role.name()));
            }
            let off = o.off;
            let path = o.path.clone();
            self.finish(o);
            let shid = shid.unwrap_or(At {
                v: String::new(),
                off,
                key: format!("{path}.id"),
            });
            let s = match (host_i, name) {
                (Some(hi), Some(n)) => Some(Share {
                    id: shid.v.clone(),
                    host: hi,
                    name: n.v,
                    files: files.into_iter().map(|f| f.v).collect(),
                }),
                _ => None,
            };
            shares.push((shid, s));
        }
        let share_ids = self.ids(&shares, "share");

        // [background]
        let mut background = None;
        if let Some(mut b) = self.table(&mut root, "background", true) {
            let sites = self.str_list(&mut b, "sites", true);
            for s in &sites {
                if !is_domain(&s.v) {
                    self.err(s.off, &s.key, format!("`{}` is not a domain name", s.v));
                }
            }
            let r = self.int(&mut b, "requests_per_staff_hour", 0, 5000);
            let m = self.int(&mut b, "mails_per_staff_day", 0, 500);
            let f = self.int(&mut b, "file_ops_per_staff_hour", 0, 1000);
            let w = self.int(&mut b, "web_hits_per_hour", 0, 100_000);
            let sc = self.int(&mut b, "scans_per_hour", 0, 100_000);
            self.finish(b);
            if let (Some(r), Some(m), Some(f), Some(w), Some(sc)) = (r, m, f, w, sc) {
                background = Some(Background {
                    sites: sites.into_iter().map(|s| s.v).collect(),
                    requests_per_staff_hour: r.v as u32,
                    mails_per_staff_day: m.v as u32,
                    file_ops_per_staff_hour: f.v as u32,
                    web_hits_per_hour: w.v as u32,
                    scans_per_hour: sc.v as u32,
                });
            }
        }

        // [attacker]
        let mut attacker = None;
        if let Some(mut a) = self.table(&mut root, "attacker", true) {
            let words = self.str_list(&mut a, "c2_words", true);
            let tlds = self.str_list(&mut a, "c2_tlds", true);
            let count = self.int(&mut a, "c2_count", 1, 8);
            let c2 = self.str(&mut a, "c2_cidr");
            let op = self.str(&mut a, "operator_cidr");
            let senders = self.str_list(&mut a, "sender_domains", true);
            let payloads = self.str_list(&mut a, "payload_names", true);
            for w in words.iter().chain(tlds.iter()) {
                if !w
                    .v
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                {
                    self.err(
                        w.off,
                        &w.key,
                        format!("`{}` must be lowercase letters, digits or `-`", w.v),
                    );
                }
            }
            for s in &senders {
                if !is_domain(&s.v) {
                    self.err(s.off, &s.key, format!("`{}` is not a domain name", s.v));
                }
            }
            let ext = |x: &Option<At<String>>, this: &mut Self| -> Option<Cidr> {
                let x = x.as_ref()?;
                match Cidr::parse(&x.v) {
                    Ok(c) => {
                        if let Some((nid, _)) = nets
                            .iter()
                            .find(|(_, n)| n.as_ref().is_some_and(|n| n.cidr.overlaps(&c)))
                        {
                            this.err(x.off, &x.key, format!("attacker addresses {c} overlap the organisation's network `{}`", nid.v));
                        }
                        Some(c)
                    }
                    Err(e) => {
                        this.err(x.off, &x.key, e);
                        None
                    }
                }
            };
            let c2c = ext(&c2, self);
            let opc = ext(&op, self);
            if let (Some(a), Some(b), Some(at)) = (c2c, opc, op.as_ref())
                && a.overlaps(&b)
            {
                self.err(
                    at.off,
                    &at.key,
                    format!("operator_cidr {b} overlaps c2_cidr {a}"),
                );
            }
            // Domains are `<word>-<other word>.<tld>`; addresses avoid the first and last two of the block.
            let pairs = words.len() * words.len().saturating_sub(1) * tlds.len();
            if let (Some(c), Some(n)) = (count.as_ref(), c2c)
                && ((c.v as usize) > pairs || c.v as u64 + 4 > n.size())
            {
                self.err(c.off, &c.key, "not enough c2_words/c2_tlds/c2_cidr addresses to draw that many distinct C2 servers");
            }
            if let (Some(o), Some(at)) = (opc, op.as_ref())
                && o.size() < 8
            {
                self.err(at.off, &at.key, format!("{o} is too small: three operator addresses are drawn from it (use /29 or larger)"));
            }
            self.finish(a);
            if let (Some(count), Some(c2c), Some(opc)) = (count, c2c, opc) {
                attacker = Some(Attacker {
                    c2_words: words.into_iter().map(|s| s.v).collect(),
                    c2_tlds: tlds.into_iter().map(|s| s.v).collect(),
                    c2_count: count.v as u32,
                    c2_cidr: c2c,
                    operator_cidr: opc,
                    sender_domains: senders.into_iter().map(|s| s.v).collect(),
                    payload_names: payloads.into_iter().map(|s| s.v).collect(),
                });
            }
        }

        // [[step]]
        let history_floor = history_min.as_ref().map(|h| -(h.v * 1440));
        let dur = duration.as_ref().map(|d| d.v);
        let step_tables = self.tables(&mut root, "step");
        let mut step_ids: HashMap<String, usize> = HashMap::new();
        let mut steps: Vec<(At<String>, Option<Step>)> = Vec::new();
        // nominal earliest/latest minute of each step, for timing checks
        let mut bounds: Vec<Option<(i64, i64)>> = Vec::new();
        for mut o in step_tables {
            let sid = self.str(&mut o, "id");
            let kind = self.str(&mut o, "kind");
            let at = self.opt_int(&mut o, "at_minutes", -30 * 1440, 1440);
            let after = self.opt_str(&mut o, "after");
            let delay = self.opt_int(&mut o, "delay_minutes", 0, 30 * 1440);
            let jitter = self
                .opt_int(&mut o, "jitter_minutes", 0, 1440)
                .map(|j| j.v as u32)
                .unwrap_or(0);
            let off = o.off;
            let path = o.path.clone();
            let here = steps.len();
            let time = match (&at, &after) {
                (Some(a), None) => {
                    if let Some(d) = &delay {
                        self.err(d.off, &d.key, "delay_minutes only goes with `after`");
                    }
                    Some(StepTime::At(a.v))
                }
                (None, Some(af)) => {
                    let r = match step_ids.get(&af.v) {
                        Some(&i) => Some(i),
                        None => {
                            let later = o.path.clone();
                            self.err(af.off, &af.key, format!("`after` must name a step defined above this one; `{}` is not (in {later})", af.v));
                            None
                        }
                    };
                    r.map(|i| StepTime::After {
                        step: i,
                        delay: delay.as_ref().map(|d| d.v).unwrap_or(0),
                    })
                }
                (Some(a), Some(_)) => {
                    self.err(
                        a.off,
                        &a.key,
                        "give either `at_minutes` or `after`, not both",
                    );
                    None
                }
                (None, None) => {
                    self.err(
                        off,
                        &format!("{path}.at_minutes"),
                        "missing timing: give `at_minutes` or `after` (+ `delay_minutes`)",
                    );
                    None
                }
            };
            let kind_v = kind.as_ref().and_then(|k| {
                self.step_kind(
                    &mut o,
                    k,
                    &section_ids,
                    &host_ids,
                    &share_ids,
                    &hosts,
                    &steps,
                )
            });
            let warned_off = o.t.get("unless_warned").map(|v| v.span().start);
            self.finish(o);
            // timing bounds
            let b = match time {
                Some(StepTime::At(m)) => Some((m - jitter as i64, m + jitter as i64)),
                Some(StepTime::After { step, delay }) => {
                    bounds[step].map(|(lo, hi)| (lo + delay, hi + delay + jitter as i64))
                }
                None => None,
            };
            if let (Some((lo, hi)), Some(floor), Some(d)) = (b, history_floor, dur) {
                let key = format!(
                    "{path}.{}",
                    if at.is_some() {
                        "at_minutes"
                    } else {
                        "delay_minutes"
                    }
                );
                let key_off = at
                    .as_ref()
                    .map(|a| a.off)
                    .or(delay.as_ref().map(|d| d.off))
                    .unwrap_or(off);
                if lo < floor {
                    self.err(key_off, &key, format!("step may happen {} min before exercise start, before the {} day(s) of history (history_days_min)", -lo, -floor / 1440));
                }
                if hi > d {
                    self.err(key_off, &key, format!("step may happen at minute {hi}, after the exercise ends (duration_minutes = {d})"));
                }
            }
            let warned = matches!(
                kind_v,
                Some(StepKind::PhishingMail {
                    unless_warned: true,
                    ..
                }) | Some(StepKind::UsbDrop {
                    unless_warned: true,
                    ..
                })
            );
            if let (true, Some((_, hi)), Some(w)) = (warned, b, warned_off)
                && hi < 0
            {
                self.err(
                    w,
                    &format!("{path}.unless_warned"),
                    "has no effect: the step happens before the exercise starts, when nobody can have warned the staff yet",
                );
            }
            bounds.push(b);
            let sid = sid.unwrap_or(At {
                v: String::new(),
                off,
                key: format!("{path}.id"),
            });
            if !sid.v.is_empty() && step_ids.insert(sid.v.clone(), here).is_some() {
                self.err(sid.off, &sid.key, format!("duplicate step id `{}`", sid.v));
            }
            let st = match (time, kind_v) {
                (Some(t), Some(k)) => Some(Step {
                    id: sid.v.clone(),
                    kind: k,
                    time: t,
                    jitter_minutes: jitter,
                }),
                _ => None,
            };
            steps.push((sid, st));
        }
        if steps.is_empty() {
            self.err(0, "step", "at least one [[step]] is required");
        }
        self.step_order(&steps, &bounds);

        // [[objective]]
        let mut objectives: Vec<(At<String>, Option<Objective>)> = Vec::new();
        for mut o in self.tables(&mut root, "objective") {
            let oid = self.str(&mut o, "id");
            let title = self.str(&mut o, "title");
            let kind = self.str(&mut o, "kind");
            let points = self.int(&mut o, "points", 1, 1000);
            let deadline = self.opt_int(&mut o, "deadline_minutes", 0, 1440);
            let late = self.opt_float(&mut o, "late_factor").unwrap_or(0.5);
            let kind_v = kind.as_ref().and_then(|k| {
                let x = ObjectiveKind::parse(&k.v);
                if x.is_none() {
                    let names: Vec<&str> = ObjectiveKind::NAMES.iter().map(|(n, _)| *n).collect();
                    self.err(
                        k.off,
                        &k.key,
                        format!(
                            "unknown objective kind `{}` (use one of: {})",
                            k.v,
                            names.join(", ")
                        ),
                    );
                }
                x
            });
            if let (Some(dl), Some(d)) = (&deadline, dur)
                && dl.v > d
            {
                self.err(
                    dl.off,
                    &dl.key,
                    format!(
                        "deadline {} is after the exercise ends (duration_minutes = {d})",
                        dl.v
                    ),
                );
            }
            if late > 1.0 {
                self.err(
                    o.off,
                    &format!("{}.late_factor", o.path),
                    "late_factor must be between 0 and 1",
                );
            }
            let off = o.off;
            let path = o.path.clone();
            self.finish(o);
            let oid = oid.unwrap_or(At {
                v: String::new(),
                off,
                key: format!("{path}.id"),
            });
            let ob = match (title, kind_v, points) {
                (Some(t), Some(k), Some(p)) => Some(Objective {
                    id: oid.v.clone(),
                    title: t.v,
                    kind: k,
                    points: p.v as u32,
                    deadline_minutes: deadline
                        .map(|d| d.v as u32)
                        .or(dur.map(|d| d as u32))
                        .unwrap_or(0),
                    late_factor: late.min(1.0),
                }),
                _ => None,
            };
            objectives.push((oid, ob));
        }
        if objectives.is_empty() {
            self.err(0, "objective", "at least one [[objective]] is required");
        }
        let objective_ids = self.ids(&objectives, "objective");

        // [[hint]]
        let mut hints: Vec<(At<String>, Option<Hint>)> = Vec::new();
        for mut o in self.tables(&mut root, "hint") {
            let hid = self.str(&mut o, "id");
            let text = self.str(&mut o, "text");
            let cost = self.int(&mut o, "cost", 0, 1000);
            let off = o.off;
            let path = o.path.clone();
            self.finish(o);
            let hid = hid.unwrap_or(At {
                v: String::new(),
                off,
                key: format!("{path}.id"),
            });
            let h = match (text, cost) {
                (Some(t), Some(c)) => Some(Hint {
                    id: hid.v.clone(),
                    text: t.v,
                    cost: c.v as u32,
                }),
                _ => None,
            };
            hints.push((hid, h));
        }
        self.ids(&hints, "hint");

        // [rubric.<course>]
        let mut rubric: BTreeMap<Course, HashMap<usize, f64>> = BTreeMap::new();
        if let Some(r) = self.table(&mut root, "rubric", false) {
            for (k, v) in r.t.iter() {
                let cname: &str = k.get_ref();
                let key = format!("rubric.{cname}");
                let Some(course) = Course::parse(cname) else {
                    self.err(
                        k.span().start,
                        &key,
                        format!("unknown course `{cname}` (use A, B-1, B-2 or C)"),
                    );
                    continue;
                };
                if !courses.contains(&course) {
                    self.err(
                        k.span().start,
                        &key,
                        format!("course `{cname}` is not listed in scenario.courses"),
                    );
                }
                let Some(t) = v.get_ref().as_table() else {
                    self.err(
                        v.span().start,
                        &key,
                        "expected a table of objective id = weight",
                    );
                    continue;
                };
                let mut weights = HashMap::new();
                for (ok, ov) in t.iter() {
                    let oname: &str = ok.get_ref();
                    let okey = format!("{key}.{oname}");
                    let w = self.number(ov, &okey);
                    match objective_ids.get(oname) {
                        Some(&i) => {
                            if let Some(w) = w {
                                weights.insert(i, w);
                            }
                        }
                        None => self.err(
                            ok.span().start,
                            &okey,
                            format!("no objective with id `{oname}`"),
                        ),
                    }
                }
                rubric.insert(course, weights);
            }
            // keys of the rubric table are course names, not fixed keys
        }
        self.finish(root);

        // Cross checks that need the whole file.
        if !steps.iter().any(|(_, s)| {
            s.as_ref()
                .is_some_and(|s| matches!(s.kind, StepKind::Alert { .. }))
        }) && !steps.is_empty()
        {
            self.err(
                steps[0].0.off,
                "step",
                "the plan needs an `alert` step: something must tell the defenders to start",
            );
        }

        Some(Scenario {
            id: id?.v,
            title: title?.v,
            organisation: org?.v,
            mail_domain: mail_domain?.v,
            ad_domain: ad_domain?.v,
            courses,
            duration_minutes: duration?.v as u32,
            history_days_min: history_min?.v as u32,
            office_start_minute: ostart?,
            office_end_minute: oend?,
            networks: collect(nets)?,
            hosts: collect(hosts)?,
            sections: collect(sections)?,
            shares: collect(shares)?,
            background: background?,
            attacker: attacker?,
            steps: collect(steps)?,
            objectives: collect(objectives)?,
            hints: collect(hints)?,
            rubric,
            impact_penalty,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn step_kind(
        &mut self,
        o: &mut Obj,
        kind: &At<String>,
        section_ids: &HashMap<String, usize>,
        host_ids: &HashMap<String, usize>,
        share_ids: &HashMap<String, usize>,
        hosts: &[(At<String>, Option<HostSpec>)],
        steps: &[(At<String>, Option<Step>)],
    ) -> Option<StepKind> {
        Some(match kind.v.as_str() {
            "phishing_mail" | "usb_drop" => {
                let section = self.str(o, "section");
                let unless_warned = self.opt_bool(o, "unless_warned").unwrap_or(false);
                let sec = section
                    .as_ref()
                    .and_then(|s| self.resolve(section_ids, s, "section"));
                if kind.v == "phishing_mail" {
                    let subject = self.str(o, "subject");
                    StepKind::PhishingMail {
                        section: sec?,
                        subject: subject?.v,
                        unless_warned,
                    }
                } else {
                    let supplier = self.str(o, "supplier");
                    StepKind::UsbDrop {
                        section: sec?,
                        supplier: supplier?.v,
                        unless_warned,
                    }
                }
            }
            "web_exploit" => {
                let host = self.str(o, "host");
                let path = self.str(o, "path");
                let h = host
                    .as_ref()
                    .and_then(|h| self.resolve(host_ids, h, "host"));
                if let (Some(hi), Some(hr)) = (h, host.as_ref())
                    && let Some(hs) = &hosts[hi].1
                    && hs.role != Role::Web
                {
                    self.err(
                        hr.off,
                        &hr.key,
                        format!(
                            "web_exploit needs a host with role `web`; `{}` is `{}`",
                            hs.id,
                            hs.role.name()
                        ),
                    );
                }
                if let Some(p) = &path
                    && (!p.v.starts_with('/') || p.v.contains(' '))
                {
                    self.err(
                        p.off,
                        &p.key,
                        "path must start with `/` and contain no spaces",
                    );
                }
                StepKind::WebExploit {
                    host: h?,
                    path: path?.v,
                }
            }
            "execute" => {
                let d = self.str(o, "delivery");
                let di = d.as_ref().and_then(|d| {
                    let ids: HashMap<String, usize> = steps
                        .iter()
                        .enumerate()
                        .map(|(i, (id, _))| (id.v.clone(), i))
                        .collect();
                    let i = self.resolve(&ids, d, "earlier step")?;
                    let ok = steps[i].1.as_ref().is_some_and(|s| {
                        matches!(
                            s.kind,
                            StepKind::PhishingMail { .. } | StepKind::UsbDrop { .. }
                        )
                    });
                    if !ok && steps[i].1.is_some() {
                        self.err(
                            d.off,
                            &d.key,
                            format!("`{}` is not a phishing_mail or usb_drop step", d.v),
                        );
                    }
                    Some(i)
                });
                StepKind::Execute { delivery: di? }
            }
            "beacon" => StepKind::Beacon {
                interval_minutes: self.int(o, "interval_minutes", 1, 1440)?.v as u32,
            },
            "discovery" => StepKind::Discovery,
            "credential_dump" => StepKind::CredentialDump {
                accounts: self.int(o, "accounts", 1, 10)?.v as u32,
            },
            "lateral" => {
                let host = self.opt_str(o, "host");
                let section = self.opt_str(o, "section");
                match (host, section) {
                    (Some(h), None) => StepKind::Lateral {
                        target: Target::Host(self.resolve(host_ids, &h, "host")?),
                    },
                    (None, Some(s)) => StepKind::Lateral {
                        target: Target::Section(self.resolve(section_ids, &s, "section")?),
                    },
                    _ => {
                        self.err(
                            o.off,
                            &format!("{}.host", o.path),
                            "lateral needs exactly one of `host` or `section`",
                        );
                        return None;
                    }
                }
            }
            "collect" => {
                let share = self.str(o, "share");
                let file = self.str(o, "file");
                let records = self.int(o, "records", 1, 100_000_000);
                let sh = share
                    .as_ref()
                    .and_then(|s| self.resolve(share_ids, s, "share"));
                StepKind::Collect {
                    share: sh?,
                    file: file?.v,
                    records: records?.v as u64,
                }
            }
            "exfil" => {
                let ch = self.str(o, "channel")?;
                let c = match ch.v.as_str() {
                    "c2" => Channel::C2,
                    "webshell" => Channel::Webshell,
                    _ => {
                        self.err(
                            ch.off,
                            &ch.key,
                            format!("unknown channel `{}` (use c2 or webshell)", ch.v),
                        );
                        return None;
                    }
                };
                StepKind::Exfil { channel: c }
            }
            "alert" => {
                let from = self.str(o, "from")?;
                let f = match from.v.as_str() {
                    "soc" => AlertFrom::Soc,
                    "vendor" => AlertFrom::Vendor,
                    _ => {
                        self.err(
                            from.off,
                            &from.key,
                            format!("unknown alert source `{}` (use soc or vendor)", from.v),
                        );
                        return None;
                    }
                };
                StepKind::Alert { from: f }
            }
            other => {
                self.err(kind.off, &kind.key, format!("unknown step kind `{other}` (use phishing_mail, usb_drop, web_exploit, execute, beacon, discovery, credential_dump, lateral, collect, exfil or alert)"));
                return None;
            }
        })
    }

    /// Plan-level ordering rules (a foothold before anything that needs one,
    /// collect before exfil). A step chained with `after` to the step it
    /// needs (directly or through other steps) is always late enough.
    fn step_order(&mut self, steps: &[(At<String>, Option<Step>)], bounds: &[Option<(i64, i64)>]) {
        let ancestors = |mut i: usize| -> Vec<usize> {
            let mut out = Vec::new();
            while let Some(Step {
                time: StepTime::After { step, .. },
                ..
            }) = &steps[i].1
            {
                out.push(*step);
                i = *step;
            }
            out
        };
        let late_enough =
            |i: usize, need: (usize, i64), lo: i64| ancestors(i).contains(&need.0) || lo > need.1;
        let mut foothold: Option<(usize, i64)> = None;
        let mut collected: Option<(usize, i64)> = None;
        let mut beacon = false;
        for (i, (id, s)) in steps.iter().enumerate() {
            let Some(s) = s else { continue };
            let Some((lo, hi)) = bounds[i] else { continue };
            match &s.kind {
                StepKind::Execute { delivery } => {
                    if let Some((_, dhi)) = bounds[*delivery]
                        && !late_enough(i, (*delivery, dhi), lo)
                    {
                        self.err(id.off, &id.key, format!("`{}` may run before its delivery step `{}` has happened; chain it with `after` or start it later", s.id, steps[*delivery].0.v));
                    }
                    foothold.get_or_insert((i, hi));
                }
                StepKind::WebExploit { .. } => {
                    foothold.get_or_insert((i, hi));
                }
                StepKind::Beacon { .. }
                | StepKind::Discovery
                | StepKind::CredentialDump { .. }
                | StepKind::Lateral { .. }
                | StepKind::Collect { .. }
                | StepKind::Exfil { .. } => {
                    match foothold {
                        None => self.err(
                            id.off,
                            &id.key,
                            format!(
                                "`{}` ({}) needs an earlier execute or web_exploit step",
                                s.id,
                                s.kind.name()
                            ),
                        ),
                        Some(f) if !late_enough(i, f, lo) => self.err(
                            id.off,
                            &id.key,
                            format!(
                                "`{}` may happen before the foothold exists; start it later",
                                s.id
                            ),
                        ),
                        _ => {}
                    }
                    if matches!(s.kind, StepKind::Beacon { .. }) {
                        beacon = true;
                    }
                    if matches!(s.kind, StepKind::Collect { .. }) {
                        collected.get_or_insert((i, hi));
                    }
                    if let StepKind::Exfil { channel } = s.kind {
                        match collected {
                            None => self.err(
                                id.off,
                                &id.key,
                                format!("exfil `{}` needs an earlier collect step", s.id),
                            ),
                            Some(c) if !late_enough(i, c, lo) => self.err(
                                id.off,
                                &id.key,
                                format!("exfil `{}` may happen before the data is collected", s.id),
                            ),
                            _ => {}
                        }
                        if channel == Channel::C2 && !beacon {
                            self.err(
                                id.off,
                                &id.key,
                                format!("exfil `{}` over c2 needs an earlier beacon step", s.id),
                            );
                        }
                    }
                }
                StepKind::Alert { .. } => match foothold {
                    None => self.err(
                        id.off,
                        &id.key,
                        format!("alert `{}` comes before any execute or web_exploit step: there is nothing to report yet", s.id),
                    ),
                    Some(f) if !late_enough(i, f, lo) => self.err(
                        id.off,
                        &id.key,
                        format!("alert `{}` may be raised before the foothold exists; raise it later", s.id),
                    ),
                    _ => {}
                },
                StepKind::PhishingMail { .. } | StepKind::UsbDrop { .. } => {}
            }
        }
    }
}

/// The subject of a phishing mail: `{attachment}` is replaced by the
/// attachment's name without its extension.
pub fn mail_subject(template: &str, payload: &str) -> String {
    let stem = payload.rsplit_once('.').map(|(s, _)| s).unwrap_or(payload);
    template.replace("{attachment}", stem)
}

fn collect<T>(v: Vec<(At<String>, Option<T>)>) -> Option<Vec<T>> {
    v.into_iter().map(|(_, x)| x).collect()
}

fn is_domain(s: &str) -> bool {
    s.contains('.')
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn is_hostname(s: &str) -> bool {
    !s.is_empty() && s.len() <= 15 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}
