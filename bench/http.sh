#!/bin/sh
# HTTP side by side: nginx serving a static file against zhengtong serving
# the same file, its health check, a calendar answer (no database) and a
# department (one indexed SELECT), under wrk with 64 connections. Both
# servers log nothing per request and run on this machine's cores.
# usage: bench/http.sh [seconds]   (needs wrk and nginx: apt-get install wrk nginx-light)
set -eu
cd "$(dirname "$0")/.."
secs=${1:-10}
dir=$(mktemp -d "${TMPDIR:-/tmp}/zt-httpbench.XXXXXX")
cleanup() {
    [ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
    [ -n "${zpid:-}" ] && kill "$zpid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
cat > "$dir/nginx.conf" <<NGINX
worker_processes $(nproc);
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    types { text/css css; }
    server { listen 127.0.0.1:18090; root $PWD/web; }
}
NGINX
nginx -c "$dir/nginx.conf"
build/zhengtong init --demo --data-dir "$dir/zt" --auth.argon2_mem_kib 8192 --auth.argon2_ops 1 >/dev/null 2>&1
build/zhengtong serve --data-dir "$dir/zt" --port 18091 --log.access 0 2>"$dir/zt.log" &
zpid=$!
sleep 1
run() { # label url
    out=$(wrk -t2 -c64 -d"${secs}s" --latency "$2")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    printf '%-44s %12s req/s  p99 %s\n' "$1" "$rps" "$p99"
    echo "$rps" > "$dir/last"
}
echo "machine: $(nproc) cores; wrk -t2 -c64 -d${secs}s; file web/app.css ($(stat -c %s web/app.css) bytes)"
run "nginx, static file" http://127.0.0.1:18090/app.css
ref=$(cat "$dir/last")
for t in "static file:/app.css" "GET /healthz:/healthz" "GET /api/calendar/day/2026-10-01:/api/calendar/day/2026-10-01" "GET /api/departments/7 (SQLite read):/api/departments/7"; do
    run "zhengtong, ${t%%:*}" "http://127.0.0.1:18091${t#*:}"
    awk -v a="$(cat "$dir/last")" -v b="$ref" 'BEGIN {printf "%44s %11.2fx nginx\n", "", a / b}'
done
