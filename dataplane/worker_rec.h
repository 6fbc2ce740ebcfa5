/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's side of call recording (api/tz_rec_tap.h), kept out of
 * worker.c: a flow that is not recorded costs one test of a field the
 * worker has loaded anyway (the entry's second cache line); a recorded
 * flow's packet is copied out of line.
 */
#ifndef TZ_WORKER_REC_H
#define TZ_WORKER_REC_H

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "tz_rec_tap.h"
#include "tz_session.h"

/* Copy the plain RTP packet @p m of flow @p f into @p tap if @p f is recorded. */
static inline void rec_tap(struct tz_rec_tap *tap, const struct tz_dp_flow *f,
			   const struct rte_mbuf *m, uint64_t now)
{
	if (likely(f->rec == 0) || unlikely(tap == NULL))
		return;
	tz_rec_tap_copy(tap, f->rec, f->rec_dir, now, m);
}

#endif /* TZ_WORKER_REC_H */
