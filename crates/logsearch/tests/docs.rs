//! Every example of docs/query-language.md: the ```query lines parse and find
//! something in saida-city (seed 42, team 1, a week of history and the
//! exercise); the ```query-error lines fail with the message the doc shows.

use kasumi_logsearch::world::index_world;
use kasumi_logsearch::{SearchOptions, parse};

fn blocks(doc: &str, lang: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in doc.lines() {
        if line.starts_with("```") {
            inside = !inside && line.trim_start_matches('`') == lang;
        } else if inside && !line.trim().is_empty() {
            out.push(line.to_string());
        }
    }
    out
}

fn doc() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/query-language.md");
    std::fs::read_to_string(path).expect("docs/query-language.md")
}

#[test]
fn error_examples_fail_with_the_documented_message() {
    let doc = doc();
    let bad = blocks(&doc, "query-error");
    assert!(bad.len() >= 5);
    for q in bad {
        let e = parse(&q).expect_err(&q);
        assert!(doc.contains(&e.message_en()), "{q}: {}", e.message_en());
    }
}

#[test]
fn examples_parse_and_find_records() {
    let examples = blocks(&doc(), "query");
    assert!(examples.len() >= 40, "{}", examples.len());
    for q in &examples {
        if let Err(e) = parse(q) {
            panic!("{q}: {e}");
        }
    }
    let sc = kasumi_range::Scenario::builtin("saida-city").expect("scenario");
    let mut w = kasumi_range::World::provision(&sc, 42, 1, 1_781_744_400_000_000, 7);
    w.advance_to(w.env().end);
    let idx = index_world(&w);
    let empty: Vec<&String> = examples
        .iter()
        .filter(|q| {
            let r = idx
                .search_str(q, &SearchOptions::new(w.now()))
                .expect("parses");
            r.total == 0
        })
        .collect();
    assert!(empty.is_empty(), "examples without a match: {empty:?}");
}
