# casefile — build, test, demo, bench.
# make            build bin/casefile-capture and bin/casefile-analyze
# make test       unit tests (cmocka), golden outputs and end-to-end tests
# make golden     the analyzer's outputs on committed bundles, diffed (tests/golden/TESTLIST)
# make golden-update  rewrite tests/golden/expected/ from this casefile-analyze (review the diff)
# make asan       the same tests under AddressSanitizer + UBSan (objects in build/asan)
# make demo       capture a sample workload and analyze it
# make test-real  the zoo of real software (samples/real/, tests/e2e/real-*.sh)
# make truth-table  run every zoo scenario, write the scenario x rule table into BENCHMARKS.md
# make bench      benchmarks against strace, ss, tcpdump, raw sqlite (see BENCHMARKS.md)
# make static     a statically linked casefile-capture (bin/casefile-capture-static)
# make install    PREFIX=/usr/local DESTDIR=
# Knobs: V=1 verbose, EXTRA_CFLAGS, SAN=1 sanitizers, BUILD= object dir, BIN= binary dir.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/casefile
BUILD   ?= build
BIN     ?= bin
CC      ?= cc
PKG_CONFIG ?= pkg-config
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wshadow -Wvla -Wpointer-arith -Wundef -Wno-format-nonliteral
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
ifeq ($(SAN),fuzz)
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
ALL_CFLAGS = -std=gnu11 $(WARN) -D_GNU_SOURCE -DCASEFILE_VERSION='"$(VERSION)"' \
             -Ilib -I$(BUILD)/gen $(CFLAGS) $(SANFLAGS) $(EXTRA_CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

# libbpf loads the syscalls source's eBPF programs (libelf and zlib are its own
# dependencies, named for the static link).
CAPTURE_LIBS := -lsqlite3 -lpcap -lbpf -lelf -lz -lpthread -lm
ANALYZE_LIBS := -lsqlite3 -lyaml -lpcap -lm
TEST_LIBS    := -lcmocka

ifneq ($(V),1)
Q = @
QCC = @echo "  CC      $@";
QLD = @echo "  LD      $@";
QGEN = @echo "  GEN     $@";
QBPF = @echo "  BPF     $@";
endif

.DELETE_ON_ERROR:
.SUFFIXES:
.PHONY: all test unit golden golden-update e2e asan demo test-real truth-table bench static install uninstall clean deps samples fuzz fuzzers \
        readme-options

# Each room's sources are found by wildcard: adding a file needs no Makefile change.
# capture/ keeps its loop at the top and one folder per source (capture/*/).
LIB_SRCS     := $(wildcard lib/*.c)
CAPTURE_SRCS := $(filter-out %.bpf.c,$(wildcard capture/*.c capture/*/*.c))
ANALYZE_SRCS := $(wildcard analyze/*.c)
GEN_SRCS     := $(BUILD)/gen/schema.c

LIB_OBJS     := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/schema.o $(BUILD)/gen/schema_history.o
CAPTURE_OBJS := $(CAPTURE_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/syscall_names.o
ANALYZE_OBJS := $(ANALYZE_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/builtin_rules.o
# Everything but main(), for linking into unit tests.
CAPTURE_LIBOBJS := $(filter-out $(BUILD)/capture/main.o,$(CAPTURE_OBJS))
ANALYZE_LIBOBJS := $(filter-out $(BUILD)/analyze/main.o,$(ANALYZE_OBJS))

SAMPLE_SRCS := $(wildcard samples/*.c)
SAMPLES     := $(SAMPLE_SRCS:samples/%.c=$(BUILD)/samples/%)
BENCH_SRCS  := $(wildcard bench/*.c)
BENCHES     := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

UNIT_SRCS   := $(wildcard tests/lib/test_*.c tests/capture/test_*.c tests/capture/*/test_*.c \
                         tests/analyze/test_*.c)
UNITS       := $(UNIT_SRCS:tests/%.c=$(BUILD)/tests/%)

all: $(BIN)/casefile-capture $(BIN)/casefile-analyze samples

samples: $(SAMPLES)

$(BIN)/casefile-capture: $(CAPTURE_OBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CAPTURE_LIBS)

$(BIN)/casefile-analyze: $(ANALYZE_OBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ANALYZE_LIBS)

# eBPF programs (NAME.bpf.c in a source's folder), as libbpf-tools build them:
# clang -target bpf into $(BUILD)/gen/NAME.bpf.o, then `bpftool gen skeleton`
# embeds the object into $(BUILD)/gen/NAME.skel.h (struct NAME_bpf, loaded with
# libbpf). -mcpu=v3: atomic OR and 32-bit jumps (kernel 5.1+; the loader needs
# 5.5 for mmap'd maps anyway). The multiarch dir holds <asm/types.h>, which
# <linux/types.h> needs; no vmlinux.h: the programs read no kernel struct.
BPF_CLANG ?= clang
BPFTOOL   ?= bpftool
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
BPF_CFLAGS := -target bpf -O2 -g -mcpu=v3 -Wall -Wextra -Werror $(if $(MULTIARCH),-idirafter /usr/include/$(MULTIARCH))
BPF_SRCS  := $(wildcard capture/*/*.bpf.c)
BPF_SKELS := $(patsubst %.bpf.c,$(BUILD)/gen/%.skel.h,$(notdir $(BPF_SRCS)))
vpath %.bpf.c $(sort $(dir $(BPF_SRCS)))

$(BUILD)/gen/%.bpf.o: %.bpf.c
	@mkdir -p $(@D)
	$(QBPF)$(BPF_CLANG) $(BPF_CFLAGS) -I$(<D) -MMD -MP -c -o $@ $<

.SECONDARY: $(BPF_SKELS:.skel.h=.bpf.o)

$(BUILD)/gen/%.skel.h: $(BUILD)/gen/%.bpf.o
	$(QGEN)$(BPFTOOL) gen skeleton $< > $@

# A loader includes its skeleton: generate them before compiling capture/.
$(CAPTURE_OBJS): | $(BPF_SKELS)

# The one canonical schema, embedded as a C string; its version is the
# "PRAGMA user_version = N" line of schema/bundle.sql.
$(BUILD)/gen/schema.c: schema/bundle.sql schema/embed.sh
	@mkdir -p $(@D)
	$(QGEN)sh schema/embed.sh schema/bundle.sql bundle_schema_sql bundle_schema_version > $@

# Every released schema (schema/history/vN.sql): a bundle of version N is
# checked against its own version's schema.
HISTORY_SQL := $(sort $(wildcard schema/history/v*.sql))
$(BUILD)/gen/schema_history.c: $(HISTORY_SQL) schema/embed_history.sh
	@mkdir -p $(@D)
	$(QGEN)sh schema/embed_history.sh $(HISTORY_SQL) > $@

$(BUILD)/gen/schema_history.o: lib/bundle.h

# The built-in rule pack, embedded the same way (also installed as a file).
$(BUILD)/gen/builtin_rules.c: analyze/rules/builtin.yaml schema/embed.sh
	@mkdir -p $(@D)
	$(QGEN)sh schema/embed.sh analyze/rules/builtin.yaml builtin_rules_yaml > $@

# Syscall names of x86_64 and aarch64, from the build machine's kernel headers.
$(BUILD)/gen/syscall_names.c: capture/syscalls/gen_names.sh
	@mkdir -p $(@D)
	$(QGEN)CC="$(CC)" sh capture/syscalls/gen_names.sh > $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(QCC)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Capture code includes the loop's headers by name ("capture.h", "writer.h")
# and another source's headers by folder ("proc/procfs.h").
$(BUILD)/capture/%.o: ROOM_CFLAGS := -Icapture

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) $(ROOM_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/samples/%: samples/%.c
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< -lpthread -lm

# The profile's known workload: frame pointers in one build, none (and no
# symbols) in the other, to show what a profile says of each.
# Without the sanitizers too: ASan's time() interceptor would stand between
# cpuburn --vdso and the vDSO.
$(BUILD)/samples/cpuburn: samples/cpuburn.c
	@mkdir -p $(@D)
	$(QCC)$(CC) $(filter-out $(SANFLAGS),$(ALL_CFLAGS)) -fno-omit-frame-pointer -fno-optimize-sibling-calls $(LDFLAGS) -o $@ $< -lpthread -lm
# A workload, not our code: built without the sanitizers, whose instrumentation
# keeps frame pointers (under `make asan` it would unwind after all).
$(BUILD)/samples/cpuburn-nofp: samples/cpuburn.c
	@mkdir -p $(@D)
	$(QCC)$(CC) $(filter-out $(SANFLAGS),$(ALL_CFLAGS)) -fomit-frame-pointer $(LDFLAGS) -s -o $@ $< -lpthread -lm
samples: $(BUILD)/samples/cpuburn-nofp

$(BUILD)/bench/%: bench/%.c $(LIB_OBJS) $(CAPTURE_LIBOBJS)
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Icapture -o $@ $< $(CAPTURE_LIBOBJS) $(LIB_OBJS) $(CAPTURE_LIBS)

# The cold socket snapshot is timed with its fork+exec: link only the code it
# runs, not the capture's libraries (libpcap, libbpf, sqlite: ~2 ms of loading).
SOCKDUMP_OBJS := $(addprefix $(BUILD)/,capture/sockets/sockdiag.o capture/sockets/sockmap.o \
	capture/sockets/fdowners.o lib/error.o lib/term.o lib/utf8.o)
$(BUILD)/bench/sockdump: bench/sockdump.c $(SOCKDUMP_OBJS)
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Icapture -o $@ $< $(SOCKDUMP_OBJS)

$(BUILD)/tests/lib/%: tests/lib/%.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJS) -lsqlite3 -lm $(TEST_LIBS)

$(BUILD)/tests/capture/%: tests/capture/%.c $(CAPTURE_LIBOBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Icapture -o $@ $< $(CAPTURE_LIBOBJS) $(LIB_OBJS) $(CAPTURE_LIBS) $(TEST_LIBS)

$(BUILD)/tests/analyze/%: tests/analyze/%.c $(ANALYZE_LIBOBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Ianalyze -o $@ $< $(ANALYZE_LIBOBJS) $(LIB_OBJS) $(ANALYZE_LIBS) $(TEST_LIBS)

# libFuzzer harnesses: tests/fuzz/fuzz_<room>_<name>.c, linked with that room's objects.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS   := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/fuzz_capture_%: tests/fuzz/fuzz_capture_%.c $(CAPTURE_LIBOBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) -Icapture -fsanitize=fuzzer,address,undefined -o $@ $< $(CAPTURE_LIBOBJS) $(LIB_OBJS) $(CAPTURE_LIBS)

$(BUILD)/fuzz/fuzz_analyze_%: tests/fuzz/fuzz_analyze_%.c $(ANALYZE_LIBOBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) -Ianalyze -fsanitize=fuzzer,address,undefined -o $@ $< $(ANALYZE_LIBOBJS) $(LIB_OBJS) $(ANALYZE_LIBS)

fuzzers: $(FUZZERS)

# The same harnesses without libFuzzer (tests/fuzz/replay.c): `make unit` replays
# every seed and saved crash, cut and mutated deterministically, with gcc and
# under `make asan`.
REPLAYS := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=$(BUILD)/tests/fuzz/replay_%)
UNITS   += $(REPLAYS)

$(BUILD)/tests/fuzz/replay_capture_%: tests/fuzz/fuzz_capture_%.c tests/fuzz/replay.c $(CAPTURE_LIBOBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Icapture -DFUZZ_NAME='"capture_$*"' -o $@ $< tests/fuzz/replay.c $(CAPTURE_LIBOBJS) $(LIB_OBJS) $(CAPTURE_LIBS)

$(BUILD)/tests/fuzz/replay_analyze_%: tests/fuzz/fuzz_analyze_%.c tests/fuzz/replay.c $(ANALYZE_LIBOBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Ianalyze -DFUZZ_NAME='"analyze_$*"' -o $@ $< tests/fuzz/replay.c $(ANALYZE_LIBOBJS) $(LIB_OBJS) $(ANALYZE_LIBS)

# make fuzz: every harness for FUZZ_SECONDS (default 30) from its seed corpus
# (tests/fuzz/corpus/NAME), then every saved crash in tests/fuzz/regress/NAME.
fuzz:
	$(Q)sh .ci/deps fuzz
	$(Q)$(MAKE) --no-print-directory CC=clang SAN=fuzz BUILD=build/fuzz fuzzers
	$(Q)BUILD=build/fuzz sh tests/fuzz/run.sh

# README.md's list of capture options, from --help (test_options checks it).
readme-options: $(BIN)/casefile-capture
	$(Q)sh capture/readme_options.sh $(BIN)/casefile-capture README.md

# Missing Debian packages are installed when root, or named with the command to run.
deps:
	$(Q)sh .ci/deps build

unit: all $(UNITS)
	$(Q)BUILD=$(BUILD) sh tests/run-unit.sh $(UNITS)

# Golden outputs: every case of tests/golden/TESTLIST (a committed bundle and
# casefile-analyze's arguments) against its file in tests/golden/expected/.
golden: $(BIN)/casefile-analyze
	$(Q)BIN=$(BIN) sh tests/golden/run.sh

golden-update: $(BIN)/casefile-analyze
	$(Q)BIN=$(BIN) GOLDEN_UPDATE=1 sh tests/golden/run.sh

e2e: all
	$(Q)BIN=$(BIN) BUILD=$(BUILD) sh tests/run-e2e.sh

test: deps
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory golden
	$(Q)$(MAKE) --no-print-directory e2e

# The zoo (issue 14): real servers and client libraries, installed on demand
# (.ci/deps real, npm ci), each test skipping with a reason when it cannot be.
# One at a time unless E2E_JOBS says otherwise: its tests install packages
# (apt-get, npm ci into build/real-npm) as they go and hold rates to the truth
# within percents, and have not been audited for running side by side.
test-real: all samples
	$(Q)sh .ci/deps real
	$(Q)E2E=real- E2E_JOBS=$${E2E_JOBS:-1} BIN=$(BIN) BUILD=$(BUILD) sh tests/run-e2e.sh

truth-table: all samples
	$(Q)sh .ci/deps real
	$(Q)BIN=$(BIN) BUILD=$(BUILD) sh samples/real/truth-table.sh

asan:
	$(Q)$(MAKE) --no-print-directory SAN=1 BUILD=build/asan BIN=build/asan/bin test

demo: deps all
	$(Q)BIN=$(BIN) BUILD=$(BUILD) sh samples/demo.sh

bench: deps all $(BENCHES)
	$(Q)BIN=$(BIN) BUILD=$(BUILD) sh bench/run.sh

# Static capture binary for scratch/distroless containers. Debian's libpcap.a
# references libdbus for D-Bus capture devices, which casefile never opens;
# capture/static_dbus_stubs are linked in here only (see README).
static: $(CAPTURE_OBJS) $(LIB_OBJS) $(BUILD)/static/dbus_stubs.o
	@mkdir -p $(BIN)
	@echo "  LD      $(BIN)/casefile-capture-static"
	$(Q)$(CC) -static $(ALL_LDFLAGS) -o $(BIN)/casefile-capture-static $^ $(CAPTURE_LIBS) -ldl

$(BUILD)/static/dbus_stubs.o: lib/static/dbus_stubs.c
	@mkdir -p $(@D)
	$(QCC)$(CC) $(ALL_CFLAGS) -c -o $@ $<

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/rules $(DESTDIR)$(DATADIR)/schema
	install -m 755 $(BIN)/casefile-capture $(BIN)/casefile-analyze $(DESTDIR)$(BINDIR)/
	install -m 644 schema/bundle.sql schema/README.md $(DESTDIR)$(DATADIR)/schema/
	if [ -d analyze/rules ]; then install -m 644 analyze/rules/*.yaml $(DESTDIR)$(DATADIR)/rules/; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/casefile-capture $(DESTDIR)$(BINDIR)/casefile-analyze
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf $(BUILD) $(BIN)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
