/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * transcode: (docs/media-services.md "Transcoding"): which of the trunk's,
 * the tenant's and media_services' applies to a call (tz_cfg_transcode_of),
 * as loaded from YAML; a mode that does not exist reported at its line; a
 * tenant's change is a tenant change at reload, no restart.
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

static const char ports[] =
	"ports:\n"
	"  - {name: a, role: access, iface: a0, ipv4: 198.51.100.1/24}\n"
	"  - {name: c, role: core, iface: c0, ipv4: 203.0.113.1/24}\n";

static struct tz_config *load(const char *extra, struct tz_cfg_errors *errs)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s%s", ports, extra);
	return tz_cfg_load_buffer("t.yaml", buf, strlen(buf), errs);
}

static const struct tz_cfg_trunk *trunk(const struct tz_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->sip.n_trunks; i++)
		if (strcmp(cfg->sip.trunks[i].name, name) == 0)
			return &cfg->sip.trunks[i];
	fail_msg("no trunk %s", name);
	return NULL;
}

/* every combination a user can write: trunk x tenant x top level */
static void test_precedence_table(void **state)
{
	static const char *const trunk_modes[] = { "when-needed", "off", "prefer" };
	static const char *const tenant_modes[] = { "inherit", "when-needed", "off", "prefer" };
	static const char *const top_modes[] = { "when-needed", "off", "prefer" };

	for (int tr = 0; tr < 3; tr++)
		for (int te = 0; te < 4; te++)
			for (int to = 0; to < 3; to++) {
				struct tz_cfg_errors errs = { 0 };
				char extra[512];
				struct tz_config *cfg;
				const char *want;

				snprintf(extra, sizeof(extra),
					 "media_services: {transcode: %s}\n"
					 "tenants:\n"
					 "  - name: acme\n"
					 "    paths: [/acme]\n"
					 "    transcode: %s\n"
					 "    trunks: [{name: pbx, address: 203.0.113.2, transcode: %s}]\n",
					 top_modes[to], tenant_modes[te], trunk_modes[tr]);
				cfg = load(extra, &errs);
				assert_non_null(cfg);
				/* a trunk's off or prefer wins; else the tenant's; else the top's */
				want = tr != 0 ? trunk_modes[tr] : te != 0 ? tenant_modes[te]
									 : top_modes[to];
				assert_string_equal(tz_cfg_transcode_name(tz_cfg_transcode_of(
							    cfg, 1, trunk(cfg, "pbx"))), want);
				/* without a trunk (a SIP source that is none): the tenant's */
				assert_string_equal(tz_cfg_transcode_name(tz_cfg_transcode_of(cfg, 1, NULL)),
						    te != 0 ? tenant_modes[te] : top_modes[to]);
				/* the default tenant is the top level */
				assert_string_equal(tz_cfg_transcode_name(tz_cfg_transcode_of(cfg, 0, NULL)),
						    top_modes[to]);
				tz_cfg_free(cfg);
			}
}

static void test_defaults(void **state)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *cfg = load("sip:\n  trunks: [{name: pbx, address: 203.0.113.2}]\n"
				     "tenants: [{name: acme, paths: [/acme]}]\n", &errs);

	assert_non_null(cfg);
	assert_int_equal(cfg->media_services.transcode, TZ_XCODE_WHEN_NEEDED);
	assert_int_equal(cfg->tenants[0].transcode, TZ_XCODE_INHERIT);
	assert_int_equal(cfg->tenants[1].transcode, TZ_XCODE_INHERIT);
	assert_int_equal(tz_cfg_transcode_of(cfg, 1, trunk(cfg, "pbx")), TZ_XCODE_WHEN_NEEDED);
	assert_int_equal(tz_cfg_transcode_of(cfg, 99, NULL), TZ_XCODE_WHEN_NEEDED);
	tz_cfg_free(cfg);
}

static void expect_error(const char *extra, const char *msg)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *cfg = load(extra, &errs);

	assert_null(cfg);
	assert_true(errs.n >= 1);
	if (strstr(errs.msg[0], msg) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", msg, errs.msg[0]);
	tz_cfg_errors_free(&errs);
}

static void test_mistakes(void **state)
{
	expect_error("tenants: [{name: acme, paths: [/a], transcode: always}]\n",
		     "t.yaml:4:48: tenants[0].transcode: \"always\" is not allowed here; expected "
		     "one of: inherit, when-needed, off, prefer");
	expect_error("media_services: {transcode: inherit}\n",
		     "t.yaml:4:29: media_services.transcode: \"inherit\" is not allowed here; "
		     "expected one of: when-needed, off, prefer");
}

/* A reload changing a tenant's transcode: the tenant changed, nothing to
 * restart (calls in progress keep what they chose at set-up). */
static void test_reload(void **state)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *a = load("tenants: [{name: acme, paths: [/a]}]\n", &errs);
	struct tz_config *b = load("media_services: {transcode: prefer}\n"
				   "tenants: [{name: acme, paths: [/a], transcode: off}]\n", &errs);
	struct tz_cfg_diff d;

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(tz_cfg_diff(a, b, &d), 0);
	assert_int_equal(d.n_restart, 0);
	assert_int_equal(d.list[TZ_CFG_DIFF_TENANTS].changed, 1);
	tz_cfg_diff_free(&d);
	tz_cfg_free(a);
	tz_cfg_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence_table),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_mistakes),
		cmocka_unit_test(test_reload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
