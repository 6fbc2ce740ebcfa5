/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known-answer tests: RFC 3711 Appendix B.2 (AES-CM keystream) and B.3 (key
 * derivation), RFC 7714 §16 (SRTP) and §17 (SRTCP) for both GCM suites,
 * run through every available cryptodev engine; plus input-validation
 * cases that must fail cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <intel-ipsec-mb.h>
#include <rte_common.h>
#include <rte_malloc.h>

#include "srtp_pvt.h"
#include "srtp_test_util.h"

/* ---- RFC 3711 Appendix B ------------------------------------------------ */

static const char B3_MASTER_KEY[] = "E1F97A0D3E018BE0D64FA32C06DE4139";
static const char B3_MASTER_SALT[] = "0EC675AD498AFEEBB6960B3AABE6";
static const char B3_CIPHER_KEY[] = "C61E7A93744F39EE10734AFE3FF7A087";
static const char B3_CIPHER_SALT[] = "30CBBC08863D8C85D49DB34A9AE1";
static const char B3_AUTH_KEY[] = "CEBE321F6FF7716B6FD4AB49AF256A15"
				  "6D38BAA48F0A0ACF3C34E2359E6CDBCE"
				  "E049646C43D9327AD175578EF7227098"
				  "6371C10C9A369AC2F94A8C5FBCDDDC25"
				  "6D6E919A48B610EF17C2041E47403576"
				  "6B68642C59BBFC2F34DB60DBDFB2";

static const char B2_SESSION_KEY[] = "2B7E151628AED2A6ABF7158809CF4F3C";
static const char B2_SALT[] = "F0F1F2F3F4F5F6F7F8F9FAFBFCFD";
static const char B2_KS_HEAD[] = "E03EAD0935C95E80E166B16DD92B4EB4"
				 "D23513162B02D0F72A43A2FE4A5F97AB"
				 "41E95B3BB0A2E8DD477901E4FCA894C0";
static const char B2_KS_TAIL[] = "EC8CDF7398607CB0F2D21675EA9EA1E4"
				 "362B7C3C6773516318A077D7FC5073AE"
				 "6A2CC3787889374FBEB4C81B17BA6C44";

static void kdf_rfc3711_b3(void **state)
{
	uint8_t mk[16], ms[14], want[94], got[94];
	size_t n;

	test_unhex(B3_MASTER_KEY, mk, sizeof(mk));
	test_unhex(B3_MASTER_SALT, ms, sizeof(ms));
	n = test_unhex(B3_CIPHER_KEY, want, sizeof(want));
	assert_int_equal(srtp_kdf(mk, 16, ms, 14, 0, got, n), 0);
	assert_memory_equal(got, want, n);
	n = test_unhex(B3_CIPHER_SALT, want, sizeof(want));
	assert_int_equal(srtp_kdf(mk, 16, ms, 14, 2, got, n), 0);
	assert_memory_equal(got, want, n);
	n = test_unhex(B3_AUTH_KEY, want, sizeof(want));
	assert_int_equal(n, 94);
	assert_int_equal(srtp_kdf(mk, 16, ms, 14, 1, got, n), 0);
	assert_memory_equal(got, want, n);
}

static void keystream_rfc3711_b2(void **state)
{
	enum { BLOCKS = 65282 };
	static uint8_t ks[BLOCKS * 16];
	uint8_t key[16], iv[16] = { 0 }, want[48];

	test_unhex(B2_SESSION_KEY, key, sizeof(key));
	test_unhex(B2_SALT, iv, 14);
	assert_int_equal(srtp_aes_cm(key, 16, iv, ks, sizeof(ks)), 0);
	test_unhex(B2_KS_HEAD, want, sizeof(want));
	assert_memory_equal(ks, want, 48);
	test_unhex(B2_KS_TAIL, want, sizeof(want));
	assert_memory_equal(ks + sizeof(ks) - 48, want, 48);
}

/* B.2 through the engine: SSRC 0, index 0, zero payload -> the keystream. */
static void keystream_b2_engine(void **state)
{
	struct test_engine *te = *state;
	struct srtp_session_keys k = { 0 };
	struct tz_srtp_stream st;
	struct tz_srtp_ctx *ctx;
	uint8_t pkt[12 + 48] = { 0x80 }, want[48];
	struct rte_mbuf *m;

	if (te->eng == NULL)
		skip();
	test_unhex(B2_SESSION_KEY, k.enc, 16);
	test_unhex(B2_SALT, k.salt, 14);
	ctx = srtp_ctx_create_keys(te->eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80, TZ_SRTP_DIR_PROTECT,
				   &k, &k);
	assert_non_null(ctx);
	tz_srtp_stream_init(&st, 0);
	m = test_mbuf(pkt, sizeof(pkt));
	assert_int_equal(test_protect(te, ctx, &st, m, 0), TZ_SRTP_OK);
	assert_int_equal(rte_pktmbuf_data_len(m), sizeof(pkt) + 10);
	test_unhex(B2_KS_HEAD, want, sizeof(want));
	assert_memory_equal(rte_pktmbuf_mtod_offset(m, uint8_t *, 12), want, 48);
	rte_pktmbuf_free(m);
	tz_srtp_ctx_destroy(ctx);
}

/* ---- RFC 7714 §16, §17 (stated in session keys) --------------------------- */

static const char GCM_KEY_128[] = "000102030405060708090a0b0c0d0e0f";
static const char GCM_KEY_256[] = "000102030405060708090a0b0c0d0e0f"
				  "101112131415161718191a1b1c1d1e1f";
static const char GCM_SALT[] = "517569642070726f2071756f";
static const char RTP_PLAIN[] = "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f"
				"6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573";
/* §16.1.1 */
static const char SRTP_128[] = "8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c"
			       "9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf"
			       "8833899d 7f27beb1 6a9152cf 765ee439 0cce";
/* §16.2.1 */
static const char SRTP_256[] = "8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa"
			       "332e33aa b1801238 9a58e2f3 b50b2a02 76ffae0f 1ba63799"
			       "b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13";
static const char RTCP_PLAIN[] = "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a"
				 "0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef"
				 "deadbeef";
/* §17.1 */
static const char SRTCP_128[] = "81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99"
				"7ff5c0f7 6c06f32d c676a5f1 730d6fda 4ce09b46 86303ded"
				"0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4";
/* §17.2 */
static const char SRTCP_256[] = "81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28"
				"2c3ece5d bffe0a50 a2eaa5c1 110555be 8415f658 c61de047"
				"6f1b6fad 1d1eb30c 4446839f 57ff6f6c b26ac3be 800005d4";
/* §17.3: E flag clear, authenticated only */
static const char SRTCP_128_AUTH[] = "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a"
				     "0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef"
				     "deadbeef 841dd968 3dd78ec9 2ae58790 125f62b3 000005d4";

static struct tz_srtp_ctx *gcm_ctx(struct test_engine *te, int k256, enum tz_srtp_dir dir)
{
	struct srtp_session_keys k = { 0 };

	test_unhex(k256 ? GCM_KEY_256 : GCM_KEY_128, k.enc, sizeof(k.enc));
	test_unhex(GCM_SALT, k.salt, 12);
	return srtp_ctx_create_keys(te->eng,
				    k256 ? TZ_SRTP_AEAD_AES_256_GCM : TZ_SRTP_AEAD_AES_128_GCM,
				    dir, &k, &k);
}

/* protect @p plain must give @p prot, and unprotect @p prot must give @p plain */
static void check_vector(struct test_engine *te, int k256, int rtcp, const char *plain_hex,
			 const char *prot_hex, int check_protect)
{
	uint8_t plain[128], prot[160];
	size_t pl = test_unhex(plain_hex, plain, sizeof(plain));
	size_t ql = test_unhex(prot_hex, prot, sizeof(prot));
	struct tz_srtp_ctx *pc = gcm_ctx(te, k256, TZ_SRTP_DIR_PROTECT);
	struct tz_srtp_ctx *uc = gcm_ctx(te, k256, TZ_SRTP_DIR_UNPROTECT);
	struct tz_srtp_stream st;
	struct rte_mbuf *m;

	assert_non_null(pc);
	assert_non_null(uc);
	if (check_protect) {
		tz_srtp_stream_init(&st, 0);
		/* the §17 vectors' SRTCP index */
		assert_int_equal(tz_srtp_ctx_set_rtcp_index(pc, 0x5d4), 0);
		m = test_mbuf(plain, pl);
		assert_int_equal(test_protect(te, pc, &st, m, rtcp), TZ_SRTP_OK);
		assert_int_equal(rte_pktmbuf_data_len(m), ql);
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), prot, ql);
		rte_pktmbuf_free(m);
	}
	tz_srtp_stream_init(&st, 0);
	m = test_mbuf(prot, ql);
	assert_int_equal(test_unprotect(te, uc, &st, m, rtcp), TZ_SRTP_OK);
	assert_int_equal(rte_pktmbuf_data_len(m), pl);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), plain, pl);
	rte_pktmbuf_free(m);
	/* the same packet again is a replay */
	m = test_mbuf(prot, ql);
	assert_int_equal(test_unprotect(te, uc, &st, m, rtcp), TZ_SRTP_REPLAY);
	rte_pktmbuf_free(m);
	/* any flipped bit after the header fails authentication */
	for (size_t bit = 8 * (rtcp ? 8 : 12); bit < 8 * ql; bit += 7) {
		tz_srtp_stream_init(&st, 0);
		prot[bit / 8] ^= 1u << (bit % 8);
		m = test_mbuf(prot, ql);
		assert_int_not_equal(test_unprotect(te, uc, &st, m, rtcp), TZ_SRTP_OK);
		rte_pktmbuf_free(m);
		prot[bit / 8] ^= 1u << (bit % 8);
	}
	tz_srtp_ctx_destroy(pc);
	tz_srtp_ctx_destroy(uc);
}

static void rfc7714_srtp_128(void **state)
{
	if (((struct test_engine *)*state)->eng == NULL)
		skip();
	check_vector(*state, 0, 0, RTP_PLAIN, SRTP_128, 1);
}

static void rfc7714_srtp_256(void **state)
{
	if (((struct test_engine *)*state)->eng == NULL)
		skip();
	check_vector(*state, 1, 0, RTP_PLAIN, SRTP_256, 1);
}

static void rfc7714_srtcp_128(void **state)
{
	if (((struct test_engine *)*state)->eng == NULL)
		skip();
	check_vector(*state, 0, 1, RTCP_PLAIN, SRTCP_128, 1);
}

static void rfc7714_srtcp_256(void **state)
{
	if (((struct test_engine *)*state)->eng == NULL)
		skip();
	check_vector(*state, 1, 1, RTCP_PLAIN, SRTCP_256, 1);
}

static void rfc7714_srtcp_128_auth_only(void **state)
{
	if (((struct test_engine *)*state)->eng == NULL)
		skip();
	/* we always set E when protecting, so only unprotect is checked */
	check_vector(*state, 0, 1, RTCP_PLAIN, SRTCP_128_AUTH, 0);
}

/* ---- input validation ------------------------------------------------------ */

static void bad_inputs(void **state)
{
	struct test_engine *te = *state;
	uint8_t mk[16] = { 1 }, ms[14] = { 2 }, pkt[64] = { 0x80 };
	struct tz_srtp_ctx *pc, *uc;
	struct tz_srtp_stream st;
	struct rte_mbuf *m, *m2;

	if (te->eng == NULL)
		skip();
	assert_null(tz_srtp_ctx_create(te->eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
				       TZ_SRTP_DIR_PROTECT, mk, 15, ms, 14));
	assert_int_equal(errno, EINVAL);
	assert_null(tz_srtp_ctx_create(te->eng, TZ_SRTP_SUITE_COUNT, TZ_SRTP_DIR_PROTECT, mk, 16,
				       ms, 14));
	pc = tz_srtp_ctx_create(te->eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80, TZ_SRTP_DIR_PROTECT,
				mk, 16, ms, 14);
	uc = tz_srtp_ctx_create(te->eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80, TZ_SRTP_DIR_UNPROTECT,
				mk, 16, ms, 14);
	assert_non_null(pc);
	assert_non_null(uc);
	tz_srtp_stream_init(&st, 0);
	/* every length from 0 to 40 bytes: never OK, never a crash */
	for (size_t len = 0; len <= 40; len++) {
		m = test_mbuf(pkt, len);
		assert_int_not_equal(test_unprotect(te, uc, &st, m, 0), TZ_SRTP_OK);
		rte_pktmbuf_free(m);
		m = test_mbuf(pkt, len);
		assert_int_not_equal(test_unprotect(te, uc, &st, m, 1), TZ_SRTP_OK);
		rte_pktmbuf_free(m);
	}
	m = test_mbuf(pkt, 11);
	assert_int_equal(test_unprotect(te, uc, &st, m, 0), TZ_SRTP_TOO_SHORT);
	rte_pktmbuf_free(m);
	pkt[0] = 0x40;
	m = test_mbuf(pkt, 40);
	assert_int_equal(test_unprotect(te, uc, &st, m, 0), TZ_SRTP_BAD_VERSION);
	assert_int_equal(test_protect(te, pc, &st, m, 0), TZ_SRTP_BAD_VERSION);
	rte_pktmbuf_free(m);
	pkt[0] = 0x90; /* extension claimed, 0xffff words long */
	pkt[14] = 0xff;
	pkt[15] = 0xff;
	m = test_mbuf(pkt, 40);
	assert_int_equal(test_unprotect(te, uc, &st, m, 0), TZ_SRTP_TOO_SHORT);
	rte_pktmbuf_free(m);
	/* wrong direction and segmented mbufs are refused */
	pkt[0] = 0x80;
	m = test_mbuf(pkt, 40);
	assert_int_equal(test_unprotect(te, pc, &st, m, 0), TZ_SRTP_CRYPTO_ERR);
	m2 = test_mbuf(pkt, 20);
	assert_int_equal(rte_pktmbuf_chain(m, m2), 0);
	assert_int_equal(test_protect(te, pc, &st, m, 0), TZ_SRTP_BAD_MBUF);
	rte_pktmbuf_free(m);
	/* no tailroom for the tag */
	m = test_mbuf(pkt, 40);
	rte_pktmbuf_append(m, rte_pktmbuf_tailroom(m));
	assert_int_equal(test_protect(te, pc, &st, m, 0), TZ_SRTP_BAD_MBUF);
	rte_pktmbuf_free(m);
	tz_srtp_ctx_destroy(pc);
	tz_srtp_ctx_destroy(uc);
}

/* Index space exhaustion: SRTP 2^48 (RFC 3711 §3.3.1), SRTCP 2^31 (§3.3.2). */
static void key_limits(void **state)
{
	struct test_engine *te = *state;
	uint8_t mk[16] = { 7 }, ms[14] = { 8 }, pkt[40] = { 0x80 };
	struct tz_srtp_ctx *pc;
	struct tz_srtp_stream st;
	struct rte_mbuf *m;

	if (te->eng == NULL)
		skip();
	pc = tz_srtp_ctx_create(te->eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80, TZ_SRTP_DIR_PROTECT,
				mk, 16, ms, 14);
	assert_non_null(pc);
	/* last SRTP index: ROC 2^32-1, seq 65535; seq 0 would need ROC 2^32 */
	tz_srtp_stream_init(&st, UINT32_MAX);
	pkt[2] = 0xff;
	pkt[3] = 0xff;
	m = test_mbuf(pkt, sizeof(pkt));
	assert_int_equal(test_protect(te, pc, &st, m, 0), TZ_SRTP_OK);
	rte_pktmbuf_free(m);
	pkt[2] = 0;
	pkt[3] = 0;
	m = test_mbuf(pkt, sizeof(pkt));
	assert_int_equal(test_protect(te, pc, &st, m, 0), TZ_SRTP_KEY_EXPIRED);
	rte_pktmbuf_free(m);
	/* last SRTCP index 2^31-1 */
	assert_int_equal(tz_srtp_ctx_set_rtcp_index(pc, 0x7fffffff), 0);
	m = test_mbuf(pkt, sizeof(pkt));
	assert_int_equal(test_protect(te, pc, &st, m, 1), TZ_SRTP_OK);
	rte_pktmbuf_free(m);
	m = test_mbuf(pkt, sizeof(pkt));
	assert_int_equal(test_protect(te, pc, &st, m, 1), TZ_SRTP_KEY_EXPIRED);
	rte_pktmbuf_free(m);
	tz_srtp_ctx_destroy(pc);
}

/*
 * The direct backend and cryptodev interoperate: for every suite, RTP with
 * 0..15 CSRCs and header extensions of 0..9 words (GCM: AAD of 12..112
 * bytes, read in place by the direct backend, GHASH-corrected by the
 * cryptodev one) and SRTCP, protected by one, unprotected by the other,
 * both ways; a flipped tag bit is AUTH_FAIL on both.
 */
static void cross_backend(void **state)
{
	struct test_engine *eng[2] = { &test_engines[TEST_ENG_DIRECT_SSE],
				       &test_engines[TEST_ENG_AESNI_MB] };
	uint8_t mk[32], ms[14], pkt[400];
	uint64_t rng = 0xc055;

	(void)state;
	if (eng[0]->eng == NULL || eng[1]->eng == NULL)
		skip();
	for (size_t i = 0; i < sizeof(mk); i++)
		mk[i] = (uint8_t)test_rand(&rng);
	memcpy(ms, mk + 7, sizeof(ms));
	for (int suite = 0; suite < TZ_SRTP_SUITE_COUNT; suite++)
		for (int way = 0; way < 2; way++) {
			struct test_engine *tp = eng[way], *tu = eng[!way];
			size_t kl = tz_srtp_suite_key_len(suite), sl = tz_srtp_suite_salt_len(suite);
			struct tz_srtp_ctx *pc = tz_srtp_ctx_create(tp->eng, suite, TZ_SRTP_DIR_PROTECT,
								    mk, kl, ms, sl);
			struct tz_srtp_ctx *uc = tz_srtp_ctx_create(
				tu->eng, suite, TZ_SRTP_DIR_UNPROTECT, mk, kl, ms, sl);
			struct tz_srtp_stream ps, us;

			assert_non_null(pc);
			assert_non_null(uc);
			tz_srtp_stream_init(&ps, 0);
			tz_srtp_stream_init(&us, 0);
			for (int k = 0; k < 160; k++) {
				int rtcp = k % 8 == 7, cc = k % 16, ext = k % 11 - 1;
				size_t len = 0, hdr;
				struct rte_mbuf *m;

				for (size_t i = 0; i < sizeof(pkt); i++)
					pkt[i] = (uint8_t)test_rand(&rng);
				if (rtcp) {
					pkt[0] = 0x81;
					pkt[1] = 200;
					len = 8 + (size_t)(test_rand(&rng) % 100);
				} else {
					pkt[0] = (uint8_t)(0x80 | (ext >= 0 ? 0x10 : 0) | cc);
					pkt[2] = (uint8_t)(k >> 8);
					pkt[3] = (uint8_t)k;
					hdr = 12 + 4 * (size_t)cc;
					if (ext >= 0) {
						pkt[hdr + 2] = 0;
						pkt[hdr + 3] = (uint8_t)ext;
						hdr += 4 + 4 * (size_t)ext;
					}
					len = hdr + (size_t)(test_rand(&rng) % 200);
				}
				m = test_mbuf(pkt, len);
				assert_int_equal(test_protect(tp, pc, &ps, m, rtcp), TZ_SRTP_OK);
				if (k % 5 == 4) {
					/* a flipped bit in the tag */
					uint8_t *t = rte_pktmbuf_mtod(m, uint8_t *);
					size_t tl = rte_pktmbuf_data_len(m);

					t[rtcp && suite < TZ_SRTP_AEAD_AES_128_GCM ? tl - 1 : tl - 5] ^= 4;
					assert_int_equal(test_unprotect(tu, uc, &us, m, rtcp),
							 TZ_SRTP_AUTH_FAIL);
					rte_pktmbuf_free(m);
					continue;
				}
				assert_int_equal(test_unprotect(tu, uc, &us, m, rtcp), TZ_SRTP_OK);
				assert_int_equal(rte_pktmbuf_data_len(m), len);
				assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), pkt, len);
				rte_pktmbuf_free(m);
			}
			tz_srtp_ctx_destroy(pc);
			tz_srtp_ctx_destroy(uc);
		}
}

/* Every status has a counter name, and the footprint is reported. */
static void names_and_footprint(void **state)
{
	struct test_engine *te = *state;

	for (unsigned int s = 0; s < TZ_SRTP_STATUS_COUNT; s++)
		assert_string_not_equal(tz_srtp_status_name(s), "?");
	assert_string_equal(tz_srtp_status_name(TZ_SRTP_STATUS_COUNT), "?");
	if (te->eng == NULL)
		skip();
	assert_string_equal(tz_srtp_engine_driver(te->eng), te->driver);
	print_message("%s: %zu bytes per context (AES-CM %zu, GCM-128 %zu)\n", te->driver,
		      tz_srtp_engine_ctx_footprint(te->eng),
		      tz_srtp_engine_suite_footprint(te->eng, TZ_SRTP_AES_CM_128_HMAC_SHA1_80),
		      tz_srtp_engine_suite_footprint(te->eng, TZ_SRTP_AEAD_AES_128_GCM));
	assert_true(tz_srtp_engine_ctx_footprint(te->eng) > sizeof(struct tz_srtp_ctx));
	if (te->backend == TZ_SRTP_BACKEND_IPSEC_MB) {
		/* AES-CM key blocks instead of two ~1.4 KiB cryptodev sessions */
		assert_true(tz_srtp_engine_suite_footprint(te->eng,
							   TZ_SRTP_AES_CM_128_HMAC_SHA1_80) <= 640);
		/* GCM: one 1 KiB gcm_key_data (SRTP); SRTCP's key expanded per
		 * packet -- two of these and the flows fit a call in 4 KiB */
		assert_true(tz_srtp_engine_suite_footprint(te->eng, TZ_SRTP_AEAD_AES_128_GCM) <=
			    1152);
		assert_true(tz_srtp_engine_suite_footprint(te->eng, TZ_SRTP_AEAD_AES_256_GCM) <=
			    1152);
	}
}

static size_t heap_in_use(void)
{
	struct rte_malloc_socket_stats st;
	size_t used = 0;

	for (unsigned int s = 0; s < rte_socket_count(); s++)
		if (rte_malloc_get_socket_stats((int)rte_socket_id_by_idx(s), &st) == 0)
			used += st.heap_allocsz_bytes;
	return used;
}

/* Direct backend: contexts come from slabs; freed slots are reused (the
 * heap does not grow on a second round of calls) and come back zeroed. */
static void slab_reuse(void **state)
{
	enum { N = 300 };
	struct test_engine *te = *state;
	static struct tz_srtp_ctx *c[N];
	uint8_t key[32] = { 1 }, salt[14] = { 2 };
	size_t after_first;

	if (te->eng == NULL || te->backend != TZ_SRTP_BACKEND_IPSEC_MB)
		skip();
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) {
			enum tz_srtp_suite su = i % 2 ? TZ_SRTP_AEAD_AES_128_GCM
						      : TZ_SRTP_AES_CM_128_HMAC_SHA1_80;

			key[1] = (uint8_t)i;
			c[i] = tz_srtp_ctx_create(te->eng, su, TZ_SRTP_DIR_PROTECT, key, 16, salt,
						  tz_srtp_suite_salt_len(su));
			assert_non_null(c[i]);
			assert_int_equal(tz_srtp_ctx_rtcp_index(c[i]), 0);
			assert_int_equal(tz_srtp_ctx_set_rtcp_index(c[i], 1000u + i), 0);
		}
		for (int i = 0; i < N; i++)
			tz_srtp_ctx_destroy(c[i]);
		if (round == 0)
			after_first = heap_in_use();
		else
			assert_int_equal(heap_in_use(), after_first);
	}
}

/* The key-block lines each manager's job reads (intel-ipsec-mb 1.x, a
 * 170-byte packet), as the context's prefetch runs (head, tail). */
static void prefetch_lines(void **state)
{
	struct test_engine *te = *state;
	static const struct { enum tz_srtp_suite su; size_t kl; } s[] = {
		{ TZ_SRTP_AES_CM_128_HMAC_SHA1_80, 16 },
		{ TZ_SRTP_AEAD_AES_128_GCM, 16 },
		{ TZ_SRTP_AEAD_AES_256_GCM, 32 },
	};
	/* [arch][suite] = { head, tail }: SSE/AVX, AVX2, VAES AVX-512 */
	static const uint8_t want[3][3][2] = {
		{ { 4, 16 }, { 8, 15 }, { 8, 15 } },
		{ { 4, 16 }, { 6, 15 }, { 6, 15 } },
		{ { 4, 16 }, { 3, 11 }, { 4, 11 } },
	};
	uint8_t key[32] = { 1 }, salt[14] = { 2 };
	int a;

	if (te->eng == NULL || te->backend != TZ_SRTP_BACKEND_IPSEC_MB)
		skip();
	a = te->arch == TZ_SRTP_IMB_AVX2 ? 1 : te->arch == TZ_SRTP_IMB_AVX512 ? 2 : 0;
	if (a == 2 && !(te->eng->ctl_mgr->features & IMB_FEATURE_VAES))
		a = 1;
	for (size_t i = 0; i < RTE_DIM(s); i++) {
		struct tz_srtp_ctx *c = tz_srtp_ctx_create(te->eng, s[i].su, TZ_SRTP_DIR_PROTECT,
							   key, s[i].kl, salt,
							   tz_srtp_suite_salt_len(s[i].su));

		assert_non_null(c);
		assert_int_equal(c->kb_head, want[a][i][0]);
		assert_int_equal(c->kb_tail, want[a][i][1]);
		tz_srtp_ctx_prefetch_keys(c);
		tz_srtp_ctx_destroy(c);
	}
}

static int group_setup(void **state)
{
	return test_env_setup("srtp_vectors");
}

static int group_teardown(void **state)
{
	test_env_teardown();
	return 0;
}

#define E(fn, e) cmocka_unit_test_prestate(fn, &test_engines[TEST_ENG_##e])
#define PER_ENGINE(fn)                                                                     \
	E(fn, AESNI_MB), E(fn, OPENSSL), E(fn, DIRECT_SSE), E(fn, DIRECT_AVX), E(fn, DIRECT_AVX2), \
		E(fn, DIRECT_AVX512)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kdf_rfc3711_b3),
		cmocka_unit_test(keystream_rfc3711_b2),
		PER_ENGINE(keystream_b2_engine),
		PER_ENGINE(rfc7714_srtp_128),
		PER_ENGINE(rfc7714_srtp_256),
		PER_ENGINE(rfc7714_srtcp_128),
		PER_ENGINE(rfc7714_srtcp_256),
		PER_ENGINE(rfc7714_srtcp_128_auth_only),
		PER_ENGINE(bad_inputs),
		PER_ENGINE(key_limits),
		PER_ENGINE(names_and_footprint),
		PER_ENGINE(slab_reuse),
		PER_ENGINE(prefetch_lines),
		cmocka_unit_test(cross_backend),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
