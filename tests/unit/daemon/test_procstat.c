/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `show process` reads /proc/self/task/<tid>/stat: the parser against lines
 * as Linux writes them (names with spaces and parentheses included), lines
 * it must refuse, DPDK's worker thread names, and this process's own threads
 * -- a thread that burned CPU shows it.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "procstat.h"

#define TAIL " 0 0 20 0 4 0 5123 2609152 1024 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n"

static void parses_linux_lines(void **state)
{
	static const struct {
		const char *line;
		int tid;
		const char *comm;
		uint64_t utime, stime;
	} ok[] = {
		{ "1234 (trapezed) S 1 1234 1234 0 -1 4194560 1200 0 3 0 250 37" TAIL, 1234, "trapezed", 250, 37 },
		{ "1240 (rte-worker-1) R 1 1234 1234 34816 1234 4194368 5 0 0 0 99123 4" TAIL, 1240, "rte-worker-1", 99123, 4 },
		{ "77 (a) b (c)) R 1 1 1 0 -1 0 0 0 0 0 7 8" TAIL, 77, "a) b (c)", 7, 8 },
		{ "9 () S 1 1 1 0 -1 0 0 0 0 0 0 0", 9, "", 0, 0 },
		{ "5 (x\tz) S 1 1 1 0 -1 0 0 0 0 0 1 2" TAIL, 5, "x?z", 1, 2 },
	};
	struct tz_procstat st;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(tz_procstat_parse(ok[i].line, strlen(ok[i].line), &st), 0);
		assert_int_equal(st.tid, ok[i].tid);
		assert_string_equal(st.comm, ok[i].comm);
		assert_int_equal(st.utime_ticks, ok[i].utime);
		assert_int_equal(st.stime_ticks, ok[i].stime);
	}
}

static void refuses_other_bytes(void **state)
{
	static const char *const bad[] = {
		"",
		"1234",
		"1234 (trapezed",
		"1234 trapezed) S 1",
		"(trapezed) S 1 1 1 0 -1 0 0 0 0 0 1 2",
		"0 (zero) S 1 1 1 0 -1 0 0 0 0 0 1 2",
		"-5 (neg) S 1 1 1 0 -1 0 0 0 0 0 1 2",
		"5 (x) S 1 1 1 0 -1 0 0 0 0 0 1",          /* no stime */
		"5 (x) S 1 1 1 0 -1 0 0 0 0 0 1 ",
		"5 (x) S 1 1 1 0 -1 0 0 0 0 0 a 2",
		"5 (x)  1 1 1 0 -1 0 0 0 0 0 1 2",
		"5 (x) S 1 1 1 0 -1 0 0 0 0 0 99999999999999999999999 2",
		"99999999999 (big) S 1 1 1 0 -1 0 0 0 0 0 1 2",
	};
	struct tz_procstat st;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tz_procstat_parse(bad[i], strlen(bad[i]), &st), -EINVAL);
	/* the length is honoured: a good line cut short is refused */
	const char *good = "1234 (trapezed) S 1 1234 1234 0 -1 4194560 1200 0 3 0 250 37";
	assert_int_equal(tz_procstat_parse(good, strlen(good) - 3, &st), -EINVAL);
}

static void names_dpdk_workers(void **state)
{
	(void)state;
	assert_int_equal(tz_procstat_worker_lcore("rte-worker-3"), 3);
	assert_int_equal(tz_procstat_worker_lcore("lcore-worker-12"), 12);
	assert_int_equal(tz_procstat_worker_lcore("dpdk-worker1"), 1);
	assert_int_equal(tz_procstat_worker_lcore("rte-worker-"), -1);
	assert_int_equal(tz_procstat_worker_lcore("rte-worker-3x"), -1);
	assert_int_equal(tz_procstat_worker_lcore("eal-intr-thread"), -1);
	assert_int_equal(tz_procstat_worker_lcore("trapezed"), -1);
}

static volatile bool stop;

static void *burner(void *arg)
{
	struct timespec ts;

	(void)arg;
	pthread_setname_np(pthread_self(), "rte-worker-7");
	do   /* 0.3 s of this thread's own CPU time, however busy the machine */
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	while (ts.tv_sec == 0 && ts.tv_nsec < 300000000);
	while (!stop) {
		struct timespec d = { 0, 1000000 };

		nanosleep(&d, NULL);
	}
	return NULL;
}

static void sees_a_busy_thread(void **state)
{
	struct tz_procstat t[64];
	pthread_t th;
	struct timespec ts;
	int n, found = -1;

	(void)state;
	stop = false;
	assert_int_equal(pthread_create(&th, NULL, burner, NULL), 0);
	/* wait for the burner's CPU to show in /proc (bounded: 30 s) */
	for (int tries = 0; tries < 3000 && found < 0; tries++) {
		n = tz_procstat_threads(t, 64);
		assert_true(n >= 2);
		for (int i = 0; i < n; i++)
			if (tz_procstat_worker_lcore(t[i].comm) == 7 && t[i].utime_ticks + t[i].stime_ticks >= 20)
				found = i;
		ts = (struct timespec){ 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	stop = true;
	pthread_join(th, NULL);
	assert_true(found >= 0);
	assert_string_equal(t[found].comm, "rte-worker-7");
	/* and it tells at most the room it was given */
	assert_int_equal(tz_procstat_threads(t, 1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_linux_lines),
		cmocka_unit_test(refuses_other_bytes),
		cmocka_unit_test(names_dpdk_workers),
		cmocka_unit_test(sees_a_busy_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
