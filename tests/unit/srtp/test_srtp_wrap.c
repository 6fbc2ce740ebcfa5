/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SRTP packet index (RFC 3711 §3.3.1) of a NEW stream whose first burst
 * crosses sequence number 65535 -> 0, against libsrtp2 (the oracle), for
 * every suite and every available engine:
 *   - libsrtp protect -> ours unprotect, the whole first burst at once;
 *   - ours protect (the whole first burst at once) -> libsrtp unprotect;
 *   - the same with the stream's initial ROC set (tz_srtp_stream_init), a
 *     burst mixing a second, already running stream, and a first burst
 *     that starts right on 65535.
 * The index used to be estimated from the stream's state as it stood
 * before the burst, so a new stream's packets after the wrap got ROC 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <srtp2/srtp.h>

#include "srtp_test_util.h"

#define NPKT 24
#define PLEN 172

struct wrap_case {
	struct test_engine *te;
	enum tz_srtp_suite suite;
	void (*pol)(srtp_crypto_policy_t *p);
};

struct wrap_pair {
	struct tz_srtp_ctx *ours;
	srtp_t lib;
	uint8_t key[64];
};

static void cm80(srtp_crypto_policy_t *p)
{
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(p);
}

static void cm32(srtp_crypto_policy_t *p)
{
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(p);
}

/* Ours in @p dir, libsrtp the other way, same master key; libsrtp's
 * stream starts at @p roc (srtp_set_stream_roc) when non-zero. */
static void wpair_init(struct wrap_pair *w, const struct wrap_case *wc, enum tz_srtp_dir dir,
		       uint32_t ssrc, uint32_t roc)
{
	size_t kl = tz_srtp_suite_key_len(wc->suite), sl = tz_srtp_suite_salt_len(wc->suite);
	uint64_t rng = 0x77a9u + wc->suite;
	srtp_policy_t pol;

	for (size_t i = 0; i < kl + sl; i++)
		w->key[i] = (uint8_t)test_rand(&rng);
	w->ours = tz_srtp_ctx_create(wc->te->eng, wc->suite, dir, w->key, kl, w->key + kl, sl);
	assert_non_null(w->ours);
	memset(&pol, 0, sizeof(pol));
	wc->pol(&pol.rtp);
	wc->pol(&pol.rtcp);
	pol.ssrc.type = ssrc_specific;
	pol.ssrc.value = ssrc;
	pol.key = w->key;
	pol.window_size = TZ_SRTP_REPLAY_WINDOW;
	assert_int_equal(srtp_create(&w->lib, &pol), srtp_err_status_ok);
	if (roc != 0)
		assert_int_equal(srtp_set_stream_roc(w->lib, ssrc, roc), srtp_err_status_ok);
}

static void wpair_fini(struct wrap_pair *w)
{
	tz_srtp_ctx_destroy(w->ours);
	srtp_dealloc(w->lib);
}

static void rtp_plain(uint8_t *b, uint16_t seq, uint32_t ssrc)
{
	for (int i = 0; i < PLEN; i++)
		b[i] = (uint8_t)(seq * 7 + i);
	b[0] = 0x80;
	b[1] = 0;
	b[2] = seq >> 8;
	b[3] = (uint8_t)seq;
	b[8] = ssrc >> 24;
	b[9] = ssrc >> 16;
	b[10] = ssrc >> 8;
	b[11] = (uint8_t)ssrc;
}

static uint16_t seq_at(uint16_t first, int i)
{
	return (uint16_t)(first + i);
}

/* libsrtp protects NPKT packets from @p first; ours unprotects them as ONE burst. */
static void lib_to_ours(const struct wrap_case *wc, uint16_t first, uint32_t roc)
{
	const uint32_t ssrc = 0x1234abcd;
	const struct tz_srtp_ctx *ctx[NPKT];
	struct tz_srtp_stream st, *stp[NPKT];
	struct rte_mbuf *m[NPKT];
	uint8_t status[NPKT], plain[NPKT][PLEN], buf[PLEN + 64];
	struct wrap_pair w;

	wpair_init(&w, wc, TZ_SRTP_DIR_UNPROTECT, ssrc, roc);
	tz_srtp_stream_init(&st, roc);
	for (int i = 0; i < NPKT; i++) {
		int len = PLEN;

		rtp_plain(plain[i], seq_at(first, i), ssrc);
		memcpy(buf, plain[i], PLEN);
		assert_int_equal(srtp_protect(w.lib, buf, &len), srtp_err_status_ok);
		m[i] = test_mbuf(buf, (size_t)len);
		assert_non_null(m[i]);
		ctx[i] = w.ours;
		stp[i] = &st;
	}
	assert_int_equal(tz_srtp_unprotect_burst(wc->te->qp, ctx, stp, m, NPKT, status), NPKT);
	for (int i = 0; i < NPKT; i++) {
		assert_int_equal(status[i], TZ_SRTP_OK);
		assert_int_equal(rte_pktmbuf_data_len(m[i]), PLEN);
		assert_memory_equal(rte_pktmbuf_mtod(m[i], void *), plain[i], PLEN);
		rte_pktmbuf_free(m[i]);
	}
	assert_int_equal(tz_srtp_stream_roc(&st), roc + 1);
	wpair_fini(&w);
}

/* Ours protects NPKT packets from @p first as ONE burst; libsrtp unprotects. */
static void ours_to_lib(const struct wrap_case *wc, uint16_t first, uint32_t roc)
{
	const uint32_t ssrc = 0x0badcafe;
	const struct tz_srtp_ctx *ctx[NPKT];
	struct tz_srtp_stream st, *stp[NPKT];
	struct rte_mbuf *m[NPKT];
	uint8_t status[NPKT], plain[NPKT][PLEN], buf[PLEN + 64];
	struct wrap_pair w;

	wpair_init(&w, wc, TZ_SRTP_DIR_PROTECT, ssrc, roc);
	tz_srtp_stream_init(&st, roc);
	for (int i = 0; i < NPKT; i++) {
		rtp_plain(plain[i], seq_at(first, i), ssrc);
		m[i] = test_mbuf(plain[i], PLEN);
		assert_non_null(m[i]);
		ctx[i] = w.ours;
		stp[i] = &st;
	}
	assert_int_equal(tz_srtp_protect_burst(wc->te->qp, ctx, stp, m, NPKT, status), NPKT);
	assert_int_equal(tz_srtp_stream_roc(&st), roc + 1);
	for (int i = 0; i < NPKT; i++) {
		int len = rte_pktmbuf_data_len(m[i]);

		assert_int_equal(status[i], TZ_SRTP_OK);
		memcpy(buf, rte_pktmbuf_mtod(m[i], void *), (size_t)len);
		rte_pktmbuf_free(m[i]);
		assert_int_equal(srtp_unprotect(w.lib, buf, &len), srtp_err_status_ok);
		assert_int_equal(len, PLEN);
		assert_memory_equal(buf, plain[i], PLEN);
	}
	wpair_fini(&w);
}

static void new_stream_wrap_unprotect(void **state)
{
	const struct wrap_case *wc = *state;

	if (wc->te->eng == NULL)
		skip();
	lib_to_ours(wc, 65535 - NPKT / 2, 0);
	lib_to_ours(wc, 65535, 0);	/* the first packet is the last of ROC 0 */
	lib_to_ours(wc, 65530, 7);	/* a stream announced with its ROC */
}

static void new_stream_wrap_protect(void **state)
{
	const struct wrap_case *wc = *state;

	if (wc->te->eng == NULL)
		skip();
	ours_to_lib(wc, 65535 - NPKT / 2, 0);
	ours_to_lib(wc, 65535, 0);
	ours_to_lib(wc, 65530, 7);
}

/*
 * Two streams in one burst, interleaved: a running one (already past
 * packets) and a new one, both crossing the wrap; and a duplicate of a
 * post-wrap packet of the new stream, which must be refused as a replay.
 */
static void mixed_burst(void **state)
{
	const struct wrap_case *wc = *state;
	const uint32_t ssrc = 0x1234abcd;
	enum { N = 2 * NPKT + 1 };
	const struct tz_srtp_ctx *ctx[N];
	struct tz_srtp_stream st_old, st_new, *stp[N];
	struct rte_mbuf *m[N];
	uint8_t status[N], prot[N][PLEN + 64], buf[PLEN + 64];
	int plen[N];
	struct wrap_pair a, b;

	if (wc->te->eng == NULL)
		skip();
	/* one libsrtp sender per stream, both with the same key as ours */
	wpair_init(&a, wc, TZ_SRTP_DIR_UNPROTECT, ssrc, 0);
	wpair_init(&b, wc, TZ_SRTP_DIR_UNPROTECT, ssrc, 0);
	tz_srtp_stream_init(&st_old, 0);
	tz_srtp_stream_init(&st_new, 0);
	/* the running stream has seen 65500 */
	{
		int len = PLEN;
		struct rte_mbuf *p;

		rtp_plain(buf, 65500, ssrc);
		assert_int_equal(srtp_protect(a.lib, buf, &len), srtp_err_status_ok);
		p = test_mbuf(buf, (size_t)len);
		assert_int_equal(test_unprotect(wc->te, a.ours, &st_old, p, 0), TZ_SRTP_OK);
		rte_pktmbuf_free(p);
	}
	for (int i = 0; i < NPKT; i++) {
		plen[2 * i] = plen[2 * i + 1] = PLEN;
		rtp_plain(prot[2 * i], seq_at(65525, i), ssrc);
		assert_int_equal(srtp_protect(a.lib, prot[2 * i], &plen[2 * i]), srtp_err_status_ok);
		rtp_plain(prot[2 * i + 1], seq_at(65530, i), ssrc);
		assert_int_equal(srtp_protect(b.lib, prot[2 * i + 1], &plen[2 * i + 1]),
				 srtp_err_status_ok);
	}
	memcpy(prot[N - 1], prot[N - 2], sizeof(prot[0]));
	plen[N - 1] = plen[N - 2];
	for (int i = 0; i < N; i++) {
		m[i] = test_mbuf(prot[i], (size_t)plen[i]);
		assert_non_null(m[i]);
		/* odd: the new stream, and the duplicate (last) of its last packet */
		ctx[i] = (i & 1) || i == N - 1 ? b.ours : a.ours;
		stp[i] = (i & 1) || i == N - 1 ? &st_new : &st_old;
	}
	assert_int_equal(tz_srtp_unprotect_burst(wc->te->qp, ctx, stp, m, N, status), N - 1);
	for (int i = 0; i < N - 1; i++)
		assert_int_equal(status[i], TZ_SRTP_OK);
	assert_int_equal(status[N - 1], TZ_SRTP_REPLAY);
	assert_int_equal(tz_srtp_stream_roc(&st_old), 1);
	assert_int_equal(tz_srtp_stream_roc(&st_new), 1);
	for (int i = 0; i < N; i++)
		rte_pktmbuf_free(m[i]);
	wpair_fini(&a);
	wpair_fini(&b);
}

static int group_setup(void **state)
{
	if (srtp_init() != srtp_err_status_ok)
		return -1;
	return test_env_setup("srtp_wrap");
}

static int group_teardown(void **state)
{
	test_env_teardown();
	srtp_shutdown();
	return 0;
}

#define CASES(e)                                                                        \
	{ &test_engines[e], TZ_SRTP_AES_CM_128_HMAC_SHA1_80, cm80 },                    \
	{ &test_engines[e], TZ_SRTP_AES_CM_128_HMAC_SHA1_32, cm32 },                    \
	{ &test_engines[e], TZ_SRTP_AEAD_AES_128_GCM,                                   \
	  srtp_crypto_policy_set_aes_gcm_128_16_auth },                                  \
	{ &test_engines[e], TZ_SRTP_AEAD_AES_256_GCM, srtp_crypto_policy_set_aes_gcm_256_16_auth }

static struct wrap_case cases[] = {
	CASES(TEST_ENG_AESNI_MB),
	CASES(TEST_ENG_OPENSSL),
	CASES(TEST_ENG_DIRECT_SSE),
	CASES(TEST_ENG_DIRECT_AVX),
	CASES(TEST_ENG_DIRECT_AVX2),
	CASES(TEST_ENG_DIRECT_AVX512),
};

#define NB_CASES RTE_DIM(cases)
#define NB_FNS 3

int main(void)
{
	static void (*const fns[NB_FNS])(void **) = {
		new_stream_wrap_unprotect,
		new_stream_wrap_protect,
		mixed_burst,
	};
	static const char *const names[NB_FNS] = {
		"new_stream_wrap_unprotect",
		"new_stream_wrap_protect",
		"mixed_burst",
	};
	struct CMUnitTest tests[NB_FNS * NB_CASES];

	memset(tests, 0, sizeof(tests));
	for (size_t f = 0; f < NB_FNS; f++)
		for (size_t c = 0; c < NB_CASES; c++) {
			struct CMUnitTest *t = &tests[f * NB_CASES + c];

			t->name = names[f];
			t->test_func = fns[f];
			t->initial_state = &cases[c];
		}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
