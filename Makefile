# SPDX-License-Identifier: BSD-3-Clause
# Thin wrapper over meson/ninja. `make test` and `make demo` work as root on
# a fresh Debian 12 machine: they install what is missing first.

BUILD ?= build
MESON ?= meson
NINJA ?= ninja

.PHONY: all deps build test demo bench fuzz-long clean

all: build

deps:
	scripts/deps.sh

# Configure once; afterwards ninja re-runs meson by itself when a
# meson.build changes.
$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) || $(MESON) setup --wipe $(BUILD)

build: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

# Every suite meson knows about (unit, pcap, and those added later), then
# the same code again built by clang with ASan + UBSan ($(SAN_BUILD)): the
# unit, pcap and fuzz suites there (libFuzzer runs FUZZ_SECONDS per target).
# netns and pacemaker are left out of the sanitizer pass: they need minutes
# of real time each and run the same data path the pcap suite already
# drives under the sanitizers.
SAN_BUILD ?= build-san
FUZZ_SECONDS ?= 45
# LeakSanitizer on: DPDK + ASan with --no-huge runs clean (checked).
SAN_ENV = ASAN_OPTIONS=abort_on_error=1:halt_on_error=1:detect_leaks=1 \
	UBSAN_OPTIONS=abort_on_error=1:halt_on_error=1:print_stacktrace=1

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
	$(SAN_ENV) $(MESON) test -C $(SAN_BUILD) --print-errorlogs \
		--suite unit --suite pcap --suite fuzz

# The long fuzzing runs of docs/testing.md (not part of `make test`):
# FUZZ_RUNS executions of each target, one after the other, under ASan +
# UBSan; new inputs and crashes under $(SAN_BUILD)/fuzz-long/.
FUZZ_RUNS ?= 10000000
fuzz-long: deps
	$(MAKE) $(SAN_BUILD)/build.ninja
	$(NINJA) -C $(SAN_BUILD)
	for t in frame conf; do \
		$(SAN_ENV) tests/fuzz/run_fuzz.sh runs \
			$(SAN_BUILD)/tests/fuzz/fuzz_$$t tests/fuzz/corpus/$$t \
			$(SAN_BUILD)/fuzz-long/$$t $(FUZZ_RUNS) \
			tests/fuzz/dict-$$t.txt || exit 1; \
	done

demo: deps
	$(MAKE) build
	scripts/demo.sh $(BUILD)

# Micro-benchmark of the library path (not a test): see docs/benchmarks.md.
bench: build
	$(BUILD)/bench/bench-steer $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
