/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTCP protect and unprotect bursts.
 *
 * AES-CM (RFC 3711 §3.4):  header(8) | encrypted | E|index(4) | tag(10)
 *   MAC over everything before the tag; cipher from byte 8 when E is set.
 * AES-GCM (RFC 7714 §9):   header(8) | ciphertext | tag(16) | E|index(4)
 *   AAD = header || E|index (12 bytes, the session's AAD length); with E
 *   clear the whole packet is AAD, fixed up in software (srtp_gcm.c).
 */
#include "srtp_op_pvt.h"

#define RTCP_HDR_LEN 8

static inline uint8_t rtcp_check_header(const uint8_t *p, uint32_t len, uint32_t min)
{
	if (unlikely(len < min))
		return TZ_SRTP_TOO_SHORT;
	if (unlikely((p[0] >> 6) != 2))
		return TZ_SRTP_BAD_VERSION;
	return TZ_SRTP_OK;
}

static uint8_t protect_prepare(const struct tz_srtp_ctx *ctx, struct tz_srtp_stream *st,
			       struct rte_mbuf *m, struct rte_crypto_op *op,
			       struct srtp_pkt_meta *meta, uint64_t base)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), trailer;
	struct srtp_op_priv *pv = srtp_op_priv(op);
	uint8_t rc;

	rc = rtcp_check_header(p, len, RTCP_HDR_LEN);
	if (rc != TZ_SRTP_OK)
		return rc;
	if (unlikely(rte_pktmbuf_append(m, ctx->rtcp_tag_len + SRTP_RTCP_TRAILER_LEN) == NULL))
		return TZ_SRTP_BAD_MBUF;
	/* a sender index is spent even if the packet later fails: never reused */
	meta->index = srtp_ctx_rtcp_take(ctx);
	if (unlikely(meta->index > SRTP_RTCP_INDEX_MASK))
		return TZ_SRTP_KEY_EXPIRED;
	trailer = SRTP_RTCP_E_FLAG | (uint32_t)meta->index;
	srtp_op_init(op, ctx->rtcp.sess, m);
	srtp_fill_iv(pv->iv, ctx->rtcp.salt, ctx->aead, srtp_be32(p + 4), meta->index);
	if (!ctx->aead) {
		srtp_put_be32(p + len, trailer);
		meta->tag_off = len + SRTP_RTCP_TRAILER_LEN;
		srtp_cm_op(op, RTCP_HDR_LEN, len - RTCP_HDR_LEN, len + SRTP_RTCP_TRAILER_LEN);
		return TZ_SRTP_OK;
	}
	srtp_put_be32(p + len + SRTP_GCM_TAG_LEN, trailer);
	meta->tag_off = len;
	memcpy(pv->aad, p, RTCP_HDR_LEN);
	srtp_put_be32(pv->aad + RTCP_HDR_LEN, trailer);
	srtp_gcm_op(op, RTCP_HDR_LEN, len - RTCP_HDR_LEN);
	return TZ_SRTP_OK;
}

static uint8_t protect_finish(const struct tz_srtp_ctx *ctx, struct tz_srtp_stream *st,
			      struct rte_mbuf *m, struct rte_crypto_op *op,
			      const struct srtp_pkt_meta *meta)
{
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, meta->tag_off), srtp_op_priv(op)->tag,
	       ctx->rtcp_tag_len);
	return TZ_SRTP_OK;
}

/* GCM unprotect op; @p clen ciphertext bytes, tag at p + 8 + clen. */
static void unprotect_gcm(const struct tz_srtp_ctx *ctx, struct rte_crypto_op *op,
			  const uint8_t *p, uint32_t clen, const uint8_t *trailer, bool enc)
{
	struct srtp_op_priv *pv = srtp_op_priv(op);

	memcpy(pv->tag, p + RTCP_HDR_LEN + clen, SRTP_GCM_TAG_LEN);
	if (enc) {
		memcpy(pv->aad, p, RTCP_HDR_LEN);
		memcpy(pv->aad + RTCP_HDR_LEN, trailer, SRTP_RTCP_TRAILER_LEN);
		srtp_gcm_op(op, RTCP_HDR_LEN, clen);
		return;
	}
	/* E clear: AAD = header || payload || E|index, nothing encrypted */
	if (ctx->direct) {
		/* make the AAD contiguous: E|index over the (saved) tag */
		uint8_t *w = (uint8_t *)(uintptr_t)p;

		memcpy(w + RTCP_HDR_LEN + clen, trailer, SRTP_RTCP_TRAILER_LEN);
		srtp_gcm_op(op, RTCP_HDR_LEN, 0);
		op->sym->aead.aad.data = w;
		pv->aad_len = (uint16_t)(RTCP_HDR_LEN + clen + SRTP_RTCP_TRAILER_LEN);
		return;
	}
	memset(pv->aad, 0, SRTP_GCM_SESSION_AAD_LEN);
	srtp_gcm_fix((const uint8_t (*)[16])ctx->rtcp_h, p, RTCP_HDR_LEN + clen, trailer,
		     SRTP_RTCP_TRAILER_LEN, 0, pv->fix);
	srtp_xor16(pv->tag, pv->tag, pv->fix);
	srtp_gcm_op(op, RTCP_HDR_LEN, 0);
}

static uint8_t unprotect_prepare(const struct tz_srtp_ctx *ctx, struct tz_srtp_stream *st,
				 struct rte_mbuf *m, struct rte_crypto_op *op,
				 struct srtp_pkt_meta *meta, uint64_t base)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), trailer, clen;
	uint32_t over = ctx->rtcp_tag_len + SRTP_RTCP_TRAILER_LEN;
	const uint8_t *tp;
	uint8_t rc;
	bool enc;

	rc = rtcp_check_header(p, len, RTCP_HDR_LEN + over);
	if (rc != TZ_SRTP_OK)
		return rc;
	tp = ctx->aead ? p + len - SRTP_RTCP_TRAILER_LEN : p + len - over;
	trailer = srtp_be32(tp);
	enc = trailer & SRTP_RTCP_E_FLAG;
	meta->index = trailer & SRTP_RTCP_INDEX_MASK;
	rc = srtp_replay_check(st->rtcp_index, st->rtcp_win, st->rtcp_started, meta->index);
	if (rc != TZ_SRTP_OK)
		return rc;
	meta->trim = over;
	clen = len - RTCP_HDR_LEN - over;
	srtp_op_init(op, ctx->rtcp.sess, m);
	srtp_fill_iv(srtp_op_priv(op)->iv, ctx->rtcp.salt, ctx->aead, srtp_be32(p + 4),
		     meta->index);
	if (ctx->aead) {
		unprotect_gcm(ctx, op, p, clen, tp, enc);
		return TZ_SRTP_OK;
	}
	memcpy(srtp_op_priv(op)->tag, p + len - ctx->rtcp_tag_len, ctx->rtcp_tag_len);
	srtp_cm_op(op, RTCP_HDR_LEN, enc ? clen : 0, len - ctx->rtcp_tag_len);
	return TZ_SRTP_OK;
}

static uint8_t unprotect_finish(const struct tz_srtp_ctx *ctx, struct tz_srtp_stream *st,
				struct rte_mbuf *m, struct rte_crypto_op *op,
				const struct srtp_pkt_meta *meta)
{
	uint64_t hi = st->rtcp_index;

	if (srtp_replay_check(hi, st->rtcp_win, st->rtcp_started, meta->index))
		return TZ_SRTP_REPLAY;
	srtp_replay_commit(&hi, st->rtcp_win, st->rtcp_started, meta->index);
	st->rtcp_index = (uint32_t)hi;
	st->rtcp_started = 1;
	rte_pktmbuf_trim(m, meta->trim);
	return TZ_SRTP_OK;
}

static const struct srtp_dir_ops protect_ops = {
	.prepare = protect_prepare,
	.finish = protect_finish,
	.dir = TZ_SRTP_DIR_PROTECT,
};

static const struct srtp_dir_ops unprotect_ops = {
	.prepare = unprotect_prepare,
	.finish = unprotect_finish,
	.dir = TZ_SRTP_DIR_UNPROTECT,
};

uint16_t tz_srtp_protect_rtcp_burst(struct tz_srtp_qp *qp, const struct tz_srtp_ctx *const ctx[],
				    struct tz_srtp_stream *const st[],
				    struct rte_mbuf *const pkts[], uint16_t n, uint8_t status[])
{
	return srtp_burst(qp, &protect_ops, ctx, st, pkts, n, status);
}

uint16_t tz_srtp_unprotect_rtcp_burst(struct tz_srtp_qp *qp,
				      const struct tz_srtp_ctx *const ctx[],
				      struct tz_srtp_stream *const st[],
				      struct rte_mbuf *const pkts[], uint16_t n,
				      uint8_t status[])
{
	return srtp_burst(qp, &unprotect_ops, ctx, st, pkts, n, status);
}
