#!/usr/bin/env bash
# Install what the tests need, build, run every test suite, and print one
# summary line "N passed, N failed".  Idempotent; run as root.
#   tools/test.sh                 all suites (unit, fuzz, integration, e2e)
#   tools/test.sh --suite unit    one suite (meson test options pass through)
# With no options it also builds a second tree with AddressSanitizer and runs
# the unit and fuzz suites there (TZ_NO_ASAN=1 skips that).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TZ_BUILD:-$here/build}
cd "$here"

# The lab suites use the fixed namespaces web/gw/sip, which anything else on
# this machine that uses the lab (tools/bench.sh, a developer's e2e run) takes
# under the lab lock: the whole run holds it (TZ_LAB_HELD=1: the caller holds
# it already).  flock -o: the lock stays with flock, not with the tests' children.
if [ -z "${TZ_LAB_HELD:-}" ]; then
	lock=/tmp/tz-test.lock
	flock -n "$lock" true || echo "test: waiting for the lab lock $lock (another lab user)"
	flock -o -w 3600 -E 75 "$lock" env TZ_LAB_HELD=1 "$here/tools/test.sh" "$@"
	rc=$?
	[ $rc -eq 75 ] && { echo "test: the lab lock $lock is still held after 1 h"; echo "0 passed, 1 failed"; }
	exit $rc
fi

tools/install-deps.sh --with-lab || exit 1
tools/build.sh "$build" || { echo "0 passed, 1 failed"; exit 1; }

# The lab suites use the fixed namespaces web/gw/sip: make sure nothing is
# left from an earlier, interrupted run.
tools/lab.sh down >/dev/null 2>&1 || true

meson test -C "$build" --print-errorlogs --num-processes 2 "$@"
rc=$?
tools/lab.sh down >/dev/null 2>&1 || true
logs=("$build/meson-logs/testlog.json")

if [ $# -eq 0 ] && [ -z "${TZ_NO_ASAN:-}" ]; then
	asan=${build}-asan
	if { [ -f "$asan/build.ninja" ] || meson setup "$asan" "$here" -Db_sanitize=address -Db_lundef=false >/dev/null; } &&
	   ninja -C "$asan" >/dev/null; then
		ASAN_OPTIONS=detect_leaks=1 meson test -C "$asan" --print-errorlogs --num-processes 2 \
			--suite unit --suite fuzz || rc=1
		logs+=("$asan/meson-logs/testlog.json")
	else
		echo "test: the AddressSanitizer build failed"; rc=1
	fi
fi

python3 - "${logs[@]}" <<'PY'
import json, sys
passed = failed = skipped = 0
lines = []
for path in sys.argv[1:]:
    try:
        lines += open(path).read().splitlines()
    except OSError:
        lines.append('{"result": "ERROR"}')
for line in lines:
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r == "SKIP":
        skipped += 1
    else:
        failed += 1
if not lines:
    failed = 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $rc
