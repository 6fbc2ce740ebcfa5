/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What Trapeze's WebRTC answer and offer share: the session level
 * (ICE-lite, BUNDLE, msid-semantic) and the one audio section with our
 * ICE credentials, DTLS fingerprint, single host candidate and SSRC.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sdp_pvt.h"

#define DEFAULT_STREAM "trapeze"
#define DEFAULT_TRACK "trapeze-audio"
/* RFC 8445 §5.1.2.1: type preference 126 (host), local preference 65535,
 * component 1. */
#define HOST_PRIORITY ((126u << 24) | (65535u << 8) | (256u - 1u))

int sdp_webrtc_local_check(const struct tz_sdp_local *l, char *err, size_t errlen)
{
	size_t u = l->ice_ufrag != NULL ? strlen(l->ice_ufrag) : 0;
	size_t p = l->ice_pwd != NULL ? strlen(l->ice_pwd) : 0;

	if (u < 4 || u > 256 || p < 22 || p > 256) {
		sdp_errf(err, errlen, "local ICE ufrag/pwd must be 4..256 / 22..256 characters");
		return -EINVAL;
	}
	if (l->cname == NULL || !sdp_is_token(l->cname)) {
		sdp_errf(err, errlen, "local cname is missing or not a token");
		return -EINVAL;
	}
	return sdp_local_check(l->addr, err, errlen);
}

bool sdp_proto_any(const char *proto)
{
	return true;
}

/* The first section of @p sdp that is audio, RTP, not rejected, and whose
 * proto passes @p proto_ok; -1 when there is none. */
int sdp_first_audio(const struct tz_sdp *sdp, bool (*proto_ok)(const char *proto))
{
	for (unsigned i = 0; i < sdp->n_media; i++) {
		const struct tz_sdp_media *m = &sdp->media[i];

		if (m->type == TZ_SDP_MEDIA_AUDIO && m->rtp && m->port != 0 && proto_ok(m->proto))
			return (int)i;
	}
	return -1;
}

int sdp_webrtc_session(struct tz_sdp *sdp, const struct tz_sdp_local *l, const char *mid)
{
	const char *stream = l->msid_stream != NULL ? l->msid_stream : DEFAULT_STREAM;
	struct tz_sdp_group *g;
	char wms[160];

	if (sdp_session_init(sdp, l->addr, l->sess_id, l->sess_version) != 0)
		return -ENOMEM;
	sdp->ice_lite = true;
	snprintf(wms, sizeof(wms), "WMS %s", stream);
	sdp->msid_semantic = tz_sdp_strdup(sdp, wms);
	if (sdp->msid_semantic == NULL)
		return -ENOMEM;
	if (mid == NULL)
		return 0;
	g = TZ_SDP_PUSH(sdp, sdp->groups, sdp->n_groups, TZ_SDP_MAX_SMALL);
	if (g == NULL)
		return -ENOMEM;
	g->semantics = "BUNDLE";
	g->mids = sdp_alloc(sdp, sizeof(*g->mids));
	if (g->mids == NULL || (g->mids[0] = tz_sdp_strdup(sdp, mid)) == NULL)
		return -ENOMEM;
	g->n_mids = 1;
	return 0;
}

static int host_candidate(struct tz_sdp *sdp, struct tz_sdp_media *m, const struct tz_sdp_local *l)
{
	struct tz_sdp_candidate *c = TZ_SDP_PUSH(sdp, m->cands, m->n_cands, 1);

	if (c == NULL)
		return -ENOMEM;
	c->foundation = "1";
	c->component = 1;
	c->priority = HOST_PRIORITY;
	c->addr = m->common.conn.addr;
	c->family = m->common.conn.family;
	c->port = l->port;
	c->type = TZ_SDP_CAND_HOST;
	c->generation = -1;
	m->end_of_candidates = true;
	return 0;
}

static int ssrc_lines(struct tz_sdp *sdp, struct tz_sdp_media *m, const struct tz_sdp_local *l)
{
	const char *stream = l->msid_stream != NULL ? l->msid_stream : DEFAULT_STREAM;
	const char *track = l->msid_track != NULL ? l->msid_track : DEFAULT_TRACK;
	struct tz_sdp_ssrc *s[2];
	const char **msid;
	char buf[256];

	snprintf(buf, sizeof(buf), "%s %s", stream, track);
	msid = TZ_SDP_PUSH(sdp, m->msids, m->n_msids, 1);
	if (msid == NULL || (*msid = tz_sdp_strdup(sdp, buf)) == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < 2; i++) {
		s[i] = TZ_SDP_PUSH(sdp, m->ssrcs, m->n_ssrcs, 2);
		if (s[i] == NULL)
			return -ENOMEM;
		s[i]->id = l->ssrc;
	}
	s[0]->attr = "cname";
	s[0]->value = tz_sdp_strdup(sdp, l->cname);
	s[1]->attr = "msid";
	s[1]->value = *msid;
	return s[0]->value == NULL ? -ENOMEM : 0;
}

static const char *offered_fmtp(const struct tz_sdp_media *from, unsigned pt)
{
	const struct tz_sdp_codec *c = from != NULL ? tz_sdp_codec_find(from, pt) : NULL;

	return c != NULL ? c->fmtp : NULL;
}

static int transport(struct tz_sdp *sdp, struct tz_sdp_media *m, const struct sdp_webrtc_audio *a)
{
	const struct tz_sdp_local *l = a->local;
	struct tz_sdp_common *c = &m->common;

	c->conn.family = sdp_addr_family(l->addr);
	c->conn.addr = tz_sdp_strdup(sdp, l->addr);
	c->ice_ufrag = tz_sdp_strdup(sdp, l->ice_ufrag);
	c->ice_pwd = tz_sdp_strdup(sdp, l->ice_pwd);
	if (c->conn.addr == NULL || c->ice_ufrag == NULL || c->ice_pwd == NULL)
		return -ENOMEM;
	c->fp[0].hash = TZ_SDP_HASH_SHA256;
	c->fp[0].len = sizeof(l->fingerprint);
	memcpy(c->fp[0].digest, l->fingerprint, sizeof(l->fingerprint));
	c->n_fp = 1;
	c->setup = a->setup;
	c->dir = a->dir;
	m->rtcp_mux = true;
	m->rtcp_rsize = a->rtcp_rsize;
	if (a->mid != NULL && (m->mid = tz_sdp_strdup(sdp, a->mid)) == NULL)
		return -ENOMEM;
	return host_candidate(sdp, m, l);
}

uint16_t sdp_mid_ext_of(const struct tz_sdp_media *m)
{
	for (unsigned i = 0; i < m->n_extmaps; i++)
		if (m->extmaps[i].uri != NULL && strcmp(m->extmaps[i].uri, TZ_SDP_MID_EXT_URI) == 0 &&
		    m->extmaps[i].id >= 1 && m->extmaps[i].id <= 255 &&
		    (m->extmaps[i].dir == TZ_SDP_DIR_NONE || m->extmaps[i].dir == TZ_SDP_SENDRECV ||
		     m->extmaps[i].dir == TZ_SDP_SENDONLY))
			return m->extmaps[i].id;
	return 0;
}

int sdp_mid_ext_add(struct tz_sdp *sdp, struct tz_sdp_media *m, uint16_t id)
{
	struct tz_sdp_extmap *x = TZ_SDP_PUSH(sdp, m->extmaps, m->n_extmaps, TZ_SDP_MAX_LIST);

	if (x == NULL)
		return -ENOMEM;
	*x = (struct tz_sdp_extmap){ .id = id, .dir = TZ_SDP_DIR_NONE, .uri = TZ_SDP_MID_EXT_URI };
	return 0;
}

int sdp_webrtc_audio(struct tz_sdp *sdp, const struct sdp_webrtc_audio *a)
{
	struct tz_sdp_media *m = sdp_media_new(sdp, TZ_SDP_MEDIA_AUDIO, a->local->port,
					       "UDP/TLS/RTP/SAVPF");
	int rc;

	if (m == NULL)
		return -ENOMEM;
	rc = transport(sdp, m, a);
	if (rc == 0 && a->mid_ext != 0)
		rc = sdp_mid_ext_add(sdp, m, a->mid_ext);
	for (unsigned i = 0; rc == 0 && i < a->neg->n_codecs; i++) {
		const struct tz_sdp_pt *pt = &a->neg->codecs[i];
		const char *fmtp = offered_fmtp(a->fmtp_from, pt->pt);

		if (a->fmtp_from == NULL && strcmp(pt->name, "opus") == 0)
			fmtp = "minptime=10;useinbandfec=1";
		rc = sdp_media_codec_add(sdp, m, pt, fmtp);
	}
	if (rc == 0 && (a->dir == TZ_SDP_SENDRECV || a->dir == TZ_SDP_SENDONLY))
		rc = ssrc_lines(sdp, m, a->local);
	return rc;
}
