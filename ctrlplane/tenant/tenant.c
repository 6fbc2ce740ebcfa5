/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tenants' state: built from the config, carried across a reload by
 * name (tenants and trunks), looked up by index, name and SIP domain; the
 * counters, the trunks' last results and the 1 s tick.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "tenant_pvt.h"

#define LOG_BURST 10                    /* refusal lines per window */
#define LOG_WINDOW_US (10 * G_USEC_PER_SEC)

struct tenant_module tz_tenant_g;

static int64_t real_clock(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

int64_t (*tz_tenant_wall_clock)(void) = real_clock;

static const char *const counter_names[TZ_TENANT_COUNT] = {
#define TZ_TENANT_CNT_NAME(e, n, h) [TZ_TENANT_##e] = n,
	TZ_TENANT_COUNTERS(TZ_TENANT_CNT_NAME)
#undef TZ_TENANT_CNT_NAME
};

const char *tz_tenant_counter_name(enum tz_tenant_counter c)
{
	return (unsigned)c < TZ_TENANT_COUNT ? counter_names[c] : "?";
}

static void tenant_state_free(struct tenant_state *t)
{
	if (t->users != NULL)
		g_hash_table_destroy(t->users);
	g_free(t);
}

void tenant_state_unref(struct tenant_state *t)
{
	if (t != NULL && --t->refs == 0)
		tenant_state_free(t);
}

void trunk_state_unref(struct trunk_state *tr)
{
	if (tr != NULL && --tr->refs == 0)
		g_free(tr);
}

struct tenant_state *tenant_state_at(uint32_t idx)
{
	return idx < tz_tenant_g.n_tenants ? tz_tenant_g.tenants[idx] : NULL;
}

/* Take the state named @p name out of @p old (it moves to the new array). */
static struct tenant_state *take_tenant(struct tenant_state **old, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (old[i] != NULL && strcmp(old[i]->name, name) == 0) {
			struct tenant_state *t = old[i];

			old[i] = NULL;
			return t;
		}
	return NULL;
}

static struct trunk_state *take_trunk(struct trunk_state **old, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (old[i] != NULL && strcmp(old[i]->name, name) == 0) {
			struct trunk_state *tr = old[i];

			old[i] = NULL;
			return tr;
		}
	return NULL;
}

/* Point a tenant's state at entry @p i of @p cfg (a config without the
 * tenants list still has its default tenant, made up here). */
static void tenant_attach(struct tenant_state *t, const struct tz_config *cfg, uint32_t i)
{
	uint32_t cap = MAX(TENANT_USERS_MIN, 2 * cfg->limits.max_calls);

	t->idx = i;
	t->cfg = i < cfg->n_tenants ? &cfg->tenants[i] : NULL;
	/* the default tenant's limits are the top-level `limits:` keys */
	t->lim = i == TZ_TENANT_DEFAULT ? &cfg->limits.tenant : &cfg->tenants[i].limits;
	t->max_per_user = t->lim->max_calls_per_user != 0 ? t->lim->max_calls_per_user
							  : cfg->limits.max_calls_per_user;
	t->users_max = cap;
	tenant_bucket_configure(&t->rate, t->lim->calls_per_s);
	if (t->users != NULL) {
		GHashTableIter it;
		gpointer v;

		g_hash_table_iter_init(&it, t->users);
		while (g_hash_table_iter_next(&it, NULL, &v))
			tenant_bucket_configure(&((struct user_state *)v)->rate,
						t->lim->user_calls_per_s);
	}
}

static struct tenant_state *tenant_new(const char *name)
{
	struct tenant_state *t = g_new0(struct tenant_state, 1);

	g_strlcpy(t->name, name, sizeof(t->name));
	t->refs = 1;
	t->users = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, tenant_user_state_free);
	return t;
}

/* A tenant gone from the config: its calls still end on it, then it goes. */
static void tenant_detach(struct tenant_state *t)
{
	t->idx = UINT32_MAX;
	t->cfg = NULL;
	t->lim = NULL;
	tenant_state_unref(t);
}

static void build_tenants(const struct tz_config *cfg)
{
	struct tenant_state **old = tz_tenant_g.tenants;
	size_t n_old = tz_tenant_g.n_tenants;
	size_t n = cfg->n_tenants > 0 ? cfg->n_tenants : 1;

	tz_tenant_g.tenants = g_new0(struct tenant_state *, n);
	for (size_t i = 0; i < n; i++) {
		const char *name = i < cfg->n_tenants ? cfg->tenants[i].name
						      : TZ_TENANT_DEFAULT_NAME;
		struct tenant_state *t = take_tenant(old, n_old, name);

		if (t == NULL)
			t = tenant_new(name);
		tenant_attach(t, cfg, (uint32_t)i);
		tz_tenant_g.tenants[i] = t;
	}
	tz_tenant_g.n_tenants = n;
	for (size_t i = 0; i < n_old; i++)
		if (old[i] != NULL)
			tenant_detach(old[i]);
	g_free(old);
}

static void build_trunks(const struct tz_config *cfg)
{
	struct trunk_state **old = tz_tenant_g.trunks;
	size_t n_old = tz_tenant_g.n_trunks;
	size_t n = cfg->sip.n_trunks;

	tz_tenant_g.trunks = g_new0(struct trunk_state *, n > 0 ? n : 1);
	for (size_t i = 0; i < n; i++) {
		struct trunk_state *tr = take_trunk(old, n_old, cfg->sip.trunks[i].name);

		if (tr == NULL) {
			tr = g_new0(struct trunk_state, 1);
			g_strlcpy(tr->name, cfg->sip.trunks[i].name, sizeof(tr->name));
			tr->refs = 1;
		}
		tr->cfg = &cfg->sip.trunks[i];
		tz_tenant_g.trunks[i] = tr;
	}
	tz_tenant_g.n_trunks = n;
	for (size_t i = 0; i < n_old; i++)
		if (old[i] != NULL) {
			old[i]->cfg = NULL;
			trunk_state_unref(old[i]);
		}
	g_free(old);
}

int tz_tenant_init(const struct tz_config *cfg)
{
	int rc;

	if (cfg == NULL || (cfg->n_tenants > 0 && cfg->tenants == NULL))
		return -EINVAL;
	build_tenants(cfg);
	build_trunks(cfg);
	if (tz_tenant_g.by_key == NULL)
		tz_tenant_g.by_key = g_hash_table_new(g_direct_hash, g_direct_equal);
	tz_tenant_g.cfg = cfg;
	tenant_commands_refresh();
	rc = tenant_commands_register();
	return rc == -EEXIST ? 0 : rc;      /* a reload: registered already */
}

void tz_tenant_shutdown(void)
{
	GList *l;

	/* the links live inside the records: pop the link, free the record */
	while ((l = g_queue_pop_head_link(&tz_tenant_g.calls)) != NULL) {
		struct call_rec *r = l->data;

		tenant_state_unref(r->t);
		trunk_state_unref(r->tr);
		g_free(r->user);
		g_free(r);
	}
	for (size_t i = 0; i < tz_tenant_g.n_tenants; i++)
		tenant_state_unref(tz_tenant_g.tenants[i]);
	for (size_t i = 0; i < tz_tenant_g.n_trunks; i++)
		trunk_state_unref(tz_tenant_g.trunks[i]);
	g_free(tz_tenant_g.tenants);
	g_free(tz_tenant_g.trunks);
	if (tz_tenant_g.by_key != NULL)
		g_hash_table_destroy(tz_tenant_g.by_key);
	memset(&tz_tenant_g, 0, sizeof(tz_tenant_g));
	tenant_commands_refresh();
}

void tz_tenant_count(uint32_t t, enum tz_tenant_counter c)
{
	struct tenant_state *ts = tenant_state_at(t);

	if (ts != NULL && (unsigned)c < TZ_TENANT_COUNT)
		ts->ctr[c]++;
}

const uint64_t *tz_tenant_counters(uint32_t t)
{
	struct tenant_state *ts = tenant_state_at(t);

	return ts != NULL ? ts->ctr : NULL;
}

unsigned tz_tenant_live_calls(uint32_t t)
{
	struct tenant_state *ts = tenant_state_at(t);

	return ts != NULL ? ts->live : 0;
}

/* The module's tenants are the config's, in its order (tz_tenant_init): the
 * config's lookups answer for both. */
int tz_tenant_find(const char *name)
{
	const struct tz_config *cfg = tz_tenant_g.cfg;

	/* a config without tenants[] still has the module's "default" */
	if (cfg != NULL && cfg->n_tenants == 0 && name != NULL)
		return strcmp(name, TZ_TENANT_DEFAULT_NAME) == 0 ? 0 : -1;
	return tz_cfg_tenant_find(cfg, name);
}

int tz_tenant_of_domain(const char *domain)
{
	return tz_cfg_tenant_of_domain(tz_tenant_g.cfg, domain);
}

void tz_tenant_set_live_hook(void (*fn)(uint32_t t, struct tz_tenant_live *out))
{
	tz_tenant_g.live_hook = fn;
}

void tz_tenant_trunk_result(uint32_t trunk, int status, int64_t now_s)
{
	struct trunk_state *tr = trunk < tz_tenant_g.n_trunks ? tz_tenant_g.trunks[trunk] : NULL;

	if (tr == NULL || status < 200)
		return;
	tr->last_status = status;
	tr->last_s = now_s;
	if (status < 300)
		tr->answered++;
	else if (status >= 400 && status != 486 && status != 487 && status != 603)
		tr->failed++;       /* busy, cancelled and declined are the callee's answer */
}

/* A new window of refusal lines when the last one is over. */
static void log_window_roll(int64_t now_us)
{
	struct tenant_module *g = &tz_tenant_g;

	if (now_us - g->log_window < LOG_WINDOW_US && now_us >= g->log_window)
		return;
	if (g->log_suppressed > 0)
		TENANT_LOG(NOTICE, "limits: %" PRIu64 " more refusals not logged",
			   g->log_suppressed);
	g->log_window = now_us;
	g->log_used = 0;
	g->log_suppressed = 0;
}

void tz_tenant_tick(int64_t now_s)
{
	for (size_t i = 0; i < tz_tenant_g.n_tenants; i++) {
		struct tenant_state *t = tz_tenant_g.tenants[i];

		tenant_budget_roll(t, now_s);
		tenant_budget_check(t, now_s);
		tenant_users_prune(t, tz_tenant_g.last_us);
	}
	log_window_roll(tz_tenant_g.last_us);   /* reports the lines not logged */
}

/* Refusals are logged at most LOG_BURST times per LOG_WINDOW_US: a client
 * can make as many as it likes. */
bool tenant_log_ok(int64_t now_us)
{
	struct tenant_module *g = &tz_tenant_g;

	log_window_roll(now_us);
	if (g->log_used < LOG_BURST) {
		g->log_used++;
		return true;
	}
	g->log_suppressed++;
	return false;
}
