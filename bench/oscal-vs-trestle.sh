#!/usr/bin/env bash
# Kasumi vs compliance-trestle on NIST SP 800-53 rev4 (issue 3's benchmark).
#
# Times, as whole processes (both sides pay their start-up):
#   (a) resolving the MODERATE baseline profile into a catalog;
#   (b) importing and validating the full rev4 catalog;
# prints the medians and the ratio, then checks with `trestle validate` that
# the OSCAL Kasumi writes (a resolved profile, a stored catalog exported
# again, and an ISMAP catalog in Kasumi's own layout) is accepted by trestle.
# Exits non-zero if trestle rejects any of it.
#
# Env: BENCH_RUNS (default 5), KASUMI_SHARED_DIR (default <repo>/../shared),
#      BENCH_INPROCESS=0 to skip the in-process cargo benches.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${KASUMI_SHARED_DIR:-$ROOT/../shared}"
# Like kasumi_testkit::shared_dir: a relative KASUMI_SHARED_DIR is taken from the repo root.
case "$SHARED" in /*) ;; *) SHARED="$ROOT/$SHARED" ;; esac
REV4="$SHARED/oscal/nist.gov/SP800-53/rev4/json"
CATALOG="$REV4/NIST_SP-800-53_rev4_catalog.json"
PROFILE="$REV4/NIST_SP-800-53_rev4_MODERATE-baseline_profile.json"
if [[ ! -f "$CATALOG" || ! -f "$PROFILE" ]]; then
    echo "shared reference files not found under $SHARED (set KASUMI_SHARED_DIR to the folder holding oscal/)" >&2
    exit 2
fi
RUNS="${BENCH_RUNS:-5}"

VENV="$ROOT/target/bench-venv"
if [[ ! -x "$VENV/bin/trestle" ]]; then
    echo "== creating $VENV and installing compliance-trestle"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q compliance-trestle
fi
PY="$VENV/bin/python"
TRESTLE="$VENV/bin/trestle"

echo "== building Kasumi (release)"
(cd "$ROOT" && cargo build --release -q -p kasumi &&
    cargo build --release -q -p kasumi-ismap --example export_oscal)
KASUMI="$ROOT/target/release/kasumi"
EXPORT_OSCAL="$ROOT/target/release/examples/export_oscal"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
LOG="$WORK/log"
TW="$WORK/trestle"
mkdir -p "$TW"
cd "$TW"
"$TRESTLE" init >>"$LOG" 2>&1
"$TRESTLE" import -f "$CATALOG" -o nist-rev4 >>"$LOG" 2>&1
"$TRESTLE" import -f "$PROFILE" -o moderate >>"$LOG" 2>&1
# trestle fetches the profile's import through its back-matter link, which is
# relative to NIST's repository layout; inside its workspace it wants a
# trestle:// href to the imported catalog instead.
"$PY" - profiles/moderate/profile.json <<'PYEOF'
import json, sys
path = sys.argv[1]
with open(path) as f:
    doc = json.load(f)
doc["profile"]["imports"][0]["href"] = "trestle://catalogs/nist-rev4/catalog.json"
with open(path, "w") as f:
    json.dump(doc, f, indent=2)
PYEOF

# The operations being timed; $1 is the run number (fresh names for imports).
trestle_resolve() { "$TRESTLE" author profile-resolve -n moderate -o moderate-resolved; }
kasumi_resolve() { "$KASUMI" oscal resolve "$PROFILE" -o "$WORK/kasumi-moderate.json"; }
trestle_import_validate() {
    "$TRESTLE" import -f "$CATALOG" -o "rev4-run$1" &&
        "$TRESTLE" validate -f "catalogs/rev4-run$1/catalog.json"
}
kasumi_validate() { "$KASUMI" oscal validate "$CATALOG"; }
kasumi_import() { "$KASUMI" catalog import "$CATALOG" --id "rev4-run$1" --data-dir "$WORK/kasumi-data"; }

now_ns() { date +%s%N; }

# time_runs FUNCTION: one warm-up run, then $RUNS timed runs; prints the median in ms.
time_runs() {
    local f="$1" i t0 t1 times=()
    "$f" warmup >>"$LOG" 2>&1 || { echo "$f failed; log:" >&2; tail -20 "$LOG" >&2; exit 1; }
    for ((i = 1; i <= RUNS; i++)); do
        t0=$(now_ns)
        "$f" "$i" >>"$LOG" 2>&1 || { echo "$f failed; log:" >&2; tail -20 "$LOG" >&2; exit 1; }
        t1=$(now_ns)
        times+=("$(((t1 - t0) / 1000))")
    done
    "$PY" -c 'import statistics, sys; print(f"{statistics.median(int(a) for a in sys.argv[1:]) / 1000:.1f}")' "${times[@]}"
}

ratio() { "$PY" -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.0f}")' "$1" "$2"; }

echo "== timing $RUNS runs each (medians of whole-process wall time, after one warm-up run)"
echo "trestle: $("$TRESTLE" version 2>/dev/null | tail -1)"
echo "kasumi:  $("$KASUMI" --version)"
t_res=$(time_runs trestle_resolve)
k_res=$(time_runs kasumi_resolve)
t_imp=$(time_runs trestle_import_validate)
k_val=$(time_runs kasumi_validate)
k_imp=$(time_runs kasumi_import)

printf '\n%-52s %12s %12s %8s\n' "operation" "kasumi ms" "trestle ms" "ratio"
printf '%-52s %12s %12s %7sx\n' "resolve rev4 MODERATE profile" "$k_res" "$t_res" "$(ratio "$t_res" "$k_res")"
printf '%-52s %12s %12s %7sx\n' "import+validate rev4 catalog (kasumi oscal validate)" "$k_val" "$t_imp" "$(ratio "$t_imp" "$k_val")"
printf '%-52s %12s %12s %7sx\n' "import+validate rev4 catalog (kasumi catalog import)" "$k_imp" "$t_imp" "$(ratio "$t_imp" "$k_imp")"
echo "(target: kasumi at least 50x faster on each)"

if [[ "${BENCH_INPROCESS:-1}" != 0 ]]; then
    echo
    echo "== in-process Kasumi medians, for information (cargo bench)"
    (cd "$ROOT" && KASUMI_SHARED_DIR="$SHARED" cargo bench -q -p kasumi-oscal --bench resolve 2>/dev/null &&
        KASUMI_SHARED_DIR="$SHARED" cargo bench -q -p kasumi-ismap --bench import 2>/dev/null) |
        grep -E '^BENCH name=(rev4-MODERATE-resolve|rev4-catalog-read-parse-check|rev4-import-and-validate) ' || true
fi

echo
echo "== does trestle accept the OSCAL Kasumi writes?"
"$KASUMI" catalog export rev4-run1 -o "$WORK/kasumi-rev4-export.json" --data-dir "$WORK/kasumi-data" >>"$LOG" 2>&1
"$EXPORT_OSCAL" "$WORK/kasumi-ismap-sample.json" >>"$LOG" 2>&1
failed=0
for name in moderate rev4-export ismap-sample; do
    file="$WORK/kasumi-$name.json"
    if "$TRESTLE" import -f "$file" -o "kasumi-$name" >"$WORK/check.log" 2>&1 &&
        "$TRESTLE" validate -f "catalogs/kasumi-$name/catalog.json" >>"$WORK/check.log" 2>&1; then
        echo "VALID    $name ($(basename "$file")): trestle import + trestle validate passed"
    else
        echo "REJECTED $name ($(basename "$file")):"
        sed 's/^/    /' "$WORK/check.log" | tail -20
        failed=1
    fi
done
exit "$failed"
