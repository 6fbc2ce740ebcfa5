/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mid-call events between the legs of a call to or from SIP:
 *  - hold/resume: the web user's hold -> re-INVITE a=sendonly to the SIP
 *    side, unhold -> a=sendrecv; the SIP side's re-INVITE is answered with
 *    the mirrored direction and the browser hears held/unheld {by: remote}.
 *    A held call is not ended by the media timeout.
 *  - DTMF: with telephone-event negotiated on both legs the digits travel in
 *    the media (RFC 4733, payload types mapped by the dataplane); with
 *    trunks set to `dtmf: info`, or a SIP side without telephone-event, the
 *    client's dtmf message becomes SIP INFO application/dtmf-relay, one
 *    request per digit; INFO from the SIP side reaches the browser as a
 *    dtmf message.
 *  - latching (symmetric RTP): media from the SIP side that reaches our core
 *    port from another address than its SDP announced (a PBX behind NAT)
 *    misses the fast path and lands on the socket we hold for the port.
 *    The call's SIP-side flows move to that source only if it is the SDP's
 *    address (another port) or inside media.latch_networks, within
 *    media.latch_window_s of the media start, after LATCH_PACKETS packets
 *    in a row with one SSRC: anyone else's RTP (RTP bleed) is dropped and
 *    counted (latch_refused_*).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "calls_pvt.h"
#include "tz_log.h"

#define DTMF_GAP_MS 80          /* between two INFO digits, after the duration */
#define LATCH_PACKETS 3         /* in a row from one source with one SSRC */

static void send_out(struct call *c, const struct tz_jsep_out *o)
{
	tz_calls_send(c, o);
}

static void send_hold_state(struct call *c, bool held, enum tz_jsep_by by)
{
	send_out(c, &(struct tz_jsep_out){ .type = held ? TZ_JSEP_OUT_HELD : TZ_JSEP_OUT_UNHELD,
					   .id = TZ_JSEP_NO_ID, .call = c->name, .by = by,
					   .sdp_mline_index = -1 });
}

static void send_err(struct call *c, int64_t id, enum tz_jsep_err err, const char *msg)
{
	send_out(c, &(struct tz_jsep_out){ .type = TZ_JSEP_OUT_ERROR, .id = id, .call = c->name,
					   .err = err, .message = msg, .sdp_mline_index = -1 });
}

bool tz_call_held(const struct call *c)
{
	return c->mid.held_local || c->mid.held_remote;
}

/* ---- hold / resume ----------------------------------------------------- */

void tz_call_hold(struct call *c, const struct tz_jsep_msg *m, bool hold)
{
	g_autofree char *sdp = NULL;
	int rc;

	if (c->sip.leg == NULL) {                  /* echo: nobody to tell */
		if (c->state != CALL_CONNECTED) {
			send_err(c, m->id, TZ_JSEP_ERR_BAD_MESSAGE, "the call is not connected yet");
			return;
		}
		c->mid.held_local = hold;
		send_hold_state(c, hold, TZ_JSEP_BY_LOCAL);
		return;
	}
	if (!c->sip.answered) {
		send_err(c, m->id, TZ_JSEP_ERR_BAD_MESSAGE, "the call is not answered yet");
		return;
	}
	if (c->mid.hold_pending) {
		send_err(c, m->id, TZ_JSEP_ERR_BAD_MESSAGE, "a hold or unhold is already in progress");
		return;
	}
	if (c->mid.held_local == hold) {           /* already there: say so again */
		send_hold_state(c, hold, TZ_JSEP_BY_LOCAL);
		return;
	}
	sdp = tz_sip_side_sdp(c, hold ? (c->mid.held_remote ? TZ_SDP_INACTIVE : TZ_SDP_SENDONLY)
				      : (c->mid.held_remote ? TZ_SDP_RECVONLY : TZ_SDP_SENDRECV));
	rc = sdp != NULL ? tz_sip_leg_reinvite(c->sip.leg, sdp) : -ENOMEM;
	if (rc != 0) {
		send_err(c, m->id, TZ_JSEP_ERR_INTERNAL,
			 rc == -EBUSY ? "the SIP side is renegotiating; try again"
				      : "cannot send the re-INVITE");
		return;
	}
	c->mid.hold_pending = true;
	c->mid.hold_target = hold;
	tz_calls_ctr[TZ_CC_REINVITE_OUT]++;
	tz_calls_ctr[TZ_CC_HOLD_OUT] += hold;
	c->mid.hold_msg_id = m->id;
	TZ_LOG(CP_SESSION, INFO, "call %u: %s by the web user: re-INVITE sent", c->id,
	       hold ? "hold" : "resume");
}

void tz_midcall_on_reinvite_answer(struct tz_sip_leg *leg, int status, const char *sdp, void *user)
{
	struct call *c = tz_sip_leg_get_user(leg);
	char msg[128];

	if (c == NULL || c->state == CALL_ENDED || !c->mid.hold_pending)
		return;
	c->mid.hold_pending = false;
	if (status >= 300) {
		snprintf(msg, sizeof(msg), "the SIP side refused the %s: %d", c->mid.hold_target ? "hold"
											    : "resume", status);
		TZ_LOG(CP_SESSION, NOTICE, "call %u: %s", c->id, msg);
		send_err(c, c->mid.hold_msg_id, TZ_JSEP_ERR_INTERNAL, msg);
		return;
	}
	c->mid.held_local = c->mid.hold_target;
	if (sdp != NULL && tz_sip_side_read_peer(c, sdp, NULL) == 0)
		tz_media_republish(c);          /* address or payload types may have moved */
	c->media.last_media = g_get_monotonic_time();
	TZ_LOG(CP_SESSION, INFO, "call %u: %s by the web user", c->id,
	       c->mid.held_local ? "held" : "resumed");
	send_hold_state(c, c->mid.held_local, TZ_JSEP_BY_LOCAL);
}

/* The SIP side's re-INVITE: hold, resume, a new address, or a session refresh. */
void tz_midcall_on_reinvite(struct tz_sip_leg *leg, const char *sdp, void *user)
{
	struct call *c = tz_sip_leg_get_user(leg);
	const char *names[TZ_SDP_NEG_MAX_CODECS + 1];
	g_autofree char *answer = NULL;
	bool hold = false, was = false;
	char err[160];

	if (c == NULL || c->state == CALL_ENDED) {
		tz_sip_leg_reinvite_reject(leg, 481, NULL);
		return;
	}
	tz_calls_ctr[TZ_CC_REINVITE_IN]++;
	if (sdp == NULL) {                      /* offerless: our SDP is the offer */
		answer = tz_sip_side_sdp(c, c->mid.held_local ? TZ_SDP_SENDONLY : TZ_SDP_SENDRECV);
		if (answer == NULL || tz_sip_leg_reinvite_answer(leg, answer) != 0)
			tz_sip_leg_reinvite_reject(leg, 500, NULL);
		return;
	}
	c->sip.sdes.offer_pending = false;      /* their offer, not an answer to ours */
	if (tz_sip_side_read_peer(c, sdp, &hold) != 0) {
		tz_calls_ctr[TZ_CC_SDP_REFUSED]++;
		tz_sip_leg_reinvite_reject(leg, 488, NULL);
		return;
	}
	/* Answer: the offer's direction mirrored, and our own hold on top. */
	tz_sdp_neg_names(&c->sip.neg, names, G_N_ELEMENTS(names));
	answer = tz_sip_side_answer_sdp(c, sdp, names,
					hold ? (c->mid.held_local ? TZ_SDP_INACTIVE : TZ_SDP_RECVONLY)
					     : (c->mid.held_local ? TZ_SDP_SENDONLY : TZ_SDP_SENDRECV),
					err, sizeof(err));
	if (answer == NULL || tz_sip_leg_reinvite_answer(leg, answer) != 0) {
		tz_sip_leg_reinvite_reject(leg, 488, NULL);
		return;
	}
	was = c->mid.held_remote;
	c->mid.held_remote = hold;
	tz_call_moh(c, hold);                   /* re-publishes the flows */
	c->media.last_media = g_get_monotonic_time();
	if (was != hold) {
		TZ_LOG(CP_SESSION, INFO, "call %u: %s by the SIP side", c->id, hold ? "held" : "resumed");
		tz_calls_ctr[TZ_CC_HOLD_IN] += hold;
		send_hold_state(c, hold, TZ_JSEP_BY_REMOTE);
	}
}

/* ---- DTMF --------------------------------------------------------------- */

static gboolean dtmf_next(gpointer p)
{
	struct call *c = p;
	char d;

	if (c->mid.dtmf_queue == NULL || c->mid.dtmf_queue->len == 0 || c->state == CALL_ENDED) {
		c->mid.dtmf_timer = 0;
		return G_SOURCE_REMOVE;
	}
	d = c->mid.dtmf_queue->str[0];
	g_string_erase(c->mid.dtmf_queue, 0, 1);
	if (tz_sip_leg_info_dtmf(c->sip.leg, d, c->mid.dtmf_ms) == 0) {
		tz_calls_ctr[TZ_CC_DTMF_INFO_OUT]++;
		TZ_LOG(CP_SESSION, INFO, "call %u: DTMF %c -> SIP INFO", c->id, d);
	}
	if (c->mid.dtmf_queue->len == 0) {
		c->mid.dtmf_timer = 0;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

void tz_call_dtmf(struct call *c, const struct tz_jsep_msg *m)
{
	unsigned ms = m->duration_ms != 0 ? m->duration_ms : 100;

	if (c->sip.leg == NULL)
		return;                         /* echo: the digits have nowhere to go */
	if (!c->sip.answered) {
		send_err(c, m->id, TZ_JSEP_ERR_BAD_MESSAGE, "the call is not answered yet");
		return;
	}
	if ((c->sip.trunk == NULL || c->sip.trunk->dtmf != TZ_DTMF_INFO) && c->sip.neg.te_pt >= 0 &&
	    c->web.neg.te_pt >= 0) {
		/* RFC 4733 on the SIP leg: the media-services stage makes the events */
		enum tz_jsep_err err;
		const char *why;

		if (!tz_call_svc_dtmf(c, m->digits, ms, &err, &why))
			send_err(c, m->id, err, why);
		return;
	}
	if (c->mid.dtmf_queue == NULL)
		c->mid.dtmf_queue = g_string_new(NULL);
	if (c->mid.dtmf_queue->len + strlen(m->digits) > 64) {
		send_err(c, m->id, TZ_JSEP_ERR_RATE_LIMITED, "too many DTMF digits queued");
		return;
	}
	g_string_append(c->mid.dtmf_queue, m->digits);
	c->mid.dtmf_ms = ms;
	if (c->mid.dtmf_timer == 0) {
		dtmf_next(c);
		if (c->mid.dtmf_queue->len > 0)
			c->mid.dtmf_timer = g_timeout_add(ms + DTMF_GAP_MS, dtmf_next, c);
	}
}

void tz_midcall_on_dtmf(struct tz_sip_leg *leg, char digit, unsigned duration_ms, void *user)
{
	struct call *c = tz_sip_leg_get_user(leg);
	char digits[2] = { digit, 0 };

	if (c == NULL || c->state == CALL_ENDED)
		return;
	tz_calls_ctr[TZ_CC_DTMF_INFO_IN]++;
	TZ_LOG(CP_SESSION, INFO, "call %u: DTMF %c from SIP INFO", c->id, digit);
	send_out(c, &(struct tz_jsep_out){ .type = TZ_JSEP_OUT_DTMF, .id = TZ_JSEP_NO_ID,
					   .call = c->name, .digits = digits,
					   .duration_ms = (int32_t)duration_ms, .sdp_mline_index = -1 });
}

/* ---- latching ------------------------------------------------------------ */

static bool same_peer(const struct call *c, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET && c->sip.peer.addr.family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		return s4->sin_addr.s_addr == c->sip.peer.addr.v4.s_addr &&
		       ntohs(s4->sin_port) == c->sip.peer.port;
	}
	if (ss->ss_family == AF_INET6 && c->sip.peer.addr.family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		return memcmp(&s6->sin6_addr, &c->sip.peer.addr.v6, 16) == 0 &&
		       ntohs(s6->sin6_port) == c->sip.peer.port;
	}
	return false;
}

/* Same address and port. */
static bool same_source(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			      &((const struct sockaddr_in *)b)->sin_addr, 4) == 0 &&
		       ((const struct sockaddr_in *)a)->sin_port == ((const struct sockaddr_in *)b)->sin_port;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0 &&
	       ((const struct sockaddr_in6 *)a)->sin6_port == ((const struct sockaddr_in6 *)b)->sin6_port;
}

/* May media from @p ss be latched to: the address the SIP side's SDP
 * announced (a NAT keeps the address more often than the port), or one of
 * media.latch_networks (the PBXs' NAT ranges)? */
static bool latch_address_ok(const struct call *c, const struct sockaddr_storage *ss)
{
	const struct tz_cfg_media *m = &tz_calls_env.cfg->media;
	struct tz_cfg_addr a;

	tz_cfg_addr_from_sockaddr((const struct sockaddr *)ss, &a);
	if (a.family == 0)
		return false;
	if (tz_cfg_addr_equal(&a, &c->sip.sdp_addr))
		return true;
	for (size_t i = 0; i < m->n_latch_networks; i++)
		if (tz_cfg_cidr_contains(&m->latch_networks[i], &a))
			return true;
	return false;
}

static void latch_refused(struct call *c, enum tz_calls_counter why, const struct sockaddr_storage *ss)
{
	static int64_t last_log;
	int64_t now = g_get_monotonic_time();
	char from[INET6_ADDRSTRLEN] = "?";

	tz_calls_ctr[why]++;
	if (now - last_log < G_USEC_PER_SEC)
		return;                         /* a peer can send many: one line a second */
	last_log = now;
	inet_ntop(ss->ss_family, ss->ss_family == AF_INET
		  ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
		  : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr, from, sizeof(from));
	TZ_LOG(CP_SESSION, NOTICE, "call %u: RTP from %s:%u not latched: %s", c->id, from,
	       ntohs(((const struct sockaddr_in *)ss)->sin_port),
	       why == TZ_CC_LATCH_REFUSED_ADDRESS ? "not the SDP's address nor in media.latch_networks"
	       : why == TZ_CC_LATCH_REFUSED_WINDOW ? "after media.latch_window_s"
						   : "its SSRC changed");
}

/*
 * One RTP packet on our core socket from @p ss (not the peer we send to):
 * latch to it once LATCH_PACKETS packets in a row came from there with one
 * SSRC, from an allowed address, within the window.  Anything else is
 * dropped and counted by reason.  true = latch now.
 */
static bool latch_candidate(struct call *c, const uint8_t *rtp, const struct sockaddr_storage *ss)
{
	uint32_t ssrc = (uint32_t)rtp[8] << 24 | (uint32_t)rtp[9] << 16 | (uint32_t)rtp[10] << 8 | rtp[11];

	if (!latch_address_ok(c, ss)) {
		latch_refused(c, TZ_CC_LATCH_REFUSED_ADDRESS, ss);
		return false;
	}
	if (g_get_monotonic_time() - c->media.latch_start >
	    (int64_t)tz_calls_env.cfg->media.latch_window_s * G_USEC_PER_SEC) {
		latch_refused(c, TZ_CC_LATCH_REFUSED_WINDOW, ss);
		return false;
	}
	if (c->media.latch_cand.n > 0 && same_source(&c->media.latch_cand.from, ss) && c->media.latch_cand.ssrc == ssrc) {
		c->media.latch_cand.n++;
	} else {
		if (c->media.latch_cand.n > 0)
			latch_refused(c, TZ_CC_LATCH_REFUSED_SSRC, ss);
		c->media.latch_cand.from = *ss;
		c->media.latch_cand.ssrc = ssrc;
		c->media.latch_cand.n = 1;
	}
	return c->media.latch_cand.n >= LATCH_PACKETS;
}

/* Packets on our core RTP socket are media the fast path had no flow for. */
static gboolean core_readable(GIOChannel *ch, GIOCondition cond, gpointer p)
{
	struct call *c = p;
	uint8_t buf[2048];
	struct sockaddr_storage ss;
	char from[INET6_ADDRSTRLEN] = "?";

	for (int i = 0; i < 64; i++) {
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(c->media.core_fd[0], buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&ss, &sl);

		if (n < 0)
			break;
		/* RTP only (RFC 7983: 128..191), once the call's media is up,
		 * to a source that is not the one we send to. */
		if (n < 12 || buf[0] < 128 || buf[0] > 191 || !c->sip.answered || c->media.latched ||
		    c->media.n_flows == 0 || same_peer(c, &ss) || !tz_calls_env.cfg->media.latching)
			continue;
		if (!latch_candidate(c, buf, &ss))
			continue;
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

			c->sip.peer.addr.family = AF_INET;
			c->sip.peer.addr.v4 = s4->sin_addr;
			c->sip.peer.port = ntohs(s4->sin_port);
			inet_ntop(AF_INET, &s4->sin_addr, from, sizeof(from));
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

			c->sip.peer.addr.family = AF_INET6;
			c->sip.peer.addr.v6 = s6->sin6_addr;
			c->sip.peer.port = ntohs(s6->sin6_port);
			inet_ntop(AF_INET6, &s6->sin6_addr, from, sizeof(from));
		} else {
			continue;
		}
		if (c->sip.peer.rtcp_port != 0 && c->sip.peer.rtcp_port != c->sip.peer.port)
			c->sip.peer.rtcp_port = (uint16_t)(c->sip.peer.port + 1);
		else
			c->sip.peer.rtcp_port = c->sip.peer.port;
		c->media.latched = true;
		tz_calls_ctr[TZ_CC_LATCHED]++;
		TZ_LOG(CP_SESSION, NOTICE, "call %u: SIP-side media comes from %s:%u, not the SDP's "
		       "address: latched (symmetric RTP)", c->id, from, c->sip.peer.port);
		tz_media_republish(c);
	}
	return G_SOURCE_CONTINUE;
}

/* The watch lives in the call's ICE context when it has one (run by the
 * daemon's context hub, not walked by the main loop), else the default. */
void tz_call_latch_watch(struct call *c)
{
	GMainContext *ctx = c->web.ice != NULL ? tz_ice_context(c->web.ice) : NULL;
	GIOChannel *ch;

	if (c->media.core_watch != NULL || c->media.core_fd[0] < 0)
		return;
	c->media.latch_start = g_get_monotonic_time();     /* media is up: the window opens */
	c->media.latch_cand.n = 0;
	ch = g_io_channel_unix_new(c->media.core_fd[0]);
	c->media.core_watch = g_io_create_watch(ch, G_IO_IN);
	g_source_set_callback(c->media.core_watch, (GSourceFunc)(void (*)(void))core_readable, c,
			      NULL);
	g_source_attach(c->media.core_watch, ctx);
	g_io_channel_unref(ch);
	if (ctx != NULL)
		tz_ice_touch(c->web.ice);
}

void tz_call_midcall_free(struct call *c)
{
	if (c->media.core_watch != NULL) {
		g_source_destroy(c->media.core_watch);
		g_source_unref(c->media.core_watch);
	}
	c->media.core_watch = NULL;
	if (c->mid.dtmf_timer != 0)
		g_source_remove(c->mid.dtmf_timer);
	c->mid.dtmf_timer = 0;
	if (c->mid.dtmf_queue != NULL)
		g_string_free(c->mid.dtmf_queue, TRUE);
	c->mid.dtmf_queue = NULL;
}
