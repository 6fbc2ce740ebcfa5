/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The browser side of a call: answer its offer (ICE-lite, DTLS fingerprint,
 * one audio section), run ICE on the access address and DTLS-SRTP over the
 * ICE component.  When DTLS is connected the keys are in hand and the call
 * manager publishes the media.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "calls_pvt.h"
#include "tz_log.h"

static const char *const hash_names[] = {
	[TZ_SDP_HASH_SHA1] = "sha-1",
	[TZ_SDP_HASH_SHA256] = "sha-256",
	[TZ_SDP_HASH_SHA384] = "sha-384",
	[TZ_SDP_HASH_SHA512] = "sha-512",
};

static void ice_state(struct tz_ice *ice, enum tz_ice_state s, void *user)
{
	struct call *c = user;

	if (s == TZ_ICE_FAILED) {
		tz_call_failed(c, TZ_JSEP_ERR_ICE_FAILED, "ICE failed");
		return;
	}
	if (s != TZ_ICE_CONNECTED || c->web.t_ice != 0)
		return;
	c->web.t_ice = g_get_monotonic_time();
	if (tz_dtls_role(c->web.dtls) == TZ_DTLS_CLIENT)
		tz_dtls_start(c->web.dtls);
}

/* RFC 7983: what reaches the ICE socket besides STUN is DTLS (20..63) or,
 * until the fast path has the session, media (which has no use here). */
static void ice_recv(struct tz_ice *ice, const uint8_t *data, size_t len, void *user)
{
	struct call *c = user;

	if (len > 0 && data[0] >= 20 && data[0] <= 63)
		tz_dtls_input(c->web.dtls, data, len);
}

static void dtls_send(const uint8_t *data, size_t len, void *user)
{
	struct call *c = user;

	tz_ice_send(c->web.ice, data, len);
}

static void dtls_event(struct tz_dtls *d, enum tz_dtls_event ev, void *user)
{
	struct call *c = user;

	if (ev == TZ_DTLS_CONNECTED) {
		c->web.t_dtls = g_get_monotonic_time();
		tz_call_connected(c);
	} else if (ev == TZ_DTLS_FAILED) {
		tz_call_failed(c, TZ_JSEP_ERR_DTLS_FAILED, tz_dtls_error(d));
	} else {
		c->cdr.by = TZ_CDR_BY_WEB;          /* the browser closed DTLS */
		tz_call_end(c, 200, "normal", true);
	}
}

/*
 * The browser's certificate fingerprint to check: the strongest hash among
 * its a=fingerprint lines (the media section's, else the session's).  SHA-1
 * is refused (RFC 8122 §5: SHA-256 or stronger; every browser offers
 * sha-256): a fingerprint an attacker could match with a second certificate
 * would let it take the call's keys.  NULL when nothing acceptable.
 */
static const struct tz_sdp_fingerprint *strongest_fingerprint(const struct call *c)
{
	const struct tz_sdp_common *where[2] = { NULL, &c->web.offer->common };
	const struct tz_sdp_fingerprint *best = NULL;

	if (c->web.neg.media < c->web.offer->n_media)
		where[0] = &c->web.offer->media[c->web.neg.media].common;
	for (int w = 0; w < 2 && best == NULL; w++)
		for (unsigned i = 0; where[w] != NULL && i < where[w]->n_fp; i++)
			if (where[w]->fp[i].hash >= TZ_SDP_HASH_SHA256 &&
			    where[w]->fp[i].hash <= TZ_SDP_HASH_SHA512 &&
			    (best == NULL || where[w]->fp[i].hash > best->hash))
				best = &where[w]->fp[i];
	return best;
}

static int make_dtls(struct call *c, char *err, size_t errlen)
{
	struct tz_dtls_fingerprint fp = { 0 };
	const struct tz_sdp_fingerprint *sfp = strongest_fingerprint(c);

	if (sfp == NULL || sfp->len > sizeof(fp.value)) {
		tz_calls_ctr[TZ_CC_FP_REFUSED]++;
		snprintf(err, errlen, "a=fingerprint: no sha-256 (or stronger) fingerprint; sha-1 "
			 "is refused");
		return -EINVAL;
	}
	g_strlcpy(fp.algorithm, hash_names[sfp->hash], sizeof(fp.algorithm));
	memcpy(fp.value, sfp->digest, sfp->len);
	fp.len = sfp->len;
	c->web.dtls = tz_dtls_new(tz_calls_env.cert, c->web.neg.dtls_client ? TZ_DTLS_CLIENT : TZ_DTLS_SERVER,
			      &fp, dtls_send, dtls_event, c);
	if (c->web.dtls == NULL) {
		snprintf(err, errlen, "cannot create the DTLS context");
		return -ENOMEM;
	}
	return 0;
}

/* The access address browsers reach us on (IPv4 preferred). */
/* Our side of the SDP: ICE credentials and port from the agent, our cert. */
static void local_params(struct call *c, struct tz_sdp_local *l, const char *addr, uint8_t fp[32])
{
	struct tz_dtls_fingerprint mine;

	tz_dtls_cert_digest(tz_calls_env.cert, "sha-256", &mine);
	memcpy(fp, mine.value, 32);
	*l = (struct tz_sdp_local){
		.ice_ufrag = tz_ice_local_ufrag(c->web.ice), .ice_pwd = tz_ice_local_pwd(c->web.ice),
		.setup = TZ_SDP_SETUP_PASSIVE, .addr = addr, .port = tz_ice_local_port(c->web.ice),
		.ssrc = c->web.ssrc, .cname = "trapeze", .sess_id = g_get_real_time(), .sess_version = 1,
	};
	memcpy(l->fingerprint, fp, 32);
}

/* The ICE agent on one of the access media addresses, the least used
 * first, the next when its range is full (media_addrs.c). */
static int make_ice(struct call *c, char *addr, size_t addrlen, char *err, size_t errlen)
{
	const struct tz_cfg_range *r = &tz_calls_env.cfg->media.ports[TZ_ROLE_ACCESS];
	struct tz_ice_conf ic = { .port_min = r->first, .port_max = r->last };
	unsigned order[TZ_DP_MAX_LOCAL_ADDRS];
	unsigned n = tz_media_addr_order(TZ_ROLE_ACCESS, order);

	for (unsigned i = 0; i < n && c->web.ice == NULL; i++) {
		tz_media_addr_str(TZ_ROLE_ACCESS, order[i], addr, addrlen);
		ic.local_ip = addr;
		c->web.ice = tz_ice_new(NULL, &ic, ice_state, ice_recv, c);
		c->web.addr = (uint8_t)order[i];
		if (c->web.ice == NULL && (errno == EMFILE || errno == ENFILE)) {
			/* out of descriptors: no other address helps */
			snprintf(err, errlen, "out of descriptors (RLIMIT_NOFILE)");
			return -EMFILE;
		}
	}
	if (c->web.ice == NULL) {
		snprintf(err, errlen, "no free media port on %s%s (%u-%u)", addr,
			 n > 1 ? " nor the other access media addresses" : "", r->first, r->last);
		return -EADDRINUSE;
	}
	tz_media_addr_take(TZ_ROLE_ACCESS, c->web.addr);
	return 0;
}

/*
 * Inbound: our offer to the browser (ICE-lite, actpass) with the codecs the
 * SIP caller offered, in its order.
 */
int tz_web_leg_offer(struct call *c, const char *const *codecs, char *err, size_t errlen,
		     char **offer_sdp)
{
	char addr[INET6_ADDRSTRLEN];
	struct tz_sdp_local local;
	uint8_t fp[32];
	int rc;

	c->web.ssrc = g_random_int() | 1;
	rc = make_ice(c, addr, sizeof(addr), err, errlen);
	if (rc != 0)
		return rc;
	local_params(c, &local, addr, fp);
	local.setup = TZ_SDP_SETUP_ACTPASS;
	local.codecs = codecs;
	rc = tz_sdp_offer_webrtc(&local, &c->web.our_offer);
	if (rc != 0) {
		snprintf(err, errlen, "cannot build the offer to the browser");
		return rc;
	}
	tz_video_in_offer(c, c->web.our_offer);    /* a video trunk's caller's video */
	*offer_sdp = tz_sdp_build(c->web.our_offer, NULL);
	return *offer_sdp != NULL ? 0 : -ENOMEM;
}

/* Inbound: the browser's answer to our offer; ICE and DTLS can start. */
int tz_web_leg_accept(struct call *c, const char *answer_sdp, char *err, size_t errlen)
{
	int rc = tz_sdp_parse(answer_sdp, strlen(answer_sdp), &c->web.offer, err, errlen);

	if (rc == 0)
		rc = tz_sdp_accept_webrtc(c->web.our_offer, c->web.offer, &c->web.neg, err, errlen);
	if (rc == 0)
		tz_video_in_accept(c);
	if (rc == 0)
		rc = tz_call_xcode_inbound(c, err, errlen);   /* the browser took none of the caller's */
	if (rc == 0)
		rc = make_dtls(c, err, errlen);
	if (rc == 0 && tz_ice_set_remote_credentials(c->web.ice, c->web.neg.ice_ufrag, c->web.neg.ice_pwd) != 0) {
		snprintf(err, errlen, "a=ice-ufrag/ice-pwd: unusable");
		rc = -EINVAL;
	}
	return rc;
}

int tz_web_leg_start(struct call *c, const char *offer_sdp, char *err, size_t errlen,
		     char **answer_sdp)
{
	char addr[INET6_ADDRSTRLEN];
	struct tz_sdp *answer = NULL;
	struct tz_sdp_local local;
	uint8_t fp[32];
	int rc;

	rc = tz_sdp_parse(offer_sdp, strlen(offer_sdp), &c->web.offer, err, errlen);
	if (rc != 0)
		return rc;
	c->web.ssrc = g_random_int() | 1;
	rc = make_ice(c, addr, sizeof(addr), err, errlen);
	if (rc != 0)
		return rc;
	local_params(c, &local, addr, fp);
	if (c->sip.trunk != NULL) {
		/* A trunk without an allow-list gets G.711 and G.722: what SIP
		 * networks carry; opus only when the trunk lists it. */
		static const char *const trunk_default[] = { "PCMU", "PCMA", "G722", NULL };

		local.codecs = c->sip.trunk->codecs != NULL ? (const char *const *)c->sip.trunk->codecs
							: trunk_default;
		local.no_dtmf = c->sip.trunk->dtmf == TZ_DTMF_INFO;   /* DTMF goes as SIP INFO */
	}
	rc = tz_sdp_answer_webrtc(c->web.offer, &local, &answer, &c->web.neg, err, errlen);
	if (tz_call_xcode_wanted(c, rc == 0)) {
		/* transcoded (no common codec, or the trunk prefers it): the
		 * browser keeps its codec, the trunk is offered all of its own */
		local.codecs = tz_call_xcode_web_codecs();
		tz_sdp_free(answer);
		answer = NULL;
		rc = tz_sdp_answer_webrtc(c->web.offer, &local, &answer, &c->web.neg, err, errlen);
		if (rc == 0)
			rc = tz_call_xcode_admit(c, err, errlen);
		if (rc != 0) {
			tz_sdp_free(answer);
			return rc;
		}
	}
	if (rc == 0 && c->sip.trunk != NULL) {
		/* One codec for a call to a trunk: the first of the trunk's the
		 * browser offered.  The browser sends the first codec of our answer,
		 * so the trunk is offered exactly that one (and telephone-event): the
		 * two legs cannot end up on different codecs. */
		const char *pick[2] = { NULL, NULL };

		tz_sdp_neg_names(&c->web.neg, pick, G_N_ELEMENTS(pick));
		local.codecs = pick;
		tz_sdp_free(answer);
		answer = NULL;
		rc = tz_sdp_answer_webrtc(c->web.offer, &local, &answer, &c->web.neg, err, errlen);
	}
	if (rc == 0)
		rc = tz_video_web_answer(c, answer);    /* a trunk with video: the bundled video */
	if (rc != 0) {
		tz_sdp_free(answer);
		return rc;
	}
	rc = make_dtls(c, err, errlen);
	if (rc == 0 && tz_ice_set_remote_credentials(c->web.ice, c->web.neg.ice_ufrag, c->web.neg.ice_pwd) != 0) {
		snprintf(err, errlen, "a=ice-ufrag/ice-pwd: unusable");
		rc = -EINVAL;
	}
	/* No remote candidates for the agent: as ICE-lite we learn the browser's
	 * address from its nominating check (RFC 8445 §2.5), and checks of our
	 * own would only delay the connected state. */
	if (rc == 0) {
		*answer_sdp = tz_sdp_build(answer, NULL);
		rc = *answer_sdp != NULL ? 0 : -ENOMEM;
	}
	tz_sdp_free(answer);
	return rc;
}

void tz_web_leg_free(struct call *c)
{
	tz_dtls_free(c->web.dtls);
	c->web.dtls = NULL;
	if (c->web.ice != NULL)
		tz_media_addr_put(TZ_ROLE_ACCESS, c->web.addr);
	tz_ice_free(c->web.ice);
	c->web.ice = NULL;
	tz_sdp_free(c->web.offer);
	c->web.offer = NULL;
	tz_sdp_free(c->web.our_offer);
	c->web.our_offer = NULL;
}
