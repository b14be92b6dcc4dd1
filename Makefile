# fieldcard — build, run the demo, test, benchmark.
#   make          build build/release/fieldcard
#   make run      build and open the text UI on a ready demo (./demo-data)
#   make test     build with ASan+UBSan and run every test; last line "N passed, N failed"
#   make bench    benchmarks (speed and memory), figures on stdout
#   make fuzz     libFuzzer targets (tests/fuzz/), each for FUZZ_SECONDS (60)
#   make soak     crash points: 100 SIGKILLs per writing operation (SOAK_POINTS)
#   make arm64-test  cross-build for aarch64, unit and CLI tests under qemu-user
#   make asan / debug / valgrind / cppcheck / clean;  V=1 shows commands
.SUFFIXES:
SHELL := /bin/bash

PKGS := ncursesw sqlite3 libgit2 libsodium jansson libzip expat

CC ?= gcc
ifeq ($(CC),cc)
CC := gcc
endif
PREFIX ?= /usr/local
FORMS_DIR ?= $(CURDIR)/forms
LOCALE_DIR ?= $(CURDIR)/build/locale

BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude \
	-DFC_FORMS_DIR='"$(FORMS_DIR)"' -DFC_LOCALE_DIR='"$(LOCALE_DIR)"' \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) -MMD -MP
LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
XLSX_LIBS := $(shell pkg-config --libs xlsxwriter 2>/dev/null)
ifneq ($(XLSX_LIBS),)
BASE_CFLAGS += -DFC_HAVE_XLSX=1 $(shell pkg-config --cflags xlsxwriter)
LIBS += $(XLSX_LIBS)
endif
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

MODE ?= release
# The fuzz build is clang's (libFuzzer comes with it); every other mode
# keeps CC. FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION is libFuzzer's usual
# name for "this binary only fuzzes"; nothing in the program reads it.
FUZZ_CC ?= clang-14
ifeq ($(MODE),fuzz)
CC := $(FUZZ_CC)
endif
ifeq ($(MODE),release)
MODE_CFLAGS := -O2 -g
MODE_LDFLAGS :=
else ifeq ($(MODE),debug)
MODE_CFLAGS := -O0 -g3
MODE_LDFLAGS :=
else ifeq ($(MODE),asan)
MODE_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
MODE_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(MODE),fuzz)
MODE_CFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
MODE_LDFLAGS := -fsanitize=fuzzer,address,undefined
endif
# Crash points (include/fieldcard/crash.h) exist in the test builds only:
# the release build compiles them to nothing.
ifneq ($(filter asan debug,$(MODE)),)
MODE_CFLAGS += -DFC_CRASHPOINTS=1
endif
CFLAGS := $(BASE_CFLAGS) $(MODE_CFLAGS)
LDFLAGS := $(MODE_LDFLAGS)

BUILD ?= build
B := $(BUILD)/$(MODE)
# The layers, bottom up (docs/DESIGN.md, "Layers"): one archive each. A
# layer may use only the layers below it: scripts/layers.sh checks the
# includes, and the link checks the calls, since an archive is searched
# only by those above it and each unit test links only its own layer and
# the layers below.
LAYERS := core form store model ledger sync report ui cli
DIR_core := app/core
DIR_form := app/form
DIR_store := app/store
DIR_model := app/model
DIR_ledger := sync/ledger
DIR_sync := sync
DIR_report := app/report
DIR_ui := app/ui
DIR_cli := app/cli
# BELOW_x: layer x and every layer under it, top first (the link order).
BELOW_core := core
BELOW_form := form $(BELOW_core)
BELOW_store := store $(BELOW_form)
BELOW_model := model $(BELOW_store)
BELOW_ledger := ledger $(BELOW_model)
BELOW_sync := sync $(BELOW_ledger)
BELOW_report := report $(BELOW_sync)
BELOW_ui := ui $(BELOW_report)
BELOW_cli := cli $(BELOW_ui)
archives = $(foreach l,$(BELOW_$(1)),$(B)/lib$(l).a)
# The layer of module m: the one whose folder holds m.c or m_*.c.
layer_of = $(firstword $(foreach l,$(LAYERS),$(if $(wildcard $(DIR_$(l))/$(1).c $(DIR_$(l))/$(1)_*.c),$(l))))
layer_objs = $(patsubst %.c,$(B)/%.o,$(filter-out app/cli/main.c,$(wildcard $(DIR_$(1))/*.c)))
LAYER_SRCS := $(foreach l,$(LAYERS),$(wildcard $(DIR_$(l))/*.[ch])) $(wildcard include/fieldcard/*.h)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(B)/tests/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/%.c=%)
FUZZ_SECONDS ?= 60
PO_FILES := $(wildcard po/*.po)
MO_FILES := $(PO_FILES:po/%.po=build/locale/%/LC_MESSAGES/fieldcard.mo)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all deps bin run test test-only bench asan debug valgrind cppcheck clean \
	fuzz fuzz-build soak arm64 arm64-test
# Top-level goals check the Debian packages first (installing them as root),
# then build in a sub-make so pkg-config sees what was just installed.
all: deps
	$(Q)$(MAKE) --no-print-directory MODE=$(MODE) bin

bin: $(B)/fieldcard $(MO_FILES)

deps:
	$(Q)scripts/deps.sh

$(B)/fieldcard: $(B)/app/cli/main.o $(call archives,cli) $(B)/layers.ok
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(B)/app/cli/main.o $(call archives,cli) $(LIBS)

define layer_archive
$(B)/lib$(1).a: $(call layer_objs,$(1))
	@echo "  AR      $$@"
	$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_archive,$(l))))

# The include rules, checked again whenever a source or header changes.
$(B)/layers.ok: scripts/layers.sh $(LAYER_SRCS)
	@mkdir -p $(dir $@)
	@echo "  LAYERS  scripts/layers.sh"
	$(Q)sh scripts/layers.sh && touch $@

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# A unit test of module m links only m's layer and the layers below it.
define unit_test
$(B)/tests/test_$(1): tests/unit/test_$(1).c $(call archives,$(call layer_of,$(1))) $(B)/layers.ok
	@mkdir -p $$(dir $$@)
	@echo "  TEST    $$@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $$@ $$< $(call archives,$(call layer_of,$(1))) $(LIBS) $(CMOCKA_LIBS)
endef
$(foreach t,$(UNIT_SRCS:tests/unit/test_%.c=%),$(eval $(call unit_test,$(t))))

$(B)/tests/bench_%: tests/bench/bench_%.c $(call archives,cli)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(call archives,cli) $(LIBS)

# A fuzz target links every layer, like the program (MODE=fuzz only).
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(call archives,cli) $(B)/layers.ok
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(call archives,cli) $(LIBS)

build/locale/%/LC_MESSAGES/fieldcard.mo: po/%.po
	@mkdir -p $(dir $@)
	$(Q)msgfmt -o $@ $<

run: all
	$(Q)scripts/run-demo.sh build/release/fieldcard

# The release build is made too: -O2 finds warnings -O1 does not, and
# `make run` must never be the first to meet them.
test: deps
	$(Q)$(MAKE) --no-print-directory MODE=release bin
	$(Q)$(MAKE) --no-print-directory MODE=asan $(BUILD)/asan/fieldcard $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/asan/tests/%) $(MO_FILES)
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)tests/run.sh $(BUILD)/asan

# Run the suite against an already built tree (no rebuild).
test-only:
	$(Q)tests/run.sh $(BUILD)/asan

bench: deps
	$(Q)$(MAKE) --no-print-directory MODE=release build/release/fieldcard $(BENCH_BINS:build/$(MODE)/%=build/release/%)
	$(Q)tests/bench/run.sh build/release

# The fuzz targets, with their seed corpora (tests/fuzz/seeds.sh).
fuzz-build: deps
	$(Q)$(MAKE) --no-print-directory MODE=release build/release/fieldcard
	$(Q)$(MAKE) --no-print-directory MODE=fuzz $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz/%)
	$(Q)tests/fuzz/seeds.sh build/release/fieldcard $(BUILD)/fuzz/seeds

# Each target for FUZZ_SECONDS, one after the other; a crash stops the run
# and leaves its input in build/fuzz/crashes/TARGET/.
fuzz: fuzz-build
	$(Q)tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

# Crash points: SOAK_POINTS kills (default 100) in each writing operation.
soak: deps
	$(Q)$(MAKE) --no-print-directory MODE=asan $(BUILD)/asan/fieldcard $(MO_FILES)
	$(Q)CRASH_POINTS=$${SOAK_POINTS:-100} bash tests/integration/crash_points.sh

# aarch64 (scripts/arm64.sh): the cross build in build/arm64, and its
# unit and CLI integration tests under qemu-user.
arm64:
	$(Q)scripts/arm64.sh
arm64-test:
	$(Q)scripts/arm64.sh test

asan: deps
	$(Q)$(MAKE) --no-print-directory MODE=asan bin
debug: deps
	$(Q)$(MAKE) --no-print-directory MODE=debug bin

valgrind: deps
	$(Q)$(MAKE) --no-print-directory MODE=debug build/debug/fieldcard $(UNIT_SRCS:tests/unit/%.c=build/debug/tests/%)
	$(Q)tests/valgrind.sh build/debug

cppcheck:
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -Iinclude app sync

clean:
	rm -rf build demo-data demo-data.county demo-data.county.git

-include $(shell find build -name '*.d' 2>/dev/null)
