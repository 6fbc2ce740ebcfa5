/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's side of the media-services stage (tz_svc.h), inlined into
 * worker.c, which includes this after its egress and crypto helpers: the
 * hand-off of a flow with a service after unprotect, and the inject ring
 * polled once per round.  A flow without a service never gets here (one
 * branch on f->svc); with the stage off the poll is one load and compare.
 */
#ifndef TZ_WORKER_SVC_H
#define TZ_WORKER_SVC_H

#include "svc/svc_pvt.h"

/* The service fields went into the flow state's last cache line: no growth. */
_Static_assert(sizeof(struct tz_dp_flow_state) == 4 * RTE_CACHE_LINE_SIZE,
	       "flow state grew past four cache lines");

static inline uint32_t svc_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Start (or, on a new sender SSRC, continue) the flow's outgoing numbering. */
static inline void svc_stream_sync(struct tz_dp_flow_state *st, uint32_t ssrc, uint16_t seq)
{
	if (likely(st->svc_started && ssrc == st->svc_ssrc))
		return;
	if (!st->svc_started)
		st->svc_sent = 0;       /* nothing sent in this space yet */
	st->svc_seq_off = st->svc_started ? (uint16_t)(st->svc_out_last + 1 - seq) : 0;
	st->svc_out_last = (uint16_t)(seq + st->svc_seq_off - 1);
	st->svc_ssrc = ssrc;
	__atomic_store_n(&st->svc_started, 1, __ATOMIC_RELEASE);
}

/* Take outgoing number @p seq if no packet had it (a window of 64 behind
 * the highest, as a replay window); false when it was used or is older. */
static inline bool svc_take(struct tz_dp_flow_state *st, uint16_t seq)
{
	int16_t d = (int16_t)(seq - st->svc_out_last);     /* RFC 1982 serial order */

	if (d > 0) {
		st->svc_sent = d >= 64 ? 1 : st->svc_sent << d | 1;
		st->svc_out_last = seq;
		return true;
	}
	if (-d >= 64 || (st->svc_sent >> -d & 1))
		return false;
	st->svc_sent |= 1ull << -d;
	return true;
}

/*
 * A decrypted RTP packet of flow @p f (f->svc != 0).  Its sequence number
 * moves into the flow's outgoing space, shared with what the stage
 * injects.  A packet reordered across an injection can map onto a number
 * already sent (the offset grew meanwhile): it is dropped rather than sent
 * twice, and counted (`late`); one reordered otherwise goes out as before.
 * The stream position is noted for the stage.  Returns true when the
 * packet is consumed (handed to the stage or dropped), false when it goes
 * on to its egress.
 */
static inline bool svc_forward(struct worker *w, const struct tz_dp_flow *f, struct rte_mbuf *m)
{
	struct tz_dp_flow_state *st = tz_dp_flow_state(w->conf.sessions, f->slot);
	uint64_t *cnt = tz_svc_sh.w[w->conf.index].cnt[f->svc_core % TZ_SVC_MAX_CORES];
	uint8_t *rtp = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t seq = (uint16_t)(rtp[2] << 8 | rtp[3]);
	uint8_t *hdr;

	svc_stream_sync(st, svc_rd32(rtp + 8), seq);
	__atomic_store_n(&st->svc_ts, svc_rd32(rtp + 4), __ATOMIC_RELAXED);
	__atomic_store_n(&st->svc_tsc, w->now, __ATOMIC_RELAXED);
	__atomic_store_n(&st->svc_worker, (uint8_t)w->conf.index, __ATOMIC_RELAXED);
	if (f->svc & TZ_SVC_DIVERT) {
		/* the stage's packets come back numbered at the inject */
		if (unlikely(tz_svc_sh.n_cores == 0 || f->svc_core >= tz_svc_sh.n_cores ||
			     (hdr = (uint8_t *)rte_pktmbuf_prepend(m, TZ_SVC_HDR)) == NULL)) {
			cnt[TZ_SVC_C_RING_FULL]++;
			rte_pktmbuf_free(m);
			return true;
		}
		memcpy(hdr, &f->svc_key, TZ_SVC_HDR);
		if (rte_ring_sp_enqueue(tz_svc_sh.to_stage[w->conf.index][f->svc_core], m) != 0) {
			cnt[TZ_SVC_C_RING_FULL]++;
			rte_pktmbuf_free(m);
			return true;
		}
		cnt[TZ_SVC_C_ENQUEUED]++;
		return true;
	}
	seq = (uint16_t)(seq + st->svc_seq_off);
	if (unlikely(!svc_take(st, seq))) {
		cnt[TZ_SVC_C_LATE]++;
		rte_pktmbuf_free(m);
		return true;
	}
	rtp[2] = (uint8_t)(seq >> 8);
	rtp[3] = (uint8_t)seq;
	return false;
}

/* Stamp injected packets into their flows' streams and send them: the
 * next sequence number (later forwarded packets move one further), the
 * stream's SSRC, then the egress (protected first on an SDES trunk). */
static __rte_noinline void svc_inject_burst(struct worker *w, unsigned core, struct rte_mbuf **m,
					    unsigned n)
{
	const struct tz_dp_flow_key *kp[TZ_DP_BURST];
	const struct tz_dp_flow *flows[TZ_DP_BURST];
	uint64_t *cnt = tz_svc_sh.w[w->conf.index].cnt[core];
	struct crypto_group *g = &w->cg[CG_PROTECT_RTP];
	uint16_t port_idx = 0;

	for (unsigned i = 0; i < n; i++)
		kp[i] = rte_pktmbuf_mtod(m[i], const struct tz_dp_flow_key *);
	tz_dp_flow_lookup_bulk(w->conf.sessions, kp, n, flows);
	for (unsigned i = 0; i < n; i++) {
		const struct tz_dp_flow *f = flows[i];
		struct tz_dp_flow_state *st = f != NULL ? tz_dp_flow_state(w->conf.sessions, f->slot)
							: NULL;
		uint8_t *rtp;
		uint16_t seq;

		if (st != NULL && (f->svc & TZ_SVC_PLAY) && f->xform == TZ_XF_PROTECT &&
		    w->conf.srtp_qp != NULL && rte_pktmbuf_adj(m[i], TZ_SVC_HDR) != NULL &&
		    rte_pktmbuf_data_len(m[i]) >= FP_RTP_MIN) {
			/* a played file towards the browser: a sender of its own,
			 * renumbered after the stream's numbers, our SSRC */
			protect_renumber(st, rte_pktmbuf_mtod(m[i], uint8_t *), f->ssrc_out);
			stream_gen_check(st, f, 0);
			cnt[TZ_SVC_C_SENT]++;
			g->ctx[g->n] = f->srtp;
			g->st[g->n] = flow_stream(st, 0);
			g->flow[g->n] = f;
			g->m[g->n++] = m[i];
			port_idx = f->out.port_idx;
			continue;
		}
		if (st == NULL || f->svc == 0 || !st->svc_started ||
		    rte_pktmbuf_adj(m[i], TZ_SVC_HDR) == NULL ||
		    rte_pktmbuf_data_len(m[i]) < FP_RTP_MIN ||
		    (f->xform != TZ_XF_UNPROTECT && f->xform != TZ_XF_REKEY &&
		     f->xform != TZ_XF_PROTECT) ||
		    (f->xform == TZ_XF_PROTECT && w->conf.srtp_qp == NULL) ||
		    (f->xform == TZ_XF_REKEY && w->conf.srtp_qp == NULL)) {
			cnt[TZ_SVC_C_NO_FLOW]++;
			rte_pktmbuf_free(m[i]);
			continue;
		}
		rtp = rte_pktmbuf_mtod(m[i], uint8_t *);
		/* towards the browser, a played file (music on hold) may have gone
		 * out since: go on after it, never back (the browser's SRTP replay
		 * window), and let the next file go on after us */
		if (f->xform == TZ_XF_PROTECT && st->in_started &&
		    (int16_t)(st->out_last - st->svc_out_last) > 0)
			svc_take(st, st->out_last);
		seq = (uint16_t)(st->svc_out_last + 1);
		svc_take(st, seq);
		st->svc_seq_off++;
		if (f->xform == TZ_XF_PROTECT) {
			st->out_last = seq;
			st->in_started = 1;
			st->in_ssrc = 0;        /* a file's first packet continues from here */
		}
		rtp[2] = (uint8_t)(seq >> 8);
		rtp[3] = (uint8_t)seq;
		/* towards a browser: our SSRC (a transcoded stream) */
		fp_ssrc_rewrite(rtp, f->ssrc_out != 0 ? f->ssrc_out : st->svc_ssrc);
		cnt[TZ_SVC_C_SENT]++;
		/* a recording holds what the PBX got; a transcoded stream towards
		 * the browser was recorded as the PBX sent it (media_one) */
		if (!(f->xform == TZ_XF_PROTECT && (f->svc & TZ_SVC_DIVERT)))
			rec_tap(w->conf.rec, f, m[i], w->now);
		if (f->xform == TZ_XF_UNPROTECT) {
			media_out(w, f, m[i], false, rte_pktmbuf_pkt_len(m[i]), FP_CK_NONE);
			continue;
		}
		/* PROTECT (towards the browser, transcoded): its one stream */
		stream_gen_check(st, f, f->xform == TZ_XF_PROTECT ? 0 : 1);
		g->ctx[g->n] = f->xform == TZ_XF_PROTECT ? f->srtp : f->srtp_out;
		g->st[g->n] = flow_stream(st, f->xform == TZ_XF_PROTECT ? 0 : 1);
		g->flow[g->n] = f;
		g->m[g->n++] = m[i];
		port_idx = f->out.port_idx;
	}
	crypto_flush(w, w->cg, port_idx);
	flush_tx(w);
}

/* What the stage sent back for this worker's flows. */
static __rte_noinline unsigned svc_inject_rings(struct worker *w)
{
	struct rte_mbuf *m[TZ_DP_BURST];
	unsigned moved = 0;

	for (unsigned k = 0; k < tz_svc_sh.n_cores; k++) {
		unsigned n;

		if (unlikely(w->conf.sessions == NULL))
			break;
		n = rte_ring_sc_dequeue_burst(tz_svc_sh.inject[w->conf.index][k], (void **)m,
					      TZ_DP_BURST, NULL);
		if (n != 0)
			svc_inject_burst(w, k, m, n);
		moved += n;
	}
	return moved;
}

/* Once per round: with the stage off one load and a branch, inlined (the
 * rings' loop apart, so no stack frame is set up for nothing). */
static __rte_always_inline unsigned svc_inject_poll(struct worker *w)
{
	if (likely(tz_svc_sh.n_cores == 0))
		return 0;
	return svc_inject_rings(w);
}

#endif /* TZ_WORKER_SVC_H */
