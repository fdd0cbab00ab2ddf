#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# cluster.sh: a dpdk-vipshare cluster in network namespaces (docs/cluster.md).
#
#   cluster.sh up N          switch vsn-sw (bridge br0), client vsn-c
#                            (192.168.100.1/24), nodes vsn-n1..vsn-nN, each
#                            running dpdk-vipshare on its veth nK and a TCP
#                            service on the VIP that answers "nK"
#   cluster.sh down          stop everything, delete the namespaces, the
#                            DPDK runtime dirs and the state dir (idempotent)
#   cluster.sh stop K        stop node K's dpdk-vipshare (its service stays)
#   cluster.sh start K       (re)start node K's dpdk-vipshare, wait for the VIP
#   cluster.sh ctl K ARGS..  vipshare-ctl --file-prefix vsn-nK ARGS..
#   cluster.sh conns B N     client: N connections from source ports B..B+N-1
#                            (prints "SPORT NODE"; summary on stderr)
#   cluster.sh exec NS CMD.. run CMD in namespace vsn-NS (c, sw, n1, ...)
#   cluster.sh status        namespaces, processes, neighbour entry, stats
#
# Environment (read by `up` and remembered for start/stop):
#   VSN_BUILD       build directory with app/dpdk-vipshare (default: build)
#   VSN_PMD         af_xdp (default) | af_packet: the PMD on the node veth
#   VSN_QUEUES      queues on the node veth = dpdk-vipshare workers per node
#                   (default 1; more needs af_packet, which spreads flows
#                   over them by hash)
#   VSN_IDLE_SLEEP  --idle-sleep in microseconds (default 100)
#   VSN_HASHMODE    --hashmode (default sourceip-sourceport)
#   VSN_APP_ARGS    extra dpdk-vipshare options (e.g. "--igmp off")
#   VSN_NODE_ARGS   options of the node(s) `start K` / `up` starts now, after
#                   VSN_APP_ARGS (not remembered: e.g. one node's --hash-init)
#   VSN_SNOOP       1: IGMP snooping bridge with a querier (default 0)
#   VSN_SNOOP_TIMERS  "QUERY_INTERVAL RESPONSE_INTERVAL QUERIER_INTERVAL" in
#                   centiseconds for VSN_SNOOP=1 (default "500 100 1000")
#   VSN_STATE       state directory (default /run/vsn-cluster)
#
# Everything lives in namespaces named vsn-*; no interface or address is
# created outside them. Needs root, iproute2, ethtool, python3.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
STATE=${VSN_STATE:-/run/vsn-cluster}
VIP=192.168.100.100
PREFIX=24
CLIENT_IP=192.168.100.1
NS_SW=vsn-sw
NS_C=vsn-c
MAX_NODES=8

log() { echo "cluster: [${SECONDS}s] $*" >&2; }
die() { log "$*"; exit 1; }

node_ip() { echo "192.168.100.$((10 + $1))"; }

# Load the settings `up` saved, so stop/start K use the same ones.
load_env() {
	if [ -f "$STATE/env" ]; then
		# shellcheck disable=SC1091
		. "$STATE/env"
	fi
	BUILD=${VSN_BUILD:-${BUILD:-build}}
	case "$BUILD" in /*) ;; *) BUILD="$top/$BUILD" ;; esac
	PMD=${VSN_PMD:-${PMD:-af_xdp}}
	QUEUES=${VSN_QUEUES:-${QUEUES:-1}}
	IDLE_SLEEP=${VSN_IDLE_SLEEP:-${IDLE_SLEEP:-100}}
	HASHMODE=${VSN_HASHMODE:-${HASHMODE:-sourceip-sourceport}}
	APP_ARGS=${VSN_APP_ARGS:-${APP_ARGS:-}}
	SNOOP=${VSN_SNOOP:-${SNOOP:-0}}
	SNOOP_TIMERS=${VSN_SNOOP_TIMERS:-${SNOOP_TIMERS:-500 100 1000}}
	NODES=${NODES:-0}
}

save_env() {
	mkdir -p "$STATE"
	{
		printf 'BUILD=%q\nPMD=%q\nIDLE_SLEEP=%q\nHASHMODE=%q\nQUEUES=%q\n' \
			"$BUILD" "$PMD" "$IDLE_SLEEP" "$HASHMODE" "$QUEUES"
		printf 'APP_ARGS=%q\nSNOOP=%q\nSNOOP_TIMERS=%q\nNODES=%q\n' \
			"$APP_ARGS" "$SNOOP" "$SNOOP_TIMERS" "$NODES"
	} >"$STATE/env"
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Alive and not a zombie (whoever reaps orphans here may take its time).
alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# Kill one process we started, by pid: TERM, wait up to $2 s, then KILL.
kill_pid() {
	local pid=$1 wait_s=${2:-5} i
	[ -n "$pid" ] || return 0
	alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < wait_s * 10; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 20; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
}

kill_pidfile() {
	local f=$1 pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f" 2>/dev/null || true)
	kill_pid "$pid" "${2:-5}"
	rm -f "$f"
}

cmd_down() {
	local ns pid f
	load_env
	# our processes first, by their recorded pids
	for f in "$STATE"/*.pid; do
		[ -e "$f" ] || continue
		kill_pidfile "$f" 5
	done
	# anything still running inside our namespaces was started by us
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^vsn-' || true); do
		for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
			kill_pid "$pid" 3
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	for f in /var/run/dpdk/vsn-n*; do
		[ -e "$f" ] && rm -rf "$f"
	done
	rm -rf "$STATE"
	return 0
}

vipshare_pid() { cat "$STATE/n$1.pid" 2>/dev/null || true; }

cmd_stop() {
	local k=$1
	load_env
	kill_pidfile "$STATE/n$k.pid" 10
	rm -rf "/var/run/dpdk/vsn-n$k"
}

# Start node K's dpdk-vipshare and wait until its TAP carries the VIP.
cmd_start() {
	local k=$1 ns="vsn-n$1" vdev pid i cpus lcores
	load_env
	[ -x "$BUILD/app/dpdk-vipshare" ] || die "no $BUILD/app/dpdk-vipshare (build first)"
	pid=$(vipshare_pid "$k")
	if [ -n "$pid" ] && alive "$pid"; then
		log "node $k already running (pid $pid)"
		return 0
	fi
	case "$PMD" in
	af_xdp) vdev="net_af_xdp0,iface=n$k,queue_count=$QUEUES" ;;
	af_packet) vdev="net_af_packet0,iface=n$k,qpairs=$QUEUES" ;;
	*) die "VSN_PMD must be af_xdp or af_packet, not '$PMD'" ;;
	esac
	[[ "$QUEUES" =~ ^[1-8]$ ]] || die "VSN_QUEUES must be 1..8, not '$QUEUES'"
	# DPDK's af_xdp wants "combined" channels, which a veth does not have
	[ "$QUEUES" = 1 ] || [ "$PMD" = af_packet ] ||
		die "VSN_QUEUES > 1 needs VSN_PMD=af_packet (af_xdp on a veth has one queue)"
	# the main lcore and one worker per queue, all free to use every CPU
	cpus="(0-$(( $(nproc) - 1 )))"
	lcores="0@$cpus"
	for ((i = 1; QUEUES > 1 && i <= QUEUES; i++)); do lcores+=",$i@$cpus"; done
	rm -rf "/var/run/dpdk/vsn-n$k"
	# shellcheck disable=SC2086 # APP_ARGS is a list of options
	ip netns exec "$ns" "$BUILD/app/dpdk-vipshare" \
		--lcores "$lcores" --no-huge -m 256 --no-pci \
		--file-prefix "vsn-n$k" --vdev "$vdev" -- \
		--vip "$VIP/$PREFIX" --node "$k/$NODES" --hashmode "$HASHMODE" \
		--idle-sleep "$IDLE_SLEEP" $APP_ARGS ${VSN_NODE_ARGS:-} \
		>>"$STATE/n$k.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$STATE/n$k.pid"
	# up to 60 s: start-up takes ~1 s alone, much longer on a busy machine
	for ((i = 0; i < 600; i++)); do
		if ! alive "$pid"; then
			tail -20 "$STATE/n$k.log" >&2 || true
			die "node $k: dpdk-vipshare exited during start-up"
		fi
		if ip -n "$ns" -4 addr show dev vs0 2>/dev/null | grep -q "inet $VIP/"; then
			break
		fi
		sleep 0.1
	done
	[ "$i" -lt 600 ] || die "node $k: no VIP on vs0 after 60 s"
	# the TAP is new on every start: re-apply what lives on it
	ip -n "$ns" addr add "$(node_ip "$k")/$PREFIX" dev vs0 2>/dev/null || true
	log "node $k up (pid $pid, $PMD)"
}

cmd_up() {
	local n=$1 k ns pids=() rc=0
	if ! [[ "$n" =~ ^[1-9][0-9]*$ ]] || [ "$n" -gt $MAX_NODES ]; then
		die "up: node count must be 1..$MAX_NODES"
	fi
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	for t in ip ethtool python3 sysctl; do
		command -v "$t" >/dev/null || die "missing tool: $t"
	done
	cmd_down
	load_env
	NODES=$n
	[ -x "$BUILD/app/dpdk-vipshare" ] || die "no $BUILD/app/dpdk-vipshare (build first)"
	save_env
	# a failed `up` leaves nothing behind
	trap 'rc=$?; if [ $rc -ne 0 ]; then log "up failed, cleaning up"; cmd_down; fi' EXIT
	trap 'exit 130' INT TERM

	for ns in $NS_SW $NS_C $(for ((k = 1; k <= n; k++)); do echo vsn-n$k; done); do
		ip netns add "$ns"
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
	done

	log "namespaces created"
	# the switch
	if [ "$SNOOP" = 1 ]; then
		read -r qi qri qrint <<<"$SNOOP_TIMERS"
		ip -n $NS_SW link add br0 type bridge stp_state 0 \
			mcast_snooping 1 mcast_querier 1 mcast_igmp_version 2 \
			mcast_query_interval "$qi" mcast_query_response_interval "$qri" \
			mcast_querier_interval "$qrint" \
			mcast_startup_query_interval "$((qi / 4 > 100 ? qi / 4 : 100))"
		# the querier's source address (not reachable from outside)
		ip -n $NS_SW addr add 192.168.100.254/$PREFIX dev br0
	else
		ip -n $NS_SW link add br0 type bridge stp_state 0 mcast_snooping 0
	fi
	ip -n $NS_SW link set br0 up

	# the client
	ip -n $NS_SW link add p-c type veth peer name c0 netns $NS_C
	ip -n $NS_SW link set p-c master br0 up
	ip -n $NS_C addr add $CLIENT_IP/$PREFIX dev c0
	ip -n $NS_C link set c0 up

	# the nodes: a veth without address, hardened (docs/cluster.md)
	for ((k = 1; k <= n; k++)); do
		ns=vsn-n$k
		ip -n $NS_SW link add name "p-n$k" numtxqueues "$QUEUES" numrxqueues "$QUEUES" \
			type veth peer name "n$k" netns "$ns" \
			numtxqueues "$QUEUES" numrxqueues "$QUEUES"
		ip -n $NS_SW link set "p-n$k" master br0 up
		# full checksums and no super-frames towards the node
		nsx $NS_SW ethtool -K "p-n$k" tx off tso off >/dev/null
		ip -n "$ns" link set "n$k" arp off up
		nsx "$ns" sysctl -qw "net.ipv4.conf.n$k.rp_filter=1" \
			net.ipv4.conf.all.rp_filter=1
	done

	# the service, answering with the node name (binds the VIP before it
	# exists: IP_FREEBIND); started first, python is slow on a busy machine
	for ((k = 1; k <= n; k++)); do
		nsx "vsn-n$k" python3 "$here/cluster-tcp.py" serve --bind $VIP \
			--port 80 --name "n$k" --log "$STATE/served$k.log" >>"$STATE/srv$k.log" 2>&1 </dev/null &
		echo $! >"$STATE/srv$k.pid"
	done
	log "topology ready, starting the nodes"
	# dpdk-vipshare on every node, in parallel (start-up ~1 s each)
	for ((k = 1; k <= n; k++)); do
		cmd_start "$k" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || rc=1
	done
	[ $rc -eq 0 ] || die "a node did not start"

	for ((k = 1; k <= n; k++)); do
		for ((i = 0; i < 300; i++)); do
			grep -q serving "$STATE/srv$k.log" 2>/dev/null && break
			sleep 0.1
		done
		grep -q serving "$STATE/srv$k.log" || die "node $k: service did not start"
	done
	trap - EXIT INT TERM
	log "up: $n nodes, VIP $VIP, client $CLIENT_IP in $NS_C, PMD $PMD$([ "$SNOOP" = 1 ] && echo ", IGMP snooping")"
}

cmd_conns() {
	local base=$1 count=$2
	shift 2
	nsx $NS_C python3 "$here/cluster-tcp.py" conns --dst $VIP --port 80 \
		--sport-base "$base" --count "$count" "$@"
}

cmd_ctl() {
	local k=$1
	shift
	load_env
	"$BUILD/app/vipshare-ctl" --file-prefix "vsn-n$k" "$@"
}

cmd_status() {
	local k
	load_env
	ip netns list | grep '^vsn-' || { echo "no cluster"; return 0; }
	ip -n $NS_C neigh show $VIP || true
	for ((k = 1; k <= NODES; k++)); do
		echo "n$k: pid $(vipshare_pid "$k") $(cmd_ctl "$k" status 2>&1 || true)"
		cmd_ctl "$k" stats 2>&1 || true
	done
}

usage() {
	sed -n '4,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
up) [ $# -eq 1 ] || usage; cmd_up "$1" ;;
down) cmd_down ;;
start | stop) [[ "${1:-}" =~ ^[1-9][0-9]*$ ]] || usage; "cmd_$cmd" "$1" ;;
ctl) [ $# -ge 2 ] || usage; cmd_ctl "$@" ;;
conns) [ $# -ge 2 ] || usage; cmd_conns "$@" ;;
exec) [ $# -ge 2 ] || usage; ns=$1; shift; nsx "vsn-$ns" "$@" ;;
status) cmd_status ;;
-h | --help | help) usage ;;
*) usage ;;
esac
