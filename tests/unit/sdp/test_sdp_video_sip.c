/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Video SDP for SIP-over-WebSocket phones and SDES trunks (docs/video.md):
 * our answer to a phone with the video rejected after the SIP side
 * declined it (the 200's SDP), and the SIP side's video section as
 * RTP/SAVP(F) with a=crypto keys of its own, in offers and answers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sdp_test.h"
#include "tz_sdp_video.h"

#define AV_OFFER "chromium156-av-offer.sdp"
#define SIP_HEAD "v=0\r\no=- 7 7 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\n" \
		 "m=audio 4000 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"                          \
		 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"

static const struct tz_sdp_local local4 = {
	.ice_ufrag = "Tz4xK9pQ",
	.ice_pwd = "s3cr3tPasswordForIceLite",
	.addr = "203.0.113.10",
	.port = 40000,
	.ssrc = 287454020,
	.cname = "trapeze-cname",
	.sess_id = 1234567890,
	.sess_version = 1,
};

static const struct tz_sdp_video_local vlocal = {
	.codecs = (const char *const[]){ "VP8", NULL },
	.sip_port = 30002,
	.ssrc = 305419896,
	.cname = "trapeze-cname",
};

/* Our answer to the browser with its video accepted (as the 18x carries it). */
static char *answer_with_video(const struct tz_sdp *web)
{
	struct tz_sdp_video_neg v;
	struct tz_sdp_neg neg;
	struct tz_sdp *a;
	char err[256], *out;

	assert_int_equal(tz_sdp_video_read_web(web, "0", &vlocal, &v), 0);
	assert_int_equal(tz_sdp_answer_webrtc(web, &local4, &a, &neg, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_video_answer_webrtc(a, web, &v, NULL, &vlocal), 0);
	out = tz_sdp_build(a, NULL);
	assert_non_null(out);
	tz_sdp_free(a);
	return out;
}

/* The SIP side declined the video: the 200 to the phone rejects it. */
static void test_reject_after_answer(void **state)
{
	char *text = fixture(AV_OFFER), *ans, *out;
	struct tz_sdp *web = parse_ok(text), *a, *back;

	(void)state;
	ans = answer_with_video(web);
	assert_non_null(strstr(ans, "a=group:BUNDLE 0 1\r\n"));
	assert_non_null(strstr(ans, "m=video 40000 "));
	a = parse_ok(ans);                      /* the edge has the text of the 18x */
	assert_int_equal(tz_sdp_video_reject_webrtc(a), 0);
	out = tz_sdp_build(a, NULL);
	assert_non_null(out);
	/* RFC 8843 §7.3.3: out of the BUNDLE group, port 0, only a=mid */
	assert_non_null(strstr(out, "a=group:BUNDLE 0\r\n"));
	assert_non_null(strstr(out, "m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
				    "a=mid:1\r\n"));
	assert_null(strstr(out, "trapeze-video"));
	assert_null(strstr(out, "a=ssrc:305419896"));
	assert_null(strstr(out, "VP8"));
	/* the audio section is unchanged */
	assert_non_null(strstr(out, "m=audio 40000 UDP/TLS/RTP/SAVPF 111"));
	assert_non_null(strstr(out, "a=ssrc:287454020 cname:trapeze-cname\r\n"));
	back = parse_ok(out);
	assert_int_equal(back->n_media, 2);
	assert_int_equal(back->media[1].port, 0);
	assert_string_equal(back->media[1].mid, "1");
	assert_int_equal(back->media[0].port, 40000);
	/* nothing left to reject */
	assert_int_equal(tz_sdp_video_reject_webrtc(back), -ENOENT);
	tz_sdp_free(back);
	free(out);
	tz_sdp_free(a);
	free(ans);
	tz_sdp_free(web);
	free(text);
}

/* An audio-only answer (the trunk has no video): nothing to reject. */
static void test_reject_audio_only(void **state)
{
	char *text = fixture(AV_OFFER), err[256];
	struct tz_sdp *web = parse_ok(text), *a;
	struct tz_sdp_neg neg;

	(void)state;
	assert_int_equal(tz_sdp_answer_webrtc(web, &local4, &a, &neg, err, sizeof(err)), 0);
	assert_int_equal(a->media[1].port, 0);
	assert_int_equal(tz_sdp_video_reject_webrtc(a), -ENOENT);
	tz_sdp_free(a);
	tz_sdp_free(web);
	free(text);
}

static const struct tz_sdp_crypto keys[2] = {
	{ .tag = 1, .suite = "AES_CM_128_HMAC_SHA1_80", .key_len = 30,
	  .key = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
		   23, 24, 25, 26, 27, 28, 29, 30 } },
	{ .tag = 2, .suite = "AES_CM_128_HMAC_SHA1_32", .key_len = 30,
	  .key = { 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11,
		   10, 9, 8, 7, 6, 5, 4, 3, 2, 1 } },
};

/* Our offer to an SDES trunk: the video section RTP/SAVP(F) with its keys. */
static void test_sdes_offer(void **state)
{
	static const char *const trunk[] = { "PCMU", NULL };
	char *text = fixture(AV_OFFER), err[256], *out;
	struct tz_sdp *web = parse_ok(text), *sip, *back;
	struct tz_sdp_sip_local l = { .addr = "198.51.100.5", .port = 30000, .sess_id = 42,
				      .sess_version = 1, .codecs = trunk,
				      .crypto = &keys[1], .n_crypto = 1 };
	struct tz_sdp_video_local vl = vlocal;
	struct tz_sdp_video_neg v;

	(void)state;
	assert_int_equal(tz_sdp_offer_sip(&l, web, &sip, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_video_read_web(web, "0", &vl, &v), 0);
	assert_int_equal(tz_sdp_video_offer_sip(sip, &v, &vl), 0);
	assert_int_equal(tz_sdp_video_add_crypto(sip, keys, 2, NULL), 0);
	out = tz_sdp_build(sip, NULL);
	assert_non_null(strstr(out, "m=video 30002 RTP/SAVP 96\r\n"));
	/* the video's own keys, both suites offered, after the audio's one */
	assert_non_null(strstr(out, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4P"
				    "EBESExQVFhcYGRobHB0e\r\n"));
	assert_non_null(strstr(out, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:Hh0cGxoZGBcWFRQTEhEQ"
				    "Dw4NDAsKCQgHBgUEAwIB\r\n"));
	back = parse_ok(out);
	assert_string_equal(back->media[0].proto, "RTP/SAVP");
	assert_int_equal(back->media[0].n_crypto, 1);
	assert_int_equal(back->media[1].n_crypto, 2);
	assert_memory_equal(back->media[1].crypto[0].key, keys[0].key, 30);
	tz_sdp_free(back);
	free(out);
	tz_sdp_free(sip);

	/* AVPF -> SAVPF; a re-offer carries the key in use only */
	vl.avpf = true;
	assert_int_equal(tz_sdp_offer_sip(&l, web, &sip, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_video_offer_sip(sip, &v, &vl), 0);
	assert_int_equal(tz_sdp_video_add_crypto(sip, &keys[1], 1, NULL), 0);
	assert_string_equal(sip->media[1].proto, "RTP/SAVPF");
	assert_int_equal(sip->media[1].n_crypto, 1);
	assert_int_equal(sip->media[1].crypto[0].tag, 2);
	/* no key: refused; no video section: -ENOENT */
	assert_int_equal(tz_sdp_video_add_crypto(sip, keys, 0, NULL), -EINVAL);
	tz_sdp_free(sip);
	assert_int_equal(tz_sdp_offer_sip(&l, web, &sip, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_video_add_crypto(sip, keys, 2, NULL), -ENOENT);
	tz_sdp_free(sip);
	tz_sdp_free(web);
	free(text);
}

/* The trunk's answer with SRTP video is read like plain video; our answer
 * to its re-offer has our key under the offer's tag. */
static void test_sdes_answer(void **state)
{
	char *text = fixture(AV_OFFER), err[256], *out;
	struct tz_sdp *web = parse_ok(text), *ans, *a;
	struct tz_sdp_video_neg v, s;
	struct tz_sdp_sip_local l = { .addr = "198.51.100.5", .port = 30000, .sess_id = 42,
				      .sess_version = 2 };
	struct tz_sdp_neg neg;

	(void)state;
	assert_int_equal(tz_sdp_video_read_web(web, "0", &vlocal, &v), 0);
	ans = parse_ok(SIP_HEAD
		"m=video 4002 RTP/SAVP 96\r\n"
		"a=rtpmap:96 VP8/90000\r\n"
		"a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw\r\n");
	assert_int_equal(tz_sdp_video_read_sip(ans, &v, &s, err, sizeof(err)), 0);
	assert_true(s.on);
	assert_int_equal(s.media, 1);
	assert_int_equal(s.port, 4002);
	assert_int_equal(ans->media[s.media].n_crypto, 1);
	assert_int_equal(ans->media[s.media].crypto[0].tag, 7);
	/* answering it (a re-INVITE's offer): our key under its tag 7 */
	assert_int_equal(tz_sdp_read_sip(ans, NULL, &neg, err, sizeof(err)), 0);
	l.crypto = &keys[0];
	assert_int_equal(tz_sdp_answer_sip(&l, &neg, &a), 0);
	assert_int_equal(tz_sdp_video_answer_sip(a, ans, &s, 30002, TZ_SDP_DIR_NONE), 0);
	assert_int_equal(tz_sdp_video_add_crypto(a, &keys[0], 1, &ans->media[1].crypto[0]), 0);
	out = tz_sdp_build(a, NULL);
	assert_non_null(strstr(out, "m=video 30002 RTP/SAVP 96\r\n"));
	assert_non_null(strstr(out, "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4P"
				    "EBESExQVFhcYGRobHB0e\r\n"));
	free(out);
	tz_sdp_free(a);
	tz_sdp_free(ans);
	tz_sdp_free(web);
	free(text);
}

const struct CMUnitTest sdp_video_sip_tests[] = {
	cmocka_unit_test(test_reject_after_answer),
	cmocka_unit_test(test_reject_audio_only),
	cmocka_unit_test(test_sdes_offer),
	cmocka_unit_test(test_sdes_answer),
};
const size_t sdp_video_sip_n_tests = sizeof(sdp_video_sip_tests) / sizeof(sdp_video_sip_tests[0]);
