#!/usr/bin/env bash
# keyward vs Portkey's AI gateway (npm @portkey-ai/gateway, pinned below), side
# by side, on loopback, against one OpenAI fake (`keyward fake`) whose keys are
# N auth-failing keys (401 invalid_api_key) and then a good one.
#
#   bench/compare_peers.sh            # ~6 minutes; writes docs/bench/failover_vs_portkey.svg
#
# Measured in one run, interleaved (every round runs each contender in turn):
#   - sequential latency p50/p99 (wrk -t1 -c1, keep-alive) for N = 0..NMAX;
#   - throughput at CONNS concurrent keep-alive connections (wrk -t2) at N = TPUT_N.
# Contenders:
#   floor          wrk straight to the fake with the good key (one loopback round trip)
#   keyward-warm   `keyward serve` as shipped: a key that answers 401 is quarantined
#                  (5 min), so after the first request the N bad keys are skipped
#   keyward-cold   `keyward serve` with quarantine {auth_base: 0ms, auth_max: 0ms}:
#                  every request tries every bad key again, like a gateway without
#                  quarantine (what Portkey always does)
#   portkey        Portkey's gateway, `x-portkey-config` fallback over N+1 targets,
#                  each {"provider":"openai","api_key":KEY,"custom_host":FAKE/v1};
#                  with no on_status_codes, fallback triggers on any non-2xx (its docs,
#                  and its source: `!onStatusCodes && response.ok` stops the loop)
# Each keyward listens on 127.0.0.1; Portkey binds 0.0.0.0 by default, so it is
# started with a preload (bench/peers/loopback.mjs) that pins its listener to
# 127.0.0.1. Results: build/peers/results/{results.tsv,table.md}, the SVG above.
#
# Environment knobs: KEYWARD (binary; default build/router/main/keyward),
# NMAX=10 ROUNDS=3 LAT_S=2 WARM_S=1 TPUT_N=5 TPUT_S=10 CONNS=32 OUT_SVG=...
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORTKEY_VERSION=1.15.2
KEYWARD=${KEYWARD:-$ROOT/build/router/main/keyward}
NMAX=${NMAX:-10}
ROUNDS=${ROUNDS:-3}
LAT_S=${LAT_S:-2}
WARM_S=${WARM_S:-1}
TPUT_N=${TPUT_N:-5}
TPUT_S=${TPUT_S:-10}
CONNS=${CONNS:-32}
OUT_SVG=${OUT_SVG:-$ROOT/docs/bench/failover_vs_portkey.svg}
PEERS=$ROOT/build/peers
PORTKEY_DIR=$PEERS/portkey
RESULTS=$PEERS/results
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keyward-peers.XXXXXX")

for tool in node npm wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "compare_peers: needs $tool" >&2; exit 2; }
done
[ -x "$KEYWARD" ] || { echo "compare_peers: no keyward binary at $KEYWARD (make build, or set KEYWARD=)" >&2; exit 2; }
KEYWARD=$(realpath "$KEYWARD")  # `keyward serve` runs in its own directory: a relative path would break

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# ------------------------------------------------------------ Portkey, pinned
installed=$(node -p "try{require('$PORTKEY_DIR/node_modules/@portkey-ai/gateway/package.json').version}catch(e){''}")
if [ "$installed" != "$PORTKEY_VERSION" ]; then
  echo "installing @portkey-ai/gateway@$PORTKEY_VERSION into $PORTKEY_DIR"
  mkdir -p "$PORTKEY_DIR"
  [ -f "$PORTKEY_DIR/package.json" ] || echo '{"private":true}' >"$PORTKEY_DIR/package.json"
  timeout 600 npm install --prefix "$PORTKEY_DIR" --no-audit --no-fund --ignore-scripts \
    "@portkey-ai/gateway@$PORTKEY_VERSION" >"$WORK/npm.log" 2>&1 || { cat "$WORK/npm.log" >&2; exit 1; }
fi

# ------------------------------------------------------------ the fake
GOOD=sk-proj-GOOD-keyward-bench-0001
start_fake "$GOOD"
FAKE_ORIGIN=${FAKE_BASE%/v1}

# ------------------------------------------------------------ Portkey
PK_PORT=$(free_port)
(cd "$PORTKEY_DIR/node_modules/@portkey-ai/gateway" &&
  NODE_ENV=production exec node --import "$ROOT/bench/peers/loopback.mjs" build/start-server.js \
    --port="$PK_PORT" --headless) >"$WORK/portkey.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$PK_PORT/" || { cat "$WORK/portkey.log" >&2; exit 1; }
portkey_config() {  # N -> the x-portkey-config header value
  python3 - "$1" "$FAKE_BASE" "$GOOD" <<'EOF'
import json, sys
n, base, good = int(sys.argv[1]), sys.argv[2], sys.argv[3]
keys = [f"sk-proj-BAD-{i}-keyward-bench" for i in range(1, n + 1)] + [good]
print(json.dumps({"strategy": {"mode": "fallback"},
                  "targets": [{"provider": "openai", "api_key": k, "custom_host": base} for k in keys]},
                 separators=(",", ":")))
EOF
}

# ------------------------------------------------------------ measuring
BODY_KW='{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Help me fix this bug"}]}'
BODY_OAI='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Help me fix this bug"}]}'
cat >"$WORK/post.lua" <<'EOF'
-- POST $BODY with optional $AUTH (Authorization) and $PK_CONFIG (x-portkey-config).
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("AUTH") or ""
if auth ~= "" then wrk.headers["Authorization"] = auth end
local cfg = os.getenv("PK_CONFIG") or ""
if cfg ~= "" then wrk.headers["x-portkey-config"] = cfg end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.1f %.1f %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
EOF
fake_requests() { curl -fsS --max-time 2 "$FAKE_ORIGIN/_fake/counters" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }

mkdir -p "$RESULTS"
TSV=$RESULTS/results.tsv
printf 'kind\tcontender\tn\tround\trequests\tduration_us\tp50_us\tp99_us\tnon2xx\terrors\tupstream_per_req\n' >"$TSV"

# run_wrk KIND CONTENDER N ROUND URL BODY AUTH PK_CONFIG THREADS CONNS SECONDS [record]
run_wrk() {
  local kind=$1 who=$2 n=$3 round=$4 url=$5 body=$6 auth=$7 cfg=$8 t=$9 c=${10} d=${11} record=${12:-1}
  local before after line
  before=$(fake_requests)
  line=$(BODY=$body AUTH=$auth PK_CONFIG=$cfg timeout $((d + 30)) wrk -t"$t" -c"$c" -d"${d}s" --timeout 10s \
    -s "$WORK/post.lua" "$url" | grep '^RESULT') || { echo "compare_peers: wrk failed for $who" >&2; exit 1; }
  after=$(fake_requests)
  [ "$record" = 1 ] || return 0
  set -- $line
  local upr
  upr=$(python3 -c "print(f'{($after - $before) / max(1, $2):.2f}')")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$who" "$n" "$round" "$2" "$3" "$4" "$5" "$6" "$7" \
    "$upr" >>"$TSV"
  printf '  %-6s %-13s N=%-2s round %s: p50 %8.1f us  p99 %8.1f us  %7.0f req/s  upstream/req %s  non2xx %s\n' \
    "$kind" "$who" "$n" "$round" "$4" "$5" "$(python3 -c "print($2 / $3 * 1e6)")" "$upr" "$6"
}

# check CONTENDER URL BODY AUTH CFG: one request must answer 200 (the fallback works).
check() {
  local code
  code=$(curl -sS -o "$WORK/check.out" -w '%{http_code}' --max-time 10 -X POST "$2" -H 'Content-Type: application/json' \
    ${4:+-H "Authorization: $4"} ${5:+-H "x-portkey-config: $5"} -d "$3")
  [ "$code" = 200 ] || { echo "compare_peers: $1 answered $code: $(head -c 400 "$WORK/check.out")" >&2; exit 1; }
}

COLD_Q='quarantine: {auth_base: 0ms, auth_max: 0ms}'
PK_URL="http://127.0.0.1:$PK_PORT/v1/chat/completions"
FLOOR_URL="$FAKE_BASE/chat/completions"

echo "keyward: $KEYWARD; portkey $PORTKEY_VERSION on :$PK_PORT; fake $FAKE_BASE; load: $(cut -d' ' -f1-3 /proc/loadavg)"
# Node's JIT warms up once, up front, on the heaviest layout it will see.
check portkey "$PK_URL" "$BODY_OAI" "" "$(portkey_config "$NMAX")"
run_wrk lat portkey "$NMAX" 0 "$PK_URL" "$BODY_OAI" "" "$(portkey_config "$NMAX")" 1 1 3 0

for n in $(seq 0 "$NMAX"); do
  start_keyward warm "$n" ""; WARM_PORT=$KW_PORT; WARM_PID=$KW_PID
  start_keyward cold "$n" "$COLD_Q"; COLD_PORT=$KW_PORT; COLD_PID=$KW_PID
  cfg=$(portkey_config "$n")
  check keyward-warm "http://127.0.0.1:$WARM_PORT/v1/chat/completions" "$BODY_KW" "" ""
  check keyward-cold "http://127.0.0.1:$COLD_PORT/v1/chat/completions" "$BODY_KW" "" ""
  check portkey "$PK_URL" "$BODY_OAI" "" "$cfg"
  # Warm-up (not recorded): connection pools on every side, Node's JIT on this layout.
  run_wrk lat keyward-warm "$n" 0 "http://127.0.0.1:$WARM_PORT/v1/chat/completions" "$BODY_KW" "" "" 1 1 "$WARM_S" 0
  run_wrk lat keyward-cold "$n" 0 "http://127.0.0.1:$COLD_PORT/v1/chat/completions" "$BODY_KW" "" "" 1 1 "$WARM_S" 0
  run_wrk lat portkey "$n" 0 "$PK_URL" "$BODY_OAI" "" "$cfg" 1 1 "$WARM_S" 0
  for r in $(seq "$ROUNDS"); do
    run_wrk lat floor "$n" "$r" "$FLOOR_URL" "$BODY_OAI" "Bearer $GOOD" "" 1 1 "$LAT_S"
    run_wrk lat keyward-warm "$n" "$r" "http://127.0.0.1:$WARM_PORT/v1/chat/completions" "$BODY_KW" "" "" 1 1 "$LAT_S"
    run_wrk lat keyward-cold "$n" "$r" "http://127.0.0.1:$COLD_PORT/v1/chat/completions" "$BODY_KW" "" "" 1 1 "$LAT_S"
    run_wrk lat portkey "$n" "$r" "$PK_URL" "$BODY_OAI" "" "$cfg" 1 1 "$LAT_S"
  done
  if [ "$n" = "$TPUT_N" ]; then
    for r in $(seq "$ROUNDS"); do
      run_wrk tput keyward-warm "$n" "$r" "http://127.0.0.1:$WARM_PORT/v1/chat/completions" "$BODY_KW" "" "" 2 "$CONNS" "$TPUT_S"
      run_wrk tput keyward-cold "$n" "$r" "http://127.0.0.1:$COLD_PORT/v1/chat/completions" "$BODY_KW" "" "" 2 "$CONNS" "$TPUT_S"
      run_wrk tput portkey "$n" "$r" "$PK_URL" "$BODY_OAI" "" "$cfg" 2 "$CONNS" "$TPUT_S"
    done
  fi
  stop_pid "$WARM_PID"
  stop_pid "$COLD_PID"
done

python3 "$ROOT/bench/peers/report.py" "$TSV" --svg "$OUT_SVG" --markdown "$RESULTS/table.md" \
  --portkey-version "$PORTKEY_VERSION" --tput-n "$TPUT_N" --conns "$CONNS"
echo "results: $TSV, $RESULTS/table.md, $OUT_SVG"
