#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_cluster.sh BUILD [af_xdp|af_packet] [--quick [QUEUES]]
#
# A 3-node cluster in network namespaces (scripts/cluster.sh):
#  1. 300 TCP connections from distinct source ports: all complete; each is
#     answered by exactly one node (its service logged it, no other did), the
#     node vipshare-which names; every node serves 60..140.
#  2. ping: exactly one reply per echo, no duplicates; the client's ARP entry
#     for the VIP is the cluster MAC.
#  With QUEUES > 1 (af_packet only), each node runs one worker per queue:
#     every worker received frames, and the per-worker counts add up to rx.
#  (--quick stops here: the af_packet variant.)
#  3. A long-lived connection owned by node 3 is opened.
#  4. Failover: node 2's dpdk-vipshare is stopped, node 1 takes number 2 at
#     run time (vipshare-ctl add 2): 300 new connections all complete, node 2's
#     share answered by node 1 (n1 = its 1/3 + node 2's 1/3, 160..240), none
#     by node 2; the long-lived connection keeps exchanging data.
#  5. Recovery: node 2 restarts, node 1 drops number 2 (vipshare-ctl del 2):
#     300 new connections spread as in 1.
#  6. The long-lived connection is still with node 3, without one failed
#     exchange; `down` leaves no namespace, DPDK dir or state behind.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD [af_xdp|af_packet] [--quick [QUEUES]]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
PMD=${2:-af_xdp}
QUICK=${3:-}
QUEUES=${4:-1}
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"

netns_prereqs "$BUILD"
netns_lock
export VSN_BUILD=$BUILD VSN_PMD=$PMD VSN_IDLE_SLEEP=100 VSN_SNOOP=0 VSN_APP_ARGS='' \
	VSN_QUEUES=$QUEUES
STATE=${VSN_STATE:-/run/vsn-cluster}
work=$(mktemp -d /tmp/vsn-test.XXXXXX)
HOLD_PID=
cleanup() {
	local rc=$?
	if [ -n "$HOLD_PID" ]; then kill "$HOLD_PID" 2>/dev/null || true; fi
	cluster_cleanup $rc "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "up: 3 nodes, $PMD, $QUEUES queue(s) per node"
"$CLUSTER" up 3 || fatal "cluster did not come up"

# conn_round NAME BASE MAP LO1 HI1 LO2 HI2 LO3 HI3
# MAP rewrites expected node numbers to answering nodes ("2=1": number 2 is
# held by node 1), then every answer must be the expected node.
conn_round() {
	local name=$1 base=$2 map=$3
	shift 3
	local out="$work/$name" k lo hi n
	say "$name: 300 connections from source ports $base..$((base + 299))"
	"$CLUSTER" conns "$base" 300 --parallel 16 --timeout 15 >"$out.got" 2>"$out.err" || true
	cat "$out.err"
	expected_nodes "$BUILD" 3 "$base" 300 |
		awk -v map="$map" 'BEGIN {n = split(map, m, /[ =]/); for (i = 1; i < n; i += 2) r[m[i]] = m[i + 1]}
		     {k = ($2 in r) ? r[$2] : $2; print $1, "n" k}' >"$out.want"
	check "$name: all 300 connections completed" \
		test "$(grep -c ' FAIL' "$out.got" || true)" -eq 0
	check "$name: each answered by the node the hash names ($map)" \
		diff -u "$out.want" "$out.got"
	# exactly one node's service saw each connection: the one that answered
	for k in 1 2 3; do
		awk -v b="$base" '$2 >= b && $2 < b + 300 {print $2, "n'"$k"'"}' \
			"$STATE/served$k.log" 2>/dev/null || true
	done | sort -n >"$out.served"
	check "$name: each connection reached exactly one node's service, the answering one" \
		diff -u <(grep -v FAIL "$out.got" | sort -n) "$out.served"
	for k in 1 2 3; do
		lo=$1 hi=$2
		shift 2
		n=$(grep -c " n$k\$" "$out.got" || true)
		check "$name: n$k served $n (expected $lo..$hi)" \
			test "$n" -ge "$lo" -a "$n" -le "$hi"
	done
}

conn_round spread 20000 "" 60 140 60 140 60 140

# worker_rx: one entry per worker, all of them busy, adding up to rx
for k in 1 2 3; do
	st=$("$CLUSTER" ctl $k stats 2>/dev/null || true)
	wrx=$(python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("/vipshare/stats", d)
print(d["rx"], " ".join(map(str, d["worker_rx"])))' <<<"$st" 2>/dev/null || true)
	say "n$k: rx and worker_rx: $wrx"
	check "n$k: $QUEUES workers, each received frames, together rx" python3 -c '
import sys
v = [int(x) for x in sys.argv[2].split()]
sys.exit(not (len(v) == int(sys.argv[1]) + 1 and min(v[1:]) > 0 and sum(v[1:]) == v[0]))' \
		"$QUEUES" "${wrx:-x}"
done

say "ping $VIP: 5 echoes"
ip netns exec vsn-c ping -n -c 5 -i 0.2 -W 3 $VIP >"$work/ping" 2>&1 || true
cat "$work/ping"
check "ping: 5 transmitted, 5 received" grep -q '5 packets transmitted, 5 received' "$work/ping"
check "ping: no duplicate replies" bash -c "! grep -q DUP '$work/ping'"
check "ping: one reply per icmp_seq 1..5" test \
	"$(grep -o 'icmp_seq=[0-9]*' "$work/ping" | sort | uniq -c | awk '$1 == 1' | wc -l)" -eq 5
check "client ARP entry for the VIP is the cluster MAC $CLUSTER_MAC" \
	bash -c "ip -n vsn-c neigh show $VIP | grep -qi 'lladdr $CLUSTER_MAC'"

if [ "$QUICK" = --quick ]; then
	"$CLUSTER" down
	check "down: nothing left behind" check_clean
	[ $FAILS -eq 0 ] || { say "$FAILS check(s) failed"; exit 1; }
	say "PASS"
	exit 0
fi

# A long-lived connection held by node 3, opened before the failure.
hport=$(first_port_of "$BUILD" 3 3 25000)
[ -n "$hport" ] || fatal "no source port for node 3"
say "long-lived connection from port $hport (node 3)"
ip netns exec vsn-c python3 "$TOP/scripts/cluster-tcp.py" hold --dst $VIP \
	--sport "$hport" --stop "$work/stop" --interval 0.2 --timeout 15 \
	--max-time 140 >"$work/hold" 2>&1 &
HOLD_PID=$!
hold_count() { grep -o 'exchanges=[0-9]*' "$work/hold" | tail -1 | cut -d= -f2; }
for ((i = 0; i < 200; i++)); do
	[ -n "$(hold_count)" ] && break
	alive=$(kill -0 "$HOLD_PID" 2>/dev/null && echo y || echo n)
	[ "$alive" = y ] || break
	sleep 0.1
done
check "long-lived connection answered by n3" grep -q '^hold banner n3$' "$work/hold"
before=$(hold_count)
before=${before:-0}

say "failover: stop node 2, node 1 adds number 2"
pid2=$(cat "$STATE/n2.pid")
"$CLUSTER" stop 2
check "node 2's process ($pid2) is gone" bash -c "! pid_alive $pid2"
check "vipshare-ctl add 2 on node 1" "$CLUSTER" ctl 1 add 2
# node 2 announced number 2 as owned until it died: node 1 waits (pending)
# until node 2 is gone (3 announcement intervals, 600 ms) or announces a
# drain, so that a live owner's connections never meet its RSTs
held_12() { [ "$("$CLUSTER" ctl 1 nodes)" = "1,2" ]; }
wait_held_12() {
	local i
	for ((i = 0; i < 20; i++)); do
		held_12 && return 0
		sleep 0.1
	done
	return 1
}
check "node 1 holds 1,2 (within 2 s)" wait_held_12
conn_round failover 21000 "2=1" 160 240 0 0 60 140
# The failover round may take less than one exchange interval: wait (at
# most 5 s) for the connection to make progress after node 2 died.
for ((i = 0; i < 50; i++)); do
	during=$(hold_count)
	[ "${during:-0}" -gt "$before" ] && break
	sleep 0.1
done
check "long-lived connection kept exchanging during the failover ($before -> ${during:-0})" \
	test "${during:-0}" -gt "$before"

say "recovery: node 2 back, node 1 drops number 2"
"$CLUSTER" start 2
check "vipshare-ctl del 2 on node 1" "$CLUSTER" ctl 1 del 2
check "node 1 holds 1" test "$("$CLUSTER" ctl 1 nodes)" = "1"
check "node 2 holds 2" test "$("$CLUSTER" ctl 2 nodes)" = "2"
conn_round recovered 22000 "" 60 140 60 140 60 140

touch "$work/stop"
hold_rc=0
for ((i = 0; i < 100; i++)); do
	kill -0 "$HOLD_PID" 2>/dev/null || break
	sleep 0.1
done
wait "$HOLD_PID" || hold_rc=$?
HOLD_PID=
tail -2 "$work/hold"
check "long-lived connection survived, no failed exchange (rc $hold_rc)" \
	bash -c "[ $hold_rc -eq 0 ] && grep -q '^hold ok n3 exchanges=' '$work/hold'"

"$CLUSTER" down
check "down: nothing left behind" check_clean
[ $FAILS -eq 0 ] || { say "$FAILS check(s) failed"; exit 1; }
say "PASS"
