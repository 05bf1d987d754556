#!/usr/bin/env bash
# Everything docs/BENCHMARKS.md reports, in one command:
#   bench/reproduce.sh
# Release build in build-bench/, every Google Benchmark suite (output kept in
# build-bench/bench-results/), then keyward vs Portkey (bench/compare_peers.sh,
# which writes docs/bench/failover_vs_portkey.svg). About 12 minutes on 2 cores
# after the build. Run it on a quiet machine: `uptime` first.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
cd "$ROOT"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"${JOBS:-2}" --target keyward bench_core bench_fakes bench_router bench_failover
mkdir -p "$BUILD/bench-results"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for suite in core fakes router failover; do
  echo "== bench_$suite"
  "$BUILD/bench/bench_$suite" | tee "$BUILD/bench-results/$suite.txt"
done
KEYWARD="$BUILD/router/main/keyward" "$ROOT/bench/compare_peers.sh"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
