#!/usr/bin/env bash
# Kasumi's CYDER range vs NASim (issue 5's benchmark), same machine, same run.
#
# NASim: random-action steps per second on its tiny, small and medium
# benchmark scenarios (one Python process, default settings of
# nasim.make_benchmark). Kasumi: provisioning one team of each built-in
# scenario with 7 days of history, pinned to one core
# (cargo bench -p kasumi-range --bench provision), in simulated log events
# per second. The two units differ (an abstract attacker step vs one log
# line of a simulated network); the ratio is printed as the issue asks.
#
# Env: NASIM_STEPS (steps per scenario, default 50000), BENCH_CORE (default 0),
#      KASUMI_BENCH_ITERS (Kasumi iterations, default 5).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/target/bench-venv"
PY="$VENV/bin/python"
CORE="${BENCH_CORE:-0}"
if [[ ! -x "$PY" ]]; then
    echo "== creating $VENV"
    python3 -m venv "$VENV"
fi
if ! "$PY" -c 'import nasim' 2>/dev/null; then
    echo "== installing nasim into $VENV"
    "$VENV/bin/pip" install -q nasim
fi
PIN=()
if command -v taskset >/dev/null; then
    PIN=(taskset -c "$CORE")
else
    echo "(taskset not found: runs are not pinned to one core)"
fi

echo "== NASim $("$PY" -c 'import nasim; print(nasim.__version__)'): random-action steps per second"
NASIM_OUT="$(mktemp)"
trap 'rm -f "$NASIM_OUT"' EXIT
"${PIN[@]}" "$PY" - "${NASIM_STEPS:-50000}" <<'PYEOF' | tee "$NASIM_OUT"
import random
import sys
import time

import nasim

steps = int(sys.argv[1])
for name in ("tiny", "small", "medium"):
    env = nasim.make_benchmark(name, seed=0)
    env.reset(seed=0)
    pick = random.Random(0)
    n_actions = env.action_space.n
    # Warm-up, so imports and first-episode set-up are not counted.
    for _ in range(1000):
        _, _, done, truncated, _ = env.step(pick.randrange(n_actions))
        if done or truncated:
            env.reset()
    episodes = 0
    t0 = time.perf_counter()
    for _ in range(steps):
        _, _, done, truncated, _ = env.step(pick.randrange(n_actions))
        if done or truncated:
            env.reset()
            episodes += 1
    took = time.perf_counter() - t0
    print(f"NASIM scenario={name} actions={n_actions} steps={steps} episodes={episodes} "
          f"seconds={took:.3f} steps_per_s={steps / took:.0f}")
PYEOF

echo
echo "== Kasumi range: one team, 7 days of history, pinned to core $CORE"
KASUMI_OUT="$(cd "$ROOT" && "${PIN[@]}" cargo bench -q -p kasumi-range --bench provision 2>/dev/null)"
echo "$KASUMI_OUT" | grep -v '^BENCH \|^RANGE '
RANGE_LINES="$(echo "$KASUMI_OUT" | grep '^RANGE ')"

echo
echo "== summary"
"$PY" - "$NASIM_OUT" <<PYEOF
import statistics, sys

def fields(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:])

nasim = [fields(l) for l in open(sys.argv[1]) if l.startswith("NASIM ")]
kasumi = [fields(l) for l in """$RANGE_LINES""".splitlines() if l.startswith("RANGE ")]
nasim_median = statistics.median(float(n["steps_per_s"]) for n in nasim)
for n in nasim:
    print(f"NASim {n['scenario']:<8} {float(n['steps_per_s']):>12,.0f} steps/s")
print(f"NASim median     {nasim_median:>12,.0f} steps/s")
print("CybORG (CAGE-2)          ~100 steps/s  (published figure, not measured here)")
for k in kasumi:
    eps = float(k["events_per_s"])
    eps_r = float(k["events_per_s_render"])
    print(f"Kasumi {k['scenario']:<13} {int(k['events']):>9,} events in {float(k['provision_ms']):7.1f} ms "
          f"= {eps:>12,.0f} events/s/core ({eps / nasim_median:,.0f}x NASim); "
          f"with rendering {float(k['render_ms']):7.1f} ms = {eps_r:>12,.0f} events/s "
          f"({eps_r / nasim_median:,.0f}x); peak RSS {float(k['peak_mb']):.0f} MB")
saida = next((k for k in kasumi if k["scenario"] == "saida-city"), None)
if saida:
    ok_time = float(saida["provision_ms"]) < 1000
    ok_events = int(saida["events"]) >= 1_000_000
    ok_mem = float(saida["peak_mb"]) < 150
    print(f"targets (saida-city): >= 1,000,000 events {'met' if ok_events else 'MISSED'}; "
          f"under 1 s {'met' if ok_time else 'MISSED'}; under 150 MB {'met' if ok_mem else 'MISSED'}")
PYEOF
