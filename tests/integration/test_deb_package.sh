#!/usr/bin/env bash
# The Debian package, end to end (issue 13): build it with dpkg-buildpackage
# in a temporary copy of the tree, `apt-get install ./trapeze_*.deb`, check
# what a carrier's engineer finds (files, the trapeze user, the conffile, the
# unit), run the installed trapezed the way trapeze.service does (its User=,
# AmbientCapabilities=, NoNewPrivileges=, LimitMEMLOCK=, LimitNOFILE= read
# from the installed unit and applied with setpriv/prlimit: PID 1 is not
# systemd here) on two null ports in its own network namespace, ask it
# `trapezectl show version`, then `apt-get purge` and check it is all gone.
#
# Installs into /usr; purges at the end, also when a check failed.  Refuses
# (SKIP) to touch a trapeze package that it did not install itself.  TAP.
set -uo pipefail
src=${TZ_SRC:?TZ_SRC must name the source tree}
work=$(mktemp -d /tmp/tz-deb.XXXXXX)
marker=/var/lib/trapeze-deb-test.installed
n=0; failures=0; daemon_pid=

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@" >"$work/out" 2>&1; then ok "$d"; else not_ok "$d"; sed 's/^/# /' "$work/out" | tail -30; fi; }
apt() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q -y "$@"; }
installed() { dpkg-query -W -f='${Status}' trapeze 2>/dev/null | grep -q "install ok installed"; }
purge() { apt purge trapeze >"$work/purge.log" 2>&1; rm -f "$marker"; }

cleanup() {
	[ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null
	[ -f "$marker" ] && purge
	rm -rf "$work"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then echo "1..0 # SKIP needs root (apt-get, setpriv)"; exit 0; fi
for t in dpkg-buildpackage dh setpriv prlimit unshare; do
	command -v "$t" >/dev/null || { echo "1..0 # SKIP $t missing (tools/install-deps.sh --with-pkg)"; exit 0; }
done
if installed && [ ! -f "$marker" ]; then
	echo "1..0 # SKIP a trapeze package this test did not install is present; not touching it"
	exit 0
fi
[ -f "$marker" ] && purge   # left by an interrupted run of this test

# 1. Build from a copy: the tree's own files (git's list when it is a
# checkout), never its build directories.
mkdir -p "$work/src"
if git -C "$src" rev-parse --show-toplevel >/dev/null 2>&1; then
	(cd "$src" && git ls-files -co --exclude-standard -z | grep -zv '^build' |
		tar --null -T - -cf -) | tar -xf - -C "$work/src"
else
	tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$work/src"
fi
version=$(sed -n "s/^  version : '\(.*\)',/\1/p" "$src/meson.build")
check "dpkg-buildpackage -us -uc -b builds the package" \
	env -C "$work/src" DEB_BUILD_OPTIONS="parallel=2 nocheck" dpkg-buildpackage -us -uc -b
deb="$work/trapeze_${version}_amd64.deb"
if [ ! -f "$deb" ]; then
	not_ok "trapeze_${version}_amd64.deb (the meson project version) was built"; ls "$work" | sed 's/^/# /'
	echo "1..$n"; exit 1
fi
ok "trapeze_${version}_amd64.deb (the meson project version) was built"
# the systemd suite installs the same package: keep this build for it
"$src/tools/deb-cached.sh" --store "$deb" "$src" >/dev/null 2>&1 || true
if command -v lintian >/dev/null; then
	lintian --tag-display-limit 0 "$deb" 2>/dev/null | sed 's/^/# lintian: /'
fi

# 2. Install with apt, which resolves the dependencies by name.
touch "$marker"
check "apt-get install ./trapeze_${version}_amd64.deb" apt install "$deb"
check "installed, version $version" sh -c "dpkg-query -W -f='\${Version}' trapeze | grep -qx '$version'"
check "Depends names the runtime libraries (shlibs) and the DPDK drivers" sh -c \
	"dpkg-query -W -f='\${Depends}' trapeze | grep -q 'librte-eal23' &&
	 dpkg-query -W -f='\${Depends}' trapeze | grep -q 'libssl3' &&
	 dpkg-query -W -f='\${Depends}' trapeze | grep -q 'librte-net-tap23'"
files=(/usr/sbin/trapezed /usr/bin/trapezectl /usr/bin/trapeze-bench
       /usr/share/trapeze/web/trapeze.js /usr/share/trapeze/web/index.html
       /usr/share/man/man8/trapezed.8.gz /usr/share/man/man8/trapezectl.8.gz
       /usr/share/man/man1/trapeze-bench.1.gz /lib/systemd/system/trapeze.service
       /usr/share/doc/trapeze/install.md /etc/trapeze/trapeze.yaml /etc/logrotate.d/trapeze)
check "the binaries, web client, man pages, unit, docs and config are in place" ls "${files[@]}"
check "/etc/trapeze/trapeze.yaml is a conffile" sh -c \
	"dpkg-query -W -f='\${Conffiles}' trapeze | grep -q ' /etc/trapeze/trapeze.yaml '"
check "system user trapeze (uid < 1000, no login shell)" sh -c \
	'u=$(getent passwd trapeze) && [ "$(echo "$u" | cut -d: -f3)" -lt 1000 ] &&
	 echo "$u" | grep -q ":/usr/sbin/nologin$"'
check "/var/lib/trapeze and /var/log/trapeze belong to trapeze" sh -c \
	'[ "$(stat -c %U:%G /var/lib/trapeze)" = trapeze:trapeze ] &&
	 [ "$(stat -c %U:%G /var/log/trapeze)" = trapeze:trapeze ]'
check "trapezed --version says $version" sh -c "/usr/sbin/trapezed --version | grep -qx 'trapezed $version'"
check "installed trapezed --check-config /etc/trapeze/trapeze.yaml: OK" \
	/usr/sbin/trapezed --check-config /etc/trapeze/trapeze.yaml
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify trapeze.service" systemd-analyze verify /lib/systemd/system/trapeze.service
fi
check "man trapezed renders" sh -c 'MANWIDTH=80 man -l /usr/share/man/man8/trapezed.8.gz | grep -q "media gateway daemon"'

# 3. Run it as the unit does: the same user, capabilities and limits.
unit=/lib/systemd/system/trapeze.service
key() { sed -n "s/^$1=//p" "$unit" | tail -1; }
user=$(key User); group=$(key Group)
caps=$(key AmbientCapabilities | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
bset=$(key CapabilityBoundingSet | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
memlock=$(key LimitMEMLOCK | sed "s/^infinity$/unlimited/"); nofile=$(key LimitNOFILE)
nnp=; [ "$(key NoNewPrivileges)" = yes ] && nnp=--no-new-privs
# Limits as the unit sets them, when this machine lets root raise them (a
# container without CAP_SYS_RESOURCE cannot raise a hard limit): say so.
limits=()
for l in "--memlock=$memlock:$memlock" "--nofile=$nofile:$nofile"; do
	if prlimit "$l" true 2>/dev/null; then limits+=("$l")
	else echo "# $l not applied: hard limit here is lower and cannot be raised (no CAP_SYS_RESOURCE)"; fi
done
echo "# as the unit: user $user group $group caps $caps memlock $memlock nofile $nofile $nnp"
run="$work/run"; mkdir -p "$run/rt"; chmod 755 "$work" "$run"; chown "$user:$group" "$run/rt"
cat >"$run/trapeze.yaml" <<YAML
eal:
  control_core: 0
  worker_cores: [1]
  hugepages: no
  memory_mb: 256
  idle_sleep_us: 100
  file_prefix: tz-debtest
ports:
  - {name: pa, role: access, driver: "null", ipv4: 198.51.100.1/24}
  - {name: pc, role: core, driver: "null", ipv4: 203.0.113.1/24}
signalling:
  http: 127.0.0.1:8080
sip:
  listen: ["127.0.0.1:5060"]
logging:
  target: stderr
  level: info
control:
  socket: $run/rt/trapezed.sock
  mode: "0660"
  group: $group
YAML
chmod 644 "$run/trapeze.yaml"
unshare -n sh -c 'ip link set lo up && exec "$@"' sh \
	prlimit "${limits[@]}" \
	setpriv --reuid="$user" --regid="$group" --init-groups $nnp \
		--inh-caps=-all,"$caps" --ambient-caps=-all,"$caps" --bounding-set=-all,"$bset" \
	env XDG_RUNTIME_DIR="$run/rt" /usr/sbin/trapezed -c "$run/trapeze.yaml" >"$run/log" 2>&1 &
daemon_pid=$!
up=no
for _ in $(seq 1 150); do
	kill -0 "$daemon_pid" 2>/dev/null || break
	/usr/bin/trapezectl --socket "$run/rt/trapezed.sock" show version >"$run/version" 2>&1 && { up=yes; break; }
	sleep 0.2
done
if [ "$up" = yes ] && grep -q "^trapezed: *$version" "$run/version"; then
	ok "installed trapezed runs as the unit would ($user, $caps) and trapezectl show version answers"
else
	not_ok "installed trapezed runs as the unit would and trapezectl show version answers"
	sed 's/^/# /' "$run/version" "$run/log" | tail -40
fi
pid=$(sed -n 's/^pid: *//p' "$run/version"); pid=${pid:-0}
check "the daemon runs as user $user, not root" sh -c "[ \"\$(ps -o user= -p '$pid')\" = '$user' ]"
kill -TERM "$daemon_pid" 2>/dev/null
rc=124
for _ in $(seq 1 100); do kill -0 "$daemon_pid" 2>/dev/null || { wait "$daemon_pid"; rc=$?; break; }; sleep 0.1; done
daemon_pid=
if [ "$rc" -eq 0 ]; then ok "SIGTERM: clean stop"; else not_ok "SIGTERM: clean stop (status $rc)"; sed 's/^/# /' "$run/log" | tail -20; fi
check "nothing left in the runtime directory" sh -c "[ -z \"\$(ls -A '$run/rt')\" ]"

# 4. Purge: everything goes (the system user stays, as Debian does).
check "apt-get purge trapeze" apt purge trapeze
rm -f "$marker"
check "purged: no package, binaries, unit, config, state or logs" sh -c '
	! dpkg-query -W -f="\${Status}" trapeze 2>/dev/null | grep -q installed &&
	for f in /usr/sbin/trapezed /usr/bin/trapezectl /usr/share/trapeze /lib/systemd/system/trapeze.service \
		 /etc/trapeze /etc/logrotate.d/trapeze /var/lib/trapeze /var/log/trapeze; do [ ! -e "$f" ] || { echo "left: $f"; exit 1; }; done'

echo "1..$n"
[ "$failures" -eq 0 ]
