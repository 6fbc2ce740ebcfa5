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

/* The peer's media address from its SDP; 0 or -EINVAL. */
static int read_peer(struct call *c, const char *text)
{
	struct tz_sdp *sdp = NULL;
	struct tz_sdp_neg neg;
	char err[160];
	int rc = tz_sdp_parse(text, strlen(text), &sdp, err, sizeof(err));

	if (rc == 0)
		rc = tz_sdp_read_sip(sdp, NULL, &neg, err, sizeof(err));
	if (rc == 0) {
		c->peer.addr.family = neg.family;
		rc = inet_pton(neg.family, neg.addr, &c->peer.addr.v4) == 1 ? 0 : -EINVAL;
		snprintf(err, sizeof(err), "c=%s is not an IP address", neg.addr);
	}
	if (rc == 0) {
		c->peer.port = neg.port;
		c->peer.rtcp_port = neg.rtcp_port;
		c->peer.known = true;
	} else {
		TZ_LOG(CP_SESSION, NOTICE, "call %u: unusable SDP from the trunk: %s", c->id, err);
	}
	tz_sdp_free(sdp);
	return rc;
}

static void on_progress(struct tz_sip_leg *leg, int status, const char *reason, const char *sdp,
			void *user)
{
	struct call *c = tz_sip_leg_get_user(leg);

	if (c == NULL || c->state == CALL_ENDED)
		return;
	if (sdp != NULL && !c->peer.known && read_peer(c, sdp) == 0)
		tz_call_media_ready(c);                 /* early media */
	send_simple(c, status == 183 ? TZ_JSEP_OUT_PROGRESS : TZ_JSEP_OUT_RINGING);
}

static void on_answered(struct tz_sip_leg *leg, const char *sdp, void *user)
{
	struct call *c = tz_sip_leg_get_user(leg);

	if (c == NULL || c->state == CALL_ENDED)
		return;
	if (!c->peer.known && (sdp == NULL || read_peer(c, sdp) != 0)) {
		tz_call_failed(c, TZ_JSEP_ERR_BAD_SDP, "the trunk answered without usable SDP");
		return;
	}
	c->sip_answered = true;
	send_simple(c, TZ_JSEP_OUT_ANSWERED);
	tz_call_media_ready(c);
}

static void on_ended(struct tz_sip_leg *leg, int status, const char *reason, void *user)
{
	struct call *c = tz_sip_leg_get_user(leg);

	if (c == NULL)
		return;
	/* A BYE after an answered call is a normal end for the web client. */
	tz_call_end(c, c->sip_answered && status == 200 ? 200 : status,
		    reason != NULL ? reason : "", true);
}

const struct tz_sip_handlers tz_calls_sip_handlers = {
	.on_progress = on_progress,
	.on_answered = on_answered,
	.on_ended = on_ended,
};

const struct tz_sip_handlers *tz_calls_sip_handlers_get(void)
{
	return &tz_calls_sip_handlers;
}

int tz_sip_side_start(struct call *c, const char *user_part, char *err, size_t errlen)
{
	const struct tz_cfg_port *p = tz_calls_env.core->cfg;
	struct tz_sdp_sip_local l = { .sess_id = (uint64_t)g_get_real_time(), .sess_version = 1 };
	struct tz_sdp *offer = NULL;
	char addr[INET6_ADDRSTRLEN];
	g_autofree char *text = NULL;
	int rc = tz_media_core_ports(c);

	if (rc != 0) {
		snprintf(err, errlen, "no free media port on the core side");
		return rc;
	}
	inet_ntop(AF_INET, &p->ipv4.addr.v4, addr, sizeof(addr));
	l.addr = addr;
	l.port = c->core_port;
	l.codecs = (const char *const *)c->trunk->codecs;
	rc = tz_sdp_offer_sip(&l, c->offer, &offer, err, errlen);
	if (rc == 0)
		text = tz_sdp_build(offer, NULL);
	tz_sdp_free(offer);
	if (text == NULL)
		return rc != 0 ? rc : -ENOMEM;
	c->leg = tz_sip_invite(tz_calls_env.sip, c->trunk, user_part, c->user, NULL, text, c);
	if (c->leg == NULL) {
		snprintf(err, errlen, "cannot send the INVITE to trunk %s", c->trunk->name);
		return -EIO;
	}
	TZ_LOG(CP_SESSION, INFO, "call %u: %s -> %s via trunk %s, core port %u", c->id, c->user,
	       c->target, c->trunk->name, c->core_port);
	return 0;
}
