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

# time_runs FUNCTION: one warm-up run, then $RUNS timed runs; prints the
# median wall time and the median CPU time (user + sys of the process tree,
# from getrusage), in ms. On a machine shared with other work, CPU time is
# steadier than wall time. Each run is `bash -c FUNCTION N`, for both sides.
export -f trestle_resolve kasumi_resolve trestle_import_validate kasumi_validate kasumi_import
export TRESTLE KASUMI PROFILE CATALOG WORK
time_runs() {
    "$PY" - "$1" "$RUNS" "$LOG" <<'PYEOF'
import resource, statistics, subprocess, sys, time

name, runs, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def run(arg):
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(log, "a") as out:
        rc = subprocess.run(["bash", "-c", f'{name} "$1"', name, arg], stdout=out, stderr=out).returncode
    wall = (time.perf_counter() - t0) * 1000
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rc != 0:
        sys.exit(f"{name} failed (exit {rc}); see the end of the log:\n" + "".join(open(log).readlines()[-20:]))
    cpu = (cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime) * 1000
    return wall, cpu

run("warmup")
walls, cpus = zip(*(run(str(i)) for i in range(1, runs + 1)))
print(f"{statistics.median(walls):.1f} {statistics.median(cpus):.1f}")
PYEOF
}

ratio() { "$PY" -c 'import sys; print(f"{float(sys.argv[1]) / max(float(sys.argv[2]), 1):.0f}")' "$1" "$2"; }

echo "== timing $RUNS runs each (medians of whole-process wall and CPU time, after one warm-up run)"
echo "trestle: $("$TRESTLE" version 2>/dev/null | tail -1)"
echo "kasumi:  $("$KASUMI" --version)"
out=$(time_runs trestle_resolve) && read -r t_res t_res_cpu <<<"$out"
out=$(time_runs kasumi_resolve) && read -r k_res k_res_cpu <<<"$out"
out=$(time_runs trestle_import_validate) && read -r t_imp t_imp_cpu <<<"$out"
out=$(time_runs kasumi_validate) && read -r k_val k_val_cpu <<<"$out"
out=$(time_runs kasumi_import) && read -r k_imp k_imp_cpu <<<"$out"

row() { # operation kasumi-wall trestle-wall kasumi-cpu trestle-cpu
    printf '%-52s %10s %10s %6sx %10s %10s %6sx\n' "$1" "$2" "$3" "$(ratio "$3" "$2")" "$4" "$5" "$(ratio "$5" "$4")"
}
printf '\n%-52s %10s %10s %7s %10s %10s %7s\n' "" "wall ms" "" "" "CPU ms" "" ""
printf '%-52s %10s %10s %7s %10s %10s %7s\n' "operation" "kasumi" "trestle" "ratio" "kasumi" "trestle" "ratio"
row "resolve rev4 MODERATE profile" "$k_res" "$t_res" "$k_res_cpu" "$t_res_cpu"
row "import+validate rev4 catalog (kasumi oscal validate)" "$k_val" "$t_imp" "$k_val_cpu" "$t_imp_cpu"
row "import+validate rev4 catalog (kasumi catalog import)" "$k_imp" "$t_imp" "$k_imp_cpu" "$t_imp_cpu"
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
