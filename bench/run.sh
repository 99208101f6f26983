#!/bin/sh
# make bench: issue #7's benchmarks side by side with their references, in one
# run on this machine, printed as one table of ratios and written into
# docs/performance.md (between the bench:table markers).
#
#   sh bench/run.sh            full sizes: 1,000,000 cases from bench-gen (about 20 minutes)
#   BENCH_QUICK=1 sh bench/run.sh   small sizes, a check of the whole pipeline (~1 minute)
#   BENCH_SMOKE=1 sh bench/run.sh   tiny sizes, not a measurement: make test runs it (make bench-smoke)
#                                   so that the benchmark cannot rot; fails unless every row has its figures
#   BUILD=build-x sh bench/run.sh   binaries from another build directory
#   BENCH_DOCS=0                    print only, leave docs/performance.md alone
#   BENCH_CASES=N, BENCH_SV_CASES=N other sizes (bench-gen cases; supervise_bench open cases)
#
# The servers (nginx, zhengtong) run on CPU 0, the load generators (wrk, node)
# on CPU 1 (taskset). Needs wrk, nginx, sqlite3, node (scripts/deps.sh).
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}
BIN=$B/zhengtong
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
    mode=smoke cases=1000 secs=1 accept_secs=1 sv_cases=2000 sv_due=100 sv_events=1000 batches=2 store_secs=1
    BENCH_DOCS=0 # a smoke run's figures are no measurement
elif [ "${BENCH_QUICK:-0}" = 1 ]; then
    mode=quick cases=20000 secs=3 accept_secs=2 sv_cases=20000 sv_due=1000 sv_events=4000 batches=6
else
    mode=full cases=1000000 secs=10 accept_secs=5 sv_cases=1000000 sv_due=1000 sv_events=40000 batches=40
fi
cases=${BENCH_CASES:-$cases}
sv_cases=${BENCH_SV_CASES:-$sv_cases}
dir=$(mktemp -d "${TMPDIR:-/tmp}/zt-bench.XXXXXX")
zpid=
cleanup() {
    [ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
    [ -n "$zpid" ] && kill "$zpid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
FAST="--auth.argon2_mem_kib 8192 --auth.argon2_ops 1"
port=18491 nginx_port=18490
if [ "$mode" = smoke ]; then # make test may run beside another bench: ports of its own
    port=$((20000 + $$ % 20000 * 2)) nginx_port=$((port + 1))
fi
base=http://127.0.0.1:$port
say() { echo "--- $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

serve() { # start zhengtong on CPU 0 over $dir/zt; sets zpid, start_s
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    taskset -c 0 "$BIN" serve --data-dir "$dir/zt" --port $port $FAST --log.access 0 \
        --services.query_max_failures 100000 --quota.events_per_minute 0 --quota.uploads_per_hour 0 \
        --quota.upload_bytes_per_day 0 "$@" 2>>"$dir/zt.log" &
    zpid=$!
    until curl -sf "$base/healthz" >/dev/null 2>&1; do
        kill -0 "$zpid" 2>/dev/null || { cat "$dir/zt.log" >&2; exit 1; }
        sleep 0.01
    done
    start_s=$(echo "$(date +%s.%N) $t0" | awk '{printf "%.2f", $1 - $2}')
}
unserve() { kill "$zpid"; wait "$zpid" || true; zpid=; }
rss_mb() { awk -v k="$2:" '$1 == k {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
wrk_run() { # label; wrk args... -> "rps p99_ms non2xx requests"
    out=$(taskset -c 1 wrk -t2 -c64 --latency "$@")
    echo "$out" >>"$dir/wrk.log"
    echo "$out" | awk '
        /Requests\/sec/ {rps = $2}
        $1 == "99%" {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                     p99 = u == "us" ? v / 1000 : u == "s" ? v * 1000 : v}
        /Non-2xx/ {bad = $NF}
        /requests in/ {n = $1}
        END {printf "%s %.2f %d %d\n", rps, p99, bad, n}'
}

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
machine="$(nproc) cores ($cpu), $mem, $(uname -sr), disk $(df -h "$dir" | awk 'NR==2 {print $1}')"
say "machine: $machine; load before: $(load); mode $mode"

# 1. the data: templates through the real API, then bench-gen
say "templates through the API (bench/seed.mjs)"
# shellcheck disable=SC2086
"$BIN" init --demo --data-dir "$dir/zt" $FAST >/dev/null 2>&1
serve
taskset -c 1 node bench/seed.mjs --base "$base" >&2
unserve
say "bench-gen --cases $cases"
"$BIN" bench-gen --data-dir "$dir/zt" --cases "$cases" --passwords "$dir/pw.tsv" --quiet >"$dir/gen.txt"
cat "$dir/gen.txt" >&2
gen_s=$(awk '{for (i = 1; i <= NF; i++) if ($i == "s") print $(i - 1)}' "$dir/gen.txt" | tr -d '(,' | head -1)
db_mb=$(du -sm "$dir/zt" | cut -f1)

# 6. start-up and memory on that database (the ticker starts with it)
serve
start_rss=$(rss_mb "$zpid" VmRSS)
say "serve: up in $start_s s, VmRSS $start_rss MB"

# 1. status query against nginx serving a file of the answer's size, same core
n1=$(head -1 "$dir/pw.tsv" | cut -f1)
p1=$(head -1 "$dir/pw.tsv" | cut -f2)
size=$(curl -s -X POST -H 'Content-Type: application/json' -d "{\"number\":\"$n1\",\"password\":\"$p1\"}" \
    "$base/api/public/case-status" | wc -c)
mkdir -p "$dir/www"
head -c "$size" /dev/zero | tr '\0' 'x' >"$dir/www/answer.json"
cat >"$dir/nginx.conf" <<NGINX
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    types { application/json json; }
    server { listen 127.0.0.1:$nginx_port; root $dir/www; }
}
NGINX
taskset -c 0 nginx -c "$dir/nginx.conf"
sleep 0.3
say "status query: wrk -t2 -c64 ${secs}s, nginx then zhengtong ($size-byte answer)"
set -- $(wrk_run -d"${secs}s" "http://127.0.0.1:$nginx_port/answer.json")
ngx_rps=$1 ngx_p99=$2
kill "$(cat "$dir/nginx.pid")"
rm -f "$dir/nginx.pid"
set -- $(wrk_run -d"${secs}s" -s bench/status.lua "$base" -- "$dir/pw.tsv")
st_rps=$1 st_p99=$2 st_bad=$3

# 2. durable case action: accept pre-reviewed clones of the department that has most
dept=$(sqlite3 "$dir/zt/zhengtong.db" "SELECT d.code FROM cases c JOIN departments d ON d.id = c.dept_id
    WHERE c.state = 'pre_reviewed' GROUP BY d.code ORDER BY count(*) DESC, d.code LIMIT 1")
sqlite3 "$dir/zt/zhengtong.db" "SELECT c.number FROM cases c JOIN departments d ON d.id = c.dept_id
    WHERE c.state = 'pre_reviewed' AND d.code = '$dept' ORDER BY c.id" >"$dir/accept.txt"
if [ "$dept" = 360300-GA ]; then clerk=gaj_clerk; else
    clerk="bg_$(echo "$dept" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' '_')_clerk"
fi
curl -s -c "$dir/jar" -H 'Content-Type: application/json' -d "{\"login\":\"$clerk\",\"password\":\"Demo2026pass\"}" \
    "$base/api/auth/login" >"$dir/login.json"
csrf=$(sed -n 's/.*"csrf_token": *"\([^"]*\)".*/\1/p' "$dir/login.json")
session=$(awk '$6 == "zt_session" {print $7}' "$dir/jar")
say "case action: accept as $clerk, $(wc -l <"$dir/accept.txt") pre-reviewed cases of $dept, ${accept_secs}s"
set -- $(wrk_run -d"${accept_secs}s" -s bench/accept.lua "$base" -- "$dir/accept.txt" "$session" "$csrf")
acc_bad=$3 acc_n=$4
acc_rps=$(awk -v n="$acc_n" -v b="$acc_bad" -v s="$accept_secs" 'BEGIN {printf "%.0f", (n - b) / s}')
acc_p99=$2

# 3. intake over HTTP, batches of 500
say "intake: $batches batches of 500 events over HTTP"
int_line=$(taskset -c 1 node bench/intake.mjs --base "$base" --batches "$batches" --clients 4)
echo "$int_line" >&2
int_rps=$(echo "$int_line" | awk '{for (i = 1; i <= NF; i++) if ($i == "events/s") print $(i - 1)}')
peak_rss=$(rss_mb "$zpid" VmHWM)
unserve

# 5. ledger verify on the generated ledger against sha256sum over the same bytes
say "ledger verify"
vout=$("$BIN" ledger verify --data-dir "$dir/zt")
echo "$vout" >&2
entries=$(echo "$vout" | awk '{print $2}')
vsecs=$(echo "$vout" | awk '{print $6}')
sqlite3 "$dir/zt/zhengtong.db" "SELECT entry FROM ledger_entries ORDER BY idx" >"$dir/entries.bin"
cat "$dir/entries.bin" >/dev/null
sha_s=
for _ in 1 2 3; do # the fastest of three: the reference at its best
    t0=$(date +%s.%N)
    sha256sum "$dir/entries.bin" >/dev/null
    s=$(echo "$(date +%s.%N) $t0" | awk '{printf "%.3f", $1 - $2}')
    sha_s=$(echo "${sha_s:-$s} $s" | awk '{print ($2 < $1 ? $2 : $1)}')
done
rm -f "$dir/entries.bin"

# 2-3 references and 4: raw SQLite commits, raw batched inserts, the tick
say "references: raw SQLite commits (store_bench), supervision (supervise_bench $sv_cases $sv_due $sv_events)"
raw_commit=$("$B/bench/store_bench" "$dir" 1 "${store_secs:-5}" | awk '/^raw SQLite/ {print ($NF == "rows/s" ? $(NF - 1) : $NF)}')
"$B/bench/supervise_bench" "$dir" "$sv_cases" "$sv_due" "$sv_events" >"$dir/sv.txt"
cat "$dir/sv.txt" >&2
raw_intake=$(awk '/raw SQLite/ && /zt_sv_ingest/ {print $3}' "$dir/sv.txt")
tick_ms=$(awk '/^tick [0-9]/ {for (i = 1; i <= NF; i++) if ($i == "ms,") print $(i - 1)}' "$dir/sv.txt" | sort -n |
    awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
load_after=$(load)

# the table
row() { # what, figure, reference, ratio, goal, met
    printf '| %s | %s | %s | %s | %s | %s |\n' "$@"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f×", a / b; else print "—"}'; }
met() { awk -v v="$1" -v g="$2" -v dir="$3" 'BEGIN {print ((dir == "ge" ? v >= g : v <= g) ? "met" : "**missed**")}'; }
st_ratio=$(awk -v a="$st_rps" -v b="$ngx_rps" 'BEGIN {print a / b}')
acc_ratio=$(awk -v a="$acc_rps" -v b="$raw_commit" 'BEGIN {print a / b}')
int_ratio=$(awk -v a="$int_rps" -v b="$raw_intake" 'BEGIN {print (b > 0 ? a / b : 0)}')
ver_rate=$(awk -v n="$entries" -v s="$vsecs" 'BEGIN {printf "%.0f", n / s}')
sha_rate=$(awk -v n="$entries" -v s="$sha_s" 'BEGIN {printf "%.0f", n / s}')
table=$(
    echo "\`make bench\` ($mode, $(date -u +%Y-%m-%d)): $machine. Load average $(load | cut -d' ' -f1-3) after the"
    echo "run (other engineers' builds and tests share the 2 cores). Database: $cases cases from bench-gen"
    echo "($gen_s s), $db_mb MB. Servers on CPU 0, wrk/node on CPU 1."
    echo
    echo "| what | zhengtong | reference | ratio | goal | |"
    echo "|---|---:|---:|---:|---:|---|"
    row "1. status query (number + password), wrk -c64" "$st_rps req/s, p99 $st_p99 ms" \
        "nginx, $size-byte file: $ngx_rps req/s, p99 $ngx_p99 ms" "$(ratio "$st_rps" "$ngx_rps")" "≥ 0.8×, p99 ≤ 5 ms" \
        "$(met "$st_ratio" 0.8 ge) / p99 $(met "$st_p99" 5 le)"
    row "2. durable case action (accept), wrk -c64" "$acc_rps accepts/s, p99 $acc_p99 ms" \
        "raw SQLite 1 row/commit, FULL: $raw_commit rows/s" "$(ratio "$acc_rps" "$raw_commit")" "≥ 2×" "$(met "$acc_ratio" 2 ge)"
    row "3. intake, HTTP, 500 events/batch, 4 clients" "$int_rps events/s" "raw SQLite, 500 rows/txn: $raw_intake rows/s" \
        "$(ratio "$int_rps" "$raw_intake")" "≥ 0.5×" "$(met "$int_ratio" 0.5 ge)"
    row "4. supervision tick, $sv_due due of $sv_cases open" "$tick_ms ms (median of 3)" "—" "—" "≤ 20 ms" "$(met "$tick_ms" 20 le)"
    row "5. ledger verify, $entries entries" "$ver_rate entries/s" "sha256sum, same bytes: $sha_rate entries/s" \
        "$(ratio "$ver_rate" "$sha_rate")" "≥ 0.5×" "$(met "$(awk -v a="$ver_rate" -v b="$sha_rate" 'BEGIN {print a / b}')" 0.5 ge)"
    row "6. serve start-up, $cases cases" "$start_s s" "—" "—" "≤ 2 s" "$(met "$start_s" 2 le)"
    row "6. resident memory: after start / peak" "$start_rss MB / $peak_rss MB" "—" "—" "≤ 300 MB" "$(met "$peak_rss" 300 le)"
)
[ "$acc_bad" -gt 0 ] && table="$table
(case action: $acc_bad of $acc_n requests were not 2xx: the list of pre-reviewed cases ran out; only 2xx are counted)"
[ "$st_bad" -gt 0 ] && table="$table
(status query: $st_bad answers were not 2xx)"
echo
echo "$table"
if [ "$mode" = smoke ]; then # every figure is there and is a number
    for v in "$st_rps" "$ngx_rps" "$acc_rps" "$raw_commit" "$int_rps" "$raw_intake" "$tick_ms" "$ver_rate" "$sha_rate" \
        "$start_s" "$start_rss" "$peak_rss"; do
        echo "$v" | grep -Eq '^[0-9]+(\.[0-9]+)?$' || { echo "bench smoke: a figure is missing or not a number: '$v'" >&2; exit 1; }
    done
    [ "$(echo "$table" | grep -c '^| [1-6]\. ')" = 7 ] || { echo "bench smoke: the table does not have its 7 rows" >&2; exit 1; }
    [ "$st_bad" = 0 ] || { echo "bench smoke: $st_bad status queries were not 2xx" >&2; exit 1; }
    echo "bench smoke: the pipeline ran and printed its table (figures of a smoke run are no measurement)"
fi
if [ "${BENCH_DOCS:-1}" = 1 ]; then
    TABLE="$table" node -e '
        const fs = require("fs"), f = "docs/performance.md";
        const s = fs.readFileSync(f, "utf8"), a = "<!-- bench:table -->", b = "<!-- /bench:table -->";
        const i = s.indexOf(a), j = s.indexOf(b);
        if (i < 0 || j < i) { console.error("docs/performance.md has no bench:table markers"); process.exit(1); }
        fs.writeFileSync(f, s.slice(0, i + a.length) + "\n" + process.env.TABLE + "\n" + s.slice(j));'
    echo "(written into docs/performance.md)"
fi
