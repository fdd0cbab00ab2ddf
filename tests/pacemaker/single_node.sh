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
#  - reload-agent: drain_timeout changed on the running clone
#    (crm_resource --set-parameter) is reloaded by Pacemaker in every
#    instance, the daemon keeps its PID and numbers, and the new value is
#    in effect: the next stop of an instance drains its number (the
#    daemon's move_drains counter) instead of releasing it;
#  - idle_sleep changed (a daemon setting, not reloadable): Pacemaker
#    restarts the instances, no reload: a new daemon runs with the new
#    --idle-sleep and holds 1,2,3;
#  - the daemon's log is /var/log/dpdk-vipshare/data.log (the node's own
#    /var/log): every daemon of the run appended its start to it;
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

log "drain_timeout=10 on the running clone: reload-agent, no restart"
PLOG=$VSP_TMP/$N/log/pacemaker/pacemaker.log
n_reloads() { grep -c 'Result of reload-agent operation for ClusterIP:[0-9]' "$PLOG"; }
drains() { in_node "$N" "$VS_CTL" --file-prefix "vipshare-$VSP_NIC" stats 2>/dev/null |
	grep -o '"move_drains": *[0-9]*' | head -n 1 | grep -o '[0-9]*$'; }
[ "$(drains)" = 0 ] || fail "move_drains is '$(drains)' before any stop"
r0=$(n_reloads)
in_node "$N" crm_resource -r ClusterIP --set-parameter drain_timeout --parameter-value 10 >/dev/null 2>&1 ||
	fail "crm_resource --set-parameter drain_timeout"
wait_for 40 eval '[ "$(n_reloads)" -ge $((r0 + 3)) ]' ||
	fail "$(( $(n_reloads) - r0 )) reload-agent results in pacemaker.log, expected 3"
grep 'Result of reload-agent operation for ClusterIP:' "$PLOG" | grep -qv ': ok' &&
	fail "a reload-agent failed: $(grep 'Result of reload-agent' "$PLOG" | grep -v ': ok' | tail -n 1)"
[ "$(daemon_pid_of "$N")" = "$PID1" ] || fail "the daemon was restarted by a reloadable change"
held_is 1,2,3 || fail "daemon holds $(held "$N") after the reload"
wait_for 20 eval '[ "$(n_started)" = 3 ]' || fail "crm_mon after the reload: $(started_instances "$N" | tr '\n' ' ')"
log "3 reload-agent results, daemon $PID1 unchanged, holds 1,2,3"

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
# the reloaded drain_timeout is what that stop used: it drained
[ "$(drains)" = 1 ] || fail "move_drains is '$(drains)' after the stop: drain_timeout=10 not in effect"
not_draining() { ! in_node "$N" "$VS_CTL" --file-prefix "vipshare-$VSP_NIC" vips 2>/dev/null | grep -q ' draining='; }
wait_for 20 not_draining || fail "number $GONE still draining 20 s after a 10 s drain_timeout"
log "the stop drained number $GONE (move_drains 1): the reloaded drain_timeout was used"
# back to releasing at once (the steps below stop every instance)
r0=$(n_reloads)
in_node "$N" crm_resource -r ClusterIP --delete-parameter drain_timeout >/dev/null 2>&1 ||
	fail "crm_resource --delete-parameter drain_timeout"
wait_for 40 eval '[ "$(n_reloads)" -ge $((r0 + 2)) ]' ||
	fail "$(( $(n_reloads) - r0 )) reload-agent results after deleting drain_timeout, expected 2"
[ "$(daemon_pid_of "$N")" = "$PID1" ] || fail "the daemon was restarted by deleting drain_timeout"

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

log "idle_sleep=200 (a daemon setting): Pacemaker restarts the instances"
# from a settled cluster: the cleanup's probes still running can hold the
# restart back (once 55 s on a loaded machine)
idle() { in_node "$N" crm_resource --wait --timeout=2s >/dev/null 2>&1; }
wait_for 60 idle || fail "Pacemaker not idle 60 s after the cleanup"
PID1=$(daemon_pid_of "$N")
r0=$(n_reloads)
in_node "$N" crm_resource -r ClusterIP --set-parameter idle_sleep --parameter-value 200 >/dev/null 2>&1 ||
	fail "crm_resource --set-parameter idle_sleep"
T1=$(date +%s.%N)
restarted() {
	local p
	p=$(daemon_pid_of "$N") && [ "$p" != "$PID1" ] && held_is 1,2,3 &&
		tr '\0' ' ' < "/proc/$p/cmdline" | grep -q -- "--idle-sleep 200 "
}
wait_for 120 restarted || fail "no new daemon with --idle-sleep 200 holding 1,2,3: $(held "$N")"
pid_alive "$PID1" && fail "the old daemon $PID1 still runs"
[ "$(n_reloads)" = "$r0" ] || fail "idle_sleep was reloaded, not restarted"
wait_for 20 eval '[ "$(n_started)" = 3 ]' || fail "crm_mon after the restart: $(started_instances "$N" | tr '\n' ' ')"
log "restarted in $(elapsed_since "$T1") s: daemon $(daemon_pid_of "$N") with --idle-sleep 200, no reload-agent"

# every daemon of this run appended to the node's persistent log
LOGF=$VSP_TMP/$N/log/dpdk-vipshare/$VSP_NIC.log
in_node "$N" test -f "/var/log/dpdk-vipshare/$VSP_NIC.log" || fail "no /var/log/dpdk-vipshare/$VSP_NIC.log"
nstart=$(grep -c '^=== .* started by ClusterIP:[0-9] (PID [0-9]*)$' "$LOGF")
[ "$nstart" -ge 3 ] || fail "$nstart daemon starts in $VSP_NIC.log, expected 3 (first, after kill -9, after idle_sleep)"
grep -q "^=== .* started by ClusterIP:[0-9] (PID $(daemon_pid_of "$N"))\$" "$LOGF" || fail "the current daemon's start is not in the log"
log "the log holds the $nstart daemon starts of the run"

log "pcs resource disable"
PID1=$(daemon_pid_of "$N")
in_node "$N" pcs resource disable ClusterIP-clone >/dev/null || fail "pcs resource disable"
gone() { ! pid_alive "$PID1" && ! in_node "$N" ip link show vs0 >/dev/null 2>&1; }
wait_for 40 gone || fail "daemon $PID1 or vs0 still there after disable"
wait_for 15 count_is 0 || fail "ClusterIP_clone_count = '$(count_attr)', expected 0"
[ -e "/proc/${VSP_HOLDER[$N]}/root/run/vipshare/$VSP_NIC.pid" ] && fail "pidfile left"
log "disabled: daemon stopped, vs0 removed, count 0"
log "PASS"
