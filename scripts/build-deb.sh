#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# build-deb.sh [OUTDIR]: `make deb`. Builds the Debian package with
# dpkg-buildpackage -b -us -uc in a temporary copy of the source tree (the
# tree and build/ gain no file), then copies dpdk-vipshare_VERSION_ARCH.deb
# to OUTDIR (default: the top of the tree) and prints its path last.
# The copy holds what git tracks or would track (untracked, not ignored
# files included), or without git everything but build*/ and .git.
# DEB_TIMEOUT bounds the build (seconds, default 900).
# Exit: 0 built, 1 failed.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src}
mkdir -p "$out"
out=$(cd "$out" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vs-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ver=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
arch=$(dpkg-architecture -q DEB_HOST_ARCH)
dst=$tmp/dpdk-vipshare-$ver
mkdir "$dst"

if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			# tracked but deleted in the work tree: not part of it
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done) | tar -C "$src" --null -T - -cf - | tar -C "$dst" -xf -
else
	tar -C "$src" --exclude=./.git --exclude=./build --exclude='./build-*' \
		--exclude='./*.deb' -cf - . | tar -C "$dst" -xf -
fi

echo "build-deb.sh: building dpdk-vipshare $ver ($arch) in $dst"
if ! (cd "$dst" && timeout "${DEB_TIMEOUT:-900}" \
	dpkg-buildpackage -b -us -uc -Jauto); then
	echo "build-deb.sh: dpkg-buildpackage failed" >&2
	exit 1
fi
deb=$tmp/dpdk-vipshare_${ver}_${arch}.deb
if [ ! -f "$deb" ]; then
	echo "build-deb.sh: dpkg-buildpackage made no $(basename "$deb")" >&2
	exit 1
fi
cp "$deb" "$out/"
echo "$out/$(basename "$deb")"
