#!/usr/bin/env bash
# Trapeze lab: three network namespaces on one machine, joined by veth pairs.
#
#   web (browsers, load client)          gw (trapezed)                 sip (SIP peers)
#   web0 198.51.100.10/24  <== veth ==>  acc0 -[DPDK]- TAP tz-access   198.51.100.1/24
#        2001:db8:100::10/64                            2001:db8:100::1/64
#                                        core0 -[DPDK]- TAP tz-core    203.0.113.1/24
#   sip0 203.0.113.2/24    <== veth ==>                 2001:db8:200::1/64
#        2001:db8:200::2/64
#        203.0.113.21, .22 (the tenants' PBXs, docs/tenants.md)
#
# acc0 and core0 carry no addresses: DPDK reads them (af_xdp or af_packet) and
# the gateway's addresses live on its TAPs, so every packet to the gateway
# crosses the dataplane.  Only these namespaces carry test traffic.
#
# Usage: tools/lab.sh up|down|status|start|stop|config|exec NS CMD...
#   up       create the namespaces and veths (idempotent)
#   start    up + start trapezed in gw with config/lab.yaml (or $TZ_CONFIG),
#            wait until its control socket answers; start the example token
#            issuer (tools/token-issuer.py) at https://198.51.100.1:8444/token
#   token USER [ARGS]  print a login token for USER signed with the lab's key
#            (ARGS: token-issuer.py mint options, e.g. --targets "+4420*")
#   stop     stop trapezed (SIGTERM to its PID, SIGKILL after 10 s)
#   down     stop + delete the namespaces (also after a crash)
#   status   what exists
#   config   write the lab config trapezed runs with (web_root filled in), print its path
#   pbx      start the lab PBX in namespace sip (sipp at 203.0.113.2:5060, the
#            trunk lab-pbx): it answers every call and echoes its audio, and
#            answers each MESSAGE with one back ("PBX got: …"); runs
#            until `lab.sh down` (or `lab.sh pbx stop`)
#   video-pbx  start the lab's SIP video endpoint (trunk lab-video, numbers
#            +1321...): sipp at 203.0.113.2:5100 answers audio (echoed) and VP8
#            video, tests/e2e/lib/video_endpoint.py sends a GStreamer test
#            picture and decodes what it gets (counters in
#            $state/video-endpoint.json); the same in H.264 (trunk
#            lab-video-h264, numbers +1323..., sipp at 203.0.113.2:5104,
#            counters in $state/video-endpoint-h264.json);
#            `lab.sh video-pbx stop` ends them
#   call USER [SECONDS]  the PBX calls web user USER (logged in on the demo
#            page): ring, answer, SECONDS (default 20) of echoed audio, BYE
#   exec NS CMD...   run CMD inside namespace NS
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=${TZ_LAB_STATE:-/run/trapeze/lab}
build=${TZ_BUILD:-$here/build}
config=${TZ_CONFIG:-$here/config/lab.yaml}
namespaces=(web gw sip)

die() { echo "lab: $*" >&2; exit 1; }

# The daemons started here must not keep descriptors they inherited: run as
# `flock /tmp/tz-test.lock tools/lab.sh start`, trapezed, the token issuer and
# sipp would hold the lock until `down`.  The caller's own copy (flock's) still
# holds it for as long as the caller runs.  255 is bash's script descriptor.
for fd_ in /proc/$$/fd/*; do
	fd_=${fd_##*/}
	case $fd_ in 0|1|2|255) ;; *) eval "exec $fd_>&-" 2>/dev/null || true ;; esac
done
unset fd_

[ "$(id -u)" -eq 0 ] || die "run as root (it creates network namespaces)"

ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Checksum offload on veth leaves UDP checksums to be filled in later; a
# packet read raw by DPDK would carry a partial checksum, so turn it off.
no_offload() {
	local ns=$1 dev=$2
	if command -v ethtool >/dev/null; then
		in_ns "$ns" ethtool -K "$dev" tx off rx off gso off tso off gro off >/dev/null 2>&1 || true
	fi
}

# A self-signed certificate for the lab's https/wss listener (config/lab.yaml).
lab_cert() {
	local dir=/run/trapeze/lab
	[ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ] && return 0
	mkdir -p "$dir"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
		-subj "/CN=trapeze-lab" -addext "subjectAltName=IP:198.51.100.1,IP:2001:db8:100::1" \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1 ||
		die "cannot make the lab certificate with openssl"
	chmod 600 "$dir/key.pem"
}

# The key the lab's token issuer signs login tokens with, and trapezed
# checks them with (config/lab.yaml auth.token_secrets).
lab_token_secret() {
	local dir=/run/trapeze/lab
	[ -s "$dir/token.secret" ] && return 0
	mkdir -p "$dir"
	(umask 077; openssl rand -hex 32 >"$dir/token.secret") ||
		die "cannot make the lab token secret with openssl"
}

# The two enterprises of the lab's tenants sample (docs/tenants.md; run by
# tests/e2e/lab_echo.sh): each has its own token secret, made as the doc
# tells a carrier to.
lab_tenant_secrets() {
	local dir=/run/trapeze/lab t
	mkdir -p "$dir"
	for t in acme globex; do
		[ -s "$dir/$t.secret" ] && continue
		(umask 077; openssl rand -base64 48 >"$dir/$t.secret") ||
			die "cannot make the $t token secret with openssl"
	done
}

# The example token issuer (tools/token-issuer.py) at 198.51.100.1:8444, as
# an enterprise's web server would be: the demo page gets its tokens there.
issuer_alive() { pid_is "$state/issuer.pid" "token-issuer.py serve"; }

lab_issuer_start() {
	issuer_alive && return 0
	ip netns exec gw python3 "$here/tools/token-issuer.py" serve \
		--secret-file /run/trapeze/lab/token.secret --listen 198.51.100.1:8444 \
		--cert /run/trapeze/lab/cert.pem --key /run/trapeze/lab/key.pem \
		--origin https://198.51.100.1:8443 --origin http://198.51.100.1:8080 \
		>"$state/issuer.log" 2>&1 &
	echo $! >"$state/issuer.pid"
	for _ in $(seq 1 100); do
		started_alive "$state/issuer.pid" || die "the token issuer did not start (log: $state/issuer.log)"
		in_ns gw ss -Hltn 'sport = :8444' | grep -q 198.51.100.1:8444 && return 0
		sleep 0.05
	done
	die "the token issuer did not listen on 198.51.100.1:8444 (log: $state/issuer.log)"
}

lab_issuer_stop() {
	issuer_alive && kill -TERM "$(cat "$state/issuer.pid")" 2>/dev/null
	rm -f "$state/issuer.pid"
}

# Wait until the lab's links have carrier and no address is still tentative
# (left from an older lab, or DAD on a kernel that ignores accept_dad=0), so
# that nothing changes under a browser started right after `up`.
lab_settled() {
	local ns dev
	for _ in $(seq 1 100); do
		local busy=
		for ns in web sip; do
			[ -n "$(in_ns "$ns" ip -6 addr show tentative 2>/dev/null)" ] && busy=1
		done
		for dev in web:web0 sip:sip0 gw:acc0 gw:core0; do
			in_ns "${dev%%:*}" ip link show "${dev#*:}" 2>/dev/null | grep -q LOWER_UP || busy=1
		done
		[ -z "$busy" ] && return 0
		sleep 0.05
	done
	echo "lab: addresses or links still settling after 5 s (ip -6 addr show tentative)" >&2
}

lab_up() {
	mkdir -p "$state"
	for ns in "${namespaces[@]}"; do
		ns_exists "$ns" || ip netns add "$ns"
		in_ns "$ns" ip link set lo up
		# No duplicate address detection in the lab: an address that turns
		# from tentative to valid a second after `up` is a "network change"
		# to Chromium, which then aborts what it was loading
		# (net::ERR_NETWORK_CHANGED). Interfaces made later take `default`.
		in_ns "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 || true
	done
	if ! in_ns gw ip link show acc0 >/dev/null 2>&1; then
		ip link add web0 netns web type veth peer name acc0 netns gw
	fi
	if ! in_ns gw ip link show core0 >/dev/null 2>&1; then
		ip link add sip0 netns sip type veth peer name core0 netns gw
	fi
	in_ns gw sysctl -qw net.ipv6.conf.acc0.disable_ipv6=1 net.ipv6.conf.core0.disable_ipv6=1
	for dev in acc0 core0; do
		in_ns gw ip link set "$dev" up
		no_offload gw "$dev"
	done
	in_ns web ip link set web0 up
	in_ns sip ip link set sip0 up
	no_offload web web0
	no_offload sip sip0
	in_ns web ip addr replace 198.51.100.10/24 dev web0
	in_ns web ip -6 addr replace 2001:db8:100::10/64 dev web0 nodad
	in_ns web ip route replace default via 198.51.100.1
	in_ns web ip -6 route replace default via 2001:db8:100::1
	in_ns sip ip addr replace 203.0.113.2/24 dev sip0
	in_ns sip ip -6 addr replace 2001:db8:200::2/64 dev sip0 nodad
	# The PBXs of the tenants sample (docs/tenants.md): acme's and globex's,
	# each its own source address so the gateway tells their trunks apart.
	in_ns sip ip addr replace 203.0.113.21/24 dev sip0
	in_ns sip ip addr replace 203.0.113.22/24 dev sip0
	in_ns sip ip route replace default via 203.0.113.1
	in_ns sip ip -6 route replace default via 2001:db8:200::1
	# The gateway namespace forwards nothing itself: media goes through DPDK.
	in_ns gw sysctl -qw net.ipv4.ip_forward=0
	lab_settled
	lab_cert
	lab_token_secret
	lab_tenant_secrets
	echo "lab: up (web 198.51.100.10, gw 198.51.100.1 / 203.0.113.1, sip 203.0.113.2)"
}

# The lab config as trapezed runs it: config/lab.yaml with web_root set to
# this checkout's demo web phone (config paths must be absolute) and the
# call detail records in the state dir.  With the default config it also
# gets the video trunk of the lab's SIP video endpoint (`lab.sh video-pbx`,
# numbers +1321..., docs/video.md), so the demo page's Video call works.
lab_config() {
	local video=()
	mkdir -p "$state"
	[ -z "${TZ_CONFIG:-}" ] && video=(
	    -e '/^  trunks:/a\
    - { name: lab-video, address: "203.0.113.2:5100", codecs: [PCMU], video: [VP8, H264] }\
    - { name: lab-video-h264, address: "203.0.113.2:5104", codecs: [PCMU], video: [H264] }'
	    -e '/^  routes:/a\
    - { prefix: "+1321", trunk: lab-video }\
    - { prefix: "+1323", trunk: lab-video-h264 }')
	sed -e "s|^  # web_root: .*|  web_root: $here/ctrlplane/web|" \
	    -e "s|^  file: /run/trapeze/lab/cdr.json|  file: $state/cdr.json|" "${video[@]}" "$config" >"$state/trapeze.yaml"
	[ -z "${TZ_CONFIG:-}" ] && lab_sounds >>"$state/trapeze.yaml"
	echo "$state/trapeze.yaml"
}

# The default lab config's announcements and music on hold (docs/media-services.md):
# made with sox into the state dir; the lab PBX refuses numbers starting with
# 404 (404 Not Found) and 486 (486 Busy Here), so the demo page hears them.
lab_sounds() {
	local d="$state/sounds" t
	command -v sox >/dev/null || return 0
	mkdir -p "$d"
	t=$(mktemp -d) || return 0
	tone() {   # NAME SECONDS HZ (0: silence)
		if [ "$3" = 0 ]; then sox -q -n -r 8000 -b 16 -c 1 "$t/$1.wav" trim 0 "$2"
		else sox -q -n -r 8000 -b 16 -c 1 "$t/$1.wav" synth "$2" sine "$3" gain -6; fi
	}
	{
		# "number unknown": the special information tone (950, 1400, 1800 Hz), twice
		tone a 0.33 950 && tone b 0.33 1400 && tone c 0.33 1800 && tone s 1 0 &&
		sox "$t/a.wav" "$t/b.wav" "$t/c.wav" "$t/s.wav" "$t/a.wav" "$t/b.wav" "$t/c.wav" "$t/s.wav" \
		    "$d/not-found.wav" &&
		# busy: 425 Hz, 0.5 s on, 0.5 s off, four times
		tone on 0.5 425 && tone off 0.5 0 &&
		sox "$t/on.wav" "$t/off.wav" "$t/on.wav" "$t/off.wav" "$t/on.wav" "$t/off.wav" \
		    "$t/on.wav" "$t/off.wav" "$d/busy.wav" &&
		# music on hold: a slow arpeggio, looped by the gateway
		tone m1 0.4 523 && tone m2 0.4 659 && tone m3 0.4 784 && tone m4 0.8 1047 &&
		sox "$t/m1.wav" "$t/m2.wav" "$t/m3.wav" "$t/m4.wav" "$d/moh.wav"
	} 2>/dev/null
	local rc=$?
	rm -rf "$t"
	[ $rc -eq 0 ] || return 0
	printf 'announcements:\n  not_found: %s\n  busy: %s\nmusic_on_hold: %s\n' \
	    "$d/not-found.wav" "$d/busy.wav" "$d/moh.wav"
}

# A PID file is trusted only while its process is still the program that
# wrote it: after a reboot or a crash the number may belong to anything.
pid_is() {   # FILE PATTERN: the PID in FILE runs a command line matching PATTERN
	local pid
	[ -f "$1" ] || return 1
	pid=$(cat "$1")
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2"
}
pid_alive() { pid_is "$state/trapezed.pid" trapezed; }
# Just started by us: alive while the PID exists (its command line is the
# forking shell's until it has exec'd, so pid_is would race).
started_alive() { kill -0 "$(cat "$1")" 2>/dev/null; }

lab_start() {
	lab_up
	pid_alive && die "trapezed already running (PID $(cat "$state/trapezed.pid"))"
	[ -x "$build/ctrlplane/daemon/trapezed" ] || die "no trapezed in $build (build first: meson setup build && ninja -C build)"
	local runcfg
	runcfg=$(lab_config)
	# Not through in_ns: a backgrounded shell function runs in a subshell,
	# and $! would be that subshell's PID, not the daemon's.
	ip netns exec gw "$build/ctrlplane/daemon/trapezed" -c "$runcfg" "$@" \
		>"$state/trapezed.log" 2>&1 &
	echo $! >"$state/trapezed.pid"
	local sock
	sock=$(awk '/^ *socket:/ {print $2; exit}' "$config" | tr -d '"')
	sock=${sock:-/run/trapeze/trapezed.sock}
	for _ in $(seq 1 150); do
		if ! started_alive "$state/trapezed.pid"; then
			cat "$state/trapezed.log" >&2
			die "trapezed exited during start-up (log above, also $state/trapezed.log)"
		fi
		if in_ns gw "$build/ctrlplane/cli/trapezectl" --socket "$sock" show version >/dev/null 2>&1 &&
		   in_ns gw ip link show tz-access >/dev/null 2>&1; then
			echo "lab: trapezed running (PID $(cat "$state/trapezed.pid"), log $state/trapezed.log)"
			lab_issuer_start
			echo "lab: token issuer at https://198.51.100.1:8444/token (PID $(cat "$state/issuer.pid"))"
			return 0
		fi
		sleep 0.2
	done
	die "trapezed did not answer on $sock within 30 s (log: $state/trapezed.log)"
}

lab_stop() {
	local pid
	lab_issuer_stop
	[ -f "$state/trapezed.pid" ] || return 0
	pid=$(cat "$state/trapezed.pid")
	if pid_alive; then
		kill -TERM "$pid"
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$pid" 2>/dev/null; then
			echo "lab: trapezed (PID $pid) ignored SIGTERM for 10 s, killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$state/trapezed.pid"
	echo "lab: trapezed stopped"
}

lab_down() {
	lab_stop
	lab_pbx_stop
	lab_video_pbx_stop >/dev/null
	for ns in "${namespaces[@]}"; do
		if ns_exists "$ns"; then
			# Anything still running in there was started by the lab.
			for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
			ip netns del "$ns"
		fi
	done
	echo "lab: down"
}

pbx_alive() { pid_is "$state/pbx.pid" "sipp .*uas_echo.xml"; }

lab_pbx_stop() {
	if pbx_alive; then
		kill -TERM "$(cat "$state/pbx.pid")" 2>/dev/null || true
		echo "lab: PBX stopped"
	fi
	rm -f "$state/pbx.pid"
}

lab_pbx() {
	if [ "${1:-}" = stop ]; then
		lab_pbx_stop
		return 0
	fi
	ns_exists sip || die "the lab is not up (tools/lab.sh up)"
	mkdir -p "$state"
	if pbx_alive; then
		echo "lab: PBX already running (PID $(cat "$state/pbx.pid"))"
		return 0
	fi
	rm -f "$state/pbx.pid"
	# `ip netns exec` becomes sipp: $! is sipp's PID.
	ip netns exec sip sipp -sf "$here/tests/sip/lab/uas_echo.xml" -i 203.0.113.2 -p 5060 \
		-mi 203.0.113.2 -mp 6000 -rtp_echo -nostdin >/dev/null 2>"$state/pbx.log" &
	echo $! >"$state/pbx.pid"
	# ready once its SIP socket is bound
	for _ in $(seq 1 100); do
		started_alive "$state/pbx.pid" || die "the PBX did not start (log: $state/pbx.log)"
		in_ns sip ss -Hlun 'sport = :5060' | grep -q 203.0.113.2:5060 && break
		sleep 0.05
	done
	echo "lab: PBX (sipp, echo) at 203.0.113.2:5060, PID $(cat "$state/pbx.pid")"
}

video_alive() { pid_is "$state/video-pbx.pid" "sipp .*uas_video.xml"; }

lab_video_pbx_stop() {
	local f
	for f in video-pbx video-endpoint video-pbx-h264 video-endpoint-h264; do
		if [ -f "$state/$f.pid" ] && kill -0 "$(cat "$state/$f.pid")" 2>/dev/null; then
			kill -TERM "$(cat "$state/$f.pid")" 2>/dev/null || true
		fi
		rm -f "$state/$f.pid"
	done
	echo "lab: video endpoint stopped"
}

lab_video_pbx() {
	if [ "${1:-}" = stop ]; then
		lab_video_pbx_stop
		return 0
	fi
	ns_exists sip || die "the lab is not up (tools/lab.sh up)"
	command -v gst-launch-1.0 >/dev/null || die "gst-launch-1.0 missing (tools/install-deps.sh --with-lab)"
	mkdir -p "$state"
	if video_alive; then
		echo "lab: video endpoint already running (PID $(cat "$state/video-pbx.pid"))"
		return 0
	fi
	# no -m: sipp answers call after call; the media half adapts to each
	ip netns exec sip sipp -sf "$here/tests/sip/lab/uas_video.xml" -i 203.0.113.2 -p 5100 \
		-mi 203.0.113.2 -mp 6100 -rtp_echo -nostdin >/dev/null 2>"$state/video-pbx.log" &
	echo $! >"$state/video-pbx.pid"
	ip netns exec sip python3 "$here/tests/e2e/lib/video_endpoint.py" --ip 203.0.113.2 \
		--port 6202 --status "$state/video-endpoint.json" 2>"$state/video-endpoint.log" &
	echo $! >"$state/video-endpoint.pid"
	# the H.264 one (docs/video.md): its own SIP port, video port and trunk
	ip netns exec sip sipp -sf "$here/tests/sip/lab/uas_video_h264.xml" -i 203.0.113.2 -p 5104 \
		-mi 203.0.113.2 -mp 6110 -rtp_echo -nostdin >/dev/null 2>"$state/video-pbx-h264.log" &
	echo $! >"$state/video-pbx-h264.pid"
	ip netns exec sip python3 "$here/tests/e2e/lib/video_endpoint.py" --ip 203.0.113.2 \
		--port 6206 --codec h264 --pt 97 --status "$state/video-endpoint-h264.json" \
		2>"$state/video-endpoint-h264.log" &
	echo $! >"$state/video-endpoint-h264.pid"
	for port in 5100 5104; do
		for _ in $(seq 1 100); do
			started_alive "$state/video-pbx.pid" || die "sipp did not start (log: $state/video-pbx.log)"
			started_alive "$state/video-pbx-h264.pid" ||
				die "sipp did not start (log: $state/video-pbx-h264.log)"
			in_ns sip ss -Hlun "sport = :$port" | grep -q "203.0.113.2:$port" && break
			sleep 0.05
		done
	done
	echo "lab: SIP video endpoint at 203.0.113.2:5100 (call +1321... with Video call)," \
	     "sipp PID $(cat "$state/video-pbx.pid"), media PID $(cat "$state/video-endpoint.pid")"
	echo "lab: SIP H.264 video endpoint at 203.0.113.2:5104 (call +1323... with Video call)," \
	     "sipp PID $(cat "$state/video-pbx-h264.pid"), media PID $(cat "$state/video-endpoint-h264.pid")"
}

lab_call() {
	local user=${1:?usage: lab.sh call USER [SECONDS]} secs=${2:-20}
	ns_exists sip || die "the lab is not up (tools/lab.sh up)"
	echo "lab: calling web user $user from the PBX (answer it on the demo page)"
	if ip netns exec sip sipp -sf "$here/tests/sip/lab/uac_call.xml" -s "$user" -i 203.0.113.2 \
		-p 5062 -mi 203.0.113.2 -mp 6100 -rtp_echo -m 1 -d $((secs * 1000)) -nostdin \
		-timeout $((secs + 90))s -timeout_error 203.0.113.1:5060 >/dev/null 2>"$state/call.log"; then
		echo "lab: the call to $user was answered, lasted ${secs} s and ended with BYE"
	else
		echo "lab: the call to $user did not complete (not logged in: 404, busy: 486," \
		     "not answered: 480; sipp's log: $state/call.log)"
		return 1
	fi
}

lab_status() {
	for ns in "${namespaces[@]}"; do
		if ns_exists "$ns"; then
			echo "== $ns"; in_ns "$ns" ip -br addr
		else
			echo "== $ns: absent"
		fi
	done
	if pid_alive; then echo "trapezed: running, PID $(cat "$state/trapezed.pid")"; else echo "trapezed: not running"; fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
	up) lab_up ;;
	down) lab_down ;;
	start) lab_start "$@" ;;
	stop) lab_stop ;;
	status) lab_status ;;
	config) lab_config ;;
	pbx) lab_pbx "$@" ;;
	video-pbx) lab_video_pbx "$@" ;;
	call) lab_call "$@" ;;
	token) [ $# -ge 1 ] || die "usage: lab.sh token USER [--targets P,...]"; lab_token_secret
		u=$1; shift
		python3 "$here/tools/token-issuer.py" mint --secret-file /run/trapeze/lab/token.secret --user "$u" "$@" ;;
	exec) [ $# -ge 2 ] || die "usage: lab.sh exec NS CMD..."; ns=$1; shift; in_ns "$ns" "$@" ;;
	*) sed -n '2,41p' "$0" | sed 's/^# \{0,1\}//'; [ -z "$cmd" ] || exit 1 ;;
esac
