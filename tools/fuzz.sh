#!/usr/bin/env bash
# Run every fuzz harness under libFuzzer with AddressSanitizer and UBSan.
#   tools/fuzz.sh [SECONDS_PER_HARNESS (60)] [HARNESS...]
# Builds build-fuzz/ with clang (-Dfuzzing=true), copies each harness's seed
# corpus to a scratch dir and fuzzes it; crashes are written to
# build-fuzz/crashes/<harness>/ and the script exits 1.  CI instead replays
# the seed corpora with the normal build (meson test --suite fuzz).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
build=$here/build-fuzz
command -v clang >/dev/null || { apt-get install -y -qq --no-install-recommends clang >/dev/null || exit 1; }
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$here" -Dfuzzing=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized >/dev/null || exit 1
fi
ninja -C "$build" >/dev/null || { echo "fuzz: build failed (ninja -C $build)"; exit 1; }

harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
	for d in "$here"/tests/fuzz/*/; do
		harnesses+=($(basename "$d"))
	done
fi
rc=0
for h in "${harnesses[@]}"; do
	for exe in "$build"/tests/fuzz/"$h"/fuzz_*; do
		[ -f "$exe" ] && [ -x "$exe" ] || continue
		name=$(basename "$exe")
		work=$(mktemp -d "/tmp/tz-fuzz-$name.XXXXXX")
		cp -r "$here/tests/fuzz/$h/corpus/." "$work/" 2>/dev/null
		mkdir -p "$build/crashes/$name"
		echo "fuzz: $name for ${secs}s"
		if ! "$exe" -max_total_time="$secs" -max_len=8192 -artifact_prefix="$build/crashes/$name/" \
			"$work" >"$build/crashes/$name.log" 2>&1; then
			echo "fuzz: $name FOUND A CRASH: $(ls "$build/crashes/$name" | head -1) (log $build/crashes/$name.log)"
			rc=1
		else
			tail -1 "$build/crashes/$name.log" | sed "s/^/fuzz: $name: /"
		fi
		rm -rf "$work"
	done
done
exit $rc
