/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for the SDP library: any bytes go through tz_sdp_parse();
 * a parsed SDP is built and parsed again (that must succeed and give the
 * same text), then put through every policy with fixed local parameters
 * and their outputs built too (the video policy of tz_sdp_video.h as
 * well).  A policy may refuse; it may not crash.
 *
 * Real fuzzing, from the repository root:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *     -D_GNU_SOURCE -Ictrlplane/jsep tests/fuzz/sdp/fuzz_sdp.c ctrlplane/jsep/sdp_*.c \
 *     -o fuzz_sdp
 *   mkdir -p work && ./fuzz_sdp -max_len=4096 -max_total_time=180 work tests/fuzz/sdp/corpus
 * Anything it finds goes into corpus/ so the replay test keeps it fixed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tz_sdp.h"
#include "tz_sdp_video.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct tz_sdp_local local = {
	.ice_ufrag = "Tz4xK9pQ",
	.ice_pwd = "s3cr3tPasswordForIceLite",
	.addr = "203.0.113.10",
	.port = 40000,
	.ssrc = 287454020,
	.cname = "trapeze-cname",
	.sess_id = 1,
	.sess_version = 1,
};

static const struct tz_sdp_sip_local sip_local = {
	.addr = "2001:db8::5",
	.port = 30000,
	.sess_id = 2,
	.sess_version = 1,
};

/* SDES: an RTP/SAVP offer with two a=crypto lines (tags 1, 2) */
static const struct tz_sdp_crypto sdes_keys[2] = {
	{ .tag = 1, .suite = "AES_CM_128_HMAC_SHA1_80", .key_len = 30 },
	{ .tag = 2, .suite = "AES_CM_128_HMAC_SHA1_32", .key_len = 30 },
};

static const struct tz_sdp_sip_local sip_local_sdes = {
	.addr = "203.0.113.1",
	.port = 30002,
	.sess_id = 3,
	.sess_version = 1,
	.crypto = sdes_keys,
	.n_crypto = 2,
};

static void build_and_free(struct tz_sdp *sdp)
{
	char *text = tz_sdp_build(sdp, NULL);
	struct tz_sdp *again;
	char err[256];

	if (text == NULL || tz_sdp_parse(text, strlen(text), &again, err, sizeof(err)) != 0)
		abort();   /* what the policy builds must be valid SDP */
	tz_sdp_free(again);
	free(text);
	tz_sdp_free(sdp);
}

static void round_trip(const struct tz_sdp *sdp)
{
	size_t len;
	char *text = tz_sdp_build(sdp, &len), *text2;
	struct tz_sdp *again;
	char err[256];

	if (text == NULL)
		abort();   /* a parsed SDP always builds */
	if (len <= TZ_SDP_MAX_TEXT) {
		if (tz_sdp_parse(text, len, &again, err, sizeof(err)) != 0)
			abort();   /* and what it builds parses */
		text2 = tz_sdp_build(again, NULL);
		if (text2 == NULL || strcmp(text, text2) != 0)
			abort();   /* to the same thing */
		free(text2);
		tz_sdp_free(again);
	}
	free(text);
}

static const struct tz_sdp_video_local vlocal = {
	.sip_port = 30002, .ssrc = 305419896, .cname = "trapeze-cname", .fb_in_avp = true,
};

/* The input as the browser's offer (its video answered, offered to SIP),
 * and as the SIP side's answer to what it would get. */
static void video_policies(struct tz_sdp *sdp)
{
	struct tz_sdp_video_neg web, sip;
	struct tz_sdp_neg neg;
	struct tz_sdp *out;
	char err[256];
	uint32_t plid;
	uint8_t pm;

	for (unsigned i = 0; i < sdp->n_media; i++)
		for (unsigned j = 0; j < sdp->media[i].n_codecs; j++)
			tz_sdp_h264_params(sdp->media[i].codecs[j].fmtp, &plid, &pm);
	if (tz_sdp_answer_webrtc(sdp, &local, &out, &neg, err, sizeof(err)) != 0)
		return;
	if (tz_sdp_video_read_web(sdp, neg.mid, &vlocal, &web) == 0) {
		tz_sdp_video_read_sip(sdp, &web, &sip, err, sizeof(err));
		tz_sdp_video_answer_webrtc(out, sdp, &web, &sip, &vlocal);
		tz_sdp_video_answer_webrtc(out, sdp, &web, NULL, &vlocal);
		tz_sdp_video_reject_webrtc(out);        /* a SIP-WS phone's 200 */
	}
	build_and_free(out);
	if (tz_sdp_video_read_web(sdp, neg.mid, &vlocal, &web) == 0 &&
	    tz_sdp_offer_sip(&sip_local, sdp, &out, err, sizeof(err)) == 0) {
		if (tz_sdp_video_offer_sip(out, &web, &vlocal) != 0 ||
		    tz_sdp_video_add_crypto(out, sip_local_sdes.crypto, 1, NULL) != 0)
			abort();                        /* an SDES trunk's video */
		build_and_free(out);
	}
}

/* Incoming video: the input as a SIP caller's offer (its video offered to
 * the browser), and as the browser's answer to our audio + video offer
 * (its video read back). */
static void video_in_policies(const struct tz_sdp *sdp)
{
	static const uint8_t taken[] = { 111, 9, 0, 8, 101, 110 };
	static const struct tz_sdp_video_neg phone = {
		.on = true, .n_codecs = 2, .dir = TZ_SDP_SENDRECV,
		.codecs = {
			{ .name = "VP8", .pt = 111, .web_pt = 96, .fb = TZ_SDP_FB_PLI },
			{ .name = "H264", .pt = 96, .web_pt = 97, .packetization_mode = 1,
			  .profile_level_id = 0x42e01f,
			  .fmtp = "profile-level-id=42e01f;packetization-mode=1" },
		},
	};
	struct tz_sdp_video_neg v, w;
	struct tz_sdp *ours;
	char err[128];

	if (tz_sdp_video_read_sip_offer(sdp, NULL, taken, sizeof(taken), &v, err, sizeof(err)) == 0 &&
	    v.on && tz_sdp_offer_webrtc(&local, &ours) == 0) {
		int rc = tz_sdp_video_offer_webrtc(ours, &v, &vlocal);

		if (rc == -EINVAL)
			abort();                /* a video read from an offer is always offered */
		if (rc == 0)
			build_and_free(ours);
		else
			tz_sdp_free(ours);
	}
	if (tz_sdp_offer_webrtc(&local, &ours) == 0) {
		if (tz_sdp_video_offer_webrtc(ours, &phone, &vlocal) == 0 &&
		    tz_sdp_video_accept_webrtc(ours, sdp, &w) == 0 && w.on && w.n_codecs == 0)
			abort();
		tz_sdp_free(ours);
	}
}

static void policies(struct tz_sdp *sdp)
{
	struct tz_sdp *out, *ours;
	struct tz_sdp_neg neg, neg2;
	struct tz_sdp_pt_map map;
	char err[256];

	if (tz_sdp_answer_webrtc(sdp, &local, &out, &neg, err, sizeof(err)) == 0)
		build_and_free(out);
	if (tz_sdp_offer_sip(&sip_local, sdp, &out, err, sizeof(err)) == 0)
		build_and_free(out);
	if (tz_sdp_offer_sip(&sip_local_sdes, sdp, &out, err, sizeof(err)) == 0)
		build_and_free(out);
	if (tz_sdp_read_sip(sdp, NULL, &neg2, err, sizeof(err)) == 0) {
		if (tz_sdp_answer_sip(&sip_local, &neg2, &out) == 0) {
			/* a video call's SIP side: VP8 and H.264 constrained baseline */
			static const struct tz_sdp_video_neg v = {
				.on = true, .n_codecs = 2, .codecs = {
					{ .name = "VP8", .pt = 96, .web_pt = 96 },
					{ .name = "H264", .pt = 102, .web_pt = 108,
					  .profile_level_id = 0x42e01f, .packetization_mode = 1 },
				},
			};

			if (tz_sdp_video_answer_sip(out, sdp, sdp->n_media & 1 ? &v : NULL, 30002,
						    TZ_SDP_DIR_NONE) != 0)
				abort();
			build_and_free(out);
		}
		tz_sdp_pt_map_build(&neg, &neg2, &map);
	}
	if (tz_sdp_offer_webrtc(&local, &ours) == 0) {
		tz_sdp_accept_webrtc(ours, sdp, &neg, err, sizeof(err));
		tz_sdp_free(ours);
	}
	video_policies(sdp);
	video_in_policies(sdp);
	if (sdp->n_media > 0)
		tz_sdp_add_candidate(sdp, 0, "candidate:1 1 udp 1 198.51.100.1 5000 typ host",
				     err, sizeof(err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz_sdp *sdp;
	char err[256];

	if (tz_sdp_parse((const char *)data, size, &sdp, err, sizeof(err)) != 0)
		return 0;
	round_trip(sdp);
	policies(sdp);
	tz_sdp_free(sdp);
	return 0;
}
