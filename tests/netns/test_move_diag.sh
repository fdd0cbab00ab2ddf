#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_move_diag.sh BUILD
#
# The drainer's count of its old connections (lib/move vs_move_diag_count,
# netlink inet_diag) against real sockets: a namespace of its own with the
# VIP and four client addresses on its loopback; tests/netns/move_diag.py
# makes the sockets and compares the counts per number with its own.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
PROBE=$BUILD/tests/netns/move_diag_probe
VIP=192.168.100.100
NS=vsmd-$$

[ "$(id -u)" -eq 0 ] || { echo "FAIL: must run as root (network namespace)"; exit 1; }
for t in ip python3; do
	command -v "$t" >/dev/null || { echo "FAIL: missing $t (scripts/deps.sh)"; exit 1; }
done
[ -x "$PROBE" ] || { echo "FAIL: missing $PROBE (build first)"; exit 1; }

cleanup() {
	local rc=$?
	ip netns del "$NS" 2>/dev/null || true
	exit "$rc"
}
trap cleanup EXIT

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" addr add "$VIP/32" dev lo
for i in 1 2 3 4 9; do
	ip -n "$NS" addr add "10.9.0.$i/32" dev lo
done
timeout 60 ip netns exec "$NS" python3 "$HERE/move_diag.py" "$PROBE" "$VIP"
