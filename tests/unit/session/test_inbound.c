/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whose web users an inbound INVITE or MESSAGE may reach (issue 11,
 * ctrlplane/session/inbound.c), the logins stubbed: the tenant of the trunk
 * the request came from; at an address several tenants' trunks share, the
 * tenant whose domains hold the Request-URI host, else nobody; then only
 * that tenant's logins of the user, and a user only another tenant has is
 * counted as a cross-tenant request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "calls_pvt.h"

/* ---- config: default, acme (acme.example), globex (globex.example) ---- */

static char *acme_domains[] = { "acme.example", NULL };
static char *globex_domains[] = { "globex.example", NULL };
static struct tz_cfg_tenant tenants[] = {
	{ .name = "default" },
	{ .name = "acme", .domains = acme_domains },
	{ .name = "globex", .domains = globex_domains },
};
static struct tz_cfg_trunk trunks[] = {
	{ .name = "pbx", .tenant = 0 },
	{ .name = "acme-pbx", .tenant = 1 },
	{ .name = "acme-alt", .tenant = 1 },
	{ .name = "globex-pbx", .tenant = 2 },
};
static struct tz_config cfg = { .tenants = tenants, .n_tenants = G_N_ELEMENTS(tenants) };

/* ---- stubs of the call manager and the logins ---- */

struct tz_calls_env tz_calls_env;
uint64_t tz_calls_ctr[TZ_CC_COUNT];

#define CONN(n) ((void *)(uintptr_t)(0x100 + (n)))

/* who is logged in: user, tenant, its connection, its registration's Contact token */
static const struct {
	const char *user;
	uint32_t tenant;
	void *conn;
	const char *token;
} logins[] = {
	{ "bob", 0, CONN(0), "tok-bob-0" },
	{ "bob", 1, CONN(1), "tok-bob-1" },
	{ "carol", 1, CONN(2), "tok-carol-1" },
	{ "gus", 2, CONN(3), NULL },
};

static unsigned cross[G_N_ELEMENTS(tenants)];
static unsigned lookups;

void *tz_calls_conn_of_user(uint32_t tenant, const char *user)
{
	lookups++;
	for (size_t i = 0; i < G_N_ELEMENTS(logins); i++)
		if (logins[i].tenant == tenant && strcmp(logins[i].user, user) == 0)
			return logins[i].conn;
	return NULL;
}

void *tz_login_conn_of_contact(uint32_t tenant, const char *user, const char *token)
{
	lookups++;
	for (size_t i = 0; i < G_N_ELEMENTS(logins); i++)
		if (logins[i].tenant == tenant && strcmp(logins[i].user, user) == 0 &&
		    logins[i].token != NULL && strcmp(logins[i].token, token) == 0)
			return logins[i].conn;
	return NULL;
}

bool tz_login_user_elsewhere(uint32_t tenant, const char *user)
{
	for (size_t i = 0; i < G_N_ELEMENTS(logins); i++)
		if (logins[i].tenant != tenant && strcmp(logins[i].user, user) == 0)
			return true;
	return false;
}

void tz_calls_tenant_count(uint32_t tenant, enum tz_calls_tenant_event e)
{
	assert_true(tenant < G_N_ELEMENTS(tenants));
	assert_int_equal(e, TZ_CALLS_TENANT_CROSS);
	cross[tenant]++;
}

static int setup(void **state)
{
	(void)state;
	memset(&tz_calls_env, 0, sizeof(tz_calls_env));
	tz_calls_env.cfg = &cfg;
	memset(cross, 0, sizeof(cross));
	lookups = 0;
	return 0;
}

/* A source of trunks @p idx (-1 ends), Request-URI host @p host. */
static struct tz_sip_source source(const char *host, const int *idx)
{
	struct tz_sip_source s = { .request_host = host };

	for (; *idx >= 0; idx++)
		s.trunks[s.n_trunks++] = &trunks[*idx];
	return s;
}

/* ---- the tenant of a request's source ---- */

static void test_source_tenant(void **state)
{
	static const int none[] = { -1 }, pbx[] = { 0, -1 }, acme[] = { 1, -1 },
			 acme_both[] = { 2, 1, -1 }, acme_globex[] = { 1, 3, -1 },
			 globex_acme[] = { 3, 2, -1 }, default_acme[] = { 0, 1, -1 };
	static const struct {
		const char *what;
		const int *trunks;
		const char *host;
		int tenant, trunk;              /* trunk -1: none */
	} rows[] = {
		{ "no trunk's source (tests only)", none, "acme.example", 0, -1 },
		{ "default trunk", pbx, "acme.example", 0, 0 },
		{ "acme's trunk, whatever the host", acme, "globex.example", 1, 1 },
		{ "two trunks of acme: the first", acme_both, NULL, 1, 2 },
		{ "shared by acme and globex, acme's domain", acme_globex, "acme.example", 1, 1 },
		{ "shared by acme and globex, globex's domain", acme_globex, "GLOBEX.example", 2, 3 },
		{ "shared, globex first, acme's domain", globex_acme, "acme.example", 1, 2 },
		{ "shared, nobody's domain", acme_globex, "203.0.113.50", -1, -1 },
		{ "shared, no Request-URI host", acme_globex, NULL, -1, -1 },
		{ "shared, a third tenant's domain", default_acme, "globex.example", -1, -1 },
		{ "default and acme, unlisted host: not default", default_acme, "pbx.example", -1, -1 },
		{ "default and acme, acme's domain", default_acme, "acme.example", 1, 1 },
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		struct tz_sip_source s = source(rows[i].host, rows[i].trunks);
		const struct tz_cfg_trunk *t = &trunks[0];
		int got = tz_inbound_tenant(&s, &t);
		const struct tz_cfg_trunk *want = rows[i].trunk >= 0 ? &trunks[rows[i].trunk] : NULL;

		if (got != rows[i].tenant || t != want)
			fail_msg("%s: tenant %d trunk %s, expected %d %s", rows[i].what, got,
				 t != NULL ? t->name : "(none)", rows[i].tenant,
				 want != NULL ? want->name : "(none)");
	}
}

static void test_source_tenant_null(void **state)
{
	const struct tz_cfg_trunk *t = &trunks[1];

	(void)state;
	assert_int_equal(tz_inbound_tenant(NULL, &t), 0);
	assert_null(t);
}

/* ---- the callee: only the tenant's own logins ---- */

static void test_callee_of_tenant(void **state)
{
	(void)state;
	/* the same user name in two tenants: each tenant's own */
	assert_ptr_equal(tz_inbound_callee(0, "bob", NULL), CONN(0));
	assert_ptr_equal(tz_inbound_callee(1, "bob", NULL), CONN(1));
	assert_ptr_equal(tz_inbound_callee(1, "carol", NULL), CONN(2));
	assert_ptr_equal(tz_inbound_callee(2, "gus", NULL), CONN(3));
	/* forwarded to a registration's Contact: that tenant's registration only */
	assert_ptr_equal(tz_inbound_callee(1, "bob", "tok-bob-1"), CONN(1));
	assert_ptr_equal(tz_inbound_callee(0, "bob", "tok-bob-0"), CONN(0));
	for (size_t t = 0; t < G_N_ELEMENTS(cross); t++)
		assert_int_equal(cross[t], 0);
	/* a default trunk's request carrying acme bob's Contact token: nobody
	 * (counted as cross-tenant: acme has a bob) */
	assert_null(tz_inbound_callee(0, "bob", "tok-bob-1"));
}

/* A user only another tenant has: nobody, counted for the trunk's tenant. */
static void test_callee_other_tenants_user(void **state)
{
	(void)state;
	assert_null(tz_inbound_callee(0, "carol", NULL));           /* acme's user */
	assert_int_equal(cross[0], 1);
	assert_null(tz_inbound_callee(2, "carol", "tok-carol-1"));  /* acme's Contact too */
	assert_int_equal(cross[2], 1);
	assert_null(tz_inbound_callee(1, "gus", NULL));             /* globex's user */
	assert_int_equal(cross[1], 1);
	/* a user nobody has: nobody, not counted */
	assert_null(tz_inbound_callee(1, "zed", NULL));
	assert_int_equal(cross[1], 1);
}

/* A source whose tenant is unknown (-1) reaches nobody, not even the
 * default tenant's users. */
static void test_callee_unknown_tenant(void **state)
{
	(void)state;
	assert_null(tz_inbound_callee(-1, "bob", NULL));
	assert_null(tz_inbound_callee(-1, "bob", "tok-bob-0"));
	assert_int_equal(lookups, 0);
	for (size_t t = 0; t < G_N_ELEMENTS(cross); t++)
		assert_int_equal(cross[t], 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_source_tenant),
		T(test_source_tenant_null),
		T(test_callee_of_tenant),
		T(test_callee_other_tenants_user),
		T(test_callee_unknown_tenant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
