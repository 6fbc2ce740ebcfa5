#!/usr/bin/env bash
# Call recording in the lab (issue 14, docs/recording.md): bring the lab up,
# start trapezed with config/lab.yaml plus recording on demand into
# $TZ_LAB_STATE/rec and a route `+1333...` with `record: true`, run
# record.test.mjs with Chromium in namespace `web` and sipp as the PBX in
# namespace `sip`, take the lab down.  Exit status: the test's.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TZ_BUILD=${TZ_BUILD:?TZ_BUILD must name the build directory}
state=$(mktemp -d /tmp/tz-e2e.XXXXXX)
export TZ_LAB_STATE=$state TZ_E2E_REQUIRE_GATEWAY=1
export TZ_CDR_FILE=$state/cdr.json TZ_REC_DIR=$state/rec
trap '"$here/tools/lab.sh" down >/dev/null 2>&1; rm -rf "$state"' EXIT

sed -e '/^  routes:/a\
    - { prefix: "+1333", trunk: lab-pbx, record: true }' "$here/config/lab.yaml" >"$state/rec.yaml"
printf '\nrecording:\n  mode: on-demand\n  dir: %s\n' "$TZ_REC_DIR" >>"$state/rec.yaml"
"$here/tools/lab.sh" down >/dev/null 2>&1
"$here/tools/lab.sh" up >/dev/null || { echo "lab_record: the lab did not come up"; exit 1; }
if ! TZ_CONFIG=$state/rec.yaml "$here/tools/lab.sh" start; then
	echo "lab_record: the gateway did not start"; exit 1
fi
. "$here/tests/e2e/lib/run_report.sh"
e2e_run "$state" --netns web record.test.mjs
