//! Demo mode: an empty database is filled with fictitious organisations and one
//! account per role, whose random passwords are printed once on the console.

use kasumi_core::{Clock, OrgKind, Role};
use kasumi_ismap::{Catalog, Item};
use kasumi_lifecycle::registration::NumberFormat;
use kasumi_store::{Actor, DynStore, NewExercise, NewOrg, NewUser};
use kasumi_web::{catalogs, password};

/// (code, name, kind) of the demo organisations. All fictitious.
const ORGS: &[(&str, &str, OrgKind)] = &[
    ("kasumi-ops", "Kasumi 運用管理（デモ）", OrgKind::Other),
    ("demo-cloud", "デモクラウド株式会社", OrgKind::Csp),
    ("demo-audit", "デモ監査法人", OrgKind::AuditFirm),
    (
        "demo-evaluator",
        "デモ監査機関評価協会",
        OrgKind::AuditEvaluator,
    ),
    ("demo-ipa", "ISMAP 運用支援機関（デモ）", OrgKind::Ipa),
    (
        "demo-committee",
        "ISMAP 運営委員会・事務局（デモ）",
        OrgKind::Committee,
    ),
    ("saida-ministry", "サイダー省", OrgKind::Agency),
    ("saida-city", "さいだ市", OrgKind::LocalGovernment),
    ("demo-nict", "サイバー演習センター（デモ）", OrgKind::Nict),
];

/// (role, organisation code, display name) of the demo accounts; the login is `demo-<role>`.
const USERS: &[(Role, &str, &str)] = &[
    (Role::Admin, "kasumi-ops", "管理 太郎"),
    (Role::Csp, "demo-cloud", "雲井 直子"),
    (Role::Auditor, "demo-audit", "監 査子"),
    (Role::AuditEvaluator, "demo-evaluator", "評価 一郎"),
    (Role::IpaReviewer, "demo-ipa", "審査 花子"),
    (Role::Committee, "demo-committee", "委員 次郎"),
    (Role::Secretariat, "demo-committee", "事務 三郎"),
    (Role::Agency, "saida-ministry", "調達 四郎"),
    (Role::CyderOperator, "demo-nict", "演習 五郎"),
    (Role::Instructor, "demo-nict", "講師 六子"),
    (Role::Trainee, "saida-city", "受講 七海"),
];

pub async fn seed(
    store: &DynStore,
    clock: &dyn Clock,
    numbers: &NumberFormat,
) -> anyhow::Result<()> {
    seed_catalogs(store, clock).await?;
    seed_accounts(store, clock).await?;
    crate::demo_registry::seed(store, clock, numbers).await?;
    seed_exercise(store, clock).await
}

/// A course B-1 exercise of the さいだ市 scenario today, with the demo trainee in team 1.
async fn seed_exercise(store: &DynStore, clock: &dyn Clock) -> anyhow::Result<()> {
    if !store.list_exercises().await?.is_empty() {
        return Ok(());
    }
    let (Some(op), Some(trainee)) = (
        store.user_by_login("demo-cyder-operator").await?,
        store.user_by_login("demo-trainee").await?,
    ) else {
        return Ok(());
    };
    let today = kasumi_core::format_tokyo_date(clock.now());
    let sim_start = kasumi_core::tokyo_local_to_micros(&today, "09:30")
        .ok_or_else(|| anyhow::anyhow!("cannot read today's date {today}"))?;
    let actor = Actor::user(op.id, &op.login);
    let new = NewExercise {
        title: "デモ演習（B-1 さいだ市）".to_string(),
        course: "B-1".to_string(),
        scenario: "saida-city".to_string(),
        seed: 2026,
        sim_start,
        history_days: 3,
        speed: 10,
    };
    let exercise = store.create_exercise(&actor, clock.now(), &new).await?;
    store
        .create_team(&actor, clock.now(), exercise.id, 1, "第1班", &[trainee.id])
        .await?;
    println!(
        "Demo mode: created the exercise \"{}\" with demo-trainee in team 1.",
        new.title
    );
    Ok(())
}

/// The SAMPLE criteria, and a revised sample so the version comparison has something to show.
async fn seed_catalogs(store: &DynStore, clock: &dyn Clock) -> anyhow::Result<()> {
    if !store.list_catalogs().await?.is_empty() {
        return Ok(());
    }
    let actor = Actor::system("demo");
    let first = kasumi_ismap::sample_catalog();
    catalogs::save_new(store, &actor, clock.now(), &first, "demo").await?;
    let revised = revised_sample(&first);
    revised
        .validate()
        .map_err(|e| anyhow::anyhow!("the revised sample is invalid: {e}"))?;
    catalogs::save_new(store, &actor, clock.now(), &revised, "demo").await?;
    println!(
        "Demo mode: imported the SAMPLE control criteria ({} and {}).",
        first.version.id, revised.version.id
    );
    Ok(())
}

/// A later sample version: one detailed control added, one text reworded, one flag changed.
fn revised_sample(first: &Catalog) -> Catalog {
    let mut c = first.clone();
    c.version.id = "SAMPLE-2".to_string();
    c.version.issued = "2026-10-01".to_string();
    c.version.title_ja = format!("{}（改訂サンプル）", first.version.title_ja);
    c.version.title_en = format!("{} (revised sample)", first.version.title_en);
    if let Some(i) = c.items.iter_mut().find(|i| i.id == "8.1.2.3") {
        i.liu_critical = !i.liu_critical;
    }
    if let Some(i) = c.items.iter_mut().find(|i| i.id == "8.1.2.5") {
        i.text_ja
            .push_str("【サンプル改訂】見直しの結果は記録する。");
        i.text_en
            .push_str(" [SAMPLE revision] Record the results of each review.");
    }
    let mut added = Item::ismap("8.1.2.7");
    added.title_ja = "【サンプル】資産の返却確認".to_string();
    added.title_en = "[SAMPLE] Confirming the return of assets".to_string();
    added.text_ja =
        "【サンプル】資産の管理責任者は、雇用等の終了時に資産が返却されたことを確認する。"
            .to_string();
    added.text_en =
        "[SAMPLE] The asset owner confirms that assets are returned when employment ends."
            .to_string();
    let at = c
        .items
        .iter()
        .position(|i| i.id == "8.1.2.6")
        .map_or(c.items.len(), |p| p + 1);
    c.items.insert(at, added);
    c
}

async fn seed_accounts(store: &DynStore, clock: &dyn Clock) -> anyhow::Result<()> {
    if !store.list_users().await?.is_empty() {
        println!(
            "Demo mode: accounts already exist; their passwords were shown when they were created."
        );
        return Ok(());
    }
    let actor = Actor::system("demo");
    for (code, name, kind) in ORGS {
        if store.org_by_code(code).await?.is_none() {
            let org = NewOrg {
                code: code.to_string(),
                name: name.to_string(),
                kind: *kind,
            };
            store.create_org(&actor, clock.now(), &org).await?;
        }
    }
    let mut lines = Vec::new();
    for (role, org_code, name) in USERS {
        let org = store
            .org_by_code(org_code)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo organisation {org_code} is missing"))?;
        let pw = password::generate();
        let user = NewUser {
            login: format!("demo-{}", role.code().replace('_', "-")),
            display_name: name.to_string(),
            org_id: org.id,
            role: *role,
            password_hash: password::hash_blocking(pw.clone()).await?,
        };
        store.create_user(&actor, clock.now(), &user).await?;
        lines.push(format!("  {:<24} {:<18} {}", user.login, pw, role.code()));
    }
    println!("Demo mode: one account per role was created. These passwords are shown only now:");
    println!("  {:<24} {:<18} role", "login", "password");
    for l in lines {
        println!("{l}");
    }
    Ok(())
}
