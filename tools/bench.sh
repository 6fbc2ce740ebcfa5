#!/usr/bin/env bash
# Trapeze's load-tester benches in the lab (docs/bench.md).
#   tools/bench.sh compare [OPTIONS]   Trapeze and rtpengine side by side (bench/compare/run.sh --help)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "${1:-}" in
compare)
	shift; exec "$here/bench/compare/run.sh" "$@" ;;
*)
	sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
