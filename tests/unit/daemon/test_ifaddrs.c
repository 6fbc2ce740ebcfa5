/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * getifaddrs() cached for a second (ctrlplane/daemon/ifaddrs_cache.c, linked
 * into this test as into the daemon): calls within the second share one
 * netlink dump and one list, which lives until its last user frees it, also
 * after it was replaced; the list is the one libc gives (loopback is in it).
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <ifaddrs.h>
#include <time.h>

#include <cmocka.h>

#include "ifaddrs_cache.h"

static void test_calls_share_one_dump(void **state)
{
	struct ifaddrs *a, *b, *p;
	struct tz_ifaddrs_stats s0, s1;
	bool lo = false;

	(void)state;
	tz_ifaddrs_get_stats(&s0);
	assert_int_equal(getifaddrs(&a), 0);
	assert_int_equal(getifaddrs(&b), 0);
	tz_ifaddrs_get_stats(&s1);
	assert_int_equal(s1.calls - s0.calls, 2);
	assert_true(s1.dumps - s0.dumps <= 1);
	assert_ptr_equal(a, b);
	for (p = a; p != NULL; p = p->ifa_next)
		lo |= strcmp(p->ifa_name, "lo") == 0;
	assert_true(lo);
	freeifaddrs(a);
	freeifaddrs(b);
}

/* After the second, a new dump; the old list stays valid for its user. */
static void test_replaced_list_lives_until_freed(void **state)
{
	struct ifaddrs *a, *b;
	struct tz_ifaddrs_stats s0, s1;
	struct timespec ts = { .tv_sec = 1, .tv_nsec = 50000000 };

	(void)state;
	assert_int_equal(getifaddrs(&a), 0);
	tz_ifaddrs_get_stats(&s0);
	nanosleep(&ts, NULL);
	assert_int_equal(getifaddrs(&b), 0);
	tz_ifaddrs_get_stats(&s1);
	assert_int_equal(s1.dumps - s0.dumps, 1);
	assert_ptr_not_equal(a, b);
	assert_non_null(a->ifa_name);  /* still readable (ASan/valgrind would say) */
	freeifaddrs(a);
	freeifaddrs(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calls_share_one_dump),
		cmocka_unit_test(test_replaced_list_lives_until_freed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
