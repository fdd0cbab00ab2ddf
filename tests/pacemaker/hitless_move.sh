#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A hitless planned move through Pacemaker: the three-node cluster of
# three_nodes.sh (namespaces, corosync on "ring", dpdk-vipshare on "data"
# through net_af_packet), ClusterIP a globally-unique clone (clone-max=3
# clone-node-max=3) with drain_timeout=60, set as docs/pacemaker.md says.
# Each node serves VIP:80 with a line service (scripts/cluster-tcp.py: its
# name, then every line echoed with it).
#  1. 30 long-lived connections whose source ports hash to the number K
#     held by node A (vipshare-which) exchange a line every 200 ms
#     (tests/netns/move_tool.py hold), all with A.
#  2. `pcs resource ban ClusterIP-clone A` (a clone instance cannot be
#     moved by name, and `crm_resource --move` to a node moves every
#     instance there): Pacemaker stops K's instance on A, which drains K,
#     and starts it on B, which fills K. The stop succeeded well within its
#     timeout (its exec-time in the CIB) while A still drains; the other
#     numbers did not move.
#  3. The 30 keep exchanging with A, none reset or stalled, for >= 5 s
#     after B began to fill; 30 new connections of K are served by B.
#  4. The 30 close: A releases K within 3 s of the close (its log stamp),
#     B owns K, A's daemon (its last instance stopped) exits once its drain
#     ended; no failed action.
#  5. Coverage, polled on every live daemon all along: never a duplicate;
#     at the end ok everywhere, each number held once.
#  6. The ban cleared: the cluster settles, every number held, every
#     bucket served by its holder, coverage ok.
# Usage: hitless_move.sh AGENT DAEMON CTL WHICH SERVER MOVE_TOOL
. "$(dirname "$0")/lib.sh"

AGENT_SRC=$(realpath "$1") VS_DAEMON=$(realpath "$2") VS_CTL=$(realpath "$3")
VS_WHICH=$(realpath "$4") SERVER=$(realpath "$5") MOVE_TOOL=$(realpath "$6")
VIP=192.168.100.100
SW=vsp-m-sw CLIENT_NS=vsp-m-cl
NODES=(vsp-n1 vsp-n2 vsp-n3)
DRAIN=60            # drain_timeout (s): far above what the test needs
RELEASE_MAX=3       # s from the close of the old connections to A's release
NCONN=30

vsp_init move
need corosync pacemakerd pcs crm_mon crm_resource cibadmin crm_attribute corosync-quorumtool
[ -x "$VS_DAEMON" ] && [ -x "$VS_CTL" ] && [ -x "$VS_WHICH" ] || fail "binaries missing"
[ -f "$SERVER" ] && [ -f "$MOVE_TOOL" ] || fail "python helpers missing"
install_agent "$AGENT_SRC"

mk_three_nodes "$SW" vsp-m-n "$CLIENT_NS"
PORTFILE=$VSP_TMP/ports
mk_portfile "$PORTFILE" 3

corosync_conf "$VSP_TMP/corosync.conf" "${RING[@]}"
make_cib "$VSP_TMP/cib.xml" 5s
# docs/pacemaker.md's step 1, on the offline CIB: the agent's parameter
# (on the primitive; on the clone it would be a meta attribute)
pcs -f "$VSP_TMP/cib.xml" resource update ClusterIP drain_timeout=$DRAIN >/dev/null ||
	fail "pcs resource update ClusterIP drain_timeout=$DRAIN"
grep -q "name=\"drain_timeout\" value=\"$DRAIN\"" "$VSP_TMP/cib.xml" || fail "drain_timeout not in the CIB"

T0=$(date +%s.%N)
for n in "${NODES[@]}"; do
	bg_node "$n" "$VSP_TMP/$n/server.log" python3 "$SERVER" serve --bind "$VIP" \
		--port 80 --name "$n" --idle-timeout 200 >/dev/null
	start_stack "$n" "$VSP_TMP/corosync.conf" "$VSP_TMP/cib.xml"
done
all_quorate() { for n in "${NODES[@]}"; do quorate "$n" || return 1; done; }
wait_for 40 all_quorate || fail "corosync: not all nodes quorate"
log "corosync quorate on 3 nodes after $(elapsed_since "$T0") s"
for n in "${NODES[@]}"; do start_pacemaker "$n"; done

ctl_in() { # ctl_in NODE ARGS...: vipshare-ctl on NODE's daemon
	local n=$1
	shift
	in_node "$n" timeout 5 "$VS_CTL" --file-prefix "vipshare-$VSP_NIC" "$@"
}
# owned NODE: the numbers NODE's daemon owns ("-": none or no daemon);
# filling NODE: those it fills (`nodes` prints "filling: K" after them)
owned() { local o; o=$(ctl_in "$1" --vip "$VIP" nodes 2>/dev/null | head -n 1); echo "${o:--}"; }
filling() { ctl_in "$1" --vip "$VIP" nodes 2>/dev/null | sed -n 's/^filling: //p'; }
owners() { # owners N: the nodes owning number N
	local n out=""
	for n in "${NODES[@]}"; do
		case ",$(owned "$n")," in *",$1,"*) out="$out $n" ;; esac
	done
	echo "${out# }"
}
layout() { local n; for n in "${NODES[@]}"; do printf '%s=%s ' "$n" "$(owned "$n")"; done; }
each_once() { local b; for b in 1 2 3; do case "$(owners $b)" in "" | *" "*) return 1 ;; esac; done; }
one_each() {
	local n
	for n in "${NODES[@]}"; do case "$(owned "$n")" in [123]) ;; *) return 1 ;; esac; done
	each_once
}
served_ok() { # every bucket answered by the node owning its number
	local got b name
	got=$(client round --timeout 2) || return 1
	LAST_ROUND=$(echo "$got" | tr '\n' ' ')
	while read -r b name; do
		[ "$name" = "-" ] && return 1
		[ "$(owners "$b")" != "$name" ] && return 1
	done <<< "$got"
	return 0
}
daemon_log() { echo "/proc/${VSP_HOLDER[$1]}/root/var/log/dpdk-vipshare/$VSP_NIC.log"; }
logtime() { python3 "$MOVE_TOOL" logtime "$(daemon_log "$1")" "$2" 2>/dev/null; }
# cov_sum NODE: the coverage monitor's summary of VIP on NODE's daemon
cov_sum() {
	ctl_in "$1" --vip "$VIP" coverage 2>/dev/null | sed -n 's/.*"summary": "\([^"]*\)".*/\1/p'
}
live_cov_ok() { # every live daemon's coverage ok
	local n s
	for n in "${NODES[@]}"; do
		daemon_pid_of "$n" >/dev/null || continue
		s=$(cov_sum "$n")
		[ "$s" = ok ] || return 1
	done
}
show_cov() { local n; for n in "${NODES[@]}"; do printf '%s=%s ' "$n" "$(cov_sum "$n")"; done; }
fdiff() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) - float(sys.argv[2])))" "$1" "$2"; }
fle() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$1" "$2"; }

wait_for 120 one_each || fail "no one-number-per-node layout after 120 s: $(layout)"
log "instances started: $(layout)($(elapsed_since "$T0") s after corosync)"
wait_for 30 served_ok || fail "buckets not served by their owners: $LAST_ROUND / $(layout)"
log "every bucket served by its owner: $LAST_ROUND"
wait_for 20 live_cov_ok || fail "coverage not ok on every node: $(show_cov)"

# A: the node holding number 2 (instance ClusterIP:1)
K=2
A=$(owners $K)
others_before=$(for b in 1 3; do echo "$b=$(owners $b)"; done | paste -sd' ')
# old and new connections: ports of K from the end of the port file (the
# rounds take theirs from its start)
awk -v k=$K '$1 == k {print $2}' "$PORTFILE" | tail -n $((2 * NCONN)) > "$VSP_TMP/kports"
OLD=$(head -n $NCONN "$VSP_TMP/kports" | paste -sd,)
NEW=$(tail -n $NCONN "$VSP_TMP/kports" | paste -sd,)
[ "$(wc -l < "$VSP_TMP/kports")" = $((2 * NCONN)) ] || fail "not $((2 * NCONN)) ports of $K"

# the coverage watcher: every live daemon's summary, every 0.5 s
cov_watch() {
	local n s
	while [ ! -e "$VSP_TMP/wstop" ]; do
		for n in "${NODES[@]}"; do
			daemon_pid_of "$n" >/dev/null || continue
			s=$(cov_sum "$n")
			[ -n "$s" ] && echo "$(date +%s.%N) $n $s"
		done
		sleep 0.5
	done
}
cov_watch > "$VSP_TMP/cov.log" 2>/dev/null &
VSP_PIDS+=($!)

ip netns exec "$CLIENT_NS" python3 "$MOVE_TOOL" hold --dst "$VIP" --src "$CLIENT_IP" \
	--ports "$OLD" --stop "$VSP_TMP/stop" --out "$VSP_TMP/hold.json" --interval 0.2 \
	--max-time 150 > "$VSP_TMP/hold.log" 2>&1 &
HOLD=$!
VSP_PIDS+=("$HOLD")
# hold_check BANNER MIN_N SINCE: every connection answered by BANNER, at
# least MIN_N exchanges, the last one after SINCE, no error
hold_check() {
	python3 - "$VSP_TMP/hold.json" "$1" "$2" "$3" "$NCONN" <<'EOF'
import json, sys
st = json.load(open(sys.argv[1]))
banner, min_n, since, total = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
st = {k: v for k, v in st.items() if k != "closed_at"}
good = [k for k, v in st.items() if v["banner"] == banner and not v["err"]
        and v["n"] >= min_n and v["last"] >= since]
bad = {k: v["err"] or "%s n=%d last %.1f" % (v["banner"], v["n"], v["last"] - since)
       for k, v in st.items() if k not in good}
print("%d of %d; %s" % (len(good), total, bad or "none failed"))
sys.exit(0 if len(good) == total == len(st) else 1)
EOF
}
going() { hold_check "$A" 3 0 > "$VSP_TMP/going"; }
wait_for 30 going || fail "$NCONN connections of $K not all exchanging with $A: $(cat "$VSP_TMP/going")"
log "$NCONN connections of number $K exchanging with $A ($(layout))"

# ------------------------------------------------------------ the move
TB=$(date +%s.%N)
in_node vsp-n1 pcs resource ban ClusterIP-clone "$A" >"$VSP_TMP/ban.out" 2>&1 ||
	fail "pcs resource ban ClusterIP-clone $A: $(cat "$VSP_TMP/ban.out")"
log "pcs resource ban ClusterIP-clone $A"
# B: the node whose daemon fills K (or owns it, once A's drain ended)
taken() {
	local n
	for n in "${NODES[@]}"; do
		[ "$n" = "$A" ] && continue
		case ",$(filling "$n"),$(owned "$n")," in *",$K,"*) B=$n; return 0 ;; esac
	done
	return 1
}
B=""
wait_for 60 taken || fail "no node took $K within 60 s of the ban: $(layout)"
TTAKEN=$(date +%s.%N)
log "$B took $K $(fdiff "$TTAKEN" "$TB") s after the ban (filling: $(filling "$B"))"
started_on() { in_node vsp-n1 crm_mon -1 -r 2>/dev/null | grep -q "ClusterIP:$((K - 1)).*Started $B"; }
wait_for 30 started_on || fail "ClusterIP:$((K - 1)) not Started on $B: $(in_node vsp-n1 crm_mon -1 -r | grep ClusterIP:)"
draining_a() { ctl_in "$A" vips 2>/dev/null | grep -q " draining=$K"; }
draining_a || fail "$A does not drain $K after its instance stopped: $(ctl_in "$A" vips 2>&1)"
# the stop action on A, as Pacemaker recorded it
in_node vsp-n1 cibadmin -Q -o status > "$VSP_TMP/status.xml" 2>/dev/null || fail "cibadmin -Q"
STOP=$(python3 - "$VSP_TMP/status.xml" "$A" "ClusterIP:$((K - 1))" <<'EOF'
import sys
import xml.etree.ElementTree as ET
st = ET.parse(sys.argv[1]).getroot()
for ns in st.iter("node_state"):
    if ns.get("uname") != sys.argv[2]:
        continue
    for r in ns.iter("lrm_resource"):
        if r.get("id") != sys.argv[3]:
            continue
        for op in r.iter("lrm_rsc_op"):
            if op.get("operation") == "stop":
                print(op.get("rc-code"), op.get("op-status"), op.get("exec-time"))
EOF
)
read -r STOP_RC STOP_STATUS STOP_MS <<< "$STOP"
[ "$STOP_RC" = 0 ] && [ "$STOP_STATUS" = 0 ] || fail "stop of ClusterIP:$((K - 1)) on $A: '$STOP' (rc op-status exec-time)"
# the agent's stop timeout is 30 s; a drain that held the stop would take
# at least until the old connections close (not before the end of step 3)
[ "$STOP_MS" -lt 10000 ] || fail "the stop on $A took $STOP_MS ms"
log "stop of ClusterIP:$((K - 1)) on $A: ok in $STOP_MS ms (timeout 30 s), $A still draining $K"
[ "$(for b in 1 3; do echo "$b=$(owners $b)"; done | paste -sd' ')" = "$others_before" ] ||
	fail "other numbers moved: before $others_before, now $(layout)"

# new connections of K: B's
TF=$(logtime "$B" "add $K: filling")
[ -n "$TF" ] || fail "$B did not log 'add $K: filling': $(grep ' move ' "$(daemon_log "$B")" | tail -n 3)"
ip netns exec "$CLIENT_NS" python3 "$MOVE_TOOL" conns --dst "$VIP" --src "$CLIENT_IP" \
	--ports "$NEW" > "$VSP_TMP/new.txt" 2>&1
n_b=$(awk -v b="$B" '$2 == b' "$VSP_TMP/new.txt" | wc -l)
log "new connections of $K: $n_b of $NCONN served by $B ($(awk -v b="$B" '$2 != b {print $2}' "$VSP_TMP/new.txt" | sort | uniq -c | paste -sd' '))"
[ "$n_b" = $NCONN ] || fail "new connections of $K not all served by $B"

# >= 5 s after B began to fill, the old ones still exchange with A
t_wait=$(python3 -c "import sys; print(max(0.0, float(sys.argv[1]) + 6 - float(sys.argv[2])))" "$TF" "$(date +%s.%N)")
sleep "$t_wait"
sleep 0.6   # one more write of hold.json
hold_check "$A" 1 "$(python3 -c "import sys; print(float(sys.argv[1]) + 5)" "$TF")" > "$VSP_TMP/survived" ||
	fail "old connections: $(cat "$VSP_TMP/survived")"
SURVIVED=$(cut -d' ' -f1,2,3 "$VSP_TMP/survived")
log "old connections exchanging with $A >= 5 s after $B began to fill: $(cat "$VSP_TMP/survived")"
draining_a || fail "$A's drain ended with its connections open: $(ctl_in "$A" vips 2>&1)"

# ------------------------------------------------------------ the end
touch "$VSP_TMP/stop"
wait "$HOLD" || fail "hold exited $?: $(tail -n 3 "$VSP_TMP/hold.log")"
hold_check "$A" 1 0 > "$VSP_TMP/final" || fail "old connections at their close: $(cat "$VSP_TMP/final")"
TCLOSE=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["closed_at"])' "$VSP_TMP/hold.json")
released() { [ -n "$(logtime "$A" "drain $K ended")" ]; }
wait_for 15 released || fail "$A's drain of $K did not end 15 s after the close: $(ctl_in "$A" vips 2>&1)"
TREL=$(logtime "$A" "drain $K ended")
RELEASE=$(fdiff "$TREL" "$TCLOSE")
log "$A released $K $RELEASE s after the close: $(grep "drain $K ended" "$(daemon_log "$A")" | tail -n 1)"
grep "drain $K ended" "$(daemon_log "$A")" | grep -q "old connections ended" ||
	fail "$A's drain did not end by its connections"
fle "$RELEASE" $RELEASE_MAX || fail "$A released $K $RELEASE s after the close (> $RELEASE_MAX s)"
b_owns() { [ "$(owners $K)" = "$B" ] && [ -z "$(filling "$B")" ]; }
wait_for 5 b_owns || fail "$B does not own $K alone: $(layout), filling on $B: $(filling "$B")"
TOWN=$(logtime "$B" "fill $K ended")
log "$B owns $K ($(fdiff "${TOWN:-0}" "$TREL") s after $A's release): $(layout)"
a_daemon_gone() { ! daemon_pid_of "$A" >/dev/null; }
wait_for 10 a_daemon_gone || fail "$A's daemon (no instance left) still runs after its drain: $(ctl_in "$A" vips 2>&1)"
log "$A's daemon exited after its drain"
wait_for 10 live_cov_ok || fail "coverage not ok at the end: $(show_cov)"
each_once || fail "numbers not held once each at the end: $(layout)"
in_node vsp-n1 crm_mon -1 2>/dev/null | grep -qi "failed" &&
	fail "failed actions: $(in_node vsp-n1 crm_mon -1 | grep -i -A3 failed)"
touch "$VSP_TMP/wstop"
sleep 1
polls=$(wc -l < "$VSP_TMP/cov.log")
dups=$(grep -c 'duplicate' "$VSP_TMP/cov.log")
holes=$(grep -c 'hole' "$VSP_TMP/cov.log")
log "coverage: $polls polls from the hold to the end: $dups showed a duplicate, $holes a hole, at the end $(show_cov)"
[ "$polls" -gt 20 ] || fail "coverage watched only $polls times"
[ "$dups" = 0 ] || fail "coverage showed a duplicate: $(grep duplicate "$VSP_TMP/cov.log" | head -n 3)"

# ------------------------------------------------------------ clear
in_node vsp-n1 pcs resource clear ClusterIP-clone >/dev/null 2>&1 || fail "pcs resource clear"
idle() { in_node vsp-n1 crm_resource --wait --timeout=2s >/dev/null 2>&1; }
settled() { idle && each_once && live_cov_ok; }
wait_for 90 settled || fail "not settled after the ban was cleared: $(layout) / $(show_cov)"
wait_for 30 served_ok || fail "buckets not served by their owners after the clear: $LAST_ROUND / $(layout)"
log "ban cleared, settled: $(layout), every bucket served by its owner"
in_node vsp-n1 crm_mon -1 2>/dev/null | grep -qi "failed" &&
	fail "failed actions after the clear: $(in_node vsp-n1 crm_mon -1 | grep -i -A3 failed)"

echo "SURVIVED=$SURVIVED RELEASE_SECONDS=$RELEASE STOP_MS=$STOP_MS"
log "PASS"
