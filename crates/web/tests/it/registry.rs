//! The public cloud service list: services taken through the real lifecycle
//! transitions, persisted, then read back as the public sees them.

use jiff::ToSpan;
use kasumi_core::{OrgKind, Role};
use kasumi_lifecycle::Actor as Who;
use kasumi_lifecycle::changes::ChangeKind;
use kasumi_lifecycle::dates::tokyo_date;
use kasumi_lifecycle::service::{DeploymentModel, ServiceDraft, ServiceModel};
use kasumi_store::Actor;
use kasumi_web::registry::journey::{Cast, Journey, clean_statement, csp};

use super::harness::{T0, TestApp};

struct Seeded {
    /// Registered, with a region added later.
    plain: String,
    /// Registered, then suspended.
    suspended: String,
    /// IaaS, registered.
    iaas: String,
}

fn draft(name: &str, model: ServiceModel) -> ServiceDraft {
    ServiceDraft {
        name: name.into(),
        service_model: model,
        deployment_model: DeploymentModel::Public,
        description: String::new(),
        data_centres: vec!["東京".into()],
        regions: vec!["jp-east".into()],
        built_on: vec![],
    }
}

async fn seed(app: &TestApp) -> Seeded {
    let provider = app
        .org("sora-cloud", "そらクラウド株式会社", OrgKind::Csp)
        .await;
    let firm_org = app
        .org("umi-audit", "うみ監査法人", OrgKind::AuditFirm)
        .await;
    let ipa = app.store.org_by_code("ipa").await.unwrap().unwrap().id;
    let committee = app
        .store
        .org_by_code("committee")
        .await
        .unwrap()
        .unwrap()
        .id;
    let catalog = kasumi_ismap::sample_catalog();
    let cast = Cast {
        auditor: Who::new(Role::Auditor, firm_org, 0),
        evaluator: Who::new(Role::AuditEvaluator, 0, 0),
        ipa: Who::new(Role::IpaReviewer, ipa, 0),
        committee: Who::new(Role::Committee, committee, 0),
    };
    let today = tokyo_date(T0);
    let ago = |days: i64| today.checked_sub(days.days()).unwrap();
    let actor = Actor::system("test");
    let who = csp(provider);
    let mut j = Journey::new(&app.store, &catalog, cast).await.unwrap();
    let firm = j
        .list_firm(firm_org, "うみ監査法人", ago(1000))
        .await
        .unwrap();
    j.commit(&actor, T0).await.unwrap();

    let mut regs = Vec::new();
    for (name, model, audit_end) in [
        ("そら IaaS", ServiceModel::Iaas, 300),
        ("そら 停止予定", ServiceModel::Saas, 250),
        ("そら 取消予定", ServiceModel::Saas, 200),
        ("そら 文書管理", ServiceModel::Saas, 100),
    ] {
        let d = draft(name, model);
        let content = clean_statement(&catalog, &d, "本番環境", "代表 一郎", &[]);
        let svc = j.add_service(&who, d, ago(audit_end + 450)).await.unwrap();
        let r = j
            .register(&who, &svc, &firm, content, ago(audit_end))
            .await
            .unwrap();
        j.commit(&actor, T0).await.unwrap();
        regs.push(r);
    }
    let mut plain = regs.pop().unwrap();
    let mut revoked = regs.pop().unwrap();
    let mut suspended = regs.pop().unwrap();
    let iaas = regs.pop().unwrap();
    j.change_notice(
        &who,
        &mut plain,
        ChangeKind::RegionAdded {
            region: "jp-west".into(),
        },
        "西日本リージョンを追加",
        ago(5),
    )
    .await
    .unwrap();
    j.suspend(&mut suspended, "確報の未提出", ago(3)).unwrap();
    j.revoke(&mut revoked, "虚偽の言明", ago(2)).unwrap();
    j.commit(&actor, T0).await.unwrap();

    // An application under review never appears.
    let d = draft("そら 審査中", ServiceModel::Saas);
    let content = clean_statement(&catalog, &d, "本番環境", "代表 一郎", &[]);
    let svc = j.add_service(&who, d, ago(500)).await.unwrap();
    j.apply_only(&who, &svc, &firm, content, ago(60))
        .await
        .unwrap();
    j.commit(&actor, T0).await.unwrap();

    Seeded {
        plain: plain.registration.number_text,
        suspended: suspended.registration.number_text,
        iaas: iaas.registration.number_text,
    }
}

#[tokio::test]
async fn the_public_list_shows_only_listed_registrations() {
    let app = TestApp::start().await;
    let s = seed(&app).await;
    let web = app.client();

    let list = web.get("/registry").await;
    assert_eq!(list.status, 200);
    for n in [&s.plain, &s.suspended, &s.iaas] {
        assert!(list.body.contains(n.as_str()), "{n} listed");
    }
    assert!(list.body.contains("そらクラウド株式会社"), "provider name");
    assert!(list.body.contains("うみ監査法人"), "audit firm");
    assert!(list.body.contains("一時停止中"), "suspended status");
    assert!(
        list.body.contains("西日本リージョンを追加"),
        "latest remark"
    );
    for hidden in ["そら 取消予定", "そら 審査中"] {
        assert!(!list.body.contains(hidden), "{hidden} must not be listed");
    }
    assert_eq!(list.body.matches("<tr class=\"status-").count(), 3);

    // Filters and sorting.
    let iaas = web.get("/registry?model=iaas").await;
    assert_eq!(iaas.body.matches("<tr class=\"status-").count(), 1);
    assert!(iaas.body.contains(s.iaas.as_str()));
    let sus = web.get("/registry?status=suspended").await;
    assert_eq!(sus.body.matches("<tr class=\"status-").count(), 1);
    assert!(sus.body.contains(s.suspended.as_str()));
    let text = web.get("/registry?q=%E6%96%87%E6%9B%B8").await; // 文書
    assert_eq!(text.body.matches("<tr class=\"status-").count(), 1);
    assert!(text.body.contains(s.plain.as_str()));
    let by_valid = web.get("/registry?sort=valid").await.body;
    let pos = |n: &str| by_valid.find(n).unwrap();
    assert!(pos(&s.iaas) < pos(&s.suspended) && pos(&s.suspended) < pos(&s.plain));

    // The entry page with its remarks history, newest first.
    let detail = web.get(&format!("/registry/{}", s.plain)).await;
    assert_eq!(detail.status, 200);
    let region = detail.body.find("西日本リージョンを追加").unwrap();
    let registered = detail.body.find("運営委員会").unwrap_or(usize::MAX);
    assert!(region < registered, "newest remark first");
    assert!(detail.body.contains("リージョン追加"));
    assert_eq!(web.get("/registry/C99-9999-1").await.status, 404);

    // English.
    let en = app.client();
    en.post("/lang", "/", &[("lang", "en"), ("back", "/registry")])
        .await;
    let list_en = en.get("/registry").await.body;
    assert!(list_en.contains("ISMAP cloud service list") && list_en.contains("Suspended"));
}

#[tokio::test]
async fn downloads_api_and_feed() {
    let app = TestApp::start().await;
    let s = seed(&app).await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(app.url(path)).send();

    let csv = get("/registry.csv").await.unwrap();
    assert_eq!(csv.status(), 200);
    assert_eq!(
        csv.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let text = csv.text().await.unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("登録番号,クラウドサービス事業者,クラウドサービス名"));
    assert!(lines[1].starts_with(s.iaas.as_str()), "sorted by number");
    assert!(!text.contains("取消予定"));
    let filtered = get("/registry.csv?model=iaas")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(filtered.lines().count(), 2);

    let xlsx = get("/registry.xlsx").await.unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));

    let api: serde_json::Value = get("/api/v1/registry").await.unwrap().json().await.unwrap();
    assert_eq!(api["count"], 3);
    assert_eq!(api["date"], tokyo_date(T0).to_string());
    let first = &api["registrations"][0];
    assert_eq!(first["number"], s.iaas.as_str());
    assert_eq!(first["service_model"], "iaas");
    assert_eq!(first["provider"], "そらクラウド株式会社");
    assert_eq!(first["audit_firm"], "うみ監査法人");
    assert_eq!(first["status"], "registered");
    assert_eq!(first["latest_remark"]["kind"], "registered");
    let one: serde_json::Value = get(&format!("/api/v1/registry/{}", s.plain))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = one["remarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["registered", "region_added"]);
    assert_eq!(one["regions"], serde_json::json!(["jp-east", "jp-west"]));
    let missing = get("/api/v1/registry/C99-9999-1").await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let body: serde_json::Value = missing.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("C99-9999-1"));

    let feed = get("/registry/feed.atom").await.unwrap();
    assert_eq!(
        feed.headers()["content-type"].to_str().unwrap(),
        "application/atom+xml; charset=utf-8"
    );
    let xml = feed.text().await.unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
    assert!(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    let entries: Vec<&str> = xml.split("<entry>").skip(1).collect();
    // Four registrations, a region, a suspension, a revocation.
    assert_eq!(entries.len(), 7, "{xml}");
    for e in &entries {
        for tag in ["<id>", "<title>", "<updated>", "<link href=\"http://"] {
            assert!(e.contains(tag), "{tag} in {e}");
        }
    }
    let updated: Vec<&str> = entries
        .iter()
        .map(|e| {
            e.split("<updated>")
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
        })
        .collect();
    let mut sorted = updated.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(updated, sorted, "newest first");
    assert!(updated.iter().all(|u| u.parse::<jiff::Timestamp>().is_ok()));
    assert!(entries[0].contains("虚偽の言明"));
    assert!(
        entries[0].contains("/registry\"/>"),
        "a revoked entry links to the list"
    );
}

#[test]
fn every_status_model_and_remark_has_a_label_in_both_languages() {
    use kasumi_core::Lang;
    use kasumi_lifecycle::RemarkKind as K;
    use kasumi_lifecycle::registration::RegistrationStatus as S;
    let mut keys: Vec<String> = [
        S::Registered,
        S::RenewalPending,
        S::Expired,
        S::Suspended,
        S::Revoked,
        S::Deleted,
    ]
    .iter()
    .map(|s| format!("registry-status-{}", s.code()))
    .collect();
    keys.extend(
        [
            K::Registered,
            K::RenewalApplied,
            K::Renewed,
            K::RenewalRejected,
            K::Expired,
            K::ChangeNotice,
            K::ControlChange,
            K::AdditionalAudit,
            K::RegionAdded,
            K::IncidentFlash,
            K::IncidentConfirmed,
            K::Suspended,
            K::Reinstated,
            K::Revoked,
            K::Deleted,
        ]
        .iter()
        .map(|k| format!("registry-remark-{}", k.code())),
    );
    keys.extend(["iaas", "paas", "saas"].map(|m| format!("registry-model-{m}")));
    keys.extend(["number", "registered", "valid"].map(|s| format!("registry-sort-{s}")));
    for lang in Lang::ALL {
        let tr = kasumi_web::i18n::Tr::new(lang);
        for k in &keys {
            assert_ne!(&tr.t(k), k, "{k} in {lang:?}");
        }
    }
}

#[tokio::test]
async fn a_transition_on_a_stale_record_is_refused_and_the_trail_holds() {
    use kasumi_lifecycle::registration::{Registration, suspend_registration};
    use kasumi_web::registry::{Ledger, RegistryError, load_all};
    let app = TestApp::start().await;
    let s = seed(&app).await;
    let (reg, rev) = load_all::<Registration>(&app.store)
        .await
        .unwrap()
        .into_iter()
        .find(|(r, _)| r.number_text == s.plain)
        .unwrap();
    let committee = app
        .store
        .org_by_code("committee")
        .await
        .unwrap()
        .unwrap()
        .id;
    let who = Who::new(Role::Committee, committee, 0);
    let actor = Actor::system("test");
    // Two people act on the same revision: the first wins, the second is told.
    let mut ledgers = Vec::new();
    for reason in ["一人目", "二人目"] {
        let out = suspend_registration(&who, &reg, reason, T0).unwrap();
        let mut l = Ledger::new();
        l.read_at(&reg, rev);
        l.put(&out.state);
        l.events(out.events);
        ledgers.push(l);
    }
    let before = app.audit_len().await;
    ledgers[0].commit(&app.store, &actor, T0).await.unwrap();
    assert_eq!(app.audit_len().await, before + 1);
    let second = ledgers[1].commit(&app.store, &actor, T0).await;
    assert!(
        matches!(
            second,
            Err(RegistryError::Store(
                kasumi_store::StoreError::Conflict { .. }
            ))
        ),
        "{second:?}"
    );
    assert_eq!(app.audit_len().await, before + 1);
    let remarks = kasumi_web::registry::remarks(&app.store, reg.service_id)
        .await
        .unwrap();
    assert!(remarks.last().unwrap().ja.contains("一人目"));
    assert!(remarks.iter().all(|r| !r.ja.contains("二人目")));
    assert!(app.store.verify_audit().await.unwrap().is_intact());
}

#[tokio::test]
async fn a_statement_is_checked_on_the_web_with_every_violation_named() {
    use super::harness::PASSWORD;
    let app = TestApp::start().await;
    let example = include_str!("../../../lifecycle/tests/statement-example.json");

    let anonymous = app.client();
    assert_eq!(anonymous.get("/ismap/lint").await.status, 401);
    let trainee = app.client();
    trainee.login("trainee", PASSWORD).await;
    assert_eq!(trainee.get("/ismap/lint").await.status, 403);

    let reviewer = app.client();
    reviewer.login("reviewer", PASSWORD).await;
    let form = reviewer.get("/ismap/lint").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("言明書のチェック"));
    let check = |statement: String| {
        let reviewer = &reviewer;
        async move {
            reviewer
                .post(
                    "/ismap/lint",
                    "/ismap/lint",
                    &[("catalog", "SAMPLE-1"), ("statement", &statement)],
                )
                .await
        }
    };
    let clean = check(example.to_string()).await;
    assert_eq!(clean.status, 200, "{}", clean.body);
    assert!(clean.body.contains("id=\"lint-clean\""), "{}", clean.body);

    // No governance owner: the field is named.
    let mut broken: serde_json::Value = serde_json::from_str(example).unwrap();
    broken["governance_owner"]["name"] = "".into();
    let found = check(broken.to_string()).await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains("id=\"violations\""));
    assert!(
        found.body.contains("governance_owner.name"),
        "{}",
        found.body
    );
    assert!(
        found.body.contains("違反が 1 件あります。"),
        "{}",
        found.body
    );

    let bad = check("{\n  \"scope\": ".into()).await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("言明書を JSON として読めません（2 行"),
        "{}",
        bad.body
    );
    let empty = check(" ".into()).await;
    assert_eq!(empty.status, 422);
    assert!(
        empty
            .body
            .contains("「言明書（JSON）」を入力してください。")
    );
}

/// A CSP organisation `code` with one account `login` (password [`PASSWORD`]).
async fn csp_account(app: &TestApp, code: &str, login: &str) {
    let org = app
        .org(code, &format!("{code} 株式会社"), OrgKind::Csp)
        .await;
    app.user(login, org, Role::Csp).await;
}

#[tokio::test]
async fn a_csp_drafts_a_statement_fixes_its_violations_and_submits_it() {
    use super::harness::PASSWORD;
    let app = TestApp::start().await;
    csp_account(&app, "csp-a", "csp-a").await;
    csp_account(&app, "csp-b", "csp-b").await;
    let example = include_str!("../../../lifecycle/tests/statement-example.json");

    let a = app.client();
    a.login("csp-a", PASSWORD).await;
    let made = a
        .post(
            "/ismap/services",
            "/ismap/services",
            &[
                ("name", "さくらストレージ"),
                ("model", "paas"),
                ("deployment", "public"),
                ("description", "オブジェクトストレージ"),
                ("data_centres", "東京, 大阪"),
                ("regions", "jp-east-1, jp-west-1"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let service_url = made.location.unwrap();
    let service_page = a.get(&service_url).await;
    assert!(service_page.body.contains("さくらストレージ"));
    assert!(service_page.body.contains("jp-east-1, jp-west-1"));

    // A draft with a violation: the page names it, and submitting is refused with nothing changed.
    let mut broken: serde_json::Value = serde_json::from_str(example).unwrap();
    broken["governance_owner"]["name"] = "".into();
    let drafted = a
        .post(
            &format!("{service_url}/statements"),
            &service_url,
            &[("content", &broken.to_string())],
        )
        .await;
    assert_eq!(drafted.status, 303, "{}", drafted.body);
    let statement_url = drafted.location.unwrap();
    let page = a.get(&statement_url).await;
    assert!(page.body.contains("governance_owner.name"), "{}", page.body);
    assert!(page.body.contains("違反が 1 件あります。"));
    let before = app.audit_len().await;
    let refused = a
        .post(&format!("{statement_url}/submit"), &statement_url, &[])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("id=\"statement-status\">下書き"));
    assert_eq!(
        app.audit_len().await,
        before,
        "a refused submission records nothing"
    );

    // Unreadable JSON is explained and the draft keeps its last good content.
    let bad = a
        .post(
            &statement_url,
            &statement_url,
            &[("content", "{\"scope\": ")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("言明書を JSON として読めません（1 行"));

    // Another provider sees neither the service nor the draft.
    let b = app.client();
    b.login("csp-b", PASSWORD).await;
    assert_eq!(b.get(&service_url).await.status, 404);
    assert_eq!(b.get(&statement_url).await.status, 404);
    assert!(
        !b.get("/ismap/services")
            .await
            .body
            .contains("さくらストレージ")
    );
    let trainee = app.client();
    trainee.login("trainee", PASSWORD).await;
    assert_eq!(trainee.get("/ismap/services").await.status, 403);

    // Fixed, saved, checked clean, submitted, then frozen.
    let saved = a
        .act(&statement_url, &statement_url, &[("content", example)])
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("id=\"lint-clean\""));
    let submitted = a
        .act(&format!("{statement_url}/submit"), &statement_url, &[])
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    assert!(submitted.body.contains("言明書を提出しました。"));
    assert!(submitted.body.contains("id=\"statement-status\">提出済み"));
    assert!(!submitted.body.contains("id=\"statement-edit\""));
    let again = a
        .post(&statement_url, &statement_url, &[("content", example)])
        .await;
    assert_eq!(again.status, 409, "a submitted statement is frozen");
    assert!(app.audit_len().await > before);
    assert!(app.store.verify_audit().await.unwrap().is_intact());
}

#[tokio::test]
async fn the_cached_list_follows_every_change() {
    let app = TestApp::start().await;
    let anyone = app.client();
    let count = async || {
        let page = anyone.get("/api/v1/registry").await;
        assert_eq!(page.status, 200);
        let v: serde_json::Value = serde_json::from_str(&page.body).unwrap();
        v["count"].as_u64().unwrap()
    };
    assert_eq!(count().await, 0);
    assert_eq!(count().await, 0, "served from the cache");
    let seeded = seed(&app).await;
    assert!(
        count().await >= 3,
        "the registrations made since are listed"
    );
    let body = anyone.get("/api/v1/registry").await.body;
    assert!(body.contains(&seeded.plain) && body.contains(&seeded.iaas));
    // Filters are applied to the cached list, not cached themselves.
    let saas = anyone.get("/api/v1/registry?model=saas").await.body;
    assert!(!saas.contains(&seeded.iaas));
}
