//! Structured log events and their rendering into the real text layouts.
//!
//! An [`Event`] is small (no owned strings: names are interned [`Sym`]s and
//! addresses are `u32`), so a week of logs fits in memory; the text line is
//! rendered on demand by [`crate::World::render`].

use serde::Serialize;

use crate::intern::Sym;
use crate::time::Micros;

/// Index of a host in [`crate::world::Env::hosts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct HostId(pub u32);

/// Which log an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Squid native access.log on the proxy.
    Proxy,
    /// BIND 9 query log on the DNS server.
    Dns,
    /// FortiGate-style traffic log of the perimeter firewall (blocked traffic only).
    Firewall,
    /// Postfix maillog of the mail gateway.
    Mail,
    /// Verdicts of the sanitisation (無害化) server.
    Sanitizer,
    /// Windows Security event log (one JSON object per line).
    WinSecurity,
    /// Sysmon operational log (one JSON object per line).
    Sysmon,
    /// Windows DHCP server audit log (CSV).
    Dhcp,
    /// Apache combined access log of the DMZ web server.
    Web,
    /// Alerts from the SOC or the operations vendor.
    Alert,
}

impl Source {
    /// Every source, in a fixed order.
    pub const ALL: [Source; 10] = [
        Source::Proxy,
        Source::Dns,
        Source::Firewall,
        Source::Mail,
        Source::Sanitizer,
        Source::WinSecurity,
        Source::Sysmon,
        Source::Dhcp,
        Source::Web,
        Source::Alert,
    ];

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Source::Proxy => "proxy",
            Source::Dns => "dns",
            Source::Firewall => "firewall",
            Source::Mail => "mail",
            Source::Sanitizer => "sanitizer",
            Source::WinSecurity => "win_security",
            Source::Sysmon => "sysmon",
            Source::Dhcp => "dhcp",
            Source::Web => "web",
            Source::Alert => "alert",
        }
    }

    /// Conventional relative file path for the log.
    pub fn file_name(self) -> &'static str {
        match self {
            Source::Proxy => "proxy/access.log",
            Source::Dns => "dns/query.log",
            Source::Firewall => "firewall/traffic.log",
            Source::Mail => "mail/maillog",
            Source::Sanitizer => "sanitizer/verdict.log",
            Source::WinSecurity => "windows/security.jsonl",
            Source::Sysmon => "windows/sysmon.jsonl",
            Source::Dhcp => "dhcp/DhcpSrvLog.csv",
            Source::Web => "web/access_log",
            Source::Alert => "soc/alerts.log",
        }
    }
}

/// Squid result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SquidCode {
    Miss,
    Hit,
    Tunnel,
    Denied,
}

/// HTTP methods that appear in the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Connect,
    Head,
}

impl Method {
    /// The method as written in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Connect => "CONNECT",
            Method::Head => "HEAD",
        }
    }
}

/// Verdict of the sanitisation server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No active content; delivered as is.
    Clean,
    /// Active content removed / converted; sanitised copy delivered.
    Sanitized,
    /// Could not be inspected (encrypted archive); original delivered with a warning.
    PassedEncrypted,
    /// Executable blocked.
    Blocked,
}

impl Verdict {
    /// The verdict word in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::Sanitized => "sanitized",
            Verdict::PassedEncrypted => "passed-encrypted",
            Verdict::Blocked => "blocked",
        }
    }
}

/// The payload of an event, per source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Data {
    Proxy {
        client: u32,
        user: Sym,
        method: Method,
        url: Sym,
        code: SquidCode,
        status: u16,
        bytes: u32,
        elapsed_ms: u32,
        server: u32,
        mime: Sym,
    },
    Dns {
        client: u32,
        port: u16,
        name: Sym,
        aaaa: bool,
    },
    Firewall {
        src: u32,
        sport: u16,
        dst: u32,
        dport: u16,
        proto: u8,
        policy: u16,
        session: u32,
    },
    /// `postfix/smtpd: QID: client=name[ip]`
    MailConnect {
        qid: u32,
        pid: u32,
        client: u32,
        name: Sym,
    },
    /// `postfix/qmgr: QID: from=<..>, size=.., nrcpt=1 (queue active)`
    MailQueued {
        qid: u32,
        pid: u32,
        from: Sym,
        size: u32,
    },
    /// `postfix/smtp: QID: to=<..>, relay=.., status=sent`
    MailSent {
        qid: u32,
        pid: u32,
        to: Sym,
        relay: Sym,
        relay_ip: u32,
        delay_ms: u32,
        queued_as: u32,
    },
    Sanitize {
        qid: u32,
        from: Sym,
        to: Sym,
        file: Sym,
        sha256: Sym,
        verdict: Verdict,
    },
    /// Windows Security event; meaning of `a`/`b`/`c` depends on `id` (see `World::render`).
    WinSec {
        id: u16,
        user: Sym,
        ip: u32,
        logon_type: u8,
        status: u32,
        a: Sym,
        b: Sym,
        c: Sym,
    },
    /// Sysmon event; meaning of `a`/`b` depends on `id`.
    Sysmon {
        id: u8,
        user: Sym,
        image: Sym,
        a: Sym,
        b: Sym,
        hash: Sym,
        ip: u32,
        port: u16,
        pid: u32,
    },
    /// DHCP audit: 10 assign, 11 renew, 12 release.
    Dhcp {
        id: u8,
        ip: u32,
        name: Sym,
        mac: u64,
    },
    Web {
        client: u32,
        method: Method,
        path: Sym,
        status: u16,
        bytes: u32,
        ua: Sym,
    },
    Alert {
        reporter: Reporter,
        src: u32,
        dst: u32,
        domain: Sym,
        text: Sym,
    },
}

/// Who raised an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reporter {
    /// The SOC monitoring the network.
    Soc,
    /// The operations vendor (Aソリューション株式会社).
    Vendor,
    /// A member of staff reporting something suspicious to the information section.
    Staff,
}

/// Who caused an event. Not rendered; kept for ground truth and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// Ordinary staff, citizens, scanners, servers.
    Background,
    /// The simulated attacker (or its implant).
    Attacker,
    /// SOC, vendor or the defenders' own actions.
    Defender,
}

/// One log event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// When, in microseconds since the Unix epoch.
    pub t: Micros,
    /// Which log.
    pub source: Source,
    /// The host that wrote the log line.
    pub host: HostId,
    /// Who caused it.
    pub actor: Actor,
    /// Source-specific fields.
    pub data: Data,
}

/// Append `s` as a JSON string literal.
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
