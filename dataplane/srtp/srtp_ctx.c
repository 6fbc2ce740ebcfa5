/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Context creation (control thread): suite table, key derivation
 * (RFC 3711 §4.3, RFC 7714 §11) and the cryptodev sessions.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <openssl/crypto.h>
#include <rte_cryptodev.h>
#include <rte_malloc.h>

#include "srtp_pvt.h"

/* RFC 3711 §4.3.2 labels */
enum {
	LABEL_RTP_ENC = 0,
	LABEL_RTP_AUTH = 1,
	LABEL_RTP_SALT = 2,
	LABEL_RTCP_ENC = 3,
	LABEL_RTCP_AUTH = 4,
	LABEL_RTCP_SALT = 5,
};

struct suite_info {
	uint8_t key_len;	/* master and session encryption key */
	uint8_t salt_len;	/* master and session salt */
	uint8_t auth_key_len;	/* HMAC-SHA1 key; 0 for AEAD */
	uint8_t rtp_tag_len;
	uint8_t rtcp_tag_len;	/* RFC 4568 §6.2: 80 bits for both CM suites */
	bool aead;
};

static const struct suite_info suites[TZ_SRTP_SUITE_COUNT] = {
	[TZ_SRTP_AES_CM_128_HMAC_SHA1_80] = { 16, 14, 20, 10, 10, false },
	[TZ_SRTP_AES_CM_128_HMAC_SHA1_32] = { 16, 14, 20, 4, 10, false },
	[TZ_SRTP_AEAD_AES_128_GCM] = { 16, 12, 0, 16, 16, true },
	[TZ_SRTP_AEAD_AES_256_GCM] = { 32, 12, 0, 16, 16, true },
};

static const struct suite_info *suite_get(enum tz_srtp_suite suite)
{
	return (unsigned int)suite < TZ_SRTP_SUITE_COUNT ? &suites[suite] : NULL;
}

size_t tz_srtp_suite_key_len(enum tz_srtp_suite suite)
{
	return suite_get(suite) ? suite_get(suite)->key_len : 0;
}

size_t tz_srtp_suite_salt_len(enum tz_srtp_suite suite)
{
	return suite_get(suite) ? suite_get(suite)->salt_len : 0;
}

size_t tz_srtp_suite_rtp_tag_len(enum tz_srtp_suite suite)
{
	return suite_get(suite) ? suite_get(suite)->rtp_tag_len : 0;
}

size_t tz_srtp_suite_rtp_overhead(enum tz_srtp_suite suite)
{
	return tz_srtp_suite_rtp_tag_len(suite);
}

size_t tz_srtp_suite_rtcp_overhead(enum tz_srtp_suite suite)
{
	return suite_get(suite) ? suite_get(suite)->rtcp_tag_len + SRTP_RTCP_TRAILER_LEN : 0;
}

static int derive(const struct suite_info *si, const uint8_t *mkey, const uint8_t *msalt,
		  uint8_t first_label, struct srtp_session_keys *d)
{
	int rc;

	rc = srtp_kdf(mkey, si->key_len, msalt, si->salt_len, first_label, d->enc, si->key_len);
	if (rc == 0 && si->auth_key_len > 0)
		rc = srtp_kdf(mkey, si->key_len, msalt, si->salt_len, first_label + 1, d->auth,
			      si->auth_key_len);
	if (rc == 0)
		rc = srtp_kdf(mkey, si->key_len, msalt, si->salt_len, first_label + 2, d->salt,
			      si->salt_len);
	return rc;
}

/* Cipher+HMAC chain: encrypt-then-MAC to protect, verify-then-decrypt to unprotect. */
static void *cm_session(struct tz_srtp_engine *eng, enum tz_srtp_dir dir,
			const struct srtp_session_keys *d, uint8_t tag_len)
{
	bool prot = dir == TZ_SRTP_DIR_PROTECT;
	struct rte_crypto_sym_xform cipher = {
		.type = RTE_CRYPTO_SYM_XFORM_CIPHER,
		.cipher = {
			.op = prot ? RTE_CRYPTO_CIPHER_OP_ENCRYPT : RTE_CRYPTO_CIPHER_OP_DECRYPT,
			.algo = RTE_CRYPTO_CIPHER_AES_CTR,
			.key = { .data = d->enc, .length = 16 },
			.iv = { .offset = SRTP_OP_PRIV_OFFSET, .length = 16 },
		},
	};
	struct rte_crypto_sym_xform auth = {
		.type = RTE_CRYPTO_SYM_XFORM_AUTH,
		.auth = {
			.op = prot ? RTE_CRYPTO_AUTH_OP_GENERATE : RTE_CRYPTO_AUTH_OP_VERIFY,
			.algo = RTE_CRYPTO_AUTH_SHA1_HMAC,
			.key = { .data = d->auth, .length = 20 },
			.digest_length = tag_len,
		},
	};

	if (prot)
		cipher.next = &auth;
	else
		auth.next = &cipher;
	return rte_cryptodev_sym_session_create(eng->dev_id, prot ? &cipher : &auth,
						eng->sess_pool);
}

static void *gcm_session(struct tz_srtp_engine *eng, enum tz_srtp_dir dir,
			 const struct srtp_session_keys *d, uint8_t key_len)
{
	struct rte_crypto_sym_xform aead = {
		.type = RTE_CRYPTO_SYM_XFORM_AEAD,
		.aead = {
			.op = dir == TZ_SRTP_DIR_PROTECT ? RTE_CRYPTO_AEAD_OP_ENCRYPT
							 : RTE_CRYPTO_AEAD_OP_DECRYPT,
			.algo = RTE_CRYPTO_AEAD_AES_GCM,
			.key = { .data = d->enc, .length = key_len },
			.iv = { .offset = SRTP_OP_PRIV_OFFSET, .length = 12 },
			.digest_length = SRTP_GCM_TAG_LEN,
			.aad_length = SRTP_GCM_SESSION_AAD_LEN,
		},
	};

	return rte_cryptodev_sym_session_create(eng->dev_id, &aead, eng->sess_pool);
}

/* Where the direct backend's key blocks start: after the context's two
 * lines (the cryptodev-only GCM hash powers are not allocated). */
#define CTX_KB_OFFSET RTE_ALIGN_CEIL(offsetof(struct tz_srtp_ctx, rtp_hpow), RTE_CACHE_LINE_SIZE)

/*
 * Direct backend: the context's two lines, then the SRTP key block and,
 * for AES-CM, the SRTCP one (GCM's SRTCP key stays unexpanded in rtcp_kb:
 * intel-ipsec-mb's gcm_key_data is 1 KiB for the AVX-512 manager, and
 * SRTCP is a few packets a second, so it is expanded per packet).
 */
size_t srtp_ctx_alloc_size(const struct tz_srtp_engine *eng, bool aead)
{
	size_t kb = RTE_ALIGN_CEIL(srtp_imb_kb_size(aead), RTE_CACHE_LINE_SIZE);

	if (!eng->direct)
		return sizeof(struct tz_srtp_ctx);
	return RTE_ALIGN_CEIL(CTX_KB_OFFSET + (aead ? srtp_imb_kb_size(aead) : 2 * kb),
			      RTE_CACHE_LINE_SIZE);
}

/* One protocol's session and salt and, for GCM, its hash key powers. */
static int setup_proto(struct tz_srtp_ctx *ctx, const struct suite_info *si,
		       const struct srtp_session_keys *d, bool rtcp)
{
	struct srtp_proto_keys *pk = rtcp ? &ctx->rtcp : &ctx->rtp;
	uint8_t *kb = (uint8_t *)ctx + CTX_KB_OFFSET;
	uint8_t h[16];
	int rc = 0;

	memcpy(pk->salt, d->salt, si->salt_len);
	if (ctx->direct) {
		if (rtcp && si->aead)
			kb = ctx->rtcp_kb;
		else if (rtcp)
			kb += RTE_ALIGN_CEIL(srtp_imb_kb_size(false), RTE_CACHE_LINE_SIZE);
		return srtp_imb_kb_init(ctx->eng, kb, si->aead, rtcp && si->aead, ctx->dir, d,
					si->key_len, rtcp ? si->rtcp_tag_len : si->rtp_tag_len,
					&pk->sess);
	}
	if (si->aead) {
		rc = srtp_gcm_hash_key(d->enc, si->key_len, h);
		if (rc != 0)
			goto out;
		if (rtcp)
			srtp_gcm_hpow_init(h, (uint8_t (*)[16])ctx->rtcp_h, 1);
		else
			srtp_gcm_hpow_init(h, ctx->rtp_hpow, SRTP_GCM_HPOW);
		pk->sess = gcm_session(ctx->eng, ctx->dir, d, si->key_len);
	} else {
		pk->sess = cm_session(ctx->eng, ctx->dir, d,
				      rtcp ? si->rtcp_tag_len : si->rtp_tag_len);
	}
	if (pk->sess == NULL)
		rc = errno == ENOMEM || errno == 0 ? -ENOMEM : -ENOTSUP;
out:
	OPENSSL_cleanse(h, sizeof(h));
	return rc;
}

/* Line mask @p m as tz_srtp_ctx_prefetch_keys()'s two runs: the low run of
 * ones, and from the next set line to line 15 (a superset if @p m has more
 * runs or its last does not end at 15: the managers' masks have not),
 * clamped to head <= 8, tail >= 11. */
static void kb_runs(struct tz_srtp_ctx *ctx, uint16_t m)
{
	unsigned int head = (unsigned int)__builtin_ctz(~(unsigned int)m);
	unsigned int rest = m & ~((1u << head) - 1u);
	unsigned int tail = rest != 0 ? (unsigned int)__builtin_ctz(rest) : 16;

	/* the inline prefetch's unrolled range: a line less, never a wrong one */
	ctx->kb_head = (uint8_t)RTE_MIN(head, 8u);
	ctx->kb_tail = (uint8_t)RTE_MAX(tail, 11u);
}

static struct tz_srtp_ctx *ctx_alloc(struct tz_srtp_engine *eng, bool aead)
{
	if (eng->direct)
		return srtp_slab_alloc(eng->slab[aead]);
	return rte_zmalloc("tz_srtp_ctx", sizeof(struct tz_srtp_ctx), RTE_CACHE_LINE_SIZE);
}

struct tz_srtp_ctx *srtp_ctx_create_keys(struct tz_srtp_engine *eng, enum tz_srtp_suite suite,
					 enum tz_srtp_dir dir,
					 const struct srtp_session_keys *rtp,
					 const struct srtp_session_keys *rtcp)
{
	const struct suite_info *si = suite_get(suite);
	struct tz_srtp_ctx *ctx;
	int rc;

	ctx = ctx_alloc(eng, si->aead);
	if (ctx == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ctx->eng = eng;
	ctx->direct = eng->direct;
	ctx->suite = (uint8_t)suite;
	ctx->dir = (uint8_t)dir;
	ctx->aead = si->aead;
	ctx->rtp_tag_len = si->rtp_tag_len;
	ctx->rtcp_tag_len = si->rtcp_tag_len;
	kb_runs(ctx, srtp_imb_kb_lines(eng, si->aead, si->key_len));
	rc = setup_proto(ctx, si, rtp, false);
	if (rc == 0)
		rc = setup_proto(ctx, si, rtcp, true);
	if (rc != 0) {
		tz_srtp_ctx_destroy(ctx);
		errno = -rc;
		return NULL;
	}
	return ctx;
}

struct tz_srtp_ctx *tz_srtp_ctx_create(struct tz_srtp_engine *eng, enum tz_srtp_suite suite,
				       enum tz_srtp_dir dir, const uint8_t *master_key,
				       size_t key_len, const uint8_t *master_salt,
				       size_t salt_len)
{
	const struct suite_info *si = suite_get(suite);
	struct srtp_session_keys k[2];
	struct tz_srtp_ctx *ctx = NULL;
	int rc;

	if (eng == NULL || si == NULL || master_key == NULL || master_salt == NULL ||
	    key_len != si->key_len || salt_len != si->salt_len ||
	    (dir != TZ_SRTP_DIR_PROTECT && dir != TZ_SRTP_DIR_UNPROTECT)) {
		errno = EINVAL;
		return NULL;
	}
	memset(k, 0, sizeof(k));
	rc = derive(si, master_key, master_salt, LABEL_RTP_ENC, &k[0]);
	if (rc == 0)
		rc = derive(si, master_key, master_salt, LABEL_RTCP_ENC, &k[1]);
	if (rc == 0)
		ctx = srtp_ctx_create_keys(eng, suite, dir, &k[0], &k[1]);
	else
		errno = rc == -ENOMEM ? ENOMEM : EIO;
	OPENSSL_cleanse(k, sizeof(k));
	return ctx;
}

void tz_srtp_ctx_destroy(struct tz_srtp_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->direct) {
		struct srtp_slab *sl = ctx->eng->slab[ctx->aead];

		OPENSSL_cleanse(ctx, srtp_ctx_alloc_size(ctx->eng, ctx->aead));
		srtp_slab_free(sl, ctx);
		return;
	}
	if (ctx->rtp.sess != NULL)
		rte_cryptodev_sym_session_free(ctx->eng->dev_id, ctx->rtp.sess);
	if (ctx->rtcp.sess != NULL)
		rte_cryptodev_sym_session_free(ctx->eng->dev_id, ctx->rtcp.sess);
	OPENSSL_cleanse(ctx, sizeof(*ctx));
	rte_free(ctx);
}

enum tz_srtp_suite tz_srtp_ctx_suite(const struct tz_srtp_ctx *ctx)
{
	return (enum tz_srtp_suite)ctx->suite;
}

int tz_srtp_ctx_set_rtcp_index(struct tz_srtp_ctx *ctx, uint32_t next)
{
	if (ctx == NULL || next > SRTP_RTCP_INDEX_MASK + 1u)
		return -EINVAL;
	__atomic_store_n(&ctx->rtcp_next, next, __ATOMIC_RELAXED);
	return 0;
}

uint32_t tz_srtp_ctx_rtcp_index(const struct tz_srtp_ctx *ctx)
{
	uint64_t n = __atomic_load_n(&ctx->rtcp_next, __ATOMIC_RELAXED);

	return n > SRTP_RTCP_INDEX_MASK ? SRTP_RTCP_INDEX_MASK + 1u : (uint32_t)n;
}

void tz_srtp_stream_init(struct tz_srtp_stream *st, uint32_t roc)
{
	memset(st, 0, sizeof(*st));
	st->rtp_index = (uint64_t)roc << 16;
}

/* tz_srtp_ctx_prefetch_keys() (tz_srtp.h, inline) finds these by offset. */
static_assert(offsetof(struct tz_srtp_ctx, kb_head) == TZ_SRTP_CTX_KB_LINES_OFF &&
	      offsetof(struct tz_srtp_ctx, kb_tail) == TZ_SRTP_CTX_KB_LINES_OFF + 1,
	      "TZ_SRTP_CTX_KB_LINES_OFF");
static_assert(TZ_SRTP_CTX_KB_LINES_OFF + 2 <= RTE_CACHE_LINE_SIZE,
	      "kb_lines off the context's first line");
static_assert(CTX_KB_OFFSET == TZ_SRTP_CTX_KB_OFF, "TZ_SRTP_CTX_KB_OFF");
