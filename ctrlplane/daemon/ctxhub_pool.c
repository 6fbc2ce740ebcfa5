/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A pool of the hub's per-call GMainContexts (see ctxhub_pool.h).
 *
 * What a lease attached is found by source id: GLib numbers a context's
 * sources from a counter of its own (g_source_attach: next_id++, skipping
 * ids in use), so a probe source attached when the lease starts and another
 * when the context is leased again bound the ids attached in between; each
 * of them still found by g_main_context_find_source_by_id() is a leftover
 * and destroyed (its descriptors and timers go with it).  The scan costs one
 * hash lookup per source the lease attached; a context whose range is too
 * wide (or wrapped) is dropped instead, as before the pool.
 */
#include <stdlib.h>

#include "ctxhub_pool.h"

#define SCAN_MAX 65536u  /* ids scanned before a context is dropped instead */

struct tz_ctxpool_lease {
	GMainContext *ctx;
	guint first_id;     /* the probe's id when the lease started */
};

static struct {
	GPtrArray *free;    /* leases waiting, last in first out */
	struct tz_ctxpool_stats st;
} pool = { .st.max = TZ_CTXPOOL_MAX_DEFAULT };

/* The id the next source attached to @p ctx would get, minus one. */
static guint probe_id(GMainContext *ctx)
{
	GSource *s = g_idle_source_new();
	guint id = g_source_attach(s, ctx);

	g_source_destroy(s);
	g_source_unref(s);
	return id;
}

static void lease_drop(struct tz_ctxpool_lease *l)
{
	g_main_context_unref(l->ctx);
	g_free(l);
}

/* Destroy what the previous lease left attached; false: drop the context. */
static gboolean clean(struct tz_ctxpool_lease *l)
{
	guint last = probe_id(l->ctx);

	if (last <= l->first_id || last - l->first_id > SCAN_MAX)
		return FALSE;
	pool.st.scanned += last - l->first_id - 1;
	for (guint id = l->first_id + 1; id < last; id++) {
		GSource *s = g_main_context_find_source_by_id(l->ctx, id);

		if (s != NULL) {
			g_source_destroy(s);
			pool.st.leftovers++;
		}
	}
	l->first_id = last;
	return TRUE;
}

static struct tz_ctxpool_lease *pop_clean(void)
{
	while (pool.free != NULL && pool.free->len > 0) {
		struct tz_ctxpool_lease *l = g_ptr_array_steal_index_fast(pool.free,
									  pool.free->len - 1);

		pool.st.pooled--;
		if (clean(l))
			return l;
		pool.st.dropped++;
		lease_drop(l);
	}
	return NULL;
}

GMainContext *tz_ctxpool_get(struct tz_ctxpool_lease **lease)
{
	struct tz_ctxpool_lease *l = pop_clean();

	if (l != NULL) {
		pool.st.reused++;
	} else {
		l = g_new0(struct tz_ctxpool_lease, 1);
		l->ctx = g_main_context_new();
		l->first_id = probe_id(l->ctx);
		pool.st.made++;
	}
	pool.st.leased++;
	*lease = l;
	return l->ctx;
}

GMainContext *tz_ctxpool_context(const struct tz_ctxpool_lease *lease)
{
	return lease->ctx;
}

static void put_now(struct tz_ctxpool_lease *l)
{
	pool.st.leased--;
	if (pool.st.pooled >= pool.st.max) {
		pool.st.dropped++;
		lease_drop(l);
		return;
	}
	if (pool.free == NULL)
		pool.free = g_ptr_array_new();
	g_ptr_array_add(pool.free, l);
	pool.st.pooled++;
}

static void user_gone(gpointer data, GObject *where_the_object_was)
{
	(void)where_the_object_was;
	put_now(data);
}

void tz_ctxpool_put(struct tz_ctxpool_lease *lease, GObject *last_user)
{
	if (lease == NULL)
		return;
	if (last_user != NULL)
		g_object_weak_ref(last_user, user_gone, lease);
	else
		put_now(lease);
}

static void trim(uint32_t keep)
{
	while (pool.free != NULL && pool.free->len > keep) {
		lease_drop(g_ptr_array_steal_index_fast(pool.free, 0));
		pool.st.pooled--;
	}
}

void tz_ctxpool_set_max(uint32_t max)
{
	pool.st.max = max;
	trim(max);
}

void tz_ctxpool_drain(void)
{
	trim(0);
	if (pool.free != NULL)
		g_ptr_array_unref(pool.free);
	pool.free = NULL;
}

void tz_ctxpool_get_stats(struct tz_ctxpool_stats *st)
{
	*st = pool.st;
}
