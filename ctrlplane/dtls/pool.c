/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handshake pool: DTLS handshakes (ECDHE, ECDSA signing and verifying:
 * the costliest part of a call set-up) run on worker threads so the control
 * thread's GLib loop only moves datagrams.  A job is one context's pending
 * OpenSSL work (dtls.c: tz_dtls_job_run); when it ends, its completion
 * (tz_dtls_job_done) is invoked on the context's main context.  A context
 * has at most one job at a time (d->busy), so its SSL object is only ever
 * used by one thread.  in_flight counts jobs whose completion has not run,
 * so tz_dtls_pool_stop() can run the last ones before returning.
 */
#include <errno.h>

#include <glib.h>

#include "dtls_pvt.h"
#include "tz_log.h"

#define POOL_THREADS_MAX 256
#define STOP_WAIT_ROUNDS 5000	/* idle rounds of 1 ms tz_dtls_pool_stop() waits */

static GThreadPool *pool;
static unsigned int pool_threads;
static gint in_flight;

static gboolean completion(gpointer data)
{
	struct tz_dtls *d = data;

	g_atomic_int_dec_and_test(&in_flight);
	tz_dtls_job_done(d);
	return G_SOURCE_REMOVE;
}

static void job(gpointer data, gpointer unused)
{
	struct tz_dtls *d = data;
	GMainContext *ctx = d->main_ctx;

	(void)unused;
	tz_dtls_job_run(d);
	/* d is the control thread's again once its completion runs. */
	g_main_context_invoke(ctx, completion, d);
}

bool tz_dtls_pool_active(void)
{
	return pool != NULL;
}

unsigned int tz_dtls_pool_threads(void)
{
	return g_atomic_pointer_get(&pool) != NULL ? pool_threads : 0;
}

unsigned int tz_dtls_pool_in_flight(void)
{
	return (unsigned int)g_atomic_int_get(&in_flight);
}

int tz_dtls_pool_submit(struct tz_dtls *d)
{
	GError *err = NULL;

	if (pool == NULL)
		return -ENODEV;
	g_atomic_int_inc(&in_flight);
	if (!g_thread_pool_push(pool, d, &err)) {
		g_atomic_int_dec_and_test(&in_flight);
		TZ_LOG(CP_DTLS, WARNING, "DTLS pool: %s; handshake step runs inline",
		       err != NULL ? err->message : "push failed");
		g_clear_error(&err);
		return -EAGAIN;
	}
	return 0;
}

int tz_dtls_pool_start(unsigned int nb_threads)
{
	GError *err = NULL;

	if (pool != NULL)
		return -EALREADY;
	if (nb_threads > POOL_THREADS_MAX)
		return -EINVAL;
	if (nb_threads == 0)
		return 0;
	pool = g_thread_pool_new(job, NULL, (gint)nb_threads, TRUE, &err);
	if (pool == NULL) {
		TZ_LOG(CP_DTLS, ERR, "DTLS pool: cannot start %u threads: %s", nb_threads,
		       err != NULL ? err->message : "?");
		g_clear_error(&err);
		return -EAGAIN;
	}
	pool_threads = nb_threads;
	TZ_LOG(CP_DTLS, INFO, "DTLS handshakes on a pool of %u thread%s", nb_threads,
	       nb_threads == 1 ? "" : "s");
	return 0;
}

void tz_dtls_pool_stop(void)
{
	GMainContext *ctx = g_main_context_ref_thread_default();

	if (pool == NULL)
		goto out;
	g_thread_pool_free(pool, FALSE, TRUE);	/* runs what is queued, joins */
	pool = NULL;
	pool_threads = 0;
	/* Every completion is an idle source on its context by now; those of
	 * another context (not ours to run) are left after a bounded wait. */
	for (unsigned int i = 0; g_atomic_int_get(&in_flight) > 0 && i < STOP_WAIT_ROUNDS; i++)
		if (!g_main_context_iteration(ctx, FALSE))
			g_usleep(1000);
	if (g_atomic_int_get(&in_flight) > 0)
		TZ_LOG(CP_DTLS, WARNING, "DTLS pool: %d completions left on another main context",
		       g_atomic_int_get(&in_flight));
out:
	g_main_context_unref(ctx);
}
