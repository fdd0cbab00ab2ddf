#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# check_unit_caps.sh BUILD_DIR: the systemd unit's hardening is enough for
# the PMDs it claims, and each capability it grants is needed.
#
# There is no running systemd here, so the sandbox the unit asks for is
# built by hand from the unit file (the build's dpdk-vipshare@.service):
#   CapabilityBoundingSet=  setpriv --bounding-set (the daemon runs as root:
#                           its capabilities are the bounding set)
#   NoNewPrivileges=yes     setpriv --no-new-privs
#   LimitMEMLOCK=infinity   prlimit --memlock
#   ProtectSystem=strict    / re-mounted read-only in a mount namespace ...
#   RuntimeDirectory=       ... but for /run/dpdk/PREFIX
#   PrivateTmp=yes          fresh tmpfs on /tmp and /var/tmp
#   ProtectKernelTunables=  /sys and /proc/sys read-only
#   ProtectHome=yes         empty read-only /home and /root
# (the seccomp settings, RestrictAddressFamilies= and the like, are not
# emulated). In a namespace of its own, with a veth as the NIC, the daemon
# must come up (TAP with the VIP, vipshare-ctl answers) on af_packet with
# the unit as it is, and on af_xdp with the drop-in the unit and
# dpdk-vipshare(8) give for it (CAP_SYS_ADMIN added); it must fail on
# af_xdp without that drop-in, and on af_packet without CAP_NET_ADMIN or
# CAP_NET_RAW. Host ports: tap works in the unit as it is; --host vnet
# needs CAP_SYS_ADMIN (its peer's network namespace) and is refused
# without, and runs without its NAPI thread (read-only /sys), saying so;
# the default (no --host, vnet) falls back to a TAP and says so. vfio-pci (CAP_IPC_LOCK, CAP_SYS_RAWIO) and virtio-user need
# devices this machine does not have.
# A build under /tmp, /var/tmp, /home or /root (which the sandbox hides, as
# the unit does) is run from a copy of the daemon under /run.
set -euo pipefail

BUILD=${1:?usage: check_unit_caps.sh BUILD_DIR}
APP=$BUILD/app/dpdk-vipshare
CTL=$BUILD/app/vipshare-ctl
UNIT=$BUILD/systemd/dpdk-vipshare@.service
NS=vsu-caps-$$
PFX=vipshare-capstest-$$
RT=/run/dpdk/$PFX
TAP=vscap0
pid=
out=$(mktemp)
copy=

fail() { echo "FAIL: $*" >&2; exit 1; }

cleanup() {
	if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$RT" "$out"
	[ -z "$copy" ] || rm -rf "$copy"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "needs root (namespaces, mounts, capabilities)"
for t in setpriv prlimit unshare ip capsh; do
	command -v "$t" >/dev/null || fail "$t is not installed"
done
[ -f "$UNIT" ] || fail "no $UNIT (build first)"
[ -x "$APP" ] || fail "no $APP (build first)"

# PrivateTmp= and ProtectHome= hide these in the sandbox: the daemon of a
# tree checked out there runs from a copy (it links only system libraries,
# its PMDs are the system's)
case "$(realpath "$APP")" in
/tmp/* | /var/tmp/* | /home/* | /root/*)
	for d in /run /var/lib; do
		copy=$(mktemp -d "$d/vs-caps-XXXXXX" 2>/dev/null) || continue
		cp "$APP" "$copy/dpdk-vipshare"
		"$copy/dpdk-vipshare" --version >/dev/null 2>&1 && break
		rm -rf "$copy"
		copy=
	done
	[ -n "$copy" ] || fail "$APP is hidden by the unit's sandbox (PrivateTmp=/ProtectHome=) and no copy under /run or /var/lib can run: build outside /tmp, /var/tmp, /home and /root"
	echo "note: $APP is under a directory the sandbox hides: running a copy, $copy/dpdk-vipshare"
	APP=$copy/dpdk-vipshare
	;;
esac

unit_value() { sed -n "s/^$1=//p" "$UNIT" | tail -n 1; }
caps=$(unit_value CapabilityBoundingSet)
[ -n "$caps" ] || fail "the unit sets no CapabilityBoundingSet"
[ "$(unit_value NoNewPrivileges)" = yes ] || fail "the unit lacks NoNewPrivileges=yes"
[ "$(unit_value LimitMEMLOCK)" = infinity ] || fail "the unit lacks LimitMEMLOCK=infinity"
[ "$(unit_value ProtectSystem)" = strict ] || fail "the unit lacks ProtectSystem=strict"
[ "$(unit_value RuntimeDirectory)" = 'dpdk/vipshare-%i' ] ||
	fail "the unit's RuntimeDirectory is not dpdk/vipshare-%i"
echo "unit: CapabilityBoundingSet=$caps"

# The unit's capabilities plus $1 minus $2 (both "CAP_X CAP_Y"), as
# setpriv's "-all,+a,+b"
bounding() {
	local c s="-all"
	for c in $caps $1; do
		[[ " $2 " == *" $c "* ]] && continue
		c=${c#CAP_}
		s+=",+${c,,}"
	done
	echo "$s"
}

# sandboxed BOUNDING CMD...: CMD as the unit would run it
sandboxed() {
	local bset=$1
	shift
	mkdir -p "$RT"
	chmod 0700 "$RT"
	# shellcheck disable=SC2016 # expanded by the sandboxed shell
	exec prlimit --memlock="$MEMLOCK" \
	unshare --mount --propagation private -- /bin/sh -c '
		set -e
		rt=$1; shift
		mount --bind "$rt" "$rt"
		mount -o remount,bind,ro /
		mount -t tmpfs -o mode=1777 tmpfs /tmp
		mount -t tmpfs -o mode=1777 tmpfs /var/tmp
		mount --bind /sys /sys && mount -o remount,bind,ro /sys
		mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys
		for h in /home /root; do
			[ -d "$h" ] && mount -t tmpfs -o ro,mode=0755 tmpfs "$h"
		done
		exec "$@"' sh "$RT" \
		setpriv --bounding-set "$bset" --inh-caps -all --no-new-privs -- "$@"
}

# LimitMEMLOCK=infinity, where this machine lets root raise the hard limit
# (a container without CAP_SYS_RESOURCE does not: then the hard limit it
# has; CAP_IPC_LOCK, which the unit grants, exempts pinned memory anyway)
MEMLOCK=unlimited:unlimited
if ! prlimit --memlock=$MEMLOCK true 2>/dev/null; then
	MEMLOCK=$(ulimit -Hl)
	[ "$MEMLOCK" = unlimited ] || MEMLOCK=$((MEMLOCK * 1024))
	MEMLOCK=$MEMLOCK:$MEMLOCK
	echo "note: cannot raise RLIMIT_MEMLOCK here (no CAP_SYS_RESOURCE): using $MEMLOCK"
fi

# the sandbox is one: / read-only, the runtime directory writable, /tmp
# private, /sys read-only, the effective capabilities the unit's
# shellcheck disable=SC2016 # expanded by the sandboxed shell
probe=$(sandboxed "$(bounding "" "")" /bin/sh -c '
	touch /etc/vs-caps-probe 2>/dev/null && echo "etc-writable"
	touch "$1/probe" || echo "rt-readonly"
	[ -z "$(ls -A /tmp)" ] || echo "tmp-shared"
	touch /sys/kernel/vs-caps-probe 2>/dev/null && echo "sys-writable"
	sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status' sh "$RT" 2>&1) || true
rm -f /etc/vs-caps-probe "$RT/probe"
[[ $probe =~ ^[0-9a-f]{16}$ ]] || fail "the emulated sandbox leaks: $probe"
eff=$(capsh --decode="$probe" | sed 's/.*=//' | tr ',' '\n' | sort | tr '\n' ' ')
want=$(for c in $caps; do echo "${c,,}"; done | sort | tr '\n' ' ')
[ "$eff" = "$want" ] || fail "effective capabilities in the sandbox: $eff, want $want"
echo "ok: sandbox: / and /sys read-only, $RT writable, /tmp private, capabilities $eff"

ip netns add "$NS"
ip -n "$NS" link add nic0 type veth peer name peer0
ip -n "$NS" link set nic0 up
ip -n "$NS" link set peer0 up

# run PMD ADD REMOVE [HOST]: start the daemon with the unit's capabilities
# plus ADD minus REMOVE, the host port "tap:$TAP" or HOST ("default": no
# --host, the interface vs0); 0 when it came up (VIP on the host
# interface, control answers), after stopping it; 1 when it exited
run() {
	local pmd=$1 add=$2 remove=$3 host=${4:-tap} vdev i hostarg
	case "$host" in
		default) IFN=vs0; hostarg=() ;;
		*) IFN=$TAP; hostarg=(--host "$host:$TAP") ;;
	esac
	case "$pmd" in
		af_packet) vdev=net_af_packet0,iface=nic0 ;;
		af_xdp) vdev=net_af_xdp0,iface=nic0 ;;
	esac
	ip netns exec "$NS" bash -c "$(declare -f sandboxed); RT=$RT MEMLOCK=$MEMLOCK; sandboxed \"\$@\"" sh \
		"$(bounding "$add" "$remove")" \
		"$APP" -l 0 --no-huge -m 256 --no-pci --file-prefix "$PFX" \
		--vdev "$vdev" -- --vip 192.168.78.100/24 --node 1/2 \
		"${hostarg[@]}" --idle-sleep 200 --garp 0 --igmp off \
		>"$out" 2>&1 </dev/null &
	pid=$!
	for ((i = 0; i < 300; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" || true
			pid=
			return 1
		fi
		if ip -n "$NS" -4 addr show dev "$IFN" 2>/dev/null | grep -q 192.168.78.100 &&
			[ "$("$CTL" --file-prefix "$PFX" nodes 2>/dev/null)" = 1 ]; then
			kill -TERM "$pid"
			local rc=0
			wait "$pid" || rc=$?
			[ "$rc" = 0 ] || { cat "$out" >&2; fail "$pmd: exit status $rc after SIGTERM"; }
			pid=
			return 0
		fi
		sleep 0.1
	done
	cat "$out" >&2
	fail "$pmd: neither up nor gone after 30 s"
}

# the last line of the daemon's own, or else the last line
why() { grep -E '^([^ ]+ )?dpdk-vipshare: ' "$out" | tail -n 1 || tail -n 1 "$out"; }

# name, PMD, capabilities added, removed, must come up (1) or not (0),
# host port (default tap)
cases=(
	"unit:af_packet,default-host|af_packet|||1|default"
	"unit+CAP_SYS_ADMIN:af_packet,vnet|af_packet|CAP_SYS_ADMIN||1|vnet"
	"unit:af_packet,vnet|af_packet|||0|vnet"
	"unit:af_packet|af_packet|||1"
	"unit+drop-in:af_xdp|af_xdp|CAP_SYS_ADMIN||1"
	"unit:af_xdp|af_xdp|||0"
	"unit-CAP_NET_ADMIN:af_packet|af_packet||CAP_NET_ADMIN|0"
	"unit-CAP_NET_RAW:af_packet|af_packet||CAP_NET_RAW|0"
	"unit+drop-in-CAP_NET_RAW:af_xdp|af_xdp|CAP_SYS_ADMIN|CAP_NET_RAW|0"
)
for c in "${cases[@]}"; do
	IFS='|' read -r name pmd add remove up host <<< "$c"
	for x in $remove; do
		[[ " $caps " == *" $x "* ]] || fail "the unit does not grant $x"
	done
	if run "$pmd" "$add" "$remove" "$host"; then
		[ "$up" = 1 ] || fail "$name: came up, but should not (a capability granted for nothing?)"
		# the default host port is vnet, which the unit cannot create:
		# it must have said so and used a TAP
		if [ "$host" = default ]; then
			grep -q "using tap:vs0 instead" "$out" || { cat "$out" >&2; fail "$name: no fall-back to tap said"; }
		fi
		# /sys is read-only in the unit (ProtectKernelTunables): vnet
		# runs without its NAPI thread and says why
		if [ "$host" = vnet ]; then
			grep -q "threaded NAPI (sysfs threaded): Read-only file system" "$out" ||
				{ cat "$out" >&2; fail "$name: no word on the NAPI thread left out"; }
		fi
		echo "ok: $name: up ($IFN with the VIP, control socket answers), stopped"
	else
		[ "$up" = 0 ] || { cat "$out" >&2; fail "$name: did not come up"; }
		echo "ok: $name: refused as expected: $(why)"
	fi
done
echo "unit-caps: af_packet runs in the unit's sandbox, af_xdp with the CAP_SYS_ADMIN drop-in; CAP_NET_ADMIN and CAP_NET_RAW are needed"
