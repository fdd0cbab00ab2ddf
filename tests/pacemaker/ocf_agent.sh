#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The OCF agent on its own (no cluster), in a namespace "node" whose NIC is a
# veth driven through net_af_packet:
#  1. ocf-tester passes (meta-data against ra-api-1.dtd, validate-all,
#     probes, start/stop idempotence, return codes);
#  2. validate-all: every parameter's bad value is refused with
#     OCF_ERR_CONFIGURED (6), missing binaries/interfaces with
#     OCF_ERR_INSTALLED (5);
#  3. clone semantics: three instances started at the same time make one
#     daemon holding 1,2,3 (file prefix vipshare-<nic>, pidfile under
#     /run/vipshare); monitor/probe answers per instance; stop releases the
#     number; the last stop stops the daemon and removes the TAP; a daemon
#     killed -9 reads as not running; a lost VIP is a failure; another
#     machine announcing the same numbers that wins the tie-break fails
#     the monitor with on_duplicate=fail, only warns with warn.
#  4. two VIPs on the NIC, two clones (clone-max 3 and 2, other hash modes
#     and seeds): their five instances started at the same time make ONE
#     daemon serving both with the right numbers and settings; monitors
#     answer per VIP and instance; the last instance of one VIP removes
#     that VIP only (its address leaves the TAP, the other VIP's numbers
#     unchanged); stops at the same time of the rest stop the daemon; a
#     daemon of the previous agent (one per VIP) is refused with a reason.
#  5. drain_timeout: the stop of an instance whose number carries a
#     connection (held by the host, hashed to that number) returns at once
#     and drains the number; the daemon keeps running (the number draining,
#     the instance stopped) until the connection closes, then exits.
#  6. the daemon's log: /var/log/dpdk-vipshare/<nic>.log by default (the
#     node's own /var/log), nothing under /run; the agent's start/stop
#     lines and every line of the daemon start with an RFC 3339 stamp of
#     the run's own time; a stop and a start append (the earlier bytes
#     unchanged); the package's logrotate file rotates it (copytruncate)
#     while the daemon runs, which writes on into the emptied file.
# reload-agent (section 3): the reloadable parameters (the meta-data marks
# exactly the agent-side ones) change on a running instance without
# touching the daemon; a bad value is refused (6).
# Usage: ocf_agent.sh AGENT DAEMON CTL
. "$(dirname "$0")/lib.sh"

AGENT_SRC=$(realpath "$1") VS_DAEMON=$(realpath "$2") VS_CTL=$(realpath "$3")
VIP=10.251.0.100
NS=vsp-t-n1
# every parameter of resource-agents' IPaddr2 (its meta-data, Debian 12)
# but ip, nic, cidr_netmask, mac and clusterip_hash, which are ours too
IPADDR2_PARAMS="broadcast iflabel lvs_support lvs_ipv6_addrlabel lvs_ipv6_addrlabel_value
	unique_clone_address arp_interval arp_count arp_count_refresh arp_bg arp_sender
	send_arp_opts flush_routes run_arping nodad noprefixroute preferred_lft
	network_namespace"
export OCF_ROOT=/usr/lib/ocf

vsp_init ocf
need ocf-tester xmllint
[ -x "$VS_DAEMON" ] && [ -x "$VS_CTL" ] || fail "binaries missing: $VS_DAEMON $VS_CTL"
install_agent "$AGENT_SRC"
A=$VSP_AGENT_PATH

netns_add "$NS"
ip -n "$NS" link add data type veth peer name peer || fail "veth"
ip netns exec "$NS" ethtool -K peer tx off tso off >/dev/null 2>&1
ip -n "$NS" link set peer up
harden_data "$NS" data
mk_node t1 "$NS"

COMMON=(ip=$VIP cidr_netmask=24 nic=net_af_packet0,iface=data lcores=0
	"eal_args=--no-huge -m 256 --no-pci" idle_sleep=100
	"daemon=$VS_DAEMON" "ctl=$VS_CTL"
	arp_count=2 igmp=report igmp_interval=30 "daemon_args=--stats-interval 60")

# ra ACTION [name=value...]: run the agent inside the node with the common
# parameters, then the given ones (later wins), and the environment's
# OCF_RESKEY_CRM_meta_* / OCF_RESOURCE_INSTANCE (a recurring monitor unless
# INTERVAL=0: a probe). Output to agent.log; returns rc.
ra() {
	local action=$1 kv env=()
	shift
	for kv in "${COMMON[@]}" "$@"; do
		env+=("OCF_RESKEY_${kv%%=*}=${kv#*=}")
	done
	in_node t1 env OCF_ROOT=$OCF_ROOT OCF_RESOURCE_INSTANCE="${INST:-ClusterIP}" \
		OCF_RESKEY_CRM_meta_timeout=20000 \
		${CLONE:+OCF_RESKEY_CRM_meta_clone=$CLONE} \
		${CLONE_MAX:+OCF_RESKEY_CRM_meta_clone_max=$CLONE_MAX} \
		OCF_RESKEY_CRM_meta_interval="${INTERVAL:-10000}" \
		"${env[@]}" "$A" "$action" >>"$VSP_TMP/agent.log" 2>&1
}

expect_rc() { # expect_rc RC WHAT ACTION ARGS...
	local want=$1 what=$2 rc
	shift 2
	ra "$@"
	rc=$?
	[ "$rc" = "$want" ] || fail "$what: rc $rc, expected $want"
}

# inst K ACTION: clone instance K of 3.
inst() {
	local k=$1
	shift
	INST=ClusterIP:$k CLONE=$k CLONE_MAX=3 ra "$@"
}

n_daemons() {
	local pid n=0
	for pid in $(ns_pids "$NS"); do
		tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--file-prefix=vipshare-$VSP_NIC" && n=$((n + 1))
	done
	echo $n
}
tap_has_vip() { in_node t1 ip -o -4 addr show dev vs0 2>/dev/null | grep -q " inet $VIP/24"; }

# ---------------------------------------------------------------- 1
log "ocf-tester"
args=()
for kv in "${COMMON[@]}"; do args+=(-o "$kv"); done
T0=$(date +%s.%N)
if ! in_node t1 env OCF_ROOT=$OCF_ROOT ocf-tester -n ClusterIP "${args[@]}" "$A" > "$VSP_TMP/ocf-tester.log" 2>&1; then
	cat "$VSP_TMP/ocf-tester.log"
	fail "ocf-tester"
fi
grep -q "passed all tests" "$VSP_TMP/ocf-tester.log" || fail "ocf-tester did not pass"
log "ocf-tester passed in $(elapsed_since "$T0") s"
[ "$(n_daemons)" = 0 ] || fail "a daemon survived ocf-tester"

# meta-data: OCF 1.1, every parameter of the interface
md=$("$A" meta-data) || fail "meta-data rc"
echo "$md" | grep -q '<version>1.1</version>' || fail "meta-data is not OCF 1.1"
for p in ip cidr_netmask nic clusterip_hash mac hash_init hash_compat lcores \
	 eal_args host_port idle_sleep igmp igmp_interval daemon_args daemon ctl \
	 $IPADDR2_PARAMS; do
	echo "$md" | grep -q "<parameter name=\"$p\"" || fail "meta-data lacks $p"
done
for a in start stop monitor status meta-data validate-all usage reload-agent; do
	echo "$md" | grep -q "<action name=\"$a\"" || fail "meta-data lacks action $a"
done
# reloadable: what the agent alone uses (the monitor, the stop, the
# control tool, the next start's ARPs) and IPaddr2's parameters; nothing
# the daemon or a VIP in it was started with
want=$(printf '%s\n' on_duplicate drain_timeout ctl $IPADDR2_PARAMS | sort -u)
got=$(echo "$md" | sed -n 's/.*<parameter name="\([^"]*\)" reloadable="1".*/\1/p' | sort)
[ "$got" = "$want" ] || fail "reloadable parameters: $(echo $got), expected $(echo $want)"
# usage names every action of the meta-data
u=$("$A" usage) || fail "usage rc"
for a in $(echo "$md" | sed -n 's/.*<action name="\([^"]*\)".*/\1/p'); do
	[[ $u == *"$a"* ]] || fail "usage does not name $a: $u"
done

# ---------------------------------------------------------------- 2
log "validate-all"
expect_rc 0 "valid parameters" validate-all mac=01:00:5e:28:64:64 hash_init=0x10 \
	hash_compat=nft clusterip_hash=sourceip host_port=tap:vsx lcores=0-1
expect_rc 0 "valid PCI-less vdev" validate-all nic=net_af_xdp0,iface=data
expect_rc 6 "missing ip" validate-all ip=
expect_rc 6 "bad ip" validate-all ip=300.1.1.1
for ip in 0.1.2.3 127.0.0.1 224.0.0.1 239.1.1.1 240.0.0.1 255.255.255.255; do
	expect_rc 6 "not a unicast host address" validate-all ip=$ip
done
expect_rc 6 "nft with a port mode" validate-all hash_compat=nft clusterip_hash=sourceip-sourceport
expect_rc 0 "nft, mode not given" validate-all hash_compat=nft
expect_rc 0 "nft with sourceip" validate-all hash_compat=nft clusterip_hash=sourceip
expect_rc 6 "bad cidr_netmask" validate-all cidr_netmask=33
expect_rc 6 "bad cidr_netmask" validate-all cidr_netmask=x
expect_rc 6 "missing nic" validate-all nic=
expect_rc 6 "bad nic" validate-all "nic=eth0"
expect_rc 6 "PCI nic with --no-pci" validate-all nic=0000:03:00.0
expect_rc 6 "bad clusterip_hash" validate-all clusterip_hash=destip
expect_rc 6 "unicast mac" validate-all mac=00:11:22:33:44:55
expect_rc 6 "bad mac" validate-all mac=01:00:5e:28:64
expect_rc 6 "hash_init > 32 bits" validate-all hash_init=0x123456789
expect_rc 6 "hash_init > 32 bits" validate-all hash_init=4294967296
expect_rc 6 "bad hash_init" validate-all hash_init=abc
expect_rc 6 "bad hash_compat" validate-all hash_compat=xt_cluster
expect_rc 6 "bad lcores" validate-all lcores=a
expect_rc 6 "eal_args with --file-prefix" validate-all "eal_args=--no-huge --file-prefix x"
expect_rc 6 "eal_args with -l" validate-all "eal_args=-l 3"
expect_rc 6 "eal_args with shell" validate-all "eal_args=--no-huge;reboot"
expect_rc 6 "bad host_port" validate-all host_port=tun:x
expect_rc 6 "host_port name too long" validate-all host_port=tap:abcdefghijklmnop
expect_rc 6 "host_port vnet name too long" validate-all host_port=vnet:abcdefghijklmnop
expect_rc 0 "host_port vnet" validate-all host_port=vnet:vsx
expect_rc 0 "host_port net_tap" validate-all host_port=net_tap
expect_rc 6 "relative log_file" validate-all log_file=data.log
expect_rc 6 "log_file a directory" validate-all log_file=/var/log/
expect_rc 6 "log_file with a blank" validate-all "log_file=/var/log/a b.log"
expect_rc 0 "log_file elsewhere" validate-all log_file=/var/log/vs/data.log
expect_rc 6 "bad idle_sleep" validate-all idle_sleep=-1
expect_rc 6 "idle_sleep too large" validate-all idle_sleep=1000001
INST=ClusterIP:0 CLONE=0 CLONE_MAX=65 expect_rc 6 "clone-max 65" validate-all
expect_rc 5 "missing daemon" validate-all daemon=/nonexistent/dpdk-vipshare
expect_rc 5 "missing ctl" validate-all ctl=/nonexistent/vipshare-ctl
expect_rc 5 "missing interface" validate-all nic=net_af_packet0,iface=nope
expect_rc 5 "missing PCI device" validate-all nic=0000:ff:1f.7 eal_args=
expect_rc 5 "start without the daemon binary" start daemon=/nonexistent/dpdk-vipshare
INTERVAL=0 expect_rc 7 "probe without binaries" monitor daemon=/nonexistent/x ctl=/nonexistent/y
expect_rc 3 "unknown action" frobnicate
# what the daemon refuses, validate-all refuses (its --check)
expect_rc 6 "broadcast mac" validate-all mac=ff:ff:ff:ff:ff:ff
expect_rc 6 "bad igmp" validate-all igmp=bogus
expect_rc 6 "bad igmp_interval" validate-all igmp_interval=0
expect_rc 6 "daemon_args: bad value" validate-all "daemon_args=--burst 0"
expect_rc 6 "daemon_args: unknown option" validate-all "daemon_args=--bogus"
expect_rc 6 "daemon_args: the agent's own" validate-all "daemon_args=--vip 10.1.1.1"
expect_rc 6 "daemon_args: --replay" validate-all "daemon_args=--replay"
grep -q "invalid --burst '0'" "$VSP_TMP/agent.log" || fail "the daemon's reason is not logged"
# lcores: a range backwards is a mistake, a CPU this machine lacks is not
# installed here
expect_rc 6 "lcores 2-1" validate-all lcores=2-1
expect_rc 6 "lcores 1-2-3" validate-all lcores=1-2-3
expect_rc 5 "lcores beyond the CPUs" validate-all lcores=0,4095
# the clone: instance K of clone-max, clone-node-max within it, globally
# unique
INST=ClusterIP:3 CLONE=3 CLONE_MAX=3 expect_rc 6 "clone 3 of clone-max 3" validate-all
INST=ClusterIP:0 CLONE=0 CLONE_MAX=3 expect_rc 6 "clone-node-max 4 > clone-max 3" \
	validate-all CRM_meta_clone_node_max=4
INST=ClusterIP:0 CLONE=0 CLONE_MAX=3 expect_rc 6 "globally-unique=false" \
	validate-all CRM_meta_globally_unique=false
INST=ClusterIP:0 CLONE=0 CLONE_MAX=3 expect_rc 0 "clone-node-max 3, globally unique" \
	validate-all CRM_meta_clone_node_max=3 CRM_meta_globally_unique=true
# IPaddr2's parameters a migrated CIB carries: accepted, each logged as
# ignored with its reason; those that would change the resource refused
: > "$VSP_TMP/agent.log"
expect_rc 0 "IPaddr2's parameters" validate-all arp_interval=300 arp_count=5 \
	arp_count_refresh=1 arp_bg=true arp_sender=send_arp send_arp_opts=-A \
	iflabel=web broadcast=+ unique_clone_address=false lvs_support=false \
	flush_routes=true run_arping=false nodad=false noprefixroute=false \
	preferred_lft=forever lvs_ipv6_addrlabel=false lvs_ipv6_addrlabel_value=99
for p in arp_interval arp_count_refresh arp_bg arp_sender send_arp_opts iflabel \
	 broadcast flush_routes run_arping nodad noprefixroute preferred_lft \
	 lvs_ipv6_addrlabel lvs_ipv6_addrlabel_value; do
	grep -q "IPaddr2 parameter $p=.* ignored: ." "$VSP_TMP/agent.log" ||
		fail "IPaddr2's $p not logged as ignored"
done
expect_rc 0 "arp_count beyond 100" validate-all arp_count=1000
expect_rc 6 "bad arp_count" validate-all arp_count=x
expect_rc 6 "unique_clone_address=true" validate-all unique_clone_address=true
expect_rc 6 "lvs_support=true" validate-all lvs_support=true
expect_rc 6 "network_namespace" validate-all network_namespace=ns1

# ---------------------------------------------------------------- 3
log "three instances started at once"
for k in 0 1 2; do
	INTERVAL=0 inst $k monitor; rc=$?
	[ $rc = 7 ] || fail "probe of ClusterIP:$k before start: rc $rc"
done
T0=$(date +%s.%N)
pids=()
for k in 0 1 2; do inst $k start & pids+=($!); done
for k in 0 1 2; do wait "${pids[$k]}" || fail "start of ClusterIP:$k failed"; done
log "started in $(elapsed_since "$T0") s"
[ "$(n_daemons)" = 1 ] || fail "$(n_daemons) daemons for one VIP"
[ "$(held t1)" = "1,2,3" ] || fail "daemon holds $(held t1), expected 1,2,3"
tap_has_vip || fail "VIP not on vs0"
pid=$(daemon_pid_of t1) || fail "no pidfile /run/vipshare/$VSP_NIC.pid"
tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "--idle-sleep 100" || fail "idle_sleep not passed"
# igmp, igmp_interval and daemon_args before the VIP (the announcement
# options between them), arp_count as its --garp
tr '\0' ' ' < "/proc/$pid/cmdline" |
	grep -q -- "--igmp report --igmp-interval 30 .*--stats-interval 60 --vip $VIP/24 .*--garp 2" ||
	fail "igmp, igmp_interval, daemon_args or arp_count not passed: $(tr '\0' ' ' < "/proc/$pid/cmdline")"
in_node t1 "$VS_CTL" --file-prefix "vipshare-$VSP_NIC" status | grep -q "CLUSTERIP nodes=1,2,3 total_nodes=3 hashmode=sourceip-sourceport " ||
	fail "status line"
for k in 0 1 2; do
	inst $k monitor || fail "monitor of ClusterIP:$k after start"
	INTERVAL=0 inst $k monitor || fail "probe of ClusterIP:$k after start"
	inst $k start || fail "second start of ClusterIP:$k"
done
[ "$(held t1)" = "1,2,3" ] || fail "repeated starts changed the set: $(held t1)"

log "reload-agent: reloadable parameters change, the daemon stays"
: > "$VSP_TMP/agent.log"
for k in 0 1 2; do
	inst $k reload-agent on_duplicate=fail drain_timeout=5 arp_count=7 iflabel=x ||
		fail "reload-agent of ClusterIP:$k"
done
inst 0 reload drain_timeout=5 || fail "reload (the pre-OCF-1.1 name)"
[ "$(daemon_pid_of t1)" = "$pid" ] || fail "reload-agent restarted the daemon"
[ "$(held t1)" = "1,2,3" ] || fail "reload-agent changed the set: $(held t1)"
grep -q "node 2 reloaded (dpdk-vipshare PID $pid unchanged): on_duplicate=fail drain_timeout=5" \
	"$VSP_TMP/agent.log" || fail "reload-agent: the new values not logged"
expect_rc 6 "reload-agent with a bad drain_timeout" reload-agent drain_timeout=x
expect_rc 6 "reload-agent with unique_clone_address=true" reload-agent unique_clone_address=true
[ "$(daemon_pid_of t1)" = "$pid" ] || fail "a refused reload-agent touched the daemon"

log "on_duplicate: another machine holds the same numbers and wins the tie-break"
# A twin of the daemon (its announcements under the identity
# 00:00:00:00:00:01, lower than any NIC's) for 4 s from the other end of
# the veth: numbers 1,2,3 are duplicates the daemon yields.
dup_monitor() { # dup_monitor MODE SECONDS WANT: ClusterIP:0's monitor rc is WANT within SECONDS
	local end=$((SECONDS + $2)) rc
	while :; do
		inst 0 monitor on_duplicate="$1"; rc=$?
		[ "$rc" = "$3" ] || [ $SECONDS -ge $end ] && break
		sleep 0.2
	done
	echo "$rc"
}
ip netns exec "$NS" python3 "$(dirname "$0")/../netns/announce_inject.py" \
	peer twin 20 >"$VSP_TMP/twin.out" 2>&1 &
twin=$!
# the injector's python3 takes seconds to start on a loaded machine: the
# monitor's 3 s count from the twin's first announcement, not from its start
twin_heard() {
	in_node t1 timeout 5 "$VS_CTL" --file-prefix "vipshare-$VSP_NIC" --vip "$VIP" coverage 2>/dev/null |
		grep -q '"id": "00:00:00:00:00:01"'
}
wait_for 30 twin_heard || fail "the twin's announcements never reached the daemon: $(cat "$VSP_TMP/twin.out")"
rc=$(dup_monitor fail 3 1)
[ "$rc" = 1 ] || fail "on_duplicate=fail: monitor rc $rc while a twin wins the tie-break, expected 1"
grep -q "which wins the tie-break: failing this instance" "$VSP_TMP/agent.log" ||
	fail "on_duplicate=fail: no reason logged"
inst 0 monitor on_duplicate=warn || fail "on_duplicate=warn: the monitor failed on a duplicate"
grep -q "on_duplicate=warn: only warning" "$VSP_TMP/agent.log" ||
	fail "on_duplicate=warn: no warning logged"
wait "$twin" || fail "twin injector: $(cat "$VSP_TMP/twin.out")"
# its announcements stopped: gone after 3 intervals, nothing to yield
rc=$(dup_monitor fail 3 0)
[ "$rc" = 0 ] || fail "on_duplicate=fail: monitor rc $rc after the twin went, expected 0"
[ "$(held t1)" = "1,2,3" ] || fail "the daemon holds $(held t1) after the twin: a number adopted or dropped"

log "stop one instance"
inst 1 stop || fail "stop of ClusterIP:1"
[ "$(held t1)" = "1,3" ] || fail "after stop of ClusterIP:1 the daemon holds $(held t1)"
inst 1 monitor; rc=$?
[ $rc = 7 ] || fail "monitor of the stopped ClusterIP:1: rc $rc"
inst 0 monitor || fail "ClusterIP:0 lost"
[ "$(daemon_pid_of t1)" = "$pid" ] || fail "the daemon was restarted"
inst 1 stop || fail "stop of a stopped instance"
tap_has_vip || fail "VIP left vs0 while numbers remain"

log "an instance started with another clone-max is refused"
INST=ClusterIP:1 CLONE=1 CLONE_MAX=2 ra start; rc=$?
[ $rc = 1 ] || fail "start with clone-max 2 against a 3-node daemon: rc $rc"
[ "$(held t1)" = "1,3" ] || fail "refused start changed the set"

log "a lost VIP is a monitor failure"
in_node t1 ip addr del "$VIP/24" dev vs0 || fail "ip addr del"
inst 0 monitor; rc=$?
[ $rc = 1 ] || fail "monitor without the VIP on vs0: rc $rc"
in_node t1 ip addr add "$VIP/24" dev vs0

log "last stops at once"
T0=$(date +%s.%N)
inst 0 stop & p0=$!
inst 2 stop & p2=$!
wait $p0 || fail "stop ClusterIP:0"
wait $p2 || fail "stop ClusterIP:2"
log "stopped in $(elapsed_since "$T0") s"
pid_alive "$pid" && fail "daemon $pid still alive after the last stop"
[ "$(n_daemons)" = 0 ] || fail "a daemon survived the last stop"
in_node t1 ip link show vs0 >/dev/null 2>&1 && fail "vs0 still exists"
for k in 0 1 2; do
	inst $k monitor; rc=$?
	[ $rc = 7 ] || fail "monitor of ClusterIP:$k after the last stop: rc $rc"
done

log "daemon killed -9"
inst 2 start || fail "start ClusterIP:2"
[ "$(held t1)" = "3" ] || fail "first instance ClusterIP:2 should start with 3, got $(held t1)"
pid=$(daemon_pid_of t1)
kill -KILL "$pid"
for ((i = 0; i < 30; i++)); do pid_alive "$pid" || break; sleep 0.1; done
inst 2 monitor; rc=$?
[ $rc = 7 ] || fail "monitor after kill -9: rc $rc"
inst 2 stop || fail "stop after kill -9"
inst 2 start || fail "restart after kill -9"
inst 2 monitor || fail "monitor after restart"
inst 2 stop || fail "final stop"
[ "$(n_daemons)" = 0 ] || fail "daemon left"

log "non-clone use: node 1 of 1"
ra start || fail "primitive start"
[ "$(held t1)" = "1" ] || fail "primitive holds $(held t1)"
ra monitor || fail "primitive monitor"
ra stop || fail "primitive stop"
[ "$(n_daemons)" = 0 ] || fail "daemon left"

# ---------------------------------------------------------------- 4
VIP2=10.251.0.101
# inst2 K ACTION: clone instance K of 2 of the second VIP's resource
inst2() {
	local k=$1
	shift
	INST=ClusterIP2:$k CLONE=$k CLONE_MAX=2 ra "$@" ip=$VIP2 cidr_netmask=16 \
		clusterip_hash=sourceip hash_init=0x2a
}
vips_line() { in_node t1 "$VS_CTL" --file-prefix "vipshare-$VSP_NIC" vips 2>/dev/null | grep "^$1/"; }
tap_has() { in_node t1 ip -o -4 addr show dev vs0 2>/dev/null | grep -q " inet $1/"; }

log "two VIPs, five instances started at once"
T0=$(date +%s.%N)
pids=()
for k in 0 1 2; do inst $k start & pids+=($!); done
for k in 0 1; do inst2 $k start & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || fail "a start failed"; done
log "started in $(elapsed_since "$T0") s"
[ "$(n_daemons)" = 1 ] || fail "$(n_daemons) daemons for the NIC"
[ "$(held t1)" = "1,2,3" ] || fail "$VIP: $(held t1), expected 1,2,3"
[ "$(held t1 $VIP2)" = "1,2" ] || fail "$VIP2: $(held t1 $VIP2), expected 1,2"
vips_line $VIP2 | grep -q "^$VIP2/16 nodes=1,2 total_nodes=2 hashmode=sourceip hash_init=42 " ||
	fail "settings of $VIP2: $(vips_line $VIP2)"
vips_line $VIP | grep -q "^$VIP/24 nodes=1,2,3 total_nodes=3 hashmode=sourceip-sourceport " ||
	fail "settings of $VIP: $(vips_line $VIP)"
tap_has $VIP && tap_has $VIP2 || fail "both VIPs on vs0"
pid=$(daemon_pid_of t1)
for k in 0 1 2; do inst $k monitor || fail "monitor ClusterIP:$k"; done
for k in 0 1; do inst2 $k monitor || fail "monitor ClusterIP2:$k"; done
INST=ClusterIP2:1 CLONE=1 CLONE_MAX=3 ra start ip=$VIP2 cidr_netmask=16; rc=$?
[ $rc = 1 ] || fail "start of $VIP2 with clone-max 3 against N=2: rc $rc"

log "the last instances of $VIP2 stop: $VIP2 goes, $VIP stays"
inst2 0 stop & p0=$!
inst 1 stop & p1=$!
wait $p0 || fail "stop ClusterIP2:0"
wait $p1 || fail "stop ClusterIP:1"
[ "$(held t1 $VIP2)" = "2" ] || fail "$VIP2 after one stop: $(held t1 $VIP2)"
[ "$(held t1)" = "1,3" ] || fail "$VIP after its stop: $(held t1)"
inst2 1 stop || fail "stop ClusterIP2:1"
[ -z "$(vips_line $VIP2)" ] || fail "$VIP2 still served: $(vips_line $VIP2)"
tap_has $VIP2 && fail "$VIP2 still on vs0"
tap_has $VIP || fail "$VIP left vs0 with $VIP2"
[ "$(held t1)" = "1,3" ] || fail "$VIP changed by $VIP2's stop: $(held t1)"
[ "$(daemon_pid_of t1)" = "$pid" ] || fail "the daemon was restarted"
for k in 0 1; do
	inst2 $k monitor; rc=$?
	[ $rc = 7 ] || fail "monitor of the stopped ClusterIP2:$k: rc $rc"
done
inst 0 monitor || fail "ClusterIP:0 lost"

log "$VIP2 back, then every stop at once"
inst2 1 start || fail "ClusterIP2:1 start again"
[ "$(held t1 $VIP2)" = "2" ] || fail "$VIP2 after restart: $(held t1 $VIP2)"
pids=()
for k in 0 2; do inst $k stop & pids+=($!); done
inst2 1 stop & pids+=($!)
for p in "${pids[@]}"; do wait "$p" || fail "a stop failed"; done
pid_alive "$pid" && fail "daemon $pid alive after the last stop"
[ "$(n_daemons)" = 0 ] || fail "a daemon survived"

log "a daemon of the previous agent is refused"
in_node t1 mkdir -p /run/vipshare
in_node t1 setsid bash -c 'sleep 60; :' "--file-prefix=vipshare-$VIP" x \
	</dev/null >/dev/null 2>&1 &
for ((i = 0; i < 30; i++)); do
	old=$(ns_pids "$NS" | while read -r p; do
		tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q -- "--file-prefix=vipshare-$VIP " && echo "$p"
	done | head -1)
	[ -n "$old" ] && break
	sleep 0.1
done
[ -n "$old" ] || fail "no stand-in for the old daemon"
in_node t1 sh -c "echo $old > /run/vipshare/$VIP.pid"
inst 0 start; rc=$?
[ $rc = 1 ] || fail "start next to an old per-VIP daemon: rc $rc"
grep -q "previous agent" "$VSP_TMP/agent.log" || fail "no reason given for the old daemon"
kill_pid "$old" 2
in_node t1 rm -f "/run/vipshare/$VIP.pid"
inst 0 start || fail "start once the old daemon is gone"
inst 0 stop || fail "stop"
[ "$(n_daemons)" = 0 ] || fail "daemon left"

# ---------------------------------------------------------------- 5
log "drain_timeout: a stop drains; the daemon exits once the drain ended"
WHICH=$(dirname "$VS_CTL")/vipshare-which
# a connection to the VIP held by the host: its server socket's peer
# (VIP, SPORT) hashes to number 1 (sourceip-sourceport, 3 numbers)
sport=$(for p in $(seq 30000 30200); do echo "$VIP $p"; done |
	"$WHICH" --total-nodes 3 --hashmode sourceip-sourceport |
	paste -d' ' <(seq 30000 30200) - | awk '$2 == 1 {print $1; exit}')
[ -n "$sport" ] || fail "no source port of number 1"
inst 0 start drain_timeout=30 || fail "start with drain_timeout"
pid=$(daemon_pid_of t1) || fail "no daemon"
rm -f "$VSP_TMP/conn.stop"
in_node t1 python3 - "$VIP" "$sport" "$VSP_TMP/conn.stop" <<'EOF2' &
import os, socket, sys, time
vip, sport, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((vip, 8080)); srv.listen(1)
c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
c.bind((vip, sport)); c.connect((vip, 8080))
s, _ = srv.accept()
print("connected", flush=True)
t_end = time.time() + 60
while not os.path.exists(stop) and time.time() < t_end:
    time.sleep(0.1)
c.close(); s.recv(1); s.close(); srv.close()
EOF2
conn=$!
sleep 1.5
T0=$(date +%s.%N)
inst 0 stop drain_timeout=30 || fail "stop with drain_timeout"
dt=$(elapsed_since "$T0")
log "stop returned after $dt s"
awk -v t="$dt" 'BEGIN { exit !(t < 5) }' || fail "stop took $dt s"
pid_alive "$pid" || fail "the daemon exited with a drain in progress"
vips_line $VIP | grep -q " draining=1" || fail "number 1 not draining: $(vips_line $VIP)"
inst 0 monitor; rc=$?
[ $rc = 7 ] || fail "monitor of the drained instance: rc $rc"
sleep 3
pid_alive "$pid" || fail "the daemon exited while its connection lived"
T0=$(date +%s.%N)
touch "$VSP_TMP/conn.stop"
wait "$conn"
for ((i = 0; i < 100; i++)); do
	pid_alive "$pid" || break
	sleep 0.1
done
log "the daemon exited $(elapsed_since "$T0") s after the connection closed"
pid_alive "$pid" && fail "daemon $pid alive 10 s after its drain could end"
[ "$(n_daemons)" = 0 ] || fail "daemon left after the drain"

# ---------------------------------------------------------------- 6
log "the daemon's log: persistent path, stamps, appended, rotated"
LOGF=$VSP_TMP/t1/log/dpdk-vipshare/$VSP_NIC.log   # the node's /var/log
STAMP='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}'
in_node t1 test -f "/var/log/dpdk-vipshare/$VSP_NIC.log" || fail "no /var/log/dpdk-vipshare/$VSP_NIC.log in the node"
in_node t1 sh -c 'ls /run/vipshare/*.log' >/dev/null 2>&1 && fail "a log under /run/vipshare"
# the earlier runs of this script are in it already: count its starts
n0=$(grep -c '^=== .* start by ' "$LOGF")
[ "$n0" -ge 5 ] || fail "$n0 starts in the log, the sections above made more"
s0=$(stat -c %s "$LOGF")
# stamps of this run must fall between these two times (whole seconds)
t_lo=$(date +%s)
inst 0 start "daemon_args=--stats-interval 1" || fail "start for the log"
pid=$(daemon_pid_of t1) || fail "no daemon"
has_stats() { tail -c +$((s0 + 1)) "$LOGF" | grep -Eq "^$STAMP stats: "; }
wait_for 10 has_stats || fail "no stamped stats line: $(tail -c +$((s0 + 1)) "$LOGF" | tail -n 3)"
inst 0 stop || fail "stop for the log"
t_hi=$(date +%s)
pid_alive "$pid" && fail "daemon alive after the last stop"
run1=$VSP_TMP/run1.log
tail -c +$((s0 + 1)) "$LOGF" > "$run1"
grep -Eq "^=== $STAMP start by ClusterIP:0: " "$run1" || fail "no stamped start line"
grep -Eq "^=== $STAMP started by ClusterIP:0 \(PID $pid\)$" "$run1" || fail "no stamped started line with PID $pid"
grep -Eq "^=== $STAMP stopped by ClusterIP:0 \(PID $pid\)$" "$run1" || fail "no stamped stop line with PID $pid"
grep -Eq "^$STAMP dpdk-vipshare: " "$run1" || fail "no stamped line of the daemon"
# every line stamped: the daemon's, the EAL's and the agent's, but the
# daemon's start banner on standard output (its summary and one status
# line per VIP, unstamped as its --replay JSON is), which follows the
# agent's stamped start line
BANNER='^(dpdk-vipshare: [0-9]+ VIPs?, NIC port |VIP [0-9.]+/[0-9]+ )'
unstamped() { grep -Ev "^(=== )?$STAMP " "$1" | grep -Ev "$BANNER"; }
bad=$(unstamped "$run1" | wc -l)
[ "$bad" = 0 ] || fail "$bad lines without a stamp: $(unstamped "$run1" | head -n 3)"
[ "$(grep -Ec "$BANNER" "$run1")" = 2 ] || fail "not one banner of 2 lines: $(grep -E "$BANNER" "$run1")"
# the stamps are this run's time, read by date(1), not the daemon
nst=0
while read -r st; do
	e=$(date -d "$st" +%s) || fail "date cannot read the stamp $st"
	[ "$e" -ge "$t_lo" ] && [ "$e" -le "$t_hi" ] || fail "stamp $st outside the run ($t_lo..$t_hi)"
	nst=$((nst + 1))
done < <(grep -Eo "^(=== )?$STAMP" "$run1" | sed 's/^=== //')
log "run 1: $(wc -l < "$run1") lines, $nst stamps within the run's $((t_hi - t_lo + 1)) s"

# stop, start: appended, not truncated
cp "$LOGF" "$VSP_TMP/before.log"
s1=$(stat -c %s "$LOGF")
inst 0 start "daemon_args=--stats-interval 1" || fail "second start for the log"
pid2=$(daemon_pid_of t1) || fail "no daemon"
[ "$pid2" != "$pid" ] || fail "the same daemon PID $pid after a stop"
cmp -s -n "$s1" "$LOGF" "$VSP_TMP/before.log" || fail "the log's first $s1 bytes changed at the start"
[ "$(stat -c %s "$LOGF")" -gt "$s1" ] || fail "nothing appended by the start"
tail -c +$((s1 + 1)) "$LOGF" | grep -Eq "^=== $STAMP started by ClusterIP:0 \(PID $pid2\)$" ||
	fail "the second start is not after the first run"
[ "$(grep -c '^=== .* start by ' "$LOGF")" = $((n0 + 2)) ] || fail "starts in the log: $(grep -c '^=== .* start by ' "$LOGF"), expected $((n0 + 2))"
log "stop/start: $s1 bytes kept, the new run appended"

# the package's logrotate file, forced, while the daemon writes
LR=$(dirname "$0")/../../debian/dpdk-vipshare.logrotate
[ -f "$LR" ] || fail "no $LR"
s2=$(stat -c %s "$LOGF")
in_node t1 logrotate -f -s "$VSP_TMP/logrotate.state" "$(realpath "$LR")" >"$VSP_TMP/logrotate.out" 2>&1 ||
	fail "logrotate: $(cat "$VSP_TMP/logrotate.out")"
[ -f "$LOGF.1" ] || fail "logrotate made no $LOGF.1"
cmp -s -n "$s1" "$LOGF.1" "$VSP_TMP/before.log" && [ "$(stat -c %s "$LOGF.1")" -ge "$s2" ] ||
	fail "$LOGF.1 is not the log as it was"
s3=$(stat -c %s "$LOGF")
more_stats() { [ "$(grep -Ec "^$STAMP stats: " "$LOGF")" -ge 2 ]; }
wait_for 10 more_stats || fail "the daemon stopped writing after the rotation"
# copytruncate and an O_APPEND descriptor: the writes start at 0 again, no
# hole of the old size filled with zeros
[ "$(tr -d '\000' < "$LOGF" | wc -c)" = "$(stat -c %s "$LOGF")" ] || fail "NUL bytes in the rotated log"
[ "$(stat -c %s "$LOGF")" -lt "$s2" ] || fail "the log did not shrink: $(stat -c %s "$LOGF") >= $s2"
bad=$(unstamped "$LOGF" | wc -l)
[ "$bad" = 0 ] || fail "$bad lines without a stamp after the rotation: $(unstamped "$LOGF" | head -n 3)"
inst 0 stop || fail "stop after the rotation"
pid_alive "$pid2" && fail "daemon alive after the stop"
log "logrotate: $s2 bytes to $VSP_NIC.log.1 (${s3} left), the daemon wrote on from 0 ($(stat -c %s "$LOGF") bytes)"
[ "$(n_daemons)" = 0 ] || fail "daemon left"

log "PASS"
