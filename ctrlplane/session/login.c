/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Login: who a connection is.  Either a signed token (tz_auth: HS256 JWT
 * from the enterprise's web server; its `sub` is the identity) or SIP
 * credentials the registrar accepts (the gateway REGISTERs on the user's
 * behalf; the SIP user name is the identity).  Nothing else logs in: a bare
 * user name is refused.  The identity is what calls carry in From, never
 * text the client chose.  Failed logins back off per source IP and per user.
 */
#include <string.h>

#include "calls_pvt.h"
#include "tz_log.h"

/* A login waiting for, or holding, a registration on the user's behalf. */
struct reg {
	void *conn;
	int64_t id;
	char ip[INET6_ADDRSTRLEN];
	char sip_user[TZ_AUTH_USER_MAX + 1];
	uint32_t tenant;                /* the registrar's tenant */
	bool answered;
	bool borrowed;                  /* SIP over WebSocket: the edge owns r */
	const struct tz_cfg_trunk *registrar;
	struct tz_sip_reg *r;
};

static GHashTable *identities;  /* conn -> struct tz_auth_identity */
static GHashTable *regs;        /* conn -> struct reg */

static void send_error(void *conn, int64_t id, enum tz_jsep_err err, const char *message)
{
	struct tz_jsep_out o = { .type = TZ_JSEP_OUT_ERROR, .id = id, .err = err,
				 .message = message, .sdp_mline_index = -1 };

	tz_calls_env.send(conn, &o);
}

static void identity_free(gpointer p)
{
	tz_auth_identity_clear(p);
	g_free(p);
}

static void reg_free(gpointer p)
{
	struct reg *g = p;

	if (g->r != NULL && !g->borrowed)
		tz_sip_unregister(g->r);     /* un-REGISTER; no more callbacks */
	g_free(g);
}

static void refuse(void *conn, int64_t id, const char *ip, const char *user,
		   enum tz_auth_counter why, const char *message)
{
	tz_auth_count(why);
	if (why != TZ_AUTH_THROTTLED && why != TZ_AUTH_NO_CREDENTIALS)
		tz_auth_failed(ip, user, g_get_real_time() / G_USEC_PER_SEC);
	TZ_LOG(CP_SESSION, NOTICE, "login from %s%s%s refused (%s): %s", ip,
	       user != NULL ? " as " : "", user != NULL ? user : "", tz_auth_counter_name(why),
	       message);
	send_error(conn, id, TZ_JSEP_ERR_AUTH_FAILED, message);
}

static void login_ok(void *conn, int64_t id, struct tz_auth_identity *ident)
{
	struct tz_auth_identity *keep = g_new0(struct tz_auth_identity, 1);
	struct tz_jsep_out o = { .type = TZ_JSEP_OUT_LOGIN_OK, .id = id, .user = keep->user,
				 .sdp_mline_index = -1 };

	*keep = *ident;                          /* takes over the targets */
	memset(ident, 0, sizeof(*ident));
	g_hash_table_replace(identities, conn, keep);
	tz_calls_tenant_count(keep->tenant, TZ_CALLS_TENANT_LOGIN);
	tz_auth_succeeded(keep->user);
	if (tz_calls_env.logged_in != NULL)
		tz_calls_env.logged_in(conn, keep->user);
	tz_calls_env.send(conn, &o);
}

static void reg_cb(struct tz_sip_reg *r, int status, const char *reason, void *p)
{
	struct reg *g = p;
	struct tz_auth_identity ident = { 0 };
	char msg[160];

	if (g->answered) {              /* a refresh */
		if (status != 200)
			TZ_LOG(CP_SESSION, WARNING, "registration of %s lost: %d %s", g->sip_user, status,
			       reason != NULL ? reason : "");
		return;
	}
	g->answered = true;
	if (status == 200) {
		TZ_LOG(CP_SESSION, INFO, "web user registered as %s (from %s)", g->sip_user, g->ip);
		tz_auth_count(TZ_AUTH_OK_SIP);
		g_strlcpy(ident.user, g->sip_user, sizeof(ident.user));
		g_strlcpy(ident.how, "sip", sizeof(ident.how));
		ident.tenant = g->tenant;
		login_ok(g->conn, g->id, &ident);
		return;
	}
	snprintf(msg, sizeof(msg), "the registrar refused the SIP credentials: %d %s", status,
		 reason != NULL ? reason : "");
	refuse(g->conn, g->id, g->ip, g->sip_user, TZ_AUTH_SIP_REFUSED, msg);
	g->r = NULL;
	tz_sip_unregister(r);
	g_hash_table_remove(regs, g->conn);
}

/* A login with another tenant's credentials on tenant @p t's page. */
static void tenant_wrong(int t)
{
	tz_calls_tenant_count((uint32_t)t, TZ_CALLS_TENANT_WRONG_LOGIN);
}

/* The tenant the connection's page selected, or -1. */
static int selected_tenant(void *conn)
{
	return tz_calls_env.conn_tenant != NULL ? tz_calls_env.conn_tenant(conn) : -1;
}

/* The tenant of a SIP login: the one the page selected, else the one whose
 * domains hold @p domain, else the default. */
static uint32_t sip_login_tenant(void *conn, const char *domain)
{
	int t = selected_tenant(conn);

	if (t < 0)
		t = tz_cfg_tenant_of_domain(tz_calls_env.cfg, domain);
	return t >= 0 ? (uint32_t)t : TZ_TENANT_DEFAULT;
}

/* The registrar for a SIP login of tenant @p tenant: its trunk with
 * register_users whose host is @p domain, or -- without a domain, or for a
 * domain the tenant lists -- its first trunk with register_users. */
static const struct tz_cfg_trunk *registrar(uint32_t tenant, const char *domain)
{
	const struct tz_config *cfg = tz_calls_env.cfg;
	const struct tz_cfg_sip *sip = &cfg->sip;
	bool listed = domain != NULL && tz_cfg_tenant_of_domain(cfg, domain) == (int)tenant;

	for (size_t i = 0; i < sip->n_trunks; i++)
		if (sip->trunks[i].register_users && sip->trunks[i].tenant == tenant &&
		    (domain == NULL || (sip->trunks[i].address.host != NULL &&
					g_ascii_strcasecmp(sip->trunks[i].address.host, domain) == 0)))
			return &sip->trunks[i];
	for (size_t i = 0; listed && i < sip->n_trunks; i++)
		if (sip->trunks[i].register_users && sip->trunks[i].tenant == tenant)
			return &sip->trunks[i];
	return NULL;
}

static void login_token(void *conn, const struct tz_jsep_msg *m, const char *ip)
{
	struct tz_auth_identity ident;
	char err[192];
	int rc = tz_auth_verify_token(m->token, g_get_real_time() / G_USEC_PER_SEC, &ident, err,
				      sizeof(err));

	if (rc != 0) {
		refuse(conn, m->id, ip, NULL, (enum tz_auth_counter)(-rc - 1), err);
		return;
	}
	if (m->user != NULL && strcmp(m->user, ident.user) != 0) {
		refuse(conn, m->id, ip, NULL, TZ_AUTH_BAD_CLAIMS,
		       "user does not match the token's sub; leave user out");
		tz_auth_identity_clear(&ident);
		return;
	}
	if (selected_tenant(conn) >= 0 && (uint32_t)selected_tenant(conn) != ident.tenant) {
		/* a valid token of another tenant, on this tenant's page */
		tenant_wrong(selected_tenant(conn));
		refuse(conn, m->id, ip, ident.user, TZ_AUTH_WRONG_TENANT,
		       "this token is not for this site (it is another tenant's)");
		tz_auth_identity_clear(&ident);
		return;
	}
	TZ_LOG(CP_SESSION, INFO, "%s logged in by token (key %s, tenant %s) from %s", ident.user,
	       ident.key, tz_cfg_tenant_name(tz_calls_env.cfg, ident.tenant), ip);
	tz_auth_count(TZ_AUTH_OK_TOKEN);
	login_ok(conn, m->id, &ident);
}

static void login_sip(void *conn, const struct tz_jsep_msg *m, const char *ip)
{
	uint32_t tenant = sip_login_tenant(conn, m->sip.domain);
	const struct tz_cfg_trunk *t = registrar(tenant, m->sip.domain);
	struct reg *g;
	char msg[256];

	if (!tz_calls_env.cfg->auth.sip_login || t == NULL || tz_calls_env.sip == NULL) {
		snprintf(msg, sizeof(msg), "%s", !tz_calls_env.cfg->auth.sip_login ?
			 "login with SIP credentials is disabled (auth.sip_login)" :
			 "no trunk registers web users (sip.trunks[].register_users)");
		if (tz_calls_env.cfg->auth.sip_login && m->sip.domain != NULL &&
		    registrar(tenant, NULL) != NULL)
			snprintf(msg, sizeof(msg), "no registrar for SIP domain '%.64s' (the "
				 "address of a trunk with register_users)", m->sip.domain);
		refuse(conn, m->id, ip, NULL, TZ_AUTH_NO_CREDENTIALS, msg);
		return;
	}
	if (!tz_auth_user_valid(m->sip.username)) {
		refuse(conn, m->id, ip, NULL, TZ_AUTH_BAD_CLAIMS,
		       "sip.username must be 1-63 characters of A-Z a-z 0-9 . _ + -");
		return;
	}
	g = g_new0(struct reg, 1);
	g->conn = conn;
	g->id = m->id;
	g_strlcpy(g->ip, ip, sizeof(g->ip));
	g_strlcpy(g->sip_user, m->sip.username, sizeof(g->sip_user));
	g->registrar = t;
	g->tenant = tenant;
	g_hash_table_replace(regs, conn, g);
	g->r = tz_sip_register(tz_calls_env.sip, t, m->sip.username, m->sip.password, 0, reg_cb, g);
	if (g->r == NULL) {
		send_error(conn, m->id, TZ_JSEP_ERR_INTERNAL, "cannot send the REGISTER");
		g_hash_table_remove(regs, conn);
	}
}

void tz_login_on_login(void *conn, const struct tz_jsep_msg *m)
{
	char ip[INET6_ADDRSTRLEN], msg[160];
	const char *user = m->has_sip ? m->sip.username : NULL;
	unsigned wait;

	tz_calls_conn_ip(conn, ip, sizeof(ip));
	if (ip[0] == '\0')
		g_strlcpy(ip, "?", sizeof(ip));
	wait = tz_auth_throttled(ip, user, g_get_real_time() / G_USEC_PER_SEC);
	if (wait > 0) {
		snprintf(msg, sizeof(msg), "too many failed logins; try again in %u s", wait);
		refuse(conn, m->id, ip, user, TZ_AUTH_THROTTLED, msg);
	} else if (m->token != NULL) {
		login_token(conn, m, ip);
	} else if (m->has_sip) {
		login_sip(conn, m, ip);
	} else {
		refuse(conn, m->id, ip, NULL, TZ_AUTH_NO_CREDENTIALS,
		       "log in with a token (from your web application) or SIP credentials");
	}
}

const struct tz_auth_identity *tz_login_identity(void *conn)
{
	return identities != NULL ? g_hash_table_lookup(identities, conn) : NULL;
}

void tz_login_end(void *conn)
{
	if (identities == NULL)
		return;                  /* after tz_login_shutdown() */
	g_hash_table_remove(identities, conn);
	g_hash_table_remove(regs, conn);
}

void tz_login_adopt(void *conn, const struct tz_auth_identity *id, struct tz_sip_reg *reg)
{
	struct tz_auth_identity *keep = g_new0(struct tz_auth_identity, 1);
	struct reg *g = g_new0(struct reg, 1);

	*keep = *id;
	keep->n_targets = 0;                     /* a registration carries no target list */
	memset(keep->targets, 0, sizeof(keep->targets));
	g_hash_table_replace(identities, conn, keep);
	g->conn = conn;
	g->tenant = id->tenant;
	g->answered = true;
	g->borrowed = true;
	g->r = reg;
	tz_calls_conn_ip(conn, g->ip, sizeof(g->ip));
	g_strlcpy(g->sip_user, id->user, sizeof(g->sip_user));
	g_hash_table_replace(regs, conn, g);
	tz_auth_count(TZ_AUTH_OK_SIP);
	tz_calls_tenant_count(keep->tenant, TZ_CALLS_TENANT_LOGIN);
	if (tz_calls_env.logged_in != NULL)
		tz_calls_env.logged_in(conn, keep->user);
}

void tz_login_drop(void *conn)
{
	tz_login_end(conn);
}

void tz_login_foreach_registration(void (*fn)(const struct tz_calls_reg_info *, void *), void *arg)
{
	GHashTableIter it;
	gpointer v;

	if (regs == NULL)
		return;
	g_hash_table_iter_init(&it, regs);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct reg *g = v;
		struct tz_calls_reg_info i = { .registered = g->answered && g->r != NULL,
					       .tenant = g->tenant,
					       .registrar = g->registrar != NULL ? g->registrar->name : "" };

		if (g->borrowed)
			continue;              /* the SIP-over-WebSocket edge lists its own */
		g_strlcpy(i.user, g->sip_user, sizeof(i.user));
		g_strlcpy(i.peer, tz_calls_env.peer != NULL ? tz_calls_env.peer(g->conn) : g->ip,
			  sizeof(i.peer));
		fn(&i, arg);
	}
}

/* Whether two NUL-terminated strings are equal, in a time that does not
 * depend on where they differ (the token is a secret). */
static bool token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* The connection whose registration's Contact carries @p token, if it is
 * logged in as @p user of tenant @p tenant; else NULL. */
void *tz_login_conn_of_contact(uint32_t tenant, const char *user, const char *token)
{
	GHashTableIter it;
	gpointer conn, v;

	if (regs == NULL || user == NULL || token == NULL)
		return NULL;
	g_hash_table_iter_init(&it, regs);
	while (g_hash_table_iter_next(&it, &conn, &v)) {
		const struct reg *g = v;
		const char *mine = tz_sip_reg_contact_token(g->r);

		const struct tz_auth_identity *id = tz_login_identity(conn);

		if (g->answered && mine != NULL && token_equal(mine, token) &&
		    strcmp(g->sip_user, user) == 0 && id != NULL && id->tenant == tenant)
			return conn;
	}
	return NULL;
}

GSList *tz_login_conns_of_aor(const char *uri, void *except)
{
	GHashTableIter it;
	gpointer conn, v;
	GSList *out = NULL;

	if (identities == NULL || uri == NULL || uri[0] == '\0')
		return NULL;
	g_hash_table_iter_init(&it, identities);
	while (g_hash_table_iter_next(&it, &conn, &v))
		if (conn != except && strcmp(((struct tz_auth_identity *)v)->uri, uri) == 0)
			out = g_slist_prepend(out, conn);
	return out;
}

/* The connection web user @p user of tenant @p tenant is logged in on (the
 * latest), or NULL. */
void *tz_calls_conn_of_user(uint32_t tenant, const char *user)
{
	GHashTableIter it;
	gpointer conn, v;

	g_hash_table_iter_init(&it, identities);
	while (g_hash_table_iter_next(&it, &conn, &v)) {
		const struct tz_auth_identity *id = v;

		if (id->tenant == tenant && strcmp(id->user, user) == 0)
			return conn;
	}
	return NULL;
}

GSList *tz_login_conns_of_user(uint32_t tenant, const char *user, enum tz_web_kind kind)
{
	GHashTableIter it;
	gpointer conn, v;
	GSList *out = NULL;

	if (identities == NULL)
		return NULL;
	g_hash_table_iter_init(&it, identities);
	while (g_hash_table_iter_next(&it, &conn, &v)) {
		const struct tz_auth_identity *id = v;
		enum tz_web_kind k = tz_calls_env.kind != NULL ? tz_calls_env.kind(conn) : TZ_WEB_JSEP;

		if (id->tenant == tenant && k == kind && strcmp(id->user, user) == 0)
			out = g_slist_prepend(out, conn);
	}
	return out;
}

/* Whether @p user is logged in with another tenant than @p tenant. */
bool tz_login_user_elsewhere(uint32_t tenant, const char *user)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, identities);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct tz_auth_identity *id = v;

		if (id->tenant != tenant && strcmp(id->user, user) == 0)
			return true;
	}
	return false;
}

void tz_login_tenant_figures(uint32_t t, unsigned *users, unsigned *n_regs)
{
	GHashTableIter it;
	gpointer conn, v;

	*users = *n_regs = 0;
	if (identities == NULL)
		return;
	g_hash_table_iter_init(&it, identities);
	while (g_hash_table_iter_next(&it, &conn, &v)) {
		if (((struct tz_auth_identity *)v)->tenant != t)
			continue;
		(*users)++;
		*n_regs += g_hash_table_contains(regs, conn);
	}
}

void tz_login_init(void)
{
	identities = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, identity_free);
	regs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, reg_free);
}

void tz_login_shutdown(void)
{
	if (identities == NULL)
		return;
	g_hash_table_destroy(identities);
	g_hash_table_destroy(regs);
	identities = regs = NULL;
}
