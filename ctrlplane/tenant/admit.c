/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Admission of a call against its tenant's limits, and the live counts of
 * admitted calls (tenant, user, trunk) until they end.  Each admitted call
 * is remembered (struct call_rec) with the objects it counts on, so its end
 * releases exactly what its admission took, whatever happened to the config
 * in between; an end without an admission releases nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tenant_pvt.h"

static const enum tz_tenant_counter limit_counter[] = {
	[TZ_TL_MAX_CALLS] = TZ_TENANT_LIMIT_MAX_CALLS,
	[TZ_TL_USER_CALLS] = TZ_TENANT_LIMIT_USER_CALLS,
	[TZ_TL_RATE] = TZ_TENANT_LIMIT_RATE,
	[TZ_TL_USER_RATE] = TZ_TENANT_LIMIT_USER_RATE,
	[TZ_TL_DENIED] = TZ_TENANT_LIMIT_DENIED,
	[TZ_TL_BUDGET] = TZ_TENANT_LIMIT_BUDGET,
};

static const char *const limit_names[] = {
	[TZ_TL_OK] = "ok",
	[TZ_TL_MAX_CALLS] = "max_calls",
	[TZ_TL_USER_CALLS] = "max_calls_per_user",
	[TZ_TL_RATE] = "calls_per_s",
	[TZ_TL_USER_RATE] = "user_calls_per_s",
	[TZ_TL_DENIED] = "target denied",
	[TZ_TL_BUDGET] = "daily_minutes",
};

static const char *str_or(const char *s, const char *dflt)
{
	return s != NULL && s[0] != '\0' ? s : dflt;
}

/* The client's message for a refusal. */
static void why_text(const struct tenant_state *t, const struct tz_tenant_call *call,
		     enum tz_tenant_limit l, char *why, size_t wlen)
{
	const struct tz_cfg_tenant_limits *lim = t->lim;
	const char *user = str_or(call->user, "?");

	if (why == NULL || wlen == 0)
		return;
	switch (l) {
	case TZ_TL_DENIED:
		snprintf(why, wlen, "calls to %s are not allowed for tenant %s",
			 str_or(call->number, "?"), t->name);
		break;
	case TZ_TL_BUDGET:
		snprintf(why, wlen, "the daily call-minute budget of tenant %s is spent", t->name);
		break;
	case TZ_TL_MAX_CALLS:
		snprintf(why, wlen, "tenant %s has its %" PRIu32 " calls at once", t->name,
			 lim->max_calls);
		break;
	case TZ_TL_USER_CALLS:
		snprintf(why, wlen, "user %s has its %" PRIu32 " calls at once", user,
			 t->max_per_user);
		break;
	case TZ_TL_RATE:
		snprintf(why, wlen, "tenant %s is placing calls too fast (%" PRIu32 " per second)",
			 t->name, lim->calls_per_s);
		break;
	case TZ_TL_USER_RATE:
		snprintf(why, wlen, "user %s is placing calls too fast (%" PRIu32 " per second)",
			 user, lim->user_calls_per_s);
		break;
	case TZ_TL_OK:
		why[0] = '\0';
		break;
	}
}

static enum tz_tenant_limit refuse(struct tenant_state *t, const struct tz_tenant_call *call,
				   enum tz_tenant_limit l, int64_t now_us, char *why, size_t wlen)
{
	t->ctr[limit_counter[l]]++;
	why_text(t, call, l, why, wlen);
	if (tenant_log_ok(now_us))
		TENANT_LOG(NOTICE, "%s: %s call %s %s%s%s refused: %s", t->name,
			   call->inbound ? "inbound" : "outbound",
			   call->inbound ? "to" : "by", str_or(call->user, "-"),
			   call->inbound ? "" : " to ",
			   call->inbound ? "" : str_or(call->number, "-"), limit_names[l]);
	return l;
}

static bool rec_matches(const struct call_rec *r, const struct tz_tenant_call *call)
{
	return r->tenant_idx == call->tenant && r->trunk_idx == call->trunk &&
	       r->inbound == call->inbound && g_strcmp0(r->user, call->user) == 0;
}

/*
 * The record of @p call: the one admitted at this address when its contents
 * agree; else one with the same contents (a copy of the struct), answered
 * or not as @p want_answered says when there is a choice (-1: any); else
 * the one at this address (the caller changed the struct); else NULL.
 */
static struct call_rec *rec_find(const struct tz_tenant_call *call, int want_answered)
{
	struct call_rec *keyed = g_hash_table_lookup(tz_tenant_g.by_key, call);
	struct call_rec *any = NULL;

	if (keyed != NULL && rec_matches(keyed, call))
		return keyed;
	for (GList *l = tz_tenant_g.calls.head; l != NULL; l = l->next) {
		struct call_rec *r = l->data;

		if (!rec_matches(r, call))
			continue;
		if (want_answered < 0 || (r->answered_s != 0) == (want_answered != 0))
			return r;
		if (any == NULL)
			any = r;
	}
	return any != NULL ? any : keyed;
}

static void unmatched(const struct tz_tenant_call *call, const char *what)
{
	tz_tenant_g.unmatched++;
	tz_tenant_count(call->tenant, TZ_TENANT_UNMATCHED);
	if (tenant_log_ok(tz_tenant_g.last_us))
		TENANT_LOG(ERR, "%s of a call never admitted (tenant %" PRIu32 ", user %s): "
			   "ignored", what, call->tenant, str_or(call->user, "-"));
}

static void rec_add(const struct tz_tenant_call *call, struct tenant_state *t,
		    struct user_state *u)
{
	struct call_rec *r = g_new0(struct call_rec, 1);
	struct call_rec *prev = g_hash_table_lookup(tz_tenant_g.by_key, call);

	if (prev != NULL && tenant_log_ok(tz_tenant_g.last_us))
		TENANT_LOG(ERR, "%s: a call admitted again before its end (the caller must "
			   "keep its struct tz_tenant_call until tz_tenant_call_end)", t->name);
	r->key = call;
	r->tenant_idx = call->tenant;
	r->trunk_idx = call->trunk;
	r->inbound = call->inbound;
	r->t = t;
	r->u = u;
	r->user = g_strdup(call->user);
	t->refs++;
	if (call->trunk < tz_tenant_g.n_trunks) {
		r->tr = tz_tenant_g.trunks[call->trunk];
		r->tr->refs++;
		r->tr->live++;
	}
	t->live++;
	if (u != NULL)
		u->live++;
	r->link.data = r;
	g_queue_push_tail_link(&tz_tenant_g.calls, &r->link);
	g_hash_table_insert(tz_tenant_g.by_key, (gpointer)call, r);
}

/* Live counts going down; never below zero (that would be a bug here). */
static void live_down(unsigned *n, const char *what, const char *name)
{
	if (*n > 0)
		(*n)--;
	else
		TENANT_LOG(ERR, "%s %s: live calls already 0 at a call's end", what, name);
}

static void rec_release(struct call_rec *r)
{
	live_down(&r->t->live, "tenant", r->t->name);
	if (r->u != NULL)
		live_down(&r->u->live, "user", r->u->name);
	if (r->tr != NULL)
		live_down(&r->tr->live, "trunk", r->tr->name);
	if (g_hash_table_lookup(tz_tenant_g.by_key, r->key) == r)
		g_hash_table_remove(tz_tenant_g.by_key, r->key);
	g_queue_unlink(&tz_tenant_g.calls, &r->link);
	tenant_state_unref(r->t);
	trunk_state_unref(r->tr);
	g_free(r->user);
	g_free(r);
}

/* The checks of tz_tenant_admit, in the documented order. */
static enum tz_tenant_limit check(struct tenant_state *t, const struct tz_tenant_call *call,
				  int64_t now_us, int64_t now_s, struct user_state **user)
{
	const struct tz_cfg_tenant_limits *lim = t->lim;
	bool out = !call->inbound;
	struct user_state *u = NULL;

	if (out && !tenant_target_allowed(lim, call->number))
		return TZ_TL_DENIED;
	if (out && tenant_budget_spent(t, now_s))
		return TZ_TL_BUDGET;
	if (lim->max_calls != 0 && t->live >= lim->max_calls)
		return TZ_TL_MAX_CALLS;
	if (call->user != NULL && call->user[0] != '\0') {
		u = tenant_user_get(t, call->user, now_us);
		if (u == NULL)
			return TZ_TL_RATE;      /* the table is full of live users */
		u->last_us = now_us;
		if (t->max_per_user != 0 && u->live >= t->max_per_user)
			return TZ_TL_USER_CALLS;
	}
	if (out && !tenant_bucket_has(&t->rate, lim->calls_per_s, now_us))
		return TZ_TL_RATE;
	if (out && u != NULL && !tenant_bucket_has(&u->rate, lim->user_calls_per_s, now_us))
		return TZ_TL_USER_RATE;
	*user = u;
	return TZ_TL_OK;
}

enum tz_tenant_limit tz_tenant_admit(const struct tz_tenant_call *call, int64_t now_us,
				     int64_t now_s, char *why, size_t wlen)
{
	struct tenant_state *t;
	struct user_state *u = NULL;
	enum tz_tenant_limit l;

	if (why != NULL && wlen > 0)
		why[0] = '\0';
	if (tz_tenant_g.cfg == NULL)
		return TZ_TL_OK;                /* not set up: nothing to limit */
	if (now_us > tz_tenant_g.last_us)
		tz_tenant_g.last_us = now_us;
	t = tenant_state_at(call->tenant);
	if (t == NULL) {
		TENANT_LOG(ERR, "admission of a call of tenant %" PRIu32 ": no such tenant",
			   call->tenant);
		if (why != NULL && wlen > 0)
			snprintf(why, wlen, "no such tenant");
		return TZ_TL_DENIED;
	}
	tenant_budget_roll(t, now_s);
	l = check(t, call, now_us, now_s, &u);
	if (l == TZ_TL_BUDGET)
		tenant_budget_check(t, now_s);  /* the 100 % line, if not logged yet */
	if (l != TZ_TL_OK)
		return refuse(t, call, l, now_us, why, wlen);
	if (!call->inbound) {
		tenant_bucket_take(&t->rate, t->lim->calls_per_s);
		if (u != NULL)
			tenant_bucket_take(&u->rate, t->lim->user_calls_per_s);
	}
	rec_add(call, t, u);
	t->ctr[call->inbound ? TZ_TENANT_CALLS_IN : TZ_TENANT_CALLS_OUT]++;
	if (call->inbound)
		t->budget.calls_in++;
	else
		t->budget.calls_out++;
	tenant_budget_check(t, now_s);
	return TZ_TL_OK;
}

void tz_tenant_call_answered(const struct tz_tenant_call *call, int64_t now_s)
{
	struct call_rec *r;

	if (tz_tenant_g.cfg == NULL)
		return;
	r = rec_find(call, 0);
	if (r == NULL) {
		unmatched(call, "answer");
		return;
	}
	if (r->answered_s != 0)
		return;
	r->answered_s = now_s > 0 ? now_s : 1;
	r->t->ctr[TZ_TENANT_CALLS_ANSWERED]++;
	tenant_budget_roll(r->t, now_s);
	if (!r->inbound)
		tenant_budget_answer(r->t, r->answered_s, now_s);
	tenant_budget_check(r->t, now_s);
}

void tz_tenant_call_end(const struct tz_tenant_call *call, int64_t answered_s, int64_t now_s)
{
	struct tenant_state *t;
	struct call_rec *r;

	if (tz_tenant_g.cfg == NULL)
		return;
	r = rec_find(call, answered_s != 0);
	if (r == NULL) {
		unmatched(call, "end");
		return;
	}
	t = r->t;
	tenant_budget_roll(t, now_s);
	if (r->answered_s == 0 && answered_s != 0)
		t->ctr[TZ_TENANT_CALLS_ANSWERED]++;     /* its answer was not reported */
	if (!r->inbound && (r->answered_s != 0 || answered_s != 0))
		tenant_budget_close(t, r->answered_s != 0,
				    r->answered_s != 0 ? r->answered_s : answered_s, now_s);
	t->refs++;                              /* survives the release for the check */
	rec_release(r);
	tenant_budget_check(t, now_s);
	tenant_state_unref(t);
}
