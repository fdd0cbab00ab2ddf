# SPDX-License-Identifier: BSD-3-Clause
# Thin wrapper over meson/ninja. `make test` and `make demo` work as root on
# a fresh Debian 12 machine: they install what is missing first.

BUILD ?= build
MESON ?= meson
NINJA ?= ninja

.PHONY: all deps build test demo bench clean

all: build

deps:
	scripts/deps.sh

# Configure once; afterwards ninja re-runs meson by itself when a
# meson.build changes.
$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) || $(MESON) setup --wipe $(BUILD)

build: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

# Every suite meson knows about (unit, pcap, and those added later).
test: deps
	$(MAKE) build
	$(MESON) test -C $(BUILD) --print-errorlogs

demo: deps
	$(MAKE) build
	scripts/demo.sh $(BUILD)

# Micro-benchmark of the library path (not a test): see docs/benchmarks.md.
bench: build
	$(BUILD)/bench/bench-steer $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)
