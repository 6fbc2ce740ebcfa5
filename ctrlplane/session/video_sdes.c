/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Video on an SDES-SRTP trunk (`srtp: sdes` and `video`, docs/video.md):
 * the SIP side's video section is RTP/SAVP(F) with a=crypto keys of its
 * own (RFC 4568 §6: a key per media stream; fresh random keys per suite of
 * the trunk, as sdes.c does for the audio), the peer's video key picked
 * and followed like the audio's (re-offers, new keys), and the video
 * flows re-keyed in the dataplane (TZ_XF_REKEY) both ways: the browser's
 * DTLS-SRTP video <-> the SIP side's SDES-SRTP video.  The audio's SDES
 * negotiation stays as it was (sdes.c); a video section the trunk
 * answers without a usable key is treated as declined (the audio goes on).
 */
#include <errno.h>
#include <string.h>

#include "calls_pvt.h"
#include "tz_log.h"

bool tz_video_sdes_on(const struct call *c)
{
	return c->video.on && tz_sdes_trunk(c->sip.trunk);
}

int tz_video_sdes_offer(struct call *c, struct tz_sdp *offer)
{
	struct call_sdes *s = &c->video.sdes;
	int rc;

	if (!tz_video_sdes_on(c))
		return 0;
	rc = tz_sdes_start_of(c, s);            /* once per call: re-offers keep the keys */
	if (rc != 0)
		return rc;
	rc = s->chosen >= 0 ? tz_sdp_video_add_crypto(offer, &s->ours[s->chosen], 1, NULL)
			    : tz_sdp_video_add_crypto(offer, s->ours, s->n_ours, NULL);
	if (rc == -ENOENT)
		return 0;                       /* no video section (no port pair) */
	if (rc == 0)
		s->offer_pending = true;
	return rc;
}

int tz_video_sdes_read(struct call *c, const struct tz_sdp *sdp, unsigned media)
{
	struct call_sdes *s = &c->video.sdes;
	struct tz_sdes_pick pick = { .idx = -1 };
	char err[200];

	if (!tz_video_sdes_on(c))
		return 0;
	if (!s->on || media >= sdp->n_media ||
	    tz_sdes_pick_of(c, s, &sdp->media[media], s->offer_pending, &pick, err,
			    sizeof(err)) != 0) {
		if (!s->on)
			snprintf(err, sizeof(err), "no video keys of ours");
		tz_calls_ctr[TZ_CC_SDES_REFUSED]++;
		TZ_LOG(CP_SESSION, NOTICE, "call %u: the SIP side's video is unusable (SDES-SRTP): "
		       "%s; audio only", c->id, err);
		return -EINVAL;
	}
	tz_sdes_commit_of(c, s, &pick);
	return 0;
}

int tz_video_sdes_answer(struct call *c, const struct tz_sdp *offer, struct tz_sdp *answer)
{
	struct call_sdes *s = &c->video.sdes;
	struct tz_sdes_pick pick = { .idx = -1 };
	char err[200];
	int rc;

	if (!tz_video_sdes_on(c) || !s->on)
		return 0;
	for (unsigned i = 0; i < offer->n_media; i++) {
		if (offer->media[i].type != TZ_SDP_MEDIA_VIDEO || offer->media[i].port == 0)
			continue;
		if (tz_sdes_pick_of(c, s, &offer->media[i], false, &pick, err, sizeof(err)) != 0)
			return -EINVAL;
		rc = tz_sdp_video_add_crypto(answer, &s->ours[pick.idx], 1, pick.line);
		if (rc == 0)
			tz_sdes_commit_of(c, s, &pick);
		return rc == -ENOENT ? 0 : rc;  /* our answer rejected it: no key */
	}
	return 0;
}

int tz_video_sdes_flows(struct call *c, struct tz_dp_flow *from_web, struct tz_dp_flow *to_web)
{
	struct call_sdes *s = &c->video.sdes;
	int rc;

	if (!tz_video_sdes_on(c))
		return 0;
	rc = tz_sdes_contexts_of(s);
	if (rc != 0)
		return rc;
	/* the browser's video: DTLS-SRTP in (from the audio's template), the
	 * video's SDES key out */
	from_web->xform = TZ_XF_REKEY;
	from_web->srtp_out = from_web->srtcp_out = s->ctx_out;
	from_web->key_gen[1] = s->gen_out;
	/* the SIP side's video: its SDES key in, the browser's DTLS-SRTP out */
	to_web->xform = TZ_XF_REKEY;
	to_web->srtp_out = to_web->srtcp_out = to_web->srtp;
	to_web->srtp = to_web->srtcp = s->ctx_in;
	to_web->key_gen[0] = s->gen_in;
	return 0;
}

void tz_video_sdes_published(struct call *c)
{
	tz_sdes_published_of(&c->video.sdes);
}

void tz_video_sdes_free(struct call *c)
{
	tz_sdes_free_of(&c->video.sdes);
}
