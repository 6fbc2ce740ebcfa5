/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control loop's poll on epoll (evpoll.c).
 */
#ifndef TZ_EVPOLL_H
#define TZ_EVPOLL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#include <glib.h>

/** GLib poll events (G_IO_*) as epoll events: what to register. */
static inline uint32_t tz_evpoll_to_epoll(gushort e)
{
	return (e & G_IO_IN ? EPOLLIN : 0) | (e & G_IO_PRI ? EPOLLPRI : 0) |
	       (e & G_IO_OUT ? EPOLLOUT : 0);
}

/** epoll's reported events as GLib's revents. */
static inline gushort tz_evpoll_to_poll(uint32_t e)
{
	return (gushort)((e & EPOLLIN ? G_IO_IN : 0) | (e & EPOLLPRI ? G_IO_PRI : 0) |
			 (e & EPOLLOUT ? G_IO_OUT : 0) | (e & EPOLLERR ? G_IO_ERR : 0) |
			 (e & EPOLLHUP ? G_IO_HUP : 0));
}

/** What the epoll poll function has done, for `show process`. */
struct tz_evpoll_stats {
	uint64_t polls;      /**< poll calls (loop iterations that polled) */
	uint64_t adds;       /**< EPOLL_CTL_ADD */
	uint64_t mods;       /**< EPOLL_CTL_MOD after a descriptor's events changed */
	uint64_t dels;       /**< EPOLL_CTL_DEL of descriptors that left the loop */
	uint64_t reopened;   /**< descriptors closed and reused: registered again */
	uint64_t repaired;   /**< registrations the periodic re-check found missing */
	uint64_t errors;     /**< epoll_ctl failures (the descriptor is polled as
			      *   ready so its source sees the error itself) */
	uint32_t fds;        /**< descriptors registered now */
};

/**
 * Make @p ctx poll with epoll instead of poll(2).  Call once, from the thread
 * that runs @p ctx, before its loop runs.
 * @return 0, or -errno (epoll_create1 or memory): @p ctx keeps poll(2).
 */
int tz_evpoll_install(GMainContext *ctx);

/** The descriptor @p fd is being closed (any thread; async-signal-safe). */
void tz_evpoll_closed(int fd);

/** Called from the poll with the descriptor readable, before its source is
 *  dispatched: it may peek (MSG_PEEK), never read what the source expects. */
typedef void (*tz_evpoll_peek_fn)(int fd, void *arg);

/**
 * Call @p fn(@p fd, @p arg) from the poll whenever @p fd is reported
 * readable, until tz_evpoll_peek_del() or until @p fd is closed.  The
 * descriptor must be polled by some source for this to fire.  The loop's
 * thread.
 * @return 0, or -ENOTSUP (epoll not installed), -EINVAL, -ENOMEM.
 */
int tz_evpoll_peek_add(int fd, tz_evpoll_peek_fn fn, void *arg);

/** Remove @p fd's peek hook (none: nothing). The loop's thread. */
void tz_evpoll_peek_del(int fd);

/** Counters; zero when not installed.  The loop's thread. */
void tz_evpoll_get_stats(struct tz_evpoll_stats *st);

/** Whether tz_evpoll_install() succeeded. */
bool tz_evpoll_active(void);

#endif /* TZ_EVPOLL_H */
