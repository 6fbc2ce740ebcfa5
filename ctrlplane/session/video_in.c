/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Video of an incoming SIP call (docs/video.md): the SIP caller's audio +
 * video offer becomes an audio + video BUNDLE offer to the browser; the
 * browser's answer decides what the caller is answered with (its video,
 * or the video line at port 0, the call going on as audio).  From there
 * the call is what an outbound video call is (video.c): the same flows,
 * feedback translation and re-INVITE handling.
 *
 * Which calls: like `video` on outbound calls, a trunk the INVITE comes
 * from (video_trunk) must list the codec in `video` and carry plain RTP;
 * the callee must be a trapeze-jsep.v1 client.  Anything else is answered
 * audio only, as before.
 */
#include <string.h>

#include "calls_pvt.h"
#include "tz_log.h"

/* The trunk whose `video` lets the caller's video in: the call's trunk, or
 * another trunk of the call's tenant at the caller's address (one PBX
 * configured as several trunks: the first decides the tenant, any with
 * `video` brings video in).  Plain RTP trunks only, like outbound. */
static const struct tz_cfg_trunk *video_trunk(const struct call *c)
{
	const struct tz_cfg_trunk *t = c->sip.trunk;
	const struct tz_sip_source *src = tz_sip_leg_source(c->sip.leg);

	if (!c->inbound || c->kind != TZ_WEB_JSEP || c->sip.offer == NULL || t == NULL)
		return NULL;
	if (t->video == NULL || t->video[0] == NULL) {
		t = NULL;
		for (size_t i = 0; src != NULL && i < src->n_video && t == NULL; i++)
			if (src->video[i]->tenant == c->tenant)
				t = src->video[i];
	}
	return t != NULL && t->srtp == TZ_TRUNK_RTP ? t : NULL;
}

static void local_in(const struct call *c, const struct tz_cfg_trunk *t,
		     struct tz_sdp_video_local *l)
{
	*l = (struct tz_sdp_video_local){
		.codecs = (const char *const *)t->video, .ssrc = c->video.ssrc, .cname = "trapeze",
	};
}

void tz_video_in_offer(struct call *c, struct tz_sdp *offer)
{
	const struct tz_cfg_trunk *t = video_trunk(c);
	struct tz_sdp_video_local l;
	struct tz_sdp_video_neg v;
	uint8_t taken[TZ_SDP_MAX_CODECS];
	unsigned n = 0;
	char err[128];

	c->video.in_offered = false;
	if (t == NULL || offer->n_media != 1)
		return;
	for (unsigned i = 0; i < offer->media[0].n_codecs && n < G_N_ELEMENTS(taken); i++)
		taken[n++] = (uint8_t)offer->media[0].codecs[i].pt;
	c->video.ssrc = g_random_int() | 1;
	if (c->video.ssrc == c->web.ssrc)
		c->video.ssrc ^= 2;
	local_in(c, t, &l);
	if (tz_sdp_video_read_sip_offer(c->sip.offer, l.codecs, taken, n, &v, err, sizeof(err)) != 0) {
		TZ_LOG(CP_SESSION, NOTICE, "incoming call %u: video not offered to the browser: %s",
		       c->id, err);
		return;
	}
	if (!v.on)
		return;
	if (tz_sdp_video_offer_webrtc(offer, &v, &l) != 0) {
		TZ_LOG(CP_SESSION, WARNING, "incoming call %u: cannot add the video to the offer",
		       c->id);
		return;
	}
	c->video.in_offered = true;
	tz_calls_ctr[TZ_CC_VIDEO_IN_OFFERED]++;
	TZ_LOG(CP_SESSION, INFO, "incoming call %u: video %s/%u offered to the browser", c->id,
	       v.codecs[0].name, v.codecs[0].web_pt);
}

/*
 * The browser answered: its video (accepted codecs, its SSRC) and the SIP
 * side's (the caller's offer read against it: the caller's PTs paired with
 * the browser's) make the call a video call, answered towards the caller by
 * tz_sip_side_answer() (tz_sdp_video_answer_sip with c->video.sip).  No
 * core port pair: the caller's video is rejected, the browser's dropped.
 */
void tz_video_in_accept(struct call *c)
{
	struct tz_sdp_video_neg w;

	if (!c->video.in_offered)
		return;
	c->video.in_offered = false;
	if (tz_sdp_video_accept_webrtc(c->web.our_offer, c->web.offer, &w) != 0 || !w.on) {
		tz_calls_ctr[TZ_CC_VIDEO_IN_DECLINED]++;
		TZ_LOG(CP_SESSION, INFO, "call %u: the browser declined the video: audio only", c->id);
		return;
	}
	c->video.web = w;
	c->video.on = true;
	if (tz_video_hold_ports(c) != 0) {
		TZ_LOG(CP_SESSION, NOTICE, "call %u: no free core port pair for video", c->id);
		return;
	}
	tz_video_read_peer(c, c->sip.offer);
	if (!c->video.sip.on) {
		TZ_LOG(CP_SESSION, NOTICE, "call %u: the caller's video does not match the "
		       "browser's answer: audio only", c->id);
		return;
	}
	tz_calls_ctr[TZ_CC_VIDEO_IN_ACCEPTED]++;
	TZ_LOG(CP_SESSION, INFO, "call %u: video %s/%u accepted by the browser", c->id,
	       c->video.web.codecs[0].name, c->video.web.codecs[0].pt);
}
