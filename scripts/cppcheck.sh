#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Static check of our C code with cppcheck: warning, portability and
# performance classes; exit 1 on any finding not suppressed (with its
# reason) in scripts/cppcheck-suppressions.txt. Run by `make test` (meson
# test 'cppcheck', suite unit); by hand: scripts/cppcheck.sh [SRCDIR]
set -eu
src=${1:-$(dirname "$0")/..}
cd "$src"
command -v cppcheck >/dev/null 2>&1 || { echo "FAIL: cppcheck not installed (scripts/deps.sh installs it)"; exit 1; }
exec cppcheck -q --enable=warning,portability,performance --std=c11 \
	--inline-suppr --error-exitcode=1 \
	--suppressions-list=scripts/cppcheck-suppressions.txt \
	-D__x86_64__ -DRTE_ARCH_X86_64 -D__linux__ \
	-I lib/util -I lib/hash -I lib/pkt -I lib/arp -I lib/igmp -I lib/gen -I lib/cover -I lib/move -I app \
	lib app tests/fuzz tests/unit
