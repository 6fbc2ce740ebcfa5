#!/usr/bin/env bash
# Run Trapeze e2e tests (node --test + playwright-core + Debian's Chromium).
#
#   tests/e2e/run.sh [--netns NS] [FILE.test.mjs ...]
#
# Installs the node dependencies first when missing (npm ci, from the npm
# registry; playwright-core downloads no browser).  With --netns NS the tests
# run inside network namespace NS (`ip netns exec`, needs root): use
# `--netns web` for the gateway scenarios, so Chromium's traffic crosses the
# lab.  Without FILEs: harness.test.mjs.  Exit code: the tests' (77 = skipped:
# no node or no Chromium).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

netns=
if [ "${1:-}" = --netns ]; then
	netns=${2:?--netns needs a namespace}
	shift 2
fi
[ $# -gt 0 ] || set -- harness.test.mjs

skip() { echo "e2e: SKIP: $*" >&2; exit 77; }
command -v node >/dev/null || skip "node is not installed"
command -v npm >/dev/null || skip "npm is not installed"
chromium=${TZ_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || skip "no Chromium at $chromium (Debian package chromium; tools/install-deps.sh --with-lab)"

major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || skip "node $major is too old (playwright-core needs node >= 20)"

# Dependencies: (re)install when missing or when the lock file changed.
stamp=node_modules/.trapeze-lock
if [ ! -d node_modules/playwright-core ] || ! cmp -s package-lock.json "$stamp"; then
	echo "e2e: installing node dependencies (npm ci)" >&2
	npm ci --no-audit --no-fund --loglevel=error >&2
	cp package-lock.json "$stamp"
fi

cmd=(node --test --test-reporter=spec --test-concurrency=1 "$@")
if [ -n "$netns" ]; then
	cmd=(ip netns exec "$netns" "${cmd[@]}")
fi
echo "e2e: ${cmd[*]}" >&2
exec "${cmd[@]}"
