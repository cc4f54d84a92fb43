#!/usr/bin/env bash
# CI smoke of the load generator against hubchat-server: small N, a few seconds. Fails on
# any lost, duplicated, reordered or misattributed message, never on a timing.
# Usage: scripts/bench-smoke.sh BUILD_DIR
set -euo pipefail
dir="${1:-build}"
server="$dir/src/hubchat-server"
bench="$dir/bench/hubchat-bench"
log=$(mktemp)
"$server" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
  grep -q "listening on" "$log" && break
  sleep 0.05
done
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
[[ -n "$port" ]] || { echo "bench-smoke: server did not start"; cat "$log"; exit 1; }
for scenario in broadcast direct churn idle; do
  echo "bench-smoke: $scenario"
  "$bench" --smoke --quiet --port "$port" --server-pid "$pid" --scenario "$scenario"
done
kill -TERM "$pid"
wait "$pid"
