#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# check_deb.sh SRC WORKDIR VERSION: the Debian package, end to end.
#   1. `make deb` builds it (in a temporary copy: the tree stays as it was)
#   2. version, conffiles, Depends found by dh_shlibdeps, Suggests
#   3. dpkg-deb -c lists every file the package promises (docs/install.md)
#   4. unpacked (dpkg -x): --version of the three programs, --check of the
#      shipped example config (its keys and values, a round trip, a bad
#      file refused, no EAL runtime directory made), vipshare-which against
#      reference vectors (tests/data/clusterip.tsv)
#   5. systemd-analyze verify accepts the unit (its binary, environment file
#      and Documentation= pages from the package)
#   6. man -l renders every page without a warning; the pages agree with
#      --help and with the agent's meta-data (check_man.py, real
#      ocf-shellfuncs)
#   7. lintian: no error, and every warning is one docs/install.md explains
set -euo pipefail

SRC=${1:?usage: check_deb.sh SRC WORKDIR VERSION}
WORK=${2:?}
VERSION=${3:?}
ARCH=$(dpkg-architecture -q DEB_HOST_ARCH)
DEB=$WORK/dpdk-vipshare_${VERSION}_${ARCH}.deb
ROOT=$WORK/root
PFX=vs-check-$$
nfail=0

fail() { echo "FAIL: $*" >&2; nfail=$((nfail + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }
# ok MARK MSG: MSG, if nothing failed since MARK=$nfail was taken
ok() { if [ "$1" = "$nfail" ]; then echo "ok: $2"; fi; }

cleanup() { rm -rf "/var/run/dpdk/$PFX" "/run/user/$(id -u)/dpdk/$PFX"; }
trap cleanup EXIT
trap 'echo "FAIL: check_deb.sh stopped by a failing command at line $LINENO" >&2' ERR

for t in dpkg-deb dpkg-buildpackage lintian systemd-analyze man gzip; do
	command -v "$t" >/dev/null || die "$t is not installed (scripts/deps.sh)"
done
rm -rf "$WORK"
mkdir -p "$WORK"

# --- 1. make deb, the tree untouched
tree_state() {
	if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$SRC" status --porcelain --ignored=matching -- . ':!build*' | sort
	fi
	find "$SRC" -maxdepth 1 -name '*.deb' | sort
}
m=$nfail
before=$(tree_state)
make -C "$SRC" --no-print-directory deb DEB_OUT="$WORK" > "$WORK/make-deb.log" 2>&1 || {
	tail -n 80 "$WORK/make-deb.log" >&2
	die "make deb failed (log: $WORK/make-deb.log)"
}
[ -f "$DEB" ] || die "make deb made no $DEB"
ok "$m" "make deb: $(basename "$DEB") ($(stat -c %s "$DEB") bytes)"
# the package build's own tests (debian/rules: dh_auto_test)
grep -E '^ *[0-9]+/[0-9]+ ' "$WORK/make-deb.log" | sed 's/^ */  dh_auto_test: /' || true
after=$(tree_state)
[ "$before" = "$after" ] || fail "make deb changed the source tree: $(diff <(echo "$before") <(echo "$after") | tail -n +2)"

# --- 2. control fields
m=$nfail
field() { dpkg-deb -f "$DEB" "$1"; }
[ "$(field Package)" = dpdk-vipshare ] || fail "Package is '$(field Package)'"
[ "$(field Version)" = "$VERSION" ] ||
	fail "package version '$(field Version)' is not meson's '$VERSION' (debian/changelog)"
depends=$(field Depends)
echo "Depends: $depends"
echo "Suggests: $(field Suggests)"
for s in pacemaker resource-agents; do
	[[ ", $(field Suggests)," == *", $s,"* ]] || fail "Suggests lacks $s"
done
if grep -q 'librte' "$SRC/debian/control"; then
	fail "debian/control names DPDK libraries by hand (dh_shlibdeps finds them)"
fi
# every DPDK library the daemon links is in Depends, through its package
dpkg-deb -x "$DEB" "$ROOT"
nlib=0
while read -r lib; do
	path=$(ldconfig -p | awk -v l="$lib" '$1 == l && p == "" { p = $NF } END { print p }')
	[ -n "$path" ] || { fail "$lib: not found by ldconfig"; continue; }
	# dpkg knows the file by the path the package ships: /usr/lib or /lib
	# (merged /usr), the symlink or its target
	pkg=$( { dpkg -S "$path" || dpkg -S "/usr${path#/usr}" ||
		dpkg -S "$(readlink -f "$path")"; } 2>/dev/null |
		awk -F: 'NR == 1 { print $1 }')
	[ -n "$pkg" ] || { fail "$lib ($path): no package owns it"; continue; }
	[[ ", $depends," == *", $pkg "* || ", $depends," == *", $pkg,"* ]] ||
		fail "$lib ($pkg) is linked but not in Depends"
	nlib=$((nlib + 1))
done < <(readelf -d "$ROOT/usr/bin/dpdk-vipshare" | sed -n 's/.*Shared library: \[\(librte_[^]]*\)\]/\1/p')
[ "$nlib" -gt 0 ] || fail "dpdk-vipshare links no librte_* library?"
ok "$m" "Depends: the $nlib DPDK libraries the daemon links, by package; Suggests; conffiles"
conffiles=$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles 2>/dev/null || true)
for c in /etc/dpdk-vipshare/vipshare.conf.example /etc/dpdk-vipshare/vipshare.env.example \
	/etc/logrotate.d/dpdk-vipshare; do
	grep -qx "$c" <<< "$conffiles" || fail "$c is not a conffile"
done

# --- 3. the files
m=$nfail
dpkg-deb -c "$DEB" | awk '{ print $1, $6 }' | sed 's| \./| /|' > "$WORK/contents"
promised=(
	"-rwxr-xr-x /usr/bin/dpdk-vipshare"
	"-rwxr-xr-x /usr/bin/vipshare-ctl"
	"-rwxr-xr-x /usr/bin/vipshare-which"
	"-rwxr-xr-x /usr/lib/ocf/resource.d/vipshare/dpdk-vipshare"
	"-rw-r--r-- /lib/systemd/system/dpdk-vipshare@.service"
	"-rw-r--r-- /usr/share/man/man8/dpdk-vipshare.8.gz"
	"-rw-r--r-- /usr/share/man/man8/vipshare-ctl.8.gz"
	"-rw-r--r-- /usr/share/man/man1/vipshare-which.1.gz"
	"-rw-r--r-- /usr/share/man/man7/ocf_vipshare_dpdk-vipshare.7.gz"
	"-rwxr-xr-x /usr/libexec/dpdk-vipshare/hugepages.sh"
	"-rw-r--r-- /etc/dpdk-vipshare/vipshare.conf.example"
	"-rw-r--r-- /etc/dpdk-vipshare/vipshare.env.example"
	"-rw-r--r-- /etc/logrotate.d/dpdk-vipshare"
	"-rw-r--r-- /usr/share/doc/dpdk-vipshare/copyright"
	"-rw-r--r-- /usr/share/doc/dpdk-vipshare/changelog.gz"
	"-rw-r--r-- /usr/share/doc/dpdk-vipshare/README.md.gz"
	"-rw-r--r-- /usr/share/doc/dpdk-vipshare/docs/install.md.gz"
	"-rw-r--r-- /usr/share/doc/dpdk-vipshare/docs/pacemaker.md.gz"
	"-rw-r--r-- /usr/share/doc/dpdk-vipshare/docs/design.md.gz"
)
for p in "${promised[@]}"; do
	grep -qxF -- "$p" "$WORK/contents" || fail "dpkg-deb -c lacks '$p'"
done
ok "$m" "dpkg-deb -c: the ${#promised[@]} promised files, with their modes"

# --- 4. the unpacked programs
B=$ROOT/usr/bin
for p in dpdk-vipshare vipshare-ctl vipshare-which; do
	out=$("$B/$p" --version 2>&1) || fail "$p --version exited $?"
	first=${out%%$'\n'*}
	case "$first" in
		"$p $VERSION"|"$p $VERSION "*) echo "ok: $p --version: $first" ;;
		*) fail "$p --version printed '$first', want '$p $VERSION'" ;;
	esac
done

EX=$ROOT/etc/dpdk-vipshare/vipshare.conf.example
m=$nfail
rc=0
"$B/dpdk-vipshare" --file-prefix "$PFX" -- --check --config "$EX" \
	> "$WORK/check.out" 2> "$WORK/check.err" || rc=$?
[ "$rc" = 0 ] || fail "--check on the example exited $rc: $(cat "$WORK/check.err")"
[ ! -s "$WORK/check.err" ] || fail "--check wrote to stderr: $(cat "$WORK/check.err")"
if [ -e "/var/run/dpdk/$PFX" ] || [ -e "/run/user/$(id -u)/dpdk/$PFX" ]; then
	fail "--check made an EAL runtime directory (it must not start the EAL)"
fi
# every key = value of the example is in the effective settings, as written
nkeys=0
while IFS= read -r line; do
	line=${line%%#*}
	[[ $line =~ ^[[:space:]]*([a-z-]+)[[:space:]]*=[[:space:]]*([^[:space:]]+)[[:space:]]*$ ]] || continue
	# a VIP is printed as its section, its keys under it
	if [ "${BASH_REMATCH[1]}" = vip ]; then
		want="[vip ${BASH_REMATCH[2]}]"
	else
		want="${BASH_REMATCH[1]} = ${BASH_REMATCH[2]}"
	fi
	grep -qxF "$want" "$WORK/check.out" ||
		fail "--check output lacks '$want' of the example's '${BASH_REMATCH[1]} = ${BASH_REMATCH[2]}'"
	nkeys=$((nkeys + 1))
done < "$EX"
[ "$nkeys" -ge 4 ] || fail "the example config has only $nkeys settings?"
# the output is a config file giving the same settings
"$B/dpdk-vipshare" --check --config "$WORK/check.out" > "$WORK/check2.out" 2>&1 ||
	fail "--check of --check's own output exited $?: $(cat "$WORK/check2.out")"
cmp -s "$WORK/check.out" "$WORK/check2.out" ||
	fail "--check of its own output differs: $(diff "$WORK/check.out" "$WORK/check2.out")"
sed 's/^vip = .*/vip = 300.1.1.1/' "$EX" > "$WORK/bad.conf"
rc=0
"$B/dpdk-vipshare" --check --config "$WORK/bad.conf" > "$WORK/bad.out" 2> "$WORK/bad.err" || rc=$?
[ "$rc" = 2 ] || fail "--check on a bad VIP exited $rc, want 2"
if [ "$(wc -l < "$WORK/bad.err")" != 1 ] || ! grep -q -- "--vip '300.1.1.1'" "$WORK/bad.err"; then
	fail "--check on a bad VIP: want one line naming --vip '300.1.1.1', got: $(cat "$WORK/bad.err")"
fi
ok "$m" "--check: the example's $nkeys settings, round trip, bad VIP refused (exit 2)"
sed 's/^/  /' "$WORK/check.out"

# vipshare-which: the first row of each hash mode of the reference vectors
m=$nfail
nvec=0
while IFS=$'\t' read -r mode ip sport dport proto total init _hash node node_nft; do
	[[ $mode == \#* || $mode == mode ]] && continue
	case "$proto" in tcp|udp|sctp|dccp|udplite) ;; *) sport=0 dport=0 ;; esac
	for compat in clusterip nft; do
		want=$node
		[ "$compat" = nft ] && want=$node_nft
		# nft hashes the source address only
		[ "$compat" = nft ] && [ "$mode" != sourceip ] && continue
		got=$("$B/vipshare-which" --total-nodes "$total" --hashmode "$mode" \
			--hash-init "$init" --hash-compat "$compat" "$ip:$sport:$dport") ||
			{ fail "vipshare-which exited $? on $ip:$sport:$dport"; continue; }
		[ "$got" = "$want" ] || fail "vipshare-which $mode $compat $ip:$sport:$dport N=$total init=$init: $got, want $want"
		nvec=$((nvec + 1))
	done
done < <(awk -F'\t' '!/^#/ && $1 != "mode" && !seen[$1 FS $6 FS $7]++' "$SRC/tests/data/clusterip.tsv")
[ "$nvec" -ge 3 ] || fail "only $nvec reference vectors tried"
ok "$m" "vipshare-which: $nvec reference vectors"

# --- 5. the unit
V=$WORK/verify-root
cp -a "$ROOT" "$V"
mkdir -p "$V/lib/systemd/system"
# systemd's own units (targets), which the check resolves in the root
cp -an /lib/systemd/system/. "$V/lib/systemd/system/"
cp "$V/etc/dpdk-vipshare/vipshare.conf.example" "$V/etc/dpdk-vipshare/test.conf"
cp "$V/etc/dpdk-vipshare/vipshare.env.example" "$V/etc/dpdk-vipshare/test.env"
rc=0
out=$(MANPATH=$V/usr/share/man SYSTEMD_LOG_LEVEL=notice \
	systemd-analyze verify --root="$V" dpdk-vipshare@test.service 2>&1) || rc=$?
if [ "$rc" != 0 ] || [ -n "$out" ]; then
	fail "systemd-analyze verify (exit $rc): $out"
else
	echo "ok: systemd-analyze verify dpdk-vipshare@test.service: clean"
fi
unit=$ROOT/lib/systemd/system/dpdk-vipshare@.service
grep -q '^ExecStart=/usr/bin/dpdk-vipshare .*--config /etc/dpdk-vipshare/%i.conf$' "$unit" ||
	fail "the unit's ExecStart does not run /usr/bin/dpdk-vipshare on /etc/dpdk-vipshare/%i.conf"
grep -qx 'EnvironmentFile=/etc/dpdk-vipshare/%i.env' "$unit" || fail "the unit lacks EnvironmentFile"

# --- 6. the pages
m=$nfail
npage=0
for page in "$ROOT"/usr/share/man/man*/*.gz; do
	rc=0
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" > "$WORK/page.txt" 2> "$WORK/page.err" || rc=$?
	if [ "$rc" != 0 ] || [ -s "$WORK/page.err" ]; then
		fail "man -l $(basename "$page") (exit $rc): $(head -n 5 "$WORK/page.err")"
	elif ! grep -q '^NAME' "$WORK/page.txt"; then
		fail "man -l $(basename "$page"): no NAME section"
	fi
	npage=$((npage + 1))
done
[ "$npage" = 4 ] || fail "$npage manual pages, want 4"
ok "$m" "man -l: $npage pages render without warnings"
/usr/bin/python3 "$SRC/tests/package/check_man.py" --man-dir "$ROOT/usr/share/man" \
	--bin-dir "$B" --agent "$ROOT/usr/lib/ocf/resource.d/vipshare/dpdk-vipshare" \
	--shellfuncs real || fail "the packaged pages disagree with --help or the meta-data"

# --- 7. lintian
m=$nfail
rc=0
lintian --fail-on error --tag-display-limit 0 "$DEB" > "$WORK/lintian.txt" 2>&1 || rc=$?
cat "$WORK/lintian.txt"
[ "$rc" = 0 ] || fail "lintian exited $rc"
grep -q '^E: ' "$WORK/lintian.txt" && fail "lintian reports errors"
while read -r tag; do
	grep -q -- "\`$tag\`" "$SRC/docs/install.md" ||
		fail "lintian warning $tag is not explained in docs/install.md"
done < <(sed -n 's/^W: [^:]*: \([a-z0-9-]*\).*/\1/p' "$WORK/lintian.txt" | sort -u)
ok "$m" "lintian: $(grep -c '^E: ' "$WORK/lintian.txt" || true) errors, $(grep -c '^W: ' "$WORK/lintian.txt" || true) warnings"

if [ "$nfail" -gt 0 ]; then
	echo "$nfail failure(s)" >&2
	exit 1
fi
echo "deb: $(basename "$DEB") builds, holds what it promises, runs, verifies"
