/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RLIMIT_NOFILE at start-up: raised to what limits.ws_connections_max needs,
 * or a clear refusal when the hard limit is too low.  Each case runs in a
 * child process, since limits once lowered cannot come back.
 */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "rlimits.h"

static rlim_t nr_open(void)
{
	unsigned long long n = 1048576;
	FILE *f = fopen("/proc/sys/fs/nr_open", "r");

	if (f != NULL) {
		if (fscanf(f, "%llu", &n) != 1)
			n = 1048576;
		fclose(f);
	}
	return (rlim_t)n;
}

/* Run fn in a child; its exit status is the result (0 = pass). */
static void in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("child check %d failed", WEXITSTATUS(status));
}

#define CHECK(n, cond) do { if (!(cond)) { fprintf(stderr, "check %d: %s\n", n, #cond); \
				return n; } } while (0)

/* Soft below the need, hard above: the soft limit goes up to the need. */
static int soft_raised(void)
{
	struct rlimit lo = { 0 }, set;
	char why[256] = "";

	CHECK(1, getrlimit(RLIMIT_NOFILE, &lo) == 0);
	if (lo.rlim_max != RLIM_INFINITY && lo.rlim_max < 2048)
		return 0;           /* nothing to show here */
	lo.rlim_cur = 256;
	CHECK(2, setrlimit(RLIMIT_NOFILE, &lo) == 0);
	CHECK(3, tz_daemon_nofile_raise(2000, &set, why, sizeof(why)) == 0);
	CHECK(4, set.rlim_cur == 2000);
	CHECK(5, getrlimit(RLIMIT_NOFILE, &lo) == 0 && lo.rlim_cur == 2000);
	/* Already enough: nothing is lowered. */
	CHECK(6, tz_daemon_nofile_raise(1000, &set, why, sizeof(why)) == 0);
	CHECK(7, set.rlim_cur == 2000);
	return 0;
}

/* The hard limit below the need and not raisable: -EMFILE and the numbers. */
static int hard_too_low(void)
{
	struct rlimit lo = { .rlim_cur = 100, .rlim_max = 512 }, set;
	rlim_t need = nr_open() + 1;     /* more than even root may set */
	char why[256] = "", want[64];

	CHECK(1, setrlimit(RLIMIT_NOFILE, &lo) == 0);
	CHECK(2, tz_daemon_nofile_raise(need, &set, why, sizeof(why)) == -EMFILE);
	snprintf(want, sizeof(want), "%llu open files are needed", (unsigned long long)need);
	CHECK(3, strstr(why, want) != NULL);
	CHECK(4, strstr(why, "the hard limit is 512 and cannot be raised") != NULL);
	/* What the hard limit allows is taken anyway. */
	CHECK(5, set.rlim_cur == 512 && set.rlim_max == 512);
	return 0;
}

/* With CAP_SYS_RESOURCE the hard limit is raised too; without, refused. */
static int hard_raised_by_root(void)
{
	struct rlimit lo = { .rlim_cur = 100, .rlim_max = 512 }, set;
	struct rlimit probe = { .rlim_cur = 100, .rlim_max = 513 };
	char why[256] = "";
	bool capable;
	int rc;

	CHECK(1, setrlimit(RLIMIT_NOFILE, &lo) == 0);
	capable = setrlimit(RLIMIT_NOFILE, &probe) == 0;   /* root in a container may not be */
	CHECK(4, setrlimit(RLIMIT_NOFILE, &lo) == 0);
	rc = tz_daemon_nofile_raise(4096, &set, why, sizeof(why));
	if (capable) {
		CHECK(2, rc == 0 && set.rlim_cur == 4096 && set.rlim_max == 4096);
	} else {
		CHECK(3, rc == -EMFILE && set.rlim_cur == 512);
	}
	return 0;
}

static void test_soft_raised(void **state)
{
	in_child(soft_raised);
}

static void test_hard_too_low(void **state)
{
	in_child(hard_too_low);
}

static void test_hard_raised_by_root(void **state)
{
	in_child(hard_raised_by_root);
}

/* What the calls need and what a limit holds (the start-up warning's figures). */
static void test_calls_arithmetic(void **state)
{
	(void)state;
	assert_int_equal(tz_daemon_nofile_need(0, 10000), 10000 + TZ_NOFILE_RESERVE);
	assert_int_equal(tz_daemon_nofile_need(100000, 10000),
			 10000 + TZ_NOFILE_RESERVE + 100000 * TZ_NOFILE_PER_CALL);
	/* this container's 20,000 next to 1,000 WebSockets: ≈ 2,980 calls */
	assert_int_equal(tz_daemon_nofile_calls(20000, 1000),
			 (20000 - 1000 - TZ_NOFILE_RESERVE) / TZ_NOFILE_PER_CALL);
	assert_int_equal(tz_daemon_nofile_calls(4000, 1000), 0);
	assert_true(tz_daemon_nofile_calls(RLIM_INFINITY, 1000) == UINT64_MAX);
	/* the need round-trips: a limit of exactly that holds max_calls */
	assert_int_equal(tz_daemon_nofile_calls(tz_daemon_nofile_need(7777, 500), 500), 7777);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calls_arithmetic),
		cmocka_unit_test(test_soft_raised),
		cmocka_unit_test(test_hard_too_low),
		cmocka_unit_test(test_hard_raised_by_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
