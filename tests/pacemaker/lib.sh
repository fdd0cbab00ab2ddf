# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers of the pacemaker suite (sourced by bash scripts).
#
# A "node" is a network namespace plus a holder process (sleep) with its own
# mount and UTS namespaces: /run and /dev/shm are fresh tmpfs, Pacemaker's and
# Corosync's state and the whole /var/log are bind-mounted per node, so each
# node has its own /run/vipshare, /var/run/dpdk and /var/log/dpdk-vipshare
# (the agent's default log_file), and nothing is left on the machine's. Everything runs inside through
# `nsenter -t HOLDER -m -u -n`. Cleanup (trap EXIT): processes by PID,
# namespaces, the temporary directory; mounts die with their namespace.

set -u
export LC_ALL=C

VSP_AGENT_DIR=/usr/lib/ocf/resource.d/vipshare
VSP_AGENT_PATH=$VSP_AGENT_DIR/dpdk-vipshare
VSP_T0=$(date +%s.%N)

VSP_NETNS=()            # namespaces to delete
declare -A VSP_HOLDER   # node name -> holder PID
VSP_PIDS=()             # other processes we started (host side)
VSP_TMP=""
VSP_AGENT_BACKUP=""
VSP_AGENT_INSTALLED=0
VSP_CLEANING=0

log() { printf '[%6.1fs] %s\n' "$(echo "$(date +%s.%N) - $VSP_T0" | bc)" "$*"; }
fail() { log "FAIL: $*"; exit 1; }
elapsed_since() { echo "$(date +%s.%N) - $1" | bc; }

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || fail "missing command: $c"
	done
}

# wait_for SECONDS CMD...: poll every 0.25 s, bounded.
wait_for() {
	local t=$1 end
	shift
	end=$(( $(date +%s%N) + t * 1000000000 ))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.25
	done
	"$@" >/dev/null 2>&1
}

vsp_init() {
	local name=$1
	[ "$(id -u)" = 0 ] || fail "must run as root"
	need ip ethtool nsenter unshare setsid timeout bc python3 flock
	VSP_TMP=$(mktemp -d "/tmp/vsp-$name.XXXXXX")
	chmod 755 "$VSP_TMP"
	trap vsp_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Install the agent where Pacemaker looks; restore what was there at exit.
install_agent() {
	local src=$1
	[ -f "$src" ] || fail "agent $src missing"
	mkdir -p "$VSP_AGENT_DIR"
	if [ -e "$VSP_AGENT_PATH" ] && [ -z "$VSP_AGENT_BACKUP" ]; then
		VSP_AGENT_BACKUP="$VSP_TMP/agent.backup"
		cp -p "$VSP_AGENT_PATH" "$VSP_AGENT_BACKUP"
	fi
	install -m 755 "$src" "$VSP_AGENT_PATH"
	VSP_AGENT_INSTALLED=1
}

# pid_alive PID: exists and is not a zombie (an exited daemon stays a zombie
# until its adoptive parent reaps it).
pid_alive() {
	local st
	[ -n "${1:-}" ] || return 1
	{ read -r st < "/proc/$1/stat"; } 2>/dev/null || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# Kill one PID (TERM, wait up to $2 s, KILL). Only PIDs we know.
kill_pid() {
	local pid=$1 t=${2:-5} i
	pid_alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < t * 10; i++)); do
		pid_alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	sleep 0.1
}

# The PIDs of the processes inside netns $1 (excluding none: the caller
# decides), via `ip netns pids`.
ns_pids() { ip netns pids "$1" 2>/dev/null; }

netns_del() {
	local ns=$1 pid
	ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns" || return 0
	for pid in $(ns_pids "$ns"); do kill -TERM "$pid" 2>/dev/null; done
	sleep 0.3
	for pid in $(ns_pids "$ns"); do kill -KILL "$pid" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
}

netns_add() {
	local ns=$1
	netns_del "$ns"     # a leftover of an interrupted run
	ip netns add "$ns" || fail "ip netns add $ns"
	VSP_NETNS+=("$ns")
	ip -n "$ns" link set lo up
}

vsp_cleanup() {
	local rc=$? n pid ns
	[ "$VSP_CLEANING" = 1 ] && return
	VSP_CLEANING=1
	trap - INT TERM
	# Pacemaker first: it stops the resources (the daemons) itself.
	for n in "${!VSP_HOLDER[@]}"; do
		pid=$(node_pid "$n" pacemakerd)
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	for n in "${!VSP_HOLDER[@]}"; do
		pid=$(node_pid "$n" pacemakerd)
		[ -n "$pid" ] && kill_pid "$pid" 30
	done
	for n in "${!VSP_HOLDER[@]}"; do
		pid=$(node_pid "$n" corosync)
		[ -n "$pid" ] && kill_pid "$pid" 10
	done
	# Daemons the agent left (by their pidfiles), then anything else.
	for n in "${!VSP_HOLDER[@]}"; do
		for pid in $(cat "/proc/${VSP_HOLDER[$n]}/root/run/vipshare/"*.pid 2>/dev/null); do
			kill_pid "$pid" 5
		done
	done
	for pid in "${VSP_PIDS[@]}"; do kill_pid "$pid" 3; done
	for ns in "${VSP_NETNS[@]}"; do netns_del "$ns"; done
	for n in "${!VSP_HOLDER[@]}"; do kill_pid "${VSP_HOLDER[$n]}" 2; done
	if [ "$VSP_AGENT_INSTALLED" = 1 ]; then
		if [ -n "$VSP_AGENT_BACKUP" ]; then
			cp -p "$VSP_AGENT_BACKUP" "$VSP_AGENT_PATH"
		else
			rm -f "$VSP_AGENT_PATH"
			rmdir "$VSP_AGENT_DIR" 2>/dev/null
		fi
	fi
	if [ -n "$VSP_TMP" ] && [ -d "$VSP_TMP" ]; then
		if [ $rc -ne 0 ] && [ -z "${VSP_KEEP_LOGS:-}" ]; then
			# show what went wrong before the directory goes
			for f in "$VSP_TMP"/*/log/pacemaker/pacemaker.log; do
				[ -f "$f" ] || continue
				echo "---- tail of $f (errors)"
				grep -E 'error|warning|dpdk-vipshare|vipshare' "$f" | tail -n 25
			done
			for f in "$VSP_TMP"/*/run.log "$VSP_TMP"/*.log; do
				[ -f "$f" ] || continue
				echo "---- tail of $f"; tail -n 15 "$f"
			done
		fi
		if [ -n "${VSP_KEEP_LOGS:-}" ]; then
			echo "logs kept in $VSP_TMP"
		else
			rm -rf "$VSP_TMP"
		fi
	fi
	log "cleanup done (exit $rc)"
	exit $rc
}

# ------------------------------------------------------------ topology

# mk_switch NS: a bridge br0 that floods (no IGMP snooping), no STP delay.
mk_switch() {
	local ns=$1
	netns_add "$ns"
	ip -n "$ns" link add br0 type bridge mcast_snooping 0 stp_state 0 forward_delay 0 ||
		fail "bridge in $ns"
	ip -n "$ns" link set br0 up
}

# plug SWNS SWPORT NODENS IFNAME: a veth from the bridge into a node netns.
plug() {
	local sw=$1 port=$2 ns=$3 ifn=$4
	ip link add "$port" netns "$sw" type veth peer name "$ifn" netns "$ns" ||
		fail "veth $port/$ifn"
	# af_packet hands partial checksums and super-frames over as they come
	ip netns exec "$sw" ethtool -K "$port" tx off tso off >/dev/null 2>&1
	ip netns exec "$ns" ethtool -K "$ifn" tx off tso off >/dev/null 2>&1
	ip -n "$sw" link set "$port" master br0 up
}

# mk_three_nodes SW NSPREFIX CLIENTNS: a switch SW, nodes vsp-n1..3 in netns
# NSPREFIX1..3, each with a "ring" veth (192.168.200.K, corosync) and a
# "data" veth (the daemon's NIC) into the switch, the client CLIENTNS; sets RING
# (NAME:ADDR per node, for corosync_conf).
mk_three_nodes() {
	local sw=$1 pfx=$2 cl=$3 k n ns
	mk_switch "$sw"
	RING=()
	for k in 1 2 3; do
		n=vsp-n$k ns=$pfx$k
		netns_add "$ns"
		plug "$sw" r$k "$ns" ring
		plug "$sw" d$k "$ns" data
		harden_data "$ns" data
		harden_ring "$ns" ring
		ip -n "$ns" addr add 192.168.200.$k/24 dev ring
		ip -n "$ns" link set ring up
		mk_node "$n" "$ns"
		RING+=("$n:192.168.200.$k")
	done
	mk_client "$sw" "$cl"
}

# harden_data NS IF: the kernel of the node must ignore the DPDK-owned veth.
harden_data() {
	local ns=$1 ifn=$2
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 "net.ipv4.conf.$ifn.rp_filter=1" \
		"net.ipv4.conf.$ifn.arp_ignore=8"
	ip -n "$ns" link set "$ifn" arp off up
}

# harden_ring NS IF: another interface on the VIP's LAN must not answer ARP
# for the VIP (which sits on the TAP) with its own MAC.
harden_ring() {
	local ns=$1 ifn=$2
	ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$ifn.arp_ignore=1" \
		"net.ipv4.conf.$ifn.arp_announce=2" "net.ipv4.conf.$ifn.rp_filter=1"
}

# mk_node NAME NETNS: holder with private mount+UTS namespaces, hostname
# NAME, per-node Pacemaker/Corosync state and /var/log ($VSP_TMP/NAME/log),
# tmpfs /run and /dev/shm.
mk_node() {
	local name=$1 ns=$2 d pid i
	d="$VSP_TMP/$name"
	mkdir -p "$d"/{lib-pacemaker/{cib,pengine,blackbox,cores},lib-corosync,log/{pacemaker,corosync}}
	chown -R hacluster:haclient "$d"/lib-pacemaker "$d"/log/pacemaker
	chmod 750 "$d"/lib-pacemaker/* "$d"/lib-pacemaker
	ip netns exec "$ns" unshare --mount --uts --propagation private sleep infinity \
		</dev/null >/dev/null 2>&1 &
	pid=$!
	VSP_HOLDER[$name]=$pid
	for ((i = 0; i < 50; i++)); do
		[ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] &&
		[ "$(readlink "/proc/$pid/ns/uts")" != "$(readlink /proc/self/ns/uts)" ] && break
		sleep 0.1
	done
	[ "$i" -lt 50 ] || fail "holder of $name did not start"
	nsenter -t "$pid" -m -u -n sh -ec "
		hostname $name
		mount -t tmpfs -o mode=755 tmpfs /run
		mkdir -p /run/lock
		mount -t tmpfs -o mode=1777 tmpfs /dev/shm
		mount --bind $d/lib-pacemaker /var/lib/pacemaker
		mount --bind $d/log /var/log
		mount --bind $d/lib-corosync /var/lib/corosync
	" || fail "mounts of $name"
}

# in_node NAME CMD...: run inside the node.
in_node() {
	local name=$1
	shift
	nsenter -t "${VSP_HOLDER[$name]}" -m -u -n -- "$@"
}

# bg_node NAME LOG CMD...: start a long-running process inside the node, in
# its own session; prints its PID.
bg_node() {
	local name=$1 logf=$2
	shift 2
	nsenter -t "${VSP_HOLDER[$name]}" -m -u -n -- setsid "$@" </dev/null >>"$logf" 2>&1 &
	echo $!
}

# node_pid NAME PROG: PID of PROG running in NAME's mount namespace.
node_pid() {
	local name=$1 prog=$2 h pid mnt
	h=${VSP_HOLDER[$name]:-}
	[ -n "$h" ] || return 0
	mnt=$(readlink "/proc/$h/ns/mnt" 2>/dev/null) || return 0
	for pid in $(pgrep -x "$prog" 2>/dev/null); do
		[ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$mnt" ] && { echo "$pid"; return 0; }
	done
}

# ------------------------------------------------------------ cluster

# corosync_conf FILE NAME:ADDR...
corosync_conf() {
	local f=$1 id=1 na
	shift
	{
		echo "totem {"
		echo "  version: 2"
		echo "  cluster_name: vsp"
		echo "  transport: knet"
		echo "  crypto_cipher: none"
		echo "  crypto_hash: none"
		echo "  token: 1000"
		echo "}"
		echo "nodelist {"
		for na in "$@"; do
			echo "  node {"
			echo "    ring0_addr: ${na#*:}"
			echo "    name: ${na%%:*}"
			echo "    nodeid: $id"
			echo "  }"
			id=$((id + 1))
		done
		echo "}"
		echo "quorum {"
		echo "  provider: corosync_votequorum"
		[ $# -eq 1 ] && echo "  expected_votes: 1"
		echo "}"
		echo "logging {"
		echo "  to_logfile: yes"
		echo "  logfile: /var/log/corosync/corosync.log"
		echo "  to_syslog: no"
		echo "  to_stderr: no"
		echo "  timestamp: on"
		echo "}"
	} > "$f"
}

# make_cib FILE MONITOR-INTERVAL: offline CIB with the clone of the agent
# on each node's veth "data" (VIP, VS_DAEMON, VS_CTL; CLONE_MAX /
# CLONE_NODE_MAX).
make_cib() {
	local f=$1 mon=$2
	rm -f "$f"
	CIB_file=$f cibadmin --empty > "$f" 2>/dev/null || fail "cibadmin --empty"
	CIB_file=$f crm_attribute -t crm_config -n stonith-enabled -v false >/dev/null || fail "crm_attribute"
	CIB_file=$f crm_attribute -t crm_config -n dc-deadtime -v 2s >/dev/null
	CIB_file=$f crm_attribute -t crm_config -n cluster-recheck-interval -v 60s >/dev/null
	# 2 cores shared by 3 stacks, 3 daemons and other jobs: no load throttling
	CIB_file=$f crm_attribute -t crm_config -n load-threshold -v 5000% >/dev/null
	pcs -f "$f" resource create ClusterIP ocf:vipshare:dpdk-vipshare ip="$VIP" \
		cidr_netmask=24 nic=net_af_packet0,iface=data \
		clusterip_hash=sourceip-sourceport lcores=0 "eal_args=--no-huge -m 256 --no-pci" \
		idle_sleep=100 "daemon=$VS_DAEMON" "ctl=$VS_CTL" \
		op monitor interval="$mon" timeout=20s >/dev/null ||
		fail "pcs resource create"
	pcs -f "$f" resource clone ClusterIP meta clone-max="${CLONE_MAX:-3}" \
		clone-node-max="${CLONE_NODE_MAX:-3}" globally-unique=true >/dev/null ||
		fail "pcs resource clone"
	# a second VIP on the same NIC (VIP2 set): its own clone, written as
	# the first, with its own N and seed
	[ -n "${VIP2:-}" ] || return 0
	pcs -f "$f" resource create ClusterIP2 ocf:vipshare:dpdk-vipshare ip="$VIP2" \
		cidr_netmask=24 nic=net_af_packet0,iface=data \
		clusterip_hash=sourceip-sourceport hash_init="$VIP2_SEED" lcores=0 \
		"eal_args=--no-huge -m 256 --no-pci" idle_sleep=100 "daemon=$VS_DAEMON" \
		"ctl=$VS_CTL" op monitor interval="$mon" timeout=20s >/dev/null ||
		fail "pcs resource create ClusterIP2"
	pcs -f "$f" resource clone ClusterIP2 meta clone-max="$VIP2_N" \
		clone-node-max="$VIP2_N" globally-unique=true >/dev/null ||
		fail "pcs resource clone ClusterIP2"
}

# start_stack NAME CONF CIB: corosync and pacemakerd inside the node.
start_stack() {
	local name=$1 conf=$2 cib=$3 d
	d="$VSP_TMP/$name"
	install -o hacluster -g haclient -m 600 "$cib" "$d/lib-pacemaker/cib/cib.xml"
	bg_node "$name" "$d/run.log" corosync -f -c "$conf" >/dev/null
}

start_pacemaker() {
	local name=$1
	bg_node "$name" "$VSP_TMP/$name/run.log" pacemakerd >/dev/null
}

quorate() { in_node "$1" corosync-quorumtool -s 2>/dev/null | grep -q '^Quorate:[[:space:]]*Yes'; }

# The agent runs one daemon per NIC; every node's NIC is its veth "data"
# (nic=net_af_packet0,iface=data): file prefix vipshare-data, pidfile
# /run/vipshare/data.pid.
VSP_NIC=data

# held NAME [VIP]: node numbers of VIP (default $VIP) held by NAME's daemon
# ("-" when no daemon or it does not serve the VIP).
held() {
	local out
	out=$(in_node "$1" timeout 5 "$VS_CTL" --file-prefix "vipshare-$VSP_NIC" --vip "${2:-$VIP}" nodes 2>/dev/null) || { echo -; return; }
	echo "${out:--}"
}

daemon_pid_of() {
	local name=$1 pid
	pid=$(cat "/proc/${VSP_HOLDER[$name]}/root/run/vipshare/$VSP_NIC.pid" 2>/dev/null) || return 1
	pid_alive "$pid" && echo "$pid"
}

# started_instances NAME: "ClusterIP:K@node ..." from crm_mon, started ones.
started_instances() {
	in_node "$1" crm_mon -1 -r 2>/dev/null |
		sed -n 's/.*\(ClusterIP:[0-9]*\).*Started \([^ ]*\).*/\1@\2/p' | sort
}

# ------------------------------------------------------------ traffic

CLIENT_IP=192.168.100.1

# mk_client SWNS NS: the client namespace on the bridge.
mk_client() {
	local sw=$1 ns=$2
	netns_add "$ns"
	plug "$sw" swcl "$ns" eth0
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "$ns" addr add "$CLIENT_IP/24" dev eth0
	ip -n "$ns" link set eth0 up
}

# mk_portfile FILE TOTAL [SEED]: "bucket port" lines, source ports of the
# client sorted by the node number they hash to (sourceip-sourceport).
mk_portfile() {
	local f=$1 total=$2 seed=${3:-0}
	seq 20000 23999 | sed "s/^/$CLIENT_IP /" |
		"$VS_WHICH" --total-nodes "$total" --hashmode sourceip-sourceport \
			--hash-init "$seed" > "$VSP_TMP/which.out" ||
		fail "vipshare-which"
	seq 20000 23999 | paste -d' ' "$VSP_TMP/which.out" - > "$f"
	[ "$(wc -l < "$f")" = 4000 ] || fail "port file"
}

# start_server NAME: TCP service on port 80 of the node answering its name.
start_server() {
	local name=$1
	bg_node "$name" "$VSP_TMP/$name/server.log" socat -t10 \
		"TCP-LISTEN:80,fork,reuseaddr,backlog=256" "EXEC:echo $name" >/dev/null
}

# client MODE ARGS...: client.py in the client namespace.
client() {
	local mode=$1
	shift
	ip netns exec "$CLIENT_NS" python3 "$VSP_DIR/client.py" "$mode" "$CLIENT_IP" "$VIP" "$PORTFILE" "$@"
}

# client2 MODE ARGS...: the same for the second VIP.
client2() {
	local mode=$1
	shift
	ip netns exec "$CLIENT_NS" python3 "$VSP_DIR/client.py" "$mode" "$CLIENT_IP" "$VIP2" "$PORTFILE2" "$@"
}
VSP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
