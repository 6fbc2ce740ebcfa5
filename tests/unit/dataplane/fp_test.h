/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared pieces of the fast-path tests: ring-backed ports and frames. */
#ifndef TZ_FP_TEST_H
#define TZ_FP_TEST_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "tz_dp.h"
#include "tz_session.h"

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

/* Layout of the two-port tests' ring ports: two wires and their kernels. */
enum { FP_WIRE0, FP_WIRE1, FP_KERNEL0, FP_KERNEL1, FP_NPORTS };

/*
 * Start one worker on lcore 1 polling both wires (media ports 20000-29999 on
 * wire 0, 30000-39999 on wire 1), punting to their kernels; @p pid in the
 * layout above, @p srtp_qp may be NULL.  0 or tz_dp_start()'s error.
 */
int fp_test_start_worker(struct tz_dp_sessions *sess, struct tz_srtp_qp *srtp_qp,
			 const uint16_t *pid);

/* The two-wire worker configuration of fp_test_start_worker() on @p lcore
 * (media ports 20000-29999 on wire 0, 30000-39999 on wire 1), for the tests
 * that start it themselves (inline, with a recording tap ...). */
void fp_test_worker_conf(struct tz_dp_worker_conf *c, unsigned lcore,
			 struct tz_dp_sessions *sess, struct tz_srtp_qp *srtp_qp,
			 const uint16_t *pid);

/* The same with per-port TZ_DP_TX_* flags (@p tx_flags[0] wire 0, [1] wire 1). */
int fp_test_start_worker_tx(struct tz_dp_sessions *sess, struct tz_srtp_qp *srtp_qp,
			    const uint16_t *pid, const uint8_t tx_flags[2]);

/* An RTP packet (no CSRC) of @p len bytes with a payload pattern; its length. */
int fp_test_rtp(uint8_t *buf, int len, uint8_t pt, uint16_t seq, uint32_t ssrc);

/* IPv4 egress on @p port_idx from src:sport to dst:dport (RTCP to drtcp). */
void fp_test_egress(struct tz_dp_egress *e, int port_idx, const char *src, uint16_t sport,
		    const char *dst, uint16_t dport, uint16_t drtcp);

/* The flow key of IPv4 @p remote:rport to our @p lport on @p port_idx. */
void fp_test_key(struct tz_dp_flow_key *k, const char *remote, uint16_t rport, uint16_t lport,
		 uint16_t port_idx);

#endif
