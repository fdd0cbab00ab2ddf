#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The host exception port's life cycle, in a namespace of its own:
# dpdk-vipshare creates the interface (--host KIND: tap, vnet or net_tap)
# with the NIC's MAC and MTU, brings it up with the VIP and prefix on it,
# answers vipshare-ctl, and on SIGTERM / SIGINT exits within a second,
# printing its statistics, with the interface gone; for vnet also after
# SIGKILL (its peer's namespace dies with the process), and its NAPI in a
# thread of its own by default (sysfs threaded 1, GRO on), not with
# --host-napi off.
# The NIC is a veth whose peer stays silent (nothing is sent anywhere).
set -euo pipefail

BUILD=${1:?usage: check_tap.sh BUILD_DIR [KIND]}
KIND=${2:-tap}
APP=$BUILD/app/dpdk-vipshare
CTL=$BUILD/app/vipshare-ctl
NS=vst-tap-$$
PFX=vst-tap-$$
TAP=vstap0
pid=

fail() { echo "FAIL: $*" >&2; exit 1; }

cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "/var/run/dpdk/$PFX"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "needs root (creates a namespace and a TAP)"
ip netns add "$NS"
ip -n "$NS" link add nic0 mtu 1400 type veth peer name peer0
ip -n "$NS" link set nic0 up
ip -n "$NS" link set peer0 up
nic_mac=$(ip netns exec "$NS" cat /sys/class/net/nic0/address)

start() { # [more options]
	ip netns exec "$NS" "$APP" -l 0 --no-huge -m 256 --no-pci \
		--file-prefix "$PFX" --vdev net_af_packet0,iface=nic0 -- \
		--vip 192.168.77.100/24 --node 2/3 --host "$KIND:$TAP" \
		--idle-sleep 200 --garp 0 --igmp off "$@" >"$out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		ip -n "$NS" -4 addr show dev "$TAP" 2>/dev/null | grep -q 192.168.77.100 && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$out" >&2; fail "exited early"; }
		sleep 0.1
	done
	cat "$out" >&2
	fail "$KIND $TAP never got the VIP"
}

stop_with() {
	local sig=$1 t0 t1 rc=0
	t0=$(date +%s%N)
	kill -"$sig" "$pid"
	wait "$pid" || rc=$?
	t1=$(date +%s%N)
	pid=
	[ "$rc" = 0 ] || { cat "$out" >&2; fail "exit code $rc after SIG$sig"; }
	ms=$(( (t1 - t0) / 1000000 ))
	echo "SIG$sig: exited in ${ms} ms"
	[ "$ms" -lt 1000 ] || fail "SIG$sig took ${ms} ms (limit 1000)"
	grep -qE '^([^ ]+ )?stats: rx=' "$out" || fail "no statistics printed at exit"
	if ip -n "$NS" link show "$TAP" >/dev/null 2>&1; then
		fail "$TAP still exists after SIG$sig"
	fi
}

out=$(mktemp)
trap 'cleanup; rm -f "$out"' EXIT

for sig in TERM INT; do
	start
	link=$(ip -n "$NS" -o link show "$TAP")
	addr=$(ip -n "$NS" -o -4 addr show dev "$TAP")
	echo "$link"
	echo "$addr"
	echo "$link" | grep -q "link/ether $nic_mac" || fail "TAP MAC is not the NIC's ($nic_mac)"
	echo "$link" | grep -q "mtu 1400" || fail "TAP MTU is not the NIC's (1400)"
	echo "$link" | grep -q "UP" || fail "TAP is not up"
	echo "$addr" | grep -q "inet 192.168.77.100/24" || fail "VIP/24 not on the TAP"
	nodes=$("$CTL" --file-prefix "$PFX" nodes)
	[ "$nodes" = 2 ] || fail "vipshare-ctl nodes printed '$nodes', want 2"
	status=$("$CTL" --file-prefix "$PFX" status)
	echo "$status"
	case "$status" in
	"CLUSTERIP nodes=2 total_nodes=3 hashmode=sourceip-sourceport hash_init=0 hash_compat=clusterip cluster_mac=01:00:5e:28:4d:64") ;;
	*) fail "status line '$status'" ;;
	esac
	stop_with "$sig"
done

# vnet: the kernel side's NAPI in a thread of its own, unless --host-napi off
napi_state() {
	echo "$(ip netns exec "$NS" cat /sys/class/net/$TAP/threaded)" \
		"$(ip netns exec "$NS" ethtool -k $TAP | awk '$1 == "generic-receive-offload:" {print $2}')"
}
if [ "$KIND" = vnet ]; then
	for napi in on off; do
		start --host-napi $napi
		st=$(napi_state)
		echo "--host-napi $napi: threaded, GRO: $st"
		case $napi/$st in
		"on/1 on" | "off/0 off") ;;
		*) fail "--host-napi $napi: threaded, GRO are '$st'" ;;
		esac
		stop_with TERM
	done
fi

# --no-host-addr: the TAP comes up without the VIP.
ip netns exec "$NS" "$APP" -l 0 --no-huge -m 256 --no-pci --file-prefix "$PFX" \
	--vdev net_af_packet0,iface=nic0 -- --vip 192.168.77.100/24 --node 1/3 \
	--host "$KIND:$TAP" --no-host-addr --idle-sleep 200 --garp 0 --igmp off >"$out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	ip -n "$NS" link show "$TAP" >/dev/null 2>&1 && break
	sleep 0.1
done
sleep 0.3
ip -n "$NS" link show "$TAP" >/dev/null 2>&1 || fail "no TAP with --no-host-addr"
if ip -n "$NS" -4 addr show dev "$TAP" | grep -q inet; then
	fail "--no-host-addr still put an address on the TAP"
fi
stop_with TERM
if [ "$KIND" = vnet ]; then
	start
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
	for _ in $(seq 50); do
		ip -n "$NS" link show "$TAP" >/dev/null 2>&1 || break
		sleep 0.1
	done
	if ip -n "$NS" link show "$TAP" >/dev/null 2>&1; then
		fail "$TAP outlived SIGKILL"
	fi
	echo "SIGKILL: $TAP gone"
fi
echo "$KIND: create, address, control, SIGTERM/SIGINT and removal as expected"
