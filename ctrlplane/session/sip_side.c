/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP leg of a call to a trunk: the INVITE with a plain RTP offer built
 * from the browser's codecs, and the SIP events mapped to the web client
 * (180 -> ringing, 183 -> progress, 200 -> answered, failures and BYE ->
 * hangup with the SIP status).  Media is published once both the DTLS keys
 * and the peer's media address are known.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "calls_pvt.h"
#include "tz_log.h"

static void send_simple(struct call *c, enum tz_jsep_out_type type)
{
	struct tz_jsep_out o = { .type = type, .id = TZ_JSEP_NO_ID, .call = c->name,
				 .sdp_mline_index = -1 };

	if (c->conn != NULL)
		tz_calls_env.send(c->conn, &o);
}

/* The peer's media address and codecs from its SDP; 0 or -EINVAL.  A null
 * address (c=0.0.0.0, the old hold form) keeps the address we had. */
static int read_peer_sdp(struct call *c, const struct tz_sdp *sdp, bool *hold)
{
	struct tz_sdp_neg neg;
	struct tz_sdes_pick pick = { .idx = -1 };
	struct tz_cfg_addr a = { 0 };
	const char *allow[TZ_SDP_NEG_MAX_CODECS + 1];
	char err[200];
	int rc = 0;

	if (c->sip.neg_known)
		tz_sdp_neg_names(&c->sip.neg, allow, G_N_ELEMENTS(allow));
	if (rc == 0)
		rc = tz_sdp_read_sip(sdp, c->sip.neg_known ? allow : NULL, &neg, err, sizeof(err));
	/* SDES trunk: RTP/SAVP with a key we accept (an answer: one of our tags) */
	if (rc == 0 && tz_sdes_pick(c, sdp, &neg, c->sip.sdes.offer_pending, &pick, err,
				    sizeof(err)) != 0) {
		tz_calls_ctr[TZ_CC_SDES_REFUSED]++;
		rc = -EINVAL;
	}
	if (rc == 0 && strcmp(neg.addr, "0.0.0.0") != 0 && strcmp(neg.addr, "::") != 0) {
		a.family = neg.family;
		rc = inet_pton(neg.family, neg.addr, &a.v4) == 1 ? 0 : -EINVAL;
		snprintf(err, sizeof(err), "c=%s is not an IP address", neg.addr);
		if (rc == 0) {
			c->sip.peer.addr = a;
			c->sip.peer.port = neg.port;
			c->sip.peer.rtcp_port = neg.rtcp_port;
			c->sip.peer.known = true;
			c->media.latched = false;     /* a new address: latch afresh */
			c->sip.sdp_addr = a;        /* latching only from here (or media.latch_networks) */
			c->media.latch_start = g_get_monotonic_time();
			c->media.latch_cand.n = 0;
		}
	} else if (rc == 0 && !c->sip.peer.known) {
		rc = -EINVAL;
		snprintf(err, sizeof(err), "c=%s: no media address", neg.addr);
	}
	if (rc == 0) {
		c->sip.neg = (struct tz_sdp_neg){ .te_pt = neg.te_pt, .n_codecs = neg.n_codecs };
		memcpy(c->sip.neg.codecs, neg.codecs, sizeof(neg.codecs));
		c->sip.neg_known = true;
		tz_sdes_commit(c, &pick);
		tz_video_read_peer(c, sdp);
		if (hold != NULL)
			*hold = neg.hold;
	} else {
		TZ_LOG(CP_SESSION, NOTICE, "call %u: unusable SDP from the SIP side: %s", c->id, err);
	}
	return rc;
}

int tz_sip_side_read_peer(struct call *c, const char *text, bool *hold)
{
	struct tz_sdp *sdp = NULL;
	char err[160];
	int rc = tz_sdp_parse(text, strlen(text), &sdp, err, sizeof(err));

	if (rc != 0)
		TZ_LOG(CP_SESSION, NOTICE, "call %u: unusable SDP from the SIP side: %s", c->id, err);
	else
		rc = read_peer_sdp(c, sdp, hold);
	tz_sdp_free(sdp);
	return rc;
}

/* Our core media address for SDP: the core port's IPv4 address, or its IPv6
 * one on an IPv6-only core. */
/* The call's core media address for o= and c= (media_addrs.c). */
static void core_addr(const struct call *c, char *out, size_t len)
{
	tz_media_addr_str(TZ_ROLE_CORE, c->media.core_addr, out, len);
}

static int read_peer(struct call *c, const char *text)
{
	return tz_sip_side_read_peer(c, text, NULL);
}

static void on_progress(struct tz_sip_leg *leg, int status, const char *reason, const char *sdp,
			void *user)
{
	struct call *c = tz_sip_leg_get_user(leg);

	if (c == NULL || c->state == CALL_ENDED)
		return;
	if (sdp != NULL && !c->sip.peer.known && read_peer(c, sdp) == 0)
		tz_call_media_ready(c);                 /* early media */
	send_simple(c, status == 183 ? TZ_JSEP_OUT_PROGRESS : TZ_JSEP_OUT_RINGING);
}

static void on_answered(struct tz_sip_leg *leg, const char *sdp, void *user)
{
	struct call *c = tz_sip_leg_get_user(leg);

	if (c == NULL || c->state == CALL_ENDED)
		return;
	if (!c->sip.peer.known && (sdp == NULL || read_peer(c, sdp) != 0)) {
		tz_call_failed(c, TZ_JSEP_ERR_BAD_SDP, c->sip.sdes.on
			       ? "the trunk answered without usable SDP (SDES-SRTP: it must "
				 "accept one of our a=crypto keys)"
			       : "the trunk answered without usable SDP");
		return;
	}
	c->sip.answered = true;
	c->cdr.answer = g_get_real_time();
	tz_calls_trunk_result(c->sip.trunk, 200);
	tz_calls_tenant_answered(c);
	if (c->conn != NULL) {
		struct tz_jsep_out o = { .type = TZ_JSEP_OUT_ANSWERED, .id = TZ_JSEP_NO_ID,
					 .call = c->name, .sdp_mline_index = -1,
					 .video = c->video.on && !c->video.sip.on ? "rejected" : NULL };

		tz_calls_env.send(c->conn, &o);
	}
	tz_call_negotiation_deadline(c);         /* SIP-WS: the phone's DTLS starts now at the latest */
	tz_call_media_ready(c);
}

static void on_ended(struct tz_sip_leg *leg, int status, const char *reason, void *user)
{
	struct call *c = tz_sip_leg_get_user(leg);

	if (c == NULL)
		return;
	if (!c->inbound && !c->sip.answered && status >= 300)
		tz_calls_trunk_result(c->sip.trunk, status);   /* the trunk's final answer */
	c->cdr.by = TZ_CDR_BY_SIP;
	if (!c->sip.answered && status >= 400 && tz_call_announce_failure(c, status, reason))
		return;                 /* ends after the announcement */
	/* A BYE after an answered call is a normal end for the web client. */
	tz_call_end(c, c->sip.answered && status == 200 ? 200 : status,
		    reason != NULL ? reason : "", true);
}

/* No answer from the web user in time: 480 to the caller. */
static gboolean no_answer(gpointer p)
{
	struct call *c = p;

	c->timer = 0;
	tz_sip_leg_reject(c->sip.leg, 480, "Temporarily Unavailable");
	tz_call_end(c, 480, "no answer", true);
	return G_SOURCE_REMOVE;
}

static uint32_t ring_time(void)
{
	return tz_calls_env.cfg->sip.ring_timeout_s > 0 ? tz_calls_env.cfg->sip.ring_timeout_s : 60;
}

/* Offer the SIP caller's call to the web user's browser.  0, or the SIP
 * status to refuse it with. */
int tz_sip_side_offer(struct call *c, const char *display)
{
	struct tz_sdp_neg neg;
	const char *names[TZ_SDP_NEG_MAX_CODECS + 1], *web[TZ_SDP_NEG_MAX_CODECS + 5];
	g_autofree char *offer = NULL;
	char err[160];
	struct tz_jsep_out o = { .type = TZ_JSEP_OUT_INCOMING, .id = TZ_JSEP_NO_ID, .call = c->name,
				 .from = c->sip.from, .display = display, .sdp_mline_index = -1 };

	/* parsed once, kept for our answer when the browser accepts */
	if (tz_sdp_parse(c->sip.offer_text, strlen(c->sip.offer_text), &c->sip.offer, err,
			 sizeof(err)) != 0 ||
	    tz_sdp_read_sip(c->sip.offer, NULL, &neg, err, sizeof(err)) != 0) {
		TZ_LOG(CP_SESSION, NOTICE, "incoming call %u: SDP refused: %s", c->id, err);
		tz_calls_ctr[TZ_CC_SDP_REFUSED]++;
		return 488;
	}
	tz_sdp_neg_names(&neg, names, G_N_ELEMENTS(names));
	if (tz_sdes_start(c) != 0)
		return 500;
	if (read_peer_sdp(c, c->sip.offer, NULL) != 0) {
		/* an SDES trunk's offer without a key we accept: not acceptable here */
		tz_calls_ctr[TZ_CC_SDP_REFUSED] += c->sip.sdes.on;
		return c->sip.sdes.on ? 488 : 500;
	}
	tz_call_xcode_web_offer(c, names, web, G_N_ELEMENTS(web));   /* + what the stage could take */
	if (tz_media_core_ports(c) != 0 ||
	    tz_web_leg_offer(c, web, err, sizeof(err), &offer) != 0)
		return 500;
	o.sdp = offer;
	tz_calls_send(c, &o);
	if (c->sip.leg != NULL) {
		tz_sip_leg_ringing(c->sip.leg);
		tz_sip_side_ring_timer(c);
	}
	return 0;
}

/* The caller hears ringing for at most ring_timeout_s from the INVITE. */
void tz_sip_side_ring_timer(struct call *c)
{
	int64_t left = (int64_t)ring_time() * G_USEC_PER_SEC - (g_get_monotonic_time() - c->t_offer);

	if (c->timer != 0)
		g_source_remove(c->timer);
	c->timer = g_timeout_add(left > 1000 ? (guint)(left / 1000) : 1, no_answer, c);
}

static void on_incoming(struct tz_sip_leg *leg, const char *to_user, const char *from_uri,
			const char *display, const char *sdp_offer, void *user)
{
	const char *token = tz_sip_leg_contact_token(leg);
	const struct tz_cfg_trunk *trunk;
	int tenant = tz_inbound_tenant(tz_sip_leg_source(leg), &trunk);
	char why[160];
	void *conn;
	struct call *c;
	int status;

	conn = tz_inbound_callee(tenant, to_user, token);
	if (conn == NULL && token != NULL) {
		tz_calls_ctr[TZ_CC_STALE_CONTACT]++;
		TZ_LOG(CP_SESSION, NOTICE, "incoming call from %s to %s: no login holds that "
		       "registration contact (stale or made up): 404", from_uri, to_user);
	}
	if (conn == NULL || tz_calls_conn_busy(conn) || sdp_offer == NULL ||
	    !tz_calls_admit_inbound()) {
		status = conn == NULL ? 404 : sdp_offer == NULL ? 488 : tz_calls_conn_busy(conn) ? 486
										: 503;
		tz_calls_ctr[TZ_CC_SDP_REFUSED] += status == 488;
		TZ_LOG(CP_SESSION, INFO, "incoming call from %s to %s refused: %d", from_uri, to_user, status);
		tz_sip_leg_reject(leg, status, NULL);
		tz_sip_leg_free(leg);
		return;
	}
	c = tz_call_new(conn, NULL, to_user, from_uri);
	c->inbound = true;
	c->tenant = (uint32_t)tenant;
	c->sip.trunk = trunk;
	status = tz_calls_tenant_admit(c, NULL, NULL, why, sizeof(why));
	if (status != 0) {
		TZ_LOG(CP_SESSION, INFO, "incoming call from %s to %s refused: %d %s", from_uri,
		       to_user, status, why);
		tz_sip_leg_reject(leg, status, NULL);
		tz_sip_leg_free(leg);
		tz_call_discard(c);
		return;
	}
	c->sip.leg = leg;
	g_strlcpy(c->sip.from, from_uri, sizeof(c->sip.from));
	c->sip.offer_text = g_strdup(sdp_offer);
	tz_sip_leg_set_user(leg, c);
	tz_call_register(c);
	status = tz_sip_side_offer(c, display);
	if (status != 0) {
		tz_sip_leg_reject(leg, status, NULL);
		tz_call_end(c, 0, "internal", false);
		return;
	}
	if (c->state == CALL_ENDED)
		return;                          /* the browser refused it at once */
	TZ_LOG(CP_SESSION, INFO, "call %u: %s -> web user %s, ringing", c->id, from_uri, to_user);
	if (c->kind == TZ_WEB_SIPWS)
		tz_fork_ring_siblings(c, display);
}

/* Our answer to a SIP offer (the first INVITE's or a re-INVITE's / UPDATE's):
 * the offer's codecs among @p allow with its payload types, direction @p dir
 * (NONE = the offer's mirrored), our origin with the next version.
 * c->sip.neg takes what was agreed.  NULL with @p err when unusable. */
static char *answer_from(struct call *c, const struct tz_sdp *sdp, const char *const *allow,
			 enum tz_sdp_dir dir, char *err, size_t errlen)
{
	struct tz_sdp_sip_local l = { .sess_id = c->sip.sess_id, .sess_version = c->sip.version + 1,
				      .port = c->media.core_port, .dir = dir };
	struct tz_sdp *answer = NULL;
	struct tz_sdp_neg neg;
	struct tz_sdes_pick pick = { .idx = -1 };
	char addr[INET6_ADDRSTRLEN];
	char *text = NULL;
	int rc = tz_sdp_read_sip(sdp, allow, &neg, err, errlen);

	/* SDES: our key of the first of our suites the offer has, under its tag */
	if (rc == 0 && c->sip.sdes.on) {
		rc = tz_sdes_pick(c, sdp, &neg, false, &pick, err, errlen);
		neg.crypto = pick.line;
		l.crypto = tz_sdes_answer_key(c, &pick);
	}
	core_addr(c, addr, sizeof(addr));
	l.addr = addr;
	if (rc == 0 && (tz_sdp_answer_sip(&l, &neg, &answer) != 0 ||
			tz_sdp_video_answer_sip(answer, sdp, c->video.held ? &c->video.sip : NULL,
						c->video.core_port, dir) != 0 ||
			tz_video_sdes_answer(c, sdp, answer) != 0))
		snprintf(err, errlen, "cannot build the SDP answer");
	else if (rc == 0)
		text = tz_sdp_build(answer, NULL);
	if (text != NULL) {
		tz_sdes_commit(c, &pick);
		c->sip.version = l.sess_version;
		c->sip.neg = (struct tz_sdp_neg){ .te_pt = neg.te_pt, .n_codecs = neg.n_codecs };
		memcpy(c->sip.neg.codecs, neg.codecs, sizeof(neg.codecs));
	}
	tz_sdp_free(answer);
	return text;
}

char *tz_sip_side_answer_sdp(struct call *c, const char *offer, const char *const *allow,
			     enum tz_sdp_dir dir, char *err, size_t errlen)
{
	struct tz_sdp *sdp = NULL;
	char *text = NULL;

	if (tz_sdp_parse(offer, strlen(offer), &sdp, err, errlen) == 0)
		text = answer_from(c, sdp, allow, dir, err, errlen);
	tz_sdp_free(sdp);
	return text;
}

/* The browser accepted: answer the caller with our core media address and
 * the codecs both sides have. */
int tz_sip_side_answer(struct call *c, char *err, size_t errlen)
{
	const char *names[TZ_SDP_NEG_MAX_CODECS + 1];
	g_autofree char *text = NULL;

	tz_call_xcode_sip_names(c, names, G_N_ELEMENTS(names));  /* transcoded: the caller's */
	c->sip.sess_id = (uint64_t)g_get_real_time();
	c->sip.version = 0;
	text = c->sip.offer != NULL ? answer_from(c, c->sip.offer, names, TZ_SDP_DIR_NONE, err, errlen)
				    : tz_sip_side_answer_sdp(c, c->sip.offer_text, names,
							     TZ_SDP_DIR_NONE, err, errlen);
	if (text == NULL)
		return -EINVAL;
	if (tz_sip_leg_answer(c->sip.leg, text) != 0) {
		snprintf(err, errlen, "cannot answer the SIP caller");
		return -EIO;
	}
	c->sip.answered = true;
	c->cdr.answer = g_get_real_time();
	tz_calls_tenant_answered(c);
	tz_calls_send(c, &(struct tz_jsep_out){ .type = TZ_JSEP_OUT_ANSWERED, .id = TZ_JSEP_NO_ID,
					       .call = c->name, .sdp_mline_index = -1 });
	return 0;
}

/* Our SIP-side SDP again, as an offer (re-INVITE for hold/resume, or the
 * answer to an offerless re-INVITE): same origin, next version, the codecs
 * the legs agreed on, direction @p dir. */
char *tz_sip_side_sdp(struct call *c, enum tz_sdp_dir dir)
{
	const char *names[TZ_SDP_NEG_MAX_CODECS + 1];
	struct tz_sdp_sip_local l = { .sess_id = c->sip.sess_id, .sess_version = ++c->sip.version,
				      .port = c->media.core_port, .dir = dir, .codecs = names,
				      .no_dtmf = c->sip.neg.te_pt < 0 };
	struct tz_sdp *offer = NULL;
	char addr[INET6_ADDRSTRLEN], err[160];
	char *text = NULL;

	tz_sdp_neg_names(&c->sip.neg, names, G_N_ELEMENTS(names));
	core_addr(c, addr, sizeof(addr));
	l.addr = addr;
	tz_sdes_local(c, &l, true);             /* SDES: the key in use, same tag */
	if (tz_sdp_offer_sip(&l, c->xc.on ? NULL : c->web.offer, &offer, err, sizeof(err)) == 0 &&
	    tz_video_sip_offer(c, offer) == 0)
		text = tz_sdp_build(offer, NULL);
	else
		TZ_LOG(CP_SESSION, WARNING, "call %u: cannot build our SDP again: %s", c->id, err);
	tz_sdp_free(offer);
	return text;
}

/* SIP MESSAGE for a web user: to the connection of the registration the
 * registrar forwarded it to (or the user's latest login), now.  A
 * trapeze-jsep.v1 user gets it in each of its sessions (messaging.c). */
static int on_message(const char *to_user, const char *contact_token, const char *from_uri,
		      const char *display, const char *content_type, const char *body,
		      size_t len, const struct tz_sip_source *src, void *user)
{
	const struct tz_cfg_trunk *trunk;
	int tenant = tz_inbound_tenant(src, &trunk);
	void *conn = tz_inbound_callee(tenant, to_user, contact_token);
	bool jsep = conn != NULL && (tz_calls_env.kind == NULL ||
				     tz_calls_env.kind(conn) == TZ_WEB_JSEP);

	if (conn == NULL && contact_token == NULL && tenant >= 0 &&
	    !tz_login_user_elsewhere((uint32_t)tenant, to_user))
		return tz_messaging_incoming(tenant, NULL, to_user, from_uri, display,
					     content_type, body, len);   /* 480 when offline */
	if (conn == NULL) {
		/* a stale registration, another tenant's user, no tenant */
		tz_messaging_offline(tenant, true);
		return 404;
	}
	if (jsep)
		return tz_messaging_incoming(tenant, contact_token != NULL ? conn : NULL, to_user,
					     from_uri, display, content_type, body, len);
	if (tz_calls_env.message == NULL)
		return 405;
	switch (tz_calls_env.message(conn, from_uri, display, content_type, body, len)) {
	case 0:
		return 200;
	case -EINVAL:
		return 415;
	default:
		return 480;
	}
}

const struct tz_sip_handlers tz_calls_sip_handlers = {
	.on_incoming = on_incoming,
	.on_progress = on_progress,
	.on_answered = on_answered,
	.on_ended = on_ended,
	.on_reinvite = tz_midcall_on_reinvite,
	.on_reinvite_answer = tz_midcall_on_reinvite_answer,
	.on_dtmf = tz_midcall_on_dtmf,
	.on_fast_update = tz_video_in_fast_update,
	.on_message = on_message,
	.on_refer = tz_transfer_on_refer,
};

const struct tz_sip_handlers *tz_calls_sip_handlers_get(void)
{
	return &tz_calls_sip_handlers;
}

int tz_sip_side_start(struct call *c, const char *user_part, char *err, size_t errlen)
{
	struct tz_sdp_sip_local l = { .sess_id = (uint64_t)g_get_real_time(), .sess_version = 1 };
	struct tz_sdp *offer = NULL;
	char addr[INET6_ADDRSTRLEN];
	g_autofree char *text = NULL;
	const char *names[TZ_SDP_NEG_MAX_CODECS + 1];
	int rc = c->media.core_fd[0] >= 0 ? 0 : tz_media_core_ports(c);   /* held since admission */

	if (rc != 0) {
		snprintf(err, errlen, "no free media port on the core side");
		return rc;
	}
	tz_sdp_neg_names(&c->web.neg, names, G_N_ELEMENTS(names));   /* what the browser got */
	c->sip.sess_id = l.sess_id;
	c->sip.version = l.sess_version;
	core_addr(c, addr, sizeof(addr));
	l.addr = addr;
	l.port = c->media.core_port;
	l.codecs = names;
	l.no_dtmf = c->sip.trunk->dtmf == TZ_DTMF_INFO;
	rc = tz_sdes_start(c);                  /* SDES trunk: fresh keys for the call */
	if (rc != 0) {
		snprintf(err, errlen, "trunk %s: no usable srtp_suites for SDES-SRTP", c->sip.trunk->name);
		return rc;
	}
	tz_sdes_local(c, &l, true);
	if (c->xc.on) {
		/* transcoded: the trunk's codecs, not the browser's (docs/config.md) */
		static const char *const trunk_default[] = { "PCMU", "PCMA", "G722", NULL };

		l.codecs = c->sip.trunk->codecs != NULL ? (const char *const *)c->sip.trunk->codecs
						       : trunk_default;
	}
	rc = tz_sdp_offer_sip(&l, c->xc.on ? NULL : c->web.offer, &offer, err, errlen);
	if (rc == 0)
		rc = tz_video_sip_offer(c, offer);
	if (rc == 0)
		text = tz_sdp_build(offer, NULL);
	tz_sdp_free(offer);
	if (text == NULL)
		return rc != 0 ? rc : -ENOMEM;
	if (c->from_uri[0] != '\0') {
		/* SIP over WebSocket: the registered AOR, as From and P-Asserted-Identity */
		struct tz_sip_invite_opts o = { .from_uri = c->from_uri, .pai = c->from_uri,
						.from_display = c->display[0] ? c->display : NULL,
						.authorization = c->sip.auth,
						.proxy_auth = c->sip.proxy_auth,
						/* a trunk with an account of its own answers
						 * challenges itself; else the phone does */
						.relay_challenge = c->sip.trunk->username == NULL };

		c->sip.leg = tz_sip_invite_opts(tz_calls_env.sip, c->sip.trunk, user_part, &o, text, c);
	} else {
		c->sip.leg = tz_sip_invite(tz_calls_env.sip, c->sip.trunk, user_part, c->user, c->display,
				       text, c);
	}
	if (c->sip.leg == NULL) {
		snprintf(err, errlen, "cannot send the INVITE to trunk %s", c->sip.trunk->name);
		return -EIO;
	}
	TZ_LOG(CP_SESSION, INFO, "call %u: %s -> %s via trunk %s, core port %u", c->id, c->user,
	       c->target, c->sip.trunk->name, c->media.core_port);
	return 0;
}
