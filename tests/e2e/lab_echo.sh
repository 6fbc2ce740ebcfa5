#!/usr/bin/env bash
# The gateway scenarios in the lab: bring the lab up, start trapezed with the
# lab config (media timeout shortened to 5 s for the "browser vanishes"
# case), run the browser scenarios with Chromium inside namespace `web` —
# auth.test.mjs (login by token, back-off, identity),
# echo.test.mjs (the echo service), sip.test.mjs (calls to and from a sipp
# PBX in namespace `sip`, registration), sip_midcall.test.mjs (hold, DTMF,
# latching, baresip), sip_errors.test.mjs (404/486/480/487/488/400),
# sip_targets.test.mjs (refused call targets), sip_guard.test.mjs (SIP from
# trunks only), media_security.test.mjs, sip_srtp_wrap.test.mjs (hold/resume
# after the PBX's RTP sequence wrapped), kamailio.test.mjs (Kamailio as
# registrar and proxy), flood.test.mjs (a flood from one source),
# sipws_jssip.test.mjs and sipws_sipjs.test.mjs (real JsSIP and SIP.js web
# phones over the SIP-over-WebSocket edge, RFC 7118, with Kamailio),
# sipws_more.test.mjs (the docs' JsSIP snippet verbatim, echo, RFC 4733 and
# INFO DTMF, REFER, malformed SIP on a raw WebSocket), sipws_hairpin.test.mjs
# (a JsSIP phone calls a SIP.js phone of the same gateway through Kamailio:
# media hairpinned in the dataplane), sip_sdes.test.mjs (SDES-SRTP to and from
# baresip over the trunks lab-sdes and lab-sdes-tls), tenants.test.mjs
# (docs/tenants.md's two tenants, acme and globex, each with its own token
# secret and sipp PBX: calls to their own PBX only, called by it only,
# wrong-tenant logins, limits hit and counted, the docs' page snippet
# verbatim), messaging.test.mjs (text messages between the demo page and the
# PBX both ways, delivery reports, 480/413/415, too-big counted) — and take
# the lab down.  Exit status:
# the tests'.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TZ_BUILD=${TZ_BUILD:?TZ_BUILD must name the build directory}
state=$(mktemp -d /tmp/tz-e2e.XXXXXX)
export TZ_LAB_STATE=$state TZ_E2E_REQUIRE_GATEWAY=1
# tools/lab.sh puts cdr.file (config/lab.yaml) there: the tests read it (lib/cdr.mjs)
export TZ_CDR_FILE=$state/cdr.json
trap '"$here/tools/lab.sh" down >/dev/null 2>&1; rm -rf "$state"' EXIT

# Two more trunks on the PBX host for sip.test.mjs: lab-info (DTMF as SIP
# INFO, port 5070, numbers +1555...) and lab-nat (PCMA, port 5080, numbers
# +1666...: the PBX sends media from another port than its SDP says),
# lab-baresip (baresip auto-answering on port 5090, numbers +1777...),
# lab-slow (the PBX, but given up after 3 s without an answer, +1888...); an
# unanswered incoming call is refused with 480 after 6 s.  media_security.test.mjs
# needs short supervision timeouts (SIP side 6 s, ICE consent 8 s) and small
# call limits (6 calls, 4 per client address).
# After the PBX, the trunk lab-kam: Kamailio (kamailio.test.mjs starts it on
# 203.0.113.3:5060, tests/sip/kamailio/) registers web users who log in with
# SIP domain 203.0.113.3 and proxies calls to them; numbers +1999... and
# SIP URIs of its domain (sip:bob@203.0.113.3: calls and MESSAGE between web
# users) go to it.
# lab-sdes: SDES-SRTP (srtp: sdes) to baresip on 203.0.113.4:5096 (the
# address is added by sip_sdes.test.mjs), numbers +1444...; lab-sdes-tls: the
# same over SIP TLS (baresip's 5097, the lab CA as the trunk's tls_ca; the
# gateway gets a TLS listener), numbers +1445...
# SDES over SIP TLS (sip_sdes.test.mjs): a lab CA made here, certificates
# for the gateway's SIP listener (203.0.113.1) and for baresip (203.0.113.4,
# TLS on 5097); the trunk lab-sdes-tls trusts the lab CA through its own
# tls_ca (sip.tls_ca stays the system bundle).
lab_ca=$state/lab-ca
mkdir -p "$lab_ca"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=Trapeze lab CA" -keyout "$lab_ca/ca.key" -out "$lab_ca/ca.pem" 2>/dev/null
for cert in gw:203.0.113.1 baresip:203.0.113.4; do
	n=${cert%%:*} ip=${cert#*:}
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$ip" \
		-keyout "$lab_ca/$n.key" -out "$lab_ca/$n.csr" 2>/dev/null
	openssl x509 -req -in "$lab_ca/$n.csr" -CA "$lab_ca/ca.pem" -CAkey "$lab_ca/ca.key" \
		-CAcreateserial -days 2 -extfile <(printf 'subjectAltName=DNS:%s,IP:%s' "$ip" "$ip") \
		-out "$lab_ca/$n.crt" 2>/dev/null
	cat "$lab_ca/$n.key" "$lab_ca/$n.crt" >"$lab_ca/$n.pem"
done
sed -e 's/^\( *media_timeout_s:\) *[0-9]*/\1 5/' \
    -e '/^ *media_timeout_s:/a\
  sip_media_timeout_s: 6\
  consent_timeout_s: 8\
  max_calls: 6\
  max_calls_per_ip: 4' \
    -e 's/^\( *register_users:\) *false/\1 true/' \
    -e '/^  transports:/a\
  ring_timeout_s: 6' \
    -e '/^  trunks:/a\
    - { name: lab-info, address: "203.0.113.2:5070", dtmf: info, codecs: [PCMU] }\
    - { name: lab-nat, address: "203.0.113.2:5080", codecs: [PCMA] }\
    - { name: lab-baresip, address: "203.0.113.2:5090" }\
    - { name: lab-slow, address: "203.0.113.2:5060", answer_timeout_s: 3 }' \
    -e '/^  routes:/i\
    - { name: lab-kam, address: "203.0.113.3:5060", register_users: true }' \
    -e '/^  trunks:/a\
    - { name: lab-sdes, address: "203.0.113.4:5096", srtp: sdes }' \
    -e '/^  routes:/a\
    - { prefix: "+1444", trunk: lab-sdes }' \
    -e "/^  trunks:/a\\
    - { name: lab-sdes-tls, address: \"203.0.113.4:5097\", transport: tls, tls_ca: \"$lab_ca/ca.pem\", srtp: sdes }" \
    -e '/^  routes:/a\
    - { prefix: "+1445", trunk: lab-sdes-tls }' \
    -e 's/^\(  transports:\) *\[udp, tcp\]/\1 [udp, tcp, tls]/' \
    -e "/^  transports:/a\\
  tls_cert: $lab_ca/gw.crt\\
  tls_key: $lab_ca/gw.key" \
    -e '/^  trunks:/a\
    - { name: lab-video, address: "203.0.113.2:5100", codecs: [PCMU], video: [VP8, H264] }\
    - { name: lab-video-info, address: "203.0.113.2:5102", codecs: [PCMU], video: [VP8], video_profile: avp }' \
    -e '/^  routes:/a\
    - { prefix: "+1321", trunk: lab-video }\
    - { prefix: "+1322", trunk: lab-video-info }' \
    -e '/^  routes:/a\
    - { prefix: "+1555", trunk: lab-info }\
    - { prefix: "+1666", trunk: lab-nat }\
    - { prefix: "+1777", trunk: lab-baresip }\
    - { prefix: "+1888", trunk: lab-slow }\
    - { prefix: "+1999", trunk: lab-kam }\
    - { domain: "203.0.113.3", trunk: lab-kam }' \
    "$here/config/lab.yaml" >"$state/e2e.yaml"
# The tenants: docs/tenants.md's two-tenant sample (acme and globex, their
# PBXs at 203.0.113.21 and .22, their secrets made by tools/lab.sh up),
# appended verbatim: the ```yaml block after the "tenants-sample" marker.
# When it does not load (a broken sample, or a build without tenants) the
# other scenarios run without it and tenants.test.mjs fails, saying so.
tenants_sample() {
	awk '/<!-- tenants-sample/ { on = 1; next }
	     on && /^```yaml$/ { inside = 1; next }
	     inside && /^```$/ { exit }
	     inside { print }' "$here/docs/tenants.md"
}
"$here/tools/lab.sh" down >/dev/null 2>&1
"$here/tools/lab.sh" up >/dev/null || { echo "lab_echo: the lab did not come up"; exit 1; }
cp "$state/e2e.yaml" "$state/e2e-base.yaml"
{ echo; tenants_sample; } >>"$state/e2e.yaml"
if ! check=$("$TZ_BUILD/ctrlplane/daemon/trapezed" --check-config "$state/e2e.yaml" 2>&1); then
	echo "lab_echo: the tenants sample of docs/tenants.md does not load;" \
	     "running without it (tenants.test.mjs will fail):"
	echo "$check" | head -20 | sed 's/^/lab_echo:   /'
	cp "$state/e2e-base.yaml" "$state/e2e.yaml"
fi
if ! TZ_CONFIG="$state/e2e.yaml" "$here/tools/lab.sh" start; then
	echo "lab_echo: the gateway did not start"; exit 1
fi
[ $# -gt 0 ] || set -- auth.test.mjs echo.test.mjs sip.test.mjs sip_midcall.test.mjs sip_errors.test.mjs \
	sip_targets.test.mjs sip_guard.test.mjs media_security.test.mjs sip_srtp_wrap.test.mjs \
	kamailio.test.mjs flood.test.mjs sipws_jssip.test.mjs sipws_sipjs.test.mjs sipws_more.test.mjs \
	sipws_hairpin.test.mjs sip_sdes.test.mjs tenants.test.mjs messaging.test.mjs video.test.mjs
"$here/tests/e2e/run.sh" --netns web "$@"
rc=$?
if [ $rc -ne 0 ]; then
	echo "# trapezed log (last 60 lines):"; tail -60 "$state/trapezed.log" | sed 's/^/#   /'
fi
exit $rc
