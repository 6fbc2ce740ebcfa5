/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: arbitrary bytes into SRTP/SRTCP unprotect for fixed
 * contexts of every suite.  Input = one flags byte, then the packet:
 *   bits 0-1  suite (enum tz_srtp_suite)
 *   bit  2    RTCP instead of RTP
 *   bit  3    round trip: protect the packet first, then unprotect it and
 *             require the original back (reaches the verified-tag paths)
 *   bit  4    reset the receiving stream first
 *   bit  5    send the packet twice in one burst (second must not be OK)
 * Receiving streams persist across inputs (unless bit 4 or 3 is set) so
 * replay/ROC state is exercised too.
 * Every input runs through both backends, the direct intel-ipsec-mb one
 * and cryptodev (crypto_aesni_mb), each with its own contexts and
 * streams: they must agree on every status and on every packet that
 * comes out OK (differential).
 * Any crash or sanitizer report is a bug; an abort() marks a broken rule.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "tz_srtp.h"

#define DATA_ROOM 4096

enum { BK_DIRECT, BK_CRYPTODEV, BK_COUNT };

/* One backend's engine, contexts and streams. */
struct backend {
	struct tz_srtp_engine *eng;
	struct tz_srtp_qp *qp;
	struct tz_srtp_ctx *pctx[TZ_SRTP_SUITE_COUNT], *uctx[TZ_SRTP_SUITE_COUNT];
	struct tz_srtp_stream pst[TZ_SRTP_SUITE_COUNT][2], ust[TZ_SRTP_SUITE_COUNT][2];
};

static struct backend bk[BK_COUNT];
static struct rte_mempool *pool;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what)
{
	fprintf(stderr, "fuzz_srtp_unprotect: %s\n", what);
	exit(1);
}

/* The engines live in DPDK memory, which LeakSanitizer does not scan: the
 * intel-ipsec-mb managers they hold would be reported as leaked at exit. */
static void engines_fini(void)
{
	for (int b = 0; b < BK_COUNT; b++) {
		for (int s = 0; s < TZ_SRTP_SUITE_COUNT; s++) {
			tz_srtp_ctx_destroy(bk[b].pctx[s]);
			tz_srtp_ctx_destroy(bk[b].uctx[s]);
		}
		tz_srtp_engine_destroy(bk[b].eng);
		bk[b] = (struct backend){ 0 };
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t key[32] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	static const uint8_t salt[14] = { 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6 };
	static const char *const drv[] = { "crypto_aesni_mb" };
	const struct tz_srtp_engine_conf conf[BK_COUNT] = {
		[BK_DIRECT] = { .nb_workers = 1, .max_ctx = 16, .socket_id = -1,
				.backend = TZ_SRTP_BACKEND_IPSEC_MB },
		[BK_CRYPTODEV] = { .nb_workers = 1, .max_ctx = 16, .socket_id = -1,
				   .backend = TZ_SRTP_BACKEND_CRYPTODEV, .drivers = drv,
				   .nb_drivers = 1 },
	};
	char fp[64];
	char *eal_argv[] = {
		"fuzz_srtp", "--no-huge", "--no-pci", "--no-shconf", "-m", "128", "-l", "0",
		"--log-level", "lib.*:error", fp, NULL,
	};

	snprintf(fp, sizeof(fp), "--file-prefix=fuzz_srtp_%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1, eal_argv) < 0)
		die("rte_eal_init failed");
	pool = rte_pktmbuf_pool_create("fuzz_mbufs", 64, 0, 0, RTE_PKTMBUF_HEADROOM + DATA_ROOM,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		die("set-up failed");
	for (int b = 0; b < BK_COUNT; b++) {
		struct backend *k = &bk[b];

		k->eng = tz_srtp_engine_create(&conf[b]);
		if (k->eng == NULL)
			die("engine set-up failed");
		k->qp = tz_srtp_engine_qp(k->eng, 0);
		for (int s = 0; s < TZ_SRTP_SUITE_COUNT; s++) {
			size_t kl = tz_srtp_suite_key_len(s), sl = tz_srtp_suite_salt_len(s);

			k->pctx[s] = tz_srtp_ctx_create(k->eng, s, TZ_SRTP_DIR_PROTECT, key, kl,
							salt, sl);
			k->uctx[s] = tz_srtp_ctx_create(k->eng, s, TZ_SRTP_DIR_UNPROTECT, key, kl,
							salt, sl);
			if (k->pctx[s] == NULL || k->uctx[s] == NULL)
				die("context creation failed");
		}
	}
	atexit(engines_fini);
	return 0;
}

static struct rte_mbuf *mbuf_of(const uint8_t *p, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (m == NULL)
		die("mbuf pool exhausted (leak?)");
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), p, len);
	return m;
}

static void run(struct tz_srtp_qp *qp, const struct tz_srtp_ctx *ctx, struct tz_srtp_stream *st,
		struct rte_mbuf **m, uint16_t n, int rtcp, int protect, uint8_t *status)
{
	const struct tz_srtp_ctx *c[2] = { ctx, ctx };
	struct tz_srtp_stream *s[2] = { st, st };
	uint16_t ok;

	if (protect)
		ok = rtcp ? tz_srtp_protect_rtcp_burst(qp, c, s, m, n, status)
			  : tz_srtp_protect_burst(qp, c, s, m, n, status);
	else
		ok = rtcp ? tz_srtp_unprotect_rtcp_burst(qp, c, s, m, n, status)
			  : tz_srtp_unprotect_burst(qp, c, s, m, n, status);
	for (uint16_t i = 0; i < n; i++)
		if (status[i] >= TZ_SRTP_STATUS_COUNT)
			abort();
	if (ok > n)
		abort();
}

/* One input through one backend; the outcome in status[] and m[]. */
static void one(struct backend *k, const uint8_t *data, size_t len, uint8_t flags,
		struct rte_mbuf **m, uint8_t *status)
{
	int suite = flags & 3, rtcp = (flags >> 2) & 1, twice = (flags >> 5) & 1;

	status[0] = status[1] = 0xff;
	if (flags & 0x10)
		tz_srtp_stream_init(&k->ust[suite][rtcp], 0);
	m[0] = mbuf_of(data, len);
	if (flags & 0x08) {
		/* fresh streams on both sides, so both agree on the ROC */
		tz_srtp_stream_init(&k->pst[suite][rtcp], 0);
		tz_srtp_stream_init(&k->ust[suite][rtcp], 0);
		run(k->qp, k->pctx[suite], &k->pst[suite][rtcp], m, 1, rtcp, 1, status);
		if (status[0] == TZ_SRTP_OK) {
			run(k->qp, k->uctx[suite], &k->ust[suite][rtcp], m, 1, rtcp, 0, status);
			if (status[0] != TZ_SRTP_OK || rte_pktmbuf_data_len(m[0]) != len ||
			    memcmp(rte_pktmbuf_mtod(m[0], void *), data, len) != 0)
				abort(); /* our own protected packet must come back intact */
		}
	} else {
		if (twice)
			m[1] = mbuf_of(data, len);
		run(k->qp, k->uctx[suite], &k->ust[suite][rtcp], m, twice ? 2 : 1, rtcp, 0, status);
		if (twice && status[1] == TZ_SRTP_OK)
			abort(); /* the same packet twice in a burst: never both */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m[BK_COUNT][2] = { { NULL, NULL }, { NULL, NULL } };
	uint8_t status[BK_COUNT][2];
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	if (len > DATA_ROOM - 64)
		len = DATA_ROOM - 64;
	for (int b = 0; b < BK_COUNT; b++)
		one(&bk[b], data + 1, len, data[0], m[b], status[b]);
	/* the backends agree: same statuses, same bytes out of every OK packet */
	for (int i = 0; i < 2; i++) {
		struct rte_mbuf *d = m[BK_DIRECT][i], *c = m[BK_CRYPTODEV][i];

		if (status[BK_DIRECT][i] != status[BK_CRYPTODEV][i])
			abort();
		if (status[BK_DIRECT][i] == TZ_SRTP_OK &&
		    (rte_pktmbuf_data_len(d) != rte_pktmbuf_data_len(c) ||
		     memcmp(rte_pktmbuf_mtod(d, void *), rte_pktmbuf_mtod(c, void *),
			    rte_pktmbuf_data_len(d)) != 0))
			abort();
	}
	for (int b = 0; b < BK_COUNT; b++) {
		rte_pktmbuf_free(m[b][0]);
		rte_pktmbuf_free(m[b][1]);
	}
	return 0;
}
