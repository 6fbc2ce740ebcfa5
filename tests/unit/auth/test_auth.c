/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Login tokens and back-off: tokens minted here with libjwt the way an
 * enterprise web server would, then tampered, expired, re-signed with other
 * keys or algorithms, or given claims of the wrong shape.  Each refusal must
 * name the right reason; targets restrict calls; failed logins back off.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <jwt.h>

#include "tz_auth.h"

#define NOW 1800000000LL
#define KEY1 "k1-0123456789abcdef0123456789abcdef"
#define KEY2 "k2-fedcba9876543210fedcba9876543210"

static struct tz_cfg_token_secret secrets[2] = {
	{ .name = "2026-11", .secret = KEY1 },
	{ .name = "2026-12", .secret = KEY2 },
};

static struct tz_cfg_auth cfg;

static int setup(void **state)
{
	char err[256];

	cfg = (struct tz_cfg_auth){ .secrets = secrets, .n_secrets = 2, .clock_skew_s = 30,
				    .max_lifetime_s = 86400, .sip_login = true, .fail_limit = 3,
				    .fail_window_s = 60, .lockout_max_s = 8 };
	assert_int_equal(tz_auth_init(&cfg, err, sizeof(err)), 0);
	return 0;
}

static int teardown(void **state)
{
	tz_auth_shutdown();
	return 0;
}

/* A token with @p claims_json signed by @p key with @p alg. */
static char *mint(jwt_alg_t alg, const char *key, const char *claims_json)
{
	jwt_t *j;
	char *t;

	assert_int_equal(jwt_new(&j), 0);
	assert_int_equal(jwt_add_grants_json(j, claims_json), 0);
	if (alg != JWT_ALG_NONE)
		assert_int_equal(jwt_set_alg(j, alg, (const unsigned char *)key, (int)strlen(key)), 0);
	t = jwt_encode_str(j);
	jwt_free(j);
	assert_non_null(t);
	return t;
}

static int verify(const char *token, struct tz_auth_identity *id)
{
	char err[192] = "";
	int rc = tz_auth_verify_token(token, NOW, id, err, sizeof(err));

	if (rc != 0) {
		assert_true(err[0] != '\0');     /* every refusal says why */
		return -rc - 1;
	}
	return -1;
}

#define OK (-1)

static void expect(const char *claims, int want)
{
	struct tz_auth_identity id;
	char *t = mint(JWT_ALG_HS256, KEY1, claims);
	int got = verify(t, &id);

	if (got != want)
		print_error("claims %s: want %d, got %d\n", claims, want, got);
	assert_int_equal(got, want);
	tz_auth_identity_clear(&id);
	free(t);
}

static void test_valid_token(void **state)
{
	struct tz_auth_identity id;
	char *t = mint(JWT_ALG_HS256, KEY1,
		       "{\"sub\":\"alice\",\"name\":\"Alice A\",\"exp\":1800000600,\"iat\":1800000000}");

	assert_int_equal(verify(t, &id), OK);
	assert_string_equal(id.user, "alice");
	assert_string_equal(id.display, "Alice A");
	assert_string_equal(id.how, "token");
	assert_string_equal(id.key, "2026-11");
	assert_int_equal(id.expires, 1800000600);
	assert_int_equal(id.n_targets, 0);
	assert_true(tz_auth_target_allowed(&id, "+442079460000"));
	tz_auth_identity_clear(&id);
	free(t);
}

static void test_rotation(void **state)
{
	struct tz_auth_identity id;
	char *t = mint(JWT_ALG_HS256, KEY2, "{\"sub\":\"bob\",\"exp\":1800000600}");

	assert_int_equal(verify(t, &id), OK);
	assert_string_equal(id.key, "2026-12");
	tz_auth_identity_clear(&id);
	free(t);
}

/* A token with a "kid" header of @p kid (NULL: none), signed by @p key. */
static char *mint_kid(const char *key, const char *kid, const char *claims_json)
{
	jwt_t *j;
	char *t;

	assert_int_equal(jwt_new(&j), 0);
	assert_int_equal(jwt_add_grants_json(j, claims_json), 0);
	if (kid != NULL)
		assert_int_equal(jwt_add_header(j, "kid", kid), 0);
	assert_int_equal(jwt_set_alg(j, JWT_ALG_HS256, (const unsigned char *)key,
				     (int)strlen(key)), 0);
	t = jwt_encode_str(j);
	jwt_free(j);
	assert_non_null(t);
	return t;
}

/* Tenants (issue 11): a token logs in to the tenant of the key that verifies
 * it.  The kid only says which key to try first: a wrong or missing kid
 * still finds the right key, and never another tenant. */
static void test_tenant_of_key(void **state)
{
	static struct tz_cfg_token_secret ts[3] = {
		{ .name = "default-1", .secret = KEY1, .tenant = 0 },
		{ .name = "acme-2026", .secret = KEY2, .tenant = 1 },
		{ .name = "globex-2026", .secret = "k3-00112233445566778899aabbccddeeff", .tenant = 2 },
	};
	static const struct { const char *key, *kid; uint32_t tenant; const char *name; } r[] = {
		{ KEY2, "acme-2026", 1, "acme-2026" },                 /* its own kid */
		{ "k3-00112233445566778899aabbccddeeff", "globex-2026", 2, "globex-2026" },
		{ "k3-00112233445566778899aabbccddeeff", "acme-2026", 2, "globex-2026" }, /* lies */
		{ KEY2, NULL, 1, "acme-2026" },                       /* no kid */
		{ KEY1, "nobody", 0, "default-1" },                   /* unknown kid */
	};
	struct tz_cfg_auth c = cfg;
	char err[256];

	tz_auth_shutdown();
	c.secrets = ts;
	c.n_secrets = 3;
	assert_int_equal(tz_auth_init(&c, err, sizeof(err)), 0);
	for (size_t i = 0; i < G_N_ELEMENTS(r); i++) {
		struct tz_auth_identity id;
		char *t = mint_kid(r[i].key, r[i].kid, "{\"sub\":\"alice\",\"exp\":1800000600}");

		assert_int_equal(verify(t, &id), OK);
		assert_int_equal(id.tenant, r[i].tenant);
		assert_string_equal(id.key, r[i].name);
		tz_auth_identity_clear(&id);
		free(t);
	}
	/* a key nobody has: refused whatever the kid says */
	{
		struct tz_auth_identity id;
		char *t = mint_kid("k4-not-a-configured-key-0123456789ab", "acme-2026",
				   "{\"sub\":\"alice\",\"exp\":1800000600}");

		assert_int_equal(verify(t, &id), TZ_AUTH_BAD_SIGNATURE);
		free(t);
	}
	tz_auth_shutdown();
	assert_int_equal(tz_auth_init(&cfg, err, sizeof(err)), 0);
}

static void test_signature_refused(void **state)
{
	struct tz_auth_identity id;
	const char *claims = "{\"sub\":\"mallory\",\"exp\":1800000600}";
	char *wrong = mint(JWT_ALG_HS256, "another-key-0123456789abcdef012345", claims);
	char *none = mint(JWT_ALG_NONE, NULL, claims);
	char *hs512 = mint(JWT_ALG_HS512, KEY1, claims);
	char *good = mint(JWT_ALG_HS256, KEY1, claims);
	char *tampered = g_strdup(good);
	char *dot = strchr(tampered, '.') + 1;

	assert_int_equal(verify(wrong, &id), TZ_AUTH_BAD_SIGNATURE);
	assert_int_equal(verify(none, &id), TZ_AUTH_BAD_SIGNATURE);     /* alg "none" */
	assert_int_equal(verify(hs512, &id), TZ_AUTH_BAD_SIGNATURE);    /* only HS256 */
	dot[2] = dot[2] == 'A' ? 'B' : 'A';                             /* claims changed */
	assert_int_not_equal(verify(tampered, &id), OK);
	tampered[strlen(tampered) - 2] ^= 1;
	assert_int_not_equal(verify(tampered, &id), OK);
	free(wrong), free(none), free(hs512), free(good), g_free(tampered);
}

static void test_not_a_token(void **state)
{
	struct tz_auth_identity id;
	static const char *const junk[] = {
		"", "x", "a.b", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9..", "{\"sub\":\"alice\"}",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(junk); i++)
		assert_int_equal(verify(junk[i], &id), TZ_AUTH_BAD_TOKEN);
}

static void test_times(void **state)
{
	expect("{\"sub\":\"a\",\"exp\":1799999990}", OK);                 /* within the skew */
	expect("{\"sub\":\"a\",\"exp\":1799999900}", TZ_AUTH_EXPIRED);
	expect("{\"sub\":\"a\"}", TZ_AUTH_BAD_CLAIMS);                     /* no exp */
	expect("{\"sub\":\"a\",\"exp\":\"1800000600\"}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"a\",\"exp\":1800000600.5}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"a\",\"exp\":1900000000}", TZ_AUTH_BAD_CLAIMS);  /* lives too long */
	expect("{\"sub\":\"a\",\"exp\":1800000600,\"nbf\":1800000100}", TZ_AUTH_NOT_YET_VALID);
	expect("{\"sub\":\"a\",\"exp\":1800000600,\"nbf\":1800000020}", OK);
	expect("{\"sub\":\"a\",\"exp\":1800000600,\"iat\":1800000500}", TZ_AUTH_NOT_YET_VALID);
}

static void test_identity_claims(void **state)
{
	expect("{\"exp\":1800000600}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"\",\"exp\":1800000600}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"alice@evil.example\",\"exp\":1800000600}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"sip:x@y\",\"exp\":1800000600}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"a b\",\"exp\":1800000600}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"a>\",\"exp\":1800000600}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":42,\"exp\":1800000600}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	       "\"exp\":1800000600}", TZ_AUTH_BAD_CLAIMS);                       /* 64 chars */
	expect("{\"sub\":\"a\",\"name\":\"x\\\" <sip:evil>\",\"exp\":1800000600}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"a\",\"name\":\"\\u202eevil\",\"exp\":1800000600}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"+4420.alice_b-c\",\"exp\":1800000600}", OK);
}

static void test_issuer_audience(void **state)
{
	cfg.issuer = "https://phone.example.com";
	cfg.audience = "trapeze";
	expect("{\"sub\":\"a\",\"exp\":1800000600}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"a\",\"exp\":1800000600,\"iss\":\"https://evil.example\",\"aud\":\"trapeze\"}",
	       TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"a\",\"exp\":1800000600,\"iss\":\"https://phone.example.com\","
	       "\"aud\":\"other\"}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"a\",\"exp\":1800000600,\"iss\":\"https://phone.example.com\","
	       "\"aud\":\"trapeze\"}", OK);
	expect("{\"sub\":\"a\",\"exp\":1800000600,\"iss\":\"https://phone.example.com\","
	       "\"aud\":[\"x\",\"trapeze\"]}", OK);
	cfg.issuer = cfg.audience = NULL;
}

static void test_targets(void **state)
{
	struct tz_auth_identity id, copy;
	char *t = mint(JWT_ALG_HS256, KEY1, "{\"sub\":\"c2c\",\"exp\":1800000600,"
		       "\"targets\":[\"+18005550100\",\"+4420*\"]}");
	uint64_t denied = tz_auth_counters()[TZ_AUTH_TARGET_DENIED];

	assert_int_equal(verify(t, &id), OK);
	assert_int_equal(id.n_targets, 2);
	tz_auth_identity_copy(&copy, &id);
	tz_auth_identity_clear(&id);
	assert_true(tz_auth_target_allowed(&copy, "+18005550100"));
	assert_true(tz_auth_target_allowed(&copy, "+442079460000"));
	assert_false(tz_auth_target_allowed(&copy, "+180055501001"));
	assert_false(tz_auth_target_allowed(&copy, "+900123"));
	assert_false(tz_auth_target_allowed(&copy, "echo"));
	assert_int_equal(tz_auth_counters()[TZ_AUTH_TARGET_DENIED] - denied, 3);
	tz_auth_identity_clear(&copy);
	free(t);
	expect("{\"sub\":\"a\",\"exp\":1800000600,\"targets\":\"+1\"}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"a\",\"exp\":1800000600,\"targets\":[]}", TZ_AUTH_BAD_CLAIMS);
	expect("{\"sub\":\"a\",\"exp\":1800000600,\"targets\":[1]}", TZ_AUTH_BAD_CLAIMS);
}

static void test_backoff(void **state)
{
	int64_t t = NOW;

	/* fail_limit 3: two failures cost nothing, the third 1 s, then 2, 4, 8, 8 */
	tz_auth_failed("198.51.100.10", NULL, t);
	tz_auth_failed("198.51.100.10", NULL, t);
	assert_int_equal(tz_auth_throttled("198.51.100.10", NULL, t), 0);
	tz_auth_failed("198.51.100.10", NULL, t);
	assert_int_equal(tz_auth_throttled("198.51.100.10", NULL, t), 1);
	assert_int_equal(tz_auth_throttled("198.51.100.11", NULL, t), 0);   /* other IP */
	tz_auth_failed("198.51.100.10", NULL, t);
	assert_int_equal(tz_auth_throttled("198.51.100.10", NULL, t), 2);
	tz_auth_failed("198.51.100.10", NULL, t);
	tz_auth_failed("198.51.100.10", NULL, t);
	tz_auth_failed("198.51.100.10", NULL, t);
	assert_int_equal(tz_auth_throttled("198.51.100.10", NULL, t), 8);   /* lockout_max_s */
	assert_int_equal(tz_auth_throttled("198.51.100.10", NULL, t + 8), 0);
	assert_true(tz_auth_locked_count(t) >= 1);

	/* per user, from many IPs (credential stuffing against one account) */
	for (int i = 0; i < 3; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "203.0.113.%d", 100 + i);
		tz_auth_failed(ip, "alice", t);
	}
	assert_int_equal(tz_auth_throttled("203.0.113.200", "alice", t), 1);
	assert_int_equal(tz_auth_throttled("203.0.113.200", "bob", t), 0);
	tz_auth_succeeded("alice");
	assert_int_equal(tz_auth_throttled("203.0.113.200", "alice", t), 0);

	/* failures older than the window are forgotten */
	tz_auth_failed("198.51.100.20", NULL, t);
	tz_auth_failed("198.51.100.20", NULL, t);
	tz_auth_failed("198.51.100.20", NULL, t + 61);
	assert_int_equal(tz_auth_throttled("198.51.100.20", NULL, t + 61), 0);
}

static void test_secret_file(void **state)
{
	struct tz_cfg_token_secret s[1] = { { .name = "file" } };
	struct tz_cfg_auth c = cfg;
	char path[] = "/tmp/tz-auth-XXXXXX", err[256];
	struct tz_auth_identity id;
	int fd = mkstemp(path);
	char *t;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, KEY2 "\n", strlen(KEY2) + 1), (ssize_t)strlen(KEY2) + 1);
	close(fd);
	s[0].secret_file = path;
	c.secrets = s;
	c.n_secrets = 1;
	assert_int_equal(tz_auth_init(&c, err, sizeof(err)), 0);
	t = mint(JWT_ALG_HS256, KEY2, "{\"sub\":\"f\",\"exp\":1800000600}");
	assert_int_equal(verify(t, &id), OK);
	tz_auth_identity_clear(&id);
	free(t);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "short\n", 6), 6);
	close(fd);
	assert_int_equal(tz_auth_init(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "at least 32"));
	unlink(path);
	assert_int_equal(tz_auth_init(&c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	assert_false(tz_auth_tokens_enabled());
	assert_int_equal(tz_auth_init(&cfg, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_token),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_tenant_of_key),
		cmocka_unit_test(test_signature_refused),
		cmocka_unit_test(test_not_a_token),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_identity_claims),
		cmocka_unit_test(test_issuer_audience),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_secret_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
