#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench-host.sh: the host port backends side by side, driven by the
# module alone (tests/host/vs-host-relay), against a plain veth in the same
# run (docs/benchmarks.md, "Host port backends").
#
#   tcp   iperf3 client (namespace vsh-c) -> relay namespace vsh-n: NIC =
#         net_af_packet on a veth (client side tx/tso/gso off: MTU frames
#         with complete checksums, as from a wire), the relay moves frames
#         between it and the host port, iperf3 server on the host port.
#         Baseline: the same client -> a plain veth (default offloads) into
#         namespace vsh-p. Upload and download, BENCH_RUNS runs each,
#         interleaved; the relay's CPU share measured from /proc.
#   gen   60-byte UDP frames generated in the relay process, written into
#         the host port for BENCH_GEN seconds per lcore; what reached the
#         UDP layer of vsh-n (UdpInDatagrams + RcvbufErrors) per second.
#   app   the appliance itself: dpdk-vipshare --bench-host (frames made in
#         memory, steered by one worker through the real data path into
#         the host port, counted by the kernel), BENCH_RUNS runs of
#         BENCH_GEN seconds per backend, busy polling; the median.
#
# Backends (BENCH_HOSTS, default "vnet tapv tap"): vnet = veth + AF_PACKET +
# PACKET_VNET_HDR, tapv = TAP + IFF_VNET_HDR, tap = DPDK net_tap (no
# offloads, what dpdk-vipshare used before). Busy polling, and
# --idle-sleep BENCH_IDLE (50 us) for vnet; tcp: vnet once per --gro-hold
# in BENCH_GRO_HOLDS (default "0 50": GRO within one burst, and segments
# held across bursts up to 50 us, dpdk-vipshare's default); vnet once per
# setting in BENCH_NAPIS (default "on": the kernel receives from the host
# port in a NAPI thread of its own, --host-napi; "on off" for both in one
# series, interleaved run by run for app).
#
# Usage: scripts/bench-host.sh [BUILD] (default build); run as root under
# flock /tmp/vs-net.lock. Environment: BENCH_RUNS (3), BENCH_T (5 s),
# BENCH_GEN (3 s), BENCH_HOSTS, BENCH_GRO_HOLDS, BENCH_NAPIS, BENCH_IDLE (50), BENCH_FRAMECNT (2048: the
# af_packet NIC's ring, frames), BENCH_WHAT ("tcp gen app"), BENCH_SETTLE (5 s
# between --bench-host runs).
# Namespaces vsh-*, DPDK prefix vsh-n; all removed on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
RELAY=$build/tests/host/vs-host-relay
RUNS=${BENCH_RUNS:-3}
T=${BENCH_T:-5}
GEN=${BENCH_GEN:-3}
HOSTS=${BENCH_HOSTS:-vnet tapv tap}
GROS=${BENCH_GRO_HOLDS:-0 50}
NAPIS=${BENCH_NAPIS:-on}
IDLE=${BENCH_IDLE:-50}
FRAMECNT=${BENCH_FRAMECNT:-2048}
SETTLE=${BENCH_SETTLE:-5}
WHAT=${BENCH_WHAT:-tcp gen app}
APP=$build/app/dpdk-vipshare
CLK=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/vsh-bench.XXXXXX)
PIDS=()

[ "$(id -u)" -eq 0 ] || { echo "bench-host.sh: run as root" >&2; exit 1; }
[ -x "$RELAY" ] || { echo "bench-host.sh: $RELAY not built" >&2; exit 1; }

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for n in vsh-c vsh-n vsh-p vsh-a; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf /var/run/dpdk/vsh-n /var/run/dpdk/vsh-a "$work"
}
trap cleanup EXIT

setup() {
	local n
	for n in vsh-c vsh-n vsh-p; do
		ip netns add $n
		nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		ip -n $n link set lo up
	done
	ip link add c0 netns vsh-c type veth peer name n0 netns vsh-n
	ip link add c1 netns vsh-c type veth peer name p0 netns vsh-p
	ip -n vsh-c addr add 10.77.0.1/24 dev c0
	ip -n vsh-c addr add 10.78.0.1/24 dev c1
	ip -n vsh-c link set c0 up
	ip -n vsh-c link set c1 up
	nsx vsh-c ethtool -K c0 tx off tso off gso off >/dev/null
	ip -n vsh-n link set n0 up
	ip -n vsh-n link set n0 arp off
	nsx vsh-n sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.n0.rp_filter=1
	ip -n vsh-p addr add 10.78.0.2/24 dev p0
	ip -n vsh-p link set p0 up
	nsx vsh-p iperf3 -s -B 10.78.0.2 -D -I "$work/plain.pid" >/dev/null
	PIDS+=("$(cat "$work/plain.pid")")
}

median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# start_relay HOST EXTRA-ARGS...: relay in vsh-n, host port address 10.77.0.2
RP=0
start_relay() {
	local host=$1 i
	shift
	rm -rf /var/run/dpdk/vsh-n
	: >"$work/relay.out"
	ip netns exec vsh-n "$RELAY" -l 0 --no-huge -m 512 --no-pci --file-prefix vsh-n \
		--log-level 'lib.*:warning' \
		--vdev "net_af_packet0,iface=n0,framecnt=$FRAMECNT" -- \
		--host "$host" "$@" >"$work/relay.out" 2>"$work/relay.err" &
	RP=$!
	PIDS+=($RP)
	for i in $(seq 200); do grep -q '^ready' "$work/relay.out" && break; sleep 0.1; done
	grep -q '^ready' "$work/relay.out" || { cat "$work/relay.err" >&2; return 1; }
	ip -n vsh-n addr add 10.77.0.2/24 dev vs0
	nsx vsh-n iperf3 -s -B 10.77.0.2 -D -I "$work/srv.pid" >/dev/null
	PIDS+=("$(cat "$work/srv.pid")")
	sleep 0.3
	nsx vsh-c ping -c1 -W2 10.77.0.2 >/dev/null || echo "bench-host: ping through $host failed" >&2
}

stop_relay() {
	kill "$(cat "$work/srv.pid")" 2>/dev/null || true
	kill "$RP" 2>/dev/null || true
	wait "$RP" 2>/dev/null || true
}

# iperf DST DIR(up|down) PID(0 = none): "Gbit/s cpu%"
iperf() {
	local flag="" a0 a1 t0 t1
	[ "$2" = down ] && flag=-R
	a0=$(ticks "$3"); t0=$(date +%s.%N)
	nsx vsh-c timeout $((T + 20)) iperf3 -c "$1" -t "$T" $flag -J >"$work/ip.json" 2>/dev/null || true
	t1=$(date +%s.%N); a1=$(ticks "$3")
	python3 - "$work/ip.json" "$a0" "$a1" "$t0" "$t1" "$CLK" "$3" <<'PY'
import json, sys
f, a0, a1, t0, t1, clk, pid = sys.argv[1:]
try:
    e = json.load(open(f))["end"]
    g = e["sum_received"]["bits_per_second"] / 1e9
except Exception:
    g = 0.0
cpu = 100.0 * (int(a1) - int(a0)) / int(clk) / (float(t1) - float(t0)) if pid != "0" else 0
print("%.3f %.0f" % (g, cpu))
PY
}

tcp_variant() { # label host args...
	local label=$1 host=$2 dir r k
	shift 2
	start_relay "$host" "$@" || return 0
	for dir in up down; do
		: >"$work/v"; : >"$work/p"; : >"$work/c"
		for ((k = 0; k < RUNS; k++)); do
			r=$(iperf 10.78.0.2 "$dir" 0); echo "${r% *}" >>"$work/p"
			r=$(iperf 10.77.0.2 "$dir" "$RP")
			echo "${r% *}" >>"$work/v"; echo "${r#* }" >>"$work/c"
		done
		printf '| %s | %s | %s | %s | %.0f%% | %s | [%s] vs plain [%s] |\n' "$label" "$dir" \
			"$(median <"$work/v")" "$(median <"$work/p")" \
			"$(awk -v a="$(median <"$work/v")" -v b="$(median <"$work/p")" 'BEGIN {print (b > 0 ? 100 * a / b : 0)}')" \
			"$(median <"$work/c")%" "$(paste -sd' ' "$work/v")" "$(paste -sd' ' "$work/p")" |
			tee -a "$work/tcp.md"
	done
	stop_relay
	tail -1 "$work/relay.out" >"$work/relay-$label.json"
	echo "  relay counters ($label): $(cat "$work/relay-$label.json")" >&2
}

udp_snmp() { nsx vsh-n awk '/^Udp:/ { if (h) { print $2 + $6; exit } h = 1 }' /proc/net/snmp; }

gen_variant() { # label host lcores relay-args...
	local label=$1 host=$2 lcores=$3 u0 u1 i
	shift 3
	rm -rf /var/run/dpdk/vsh-n
	: >"$work/relay.out"
	ip netns exec vsh-n "$RELAY" -l "$lcores" --no-huge -m 512 --no-pci --file-prefix vsh-n \
		--log-level 'lib.*:warning' -- --host "$host" "$@" --gen "$GEN" \
		--gen-dst 10.77.0.2 --gen-src 10.77.1.0 >"$work/relay.out" \
		2>"$work/relay.err" &
	RP=$!
	PIDS+=($RP)
	for i in $(seq 200); do grep -q '^ready' "$work/relay.out" && break; sleep 0.05; done
	# sources 10.77.1.0-255: on the link, as a LAN's clients would be
	ip -n vsh-n addr add 10.77.0.2/16 dev vs0
	ip -n vsh-n link set vs0 up
	ip netns exec vsh-n python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind(('10.77.0.2', 9999)); time.sleep($GEN + 5)" &
	sink=$!
	PIDS+=($sink)
	sleep 0.5
	u0=$(udp_snmp)
	wait "$RP" || true
	sleep 0.3
	u1=$(udp_snmp)
	kill "$sink" 2>/dev/null || true
	wait "$sink" 2>/dev/null || true
	python3 - "$label" "$lcores" "$((u1 - u0))" "$(tail -1 "$work/relay.out")" <<'PY' | tee -a "$work/gen.md"
import json, sys
label, lcores, kern, js = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
j = json.loads(js)
secs = j["gen_seconds"] or 1
print("| %s | %d | %.3f | %.3f | %.3f | %d |" % (label, j["queues"],
      j["gen_offered"] / secs / 1e6, j["host_tx"] / secs / 1e6,
      kern / secs / 1e6, j["host_tx_drop"]))
PY
}

# app_run OUT HOST APP-ARGS...: one dpdk-vipshare --bench-host run in a
# namespace of its own; its Mpps appended to OUT
app_run() {
	local out=$1 host=$2
	shift 2
	ip netns add vsh-a
	ip -n vsh-a link set lo up
	rm -rf /var/run/dpdk/vsh-a
	ip netns exec vsh-a timeout 60 "$APP" -l 0 --no-huge -m 256 --no-pci \
		--file-prefix vsh-a --log-level 'lib.*:warning' --vdev net_null0 -- \
		--vip 10.79.0.100/24 --node 1/1 --host "$host" --garp 0 --igmp off \
		--bench-host --bench-seconds "$GEN" "$@" >"$work/app.out" 2>&1 || true
	ip netns del vsh-a
	# the kernel tears a namespace (and the host port's own) down in a
	# worker thread after this returns: let it finish before the next run
	sleep "$SETTLE"
	tail -1 "$work/app.out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["udp_mpps"])' \
		>>"$out" 2>/dev/null || echo 0 >>"$out"
}

app_row() { # label file
	printf '| %s | %s | [%s] |\n' "$1" "$(median <"$2")" "$(paste -sd' ' "$2")" | tee -a "$work/app.md"
}

# app_variant LABEL HOST: RUNS runs
app_variant() {
	local k
	: >"$work/a"
	for ((k = 0; k < RUNS; k++)); do app_run "$work/a" "$2"; done
	app_row "$1" "$work/a"
}

# app_vnet: RUNS runs of vnet per --host-napi setting of NAPIS, the
# settings interleaved run by run
app_vnet() {
	local k np
	for np in $NAPIS; do : >"$work/a-$np"; done
	for ((k = 0; k < RUNS; k++)); do
		for np in $NAPIS; do app_run "$work/a-$np" vnet:vs0 --host-napi "$np"; done
	done
	for np in $NAPIS; do app_row "vnet, --host-napi $np" "$work/a-$np"; done
}

{
	echo "machine: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) cores; kernel $(uname -r)"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "settings: runs=$RUNS iperf3 -t $T, gen $GEN s, af_packet framecnt=$FRAMECNT"
} | tee "$work/summary"
setup
if [[ " $WHAT " == *" tcp "* ]]; then
	echo "| host port | direction | Gbit/s | plain veth Gbit/s | share | relay CPU | runs |" >"$work/tcp.md"
	echo "| --- | --- | ---: | ---: | ---: | ---: | --- |" >>"$work/tcp.md"
	for h in $HOSTS; do
		if [ "$h" != vnet ]; then
			tcp_variant "$h" "$h"
			continue
		fi
		for g in $GROS; do
			for np in $NAPIS; do
				tcp_variant "vnet napi $np gro-hold $g" vnet --gro-hold "$g" --napi "$np"
				tcp_variant "vnet napi $np gro-hold $g idle-sleep $IDLE" vnet --gro-hold "$g" \
					--napi "$np" --idle-sleep "$IDLE"
			done
		done
	done
fi
if [[ " $WHAT " == *" gen "* ]]; then
	echo "| host port | lcores | offered Mpps | written Mpps | UDP layer Mpps | dropped |" >"$work/gen.md"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |" >>"$work/gen.md"
	for h in $HOSTS; do
		if [ "$h" = vnet ]; then
			for np in $NAPIS; do
				gen_variant "vnet napi $np" vnet 0 --napi "$np"
				gen_variant "vnet napi $np" vnet 0-1 --napi "$np"
			done
			continue
		fi
		gen_variant "$h" "$h" 0
		gen_variant "$h" "$h" 0-1
	done
fi
if [[ " $WHAT " == *" app "* ]]; then
	echo "| dpdk-vipshare --bench-host, 1 worker | into the UDP layer, Mpps (median) | runs |" >"$work/app.md"
	echo "| --- | ---: | --- |" >>"$work/app.md"
	for h in $HOSTS; do
		case $h in tap) app_variant net_tap net_tap:vs0 ;; tapv) app_variant tap tap:vs0 ;; vnet) app_vnet ;; *) app_variant "$h" "$h:vs0" ;; esac
	done
fi
echo
cat "$work/summary"
[ -f "$work/tcp.md" ] && { echo; cat "$work/tcp.md"; }
[ -f "$work/gen.md" ] && { echo; cat "$work/gen.md"; }
[ -f "$work/app.md" ] && { echo; cat "$work/app.md"; }
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
