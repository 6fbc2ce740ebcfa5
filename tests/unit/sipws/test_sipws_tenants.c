/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tenants at the SIP-over-WebSocket edge (issue 11), against the fakes of
 * sipws_fakes.h with a two-tenant config built by hand:
 *   tenants[0] default, [1] acme (domains: acme.example), [2] globex
 *   (domains: globex.example, no trunk);
 *   sip.trunks[0] "pbx"      default, register_users, 203.0.113.3
 *   sip.trunks[1] "acme-pbx" acme,    register_users, 203.0.113.21
 * An AOR's tenant is the tenant listing its domain (else default); its
 * REGISTER goes only to a registrar of that tenant; the login it makes and
 * the MESSAGEs it sends carry that tenant; a page that selected another
 * tenant refuses it (403, ws_sip_refused_wrong_tenant).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_parser.h>

#include "sipws_fakes.h"

static int conn_a, conn_b;
#define CA ((void *)&conn_a)
#define CB ((void *)&conn_b)

/* ---- the two-tenant config ---- */

static struct tz_cfg_trunk t_trunks[] = {
	{ .name = "pbx", .address = { .host = "203.0.113.3", .port = 5060 },
	  .register_users = true, .tenant = 0 },
	{ .name = "acme-pbx", .address = { .host = "203.0.113.21", .port = 5060 },
	  .register_users = true, .tenant = 1 },
};
static char *acme_domains[] = { "acme.example", NULL };
static char *globex_domains[] = { "globex.example", NULL };
static struct tz_cfg_tenant t_tenants[] = {
	{ .name = "default" },
	{ .name = "acme", .domains = acme_domains },
	{ .name = "globex", .domains = globex_domains },
};
static struct tz_config t_cfg = {
	.sip = { .trunks = t_trunks, .n_trunks = G_N_ELEMENTS(t_trunks) },
	.auth = { .fail_limit = 1, .fail_window_s = 300, .lockout_max_s = 300 },
	.tenants = t_tenants,
	.n_tenants = G_N_ELEMENTS(t_tenants),
};

/* ---- what the tenant-aware parts of the environment were told ---- */

static int page_tenant;                  /* env.conn_tenant's answer: -1 = none */
static int wrong_calls;
static uint32_t wrong_tenant_arg;
static const struct tz_cfg_trunk *reg_registrar;   /* the last reg_new's registrar */
static int route_calls;
static uint32_t route_tenant;

static int t_conn_tenant(void *conn)
{
	(void)conn;
	return page_tenant;
}

static void t_wrong_tenant(uint32_t t)
{
	wrong_calls++;
	wrong_tenant_arg = t;
}

static struct tz_sip_reg *t_reg_new(void *ctx, const struct tz_cfg_trunk *registrar,
				    const char *user, const char *domain,
				    const char *contact_params, tz_sip_relay_cb *cb, void *ud)
{
	reg_registrar = registrar;
	return fake_reg_new(ctx, registrar, user, domain, contact_params, cb, ud);
}

static int t_route(uint32_t tenant, const char *target, const struct tz_cfg_trunk **trunk,
		   char *user, size_t ulen, int *status, char *why, size_t wlen)
{
	route_calls++;
	route_tenant = tenant;
	return fake_route(tenant, target, trunk, user, ulen, status, why, wlen);
}

static int setup(void **state)
{
	static struct tz_sipws_env env;

	(void)state;
	fakes_start();
	/* the fakes' edge, restarted on the two-tenant config and tenant-aware hooks */
	tz_sipws_shutdown();
	env = fake_env;
	env.cfg = &t_cfg;
	env.conn_tenant = t_conn_tenant;
	env.wrong_tenant = t_wrong_tenant;
	env.route = t_route;
	env.up.reg_new = t_reg_new;
	tz_sipws_init(&env);
	page_tenant = -1;
	wrong_calls = 0;
	wrong_tenant_arg = 99;
	reg_registrar = NULL;
	route_calls = 0;
	route_tenant = 99;
	memset(&fake_login_id, 0, sizeof(fake_login_id));
	fake_login_id.tenant = 99;
	tz_sipws_on_open(CA);
	tz_sipws_on_open(CB);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tz_sipws_on_close(CA);
	tz_sipws_on_close(CB);
	fakes_stop();
	return 0;
}

/* ---- helpers ---- */

static uint64_t ctr(enum tz_sipws_counter c)
{
	return tz_sipws_counters()[c];
}

static void feed_free(void *conn, char *text)
{
	tz_sipws_on_message(conn, text, strlen(text));
	g_free(text);
}

/* A JsSIP-like REGISTER of sip:@p user@@p domain. */
static char *register_msg(const char *user, const char *domain)
{
	return g_strdup_printf("REGISTER sip:%s SIP/2.0\r\n"
			       "Via: SIP/2.0/WS bt1rmel9akla.invalid;branch=z9hG4bK-%s\r\n"
			       "Max-Forwards: 69\r\n"
			       "To: <sip:%s@%s>\r\n"
			       "From: <sip:%s@%s>;tag=t-%s\r\n"
			       "Call-ID: reg-%s-%s\r\n"
			       "CSeq: 1 REGISTER\r\n"
			       "Expires: 600\r\n"
			       "Contact: <sip:x7k2@bt1rmel9akla.invalid;transport=ws>;expires=600\r\n"
			       "Content-Length: 0\r\n\r\n",
			       domain, user, user, domain, user, domain, user, user, domain);
}

static char *message_msg(const char *from_user, const char *from_domain, const char *to)
{
	return g_strdup_printf("MESSAGE sip:%s SIP/2.0\r\n"
			       "Via: SIP/2.0/WS bt1rmel9akla.invalid;branch=z9hG4bK-m-%s\r\n"
			       "Max-Forwards: 69\r\n"
			       "To: <sip:%s>\r\n"
			       "From: <sip:%s@%s>;tag=m-%s\r\n"
			       "Call-ID: msg-%s\r\nCSeq: 1 MESSAGE\r\n"
			       "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
			       to, from_user, to, from_user, from_domain, from_user, from_user);
}

/* The status of the last message sent to a phone (a response). */
static int last_status(void)
{
	const char *m;
	int status = 0;

	assert_true(fake_sent->len > 0);
	m = g_ptr_array_index(fake_sent, fake_sent->len - 1);
	assert_int_equal(sscanf(m, "SIP/2.0 %d ", &status), 1);
	return status;
}

static const char *last_sent(void)
{
	assert_true(fake_sent->len > 0);
	return g_ptr_array_index(fake_sent, fake_sent->len - 1);
}

/* @p user@@p domain registers on @p conn; the registrar says 200. */
static void register_ok(void *conn, const char *user, const char *domain)
{
	int logins = fake_logins;

	feed_free(conn, register_msg(user, domain));
	assert_non_null(fake_reg);
	fake_reg_reply(200, "OK", NULL, 300);
	assert_int_equal(last_status(), 200);
	assert_int_equal(fake_logins, logins + 1);
}

/* ---- REGISTER: the AOR domain's tenant and its registrar ---- */

/* An AOR of a domain acme lists registers with acme's registrar (whose host
 * is not the domain) and logs in as an acme user. */
static void test_acme_domain_uses_acme_registrar(void **state)
{
	(void)state;
	feed_free(CA, register_msg("carol", "acme.example"));
	assert_int_equal(fake_reg_news, 1);
	assert_ptr_equal(reg_registrar, &t_trunks[1]);         /* acme-pbx, never "pbx" */
	assert_string_equal(fake_reg->domain, "acme.example");
	fake_reg_reply(200, "OK", NULL, 300);
	assert_int_equal(last_status(), 200);
	assert_int_equal(fake_logins, 1);
	assert_string_equal(fake_login_id.uri, "sip:carol@acme.example");
	assert_int_equal(fake_login_id.tenant, 1);
	assert_int_equal(ctr(TZ_SIPWS_WRONG_TENANT), 0);
	assert_int_equal(ctr(TZ_SIPWS_NO_REGISTRAR), 0);
}

/* The same on a page that selected acme: admitted. */
static void test_acme_domain_on_acme_page(void **state)
{
	(void)state;
	page_tenant = 1;
	register_ok(CA, "carol", "ACME.example");                /* domains: any case */
	assert_ptr_equal(reg_registrar, &t_trunks[1]);
	assert_int_equal(fake_login_id.tenant, 1);
	assert_int_equal(wrong_calls, 0);
}

/* A domain nobody lists is the default tenant's: only a default trunk whose
 * host it is registers it. */
static void test_unlisted_domain_default_registrar(void **state)
{
	(void)state;
	register_ok(CA, "dave", "203.0.113.3");
	assert_ptr_equal(reg_registrar, &t_trunks[0]);
	assert_int_equal(fake_login_id.tenant, 0);
	assert_string_equal(fake_login_id.uri, "sip:dave@203.0.113.3");
}

/* The host of acme's registrar, which acme does not list as a domain, is the
 * default tenant's domain: the default tenant has no registrar for it, and
 * acme's registrar is never used for it. */
static void test_other_tenants_registrar_host_refused(void **state)
{
	(void)state;
	feed_free(CA, register_msg("eve", "203.0.113.21"));
	assert_int_equal(last_status(), 403);
	assert_non_null(strstr(last_sent(), "no registrar"));
	assert_int_equal(fake_reg_news, 0);
	assert_null(reg_registrar);
	assert_int_equal(ctr(TZ_SIPWS_NO_REGISTRAR), 1);
	assert_int_equal(fake_logins, 0);
}

/* A tenant that lists a domain but has no registrar: refused, never the
 * default tenant's (or another tenant's) registrar. */
static void test_tenant_without_registrar_refused(void **state)
{
	(void)state;
	feed_free(CA, register_msg("gus", "globex.example"));
	assert_int_equal(last_status(), 403);
	assert_int_equal(fake_reg_news, 0);
	assert_int_equal(ctr(TZ_SIPWS_NO_REGISTRAR), 1);
}

/* A page that selected globex (tenant 2): an acme AOR is refused there,
 * counted, and reported as globex's wrong-tenant attempt. */
static void test_wrong_tenant_page_refused(void **state)
{
	(void)state;
	page_tenant = 2;
	feed_free(CA, register_msg("carol", "acme.example"));
	assert_int_equal(last_status(), 403);
	assert_non_null(strstr(last_sent(), "not served here"));
	assert_int_equal(fake_reg_news, 0);
	assert_int_equal(fake_logins, 0);
	assert_int_equal(ctr(TZ_SIPWS_WRONG_TENANT), 1);
	assert_int_equal(ctr(TZ_SIPWS_NO_REGISTRAR), 0);
	assert_int_equal(wrong_calls, 1);
	assert_int_equal(wrong_tenant_arg, 2);

	/* a default-tenant AOR on acme's page: refused too */
	page_tenant = 1;
	feed_free(CB, register_msg("dave", "203.0.113.3"));
	assert_int_equal(last_status(), 403);
	assert_int_equal(fake_reg_news, 0);
	assert_int_equal(ctr(TZ_SIPWS_WRONG_TENANT), 2);
	assert_int_equal(wrong_tenant_arg, 1);
}

/* ---- MESSAGE: routed through the AOR's tenant ---- */

static void test_message_routed_in_aor_tenant(void **state)
{
	(void)state;
	register_ok(CA, "carol", "acme.example");
	register_ok(CB, "dave", "203.0.113.3");

	feed_free(CA, message_msg("carol", "acme.example", "bob@acme.example"));
	assert_int_equal(route_calls, 1);
	assert_int_equal(route_tenant, 1);
	assert_int_equal(fake_messages, 1);
	assert_string_equal(fake_msg_from, "sip:carol@acme.example");

	feed_free(CB, message_msg("dave", "203.0.113.3", "bob@203.0.113.3"));
	assert_int_equal(route_calls, 2);
	assert_int_equal(route_tenant, 0);
	assert_int_equal(fake_messages, 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_acme_domain_uses_acme_registrar),
		T(test_acme_domain_on_acme_page),
		T(test_unlisted_domain_default_registrar),
		T(test_other_tenants_registrar_host_refused),
		T(test_tenant_without_registrar_refused),
		T(test_wrong_tenant_page_refused),
		T(test_message_routed_in_aor_tenant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
