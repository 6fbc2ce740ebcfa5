#!/usr/bin/env bash
# The package's trapeze.service under a real systemd (PID 1 of a
# `systemd-nspawn -b` container) when this host's PID 1 is not systemd: the
# systemd suite's walk-through of issue 13's "Done when", by hand.
#   tools/nspawn-unit.sh [TRAPEZE_DEB]
# Without a .deb it builds one from this tree (cached per source content in
# /var/cache/trapeze-test/deb).  The Debian 12 root is debootstrapped once
# (tools/nspawn-root.sh, /var/cache/trapeze-test/bookworm) and booted as an
# overlay, in the lab's gw namespace; the lab (tools/lab.sh) is taken down
# afterwards.  Needs root, debootstrap, systemd-container, a build of
# trapeze-bench ($TZ_BUILD, default ./build).  Prints TAP; exit 0 = all ok.
# The same as `meson test -C build --suite systemd`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ $# -gt 0 ]; then export TZ_DEB; TZ_DEB=$(realpath "$1"); fi
export TZ_BUILD=${TZ_BUILD:-$here/build} TZ_SRC=${TZ_SRC:-$here}
exec "$here/tests/integration/test_systemd_unit.sh"
