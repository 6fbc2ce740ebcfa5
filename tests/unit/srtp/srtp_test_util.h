/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared set-up for the SRTP unit tests: EAL, mbufs, engines, single-packet helpers. */
#ifndef SRTP_TEST_UTIL_H
#define SRTP_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "tz_srtp.h"

#define TEST_MBUF_DATA 2048

/* One engine under test. */
struct test_engine {
	const char *driver;		/* cryptodev driver, or the direct backend's name */
	enum tz_srtp_backend backend;
	enum tz_srtp_imb_arch arch;	/* direct backend: the manager */
	struct tz_srtp_engine *eng;	/* NULL when the driver is unavailable */
	struct tz_srtp_qp *qp;
};

/* Every test runs against each: both cryptodev PMDs and the direct
 * intel-ipsec-mb backend with each manager this CPU can run. */
enum {
	TEST_ENG_AESNI_MB,
	TEST_ENG_OPENSSL,
	TEST_ENG_DIRECT_SSE,
	TEST_ENG_DIRECT_AVX,
	TEST_ENG_DIRECT_AVX2,
	TEST_ENG_DIRECT_AVX512,
	TEST_ENG_COUNT
};

extern struct test_engine test_engines[TEST_ENG_COUNT];
extern struct rte_mempool *test_mbuf_pool;

/* Start EAL once (--no-huge --no-pci --no-shconf, --vdev crypto_aesni_mb) and both engines. */
int test_env_setup(const char *prefix);
void test_env_teardown(void);

/* An mbuf holding a copy of @p data, with headroom and ample tailroom. */
struct rte_mbuf *test_mbuf(const void *data, size_t len);

/* Single-packet wrappers around the burst API; return the packet status. */
uint8_t test_protect(struct test_engine *te, const struct tz_srtp_ctx *ctx,
		     struct tz_srtp_stream *st, struct rte_mbuf *m, int rtcp);
uint8_t test_unprotect(struct test_engine *te, const struct tz_srtp_ctx *ctx,
		       struct tz_srtp_stream *st, struct rte_mbuf *m, int rtcp);

/* Hex string (spaces allowed) to bytes; returns the length. */
size_t test_unhex(const char *hex, uint8_t *out, size_t cap);

/* xorshift64* PRNG, deterministic per seed. */
uint64_t test_rand(uint64_t *s);

#endif
