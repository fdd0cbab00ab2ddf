#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# demo-replay.sh [BUILD_DIR]  (default: build)
#
# Replays tests/pcap/demo.pcap (a few hundred TCP connections to the VIP
# 192.168.100.100, plus ARP requests and pings, as the switch floods them to
# every node) through dpdk-vipshare once per cluster node 1..3 and shows who
# got what. Builds nothing; needs BUILD_DIR/app/dpdk-vipshare.
# Last line: "served n1=A n2=B n3=C failed=F", A..C = VIP frames each node
# handed to its host, F = VIP frames delivered by no node or by several.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$here/$build ;; esac
bin=$build/app/dpdk-vipshare
pcap=$here/tests/pcap/demo.pcap
vip=192.168.100.100
mode=${HASHMODE:-sourceip-sourceport}
total=3
py=/usr/bin/python3

[ -x "$bin" ] || { echo "demo-replay: $bin not found (build first)" >&2; exit 1; }
[ -r "$pcap" ] || { echo "demo-replay: $pcap missing" >&2; exit 1; }

out=$(mktemp -d /tmp/vs-demo.XXXXXX)
rundir=/var/run/dpdk
[ "$(id -u)" = 0 ] || rundir=${XDG_RUNTIME_DIR:-/tmp}/dpdk
trap 'rm -rf "$out"; for n in 1 2 3; do rm -rf "$rundir/vs-demo-$$-$n"; done' EXIT

echo "replaying $(basename "$pcap") through nodes 1..$total (VIP $vip, hashmode $mode)"
for n in $(seq 1 $total); do
	if ! "$bin" -l 0 --no-huge -m 256 --no-pci --file-prefix "vs-demo-$$-$n" \
		--log-level=notice \
		--vdev "net_pcap0,rx_pcap=$pcap,tx_pcap=$out/wire$n.pcap" \
		--vdev "net_pcap1,tx_pcap=$out/host$n.pcap" \
		-- --vip "$vip/24" --node "$n/$total" --hashmode "$mode" \
		--replay --garp 0 --igmp off >"$out/out$n.txt" 2>"$out/err$n.txt"; then
		echo "demo-replay: node $n failed:" >&2
		tail -5 "$out/err$n.txt" >&2
		exit 1
	fi
done

"$py" -B - "$out" "$pcap" "$total" "$here/tests/pcap" <<'EOF'
import json, sys
from collections import Counter
out, pcap, total, lib = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, lib)
import model

VIP = model.ip2int("192.168.100.100")

def ident(fr):
    i = model.classify(fr, VIP)
    if i.ethertype == 0x0800 and i.cls != model.MALFORMED:
        return fr[6:i.l2 + i.tot]
    return fr[6:]

inp = model.read_pcap(pcap)
vip_in = [f for f in inp if model.classify(f, VIP).cls in
          (model.VIP, model.VIP_ICMPERR, model.VIP_FRAG)]
seen = Counter()
rows = []
for n in range(1, total + 1):
    host = model.read_pcap("%s/host%d.pcap" % (out, n))
    wire = model.read_pcap("%s/wire%d.pcap" % (out, n))
    js = {}
    for line in reversed(open("%s/out%d.txt" % (out, n)).read().splitlines()):
        if line.strip().startswith("{"):
            js = json.loads(line)
            break
    flat = {}
    for k, v in js.items():
        flat.update(v if isinstance(v, dict) else {k: v})
    vip = [h for h in host if model.classify(h, VIP).cls in
           (model.VIP, model.VIP_ICMPERR, model.VIP_FRAG)]
    for h in vip:
        seen[ident(h)] += 1
    conns = set()
    for h in vip:
        i = model.classify(h, VIP)
        if i.proto == 6:
            conns.add((i.src, i.key[1]))
    arp = sum(1 for w in wire if model.classify(w, VIP).cls == model.ARP)
    rows.append((n, len(host), len(vip), len(conns),
                 flat.get("vip_not_owned", "?"), arp))
print("%-6s %12s %10s %14s %9s %12s" % ("node", "to_host", "vip_frames",
                                      "vip_conns", "dropped", "arp_replies"))
for r in rows:
    print("%-6s %12s %10s %14s %9s %12s" % r)
failed = sum(1 for f in vip_in if seen[ident(f)] != 1)
allconns = {(model.classify(f, VIP).src, model.classify(f, VIP).key[1])
            for f in vip_in if model.classify(f, VIP).proto == 6}
print("input: %d frames, %d VIP frames, %d TCP connections" %
      (len(inp), len(vip_in), len(allconns)))
print("served " + " ".join("n%d=%d" % (r[0], r[2]) for r in rows) +
      " failed=%d" % failed)
EOF
