# SPDX-License-Identifier: BSD-3-Clause
# Thin wrapper over meson/ninja. `make test` and `make demo` work as root on
# a fresh Debian 12 machine: they install what is missing first.

BUILD ?= build
MESON ?= meson
NINJA ?= ninja

.PHONY: all deps build test demo bench fuzz-long deb clean

all: build

deps:
	scripts/deps.sh

# Configure once; afterwards ninja re-runs meson by itself when a
# meson.build changes.
$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) || $(MESON) setup --wipe $(BUILD)

build: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

# Every suite meson knows about (unit, pcap, netns, pacemaker, fuzz), then
# the same code again built by clang with ASan + UBSan ($(SAN_BUILD)) and
# every suite again there (libFuzzer runs FUZZ_SECONDS per target).
SAN_BUILD ?= build-san
FUZZ_SECONDS ?= 45
# Every sanitizer report of the pass, from any process (daemons the tests
# stop with SIGTERM, whose exit status no test reads, included), is written
# to $(SAN_REPORTS); a single one fails `make test`. Executables meson runs
# directly set their own options (tests/*/meson.build) and fail by status.
# LeakSanitizer on; the one leak outside our code it finds is suppressed,
# with its reason, in scripts/lsan-suppressions.txt.
SAN_REPORTS = $(CURDIR)/$(SAN_BUILD)/sanitizer-reports
SAN_ASAN = abort_on_error=1:halt_on_error=1:detect_leaks=1
SAN_UBSAN = abort_on_error=1:halt_on_error=1:print_stacktrace=1
SAN_LSAN = suppressions=$(CURDIR)/scripts/lsan-suppressions.txt:print_suppressions=0
SAN_ENV = ASAN_OPTIONS=$(SAN_ASAN) UBSAN_OPTIONS=$(SAN_UBSAN) LSAN_OPTIONS=$(SAN_LSAN)
SAN_TEST_ENV = ASAN_OPTIONS=$(SAN_ASAN):log_path=$(SAN_REPORTS)/asan \
	UBSAN_OPTIONS=$(SAN_UBSAN):log_path=$(SAN_REPORTS)/ubsan \
	LSAN_OPTIONS=$(SAN_LSAN)

$(SAN_BUILD)/build.ninja:
	CC=clang $(MESON) setup $(SAN_BUILD) -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized -Dfuzz=enabled \
		-Dfuzz_seconds=$(FUZZ_SECONDS) || \
	CC=clang $(MESON) setup --wipe $(SAN_BUILD) -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized -Dfuzz=enabled \
		-Dfuzz_seconds=$(FUZZ_SECONDS)

test: deps
	$(MAKE) build
	$(MESON) test -C $(BUILD) --print-errorlogs
	$(MAKE) $(SAN_BUILD)/build.ninja
	$(MESON) configure $(SAN_BUILD) -Dfuzz_seconds=$(FUZZ_SECONDS)
	$(NINJA) -C $(SAN_BUILD)
	rm -rf $(SAN_REPORTS) && mkdir -p $(SAN_REPORTS)
	@rc=0; echo "$(SAN_TEST_ENV) $(MESON) test -C $(SAN_BUILD)"; $(SAN_TEST_ENV) $(MESON) test -C $(SAN_BUILD) --print-errorlogs || rc=$$?; \
	if [ -n "$$(ls -A $(SAN_REPORTS))" ]; then \
		echo "make test: sanitizer reports in $(SAN_REPORTS):" >&2; \
		head -n 60 $(SAN_REPORTS)/* >&2; rc=1; \
	fi; exit $$rc

# The long fuzzing runs of docs/testing.md (not part of `make test`):
# FUZZ_RUNS executions of each target, one after the other, under ASan +
# UBSan; new inputs and crashes under $(SAN_BUILD)/fuzz-long/.
FUZZ_RUNS ?= 10000000
fuzz-long: deps
	$(MAKE) $(SAN_BUILD)/build.ninja
	$(NINJA) -C $(SAN_BUILD)
	for t in frame conf cover move; do \
		$(SAN_ENV) tests/fuzz/run_fuzz.sh runs \
			$(SAN_BUILD)/tests/fuzz/fuzz_$$t tests/fuzz/corpus/$$t \
			$(SAN_BUILD)/fuzz-long/$$t $(FUZZ_RUNS) \
			tests/fuzz/dict-$$t.txt || exit 1; \
	done

demo: deps
	$(MAKE) build
	scripts/demo.sh $(BUILD)

# The Debian package (docs/install.md), built by dpkg-buildpackage in a
# temporary copy of the tree: dpdk-vipshare_VERSION_ARCH.deb in $(DEB_OUT).
DEB_OUT ?= $(CURDIR)
deb:
	scripts/deps.sh BUILD DEB
	scripts/build-deb.sh $(DEB_OUT)

# Micro-benchmark of the library path (not a test): see docs/benchmarks.md.
bench: build
	$(BUILD)/bench/bench-steer $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
	rm -f dpdk-vipshare_*.deb
