/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench pipeline, warm mbufs.  The throughput run builds every
 * packet before the clock, so the worker meets each mbuf header for the
 * first time since it was written: from memory.  A NIC driver instead
 * refills its ring from the per-lcore mempool cache, the few hundred mbufs
 * freed last, warm.  This run keeps the same packets (the same bytes, built
 * the same way) but hands them over in mbufs recycled through the
 * generator's mempool cache: at most WARM_INFLIGHT waiting for the workers,
 * the data copied in by the generator during the run (so a worker reads it
 * from the other core's cache, as a NIC with DDIO leaves its writes in the
 * LLC).  Cold (the other run) and warm bracket a real port: what is left
 * between them is the harness's share of the figure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "fastpath_pvt.h"
#include "pipeline_pvt.h"

#define WARM_INFLIGHT 192       /* waiting in the input rings; the mempool cache holds 256 */
#define WARM_BURST 32

struct warm_pkts {
	uint8_t *data;          /* frame i at i * stride */
	uint16_t *len;
	uint32_t stride;
};

/* Copy the built frames out and give their mbufs back to the pool. */
static int warm_capture(const struct pipeline *pl, struct rte_mbuf **pkts, uint32_t n,
			struct warm_pkts *t)
{
	t->stride = RTE_ALIGN_CEIL((uint32_t)pl->o.size + FP_ETH_IP6_UDP + 32, RTE_CACHE_LINE_SIZE);
	t->data = aligned_alloc(RTE_CACHE_LINE_SIZE, (size_t)t->stride * n);
	t->len = malloc(sizeof(*t->len) * n);
	if (t->data == NULL || t->len == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		t->len[i] = rte_pktmbuf_data_len(pkts[i]);     /* one segment: built so */
		memcpy(t->data + (size_t)i * t->stride, rte_pktmbuf_mtod(pkts[i], void *), t->len[i]);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	return 0;
}

/* What the workers sent, back to the pool (the generator's cache). */
static uint32_t warm_drain(struct pipeline *pl)
{
	struct rte_mbuf *m[64];
	uint32_t done = 0;
	unsigned k;

	for (unsigned w = 0; w < pl->active; w++)
		for (int s = 0; s < SIDES; s++)
			while ((k = rte_ring_dequeue_burst(pl->out[w][s], (void **)m, 64, NULL)) > 0) {
				rte_pktmbuf_free_bulk(m, k);
				done += k;
			}
	return done;
}

static uint32_t warm_waiting(const struct pipeline *pl)
{
	uint32_t n = 0;

	for (unsigned w = 0; w < pl->active; w++)
		for (int s = 0; s < SIDES; s++)
			n += rte_ring_count(pl->in[w][s]);
	return n;
}

/* Frames [from, from + n) in fresh mbufs to their workers' input rings. */
static int warm_send(struct pipeline *pl, const struct warm_pkts *t, const uint8_t *worker,
		     const uint8_t *side, uint32_t from, uint16_t n)
{
	struct rte_mbuf *m[WARM_BURST];

	if (rte_pktmbuf_alloc_bulk(pl->mp, m, n) != 0)
		return -ENOBUFS;
	for (uint16_t j = 0; j < n; j++) {
		uint32_t i = from + j;
		void *d = rte_pktmbuf_append(m[j], t->len[i]);

		memcpy(d, t->data + (size_t)i * t->stride, t->len[i]);
		/* the ring takes it: never more than WARM_INFLIGHT waiting */
		rte_ring_enqueue(pl->in[worker[i]][side[i]], m[j]);
	}
	return 0;
}

int pipeline_run_warm(struct pipeline *pl, struct rte_mbuf **pkts, const uint8_t *worker,
		      const uint8_t *side, uint32_t n, double *ns)
{
	struct warm_pkts t = { 0 };
	double per_us = bench_tsc_per_us();
	uint32_t sent = 0, done = 0;
	uint64_t t0, deadline;
	int rc = warm_capture(pl, pkts, n, &t);

	if (rc == 0) {
		t0 = rte_rdtsc();
		deadline = t0 + (uint64_t)(per_us * 120e6);
		while (done < n && rte_rdtsc() < deadline) {
			done += warm_drain(pl);
			while (sent < n && warm_waiting(pl) + WARM_BURST <= WARM_INFLIGHT) {
				uint16_t k = (uint16_t)RTE_MIN(n - sent, (uint32_t)WARM_BURST);

				if (warm_send(pl, &t, worker, side, sent, k) != 0)
					break;          /* the pool is short: drain first */
				sent += k;
			}
		}
		*ns = (double)(rte_rdtsc() - t0) / per_us * 1000.0 * pl->active / (done ? done : 1);
		rc = done == n ? 0 : -ETIMEDOUT;
		warm_drain(pl);
	}
	free(t.data);
	free(t.len);
	return rc;
}
