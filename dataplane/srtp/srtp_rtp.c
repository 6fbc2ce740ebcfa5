/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP (RTP) protect and unprotect bursts: RFC 3711 §3.1/§3.3 for the
 * AES-CM + HMAC-SHA1 suites, RFC 7714 §5, §8 for AES-GCM.
 *
 * HMAC covers header || payload || ROC, but the ROC is not in the packet:
 * we write it where the tag goes (the tag is at least 4 bytes), MAC over
 * that, and keep the tag itself in the op's scratch area.
 */
#include "srtp_op_pvt.h"

#define RTP_HDR_MIN 12

/* RFC 3550 §5.1, §5.3.1: header length including CSRCs and extension. */
static inline uint8_t rtp_header(const uint8_t *p, uint32_t len, uint32_t *hdr_len)
{
	uint32_t h;

	if (unlikely(len < RTP_HDR_MIN))
		return TZ_SRTP_TOO_SHORT;
	if (unlikely((p[0] >> 6) != 2))
		return TZ_SRTP_BAD_VERSION;
	h = RTP_HDR_MIN + 4 * (p[0] & 0x0f);
	if (p[0] & 0x10) {
		if (unlikely(len < h + 4))
			return TZ_SRTP_TOO_SHORT;
		h += 4 + 4 * (((uint32_t)p[h + 2] << 8) | p[h + 3]);
	}
	if (unlikely(len < h))
		return TZ_SRTP_TOO_SHORT;
	*hdr_len = h;
	return TZ_SRTP_OK;
}

/* Index of this packet and the replay pre-check (RFC 3711 §3.3.1-§3.3.2). */
static inline uint8_t rtp_index(const struct tz_srtp_stream *st, const uint8_t *p,
				uint64_t base, uint64_t *index)
{
	uint64_t i = srtp_rtp_estimate(st, base, ((uint16_t)p[2] << 8) | p[3]);

	if (unlikely(i > SRTP_RTP_INDEX_MAX))
		return TZ_SRTP_KEY_EXPIRED;
	*index = i;
	return srtp_replay_check(st->rtp_index, st->rtp_win, st->rtp_started, i);
}

/* Fill the op for the packet @p p (@p plen bytes without tag, header @p hdr). */
static inline void rtp_fill(const struct tz_srtp_ctx *ctx, struct rte_crypto_op *op,
			    uint8_t *p, uint32_t hdr, uint32_t plen, uint64_t index)
{
	struct srtp_op_priv *pv = srtp_op_priv(op);

	srtp_fill_iv(pv->iv, ctx->rtp.salt, ctx->aead, srtp_be32(p + 8), index);
	if (!ctx->aead) {
		srtp_put_be32(p + plen, (uint32_t)(index >> 16)); /* ROC after the payload */
		srtp_cm_op(op, hdr, plen - hdr, plen + 4);
		return;
	}
	srtp_gcm_op(op, hdr, plen - hdr);
	if (ctx->direct) {
		/* the direct backend reads an AAD of any length where it lies */
		op->sym->aead.aad.data = p;
		pv->aad_len = (uint16_t)hdr;
		return;
	}
	if (likely(hdr == SRTP_GCM_SESSION_AAD_LEN)) {
		memcpy(pv->aad, p, SRTP_GCM_SESSION_AAD_LEN);
		return;
	}
	memset(pv->aad, 0, SRTP_GCM_SESSION_AAD_LEN);
	srtp_gcm_fix(ctx->rtp_hpow, p, hdr, NULL, 0, plen - hdr, pv->fix);
	pv->has_fix = 1;
}

static uint8_t protect_prepare(const struct tz_srtp_ctx *ctx, struct tz_srtp_stream *st,
			       struct rte_mbuf *m, struct rte_crypto_op *op,
			       struct srtp_pkt_meta *meta, uint64_t base)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), hdr;
	uint8_t rc;

	rc = rtp_header(p, len, &hdr);
	if (rc == TZ_SRTP_OK)
		rc = rtp_index(st, p, base, &meta->index);
	if (rc != TZ_SRTP_OK)
		return rc;
	if (unlikely(rte_pktmbuf_append(m, ctx->rtp_tag_len) == NULL))
		return TZ_SRTP_BAD_MBUF;
	meta->tag_off = len;
	srtp_op_init(op, ctx->rtp.sess, m);
	rtp_fill(ctx, op, p, hdr, len, meta->index);
	return TZ_SRTP_OK;
}

static uint8_t protect_finish(const struct tz_srtp_ctx *ctx, struct tz_srtp_stream *st,
			      struct rte_mbuf *m, struct rte_crypto_op *op,
			      const struct srtp_pkt_meta *meta)
{
	struct srtp_op_priv *pv = srtp_op_priv(op);
	uint8_t *tag = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->tag_off);

	/* a second packet with the same index in this round: never send it */
	if (srtp_replay_check(st->rtp_index, st->rtp_win, st->rtp_started, meta->index))
		return TZ_SRTP_REPLAY;
	srtp_replay_commit(&st->rtp_index, st->rtp_win, st->rtp_started, meta->index);
	st->rtp_started = 1;
	if (pv->has_fix)
		srtp_xor16(tag, pv->tag, pv->fix);
	else
		memcpy(tag, pv->tag, ctx->rtp_tag_len);
	return TZ_SRTP_OK;
}

static uint8_t unprotect_prepare(const struct tz_srtp_ctx *ctx, struct tz_srtp_stream *st,
				 struct rte_mbuf *m, struct rte_crypto_op *op,
				 struct srtp_pkt_meta *meta, uint64_t base)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), hdr, plen;
	struct srtp_op_priv *pv = srtp_op_priv(op);
	uint8_t rc;

	rc = rtp_header(p, len, &hdr);
	if (rc != TZ_SRTP_OK)
		return rc;
	if (unlikely(len < hdr + ctx->rtp_tag_len))
		return TZ_SRTP_TOO_SHORT;
	rc = rtp_index(st, p, base, &meta->index);
	if (rc != TZ_SRTP_OK)
		return rc;
	plen = len - ctx->rtp_tag_len;
	meta->tag_off = plen;
	meta->trim = ctx->rtp_tag_len;
	srtp_op_init(op, ctx->rtp.sess, m);
	memcpy(pv->tag, p + plen, ctx->rtp_tag_len); /* before the ROC overwrites it */
	rtp_fill(ctx, op, p, hdr, plen, meta->index);
	if (pv->has_fix)
		srtp_xor16(pv->tag, pv->tag, pv->fix);
	return TZ_SRTP_OK;
}

static uint8_t unprotect_finish(const struct tz_srtp_ctx *ctx, struct tz_srtp_stream *st,
				struct rte_mbuf *m, struct rte_crypto_op *op,
				const struct srtp_pkt_meta *meta)
{
	/* the tag verified; a duplicate within this round fails here */
	if (srtp_replay_check(st->rtp_index, st->rtp_win, st->rtp_started, meta->index))
		return TZ_SRTP_REPLAY;
	srtp_replay_commit(&st->rtp_index, st->rtp_win, st->rtp_started, meta->index);
	st->rtp_started = 1;
	rte_pktmbuf_trim(m, meta->trim);
	return TZ_SRTP_OK;
}

static const struct srtp_dir_ops protect_ops = {
	.prepare = protect_prepare,
	.finish = protect_finish,
	.dir = TZ_SRTP_DIR_PROTECT,
	.rtp = true,
};

static const struct srtp_dir_ops unprotect_ops = {
	.prepare = unprotect_prepare,
	.finish = unprotect_finish,
	.dir = TZ_SRTP_DIR_UNPROTECT,
	.rtp = true,
};

uint16_t tz_srtp_protect_burst(struct tz_srtp_qp *qp, const struct tz_srtp_ctx *const ctx[],
			       struct tz_srtp_stream *const st[], struct rte_mbuf *const pkts[],
			       uint16_t n, uint8_t status[])
{
	return srtp_burst(qp, &protect_ops, ctx, st, pkts, n, status);
}

uint16_t tz_srtp_unprotect_burst(struct tz_srtp_qp *qp, const struct tz_srtp_ctx *const ctx[],
				 struct tz_srtp_stream *const st[],
				 struct rte_mbuf *const pkts[], uint16_t n, uint8_t status[])
{
	return srtp_burst(qp, &unprotect_ops, ctx, st, pkts, n, status);
}
