# zhengtong - one plain Makefile (see README.md).
#   make            build build/zhengtong
#   make run        install deps, build, create the demo database, serve on 127.0.0.1:8080
#   make test       every test: lint, unit + API (+ browser) on the normal build, then unit + API under ASan/UBSan
#   make browser    the browser tests: the web UI in headless Chromium (Debian's) against a live server
#   make web        the served web tree build/web/ from web/ and node_modules (scripts/build-web.mjs)
#   make asan       the sanitizer build in build-asan/
#   make lint       clang-format check and banned functions
#   make fuzz       libFuzzer campaigns (clang); make fuzz-replay replays the corpus (part of make test)

CC      ?= cc
BUILD   ?= build
SAN     ?=
PKGS     = libmicrohttpd sqlite3 libsodium jansson libqrencode xlsxwriter libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter -Wno-missing-field-initializers -Werror
CPPFLAGS_ALL = -std=c11 -D_GNU_SOURCE -Isrc -I$(BUILD)/gen $(PKG_CFLAGS)
ifeq ($(SAN),1)
# ZT_DEBUG: the ZT_ASSERT invariants (base/err.h) are checked in this build
CFLAGS  = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -DZT_DEBUG
LDSAN   = -fsanitize=address,undefined
endif
LIBS     = $(PKG_LIBS) -lhpdf -lpthread -lm

SRC     := $(shell find src -name '*.c' | sort)
OBJ     := $(SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o
LIBOBJ  := $(filter-out $(BUILD)/src/main.o,$(OBJ))
UNIT_SRC := $(shell find tests/unit -name 'test_*.c' 2>/dev/null | sort)
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
MIGRATIONS := $(sort $(wildcard src/store/migrations/*.sql))

.PHONY: all run test unit api browser asan lint clean deps demo bench web
all: $(BUILD)/zhengtong web

# the web UI: Vue single-file components compiled ahead of time, vendor files
# copied (no bundler, no CDN); always build/web whatever BUILD is
WEB_SRC := $(shell find web -type f 2>/dev/null | sort)
web: build/web/index.html
build/web/index.html: $(WEB_SRC) scripts/build-web.mjs package-lock.json
	node scripts/build-web.mjs build/web

$(BUILD)/zhengtong: $(OBJ)
	$(CC) $(LDSAN) -o $@ $^ $(LIBS)

# No source includes anything generated: only the migrations object depends
# on the .sql files, so editing a migration rebuilds it and relinks.
$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(BUILD)/gen/migrations.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-migrations.sh $(MIGRATIONS) > $@

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -Itests/unit -o $@ $< $(LIBOBJ) $(LDSAN) $(LIBS) -lcmocka

deps:
	sh scripts/deps.sh

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; ZT_DATA_DIR=data $$t; done

# the product with a supervision kind that exists only in the tests
# (tests/kind/: the kind seam, tests/api/kind.test.mjs)
KIND_BIN := $(BUILD)/tests/zhengtong-kind
$(KIND_BIN): tests/kind/inspection.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -o $@ $< $(OBJ) $(LDSAN) $(LIBS)

api: $(BUILD)/zhengtong $(KIND_BIN) web
	ZT_BIN=$(abspath $(BUILD)/zhengtong) ZT_KIND_BIN=$(abspath $(KIND_BIN)) node --test --test-concurrency=1 tests/api/

# web/ in Debian's headless Chromium, driven by playwright-core (tests/browser/)
browser: $(BUILD)/zhengtong web
	ZT_BIN=$(abspath $(BUILD)/zhengtong) node --test --test-concurrency=1 tests/browser/

asan:
	$(MAKE) BUILD=build-asan SAN=1 all $(UNIT_BIN:build/%=build-asan/%)

test:
	sh scripts/deps.sh
	node scripts/check-items.mjs
	$(MAKE) lint
	$(MAKE) all unit fuzz-replay api browser
	$(MAKE) BUILD=build-asan SAN=1 unit fuzz-replay api
	@echo "make test: all suites passed (normal and ASan/UBSan builds, browser tests on the normal build)"

run:
	sh scripts/deps.sh
	$(MAKE) all
	sh scripts/run-demo.sh

lint:
	sh scripts/lint.sh

$(BUILD)/bench/%: bench/%.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -o $@ $< $(LIBOBJ) $(LDSAN) $(LIBS)

# Benchmarks side by side with their references; one table, written into
# docs/performance.md (BENCH_QUICK=1: small sizes, a smoke check). Not part of make test.
# web: the servers it starts refuse to run without build/web (web.root).
bench: $(BUILD)/zhengtong web $(BUILD)/bench/store_bench $(BUILD)/bench/ledger_bench $(BUILD)/bench/supervise_bench
	BUILD=$(BUILD) sh bench/run.sh

clean:
	rm -rf build build-asan build-fuzz

include tests/fuzz/fuzz.mk

-include $(OBJ:.o=.d)
