/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The recording tap (api/tz_rec_tap.h): a pool of fixed records and a ring,
 * both single-producer / single-consumer between one worker and the writer.
 * The pool has no per-lcore cache: the writer is not an EAL lcore, and a
 * cache would hide records from the worker.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "tz_rec_tap.h"

struct tz_rec_tap *tz_rec_tap_create(unsigned index, unsigned n, int socket)
{
	char name[RTE_RING_NAMESIZE];
	struct tz_rec_tap *t;

	if (n < 64) {
		errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("tz_rec_tap", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	snprintf(name, sizeof(name), "tz_rec_r%u", index);
	/* a ring of n slots holds n - 1: one more than the pool, so the ring never refuses */
	t->ring = rte_ring_create(name, rte_align32pow2(n + 1), socket,
				  RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "tz_rec_p%u", index);
	t->pool = rte_mempool_create(name, n, sizeof(struct tz_rec_pkt), 0, 0, NULL, NULL, NULL,
				     NULL, socket, RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
	if (t->ring == NULL || t->pool == NULL) {
		errno = rte_errno == EEXIST ? EEXIST : ENOMEM;
		tz_rec_tap_free(t);
		return NULL;
	}
	return t;
}

void tz_rec_tap_free(struct tz_rec_tap *t)
{
	if (t == NULL)
		return;
	rte_ring_free(t->ring);
	rte_mempool_free(t->pool);
	rte_free(t);
}

int tz_rec_tap_copy(struct tz_rec_tap *t, uint16_t slot, uint8_t dir, uint64_t tsc,
		    const struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct tz_rec_pkt *p;
	const void *src;
	void *obj;

	if (unlikely(len > TZ_REC_PKT_MAX || slot >= TZ_REC_SLOTS || dir > 1 ||
		     rte_mempool_get(t->pool, &obj) != 0))
		goto drop;
	p = obj;
	p->tsc = tsc;
	p->slot = slot;
	p->dir = dir;
	p->len = (uint16_t)len;
	src = rte_pktmbuf_read(m, 0, len, p->data);     /* copies a chained mbuf */
	if (likely(src != p->data))
		rte_memcpy(p->data, src, len);
	if (unlikely(rte_ring_sp_enqueue(t->ring, p) != 0)) {
		rte_mempool_put(t->pool, p);
		goto drop;
	}
	t->copied++;
	return 0;
drop:
	t->drops++;
	if (slot < TZ_REC_SLOTS && dir <= 1)
		t->slot_drops[slot][dir]++;
	return -ENOBUFS;
}

unsigned tz_rec_tap_drain(struct tz_rec_tap *t, struct tz_rec_pkt **out, unsigned n)
{
	return rte_ring_sc_dequeue_burst(t->ring, (void **)out, n, NULL);
}

void tz_rec_tap_release(struct tz_rec_tap *t, struct tz_rec_pkt **pkts, unsigned n)
{
	rte_mempool_put_bulk(t->pool, (void **)pkts, n);
}
