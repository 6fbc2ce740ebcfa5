/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Video policy with a real Chromium 156 audio + video offer (fake camera,
 * BUNDLE 0 1): the video read, the SIP offer's video line (AVP / AVPF,
 * rtcp-fb), the SIP answer matched (H.264 profile and packetization-mode),
 * and the browser's answer: video in the BUNDLE group on the audio's
 * transport, only nack / nack pli / ccm fir, our SSRC; rejected video
 * rejected to the browser while the audio goes on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sdp_test.h"
#include "tz_sdp_video.h"

#define AV_OFFER "chromium156-av-offer.sdp"

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
	.sip_port = 30002,
	.ssrc = 305419896,
	.cname = "trapeze-cname",
};

static const struct tz_sdp_sip_local sip_local = {
	.addr = "198.51.100.5",
	.port = 30000,
	.sess_id = 42,
	.sess_version = 1,
};

static void test_read_web(void **state)
{
	char *text = fixture(AV_OFFER);
	struct tz_sdp *o = parse_ok(text);
	struct tz_sdp_video_neg v;
	struct tz_sdp_video_local l = vlocal;
	static const char *const h264_only[] = { "H264", NULL };
	static const char *const none[] = { "AV1", NULL };

	(void)state;
	assert_int_equal(tz_sdp_video_read_web(o, "0", &l, &v), 0);
	assert_true(v.on);
	assert_int_equal(v.media, 1);
	assert_string_equal(v.mid, "1");
	assert_int_equal(v.ssrc, 258942637);       /* FID group: the media SSRC, not its RTX */
	assert_int_equal(v.dir, TZ_SDP_SENDRECV);
	assert_int_equal(v.n_codecs, 7);           /* VP8 and six H.264: no rtx, VP9, AV1, red */
	assert_string_equal(v.codecs[0].name, "VP8");
	assert_int_equal(v.codecs[0].pt, 96);
	assert_int_equal(v.codecs[0].fb, TZ_SDP_FB_NACK | TZ_SDP_FB_PLI | TZ_SDP_FB_FIR);
	assert_string_equal(v.codecs[1].name, "H264");
	assert_int_equal(v.codecs[1].pt, 102);
	assert_int_equal(v.codecs[1].profile_level_id, 0x42001f);
	assert_int_equal(v.codecs[1].packetization_mode, 1);
	assert_int_equal(v.codecs[2].pt, 104);
	assert_int_equal(v.codecs[2].packetization_mode, 0);

	l.codecs = h264_only;
	assert_int_equal(tz_sdp_video_read_web(o, "0", &l, &v), 0);
	assert_int_equal(v.n_codecs, 6);
	assert_int_equal(v.codecs[0].pt, 102);
	l.codecs = none;
	assert_int_equal(tz_sdp_video_read_web(o, "0", &l, &v), -ENOENT);
	assert_false(v.on);
	l.codecs = NULL;
	/* not bundled with the audio: no shared transport, no video */
	assert_int_equal(tz_sdp_video_read_web(o, "nope", &l, &v), -ENOENT);
	tz_sdp_free(o);
	free(text);
}

static void test_h264_params(void **state)
{
	uint32_t plid;
	uint8_t pm;

	(void)state;
	tz_sdp_h264_params(NULL, &plid, &pm);
	assert_int_equal(plid, 0x420010);
	assert_int_equal(pm, 0);
	tz_sdp_h264_params("packetization-mode=1; profile-level-id=42E01F", &plid, &pm);
	assert_int_equal(plid, 0x42e01f);
	assert_int_equal(pm, 1);
	tz_sdp_h264_params("profile-level-id=zz;packetization-mode=7", &plid, &pm);
	assert_int_equal(plid, 0x420010);
	assert_int_equal(pm, 0);
}

/* The browser's offer as the SIP offer: audio, then video on its own port. */
static struct tz_sdp *sip_offer(const struct tz_sdp *web, const struct tz_sdp_video_local *vl,
				struct tz_sdp_video_neg *v)
{
	static const char *const trunk[] = { "PCMU", NULL };
	struct tz_sdp_sip_local l = sip_local;
	struct tz_sdp *sip;
	char err[256];

	l.codecs = trunk;
	assert_int_equal(tz_sdp_offer_sip(&l, web, &sip, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_video_read_web(web, "0", vl, v), 0);
	assert_int_equal(tz_sdp_video_offer_sip(sip, v, vl), 0);
	return sip;
}

static void test_sip_offer_video(void **state)
{
	static const char *const vp8[] = { "VP8", NULL };
	char *text = fixture(AV_OFFER);
	struct tz_sdp *web = parse_ok(text), *sip;
	struct tz_sdp_video_local vl = vlocal;
	struct tz_sdp_video_neg v;
	char *out;

	(void)state;
	vl.codecs = vp8;
	sip = sip_offer(web, &vl, &v);
	assert_sdp_text(sip,
		"v=0\r\n"
		"o=trapeze 42 1 IN IP4 198.51.100.5\r\n"
		"s=-\r\n"
		"c=IN IP4 198.51.100.5\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVP 0 101\r\n"
		"a=sendrecv\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-16\r\n"
		"a=ptime:20\r\n"
		"m=video 30002 RTP/AVP 96\r\n"
		"a=sendrecv\r\n"
		"a=rtpmap:96 VP8/90000\r\n");
	tz_sdp_free(sip);

	/* AVPF, and AVP with the feedback lines: only nack, nack pli, ccm fir */
	vl.avpf = true;
	sip = sip_offer(web, &vl, &v);
	assert_string_equal(sip->media[1].proto, "RTP/AVPF");
	out = tz_sdp_build(sip, NULL);
	assert_non_null(strstr(out, "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
				    "a=rtcp-fb:96 ccm fir\r\n"));
	assert_null(strstr(out, "goog-remb"));
	assert_null(strstr(out, "transport-cc"));
	free(out);
	tz_sdp_free(sip);
	vl.avpf = false;
	vl.fb_in_avp = true;
	vl.codecs = NULL;
	sip = sip_offer(web, &vl, &v);
	assert_string_equal(sip->media[1].proto, "RTP/AVP");
	assert_int_equal(sip->media[1].n_codecs, 7);
	assert_int_equal(sip->media[1].n_rtcp_fb, 21);
	out = tz_sdp_build(sip, NULL);
	assert_non_null(strstr(out, "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;"
				    "profile-level-id=42e01f\r\n"));
	free(out);
	tz_sdp_free(sip);
	tz_sdp_free(web);
	free(text);
}

#define SIP_HEAD "v=0\r\no=- 7 7 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\n" \
		 "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

static void test_sip_answer_video(void **state)
{
	char *text = fixture(AV_OFFER), err[256];
	struct tz_sdp *web = parse_ok(text), *sip, *ans;
	struct tz_sdp_video_local vl = vlocal;
	struct tz_sdp_video_neg v, s;

	(void)state;
	sip = sip_offer(web, &vl, &v);
	/* a phone: H.264 constrained baseline mode 1 at a lower level under its
	 * own PT, VP8, a High profile H.264 it was not offered */
	ans = parse_ok(SIP_HEAD
		"m=video 4002 RTP/AVPF 99 96 100\r\n"
		"a=rtpmap:99 H264/90000\r\n"
		"a=fmtp:99 profile-level-id=42e00d;packetization-mode=1\r\n"
		"a=rtcp-fb:* ccm fir\r\n"
		"a=rtpmap:96 VP8/90000\r\n"
		"a=rtpmap:100 H264/90000\r\n"
		"a=fmtp:100 profile-level-id=640c1f;packetization-mode=1\r\n");
	assert_int_equal(tz_sdp_video_read_sip(ans, &v, &s, err, sizeof(err)), 0);
	assert_true(s.on);
	assert_true(s.avpf);
	assert_int_equal(s.port, 4002);
	assert_int_equal(s.rtcp_port, 4003);
	assert_string_equal(s.addr, "198.51.100.20");
	assert_int_equal(s.n_codecs, 2);
	assert_int_equal(s.codecs[0].pt, 99);
	assert_int_equal(s.codecs[0].web_pt, 108);      /* 42e0 (constrained baseline), mode 1 */
	assert_int_equal(s.codecs[0].fb, TZ_SDP_FB_FIR);
	assert_int_equal(s.codecs[1].pt, 96);
	assert_int_equal(s.codecs[1].web_pt, 96);
	assert_int_equal(s.fb, TZ_SDP_FB_FIR);          /* FIR only: PLI is translated */
	tz_sdp_free(ans);

	/* mode 0 pairs with the mode-0 PT; RTP/AVP has no feedback; a=rtcp */
	ans = parse_ok(SIP_HEAD
		"m=video 4002 RTP/AVP 104\r\n"
		"a=rtcp:5000\r\n"
		"a=rtpmap:104 H264/90000\r\n"
		"a=fmtp:104 profile-level-id=42e01f\r\n");
	assert_int_equal(tz_sdp_video_read_sip(ans, &v, &s, err, sizeof(err)), 0);
	assert_true(s.on);
	assert_false(s.avpf);
	assert_int_equal(s.rtcp_port, 5000);
	assert_int_equal(s.codecs[0].web_pt, 114);
	assert_int_equal(s.fb, 0);
	tz_sdp_free(ans);

	/* rejected: port 0, and a section with nothing we offered */
	ans = parse_ok(SIP_HEAD "m=video 0 RTP/AVP 96\r\n");
	assert_int_equal(tz_sdp_video_read_sip(ans, &v, &s, err, sizeof(err)), 0);
	assert_false(s.on);
	tz_sdp_free(ans);
	ans = parse_ok(SIP_HEAD "m=video 4002 RTP/AVP 34\r\na=rtpmap:34 H263/90000\r\n");
	assert_int_equal(tz_sdp_video_read_sip(ans, &v, &s, err, sizeof(err)), 0);
	assert_false(s.on);
	tz_sdp_free(ans);
	ans = parse_ok(SIP_HEAD);       /* an old phone: no video section at all */
	assert_int_equal(tz_sdp_video_read_sip(ans, &v, &s, err, sizeof(err)), 0);
	assert_false(s.on);
	tz_sdp_free(ans);
	tz_sdp_free(sip);
	tz_sdp_free(web);
	free(text);
}

static const char video_answer[] =
	"m=video 40000 UDP/TLS/RTP/SAVPF 96\r\n"
	"c=IN IP4 203.0.113.10\r\n"
	"a=candidate:1 1 udp 2130706431 203.0.113.10 40000 typ host\r\n"
	"a=end-of-candidates\r\n"
	"a=ice-ufrag:Tz4xK9pQ\r\n"
	"a=ice-pwd:s3cr3tPasswordForIceLite\r\n";

/* The browser's answer from the SIP answer: BUNDLE, our transport, feedback. */
static void test_answer_webrtc_video(void **state)
{
	char *text = fixture(AV_OFFER), err[256], *out;
	struct tz_sdp *web = parse_ok(text), *sip, *ans, *a, *back;
	struct tz_sdp_video_local vl = vlocal;
	struct tz_sdp_video_neg v, s;
	struct tz_sdp_neg neg;

	(void)state;
	sip = sip_offer(web, &vl, &v);
	ans = parse_ok(SIP_HEAD
		"m=video 4002 RTP/AVP 96\r\n"
		"a=rtpmap:96 VP8/90000\r\n"
		"a=rtcp-fb:96 nack pli\r\n");
	assert_int_equal(tz_sdp_video_read_sip(ans, &v, &s, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_answer_webrtc(web, &local4, &a, &neg, err, sizeof(err)), 0);
	assert_int_equal(a->media[1].port, 0);          /* the audio policy rejected it */
	assert_int_equal(tz_sdp_video_answer_webrtc(a, web, &v, &s, &vl), 0);
	out = tz_sdp_build(a, NULL);
	assert_non_null(strstr(out, "a=group:BUNDLE 0 1\r\n"));
	assert_non_null(strstr(out, video_answer));
	assert_non_null(strstr(out, "a=mid:1\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
				    "a=sendrecv\r\na=msid:trapeze trapeze-video\r\n"
				    "a=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\n"
				    "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
				    "a=rtcp-fb:96 ccm fir\r\n"
				    "a=ssrc:305419896 cname:trapeze-cname\r\n"
				    "a=ssrc:305419896 msid:trapeze trapeze-video\r\n"));
	/* Chromium's bandwidth estimation must not wait for feedback nobody sends */
	assert_null(strstr(out, "transport-cc"));
	assert_null(strstr(out, "goog-remb"));
	assert_null(strstr(out, "rtx"));
	/* of the header extensions only the MID (RFC 8843), the same id in both sections */
	assert_null(strstr(out, "abs-send-time"));
	assert_null(strstr(out, "ssrc-audio-level"));
	assert_non_null(strstr(out, "a=mid:0\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"));
	assert_int_equal(neg.mid_ext, 4);
	/* the answer is valid SDP and keeps its audio */
	back = parse_ok(out);
	assert_int_equal(back->n_media, 2);
	assert_int_equal(back->media[0].port, 40000);
	assert_string_equal(back->media[0].codecs[0].name, "opus");
	assert_int_equal(back->media[1].ssrcs[0].id, 305419896);
	tz_sdp_free(back);
	free(out);
	tz_sdp_free(a);
	tz_sdp_free(ans);

	/* rejected by the SIP side: rejected to the browser, audio goes on */
	ans = parse_ok(SIP_HEAD "m=video 0 RTP/AVP 96\r\n");
	assert_int_equal(tz_sdp_video_read_sip(ans, &v, &s, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_answer_webrtc(web, &local4, &a, &neg, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_video_answer_webrtc(a, web, &v, &s, &vl), -ENOENT);
	out = tz_sdp_build(a, NULL);
	assert_non_null(strstr(out, "a=group:BUNDLE 0\r\n"));
	assert_non_null(strstr(out, "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"));
	assert_non_null(strstr(out, "m=audio 40000 "));
	free(out);
	tz_sdp_free(a);
	tz_sdp_free(ans);
	tz_sdp_free(sip);
	tz_sdp_free(web);
	free(text);
}

/* H.264 accepted at a lower level: the browser is told the receiver's level;
 * a recvonly phone makes our video towards the browser recvonly... i.e. we
 * only receive (no a=ssrc of ours). */
static void test_answer_h264_level_and_direction(void **state)
{
	char *text = fixture(AV_OFFER), err[256], *out;
	struct tz_sdp *web = parse_ok(text), *sip, *ans, *a;
	struct tz_sdp_video_local vl = vlocal;
	struct tz_sdp_video_neg v, s;
	struct tz_sdp_neg neg;

	(void)state;
	sip = sip_offer(web, &vl, &v);
	ans = parse_ok(SIP_HEAD
		"m=video 4002 RTP/AVP 108\r\n"
		"a=recvonly\r\n"
		"a=rtpmap:108 H264/90000\r\n"
		"a=fmtp:108 profile-level-id=42e00d;packetization-mode=1\r\n");
	assert_int_equal(tz_sdp_video_read_sip(ans, &v, &s, err, sizeof(err)), 0);
	assert_int_equal(s.dir, TZ_SDP_SENDONLY);
	assert_int_equal(tz_sdp_answer_webrtc(web, &local4, &a, &neg, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_video_answer_webrtc(a, web, &v, &s, &vl), 0);
	out = tz_sdp_build(a, NULL);
	assert_non_null(strstr(out, "m=video 40000 UDP/TLS/RTP/SAVPF 108\r\n"));
	assert_non_null(strstr(out, "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;"
				    "profile-level-id=42e00d\r\n"));
	assert_non_null(strstr(out, "a=mid:1\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
				    "a=recvonly\r\n"));
	assert_null(strstr(out, "trapeze-video"));
	free(out);
	tz_sdp_free(a);
	tz_sdp_free(ans);
	tz_sdp_free(sip);

	/* without a SIP answer yet: what the browser offered and we allow */
	vl.codecs = (const char *const[]){ "VP8", NULL };
	assert_int_equal(tz_sdp_video_read_web(web, "0", &vl, &v), 0);
	assert_int_equal(tz_sdp_answer_webrtc(web, &local4, &a, &neg, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_video_answer_webrtc(a, web, &v, NULL, &vl), 0);
	assert_int_equal(a->media[1].n_codecs, 1);
	assert_int_equal(a->media[1].common.dir, TZ_SDP_SENDRECV);
	tz_sdp_free(a);
	tz_sdp_free(web);
	free(text);
}

/* A re-INVITE of a video call from the SIP side (hold): its video answered
 * with our port and the call's codec, direction mirrored; a video the call
 * does not carry rejected in its place. */
static void test_answer_sip_reinvite(void **state)
{
	char *text = fixture(AV_OFFER), err[256], *out;
	struct tz_sdp *web = parse_ok(text), *sip, *ans, *reinv, *a;
	struct tz_sdp_video_local vl = vlocal;
	struct tz_sdp_video_neg v, s;
	struct tz_sdp_sip_local l = sip_local;
	struct tz_sdp_neg neg;

	(void)state;
	sip = sip_offer(web, &vl, &v);
	ans = parse_ok(SIP_HEAD "m=video 4002 RTP/AVPF 96\r\na=rtpmap:96 VP8/90000\r\n"
		       "a=rtcp-fb:96 nack pli\r\n");
	assert_int_equal(tz_sdp_video_read_sip(ans, &v, &s, err, sizeof(err)), 0);
	reinv = parse_ok(SIP_HEAD "a=sendonly\r\n"
			 "m=video 4002 RTP/AVPF 96 100\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n"
			 "a=rtcp-fb:96 nack pli\r\na=rtpmap:100 H264/90000\r\n");
	assert_int_equal(tz_sdp_read_sip(reinv, NULL, &neg, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_answer_sip(&l, &neg, &a), 0);
	assert_int_equal(tz_sdp_video_answer_sip(a, reinv, &s, 30002, TZ_SDP_DIR_NONE), 0);
	out = tz_sdp_build(a, NULL);
	assert_non_null(strstr(out, "m=video 30002 RTP/AVPF 96\r\na=recvonly\r\n"
				    "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n"));
	free(out);
	tz_sdp_free(a);
	/* a call without video: the section rejected, in its place */
	assert_int_equal(tz_sdp_answer_sip(&l, &neg, &a), 0);
	assert_int_equal(tz_sdp_video_answer_sip(a, reinv, NULL, 0, TZ_SDP_DIR_NONE), 0);
	assert_int_equal(a->n_media, 2);
	out = tz_sdp_build(a, NULL);
	assert_non_null(strstr(out, "m=video 0 RTP/AVPF 96\r\n"));
	free(out);
	tz_sdp_free(a);
	tz_sdp_free(reinv);
	tz_sdp_free(ans);
	tz_sdp_free(sip);
	tz_sdp_free(web);
	free(text);
}

const struct CMUnitTest sdp_video_tests[] = {
	cmocka_unit_test(test_answer_sip_reinvite),
	cmocka_unit_test(test_read_web),
	cmocka_unit_test(test_h264_params),
	cmocka_unit_test(test_sip_offer_video),
	cmocka_unit_test(test_sip_answer_video),
	cmocka_unit_test(test_answer_webrtc_video),
	cmocka_unit_test(test_answer_h264_level_and_direction),
};
const size_t sdp_video_n_tests = sizeof(sdp_video_tests) / sizeof(sdp_video_tests[0]);
