/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-call GMainContexts, dispatched by readiness (ctxhub.c).
 *
 * A GLib main loop walks every source attached to its context on every
 * iteration (prepare, query, check).  With a libnice agent per call, each
 * holding sockets and timers, that walk is O(calls) per iteration.  The hub
 * lets each call keep its sources in a context of its own that the main loop
 * never walks: the hub keeps one epoll registration per descriptor of those
 * contexts and a heap of their next timeouts, and from a single source of
 * the main context runs only the contexts whose descriptor is ready or whose
 * timer is due (prepare, query, check, dispatch: a few sources), then reads
 * their descriptors and timeout again.
 *
 * Code outside a member's dispatch that may add or change the member's
 * sources (a libnice call from the main context) calls tz_ctxhub_touch():
 * the member is synced before the main loop's next poll.
 *
 * Threading: the main context's thread only.
 */
#ifndef TZ_CTXHUB_H
#define TZ_CTXHUB_H

#include <stdint.h>

#include <glib.h>

struct tz_ctxhub_member;

/** What the hub has done, for `show process`. */
struct tz_ctxhub_stats {
	uint64_t dispatches;  /**< hub source dispatches (main loop iterations that ran members) */
	uint64_t runs;        /**< member contexts run (one prepare/check/dispatch) */
	uint64_t by_fd;       /**< ... of them because a descriptor was ready */
	uint64_t by_timer;    /**< ... of them because their timeout was due */
	uint64_t syncs;       /**< members' descriptors and timeout read again */
	uint64_t ctl;         /**< epoll_ctl calls */
	uint64_t errors;      /**< epoll_ctl failures, descriptor tables that would not grow */
	uint32_t members;     /**< contexts held now */
	uint32_t fds;         /**< descriptors registered now */
};

/**
 * Attach the hub's one source to @p main (its epoll descriptor and the
 * timer heap's earliest deadline).  Once.
 * @return 0 or -errno (epoll_create1, -EALREADY).
 */
int tz_ctxhub_install(GMainContext *main);

/** Detach the hub (members must be gone). */
void tz_ctxhub_uninstall(void);

/** Whether tz_ctxhub_install() succeeded. */
gboolean tz_ctxhub_active(void);

/**
 * Take @p ctx (a new, empty context; the hub keeps a reference until
 * tz_ctxhub_remove()) into the hub: from now on its sources are dispatched
 * by the hub.  @return the member, or NULL (not installed, memory).
 */
struct tz_ctxhub_member *tz_ctxhub_add(GMainContext *ctx);

/** @p m's sources may have changed outside its dispatch: sync it before the
 *  next poll.  NULL: nothing. */
void tz_ctxhub_touch(struct tz_ctxhub_member *m);

/**
 * Stop dispatching @p m; its descriptors are forgotten now (call before
 * they are closed), its context released once no run holds it.  Safe from
 * inside the member's own dispatch.  NULL: nothing.
 */
void tz_ctxhub_remove(struct tz_ctxhub_member *m);

/** Called with a member's descriptor readable, before the member runs. */
typedef void (*tz_ctxhub_peek_fn)(int fd, void *arg);

/** Call @p fn(@p fd, @p arg) whenever @p fd (a member's) is reported readable,
 *  before its context runs, until tz_ctxhub_peek_del().  @return 0, -EINVAL,
 *  -ENOMEM, -ENOTSUP (not installed). */
int tz_ctxhub_peek_add(int fd, void (*fn)(int fd, void *arg), void *arg);

/** Remove @p fd's peek hook. */
void tz_ctxhub_peek_del(int fd);

/** Counters; zero when not installed. */
void tz_ctxhub_get_stats(struct tz_ctxhub_stats *st);

#endif /* TZ_CTXHUB_H */
