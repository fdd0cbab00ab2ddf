#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench-callgrind.sh [-b BUILD] [-s SECONDS] [-c] [VIPS...]
#
# Instructions per steered frame of the data path, load-independent:
# dpdk-vipshare --bench on one lcore under valgrind's callgrind, the
# 64-byte mix spread over VIPS VIPs (--bench-vips; default 1 4 64), node
# 1 of 3, sourceip-sourceport. Prints, per VIP count, the instructions of
# vs_worker_nic_burst (inclusive: fast path, parser, lookup, hash,
# counters, transmit, frees) and of the generic parser alone
# (vs_pkt_parse_head: the frames the inline fast path leaves to it),
# divided by the frames steered (the counters' "generated"). -c: simulate
# the caches too (callgrind's model of this machine's) and add the L1
# data misses per frame of vs_worker_nic_burst. docs/benchmarks.md has
# the method and the numbers. Needs valgrind; takes ~10 s per VIP count
# (-c: ~30 s).
set -euo pipefail

BUILD=build
SECS=1
CACHE=()
while getopts b:s:c o; do
	case $o in
	b) BUILD=$OPTARG ;;
	s) SECS=$OPTARG ;;
	c) CACHE=(--cache-sim=yes) ;;
	*) sed -n '4,17p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- 1 4 64
command -v valgrind >/dev/null || { echo "bench-callgrind: valgrind missing" >&2; exit 1; }
bin=$BUILD/app/dpdk-vipshare
[ -x "$bin" ] || { echo "bench-callgrind: no $bin (build first)" >&2; exit 1; }
work=$(mktemp -d /tmp/vs-callgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT

printf '%-6s %12s %14s %14s%s\n' vips frames "instr/frame" "generic/frame" \
	"${CACHE:+ "  D1 miss/frame"}"
for n in "$@"; do
	valgrind --tool=callgrind "${CACHE[@]}" --callgrind-out-file="$work/cg.$n" "$bin" \
		--no-huge -m 256 --no-pci -l 0 --file-prefix "vs-cg-$$" \
		--log-level=error -- --vip 192.168.100.100 --node 1/3 \
		--bench --bench-seconds "$SECS" --bench-vips "$n" \
		>"$work/out.$n" 2>"$work/err.$n" || { cat "$work/err.$n" >&2; exit 1; }
	frames=$(grep -o '"generated":[0-9]*' "$work/out.$n" | cut -d: -f2)
	incl() {
		callgrind_annotate --inclusive=yes "$work/cg.$n" 2>/dev/null |
			awk -v f="$1" '!d && index($0, ":" f " ") {gsub(",", "", $1); print $1; d = 1}'
	}
	burst=$(incl vs_worker_nic_burst)
	parse=$(incl vs_pkt_parse_head)
	printf '%-6s %12s %14.1f %14.1f' "$n" "$frames" \
		"$(echo "$burst / $frames" | bc -l)" "$(echo "$parse / $frames" | bc -l)"
	if [ ${#CACHE[@]} -gt 0 ]; then
		# Ir Dr Dw I1mr D1mr D1mw ...: read + write L1 data misses
		d1=$(callgrind_annotate --inclusive=yes "$work/cg.$n" 2>/dev/null |
			sed 's/([^)]*)//g' |
			awk '!d && index($0, ":vs_worker_nic_burst ") {
				gsub(",", ""); print $5 + $6; d = 1}')
		printf ' %16.2f' "$(echo "$d1 / $frames" | bc -l)"
	fi
	printf '\n'
done
