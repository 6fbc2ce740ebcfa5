/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SRTP/SRTCP transform for the fast path (RFC 3711, RFC 7714) with the
 * cipher and MAC run in bursts, either by intel-ipsec-mb's job API called
 * directly (the default) or through DPDK cryptodev (offload devices).
 *
 * Three kinds of object, split by who may write them:
 *
 * - struct tz_srtp_engine: one cryptodev (ipsec_mb PMD preferred, OpenSSL
 *   PMD as fallback), its session pool and one queue pair per worker.
 *   Created and destroyed by the control thread.
 * - struct tz_srtp_ctx: the immutable crypto context of one direction of one
 *   SRTP association: suite, session salts, one cryptodev session for SRTP
 *   and one for SRTCP.  Built by the control thread (key derivation happens
 *   here, RFC 3711 §4.3, key derivation rate 0), then only read, by any
 *   number of workers -- except its SRTCP sender index, which is per
 *   context (per key, RFC 3711 §3.4) and taken atomically, so flows that
 *   share a context never send the same index.  Retire it through RCU
 *   before tz_srtp_ctx_destroy().
 * - struct tz_srtp_stream: the small mutable state of one SSRC in one
 *   direction (ROC, highest sequence number, replay windows, highest
 *   SRTCP index received).
 *   Owned by exactly one worker; no atomics.
 *
 * Packet functions work on bursts of single-segment mbufs.  Each packet
 * names its own context and stream, so a worker can hand one burst that
 * mixes sessions.  A packet's outcome is written to a status array; failed
 * packets are left in the array for the caller to count and drop, and their
 * contents are then unspecified.  Stream state is committed only for packets
 * whose status is TZ_SRTP_OK (after the tag verified).
 */
#ifndef TZ_SRTP_H
#define TZ_SRTP_H

#include <stddef.h>
#include <stdint.h>

#include <rte_prefetch.h>

struct rte_mbuf;

/** Largest burst handled in one enqueue/dequeue round; longer bursts are split. */
#define TZ_SRTP_BURST_MAX 64

/** Replay window, in packets (RFC 3711 §3.3.2 requires at least 64). */
#define TZ_SRTP_REPLAY_WINDOW 128

/** Longest master key (AEAD_AES_256_GCM) and master salt (AES-CM suites). */
#define TZ_SRTP_MASTER_KEY_MAX 32
#define TZ_SRTP_MASTER_SALT_MAX 14

/** Protection profiles (RFC 4568 names; RFC 7714 for the AEAD ones). MKI is never used. */
enum tz_srtp_suite {
	TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
	TZ_SRTP_AES_CM_128_HMAC_SHA1_32,
	TZ_SRTP_AEAD_AES_128_GCM,
	TZ_SRTP_AEAD_AES_256_GCM,
	TZ_SRTP_SUITE_COUNT
};

/** Which way a context transforms: protect (send) or unprotect (receive). */
enum tz_srtp_dir {
	TZ_SRTP_DIR_PROTECT,
	TZ_SRTP_DIR_UNPROTECT,
};

/* X(enum suffix, counter name) — per-packet outcome; names double as drop-counter names. */
#define TZ_SRTP_STATUSES(X)                                   \
	X(OK, "srtp_ok")                                      \
	X(AUTH_FAIL, "srtp_auth_fail")                        \
	X(REPLAY, "srtp_replay")                              \
	X(TOO_SHORT, "srtp_too_short")                        \
	X(BAD_VERSION, "srtp_bad_version")                    \
	X(BAD_MBUF, "srtp_bad_mbuf")                          \
	X(KEY_EXPIRED, "srtp_key_expired")                    \
	X(CRYPTO_ERR, "srtp_crypto_error")

/** Outcome of one packet in a burst. */
enum tz_srtp_status {
#define TZ_SRTP_STATUS_ENUM(e, n) TZ_SRTP_##e,
	TZ_SRTP_STATUSES(TZ_SRTP_STATUS_ENUM)
#undef TZ_SRTP_STATUS_ENUM
	TZ_SRTP_STATUS_COUNT
};

/**
 * Per-SSRC, per-direction mutable state.  Zero-filled (tz_srtp_stream_init)
 * it means "nothing sent/received yet, ROC 0".  Owned by one worker.
 */
struct tz_srtp_stream {
	uint64_t rtp_index;	/**< highest 48-bit index (ROC << 16 | s_l) */
	uint64_t rtp_win[2];	/**< bit k: index rtp_index - k seen (k < 128) */
	uint64_t rtcp_win[2];	/**< bit k: SRTCP index rtcp_index - k seen */
	uint32_t rtcp_index;	/**< unprotect: highest seen (protect: the context's) */
	uint8_t rtp_started;	/**< unprotect/protect: rtp_index is valid */
	uint8_t rtcp_started;	/**< unprotect: rtcp_index is valid */
};

/** Which code runs the cipher and MAC (config `crypto.backend`). */
enum tz_srtp_backend {
	/** intel-ipsec-mb directly, unless cryptodev drivers are named in the conf */
	TZ_SRTP_BACKEND_AUTO,
	/** intel-ipsec-mb's job API called directly: per-context key blocks, one
	 * manager per queue pair, no cryptodev in between */
	TZ_SRTP_BACKEND_IPSEC_MB,
	/** DPDK cryptodev (aesni_mb / OpenSSL PMDs, or QAT and other offload devices) */
	TZ_SRTP_BACKEND_CRYPTODEV,
};

/** intel-ipsec-mb manager of the direct backend (config `crypto.ipsec_mb_arch`). */
enum tz_srtp_imb_arch {
	TZ_SRTP_IMB_AUTO,	/**< the best for this CPU (see docs/architecture.md) */
	TZ_SRTP_IMB_SSE,
	TZ_SRTP_IMB_AVX,
	TZ_SRTP_IMB_AVX2,
	TZ_SRTP_IMB_AVX512,
};

/** Engine set-up parameters.  Zero-filled fields mean the defaults. */
struct tz_srtp_engine_conf {
	/** cryptodev drivers to try in order; NULL: "crypto_aesni_mb", "crypto_openssl" */
	const char *const *drivers;
	unsigned int nb_drivers;	/**< entries in drivers */
	uint16_t nb_workers;		/**< queue pairs to set up, one per worker */
	uint32_t max_ctx;		/**< contexts alive at once (2 sessions each) */
	int socket_id;			/**< NUMA socket, or SOCKET_ID_ANY (-1) */
	/* crypto backend (issue 12) */
	enum tz_srtp_backend backend;	/**< AUTO: ipsec_mb unless @ref drivers is set */
	enum tz_srtp_imb_arch imb_arch;	/**< direct backend's manager; AUTO: by CPU flags */
};

struct tz_srtp_engine;
struct tz_srtp_qp;
struct tz_srtp_ctx;

/**
 * Create the crypto engine: find or create a cryptodev of the first driver
 * in conf->drivers that works, configure one queue pair per worker, and make
 * the session and op pools.  Logs the chosen engine.
 * Threading: control thread only, after rte_eal_init().
 * @return the engine, or NULL with errno: EINVAL (bad conf), ENODEV (no
 *         driver could be started), ENOMEM, or a cryptodev error.
 */
struct tz_srtp_engine *tz_srtp_engine_create(const struct tz_srtp_engine_conf *conf);

/**
 * Stop and free the engine; every context must have been destroyed first.
 * Threading: control thread only, with no worker using the engine.
 */
void tz_srtp_engine_destroy(struct tz_srtp_engine *eng);

/**
 * Name of the backend in use: the cryptodev driver ("crypto_aesni_mb") or
 * "ipsec_mb_direct/<arch>" ("ipsec_mb_direct/sse") for the direct backend.
 * Threading: any thread.
 */
const char *tz_srtp_engine_driver(const struct tz_srtp_engine *eng);

/**
 * The queue pair of worker @p worker (0 .. nb_workers - 1).  Each worker
 * must use only its own queue pair.
 * Threading: any thread; the handle is then used by that worker only.
 * @return the handle, or NULL with errno EINVAL.
 */
struct tz_srtp_qp *tz_srtp_engine_qp(struct tz_srtp_engine *eng, uint16_t worker);

/**
 * Bytes of memory held per context (cryptodev session objects as allocated
 * in the session pool, or the direct backend's key blocks, plus the
 * context itself); the largest over the suites.
 * Threading: any thread.
 */
size_t tz_srtp_engine_ctx_footprint(const struct tz_srtp_engine *eng);

/**
 * As tz_srtp_engine_ctx_footprint(), for contexts of @p suite (the direct
 * backend's AES-CM key blocks are smaller than its GCM ones).
 * Threading: any thread.
 */
size_t tz_srtp_engine_suite_footprint(const struct tz_srtp_engine *eng, enum tz_srtp_suite suite);

/**
 * The part of tz_srtp_engine_suite_footprint() taken from pools reserved
 * when the engine was created (cryptodev sessions) rather than allocated
 * per context from the heap (0 for the direct backend, whose key blocks
 * are allocated with the context).  Threading: any thread.
 */
size_t tz_srtp_engine_pool_footprint(const struct tz_srtp_engine *eng);

/** Parse "auto" | "ipsec_mb" | "cryptodev"; 0 or -EINVAL.  Threading: any. */
int tz_srtp_backend_parse(const char *s, enum tz_srtp_backend *out);

/** Parse "auto" | "sse" | "avx" | "avx2" | "avx512"; 0 or -EINVAL.  Threading: any. */
int tz_srtp_imb_arch_parse(const char *s, enum tz_srtp_imb_arch *out);

/** Master key length in bytes for @p suite (16 or 32), 0 if unknown.  Threading: any. */
size_t tz_srtp_suite_key_len(enum tz_srtp_suite suite);

/** Master salt length in bytes for @p suite (14 or 12), 0 if unknown.  Threading: any. */
size_t tz_srtp_suite_salt_len(enum tz_srtp_suite suite);

/** SRTP authentication tag length in bytes (10, 4 or 16), 0 if unknown.  Threading: any. */
size_t tz_srtp_suite_rtp_tag_len(enum tz_srtp_suite suite);

/** Bytes protect adds to an RTP packet (the tag), 0 if unknown.  Threading: any. */
size_t tz_srtp_suite_rtp_overhead(enum tz_srtp_suite suite);

/** Bytes protect adds to an RTCP packet (E|index + tag: 14 or 20), 0 if unknown.  Threading: any. */
size_t tz_srtp_suite_rtcp_overhead(enum tz_srtp_suite suite);

/**
 * Build a context: derive the SRTP and SRTCP session keys and salts from the
 * master key and salt (RFC 3711 §4.3.1 AES-CM PRF, AES-256 for the 256-bit
 * suite; RFC 7714 §11), create both cryptodev sessions and wipe the
 * derived keys from memory.
 * Threading: control thread only.
 * @return the context, or NULL with errno: EINVAL (unknown suite or wrong
 *         key/salt length), ENOMEM (session pool or memory exhausted),
 *         ENOTSUP (the engine lacks the algorithm), EIO (KDF failure).
 */
struct tz_srtp_ctx *tz_srtp_ctx_create(struct tz_srtp_engine *eng, enum tz_srtp_suite suite,
				       enum tz_srtp_dir dir, const uint8_t *master_key,
				       size_t key_len, const uint8_t *master_salt,
				       size_t salt_len);

/**
 * Free a context and its sessions.  NULL is a no-op.
 * Threading: control thread only, once no worker can still see the context
 * (after the RCU grace period).
 */
void tz_srtp_ctx_destroy(struct tz_srtp_ctx *ctx);

/**
 * Set the SRTCP index the next packet protected with @p ctx gets (RFC 3711
 * §3.4; tests, or a resumed SDES association).  A new context starts at 0.
 * Threading: control thread, before the context is published.
 * @return 0, or -EINVAL (NULL, or @p next beyond 2^31).
 */
int tz_srtp_ctx_set_rtcp_index(struct tz_srtp_ctx *ctx, uint32_t next);

/**
 * The SRTCP index the next packet protected with @p ctx gets (2^31: the
 * index space is spent, the key must change).  Threading: any thread.
 */
uint32_t tz_srtp_ctx_rtcp_index(const struct tz_srtp_ctx *ctx);

/* Where tz_srtp_ctx_prefetch_keys() finds a context's key block lines --
 * lines 0..head-1 and tail..15 of the block (head <= 8, tail >= 11), two
 * bytes at the end of the context's first line -- and the key block itself
 * (srtp_ctx.c asserts both). */
#define TZ_SRTP_CTX_KB_LINES_OFF 62
#define TZ_SRTP_CTX_KB_OFF 128

/**
 * Prefetch what an RTP packet's crypto reads of @p ctx beyond its first
 * line (which the caller prefetched earlier and this reads): the direct
 * backend's SRTP key block lines the engine's intel-ipsec-mb manager reads
 * for a short packet, chosen at key set-up -- AES-CM's round keys and HMAC
 * states (four lines); GCM's round keys, the hash key powers of that
 * manager's gcm_key_data layout and the block's header.  Nothing for
 * cryptodev contexts.  Inline, ≈ 1 instruction a line.  Threading: workers.
 */
static inline void tz_srtp_ctx_prefetch_keys(const struct tz_srtp_ctx *ctx)
{
	const uint8_t *c = (const uint8_t *)ctx;
	const uint8_t *kb = c + TZ_SRTP_CTX_KB_OFF;

	/* unrolled: one jump and a prefetch a line (head <= 8, tail >= 11) */
	switch (c[TZ_SRTP_CTX_KB_LINES_OFF]) {
	case 8:
		rte_prefetch0(kb + 7 * 64);
		/* fall through */
	case 7:
		rte_prefetch0(kb + 6 * 64);
		/* fall through */
	case 6:
		rte_prefetch0(kb + 5 * 64);
		/* fall through */
	case 5:
		rte_prefetch0(kb + 4 * 64);
		/* fall through */
	case 4:
		rte_prefetch0(kb + 3 * 64);
		/* fall through */
	case 3:
		rte_prefetch0(kb + 2 * 64);
		/* fall through */
	case 2:
		rte_prefetch0(kb + 1 * 64);
		/* fall through */
	case 1:
		rte_prefetch0(kb + 0 * 64);
		/* fall through */
	default:
		break;
	}
	switch (c[TZ_SRTP_CTX_KB_LINES_OFF + 1]) {
	case 11:
		rte_prefetch0(kb + 11 * 64);
		/* fall through */
	case 12:
		rte_prefetch0(kb + 12 * 64);
		/* fall through */
	case 13:
		rte_prefetch0(kb + 13 * 64);
		/* fall through */
	case 14:
		rte_prefetch0(kb + 14 * 64);
		/* fall through */
	case 15:
		rte_prefetch0(kb + 15 * 64);
		/* fall through */
	default:
		break;
	}
}

/** Suite of a context.  Threading: any thread. */
enum tz_srtp_suite tz_srtp_ctx_suite(const struct tz_srtp_ctx *ctx);

/**
 * Reset a stream to "nothing seen yet" with the given rollover counter
 * (0 for a new DTLS-SRTP association; RFC 4568 SDES may signal another).
 * Threading: the owning worker, or the control thread before publishing.
 */
void tz_srtp_stream_init(struct tz_srtp_stream *st, uint32_t roc);

/** Current rollover counter of a stream.  Threading: the owning worker. */
static inline uint32_t tz_srtp_stream_roc(const struct tz_srtp_stream *st)
{
	return (uint32_t)(st->rtp_index >> 16);
}

/**
 * Protect a burst of RTP packets in place (RFC 3711 §3.3, RFC 7714 §8):
 * encrypt the payload, append the tag.  The sender's index comes from the
 * RTP sequence number and the stream's ROC; a sequence number already sent
 * (within the window) or too old is refused (TZ_SRTP_REPLAY) so that a
 * keystream is never reused.  Each mbuf needs tailroom for the tag.
 * @param qp      the calling worker's queue pair
 * @param ctx     per packet: a TZ_SRTP_DIR_PROTECT context
 * @param st      per packet: its stream (may repeat within the burst)
 * @param pkts    the packets, data starting at the RTP header
 * @param n       number of packets (any; split into TZ_SRTP_BURST_MAX rounds)
 * @param status  out, per packet: enum tz_srtp_status
 * @return number of packets with status TZ_SRTP_OK.
 * Threading: the worker owning @p qp and the streams; lock-free.
 */
uint16_t tz_srtp_protect_burst(struct tz_srtp_qp *qp, const struct tz_srtp_ctx *const ctx[],
			       struct tz_srtp_stream *const st[], struct rte_mbuf *const pkts[],
			       uint16_t n, uint8_t status[]);

/**
 * Unprotect a burst of SRTP packets in place: estimate the index
 * (RFC 3711 §3.3.1, Appendix A), check the replay window, verify the tag
 * and decrypt, trim the tag, then commit ROC/window for the good ones.
 * Any input length is safe.  Parameters and return as tz_srtp_protect_burst.
 * Threading: the worker owning @p qp and the streams; lock-free.
 */
uint16_t tz_srtp_unprotect_burst(struct tz_srtp_qp *qp, const struct tz_srtp_ctx *const ctx[],
				 struct tz_srtp_stream *const st[],
				 struct rte_mbuf *const pkts[], uint16_t n, uint8_t status[]);

/**
 * Protect a burst of (compound) RTCP packets in place: encrypt, append
 * E-flag|31-bit SRTCP index and the tag (RFC 3711 §3.4; RFC 7714 §9 for
 * GCM, where the tag precedes the index).  Each mbuf needs tailroom for
 * tz_srtp_suite_rtcp_overhead().  The index comes from the context (one
 * sequence per key, shared by every stream and worker using it).
 * Parameters and return as tz_srtp_protect_burst.
 * Threading: the worker owning @p qp and the streams; lock-free.
 */
uint16_t tz_srtp_protect_rtcp_burst(struct tz_srtp_qp *qp, const struct tz_srtp_ctx *const ctx[],
				    struct tz_srtp_stream *const st[],
				    struct rte_mbuf *const pkts[], uint16_t n, uint8_t status[]);

/**
 * Unprotect a burst of SRTCP packets in place: replay check on the SRTCP
 * index, verify, decrypt when the E flag is set, strip index and tag.
 * Any input length is safe.  Parameters and return as tz_srtp_protect_burst.
 * Threading: the worker owning @p qp and the streams; lock-free.
 */
uint16_t tz_srtp_unprotect_rtcp_burst(struct tz_srtp_qp *qp,
				      const struct tz_srtp_ctx *const ctx[],
				      struct tz_srtp_stream *const st[],
				      struct rte_mbuf *const pkts[], uint16_t n,
				      uint8_t status[]);

/** Counter name of a status ("srtp_auth_fail"), "?" if out of range.  Threading: any. */
const char *tz_srtp_status_name(unsigned int status);

#endif /* TZ_SRTP_H */
