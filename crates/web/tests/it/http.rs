//! What people rely on over HTTP: sign-in, refusals with the right status and a
//! message in their language, CSRF, roles, the audit trail behind each change.

use super::harness::{PASSWORD, TestApp};

#[tokio::test]
async fn public_pages_need_no_login_and_speak_japanese_by_default() {
    let app = TestApp::start().await;
    let c = app.client();
    let home = c.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("<html lang=\"ja\">"));
    assert!(home.body.contains("Kasumi へようこそ"));
    assert!(home.body.contains("デモモードで動作中"));

    let health = c.get("/healthz").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (200, r#"{"status":"ok"}"#)
    );

    let metrics = c.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .body
            .contains(r#"kasumi_http_requests_total{method="GET",route="/",status="200"} 1"#),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .body
            .contains("kasumi_http_request_duration_seconds_bucket")
    );
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::start().await;
    for path in ["/", "/login", "/does-not-exist"] {
        let res = reqwest::get(app.url(path)).await.unwrap();
        let h = res.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"),
            "{csp}"
        );
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
        let cookie = h.get("set-cookie").unwrap().to_str().unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
    }
}

#[tokio::test]
async fn sign_in_and_out() {
    let app = TestApp::start().await;
    let c = app.client();
    let me = c.get("/me").await;
    assert_eq!(me.status, 401);
    assert!(me.body.contains("このページを見るにはログインが必要です。"));

    let bad = c.login("admin", "wrong-password").await;
    assert_eq!(bad.status, 401);
    assert!(
        bad.body
            .contains("ログイン ID またはパスワードが正しくありません。")
    );
    assert!(
        bad.body.contains("value=\"admin\""),
        "the login is kept in the form"
    );

    let before = app.audit_len().await;
    let ok = c.login("admin", PASSWORD).await;
    assert_eq!((ok.status, ok.location.as_deref()), (303, Some("/me")));
    assert_eq!(app.audit_len().await, before + 1, "sign-in is audited");
    let me = c.get("/me").await;
    assert_eq!(me.status, 200);
    assert!(me.body.contains("<dd id=\"me-login\">admin</dd>"));
    assert!(me.body.contains("システム管理者"));

    let out = c.post("/logout", "/me", &[]).await;
    assert_eq!(
        (out.status, out.location.as_deref()),
        (303, Some("/login?bye=1"))
    );
    assert!(
        c.get("/login?bye=1")
            .await
            .body
            .contains("ログアウトしました。")
    );
    assert_eq!(c.get("/me").await.status, 401);
    let actions: Vec<String> = app
        .store
        .audit_entries(None, 3)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions[0], "auth.logout");
}

#[tokio::test]
async fn repeated_failures_lock_the_login_for_a_while() {
    let app = TestApp::start().await;
    let c = app.client();
    for _ in 0..4 {
        assert_eq!(c.login("trainee", "wrong-password").await.status, 401);
    }
    let fifth = c.login("trainee", "wrong-password").await;
    assert_eq!(fifth.status, 429);
    assert!(fifth.body.contains("一時的にロックされています"));
    // Even the right password is refused while locked.
    let locked = c.login("trainee", PASSWORD).await;
    assert_eq!(locked.status, 429);
    assert!(locked.body.contains("15 分後"), "{}", locked.body);
    // Other accounts are not affected.
    assert_eq!(app.client().login("admin", PASSWORD).await.status, 303);

    app.clock.advance_secs(16 * 60);
    assert_eq!(c.login("trainee", PASSWORD).await.status, 303);
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_site_are_refused() {
    let app = TestApp::start().await;
    let c = app.client();
    c.get("/login").await; // receives the CSRF cookie
    let before = app.audit_len().await;

    let missing = c
        .post_raw("/login", &[("login", "admin"), ("password", PASSWORD)])
        .await;
    assert_eq!(missing.status, 403);
    assert!(missing.body.contains("別のサイトから送信されました"));

    let wrong = c
        .post_raw(
            "/login",
            &[
                ("login", "admin"),
                ("password", PASSWORD),
                ("csrf_token", &"x".repeat(43)),
            ],
        )
        .await;
    assert_eq!(wrong.status, 403);

    let token = c.get("/login").await.csrf();
    let cross = c
        .http
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[
            ("login", "admin"),
            ("password", PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);

    // A client that never loaded a page has no token cookie at all.
    let fresh = app
        .client()
        .post_raw(
            "/login",
            &[
                ("login", "admin"),
                ("password", PASSWORD),
                ("csrf_token", token.as_str()),
            ],
        )
        .await;
    assert_eq!(fresh.status, 403);

    assert_eq!(app.audit_len().await, before, "nothing was signed in");
    assert_eq!(c.get("/me").await.status, 401);
}

#[tokio::test]
async fn roles_that_may_not_act_are_refused() {
    let app = TestApp::start().await;
    let anon = app.client();
    assert_eq!(anon.get("/admin/users").await.status, 401);

    let trainee = app.client();
    trainee.login("trainee", PASSWORD).await;
    for path in ["/admin/users", "/admin/orgs", "/admin/audit"] {
        let p = trainee.get(path).await;
        assert_eq!(p.status, 403, "{path}");
        assert!(p.body.contains("この操作を行う権限がありません。"));
    }
    let before = app.audit_len().await;
    let post = trainee
        .post(
            "/admin/orgs",
            "/me",
            &[("code", "rogue"), ("name", "Rogue"), ("kind", "csp")],
        )
        .await;
    assert_eq!(post.status, 403);
    assert_eq!(app.audit_len().await, before);
    assert!(app.store.org_by_code("rogue").await.unwrap().is_none());
}

#[tokio::test]
async fn an_expired_session_says_so() {
    let app = TestApp::start().await;
    let c = app.client();
    c.login("reviewer", PASSWORD).await;
    assert_eq!(c.get("/me").await.status, 200);
    app.clock.advance_secs(2 * 3600 + 1);
    let me = c.get("/me").await;
    assert_eq!(me.status, 401);
    assert!(me.body.contains("セッションの有効期限が切れました。"));
}

#[tokio::test]
async fn an_oversize_body_is_refused_with_413() {
    let app = TestApp::start().await;
    let c = app.client();
    let token = c.get("/login").await.csrf();
    let big = "x".repeat(100 * 1024);
    let p = c
        .post_raw(
            "/login",
            &[("csrf_token", &token), ("login", &big), ("password", "p")],
        )
        .await;
    assert_eq!(p.status, 413);
    assert!(
        p.body
            .contains("送信されたデータが大きすぎます（上限 65536 バイト）"),
        "{}",
        p.body
    );
}

#[tokio::test]
async fn malformed_forms_and_unknown_pages_get_clear_answers() {
    let app = TestApp::start().await;
    let c = app.client();
    let p = c.post("/login", "/login", &[("login", "admin")]).await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("フォームの内容を読み取れません"));
    assert!(
        p.body.contains("password"),
        "names the missing field: {}",
        p.body
    );

    let nf = c.get("/no/such/page").await;
    assert_eq!(nf.status, 404);
    assert!(nf.body.contains("お探しのページは見つかりません。"));
    let api = reqwest::get(app.url("/api/v1/nothing")).await.unwrap();
    assert_eq!(api.status(), 404);
    let json: serde_json::Value = api.json().await.unwrap();
    assert_eq!(json["message"], "お探しのページは見つかりません。");
}

#[tokio::test]
async fn the_admin_creates_organisations_and_users_and_bad_input_changes_nothing() {
    let app = TestApp::start().await;
    let admin = app.client();
    admin.login("admin", PASSWORD).await;

    let org = admin
        .post(
            "/admin/orgs",
            "/admin/orgs",
            &[
                ("code", "demo-cloud"),
                ("name", "デモクラウド株式会社"),
                ("kind", "csp"),
            ],
        )
        .await;
    assert_eq!(org.status, 200);
    assert!(org.body.contains("組織 demo-cloud を作成しました。"));
    let cloud = app.store.org_by_code("demo-cloud").await.unwrap().unwrap();

    let dup = admin
        .post(
            "/admin/orgs",
            "/admin/orgs",
            &[("code", "demo-cloud"), ("name", "x"), ("kind", "csp")],
        )
        .await;
    assert_eq!(dup.status, 409);
    assert!(
        dup.body
            .contains("組織コード「demo-cloud」は既に使われています。")
    );

    let before = (
        app.audit_len().await,
        app.store.list_users().await.unwrap().len(),
    );
    let org_id = cloud.id.to_string();
    type Case<'a> = (&'a [(&'a str, &'a str)], u16, &'a str);
    let cases: [Case; 4] = [
        (
            &[
                ("login", "x"),
                ("display_name", "X"),
                ("org_id", &org_id),
                ("role", "csp"),
            ],
            422,
            "ログイン ID は 3〜64 文字",
        ),
        (
            &[
                ("login", "kumo"),
                ("display_name", "雲井"),
                ("org_id", &org_id),
                ("role", "auditor"),
            ],
            422,
            "ロール「監査機関（監査人）」は種別「クラウドサービス事業者」の組織には所属できません。",
        ),
        (
            &[
                ("login", "kumo"),
                ("display_name", "雲井"),
                ("org_id", &org_id),
                ("role", "root"),
            ],
            422,
            "ロール「root」は存在しません。",
        ),
        (
            &[
                ("login", "admin"),
                ("display_name", "dup"),
                ("org_id", &org_id),
                ("role", "csp"),
            ],
            409,
            "ログイン ID「admin」は既に使われています。",
        ),
    ];
    for (fields, status, message) in cases {
        let p = admin.post("/admin/users", "/admin/users", fields).await;
        assert_eq!(p.status, status, "{fields:?}");
        assert!(p.body.contains(message), "{fields:?}: {}", p.body);
    }
    assert_eq!(
        (
            app.audit_len().await,
            app.store.list_users().await.unwrap().len()
        ),
        before
    );

    let made = admin
        .post(
            "/admin/users",
            "/admin/users",
            &[
                ("login", "kumo"),
                ("display_name", "雲井"),
                ("org_id", &org_id),
                ("role", "csp"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(made.status, 200);
    let marker = "初期パスワード: ";
    let start = made
        .body
        .find(marker)
        .expect("generated password shown once")
        + marker.len();
    let generated = &made.body[start..start + 16];
    let csp = app.client();
    assert_eq!(csp.login("kumo", generated).await.status, 303);
    assert!(csp.get("/me").await.body.contains("クラウドサービス事業者"));
    assert_eq!(
        app.store.audit_entries(None, 1).await.unwrap()[0].action,
        "auth.login"
    );
    assert!(app.store.verify_audit().await.unwrap().is_intact());
}

#[tokio::test]
async fn english_is_remembered_per_browser_and_per_user() {
    let app = TestApp::start().await;
    let anon = app.client();
    let p = anon
        .post("/lang", "/", &[("lang", "en"), ("back", "/login")])
        .await;
    assert_eq!((p.status, p.location.as_deref()), (303, Some("/login")));
    let login = anon.get("/login").await;
    assert!(login.body.contains("<html lang=\"en\">") && login.body.contains("Sign in"));
    assert!(
        anon.get("/nowhere")
            .await
            .body
            .contains("The page you are looking for does not exist.")
    );

    let c = app.client();
    c.login("reviewer", PASSWORD).await;
    c.post("/lang", "/me", &[("lang", "en"), ("back", "/me")])
        .await;
    assert!(c.get("/me").await.body.contains("IPA reviewer"));
    // Another browser, no cookie: the account's choice applies after sign-in.
    let other = app.client();
    assert!(other.get("/login").await.body.contains("ログイン"));
    other.login("reviewer", PASSWORD).await;
    let me = other.get("/me").await;
    assert!(
        me.body.contains("<html lang=\"en\">") && me.body.contains("My page"),
        "{}",
        me.body
    );

    let bad = c.post("/lang", "/me", &[("lang", "fr")]).await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = TestApp::start().await;
    let a = app.client();
    let b = app.client();
    a.login("trainee", PASSWORD).await;
    b.login("trainee", PASSWORD).await;

    let wrong = a
        .post(
            "/me/password",
            "/me/password",
            &[
                ("current", "nope"),
                ("new", "brand-new-pass-1"),
                ("confirm", "brand-new-pass-1"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("現在のパスワードが正しくありません。"));
    let short = a
        .post(
            "/me/password",
            "/me/password",
            &[
                ("current", PASSWORD),
                ("new", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, 422);
    assert!(
        short
            .body
            .contains("パスワードは 10 文字以上にしてください。")
    );
    let mismatch = a
        .post(
            "/me/password",
            "/me/password",
            &[
                ("current", PASSWORD),
                ("new", "brand-new-pass-1"),
                ("confirm", "brand-new-pass-2"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 422);

    let ok = a
        .post(
            "/me/password",
            "/me/password",
            &[
                ("current", PASSWORD),
                ("new", "brand-new-pass-1"),
                ("confirm", "brand-new-pass-1"),
            ],
        )
        .await;
    assert_eq!(ok.status, 200);
    assert!(ok.body.contains("パスワードを変更しました。"));
    assert_eq!(a.get("/me").await.status, 200, "this session goes on");
    assert_eq!(b.get("/me").await.status, 401, "the other one ended");
    assert_eq!(app.client().login("trainee", PASSWORD).await.status, 401);
    assert_eq!(
        app.client()
            .login("trainee", "brand-new-pass-1")
            .await
            .status,
        303
    );
}
