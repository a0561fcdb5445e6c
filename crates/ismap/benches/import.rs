//! Times importing and validating the full NIST rev4 catalog into the ISMAP
//! model, exporting it back, and searching it; plus SAMPLE spreadsheet round trips.
//!
//! Run: `cargo bench -p kasumi-ismap --bench import`
//! (same env settings as `kasumi-oscal`'s `resolve` bench).

use kasumi_ismap::oscal::{from_oscal_json, to_oscal_value};
use kasumi_ismap::*;

use kasumi_testkit::{bench_iters, measure, shared_dir};

fn main() {
    let iters = bench_iters(10);
    let sample = sample_catalog();
    measure("sample-csv-export-import", iters, || {
        let csv = export_csv(&sample).unwrap();
        import_csv(&csv, "s.csv", sample.version.clone()).unwrap()
    });
    measure("sample-xlsx-export-import", iters, || {
        let x = export_xlsx(&sample).unwrap();
        import_xlsx(&x).unwrap()
    });
    let Some(dir) = shared_dir() else {
        return;
    };
    let path = dir.join("oscal/nist.gov/SP800-53/rev4/json/NIST_SP-800-53_rev4_catalog.json");
    let text = std::fs::read_to_string(path).expect("rev4 catalog");
    measure("rev4-import-and-validate", iters, || {
        from_oscal_json(&text).expect("import")
    });
    let cat = from_oscal_json(&text).unwrap();
    measure("rev4-export-oscal", iters, || to_oscal_value(&cat));
    measure("rev4-search-index-build", iters, || {
        SearchIndex::build(&cat)
    });
    let idx = SearchIndex::build(&cat);
    measure("rev4-search-query", iters, || {
        idx.search("audit records", 10)
    });
}
