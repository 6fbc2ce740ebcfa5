/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Malformed SDPs and the exact message tz_sdp_parse() gives for each.
 */
#ifndef BAD_SDPS_H
#define BAD_SDPS_H

#define HEAD "v=0\r\no=- 1 1 IN IP4 203.0.113.1\r\ns=-\r\nt=0 0\r\n"
#define AUDIO HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
#define CAND AUDIO "a=candidate:"
#define FP32 "AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:" \
	     "AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB"

struct bad_sdp {
	const char *what;
	const char *sdp;
	const char *msg;
};

static const struct bad_sdp bad_sdps[] = {
	{ "empty", "", "line 1: the SDP ends before its v=, o= and s= lines" },
	{ "version 1", "v=1\r\n", "line 1: v=: version \"1\" is not 0" },
	{ "no v= first", "o=- 1 1 IN IP4 203.0.113.1\r\n", "line 1: expected v= here, found o=" },
	{ "no o=", "v=0\r\ns=-\r\n", "line 2: expected o= here, found s=" },
	{ "o= short", "v=0\r\no=- 1 IN IP4 203.0.113.1\r\ns=-\r\n",
	  "line 2: o=: expected 6 fields: username sess-id sess-version nettype addrtype address" },
	{ "o= id", "v=0\r\no=- x1 1 IN IP4 203.0.113.1\r\ns=-\r\n",
	  "line 2: o=: session id \"x1\" is not a number" },
	{ "only v= o=", "v=0\r\no=- 1 1 IN IP4 203.0.113.1\r\n",
	  "line 2: the SDP ends before its v=, o= and s= lines" },
	{ "c= IP5", HEAD "c=IN IP5 203.0.113.1\r\n",
	  "line 5: c=: address type \"IP5\" is not IP4 or IP6" },
	{ "c= v6 as IP4", HEAD "c=IN IP4 2001:db8::1\r\n",
	  "line 5: c=: \"2001:db8::1\" is not an IP4 address" },
	{ "c= twice", HEAD "c=IN IP4 203.0.113.1\r\nc=IN IP4 203.0.113.2\r\n",
	  "line 6: duplicate c= line" },
	{ "unknown type", HEAD "x=foo\r\n", "line 5: unknown line type \"x=\"" },
	{ "not a line", HEAD "hello\r\n", "line 5: not a <type>=<value> line" },
	{ "t= twice", HEAD "t=0 0\r\n", "line 5: duplicate t= line" },
	{ "b= value", HEAD "b=AS:x\r\n", "line 5: b=: bandwidth \"x\" is not a number" },
	{ "m= no fmt", HEAD "m=audio 9 UDP/TLS/RTP/SAVPF\r\n",
	  "line 5: m=: expected <media> <port> <proto> <fmt> ..." },
	{ "m= port", HEAD "m=audio 70000 RTP/AVP 0\r\n", "line 5: m=: port \"70000\" is not 0..65535" },
	{ "m= pt", HEAD "m=audio 9 RTP/AVP 128\r\n", "line 5: m=: payload type \"128\" is not 0..127" },
	{ "m= pt twice", HEAD "m=audio 9 RTP/AVP 0 0\r\n", "line 5: m=: payload type 0 listed twice" },
	{ "m= proto", HEAD "m=audio 9 RTP//AVP 0\r\n", "line 5: m=: protocol \"RTP//AVP\" is not a token" },
	{ "t= in media", AUDIO "t=0 0\r\n", "line 6: t= is not allowed in an m= section" },
	{ "rtpmap no clock", AUDIO "a=rtpmap:111 opus\r\n",
	  "line 6: a=rtpmap: expected <encoding>/<clock rate>[/<channels>]" },
	{ "rtpmap channels", AUDIO "a=rtpmap:111 opus/48000/0\r\n",
	  "line 6: a=rtpmap: channels \"0\" is not 1..255" },
	{ "rtpmap twice", AUDIO "a=rtpmap:111 opus/48000/2\r\na=rtpmap:111 opus/48000/2\r\n",
	  "line 7: a=rtpmap: payload type 111 mapped twice" },
	{ "fmtp twice", AUDIO "a=fmtp:111 a=1\r\na=fmtp:111 b=2\r\n",
	  "line 7: a=fmtp: payload type 111 has two a=fmtp lines" },
	{ "fingerprint md5", AUDIO "a=fingerprint:md5 AB:CD\r\n",
	  "line 6: a=fingerprint: hash \"md5\" is not sha-1, sha-256, sha-384 or sha-512" },
	{ "fingerprint short", AUDIO "a=fingerprint:sha-256 AB:CD\r\n",
	  "line 6: a=fingerprint: sha-256 needs 32 bytes" },
	{ "fingerprint long", AUDIO "a=fingerprint:sha-256 " FP32 ":AB\r\n",
	  "line 6: a=fingerprint: sha-256 needs 32 bytes" },
	{ "fingerprint hex", AUDIO "a=fingerprint:sha-1 ZZ:00\r\n",
	  "line 6: a=fingerprint: \"ZZ:00\" is not colon-separated hex bytes" },
	{ "setup", AUDIO "a=setup:both\r\n",
	  "line 6: a=setup: \"both\" is not actpass, active, passive or holdconn" },
	{ "ice-pwd short", AUDIO "a=ice-pwd:short\r\n", "line 6: a=ice-pwd: length 5 is not 22..256" },
	{ "ice-ufrag chars", AUDIO "a=ice-ufrag:ab_cd\r\n",
	  "line 6: a=ice-ufrag: \"ab_cd\" has characters outside A-Z a-z 0-9 + /" },
	{ "ice-ufrag twice", AUDIO "a=ice-ufrag:abcd\r\na=ice-ufrag:efgh\r\n",
	  "line 7: duplicate a=ice-ufrag" },
	{ "candidate short", CAND "1 1 udp 2122260223 203.0.113.5 5000\r\n",
	  "line 6: a=candidate: expected <foundation> <component> <transport> <priority> "
	  "<address> <port> typ <type>" },
	{ "candidate transport", CAND "1 1 sctp 2122260223 203.0.113.5 5000 typ host\r\n",
	  "line 6: a=candidate: transport \"sctp\" is not UDP or TCP" },
	{ "candidate type", CAND "1 1 udp 2122260223 203.0.113.5 5000 typ bogus\r\n",
	  "line 6: a=candidate: type \"bogus\" is not host, srflx, prflx or relay" },
	{ "candidate address", CAND "1 1 udp 2122260223 300.1.1.1 5000 typ host\r\n",
	  "line 6: a=candidate: \"300.1.1.1\" is not an IP address or host name" },
	{ "candidate component", CAND "1 0 udp 2122260223 203.0.113.5 5000 typ host\r\n",
	  "line 6: a=candidate: component \"0\" is not 1..256" },
	{ "candidate no typ", CAND "1 1 udp 2122260223 203.0.113.5 5000 type host\r\n",
	  "line 6: a=candidate: expected \"typ\" after the port, found \"type\"" },
	{ "candidate pair", CAND "1 1 udp 2122260223 203.0.113.5 5000 typ host generation\r\n",
	  "line 6: a=candidate: \"generation\" has no value" },
	{ "candidate tcptype udp",
	  CAND "1 1 udp 2122260223 203.0.113.5 5000 typ host tcptype active\r\n",
	  "line 6: a=candidate: tcptype on a UDP candidate" },
	{ "candidate rport",
	  CAND "1 1 udp 1686052607 203.0.113.5 5000 typ srflx raddr 198.51.100.2 rport x\r\n",
	  "line 6: a=candidate: rport \"x\" is not 0..65535" },
	{ "crypto key", AUDIO "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!!!\r\n",
	  "line 6: a=crypto: key is not base64 of 1..64 bytes" },
	{ "crypto method", AUDIO "a=crypto:1 AES_CM_128_HMAC_SHA1_80 uri:sip:x\r\n",
	  "line 6: a=crypto: key method is not \"inline:\"" },
	{ "crypto lifetime", AUDIO "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJD|2^x\r\n",
	  "line 6: a=crypto: lifetime \"2^x\" is not a number or 2^n" },
	{ "two directions", AUDIO "a=sendrecv\r\na=recvonly\r\n",
	  "line 7: a=recvonly: a direction was already given" },
	{ "mid twice", AUDIO "a=mid:0\r\na=mid:1\r\n", "line 7: duplicate a=mid" },
	{ "mid reused", AUDIO "a=mid:0\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\n",
	  "line 8: a=mid: \"0\" names two m= sections" },
	{ "flag with value", AUDIO "a=rtcp-mux:yes\r\n", "line 6: a=rtcp-mux takes no value" },
	{ "missing value", AUDIO "a=mid\r\n", "line 6: a=mid: missing value" },
	{ "rtcp", AUDIO "a=rtcp:9 IN IP4\r\n",
	  "line 6: a=rtcp: expected <port> [IN IP4|IP6 <address>]" },
	{ "ssrc", AUDIO "a=ssrc:abc cname:x\r\n", "line 6: a=ssrc: \"abc\" is not a 32-bit number" },
	{ "extmap id", AUDIO "a=extmap:0 urn:x\r\n", "line 6: a=extmap: id \"0\" is not 1..4095" },
	{ "ptime", AUDIO "a=ptime:0\r\n", "line 6: a=ptime: \"0\" is not 1..10000 ms" },
	{ "rtcp-fb pt", AUDIO "a=rtcp-fb:x nack\r\n",
	  "line 6: a=rtcp-fb: payload type \"x\" is not 0..127 or *" },
	{ "bad attr name", AUDIO "a=foo bar:1\r\n", "line 6: a=: attribute name \"foo bar\" is not a token" },
	{ "control char", HEAD "a=x\001\r\n", "line 5: control character 0x01 in the line" },
};

#endif /* BAD_SDPS_H */
