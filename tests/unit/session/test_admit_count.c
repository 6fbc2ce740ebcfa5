/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live calls per user and per client address for admission (admit_count.c):
 * counted as calls are registered and leave, per key, never below zero.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>

#include "calls_pvt.h"

static void set(struct call *c, const char *user, const char *ip)
{
	g_strlcpy(c->user, user, sizeof(c->user));
	g_strlcpy(c->src_ip, ip, sizeof(c->src_ip));
}

static void test_counts_follow_calls(void **state)
{
	static struct call a, b, c;

	(void)state;
	set(&a, "alice", "192.0.2.1");
	set(&b, "alice", "192.0.2.2");
	set(&c, "bob", "192.0.2.1");
	assert_int_equal(tz_calls_of_user("alice"), 0);
	tz_calls_admit_count(&a, +1);
	tz_calls_admit_count(&b, +1);
	tz_calls_admit_count(&c, +1);
	assert_int_equal(tz_calls_of_user("alice"), 2);
	assert_int_equal(tz_calls_of_user("bob"), 1);
	assert_int_equal(tz_calls_of_user("carol"), 0);
	assert_int_equal(tz_calls_of_ip("192.0.2.1"), 2);
	assert_int_equal(tz_calls_of_ip("192.0.2.2"), 1);
	tz_calls_admit_count(&a, -1);
	assert_int_equal(tz_calls_of_user("alice"), 1);
	assert_int_equal(tz_calls_of_ip("192.0.2.1"), 1);
	tz_calls_admit_count(&c, -1);
	tz_calls_admit_count(&c, -1);            /* never below zero */
	assert_int_equal(tz_calls_of_user("bob"), 0);
	assert_int_equal(tz_calls_of_ip("192.0.2.1"), 0);
	tz_calls_admit_count(&c, +1);
	assert_int_equal(tz_calls_of_user("bob"), 1);
	tz_calls_admit_count_reset();
	assert_int_equal(tz_calls_of_user("alice"), 0);
	assert_int_equal(tz_calls_of_ip(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_follow_calls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
