/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pool of per-call contexts (ctrlplane/daemon/ctxhub_pool.c): the second
 * call is served the first call's context without a new one, and carries
 * nothing of it (sources, descriptors, timers: destroyed and counted); a
 * context given back with a last user waits for that object's finalization;
 * a clean call leaves nothing to destroy; the pool is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <glib-object.h>
#include <glib-unix.h>
#include <glib.h>

#include "ctxhub_pool.h"

static gboolean never(gpointer data)
{
	(void)data;
	fail_msg("a source of an earlier lease ran");
	return G_SOURCE_REMOVE;
}

static gboolean never_fd(gint fd, GIOCondition cond, gpointer data)
{
	(void)fd;
	(void)cond;
	return never(data);
}

static guint attach(GMainContext *ctx, GSource *s, GSourceFunc fn)
{
	guint id;

	g_source_set_callback(s, fn, NULL, NULL);
	id = g_source_attach(s, ctx);
	g_source_unref(s);
	return id;
}

static int wake_fd = -1;  /* the context's own wake-up: not the call's */

/* What @p ctx polls after a prepare: descriptors (other than its wake-up)
 * into @p fds, the count; @p timeout; whether a source is ready. */
static gint polled(GMainContext *ctx, int *fds, gint *timeout, gboolean *ready)
{
	GPollFD p[16];
	gint prio, n, k = 0;

	assert_true(g_main_context_acquire(ctx));
	*ready = g_main_context_prepare(ctx, &prio);
	n = g_main_context_query(ctx, G_MAXINT, timeout, p, 16);
	g_main_context_release(ctx);
	if (wake_fd < 0 && n == 1)
		wake_fd = p[0].fd;       /* an empty context polls its wake-up only */
	for (gint i = 0; i < n; i++)
		if (p[i].fd != wake_fd)
			fds[k++] = p[i].fd;
	return k;
}

static void test_second_call_reuses_a_clean_context(void **state)
{
	struct tz_ctxpool_lease *l1, *l2;
	struct tz_ctxpool_stats st;
	GMainContext *c1, *c2;
	int sv[2], fds[16];
	guint ids[3];
	gint timeout;
	gboolean ready;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	c1 = tz_ctxpool_get(&l1);
	assert_non_null(c1);
	assert_int_equal(polled(c1, fds, &timeout, &ready), 0);
	/* the first call: a timer, a watch on a readable socket, an idle */
	ids[0] = attach(c1, g_timeout_source_new(5), never);
	ids[1] = attach(c1, g_unix_fd_source_new(sv[0], G_IO_IN),
			(GSourceFunc)(void (*)(void))never_fd);
	ids[2] = attach(c1, g_idle_source_new(), never);
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(polled(c1, fds, &timeout, &ready), 1);
	assert_int_equal(fds[0], sv[0]);
	tz_ctxpool_put(l1, NULL);

	c2 = tz_ctxpool_get(&l2);
	tz_ctxpool_get_stats(&st);
	assert_ptr_equal(c2, c1);                /* no new context */
	assert_int_equal(st.made, 1);
	assert_int_equal(st.reused, 1);
	assert_int_equal(st.leftovers, 3);
	for (int i = 0; i < 3; i++)
		assert_null(g_main_context_find_source_by_id(c2, ids[i]));
	/* nothing polled but the wake-up, no timeout, nothing ready */
	assert_int_equal(polled(c2, fds, &timeout, &ready), 0);
	assert_int_equal(timeout, -1);
	assert_false(ready);
	assert_false(g_main_context_iteration(c2, FALSE));

	/* a clean call: its sources gone before it ends, nothing to destroy */
	ids[0] = attach(c2, g_timeout_source_new(5), never);
	g_source_destroy(g_main_context_find_source_by_id(c2, ids[0]));
	tz_ctxpool_put(l2, NULL);
	assert_ptr_equal(tz_ctxpool_get(&l1), c1);
	tz_ctxpool_get_stats(&st);
	assert_int_equal(st.leftovers, 3);
	assert_int_equal(st.made, 1);
	tz_ctxpool_put(l1, NULL);
	tz_ctxpool_drain();
	close(sv[0]);
	close(sv[1]);
}

static void test_back_only_once_the_last_user_is_finalized(void **state)
{
	struct tz_ctxpool_lease *l;
	struct tz_ctxpool_stats st;
	GObject *agent = g_object_new(G_TYPE_OBJECT, NULL);

	(void)state;
	tz_ctxpool_get(&l);
	tz_ctxpool_put(l, agent);
	tz_ctxpool_get_stats(&st);
	assert_int_equal(st.pooled, 0);
	assert_int_equal(st.leased, 1);
	g_object_unref(agent);
	tz_ctxpool_get_stats(&st);
	assert_int_equal(st.pooled, 1);
	assert_int_equal(st.leased, 0);
	tz_ctxpool_drain();
}

static void test_bounded(void **state)
{
	struct tz_ctxpool_lease *l[3];
	struct tz_ctxpool_stats st, st0;

	(void)state;
	tz_ctxpool_get_stats(&st0);
	tz_ctxpool_set_max(2);
	for (int i = 0; i < 3; i++)
		tz_ctxpool_get(&l[i]);
	for (int i = 0; i < 3; i++)
		tz_ctxpool_put(l[i], NULL);
	tz_ctxpool_get_stats(&st);
	assert_int_equal(st.pooled, 2);
	assert_int_equal(st.dropped - st0.dropped, 1);
	tz_ctxpool_set_max(1);
	tz_ctxpool_get_stats(&st);
	assert_int_equal(st.pooled, 1);
	tz_ctxpool_drain();
	tz_ctxpool_set_max(TZ_CTXPOOL_MAX_DEFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_second_call_reuses_a_clean_context),
		cmocka_unit_test(test_back_only_once_the_last_user_is_finalized),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
