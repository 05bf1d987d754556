#!/usr/bin/env bash
# The healthy path of two commits side by side, in one run (issue 17's "within
# 5 % of before, measured in one run"): builds bench_failover at each commit in
# a detached worktree of its own, then runs ROUNDS rounds, each running the
# commits' benchmarks one after the other, and prints p50 / p99 per benchmark.
# On a shared machine compare the rounds' medians, never one round.
#
#   bench/compare_commits.sh 6140635^ HEAD          # before / after herd routing
#   ROUNDS=6 FILTER='RouterOverhead' bench/compare_commits.sh A B
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-4}
FILTER=${FILTER:-'LoopbackFloor|RouterOverhead|FailoverWarm/5/|FailoverCold/5/'}
WORK=${WORK:-${TMPDIR:-/tmp}/keyward-compare}
[ $# -ge 2 ] || { echo "usage: $0 COMMIT COMMIT..." >&2; exit 2; }
mkdir -p "$WORK"
bins=()
for rev in "$@"; do
  sha=$(git -C "$ROOT" rev-parse --short "$rev")
  dir="$WORK/$sha"
  [ -d "$dir" ] || git -C "$ROOT" worktree add --detach "$dir" "$sha" >/dev/null
  cmake -S "$dir" -B "$dir/build" >/dev/null
  cmake --build "$dir/build" -j2 --target bench_failover >/dev/null
  bins+=("$rev=$dir/build/bench/bench_failover")
done
echo "$(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg); p50/p99 in us"
for round in $(seq "$ROUNDS"); do
  for entry in "${bins[@]}"; do
    "${entry#*=}" --benchmark_filter="$FILTER" --benchmark_format=json 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
print('$round', '%-14s' % '${entry%%=*}', ' '.join('%s=%.0f/%.0f' % (b['name'].split('/iter')[0], b.get('p50_us', 0),
      b.get('p99_us', 0)) for b in d['benchmarks']))"
  done
done
