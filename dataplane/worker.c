/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop.  Today every packet takes the exception path: what comes
 * from the wire goes to the port's TAP (the kernel answers ARP, ICMP and the
 * control plane's sockets), what the kernel sends goes out of the wire.  The
 * media fast path (classify, SRTP, rewrite) slots in between rx and tx.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash_crc.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_meter.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include "bundle_pvt.h"
#include "fastpath_pvt.h"
#include "rtp_loss_pvt.h"
#include "stun_pvt.h"
#include "tz_dp.h"
#include "tz_log.h"
#include "tz_srtp.h"
#include "tz_svc.h"
#include "worker_punt.h"
#include "worker_pvt.h"
#include "worker_rec.h"
#include "svc/svc_pvt.h"

/* Packets of SRTP flows waiting for one crypto burst of a kind. */
struct crypto_group {
	uint16_t n;
	const struct tz_srtp_ctx *ctx[TZ_DP_BURST];
	struct tz_srtp_stream *st[TZ_DP_BURST];
	struct rte_mbuf *m[TZ_DP_BURST];
	const struct tz_dp_flow *flow[TZ_DP_BURST];
	uint8_t status[TZ_DP_BURST];
};

enum { CG_UNPROTECT_RTP, CG_UNPROTECT_RTCP, CG_PROTECT_RTP, CG_PROTECT_RTCP, CG_COUNT };

struct worker {
	struct tz_dp_worker_conf conf;
	struct punt_police pol;
	uint64_t cnt[TZ_DP_MAX_PORTS][TZ_PC_COUNT + 1];   /* last slot: sink */
	struct tz_dp_lcore_stats stats;
	uint64_t now;                                   /* TSC at the start of the round */
	uint16_t txn[TZ_DP_MAX_PORTS];
	struct rte_mbuf *txb[TZ_DP_MAX_PORTS][TZ_DP_BURST];
	struct crypto_group cg[CG_COUNT];
	bool running;
} __rte_cache_aligned;

/* Which port counter each class increments. */
static const uint8_t fp_class_counter[] = {
	[FP_MEDIA] = TZ_PC_COUNT,       /* counted after lookup; slot below is a sink */
	[FP_STUN] = TZ_PC_PUNT_STUN,
	[FP_DTLS] = TZ_PC_PUNT_DTLS,
	[FP_UNKNOWN] = TZ_PC_PUNT_OTHER,
	[FP_OTHER] = TZ_PC_PUNT_OTHER,
	[FP_MALFORMED] = TZ_PC_MALFORMED,
};

static struct worker workers[TZ_DP_MAX_WORKERS];
static unsigned n_workers;
static bool quit;                     /* __atomic: set by the control thread */

static const char *const counter_names[TZ_PC_COUNT] = {
#define TZ_CNT_NAME(e, n, h) [TZ_PC_##e] = n,
	TZ_PORT_COUNTERS(TZ_CNT_NAME)
#undef TZ_CNT_NAME
};

static const char *const counter_help[TZ_PC_COUNT] = {
#define TZ_CNT_HELP(e, n, h) [TZ_PC_##e] = h,
	TZ_PORT_COUNTERS(TZ_CNT_HELP)
#undef TZ_CNT_HELP
};

const char *tz_port_counter_name(enum tz_port_counter c)
{
	return (unsigned)c < TZ_PC_COUNT ? counter_names[c] : "?";
}

const char *tz_port_counter_help(enum tz_port_counter c)
{
	return (unsigned)c < TZ_PC_COUNT ? counter_help[c] : "?";
}

static inline uint64_t burst_bytes(struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	return bytes;
}

/* Hand punted packets to the port's TAP. */
static inline void punt(struct worker *w, const struct tz_dp_rxq *q, struct rte_mbuf **pkts,
			uint16_t n)
{
	uint64_t *cnt = w->cnt[q->port_idx];
	uint16_t sent;

	if (n == 0)
		return;
	sent = rte_eth_tx_burst(q->tx_port, w->conf.index, pkts, n);
	if (unlikely(sent < n))
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
	cnt[TZ_PC_TO_KERNEL] += sent;
	cnt[TZ_PC_KERNEL_DROPS] += n - sent;
}

/* Queue a fast-path packet for its egress port; flushed once per rx burst. */
static inline void stage_tx(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	w->txb[port_idx][w->txn[port_idx]++] = m;
}

static inline void flush_tx(struct worker *w)
{
	for (uint16_t p = 0; p < w->conf.n_ports; p++) {
		uint16_t n = w->txn[p], sent;
		uint64_t *cnt = w->cnt[p];

		if (n == 0)
			continue;
		sent = rte_eth_tx_burst(w->conf.wire_port[p], w->conf.index, w->txb[p], n);
		cnt[TZ_PC_TX_PKTS] += sent;
		cnt[TZ_PC_MEDIA_TX] += sent;
		cnt[TZ_PC_TX_BYTES] += burst_bytes(w->txb[p], sent);
		if (unlikely(sent < n)) {
			cnt[TZ_PC_TX_DROPS] += n - sent;
			rte_pktmbuf_free_bulk(&w->txb[p][sent], n - sent);
		}
		w->txn[p] = 0;
	}
}

typedef uint16_t (*crypto_burst_fn)(struct tz_srtp_qp *, const struct tz_srtp_ctx *const[],
				    struct tz_srtp_stream *const[], struct rte_mbuf *const[],
				    uint16_t, uint8_t[]);

static const crypto_burst_fn crypto_fn[CG_COUNT] = {
	[CG_UNPROTECT_RTP] = tz_srtp_unprotect_burst,
	[CG_UNPROTECT_RTCP] = tz_srtp_unprotect_rtcp_burst,
	[CG_PROTECT_RTP] = tz_srtp_protect_burst,
	[CG_PROTECT_RTCP] = tz_srtp_protect_rtcp_burst,
};

/* Which flow counter a failed packet's SRTP status increments. */
static const uint8_t srtp_drop_counter[TZ_SRTP_STATUS_COUNT] = {
	[TZ_SRTP_OK] = TZ_FC_PKTS,
	[TZ_SRTP_AUTH_FAIL] = TZ_FC_AUTH_FAIL,
	[TZ_SRTP_REPLAY] = TZ_FC_REPLAY,
	[TZ_SRTP_TOO_SHORT] = TZ_FC_MALFORMED,
	[TZ_SRTP_BAD_VERSION] = TZ_FC_MALFORMED,
	[TZ_SRTP_BAD_MBUF] = TZ_FC_MALFORMED,
	[TZ_SRTP_KEY_EXPIRED] = TZ_FC_AUTH_FAIL,
	[TZ_SRTP_CRYPTO_ERR] = TZ_FC_AUTH_FAIL,
};

_Static_assert(sizeof(struct tz_srtp_stream) <= TZ_DP_STREAM_STATE_SIZE,
	       "flow state too small for an SRTP stream");

static inline struct tz_srtp_stream *flow_stream(struct tz_dp_flow_state *st, int i)
{
	return (struct tz_srtp_stream *)(i == 0 ? st->srtp : st->srtp_out);
}

/* The flow state whose stream [0] is @p s (an unprotect group's streams
 * all are): one subtraction instead of the slot lookup again. */
static inline struct tz_dp_flow_state *stream0_state(struct tz_srtp_stream *s)
{
	return (struct tz_dp_flow_state *)((uint8_t *)s - offsetof(struct tz_dp_flow_state, srtp));
}

/* A new key for stream @p i of the flow (its key_gen bumped by a
 * re-publication): that stream restarts, the other goes on. */
static inline void stream_gen_check(struct tz_dp_flow_state *st, const struct tz_dp_flow *f, int i)
{
	if (unlikely(st->key_gen[i] != f->key_gen[i])) {
		tz_srtp_stream_init(flow_stream(st, i), 0);
		st->key_gen[i] = f->key_gen[i];
	}
}

/* Egress of a packet that is ready: headers, counters, tx queue; @p rx_part
 * as for fp_push_headers(). */
static inline void media_out(struct worker *w, const struct tz_dp_flow *f, struct rte_mbuf *m,
			     bool rtcp, uint32_t in_len, uint32_t rx_part)
{
	struct tz_dp_flow_state *st = tz_dp_flow_state(w->conf.sessions, f->slot);

	if (unlikely(fp_push_headers(m, &f->out, rtcp, w->conf.tx_flags[f->out.port_idx],
				     rx_part) != 0)) {
		st->cnt[TZ_FC_MALFORMED]++;
		rte_pktmbuf_free(m);
		return;
	}
	st->cnt[TZ_FC_PKTS]++;
	st->cnt[TZ_FC_BYTES] += in_len;
	st->cnt[TZ_FC_RTCP] += rtcp;
	st->last_rx_tsc = w->now;
	stage_tx(w, f->out.port_idx, m);
}

/* RTP towards the browser leaves under our SSRC (the one our SDP announced)
 * and so in our sequence space: a new sender SSRC continues after the
 * highest number written so far, so no sequence number goes back into
 * indices already used (the protect replay check would drop them). */
static inline void protect_renumber(struct tz_dp_flow_state *st, uint8_t *rtp, uint32_t ssrc_out)
{
	uint32_t in = (uint32_t)rtp[8] << 24 | (uint32_t)rtp[9] << 16 | (uint32_t)rtp[10] << 8 | rtp[11];
	uint16_t seq = (uint16_t)(rtp[2] << 8 | rtp[3]);

	if (unlikely(!st->in_started || in != st->in_ssrc)) {
		st->seq_off = st->in_started ? (uint16_t)(st->out_last + 1 - seq) : 0;
		st->out_last = (uint16_t)(seq + st->seq_off - 1);
		st->in_ssrc = in;
		st->in_started = 1;
	}
	seq = (uint16_t)(seq + st->seq_off);
	if ((int16_t)(seq - st->out_last) > 0)      /* RFC 1982 serial order */
		st->out_last = seq;
	rtp[2] = (uint8_t)(seq >> 8);
	rtp[3] = (uint8_t)seq;
	fp_ssrc_rewrite(rtp, ssrc_out);
}

/* Does the worker compute the UDP checksum of what leaves by @p e? */
static inline bool ck_computed(const struct worker *w, const struct tz_dp_egress *e)
{
	uint8_t tx = w->conf.tx_flags[e->port_idx];

	return !(tx & TZ_DP_TX_UDP_OFFLOAD) && !((tx & TZ_DP_TX_UDP_ZERO4) && e->family == AF_INET);
}

static inline bool svc_forward(struct worker *w, const struct tz_dp_flow *f, struct rte_mbuf *m);

/* One packet of a published flow: strip to RTP, then egress or a crypto group. */
static inline void media_one(struct worker *w, struct crypto_group *cg, const struct tz_dp_flow *f,
			     struct rte_mbuf *m, uint16_t hdr_len)
{
	struct tz_dp_flow_state *st = tz_dp_flow_state(w->conf.sessions, f->slot);
	bool rtcp = f->is_rtcp_port || fp_is_rtcp(m, hdr_len);
	struct crypto_group *g;
	uint32_t rx_part = FP_CK_NONE;

	/* relayed unchanged: the egress checksum, where it is computed here,
	 * is the received one updated (RFC 1624) instead of a sum over it all */
	if (f->xform == TZ_XF_FORWARD && ck_computed(w, &f->out))
		rx_part = fp_ck_rx_part(m, hdr_len);
	if (unlikely(fp_strip(m, hdr_len) != 0 ||
		     (f->xform != TZ_XF_FORWARD && w->conf.srtp_qp == NULL))) {
		st->cnt[TZ_FC_MALFORMED]++;
		rte_pktmbuf_free(m);
		return;
	}
	/* plain RTP in: its loss on the way here (SRTP: once authenticated) */
	if (!rtcp && (f->xform == TZ_XF_FORWARD || f->xform == TZ_XF_PROTECT))
		rtp_loss_update(&st->loss, rte_pktmbuf_mtod(m, const uint8_t *));
	/* recorded as the SIP side sent it: its payload types, sequence, SSRC */
	if (f->xform == TZ_XF_PROTECT && !rtcp)
		rec_tap(w->conf.rec, f, m, w->now);
	/* transcoded (TZ_SVC_DIVERT): the SIP side's RTP goes to the stage and
	 * comes back in the browser's codec through the inject ring; not while
	 * a file plays into the stream (music on hold: the far end waits) */
	if (unlikely(f->svc & TZ_SVC_DIVERT) && !rtcp && f->xform == TZ_XF_PROTECT &&
	    !(f->svc & TZ_SVC_PLAY) && svc_forward(w, f, m))
		return;
	/* SRTP authenticates the header: a packet still protected keeps its PT
	 * until it is unprotected (UNPROTECT and ECHO rewrite after) */
	if (f->pt.n != 0 && !rtcp && (f->xform == TZ_XF_FORWARD || f->xform == TZ_XF_PROTECT))
		fp_pt_rewrite(rte_pktmbuf_mtod(m, uint8_t *), &f->pt);
	if (f->xform == TZ_XF_FORWARD) {
		media_out(w, f, m, rtcp, rte_pktmbuf_pkt_len(m), rx_part);
		return;
	}
	if (f->xform == TZ_XF_PROTECT && !rtcp && unlikely(f->svc & TZ_SVC_PLAY)) {
		/* a file plays into this stream (tz_svc_play.h): the far end's waits */
		tz_svc_sh.w[w->conf.index].cnt[f->svc_core % TZ_SVC_MAX_CORES][TZ_SVC_C_PLAY_MUTED]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (f->xform == TZ_XF_PROTECT && f->ssrc_out != 0 && !rtcp)
		protect_renumber(st, rte_pktmbuf_mtod(m, uint8_t *), f->ssrc_out);
	stream_gen_check(st, f, 0);
	g = &cg[(f->xform == TZ_XF_PROTECT ? CG_PROTECT_RTP : CG_UNPROTECT_RTP) + rtcp];
	g->ctx[g->n] = rtcp ? f->srtcp : f->srtp;
	g->st[g->n] = flow_stream(st, 0);
	g->flow[g->n] = f;
	g->m[g->n++] = m;
}

/* Echo: the decrypted packet goes back to its sender under our SSRC,
 * protected with the flow's outbound context in the same flush.  A hairpin
 * (two calls of this gateway bridged to each other) is the same with the
 * other browser's egress, context, SSRC and payload types. */
static inline void echo_stage(struct worker *w, struct crypto_group *cg, const struct tz_dp_flow *f,
			      struct rte_mbuf *m, bool rtcp)
{
	struct tz_dp_flow_state *st = tz_dp_flow_state(w->conf.sessions, f->slot);
	struct crypto_group *g = &cg[CG_PROTECT_RTP];

	if (rtcp) {             /* verified; the echo has no RTCP of its own */
		st->cnt[TZ_FC_RTCP]++;
		rte_pktmbuf_free(m);
		return;
	}
	if (f->pt.n != 0)       /* a hairpin: the other browser's payload types */
		fp_pt_rewrite(rte_pktmbuf_mtod(m, uint8_t *), &f->pt);
	fp_ssrc_rewrite(rte_pktmbuf_mtod(m, uint8_t *), f->ssrc_out);
	g->ctx[g->n] = f->srtp_out;
	g->st[g->n] = flow_stream(st, 1);
	g->flow[g->n] = f;
	g->m[g->n++] = m;
}

/* Re-keying (an SDES-SRTP trunk): the unprotected packet is protected
 * again with the other leg's key in the same flush, its SSRC kept (or ours
 * written, renumbered, towards a browser), PTs mapped; SRTCP is re-keyed
 * with the other leg's SRTCP context and passed on. */
static inline void rekey_stage(struct worker *w, struct crypto_group *cg, const struct tz_dp_flow *f,
			       struct rte_mbuf *m, bool rtcp)
{
	struct tz_dp_flow_state *st = tz_dp_flow_state(w->conf.sessions, f->slot);
	struct crypto_group *g = &cg[rtcp ? CG_PROTECT_RTCP : CG_PROTECT_RTP];

	if (!rtcp) {
		uint8_t *rtp = rte_pktmbuf_mtod(m, uint8_t *);

		/* recorded with the SIP side's payload types, either way */
		if (f->rec_dir == TZ_REC_TO_WEB)
			rec_tap(w->conf.rec, f, m, w->now);
		if (f->pt.n != 0)
			fp_pt_rewrite(rtp, &f->pt);
		if (f->rec_dir == TZ_REC_FROM_WEB)
			rec_tap(w->conf.rec, f, m, w->now);
		if (f->ssrc_out != 0)
			protect_renumber(st, rtp, f->ssrc_out);
	}
	stream_gen_check(st, f, 1);
	g->ctx[g->n] = rtcp ? f->srtcp_out : f->srtp_out;
	g->st[g->n] = flow_stream(st, 1);
	g->flow[g->n] = f;
	g->m[g->n++] = m;
}

static inline void crypto_flush(struct worker *w, struct crypto_group *cg, uint16_t port_idx);
#include "worker_svc.h"

/* Run each crypto group as one burst; good packets leave, bad ones are
 * counted per flow (and authentication failures per port @p port_idx, for
 * the control plane's rate-limited warning and `show dataplane stats`). */
static inline void crypto_flush(struct worker *w, struct crypto_group *cg, uint16_t port_idx)
{
	for (int k = 0; k < CG_COUNT; k++) {
		struct crypto_group *g = &cg[k];
		bool rtcp = k == CG_UNPROTECT_RTCP || k == CG_PROTECT_RTCP;

		if (g->n == 0)
			continue;
		crypto_fn[k](w->conf.srtp_qp, g->ctx, g->st, g->m, g->n, g->status);
		for (uint16_t i = 0; i < g->n; i++) {
			const struct tz_dp_flow *f = g->flow[i];

			if (likely(g->status[i] == TZ_SRTP_OK)) {
				if (k == CG_UNPROTECT_RTP)      /* authenticated, not replayed */
					rtp_loss_update(&stream0_state(g->st[i])->loss,
							rte_pktmbuf_mtod(g->m[i], const uint8_t *));
				if (f->xform == TZ_XF_ECHO && k < CG_PROTECT_RTP) {
					echo_stage(w, cg, f, g->m[i], rtcp);
					continue;
				}
				if (unlikely(f->svc != 0) && k == CG_UNPROTECT_RTP &&
				    svc_forward(w, f, g->m[i]))
					continue;
				if (f->xform == TZ_XF_REKEY && k < CG_PROTECT_RTP) {
					/* the browser's SRTCP of a video call to an SDES
					 * trunk: routed and filtered as for plain RTP */
					if (k == CG_UNPROTECT_RTCP && (f->bundled || f->fb_from != 0) &&
					    (f = tz_dp_rtcp_from_browser(w->conf.sessions, f, g->m[i])) == NULL) {
						rte_pktmbuf_free(g->m[i]);
						continue;
					}
					rekey_stage(w, cg, f, g->m[i], rtcp);
					continue;
				}
				if (f->pt.n != 0 && k == CG_UNPROTECT_RTP)
					fp_pt_rewrite(rte_pktmbuf_mtod(g->m[i], uint8_t *), &f->pt);
				if (k == CG_UNPROTECT_RTP)
					rec_tap(w->conf.rec, f, g->m[i], w->now);
				if (k == CG_UNPROTECT_RTCP &&
				    (f = tz_dp_rtcp_from_browser(w->conf.sessions, f, g->m[i])) == NULL) {
					rte_pktmbuf_free(g->m[i]);
					continue;
				}
				media_out(w, f, g->m[i], rtcp, rte_pktmbuf_pkt_len(g->m[i]), FP_CK_NONE);
				continue;
			}
			tz_dp_flow_state(w->conf.sessions, f->slot)
				->cnt[srtp_drop_counter[g->status[i] % TZ_SRTP_STATUS_COUNT]]++;
			w->cnt[port_idx][TZ_PC_SRTP_AUTH_FAIL] += g->status[i] == TZ_SRTP_AUTH_FAIL;
			rte_pktmbuf_free(g->m[i]);
		}
		g->n = 0;
	}
}

/*
 * After the bulk lookup every packet's next loads depend on the one before
 * (entry -> state slot -> SRTP context -> key block): issue them for the
 * whole burst before the per-packet loop, entries first, so that by the
 * second pass the early entries have arrived and their slots and contexts
 * can be fetched while the loop works on the first packets.  What the loop
 * reads of a slot: lines 0-1 (tz_session.h), the second stream (lines 2-3)
 * for echo and re-key only; of the context and its key block, what
 * tz_srtp_ctx_prefetch_keys() names.
 */
static inline void prefetch_flows(const struct worker *w, const struct tz_dp_flow *const *flows,
				  uint16_t n)
{
	for (uint16_t j = 0; j < n; j++)
		if (flows[j] != NULL) {
			rte_prefetch0(flows[j]);
			rte_prefetch0(RTE_PTR_ADD(flows[j], RTE_CACHE_LINE_SIZE));
		}
	for (uint16_t j = 0; j < n; j++) {
		const struct tz_dp_flow *f = flows[j];
		const struct tz_dp_flow_state *st;

		if (f == NULL)
			continue;
		st = tz_dp_flow_state(w->conf.sessions, f->slot);
		if (f->bundled)         /* tz_dp_bundle_pick() reads the table */
			rte_prefetch0(&f->bundle);
		rte_prefetch0(st);
		rte_prefetch0(&st->loss);
		if (f->xform >= TZ_XF_ECHO) {
			rte_prefetch0(st->srtp_out);
			rte_prefetch0(RTE_PTR_ADD(st->srtp_out, TZ_DP_STREAM_STATE_SIZE - 1));
		}
		if (f->srtp != NULL)
			rte_prefetch0(f->srtp);
	}
	/* by now the first contexts' lines are here: their key blocks */
	for (uint16_t j = 0; j < n; j++)
		if (flows[j] != NULL && flows[j]->srtp != NULL)
			tz_srtp_ctx_prefetch_keys(flows[j]->srtp);
}

/* A consent check answered (sent back) or refused (freed) by the worker,
 * stun_answer.c; false: punt it as before. */
static inline bool stun_answered(struct worker *w, const struct tz_dp_rxq *q, struct rte_mbuf *m,
				 struct tz_dp_flow_key *k, uint16_t hlen, uint64_t *cnt)
{
	enum tz_stun_action a = tz_dp_stun_try(w->conf.sessions, q, m, hlen, k, cnt);

	if (a == TZ_STUN_ACT_TX)
		stage_tx(w, q->port_idx, m);
	else if (a == TZ_STUN_ACT_DROP)
		rte_pktmbuf_free(m);
	return a != TZ_STUN_ACT_PUNT;
}

/*
 * A non-empty burst from the wire.  Not inlined into the poll loop: one call
 * per burst costs nothing, and a profile (callgrind) then shows the work per
 * burst apart from the empty polls around it (docs/bench.md).
 */
static __rte_noinline void wire_burst(struct worker *w, const struct tz_dp_rxq *q,
				      struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *punts[TZ_DP_BURST], *media[TZ_DP_BURST];
	struct tz_dp_flow_key keys[TZ_DP_BURST];
	const struct tz_dp_flow_key *kp[TZ_DP_BURST];
	const struct tz_dp_flow *flows[TZ_DP_BURST];
	uint16_t hlen[TZ_DP_BURST];
	uint64_t *cnt = w->cnt[q->port_idx];
	struct crypto_group *cg = w->cg;
	uint16_t np = 0, nm = 0;

	cnt[TZ_PC_RX_PKTS] += n;
	cnt[TZ_PC_RX_BYTES] += burst_bytes(pkts, n);
	if (w->conf.sessions == NULL || q->media_last == 0) {
		cnt[TZ_PC_PUNT_OTHER] += n;
		punt(w, q, pkts, n);
		return;
	}
	/* burst_bytes() has loaded every mbuf header: the first data line of
	 * the whole burst is requested at once, not a few packets ahead */
	for (uint16_t i = 0; i < n; i++) {
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
		rte_prefetch0(&pkts[i]->next);  /* line 1: trim and append walk the chain */
	}
	for (uint16_t i = 0; i < n; i++) {
		enum fp_class c;

		c = fp_classify(pkts[i], q, &keys[nm], &hlen[nm]);

		cnt[fp_class_counter[c]]++;
		if (c == FP_MEDIA) {
			/* the rest of it arrives while the burst is looked up */
			fp_prefetch_rest(pkts[i]);
			kp[nm] = &keys[nm];
			media[nm++] = pkts[i];
		} else if (c == FP_MALFORMED ||
			   (c != FP_OTHER && !punt_allowed(&w->pol, w->now, cnt, c, keys[nm].remote))) {
			rte_pktmbuf_free(pkts[i]);
		} else if (c == FP_STUN && stun_answered(w, q, pkts[i], &keys[nm], hlen[nm], cnt)) {
			continue;
		} else {
			punts[np++] = pkts[i];
		}
	}
	tz_dp_flow_lookup_bulk(w->conf.sessions, kp, nm, flows);
	prefetch_flows(w, flows, nm);
	for (uint16_t j = 0; j < nm; j++) {
		const struct tz_dp_flow *f;

		if (flows[j] == NULL) {
			cnt[TZ_PC_NO_SESSION]++;
			if (punt_allowed(&w->pol, w->now, cnt, FP_MEDIA, keys[j].remote))
				punts[np++] = media[j];
			else
				rte_pktmbuf_free(media[j]);
			continue;
		}
		cnt[TZ_PC_MEDIA_RX]++;
		f = tz_dp_bundle_pick(w->conf.sessions, flows[j], media[j], hlen[j],
				      &cnt[TZ_PC_MID_MALFORMED]);
		if (unlikely(f == NULL)) {      /* a stream with nowhere to go: counted */
			rte_pktmbuf_free(media[j]);
			continue;
		}
		media_one(w, cg, f, media[j], hlen[j]);
	}
	crypto_flush(w, cg, q->port_idx);
	punt(w, q, punts, np);
	flush_tx(w);
}

/* A burst from the wire: media to the fast path, the rest to the kernel. */
static inline uint16_t wire_rxq(struct worker *w, const struct tz_dp_rxq *q)
{
	struct rte_mbuf *pkts[TZ_DP_BURST];
	uint16_t n = rte_eth_rx_burst(q->port, q->queue, pkts, TZ_DP_BURST);

	if (n != 0)
		wire_burst(w, q, pkts, n);
	return n;
}

/* A burst the kernel sent out of a TAP: straight to the wire. */
static inline uint16_t tap_rxq(struct worker *w, const struct tz_dp_rxq *q)
{
	struct rte_mbuf *pkts[TZ_DP_BURST];
	uint64_t *cnt = w->cnt[q->port_idx];
	uint16_t n, sent;
	uint64_t bytes;

	n = rte_eth_rx_burst(q->port, q->queue, pkts, TZ_DP_BURST);
	if (n == 0)
		return 0;
	bytes = burst_bytes(pkts, n);
	sent = rte_eth_tx_burst(q->tx_port, w->conf.index, pkts, n);
	if (unlikely(sent < n))
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
	cnt[TZ_PC_FROM_KERNEL] += n;
	cnt[TZ_PC_TX_PKTS] += sent;
	cnt[TZ_PC_TX_BYTES] += sent == n ? bytes : burst_bytes(pkts, sent);
	cnt[TZ_PC_TX_DROPS] += n - sent;
	return n;
}

static int worker_main(void *arg)
{
	struct worker *w = arg;
	const struct tz_dp_worker_conf *c = &w->conf;
	uint64_t last = rte_rdtsc();

	if (c->sessions != NULL)
		tz_dp_sessions_reader_online(c->sessions, c->index);
	TZ_LOG(DP, INFO, "worker %u on lcore %u polls %u rx queues", c->index, c->lcore, c->n_rxq);
	/* One TSC read per round: rdtsc is not free (tens of cycles, more
	 * under some hypervisors), and the round's start time serves all. */
	while (!__atomic_load_n(&quit, __ATOMIC_ACQUIRE)) {
		unsigned moved = 0;
		uint64_t now;

		w->now = last;
		for (uint16_t i = 0; i < c->n_rxq; i++)
			moved += c->rxq[i].from_kernel ? tap_rxq(w, &c->rxq[i]) : wire_rxq(w, &c->rxq[i]);
		moved += svc_inject_poll(w);
		if (c->sessions != NULL)
			tz_dp_sessions_quiescent(c->sessions, c->index);
		if (moved == 0 && c->idle_sleep_us > 0)
			rte_delay_us_sleep(c->idle_sleep_us);
		now = rte_rdtsc();
		w->stats.rounds++;
		if (moved > 0)
			w->stats.busy_tsc += now - last;
		w->stats.total_tsc += now - last;
		last = now;
	}
	if (c->sessions != NULL)
		tz_dp_sessions_reader_offline(c->sessions, c->index);
	return 0;
}

static int check_conf(const struct tz_dp_worker_conf *c)
{
	if (c->index >= TZ_DP_MAX_WORKERS || c->n_rxq > TZ_DP_MAX_RXQ || c->n_ports > TZ_DP_MAX_PORTS ||
	    c->lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(c->lcore) ||
	    (c->punt_pps != 0 && c->punt_burst == 0))
		return -EINVAL;
	for (uint16_t i = 0; i < c->n_rxq; i++)
		if (c->rxq[i].port_idx >= TZ_DP_MAX_PORTS)
			return -EINVAL;
	return 0;
}

/* worker_pvt.h: one worker run round by round on the calling thread. */
int tz_dp_inline_start(const struct tz_dp_worker_conf *c)
{
	int rc;

	if (n_workers > 0 || check_conf(c) != 0 || c->index != 0)
		return -EINVAL;
	memset(&workers[0], 0, sizeof(workers[0]));
	workers[0].conf = *c;
	rc = police_init(&workers[0].pol, c);
	if (rc != 0)
		return rc;
	if (c->sessions != NULL)
		tz_dp_sessions_reader_online(c->sessions, 0);
	n_workers = 1;
	return 0;
}

unsigned tz_dp_inline_round(void)
{
	struct worker *w = &workers[0];
	const struct tz_dp_worker_conf *c = &w->conf;
	unsigned moved = 0;

	w->now = rte_rdtsc();
	for (uint16_t i = 0; i < c->n_rxq; i++)
		moved += c->rxq[i].from_kernel ? tap_rxq(w, &c->rxq[i]) : wire_rxq(w, &c->rxq[i]);
	moved += svc_inject_poll(w);
	if (c->sessions != NULL)
		tz_dp_sessions_quiescent(c->sessions, 0);
	return moved;
}

void tz_dp_inline_stop(void)
{
	if (workers[0].conf.sessions != NULL)
		tz_dp_sessions_reader_offline(workers[0].conf.sessions, 0);
	rte_free(workers[0].pol.src);
	workers[0].pol.src = NULL;
	n_workers = 0;
}

int tz_dp_start(const struct tz_dp_worker_conf *confs, unsigned n)
{
	int rc;

	if (n > TZ_DP_MAX_WORKERS || n_workers > 0)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (check_conf(&confs[i]) != 0 || confs[i].index != i)
			return -EINVAL;
	__atomic_store_n(&quit, false, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < n; i++) {
		memset(&workers[i], 0, sizeof(workers[i]));
		workers[i].conf = confs[i];
		rc = police_init(&workers[i].pol, &confs[i]);
		if (rc == 0 && rte_eal_remote_launch(worker_main, &workers[i], confs[i].lcore) != 0)
			rc = -EBUSY;
		if (rc != 0) {
			rte_free(workers[i].pol.src);
			workers[i].pol.src = NULL;
			tz_dp_stop();
			return rc;
		}
		workers[i].running = true;
		n_workers = i + 1;
	}
	return 0;
}

void tz_dp_stop(void)
{
	__atomic_store_n(&quit, true, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < n_workers; i++) {
		if (workers[i].running)
			rte_eal_wait_lcore(workers[i].conf.lcore);
		workers[i].running = false;
		rte_free(workers[i].pol.src);
		workers[i].pol.src = NULL;
	}
	n_workers = 0;
}

unsigned tz_dp_n_workers(void)
{
	return n_workers;
}

void tz_dp_port_counters(uint16_t port_idx, uint64_t out[TZ_PC_COUNT])
{
	memset(out, 0, sizeof(uint64_t) * TZ_PC_COUNT);
	if (port_idx >= TZ_DP_MAX_PORTS)
		return;
	for (unsigned w = 0; w < n_workers; w++)
		for (int c = 0; c < TZ_PC_COUNT; c++)
			out[c] += __atomic_load_n(&workers[w].cnt[port_idx][c], __ATOMIC_RELAXED);
}

int tz_dp_worker_counters(unsigned index, uint64_t out[TZ_PC_COUNT])
{
	memset(out, 0, sizeof(uint64_t) * TZ_PC_COUNT);
	if (index >= n_workers)
		return -ENOENT;
	for (unsigned p = 0; p < TZ_DP_MAX_PORTS; p++)
		for (int c = 0; c < TZ_PC_COUNT; c++)
			out[c] += __atomic_load_n(&workers[index].cnt[p][c], __ATOMIC_RELAXED);
	return 0;
}

int tz_dp_lcore_stats(unsigned index, unsigned *lcore, struct tz_dp_lcore_stats *out)
{
	if (index >= n_workers)
		return -ENOENT;
	*lcore = workers[index].conf.lcore;
	out->busy_tsc = __atomic_load_n(&workers[index].stats.busy_tsc, __ATOMIC_RELAXED);
	out->total_tsc = __atomic_load_n(&workers[index].stats.total_tsc, __ATOMIC_RELAXED);
	out->rounds = __atomic_load_n(&workers[index].stats.rounds, __ATOMIC_RELAXED);
	return 0;
}
