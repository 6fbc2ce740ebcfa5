/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daily budget of answered outbound minutes: live calls count as they
 * run, a UTC midnight starts a new day (a call over it counts from
 * midnight), once spent new outbound calls are refused (403) but live and
 * inbound calls go on; the alarm lines come once per day each, also from
 * the 1 s tick when nobody calls.
 */
#include <string.h>

#include "fixture.h"

#define WARN_LINE "acme: 8 of 10 daily call minutes used (80 %)"
#define FULL_LINE "of 10 daily call minutes used (100 %): new outbound calls are refused " \
		  "until 00:00 UTC"

static int64_t spent(uint32_t t, int64_t now_s)
{
	return tenant_budget_spent_s(tz_tenant_g.tenants[t], now_s);
}

static int budget_setup(void **state)
{
	fx_setup(state);
	fx_tenants[ACME].limits.user_calls_per_s = 0;
	fx_tenants[ACME].limits.max_calls = 0;
	return 0;
}

/* acme: 10 minutes a day, alarm at 80 %. */
static void test_budget_live_calls(void **state)
{
	struct tz_tenant_call c1 = fx_out(ACME, "alice", "+442079460000", TRUNK_ACME);
	struct tz_tenant_call c2 = fx_out(ACME, "bob", "+442079460001", TRUNK_ACME);
	struct tz_tenant_call c3 = fx_out(ACME, "carol", "+442079460002", TRUNK_ACME);
	struct tz_tenant_call in = fx_in(ACME, "carol", TRUNK_ACME);
	struct tz_tenant_call g = fx_out(GLOBEX, "gina", "+33140000000", TRUNK_GLOBEX);

	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	assert_int_equal(fx_admit(&c1, US0, NOON), TZ_TL_OK);
	tz_tenant_call_answered(&c1, NOON);
	tz_tenant_tick(NOON + 479);
	assert_int_equal(spent(ACME, NOON + 479), 479);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 0);
	tz_tenant_tick(NOON + 480);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 1);
	assert_int_equal(log_count(WARN_LINE), 1);
	tz_tenant_tick(NOON + 500);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 1);

	/* 599 s used (by the live call alone): one more call may start */
	assert_int_equal(fx_admit(&c2, US0 + 599 * G_USEC_PER_SEC, NOON + 599), TZ_TL_OK);
	/* 600 s: spent; the 100 % line comes with the refusal */
	assert_int_equal(fx_admit(&c3, US0 + 600 * G_USEC_PER_SEC, NOON + 600), TZ_TL_BUDGET);
	assert_int_equal(tz_tenant_sip_status(TZ_TL_BUDGET), 403);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_LIMIT_BUDGET), 1);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 2);
	assert_int_equal(log_count(FULL_LINE), 1);
	/* live calls are not cut; inbound calls are not budgeted; globex has no budget */
	assert_int_equal(tz_tenant_live_calls(ACME), 2);
	assert_int_equal(fx_admit(&in, US0 + 600 * G_USEC_PER_SEC, NOON + 600), TZ_TL_OK);
	tz_tenant_call_answered(&in, NOON + 600);
	assert_int_equal(fx_admit(&g, US0 + 600 * G_USEC_PER_SEC, NOON + 600), TZ_TL_OK);

	tz_tenant_call_answered(&c2, NOON + 650);
	tz_tenant_call_end(&c1, NOON, NOON + 700);
	assert_int_equal(spent(ACME, NOON + 700), 700 + 50);
	tz_tenant_call_end(&c2, NOON + 650, NOON + 710);
	tz_tenant_call_end(&in, NOON + 600, NOON + 2000);
	assert_int_equal(spent(ACME, NOON + 2000), 700 + 60);
	assert_int_equal(fx_admit(&c3, US0 + 2000 * G_USEC_PER_SEC, NOON + 2000), TZ_TL_BUDGET);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_LIMIT_BUDGET), 2);
	tz_tenant_tick(NOON + 2001);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 2);
	assert_int_equal(log_count(FULL_LINE), 1);
	assert_int_equal(fx_ctr(GLOBEX, TZ_TENANT_BUDGET_ALARMS), 0);
	tz_tenant_call_end(&g, 0, NOON + 2001);
}

/* A call over midnight counts from midnight in the new day; alarms again. */
static void test_budget_midnight(void **state)
{
	struct tz_tenant_call c0 = fx_out(ACME, "alice", "+442079460000", TRUNK_ACME);
	struct tz_tenant_call c1 = fx_out(ACME, "alice", "+442079460001", TRUNK_ACME);
	int64_t d1 = DAY0 + 86400, d2 = d1 + 86400;

	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	assert_int_equal(fx_admit(&c0, US0, NOON), TZ_TL_OK);
	tz_tenant_call_answered(&c0, NOON);
	tz_tenant_call_end(&c0, NOON, NOON + 60);
	assert_int_equal(spent(ACME, NOON + 60), 60);

	assert_int_equal(fx_admit(&c1, US0 + 60 * G_USEC_PER_SEC, d1 - 600), TZ_TL_OK);
	tz_tenant_call_answered(&c1, d1 - 600);
	tz_tenant_tick(d1 - 181);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 0);
	tz_tenant_tick(d1 - 180);        /* 60 + 420 s = 8 minutes */
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 1);

	tz_tenant_tick(d1 + 5);
	assert_int_equal(spent(ACME, d1 + 5), 5);
	tz_tenant_tick(d1 + 479);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 1);
	tz_tenant_tick(d1 + 480);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 2);
	assert_int_equal(log_count(WARN_LINE), 2);

	tz_tenant_call_end(&c1, d1 - 600, d1 + 540);
	assert_int_equal(spent(ACME, d1 + 540), 540);
	assert_int_equal(spent(ACME, d1 + 5000), 540);
	tz_tenant_tick(d2 + 1);
	assert_int_equal(spent(ACME, d2 + 1), 0);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 2);
}

/* A call whose answer was never reported still spends its minutes. */
static void test_answer_at_end_only(void **state)
{
	struct tz_tenant_call c = fx_out(ACME, "alice", "+442079460000", TRUNK_ACME);

	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	assert_int_equal(fx_admit(&c, US0, NOON), TZ_TL_OK);
	tz_tenant_call_end(&c, NOON + 10, NOON + 130);
	assert_int_equal(spent(ACME, NOON + 130), 120);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_CALLS_ANSWERED), 1);
	/* answered twice: counted once */
	assert_int_equal(fx_admit(&c, US0 + G_USEC_PER_SEC, NOON + 200), TZ_TL_OK);
	tz_tenant_call_answered(&c, NOON + 200);
	tz_tenant_call_answered(&c, NOON + 250);
	tz_tenant_call_end(&c, NOON + 200, NOON + 260);
	assert_int_equal(spent(ACME, NOON + 260), 180);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_CALLS_ANSWERED), 2);
}

/* One call crossing both lines at its end: both lines, once each a day. */
static void test_alarm_both_once_per_day(void **state)
{
	struct tz_tenant_call c = fx_out(ACME, "alice", "+442079460000", TRUNK_ACME);
	int64_t d1 = NOON + 86400;

	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	assert_int_equal(fx_admit(&c, US0, NOON), TZ_TL_OK);
	tz_tenant_call_answered(&c, NOON);
	tz_tenant_call_end(&c, NOON, NOON + 700);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 2);
	assert_int_equal(log_count("acme: 11 of 10 daily call minutes used (116 %)"), 2);
	for (int i = 0; i < 5; i++)
		tz_tenant_tick(NOON + 701 + i);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 2);

	assert_int_equal(fx_admit(&c, US0 + G_USEC_PER_SEC, d1), TZ_TL_OK);
	tz_tenant_call_answered(&c, d1);
	tz_tenant_call_end(&c, d1, d1 + 599);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 3);
	assert_int_equal(fx_admit(&c, US0 + 2 * G_USEC_PER_SEC, d1 + 599), TZ_TL_OK);
	tz_tenant_call_answered(&c, d1 + 599);
	tz_tenant_tick(d1 + 600);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 4);
	assert_int_equal(log_count("acme: 10 of 10 daily call minutes used (100 %)"), 1);
	tz_tenant_call_end(&c, d1 + 599, d1 + 900);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 4);
}

/* A reload keeps the day's spending and the alarms already logged. */
static void test_budget_reload(void **state)
{
	static struct tz_cfg_tenant tenants2[2];
	static struct tz_config cfg2;
	struct tz_tenant_call c = fx_out(ACME, "alice", "+442079460000", TRUNK_ACME);

	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	assert_int_equal(fx_admit(&c, US0, NOON), TZ_TL_OK);
	tz_tenant_call_answered(&c, NOON);
	tz_tenant_tick(NOON + 500);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 1);

	tenants2[0] = fx_tenants[0];
	tenants2[1] = fx_tenants[ACME];         /* acme now at 1, globex gone */
	cfg2 = fx_cfg;
	cfg2.tenants = tenants2;
	cfg2.n_tenants = 2;
	cfg2.sip.n_trunks = 2;
	assert_int_equal(tz_tenant_init(&cfg2), 0);
	assert_int_equal(spent(1, NOON + 510), 510);
	tz_tenant_tick(NOON + 520);
	assert_int_equal(fx_ctr(1, TZ_TENANT_BUDGET_ALARMS), 1);
	tz_tenant_call_end(&c, NOON, NOON + 540);
	assert_int_equal(spent(1, NOON + 600), 540);
	assert_int_equal(tz_tenant_live_calls(1), 0);
}

/* Inbound answered calls never spend the budget. */
static void test_inbound_not_budgeted(void **state)
{
	struct tz_tenant_call in = fx_in(ACME, "alice", TRUNK_ACME);

	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	assert_int_equal(fx_admit(&in, US0, NOON), TZ_TL_OK);
	tz_tenant_call_answered(&in, NOON);
	tz_tenant_tick(NOON + 700);
	assert_int_equal(spent(ACME, NOON + 700), 0);
	tz_tenant_call_end(&in, NOON, NOON + 800);
	assert_int_equal(spent(ACME, NOON + 800), 0);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_BUDGET_ALARMS), 0);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_CALLS_IN), 1);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_CALLS_ANSWERED), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_budget_live_calls, budget_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_budget_midnight, budget_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_answer_at_end_only, budget_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_alarm_both_once_per_day, budget_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_budget_reload, budget_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_inbound_not_budgeted, budget_setup,
						fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
