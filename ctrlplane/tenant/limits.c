/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The limits' building blocks: destination patterns, token buckets and the
 * per-user table (bounded: idle users are forgotten, a full table evicts
 * the longest idle or refuses).
 */
#include <string.h>

#include "tenant_pvt.h"

#define TOKEN 1000000               /* a bucket counts millionths of a token */
#define REFILL_MAX_US (10 * G_USEC_PER_SEC)

/* "+44*" a prefix, "*" everything, else the whole number. */
bool tenant_pattern_match(const char *pat, const char *number)
{
	size_t n = strlen(pat);

	if (n > 0 && pat[n - 1] == '*')
		return g_ascii_strncasecmp(pat, number, n - 1) == 0;
	return g_ascii_strcasecmp(pat, number) == 0;
}

static bool any_match(char **pats, const char *number)
{
	for (; pats != NULL && *pats != NULL; pats++)
		if (tenant_pattern_match(*pats, number))
			return true;
	return false;
}

/* Deny wins; no allow list allows all, an empty one none. */
bool tenant_target_allowed(const struct tz_cfg_tenant_limits *lim, const char *number)
{
	if (number == NULL)
		return true;
	if (any_match(lim->deny_targets, number))
		return false;
	return lim->allow_targets == NULL || any_match(lim->allow_targets, number);
}

bool tz_tenant_target_allowed(const struct tz_config *cfg, uint32_t t, const char *number)
{
	if (cfg == NULL || t >= cfg->n_tenants)
		return false;
	return tenant_target_allowed(t == TZ_TENANT_DEFAULT ? &cfg->limits.tenant
							    : &cfg->tenants[t].limits, number);
}

static int64_t bucket_cap(uint32_t rate)
{
	return (int64_t)MAX(rate, 1u) * TOKEN;       /* one second's worth, at least 1 */
}

/* A new rate (reload): keep what is left, within the new burst. */
void tenant_bucket_configure(struct bucket *b, uint32_t rate)
{
	if (b->primed)
		b->tokens = MIN(b->tokens, bucket_cap(rate));
}

static void bucket_refill(struct bucket *b, uint32_t rate, int64_t now_us)
{
	int64_t elapsed = now_us - b->last_us;

	if (!b->primed) {
		b->tokens = bucket_cap(rate);   /* a new bucket starts full */
		b->last_us = now_us;
		b->primed = true;
		return;
	}
	if (elapsed <= 0)
		return;
	b->last_us = now_us;
	if (elapsed >= REFILL_MAX_US)
		b->tokens = bucket_cap(rate);
	else
		b->tokens = MIN(bucket_cap(rate), b->tokens + elapsed * (int64_t)rate);
}

/* Whether a token is there (rate 0: no limit). */
bool tenant_bucket_has(struct bucket *b, uint32_t rate, int64_t now_us)
{
	if (rate == 0)
		return true;
	bucket_refill(b, rate, now_us);
	return b->tokens >= TOKEN;
}

void tenant_bucket_take(struct bucket *b, uint32_t rate)
{
	if (rate != 0)
		b->tokens -= TOKEN;
}

void tenant_user_state_free(gpointer p)
{
	struct user_state *u = p;

	g_free(u->name);
	g_free(u);
}

/* A user without live calls whose bucket is full again is a fresh user. */
static gboolean user_idle(gpointer k, gpointer v, gpointer arg)
{
	const struct user_state *u = v;
	int64_t now_us = *(const int64_t *)arg;

	return u->live == 0 && now_us - u->last_us >= TENANT_IDLE_US;
}

void tenant_users_prune(struct tenant_state *t, int64_t now_us)
{
	g_hash_table_foreach_remove(t->users, user_idle, &now_us);
}

/* The table is full of users seen within the last second: forget the one
 * seen longest ago without a live call (its bucket restarts full). */
static bool evict_oldest(struct tenant_state *t)
{
	struct user_state *old = NULL;
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, t->users);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct user_state *u = v;

		if (u->live == 0 && (old == NULL || u->last_us < old->last_us))
			old = u;
	}
	return old != NULL && g_hash_table_remove(t->users, old->name);
}

/* The user's state, made when new; NULL when the table is full of users
 * with live calls. */
struct user_state *tenant_user_get(struct tenant_state *t, const char *name, int64_t now_us)
{
	struct user_state *u = g_hash_table_lookup(t->users, name);

	if (u != NULL)
		return u;
	if (g_hash_table_size(t->users) >= t->users_max) {
		tenant_users_prune(t, now_us);
		if (g_hash_table_size(t->users) >= t->users_max) {
			t->ctr[TZ_TENANT_USERS_FULL]++;
			if (!evict_oldest(t))
				return NULL;
		}
	}
	u = g_new0(struct user_state, 1);
	u->name = g_strdup(name);
	u->last_us = now_us;
	g_hash_table_insert(t->users, u->name, u);
	return u;
}

int tz_tenant_sip_status(enum tz_tenant_limit l)
{
	switch (l) {
	case TZ_TL_OK:
		return 0;
	case TZ_TL_DENIED:
	case TZ_TL_BUDGET:
		return 403;
	case TZ_TL_USER_CALLS:
		return 486;
	case TZ_TL_MAX_CALLS:
	case TZ_TL_RATE:
	case TZ_TL_USER_RATE:
		break;
	}
	return 503;
}
