#!/usr/bin/env bash
# A minimal Debian 12 root that boots with systemd as PID 1 under
# `systemd-nspawn -b`, made with debootstrap from the mirror this machine's
# apt already uses, and cached: a second call returns at once.  The root is
# rebuilt when it is missing, half made (no stamp) or no longer runs.
#   tools/nspawn-root.sh [DIR]    prints DIR/root (default DIR
#                                 /var/cache/trapeze-test/bookworm)
# Needs root, debootstrap, systemd-container.  The cached root is never booted
# read-write by the tests: they boot an overlay of it (tools/nspawn-unit.sh).
set -euo pipefail
dir=${1:-/var/cache/trapeze-test/bookworm}
root=$dir/root
stamp=$dir/root.ok
die() { echo "nspawn-root: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root"
command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"

# The Debian mirror apt uses here (deb822 or one-line sources), else Debian's.
mirror() {
	local f u
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		u=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' "$f")
		[ -n "$u" ] && { echo "$u"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		u=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' "$f")
		[ -n "$u" ] && { echo "$u"; return; }
	done
	echo http://deb.debian.org/debian
}

usable() {
	[ -f "$stamp" ] && [ -x "$root/lib/systemd/systemd" ] && [ -x "$root/usr/bin/apt-get" ] &&
		chroot "$root" /bin/true 2>/dev/null
}

if usable; then echo "$root"; exit 0; fi

mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if usable; then echo "$root"; exit 0; fi
rm -rf "$root" "$root.new" "$stamp"
m=$(mirror)
echo "nspawn-root: debootstrap bookworm from $m into $root" >&2
# minbase + what boots and what the package's maintainer scripts use; the
# rest (trapeze's Depends) comes with `apt install ./trapeze_*.deb`.
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,adduser,iproute2,procps \
	bookworm "$root.new" "$m" >"$dir/debootstrap.log" 2>&1 ||
	{ tail -20 "$dir/debootstrap.log" >&2; rm -rf "$root.new"; die "debootstrap failed (log $dir/debootstrap.log)"; }
# apt inside uses the same mirror (and the security suite when the host has it)
{
	echo "deb $m bookworm main"
	echo "deb $m bookworm-updates main"
	grep -hs '^URIs:.*security' /etc/apt/sources.list.d/*.sources | awk '{print "deb " $2 " bookworm-security main"; exit}'
} >"$root.new/etc/apt/sources.list"
echo trapeze-test >"$root.new/etc/hostname"
# keep downloaded packages: a re-run installs trapeze's Depends from the cache
rm -f "$root.new/etc/apt/apt.conf.d/docker-clean"
echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$root.new/etc/apt/apt.conf.d/10keep"
# a throw-away test system: dpkg need not fsync every file (as Debian's
# container images do); apt install takes half the time on a busy disk
echo force-unsafe-io >"$root.new/etc/dpkg/dpkg.cfg.d/unsafe-io"
# no getty on a console nobody reads; nothing that waits for a network
# the container does not configure itself
for u in console-getty.service getty@tty1.service systemd-networkd-wait-online.service; do
	ln -sf /dev/null "$root.new/etc/systemd/system/$u"
done
# the package lists of all three suites, so a first `apt install` needs no update
keep=(); [ -d /run/systemd/system ] || keep=(--keep-unit)   # no systemd host to ask for a scope
systemd-nspawn -q --register=no "${keep[@]}" -D "$root.new" --pipe apt-get update -q \
	>>"$dir/debootstrap.log" 2>&1 || die "apt-get update in the new root failed (log $dir/debootstrap.log)"
mv "$root.new" "$root"
touch "$stamp"
echo "$root"
