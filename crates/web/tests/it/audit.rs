//! The audit pages: the evaluator manages firms, a CSP engages one, the
//! firm's auditor records results with evidence files and issues the report,
//! each seen only by those the lifecycle's visibility rules allow.

use kasumi_core::{OrgKind, Role};
use kasumi_ismap::Kind;
use kasumi_lifecycle::Actor as Who;
use kasumi_lifecycle::dates::tokyo_date;
use kasumi_lifecycle::firm::Firm;
use kasumi_lifecycle::service::{DeploymentModel, ServiceDraft, ServiceModel};
use kasumi_store::Actor;
use kasumi_store::registry::sha256_hex;
use kasumi_web::registry::journey::{Cast, Journey, clean_statement, csp};
use kasumi_web::registry::load_all;

use super::harness::{Client, PASSWORD, Page, T0, TestApp};

/// Posts the result form (multipart, the CSRF token in the URL as the page does).
async fn upload(
    c: &Client,
    eng: i64,
    fields: &[(&str, &str)],
    file: Option<(&str, Vec<u8>)>,
) -> Page {
    let token = c.get(&format!("/ismap/engagements/{eng}")).await.csrf();
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((name, bytes)) = file {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    let res = c
        .http
        .post(format!(
            "{}/ismap/engagements/{eng}/results?csrf_token={token}",
            c.base
        ))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let page = Page {
        status: res.status().as_u16(),
        location: res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string()),
        body: res.text().await.unwrap(),
    };
    // A saved result answers 303 back to the engagement, as for a browser.
    c.follow(page).await
}

fn result_fields(control: &str) -> Vec<(&str, &str)> {
    vec![
        ("control", control),
        ("procedure", "inspection"),
        ("procedure", "inquiry"),
        ("design", "no_exception"),
        ("operating", "exception"),
        ("operating_note", "四半期レビューの記録が1件欠落"),
    ]
}

#[tokio::test]
async fn firms_engagement_results_evidence_and_report() {
    let app = TestApp::start().await;
    let sora = app.org("sora", "sora 株式会社", OrgKind::Csp).await;
    let kumo = app.org("kumo", "kumo 株式会社", OrgKind::Csp).await;
    let umi = app
        .org("umi-audit", "umi-audit 株式会社", OrgKind::AuditFirm)
        .await;
    let yama = app
        .org("yama-audit", "yama-audit 株式会社", OrgKind::AuditFirm)
        .await;
    let jasa = app
        .org("jasa", "jasa 株式会社", OrgKind::AuditEvaluator)
        .await;
    app.user("csp1", sora, Role::Csp).await;
    app.user("csp2", kumo, Role::Csp).await;
    app.user("auditor1", umi, Role::Auditor).await;
    app.user("auditor2", yama, Role::Auditor).await;
    app.user("evaluator", jasa, Role::AuditEvaluator).await;

    // A submitted statement of sora's, made with the real transitions.
    let catalog = kasumi_ismap::sample_catalog();
    let nobody = Who::new(Role::Committee, 0, 0);
    let cast = Cast {
        auditor: nobody,
        evaluator: nobody,
        ipa: nobody,
        committee: nobody,
    };
    let draft = ServiceDraft {
        name: "そら文書管理".into(),
        service_model: ServiceModel::Saas,
        deployment_model: DeploymentModel::Public,
        description: String::new(),
        data_centres: vec!["東京".into()],
        regions: vec!["jp-east".into()],
        built_on: vec![],
    };
    let content = clean_statement(&catalog, &draft, "本番環境", "代表 一郎", &[]);
    let today = tokyo_date(T0);
    let mut j = Journey::new(&app.store, &catalog, cast).await.unwrap();
    let svc = j.add_service(&csp(sora), draft, today).await.unwrap();
    let st = j
        .submit_statement(&csp(sora), &svc, content, today)
        .await
        .unwrap();
    j.commit(&Actor::system("test"), T0).await.unwrap();

    // The evaluator lists two firms; each listing is an audit entry.
    let ev = app.signed_in("evaluator").await;
    assert_eq!(ev.get("/ismap/firms").await.status, 200);
    let before = app.audit_len().await;
    let p = ev
        .act(
            "/ismap/firms",
            "/ismap/firms",
            &[("org", &umi.to_string()), ("name", "うみ監査法人")],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("うみ監査法人") && p.body.contains("掲載中"));
    assert_eq!(app.audit_len().await, before + 1);
    let p = ev
        .act(
            "/ismap/firms",
            "/ismap/firms",
            &[("org", &yama.to_string()), ("name", "やま監査法人")],
        )
        .await;
    assert_eq!(p.status, 200);
    // An organisation that is not an audit firm cannot be listed.
    let p = ev
        .post(
            "/ismap/firms",
            "/ismap/firms",
            &[("org", &sora.to_string()), ("name", "偽")],
        )
        .await;
    assert_eq!(p.status, 422);
    let firms = load_all::<Firm>(&app.store).await.unwrap();
    let firm_of = |org: i64| firms.iter().find(|(f, _)| f.org == org).unwrap().0.id;
    let (umi_firm, yama_firm) = (firm_of(umi), firm_of(yama));

    // Suspension needs a reason; suspended, then re-listed, each audited.
    let path = format!("/ismap/firms/{yama_firm}/suspend");
    let p = ev.post(&path, "/ismap/firms", &[("reason", " ")]).await;
    assert_eq!(p.status, 422);
    let before = app.audit_len().await;
    let p = ev
        .act(&path, "/ismap/firms", &[("reason", "品質管理の不備")])
        .await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("一時停止中") && p.body.contains("品質管理の不備"));
    let p = ev.post(&path, "/ismap/firms", &[("reason", "再度")]).await;
    assert_eq!(p.status, 409, "a suspended firm cannot be suspended again");
    let p = ev
        .act(
            &format!("/ismap/firms/{yama_firm}/relist"),
            "/ismap/firms",
            &[],
        )
        .await;
    assert_eq!(p.status, 200);
    let p = ev
        .act(
            &format!("/ismap/firms/{umi_firm}/evaluations"),
            "/ismap/firms",
            &[
                ("rating", "satisfactory"),
                ("summary", "品質管理体制は良好"),
            ],
        )
        .await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("品質管理体制は良好"));
    assert_eq!(app.audit_len().await, before + 3);

    // yama's auditor declares a relationship with sora; sora cannot engage yama.
    let a2 = app.signed_in("auditor2").await;
    let p = a2
        .act(
            &format!("/ismap/firms/{yama_firm}/relationships"),
            "/ismap/firms",
            &[
                ("csp_org", &sora.to_string()),
                ("description", "コンサルティング契約"),
            ],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    // …cannot list a firm…
    let p = a2
        .post(
            "/ismap/firms",
            "/ismap/firms",
            &[("org", &umi.to_string()), ("name", "x")],
        )
        .await;
    assert_eq!(p.status, 403);
    // …and cannot act on another firm.
    let p = a2
        .post(
            &format!("/ismap/firms/{umi_firm}/relationships"),
            "/ismap/firms",
            &[("csp_org", &sora.to_string()), ("description", "x")],
        )
        .await;
    assert_eq!(p.status, 403);

    let c1 = app.signed_in("csp1").await;
    let sid = st.id;
    assert!(
        c1.get(&format!("/ismap/statements/{sid}"))
            .await
            .body
            .contains("id=\"engage-link\"")
    );
    let engage = format!("/ismap/statements/{sid}/engage");
    assert_eq!(c1.get(&engage).await.status, 200);
    let fields = |firm: i64, start: &'static str, end: &'static str| {
        vec![
            ("firm", firm.to_string()),
            ("start", start.to_string()),
            ("end", end.to_string()),
            ("scope", "full".to_string()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let c1 = &c1;
        let engage = engage.clone();
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            c1.post(&engage, &engage, &f).await
        }
    };
    let p = post(fields(yama_firm, "2025-01-01", "2025-09-30")).await;
    assert_eq!(p.status, 409);
    assert!(p.body.contains("関係を申告しているため"), "{}", p.body);
    let p = post(fields(umi_firm, "2024-01-01", "2025-06-30")).await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("監査期間は1年以内です"), "{}", p.body);
    let p = post(fields(umi_firm, "2025-13-01", "2025-09-30")).await;
    assert_eq!(p.status, 422, "a malformed date is a clear 422");
    assert_eq!(
        c2_status(&app, &engage).await,
        404,
        "another CSP's statement does not exist for it"
    );

    // An additional audit of two controls, its period over.
    let controls: Vec<String> = catalog
        .items
        .iter()
        .filter(|i| i.kind == Some(Kind::Control))
        .take(2)
        .map(|i| i.id.clone())
        .collect();
    let (ca, cb) = (controls[0].as_str(), controls[1].as_str());
    let list = format!("{ca}, {cb}");
    let before = app.audit_len().await;
    let p = c1
        .post(
            &engage,
            &engage,
            &[
                ("firm", &umi_firm.to_string()),
                ("start", "2025-01-01"),
                ("end", "2025-09-30"),
                ("scope", "controls"),
                ("controls", &list),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(app.audit_len().await, before + 1);
    let eng_path = p.location.unwrap();
    let eid: i64 = eng_path.rsplit('/').next().unwrap().parse().unwrap();
    let page = c1.get(&eng_path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("2025-12-30") || page.body.contains("2025-12-31"));
    assert!(
        !page.body.contains("id=\"result-form\""),
        "the CSP records nothing"
    );

    // A period that ended more than three months ago, no report: overdue.
    let p = post(fields(umi_firm, "2025-01-01", "2025-06-30")).await;
    assert_eq!(p.status, 303);
    let late_path = p.location.unwrap();
    let late = c1.get(&late_path).await;
    assert!(late.body.contains("id=\"eng-overdue\""), "{}", late.body);
    assert!(!page.body.contains("id=\"eng-overdue\""));

    // The provider withdraws that one; the firm's auditor may not, nor twice.
    assert!(late.body.contains("id=\"cancel\""));
    let cancel = format!("{late_path}/cancel");
    let a1 = app.signed_in("auditor1").await;
    let p = a1.act(&cancel, &late_path, &[]).await;
    assert_eq!(p.status, 403, "{}", p.body);
    let before = app.audit_len().await;
    let p = c1.act(&cancel, &late_path, &[]).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("監査依頼を取り下げました。"));
    assert!(!p.body.contains("id=\"cancel\""));
    assert_eq!(app.audit_len().await, before + 1);
    let p = c1.post(&cancel, &late_path, &[]).await;
    assert_eq!(p.status, 409);
    // A link cannot make an error text pass for this page's success message.
    let crafted = c1
        .get(&format!("{late_path}?done=audit-evidence-refused-type"))
        .await;
    assert_eq!(crafted.status, 200);
    assert!(
        !crafted.body.contains("role=\"status\""),
        "{}",
        crafted.body
    );
    assert!(!a1.get(&late_path).await.body.contains("id=\"result-form\""));

    // Who sees the engagement.
    assert_eq!(a1.get(&eng_path).await.status, 200);
    assert_eq!(a2.get(&eng_path).await.status, 404);
    assert!(!a2.get("/ismap/engagements").await.body.contains(&eng_path));
    assert_eq!(c2_status(&app, &eng_path).await, 404);
    let c2 = app.signed_in("csp2").await;
    assert!(!c2.get("/ismap/engagements").await.body.contains(&eng_path));
    assert!(c1.get("/ismap/engagements").await.body.contains(&eng_path));
    let ipa = app.signed_in("reviewer").await;
    assert_eq!(
        ipa.get(&eng_path).await.status,
        404,
        "IPA sees it once reported"
    );
    // An id that is not a number names nothing: the 404 page, in Japanese.
    for path in [
        "/ismap/engagements/abc",
        "/ismap/statements/1x/engage",
        "/exercises/x",
    ] {
        let p = a1.get(path).await;
        assert_eq!(p.status, 404, "{path}");
        assert!(
            p.body.contains("お探しのページは見つかりません。"),
            "{path}"
        );
    }

    // The auditor records a result with evidence and downloads it back.
    let evidence = b"%PDF-1.7\n\x00\x01 access review 2025-Q3 \xe2\x9c\x93".to_vec();
    let sha = sha256_hex(&evidence);
    let before = app.audit_len().await;
    let p = upload(
        &a1,
        eid,
        &result_fields(ca),
        Some(("アクセスレビュー.pdf", evidence.clone())),
    )
    .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains(&sha), "the SHA-256 is shown");
    assert!(p.body.contains("四半期レビューの記録が1件欠落"));
    assert_eq!(app.audit_len().await, before + 1);
    let res = a1
        .http
        .get(format!(
            "{}/ismap/engagements/{eid}/evidence/{sha}",
            a1.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().to_vec(), evidence);
    let res = c1
        .http
        .get(format!(
            "{}/ismap/engagements/{eid}/evidence/{sha}",
            c1.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the CSP sees its evidence too");
    let other = format!("/ismap/engagements/{eid}/evidence/{sha}");
    assert_eq!(a2.get(&other).await.status, 404);
    let missing = format!("/ismap/engagements/{eid}/evidence/{}", "0".repeat(64));
    assert_eq!(a1.get(&missing).await.status, 404);

    // Over the limit, or an executable: refused, nothing stored.
    let before = app.audit_len().await;
    let big = vec![b'a'; kasumi_web::AppConfig::default().evidence_max_bytes + 1];
    let big_sha = sha256_hex(&big);
    let p = upload(&a1, eid, &result_fields(cb), Some(("big.pdf", big))).await;
    assert_eq!(p.status, 413);
    assert!(p.body.contains("証跡ファイルが大きすぎます"), "{}", p.body);
    let p = upload(
        &a1,
        eid,
        &result_fields(cb),
        Some(("report.pdf", b"MZ\x90\x00 this is a PE".to_vec())),
    )
    .await;
    assert_eq!(p.status, 422);
    assert!(
        p.body.contains("実行ファイルまたはスクリプト"),
        "{}",
        p.body
    );
    let p = upload(&a1, eid, &[("control", cb)], None).await;
    assert_eq!(p.status, 422, "procedures and results are required");
    assert_eq!(app.audit_len().await, before);
    assert!(
        app.store
            .registry_file("engagement", eid, &big_sha)
            .await
            .unwrap()
            .is_none()
    );
    assert!(!a1.get(&eng_path).await.body.contains(&big_sha));

    // The CSP cannot record; the report needs every result first.
    let p = upload(&c1, eid, &result_fields(cb), None).await;
    assert_eq!(p.status, 403);
    let report = format!("/ismap/engagements/{eid}/report");
    let p = a1
        .act(&report, &report, &[("summary", "手続を実施した。")])
        .await;
    assert_eq!(p.status, 409);
    assert!(p.body.contains(cb), "names the control without a result");
    let p = upload(&a1, eid, &result_fields(cb), None).await;
    assert_eq!(p.status, 200);

    let json = format!("/ismap/engagements/{eid}/assessment-results.json");
    assert_eq!(
        a1.get(&json).await.status,
        409,
        "no export before the report"
    );
    let before = app.audit_len().await;
    let p = a1
        .act(
            &report,
            &report,
            &[("summary", "合意された手続を実施した。")],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(app.audit_len().await, before + 1);
    let printable = c1.get(&report).await;
    assert_eq!(printable.status, 200);
    assert!(printable.body.contains("実施結果報告書"));
    assert!(printable.body.contains("id=\"report-issued\""));
    assert!(printable.body.contains(ca) && printable.body.contains(&sha));
    let doc = ipa.get(&json).await;
    assert_eq!(doc.status, 200, "IPA sees a reported engagement");
    let v: serde_json::Value = serde_json::from_str(&doc.body).unwrap();
    assert!(v.get("assessment-results").is_some());
    assert!(doc.body.contains(ca) && doc.body.contains(cb) && doc.body.contains(&sha));
    assert!(doc.body.contains("四半期レビューの記録が1件欠落"));

    // The report reads in English too.
    let en = app.client();
    en.post("/lang", "/", &[("lang", "en"), ("back", "/")])
        .await;
    en.login("csp1", PASSWORD).await;
    let printable = en.get(&report).await.body;
    assert!(printable.contains("Issued on") && printable.contains("Operating effectiveness"));

    // Closed: no more results.
    let p = upload(&a1, eid, &result_fields(ca), None).await;
    assert_eq!(p.status, 409);
}

async fn c2_status(app: &TestApp, path: &str) -> u16 {
    app.signed_in("csp2").await.get(path).await.status
}
