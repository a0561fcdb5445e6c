//! Times profile resolution and catalog import on NIST SP 800-53 rev4.
//!
//! Run: `cargo bench -p kasumi-oscal --bench resolve`
//! Env: `KASUMI_SHARED_DIR` (default `../shared` beside the workspace),
//! `KASUMI_BENCH_ITERS` (default 10), `KASUMI_REQUIRE_SHARED=1` to fail
//! when the reference files are missing.
//!
//! Each measurement prints a human line and a `BENCH name=… median_ms=…`
//! line for scripts (e.g. a later comparison with compliance-trestle).

use kasumi_oscal::{check_catalog, parse_catalog, resolve_profile};

use kasumi_testkit::{bench_iters, measure, shared_dir};

fn main() {
    let Some(dir) = shared_dir() else {
        return;
    };
    let iters = bench_iters(10);
    let json = dir.join("oscal/nist.gov/SP800-53/rev4/json");
    let catalog = json.join("NIST_SP-800-53_rev4_catalog.json");
    let text = std::fs::read_to_string(&catalog).expect("rev4 catalog");

    measure("rev4-catalog-parse", iters, || {
        parse_catalog(&text).expect("parse")
    });
    measure("rev4-catalog-read-parse-check", iters, || {
        let text = std::fs::read_to_string(&catalog).expect("read");
        let doc = parse_catalog(&text).expect("parse");
        let problems = check_catalog(&doc.catalog);
        assert!(problems.is_empty());
        assert_eq!(doc.catalog.control_count(), 922);
        doc
    });
    for level in ["LOW", "MODERATE"] {
        let profile = json.join(format!("NIST_SP-800-53_rev4_{level}-baseline_profile.json"));
        measure(&format!("rev4-{level}-resolve"), iters, || {
            resolve_profile(&profile).expect("resolve")
        });
        measure(
            &format!("rev4-{level}-resolve-and-write-json"),
            iters,
            || {
                let cat = resolve_profile(&profile).expect("resolve");
                kasumi_oscal::to_json_pretty(&serde_json::json!({ "catalog": cat }))
            },
        );
    }
}
