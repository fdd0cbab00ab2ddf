#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# deps.sh [GROUP...]: install the Debian 12 packages dpdk-vipshare needs to
# build, test and run its demo; only those of the GROUPs given (BUILD, TEST,
# NET, PCMK, DEB: `make deb` needs BUILD and DEB), else all. Idempotent: does
# nothing (and prints nothing) when every package is already installed; runs
# 'apt-get update' only when something is missing.
#
# To add a package, append it to the group it belongs to (or add a group and
# list it in PKG_GROUPS).
# shellcheck disable=SC2034 # the PKGS_* arrays are read through PKG_GROUPS
set -euo pipefail

# Build: compiler, build system, DPDK and the libraries the code links;
# scdoc and xsltproc turn the manual pages' sources into roff; meson setup
# also configures the unit tests (cmocka, python3).
PKGS_BUILD=(
	gcc make pkg-config meson ninja-build
	libdpdk-dev dpdk-dev libpcap-dev libssl-dev
	scdoc xsltproc libcmocka-dev python3
)
# Unit tests.
PKGS_TEST=(
	clang libclang-rt-14-dev cppcheck python3-matplotlib
)
# Packet crafting, captures and the network-namespace demo/tests.
PKGS_NET=(
	python3-scapy iproute2 iputils-ping socat iperf3 tcpdump ethtool nftables
	procps psmisc libcap2-bin
)
# A real Pacemaker/Corosync cluster for the pacemaker suite; logrotate for
# the agent test's rotation of the daemon's log (debian/dpdk-vipshare.logrotate).
PKGS_PCMK=(
	pacemaker corosync pacemaker-cli-utils resource-agents pcs logrotate
)
# The Debian package (make deb) and its checks in the package suite:
# systemd-analyze verify, man -l, lintian.
PKGS_DEB=(
	debhelper dpkg-dev lintian systemd man-db
)
PKG_GROUPS=(PKGS_BUILD PKGS_TEST PKGS_NET PKGS_PCMK PKGS_DEB)

if [ $# -gt 0 ]; then
	PKG_GROUPS=()
	for g in "$@"; do
		case "$g" in
			BUILD|TEST|NET|PCMK|DEB) PKG_GROUPS+=("PKGS_$g") ;;
			*) echo "deps.sh: unknown group '$g' (BUILD TEST NET PCMK DEB)" >&2
			   exit 2 ;;
		esac
	done
fi

all=()
for g in "${PKG_GROUPS[@]}"; do
	declare -n group="$g"
	all+=("${group[@]}")
	unset -n group
done

# Prints the subset of its arguments that is not installed (one dpkg-query).
not_installed() {
	local -A ok=()
	local name status p
	while read -r name status; do
		if [ "$status" = installed ]; then ok[$name]=1; fi
	done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" 2>/dev/null || true)
	for p in "$@"; do
		if [ -z "${ok[$p]:-}" ]; then echo "$p"; fi
	done
}

mapfile -t missing < <(not_installed "${all[@]}")

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	echo "deps.sh: run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi

echo "deps.sh: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -q; then
	echo "deps.sh: apt-get update failed" >&2
	exit 1
fi
if ! apt-get install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}" </dev/null; then
	echo "deps.sh: apt-get install failed for: ${missing[*]}" >&2
	exit 1
fi
# Double-check: a package apt did not install (held, renamed) is a failure.
mapfile -t still < <(not_installed "${missing[@]}")
if [ ${#still[@]} -ne 0 ]; then
	echo "deps.sh: still not installed after apt-get: ${still[*]}" >&2
	exit 1
fi
echo "deps.sh: installed: ${missing[*]}"
