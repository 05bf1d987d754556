# Shell helpers shared by the benchmark scripts (sourced, not run). The caller
# sets WORK (a scratch dir, removed on exit) before sourcing; processes it
# starts go in PIDS so that every exit path stops them.
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
# wait_http URL [tries]: polls until the URL answers 2xx (bounded: tries x 0.1 s).
wait_http() {
  local url=$1 tries=${2:-150}
  for _ in $(seq "$tries"); do
    curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$(basename "$0"): $url did not come up" >&2
  return 1
}
# stop_pid PID: stops one of our processes (TERM, then KILL after 5 s) and forgets it.
stop_pid() {
  local p keep=()
  kill "$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
# start_fake GOOD_KEY: one OpenAI fake where GOOD_KEY is valid and every other
# key answers 401 invalid_api_key; sets FAKE_BASE (http://127.0.0.1:PORT/v1).
start_fake() {
  cat >"$WORK/world.yaml" <<EOF
providers:
  - {name: openai, kind: openai, keys: {$1: valid}, default_key_state: invalid,
     max_threads: 512, keep_alive_timeout_s: 5}
EOF
  "$KEYWARD" fake "$WORK/world.yaml" >"$WORK/fake.out" 2>"$WORK/fake.err" &
  PIDS+=($!)
  for _ in $(seq 100); do grep -q '^ready' "$WORK/fake.out" 2>/dev/null && break; sleep 0.1; done
  grep -q '^ready' "$WORK/fake.out" || { cat "$WORK/fake.err" >&2; exit 1; }
  FAKE_BASE=$(awk '$1 == "openai" {print $2}' "$WORK/fake.out")
}
# The auth-failing key number I (the fake answers 401 to every key but GOOD).
bad_key() { echo "sk-proj-BAD-$1-keyward-bench"; }
# start_keyward NAME N QUARANTINE_YAML: `keyward serve` as in production (file
# journal, SQLite store) against the fake, with N bad keys and then GOOD, in
# $WORK/NAME-N; sets KW_PORT and KW_PID. Needs KEYWARD, FAKE_BASE, GOOD.
start_keyward() {
  local n=$2 quarantine=$3 dir="$WORK/$1-$2"
  mkdir -p "$dir"
  cat >"$dir/keyward.yaml" <<EOF
providers:
  - {name: openai, wire: openai, base_url: "$FAKE_BASE", model: gpt-4o-mini}
$quarantine
EOF
  : >"$dir/.env"
  for i in $(seq "$n"); do echo "OPENAI_API_KEY_$i=$(bad_key "$i")" >>"$dir/.env"; done
  echo "OPENAI_API_KEY_$((n + 1))=$GOOD" >>"$dir/.env"
  KW_PORT=$(free_port)
  (cd "$dir" && exec env -u OPENAI_API_KEY -u KEYWARD_ADMIN_TOKEN "$KEYWARD" serve --config keyward.yaml \
    --env .env --listen "127.0.0.1:$KW_PORT" --journal journal.jsonl --store keyward.db) >"$dir/log" 2>&1 &
  KW_PID=$!
  PIDS+=("$KW_PID")
  wait_http "http://127.0.0.1:$KW_PORT/readyz" || { cat "$dir/log" >&2; exit 1; }
}
