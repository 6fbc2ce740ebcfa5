/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared pieces of the fast-path tests: ring-backed ports and frames. */
#ifndef TZ_FP_TEST_H
#define TZ_FP_TEST_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

/* Start EAL (lcores 0,1, no hugepages) under @p prefix; the mbuf pool. */
struct rte_mempool *fp_test_eal(const char *prefix);

/*
 * Make @p n ethdevs backed by rings: what the test enqueues on rx[i] the
 * port receives, what it sends lands in tx[i].
 */
int fp_test_ring_ports(struct rte_mempool *mp, const char *tag, unsigned n, struct rte_ring **rx,
		       struct rte_ring **tx, uint16_t *pid);

/* An Ethernet/IPv4/UDP frame carrying @p payload (addresses as text). */
struct rte_mbuf *fp_test_frame4(struct rte_mempool *mp, const char *src, uint16_t sport,
				const char *dst, uint16_t dport, const uint8_t *payload,
				uint16_t plen);

/* Dequeue one mbuf from @p r, waiting up to 1 s; NULL when none came. */
struct rte_mbuf *fp_test_drain_one(struct rte_ring *r);

#endif
