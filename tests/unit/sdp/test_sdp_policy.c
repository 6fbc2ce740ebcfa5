/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offer/answer policy: Trapeze answering Chromium's offer (exact text),
 * rejecting video and data sections, mirroring directions, refusing
 * offers it cannot use; offering to a browser and taking its answer; the
 * SIP leg's offer text, reading SIP answers (SDES, hold); the PT map.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sdp_test.h"

static const struct tz_sdp_local local4 = {
	.ice_ufrag = "Tz4xK9pQ",
	.ice_pwd = "s3cr3tPasswordForIceLite",
	.fingerprint = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
		0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
		0x1c, 0x1d, 0x1e, 0x1f,
	},
	.addr = "203.0.113.10",
	.port = 40000,
	.ssrc = 287454020,
	.cname = "trapeze-cname",
	.sess_id = 1234567890,
	.sess_version = 1,
};

#define FP "00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:" \
	   "10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F"

static const char answer_chromium156[] =
	"v=0\r\n"
	"o=trapeze 1234567890 1 IN IP4 203.0.113.10\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0\r\n"
	"a=msid-semantic: WMS trapeze\r\n"
	"a=ice-lite\r\n"
	"m=audio 40000 UDP/TLS/RTP/SAVPF 111 9 0 8 110 126\r\n"
	"c=IN IP4 203.0.113.10\r\n"
	"a=candidate:1 1 udp 2130706431 203.0.113.10 40000 typ host\r\n"
	"a=end-of-candidates\r\n"
	"a=ice-ufrag:Tz4xK9pQ\r\n"
	"a=ice-pwd:s3cr3tPasswordForIceLite\r\n"
	"a=fingerprint:sha-256 " FP "\r\n"
	"a=setup:passive\r\n"
	"a=mid:0\r\n"
	"a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
	"a=sendrecv\r\n"
	"a=msid:trapeze trapeze-audio\r\n"
	"a=rtcp-mux\r\n"
	"a=rtcp-rsize\r\n"
	"a=rtpmap:111 opus/48000/2\r\n"
	"a=fmtp:111 minptime=10;useinbandfec=1\r\n"
	"a=rtpmap:9 G722/8000\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:110 telephone-event/48000\r\n"
	"a=rtpmap:126 telephone-event/8000\r\n"
	"a=ssrc:287454020 cname:trapeze-cname\r\n"
	"a=ssrc:287454020 msid:trapeze trapeze-audio\r\n";

static int answer(const char *offer_text, const struct tz_sdp_local *l, struct tz_sdp **offer,
		  struct tz_sdp **ans, struct tz_sdp_neg *neg, char *err)
{
	*offer = parse_ok(offer_text);
	return tz_sdp_answer_webrtc(*offer, l, ans, neg, err, 256);
}

static void test_answer_chromium156(void **state)
{
	char *text = fixture("chromium156-loopback-offer.sdp"), err[256], *built;
	struct tz_sdp *offer, *ans, *again;
	struct tz_sdp_neg neg;

	assert_int_equal(answer(text, &local4, &offer, &ans, &neg, err), 0);
	assert_sdp_text(ans, answer_chromium156);
	assert_int_equal(neg.mid_ext, 4);       /* RFC 8843 MID, the browser's id */
	assert_int_equal(neg.media, 0);
	assert_string_equal(neg.mid, "0");
	assert_int_equal(neg.n_codecs, 6);
	assert_string_equal(neg.codecs[0].name, "opus");
	assert_int_equal(neg.codecs[0].pt, 111);
	assert_int_equal(neg.te_pt, 110);
	assert_string_equal(neg.ice_ufrag, "S+r1");
	assert_string_equal(neg.ice_pwd, "xQJzONOdpcGAoSyhUPAydKJ/");
	assert_int_equal(neg.fingerprint.len, 32);
	assert_int_equal(neg.fingerprint.digest[0], 0x52);
	assert_false(neg.dtls_client);
	assert_true(neg.rtcp_rsize);
	assert_int_equal(neg.dir, TZ_SDP_SENDRECV);
	assert_false(neg.hold);
	/* the answer is valid SDP a browser parses back */
	built = tz_sdp_build(ans, NULL);
	again = parse_ok(built);
	assert_true(again->ice_lite);
	free(built);
	tz_sdp_free(again);
	tz_sdp_free(ans);
	tz_sdp_free(offer);
	free(text);
}

static void test_answer_codec_choice_and_setup(void **state)
{
	static const char *const pcma_first[] = { "PCMA", "PCMU", NULL };
	char *text = fixture("chromium-offer.sdp"), err[256];
	struct tz_sdp_local l = local4;
	struct tz_sdp *offer, *ans;
	struct tz_sdp_neg neg;
	const struct tz_sdp_media *m;

	l.codecs = pcma_first;
	l.setup = TZ_SDP_SETUP_ACTIVE;
	assert_int_equal(answer(text, &l, &offer, &ans, &neg, err), 0);
	m = &ans->media[0];
	assert_int_equal(m->n_codecs, 3);          /* PCMA, PCMU, telephone-event/8000 */
	assert_int_equal(m->codecs[0].pt, 8);
	assert_int_equal(m->codecs[1].pt, 0);
	assert_int_equal(m->codecs[2].pt, 126);
	assert_int_equal(neg.te_pt, 126);
	assert_int_equal(m->common.setup, TZ_SDP_SETUP_ACTIVE);
	assert_true(neg.dtls_client);
	tz_sdp_free(ans);
	tz_sdp_free(offer);
	free(text);

	/* the gst offer: OPUS in capitals, session-level ice-options, no te */
	text = fixture("gst-webrtcbin-offer.sdp");
	assert_int_equal(answer(text, &local4, &offer, &ans, &neg, err), 0);
	m = &ans->media[0];
	assert_int_equal(m->n_codecs, 1);
	assert_string_equal(m->codecs[0].fmtp, "sprop-stereo=0;sprop-maxcapturerate=48000");
	assert_string_equal(m->mid, "audio0");
	assert_string_equal(ans->groups[0].mids[0], "audio0");
	assert_int_equal(neg.te_pt, -1);
	tz_sdp_free(ans);
	tz_sdp_free(offer);
	free(text);
}

#define OFFER_HEAD \
	"v=0\r\no=- 99 2 IN IP4 198.51.100.1\r\ns=-\r\nt=0 0\r\n"
#define OFFER_AUDIO(dir) \
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\n" \
	"a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" \
	"a=fingerprint:sha-256 " FP "\r\na=setup:actpass\r\na=mid:0\r\n" \
	"a=" dir "\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"

static const char offer_av_data[] =
	OFFER_HEAD "a=group:BUNDLE 1 0 2\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\n"
	"a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
	"a=fingerprint:sha-256 " FP "\r\na=setup:actpass\r\na=mid:1\r\na=sendrecv\r\n"
	"a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
	"a=rtcp-fb:96 nack\r\na=ssrc:5 cname:v\r\n"
	OFFER_AUDIO("sendrecv")
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
	"a=mid:2\r\na=sctp-port:5000\r\n";

static void test_answer_rejects_video_and_data(void **state)
{
	static const char *const pcmu[] = { "PCMU", NULL };
	struct tz_sdp_local l = local4;
	struct tz_sdp *offer, *ans;
	struct tz_sdp_neg neg;
	char err[256], *text, *video, *audio, *app;

	l.codecs = pcmu;
	l.no_dtmf = true;
	assert_int_equal(answer(offer_av_data, &l, &offer, &ans, &neg, err), 0);
	assert_int_equal(neg.media, 1);
	assert_int_equal(ans->n_media, 3);
	text = tz_sdp_build(ans, NULL);
	video = strstr(text, "m=video");
	audio = strstr(text, "m=audio");
	app = strstr(text, "m=application");
	assert_non_null(video);
	assert_true(video < audio && audio < app);
	assert_non_null(strstr(text, "a=group:BUNDLE 0\r\n"));
	*audio = '\0';
	assert_string_equal(video, "m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
			    "a=mid:1\r\n");
	assert_string_equal(app, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n"
			    "c=IN IP4 0.0.0.0\r\na=mid:2\r\n");
	assert_int_equal(ans->media[1].n_codecs, 1);
	assert_int_equal(ans->media[1].codecs[0].pt, 0);
	free(text);
	tz_sdp_free(ans);
	tz_sdp_free(offer);
}

static void test_answer_ipv6(void **state)
{
	struct tz_sdp_local l = local4;
	struct tz_sdp *offer, *ans;
	struct tz_sdp_neg neg;
	char err[256], *text;

	l.addr = "2001:db8::10";
	assert_int_equal(answer(offer_av_data, &l, &offer, &ans, &neg, err), 0);
	text = tz_sdp_build(ans, NULL);
	assert_non_null(strstr(text, "o=trapeze 1234567890 1 IN IP6 2001:db8::10\r\n"));
	assert_non_null(strstr(text, "c=IN IP6 2001:db8::10\r\n"
			       "a=candidate:1 1 udp 2130706431 2001:db8::10 40000 typ host\r\n"));
	assert_non_null(strstr(text, "m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP6 ::\r\n"));
	free(text);
	tz_sdp_free(ans);
	tz_sdp_free(offer);
}

static void test_answer_mirrors_direction(void **state)
{
	static const struct {
		const char *offer;
		enum tz_sdp_dir answer;
		bool hold;
		bool ssrc;
	} cases[] = {
		{ OFFER_HEAD OFFER_AUDIO("sendrecv"), TZ_SDP_SENDRECV, false, true },
		{ OFFER_HEAD OFFER_AUDIO("sendonly"), TZ_SDP_RECVONLY, true, false },
		{ OFFER_HEAD OFFER_AUDIO("recvonly"), TZ_SDP_SENDONLY, false, true },
		{ OFFER_HEAD OFFER_AUDIO("inactive"), TZ_SDP_INACTIVE, true, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tz_sdp *offer, *ans;
		struct tz_sdp_neg neg;
		char err[256];

		assert_int_equal(answer(cases[i].offer, &local4, &offer, &ans, &neg, err), 0);
		assert_int_equal(ans->media[0].common.dir, cases[i].answer);
		assert_int_equal(neg.dir, cases[i].answer);
		assert_int_equal(neg.hold, cases[i].hold);
		assert_int_equal(ans->media[0].n_ssrcs != 0, cases[i].ssrc);
		assert_int_equal(ans->n_groups, 0);   /* the offer has no BUNDLE group */
		tz_sdp_free(ans);
		tz_sdp_free(offer);
	}
}

static void expect_answer_error(const char *offer_text, const char *const *codecs,
				const char *msg)
{
	struct tz_sdp_local l = local4;
	struct tz_sdp *offer, *ans = (struct tz_sdp *)1;
	struct tz_sdp_neg neg;
	char err[256] = "";

	l.codecs = codecs;
	assert_int_equal(answer(offer_text, &l, &offer, &ans, &neg, err), -EINVAL);
	assert_null(ans);
	assert_string_equal(err, msg);
	tz_sdp_free(offer);
}

static void test_answer_errors(void **state)
{
	static const char *const g729[] = { "G729", NULL };
	static const char *const pcma[] = { "PCMA", NULL };
	static const char video_only[] =
		OFFER_HEAD "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n";
	static const char no_ice[] =
		OFFER_HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=fingerprint:sha-256 " FP "\r\n"
		"a=rtcp-mux\r\n";
	static const char no_fp[] =
		OFFER_HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=ice-ufrag:abcd\r\n"
		"a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=rtcp-mux\r\n";
	static const char no_mux[] =
		OFFER_HEAD "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
		"a=fingerprint:sha-256 " FP "\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n";
	static const char plain_rtp[] = OFFER_HEAD "m=audio 9 RTP/AVP 0\r\n";

	expect_answer_error(video_only, NULL, "the offer has no audio section to accept");
	expect_answer_error(no_ice, NULL, "the offer's audio section has no ICE credentials "
			    "(a=ice-ufrag, a=ice-pwd)");
	expect_answer_error(no_fp, NULL, "the offer's audio section has no DTLS fingerprint "
			    "(a=fingerprint)");
	expect_answer_error(no_mux, NULL, "the offer's audio section has no a=rtcp-mux, "
			    "which WebRTC requires (RFC 8834 §5.1.1)");
	expect_answer_error(plain_rtp, NULL, "the audio section's protocol RTP/AVP is not "
			    "UDP/TLS/RTP/SAVPF");
	expect_answer_error(OFFER_HEAD OFFER_AUDIO("sendrecv"), g729,
			    "no common codec: the offer has none of G729");
	expect_answer_error(OFFER_HEAD OFFER_AUDIO("sendrecv"), pcma,
			    "no common codec: the offer has none of PCMA");
}

static const char webrtc_offer[] =
	"v=0\r\n"
	"o=trapeze 1234567890 1 IN IP4 203.0.113.10\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0\r\n"
	"a=msid-semantic: WMS trapeze\r\n"
	"a=ice-lite\r\n"
	"m=audio 40000 UDP/TLS/RTP/SAVPF 111 9 0 8 101 110\r\n"
	"c=IN IP4 203.0.113.10\r\n"
	"a=candidate:1 1 udp 2130706431 203.0.113.10 40000 typ host\r\n"
	"a=end-of-candidates\r\n"
	"a=ice-ufrag:Tz4xK9pQ\r\n"
	"a=ice-pwd:s3cr3tPasswordForIceLite\r\n"
	"a=fingerprint:sha-256 " FP "\r\n"
	"a=setup:actpass\r\n"
	"a=mid:0\r\n"
	"a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
	"a=sendrecv\r\n"
	"a=msid:trapeze trapeze-audio\r\n"
	"a=rtcp-mux\r\n"
	"a=rtcp-rsize\r\n"
	"a=rtpmap:111 opus/48000/2\r\n"
	"a=fmtp:111 minptime=10;useinbandfec=1\r\n"
	"a=rtpmap:9 G722/8000\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=rtpmap:110 telephone-event/48000\r\n"
	"a=ssrc:287454020 cname:trapeze-cname\r\n"
	"a=ssrc:287454020 msid:trapeze trapeze-audio\r\n";

#define BROWSER_ANSWER(setup, pts, maps) \
	"v=0\r\no=- 743531746794510339 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" \
	"a=group:BUNDLE 0\r\na=msid-semantic: WMS\r\n" \
	"m=audio 9 UDP/TLS/RTP/SAVPF " pts "\r\nc=IN IP4 0.0.0.0\r\n" \
	"a=ice-ufrag:R8gs\r\na=ice-pwd:hkakphSJFLGFh5DgEc0lvI3J\r\n" \
	"a=fingerprint:sha-256 " FP "\r\na=setup:" setup "\r\na=mid:0\r\na=sendrecv\r\n" \
	"a=rtcp-mux\r\n" maps

static void test_offer_to_browser(void **state)
{
	struct tz_sdp *offer, *ans;
	struct tz_sdp_neg neg;
	char err[256];

	assert_int_equal(tz_sdp_offer_webrtc(&local4, &offer), 0);
	assert_sdp_text(offer, webrtc_offer);

	ans = parse_ok(BROWSER_ANSWER("active", "111 101", "a=rtpmap:111 opus/48000/2\r\n"
				      "a=rtpmap:101 telephone-event/8000\r\n"));
	assert_int_equal(tz_sdp_accept_webrtc(offer, ans, &neg, err, sizeof(err)), 0);
	assert_int_equal(neg.n_codecs, 1);   /* te/8000 does not go with opus */
	assert_string_equal(neg.codecs[0].name, "opus");
	assert_int_equal(neg.te_pt, -1);
	assert_false(neg.dtls_client);
	assert_false(neg.rtcp_rsize);
	assert_string_equal(neg.ice_ufrag, "R8gs");
	assert_int_equal(neg.mid_ext, 0);       /* the answer did not take the MID extension */
	tz_sdp_free(ans);

	ans = parse_ok(BROWSER_ANSWER("active", "111", "a=extmap:9 " TZ_SDP_MID_EXT_URI "\r\n"
				      "a=rtpmap:111 opus/48000/2\r\n"));
	assert_int_equal(tz_sdp_accept_webrtc(offer, ans, &neg, err, sizeof(err)), 0);
	assert_int_equal(neg.mid_ext, TZ_SDP_MID_EXT_ID);
	tz_sdp_free(ans);

	ans = parse_ok(BROWSER_ANSWER("active", "111", "a=extmap:3 " TZ_SDP_MID_EXT_URI "\r\n"
				      "a=rtpmap:111 opus/48000/2\r\n"));
	assert_int_equal(tz_sdp_accept_webrtc(offer, ans, &neg, err, sizeof(err)), 0);
	assert_int_equal(neg.mid_ext, 0);       /* not the id we offered: not used */
	tz_sdp_free(ans);

	ans = parse_ok(BROWSER_ANSWER("passive", "0 101", "a=rtpmap:101 telephone-event/8000\r\n"));
	assert_int_equal(tz_sdp_accept_webrtc(offer, ans, &neg, err, sizeof(err)), 0);
	assert_true(neg.dtls_client);
	assert_string_equal(neg.codecs[0].name, "PCMU");
	assert_int_equal(neg.te_pt, 101);
	tz_sdp_free(ans);

	ans = parse_ok(BROWSER_ANSWER("actpass", "0", ""));
	assert_int_equal(tz_sdp_accept_webrtc(offer, ans, &neg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "the answer must say a=setup:active or a=setup:passive "
			    "(RFC 5763 §5)");
	tz_sdp_free(ans);

	ans = parse_ok(BROWSER_ANSWER("active", "96", "a=rtpmap:96 opus/48000/2\r\n"));
	assert_int_equal(tz_sdp_accept_webrtc(offer, ans, &neg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "the answer's payload type 96 was not offered");
	tz_sdp_free(ans);
	tz_sdp_free(offer);
}

static const struct tz_sdp_sip_local sip_local = {
	.addr = "198.51.100.5",
	.port = 30000,
	.sess_id = 42,
	.sess_version = 1,
};

static void test_sip_offer(void **state)
{
	static const char *const trunk[] = { "PCMA", "PCMU", "G722", NULL };
	char *text = fixture("chromium156-loopback-offer.sdp"), err[256];
	struct tz_sdp_sip_local l = sip_local;
	struct tz_sdp *web = parse_ok(text), *sip;

	l.codecs = trunk;
	assert_int_equal(tz_sdp_offer_sip(&l, web, &sip, err, sizeof(err)), 0);
	assert_sdp_text(sip,
		"v=0\r\n"
		"o=trapeze 42 1 IN IP4 198.51.100.5\r\n"
		"s=-\r\n"
		"c=IN IP4 198.51.100.5\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVP 9 0 8 101\r\n"
		"a=sendrecv\r\n"
		"a=rtpmap:9 G722/8000\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-16\r\n"
		"a=ptime:20\r\n");
	tz_sdp_free(sip);

	l.codecs = NULL;
	l.dir = TZ_SDP_SENDONLY;
	assert_int_equal(tz_sdp_offer_sip(&l, web, &sip, err, sizeof(err)), 0);
	assert_int_equal(sip->media[0].codecs[0].pt, 111);
	assert_int_equal(sip->media[0].common.dir, TZ_SDP_SENDONLY);
	assert_int_equal(sip->media[0].n_codecs, 6);
	tz_sdp_free(sip);

	static const char *const g729[] = { "G729", NULL };
	l.codecs = g729;
	assert_int_equal(tz_sdp_offer_sip(&l, web, &sip, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "no common codec: the browser offered none the trunk allows");

	/* transcoded (no browser offer): the trunk's codecs in its order */
	static const char *const g711[] = { "PCMA", "PCMU", NULL };
	l.codecs = g711;
	l.dir = TZ_SDP_DIR_NONE;
	assert_int_equal(tz_sdp_offer_sip(&l, NULL, &sip, err, sizeof(err)), 0);
	assert_int_equal(sip->media[0].n_codecs, 3);
	assert_string_equal(sip->media[0].codecs[0].name, "PCMA");
	assert_int_equal(sip->media[0].codecs[1].pt, 0);
	assert_string_equal(sip->media[0].codecs[2].name, "telephone-event");
	tz_sdp_free(sip);
	l.codecs = g729;
	assert_int_equal(tz_sdp_offer_sip(&l, NULL, &sip, err, sizeof(err)), -EINVAL);
	tz_sdp_free(web);
	free(text);
}

#define SIP_HEAD "v=0\r\no=- 7 7 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\n"

static void test_sip_read(void **state)
{
	struct tz_sdp *s;
	struct tz_sdp_neg neg;
	char err[256];

	s = parse_ok(SIP_HEAD "m=audio 30010 RTP/AVP 18 0 101\r\na=rtpmap:18 G729/8000\r\n"
		     "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n");
	assert_int_equal(tz_sdp_read_sip(s, NULL, &neg, err, sizeof(err)), 0);
	assert_string_equal(neg.addr, "198.51.100.20");
	assert_int_equal(neg.family, AF_INET);
	assert_int_equal(neg.port, 30010);
	assert_int_equal(neg.rtcp_port, 30011);
	assert_false(neg.rtcp_mux);
	assert_int_equal(neg.n_codecs, 2);
	assert_string_equal(neg.codecs[0].name, "PCMU");
	assert_int_equal(neg.te_pt, 101);
	assert_int_equal(neg.dir, TZ_SDP_SENDRECV);
	assert_false(neg.hold);
	assert_null(neg.crypto);
	tz_sdp_free(s);

	/* SDES on RTP/SAVP, a=rtcp, IPv6, sendonly = hold */
	s = parse_ok("v=0\r\no=- 7 8 IN IP6 2001:db8::20\r\ns=-\r\nt=0 0\r\n"
		     "m=audio 30020 RTP/SAVP 8\r\nc=IN IP6 2001:db8::20\r\na=rtcp:30041\r\n"
		     "a=crypto:1 FOO_SUITE inline:QUJD\r\n"
		     "a=crypto:2 AES_CM_128_HMAC_SHA1_80 "
		     "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20\r\na=sendonly\r\n");
	assert_int_equal(tz_sdp_read_sip(s, NULL, &neg, err, sizeof(err)), 0);
	assert_int_equal(neg.family, AF_INET6);
	assert_int_equal(neg.rtcp_port, 30041);
	assert_non_null(neg.crypto);
	assert_int_equal(neg.crypto->tag, 2);
	assert_int_equal(neg.crypto->key_len, 30);
	assert_true(neg.hold);
	assert_int_equal(neg.dir, TZ_SDP_RECVONLY);
	assert_int_equal(neg.te_pt, -1);
	tz_sdp_free(s);

	/* old-style hold: c=0.0.0.0; rtcp-mux */
	s = parse_ok("v=0\r\no=- 7 9 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
		     "m=audio 30010 RTP/AVP 0\r\na=rtcp-mux\r\n");
	assert_int_equal(tz_sdp_read_sip(s, NULL, &neg, err, sizeof(err)), 0);
	assert_true(neg.hold);
	assert_int_equal(neg.dir, TZ_SDP_RECVONLY);
	assert_true(neg.rtcp_mux);
	assert_int_equal(neg.rtcp_port, 30010);
	tz_sdp_free(s);
}

static void test_sip_read_errors(void **state)
{
	struct tz_sdp *s;
	struct tz_sdp_neg neg;
	char err[256];

	s = parse_ok(SIP_HEAD "m=audio 30020 RTP/SAVP 0\r\n");
	assert_int_equal(tz_sdp_read_sip(s, NULL, &neg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "RTP/SAVP without a usable a=crypto (supported: "
			    "AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, "
			    "AES_256_CM_HMAC_SHA1_80, AES_256_CM_HMAC_SHA1_32, AEAD_AES_128_GCM, "
			    "AEAD_AES_256_GCM)");
	tz_sdp_free(s);

	s = parse_ok(SIP_HEAD "m=audio 0 RTP/AVP 0\r\n");
	assert_int_equal(tz_sdp_read_sip(s, NULL, &neg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "the SDP has no active RTP/AVP or RTP/SAVP audio section");
	tz_sdp_free(s);

	s = parse_ok(SIP_HEAD "m=audio 30010 RTP/AVP 18\r\n");
	assert_int_equal(tz_sdp_read_sip(s, NULL, &neg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "no common codec: the SIP peer's audio section has none of "
			    "the allowed codecs");
	tz_sdp_free(s);
}

static void test_sip_answer(void **state)
{
	struct tz_sdp *s = parse_ok(SIP_HEAD "m=audio 30010 RTP/AVP 8 0 96\r\n"
				    "a=rtpmap:96 telephone-event/8000\r\na=sendonly\r\n"), *ans;
	struct tz_sdp_neg neg;
	char err[256];

	assert_int_equal(tz_sdp_read_sip(s, NULL, &neg, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_answer_sip(&sip_local, &neg, &ans), 0);
	assert_sdp_text(ans,
		"v=0\r\n"
		"o=trapeze 42 1 IN IP4 198.51.100.5\r\n"
		"s=-\r\n"
		"c=IN IP4 198.51.100.5\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVP 8 0 96\r\n"
		"a=recvonly\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:96 telephone-event/8000\r\n"
		"a=fmtp:96 0-16\r\n"
		"a=ptime:20\r\n");
	tz_sdp_free(ans);
	tz_sdp_free(s);
}

static void test_pt_map(void **state)
{
	struct tz_sdp *web_offer = parse_ok(OFFER_HEAD OFFER_AUDIO("sendrecv")
					    "a=rtpmap:126 telephone-event/8000\r\n");
	struct tz_sdp *sip = parse_ok(SIP_HEAD "m=audio 30010 RTP/AVP 0 101\r\n"
				      "a=rtpmap:101 telephone-event/8000\r\n");
	struct tz_sdp *ans;
	struct tz_sdp_neg web, sipn;
	struct tz_sdp_pt_map map;
	const char *names[4];
	char err[256];

	/* PT 126 is not on the offer's m= line: no te on the web side */
	assert_int_equal(tz_sdp_read_sip(sip, NULL, &sipn, err, sizeof(err)), 0);
	tz_sdp_neg_names(&sipn, names, 4);
	assert_string_equal(names[0], "PCMU");
	assert_null(names[1]);
	struct tz_sdp_local l = local4;
	l.codecs = names;
	assert_int_equal(tz_sdp_answer_webrtc(web_offer, &l, &ans, &web, err, sizeof(err)), 0);
	assert_int_equal(tz_sdp_pt_map_build(&web, &sipn, &map), 0);
	assert_int_equal(map.n, 1);
	assert_int_equal(tz_sdp_pt_map_to_sip(&map, 0), 0);
	assert_int_equal(tz_sdp_pt_map_to_sip(&map, 111), -ENOENT);
	tz_sdp_free(ans);

	/* by hand: opus/telephone-event with different PTs on each leg */
	web = (struct tz_sdp_neg){ .n_codecs = 3, .codecs = {
		{ "opus", 48000, 2, 111 }, { "PCMU", 8000, 1, 0 },
		{ "telephone-event", 8000, 1, 126 } } };
	sipn = (struct tz_sdp_neg){ .n_codecs = 3, .codecs = {
		{ "PCMU", 8000, 1, 0 }, { "opus", 48000, 2, 107 },
		{ "telephone-event", 8000, 1, 101 } } };
	assert_int_equal(tz_sdp_pt_map_build(&web, &sipn, &map), 0);
	assert_int_equal(map.n, 3);
	assert_int_equal(tz_sdp_pt_map_to_sip(&map, 111), 107);
	assert_int_equal(tz_sdp_pt_map_to_web(&map, 107), 111);
	assert_int_equal(tz_sdp_pt_map_to_sip(&map, 126), 101);
	assert_int_equal(tz_sdp_pt_map_to_web(&map, 101), 126);
	assert_int_equal(tz_sdp_pt_map_to_web(&map, 8), -ENOENT);
	sipn = (struct tz_sdp_neg){ .n_codecs = 2, .codecs = {
		{ "PCMA", 8000, 1, 8 }, { "telephone-event", 8000, 1, 101 } } };
	assert_int_equal(tz_sdp_pt_map_build(&web, &sipn, &map), -ENOENT);
	tz_sdp_free(web_offer);
	tz_sdp_free(sip);
}

const struct CMUnitTest sdp_policy_tests[] = {
	cmocka_unit_test(test_answer_chromium156),
	cmocka_unit_test(test_answer_codec_choice_and_setup),
	cmocka_unit_test(test_answer_rejects_video_and_data),
	cmocka_unit_test(test_answer_ipv6),
	cmocka_unit_test(test_answer_mirrors_direction),
	cmocka_unit_test(test_answer_errors),
	cmocka_unit_test(test_offer_to_browser),
	cmocka_unit_test(test_sip_offer),
	cmocka_unit_test(test_sip_read),
	cmocka_unit_test(test_sip_read_errors),
	cmocka_unit_test(test_sip_answer),
	cmocka_unit_test(test_pt_map),
};
const size_t sdp_policy_n_tests = sizeof(sdp_policy_tests) / sizeof(sdp_policy_tests[0]);
