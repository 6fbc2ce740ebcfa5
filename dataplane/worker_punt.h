/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's punt policer, kept out of worker.c (house limit): what may
 * go to the kernel per source and per worker.  Included by worker.c only.
 */
#ifndef TZ_WORKER_PUNT_H
#define TZ_WORKER_PUNT_H

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_meter.h>
#include <rte_random.h>

#include "fastpath_pvt.h"
#include "tz_dp.h"

/*
 * Punt policer.  A source address (what the worker sees; a spoofer can
 * vary it, which the worker-wide meter then catches) maps by a keyed hash
 * to a 2-way bucket; a new source takes the way used least recently, with
 * a full token bucket.  srTCM colour-blind with the packet as the unit
 * (length 1): CIR = packets/s, CBS = burst, EBS = 0 (green or red).
 */
#define PUNT_WAYS 2
#define PUNT_BUCKETS (TZ_DP_PUNT_SOURCES / PUNT_WAYS)
_Static_assert((PUNT_BUCKETS & (PUNT_BUCKETS - 1)) == 0, "buckets: a power of two");

struct punt_src {
	uint8_t addr[16];
	uint64_t last;                  /* TSC of its last punt */
	struct rte_meter_srtcm m;
};

struct punt_police {
	struct punt_src *src;           /* TZ_DP_PUNT_SOURCES, NULL = off */
	uint32_t seed;                  /* per worker, random: no aiming at a bucket */
	bool total_on;
	struct rte_meter_srtcm total;
	struct rte_meter_srtcm_profile src_prof;
	struct rte_meter_srtcm_profile total_prof;
};

/* Which drop counter the punt policer increments per class (0: not metered). */
static const uint8_t fp_class_drop[] = {
	[FP_STUN] = TZ_PC_PUNT_DROP_STUN,
	[FP_DTLS] = TZ_PC_PUNT_DROP_DTLS,
	[FP_UNKNOWN] = TZ_PC_PUNT_DROP_OTHER,
	[FP_MEDIA] = TZ_PC_PUNT_DROP_NO_SESSION,      /* media without a session */
};

/* The meter of source @p a: its own, or the least recently used way of its
 * bucket, reset to a full bucket. */
static inline struct rte_meter_srtcm *punt_src_meter(struct punt_police *p, const uint8_t a[16],
						     uint64_t now)
{
	struct punt_src *b = &p->src[PUNT_WAYS * (rte_hash_crc(a, 16, p->seed) & (PUNT_BUCKETS - 1))];
	struct punt_src *e;

	if (memcmp(b[0].addr, a, 16) == 0)
		e = &b[0];
	else if (memcmp(b[1].addr, a, 16) == 0)
		e = &b[1];
	else {
		e = b[0].last <= b[1].last ? &b[0] : &b[1];
		memcpy(e->addr, a, 16);
		rte_meter_srtcm_config(&e->m, &p->src_prof);
		/* config stamps the current TSC; the checks use the round's,
		 * which is older: an earlier stamp keeps time - m->time >= 0 */
		e->m.time = now;
	}
	e->last = now;
	return &e->m;
}

/* May a packet of class @p c from source @p a go to the kernel?  Counts the
 * drop by reason when not.  Punted packets only: media never gets here. */
static inline bool punt_allowed(struct punt_police *p, uint64_t now, uint64_t *cnt, enum fp_class c,
				const uint8_t a[16])
{
	if (p->src == NULL)
		return true;
	if (rte_meter_srtcm_color_blind_check(punt_src_meter(p, a, now), &p->src_prof, now, 1) ==
	    RTE_COLOR_RED) {
		cnt[fp_class_drop[c]]++;
		return false;
	}
	if (p->total_on && rte_meter_srtcm_color_blind_check(&p->total, &p->total_prof, now,
							     1) == RTE_COLOR_RED) {
		cnt[TZ_PC_PUNT_DROP_WORKER]++;
		return false;
	}
	return true;
}

/* The punt policer of a worker about to start (control thread). */
static int police_init(struct punt_police *p, const struct tz_dp_worker_conf *c)
{
	struct rte_meter_srtcm_params src = { .cir = c->punt_pps, .cbs = c->punt_burst };
	/* the worker's bucket: a quarter second of its rate, at least one source's burst */
	struct rte_meter_srtcm_params total = {
		.cir = c->punt_pps_total,
		.cbs = RTE_MAX(c->punt_pps_total / 4, c->punt_burst),
	};

	memset(p, 0, sizeof(*p));
	if (c->punt_pps == 0)
		return 0;
	if (rte_meter_srtcm_profile_config(&p->src_prof, &src) != 0)
		return -EINVAL;
	if (c->punt_pps_total != 0) {
		if (rte_meter_srtcm_profile_config(&p->total_prof, &total) != 0 ||
		    rte_meter_srtcm_config(&p->total, &p->total_prof) != 0)
			return -EINVAL;
		p->total_on = true;
	}
	p->seed = (uint32_t)rte_rand();
	p->src = rte_zmalloc_socket("tz_punt_src", sizeof(*p->src) * TZ_DP_PUNT_SOURCES,
				    RTE_CACHE_LINE_SIZE, (int)rte_lcore_to_socket_id(c->lcore));
	return p->src != NULL ? 0 : -ENOMEM;
}

#endif /* TZ_WORKER_PUNT_H */
