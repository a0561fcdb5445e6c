//! Defender actions, their rule syntax, and what they return.
//!
//! Rule syntax (also in `docs/scenario-format.md`):
//!
//! Proxy (`device = "proxy"`), one rule per action:
//! * `dstdomain example.com` — exactly that host name;
//! * `dstdomain .example.com` — the domain and every sub-domain;
//! * `dst 198.51.100.7` or `dst 198.51.100.0/24` — by server address;
//! * `url http://host/path` — plain-HTTP URLs starting with that prefix.
//!
//! Firewall (`device = "firewall"`):
//! * `deny [src <cidr|any>] [dst <cidr|any>] [port <1-65535>]`, at least one of
//!   `src`/`dst` not `any`; e.g. `deny dst 198.51.100.7 port 443`,
//!   `deny src 203.0.113.0/24`.

use serde::{Deserialize, Serialize};

use crate::net::{Cidr, ip_string};
use crate::time::Micros;

/// Where a block rule is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    Proxy,
    Firewall,
}

/// A parsed proxy rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProxyRule {
    /// Exact host (`suffix = false`) or the domain and its sub-domains.
    DstDomain { domain: String, suffix: bool },
    /// Server address block.
    Dst {
        cidr: String,
        #[serde(skip)]
        net: Cidr,
    },
    /// Plain-HTTP URL prefix.
    Url { prefix: String },
}

impl ProxyRule {
    /// Parse one proxy rule.
    pub fn parse(s: &str) -> Result<ProxyRule, String> {
        let words: Vec<&str> = s.split_whitespace().collect();
        match words.as_slice() {
            ["dstdomain", d] => {
                let (suffix, name) = match d.strip_prefix('.') {
                    Some(n) => (true, n),
                    None => (false, *d),
                };
                let name = name.to_ascii_lowercase();
                let ok = name.contains('.')
                    && name.split('.').all(|l| {
                        !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    });
                if !ok {
                    return Err(format!(
                        "`{d}` is not a domain name (example: dstdomain .bad.example)"
                    ));
                }
                Ok(ProxyRule::DstDomain {
                    domain: name,
                    suffix,
                })
            }
            ["dst", c] => {
                let net = Cidr::parse(c)?;
                if net.prefix < 8 {
                    return Err(format!(
                        "`{c}` is too broad for a proxy rule (prefix must be /8 or longer)"
                    ));
                }
                Ok(ProxyRule::Dst {
                    cidr: net.to_string(),
                    net,
                })
            }
            ["url", u] => {
                if !u.starts_with("http://") || u.len() <= "http://".len() {
                    return Err(format!(
                        "`{u}` must start with http:// and name a host (HTTPS is tunnelled: block it with dstdomain)"
                    ));
                }
                Ok(ProxyRule::Url {
                    prefix: u.to_string(),
                })
            }
            [] => Err(
                "empty rule; use `dstdomain <name>`, `dst <cidr>` or `url <http://prefix>`".into(),
            ),
            [kw, ..] => Err(format!(
                "cannot parse proxy rule `{s}` (starts with `{kw}`); use `dstdomain <name>`, `dst <cidr>` or `url <http://prefix>`"
            )),
        }
    }

    /// Whether a request for `host` (and `url` for plain HTTP) to `server` is blocked.
    pub fn matches(&self, host: &str, url: &str, server: u32) -> bool {
        match self {
            ProxyRule::DstDomain { domain, suffix } => {
                host.eq_ignore_ascii_case(domain)
                    || (*suffix
                        && host.len() > domain.len()
                        && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
                        && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain))
            }
            ProxyRule::Dst { net, .. } => net.contains(server),
            ProxyRule::Url { prefix } => url.starts_with(prefix.as_str()),
        }
    }
}

/// A parsed firewall deny rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FwRule {
    /// Source block, `None` = any.
    #[serde(serialize_with = "ser_cidr")]
    pub src: Option<Cidr>,
    /// Destination block, `None` = any.
    #[serde(serialize_with = "ser_cidr")]
    pub dst: Option<Cidr>,
    /// Destination port, `None` = any.
    pub port: Option<u16>,
}

fn ser_cidr<S: serde::Serializer>(c: &Option<Cidr>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_str(&c.to_string()),
        None => s.serialize_str("any"),
    }
}

impl FwRule {
    /// Parse `deny [src X] [dst Y] [port N]`.
    pub fn parse(s: &str) -> Result<FwRule, String> {
        let words: Vec<&str> = s.split_whitespace().collect();
        if words.first() != Some(&"deny") {
            return Err(format!(
                "firewall rules start with `deny`: `deny [src <cidr|any>] [dst <cidr|any>] [port <n>]`, got `{s}`"
            ));
        }
        let mut rule = FwRule {
            src: None,
            dst: None,
            port: None,
        };
        let mut seen = Vec::new();
        let mut i = 1;
        while i < words.len() {
            let kw = words[i];
            let Some(val) = words.get(i + 1) else {
                return Err(format!("`{kw}` needs a value"));
            };
            if seen.contains(&kw) {
                return Err(format!("`{kw}` given twice"));
            }
            seen.push(kw);
            match kw {
                "src" | "dst" => {
                    let c = if *val == "any" {
                        None
                    } else {
                        Some(Cidr::parse(val)?)
                    };
                    if kw == "src" {
                        rule.src = c;
                    } else {
                        rule.dst = c;
                    }
                }
                "port" => {
                    let p: u16 = val
                        .parse()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or_else(|| format!("port `{val}` must be 1-65535"))?;
                    rule.port = Some(p);
                }
                _ => return Err(format!("unknown keyword `{kw}` (use src, dst or port)")),
            }
            i += 2;
        }
        if rule.src.is_none() && rule.dst.is_none() {
            return Err("a deny rule needs `src` or `dst` other than `any`".into());
        }
        Ok(rule)
    }

    /// Whether a connection is denied by this rule.
    pub fn matches(&self, src: u32, dst: u32, port: u16) -> bool {
        self.src.is_none_or(|c| c.contains(src))
            && self.dst.is_none_or(|c| c.contains(dst))
            && self.port.is_none_or(|p| p == port)
    }

    /// Canonical text of the rule.
    pub fn text(&self) -> String {
        let c = |x: &Option<Cidr>| x.map(|c| c.to_string()).unwrap_or_else(|| "any".into());
        let mut s = format!("deny src {} dst {}", c(&self.src), c(&self.dst));
        if let Some(p) = self.port {
            s.push_str(&format!(" port {p}"));
        }
        s
    }
}

/// Who an escalation goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// 最高情報セキュリティ責任者
    Ciso,
    /// 課長
    SectionChief,
    /// 運用ベンダ (Aソリューション)
    Vendor,
    /// 警察
    Police,
    /// 個人情報保護委員会
    Ppc,
}

/// The leak report a team files (graded against the ground truth).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LeakReport {
    /// Infected hosts (names or addresses).
    pub infected_hosts: Vec<String>,
    /// The first infected terminal.
    pub first_host: String,
    /// Cause: `mail`, `usb` or `web`.
    pub cause: String,
    /// C2 domains or addresses.
    pub c2: Vec<String>,
    /// Name of the leaked file.
    pub leaked_file: String,
    /// Number of records in it.
    pub records: u64,
}

/// Something a defending team does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    IsolateHost { host: String },
    Block { device: Device, rule: String },
    DisableAccount { account: String },
    ResetPassword { account: String },
    KillProcess { host: String, image: String },
    QuarantineFile { host: String, path: String },
    CollectFile { host: String, path: String },
    PreserveEvidence { host: String },
    PowerOff { host: String },
    WarnStaff { message: String },
    Escalate { to: Recipient, message: String },
    AskVendor { question: String },
    TakeHint { id: String },
    ReportLeak { report: LeakReport },
}

/// An action with the time it was taken (what replay and scoring consume).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    /// Microseconds since the Unix epoch.
    pub at: Micros,
    /// What was done.
    pub action: Action,
}

/// Result of analysing a collected file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisReport {
    pub path: String,
    pub sha256: String,
    pub verdict: String,
    /// Domains and addresses found in the sample (including fallbacks).
    pub c2: Vec<String>,
    pub persistence: Option<String>,
    pub notes: Vec<String>,
}

/// What an accepted action did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Human-readable result (Japanese/English mix as an operator would get).
    pub message: String,
    /// Filled for `collect_file` on a malicious file.
    pub analysis: Option<AnalysisReport>,
    /// Business impact caused by this action so far (disrupted background events).
    pub impact: u64,
}

/// Why an action was refused. The world is unchanged when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("unknown host `{0}` (use a host name such as PC-SOUMU-03, a FQDN, or an IPv4 address)")]
    UnknownHost(String),
    #[error("unknown account `{0}`")]
    UnknownAccount(String),
    #[error("malformed {device} rule `{rule}`: {reason}")]
    MalformedRule {
        device: &'static str,
        rule: String,
        reason: String,
    },
    #[error("unknown hint `{0}`")]
    UnknownHint(String),
    #[error("no file `{path}` on host `{host}`")]
    NoSuchFile { host: String, path: String },
    #[error("no running process `{image}` on host `{host}`")]
    NoSuchProcess { host: String, image: String },
    #[error("host `{0}` is powered off")]
    PoweredOff(String),
    #[error("action at {at} is before the current time {now}: actions cannot change the past")]
    InThePast { at: Micros, now: Micros },
    #[error("action at {at} is after the end of the exercise ({end})")]
    AfterEnd { at: Micros, end: Micros },
    #[error("{0}")]
    Invalid(String),
}

/// `ip_string` re-exported for messages.
pub(crate) fn ip(ip: u32) -> String {
    ip_string(ip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::parse_ip;

    #[test]
    fn proxy_rules() {
        let r = ProxyRule::parse("dstdomain .bad.example").unwrap();
        assert!(r.matches("c2.bad.example", "c2.bad.example:443", 0));
        assert!(r.matches("bad.example", "", 0));
        assert!(!r.matches("notbad.example", "", 0));
        let r = ProxyRule::parse("dstdomain bad.example").unwrap();
        assert!(!r.matches("c2.bad.example", "", 0));
        assert!(ProxyRule::parse("dstdomain bad..example").is_err());
        assert!(
            ProxyRule::parse("block bad.example")
                .unwrap_err()
                .contains("cannot parse")
        );
        assert!(ProxyRule::parse("url https://x/").is_err());
        let r = ProxyRule::parse("dst 198.51.100.0/24").unwrap();
        assert!(r.matches("x", "", parse_ip("198.51.100.9").unwrap()));
    }

    #[test]
    fn firewall_rules() {
        let r = FwRule::parse("deny dst 198.51.100.7 port 443").unwrap();
        let c2 = parse_ip("198.51.100.7").unwrap();
        assert!(r.matches(1, c2, 443));
        assert!(!r.matches(1, c2, 80));
        assert_eq!(r.text(), "deny src any dst 198.51.100.7/32 port 443");
        assert!(FwRule::parse("deny").is_err());
        assert!(FwRule::parse("allow dst 1.2.3.4").is_err());
        assert!(FwRule::parse("deny dst 1.2.3.4 port 0").is_err());
        assert!(FwRule::parse("deny dst 1.2.3.4 dst 1.2.3.5").is_err());
        assert!(FwRule::parse("deny src any dst any").is_err());
        assert!(
            FwRule::parse("deny dst 10.0.0.1/8")
                .unwrap_err()
                .contains("host bits")
        );
    }
}
