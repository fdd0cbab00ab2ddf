#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# bench-netns.sh: the exception path and the nft peer, in network namespaces
# (docs/benchmarks.md, "Exception path" and "Against the nft recipe").
#
#   exception   node 1 holds every node number (1-3/3); a bounded 64-byte UDP
#               flood (dpdk-testpmd txonly on af_packet in the client
#               namespace, 256 source addresses, FLOOD seconds) to VIP:9999;
#               what reaches the UDP socket on the node (UdpInDatagrams,
#               RcvbufErrors, and what a reader got), per host-port setting:
#               vnet (the default: veth + AF_PACKET with offloads) with
#               --idle-sleep and busy polling, tap (TAP with offloads),
#               net_tap (DPDK's TAP PMD, what earlier versions used); one
#               worker each. virtio-user is tried where /dev/vhost-net
#               exists. (The flood generator is the limit here, see
#               --bench-host for the host port's own rate.)
#   peer        the same 3-node topology twice: the nft recipe of today's
#               IPaddr2 (jhash ip saddr mod 3, pkttype host, ARP sender
#               rewritten by an nft arp rule, ip maddr add of the cluster
#               MAC), then dpdk-vipshare with --hash-compat nft (same client
#               -> same node), with --idle-sleep and with busy polling
#               (on the node that owns the client; the others idle-sleep):
#               TCP connections per second, TCP throughput (iperf3, upload
#               and download) through the owning node and ping latency to
#               the VIP, each against a plain veth on the same bridge in the
#               same run (VSB_RUNS runs, interleaved, medians printed last),
#               and CPU time per million packets discarded per node during
#               a UDP flood.
#
# Usage: scripts/bench-netns.sh [exception|peer|all] (default all)
# Environment: VSB_BUILD (default build-bench), VSB_FLOOD seconds (5),
#   VSB_CONNS connections per measurement (2000), VSB_IPERF seconds (5),
#   VSB_IDLE_SLEEP --idle-sleep (50), VSB_RUNS runs per peer figure (3),
#   VSB_HOST host port of the peer runs (vnet:vs0), VSB_OUT output dir,
#   VSB_GRO_HOLDS: peer runs of dpdk-vipshare once per --gro-hold value in
#   this list (e.g. "0 50": GRO within one burst against held across
#   bursts, in one run; default: the default only); VSB_NAPIS likewise per
#   --host-napi setting (e.g. "on off"; default: the default only).
# Namespaces vsb-sw, vsb-c, vsb-p, vsb-n1..3, DPDK prefixes vsb-*; all
# removed on exit. Nothing is created outside the namespaces.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=${VSB_BUILD:-build-bench}
case "$BUILD" in /*) ;; *) BUILD="$top/$BUILD" ;; esac
BIN=$BUILD/app/dpdk-vipshare
FLOOD=${VSB_FLOOD:-5}
CONNS=${VSB_CONNS:-2000}
IPERF=${VSB_IPERF:-5}
IDLE=${VSB_IDLE_SLEEP:-50}
RUNS=${VSB_RUNS:-3}
PEER_HOST=${VSB_HOST:-vnet:vs0}
OUT=${VSB_OUT:-$BUILD/bench-netns}
VIP=192.168.100.100
CMAC=01:00:5e:28:64:64
NODES=3
WHAT=${1:-all}
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/vsb-netns.XXXXXX)
PIDS=()

log() { echo "bench-netns: $*" >&2; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

stop_pids() {
	local p i
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do
		for i in $(seq 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
}

teardown() {
	stop_pids
	for ns in vsb-c vsb-p vsb-n1 vsb-n2 vsb-n3 vsb-sw; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf /var/run/dpdk/vsb-n1 /var/run/dpdk/vsb-n2 /var/run/dpdk/vsb-n3 \
		/var/run/dpdk/vsb-gen
}
trap 'teardown; rm -rf "$TMP"' EXIT

# --- helpers (python: TCP server/client, UDP reader) --------------------
cat >"$TMP/tcp.py" <<'PY'
import socket, sys, threading, time
mode = sys.argv[1]
if mode == "serve":          # serve ADDR PORT NAME: answer NAME, close
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[2], int(sys.argv[3]))); s.listen(1024)
    name = sys.argv[4].encode()
    while True:
        c, _ = s.accept()
        try: c.sendall(name)
        except OSError: pass
        c.close()
elif mode == "conns":        # conns ADDR PORT COUNT THREADS TIMEOUT
    addr, port, count, nth, limit = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
    ok = [0] * nth; fail = [0] * nth; per = {}
    lock = threading.Lock(); t0 = time.time()
    def run(i):
        for _ in range(count // nth):
            if time.time() - t0 > limit: break
            try:
                c = socket.create_connection((addr, port), timeout=2)
                name = c.recv(16).decode(); c.close(); ok[i] += 1
                with lock: per[name] = per.get(name, 0) + 1
            except OSError: fail[i] += 1
    th = [threading.Thread(target=run, args=(i,)) for i in range(nth)]
    [t.start() for t in th]; [t.join() for t in th]
    el = time.time() - t0
    print("conns ok=%d failed=%d seconds=%.2f per_s=%.0f nodes=%s" % (sum(ok), sum(fail), el, sum(ok) / el, ",".join("%s:%d" % kv for kv in sorted(per.items()))))
elif mode == "udpsink":      # udpsink ADDR PORT SECONDS: count datagrams read
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((sys.argv[2], int(sys.argv[3]))); s.settimeout(0.5)
    n = 0; end = time.time() + float(sys.argv[4]); buf = bytearray(2048)
    while time.time() < end:
        try:
            s.recv_into(buf); n += 1
        except socket.timeout: pass
    print("udpsink read=%d" % n)
PY

udp_snmp() { # ns -> "InDatagrams RcvbufErrors"
	nsx "$1" awk '/^Udp:/ { if (h) { print $2, $6; exit } h = 1 }' /proc/net/snmp
}
busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
proc_jiffies() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# --- topology ---------------------------------------------------------
topo() { # members (default "c p 1 2 3")
	ip netns add vsb-sw
	ip -n vsb-sw link add br0 type bridge stp_state 0 mcast_snooping 0
	ip -n vsb-sw link set br0 up
	ip -n vsb-sw link set lo up
	local ns ifc k
	for k in ${1:-c p 1 2 3}; do
		case $k in c) ns=vsb-c ;; p) ns=vsb-p ;; *) ns=vsb-n$k ;; esac
		ip netns add "$ns"
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
		ip link add "vsb-e$k" netns "$ns" type veth peer name "s$k" netns vsb-sw
		ip -n "$ns" link set "vsb-e$k" name eth0
		ip -n vsb-sw link set "s$k" master br0 up
		nsx vsb-sw ethtool -K "s$k" tx off tso off >/dev/null
		ip -n "$ns" link set eth0 up
	done
	ip -n vsb-c addr add 192.168.100.1/24 dev eth0
	ip -n vsb-p addr add 192.168.100.50/24 dev eth0 2>/dev/null || true
	nsx vsb-c ethtool -K eth0 tso off gso off >/dev/null 2>&1 || true
}

node_nft() { # k
	local ns=vsb-n$1
	ip -n "$ns" addr add $VIP/24 dev eth0
	ip -n "$ns" maddr add $CMAC dev eth0
	nsx "$ns" nft -f - <<NFT
table ip vsb {
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		iif "eth0" ip daddr $VIP jhash ip saddr mod $NODES seed 0 offset 1 == $1 meta pkttype set host accept
		iif "eth0" ip daddr $VIP drop
	}
}
table arp vsb {
	chain out {
		type filter hook output priority 0; policy accept;
		arp saddr ip $VIP arp saddr ether set $CMAC
	}
}
NFT
}

node_vipshare() { # k nodes lcores-spec nic-vdev-extra host-spec
	local k=$1 ns=vsb-n$1 i
	ip -n "$ns" link set eth0 arp off
	nsx "$ns" sysctl -qw net.ipv4.conf.eth0.rp_filter=1
	rm -rf "/var/run/dpdk/vsb-n$k"
	# shellcheck disable=SC2086
	ip netns exec "$ns" "$BIN" $3 --no-huge -m 256 --no-pci --file-prefix "vsb-n$k" \
		--log-level 'lib.*:warning' --vdev "net_af_packet0,iface=eth0$4" -- \
		--vip $VIP/24 --node "$2" --hash-compat nft --idle-sleep "${NODE_IDLE:-$IDLE}" \
		${NODE_GRO:+--gro-hold "$NODE_GRO"} ${NODE_NAPI:+--host-napi "$NODE_NAPI"} --host "$5" >"$OUT/vipshare-n$k.log" 2>&1 </dev/null &
	PIDS+=($!)
	eval "VS_PID_$k=$!"
	for i in $(seq 300); do
		ip -n "$ns" -4 addr show dev vs0 2>/dev/null | grep -q "inet $VIP/" && return 0
		sleep 0.1
	done
	log "node $k: no VIP on vs0"; tail "$OUT/vipshare-n$k.log" >&2; return 1
}

services() { # start TCP and iperf3 servers on every node and on vsb-p
	local k
	for k in 1 2 3; do
		ip netns exec "vsb-n$k" /usr/bin/python3 "$TMP/tcp.py" serve $VIP 80 "n$k" >/dev/null 2>&1 &
		PIDS+=($!)
		ip netns exec "vsb-n$k" iperf3 -s -B $VIP -p 5201 >/dev/null 2>&1 &
		PIDS+=($!)
	done
	ip netns exec vsb-p /usr/bin/python3 "$TMP/tcp.py" serve 192.168.100.50 80 p >/dev/null 2>&1 &
	PIDS+=($!)
	ip netns exec vsb-p iperf3 -s -B 192.168.100.50 -p 5201 >/dev/null 2>&1 &
	PIDS+=($!)
	sleep 1
}

# bounded 64-byte UDP flood from the client namespace: SECONDS
flood() {
	rm -rf /var/run/dpdk/vsb-gen
	/usr/bin/time -o "$TMP/gen.time" -f "%U %S" \
	timeout -s INT $(($1 + 4)) ip netns exec vsb-c dpdk-testpmd --no-huge -m 256 \
		--no-pci -l 0-1 --file-prefix vsb-gen --log-level 'lib.*:warning' \
		--vdev net_af_packet0,iface=eth0 -- --forward-mode=txonly \
		--txpkts=64 --tx-ip=192.168.100.1,$VIP --tx-udp=9,9999 \
		--eth-peer=0,$CMAC --txonly-multi-flow --stats-period 1 \
		--total-num-mbufs 8192 >"$TMP/gen.txt" 2>&1 || true
	rm -rf /var/run/dpdk/vsb-gen
	grep -o 'TX-packets: *[0-9]*' "$TMP/gen.txt" | tail -1 | grep -o '[0-9]*$' || echo 0
}

# --- exception path -----------------------------------------------------
exception_run() { # label lcores-spec nic-extra host-spec
	local label=$1 s0 s1 sent
	topo "c 1"
	node_vipshare 1 "1-3/3" "$2" "$3" "$4" || { teardown; return 0; }
	ip netns exec vsb-n1 /usr/bin/python3 "$TMP/tcp.py" udpsink $VIP 9999 $((FLOOD + 12)) >"$TMP/sink.txt" &
	local sink=$!
	PIDS+=($sink)
	sleep 1
	s0=$(udp_snmp vsb-n1)
	sent=$(flood "$FLOOD")
	sleep 1
	s1=$(udp_snmp vsb-n1)
	kill -TERM "$VS_PID_1" 2>/dev/null || true
	wait "$sink" 2>/dev/null || true
	stop_pids
	local stats; stats=$(grep -E '^([^ ]+ )?stats: rx=' "$OUT/vipshare-n1.log" | tail -1 || true)
	set -- $s0 $s1
	/usr/bin/python3 - "$label" "$sent" "$FLOOD" "$1" "$2" "$3" "$4" "$(cat "$TMP/sink.txt")" "$stats" <<'PY' | tee -a "$OUT/exception.txt"
import sys
label, sent, secs = sys.argv[1], int(sys.argv[2] or 0), float(sys.argv[3])
i0, e0, i1, e1 = map(int, sys.argv[4:8])
read = sys.argv[8].split("=")[-1] if "=" in sys.argv[8] else "0"
stats = dict(kv.split("=", 1) for kv in sys.argv[9].split() if "=" in kv) if sys.argv[9] else {}
ind, err = i1 - i0, e1 - e0
print("exception %-22s offered %.3f Mpps (%d in %gs) | vipshare rx %s owned %s drops %s | "
      "into the host stack (UDP layer) %.3f Mpps: socket queued %d, rcvbuf drops %d, reader read %s" %
      (label, sent / secs / 1e6, sent, secs, stats.get("rx", "?"), stats.get("owned", "?"),
       stats.get("drops", "?"), (ind + err) / secs / 1e6, ind, err, read))
PY
	teardown
}

exception() {
	: >"$OUT/exception.txt"
	exception_run "vnet, idle-sleep $IDLE" "-l 0-1" "" "vnet:vs0"
	NODE_IDLE=0 exception_run "vnet, busy polling" "-l 0-1" "" "vnet:vs0"
	exception_run "tap, idle-sleep $IDLE" "-l 0-1" "" "tap:vs0"
	exception_run "net_tap, idle-sleep $IDLE" "-l 0-1" "" "net_tap:vs0"
	if [ -e /dev/vhost-net ]; then
		exception_run "virtio-user, 1 queue" "-l 0-1" "" "virtio-user:/dev/vhost-net"
	else
		echo "exception virtio-user: not measured, /dev/vhost-net does not exist on this machine" | tee -a "$OUT/exception.txt"
	fi
}

# --- the nft peer against dpdk-vipshare ---------------------------------
# one figure of one run: "peer MODE METRIC vip|plain VALUE" in peer.txt
figure() { echo "peer $1 $2 $3 $4" | tee -a "$OUT/peer.txt"; }

peer_run() { # mode [idle-sleep]
	local mode=$1 k j0 j1 g1 sent r run dst tgt dir
	rm -f "$OUT"/vipshare-n?.log
	topo
	for k in 1 2 3; do
		if [ "$mode" = nft ]; then node_nft $k
		# the node owning the client polls as asked, the others idle-
		# sleep: three busy pollers on a 2-core machine would measure
		# the scheduler (each node has its own cores in a real cluster)
		elif [ "$k" = "$OWNER" ]; then
			NODE_IDLE=${2:-$IDLE} node_vipshare $k "$k/3" "-l 0" "" "$PEER_HOST" || return 1
		else
			node_vipshare $k "$k/3" "-l 0" "" "$PEER_HOST" || return 1
		fi
	done
	services
	# the client resolves the VIP to the cluster MAC
	nsx vsb-c ping -c1 -W2 $VIP >/dev/null 2>&1 || true
	for ((run = 0; run < RUNS; run++)); do
		for dst in $VIP 192.168.100.50; do
			tgt=vip; [ "$dst" = $VIP ] || tgt=plain
			r=$(nsx vsb-c /usr/bin/python3 "$TMP/tcp.py" conns $dst 80 "$CONNS" 4 30)
			echo "peer $mode $tgt $r" >>"$OUT/peer-runs.txt"
			figure "$mode" conns "$tgt" "$(sed -n 's/.*per_s=\([0-9.]*\).*/\1/p' <<<"$r")"
			for dir in up down; do
				r=$(timeout $((IPERF + 15)) ip netns exec vsb-c iperf3 -c $dst -t "$IPERF" \
					$([ $dir = down ] && echo -R) -J 2>/dev/null |
					/usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print("%.3f" % (j["end"]["sum_received"]["bits_per_second"]/1e9))' 2>/dev/null || echo 0)
				figure "$mode" "$dir" "$tgt" "$r"
			done
			r=$(nsx vsb-c ping -q -c 50 -i 0.02 -W 1 $dst 2>/dev/null |
				sed -n 's|^rtt [^=]*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
			figure "$mode" ping "$tgt" "${r:-0}"
		done
	done
	# CPU per million discarded: all CPU used on the machine during the
	# flood, minus the generator's own, over the frames the nodes discard
	# (each frame reaches all 3 nodes, 2 of them discard it).
	sleep 1
	j0=$(busy_jiffies)
	flood "$FLOOD" >"$TMP/sent"
	j1=$(busy_jiffies)
	sent=$(cat "$TMP/sent")
	g1=$(tail -1 "$TMP/gen.time" | awk '{ printf "%.2f", $1 + $2 }' 2>/dev/null || echo 0)
	echo "peer $mode flood sent=$sent busy_s=$(awk -v j=$((j1 - j0)) -v h="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", j / h }') generator_s=$g1 seconds=$FLOOD" | tee -a "$OUT/peer.txt"
	stop_pids
	for k in 1 2 3; do
		[ "$mode" = nft ] && nsx "vsb-n$k" nft list counters >/dev/null 2>&1 || true
		grep -E '^([^ ]+ )?stats: rx=' "$OUT/vipshare-n$k.log" 2>/dev/null | tail -1 | sed "s/^/peer $mode n$k /" | tee -a "$OUT/peer.txt" || true
	done
	teardown
}

peer() {
	: >"$OUT/peer.txt"
	: >"$OUT/peer-runs.txt"
	# idle reference: busy jiffies of the machine over the flood time, nothing running
	local j0 j1
	j0=$(busy_jiffies); sleep "$FLOOD"; j1=$(busy_jiffies)
	echo "peer idle busy_s=$(awk -v j=$((j1 - j0)) -v h="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", j / h }') seconds=$FLOOD" | tee -a "$OUT/peer.txt"
	# the node the client's flows hash to (nft: jhash of the source address)
	OWNER=$(echo "192.168.100.1 0 0" | "$BUILD/app/vipshare-which" --total-nodes $NODES --hash-compat nft)
	echo "peer owner node $OWNER" | tee -a "$OUT/peer.txt"
	peer_run nft
	if [ -n "${VSB_NAPIS:-}" ]; then
		for g in $VSB_NAPIS; do
			NODE_NAPI=$g peer_run "vipshare-idle$IDLE-napi-$g" "$IDLE"
			NODE_NAPI=$g peer_run "vipshare-busy-napi-$g" 0
		done
	elif [ -n "${VSB_GRO_HOLDS:-}" ]; then
		for g in $VSB_GRO_HOLDS; do
			NODE_GRO=$g peer_run "vipshare-idle$IDLE-gro$g" "$IDLE"
			NODE_GRO=$g peer_run "vipshare-busy-gro$g" 0
		done
	else
		peer_run "vipshare-idle$IDLE" "$IDLE"
		peer_run vipshare-busy 0
	fi
	summary
}

# medians of the runs, and the VIP's figure as a share of the plain host's
summary() {
	/usr/bin/python3 - "$OUT/peer.txt" <<'PY' | tee "$OUT/summary.md"
import statistics, sys
fig = {}
for line in open(sys.argv[1]):
    w = line.split()
    if len(w) == 5 and w[0] == "peer" and w[3] in ("vip", "plain"):
        try:
            fig.setdefault((w[1], w[2], w[3]), []).append(float(w[4]))
        except ValueError:
            pass
modes = []
for (m, _, _) in fig:
    if m not in modes:
        modes.append(m)
names = {"conns": "TCP connections/s", "up": "iperf3 upload Gbit/s",
         "down": "iperf3 download Gbit/s", "ping": "ping avg ms"}
print("| figure | " + " | ".join("%s: VIP / plain (share)" % m for m in modes) + " |")
print("| --- |" + " ---: |" * len(modes))
for k, label in names.items():
    row = []
    for m in modes:
        v, p = fig.get((m, k, "vip"), []), fig.get((m, k, "plain"), [])
        if not v or not p:
            row.append("-")
            continue
        mv, mp = statistics.median(v), statistics.median(p)
        row.append("%.4g / %.4g (%.0f%%)" % (mv, mp, 100 * mv / mp if mp else 0))
    print("| %s | %s |" % (label, " | ".join(row)))
print()
for (m, k, t), v in sorted(fig.items()):
    print("runs %s %s %s: %s" % (m, k, t, " ".join("%g" % x for x in v)))
PY
	# the shares as bars (python3-matplotlib, scripts/deps.sh)
	/usr/bin/python3 "$here/plot-peer.py" "$OUT/peer.txt" "$OUT/bench-peer.png" >/dev/null ||
		log "no plot (python3-matplotlib missing?)"
}

[ "$(id -u)" = 0 ] || { log "needs root"; exit 1; }
[ -x "$BIN" ] || { log "$BIN not built"; exit 1; }
teardown
case $WHAT in
exception) exception ;;
peer) peer ;;
all) exception; peer ;;
*) sed -n 3,28p "$0"; exit 2 ;;
esac
