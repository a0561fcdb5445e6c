//! Demo mode: an empty database is filled with fictitious organisations and one
//! account per role, whose random passwords are printed once on the console.

use kasumi_core::{Clock, OrgKind, Role};
use kasumi_store::{Actor, DynStore, NewOrg, NewUser};
use kasumi_web::password;

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

pub async fn seed(store: &DynStore, clock: &dyn Clock) -> anyhow::Result<()> {
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
