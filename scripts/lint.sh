#!/bin/sh
# `make lint`: banned functions (curl's checksrc idea) and clang-format.
set -eu
cd "$(dirname "$0")/.."
status=0
if grep -nE '\b(strcpy|sprintf|vsprintf|strtok|atoi|atol|gets|strcat)\s*\(' $(find src tests/unit tests/kind -name '*.[ch]'); then
    echo "lint: banned function above (use snprintf, strtol, memcpy with lengths)"
    status=1
fi
if command -v clang-format >/dev/null 2>&1; then
    if ! clang-format --dry-run --Werror $(find src tests/unit tests/kind -name '*.[ch]') 2>/tmp/zt-format.txt; then
        head -40 /tmp/zt-format.txt
        echo "lint: clang-format differences above (clang-format -i FILE fixes them)"
        status=1
    fi
fi
exit $status
