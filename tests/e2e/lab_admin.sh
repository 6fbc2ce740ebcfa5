#!/usr/bin/env bash
# Reload and drain in the lab (issue 13, docs/operations.md): bring the lab
# up, start trapezed with config/lab.yaml, run ONE scenario file with
# Chromium in namespace `web`, take the lab down.  Each scenario has its own
# gateway because it changes it: reload.test.mjs rewrites the config file
# trapezed runs with, drain.test.mjs stops trapezed.
#
#   tests/e2e/lab_admin.sh reload.test.mjs|drain.test.mjs|drain_timeout.test.mjs
#
# trapezed runs with config/lab.yaml, its HTTPS certificate and key copied to
# $TZ_LAB_STATE/https-{cert,key}.pem, under a small wrapper that writes its exit status to
# $TZ_LAB_STATE/trapezed.status, so drain.test.mjs can check the drained
# gateway exited 0.  Exit status: the tests'.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TZ_BUILD=${TZ_BUILD:?TZ_BUILD must name the build directory}
[ $# -eq 1 ] || { echo "usage: lab_admin.sh SCENARIO.test.mjs" >&2; exit 2; }
state=$(mktemp -d /tmp/tz-e2e.XXXXXX)
export TZ_LAB_STATE=$state TZ_E2E_REQUIRE_GATEWAY=1
trap '"$here/tools/lab.sh" down >/dev/null 2>&1; rm -rf "$state"' EXIT

# A build directory whose trapezed is the wrapper (lab.sh starts
# $TZ_BUILD/ctrlplane/daemon/trapezed); trapezectl is the real one.
wrap=$state/build
mkdir -p "$wrap/ctrlplane/daemon" "$wrap/ctrlplane/cli"
ln -s "$(cd "$TZ_BUILD" && pwd)/ctrlplane/cli/trapezectl" "$wrap/ctrlplane/cli/trapezectl"
cat >"$wrap/ctrlplane/daemon/trapezed" <<WRAP
#!/usr/bin/env bash
# trapezed, with its exit status kept in $state/trapezed.status
"$(cd "$TZ_BUILD" && pwd)/ctrlplane/daemon/trapezed" "\$@" &
child=\$!
trap 'kill -TERM \$child' TERM INT
trap 'kill -HUP \$child' HUP
while :; do
	wait \$child; rc=\$?
	kill -0 \$child 2>/dev/null || break
done
echo \$rc >"$state/trapezed.status"
exit \$rc
WRAP
chmod +x "$wrap/ctrlplane/daemon/trapezed"

# The HTTPS certificate and key: copies of the lab's, so reload.test.mjs can
# renew them in place without touching the lab's own files.
"$here/tools/lab.sh" down >/dev/null 2>&1
"$here/tools/lab.sh" up >/dev/null || { echo "lab_admin: the lab did not come up"; exit 1; }
lab_cert=$(awk '/^ *tls_cert:/ {print $2; exit}' "$here/config/lab.yaml")
lab_key=$(awk '/^ *tls_key:/ {print $2; exit}' "$here/config/lab.yaml")
cp "$lab_cert" "$state/https-cert.pem" && cp "$lab_key" "$state/https-key.pem" || exit 1
sed -e "s|$lab_cert|$state/https-cert.pem|" -e "s|$lab_key|$state/https-key.pem|" \
	"$here/config/lab.yaml" >"$state/admin.yaml"
if ! TZ_BUILD=$wrap TZ_CONFIG=$state/admin.yaml "$here/tools/lab.sh" start; then
	echo "lab_admin: the gateway did not start"; exit 1
fi
. "$here/tests/e2e/lib/run_report.sh"
e2e_run "$state" --netns web "$1"
