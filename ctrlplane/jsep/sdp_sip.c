/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP leg: plain RTP (RFC 3551 RTP/AVP) or SDES-SRTP (RFC 4568
 * RTP/SAVP) towards trunks.  Offers carry the browser's codecs the trunk
 * allows; answers and offers from the trunk are read into a struct
 * tz_sdp_neg (address, ports, codecs, DTMF, hold, key).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sdp_pvt.h"

#define TE_FMTP "0-16"
#define PTIME 20

/* SDES suites and their key || salt length (RFC 4568 §6.2, RFC 6188,
 * RFC 7714 §12). */
static const struct {
	const char *suite;
	uint8_t key_len;
} sdes_suites[] = {
	{ "AEAD_AES_128_GCM", 28 },
	{ "AEAD_AES_256_GCM", 44 },
	{ "AES_256_CM_HMAC_SHA1_32", 46 },
	{ "AES_256_CM_HMAC_SHA1_80", 46 },
	{ "AES_CM_128_HMAC_SHA1_32", 30 },
	{ "AES_CM_128_HMAC_SHA1_80", 30 },
};

static bool sip_proto(const char *proto)
{
	return strcmp(proto, "RTP/AVP") == 0 || strcmp(proto, "RTP/AVPF") == 0 ||
	       strcmp(proto, "RTP/SAVP") == 0 || strcmp(proto, "RTP/SAVPF") == 0;
}

static bool usable_key(const struct tz_sdp_crypto *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(sdes_suites); i++)
		if (strcmp(sdes_suites[i].suite, c->suite) == 0)
			return c->key_len == sdes_suites[i].key_len;
	return false;
}

static int add_crypto(struct tz_sdp *sdp, struct tz_sdp_media *m, const struct tz_sdp_crypto *key,
		      const struct tz_sdp_crypto *peer)
{
	struct tz_sdp_crypto *c = TZ_SDP_PUSH(sdp, m->crypto, m->n_crypto, TZ_SDP_MAX_SMALL);

	if (c == NULL)
		return -ENOMEM;
	*c = *key;
	if (peer != NULL) {
		c->tag = peer->tag;
		c->suite = peer->suite;
	}
	c->suite = tz_sdp_strdup(sdp, c->suite);
	c->params = NULL;
	return c->suite == NULL ? -ENOMEM : 0;
}

static int sip_sdp(const struct tz_sdp_sip_local *l, const struct tz_sdp_neg *codecs,
		   enum tz_sdp_dir dir, const struct tz_sdp_crypto *peer, struct tz_sdp **out)
{
	struct tz_sdp *sdp = tz_sdp_new();
	struct tz_sdp_media *m;
	int rc = -ENOMEM;

	if (sdp == NULL || sdp_session_init(sdp, l->addr, l->sess_id, l->sess_version) != 0)
		goto err;
	sdp->common.conn = sdp->origin.conn;
	m = sdp_media_new(sdp, TZ_SDP_MEDIA_AUDIO, l->port,
			  l->crypto != NULL ? "RTP/SAVP" : "RTP/AVP");
	if (m == NULL)
		goto err;
	m->common.dir = dir;
	m->ptime = PTIME;
	rc = 0;
	for (unsigned i = 0; rc == 0 && i < codecs->n_codecs; i++) {
		const struct tz_sdp_pt *pt = &codecs->codecs[i];

		rc = sdp_media_codec_add(sdp, m, pt, pt->clock != 0 &&
					 sdp_codec_by_name(pt->name) == NULL ? TE_FMTP : NULL);
	}
	for (unsigned i = 0; rc == 0 && l->crypto != NULL &&
			     i < (peer != NULL || l->n_crypto == 0 ? 1 : l->n_crypto); i++)
		rc = add_crypto(sdp, m, &l->crypto[i], peer);
	m->rtcp_mux = codecs->rtcp_mux;
	if (rc != 0)
		goto err;
	*out = sdp;
	return 0;

err:
	tz_sdp_free(sdp);
	return rc;
}

int tz_sdp_offer_sip(const struct tz_sdp_sip_local *local, const struct tz_sdp *web_offer,
		     struct tz_sdp **offer, char *err, size_t errlen)
{
	struct tz_sdp_neg neg = { .te_pt = -1 };
	const struct tz_sdp_media *m;
	int idx, rc;

	*offer = NULL;
	rc = sdp_local_check(local->addr, err, errlen);
	if (rc != 0)
		return rc;
	if (web_offer == NULL) {
		/* transcoded: the trunk's codecs in its order, whatever the browser has */
		for (unsigned i = 0; local->codecs != NULL && local->codecs[i] != NULL; i++) {
			const struct sdp_known_codec *k = sdp_codec_by_name(local->codecs[i]);

			if (k != NULL)
				sdp_neg_add(&neg, k, k->pt);
		}
		goto codecs_done;
	}
	idx = sdp_first_audio(web_offer, sdp_proto_any);
	if (idx < 0) {
		sdp_errf(err, errlen, "the browser's offer has no audio section");
		return -EINVAL;
	}
	m = &web_offer->media[idx];
	for (unsigned i = 0; i < m->n_codecs; i++) {
		const struct sdp_known_codec *k = sdp_codec_known(&m->codecs[i], sdp_known_codecs);

		if (k != NULL && sdp_codec_allowed(k->name, local->codecs))
			sdp_neg_add(&neg, k, k->pt);
	}
codecs_done:
	if (neg.n_codecs == 0) {
		sdp_errf(err, errlen, "no common codec: the browser offered none the trunk allows");
		return -EINVAL;
	}
	for (const struct sdp_known_codec *t = sdp_te_codecs; !local->no_dtmf && t->name; t++)
		for (unsigned i = 0; i < neg.n_codecs; i++)
			if (neg.codecs[i].clock == t->clock &&
			    sdp_codec_by_name(neg.codecs[i].name) != NULL) {
				sdp_neg_add(&neg, t, t->pt);
				break;
			}
	return sip_sdp(local, &neg, local->dir != TZ_SDP_DIR_NONE ? local->dir
								  : TZ_SDP_SENDRECV, NULL, offer);
}

static bool null_addr(const char *addr)
{
	return strcmp(addr, "0.0.0.0") == 0 || strcmp(addr, "::") == 0;
}

static int read_crypto(const struct tz_sdp_media *m, struct tz_sdp_neg *neg,
		       char *err, size_t errlen)
{
	if (strstr(m->proto, "SAVP") == NULL)
		return 0;
	for (unsigned i = 0; i < m->n_crypto; i++)
		if (usable_key(&m->crypto[i])) {
			neg->crypto = &m->crypto[i];
			return 0;
		}
	sdp_errf(err, errlen, "%s without a usable a=crypto (supported: AES_CM_128_HMAC_SHA1_80, "
		 "AES_CM_128_HMAC_SHA1_32, AES_256_CM_HMAC_SHA1_80, AES_256_CM_HMAC_SHA1_32, "
		 "AEAD_AES_128_GCM, AEAD_AES_256_GCM)", m->proto);
	return -EINVAL;
}

static int read_codecs(const struct tz_sdp_media *m, const char *const *allow,
		       struct tz_sdp_neg *neg, char *err, size_t errlen)
{
	for (unsigned i = 0; i < m->n_codecs; i++) {
		const struct sdp_known_codec *k = sdp_codec_known(&m->codecs[i], sdp_known_codecs);

		if (k != NULL && sdp_codec_allowed(k->name, allow))
			sdp_neg_add(neg, k, m->codecs[i].pt);
	}
	if (neg->n_codecs == 0) {
		sdp_errf(err, errlen, "no common codec: the SIP peer's audio section has none "
			 "of the allowed codecs");
		return -EINVAL;
	}
	sdp_neg_add_te(neg, m);
	return 0;
}

int tz_sdp_read_sip(const struct tz_sdp *sdp, const char *const *allow,
		    struct tz_sdp_neg *neg, char *err, size_t errlen)
{
	const struct tz_sdp_media *m;
	const struct tz_sdp_conn *c;
	enum tz_sdp_dir d;
	int idx, rc;

	memset(neg, 0, sizeof(*neg));
	neg->te_pt = -1;
	idx = sdp_first_audio(sdp, sip_proto);
	if (idx < 0) {
		sdp_errf(err, errlen, "the SDP has no active RTP/AVP or RTP/SAVP audio section");
		return -EINVAL;
	}
	m = &sdp->media[idx];
	c = tz_sdp_conn(sdp, m);
	if (c == NULL) {
		sdp_errf(err, errlen, "the audio section has no c= line");
		return -EINVAL;
	}
	rc = read_codecs(m, allow, neg, err, errlen);
	if (rc == 0)
		rc = read_crypto(m, neg, err, errlen);
	if (rc != 0)
		return rc;
	d = tz_sdp_direction(sdp, m);
	neg->media = (unsigned)idx;
	neg->mid = m->mid;
	neg->addr = c->addr;
	neg->family = c->family;
	neg->port = m->port;
	neg->rtcp_mux = m->rtcp_mux;
	neg->rtcp_port = m->rtcp_mux ? m->port : m->rtcp.present ? m->rtcp.port
								  : (uint16_t)(m->port + 1);
	/* RFC 3264 §8.4: hold is sendonly/inactive; c=0.0.0.0 is the older form */
	neg->hold = d == TZ_SDP_SENDONLY || d == TZ_SDP_INACTIVE || null_addr(c->addr);
	neg->dir = tz_sdp_dir_mirror(d);
	if (null_addr(c->addr) && neg->dir == TZ_SDP_SENDRECV)
		neg->dir = TZ_SDP_RECVONLY;
	return 0;
}

int tz_sdp_answer_sip(const struct tz_sdp_sip_local *local, const struct tz_sdp_neg *neg,
		      struct tz_sdp **answer)
{
	*answer = NULL;
	if (sdp_local_check(local->addr, NULL, 0) != 0 || neg->n_codecs == 0 ||
	    (neg->crypto != NULL) != (local->crypto != NULL))
		return -EINVAL;
	return sip_sdp(local, neg, local->dir != TZ_SDP_DIR_NONE ? local->dir : neg->dir,
		       neg->crypto, answer);
}
