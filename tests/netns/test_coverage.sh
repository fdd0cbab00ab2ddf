#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_coverage.sh BUILD
#
# The coverage monitor on a 3-node cluster (scripts/cluster.sh, af_xdp):
# every node must report each condition within 2 s of it arising and clear
# it within 2 s of the fix. coverage_wait.py polls each node's
# /vipshare/coverage for the state; the time it took is the daemon's own:
# the stamp of the last condition line it logged, against the test's clock
# right after the change command returned (a poller's round trips on a
# loaded machine would time the machine, not the daemon):
#  1. healthy: no duplicates, holes or mismatch; vipshare-ctl coverage
#     prints the contract's object with both peers.
#  1b. node 3 gives up 3 while the client sends UDP to the VIP: number 3
#     black_holed (and a hole) on every node; taken again (the traffic
#     still flowing): both clear.
#  2. node 3 gives up 3 and takes 2 (vipshare-ctl del/add): duplicates [2],
#     holes [3] everywhere; exactly one of nodes 2 and 3 must yield 2, the
#     one with the higher identity (the tie-break, checked against the
#     MACs); the log says "duplicate 2 started" with a timestamp. Fixed:
#     both lists empty everywhere, "duplicate 2 ended" logged.
#  3. node 3 killed with SIGKILL: holes [3] on nodes 1 and 2 (its
#     announcements stop: gone after 3 intervals).
#  4. node 3 restarted with another --hash-init: it is in the mismatch of
#     nodes 1 and 2 (and its number a hole for them), they in its.
#  5. the switch stops flooding multicast to node 3's port: node 3's peers
#     disappear (holes 1 and 2 for it); restored: healthy again.
#  6. a flood of 1000 announcements with random identities: the nodes live,
#     the peer table stays bounded (<= 64), healthy again within 2 s after.
#  7. --cluster-key on every node: healthy; replayed, forged and unsigned
#     announcements injected from the client are counted (replay, bad_hmac,
#     no_hmac: exactly as many as sent, on both nodes that did not send the
#     original) and change nothing; node 3 restarted with a wrong key: its
#     announcements are counted as bad_hmac and ignored (hole 3 on nodes 1
#     and 2, holes 1 and 2 on node 3).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"

netns_prereqs "$BUILD"
netns_lock
export VSN_BUILD=$BUILD VSN_PMD=af_xdp VSN_IDLE_SLEEP=100 VSN_SNOOP=0 \
	VSN_APP_ARGS='--igmp off' VSN_QUEUES=1
STATE=${VSN_STATE:-/run/vsn-cluster}
work=$(mktemp -d /tmp/vsn-cover.XXXXXX)
trap 'cluster_cleanup $? "$work"' EXIT
trap 'exit 130' INT TERM

WAIT="python3 $NETNS_DIR/coverage_wait.py"
INJECT="$NETNS_DIR/announce_inject.py"
ctl() { "$CLUSTER" ctl "$@"; }
# mark_logs, then the change, then mark_time (mark: both, for a change
# that logs nothing before its command returns): cover times the daemons'
# log lines from there
EV= OFFS=
mark_logs() {
	local k
	OFFS=
	for k in 1 2 3; do
		OFFS+="$k:$(stat -c %s "$STATE/n$k.log" 2>/dev/null || echo 0),"
	done
}
mark_time() { EV=$(date +%s.%N); }
mark() { mark_logs; mark_time; }
unmark() { EV= OFFS=; }
# cover NODES WITHIN KEY=VALUE..: every node reports it, its log's last
# condition line since the mark (since now when there is none) within
# WITHIN s of it
cover() {
	local nodes=$1 within=$2
	shift 2
	[ -n "$EV" ] || mark
	$WAIT --nodes "$nodes" --within "$within" --since "$EV" \
		--logs "$STATE" --offsets "$OFFS" "$@"
}
stat_of() { # stat_of K KEY
	ctl "$1" stats | python3 -c '
import json, sys
print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}
mac_of() { ip -n "vsn-n$1" link show "n$1" | awk '/link\/ether/ {print $2}'; }
yield_of() { # yield_of K: the numbers node K yields, "2+3"
	ctl "$1" coverage | python3 -c '
import json, sys
print("+".join(str(n) for n in json.load(sys.stdin)["yield"]))'
}
log_has() { grep -Eq "$2" "$STATE/n$1.log"; }

# ---------------------------------------------------------------- 1
"$CLUSTER" up 3 >"$work/up.log" 2>&1 || { cat "$work/up.log"; fatal "cluster up"; }
say "3 nodes up"
# a start-up: every node has heard the others after a few intervals
check "healthy after start-up" cover 1,2,3 5 peers=2
ctl 1 coverage >"$work/cov1.json"
check "vipshare-ctl coverage: the contract's object" python3 - "$work/cov1.json" \
	"$(mac_of 1)" "$(mac_of 2)" "$(mac_of 3)" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
me, others = sys.argv[2], sorted(sys.argv[3:])
keys = ["vip", "self", "peers", "duplicates", "holes", "mismatch", "black_holed",
        "double_accepted"]
assert all(k in d for k in keys), d.keys()
assert d["vip"] == "192.168.100.100", d["vip"]
assert d["self"]["id"] == me and d["self"]["owned"] == [1], d["self"]
assert sorted(p["id"] for p in d["peers"]) == others, d["peers"]
for p in d["peers"]:
    assert set(p) >= {"id", "owned", "draining", "filling", "age_ms"}, p
    assert p["owned"] == [2 if p["id"] == sys.argv[3] else 3], p
    assert 0 <= p["age_ms"] < 600, p
assert all(d[k] == [] for k in keys[3:]), d
EOF

# ---------------------------------------------------------------- 1b
# Nobody holds 3 while traffic flows: every node sees number 3's frames
# and nobody reports accepting them. UDP from the client, a new source
# port per datagram (so all three numbers get a share), ~300/s until
# stopped (60 s at most). The condition arises when 3 is given up with
# the traffic already flowing: the sender's own start (seconds for a
# python3 on a loaded machine) is no part of the daemons' time, so it
# starts first and the change waits for its first datagram.
rm -f "$work/udp.started"
ip netns exec vsn-c python3 -c '
import socket, sys, time
end = time.time() + 60
first = True
while time.time() < end:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x" * 64, ("192.168.100.100", 9))
    s.close()
    if first:
        open(sys.argv[1], "w").close()
        first = False
    time.sleep(1 / 300)
' "$work/udp.started" &
udp=$!
for _ in $(seq 300); do
	[ -e "$work/udp.started" ] && break
	sleep 0.1
done
[ -e "$work/udp.started" ] || fail "the UDP sender did not start within 30 s"
sleep 1 # traffic flowing, every number accepted
mark_logs
ctl 3 del 3 >/dev/null
mark_time
check "number 3 held by nobody while traffic flows: black_holed [3], holes [3] on every node within 2 s" \
	cover 1,2,3 2 holes=3 black_holed=3 peers=2
mark_logs
ctl 3 add 3 >/dev/null
mark_time
check "held again while traffic flows: black_holed and holes empty on every node within 2 s" \
	cover 1,2,3 2 peers=2
kill "$udp" 2>/dev/null || true
wait "$udp" 2>/dev/null || true
unmark

# ---------------------------------------------------------------- 2
mark_logs
ctl 3 del 3 >/dev/null
ctl 3 add 2 >/dev/null
mark_time
check "nodes 1/3, 2/3, 2/3: duplicates [2], holes [3] on every node within 2 s" \
	cover 1,2,3 2 duplicates=2 holes=3
m2=$(mac_of 2) m3=$(mac_of 3)
if [[ "$m2" < "$m3" ]]; then loser=3 keeper=2; else loser=2 keeper=3; fi
check "tie-break: node $loser (the higher identity) yields 2, node $keeper nothing" \
	test "$(yield_of $loser)/$(yield_of $keeper)/$(yield_of 1)" = "2//"
check "log: 'duplicate 2 started' with a timestamp, every node" bash -c '
	for k in 1 2 3; do
		grep -Eq "^20[0-9-]{8}T[0-9:.]{12}[+-][0-9]{2}:[0-9]{2} dpdk-vipshare: coverage 192.168.100.100: duplicate 2 started" \
			"'"$STATE"'/n$k.log" || exit 1
	done'
mark_logs
ctl 3 del 2 >/dev/null
ctl 3 add 3 >/dev/null
mark_time
check "fixed (del 2, add 3): duplicates and holes empty on every node within 2 s" \
	cover 1,2,3 2 peers=2
check "log: 'duplicate 2 ended', 'hole 3 ended'" bash -c '
	for k in 1 2 3; do
		grep -q "duplicate 2 ended" "'"$STATE"'/n$k.log" &&
			grep -q "hole 3 ended" "'"$STATE"'/n$k.log" || exit 1
	done'
check "the summary line of several VIPs' form: one VIP, its object" \
	bash -c "$BUILD/app/vipshare-ctl --file-prefix vsn-n2 coverage | grep -q '\"summary\": \"ok\"'"

# ---------------------------------------------------------------- 3
pid3=$(cat "$STATE/n3.pid")
mark_logs
kill -KILL "$pid3"
mark_time
check "node 3 killed (SIGKILL): holes [3] on nodes 1 and 2 within 2 s" \
	cover 1,2 2 holes=3 peers=1
"$CLUSTER" stop 3 >/dev/null 2>&1 || true

# ---------------------------------------------------------------- 4
# from the moment its TAP is up (start returns): its monitor started before
mark_logs
VSN_NODE_ARGS="--hash-init 7" "$CLUSTER" start 3 >>"$work/up.log" 2>&1 ||
	fatal "node 3 with --hash-init 7 did not start"
mark_time
check "node 3 with another --hash-init: in the mismatch of nodes 1 and 2 (its number a hole there)" \
	cover 1,2 2 mismatch=1 holes=3 peers=2
check "... and nodes 1 and 2 in node 3's (holes 1 and 2 for it)" \
	cover 3 2 mismatch=2 holes=1+2 peers=2
check "log: 'mismatch' of node 3's identity on node 1" log_has 1 "mismatch.*$(mac_of 3)"
"$CLUSTER" stop 3 >/dev/null 2>&1
mark_logs
"$CLUSTER" start 3 >>"$work/up.log" 2>&1 || fatal "node 3 did not restart"
mark_time
check "node 3 back with the cluster's settings: healthy within 2 s" cover 1,2,3 2 peers=2

# ---------------------------------------------------------------- 5
mark_logs
ip netns exec vsn-sw bridge link set dev p-n3 mcast_flood off
mark_time
check "the switch stops flooding the cluster MAC to node 3: its peers disappear" \
	cover 3 2 holes=1+2 peers=0
check "... nodes 1 and 2 still hear node 3 (it still sends)" cover 1,2 1 peers=2
mark_logs
ip netns exec vsn-sw bridge link set dev p-n3 mcast_flood on
mark_time
check "flooding again: healthy within 2 s" cover 1,2,3 2 peers=2

# ---------------------------------------------------------------- 6
pids="$(cat "$STATE/n1.pid") $(cat "$STATE/n2.pid") $(cat "$STATE/n3.pid")"
ip netns exec vsn-c python3 "$INJECT" c0 flood 1000 >"$work/flood.out" &
flood=$!
maxpeers=0
while pid_alive "$flood"; do
	n=$(python3 - <<'EOF' 2>/dev/null || echo 0
import json, socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("/var/run/dpdk/vsn-n1/dpdk_telemetry.v2"); s.recv(4096)
s.send(b"/vipshare/coverage")
print(len(json.loads(json.loads(s.recv(65536))["/vipshare/coverage"])["peers"]))
EOF
	)
	[ "$n" -gt "$maxpeers" ] && maxpeers=$n
	sleep 0.2
done
wait "$flood" || fail "the flood injector failed"
mark
say "flood of 1000 random identities: at most $maxpeers live peers seen on node 1"
check "peer table bounded during the flood (<= 64, and it filled: > 10)" \
	test "$maxpeers" -le 64 -a "$maxpeers" -gt 10
check "every node alive after the flood" bash -c "for p in $pids; do kill -0 \$p || exit 1; done"
check "flood over: healthy within 2 s" cover 1,2,3 2 peers=2
check "table_full counted on node 1 (newcomers refused once every slot is live)" \
	test "$(stat_of 1 announce_rejected_table_full)" -gt 0

# ---------------------------------------------------------------- 7
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/key"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/wrong"
export VSN_APP_ARGS="--igmp off --cluster-key $work/key"
mark_logs
"$CLUSTER" up 3 >"$work/up2.log" 2>&1 || { cat "$work/up2.log"; fatal "cluster up with a key"; }
mark_time
check "with --cluster-key: healthy" cover 1,2,3 5 peers=2
inject() { # inject MODE COUNT COUNTER: sent, then counted on the two others
	local mode=$1 count=$2 counter=$3 k before=() sender s
	for k in 1 2 3; do before[k]=$(stat_of $k "announce_rejected_$counter"); done
	sender=$(ip netns exec vsn-c python3 "$INJECT" c0 "$mode" "$count")
	sleep 0.5
	for k in 1 2 3; do
		[ "$(mac_of $k)" = "$sender" ] && s=$k
	done
	for k in 1 2 3; do
		[ "$k" = "$s" ] && continue
		check "$mode: node $k counted $count more announce_rejected_$counter" \
			test "$(stat_of $k "announce_rejected_$counter")" = "$((before[k] + count))"
	done
}
inject replay 20 replay
inject forge 20 bad_hmac
inject unsigned 20 no_hmac
unmark
check "after replayed, forged and unsigned announcements: nothing changed" cover 1,2,3 1 peers=2
"$CLUSTER" stop 3 >/dev/null 2>&1
b1=$(stat_of 1 announce_rejected_bad_hmac)
mark_logs
VSN_NODE_ARGS="--cluster-key $work/wrong" "$CLUSTER" start 3 >>"$work/up2.log" 2>&1 ||
	fatal "node 3 with a wrong key did not start"
mark_time
check "node 3 with a wrong key: ignored by nodes 1 and 2 (hole 3)" cover 1,2 2 holes=3 peers=1
check "... and it ignores them (holes 1 and 2)" cover 3 2 holes=1+2 peers=0
check "its announcements counted as bad_hmac on node 1" \
	test "$(stat_of 1 announce_rejected_bad_hmac)" -gt "$b1"

"$CLUSTER" down >/dev/null 2>&1
check "nothing left behind" check_clean
[ "$FAILS" -eq 0 ] || { say "$FAILS check(s) failed"; exit 1; }
say "PASS"
