//! The control criteria over HTTP: public reading and search, edits and imports
//! for the secretariat and administrators only, all or nothing.

use super::harness::{PASSWORD, TestApp};

#[tokio::test]
async fn anyone_browses_and_searches_the_sample_in_japanese_and_english() {
    let app = TestApp::start().await;
    let c = app.client();
    let index = c.get("/catalog").await;
    assert_eq!(index.status, 200);
    assert!(index.body.contains("SAMPLE-1") && index.body.contains("サンプル"));

    let tree = c.get("/catalog/SAMPLE-1").await;
    assert_eq!(tree.status, 200);
    for part in ["ガバナンス基準", "マネジメント基準", "管理策基準"] {
        assert!(tree.body.contains(part), "{part}");
    }
    assert!(
        tree.body
            .contains("この版はサンプルです。公式の管理基準ではありません。")
    );

    // Two-character Japanese words match, ranked, highlighted.
    let hits = c.get("/catalog/SAMPLE-1?q=%E8%B3%87%E7%94%A3").await; // 資産
    assert!(hits.body.contains("<mark>資産</mark>"));
    let first_hits: Vec<&str> = hits
        .body
        .match_indices("class=\"hit-id\">")
        .map(|(i, m)| {
            let rest = &hits.body[i + m.len()..];
            &rest[..rest.find('<').unwrap()]
        })
        .take(3)
        .collect();
    assert!(
        first_hits.contains(&"8.1.2"),
        "8.1.2 ranks in the top three: {first_hits:?}"
    );
    let kanri = c.get("/catalog/SAMPLE-1?q=%E7%AE%A1%E7%90%86").await; // 管理
    assert!(kanri.body.contains("<mark>管理</mark>"));
    let none = c.get("/catalog/SAMPLE-1?q=zzqqxx").await;
    assert!(none.body.contains("「zzqqxx」に一致する項目はありません。"));

    // Filters keep only criteria with the flag.
    let liu = c.get("/catalog/SAMPLE-1?liu=1").await;
    assert!(liu.body.contains("LIU 重要"));
    assert!(
        !liu.body.contains(">8.1.2.1<"),
        "8.1.2.1 is not LIU-critical"
    );

    c.post("/lang", "/catalog", &[("lang", "en"), ("back", "/catalog")])
        .await;
    let en = c.get("/catalog/SAMPLE-1?q=asset").await;
    assert!(
        en.body.contains("results for &#34;asset&#34;")
            || en.body.contains("results for \"asset\""),
        "{}",
        en.body
    );
    assert!(
        en.body.to_lowercase().contains("<mark>asset"),
        "{}",
        en.body
    );
}

#[tokio::test]
async fn an_item_page_shows_both_languages_parent_and_children() {
    let app = TestApp::start().await;
    let c = app.client();
    let p = c.get("/catalog/SAMPLE-1/items/8.1.2").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("目録の中で維持される資産は、管理する。"));
    assert!(p.body.contains("統制目標（3 桁）"));
    for child in 1..=6 {
        assert!(
            p.body.contains(&format!(">8.1.2.{child}</a>")),
            "child 8.1.2.{child}"
        );
    }
    assert!(p.body.contains("id=\"parent-link\">8.1 "));
    assert!(!p.body.contains("edit-link"), "no edit link for the public");
    let child = c.get("/catalog/SAMPLE-1/items/8.1.2.1").await;
    assert!(child.body.contains(
        "資産の管理責任を時機を失せずに割り当てることを確実にするためのプロセスにおいて"
    ));

    let missing = c.get("/catalog/SAMPLE-1/items/99.9").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("項目「99.9」はこの版にありません。"));
    let nover = c.get("/catalog/NOPE").await;
    assert_eq!(nover.status, 404);
    assert!(
        nover
            .body
            .contains("管理基準の版「NOPE」は見つかりません。")
    );
}

#[tokio::test]
async fn only_the_secretariat_and_admins_edit_and_every_edit_is_audited() {
    let app = TestApp::start().await;
    let anon = app.client();
    assert_eq!(
        anon.get("/catalog/SAMPLE-1/items/8.1.2.5/edit")
            .await
            .status,
        401
    );
    let trainee = app.client();
    trainee.login("trainee", PASSWORD).await;
    assert_eq!(
        trainee
            .get("/catalog/SAMPLE-1/items/8.1.2.5/edit")
            .await
            .status,
        403
    );
    let refused = trainee
        .post(
            "/catalog/SAMPLE-1/items/8.1.2.5/edit",
            "/catalog",
            &[("revision", "1"), ("text_ja", "x")],
        )
        .await;
    assert_eq!(refused.status, 403);

    let sec = app.client();
    sec.login("secretary", PASSWORD).await;
    let form = sec.get("/catalog/SAMPLE-1/items/8.1.2.5/edit").await;
    assert_eq!(form.status, 200);
    let item = sec.get("/catalog/SAMPLE-1/items/8.1.2.5").await;
    assert!(item.body.contains("edit-link"));

    let before = app.audit_len().await;
    // An objective's text may not be emptied: refused with the reason, nothing saved.
    let bad = sec
        .post(
            "/catalog/SAMPLE-1/items/8.1.2/edit",
            "/catalog/SAMPLE-1/items/8.1.2/edit",
            &[
                ("revision", "1"),
                ("title_ja", "資産の管理責任"),
                ("text_ja", ""),
                ("mandatory", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("保存できません"));
    assert_eq!(app.audit_len().await, before);

    let fields = [
        ("revision", "1"),
        ("title_ja", "定期的なレビュー"),
        ("title_en", "Periodic review"),
        (
            "text_ja",
            "資産の管理責任者は、アクセス制限を四半期ごとにレビューする。",
        ),
        (
            "text_en",
            "The asset owner reviews access restrictions every quarter.",
        ),
        ("liu_critical", "1"),
    ];
    let saved = sec
        .post(
            "/catalog/SAMPLE-1/items/8.1.2.5/edit",
            "/catalog/SAMPLE-1/items/8.1.2.5/edit",
            &fields,
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = sec.get(saved.location.as_deref().unwrap()).await;
    assert!(page.body.contains("項目 8.1.2.5 を保存しました。"));
    assert!(page.body.contains("四半期ごとにレビューする"));
    let entry = &app.store.audit_entries(None, 1).await.unwrap()[0];
    assert_eq!(
        (
            entry.action.as_str(),
            entry.object.as_str(),
            entry.actor.as_str()
        ),
        ("catalog.edit", "catalog:SAMPLE-1", "user:secretary")
    );
    assert!(entry.payload.contains("text_ja") && entry.payload.contains("liu_critical"));

    // Another edit made from the old revision is a conflict, not a lost update.
    let mut late = fields;
    late[3] = ("text_ja", "古い画面からの編集");
    let stale = sec
        .post(
            "/catalog/SAMPLE-1/items/8.1.2.5/edit",
            "/catalog/SAMPLE-1/items/8.1.2.5/edit",
            &late,
        )
        .await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("他の人が先に変更しました"));
    // Search sees the edit at once.
    let hits = anon
        .get("/catalog/SAMPLE-1?q=%E5%9B%9B%E5%8D%8A%E6%9C%9F")
        .await; // 四半期
    assert!(hits.body.contains(">8.1.2.5</a>"), "{}", hits.body);
}

#[tokio::test]
async fn a_bad_file_is_rejected_whole_with_every_problem_and_a_good_one_lands() {
    let app = TestApp::start().await;
    let admin = app.client();
    admin.login("admin", PASSWORD).await;
    let before = (
        app.audit_len().await,
        app.store.list_catalogs().await.unwrap().len(),
    );

    let csv = "id,title_ja,text_ja,mandatory\n8,第8章,,\n8.1,節,,\n8.1.2,目標,本文,\n8.1.2.1,,詳細,たぶん\n8.1.2.1,,重複,no\n9.9.9.9,,親なし,no\n";
    let p = admin
        .upload(
            "bad.csv",
            csv.as_bytes().to_vec(),
            &[
                ("id", "T-1"),
                ("title_ja", "試験"),
                ("issued", "2026-04-01"),
            ],
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("ファイル「bad.csv」は取り込めませんでした"));
    let problems = &p.body[p.body.find("import-problems").expect("problems listed")..];
    let problems = &problems[..problems.find("</ul>").unwrap()];
    for expected in [
        "bad.csv 5行目 D:mandatory列: 「mandatory」の値「たぶん」は不明です",
        "bad.csv 6行目 A:id列: 番号「8.1.2.1」が重複しています（最初は 5 行目）",
        "bad.csv 7行目 A:id列: 「9.9.9.9」の親「9.9.9」がありません",
    ] {
        assert!(problems.contains(expected), "{expected} in {problems}");
    }
    assert_eq!(problems.matches("<li>").count(), 3, "{problems}");
    assert_eq!(
        (
            app.audit_len().await,
            app.store.list_catalogs().await.unwrap().len()
        ),
        before
    );

    let no_version = admin
        .upload("c.csv", b"id,title_ja,text_ja,mandatory\n".to_vec(), &[])
        .await;
    assert_eq!(no_version.status, 422);
    assert!(no_version.body.contains("CSV には版の情報がありません"));

    let xlsx = kasumi_web::catalogs::export(
        &kasumi_ismap::sample_catalog(),
        kasumi_web::catalogs::Format::Xlsx,
    )
    .unwrap();
    let dup = admin.upload("sample.xlsx", xlsx.clone(), &[]).await;
    assert_eq!(dup.status, 409);
    let ok = admin
        .upload("sample.xlsx", xlsx, &[("id", "SAMPLE-COPY")])
        .await;
    assert_eq!(
        (ok.status, ok.location.as_deref()),
        (303, Some("/catalog?imported=SAMPLE-COPY"))
    );
    let listed = admin.get("/catalog?imported=SAMPLE-COPY").await;
    assert!(
        listed
            .body
            .contains("版 SAMPLE-COPY を取り込みました（50 項目）。"),
        "{}",
        listed.body
    );
    let d = admin.get("/catalog/diff?a=SAMPLE-1&b=SAMPLE-COPY").await;
    assert!(d.body.contains("追加 0 件、削除 0 件、変更 0 件"));

    // Uploads need the token too, and an admin role.
    let token_less = admin
        .http
        .post(format!("{}/catalog/import", admin.base))
        .multipart(reqwest::multipart::Form::new().text("id", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(token_less.status(), 403);
    let trainee = app.client();
    trainee.login("trainee", PASSWORD).await;
    assert_eq!(
        trainee.upload("x.csv", b"id\n".to_vec(), &[]).await.status,
        403
    );
}

#[tokio::test]
async fn exports_round_trip() {
    let app = TestApp::start().await;
    let c = app.client();
    for (format, ctype) in [
        ("json", "application/json"),
        ("csv", "text/csv"),
        ("xlsx", "spreadsheetml"),
    ] {
        let res = c
            .http
            .get(app.url(&format!("/catalog/SAMPLE-1/export/{format}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{format}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains(ctype)
        );
        assert!(
            res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("attachment")
        );
        let bytes = res.bytes().await.unwrap();
        let version = kasumi_ismap::sample_catalog().version;
        let back = kasumi_web::catalogs::parse_file(&format!("x.{format}"), &bytes, Some(version))
            .unwrap();
        assert_eq!(back.items.len(), 50, "{format}");
    }
    let bad = c.get("/catalog/SAMPLE-1/export/pdf").await;
    assert_eq!(bad.status, 404);
    assert!(bad.body.contains("形式「pdf」には対応していません"));
}
