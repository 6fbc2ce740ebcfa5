/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control loop's quiet-making pieces: sofia-sip's next timer is "due"
 * only when it is (sofia_timers.c), and the wake-up eventfd of a GLib
 * context is found and drained (wakeup.c).
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>

#include "sofia_timers.h"
#include "wakeup.h"

/* sofia-sip's arithmetic (su_duration): seconds * 1000 plus the microsecond
 * difference divided by 1000, truncated, clamped at 0 as
 * su_timer_next_expires does; the one timer is due at `when`. */
static struct tz_su_time when;

static long fake_next(const void *timers, struct tz_su_time now)
{
	long d = (long)(when.tv_sec - now.tv_sec) * 1000 +
		 ((long)when.tv_usec - (long)now.tv_usec) / 1000;

	(void)timers;
	return d > 0 ? d : 0;
}

static struct tz_su_time at(long long us)
{
	return (struct tz_su_time){ .tv_sec = (unsigned long)(us / 1000000),
				    .tv_usec = (unsigned long)(us % 1000000) };
}

static void test_sofia_not_due_is_not_zero(void **state)
{
	const long long base = 3900000000LL * 1000000LL; /* NTP-epoch seconds, in us */

	(void)state;
	/* every offset of the timer around a second boundary and within it */
	for (long long w = base - 3000; w <= base + 3000; w += 37) {
		when = at(w);
		for (long long d = -2500; d <= 2500; d += 13) {
			long r = tz_sofia_next_expires(fake_next, NULL, at(w - d));

			if (d > 0)                    /* still ahead: never "due" */
				assert_true(r >= 1);
			else if (d <= -1000)          /* a millisecond late: due */
				assert_int_equal(r, 0);
			if (fake_next(NULL, at(w - d)) > 0) /* the library's own answer kept */
				assert_int_equal(r, fake_next(NULL, at(w - d)));
		}
	}
}

static void test_wakeup_found_and_drained(void **state)
{
	GMainContext *ctx = g_main_context_default();
	struct pollfd p;
	uint64_t drains, drained;

	(void)state;
	assert_int_equal(tz_wakeup_find(ctx), 0);
	assert_true(tz_wakeup_fd() >= 0);
	g_main_context_wakeup(ctx);
	p = (struct pollfd){ .fd = tz_wakeup_fd(), .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 1);    /* signalled */
	tz_wakeup_drain();
	assert_int_equal(poll(&p, 1, 0), 0);    /* stale signal gone */
	tz_wakeup_get_stats(&drains, &drained);
	assert_true(drained >= 1);
	tz_wakeup_drain();                      /* nothing waiting: never blocks */
	g_main_context_wakeup(ctx);             /* GLib still acknowledges its own */
	assert_false(g_main_context_iteration(ctx, FALSE));
	assert_int_equal(poll(&p, 1, 0), 0);
	tz_wakeup_forget();
	assert_int_equal(tz_wakeup_fd(), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sofia_not_due_is_not_zero),
		cmocka_unit_test(test_wakeup_found_and_drained),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
