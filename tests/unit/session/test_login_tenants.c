/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logins and tenants (issue 11, ctrlplane/session/login.c), with token
 * verification, the SIP registration and the rest of the call manager
 * stubbed: a token logs in to its secret's tenant, and a page that selected
 * another tenant refuses it (auth-failed, login_wrong_tenant, counted for
 * the page's tenant); a SIP login registers only with a registrar of its
 * tenant (the page's, else the domain's, else default) and logs in to it.
 *
 * Config: tenants default, acme (acme.example), globex (globex.example, no
 * registrar); trunks "pbx" (default, register_users, 203.0.113.3) and
 * "acme-pbx" (acme, register_users, 203.0.113.21).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "calls_pvt.h"

static char *acme_domains[] = { "acme.example", NULL };
static char *globex_domains[] = { "globex.example", NULL };
static struct tz_cfg_tenant tenants[] = {
	{ .name = "default" },
	{ .name = "acme", .domains = acme_domains },
	{ .name = "globex", .domains = globex_domains },
};
static struct tz_cfg_trunk trunks[] = {
	{ .name = "pbx", .address = { .host = "203.0.113.3", .port = 5060 },
	  .register_users = true, .tenant = 0 },
	{ .name = "acme-pbx", .address = { .host = "203.0.113.21", .port = 5060 },
	  .register_users = true, .tenant = 1 },
};
static struct tz_config cfg = {
	.sip = { .trunks = trunks, .n_trunks = G_N_ELEMENTS(trunks) },
	.auth = { .sip_login = true },
	.tenants = tenants,
	.n_tenants = G_N_ELEMENTS(tenants),
};

/* ---- stubs: the call manager ---- */

struct tz_calls_env tz_calls_env;
uint64_t tz_calls_ctr[TZ_CC_COUNT];

static int conn_a;
#define CONN ((void *)&conn_a)
static int the_sip;

static int page;                          /* conn_tenant's answer, -1: none */
static unsigned tenant_events[G_N_ELEMENTS(tenants)][3];   /* [t][tz_calls_tenant_event] */
static struct {
	unsigned n, errors, oks;
	enum tz_jsep_err err;
	char message[256];
} sent;

static void stub_send(void *conn, const struct tz_jsep_out *o)
{
	(void)conn;
	sent.n++;
	if (o->type == TZ_JSEP_OUT_ERROR) {
		sent.errors++;
		sent.err = o->err;
		g_strlcpy(sent.message, o->message != NULL ? o->message : "", sizeof(sent.message));
	} else if (o->type == TZ_JSEP_OUT_LOGIN_OK) {
		sent.oks++;
	}
}

static int stub_conn_tenant(void *conn)
{
	(void)conn;
	return page;
}

void tz_calls_conn_ip(void *conn, char *out, size_t len)
{
	(void)conn;
	g_strlcpy(out, "198.51.100.9", len);
}

void tz_calls_tenant_count(uint32_t tenant, enum tz_calls_tenant_event e)
{
	assert_true(tenant < G_N_ELEMENTS(tenants));
	assert_true((unsigned)e < 3);
	tenant_events[tenant][e]++;
}

/* ---- stubs: tokens ("USER@TENANT": a valid token of that tenant's secret) ---- */

static uint64_t auth_ctr[TZ_AUTH_COUNT];

int tz_auth_verify_token(const char *token, int64_t now, struct tz_auth_identity *id, char *err,
			 size_t errlen)
{
	const char *at = strchr(token, '@');

	(void)now;
	memset(id, 0, sizeof(*id));
	if (at == NULL) {
		g_strlcpy(err, "bad token", errlen);
		return -(TZ_AUTH_BAD_TOKEN + 1);
	}
	g_strlcpy(id->user, token, MIN(sizeof(id->user), (size_t)(at - token) + 1));
	g_strlcpy(id->how, "token", sizeof(id->how));
	g_snprintf(id->key, sizeof(id->key), "key-%s", at + 1);
	id->tenant = (uint32_t)atoi(at + 1);
	return 0;
}

bool tz_auth_user_valid(const char *s)
{
	return s != NULL && s[0] != '\0';
}

void tz_auth_identity_clear(struct tz_auth_identity *id)
{
	memset(id, 0, sizeof(*id));
}

unsigned tz_auth_throttled(const char *ip, const char *user, int64_t now_s)
{
	(void)ip;
	(void)user;
	(void)now_s;
	return 0;
}

void tz_auth_failed(const char *ip, const char *user, int64_t now_s)
{
	(void)ip;
	(void)user;
	(void)now_s;
}

void tz_auth_succeeded(const char *user)
{
	(void)user;
}

void tz_auth_count(enum tz_auth_counter c)
{
	auth_ctr[c]++;
}

const char *tz_auth_counter_name(enum tz_auth_counter c)
{
	(void)c;
	return "counter";
}

/* ---- stubs: registrations ---- */

struct tz_sip_reg {
	int dummy;
};
static struct tz_sip_reg the_reg;
static struct {
	unsigned n, unregs;
	const struct tz_cfg_trunk *registrar;
	tz_sip_reg_cb *cb;
	void *ud;
} reg;

struct tz_sip_reg *tz_sip_register(struct tz_sip *sip, const struct tz_cfg_trunk *registrar,
				   const char *user, const char *password, uint32_t expires,
				   tz_sip_reg_cb *cb, void *user_data)
{
	(void)sip;
	(void)user;
	(void)password;
	(void)expires;
	reg.n++;
	reg.registrar = registrar;
	reg.cb = cb;
	reg.ud = user_data;
	return &the_reg;
}

void tz_sip_unregister(struct tz_sip_reg *r)
{
	(void)r;
	reg.unregs++;
}

const char *tz_sip_reg_contact_token(const struct tz_sip_reg *r)
{
	(void)r;
	return NULL;
}

/* ---- fixtures ---- */

static int setup(void **state)
{
	(void)state;
	memset(&tz_calls_env, 0, sizeof(tz_calls_env));
	tz_calls_env.cfg = &cfg;
	tz_calls_env.send = stub_send;
	tz_calls_env.conn_tenant = stub_conn_tenant;
	tz_calls_env.sip = (struct tz_sip *)&the_sip;
	page = -1;
	memset(tenant_events, 0, sizeof(tenant_events));
	memset(&sent, 0, sizeof(sent));
	memset(auth_ctr, 0, sizeof(auth_ctr));
	memset(&reg, 0, sizeof(reg));
	tz_login_init();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tz_login_shutdown();
	return 0;
}

static void login_token(const char *token)
{
	struct tz_jsep_msg m = { .type = TZ_JSEP_LOGIN, .id = 1, .token = token,
				 .sdp_mline_index = -1 };

	tz_login_on_login(CONN, &m);
}

static void login_sip(const char *user, const char *domain)
{
	struct tz_jsep_msg m = { .type = TZ_JSEP_LOGIN, .id = 2, .has_sip = true,
				 .sdp_mline_index = -1 };

	m.sip.username = user;
	m.sip.password = "secret";
	m.sip.domain = domain;
	tz_login_on_login(CONN, &m);
}

/* ---- tokens ---- */

/* A token logs in to its secret's tenant. */
static void test_token_tenant(void **state)
{
	const struct tz_auth_identity *id;

	(void)state;
	login_token("alice@2");
	assert_int_equal(sent.oks, 1);
	id = tz_login_identity(CONN);
	assert_non_null(id);
	assert_int_equal(id->tenant, 2);
	assert_int_equal(tenant_events[2][TZ_CALLS_TENANT_LOGIN], 1);
	assert_ptr_equal(tz_calls_conn_of_user(2, "alice"), CONN);
	assert_null(tz_calls_conn_of_user(0, "alice"));   /* not the default tenant's alice */
	assert_true(tz_login_user_elsewhere(0, "alice"));
	assert_false(tz_login_user_elsewhere(2, "alice"));
}

/* On acme's page (tenant 1), acme's token logs in. */
static void test_token_on_its_page(void **state)
{
	(void)state;
	page = 1;
	login_token("carol@1");
	assert_int_equal(sent.oks, 1);
	assert_int_equal(sent.errors, 0);
	assert_int_equal(tz_login_identity(CONN)->tenant, 1);
	assert_int_equal(auth_ctr[TZ_AUTH_WRONG_TENANT], 0);
}

/* On acme's page, globex's (or the default tenant's) valid token: refused,
 * auth-failed, counted as login_wrong_tenant and for acme. */
static void test_token_of_another_tenant_refused(void **state)
{
	(void)state;
	page = 1;
	login_token("gus@2");
	assert_int_equal(sent.oks, 0);
	assert_int_equal(sent.errors, 1);
	assert_int_equal(sent.err, TZ_JSEP_ERR_AUTH_FAILED);
	assert_non_null(strstr(sent.message, "another tenant"));
	assert_null(tz_login_identity(CONN));
	assert_int_equal(auth_ctr[TZ_AUTH_WRONG_TENANT], 1);
	assert_int_equal(auth_ctr[TZ_AUTH_OK_TOKEN], 0);
	assert_int_equal(tenant_events[1][TZ_CALLS_TENANT_WRONG_LOGIN], 1);
	assert_int_equal(tenant_events[2][TZ_CALLS_TENANT_LOGIN], 0);

	login_token("dave@0");
	assert_int_equal(sent.errors, 2);
	assert_null(tz_login_identity(CONN));
	assert_int_equal(auth_ctr[TZ_AUTH_WRONG_TENANT], 2);
	assert_int_equal(tenant_events[1][TZ_CALLS_TENANT_WRONG_LOGIN], 2);
}

/* ---- SIP credentials: the registrar of the login's tenant ---- */

static void registrar_answers(int status)
{
	assert_non_null(reg.cb);
	reg.cb(&the_reg, status, status == 200 ? "OK" : "Forbidden", reg.ud);
}

/* An acme domain: acme's registrar; the login is acme's. */
static void test_sip_login_domain_tenant(void **state)
{
	(void)state;
	login_sip("carol", "acme.example");
	assert_int_equal(reg.n, 1);
	assert_ptr_equal(reg.registrar, &trunks[1]);
	registrar_answers(200);
	assert_int_equal(sent.oks, 1);
	assert_int_equal(tz_login_identity(CONN)->tenant, 1);
	assert_int_equal(tenant_events[1][TZ_CALLS_TENANT_LOGIN], 1);
}

/* On acme's page without a domain: acme's registrar, never the default's. */
static void test_sip_login_page_tenant(void **state)
{
	(void)state;
	page = 1;
	login_sip("carol", NULL);
	assert_int_equal(reg.n, 1);
	assert_ptr_equal(reg.registrar, &trunks[1]);
	registrar_answers(200);
	assert_int_equal(tz_login_identity(CONN)->tenant, 1);
}

/* No page, no domain / the default registrar's host: the default's. */
static void test_sip_login_default(void **state)
{
	(void)state;
	login_sip("dave", "203.0.113.3");
	assert_int_equal(reg.n, 1);
	assert_ptr_equal(reg.registrar, &trunks[0]);
	registrar_answers(200);
	assert_int_equal(tz_login_identity(CONN)->tenant, 0);
}

/* Never another tenant's registrar: the default registrar's host on acme's
 * page, acme's registrar's host (a domain acme does not list) without a
 * page, a globex domain (globex has no registrar). */
static void test_sip_login_no_foreign_registrar(void **state)
{
	(void)state;
	page = 1;
	login_sip("dave", "203.0.113.3");
	assert_int_equal(reg.n, 0);
	assert_int_equal(sent.errors, 1);
	assert_int_equal(sent.err, TZ_JSEP_ERR_AUTH_FAILED);

	page = -1;
	login_sip("eve", "203.0.113.21");
	assert_int_equal(reg.n, 0);
	assert_int_equal(sent.errors, 2);

	login_sip("gus", "globex.example");
	assert_int_equal(reg.n, 0);
	assert_int_equal(sent.errors, 3);

	page = 2;
	login_sip("gus", NULL);
	assert_int_equal(reg.n, 0);
	assert_int_equal(sent.errors, 4);
	assert_null(tz_login_identity(CONN));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_token_tenant),
		T(test_token_on_its_page),
		T(test_token_of_another_tenant_refused),
		T(test_sip_login_domain_tenant),
		T(test_sip_login_page_tenant),
		T(test_sip_login_default),
		T(test_sip_login_no_foreign_registrar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
