//! Times importing and validating the full NIST rev4 catalog into the ISMAP
//! model, exporting it back, and searching it; plus SAMPLE spreadsheet round trips.
//!
//! Run: `cargo bench -p kasumi-ismap --bench import`
//! (same env settings as `kasumi-oscal`'s `resolve` bench).

use std::path::{Path, PathBuf};
use std::time::Instant;

use kasumi_ismap::oscal::{from_oscal_json, to_oscal_value};
use kasumi_ismap::*;

fn shared_dir() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = match std::env::var_os("KASUMI_SHARED_DIR") {
        Some(d) => root.join(d),
        None => root.join("../shared"),
    };
    if dir.join("oscal").is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "shared reference files not found at {} (set KASUMI_SHARED_DIR)",
        dir.display()
    );
    if std::env::var("KASUMI_REQUIRE_SHARED").as_deref() == Ok("1") {
        eprintln!("{msg}; KASUMI_REQUIRE_SHARED=1 makes this a failure");
        std::process::exit(1);
    }
    eprintln!("SKIPPED (NIST part): {msg}");
    None
}

fn measure<T>(name: &str, iters: usize, mut f: impl FnMut() -> T) {
    std::hint::black_box(f());
    let mut times: Vec<f64> = (0..iters)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{name:<40} median {median:8.2} ms   min {:8.2} ms   (n={iters})",
        times[0]
    );
    println!(
        "BENCH name={name} median_ms={median:.3} min_ms={:.3} iters={iters}",
        times[0]
    );
}

fn main() {
    let iters = std::env::var("KASUMI_BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10usize)
        .max(1);
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
