//! Importing NIST SP 800-53 rev4 as a (foreign) catalog keeps everything.

use kasumi_ismap::oscal::{from_oscal_json, to_oscal_value};
use kasumi_ismap::*;

use kasumi_testkit::rev4;

#[test]
fn rev4_catalog_import_is_lossless() {
    let Some(path) = rev4("NIST_SP-800-53_rev4_catalog.json") else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let cat = from_oscal_json(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cat.scheme, Scheme::Foreign);
    assert_eq!(cat.count(Kind::Chapter), 18);
    assert_eq!(cat.count(Kind::Objective) + cat.count(Kind::Control), 922);
    let ac2 = cat.get("ac-2.1").unwrap();
    assert_eq!(ac2.parent.as_deref(), Some("ac-2"));
    assert_eq!(ac2.kind, Some(Kind::Control));
    assert!(
        cat.get("ac-1")
            .unwrap()
            .text_en
            .contains("The organization")
    );

    let original: serde_json::Value = serde_json::from_str(&text).unwrap();
    let exported = to_oscal_value(&cat);
    assert_eq!(exported, original, "export equals NIST's JSON");
    let again = kasumi_ismap::oscal::from_oscal_value(&exported).unwrap();
    assert_eq!(again, cat);

    // and it is searchable
    let idx = SearchIndex::build(&cat);
    let hits = idx.search("account management", 5);
    assert_eq!(hits[0].id, "ac-2", "{hits:?}");
}
