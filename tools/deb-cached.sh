#!/usr/bin/env bash
# The Debian package of a source tree, built once per content of its files
# and kept in /var/cache/trapeze-test/deb/KEY (KEY: a hash of every file git
# lists, build directories left out), so tests that install it share a build.
#   tools/deb-cached.sh [SRC]              print the .deb's path, building it
#                                          (dpkg-buildpackage -us -uc -b in a
#                                          copy of SRC) when it is not cached
#   tools/deb-cached.sh --store DEB [SRC]  put DEB, built from SRC, in the cache
# SRC defaults to this checkout; TZ_NSPAWN_CACHE moves the cache.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
store=
if [ "${1:-}" = --store ]; then store=$(realpath "${2:?--store needs a .deb}"); shift 2; fi
src=$(cd "${1:-$here}" && pwd)
cache=${TZ_NSPAWN_CACHE:-/var/cache/trapeze-test}/deb
die() { echo "deb-cached: $*" >&2; exit 1; }

files() {   # NUL-separated, relative to $src
	if git -C "$src" rev-parse --show-toplevel >/dev/null 2>&1; then
		git -C "$src" ls-files -co --exclude-standard -z | grep -zv '^build'
	else
		(cd "$src" && find . -path './build*' -prune -o -path ./.git -prune -o -type f -print0)
	fi
}
key=$(cd "$src" && files | xargs -0 sha256sum 2>/dev/null | sha256sum | cut -c1-16)
version=$(sed -n "s/^  version : '\(.*\)',/\1/p" "$src/meson.build")
dir=$cache/$key
deb=$dir/trapeze_${version}_amd64.deb

if [ -n "$store" ]; then
	[ -f "$deb" ] && exit 0
	rm -rf "$cache"; mkdir -p "$dir"   # one tree's package at a time
	cp "$store" "$deb.tmp" && mv "$deb.tmp" "$deb"
	exit 0
fi
if [ ! -f "$deb" ]; then
	rm -rf "$cache"; mkdir -p "$dir/src"
	(cd "$src" && files | tar --null -T - -cf -) | tar -xf - -C "$dir/src"
	if ! env -C "$dir/src" DEB_BUILD_OPTIONS="parallel=2 nocheck" dpkg-buildpackage -us -uc -b \
		>"$dir/build.log" 2>&1; then
		tail -30 "$dir/build.log" >&2; rm -rf "$cache"
		die "dpkg-buildpackage -us -uc -b failed"
	fi
	rm -rf "$dir/src"
	[ -f "$deb" ] || die "no $deb after dpkg-buildpackage (version in debian/changelog != meson's?)"
fi
echo "$deb"
