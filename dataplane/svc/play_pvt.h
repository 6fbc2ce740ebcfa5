/* SPDX-License-Identifier: BSD-3-Clause */
/* The stage's player jobs (play.c) as stage.c drives them. */
#ifndef TZ_SVC_PLAY_PVT_H
#define TZ_SVC_PLAY_PVT_H

#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;

/* play.c: per stage core; rings made at start, freed (jobs ended) at stop */
int tz_svc_play_setup(unsigned core);
void tz_svc_play_teardown(unsigned core);
/* One round of core @p core at @p now_us: commands, then packets due. */
unsigned tz_svc_play_round(unsigned core, uint64_t now_us, struct rte_mempool *pool,
			   uint64_t *cnt);

/* stage.c: send made packets (key-headed) to @p worker's inject ring */
void tz_svc_inject(unsigned core, unsigned worker, struct rte_mbuf **m, unsigned n);

#endif /* TZ_SVC_PLAY_PVT_H */
