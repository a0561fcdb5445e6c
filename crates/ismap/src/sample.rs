//! The SAMPLE catalog: **not the official ISMAP criteria.**
//!
//! It holds the seed's `8.1.2` example verbatim (objective 8.1.2 and
//! detailed controls 8.1.2.1–8.1.2.6) and synthetic entries in all three
//! parts that exercise every flag and feature. Every synthetic text is
//! marked 【サンプル】 / \[SAMPLE\]; the version id, titles and every guidance
//! say so too. The flags on the verbatim 8.1.2.x controls are not official.

use crate::model::{Catalog, CatalogVersion, Item, Scheme};

/// Version id of the sample catalog.
pub const SAMPLE_VERSION_ID: &str = "SAMPLE-1";

const SAMPLE_NOTE_JA: &str = "【サンプル】公式の ISMAP 管理基準ではありません。";
const SAMPLE_NOTE_EN: &str = "[SAMPLE] Not the official ISMAP control criteria.";

/// Flags: `M` mandatory, `C` cloud-specific, `L` LIU-critical.
fn item(id: &str, title: (&str, &str), text: (&str, &str), flags: &str, refs: &[&str]) -> Item {
    let mut it = Item::ismap(id);
    it.title_ja = title.0.to_string();
    it.title_en = title.1.to_string();
    it.text_ja = text.0.to_string();
    it.text_en = text.1.to_string();
    it.guidance_ja = SAMPLE_NOTE_JA.to_string();
    it.guidance_en = SAMPLE_NOTE_EN.to_string();
    if flags.contains('M') {
        it.mandatory = true;
    }
    it.cloud_specific = flags.contains('C');
    it.liu_critical = flags.contains('L');
    it.references = refs.iter().map(|s| s.to_string()).collect();
    it
}

fn heading(id: &str, ja: &str, en: &str) -> Item {
    item(id, (ja, en), ("", ""), "", &[])
}

fn synthetic(id: &str, title: (&str, &str), ja: &str, en: &str, flags: &str) -> Item {
    item(
        id,
        title,
        (&format!("【サンプル】{ja}"), &format!("[SAMPLE] {en}")),
        flags,
        &[],
    )
}

fn seed(id: &str, title: (&str, &str), text_ja: &str, text_en: &str) -> Item {
    let mut it = item(
        id,
        title,
        (text_ja, text_en),
        "",
        &["JIS Q 27002:2014 8.1.2"],
    );
    it.guidance_ja = "出典: シード資料の例（本文は原文のまま）。このカタログはサンプルであり、公式の管理基準ではありません。フラグは公式のものではありません。".into();
    it.guidance_en = "Source: the seed's example (Japanese text verbatim; English is an unofficial SAMPLE translation). Flags are not official.".into();
    it
}

/// Builds the SAMPLE catalog (50 items, all three parts).
pub fn sample_catalog() -> Catalog {
    let items = vec![
        // ---- ガバナンス基準 (chapter 3)
        heading(
            "3",
            "【サンプル】ガバナンス基準",
            "[SAMPLE] Governance criteria",
        ),
        heading(
            "3.1",
            "【サンプル】評価・指示・モニタ",
            "[SAMPLE] Evaluate, direct and monitor",
        ),
        synthetic(
            "3.1.1",
            ("経営陣による方向付け", "Direction by top management"),
            "経営陣は、情報セキュリティの目的を組織の戦略に沿って定める。",
            "Top management sets information security objectives in line with the organisation's strategy.",
            "M",
        ),
        synthetic(
            "3.1.1.1",
            ("目的の承認", "Approval of objectives"),
            "経営陣は、情報セキュリティの目的を承認し、文書化する。",
            "Top management approves and documents the information security objectives.",
            "M",
        ),
        synthetic(
            "3.1.1.2",
            ("状況のモニタ", "Monitoring"),
            "経営陣は、情報セキュリティの状況を定期的にモニタする。",
            "Top management monitors the state of information security regularly.",
            "M",
        ),
        // ---- マネジメント基準 (chapter 4)
        heading(
            "4",
            "【サンプル】マネジメント基準",
            "[SAMPLE] Management criteria",
        ),
        heading("4.1", "【サンプル】計画", "[SAMPLE] Planning"),
        synthetic(
            "4.1.1",
            ("リスクアセスメント", "Risk assessment"),
            "組織は、情報セキュリティリスクアセスメントのプロセスを定め、適用する。",
            "The organisation defines and applies an information security risk assessment process.",
            "M",
        ),
        synthetic(
            "4.1.1.1",
            ("リスク基準", "Risk criteria"),
            "組織は、リスク受容基準を確立し、維持する。",
            "The organisation establishes and maintains risk acceptance criteria.",
            "M",
        ),
        synthetic(
            "4.1.1.2",
            ("リスクの特定", "Risk identification"),
            "組織は、資産に関連するリスクを特定し、リスク所有者を決める。",
            "The organisation identifies risks related to assets and names risk owners.",
            "M",
        ),
        synthetic(
            "4.1.2",
            ("リスク対応", "Risk treatment"),
            "組織は、リスク対応のプロセスを定め、適用する。",
            "The organisation defines and applies a risk treatment process.",
            "M",
        ),
        synthetic(
            "4.1.2.1",
            ("適用宣言書", "Statement of applicability"),
            "組織は、管理策の採否と理由を適用宣言書に記録する。",
            "The organisation records the adopted controls and reasons in a statement of applicability.",
            "M",
        ),
        // ---- 管理策基準 (chapters 5-18)
        heading(
            "5",
            "【サンプル】情報セキュリティのための方針群",
            "[SAMPLE] Information security policies",
        ),
        heading(
            "5.1",
            "【サンプル】情報セキュリティのための経営陣の方向性",
            "[SAMPLE] Management direction for information security",
        ),
        synthetic(
            "5.1.1",
            ("方針群", "Policies"),
            "情報セキュリティのための方針群を定義し、管理層が承認し、発行し、従業員及び関連する外部関係者に通知する。",
            "Information security policies are defined, approved, published and communicated.",
            "M",
        ),
        synthetic(
            "5.1.1.1",
            ("方針の承認", "Policy approval"),
            "経営陣は、情報セキュリティ基本方針を承認する。",
            "Management approves the information security policy.",
            "M",
        ),
        synthetic(
            "5.1.1.2",
            ("方針の周知", "Policy communication"),
            "組織は、方針群を従業員に周知する。",
            "The organisation communicates the policies to its staff.",
            "",
        ),
        synthetic(
            "5.1.1.3",
            ("クラウドサービスの方針", "Cloud service policy"),
            "クラウドサービス事業者は、クラウドサービスの提供に関する方針を定める。",
            "The cloud service provider sets a policy for providing cloud services.",
            "C",
        ),
        heading("8", "【サンプル】資産の管理", "[SAMPLE] Asset management"),
        heading(
            "8.1",
            "【サンプル】資産に対する責任",
            "[SAMPLE] Responsibility for assets",
        ),
        synthetic(
            "8.1.1",
            ("資産目録", "Inventory of assets"),
            "情報及び情報処理施設に関連する資産を特定し、目録を作成し、維持する。",
            "Assets associated with information and information processing facilities are identified and inventoried.",
            "M",
        ),
        synthetic(
            "8.1.1.1",
            ("目録の作成", "Creating the inventory"),
            "組織は、資産の目録を作成し、正確に保つ。",
            "The organisation creates an inventory of assets and keeps it accurate.",
            "ML",
        ),
        synthetic(
            "8.1.1.2",
            ("クラウド資産の識別", "Identifying cloud assets"),
            "クラウドサービス事業者は、利用者のデータ及び派生データを資産として識別する。",
            "The cloud service provider identifies customer data and derived data as assets.",
            "C",
        ),
        // The seed's example, verbatim.
        seed(
            "8.1.2",
            ("資産の管理責任", "Ownership of assets"),
            "目録の中で維持される資産は、管理する。",
            "Assets maintained in the inventory are owned. [SAMPLE translation]",
        ),
        seed(
            "8.1.2.1",
            ("管理責任の割当て", "Assigning ownership"),
            "資産の管理責任を時機を失せずに割り当てることを確実にするためのプロセスにおいて、資産が生成された時点、又は資産が組織に移転された時点で、適格な者（資産のライフサイクルの管理責任を与えられた個人及び組織）に管理責任を割り当てる。",
            "Ownership is assigned when assets are created or transferred to the organisation. [SAMPLE translation]",
        ),
        seed(
            "8.1.2.2",
            ("ライフサイクル全体の管理", "Managing the whole life cycle"),
            "資産の管理責任者は、資産のライフサイクル全体にわたって、その資産を適切に管理することに責任を負う。",
            "The asset owner is responsible for the proper management of the asset over its whole life cycle. [SAMPLE translation]",
        ),
        seed(
            "8.1.2.3",
            ("目録の仕組み", "Inventory arrangements"),
            "資産の管理責任者は、資産の目録を作成する仕組みを整備する。",
            "The asset owner ensures that assets are inventoried. [SAMPLE translation]",
        ),
        seed(
            "8.1.2.4",
            ("分類及び保護", "Classification and protection"),
            "資産の管理責任者は、資産を適切に分類及び保護する仕組みを整備する。",
            "The asset owner ensures that assets are appropriately classified and protected. [SAMPLE translation]",
        ),
        seed(
            "8.1.2.5",
            ("アクセス制限のレビュー", "Reviewing access restrictions"),
            "資産の管理責任者は、適用されるアクセス制御方針を考慮に入れて、重要な資産に対するアクセスの制限及び分類を定め、定期的にレビューする。",
            "The asset owner defines and periodically reviews access restrictions and classifications of important assets. [SAMPLE translation]",
        ),
        seed(
            "8.1.2.6",
            ("消去又は破壊", "Deletion or destruction"),
            "資産の管理責任者は、 資産を消去又は破壊する場合に、適切に取り扱う仕組みを整備する。",
            "The asset owner ensures proper handling when the asset is deleted or destroyed. [SAMPLE translation]",
        ),
        heading(
            "8.2",
            "【サンプル】情報分類",
            "[SAMPLE] Information classification",
        ),
        synthetic(
            "8.2.1",
            ("情報の分類", "Classification of information"),
            "情報は、法的要求事項、価値、重要性及び認可されていない開示又は変更に対して取扱いに慎重を要する度合いの観点から、分類する。",
            "Information is classified by legal requirements, value, criticality and sensitivity.",
            "M",
        ),
        synthetic(
            "8.2.1.1",
            ("機密性の区分", "Confidentiality levels"),
            "組織は、機密性2情報を含む情報の格付けの区分を定める。",
            "The organisation defines classification levels, including confidentiality level 2.",
            "L",
        ),
        heading("9", "【サンプル】アクセス制御", "[SAMPLE] Access control"),
        heading(
            "9.1",
            "【サンプル】アクセス制御に対する業務上の要求事項",
            "[SAMPLE] Business requirements of access control",
        ),
        synthetic(
            "9.1.1",
            ("アクセス制御方針", "Access control policy"),
            "アクセス制御方針は、業務及び情報セキュリティの要求事項に基づいて確立し、文書化し、レビューする。",
            "An access control policy is established, documented and reviewed.",
            "M",
        ),
        synthetic(
            "9.1.1.1",
            ("最小権限", "Least privilege"),
            "組織は、利用者に業務上必要な最小限のアクセス権限だけを与える。",
            "Users get only the access they need for their work.",
            "ML",
        ),
        synthetic(
            "9.1.1.2",
            ("方針のレビュー", "Policy review"),
            "組織は、アクセス制御方針を年1回以上レビューする。",
            "The access control policy is reviewed at least once a year.",
            "",
        ),
        heading(
            "9.2",
            "【サンプル】利用者アクセスの管理",
            "[SAMPLE] User access management",
        ),
        synthetic(
            "9.2.1",
            ("利用者登録", "User registration"),
            "アクセス権の割当てを可能にするために、利用者の登録及び登録削除についての正式なプロセスを実施する。",
            "A formal user registration and de-registration process is implemented.",
            "M",
        ),
        synthetic(
            "9.2.1.1",
            (
                "管理者アカウントの多要素認証",
                "Multi-factor authentication for administrators",
            ),
            "クラウドサービス事業者は、クラウドサービスの管理者アカウントに多要素認証を適用する。",
            "The cloud service provider applies multi-factor authentication to administrator accounts.",
            "MCL",
        ),
        heading(
            "12",
            "【サンプル】運用のセキュリティ",
            "[SAMPLE] Operations security",
        ),
        heading(
            "12.4",
            "【サンプル】ログ取得及び監視",
            "[SAMPLE] Logging and monitoring",
        ),
        synthetic(
            "12.4.1",
            ("イベントログ取得", "Event logging"),
            "利用者の活動、例外処理、過失及び情報セキュリティ事象を記録したイベントログを取得し、保持し、定期的にレビューする。",
            "Event logs of user activities, exceptions, faults and security events are kept and reviewed.",
            "M",
        ),
        synthetic(
            "12.4.1.1",
            ("ログの保存期間", "Log retention"),
            "組織は、ログを少なくとも1年間保存する。",
            "Logs are kept for at least one year.",
            "L",
        ),
        synthetic(
            "12.4.1.2",
            ("利用者へのログ提供", "Logs for cloud customers"),
            "クラウドサービス事業者は、利用者が自らのログを取得できる機能を提供する。",
            "The cloud service provider lets customers obtain their own logs.",
            "C",
        ),
        heading("18", "【サンプル】順守", "[SAMPLE] Compliance"),
        heading(
            "18.1",
            "【サンプル】法的及び契約上の要求事項の順守",
            "[SAMPLE] Compliance with legal and contractual requirements",
        ),
        synthetic(
            "18.1.1",
            ("適用法令の特定", "Identifying applicable legislation"),
            "関連する法令、規制及び契約上の要求事項を明確に特定し、文書化し、最新に保つ。",
            "Relevant legislative, regulatory and contractual requirements are identified and kept up to date.",
            "M",
        ),
        synthetic(
            "18.1.1.1",
            ("準拠法と裁判管轄", "Governing law and jurisdiction"),
            "クラウドサービス事業者は、契約の準拠法及び裁判管轄を利用者に示す。",
            "The cloud service provider states the governing law and jurisdiction of its contracts.",
            "M",
        ),
    ];
    let mut items = items;
    // References on a few synthetic items to exercise the column.
    for it in &mut items {
        if it.cloud_specific {
            it.references
                .push("JIS Q 27017:2016 (SAMPLE reference)".into());
        }
        if it.id.starts_with('4') && it.kind == Some(crate::model::Kind::Objective) {
            it.references
                .push("JIS Q 27001:2014 6.1 (SAMPLE reference)".into());
        }
    }
    Catalog {
        version: CatalogVersion {
            id: SAMPLE_VERSION_ID.into(),
            title_ja: "【サンプル】ISMAP管理基準（公式ではありません）".into(),
            title_en: "[SAMPLE] ISMAP control criteria (not the official text)".into(),
            issued: "2026-01-01".into(),
            sample: true,
        },
        scheme: Scheme::Ismap,
        items,
        oscal: None,
    }
}
