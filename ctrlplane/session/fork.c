/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forking an incoming call to every device of an AOR (SIP over WebSocket).
 *
 * A registrar forking a call to two contacts of one gateway sends two
 * INVITEs with the same Call-ID and From tag; sofia-sip's transaction layer
 * puts the second on the first's dialog (500 Overlapping Requests), so the
 * gateway cannot take them as two calls.  It forks itself instead: the call
 * the registrar reached (the primary, owner of the SIP leg) rings its own
 * browser and every other device registered for the same AOR here (its
 * siblings, each with its own ICE/DTLS web leg and core ports).  The first to
 * answer takes the SIP leg; every other branch is cancelled ("answered
 * elsewhere").  A branch that declines or goes away just leaves; when the
 * primary does, the first sibling takes the leg.  When the caller cancels
 * or nobody answers in time, every branch ends.
 */
#include "calls_pvt.h"
#include "tz_log.h"

#define ELSEWHERE "answered elsewhere"

void tz_fork_ring_siblings(struct call *c, const char *display)
{
	const struct tz_auth_identity *id = tz_login_identity(c->conn);
	GSList *conns = id != NULL ? tz_login_conns_of_aor(id->uri, c->conn) : NULL;

	for (GSList *l = conns; l != NULL; l = l->next) {
		struct call *s;

		if (tz_calls_conn_busy(l->data) || !tz_calls_admit_inbound())
			continue;
		s = tz_call_new(l->data, NULL, c->user, c->sip.from);
		s->inbound = true;
		s->tenant = c->tenant;
		s->sip.trunk = c->sip.trunk;
		g_strlcpy(s->sip.from, c->sip.from, sizeof(s->sip.from));
		s->sip.offer_text = g_strdup(c->sip.offer_text);
		s->sip.trunk = c->sip.trunk;    /* SDES-SRTP: each branch its own keys */
		s->fork_primary = c;
		tz_call_register(s);
		if (tz_sip_side_offer(s, display) != 0) {
			tz_call_end(s, 0, "internal", false);
			continue;
		}
		c->forks = g_slist_append(c->forks, s);
		TZ_LOG(CP_SESSION, INFO, "call %u: rings another device of %s too (call %u)", c->id,
		       id->uri, s->id);
	}
	g_slist_free(conns);
}

/* End every sibling of primary @p p (they hear @p code / @p reason). */
static void end_siblings(struct call *p, int code, const char *reason)
{
	GSList *l = p->forks;

	p->forks = NULL;
	for (GSList *i = l; i != NULL; i = i->next) {
		struct call *s = i->data;

		s->fork_primary = NULL;
		tz_call_end(s, code, reason, true);
	}
	g_slist_free(l);
}

/* Make @p n (a sibling of @p p) the owner of the leg and of the other siblings. */
static void take_over(struct call *p, struct call *n)
{
	n->forks = g_slist_remove(p->forks, n);
	p->forks = NULL;
	for (GSList *i = n->forks; i != NULL; i = i->next)
		((struct call *)i->data)->fork_primary = n;
	n->fork_primary = NULL;
	n->sip.leg = p->sip.leg;
	p->sip.leg = NULL;
	tz_calls_tenant_move(p, n);           /* the admission goes with the leg */
	tz_sip_leg_set_user(n->sip.leg, n);
}

void tz_fork_won(struct call *c)
{
	struct call *p = c->fork_primary;

	if (p != NULL) {
		take_over(p, c);
		tz_call_end(p, 200, ELSEWHERE, true);
	}
	end_siblings(c, 200, ELSEWHERE);
}

bool tz_fork_handover(struct call *c)
{
	struct call *n;

	if (c->fork_primary != NULL)
		return true;                   /* a sibling never owns the leg */
	if (c->forks == NULL || c->sip.answered)
		return false;
	n = c->forks->data;
	take_over(c, n);
	tz_sip_side_ring_timer(n);
	return true;
}

void tz_fork_end(struct call *c, int code, const char *reason)
{
	if (c->fork_primary != NULL) {
		c->fork_primary->forks = g_slist_remove(c->fork_primary->forks, c);
		c->fork_primary = NULL;
	} else if (c->forks != NULL) {
		end_siblings(c, code, reason);
	}
}
