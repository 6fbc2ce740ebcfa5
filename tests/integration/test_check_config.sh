#!/usr/bin/env bash
# trapezed --check-config: the shipped samples are valid; a broken file is
# refused with FILE:LINE:COL messages and exit status 1.
source "$(dirname "$0")/lib.sh"
for f in "$here"/config/*.yaml; do
	if "$trapezed" --check-config "$f" >"$state/out" 2>&1 && grep -q "OK" "$state/out"; then
		ok "sample $(basename "$f") is valid"
	else
		not_ok "sample $(basename "$f")"; sed 's/^/# /' "$state/out"
	fi
done
sed -e 's/role: access/role: acess/' "$here/config/lab.yaml" >"$state/broken.yaml"
line=$(grep -n "role: acess" "$state/broken.yaml" | head -1 | cut -d: -f1)
col=$(awk -v l="$line" 'NR==l {print index($0, "acess")}' "$state/broken.yaml")
"$trapezed" --check-config "$state/broken.yaml" >"$state/out" 2>&1; rc=$?
if [ $rc -eq 1 ] && grep -q "^$state/broken.yaml:$line:$col: ports\[0\].role: " "$state/out"; then
	ok "a bad role is reported at $line:$col with exit status 1"
else
	not_ok "bad role (want $line:$col, status 1; got $rc)"; sed 's/^/# /' "$state/out"
fi
printf 'ports: [\n' >"$state/notyaml.yaml"
"$trapezed" --check-config "$state/notyaml.yaml" >"$state/out" 2>&1; rc=$?
if [ $rc -eq 1 ] && grep -q "^$state/notyaml.yaml:[0-9]*:[0-9]*: " "$state/out"; then ok "a file that is not YAML is reported with line:col"; else not_ok "not-YAML file"; sed 's/^/# /' "$state/out"; fi
"$trapezed" --check-config "$state/none.yaml" >"$state/out" 2>&1; rc=$?
if [ $rc -eq 1 ] && grep -q "cannot read" "$state/out"; then ok "a missing file is reported"; else not_ok "missing file"; sed 's/^/# /' "$state/out"; fi
"$trapezed" --help >"$state/out" 2>&1
grep -q -- "--check-config" "$state/out" && ok "--help documents --check-config" || not_ok "--help"
finish
