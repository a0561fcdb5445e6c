//! Background activity: what ordinary staff, citizens, scanners and servers
//! leave in the logs during office hours over the history days and the
//! exercise itself. Generated once at provisioning, sorted by time.

use crate::event::{Actor, Data, Event, HostId, Method, Source, SquidCode, Verdict};
use crate::intern::{DASH, Interner, Sym};
use crate::rng::Rng;
use crate::scenario::Role;
use crate::time::{DAY, HOUR, MIN, Micros, SEC, jst};
use crate::world::{Env, HostKind};

const PATHS: [&str; 10] = [
    "/",
    "/index.html",
    "/news/",
    "/js/common.js",
    "/css/style.css",
    "/img/logo.png",
    "/search?q=",
    "/topics/",
    "/about/",
    "/favicon.ico",
];
const CITY_PATHS: [&str; 12] = [
    "/",
    "/kurashi/",
    "/kurashi/gomi/calendar.html",
    "/kosodate/",
    "/shisei/",
    "/bosai/",
    "/kenko/kenshin.html",
    "/css/common.css",
    "/js/jquery.min.js",
    "/img/top_main.jpg",
    "/zeimu/shiminzei.html",
    "/event/",
];
const UAS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SH-51D) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
];
const WIN_NAMES: [&str; 5] = [
    "www.msftconnecttest.com",
    "settings-win.data.microsoft.com",
    "login.microsoftonline.com",
    "ocsp.digicert.com",
    "time.windows.com",
];
const APPS: [(&str, &str); 4] = [
    ("C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE"),
    (
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
        "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE\"",
    ),
    (
        "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
        "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --profile-directory=Default",
    ),
    (
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
        "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE\"",
    ),
];
const SENDER_DOMAINS: [&str; 8] = [
    "pref.saida.lg.jp",
    "soumu.go.jp",
    "j-lis.go.jp",
    "example-gyosei.co.jp",
    "kankyo-kyokai.or.jp",
    "shokokai.or.jp",
    "lg-system.co.jp",
    "kenko-center.jp",
];
const ATTACH: [(&str, Verdict); 5] = [
    ("会議資料.docx", Verdict::Sanitized),
    ("見積書.pdf", Verdict::Sanitized),
    ("回答様式.xlsx", Verdict::Sanitized),
    ("写真.jpg", Verdict::Clean),
    ("案内文.txt", Verdict::Clean),
];

/// Interned strings the generator reuses (no per-event allocation).
struct Pools {
    /// Per site: CONNECT url (`host:443`) and plain-HTTP urls.
    site_connect: Vec<Sym>,
    site_urls: Vec<Vec<Sym>>,
    site_name: Vec<Sym>,
    site_ip: Vec<u32>,
    mimes: [Sym; 4],
    city_paths: Vec<Sym>,
    uas: Vec<Sym>,
    win_names: Vec<Sym>,
    apps: Vec<(Sym, Sym)>,
    explorer: Sym,
    senders: Vec<Sym>,
    sender_mtas: Vec<(Sym, u32)>,
    attach: Vec<(Sym, Sym, Verdict)>,
    share_files: Vec<(Sym, Vec<Sym>)>,
    user32: Sym,
    ntlm: Sym,
    mujin: Sym,
}

fn public_ip(rng: &mut Rng) -> u32 {
    loop {
        let ip = rng.next_u64() as u32;
        let a = ip >> 24;
        let b = (ip >> 16) & 0xff;
        let bad = a == 0
            || a == 10
            || a == 127
            || a >= 224
            || (a == 172 && (16..32).contains(&b))
            || (a == 192 && b == 168)
            || (a == 192 && b == 0)
            || (a == 198 && (b == 18 || b == 19 || b == 51))
            || (a == 203 && b == 0)
            || (a == 169 && b == 254)
            || (a == 100 && (64..128).contains(&b));
        if !bad {
            return ip;
        }
    }
}

/// Stable fake public address of a site.
pub(crate) fn site_ip(name: &str) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut r = Rng::new(h);
    public_ip(&mut r)
}

fn pools(env: &Env, names: &mut Interner) -> Pools {
    let sc = &env.scenario;
    let mut p = Pools {
        site_connect: Vec::new(),
        site_urls: Vec::new(),
        site_name: Vec::new(),
        site_ip: Vec::new(),
        mimes: [
            names.intern("text/html"),
            names.intern("application/javascript"),
            names.intern("image/png"),
            names.intern("text/css"),
        ],
        city_paths: CITY_PATHS.iter().map(|s| names.intern(s)).collect(),
        uas: UAS.iter().map(|s| names.intern(s)).collect(),
        win_names: WIN_NAMES.iter().map(|s| names.intern(s)).collect(),
        apps: APPS
            .iter()
            .map(|(i, c)| (names.intern(i), names.intern(c)))
            .collect(),
        explorer: names.intern("C:\\Windows\\explorer.exe"),
        senders: Vec::new(),
        sender_mtas: Vec::new(),
        attach: Vec::new(),
        share_files: Vec::new(),
        user32: names.intern("User32"),
        ntlm: names.intern("Kerberos"),
        mujin: DASH,
    };
    for s in &sc.background.sites {
        p.site_connect.push(names.intern(&format!("{s}:443")));
        p.site_urls.push(
            PATHS
                .iter()
                .map(|path| names.intern(&format!("http://{s}{path}")))
                .collect(),
        );
        p.site_name.push(names.intern(s));
        p.site_ip.push(site_ip(s));
    }
    for (i, d) in SENDER_DOMAINS.iter().enumerate() {
        for n in ["info", "soumu", "tantou", "kikaku"] {
            p.senders.push(names.intern(&format!("{n}@{d}")));
        }
        p.sender_mtas
            .push((names.intern(&format!("mx{}.{d}", i % 3 + 1)), site_ip(d)));
    }
    for (f, v) in ATTACH {
        p.attach.push((
            names.intern(f),
            names.intern(&crate::world::variant_hash(env.seed, env.team, f)),
            v,
        ));
    }
    for sh in &sc.shares {
        let share = names.intern(&format!("\\\\*\\{}", sh.name));
        p.share_files
            .push((share, sh.files.iter().map(|f| names.intern(f)).collect()));
    }
    if let Some(i) = sc.host_with_role(Role::Sanitizer) {
        p.mujin = env.hosts[env.server_ids[i].0 as usize].name_sym;
    }
    p
}

/// Generate all background events between `env.history_start` and `env.end`.
pub fn background(env: &Env, names: &mut Interner) -> Vec<Event> {
    let p = pools(env, names);
    let sc = &env.scenario;
    let bg = &sc.background;
    let mut out: Vec<Event> = Vec::with_capacity(estimate(env));
    let proxy = env.role(Role::Proxy);
    let dns = env.role(Role::Dns);
    let fw = env.role(Role::Firewall);
    let ad = env.role(Role::Ad);
    let dhcp = env.role(Role::Dhcp);
    let mail = env.role(Role::Mail);
    let web = sc.host_with_role(Role::Web).map(|i| env.server_ids[i]);
    let fs = sc.host_with_role(Role::File).map(|i| env.server_ids[i]);
    let sanitizer = sc
        .host_with_role(Role::Sanitizer)
        .map(|i| env.server_ids[i]);
    let proxy_ip = env.host(proxy).ip;
    let mut session: u32 = 100_000;
    let mut qid: u32 = 0x1DB0_0000;

    // Proxy DNS cache: one lookup per site per 5-minute window.
    let windows = ((env.end - env.history_start) / (5 * MIN) + 1) as usize;
    let nsites = p.site_name.len().max(1);
    let mut cache = vec![i64::MAX; windows * nsites];

    let mut day = env.history_start;
    let mut first_day = true;
    while day < env.end {
        let wd = jst(day).weekday;
        let workday = wd < 5;
        let mut drng = Rng::derive(env.seed, env.team, &format!("day:{}", day / DAY));
        if workday {
            for (si, st) in env.staff.iter().enumerate() {
                let mut r = Rng::derive(
                    env.seed ^ (si as u64) << 20,
                    env.team,
                    &format!("staff-day:{}", day / DAY),
                );
                if r.chance(0.03) {
                    continue; // on leave
                }
                let term = st.terminal;
                let th = env.host(term);
                let tip = th.ip;
                let arrive = day + sc.office_start_minute as i64 * MIN
                    - r.range(0, 40 * 60) * SEC
                    - r.range(0, 999_999);
                let leave = day + sc.office_end_minute as i64 * MIN + r.range(0, 120 * 60) * SEC;
                if arrive >= env.end {
                    continue;
                }
                let leave = leave.min(env.end);
                let hours = (leave - arrive) as f64 / HOUR as f64;
                // Now and then a mistyped password before the successful logon.
                if r.chance(0.05) {
                    let t = arrive - r.range(5, 40) * SEC;
                    out.push(ev(
                        t,
                        Source::WinSecurity,
                        ad,
                        Data::WinSec {
                            id: 4776,
                            user: st.login_sym,
                            ip: tip,
                            logon_type: 0,
                            status: 0xC000_006A,
                            a: th.name_sym,
                            b: DASH,
                            c: DASH,
                        },
                    ));
                    out.push(ev(
                        t + 15_000,
                        Source::WinSecurity,
                        term,
                        Data::WinSec {
                            id: 4625,
                            user: st.login_sym,
                            ip: tip,
                            logon_type: 2,
                            status: 0xC000_006A,
                            a: th.name_sym,
                            b: DASH,
                            c: DASH,
                        },
                    ));
                }
                // Boot: DHCP, Kerberos, interactive logon, applications.
                out.push(ev(
                    arrive - 90 * SEC,
                    Source::Dhcp,
                    dhcp,
                    Data::Dhcp {
                        id: if first_day { 10 } else { 11 },
                        ip: tip,
                        name: th.fqdn_sym,
                        mac: th.mac,
                    },
                ));
                out.push(ev(
                    arrive,
                    Source::WinSecurity,
                    ad,
                    Data::WinSec {
                        id: 4768,
                        user: st.login_sym,
                        ip: tip,
                        logon_type: 0,
                        status: 0,
                        a: DASH,
                        b: DASH,
                        c: DASH,
                    },
                ));
                out.push(ev(
                    arrive + 300_000,
                    Source::WinSecurity,
                    term,
                    Data::WinSec {
                        id: 4624,
                        user: st.login_sym,
                        ip: tip,
                        logon_type: 2,
                        status: 0,
                        a: th.name_sym,
                        b: p.user32,
                        c: DASH,
                    },
                ));
                for (k, (img, cmd)) in p.apps.iter().enumerate() {
                    let t = arrive + (k as i64 * 20 + 5) * SEC + r.range(0, 9 * SEC);
                    let pid = 1000 + r.below(30000) as u32 * 4;
                    let parent = if k == 0 { DASH } else { p.explorer };
                    out.push(ev(
                        t,
                        Source::Sysmon,
                        term,
                        Data::Sysmon {
                            id: 1,
                            user: st.login_sym,
                            image: *img,
                            a: *cmd,
                            b: parent,
                            hash: DASH,
                            ip: 0,
                            port: 0,
                            pid,
                        },
                    ));
                    out.push(ev(
                        t + 1000,
                        Source::WinSecurity,
                        term,
                        Data::WinSec {
                            id: 4688,
                            user: st.login_sym,
                            ip: 0,
                            logon_type: 0,
                            status: pid,
                            a: *img,
                            b: *cmd,
                            c: parent,
                        },
                    ));
                }
                // Web browsing through the proxy.
                let n = (bg.requests_per_staff_hour as f64
                    * hours
                    * (0.8 + 0.4 * (r.below(1000) as f64 / 1000.0))) as u64;
                let span = (leave - arrive - 5 * MIN).max(MIN);
                for _ in 0..n {
                    let t0 = arrive + 5 * MIN + r.below(span as u64) as i64;
                    let lt = jst(t0);
                    if lt.hour == 12 && r.chance(0.6) {
                        continue; // lunch
                    }
                    let s = r.skewed(nsites);
                    let elapsed = 20
                        + r.below(400) as u32
                        + if r.chance(0.05) {
                            r.below(30_000) as u32
                        } else {
                            0
                        };
                    let (method, url, code, bytes, mime) = if r.chance(0.65) {
                        (
                            Method::Connect,
                            p.site_connect[s],
                            SquidCode::Tunnel,
                            2_000 + r.below(150_000) as u32,
                            DASH,
                        )
                    } else {
                        let k = r.below(PATHS.len() as u64) as usize;
                        let code = if r.chance(0.2) {
                            SquidCode::Hit
                        } else {
                            SquidCode::Miss
                        };
                        (
                            Method::Get,
                            p.site_urls[s][k],
                            code,
                            300 + r.below(60_000) as u32,
                            p.mimes[k % 4],
                        )
                    };
                    out.push(ev(
                        t0 + elapsed as i64 * 1000,
                        Source::Proxy,
                        proxy,
                        Data::Proxy {
                            client: tip,
                            user: st.login_sym,
                            method,
                            url,
                            code,
                            status: 200,
                            bytes,
                            elapsed_ms: elapsed,
                            server: if code == SquidCode::Hit {
                                0
                            } else {
                                p.site_ip[s]
                            },
                            mime,
                        },
                    ));
                    if code != SquidCode::Hit {
                        let w = ((t0 - env.history_start) / (5 * MIN)) as usize;
                        let slot = &mut cache[w.min(windows - 1) * nsites + s];
                        if t0 < *slot {
                            *slot = t0;
                        }
                    }
                }
                // Windows itself resolving names directly (DNS + Sysmon 22), and the odd direct connection the firewall drops.
                let nq = (hours * 3.0) as u64;
                for _ in 0..nq {
                    let t = arrive + r.below((leave - arrive) as u64) as i64;
                    let name = *r.pick(&p.win_names);
                    let port = 49152 + r.below(16000) as u16;
                    out.push(ev(
                        t,
                        Source::Sysmon,
                        term,
                        Data::Sysmon {
                            id: 22,
                            user: st.login_sym,
                            image: p.apps[0].0,
                            a: name,
                            b: DASH,
                            hash: DASH,
                            ip: 0,
                            port: 0,
                            pid: 0,
                        },
                    ));
                    out.push(ev(
                        t + 800,
                        Source::Dns,
                        dns,
                        Data::Dns {
                            client: tip,
                            port,
                            name,
                            aaaa: false,
                        },
                    ));
                    if r.chance(0.25) {
                        session += 1;
                        let dport = if r.chance(0.5) { 443 } else { 123 };
                        out.push(ev(
                            t + 30_000,
                            Source::Firewall,
                            fw,
                            Data::Firewall {
                                src: tip,
                                sport: port,
                                dst: site_ip(names.get(name)),
                                dport,
                                proto: if dport == 123 { 17 } else { 6 },
                                policy: 99,
                                session,
                            },
                        ));
                    }
                }
                // Mail from outside: gateway → sanitiser → staff.
                let nm = bg.mails_per_staff_day as u64 / 2;
                for _ in 0..nm {
                    let t = arrive + r.below((leave - arrive) as u64) as i64;
                    let from = *r.pick(&p.senders);
                    let (mta, mta_ip) = *r.pick(&p.sender_mtas);
                    qid = qid.wrapping_add(1 + r.below(4000) as u32);
                    let size = 1500 + r.below(40_000) as u32;
                    out.push(ev(
                        t,
                        Source::Mail,
                        mail,
                        Data::MailConnect {
                            qid,
                            pid: 2000 + r.below(30000) as u32,
                            client: mta_ip,
                            name: mta,
                        },
                    ));
                    out.push(ev(
                        t + 200_000,
                        Source::Mail,
                        mail,
                        Data::MailQueued {
                            qid,
                            pid: 3280,
                            from,
                            size,
                        },
                    ));
                    let delay = 300 + r.below(2500) as u32;
                    if let Some(san) = sanitizer {
                        out.push(ev(
                            t + delay as i64 * 1000,
                            Source::Mail,
                            mail,
                            Data::MailSent {
                                qid,
                                pid: 28000 + r.below(2000) as u32,
                                to: st.mail_sym,
                                relay: p.mujin,
                                relay_ip: env.host(san).ip,
                                delay_ms: delay,
                                queued_as: r.next_u64() as u32,
                            },
                        ));
                        if r.chance(0.4) {
                            let (file, sha, verdict) = *r.pick(&p.attach);
                            out.push(ev(
                                t + delay as i64 * 1000 + 400_000,
                                Source::Sanitizer,
                                san,
                                Data::Sanitize {
                                    qid,
                                    from,
                                    to: st.mail_sym,
                                    file,
                                    sha256: sha,
                                    verdict,
                                },
                            ));
                        }
                    }
                }
                // File server work.
                if let (Some(fs), false) = (fs, p.share_files.is_empty()) {
                    let t = arrive + 2 * MIN + r.range(0, 60 * SEC);
                    out.push(ev(
                        t,
                        Source::WinSecurity,
                        ad,
                        Data::WinSec {
                            id: 4769,
                            user: st.login_sym,
                            ip: tip,
                            logon_type: 0,
                            status: 0,
                            a: env.host(fs).name_sym,
                            b: DASH,
                            c: DASH,
                        },
                    ));
                    out.push(ev(
                        t + 20_000,
                        Source::WinSecurity,
                        fs,
                        Data::WinSec {
                            id: 4624,
                            user: st.login_sym,
                            ip: tip,
                            logon_type: 3,
                            status: 0,
                            a: th.name_sym,
                            b: p.ntlm,
                            c: DASH,
                        },
                    ));
                    let (share, files) = &p.share_files[(st.section + si) % p.share_files.len()];
                    out.push(ev(
                        t + 40_000,
                        Source::WinSecurity,
                        fs,
                        Data::WinSec {
                            id: 5140,
                            user: st.login_sym,
                            ip: tip,
                            logon_type: 0,
                            status: 0,
                            a: *share,
                            b: DASH,
                            c: DASH,
                        },
                    ));
                    let nf = (bg.file_ops_per_staff_hour as f64 * hours) as u64;
                    for _ in 0..nf {
                        let tf = t + MIN + r.below((leave - t - MIN).max(1) as u64) as i64;
                        out.push(ev(
                            tf,
                            Source::WinSecurity,
                            fs,
                            Data::WinSec {
                                id: 5145,
                                user: st.login_sym,
                                ip: tip,
                                logon_type: 0,
                                status: if r.chance(0.3) { 2 } else { 1 },
                                a: *share,
                                b: *r.pick(files),
                                c: DASH,
                            },
                        ));
                    }
                }
                if leave < env.end {
                    out.push(ev(
                        leave,
                        Source::WinSecurity,
                        term,
                        Data::WinSec {
                            id: 4634,
                            user: st.login_sym,
                            ip: 0,
                            logon_type: 2,
                            status: 0,
                            a: DASH,
                            b: DASH,
                            c: DASH,
                        },
                    ));
                }
            }
        }
        // Citizens on the city web site (all day, more in the daytime) and Internet scanners.
        let day_end = (day + DAY).min(env.end);
        for h in 0..24i64 {
            let hs = day + h * HOUR;
            if hs >= day_end {
                break;
            }
            let shape = match h {
                0..=5 => 0.2,
                6..=8 => 0.7,
                9..=17 => 1.5,
                18..=21 => 1.0,
                _ => 0.5,
            };
            if let Some(web) = web {
                let n = (bg.web_hits_per_hour as f64 * shape) as u64;
                for _ in 0..n {
                    let t = hs + drng.below(HOUR as u64) as i64;
                    if t >= day_end {
                        continue;
                    }
                    let k = drng.skewed(p.city_paths.len());
                    let status = if drng.chance(0.03) {
                        404
                    } else if drng.chance(0.15) {
                        304
                    } else {
                        200
                    };
                    out.push(ev(
                        t,
                        Source::Web,
                        web,
                        Data::Web {
                            client: public_ip(&mut drng),
                            method: Method::Get,
                            path: p.city_paths[k],
                            status,
                            bytes: if status == 200 {
                                800 + drng.below(120_000) as u32
                            } else {
                                0
                            },
                            ua: *drng.pick(&p.uas),
                        },
                    ));
                }
            }
            for _ in 0..bg.scans_per_hour {
                let t = hs + drng.below(HOUR as u64) as i64;
                if t >= day_end {
                    continue;
                }
                let dst = match drng.below(3) {
                    0 => web.map(|w| env.host(w).ip).unwrap_or(env.host(fw).ip),
                    1 => env.host(mail).ip,
                    _ => env.host(fw).ip,
                };
                session += 1;
                let dport = *drng.pick(&[23u16, 22, 445, 3389, 1433, 5900, 8080, 137]);
                out.push(ev(
                    t,
                    Source::Firewall,
                    fw,
                    Data::Firewall {
                        src: public_ip(&mut drng),
                        sport: 1024 + drng.below(60000) as u16,
                        dst,
                        dport,
                        proto: if dport == 137 { 17 } else { 6 },
                        policy: 0,
                        session,
                    },
                ));
            }
        }
        first_day = false;
        day += DAY;
    }
    // The proxy's own lookups, one per site per cache window.
    let mut prng = Rng::derive(env.seed, env.team, "proxy-dns");
    for w in 0..windows {
        for s in 0..nsites {
            let t = cache[w * nsites + s];
            if t != i64::MAX {
                out.push(ev(
                    t + 1000,
                    Source::Dns,
                    dns,
                    Data::Dns {
                        client: proxy_ip,
                        port: 32768 + prng.below(28000) as u16,
                        name: p.site_name[s],
                        aaaa: false,
                    },
                ));
                if prng.chance(0.5) {
                    out.push(ev(
                        t + 1400,
                        Source::Dns,
                        dns,
                        Data::Dns {
                            client: proxy_ip,
                            port: 32768 + prng.below(28000) as u16,
                            name: p.site_name[s],
                            aaaa: true,
                        },
                    ));
                }
            }
        }
    }
    out.retain(|e| e.t >= env.history_start && e.t <= env.end);
    out.sort_by_key(|e| e.t);
    out
}

fn ev(t: Micros, source: Source, host: HostId, data: Data) -> Event {
    Event {
        t,
        source,
        host,
        actor: Actor::Background,
        data,
    }
}

fn estimate(env: &Env) -> usize {
    let days = ((env.end - env.history_start) / DAY + 1) as usize;
    let bg = &env.scenario.background;
    let per_staff = bg.requests_per_staff_hour as usize * 10 + 200;
    days * (env.staff.len() * per_staff * 5 / 7
        + (bg.web_hits_per_hour as usize + bg.scans_per_hour as usize) * 24)
}

/// Whether `k` is a terminal.
pub(crate) fn is_terminal(env: &Env, h: HostId) -> bool {
    matches!(env.host(h).kind, HostKind::Terminal { .. })
}
