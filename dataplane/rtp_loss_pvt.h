/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTP loss on the way to the gateway (struct tz_dp_rtp_loss): the owning
 * worker's update for each RTP packet a flow accepts.  RFC 3550 appendix
 * A.1 (sequence validation, without the probation a flow published for a
 * known peer does not need) and A.3 (expected = extended highest - first
 * + 1, lost = expected - received).  The common packet -- same SSRC, a
 * step forward of less than MAX_DROPOUT -- costs two compares, an add and
 * an increment.
 */
#ifndef TZ_RTP_LOSS_PVT_H
#define TZ_RTP_LOSS_PVT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>

#include "tz_session.h"

#define RTP_LOSS_MAX_DROPOUT 3000       /* RFC 3550 A.1 */
#define RTP_LOSS_MAX_MISORDER 100
#define RTP_LOSS_NO_BAD_SEQ 0x10001u    /* A.1: RTP_SEQ_MOD + 1 */

_Static_assert(sizeof(struct tz_dp_rtp_loss) == 32, "loss state: 32 bytes");
/* What every packet touches is in the state's first two lines (line 0:
 * stream [0], renumbering, key generations; line 1: loss, last packet,
 * the counters PKTS, BYTES, RTCP); what only drops, echo, re-key, media
 * services and video touch is after (tz_session.h). */
_Static_assert(offsetof(struct tz_dp_flow_state, key_gen) + 2 <= 64 &&
	       offsetof(struct tz_dp_flow_state, loss) == 64 &&
	       offsetof(struct tz_dp_flow_state, last_rx_tsc) < 128 &&
	       offsetof(struct tz_dp_flow_state, cnt[TZ_FC_RTCP]) + 8 == 128 &&
	       sizeof(struct tz_dp_flow_state) == 4 * 64,
	       "flow state: the per-packet fields in lines 0-1, four lines in all");

/* The stream so far into the prior sums (each stream's loss clamped at 0),
 * then a new stream from @p seq. */
static inline void rtp_loss_restart(struct tz_dp_rtp_loss *l, uint32_t ssrc, uint16_t seq)
{
	if (l->started) {
		uint32_t exp = l->max - l->base + 1;

		l->expected_prior += exp;
		l->lost_prior += exp > l->received ? exp - l->received : 0;
	}
	l->ssrc = ssrc;
	l->base = l->max = seq;
	l->received = 1;
	l->bad_seq = RTP_LOSS_NO_BAD_SEQ;
	l->started = 1;
}

/* What is not a small step forward: a new SSRC, a first packet, a jump
 * (RFC 3550 A.1: believed once the next packet follows it), or a late or
 * duplicate packet (received, A.1 counts it). */
static inline void rtp_loss_slow(struct tz_dp_rtp_loss *l, uint32_t ssrc, uint16_t seq,
				 uint16_t delta)
{
	if (!l->started || l->ssrc != ssrc) {
		rtp_loss_restart(l, ssrc, seq);
	} else if (delta <= 65536 - RTP_LOSS_MAX_MISORDER) {
		if (seq == l->bad_seq)
			rtp_loss_restart(l, ssrc, seq);
		else
			l->bad_seq = (uint16_t)(seq + 1);
	} else {
		l->received++;
	}
}

/* One RTP packet (header at @p rtp, 12 bytes or more), as received. */
static inline void rtp_loss_update(struct tz_dp_rtp_loss *l, const uint8_t *rtp)
{
	uint16_t seq;
	uint16_t delta;
	uint32_t ssrc;

	memcpy(&seq, rtp + 2, sizeof(seq));       /* one load and a rotate */
	seq = rte_be_to_cpu_16(seq);
	delta = (uint16_t)(seq - (uint16_t)l->max);
	memcpy(&ssrc, rtp + 8, sizeof(ssrc));     /* as on the wire: only compared */
	if (likely(delta < RTP_LOSS_MAX_DROPOUT && l->ssrc == ssrc && l->started)) {
		l->max += delta;                  /* past 65535: the next cycle */
		l->received++;
		return;
	}
	rtp_loss_slow(l, ssrc, seq, delta);
}

#endif /* TZ_RTP_LOSS_PVT_H */
