#!/bin/sh
# make bench: the storage benchmark, side by side with raw SQLite on the same disk.
set -eu
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
