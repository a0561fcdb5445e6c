//! Integration tests for kasumi-range (one test binary, one module per area).

mod common {
    use kasumi_range::{Scenario, World};

    /// 2026-06-18 10:00 JST, a Thursday.
    pub const START: i64 = 1_781_744_400_000_000;
    pub const MIN: i64 = 60_000_000;

    /// A built-in scenario with background rates scaled down so debug-mode tests stay fast.
    pub fn light(name: &str) -> Scenario {
        let src = match name {
            "saida-city" => include_str!("../../../scenarios/saida-city.toml"),
            "usb-supplier" => include_str!("../../../scenarios/usb-supplier.toml"),
            "dmz-webshell" => include_str!("../../../scenarios/dmz-webshell.toml"),
            _ => panic!("unknown"),
        };
        light_src(name, src, |s| s)
    }

    pub fn light_src(name: &str, src: &str, edit: impl Fn(String) -> String) -> Scenario {
        let mut out = String::new();
        for line in src.lines() {
            let l = if let Some((k, _)) = line.split_once(" = ") {
                match k {
                    "requests_per_staff_hour" => "requests_per_staff_hour = 12".to_string(),
                    "web_hits_per_hour" => "web_hits_per_hour = 20".to_string(),
                    "scans_per_hour" => "scans_per_hour = 5".to_string(),
                    _ => line.to_string(),
                }
            } else {
                line.to_string()
            };
            out.push_str(&l);
            out.push('\n');
        }
        let out = edit(out);
        Scenario::parse(&format!("{name}.toml"), &out).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn world(name: &str, seed: u64, team: u32) -> World {
        World::provision(&light(name), seed, team, START, 4)
    }

    pub fn end(w: &World) -> i64 {
        START + w.env().scenario.duration_minutes as i64 * MIN
    }

    /// SHA-256 over every rendered line.
    pub fn digest(w: &World) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let mut buf = String::new();
        for e in w.events() {
            buf.clear();
            w.render(e, &mut buf);
            h.update(buf.as_bytes());
            h.update(b"\n");
        }
        hex::encode(h.finalize())
    }
}

mod scenario_files {
    use kasumi_range::Scenario;

    #[test]
    fn all_builtin_scenarios_validate_and_run() {
        assert_eq!(
            Scenario::builtin_names(),
            vec!["saida-city", "usb-supplier", "dmz-webshell"]
        );
        for name in Scenario::builtin_names() {
            let full = Scenario::builtin(name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(full.id, name);
            let mut w = super::common::world(name, 11, 2);
            let end = super::common::end(&w);
            w.advance_to(end);
            let truth = w.ground_truth();
            let mut ips: Vec<u32> = w
                .env()
                .hosts
                .iter()
                .filter(|h| h.ip != 0)
                .map(|h| h.ip)
                .collect();
            let n = ips.len();
            ips.sort();
            ips.dedup();
            assert_eq!(ips.len(), n, "{name}: two hosts share an address");
            assert!(truth.first_infected.is_some(), "{name}: nobody infected");
            assert!(truth.alert_at.is_some(), "{name}: no alert");
            assert!(
                truth.exfiltration.is_some(),
                "{name}: undefended run should leak"
            );
            for src in kasumi_range::Source::ALL {
                if src == kasumi_range::Source::Dhcp || src == kasumi_range::Source::Alert {
                    continue;
                }
                assert!(w.count(src) > 0, "{name}: no {src:?} events");
            }
        }
        assert!(
            Scenario::builtin("nope")
                .unwrap_err()
                .to_string()
                .contains("saida-city")
        );
    }

    const BROKEN: &str = r#"[scenario]
id = "broken"
title = "broken"
organisation = "x"
mail_domain = "city.example.lg.jp"
ad_domain = "example.local"
courses = ["A", "Z"]
duration_minutes = 120
history_days_min = 2
colour = "blue"

[office_hours]
start = "17:00"
end = "09:00"

[[network]]
id = "dmz"
name = "DMZ"
kind = "dmz"
cidr = "10.10.1.0/24"

[[network]]
id = "lan"
name = "LAN"
kind = "business"
cidr = "10.10.0.0/16"

[[host]]
id = "fw"
name = "fw01"
role = "firewall"
network = "dmz"
address = "10.10.1.1"

[[host]]
id = "proxy"
name = "proxy01"
role = "proxy"
network = "lann"
address = "10.20.0.8"

[[section]]
id = "s1"
name = "総務課"
network = "lan"
staff = 5
prefix = "S1"

[background]
sites = ["www.example.jp"]
requests_per_staff_hour = 10
mails_per_staff_day = 1
file_ops_per_staff_hour = 1
web_hits_per_hour = 1
scans_per_hour = 1

[attacker]
c2_words = ["a", "b"]
c2_tlds = ["com"]
c2_count = 1
c2_cidr = "198.51.100.0/24"
operator_cidr = "203.0.113.0/24"
sender_domains = ["bad.example"]
payload_names = ["x.exe"]

[[step]]
id = "mail"
kind = "phishing_mail"
section = "s1"
subject = "hi"
at_minutes = -100

[[step]]
id = "run"
kind = "execute"
delivery = "mail"
at_minutes = -120

[[step]]
id = "late"
kind = "alert"
from = "soc"
at_minutes = 500

[[step]]
id = "ghost"
kind = "teleport"
at_minutes = 1

[[objective]]
id = "o1"
title = "t"
kind = "contain_c2"
points = 10
"#;

    fn line_of(src: &str, needle: &str) -> usize {
        src.lines().position(|l| l.contains(needle)).expect(needle) + 1
    }

    #[test]
    fn rejected_scenario_lists_every_problem_with_line_and_key() {
        let err = Scenario::parse("broken.toml", BROKEN).unwrap_err();
        let ps = &err.problems;
        let has = |line: usize, key: &str, word: &str| {
            ps.iter().any(|p| {
                p.line == line
                    && p.key == key
                    && p.message.contains(word)
                    && p.file == "broken.toml"
            })
        };
        let dump = ps
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            has(line_of(BROKEN, "colour"), "scenario.colour", "unknown key"),
            "{dump}"
        );
        assert!(
            has(
                line_of(BROKEN, "\"Z\""),
                "scenario.courses[1]",
                "unknown course"
            ),
            "{dump}"
        );
        assert!(
            has(
                line_of(BROKEN, "end = \"09:00\""),
                "office_hours.end",
                "end after"
            ),
            "{dump}"
        );
        assert!(
            has(
                line_of(BROKEN, "10.10.0.0/16"),
                "network#2.cidr",
                "overlaps"
            ),
            "{dump}"
        );
        assert!(
            has(
                line_of(BROKEN, "\"lann\""),
                "host#2.network",
                "no network with id `lann`"
            ),
            "{dump}"
        );
        assert!(
            has(
                line_of(BROKEN, "kind = \"teleport\""),
                "step#4.kind",
                "unknown step kind"
            ),
            "{dump}"
        );
        assert!(
            has(
                line_of(BROKEN, "at_minutes = 500"),
                "step#3.at_minutes",
                "after the exercise ends"
            ),
            "{dump}"
        );
        assert!(
            has(
                line_of(BROKEN, "id = \"run\""),
                "step#2.id",
                "before its delivery"
            ),
            "{dump}"
        );
        assert!(
            ps.iter()
                .any(|p| p.message.contains("role `dns` is required")),
            "{dump}"
        );
        assert!(ps.len() >= 10, "{dump}");
        // Display names file and line.
        assert!(
            err.to_string().contains(&format!(
                "broken.toml:{}: scenario.colour",
                line_of(BROKEN, "colour")
            )),
            "{err}"
        );
    }

    #[test]
    fn toml_syntax_error_is_located() {
        let err = Scenario::parse("x.toml", "[scenario]\nid = \"a\"\ntitle = \n").unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert_eq!(err.problems[0].line, 3);
        assert!(err.problems[0].message.contains("not valid TOML"));
    }

    #[test]
    fn pointless_or_premature_steps_are_reported() {
        let src = include_str!("../../../scenarios/saida-city.toml")
            .replace(
                "subject = \"【重要】{attachment}\"\n",
                "subject = \"【重要】{attachment}\"\nunless_warned = true\n",
            )
            .replace(
                "from = \"soc\"\nat_minutes = 3",
                "from = \"soc\"\nat_minutes = -4000",
            );
        let err = Scenario::parse("s.toml", &src).unwrap_err();
        let at = |key: &str, word: &str| {
            err.problems
                .iter()
                .find(|p| p.key == key && p.message.contains(word))
                .map(|p| p.line)
        };
        let warned_line = src
            .lines()
            .position(|l| l == "unless_warned = true")
            .unwrap()
            + 1;
        assert_eq!(
            at("step#1.unless_warned", "no effect"),
            Some(warned_line),
            "{err}"
        );
        assert!(
            at("step#8.id", "before the foothold").is_some()
                || at("step#8.id", "nothing to report").is_some(),
            "{err}"
        );
        assert_eq!(err.problems.len(), 2, "{err}");
    }

    #[test]
    fn dangling_references_in_steps_are_reported() {
        let src = include_str!("../../../scenarios/saida-city.toml")
            .replace("share = \"zeimu\"\nfile", "share = \"nosuch\"\nfile")
            .replace(
                "after = \"open1\"\ndelay_minutes = 45",
                "after = \"later\"\ndelay_minutes = 45",
            );
        let err = Scenario::parse("s.toml", &src).unwrap_err();
        let keys: Vec<&str> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert!(keys.contains(&"step#7.share"), "{err}");
        assert!(keys.contains(&"step#4.after"), "{err}");
        assert!(err.problems.iter().all(|p| p.line > 0));
    }
}

mod determinism {
    use super::common::*;

    #[test]
    fn same_seed_and_team_give_byte_identical_logs() {
        let a = world("saida-city", 42, 1);
        let b = world("saida-city", 42, 1);
        assert_eq!(digest(&a), digest(&b));
        assert!(a.events().count() > 10_000);
    }

    #[test]
    fn other_seed_or_team_gives_another_variant() {
        let a = world("saida-city", 42, 1);
        let b = world("saida-city", 43, 1);
        let c = world("saida-city", 42, 2);
        assert_ne!(digest(&a), digest(&b));
        assert_ne!(digest(&a), digest(&c));
        let dom = |w: &kasumi_range::World| {
            w.env()
                .variant
                .c2
                .iter()
                .map(|c| c.domain.clone())
                .collect::<Vec<_>>()
        };
        let hosts = |w: &kasumi_range::World| {
            w.env()
                .hosts
                .iter()
                .map(|h| (h.name.clone(), h.ip))
                .collect::<Vec<_>>()
        };
        assert_ne!(dom(&a), dom(&c));
        assert_ne!(hosts(&a), hosts(&c));
        assert_ne!(
            a.env().variant.implant_sha256,
            c.env().variant.implant_sha256
        );
        assert_ne!(a.env().variant.step_times, c.env().variant.step_times);
        // Servers keep their documented addresses in every variant.
        let fs =
            |w: &kasumi_range::World| w.env().hosts.iter().find(|h| h.name == "fs01").unwrap().ip;
        assert_eq!(fs(&a), fs(&c));
    }

    #[test]
    fn events_are_sorted_and_history_covers_office_days() {
        let w = world("saida-city", 5, 5);
        let ts: Vec<i64> = w.events().map(|e| e.t).collect();
        assert!(ts.windows(2).all(|p| p[0] <= p[1]));
        assert!(ts[0] < START - 3 * 24 * 60 * MIN);
        // Staff browse in office hours: hardly any proxy traffic from staff at 03:00 JST.
        let night = w
            .events()
            .filter(|e| {
                e.source == kasumi_range::Source::Proxy
                    && e.actor == kasumi_range::Actor::Background
            })
            .filter(|e| kasumi_range::time::jst(e.t).hour == 3)
            .count();
        assert_eq!(night, 0);
    }
}

mod consistency {
    use kasumi_range::event::Data;
    use kasumi_range::{Actor, Source, World};

    use super::common::*;

    /// Every C2 session of the implant shows up with the same address, host
    /// and domain in Sysmon, DNS, the firewall (direct attempt denied) and the proxy.
    pub fn check(w: &World) -> usize {
        let n = w.names();
        let evs: Vec<_> = w.events().collect();
        let c2 = &w.env().variant.c2;
        let mut checked = 0;
        for e in evs.iter().filter(|e| e.actor == Actor::Attacker) {
            let Data::Proxy {
                client,
                url,
                server,
                status,
                ..
            } = e.data
            else {
                continue;
            };
            let url = n.get(url);
            let domain = url.trim_end_matches(":443");
            let c = c2
                .iter()
                .find(|c| c.domain == domain)
                .expect("proxy line names a C2 domain");
            let host = w
                .env()
                .hosts
                .iter()
                .position(|h| h.ip == client)
                .expect("client is a known host");
            let start = e.t - 200_000_000;
            let window = |x: &&&kasumi_range::Event| {
                x.t >= start && x.t <= e.t && x.actor == Actor::Attacker
            };
            let dns = evs.iter().filter(window).any(|x| matches!(x.data, Data::Dns { client: cl, name, .. } if cl == client && n.get(name) == domain));
            let fw = evs.iter().filter(window).any(|x| matches!(x.data, Data::Firewall { src, dst, dport: 443, .. } if src == client && dst == c.ip));
            let sysmon = evs.iter().filter(window).any(|x| {
                x.host.0 as usize == host
                    && matches!(x.data, Data::Sysmon { id: 22, a, .. } if n.get(a) == domain)
            });
            assert!(
                dns && fw && sysmon,
                "C2 session at {} from {client} to {domain}: dns {dns} fw {fw} sysmon {sysmon}\n{}",
                e.t,
                w.line(e)
            );
            if status == 200 {
                assert_eq!(server, c.ip, "proxy resolved the C2 to its address");
            }
            // The terminal's address is the one its DHCP lease gave it.
            let lease = evs.iter().any(|x| matches!(x.data, Data::Dhcp { ip, name, .. } if ip == client && n.get(name) == w.env().hosts[host].fqdn));
            if matches!(
                w.env().hosts[host].kind,
                kasumi_range::world::HostKind::Terminal { .. }
            ) {
                assert!(lease, "no DHCP lease for {}", w.env().hosts[host].name);
            }
            checked += 1;
        }
        checked
    }

    #[test]
    fn attacker_network_steps_agree_across_logs_for_many_seeds() {
        let mut total = 0;
        for seed in 0..6u64 {
            let name = ["saida-city", "usb-supplier"][seed as usize % 2];
            let mut w = world(name, seed * 7919 + 1, seed as u32);
            w.advance_to(end(&w));
            let n = check(&w);
            assert!(n >= 3, "{name} seed {seed}: only {n} C2 sessions");
            total += n;
        }
        assert!(total > 30);
    }

    #[test]
    fn web_shell_steps_agree_between_web_and_firewall_logs() {
        let mut w = world("dmz-webshell", 3, 1);
        w.advance_to(end(&w));
        let truth = w.ground_truth();
        let web_ip = kasumi_range::net::parse_ip(&truth.first_infected.unwrap().ip).unwrap();
        let shell = w.env().variant.webshell.clone();
        let evs: Vec<_> = w.events().collect();
        let shell_hits = evs
            .iter()
            .filter(|e| matches!(e.data, Data::Web { path, .. } if w.names().get(path).starts_with(&shell)))
            .count();
        assert!(shell_hits >= 5);
        let pivots = evs
            .iter()
            .filter(|e| {
                e.source == Source::Firewall
                    && matches!(e.data, Data::Firewall { src, policy: 10, .. } if src == web_ip)
            })
            .count();
        assert_eq!(pivots, 3, "DMZ→LAN attempts are denied and logged");
        assert!(truth.exfiltration.unwrap().via.starts_with("203.0.113."));
    }
}

mod actions {
    use kasumi_range::{Action, ActionError, Device, Recorded};

    use super::common::*;

    fn block(rule: &str) -> Action {
        Action::Block {
            device: Device::Proxy,
            rule: rule.into(),
        }
    }

    #[test]
    fn refused_actions_leave_the_world_unchanged() {
        let mut w = world("saida-city", 9, 1);
        let before = (digest(&w), w.ground_truth(), w.now());
        let e = w
            .apply(
                Action::IsolateHost {
                    host: "PC-NOPE-99".into(),
                },
                START + MIN,
            )
            .unwrap_err();
        assert_eq!(e, ActionError::UnknownHost("PC-NOPE-99".into()));
        let e = w.apply(block("dstdomain"), START + MIN).unwrap_err();
        assert!(
            matches!(
                e,
                ActionError::MalformedRule {
                    device: "proxy",
                    ..
                }
            ),
            "{e}"
        );
        let e = w
            .apply(
                Action::Block {
                    device: Device::Firewall,
                    rule: "deny dst 10.0.0.1/8".into(),
                },
                START + MIN,
            )
            .unwrap_err();
        assert!(e.to_string().contains("host bits"), "{e}");
        let e = w
            .apply(
                Action::DisableAccount {
                    account: "nobody".into(),
                },
                START + MIN,
            )
            .unwrap_err();
        assert_eq!(e, ActionError::UnknownAccount("nobody".into()));
        let e = w
            .apply(Action::TakeHint { id: "x".into() }, START + MIN)
            .unwrap_err();
        assert_eq!(e, ActionError::UnknownHint("x".into()));
        let e = w
            .apply(
                Action::WarnStaff {
                    message: "x".into(),
                },
                START - MIN,
            )
            .unwrap_err();
        assert!(matches!(e, ActionError::InThePast { .. }));
        assert!(w.actions().is_empty());
        assert_eq!((digest(&w), w.ground_truth(), w.now()), before);
    }

    #[test]
    fn blocking_every_c2_domain_before_exfiltration_prevents_the_leak() {
        let w0 = world("saida-city", 21, 4);
        let undefended = w0.ground_truth_undefended();
        let leak = undefended.exfiltration.expect("leaks when nobody acts");
        assert!(leak.t > START + 60 * MIN);

        let mut w = world("saida-city", 21, 4);
        let c2: Vec<String> = w
            .env()
            .variant
            .c2
            .iter()
            .map(|c| c.domain.clone())
            .collect();
        for (i, d) in c2.iter().enumerate() {
            let out = w
                .apply(
                    block(&format!("dstdomain {d}")),
                    START + (10 + i as i64) * MIN,
                )
                .unwrap();
            assert_eq!(out.impact, 0, "blocking a C2 domain disrupts nobody");
        }
        w.advance_to(end(&w));
        let t = w.ground_truth();
        assert!(t.exfiltration.is_none(), "leak despite blocks");
        assert!(t.exfiltration_blocked_at.is_some());
        // The denied attempts are visible in the proxy log.
        let denied = w
            .events()
            .filter(|e| e.source == kasumi_range::Source::Proxy)
            .map(|e| w.line(e))
            .filter(|l| l.contains("TCP_DENIED/403") && c2.iter().any(|d| l.contains(d.as_str())))
            .count();
        assert!(denied >= 1);
        let s = w.score_current(kasumi_range::Course::B1);
        let s0 = w0.score(&[], kasumi_range::Course::B1);
        let got = |s: &kasumi_range::Score, id: &str| {
            s.objectives.iter().find(|o| o.id == id).unwrap().earned
        };
        assert!(got(&s, "noleak") > 0.0 && got(&s0, "noleak") == 0.0);
        assert!(got(&s, "contain") > 0.0 && got(&s0, "contain") == 0.0);
        assert!(s.total > s0.total);
        assert!(!s.leaked && s0.leaked);
    }

    #[test]
    fn blocking_only_the_primary_domain_makes_the_implant_fall_back() {
        let mut w = world("saida-city", 21, 4);
        let c2: Vec<String> = w
            .env()
            .variant
            .c2
            .iter()
            .map(|c| c.domain.clone())
            .collect();
        w.apply(block(&format!("dstdomain {}", c2[0])), START + 10 * MIN)
            .unwrap();
        w.advance_to(end(&w));
        let t = w.ground_truth();
        let after: Vec<_> = t
            .contacts
            .iter()
            .filter(|c| c.t > START + 10 * MIN)
            .collect();
        assert!(after.iter().any(|c| c.via == c2[0] && !c.ok));
        assert!(
            after.iter().any(|c| c.via == c2[1] && c.ok),
            "fallback domain used"
        );
        assert_eq!(
            t.exfiltration.expect("still leaks via the fallback").via,
            c2[1]
        );
        assert!(t.timeline.iter().any(|(_, s)| s.contains("switched C2")));
    }

    #[test]
    fn firewall_block_of_c2_addresses_is_logged_with_the_proxy_as_source() {
        let mut w = world("saida-city", 8, 8);
        let rule = "deny dst 198.51.100.0/24 port 443";
        let out = w
            .apply(
                Action::Block {
                    device: Device::Firewall,
                    rule: rule.into(),
                },
                START + 20 * MIN,
            )
            .unwrap();
        assert!(out.message.contains("policy 200"), "{}", out.message);
        w.advance_to(end(&w));
        assert!(w.ground_truth().exfiltration.is_none());
        let proxy_ip = kasumi_range::net::ip_string(
            w.env()
                .hosts
                .iter()
                .find(|h| h.name == "proxy01")
                .unwrap()
                .ip,
        );
        let lines: Vec<String> = w
            .events()
            .filter(|e| e.source == kasumi_range::Source::Firewall && e.t > START + 20 * MIN)
            .map(|e| w.line(e))
            .filter(|l| l.contains("policyid=200"))
            .collect();
        assert!(
            lines
                .iter()
                .any(|l| l.contains(&format!("srcip={proxy_ip} "))),
            "{lines:?}"
        );
    }

    #[test]
    fn disabled_account_makes_the_attacker_use_another_stolen_one() {
        // Move the collection into the exercise so that the defenders can react.
        let edit = |s: String| {
            s.replace(
                "after = \"move\"\ndelay_minutes = 1300\njitter_minutes = 30",
                "at_minutes = 30\njitter_minutes = 2",
            )
        };
        let sc = light_src(
            "saida-city",
            include_str!("../../../scenarios/saida-city.toml"),
            edit,
        );
        let w0 = kasumi_range::World::provision(&sc, 4, 4, START, 4);
        let stolen = w0.ground_truth().stolen_accounts;
        assert_eq!(stolen.len(), 2);
        assert!(stolen[0].starts_with("adm-"));

        let mut w = w0.clone();
        w.apply(
            Action::DisableAccount {
                account: stolen[0].clone(),
            },
            START + 5 * MIN,
        )
        .unwrap();
        w.advance_to(START + 40 * MIN);
        let t = w.ground_truth();
        assert!(t.leaked_file.is_some(), "collected with the second account");
        let sec = w
            .events()
            .filter(|e| e.source == kasumi_range::Source::WinSecurity && e.t > START)
            .map(|e| w.line(e))
            .collect::<Vec<_>>();
        assert!(
            sec.iter().any(|l| l.contains("\"EventID\":4625")
                && l.contains(&stolen[0])
                && l.contains("0xc0000072")),
            "failed logon with the disabled account is logged"
        );
        assert!(
            sec.iter()
                .any(|l| l.contains("\"EventID\":5145") && l.contains(&stolen[1])),
            "file read with the other account"
        );

        let mut w = w0.clone();
        w.apply(
            Action::DisableAccount {
                account: stolen[0].clone(),
            },
            START + 5 * MIN,
        )
        .unwrap();
        w.apply(
            Action::ResetPassword {
                account: format!("SAIDA\\{}", stolen[1]),
            },
            START + 6 * MIN,
        )
        .unwrap();
        w.advance_to(end(&w));
        let t = w.ground_truth();
        assert!(t.leaked_file.is_none() && t.exfiltration.is_none());
        let s = w.score_current(kasumi_range::Course::A);
        assert!(
            s.objectives
                .iter()
                .find(|o| o.id == "accounts")
                .unwrap()
                .achieved
        );
    }

    #[test]
    fn collecting_the_implant_gives_an_analysis_report_with_fallback_domains() {
        let mut w = world("usb-supplier", 2, 2);
        let truth = w.ground_truth();
        let first = truth.first_infected.unwrap();
        let out = w
            .apply(
                Action::CollectFile {
                    host: first.ip.clone(),
                    path: first.implant.clone(),
                },
                START + 15 * MIN,
            )
            .unwrap();
        let rep = out.analysis.expect("analysis report");
        assert_eq!(rep.sha256, w.env().variant.implant_sha256);
        assert_eq!(rep.c2.len(), w.env().variant.c2.len());
        assert!(rep.persistence.unwrap().contains("CurrentVersion\\Run"));
        let e = w
            .apply(
                Action::CollectFile {
                    host: first.name.clone(),
                    path: "C:\\nothing.txt".into(),
                },
                START + 16 * MIN,
            )
            .unwrap_err();
        assert!(matches!(e, ActionError::NoSuchFile { .. }));
    }

    #[test]
    fn isolating_a_server_has_business_impact_and_isolating_terminals_stops_beacons() {
        let mut w = world("saida-city", 30, 3);
        let out = w
            .apply(
                Action::IsolateHost {
                    host: "proxy01".into(),
                },
                START + 5 * MIN,
            )
            .unwrap();
        assert!(
            out.impact > 100,
            "isolating the proxy stops everyone's browsing: {}",
            out.impact
        );

        let mut w = world("saida-city", 30, 3);
        let hosts: Vec<String> = w
            .ground_truth()
            .infected_hosts
            .iter()
            .map(|h| h.name.clone())
            .collect();
        for h in &hosts {
            let out = w
                .apply(Action::IsolateHost { host: h.clone() }, START + 5 * MIN)
                .unwrap();
            assert!(out.impact < 200);
        }
        let before = w.ground_truth().contacts.len();
        w.advance_to(START + 50 * MIN);
        let t = w.ground_truth();
        let new: Vec<_> = t.contacts[before..]
            .iter()
            .filter(|c| hosts.contains(&c.host))
            .collect();
        assert!(new.is_empty(), "isolated hosts still beacon: {new:?}");
    }

    #[test]
    fn warning_staff_stops_the_second_wave() {
        let mut a = world("saida-city", 12, 12);
        a.advance_to(end(&a));
        let mut b = world("saida-city", 12, 12);
        b.apply(
            Action::WarnStaff {
                message: "不審なメールの添付ファイルを開かないでください".into(),
            },
            START + 10 * MIN,
        )
        .unwrap();
        b.advance_to(end(&b));
        assert_eq!(a.ground_truth().infected_hosts.len(), 3);
        assert_eq!(b.ground_truth().infected_hosts.len(), 2);
        assert!(
            b.ground_truth()
                .timeline
                .iter()
                .any(|(_, s)| s.contains("did not open"))
        );
        let reports: Vec<String> = b
            .events()
            .filter(|e| {
                matches!(
                    e.data,
                    kasumi_range::Data::Alert {
                        reporter: kasumi_range::Reporter::Staff,
                        ..
                    }
                )
            })
            .map(|e| b.line(e))
            .collect();
        assert_eq!(reports.len(), 1, "the warned employee reports the mail");
        assert!(
            reports[0].contains("reporter=\"職員\"") && reports[0].contains(&b.env().variant.zip),
            "{}",
            reports[0]
        );
    }

    #[test]
    fn powering_off_before_preserving_evidence_is_an_order_mistake() {
        let mut w = world("saida-city", 13, 1);
        let first = w.ground_truth().first_infected.unwrap().name;
        w.apply(
            Action::PowerOff {
                host: first.clone(),
            },
            START + 10 * MIN,
        )
        .unwrap();
        w.apply(Action::PreserveEvidence { host: first }, START + 11 * MIN)
            .unwrap();
        let s = w.score_current(kasumi_range::Course::A);
        assert_eq!(s.order_mistakes.len(), 2, "{:?}", s.order_mistakes);
        assert!(
            !s.objectives
                .iter()
                .find(|o| o.id == "evidence")
                .unwrap()
                .achieved
        );
        assert!(s.order_penalty > 0.0);
    }

    #[test]
    fn recorded_actions_serialise_as_json() {
        let r = Recorded {
            at: START,
            action: Action::Block {
                device: Device::Firewall,
                rule: "deny src 203.0.113.0/24".into(),
            },
        };
        let j = serde_json::to_string(&r).unwrap();
        assert_eq!(
            j,
            r#"{"at":1781744400000000,"action":{"action":"block","device":"firewall","rule":"deny src 203.0.113.0/24"}}"#
        );
        assert_eq!(serde_json::from_str::<Recorded>(&j).unwrap(), r);
    }
}

mod scoring {
    use kasumi_range::{Action, Course, Device, LeakReport, Recipient, Recorded};

    use super::common::*;

    fn good_run(w: &mut kasumi_range::World) -> Vec<Recorded> {
        let truth = w.ground_truth_undefended();
        let first = truth.first_infected.clone().unwrap();
        let mut acts = vec![
            (
                2,
                Action::TakeHint {
                    id: "proxy-log".into(),
                },
            ),
            (
                8,
                Action::WarnStaff {
                    message: "注意".into(),
                },
            ),
            (
                12,
                Action::Escalate {
                    to: Recipient::Ciso,
                    message: "C2 通信を確認".into(),
                },
            ),
            (
                14,
                Action::PreserveEvidence {
                    host: first.name.clone(),
                },
            ),
            (
                16,
                Action::CollectFile {
                    host: first.name.clone(),
                    path: first.implant.clone(),
                },
            ),
        ];
        for (i, c) in truth.c2.iter().enumerate() {
            acts.push((
                20 + i as i64,
                Action::Block {
                    device: Device::Proxy,
                    rule: format!("dstdomain {}", c.domain),
                },
            ));
        }
        let infected: Vec<String> = w
            .ground_truth()
            .infected_hosts
            .iter()
            .map(|h| h.name.clone())
            .collect();
        for (i, h) in infected.iter().enumerate() {
            acts.push((30 + i as i64, Action::IsolateHost { host: h.clone() }));
        }
        for (i, a) in truth.stolen_accounts.iter().enumerate() {
            acts.push((40 + i as i64, Action::DisableAccount { account: a.clone() }));
        }
        acts.push((
            90,
            Action::ReportLeak {
                report: LeakReport {
                    infected_hosts: infected.clone(),
                    first_host: first.name.clone(),
                    cause: "mail".into(),
                    c2: truth
                        .c2
                        .iter()
                        .filter(|c| c.used)
                        .map(|c| c.domain.clone())
                        .collect(),
                    leaked_file: String::new(),
                    records: 0,
                },
            },
        ));
        let mut rec = Vec::new();
        for (m, a) in acts {
            w.apply(a.clone(), START + m * MIN)
                .unwrap_or_else(|e| panic!("{a:?}: {e}"));
            rec.push(Recorded {
                at: START + m * MIN,
                action: a,
            });
        }
        rec
    }

    #[test]
    fn replaying_recorded_actions_reproduces_the_score() {
        let mut w = world("saida-city", 77, 3);
        let rec = good_run(&mut w);
        let live = w.score_current(Course::B1);
        let fresh = world("saida-city", 77, 3);
        let json = serde_json::to_string(&rec).unwrap();
        let back: Vec<Recorded> = serde_json::from_str(&json).unwrap();
        let replay = fresh.score(&back, Course::B1);
        assert_eq!(live, replay);
        assert!(replay.refused.is_empty(), "{:?}", replay.refused);
        assert!(!replay.leaked);
        assert_eq!(replay.hint_penalty, 3.0);
        assert!(
            replay.total > 0.75 * replay.max,
            "{} of {}",
            replay.total,
            replay.max
        );
        for id in [
            "contain", "noleak", "isolate", "warn", "escalate", "evidence", "analyse", "accounts",
            "first",
        ] {
            let o = replay.objectives.iter().find(|o| o.id == id).unwrap();
            assert!(o.achieved && o.factor == 1.0, "{id}: {o:?}");
        }
        let rep = replay
            .objectives
            .iter()
            .find(|o| o.id == "leakreport")
            .unwrap();
        assert!(rep.earned > 0.99 * rep.points, "{rep:?}");
    }

    #[test]
    fn late_actions_earn_less_and_courses_weigh_objectives_differently() {
        let w = world("saida-city", 5, 9);
        let warn = |m: i64| {
            vec![Recorded {
                at: START + m * MIN,
                action: Action::WarnStaff {
                    message: "注意".into(),
                },
            }]
        };
        let early = w.score(&warn(5), Course::A);
        let late = w.score(&warn(200), Course::A);
        let e = early.objectives.iter().find(|o| o.id == "warn").unwrap();
        let l = late.objectives.iter().find(|o| o.id == "warn").unwrap();
        assert_eq!(e.factor, 1.0);
        assert!(l.factor < 1.0 && l.factor >= 0.5);
        assert!(early.total > late.total);
        let b1 = w.score(&warn(5), Course::B1);
        assert_eq!(e.weight, 1.5);
        assert_eq!(
            b1.objectives
                .iter()
                .find(|o| o.id == "warn")
                .unwrap()
                .weight,
            1.0
        );
        assert_ne!(early.max, b1.max);
    }

    #[test]
    fn wrong_leak_report_scores_less_than_a_true_one() {
        let w = world("saida-city", 6, 6);
        let truth = w.ground_truth_undefended();
        let mk = |r: LeakReport| {
            vec![Recorded {
                at: START + 200 * MIN,
                action: Action::ReportLeak { report: r },
            }]
        };
        let right = LeakReport {
            infected_hosts: truth
                .infected_hosts
                .iter()
                .map(|h| h.name.clone())
                .collect(),
            first_host: truth.first_infected.clone().unwrap().ip,
            cause: "mail".into(),
            c2: truth
                .c2
                .iter()
                .filter(|c| c.used)
                .map(|c| c.domain.clone())
                .collect(),
            leaked_file: truth.leaked_file.clone().unwrap(),
            records: truth.records.unwrap(),
        };
        let wrong = LeakReport {
            first_host: "fs01".into(),
            cause: "usb".into(),
            records: 1,
            ..right.clone()
        };
        let r = w.score(&mk(right), Course::B1);
        let x = w.score(&mk(wrong), Course::B1);
        let get = |s: &kasumi_range::Score, id: &str| {
            s.objectives.iter().find(|o| o.id == id).unwrap().earned
        };
        assert!(get(&r, "leakreport") > get(&x, "leakreport"));
        assert!(get(&r, "first") > 0.0 && get(&x, "first") == 0.0);
    }

    #[test]
    fn over_blocking_costs_points() {
        let w = world("saida-city", 5, 9);
        let block = |rule: &str| {
            vec![Recorded {
                at: START + 5 * MIN,
                action: Action::Block {
                    device: Device::Proxy,
                    rule: rule.into(),
                },
            }]
        };
        let narrow = w.score(
            &block(&format!("dstdomain {}", w.env().variant.c2[0].domain)),
            Course::B1,
        );
        let broad = w.score(&block("dstdomain .co.jp"), Course::B1);
        assert!(broad.refused.is_empty());
        assert_eq!(narrow.impact, 0);
        assert!(broad.impact > 50, "{}", broad.impact);
        assert!(broad.impact_penalty > 0.0);
    }
}

mod snapshot {
    use kasumi_range::{Source, World};

    pub const TINY: &str = r#"[scenario]
id = "tiny"
title = "tiny"
organisation = "てすと町"
mail_domain = "town.test.lg.jp"
ad_domain = "test.local"
courses = ["A"]
duration_minutes = 60
history_days_min = 1

[office_hours]
start = "08:30"
end = "17:15"

[[network]]
id = "dmz"
name = "DMZ"
kind = "dmz"
cidr = "10.10.1.0/24"

[[network]]
id = "srv"
name = "servers"
kind = "business"
cidr = "10.20.0.0/24"

[[network]]
id = "seg"
name = "section"
kind = "business"
cidr = "10.20.3.0/24"

[[host]]
id = "fw"
name = "fw01"
role = "firewall"
network = "dmz"
address = "10.10.1.1"

[[host]]
id = "dns"
name = "ns01"
role = "dns"
network = "dmz"
address = "10.10.1.53"

[[host]]
id = "mail"
name = "mail"
role = "mail"
network = "dmz"
address = "10.10.1.25"

[[host]]
id = "proxy"
name = "proxy01"
role = "proxy"
network = "srv"
address = "10.20.0.8"

[[host]]
id = "ad"
name = "ad01"
role = "ad"
network = "srv"
address = "10.20.0.10"

[[host]]
id = "dhcp"
name = "dhcp01"
role = "dhcp"
network = "srv"
address = "10.20.0.11"

[[host]]
id = "mujin"
name = "mujin01"
role = "sanitizer"
network = "srv"
address = "10.20.0.30"

[[section]]
id = "soumu"
name = "総務課"
network = "seg"
staff = 2
prefix = "SOUMU"

[background]
sites = ["www.example.jp"]
requests_per_staff_hour = 0
mails_per_staff_day = 0
file_ops_per_staff_hour = 0
web_hits_per_hour = 0
scans_per_hour = 0

[attacker]
c2_words = ["alpha", "beta"]
c2_tlds = ["example"]
c2_count = 2
c2_cidr = "198.51.100.0/24"
operator_cidr = "203.0.113.0/24"
sender_domains = ["bad.example"]
payload_names = ["invoice.exe"]

[[step]]
id = "mail"
kind = "phishing_mail"
section = "soumu"
subject = "請求書"
at_minutes = -30

[[step]]
id = "run"
kind = "execute"
delivery = "mail"
after = "mail"
delay_minutes = 5

[[step]]
id = "beacon"
kind = "beacon"
interval_minutes = 30
after = "run"
delay_minutes = 1

[[step]]
id = "alert"
kind = "alert"
from = "soc"
at_minutes = 2

[[objective]]
id = "contain"
title = "contain"
kind = "contain_c2"
points = 10
"#;

    #[test]
    fn tiny_scenario_renders_known_lines() {
        let sc = kasumi_range::Scenario::parse("tiny.toml", TINY).unwrap_or_else(|e| panic!("{e}"));
        let mut w = World::provision(&sc, 1, 1, super::common::START, 1);
        w.advance_to(super::common::START + 60 * super::common::MIN);
        let first = |src: Source| {
            let e = w
                .events()
                .find(|e| e.source == src && e.actor != kasumi_range::Actor::Background)
                .unwrap_or_else(|| panic!("{src:?}"));
            w.line(e)
        };
        let got = [
            first(Source::Mail),
            first(Source::Sanitizer),
            first(Source::Dns),
            first(Source::Firewall),
            first(Source::Proxy),
            first(Source::Sysmon),
            first(Source::WinSecurity),
            first(Source::Alert),
            w.line(w.events().find(|e| e.source == Source::Dhcp).unwrap()),
        ];
        let expected = include_str!("snapshots/tiny.txt")
            .lines()
            .collect::<Vec<_>>();
        if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
            std::fs::write(
                concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/tiny.txt"),
                got.join("\n") + "\n",
            )
            .unwrap();
        }
        assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(expected) {
            assert_eq!(g, e);
        }
    }
}

mod replay {
    use kasumi_range::{Action, Course, Device, Recorded, World};

    use super::common::*;

    #[test]
    fn live_session_and_replay_give_identical_logs_and_scores() {
        let sc = light("saida-city");
        let w0 = World::provision(&sc, 99, 7, START, 4);
        let c2 = w0.env().variant.c2[0].domain.clone();
        let first = w0.ground_truth().first_infected.unwrap().name;
        let rec = vec![
            Recorded {
                at: START + 7 * MIN,
                action: Action::WarnStaff {
                    message: "注意".into(),
                },
            },
            Recorded {
                at: START + 33 * MIN,
                action: Action::Block {
                    device: Device::Proxy,
                    rule: format!("dstdomain {c2}"),
                },
            },
            Recorded {
                at: START + 61 * MIN,
                action: Action::IsolateHost { host: first },
            },
        ];
        // Live: time advanced in small, irregular steps between actions.
        let mut live = w0.clone();
        let mut t = START;
        let mut next = 0;
        while t < end(&live) {
            t += 3 * MIN + 17_000_000;
            while next < rec.len() && rec[next].at <= t {
                live.apply(rec[next].action.clone(), rec[next].at).unwrap();
                next += 1;
            }
            live.advance_to(t);
        }
        let (replayed, results) = World::replay(&sc, 99, 7, START, 4, &rec);
        assert!(results.iter().all(|r| r.is_ok()));
        assert_eq!(digest(&live), digest(&replayed));
        assert_eq!(live.ground_truth(), replayed.ground_truth());
        assert_eq!(
            live.score_current(Course::A),
            replayed.score(&rec, Course::A)
        );
    }

    #[test]
    fn web_shell_operator_moves_to_another_address_when_blocked() {
        let w0 = world("dmz-webshell", 4, 4);
        let ops = w0.env().variant.operators.clone();
        let op0 = kasumi_range::net::ip_string(ops[0]);
        let fw = |rule: String, m: i64| Recorded {
            at: START + m * MIN,
            action: Action::Block {
                device: Device::Firewall,
                rule,
            },
        };

        let (w, _) = World::replay(
            &w0.env().scenario,
            4,
            4,
            START,
            4,
            &[fw(format!("deny src {op0}"), 12)],
        );
        let t = w.ground_truth();
        let leak = t
            .exfiltration
            .expect("the operator comes back from another address");
        assert_ne!(leak.via, op0);
        assert!(t.timeline.iter().any(|(_, s)| s.contains("operator moved")));
        let denied = w
            .events()
            .filter(|e| e.source == kasumi_range::Source::Firewall)
            .map(|e| w.line(e))
            .filter(|l| l.contains(&format!("srcip={op0} ")) && l.contains("policyid=200"))
            .count();
        assert!(denied >= 1);

        let (w, _) = World::replay(
            &w0.env().scenario,
            4,
            4,
            START,
            4,
            &[fw("deny src 203.0.113.0/24".into(), 12)],
        );
        assert!(w.ground_truth().exfiltration.is_none());
        let s = w.score_current(Course::B2);
        assert!(
            s.objectives
                .iter()
                .find(|o| o.id == "contain")
                .unwrap()
                .achieved
        );

        // Isolating the public web server also stops the leak but costs the citizens their site.
        let iso = Recorded {
            at: START + 12 * MIN,
            action: Action::IsolateHost {
                host: "www01".into(),
            },
        };
        let s = w0.score(&[iso], Course::B2);
        assert!(!s.leaked);
        assert!(s.impact > 100, "{}", s.impact);
    }

    #[test]
    fn firewall_blocks_remove_citizen_traffic_from_the_web_log() {
        let w0 = world("dmz-webshell", 4, 4);
        let rule = Recorded {
            at: START + 5 * MIN,
            action: Action::Block {
                device: Device::Firewall,
                rule: "deny src 128.0.0.0/1 dst 10.10.1.80".into(),
            },
        };
        let (w, _) = World::replay(
            &w0.env().scenario,
            4,
            4,
            START,
            4,
            std::slice::from_ref(&rule),
        );
        let mut base = w0.clone();
        base.advance_to(end(&base));
        let after = |w: &World| {
            w.events()
                .filter(|e| {
                    e.source == kasumi_range::Source::Web
                        && e.t > START + 5 * MIN
                        && e.actor == kasumi_range::Actor::Background
                })
                .count()
        };
        assert!(after(&w) < after(&base));
        // Every hidden request counts as business impact, and nothing else does.
        assert_eq!(
            w0.score(&[rule], Course::B2).impact as usize,
            after(&base) - after(&w)
        );
    }
}

mod properties {
    use kasumi_range::action::{FwRule, ProxyRule};
    use kasumi_range::net::Cidr;
    use kasumi_range::{Scenario, World};
    use proptest::prelude::*;

    use super::common::*;

    fn cidr() -> impl Strategy<Value = Cidr> {
        (any::<u32>(), 0u8..=32).prop_map(|(ip, p)| {
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            Cidr {
                base: ip & mask,
                prefix: p,
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn firewall_rule_text_round_trips(src in proptest::option::of(cidr()), dst in cidr(), port in proptest::option::of(1u16..)) {
            let r = FwRule { src, dst: Some(dst), port };
            let back = FwRule::parse(&r.text()).unwrap();
            prop_assert_eq!(&back, &r);
            let ip = dst.base | 1.min(!dst.mask());
            prop_assert_eq!(r.matches(src.map(|c| c.base).unwrap_or(7), ip, port.unwrap_or(443)), true);
        }

        #[test]
        fn rule_parsers_never_panic(s in "\\PC{0,40}") {
            let _ = FwRule::parse(&s);
            let _ = ProxyRule::parse(&s);
        }

        #[test]
        fn dstdomain_suffix_matches_subdomains_only(label in "[a-z]{1,8}", dom in "[a-z]{1,8}\\.[a-z]{2,3}") {
            let r = ProxyRule::parse(&format!("dstdomain .{dom}")).unwrap();
            let sub = format!("{label}.{dom}");
            let glued = format!("{label}{dom}");
            prop_assert!(r.matches(&sub, "", 0));
            prop_assert!(r.matches(&dom, "", 0));
            prop_assert!(!r.matches(&glued, "", 0));
        }

        #[test]
        fn damaged_scenarios_are_rejected_with_located_problems(cut in 0usize..400) {
            let src = include_str!("../../../scenarios/saida-city.toml");
            let lines: Vec<&str> = src.lines().collect();
            let i = cut % lines.len();
            let damaged = lines.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
            if let Err(e) = Scenario::parse("d.toml", &damaged) {
                prop_assert!(!e.problems.is_empty());
                for p in &e.problems {
                    prop_assert!(p.line <= lines.len());
                    prop_assert!(!p.key.is_empty());
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

        #[test]
        fn every_c2_session_is_consistent_for_any_seed(seed in any::<u64>(), team in 0u32..40) {
            let mut w = World::provision(&light("saida-city"), seed, team, START, 4);
            w.advance_to(end(&w));
            prop_assert!(super::consistency::check(&w) >= 3);
        }

        #[test]
        fn provisioning_is_a_pure_function(seed in any::<u64>(), team in 0u32..1000) {
            let sc = Scenario::parse("tiny.toml", super::snapshot::TINY).unwrap();
            let a = World::provision(&sc, seed, team, START, 2);
            let b = World::provision(&sc, seed, team, START, 2);
            prop_assert_eq!(digest(&a), digest(&b));
        }
    }
}

mod files {
    use super::common::*;

    #[test]
    fn write_logs_writes_every_source_and_the_ground_truth() {
        let mut w = world("saida-city", 3, 3);
        w.advance_to(end(&w));
        let dir = std::env::temp_dir().join(format!("kasumi-range-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let n = kasumi_range::files::write_logs(&w, &dir).unwrap();
        assert_eq!(n, w.events().count());
        let proxy = std::fs::read_to_string(dir.join("proxy/access.log")).unwrap();
        assert_eq!(proxy.lines().count(), w.count(kasumi_range::Source::Proxy));
        let dhcp = std::fs::read_to_string(dir.join("dhcp/DhcpSrvLog.csv")).unwrap();
        assert!(dhcp.starts_with("ID,Date,Time,Description,IP Address,Host Name,MAC Address"));
        assert_eq!(
            dhcp.lines().count(),
            w.count(kasumi_range::Source::Dhcp) + 1
        );
        let truth: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("ground-truth.json")).unwrap())
                .unwrap();
        assert_eq!(
            truth["first_infected"]["name"],
            serde_json::json!(w.ground_truth().first_infected.unwrap().name)
        );
        assert_eq!(truth["records"], serde_json::json!(48213));
        std::fs::remove_dir_all(&dir).unwrap();
        let err = kasumi_range::files::load_scenario(std::path::Path::new("/nonexistent/x.toml"))
            .unwrap_err();
        assert!(err.problems[0].message.contains("cannot read"));
    }
}

mod structured {
    use kasumi_range::{Action, Field, Source};

    use super::common::*;

    #[test]
    fn fields_agree_with_the_rendered_line() {
        let mut w = world("saida-city", 31, 2);
        let c2 = w.env().variant.c2[0].domain.clone();
        w.apply(
            Action::Block {
                device: kasumi_range::Device::Proxy,
                rule: format!("dstdomain {c2}"),
            },
            START + 20 * kasumi_range::time::MIN,
        )
        .unwrap();
        w.advance_to(end(&w));
        let mut seen = std::collections::HashSet::new();
        for e in w.events() {
            let line = w.line(e);
            let fields = w.fields(e);
            assert!(fields.iter().any(|(k, _)| *k == "host"));
            for (k, f) in &fields {
                let shown = f.to_string();
                let skip = matches!(
                    *k,
                    "host"
                        | "qid"
                        | "mac"
                        | "ID"
                        | "domain"
                        | "type"
                        | "action"
                        | "status"
                        | "LogonType"
                        | "user"
                        | "a"
                        | "b"
                        | "c"
                        | "hash"
                        | "EventID"
                        | "ua"
                        | "message"
                        | "name"
                        | "src"
                        | "dst"
                );
                if !skip && !shown.is_empty() && shown != "-" {
                    let json = shown.replace('\\', "\\\\").replace('"', "\\\"");
                    assert!(
                        line.contains(&shown) || line.contains(&json),
                        "{k}={shown} not in {line}"
                    );
                }
            }
            seen.insert(e.source);
        }
        assert!(seen.contains(&Source::Proxy) && seen.contains(&Source::WinSecurity));
        // A denied C2 request reports the 403 in its fields too.
        let denied = w
            .events()
            .find(|e| e.source == Source::Proxy && w.line(e).contains("TCP_DENIED/403"))
            .unwrap();
        assert!(w.fields(denied).contains(&("status", Field::Num(403))));
        let retro = w.retrospective();
        assert!(retro.iter().any(|(_, who, _)| *who == "team"));
        assert!(
            retro
                .iter()
                .any(|(_, who, s)| *who == "attacker" && s.contains("targeted mail"))
        );
        assert!(retro.windows(2).all(|p| p[0].0 <= p[1].0));
    }
}

mod volume {
    use kasumi_range::{Scenario, World};

    use super::common::*;

    /// The default scenario's week is the size the benchmarks promise (their
    /// timings are in docs/PERFORMANCE.md: `cargo bench -p kasumi-range --bench provision`).
    #[test]
    fn a_week_of_saida_city_is_at_least_a_million_events() {
        let sc = Scenario::builtin("saida-city").unwrap();
        let mut w = World::provision(&sc, 1, 1, START, 7);
        w.advance_to(end(&w));
        let n = w.events().count();
        assert!(n >= 1_000_000, "{n}");
    }
}

mod host_actions {
    use kasumi_range::{Action, ActionError};

    use super::common::*;

    #[test]
    fn killing_the_implants_stops_beacons_and_the_exfiltration() {
        let mut w = world("saida-city", 17, 2);
        let truth = w.ground_truth();
        let e = w
            .apply(
                Action::KillProcess {
                    host: truth.infected_hosts[0].name.clone(),
                    image: "notepad.exe".into(),
                },
                START + 9 * MIN,
            )
            .unwrap_err();
        assert!(matches!(e, ActionError::NoSuchProcess { .. }));
        for h in &truth.infected_hosts {
            let exe = h.implant.rsplit('\\').next().unwrap().to_string();
            let out = w
                .apply(
                    Action::KillProcess {
                        host: h.name.clone(),
                        image: exe,
                    },
                    START + 10 * MIN,
                )
                .unwrap();
            assert!(out.message.contains(&h.implant), "{}", out.message);
        }
        w.advance_to(end(&w));
        let t = w.ground_truth();
        let old: Vec<&str> = truth
            .infected_hosts
            .iter()
            .map(|h| h.name.as_str())
            .collect();
        assert!(
            !t.contacts
                .iter()
                .any(|c| c.t > START + 10 * MIN && c.ok && old.contains(&c.host.as_str()))
        );
        assert!(t.exfiltration.is_none());
        let exits = w
            .events()
            .filter(|e| w.line(e).contains("\"EventID\":4689"))
            .count();
        assert_eq!(exits, truth.infected_hosts.len());
    }

    #[test]
    fn quarantining_the_staged_archive_prevents_the_leak() {
        let mut w = world("saida-city", 18, 2);
        let truth = w.ground_truth();
        let first = truth.first_infected.unwrap().name;
        let out = w
            .apply(
                Action::QuarantineFile {
                    host: first.clone(),
                    path: truth.staging_archive.clone(),
                },
                START + 30 * MIN,
            )
            .unwrap();
        assert!(out.message.contains(&truth.staging_archive));
        w.advance_to(end(&w));
        let t = w.ground_truth();
        assert!(t.exfiltration.is_none());
        assert!(t.timeline.iter().any(|(_, s)| s.contains("quarantined")));
        // The implant is still alive: C2 contact continues, so containment is not achieved.
        assert!(t.contacts.iter().any(|c| c.t > START + 30 * MIN && c.ok));
        let e = w
            .apply(
                Action::QuarantineFile {
                    host: first,
                    path: "C:\\nope.exe".into(),
                },
                end(&w),
            )
            .unwrap_err();
        assert!(matches!(e, ActionError::NoSuchFile { .. }));
    }
}

mod limits {
    use kasumi_range::{Scenario, World};

    use super::common::*;

    #[test]
    fn pools_too_small_to_draw_from_are_rejected_not_hung() {
        let src = include_str!("../../../scenarios/saida-city.toml")
            .replace("c2_words = [", "c2_words = [\"only\"]\nunused_words = [")
            .replace(
                "operator_cidr = \"203.0.113.0/24\"",
                "operator_cidr = \"203.0.113.0/30\"",
            );
        let err = Scenario::parse("s.toml", &src).unwrap_err();
        let keys: Vec<&str> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert!(keys.contains(&"attacker.c2_count"), "{err}");
        assert!(keys.contains(&"attacker.operator_cidr"), "{err}");
        assert!(keys.contains(&"attacker.unused_words"), "{err}");
    }

    #[test]
    fn a_large_organisation_gets_unique_logins_and_addresses() {
        let src = include_str!("../../../scenarios/saida-city.toml")
            .replace("cidr = \"10.20.5.0/24\"", "cidr = \"10.20.8.0/22\"")
            .replace("staff = 16", "staff = 500");
        let sc = light_src("big", &src, |s| s);
        let w = World::provision(&sc, 1, 1, START, 3);
        let mut logins: Vec<&str> = w.env().accounts.iter().map(|a| a.login.as_str()).collect();
        let n = logins.len();
        logins.sort();
        logins.dedup();
        assert_eq!(logins.len(), n);
        let mut ips: Vec<u32> = w.env().hosts.iter().map(|h| h.ip).collect();
        let m = ips.len();
        ips.sort();
        ips.dedup();
        assert_eq!(ips.len(), m);
    }
}

mod causes {
    use super::common::*;

    #[test]
    fn each_scenario_has_its_own_cause_and_reporter() {
        for (name, cause, reporter, evidence) in [
            (
                "saida-city",
                "mail",
                "reporter=\"SOC\"",
                "verdict=passed-encrypted",
            ),
            (
                "usb-supplier",
                "usb",
                "reporter=\"Aソリューション株式会社 運用監視\"",
                "\"EventID\":6416",
            ),
            (
                "dmz-webshell",
                "web",
                "reporter=\"Aソリューション株式会社 運用監視\"",
                "POST /cms/admin/upload.php",
            ),
        ] {
            let mut w = world(name, 8, 1);
            w.advance_to(end(&w));
            let t = w.ground_truth();
            let c = t.cause.clone().unwrap();
            assert_eq!(c.kind, cause, "{name}");
            assert_eq!(c.sha256.len(), 64);
            let lines: Vec<String> = w
                .events()
                .filter(|e| e.actor != kasumi_range::Actor::Background)
                .map(|e| w.line(e))
                .collect();
            assert!(
                lines.iter().any(|l| l.contains(reporter)),
                "{name}: no alert from {reporter}"
            );
            assert!(
                lines.iter().any(|l| l.contains(evidence)),
                "{name}: no {evidence}"
            );
            // The first infected host shows up in the alert that starts the exercise (or its web server does).
            let first = t.first_infected.unwrap();
            assert!(
                lines
                    .iter()
                    .any(|l| l.contains(reporter) && l.contains(&first.ip)),
                "{name}"
            );
        }
    }
}
