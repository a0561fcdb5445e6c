//! Every string comes from the translation files, complete in both languages.

use std::collections::BTreeSet;

use kasumi_core::{Lang, OrgKind, Role};
use kasumi_web::i18n::{Tr, message_ids};

#[test]
fn japanese_and_english_define_the_same_messages() {
    let ja: BTreeSet<String> = message_ids(Lang::Ja).into_iter().collect();
    let en: BTreeSet<String> = message_ids(Lang::En).into_iter().collect();
    assert!(ja.len() > 50, "the files were read: {}", ja.len());
    let only_ja: Vec<_> = ja.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&ja).collect();
    assert!(
        only_ja.is_empty() && only_en.is_empty(),
        "only in ja: {only_ja:?}; only in en: {only_en:?}"
    );
}

/// Every key the code or templates ask for exists, so no page shows a raw key.
#[test]
fn every_key_used_exists() {
    let defined: BTreeSet<String> = message_ids(Lang::Ja).into_iter().collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = BTreeSet::new();
    for dir in ["src", "templates"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for pat in [
                ".t(\"",
                ".ta(\"",
                "key: \"",
                "(\"invalid-",
                "(\"password-",
                "(\"error-",
            ] {
                for (i, _) in text.match_indices(pat) {
                    let rest = &text[i + pat.len()..];
                    let prefix = pat.trim_start_matches(|c| c != '"').trim_start_matches('"');
                    let key: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                        .collect();
                    if !key.is_empty() {
                        used.insert(format!("{prefix}{key}"));
                    }
                }
            }
        }
    }
    assert!(used.len() > 40, "keys were found: {used:?}");
    let missing: Vec<_> = used.iter().filter(|k| !defined.contains(*k)).collect();
    assert!(missing.is_empty(), "keys used but not defined: {missing:?}");
    for lang in Lang::ALL {
        let tr = Tr::new(lang);
        for r in Role::ALL {
            assert_ne!(tr.role(*r), format!("role-{}", r.code()));
        }
        for k in OrgKind::ALL {
            assert_ne!(tr.org_kind(*k), format!("orgkind-{}", k.code()));
        }
    }
}

#[test]
fn arguments_are_filled_in_without_stray_marks() {
    let ja = Tr::new(Lang::Ja).ta("home-signed-in-as", &[("name", "佐藤".to_string())]);
    assert_eq!(ja, "佐藤 さんとしてログインしています。");
    let en = Tr::new(Lang::En).ta("home-signed-in-as", &[("name", "Sato".to_string())]);
    assert_eq!(en, "Signed in as Sato.");
}
