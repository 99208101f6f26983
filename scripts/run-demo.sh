#!/bin/sh
# `make run`: create the demo city's database on first run, then serve it.
# ZT_DATA_DIR (default var/) holds the database; delete it to start over.
# On first run the city also gets four weeks of activity walked through the
# real engine on the fake clock (scripts/demo-activity.mjs, docs/data.md);
# ZT_DEMO_ACTIVITY=0 skips that.
set -eu
cd "$(dirname "$0")/.."
DATA=${ZT_DATA_DIR:-var}
BIN=build/zhengtong
if [ ! -f "$DATA/zhengtong.db" ]; then
    $BIN init --demo --data-dir "$DATA"
    if [ "${ZT_DEMO_ACTIVITY:-1}" != 0 ]; then
        echo
        echo "walking the demo city through its last four weeks (about half a minute; ZT_DEMO_ACTIVITY=0 skips it)"
        if ! node scripts/demo-activity.mjs --bin "$BIN" --data-dir "$DATA"; then
            echo "the demo activity failed (see above); delete $DATA/ and run again, or set ZT_DEMO_ACTIVITY=0" >&2
            exit 1
        fi
    fi
else
    echo "using the existing database in $DATA/ (delete it for a fresh demo city)"
    echo "demo accounts: admin jiancha jiancha_ay gaj_clerk gaj_head mzj_clerk mzj_head fzb jyzx czj xxzx shenji"
    echo "               zhangsan (citizen) pxqiye (enterprise); password Demo2026pass"
    echo "               and, if the demo activity ran, the staff and applicants it made (docs/data.md)"
fi
echo
echo "open http://127.0.0.1:${ZT_LISTEN_PORT:-8080}/ (Ctrl-C stops)"
exec $BIN serve --data-dir "$DATA" "$@"
