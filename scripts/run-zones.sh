#!/bin/sh
# Two zones on one machine (R15, docs/zones.md): the 外网 (internet)
# instance on port 8080 and the 内网 (intranet) instance on port 8081, each
# with its own data directory (database, ledger, files), and between them
# only the crossing: two spool directories of signed message files.
#
#   ZT_ZONES_DIR (default var-zones/) holds everything:
#     internet/  intranet/       the two data directories (zhengtong init --demo)
#     keys/                      internet.key/.pub, intranet.key/.pub (zhengtong zones keygen)
#     spool/to-intranet/         what the 外网 writes and the 内网 reads (read files move to done/)
#     spool/to-internet/         the other way
#   ZT_INTERNET_PORT, ZT_INTRANET_PORT: the ports (8080, 8081).
# Delete ZT_ZONES_DIR to start over. Ctrl-C stops both.
set -eu
cd "$(dirname "$0")/.."
ROOT=${ZT_ZONES_DIR:-var-zones}
BIN=build/zhengtong
EXT_PORT=${ZT_INTERNET_PORT:-8080}
INT_PORT=${ZT_INTRANET_PORT:-8081}
mkdir -p "$ROOT/keys" "$ROOT/spool/to-intranet" "$ROOT/spool/to-internet"
for zone in internet intranet; do
    [ -f "$ROOT/keys/$zone.key" ] || $BIN zones keygen --out "$ROOT/keys" --name "$zone" >/dev/null
    [ -f "$ROOT/$zone/zhengtong.db" ] || $BIN init --demo --data-dir "$ROOT/$zone" >/dev/null
done
echo "外网 (internet): http://127.0.0.1:$EXT_PORT/  applicants: zhangsan (citizen), pxqiye (enterprise)"
echo "内网 (intranet): http://127.0.0.1:$INT_PORT/  staff: gaj_clerk gaj_head mzj_clerk jiancha ...; admin on both"
echo "password Demo2026pass; the crossing's spools: $ROOT/spool/ (Ctrl-C stops both)"
$BIN serve --data-dir "$ROOT/internet" --port "$EXT_PORT" --public.url "http://127.0.0.1:$EXT_PORT" \
    --zone.role internet --zone.spool_out "$ROOT/spool/to-intranet" --zone.spool_in "$ROOT/spool/to-internet" \
    --zone.key "$ROOT/keys/internet.key" --zone.peer_key "$ROOT/keys/intranet.pub" "$@" &
EXT=$!
$BIN serve --data-dir "$ROOT/intranet" --port "$INT_PORT" --public.url "http://127.0.0.1:$EXT_PORT" \
    --zone.role intranet --zone.spool_out "$ROOT/spool/to-internet" --zone.spool_in "$ROOT/spool/to-intranet" \
    --zone.key "$ROOT/keys/intranet.key" --zone.peer_key "$ROOT/keys/internet.pub" "$@" &
INT=$!
trap 'kill -TERM $EXT $INT 2>/dev/null; wait $EXT $INT 2>/dev/null; exit 0' INT TERM
wait $EXT $INT
