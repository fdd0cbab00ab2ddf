#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_vips.sh BUILD [af_xdp|af_packet]
#
# A VIP added and removed at run time while another one carries traffic
# (one node of scripts/cluster.sh holding 1/1 of the VIP A =
# 192.168.100.100; B = 192.168.100.101 comes and goes):
#  1. A ping flood to A (2000 echoes, 2 ms apart) runs throughout.
#  2. vipshare-ctl vip add B/24: B lands on the node's host interface, the
#     client's ARP entry for B is B's own cluster MAC (01:00:5e:28:64:65),
#     B answers pings; vips lists both.
#  3. vipshare-ctl vip del B: B leaves the host interface, ARP for B goes
#     unanswered (the client's entry never gets a MAC), pings to B fail;
#     vips lists A alone.
#  4. The flood to A: every echo answered once (no loss, no duplicate), and
#     A's own counters moved by exactly the echoes sent (vip_owned), none
#     lost inside the daemon (nic_missed 0, no drops).
#  5. B again, then A removed: A is the host interface's primary address of
#     the /24, yet B (and the node's own address) stay on it and B still
#     answers (promote_secondaries); A stops answering.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD [af_xdp|af_packet]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
PMD=${2:-af_xdp}
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"

netns_prereqs "$BUILD"
netns_lock
export VSN_BUILD=$BUILD VSN_PMD=$PMD VSN_IDLE_SLEEP=100 VSN_SNOOP=0 VSN_APP_ARGS='' \
	VSN_QUEUES=1
STATE=${VSN_STATE:-/run/vsn-cluster}
work=$(mktemp -d /tmp/vsn-vips.XXXXXX)
FLOOD_PID=
cleanup() {
	local rc=$?
	if [ -n "$FLOOD_PID" ]; then kill "$FLOOD_PID" 2>/dev/null || true; fi
	cluster_cleanup $rc "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

B=192.168.100.101
B_MAC=01:00:5e:28:64:65
COUNT=2000

vip_stat() { # vip_stat VIP KEY: one of the VIP's counters
	"$CLUSTER" ctl 1 --vip "$1" stats | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d.get("/vipshare/stats", d)[sys.argv[1]])' "$2"
}
tot_stat() {
	"$CLUSTER" ctl 1 stats | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d.get("/vipshare/stats", d)[sys.argv[1]])' "$1"
}
# (no grep -q in a pipe: under pipefail its early exit fails the pipe)
on_host() { [[ $(ip -n vsn-n1 -4 addr show dev vs0) == *"inet $1/24"* ]]; }
client_mac() { ip -n vsn-c neigh show "$1" | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }

say "up: 1 node, $PMD, VIP $VIP"
"$CLUSTER" up 1 || fatal "cluster did not come up"
check "one VIP at start" test "$("$CLUSTER" ctl 1 vips | wc -l)" -eq 1
ip netns exec vsn-c ping -n -c 2 -W 2 $VIP >/dev/null || fatal "VIP $VIP does not answer"
owned0=$(vip_stat $VIP vip_owned)

say "ping flood to $VIP: $COUNT echoes, 2 ms apart"
ip netns exec vsn-c ping -n -q -i 0.002 -c $COUNT -W 2 $VIP >"$work/flood" 2>&1 &
FLOOD_PID=$!
sleep 0.5

say "vip add $B/24 while the flood runs"
check "vipshare-ctl vip add $B/24 --node 1/1" "$CLUSTER" ctl 1 vip add $B/24 --node 1/1
"$CLUSTER" ctl 1 vips >"$work/vips.add"
cat "$work/vips.add"
check "vips lists both" test "$(awk '{print $1}' "$work/vips.add" | paste -sd' ')" = "$VIP/24 $B/24"
check "$B on the host interface" on_host $B
check "$VIP still on the host interface" on_host $VIP
ip netns exec vsn-c ping -n -c 3 -i 0.2 -W 2 $B >"$work/ping.b" 2>&1 || true
check "$B answers pings" grep -q '3 packets transmitted, 3 received' "$work/ping.b"
check "the client's ARP entry for $B is its cluster MAC $B_MAC" \
	test "$(client_mac $B)" = "$B_MAC"
check "--vip $B nodes: 1" test "$("$CLUSTER" ctl 1 --vip $B nodes)" = 1

say "vip del $B while the flood runs"
check "vipshare-ctl vip del $B" "$CLUSTER" ctl 1 vip del $B
check "vips lists $VIP alone" test "$("$CLUSTER" ctl 1 vips | awk '{print $1}')" = "$VIP/24"
check "$B gone from the host interface" bash -c "! ip -n vsn-n1 -4 addr show dev vs0 | grep -q 'inet $B/'"
check "$VIP still on the host interface" on_host $VIP
ip -n vsn-c neigh flush to $B 2>/dev/null || true
ip netns exec vsn-c ping -n -c 2 -i 0.3 -W 1 $B >"$work/ping.b2" 2>&1 || true
check "$B no longer answers pings" grep -q '2 packets transmitted, 0 received' "$work/ping.b2"
check "ARP for $B unanswered (no MAC learnt: '$(client_mac $B)')" test -z "$(client_mac $B)"

say "waiting for the flood to end"
for ((i = 0; i < 300; i++)); do
	kill -0 "$FLOOD_PID" 2>/dev/null || break
	sleep 0.1
done
wait "$FLOOD_PID" || true
FLOOD_PID=
cat "$work/flood"
check "flood to $VIP: $COUNT transmitted, $COUNT received" \
	grep -q "$COUNT packets transmitted, $COUNT received" "$work/flood"
check "flood to $VIP: no duplicate replies" bash -c "! grep -q duplicates '$work/flood'"
owned1=$(vip_stat $VIP vip_owned)
say "$VIP vip_owned $owned0 -> $owned1"
check "$VIP's counters: vip_owned grew by exactly the $COUNT echoes" \
	test $((owned1 - owned0)) -eq $COUNT
check "$VIP's counters: nothing not owned" test "$(vip_stat $VIP vip_not_owned)" -eq 0
check "no frame missed by the NIC port, no transmit drop" \
	test "$(tot_stat nic_imissed)" -eq 0 -a "$(tot_stat tx_host_drop)" -eq 0 \
	-a "$(tot_stat tx_wire_drop)" -eq 0

say "vip add $B again, vip del $VIP (the primary address of the subnet)"
check "vipshare-ctl vip add $B/24 --node 1/1" "$CLUSTER" ctl 1 vip add $B/24 --node 1/1
check "vipshare-ctl vip del $VIP" "$CLUSTER" ctl 1 vip del $VIP
check "$B still on the host interface" on_host $B
check "the node's own address still on the host interface" on_host 192.168.100.11
check "$VIP gone from the host interface" bash -c "! ip -n vsn-n1 -4 addr show dev vs0 | grep -q 'inet $VIP/'"
ip netns exec vsn-c ping -n -c 3 -i 0.2 -W 2 $B >"$work/ping.b3" 2>&1 || true
check "$B answers pings" grep -q '3 packets transmitted, 3 received' "$work/ping.b3"
check "the last VIP cannot be removed" bash -c "! '$CLUSTER' ctl 1 vip del $B 2>/dev/null"

"$CLUSTER" down
check "down: nothing left behind" check_clean
[ $FAILS -eq 0 ] || { say "$FAILS check(s) failed"; exit 1; }
say "PASS"
