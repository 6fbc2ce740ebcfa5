/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control loop's epoll poll (ctrlplane/daemon/evpoll.c) under a real
 * GLib main loop: sources fire when their descriptor is ready and only then,
 * a descriptor closed and reused before the next poll is watched again (the
 * close() wrapper, and the once-a-second re-check when a close bypassed it),
 * regular files are ready as with poll(2), removed sources are deleted.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cmocka.h>
#include <glib-unix.h>
#include <glib.h>

#include "evpoll.h"

#define MANY 500

static int fired[MANY];

static gboolean on_ready(gint fd, GIOCondition cond, gpointer data)
{
	char buf[64];

	(void)cond;
	fired[GPOINTER_TO_INT(data)]++;
	if (read(fd, buf, sizeof(buf)) < 0) {
		/* a regular file at EOF or an error: the count is what matters */
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_deadline(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

/* Iterate until fired[idx] > 0 or @p ms passed; the count. */
static int run_until(int idx, guint ms)
{
	bool late = false;
	guint t = g_timeout_add(ms, on_deadline, &late);

	while (fired[idx] == 0 && !late)
		g_main_context_iteration(NULL, TRUE);
	if (!late)
		g_source_remove(t);
	return fired[idx];
}

static int total(void)
{
	int n = 0;

	for (int i = 0; i < MANY; i++)
		n += fired[i];
	return n;
}

/* Iterate until @p want sources fired in all, or @p ms passed; the total. */
static int run_until_total(int want, guint ms)
{
	bool late = false;
	guint t = g_timeout_add(ms, on_deadline, &late);

	while (total() < want && !late)
		g_main_context_iteration(NULL, TRUE);
	if (!late)
		g_source_remove(t);
	return total();
}

/* A few non-blocking iterations, so pending events are dispatched. */
static void settle(void)
{
	for (int i = 0; i < 5; i++)
		g_main_context_iteration(NULL, FALSE);
}

static int setup(void **state)
{
	(void)state;
	if (!tz_evpoll_active())
		assert_int_equal(tz_evpoll_install(g_main_context_default()), 0);
	for (int i = 0; i < MANY; i++)
		fired[i] = 0;
	return 0;
}

static void test_fires_when_ready(void **state)
{
	int sv[2];
	guint id;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	id = g_unix_fd_add(sv[0], G_IO_IN, on_ready, GINT_TO_POINTER(0));
	settle();
	assert_int_equal(fired[0], 0); /* nothing to read: never fires */
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(run_until(0, 5000), 1);
	settle();
	assert_int_equal(fired[0], 1); /* read: level-triggered, quiet again */
	g_source_remove(id);
	close(sv[0]);
	close(sv[1]);
}

static void test_only_the_ready_ones(void **state)
{
	static int sv[MANY][2];
	guint id[MANY];
	int hit = 0;

	(void)state;
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv[i]), 0);
		id[i] = g_unix_fd_add(sv[i][0], G_IO_IN, on_ready, GINT_TO_POINTER(i));
	}
	settle();
	for (int i = 7; i < MANY; i += 49)
		assert_int_equal(write(sv[i][1], "x", 1), 1);
	assert_int_equal(run_until_total(11, 5000), 11);
	settle();
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(fired[i], (i >= 7 && (i - 7) % 49 == 0) ? 1 : 0);
		hit += fired[i];
	}
	assert_int_equal(hit, 11);
	for (int i = 0; i < MANY; i++) {
		g_source_remove(id[i]);
		close(sv[i][0]);
		close(sv[i][1]);
	}
	settle();
}

/* Watch a fresh socket pair whose first descriptor reuses @p want_fd. */
static guint watch_reused(int want_fd, int sv[2], int idx)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(sv[0], want_fd); /* lowest free number: reused */
	return g_unix_fd_add(sv[0], G_IO_IN, on_ready, GINT_TO_POINTER(idx));
}

static void reuse(bool through_wrapper)
{
	struct tz_evpoll_stats before, after;
	int a[2], b[2];
	guint id;

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, a), 0);
	id = g_unix_fd_add(a[0], G_IO_IN, on_ready, GINT_TO_POINTER(0));
	settle(); /* a[0] registered */
	tz_evpoll_get_stats(&before);
	/* Between two polls: the source goes, its socket is closed, a new socket
	 * gets the same number and the same watch. */
	g_source_remove(id);
	close(a[1]);
	if (through_wrapper)
		close(a[0]);
	else
		syscall(SYS_close, a[0]); /* a library closing behind the wrapper */
	id = watch_reused(a[0], b, 1);
	assert_int_equal(write(b[1], "y", 1), 1);
	assert_int_equal(run_until(1, 5000), 1);
	tz_evpoll_get_stats(&after);
	if (through_wrapper)
		assert_true(after.reopened > before.reopened);
	else
		assert_true(after.repaired > before.repaired);
	g_source_remove(id);
	close(b[0]);
	close(b[1]);
	settle();
}

static void test_reused_descriptor(void **state)
{
	(void)state;
	reuse(true);
}

static void test_reused_behind_the_wrapper(void **state)
{
	(void)state;
	reuse(false);
}

static void test_regular_file_is_ready(void **state)
{
	char path[] = "/tmp/tz-evpoll-XXXXXX";
	int fd = mkstemp(path);
	guint id;

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	id = g_unix_fd_add(fd, G_IO_IN, on_ready, GINT_TO_POINTER(2));
	assert_true(run_until(2, 5000) >= 1); /* poll(2) says ready; so do we */
	g_source_remove(id);
	close(fd);
	settle();
}

static void test_removed_source_deleted(void **state)
{
	struct tz_evpoll_stats before, after;
	int sv[2];
	guint id;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	id = g_unix_fd_add(sv[0], G_IO_IN, on_ready, GINT_TO_POINTER(3));
	settle();
	tz_evpoll_get_stats(&before);
	g_source_remove(id);
	settle();
	tz_evpoll_get_stats(&after);
	assert_int_equal(after.dels, before.dels + 1);
	assert_int_equal(after.fds + 1, before.fds);
	assert_int_equal(write(sv[1], "z", 1), 1);
	settle();
	assert_int_equal(fired[3], 0); /* no source, no call */
	close(sv[0]);
	close(sv[1]);
}

static gboolean on_busy(gpointer data)
{
	int *left = data;

	return --*left > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* While a higher-priority source is ready, GLib polls with timeout 0 and
 * leaves lower-priority descriptors out: they stay registered (no DEL and
 * ADD per such iteration), and fire again once listed. */
static void test_partial_listing_keeps_registration(void **state)
{
	struct tz_evpoll_stats before, after;
	int sv[2], left = 3;
	guint id;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	id = g_unix_fd_add_full(G_PRIORITY_LOW, sv[0], G_IO_IN, on_ready, GINT_TO_POINTER(5), NULL);
	settle();
	tz_evpoll_get_stats(&before);
	g_idle_add_full(G_PRIORITY_DEFAULT, on_busy, &left, NULL);
	while (left > 0)
		g_main_context_iteration(NULL, TRUE);
	tz_evpoll_get_stats(&after);
	assert_true(after.polls >= before.polls + 3);
	assert_int_equal(after.dels, before.dels);
	assert_int_equal(after.adds, before.adds);
	assert_int_equal(write(sv[1], "p", 1), 1);
	assert_int_equal(run_until(5, 5000), 1);
	g_source_remove(id);
	close(sv[0]);
	close(sv[1]);
}

/* The peek hook sees the datagram before the source that reads it. */
static int peeked, peeked_before_read;

static void on_peek(int fd, void *arg)
{
	char c;

	(void)arg;
	if (recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 1) {
		peeked++;
		peeked_before_read += fired[4] == 0;
	}
}

static void test_peek_hook(void **state)
{
	int sv[2];
	guint id;

	(void)state;
	peeked = peeked_before_read = 0;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	id = g_unix_fd_add(sv[0], G_IO_IN, on_ready, GINT_TO_POINTER(4));
	assert_int_equal(tz_evpoll_peek_add(sv[0], on_peek, NULL), 0);
	assert_int_equal(write(sv[1], "p", 1), 1);
	assert_true(run_until(4, 5000) >= 1);
	assert_int_equal(peeked, 1);            /* in the same iteration, once */
	assert_int_equal(peeked_before_read, 1);
	tz_evpoll_peek_del(sv[0]);
	fired[4] = 0;
	assert_int_equal(write(sv[1], "q", 1), 1);
	assert_true(run_until(4, 5000) >= 1);
	assert_int_equal(peeked, 1);            /* removed: not called */
	g_source_remove(id);
	close(sv[0]);
	close(sv[1]);
	settle();
}

/* A hooked descriptor closed and its number reused: the new file is not hooked. */
static void test_peek_hook_dropped_at_close(void **state)
{
	int sv[2], sv2[2];
	guint id;

	(void)state;
	peeked = 0;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(tz_evpoll_peek_add(sv[0], on_peek, NULL), 0);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv2), 0);
	id = g_unix_fd_add(sv2[0], G_IO_IN, on_ready, GINT_TO_POINTER(5));
	assert_int_equal(write(sv2[1], "r", 1), 1);
	assert_true(run_until(5, 5000) >= 1);
	assert_int_equal(peeked, 0);
	g_source_remove(id);
	tz_evpoll_peek_del(sv2[0]);
	close(sv2[0]);
	close(sv2[1]);
	settle();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fires_when_ready, setup),
		cmocka_unit_test_setup(test_only_the_ready_ones, setup),
		cmocka_unit_test_setup(test_reused_descriptor, setup),
		cmocka_unit_test_setup(test_reused_behind_the_wrapper, setup),
		cmocka_unit_test_setup(test_regular_file_is_ready, setup),
		cmocka_unit_test_setup(test_removed_source_deleted, setup),
		cmocka_unit_test_setup(test_partial_listing_keeps_registration, setup),
		cmocka_unit_test_setup(test_peek_hook, setup),
		cmocka_unit_test_setup(test_peek_hook_dropped_at_close, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
