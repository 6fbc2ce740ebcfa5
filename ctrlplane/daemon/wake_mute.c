/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * write() as the daemon's libraries see it: GLib's useless wake-up signals
 * skipped.
 *
 * GLib (2.74) writes a context's wake-up eventfd whenever a descriptor is
 * added to or removed from its poll set: also on the thread that runs the
 * context, and also when it blocks and unblocks each source it dispatches.
 * perf counted ~144 such write()s per call set-up on the control thread:
 *
 *  - to the wake-up of a per-call context run by the context hub
 *    (ctxhub.c): the hub never watches that descriptor and never reads it,
 *    it learns of changes from tz_ctxhub_touch().  Every write is useless.
 *  - to the control loop's own wake-up, from the control thread, after its
 *    poll returned (check and dispatch steps): the loop drains the wake-up
 *    before the next iteration (wakeup.c), so the signal is read and
 *    dropped unseen.  Skipping it changes nothing; a write from another
 *    thread, or before the poll, is still done.  And the drain itself
 *    skips its read() when no write reached the wake-up since the last one
 *    (tz_wake_mute_loop_unwritten(): counted here).
 *
 * The executable's definition comes first in the dynamic linker's search
 * order, so GLib calls this one (as for close(), close_hook.c).  The table
 * is a byte per descriptor, read without a lock from any thread.
 */
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wake_mute.h"

enum { MUTE_NONE, MUTE_MEMBER, MUTE_LOOP };

static uint8_t mute[TZ_WAKE_MUTE_FDS];
static __thread bool after_poll;
static uint64_t n_member, n_loop, n_unread;
static uint64_t loop_written;             /* real writes to the loop's wake-up */
static uint64_t loop_seen = UINT64_MAX;   /* loop_written at the last drain */

static void set(int fd, uint8_t how)
{
	if (fd >= 0 && fd < TZ_WAKE_MUTE_FDS)
		__atomic_store_n(&mute[fd], how, __ATOMIC_RELAXED);
}

void tz_wake_mute_member(int fd)
{
	set(fd, MUTE_MEMBER);
}

void tz_wake_mute_loop(int fd)
{
	loop_seen = UINT64_MAX;
	set(fd, MUTE_LOOP);
}

bool tz_wake_mute_loop_unwritten(int fd)
{
	uint64_t n;

	if (fd < 0 || fd >= TZ_WAKE_MUTE_FDS ||
	    __atomic_load_n(&mute[fd], __ATOMIC_RELAXED) != MUTE_LOOP)
		return false;
	n = __atomic_load_n(&loop_written, __ATOMIC_ACQUIRE);
	if (n == loop_seen) {
		n_unread++;
		return true;
	}
	loop_seen = n;
	return false;
}

void tz_wake_unmute(int fd)
{
	set(fd, MUTE_NONE);
}

void tz_wake_mute_polled(void)
{
	after_poll = true;
}

void tz_wake_mute_rearm(void)
{
	after_poll = false;
}

void tz_wake_mute_get_stats(struct tz_wake_mute_stats *st)
{
	st->member = __atomic_load_n(&n_member, __ATOMIC_RELAXED);
	st->loop = __atomic_load_n(&n_loop, __ATOMIC_RELAXED);
	st->unread = n_unread;
}

static bool skip(int fd)
{
	uint8_t how = __atomic_load_n(&mute[fd], __ATOMIC_RELAXED);

	if (how == MUTE_MEMBER) {
		__atomic_fetch_add(&n_member, 1, __ATOMIC_RELAXED);
		return true;
	}
	if (how == MUTE_LOOP) {
		if (after_poll) {
			__atomic_fetch_add(&n_loop, 1, __ATOMIC_RELAXED);
			return true;
		}
		/* counted before it is written: a drain that sees the old count
		 * leaves this signal to wake the poll */
		__atomic_fetch_add(&loop_written, 1, __ATOMIC_RELEASE);
	}
	return false;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	if (n == sizeof(uint64_t) && fd >= 0 && fd < TZ_WAKE_MUTE_FDS && skip(fd))
		return (ssize_t)n;
	return (ssize_t)syscall(SYS_write, fd, buf, n);
}
