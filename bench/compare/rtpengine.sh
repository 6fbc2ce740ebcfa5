#!/usr/bin/env bash
# rtpengine in the lab's gateway namespace, for the compare bench
# (bench/compare/run.sh; docs/bench.md "compare").  Debian's rtpengine-daemon
# binary, never its service: foreground, its own config, started and ended by
# PID, userspace forwarding only (table = -1), one media thread, every thread
# pinned to one core (the core Trapeze's worker uses).
#
#   rtpengine.sh up      give the gw namespace's veth ends acc0/core0 the
#                        gateway's addresses (198.51.100.1, 203.0.113.1) in
#                        place of trapezed's TAPs; needs trapezed stopped
#   rtpengine.sh start   up, then start rtpengine, wait for its NG pong
#   rtpengine.sh stop    end rtpengine (SIGTERM to its PID, SIGKILL after 5 s)
#   rtpengine.sh down    stop, remove the addresses, restore what up changed
#   rtpengine.sh status
# Environment: TZ_RTPE_CORE (1), TZ_RTPE_NG (198.51.100.1:22223),
# TZ_RTPE_STATE (/run/trapeze/compare), TZ_BUILD (./build).
#
# Why the gw namespace: the same veths, addresses and peers as Trapeze, so
# only the relay differs.  trapezed's af_packet driver sets rp_filter=1 and
# arp_ignore=8 on acc0/core0 (its addresses live on TAPs: docs/architecture.md);
# with the addresses on the veths rtpengine needs ARP answered, so `up` saves
# those sysctls and sets 0, `down` puts the saved values back.  Neighbour
# caches in web and sip are flushed both ways (the TAPs had other MACs).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
state=${TZ_RTPE_STATE:-/run/trapeze/compare}
core=${TZ_RTPE_CORE:-1}
ng=${TZ_RTPE_NG:-198.51.100.1:22223}
build=${TZ_BUILD:-$here/build}
acc_addr=198.51.100.1/24
core_addr=203.0.113.1/24
sysctls=(net.ipv4.conf.acc0.rp_filter net.ipv4.conf.acc0.arp_ignore
	 net.ipv4.conf.core0.rp_filter net.ipv4.conf.core0.arp_ignore)

die() { echo "rtpengine.sh: $*" >&2; exit 1; }
in_gw() { ip netns exec gw "$@"; }
alive() { [ -s "$state/rtpengine.pid" ] && kill -0 "$(cat "$state/rtpengine.pid")" 2>/dev/null; }

flush_neigh() {
	ip -n web neigh flush dev web0 >/dev/null 2>&1 || true
	ip -n sip neigh flush dev sip0 >/dev/null 2>&1 || true
	ip -n gw neigh flush dev acc0 >/dev/null 2>&1 || true
	ip -n gw neigh flush dev core0 >/dev/null 2>&1 || true
}

net_up() {
	[ "$(id -u)" -eq 0 ] || die "run as root"
	ip netns list | awk '{print $1}' | grep -qx gw || die "the lab is not up (tools/lab.sh up)"
	in_gw ip link show tz-access >/dev/null 2>&1 &&
		die "trapezed's TAPs are up in gw: stop the gateway first (tools/lab.sh stop)"
	mkdir -p "$state"
	if [ ! -s "$state/sysctl.saved" ]; then
		for s in "${sysctls[@]}"; do
			echo "$s=$(in_gw sysctl -n "$s")"
		done >"$state/sysctl.saved.tmp"
		mv "$state/sysctl.saved.tmp" "$state/sysctl.saved"
	fi
	for s in "${sysctls[@]}"; do in_gw sysctl -qw "$s=0"; done
	in_gw ip addr replace "$acc_addr" dev acc0
	in_gw ip addr replace "$core_addr" dev core0
	flush_neigh
}

net_down() {
	in_gw ip addr del "$acc_addr" dev acc0 >/dev/null 2>&1 || true
	in_gw ip addr del "$core_addr" dev core0 >/dev/null 2>&1 || true
	if [ -s "$state/sysctl.saved" ]; then
		while IFS= read -r kv; do in_gw sysctl -qw "$kv" || true; done <"$state/sysctl.saved"
		rm -f "$state/sysctl.saved"
	fi
	flush_neigh
}

write_config() {
	# access and core: two logical interfaces, the offer's "direction"
	# (TZ_NG_DIRECTION=access,core for the NG client) picks them, as the
	# gateway's two ports.  Ports 40000-49999: neither lab media range.
	cat >"$state/rtpengine.conf" <<EOF
[rtpengine]
table = -1
interface = access/${acc_addr%/*};core/${core_addr%/*}
listen-ng = $ng
foreground = true
log-stderr = true
log-level = 5
port-min = 40000
port-max = 49999
num-threads = 1
media-num-threads = 0
timeout = 60
delete-delay = 0
dtls-passive = true
EOF
}

start() {
	command -v rtpengine >/dev/null || die "no rtpengine (apt-get install rtpengine-daemon; tools/install-deps.sh --with-lab)"
	[ -x "$build/bench/compare/ng-tool" ] || die "no $build/bench/compare/ng-tool (tools/build.sh)"
	if alive; then
		echo "rtpengine.sh: already running, PID $(cat "$state/rtpengine.pid")"
		return 0
	fi
	net_up
	write_config
	# `ip netns exec` execs taskset, which execs rtpengine: $! is rtpengine.
	# taskset pins the process before its threads exist: all of them inherit.
	ip netns exec gw taskset -c "$core" rtpengine --config-file="$state/rtpengine.conf" \
		--config-section=rtpengine >"$state/rtpengine.log" 2>&1 &
	echo $! >"$state/rtpengine.pid"
	if ! in_gw "$build/bench/compare/ng-tool" "$ng" ping 10 >/dev/null; then
		tail -5 "$state/rtpengine.log" >&2
		stop
		die "rtpengine did not answer an NG ping at $ng within 10 s (log: $state/rtpengine.log)"
	fi
	echo "rtpengine.sh: rtpengine $(rtpengine --version 2>&1 | awk '{print $2}') PID $(cat "$state/rtpengine.pid")," \
	     "NG $ng, core $core, threads $(ls "/proc/$(cat "$state/rtpengine.pid")/task" | wc -l)"
}

stop() {
	local pid
	if alive; then
		pid=$(cat "$state/rtpengine.pid")
		kill -TERM "$pid" 2>/dev/null || true
		timeout 5 tail --pid="$pid" -s 0.1 -f /dev/null || true	# until it has exited
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$state/rtpengine.pid"
}

case "${1:-}" in
up) net_up ;;
start) start ;;
stop) stop ;;
down) stop; net_down ;;
status)
	if alive; then echo "rtpengine: running, PID $(cat "$state/rtpengine.pid")"; else echo "rtpengine: not running"; fi
	in_gw ip -br addr show acc0 2>/dev/null || true
	in_gw ip -br addr show core0 2>/dev/null || true
	;;
*) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac
