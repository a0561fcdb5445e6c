//! Tests against NIST's SP 800-53 rev4 content and NIST's own resolved baselines.

use std::collections::BTreeSet;

use kasumi_oscal::*;
use serde_json::Value;

use kasumi_testkit::rev4;

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn rev4_catalog_counts_and_round_trip() {
    let Some(path) = rev4("NIST_SP-800-53_rev4_catalog.json") else {
        return;
    };
    let text = read(&path);
    let doc = parse_catalog(&text).expect("rev4 catalog parses");
    assert_eq!(doc.catalog.groups.len(), 18, "18 control families");
    assert_eq!(
        doc.catalog.control_count(),
        922,
        "922 controls and enhancements"
    );

    // serialize -> parse gives an equal value
    let out = to_json_pretty(&doc);
    let again = parse_catalog(&out).expect("re-parse");
    assert_eq!(again, doc);

    // and the JSON equals the original input: nothing lost, nothing invented
    let original: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(to_json_value(&doc), original);
}

fn walk_json<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    if let Some(cs) = v.get("controls").and_then(Value::as_array) {
        for c in cs {
            out.push(c);
            walk_json(c, out);
        }
    }
    if let Some(gs) = v.get("groups").and_then(Value::as_array) {
        for g in gs {
            walk_json(g, out);
        }
    }
}

fn compare_baseline(level: &str) {
    let Some(profile) = rev4(&format!(
        "NIST_SP-800-53_rev4_{level}-baseline_profile.json"
    )) else {
        return;
    };
    let expected_path = rev4(&format!(
        "NIST_SP-800-53_rev4_{level}-baseline-resolved-profile_catalog.json"
    ))
    .unwrap();
    let resolved = resolve_profile(&profile).unwrap_or_else(|e| panic!("{level}: {e}"));
    let expected: Value = serde_json::from_str(&read(&expected_path)).unwrap();
    let expected = &expected["catalog"];
    let got = to_json_value(&resolved);

    // 1. the set (and order) of control ids
    let (mut e_ctl, mut g_ctl) = (Vec::new(), Vec::new());
    walk_json(expected, &mut e_ctl);
    walk_json(&got, &mut g_ctl);
    let e_ids: Vec<&str> = e_ctl.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let g_ids: Vec<&str> = g_ctl.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let e_set: BTreeSet<_> = e_ids.iter().collect();
    let g_set: BTreeSet<_> = g_ids.iter().collect();
    assert_eq!(
        g_set.difference(&e_set).collect::<Vec<_>>(),
        Vec::<&&&str>::new(),
        "{level}: ids we have and NIST does not"
    );
    assert_eq!(
        e_set.difference(&g_set).collect::<Vec<_>>(),
        Vec::<&&&str>::new(),
        "{level}: ids NIST has and we do not"
    );
    assert_eq!(g_ids, e_ids, "{level}: control order");

    // 2. parameters (values, labels, selections) of every control
    for (e, g) in e_ctl.iter().zip(&g_ctl) {
        assert_eq!(
            g.get("params"),
            e.get("params"),
            "{level}: params of {}",
            e["id"]
        );
    }

    // 3. what the alters added (NIST's baselines add a leading `priority` prop)
    let doc = parse_profile(&read(&profile)).unwrap();
    let alters = &doc.profile.modify.as_ref().unwrap().alters;
    assert!(!alters.is_empty());
    for alter in alters {
        let c = resolved.find_control(&alter.control_id).unwrap();
        let e = e_ctl
            .iter()
            .find(|x| x["id"] == alter.control_id.as_str())
            .unwrap();
        let added: Vec<Prop> = alter.adds.iter().flat_map(|a| a.props.clone()).collect();
        assert_eq!(
            &c.props[..added.len()],
            &added[..],
            "{level}: props added to {}",
            c.id
        );
        assert_eq!(
            to_json_value(&c.props),
            e["props"],
            "{level}: props of {}",
            c.id
        );
        assert_eq!(
            to_json_value(&c.parts),
            e["parts"],
            "{level}: parts of {}",
            c.id
        );
    }

    // 4. everything in the groups, byte for byte as JSON
    assert_eq!(
        got["groups"], expected["groups"],
        "{level}: resolved groups"
    );

    // 5. back matter: exactly the referenced resources, in catalog order
    let uuids = |v: &Value| -> Vec<String> {
        v["back-matter"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["uuid"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        uuids(&got),
        uuids(expected),
        "{level}: back-matter resources"
    );
    assert_eq!(got["back-matter"], expected["back-matter"]);
    assert_eq!(
        resolved.metadata.title,
        expected["metadata"]["title"].as_str().unwrap()
    );
}

#[test]
fn rev4_low_baseline_matches_nist_resolution() {
    compare_baseline("LOW");
}

#[test]
fn rev4_moderate_baseline_matches_nist_resolution() {
    compare_baseline("MODERATE");
}

#[test]
fn missing_catalog_file_is_named() {
    let Some(dir) = kasumi_testkit::shared_dir() else {
        return;
    };
    // A copy of the LOW profile whose import points at a file that does not exist.
    let text =
        read(&dir.join(
            "oscal/nist.gov/SP800-53/rev4/json/NIST_SP-800-53_rev4_LOW-baseline_profile.json",
        ));
    let text = text.replace("rev4_catalog.json", "rev4_catalog_MISSING.json");
    let loader = MemoryLoader::new().with("profiles/low.json", text);
    let err = resolve_profile_with(&loader, "profiles/low.json").unwrap_err();
    match &err {
        ResolveError::Load { location, .. } => {
            assert!(
                location.ends_with(
                    "nist.gov/SP800-53/rev4/json/NIST_SP-800-53_rev4_catalog_MISSING.json"
                ),
                "{location}"
            )
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("rev4_catalog_MISSING.json"));
}

#[test]
fn rev4_catalog_and_resolved_baselines_are_structurally_sound() {
    let Some(path) = rev4("NIST_SP-800-53_rev4_catalog.json") else {
        return;
    };
    let doc = parse_catalog(&read(&path)).unwrap();
    assert_eq!(check_catalog(&doc.catalog), Vec::new());
    // A resolved baseline keeps only some controls: `related` links to
    // controls left out dangle (by design), but ids stay unique and every
    // parameter insertion still resolves.
    let profile = rev4("NIST_SP-800-53_rev4_LOW-baseline_profile.json").unwrap();
    let low = resolve_profile(&profile).unwrap();
    let problems = check_catalog(&low);
    assert!(
        problems
            .iter()
            .all(|p| matches!(p, CatalogProblem::DanglingLink { .. })),
        "{problems:?}"
    );
}
