#!/usr/bin/env bash
# keyward's cold failover cost per failing key, end to end through
# `keyward serve` (file journal + SQLite store, as in production), in about a
# minute. The same setup as bench/compare_peers.sh's keyward-cold contender,
# without Portkey, so it can be rerun after every change:
#
#   KEYWARD=build-bench/router/main/keyward bench/cold_e2e.sh
#
# For each N in NS it starts `keyward serve` with N keys that answer 401 and
# one good key, quarantine {auth_base: 0ms, auth_max: 0ms} (every request
# tries every bad key again), and measures p50 with `wrk -t1 -c1` (keep-alive)
# for LAT_S seconds, ROUNDS times, interleaved with the floor (wrk straight to
# the fake with the good key: one loopback round trip). It prints the
# least-squares slope of the median p50 over N, divided by the floor's p50.
#
# KEYWARD_B=<another keyward binary> measures a second build in the same run
# (e.g. before and after a change): for each N both serve side by side
# against the same fake, and every round measures the floor, A, then B. It
# prints both slopes and B's divided by A's.
#
# PERF_N=5 also records `perf record -e cpu-clock --call-graph dwarf` of the keyward process
# during one extra PERF_S-second wrk run at N = PERF_N, into $PERF_OUT.
#
# Knobs: KEYWARD, KEYWARD_B, NS="0 2 4 6 8 10", ROUNDS=3, LAT_S=2, PERF_N, PERF_S=8,
# PERF_OUT=/tmp/keyward-cold.perf.data
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KEYWARD=${KEYWARD:-$ROOT/build/router/main/keyward}
KEYWARD_B=${KEYWARD_B:-}
NS=${NS:-0 2 4 6 8 10}
ROUNDS=${ROUNDS:-3}
LAT_S=${LAT_S:-2}
PERF_N=${PERF_N:-}
PERF_S=${PERF_S:-8}
PERF_OUT=${PERF_OUT:-/tmp/keyward-cold.perf.data}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keyward-cold.XXXXXX")
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "cold_e2e: needs $tool" >&2; exit 2; }
done
[ -x "$KEYWARD" ] || { echo "cold_e2e: no keyward binary at $KEYWARD" >&2; exit 2; }
KEYWARD=$(realpath "$KEYWARD")  # keyward serve runs in its own directory
if [ -n "$KEYWARD_B" ]; then
  [ -x "$KEYWARD_B" ] || { echo "cold_e2e: no keyward binary at $KEYWARD_B" >&2; exit 2; }
  KEYWARD_B=$(realpath "$KEYWARD_B")
fi

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

GOOD=sk-proj-GOOD-keyward-bench-0001
start_fake "$GOOD"

cat >"$WORK/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("AUTH") or ""
if auth ~= "" then wrk.headers["Authorization"] = auth end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %.1f %d\n", summary.requests, latency:percentile(50),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
EOF
BODY_KW='{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Help me fix this bug"}]}'
BODY_OAI='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Help me fix this bug"}]}'
p50() {  # URL BODY AUTH SECONDS -> p50 in us (fails on any error)
  local line
  line=$(BODY=$2 AUTH=$3 wrk -t1 -c1 -d"$4s" --timeout 10s -s "$WORK/post.lua" "$1" | grep '^RESULT')
  set -- $line
  [ "$4" = 0 ] || { echo "cold_e2e: $4 errors / non-2xx" >&2; exit 1; }
  echo "$3"
}

echo "keyward: $KEYWARD${KEYWARD_B:+ (A), $KEYWARD_B (B)}; load: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$WORK/points"
COLD='quarantine: {auth_base: 0ms, auth_max: 0ms}'
for n in $NS; do
  if [ -n "$KEYWARD_B" ]; then
    KEYWARD=$KEYWARD_B start_keyward coldB "$n" "$COLD"
    url_b="http://127.0.0.1:$KW_PORT/v1/chat/completions"
    pid_b=$KW_PID
    p50 "$url_b" "$BODY_KW" "" 1 >/dev/null  # warm-up
  fi
  start_keyward cold "$n" "$COLD"
  url="http://127.0.0.1:$KW_PORT/v1/chat/completions"
  p50 "$url" "$BODY_KW" "" 1 >/dev/null  # warm-up
  for r in $(seq "$ROUNDS"); do
    f=$(p50 "$FAKE_BASE/chat/completions" "$BODY_OAI" "Bearer $GOOD" "$LAT_S")
    c=$(p50 "$url" "$BODY_KW" "" "$LAT_S")
    if [ -n "$KEYWARD_B" ]; then
      b=$(p50 "$url_b" "$BODY_KW" "" "$LAT_S")
      echo "$n $r $f $c $b" >>"$WORK/points"
      printf '  N=%-2s round %s: floor p50 %6.1f us  cold p50 A %7.1f us  B %7.1f us\n' "$n" "$r" "$f" "$c" "$b"
    else
      echo "$n $r $f $c" >>"$WORK/points"
      printf '  N=%-2s round %s: floor p50 %6.1f us  cold p50 %7.1f us\n' "$n" "$r" "$f" "$c"
    fi
  done
  if [ "$n" = "$PERF_N" ]; then
    perf record -e cpu-clock --call-graph dwarf,16384 -o "$PERF_OUT" -p "$KW_PID" -- sleep "$PERF_S" >"$WORK/perf.log" 2>&1 &
    perf_pid=$!
    p50 "$url" "$BODY_KW" "" "$PERF_S" >/dev/null
    wait "$perf_pid" || cat "$WORK/perf.log" >&2
    echo "  perf profile of keyward at N=$n: $PERF_OUT"
  fi
  stop_pid "$KW_PID"
  if [ -n "$KEYWARD_B" ]; then stop_pid "$pid_b"; fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$WORK/points" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
ns = sorted({int(r[0]) for r in rows})
floor = statistics.median(float(r[2]) for r in rows)
columns = [("A", 3), ("B", 4)] if len(rows[0]) > 4 else [("", 3)]
slopes = {}
for name, col in columns:
    cold = {n: statistics.median(float(r[col]) for r in rows if int(r[0]) == n) for n in ns}
    print(f"N    cold p50 {name} (median of rounds)")
    for n in ns: print(f"{n:<4} {cold[n]:8.1f} us")
    if len(ns) > 1:
        mx, my = statistics.mean(ns), statistics.mean(cold.values())
        s = sum((n - mx) * (cold[n] - my) for n in ns) / sum((n - mx) ** 2 for n in ns)
        slopes[name] = s
        label = f" {name}" if name else ""
        print(f"cold cost per failing key{label} (least-squares slope): {s:.1f} us = {s / floor:.2f} wrk round trips")
print(f"floor p50 (wrk -> fake, median of all rounds): {floor:.1f} us")
if "A" in slopes and "B" in slopes and slopes["A"] > 0:
    print(f"B / A per failing key: {slopes['B'] / slopes['A']:.3f}")
EOF
