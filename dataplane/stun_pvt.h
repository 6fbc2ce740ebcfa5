/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's side of ICE consent in the dataplane (tz_stun.h): one call
 * from the FP_STUN branch of the worker loop.
 */
#ifndef TZ_STUN_PVT_H
#define TZ_STUN_PVT_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "tz_dp.h"
#include "tz_session.h"

enum tz_stun_action {
	TZ_STUN_ACT_PUNT,         /* to the TAP as before (counted as punt_stun) */
	TZ_STUN_ACT_TX,           /* @p m now holds the response: send it on the wire */
	TZ_STUN_ACT_DROP,         /* refused and counted: free @p m */
};

/*
 * A packet classified FP_STUN (@p hlen bytes of Ethernet/IP/UDP headers, @p k
 * with the source address filled by the classifier): when its 5-tuple's
 * flow carries consent credentials, check it and, if it is a valid consent
 * check, rewrite @p m in place into the response and record the check in
 * the flow's state.  @p cnt: the port's counters (stun_*).
 */
enum tz_stun_action tz_dp_stun_try(const struct tz_dp_sessions *s, const struct tz_dp_rxq *q,
				   struct rte_mbuf *m, uint16_t hlen, struct tz_dp_flow_key *k,
				   uint64_t *cnt);

#endif /* TZ_STUN_PVT_H */
