//! CYDER exercises over HTTP: staff plan and run them, each trainee acts only in
//! their own team's environment, refused actions change nothing, and a restart
//! rebuilds every team's world from its recorded actions.

use super::harness::{Client, PASSWORD, TestApp};

/// Plans an exercise from the form `fields`; returns its id.
async fn create_exercise(op: &Client, fields: &[(&str, &str)]) -> i64 {
    let made = op.post("/exercises", "/exercises", fields).await;
    assert_eq!(made.status, 303, "{}", made.body);
    made.location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Adds team `number` named `name` with the trainee `member` to exercise `id`.
async fn add_team(op: &Client, id: i64, number: &str, name: &str, member: &str) {
    let p = op
        .post(
            &format!("/exercises/{id}/teams"),
            &format!("/exercises/{id}"),
            &[("number", number), ("name", name), ("members", member)],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body
            .contains(&format!("チーム「{name}」を作成しました。"))
    );
}

/// Creates an exercise of `course` with trainee in team 1 and trainee2 in team 2; returns its id.
async fn planned_exercise(app: &TestApp, op: &Client, course: &str) -> i64 {
    let id = create_exercise(
        op,
        &[
            ("title", "演習 第1回"),
            ("course", course),
            ("scenario", "saida-city"),
            ("date", "2026-12-02"),
            ("time", "09:30"),
            ("speed", "60"),
            ("days", "3"),
            ("seed", "42"),
        ],
    )
    .await;
    add_team(op, id, "1", "第1班", "trainee").await;
    add_team(op, id, "2", "第2班", "trainee2").await;
    let _ = app;
    id
}

#[tokio::test]
async fn staff_plan_exercises_and_bad_plans_are_explained() {
    let app = TestApp::start().await;
    let op = app.client();
    op.login("operator", PASSWORD).await;
    let bad = op
        .post(
            "/exercises",
            "/exercises",
            &[
                ("title", "x"),
                ("course", "Z"),
                ("scenario", "saida-city"),
                ("date", "2026-12-02"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("コース「Z」はありません"));
    let bad_date = op
        .post(
            "/exercises",
            "/exercises",
            &[
                ("title", "x"),
                ("course", "A"),
                ("scenario", "saida-city"),
                ("date", "12/02"),
            ],
        )
        .await;
    assert_eq!(bad_date.status, 422);
    assert!(bad_date.body.contains("「2026-12-01」「09:30」の形で"));

    let id = planned_exercise(&app, &op, "B-1").await;
    let unknown = op
        .post(
            &format!("/exercises/{id}/teams"),
            &format!("/exercises/{id}"),
            &[("number", "3"), ("name", "第3班"), ("members", "nobody")],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(
        unknown
            .body
            .contains("ログイン ID「nobody」の受講者は見つかりません。")
    );
    let twice = op
        .post(
            &format!("/exercises/{id}/teams"),
            &format!("/exercises/{id}"),
            &[("number", "3"), ("name", "第3班"), ("members", "trainee")],
        )
        .await;
    assert_eq!(twice.status, 409, "a trainee is in one team per exercise");
    let not_trainee = op
        .post(
            &format!("/exercises/{id}/teams"),
            &format!("/exercises/{id}"),
            &[("number", "3"), ("name", "第3班"), ("members", "reviewer")],
        )
        .await;
    assert!(
        not_trainee
            .body
            .contains("「reviewer」は受講者ではありません。")
    );

    // Trainees and other roles cannot plan or run exercises.
    let t = app.client();
    t.login("trainee", PASSWORD).await;
    assert_eq!(t.get(&format!("/exercises/{id}")).await.status, 403);
    assert_eq!(
        t.post(
            &format!("/exercises/{id}/clock"),
            "/exercises",
            &[("op", "start")]
        )
        .await
        .status,
        403
    );
    let r = app.client();
    r.login("reviewer", PASSWORD).await;
    assert_eq!(r.get("/exercises").await.status, 403);
    assert!(
        t.get("/exercises").await.body.contains("演習 第1回"),
        "trainees see their own exercises"
    );
}

#[tokio::test]
async fn teams_act_in_their_own_world_only_and_survive_a_restart() {
    let app = TestApp::start().await;
    let op = app.client();
    op.login("operator", PASSWORD).await;
    let id = planned_exercise(&app, &op, "B-1").await;
    let teams = app.store.teams(id).await.unwrap();
    let (team1, team2) = (teams[0].id, teams[1].id);

    let t1 = app.client();
    t1.login("trainee", PASSWORD).await;
    let before = t1.get(&format!("/exercises/{id}/team")).await;
    assert_eq!(before.status, 200, "{}", before.body);
    assert!(before.body.contains("id=\"not-running\""));
    let early = t1
        .post(
            &format!("/exercises/{id}/team/actions"),
            &format!("/exercises/{id}/team"),
            &[("kind", "warn_staff"), ("message", "不審なメールに注意")],
        )
        .await;
    assert_eq!(early.status, 409, "no actions before the start");

    let start = op
        .post(
            &format!("/exercises/{id}/clock"),
            &format!("/exercises/{id}"),
            &[("op", "start")],
        )
        .await;
    assert_eq!(start.status, 303);
    app.clock.advance_secs(60); // one minute of real time = one hour in the exercise at speed 60

    // A refused action says why and records nothing.
    let audit_before = app.audit_len().await;
    let refused = t1
        .post(
            &format!("/exercises/{id}/team/actions"),
            &format!("/exercises/{id}/team"),
            &[("kind", "isolate_host"), ("host", "NO-SUCH-PC")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("この操作は受け付けられませんでした")
            && refused.body.contains("NO-SUCH-PC"),
        "{}",
        refused.body
    );
    let missing = t1
        .post(
            &format!("/exercises/{id}/team/actions"),
            &format!("/exercises/{id}/team"),
            &[("kind", "isolate_host")],
        )
        .await;
    assert_eq!(missing.status, 422);
    assert!(missing.body.contains("「ホスト」を入力してください。"));
    let bad_rule = t1
        .post(
            &format!("/exercises/{id}/team/actions"),
            &format!("/exercises/{id}/team"),
            &[
                ("kind", "block"),
                ("device", "proxy"),
                ("rule", "block everything"),
            ],
        )
        .await;
    assert_eq!(bad_rule.status, 422);
    assert_eq!(app.audit_len().await, audit_before);
    assert!(app.store.team_actions(team1).await.unwrap().is_empty());

    // Team 1 isolates the file server and blocks a domain.
    let ok = t1
        .post(
            &format!("/exercises/{id}/team/actions"),
            &format!("/exercises/{id}/team"),
            &[("kind", "isolate_host"), ("host", "fs01")],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("実行しました"));
    let block = t1
        .post(
            &format!("/exercises/{id}/team/actions"),
            &format!("/exercises/{id}/team"),
            &[
                ("kind", "block"),
                ("device", "proxy"),
                ("rule", "dstdomain .bad.example"),
            ],
        )
        .await;
    assert_eq!(block.status, 200, "{}", block.body);
    let recorded = app.store.team_actions(team1).await.unwrap();
    assert_eq!(recorded.len(), 2);
    assert!(recorded[0].action.contains("isolate_host") && recorded[0].login == "trainee");
    let page1 = t1.get(&format!("/exercises/{id}/team")).await;
    assert!(page1.body.contains("<span class=\"flag\">隔離済み</span>"));
    let map = &page1.body[page1.body.find("id=\"netmap\"").expect("network map")..];
    assert!(
        map.contains("<g class=\"host isolated\"><rect") && map.contains(">fs01</text>"),
        "fs01 is drawn as isolated"
    );

    // Team 2 sees none of it, and cannot reach team 1 by any route.
    let t2 = app.client();
    t2.login("trainee2", PASSWORD).await;
    let page2 = t2.get(&format!("/exercises/{id}/team")).await;
    assert_eq!(page2.status, 200);
    assert!(
        !page2.body.contains("<g class=\"host isolated\">")
            && !page2.body.contains("id=\"timeline\""),
        "team 2 has no record of team 1"
    );
    assert_eq!(
        t2.get(&format!("/exercises/{id}/teams/{team1}"))
            .await
            .status,
        403
    );
    let sneaky = t2
        .post(
            &format!("/exercises/{id}/teams/{team1}/actions"),
            &format!("/exercises/{id}/team"),
            &[("kind", "power_off"), ("host", "fs01")],
        )
        .await;
    assert_eq!(sneaky.status, 403);
    assert!(app.store.team_actions(team2).await.unwrap().is_empty());
    assert_eq!(app.store.team_actions(team1).await.unwrap().len(), 2);

    // The instructor sees both teams.
    let detail = op.get(&format!("/exercises/{id}")).await;
    assert!(
        detail.body.contains("isolate_host") || detail.body.contains("block"),
        "{}",
        detail.body
    );
    assert_eq!(
        op.get(&format!("/exercises/{id}/teams/{team2}"))
            .await
            .status,
        200
    );
    let score_before = page1.body[page1.body.find("id=\"ws-score\">").unwrap()..]
        .split('<')
        .next()
        .unwrap()
        .to_string();

    // After a restart the worlds are rebuilt from the record: same state, same score.
    let again = app.restarted().await;
    let c = again.client();
    c.login("trainee", PASSWORD).await;
    let rebuilt = c.get(&format!("/exercises/{id}/team")).await;
    assert_eq!(rebuilt.status, 200);
    assert!(
        rebuilt
            .body
            .contains("<span class=\"flag\">隔離済み</span>"),
        "isolation survives the restart"
    );
    let score_after = rebuilt.body[rebuilt.body.find("id=\"ws-score\">").unwrap()..]
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(score_before, score_after);
    assert!(rebuilt.body.contains("dstdomain .bad.example"));

    // The debrief: the attacker's real path beside the team's actions.
    let op2 = again.client();
    op2.login("operator", PASSWORD).await;
    app.clock.advance_secs(120);
    let fin = op2
        .post(
            &format!("/exercises/{id}/clock"),
            &format!("/exercises/{id}"),
            &[("op", "finish")],
        )
        .await;
    assert_eq!(fin.status, 303);
    let done = c.get(&format!("/exercises/{id}/team")).await;
    assert!(done.body.contains("id=\"retrospective\""), "{}", done.body);
    assert!(
        done.body.contains("<tr class=\"attacker\">") && done.body.contains("<tr class=\"team\">")
    );
    let all = op2.get(&format!("/exercises/{id}/debrief")).await;
    assert_eq!(all.status, 200);
    assert!(
        all.body.contains("1 第1班") && all.body.contains("2 第2班"),
        "{}",
        all.body
    );
    assert_eq!(
        t2.get(&format!("/exercises/{id}/debrief")).await.status,
        403
    );
}

#[tokio::test]
async fn course_a_keeps_rules_with_the_instructor() {
    let app = TestApp::start().await;
    let op = app.client();
    op.login("operator", PASSWORD).await;
    let id = planned_exercise(&app, &op, "A").await;
    op.post(
        &format!("/exercises/{id}/clock"),
        &format!("/exercises/{id}"),
        &[("op", "start")],
    )
    .await;
    app.clock.advance_secs(30);
    let t1 = app.client();
    t1.login("trainee", PASSWORD).await;
    let page = t1.get(&format!("/exercises/{id}/team")).await;
    assert!(
        page.body
            .contains("コース A ではブロックルールは表示のみで、変更できません。")
    );
    assert!(!page.body.contains("id=\"block-form\""));
    let p = t1
        .post(
            &format!("/exercises/{id}/team/actions"),
            &format!("/exercises/{id}/team"),
            &[
                ("kind", "block"),
                ("device", "proxy"),
                ("rule", "dstdomain .bad.example"),
            ],
        )
        .await;
    assert_eq!(p.status, 403);
    // Pausing stops the clock; actions wait for the resume.
    op.post(
        &format!("/exercises/{id}/clock"),
        &format!("/exercises/{id}"),
        &[("op", "pause")],
    )
    .await;
    let paused = t1
        .post(
            &format!("/exercises/{id}/team/actions"),
            &format!("/exercises/{id}/team"),
            &[("kind", "warn_staff"), ("message", "注意")],
        )
        .await;
    assert_eq!(paused.status, 409);
    assert!(paused.body.contains("一時停止中"));
    let again = op
        .post(
            &format!("/exercises/{id}/clock"),
            &format!("/exercises/{id}"),
            &[("op", "pause")],
        )
        .await;
    assert_eq!(again.status, 409);
}

#[tokio::test]
async fn the_team_page_streams_the_clock_and_score_to_its_own_team_only() {
    let app = TestApp::start().await;
    let op = app.client();
    op.login("operator", PASSWORD).await;
    let id = planned_exercise(&app, &op, "B-2").await;
    op.post(
        &format!("/exercises/{id}/clock"),
        &format!("/exercises/{id}"),
        &[("op", "start")],
    )
    .await;
    app.clock.advance_secs(10);
    let t1 = app.client();
    t1.login("trainee", PASSWORD).await;
    let mut res = t1
        .http
        .get(app.url(&format!("/exercises/{id}/team/live")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut body = String::new();
    while !body.contains("\n\n") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(20), res.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        body.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(body.starts_with("event: update\ndata: {"), "{body}");
    let data: serde_json::Value =
        serde_json::from_str(body.lines().nth(1).unwrap().trim_start_matches("data: ")).unwrap();
    assert_eq!(data["state"], "running");
    assert!(
        data["clock"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-02 09:"),
        "{data}"
    );
    assert!(data["score"].as_str().unwrap().contains(" / "));

    let team1 = app.store.teams(id).await.unwrap()[0].id;
    let t2 = app.client();
    t2.login("trainee2", PASSWORD).await;
    let other = t2
        .http
        .get(app.url(&format!("/exercises/{id}/teams/{team1}/live")))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);
    assert_eq!(
        app.client()
            .http
            .get(app.url(&format!("/exercises/{id}/team/live")))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn teams_search_their_own_logs_and_find_the_c2_domain() {
    let app = TestApp::start().await;
    let op = app.client();
    op.login("operator", PASSWORD).await;
    let id = planned_exercise(&app, &op, "B-1").await;
    op.post(
        &format!("/exercises/{id}/clock"),
        &format!("/exercises/{id}"),
        &[("op", "start")],
    )
    .await;
    app.clock.advance_secs(5);

    // What really happened to team 1, from the engine itself with the same seed and team.
    let ex = app.store.exercise(id).await.unwrap().unwrap();
    let sc = kasumi_range::Scenario::builtin("saida-city").unwrap();
    let mut truth_world = kasumi_range::World::provision(&sc, 42, 1, ex.sim_start, 3);
    truth_world.advance_to(ex.sim_now(kasumi_core::Clock::now(app.clock.as_ref())));
    let truth = truth_world.ground_truth();
    let c2 = truth
        .c2
        .iter()
        .find(|c| c.used)
        .expect("the implant has called home before the exercise")
        .domain
        .clone();

    let t1 = app.client();
    t1.login("trainee", PASSWORD).await;
    let hits = t1
        .get(&format!(
            "/exercises/{id}/team/logs?q={}",
            format!("source:proxy {c2}").replace(' ', "+")
        ))
        .await;
    assert_eq!(hits.status, 200, "{}", hits.body);
    assert!(
        hits.body.contains(&c2),
        "the C2 domain shows in the proxy log"
    );
    let total: usize = hits.body[hits.body.find("id=\"logs-total\">").unwrap() + 16..]
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    // Exactly what the engine shows up to the exercise clock: nothing from the future.
    let expected = truth_world
        .events()
        .filter(|e| e.source == kasumi_range::Source::Proxy && truth_world.line(e).contains(&c2))
        .count();
    assert_eq!(total, expected);

    let agg = t1
        .get(&format!(
            "/exercises/{id}/team/logs?q={}",
            "source:proxy+|+count+by+host"
        ))
        .await;
    assert!(agg.body.contains("id=\"logs-agg\""), "{}", agg.body);

    let bad = t1
        .get(&format!(
            "/exercises/{id}/team/logs?q={}",
            "user:tanaka+AND+("
        ))
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("検索式の") && bad.body.contains("文字目に誤りがあります"),
        "{}",
        bad.body
    );

    let csv = t1
        .http
        .get(app.url(&format!("/exercises/{id}/team/logs.csv?q=source:dns")))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.text()
            .await
            .unwrap()
            .starts_with("time,source,host,line\r\n")
    );

    // Team 2's world is another variant; team 2 cannot read team 1's logs.
    let team1 = app.store.teams(id).await.unwrap()[0].id;
    let t2 = app.client();
    t2.login("trainee2", PASSWORD).await;
    assert_eq!(
        t2.get(&format!("/exercises/{id}/teams/{team1}/logs?q=x"))
            .await
            .status,
        403
    );
    assert_eq!(
        t2.http
            .get(app.url(&format!("/exercises/{id}/teams/{team1}/logs.csv")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

/// Starts exercise `id` and lets ten exercise minutes pass (the SOC has reported by then).
async fn start_and_wait_for_the_report(app: &TestApp, op: &Client, id: i64) {
    let started = op
        .post(
            &format!("/exercises/{id}/clock"),
            &format!("/exercises/{id}"),
            &[("op", "start")],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    app.clock.advance_secs(10);
}

#[tokio::test]
async fn instructors_message_one_team_and_replies_reach_its_inbox() {
    let app = TestApp::start().await;
    let op = app.client();
    op.login("operator", PASSWORD).await;
    let id = planned_exercise(&app, &op, "B-1").await;
    let teams = app.store.teams(id).await.unwrap();
    let (team1, team2) = (teams[0].id.to_string(), teams[1].id.to_string());
    let send = async |kind: &str, team: &str, body: &str| {
        op.post(
            &format!("/exercises/{id}/messages"),
            &format!("/exercises/{id}"),
            &[("team", team), ("kind", kind), ("body", body)],
        )
        .await
    };

    let early = send("message", &team1, "まだ早い").await;
    assert_eq!(early.status, 409);
    assert!(
        early
            .body
            .contains("演習の開始前はチームに連絡できません。")
    );
    start_and_wait_for_the_report(&app, &op, id).await;

    // Refused messages say why and record nothing.
    let other = planned_exercise_with_title(&op, "別の演習").await;
    let foreign = app.store.teams(other).await.unwrap()[0].id.to_string();
    let t1 = app.client();
    t1.login("trainee", PASSWORD).await;
    let before = app.audit_len().await;
    let empty = send("hint", &team1, "  ").await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("「本文」を入力してください。"));
    let odd_kind = send("shout", &team1, "x").await;
    assert_eq!(odd_kind.status, 422);
    assert!(odd_kind.body.contains("「種類」を入力してください。"));
    let long = send("message", &team1, &"長".repeat(2001)).await;
    assert_eq!(long.status, 422);
    assert!(long.body.contains("本文は 2000 文字以内にしてください。"));
    assert_eq!(send("message", &foreign, "x").await.status, 404);
    let by_trainee = t1
        .post(
            &format!("/exercises/{id}/messages"),
            &format!("/exercises/{id}/team"),
            &[
                ("team", &team2),
                ("kind", "message"),
                ("body", "なりすまし"),
            ],
        )
        .await;
    assert_eq!(by_trainee.status, 403);
    assert_eq!(app.audit_len().await, before);

    let sent = send(
        "hint",
        &team1,
        "DNS のクエリログで最初に引いた端末を探しましょう",
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("第1班 に送信しました。"));
    assert_eq!(app.audit_len().await, before + 1);

    // Team 1 sees the hint with its sender; team 2 does not.
    let page = t1.get(&format!("/exercises/{id}/team")).await;
    assert!(
        page.body
            .contains("DNS のクエリログで最初に引いた端末を探しましょう")
    );
    assert!(page.body.contains("講師 (operator) · ヒント"));
    let t2 = app.client();
    t2.login("trainee2", PASSWORD).await;
    let page2 = t2.get(&format!("/exercises/{id}/team")).await;
    assert!(!page2.body.contains("最初に引いた端末"));

    // Escalating gets the CISO's answer into the inbox, newest first.
    let esc = t1
        .post(
            &format!("/exercises/{id}/team/actions"),
            &format!("/exercises/{id}/team"),
            &[
                ("kind", "escalate"),
                ("to", "ciso"),
                ("message", "不審な通信を検知"),
            ],
        )
        .await;
    assert_eq!(esc.status, 200, "{}", esc.body);
    let inbox = esc.body.split("id=\"inbox\"").nth(1).unwrap();
    let first = inbox.split("</li>").next().unwrap();
    assert!(first.contains("CISO: 報告を受けました。"), "{first}");
    assert!(first.contains("msg-reply"));

    // The instructor sees progress per team; messages survive a restart.
    let detail = op.get(&format!("/exercises/{id}")).await;
    assert!(detail.body.contains("目標の達成"));
    assert!(
        detail.body.contains("<td class=\"progress\">1 / 10</td>"),
        "escalation met one objective"
    );
    let restarted = app.restarted().await;
    let again = restarted.client();
    again.login("trainee", PASSWORD).await;
    let page = again.get(&format!("/exercises/{id}/team")).await;
    assert!(
        page.body
            .contains("DNS のクエリログで最初に引いた端末を探しましょう")
    );
    assert!(page.body.contains("CISO: 報告を受けました。"));
}

/// A second planned exercise (course B-1) whose one team is trainee's (one team
/// per trainee holds within an exercise, not across exercises).
async fn planned_exercise_with_title(op: &Client, title: &str) -> i64 {
    let id = create_exercise(
        op,
        &[
            ("title", title),
            ("course", "B-1"),
            ("scenario", "saida-city"),
            ("date", "2026-12-03"),
            ("time", "09:30"),
        ],
    )
    .await;
    add_team(op, id, "1", "他班", "trainee").await;
    id
}

/// The guided steps of the team page: (title, done) in order.
fn steps(body: &str) -> Vec<(String, bool)> {
    let list = body
        .split("id=\"guided-steps\">")
        .nth(1)
        .expect("course A shows the guided steps")
        .split("</ol>")
        .next()
        .unwrap();
    list.split("<li class=\"")
        .skip(1)
        .map(|li| {
            let done = li.starts_with("done");
            // `done">✔ 1. title<…` or `current">□ 1. title<…`
            let text = li.split("\">").nth(1).unwrap().split('<').next().unwrap();
            let title = text.split_once(' ').unwrap().1;
            (title.to_string(), done)
        })
        .collect()
}

#[tokio::test]
async fn course_a_is_completed_by_following_its_guided_steps() {
    let app = TestApp::start().await;
    let op = app.client();
    op.login("operator", PASSWORD).await;
    let id = planned_exercise(&app, &op, "A").await;
    start_and_wait_for_the_report(&app, &op, id).await;

    // The truth the guided trainee will uncover, from the same seed and team.
    let ex = app.store.exercise(id).await.unwrap().unwrap();
    let sc = kasumi_range::Scenario::builtin("saida-city").unwrap();
    let mut truth_world = kasumi_range::World::provision(&sc, 42, 1, ex.sim_start, 3);
    truth_world.advance_to(ex.sim_now(kasumi_core::Clock::now(app.clock.as_ref())));
    let truth = truth_world.ground_truth();
    let first = truth.first_infected.clone().unwrap();

    let t1 = app.client();
    t1.login("trainee", PASSWORD).await;
    let page = t1.get(&format!("/exercises/{id}/team")).await;
    let s = steps(&page.body);
    assert_eq!(s.len(), 7);
    assert_eq!(s[0].0, "1. 異常の検知");
    assert!(s.iter().all(|(_, done)| !done));
    assert!(
        page.body
            .contains("id=\"current-step\">受信箱の SOC からの通報を読み")
    );

    let act = async |fields: &[(&str, &str)]| {
        let p = t1
            .post(
                &format!("/exercises/{id}/team/actions"),
                &format!("/exercises/{id}/team"),
                fields,
            )
            .await;
        assert_eq!(p.status, 200, "{fields:?}: {}", p.body);
        steps(&p.body).iter().filter(|(_, done)| *done).count()
    };
    // Steps 1–2: the report is in and the staff are warned.
    assert_eq!(
        act(&[
            ("kind", "warn_staff"),
            ("message", "不審なメールを開かないでください")
        ])
        .await,
        2
    );
    // Step 3: the implant on the first terminal is analysed.
    assert_eq!(
        act(&[
            ("kind", "collect_file"),
            ("host", &first.name),
            ("path", &first.implant)
        ])
        .await,
        3
    );
    // Step 4: the terminal is cut off and the C2 goes quiet; step 6 needs every infected host.
    let mut done = 0;
    for h in &truth.infected_hosts {
        done = act(&[("kind", "isolate_host"), ("host", &h.name)]).await;
    }
    assert_eq!(
        done, 4,
        "steps 1–4: the report is in, staff warned, sample analysed, hosts cut off"
    );
    // Step 5: escalate to the CISO; step 6 waits for the findings in the report.
    assert_eq!(
        act(&[
            ("kind", "escalate"),
            ("to", "ciso"),
            ("message", "隔離しました")
        ])
        .await,
        5
    );
    // Steps 6 and 7: the findings, in the leak report.
    let hosts: Vec<&str> = truth
        .infected_hosts
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    let records = truth.records.unwrap_or(0).to_string();
    let c2 = truth.c2[0].domain.clone();
    let leaked = truth.leaked_file.clone().unwrap_or_else(|| "なし".into());
    assert_eq!(
        act(&[
            ("kind", "report_leak"),
            ("infected_hosts", &hosts.join(",")),
            ("first_host", &first.name),
            ("cause", "mail"),
            ("c2", &c2),
            ("leaked_file", &leaked),
            ("records", &records),
        ])
        .await,
        7
    );
    let page = t1.get(&format!("/exercises/{id}/team")).await;
    assert!(
        !page.body.contains("id=\"current-step\""),
        "nothing left to do"
    );
    // The analysis of the collected implant stays on the page.
    let analyses = page.body.split("id=\"analyses\"").nth(1).expect("analyses");
    assert!(analyses.contains(&first.implant));
    assert!(analyses.contains(&truth.c2[0].domain));
}

#[tokio::test]
async fn a_team_investigates_its_own_hosts_only() {
    let app = TestApp::start().await;
    let op = app.client();
    op.login("operator", PASSWORD).await;
    let id = planned_exercise(&app, &op, "B-1").await;
    start_and_wait_for_the_report(&app, &op, id).await;
    let ex = app.store.exercise(id).await.unwrap().unwrap();
    let sc = kasumi_range::Scenario::builtin("saida-city").unwrap();
    let mut truth_world = kasumi_range::World::provision(&sc, 42, 1, ex.sim_start, 3);
    truth_world.advance_to(ex.sim_now(kasumi_core::Clock::now(app.clock.as_ref())));
    let first = truth_world.ground_truth().first_infected.unwrap();

    let t1 = app.client();
    t1.login("trainee", PASSWORD).await;
    let team_page = t1.get(&format!("/exercises/{id}/team")).await;
    let link = format!("/exercises/{id}/team/hosts/{}", first.name);
    assert!(team_page.body.contains(&format!("href=\"{link}\"")));
    let host = t1.get(&link).await;
    assert_eq!(host.status, 200, "{}", host.body);
    let processes = host.body.split("id=\"processes\"").nth(1).unwrap();
    assert!(
        processes
            .split("</table>")
            .next()
            .unwrap()
            .contains(&first.implant)
    );
    assert!(host.body.contains("id=\"connections\""));
    assert!(host.body.contains(&first.user));

    let unknown = t1
        .get(&format!("/exercises/{id}/team/hosts/PC-NOWHERE-99"))
        .await;
    assert_eq!(unknown.status, 404);
    assert!(
        unknown
            .body
            .contains("ホスト「PC-NOWHERE-99」はこのチームのネットワークにありません。")
    );
    // Another team's host pages are staff-only.
    let team1 = app.store.teams(id).await.unwrap()[0].id;
    let t2 = app.client();
    t2.login("trainee2", PASSWORD).await;
    let other = t2
        .get(&format!(
            "/exercises/{id}/teams/{team1}/hosts/{}",
            first.name
        ))
        .await;
    assert_eq!(other.status, 403);
    let staff = op
        .get(&format!(
            "/exercises/{id}/teams/{team1}/hosts/{}",
            first.name
        ))
        .await;
    assert_eq!(staff.status, 200);
}
