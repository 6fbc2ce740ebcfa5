/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The call manager's side of reload and drain (ctrlplane/session/reconfig.c,
 * issue 13) with the tenant module stubbed: a reload hands the new config to
 * new calls and renews the tenants' state from it; a drain refuses and counts
 * every new call until it is cancelled.
 * End to end: tests/e2e/reload.test.mjs, drain.test.mjs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "calls_pvt.h"

struct tz_calls_env tz_calls_env;

static const struct tz_config *tenants_from;
static int tenant_rc;

int tz_tenant_init(const struct tz_config *cfg)
{
	tenants_from = cfg;
	return tenant_rc;
}

void tz_messaging_configure(void)
{
}

void tz_announce_configure(const struct tz_config *cfg)
{
	(void)cfg;
}

static void test_reconfigure(void **state)
{
	struct tz_config a = { .path = "a.yaml" }, b = { .path = "b.yaml" };

	(void)state;
	tz_calls_env.cfg = &a;
	assert_int_equal(tz_calls_reconfigure(NULL), -EINVAL);
	assert_ptr_equal(tz_calls_env.cfg, &a);
	assert_int_equal(tz_calls_reconfigure(&b), 0);
	assert_ptr_equal(tz_calls_env.cfg, &b);
	assert_ptr_equal(tenants_from, &b);
	/* the tenants could not be renewed: said, but the config is in force */
	tenant_rc = -ENOMEM;
	assert_int_equal(tz_calls_reconfigure(&a), -ENOMEM);
	assert_ptr_equal(tz_calls_env.cfg, &a);
	tenant_rc = 0;
}

static void test_drain_refuses_and_counts(void **state)
{
	uint64_t before = tz_calls_refused_draining();

	(void)state;
	assert_false(tz_calls_draining());
	assert_false(tz_calls_drain_refuse());
	tz_calls_set_draining(true);
	assert_true(tz_calls_draining());
	assert_true(tz_calls_drain_refuse());
	assert_true(tz_calls_drain_refuse());
	assert_int_equal(tz_calls_refused_draining(), before + 2);
	tz_calls_set_draining(false);            /* drain cancel */
	assert_false(tz_calls_drain_refuse());
	assert_int_equal(tz_calls_refused_draining(), before + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reconfigure),
		cmocka_unit_test(test_drain_refuses_and_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
