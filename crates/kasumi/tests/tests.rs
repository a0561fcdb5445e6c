//! The `kasumi` command as people and scripts use it.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn kasumi() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kasumi"));
    // Settings come from the command line in these tests, never from the caller's environment.
    for (k, _) in std::env::vars() {
        if k.starts_with("KASUMI_") {
            c.env_remove(k);
        }
    }
    c
}

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = kasumi()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn help_lists_every_command() {
    let o = run(&["--help"], None);
    assert!(o.status.success());
    let t = text(&o);
    for cmd in [
        "serve", "user", "org", "audit", "catalog", "oscal", "ismap", "range",
    ] {
        assert!(t.contains(cmd), "{cmd} missing from:\n{t}");
    }
    let serve = text(&run(&["serve", "--help"], None));
    for flag in [
        "--listen",
        "--data-dir",
        "--database-url",
        "--demo",
        "--no-demo",
    ] {
        assert!(serve.contains(flag), "{flag} missing from:\n{serve}");
    }
}

#[test]
fn accounts_from_the_console_and_a_tampered_trail() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let fresh = run(&["audit", "verify", "--data-dir", d], None);
    assert!(fresh.status.success(), "{}", text(&fresh));
    assert!(text(&fresh).contains("audit trail intact: 0 entries verified"));

    let org = run(
        &[
            "org",
            "add",
            "--code",
            "saida-city",
            "--name",
            "さいだ市",
            "--kind",
            "local_government",
            "--data-dir",
            d,
        ],
        None,
    );
    assert!(org.status.success(), "{}", text(&org));
    let user = run(
        &[
            "user",
            "add",
            "--login",
            "tanaka",
            "--role",
            "trainee",
            "--org",
            "saida-city",
            "--name",
            "田中",
            "--data-dir",
            d,
        ],
        Some("a-long-password\n"),
    );
    assert!(user.status.success(), "{}", text(&user));
    assert!(text(&user).contains("created user tanaka (trainee, saida-city)"));
    assert!(
        text(&run(&["user", "list", "--data-dir", d], None))
            .contains("tanaka\ttrainee\tsaida-city\t田中")
    );

    // Refusals name what is wrong and write nothing.
    let bad_role = run(
        &[
            "user",
            "add",
            "--login",
            "x1x",
            "--role",
            "root",
            "--org",
            "saida-city",
            "--data-dir",
            d,
        ],
        Some("a-long-password\n"),
    );
    assert!(!bad_role.status.success());
    assert!(
        text(&bad_role).contains("unknown role 'root'"),
        "{}",
        text(&bad_role)
    );
    let no_org = run(
        &[
            "user",
            "add",
            "--login",
            "x1x",
            "--role",
            "trainee",
            "--org",
            "nowhere",
            "--data-dir",
            d,
        ],
        Some("a-long-password\n"),
    );
    assert!(text(&no_org).contains("there is no organisation with code 'nowhere'"));
    let short = run(
        &[
            "user",
            "add",
            "--login",
            "x1x",
            "--role",
            "trainee",
            "--org",
            "saida-city",
            "--data-dir",
            d,
        ],
        Some("short\n"),
    );
    assert!(!short.status.success());
    assert!(text(&short).contains("password-too-short"));
    let wrong_kind = run(
        &[
            "user",
            "add",
            "--login",
            "x1x",
            "--role",
            "auditor",
            "--org",
            "saida-city",
            "--data-dir",
            d,
        ],
        Some("a-long-password\n"),
    );
    assert!(
        text(&wrong_kind).contains("role 'auditor' cannot belong to organisation 'saida-city'"),
        "{}",
        text(&wrong_kind)
    );

    let ok = run(&["audit", "verify", "--data-dir", d], None);
    assert!(ok.status.success());
    assert!(
        text(&ok).contains("audit trail intact: 2 entries verified"),
        "{}",
        text(&ok)
    );

    // Someone edits the database behind Kasumi's back.
    let db = dir.path().join("kasumi.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'user:nobody' WHERE seq = 1")
            .execute(&mut c)
            .await
            .unwrap();
    });
    let broken = run(&["audit", "verify", "--data-dir", d], None);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        text(&broken).contains("audit trail BROKEN at entry 1"),
        "{}",
        text(&broken)
    );
}

#[test]
fn an_unreachable_database_is_reported_on_the_console() {
    let o = run(
        &[
            "audit",
            "verify",
            "--database-url",
            "postgres://kasumi:pw@127.0.0.1:1/none",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(
        t.contains("Kasumi cannot use the database postgres://kasumi:***@127.0.0.1:1/none"),
        "{t}"
    );
    assert!(!t.contains("panicked") && !t.contains(":pw@"), "{t}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain HTTP/1.1 GET: the whole response, headers and body.
fn http_get(port: u16, path: &str) -> String {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    resp
}

fn wait_healthy(port: u16) -> bool {
    for _ in 0..100 {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::Read;
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut resp = String::new();
            let _ = s.read_to_string(&mut resp);
            return resp.starts_with("HTTP/1.1 200");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn serve_answers_health_checks_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = kasumi()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            dir.path().to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_healthy(port), "server did not answer /healthz");
    // The demo registry: services taken through the lifecycle, 20 of them listed today.
    let api = http_get(port, "/api/v1/registry");
    let body = &api[api.find("\r\n\r\n").unwrap() + 4..];
    let list: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(list["count"], 20, "{body}");
    let statuses: std::collections::BTreeSet<&str> = list["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        ["registered", "renewal_pending", "suspended"]
    );
    // A control change long past has its additional audit in the remarks.
    let number = list["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["service"] == "みなと 人事給与")
        .map(|r| r["number"].as_str().unwrap().to_string())
        .expect("みなと 人事給与 is listed");
    let entry = http_get(port, &format!("/api/v1/registry/{number}"));
    let entry: serde_json::Value =
        serde_json::from_str(&entry[entry.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    let kinds: Vec<&str> = entry["remarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    let change = kinds.iter().position(|k| *k == "control_change");
    let audit = kinds.iter().position(|k| *k == "additional_audit");
    assert!(change.is_some() && audit > change, "{kinds:?}");
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "exit after SIGTERM: {}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("demo-ipa-reviewer"),
        "demo accounts are printed: {t}"
    );
    assert!(t.contains("shutting down"));

    // The second start keeps the data and does not print passwords again.
    let port = free_port();
    let child = kasumi()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            dir.path().to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_healthy(port));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let t = text(&child.wait_with_output().unwrap());
    assert!(t.contains("accounts already exist"), "{t}");
    let users = text(&run(
        &["user", "list", "--data-dir", dir.path().to_str().unwrap()],
        None,
    ));
    assert_eq!(users.lines().count(), 11, "one account per role: {users}");
    assert!(
        run(
            &[
                "audit",
                "verify",
                "--data-dir",
                dir.path().to_str().unwrap()
            ],
            None
        )
        .status
        .success()
    );
}

#[test]
fn the_registration_number_format_is_a_setting() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    // A template two registrations could share is refused before anything starts.
    let o = run(
        &[
            "serve",
            "--registration-number",
            "K{YYYY}-{NNN}",
            "--data-dir",
            data,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("--registration-number"), "{}", text(&o));
    assert!(text(&o).contains("{n}"), "{}", text(&o));
    assert_eq!(text(&run(&["user", "list", "--data-dir", data], None)), "");

    let port = free_port();
    let child = kasumi()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            data,
            "--registration-number",
            "ISMAP-{YYYY}-{NNN}-{n}",
            "--registration-sequence",
            "global",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_healthy(port));
    let api = http_get(port, "/api/v1/registry");
    let body = &api[api.find("\r\n\r\n").unwrap() + 4..];
    let list: serde_json::Value = serde_json::from_str(body).unwrap();
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait_with_output().unwrap();
    let numbers: Vec<&str> = list["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), 20);
    for n in &numbers {
        let parts: Vec<&str> = n.split('-').collect();
        assert_eq!(parts.len(), 4, "{n}");
        assert_eq!(
            (parts[0], parts[1].len(), parts[2].len()),
            ("ISMAP", 4, 3),
            "{n}"
        );
    }
    // One running sequence across fiscal years: no two share it.
    let mut seqs: Vec<&str> = numbers
        .iter()
        .map(|n| n.split('-').nth(2).unwrap())
        .collect();
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), 20, "{numbers:?}");
}

#[test]
fn no_demo_starts_empty_and_a_taken_port_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let o = run(
        &[
            "serve",
            "--no-demo",
            "--listen",
            &addr,
            "--data-dir",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains(&format!("cannot listen on {addr}")),
        "{}",
        text(&o)
    );
    assert_eq!(
        text(&run(
            &["user", "list", "--data-dir", dir.path().to_str().unwrap()],
            None
        )),
        ""
    );
}

fn control_ids(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::Array(controls)) = m.get("controls") {
                for c in controls {
                    if let Some(id) = c.get("id").and_then(|i| i.as_str()) {
                        out.push(id.to_string());
                    }
                }
            }
            for (k, child) in m {
                if k != "back-matter" {
                    control_ids(child, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| control_ids(i, out)),
        _ => {}
    }
}

#[test]
fn the_nist_catalog_imports_exports_and_diffs_without_loss() {
    let Some(catalog) = kasumi_testkit::rev4("NIST_SP-800-53_rev4_catalog.json") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let import = run(
        &[
            "catalog",
            "import",
            catalog.to_str().unwrap(),
            "--id",
            "nist-rev4",
            "--data-dir",
            d,
        ],
        None,
    );
    assert!(import.status.success(), "{}", text(&import));
    assert!(
        text(&import).contains("imported catalog version nist-rev4 (940 items)"),
        "{}",
        text(&import)
    );

    let out = dir.path().join("out.json");
    assert!(
        run(
            &[
                "catalog",
                "export",
                "nist-rev4",
                "-o",
                out.to_str().unwrap(),
                "--data-dir",
                d
            ],
            None
        )
        .status
        .success()
    );
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&catalog).unwrap()).unwrap();
    let exported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(
        exported["catalog"]["groups"], original["catalog"]["groups"],
        "groups, controls, parts, params and links survive"
    );
    assert_eq!(
        exported["catalog"]["back-matter"],
        original["catalog"]["back-matter"]
    );

    let again = run(
        &[
            "catalog",
            "import",
            out.to_str().unwrap(),
            "--id",
            "nist-rev4-copy",
            "--data-dir",
            d,
        ],
        None,
    );
    assert!(again.status.success(), "{}", text(&again));
    let diff = run(
        &[
            "catalog",
            "diff",
            "nist-rev4",
            "nist-rev4-copy",
            "--data-dir",
            d,
        ],
        None,
    );
    assert!(
        text(&diff).contains("nist-rev4 → nist-rev4-copy: 0 added, 0 removed, 0 changed"),
        "{}",
        text(&diff)
    );

    let dup = run(
        &[
            "catalog",
            "import",
            out.to_str().unwrap(),
            "--id",
            "nist-rev4",
            "--data-dir",
            d,
        ],
        None,
    );
    assert!(!dup.status.success());
    assert!(
        text(&dup).contains("catalog version 'nist-rev4' already exists"),
        "{}",
        text(&dup)
    );
}

#[test]
fn a_bad_spreadsheet_is_rejected_whole_on_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let template = dir.path().join("t.xlsx");
    let t = run(
        &["catalog", "template", "-o", template.to_str().unwrap()],
        None,
    );
    assert!(t.status.success(), "{}", text(&t));
    assert_eq!(
        &std::fs::read(&template).unwrap()[..2],
        b"PK",
        "an xlsx (zip) file"
    );

    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        "id,title_ja,text_ja,mandatory\n8,章,,\n8.1.2,目標,本文,\n8.1.2.1,,詳細,maybe\n",
    )
    .unwrap();
    let o = run(
        &[
            "catalog",
            "import",
            csv.to_str().unwrap(),
            "--id",
            "bad",
            "--data-dir",
            d,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains("cannot be imported (2 problem(s))"), "{t}");
    assert!(t.contains("bad.csv row 3"), "{t}");
    assert!(t.contains("maybe"), "{t}");
    assert_eq!(
        text(&run(&["catalog", "list", "--data-dir", d], None)),
        "",
        "nothing was stored"
    );
    let no_id = run(
        &["catalog", "import", csv.to_str().unwrap(), "--data-dir", d],
        None,
    );
    assert!(
        text(&no_id).contains("A CSV file has no version"),
        "{}",
        text(&no_id)
    );
}

#[test]
fn oscal_resolve_matches_nists_resolved_moderate_baseline() {
    let (Some(profile), Some(expected)) = (
        kasumi_testkit::rev4("NIST_SP-800-53_rev4_MODERATE-baseline_profile.json"),
        kasumi_testkit::rev4("NIST_SP-800-53_rev4_MODERATE-baseline-resolved-profile_catalog.json"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("moderate.json");
    let o = run(
        &[
            "oscal",
            "resolve",
            profile.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let ours: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let nist: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&expected).unwrap()).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    control_ids(&ours, &mut a);
    control_ids(&nist, &mut b);
    assert!(a.len() > 250, "{}", a.len());
    assert_eq!(a, b);

    let v = run(&["oscal", "validate", out.to_str().unwrap()], None);
    assert!(v.status.success(), "{}", text(&v));
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"catalog":{"uuid":"x","metadata":{"title":"t","last-modified":"2020-01-01T00:00:00Z","version":"1","oscal-version":"1.0.0"},"groups":[{"title":"g","controls":[{"id":"a-1","title":"A"},{"id":"a-1","title":"B"}]}]}}"#).unwrap();
    let v = run(&["oscal", "validate", bad.to_str().unwrap()], None);
    assert_eq!(v.status.code(), Some(1));
    assert!(
        text(&v).contains("id a-1 is used more than once"),
        "{}",
        text(&v)
    );
    let missing = run(
        &[
            "oscal",
            "resolve",
            dir.path().join("none.json").to_str().unwrap(),
        ],
        None,
    );
    assert!(!missing.status.success());
    assert!(text(&missing).contains("none.json"), "{}", text(&missing));
}

/// Every file under `dir` with its bytes, by relative path.
fn tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn range_scenarios_validate_and_bad_ones_list_every_problem() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut files: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".toml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 3);
    let mut args = vec!["range", "validate"];
    args.extend(files.iter().map(String::as_str));
    let ok = run(&args, None);
    assert!(ok.status.success(), "{}", text(&ok));
    assert_eq!(text(&ok).matches("ok: ").count(), 3);

    // An unknown key and a host in no network, each named with its line.
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(root.join("saida-city.toml")).unwrap();
    let bad = good
        .replacen(
            "impact_penalty = 0.5",
            "impact_penalty = 0.5\ncolour = \"blue\"",
            1,
        )
        .replacen("cidr = \"10.10.1.0/24\"", "cidr = \"10.10.1.0/24\"\n", 1);
    let bad = bad.replacen("[[host]]\n", "[[host]]\nnetwork_typo = 1\n", 1);
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, &bad).unwrap();
    let o = run(&["range", "validate", path.to_str().unwrap()], None);
    assert!(!o.status.success());
    let t = text(&o);
    let colour_line = bad.lines().position(|l| l.starts_with("colour")).unwrap() + 1;
    assert!(t.contains(&format!("bad.toml:{colour_line}: ")), "{t}");
    assert!(t.contains("colour"), "{t}");
    assert!(t.contains("network_typo"), "{t}");
    assert!(t.contains("1 of 1 scenario file(s) have problems"), "{t}");
}

#[test]
fn range_run_writes_the_same_logs_for_the_same_seed_and_replay_grades_actions() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str, seed: &str| {
        let p = dir.path().join(name);
        let o = run(
            &[
                "range",
                "run",
                "--scenario",
                "saida-city",
                "--seed",
                seed,
                "--team",
                "2",
                "--days",
                "3",
                "--until",
                "start",
                "--out",
                p.to_str().unwrap(),
            ],
            None,
        );
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).contains("log lines and ground-truth.json"));
        tree(&p)
    };
    let a = out("a", "5");
    let b = out("b", "5");
    let c = out("c", "6");
    for f in [
        "proxy/access.log",
        "dns/query.log",
        "firewall/traffic.log",
        "mail/maillog",
        "ground-truth.json",
    ] {
        assert!(a.contains_key(f), "{f} written");
    }
    assert_eq!(a, b, "same seed, same bytes");
    assert_ne!(
        a["proxy/access.log"], c["proxy/access.log"],
        "another seed, another variant"
    );

    // The C2 domain of the ground truth is in the proxy log.
    let truth: serde_json::Value = serde_json::from_slice(&a["ground-truth.json"]).unwrap();
    let c2 = truth["c2"][0]["domain"].as_str().unwrap();
    assert!(String::from_utf8_lossy(&a["proxy/access.log"]).contains(c2));

    // Replaying an isolation of the first infected terminal at the start scores it.
    let host = truth["first_infected"]["name"].as_str().unwrap();
    let start = kasumi_core::tokyo_local_to_micros("2026-06-01", "09:30").unwrap();
    let actions = dir.path().join("actions.jsonl");
    std::fs::write(
        &actions,
        format!(
            "{{\"at\": {}, \"action\": {{\"action\": \"isolate_host\", \"host\": \"{host}\"}}}}\n\n{{\"at\": {}, \"action\": {{\"action\": \"escalate\", \"to\": \"ciso\", \"message\": \"隔離済み\"}}}}\n",
            start + 60_000_000,
            start + 120_000_000
        ),
    )
    .unwrap();
    let replay = |course: &str| {
        let o = run(
            &[
                "range",
                "replay",
                "--scenario",
                "saida-city",
                "--seed",
                "5",
                "--team",
                "2",
                "--days",
                "3",
                "--course",
                course,
                "--actions",
                actions.to_str().unwrap(),
            ],
            None,
        );
        assert!(o.status.success(), "{}", text(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let score = replay("B-1");
    let objective = |id: &str| {
        score["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(objective("escalate")["achieved"], true);
    assert!(score["total"].as_f64().unwrap() > 0.0);
    assert_eq!(replay("B-1"), score, "a replay reproduces the score");

    // A broken line is named.
    std::fs::write(
        &actions,
        "{\"at\": 1, \"action\": {\"action\": \"dance\"}}\n",
    )
    .unwrap();
    let o = run(
        &[
            "range",
            "replay",
            "--scenario",
            "saida-city",
            "--days",
            "3",
            "--actions",
            actions.to_str().unwrap(),
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("actions.jsonl:1: not an action"),
        "{}",
        text(&o)
    );
    let o = run(
        &[
            "range",
            "run",
            "--scenario",
            "atlantis",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("no scenario `atlantis`"), "{}", text(&o));
}

#[test]
fn ismap_lint_lists_every_violation_with_its_control() {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../lifecycle/tests/statement-example.json"
    );
    let lint = |path: &str, lang: &str| {
        kasumi()
            .args(["ismap", "lint", path])
            .env("KASUMI_LANG", lang)
            .output()
            .unwrap()
    };
    let good = lint(example, "en");
    assert!(good.status.success(), "{}", text(&good));
    assert!(text(&good).contains("no violations (criteria SAMPLE-1)"));

    // Broken: one detailed control undecided, one exclusion without a reason, no governing law.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example).unwrap()).unwrap();
    let controls = doc["controls"].as_array_mut().unwrap();
    controls.retain(|c| c["id"] != "12.4.1.2");
    let excluded = controls
        .iter_mut()
        .find(|c| c["adopted"] == false)
        .expect("the example excludes a control");
    excluded["reason"] = "".into();
    let excluded_id = excluded["id"].as_str().unwrap().to_string();
    doc["disclosures"]["governing_law"] = "".into();
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, doc.to_string()).unwrap();
    let out = lint(broken.to_str().unwrap(), "en");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("3 violation(s)"), "{t}");
    for about in [
        "12.4.1.2",
        excluded_id.as_str(),
        "disclosures.governing_law",
    ] {
        assert!(
            t.lines().any(|l| l.trim_start().starts_with(about)),
            "{about} in {t}"
        );
    }
    let ja = text(&lint(broken.to_str().unwrap(), "ja"));
    assert!(ja.contains("違反 3 件"), "{ja}");

    // Not a statement at all: exit 2, with the position.
    std::fs::write(&broken, "{\"governing_low\": 1}").unwrap();
    let out = lint(broken.to_str().unwrap(), "en");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("line 1"), "{}", text(&out));
}
