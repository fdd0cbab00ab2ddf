#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# --bench-host in a namespace of its own, per host port kind: 64-byte UDP
# generated in the appliance, steered by the worker and written into the
# host port, for one second.
#
# Asserted:
#   - it exits 0 with its JSON last; every frame offered was owned (--node
#     1/1) and either handed to the host port or counted as a host drop;
#   - what it reports as reaching the UDP layer is what this script reads
#     itself from the namespace's /proc/net/snmp (UdpInDatagrams +
#     RcvbufErrors, before and after: the namespace carries nothing else),
#     and is no more than was handed over and at least half of it (the
#     rest: the kernel's backlog overflowing while the generator holds the
#     core, which load on the machine makes worse);
#   - the host interface is gone afterwards;
#   - with --no-host-addr there is no socket to count with: exit 1 and one
#     line saying why.
set -euo pipefail

BUILD=${1:?usage: check_bench_host.sh BUILD_DIR [KIND]}
KIND=${2:-vnet}
APP=$BUILD/app/dpdk-vipshare
NS=vst-bh-$$
PFX=vst-bh-$$
out=$(mktemp /tmp/vst-bh.XXXXXX)

fail() { echo "FAIL ($KIND): $*" >&2; exit 1; }
cleanup() {
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "/var/run/dpdk/$PFX" "$out"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "needs root (creates a namespace and a host interface)"
ip netns add "$NS"
ip -n "$NS" link set lo up

udp() { ip netns exec "$NS" awk '/^Udp:/ { if (h) { print $2 + $6; exit } h = 1 }' /proc/net/snmp; }

run() {
	ip netns exec "$NS" timeout 60 "$APP" -l 0 --no-huge -m 256 --no-pci \
		--file-prefix "$PFX" --log-level 'lib.*:warning' --vdev net_null0 -- \
		--vip 10.98.0.100/24 --node 1/1 --host "$KIND:vsbh0" --garp 0 \
		--igmp off --bench-host --bench-seconds 1 "$@"
}

u0=$(udp)
rc=0
run >"$out" 2>&1 || rc=$?
u1=$(udp)
[ "$rc" = 0 ] || { cat "$out" >&2; fail "exit $rc"; }
js=$(tail -1 "$out")
python3 - "$js" "$((u1 - u0))" <<'PY' || { cat "$out" >&2; fail "counters"; }
import json, sys
j, kern = json.loads(sys.argv[1]), int(sys.argv[2])
print("bench-host %s: offered %d, to the host %d, UDP layer %d (kernel, read here: %d), %.3f Mpps" %
      (j["host"], j["offered"], j["to_host"], j["udp_reached"], kern, j["udp_mpps"]))
assert j["offered"] > 0, "nothing offered"
assert j["vip_owned"] == j["offered"] and j["vip_not_owned"] == 0, "not every frame owned"
assert j["to_host"] + j["tx_host_drop"] == j["offered"], "frames unaccounted for"
assert j["udp_reached"] == kern, "reported UDP count differs from the kernel's"
assert kern <= j["to_host"], "the kernel counted more than was handed over"
assert kern >= 0.5 * j["to_host"], "most frames lost between the host port and UDP"
PY
ip -n "$NS" link show vsbh0 >/dev/null 2>&1 && fail "vsbh0 still exists"

rc=0
run --no-host-addr >"$out" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$out" >&2; fail "--no-host-addr: exit $rc, want 1"; }
grep -q "no socket on the VIP" "$out" || { cat "$out" >&2; fail "--no-host-addr: no reason given"; }
echo "PASS bench-host $KIND"
