#!/usr/bin/env bash
# Selfcheck of the lab's SIPp scenarios (tests/sip/lab/*.xml) without the lab:
# each scenario runs on 127.0.0.1 against a peer scenario from this directory
# that plays the gateway, and prints PASS/FAIL per pair.  Negative pairs feed
# a scenario the wrong thing and PASS only when that scenario FAILS on its own
# check (regexp / unexpected message), quickly, not on the global timeout.
#
#   tests/sip/lab/selfcheck/run.sh [-k] [NAME-FILTER]
#
#   -k           keep the logs (sipp stdout/stderr, -trace_msg) in the work dir
#   NAME-FILTER  run only pairs whose name contains it
#   TZ_SELFCHECK_PORT  first UDP port to use (default 25060; every pair takes
#                      the next 2 SIP ports, and 20 media ports counted from
#                      TZ_SELFCHECK_PORT + 10000)
#
# Exit code: 0 when every pair passed, 1 otherwise, 77 when sipp is missing.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lab=$(dirname "$here")

keep=0
if [ "${1:-}" = -k ]; then keep=1; shift; fi
filter=${1:-}

command -v sipp >/dev/null || { echo "selfcheck: SKIP: sipp is not installed" >&2; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/trapeze-sipp-selfcheck.XXXXXX")
sip_port=${TZ_SELFCHECK_PORT:-25060}
media_port=$((sip_port + 10000))
npass=0
nfail=0
failed=()

# Wait until something listens on UDP port $1 (at most ~2 s).
wait_udp() {
	local i
	for i in $(seq 1 40); do
		if command -v ss >/dev/null; then
			ss -Hlun "sport = :$1" 2>/dev/null | grep -q . && return 0
		fi
		sleep 0.05
	done
	return 0
}

# Seconds since the epoch, with fraction.
now() { date +%s.%N; }

# Path of scenario $1 (relative to tests/sip/lab) for a pair run in dir $2:
# "T.xml.in:CODE" is template T.xml.in with @CODE@ replaced by CODE.
scenario_path() {
	case $1 in
	*.xml.in:*)
		local t=${1%%:*} code=${1##*:} out
		out="$2/$(basename "${t%.in}")"
		sed "s/@CODE@/$code/g" "$lab/$t" >"$out"
		echo "$out"
		;;
	*) echo "$lab/$1" ;;
	esac
}

# pair NAME EXPECT UAS_SCENARIO "UAS sipp args" UAC_SCENARIO "UAC sipp args"
#   EXPECT: pass       both sides exit 0
#           uas-fails  the UAS scenario exits non-zero because of a check
#           uac-fails  the UAC scenario exits non-zero because of a check
# Scenarios: see scenario_path.  The sipp args are parsed like shell words
# (quote values with spaces).
pair() {
	local name=$1 expect=$2
	local -a uas_args=() uac_args=()
	eval "uas_args=($4)"
	eval "uac_args=($6)"
	case $name in *"$filter"*) ;; *) return 0 ;; esac

	local p=$sip_port m=$media_port
	sip_port=$((sip_port + 2))
	media_port=$((media_port + 20))
	local dir="$work/$name"
	mkdir -p "$dir"
	local uas uac
	uas=$(scenario_path "$3" "$dir")
	uac=$(scenario_path "$5" "$dir")

	local common=(-m 1 -nostdin -timeout 20s -timeout_error -trace_msg)
	local t0 t1
	t0=$(now)
	(cd "$dir" && exec sipp -sf "$uas" -i 127.0.0.1 -p "$p" \
		-mi 127.0.0.1 -mp "$m" -rtp_echo "${common[@]}" \
		-message_file uas.msg "${uas_args[@]}" >uas.out 2>uas.err) &
	local uas_pid=$!
	wait_udp "$p"
	(cd "$dir" && exec sipp -sf "$uac" -i 127.0.0.1 -p "$((p + 1))" \
		-mi 127.0.0.1 -mp "$((m + 10))" "${common[@]}" \
		-message_file uac.msg "${uac_args[@]}" "127.0.0.1:$p" >uac.out 2>uac.err) &
	local uac_pid=$!

	local checked_pid other_pid checked_side
	case $expect in
	uac-fails) checked_pid=$uac_pid other_pid=$uas_pid checked_side=uac ;;
	*) checked_pid=$uas_pid other_pid=$uac_pid checked_side=uas ;;
	esac

	local rc_checked rc_other i
	wait "$checked_pid"
	rc_checked=$?
	t1=$(now)
	if [ "$expect" != pass ]; then
		# The peer may wait for something the failed side never sends:
		# give it 3 s, then stop it (by its PID).
		for i in $(seq 1 30); do
			kill -0 "$other_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$other_pid" 2>/dev/null
	fi
	wait "$other_pid"
	rc_other=$?

	local ok=0 why=""
	local secs
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	if [ "$expect" = pass ]; then
		if [ "$rc_checked" -eq 0 ] && [ "$rc_other" -eq 0 ]; then
			ok=1
		else
			why="uas rc=$( [ "$checked_side" = uas ] && echo "$rc_checked" || echo "$rc_other"), uac rc=$( [ "$checked_side" = uac ] && echo "$rc_checked" || echo "$rc_other")"
		fi
	else
		local reason
		reason=$(grep -a -m1 -o -E 'Failed regexp match|Regexp matched but should not|check_it[^ ]* failed|Aborting call on unexpected message' "$dir/$checked_side.err")
		if [ "$rc_checked" -eq 0 ]; then
			why="$checked_side scenario passed but should have failed"
		elif [ -z "$reason" ]; then
			why="$checked_side failed (rc=$rc_checked) but not on a check (timeout?)"
		else
			ok=1
			why="$checked_side failed as it should: $reason"
		fi
	fi
	if [ "$ok" = 1 ]; then
		npass=$((npass + 1))
		printf 'PASS %-40s %5ss %s\n' "$name" "$secs" "$why"
	else
		nfail=$((nfail + 1))
		failed+=("$name")
		printf 'FAIL %-40s %5ss %s (logs: %s)\n' "$name" "$secs" "$why" "$dir"
		keep=1
	fi
}

# UAS scenarios of the lab against a peer playing the gateway.
pair uas_hold pass uas_hold.xml "" \
	selfcheck/uac_hold_peer.xml "-s alice -key hold_dir a=recvonly -key resume_dir a=sendrecv"
pair uas_hold.neg.hold_answer_sendrecv uas-fails uas_hold.xml "" \
	selfcheck/uac_hold_peer.xml "-s alice -key hold_dir a=sendrecv -key resume_dir a=sendrecv"
pair uas_hold.neg.resume_answer_recvonly uas-fails uas_hold.xml "" \
	selfcheck/uac_hold_peer.xml "-s alice -key hold_dir a=recvonly -key resume_dir a=recvonly"
pair uas_hold.neg.resume_answer_no_dir uas-fails uas_hold.xml "" \
	selfcheck/uac_hold_peer.xml "-s alice -key hold_dir a=recvonly -key resume_dir a=ptime:20"
pair uas_expect_hold pass uas_expect_hold.xml "" \
	selfcheck/uac_expect_hold_peer.xml "-s alice -key se_hdr 'Session-Expires: 1800;refresher=uac'"
pair uas_expect_hold.neg.no_session_expires uas-fails uas_expect_hold.xml "" \
	selfcheck/uac_expect_hold_peer.xml "-s alice -key se_hdr 'X-Selfcheck: no session timer'"
pair uas_info pass uas_info.xml "" \
	selfcheck/uac_info_peer.xml "-s alice -key d1 1 -key d2 2 -key d3 3"
pair uas_info.neg.order_132 uas-fails uas_info.xml "" \
	selfcheck/uac_info_peer.xml "-s alice -key d1 1 -key d2 3 -key d3 2"

# UAC scenarios of the lab against a peer playing the gateway.
pair uac_expect_404 pass selfcheck/uas_final_peer.xml.in:404 "" \
	uac_expect_404.xml "-s alice"
pair uac_expect_486 pass selfcheck/uas_final_peer.xml.in:486 "" \
	uac_expect_486.xml "-s alice"
pair uac_expect_480 pass selfcheck/uas_ring_final_peer.xml.in:480 "" \
	uac_expect_480.xml "-s alice"
pair uac_expect_404.ringing pass selfcheck/uas_ring_final_peer.xml.in:404 "" \
	uac_expect_404.xml "-s alice"
pair uac_expect_404.neg.got_486 uac-fails selfcheck/uas_final_peer.xml.in:486 "" \
	uac_expect_404.xml "-s alice"
pair uac_expect_480.neg.got_486 uac-fails selfcheck/uas_ring_final_peer.xml.in:486 "" \
	uac_expect_480.xml "-s alice"
pair uac_bad_sdp pass selfcheck/uas_final_peer.xml.in:488 "" \
	uac_bad_sdp.xml "-s alice"
pair uac_bad_sdp.neg.got_400 uac-fails selfcheck/uas_final_peer.xml.in:400 "" \
	uac_bad_sdp.xml "-s alice"
pair uac_ring_cancel pass selfcheck/uas_cancel_peer.xml "" \
	uac_ring_cancel.xml "-s alice"
pair uac_ring_cancel.487_first pass selfcheck/uas_cancel_peer_487first.xml "" \
	uac_ring_cancel.xml "-s alice"

echo "selfcheck: $npass passed, $nfail failed${failed:+: ${failed[*]}}"
if [ "$keep" = 1 ]; then
	echo "selfcheck: logs in $work"
else
	rm -rf "$work"
fi
[ "$nfail" -eq 0 ]
