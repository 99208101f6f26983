#!/bin/sh
# make bench: the storage benchmark, side by side with raw SQLite on the same disk.
# usage: sh bench/run.sh [sv_cases [sv_due [sv_events]]]  (supervision sizes; default 1000000 1000 40000)
set -eu
sv_cases=${1:-1000000}
sv_due=${2:-1000}
sv_events=${3:-40000}
cd "$(dirname "$0")/.."
dir=$(mktemp -d "${TMPDIR:-/tmp}/zt-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "disk: $(df -h "$dir" | awk 'NR==2 {print $1}')"
for threads in 1 16 64; do
    echo "--- $threads client threads, 5 s each"
    build/bench/store_bench "$dir" "$threads" 5
done
echo "--- the ledger (issue #3)"
build/bench/ledger_bench "$dir" 5 200000
echo "--- supervision (issue #5): intake, tick over $sv_cases open cases ($sv_due due), start-up"
build/bench/supervise_bench "$dir" "$sv_cases" "$sv_due" "$sv_events"
