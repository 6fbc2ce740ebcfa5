/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The direct crypto backend: intel-ipsec-mb's job API called from the
 * worker, no cryptodev in between.
 *
 * The round code (srtp_rtp.c, srtp_rtcp.c) fills the same rte_crypto_op
 * descriptors for both backends; here each op becomes one IMB job:
 * AES-128-CTR + HMAC-SHA1 (cipher then hash to protect, hash then cipher to
 * unprotect) or AES-GCM with the AAD read where it lies, of any length (so
 * no GHASH fix-up is needed).  Unprotect computes the tag and compares it
 * with the received one in constant time.
 *
 * Per context, instead of two cryptodev sessions, key blocks follow the
 * context in its slot: AES-CM the expanded AES-128 key and the HMAC
 * inner/outer hash states (232 bytes) for SRTP and for SRTCP; GCM IMB's
 * gcm_key_data for SRTP (1,008 bytes: its layout is the AVX-512 manager's,
 * 48 hash-key powers, so the control thread's manager is of the workers'
 * architecture) and, for SRTCP, only the session key (a "lazy" block in the
 * context's SRTCP line): the worker expands it into its queue pair's
 * scratch for each SRTCP packet (≈ 120 ns, a few packets a second per
 * call) rather than keep 1 KiB per context for it.  Per queue pair one
 * IMB_MGR, used by its worker only.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>
#include <rte_common.h>
#include <rte_malloc.h>

#include "srtp_pvt.h"
#include "tz_log.h"

#define HMAC_SHA1_BLOCK 64
#define HMAC_SHA1_STATE 20
/* IMB produces 12 (truncated) or 20 bytes of HMAC-SHA1; SRTP uses 10 or 4 of them. */
#define HMAC_SHA1_GEN_LEN 12

/* What a job needs besides the keys; the first bytes of every key block. */
struct imb_kb_hdr {
	uint8_t aead;
	uint8_t verify;		/* unprotect: compare tags */
	uint8_t key_len;	/* AES key bytes */
	uint8_t tag_len;	/* bytes compared on unprotect */
	uint8_t lazy;		/* GCM: the key is unexpanded (struct imb_gcm_lazy_kb) */
};

struct imb_cm_kb {
	struct imb_kb_hdr h;
	uint8_t enc[16 * 11] __rte_aligned(16);	/* AES-128 round keys */
	uint8_t ipad[HMAC_SHA1_STATE];		/* SHA1 state after key ^ ipad */
	uint8_t opad[HMAC_SHA1_STATE];		/* SHA1 state after key ^ opad */
} __rte_aligned(16);

/* The header after the key data (1,008 bytes): the block stays 1 KiB. */
struct imb_gcm_kb {
	/* the header aligns it to 64 only if LINUX is defined */
	struct gcm_key_data gdata __rte_aligned(64);
	struct imb_kb_hdr h;
};

/* GCM, SRTCP: the session key, expanded per packet into the qp's scratch. */
struct imb_gcm_lazy_kb {
	struct imb_kb_hdr h;
	uint8_t key[32];
};

/* One scratch key per op of a round (struct tz_srtp_qp.gcm_tmp). */
struct imb_gcm_tmp {
	struct gcm_key_data k __rte_aligned(64);
};

static_assert(sizeof(struct imb_gcm_lazy_kb) <= SRTP_IMB_LAZY_KB, "rtcp_kb too small");

static const char *const arch_names[] = {
	[TZ_SRTP_IMB_AUTO] = "auto",	[TZ_SRTP_IMB_SSE] = "sse",
	[TZ_SRTP_IMB_AVX] = "avx",	[TZ_SRTP_IMB_AVX2] = "avx2",
	[TZ_SRTP_IMB_AVX512] = "avx512",
};

static const char *const backend_names[] = {
	[TZ_SRTP_BACKEND_AUTO] = "auto",
	[TZ_SRTP_BACKEND_IPSEC_MB] = "ipsec_mb",
	[TZ_SRTP_BACKEND_CRYPTODEV] = "cryptodev",
};

int tz_srtp_backend_parse(const char *s, enum tz_srtp_backend *out)
{
	for (unsigned int i = 0; s != NULL && i < RTE_DIM(backend_names); i++)
		if (strcmp(s, backend_names[i]) == 0) {
			*out = (enum tz_srtp_backend)i;
			return 0;
		}
	return -EINVAL;
}

int tz_srtp_imb_arch_parse(const char *s, enum tz_srtp_imb_arch *out)
{
	for (unsigned int i = 0; s != NULL && i < RTE_DIM(arch_names); i++)
		if (strcmp(s, arch_names[i]) == 0) {
			*out = (enum tz_srtp_imb_arch)i;
			return 0;
		}
	return -EINVAL;
}

/* CPU flags an architecture's manager needs (IMB's own minimum sets). */
static uint64_t arch_needs(enum tz_srtp_imb_arch a)
{
	switch (a) {
	case TZ_SRTP_IMB_SSE:
		return IMB_CPUFLAGS_SSE;
	case TZ_SRTP_IMB_AVX:
		return IMB_CPUFLAGS_AVX;
	case TZ_SRTP_IMB_AVX2:
		return IMB_CPUFLAGS_AVX2;
	case TZ_SRTP_IMB_AVX512:
		return IMB_CPUFLAGS_AVX512;
	default:
		return UINT64_MAX;
	}
}

/*
 * The best manager for this CPU.  HMAC-SHA1 dominates AES_CM_128_HMAC_SHA1_80
 * (the default suite): the SSE manager computes it with SHA-NI, the AVX and
 * AVX2 managers with their own multi-buffer SHA1 (slower for one packet
 * per lane at a time).  With VAES and VPCLMULQDQ the AVX512 manager has the
 * fastest GCM and also uses SHA-NI.  Measured with `trapeze-bench floor`.
 */
static enum tz_srtp_imb_arch arch_auto(uint64_t f)
{
	const uint64_t t2 = IMB_CPUFLAGS_AVX512 | IMB_FEATURE_VAES | IMB_FEATURE_VPCLMULQDQ |
			    IMB_FEATURE_SHANI;

	if ((f & t2) == t2)
		return TZ_SRTP_IMB_AVX512;
	if ((f & IMB_CPUFLAGS_SSE_T2) == IMB_CPUFLAGS_SSE_T2)
		return TZ_SRTP_IMB_SSE;
	if ((f & IMB_CPUFLAGS_AVX2) == IMB_CPUFLAGS_AVX2)
		return TZ_SRTP_IMB_AVX2;
	if ((f & IMB_CPUFLAGS_AVX) == IMB_CPUFLAGS_AVX)
		return TZ_SRTP_IMB_AVX;
	return TZ_SRTP_IMB_SSE;
}

/* A manager of architecture @p a, or NULL. */
static IMB_MGR *mgr_new(enum tz_srtp_imb_arch a)
{
	IMB_MGR *m = alloc_mb_mgr(0);

	if (m == NULL)
		return NULL;
	switch (a) {
	case TZ_SRTP_IMB_AVX:
		init_mb_mgr_avx(m);
		break;
	case TZ_SRTP_IMB_AVX2:
		init_mb_mgr_avx2(m);
		break;
	case TZ_SRTP_IMB_AVX512:
		init_mb_mgr_avx512(m);
		break;
	default:
		init_mb_mgr_sse(m);
		break;
	}
	if (imb_get_errno(m) != 0) {
		free_mb_mgr(m);
		return NULL;
	}
	return m;
}

/* Bits for the lines holding bytes [@p from, @p to) of a key block. */
static uint16_t lines_of(size_t from, size_t to)
{
	uint16_t m = 0;

	for (size_t l = from / RTE_CACHE_LINE_SIZE; l <= (to - 1) / RTE_CACHE_LINE_SIZE; l++)
		m |= (uint16_t)(1u << l);
	return m;
}

/*
 * The gcm_key_data lines GCM of manager @p a reads for a short (≈ 170
 * bytes, ≤ 16 blocks) packet, IMB 1.x layouts: the round keys (AES-128
 * 176 bytes, AES-256 240), then at byte 240 the hash key powers -- SSE and
 * AVX: H^8..H^1 and their Karatsuba halves (256 bytes); AVX2 and AVX-512
 * without VAES: H^8..H^1 (128 bytes); VAES AVX-512: H^48..H^1, a short
 * packet using the lowest 16, at the end (752..1007).  Plus our header.
 */
static void kb_lines_init(struct tz_srtp_engine *eng, enum tz_srtp_imb_arch a, uint64_t f)
{
	const size_t hk = offsetof(struct gcm_key_data, ghash_keys);
	const size_t end = offsetof(struct imb_gcm_kb, h);
	uint16_t hdr = lines_of(end, end + sizeof(struct imb_kb_hdr));
	uint16_t pow;

	static_assert(sizeof(struct imb_gcm_kb) <= 16 * RTE_CACHE_LINE_SIZE, "16-bit mask");
	if (a == TZ_SRTP_IMB_SSE || a == TZ_SRTP_IMB_AVX)
		pow = lines_of(hk, hk + 16 * 16);
	else if (a == TZ_SRTP_IMB_AVX512 && (f & IMB_FEATURE_VAES))
		pow = lines_of(end - 16 * 16, end);
	else
		pow = lines_of(hk, hk + 16 * 8);
	eng->kb_lines[0] = lines_of(0, sizeof(struct imb_cm_kb));
	eng->kb_lines[1] = lines_of(0, 16 * 11) | pow | hdr;
	eng->kb_lines[2] = lines_of(0, 16 * 15) | pow | hdr;
}

uint16_t srtp_imb_kb_lines(const struct tz_srtp_engine *eng, bool aead, uint8_t key_len)
{
	if (!eng->direct)
		return 0;
	return eng->kb_lines[aead ? (key_len == 32 ? 2 : 1) : 0];
}

int srtp_imb_engine_init(struct tz_srtp_engine *eng, const struct tz_srtp_engine_conf *conf)
{
	enum tz_srtp_imb_arch a = conf->imb_arch;
	IMB_MGR *probe = alloc_mb_mgr(0);
	uint64_t f;

	if (probe == NULL)
		return -ENOMEM;
	f = probe->features;
	free_mb_mgr(probe);
	if ((unsigned int)a >= RTE_DIM(arch_names))
		return -EINVAL;
	if (a == TZ_SRTP_IMB_AUTO) {
		a = arch_auto(f);
	} else if ((f & arch_needs(a)) != arch_needs(a)) {
		TZ_LOG(DP_SRTP, ERR, "crypto.ipsec_mb_arch %s: this CPU lacks its instructions",
		       arch_names[a]);
		return -ENOTSUP;
	}
	eng->ctl_mgr = mgr_new(a);
	if (eng->ctl_mgr == NULL)
		return -ENOTSUP;
	for (uint16_t q = 0; q < eng->nb_qps; q++) {
		eng->qps[q].mgr = mgr_new(a);
		eng->qps[q].gcm_tmp = rte_zmalloc("tz_srtp_gcm_tmp",
						  TZ_SRTP_BURST_MAX * sizeof(struct imb_gcm_tmp),
						  RTE_CACHE_LINE_SIZE);
		if (eng->qps[q].mgr == NULL || eng->qps[q].gcm_tmp == NULL) {
			srtp_imb_engine_fini(eng);
			return -ENOMEM;
		}
	}
	eng->direct = true;
	kb_lines_init(eng, a, f);
	eng->slab[0] = srtp_slab_create(srtp_ctx_alloc_size(eng, false));
	eng->slab[1] = srtp_slab_create(srtp_ctx_alloc_size(eng, true));
	if (eng->slab[0] == NULL || eng->slab[1] == NULL) {
		srtp_imb_engine_fini(eng);
		return -ENOMEM;
	}
	snprintf(eng->driver, sizeof(eng->driver), "ipsec_mb_direct/%s", arch_names[a]);
	TZ_LOG(DP_SRTP, INFO,
	       "crypto engine %s (intel-ipsec-mb %s, %s, CPU%s%s%s%s%s; %u managers)",
	       eng->driver, imb_get_version_str(),
	       conf->imb_arch == TZ_SRTP_IMB_AUTO ? "chosen by CPU flags" : "configured",
	       f & IMB_FEATURE_SHANI ? " sha-ni" : "", f & IMB_FEATURE_AVX2 ? " avx2" : "",
	       f & IMB_FEATURE_AVX512F ? " avx512" : "", f & IMB_FEATURE_VAES ? " vaes" : "",
	       f & IMB_FEATURE_GFNI ? " gfni" : "", eng->nb_qps);
	return 0;
}

void srtp_imb_engine_fini(struct tz_srtp_engine *eng)
{
	for (uint16_t q = 0; eng->qps != NULL && q < eng->nb_qps; q++) {
		if (eng->qps[q].mgr != NULL)
			free_mb_mgr(eng->qps[q].mgr);
		eng->qps[q].mgr = NULL;
		if (eng->qps[q].gcm_tmp != NULL) {
			OPENSSL_cleanse(eng->qps[q].gcm_tmp,
					TZ_SRTP_BURST_MAX * sizeof(struct imb_gcm_tmp));
			rte_free(eng->qps[q].gcm_tmp);
		}
		eng->qps[q].gcm_tmp = NULL;
	}
	for (unsigned int k = 0; k < RTE_DIM(eng->slab); k++) {
		srtp_slab_destroy(eng->slab[k]);
		eng->slab[k] = NULL;
	}
	eng->direct = false;
	if (eng->ctl_mgr != NULL)
		free_mb_mgr(eng->ctl_mgr);
	eng->ctl_mgr = NULL;
}

size_t srtp_imb_kb_size(bool aead)
{
	return aead ? sizeof(struct imb_gcm_kb) : sizeof(struct imb_cm_kb);
}

/* HMAC inner and outer states (RFC 2104) of a 20-byte key. */
static void hmac_pads(IMB_MGR *m, const uint8_t *key, size_t len, uint8_t *ipad, uint8_t *opad)
{
	uint8_t blk[HMAC_SHA1_BLOCK];

	memset(blk, 0x36, sizeof(blk));
	for (size_t i = 0; i < len; i++)
		blk[i] ^= key[i];
	IMB_SHA1_ONE_BLOCK(m, blk, ipad);
	memset(blk, 0x5c, sizeof(blk));
	for (size_t i = 0; i < len; i++)
		blk[i] ^= key[i];
	IMB_SHA1_ONE_BLOCK(m, blk, opad);
	OPENSSL_cleanse(blk, sizeof(blk));
}

int srtp_imb_kb_init(struct tz_srtp_engine *eng, void *kb, bool aead, bool lazy,
		     enum tz_srtp_dir dir, const struct srtp_session_keys *d, uint8_t key_len,
		     uint8_t tag_len, void **sess)
{
	struct imb_kb_hdr *h = kb;
	IMB_MGR *m = eng->ctl_mgr;

	if (aead && key_len != 16 && key_len != 32)
		return -EINVAL;
	if (aead && !lazy) {
		struct imb_gcm_kb *g = kb;

		h = &g->h;
		if (key_len == 16)
			IMB_AES128_GCM_PRE(m, d->enc, &g->gdata);
		else
			IMB_AES256_GCM_PRE(m, d->enc, &g->gdata);
	} else if (aead) {
		memcpy(((struct imb_gcm_lazy_kb *)kb)->key, d->enc, key_len);
	} else {
		struct imb_cm_kb *c = kb;
		uint8_t dec[16 * 11] __rte_aligned(16);

		if (key_len != 16)
			return -EINVAL;
		IMB_AES_KEYEXP_128(m, d->enc, c->enc, dec);
		OPENSSL_cleanse(dec, sizeof(dec));
		hmac_pads(m, d->auth, sizeof(d->auth), c->ipad, c->opad);
	}
	h->aead = aead;
	h->lazy = aead && lazy;
	h->verify = dir == TZ_SRTP_DIR_UNPROTECT;
	h->key_len = key_len;
	h->tag_len = tag_len;
	*sess = h;
	return imb_get_errno(m) != 0 ? -EIO : 0;
}

/* GCM key data of a job: the context's, or its SRTCP key expanded into @p tmp. */
static inline const struct gcm_key_data *gcm_keys(IMB_MGR *m, const struct imb_kb_hdr *h,
						  struct imb_gcm_tmp *tmp)
{
	const struct imb_gcm_lazy_kb *l;

	if (likely(!h->lazy))
		return &container_of(h, const struct imb_gcm_kb, h)->gdata;
	l = (const struct imb_gcm_lazy_kb *)h;
	if (h->key_len == 16)
		IMB_AES128_GCM_PRE(m, l->key, &tmp->k);
	else
		IMB_AES256_GCM_PRE(m, l->key, &tmp->k);
	return &tmp->k;
}

/* One op as one job. */
static inline void fill_job(IMB_MGR *m, IMB_JOB *job, struct rte_crypto_op *op,
			    struct imb_gcm_tmp *tmp)
{
	const struct imb_kb_hdr *h = op->sym->session;
	struct srtp_op_priv *pv = srtp_op_priv(op);
	struct rte_crypto_sym_op *sym = op->sym;
	uint8_t *src = rte_pktmbuf_mtod(sym->m_src, uint8_t *);

	job->src = src;
	job->iv = pv->iv;
	job->user_data = op;
	job->auth_tag_output = h->verify ? pv->tag + 16 : pv->tag;
	job->cipher_direction = h->verify ? IMB_DIR_DECRYPT : IMB_DIR_ENCRYPT;
	job->chain_order = h->verify ? IMB_ORDER_HASH_CIPHER : IMB_ORDER_CIPHER_HASH;
	pv->verify = h->verify;
	if (h->aead) {
		const struct gcm_key_data *k = gcm_keys(m, h, tmp);

		job->cipher_mode = IMB_CIPHER_GCM;
		job->hash_alg = IMB_AUTH_AES_GMAC;
		job->enc_keys = k;
		job->dec_keys = k;
		job->key_len_in_bytes = h->key_len;
		job->iv_len_in_bytes = 12;
		job->dst = src + sym->aead.data.offset;
		job->cipher_start_src_offset_in_bytes = sym->aead.data.offset;
		job->msg_len_to_cipher_in_bytes = sym->aead.data.length;
		job->hash_start_src_offset_in_bytes = sym->aead.data.offset;
		job->msg_len_to_hash_in_bytes = sym->aead.data.length;
		job->u.GCM.aad = sym->aead.aad.data;
		job->u.GCM.aad_len_in_bytes = pv->aad_len;
		job->auth_tag_output_len_in_bytes = SRTP_GCM_TAG_LEN;
		return;
	}
	const struct imb_cm_kb *c = (const struct imb_cm_kb *)h;

	job->cipher_mode = sym->cipher.data.length > 0 ? IMB_CIPHER_CNTR : IMB_CIPHER_NULL;
	job->enc_keys = c->enc;
	job->dec_keys = c->enc;
	job->key_len_in_bytes = 16;
	job->iv_len_in_bytes = 16;
	job->dst = src + sym->cipher.data.offset;
	job->cipher_start_src_offset_in_bytes = sym->cipher.data.offset;
	job->msg_len_to_cipher_in_bytes = sym->cipher.data.length;
	job->hash_alg = IMB_AUTH_HMAC_SHA_1;
	job->hash_start_src_offset_in_bytes = sym->auth.data.offset;
	job->msg_len_to_hash_in_bytes = sym->auth.data.length;
	job->u.HMAC._hashed_auth_key_xor_ipad = c->ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = c->opad;
	job->auth_tag_output_len_in_bytes = HMAC_SHA1_GEN_LEN;
}

/*
 * Constant-time tag comparison: compare the first @p n (1..16) bytes of two 16-byte tag slots without a
 * data-dependent branch: two 8-byte loads each, the bytes past @p n masked
 * off (little-endian: the first byte is the lowest).  A byte loop cost ≈ 32
 * instructions per packet (callgrind).
 */
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "tag_differs masks little-endian words");
static inline int tag_differs(const uint8_t *a, const uint8_t *b, unsigned int n)
{
	uint64_t a0, a1, b0, b1, m0, m1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	if (n >= 8) {
		m0 = ~UINT64_C(0);
		m1 = n >= 16 ? ~UINT64_C(0) : (UINT64_C(1) << ((n - 8) * 8)) - 1;
	} else {
		m0 = (UINT64_C(1) << (n * 8)) - 1;
		m1 = 0;
	}
	return (((a0 ^ b0) & m0) | ((a1 ^ b1) & m1)) != 0;
}

static inline void job_done(const IMB_JOB *job, uint8_t status[])
{
	struct rte_crypto_op *op = job->user_data;
	const struct imb_kb_hdr *h = op->sym->session;
	struct srtp_op_priv *pv = srtp_op_priv(op);
	uint8_t s = TZ_SRTP_OK;

	if (unlikely(job->status != IMB_STATUS_COMPLETED))
		s = TZ_SRTP_CRYPTO_ERR;
	else if (pv->verify && tag_differs(pv->tag, pv->tag + 16, h->tag_len))
		s = TZ_SRTP_AUTH_FAIL;
	status[pv->pkt] = s;
}

void srtp_imb_run(struct tz_srtp_qp *qp, uint16_t nb, uint8_t status[])
{
	IMB_MGR *m = qp->mgr;
	IMB_JOB *job;

	/* a job that never comes back must not leave its packet "OK" */
	for (uint16_t i = 0; i < nb; i++)
		status[srtp_op_priv(qp->ops[i])->pkt] = TZ_SRTP_CRYPTO_ERR;
	for (uint16_t i = 0; i < nb; i++) {
		job = IMB_GET_NEXT_JOB(m);
		fill_job(m, job, qp->ops[i], (struct imb_gcm_tmp *)qp->gcm_tmp + i);
		job = IMB_SUBMIT_JOB_NOCHECK(m);
		/* completed jobs come back in submission order */
		while (job != NULL) {
			job_done(job, status);
			job = IMB_GET_COMPLETED_JOB(m);
		}
	}
	while ((job = IMB_FLUSH_JOB(m)) != NULL)
		job_done(job, status);
}
