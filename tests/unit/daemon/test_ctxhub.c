/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The context hub (ctrlplane/daemon/ctxhub.c) under a real GLib main loop:
 * many member contexts, each with a socket watch and a timer; a member runs
 * when its socket is readable or its timer is due, and no other member runs
 * (counted), the main context polls O(1) descriptors whatever the number of
 * members, a source added from outside a dispatch runs after a touch, a
 * member removed from inside its own dispatch is safe, and peek hooks see a
 * datagram before the member's source reads it.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <glib-unix.h>
#include <glib.h>

#include "ctxhub.h"

#define MEMBERS 300
#define LONG_MS (3600 * 1000)

struct mem {
	GMainContext *ctx;
	struct tz_ctxhub_member *m;
	int sv[2];
	int reads, timers;
	bool remove_on_read;
};

static struct mem mems[MEMBERS];
static int peeked;

static gboolean on_read(gint fd, GIOCondition cond, gpointer data)
{
	struct mem *x = data;
	char buf[64];

	(void)cond;
	if (read(fd, buf, sizeof(buf)) > 0)
		x->reads++;
	if (x->remove_on_read) {
		tz_ctxhub_remove(x->m);
		x->m = NULL;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_timer(gpointer data)
{
	((struct mem *)data)->timers++;
	return G_SOURCE_REMOVE;
}

static void add_timer(struct mem *x, guint ms)
{
	GSource *t = g_timeout_source_new(ms);

	g_source_set_callback(t, on_timer, x, NULL);
	g_source_attach(t, x->ctx);
	g_source_unref(t);
}

static void make_member(struct mem *x)
{
	GSource *w;

	x->ctx = g_main_context_new();
	x->m = tz_ctxhub_add(x->ctx);
	assert_non_null(x->m);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, x->sv), 0);
	w = g_unix_fd_source_new(x->sv[0], G_IO_IN);
	g_source_set_callback(w, (GSourceFunc)(void (*)(void))on_read, x, NULL);
	g_source_attach(w, x->ctx);
	g_source_unref(w);
	add_timer(x, LONG_MS);
	tz_ctxhub_touch(x->m);   /* sources added outside its dispatch */
}

static gboolean on_deadline(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

/* Iterate the main context until *@p v > 0, at most 2 s. */
static void run_until(const int *v)
{
	bool late = false;
	guint t = g_timeout_add(2000, on_deadline, &late);

	while (*v == 0 && !late)
		g_main_context_iteration(NULL, TRUE);
	if (!late)
		g_source_remove(t);
	assert_false(late);
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(tz_ctxhub_install(g_main_context_default()), 0);
	for (int i = 0; i < MEMBERS; i++)
		make_member(&mems[i]);
	while (g_main_context_iteration(NULL, FALSE))
		;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < MEMBERS; i++) {
		tz_ctxhub_remove(mems[i].m);
		g_main_context_unref(mems[i].ctx);
		close(mems[i].sv[0]);
		close(mems[i].sv[1]);
	}
	tz_ctxhub_uninstall();
	return 0;
}

/* The main context polls its own wake-up and the hub's epoll, not 300 sockets. */
static void test_main_context_is_small(void **state)
{
	GPollFD p[16];
	gint prio, timeout, n;
	struct tz_ctxhub_stats st;
	GMainContext *main = g_main_context_default();

	(void)state;
	tz_ctxhub_get_stats(&st);
	assert_int_equal(st.members, MEMBERS);
	assert_int_equal(st.fds, MEMBERS);
	assert_true(g_main_context_acquire(main));
	g_main_context_prepare(main, &prio);
	n = g_main_context_query(main, G_MAXINT, &timeout, p, 16);
	g_main_context_release(main);
	assert_true(n <= 3);
}

/* A write to one member's socket runs that member, and only it. */
static void test_ready_socket_runs_one(void **state)
{
	struct tz_ctxhub_stats a, b;

	(void)state;
	for (int k = 0; k < MEMBERS; k += 37) {
		tz_ctxhub_get_stats(&a);
		assert_int_equal(write(mems[k].sv[1], "x", 1), 1);
		run_until(&mems[k].reads);
		tz_ctxhub_get_stats(&b);
		assert_int_equal(mems[k].reads, 1);
		assert_int_equal(b.runs - a.runs, 1);
		assert_int_equal(b.by_fd - a.by_fd, 1);
		assert_int_equal(b.by_timer - a.by_timer, 0);
		mems[k].reads = 0;
	}
	for (int i = 0; i < MEMBERS; i++)
		assert_int_equal(mems[i].timers, 0);
}

/* A timer due in one member runs that member by the heap, and only it. */
static void test_due_timer_runs_one(void **state)
{
	struct tz_ctxhub_stats a, b;
	struct mem *x = &mems[123];

	(void)state;
	tz_ctxhub_get_stats(&a);
	add_timer(x, 30);
	tz_ctxhub_touch(x->m);
	run_until(&x->timers);
	tz_ctxhub_get_stats(&b);
	assert_int_equal(x->timers, 1);
	assert_int_equal(b.runs - a.runs, 1);
	assert_int_equal(b.by_timer - a.by_timer, 1);
	for (int i = 0; i < MEMBERS; i++)
		assert_int_equal(mems[i].reads, 0);
	x->timers = 0;
}

static void peek(int fd, void *arg)
{
	char c;

	(void)arg;
	if (recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 1 && c == 'p')
		peeked++;
}

/* A peek hook sees the datagram before the member's source reads it. */
static void test_peek_before_dispatch(void **state)
{
	struct mem *x = &mems[7];

	(void)state;
	assert_int_equal(tz_ctxhub_peek_add(x->sv[0], peek, NULL), 0);
	assert_int_equal(write(x->sv[1], "p", 1), 1);
	run_until(&x->reads);
	assert_int_equal(peeked, 1);
	tz_ctxhub_peek_del(x->sv[0]);
	x->reads = 0;
}

/* A member removed from inside its own dispatch: its socket is forgotten. */
static void test_remove_inside_dispatch(void **state)
{
	struct tz_ctxhub_stats st;
	struct mem *x = &mems[250];

	(void)state;
	x->remove_on_read = true;
	assert_int_equal(write(x->sv[1], "x", 1), 1);
	run_until(&x->reads);
	assert_null(x->m);
	tz_ctxhub_get_stats(&st);
	assert_int_equal(st.members, MEMBERS - 1);
	assert_int_equal(st.fds, MEMBERS - 1);
	/* later writes to it run nothing */
	assert_int_equal(write(x->sv[1], "x", 1), 1);
	assert_int_equal(write(mems[251].sv[1], "x", 1), 1);
	run_until(&mems[251].reads);
	assert_int_equal(x->reads, 1);
	mems[251].reads = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_main_context_is_small),
		cmocka_unit_test(test_ready_socket_runs_one),
		cmocka_unit_test(test_due_timer_runs_one),
		cmocka_unit_test(test_peek_before_dispatch),
		cmocka_unit_test(test_remove_inside_dispatch),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
