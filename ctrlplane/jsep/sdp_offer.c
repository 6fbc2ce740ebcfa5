/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trapeze offering to a browser (inbound calls, JSEP RFC 8829 §5.2) and
 * taking the browser's answer back (§5.10).  The offer has one audio
 * section, mid "0", fixed payload types, a=setup:actpass (RFC 5763 §5).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sdp_pvt.h"

static const char *const default_codecs[] = { "opus", "G722", "PCMU", "PCMA", NULL };

static void offer_codecs(const struct tz_sdp_local *l, struct tz_sdp_neg *neg)
{
	const char *const *allow = l->codecs != NULL ? l->codecs : default_codecs;

	for (const char *const *name = allow; *name != NULL; name++) {
		const struct sdp_known_codec *k = sdp_codec_by_name(*name);

		if (k != NULL)
			sdp_neg_add(neg, k, k->pt);
	}
	for (const struct sdp_known_codec *t = sdp_te_codecs; !l->no_dtmf && t->name; t++) {
		bool want = false;

		for (unsigned i = 0; i < neg->n_codecs; i++)
			want |= neg->codecs[i].clock == t->clock &&
				sdp_codec_by_name(neg->codecs[i].name) != NULL;
		if (want)
			sdp_neg_add(neg, t, t->pt);
	}
}

int tz_sdp_offer_webrtc(const struct tz_sdp_local *local, struct tz_sdp **offer)
{
	struct tz_sdp_neg neg = { .te_pt = -1 };
	struct sdp_webrtc_audio audio = {
		.local = local, .setup = TZ_SDP_SETUP_ACTPASS, .dir = TZ_SDP_SENDRECV,
		.mid = "0", .rtcp_rsize = true, .neg = &neg, .mid_ext = TZ_SDP_MID_EXT_ID,
	};
	struct tz_sdp *o;
	int rc;

	*offer = NULL;
	if (sdp_webrtc_local_check(local, NULL, 0) != 0)
		return -EINVAL;
	offer_codecs(local, &neg);
	if (neg.n_codecs == 0)
		return -EINVAL;
	o = tz_sdp_new();
	if (o == NULL)
		return -ENOMEM;
	rc = sdp_webrtc_session(o, local, "0");
	if (rc == 0)
		rc = sdp_webrtc_audio(o, &audio);
	if (rc != 0) {
		tz_sdp_free(o);
		return rc;
	}
	*offer = o;
	return 0;
}

static int check_answer(const struct tz_sdp *a, const struct tz_sdp_media *om,
			const struct tz_sdp_media *m, char *err, size_t errlen)
{
	enum tz_sdp_setup s = tz_sdp_setup(a, m);

	if (m->type != TZ_SDP_MEDIA_AUDIO || !m->rtp || strcmp(m->proto, om->proto) != 0)
		sdp_errf(err, errlen, "the answer's section does not match our audio offer");
	else if (m->port == 0)
		sdp_errf(err, errlen, "the answer rejected the audio section");
	else if (om->mid != NULL && (m->mid == NULL || strcmp(m->mid, om->mid) != 0))
		sdp_errf(err, errlen, "the answer's audio section is not a=mid:%s", om->mid);
	else if (tz_sdp_ice_ufrag(a, m) == NULL || tz_sdp_ice_pwd(a, m) == NULL)
		sdp_errf(err, errlen, "the answer's audio section has no ICE credentials "
			 "(a=ice-ufrag, a=ice-pwd)");
	else if (tz_sdp_fingerprint(a, m) == NULL)
		sdp_errf(err, errlen, "the answer's audio section has no a=fingerprint");
	else if (!m->rtcp_mux)
		sdp_errf(err, errlen, "the answer's audio section has no a=rtcp-mux");
	else if (s != TZ_SDP_SETUP_ACTIVE && s != TZ_SDP_SETUP_PASSIVE)
		sdp_errf(err, errlen, "the answer must say a=setup:active or a=setup:passive "
			 "(RFC 5763 §5)");
	else
		return 0;
	return -EINVAL;
}

/* Every format of the answer must be one we offered, under the same PT. */
static int answer_codecs(const struct tz_sdp_media *om, const struct tz_sdp_media *m,
			 struct tz_sdp_neg *neg, char *err, size_t errlen)
{
	for (unsigned i = 0; i < m->n_codecs; i++) {
		const struct tz_sdp_codec *c = &m->codecs[i], *oc = tz_sdp_codec_find(om, c->pt);
		const struct sdp_known_codec *k = sdp_codec_known(c, sdp_known_codecs);

		if (k == NULL)
			k = sdp_codec_known(c, sdp_te_codecs);
		if (oc == NULL || k == NULL || sdp_codec_known(oc, k) != k) {
			sdp_errf(err, errlen, "the answer's payload type %u was not offered", c->pt);
			return -EINVAL;
		}
		if (sdp_codec_by_name(k->name) != NULL)
			sdp_neg_add(neg, k, c->pt);
	}
	if (neg->n_codecs == 0) {
		sdp_errf(err, errlen, "no common codec: the answer has no audio codec");
		return -EINVAL;
	}
	sdp_neg_add_te(neg, m);
	return 0;
}

int tz_sdp_accept_webrtc(const struct tz_sdp *offer, const struct tz_sdp *answer,
			 struct tz_sdp_neg *neg, char *err, size_t errlen)
{
	const struct tz_sdp_media *om, *m;
	enum tz_sdp_dir d;
	int idx, rc;

	memset(neg, 0, sizeof(*neg));
	neg->te_pt = -1;
	idx = sdp_first_audio(offer, sdp_proto_any);
	if (idx < 0) {
		sdp_errf(err, errlen, "our offer has no audio section");
		return -EINVAL;
	}
	if (answer->n_media != offer->n_media) {
		sdp_errf(err, errlen, "the answer has %u m= sections, the offer had %u",
			 answer->n_media, offer->n_media);
		return -EINVAL;
	}
	om = &offer->media[idx];
	m = &answer->media[idx];
	rc = check_answer(answer, om, m, err, errlen);
	if (rc == 0)
		rc = answer_codecs(om, m, neg, err, errlen);
	if (rc != 0)
		return rc;
	d = tz_sdp_direction(answer, m);
	neg->media = (unsigned)idx;
	neg->mid = m->mid;
	neg->dir = tz_sdp_dir_mirror(d);
	neg->hold = d == TZ_SDP_SENDONLY || d == TZ_SDP_INACTIVE;
	neg->ice_ufrag = tz_sdp_ice_ufrag(answer, m);
	neg->ice_pwd = tz_sdp_ice_pwd(answer, m);
	neg->fingerprint = *tz_sdp_fingerprint(answer, m);
	neg->dtls_client = tz_sdp_setup(answer, m) == TZ_SDP_SETUP_PASSIVE;
	neg->rtcp_rsize = m->rtcp_rsize && om->rtcp_rsize;
	neg->rtcp_mux = true;
	neg->port = m->port;
	/* the MID extension only under the id we offered (RFC 8285 §7) */
	neg->mid_ext = sdp_mid_ext_of(m) == sdp_mid_ext_of(om) ? sdp_mid_ext_of(m) : 0;
	return 0;
}
