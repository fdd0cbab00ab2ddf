#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# demo.sh BUILD_DIR: the `make demo` entry point. A 3-node dpdk-vipshare
# cluster in network namespaces (scripts/cluster.sh, docs/cluster.md):
# 300 TCP connections from the client with distinct source ports, a ping to
# the VIP, a table of which node served what, the client's ARP entry for the
# VIP, then everything is torn down. The last line is
#   served n1=A n2=B n3=C failed=F
# Needs root. VSN_PMD=af_packet selects the af_packet PMD instead of af_xdp.
# (scripts/demo-replay.sh BUILD_DIR is the offline variant: pcap replay.)
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
cluster=$here/cluster.sh
VIP=192.168.100.100
CLIENT=192.168.100.1
COUNT=300
BASE=30000
NODES=3
t0=$(date +%s.%N)

[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (network namespaces)" >&2; exit 1; }
for b in dpdk-vipshare vipshare-ctl vipshare-which; do
	[ -x "$build/app/$b" ] || { echo "demo.sh: $build/app/$b missing: build first" >&2; exit 1; }
done

# one cluster at a time (the demo and the netns suite share the vsn- names)
exec 9<"$cluster"
flock -w 300 9 || { echo "demo.sh: another vsn- cluster is running" >&2; exit 1; }

work=$(mktemp -d /tmp/vsn-demo.XXXXXX)
cleanup() {
	"$cluster" down || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export VSN_BUILD=$build VSN_IDLE_SLEEP=${VSN_IDLE_SLEEP:-100}
echo "== up: switch vsn-sw, client vsn-c ($CLIENT), nodes vsn-n1..n$NODES (PMD ${VSN_PMD:-af_xdp}), VIP $VIP"
"$cluster" up $NODES

echo "== $COUNT TCP connections from $CLIENT, source ports $BASE..$((BASE + COUNT - 1))"
"$cluster" conns $BASE $COUNT --parallel 16 --timeout 10 >"$work/conns" 2>"$work/conns.err" || true
cat "$work/conns.err"

echo "== ping $VIP (5 echoes)"
ip netns exec vsn-c ping -n -c 5 -i 0.2 -W 2 $VIP >"$work/ping" 2>&1 || true
grep -E 'transmitted|rtt' "$work/ping" || true
if grep -q DUP "$work/ping"; then echo "   (duplicates!)"; fi

# Who served what, and what vipshare-which (the data plane's own hash) says
# should have: the two columns agree when every flow went to its owner.
awk -v ip=$CLIENT '{print ip, $1}' "$work/conns" |
	"$build/app/vipshare-which" --total-nodes $NODES \
		--hashmode sourceip-sourceport >"$work/expect"
paste -d' ' "$work/conns" "$work/expect" >"$work/joined"
echo "== who served what"
printf '%-6s %8s %7s %16s  %s\n' node served share "hash expects" "first source ports"
line=served
for ((k = 1; k <= NODES; k++)); do
	served=$(awk -v n="n$k" '$2 == n' "$work/joined" | wc -l)
	expect=$(awk -v k="$k" '$NF == k' "$work/joined" | wc -l)
	ports=$(awk -v n="n$k" '$2 == n {print $1}' "$work/joined" | head -4 | paste -sd,)
	printf '%-6s %8d %6.1f%% %16d  %s\n' "n$k" "$served" \
		"$(awk -v s="$served" -v c=$COUNT 'BEGIN {print s * 100 / c}')" \
		"$expect" "$ports"
	line="$line n$k=$served"
done
mismatch=$(awk '$2 != "FAIL" && $2 != "n"$NF' "$work/joined" | wc -l)
# anything but an answer from a node counts as failed (also missing lines)
failed=$((COUNT - $(awk '$2 ~ /^n[0-9]+$/' "$work/conns" | wc -l)))
echo "   answered by another node than the hash says: $mismatch"

echo "== node counters (vipshare-ctl stats)"
for ((k = 1; k <= NODES; k++)); do
	printf 'n%d: ' "$k"
	"$build/app/vipshare-ctl" --file-prefix "vsn-n$k" stats 2>/dev/null |
		grep -oE '"(rx|vip_owned|vip_not_owned|arp_reply|host_to_wire|nodes)":("[^"]*"|[0-9]*)' |
		tr -d '"' | sed 's/:/=/' | paste -sd' ' || echo "(no answer)"
done

echo "== client's ARP entry for the VIP (the cluster MAC)"
ip -n vsn-c neigh show $VIP

"$cluster" down
trap - EXIT
rm -rf "$work"
echo "== down ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s in all)"
echo "$line failed=$failed"
[ "$failed" -eq 0 ]
