#!/usr/bin/env bash
# Issue 13's "Done when", as a new user would do it, under a real systemd as
# PID 1 (docs/install.md "Check it under systemd"):
#   a Debian 12 root (debootstrap, cached: tools/nspawn-root.sh), booted with
#   `systemd-nspawn -b` inside the lab's gateway namespace `gw` (so the lab's
#   browsers in `web` and the PBX in `sip` reach it over the lab's veths);
#   inside: `apt install ./trapeze_*.deb`, ONE file edited
#   (/etc/trapeze/trapeze.yaml: two ports on DPDK's af_packet driver, a trunk
#   to the lab PBX, a metrics listener, a CDR file), `systemctl start
#   trapeze` (Type=notify: returns at READY=1), then a real call from the lab's
#   web namespace to the PBX: Chromium on the demo page the package serves
#   (tests/e2e/demo_call.mjs), or trapeze-bench calls (WebSocket + ICE + DTLS
#   + SRTP as a browser) where there is no Chromium; during it `systemctl
#   reload trapeze` with a changed file: same PID, new generation, the call's
#   packets keep rising both ways (gateway flows and the browser's getStats);
#   afterwards /metrics counts the call, the CDR file holds its line with code
#   200, the journal has SUBSYSTEM= fields, `systemctl stop` is clean, `apt
#   purge` removes it all.
#
# The cached root is never changed: the container boots an overlay of it (a
# temporary upper dir) and apt's downloads are kept in the cache.  TAP.
# SKIPs (with the reason) only when this machine cannot do it: not root, a
# tool missing, or systemd-nspawn cannot boot a container here.
# Env: TZ_BUILD (trapeze-bench for the client), TZ_SRC (the tree the .deb is
# built from), TZ_DEB (use this .deb instead of building one),
# TZ_NSPAWN_CACHE (default /var/cache/trapeze-test), TZ_SYSTEMD_CLIENT
# (browser|bench: the caller; default browser when Chromium and node >= 20
# are here).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
src=${TZ_SRC:-$here}
build=${TZ_BUILD:-$here/build}
cache=${TZ_NSPAWN_CACHE:-/var/cache/trapeze-test}
lock=/tmp/tz-test.lock
bench=$build/bench/trapeze-bench
lab="$here/tools/lab.sh"
t0=$(date +%s)

skip() { echo "1..0 # SKIP $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, systemd-nspawn, network namespaces)"
for t in debootstrap systemd-nspawn nsenter dpkg-buildpackage sipp curl flock; do
	command -v "$t" >/dev/null ||
		skip "$t missing (tools/install-deps.sh --with-lab installs debootstrap, systemd-container, sipp, curl)"
done
# The caller: Chromium on the demo page (node >= 20 + playwright-core), else
# the native load client.  TZ_SYSTEMD_CLIENT=browser|bench chooses.
client=${TZ_SYSTEMD_CLIENT:-}
if [ -z "$client" ]; then
	client=bench
	if command -v node >/dev/null && [ -x "${TZ_CHROMIUM:-/usr/bin/chromium}" ] &&
	   [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; then client=browser; fi
fi
[ "$client" = browser ] || [ -x "$bench" ] ||
	skip "no caller: neither Chromium with node >= 20 nor trapeze-bench in $build (ninja -C $build)"

work=$(mktemp -d /var/tmp/tz-systemd.XXXXXX)
state=$work/lab
export TZ_BUILD=$build TZ_LAB_STATE=$state TZ_LAB_LOCKED=1
n=0; failures=0; nspawn_pid=; merged=; have_lock=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@" >"$work/out" 2>&1; then ok "$d"; else not_ok "$d"; sed 's/^/# /' "$work/out" | tail -30; fi; }
# the rest needs what came before: stop here with the plan so far
bail() { not_ok "$*"; echo "1..$n"; exit 1; }
elapsed() { echo $(($(date +%s) - t0)); }

# Run a command in the booted container: its PID 1's namespaces (mount, pid,
# network = gw, ...), a clean environment like a root login's.
pid1=
inside() {
	nsenter -t "$pid1" -m -u -i -n -p -C env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "$@"
}
ctl() { inside trapezectl "$@"; }
show() { inside systemctl show trapeze -p "$1" --value; }
export -f inside ctl show   # for the checks' bash -c

cleanup() {
	[ -n "${root_pid:-}" ] && kill "$root_pid" 2>/dev/null
	if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
		[ -n "$pid1" ] && inside systemctl poweroff >/dev/null 2>&1
		for _ in $(seq 1 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$nspawn_pid" 2>/dev/null
		wait "$nspawn_pid" 2>/dev/null
	fi
	[ "$have_lock" -eq 1 ] && "$lab" down >/dev/null 2>&1
	if [ -n "$merged" ] && mountpoint -q "$merged"; then umount "$merged" || umount -l "$merged"; fi
	if [ "$failures" -gt 0 ]; then
		for f in boot.log journal.log; do
			[ -s "$work/$f" ] && { echo "# $f (last 40 lines):"; tail -40 "$work/$f" | sed 's/^/#   /'; }
		done
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# 1. The Debian 12 root (cached) and the package (cached per source tree),
# made side by side: debootstrap waits on the network, the build on the CPUs.
"$here/tools/nspawn-root.sh" "$cache/bookworm" >"$work/root.path" 2>"$work/root.err" &
root_pid=$!

if [ -n "${TZ_DEB:-}" ]; then
	deb=$(realpath "$TZ_DEB")
else
	# built once per content of the tree (tools/deb-cached.sh; the package
	# suite's deb_package stores its build there too)
	deb=$("$here/tools/deb-cached.sh" "$src" 2>"$work/deb.err") ||
		{ sed 's/^/# /' "$work/deb.err"; bail "dpkg-buildpackage -us -uc -b builds the package (tools/deb-cached.sh)"; }
fi
[ -f "$deb" ] || bail "the package $deb exists"
ok "the package $(basename "$deb") ($(elapsed) s so far)"
wait "$root_pid"; rc=$?; root_pid=
[ "$rc" -eq 0 ] && root=$(cat "$work/root.path") && [ -n "$root" ] ||
	{ sed 's/^/# /' "$work/root.err"; bail "a Debian 12 root from this machine's mirror (tools/nspawn-root.sh)"; }
ok "a Debian 12 root from this machine's mirror ($root, $(elapsed) s so far)"

# 2. An overlay of the cached root: the container writes only to $work.
mkdir -p "$work/upper" "$work/ovl" "$work/merged" "$cache/apt-archives/partial"
merged=$work/merged
if ! mount -t overlay overlay -o "lowerdir=$root,upperdir=$work/upper,workdir=$work/ovl" "$merged" 2>"$work/out"; then
	echo "# no overlayfs here ($(cat "$work/out")): copying the root"
	merged=; cp -a "$root/." "$work/merged/" || bail "a copy of the root"
fi
cp "$deb" "$work/merged/root/"

# The capability: can systemd-nspawn run a container on this machine at all?
# (No machined here: --register=no; nested sysfs may lack /sys/module, which
# DPDK's EAL reads: bound from the host.)
# Where the host's PID 1 is systemd, nspawn asks it for a scope to run the
# container in (delegated cgroup); where it is not, there is no one to ask:
# --keep-unit runs it in our own cgroup.
nspawn=(systemd-nspawn -q --register=no -D "$work/merged" --bind-ro=/sys/module
	--bind="$cache/apt-archives:/var/cache/apt/archives")
[ -d /run/systemd/system ] || nspawn+=(--keep-unit)
if ! "${nspawn[@]}" --pipe /bin/true >"$work/out" 2>&1 && [ -d /run/systemd/system ] &&
   systemd-nspawn --keep-unit -q --register=no -D "$work/merged" --pipe /bin/true >/dev/null 2>&1; then
	# a systemd host without a system bus to ask for a scope: run in ours
	echo "# systemd-nspawn: $(head -1 "$work/out"); using --keep-unit"
	nspawn+=(--keep-unit)
fi
if ! "${nspawn[@]}" --pipe /bin/true >"$work/out" 2>&1; then
	sed 's/^/# /' "$work/out"
	skip "systemd-nspawn cannot run a container on this machine: $(head -1 "$work/out")"
fi

# The booted container's network is the lab's gw namespace, which has no
# route to the mirror: fetch the package's Depends into apt's (cached)
# archive now, over this host's network; `apt install` inside then finds them.
if ! "${nspawn[@]}" --pipe sh -c "cd /root && apt-get install -y -q --download-only ./$(basename "$deb")" \
	>"$work/download.log" 2>&1; then
	tail -20 "$work/download.log" | sed 's/^/# /'
	bail "apt-get --download-only: trapeze's Depends from $(awk '$1 == "deb" {print $2; exit}' "$root/etc/apt/sources.list")"
fi
ok "trapeze's Depends fetched into apt's cache ($(du -sh "$cache/apt-archives" | cut -f1); $(elapsed) s so far)"

# 3. The lab (namespaces web/gw/sip, its PBX) under the lab lock from here on.
exec 8>"$lock"
# TZ_LAB_HELD=1: the caller already holds it (a whole test run under the lock)
if [ -z "${TZ_LAB_HELD:-}" ]; then
	flock -w 900 8 || bail "the lab lock $lock: still held by another run after 15 min"
fi
have_lock=1
echo "# lab lock held after $(elapsed) s"
"$lab" down >/dev/null 2>&1
"$lab" up >"$work/out" 2>&1 || { sed 's/^/# /' "$work/out"; bail "the lab comes up"; }
"$lab" pbx >"$work/out" 2>&1 || { sed 's/^/# /' "$work/out"; bail "the lab PBX (sipp) starts"; }
secret=$(head -1 /run/trapeze/lab/token.secret)

# 4. Boot: systemd is PID 1 in the container, its network is the lab's gw.
# nspawn keeps CAP_NET_ADMIN in the container's bounding set for a network
# it makes itself (--private-network) but not for one it is given: grant it,
# the unit's AmbientCapabilities= need it for the TAPs and af_packet ports.
"${nspawn[@]}" -b --network-namespace-path=/run/netns/gw --capability=CAP_NET_ADMIN </dev/null >"$work/boot.log" 2>&1 &
nspawn_pid=$!
for _ in $(seq 1 300); do
	kill -0 "$nspawn_pid" 2>/dev/null || break
	# the container's init: a child of systemd-nspawn whose command is systemd
	for p in $(pgrep -P "$nspawn_pid"); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = systemd ] && pid1=$p
	done
	[ -n "$pid1" ] && break
	sleep 0.1
done
[ -n "$pid1" ] || bail "systemd-nspawn -b boots the root (no init found)"
export pid1
# systemctl talks to PID 1 over /run/systemd/private: there once it has set up
for _ in $(seq 1 300); do inside test -S /run/systemd/private 2>/dev/null && break; sleep 0.1; done
state_sys=$(inside timeout 120 systemctl is-system-running --wait 2>&1)
case "$state_sys" in
	running|degraded) ok "booted: systemd $(inside systemctl --version | awk 'NR==1 {print $2}') is PID 1, system $state_sys ($(elapsed) s so far)" ;;
	*) inside systemctl --failed --no-pager 2>&1 | sed 's/^/# /'; bail "booted: system state '$state_sys'" ;;
esac
[ "$state_sys" = degraded ] && inside systemctl --failed --no-legend --no-pager 2>&1 | sed 's/^/# failed unit (not ours): /'

# 5. As the user: apt install ./trapeze_*.deb
debname=$(basename "$deb")
inside sh -c "cd /root && apt install -y -q ./$debname" >"$work/apt.log" 2>&1
if inside dpkg-query -W -f='${Status}' trapeze 2>/dev/null | grep -q "install ok installed"; then
	ok "apt install ./$debname (its Depends from Debian's archive; $(elapsed) s so far)"
else
	tail -30 "$work/apt.log" | sed 's/^/# /'; bail "apt install ./$debname"
fi
check "installed, not enabled, not started (the sample config names PCI cards)" bash -c '
	[ "$(inside systemctl is-enabled trapeze)" = disabled ] && ! inside systemctl is-active -q trapeze'

# 6. Edit ONE file: /etc/trapeze/trapeze.yaml for this host's two NICs
# (veths read by DPDK's af_packet driver), the lab PBX, metrics, CDRs.
write_config() {   # MAX_CALLS
	inside sh -c "cat >/etc/trapeze/trapeze.yaml" <<YAML
eal:
  control_core: 0
  worker_cores: [1]
  hugepages: auto
  memory_mb: 256
  idle_sleep_us: 100
  file_prefix: trapeze
ports:
  - {name: access, role: access, driver: af_packet, iface: acc0, ipv4: 198.51.100.1/24}
  - {name: core, role: core, driver: af_packet, iface: core0, ipv4: 203.0.113.1/24}
signalling:
  http: 198.51.100.1:8080
  web_root: /usr/share/trapeze/web
  origins: [http://198.51.100.1:8080]
  allow_no_origin: true
sip:
  listen: ["203.0.113.1:5060"]
  trunks:
    - {name: lab-pbx, address: "203.0.113.2:5060", transport: udp}
  routes:
    - {prefix: "", trunk: lab-pbx}
limits:
  max_calls: $1
auth:
  token_secrets:
    - {name: web-app, secret: "$secret"}
metrics:
  listen: 127.0.0.1:9469
logging:
  target: stderr
  level: info
control:
  socket: /run/trapeze/trapezed.sock
  mode: "0660"
  group: trapeze
cdr:
  file: /var/log/trapeze/cdr.json
YAML
}
write_config 1000
check "trapezed --check-config /etc/trapeze/trapeze.yaml (the edited file)" \
	inside trapezed --check-config /etc/trapeze/trapeze.yaml

# 7. systemctl start: returns once READY=1 came (Type=notify).
check "systemctl start trapeze" inside timeout 120 systemctl start trapeze
if ! inside systemctl is-active -q trapeze; then
	inside systemctl status --no-pager -l trapeze 2>&1 | sed 's/^/# /'
	inside journalctl -u trapeze --no-pager -n 60 2>&1 | sed 's/^/# /'
	bail "trapeze.service is active"
fi
check "systemctl is-active trapeze: active (running), after READY=1" bash -c \
	'[ "$(inside systemctl is-active trapeze)" = active ] && [ "$(show SubState)" = running ]'
echo "# StatusText: $(show StatusText)"
check "StatusText says ready with 2 ports" bash -c 'show StatusText | grep -q "^ready: 2 ports"'
mainpid=$(show MainPID)
check "runs as user trapeze" bash -c "[ \"\$(inside ps -o user= -p $mainpid)\" = trapeze ]"
caps=$(inside sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$mainpid/status")
check "with CAP_NET_ADMIN and CAP_NET_RAW only from the unit (CapEff $caps)" python3 -c "
c = int('$caps', 16); assert c & (1 << 12) and c & (1 << 13) and not c & (1 << 21), hex(c)"
wd0=$(show WatchdogTimestampMonotonic)
check "the demo page is served at http://198.51.100.1:8080/ (from the web namespace)" bash -c \
	'ip netns exec web curl -sf --max-time 5 http://198.51.100.1:8080/ | grep -q demo.js && ip netns exec web curl -sf --max-time 5 -o /dev/null http://198.51.100.1:8080/trapeze.js'

# 8. A call from the lab's web namespace to the lab PBX; a reload with a
# changed file in the middle of it.  The caller: Chromium on the demo page the
# package serves (tests/e2e/demo_call.mjs), or, where this machine has no
# Chromium/node, trapeze-bench calls (WebSocket + ICE + DTLS + SRTP as a
# browser does).  TZ_SYSTEMD_CLIENT=browser|bench chooses.
call_user=
browser_start() {
	call_user=sysd-web
	local token
	token=$("$lab" token "$call_user" 2>"$work/token.err") || { cat "$work/token.err"; return 1; }
	coproc BROWSER { ip netns exec web node "$here/tests/e2e/demo_call.mjs" \
		http://198.51.100.1:8080/ "$token" +15551230000 2>"$work/browser.log"; }
	browser_in=${BROWSER[1]}; browser_out=${BROWSER[0]}; browser_pid=$BROWSER_PID
	browser_said answered 60
}
browser_said() {   # EVENT TIMEOUT: the browser's next line is EVENT
	local line=
	read -r -t "$2" line <&"$browser_out"
	echo "browser: ${line:-(nothing within $2 s)}"
	case "$line" in *"\"event\":\"$1\""*) return 0 ;; esac
	tail -20 "$work/browser.log"; return 1
}
bench_start() {
	call_user=sysd0
	ulimit -n 4096 2>/dev/null
	ip netns exec web "$bench" calls --total 1 --concurrent 1 --rate 1 --hold 14 --timeout 10 \
		--secret-file /run/trapeze/lab/token.secret --ctl none --user-prefix sysd \
		--json "$work/calls.json" >"$work/bench.log" 2>&1 &
	bench_pid=$!
}
if [ "$client" = browser ] && [ ! -d "$here/tests/e2e/node_modules/playwright-core" ]; then
	# as tests/e2e/run.sh does (and its stamp, so it does not do it again)
	(cd "$here/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error &&
		cp package-lock.json node_modules/.trapeze-lock) >"$work/npm.log" 2>&1 ||
		{ sed 's/^/# /' "$work/npm.log" | tail -10; bail "npm ci in tests/e2e (playwright-core)"; }
fi
echo "# the caller: $client"
if [ "$client" = browser ]; then
	check "Chromium on the demo page (http://198.51.100.1:8080/): logged in, called the PBX, answered, hears it" \
		browser_start
	sed 's/^/# /' "$work/out"
else
	bench_start
fi

# packets of the live call's flows, each way: "to_sip from_sip"
flow_packets() {
	ctl --json show sessions 2>/dev/null | python3 2>/dev/null -c '
import json, sys
f = json.load(sys.stdin)
to_sip = sum(x["packets"] for x in f if x.get("xform") == "srtp>rtp")
from_sip = max([x["packets"] for x in f if x.get("xform") == "rtp>srtp" and x.get("in_port") == "core"] or [0])
print(to_sip, from_sip)'
}
up=no
for _ in $(seq 1 150); do
	read -r a b <<<"$(flow_packets)"
	[ "${a:-0}" -gt 25 ] && [ "${b:-0}" -gt 25 ] && { up=yes; break; }
	sleep 0.1
done
if [ "$up" = yes ]; then
	ok "the gateway bridges the call: its flows carry media both ways ($a to SIP, $b from SIP)"
else
	not_ok "the gateway bridges the call: its flows carry media both ways"
	sed 's/^/# /' "$work/bench.log" "$work/browser.log" 2>/dev/null | tail -20
fi
gen0=$(ctl --json show status | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
write_config 999
check "systemctl reload trapeze during the call" inside systemctl reload trapeze
reloaded() { ctl --json show status | python3 -c "
import json, sys; d = json.load(sys.stdin); assert d['generation'] == $gen0 + 1 and d['last_reload'].startswith('ok'), d"; }
wait_reloaded() { for _ in $(seq 1 50); do reloaded && return 0; sleep 0.1; done; reloaded; }
check "the reload applied the edit (generation $gen0 -> $((gen0 + 1)), last_reload ok)" wait_reloaded
echo "# show status: $(ctl show status 2>&1 | grep -E 'generation|last_reload' | tr -s ' \n' ' ')"
check "same main PID after the reload (not a restart), still active" bash -c \
	"[ \"\$(show MainPID)\" = $mainpid ] && [ \"\$(inside systemctl is-active trapeze)\" = active ]"
rising() {
	local a1 b1
	for _ in $(seq 1 50); do
		read -r a1 b1 <<<"$(flow_packets)"
		[ "${a1:-0}" -gt $((a + 25)) ] && [ "${b1:-0}" -gt $((b + 25)) ] && { echo "$a -> $a1, $b -> $b1"; return 0; }
		sleep 0.1
	done
	echo "before $a $b, now ${a1:-?} ${b1:-?}"; return 1
}
read -r a b <<<"$(flow_packets)"
check "after the reload the call's flows keep counting packets both ways" rising
sed 's/^/# packets: /' "$work/out"
if [ "$client" = browser ]; then
	echo flowing >&"$browser_in"
	check "after the reload the browser keeps sending and receiving (getStats)" browser_said flowing 15
	sed 's/^/# /' "$work/out"
	echo hangup >&"$browser_in"
	check "hung up on the demo page" browser_said ended 15
	sed 's/^/# /' "$work/out"
	wait "$browser_pid" 2>/dev/null
else
	wait "$bench_pid"; brc=$?
	if [ "$brc" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["steps"][-1] if "steps" in d else d
print("# bench:", {k: s.get(k) for k in ("placed", "completed", "failed", "loss_pct") if k in s})
assert s.get("failed", 0) == 0, s' "$work/calls.json"; then
		ok "the call ended normally (trapeze-bench: 0 failed)"
	else
		not_ok "the call ended normally (trapeze-bench exit $brc)"; tail -20 "$work/bench.log" | sed 's/^/# /'
	fi
fi

# 9. What the operator sees afterwards: /metrics, the CDR, the journal.
metrics() { ip netns exec gw curl -sf --max-time 5 http://127.0.0.1:9469/metrics; }
counted() { metrics | grep -E '^trapeze_calls_answered_total\{[^}]*\} [1-9]' >/dev/null; }
wait_counted() { for _ in $(seq 1 50); do counted && return 0; sleep 0.1; done; counted; }
check "curl /metrics counts the call (trapeze_calls_answered_total)" wait_counted
metrics 2>/dev/null | grep -E '^trapeze_calls_(total|answered_total)' | sed 's/^/# /'
cdr_ok() { inside cat /var/log/trapeze/cdr.json | python3 -c '
import json, sys
lines = sys.stdin.read().splitlines()
assert len(lines) == 1, lines
r = json.loads(lines[0])
assert r["code"] == 200 and r["user"] == sys.argv[1] and r["pkts_from_web"] > 0 and r["pkts_to_web"] > 0, r
print("#", {k: r[k] for k in ("user", "to", "code", "duration_ms", "pkts_from_web", "pkts_to_web")})' "$call_user"; }
wait_cdr() { for _ in $(seq 1 50); do cdr_ok >/dev/null 2>&1 && break; sleep 0.1; done; cdr_ok; }
check "the CDR file has the call's JSON line with code 200, packets both ways" wait_cdr
sed 's/^/# /' "$work/out"
inside journalctl -u trapeze --no-pager -o short >"$work/journal.log" 2>&1
check "journalctl -u trapeze: entries carry the SUBSYSTEM= field (cp.sip, drv.port)" bash -c '
	s=$(inside journalctl -u trapeze -F SUBSYSTEM | sort | tr "\n" " "); echo "subsystems: $s"
	echo " $s" | grep -q " cp.sip " && echo " $s" | grep -q " drv.port "'
sed 's/^/# /' "$work/out"

watchdog() {   # a ping every WatchdogSec/2 = 15 s: wait for one after the start
	for _ in $(seq 1 200); do [ "$(show WatchdogTimestampMonotonic)" -gt "$wd0" ] && return 0; sleep 0.1; done
	return 1
}
check "the watchdog is pinged (WatchdogTimestamp moved on since the start)" watchdog

# 10. Stop, purge.
check "systemctl stop trapeze: clean (Result=success, exit 0)" bash -c '
	inside timeout 60 systemctl stop trapeze &&
	[ "$(show Result)" = success ] && [ "$(show ExecMainStatus)" = 0 ] && ! inside systemctl is-active -q trapeze'
check "apt purge trapeze: package, unit, config, state, logs gone" bash -c '
	inside apt purge -y -q trapeze >/dev/null 2>&1 &&
	! inside dpkg-query -W -f="\${Status}" trapeze 2>/dev/null | grep -q installed &&
	for f in /usr/sbin/trapezed /lib/systemd/system/trapeze.service /etc/trapeze /var/lib/trapeze /var/log/trapeze; do
		! inside test -e "$f" || { echo "left: $f"; exit 1; }; done'
echo "# run time: $(elapsed) s"
echo "1..$n"
[ "$failures" -eq 0 ]
