//! Issue 4's story, every step through the web pages as the people involved
//! would take it: a provider's statement with lint errors, fixed and
//! submitted; an audit with results, evidence and the report; the
//! application, a correction, the committee's decision; the public list; a
//! change notice and an incident; the renewal pending past the expiry, then
//! granted; the revocation. The inbox of each person is checked on the way.
//! Only accounts are made directly in the store.

use jiff::civil::date;
use kasumi_core::{OrgKind, Role};
use kasumi_lifecycle::engagement::Engagement;
use kasumi_lifecycle::firm::Firm;
use kasumi_web::registry::journey::noon;
use kasumi_web::registry::load_all;

use super::harness::{Client, Page, TestApp, element};

/// The id at the end of a redirect's location.
fn id_of(page: &Page) -> i64 {
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.location.as_deref().expect("redirected");
    location.rsplit('/').next().unwrap().parse().unwrap()
}

/// Records a result for every control the engagement still lacks, evidence
/// attached to the first, and issues the report.
async fn audit_everything(app: &TestApp, auditor: &Client, eng: i64) {
    let (engagement, _) = load_all::<Engagement>(&app.store)
        .await
        .unwrap()
        .into_iter()
        .find(|(e, _)| e.id == eng)
        .unwrap();
    let missing: Vec<String> = engagement
        .missing_results()
        .into_iter()
        .map(String::from)
        .collect();
    assert!(!missing.is_empty());
    let path = format!("/ismap/engagements/{eng}");
    for (i, control) in missing.iter().enumerate() {
        let token = auditor.get(&path).await.csrf();
        let mut form = reqwest::multipart::Form::new()
            .text("control", control.clone())
            .text("procedure", "inspection")
            .text("design", "no_exception")
            .text("operating", "no_exception");
        if i == 0 {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(b"%PDF-1.7 access review".to_vec())
                    .file_name("アクセスレビュー.pdf"),
            );
        }
        let res = auditor
            .http
            .post(format!("{}{path}/results?csrf_token={token}", auditor.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "result for {control}");
    }
    let report = format!("{path}/report");
    let issued = auditor
        .act(
            &report,
            &report,
            &[("summary", "手続を実施し、例外はなかった。")],
        )
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let printable = auditor.get(&report).await.body;
    assert!(printable.contains("アクセスレビュー.pdf"));
}

/// The provider applies with its service, statement and issued audit (ids),
/// for a renewal of `renewal` when given; the new application's id.
async fn apply(csp: &Client, [service, statement, audit]: [i64; 3], renewal: Option<&str>) -> i64 {
    let (svc, stmt, eng) = (
        service.to_string(),
        statement.to_string(),
        audit.to_string(),
    );
    let mut fields = vec![
        ("service", svc.as_str()),
        ("statement", stmt.as_str()),
        ("engagement", eng.as_str()),
        ("track", "standard"),
        ("att_statement", "言明書.pdf"),
        ("att_audit_report", "実施結果報告書.pdf"),
    ];
    if let Some(r) = renewal {
        fields.push(("renewal", r));
    }
    let list = "/ismap/applications";
    id_of(&csp.post_files(list, list, &fields).await)
}

fn inbox_has(body: &str, kind: &str) -> bool {
    body.contains(&format!("class=\"{kind}\""))
}

#[tokio::test]
async fn from_a_flawed_statement_to_revocation_over_http() {
    let app = TestApp::start().await;
    let sora = app.org("sora", "そらクラウド株式会社", OrgKind::Csp).await;
    let umi = app
        .org("umi-audit", "うみ監査法人", OrgKind::AuditFirm)
        .await;
    let jasa = app
        .org("jasa", "監査機関評価", OrgKind::AuditEvaluator)
        .await;
    let committee_org = app
        .store
        .org_by_code("committee")
        .await
        .unwrap()
        .unwrap()
        .id;
    app.user("csp1", sora, Role::Csp).await;
    app.user("auditor1", umi, Role::Auditor).await;
    app.user("evaluator", jasa, Role::AuditEvaluator).await;
    app.user("committee1", committee_org, Role::Committee).await;
    let csp1 = app.signed_in("csp1").await;

    // The provider's service and a statement with a violation, then fixed.
    let service = id_of(
        &csp1
            .post(
                "/ismap/services",
                "/ismap/services",
                &[
                    ("name", "そら 文書管理"),
                    ("model", "saas"),
                    ("deployment", "public"),
                    ("description", "自治体向け文書管理"),
                    ("data_centres", "東京"),
                    ("regions", "jp-east"),
                ],
            )
            .await,
    );
    let service_url = format!("/ismap/services/{service}");
    let example = include_str!("../../../lifecycle/tests/statement-example.json");
    let mut broken: serde_json::Value = serde_json::from_str(example).unwrap();
    broken["governance_owner"]["name"] = "".into();
    let statement = id_of(
        &csp1
            .post(
                &format!("{service_url}/statements"),
                &service_url,
                &[("content", &broken.to_string())],
            )
            .await,
    );
    let statement_url = format!("/ismap/statements/{statement}");
    let submit = format!("{statement_url}/submit");
    let refused = csp1.post(&submit, &statement_url, &[]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("governance_owner.name"));
    let fixed = csp1
        .act(&statement_url, &statement_url, &[("content", example)])
        .await;
    assert!(fixed.body.contains("id=\"lint-clean\""));
    assert_eq!(csp1.act(&submit, &statement_url, &[]).await.status, 200);

    // The evaluator lists the firm; the provider engages it for nine months.
    let evaluator = app.signed_in("evaluator").await;
    let listed = evaluator
        .act(
            "/ismap/firms",
            "/ismap/firms",
            &[("org", &umi.to_string()), ("name", "うみ監査法人")],
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let firm = load_all::<Firm>(&app.store).await.unwrap()[0]
        .0
        .id
        .to_string();
    let engage = format!("{statement_url}/engage");
    let engage_for = |start: &'static str, end: &'static str| {
        let (csp1, engage, firm) = (&csp1, engage.clone(), firm.clone());
        async move {
            let fields = [
                ("firm", firm.as_str()),
                ("start", start),
                ("end", end),
                ("scope", "full"),
            ];
            id_of(&csp1.post(&engage, &engage, &fields).await)
        }
    };
    let first_audit = engage_for("2025-01-01", "2025-09-30").await;

    // The period is over: the report is due in the auditor's inbox.
    let auditor = app.signed_in("auditor1").await;
    assert!(inbox_has(
        &auditor.get("/ismap/inbox").await.body,
        "inbox-report-due"
    ));
    audit_everything(&app, &auditor, first_audit).await;

    // The provider applies; IPA sees the acceptance check waiting.
    let application = apply(&csp1, [service, statement, first_audit], None).await;
    let detail = format!("/ismap/applications/{application}");
    let act = |a: &str| format!("{detail}/{a}");
    let ipa = app.signed_in("reviewer").await;
    assert!(inbox_has(
        &ipa.get("/ismap/inbox").await.body,
        "inbox-acceptance"
    ));

    // Accepted, a correction requested and answered, the review completed.
    assert_eq!(ipa.act(&act("accept"), &detail, &[]).await.status, 200);
    let items = [("items", "5.1.1.1 承認日を記載してください")];
    assert_eq!(
        ipa.act(&act("correction"), &detail, &items).await.status,
        200
    );
    let inbox = csp1.get("/ismap/inbox").await.body;
    assert!(inbox_has(&inbox, "inbox-correction-requested"), "{inbox}");
    let answer = [("response", "承認日を追記しました")];
    assert_eq!(csp1.act(&act("answer"), &detail, &answer).await.status, 200);
    assert_eq!(ipa.act(&act("complete"), &detail, &[]).await.status, 200);

    // The committee decides; the provider is told.
    let committee = app.signed_in("committee1").await;
    assert!(inbox_has(
        &committee.get("/ismap/inbox").await.body,
        "inbox-decision"
    ));
    let decided = committee
        .act(&act("decide"), &detail, &[("outcome", "register")])
        .await;
    assert_eq!(decided.status, 200, "{}", decided.body);
    let number = element(&decided.body, "app-registration");
    assert_eq!(number, "C25-0001-1");
    assert!(inbox_has(
        &csp1.get("/ismap/inbox").await.body,
        "inbox-decision-made"
    ));

    // On the public list, valid through the day before 1 year 4 months after
    // the day following the audit period.
    let public = app.client();
    assert!(public.get("/registry").await.body.contains(&number));
    let entry = public.get(&format!("/api/v1/registry/{number}")).await;
    assert_eq!(entry.status, 200);
    assert!(entry.body.contains("2027-01-31"), "{}", entry.body);

    // A change notice and an incident, flash then confirmed, in the remarks.
    let regs = csp1.get("/ismap/registrations").await.body;
    let registration = regs
        .split("href=\"/ismap/registrations/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let reg = format!("/ismap/registrations/{registration}");
    let ract = |a: &str| format!("{reg}/{a}");
    let change = [
        ("kind", "region_added"),
        ("region", "jp-west"),
        ("description", "西日本リージョンを追加"),
    ];
    assert_eq!(csp1.act(&ract("change"), &reg, &change).await.status, 200);
    let flash = csp1
        .act(
            &ract("incident"),
            &reg,
            &[("summary", "不正アクセスの疑い")],
        )
        .await;
    assert_eq!(flash.status, 200);
    assert!(inbox_has(
        &ipa.get("/ismap/inbox").await.body,
        "inbox-incident"
    ));
    let incident = flash
        .body
        .split("id=\"confirm-")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let confirm = [
        ("incident", incident.as_str()),
        ("summary", "不正アクセスを確認"),
        ("cause", "認証設定の誤り"),
        ("measures", "設定を修正し監視を強化"),
    ];
    assert_eq!(csp1.act(&ract("confirm"), &reg, &confirm).await.status, 200);
    let remarks = public.get(&format!("/registry/{number}")).await.body;
    for remark in [
        "リージョン「jp-west」の追加の届出",
        "インシデントの速報",
        "インシデントの確報",
    ] {
        assert!(remarks.contains(remark), "remarks history has {remark}");
    }

    // A year on: the next audit, and expiry approaching in the provider's
    // inbox (months passed, so everyone signs in again).
    let second_audit = engage_for("2025-10-01", "2026-09-30").await;
    app.clock.set(noon(date(2026, 11, 5)));
    let csp1 = app.signed_in("csp1").await;
    assert!(inbox_has(
        &csp1.get("/ismap/inbox").await.body,
        "inbox-expiry"
    ));
    let auditor = app.signed_in("auditor1").await;
    audit_everything(&app, &auditor, second_audit).await;
    let renewal = apply(
        &csp1,
        [service, statement, second_audit],
        Some(&registration),
    )
    .await;

    // Past the last valid day, the entry stays listed while renewal is pending.
    app.clock.set(noon(date(2027, 2, 15)));
    let list = public.get("/registry").await.body;
    assert!(list.contains(&number), "still listed after 2027-01-31");
    assert!(list.contains("更新申請中"));
    let detail = format!("/ismap/applications/{renewal}");
    let ipa = app.signed_in("reviewer").await;
    for a in ["accept", "complete"] {
        assert_eq!(
            ipa.act(&format!("{detail}/{a}"), &detail, &[]).await.status,
            200
        );
    }
    let committee = app.signed_in("committee1").await;
    let renewed = committee
        .act(
            &format!("{detail}/decide"),
            &detail,
            &[("outcome", "register")],
        )
        .await;
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    let list = public.get("/registry").await.body;
    assert!(list.contains("C25-0001-2") && !list.contains(&number));
    let entry = public.get("/api/v1/registry/C25-0001-2").await.body;
    assert!(
        entry.contains("2028-01-31"),
        "valid from the new audit: {entry}"
    );

    // Revoked by the committee: off the public list, the history kept for staff.
    let revoked = committee
        .act(&ract("revoke"), &reg, &[("reason", "虚偽の言明")])
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(element(&revoked.body, "reg-status"), "取消");
    assert!(!public.get("/registry").await.body.contains("C25-0001-2"));
    assert_eq!(public.get("/registry/C25-0001-2").await.status, 404);
    let history = ipa.get(&reg).await.body;
    assert!(history.contains("登録を取り消しました。理由: 虚偽の言明"));
    assert!(history.contains("インシデントの確報"));
    assert!(app.store.verify_audit().await.unwrap().is_intact());
}
