//! Full-text search: Japanese bigrams, English words, ranking, highlights.

use kasumi_ismap::search::tokenize;
use kasumi_ismap::*;

#[test]
fn shisan_finds_8_1_2_near_the_top() {
    let cat = sample_catalog();
    let idx = SearchIndex::build(&cat);
    let hits = idx.search("資産", 10);
    let pos = hits
        .iter()
        .position(|h| h.id == "8.1.2")
        .expect("8.1.2 found");
    assert!(pos < 3, "8.1.2 ranked {pos}: {hits:?}");
    assert!(hits.iter().all(|h| h.score > 0.0));
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));

    let hit = &hits[pos];
    let text = idx.field_text("8.1.2", Field::TextJa).unwrap();
    assert_eq!(
        highlight(text, &hit.highlights, Field::TextJa, "<mark>", "</mark>"),
        "目録の中で維持される<mark>資産</mark>は、管理する。"
    );
    let title = idx.field_text("8.1.2", Field::TitleJa).unwrap();
    assert_eq!(
        highlight(title, &hit.highlights, Field::TitleJa, "[", "]"),
        "[資産]の管理責任"
    );
}

#[test]
fn two_character_words_and_longer_phrases() {
    let idx = SearchIndex::build(&sample_catalog());
    let kanri = idx.search("管理", 100);
    assert!(kanri.len() > 5);
    assert!(kanri.iter().any(|h| h.id == "8.1.2.2"));
    // a phrase needs all its bigrams; overlapping spans are merged
    let hits = idx.search("管理責任者", 100);
    assert!(hits.iter().all(|h| h.id.starts_with("8.1.2")), "{hits:?}");
    let h = hits.iter().find(|h| h.id == "8.1.2.2").unwrap();
    let text = idx.field_text("8.1.2.2", Field::TextJa).unwrap();
    assert!(
        highlight(text, &h.highlights, Field::TextJa, "<", ">").starts_with("資産の<管理責任者>は")
    );
    assert!(idx.search("存在しない語句", 10).is_empty());
}

#[test]
fn english_words_and_ids() {
    let idx = SearchIndex::build(&sample_catalog());
    let hits = idx.search("Multi-factor AUTHENTICATION", 5);
    assert_eq!(hits[0].id, "9.2.1.1");
    let text = idx.field_text("9.2.1.1", Field::TitleEn).unwrap();
    assert_eq!(
        highlight(text, &hits[0].highlights, Field::TitleEn, "*", "*"),
        "*Multi*-*factor* *authentication* for administrators"
    );
    assert_eq!(idx.search("8.1.2", 3)[0].id, "8.1.2");
}

#[test]
fn tokenizer() {
    let toks: Vec<String> = tokenize("資産の管理 ISMAP-LIU ｌｏｇ")
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert_eq!(
        toks,
        ["資産", "産の", "の管", "管理", "ismap", "liu", "log"]
    );
    let t = tokenize("a資b");
    assert_eq!(
        t,
        [
            ("a".to_string(), 0, 1),
            ("資".to_string(), 1, 4),
            ("b".to_string(), 4, 5)
        ]
    );
}
