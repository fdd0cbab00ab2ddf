#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# demo.sh BUILD_DIR: the `make demo` entry point. For now it replays the
# bundled capture through nodes 1..3 (scripts/demo-replay.sh) and prints who
# got what; the network-namespace cluster demo will take its place.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$here/demo-replay.sh" ]; then
	echo "demo.sh: $here/demo-replay.sh is missing" >&2
	exit 1
fi
exec "$here/demo-replay.sh" "$1"
