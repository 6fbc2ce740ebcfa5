/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDES-SRTP (RFC 4568) on the SIP leg of a call to or from a trunk with
 * `srtp: sdes`: our keys (one fresh random master key || salt per suite of
 * the trunk's srtp_suites, tags 1..n, kept for the whole call so that
 * re-offers for hold and resume carry the same key), the choice of the
 * peer's a=crypto line (an answer must accept exactly one of our tags with
 * its suite; an offer is answered with the first of our suites it carries),
 * and the dataplane contexts of both keys.  A new key from the PBX is a new
 * crypto association: its stream restarts (key generation bumped, see
 * tz_dp_flow.key_gen) while everything else goes on.  Keys never reach a
 * log line or the CLI; only the suite does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "calls_pvt.h"
#include "tz_log.h"

static const struct {
	const char *name;
	enum tz_srtp_suite suite;
} suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", TZ_SRTP_AES_CM_128_HMAC_SHA1_80 },
	{ "AES_CM_128_HMAC_SHA1_32", TZ_SRTP_AES_CM_128_HMAC_SHA1_32 },
	{ "AEAD_AES_128_GCM", TZ_SRTP_AEAD_AES_128_GCM },
	{ "AEAD_AES_256_GCM", TZ_SRTP_AEAD_AES_256_GCM },
};

static const char *const default_suites[] = { "AES_CM_128_HMAC_SHA1_80", NULL };

static int suite_by_name(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(suites); i++)
		if (strcmp(suites[i].name, name) == 0)
			return (int)i;
	return -1;
}

static size_t suite_key_len(enum tz_srtp_suite s)
{
	return tz_srtp_suite_key_len(s) + tz_srtp_suite_salt_len(s);
}

bool tz_sdes_trunk(const struct tz_cfg_trunk *t)
{
	return t != NULL && t->srtp == TZ_TRUNK_SDES;
}

int tz_sdes_start(struct call *c)
{
	return tz_sdes_start_of(c, &c->sip.sdes);
}

int tz_sdes_start_of(struct call *c, struct call_sdes *s)
{
	const char *const *names;

	if (!tz_sdes_trunk(c->sip.trunk) || s->n_ours > 0)
		return 0;
	names = c->sip.trunk->srtp_suites != NULL && c->sip.trunk->srtp_suites[0] != NULL
			? (const char *const *)c->sip.trunk->srtp_suites : default_suites;
	s->chosen = -1;
	for (size_t i = 0; names[i] != NULL && s->n_ours < TZ_SDES_MAX_SUITES; i++) {
		int k = suite_by_name(names[i]);
		struct tz_sdp_crypto *o = &s->ours[s->n_ours];
		bool dup = false;

		for (unsigned j = 0; k >= 0 && j < s->n_ours; j++)
			dup |= s->suite[j] == suites[k].suite;
		if (k < 0 || dup) {
			TZ_LOG(CP_SESSION, WARNING, "trunk %s: srtp_suites %s: %s", c->sip.trunk->name,
			       names[i], k < 0 ? "not supported, left out" : "listed twice");
			continue;
		}
		memset(o, 0, sizeof(*o));
		o->tag = s->n_ours + 1;
		o->suite = suites[k].name;
		o->key_len = (uint8_t)suite_key_len(suites[k].suite);
		if (RAND_bytes(o->key, o->key_len) != 1)
			return -EIO;
		s->suite[s->n_ours++] = suites[k].suite;
	}
	s->on = s->n_ours > 0;
	return s->on ? 0 : -EINVAL;
}

void tz_sdes_local(struct call *c, struct tz_sdp_sip_local *l, bool offer)
{
	struct call_sdes *s = &c->sip.sdes;

	if (!s->on)
		return;
	if (!offer) {                   /* tz_sdes_answer_line() fills it */
		return;
	}
	if (s->chosen >= 0) {           /* re-offer: the key in use, its tag */
		l->crypto = &s->ours[s->chosen];
		l->n_crypto = 1;
	} else {
		l->crypto = s->ours;
		l->n_crypto = s->n_ours;
	}
	s->offer_pending = true;
}

int tz_sdes_pick(const struct call *c, const struct tz_sdp *sdp, const struct tz_sdp_neg *neg,
		 bool answer, struct tz_sdes_pick *pick, char *err, size_t errlen)
{
	return tz_sdes_pick_of(c, &c->sip.sdes, &sdp->media[neg->media], answer, pick, err,
			       errlen);
}

int tz_sdes_pick_of(const struct call *c, const struct call_sdes *s, const struct tz_sdp_media *m,
		    bool answer, struct tz_sdes_pick *pick, char *err, size_t errlen)
{

	pick->idx = -1;
	pick->line = NULL;
	if (!s->on)
		return 0;
	if (strstr(m->proto, "SAVP") == NULL) {
		snprintf(err, errlen, "%s is plain %s: trunk %s requires SDES-SRTP (RTP/SAVP with "
			 "a=crypto)", answer ? "the answer" : "the offer", m->proto, c->sip.trunk->name);
		return -EINVAL;
	}
	if (answer) {
		/* RFC 4568 §7.1.2: exactly one of our lines, its tag and suite */
		if (m->n_crypto != 1) {
			snprintf(err, errlen, "the answer has %u a=crypto lines (one expected)",
				 m->n_crypto);
			return -EINVAL;
		}
		for (unsigned i = 0; i < s->n_ours; i++) {
			const struct tz_sdp_crypto *a = &m->crypto[0];

			if (a->tag != s->ours[i].tag)
				continue;
			if (strcmp(a->suite, s->ours[i].suite) != 0 || a->key_len != s->ours[i].key_len ||
			    a->mki_len != 0) {
				snprintf(err, errlen, "the answer's a=crypto:%u is not our %s with a "
					 "key of %u bytes and no MKI", a->tag, s->ours[i].suite,
					 s->ours[i].key_len);
				return -EINVAL;
			}
			if (s->chosen >= 0 && (int)i != s->chosen) {   /* re-offer: one line */
				snprintf(err, errlen, "the answer's a=crypto tag %u was not offered", a->tag);
				return -EINVAL;
			}
			pick->idx = (int)i;
			pick->line = a;
			return 0;
		}
		snprintf(err, errlen, "the answer's a=crypto tag %u is none of ours", m->crypto[0].tag);
		return -EINVAL;
	}
	for (unsigned i = 0; i < s->n_ours; i++)          /* our preference order */
		for (unsigned j = 0; j < m->n_crypto; j++) {
			const struct tz_sdp_crypto *o = &m->crypto[j];

			if (strcmp(o->suite, s->ours[i].suite) == 0 &&
			    o->key_len == s->ours[i].key_len && o->mki_len == 0) {
				pick->idx = (int)i;
				pick->line = o;
				return 0;
			}
		}
	snprintf(err, errlen, "the offer has no a=crypto of a suite trunk %s accepts (first: %s), "
		 "with a key of the right length and no MKI", c->sip.trunk->name, s->ours[0].suite);
	return -EINVAL;
}

void tz_sdes_commit(struct call *c, const struct tz_sdes_pick *pick)
{
	tz_sdes_commit_of(c, &c->sip.sdes, pick);
}

void tz_sdes_commit_of(struct call *c, struct call_sdes *s, const struct tz_sdes_pick *pick)
{

	if (!s->on || pick->line == NULL)
		return;
	if (s->chosen >= 0 && pick->idx != s->chosen) {
		s->gen_out++;           /* another suite: our key for it, a new stream */
		s->stale_out = true;
	}
	if (s->peer_known && (pick->idx != s->chosen || pick->line->key_len != s->peer_key_len ||
			      CRYPTO_memcmp(pick->line->key, s->peer_key, s->peer_key_len) != 0)) {
		s->gen_in++;            /* the PBX's new key: a new association */
		s->stale_in = true;
		tz_calls_ctr[TZ_CC_SDES_REKEYED]++;
		TZ_LOG(CP_SESSION, INFO, "call %u: the SIP side sent a new SDES key (%s): new SRTP "
		       "association from it", c->id, s->ours[pick->idx].suite);
	}
	memcpy(s->peer_key, pick->line->key, pick->line->key_len);
	s->peer_key_len = pick->line->key_len;
	s->peer_known = true;
	s->chosen = pick->idx;
	s->offer_pending = false;
}

/* Our answer's a=crypto: our key of the chosen suite (under the offer's tag). */
const struct tz_sdp_crypto *tz_sdes_answer_key(const struct call *c, const struct tz_sdes_pick *pick)
{
	return c->sip.sdes.on && pick->idx >= 0 ? &c->sip.sdes.ours[pick->idx] : NULL;
}

static void retire_later(struct call_sdes *s, struct tz_srtp_ctx *x)
{
	if (x == NULL)
		return;
	if (s->n_old < G_N_ELEMENTS(s->old)) {
		s->old[s->n_old++] = x;
		return;
	}
	tz_dp_sessions_synchronize(tz_calls_env.sessions);     /* cannot happen: 2 per publish */
	tz_srtp_ctx_destroy(x);
}

int tz_sdes_contexts(struct call *c)
{
	return tz_sdes_contexts_of(&c->sip.sdes);
}

int tz_sdes_contexts_of(struct call_sdes *s)
{
	enum tz_srtp_suite su;
	size_t kl;

	if (!s->on)
		return 0;
	if (s->chosen < 0 || !s->peer_known)
		return -EPROTO;
	su = s->suite[s->chosen];
	kl = tz_srtp_suite_key_len(su);
	if (s->ctx_in == NULL || s->stale_in) {
		struct tz_srtp_ctx *x = tz_srtp_ctx_create(tz_calls_env.srtp, su, TZ_SRTP_DIR_UNPROTECT,
							   s->peer_key, kl, s->peer_key + kl,
							   tz_srtp_suite_salt_len(su));

		if (x == NULL)
			return -ENOMEM;
		retire_later(s, s->ctx_in);
		s->ctx_in = x;
		s->stale_in = false;
	}
	if (s->ctx_out == NULL || s->stale_out) {
		const uint8_t *k = s->ours[s->chosen].key;
		struct tz_srtp_ctx *x = tz_srtp_ctx_create(tz_calls_env.srtp, su, TZ_SRTP_DIR_PROTECT, k,
							   kl, k + kl, tz_srtp_suite_salt_len(su));

		if (x == NULL)
			return -ENOMEM;
		retire_later(s, s->ctx_out);
		s->ctx_out = x;
		s->stale_out = false;
	}
	return 0;
}

void tz_sdes_published(struct call *c)
{
	tz_sdes_published_of(&c->sip.sdes);
}

void tz_sdes_published_of(struct call_sdes *s)
{

	if (s->n_old == 0)
		return;
	tz_dp_sessions_synchronize(tz_calls_env.sessions);     /* no worker sees them now */
	for (unsigned i = 0; i < s->n_old; i++)
		tz_srtp_ctx_destroy(s->old[i]);
	s->n_old = 0;
}

void tz_sdes_free(struct call *c)
{
	tz_sdes_free_of(&c->sip.sdes);
}

void tz_sdes_free_of(struct call_sdes *s)
{

	/* the caller has unpublished the flows and waited for the grace period */
	for (unsigned i = 0; i < s->n_old; i++)
		tz_srtp_ctx_destroy(s->old[i]);
	tz_srtp_ctx_destroy(s->ctx_in);
	tz_srtp_ctx_destroy(s->ctx_out);
	s->n_old = 0;
	s->ctx_in = s->ctx_out = NULL;
	OPENSSL_cleanse(s->ours, sizeof(s->ours));
	OPENSSL_cleanse(s->peer_key, sizeof(s->peer_key));
	s->n_ours = 0;
	s->on = false;
}

const char *tz_sdes_describe(const struct call *c, char *buf, size_t len)
{
	const struct call_sdes *s = &c->sip.sdes;

	if (!s->on)
		return "rtp";
	if (s->chosen < 0)
		return "srtp-sdes (negotiating)";
	snprintf(buf, len, "srtp-sdes %s", s->ours[s->chosen].suite);
	return buf;
}
