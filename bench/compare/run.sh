#!/usr/bin/env bash
# tools/bench.sh compare: Trapeze and rtpengine side by side (issue 12 item 3;
# docs/bench.md "compare").  The same lab, the same generator, the same peer:
#
#   web: trapeze-bench calls (WebRTC: ICE, DTLS client, SRTP)  198.51.100.10
#     |  veth web0 <-> acc0
#   gw:  Trapeze (trapezed, worker on core W)   -- or --  rtpengine (userspace,
#        one media thread, every thread pinned to core W, NG from the generator)
#     |  veth core0 <-> sip0
#   sip: trapeze-bench reflect 203.0.113.2:7000 (plain RTP back to its sender);
#        for Trapeze a sipp UAS (tests/sip/lab/uas_reflect.xml) answers with
#        the reflector's address, for rtpengine the NG answer names it.
#
# Generator, reflector, sipp and the sampler run on core G (default 0).
# Trapeze at every load (one gateway), then rtpengine at every load, then the
# generator alone against a reflector at the top load (its own ceiling).  Each step is capped in time; everything started here is
# ended by PID on exit.  Holds the lab lock (/tmp/tz-test.lock) unless
# --no-lock (the caller holds it).
#
# Usage: tools/bench.sh compare [--loads "100 250 500 1000 2000"] [--rate R]
#   [--window S] [--config FILE] [--out DIR] [--gen-core G] [--relay-core W]
#   [--local-addr A]... [--suite S] [--threads T] [--only trapeze|rtpengine|self]...
#   [--no-lock]
# --threads: generator threads, all on core G (more cores for the generator
# would take the relay's); the self run says whether one core was enough.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${TZ_BUILD:-$here/build}
lab=$here/tools/lab.sh
state=/run/trapeze/compare
labstate=${TZ_LAB_STATE:-/run/trapeze/lab}	# where tools/lab.sh keeps its PIDs
loads="100 250 500 1000 2000"
rate=100
window=20
config=""
out=""
gen_core=0
relay_core=""
suite=""
threads=1
locals=()
only=()
lock=1
ng_addr=198.51.100.1:22223
refl_sip=203.0.113.2:7000
refl_web=198.51.100.10:7002
target=+15551230000
secret=/run/trapeze/lab/token.secret

die() { echo "compare: $*" >&2; exit 1; }
say() { echo "compare: $*" >&2; }
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

while [ $# -gt 0 ]; do
	case "$1" in
	--loads) loads=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--window) window=$2; shift 2 ;;
	--config) config=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--gen-core) gen_core=$2; shift 2 ;;
	--relay-core) relay_core=$2; shift 2 ;;
	--local-addr) locals+=("$2"); shift 2 ;;
	--suite) suite=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--only) only+=("$2"); shift 2 ;;
	--no-lock) lock=0; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

[ "$(id -u)" -eq 0 ] || die "run as root (network namespaces, rtpengine)"
# shellcheck disable=SC2206
load_list=($loads)
[ ${#load_list[@]} -gt 0 ] || die "--loads is empty"
for l in "${load_list[@]}"; do [[ "$l" =~ ^[1-9][0-9]*$ ]] || die "--loads: \"$l\" is not a count"; done
top=${load_list[-1]}
wants() { [ ${#only[@]} -eq 0 ] || printf '%s\n' "${only[@]}" | grep -qx "$1"; }

if [ -z "$config" ]; then
	if [ -f "$here/config/bench-lab.yaml" ]; then
		config=$here/config/bench-lab.yaml
	else
		# Until config/bench-lab.yaml exists: the lab config with the limits
		# meant for browsers lifted for one load client at one address, and
		# quiet logs (a debug line per SIP message costs the control core).
		mkdir -p "$state"
		config=$state/bench-derived.yaml
		sed -E -e 's/^( *max_sessions:) *[0-9]+/\1 16384/' \
			-e 's/^( *max_calls_per_user:) *[0-9]+.*/\1 1000\n  max_calls: 100000\n  max_calls_per_ip: 100000/' \
			-e 's/^( *ws_max_rate:) *[0-9]+/\1 100000/' \
			-e 's/^( *ws_connections_per_ip:) *[0-9]+/\1 100000/' \
			-e 's/^( *ws_connections_max:) *[0-9]+/\1 10000/' \
			-e 's/^( *punt_pps_per_source:) *[0-9]+/\1 1000000/' \
			-e 's/^( *punt_burst:) *[0-9]+/\1 1000000/' \
			-e 's/^( *punt_pps_per_worker:) *[0-9]+/\1 0/' \
			-e 's/^( *fail_limit:) *[0-9]+/\1 1000/' \
			-e 's/^( *memory_mb:) *[0-9]+/\1 1024/' \
			-e 's/^( *level:) *info/\1 warning/' \
			-e '/^ *cp\.(sip|ws): debug/d' \
			"$here/config/lab.yaml" >"$config"
		say "no config/bench-lab.yaml: using $config (config/lab.yaml, limits lifted)"
	fi
fi
[ -f "$config" ] || die "$config: no such file"
if [ -z "$relay_core" ]; then
	relay_core=$(awk '/^ *worker_cores:/ { gsub(/[^0-9,]/, "", $2); split($2, a, ","); print a[1]; exit }' "$config")
	relay_core=${relay_core:-1}
fi
sock=$(awk '/^ *socket:/ {print $2; exit}' "$config" | tr -d '"')
sock=${sock:-/run/trapeze/trapezed.sock}

gen_bin=$build/bench/trapeze-bench
ctl=$build/ctrlplane/cli/trapezectl
ngtool=$build/bench/compare/ng-tool
for f in "$gen_bin" "$ctl" "$ngtool"; do
	[ -x "$f" ] || die "$f is missing: build first (tools/build.sh)"
done
"$gen_bin" calls --help >/dev/null 2>&1 || [ "${TZ_COMPARE_GEN:-}" = calls-step ] ||
	die "$gen_bin has no 'calls' command yet (bench/calls)"
command -v rtpengine >/dev/null || die "no rtpengine: tools/install-deps.sh --with-lab (rtpengine-daemon)"
command -v sipp >/dev/null || die "no sipp: tools/install-deps.sh --with-lab (sip-tester)"

if [ "$lock" -eq 1 ]; then
	exec 9>/tmp/tz-test.lock
	if ! flock -w 1 9; then
		say "waiting for /tmp/tz-test.lock (a test or bench holds the lab; if you hold it, pass --no-lock)"
		flock 9
	fi
fi

mkdir -p "$state"
out=${out:-$state/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
: >"$out/commands.txt"

# ---- processes started here, ended by PID on exit ----
pids=()
lab_was_up=0
pbx_was_up=0
we_started_gw=0
ip netns list | awk '{print $1}' | grep -qx gw && lab_was_up=1

stop_pid() {
	local pid=$1
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	timeout 5 tail --pid="$pid" -s 0.1 -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	set +e
	for pid in "${pids[@]}"; do stop_pid "$pid"; done
	TZ_RTPE_STATE=$state "$here/bench/compare/rtpengine.sh" down >/dev/null 2>&1
	[ "$we_started_gw" -eq 1 ] && "$lab" stop >/dev/null 2>&1
	if [ "$lab_was_up" -eq 0 ]; then
		"$lab" down >/dev/null 2>&1
	elif [ "$pbx_was_up" -eq 1 ]; then
		"$lab" pbx >/dev/null 2>&1
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start CMD... in the background, remember its PID (in $spawned and for the exit trap)
spawned=""
spawn() {
	local log=$1; shift
	"$@" >"$log" 2>&1 &
	spawned=$!
	pids+=("$spawned")
}

# wait (bounded) until a UDP port is bound in a namespace
wait_udp() {
	local ns=$1 addr=$2 port=${2##*:}
	for _ in $(seq 1 200); do
		ip netns exec "$ns" ss -Hlun "sport = :$port" | grep -q "${addr%:*}:$port" && return 0
		sleep 0.05
	done
	return 1
}

# the generator: `trapeze-bench calls` (or the engine's calls-step, TZ_COMPARE_GEN=calls-step)
gen_run() {
	local name=$1 load=$2 signal=$3; shift 3
	local hold json=$out/gen-$name-$load.json cap args=()
	# every call holds until the last one is up, then the steady window
	hold=$(( (load + rate - 1) / rate + 10 + window ))
	cap=$(( hold + (load + rate - 1) / rate + 90 ))
	if [ "${TZ_COMPARE_GEN:-}" = calls-step ]; then
		args=("$build/bench/calls-step" --signal "$signal")
		while [ $# -gt 0 ]; do
			case "$1" in
			--url) args+=(--ws-url "$2") ;;
			--ctl) ;;	# calls-step does not sample the gateway
			*) args+=("$1" "$2") ;;
			esac
			shift 2
		done
	else
		args=("$gen_bin" calls --signal "$signal" "$@" --json "$json" --quiet)
	fi
	args+=(--rate "$rate" --concurrent "$load" --total "$load" --hold "$hold" --threads "$threads")
	for a in "${locals[@]}"; do
		if [ "${TZ_COMPARE_GEN:-}" = calls-step ]; then args+=(--local "$a"); else args+=(--local-addr "$a"); fi
	done
	[ -n "$suite" ] && args+=(--suite "$suite")
	echo "ip netns exec web taskset -c $gen_core ${args[*]}" >>"$out/commands.txt"
	say "$name: $load streams, rate $rate/s, hold ${hold}s (capped at ${cap}s)"
	local rc=0
	if [ "${TZ_COMPARE_GEN:-}" = calls-step ]; then
		timeout -k 10 "$cap" ip netns exec web taskset -c "$gen_core" "${args[@]}" \
			>"$json" 2>"$out/gen-$name-$load.log" || rc=$?
	else
		timeout -k 10 "$cap" ip netns exec web taskset -c "$gen_core" "${args[@]}" \
			>"$out/gen-$name-$load.txt" 2>"$out/gen-$name-$load.log" || rc=$?
	fi
	[ "$rc" -eq 0 ] || say "$name $load: the generator exited $rc (log: $out/gen-$name-$load.log)"
}

sampler() {	# sets $spawned
	local name=$1 load=$2; shift 2
	spawn "$out/samples-$name-$load.err" taskset -c "$gen_core" python3 "$here/bench/compare/sample.py" \
		--out "$out/samples-$name-$load.jsonl" "$@"
}

drained() {	# $1: command printing a count; wait (bounded) until it says 0
	for _ in $(seq 1 300); do
		[ "$("$@" 2>/dev/null || echo x)" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}
tz_calls() { "$ctl" --socket "$sock" --json show calls | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
rtpe_sessions() { ip netns exec web "$ngtool" "$ng_addr" stats | awk '{print $2}'; }

"$lab" up >/dev/null
if [ -s "$labstate/pbx.pid" ] && kill -0 "$(cat "$labstate/pbx.pid")" 2>/dev/null; then
	pbx_was_up=1
	"$lab" pbx stop >/dev/null	# uas_reflect takes 203.0.113.2:5060
fi

# the plain-RTP peer of both products
spawn "$out/reflector-sip.log" ip netns exec sip taskset -c "$gen_core" \
	"$gen_bin" reflect --listen "$refl_sip"
wait_udp sip "$refl_sip" || die "the reflector did not bind $refl_sip (log: $out/reflector-sip.log)"

# ---- Trapeze ----
if wants trapeze; then
	pid_alive() { [ -s "$labstate/trapezed.pid" ] && kill -0 "$(cat "$labstate/trapezed.pid")" 2>/dev/null; }
	pid_alive && "$lab" stop >/dev/null
	TZ_CONFIG=$config TZ_BUILD=$build "$lab" start >/dev/null || die "the gateway did not start ($labstate/trapezed.log)"
	we_started_gw=1
	gw_pid=$(cat "$labstate/trapezed.pid")
	echo "TZ_CONFIG=$config tools/lab.sh start" >>"$out/commands.txt"
	spawn "$out/sipp.log" ip netns exec sip taskset -c "$gen_core" sipp \
		-sf "$here/tests/sip/lab/uas_reflect.xml" -i 203.0.113.2 -p 5060 \
		-mi 203.0.113.2 -mp 6002 -set rip "${refl_sip%:*}" -set rport "${refl_sip##*:}" \
		-nostdin -max_socket 4096
	sipp_pid=$spawned
	wait_udp sip 203.0.113.2:5060 || die "sipp did not bind 203.0.113.2:5060 (log: $out/sipp.log)"
	for load in "${load_list[@]}"; do
		sampler trapeze "$load" --pid "$gw_pid" --trapezectl "$ctl --socket $sock"
		sp=$spawned
		gen_run trapeze "$load" jsep --url ws://198.51.100.1:8080/ws --secret-file "$secret" \
			--target "$target" --ctl "$sock"
		stop_pid "$sp"
		drained tz_calls || say "trapeze $load: calls still up 30 s after the step"
	done
	stop_pid "$sipp_pid"
	"$lab" stop >/dev/null
	we_started_gw=0
fi

# ---- rtpengine ----
if wants rtpengine; then
	TZ_RTPE_STATE=$state TZ_RTPE_CORE=$relay_core TZ_RTPE_NG=$ng_addr TZ_BUILD=$build \
		"$here/bench/compare/rtpengine.sh" start >&2
	echo "TZ_RTPE_CORE=$relay_core bench/compare/rtpengine.sh start  # config: $state/rtpengine.conf" >>"$out/commands.txt"
	cp "$state/rtpengine.conf" "$out/"
	rtpe_pid=$(cat "$state/rtpengine.pid")
	export TZ_NG_DIRECTION=access,core
	for load in "${load_list[@]}"; do
		sampler rtpengine "$load" --pid "$rtpe_pid"
		sp=$spawned
		gen_run rtpengine "$load" ng --ng "$ng_addr" --rtp-peer "$refl_sip"
		stop_pid "$sp"
		drained rtpe_sessions || say "rtpengine $load: sessions still up 30 s after the step"
	done
	unset TZ_NG_DIRECTION
	TZ_RTPE_STATE=$state "$here/bench/compare/rtpengine.sh" down >/dev/null
fi

# ---- the generator's own ceiling: no relay, a reflector next to it ----
if wants self; then
	spawn "$out/reflector-web.log" ip netns exec web taskset -c "$gen_core" \
		"$gen_bin" reflect --listen "$refl_web"
	wait_udp web "$refl_web" || die "the reflector did not bind $refl_web"
	gen_run self "$top" self --reflector "$refl_web"
fi

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
python3 - "$out" "$config" "$rate" "$window" "$gen_core" "$relay_core" "$top" "$cpu" "${load_list[@]}" <<'EOF'
import json, subprocess, sys
out, config, rate, window, gcore, rcore, top, cpu = sys.argv[1:9]
loads = [int(x) for x in sys.argv[9:]]
def sh(*a):
    try:
        return subprocess.run(a, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""
meta = {
    "loads": loads, "self_load": int(top), "rate": float(rate), "window_s": float(window),
    "config": config, "generator_core": int(gcore), "relay_core": int(rcore), "cpu": cpu,
    "rtpengine": sh("rtpengine", "--version"),
    "trapeze_git": sh("git", "-C", config.rsplit("/config/", 1)[0], "describe", "--always", "--dirty"),
    "commands": open(f"{out}/commands.txt").read().splitlines(),
}
json.dump(meta, open(f"{out}/meta.json", "w"), indent=2)
EOF
python3 "$here/bench/compare/report.py" "$out"
