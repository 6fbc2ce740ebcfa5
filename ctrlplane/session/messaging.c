/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages of trapeze-jsep.v1 users (issue 15, docs/protocol.md "message"):
 *  - a `message` from the browser goes out as SIP MESSAGE (RFC 3428, through
 *    ctrlplane/sip/sip_message.c) to its `to`, routed and authorised as a
 *    call's target would be (token targets, the tenant's routes and
 *    allow/deny patterns), From the user's identity as its calls carry it;
 *    the final SIP status comes back as `message-status`;
 *  - a SIP MESSAGE for a logged-in web user reaches each of its
 *    trapeze-jsep.v1 sessions as `message` (sip_side.c decides whose user).
 * Limits (messaging: in the config, each tenant's own where it sets them):
 * body size, content types, messages per user per minute (counted per
 * tenant and user); every refusal is counted, gateway-wide and per tenant
 * (`show messaging`, /metrics trapeze_messages_total{tenant, event}).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "calls_pvt.h"
#include "tz_cli.h"
#include "tz_log.h"

#define RATE_WINDOW_US (60 * G_USEC_PER_SEC)
#define RATE_TABLE_PRUNE 4096       /* users tracked before stale ones are dropped */

static const char *const ctr_names[TZ_MSG_CTR_COUNT] = {
#define TZ_MSG_NAME(e, n) [TZ_MSG_CTR_##e] = n,
	TZ_MESSAGING_COUNTERS(TZ_MSG_NAME)
#undef TZ_MSG_NAME
};

static uint64_t ctr[TZ_MSG_CTR_COUNT];   /* gateway-wide */
static GHashTable *tenant_ctr;      /* tenant name -> uint64_t[TZ_MSG_CTR_COUNT] */
static GList *pending;              /* struct pending *, MESSAGEs awaiting their answer */
static GHashTable *rates;           /* "tenant name/user" -> struct rate */
static uint64_t next_msgid = 1;

/* One MESSAGE sent for a browser: where its report goes (conn NULL: gone),
 * whose tenant counts it. */
struct pending {
	void *conn;
	int64_t id;
	int tenant;
};

/* A user's messages in the current minute (a fixed window). */
struct rate {
	int64_t start;
	unsigned n;
};

const char *tz_messaging_counter_name(unsigned i)
{
	return i < TZ_MSG_CTR_COUNT ? ctr_names[i] : NULL;
}

uint64_t tz_messaging_counter_value(unsigned i)
{
	return i < TZ_MSG_CTR_COUNT ? ctr[i] : 0;
}

/* The name counters and rates are kept under: a reload may renumber the
 * tenants.  No tenant (-1: a MESSAGE from nobody's trunk): the default. */
static const char *tenant_name(int tenant)
{
	const struct tz_config *c = tz_calls_env.cfg;

	return tenant >= 0 && (size_t)tenant < c->n_tenants ? c->tenants[tenant].name
							    : TZ_TENANT_DEFAULT_NAME;
}

/* The limits in force for @p tenant's users (the top level's keys where it
 * sets none: filled in at load). */
static const struct tz_cfg_messaging *cfg_of(int tenant)
{
	const struct tz_config *c = tz_calls_env.cfg;

	return tenant >= 0 && (size_t)tenant < c->n_tenants ? &c->tenants[tenant].messaging
							    : &c->messaging;
}

/* Which config key a refusal names: the tenant's own or the top level's. */
static const char *key_owner(int tenant, char *buf, size_t len)
{
	if (tenant <= 0 || (size_t)tenant >= tz_calls_env.cfg->n_tenants)
		return "";
	snprintf(buf, len, "tenant %s: ", tenant_name(tenant));
	return buf;
}

static void count(int tenant, enum tz_msg_counter c)
{
	const char *name = tenant_name(tenant);
	uint64_t *t = g_hash_table_lookup(tenant_ctr, name);

	ctr[c]++;
	if (t == NULL) {
		t = g_new0(uint64_t, TZ_MSG_CTR_COUNT);
		g_hash_table_insert(tenant_ctr, g_strdup(name), t);
	}
	t[c]++;
}

const uint64_t *tz_messaging_tenant_counters(const char *tenant)
{
	return tenant_ctr != NULL ? g_hash_table_lookup(tenant_ctr, tenant) : NULL;
}

bool tz_messaging_type_allowed(const struct tz_cfg_messaging *m, const char *content_type)
{
	size_t n = strcspn(content_type, ";");

	while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
		n--;
	for (char *const *t = m->content_types; t != NULL && *t != NULL; t++)
		if (strlen(*t) == n && g_ascii_strncasecmp(*t, content_type, n) == 0)
			return true;
	return false;
}

/* "text/plain, application/json": for error messages and the 415's Accept. */
char *tz_messaging_accept(const struct tz_cfg_messaging *m)
{
	GString *s = g_string_new(NULL);

	for (char *const *t = m->content_types; t != NULL && *t != NULL; t++)
		g_string_append_printf(s, "%s%s", s->len > 0 ? ", " : "", *t);
	return g_string_free(s, FALSE);
}

/* Take one of the user's messages of this minute; false when none is left. */
static bool rate_take(uint32_t tenant, const char *user, int64_t now)
{
	uint32_t limit = cfg_of((int)tenant)->per_user_per_minute;
	g_autofree char *key = NULL;
	struct rate *r;

	if (limit == 0)
		return true;
	if (g_hash_table_size(rates) >= RATE_TABLE_PRUNE) {
		GHashTableIter it;
		gpointer v;

		g_hash_table_iter_init(&it, rates);
		while (g_hash_table_iter_next(&it, NULL, &v))
			if (now - ((struct rate *)v)->start >= RATE_WINDOW_US)
				g_hash_table_iter_remove(&it);
	}
	key = g_strdup_printf("%s/%s", tenant_name((int)tenant), user);
	r = g_hash_table_lookup(rates, key);
	if (r == NULL) {
		r = g_new0(struct rate, 1);
		g_hash_table_insert(rates, g_steal_pointer(&key), r);
	}
	if (r->n == 0 || now - r->start >= RATE_WINDOW_US) {
		r->start = now;
		r->n = 0;
	}
	if (r->n >= limit)
		return false;
	r->n++;
	return true;
}

static void refuse(void *conn, int tenant, const struct tz_jsep_msg *m, enum tz_msg_counter why,
		   enum tz_jsep_err code, const char *message)
{
	count(tenant, why);
	tz_calls_env.send(conn, &(struct tz_jsep_out){ .type = TZ_JSEP_OUT_ERROR, .id = m->id,
						      .err = code, .message = message,
						      .sdp_mline_index = -1 });
}

static void report(void *conn, int64_t id, int code, const char *reason)
{
	tz_calls_env.send(conn, &(struct tz_jsep_out){ .type = TZ_JSEP_OUT_MESSAGE_STATUS,
						      .id = id, .code = code, .reason = reason,
						      .sdp_mline_index = -1 });
}

static void message_done(int status, const char *reason, void *user)
{
	struct pending *p = user;

	if (g_list_find(pending, p) == NULL)
		return;                 /* after tz_messaging_shutdown(): freed there */
	count(p->tenant, status >= 200 && status < 300 ? TZ_MSG_CTR_OUT_DELIVERED
						       : TZ_MSG_CTR_OUT_FAILED);
	pending = g_list_remove(pending, p);
	if (p->conn != NULL)
		report(p->conn, p->id, status, reason);
	g_free(p);
}

/* Checks that need no routing: size, type, the token's targets, the rate. */
static bool admit(void *conn, const struct tz_jsep_msg *m, const struct tz_auth_identity *id,
		  const char *ctype, size_t len)
{
	int t = (int)id->tenant;
	const struct tz_cfg_messaging *mc = cfg_of(t);
	char why[256], owner[TZ_CFG_NAME_MAX + 16];

	if (len > mc->max_bytes) {
		snprintf(why, sizeof(why), "body: %zu bytes, at most %u (%smessaging.max_bytes)",
			 len, mc->max_bytes, key_owner(t, owner, sizeof(owner)));
		refuse(conn, t, m, TZ_MSG_CTR_REFUSED_TOO_BIG, TZ_JSEP_ERR_TOO_BIG, why);
		return false;
	}
	if (!tz_messaging_type_allowed(mc, ctype)) {
		g_autofree char *accept = tz_messaging_accept(mc);

		snprintf(why, sizeof(why), "content_type: '%.64s' is not carried here; use one of: %s",
			 ctype, accept);
		refuse(conn, t, m, TZ_MSG_CTR_REFUSED_CONTENT_TYPE, TZ_JSEP_ERR_BAD_MESSAGE, why);
		return false;
	}
	if (!tz_auth_target_allowed(id, m->to)) {
		refuse(conn, t, m, TZ_MSG_CTR_REFUSED_TARGET, TZ_JSEP_ERR_FORBIDDEN,
		       "your login does not allow messages to this target");
		return false;
	}
	if (!rate_take(id->tenant, id->user, g_get_monotonic_time())) {
		snprintf(why, sizeof(why), "more than %u messages a minute "
			 "(%smessaging.per_user_per_minute); try again later",
			 mc->per_user_per_minute, key_owner(t, owner, sizeof(owner)));
		refuse(conn, t, m, TZ_MSG_CTR_REFUSED_RATE, TZ_JSEP_ERR_RATE_LIMITED, why);
		return false;
	}
	return true;
}

void tz_messaging_on_message(void *conn, const struct tz_jsep_msg *m,
			     const struct tz_auth_identity *id)
{
	const char *ctype = m->content_type != NULL ? m->content_type : "text/plain";
	const struct tz_cfg_trunk *trunk = NULL;
	enum tz_jsep_err code = TZ_JSEP_ERR_NO_ROUTE;
	char why[256] = "", user_part[128];
	size_t len = strlen(m->body);
	struct tz_sip_invite_opts o = { 0 };
	struct pending *p;
	int rc;

	int t = (int)id->tenant;

	count(t, TZ_MSG_CTR_OUT_REQUESTS);
	if (!admit(conn, m, id, ctype, len))
		return;
	if (tz_calls_env.sip == NULL) {
		refuse(conn, t, m, TZ_MSG_CTR_REFUSED_TARGET, code,
		       "no routing rule matches this target");
		return;
	}
	if (tz_route_target(id->tenant, m->to, strlen(m->to), &trunk, user_part, sizeof(user_part),
			    &code, why, sizeof(why)) != 0 ||
	    !tz_tenant_target_allowed(tz_calls_env.cfg, id->tenant,
				      g_str_has_prefix(m->to, "sip:") ? m->to : user_part)) {
		if (why[0] == '\0') {
			code = TZ_JSEP_ERR_FORBIDDEN;
			g_strlcpy(why, "the tenant's limits do not allow this target", sizeof(why));
		}
		refuse(conn, t, m, TZ_MSG_CTR_REFUSED_TARGET, code, why);
		return;
	}
	/* From as the user's calls carry it (tz_sip_side_start) */
	o.from_uri = id->uri[0] != '\0' ? id->uri : NULL;
	o.pai = o.from_uri;
	o.from_user = id->user;
	o.from_display = id->display[0] != '\0' ? id->display : NULL;
	p = g_new0(struct pending, 1);
	p->conn = conn;
	p->id = m->id;
	p->tenant = t;
	rc = tz_sip_message(tz_calls_env.sip, trunk, user_part, &o, ctype, m->body, len,
			    message_done, p);
	if (rc != 0) {
		g_free(p);
		refuse(conn, t, m, TZ_MSG_CTR_REFUSED_OTHER, TZ_JSEP_ERR_INTERNAL,
		       rc == -ESHUTDOWN ? "the gateway is stopping" : "cannot send the MESSAGE");
		return;
	}
	pending = g_list_prepend(pending, p);
	count(t, TZ_MSG_CTR_OUT);
	TZ_LOG(CP_SESSION, INFO, "message from %s to %s via trunk %s (%zu bytes, %s)", id->user,
	       m->to, trunk->name, len, ctype);
}

void tz_messaging_conn_gone(void *conn)
{
	for (GList *l = pending; l != NULL; l = l->next)
		if (((struct pending *)l->data)->conn == conn)
			((struct pending *)l->data)->conn = NULL;
}

/* Which of the user's sessions get it: the registration's, or every jsep one. */
static GSList *sessions_of(uint32_t tenant, const char *user, void *callee)
{
	if (callee != NULL)
		return g_slist_prepend(NULL, callee);
	return tz_login_conns_of_user(tenant, user, TZ_WEB_JSEP);
}

int tz_messaging_incoming(int tenant, void *callee, const char *to_user, const char *from_uri,
			  const char *display, const char *content_type, const char *body,
			  size_t len)
{
	const struct tz_cfg_messaging *mc = cfg_of(tenant);
	char msgid[32];
	GSList *conns;
	unsigned n = 0;

	count(tenant, TZ_MSG_CTR_IN);
	if (tenant < 0) {
		count(tenant, TZ_MSG_CTR_IN_UNKNOWN_USER);
		return 404;
	}
	if (len > mc->max_bytes) {
		count(tenant, TZ_MSG_CTR_IN_TOO_BIG);
		return 413;
	}
	/* JSON strings carry UTF-8 text without NUL (g_utf8_validate_len refuses both) */
	if (!tz_messaging_type_allowed(mc, content_type) || !g_utf8_validate_len(body, len, NULL)) {
		count(tenant, TZ_MSG_CTR_IN_CONTENT_TYPE);
		return 415;
	}
	conns = sessions_of((uint32_t)tenant, to_user, callee);
	snprintf(msgid, sizeof(msgid), "m%" G_GUINT64_FORMAT, next_msgid++);
	for (GSList *l = conns; l != NULL; l = l->next, n++)
		tz_calls_env.send(l->data, &(struct tz_jsep_out){
			.type = TZ_JSEP_OUT_MESSAGE, .msgid = msgid, .from = from_uri,
			.display = display != NULL && display[0] != '\0' ? display : NULL,
			.content_type = content_type, .body = body, .sdp_mline_index = -1 });
	g_slist_free(conns);
	if (n == 0) {
		count(tenant, TZ_MSG_CTR_IN_OFFLINE);
		return 480;
	}
	count(tenant, TZ_MSG_CTR_IN_DELIVERED);
	TZ_LOG(CP_SESSION, INFO, "message %s from %s to %s: %u session(s), %zu bytes", msgid,
	       from_uri, to_user, n, len);
	return 200;
}

void tz_messaging_offline(int tenant, bool unknown)
{
	count(tenant, TZ_MSG_CTR_IN);
	count(tenant, unknown ? TZ_MSG_CTR_IN_UNKNOWN_USER : TZ_MSG_CTR_IN_OFFLINE);
}

static void add_int(JsonBuilder *b, const char *key, int64_t v)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, v);
}

/* The limits of @p mc as members. */
static void limits(JsonBuilder *b, const struct tz_cfg_messaging *mc)
{
	g_autofree char *accept = tz_messaging_accept(mc);

	add_int(b, "max_bytes", mc->max_bytes);
	add_int(b, "per_user_per_minute", mc->per_user_per_minute);
	json_builder_set_member_name(b, "content_types");
	json_builder_add_string_value(b, accept);
}

/* Every counter of @p v (NULL: none yet, all 0) as members. */
static void counters(JsonBuilder *b, const uint64_t *v)
{
	for (unsigned i = 0; i < TZ_MSG_CTR_COUNT; i++)
		add_int(b, ctr_names[i], v != NULL ? (int64_t)v[i] : 0);
}

/* One row of `show messaging`'s tenants table: its limits and the figures
 * that say who hits them (`show messaging <tenant>`: every counter). */
static void tenant_row(JsonBuilder *b, const struct tz_cfg_tenant *t)
{
	const uint64_t *v = tz_messaging_tenant_counters(t->name);
	uint64_t refused = 0, in_refused = 0;

	for (unsigned i = TZ_MSG_CTR_REFUSED_TOO_BIG; v != NULL && i <= TZ_MSG_CTR_REFUSED_OTHER; i++)
		refused += v[i];
	if (v != NULL)
		in_refused = v[TZ_MSG_CTR_IN] - v[TZ_MSG_CTR_IN_DELIVERED];
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "tenant");
	json_builder_add_string_value(b, t->name);
	limits(b, &t->messaging);
	add_int(b, "out_sent", v != NULL ? (int64_t)v[TZ_MSG_CTR_OUT] : 0);
	add_int(b, "out_refused", (int64_t)refused);
	add_int(b, "out_refused_rate_limited", v != NULL ? (int64_t)v[TZ_MSG_CTR_REFUSED_RATE] : 0);
	add_int(b, "in_delivered", v != NULL ? (int64_t)v[TZ_MSG_CTR_IN_DELIVERED] : 0);
	add_int(b, "in_refused", (int64_t)in_refused);
	json_builder_end_object(b);
}

/* `show messaging <tenant>`: that tenant's limits in force and counters. */
static int show_tenant(struct tz_cli_req *req, const char *name, JsonBuilder *b)
{
	const struct tz_config *c = tz_calls_env.cfg;
	GString *names = g_string_new(NULL);
	int rc;

	for (size_t t = 0; t < c->n_tenants; t++) {
		if (strcmp(c->tenants[t].name, name) != 0) {
			g_string_append_printf(names, "%s%s", names->len ? ", " : "", c->tenants[t].name);
			continue;
		}
		g_string_free(names, TRUE);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "tenant");
		json_builder_add_string_value(b, name);
		limits(b, &c->tenants[t].messaging);
		counters(b, tz_messaging_tenant_counters(name));
		json_builder_end_object(b);
		return 0;
	}
	rc = tz_cli_error(req, "no tenant \"%s\" (tenants: %s)", name, names->str);
	g_string_free(names, TRUE);
	return rc;
}

/* `show messaging`: the top level's limits and the gateway's counters, then
 * a table of the tenants' limits in force and who is refused. */
static int show_messaging(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b,
			  void *arg)
{
	const struct tz_config *c = tz_calls_env.cfg;

	if (argc > 0)
		return show_tenant(req, argv[0], b);
	json_builder_begin_object(b);
	limits(b, &c->messaging);
	add_int(b, "pending", g_list_length(pending));
	counters(b, ctr);
	json_builder_set_member_name(b, "tenants");
	json_builder_begin_array(b);
	for (size_t t = 0; t < c->n_tenants; t++)
		tenant_row(b, &c->tenants[t]);
	json_builder_end_array(b);
	json_builder_end_object(b);
	return 0;
}

/* The 415's Accept follows the configured types (start and reload). */
void tz_messaging_configure(void)
{
	g_autofree char *accept = tz_messaging_accept(&tz_calls_env.cfg->messaging);

	tz_sip_set_message_accept(tz_calls_env.sip, accept);
}

int tz_messaging_init(void)
{
	static const struct tz_cli_cmd cmds[] = {
		{ "show messaging", "[tenant]", 0, 1,
		  "trapeze-jsep.v1 messages (SIP MESSAGE): limits, sent, delivered, failed, "
		  "refused by reason, incoming delivered / offline / too big / wrong type; "
		  "each tenant's limits and refusals (a tenant's every counter: show "
		  "messaging <tenant>)",
		  show_messaging },
	};

	memset(ctr, 0, sizeof(ctr));
	rates = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	tenant_ctr = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	tz_messaging_configure();
	return tz_cli_register(cmds, G_N_ELEMENTS(cmds));
}

void tz_messaging_shutdown(void)
{
	g_list_free_full(pending, g_free);   /* the SIP side is stopped after: no callbacks */
	pending = NULL;
	if (rates != NULL)
		g_hash_table_destroy(rates);
	rates = NULL;
	if (tenant_ctr != NULL)
		g_hash_table_destroy(tenant_ctr);
	tenant_ctr = NULL;
}
