#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A real three-node Pacemaker/Corosync cluster in network namespaces.
# Each node: a "ring" veth with its address for corosync, a "data" veth (no
# IP, arp off, rp_filter) that its dpdk-vipshare owns via net_af_packet, all
# into one switch bridge; a TCP service on port 80 answering the node name.
# ClusterIP = ocf:vipshare:dpdk-vipshare, clone-max=3 clone-node-max=3
# globally-unique=true; ClusterIP2 = a second VIP on the same NIC, its own
# clone (clone-max=2, another seed), written the same way. The client picks
# source ports per node number (vipshare-which), so every connection's
# bucket is known.
# Asserts:
#  - one number of ClusterIP per node, every bucket served by the node
#    holding it, all three nodes serving; both numbers of ClusterIP2 held,
#    its buckets served by their holders; ONE daemon per node serving both
#    VIPs;
#  - ClusterIP2 banned from a node holding one of its numbers: that number
#    moves to another node (served there), the node's daemon keeps running
#    (same PID) with ClusterIP alone, and ClusterIP's numbers do not move;
#    the ban lifted, both VIPs settle;
#  - node3 cut off (both links down): within 15 s its number is held by a
#    survivor and new connections of every bucket are served again; node3
#    (no quorum) stops every instance of both VIPs, and with the last its
#    daemon;
#  - heal: the cluster settles with 3 nodes online, 3 instances Started and
#    every node number 1..3 held by at least one live daemon; every bucket
#    served.
# Usage: three_nodes.sh AGENT DAEMON CTL WHICH
. "$(dirname "$0")/lib.sh"

AGENT_SRC=$(realpath "$1") VS_DAEMON=$(realpath "$2") VS_CTL=$(realpath "$3") VS_WHICH=$(realpath "$4")
VIP=192.168.100.100
VIP2=192.168.100.101 VIP2_N=2 VIP2_SEED=0x2a
SW=vsp-3-sw CLIENT_NS=vsp-3-cl
NODES=(vsp-n1 vsp-n2 vsp-n3)
FAILOVER_MAX=15

vsp_init three
need corosync pacemakerd pcs crm_mon crm_resource cibadmin crm_attribute corosync-quorumtool socat
[ -x "$VS_DAEMON" ] && [ -x "$VS_CTL" ] && [ -x "$VS_WHICH" ] || fail "binaries missing"
install_agent "$AGENT_SRC"

mk_three_nodes "$SW" vsp-3-n "$CLIENT_NS"
PORTFILE=$VSP_TMP/ports
mk_portfile "$PORTFILE" 3
PORTFILE2=$VSP_TMP/ports2
mk_portfile "$PORTFILE2" $VIP2_N $VIP2_SEED

corosync_conf "$VSP_TMP/corosync.conf" "${RING[@]}"
make_cib "$VSP_TMP/cib.xml" 5s

T0=$(date +%s.%N)
for n in "${NODES[@]}"; do
	start_server "$n"
	start_stack "$n" "$VSP_TMP/corosync.conf" "$VSP_TMP/cib.xml"
done
all_quorate() { for n in "${NODES[@]}"; do quorate "$n" || return 1; done; }
wait_for 40 all_quorate || fail "corosync: not all nodes quorate"
log "corosync quorate on 3 nodes after $(elapsed_since "$T0") s"
for n in "${NODES[@]}"; do start_pacemaker "$n"; done

# holders N: names of the nodes whose live daemon holds number N
holders() {
	local n out=""
	for n in "${NODES[@]}"; do
		case ",$(held "$n")," in *",$1,"*) out="$out $n" ;; esac
	done
	echo "${out# }"
}
show_held() { local n; for n in "${NODES[@]}"; do printf '%s=%s/%s ' "$n" "$(held "$n")" "$(held "$n" $VIP2)"; done; }
# holders2 N: the same for the second VIP
holders2() {
	local n out=""
	for n in "${NODES[@]}"; do
		case ",$(held "$n" $VIP2)," in *",$1,"*) out="$out $n" ;; esac
	done
	echo "${out# }"
}
layout1() { local n; for n in "${NODES[@]}"; do printf '%s=%s ' "$n" "$(held "$n")"; done; }
vip2_each() { # each number of VIP2 held by exactly one node
	local b
	for b in $(seq 1 $VIP2_N); do case "$(holders2 $b)" in "" | *" "*) return 1 ;; esac; done
}
served2_ok() { # every bucket of VIP2 answered by its holder
	local got b name
	got=$(client2 round --timeout 2) || return 1
	LAST_ROUND2=$(echo "$got" | tr '\n' ' ')
	while read -r b name; do
		[ "$name" = "-" ] && return 1
		[ "$(holders2 "$b")" != "$name" ] && return 1
	done <<< "$got"
	return 0
}
one_daemon_each() { # one daemon per node, and it serves both VIPs where it holds both
	local n pids
	for n in "${NODES[@]}"; do
		pids=$(ip netns pids "vsp-3-${n#vsp-}" 2>/dev/null | while read -r p; do
			tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q -- "--file-prefix=vipshare-$VSP_NIC" && echo "$p"
		done | wc -l)
		[ "$pids" = 1 ] || { echo "$n runs $pids daemons"; return 1; }
	done
}
all_held() { [ -n "$(holders 1)" ] && [ -n "$(holders 2)" ] && [ -n "$(holders 3)" ]; }
one_each() {
	local n
	for n in "${NODES[@]}"; do case "$(held "$n")" in [123]) ;; *) return 1 ;; esac; done
	all_held
}
served_ok() { # every bucket answered, by its holder when $1 = strict
	local got b name
	got=$(client round --timeout 2) || return 1
	LAST_ROUND=$(echo "$got" | tr '\n' ' ')
	while read -r b name; do
		[ "$name" = "-" ] && return 1
		[ "${1:-}" = strict ] && [ "$(holders "$b")" != "$name" ] && return 1
	done <<< "$got"
	return 0
}

wait_for 120 one_each || fail "no one-number-per-node layout after 120 s: $(show_held)"
log "instances started, $(show_held)($(elapsed_since "$T0") s after corosync)"
wait_for 30 served_ok strict || fail "buckets not served by their holders: $LAST_ROUND / $(show_held)"
names=$(echo "$LAST_ROUND" | tr ' ' '\n' | grep vsp-n | sort -u | tr '\n' ' ')
[ "$names" = "vsp-n1 vsp-n2 vsp-n3 " ] || fail "not all nodes served: $LAST_ROUND"
log "client connections served by all three: $LAST_ROUND"
client round --rounds 5 --timeout 2 > "$VSP_TMP/round.out"
grep -q ' -$' "$VSP_TMP/round.out" && fail "failed connections: $(grep -c ' -$' "$VSP_TMP/round.out")/15"

# the second VIP, same NIC, same daemons
wait_for 60 vip2_each || fail "$VIP2: numbers not each held once: $(show_held)"
wait_for 30 served2_ok || fail "$VIP2: buckets not served by their holders: $LAST_ROUND2 / $(show_held)"
log "$VIP2 served: $LAST_ROUND2 ($(show_held))"
one_daemon_each >"$VSP_TMP/daemons" || fail "not one daemon per node: $(cat "$VSP_TMP/daemons")"
for n in "${NODES[@]}"; do
	want=1
	[ "$(held "$n" $VIP2)" != - ] && want=2
	got=$(in_node "$n" timeout 5 "$VS_CTL" --file-prefix "vipshare-$VSP_NIC" vips | wc -l)
	[ "$got" = "$want" ] || fail "$n's daemon serves $got VIPs, expected $want: $(show_held)"
done
log "one daemon per node, serving both VIPs where it holds both"

# move ClusterIP2 off one node: only that VIP's instance moves
MOVED=$(holders2 1)
B2=1
BEFORE1=$(layout1)
MPID=$(daemon_pid_of "$MOVED")
log "ban ClusterIP2 from $MOVED (holds its number $B2; $(show_held))"
in_node vsp-n1 crm_resource --ban --resource ClusterIP2-clone --node "$MOVED" >/dev/null 2>&1 ||
	fail "crm_resource --ban"
moved() { local h; h=$(holders2 $B2); [ -n "$h" ] && [ "$h" != "$MOVED" ] && vip2_each; }
wait_for 60 moved || fail "$VIP2's number $B2 did not leave $MOVED: $(show_held)"
wait_for 30 served2_ok || fail "$VIP2 not served after the move: $LAST_ROUND2 / $(show_held)"
log "$VIP2's number $B2 moved to $(holders2 $B2): $(show_held)"
[ "$(layout1)" = "$BEFORE1" ] || fail "$VIP's numbers moved with $VIP2's: before $BEFORE1, now $(layout1)"
[ "$(daemon_pid_of "$MOVED")" = "$MPID" ] || fail "$MOVED's daemon restarted by the move"
[ "$(held "$MOVED" $VIP2)" = - ] || fail "$MOVED still holds $VIP2: $(held "$MOVED" $VIP2)"
in_node "$MOVED" ip -o -4 addr show dev vs0 | grep -q " inet $VIP2/" && fail "$VIP2 still on $MOVED's vs0"
wait_for 30 served_ok strict || fail "$VIP not served after $VIP2's move: $LAST_ROUND"
log "$VIP untouched: $(layout1), served by its holders; $MOVED's daemon $MPID kept running with $VIP alone"
in_node vsp-n1 crm_resource --clear --resource ClusterIP2-clone >/dev/null 2>&1 ||
	fail "crm_resource --clear"
settled() { in_node vsp-n1 crm_resource --wait --timeout=2s >/dev/null 2>&1 && vip2_each && one_each; }
wait_for 60 settled || fail "no settled cluster after the ban was lifted: $(show_held)"
log "ban lifted, settled: $(show_held)"

# The coverage monitor through the agent: each node's monitor publishes
# vipshare-<VIP>-coverage (crm_mon -A); a number taken by hand on a second
# node is a duplicate on every node, "yield" on the one with the higher
# data MAC (the tie-break), and with on_duplicate=warn (the default)
# nothing fails; released, ok again.
cov_attr() { # cov_attr NODE: its vipshare-$VIP-coverage value
	in_node vsp-n1 attrd_updater -Q -n "vipshare-$VIP-coverage" -N "$1" 2>/dev/null |
		sed -n 's/.*value="\([^"]*\)".*/\1/p'
}
cov_all() { # cov_all PATTERN: every node's value matches
	local n
	for n in "${NODES[@]}"; do [[ $(cov_attr "$n") == $1 ]] || return 1; done
}
show_cov() { local n; for n in "${NODES[@]}"; do printf '%s=%s ' "$n" "$(cov_attr "$n")"; done; }
data_mac() { in_node "$1" cat /sys/class/net/data/address; }
wait_for 30 cov_all ok || fail "coverage attribute not ok on every node: $(show_cov)"
in_node vsp-n1 crm_mon -1 -A 2>/dev/null | grep -q "vipshare-$VIP-coverage.*: ok" ||
	fail "crm_mon -A does not show vipshare-$VIP-coverage"
log "coverage attribute: $(show_cov)"
DX=$(holders 2)
for DY in "${NODES[@]}"; do [ "$DY" != "$DX" ] && break; done
in_node "$DY" timeout 5 "$VS_CTL" --file-prefix "vipshare-$VSP_NIC" --vip "$VIP" add 2 >/dev/null ||
	fail "ctl add 2 on $DY"
if [[ $(data_mac "$DX") < $(data_mac "$DY") ]]; then DL=$DY; else DL=$DX; fi
dup_seen() {
	local n
	for n in "${NODES[@]}"; do
		case "$n,$(cov_attr "$n")" in
			"$DL,duplicate:2,yield:2") ;;
			"$DL",*) return 1 ;;
			*,duplicate:2) ;;
			*) return 1 ;;
		esac
	done
}
wait_for 30 dup_seen || fail "number 2 on $DX and $DY: not duplicate:2 everywhere, yield:2 on $DL: $(show_cov)"
log "number 2 held by $DX and by hand on $DY: $(show_cov)"
in_node vsp-n1 crm_mon -1 2>/dev/null | grep -qi "failed" &&
	fail "on_duplicate=warn, yet an action failed: $(in_node vsp-n1 crm_mon -1 | grep -i -A3 failed)"
in_node "$DY" timeout 5 "$VS_CTL" --file-prefix "vipshare-$VSP_NIC" --vip "$VIP" del 2 >/dev/null ||
	fail "ctl del 2 on $DY"
wait_for 30 cov_all ok || fail "coverage attribute not ok again after the fix: $(show_cov)"
log "released on $DY: $(show_cov)"

VICTIM=vsp-n3
V=$(held $VICTIM)
VPID=$(daemon_pid_of $VICTIM)
log "cut $VICTIM off (holds $V, daemon $VPID)"
TC=$(date +%s.%N)
ip -n "$SW" link set r3 down
ip -n "$SW" link set d3 down
client until-all --deadline 30 --timeout 1 > "$VSP_TMP/failover.out"
rc=$?
FAILOVER=$(elapsed_since "$TC")
sed -n 's/^elapsed //p' "$VSP_TMP/failover.out" >/dev/null
[ $rc = 0 ] || fail "buckets not all served 30 s after the cut: $(tr '\n' ' ' < "$VSP_TMP/failover.out") / $(show_held)"
grep -q "$VICTIM" "$VSP_TMP/failover.out" && fail "the cut node answered?"
log "every bucket served again $FAILOVER s after the cut: $(tail -n 3 "$VSP_TMP/failover.out" | tr '\n' ' ')"
NEW=$(holders "$V" | tr ' ' '\n' | grep -v $VICTIM)
[ -n "$NEW" ] || fail "number $V not taken over: $(show_held)"
log "number $V now held by $NEW: $(show_held)"
[ "$(echo "$FAILOVER > $FAILOVER_MAX" | bc)" = 0 ] || fail "failover took $FAILOVER s (> $FAILOVER_MAX s)"
victim_stopped() { ! pid_alive "$VPID"; }
wait_for 30 victim_stopped || fail "$VICTIM without quorum kept its daemon $VPID"
log "$VICTIM (no quorum) stopped its daemon (the last stop of both VIPs' instances)"
wait_for 30 vip2_each || fail "$VIP2 not held after the cut: $(show_held)"
wait_for 30 served2_ok || fail "$VIP2 not served after the cut: $LAST_ROUND2"

log "heal"
TH=$(date +%s.%N)
ip -n "$SW" link set r3 up
ip -n "$SW" link set d3 up
online3() { in_node vsp-n1 crm_mon -1 2>/dev/null | grep -q "Online: \[ vsp-n1 vsp-n2 vsp-n3 \]"; }
three_started() { [ "$(started_instances vsp-n1 | wc -l)" = 3 ]; }
idle() { in_node vsp-n1 crm_resource --wait --timeout=2s >/dev/null 2>&1; }
healed() { online3 && three_started && idle && all_held; }
wait_for 90 healed || fail "no settled cluster 90 s after healing: $(show_held) / $(started_instances vsp-n1 | tr '\n' ' ')"
log "settled $(elapsed_since "$TH") s after healing: $(show_held)/ $(started_instances vsp-n1 | tr '\n' ' ')"
for b in 1 2 3; do
	h=$(holders $b)
	[ -n "$h" ] || fail "number $b unowned"
	case "$h" in *" "*) log "note: number $b held by $h (double ownership)" ;; esac
done
wait_for 20 served_ok || fail "not every bucket served after healing: $LAST_ROUND"
log "every bucket served after healing: $LAST_ROUND"
wait_for 30 served2_ok || fail "$VIP2: not every bucket served after healing: $LAST_ROUND2"
log "$VIP2: every bucket served after healing: $LAST_ROUND2"
echo "FAILOVER_SECONDS=$FAILOVER"
log "PASS"
