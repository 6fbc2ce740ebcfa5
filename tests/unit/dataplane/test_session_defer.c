/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tz_dp_sessions_defer(): what a deleted flow pointed at is freed only
 * after every running worker has reported a quiescent state, without the
 * control thread waiting for it.  The test thread plays worker 0 (online,
 * quiescent, offline), so no lcore runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <rte_eal.h>

#include "fp_test.h"
#include "tz_session.h"

static unsigned int freed;

static void count_free(void *arg)
{
	(*(unsigned int *)arg)++;
	freed++;
}

static void test_defer_waits_for_quiescent(void **state)
{
	struct tz_dp_sessions *s = tz_dp_sessions_create("defer_sessions", 64, 1, 0);
	unsigned int a = 0, b = 0;

	(void)state;
	assert_non_null(s);
	/* No worker online: nothing to wait for, freed at once. */
	assert_int_equal(tz_dp_sessions_defer(s, count_free, &a), 0);
	assert_int_equal(a, 1);

	tz_dp_sessions_reader_online(s, 0);
	assert_int_equal(tz_dp_sessions_defer(s, count_free, &a), 0);
	assert_int_equal(tz_dp_sessions_defer(s, count_free, &b), 0);
	/* Worker 0 may still hold the entries: nothing freed, nothing blocked. */
	assert_int_equal(tz_dp_sessions_reclaim(s), 2);
	assert_int_equal(a, 1);
	assert_int_equal(b, 0);
	tz_dp_sessions_quiescent(s, 0);
	assert_int_equal(tz_dp_sessions_reclaim(s), 0);
	assert_int_equal(a, 2);
	assert_int_equal(b, 1);

	/* Queued after the quiescent report: waits for the next one. */
	assert_int_equal(tz_dp_sessions_defer(s, count_free, &b), 0);
	assert_int_equal(tz_dp_sessions_reclaim(s), 1);
	tz_dp_sessions_quiescent(s, 0);
	assert_int_equal(tz_dp_sessions_reclaim(s), 0);
	assert_int_equal(b, 2);

	/* Left over at free (workers stopped): run, not leaked. */
	assert_int_equal(tz_dp_sessions_defer(s, count_free, &b), 0);
	tz_dp_sessions_reader_offline(s, 0);
	tz_dp_sessions_free(s);
	assert_int_equal(b, 3);
	assert_int_equal(freed, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defer_waits_for_quiescent),
	};
	int rc;

	if (fp_test_eal("tz_test_defer") == NULL)
		return 1;
	rc = cmocka_run_group_tests_name("session_defer", tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
