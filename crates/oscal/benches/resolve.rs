//! Times profile resolution and catalog import on NIST SP 800-53 rev4.
//!
//! Run: `cargo bench -p kasumi-oscal --bench resolve`
//! Env: `KASUMI_SHARED_DIR` (default `../shared` beside the workspace),
//! `KASUMI_BENCH_ITERS` (default 10), `KASUMI_REQUIRE_SHARED=1` to fail
//! when the reference files are missing.
//!
//! Each measurement prints a human line and a `BENCH name=… median_ms=…`
//! line for scripts (e.g. a later comparison with compliance-trestle).

use std::path::{Path, PathBuf};
use std::time::Instant;

use kasumi_oscal::{check_catalog, parse_catalog, resolve_profile};

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
    eprintln!("SKIPPED: {msg}");
    None
}

/// Runs `f` once to warm up, then `iters` times; prints min/median/mean.
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
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "{name:<48} median {median:8.2} ms   min {:8.2} ms   mean {mean:8.2} ms   (n={iters})",
        times[0]
    );
    println!(
        "BENCH name={name} median_ms={median:.3} min_ms={:.3} mean_ms={mean:.3} iters={iters}",
        times[0]
    );
}

fn main() {
    let Some(dir) = shared_dir() else {
        return;
    };
    let iters = std::env::var("KASUMI_BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10usize)
        .max(1);
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
