# tests/fuzz/fuzz.mk - libFuzzer drivers for the parsers and the replay of
# their committed corpus (STYLE.md habit 11; see tests/fuzz/README.md).
# Included by the Makefile after its own variables:
#
#   make fuzz-replay        build $(BUILD)/fuzz/replay_NAME (driver + replay.c
#                           + $(LIBOBJ), any CC) and run each over
#                           tests/fuzz/corpus/NAME; part of `make test`, for
#                           the normal and the ASan/UBSan build
#   make fuzz               clang + libFuzzer + ASan/UBSan in build-fuzz/; run
#                           each target FUZZ_SECONDS (default 60), one after
#                           the other (make -j2 fuzz: two at once)
#   make fuzz-NAME          one target only
#   make fuzz-merge         fold what `make fuzz` found into the committed
#                           corpus, minimised (libFuzzer -merge=1)
#   make fuzz-clean         remove build-fuzz/

FUZZ_NAMES   := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_REPLAY  := $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay_%)
FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FUZZ_MERGE_FLAGS ?=
FUZZ_MAX_FILES ?= 200
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS   = -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN) -DZT_DEBUG
FUZZ_MAKE     = $(MAKE) -f $(firstword $(MAKEFILE_LIST)) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) SAN= \
                CFLAGS='$(FUZZ_CFLAGS)' LDSAN='$(FUZZ_SAN)'

.PHONY: fuzz fuzz-replay fuzz-build fuzz-merge fuzz-clean $(FUZZ_NAMES:%=fuzz-%)

$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(LIBOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -Itests/fuzz -o $@ $< tests/fuzz/replay.c $(LIBOBJ) $(LDSAN) $(LIBS)

fuzz-replay: $(FUZZ_REPLAY)
	@status=0; for n in $(FUZZ_NAMES); do $(BUILD)/fuzz/replay_$$n tests/fuzz/corpus/$$n || status=1; done; \
	if [ $$status != 0 ]; then echo "fuzz-replay: an input above failed"; fi; exit $$status

# The libFuzzer binaries; only meaningful with BUILD=$(FUZZ_BUILD) (FUZZ_MAKE).
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIBOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -Itests/fuzz -fsanitize=fuzzer -o $@ $< $(LIBOBJ) $(LDSAN) $(LIBS)

fuzz-build:
	+$(FUZZ_MAKE) $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz/fuzz_%)

# New inputs go to $(FUZZ_BUILD)/corpus/NAME (the committed corpus is read
# only), crashes to $(FUZZ_BUILD)/crash-NAME-*.
$(FUZZ_NAMES:%=fuzz-%): fuzz-%: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/corpus/$*
	$(FUZZ_BUILD)/fuzz/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/crash-$*- \
	    $(if $(wildcard tests/fuzz/dict/$*.dict),-dict=tests/fuzz/dict/$*.dict) $(FUZZ_FLAGS) \
	    $(FUZZ_BUILD)/corpus/$* tests/fuzz/corpus/$*

fuzz: $(FUZZ_NAMES:%=fuzz-%)

# Only files that add coverage join the committed corpus, none leaves it.
# Features count edges and hit counts (libFuzzer's default); when that would
# take a target past FUZZ_MAX_FILES files, edges alone (-use_counters=0).
fuzz-merge: fuzz-build
	@set -e; for n in $(FUZZ_NAMES); do \
	    c=tests/fuzz/corpus/$$n; t=$(FUZZ_BUILD)/merge/$$n; \
	    mkdir -p $$c $(FUZZ_BUILD)/corpus/$$n; rm -rf $$t; mkdir -p $$t; cp $$c/* $$t/ 2>/dev/null || true; \
	    $(FUZZ_BUILD)/fuzz/fuzz_$$n -merge=1 $(FUZZ_MERGE_FLAGS) $$t $(FUZZ_BUILD)/corpus/$$n 2>&1 | grep -a 'MERGE-OUTER: [0-9]* new'; \
	    if [ $$(ls $$t | wc -l) -gt $(FUZZ_MAX_FILES) ]; then \
	        rm -rf $$t; mkdir -p $$t; cp $$c/* $$t/ 2>/dev/null || true; \
	        $(FUZZ_BUILD)/fuzz/fuzz_$$n -merge=1 -use_counters=0 $(FUZZ_MERGE_FLAGS) $$t $(FUZZ_BUILD)/corpus/$$n 2>&1 | \
	            grep -a 'MERGE-OUTER: [0-9]* new'; \
	    fi; \
	    cp -n $$t/* $$c/ 2>/dev/null || true; \
	    echo "$$n: $$(ls $$c | wc -l) files, $$(du -sb $$c | cut -f1) bytes"; \
	done

fuzz-clean:
	rm -rf $(FUZZ_BUILD)
