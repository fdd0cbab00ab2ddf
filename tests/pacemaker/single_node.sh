#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A single-node Pacemaker/Corosync cluster (in a namespace node, ring on lo)
# runs ClusterIP as a globally-unique clone of ocf:vipshare:dpdk-vipshare,
# clone-max=3 clone-node-max=3, NIC = a veth via net_af_packet.
# Asserts:
#  - all 3 instances Started, ONE daemon holding 1,2,3, attribute
#    ClusterIP_clone_count=3, clients of every bucket served;
#  - stopping one instance the way Pacemaker can (clone-node-max=2: a
#    globally-unique clone's instances cannot be constrained one by one, and
#    clone-max must not change since it is the hash's total) releases exactly
#    one number from the same daemon, count 2, that bucket unserved;
#    clone-node-max=3 brings it back;
#  - a number released behind Pacemaker's back (vipshare-ctl del) is seen
#    by the monitor and recovered;
#  - a daemon killed -9 is recovered (new daemon holding 1,2,3);
#  - pcs resource disable: the daemon stops (by the last stop) and vs0 goes.
# Usage: single_node.sh AGENT DAEMON CTL WHICH
. "$(dirname "$0")/lib.sh"

AGENT_SRC=$(realpath "$1") VS_DAEMON=$(realpath "$2") VS_CTL=$(realpath "$3") VS_WHICH=$(realpath "$4")
VIP=192.168.100.100
SW=vsp-s-sw NS=vsp-s-n1 CLIENT_NS=vsp-s-cl N=vsp-s1
MON=4s

vsp_init single
need corosync pacemakerd pcs crm_mon crm_resource cibadmin crm_attribute attrd_updater corosync-quorumtool socat
[ -x "$VS_DAEMON" ] && [ -x "$VS_CTL" ] && [ -x "$VS_WHICH" ] || fail "binaries missing"
install_agent "$AGENT_SRC"

mk_switch "$SW"
netns_add "$NS"
plug "$SW" swn1 "$NS" data
harden_data "$NS" data
mk_client "$SW" "$CLIENT_NS"
mk_node "$N" "$NS"
PORTFILE=$VSP_TMP/ports
mk_portfile "$PORTFILE" 3

corosync_conf "$VSP_TMP/corosync.conf" "$N:127.0.0.1"
make_cib "$VSP_TMP/cib.xml" "$MON"

start_server "$N"
T0=$(date +%s.%N)
start_stack "$N" "$VSP_TMP/corosync.conf" "$VSP_TMP/cib.xml"
wait_for 30 quorate "$N" || fail "corosync not quorate"
start_pacemaker "$N"

n_started() { started_instances "$N" | grep -c "@$N"; }
held_is() { [ "$(held "$N")" = "$1" ]; }
count_attr() { in_node "$N" attrd_updater -Q -n ClusterIP_clone_count 2>/dev/null | sed -n 's/.*value="\([0-9]*\)".*/\1/p'; }
count_is() { [ "$(count_attr)" = "$1" ]; }

wait_for 90 held_is 1,2,3 || fail "daemon holds $(held "$N") after 90 s, expected 1,2,3"
wait_for 30 eval '[ "$(n_started)" = 3 ]' || fail "crm_mon: $(started_instances "$N" | tr '\n' ' ')"
log "3 instances started, one daemon holds 1,2,3: $(elapsed_since "$T0") s after corosync"
PID1=$(daemon_pid_of "$N") || fail "no daemon pidfile"
wait_for 15 count_is 3 || fail "ClusterIP_clone_count = '$(count_attr)', expected 3"
in_node "$N" ip -o -4 addr show dev vs0 | grep -q "inet $VIP/24" || fail "VIP not on vs0"

served_by() { # served_by EXPECTED-PER-BUCKET (e.g. "1:vsp-s1 2:- 3:vsp-s1")
	local got
	got=$(client round --timeout 2 | tr ' ' ':' | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$1" ] || { log "buckets answered: $got (want $1)"; return 1; }
}
wait_for 20 served_by "1:$N 2:$N 3:$N" || fail "not every bucket served"
log "clients of buckets 1,2,3 served by $N"

log "clone-node-max=2: Pacemaker stops one instance"
in_node "$N" pcs resource meta ClusterIP-clone clone-node-max=2 >/dev/null || fail "pcs resource meta"
two_held() { [ "$(held "$N" | tr ',' '\n' | grep -c .)" = 2 ]; }
wait_for 40 two_held || fail "daemon holds $(held "$N") after clone-node-max=2"
wait_for 20 eval '[ "$(n_started)" = 2 ]' || fail "crm_mon does not show 2 started"
H=$(held "$N")
GONE=$(printf '1\n2\n3\n' | grep -vx -e "${H%,*}" -e "${H#*,}")
# the number released is the instance Pacemaker stopped
STOPPED=$(in_node "$N" crm_mon -1 -r 2>/dev/null | sed -n 's/.*ClusterIP:\([0-9]*\).*Stopped.*/\1/p')
[ "$STOPPED" = "$((GONE - 1))" ] || fail "Pacemaker stopped ClusterIP:$STOPPED but number $GONE was released"
[ "$(daemon_pid_of "$N")" = "$PID1" ] || fail "the daemon was restarted"
wait_for 15 count_is 2 || fail "ClusterIP_clone_count = '$(count_attr)', expected 2"
exp=""
for b in 1 2 3; do
	if [ "$b" = "$GONE" ]; then exp="$exp $b:-"; else exp="$exp $b:$N"; fi
done
wait_for 15 served_by "${exp# }" || fail "bucket $GONE should be dropped, the others served"
log "ClusterIP:$STOPPED stopped: daemon holds $H, bucket $GONE dropped, count 2"

in_node "$N" pcs resource meta ClusterIP-clone clone-node-max=3 >/dev/null || fail "pcs resource meta"
wait_for 40 held_is 1,2,3 || fail "daemon holds $(held "$N") after clone-node-max=3"
wait_for 15 count_is 3 || fail "ClusterIP_clone_count not back to 3"
log "clone-node-max=3: 1,2,3 again"

log "number 2 released behind Pacemaker's back"
in_node "$N" "$VS_CTL" --file-prefix "vipshare-$VSP_NIC" --vip "$VIP" del 2 >/dev/null || fail "vipshare-ctl del 2"
T1=$(date +%s.%N)
wait_for 40 held_is 1,2,3 || fail "monitor did not recover number 2: $(held "$N")"
log "recovered by Pacemaker after $(elapsed_since "$T1") s (monitor interval $MON)"
in_node "$N" crm_mon -1 -f 2>/dev/null | grep -q "ClusterIP:1.*fail-count" || fail "no fail-count for ClusterIP:1"
in_node "$N" crm_resource --cleanup >/dev/null 2>&1

log "daemon killed -9"
PID1=$(daemon_pid_of "$N")
kill -KILL "$PID1"
T1=$(date +%s.%N)
new_daemon() { local p; p=$(daemon_pid_of "$N") && [ "$p" != "$PID1" ] && held_is 1,2,3; }
wait_for 60 new_daemon || fail "no new daemon holding 1,2,3 after kill -9: $(held "$N")"
log "new daemon $(daemon_pid_of "$N") holds 1,2,3 $(elapsed_since "$T1") s after kill -9"
wait_for 20 served_by "1:$N 2:$N 3:$N" || fail "not every bucket served after recovery"
in_node "$N" crm_resource --cleanup >/dev/null 2>&1

log "pcs resource disable"
PID1=$(daemon_pid_of "$N")
in_node "$N" pcs resource disable ClusterIP-clone >/dev/null || fail "pcs resource disable"
gone() { ! pid_alive "$PID1" && ! in_node "$N" ip link show vs0 >/dev/null 2>&1; }
wait_for 40 gone || fail "daemon $PID1 or vs0 still there after disable"
wait_for 15 count_is 0 || fail "ClusterIP_clone_count = '$(count_attr)', expected 0"
[ -e "/proc/${VSP_HOLDER[$N]}/root/run/vipshare/$VSP_NIC.pid" ] && fail "pidfile left"
log "disabled: daemon stopped, vs0 removed, count 0"
log "PASS"
