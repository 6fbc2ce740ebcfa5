/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP parser and builder: every real capture parses and round-trips, the
 * WebRTC attributes land in the right fields, candidates of every shape,
 * limits, and a table of malformed SDPs with the exact message each gets.
 * The policy tests are in test_sdp_policy.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sdp_test.h"
#include "bad_sdps.h"

static const char *const fixtures[] = {
	"chromium-answer-to-gst.sdp",
	"chromium-answer.sdp",
	"chromium-offer.sdp",
	"chromium156-av-offer.sdp",
	"chromium156-loopback-answer.sdp",
	"chromium156-loopback-offer.sdp",
	"gst-webrtcbin-offer.sdp",
};

struct tz_sdp *parse_ok(const char *text)
{
	struct tz_sdp *sdp;
	char err[256];
	int rc = tz_sdp_parse(text, strlen(text), &sdp, err, sizeof(err));

	if (rc != 0)
		print_error("parse failed: %s\n", err);
	assert_int_equal(rc, 0);
	return sdp;
}

char *fixture(const char *name)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/sdp/%s", TZ_FIXTURES, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

void assert_sdp_text(const struct tz_sdp *sdp, const char *want)
{
	char *got = tz_sdp_build(sdp, NULL);

	assert_non_null(got);
	if (strcmp(got, want) != 0)
		print_error("want:\n%s\ngot:\n%s\n", want, got);
	assert_string_equal(got, want);
	free(got);
}

/* parse -> build -> parse gives the same struct: the builder writes every
 * field, so equal text from both structs means equal structs; the counts
 * are compared directly as well. */
static void round_trip(const char *text)
{
	struct tz_sdp *a = parse_ok(text), *b;
	char *ta = tz_sdp_build(a, NULL), *tb;

	assert_non_null(ta);
	b = parse_ok(ta);
	tb = tz_sdp_build(b, NULL);
	assert_non_null(tb);
	assert_string_equal(ta, tb);
	assert_int_equal(a->n_media, b->n_media);
	assert_int_equal(a->n_groups, b->n_groups);
	assert_int_equal(a->common.n_attrs, b->common.n_attrs);
	for (unsigned i = 0; i < a->n_media; i++) {
		const struct tz_sdp_media *ma = &a->media[i], *mb = &b->media[i];

		assert_int_equal(ma->n_codecs, mb->n_codecs);
		assert_int_equal(ma->n_cands, mb->n_cands);
		assert_int_equal(ma->n_ssrcs, mb->n_ssrcs);
		assert_int_equal(ma->n_extmaps, mb->n_extmaps);
		assert_int_equal(ma->n_rtcp_fb, mb->n_rtcp_fb);
		assert_int_equal(ma->common.n_attrs, mb->common.n_attrs);
		assert_memory_equal(&ma->common.fp, &mb->common.fp, sizeof(ma->common.fp));
	}
	free(ta);
	free(tb);
	tz_sdp_free(a);
	tz_sdp_free(b);
}

static void test_fixtures_parse_and_round_trip(void **state)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		char *text = fixture(fixtures[i]);

		round_trip(text);
		free(text);
	}
}

static void test_chromium_offer_fields(void **state)
{
	char *text = fixture("chromium156-loopback-offer.sdp");
	struct tz_sdp *s = parse_ok(text);
	const struct tz_sdp_media *m = &s->media[0];
	static const uint8_t fp[4] = { 0x52, 0x70, 0x46, 0x71 };

	assert_int_equal(s->origin.sess_id, 4528555794422102146ull);
	assert_int_equal(s->origin.sess_version, 2);
	assert_true(s->extmap_allow_mixed);
	assert_string_equal(s->msid_semantic, "WMS 681f60e3-d0a9-4866-932e-23a2f31a7a7e");
	assert_int_equal(s->n_groups, 1);
	assert_string_equal(s->groups[0].semantics, "BUNDLE");
	assert_string_equal(s->groups[0].mids[0], "0");
	assert_int_equal(s->n_media, 1);
	assert_int_equal(m->type, TZ_SDP_MEDIA_AUDIO);
	assert_int_equal(m->port, 44791);
	assert_true(m->rtp);
	assert_int_equal(m->n_codecs, 8);
	assert_int_equal(m->codecs[0].pt, 111);
	assert_string_equal(m->codecs[0].name, "opus");
	assert_int_equal(m->codecs[0].clock, 48000);
	assert_int_equal(m->codecs[0].channels, 2);
	assert_string_equal(m->codecs[0].fmtp, "minptime=10;useinbandfec=1");
	assert_string_equal(tz_sdp_codec_find(m, 126)->name, "telephone-event");
	assert_true(m->rtcp.present);
	assert_int_equal(m->rtcp.port, 9);
	assert_string_equal(m->rtcp.conn.addr, "0.0.0.0");
	assert_int_equal(m->n_cands, 2);
	assert_true(m->cands[1].tcp);
	assert_int_equal(m->cands[1].tcptype, TZ_SDP_TCP_ACTIVE);
	assert_int_equal(m->cands[0].generation, 0);
	assert_string_equal(m->cands[0].ext[1].name, "network-cost");
	assert_string_equal(tz_sdp_ice_ufrag(s, m), "S+r1");
	assert_string_equal(tz_sdp_ice_pwd(s, m), "xQJzONOdpcGAoSyhUPAydKJ/");
	assert_string_equal(m->common.ice_options, "trickle");
	assert_int_equal(tz_sdp_fingerprint(s, m)->hash, TZ_SDP_HASH_SHA256);
	assert_int_equal(tz_sdp_fingerprint(s, m)->len, 32);
	assert_memory_equal(tz_sdp_fingerprint(s, m)->digest, fp, sizeof(fp));
	assert_int_equal(tz_sdp_setup(s, m), TZ_SDP_SETUP_ACTPASS);
	assert_string_equal(m->mid, "0");
	assert_int_equal(m->n_extmaps, 4);
	assert_int_equal(m->extmaps[3].id, 4);
	assert_string_equal(m->extmaps[3].uri, "urn:ietf:params:rtp-hdrext:sdes:mid");
	assert_int_equal(tz_sdp_direction(s, m), TZ_SDP_SENDRECV);
	assert_int_equal(m->n_msids, 1);
	assert_true(m->rtcp_mux);
	assert_true(m->rtcp_rsize);
	assert_int_equal(m->n_rtcp_fb, 1);
	assert_int_equal(m->n_ssrcs, 2);
	assert_int_equal(m->ssrcs[0].id, 4082880065u);
	assert_string_equal(m->ssrcs[0].attr, "cname");
	assert_string_equal(m->ssrcs[0].value, "yXcaaxvCcifnlVt3");
	/* a=rtcp-xr is not one Trapeze reads: kept in order */
	assert_int_equal(m->common.n_attrs, 1);
	assert_string_equal(m->common.attrs[0].name, "rtcp-xr");
	assert_string_equal(m->common.attrs[0].value, "rcvr-rtt=all");
	tz_sdp_free(s);
	free(text);
}

static void test_gst_offer_fields(void **state)
{
	char *text = fixture("gst-webrtcbin-offer.sdp");
	struct tz_sdp *s = parse_ok(text);
	const struct tz_sdp_media *m = &s->media[0];

	assert_string_equal(s->common.ice_options, "trickle");
	assert_string_equal(m->codecs[0].name, "OPUS");
	assert_string_equal(m->mid, "audio0");
	assert_int_equal(m->common.n_fp, 1);
	assert_int_equal(m->n_cands, 0);
	assert_string_equal(m->common.attrs[0].name, "rtcp-mux-only");
	assert_null(m->common.attrs[0].value);
	tz_sdp_free(s);
	free(text);
}

static void test_bare_lf_and_blank_lines(void **state)
{
	struct tz_sdp *a = parse_ok("v=0\no=- 1 1 IN IP4 203.0.113.1\ns=-\n\nt=0 0\n"
				    "m=audio 5000 RTP/AVP 0\nc=IN IP4 203.0.113.1\n");
	struct tz_sdp *b = parse_ok("v=0\r\no=- 1 1 IN IP4 203.0.113.1\r\ns=-\r\nt=0 0\r\n"
				    "m=audio 5000 RTP/AVP 0\r\nc=IN IP4 203.0.113.1");
	char *ta = tz_sdp_build(a, NULL), *tb = tz_sdp_build(b, NULL);

	assert_string_equal(ta, tb);
	assert_string_equal(ta, "v=0\r\no=- 1 1 IN IP4 203.0.113.1\r\ns=-\r\nt=0 0\r\n"
			    "m=audio 5000 RTP/AVP 0\r\nc=IN IP4 203.0.113.1\r\n");
	free(ta);
	free(tb);
	tz_sdp_free(a);
	tz_sdp_free(b);
}

#define CANDS \
	"v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nt=0 0\r\n" \
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP6 2001:db8::5\r\n" \
	"a=candidate:1 1 udp 2122262783 2001:db8::5 50000 typ host generation 0\r\n" \
	"a=candidate:2 1 udp 2122260223 4c3b6a1e-1f0a-4b1c-9d3e-2f5a6b7c8d9e.local 50001 typ host\r\n" \
	"a=candidate:3 1 UDP 1686052607 203.0.113.7 61000 typ srflx raddr 198.51.100.2 " \
	"rport 50000 generation 0 ufrag abcd network-id 1\r\n" \
	"a=candidate:4 2 udp 41885439 2001:db8:1::9 3478 typ relay raddr 2001:db8::5 rport 50002\r\n" \
	"a=candidate:5 1 tcp 1518280447 198.51.100.2 9 typ host tcptype active\r\n" \
	"a=candidate:6 1 tcp 1518280447 198.51.100.2 50003 typ prflx tcptype so\r\n" \
	"a=end-of-candidates\r\n"

static void test_candidates(void **state)
{
	struct tz_sdp *s = parse_ok(CANDS);
	const struct tz_sdp_media *m = &s->media[0];
	char err[128];

	assert_int_equal(m->common.conn.family, AF_INET6);
	assert_int_equal(m->n_cands, 6);
	assert_int_equal(m->cands[0].family, AF_INET6);
	assert_string_equal(m->cands[0].addr, "2001:db8::5");
	assert_int_equal(m->cands[0].port, 50000);
	assert_int_equal(m->cands[1].family, 0);
	assert_string_equal(m->cands[1].addr, "4c3b6a1e-1f0a-4b1c-9d3e-2f5a6b7c8d9e.local");
	assert_int_equal(m->cands[1].generation, -1);
	assert_int_equal(m->cands[2].type, TZ_SDP_CAND_SRFLX);
	assert_false(m->cands[2].tcp);
	assert_string_equal(m->cands[2].raddr, "198.51.100.2");
	assert_int_equal(m->cands[2].rport, 50000);
	assert_int_equal(m->cands[2].n_ext, 2);
	assert_string_equal(m->cands[2].ext[0].name, "ufrag");
	assert_string_equal(m->cands[2].ext[0].value, "abcd");
	assert_int_equal(m->cands[3].type, TZ_SDP_CAND_RELAY);
	assert_int_equal(m->cands[3].component, 2);
	assert_int_equal(m->cands[3].priority, 41885439);
	assert_int_equal(m->cands[4].tcptype, TZ_SDP_TCP_ACTIVE);
	assert_int_equal(m->cands[5].type, TZ_SDP_CAND_PRFLX);
	assert_int_equal(m->cands[5].tcptype, TZ_SDP_TCP_SO);
	assert_true(m->end_of_candidates);

	/* trickled candidates (the client protocol's "candidate" member) */
	assert_int_equal(tz_sdp_add_candidate(s, 0, "candidate:7 1 udp 2122262783 "
					      "2001:db8::7 50010 typ host", err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_add_candidate(s, 0, "a=candidate:8 1 udp 2122260223 "
					      "198.51.100.8 50011 typ host", err, sizeof(err)), 0);
	assert_int_equal(s->media[0].n_cands, 8);
	assert_string_equal(s->media[0].cands[6].addr, "2001:db8::7");
	assert_int_equal(tz_sdp_add_candidate(s, 0, "candidate:9 1 udp 1 198.51.100.8 5 typ x",
					      err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "a=candidate: type \"x\" is not host, srflx, prflx or relay");
	assert_int_equal(s->media[0].n_cands, 8);
	assert_int_equal(tz_sdp_add_candidate(s, 0, "foo", err, sizeof(err)), -EINVAL);
	assert_int_equal(tz_sdp_add_candidate(s, 3, "candidate:1 1 udp 1 198.51.100.8 5 typ host",
					      err, sizeof(err)), -ERANGE);
	tz_sdp_free(s);
	round_trip(CANDS);
}

static void test_crypto_and_misc(void **state)
{
	static const char text[] =
		"v=0\r\no=alice 2890844526 2890844527 IN IP4 198.51.100.20\r\ns=call\r\n"
		"i=a test\r\nu=http://example.com/x\r\ne=a@example.com\r\np=+1 555 0100\r\n"
		"c=IN IP4 198.51.100.20\r\nb=AS:128\r\nt=0 0\r\nr=604800 3600 0\r\n"
		"a=sendrecv\r\na=tool:x\r\n"
		"m=audio 49170/2 RTP/SAVP 0 101\r\ni=voice\r\nb=TIAS:64000\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
		"inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|1048575 KDR=1\r\n"
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
		"a=rtpmap:96 unused/8000\r\na=ptime:20\r\na=maxptime:40\r\n"
		"a=rtcp-fb:* nack\r\na=ssrc-group:FID 1 2\r\na=ssrc:1 cname:x\r\na=ssrc:2 label\r\n"
		"a=extmap:1/sendonly urn:x attrs here\r\n"
		"m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n"
		"a=sctp-port:5000\r\n";
	struct tz_sdp *s = parse_ok(text);
	const struct tz_sdp_media *m = &s->media[0];

	assert_string_equal(s->origin.user, "alice");
	assert_string_equal(s->name, "call");
	assert_string_equal(s->common.info, "a test");
	assert_string_equal(s->phone, "+1 555 0100");
	assert_int_equal(s->common.n_bw, 1);
	assert_int_equal(s->common.bw[0].value, 128);
	assert_int_equal(s->common.dir, TZ_SDP_SENDRECV);
	assert_int_equal(m->port, 49170);
	assert_int_equal(m->n_ports, 2);
	assert_int_equal(m->n_crypto, 2);
	assert_int_equal(m->crypto[0].tag, 1);
	assert_string_equal(m->crypto[0].suite, "AES_CM_128_HMAC_SHA1_80");
	assert_int_equal(m->crypto[0].key_len, 30);
	assert_int_equal(m->crypto[0].key[0], 0x3d);
	assert_int_equal(m->crypto[0].lifetime, 1u << 20);
	assert_int_equal(m->crypto[0].mki, 1);
	assert_int_equal(m->crypto[0].mki_len, 4);
	assert_int_equal(m->crypto[1].lifetime, 1048575);
	assert_int_equal(m->crypto[1].mki_len, 0);
	assert_string_equal(m->crypto[1].params, "KDR=1");
	assert_null(tz_sdp_codec_find(m, 0)->name);   /* static PT, no rtpmap */
	assert_string_equal(tz_sdp_codec_find(m, 101)->fmtp, "0-15");
	/* an rtpmap for a PT the m= line lacks is kept as it is */
	assert_string_equal(m->common.attrs[0].name, "rtpmap");
	assert_string_equal(m->common.attrs[0].value, "96 unused/8000");
	assert_int_equal(m->ptime, 20);
	assert_int_equal(m->maxptime, 40);
	assert_int_equal(m->rtcp_fb[0].pt, -1);
	assert_int_equal(m->ssrc_groups[0].n, 2);
	assert_null(m->ssrcs[1].value);
	assert_int_equal(m->extmaps[0].dir, TZ_SDP_SENDONLY);
	assert_string_equal(m->extmaps[0].params, "attrs here");
	assert_false(s->media[1].rtp);
	assert_string_equal(s->media[1].fmt, "webrtc-datachannel");
	assert_int_equal(s->media[1].type, TZ_SDP_MEDIA_APPLICATION);
	tz_sdp_free(s);
	round_trip(text);
}

static void test_malformed(void **state)
{
	unsigned failed = 0;

	for (size_t i = 0; i < sizeof(bad_sdps) / sizeof(bad_sdps[0]); i++) {
		const struct bad_sdp *b = &bad_sdps[i];
		struct tz_sdp *s = (struct tz_sdp *)1;
		char err[256];
		int rc = tz_sdp_parse(b->sdp, strlen(b->sdp), &s, err, sizeof(err));

		if (rc != -EINVAL || s != NULL || strcmp(err, b->msg) != 0) {
			print_error("case \"%s\":\n  want: %s\n  got:  %s (rc %d)\n", b->what,
				    b->msg, rc == 0 ? "success" : err, rc);
			failed++;
		}
		tz_sdp_free(rc == 0 ? s : NULL);
	}
	assert_int_equal(failed, 0);
	assert_true(sizeof(bad_sdps) / sizeof(bad_sdps[0]) >= 25);
}

static void expect_error(const char *text, size_t len, const char *msg)
{
	struct tz_sdp *s;
	char err[256];

	assert_int_equal(tz_sdp_parse(text, len, &s, err, sizeof(err)), -EINVAL);
	assert_null(s);
	assert_string_equal(err, msg);
}

static void test_limits(void **state)
{
	static const char nul[] = HEAD "a=x\0y\r\n";
	size_t cap = TZ_SDP_MAX_TEXT + 64, n;
	char *big = malloc(cap);

	expect_error(nul, sizeof(nul) - 1, "line 5: NUL byte in the line");
	n = (size_t)sprintf(big, "%s", HEAD);
	for (int i = 0; i < TZ_SDP_MAX_MEDIA + 1; i++)
		n += (size_t)sprintf(big + n, "m=audio 0 RTP/AVP 0\r\n");
	expect_error(big, n, "line 21: more than 16 m= sections");
	n = (size_t)sprintf(big, "%s", HEAD);
	for (int i = 0; i < TZ_SDP_MAX_LINES; i++)
		n += (size_t)sprintf(big + n, "r=1 2 3\r\n");
	expect_error(big, n, "line 2049: more than 2048 lines");
	n = (size_t)sprintf(big, "%s", AUDIO);
	for (int i = 0; i < TZ_SDP_MAX_CANDIDATES + 1; i++)
		n += (size_t)sprintf(big + n, "a=candidate:1 1 udp 1 198.51.100.1 %d typ host\r\n", i);
	expect_error(big, n, "line 70: more than 64 a=candidate lines");
	memset(big, 'a', cap);
	expect_error(big, TZ_SDP_MAX_TEXT + 1, "the SDP is over 131072 bytes");
	free(big);
}

static void test_build_refuses_line_breaks(void **state)
{
	struct tz_sdp *s = parse_ok(HEAD);

	s->name = "x\r\na=injected";
	errno = 0;
	assert_null(tz_sdp_build(s, NULL));
	assert_int_equal(errno, EINVAL);
	tz_sdp_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_parse_and_round_trip),
		cmocka_unit_test(test_chromium_offer_fields),
		cmocka_unit_test(test_gst_offer_fields),
		cmocka_unit_test(test_bare_lf_and_blank_lines),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_crypto_and_misc),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_build_refuses_line_breaks),
	};
	int rc = cmocka_run_group_tests_name("sdp", tests, NULL, NULL);

	return rc + _cmocka_run_group_tests("sdp-policy", sdp_policy_tests, sdp_policy_n_tests,
					    NULL, NULL) +
	       _cmocka_run_group_tests("sdp-video", sdp_video_tests, sdp_video_n_tests, NULL, NULL) +
	       _cmocka_run_group_tests("sdp-video-in", sdp_video_in_tests, sdp_video_in_n_tests,
				       NULL, NULL) +
	       _cmocka_run_group_tests("sdp-video-sip", sdp_video_sip_tests, sdp_video_sip_n_tests,
				       NULL, NULL);
}
