#!/usr/bin/env bash
# Configure (once) and build Trapeze into DIR (default ./build).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build}
if [ -f "$build/build.ninja" ]; then
	meson setup --reconfigure "$build" "$here" >/dev/null
else
	meson setup "$build" "$here"
fi
ninja -C "$build"
