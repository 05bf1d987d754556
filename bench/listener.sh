#!/usr/bin/env bash
# The public listener under issue 16's attacks, against `keyward serve` as in
# production (file journal, SQLite store) with one OpenAI fake and a good key:
#
#   KEYWARD=build-bench/router/main/keyward bench/listener.sh
#
# First the issue's attack table (each row of it done once, with what the
# router did: status, time, connections closed), then, in one run, in this
# order (ratios are between figures of the same run):
#   1. baseline: an ordinary request (POST /v1/chat/completions, keep-alive,
#      `wrk -t1 -c1` for LAT_S seconds): p50 / p99;
#   2. a CHUNKED_MB MB chunked body: the status, and how much the router's peak
#      RSS (VmHWM) grew, against body_limit (1 MiB);
#   3. IDLE idle keep-alive connections open: the ordinary request's p50 / p99
#      again, and the router's RSS;
#   4. slowloris: LORIS connections each sending one header byte per second:
#      the ordinary request's p50 / p99 during the attack, and when each
#      trickling connection was closed (seconds after its first byte; the head
#      deadline is 10 s).
# Attack clients: bench/listener_attacks.py (Python standard library).
# Knobs: KEYWARD, IDLE=10000, LORIS=1000, LAT_S=5, CHUNKED_MB=100.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KEYWARD=${KEYWARD:-$ROOT/build/router/main/keyward}
IDLE=${IDLE:-10000}
LORIS=${LORIS:-1000}
LAT_S=${LAT_S:-5}
CHUNKED_MB=${CHUNKED_MB:-100}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keyward-listener.XXXXXX")
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "listener.sh: needs $tool" >&2; exit 2; }
done
[ -x "$KEYWARD" ] || { echo "listener.sh: no keyward binary at $KEYWARD" >&2; exit 2; }
KEYWARD=$(realpath "$KEYWARD")
ulimit -n "$(ulimit -Hn)"  # the idle connections' client ends live in this process tree
[ "$(ulimit -n)" -gt $((IDLE + 200)) ] || { echo "listener.sh: open files limit $(ulimit -n) < IDLE" >&2; exit 2; }

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
ATTACK="python3 $ROOT/bench/listener_attacks.py"

GOOD=sk-proj-GOOD-keyward-bench-0001
start_fake "$GOOD"
# The cap above IDLE, so that wrk's connection is not the one refused.
start_keyward listener 0 "server: {max_connections: $((IDLE + 1000))}"
URL="http://127.0.0.1:$KW_PORT/v1/chat/completions"

cat >"$WORK/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Help me fix this bug"}]}'
wrk.headers["Content-Type"] = "application/json"
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %.1f %.1f %d\n", summary.requests, latency:percentile(50),
    latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
EOF
# lat SECONDS -> "p50_us p99_us requests" (fails on any error)
lat() {
  local line
  line=$(wrk -t1 -c1 -d"$1s" --timeout 10s -s "$WORK/post.lua" "$URL" | grep '^RESULT')
  set -- $line
  [ "$5" = 0 ] || { echo "listener.sh: $5 errors / non-2xx from wrk" >&2; exit 1; }
  echo "$3 $4 $2"
}
kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$KW_PID/status"; }

echo "keyward: $KEYWARD ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')), $(date -u +%FT%TZ)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
lat 1 >/dev/null  # warm-up

echo "The issue's attack table, one attack after the other:"
$ATTACK table --port "$KW_PORT" --pid "$KW_PID"
echo
echo "The performance figures:"

read -r base_p50 base_p99 base_n < <(lat "$LAT_S")
rss_base=$(kb VmRSS)
printf '1. baseline: p50 %s us, p99 %s us (%s requests); RSS %d MiB\n' "$base_p50" "$base_p99" "$base_n" \
  $((rss_base / 1024))

hwm_before=$(kb VmHWM)
chunk_result=$($ATTACK chunked --port "$KW_PORT" --mb "$CHUNKED_MB" | grep '^RESULT')
hwm_after=$(kb VmHWM)
printf '2. %s; peak RSS grew by %d KiB (body_limit 1024 KiB)\n' "${chunk_result#RESULT }" $((hwm_after - hwm_before))

coproc IDLEP { $ATTACK idle --port "$KW_PORT" --count "$IDLE"; }
read -r ready opened <&"${IDLEP[0]}"
[ "$ready" = ready ] || { echo "listener.sh: idle holder failed" >&2; exit 1; }
# The holder's connects complete in the kernel's accept queue; the router
# accepts them a little later. Measure with the connections open, not during
# the burst of their accepts: wait (bounded) until the router counts them all.
open_conns() { curl -fsS "http://127.0.0.1:$KW_PORT/metrics" | awk '$1 == "keyward_http_open_connections" {print $2}'; }
for _ in $(seq 600); do [ "$(open_conns)" -ge "$opened" ] && break; sleep 0.05; done
read -r idle_p50 idle_p99 idle_n < <(lat "$LAT_S")
rss_idle=$(kb VmRSS)
open_now=$(open_conns)
exec {IDLEP[1]}>&-
read -r idle_result <&"${IDLEP[0]}"
wait "$IDLEP_PID" 2>/dev/null || true
printf '3. %s idle connections (router: %s open): p50 %s us, p99 %s us (%s requests); RSS %d MiB; %s\n' \
  "$opened" "$open_now" "$idle_p50" "$idle_p99" "$idle_n" $((rss_idle / 1024)) "${idle_result#RESULT }"

$ATTACK slowloris --port "$KW_PORT" --count "$LORIS" --rate 1 --max-seconds 40 >"$WORK/loris.out" &
loris=$!
for _ in $(seq 300); do grep -q '^ready' "$WORK/loris.out" 2>/dev/null && break; sleep 0.1; done
read -r loris_p50 loris_p99 loris_n < <(lat "$LAT_S")
wait "$loris"
printf '4. slowloris during the attack: p50 %s us, p99 %s us (%s requests); %s\n' "$loris_p50" "$loris_p99" \
  "$loris_n" "$(grep '^RESULT' "$WORK/loris.out" | sed 's/^RESULT //')"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$base_p99" "$idle_p99" "$loris_p99" <<'EOF'
import sys
base, idle, loris = map(float, sys.argv[1:])
print(f"p99 with idle connections / baseline p99: {idle / base:.2f} (target <= 2)")
print(f"p99 during slowloris: {loris / 1000:.2f} ms (target < 10 ms)")
EOF
