//! Demo mode: the public cloud service list filled with fictitious services,
//! each taken through the real lifecycle transitions (statement → lint-clean
//! submission → audit with results → report → application → acceptance →
//! review → committee decision → registration, then change notices,
//! incidents, renewals, suspensions, revocations, expiry) and persisted with
//! `registry_commit`. Deterministic: every date is placed relative to today
//! (from the clock), nothing is random. All names are fictitious.

use jiff::civil::Date;
use jiff::{Span, ToSpan};
use kasumi_core::{Clock, OrgKind, Role};
use kasumi_lifecycle::Actor as Who;
use kasumi_lifecycle::changes::{ChangeKind, IncidentReport};
use kasumi_lifecycle::dates::tokyo_date;
use kasumi_lifecycle::registration::NumberFormat;
use kasumi_lifecycle::service::{DeploymentModel, ServiceDraft, ServiceModel};
use kasumi_store::{Actor, DynStore, NewOrg};
use kasumi_web::registry::journey::{Cast, Journey, clean_statement, csp};

/// (code, name) of the demo cloud service providers; `demo-cloud` comes from demo.rs.
const CSPS: &[(&str, &str)] = &[
    ("demo-cloud", "デモクラウド株式会社"),
    ("demo-asahi", "あさひクラウド株式会社（デモ）"),
    ("demo-minato", "みなとシステムズ株式会社（デモ）"),
    ("demo-kaze", "かぜネットワークス株式会社（デモ）"),
    ("demo-hoshi", "ほしデータ株式会社（デモ）"),
];

/// (code, name) of the demo audit firms; `demo-audit` comes from demo.rs.
const FIRMS: &[(&str, &str)] = &[
    ("demo-audit", "デモ監査法人"),
    ("demo-audit-2", "さくら監査法人（デモ）"),
];

/// What happens to a service after (or instead of) its first registration.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Registered, nothing more.
    Registered,
    /// Registered, then a region added and a control change reported.
    Changed,
    /// Registered, then an incident (flash, confirmed).
    Incident,
    /// Registered and renewed once.
    Renewed,
    /// Registered and renewed twice.
    RenewedTwice,
    /// Renewal applied for before expiry, not yet decided, now past the last valid day.
    RenewalPending,
    /// Past its last valid day without renewal, marked expired (off the list).
    Expired,
    /// Suspended by the committee (still listed, marked).
    Suspended,
    /// Revoked by the committee (off the list).
    Revoked,
    /// Applied and under review (never on the list).
    UnderReview,
}

struct Plan {
    csp: usize,
    firm: usize,
    name: &'static str,
    model: ServiceModel,
    regions: &'static [&'static str],
    data_centres: &'static [&'static str],
    /// Days from the end of the first audit period to today.
    audit_end_ago: i64,
    fate: Fate,
}

#[allow(clippy::too_many_arguments)]
const fn plan(
    csp: usize,
    firm: usize,
    name: &'static str,
    model: ServiceModel,
    regions: &'static [&'static str],
    data_centres: &'static [&'static str],
    audit_end_ago: i64,
    fate: Fate,
) -> Plan {
    Plan {
        csp,
        firm,
        name,
        model,
        regions,
        data_centres,
        audit_end_ago,
        fate,
    }
}

use Fate::*;
use ServiceModel::{Iaas, Paas, Saas};

const EAST: &[&str] = &["jp-east-1"];
const BOTH: &[&str] = &["jp-east-1", "jp-west-1"];
const TOKYO: &[&str] = &["東京"];
const TOKYO_OSAKA: &[&str] = &["東京", "大阪"];

/// A year and four months (the validity) is about 487 days; first audits end
/// this many days before today.
#[rustfmt::skip]
const PLANS: &[Plan] = &[
    plan(0, 0, "デモクラウド IaaS", Iaas, BOTH, TOKYO_OSAKA, 830, RenewedTwice),
    plan(0, 0, "デモクラウド オブジェクトストレージ", Paas, BOTH, TOKYO_OSAKA, 700, Renewed),
    plan(1, 1, "あさひ 文書管理", Saas, EAST, TOKYO, 680, Expired),
    plan(1, 1, "あさひ 電子申請基盤", Paas, BOTH, TOKYO_OSAKA, 620, Renewed),
    plan(3, 0, "かぜ セキュアメール", Saas, EAST, TOKYO, 510, RenewalPending),
    plan(4, 1, "ほし 分析基盤", Paas, BOTH, TOKYO_OSAKA, 505, RenewalPending),
    plan(2, 1, "みなと 人事給与", Saas, EAST, TOKYO, 450, Changed),
    plan(2, 0, "みなと 会計クラウド", Saas, EAST, TOKYO, 430, Revoked),
    plan(0, 0, "デモクラウド マネージドDB", Paas, BOTH, TOKYO_OSAKA, 420, Incident),
    plan(3, 1, "かぜ Web会議", Saas, BOTH, TOKYO_OSAKA, 400, Suspended),
    plan(4, 0, "ほし ファイル共有", Saas, EAST, TOKYO, 380, Registered),
    plan(1, 0, "あさひ コンテナ基盤", Paas, BOTH, TOKYO_OSAKA, 360, Changed),
    plan(2, 1, "みなと グループウェア", Saas, EAST, TOKYO, 330, Registered),
    plan(3, 0, "かぜ 仮想デスクトップ", Iaas, EAST, TOKYO, 300, Incident),
    plan(4, 1, "ほし ログ管理", Saas, BOTH, TOKYO_OSAKA, 280, Registered),
    plan(0, 1, "デモクラウド ID管理", Saas, BOTH, TOKYO_OSAKA, 250, Changed),
    plan(1, 0, "あさひ 問合せ管理", Saas, EAST, TOKYO, 230, Registered),
    plan(2, 0, "みなと 電子契約", Saas, EAST, TOKYO, 200, Suspended),
    plan(3, 1, "かぜ バックアップ", Iaas, BOTH, TOKYO_OSAKA, 180, Registered),
    plan(4, 0, "ほし ノーコード基盤", Paas, EAST, TOKYO, 160, Registered),
    plan(0, 0, "デモクラウド 仮想サーバ（西日本）", Iaas, BOTH, TOKYO_OSAKA, 140, Revoked),
    plan(1, 1, "あさひ 学習管理", Saas, EAST, TOKYO, 120, Registered),
    plan(2, 0, "みなと 庁内チャット", Saas, EAST, TOKYO, 100, Registered),
    plan(3, 1, "かぜ 地図配信", Saas, BOTH, TOKYO_OSAKA, 85, UnderReview),
];

fn ago(today: Date, days: i64) -> Date {
    today.checked_sub(Span::new().days(days)).unwrap_or(today)
}

async fn org_id(
    store: &DynStore,
    code: &str,
    name: &str,
    kind: OrgKind,
    at: i64,
) -> anyhow::Result<i64> {
    if let Some(o) = store.org_by_code(code).await? {
        return Ok(o.id);
    }
    let org = NewOrg {
        code: code.to_string(),
        name: name.to_string(),
        kind,
    };
    Ok(store.create_org(&Actor::system("demo"), at, &org).await?.id)
}

/// Fills the registry once (skipped when any registration exists).
pub async fn seed(
    store: &DynStore,
    clock: &dyn Clock,
    numbers: &NumberFormat,
) -> anyhow::Result<()> {
    if !store.registry_records("registration").await?.is_empty() {
        return Ok(());
    }
    let now = clock.now();
    let today = tokyo_date(now);
    let actor = Actor::system("demo");
    let mut csps = Vec::new();
    for (code, name) in CSPS {
        csps.push(org_id(store, code, name, OrgKind::Csp, now).await?);
    }
    let mut firm_orgs = Vec::new();
    for (code, name) in FIRMS {
        firm_orgs.push(org_id(store, code, name, OrgKind::AuditFirm, now).await?);
    }
    let evaluator = org_id(
        store,
        "demo-evaluator",
        "デモ監査機関評価協会",
        OrgKind::AuditEvaluator,
        now,
    )
    .await?;
    let ipa = org_id(
        store,
        "demo-ipa",
        "ISMAP 運用支援機関（デモ）",
        OrgKind::Ipa,
        now,
    )
    .await?;
    let committee = org_id(
        store,
        "demo-committee",
        "ISMAP 運営委員会・事務局（デモ）",
        OrgKind::Committee,
        now,
    )
    .await?;
    let catalog = kasumi_ismap::sample_catalog();
    let cast = Cast {
        auditor: Who::new(Role::Auditor, firm_orgs[0], 0),
        evaluator: Who::new(Role::AuditEvaluator, evaluator, 0),
        ipa: Who::new(Role::IpaReviewer, ipa, 0),
        committee: Who::new(Role::Committee, committee, 0),
    };
    let mut j = Journey::new(store, &catalog, cast).await?;
    j.format = numbers.clone();
    let mut firms = Vec::new();
    for ((_, name), org) in FIRMS.iter().zip(&firm_orgs) {
        firms.push(j.list_firm(*org, name, ago(today, 1500)).await?);
    }
    j.commit(&actor, now).await?;

    let mut count = 0;
    for (n, p) in PLANS.iter().enumerate() {
        let who = csp(csps[p.csp]);
        let firm = &firms[p.firm];
        j.cast.auditor = Who::new(Role::Auditor, firm.org, 0);
        let audit_end = ago(today, p.audit_end_ago);
        let draft = ServiceDraft {
            name: p.name.to_string(),
            service_model: p.model,
            deployment_model: DeploymentModel::Public,
            description: format!("{}（デモ用の架空のサービス）", p.name),
            data_centres: p.data_centres.iter().map(|s| s.to_string()).collect(),
            regions: p.regions.iter().map(|s| s.to_string()).collect(),
            built_on: Vec::new(),
        };
        let scope = format!("{}の本番環境（運用・保守の体制を含む）", p.name);
        let not_adopted: &[(&str, &str)] = if n % 2 == 0 {
            &[(
                "8.1.2.6",
                "資産の消去は委託先のデータセンター事業者が行う。",
            )]
        } else {
            &[("12.4.1.2", "対象となる機能を提供していない。")]
        };
        let content = clean_statement(&catalog, &draft, &scope, "代表 太郎", not_adopted);
        let service = j.add_service(&who, draft, ago(audit_end, 450)).await?;
        if p.fate == UnderReview {
            j.apply_only(&who, &service, firm, content, audit_end)
                .await?;
            j.commit(&actor, now).await?;
            continue;
        }
        let mut r = j.register(&who, &service, firm, content, audit_end).await?;
        let registered = r.registration.registered_on;
        let next_year = |d: Date, years: i64| d.checked_add(years.years()).unwrap_or(d);
        match p.fate {
            Registered | UnderReview => {}
            Changed => {
                j.change_notice(
                    &who,
                    &mut r,
                    ChangeKind::RegionAdded {
                        region: "jp-north-1".into(),
                    },
                    "北日本リージョンを追加しました。",
                    ago(today, p.audit_end_ago / 3),
                )
                .await?;
                let notice = j
                    .change_notice(
                        &who,
                        &mut r,
                        ChangeKind::ControlChange {
                            controls: vec!["9.1.1.2".into()],
                        },
                        "管理者の認証方式を多要素認証に変更しました。",
                        ago(today, p.audit_end_ago / 4),
                    )
                    .await?;
                // Long enough ago for the additional audit to be done; the
                // later ones still wait for theirs.
                if p.audit_end_ago / 4 > 110 {
                    j.answer_control_change(&who, &r, &notice, firm).await?;
                }
            }
            Incident => {
                j.incident(
                    &who,
                    &r,
                    "管理画面への不正ログインの試行を検知",
                    Some(IncidentReport {
                        at: 0,
                        summary: "不正ログインの試行を検知したが、侵入は確認されなかった。".into(),
                        cause: "漏えいした他サービスのパスワードの試行".into(),
                        measures: "ログイン試行回数の制限を強化した。".into(),
                    }),
                    ago(today, p.audit_end_ago / 4),
                )
                .await?;
            }
            Renewed => {
                j.renew(&who, &r, firm, next_year(audit_end, 1), true)
                    .await?;
            }
            RenewedTwice => {
                let once = j
                    .renew(&who, &r, firm, next_year(audit_end, 1), true)
                    .await?;
                j.renew(&who, &once, firm, next_year(audit_end, 2), true)
                    .await?;
            }
            RenewalPending => {
                j.renew(&who, &r, firm, next_year(audit_end, 1), false)
                    .await?;
            }
            Expired => {
                let day_after = r.registration.valid_through.tomorrow().unwrap_or(today);
                j.expire(&mut r, day_after)?;
            }
            Suspended => {
                j.suspend(
                    &mut r,
                    "重大なインシデントの確報が期限までに提出されていないため。",
                    ago(today, 15),
                )?;
            }
            Revoked => {
                j.revoke(
                    &mut r,
                    "言明の内容と異なる運用が判明したため。",
                    ago(today, 10).max(registered),
                )?;
            }
        }
        j.commit(&actor, now).await?;
        count += 1;
    }
    println!(
        "Demo mode: registered {count} fictitious cloud services through the ISMAP lifecycle."
    );
    Ok(())
}
