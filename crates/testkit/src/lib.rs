//! Support for Kasumi's tests and benchmarks.
//!
//! The NIST OSCAL content and the domain notes live outside the project, in
//! `../shared/` beside the checkout (or wherever `KASUMI_SHARED_DIR` points).
//! [`shared_dir`] finds it and says plainly when it is absent: the caller then
//! skips, unless `KASUMI_REQUIRE_SHARED=1` makes absence a failure (CI sets it).

use std::io::Write;
use std::path::{Path, PathBuf};

/// The workspace root (this crate sits at `crates/testkit`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared folder holding `oscal/`, or `None` (after saying why) when it is missing.
pub fn shared_dir() -> Option<PathBuf> {
    let root = workspace_root();
    let dir = match std::env::var_os("KASUMI_SHARED_DIR") {
        Some(d) => root.join(d),
        None => root.join("../shared"),
    };
    if dir.join("oscal").is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "shared reference files not found at {} (set KASUMI_SHARED_DIR to the folder holding oscal/)",
        dir.display()
    );
    if std::env::var("KASUMI_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("{msg}; KASUMI_REQUIRE_SHARED=1 makes this a failure");
    }
    // Straight to stderr, not eprintln!, so the test harness shows it for a passing test too.
    let _ = writeln!(std::io::stderr(), "SKIPPED (no shared data): {msg}");
    None
}

/// `oscal/nist.gov/SP800-53/rev4/json/<name>` under the shared folder.
pub fn rev4(name: &str) -> Option<PathBuf> {
    Some(
        shared_dir()?
            .join("oscal/nist.gov/SP800-53/rev4/json")
            .join(name),
    )
}

/// Iterations for the benchmarks: `KASUMI_BENCH_ITERS`, else `default`.
pub fn bench_iters(default: usize) -> usize {
    std::env::var("KASUMI_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
        .max(1)
}

/// Runs `f` once to warm up, then `iters` times; prints a line for people and a
/// `BENCH name=… median_ms=…` line for scripts, and returns the median in ms.
pub fn measure<T>(name: &str, iters: usize, mut f: impl FnMut() -> T) -> f64 {
    std::hint::black_box(f());
    let mut times: Vec<f64> = (0..iters.max(1))
        .map(|_| {
            let t = std::time::Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "{name:<40} median {median:8.2} ms   min {:8.2} ms   mean {mean:8.2} ms   (n={})",
        times[0],
        times.len()
    );
    println!(
        "BENCH name={name} median_ms={median:.3} min_ms={:.3} iters={}",
        times[0],
        times.len()
    );
    median
}
