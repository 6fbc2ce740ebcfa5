/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to dataplane/srtp: object layouts, the per-op scratch area, the
 * replay-window helpers and the GCM tag fix-up shared by the RTP and RTCP
 * paths.
 */
#ifndef TZ_SRTP_PVT_H
#define TZ_SRTP_PVT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_mbuf.h>

#include "tz_srtp.h"

#define SRTP_GCM_TAG_LEN 16
#define SRTP_CM_RTCP_TAG_LEN 10
#define SRTP_RTCP_TRAILER_LEN 4 /* E flag + 31-bit SRTCP index */
#define SRTP_RTCP_E_FLAG 0x80000000u
#define SRTP_RTCP_INDEX_MASK 0x7fffffffu
#define SRTP_RTP_INDEX_MAX ((UINT64_C(1) << 48) - 1)
/*
 * AAD length baked into the GCM sessions.  cryptodev fixes the AAD length
 * per session, SRTP headers vary (CSRCs, extensions); 12 is both the plain
 * RTP header and the SRTCP AAD (RFC 7714 §9.1), and every other length is
 * handled by srtp_gcm_fix() below.
 */
#define SRTP_GCM_SESSION_AAD_LEN 12
/* H^(2^k), k = 0..12: enough for 4096 ciphertext blocks (a 64 KiB mbuf). */
#define SRTP_GCM_HPOW 13

/* Scratch area after each crypto op, at SRTP_OP_PRIV_OFFSET (the IV offset). */
struct srtp_op_priv {
	uint8_t iv[16];
	uint8_t aad[16];
	uint8_t tag[32];	/* engine digest out (protect) / expected tag (unprotect) */
	uint8_t fix[16];	/* GCM tag correction to apply after the engine (protect) */
	uint16_t pkt;		/* index of the packet in the round */
	uint8_t has_fix;
	/* direct backend (srtp_imb.c) only: GCM AAD length (the AAD pointer
	 * may point into the packet), and "compare tag[0..] with the computed
	 * tag at tag[16..]" for unprotect */
	uint8_t verify;
	uint16_t aad_len;
};

#define SRTP_OP_PRIV_OFFSET (sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))

static inline struct srtp_op_priv *srtp_op_priv(struct rte_crypto_op *op)
{
	return rte_crypto_op_ctod_offset(op, struct srtp_op_priv *, SRTP_OP_PRIV_OFFSET);
}

struct IMB_MGR;
struct srtp_slab;

struct tz_srtp_qp {
	uint8_t dev_id;
	uint16_t qp_id;
	struct IMB_MGR *mgr;	/* direct backend: this worker's own manager, else NULL */
	/* direct backend: GCM key data expanded per SRTCP packet, one per op
	 * of a round (srtp_imb.c: SRTCP keys are kept unexpanded) */
	void *gcm_tmp;
	struct rte_crypto_op *ops[TZ_SRTP_BURST_MAX];
	struct rte_crypto_op *done[TZ_SRTP_BURST_MAX];
} __rte_cache_aligned;

struct tz_srtp_engine {
	bool direct;		/* intel-ipsec-mb job API, no cryptodev (srtp_imb.c) */
	/* direct: the lines (bit n: line n) of an SRTP key block the chosen
	 * manager reads for a short packet -- AES-CM, GCM-128, GCM-256 */
	uint16_t kb_lines[3];
	struct IMB_MGR *ctl_mgr; /* direct: key set-up on the control thread */
	/* direct: where contexts come from, by kind (AES-CM, GCM): slabs of
	 * fixed-size slots, no per-allocation heap header (srtp_slab.c) */
	struct srtp_slab *slab[2];
	uint8_t dev_id;
	bool own_vdev;		/* we created the vdev and must uninit it */
	char driver[32];
	char vdev_name[48];
	uint16_t nb_qps;
	struct rte_mempool *sess_pool;
	struct rte_mempool *op_pool;
	struct tz_srtp_qp *qps;
};

/* Session material of one protocol (SRTP or SRTCP) in one context. */
struct srtp_proto_keys {
	void *sess;		/* cryptodev session, or the direct backend's key block */
	uint8_t salt[16];	/* session salt, zero padded (14 bytes CM, 12 GCM) */
};

/* Bytes of the direct backend's SRTCP GCM key block kept in the context:
 * the header and the session key, expanded per packet (srtp_imb.c). */
#define SRTP_IMB_LAZY_KB 40

/*
 * The first cache line is what every RTP packet reads; the second is
 * SRTCP's.  The direct backend's key blocks follow the second line in the
 * same slot; the cryptodev backend's GCM hash powers take that place.
 */
struct tz_srtp_ctx {
	struct srtp_proto_keys rtp;
	struct srtp_proto_keys rtcp;
	struct tz_srtp_engine *eng;
	uint8_t suite;		/* enum tz_srtp_suite */
	uint8_t dir;		/* enum tz_srtp_dir */
	bool aead;
	bool direct;		/* keys are direct-backend key blocks (after the context) */
	uint8_t rtp_tag_len;
	uint8_t rtcp_tag_len;
	/* SRTP key-block lines to prefetch, 0..kb_head-1 and kb_tail..15:
	 * the engine's kb_lines for this suite as two runs (none: 0, 16;
	 * tz_srtp_ctx_prefetch_keys() in tz_srtp.h reads them) */
	uint8_t kb_head;
	uint8_t kb_tail;
	/* The one field that changes: the next SRTCP index to send (protect).
	 * RFC 3711 §3.4 makes the index per key, not per flow, and several
	 * flows (RTP port with muxed RTCP, a separate RTCP port) on possibly
	 * different workers protect with one context: atomic, off the RTP
	 * line (RTCP is a few packets a second). */
	uint64_t rtcp_next __rte_cache_aligned;
	/* direct backend, GCM: the SRTCP key block (SRTP_IMB_LAZY_KB bytes) */
	uint8_t rtcp_kb[SRTP_IMB_LAZY_KB] __rte_aligned(8);
	/* Cryptodev GCM only, and last: the direct backend's contexts end
	 * before them (their key blocks follow instead).  Powers H^(2^k) of
	 * the SRTP hash key and the SRTCP hash key, byte-reflected for
	 * PCLMULQDQ (see srtp_gcm.c). */
	uint8_t rtp_hpow[SRTP_GCM_HPOW][16] __rte_cache_aligned;
	uint8_t rtcp_h[16] __rte_aligned(16);
};

/* Take the next SRTCP index of a protect context. */
static inline uint64_t srtp_ctx_rtcp_take(const struct tz_srtp_ctx *ctx)
{
	/* contexts are allocated writable; const is the workers' view */
	return __atomic_fetch_add(&((struct tz_srtp_ctx *)(uintptr_t)ctx)->rtcp_next, 1,
				  __ATOMIC_RELAXED);
}

/* Per-packet bookkeeping of one round, kept on the caller's stack. */
struct srtp_pkt_meta {
	uint64_t index;		/* 48-bit SRTP index or 31-bit SRTCP index */
	uint16_t tag_off;	/* where the tag goes (protect) / starts (unprotect) */
	uint16_t trim;		/* bytes to trim after unprotect */
	uint16_t slot;		/* op used in the round */
};

/* Session keys of one protocol (RFC 3711 §4.3 output); wiped after use. */
struct srtp_session_keys {
	uint8_t enc[32];
	uint8_t auth[20];
	uint8_t salt[14];
};

/* Context from session keys (no KDF): tz_srtp_ctx_create() after derivation,
 * and the RFC 7714 vectors, which are stated in session keys. */
struct tz_srtp_ctx *srtp_ctx_create_keys(struct tz_srtp_engine *eng, enum tz_srtp_suite suite,
					 enum tz_srtp_dir dir,
					 const struct srtp_session_keys *rtp,
					 const struct srtp_session_keys *rtcp);

/* Bytes allocated for one context (with the direct backend's key blocks). */
size_t srtp_ctx_alloc_size(const struct tz_srtp_engine *eng, bool aead);

/* --- key derivation (srtp_kdf.c) -------------------------------------- */

/* RFC 3711 §4.3.1 AES-CM PRF, kdr 0: out = AES-CM(key, (salt ^ label<<48) << 16). */
int srtp_kdf(const uint8_t *key, size_t key_len, const uint8_t *salt, size_t salt_len,
	     uint8_t label, uint8_t *out, size_t out_len);

/* AES-CM keystream from a 16-byte IV (also the RFC 3711 B.2 check). */
int srtp_aes_cm(const uint8_t *key, size_t key_len, const uint8_t iv[16], uint8_t *out,
		size_t out_len);

/* H = AES_K(0^128), the GHASH key. */
int srtp_gcm_hash_key(const uint8_t *key, size_t key_len, uint8_t h[16]);

/* --- GCM tag fix-up for AAD lengths other than the session's (srtp_gcm.c) --- */

/* Fill hpow[k] = H^(2^k) from H (big-endian block as AES outputs it). */
void srtp_gcm_hpow_init(const uint8_t h[16], uint8_t hpow[][16], unsigned int n);

/*
 * Correction c such that tag(AAD = a1||a2, C) = tag_engine ^ c, where the
 * engine ran with 12 zero bytes of AAD over clen bytes of ciphertext.
 */
void srtp_gcm_fix(const uint8_t hpow[][16], const uint8_t *a1, size_t l1, const uint8_t *a2,
		  size_t l2, size_t clen, uint8_t fix[16]);

/* --- engine round (srtp_engine.c) -------------------------------------- */

/* Enqueue qp->ops[0..nb), dequeue them all, write each op's outcome to
 * status[priv->pkt]. */
void srtp_engine_run(struct tz_srtp_qp *qp, uint16_t nb, uint8_t status[]);

/* --- direct intel-ipsec-mb backend (srtp_imb.c) --------------------------- */

/* Set up eng->direct, ctl_mgr and every qp's manager; logs the choice. */
int srtp_imb_engine_init(struct tz_srtp_engine *eng, const struct tz_srtp_engine_conf *conf);
void srtp_imb_engine_fini(struct tz_srtp_engine *eng);
/* Bytes of the SRTP key block (and, for AES-CM, of the SRTCP one) a context
 * of @p aead kind carries after itself; GCM's SRTCP block is rtcp_kb. */
size_t srtp_imb_kb_size(bool aead);
/* Lines of an SRTP key block (bit n: bytes 64n..64n+63) the engine's
 * manager reads for a short packet, GCM with a @p key_len-byte key. */
uint16_t srtp_imb_kb_lines(const struct tz_srtp_engine *eng, bool aead, uint8_t key_len);
/*
 * Fill the key block at @p kb from session keys: srtp_imb_kb_size() bytes,
 * or with @p lazy (GCM's SRTCP) SRTP_IMB_LAZY_KB bytes holding the key
 * unexpanded.  *@p sess gets the pointer the ops carry as their session.
 */
int srtp_imb_kb_init(struct tz_srtp_engine *eng, void *kb, bool aead, bool lazy,
		     enum tz_srtp_dir dir, const struct srtp_session_keys *d, uint8_t key_len,
		     uint8_t tag_len, void **sess);

/* --- context slabs (srtp_slab.c), control thread only ------------------- */

/* A slab of @p slot_size-byte, cache-aligned, zeroed slots; NULL on ENOMEM. */
struct srtp_slab *srtp_slab_create(size_t slot_size);
/* A zeroed slot, or NULL (errno ENOMEM). */
void *srtp_slab_alloc(struct srtp_slab *sl);
/* Give back a slot (the caller wiped it). */
void srtp_slab_free(struct srtp_slab *sl, void *slot);
/* Free the slab and all its chunks; every slot must be back. */
void srtp_slab_destroy(struct srtp_slab *sl);

/* The direct round: run qp->ops[0..nb) as jobs, statuses as srtp_engine_run. */
void srtp_imb_run(struct tz_srtp_qp *qp, uint16_t nb, uint8_t status[]);

/* --- replay window (RFC 3711 §3.3.2), shared by SRTP and SRTCP ---------- */

/* 0 if @p index is acceptable against (hi, win), else TZ_SRTP_REPLAY. */
static inline uint8_t srtp_replay_check(uint64_t hi, const uint64_t win[2], bool started,
					 uint64_t index)
{
	uint64_t back;

	if (!started || index > hi)
		return TZ_SRTP_OK;
	back = hi - index;
	if (back >= TZ_SRTP_REPLAY_WINDOW)
		return TZ_SRTP_REPLAY;
	return (win[back >> 6] >> (back & 63)) & 1 ? TZ_SRTP_REPLAY : TZ_SRTP_OK;
}

/* Record @p index (already checked) as seen; moves hi forward if newer. */
static inline void srtp_replay_commit(uint64_t *hi, uint64_t win[2], bool started,
				      uint64_t index)
{
	uint64_t d, back;

	if (!started) {
		*hi = index;
		win[0] = 1;
		win[1] = 0;
		return;
	}
	if (index > *hi) {
		d = index - *hi;
		if (d >= TZ_SRTP_REPLAY_WINDOW) {
			win[0] = 0;
			win[1] = 0;
		} else if (d >= 64) {
			win[1] = win[0] << (d - 64);
			win[0] = 0;
		} else {
			win[1] = (win[1] << d) | (win[0] >> (64 - d));
			win[0] <<= d;
		}
		win[0] |= 1;
		*hi = index;
		return;
	}
	back = *hi - index;
	win[back >> 6] |= UINT64_C(1) << (back & 63);
}

/*
 * RFC 3711 §3.3.1 / Appendix A index estimate of a received sequence number
 * against the highest index @p local so far (the same guess as libsrtp, so
 * the two agree on every packet).
 */
static inline uint64_t srtp_rtp_estimate_from(uint64_t local, uint16_t seq)
{
	uint64_t roc = local >> 16;
	uint16_t s_l = (uint16_t)local;

	if (s_l < 32768) {
		if ((int)seq - (int)s_l > 32768 && roc > 0)
			roc--;
	} else if ((int)s_l - 32768 > (int)seq) {
		roc++;
	}
	return (roc << 16) | seq;
}

/* No earlier packet of the stream in this round (srtp_round_base). */
#define SRTP_NO_BASE UINT64_MAX

/*
 * The index of a packet of stream @p st: against the stream's committed
 * state, or, for a stream that has not started (its first round), against
 * @p base, the highest index of its earlier packets in the same round --
 * as if each had been committed before the next, as libsrtp does packet by
 * packet.  Without it a new stream's first burst crossing 65535 -> 0 put
 * ROC 0 on the packets after the wrap.
 */
static inline uint64_t srtp_rtp_estimate(const struct tz_srtp_stream *st, uint64_t base,
					 uint16_t seq)
{
	if (likely(st->rtp_started))
		return srtp_rtp_estimate_from(st->rtp_index, seq);
	if (base != SRTP_NO_BASE)
		return srtp_rtp_estimate_from(base, seq);
	return (st->rtp_index & ~(uint64_t)0xffff) | seq;
}

#endif /* TZ_SRTP_PVT_H */
