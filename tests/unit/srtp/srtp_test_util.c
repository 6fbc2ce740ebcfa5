/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "srtp_test_util.h"

struct test_engine test_engines[TEST_ENG_COUNT] = {
	[TEST_ENG_AESNI_MB] = { .driver = "crypto_aesni_mb", .backend = TZ_SRTP_BACKEND_CRYPTODEV },
	[TEST_ENG_OPENSSL] = { .driver = "crypto_openssl", .backend = TZ_SRTP_BACKEND_CRYPTODEV },
	[TEST_ENG_DIRECT_SSE] = { .driver = "ipsec_mb_direct/sse",
				  .backend = TZ_SRTP_BACKEND_IPSEC_MB, .arch = TZ_SRTP_IMB_SSE },
	[TEST_ENG_DIRECT_AVX] = { .driver = "ipsec_mb_direct/avx",
				  .backend = TZ_SRTP_BACKEND_IPSEC_MB, .arch = TZ_SRTP_IMB_AVX },
	[TEST_ENG_DIRECT_AVX2] = { .driver = "ipsec_mb_direct/avx2",
				   .backend = TZ_SRTP_BACKEND_IPSEC_MB, .arch = TZ_SRTP_IMB_AVX2 },
	[TEST_ENG_DIRECT_AVX512] = { .driver = "ipsec_mb_direct/avx512",
				     .backend = TZ_SRTP_BACKEND_IPSEC_MB,
				     .arch = TZ_SRTP_IMB_AVX512 },
};
struct rte_mempool *test_mbuf_pool;

static int eal_started;

int test_env_setup(const char *prefix)
{
	char fp[64];
	char *argv[] = {
		"srtp_test", "--no-huge", "--no-pci", "--no-shconf", "-m", "256", "-l", "0",
		"--vdev", "crypto_aesni_mb", "--log-level", "lib.*:error", fp, NULL,
	};

	if (!eal_started) {
		snprintf(fp, sizeof(fp), "--file-prefix=%s_%d", prefix, (int)getpid());
		if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
			return -1;
		eal_started = 1;
	}
	test_mbuf_pool = rte_pktmbuf_pool_create("srtp_test_mbufs", 1024, 0, 0,
						 RTE_PKTMBUF_HEADROOM + TEST_MBUF_DATA,
						 (int)rte_socket_id());
	if (test_mbuf_pool == NULL)
		return -1;
	for (int i = 0; i < TEST_ENG_COUNT; i++) {
		const char *drv[] = { test_engines[i].driver };
		struct tz_srtp_engine_conf conf = {
			.drivers = drv,
			.nb_drivers = 1,
			.nb_workers = 1,
			.max_ctx = 64,
			.socket_id = SOCKET_ID_ANY,
			.backend = test_engines[i].backend,
			.imb_arch = test_engines[i].arch,
		};

		if (test_engines[i].backend == TZ_SRTP_BACKEND_IPSEC_MB)
			conf.drivers = NULL;

		test_engines[i].eng = tz_srtp_engine_create(&conf);
		if (test_engines[i].eng == NULL) {
			fprintf(stderr, "engine %s unavailable\n", test_engines[i].driver);
			continue;
		}
		test_engines[i].qp = tz_srtp_engine_qp(test_engines[i].eng, 0);
	}
	/* the OpenSSL PMD and the direct SSE manager run on any x86-64 with AES-NI */
	return test_engines[TEST_ENG_OPENSSL].eng != NULL &&
			       test_engines[TEST_ENG_DIRECT_SSE].eng != NULL
		       ? 0
		       : -1;
}

void test_env_teardown(void)
{
	for (int i = 0; i < TEST_ENG_COUNT; i++) {
		tz_srtp_engine_destroy(test_engines[i].eng);
		test_engines[i].eng = NULL;
	}
	rte_mempool_free(test_mbuf_pool);
	test_mbuf_pool = NULL;
}

struct rte_mbuf *test_mbuf(const void *data, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_mbuf_pool);
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, data, len);
	return m;
}

static uint8_t one(struct test_engine *te, const struct tz_srtp_ctx *ctx,
		   struct tz_srtp_stream *st, struct rte_mbuf *m, int rtcp, int protect)
{
	const struct tz_srtp_ctx *c[1] = { ctx };
	struct tz_srtp_stream *s[1] = { st };
	struct rte_mbuf *p[1] = { m };
	uint8_t status[1] = { 0xff };

	if (protect && rtcp)
		tz_srtp_protect_rtcp_burst(te->qp, c, s, p, 1, status);
	else if (protect)
		tz_srtp_protect_burst(te->qp, c, s, p, 1, status);
	else if (rtcp)
		tz_srtp_unprotect_rtcp_burst(te->qp, c, s, p, 1, status);
	else
		tz_srtp_unprotect_burst(te->qp, c, s, p, 1, status);
	return status[0];
}

uint8_t test_protect(struct test_engine *te, const struct tz_srtp_ctx *ctx,
		     struct tz_srtp_stream *st, struct rte_mbuf *m, int rtcp)
{
	return one(te, ctx, st, m, rtcp, 1);
}

uint8_t test_unprotect(struct test_engine *te, const struct tz_srtp_ctx *ctx,
		       struct tz_srtp_stream *st, struct rte_mbuf *m, int rtcp)
{
	return one(te, ctx, st, m, rtcp, 0);
}

size_t test_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex != '\0'; hex++) {
		int v;

		if (isspace((unsigned char)*hex))
			continue;
		v = isdigit((unsigned char)*hex) ? *hex - '0' : (tolower((unsigned char)*hex) - 'a' + 10);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n < cap)
			out[n] = (uint8_t)(hi << 4 | v);
		n++;
		hi = -1;
	}
	return n;
}

uint64_t test_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * UINT64_C(2685821657736338717);
}
