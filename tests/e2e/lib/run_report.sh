# shellcheck shell=bash
# Sourced by the lab scenario scripts (lab_echo.sh, lab_admin.sh, …):
#   e2e_run STATE_DIR RUN_SH_ARGS…
# runs tests/e2e/run.sh with its output shown and kept in STATE_DIR/e2e.out;
# when it fails, prints the last 60 lines of STATE_DIR/trapezed.log and then
# the test runner's "failing tests" section again, so that the end of the
# output (what CI shows of a failure) names the failed assertion.
e2e_run() {
	local st=$1 rc
	shift
	"$(dirname "${BASH_SOURCE[0]}")/../run.sh" "$@" 2>&1 | tee "$st/e2e.out"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		echo "# trapezed log (last 60 lines):"
		tail -60 "$st/trapezed.log" 2>/dev/null | sed 's/^/#   /'
		echo "# the failing tests (again, from above):"
		sed -n '/failing tests:/,$p' "$st/e2e.out" | head -80 | sed 's/^/#   /'
		grep -q 'failing tests:' "$st/e2e.out" || tail -30 "$st/e2e.out" | sed 's/^/#   /'
	fi
	return "$rc"
}
