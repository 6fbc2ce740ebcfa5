/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Back-off for failed logins, per source IP and per user name: after
 * auth.fail_limit failures within auth.fail_window_s, each further failure
 * doubles the wait (1, 2, 4 … s, at most auth.lockout_max_s) before that IP
 * or user may try again.  A token's user is unknown until it verifies, so
 * bad tokens back off the IP; SIP passwords back off both.  The tables are
 * bounded: past BACKOFF_MAX entries the stale ones are swept, and if none
 * is stale the new source is not tracked (counted as throttled by IP only
 * when already known) rather than letting a spray of sources grow memory.
 */
#include <string.h>

#include <glib.h>

#include "auth_pvt.h"

#define BACKOFF_MAX 65536

struct strikes {
	unsigned failures;
	int64_t first;            /* first failure of the window, unix s */
	int64_t until;            /* no login before this, unix s */
};

static GHashTable *by_ip, *by_user;
static uint64_t counters[TZ_AUTH_COUNT];
static uint32_t fail_limit = 5, fail_window = 300, lockout_max = 300;

static const char *const counter_names[] = {
#define TZ_AUTH_NAME(e, n) n,
	TZ_AUTH_COUNTERS(TZ_AUTH_NAME)
#undef TZ_AUTH_NAME
};

void tz_auth_backoff_config(const struct tz_cfg_auth *cfg)
{
	fail_limit = cfg->fail_limit;
	fail_window = cfg->fail_window_s;
	lockout_max = cfg->lockout_max_s;
}

void tz_auth_backoff_reset(void)
{
	if (by_ip != NULL)
		g_hash_table_destroy(by_ip);
	if (by_user != NULL)
		g_hash_table_destroy(by_user);
	by_ip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	by_user = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	memset(counters, 0, sizeof(counters));
}

static bool stale(const struct strikes *s, int64_t now)
{
	return now >= s->until && now - s->first > (int64_t)fail_window;
}

static void sweep(GHashTable *t, int64_t now)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, t);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (stale(v, now))
			g_hash_table_iter_remove(&it);
}

static unsigned wait_of(GHashTable *t, const char *key, int64_t now)
{
	const struct strikes *s = key != NULL ? g_hash_table_lookup(t, key) : NULL;

	return s != NULL && s->until > now ? (unsigned)(s->until - now) : 0;
}

unsigned tz_auth_throttled(const char *ip, const char *user, int64_t now_s)
{
	unsigned a, b;

	if (by_ip == NULL)
		tz_auth_backoff_reset();
	a = wait_of(by_ip, ip, now_s);
	b = wait_of(by_user, user, now_s);
	return a > b ? a : b;
}

static void strike(GHashTable *t, const char *key, int64_t now)
{
	struct strikes *s = g_hash_table_lookup(t, key);
	unsigned over;

	if (s == NULL) {
		if (g_hash_table_size(t) >= BACKOFF_MAX)
			sweep(t, now);
		if (g_hash_table_size(t) >= BACKOFF_MAX)
			return;
		s = g_new0(struct strikes, 1);
		g_hash_table_insert(t, g_strdup(key), s);
	}
	if (now - s->first > (int64_t)fail_window && now >= s->until) {
		s->failures = 0;
		s->first = now;
	}
	s->failures++;
	if (s->failures < fail_limit)
		return;
	over = s->failures - fail_limit;
	s->until = now + (over >= 31 || (1u << over) > lockout_max ? lockout_max : (1u << over));
}

void tz_auth_failed(const char *ip, const char *user, int64_t now_s)
{
	if (by_ip == NULL)
		tz_auth_backoff_reset();
	if (ip != NULL)
		strike(by_ip, ip, now_s);
	if (user != NULL)
		strike(by_user, user, now_s);
}

void tz_auth_succeeded(const char *user)
{
	if (by_user != NULL && user != NULL)
		g_hash_table_remove(by_user, user);
}

unsigned tz_auth_locked_count(int64_t now_s)
{
	GHashTable *tables[2] = { by_ip, by_user };
	unsigned n = 0;

	for (int i = 0; i < 2; i++) {
		GHashTableIter it;
		gpointer k, v;

		if (tables[i] == NULL)
			continue;
		g_hash_table_iter_init(&it, tables[i]);
		while (g_hash_table_iter_next(&it, &k, &v))
			n += ((struct strikes *)v)->until > now_s;
	}
	return n;
}

void tz_auth_count(enum tz_auth_counter c)
{
	counters[c]++;
}

const uint64_t *tz_auth_counters(void)
{
	return counters;
}

const char *tz_auth_counter_name(enum tz_auth_counter c)
{
	return c < TZ_AUTH_COUNT ? counter_names[c] : "?";
}
