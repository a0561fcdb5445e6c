//! The browser test: headless Chromium (Debian's `chromium` and `chromedriver`)
//! signs in, switches to English and back, and reads the page.
//! Without Chromium the test says so and passes, unless `KASUMI_REQUIRE_BROWSER=1`
//! (CI sets it), where a missing browser fails the run.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};

use super::harness::{PASSWORD, TestApp};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| p.to_string())
}

async fn browser() -> Option<(Driver, fantoccini::Client)> {
    let required = std::env::var("KASUMI_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let (Some(chromium), Some(chromedriver)) = (
        find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]),
        find(&["/usr/bin/chromedriver"]),
    ) else {
        assert!(
            !required,
            "KASUMI_REQUIRE_BROWSER=1 but chromium or chromedriver is not installed (apt-get install -y chromium chromium-driver)"
        );
        eprintln!(
            "SKIPPED browser test: chromium / chromedriver not installed (apt-get install -y chromium chromium-driver)"
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let profile = tempfile::tempdir().unwrap().keep();
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let caps = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return Some((driver, client)),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    panic!("chromedriver did not accept a session at {url}");
}

async fn text(c: &fantoccini::Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits (up to 10 s) until the element shows `expected`: a click's navigation may still be under way.
async fn wait_text(c: &fantoccini::Client, css: &str, expected: &str) {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Css(css)).await
            && let Ok(t) = el.text().await
        {
            if t == expected {
                return;
            }
            seen = t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{css} shows {seen:?}, expected {expected:?}; page:\n{}",
        c.source().await.unwrap_or_default()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_and_switches_language_in_chromium() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = TestApp::start().await;

    c.goto(&app.url("/")).await.unwrap();
    assert_eq!(text(&c, "h1").await, "Kasumi へようこそ");
    c.find(Locator::Id("nav-login"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "h1", "ログイン").await;
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .send_keys("reviewer")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    wait_text(&c, "h1", "マイページ").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/me");
    assert_eq!(text(&c, "#me-role").await, "IPA 審査担当");

    c.find(Locator::Id("lang-en"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "h1", "My page").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/me");
    assert_eq!(text(&c, "#me-role").await, "IPA reviewer");
    assert_eq!(
        text(&c, "footer").await,
        "All dates and times are shown in Japan Standard Time (Asia/Tokyo)."
    );

    c.find(Locator::Id("lang-ja"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "h1", "マイページ").await;

    c.find(Locator::Id("logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "main p.notice", "ログアウトしました。").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/login");
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_searches_the_criteria_for_shisan_and_opens_8_1_2() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = TestApp::start().await;

    c.goto(&app.url("/")).await.unwrap();
    c.find(Locator::Id("nav-catalog"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "h1", "管理基準（コントロール基準）").await;
    c.find(Locator::LinkText("SAMPLE-1"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "h1", "【サンプル】ISMAP管理基準（公式ではありません）").await;

    c.find(Locator::Id("catalog-q"))
        .await
        .unwrap()
        .send_keys("資産")
        .await
        .unwrap();
    c.find(Locator::Id("catalog-search"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "#hits-heading", "「資産」の検索結果: 13 件").await;
    let marks = c.find_all(Locator::Css("ol.hits mark")).await.unwrap();
    assert!(!marks.is_empty());
    assert_eq!(marks[0].text().await.unwrap(), "資産");

    c.find(Locator::LinkText("8.1.2"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "#item-id", "8.1.2").await;
    assert_eq!(
        text(&c, "#text-ja").await,
        "目録の中で維持される資産は、管理する。"
    );
    let children = c.find_all(Locator::Css("#children li")).await.unwrap();
    assert_eq!(children.len(), 6);
    c.close().await.unwrap();
}

/// Types into the field `name` of the form `form` (CSS) and submits it with its button.
async fn fill_and_submit(c: &fantoccini::Client, form: &str, fields: &[(&str, &str)]) {
    for (name, value) in fields {
        let css = format!("{form} [name=\"{name}\"]");
        let el = c
            .find(Locator::Css(&css))
            .await
            .unwrap_or_else(|_| panic!("{css}"));
        if el.prop("tagName").await.unwrap().as_deref() == Some("SELECT") {
            el.select_by_value(value).await.unwrap();
        } else if el.attr("type").await.unwrap().as_deref() == Some("file") {
            // A file input takes the path of a file on this machine.
            el.send_keys(value).await.unwrap();
        } else {
            el.clear().await.unwrap();
            el.send_keys(value).await.unwrap();
        }
    }
    c.find(Locator::Css(&format!("{form} button[type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits until `css` matches exactly `n` elements: a form posted from a page
/// that already shows a notice must not be mistaken for done too early.
async fn wait_count(c: &fantoccini::Client, css: &str, n: usize) {
    for _ in 0..100 {
        if c.find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
            == n
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css} never matched {n} elements");
}

async fn sign_in(c: &fantoccini::Client, app: &TestApp, login: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .send_keys(login)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(c, "h1", "マイページ").await;
}

async fn sign_out(c: &fantoccini::Client) {
    c.find(Locator::Id("logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(c, "main p.notice", "ログアウトしました。").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_course_b_team_goes_from_the_soc_report_to_the_leak_report_in_chromium() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = TestApp::start().await;

    // The operator plans the exercise (over HTTP) and starts it in the browser.
    let op = app.client();
    op.login("operator", PASSWORD).await;
    let made = op
        .post(
            "/exercises",
            "/exercises",
            &[
                ("title", "B-1 演習"),
                ("course", "B-1"),
                ("scenario", "saida-city"),
                ("date", "2026-12-02"),
                ("time", "09:30"),
                ("speed", "60"),
                ("days", "3"),
                ("seed", "7"),
            ],
        )
        .await;
    let id: i64 = made
        .location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    op.post(
        &format!("/exercises/{id}/teams"),
        &format!("/exercises/{id}"),
        &[("number", "1"), ("name", "第1班"), ("members", "trainee")],
    )
    .await;

    sign_in(&c, &app, "operator").await;
    c.goto(&app.url(&format!("/exercises/{id}"))).await.unwrap();
    c.find(Locator::Id("clock-start"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "#ex-state", "実施中").await;
    sign_out(&c).await;
    app.clock.advance_secs(10); // ten minutes into the exercise: the SOC has reported

    // What really happened, to check what the trainee finds.
    let ex = app.store.exercise(id).await.unwrap().unwrap();
    let sc = kasumi_range::Scenario::builtin("saida-city").unwrap();
    let mut truth_world = kasumi_range::World::provision(&sc, 7, 1, ex.sim_start, 3);
    truth_world.advance_to(ex.sim_now(kasumi_core::Clock::now(app.clock.as_ref())));
    let truth = truth_world.ground_truth();

    sign_in(&c, &app, "trainee").await;
    c.goto(&app.url(&format!("/exercises/{id}/team")))
        .await
        .unwrap();
    let report = text(&c, "#inbox li").await;
    assert!(report.contains("reporter=\"SOC\""), "{report}");
    let dst = report
        .split("dst=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();

    // Search the proxy log for the reported address: the C2 domain and the terminal show up.
    c.find(Locator::Id("logs-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "h1", "ログ検索").await;
    c.find(Locator::Id("logs-q"))
        .await
        .unwrap()
        .send_keys(&format!("source:proxy \"{dst}\""))
        .await
        .unwrap();
    c.find(Locator::Css("select[name=sort]"))
        .await
        .unwrap()
        .select_by_value("asc")
        .await
        .unwrap();
    c.find(Locator::Id("logs-search"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let first = c
        .wait()
        .for_element(Locator::Css("#logs-results tbody tr td code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let domain = first
        .split_whitespace()
        .find(|w| w.ends_with(":443"))
        .expect("a CONNECT line")
        .trim_end_matches(":443")
        .to_string();
    let client = first.split_whitespace().nth(2).unwrap().to_string();
    assert!(
        truth.c2.iter().any(|c2| c2.domain == domain),
        "{domain} is a C2 domain of the ground truth"
    );
    let infected = truth.first_infected.as_ref().unwrap();
    assert_eq!(
        client, infected.ip,
        "the oldest C2 contact comes from the first infected terminal"
    );

    // Contain: isolate the terminal, block the domain, escalate.
    c.goto(&app.url(&format!("/exercises/{id}/team")))
        .await
        .unwrap();
    fill_and_submit(&c, "#form-isolate_host", &[("host", &client)]).await;
    wait_count(&c, "#timeline tr", 1).await;
    fill_and_submit(
        &c,
        "#block-form",
        &[
            ("device", "proxy"),
            ("rule", &format!("dstdomain .{domain}")),
        ],
    )
    .await;
    wait_count(&c, "#timeline tr", 2).await;
    fill_and_submit(
        &c,
        "#escalate-form",
        &[
            ("to", "ciso"),
            (
                "message",
                &format!("{client} が {domain} と通信。隔離とブロックを実施しました。"),
            ),
        ],
    )
    .await;
    wait_count(&c, "#timeline tr", 3).await;

    // The information-leak report, from what was found.
    let hosts: Vec<String> = truth
        .infected_hosts
        .iter()
        .map(|h| h.name.clone())
        .collect();
    fill_and_submit(
        &c,
        "#report-form",
        &[
            ("infected_hosts", &hosts.join(", ")),
            ("first_host", &infected.name),
            ("cause", "mail"),
            ("c2", &domain),
            (
                "leaked_file",
                truth.leaked_file.as_deref().unwrap_or("unknown"),
            ),
            ("records", &truth.records.unwrap_or(0).to_string()),
        ],
    )
    .await;
    wait_count(&c, "#timeline tr", 4).await;
    sign_out(&c).await;

    // The operator ends the exercise; the team sees its score and the debrief.
    app.clock.advance_secs(60);
    sign_in(&c, &app, "operator").await;
    c.goto(&app.url(&format!("/exercises/{id}"))).await.unwrap();
    c.find(Locator::Id("clock-finish"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "#ex-state", "終了").await;
    sign_out(&c).await;
    sign_in(&c, &app, "trainee").await;
    c.goto(&app.url(&format!("/exercises/{id}/team")))
        .await
        .unwrap();
    let score = text(&c, "#ws-score").await;
    let earned: f64 = score.split(" / ").next().unwrap().parse().unwrap();
    assert!(earned > 0.0, "{score}");
    let rows = c
        .find_all(Locator::Css("#retrospective tr.attacker"))
        .await
        .unwrap();
    assert!(!rows.is_empty(), "the attacker's real path is shown");
    let team_rows = c
        .find_all(Locator::Css("#retrospective tr.team"))
        .await
        .unwrap();
    assert_eq!(team_rows.len(), 4);
    c.close().await.unwrap();
}

/// Waits for the application's status and the page's notice to settle after a form.
async fn app_status(c: &fantoccini::Client, expected: &str) {
    wait_text(c, "#app-status", expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_and_an_ipa_reviewer_take_an_application_through_review_in_chromium() {
    let Some((_driver, c)) = browser().await else {
        return;
    };
    let app = TestApp::start().await;
    super::review::setup(&app).await;

    // The provider applies from the form (its only service, statement and audit).
    sign_in(&c, &app, "csp1").await;
    c.find(Locator::Id("nav-applications"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "h1", "申請と審査").await;
    let files = tempfile::tempdir().unwrap();
    let file = |name: &str| {
        let path = files.path().join(name);
        std::fs::write(&path, format!("%PDF-1.7 {name}")).unwrap();
        path.to_str().unwrap().to_string()
    };
    let (statement, report) = (file("言明書.pdf"), file("実施結果報告書.pdf"));
    fill_and_submit(
        &c,
        "#apply",
        &[("att_statement", &statement), ("att_audit_report", &report)],
    )
    .await;
    app_status(&c, "受理確認待ち").await;
    let detail = c.current_url().await.unwrap().to_string();
    assert!(c.source().await.unwrap().contains("実施結果報告書.pdf"));
    sign_out(&c).await;

    // IPA accepts and asks for a correction.
    sign_in(&c, &app, "reviewer").await;
    c.goto(&detail).await.unwrap();
    c.find(Locator::Css("#accept button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app_status(&c, "技術的審査中").await;
    fill_and_submit(
        &c,
        "#correction",
        &[("items", "5.1.1.1 承認日を記載してください")],
    )
    .await;
    app_status(&c, "修正依頼中").await;
    sign_out(&c).await;

    // The provider finds it in the inbox and answers.
    sign_in(&c, &app, "csp1").await;
    c.goto(&app.url("/ismap/inbox")).await.unwrap();
    c.find(Locator::Css("tr.inbox-correction-requested a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app_status(&c, "修正依頼中").await;
    fill_and_submit(&c, "#answer", &[("response", "承認日を追記しました")]).await;
    app_status(&c, "技術的審査中").await;
    sign_out(&c).await;

    // The reviewer completes the review.
    sign_in(&c, &app, "reviewer").await;
    c.goto(&detail).await.unwrap();
    assert!(c.source().await.unwrap().contains("承認日を追記しました"));
    c.find(Locator::Css("#complete button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app_status(&c, "運営委員会の決定待ち").await;
    wait_text(
        &c,
        "main p.notice",
        "審査を完了し、運営委員会に付議しました。",
    )
    .await;
}
