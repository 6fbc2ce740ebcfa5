/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trapeze answering a browser's offer (JSEP, RFC 8829 §5.3).  Trapeze is
 * ICE-lite (RFC 8445 §2.5) with one host candidate, DTLS-SRTP (RFC 5763)
 * and carries one audio stream: the first usable audio section is accepted,
 * every other section is rejected with port 0 and leaves the BUNDLE group
 * (RFC 8843 §7.3.3).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sdp_pvt.h"

static const char *const default_codecs[] = { "opus", "G722", "PCMU", "PCMA", NULL };

static int check_offer(const struct tz_sdp *o, const struct tz_sdp_media *m,
		       char *err, size_t errlen)
{
	const char *what = NULL;

	if (strcmp(m->proto, "UDP/TLS/RTP/SAVPF") != 0 && strcmp(m->proto, "TCP/DTLS/RTP/SAVPF") != 0)
		sdp_errf(err, errlen, "the audio section's protocol %s is not UDP/TLS/RTP/SAVPF",
			 m->proto);
	else if (tz_sdp_ice_ufrag(o, m) == NULL || tz_sdp_ice_pwd(o, m) == NULL)
		what = "ICE credentials (a=ice-ufrag, a=ice-pwd)";
	else if (tz_sdp_fingerprint(o, m) == NULL)
		what = "DTLS fingerprint (a=fingerprint)";
	else if (!m->rtcp_mux)
		what = "a=rtcp-mux, which WebRTC requires (RFC 8834 §5.1.1)";
	else if (tz_sdp_setup(o, m) == TZ_SDP_SETUP_HOLDCONN)
		sdp_errf(err, errlen, "the offer says a=setup:holdconn: no DTLS connection to make");
	else
		return 0;
	if (what != NULL)
		sdp_errf(err, errlen, "the offer's audio section has no %s", what);
	return -EINVAL;
}

/* RFC 5763 §5: the answerer to actpass picks; to active it is passive, to
 * passive active.  No a=setup means active (RFC 4145 §4). */
static enum tz_sdp_setup answer_setup(enum tz_sdp_setup offered, enum tz_sdp_setup wanted)
{
	switch (offered) {
	case TZ_SDP_SETUP_ACTPASS:
		return wanted == TZ_SDP_SETUP_ACTIVE ? TZ_SDP_SETUP_ACTIVE : TZ_SDP_SETUP_PASSIVE;
	case TZ_SDP_SETUP_PASSIVE:
		return TZ_SDP_SETUP_ACTIVE;
	default:
		return TZ_SDP_SETUP_PASSIVE;
	}
}

static int pick_codecs(const struct tz_sdp_media *m, const struct tz_sdp_local *l,
		       struct tz_sdp_neg *neg, char *err, size_t errlen)
{
	const char *const *allow = l->codecs != NULL ? l->codecs : default_codecs;

	for (const char *const *name = allow; *name != NULL; name++) {
		const struct sdp_known_codec *k = sdp_codec_by_name(*name);

		for (unsigned i = 0; k != NULL && i < m->n_codecs; i++)
			if (sdp_codec_known(&m->codecs[i], sdp_known_codecs) == k) {
				sdp_neg_add(neg, k, m->codecs[i].pt);
				break;
			}
	}
	if (neg->n_codecs == 0) {
		char list[128] = "";

		for (const char *const *name = allow; *name != NULL; name++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 name == allow ? "" : ", ", *name);
		sdp_errf(err, errlen, "no common codec: the offer has none of %s", list);
		return -EINVAL;
	}
	if (!l->no_dtmf)
		sdp_neg_add_te(neg, m);
	else
		neg->te_pt = -1;
	return 0;
}

static bool in_bundle(const struct tz_sdp *o, const char *mid)
{
	for (unsigned i = 0; mid != NULL && i < o->n_groups; i++) {
		if (strcmp(o->groups[i].semantics, "BUNDLE") != 0)
			continue;
		for (unsigned j = 0; j < o->groups[i].n_mids; j++)
			if (strcmp(o->groups[i].mids[j], mid) == 0)
				return true;
	}
	return false;
}

/* RFC 3264 §6: a rejected stream keeps its place with port 0; RFC 8843
 * §7.3.3: only a=mid stays. */
static int reject(struct tz_sdp *a, const struct tz_sdp_media *om, int family)
{
	struct tz_sdp_media *m = sdp_media_new(a, om->type, 0, om->proto);

	if (m == NULL)
		return -ENOMEM;
	m->media = tz_sdp_strdup(a, om->media);
	m->common.conn.family = family;
	m->common.conn.addr = family == AF_INET6 ? "::" : "0.0.0.0";
	if (om->rtp && om->n_codecs > 0) {
		m->codecs = sdp_alloc(a, sizeof(*m->codecs));
		if (m->codecs == NULL)
			return -ENOMEM;
		m->codecs[0].pt = om->codecs[0].pt;
		m->n_codecs = 1;
	} else {
		m->rtp = false;
		m->fmt = tz_sdp_strdup(a, om->fmt != NULL ? om->fmt : "0");
	}
	m->mid = tz_sdp_strdup(a, om->mid);
	return m->media == NULL || (m->fmt == NULL && !m->rtp) ? -ENOMEM : 0;
}

static void fill_neg(const struct tz_sdp *o, const struct tz_sdp_media *m, unsigned idx,
		     struct tz_sdp_neg *neg)
{
	enum tz_sdp_dir d = tz_sdp_direction(o, m);

	neg->media = idx;
	neg->mid = m->mid;
	neg->dir = tz_sdp_dir_mirror(d);
	neg->hold = d == TZ_SDP_SENDONLY || d == TZ_SDP_INACTIVE;
	neg->ice_ufrag = tz_sdp_ice_ufrag(o, m);
	neg->ice_pwd = tz_sdp_ice_pwd(o, m);
	neg->fingerprint = *tz_sdp_fingerprint(o, m);
	neg->rtcp_rsize = m->rtcp_rsize;
	neg->rtcp_mux = true;
	neg->port = m->port;
	neg->mid_ext = m->mid != NULL ? sdp_mid_ext_of(m) : 0;  /* RFC 8843 §9.1 */
}

static int build(const struct tz_sdp *o, const struct tz_sdp_local *l, unsigned idx,
		 struct tz_sdp_neg *neg, struct tz_sdp *a)
{
	const struct tz_sdp_media *m = &o->media[idx];
	struct sdp_webrtc_audio audio = {
		.local = l, .dir = neg->dir, .mid = m->mid, .rtcp_rsize = m->rtcp_rsize,
		.setup = answer_setup(tz_sdp_setup(o, m), l->setup),
		.neg = neg, .fmtp_from = m, .mid_ext = neg->mid_ext,
	};
	int family = sdp_addr_family(l->addr), rc;

	neg->dtls_client = audio.setup == TZ_SDP_SETUP_ACTIVE;
	rc = sdp_webrtc_session(a, l, in_bundle(o, m->mid) ? m->mid : NULL);
	for (unsigned i = 0; rc == 0 && i < o->n_media; i++)
		rc = i == idx ? sdp_webrtc_audio(a, &audio) : reject(a, &o->media[i], family);
	return rc;
}

int tz_sdp_answer_webrtc(const struct tz_sdp *offer, const struct tz_sdp_local *local,
			 struct tz_sdp **answer, struct tz_sdp_neg *neg,
			 char *err, size_t errlen)
{
	const struct tz_sdp_media *m;
	struct tz_sdp *a = NULL;
	int idx, rc;

	*answer = NULL;
	memset(neg, 0, sizeof(*neg));
	neg->te_pt = -1;
	rc = sdp_webrtc_local_check(local, err, errlen);
	if (rc != 0)
		return rc;
	idx = sdp_first_audio(offer, sdp_proto_any);
	if (idx < 0) {
		sdp_errf(err, errlen, "the offer has no audio section to accept");
		return -EINVAL;
	}
	m = &offer->media[idx];
	rc = check_offer(offer, m, err, errlen);
	if (rc == 0)
		rc = pick_codecs(m, local, neg, err, errlen);
	if (rc != 0)
		return rc;
	fill_neg(offer, m, (unsigned)idx, neg);
	a = tz_sdp_new();
	if (a == NULL || build(offer, local, (unsigned)idx, neg, a) != 0) {
		tz_sdp_free(a);
		return -ENOMEM;
	}
	*answer = a;
	return 0;
}
