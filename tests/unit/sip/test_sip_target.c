/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Call targets (issue 9 item 2): which texts are accepted, how they are
 * routed, and that the Request-URI always names the trunk; digest realms
 * (only the trunk's realm, never a second one in a dialog).  Table-driven.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "sip_pvt.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/sip_parser.h>

static struct tz_cfg_trunk trunks[] = {
	{ .name = "carrier", .address = { .host = "198.51.100.7", .port = 5060 },
	  .transport = TZ_SIP_UDP },
	{ .name = "pbx", .address = { .host = "pbx.example.net", .port = 5061 },
	  .transport = TZ_SIP_TLS },
	{ .name = "acme-pbx", .address = { .host = "203.0.113.21", .port = 5060 },
	  .transport = TZ_SIP_UDP, .tenant = 1 },
};

static struct tz_cfg_route routes[] = {
	{ .domain = "globex.example.net", .trunk = 1 },      /* domain route: URIs to it */
	{ .prefix = "1", .allow_uri = true, .trunk = 1 },    /* 1xxx, and URIs @pbx.example.net */
	{ .prefix = "+44", .tenant = 1, .trunk = 2 },        /* tenant 1's: never for default users */
	{ .prefix = "+33", .tenant = 1, .trunk = 0 },        /* (invalid) to another's trunk */
	{ .prefix = "+", .trunk = 0 },
};

static struct tz_cfg_sip cfg = {
	.trunks = trunks, .n_trunks = 3, .routes = routes, .n_routes = 5,
};

struct row {
	const char *text;
	size_t len;             /* 0 = strlen */
	int rc;                 /* 0, -EINVAL (bad-target), -EILSEQ (bad-message), -ENOENT */
	const char *user;       /* routed user part */
	int trunk;              /* index, when rc == 0 */
};

static const struct row rows[] = {
	/* numbers */
	{ "+442079460000", 0, 0, "+442079460000", 0 },
	{ "+44 (20) 7946-0000", 0, 0, "+442079460000", 0 },
	{ "+1.555.0100", 0, 0, "+15550100", 0 },
	{ "1001", 0, 0, "1001", 1 },
	{ "2001", 0, -ENOENT, NULL, 0 },             /* no route for 2xxx */
	{ "+", 0, -EINVAL, NULL, 0 },
	{ "++44", 0, -EINVAL, NULL, 0 },
	{ "44+1", 0, -EINVAL, NULL, 0 },
	{ "*97", 0, -EINVAL, NULL, 0 },
	{ "alice", 0, -EINVAL, NULL, 0 },
	{ "", 0, -EINVAL, NULL, 0 },
	{ "123456789012345678901234567890123", 0, -EINVAL, NULL, 0 },  /* 33 digits */
	/* what the review sent to the trunk, or to another host */
	{ "sip:", 0, -EINVAL, NULL, 0 },
	{ "sip:@", 0, -EINVAL, NULL, 0 },
	{ "sip:@x", 0, -EINVAL, NULL, 0 },
	{ "sip:sip:host@x", 0, -EINVAL, NULL, 0 },
	{ "sip:sip:evil.example@pbx.example.net", 0, -EINVAL, NULL, 0 },
	{ "sips:1001@pbx.example.net", 0, -EINVAL, NULL, 0 },
	{ "tel:+1", 0, -EINVAL, NULL, 0 },
	{ "\xe2\x80\xae" "1001", 0, -EINVAL, NULL, 0 },     /* U+202E first */
	{ "10\xe2\x80\xae" "01", 0, -EINVAL, NULL, 0 },
	{ "1001\r\nVia: x", 0, -EINVAL, NULL, 0 },
	{ "10\t01", 0, -EINVAL, NULL, 0 },
	{ "10\x7f" "01", 0, -EINVAL, NULL, 0 },
	{ "+1555\0evil", 10, -EILSEQ, NULL, 0 },             /* NUL: bad-message */
	{ "1001@198.51.100.9", 0, -EINVAL, NULL, 0 },
	{ "sip:1001@pbx.example.net:5070", 0, -EINVAL, NULL, 0 },
	{ "sip:1001@pbx.example.net;transport=tcp", 0, -EINVAL, NULL, 0 },
	{ "sip:1001@pbx.example.net?Route=x", 0, -EINVAL, NULL, 0 },
	{ "sip:10;maddr=evil@pbx.example.net", 0, -EINVAL, NULL, 0 },
	{ "sip:a b@pbx.example.net", 0, -EINVAL, NULL, 0 },
	{ "sip:a%0d@pbx.example.net", 0, -EINVAL, NULL, 0 },
	{ "sip:a%4@pbx.example.net", 0, -EINVAL, NULL, 0 },
	{ "sip:a%", 0, -EINVAL, NULL, 0 },
	{ "sip:1001@.example.net", 0, -EINVAL, NULL, 0 },
	{ "sip:1001@pbx..net", 0, -EINVAL, NULL, 0 },
	{ "sip:1001@[::1]", 0, -EINVAL, NULL, 0 },
	/* URIs where a route allows them; the domain picks the route only */
	{ "sip:bob@globex.example.net", 0, 0, "bob", 1 },
	{ "SIP:Bob.Smith@GLOBEX.example.NET", 0, 0, "Bob.Smith", 1 },
	{ "sip:1001@pbx.example.net", 0, 0, "1001", 1 },
	{ "sip:a%3aB@globex.example.net", 0, 0, "a%3AB", 1 },
	{ "sip:bob@pbx.example.net", 0, -ENOENT, NULL, 0 },   /* allow_uri route wants 1... */
	{ "sip:+4420@198.51.100.7", 0, -ENOENT, NULL, 0 },    /* "+" route: no allow_uri */
	{ "sip:1001@evil.example", 0, -ENOENT, NULL, 0 },
};

static void test_targets(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		const struct row *r = &rows[i];
		const struct tz_cfg_trunk *trunk = (void *)1;
		struct tz_sip_target t;
		char why[256] = "";
		size_t len = r->len ? r->len : strlen(r->text);
		int rc = tz_sip_target_check(&cfg, TZ_TENANT_DEFAULT, r->text, len, &t, &trunk, why,
					     sizeof(why));

		g_autofree char *shown = g_strescape(r->text, NULL);

		print_message("%-45.45s -> %d %s\n", shown, rc, why);
		assert_int_equal(rc, r->rc);
		if (rc != 0) {
			assert_null(trunk);
			assert_true(strlen(why) > 0);
			continue;
		}
		assert_ptr_equal(trunk, &trunks[r->trunk]);
		assert_string_equal(t.user, r->user);
	}
}

/* A tenant's users are routed only by its routes, to its trunks; the default
 * tenant's routes never take their calls, nor theirs the default's. */
static void test_tenant_routes(void **state)
{
	static const struct { uint32_t tenant; const char *text; int rc; int trunk; } r[] = {
		{ 1, "+442079460000", 0, 2 },        /* its own route and trunk */
		{ 0, "+442079460000", 0, 0 },        /* the default's "+" route, not tenant 1's */
		{ 1, "1001", -ENOENT, 0 },           /* the default's 1xxx route is not its */
		{ 1, "+15550100", -ENOENT, 0 },
		{ 1, "+33123456", -ENOENT, 0 },      /* its route, but another tenant's trunk */
		{ 2, "+442079460000", -ENOENT, 0 },  /* a tenant without routes */
	};

	for (size_t i = 0; i < G_N_ELEMENTS(r); i++) {
		const struct tz_cfg_trunk *trunk;
		struct tz_sip_target t;
		char why[256] = "";
		int rc = tz_sip_target_check(&cfg, r[i].tenant, r[i].text, strlen(r[i].text), &t,
					     &trunk, why, sizeof(why));

		print_message("tenant %u %-16s -> %d %s\n", r[i].tenant, r[i].text, rc, why);
		assert_int_equal(rc, r[i].rc);
		if (rc == 0)
			assert_ptr_equal(trunk, &trunks[r[i].trunk]);
		else
			assert_null(trunk);
	}
}

/* Whatever the target, the INVITE goes to the trunk: the Request-URI host is the trunk's. */
static void test_request_uri_is_the_trunk(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		const struct tz_cfg_trunk *trunk;
		struct tz_sip_target t;
		char *uri, want[128];

		if (tz_sip_target_check(&cfg, TZ_TENANT_DEFAULT, rows[i].text, strlen(rows[i].text),
					&t, &trunk, NULL, 0) != 0)
			continue;
		uri = sip_request_uri(trunk, t.user);
		assert_non_null(uri);
		g_snprintf(want, sizeof(want), "@%s:%u;transport=%s", trunk->address.host,
			   trunk->address.port, sip_transport_name(trunk->transport));
		assert_true(g_str_has_suffix(uri, want));
		assert_int_equal(strchr(uri, '@') - uri, strlen("sip:") + strlen(t.user));
		g_free(uri);
	}
	/* The old pass-through: a user part that is itself a URI. */
	assert_null(sip_request_uri(&trunks[0], "sip:x@evil.example"));
	assert_null(sip_request_uri(&trunks[0], "sips:x@evil.example"));
	assert_null(sip_request_uri(&trunks[0], ""));
	assert_null(sip_request_uri(&trunks[0], "a>b"));
}

static void test_user_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "alice", "alice" },
		{ "alice@example.com", "alice%40example.com" },
		{ "a>;b", "a%3E%3Bb" },
		{ "x\r\ny", "x%0D%0Ay" },
		{ "100%", "100%25" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *e = tz_sip_user_escape(cases[i].in);

		assert_string_equal(e, cases[i].out);
		g_free(e);
	}
}

static sip_t *parse(msg_t **msg, const char *auth_lines)
{
	char *text = g_strdup_printf("SIP/2.0 401 Unauthorized\r\n"
				     "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
				     "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>;tag=2\r\n"
				     "Call-ID: x\r\nCSeq: 1 INVITE\r\n%sContent-Length: 0\r\n\r\n",
				     auth_lines);

	*msg = msg_make(sip_default_mclass(), 0, text, (isize_t)strlen(text));
	g_free(text);
	assert_non_null(*msg);
	return sip_object(*msg);
}

static void test_realm_pick(void **state)
{
	static const struct {
		const char *headers, *want, *pinned, *answer;
	} cases[] = {
		/* trunk realm set: only a challenge for it is answered */
		{ "WWW-Authenticate: Digest realm=\"carrier.example\", nonce=\"1\"\r\n",
		  "carrier.example", NULL, "carrier.example" },
		{ "WWW-Authenticate: Digest realm=\"evil.example\", nonce=\"1\"\r\n",
		  "carrier.example", NULL, NULL },
		{ "WWW-Authenticate: Digest realm=\"evil.example\", nonce=\"1\"\r\n"
		  "WWW-Authenticate: Digest realm=\"carrier.example\", nonce=\"2\"\r\n",
		  "carrier.example", NULL, "carrier.example" },
		{ "Proxy-Authenticate: Digest realm=\"carrier.example\", nonce=\"1\"\r\n",
		  "carrier.example", NULL, "carrier.example" },
		{ "WWW-Authenticate: Basic realm=\"carrier.example\"\r\n",
		  "carrier.example", NULL, NULL },
		/* unset: the first realm, then never another one in this dialog */
		{ "WWW-Authenticate: Digest realm=\"a.example\", nonce=\"1\"\r\n",
		  NULL, NULL, "a.example" },
		{ "WWW-Authenticate: Digest realm=\"a.example\", nonce=\"1\"\r\n",
		  NULL, "a.example", "a.example" },
		{ "WWW-Authenticate: Digest realm=\"b.example\", nonce=\"1\"\r\n",
		  NULL, "a.example", NULL },
		{ "WWW-Authenticate: Digest realm=\"a\\\"b\", nonce=\"1\"\r\n", NULL, NULL, NULL },
		{ "WWW-Authenticate: Digest nonce=\"1\"\r\n", NULL, NULL, NULL },
		{ "", NULL, NULL, NULL },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		msg_t *msg;
		sip_t *sip = parse(&msg, cases[i].headers);
		char *realm = sip_challenge_pick(sip, cases[i].want, cases[i].pinned);

		print_message("case %zu: %s\n", i, realm ? realm : "(refused)");
		if (cases[i].answer)
			assert_string_equal(realm, cases[i].answer);
		else
			assert_null(realm);
		g_free(realm);
		msg_destroy(msg);
	}
}

/* Any-address listeners of either family, however spelled, have no Contact host
 * of their own; real addresses of either family do. */
static void test_host_wildcard(void **state)
{
	static const char *const yes[] = { "0.0.0.0", "::", "0:0::0", "[::]", "::0", "*" };
	static const char *const no[] = { "127.0.0.1", "::1", "2001:db8::1", "[2001:db8::1]",
					  "203.0.113.3", "gw.example", "" };
	char *hp;

	for (size_t i = 0; i < G_N_ELEMENTS(yes); i++)
		assert_true(sip_host_is_wildcard(yes[i]));
	for (size_t i = 0; i < G_N_ELEMENTS(no); i++)
		assert_false(sip_host_is_wildcard(no[i]));
	hp = sip_hostport("2001:db8::1", 5060);
	assert_string_equal(hp, "[2001:db8::1]:5060");
	g_free(hp);
	hp = sip_hostport("[2001:db8::1]", 0);
	assert_string_equal(hp, "[2001:db8::1]");
	g_free(hp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_tenant_routes),
		cmocka_unit_test(test_request_uri_is_the_trunk),
		cmocka_unit_test(test_user_escape),
		cmocka_unit_test(test_realm_pick),
		cmocka_unit_test(test_host_wildcard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
