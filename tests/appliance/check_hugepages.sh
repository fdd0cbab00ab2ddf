#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/hugepages.sh and dpdk-vipshare on real 2 MB hugepages (root):
#  1. hugepages.sh refuses bad arguments with exit 2 and one line;
#  2. with no hugepages reserved, the appliance (without --no-huge) does
#     not start: so the run below really is on hugepages;
#  3. hugepages.sh 64 reserves 64 pages and mounts hugetlbfs;
#  4. an offline replay of the pcap fixture on hugepages counts every frame;
#  5. after it exits, every hugepage is free again and neither its hugepage
#     files nor its runtime directory are left behind.
# The reservation and the mount are put back as they were (trap on EXIT).
set -euo pipefail

BUILD=${1:?usage: check_hugepages.sh BUILD_DIR}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
APP=$BUILD/app/dpdk-vipshare
HP=$TOP/scripts/hugepages.sh
FIXTURE=$TOP/tests/pcap/fixture.pcap
KNOB=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
PFX=vsh-huge-$$
work=$(mktemp -d /tmp/vsh-huge.XXXXXX)

fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (reserves hugepages)"
[ -x "$APP" ] || fail "$APP not built"
[ -w "$KNOB" ] || fail "no 2 MB hugepage support ($KNOB)"
orig=$(cat "$KNOB")
was_mounted=$(awk '$2 == "/dev/hugepages" && $3 == "hugetlbfs" {print "y"}' /proc/mounts)

cleanup() {
	local rc=$?
	rm -f /dev/hugepages/"$PFX"map_* 2>/dev/null || true
	rm -rf "/var/run/dpdk/$PFX" "$work"
	echo "$orig" >"$KNOB" 2>/dev/null || true
	if [ -z "$was_mounted" ]; then umount /dev/hugepages 2>/dev/null || true; fi
	exit $rc
}
trap cleanup EXIT

free_pages() { awk '/^HugePages_Free:/ {print $2}' /proc/meminfo; }
total_pages() { awk '/^HugePages_Total:/ {print $2}' /proc/meminfo; }

replay() {
	"$APP" -l 0 --no-pci --file-prefix "$PFX" -m 64 --log-level 'lib.*:warning' \
		--vdev "net_pcap0,rx_pcap=$FIXTURE,tx_pcap=$work/wire.pcap" \
		--vdev "net_pcap1,tx_pcap=$work/host.pcap" -- \
		--vip 192.168.100.100/24 --node 1/3 --replay --garp 0 --igmp off
}

# 1. bad arguments
for bad in x -1 1.5 12345678 "1 2"; do
	# shellcheck disable=SC2086 # "1 2" is two arguments on purpose
	set +e
	"$HP" $bad >"$work/out" 2>"$work/err"
	rc=$?
	set -e
	[ $rc -eq 2 ] || fail "hugepages.sh $bad: exit $rc, expected 2"
	[ "$(wc -l <"$work/err")" -eq 1 ] || fail "hugepages.sh $bad: not one line: $(cat "$work/err")"
done
echo "ok: hugepages.sh refuses bad arguments (exit 2, one line)"

# 2. no hugepages: the appliance cannot start
"$HP" 0 >/dev/null
[ "$(total_pages)" -eq 0 ] || fail "hugepages.sh 0 left $(total_pages) pages"
set +e
replay >"$work/none.out" 2>"$work/none.err"
rc=$?
set -e
[ $rc -ne 0 ] || fail "dpdk-vipshare started without any hugepage (so it is not using them)"
echo "ok: without hugepages dpdk-vipshare exits $rc"
rm -rf "/var/run/dpdk/$PFX"

# 3. reserve
"$HP" 64
[ "$(total_pages)" -eq 64 ] || fail "hugepages.sh 64: HugePages_Total $(total_pages)"
awk '$2 == "/dev/hugepages" && $3 == "hugetlbfs" {f = 1} END {exit !f}' /proc/mounts ||
	fail "hugetlbfs not mounted at /dev/hugepages"
echo "ok: 64 pages reserved, hugetlbfs mounted"

# 4. replay on hugepages
replay >"$work/run.out" 2>"$work/run.err" || { cat "$work/run.err" >&2; fail "replay on hugepages failed"; }
frames=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import model
print(len(model.read_pcap(sys.argv[2])))' "$TOP/tests/pcap" "$FIXTURE")
rx=$(tail -1 "$work/run.out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["rx"])')
[ "$rx" = "$frames" ] || fail "replay on hugepages: rx=$rx, the fixture has $frames frames"
echo "ok: replay on hugepages: rx=$rx of $frames frames"

# 5. nothing left behind
[ "$(free_pages)" -eq "$(total_pages)" ] ||
	fail "after exit only $(free_pages) of $(total_pages) hugepages are free: $(ls /dev/hugepages | head -5)"
left=$(find /dev/hugepages -maxdepth 1 -name "${PFX}map_*" | wc -l)
[ "$left" -eq 0 ] || fail "$left hugepage files ${PFX}map_* left in /dev/hugepages"
[ ! -e "/var/run/dpdk/$PFX" ] || fail "runtime directory /var/run/dpdk/$PFX left behind"
echo "ok: all $(total_pages) hugepages free after exit, no files left"
echo PASS
