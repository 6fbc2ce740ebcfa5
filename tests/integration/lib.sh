# Shared helpers for the lab tests: TAP output (one "ok"/"not ok" line per
# check) and the daemon's lifecycle by PID.  Sourced, not run.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${TZ_BUILD:?TZ_BUILD must name the build directory}
trapezed=$build/ctrlplane/daemon/trapezed
trapezectl=$build/ctrlplane/cli/trapezectl
lab="$here/tools/lab.sh"
state=$(mktemp -d /tmp/tz-test.XXXXXX)
export TZ_BUILD=$build TZ_LAB_STATE=$state
n=0
failures=0
daemon_pid=

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; }
# check "description" command...: ok when the command succeeds
check() { local d=$1; shift; if "$@" >"$state/out" 2>&1; then ok "$d"; else not_ok "$d"; sed 's/^/# /' "$state/out"; fi; }
finish() { echo "1..$n"; [ "$failures" -eq 0 ]; }

# Start trapezed in gw with CONFIG; waits until the control socket answers.
daemon_start() {
	local config=$1 sock=$2
	ip netns exec gw "$trapezed" -c "$config" >>"$state/trapezed.log" 2>&1 &
	daemon_pid=$!
	for _ in $(seq 1 150); do
		kill -0 "$daemon_pid" 2>/dev/null || return 1
		"$trapezectl" --socket "$sock" show version >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# Stop it with SIGTERM (or the signal given) and return its exit status
# (124 if it hung).
daemon_stop() {
	local pid=$daemon_pid rc sig=${1:-TERM}
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"; wait "$pid" 2>/dev/null; daemon_pid=; return 124
	fi
	wait "$pid"; rc=$?
	daemon_pid=
	return $rc
}

cleanup() {
	[ -n "$daemon_pid" ] && daemon_stop
	"$lab" down >/dev/null 2>&1
	if [ "$failures" -gt 0 ] && [ -f "$state/trapezed.log" ]; then
		echo "# trapezed log:"; sed 's/^/#   /' "$state/trapezed.log" | tail -40
	fi
	rm -rf "$state"
}
trap cleanup EXIT

# JSON field from trapezectl --json: jq-like with python.  jget 'expr' < json
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
