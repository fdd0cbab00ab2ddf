#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_igmp.sh BUILD [af_xdp|af_packet]
#
# The cluster behind an IGMP-snooping switch: the bridge runs with
# mcast_snooping 1 and mcast_querier 1, timers shortened (query interval 3 s,
# response interval 1 s, querier interval 6 s: the lifetime of a
# multicast-router port learnt from an MRD advertisement). Once its querier runs, such
# a bridge stops flooding frames to the cluster MAC whose IP destination is
# the unicast VIP (after ~1 s here, ~10 s with default timers).
#  1. Default --igmp (report,mrd) with --igmp-interval 2: connection rounds at
#     8 s and 14 s after start-up, well past the cut-off and past two expiries
#     of a router port that is not refreshed (6 s): all complete, each
#     answered by the node the hash names; ping gets one reply per echo; the
#     nodes counted IGMP messages sent and queries seen.
#  2. The nodes restart with --igmp off, same switch: once the router ports
#     learnt in 1. expired (8 s after the restart) not one connection
#     completes (so the switch really cuts, and 1. is the app's doing), while
#     ARP still resolves the VIP to the cluster MAC.
#  3. The switch-side alternative: with the node ports made permanent
#     multicast-router ports (bridge link set dev p-nK mcast_router 2), the
#     same --igmp off cluster serves every connection again.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD [af_xdp|af_packet]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
PMD=${2:-af_xdp}
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"

netns_prereqs "$BUILD"
# the whole text first: grep -q stops reading at the first match, and a
# writer still writing then dies of SIGPIPE, which pipefail reports
help=$("$BUILD/app/dpdk-vipshare" --help)
if ! grep -q -- '--igmp ' <<<"$help"; then
	fatal "dpdk-vipshare has no --igmp option (IGMP keep-alive not built)"
fi
netns_lock
export VSN_BUILD=$BUILD VSN_PMD=$PMD VSN_IDLE_SLEEP=100 VSN_SNOOP=1 \
	VSN_SNOOP_TIMERS="300 100 600"
STATE=${VSN_STATE:-/run/vsn-cluster}
work=$(mktemp -d /tmp/vsn-igmp.XXXXXX)
trap 'cluster_cleanup $? "$work"' EXIT
trap 'exit 130' INT TERM

# wait_until T0 SECONDS: sleep until SECONDS after the epoch time T0
wait_until() {
	local left=$(($1 + $2 - $(date +%s)))
	if [ $left -gt 0 ]; then sleep $left; fi
}

# round NAME BASE COUNT TIMEOUT: connections; "SPORT NODE" in $work/NAME.got
round() {
	"$CLUSTER" conns "$2" "$3" --parallel 16 --timeout "$4" >"$work/$1.got" 2>"$work/$1.err" || true
	cat "$work/$1.err"
	expected_nodes "$BUILD" 3 "$2" "$3" | awk '{print $1, "n" $2}' >"$work/$1.want"
}

stat_of() { # stat_of K KEY: a counter from vipshare-ctl stats, or empty
	"$CLUSTER" ctl "$1" stats 2>/dev/null |
		grep -o "\"$2\":[0-9]*" | cut -d: -f2 || true
}

say "1. snooping bridge with a querier, dpdk-vipshare --igmp report,mrd (default), --igmp-interval 2"
export VSN_APP_ARGS="--igmp-interval 2"
"$CLUSTER" up 3 || fatal "cluster did not come up"
t_up=$(date +%s)
for at in 8 14; do
	wait_until "$t_up" $at
	say "round at +${at}s: 100 connections"
	round "on$at" $((40000 + at * 100)) 100 10
	check "+${at}s: all 100 connections completed" \
		test "$(grep -c ' FAIL' "$work/on$at.got" || true)" -eq 0
	check "+${at}s: each answered by the node the hash names" \
		diff -u "$work/on$at.want" "$work/on$at.got"
done
ip netns exec vsn-c ping -n -c 3 -i 0.2 -W 3 $VIP >"$work/ping" 2>&1 || true
check "ping: 3 echoes, 3 replies, no duplicates" \
	bash -c "grep -q '3 packets transmitted, 3 received' '$work/ping' && ! grep -q DUP '$work/ping'"
bridge -n vsn-sw mdb show || true
for k in 1 2 3; do
	sent=$(stat_of $k igmp_sent)
	queries=$(stat_of $k igmp_queries)
	check "n$k sent IGMP/MRD messages (igmp_sent=$sent)" test "${sent:-0}" -gt 0
	check "n$k saw the querier's queries (igmp_queries=$queries)" test "${queries:-0}" -gt 0
done

say "2. same switch, the nodes restart with --igmp off"
export VSN_APP_ARGS="--igmp off"
pids=()
for k in 1 2 3; do "$CLUSTER" stop $k & pids+=($!); done
wait "${pids[@]}"
pids=()
for k in 1 2 3; do "$CLUSTER" start $k & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || fatal "a node did not restart"; done
for k in 1 2 3; do
	check "n$k runs with --igmp off" bash -c \
		"tr '\\0' ' ' </proc/$(cat "$STATE/n$k.pid")/cmdline | grep -q -- '--igmp off'"
done
t_up=$(date +%s)
wait_until "$t_up" 8
say "round at +8s: 30 connections, 3 s each"
round off 45000 30 3
n_ok=$(grep -vc ' FAIL' "$work/off.got" || true)
check "--igmp off: no connection completes behind the snooping switch ($n_ok of 30 did)" \
	test "$n_ok" -eq 0
check "--igmp off: ARP still resolves the VIP to the cluster MAC" \
	bash -c "ip -n vsn-c neigh show $VIP | grep -qi 'lladdr $CLUSTER_MAC'"
say "switch side: the node ports become permanent multicast-router ports"
for k in 1 2 3; do bridge -n vsn-sw link set dev "p-n$k" mcast_router 2; done
round router 46000 60 10
check "--igmp off + mcast_router 2: all 60 connections complete" \
	test "$(grep -c ' FAIL' "$work/router.got" || true)" -eq 0
check "--igmp off + mcast_router 2: each answered by the node the hash names" \
	diff -u "$work/router.want" "$work/router.got"
"$CLUSTER" down
check "down: nothing left behind" check_clean
[ $FAILS -eq 0 ] || { say "$FAILS check(s) failed"; exit 1; }
say "PASS"
