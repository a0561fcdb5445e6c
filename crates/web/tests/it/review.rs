//! Applications, review, decision and what follows registration, over HTTP
//! against a real server and database: the records an application rests on
//! (statement, audit) are made with the journey helpers, everything the pages
//! do is done through the pages.

use jiff::ToSpan;
use kasumi_core::{OrgKind, Role};
use kasumi_lifecycle::Actor as Who;
use kasumi_lifecycle::dates::{AuditPeriod, tokyo_date};
use kasumi_lifecycle::engagement::AuditScope;
use kasumi_lifecycle::firm::Firm;
use kasumi_lifecycle::service::{DeploymentModel, Service, ServiceDraft, ServiceModel};
use kasumi_store::Actor;
use kasumi_web::registry::journey::{Cast, Journey, Registered, clean_statement, csp};

use super::harness::{Client, Page, T0, TestApp, element};

const DAY: i64 = 86_400_000_000;

/// The provider, its records ready to apply with, and the people.
pub struct Setup {
    pub provider: i64,
    pub service: Service,
    pub statement: i64,
    pub engagement: i64,
    pub firm: Firm,
    pub cast: Cast,
}

pub fn draft(name: &str) -> ServiceDraft {
    ServiceDraft {
        name: name.into(),
        service_model: ServiceModel::Saas,
        deployment_model: DeploymentModel::Public,
        description: String::new(),
        data_centres: vec!["東京".into()],
        regions: vec!["jp-east".into()],
        built_on: vec![],
    }
}

/// Users `csp1` (そらクラウド), `csp2` (another provider), `committee1`,
/// `agency1`; a SaaS of csp1's with a submitted statement and an audit whose
/// report was issued ten days ago.
pub async fn setup(app: &TestApp) -> Setup {
    let provider = app
        .org("sora-cloud", "そらクラウド株式会社", OrgKind::Csp)
        .await;
    let other = app
        .org("kumo-cloud", "くもクラウド株式会社", OrgKind::Csp)
        .await;
    let firm_org = app
        .org("umi-audit", "うみ監査法人", OrgKind::AuditFirm)
        .await;
    let id =
        |code: &'static str| async move { app.store.org_by_code(code).await.unwrap().unwrap().id };
    let (ipa, committee, city) = (
        id("ipa").await,
        id("committee").await,
        id("saida-city").await,
    );
    app.user("csp1", provider, Role::Csp).await;
    app.user("csp2", other, Role::Csp).await;
    app.user("committee1", committee, Role::Committee).await;
    app.user("agency1", city, Role::Agency).await;
    let cast = Cast {
        auditor: Who::new(Role::Auditor, firm_org, 0),
        evaluator: Who::new(Role::AuditEvaluator, 0, 0),
        ipa: Who::new(Role::IpaReviewer, ipa, 0),
        committee: Who::new(Role::Committee, committee, 0),
    };
    let catalog = kasumi_ismap::sample_catalog();
    let today = tokyo_date(T0);
    let ago = |days: i64| today.checked_sub(days.days()).unwrap();
    let who = csp(provider);
    let mut j = Journey::new(&app.store, &catalog, cast).await.unwrap();
    let firm = j
        .list_firm(firm_org, "うみ監査法人", ago(1000))
        .await
        .unwrap();
    let d = draft("そら 文書管理");
    let content = clean_statement(&catalog, &d, "本番環境", "代表 一郎", &[]);
    let service = j.add_service(&who, d, ago(600)).await.unwrap();
    let stmt = j
        .submit_statement(&who, &service, content, ago(500))
        .await
        .unwrap();
    let eng = j.audit(&who, &stmt, &firm, ago(40)).await.unwrap();
    j.commit(&Actor::system("test"), T0).await.unwrap();
    Setup {
        provider,
        service,
        statement: stmt.id,
        engagement: eng.id,
        firm,
        cast,
    }
}

/// A service of csp1's named `name`, registered on an audit that ended 400
/// days ago (so valid for about three more months), committed.
async fn registered_service(app: &TestApp, s: &Setup, name: &str) -> Registered {
    registered_service_ago(app, s, name, 400).await
}

/// As [`registered_service`], on an audit that ended `days` days ago.
async fn registered_service_ago(app: &TestApp, s: &Setup, name: &str, days: i64) -> Registered {
    let catalog = kasumi_ismap::sample_catalog();
    let who = csp(s.provider);
    let mut j = Journey::new(&app.store, &catalog, s.cast).await.unwrap();
    let d = draft(name);
    let content = clean_statement(&catalog, &d, "本番環境", "代表 一郎", &[]);
    let today = tokyo_date(T0);
    let svc = j
        .add_service(&who, d, today.checked_sub(900.days()).unwrap())
        .await
        .unwrap();
    let r = j
        .register(
            &who,
            &svc,
            &s.firm,
            content,
            today.checked_sub(days.days()).unwrap(),
        )
        .await
        .unwrap();
    j.commit(&Actor::system("test"), T0).await.unwrap();
    r
}

/// csp1 applies on the standard track with the setup's statement and audit,
/// attaching the statement and the report.
async fn apply_standard(csp1: &Client, s: &Setup) -> Page {
    let (svc, stmt, eng) = ids(s);
    let list = "/ismap/applications";
    csp1.post_files(
        list,
        list,
        &[
            ("service", &svc),
            ("statement", &stmt),
            ("engagement", &eng),
            ("track", "standard"),
            ("att_statement", "言明書.pdf"),
            ("att_audit_report", "実施結果報告書.pdf"),
        ],
    )
    .await
}

/// The id at the end of a redirect to `/ismap/applications/{id}`.
fn app_id(location: Option<String>) -> i64 {
    location
        .expect("redirected")
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn ids(s: &Setup) -> (String, String, String) {
    (
        s.service.id.to_string(),
        s.statement.to_string(),
        s.engagement.to_string(),
    )
}

#[tokio::test]
async fn review_from_application_to_revocation_over_http() {
    let app = TestApp::start().await;
    let s = setup(&app).await;
    let (svc, stmt, eng) = ids(&s);
    let csp1 = app.signed_in("csp1").await;
    let csp2 = app.signed_in("csp2").await;
    let ipa = app.signed_in("reviewer").await;
    let committee = app.signed_in("committee1").await;
    let secretary = app.signed_in("secretary").await;
    let list = "/ismap/applications";

    // Malformed input is a 4xx that says what was wrong, and changes nothing.
    let bad = csp1
        .post_files(
            list,
            list,
            &[
                ("service", "abc"),
                ("statement", &stmt),
                ("engagement", &eng),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("番号を入力してください"), "{}", bad.body);
    let no_report = csp1
        .post_files(
            list,
            list,
            &[
                ("service", &svc),
                ("statement", &stmt),
                ("engagement", &eng),
                ("att_statement", "s.pdf"),
            ],
        )
        .await;
    assert_eq!(no_report.status, 422);
    assert!(no_report.body.contains("実施結果報告書を添付してください"));
    assert_eq!(
        ipa.get(list)
            .await
            .body
            .matches("/ismap/applications/")
            .count(),
        0
    );
    assert_eq!(ipa.post(list, list, &[("service", &svc)]).await.status, 403);

    // An executable is no attachment; a form that is not multipart is unreadable.
    let before = app.audit_len().await;
    let token = csp1.get(list).await.csrf();
    let exe = reqwest::multipart::Form::new()
        .text("service", svc.clone())
        .text("statement", stmt.clone())
        .text("engagement", eng.clone())
        .part(
            "att_statement",
            reqwest::multipart::Part::bytes(b"MZ\x90\x00".to_vec()).file_name("言明書.pdf"),
        );
    let r = csp1
        .http
        .post(format!("{}{list}?csrf_token={token}", csp1.base))
        .multipart(exe)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("実行形式またはスクリプト"));
    let plain = csp1
        .post(list, list, &[("service", &svc), ("statement", &stmt)])
        .await;
    assert_eq!(plain.status, 422, "{}", plain.body);
    assert_eq!(app.audit_len().await, before, "nothing was recorded");

    // The provider applies.
    let applied = apply_standard(&csp1, &s).await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    let id = app_id(applied.location);
    let detail = format!("/ismap/applications/{id}");
    let act = |a: &str| format!("{detail}/{a}");
    let page = csp1.get(&detail).await;
    assert_eq!(element(&page.body, "app-status"), "受理確認待ち");
    assert!(page.body.contains("実施結果報告書.pdf"));
    // The attached files are kept and come back as sent, to those who may see them.
    let href = page
        .body
        .split("<ul id=\"attachments\">")
        .nth(1)
        .and_then(|s| s.split("href=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    assert!(href.starts_with(&format!("{detail}/files/")), "{href}");
    let file = csp1.get(&href).await;
    assert_eq!(file.status, 200);
    assert!(file.body.starts_with("%PDF-1.7 "), "{}", file.body);
    assert!(ipa.get(&href).await.status == 200);
    assert_eq!(csp2.get(&href).await.status, 404);
    assert!(page.body.contains("id=\"withdraw\"") && !page.body.contains("id=\"accept\""));

    // Another provider never sees it; staff do.
    assert_eq!(csp2.get(&detail).await.status, 404);
    assert!(!csp2.get(list).await.body.contains("そら 文書管理"));
    assert_eq!(
        csp2.post(&act("withdraw"), "/ismap/applications", &[])
            .await
            .status,
        404
    );
    assert!(ipa.get(list).await.body.contains("そら 文書管理"));
    assert!(ipa.get(&detail).await.body.contains("id=\"accept\""));
    assert!(!secretary.get(&detail).await.body.contains("id=\"accept\""));

    // Wrong role: 403 with the reason; wrong state: 409 with the reason.
    let r = csp1.post(&act("accept"), &detail, &[]).await;
    assert_eq!(r.status, 403);
    assert!(
        r.body
            .contains("受理確認は ipa_reviewer の役割だけが行えます"),
        "{}",
        r.body
    );
    let r = ipa.post(&act("complete"), &detail, &[]).await;
    assert_eq!(r.status, 409);
    assert!(
        r.body
            .contains("現在の状態（submitted）では審査を完了できません"),
        "{}",
        r.body
    );
    assert_eq!(ipa.post(&act("nonsense"), &detail, &[]).await.status, 404);
    assert_eq!(ipa.get("/ismap/applications/xyz").await.status, 404);
    assert_eq!(ipa.get("/ismap/registrations/1x").await.status, 404);

    // Acceptance, a comment and a correction request.
    let r = ipa.act(&act("accept"), &detail, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(element(&r.body, "app-status"), "技術的審査中");
    let r = ipa
        .act(
            &act("comment"),
            &detail,
            &[("control", "5.1.1.1"), ("text", "方針の承認者を確認")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("方針の承認者を確認"));
    let empty = ipa
        .post(&act("correction"), &detail, &[("items", " ")])
        .await;
    assert_eq!(empty.status, 422);
    let r = ipa
        .act(
            &act("correction"),
            &detail,
            &[(
                "items",
                "5.1.1.1 承認日を記載してください\n全体の版数を揃えてください",
            )],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(element(&r.body, "app-status"), "修正依頼中");
    assert!(
        r.body
            .contains("<strong>5.1.1.1</strong> 承認日を記載してください")
    );

    // The provider sees it in the inbox, linked here, and answers.
    let inbox = csp1.get("/ismap/inbox").await.body;
    assert!(inbox.contains("inbox-correction-requested"), "{inbox}");
    assert!(inbox.contains(&format!("href=\"{detail}\"")));
    assert_eq!(
        csp1.post(&act("answer"), &detail, &[("statement", "x")])
            .await
            .status,
        422
    );
    let r = csp1
        .act(
            &act("answer"),
            &detail,
            &[("response", "承認日を追記しました")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(element(&r.body, "app-status"), "技術的審査中");
    assert!(r.body.contains("承認日を追記しました"));

    // Review complete; only the committee decides.
    assert_eq!(ipa.act(&act("complete"), &detail, &[]).await.status, 200);
    let r = secretary
        .post(&act("decide"), &detail, &[("outcome", "register")])
        .await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("committee"));
    assert_eq!(
        committee
            .post(&act("decide"), &detail, &[("outcome", "maybe")])
            .await
            .status,
        422
    );
    let r = committee
        .act(
            &act("decide"),
            &detail,
            &[("outcome", "register"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(element(&r.body, "app-status"), "登録");
    let number = element(&r.body, "app-registration");
    assert_eq!(number, "C25-0001-1");
    let r = committee
        .post(&act("decide"), &detail, &[("outcome", "register")])
        .await;
    assert_eq!(r.status, 409);
    let history = csp1.get(&detail).await.body;
    for step in [
        "申請を受理し",
        "修正を依頼しました",
        "修正依頼に回答しました",
        "運営委員会が登録を決定しました",
    ] {
        assert!(history.contains(step), "history has {step}");
    }

    // On the public list and the API.
    assert!(app.client().get("/registry").await.body.contains(&number));
    let api = app.client().get("/api/v1/registry").await;
    assert_eq!(api.status, 200);
    assert!(api.body.contains(&number));

    // The registration page: the provider reports, the committee decides.
    let regs = csp1.get("/ismap/registrations").await.body;
    let href = regs
        .split("href=\"/ismap/registrations/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let reg = format!("/ismap/registrations/{href}");
    let ract = |a: &str| format!("{reg}/{a}");
    assert!(
        csp2.get("/ismap/registrations")
            .await
            .body
            .contains("registrations-empty")
    );
    assert_eq!(csp2.get(&reg).await.status, 404);
    let change = [
        ("kind", "region_added"),
        ("region", "jp-west"),
        ("description", "西日本リージョンを追加"),
    ];
    assert_eq!(
        committee.post(&ract("change"), &reg, &change).await.status,
        403
    );
    let r = csp1.act(&ract("change"), &reg, &change).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        csp1.post(&ract("change"), &reg, &[("kind", "?")])
            .await
            .status,
        422
    );
    let r = csp1
        .act(
            &ract("incident"),
            &reg,
            &[("summary", "不正アクセスの疑い")],
        )
        .await;
    assert_eq!(r.status, 200);
    let incident = r
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
    let r = csp1.act(&ract("confirm"), &reg, &confirm).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("認証設定の誤り"));
    let again = csp1.post(&ract("confirm"), &reg, &confirm).await;
    assert_eq!(again.status, 409);
    assert!(
        again
            .body
            .contains("現在の状態（confirmed）では確報を提出できません")
    );
    let public = app.client().get(&format!("/registry/{number}")).await.body;
    for remark in [
        "リージョン「jp-west」の追加の届出",
        "インシデントの速報",
        "インシデントの確報",
    ] {
        assert!(public.contains(remark), "remarks history has {remark}");
    }
    let mine = csp1.get(&reg).await.body;
    assert!(mine.contains("インシデントの確報が提出されました"));

    // The committee suspends (still listed, marked) and lifts it.
    let page = committee.get(&reg).await.body;
    assert!(page.contains("id=\"suspend\"") && !page.contains("id=\"reinstate\""));
    let r = committee
        .act(&ract("suspend"), &reg, &[("reason", "確報の内容を確認中")])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(element(&r.body, "reg-status"), "一時停止中");
    assert!(r.body.contains("id=\"reinstate\"") && !r.body.contains("id=\"suspend\""));
    assert!(
        app.client()
            .get("/registry")
            .await
            .body
            .contains("一時停止中")
    );
    // A done action sends the browser back to the page (303), so reloading
    // it shows the page again instead of repeating the action.
    let r = committee.post(&ract("reinstate"), &reg, &[]).await;
    assert_eq!(r.status, 303);
    let back = r.location.unwrap();
    assert_eq!(back, format!("{reg}?done=registration-done-reinstated"));
    for _ in 0..2 {
        let r = committee.get(&back).await;
        assert_eq!(r.status, 200);
        assert_eq!(element(&r.body, "reg-status"), "登録");
        assert!(r.body.contains("一時停止を解除しました。"));
    }
    // Only this page's own messages are shown from a link.
    for crafted in [
        "review-done-registered",
        "error-409",
        "registration-done-nothing",
        "%3Cb%3E",
    ] {
        let r = committee.get(&format!("{reg}?done={crafted}")).await;
        assert_eq!(r.status, 200);
        assert!(!r.body.contains("role=\"status\""), "{crafted}");
    }
    assert_eq!(
        committee.post(&ract("reinstate"), &reg, &[]).await.status,
        409
    );

    // The committee revokes: off the public list, kept for staff.
    let r = csp1
        .post(&ract("revoke"), &reg, &[("reason", "虚偽の言明")])
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        committee
            .act(&ract("revoke"), &reg, &[("reason", "")])
            .await
            .status,
        422
    );
    let r = committee
        .act(&ract("revoke"), &reg, &[("reason", "虚偽の言明")])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(element(&r.body, "reg-status"), "取消");
    assert!(!r.body.contains("id=\"revoke\"") && r.body.contains("id=\"delete\""));
    assert!(!csp1.get(&reg).await.body.contains("id=\"change\""));
    let late = csp1
        .post(&ract("incident"), &reg, &[("summary", "追加")])
        .await;
    assert_eq!(late.status, 409);
    assert_eq!(
        committee
            .post(&ract("revoke"), &reg, &[("reason", "再度")])
            .await
            .status,
        409
    );
    assert!(!app.client().get("/registry").await.body.contains(&number));
    assert!(
        !app.client()
            .get("/api/v1/registry")
            .await
            .body
            .contains(&number)
    );
    assert_eq!(
        app.client()
            .get(&format!("/registry/{number}"))
            .await
            .status,
        404
    );
    assert!(
        ipa.get(&reg)
            .await
            .body
            .contains("登録を取り消しました。理由: 虚偽の言明")
    );
}

#[tokio::test]
async fn review_liu_needs_a_low_impact_assessment() {
    let app = TestApp::start().await;
    let s = setup(&app).await;
    let (svc, stmt, eng) = ids(&s);
    let agency = app.signed_in("agency1").await;
    let csp1 = app.signed_in("csp1").await;
    assert_eq!(
        csp1.post("/ismap/liu", "/ismap/liu", &[("service", &svc)])
            .await
            .status,
        422
    );
    let filed = agency
        .post(
            "/ismap/liu",
            "/ismap/liu",
            &[
                ("service", &svc),
                ("business", "職員の文書管理"),
                ("information", "機密性2"),
                ("result", "medium"),
            ],
        )
        .await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    let list = csp1.get("/ismap/liu").await.body;
    assert!(list.contains("職員の文書管理") && list.contains("<td>中</td>"));
    let assessment = list
        .split("<tbody><tr><td>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    let form = |track: &'static str, a: &str| {
        vec![
            ("service", svc.clone()),
            ("statement", stmt.clone()),
            ("engagement", eng.clone()),
            ("track", track.to_string()),
            ("assessment", a.to_string()),
            ("att_statement", "s.pdf".to_string()),
            ("att_audit_report", "r.pdf".to_string()),
            ("att_internal_audit", "i.pdf".to_string()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let csp1 = &csp1;
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            csp1.post_files("/ismap/applications", "/ismap/applications", &f)
                .await
        }
    };
    let r = post(form("liu", &assessment)).await;
    assert_eq!(r.status, 409);
    assert!(
        r.body
            .contains("影響度評価の結果が「medium」のため、ISMAP-LIU では申請できません"),
        "{}",
        r.body
    );
    // The same refusal in English for a reader who chose it.
    csp1.post("/lang", "/", &[("lang", "en"), ("back", "/")])
        .await;
    let en = post(form("liu", &assessment)).await;
    assert_eq!(en.status, 409);
    assert!(
        en.body.contains("only a low result allows the LIU track"),
        "{}",
        en.body
    );
    csp1.post("/lang", "/", &[("lang", "ja"), ("back", "/")])
        .await;
    let r = post(form("liu", "")).await;
    assert_eq!(r.status, 422);
    let r = post(form("liu", "999")).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("影響度評価が必要です"));
    // Nothing was created by the refused attempts.
    assert!(
        csp1.get("/ismap/applications")
            .await
            .body
            .contains("applications-empty")
    );

    // A low result opens the LIU track.
    agency
        .post(
            "/ismap/liu",
            "/ismap/liu",
            &[
                ("service", &svc),
                ("business", "庶務"),
                ("information", "機密性1"),
                ("result", "low"),
            ],
        )
        .await;
    let low = (assessment.parse::<i64>().unwrap() + 1).to_string();
    let r = post(form("liu", &low)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = csp1.get(r.location.as_deref().unwrap()).await.body;
    assert!(page.contains("ISMAP-LIU"));
}

/// An agency picks from SaaS that a provider has put forward with a submitted
/// statement: another provider's draft service is neither listed nor accepted.
#[tokio::test]
async fn review_liu_offers_only_stated_saas_to_agencies() {
    let app = TestApp::start().await;
    let s = setup(&app).await;
    let other = app
        .store
        .org_by_code("kumo-cloud")
        .await
        .unwrap()
        .unwrap()
        .id;
    let catalog = kasumi_ismap::sample_catalog();
    let mut j = Journey::new(&app.store, &catalog, s.cast).await.unwrap();
    let today = tokyo_date(T0);
    let secret = j
        .add_service(&csp(other), draft("くも 未発表サービス"), today)
        .await
        .unwrap();
    let mut iaas = draft("そら 基盤");
    iaas.service_model = ServiceModel::Iaas;
    let iaas = j.add_service(&csp(s.provider), iaas, today).await.unwrap();
    j.commit(&Actor::system("test"), T0).await.unwrap();

    let agency = app.signed_in("agency1").await;
    let page = agency.get("/ismap/liu").await.body;
    // No assessment yet, so a service's name on the page is an option of the picker.
    assert!(
        page.contains("liu-empty") && page.contains("そら 文書管理"),
        "{page}"
    );
    assert!(!page.contains("くも 未発表サービス"), "{page}");
    assert!(!page.contains("そら 基盤"), "{page}");
    for hidden in [secret.id, iaas.id] {
        let r = agency
            .post(
                "/ismap/liu",
                "/ismap/liu",
                &[
                    ("service", hidden.to_string().as_str()),
                    ("business", "庶務"),
                    ("information", "機密性2"),
                    ("result", "low"),
                ],
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
    }
    assert!(agency.get("/ismap/liu").await.body.contains("liu-empty"));
    // The CSP's own page has no picker: only agencies file assessments.
    let own = app.signed_in("csp1").await.get("/ismap/liu").await.body;
    assert!(!own.contains("<select name=\"service\">"), "{own}");
}

#[tokio::test]
async fn review_renewal_pending_keeps_the_registration_valid_until_decided() {
    let app = TestApp::start().await;
    let s = setup(&app).await;
    let catalog = kasumi_ismap::sample_catalog();
    let today = tokyo_date(T0);
    let ago = |days: i64| today.checked_sub(days.days()).unwrap();
    let who = csp(s.provider);
    let r = registered_service(&app, &s, "そら 会計").await;
    let mut j = Journey::new(&app.store, &catalog, s.cast).await.unwrap();
    let eng = j.audit(&who, &r.statement, &s.firm, ago(40)).await.unwrap();
    j.commit(&Actor::system("test"), T0).await.unwrap();
    let number = r.registration.number_text.clone();
    let valid = r.registration.valid_through;
    assert!(valid > today);

    let csp1 = app.signed_in("csp1").await;
    // The first application's attached documents open from its page.
    let first = format!("/ismap/applications/{}", r.application.id);
    let a = &r.application.attachments[0];
    let doc = csp1.get(&format!("{first}/files/{}", a.sha256)).await;
    assert_eq!(doc.status, 200);
    assert!(doc.body.contains("言明書"), "{}", doc.body);
    assert_eq!(a.size, doc.body.len() as u64);
    // So does the audit's evidence from its engagement.
    let ev = &r.engagement.results[0].input.evidence[0];
    let path = format!(
        "/ismap/engagements/{}/evidence/{}",
        r.engagement.id, ev.sha256
    );
    let doc = csp1.get(&path).await;
    assert_eq!(doc.status, 200);
    assert!(doc.body.contains("監査証跡"), "{}", doc.body);
    let applied = csp1
        .post_files(
            "/ismap/applications",
            "/ismap/applications",
            &[
                ("service", &r.service.id.to_string()),
                ("statement", &r.statement.id.to_string()),
                ("engagement", &eng.id.to_string()),
                ("renewal", &r.registration.id.to_string()),
                ("att_statement", "s.pdf"),
                ("att_audit_report", "r.pdf"),
            ],
        )
        .await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    let detail = format!("/ismap/applications/{}", app_id(applied.location));
    assert!(
        csp1.get(&detail).await.body.contains(&number),
        "renews the number"
    );

    // Past the last valid day, still listed while the renewal is pending.
    let days_past = (valid - today).get_days() as i64 + 30;
    app.clock.set(T0 + days_past * DAY);
    let list = app.client().get("/registry").await.body;
    assert!(list.contains(&number), "still listed past {valid}");
    assert!(list.contains("更新申請中"));

    // Sessions ended with the months that passed: sign in again.
    let ipa = app.signed_in("reviewer").await;
    let committee = app.signed_in("committee1").await;

    for a in ["accept", "complete"] {
        assert_eq!(
            ipa.act(&format!("{detail}/{a}"), &detail, &[]).await.status,
            200
        );
    }
    let r2 = committee
        .act(
            &format!("{detail}/decide"),
            &detail,
            &[("outcome", "register")],
        )
        .await;
    assert_eq!(r2.status, 200, "{}", r2.body);
    let renewed = format!("{}2", number.trim_end_matches('1'));
    let list = app.client().get("/registry").await.body;
    assert!(list.contains(&renewed), "renewed as {renewed}");
    assert!(!list.contains(&number));
    let entry = app.client().get(&format!("/registry/{renewed}")).await.body;
    assert!(entry.contains("運営委員会の決定により登録を更新しました"));
}

/// A control change notice names detailed controls of the registered
/// criteria; it waits in the provider's and IPA's inboxes until the provider
/// submits an audit of the time after it that covers the changed controls;
/// the submission lands in the public remarks.
#[tokio::test]
async fn review_a_control_change_is_answered_by_an_additional_audit() {
    let app = TestApp::start().await;
    let s = setup(&app).await;
    let catalog = kasumi_ismap::sample_catalog();
    let today = tokyo_date(T0);
    let who = csp(s.provider);
    // Valid for about half a year, long enough for a three-month audit.
    let r = registered_service_ago(&app, &s, "そら 会計", 300).await;
    let changed = r.engagement.controls[..2].join(", ");
    let reg = format!("/ismap/registrations/{}", r.registration.id);
    let csp1 = app.signed_in("csp1").await;
    // An objective or a typo is not a control an audit could cover: refused,
    // nothing recorded.
    let before = app.audit_len().await;
    let objective = r.engagement.controls[0]
        .rsplit_once('.')
        .unwrap()
        .0
        .to_string();
    for wrong in [objective.as_str(), "9.9.9.99"] {
        let bad = csp1
            .post(
                &format!("{reg}/change"),
                &reg,
                &[
                    ("kind", "control_change"),
                    ("controls", wrong),
                    ("description", "ログ管理製品の入替"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(
            bad.body.contains("詳細管理策（4桁）ではありません"),
            "{}",
            bad.body
        );
        assert!(bad.body.contains(wrong), "{}", bad.body);
    }
    assert_eq!(app.audit_len().await, before);
    let filed = csp1
        .act(
            &format!("{reg}/change"),
            &reg,
            &[
                ("kind", "control_change"),
                ("controls", &changed),
                ("description", "ログ管理製品の入替"),
            ],
        )
        .await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    assert!(filed.body.contains("要（未提出）"), "{}", filed.body);
    let inbox = csp1.get("/ismap/inbox").await.body;
    assert!(inbox.contains("統制変更の追加監査が未提出です"), "{inbox}");
    assert!(inbox.contains(&format!("{reg}#notice-")), "{inbox}");
    let ipa = app.signed_in("reviewer").await;
    assert!(
        ipa.get("/ismap/inbox")
            .await
            .body
            .contains("統制変更の追加監査が未提出です")
    );
    let notice = filed
        .body
        .split("<tr id=\"notice-")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();

    // The audit the registration rests on predates the change: not offered,
    // and refused when sent anyway, nothing recorded.
    let yearly = r.engagement.id.to_string();
    assert!(
        !filed.body.contains(&format!("value=\"{yearly}\"")),
        "{}",
        filed.body
    );
    assert!(
        filed.body.contains("id=\"change-audit-none\""),
        "{}",
        filed.body
    );
    let before = app.audit_len().await;
    let submit = |eng: String| {
        let (csp1, reg, notice) = (&csp1, &reg, &notice);
        async move {
            csp1.post(
                &format!("{reg}/change-audit"),
                reg,
                &[("notice", notice.as_str()), ("engagement", eng.as_str())],
            )
            .await
        }
    };
    let early = submit(yearly).await;
    assert_eq!(early.status, 422, "{}", early.body);
    assert!(
        early
            .body
            .contains("変更後の運用を対象とした監査を提出してください"),
        "{}",
        early.body
    );
    assert!(early.body.contains("要（未提出）"));
    assert_eq!(app.audit_len().await, before);
    // A malformed id is refused; another provider cannot even see the page.
    assert_eq!(submit("abc".into()).await.status, 422);
    let csp2 = app.signed_in("csp2").await;
    assert_eq!(csp2.get(&reg).await.status, 404);

    // A three-month audit of the changed controls from the day after the notice.
    let mut j = Journey::new(&app.store, &catalog, s.cast).await.unwrap();
    let start = today.checked_add(1.day()).unwrap();
    let end = start
        .checked_add(3.months())
        .unwrap()
        .checked_sub(1.day())
        .unwrap();
    let next = j
        .audit_with(
            &who,
            &r.statement,
            &s.firm,
            AuditScope::Controls(r.engagement.controls[..2].to_vec()),
            AuditPeriod::new(start, end).unwrap(),
            10,
        )
        .await
        .unwrap();
    j.commit(&Actor::system("test"), T0).await.unwrap();
    app.clock.set(T0 + 110 * DAY);
    let csp1 = app.signed_in("csp1").await;
    let page = csp1.get(&reg).await.body;
    assert!(page.contains(&format!("value=\"{}\"", next.id)), "{page}");
    let done = csp1
        .act(
            &format!("{reg}/change-audit"),
            &reg,
            &[
                ("notice", notice.as_str()),
                ("engagement", &next.id.to_string()),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("追加監査を提出しました。"));
    assert!(
        done.body
            .contains(&format!("href=\"/ismap/engagements/{}\"", next.id))
    );
    assert!(
        !done.body.contains("id=\"change-audit\""),
        "no form once answered"
    );
    assert!(
        !csp1
            .get("/ismap/inbox")
            .await
            .body
            .contains("統制変更の追加監査が未提出です")
    );
    let again = csp1
        .post(
            &format!("{reg}/change-audit"),
            &reg,
            &[
                ("notice", notice.as_str()),
                ("engagement", &next.id.to_string()),
            ],
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
    let public = app
        .client()
        .get(&format!("/registry/{}", r.registration.number_text))
        .await
        .body;
    assert!(
        public.contains(&format!("統制変更（{changed}）の追加監査の実施結果報告書")),
        "{public}"
    );
    assert!(app.store.verify_audit().await.unwrap().is_intact());
}

/// IPA returns an application at the acceptance check; the provider sends
/// it again with corrected files and is brought back to the application.
#[tokio::test]
async fn review_a_returned_application_is_resubmitted_with_new_files() {
    let app = TestApp::start().await;
    let s = setup(&app).await;
    let csp1 = app.signed_in("csp1").await;
    let ipa = app.signed_in("reviewer").await;
    let applied = apply_standard(&csp1, &s).await;
    let detail = format!("/ismap/applications/{}", app_id(applied.location));
    // A second application for the same service waits for the first.
    let twice = apply_standard(&csp1, &s).await;
    assert_eq!(twice.status, 409, "{}", twice.body);
    assert!(twice.body.contains("このサービスには処理中の申請"));
    let returned = ipa
        .act(
            &format!("{detail}/return"),
            &detail,
            &[("reason", "報告書の署名頁が欠落")],
        )
        .await;
    assert_eq!(element(&returned.body, "app-status"), "差し戻し");
    let page = csp1.get(&detail).await.body;
    assert!(page.contains("報告書の署名頁が欠落") && page.contains("id=\"resubmit\""));

    // Resubmitting without the audit report is refused and changes nothing.
    let resubmit = format!("{detail}/resubmit");
    let before = app.audit_len().await;
    let r = csp1
        .post_files(&resubmit, &detail, &[("att_statement", "言明書.pdf")])
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(app.audit_len().await, before);

    let r = csp1
        .post_files(
            &resubmit,
            &detail,
            &[
                ("att_statement", "言明書.pdf"),
                ("att_audit_report", "実施結果報告書_署名済.pdf"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let back = csp1.follow(r).await;
    assert!(back.body.contains("申請を再提出しました。"));
    assert_eq!(element(&back.body, "app-status"), "受理確認待ち");
    assert!(back.body.contains("実施結果報告書_署名済.pdf"));
    assert!(ipa.get(&detail).await.body.contains("id=\"accept\""));
}
