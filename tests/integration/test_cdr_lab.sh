#!/usr/bin/env bash
# Call detail records with the real daemon in the lab (docs/cdr.md): real
# calls (trapeze-bench calls through tools/bench.sh, bridged to the lab PBX)
# each leave one valid JSON line with every field in cdr.file; the file is
# rotated three ways and the next records land in the new file each time:
# rename + `trapezectl cdr reopen`, rename + SIGUSR1, and logrotate with
# contrib/logrotate/trapeze (when logrotate is installed).  Nothing is
# dropped.  Run under the lab lock like every lab test.
source "$(dirname "$0")/lib.sh"
export TZ_LAB_LOCKED=1
bench_sh="$here/tools/bench.sh"
sock=/run/trapeze/trapezed.sock
ctl() { "$trapezectl" --socket "$sock" "$@"; }
cdr=$state/cdr.json

"$lab" down >/dev/null 2>&1

# the bench config with a cdr: block (tools/lab.sh moves the file into $state)
config=$state/bench-cdr.yaml
{ cat "$here/config/bench-lab.yaml"; printf '\ncdr:\n  file: /run/trapeze/lab/cdr.json\n  keep: 100\n'; } >"$config"

calls() {   # N: place N whole calls (1 s of media each) through the gateway
	"$bench_sh" calls --config "$config" --keep --out "$state/bench-$RANDOM" --total "$1" \
		--rate 5 --hold 1 --concurrent "$1" --quiet >"$state/bench.out" 2>&1 ||
		{ sed 's/^/# /' "$state/bench.out" | tail -20; return 1; }
}
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
# wait until FILE has N lines (records are written within 200 ms of the end)
wait_lines() {
	for _ in $(seq 1 50); do [ "$(lines "$1")" -ge "$2" ] && break; sleep 0.1; done
	[ "$(lines "$1")" -eq "$2" ] || { echo "# $1: $(lines "$1") lines, want $2"; return 1; }
}
# every line of FILE a whole record of an answered call with media both ways
valid_records() {
	python3 - "$1" <<'PY'
import json, sys
fields = ["call_id", "tenant", "user", "from", "to", "direction", "trunk", "leg",
          "offer_time", "answer_time", "media_time", "end_time", "setup_ms", "media_setup_ms",
          "duration_ms", "code", "reason", "ended_by", "codec", "srtp", "sip_media",
          "pkts_from_web", "pkts_to_web", "drops_from_web", "drops_to_web",
          "lost_from_web", "lost_from_sip", "loss_pct_from_web", "loss_pct_from_sip"]
for i, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    r = json.loads(line)
    assert list(r) == fields, f"line {i}: fields {list(r)}"
    assert r["code"] == 200 and r["direction"] == "web-to-sip" and r["tenant"] == "default", r
    assert r["user"].startswith("load") and r["to"] == "+15551230000", r
    assert r["pkts_from_web"] > 0 and r["pkts_to_web"] > 0, r
    assert all(isinstance(r[k], int) and r[k] >= 0 for k in ("lost_from_web", "lost_from_sip")), r
    assert r["setup_ms"] >= 0 and r["duration_ms"] > 0 and r["srtp"], r
PY
}

check "4 calls through the gateway" calls 4
check "cdr.file has 4 lines" wait_lines "$cdr" 4
check "each a valid record: every field, 200, packets both ways" valid_records "$cdr"

mv "$cdr" "$cdr.1"
check "trapezectl cdr reopen after a rename" ctl cdr reopen
check "2 more calls" calls 2
check "their records are in a new cdr.file" wait_lines "$cdr" 2
check "the renamed file kept its 4" wait_lines "$cdr.1" 4

mv "$cdr" "$cdr.2"
kill -USR1 "$(cat "$state/trapezed.pid")"
reopened() { ctl --json show cdr stats | jget 'd["reopens"] == 2' | grep -qx True; }
wait_reopened() { for _ in $(seq 1 50); do reopened && return 0; sleep 0.1; done; return 1; }
check "SIGUSR1 reopens the file" wait_reopened
check "2 more calls" calls 2
check "their records are in a new cdr.file" wait_lines "$cdr" 2
check "the file renamed before SIGUSR1 kept its 2" wait_lines "$cdr.2" 2
check "every file holds valid records" valid_records "$cdr.1"

if command -v logrotate >/dev/null; then
	# contrib/logrotate/trapeze as shipped, pointed at this file and socket
	sed -e "s|^/var/log/trapeze/cdr.json|$cdr|" -e "s|trapezectl cdr reopen|$trapezectl --socket $sock cdr reopen|" \
		"$here/contrib/logrotate/trapeze" >"$state/logrotate.conf"
	check "logrotate -f with contrib/logrotate/trapeze" \
		logrotate -f -s "$state/logrotate.state" "$state/logrotate.conf"
	rotated=$(ls "$cdr"-* 2>/dev/null | head -1)
	check "logrotate renamed the file (dateext, not compressed yet)" test -n "$rotated"
	check "1 more call" calls 1
	check "its record is in the new cdr.file" wait_lines "$cdr" 1
	check "the rotated file kept its 2" wait_lines "${rotated:-/nonexistent}" 2
else
	ok "# SKIP logrotate is not installed"
fi

stats=$(ctl --json show cdr stats)
echo "# show cdr stats: $(echo "$stats" | tr -d ' \n')"
check "nothing dropped, no write error" \
	sh -c "echo '$stats' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"dropped\"] == 0 and d[\"write_errors\"] == 0 and d[\"written\"] == d[\"records\"] >= 8, d'"
check "show cdr renders the last records as a table" sh -c "'$trapezectl' --socket $sock show cdr 3 | grep -q '^time .*from_web  to_web$'"

"$lab" stop >/dev/null 2>&1
finish
