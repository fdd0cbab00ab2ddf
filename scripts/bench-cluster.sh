#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench-cluster.sh [BUILD]: the 3-node namespace cluster of scripts/cluster.sh
# measured end to end (docs/benchmarks.md, "Cluster in network namespaces").
# A plain namespace vsn-p (192.168.100.50, an ordinary veth on the same
# bridge, no DPDK) is the baseline in the same run.
#
#   throughput  iperf3 client -> VIP, hashmode sourceip (iperf3's control and
#               data connections must land on the same node), i.e. through
#               the one node that owns the client, against client -> vsn-p;
#               BENCH_IPERF_T seconds per run, runs interleaved
#   cps         TCP connections per second through the cluster
#               (sourceip-sourceport: spread over 3 nodes), BENCH_CONNS
#               connections per run (connect, read the node's banner, close;
#               16 in flight), against the same service in vsn-p
#   latency     ping -c 50 -i 0.02 to the VIP and to vsn-p: average RTT
# Every figure is the median of BENCH_RUNS (default 5) runs; all runs are
# printed. Per PMD in BENCH_PMDS (default "af_xdp af_packet").
# Environment: BENCH_RUNS (5), BENCH_IPERF_T (3), BENCH_CONNS (1000),
#   BENCH_PMDS, VSN_IDLE_SLEEP (100).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
cluster=$here/cluster.sh
RUNS=${BENCH_RUNS:-5}
IPERF_T=${BENCH_IPERF_T:-3}
CONNS=${BENCH_CONNS:-1000}
PMDS=${BENCH_PMDS:-af_xdp af_packet}
VIP=192.168.100.100
PLAIN=192.168.100.50
export VSN_BUILD=$build VSN_IDLE_SLEEP=${VSN_IDLE_SLEEP:-100} VSN_SNOOP=0 VSN_APP_ARGS=

[ "$(id -u)" -eq 0 ] || { echo "bench-cluster.sh: run as root" >&2; exit 1; }
for t in iperf3 ping python3 ip flock; do
	command -v $t >/dev/null || { echo "bench-cluster.sh: missing $t" >&2; exit 1; }
done
exec 9<"$cluster"
flock -w 600 9 || { echo "bench-cluster.sh: another vsn- cluster is running" >&2; exit 1; }
work=$(mktemp -d /tmp/vsn-bench.XXXXXX)
cleanup() {
	"$cluster" down || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
runs_of() { paste -sd' ' "$1"; }

# The baseline: a plain namespace on the same bridge, ordinary kernel stack.
plain_up() {
	ip netns add vsn-p
	ip netns exec vsn-p sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n vsn-p link set lo up
	ip -n vsn-sw link add p-p type veth peer name p0 netns vsn-p
	ip -n vsn-sw link set p-p master br0 up
	ip -n vsn-p addr add $PLAIN/24 dev p0
	ip -n vsn-p link set p0 up
	ip netns exec vsn-p iperf3 -s -B $PLAIN -D >/dev/null
	ip netns exec vsn-p python3 "$here/cluster-tcp.py" serve --bind $PLAIN \
		--name plain >/dev/null 2>&1 </dev/null &
}

# iperf3 receiver Mbit/s
iperf_mbps() {
	ip netns exec vsn-c timeout $((IPERF_T + 20)) iperf3 -c "$1" -t "$IPERF_T" -f m 2>&1 |
		awk '/receiver/ {for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1)}'
}

ping_avg() {
	ip netns exec vsn-c ping -n -q -c 50 -i 0.02 -W 2 "$1" 2>/dev/null |
		awk -F/ '/^rtt/ {print $5}'
}

cps() { # cps DST BASE
	ip netns exec vsn-c python3 "$here/cluster-tcp.py" conns --dst "$1" --port 80 \
		--sport-base "$2" --count "$CONNS" --parallel 16 --timeout 15 2>&1 >/dev/null |
		awk '/^# ok=/ {split($0, a, /ok=| failed=/); split($0, b, "per_second="); if (a[3] + 0 == 0) print b[2]; else print "FAILED"}'
}

{
	echo "machine: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) cores; kernel $(uname -r)"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (machine shared with other jobs)"
	echo "settings: runs=$RUNS iperf3 -t $IPERF_T, $CONNS connections per cps run, --idle-sleep $VSN_IDLE_SLEEP, --no-huge"
} | tee "$work/summary"

for pmd in $PMDS; do
	export VSN_PMD=$pmd
	# --- sourceip: throughput and latency through the owning node
	VSN_HASHMODE=sourceip "$cluster" up 3 2>/dev/null
	plain_up
	owner=$("$build/app/vipshare-which" --total-nodes 3 --hashmode sourceip 192.168.100.1)
	ip netns exec "vsn-n$owner" iperf3 -s -B $VIP -D >/dev/null
	sleep 1
	: >"$work/tp-vip"; : >"$work/tp-plain"; : >"$work/lat-vip"; : >"$work/lat-plain"
	for ((r = 1; r <= RUNS; r++)); do
		iperf_mbps $PLAIN >>"$work/tp-plain"
		iperf_mbps $VIP >>"$work/tp-vip"
		ping_avg $PLAIN >>"$work/lat-plain"
		ping_avg $VIP >>"$work/lat-vip"
	done
	"$cluster" down
	# --- sourceip-sourceport: connections per second over the 3 nodes
	VSN_HASHMODE=sourceip-sourceport "$cluster" up 3 2>/dev/null
	plain_up
	sleep 1
	: >"$work/cps-vip"; : >"$work/cps-plain"
	for ((r = 0; r < RUNS; r++)); do
		cps $PLAIN $((20000 + r * CONNS)) >>"$work/cps-plain"
		cps $VIP $((40000 + r * CONNS)) >>"$work/cps-vip"
	done
	"$cluster" down
	{
		echo "[$pmd] iperf3 Mbit/s   VIP (node $owner): $(runs_of "$work/tp-vip")   plain veth: $(runs_of "$work/tp-plain")"
		echo "[$pmd] ping avg ms     VIP: $(runs_of "$work/lat-vip")   plain veth: $(runs_of "$work/lat-plain")"
		echo "[$pmd] connections/s   VIP (3 nodes): $(runs_of "$work/cps-vip")   plain veth: $(runs_of "$work/cps-plain")"
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$pmd" \
			"$(median <"$work/tp-vip")" "$(median <"$work/tp-plain")" \
			"$(median <"$work/cps-vip")" "$(median <"$work/cps-plain")" \
			"$(median <"$work/lat-vip")" "$(median <"$work/lat-plain")"
	} >>"$work/summary"
done
echo
echo "| PMD | iperf3 via 1 node (Mbit/s) | plain veth (Mbit/s) | conn/s via cluster | conn/s plain | ping VIP (ms) | ping plain (ms) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
grep '^|' "$work/summary"
echo
grep '^\[' "$work/summary"
