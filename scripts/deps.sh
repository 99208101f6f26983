#!/bin/sh
# Install what zhengtong needs to build, run and test on Debian 12:
# Debian packages with apt-get (sudo when not root), then the npm packages
# of package-lock.json (exact versions). Safe to run again: it installs only
# what is missing. john-data and cracklib-runtime ship the common-password
# and word lists the password policy checks against (auth.password_list).
set -eu
cd "$(dirname "$0")/.."

PKGS="build-essential pkg-config libmicrohttpd-dev libsqlite3-dev libsodium-dev libjansson-dev
libcmocka-dev libhpdf-dev libqrencode-dev libxlsxwriter-dev fonts-droid-fallback poppler-utils zbar-tools
sqlite3 curl tzdata nodejs npm chromium wrk nginx-light openssl libssl-dev clang-format john-data cracklib-runtime"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# nodejs/npm may come from elsewhere (a newer Node on the machine): accept it
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    missing=$(echo "$missing" | tr ' ' '\n' | grep -v -x -e nodejs -e npm | tr '\n' ' ' || true)
fi
missing=$(echo $missing)
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "deps: installing $missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    echo "deps: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
fi
