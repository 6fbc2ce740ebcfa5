/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Video of an incoming SIP call: the caller's offer read (codecs allowed,
 * payload types unique in the browser's BUNDLE group), our audio + video
 * offer to the browser (BUNDLE 0 1 on one transport, rtcp-mux, nack / pli
 * / fir, our SSRC), the browser's answer read back (its codecs, its SSRC),
 * the caller answered with its own payload types, and a declined video
 * answered to the caller with port 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sdp_test.h"
#include "tz_sdp_video.h"

#define FP "00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:" \
	   "1A:1B:1C:1D:1E:1F"

static const struct tz_sdp_local local4 = {
	.ice_ufrag = "Tz4xK9pQ",
	.ice_pwd = "s3cr3tPasswordForIceLite",
	.fingerprint = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
			 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
			 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f },
	.addr = "203.0.113.10",
	.port = 40000,
	.ssrc = 287454020,
	.cname = "trapeze-cname",
	.sess_id = 1234567890,
	.sess_version = 1,
	.setup = TZ_SDP_SETUP_ACTPASS,
};

static const struct tz_sdp_video_local vlocal = { .ssrc = 305419896, .cname = "trapeze-cname" };

static const struct tz_sdp_sip_local sip_local = {
	.addr = "198.51.100.5", .port = 30000, .sess_id = 42, .sess_version = 1,
};

/* A SIP video phone's offer: VP8 on 111 (opus's PT in our offer to the
 * browser), H.264 mode 1 on 96, H.263 (not carried). */
#define PHONE_OFFER \
	"v=0\r\no=- 7 7 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\n" \
	"m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n" \
	"a=rtpmap:101 telephone-event/8000\r\n" \
	"m=video 4002 RTP/AVP 111 96 34\r\na=rtpmap:111 VP8/90000\r\n" \
	"a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n" \
	"a=rtpmap:34 H263/90000\r\na=rtcp-fb:111 nack pli\r\n"

/* Chromium's answer to our offer (as Chromium 156 writes them: rtx added
 * for each codec, its own SSRCs in an FID group). */
#define WEB_ANSWER(video) \
	"v=0\r\no=- 743531746794510339 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" \
	"a=group:BUNDLE 0 1\r\na=msid-semantic: WMS s\r\n" \
	"m=audio 9 UDP/TLS/RTP/SAVPF 0 101\r\nc=IN IP4 0.0.0.0\r\n" \
	"a=ice-ufrag:R8gs\r\na=ice-pwd:hkakphSJFLGFh5DgEc0lvI3J\r\n" \
	"a=fingerprint:sha-256 " FP "\r\na=setup:active\r\na=mid:0\r\na=sendrecv\r\n" \
	"a=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n" video

#define WEB_VIDEO \
	"m=video 9 UDP/TLS/RTP/SAVPF 96 99 97\r\nc=IN IP4 0.0.0.0\r\n" \
	"a=ice-ufrag:R8gs\r\na=ice-pwd:hkakphSJFLGFh5DgEc0lvI3J\r\n" \
	"a=fingerprint:sha-256 " FP "\r\na=setup:active\r\na=mid:1\r\na=sendrecv\r\n" \
	"a=msid:s t\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\n" \
	"a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n" \
	"a=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=96\r\n" \
	"a=rtpmap:97 H264/90000\r\na=fmtp:97 level-asymmetry-allowed=1;packetization-mode=1;" \
	"profile-level-id=42e01f\r\n" \
	"a=ssrc-group:FID 3735928559 11\r\na=ssrc:3735928559 cname:c\r\na=ssrc:11 cname:c\r\n"

static const uint8_t audio_pts[] = { 111, 9, 0, 8, 101, 110 };

static void test_read_sip_offer(void **state)
{
	struct tz_sdp *o = parse_ok(PHONE_OFFER);
	struct tz_sdp_video_neg v;
	static const char *const vp8[] = { "VP8", NULL };
	char err[128];

	(void)state;
	assert_int_equal(tz_sdp_video_read_sip_offer(o, NULL, audio_pts, sizeof(audio_pts), &v,
						     err, sizeof(err)), 0);
	assert_true(v.on);
	assert_int_equal(v.media, 1);
	assert_int_equal(v.n_codecs, 2);          /* H.263 is not carried */
	assert_string_equal(v.codecs[0].name, "VP8");
	assert_int_equal(v.codecs[0].pt, 111);
	assert_int_equal(v.codecs[0].web_pt, 96);  /* 111 is opus's in the BUNDLE group */
	assert_int_equal(v.codecs[0].fb, TZ_SDP_FB_PLI);
	assert_string_equal(v.codecs[1].name, "H264");
	assert_int_equal(v.codecs[1].pt, 96);
	assert_int_equal(v.codecs[1].web_pt, 97);  /* 96 went to VP8 */
	assert_int_equal(v.codecs[1].profile_level_id, 0x42e01f);
	assert_int_equal(v.codecs[1].packetization_mode, 1);
	assert_int_equal(v.port, 4002);
	assert_int_equal(v.rtcp_port, 4003);
	assert_string_equal(v.addr, "198.51.100.20");
	assert_false(v.avpf);
	/* the trunk's `video` list */
	assert_int_equal(tz_sdp_video_read_sip_offer(o, vp8, audio_pts, sizeof(audio_pts), &v,
						     err, sizeof(err)), 0);
	assert_int_equal(v.n_codecs, 1);
	tz_sdp_free(o);

	/* refused (port 0), video only, nothing usable: no video, no error */
	o = parse_ok("v=0\r\no=- 7 7 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\n"
		     "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\nm=video 0 RTP/AVP 96\r\n"
		     "a=rtpmap:96 VP8/90000\r\n");
	assert_int_equal(tz_sdp_video_read_sip_offer(o, NULL, NULL, 0, &v, err, sizeof(err)), 0);
	assert_false(v.on);
	tz_sdp_free(o);
	o = parse_ok("v=0\r\no=- 7 7 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\n"
		     "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 34\r\n");
	assert_int_equal(tz_sdp_video_read_sip_offer(o, NULL, NULL, 0, &v, err, sizeof(err)), 0);
	assert_false(v.on);
	tz_sdp_free(o);
	/* a video section without an address */
	o = parse_ok("v=0\r\no=- 7 7 IN IP4 198.51.100.20\r\ns=-\r\nt=0 0\r\n"
		     "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 198.51.100.20\r\n"
		     "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n");
	assert_int_equal(tz_sdp_video_read_sip_offer(o, NULL, NULL, 0, &v, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "the video section has no c= line");
	tz_sdp_free(o);
}

/* Our offer to the browser with the phone's video in it. */
static struct tz_sdp *offer_to_browser(const struct tz_sdp *phone, struct tz_sdp_video_neg *v)
{
	struct tz_sdp *offer;
	char err[128];

	assert_int_equal(tz_sdp_read_sip(phone, NULL, &(struct tz_sdp_neg){ 0 }, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_offer_webrtc(&local4, &offer), 0);
	assert_int_equal(tz_sdp_video_read_sip_offer(phone, NULL, audio_pts, sizeof(audio_pts), v,
						     err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_video_offer_webrtc(offer, v, &vlocal), 0);
	return offer;
}

static void test_offer_webrtc(void **state)
{
	struct tz_sdp *phone = parse_ok(PHONE_OFFER), *offer, *again;
	struct tz_sdp_video_neg v;
	char *text, *video;

	(void)state;
	offer = offer_to_browser(phone, &v);
	text = tz_sdp_build(offer, NULL);
	assert_non_null(strstr(text, "a=group:BUNDLE 0 1\r\n"));
	video = strstr(text, "m=video 40000 UDP/TLS/RTP/SAVPF 96 97\r\n");
	assert_non_null(video);
	assert_non_null(strstr(video, "a=mid:1\r\n"));
	assert_non_null(strstr(video, "a=ice-ufrag:Tz4xK9pQ\r\n"));
	assert_non_null(strstr(video, "a=fingerprint:sha-256 " FP "\r\n"));
	assert_non_null(strstr(video, "a=setup:actpass\r\n"));
	assert_non_null(strstr(video, "a=sendrecv\r\n"));
	assert_non_null(strstr(video, "a=rtcp-mux\r\n"));
	assert_non_null(strstr(video, "a=rtpmap:96 VP8/90000\r\n"));
	assert_non_null(strstr(video, "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
				      "a=rtcp-fb:96 ccm fir\r\n"));
	assert_non_null(strstr(video, "a=rtpmap:97 H264/90000\r\n"
				      "a=fmtp:97 profile-level-id=42e01f;packetization-mode=1\r\n"));
	assert_non_null(strstr(video, "a=ssrc:305419896 cname:trapeze-cname\r\n"));
	assert_null(strstr(video, "H263"));
	/* what we send parses again, with both sections on one transport */
	again = parse_ok(text);
	assert_int_equal(again->n_media, 2);
	assert_int_equal(again->media[1].port, again->media[0].port);
	tz_sdp_free(again);
	free(text);
	/* our offer is audio only once more: refused */
	assert_int_equal(tz_sdp_video_offer_webrtc(offer, &v, &vlocal), -EINVAL);
	tz_sdp_free(offer);
	tz_sdp_free(phone);
}

static void test_accept_and_answer_phone(void **state)
{
	struct tz_sdp *phone = parse_ok(PHONE_OFFER), *offer, *ans, *a;
	struct tz_sdp_video_neg v, w, s;
	struct tz_sdp_sip_local l = sip_local;
	struct tz_sdp_neg neg;
	char err[256], *text;

	(void)state;
	offer = offer_to_browser(phone, &v);
	ans = parse_ok(WEB_ANSWER(WEB_VIDEO));
	assert_int_equal(tz_sdp_accept_webrtc(offer, ans, &neg, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_video_accept_webrtc(offer, ans, &w), 0);
	assert_true(w.on);
	assert_int_equal(w.media, 1);
	assert_int_equal(w.n_codecs, 2);          /* rtx left out */
	assert_int_equal(w.codecs[0].pt, 96);
	assert_int_equal(w.codecs[1].pt, 97);
	assert_int_equal(w.ssrc, 3735928559u);
	assert_int_equal(w.dir, TZ_SDP_SENDRECV);
	/* the phone's offer read against it (as for a SIP answer): its PTs,
	 * paired with the browser's */
	assert_int_equal(tz_sdp_video_read_sip(phone, &w, &s, err, sizeof(err)), 0);
	assert_true(s.on);
	assert_int_equal(s.n_codecs, 2);
	assert_int_equal(s.codecs[0].pt, 111);
	assert_int_equal(s.codecs[0].web_pt, 96);
	assert_int_equal(s.codecs[1].pt, 96);
	assert_int_equal(s.codecs[1].web_pt, 97);
	/* the phone's answer: its own payload types, its rtcp-fb */
	assert_int_equal(tz_sdp_read_sip(phone, NULL, &neg, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_answer_sip(&l, &neg, &a), 0);
	assert_int_equal(tz_sdp_video_answer_sip(a, phone, &s, 30002, TZ_SDP_DIR_NONE), 0);
	text = tz_sdp_build(a, NULL);
	assert_non_null(strstr(text, "m=video 30002 RTP/AVP 111 96\r\n"));
	assert_non_null(strstr(text, "a=rtpmap:111 VP8/90000\r\n"));
	assert_non_null(strstr(text, "a=rtcp-fb:111 nack pli\r\n"));
	free(text);
	tz_sdp_free(a);
	tz_sdp_free(ans);

	/* the browser declines the video: no video, and the phone gets port 0 */
	ans = parse_ok(WEB_ANSWER("m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
				  "a=mid:1\r\na=inactive\r\na=rtpmap:96 VP8/90000\r\n"));
	assert_int_equal(tz_sdp_accept_webrtc(offer, ans, &neg, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_video_accept_webrtc(offer, ans, &w), 0);
	assert_false(w.on);
	assert_int_equal(tz_sdp_read_sip(phone, NULL, &neg, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_answer_sip(&l, &neg, &a), 0);
	assert_int_equal(tz_sdp_video_answer_sip(a, phone, NULL, 0, TZ_SDP_DIR_NONE), 0);
	text = tz_sdp_build(a, NULL);
	assert_non_null(strstr(text, "m=video 0 RTP/AVP 111\r\n"));
	free(text);
	tz_sdp_free(a);
	tz_sdp_free(ans);

	/* Chromium's answer for a stopped / inactive transceiver: declined too */
	ans = parse_ok(WEB_ANSWER("m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
				  "a=mid:1\r\na=inactive\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n"));
	assert_int_equal(tz_sdp_video_accept_webrtc(offer, ans, &w), 0);
	assert_false(w.on);
	tz_sdp_free(ans);

	/* answered with a payload type we did not offer, or not bundled */
	ans = parse_ok(WEB_ANSWER("m=video 9 UDP/TLS/RTP/SAVPF 100\r\nc=IN IP4 0.0.0.0\r\n"
				  "a=mid:1\r\na=rtcp-mux\r\na=rtpmap:100 VP8/90000\r\n"));
	assert_int_equal(tz_sdp_video_accept_webrtc(offer, ans, &w), 0);
	assert_false(w.on);
	tz_sdp_free(ans);
	tz_sdp_free(offer);
	tz_sdp_free(phone);
}

/* A browser that can only receive (no camera): we send, it does not. */
static void test_accept_recvonly(void **state)
{
	struct tz_sdp *phone = parse_ok(PHONE_OFFER), *offer, *ans;
	struct tz_sdp_video_neg v, w;

	(void)state;
	offer = offer_to_browser(phone, &v);
	ans = parse_ok(WEB_ANSWER("m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
				  "a=mid:1\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n"));
	assert_int_equal(tz_sdp_video_accept_webrtc(offer, ans, &w), 0);
	assert_true(w.on);
	assert_int_equal(w.dir, TZ_SDP_SENDONLY);
	assert_int_equal(w.ssrc, 0);
	tz_sdp_free(ans);
	tz_sdp_free(offer);
	tz_sdp_free(phone);
}

const struct CMUnitTest sdp_video_in_tests[] = {
	cmocka_unit_test(test_read_sip_offer),
	cmocka_unit_test(test_offer_webrtc),
	cmocka_unit_test(test_accept_and_answer_phone),
	cmocka_unit_test(test_accept_recvonly),
};
const size_t sdp_video_in_n_tests = sizeof(sdp_video_in_tests) / sizeof(sdp_video_in_tests[0]);
