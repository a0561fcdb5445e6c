#!/usr/bin/env bash
# The public cloud service list API under load: a release build of Kasumi in
# demo mode (20 listed services) on loopback, driven by wrk on the same machine.
# Usage: bench/registry-wrk.sh   (env: DURATION=20s CONNECTIONS=32 PORT=8097)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-8097}"
if ! command -v wrk >/dev/null 2>&1; then
  apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -q -p kasumi
data="$(mktemp -d)"
target/release/kasumi serve --listen "127.0.0.1:$PORT" --data-dir "$data" --demo >"$data/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.2
done
count=$(curl -sf "http://127.0.0.1:$PORT/api/v1/registry" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
echo "listed services: $count; wrk $(wrk --version 2>&1 | head -1 | cut -d' ' -f2); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
wrk -t2 -c"$CONNECTIONS" -d5s "http://127.0.0.1:$PORT/api/v1/registry" >/dev/null # warm-up
for path in /api/v1/registry "/api/v1/registry?model=saas&sort=valid" /registry; do
  echo "== GET $path (-t2 -c$CONNECTIONS -d$DURATION)"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT$path" |
    grep -E 'Requests/sec|^ +(50|99)%|Non-2xx|Socket errors'
done
