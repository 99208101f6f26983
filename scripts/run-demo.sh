#!/bin/sh
# `make run`: create the demo city's database on first run, then serve it.
# ZT_DATA_DIR (default var/) holds the database; delete it to start over.
set -eu
cd "$(dirname "$0")/.."
DATA=${ZT_DATA_DIR:-var}
BIN=build/zhengtong
if [ ! -f "$DATA/zhengtong.db" ]; then
    $BIN init --demo --data-dir "$DATA"
else
    echo "using the existing database in $DATA/ (delete it for a fresh demo city)"
    echo "demo accounts: admin jiancha jiancha_ay gaj_clerk gaj_head mzj_clerk mzj_head fzb jyzx czj xxzx shenji"
    echo "               zhangsan (citizen) pxqiye (enterprise); password Demo2026pass"
fi
echo
echo "open http://127.0.0.1:${ZT_LISTEN_PORT:-8080}/ (Ctrl-C stops)"
exec $BIN serve --data-dir "$DATA" "$@"
