/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Video of an incoming SIP call (tz_sdp_video.h): the SIP caller's video
 * section read, offered to the browser inside our BUNDLE group on the
 * audio's transport, and the browser's answer to it read back.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "sdp_pvt.h"
#include "tz_sdp_video.h"

#define VIDEO_MID "1"           /* the audio is "0" (sdp_offer.c) */
#define DYN_FIRST 96            /* RFC 3551 §3: dynamic payload types */
#define DYN_LAST 127

static const char *const default_video[] = { "VP8", "H264", NULL };

static bool proto_sip(const char *proto)
{
	return strcmp(proto, "RTP/AVP") == 0 || strcmp(proto, "RTP/AVPF") == 0;
}

static bool allowed(const char *name, const char *const *allow)
{
	for (const char *const *a = allow; *a != NULL; a++)
		if (strcasecmp(*a, name) == 0)
			return true;
	return false;
}

/* A payload type for the browser's BUNDLE group: the SIP side's own when it
 * is dynamic and free (no PT rewrite then), else the lowest free one.  PTs
 * must be unique across a BUNDLE group's sections (RFC 8843 §9.1): the
 * audio's and the codecs taken before.  -1 when none is left. */
static int web_pt(unsigned pt, const uint8_t *taken, unsigned n_taken,
		  const struct tz_sdp_video_neg *v)
{
	bool used[DYN_LAST + 1] = { false };

	for (unsigned i = 0; i < n_taken; i++)
		if (taken[i] <= DYN_LAST)
			used[taken[i]] = true;
	for (unsigned i = 0; i < v->n_codecs; i++)
		used[v->codecs[i].web_pt] = true;
	if (pt >= DYN_FIRST && pt <= DYN_LAST && !used[pt])
		return (int)pt;
	for (unsigned p = DYN_FIRST; p <= DYN_LAST; p++)
		if (!used[p])
			return (int)p;
	return -1;
}

int tz_sdp_video_read_sip_offer(const struct tz_sdp *offer, const char *const *allow,
				const uint8_t *taken, unsigned n_taken,
				struct tz_sdp_video_neg *v, char *err, size_t errlen)
{
	bool audio = false;

	memset(v, 0, sizeof(*v));
	if (allow == NULL)
		allow = default_video;
	for (unsigned i = 0; i < offer->n_media; i++) {
		const struct tz_sdp_media *m = &offer->media[i];
		const struct tz_sdp_conn *c;

		audio |= m->type == TZ_SDP_MEDIA_AUDIO;
		if (m->type != TZ_SDP_MEDIA_VIDEO || !m->rtp || !proto_sip(m->proto))
			continue;
		if (!audio || m->port == 0)
			return 0;       /* video first (answered rejected anyway) or refused */
		c = tz_sdp_conn(offer, m);
		if (c == NULL) {
			sdp_errf(err, errlen, "the video section has no c= line");
			return -EINVAL;
		}
		for (unsigned j = 0; j < m->n_codecs && v->n_codecs < TZ_SDP_VIDEO_MAX_CODECS; j++) {
			const char *name = sdp_video_name(&m->codecs[j]);
			struct tz_sdp_vcodec *x = &v->codecs[v->n_codecs];
			int wpt;

			if (name == NULL || !allowed(name, allow))
				continue;
			wpt = web_pt(m->codecs[j].pt, taken, n_taken, v);
			if (wpt < 0)
				break;
			sdp_vcodec_from(m, &m->codecs[j], name, x);
			x->web_pt = (uint8_t)wpt;
			v->n_codecs++;
		}
		if (v->n_codecs == 0)
			return 0;
		v->media = i;
		sdp_video_far_end(v, offer, m, c);
		return 0;
	}
	return 0;
}

int tz_sdp_video_offer_webrtc(struct tz_sdp *offer, const struct tz_sdp_video_neg *sip,
			      const struct tz_sdp_video_local *l)
{
	const struct tz_sdp_media *au;
	struct tz_sdp_media *m;
	int rc;

	if (!sip->on || sip->n_codecs == 0 || offer->n_media != 1 ||
	    offer->media[0].type != TZ_SDP_MEDIA_AUDIO)
		return -EINVAL;
	rc = sdp_bundle_add(offer, VIDEO_MID);
	if (rc != 0)
		return rc;
	m = sdp_media_new(offer, TZ_SDP_MEDIA_VIDEO, offer->media[0].port, offer->media[0].proto);
	if (m == NULL)
		return -ENOMEM;
	au = &offer->media[0];          /* after sdp_media_new: the array may have moved */
	m->mid = VIDEO_MID;
	m->rtcp_mux = true;
	m->rtcp_rsize = au->rtcp_rsize;
	m->cands = au->cands;
	m->n_cands = au->n_cands;
	m->end_of_candidates = au->end_of_candidates;
	m->common.conn = au->common.conn;
	m->common.ice_ufrag = au->common.ice_ufrag;
	m->common.ice_pwd = au->common.ice_pwd;
	memcpy(m->common.fp, au->common.fp, sizeof(m->common.fp));
	m->common.n_fp = au->common.n_fp;
	m->common.setup = au->common.setup;
	m->extmaps = au->extmaps;       /* the MID extension's id: one per BUNDLE group */
	m->n_extmaps = au->n_extmaps;
	/* we send the browser what the SIP caller sends us */
	m->common.dir = tz_sdp_dir_mirror(sip->dir);
	for (unsigned i = 0; i < sip->n_codecs; i++) {
		struct tz_sdp_vcodec c = sip->codecs[i];

		c.pt = c.web_pt;
		/* all three: what the SIP side lacks is translated (docs/video.md) */
		c.fb = TZ_SDP_FB_NACK | TZ_SDP_FB_PLI | TZ_SDP_FB_FIR;
		rc = sdp_vcodec_add(offer, m, &c, true);
		if (rc != 0)
			return rc;
	}
	if (m->common.dir == TZ_SDP_SENDRECV || m->common.dir == TZ_SDP_SENDONLY)
		return sdp_video_ssrc_add(offer, m, l);
	return 0;
}

static const struct tz_sdp_codec *offered(const struct tz_sdp_media *om, const char *name,
					  unsigned pt)
{
	const struct tz_sdp_codec *c = tz_sdp_codec_find(om, pt);

	return c != NULL && sdp_video_name(c) != NULL && strcmp(sdp_video_name(c), name) == 0
		       ? c : NULL;
}

int tz_sdp_video_accept_webrtc(const struct tz_sdp *offer, const struct tz_sdp *answer,
			       struct tz_sdp_video_neg *v)
{
	const struct tz_sdp_media *om = NULL, *m;
	unsigned idx;

	memset(v, 0, sizeof(*v));
	for (idx = 0; idx < offer->n_media && om == NULL; idx++)
		if (offer->media[idx].type == TZ_SDP_MEDIA_VIDEO)
			om = &offer->media[idx];
	if (om == NULL || idx - 1 >= answer->n_media || offer->n_media == 0)
		return 0;
	idx--;
	m = &answer->media[idx];
	if (m->type != TZ_SDP_MEDIA_VIDEO || !m->rtp || m->port == 0 || m->mid == NULL ||
	    om->mid == NULL || strcmp(m->mid, om->mid) != 0 ||
	    !sdp_bundled(answer, offer->media[0].mid, m->mid) ||
	    tz_sdp_direction(answer, m) == TZ_SDP_INACTIVE)
		return 0;       /* declined (port 0; inactive: what Chromium answers for a
				   stopped transceiver), or not on the audio's transport */
	for (unsigned j = 0; j < m->n_codecs && v->n_codecs < TZ_SDP_VIDEO_MAX_CODECS; j++) {
		const char *name = sdp_video_name(&m->codecs[j]);

		/* RFC 3264 §6.1: the answer's PTs are the offer's; others ignored */
		if (name == NULL || offered(om, name, m->codecs[j].pt) == NULL)
			continue;
		sdp_vcodec_from(m, &m->codecs[j], name, &v->codecs[v->n_codecs++]);
	}
	if (v->n_codecs == 0)
		return 0;
	v->on = true;
	v->media = idx;
	v->mid = m->mid;
	v->dir = tz_sdp_dir_mirror(tz_sdp_direction(answer, m));
	v->fb = v->codecs[0].fb;
	v->ssrc = sdp_video_media_ssrc(m);
	return 0;
}
