/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the workers and the stage share (tz_svc.h): the rings, indexed by
 * worker then stage core, and the counters the workers keep for each stage
 * core (one writer each).  Set before the workers start, read-only while
 * they run.
 */
#ifndef TZ_SVC_PVT_H
#define TZ_SVC_PVT_H

#include <rte_common.h>
#include <rte_ring.h>

#include "tz_dp.h"
#include "tz_svc.h"

/* Bytes in front of the RTP of a packet on a hand-off or inject ring. */
#define TZ_SVC_HDR ((uint16_t)sizeof(struct tz_dp_flow_key))

struct tz_svc_wcnt {
	uint64_t cnt[TZ_SVC_MAX_CORES][TZ_SVC_C_COUNT];
} __rte_cache_aligned;

struct tz_svc_shared {
	uint16_t n_cores;                         /* 0: the stage is off */
	struct rte_ring *to_stage[TZ_DP_MAX_WORKERS][TZ_SVC_MAX_CORES];
	struct rte_ring *inject[TZ_DP_MAX_WORKERS][TZ_SVC_MAX_CORES];
	struct tz_svc_wcnt w[TZ_DP_MAX_WORKERS];  /* written by worker [i] */
};

extern struct tz_svc_shared tz_svc_sh;

/* For tests: set the stage up without launching its lcores (tz_svc_stop()
 * undoes it), and run one round of core @p core on the calling thread. */
int tz_svc_inline_start(const struct tz_svc_conf *c);
unsigned tz_svc_inline_round(unsigned core);

#endif /* TZ_SVC_PVT_H */
