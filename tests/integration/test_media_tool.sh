#!/usr/bin/env bash
# trapeze-media (tools/media, issue 14) end to end without the lab: a tone
# through wav2pcap and pcap2wav comes back at its frequency for every codec;
# a stereo file's channels are told apart; the RFC 4733 events of a capture
# are listed; a wrong filter and a pcapng file are refused with a reason.
# No namespaces, no fixed ports: runs beside other tests.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${TZ_BUILD:?TZ_BUILD must name the build directory}
media=$build/tools/media/trapeze-media
state=$(mktemp -d /tmp/tz-media-tool.XXXXXX)
trap 'rm -rf "$state"' EXIT
n=0 failures=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; }
# expect "description" "wanted output" command...
expect() {
	local d=$1 want=$2; shift 2
	if "$@" >"$state/out" 2>"$state/err" && [ "$(cat "$state/out")" = "$want" ]; then
		ok "$d"
	else
		not_ok "$d (want \"$want\")"; sed 's/^/# /' "$state/out" "$state/err"
	fi
}

"$media" tone --freq 1000 --seconds 3 --rate 8000 "$state/tone.wav"
expect "tone 1000 Hz at 8 kHz" "ch0 1000 Hz" "$media" freq "$state/tone.wav"
for codec in pcmu pcma g722 opus; do
	if "$media" wav2pcap --codec "$codec" --src 198.51.100.1:4000 --dst 203.0.113.2:5004 \
		"$state/tone.wav" "$state/$codec.pcap" 2>"$state/err" &&
	   "$media" pcap2wav --port 5004 "$state/$codec.pcap" "$state/$codec.wav" 2>"$state/err"; then
		expect "$codec: tone -> wav2pcap -> pcap2wav keeps 1000 Hz" "ch0 1000 Hz" \
			"$media" freq "$state/$codec.wav"
	else
		not_ok "$codec: wav2pcap/pcap2wav"; sed 's/^/# /' "$state/err"
	fi
done
# 150 packets of 20 ms, PT 0, 172-byte RTP: what sipp's play_pcap_audio replays.
if command -v tcpdump >/dev/null; then
	tcpdump -nn -r "$state/pcmu.pcap" 2>/dev/null >"$state/out"
	if [ "$(wc -l <"$state/out")" -eq 150 ] && grep -q "198.51.100.1.4000 > 203.0.113.2.5004: UDP, length 172" "$state/out"; then
		ok "tcpdump reads the PCMU capture: 150 RTP packets"
	else
		not_ok "tcpdump reading the PCMU capture"; head -3 "$state/out" | sed 's/^/# /'
	fi
fi
"$media" wav2pcap --codec opus --pt 96 --src '[2001:db8::1]:4000' --dst '[2001:db8::2]:5006' \
	"$state/tone.wav" "$state/v6.pcap"
"$media" pcap2wav "$state/v6.pcap" "$state/v6.wav" 2>/dev/null
expect "opus over IPv6, PT 96 guessed as opus" "ch0 1000 Hz" "$media" freq "$state/v6.wav"

# Both directions of a call in one capture (PCMU one way, Opus back):
# --stereo puts each in its channel, aligned by capture time.
"$media" tone --freq 440 --seconds 3 --rate 8000 "$state/a440.wav"
"$media" wav2pcap --codec pcmu --src 198.51.100.1:4000 --dst 203.0.113.2:5004 \
	"$state/a440.wav" "$state/fwd.pcap"
"$media" wav2pcap --codec opus --ssrc 0x1234 --src 203.0.113.2:5004 --dst 198.51.100.1:4000 \
	"$state/tone.wav" "$state/back.pcap"
python3 "$here/tests/integration/media/merge_pcap.py" "$state/fwd.pcap" "$state/back.pcap" "$state/call.pcap"
"$media" pcap2wav --stereo "$state/call.pcap" "$state/call.wav" 2>/dev/null
expect "pcap2wav --stereo: each direction in its channel (PCMU 440 Hz, Opus 1000 Hz)" \
	"ch0 440 Hz -10.0 dBFS ch1 1000 Hz -10.1 dBFS" "$media" freq --level "$state/call.wav"

"$media" tone --freq 440,1000 --seconds 2 --rate 48000 "$state/stereo.wav"
expect "stereo: one tone per channel" "ch0 440 Hz ch1 1000 Hz" "$media" freq "$state/stereo.wav"
"$media" tone --freq 440,1000 --seconds 1 --rate 8000 --dbfs -20 "$state/minus20.wav"
expect "freq --level: the level of each channel" "ch0 440 Hz -20.0 dBFS ch1 1000 Hz -20.0 dBFS" \
	"$media" freq --level "$state/minus20.wav"
"$media" tone --freq 440 --seconds 1 --rate 16000 --dbfs -80 "$state/quiet.wav"
expect "a -80 dBFS tone is silence" "ch0 silent" "$media" freq "$state/quiet.wav"

expect "events: digit 5 with three end packets" \
	"ssrc 0x11223344 pt 101 digit 5 event 5 ts 8000 duration 640 end 3 seq 100-105 packets 6 volume 10" \
	"$media" events "$here/tests/fuzz/media_pcap/corpus/events-sll.pcap"

expect "events: tcpdump -i any (Linux cooked v2), IPv6, digit #" \
	"ssrc 0x0a0b0c0d pt 96 digit # event 11 ts 4000 duration 800 end 3 seq 10-14 packets 5 volume 7" \
	"$media" events "$here/tests/fuzz/media_pcap/corpus/events-sll2-v6.pcap"
"$media" wav2pcap --codec pcmu --dtmf '15#' --src 198.51.100.1:4000 --dst 203.0.113.2:5004 \
	"$state/tone.wav" "$state/dtmf.pcap"
expect "wav2pcap --dtmf: three digits, 200 ms each, three end packets" \
"ssrc 0x54a2e001 pt 101 digit 1 event 1 ts 8000 duration 1600 end 3 seq 52-72 packets 12 volume 10
ssrc 0x54a2e001 pt 101 digit 5 event 5 ts 10400 duration 1600 end 3 seq 79-99 packets 12 volume 10
ssrc 0x54a2e001 pt 101 digit # event 11 ts 12800 duration 1600 end 3 seq 106-126 packets 12 volume 10" \
	"$media" events "$state/dtmf.pcap"
"$media" pcap2wav "$state/dtmf.pcap" "$state/dtmf.wav" 2>/dev/null
expect "the audio beside the events still decodes" "ch0 1000 Hz" "$media" freq "$state/dtmf.wav"

if ! "$media" pcap2wav --port 9 "$state/pcmu.pcap" "$state/x.wav" 2>"$state/err" &&
   grep -q "no RTP stream matches" "$state/err"; then
	ok "pcap2wav --port with no stream fails with a reason"
else
	not_ok "pcap2wav --port 9"; sed 's/^/# /' "$state/err"
fi
if ! "$media" events "$here/tests/fuzz/media_pcap/corpus/pcapng.pcap" 2>"$state/err" &&
   grep -q "pcapng" "$state/err"; then
	ok "a pcapng file is refused, saying so"
else
	not_ok "pcapng"; sed 's/^/# /' "$state/err"
fi
# The transcode bench runs (it measures, never fails on time): every case
# gives a cost per frame.
if "$build/bench/trapeze-bench" transcode -q --frames 50 --runs 1 --no-floor \
	--json "$state/bench.json" >"$state/out" 2>"$state/err" &&
   python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["cases"]) == 7 and all(c["ns_per_frame"] > 0 for c in d["cases"])' "$state/bench.json" &&
   grep -q "PCMU <-> Opus (Opus at 8 kHz)" "$state/out"; then
	ok "trapeze-bench transcode: seven cases measured, calls per core reported"
else
	not_ok "trapeze-bench transcode"; sed 's/^/# /' "$state/out" "$state/err"
fi
# The play bench: every codec measured both ways, and a clip play costs the
# stage less than encoding live (Opus: ~6 ns against ~130 us; it never
# fails on time otherwise).
if "$build/bench/trapeze-bench" play -q --packets 200 --runs 1 \
	--json "$state/play.json" >"$state/out" 2>"$state/err" &&
   python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c={x["codec"]: x for x in d["codecs"]}; assert len(c) == 4 and all(x["clip_bytes"] > 0 for x in c.values()) and c["opus"]["clip_ns_per_packet"] < c["opus"]["live_ns_per_packet"]' "$state/play.json"; then
	ok "trapeze-bench play: four codecs, an Opus clip play cheaper than a live one"
else
	not_ok "trapeze-bench play"; sed 's/^/# /' "$state/out" "$state/err"
fi

# sipp plays the wav2pcap output (play_pcap_audio) to a sipp UAS on
# 127.0.0.1; a capture of what reached the UAS's media port decodes to the
# tone.  Needs sipp, tcpdump and root (capture on lo); skipped otherwise.
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
if command -v sipp >/dev/null && command -v tcpdump >/dev/null && [ "$(id -u)" -eq 0 ]; then
	"$media" tone --freq 440 --seconds 2 --rate 8000 "$state/a440.wav"
	"$media" wav2pcap --codec pcmu --src 198.51.100.1:4000 --dst 203.0.113.2:5000 \
		"$state/a440.wav" "$state/play.pcap"
	sip=$(free_port) mp=$(( $(free_port) / 2 * 2 ))
	sipp -sn uas -i 127.0.0.1 -p "$sip" -mi 127.0.0.1 -mp "$mp" -bg >"$state/uas.out" 2>&1
	uas=$(sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p' "$state/uas.out")
	tcpdump -U -i lo -nn -w "$state/cap.pcap" "udp dst port $mp" 2>"$state/tcpdump.err" &
	tdp=$!
	for _ in $(seq 1 100); do grep -q "listening on" "$state/tcpdump.err" && break; sleep 0.05; done
	(cd "$state" && timeout 30 sipp "127.0.0.1:$sip" -sf "$here/tests/integration/media/play_pcap_uac.xml" \
		-i 127.0.0.1 -p "$(free_port)" -mp $(( $(free_port) / 2 * 2 )) -m 1 -nostdin >/dev/null 2>&1)
	rc=$?
	for _ in $(seq 1 100); do
		[ "$(tcpdump -nn -r "$state/cap.pcap" 2>/dev/null | wc -l)" -ge 100 ] && break; sleep 0.05
	done
	kill "$tdp"; wait "$tdp" 2>/dev/null
	[ -n "$uas" ] && kill "$uas" 2>/dev/null
	if [ $rc -eq 0 ] && "$media" pcap2wav "$state/cap.pcap" "$state/cap.wav" 2>"$state/err" &&
	   [ "$("$media" freq "$state/cap.wav")" = "ch0 440 Hz" ]; then
		ok "sipp play_pcap_audio plays the wav2pcap capture: 440 Hz heard at the UAS"
	else
		not_ok "sipp play_pcap_audio (sipp rc $rc)"; sed 's/^/# /' "$state/err" "$state/tcpdump.err"
	fi
else
	ok "# SKIP sipp play_pcap_audio (needs sipp, tcpdump, root)"
fi
echo "1..$n"
[ "$failures" -eq 0 ]
