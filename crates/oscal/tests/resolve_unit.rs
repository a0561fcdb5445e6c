//! Profile resolution on small in-memory documents: every directive.

use kasumi_oscal::*;
use serde_json::{Value, json};

fn catalog() -> Value {
    json!({"catalog": {
        "uuid": "00000000-0000-4000-8000-000000000001",
        "metadata": {"title": "Tiny", "version": "1", "oscal-version": "1.1.2"},
        "groups": [
            {"id": "ac", "title": "Access", "controls": [
                {"id": "ac-1", "title": "Policy",
                 "params": [{"id": "ac-1_prm_1", "label": "frequency"}],
                 "props": [{"name": "label", "value": "AC-1"}],
                 "links": [{"href": "#res-1", "rel": "reference"}],
                 "parts": [{"id": "ac-1_smt", "name": "statement", "prose": "Do {{ insert: param, ac-1_prm_1 }}.",
                            "parts": [{"id": "ac-1_smt.a", "name": "item", "prose": "a"},
                                      {"id": "ac-1_smt.b", "name": "item", "class": "old", "prose": "b"}]},
                           {"id": "ac-1_gdn", "name": "guidance", "prose": "g"}],
                 "controls": [
                    {"id": "ac-1.1", "title": "Enh 1"},
                    {"id": "ac-1.2", "title": "Enh 2", "controls": [{"id": "ac-1.2.1", "title": "Deep"}]}
                 ]},
                {"id": "ac-2", "title": "Accounts", "x-unknown": {"kept": true}}
            ]},
            {"id": "au", "title": "Audit", "controls": [
                {"id": "au-1", "title": "Audit policy", "links": [{"href": "#res-2"}]},
                {"id": "au-2", "title": "Events"}
            ]}
        ],
        "back-matter": {"resources": [
            {"uuid": "res-1", "title": "One"},
            {"uuid": "res-2", "title": "Two"},
            {"uuid": "res-3", "title": "Unreferenced"}
        ]}
    }})
}

fn profile(body: Value) -> Value {
    let mut p = json!({"profile": {
        "uuid": "00000000-0000-4000-8000-0000000000aa",
        "metadata": {"title": "P", "oscal-version": "1.1.2"},
        "imports": [{"href": "#cat"}],
        "back-matter": {"resources": [{"uuid": "cat", "rlinks": [
            {"href": "cat.xml", "media-type": "application/oscal.catalog+xml"},
            {"href": "../catalogs/cat.json", "media-type": "application/oscal.catalog+json"}]}]}
    }});
    if let Value::Object(m) = body {
        for (k, v) in m {
            if k == "import" {
                for (ik, iv) in v.as_object().unwrap() {
                    p["profile"]["imports"][0][ik] = iv.clone();
                }
            } else {
                p["profile"][k] = v;
            }
        }
    }
    p
}

fn run(body: Value) -> Result<Catalog, ResolveError> {
    let loader = MemoryLoader::new()
        .with("base/catalogs/cat.json", catalog().to_string())
        .with("base/profiles/p.json", profile(body).to_string());
    resolve_profile_with(&loader, "base/profiles/p.json")
}

fn ids(c: &Catalog) -> Vec<String> {
    c.control_ids()
}

fn top_ids(cs: &[Control]) -> Vec<&str> {
    cs.iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn include_all_as_is_keeps_everything() {
    let cat = run(json!({"import": {"include-all": {}}, "merge": {"as-is": true}})).unwrap();
    assert_eq!(
        ids(&cat),
        [
            "ac-1", "ac-1.1", "ac-1.2", "ac-1.2.1", "ac-2", "au-1", "au-2"
        ]
    );
    assert_eq!(cat.groups.len(), 2);
    // unknown fields survive
    assert_eq!(
        cat.find_control("ac-2").unwrap().extra["x-unknown"],
        json!({"kept": true})
    );
    // back-matter keeps the referenced resources only
    let bm: Vec<_> = cat
        .back_matter
        .unwrap()
        .resources
        .iter()
        .map(|r| r.uuid.clone())
        .collect();
    assert_eq!(bm, ["res-1", "res-2"]);
    assert_eq!(cat.metadata.title, "P");
    assert!(
        cat.metadata
            .props
            .iter()
            .any(|p| p.name == "resolution-tool")
    );
}

#[test]
fn with_ids_and_promotion_of_orphans() {
    let cat = run(
        json!({"import": {"include-controls": [{"with-ids": ["ac-1.2", "au-2"]}]},
                         "merge": {"as-is": true}}),
    )
    .unwrap();
    assert_eq!(ids(&cat), ["ac-1.2", "au-2"]);
    assert_eq!(
        top_ids(&cat.groups[0].controls),
        ["ac-1.2"],
        "promoted into the group"
    );
    assert!(cat.back_matter.is_none());
}

#[test]
fn with_child_controls_and_exclude() {
    let cat = run(json!({"import": {
        "include-controls": [{"with-ids": ["ac-1"], "with-child-controls": "yes"}],
        "exclude-controls": [{"with-ids": ["ac-1.2"]}]},
        "merge": {"as-is": true}}))
    .unwrap();
    assert_eq!(ids(&cat), ["ac-1", "ac-1.1", "ac-1.2.1"]);
    assert_eq!(
        top_ids(&cat.groups[0].controls[0].controls),
        ["ac-1.1", "ac-1.2.1"]
    );
    assert_eq!(cat.groups.len(), 1, "empty group au dropped");
}

#[test]
fn matching_globs() {
    let cat = run(json!({"import": {"include-controls": [{"matching": [{"pattern": "ac-1.*"}, {"pattern": "au-?"}]}]},
                         "merge": {"flat": {}}}))
    .unwrap();
    assert_eq!(ids(&cat), ["ac-1.1", "ac-1.2", "ac-1.2.1", "au-1", "au-2"]);
    assert!(glob_match("ac-*", "ac-10.3"));
    assert!(!glob_match("ac-?", "ac-10"));
    assert!(glob_match("*", ""));
}

#[test]
fn flat_and_default_structures() {
    let flat = run(json!({"import": {"include-all": {}}, "merge": {"flat": {}}})).unwrap();
    assert!(flat.groups.is_empty());
    assert_eq!(flat.controls.len(), 7, "every control at the top level");
    assert!(flat.controls.iter().all(|c| c.controls.is_empty()));

    let default = run(json!({"import": {"include-all": {}}})).unwrap();
    assert!(default.groups.is_empty());
    assert_eq!(top_ids(&default.controls), ["ac-1", "ac-2", "au-1", "au-2"]);
    assert_eq!(default.control_count(), 7, "enhancements stay nested");
}

#[test]
fn set_parameters() {
    let cat = run(
        json!({"import": {"include-all": {}}, "merge": {"as-is": true},
        "modify": {"set-parameters": [{"param-id": "ac-1_prm_1", "values": ["annually"],
                                       "props": [{"name": "x", "value": "y"}]}]}}),
    )
    .unwrap();
    let p = &cat.find_control("ac-1").unwrap().params[0];
    assert_eq!(p.values, ["annually"]);
    assert_eq!(p.label.as_deref(), Some("frequency"));
    assert_eq!(p.props[0].name, "x");

    let err = run(json!({"import": {"include-all": {}},
        "modify": {"set-parameters": [{"param-id": "nope", "values": ["v"]}]}}))
    .unwrap_err();
    assert!(matches!(&err, ResolveError::UnknownParam { param_id, .. } if param_id == "nope"));
    assert!(err.to_string().contains("nope"));
}

fn part_ids(parts: &[Part]) -> Vec<&str> {
    parts
        .iter()
        .map(|p| p.id.as_deref().unwrap_or("-"))
        .collect()
}

#[test]
fn alters_add_in_every_position() {
    let cat = run(json!({"import": {"include-all": {}}, "merge": {"as-is": true},
        "modify": {"alters": [{"control-id": "ac-1", "adds": [
            {"position": "starting", "props": [{"name": "priority", "value": "P1"}]},
            {"props": [{"name": "last", "value": "z"}]},
            {"position": "before", "by-id": "ac-1_smt.b", "parts": [{"id": "new-before", "name": "item"}]},
            {"position": "after", "by-id": "ac-1_smt.b", "parts": [{"id": "new-after", "name": "item"}]},
            {"position": "starting", "by-id": "ac-1_smt", "parts": [{"id": "new-first", "name": "item"}]},
            {"position": "ending", "parts": [{"id": "ac-1_add", "name": "assessment"}]},
            {"position": "ending", "by-id": "ac-1_prm_1", "props": [{"name": "p", "value": "q"}]},
            {"position": "after", "by-id": "ac-1_prm_1", "params": [{"id": "ac-1_prm_2"}]}
        ]}]}}))
    .unwrap();
    let c = cat.find_control("ac-1").unwrap();
    assert_eq!(c.prop("priority"), Some("P1"));
    assert_eq!(c.props[0].name, "priority");
    assert_eq!(c.props.last().unwrap().name, "last");
    assert_eq!(part_ids(&c.parts), ["ac-1_smt", "ac-1_gdn", "ac-1_add"]);
    assert_eq!(
        part_ids(&c.parts[0].parts),
        [
            "new-first",
            "ac-1_smt.a",
            "new-before",
            "ac-1_smt.b",
            "new-after"
        ]
    );
    assert_eq!(c.params[0].props[0].name, "p");
    assert_eq!(c.params[1].id, "ac-1_prm_2");
}

#[test]
fn alters_remove_by_each_criterion() {
    let cat = run(json!({"import": {"include-all": {}}, "merge": {"as-is": true},
        "modify": {"alters": [{"control-id": "ac-1", "removes": [
            {"by-id": "ac-1_gdn"}, {"by-class": "old"}, {"by-name": "label"}, {"by-item-name": "link"}
        ]}]}}))
    .unwrap();
    let c = cat.find_control("ac-1").unwrap();
    assert_eq!(part_ids(&c.parts), ["ac-1_smt"]);
    assert_eq!(part_ids(&c.parts[0].parts), ["ac-1_smt.a"]);
    assert!(c.props.is_empty());
    assert!(c.links.is_empty());
    // with the link gone, res-1 is no longer referenced
    let bm: Vec<_> = cat
        .back_matter
        .unwrap()
        .resources
        .iter()
        .map(|r| r.uuid.clone())
        .collect();
    assert_eq!(bm, ["res-2"]);

    let ns = run(json!({"import": {"include-all": {}},
        "modify": {"alters": [{"control-id": "ac-2", "adds": [{"props": [
            {"name": "a", "ns": "https://example.jp/ns", "value": "1"}, {"name": "b", "value": "2"}]}],
            "removes": [{"by-ns": "https://example.jp/ns"}]}]}}))
    .unwrap();
    // removes run before adds within one alter, so the ns prop stays
    assert_eq!(ns.find_control("ac-2").unwrap().props.len(), 2);
}

#[test]
fn alter_errors_name_the_control() {
    let err = run(json!({"import": {"include-controls": [{"with-ids": ["ac-2"]}]},
        "modify": {"alters": [{"control-id": "au-1", "adds": [{"props": [{"name": "a", "value": "b"}]}]}]}}))
    .unwrap_err();
    assert!(
        matches!(&err, ResolveError::UnknownControl { control_id, .. } if control_id == "au-1"),
        "{err}"
    );

    let err = run(json!({"import": {"include-all": {}},
        "modify": {"alters": [{"control-id": "ac-1", "adds": [{"by-id": "nope", "parts": []}]}]}}))
    .unwrap_err();
    assert!(matches!(&err, ResolveError::UnknownAlterTarget { by_id, .. } if by_id == "nope"));

    let err = run(json!({"import": {"include-all": {}},
        "modify": {"alters": [{"control-id": "ac-1", "adds": [{"position": "before", "parts": []}]}]}}))
    .unwrap_err();
    assert!(matches!(err, ResolveError::InvalidAlter { .. }));
}

#[test]
fn unknown_with_id_is_an_error() {
    let err =
        run(json!({"import": {"include-controls": [{"with-ids": ["ac-1", "zz-9"]}]}})).unwrap_err();
    match &err {
        ResolveError::UnknownControl {
            control_id,
            document,
            ..
        } => {
            assert_eq!(control_id, "zz-9");
            assert_eq!(document, "base/catalogs/cat.json");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("zz-9"));
}

#[test]
fn profile_of_profile_and_duplicates() {
    let inner = profile(
        json!({"import": {"include-controls": [{"with-ids": ["ac-1", "ac-2"]}]},
        "merge": {"as-is": true},
        "modify": {"set-parameters": [{"param-id": "ac-1_prm_1", "values": ["monthly"]}]}}),
    );
    let outer = json!({"profile": {
        "uuid": "00000000-0000-4000-8000-0000000000bb",
        "metadata": {"title": "Agency baseline (ISMAP + additions)"},
        "imports": [
            {"href": "p.json", "include-all": {}},
            {"href": "../catalogs/cat.json", "include-controls": [{"with-ids": ["ac-2", "au-1"]}]}
        ],
        "merge": {"as-is": true},
        "modify": {"alters": [{"control-id": "au-1", "adds": [{"props": [{"name": "agency", "value": "yes"}]}]}]}
    }});
    let loader = MemoryLoader::new()
        .with("base/catalogs/cat.json", catalog().to_string())
        .with("base/profiles/p.json", inner.to_string())
        .with("base/profiles/outer.json", outer.to_string());
    let cat = resolve_profile_with(&loader, "base/profiles/outer.json").unwrap();
    assert_eq!(ids(&cat), ["ac-1", "ac-2", "au-1"], "ac-2 once (use-first)");
    assert_eq!(
        cat.find_control("ac-1").unwrap().params[0].values,
        ["monthly"]
    );
    assert_eq!(
        cat.find_control("au-1").unwrap().prop("agency"),
        Some("yes")
    );
    assert_eq!(top_ids(&cat.groups[0].controls), ["ac-1", "ac-2"]);
}

#[test]
fn cycles_are_reported() {
    let a = json!({"profile": {"uuid": "a", "metadata": {"title": "a"}, "imports": [{"href": "b.json"}]}});
    let b = json!({"profile": {"uuid": "b", "metadata": {"title": "b"}, "imports": [{"href": "a.json"}]}});
    let loader = MemoryLoader::new()
        .with("x/a.json", a.to_string())
        .with("x/b.json", b.to_string());
    let err = resolve_profile_with(&loader, "x/a.json").unwrap_err();
    assert_eq!(
        err,
        ResolveError::Cycle {
            chain: vec!["x/a.json".into(), "x/b.json".into(), "x/a.json".into()]
        }
    );
}

#[test]
fn parse_errors_give_the_json_path() {
    let mut bad = catalog();
    bad["catalog"]["groups"][1]["controls"][0]["id"] = json!(42);
    let err = parse_catalog(&bad.to_string()).unwrap_err();
    assert_eq!(err.path, "catalog.groups[1].controls[0].id");

    let loader = MemoryLoader::new()
        .with("base/catalogs/cat.json", bad.to_string())
        .with("base/profiles/p.json", profile(json!({})).to_string());
    let err = resolve_profile_with(&loader, "base/profiles/p.json").unwrap_err();
    match err {
        ResolveError::Parse { location, path, .. } => {
            assert_eq!(location, "base/catalogs/cat.json");
            assert_eq!(path, "catalog.groups[1].controls[0].id");
        }
        other => panic!("{other:?}"),
    }

    let loader = MemoryLoader::new().with("n.json", "{\"component-definition\": {}}");
    assert!(matches!(
        resolve_profile_with(&loader, "n.json"),
        Err(ResolveError::NotOscal { .. })
    ));
    let err = resolve_profile_with(&loader, "missing.json").unwrap_err();
    assert!(err.to_string().contains("missing.json"));
}

#[test]
fn join_locations() {
    assert_eq!(join_location("a/b/p.json", "../c/cat.json"), "a/c/cat.json");
    assert_eq!(join_location("/x/y/p.json", "../../../z.json"), "/z.json");
    assert_eq!(join_location("p.json", "../z.json"), "../z.json");
    assert_eq!(join_location("a/p.json", "./z.json"), "a/z.json");
    assert_eq!(join_location("a/p.json", "/abs/z.json"), "/abs/z.json");
}

#[test]
fn structural_check_lists_every_problem() {
    let mut v = catalog();
    v["catalog"]["groups"][1]["controls"][1]["id"] = json!("au-1");
    v["catalog"]["groups"][1]["controls"][0]["links"] = json!([{"href": "#nowhere"}]);
    v["catalog"]["groups"][0]["controls"][0]["parts"][1]["prose"] =
        json!("see {{ insert: param, ghost }}");
    let doc = parse_catalog(&v.to_string()).unwrap();
    assert_eq!(
        check_catalog(&doc.catalog),
        [
            CatalogProblem::DuplicateId { id: "au-1".into() },
            CatalogProblem::DanglingLink {
                owner: "au-1".into(),
                href: "#nowhere".into()
            },
            CatalogProblem::UnknownParamInsert {
                owner: "ac-1".into(),
                param_id: "ghost".into()
            },
        ]
    );
    assert_eq!(
        param_inserts("a {{ insert: param, x-1 }} b {{insert: param, y}}"),
        ["x-1", "y"]
    );
}
