#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# hugepages.sh [N]: reserve N 2 MB hugepages (default 64) and make sure
# hugetlbfs is mounted at /dev/hugepages. Idempotent. N=0 releases them.
# Exit: 0 done, 1 the kernel gave fewer pages than asked (or not root /
# cannot write), 2 bad argument.
set -euo pipefail

N=${1:-64}
if [ $# -gt 1 ]; then
	echo "hugepages.sh: bad argument '$2': only one argument, N" >&2
	exit 2
fi
if ! [[ "$N" =~ ^[0-9]+$ ]] || [ ${#N} -gt 7 ]; then
	echo "hugepages.sh: bad argument '$N': N must be a number of 2 MB pages (0..9999999)" >&2
	exit 2
fi
N=$((10#$N))

SYSFS=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
PROCFS=/proc/sys/vm/nr_hugepages
MNT=/dev/hugepages

# Prefer the per-size knob; /proc counts pages of the default size, so only
# use it when that size is 2 MB.
if [ -e "$SYSFS" ] && { [ -w "$SYSFS" ] || [ ! -w "$PROCFS" ]; }; then
	knob=$SYSFS
elif grep -q '^Hugepagesize: *2048 kB' /proc/meminfo 2>/dev/null; then
	knob=$PROCFS
else
	echo "hugepages.sh: no 2 MB hugepage support in this kernel" >&2
	exit 1
fi

before=$(cat "$knob")
if [ "$before" -ne "$N" ]; then
	if ! echo "$N" 2>/dev/null >"$knob"; then
		echo "hugepages.sh: cannot write $knob (need root)" >&2
		exit 1
	fi
fi
after=$(cat "$knob")
echo "hugepages.sh: 2 MB hugepages reserved: before $before, after $after (asked $N) via $knob"

if ! mountpoint -q "$MNT" 2>/dev/null || ! grep -q " $MNT hugetlbfs " /proc/mounts; then
	mkdir -p "$MNT"
	if ! mount -t hugetlbfs nodev "$MNT"; then
		echo "hugepages.sh: mount -t hugetlbfs nodev $MNT failed" >&2
		exit 1
	fi
	echo "hugepages.sh: mounted hugetlbfs at $MNT"
else
	echo "hugepages.sh: hugetlbfs already mounted at $MNT"
fi

if [ "$after" -lt "$N" ]; then
	echo "hugepages.sh: the kernel gave only $after of $N pages (memory fragmented or short)" >&2
	exit 1
fi
if [ "$after" -gt "$N" ]; then
	echo "hugepages.sh: $after pages remain, not $N (in use by a running process?)" >&2
	exit 1
fi
exit 0
