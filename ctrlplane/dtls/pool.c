/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handshake pool: DTLS handshakes (ECDHE, ECDSA signing and verifying:
 * the costliest part of a call set-up) run on worker threads so the control
 * thread's GLib loop only moves datagrams.  A job is one context's pending
 * OpenSSL work (dtls.c: tz_dtls_job_run); when it ends, its completion
 * (tz_dtls_job_done) is an idle source on the context's main context.  A context
 * has at most one job at a time (d->busy), so its SSL object is only ever
 * used by one thread.  in_flight counts jobs whose completion has not run,
 * so tz_dtls_pool_stop() can run the last ones before returning.
 */
#include <errno.h>
#include <stdio.h>

#include <glib.h>
#include <openssl/crypto.h>

#include "dtls_pvt.h"
#include "tz_log.h"

#define POOL_THREADS_MAX 256
#define STOP_WAIT_ROUNDS 5000	/* idle rounds of 1 ms tz_dtls_pool_stop() waits */

static GAsyncQueue *jobs;	/* struct tz_dtls *, or &stop_job */
static GThread **threads;
static unsigned int pool_threads;
static gint in_flight;
static int stop_job;		/* its address tells a thread to exit */

static gboolean completion(gpointer data)
{
	struct tz_dtls *d = data;

	g_atomic_int_dec_and_test(&in_flight);
	tz_dtls_job_done(d);
	return G_SOURCE_REMOVE;
}

static gpointer pool_thread(gpointer unused)
{
	(void)unused;
	for (;;) {
		gpointer j = g_async_queue_pop(jobs);
		struct tz_dtls *d = j;
		GMainContext *ctx;
		GSource *src;

		if (j == &stop_job)
			break;
		ctx = d->main_ctx;
		tz_dtls_job_run(d);
		/* d is the control thread's again once its completion runs, from
		 * that thread's loop.  Not g_main_context_invoke(): it runs the
		 * function right here when this thread can acquire the context
		 * (it is the global default and the loop is not polling). */
		src = g_idle_source_new();
		g_source_set_priority(src, G_PRIORITY_DEFAULT);
		g_source_set_callback(src, completion, d, NULL);
		g_source_attach(src, ctx);
		g_source_unref(src);
	}
	OPENSSL_thread_stop();	/* this thread's DRBGs and error queue */
	return NULL;
}

bool tz_dtls_pool_active(void)
{
	return jobs != NULL;
}

unsigned int tz_dtls_pool_threads(void)
{
	return g_atomic_pointer_get(&jobs) != NULL ? pool_threads : 0;
}

unsigned int tz_dtls_pool_in_flight(void)
{
	return (unsigned int)g_atomic_int_get(&in_flight);
}

int tz_dtls_pool_submit(struct tz_dtls *d)
{
	if (jobs == NULL)
		return -ENODEV;
	g_atomic_int_inc(&in_flight);
	g_async_queue_push(jobs, d);
	return 0;
}

int tz_dtls_pool_start(unsigned int nb_threads)
{
	GError *err = NULL;

	if (jobs != NULL)
		return -EALREADY;
	if (nb_threads > POOL_THREADS_MAX)
		return -EINVAL;
	if (nb_threads == 0)
		return 0;
	jobs = g_async_queue_new();
	threads = g_new0(GThread *, nb_threads);
	for (pool_threads = 0; pool_threads < nb_threads; pool_threads++) {
		char name[24];

		snprintf(name, sizeof(name), "tz-dtls-%u", pool_threads);
		threads[pool_threads] = g_thread_try_new(name, pool_thread, NULL, &err);
		if (threads[pool_threads] == NULL) {
			TZ_LOG(CP_DTLS, ERR, "DTLS pool: cannot start thread %u: %s",
			       pool_threads, err != NULL ? err->message : "?");
			g_clear_error(&err);
			tz_dtls_pool_stop();
			return -EAGAIN;
		}
	}
	TZ_LOG(CP_DTLS, INFO, "DTLS handshakes on a pool of %u thread%s", nb_threads,
	       nb_threads == 1 ? "" : "s");
	return 0;
}

void tz_dtls_pool_stop(void)
{
	GMainContext *ctx = g_main_context_ref_thread_default();
	GAsyncQueue *q = jobs;

	if (q == NULL)
		goto out;
	/* The queue is FIFO: every job queued before runs first. */
	for (unsigned int i = 0; i < pool_threads; i++)
		g_async_queue_push(q, &stop_job);
	for (unsigned int i = 0; i < pool_threads; i++)
		g_thread_join(threads[i]);
	g_clear_pointer(&threads, g_free);
	pool_threads = 0;
	jobs = NULL;	/* from here, jobs run inline */
	g_async_queue_unref(q);
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
