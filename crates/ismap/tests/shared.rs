//! Locates the shared reference files (`KASUMI_SHARED_DIR`, default `../shared`
//! beside the workspace root).

use std::path::{Path, PathBuf};

/// The shared directory, or `None` (with a printed reason) when it is absent.
/// Panics instead when `KASUMI_REQUIRE_SHARED=1`.
pub fn shared_dir() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
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
    // Written straight to stderr (not eprintln!) so the test harness does
    // not swallow it for a passing test.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED (no shared data): {msg}");
    None
}

/// `oscal/nist.gov/SP800-53/rev4/json/<name>` under the shared directory.
pub fn rev4(name: &str) -> Option<PathBuf> {
    Some(
        shared_dir()?
            .join("oscal/nist.gov/SP800-53/rev4/json")
            .join(name),
    )
}
