//! Rendering events into the exact text layouts of the real products.

use std::fmt::Write as _;

use crate::event::{Data, Event, Source, SquidCode, push_json_str};
use crate::intern::DASH;
use crate::net::push_ip;
use crate::time;
use crate::world::World;

fn service(port: u16) -> &'static str {
    match port {
        80 => "HTTP",
        443 => "HTTPS",
        445 => "SMB",
        22 => "SSH",
        23 => "TELNET",
        3389 => "RDP",
        53 => "DNS",
        123 => "NTP",
        25 => "SMTP",
        1433 => "MS-SQL",
        5900 => "VNC",
        135 => "DCE-RPC",
        137 => "NetBIOS",
        _ => "tcp",
    }
}

impl World {
    /// Render one event as its log line (without the trailing newline), appended to `out`.
    pub fn render(&self, e: &Event, out: &mut String) {
        let n = &self.names;
        let env = &self.env;
        let host = env.host(e.host);
        match e.data {
            Data::Proxy {
                client,
                user,
                method,
                url,
                code,
                status,
                bytes,
                elapsed_ms,
                server,
                mime,
            } => {
                let (code, status, bytes, server, mime) = match self.sim.proxy_verdict(n, e) {
                    Some((c, s)) => (
                        c,
                        s,
                        if s == 403 { 3_912 } else { 0 },
                        0,
                        if s == 403 {
                            n.lookup("text/html").unwrap_or(DASH)
                        } else {
                            DASH
                        },
                    ),
                    None => (code, status, bytes, server, mime),
                };
                time::push_epoch_millis(out, e.t);
                let _ = write!(out, " {elapsed_ms:>6} ");
                push_ip(out, client);
                let code_s = match code {
                    SquidCode::Miss => "TCP_MISS",
                    SquidCode::Hit => "TCP_HIT",
                    SquidCode::Tunnel => "TCP_TUNNEL",
                    SquidCode::Denied => "TCP_DENIED",
                };
                let _ = write!(
                    out,
                    " {code_s}/{status:03} {bytes} {} {} {} ",
                    method.as_str(),
                    n.get(url),
                    n.get(user)
                );
                if server != 0 {
                    out.push_str("HIER_DIRECT/");
                    push_ip(out, server);
                } else {
                    out.push_str("HIER_NONE/-");
                }
                out.push(' ');
                out.push_str(n.get(mime));
            }
            Data::Dns {
                client,
                port,
                name,
                aaaa,
            } => {
                time::push_bind(out, e.t);
                let cookie = 0x7f00_0000_0000u64
                    | ((client as u64).wrapping_mul(0x9E37_79B9) & 0xff_ffff_fff0);
                let _ = write!(out, " queries: info: client @0x{cookie:x} ");
                push_ip(out, client);
                let name = n.get(name);
                let _ = write!(
                    out,
                    "#{port} ({name}): query: {name} IN {} +E(0)K (",
                    if aaaa { "AAAA" } else { "A" }
                );
                push_ip(out, host.ip);
                out.push(')');
            }
            Data::Firewall {
                src,
                sport,
                dst,
                dport,
                proto,
                policy,
                session,
            } => {
                time::push_forti(out, e.t);
                let _ = write!(
                    out,
                    " devname=\"{}\" devid=\"FG100FTK19000123\" logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" vd=\"root\" srcip=",
                    host.name
                );
                push_ip(out, src);
                let _ = write!(out, " srcport={sport} srcintf=\"{}\" dstip=", env.zone(src));
                push_ip(out, dst);
                let svc = if proto == 17 && dport == 123 {
                    "NTP"
                } else {
                    service(dport)
                };
                let svc = if svc == "tcp" {
                    format!("tcp/{dport}")
                } else {
                    svc.to_string()
                };
                let _ = write!(
                    out,
                    " dstport={dport} dstintf=\"{}\" sessionid={session} proto={proto} action=\"deny\" policyid={policy} service=\"{svc}\"",
                    env.zone(dst)
                );
            }
            Data::MailConnect {
                qid,
                pid,
                client,
                name,
            } => {
                time::push_syslog(out, e.t);
                let _ = write!(
                    out,
                    " {} postfix/smtpd[{pid}]: {:X}: client={}[",
                    host.name,
                    qid as u64 | 0x1_0000_0000,
                    n.get(name)
                );
                push_ip(out, client);
                out.push(']');
            }
            Data::MailQueued {
                qid,
                pid,
                from,
                size,
            } => {
                time::push_syslog(out, e.t);
                let _ = write!(
                    out,
                    " {} postfix/qmgr[{pid}]: {:X}: from=<{}>, size={size}, nrcpt=1 (queue active)",
                    host.name,
                    qid as u64 | 0x1_0000_0000,
                    n.get(from)
                );
            }
            Data::MailSent {
                qid,
                pid,
                to,
                relay,
                relay_ip,
                delay_ms,
                queued_as,
            } => {
                time::push_syslog(out, e.t);
                let d = delay_ms as f64 / 1000.0;
                let a = d * 0.1;
                let b = 0.03;
                let c = (d - a - b) * 0.5;
                let dd = d - a - b - c;
                let _ = write!(
                    out,
                    " {} postfix/smtp[{pid}]: {:X}: to=<{}>, relay={}[",
                    host.name,
                    qid as u64 | 0x1_0000_0000,
                    n.get(to),
                    n.get(relay)
                );
                push_ip(out, relay_ip);
                let _ = write!(
                    out,
                    "]:25, delay={d:.1}, delays={a:.2}/{b:.2}/{c:.2}/{dd:.2}, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as {:X})",
                    queued_as as u64 | 0x10_0000_0000
                );
            }
            Data::Sanitize {
                qid,
                from,
                to,
                file,
                sha256,
                verdict,
            } => {
                time::push_iso(out, e.t);
                let action = match verdict {
                    crate::event::Verdict::Clean => "deliver-original",
                    crate::event::Verdict::Sanitized => "deliver-sanitized",
                    crate::event::Verdict::PassedEncrypted => "deliver-original-with-warning",
                    crate::event::Verdict::Blocked => "quarantine",
                };
                let _ = write!(
                    out,
                    " {} mujin[{}]: qid={:X} verdict={} action={action} from=<{}> to=<{}> file=",
                    host.name,
                    1200,
                    qid as u64 | 0x1_0000_0000,
                    verdict.as_str(),
                    n.get(from),
                    n.get(to)
                );
                push_json_str(out, n.get(file));
                let _ = write!(out, " sha256={}", n.get(sha256));
                if verdict == crate::event::Verdict::PassedEncrypted {
                    out.push_str(" reason=\"encrypted archive cannot be inspected\"");
                }
            }
            Data::WinSec {
                id,
                user,
                ip,
                logon_type,
                status,
                a,
                b,
                c,
            } => {
                self.win_head(out, e, "Security", id as u32);
                let dom = &env.netbios;
                let mut kv = |k: &str, v: &str| {
                    out.push_str(",\"");
                    out.push_str(k);
                    out.push_str("\":");
                    push_json_str(out, v);
                };
                let ips = if ip == 0 {
                    "-".to_string()
                } else {
                    crate::net::ip_string(ip)
                };
                match id {
                    4624 | 4625 => {
                        kv("TargetUserName", n.get(user));
                        kv("TargetDomainName", dom);
                        kv("LogonType", &logon_type.to_string());
                        if id == 4625 {
                            kv("Status", "0xc000006d");
                            kv("SubStatus", &format!("0x{status:x}"));
                        } else {
                            kv("LogonProcessName", n.get(b));
                            kv(
                                "AuthenticationPackageName",
                                if n.get(b) == "Kerberos" {
                                    "Kerberos"
                                } else {
                                    "Negotiate"
                                },
                            );
                        }
                        kv("WorkstationName", n.get(a));
                        kv("IpAddress", &ips);
                    }
                    4634 => {
                        kv("TargetUserName", n.get(user));
                        kv("TargetDomainName", dom);
                        kv("LogonType", &logon_type.to_string());
                    }
                    4672 => {
                        kv("SubjectUserName", n.get(user));
                        kv("SubjectDomainName", dom);
                        kv(
                            "PrivilegeList",
                            "SeDebugPrivilege SeBackupPrivilege SeRestorePrivilege SeImpersonatePrivilege",
                        );
                    }
                    4688 => {
                        // Processes started by SYSTEM are logged under the computer account.
                        let u = n.get(user);
                        let machine = format!("{}$", host.name);
                        kv(
                            "SubjectUserName",
                            if u == "SYSTEM" { machine.as_str() } else { u },
                        );
                        kv("SubjectDomainName", dom);
                        kv("NewProcessId", &format!("0x{status:x}"));
                        kv("NewProcessName", n.get(a));
                        kv("CommandLine", n.get(b));
                        kv("ParentProcessName", n.get(c));
                    }
                    4697 => {
                        kv("SubjectUserName", n.get(user));
                        kv("ServiceName", n.get(a));
                        kv("ServiceFileName", n.get(b));
                        kv("ServiceStartType", "3");
                    }
                    4768 => {
                        kv("TargetUserName", n.get(user));
                        kv(
                            "TargetDomainName",
                            &env.scenario.ad_domain.to_ascii_uppercase(),
                        );
                        kv("ServiceName", "krbtgt");
                        kv("IpAddress", &format!("::ffff:{ips}"));
                        kv("Status", &format!("0x{status:x}"));
                    }
                    4769 => {
                        kv(
                            "TargetUserName",
                            &format!(
                                "{}@{}",
                                n.get(user),
                                env.scenario.ad_domain.to_ascii_uppercase()
                            ),
                        );
                        kv("ServiceName", &format!("{}$", n.get(a)));
                        kv("IpAddress", &format!("::ffff:{ips}"));
                        kv("Status", &format!("0x{status:x}"));
                    }
                    4776 => {
                        kv("TargetUserName", n.get(user));
                        kv("Workstation", n.get(a));
                        kv("Status", &format!("0x{status:x}"));
                    }
                    5140 | 5145 => {
                        kv("SubjectUserName", n.get(user));
                        kv("SubjectDomainName", dom);
                        kv("IpAddress", &ips);
                        kv("ShareName", n.get(a));
                        if id == 5145 {
                            kv("RelativeTargetName", n.get(b));
                            kv("AccessMask", if status == 2 { "0x2" } else { "0x1" });
                        }
                    }
                    4689 => {
                        kv("SubjectUserName", n.get(user));
                        kv("SubjectDomainName", dom);
                        kv("ProcessId", &format!("0x{status:x}"));
                        kv("ProcessName", n.get(a));
                        kv("Status", "0x1");
                    }
                    6416 => {
                        kv("SubjectUserName", n.get(user));
                        kv("DeviceDescription", n.get(a));
                        kv("ClassName", "DiskDrive");
                        kv("VendorIds", n.get(b));
                    }
                    _ => kv("SubjectUserName", n.get(user)),
                }
                out.push('}');
            }
            Data::Sysmon {
                id,
                user,
                image,
                a,
                b,
                hash,
                ip,
                port,
                pid,
            } => {
                self.win_head(out, e, "Microsoft-Windows-Sysmon/Operational", id as u32);
                let u = n.get(user);
                let user_s = if u == "SYSTEM" {
                    "NT AUTHORITY\\SYSTEM".to_string()
                } else {
                    format!("{}\\{u}", env.netbios)
                };
                let mut kv = |k: &str, v: &str| {
                    out.push_str(",\"");
                    out.push_str(k);
                    out.push_str("\":");
                    push_json_str(out, v);
                };
                kv("ProcessId", &pid.to_string());
                kv("Image", n.get(image));
                match id {
                    1 => {
                        kv("CommandLine", n.get(a));
                        kv("User", &user_s);
                        kv("ParentImage", n.get(b));
                        if hash != DASH {
                            kv(
                                "Hashes",
                                &format!("SHA256={}", n.get(hash).to_ascii_uppercase()),
                            );
                        }
                    }
                    3 => {
                        kv("User", &user_s);
                        kv("Protocol", "tcp");
                        kv("SourceIp", &crate::net::ip_string(host.ip));
                        kv("DestinationIp", &crate::net::ip_string(ip));
                        kv(
                            "DestinationHostname",
                            &format!("{}.{}", n.get(a), env.scenario.ad_domain),
                        );
                        kv("DestinationPort", &port.to_string());
                    }
                    11 => {
                        kv("TargetFilename", n.get(a));
                        kv("User", &user_s);
                    }
                    23 => {
                        kv("User", &user_s);
                        kv("TargetFilename", n.get(a));
                        kv("IsExecutable", "true");
                        kv("Archived", "true");
                    }
                    13 => {
                        kv("EventType", "SetValue");
                        kv("TargetObject", n.get(a));
                        kv("Details", n.get(b));
                    }
                    22 => {
                        kv("QueryName", n.get(a));
                        kv("QueryStatus", "0");
                        kv(
                            "QueryResults",
                            if b == DASH { "type:  5 ;" } else { n.get(b) },
                        );
                        kv("User", &user_s);
                    }
                    _ => {}
                }
                out.push('}');
            }
            Data::Dhcp { id, ip, name, mac } => {
                let desc = match id {
                    10 => "Assign",
                    11 => "Renew",
                    _ => "Release",
                };
                let _ = write!(out, "{id},");
                time::push_dhcp(out, e.t);
                let _ = write!(out, ",{desc},");
                push_ip(out, ip);
                let _ = write!(
                    out,
                    ",{},{mac:012X},,{},0,,,,,,,,,0",
                    n.get(name),
                    (mac as u32 ^ (e.t / 1_000_000) as u32) % 9_000_000 + 1_000_000
                );
            }
            Data::Web {
                client,
                method,
                path,
                status,
                bytes,
                ua,
            } => {
                push_ip(out, client);
                out.push_str(" - - ");
                time::push_apache(out, e.t);
                let _ = write!(
                    out,
                    " \"{} {} HTTP/1.1\" {status} ",
                    method.as_str(),
                    n.get(path)
                );
                if bytes == 0 {
                    out.push('-');
                } else {
                    let _ = write!(out, "{bytes}");
                }
                let _ = write!(out, " \"-\" \"{}\"", n.get(ua));
            }
            Data::Alert {
                reporter,
                src,
                dst,
                domain,
                text,
            } => {
                time::push_iso(out, e.t);
                out.push_str(match reporter {
                    crate::event::Reporter::Vendor => {
                        " reporter=\"Aソリューション株式会社 運用監視\" severity=high"
                    }
                    crate::event::Reporter::Soc => " reporter=\"SOC\" severity=high",
                    crate::event::Reporter::Staff => " reporter=\"職員\" severity=medium",
                });
                out.push_str(" src=");
                if src == 0 {
                    out.push('-')
                } else {
                    push_ip(out, src)
                }
                out.push_str(" dst=");
                if dst == 0 {
                    out.push('-')
                } else {
                    push_ip(out, dst)
                }
                let _ = write!(out, " domain={} message=", n.get(domain));
                push_json_str(out, n.get(text));
            }
        }
    }

    fn win_head(&self, out: &mut String, e: &Event, channel: &str, id: u32) {
        out.push_str("{\"TimeCreated\":\"");
        time::push_iso(out, e.t);
        let _ = write!(
            out,
            "\",\"Computer\":\"{}\",\"Channel\":\"{channel}\",\"EventID\":{id}",
            self.env.host(e.host).fqdn
        );
    }

    /// Render one event to a new string.
    pub fn line(&self, e: &Event) -> String {
        let mut s = String::with_capacity(160);
        self.render(e, &mut s);
        s
    }

    /// Render every visible event of one source, one line each, into `out`.
    pub fn render_source(&self, source: Source, out: &mut String) {
        for e in self.events().filter(|e| e.source == source) {
            self.render(e, out);
            out.push('\n');
        }
    }
}

/// A structured field value (borrowed from the world's interner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field<'a> {
    Str(&'a str),
    Ip(u32),
    Num(u64),
}

impl std::fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field::Str(s) => f.write_str(s),
            Field::Ip(ip) => f.write_str(&crate::net::ip_string(*ip)),
            Field::Num(n) => write!(f, "{n}"),
        }
    }
}

impl World {
    /// The event's fields by name, for indexing (the log-search crate). Names
    /// follow the rendered layout (`client`, `user`, `url`, `srcip`, `EventID`…);
    /// every event also has `host`.
    pub fn fields<'a>(&'a self, e: &Event) -> Vec<(&'static str, Field<'a>)> {
        use Field::{Ip, Num, Str};
        let n = &self.names;
        let mut v = vec![("host", Str(self.env.host(e.host).name.as_str()))];
        match e.data {
            Data::Proxy {
                client,
                user,
                method,
                url,
                status,
                bytes,
                server,
                ..
            } => {
                let (status, server) = match self.sim.proxy_verdict(n, e) {
                    Some((_, s)) => (s, 0),
                    None => (status, server),
                };
                v.extend([
                    ("client", Ip(client)),
                    ("user", Str(n.get(user))),
                    ("method", Str(method.as_str())),
                    ("url", Str(n.get(url))),
                    ("domain", Str(crate::sim::url_host(n.get(url)))),
                    ("status", Num(status as u64)),
                    ("bytes", Num(bytes as u64)),
                ]);
                if server != 0 {
                    v.push(("server", Ip(server)));
                }
            }
            Data::Dns {
                client, name, aaaa, ..
            } => v.extend([
                ("client", Ip(client)),
                ("query", Str(n.get(name))),
                ("type", Str(if aaaa { "AAAA" } else { "A" })),
            ]),
            Data::Firewall {
                src,
                sport,
                dst,
                dport,
                policy,
                ..
            } => v.extend([
                ("srcip", Ip(src)),
                ("srcport", Num(sport as u64)),
                ("dstip", Ip(dst)),
                ("dstport", Num(dport as u64)),
                ("policyid", Num(policy as u64)),
                ("action", Str("deny")),
            ]),
            Data::MailConnect {
                qid, client, name, ..
            } => v.extend([
                ("qid", Num(qid as u64 | 0x1_0000_0000)),
                ("client", Ip(client)),
                ("client_name", Str(n.get(name))),
            ]),
            Data::MailQueued {
                qid, from, size, ..
            } => v.extend([
                ("qid", Num(qid as u64 | 0x1_0000_0000)),
                ("from", Str(n.get(from))),
                ("size", Num(size as u64)),
            ]),
            Data::MailSent {
                qid, to, relay_ip, ..
            } => v.extend([
                ("qid", Num(qid as u64 | 0x1_0000_0000)),
                ("to", Str(n.get(to))),
                ("relay", Ip(relay_ip)),
            ]),
            Data::Sanitize {
                qid,
                from,
                to,
                file,
                sha256,
                verdict,
            } => v.extend([
                ("qid", Num(qid as u64 | 0x1_0000_0000)),
                ("from", Str(n.get(from))),
                ("to", Str(n.get(to))),
                ("file", Str(n.get(file))),
                ("sha256", Str(n.get(sha256))),
                ("verdict", Str(verdict.as_str())),
            ]),
            Data::WinSec {
                id,
                user,
                ip,
                logon_type,
                status,
                a,
                b,
                c,
            } => {
                v.extend([("EventID", Num(id as u64)), ("user", Str(n.get(user)))]);
                if ip != 0 && matches!(id, 4624 | 4625 | 4768 | 4769 | 5140 | 5145) {
                    v.push(("IpAddress", Ip(ip)));
                }
                if logon_type != 0 {
                    v.push(("LogonType", Num(logon_type as u64)));
                }
                if status != 0 {
                    v.push(("status", Num(status as u64)));
                }
                for (k, s) in [("a", a), ("b", b), ("c", c)] {
                    if s != DASH {
                        v.push((k, Str(n.get(s))));
                    }
                }
            }
            Data::Sysmon {
                id,
                user,
                image,
                a,
                b,
                hash,
                ip,
                port,
                ..
            } => {
                v.extend([
                    ("EventID", Num(id as u64)),
                    ("user", Str(n.get(user))),
                    ("Image", Str(n.get(image))),
                ]);
                for (k, s) in [("a", a), ("b", b), ("hash", hash)] {
                    if s != DASH {
                        v.push((k, Str(n.get(s))));
                    }
                }
                if ip != 0 {
                    v.extend([
                        ("DestinationIp", Ip(ip)),
                        ("DestinationPort", Num(port as u64)),
                    ]);
                }
            }
            Data::Dhcp { id, ip, name, mac } => v.extend([
                ("ID", Num(id as u64)),
                ("ip", Ip(ip)),
                ("name", Str(n.get(name))),
                ("mac", Num(mac)),
            ]),
            Data::Web {
                client,
                method,
                path,
                status,
                bytes,
                ua,
            } => v.extend([
                ("client", Ip(client)),
                ("method", Str(method.as_str())),
                ("path", Str(n.get(path))),
                ("status", Num(status as u64)),
                ("bytes", Num(bytes as u64)),
                ("ua", Str(n.get(ua))),
            ]),
            Data::Alert {
                src,
                dst,
                domain,
                text,
                ..
            } => v.extend([
                ("src", Ip(src)),
                ("dst", Ip(dst)),
                ("domain", Str(n.get(domain))),
                ("message", Str(n.get(text))),
            ]),
        }
        v
    }
}
