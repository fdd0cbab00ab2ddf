# shellcheck shell=bash
# shellcheck disable=SC2034 # constants for the tests that source this file
# SPDX-License-Identifier: BSD-3-Clause
# Shared by the netns suite's tests (sourced). Missing prerequisites are
# failures, never skips: CI runs as root with scripts/deps.sh installed.

NETNS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$NETNS_DIR/../.." && pwd)
CLUSTER=$TOP/scripts/cluster.sh
VIP=192.168.100.100
CLIENT=192.168.100.1
CLUSTER_MAC=01:00:5e:28:64:64
T_START=$(date +%s)
FAILS=0

say() { echo "[$(($(date +%s) - T_START))s] $*"; }
fail() { say "FAIL: $*"; FAILS=$((FAILS + 1)); }
fatal() { say "FATAL: $*"; exit 1; }
ok() { say "ok: $*"; }
check() { # check DESCRIPTION CMD...: a failed check is counted, the test goes on
	local d=$1
	shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

# pid_alive PID: running, not a zombie waiting to be reaped
pid_alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
export -f pid_alive

# netns_prereqs BUILD: root, tools, binaries; exits 1 when any is missing.
netns_prereqs() {
	local b=$1 t miss=()
	[ "$(id -u)" -eq 0 ] || fatal "must run as root (network namespaces)"
	for t in ip ethtool ping python3 flock awk sysctl bridge; do
		command -v "$t" >/dev/null || miss+=("$t")
	done
	[ ${#miss[@]} -eq 0 ] || fatal "missing tools: ${miss[*]} (scripts/deps.sh)"
	for t in dpdk-vipshare vipshare-ctl vipshare-which; do
		[ -x "$b/app/$t" ] || fatal "missing $b/app/$t (build first)"
	done
	[ -x "$CLUSTER" ] || fatal "missing $CLUSTER"
}

# One vsn- cluster at a time on this machine (demo, tests, benchmark).
netns_lock() {
	exec 9<"$CLUSTER"
	flock -w 600 9 || fatal "another vsn- cluster kept the lock for 600 s"
}

# cluster_cleanup RC WORK: the EXIT trap of a test that brought a cluster
# up: the nodes' log tails when it failed, then `down`, then the scratch
# directory WORK; exits RC.
cluster_cleanup() {
	local rc=$1 work=$2 state=${VSN_STATE:-/run/vsn-cluster} f
	if [ "$rc" -ne 0 ] && [ -d "$state" ]; then
		for f in "$state"/n*.log; do
			[ -e "$f" ] && { echo "--- $f (tail)"; tail -5 "$f"; }
		done
	fi
	"$CLUSTER" down || true
	rm -rf "$work"
	exit "$rc"
}

# Nothing of ours may remain after `down`.
check_clean() {
	local left
	left=$(ip netns list | awk '$1 ~ /^vsn-/ {print $1}' | paste -sd' ')
	[ -z "$left" ] || { echo "namespaces left: $left"; return 1; }
	! ls -d /var/run/dpdk/vsn-n* >/dev/null 2>&1 || { echo "dpdk dirs left"; return 1; }
	[ ! -e "${VSN_STATE:-/run/vsn-cluster}" ] || { echo "state dir left"; return 1; }
}

# expected_nodes BUILD N BASE COUNT [HASHMODE]: "SPORT NODE" per source port,
# from vipshare-which (the data plane's own hash).
expected_nodes() {
	local b=$1 n=$2 base=$3 count=$4 mode=${5:-sourceip-sourceport} p
	for ((p = base; p < base + count; p++)); do echo "$CLIENT $p"; done |
		"$b/app/vipshare-which" --total-nodes "$n" --hashmode "$mode" |
		paste -d' ' <(seq "$base" $((base + count - 1))) -
}

# first_port_of BUILD N NODE FROM: the first source port >= FROM owned by NODE
first_port_of() {
	expected_nodes "$1" "$2" "$4" 200 | awk -v k="$3" '$2 == k {print $1; exit}'
}
