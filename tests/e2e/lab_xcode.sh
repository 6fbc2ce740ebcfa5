#!/usr/bin/env bash
# Transcoding in the lab (issue 14 item 2, docs/media-services.md
# "Transcoding"): bring the lab up, start trapezed with config/lab.yaml plus
# a G.711-only trunk to the lab PBX (`lab-g711`, codecs [PCMU], route
# `+1444…`), the same with `transcode: off` (`+1445…`), the stage's
# max_calls at 1 and recording on demand into $TZ_LAB_STATE/rec; run xcode.test.mjs with Chromium in namespace `web` and
# sipp as the PBX in namespace `sip` (answering, and calling the web user:
# inbound transcoding); take the lab down.  Exit status: the
# test's.  Run it under the lab lock:
#   flock /tmp/tz-test.lock env TZ_BUILD=$PWD/build tests/e2e/lab_xcode.sh
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TZ_BUILD=${TZ_BUILD:?TZ_BUILD must name the build directory}
state=$(mktemp -d /tmp/tz-e2e.XXXXXX)
export TZ_LAB_STATE=$state TZ_E2E_REQUIRE_GATEWAY=1 TZ_XCODE_LAB=1 TZ_REC_DIR=$state/rec
trap '"$here/tools/lab.sh" down >/dev/null 2>&1; rm -rf "$state"' EXIT

# the trunks after lab-pbx: a call from the PBX's address is lab-pbx's (the
# first trunk there), whose transcode is the tenant's (inbound tests)
sed -e '/^  routes:/i\
    - { name: lab-g711, address: "203.0.113.2:5060", codecs: [PCMU], transcode: when-needed }\
    - { name: lab-g711-off, address: "203.0.113.2:5060", codecs: [PCMU], transcode: "off" }' \
    -e '/^  routes:/a\
    - { prefix: "+1444", trunk: lab-g711 }\
    - { prefix: "+1445", trunk: lab-g711-off }' \
    -e 's/^  max_calls: 64 /  max_calls: 1  /' "$here/config/lab.yaml" >"$state/xcode.yaml"
printf '\nrecording:\n  mode: on-demand\n  dir: %s\n' "$TZ_REC_DIR" >>"$state/xcode.yaml"
"$here/tools/lab.sh" down >/dev/null 2>&1
"$here/tools/lab.sh" up >/dev/null || { echo "lab_xcode: the lab did not come up"; exit 1; }
if ! TZ_CONFIG=$state/xcode.yaml "$here/tools/lab.sh" start; then
	echo "lab_xcode: the gateway did not start"; tail -30 "$state/trapezed.log" 2>/dev/null; exit 1
fi
# TZ_E2E_NAME=REGEX: only the tests whose name matches (debugging)
. "$here/tests/e2e/lib/run_report.sh"
e2e_run "$state" --netns web ${TZ_E2E_NAME:+"--test-name-pattern=$TZ_E2E_NAME"} xcode.test.mjs
