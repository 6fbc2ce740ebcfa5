/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A pool of the hub's per-call GMainContexts (ctxhub_pool.c).
 *
 * GLib keeps every live GMainContext in one global list: creating one and
 * dropping the last reference each walk it, so a call's set-up and free cost
 * grew with the calls held.  A call's context is leased from the pool and
 * given back once its last user (the libnice agent: a weak reference) is
 * gone; before it is leased again, every source attached while it was leased
 * is destroyed (counted as a leftover: a clean call leaves none), so the
 * next call finds no source, descriptor or timer of the previous one.
 *
 * Bound: at most tz_ctxpool_set_max() contexts wait in the pool (default
 * TZ_CTXPOOL_MAX_DEFAULT); beyond that a returned context is unreferenced.
 *
 * Threading: the main context's thread only.
 */
#ifndef TZ_CTXHUB_POOL_H
#define TZ_CTXHUB_POOL_H

#include <stdint.h>

#include <glib-object.h>
#include <glib.h>

#define TZ_CTXPOOL_MAX_DEFAULT 1024

struct tz_ctxpool_lease;

/** Pool counters, for `show loop`. */
struct tz_ctxpool_stats {
	uint64_t made;        /**< contexts created (pool empty) */
	uint64_t reused;      /**< leases served from the pool */
	uint64_t leftovers;   /**< sources of a previous lease destroyed before reuse */
	uint64_t scanned;     /**< source ids looked up for leftovers */
	uint64_t dropped;     /**< returned contexts unreferenced (pool full, id wrap) */
	uint32_t pooled;      /**< contexts waiting in the pool now */
	uint32_t leased;      /**< contexts leased now */
	uint32_t max;         /**< bound on pooled */
};

/**
 * Lease a context with no source of any earlier lease.  The caller owns
 * the returned reference through @p lease until tz_ctxpool_put().
 * @return the context, or NULL (memory).
 */
GMainContext *tz_ctxpool_get(struct tz_ctxpool_lease **lease);

/** The lease's context (its reference, not a new one). */
GMainContext *tz_ctxpool_context(const struct tz_ctxpool_lease *lease);

/**
 * Give @p lease back.  Nothing may run the context any more (the hub's
 * member removed).  With @p last_user non-NULL, the context goes back only
 * once that object is finalized (a weak reference); NULL: now.
 * NULL lease: nothing.
 */
void tz_ctxpool_put(struct tz_ctxpool_lease *lease, GObject *last_user);

/** Bound the contexts kept; the excess is unreferenced now. */
void tz_ctxpool_set_max(uint32_t max);

/** Unreference every pooled context (shutdown, tests). */
void tz_ctxpool_drain(void);

/** Counters. */
void tz_ctxpool_get_stats(struct tz_ctxpool_stats *st);

#endif /* TZ_CTXHUB_POOL_H */
