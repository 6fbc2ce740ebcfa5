/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench floor: what the hardware can do for SRTP crypto, measured
 * in the same run as what our code makes of it.
 *
 *  raw        the chain alone through intel-ipsec-mb's job API, per manager
 *             (SSE, AVX, AVX2, AVX512 as the CPU allows): AES-128-CTR then
 *             HMAC-SHA1 (80-bit tag) over header || payload || ROC, or
 *             AES-GCM with the 12-byte header as AAD; half the packets
 *             protected (cipher then hash), half verified (hash then
 *             decipher); jobs submitted for a burst, then flushed.
 *  cryptodev  the same chain as crypto ops through the crypto_aesni_mb PMD
 *             (ops filled once, only enqueue + dequeue: the old "floor").
 *  transform  tz_srtp_protect_burst + tz_srtp_unprotect_burst (index,
 *             replay window, IV, tag handling) on each backend: cryptodev
 *             and the direct one.
 *
 * Timing: best of --runs repetitions of --iters bursts each, TSC.  Measures
 * and reports; never fails on time.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <intel-ipsec-mb.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "bench.h"
#include "floor.h"
#include "srtp_op_pvt.h"
#include "srtp_pvt.h"

#define FLOOR_BURST_MAX 64
#define FLOOR_BUF 2048
#define FLOOR_SUITES 3	/* AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM, AEAD_AES_256_GCM */

static const unsigned floor_suites[FLOOR_SUITES] = {
	TZ_SRTP_AES_CM_128_HMAC_SHA1_80,
	TZ_SRTP_AEAD_AES_128_GCM,
	TZ_SRTP_AEAD_AES_256_GCM,
};

enum { MGR_SSE, MGR_AVX, MGR_AVX2, MGR_AVX512, MGR_COUNT };

static const char *const mgr_names[MGR_COUNT] = { "sse", "avx", "avx2", "avx512" };
static const uint64_t mgr_needs[MGR_COUNT] = {
	IMB_CPUFLAGS_SSE, IMB_CPUFLAGS_AVX, IMB_CPUFLAGS_AVX2, IMB_CPUFLAGS_AVX512,
};

struct floor_opts {
	unsigned size;		/* RTP packet: 12-byte header + payload */
	unsigned burst;
	unsigned iters;		/* bursts per repetition */
	unsigned runs;		/* repetitions; the best is kept */
	int suite;		/* -1: all three */
	const char *json;
	bool quiet;
	bool no_cryptodev;
};

/* Keys and buffers of one raw measurement (64-byte aligned for IMB). */
struct raw_state {
	struct gcm_key_data gdata __attribute__((aligned(64)));
	uint8_t enc[16 * 15] __attribute__((aligned(16)));
	uint8_t dec[16 * 15] __attribute__((aligned(16)));
	uint8_t ipad[20], opad[20];
	uint8_t iv[16], tag[FLOOR_BURST_MAX][32];
	uint8_t buf[FLOOR_BURST_MAX][FLOOR_BUF] __attribute__((aligned(64)));
};

/* TSC ticks per ns, also without EAL (which measures it in rte_eal_init). */
static double tsc_per_ns(void)
{
	static double cached;
	struct timespec a, b;
	uint64_t t0, t1;

	if (rte_get_tsc_hz() != 0)
		return (double)rte_get_tsc_hz() / 1e9;
	if (cached > 0)
		return cached;
	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = rte_rdtsc();
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 50000000L);
	t1 = rte_rdtsc();
	cached = (double)(t1 - t0) /
		 (double)((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
	return cached;
}

static IMB_MGR *mgr_open(unsigned a)
{
	IMB_MGR *m = alloc_mb_mgr(0);

	if (m == NULL)
		return NULL;
	if ((m->features & mgr_needs[a]) != mgr_needs[a]) {
		free_mb_mgr(m);
		return NULL;
	}
	switch (a) {
	case MGR_AVX:
		init_mb_mgr_avx(m);
		break;
	case MGR_AVX2:
		init_mb_mgr_avx2(m);
		break;
	case MGR_AVX512:
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

static void raw_keys(IMB_MGR *m, struct raw_state *s, unsigned suite)
{
	static const uint8_t key[32] = "0123456789abcdef0123456789abcde";
	uint8_t blk[64];

	if (suite == TZ_SRTP_AEAD_AES_128_GCM)
		IMB_AES128_GCM_PRE(m, key, &s->gdata);
	else if (suite == TZ_SRTP_AEAD_AES_256_GCM)
		IMB_AES256_GCM_PRE(m, key, &s->gdata);
	IMB_AES_KEYEXP_128(m, key, s->enc, s->dec);
	memset(blk, 0x36, sizeof(blk));
	for (int i = 0; i < 20; i++)
		blk[i] ^= key[i];
	IMB_SHA1_ONE_BLOCK(m, blk, s->ipad);
	memset(blk, 0x5c, sizeof(blk));
	for (int i = 0; i < 20; i++)
		blk[i] ^= key[i];
	IMB_SHA1_ONE_BLOCK(m, blk, s->opad);
}

static inline void raw_job(IMB_JOB *j, struct raw_state *s, unsigned suite, unsigned i,
			   unsigned size, bool verify)
{
	uint8_t *b = s->buf[i];

	j->src = b;
	j->dst = b + 12;
	j->iv = s->iv;
	j->cipher_start_src_offset_in_bytes = 12;
	j->msg_len_to_cipher_in_bytes = size - 12;
	j->cipher_direction = verify ? IMB_DIR_DECRYPT : IMB_DIR_ENCRYPT;
	j->chain_order = verify ? IMB_ORDER_HASH_CIPHER : IMB_ORDER_CIPHER_HASH;
	j->auth_tag_output = s->tag[i];
	j->user_data = NULL;
	if (suite == TZ_SRTP_AES_CM_128_HMAC_SHA1_80) {
		j->cipher_mode = IMB_CIPHER_CNTR;
		j->enc_keys = s->enc;
		j->dec_keys = s->enc;
		j->key_len_in_bytes = 16;
		j->iv_len_in_bytes = 16;
		j->hash_alg = IMB_AUTH_HMAC_SHA_1;
		j->hash_start_src_offset_in_bytes = 0;
		j->msg_len_to_hash_in_bytes = size + 4; /* header || payload || ROC */
		j->u.HMAC._hashed_auth_key_xor_ipad = s->ipad;
		j->u.HMAC._hashed_auth_key_xor_opad = s->opad;
		j->auth_tag_output_len_in_bytes = 12; /* IMB's truncated size; SRTP sends 10 */
		return;
	}
	j->cipher_mode = IMB_CIPHER_GCM;
	j->hash_alg = IMB_AUTH_AES_GMAC;
	j->enc_keys = &s->gdata;
	j->dec_keys = &s->gdata;
	j->key_len_in_bytes = suite == TZ_SRTP_AEAD_AES_256_GCM ? 32 : 16;
	j->iv_len_in_bytes = 12;
	j->hash_start_src_offset_in_bytes = 12;
	j->msg_len_to_hash_in_bytes = size - 12;
	j->u.GCM.aad = b;
	j->u.GCM.aad_len_in_bytes = 12;
	j->auth_tag_output_len_in_bytes = 16;
}

/* One burst each way; returns the jobs that completed with an error. */
static unsigned raw_round(IMB_MGR *m, struct raw_state *s, unsigned suite, unsigned size,
			  unsigned burst)
{
	unsigned bad = 0;
	IMB_JOB *j;

	for (int verify = 0; verify <= 1; verify++) {
		for (unsigned i = 0; i < burst; i++) {
			raw_job(IMB_GET_NEXT_JOB(m), s, suite, i, size, verify);
			for (j = IMB_SUBMIT_JOB_NOCHECK(m); j != NULL; j = IMB_GET_COMPLETED_JOB(m))
				bad += j->status != IMB_STATUS_COMPLETED;
		}
		while ((j = IMB_FLUSH_JOB(m)) != NULL)
			bad += j->status != IMB_STATUS_COMPLETED;
	}
	return bad;
}

/* ns per packet of one manager, best of @p runs; < 0 if it cannot run. */
static double raw_ns(unsigned a, unsigned suite, unsigned size, unsigned burst, unsigned iters,
		     unsigned runs)
{
	struct raw_state *s;
	double best = -1, tsc_ns = tsc_per_ns();
	IMB_MGR *m;

	if (size < 12 || size + 4 > FLOOR_BUF || burst == 0 || burst > FLOOR_BURST_MAX)
		return -1;
	m = mgr_open(a);
	if (m == NULL)
		return -1;
	s = aligned_alloc(64, sizeof(*s));
	if (s == NULL) {
		free_mb_mgr(m);
		return -1;
	}
	memset(s, 0x5a, sizeof(*s));
	raw_keys(m, s, suite);
	/* the checked submit once: the jobs are valid */
	raw_job(IMB_GET_NEXT_JOB(m), s, suite, 0, size, false);
	if (IMB_SUBMIT_JOB(m) == NULL)
		while (IMB_FLUSH_JOB(m) != NULL)
			;
	if (imb_get_errno(m) != 0 || raw_round(m, s, suite, size, burst) != 0)
		goto out;
	for (unsigned r = 0; r < runs; r++) {
		uint64_t t0 = rte_rdtsc();
		double ns;

		for (unsigned it = 0; it < iters; it++)
			raw_round(m, s, suite, size, burst);
		ns = (double)(rte_rdtsc() - t0) / tsc_ns / (2.0 * burst * iters);
		if (best < 0 || ns < best)
			best = ns;
	}
out:
	free(s);
	free_mb_mgr(m);
	return best;
}

double bench_floor_raw_ns(unsigned suite, unsigned size, unsigned burst, const char **mgr_name)
{
	double best = -1;

	for (unsigned a = 0; a < MGR_COUNT; a++) {
		double ns = raw_ns(a, suite, size, burst, 2000, 5);

		if (ns > 0 && (best < 0 || ns < best)) {
			best = ns;
			if (mgr_name != NULL)
				*mgr_name = mgr_names[a];
		}
	}
	return best;
}

/* ---- through our engine (needs EAL) ----------------------------------------- */

static struct rte_mempool *floor_pool;

static struct tz_srtp_engine *engine(enum tz_srtp_backend b)
{
	static const char *const drv[] = { "crypto_aesni_mb" };
	struct tz_srtp_engine_conf c = {
		.nb_workers = 1, .max_ctx = 8, .socket_id = SOCKET_ID_ANY, .backend = b,
	};

	if (b == TZ_SRTP_BACKEND_CRYPTODEV) {
		c.drivers = drv;
		c.nb_drivers = 1;
	}
	return tz_srtp_engine_create(&c);
}

static struct tz_srtp_ctx *ctx_new(struct tz_srtp_engine *e, unsigned suite, enum tz_srtp_dir d)
{
	static const uint8_t key[32] = "0123456789abcdef0123456789abcde";
	static const uint8_t salt[14] = "saltsaltsalts";

	return tz_srtp_ctx_create(e, suite, d, key, tz_srtp_suite_key_len(suite), salt,
				  tz_srtp_suite_salt_len(suite));
}

static int mbufs(struct rte_mbuf **m, unsigned n, unsigned size)
{
	if (rte_pktmbuf_alloc_bulk(floor_pool, m, n) != 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[i], (uint16_t)size);

		memset(p, 0xab, size);
		p[0] = 0x80;
		p[1] = 0;
	}
	return 0;
}

/* The chain as ops through the engine, filled once: enqueue/dequeue (or jobs) only. */
static double ops_ns(struct tz_srtp_engine *e, unsigned suite, const struct floor_opts *o)
{
	struct tz_srtp_ctx *c[2] = { ctx_new(e, suite, TZ_SRTP_DIR_PROTECT),
				     ctx_new(e, suite, TZ_SRTP_DIR_UNPROTECT) };
	struct tz_srtp_qp *qp = tz_srtp_engine_qp(e, 0);
	struct rte_mbuf *m[FLOOR_BURST_MAX];
	uint8_t status[FLOOR_BURST_MAX];
	double best = -1, tsc_ns = tsc_per_ns();

	if (c[0] == NULL || c[1] == NULL || mbufs(m, o->burst, o->size + 32) != 0)
		goto out;
	for (unsigned r = 0; r < o->runs; r++) {
		uint64_t t = 0;

		for (unsigned it = 0; it < o->iters; it++)
			for (int d = 0; d < 2; d++) {
				uint64_t t0;

				for (unsigned i = 0; i < o->burst; i++) {
					struct rte_crypto_op *op = qp->ops[i];

					srtp_op_init(op, c[d]->rtp.sess, m[i]);
					srtp_op_priv(op)->pkt = (uint16_t)i;
					if (c[d]->aead)
						srtp_gcm_op(op, 12, o->size - 12);
					else
						srtp_cm_op(op, 12, o->size - 12, o->size + 4);
				}
				t0 = rte_rdtsc();
				srtp_engine_run(qp, (uint16_t)o->burst, status);
				t += rte_rdtsc() - t0;
			}
		double ns = (double)t / tsc_ns / (2.0 * o->burst * o->iters);

		if (best < 0 || ns < best)
			best = ns;
	}
	rte_pktmbuf_free_bulk(m, o->burst);
out:
	tz_srtp_ctx_destroy(c[0]);
	tz_srtp_ctx_destroy(c[1]);
	return best;
}

/* Our transform: protect then unprotect the same burst, seq advancing. */
static double transform_ns(struct tz_srtp_engine *e, unsigned suite, const struct floor_opts *o)
{
	struct tz_srtp_ctx *pc = ctx_new(e, suite, TZ_SRTP_DIR_PROTECT);
	struct tz_srtp_ctx *uc = ctx_new(e, suite, TZ_SRTP_DIR_UNPROTECT);
	struct tz_srtp_qp *qp = tz_srtp_engine_qp(e, 0);
	const struct tz_srtp_ctx *pcs[FLOOR_BURST_MAX], *ucs[FLOOR_BURST_MAX];
	struct tz_srtp_stream ps, us, *pst[FLOOR_BURST_MAX], *ust[FLOOR_BURST_MAX];
	struct rte_mbuf *m[FLOOR_BURST_MAX];
	uint8_t status[FLOOR_BURST_MAX];
	double best = -1, tsc_ns = tsc_per_ns();
	uint16_t seq = 0;
	bool ok = true;

	if (pc == NULL || uc == NULL || mbufs(m, o->burst, o->size) != 0)
		goto out;
	tz_srtp_stream_init(&ps, 0);
	tz_srtp_stream_init(&us, 0);
	for (unsigned i = 0; i < o->burst; i++) {
		pcs[i] = pc;
		ucs[i] = uc;
		pst[i] = &ps;
		ust[i] = &us;
	}
	for (unsigned r = 0; r < o->runs && ok; r++) {
		uint64_t t = 0;

		for (unsigned it = 0; it < o->iters && ok; it++) {
			uint64_t t0;

			for (unsigned i = 0; i < o->burst; i++, seq++) {
				uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);

				p[2] = (uint8_t)(seq >> 8);
				p[3] = (uint8_t)seq;
			}
			t0 = rte_rdtsc();
			ok = tz_srtp_protect_burst(qp, pcs, pst, m, (uint16_t)o->burst, status) ==
				     o->burst &&
			     tz_srtp_unprotect_burst(qp, ucs, ust, m, (uint16_t)o->burst, status) ==
				     o->burst;
			t += rte_rdtsc() - t0;
		}
		double ns = (double)t / tsc_ns / (2.0 * o->burst * o->iters);

		if (ok && (best < 0 || ns < best))
			best = ns;
	}
	if (!ok)
		fprintf(stderr, "trapeze-bench floor: transform failed: %s\n",
			tz_srtp_status_name(status[0]));
	rte_pktmbuf_free_bulk(m, o->burst);
out:
	tz_srtp_ctx_destroy(pc);
	tz_srtp_ctx_destroy(uc);
	return ok ? best : -1;
}

/* ---- the command ---------------------------------------------------------------- */

struct suite_result {
	unsigned suite;
	double raw[MGR_COUNT];	/* < 0: manager not available */
	int best;		/* index into raw, -1 if none */
	double cryptodev, direct_ops, xf_cryptodev, xf_direct;
	const char *direct_driver;
};

static const char usage[] =
"Usage: trapeze-bench floor [OPTION]...\n"
"The raw SRTP crypto chain on this CPU: intel-ipsec-mb's job API per manager\n"
"(AES-128-CTR + HMAC-SHA1/80, AES-GCM with a 12-byte AAD), next to the same\n"
"chain through cryptodev and to our transform on both backends, in one run.\n"
"  -s, --suite NAME   AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM, AEAD_AES_256_GCM\n"
"                     (default: all three)\n"
"  -S, --size N       RTP packet bytes, 12-byte header included (172)\n"
"  -b, --burst N      packets per burst, 1..64 (32)\n"
"  -n, --iters N      bursts per repetition (20000)\n"
"  -r, --runs N       repetitions, the best is reported (5)\n"
"  -C, --no-cryptodev only the job API (no EAL)\n"
"  -j, --json FILE    write the results as JSON\n"
"  -q, --quiet        no progress on stderr\n";

static int parse(int argc, char **argv, struct floor_opts *o)
{
	static const struct option lo[] = {
		{ "suite", required_argument, NULL, 's' }, { "size", required_argument, NULL, 'S' },
		{ "burst", required_argument, NULL, 'b' }, { "iters", required_argument, NULL, 'n' },
		{ "runs", required_argument, NULL, 'r' },  { "json", required_argument, NULL, 'j' },
		{ "no-cryptodev", no_argument, NULL, 'C' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },	    { NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct floor_opts){ .size = 172, .burst = 32, .iters = 20000, .runs = 5,
				  .suite = -1 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:S:b:n:r:j:Cqh", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o->suite = bench_suite_parse(optarg);
			if (o->suite < 0 || o->suite == TZ_SRTP_AES_CM_128_HMAC_SHA1_32 ||
			    o->suite == BENCH_SUITE_NONE) {
				fprintf(stderr, "trapeze-bench floor: unsupported suite \"%s\"\n",
					optarg);
				return -1;
			}
			break;
		case 'S': o->size = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'b': o->burst = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'n': o->iters = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'r': o->runs = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'j': o->json = optarg; break;
		case 'C': o->no_cryptodev = true; break;
		case 'q': o->quiet = true; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); return -1;
		}
	}
	if (o->size < 13 || o->size + 64 > FLOOR_BUF || o->burst == 0 ||
	    o->burst > FLOOR_BURST_MAX || o->iters == 0 || o->runs == 0) {
		fprintf(stderr, "trapeze-bench floor: an option is out of range; see --help\n");
		return -1;
	}
	return 0;
}

static int eal_up(void)
{
	char *argv[] = { "trapeze-bench", "-l", "0", "-m", "256", "--no-pci", "--no-huge",
			 "--no-shconf", "--no-telemetry", "--file-prefix", "tz_floor",
			 "--log-level=*:warning", NULL };

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	floor_pool = rte_pktmbuf_pool_create("floor_mbufs", 1024, 0, 0,
					     RTE_PKTMBUF_HEADROOM + FLOOR_BUF, SOCKET_ID_ANY);
	return floor_pool == NULL ? -1 : 0;
}

static void print_ns(FILE *f, const char *name, double ns, double raw)
{
	if (ns < 0) {
		fprintf(f, "  %-30s unavailable\n", name);
		return;
	}
	fprintf(f, "  %-30s %8.1f ns/op  %6.2f Mpps", name, ns, 1e3 / ns);
	if (raw > 0)
		fprintf(f, "  %5.2fx raw  (+%.1f ns)", ns / raw, ns - raw);
	fputc('\n', f);
}

static void print(const struct suite_result *r, unsigned n, const struct floor_opts *o)
{
	printf("SRTP crypto floor: %u-byte RTP packets (%u payload), bursts of %u, best of %u x "
	       "%u bursts, TSC %.2f GHz\n", o->size, o->size - 12, o->burst, o->runs, o->iters,
	       tsc_per_ns());
	for (unsigned k = 0; k < n; k++) {
		double raw = r[k].best >= 0 ? r[k].raw[r[k].best] : -1;

		printf("\n%s\n", bench_suite_name(r[k].suite));
		for (unsigned a = 0; a < MGR_COUNT; a++) {
			char name[40];

			snprintf(name, sizeof(name), "raw job API, %s%s", mgr_names[a],
				 (int)a == r[k].best ? " (best)" : "");
			print_ns(stdout, name, r[k].raw[a], a == (unsigned)r[k].best ? -1 : raw);
		}
		if (o->no_cryptodev)
			continue;
		print_ns(stdout, "cryptodev ops (aesni_mb PMD)", r[k].cryptodev, raw);
		print_ns(stdout, "direct backend ops", r[k].direct_ops, raw);
		print_ns(stdout, "transform, cryptodev", r[k].xf_cryptodev, raw);
		print_ns(stdout, "transform, direct", r[k].xf_direct, raw);
	}
}

static void json_num(FILE *f, const char *key, double v, bool comma)
{
	if (v < 0)
		fprintf(f, "\"%s\": null%s", key, comma ? ", " : "");
	else
		fprintf(f, "\"%s\": %.2f%s", key, v, comma ? ", " : "");
}

static int json(const struct suite_result *r, unsigned n, const struct floor_opts *o)
{
	FILE *f = fopen(o->json, "w");

	if (f == NULL)
		return -1;
	fprintf(f, "{\n  \"bench\": \"floor\",\n  \"size\": %u,\n  \"burst\": %u,\n"
		"  \"iters\": %u,\n  \"runs\": %u,\n  \"tsc_ghz\": %.3f,\n  \"suites\": [\n",
		o->size, o->burst, o->iters, o->runs, tsc_per_ns());
	for (unsigned k = 0; k < n; k++) {
		double raw = r[k].best >= 0 ? r[k].raw[r[k].best] : -1;

		fprintf(f, "    {\"suite\": \"%s\", \"raw_ns\": {", bench_suite_name(r[k].suite));
		for (unsigned a = 0; a < MGR_COUNT; a++)
			json_num(f, mgr_names[a], r[k].raw[a], a + 1 < MGR_COUNT);
		fprintf(f, "}, \"best_manager\": ");
		if (r[k].best >= 0)
			fprintf(f, "\"%s\", ", mgr_names[r[k].best]);
		else
			fprintf(f, "null, ");
		json_num(f, "raw_floor_ns", raw, true);
		json_num(f, "cryptodev_ns", r[k].cryptodev, true);
		json_num(f, "cryptodev_ratio_to_raw",
			 raw > 0 && r[k].cryptodev > 0 ? r[k].cryptodev / raw : -1, true);
		json_num(f, "direct_ops_ns", r[k].direct_ops, true);
		json_num(f, "transform_cryptodev_ns", r[k].xf_cryptodev, true);
		json_num(f, "transform_direct_ns", r[k].xf_direct, true);
		json_num(f, "transform_direct_ratio_to_raw",
			 raw > 0 && r[k].xf_direct > 0 ? r[k].xf_direct / raw : -1, true);
		fprintf(f, "\"direct_driver\": \"%s\"}%s\n",
			r[k].direct_driver != NULL ? r[k].direct_driver : "", k + 1 < n ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) == 0 ? 0 : -1;
}

int bench_floor_main(int argc, char **argv)
{
	struct suite_result res[FLOOR_SUITES];
	struct tz_srtp_engine *eng[2] = { NULL, NULL };	/* cryptodev, direct */
	struct floor_opts o;
	unsigned n = 0;

	if (parse(argc, argv, &o) != 0)
		return 2;
	if (!o.no_cryptodev) {
		if (eal_up() != 0) {
			fprintf(stderr, "trapeze-bench floor: EAL did not start (try -C)\n");
			return 1;
		}
		eng[0] = engine(TZ_SRTP_BACKEND_CRYPTODEV);
		eng[1] = engine(TZ_SRTP_BACKEND_IPSEC_MB);
	}
	for (unsigned k = 0; k < FLOOR_SUITES; k++) {
		struct suite_result *r;

		if (o.suite >= 0 && (unsigned)o.suite != floor_suites[k])
			continue;
		r = &res[n++];
		memset(r, 0, sizeof(*r));
		r->suite = floor_suites[k];
		r->best = -1;
		for (unsigned a = 0; a < MGR_COUNT; a++) {
			bench_progress(o.quiet, "%s: raw, %s", bench_suite_name(r->suite),
				       mgr_names[a]);
			r->raw[a] = raw_ns(a, r->suite, o.size, o.burst, o.iters, o.runs);
			if (r->raw[a] > 0 && (r->best < 0 || r->raw[a] < r->raw[r->best]))
				r->best = (int)a;
		}
		r->cryptodev = r->direct_ops = r->xf_cryptodev = r->xf_direct = -1;
		if (o.no_cryptodev)
			continue;
		bench_progress(o.quiet, "%s: cryptodev", bench_suite_name(r->suite));
		if (eng[0] != NULL) {
			r->cryptodev = ops_ns(eng[0], r->suite, &o);
			r->xf_cryptodev = transform_ns(eng[0], r->suite, &o);
		}
		bench_progress(o.quiet, "%s: direct backend", bench_suite_name(r->suite));
		if (eng[1] != NULL) {
			r->direct_driver = tz_srtp_engine_driver(eng[1]);
			r->direct_ops = ops_ns(eng[1], r->suite, &o);
			r->xf_direct = transform_ns(eng[1], r->suite, &o);
		}
	}
	bench_progress(o.quiet, "%s", "");
	print(res, n, &o);
	if (eng[1] != NULL)
		printf("\ndirect backend: %s\n", tz_srtp_engine_driver(eng[1]));
	if (o.json != NULL && json(res, n, &o) != 0)
		fprintf(stderr, "trapeze-bench floor: cannot write %s\n", o.json);
	tz_srtp_engine_destroy(eng[0]);
	tz_srtp_engine_destroy(eng[1]);
	if (!o.no_cryptodev) {
		rte_mempool_free(floor_pool);
		rte_eal_cleanup();
	}
	return 0;
}
