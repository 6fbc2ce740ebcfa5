#!/usr/bin/env bash
# The load tester's one command: the lab, a gateway with the bench config,
# the lab PBX, and the load client in namespace web.
#
# Usage: tools/bench.sh calls [--config FILE] [--out DIR] [--keep] [OPTION]...
#        tools/bench.sh compare [OPTION]...  Trapeze and rtpengine side by side
#                 (bench/compare/run.sh --help)
#   calls         trapeze-bench calls against the lab gateway; every OPTION
#                 not below passes through (trapeze-bench calls --help), e.g.
#                 tools/bench.sh calls --rate 50 --total 500 --hold 10
#                 tools/bench.sh calls --ramp
#   --config FILE the gateway's config (default config/bench-lab.yaml: the lab
#                 with the limits for the public internet lifted)
#   --out DIR     where calls.json and plots/ go (default
#                 /tmp/trapeze-bench/calls-<UTC time>), unless --json/--plots
#                 are given
#   --keep        leave the gateway and the PBX running afterwards (by default
#                 what this script started is stopped again)
#   Widening the lab's limits for one run (many held calls); each writes a
#   copy of the config to DIR/trapeze.yaml, the defaults stay as they are:
#   --media-ports A,C  media port ranges, access and core ("2000-33999,34000-65535")
#   --max-sessions N   limits.max_sessions (the dataplane session table)
#   --memory-mb N      eal.memory_mb (EAL memory for that table and mbufs)
#   --nofile N         RLIMIT_NOFILE (soft and hard) of the gateway and client
#                 (above the hard limit only with CAP_SYS_RESOURCE; else the
#                 hard limit, said on stderr)
#   --dtls-release     control.dtls_release: true (OpenSSL's state freed once
#                 media flows)
#   --sample-gw        every 2 s, DIR/gw-samples.tsv: the gateway's RSS, PSS,
#                 descriptors, CPU (main thread and all), the client's RSS/CPU
#
# It holds the lab lock (/tmp/tz-test.lock) for the whole run, as every lab
# test does; set TZ_LAB_LOCKED=1 when the caller already holds it.  A gateway
# already running with another config is restarted with the bench config.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TZ_BUILD:-$here/build}
lab="$here/tools/lab.sh"
state=${TZ_LAB_STATE:-/run/trapeze/lab}
lock=/tmp/tz-test.lock

die() { echo "bench: $*" >&2; exit 1; }
usage() { sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; }

cmd=${1:-}
case "$cmd" in
	calls) shift ;;
	compare) shift; exec "$here/bench/compare/run.sh" "$@" ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || die "run as root (the lab uses network namespaces)"
if [ -z "${TZ_LAB_LOCKED:-}" ]; then
	exec flock "$lock" env TZ_LAB_LOCKED=1 "$0" calls "$@"
fi

config=$here/config/bench-lab.yaml
out=
keep=0
media_ports=
max_sessions=
memory_mb=
nofile=
sample=0
dtls_release=
pass=()
have_json=0
have_plots=0
have_ctl=0
while [ $# -gt 0 ]; do
	case "$1" in
		--config) [ $# -ge 2 ] || die "--config needs a file"; config=$2; shift 2 ;;
		--config=*) config=${1#--config=}; shift ;;
		--out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
		--out=*) out=${1#--out=}; shift ;;
		--keep) keep=1; shift ;;
		--sample-gw) sample=1; shift ;;
		--dtls-release) dtls_release=true; shift ;;
		--media-ports|--max-sessions|--memory-mb|--nofile)
			[ $# -ge 2 ] || die "$1 needs a value"
			case "$1" in
				--media-ports) media_ports=$2 ;;
				--max-sessions) max_sessions=$2 ;;
				--memory-mb) memory_mb=$2 ;;
				--nofile) nofile=$2 ;;
			esac
			shift 2 ;;
		*)
			case "$1" in
				--json|--json=*) have_json=1 ;;
				--plots|--plots=*) have_plots=1 ;;
				--ctl|--ctl=*) have_ctl=1 ;;
			esac
			pass+=("$1"); shift ;;
	esac
done
config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
[ -f "$config" ] || die "no config $config"
bench="$build/bench/trapeze-bench"
[ -x "$bench" ] || die "no trapeze-bench in $build (build first: tools/build.sh)"
[ -z "$out" ] && out=/tmp/trapeze-bench/calls-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"

# The widened copy of the config: only the lines asked for change.
if [ -n "$media_ports$max_sessions$memory_mb$dtls_release" ]; then
	acc=${media_ports%%,*}
	core=${media_ports#*,}
	if [ -n "$media_ports" ]; then
		[[ "$media_ports" =~ ^[0-9]+-[0-9]+,[0-9]+-[0-9]+$ ]] ||
			die "--media-ports wants A-B,C-D (access,core)"
	fi
	[[ "${max_sessions:-1}" =~ ^[0-9]+$ ]] || die "--max-sessions wants a number"
	[[ "${memory_mb:-1}" =~ ^[0-9]+$ ]] || die "--memory-mb wants a number"
	awk -v acc="$acc" -v core="$core" -v ms="$max_sessions" -v mm="$memory_mb" \
	    -v dr="$dtls_release" '
		/^[a-z]/ { sect = $1 }
		sect == "media:" && /^  access:/ { side = "acc" }
		sect == "media:" && /^  core:/ { side = "core" }
		sect == "media:" && /^ +ports:/ && acc != "" {
			sub(/"[0-9]+-[0-9]+"/, "\"" (side == "acc" ? acc : core) "\"") }
		sect == "limits:" && /^  max_sessions:/ && ms != "" { sub(/[0-9]+/, ms) }
		sect == "eal:" && /^  memory_mb:/ && mm != "" { sub(/[0-9]+/, mm) }
		{ print }
		/^control:/ && dr != "" { print "  dtls_release: true" }' "$config" >"$out/trapeze.yaml"
	config=$out/trapeze.yaml
	echo "bench: widened config $config" >&2
fi
if [ -n "$nofile" ]; then
	[[ "$nofile" =~ ^[0-9]+$ ]] || die "--nofile wants a number"
	# raising the hard limit needs CAP_SYS_RESOURCE; without it the hard
	# limit stays and is what the run gets (said, not fatal)
	if ! ulimit -Hn "$nofile" 2>/dev/null; then
		echo "bench: RLIMIT_NOFILE stays at $(ulimit -Hn) (raising the hard limit" \
		     "needs CAP_SYS_RESOURCE)" >&2
		nofile=$(ulimit -Hn)
	fi
	ulimit -Sn "$nofile" || die "cannot set RLIMIT_NOFILE to $nofile"
fi

sock=$(awk '/^ *socket:/ {print $2; exit}' "$config" | tr -d '"')
sock=${sock:-/run/trapeze/trapezed.sock}

started_gw=0
started_pbx=0
cleanup() {
	if [ "$keep" -eq 0 ]; then
		[ "$started_pbx" -eq 1 ] && "$lab" pbx stop >/dev/null 2>&1
		[ "$started_gw" -eq 1 ] && TZ_CONFIG=$config "$lab" stop >/dev/null 2>&1
	fi
	return 0
}
trap cleanup EXIT

"$lab" up >/dev/null
# The gateway: reused when it already runs with this config (the marker is
# written when this script starts it), else (re)started with it.
if "$lab" status | grep -q "^trapezed: running"; then
	if [ "$(cat "$state/bench.config" 2>/dev/null)" = "$(cat "$state/trapezed.pid") $config" ]; then
		echo "bench: using the running gateway (config $config)" >&2
	else
		echo "bench: restarting the running gateway with $config" >&2
		"$lab" stop >/dev/null
	fi
fi
if ! "$lab" status | grep -q "^trapezed: running"; then
	TZ_CONFIG=$config "$lab" start >&2 || die "the gateway did not start (tools/lab.sh start)"
	echo "$(cat "$state/trapezed.pid") $config" >"$state/bench.config"
	started_gw=1
fi
pbx=$("$lab" pbx) || die "the lab PBX did not start (tools/lab.sh pbx)"
case "$pbx" in *"already running"*) ;; *) started_pbx=1 ;; esac

args=()
[ "$have_ctl" -eq 1 ] || args+=(--ctl "$sock")
[ "$have_json" -eq 1 ] || args+=(--json "$out/calls.json")
[ "$have_plots" -eq 1 ] || args+=(--plots "$out/plots")

# one WebSocket and a few sockets per call: the client needs many files
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "bench: trapeze-bench calls ${args[*]} ${pass[*]:-} (in namespace web)" >&2
# One line every 2 s while the client runs (docs/bench.md, "How many calls
# one box holds"); CPU in clock ticks (getconf CLK_TCK), memory in kB.
sample_gw() {
	local gw=$1 cl=$2 f=$3
	printf 't\trss_kb\tpss_kb\tfds\tmain_ticks\tproc_ticks\tclient_rss_kb\tclient_ticks\n' >"$f"
	while kill -0 "$cl" 2>/dev/null; do
		[ -r "/proc/$gw/stat" ] || break
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date +%s.%N)" \
			"$(awk '/^Rss:/ {print $2}' "/proc/$gw/smaps_rollup")" \
			"$(awk '/^Pss:/ {print $2}' "/proc/$gw/smaps_rollup")" \
			"$(ls "/proc/$gw/fd" | wc -l)" \
			"$(awk '{print $14 + $15}' "/proc/$gw/task/$gw/stat")" \
			"$(awk '{print $14 + $15}' "/proc/$gw/stat")" \
			"$(awk '/^VmRSS:/ {print $2}' "/proc/$cl/status" 2>/dev/null)" \
			"$(awk '{print $14 + $15}' "/proc/$cl/stat" 2>/dev/null)" >>"$f"
		sleep 2
	done
}
rc=0
ip netns exec web "$bench" calls "${args[@]}" "${pass[@]}" &
cpid=$!
spid=
if [ "$sample" -eq 1 ]; then
	sample_gw "$(cat "$state/trapezed.pid")" "$cpid" "$out/gw-samples.tsv" &
	spid=$!
fi
wait "$cpid" || rc=$?
[ -n "$spid" ] && { wait "$spid" || true; echo "bench: gateway samples $out/gw-samples.tsv"; }
[ "$have_json" -eq 1 ] || echo "bench: JSON $out/calls.json"
[ "$have_plots" -eq 1 ] || echo "bench: plots $out/plots/ (setup-vs-rate.png, loss-vs-load.png, failed-vs-load.png)"
echo "bench: gateway log $state/trapezed.log"
exit $rc
