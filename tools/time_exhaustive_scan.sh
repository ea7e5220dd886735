#!/bin/bash
# Times the exhaustive float32 scan of one or more ddpm-golden release binaries, alternated, in one run:
# each round runs every binary's `audit --exhaustive --shard 0/2` then `--shard 1/2` (the scan alone,
# no report) on the cores given by CORES (default 0,1), and prints the wall seconds per binary and round,
# with the load average before and after. Compare builds on a quiet machine, e.g. the README's figures:
#   git worktree add /tmp/old 41a8feb && (cd /tmp/old && cargo build --release)
#   cargo build --release
#   tools/time_exhaustive_scan.sh /tmp/old/target/release/ddpm-golden target/release/ddpm-golden
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BINARY [BINARY...]  (ROUNDS=2 CORES=0,1)" >&2; exit 2; }
rounds=${ROUNDS:-2}
cores=${CORES:-0,1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
uptime
for round in $(seq 1 "$rounds"); do
  for i in $(seq 1 $#); do
    bin=${!i}
    mkdir -p "$out/$i"
    start=$(date +%s.%N)
    for shard in 0 1; do
      taskset -c "$cores" "$bin" audit --exhaustive --shard "$shard/2" --out "$out/$i" > /dev/null
    done
    end=$(date +%s.%N)
    printf 'round %d  %-60s %8.1f s\n' "$round" "$bin" "$(echo "$end - $start" | bc)"
  done
done
uptime
