/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the dataplane and its tests: one worker (index 0) run round by
 * round on the calling thread instead of on its own lcore, so a fuzz harness
 * can push one frame through the real per-packet path (classify, punt
 * policer, lookup, SRTP, PT/SSRC rewrite, egress) and look at the result
 * synchronously.  Not for the daemon.
 */
#ifndef TZ_WORKER_PVT_H
#define TZ_WORKER_PVT_H

#include "tz_dp.h"

/* Set worker 0 up from @p c (index 0) without launching it; registers the
 * calling thread as its RCU reader.  0, -EINVAL (workers running, bad conf),
 * -ENOMEM. */
int tz_dp_inline_start(const struct tz_dp_worker_conf *c);

/* One poll round of every rx queue of worker 0; packets moved. */
unsigned tz_dp_inline_round(void);

/* Undo tz_dp_inline_start(). */
void tz_dp_inline_stop(void);

#endif /* TZ_WORKER_PVT_H */
