#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench-steer.sh: the steering path at line rate, side by side with its
# baselines (docs/benchmarks.md, "dpdk-vipshare --bench").
#
#   1. dpdk-vipshare --bench, RUNS invocations per frame mix (64-byte, IMIX):
#      steering (vs_worker_nic_burst) and a plain io-forward of the same
#      frames, interleaved, on 1..all lcores (each invocation itself takes
#      the median of 5 interleaved slices);
#   2. dpdk-testpmd io forwarding on two net_null vdevs (copy=1, size=64),
#      one and two forwarding lcores, RUNS times: the external limit.
#   3. scripts/plot-bench.py: medians of the invocations, the side-by-side
#      table, RESULTS/summary.json and the plot (docs/bench-steer.png).
#
# Usage: scripts/bench-steer.sh [-b BUILD] [-n RUNS] [-s SECONDS] [-o DIR]
#                               [-p PNG] [-a "EXTRA APP ARGS"]
#   BUILD    build directory with app/dpdk-vipshare (default build-bench)
#   RUNS     invocations per configuration (default 5)
#   SECONDS  --bench-seconds per invocation (default 3)
#   DIR      where the raw outputs go (default BUILD/bench-results)
#   PNG      plot file (default docs/bench-steer.png; "" = no plot)
# EAL: --no-huge -m 256 --no-pci -l 0-1 (main + one worker lcore; the
# --bench mode also runs a loop on the main lcore for the 2-lcore row).
# File prefixes vsb-*, removed from /var/run/dpdk afterwards. Bounded: each
# program runs under timeout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=build-bench
RUNS=5
SECS=3
OUT=
PNG=$top/docs/bench-steer.png
EXTRA="--vip 192.168.100.100 --node 1/3 --hashmode sourceip-sourceport"
LCORES=${VSB_LCORES:-0-1}

while getopts "b:n:s:o:p:a:h" o; do
	case $o in
	b) BUILD=$OPTARG ;;
	n) RUNS=$OPTARG ;;
	s) SECS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	p) PNG=$OPTARG ;;
	a) EXTRA=$OPTARG ;;
	*) sed -n '3,27p' "$0"; exit 2 ;;
	esac
done
case "$BUILD" in /*) ;; *) BUILD="$top/$BUILD" ;; esac
OUT=${OUT:-$BUILD/bench-results}
BIN=$BUILD/app/dpdk-vipshare
[ -x "$BIN" ] || { echo "bench-steer: $BIN not built" >&2; exit 1; }
command -v dpdk-testpmd >/dev/null || { echo "bench-steer: dpdk-testpmd missing (apt-get install dpdk-dev)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/vipshare-*.txt "$OUT"/testpmd-*.txt

cleanup() { rm -rf /var/run/dpdk/vsb-steer /var/run/dpdk/vsb-testpmd; }
trap cleanup EXIT

{
	echo "date: $(date -Is)"
	echo "uptime: $(uptime)"
	echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cpus"
	echo "kernel: $(uname -r)"
	echo "dpdk: $(pkg-config --modversion libdpdk 2>/dev/null || echo ?)"
	echo "args: $EXTRA; runs $RUNS x $SECS s; lcores $LCORES"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

for r in $(seq 1 "$RUNS"); do
	for size in 64 imix; do
		echo "bench-steer: dpdk-vipshare --bench --bench-size $size, run $r/$RUNS (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
		# shellcheck disable=SC2086
		timeout -s INT $((SECS * 8 + 60)) "$BIN" --no-huge -m 256 --no-pci \
			-l "$LCORES" --file-prefix vsb-steer --log-level 'lib.*:warning' -- \
			$EXTRA --bench --bench-seconds "$SECS" --bench-size "$size" \
			>"$OUT/vipshare-$size-$r.txt" 2>"$OUT/vipshare-$size-$r.err" ||
			{ echo "bench-steer: run failed, see $OUT/vipshare-$size-$r.err" >&2; exit 1; }
		rm -rf /var/run/dpdk/vsb-steer
	done
	# testpmd io forwarding: 1 forwarding lcore (main sleeps on cpu 0),
	# then 2 (the main lcore shares cpu 0 with one of them).
	for fc in 1 2; do
		if [ "$fc" = 1 ]; then lc=(-l 0-1); else lc=(--lcores '0@0,1@0,2@1'); fi
		echo "bench-steer: dpdk-testpmd io, $fc forwarding lcore(s), run $r/$RUNS" >&2
		timeout -s INT $(( (SECS > 5 ? SECS : 5) + 3 )) dpdk-testpmd --no-huge -m 512 --no-pci "${lc[@]}" \
			--file-prefix vsb-testpmd --log-level 'lib.*:warning' \
			--vdev net_null0,copy=1,size=64 --vdev net_null1,copy=1,size=64 -- \
			--forward-mode=io --stats-period 1 --nb-cores "$fc" --burst 32 \
			--total-num-mbufs 16384 >"$OUT/testpmd-$fc-$r.txt" 2>&1 || true
		rm -rf /var/run/dpdk/vsb-testpmd
	done
done

plot=(--png "$PNG")
[ -n "$PNG" ] || plot=()
/usr/bin/python3 "$here/plot-bench.py" --results "$OUT" "${plot[@]}"
