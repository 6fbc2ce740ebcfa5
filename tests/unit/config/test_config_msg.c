/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * messaging: (docs/messaging.md, docs/config.md): the top level and a
 * tenant's override as loaded (the keys a tenant leaves out are the top
 * level's, the default tenant's are the top level's), the mistakes reported
 * at their line, the dump loading back the same, and a reload that changes
 * a tenant's messaging seen as that tenant changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tz_cfg_diff.h"
#include "tz_config.h"

static const char base[] =
	"ports:\n"
	"  - {name: a, role: access, iface: a0, ipv4: 198.51.100.1/24}\n"
	"  - {name: c, role: core, iface: c0, ipv4: 203.0.113.1/24}\n"
	"sip:\n"
	"  trunks: [{name: pbx, address: \"203.0.113.2:5060\"}]\n"
	"  routes: [{prefix: \"\", trunk: pbx}]\n";

static const char two_tenants[] =
	"messaging: {max_bytes: 2000, per_user_per_minute: 30, content_types: [text/plain]}\n"
	"tenants:\n"
	"  - name: acme\n"
	"    paths: [/acme]\n"
	"    messaging: {per_user_per_minute: 2, content_types: [text/plain, application/json]}\n"
	"  - name: globex\n"
	"    paths: [/globex]\n"
	"  - name: initech\n"
	"    paths: [/initech]\n"
	"    messaging: {max_bytes: 100, per_user_per_minute: 0}\n";

static struct tz_config *load(const char *extra, struct tz_cfg_errors *errs)
{
	struct tz_config *cfg;
	char *buf;

	if (asprintf(&buf, "%s%s", base, extra) < 0)
		return NULL;
	cfg = tz_cfg_load_buffer("t.yaml", buf, strlen(buf), errs);
	free(buf);
	return cfg;
}

static void assert_types(char **got, const char *a, const char *b)
{
	assert_non_null(got);
	assert_string_equal(got[0], a);
	if (b != NULL)
		assert_string_equal(got[1], b);
	assert_null(got[b != NULL ? 2 : 1]);
}

static void test_tenant_override(void **state)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *cfg = load(two_tenants, &errs);

	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	assert_int_equal(cfg->n_tenants, 4);
	assert_int_equal(cfg->messaging.per_user_per_minute, 30);
	/* default: the top level's */
	assert_int_equal(cfg->tenants[0].messaging.max_bytes, 2000);
	assert_int_equal(cfg->tenants[0].messaging.per_user_per_minute, 30);
	assert_types(cfg->tenants[0].messaging.content_types, "text/plain", NULL);
	/* acme: its rate and types, the top level's size */
	assert_int_equal(cfg->tenants[1].messaging.max_bytes, 2000);
	assert_int_equal(cfg->tenants[1].messaging.per_user_per_minute, 2);
	assert_types(cfg->tenants[1].messaging.content_types, "text/plain", "application/json");
	/* globex: all the top level's */
	assert_int_equal(cfg->tenants[2].messaging.max_bytes, 2000);
	assert_int_equal(cfg->tenants[2].messaging.per_user_per_minute, 30);
	assert_types(cfg->tenants[2].messaging.content_types, "text/plain", NULL);
	/* initech: 0 is "no limit", not "left out" */
	assert_int_equal(cfg->tenants[3].messaging.max_bytes, 100);
	assert_int_equal(cfg->tenants[3].messaging.per_user_per_minute, 0);
	assert_types(cfg->tenants[3].messaging.content_types, "text/plain", NULL);
	tz_cfg_free(cfg);
}

/* No messaging: anywhere: every tenant has the defaults. */
static void test_defaults(void **state)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *cfg = load("tenants: [{name: acme, paths: [/acme]}]\n", &errs);

	assert_non_null(cfg);
	for (size_t t = 0; t < 2; t++) {
		assert_int_equal(cfg->tenants[t].messaging.max_bytes, 4096);
		assert_int_equal(cfg->tenants[t].messaging.per_user_per_minute, 60);
		assert_types(cfg->tenants[t].messaging.content_types, "text/plain",
			     "application/json");
	}
	tz_cfg_free(cfg);
}

static void expect_error(const char *extra, const char *where, const char *msg)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *cfg = load(extra, &errs);

	assert_null(cfg);
	assert_true(errs.n >= 1);
	if (strstr(errs.msg[0], where) == NULL || strstr(errs.msg[0], msg) == NULL)
		fail_msg("expected \"%s\" ... \"%s\" in \"%s\"", where, msg, errs.msg[0]);
	tz_cfg_errors_free(&errs);
}

static void test_tenant_errors(void **state)
{
	expect_error("tenants:\n  - name: acme\n    paths: [/acme]\n    messaging: {max_bytes: 0}\n",
		     "t.yaml:10:", "tenants[0].messaging.max_bytes");
	expect_error("tenants:\n  - name: acme\n    paths: [/acme]\n"
		     "    messaging: {per_user_per_minute: 100001}\n",
		     "t.yaml:10:", "per_user_per_minute");
	expect_error("tenants:\n  - name: acme\n    paths: [/acme]\n"
		     "    messaging: {content_types: [text/plain, \"text/html; charset=x\"]}\n",
		     "t.yaml:10:", "is not a media type");
	expect_error("tenants:\n  - name: acme\n    paths: [/acme]\n    messaging: {rate: 5}\n",
		     "t.yaml:10:", "rate");
}

/* The dump writes each tenant's messaging in force; it loads back the same. */
static void test_dump_round_trip(void **state)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *cfg = load(two_tenants, &errs), *again;
	char *text;

	assert_non_null(cfg);
	text = tz_cfg_dump(cfg);
	assert_non_null(text);
	again = tz_cfg_load_buffer("dump.yaml", text, strlen(text), &errs);
	if (again == NULL)
		fail_msg("the dump does not load: %s\n%s", errs.n ? errs.msg[0] : "?", text);
	for (size_t t = 0; t < cfg->n_tenants; t++) {
		assert_int_equal(again->tenants[t].messaging.max_bytes,
				 cfg->tenants[t].messaging.max_bytes);
		assert_int_equal(again->tenants[t].messaging.per_user_per_minute,
				 cfg->tenants[t].messaging.per_user_per_minute);
	}
	free(text);
	tz_cfg_free(again);
	tz_cfg_free(cfg);
}

/* A reload that lowers acme's rate: tenants: 1 changed. */
static void test_diff(void **state)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *a = load(two_tenants, &errs);
	char other[sizeof(two_tenants)];
	struct tz_config *b;
	struct tz_cfg_diff d;
	char *sum;

	memcpy(other, two_tenants, sizeof(other));
	*strstr(other, "per_user_per_minute: 2,") = '\0';
	{
		char buf[4096];

		snprintf(buf, sizeof(buf), "%sper_user_per_minute: 5,%s", other,
			 strstr(two_tenants, "per_user_per_minute: 2,") +
				 strlen("per_user_per_minute: 2,"));
		b = load(buf, &errs);
	}
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(b->tenants[1].messaging.per_user_per_minute, 5);
	assert_int_equal(tz_cfg_diff(a, b, &d), 0);
	sum = tz_cfg_diff_summary(&d);
	assert_non_null(strstr(sum, "tenants: 1 changed"));
	free(sum);
	tz_cfg_diff_free(&d);
	tz_cfg_free(a);
	tz_cfg_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tenant_override),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_tenant_errors),
		cmocka_unit_test(test_dump_round_trip),
		cmocka_unit_test(test_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
