/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control loop's stale self-wake-ups, drained before each iteration
 * (wakeup.c).
 */
#ifndef TZ_WAKEUP_H
#define TZ_WAKEUP_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

/**
 * Find the wake-up eventfd of @p ctx.  Call from the thread that runs
 * @p ctx, before its loop runs.
 * @return 0, or -ENOENT (not found for certain: tz_wakeup_drain() does
 *         nothing), -ENOMEM.
 */
int tz_wakeup_find(GMainContext *ctx);

/** Drain the wake-up before an iteration (nothing when not found). */
void tz_wakeup_drain(void);

/** Stop draining (tests). */
void tz_wakeup_forget(void);

/** The wake-up descriptor found, or -1. */
int tz_wakeup_fd(void);

/** Drains done, and how many found a signal waiting. */
void tz_wakeup_get_stats(uint64_t *n_drains, uint64_t *n_drained);

#endif /* TZ_WAKEUP_H */
