#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The capture recipes of docs/operations.md, run as written:
#  1. dpdk-dumpcap attaches to a daemon started on hugepages with a
#     --file-prefix and, on the NIC port, captures every datagram the client
#     sent to the VIP, the node's share and the others' alike;
#  2. tcpdump on the host interface (the TAP) sees exactly the node's share:
#     the source ports vipshare-which gives to this node;
#  3. dpdk-dumpcap cannot attach to a daemon started with --no-huge (the
#     reason docs/operations.md gives), and says so.
# Two namespaces of its own (node, client) joined by a veth; the node is 1
# of 2, so about half the flows are its own. Hugepages are reserved with
# scripts/hugepages.sh and put back as they were. Root only (CI runs as
# root); a missing tool is a failure.
set -euo pipefail

BUILD=${1:?usage: test_capture.sh BUILD_DIR}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
APP=$BUILD/app/dpdk-vipshare
WHICH=$BUILD/app/vipshare-which
HP=$TOP/scripts/hugepages.sh
KNOB=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
NSN=vst-capn-$$
NSC=vst-capc-$$
PFX=vst-cap-$$
TAP=vscap0
VIP=192.168.78.100
CLIENT=192.168.78.1
PORT0=41000
FLOWS=40
BASE_VA=0x300000000000
work=$(mktemp -d /tmp/vst-cap.XXXXXX)
pid=
orig=
was_mounted=

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

cleanup() {
	local rc=$?
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	ip netns del "$NSN" 2>/dev/null || true
	ip netns del "$NSC" 2>/dev/null || true
	rm -f /dev/hugepages/"$PFX"map_* 2>/dev/null || true
	rm -rf "/var/run/dpdk/$PFX"
	if [ -n "$orig" ]; then
		echo "$orig" >"$KNOB" 2>/dev/null || true
		[ -n "$was_mounted" ] || umount /dev/hugepages 2>/dev/null || true
	fi
	[ $rc -eq 0 ] || tail -n 20 "$work"/*.log 2>/dev/null || true
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "needs root (namespaces, hugepages)"
for t in ip dpdk-dumpcap tcpdump python3 timeout; do
	command -v "$t" >/dev/null || fail "missing $t (scripts/deps.sh)"
done
[ -x "$APP" ] && [ -x "$WHICH" ] || fail "build first ($APP)"
[ -w "$KNOB" ] || fail "no 2 MB hugepage support ($KNOB)"
orig=$(cat "$KNOB")
was_mounted=$(awk '$2 == "/dev/hugepages" && $3 == "hugetlbfs" {print "y"}' /proc/mounts)

# node: nic0 (the daemon's NIC, af_packet) | client: cl0, 192.168.78.1/24
ip netns add "$NSN"
ip netns add "$NSC"
ip -n "$NSN" link add nic0 type veth peer name cl0 netns "$NSC"
ip -n "$NSN" link set nic0 up
ip -n "$NSC" addr add "$CLIENT/24" dev cl0
ip -n "$NSC" link set cl0 up
# The cluster MAC, by the IPv4 multicast mapping (01:00:5e + the low 23
# bits of the address), straight into the client's neighbour table.
cmac=$(python3 -c 'import sys; a = [int(x) for x in sys.argv[1].split(".")]
print("01:00:5e:%02x:%02x:%02x" % (a[1] & 0x7f, a[2], a[3]))' "$VIP")
ip -n "$NSC" neigh replace "$VIP" lladdr "$cmac" dev cl0 nud permanent

# start MEMORY...: the daemon, node 1 of 2; returns once the TAP has the VIP.
# A secondary process maps the daemon's memory at the daemon's addresses;
# --base-virtaddr puts it where dumpcap has nothing of its own (an ASan
# build's shadow takes the EAL's default hint, and the kernel's pick then
# collides with dumpcap's libraries now and then).
start() {
	ip netns exec "$NSN" "$APP" -l 0 "$@" --no-pci --file-prefix "$PFX" \
		--base-virtaddr "$BASE_VA" \
		--vdev net_af_packet0,iface=nic0 -- \
		--vip "$VIP/24" --node 1/2 --host "tap:$TAP" \
		--idle-sleep 200 --garp 0 --igmp off >"$work/daemon.log" 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		ip -n "$NSN" -4 addr show dev "$TAP" 2>/dev/null | grep -q "$VIP" && return 0
		kill -0 "$pid" 2>/dev/null || fail "dpdk-vipshare exited at start"
		sleep 0.1
	done
	fail "TAP $TAP never got the VIP"
}

stop() {
	kill -TERM "$pid"
	timeout 10 tail --pid="$pid" -f /dev/null || kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
	rm -rf "/var/run/dpdk/$PFX"
}

# wait_for FILE TEXT: until the capture tool says it listens (60 s at most:
# dpdk-dumpcap starts an EAL, slow on a loaded machine)
wait_for() {
	for _ in $(seq 600); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$1" >&2
	fail "no '$2' in $1"
}

# FLOWS datagrams to VIP:9, one from each source port PORT0.., marked
send_flows() {
	ip netns exec "$NSC" python3 - "$CLIENT" "$VIP" "$PORT0" "$FLOWS" <<'PY'
import socket, sys, time
src, vip, p0, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for p in range(p0, p0 + n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, p))
    s.sendto(b"vs-capture-%d" % p, (vip, 9))
    s.close()
    time.sleep(0.005)
PY
}

# sports FILE: the source ports of the UDP datagrams to VIP:9 in a capture
sports() {
	tcpdump -nn -r "$1" "udp and dst host $VIP and dst port 9" 2>/dev/null |
		awk '{split($3, a, "."); print a[5]}' | sort -n
}

"$HP" 64 >/dev/null || fail "hugepages.sh 64"

# 1 + 2: on hugepages, dumpcap on the NIC port and tcpdump on the TAP
start -m 64
timeout 90 dpdk-dumpcap --file-prefix="$PFX" -i net_af_packet0 -f "udp port 9" \
	-P -w "$work/nic.pcap" >"$work/dumpcap.log" 2>&1 &
dpid=$!
timeout 90 ip netns exec "$NSN" tcpdump -i "$TAP" -nn -U -w "$work/tap.pcap" \
	"udp port 9" >"$work/tcpdump.log" 2>&1 &
tpid=$!
wait_for "$work/dumpcap.log" "Packets captured:"
wait_for "$work/tcpdump.log" "listening on"
send_flows
sleep 1
kill -INT "$dpid" "$tpid" 2>/dev/null || true
wait "$dpid" || fail "dpdk-dumpcap exited $? ($(tail -n 3 "$work/dumpcap.log" | tr '\n' ' '))"
wait "$tpid" || true
stop

seq "$PORT0" $((PORT0 + FLOWS - 1)) >"$work/all"
for p in $(cat "$work/all"); do echo "$CLIENT $p"; done |
	"$WHICH" --total-nodes 2 --hashmode sourceip-sourceport >"$work/owner"
paste -d' ' "$work/all" "$work/owner" | awk '$2 == 1 {print $1}' >"$work/mine"
sports "$work/nic.pcap" >"$work/nic"
sports "$work/tap.pcap" >"$work/tap"
mine=$(wc -l <"$work/mine")
[ "$mine" -gt 0 ] && [ "$mine" -lt "$FLOWS" ] || fail "node 1 owns $mine of $FLOWS flows: not a split"
cmp -s "$work/nic" "$work/all" ||
	fail "dumpcap on the NIC: $(wc -l <"$work/nic") datagrams, want all $FLOWS ($(paste -sd, "$work/nic"))"
ok "dpdk-dumpcap on the NIC port captured all $FLOWS datagrams, owned or not"
cmp -s "$work/tap" "$work/mine" ||
	fail "tcpdump on $TAP: ports $(paste -sd, "$work/tap"), want node 1's $(paste -sd, "$work/mine")"
ok "tcpdump on $TAP captured exactly node 1's $mine of $FLOWS (vipshare-which)"

# 3: without hugepages a secondary process has no memory to share
start --no-huge -m 256
set +e
timeout 60 dpdk-dumpcap --file-prefix="$PFX" -i net_af_packet0 -c 1 -P \
	-w "$work/nohuge.pcap" >"$work/nohuge.log" 2>&1
rc=$?
set -e
stop
[ $rc -ne 0 ] && [ $rc -ne 124 ] ||
	fail "dpdk-dumpcap against a --no-huge daemon: exit $rc (docs/operations.md says it cannot attach)"
grep -q "primary process" "$work/nohuge.log" ||
	fail "dpdk-dumpcap against --no-huge: not the documented message: $(tail -n 2 "$work/nohuge.log")"
ok "dpdk-dumpcap cannot attach to a --no-huge daemon (exit $rc: is primary process running?)"
echo PASS
