/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `show tenants` (one row per tenant) and `show tenant NAME` (its selectors,
 * limits, counters, budget and trunks).  "No limit" is JSON null, shown "-".
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "tenant_pvt.h"
#include "tz_cli.h"
#include "tz_nearest.h"

static GPtrArray *names;        /* tenant names for completion, NULL-terminated */

static void add_str(JsonBuilder *b, const char *k, const char *v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_string_value(b, v);
}

static void add_int(JsonBuilder *b, const char *k, gint64 v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_int_value(b, v);
}

/* A limit: its value, or null when 0 (no limit). */
static void add_limit(JsonBuilder *b, const char *k, gint64 v)
{
	json_builder_set_member_name(b, k);
	if (v != 0)
		json_builder_add_int_value(b, v);
	else
		json_builder_add_null_value(b);
}

static void add_list(JsonBuilder *b, const char *k, char **list)
{
	json_builder_set_member_name(b, k);
	json_builder_begin_array(b);
	for (; list != NULL && *list != NULL; list++)
		json_builder_add_string_value(b, *list);
	json_builder_end_array(b);
}

static uint64_t limits_hit(const struct tenant_state *t)
{
	return t->ctr[TZ_TENANT_LIMIT_MAX_CALLS] + t->ctr[TZ_TENANT_LIMIT_USER_CALLS] +
	       t->ctr[TZ_TENANT_LIMIT_RATE] + t->ctr[TZ_TENANT_LIMIT_USER_RATE] +
	       t->ctr[TZ_TENANT_LIMIT_DENIED] + t->ctr[TZ_TENANT_LIMIT_BUDGET];
}

static struct tz_tenant_live live_of(uint32_t i)
{
	struct tz_tenant_live l = { 0 };

	if (tz_tenant_g.live_hook != NULL)
		tz_tenant_g.live_hook(i, &l);
	return l;
}

/* "acme-pbx, acme-backup" */
static char *trunk_names(uint32_t idx)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < tz_tenant_g.n_trunks; i++) {
		const struct trunk_state *tr = tz_tenant_g.trunks[i];

		if (tr->cfg->tenant == idx)
			g_string_append_printf(s, "%s%s", s->len > 0 ? ", " : "", tr->name);
	}
	return g_string_free(s, FALSE);
}

static void tenant_row(JsonBuilder *b, struct tenant_state *t, int64_t now_s)
{
	struct tz_tenant_live live = live_of(t->idx);
	char *trunks = trunk_names(t->idx);

	json_builder_begin_object(b);
	add_str(b, "tenant", t->name);
	add_int(b, "users", live.users_online);
	add_int(b, "registrations", live.registrations);
	add_int(b, "calls", t->live);
	add_limit(b, "max_calls", t->lim->max_calls);
	add_int(b, "out_today", (gint64)t->budget.calls_out);
	add_int(b, "in_today", (gint64)t->budget.calls_in);
	add_int(b, "minutes_today", tenant_budget_spent_s(t, now_s) / 60);
	add_limit(b, "daily_minutes", t->lim->daily_minutes);
	add_int(b, "limits_hit", (gint64)limits_hit(t));
	add_str(b, "trunks", trunks);
	json_builder_end_object(b);
	g_free(trunks);
}

static int show_tenants(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	int64_t now_s = tz_tenant_wall_clock();

	if (tz_tenant_g.cfg == NULL)
		return tz_cli_error(req, "tenants are not set up");
	json_builder_begin_array(b);
	for (size_t i = 0; i < tz_tenant_g.n_tenants; i++)
		tenant_row(b, tz_tenant_g.tenants[i], now_s);
	json_builder_end_array(b);
	return 0;
}

static void selectors(JsonBuilder *b, const struct tz_cfg_tenant *c)
{
	json_builder_set_member_name(b, "selectors");
	json_builder_begin_object(b);
	add_list(b, "domains", c != NULL ? c->domains : NULL);
	add_list(b, "origins", c != NULL ? c->origins : NULL);
	add_list(b, "hosts", c != NULL ? c->hosts : NULL);
	add_list(b, "paths", c != NULL ? c->paths : NULL);
	json_builder_end_object(b);
}

static void limits(JsonBuilder *b, const struct tenant_state *t)
{
	const struct tz_cfg_tenant_limits *lim = t->lim;

	json_builder_set_member_name(b, "limits");
	json_builder_begin_object(b);
	add_limit(b, "max_calls", lim->max_calls);
	add_limit(b, "max_calls_per_user", t->max_per_user);
	add_limit(b, "calls_per_s", lim->calls_per_s);
	add_limit(b, "user_calls_per_s", lim->user_calls_per_s);
	if (lim->allow_targets != NULL) {
		add_list(b, "allow_targets", lim->allow_targets);
	} else {
		json_builder_set_member_name(b, "allow_targets");
		json_builder_add_null_value(b);         /* every routed number */
	}
	add_list(b, "deny_targets", lim->deny_targets);
	add_limit(b, "daily_minutes", lim->daily_minutes);
	add_limit(b, "daily_minutes_alarm", lim->daily_minutes != 0 ? lim->daily_minutes_alarm : 0);
	json_builder_end_object(b);
}

static void live(JsonBuilder *b, struct tenant_state *t)
{
	struct tz_tenant_live l = live_of(t->idx);

	json_builder_set_member_name(b, "live");
	json_builder_begin_object(b);
	add_int(b, "users_online", l.users_online);
	add_int(b, "registrations", l.registrations);
	add_int(b, "calls", t->live);
	add_int(b, "users_tracked", g_hash_table_size(t->users));
	json_builder_end_object(b);
}

static void counters(JsonBuilder *b, const struct tenant_state *t)
{
	json_builder_set_member_name(b, "counters");
	json_builder_begin_object(b);
	for (int i = 0; i < TZ_TENANT_COUNT; i++)
		add_int(b, tz_tenant_counter_name(i), (gint64)t->ctr[i]);
	json_builder_end_object(b);
}

static void budget(JsonBuilder *b, struct tenant_state *t, int64_t now_s)
{
	int64_t spent = tenant_budget_spent_s(t, now_s);
	int64_t max = (int64_t)t->lim->daily_minutes * 60;
	time_t day = (time_t)(t->budget.day * SECONDS_PER_DAY);
	struct tm tm;
	char date[16];

	gmtime_r(&day, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	json_builder_set_member_name(b, "budget");
	json_builder_begin_object(b);
	add_str(b, "day", date);
	add_int(b, "seconds_used", spent);
	add_int(b, "minutes_used", spent / 60);
	add_limit(b, "daily_minutes", t->lim->daily_minutes);
	json_builder_set_member_name(b, "percent_used");
	if (max > 0)
		json_builder_add_int_value(b, spent * 100 / max);
	else
		json_builder_add_null_value(b);
	add_str(b, "alarm", t->budget.alarm_full ? "spent"
			    : t->budget.alarm_warn ? "warning" : "none");
	add_int(b, "calls_out_today", (gint64)t->budget.calls_out);
	add_int(b, "calls_in_today", (gint64)t->budget.calls_in);
	json_builder_end_object(b);
}

static const char *transport_name(enum tz_cfg_transport tp)
{
	return tp == TZ_SIP_TLS ? "tls" : tp == TZ_SIP_TCP ? "tcp" : "udp";
}

static void trunk_row(JsonBuilder *b, const struct trunk_state *tr, int64_t now_s)
{
	const struct tz_cfg_trunk *c = tr->cfg;
	const char *host = c->address.host != NULL ? c->address.host : "";
	char *addr = g_strdup_printf(strchr(host, ':') != NULL ? "[%s]:%u" : "%s:%u", host,
				     c->address.port);

	json_builder_begin_object(b);
	add_str(b, "trunk", tr->name);
	add_str(b, "address", addr);
	add_str(b, "transport", transport_name(c->transport));
	add_str(b, "srtp", c->srtp == TZ_TRUNK_SDES ? "sdes" : "off");
	add_int(b, "calls", tr->live);
	add_limit(b, "last_status", tr->last_status);
	json_builder_set_member_name(b, "last_age_s");
	if (tr->last_status != 0)
		json_builder_add_int_value(b, MAX(now_s - tr->last_s, 0));
	else
		json_builder_add_null_value(b);
	add_int(b, "answered", (gint64)tr->answered);
	add_int(b, "failed", (gint64)tr->failed);
	json_builder_end_object(b);
	g_free(addr);
}

static void trunks(JsonBuilder *b, uint32_t idx, int64_t now_s)
{
	json_builder_set_member_name(b, "trunks");
	json_builder_begin_array(b);
	for (size_t i = 0; i < tz_tenant_g.n_trunks; i++)
		if (tz_tenant_g.trunks[i]->cfg->tenant == idx)
			trunk_row(b, tz_tenant_g.trunks[i], now_s);
	json_builder_end_array(b);
}

static int unknown_tenant(struct tz_cli_req *req, const char *name)
{
	const char *near = tz_nearest(name, (const char *const *)names->pdata, names->len - 1);
	char *list = g_strjoinv(", ", (char **)names->pdata);
	int rc;

	if (near != NULL)
		rc = tz_cli_error(req, "no tenant \"%s\": did you mean \"%s\"? (tenants: %s)", name,
				  near, list);
	else
		rc = tz_cli_error(req, "no tenant \"%s\" (tenants: %s)", name, list);
	g_free(list);
	return rc;
}

static int show_tenant(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	int64_t now_s = tz_tenant_wall_clock();
	struct tenant_state *t;
	int i;

	if (tz_tenant_g.cfg == NULL)
		return tz_cli_error(req, "tenants are not set up");
	i = tz_tenant_find(argv[0]);
	if (i < 0)
		return unknown_tenant(req, argv[0]);
	t = tz_tenant_g.tenants[i];
	json_builder_begin_object(b);
	add_str(b, "tenant", t->name);
	selectors(b, t->cfg);
	limits(b, t);
	live(b, t);
	budget(b, t, now_s);
	counters(b, t);
	trunks(b, t->idx, now_s);
	json_builder_end_object(b);
	return 0;
}

static const char *const *complete_tenant(int idx, void *arg)
{
	return idx == 0 && names != NULL ? (const char *const *)names->pdata : NULL;
}

/* The names completion and "did you mean" offer: the current tenants. */
void tenant_commands_refresh(void)
{
	if (names == NULL)
		names = g_ptr_array_new();
	g_ptr_array_set_size(names, 0);
	for (size_t i = 0; i < tz_tenant_g.n_tenants; i++)
		g_ptr_array_add(names, tz_tenant_g.tenants[i]->name);
	g_ptr_array_add(names, NULL);
}

int tenant_commands_register(void)
{
	static const struct tz_cli_cmd cmds[] = {
		{ "show tenants", NULL, 0, 0,
		  "tenants: users online, registrations, live calls, calls and minutes today, "
		  "limits hit, trunks", show_tenants },
		{ "show tenant", "<name>", 1, 1,
		  "one tenant: selectors, limits, counters, today's budget and alarm, trunks' "
		  "calls and last responses", show_tenant, NULL, complete_tenant },
	};

	return tz_cli_register(cmds, G_N_ELEMENTS(cmds));
}
