/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP micro-benchmark: ns per packet for tz_srtp_protect_burst and
 * tz_srtp_unprotect_burst in bursts of 32, next to a cryptodev-only floor
 * (the same sessions and ops enqueued/dequeued with no SRTP work around
 * them), in the same run, for every suite and engine.  Measures; never
 * fails on time.
 *
 *   srtp_bench [payload_bytes (160)] [header_ext_words (0)] [bursts (20000)]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cryptodev.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "srtp_op_pvt.h"
#include "srtp_pvt.h"
#include "tz_srtp.h"

#define BURST 32

struct bench_conf {
	unsigned int payload;
	unsigned int ext_words;
	unsigned int bursts;
};

static struct rte_mempool *pool;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static unsigned int make_packet(uint8_t *b, const struct bench_conf *bc)
{
	unsigned int h = 12;

	memset(b, 0xab, 12 + 4 + 4 * bc->ext_words + bc->payload);
	b[0] = 0x80;
	b[1] = 0;
	b[8] = 0x12;
	if (bc->ext_words > 0) {
		b[0] |= 0x10;
		b[h] = 0xbe;
		b[h + 1] = 0xde;
		b[h + 2] = 0;
		b[h + 3] = (uint8_t)bc->ext_words;
		h += 4 + 4 * bc->ext_words;
	}
	return h + bc->payload;
}

/* Protect then unprotect the same burst, seq advancing: the packets come back as plain. */
static void bench_srtp(struct tz_srtp_qp *qp, struct tz_srtp_ctx *pc, struct tz_srtp_ctx *uc,
		       struct rte_mbuf **m, const struct bench_conf *bc, double *p_ns,
		       double *u_ns)
{
	const struct tz_srtp_ctx *pcs[BURST], *ucs[BURST];
	struct tz_srtp_stream ps, us, *pst[BURST], *ust[BURST];
	uint8_t status[BURST];
	double tp = 0, tu = 0, t0;
	uint16_t seq = 0;

	tz_srtp_stream_init(&ps, 0);
	tz_srtp_stream_init(&us, 0);
	for (int i = 0; i < BURST; i++) {
		pcs[i] = pc;
		ucs[i] = uc;
		pst[i] = &ps;
		ust[i] = &us;
	}
	for (unsigned int it = 0; it < bc->bursts; it++) {
		for (int i = 0; i < BURST; i++, seq++) {
			uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);

			p[2] = seq >> 8;
			p[3] = (uint8_t)seq;
		}
		t0 = now_ns();
		if (tz_srtp_protect_burst(qp, pcs, pst, m, BURST, status) != BURST)
			fprintf(stderr, "protect failed: %s\n", tz_srtp_status_name(status[0]));
		tp += now_ns() - t0;
		t0 = now_ns();
		if (tz_srtp_unprotect_burst(qp, ucs, ust, m, BURST, status) != BURST)
			fprintf(stderr, "unprotect failed: %s\n", tz_srtp_status_name(status[0]));
		tu += now_ns() - t0;
	}
	*p_ns = tp / ((double)bc->bursts * BURST);
	*u_ns = tu / ((double)bc->bursts * BURST);
}

/* The floor: the same session over the same bytes, ops filled once, only enqueue+dequeue. */
static double bench_floor(struct tz_srtp_qp *qp, const struct tz_srtp_ctx *ctx,
			  struct rte_mbuf **m, unsigned int len, unsigned int hdr,
			  const struct bench_conf *bc)
{
	uint8_t status[BURST];
	double t0;

	for (int i = 0; i < BURST; i++) {
		struct rte_crypto_op *op = qp->ops[i];

		srtp_op_init(op, ctx->rtp.sess, m[i]);
		srtp_op_priv(op)->pkt = (uint16_t)i;
		if (ctx->aead)
			srtp_gcm_op(op, hdr, len - hdr);
		else
			srtp_cm_op(op, hdr, len - hdr, len + 4);
	}
	t0 = now_ns();
	for (unsigned int it = 0; it < bc->bursts; it++) {
		for (int i = 0; i < BURST; i++)
			qp->ops[i]->status = RTE_CRYPTO_OP_STATUS_NOT_PROCESSED;
		srtp_engine_run(qp, BURST, status);
	}
	return (now_ns() - t0) / ((double)bc->bursts * BURST);
}

static void bench_suite(struct tz_srtp_engine *eng, enum tz_srtp_suite s,
			const struct bench_conf *bc)
{
	static const char *const names[] = {
		"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AEAD_AES_128_GCM",
		"AEAD_AES_256_GCM",
	};
	uint8_t key[32] = { 1, 2, 3 }, salt[14] = { 4, 5, 6 }, pkt[2048];
	struct tz_srtp_qp *qp = tz_srtp_engine_qp(eng, 0);
	struct tz_srtp_ctx *pc, *uc;
	struct rte_mbuf *m[BURST];
	unsigned int len = make_packet(pkt, bc), hdr = len - bc->payload;
	double p_ns, u_ns, fp, fu;

	pc = tz_srtp_ctx_create(eng, s, TZ_SRTP_DIR_PROTECT, key, tz_srtp_suite_key_len(s), salt,
				tz_srtp_suite_salt_len(s));
	uc = tz_srtp_ctx_create(eng, s, TZ_SRTP_DIR_UNPROTECT, key, tz_srtp_suite_key_len(s),
				salt, tz_srtp_suite_salt_len(s));
	if (pc == NULL || uc == NULL) {
		printf("%-16s %-24s unavailable\n", tz_srtp_engine_driver(eng), names[s]);
		goto out;
	}
	for (int i = 0; i < BURST; i++) {
		m[i] = rte_pktmbuf_alloc(pool);
		memcpy(rte_pktmbuf_append(m[i], (uint16_t)len), pkt, len);
	}
	bench_srtp(qp, pc, uc, m, bc, &p_ns, &u_ns);
	/* floor over a packet with room for the tag, as protect sees it */
	for (int i = 0; i < BURST; i++)
		rte_pktmbuf_append(m[i], (uint16_t)tz_srtp_suite_rtp_tag_len(s));
	fp = bench_floor(qp, pc, m, len, hdr, bc);
	fu = bench_floor(qp, uc, m, len, hdr, bc);
	printf("%-16s %-24s protect %6.1f ns (floor %6.1f)  unprotect %6.1f ns (floor %6.1f)\n",
	       tz_srtp_engine_driver(eng), names[s], p_ns, fp, u_ns, fu);
	for (int i = 0; i < BURST; i++)
		rte_pktmbuf_free(m[i]);
out:
	tz_srtp_ctx_destroy(pc);
	tz_srtp_ctx_destroy(uc);
}

int main(int argc, char **argv)
{
	struct bench_conf bc = { 160, 0, 20000 };
	static const char *const drivers[] = { "crypto_aesni_mb", "crypto_openssl" };
	char fp[64];
	char *eal_argv[] = {
		"srtp_bench", "--no-huge", "--no-pci", "--no-shconf", "-m", "256", "-l", "0",
		"--log-level", "lib.*:error", fp, NULL,
	};

	if (argc > 1)
		bc.payload = (unsigned int)atoi(argv[1]);
	if (argc > 2)
		bc.ext_words = (unsigned int)atoi(argv[2]);
	if (argc > 3)
		bc.bursts = (unsigned int)atoi(argv[3]);
	if (bc.payload > 1400 || bc.ext_words > 64 || bc.bursts == 0) {
		fprintf(stderr, "usage: srtp_bench [payload<=1400] [ext_words<=64] [bursts>0]\n");
		return 2;
	}
	snprintf(fp, sizeof(fp), "--file-prefix=srtp_bench_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("bench_mbufs", 256, 0, 0, RTE_PKTMBUF_HEADROOM + 2048,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		return 1;
	printf("RTP packet: %u-byte header, %u-byte payload; bursts of %d x %u\n",
	       12 + (bc.ext_words ? 4 + 4 * bc.ext_words : 0), bc.payload, BURST, bc.bursts);
	for (unsigned int d = 0; d < RTE_DIM(drivers); d++) {
		const char *drv[] = { drivers[d] };
		struct tz_srtp_engine_conf conf = {
			.drivers = drv, .nb_drivers = 1, .nb_workers = 1, .max_ctx = 8,
			.socket_id = SOCKET_ID_ANY,
		};
		struct tz_srtp_engine *eng = tz_srtp_engine_create(&conf);

		if (eng == NULL)
			continue;
		printf("%s: %zu bytes per context (2 sessions of %u bytes private data "
		       "+ %zu-byte context)\n",
		       drivers[d], tz_srtp_engine_ctx_footprint(eng),
		       rte_cryptodev_sym_get_private_session_size(eng->dev_id),
		       sizeof(struct tz_srtp_ctx));
		for (int s = 0; s < TZ_SRTP_SUITE_COUNT; s++)
			bench_suite(eng, s, &bc);
		tz_srtp_engine_destroy(eng);
	}
	rte_eal_cleanup();
	return 0;
}
