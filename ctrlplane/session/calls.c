/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Calls: client messages in, call objects and their lifecycle, replies out.
 * Every path that ends a call goes through tz_call_end(), which retires the
 * media, frees the legs and tells the client once.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "calls_pvt.h"
#include "tz_log.h"
#include "tz_ws.h"

#define NEGOTIATION_S 30        /* answer sent -> DTLS connected, at most */
#define NEXT_HOP_TRIES 40       /* x 50 ms */

struct tz_calls_env tz_calls_env;
uint64_t tz_calls_ctr[TZ_CC_COUNT];
static GHashTable *by_id;       /* id -> struct call */
static GHashTable *by_name;     /* "conn/name" -> struct call */
static uint32_t next_id = 1;
static guint supervisor;

static char *name_key(const void *conn, const char *name)
{
	return g_strdup_printf("%p/%s", conn, name);
}

static void send_out(void *conn, const struct tz_jsep_out *o)
{
	if (conn != NULL)
		tz_calls_env.send(conn, o);
}

static void send_error(void *conn, int64_t id, const char *call, enum tz_jsep_err err,
		       const char *message)
{
	struct tz_jsep_out o = { .type = TZ_JSEP_OUT_ERROR, .id = id, .call = call, .err = err,
				 .message = message, .sdp_mline_index = -1 };

	send_out(conn, &o);
}

static void call_free(gpointer p)
{
	struct call *c = p;

	if (c->timer != 0)
		g_source_remove(c->timer);
	tz_calls_tenant_end(c);
	tz_call_midcall_free(c);
	tz_sip_leg_free(c->sip.leg);          /* hangs up silently if still live */
	tz_media_retire(c);
	tz_media_core_ports_close(c);
	tz_web_leg_free(c);
	g_free(c->sip.offer_text);
	tz_sdp_free(c->sip.offer);
	g_free(c->sip.auth);
	g_free(c);
}

void tz_call_discard(struct call *c)
{
	call_free(c);
}

static gboolean free_later(gpointer p)
{
	call_free(p);
	return G_SOURCE_REMOVE;
}

void tz_call_end(struct call *c, int code, const char *reason, bool notify)
{
	struct tz_jsep_out o = { .type = TZ_JSEP_OUT_HANGUP, .id = TZ_JSEP_NO_ID, .call = c->name,
				 .code = code, .reason = reason, .sdp_mline_index = -1,
				 .challenges = (code == 401 || code == 407) && c->sip.leg != NULL
					       ? tz_sip_leg_challenges(c->sip.leg) : NULL };
	g_autofree char *key = name_key(c->conn, c->name);

	if (c->state == CALL_ENDED)
		return;
	c->state = CALL_ENDED;
	tz_call_cdr(c, code, reason);
	tz_fork_end(c, code, reason);
	if (c->timer != 0) {
		g_source_remove(c->timer);
		c->timer = 0;
	}
	TZ_LOG(CP_SESSION, INFO, "call %u (%s -> %s) ended: %d %s, %lu packets", c->id, c->user,
	       c->target, code, reason, (unsigned long)tz_media_packets(c));
	tz_media_hairpin_unlink(c);      /* the partner's flow uses our keys and browser */
	if (notify)
		send_out(c->conn, &o);
	g_hash_table_remove(by_name, key);
	/* Freed from an idle callback: we may be inside a libnice or DTLS callback. */
	if (g_hash_table_steal(by_id, GUINT_TO_POINTER(c->id)))
		tz_calls_admit_count(c, -1);
	g_idle_add_full(G_PRIORITY_HIGH, free_later, c, NULL);
}

void tz_call_failed(struct call *c, enum tz_jsep_err err, const char *why)
{
	if (c->state == CALL_ENDED || tz_call_announce_media_failed(c))
		return;                /* a SIP-WS phone waited for: it gets the SIP status */
	TZ_LOG(CP_SESSION, NOTICE, "call %u (%s -> %s) failed: %s: %s", c->id, c->user, c->target,
	       tz_jsep_err_name(err), why != NULL ? why : "");
	send_error(c->conn, TZ_JSEP_NO_ID, c->name, err, why != NULL ? why : tz_jsep_err_name(err));
	tz_call_end(c, 0, tz_jsep_err_name(err), true);
}

static gboolean negotiation_expired(gpointer p)
{
	struct call *c = p;

	c->timer = 0;
	tz_call_failed(c, c->web.t_ice == 0 ? TZ_JSEP_ERR_ICE_FAILED : TZ_JSEP_ERR_DTLS_FAILED,
		       c->web.t_ice == 0 ? "no ICE connectivity check arrived in time"
				     : "DTLS handshake did not complete in time");
	return G_SOURCE_REMOVE;
}

static gboolean hairpin_expired(gpointer p)
{
	struct call *c = p;

	c->timer = 0;
	tz_call_failed(c, TZ_JSEP_ERR_INTERNAL, "media hairpin: the other call of this gateway "
		       "did not connect its media in time");
	return G_SOURCE_REMOVE;
}

static gboolean try_publish(gpointer p)
{
	struct call *c = p;
	struct tz_jsep_out o = { .type = TZ_JSEP_OUT_ANSWERED, .id = TZ_JSEP_NO_ID, .call = c->name,
				 .sdp_mline_index = -1 };
	int rc = c->sip.leg != NULL ? tz_media_publish_bridge(c) : tz_media_publish_echo(c);

	if (rc == -EAGAIN && ++c->nh_tries < NEXT_HOP_TRIES)
		return G_SOURCE_CONTINUE;          /* a peer's MAC is being resolved */
	c->timer = 0;
	if (rc == -EINPROGRESS) {
		/* a media hairpin whose partner call has no keys yet: it publishes
		 * us once it has (tz_call_hairpin_ready) */
		c->media.hairpin_wait = true;
		c->timer = g_timeout_add_seconds(NEGOTIATION_S, hairpin_expired, c);
		return G_SOURCE_REMOVE;
	}
	if (rc != 0) {
		tz_call_failed(c, TZ_JSEP_ERR_INTERNAL, tz_media_error(rc));
		return G_SOURCE_REMOVE;
	}
	c->state = CALL_CONNECTED;
	c->media.last_media = g_get_monotonic_time();
	c->cdr.media = g_get_real_time();
	if (c->sip.leg == NULL)
		c->cdr.answer = c->cdr.media;      /* echo: answered when media is up */
	if (c->sip.leg != NULL)
		tz_call_latch_watch(c);
	TZ_LOG(CP_SESSION, INFO, "call %u (%s -> %s) media up: ICE %.1f ms, DTLS %.1f ms after offer",
	       c->id, c->user, c->target, (double)(c->web.t_ice - c->t_offer) / 1000.0,
	       (double)(c->web.t_dtls - c->t_offer) / 1000.0);
	if (c->sip.leg == NULL) {
		send_out(c->conn, &o);             /* echo: answered when media is up */
		tz_calls_stats_answered(c);
	}
	if (c->media.hairpin != NULL && c->media.hairpin->media.hairpin_wait)
		tz_call_hairpin_ready(c->media.hairpin);
	return G_SOURCE_REMOVE;
}

/* Publish once everything the flows need is known: the DTLS keys, and for a
 * call to a trunk the peer's media address. */
static void media_maybe(struct call *c)
{
	if (c->state == CALL_ENDED || c->media.n_flows > 0 || c->timer != 0 || !c->web.dtls_done ||
	    (c->sip.leg != NULL && !c->sip.peer.known))
		return;
	c->nh_tries = 0;
	if (try_publish(c) == G_SOURCE_CONTINUE)
		c->timer = g_timeout_add(50, try_publish, c);
}

/* A call to a trunk sends its INVITE only now that the browser has proved
 * it holds the media path (ICE nominated, DTLS with its fingerprint up): a
 * script with a made-up SDP never makes a trunk ring. */
static int invite_now(struct call *c, bool after_dtls)
{
	char err[256] = "";

	if (c->sip.trunk == NULL || c->sip.leg != NULL || c->inbound)
		return 0;
	if (tz_sip_side_start(c, c->sip.user_part, err, sizeof(err)) != 0) {
		tz_call_failed(c, TZ_JSEP_ERR_INTERNAL, err);
		return -EIO;
	}
	tz_calls_ctr[TZ_CC_INVITE_AFTER_DTLS] += after_dtls;
	return 0;
}

void tz_call_connected(struct call *c)
{
	if (c->state == CALL_ENDED)
		return;
	if (c->timer != 0)
		g_source_remove(c->timer);     /* the negotiation deadline */
	c->timer = 0;
	c->web.dtls_done = true;
	if (c->ann.early) {            /* a SIP-WS phone's early media for an announcement */
		tz_call_announce_media_up(c);
		return;
	}
	if (invite_now(c, true) != 0)
		return;
	media_maybe(c);
}

void tz_call_media_ready(struct call *c)
{
	media_maybe(c);
}

/* The hairpin partner of @p c published: @p c, waiting for it, can too. */
void tz_call_hairpin_ready(struct call *c)
{
	if (c->state == CALL_ENDED || !c->media.hairpin_wait)
		return;
	if (c->timer != 0)
		g_source_remove(c->timer);
	c->timer = 0;
	c->media.hairpin_wait = false;
	media_maybe(c);
}

/* The client's IP from "192.0.2.1:50312" / "[2001:db8::1]:50312". */
void tz_calls_conn_ip(void *conn, char *out, size_t len)
{
	const char *peer = conn != NULL && tz_calls_env.peer != NULL ? tz_calls_env.peer(conn) : NULL;
	const char *end;

	out[0] = '\0';
	if (peer == NULL)
		return;
	if (peer[0] == '[') {
		end = strchr(peer, ']');
		peer++;
	} else {
		end = strrchr(peer, ':');
	}
	if (end == NULL)
		end = peer + strlen(peer);
	g_strlcpy(out, peer, MIN(len, (size_t)(end - peer) + 1));
}

/* A new call registered under (conn, name). */
struct call *tz_call_new(void *conn, const char *name, const char *user, const char *target)
{
	struct call *c = g_new0(struct call, 1);

	c->media.core_fd[0] = c->media.core_fd[1] = -1;
	c->id = next_id++;
	c->conn = conn;
	c->kind = conn != NULL && tz_calls_env.kind != NULL ? tz_calls_env.kind(conn) : TZ_WEB_JSEP;
	c->t_offer = g_get_monotonic_time();
	c->cdr.offer = g_get_real_time();
	g_strlcpy(c->name, name != NULL ? name : "", sizeof(c->name));
	if (name == NULL)
		g_snprintf(c->name, sizeof(c->name), "in-%u", c->id);
	g_strlcpy(c->user, user, sizeof(c->user));
	g_strlcpy(c->target, target, sizeof(c->target));
	tz_calls_conn_ip(conn, c->src_ip, sizeof(c->src_ip));
	return c;
}

void tz_call_register(struct call *c)
{
	g_hash_table_insert(by_id, GUINT_TO_POINTER(c->id), c);
	g_hash_table_insert(by_name, name_key(c->conn, c->name), c);
	tz_calls_admit_count(c, +1);
}

void tz_calls_send(struct call *c, const struct tz_jsep_out *o)
{
	send_out(c->conn, o);
}

static struct call *find(void *conn, const char *name)
{
	g_autofree char *key = name_key(conn, name);

	return g_hash_table_lookup(by_name, key);
}

/* Dataplane flows a call may publish: one (echo), or three for a bridge
 * (browser, SIP RTP, SIP RTCP), plus video's; reserved from the call's start. */
#define FLOWS_MAX 6 /* the most flows_needed() returns: 3 + 3 for video */
static unsigned flows_needed(const struct call *c)
{
	return (c->sip.trunk != NULL || c->inbound ? 3 : 1) + tz_video_flows_needed(c);
}

/* Is there room for one more call (@p ip: the client's, or NULL) needing
 * @p flows session-table slots?  NULL, or which limit says no.  The calls'
 * slots are summed only when FLOWS_MAX per call might not fit. */
static const char *over_limit(const char *ip, unsigned flows, enum tz_calls_counter *ctr)
{
	const struct tz_cfg_limits *l = &tz_calls_env.cfg->limits;
	GHashTableIter it;
	gpointer v;
	unsigned n = g_hash_table_size(by_id), n_ip = 0, slots = 0;

	if (ip != NULL && ip[0] != '\0')
		n_ip = tz_calls_of_ip(ip);
	if ((uint64_t)n * FLOWS_MAX + flows > l->max_sessions) {
		g_hash_table_iter_init(&it, by_id);
		while (g_hash_table_iter_next(&it, NULL, &v))
			slots += flows_needed(v);
	}
	*ctr = TZ_CC_REFUSED_MAX_CALLS;
	if (n >= l->max_calls)
		return "limits.max_calls reached: the gateway is full";
	*ctr = TZ_CC_REFUSED_PER_IP;
	if (n_ip >= l->max_calls_per_ip)
		return "limits.max_calls_per_ip reached for this address";
	*ctr = TZ_CC_REFUSED_TABLE_FULL;
	if (slots + flows > l->max_sessions)
		return "the media session table is full (limits.max_sessions)";
	return NULL;
}

bool tz_calls_admit_inbound(void)
{
	enum tz_calls_counter ctr;
	const char *why = over_limit(NULL, 3, &ctr);

	if (tz_calls_drain_refuse()) {
		TZ_LOG(CP_SESSION, NOTICE, "incoming call refused: the gateway is draining");
		return false;
	}
	if (why == NULL)
		return true;
	tz_calls_ctr[ctr]++;
	TZ_LOG(CP_SESSION, NOTICE, "incoming call refused: %s", why);
	return false;
}

static bool admit(void *conn, const struct tz_jsep_msg *m, const char *user, bool trunk)
{
	enum tz_calls_counter ctr;
	char ip[48];
	const char *why;

	if (find(conn, m->call) != NULL) {
		send_error(conn, m->id, m->call, TZ_JSEP_ERR_CALL_EXISTS, "a live call has this name");
		return false;
	}
	if (tz_calls_drain_refuse()) {
		TZ_LOG(CP_SESSION, INFO, "call from %s refused: the gateway is draining", user);
		send_error(conn, m->id, m->call, TZ_JSEP_ERR_DRAINING,
			   "the gateway is draining for maintenance: no new calls; try again later");
		return false;
	}
	if (tz_calls_of_user(user) >= tz_calls_env.cfg->limits.max_calls_per_user) {
		send_error(conn, m->id, m->call, TZ_JSEP_ERR_TOO_MANY_CALLS,
			   "limits.max_calls_per_user reached");
		return false;
	}
	tz_calls_conn_ip(conn, ip, sizeof(ip));
	why = over_limit(ip, trunk ? 3 : 1, &ctr);
	if (why != NULL) {
		tz_calls_ctr[ctr]++;
		TZ_LOG(CP_SESSION, NOTICE, "call from %s (%s) refused: %s", user, ip, why);
		send_error(conn, m->id, m->call, TZ_JSEP_ERR_TOO_MANY_CALLS, why);
		return false;
	}
	return true;
}

/* The token's targets and the routing rules (not for the echo test):
 * false, the error sent, when the call cannot go anywhere. */
static bool route_call(void *conn, const struct tz_jsep_msg *m, const struct tz_auth_identity *id,
		       const struct tz_cfg_trunk **trunk, char *user_part, size_t user_part_len)
{
	enum tz_jsep_err code = TZ_JSEP_ERR_NO_ROUTE;
	char err[256] = "";

	if (!tz_auth_target_allowed(id, m->target)) {
		TZ_LOG(CP_SESSION, NOTICE, "call from %s to %s refused: not among the token's targets",
		       id->user, m->target);
		send_error(conn, m->id, m->call, TZ_JSEP_ERR_FORBIDDEN,
			   "your login does not allow calls to this target");
		return false;
	}
	if (strcmp(m->target, "echo") == 0)
		return true;
	if (tz_calls_env.sip == NULL) {
		send_error(conn, m->id, m->call, code, "no routing rule matches this target");
		return false;
	}
	if (tz_route_target(id->tenant, m->target, strlen(m->target), trunk, user_part,
			    user_part_len, &code, err, sizeof(err)) != 0) {
		send_error(conn, m->id, m->call, code, err);
		return false;
	}
	return true;
}

/* The tenant's limits, the web leg (@p answer) and the core ports of a new
 * call: false, the error sent and the call freed, when refused. */
static bool start_call(void *conn, const struct tz_jsep_msg *m, const char *user, struct call *c,
		       char **answer)
{
	char err[256] = "";
	int rc;

	if (c->sip.trunk != NULL) {
		enum tz_jsep_err code = TZ_JSEP_ERR_FORBIDDEN;

		/* the tenant's fraud and capacity limits (docs/tenants.md) */
		if (tz_calls_tenant_admit(c, g_str_has_prefix(m->target, "sip:") ? m->target
										 : c->sip.user_part,
					  &code, err, sizeof(err)) != 0) {
			send_error(conn, m->id, m->call, code, err);
			call_free(c);
			return false;
		}
	}
	rc = tz_web_leg_start(c, m->sdp, err, sizeof(err), answer);
	if (rc != 0) {
		TZ_LOG(CP_SESSION, NOTICE, "call from %s refused: %s", user, err);
		/* a transcoded call the stage cannot take: 488 on the SIP-WS edge */
		send_error(conn, m->id, m->call, rc == -ENODEV || rc == -EBUSY
			   ? TZ_JSEP_ERR_MEDIA_SERVICES : TZ_JSEP_ERR_BAD_SDP, err);
		call_free(c);
		return false;
	}
	/* Admitted: the core ports are held now; the INVITE leaves once ICE
	 * and DTLS are up (invite_now). */
	if (c->sip.trunk != NULL && tz_media_core_ports(c) != 0) {
		TZ_LOG(CP_SESSION, NOTICE, "call from %s to %s refused: no free core media port", user,
		       m->target);
		send_error(conn, m->id, m->call, TZ_JSEP_ERR_INTERNAL, "no free media port on the core side");
		call_free(c);
		return false;
	}
	return true;
}

static void on_call(void *conn, const struct tz_jsep_msg *m, const struct tz_auth_identity *id)
{
	const struct tz_cfg_trunk *trunk = NULL;
	char user_part[128] = "";
	struct call *c;
	g_autofree char *answer = NULL;
	struct tz_jsep_out o = { .type = TZ_JSEP_OUT_ANSWER, .id = m->id, .sdp_mline_index = -1 };

	if (!admit(conn, m, id->user, strcmp(m->target, "echo") != 0))
		return;
	if (!route_call(conn, m, id, &trunk, user_part, sizeof(user_part)))
		return;
	c = tz_call_new(conn, m->call, id->user, m->target);
	c->tenant = id->tenant;
	g_strlcpy(c->display, id->display, sizeof(c->display));
	g_strlcpy(c->from_uri, id->uri, sizeof(c->from_uri));
	c->sip.auth = g_strdup(m->sip_auth);
	c->sip.proxy_auth = m->sip_proxy_auth;
	c->sip.trunk = trunk;
	g_strlcpy(c->sip.user_part, user_part, sizeof(c->sip.user_part));
	if (!start_call(conn, m, id->user, c, &answer))
		return;
	tz_call_register(c);
	o.call = c->name;
	o.sdp = answer;
	send_out(conn, &o);
	if (c->kind == TZ_WEB_SIPWS && trunk != NULL) {
		/* A SIP phone starts ICE and DTLS when our answer reaches it in a
		 * 18x or the 200, i.e. once the far end rings or answers: the INVITE
		 * leaves now (the phone's registration vouches for it), and the
		 * negotiation deadline starts when the far end answers. */
		invite_now(c, false);
		return;
	}
	tz_call_negotiation_deadline(c);
}

void tz_call_negotiation_deadline(struct call *c)
{
	if (c->timer != 0 || c->web.dtls_done || c->state == CALL_ENDED)
		return;
	c->timer = g_timeout_add_seconds(NEGOTIATION_S, negotiation_expired, c);
}

int tz_calls_route(uint32_t tenant, const char *target, const struct tz_cfg_trunk **trunk,
		   char *user, size_t ulen, int *status, char *why, size_t wlen)
{
	enum tz_jsep_err code = TZ_JSEP_ERR_NO_ROUTE;
	int rc;

	*status = 404;
	if (tz_calls_env.sip == NULL) {
		g_strlcpy(why, "no SIP side", wlen);
		return -ENOENT;
	}
	rc = tz_route_target(tenant, target, strlen(target), trunk, user, ulen, &code, why, wlen);
	if (rc != 0)
		*status = code == TZ_JSEP_ERR_BAD_TARGET ? 484 : code == TZ_JSEP_ERR_NO_ROUTE ? 404 : 400;
	return rc;
}

/* End every call of a connection: on logout the client hears each hangup,
 * on disconnect there is nobody to tell. */
static void end_calls_of(void *conn, bool notify)
{
	GHashTableIter it;
	gpointer v;
	GSList *dead = NULL;

	g_hash_table_iter_init(&it, by_id);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((struct call *)v)->conn == conn)
			dead = g_slist_prepend(dead, v);
	for (GSList *l = dead; l != NULL; l = l->next) {
		struct call *c = l->data;

		if (!notify)
			c->conn = NULL;
		c->cdr.by = TZ_CDR_BY_WEB;
		if (c->inbound && !c->sip.answered)
			tz_fork_handover(c);         /* another device may still answer */
		tz_call_end(c, notify ? 200 : 0, notify ? "logout" : "disconnected", notify);
	}
	g_slist_free(dead);
}

/* A connection already in a call does not take another from SIP (486).  Per
 * connection, not per user: the devices of one AOR (SIP over WebSocket)
 * each ring when the registrar forks a call to them. */
bool tz_calls_conn_busy(void *conn)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, by_id);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((struct call *)v)->conn == conn)
			return true;
	return false;
}

/* The web user took an incoming call: its answer, then 200 OK to the caller. */
static void on_accept(struct call *c, const struct tz_jsep_msg *m)
{
	char err[256] = "";
	int rc;

	if (!c->inbound || c->sip.answered || c->web.dtls != NULL) {
		send_error(c->conn, m->id, c->name, TZ_JSEP_ERR_BAD_MESSAGE, "this call is not ringing here");
		return;
	}
	if (c->timer != 0)
		g_source_remove(c->timer);     /* the no-answer timer */
	c->timer = 0;
	rc = tz_web_leg_accept(c, m->sdp, err, sizeof(err));
	if (rc != 0) {
		send_error(c->conn, m->id, c->name, rc == -ENODEV || rc == -EBUSY
			   ? TZ_JSEP_ERR_MEDIA_SERVICES : TZ_JSEP_ERR_BAD_SDP, err);
		tz_sip_leg_reject(c->sip.leg, 488, "Not Acceptable Here");
		tz_call_end(c, 0, "bad-sdp", true);
		return;
	}
	c->t_offer = g_get_monotonic_time();     /* set-up timing from the answer */
	tz_fork_won(c);                          /* the other devices stop ringing */
	if (tz_sip_side_answer(c, err, sizeof(err)) != 0) {
		tz_call_failed(c, TZ_JSEP_ERR_INTERNAL, err);
		return;
	}
	c->timer = g_timeout_add_seconds(NEGOTIATION_S, negotiation_expired, c);
}

static void on_call_msg(void *conn, const struct tz_jsep_msg *m)
{
	struct call *c = find(conn, m->call);

	if (c == NULL) {
		send_error(conn, m->id, m->call, TZ_JSEP_ERR_UNKNOWN_CALL, "no live call has this name");
		return;
	}
	switch (m->type) {
	case TZ_JSEP_HANGUP:
		c->cdr.by = TZ_CDR_BY_WEB;
		if (c->ann.timer != 0)          /* during a failed call's announcement */
			tz_call_end(c, c->ann.code, c->ann.reason, true);
		else
			tz_call_end(c, 200, "normal", true);
		break;
	case TZ_JSEP_ACCEPT:
		on_accept(c, m);
		break;
	case TZ_JSEP_REJECT:
		if (c->inbound && !c->sip.answered) {
			/* another device of the AOR may still answer */
			if (!tz_fork_handover(c))
				tz_sip_leg_reject(c->sip.leg, (int)m->code, NULL);
			c->cdr.by = TZ_CDR_BY_WEB;
			tz_call_end(c, (int)m->code, "rejected", false);
		}
		break;
	case TZ_JSEP_HOLD:
	case TZ_JSEP_UNHOLD:
		tz_call_hold(c, m, m->type == TZ_JSEP_HOLD);
		break;
	case TZ_JSEP_DTMF:
		tz_call_dtmf(c, m);
		break;
	default:        /* candidates: ICE-lite learns the peer from its checks;
			   end-of-candidates */
		break;
	}
}

void tz_calls_on_message(void *conn, const struct tz_jsep_msg *m)
{
	const struct tz_auth_identity *id = tz_login_identity(conn);

	if (m->type == TZ_JSEP_LOGIN) {
		tz_login_on_login(conn, m);
	} else if (m->type == TZ_JSEP_PING) {
		send_out(conn, &(struct tz_jsep_out){ .type = TZ_JSEP_OUT_PONG, .id = m->id,
						       .sdp_mline_index = -1 });
	} else if (id == NULL) {
		send_error(conn, m->id, m->call, TZ_JSEP_ERR_NOT_LOGGED_IN, "log in first");
	} else if (m->type == TZ_JSEP_CALL) {
		on_call(conn, m, id);
	} else if (m->type == TZ_JSEP_MESSAGE) {
		tz_messaging_on_message(conn, m, id);
	} else if (m->type == TZ_JSEP_LOGOUT) {
		end_calls_of(conn, true);
		tz_messaging_conn_gone(conn);
		tz_login_end(conn);
	} else {
		on_call_msg(conn, m);
	}
}

void tz_calls_on_close(void *conn)
{
	/* After tz_calls_shutdown the WebSocket server, stopping, still reports
	 * each connection it closes (a browser connected when a drain ends). */
	if (by_id == NULL)
		return;
	end_calls_of(conn, false);
	tz_messaging_conn_gone(conn);
	tz_login_end(conn);
}

/* Packets the dataplane received for this call, per direction: [0] from
 * the browser (flows keyed on the access port), [1] from the SIP side. */
static void packets_by_direction(const struct call *c, uint64_t out[2])
{
	out[0] = out[1] = 0;
	for (unsigned i = 0; i < c->media.n_flows; i++) {
		uint64_t n = tz_dp_flow_state(tz_calls_env.sessions,
					      (uint32_t)c->media.slots[i])->cnt[TZ_FC_PKTS];

		out[c->media.keys[i].port_idx == tz_calls_env.access_idx ? 0 : 1] += n;
	}
	out[1] += tz_media_hairpin_packets_in(c);   /* a hairpin: the other browser's */
}

/*
 * Supervision of a connected call, each check on its own clock:
 *  - consent (RFC 7675 §5.1): the browser checks every few seconds that we
 *    still want its media; none for limits.consent_timeout_s -> ice-failed;
 *  - media from the browser: none for limits.media_timeout_s;
 *  - media from the SIP side (answered calls): none for
 *    limits.sip_media_timeout_s -> BYE (a PBX that vanished without one).
 * A held call may be silent either way; consent still applies.
 */
static void check_media(struct call *c, void *arg)
{
	const struct tz_cfg_limits *l = &tz_calls_env.cfg->limits;
	int64_t now = *(int64_t *)arg, consent;
	uint64_t pkts[2];
	char why[128];

	if (c->state != CALL_CONNECTED)
		return;
	consent = tz_consent_last(c, now);
	if (consent != 0 && now - consent > (int64_t)l->consent_timeout_s * G_USEC_PER_SEC) {
		tz_calls_ctr[TZ_CC_CONSENT_LOST]++;
		snprintf(why, sizeof(why), "consent lost: no ICE check from the browser for %u s "
			 "(RFC 7675)", l->consent_timeout_s);
		tz_call_failed(c, TZ_JSEP_ERR_ICE_FAILED, why);
		return;
	}
	tz_media_check_auth(c, now);
	packets_by_direction(c, pkts);
	/* The browser sends SRTP: its handshake is over; the keys are in the
	 * dataplane.  Nothing needs the OpenSSL state any more. */
	if (tz_calls_env.cfg->control.dtls_release && pkts[0] > 0 && c->web.dtls != NULL)
		tz_dtls_release(c->web.dtls);
	for (int d = 0; d < 2; d++) {
		if (pkts[d] != c->media.dir_pkts[d] || tz_call_held(c) || c->media.dir_last[d] == 0 ||
		    c->media.dir_last[d] < c->media.last_media) {
			c->media.dir_pkts[d] = pkts[d];
			c->media.dir_last[d] = MAX(now, c->media.last_media);
		}
	}
	if (now - c->media.dir_last[0] > (int64_t)l->media_timeout_s * G_USEC_PER_SEC) {
		tz_calls_ctr[TZ_CC_MEDIA_TIMEOUT_WEB]++;
		tz_call_failed(c, TZ_JSEP_ERR_MEDIA_TIMEOUT, "no media from the browser");
	} else if (c->sip.leg != NULL && c->sip.answered && l->sip_media_timeout_s > 0 &&
		   now - c->media.dir_last[1] > (int64_t)l->sip_media_timeout_s * G_USEC_PER_SEC) {
		tz_calls_ctr[TZ_CC_MEDIA_TIMEOUT_SIP]++;
		snprintf(why, sizeof(why), "no media from the SIP side for %u s",
			 l->sip_media_timeout_s);
		tz_call_failed(c, TZ_JSEP_ERR_MEDIA_TIMEOUT, why);
	}
}

struct call *tz_call_by_id(uint32_t id)
{
	return by_id != NULL ? g_hash_table_lookup(by_id, GUINT_TO_POINTER(id)) : NULL;
}

void tz_calls_foreach(void (*fn)(struct call *, void *), void *arg)
{
	GList *all = g_hash_table_get_values(by_id);

	for (GList *l = all; l != NULL; l = l->next)
		fn(l->data, arg);
	g_list_free(all);
}

static gboolean supervise(gpointer unused)
{
	int64_t now = g_get_monotonic_time();

	tz_calls_foreach(check_media, &now);
	tz_calls_tenancy_tick();
	return G_SOURCE_CONTINUE;
}

int tz_calls_init(const struct tz_calls_env *env)
{
	tz_calls_env = *env;
	by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
	by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	tz_login_init();
	if (tz_calls_tenancy_init() != 0)
		return -ENOMEM;
	tz_announce_configure(env->cfg);
	supervisor = g_timeout_add_seconds(1, supervise, NULL);
	if (tz_messaging_init() != 0)
		return -ENOMEM;
	return tz_calls_commands_register();
}

static void end_for_shutdown(struct call *c, void *arg)
{
	tz_call_end(c, 503, "gateway shutting down", true);
}

void tz_calls_shutdown(void)
{
	if (by_id == NULL)
		return;
	tz_calls_foreach(end_for_shutdown, NULL);
	/* tz_call_end() queued the frees; run them now, the loop is stopping. */
	while (g_main_context_iteration(NULL, FALSE))
		;
	tz_media_reclaim_all();
	g_source_remove(supervisor);
	g_hash_table_destroy(by_id);
	g_hash_table_destroy(by_name);
	tz_calls_admit_count_reset();
	tz_login_shutdown();
	tz_messaging_shutdown();
	tz_tenant_shutdown();
	tz_announce_shutdown();
	by_id = by_name = NULL;
}

unsigned tz_calls_count(void)
{
	return by_id != NULL ? g_hash_table_size(by_id) : 0;
}
