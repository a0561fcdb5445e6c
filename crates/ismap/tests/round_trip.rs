//! import → export → import gives an equal catalog, in every format.

use kasumi_ismap::oscal::{from_oscal_json, from_oscal_value, to_oscal_value};
use kasumi_ismap::*;

#[test]
fn csv_round_trip() {
    let cat = sample_catalog();
    let csv = export_csv(&cat).unwrap();
    assert!(csv.starts_with('\u{feff}'), "BOM for Excel");
    let back = import_csv(&csv, "sample.csv", cat.version.clone()).unwrap();
    assert_eq!(back, cat);
    assert_eq!(export_csv(&back).unwrap(), csv);
}

#[test]
fn xlsx_round_trip() {
    let cat = sample_catalog();
    let bytes = export_xlsx(&cat).unwrap();
    let back = import_xlsx(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, cat);
    let again = import_xlsx(&export_xlsx(&back).unwrap()).unwrap();
    assert_eq!(again, cat);
}

#[test]
fn oscal_round_trip() {
    let cat = sample_catalog();
    let doc = to_oscal(&cat).unwrap();
    let json = kasumi_oscal::to_json_pretty(&doc);
    let back = from_oscal_json(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, cat);
    assert!(
        back.items.iter().all(|i| i.oscal.is_none()),
        "our own layout needs no raw copy"
    );
    assert_eq!(from_oscal(&doc).unwrap(), cat);

    // structure: chapters are groups, objectives controls, details nested
    let v = to_oscal_value(&cat);
    let ch8 = v["catalog"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "ismap-8")
        .unwrap();
    let obj = &ch8["groups"][0]["controls"][1];
    assert_eq!(obj["id"], "ismap-8.1.2");
    assert_eq!(obj["class"], "objective");
    assert_eq!(obj["controls"].as_array().unwrap().len(), 6);
    assert_eq!(
        obj["parts"][0]["prose"],
        "目録の中で維持される資産は、管理する。"
    );
}

#[test]
fn extra_oscal_content_survives_via_the_raw_copy() {
    let cat = sample_catalog();
    let mut v = to_oscal_value(&cat);
    // someone adds a param to 8.1.2 in an OSCAL editor
    let ch8 = v["catalog"]["groups"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|g| g["id"] == "ismap-8")
        .unwrap();
    ch8["groups"][0]["controls"][1]["params"] = serde_json::json!([{"id": "p1", "label": "期間"}]);
    let back = from_oscal_value(&v).unwrap();
    let item = back.get("8.1.2").unwrap();
    assert!(item.oscal.is_some());
    assert_eq!(item.text_ja, "目録の中で維持される資産は、管理する。");
    assert_eq!(to_oscal_value(&back), v);
    // and the raw copy also survives CSV
    let csv = export_csv(&back).unwrap();
    assert_eq!(
        import_csv(&csv, "x.csv", back.version.clone()).unwrap(),
        back
    );
}

#[test]
fn oscal_json_errors_carry_the_path() {
    let cat = sample_catalog();
    let mut v = to_oscal_value(&cat);
    v["catalog"]["groups"][0]["controls"] = serde_json::json!([{"id": 5, "title": "x"}]);
    match from_oscal_json(&v.to_string()) {
        Err(OscalError::Parse(e)) => assert_eq!(e.path, "catalog.groups[0].controls[0].id"),
        other => panic!("{other:?}"),
    }
    match from_oscal_json("{\"catalog\": ") {
        Err(OscalError::Parse(e)) => assert!(e.message.contains("line 1"), "{e}"),
        other => panic!("{other:?}"),
    }
    // a duplicate id from an OSCAL editor is reported by validation
    let mut v = to_oscal_value(&cat);
    let dup = v["catalog"]["groups"][0]["groups"][0]["controls"][0].clone();
    v["catalog"]["groups"][0]["groups"][0]["controls"]
        .as_array_mut()
        .unwrap()
        .push(dup);
    match from_oscal_value(&v) {
        Err(OscalError::Invalid(e)) => assert_eq!(e.issues[0].problem.key(), "duplicate-id"),
        other => panic!("{other:?}"),
    }
}

/// An agency baseline: a profile over the (SAMPLE) ISMAP catalog in OSCAL
/// that selects some criteria and adds a requirement, resolved and read back.
#[test]
fn agency_profile_over_the_ismap_catalog() {
    use kasumi_oscal::{MemoryLoader, resolve_profile_with, to_json_value};
    let cat = sample_catalog();
    let profile = serde_json::json!({"profile": {
        "uuid": "00000000-0000-4000-8000-00000000a001",
        "metadata": {"title": "A省 追加要求事項（サンプル）", "version": "A-1", "oscal-version": "1.1.2"},
        "imports": [{"href": "ismap-sample.json", "include-controls": [
            {"with-ids": ["ismap-8.1.2", "ismap-9.2.1"], "with-child-controls": "yes"}]}],
        "merge": {"as-is": true},
        "modify": {"alters": [{"control-id": "ismap-9.2.1.1", "adds": [{"props": [
            {"name": "agency-requirement", "ns": "urn:example:agency", "value": "FIDO2"}]}]}]}
    }});
    let loader = MemoryLoader::new()
        .with("b/ismap-sample.json", to_oscal_value(&cat).to_string())
        .with("b/agency.json", profile.to_string());
    let resolved = resolve_profile_with(&loader, "b/agency.json").unwrap();
    let baseline =
        from_oscal_value(&serde_json::json!({"catalog": to_json_value(&resolved)})).unwrap();
    assert_eq!(baseline.scheme, Scheme::Ismap);
    assert_eq!(baseline.version.title_ja, "A省 追加要求事項（サンプル）");
    let ids: Vec<&str> = baseline.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "8", "8.1", "8.1.2", "8.1.2.1", "8.1.2.2", "8.1.2.3", "8.1.2.4", "8.1.2.5", "8.1.2.6",
            "9", "9.2", "9.2.1", "9.2.1.1"
        ]
    );
    assert_eq!(
        baseline.get("8.1.2.1"),
        cat.get("8.1.2.1"),
        "unchanged criteria read back exactly"
    );
    let altered = baseline.get("9.2.1.1").unwrap();
    assert!(altered.mandatory && altered.cloud_specific && altered.liu_critical);
    assert!(
        altered
            .oscal
            .as_ref()
            .unwrap()
            .to_string()
            .contains("FIDO2"),
        "the added requirement is kept"
    );
    // and it exports back to the same OSCAL
    assert_eq!(
        to_oscal_value(&baseline)["catalog"],
        to_json_value(&resolved)
    );
}

/// What compliance-trestle (`trestle validate`) requires of the strings we
/// write: prop values `^\S(.*\S)?$`, titles `^[^\n]+$`, `last-modified` a
/// timestamp. A version without an issue date and cells with line breaks
/// used to give an empty prop, a `T00:00:00+09:00` timestamp and two-line titles.
#[test]
fn oscal_export_keeps_to_oscal_string_rules() {
    let mut cat = sample_catalog();
    cat.version.issued = String::new();
    cat.version.title_en = " ".into();
    let item = cat.items.iter_mut().find(|i| i.id == "8.1.2.1").unwrap();
    item.title_ja = "資産の\n目録 ".into();
    item.title_en = "Inventory\r\nof assets\n".into();
    let v = to_oscal_value(&cat);

    fn walk(v: &serde_json::Value, path: &str, bad: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if m.contains_key("name") && path.ends_with("props[]") {
                    let value = m["value"].as_str().unwrap_or("");
                    if value.is_empty() || value.contains('\n') || value.trim() != value {
                        bad.push(format!("{path}: prop value {value:?}"));
                    }
                }
                if let Some(t) = m.get("title").and_then(|t| t.as_str())
                    && (t.is_empty() || t.contains('\n'))
                {
                    bad.push(format!("{path}: title {t:?}"));
                }
                for (k, child) in m {
                    walk(child, &format!("{path}.{k}"), bad);
                }
            }
            serde_json::Value::Array(a) => {
                for child in a {
                    walk(child, &format!("{path}[]"), bad);
                }
            }
            _ => {}
        }
    }
    let mut bad = Vec::new();
    walk(&v, "", &mut bad);
    assert!(bad.is_empty(), "{bad:#?}");

    let meta = &v["catalog"]["metadata"];
    assert_eq!(meta["last-modified"], "1970-01-01T00:00:00Z");
    let names: Vec<&str> = meta["props"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["catalog-id", "sample"],
        "blank title-en and issued are left out"
    );

    // Reading it back loses only the line breaks and blanks.
    let back = from_oscal_value(&v).unwrap();
    assert_eq!(back.version.issued, "");
    assert_eq!(back.version.title_en, "");
    let item = back.get("8.1.2.1").unwrap();
    assert_eq!(item.title_ja, "資産の 目録");
    assert_eq!(item.title_en, "Inventory of assets");

    // A real issue date still dates the document.
    let v = to_oscal_value(&sample_catalog());
    assert_eq!(
        v["catalog"]["metadata"]["last-modified"],
        "2026-01-01T00:00:00+09:00"
    );
}
