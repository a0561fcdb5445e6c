//! The SAMPLE catalog: the seed's 8.1.2 verbatim, all parts and flags.

use kasumi_ismap::*;

use kasumi_testkit::shared_dir;

const SEED: [(&str, &str); 7] = [
    ("8.1.2", "目録の中で維持される資産は、管理する。"),
    (
        "8.1.2.1",
        "資産の管理責任を時機を失せずに割り当てることを確実にするためのプロセスにおいて、資産が生成された時点、又は資産が組織に移転された時点で、適格な者（資産のライフサイクルの管理責任を与えられた個人及び組織）に管理責任を割り当てる。",
    ),
    (
        "8.1.2.2",
        "資産の管理責任者は、資産のライフサイクル全体にわたって、その資産を適切に管理することに責任を負う。",
    ),
    (
        "8.1.2.3",
        "資産の管理責任者は、資産の目録を作成する仕組みを整備する。",
    ),
    (
        "8.1.2.4",
        "資産の管理責任者は、資産を適切に分類及び保護する仕組みを整備する。",
    ),
    (
        "8.1.2.5",
        "資産の管理責任者は、適用されるアクセス制御方針を考慮に入れて、重要な資産に対するアクセスの制限及び分類を定め、定期的にレビューする。",
    ),
    (
        "8.1.2.6",
        "資産の管理責任者は、 資産を消去又は破壊する場合に、適切に取り扱う仕組みを整備する。",
    ),
];

#[test]
fn sample_holds_the_seed_example_verbatim() {
    let cat = sample_catalog();
    for (id, text) in SEED {
        assert_eq!(cat.get(id).unwrap().text_ja, text, "{id}");
    }
    assert_eq!(cat.children("8.1.2").count(), 6);
}

#[test]
fn seed_text_matches_the_domain_document() {
    let Some(dir) = shared_dir() else {
        return;
    };
    let doc = std::fs::read_to_string(dir.join("domain/ISMAP.md")).unwrap();
    let block = doc
        .split("The seed's example, verbatim:")
        .nth(1)
        .expect("example block");
    let cat = sample_catalog();
    let mut seen = 0;
    for line in block.lines().skip(2).take_while(|l| !l.starts_with("```")) {
        let (id, text) = line.split_once(' ').unwrap();
        let text = text.trim_start();
        assert_eq!(
            cat.get(id).unwrap().text_ja,
            text,
            "{id} differs from ISMAP.md"
        );
        seen += 1;
    }
    assert_eq!(seen, 7);
}

#[test]
fn sample_is_labelled_and_covers_every_feature() {
    let cat = sample_catalog();
    assert!(cat.validate().is_ok(), "{}", cat.validate().unwrap_err());
    assert!(cat.version.sample);
    assert!(cat.version.id.contains("SAMPLE"));
    assert!(cat.version.title_ja.contains("サンプル") && cat.version.title_en.contains("SAMPLE"));
    for item in &cat.items {
        assert!(
            item.guidance_ja.contains("サンプル") && item.guidance_en.contains("SAMPLE"),
            "{} is not labelled as a sample",
            item.id
        );
        let seed = SEED.iter().any(|(id, _)| *id == item.id);
        match item.kind {
            Some(Kind::Chapter | Kind::Section) => {
                assert!(item.title_ja.starts_with("【サンプル】"))
            }
            _ if seed => {}
            _ => assert!(
                item.text_ja.starts_with("【サンプル】") && item.text_en.starts_with("[SAMPLE]")
            ),
        }
    }
    assert!((30..=80).contains(&cat.items.len()), "a few dozen items");
    for part in [Part::Governance, Part::Management, Part::Controls] {
        for kind in [Kind::Chapter, Kind::Section, Kind::Objective, Kind::Control] {
            assert!(
                cat.items
                    .iter()
                    .any(|i| i.part() == Some(part) && i.kind == Some(kind)),
                "{part:?} {kind:?}"
            );
        }
    }
    let controls = || {
        cat.items
            .iter()
            .filter(|i| i.kind == Some(Kind::Control) && i.part() == Some(Part::Controls))
    };
    assert!(controls().any(|i| i.mandatory) && controls().any(|i| !i.mandatory));
    assert!(controls().any(|i| i.cloud_specific) && controls().any(|i| i.liu_critical));
    assert!(controls().any(|i| i.mandatory && i.cloud_specific && i.liu_critical));
    assert!(
        cat.items
            .iter()
            .any(|i| i.kind == Some(Kind::Objective) && i.cloud_specific)
            || controls().filter(|i| i.cloud_specific).count() >= 2
    );
    assert!(cat.items.iter().any(|i| !i.references.is_empty()));
}
