/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Video sections on both legs (tz_sdp_video.h): the browser's BUNDLEd
 * video read, offered to the SIP side on its own port pair, the SIP
 * answer matched, and the browser answered inside the BUNDLE group.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sdp_pvt.h"
#include "tz_sdp_video.h"

#define VIDEO_CLOCK 90000
#define DEFAULT_STREAM "trapeze"
#define VIDEO_TRACK "trapeze-video"
#define H264_DEFAULT_PLID 0x420010u     /* RFC 6184 §8.1: baseline, level 1 */

static const char *const default_video[] = { "VP8", "H264", NULL };

/* The feedback values we carry, in the order they are written. */
static const struct {
	const char *value;
	uint8_t bit;
} fb_values[] = {
	{ "nack", TZ_SDP_FB_NACK },
	{ "nack pli", TZ_SDP_FB_PLI },
	{ "ccm fir", TZ_SDP_FB_FIR },
};

static const char *video_name(const struct tz_sdp_codec *c)
{
	if (c->name == NULL || c->clock != VIDEO_CLOCK)
		return NULL;
	if (strcasecmp(c->name, "VP8") == 0)
		return "VP8";
	if (strcasecmp(c->name, "H264") == 0)
		return "H264";
	return NULL;
}

/* The value of @p key in a "k=v;k=v" fmtp, copied into @p out. */
static bool fmtp_value(const char *fmtp, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);

	for (const char *p = fmtp; p != NULL && *p != '\0';) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncasecmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, "; ");

			if (n >= outlen)
				return false;
			memcpy(out, p + klen + 1, n);
			out[n] = '\0';
			return true;
		}
		p = strchr(p, ';');
	}
	return false;
}

void tz_sdp_h264_params(const char *fmtp, uint32_t *plid, uint8_t *pmode)
{
	char v[16];
	char *end;

	*plid = H264_DEFAULT_PLID;
	*pmode = 0;
	if (fmtp_value(fmtp, "profile-level-id", v, sizeof(v)) && strlen(v) == 6) {
		unsigned long x = strtoul(v, &end, 16);

		if (*end == '\0')
			*plid = (uint32_t)x;
	}
	if (fmtp_value(fmtp, "packetization-mode", v, sizeof(v)) && (v[0] == '0' || v[0] == '1' ||
								      v[0] == '2') && v[1] == '\0')
		*pmode = (uint8_t)(v[0] - '0');
}

static uint8_t fb_of(const struct tz_sdp_media *m, unsigned pt)
{
	uint8_t fb = 0;

	for (unsigned i = 0; i < m->n_rtcp_fb; i++) {
		if (m->rtcp_fb[i].pt >= 0 && (unsigned)m->rtcp_fb[i].pt != pt)
			continue;
		for (size_t j = 0; j < ARRAY_SIZE(fb_values); j++)
			if (strcasecmp(m->rtcp_fb[i].value, fb_values[j].value) == 0)
				fb |= fb_values[j].bit;
	}
	return fb;
}

static void vcodec_from(const struct tz_sdp_media *m, const struct tz_sdp_codec *c,
			const char *name, struct tz_sdp_vcodec *v)
{
	*v = (struct tz_sdp_vcodec){
		.name = name, .pt = c->pt, .web_pt = c->pt, .fb = fb_of(m, c->pt), .fmtp = c->fmtp,
	};
	if (strcmp(name, "H264") == 0)
		tz_sdp_h264_params(c->fmtp, &v->profile_level_id, &v->packetization_mode);
}

static bool in_group(const struct tz_sdp *sdp, const char *a, const char *b)
{
	for (unsigned i = 0; a != NULL && b != NULL && i < sdp->n_groups; i++) {
		const struct tz_sdp_group *g = &sdp->groups[i];
		bool ha = false, hb = false;

		if (strcmp(g->semantics, "BUNDLE") != 0)
			continue;
		for (unsigned j = 0; j < g->n_mids; j++) {
			ha |= strcmp(g->mids[j], a) == 0;
			hb |= strcmp(g->mids[j], b) == 0;
		}
		if (ha && hb)
			return true;
	}
	return false;
}

/* The media SSRC the browser announced: the first of an FID group (the
 * second is its RTX stream, RFC 4588), else the first a=ssrc. */
static uint32_t media_ssrc(const struct tz_sdp_media *m)
{
	for (unsigned i = 0; i < m->n_ssrc_groups; i++)
		if (strcmp(m->ssrc_groups[i].semantics, "FID") == 0 && m->ssrc_groups[i].n > 0)
			return m->ssrc_groups[i].ssrc[0];
	return m->n_ssrcs > 0 ? m->ssrcs[0].id : 0;
}

int tz_sdp_video_read_web(const struct tz_sdp *offer, const char *audio_mid,
			  const struct tz_sdp_video_local *l, struct tz_sdp_video_neg *v)
{
	const char *const *allow = l->codecs != NULL ? l->codecs : default_video;

	memset(v, 0, sizeof(*v));
	for (unsigned i = 0; i < offer->n_media; i++) {
		const struct tz_sdp_media *m = &offer->media[i];

		if (m->type != TZ_SDP_MEDIA_VIDEO || !m->rtp || !in_group(offer, audio_mid, m->mid))
			continue;
		for (const char *const *want = allow; *want != NULL; want++)
			for (unsigned j = 0; j < m->n_codecs; j++) {
				const char *name = video_name(&m->codecs[j]);

				if (name == NULL || strcasecmp(name, *want) != 0 ||
				    v->n_codecs == TZ_SDP_VIDEO_MAX_CODECS)
					continue;
				vcodec_from(m, &m->codecs[j], name, &v->codecs[v->n_codecs++]);
			}
		if (v->n_codecs == 0)
			return -ENOENT;
		v->on = true;
		v->media = i;
		v->mid = m->mid;
		v->dir = tz_sdp_dir_mirror(tz_sdp_direction(offer, m));
		v->fb = v->codecs[0].fb;
		v->ssrc = media_ssrc(m);
		return 0;
	}
	return -ENOENT;
}

static int add_fb(struct tz_sdp *sdp, struct tz_sdp_media *m, unsigned pt, uint8_t fb)
{
	for (size_t j = 0; j < ARRAY_SIZE(fb_values); j++) {
		struct tz_sdp_rtcp_fb *f;

		if (!(fb & fb_values[j].bit))
			continue;
		f = TZ_SDP_PUSH(sdp, m->rtcp_fb, m->n_rtcp_fb, TZ_SDP_MAX_LIST);
		if (f == NULL)
			return -ENOMEM;
		f->pt = (int)pt;
		f->value = fb_values[j].value;
	}
	return 0;
}

static int add_vcodec(struct tz_sdp *sdp, struct tz_sdp_media *m, const struct tz_sdp_vcodec *c,
		      const char *fmtp, bool with_fb)
{
	struct tz_sdp_pt pt = { .name = c->name, .clock = VIDEO_CLOCK, .pt = c->pt };
	int rc = sdp_media_codec_add(sdp, m, &pt, fmtp);

	return rc == 0 && with_fb ? add_fb(sdp, m, c->pt, c->fb) : rc;
}

int tz_sdp_video_offer_sip(struct tz_sdp *offer, const struct tz_sdp_video_neg *web,
			   const struct tz_sdp_video_local *l)
{
	enum tz_sdp_dir dir = TZ_SDP_SENDRECV;
	struct tz_sdp_media *m;
	int rc = 0;

	if (!web->on || web->n_codecs == 0)
		return -EINVAL;
	for (unsigned i = 0; i < offer->n_media; i++)
		if (offer->media[i].type == TZ_SDP_MEDIA_AUDIO && offer->media[i].common.dir != 0)
			dir = offer->media[i].common.dir;       /* hold covers the video too */
	m = sdp_media_new(offer, TZ_SDP_MEDIA_VIDEO, l->sip_port, l->avpf ? "RTP/AVPF" : "RTP/AVP");
	if (m == NULL)
		return -ENOMEM;
	m->common.dir = dir;
	for (unsigned i = 0; rc == 0 && i < web->n_codecs; i++)
		rc = add_vcodec(offer, m, &web->codecs[i], web->codecs[i].fmtp,
				l->avpf || l->fb_in_avp);
	return rc;
}

static bool proto_sip(const char *proto)
{
	return strcmp(proto, "RTP/AVP") == 0 || strcmp(proto, "RTP/AVPF") == 0 ||
	       strcmp(proto, "RTP/SAVP") == 0 || strcmp(proto, "RTP/SAVPF") == 0;
}

/* The offered codec @p c answers, or NULL (RFC 6184 §8.2.2: an H.264
 * answer keeps the profile and packetization-mode; the level may be
 * lower). */
static const struct tz_sdp_vcodec *offered_match(const struct tz_sdp_video_neg *o,
						 const struct tz_sdp_vcodec *c)
{
	for (unsigned i = 0; i < o->n_codecs; i++) {
		const struct tz_sdp_vcodec *x = &o->codecs[i];

		if (strcmp(x->name, c->name) != 0)
			continue;
		if (strcmp(c->name, "H264") == 0 &&
		    ((x->profile_level_id >> 8) != (c->profile_level_id >> 8) ||
		     x->packetization_mode != c->packetization_mode))
			continue;
		if (x->pt == c->pt)
			return x;       /* the same PT first (RFC 3264 §6.1) */
	}
	for (unsigned i = 0; i < o->n_codecs; i++) {
		const struct tz_sdp_vcodec *x = &o->codecs[i];

		if (strcmp(x->name, c->name) == 0 &&
		    (strcmp(c->name, "H264") != 0 ||
		     ((x->profile_level_id >> 8) == (c->profile_level_id >> 8) &&
		      x->packetization_mode == c->packetization_mode)))
			return x;
	}
	return NULL;
}

static void read_sip_codecs(const struct tz_sdp_media *m, const struct tz_sdp_video_neg *offered,
			    struct tz_sdp_video_neg *v)
{
	for (unsigned i = 0; i < m->n_codecs && v->n_codecs < TZ_SDP_VIDEO_MAX_CODECS; i++) {
		const char *name = video_name(&m->codecs[i]);
		struct tz_sdp_vcodec c;
		const struct tz_sdp_vcodec *x;

		if (name == NULL)
			continue;
		vcodec_from(m, &m->codecs[i], name, &c);
		x = offered_match(offered, &c);
		if (x == NULL)
			continue;
		c.web_pt = x->web_pt;
		v->codecs[v->n_codecs++] = c;
	}
}

int tz_sdp_video_read_sip(const struct tz_sdp *answer, const struct tz_sdp_video_neg *offered,
			  struct tz_sdp_video_neg *v, char *err, size_t errlen)
{
	memset(v, 0, sizeof(*v));
	for (unsigned i = 0; i < answer->n_media; i++) {
		const struct tz_sdp_media *m = &answer->media[i];
		const struct tz_sdp_conn *c;

		if (m->type != TZ_SDP_MEDIA_VIDEO || !m->rtp || !proto_sip(m->proto))
			continue;
		v->media = i;
		if (m->port == 0)
			return 0;               /* rejected (RFC 3264 §6) */
		c = tz_sdp_conn(answer, m);
		if (c == NULL) {
			sdp_errf(err, errlen, "the video section has no c= line");
			return -EINVAL;
		}
		read_sip_codecs(m, offered, v);
		if (v->n_codecs == 0)
			return 0;               /* nothing we offered: treated as rejected */
		sdp_video_far_end(v, answer, m, c);
		return 0;
	}
	return 0;
}

void tz_sdp_video_restrict(struct tz_sdp_video_neg *web, const struct tz_sdp_video_neg *sip)
{
	struct tz_sdp_vcodec keep[TZ_SDP_VIDEO_MAX_CODECS];
	unsigned n = 0;

	if (sip == NULL)
		return;
	for (unsigned i = 0; sip->on && i < sip->n_codecs; i++)
		for (unsigned j = 0; j < web->n_codecs; j++)
			if (web->codecs[j].pt == sip->codecs[i].web_pt) {
				bool dup = false;

				for (unsigned k = 0; k < n; k++)
					dup |= keep[k].pt == web->codecs[j].pt;
				if (!dup)
					keep[n++] = web->codecs[j];
				break;
			}
	memcpy(web->codecs, keep, n * sizeof(keep[0]));
	web->n_codecs = n;
	web->on = n > 0;
	if (n > 0)
		web->fb = web->codecs[0].fb;
}

static bool can_send(enum tz_sdp_dir d)
{
	return d == TZ_SDP_SENDRECV || d == TZ_SDP_SENDONLY;
}

static bool can_recv(enum tz_sdp_dir d)
{
	return d == TZ_SDP_SENDRECV || d == TZ_SDP_RECVONLY;
}

/* Our direction towards the browser: what it allows, and only what the SIP
 * side does too (we send to the browser what the SIP side sends us). */
static enum tz_sdp_dir web_dir(enum tz_sdp_dir web, const struct tz_sdp_video_neg *sip)
{
	bool send = can_send(web), recv = can_recv(web);

	if (sip != NULL) {
		send = send && can_recv(sip->dir);
		recv = recv && can_send(sip->dir);
	}
	return send && recv ? TZ_SDP_SENDRECV : send ? TZ_SDP_SENDONLY
				       : recv ? TZ_SDP_RECVONLY : TZ_SDP_INACTIVE;
}

/* The browser's fmtp for an H.264 PT with the SIP side's level: the level
 * the browser may send at is the one the SIP receiver answered. */
static const char *h264_fmtp(struct tz_sdp *a, const struct tz_sdp_vcodec *w,
			     const struct tz_sdp_video_neg *sip)
{
	char buf[256], plid[8];
	const char *at;

	for (unsigned i = 0; sip != NULL && w->fmtp != NULL && i < sip->n_codecs; i++) {
		if (sip->codecs[i].web_pt != w->pt || strcmp(w->name, "H264") != 0 ||
		    sip->codecs[i].profile_level_id == w->profile_level_id)
			continue;
		at = strstr(w->fmtp, "profile-level-id=");
		if (at == NULL || strlen(w->fmtp) >= sizeof(buf))
			break;
		snprintf(plid, sizeof(plid), "%06x", sip->codecs[i].profile_level_id & 0xffffffu);
		snprintf(buf, sizeof(buf), "%.*sprofile-level-id=%s%s", (int)(at - w->fmtp), w->fmtp,
			 plid, at + strlen("profile-level-id=") + 6);
		return tz_sdp_strdup(a, buf);
	}
	return w->fmtp;
}

static int add_ssrc(struct tz_sdp *a, struct tz_sdp_media *m, const struct tz_sdp_video_local *l)
{
	const char *stream = l->msid_stream != NULL ? l->msid_stream : DEFAULT_STREAM;
	struct tz_sdp_ssrc *s;
	const char **msid;
	char buf[256];

	snprintf(buf, sizeof(buf), "%s %s", stream, VIDEO_TRACK);
	msid = TZ_SDP_PUSH(a, m->msids, m->n_msids, 1);
	if (msid == NULL || (*msid = tz_sdp_strdup(a, buf)) == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < 2; i++) {
		s = TZ_SDP_PUSH(a, m->ssrcs, m->n_ssrcs, 2);
		if (s == NULL)
			return -ENOMEM;
		s->id = l->ssrc;
		s->attr = i == 0 ? "cname" : "msid";
		s->value = i == 0 ? tz_sdp_strdup(a, l->cname != NULL ? l->cname : "trapeze")
				  : *msid;
		if (s->value == NULL)
			return -ENOMEM;
	}
	return 0;
}

/* The helpers here, for the inbound video of sdp_video_in.c. */
static int bundle_add(struct tz_sdp *a, const char *mid);

int sdp_bundle_add(struct tz_sdp *sdp, const char *mid)
{
	return bundle_add(sdp, mid);
}

void sdp_video_far_end(struct tz_sdp_video_neg *v, const struct tz_sdp *sdp,
		       const struct tz_sdp_media *m, const struct tz_sdp_conn *c)
{
	v->on = true;
	v->mid = m->mid;
	v->dir = tz_sdp_dir_mirror(tz_sdp_direction(sdp, m));
	v->fb = v->codecs[0].fb;
	v->addr = c->addr;
	v->family = c->family;
	v->port = m->port;
	v->rtcp_port = m->rtcp_mux ? m->port : m->rtcp.present ? m->rtcp.port
							    : (uint16_t)(m->port + 1);
	v->avpf = strstr(m->proto, "AVPF") != NULL;
}

const char *sdp_video_name(const struct tz_sdp_codec *c)
{
	return video_name(c);
}

void sdp_vcodec_from(const struct tz_sdp_media *m, const struct tz_sdp_codec *c,
		     const char *name, struct tz_sdp_vcodec *v)
{
	vcodec_from(m, c, name, v);
}

int sdp_vcodec_add(struct tz_sdp *sdp, struct tz_sdp_media *m, const struct tz_sdp_vcodec *c,
		   bool with_fb)
{
	return add_vcodec(sdp, m, c, c->fmtp, with_fb);
}

int sdp_video_ssrc_add(struct tz_sdp *a, struct tz_sdp_media *m, const struct tz_sdp_video_local *l)
{
	return add_ssrc(a, m, l);
}

bool sdp_bundled(const struct tz_sdp *sdp, const char *a, const char *b)
{
	return in_group(sdp, a, b);
}

uint32_t sdp_video_media_ssrc(const struct tz_sdp_media *m)
{
	return media_ssrc(m);
}

static int bundle_add(struct tz_sdp *a, const char *mid)
{
	for (unsigned i = 0; i < a->n_groups; i++) {
		struct tz_sdp_group *g = &a->groups[i];
		const char **mids;

		if (strcmp(g->semantics, "BUNDLE") != 0)
			continue;
		mids = sdp_alloc(a, (g->n_mids + 1) * sizeof(*mids));
		if (mids == NULL)
			return -ENOMEM;
		memcpy(mids, g->mids, g->n_mids * sizeof(*mids));
		mids[g->n_mids] = tz_sdp_strdup(a, mid);
		if (mids[g->n_mids] == NULL)
			return -ENOMEM;
		g->mids = mids;
		g->n_mids++;
		return 0;
	}
	return -ENOENT;                 /* the audio is not bundled: no shared transport */
}

/* The answer's accepted audio section: its transport is the video's too. */
static const struct tz_sdp_media *answer_audio(const struct tz_sdp *a)
{
	for (unsigned i = 0; i < a->n_media; i++)
		if (a->media[i].type == TZ_SDP_MEDIA_AUDIO && a->media[i].port != 0)
			return &a->media[i];
	return NULL;
}

static int video_section(struct tz_sdp *a, struct tz_sdp_media *m, const struct tz_sdp_media *au,
			 const struct tz_sdp_media *om, const struct tz_sdp_video_neg *web,
			 const struct tz_sdp_video_neg *sip, const struct tz_sdp_video_local *l)
{
	enum tz_sdp_dir dir = web_dir(web->dir, sip);
	int rc = 0;

	*m = (struct tz_sdp_media){
		.type = TZ_SDP_MEDIA_VIDEO, .media = "video", .port = au->port, .proto = au->proto,
		.rtp = true, .mid = tz_sdp_strdup(a, om->mid), .rtcp_mux = true,
		.rtcp_rsize = om->rtcp_rsize, .cands = au->cands, .n_cands = au->n_cands,
		.end_of_candidates = au->end_of_candidates,
	};
	m->common.conn = au->common.conn;
	m->common.ice_ufrag = au->common.ice_ufrag;
	m->common.ice_pwd = au->common.ice_pwd;
	memcpy(m->common.fp, au->common.fp, sizeof(m->common.fp));
	m->common.n_fp = au->common.n_fp;
	m->common.setup = au->common.setup;
	m->common.dir = dir;
	m->extmaps = au->extmaps;       /* the MID extension's id: one per BUNDLE group */
	m->n_extmaps = au->n_extmaps;
	for (unsigned i = 0; rc == 0 && i < web->n_codecs; i++) {
		const char *fmtp = h264_fmtp(a, &web->codecs[i], sip);

		rc = fmtp == NULL && web->codecs[i].fmtp != NULL
			     ? -ENOMEM : add_vcodec(a, m, &web->codecs[i], fmtp, true);
	}
	if (rc == 0 && can_send(dir))
		rc = add_ssrc(a, m, l);
	return rc;
}

int tz_sdp_video_answer_webrtc(struct tz_sdp *answer, const struct tz_sdp *offer,
			       const struct tz_sdp_video_neg *web,
			       const struct tz_sdp_video_neg *sip,
			       const struct tz_sdp_video_local *l)
{
	struct tz_sdp_video_neg w = *web;
	const struct tz_sdp_media *au = answer_audio(answer);
	int rc;

	if (sip != NULL)
		tz_sdp_video_restrict(&w, sip);
	if (!w.on || w.n_codecs == 0 || au == NULL || w.media >= answer->n_media ||
	    w.media >= offer->n_media || offer->media[w.media].mid == NULL)
		return -ENOENT;
	rc = bundle_add(answer, offer->media[w.media].mid);
	if (rc != 0)
		return rc;
	return video_section(answer, &answer->media[w.media], au, &offer->media[w.media], &w,
			     sip, l);
}

/* The offer's video section and whether it comes after an audio one. */
static int offer_video(const struct tz_sdp *offer)
{
	bool audio = false;

	for (unsigned i = 0; i < offer->n_media; i++) {
		const struct tz_sdp_media *m = &offer->media[i];

		audio |= m->type == TZ_SDP_MEDIA_AUDIO;
		if (m->type == TZ_SDP_MEDIA_VIDEO && m->rtp && proto_sip(m->proto))
			return audio ? (int)i : -1;
	}
	return -1;
}

/* RFC 3264 §6: a rejected stream keeps its place with port 0. */
static int reject_sip(struct tz_sdp *answer, const struct tz_sdp_media *om)
{
	struct tz_sdp_media *m = sdp_media_new(answer, TZ_SDP_MEDIA_VIDEO, 0, om->proto);

	if (m == NULL)
		return -ENOMEM;
	m->codecs = sdp_alloc(answer, sizeof(*m->codecs));
	if (m->codecs == NULL)
		return -ENOMEM;
	m->codecs[0].pt = om->n_codecs > 0 ? om->codecs[0].pt : 0;
	m->n_codecs = 1;
	return 0;
}

int tz_sdp_video_answer_sip(struct tz_sdp *answer, const struct tz_sdp *offer,
			    const struct tz_sdp_video_neg *ours, uint16_t port, enum tz_sdp_dir dir)
{
	int idx = offer_video(offer);
	const struct tz_sdp_media *om;
	struct tz_sdp_video_neg got = { 0 };
	struct tz_sdp_media *m;
	int rc = 0;

	if (idx < 0)
		return 0;
	om = &offer->media[idx];
	if (ours != NULL && ours->on && om->port != 0 && port != 0)
		read_sip_codecs(om, ours, &got);
	if (got.n_codecs == 0)
		return reject_sip(answer, om);
	m = sdp_media_new(answer, TZ_SDP_MEDIA_VIDEO, port, om->proto);
	if (m == NULL)
		return -ENOMEM;
	m->common.dir = dir != TZ_SDP_DIR_NONE ? dir : tz_sdp_dir_mirror(tz_sdp_direction(offer, om));
	for (unsigned i = 0; rc == 0 && i < got.n_codecs; i++)
		rc = add_vcodec(answer, m, &got.codecs[i], got.codecs[i].fmtp, om->n_rtcp_fb > 0);
	return rc;
}
