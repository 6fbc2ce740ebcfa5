/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * recording: (docs/recording.md, docs/config.md): the top level, a tenant's
 * override and a route's record: true as loaded; the mistakes a user makes
 * (mode on without a dir, a mode that does not exist, a tenant named ".."
 * whose files would leave the recording directory) reported at their line.
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
	"  routes:\n"
	"    - {prefix: \"+1333\", trunk: pbx, record: true}\n"
	"    - {prefix: \"\", trunk: pbx}\n";

static struct tz_config *load(const char *extra, struct tz_cfg_errors *errs)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s%s", base, extra);
	return tz_cfg_load_buffer("t.yaml", buf, strlen(buf), errs);
}

static void test_recording_loaded(void **state)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *cfg = load("recording: {mode: on-demand, dir: /var/rec}\n"
				     "tenants:\n"
				     "  - {name: acme, paths: [/acme], recording: {mode: all, dir: /srv/acme}}\n"
				     "  - {name: globex, paths: [/globex]}\n"
				     "  - {name: initech, paths: [/initech], recording: {mode: off}}\n",
				     &errs);

	assert_non_null(cfg);
	assert_int_equal(errs.n, 0);
	assert_int_equal(cfg->recording.mode, TZ_REC_MODE_ON_DEMAND);
	assert_string_equal(cfg->recording.dir, "/var/rec");
	assert_int_equal(cfg->recording.ring, 2048);
	assert_true(cfg->sip.routes[0].record);
	assert_false(cfg->sip.routes[1].record);
	assert_int_equal(cfg->n_tenants, 4);
	assert_int_equal(cfg->tenants[0].recording.mode, TZ_REC_MODE_INHERIT);
	assert_int_equal(cfg->tenants[1].recording.mode, TZ_REC_MODE_ALL);
	assert_string_equal(cfg->tenants[1].recording.dir, "/srv/acme");
	assert_int_equal(cfg->tenants[2].recording.mode, TZ_REC_MODE_INHERIT);
	assert_null(cfg->tenants[2].recording.dir);
	assert_int_equal(cfg->tenants[3].recording.mode, TZ_REC_MODE_OFF);
	tz_cfg_free(cfg);
}

static void test_recording_off_by_default(void **state)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *cfg = load("", &errs);

	assert_non_null(cfg);
	assert_int_equal(cfg->recording.mode, TZ_REC_MODE_OFF);
	assert_null(cfg->recording.dir);
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

static void test_recording_mistakes(void **state)
{
	expect_error("recording: {mode: all}\n",
		     "t.yaml:9:19: recording.mode: needs recording.dir");
	expect_error("recording: {mode: sometimes, dir: /x}\n", "t.yaml:9:19: recording.mode: "
		     "\"sometimes\" is not allowed here; expected one of: off, all, on-demand");
	expect_error("tenants:\n  - {name: acme, paths: [/a], recording: {mode: all}}\n",
		     "recording.mode: needs a dir");
	expect_error("recording: {mode: all, dir: /x}\n"
		     "tenants:\n  - {name: \"..\", paths: [/a]}\n",
		     "cannot be the directory of its recordings");
	expect_error("recording: {dir: /x, ring: 10}\n", "recording.ring");
}

/* recording.retention (top level and a tenant's), its mistakes at their
 * line, and a reload that changes it needs no restart. */
static void test_retention(void **state)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *cfg = load("recording:\n"
				     "  mode: all\n"
				     "  dir: /var/rec\n"
				     "  retention: {max_age_days: 90, max_total_mb: 500000}\n"
				     "tenants:\n"
				     "  - {name: acme, paths: [/a], recording: {retention: {max_age_days: 7}}}\n",
				     &errs);
	struct tz_config *none;
	struct tz_cfg_diff d;
	char *sum;

	assert_non_null(cfg);
	assert_int_equal(cfg->recording.retention.max_age_days, 90);
	assert_int_equal(cfg->recording.retention.max_total_mb, 500000);
	assert_int_equal(cfg->tenants[1].recording.retention.max_age_days, 7);
	assert_int_equal(cfg->tenants[1].recording.retention.max_total_mb, 0);
	none = load("recording: {mode: all, dir: /var/rec}\n", &errs);
	assert_non_null(none);
	assert_int_equal(none->recording.retention.max_age_days, 0);
	assert_int_equal(none->recording.retention.max_total_mb, 0);
	assert_int_equal(tz_cfg_diff(none, cfg, &d), 0);
	assert_int_equal(d.n_restart, 0);
	sum = tz_cfg_diff_summary(&d);
	assert_non_null(strstr(sum, "recording changed"));
	free(sum);
	tz_cfg_diff_free(&d);
	tz_cfg_free(none);
	tz_cfg_free(cfg);
	expect_error("recording: {dir: /x, retention: {max_age_days: -1}}\n",
		     "t.yaml:9:48: recording.retention.max_age_days");
	expect_error("recording: {dir: /x, retention: {max_age_days: 40000}}\n",
		     "recording.retention.max_age_days");
	expect_error("recording: {dir: /x, retention: {max_total_mb: 10G}}\n",
		     "t.yaml:9:48: recording.retention.max_total_mb");
	expect_error("recording: {dir: /x, retention: {max_days: 3}}\n", "t.yaml:9:34:");
	expect_error("tenants:\n  - {name: acme, paths: [/a], recording: {retention: "
		     "{max_age_days: x}}}\n", "max_age_days");
}

static bool restart_lists(const struct tz_cfg_diff *d, const char *key)
{
	for (size_t i = 0; i < d->n_restart; i++)
		if (strcmp(d->restart[i], key) == 0)
			return true;
	return false;
}

/* What a reload says: a route's record is a route change; the ring, and
 * recording turned on where it was off everywhere, need a restart (the
 * taps are made at start-up); modes and directories do not. */
static void test_recording_reload(void **state)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *off = load("", &errs);
	struct tz_config *on = load("recording: {mode: on-demand, dir: /var/rec}\n", &errs);
	struct tz_config *ring = load("recording: {mode: all, dir: /srv, ring: 4096}\n", &errs);
	char buf[1024];
	struct tz_config *norec;
	struct tz_cfg_diff d;
	char *sum;

	assert_non_null(off);
	assert_non_null(on);
	assert_non_null(ring);
	assert_int_equal(tz_cfg_diff(off, on, &d), 0);
	assert_true(restart_lists(&d, "recording.mode (recording was off at start-up)"));
	tz_cfg_diff_free(&d);
	assert_int_equal(tz_cfg_diff(on, ring, &d), 0);
	assert_true(restart_lists(&d, "recording.ring"));
	assert_int_equal(d.n_restart, 1);
	tz_cfg_diff_free(&d);
	snprintf(buf, sizeof(buf), "%s", base);
	*strstr(buf, ", record: true") = '\0';
	strcat(buf, "}\n    - {prefix: \"\", trunk: pbx}\n");
	norec = tz_cfg_load_buffer("t.yaml", buf, strlen(buf), &errs);
	assert_non_null(norec);
	assert_int_equal(tz_cfg_diff(norec, off, &d), 0);
	sum = tz_cfg_diff_summary(&d);
	assert_non_null(strstr(sum, "routes: 1 changed"));
	free(sum);
	tz_cfg_diff_free(&d);
	tz_cfg_free(norec);
	tz_cfg_free(off);
	tz_cfg_free(on);
	tz_cfg_free(ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recording_loaded),
		cmocka_unit_test(test_recording_off_by_default),
		cmocka_unit_test(test_recording_mistakes),
		cmocka_unit_test(test_recording_reload),
		cmocka_unit_test(test_retention),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
