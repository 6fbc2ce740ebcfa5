/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GLib's useless wake-up write()s, skipped (wake_mute.c).
 */
#ifndef TZ_WAKE_MUTE_H
#define TZ_WAKE_MUTE_H

#include <stdbool.h>
#include <stdint.h>

/** Descriptors above this are never muted. */
#define TZ_WAKE_MUTE_FDS 65536

struct tz_wake_mute_stats {
	uint64_t member;  /* writes skipped: a hub member's wake-up */
	uint64_t loop;    /* writes skipped: the control loop's own, after its poll */
	uint64_t unread;  /* drains without a read(): nothing written since the last */
};

/**
 * Skip every 8-byte write() to @p fd: the wake-up eventfd of a context the
 * hub runs by hand (never watched, never read).
 */
void tz_wake_mute_member(int fd);

/**
 * Skip the 8-byte write()s to @p fd (the control loop's wake-up) that the
 * loop's own thread does between its poll's return and the next
 * tz_wake_mute_rearm() (the drain before each iteration reads them anyway).
 */
void tz_wake_mute_loop(int fd);

/**
 * Whether no write() reached @p fd (the loop's wake-up, tz_wake_mute_loop())
 * since the last call that returned false: the drain can skip its read().
 * False for any other descriptor.  Call from the loop's thread.
 */
bool tz_wake_mute_loop_unwritten(int fd);

/** Write to @p fd again (before it is closed or the context is let go). */
void tz_wake_unmute(int fd);

/** The calling thread's poll returned (evpoll). */
void tz_wake_mute_polled(void);

/** The calling thread starts an iteration: its writes are real again. */
void tz_wake_mute_rearm(void);

void tz_wake_mute_get_stats(struct tz_wake_mute_stats *st);

#endif /* TZ_WAKE_MUTE_H */
