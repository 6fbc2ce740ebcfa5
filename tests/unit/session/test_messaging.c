/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messaging of trapeze-jsep.v1 users (ctrlplane/session/messaging.c, issue
 * 15) with routing, the SIP side and the logins stubbed: what a `message`
 * from the browser becomes (the MESSAGE's trunk, From identity, content
 * type, body) or which error it gets (too-big, content type, token targets,
 * tenant patterns, rate, no route), the delivery report, and what a SIP
 * MESSAGE for a web user is answered (200 / 404 / 413 / 415 / 480) and
 * delivered to; every refusal counted.  The SIP MESSAGE itself runs against
 * sipp in tests/unit/sip/test_sip_sipws.c and in the lab (messaging.test.mjs).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "calls_pvt.h"
#include "tz_cli.h"

/* ---- stubs ---- */
struct tz_calls_env tz_calls_env;

static struct tz_config cfg;
static struct tz_cfg_trunk trunk = { .name = "pbx" };
static int route_rc, sip_rc, fake_sip;
static bool targets_ok = true, tenant_ok = true;
static char *types[] = { "text/plain", "application/json", NULL };
static char accept_set[128];

/* what went out as SIP MESSAGE */
static struct {
	int n;
	char to_user[64], from_user[64], display[64], ctype[64], body[128];
	bool from_uri;
	tz_sip_message_cb *cb;
	void *user;
} sent;

/* what the browsers got: conn, type, id, code, error, body */
#define OUT_MAX 8
static struct {
	void *conn;
	enum tz_jsep_out_type type;
	int64_t id;
	int code;
	enum tz_jsep_err err;
	char text[160];             /* error message, reason or body */
	char from[64], msgid[16], ctype[64];
} outs[OUT_MAX];
static int n_outs;
static GSList *logged_in;       /* conns the stub's login table returns */

static void send_stub(void *conn, const struct tz_jsep_out *o)
{
	const char *text = o->type == TZ_JSEP_OUT_ERROR ? o->message
			 : o->type == TZ_JSEP_OUT_MESSAGE ? o->body : o->reason;

	assert_true(n_outs < OUT_MAX);
	outs[n_outs].conn = conn;
	outs[n_outs].type = o->type;
	outs[n_outs].id = o->id;
	outs[n_outs].code = o->code;
	outs[n_outs].err = o->err;
	g_strlcpy(outs[n_outs].text, text ? text : "", sizeof(outs[0].text));
	g_strlcpy(outs[n_outs].from, o->from ? o->from : "", sizeof(outs[0].from));
	g_strlcpy(outs[n_outs].msgid, o->msgid ? o->msgid : "", sizeof(outs[0].msgid));
	g_strlcpy(outs[n_outs].ctype, o->content_type ? o->content_type : "",
		  sizeof(outs[0].ctype));
	n_outs++;
}

int tz_route_target(uint32_t tenant, const char *target, size_t len,
		    const struct tz_cfg_trunk **t, char *user, size_t ulen, enum tz_jsep_err *code,
		    char *why, size_t wlen)
{
	if (route_rc != 0) {
		*code = TZ_JSEP_ERR_NO_ROUTE;
		g_strlcpy(why, "no routing rule matches this target", wlen);
		return route_rc;
	}
	*t = &trunk;
	g_strlcpy(user, target, ulen);
	return 0;
}

bool tz_auth_target_allowed(const struct tz_auth_identity *id, const char *target)
{
	return targets_ok;
}

bool tz_tenant_target_allowed(const struct tz_config *c, uint32_t t, const char *number)
{
	return tenant_ok;
}

int tz_sip_message(struct tz_sip *sip, const struct tz_cfg_trunk *t, const char *to_user,
		   const struct tz_sip_invite_opts *o, const char *content_type, const char *body,
		   size_t len, tz_sip_message_cb *cb, void *user)
{
	assert_ptr_equal(sip, (struct tz_sip *)&fake_sip);
	assert_ptr_equal(t, &trunk);
	assert_int_equal(strlen(body), len);
	if (sip_rc != 0)
		return sip_rc;
	sent.n++;
	g_strlcpy(sent.to_user, to_user, sizeof(sent.to_user));
	g_strlcpy(sent.from_user, o->from_user ? o->from_user : "", sizeof(sent.from_user));
	g_strlcpy(sent.display, o->from_display ? o->from_display : "", sizeof(sent.display));
	sent.from_uri = o->from_uri != NULL;
	g_strlcpy(sent.ctype, content_type, sizeof(sent.ctype));
	g_strlcpy(sent.body, body, sizeof(sent.body));
	sent.cb = cb;
	sent.user = user;
	return 0;
}

void tz_sip_set_message_accept(struct tz_sip *sip, const char *accept)
{
	g_strlcpy(accept_set, accept ? accept : "", sizeof(accept_set));
}

static const struct tz_cli_cmd *show_cmd;
static char cli_err[256];

int tz_cli_register(const struct tz_cli_cmd *cmds, size_t n)
{
	assert_string_equal(cmds[0].words, "show messaging");
	show_cmd = &cmds[0];
	return 0;
}

int tz_cli_error(struct tz_cli_req *req, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_vsnprintf(cli_err, sizeof(cli_err), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* `show messaging [args]` as JSON (g_free), or NULL after an error. */
static char *show(int argc, char **argv)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) g = json_generator_new();
	JsonNode *root;
	char *text;

	cli_err[0] = '\0';
	if (show_cmd->fn(NULL, argc, argv, b, show_cmd->arg) != 0)
		return NULL;
	root = json_builder_get_root(b);
	json_generator_set_root(g, root);
	text = json_generator_to_data(g, NULL);
	json_node_unref(root);
	return text;
}

GSList *tz_login_conns_of_user(uint32_t tenant, const char *user, enum tz_web_kind kind)
{
	assert_int_equal(kind, TZ_WEB_JSEP);
	return tenant == 1 && strcmp(user, "alice") == 0 ? g_slist_copy(logged_in) : NULL;
}

/* ---- helpers ---- */
static int conn_a, conn_b;
static const struct tz_auth_identity alice = { .user = "alice", .display = "Alice A",
					       .how = "token", .tenant = 1 };

static uint64_t counter(const char *name)
{
	for (unsigned i = 0; tz_messaging_counter_name(i) != NULL; i++)
		if (strcmp(tz_messaging_counter_name(i), name) == 0)
			return tz_messaging_counter_value(i);
	fail_msg("no counter %s", name);
	return 0;
}

/* Send `message` frame @p json from conn_a as alice. */
static void send_message(const char *json)
{
	struct tz_jsep_msg m;
	struct tz_jsep_error e;

	assert_int_equal(tz_jsep_msg_parse(json, strlen(json), &m, &e), 0);
	tz_messaging_on_message(&conn_a, &m, &alice);
	tz_jsep_msg_clear(&m);
}

static void expect_error(enum tz_jsep_err err, int64_t id, const char *text)
{
	assert_int_equal(n_outs, 1);
	assert_int_equal(outs[0].type, TZ_JSEP_OUT_ERROR);
	assert_int_equal(outs[0].err, err);
	assert_int_equal(outs[0].id, id);
	assert_string_equal(outs[0].text, text);
	assert_int_equal(sent.n, 0);
}

static int setup(void **state)
{
	memset(&sent, 0, sizeof(sent));
	memset(outs, 0, sizeof(outs));
	n_outs = 0;
	route_rc = sip_rc = 0;
	targets_ok = tenant_ok = true;
	cfg.messaging = (struct tz_cfg_messaging){ .max_bytes = 16, .per_user_per_minute = 3,
						   .content_types = types };
	tz_calls_env = (struct tz_calls_env){ .cfg = &cfg, .send = send_stub,
					      .sip = (struct tz_sip *)&fake_sip };
	return tz_messaging_init();
}

static int teardown(void **state)
{
	tz_messaging_shutdown();
	g_slist_free(logged_in);
	logged_in = NULL;
	return 0;
}

/* ---- tests ---- */
static void test_send_and_report(void **state)
{
	assert_string_equal(accept_set, "text/plain, application/json");
	send_message("{\"type\":\"message\",\"id\":5,\"to\":\"+442079460000\",\"body\":\"hello\"}");
	assert_int_equal(n_outs, 0);                  /* nothing until the far end answers */
	assert_int_equal(sent.n, 1);
	assert_string_equal(sent.to_user, "+442079460000");
	assert_string_equal(sent.from_user, "alice"); /* the login's identity, as its calls */
	assert_string_equal(sent.display, "Alice A");
	assert_false(sent.from_uri);
	assert_string_equal(sent.ctype, "text/plain");
	assert_string_equal(sent.body, "hello");
	sent.cb(202, "Accepted", sent.user);
	assert_int_equal(n_outs, 1);
	assert_int_equal(outs[0].type, TZ_JSEP_OUT_MESSAGE_STATUS);
	assert_ptr_equal(outs[0].conn, &conn_a);
	assert_int_equal(outs[0].id, 5);
	assert_int_equal(outs[0].code, 202);
	assert_string_equal(outs[0].text, "Accepted");
	assert_int_equal(counter("out_sent"), 1);
	assert_int_equal(counter("out_delivered"), 1);
	/* a content type of the list, any case, with parameters */
	send_message("{\"type\":\"message\",\"id\":6,\"to\":\"1001\",\"body\":\"{}\","
		     "\"content_type\":\"Application/JSON; charset=utf-8\"}");
	assert_string_equal(sent.ctype, "Application/JSON; charset=utf-8");
	sent.cb(408, "Request Timeout", sent.user);   /* nobody answered */
	assert_int_equal(outs[1].code, 408);
	assert_int_equal(outs[1].id, 6);
	assert_int_equal(counter("out_failed"), 1);
}

static void test_refusals(void **state)
{
	send_message("{\"type\":\"message\",\"id\":1,\"to\":\"1\",\"body\":\"0123456789abcdefX\"}");
	expect_error(TZ_JSEP_ERR_TOO_BIG, 1, "body: 17 bytes, at most 16 (messaging.max_bytes)");
	assert_int_equal(counter("out_refused_too_big"), 1);
	n_outs = 0;
	send_message("{\"type\":\"message\",\"id\":2,\"to\":\"1\",\"body\":\"<b>\","
		     "\"content_type\":\"text/html\"}");
	expect_error(TZ_JSEP_ERR_BAD_MESSAGE, 2, "content_type: 'text/html' is not carried here; "
		     "use one of: text/plain, application/json");
	assert_int_equal(counter("out_refused_content_type"), 1);
	n_outs = 0;
	targets_ok = false;
	send_message("{\"type\":\"message\",\"id\":3,\"to\":\"1\",\"body\":\"x\"}");
	expect_error(TZ_JSEP_ERR_FORBIDDEN, 3, "your login does not allow messages to this target");
	targets_ok = true;
	n_outs = 0;
	tenant_ok = false;
	send_message("{\"type\":\"message\",\"id\":4,\"to\":\"+900\",\"body\":\"x\"}");
	expect_error(TZ_JSEP_ERR_FORBIDDEN, 4, "the tenant's limits do not allow this target");
	tenant_ok = true;
	n_outs = 0;
	route_rc = -ENOENT;
	send_message("{\"type\":\"message\",\"id\":5,\"to\":\"+1\",\"body\":\"x\"}");
	expect_error(TZ_JSEP_ERR_NO_ROUTE, 5, "no routing rule matches this target");
	assert_int_equal(counter("out_refused_target"), 3);
	route_rc = 0;
	n_outs = 0;
	sip_rc = -ESHUTDOWN;
	send_message("{\"type\":\"message\",\"id\":6,\"to\":\"+1\",\"body\":\"x\"}");
	expect_error(TZ_JSEP_ERR_INTERNAL, 6, "the gateway is stopping");
	assert_int_equal(counter("out_refused_other"), 1);
	assert_int_equal(counter("out_requests"), 6);
	assert_int_equal(counter("out_sent"), 0);
}

static void test_rate(void **state)
{
	for (int i = 0; i < 3; i++)
		send_message("{\"type\":\"message\",\"id\":1,\"to\":\"+1\",\"body\":\"x\"}");
	assert_int_equal(sent.n, 3);
	assert_int_equal(n_outs, 0);
	send_message("{\"type\":\"message\",\"id\":4,\"to\":\"+1\",\"body\":\"x\"}");
	assert_int_equal(sent.n, 3);
	assert_int_equal(n_outs, 1);
	assert_int_equal(outs[0].err, TZ_JSEP_ERR_RATE_LIMITED);
	assert_string_equal(outs[0].text, "more than 3 messages a minute "
			    "(messaging.per_user_per_minute); try again later");
	assert_int_equal(counter("out_refused_rate_limited"), 1);
	/* 0: no limit */
	cfg.messaging.per_user_per_minute = 0;
	send_message("{\"type\":\"message\",\"id\":5,\"to\":\"+1\",\"body\":\"x\"}");
	assert_int_equal(sent.n, 4);
}

/* The browser left before the far end answered: the report goes nowhere. */
static void test_conn_gone(void **state)
{
	send_message("{\"type\":\"message\",\"id\":1,\"to\":\"+1\",\"body\":\"x\"}");
	tz_messaging_conn_gone(&conn_a);
	sent.cb(200, "OK", sent.user);
	assert_int_equal(n_outs, 0);
	assert_int_equal(counter("out_delivered"), 1);
	/* after shutdown a late answer is ignored (the SIP side stops later) */
	send_message("{\"type\":\"message\",\"id\":2,\"to\":\"+1\",\"body\":\"x\"}");
	tz_messaging_shutdown();
	sent.cb(200, "OK", sent.user);
	assert_int_equal(n_outs, 0);
	assert_int_equal(tz_messaging_init(), 0);
}

static void test_incoming(void **state)
{
	int before_in = (int)counter("in_requests");

	/* no tenant: the MESSAGE came from trunks of several tenants, unresolved */
	assert_int_equal(tz_messaging_incoming(-1, NULL, "alice", "sip:bob@pbx", NULL, "text/plain",
					       "x", 1), 404);
	assert_int_equal(tz_messaging_incoming(1, NULL, "alice", "sip:bob@pbx", NULL, "text/plain",
					       "0123456789abcdefX", 17), 413);
	assert_int_equal(tz_messaging_incoming(1, NULL, "alice", "sip:bob@pbx", NULL, "text/html",
					       "x", 1), 415);
	assert_int_equal(tz_messaging_incoming(1, NULL, "alice", "sip:bob@pbx", NULL, "text/plain",
					       "\xff", 1), 415);           /* not UTF-8 */
	assert_int_equal(tz_messaging_incoming(1, NULL, "alice", "sip:bob@pbx", NULL, "text/plain",
					       "a\0b", 3), 415);           /* NUL */
	/* not logged in */
	assert_int_equal(tz_messaging_incoming(1, NULL, "alice", "sip:bob@pbx", NULL, "text/plain",
					       "x", 1), 480);
	/* another tenant's alice is logged in: not her */
	logged_in = g_slist_prepend(g_slist_prepend(NULL, &conn_a), &conn_b);
	assert_int_equal(tz_messaging_incoming(2, NULL, "alice", "sip:bob@pbx", NULL, "text/plain",
					       "x", 1), 480);
	assert_int_equal(n_outs, 0);
	/* every session of hers */
	assert_int_equal(tz_messaging_incoming(1, NULL, "alice", "sip:bob@pbx", "Bob",
					       "text/plain;charset=UTF-8", "h\xc3\xa9", 3), 200);
	assert_int_equal(n_outs, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(outs[i].type, TZ_JSEP_OUT_MESSAGE);
		assert_string_equal(outs[i].text, "h\xc3\xa9");
		assert_string_equal(outs[i].from, "sip:bob@pbx");
		assert_string_equal(outs[i].ctype, "text/plain;charset=UTF-8");
		assert_string_equal(outs[i].msgid, outs[0].msgid);
	}
	assert_ptr_not_equal(outs[0].conn, outs[1].conn);
	/* for one registration: that session only */
	n_outs = 0;
	assert_int_equal(tz_messaging_incoming(1, &conn_b, "alice", "sip:bob@pbx", NULL, "text/plain",
					       "x", 1), 200);
	assert_int_equal(n_outs, 1);
	assert_ptr_equal(outs[0].conn, &conn_b);
	assert_int_equal(counter("in_requests") - before_in, 9);
	assert_int_equal(counter("in_unknown_user"), 1);
	assert_int_equal(counter("in_too_big"), 1);
	assert_int_equal(counter("in_unsupported_type"), 3);
	assert_int_equal(counter("in_offline"), 2);
	assert_int_equal(counter("in_delivered"), 2);
	tz_messaging_offline(-1, true);
	assert_int_equal(counter("in_unknown_user"), 2);
}

static uint64_t tenant_counter(const char *tenant, const char *name)
{
	const uint64_t *v = tz_messaging_tenant_counters(tenant);

	for (unsigned i = 0; tz_messaging_counter_name(i) != NULL; i++)
		if (strcmp(tz_messaging_counter_name(i), name) == 0)
			return v != NULL ? v[i] : 0;
	fail_msg("no counter %s", name);
	return 0;
}

/* Tenants with their own messaging: (filled in at load, see
 * tests/unit/config/test_config_msg.c): acme's lower rate refuses alice
 * while globex's bob goes on; both counted under their tenant and in the
 * gateway's total; a body size and the types of the tenant's own. */
static void test_tenant_limits(void **state)
{
	static char *json_only[] = { "application/json", NULL };
	struct tz_cfg_tenant tenants[3] = {
		{ .name = "default", .messaging = cfg.messaging },
		{ .name = "acme", .messaging = { .max_bytes = 16, .per_user_per_minute = 1,
						 .content_types = types } },
		{ .name = "globex", .messaging = { .max_bytes = 4, .per_user_per_minute = 3,
						   .content_types = json_only } },
	};
	const struct tz_auth_identity bob = { .user = "alice", .how = "token", .tenant = 2 };
	struct tz_jsep_msg m;
	struct tz_jsep_error e;
	const char *j = "{\"type\":\"message\",\"id\":7,\"to\":\"+1\",\"body\":\"{}\","
			"\"content_type\":\"application/json\"}";

	cfg.tenants = tenants;
	cfg.n_tenants = 3;
	/* acme's alice: one a minute */
	send_message("{\"type\":\"message\",\"id\":1,\"to\":\"+1\",\"body\":\"x\"}");
	send_message("{\"type\":\"message\",\"id\":2,\"to\":\"+1\",\"body\":\"x\"}");
	assert_int_equal(sent.n, 1);
	assert_int_equal(n_outs, 1);
	assert_int_equal(outs[0].err, TZ_JSEP_ERR_RATE_LIMITED);
	assert_string_equal(outs[0].text, "more than 1 messages a minute "
			    "(tenant acme: messaging.per_user_per_minute); try again later");
	/* globex's user of the same name: her own count, globex's limit */
	assert_int_equal(tz_jsep_msg_parse(j, strlen(j), &m, &e), 0);
	for (int i = 0; i < 3; i++)
		tz_messaging_on_message(&conn_b, &m, &bob);
	assert_int_equal(sent.n, 4);
	assert_int_equal(n_outs, 1);
	tz_messaging_on_message(&conn_b, &m, &bob);
	assert_int_equal(n_outs, 2);
	assert_int_equal(outs[1].err, TZ_JSEP_ERR_RATE_LIMITED);
	tz_jsep_msg_clear(&m);
	assert_int_equal(tenant_counter("acme", "out_refused_rate_limited"), 1);
	assert_int_equal(tenant_counter("acme", "out_sent"), 1);
	assert_int_equal(tenant_counter("globex", "out_refused_rate_limited"), 1);
	assert_int_equal(tenant_counter("globex", "out_sent"), 3);
	assert_int_equal(tenant_counter("default", "out_sent"), 0);
	assert_null(tz_messaging_tenant_counters("initech"));
	assert_int_equal(counter("out_refused_rate_limited"), 2);    /* the gateway's */
	assert_int_equal(counter("out_sent"), 4);
	/* globex: 4 bytes, JSON only, either way */
	assert_int_equal(tz_messaging_incoming(2, NULL, "bob", "sip:x@pbx", NULL, "application/json",
					       "[1,2]", 5), 413);
	assert_int_equal(tz_messaging_incoming(2, NULL, "bob", "sip:x@pbx", NULL, "text/plain",
					       "x", 1), 415);
	assert_int_equal(tz_messaging_incoming(1, NULL, "bob", "sip:x@pbx", NULL, "text/plain",
					       "x", 1), 480);
	assert_int_equal(tenant_counter("globex", "in_too_big"), 1);
	assert_int_equal(tenant_counter("globex", "in_unsupported_type"), 1);
	assert_int_equal(tenant_counter("acme", "in_offline"), 1);
	/* a MESSAGE from no tenant's trunk: the default's */
	tz_messaging_offline(-1, true);
	assert_int_equal(tenant_counter("default", "in_unknown_user"), 1);

	/* show messaging: a row per tenant, who is refused; one tenant: all */
	{
		g_autofree char *all = show(0, NULL);
		g_autofree char *one = show(1, (char *[]){ "acme" });

		assert_non_null(strstr(all, "{\"tenant\":\"acme\",\"max_bytes\":16,"
					    "\"per_user_per_minute\":1,\"content_types\":\"text/plain, "
					    "application/json\",\"out_sent\":1,\"out_refused\":1,"
					    "\"out_refused_rate_limited\":1,\"in_delivered\":0,"
					    "\"in_refused\":1}"));
		assert_non_null(strstr(all, "\"tenant\":\"globex\",\"max_bytes\":4,"));
		assert_non_null(strstr(all, "\"out_refused_rate_limited\":2,"));   /* gateway */
		assert_non_null(strstr(one, "\"tenant\":\"acme\""));
		assert_non_null(strstr(one, "\"in_offline\":1,"));
		assert_null(show(1, (char *[]){ "acmee" }));
		assert_string_equal(cli_err, "no tenant \"acmee\" (tenants: default, acme, globex)");
	}
	cfg.tenants = NULL;
	cfg.n_tenants = 0;
}

static void test_type_allowed(void **state)
{
	const struct tz_cfg_messaging m = { .content_types = types };
	const struct tz_cfg_messaging none = { 0 };
	g_autofree char *acc = tz_messaging_accept(&m);

	assert_true(tz_messaging_type_allowed(&m, "text/plain"));
	assert_true(tz_messaging_type_allowed(&m, "TEXT/Plain ; charset=UTF-8"));
	assert_true(tz_messaging_type_allowed(&m, "application/json"));
	assert_false(tz_messaging_type_allowed(&m, "text/plainx"));
	assert_false(tz_messaging_type_allowed(&m, "text/"));
	assert_false(tz_messaging_type_allowed(&m, ""));
	assert_false(tz_messaging_type_allowed(&m, "application/im-iscomposing+xml"));
	assert_false(tz_messaging_type_allowed(&none, "text/plain"));
	assert_string_equal(acc, "text/plain, application/json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_send_and_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conn_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incoming, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tenant_limits, setup, teardown),
		cmocka_unit_test(test_type_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
