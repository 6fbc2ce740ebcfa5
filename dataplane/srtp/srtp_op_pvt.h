/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to dataplane/srtp: filling one crypto op for SRTP or SRTCP, and
 * the round driver shared by the four burst functions.
 */
#ifndef TZ_SRTP_OP_PVT_H
#define TZ_SRTP_OP_PVT_H

#include <stddef.h>
#include <string.h>

#include <rte_byteorder.h>

#include "srtp_pvt.h"

static inline uint32_t srtp_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void srtp_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * IV = salt ^ (SSRC, index) at the RFC positions: AES-CM (RFC 3711 §4.1.1)
 * SSRC in bytes 4..7 and the 48-bit index in 8..13 of a 16-byte block;
 * GCM (RFC 7714 §8.1, §9.1) SSRC in 2..5 and the index in 6..11 of 12
 * bytes (ROC||SEQ for SRTP, 0||index for SRTCP).
 */
static inline void srtp_fill_iv(uint8_t *iv, const uint8_t *salt, bool aead, uint32_t ssrc,
				uint64_t index)
{
	unsigned int o = aead ? 2 : 4;

	memcpy(iv, salt, 16);
	iv[o + 0] ^= ssrc >> 24;
	iv[o + 1] ^= ssrc >> 16;
	iv[o + 2] ^= ssrc >> 8;
	iv[o + 3] ^= ssrc;
	for (unsigned int i = 0; i < 6; i++)
		iv[o + 4 + i] ^= (uint8_t)(index >> (40 - 8 * i));
}

static inline void srtp_op_init(struct rte_crypto_op *op, void *sess, struct rte_mbuf *m)
{
	op->status = RTE_CRYPTO_OP_STATUS_NOT_PROCESSED;
	rte_crypto_op_attach_sym_session(op, sess);
	op->sym->m_src = m;
	op->sym->m_dst = NULL;
	srtp_op_priv(op)->has_fix = 0;
}

/* AES-CM + HMAC-SHA1: cipher [enc_off, +enc_len), MAC [0, auth_len), digest in scratch. */
static inline void srtp_cm_op(struct rte_crypto_op *op, uint32_t enc_off, uint32_t enc_len,
			      uint32_t auth_len)
{
	struct rte_crypto_sym_op *sym = op->sym;

	sym->cipher.data.offset = enc_off;
	sym->cipher.data.length = enc_len;
	sym->auth.data.offset = 0;
	sym->auth.data.length = auth_len;
	sym->auth.digest.data = srtp_op_priv(op)->tag;
	sym->auth.digest.phys_addr = rte_crypto_op_ctophys_offset(
		op, SRTP_OP_PRIV_OFFSET + offsetof(struct srtp_op_priv, tag));
}

/* GCM: AEAD over [off, +len), AAD and digest in scratch. */
static inline void srtp_gcm_op(struct rte_crypto_op *op, uint32_t off, uint32_t len)
{
	struct rte_crypto_sym_op *sym = op->sym;

	sym->aead.data.offset = off;
	sym->aead.data.length = len;
	sym->aead.digest.data = srtp_op_priv(op)->tag;
	sym->aead.digest.phys_addr = rte_crypto_op_ctophys_offset(
		op, SRTP_OP_PRIV_OFFSET + offsetof(struct srtp_op_priv, tag));
	sym->aead.aad.data = srtp_op_priv(op)->aad;
	srtp_op_priv(op)->aad_len = SRTP_GCM_SESSION_AAD_LEN;
	sym->aead.aad.phys_addr = rte_crypto_op_ctophys_offset(
		op, SRTP_OP_PRIV_OFFSET + offsetof(struct srtp_op_priv, aad));
}

static inline void srtp_xor16(uint8_t *dst, const uint8_t *a, const uint8_t *b)
{
	for (unsigned int i = 0; i < 16; i++)
		dst[i] = a[i] ^ b[i];
}

/* Per-packet step of a round: check and fill @p op, or return a failure
 * status.  @p base: RTP only, see srtp_round_base(). */
typedef uint8_t (*srtp_prepare_fn)(const struct tz_srtp_ctx *ctx, struct tz_srtp_stream *st,
				   struct rte_mbuf *m, struct rte_crypto_op *op,
				   struct srtp_pkt_meta *meta, uint64_t base);
/* After the engine: commit state and place/trim the tag; returns the final status. */
typedef uint8_t (*srtp_finish_fn)(const struct tz_srtp_ctx *ctx, struct tz_srtp_stream *st,
				  struct rte_mbuf *m, struct rte_crypto_op *op,
				  const struct srtp_pkt_meta *meta);

struct srtp_dir_ops {
	srtp_prepare_fn prepare;
	srtp_finish_fn finish;
	enum tz_srtp_dir dir;
	bool rtp;		/* RTP: the index comes from the sequence number */
};

/*
 * Highest index among the packets before @p i in this round that belong to
 * stream st[i] and were prepared, or SRTP_NO_BASE.  Only for a stream that
 * has not started: its first round is the only one where the estimate
 * cannot lean on committed state (srtp_rtp_estimate).
 */
static inline uint64_t srtp_round_base(struct tz_srtp_stream *const st[],
				       const struct srtp_pkt_meta meta[], const uint8_t status[],
				       uint16_t i)
{
	uint64_t base = SRTP_NO_BASE;

	for (uint16_t j = 0; j < i; j++) {
		if (st[j] != st[i] || status[j] != TZ_SRTP_OK)
			continue;
		if (base == SRTP_NO_BASE || meta[j].index > base)
			base = meta[j].index;
	}
	return base;
}

/*
 * One round of at most TZ_SRTP_BURST_MAX packets: prepare each packet (parse,
 * index, replay pre-check, fill an op), run the ops through the engine,
 * then finish in packet order so that duplicates within the round are
 * caught by the second replay check.  Always inlined so the prepare and
 * finish calls are direct.
 */
static __rte_always_inline uint16_t srtp_round(struct tz_srtp_qp *qp,
					       const struct srtp_dir_ops *ops,
					       const struct tz_srtp_ctx *const ctx[],
					       struct tz_srtp_stream *const st[],
					       struct rte_mbuf *const pkts[], uint16_t n,
					       uint8_t status[])
{
	struct srtp_pkt_meta meta[TZ_SRTP_BURST_MAX];
	uint16_t nb_ops = 0, ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_crypto_op *op = qp->ops[nb_ops];

		if (unlikely(ctx[i]->dir != ops->dir)) {
			status[i] = TZ_SRTP_CRYPTO_ERR;
			continue;
		}
		if (unlikely(pkts[i]->nb_segs != 1)) {
			status[i] = TZ_SRTP_BAD_MBUF;
			continue;
		}
		uint64_t base = SRTP_NO_BASE;

		if (ops->rtp && unlikely(!st[i]->rtp_started))
			base = srtp_round_base(st, meta, status, i);
		status[i] = ops->prepare(ctx[i], st[i], pkts[i], op, &meta[i], base);
		if (status[i] == TZ_SRTP_OK) {
			srtp_op_priv(op)->pkt = i;
			meta[i].slot = nb_ops++;
		}
	}
	if (nb_ops > 0)
		srtp_engine_run(qp, nb_ops, status);
	for (uint16_t i = 0; i < n; i++) {
		if (status[i] != TZ_SRTP_OK)
			continue;
		status[i] = ops->finish(ctx[i], st[i], pkts[i], qp->ops[meta[i].slot], &meta[i]);
		ok += status[i] == TZ_SRTP_OK;
	}
	return ok;
}

static __rte_always_inline uint16_t srtp_burst(struct tz_srtp_qp *qp,
					       const struct srtp_dir_ops *ops,
					       const struct tz_srtp_ctx *const ctx[],
					       struct tz_srtp_stream *const st[],
					       struct rte_mbuf *const pkts[], uint16_t n,
					       uint8_t status[])
{
	uint16_t ok = 0;

	for (uint32_t done = 0; done < n; done += TZ_SRTP_BURST_MAX) {
		uint16_t k = (uint16_t)RTE_MIN(n - done, (uint32_t)TZ_SRTP_BURST_MAX);

		ok += srtp_round(qp, ops, ctx + done, st + done, pkts + done, k, status + done);
	}
	return ok;
}

#endif /* TZ_SRTP_OP_PVT_H */
