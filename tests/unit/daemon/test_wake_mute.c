/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GLib's useless wake-up write()s skipped (ctrlplane/daemon/wake_mute.c):
 * a member context of the hub dispatching a socket's source leaves its
 * wake-up eventfd unsignalled (GLib signals it on every attach and after
 * every dispatch otherwise), and signals again once removed from the hub;
 * the control loop's own wake-up is skipped only from the loop's thread
 * between its poll and the next iteration, and its drain reads only after
 * a write; a muted number closed and reused is written again.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <glib-unix.h>
#include <glib.h>

#include "ctxhub.h"
#include "wake_mute.h"

static int reads;

/* The eventfd's counter, read (and so reset); 0 when unsignalled. */
static uint64_t take(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		assert_int_equal(errno, EAGAIN);
	return v;
}

static int wake_fd(GMainContext *ctx)
{
	GPollFD p[4];
	gint prio, timeout, n;

	assert_true(g_main_context_acquire(ctx));
	g_main_context_prepare(ctx, &prio);
	n = g_main_context_query(ctx, prio, &timeout, p, 4);
	g_main_context_release(ctx);
	assert_int_equal(n, 1);
	return p[0].fd;
}

static gboolean on_read(gint fd, GIOCondition cond, gpointer data)
{
	char buf[64];

	(void)cond;
	(void)data;
	if (read(fd, buf, sizeof(buf)) > 0)
		reads++;
	return G_SOURCE_CONTINUE;
}

static void test_member_wakeups_skipped(void **state)
{
	GMainContext *ctx = g_main_context_new();
	struct tz_wake_mute_stats a, b;
	struct tz_ctxhub_member *m;
	int sv[2], wfd = wake_fd(ctx);
	GSource *w;

	(void)state;
	assert_int_equal(tz_ctxhub_install(g_main_context_default()), 0);
	tz_wake_mute_get_stats(&a);
	m = tz_ctxhub_add(ctx);
	assert_non_null(m);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	w = g_unix_fd_source_new(sv[0], G_IO_IN);
	g_source_set_callback(w, (GSourceFunc)(void (*)(void))on_read, NULL, NULL);
	g_source_attach(w, ctx);    /* GLib signals the wake-up here */
	tz_ctxhub_touch(m);
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(write(sv[1], "x", 1), 1);
		while (reads < i)  /* blocks in the hub's epoll until the datagram */
			g_main_context_iteration(NULL, TRUE);
	}
	assert_int_equal(take(wfd), 0);  /* unmuted: ≥ 4 (attach, 3 dispatches) */
	tz_wake_mute_get_stats(&b);
	assert_true(b.member - a.member >= 4);
	tz_ctxhub_remove(m);
	g_main_context_wakeup(ctx);      /* no longer the hub's: written */
	assert_int_equal(take(wfd), 1);
	g_source_destroy(w);
	g_source_unref(w);
	g_main_context_unref(ctx);
	close(sv[0]);
	close(sv[1]);
	tz_ctxhub_uninstall();
}

static void *write_one(void *arg)
{
	uint64_t one = 1;

	assert_int_equal(write(*(int *)arg, &one, sizeof(one)), sizeof(one));
	return NULL;
}

static void test_loop_wakeup_after_poll_only(void **state)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint64_t one = 1;
	pthread_t t;

	(void)state;
	tz_wake_mute_loop(efd);
	tz_wake_mute_rearm();
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(take(efd), 1);         /* before the poll: written */
	tz_wake_mute_polled();
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(take(efd), 0);         /* the loop's own, after: skipped */
	assert_int_equal(pthread_create(&t, NULL, write_one, &efd), 0);
	pthread_join(t, NULL);
	assert_int_equal(take(efd), 1);         /* another thread's: written */
	tz_wake_mute_rearm();
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(take(efd), 1);
	tz_wake_unmute(efd);
	close(efd);
}

/* The drain reads the loop's wake-up only when something was written. */
static void test_drain_reads_only_after_a_write(void **state)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), other = eventfd(0, EFD_NONBLOCK);
	uint64_t one = 1;
	pthread_t t;

	(void)state;
	tz_wake_mute_loop(efd);
	assert_false(tz_wake_mute_loop_unwritten(efd));   /* first: read */
	assert_true(tz_wake_mute_loop_unwritten(efd));    /* nothing since */
	assert_int_equal(pthread_create(&t, NULL, write_one, &efd), 0);
	pthread_join(t, NULL);
	assert_false(tz_wake_mute_loop_unwritten(efd));   /* another thread wrote */
	assert_true(tz_wake_mute_loop_unwritten(efd));
	tz_wake_mute_rearm();
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_false(tz_wake_mute_loop_unwritten(efd));   /* before the poll: counted */
	tz_wake_mute_polled();
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_true(tz_wake_mute_loop_unwritten(efd));    /* skipped: nothing to read */
	tz_wake_mute_rearm();
	assert_false(tz_wake_mute_loop_unwritten(other)); /* not the loop's: always read */
	tz_wake_unmute(efd);
	assert_false(tz_wake_mute_loop_unwritten(efd));
	close(efd);
	close(other);
}

/* close() (close_hook.c) unmutes: a reused number is written again. */
static void test_close_unmutes(void **state)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), again;
	uint64_t one = 1;

	(void)state;
	tz_wake_mute_member(efd);
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(take(efd), 0);
	close(efd);
	again = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	assert_int_equal(again, efd);
	assert_int_equal(write(again, &one, sizeof(one)), sizeof(one));
	assert_int_equal(take(again), 1);
	close(again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_member_wakeups_skipped),
		cmocka_unit_test(test_loop_wakeup_after_poll_only),
		cmocka_unit_test(test_drain_reads_only_after_a_write),
		cmocka_unit_test(test_close_unmutes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
