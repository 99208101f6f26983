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
#   make fuzz-clean         remove build-fuzz/ (`make clean` does too)

FUZZ_NAMES   := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_REPLAY  := $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay_%)
FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FUZZ_MERGE_FLAGS ?=
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS   = -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)
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

fuzz-merge: fuzz-build
	@set -e; for n in $(FUZZ_NAMES); do \
	    mkdir -p tests/fuzz/corpus/$$n $(FUZZ_BUILD)/corpus/$$n; \
	    $(FUZZ_BUILD)/fuzz/fuzz_$$n -merge=1 $(FUZZ_MERGE_FLAGS) tests/fuzz/corpus/$$n $(FUZZ_BUILD)/corpus/$$n; \
	    echo "$$n: $$(ls tests/fuzz/corpus/$$n | wc -l) files, $$(du -sk tests/fuzz/corpus/$$n | cut -f1) KB"; \
	done

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

clean: fuzz-clean
