#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_move.sh BUILD
#
# A hitless planned move on a 3-node cluster (scripts/cluster.sh, af_xdp,
# node k holds number k): number 2 moves from machine n2 (A) to machine n3
# (B) while 30 long-lived TCP connections of number 2 (source ports picked
# with vipshare-which) exchange a line every 200 ms:
#  1. `drain 2` on A, `add 2` on B: A drains, B fills.
#  2. 30 new connections of number 2 are served by B.
#  3. A SYN flood from 4000 spoofed sources during the move: the move
#     tables stay within their capacity (--move-cap 256), the excess is
#     counted (move_evicted), the daemons live.
#  4. The 30 old connections keep exchanging, still with A, for >= 5 s after
#     the move; none is reset or stalls.
#  5. The 30 close: A releases 2 within 2 s of the close (its own log stamp)
#     and B owns 2 within 2 s more.
#  6. All along, no node's coverage showed a duplicate or a hole (polled
#     every 100 ms, and no "started" line in any node's log).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"

netns_prereqs "$BUILD"
netns_lock
export VSN_BUILD=$BUILD VSN_PMD=af_xdp VSN_IDLE_SLEEP=100 VSN_SNOOP=0 \
	VSN_APP_ARGS='--igmp off --move-cap 256' VSN_QUEUES=1
STATE=${VSN_STATE:-/run/vsn-cluster}
work=$(mktemp -d /tmp/vsn-move.XXXXXX)
trap 'touch "$work/stop" "$work/wstop"; cluster_cleanup $? "$work"' EXIT
trap 'exit 130' INT TERM

TOOL="$NETNS_DIR/move_tool.py"
K=2
ctl() { "$CLUSTER" ctl "$@"; }
stat_of() { # stat_of NODE KEY
	ctl "$1" stats | python3 -c '
import json, sys
print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}
# ports_of BASE: 30 source ports from BASE on that hash to number K
ports_of() {
	expected_nodes "$BUILD" 3 "$1" 400 | awk -v k=$K '$2 == k {print $1}' |
		head -30 | paste -sd,
}
# the wall clock of node N's first log line matching RE, or nothing
log_time() {
	python3 - "$STATE/n$1.log" "$2" <<'EOF'
import calendar, re, sys, time
pat = re.compile(sys.argv[2])
for line in open(sys.argv[1], errors="replace"):
    # log.c's stamp: 2026-12-02T04:28:13.965+00:00 dpdk-vipshare: move ...
    m = re.search(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})([+-])(\d\d):(\d\d) "
                  r"\S+: move ", line)
    if m and pat.search(line):
        t = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
        off = (int(m.group(4)) * 3600 + int(m.group(5)) * 60) * (
            -1 if m.group(3) == "-" else 1)
        print("%.3f" % (t - off + int(m.group(2)) / 1000))
        break
EOF
}
# wait_for SECONDS CMD..: poll CMD every 100 ms
wait_for() {
	local end=$(($(date +%s%N) + ${1%.*} * 1000000000))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

"$CLUSTER" up 3 >"$work/up.log" 2>&1 || { cat "$work/up.log"; fatal "cluster up"; }
say "3 nodes up"
check "healthy after start-up" python3 "$NETNS_DIR/coverage_wait.py" \
	--nodes 1,2,3 --within 5 peers=2

OLD=$(ports_of 20000)
NEW=$(ports_of 40000)
[ "$(echo "$OLD" | tr , '\n' | wc -l)" -eq 30 ] || fatal "30 ports of $K: $OLD"

# the coverage watcher, then 30 long-lived connections to number K (A)
python3 "$TOOL" watch --nodes 1,2,3 --stop "$work/wstop" --out "$work/watch.json" &
watch_pid=$!
"$CLUSTER" exec c python3 "$TOOL" hold --dst "$VIP" --src "$CLIENT" \
	--ports "$OLD" --stop "$work/stop" --out "$work/hold.json" --interval 0.2 \
	--max-time 200 >"$work/hold.log" 2>&1 &
hold_pid=$!
# every connection answered by n2 at least 3 times, no error
all_going() {
	python3 - "$work/hold.json" <<'EOF'
import json, sys
st = json.load(open(sys.argv[1]))
sys.exit(0 if len(st) == 30 and all(
    v["banner"] == "n2" and v["n"] >= 3 and not v["err"]
    for k, v in st.items()) else 1)
EOF
}
check "30 connections of $K served by n2, exchanging" wait_for 30 all_going

# ---------------------------------------------------------------- the move
for n in 1 2 3; do OFF[n]=$(stat -c %s "$STATE/n$n.log"); done
out=$(ctl 2 drain $K 2>&1) || true
check "drain $K on A: draining" grep -q "^draining: $K\$" <<<"$out"
out=$(ctl 3 add $K 2>&1) || true
T_ADD=$(date +%s.%N)
say "add $K on B: $(echo "$out" | paste -sd' ')"
filling() { ctl 3 nodes | grep -q "^filling: $K\$"; }
check "B fills $K within 2 s" wait_for 2 filling
check "A logged its drain with a timestamp" test -n "$(log_time 2 "drain $K started")"

# new connections of K: B's
"$CLUSTER" exec c python3 "$TOOL" conns --dst "$VIP" --src "$CLIENT" \
	--ports "$NEW" >"$work/new.txt" 2>&1 || true
n_b=$(awk '$2 == "n3"' "$work/new.txt" | wc -l)
say "new connections of $K: $n_b of 30 served by n3 ($(awk '$2 != "n3" {print $2}' "$work/new.txt" | sort | uniq -c | paste -sd' '))"
check "30 new connections of $K served by B" test "$n_b" -eq 30

# a SYN flood from many sources during the move
"$CLUSTER" exec c python3 "$TOOL" flood --dst "$VIP" --count 4000 --seconds 3 \
	>"$work/flood.txt" 2>&1 || fail "flood: $(cat "$work/flood.txt")"
for n in 2 3; do
	ctl $n --vip "$VIP" stats >"$work/stats$n.json"
	rc=0
	python3 - "$work/stats$n.json" "$n" >"$work/tables$n.txt" <<'EOF' || rc=$?
import json, sys
s = json.load(open(sys.argv[1]))
held = s["move_table_embryonic"] + s["move_table_established"] + s["move_table_closing"]
print("node %s: held=%d cap=%d evicted=%d table_full=%d new_flows=%d "
      "syn_before_fill=%d" % (sys.argv[2], held, s["move_table_cap"],
      s["move_evicted"], s["move_table_full"], s["move_new_flows"],
      s["move_syn_before_fill"]))
sys.exit(0 if held <= s["move_table_cap"] and s["move_evicted"] > 0 else 1)
EOF
	say "$(cat "$work/tables$n.txt")"
	check "n$n: move table bounded under the flood, excess counted" test $rc -eq 0
done
check "daemons alive after the flood" pid_alive "$(cat "$STATE/n2.pid")"
check "daemons alive after the flood" pid_alive "$(cat "$STATE/n3.pid")"

# >= 5 s after the move, the 30 old ones still exchange with A
t_wait=$(python3 -c "import sys; print(max(0.0, float(sys.argv[1]) + 6 - float(sys.argv[2])))" "$T_ADD" "$(date +%s.%N)")
sleep "$t_wait"
sleep 0.6 # one more write of hold.json
rc=0
python3 - "$work/hold.json" "$T_ADD" >"$work/hold_check.txt" <<'EOF' || rc=$?
import json, sys
st = json.load(open(sys.argv[1]))
t_add = float(sys.argv[2])
good = [k for k, v in st.items()
        if v["banner"] == "n2" and not v["err"] and v["last"] >= t_add + 5]
bad = {k: v["err"] or "last %.1f s after add" % (v["last"] - t_add)
       for k, v in st.items() if k not in good}
print("%d of %d exchanging >= 5 s after the move; %s" % (len(good), len(st), bad or "none failed"))
sys.exit(0 if len(good) == 30 == len(st) else 1)
EOF
say "$(cat "$work/hold_check.txt")"
check "30 of 30 old connections survive the move (>= 5 s after, none reset)" test $rc -eq 0

# the old connections close: A releases K, B owns K
touch "$work/stop"
wait "$hold_pid" || fail "hold exited $?"
t_close=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["closed_at"])' "$work/hold.json")
released() { test -n "$(log_time 2 "drain $K ended")"; }
check "A's drain ended" wait_for 10 released
t_rel=$(log_time 2 "drain $K ended")
say "A released $K $(python3 -c "print('%.2f' % ($t_rel - $t_close))") s after the close: $(grep "drain $K ended" "$STATE/n2.log" | tail -1)"
check "A released $K within 2 s of the close" python3 -c "import sys; sys.exit(0 if $t_rel - $t_close <= 2 else 1)"
owns() { ctl 3 nodes | head -1 | tr , '\n' | grep -qx $K; }
check "B owns $K" wait_for 3 owns
t_own=$(log_time 3 "fill $K ended")
say "B owns $K $(python3 -c "print('%.2f' % (${t_own:-0} - $t_rel))") s after A's release"
check "B owned $K within 2 s of A's release" python3 -c "import sys; sys.exit(0 if 0 <= ${t_own:-99999} - $t_rel <= 2 else 1)"
check "A holds nothing (no number, no move)" test -z "$(ctl 2 nodes)"
sleep 1

# coverage: never a duplicate or a hole
touch "$work/wstop"
wait "$watch_pid" || true
rc=0
python3 - "$work/watch.json" >"$work/watch.txt" <<'EOF' || rc=$?
import json, sys
w = json.load(open(sys.argv[1]))
print("%d coverage polls, %d showed a duplicate or hole: %s" % (w["polls"], len(w["bad"]), w["bad"][:5]))
sys.exit(0 if w["polls"] > 30 and not w["bad"] else 1)
EOF
say "$(cat "$work/watch.txt")"
check "coverage never showed a duplicate or a hole" test $rc -eq 0
for n in 1 2 3; do
	check "n$n logged no duplicate or hole" \
		bash -c "! tail -c +$((OFF[n] + 1)) '$STATE/n$n.log' | grep -E 'coverage .*: (duplicate|hole) .* started'"
done
grep -h " move " "$STATE"/n2.log "$STATE"/n3.log | sed 's/^/  /'

[ "$FAILS" -eq 0 ] || exit 1
say "PASS"
