//! Differences between two versions.

use kasumi_ismap::*;

#[test]
fn diff_reports_added_removed_and_changed() {
    let old = sample_catalog();
    let mut new = old.clone();
    new.version.id = "SAMPLE-2".into();
    let find = |c: &mut Catalog, id: &str| c.items.iter().position(|i| i.id == id).unwrap();
    let i = find(&mut new, "8.1.2.3");
    new.items[i].text_ja.push_str("（改訂）");
    let i = find(&mut new, "9.1.1.2");
    new.items[i].mandatory = true;
    let i = find(&mut new, "12.4.1.1");
    new.items[i].liu_critical = false;
    new.items[i].title_en = "Retention of logs".into();
    let i = find(&mut new, "18.1.1.1");
    new.items.remove(i);
    let mut added = Item::ismap("18.1.1.2");
    added.text_ja = "追加".into();
    new.items.push(added);
    assert!(new.validate().is_ok());

    let d = diff(&old, &new);
    assert_eq!(d.added, ["18.1.1.2"]);
    assert_eq!(d.removed, ["18.1.1.1"]);
    assert_eq!(d.changed.len(), 3);
    let c = d.change("8.1.2.3").unwrap();
    assert!(c.text_changed() && !c.flags_changed());
    assert_eq!(c.changes[0].field, "text_ja");
    assert!(c.changes[0].new.ends_with("（改訂）"));
    let c = d.change("9.1.1.2").unwrap();
    assert!(c.flags_changed() && !c.text_changed());
    assert_eq!(
        (c.changes[0].old.as_str(), c.changes[0].new.as_str()),
        ("false", "true")
    );
    let c = d.change("12.4.1.1").unwrap();
    let fields: Vec<_> = c.changes.iter().map(|f| f.field).collect();
    assert_eq!(fields, ["title_en", "liu_critical"]);

    assert!(diff(&old, &old).is_empty());
}
