#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The host port module alone (tests/host/vs-host-relay) in network
# namespaces, per backend (vnet, tapv): a client sends 24 MB through the
# relay to a server on the host port and gets 24 MB back, over TCP.
#
# Asserted:
#   - the bytes arrive intact both ways (SHA-256 of what was sent = of what
#     was received, computed on each side);
#   - the offload path was used: GRO super-frames into the kernel
#     (host_tx_super > 0, more wire frames than writes) and TSO
#     super-frames out of it (host_rx_super > 0, segmented for the NIC:
#     wire_tso_sw > 0, wire_segs > host_rx_super);
#   - no checksum errors in either kernel (TcpInCsumErrors, UdpInCsumErrors);
#     nothing dropped as malformed (host_vnet_bad = 0);
#   - TCP segments held for GRO across polls (busy polling, --gro-hold
#     2000) are neither stuck nor overtaken (hold_probe.py, the client on
#     one CPU so that the veth keeps its order): a segment followed at once
#     by a PSH segment of its flow arrives first (the server kernel queued
#     nothing out of order: TcpExtTCPOFOQueue); a lone segment with nothing
#     after it is released by the bound (the kernel's RST for it comes back
#     within 1 s, and no sooner than 1.5 ms: it was held);
#   - vnet: vs0 receives in a NAPI thread of its own (the default; the
#     relay's --napi): sysfs threaded = 1, GRO and UDP GRO forwarding on,
#     TSO still on, and the 24 MB and the hold probe above went through
#     that NAPI (veth's rx_queue_0_xdp_packets, counted only by its NAPI
#     poll, at least the relay's writes); with sysfs read-only the relay
#     says why and leaves vs0 as without it (threaded 0, GRO off), and
#     frames still cross (ping), past the NAPI (xdp_packets stays 0);
#   - the interface is gone after a clean exit, and (vnet) after SIGKILL too:
#     its peer's namespace dies with the process.
#
# Usage: check_host.sh BUILD_DIR BACKEND. Root; namespaces vsht-*, removed on exit.
set -euo pipefail

build=$1
be=${2:-vnet}
relay=$build/tests/host/vs-host-relay
work=$(mktemp -d /tmp/vsht.XXXXXX)
RP=
SP=

fail() { echo "FAIL ($be): $*" >&2; exit 1; }

cleanup() {
	[ -n "$RP" ] && kill -9 "$RP" 2>/dev/null || true
	[ -n "$SP" ] && kill -9 "$SP" 2>/dev/null || true
	ip netns del vsht-c 2>/dev/null || true
	ip netns del vsht-n 2>/dev/null || true
	rm -rf "$work" /var/run/dpdk/vsht-n
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || fail "needs root"
[ -x "$relay" ] || fail "$relay not built"
for t in ip ethtool python3 nstat; do
	command -v $t >/dev/null || fail "missing $t"
done

for n in vsht-c vsht-n; do
	ip netns add $n
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n $n link set lo up
done
ip link add c0 netns vsht-c type veth peer name n0 netns vsht-n
ip -n vsht-c addr add 10.66.0.1/24 dev c0
ip -n vsht-c link set c0 up
# frames as from a wire: MTU-sized, complete checksums
ip netns exec vsht-c ethtool -K c0 tx off tso off gso off >/dev/null
ip -n vsht-n link set n0 up
ip -n vsht-n link set n0 arp off
ip netns exec vsht-n sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.n0.rp_filter=1

WRAP=()
start() { # [relay options, default --idle-sleep 20]; the relay under WRAP
	local args=("$@")
	[ $# -gt 0 ] || args=(--idle-sleep 20)
	rm -rf /var/run/dpdk/vsht-n
	ip netns exec vsht-n "${WRAP[@]}" "$relay" -l 0 --no-huge -m 256 --no-pci \
		--file-prefix vsht-n --log-level 'lib.*:warning' \
		--vdev net_af_packet0,iface=n0,framecnt=2048 -- --host "$be" \
		"${args[@]}" >"$work/relay.out" 2>"$work/relay.err" &
	RP=$!
	for i in $(seq 300); do
		grep -q '^ready' "$work/relay.out" && break
		kill -0 "$RP" 2>/dev/null || { cat "$work/relay.err" >&2; fail "relay exited"; }
		sleep 0.1
	done
	grep -q '^ready' "$work/relay.out" || fail "relay not ready"
	ip -n vsht-n addr add 10.66.0.2/24 dev vs0
}

cat >"$work/xfer.py" <<'PY'
import hashlib, os, socket, sys
N = 24 << 20
mode = sys.argv[1]
if mode == "server":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.66.0.2", 5001))
    s.listen(1)
    print("listening", flush=True)
    c, _ = s.accept()
    h = hashlib.sha256()
    got = 0
    while got < N:
        b = c.recv(1 << 16)
        if not b:
            break
        h.update(b)
        got += len(b)
    print("server received %d %s" % (got, h.hexdigest()), flush=True)
    data = os.urandom(N)
    print("server sent %d %s" % (N, hashlib.sha256(data).hexdigest()), flush=True)
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
else:
    c = socket.create_connection(("10.66.0.2", 5001), timeout=60)
    data = os.urandom(N)
    print("client sent %d %s" % (N, hashlib.sha256(data).hexdigest()), flush=True)
    c.sendall(data)
    h = hashlib.sha256()
    got = 0
    while got < N:
        b = c.recv(1 << 16)
        if not b:
            break
        h.update(b)
        got += len(b)
    print("client received %d %s" % (got, h.hexdigest()), flush=True)
    c.close()
PY

feature() { ip netns exec vsht-n ethtool -k vs0 | awk -v f="$1:" '$1 == f {print $2}'; }
threaded() { ip netns exec vsht-n cat /sys/class/net/vs0/threaded; }
napi_polled() { # frames vs0's NAPI poll took (veth counts them there only)
	ip netns exec vsht-n ethtool -S vs0 | awk '/rx_queue_[0-9]+_xdp_packets:/ {s += $2} END {print s + 0}'
}

start
if [ "$be" = vnet ]; then
	echo "vs0: threaded $(threaded), GRO $(feature generic-receive-offload)," \
		"UDP GRO forwarding $(feature rx-udp-gro-forwarding), TSO $(feature tcp-segmentation-offload)"
	[ "$(threaded)" = 1 ] || fail "vs0: NAPI not threaded"
	[ "$(feature generic-receive-offload)" = on ] || fail "vs0: GRO off"
	[ "$(feature rx-udp-gro-forwarding)" = on ] || fail "vs0: UDP GRO forwarding off"
	[ "$(feature tcp-segmentation-offload)" = on ] || fail "vs0: TSO off"
fi
ip netns exec vsht-n nstat -n
ip netns exec vsht-c nstat -n
ip netns exec vsht-n python3 "$work/xfer.py" server >"$work/server.out" 2>&1 &
SP=$!
for i in $(seq 50); do grep -q listening "$work/server.out" && break; sleep 0.1; done
timeout 120 ip netns exec vsht-c python3 "$work/xfer.py" client >"$work/client.out" 2>&1 ||
	{ cat "$work/client.out" "$work/server.out" >&2; fail "transfer did not complete"; }
wait "$SP" || true
SP=
cat "$work/client.out" "$work/server.out"
up_sent=$(awk '/client sent/ {print $3 " " $4}' "$work/client.out")
up_recv=$(awk '/server received/ {print $3 " " $4}' "$work/server.out")
dn_sent=$(awk '/server sent/ {print $3 " " $4}' "$work/server.out")
dn_recv=$(awk '/client received/ {print $3 " " $4}' "$work/client.out")
[ -n "$up_sent" ] && [ "$up_sent" = "$up_recv" ] || fail "upload: sent [$up_sent] received [$up_recv]"
[ -n "$dn_sent" ] && [ "$dn_sent" = "$dn_recv" ] || fail "download: sent [$dn_sent] received [$dn_recv]"

csum_errors() {
	ip netns exec "$1" nstat -az TcpInCsumErrors UdpInCsumErrors |
		awk '/InCsumErrors/ {s += $2} END {print s + 0}'
}
[ "$(csum_errors vsht-n)" = 0 ] || fail "checksum errors on the host port side"
[ "$(csum_errors vsht-c)" = 0 ] || fail "checksum errors on the client"

[ "$be" = vnet ] && polled=$(napi_polled)
kill -TERM "$RP"
wait "$RP" || fail "relay exit status $?"
RP=
json=$(tail -1 "$work/relay.out")
echo "$json"
python3 - "$json" "${polled:--}" <<'PY' || fail "counters"
import json, sys
j = json.loads(sys.argv[1])
def need(cond, what):
    if not cond:
        print("counter check failed: " + what, file=sys.stderr)
        sys.exit(1)
need(j["host_tx_super"] > 0, "GRO super-frames into the kernel")
need(j["host_tx_wire"] > j["host_tx"], "more wire frames than writes")
need(j["host_rx_super"] > 0, "TSO super-frames from the kernel")
need(j["wire_tso_sw"] > 0 and j["wire_segs"] > j["host_rx_super"],
     "super-frames segmented for the NIC")
need(j["host_vnet_bad"] == 0 and j["host_too_long"] == 0, "no header drops")
need(j["wire_tso_drop"] == 0, "no super-frame dropped")
if sys.argv[2] != "-":
    need(int(sys.argv[2]) >= j["host_tx"],
         "NAPI polled %s frames of the %d written" % (sys.argv[2], j["host_tx"]))
    print("vs0's NAPI thread took %s frames (%d written)" % (sys.argv[2], j["host_tx"]))
print("super-frames: %d into the kernel (%d wire frames in %d writes), "
      "%d out of it (%d wire frames)" % (j["host_tx_super"], j["host_tx_wire"],
      j["host_tx"], j["host_rx_super"], j["wire_segs"]))
PY
ip -n vsht-n link show vs0 >/dev/null 2>&1 && fail "vs0 still there after exit"

# segments held across polls: released by the bound, in order (hold_probe.py)
probe=$(dirname "$0")/hold_probe.py
rounds=20
ofo() { ip netns exec vsht-n nstat -az TcpExtTCPOFOQueue | awk '/TCPOFOQueue/ {s += $2} END {print s + 0}'; }
start --idle-sleep 0 --gro-hold 2000
ofo0=$(ofo)
ip netns exec vsht-n python3 "$probe" server 10.66.0.2 5002 >"$work/probe-srv.out" 2>&1 &
SP=$!
for i in $(seq 50); do grep -q listening "$work/probe-srv.out" && break; sleep 0.1; done
timeout 60 ip netns exec vsht-c taskset -c 1 python3 "$probe" client 10.66.0.2 5002 \
	--rounds $rounds --stray-timeout-ms 1000 >"$work/probe.out" 2>&1 ||
	{ cat "$work/probe.out" "$work/probe-srv.out" >&2; fail "held segments stuck or late"; }
wait "$SP" || true
SP=
cat "$work/probe.out"
ofo=$(($(ofo) - ofo0))
echo "server: TcpExtTCPOFOQueue +$ofo"
[ "$ofo" = 0 ] || fail "held segments overtaken: $ofo segments queued out of order"
stray=$(awk '/hold_probe: stray/ {print $6}' "$work/probe.out")
awk -v m="${stray:-0}" 'BEGIN {exit !(m >= 1.5)}' ||
	fail "lone segments answered in ${stray:-?} ms (median): not held up to --gro-hold 2000"
kill -TERM "$RP"
wait "$RP" || fail "relay exit status $?"
RP=

# vnet without a writable sysfs: no threaded NAPI, so no GRO either (its
# NAPI would run in the sending core's softirq); frames still cross
if [ "$be" = vnet ]; then
	WRAP=(unshare -m sh -c 'mount -o remount,bind,ro /sys && exec "$@"' sh)
	start
	WRAP=()
	grep -q "vs0: threaded NAPI (sysfs threaded): Read-only file system" "$work/relay.err" ||
		{ cat "$work/relay.err" >&2; fail "no reason given for the missing threaded NAPI"; }
	echo "read-only sysfs: threaded $(threaded), GRO $(feature generic-receive-offload)," \
		"UDP GRO forwarding $(feature rx-udp-gro-forwarding)"
	[ "$(threaded)" = 0 ] || fail "read-only sysfs: vs0 threaded"
	[ "$(feature generic-receive-offload)" = off ] || fail "read-only sysfs: GRO left on"
	[ "$(feature rx-udp-gro-forwarding)" = off ] || fail "read-only sysfs: UDP GRO forwarding left on"
	ip netns exec vsht-c ping -c 3 -i 0.2 -W 2 10.66.0.2 >/dev/null || fail "read-only sysfs: no ping through"
	[ "$(napi_polled)" = 0 ] || fail "read-only sysfs: frames went through NAPI anyway"
	kill -TERM "$RP"
	wait "$RP" || fail "relay exit status $?"
	RP=
fi

# the interface must not outlive the process, however it ends
if [ "$be" = vnet ]; then
	start
	kill -KILL "$RP"
	wait "$RP" 2>/dev/null || true
	RP=
	for i in $(seq 50); do
		ip -n vsht-n link show vs0 >/dev/null 2>&1 || break
		sleep 0.1
	done
	ip -n vsht-n link show vs0 >/dev/null 2>&1 && fail "vs0 outlived SIGKILL"
	echo "vs0 gone $((i / 10)).$((i % 10)) s after SIGKILL"
fi
echo "PASS ($be)"
