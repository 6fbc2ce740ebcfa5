/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench pipeline: the measurements.  Throughput: every packet of a
 * run is built before the clock starts, then handed to the workers' input
 * rings as fast as the rings take them, so the workers are the bottleneck;
 * the clock stops when the last packet has left.  Latency: packets are
 * paced at 80 % and 50 % of the measured rate, stamped when queued and
 * timed when they leave.  Floor: the SRTP transform alone (no packet I/O, no lookup) in
 * bursts of 32 on the generator's own crypto queue pair.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf_dyn.h>

#include "fastpath_pvt.h"
#include "floor.h"
#include "pipeline_pvt.h"

#define FLOOR_BURSTS 4000
#define GEN_BURST 32

static void rtp_header(uint8_t *b, uint16_t len, uint16_t seq, uint32_t ssrc)
{
	b[0] = 0x80;
	b[1] = 0;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	memset(b + 4, 0, 4);
	b[8] = (uint8_t)(ssrc >> 24);
	b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
	memset(b + 12, 0xd5, len - 12u);   /* G.711 silence */
}

/* Peer -> gateway headers for a packet of call @p c arriving on @p side. */
static void ingress_headers(struct rte_mbuf *m, uint32_t c, int side)
{
	struct tz_dp_flow_key kw, ks, *k;
	struct tz_dp_egress e = { .family = AF_INET };
	static const uint8_t gw[SIDES][4] = { { 198, 51, 100, 1 }, { 203, 0, 113, 1 } };

	pipeline_keys(c, &kw, &ks);
	k = side == SIDE_WEB ? &kw : &ks;
	memcpy(e.src, &k->remote[12], 4);
	memcpy(e.dst, gw[side], 4);
	e.src_port = k->remote_port;
	e.dst_port = e.dst_rtcp_port = k->local_port;
	fp_push_headers(m, &e, false, 0, FP_CK_NONE);   /* as a peer sends it: checksummed */
}

/* Protect the browser-side packets of a batch as a browser would (and the
 * SIP side's as an SDES PBX would: the same key, its own streams). */
static void browser_protect(struct pipeline *pl, struct rte_mbuf **m, const uint32_t *call,
			    uint16_t n, const uint8_t *sd)
{
	const struct tz_srtp_ctx *ctx[GEN_BURST];
	struct tz_srtp_stream *st[GEN_BURST];
	uint8_t status[GEN_BURST];

	for (uint16_t i = 0; i < n; i++) {
		ctx[i] = pl->browser_tx;
		st[i] = sd[i] == SIDE_SIP ? &pl->pbx_st[call[i]] : &pl->browser_st[call[i]];
	}
	tz_srtp_protect_burst(tz_srtp_engine_qp(pl->eng, (uint16_t)pl->o.workers), ctx, st, m, n,
			      status);
}

uint32_t pipeline_build(struct pipeline *pl, struct rte_mbuf **pkts, uint8_t *worker,
			uint8_t *side, uint32_t n)
{
	struct rte_mbuf *web[GEN_BURST];
	uint32_t web_call[GEN_BURST], built = 0;
	uint8_t web_side[GEN_BURST];
	uint16_t nw = 0;

	uint32_t n_calls = pipeline_active_calls(pl);

	for (uint32_t i = 0; i < n; i++) {
		uint32_t c = pipeline_active_call(pl, (i / 2) % n_calls);
		int s = (int)(i & 1);
		struct rte_mbuf *m = rte_pktmbuf_alloc(pl->mp);
		uint8_t *b;

		if (m == NULL)
			break;
		b = (uint8_t *)rte_pktmbuf_append(m, pl->o.size);
		rtp_header(b, pl->o.size, pl->seq[2 * c + (uint32_t)s]++, 2 * c + (uint32_t)s + 1);
		pkts[i] = m;
		worker[i] = (uint8_t)(c % pl->o.workers);
		side[i] = (uint8_t)s;
		built++;
		if ((s == SIDE_SIP && !pl->o.sdes) || pl->o.suite == BENCH_SUITE_NONE) {
			ingress_headers(m, c, s);
			continue;
		}
		web[nw] = m;
		web_side[nw] = (uint8_t)s;
		web_call[nw++] = c;
		if (nw == GEN_BURST || i + 2 >= n) {
			browser_protect(pl, web, web_call, nw, web_side);
			for (uint16_t j = 0; j < nw; j++)
				ingress_headers(web[j], web_call[j], web_side[j]);
			nw = 0;
		}
	}
	if (nw > 0) {
		browser_protect(pl, web, web_call, nw, web_side);
		for (uint16_t j = 0; j < nw; j++)
			ingress_headers(web[j], web_call[j], web_side[j]);
	}
	return built;
}

static uint32_t out_count(const struct pipeline *pl)
{
	uint32_t n = 0;

	for (unsigned w = 0; w < pl->o.workers; w++)
		for (int s = 0; s < SIDES; s++)
			n += rte_ring_count(pl->out[w][s]);
	return n;
}

static uint32_t drain_all(struct pipeline *pl, int ts_off, double *lat, uint32_t nlat,
			  uint32_t max_lat)
{
	struct rte_mbuf *m[64];
	uint64_t now = rte_rdtsc();

	for (unsigned w = 0; w < pl->o.workers; w++)
		for (int s = 0; s < SIDES; s++) {
			unsigned k;

			while ((k = rte_ring_dequeue_burst(pl->out[w][s], (void **)m, 64, NULL)) > 0) {
				for (unsigned i = 0; lat != NULL && i < k && nlat < max_lat; i++)
					lat[nlat++] = (double)(now - *RTE_MBUF_DYNFIELD(m[i], ts_off, uint64_t *));
				rte_pktmbuf_free_bulk(m, k);
			}
		}
	return nlat;
}

/* Queue packets to their workers' input rings in bursts. */
static void enqueue_all(struct pipeline *pl, struct rte_mbuf **pkts, const uint8_t *worker,
			const uint8_t *side, uint32_t n)
{
	struct rte_mbuf *b[TZ_DP_MAX_WORKERS][SIDES][GEN_BURST];
	uint16_t nb[TZ_DP_MAX_WORKERS][SIDES] = { { 0 } };
	uint16_t burst = pl->o.burst > GEN_BURST ? GEN_BURST : pl->o.burst;

	for (uint32_t i = 0; i < n; i++) {
		unsigned w = worker[i], s = side[i];

		b[w][s][nb[w][s]++] = pkts[i];
		if (nb[w][s] == burst) {
			rte_ring_enqueue_bulk(pl->in[w][s], (void **)b[w][s], burst, NULL);
			nb[w][s] = 0;
		}
	}
	for (unsigned w = 0; w < pl->o.workers; w++)
		for (int s = 0; s < SIDES; s++)
			if (nb[w][s] > 0)
				rte_ring_enqueue_bulk(pl->in[w][s], (void **)b[w][s], nb[w][s], NULL);
}

int pipeline_throughput(struct pipeline *pl, struct pipeline_result *r)
{
	uint32_t n = pl->o.packets, built;
	struct rte_mbuf **pkts = malloc(sizeof(*pkts) * n);
	uint8_t *worker = malloc(n), *side = malloc(n);
	double best = 0, per_us = bench_tsc_per_us();

	if (pkts == NULL || worker == NULL || side == NULL)
		return -ENOMEM;
	for (unsigned run = 0; run < pl->o.runs; run++) {
		uint64_t t0, t1, deadline;
		uint32_t done;
		double ns;

		bench_progress(pl->o.quiet, "throughput run %u/%u: building %u packets", run + 1,
			       pl->o.runs, n);
		built = pipeline_build(pl, pkts, worker, side, n);
		bench_progress(pl->o.quiet, "throughput run %u/%u: running", run + 1, pl->o.runs);
		t0 = rte_rdtsc();
		deadline = t0 + (uint64_t)(per_us * 120e6);
		enqueue_all(pl, pkts, worker, side, built);
		while ((done = out_count(pl)) < built && rte_rdtsc() < deadline)
			rte_pause();
		t1 = rte_rdtsc();
		/* Settle: packets dropped by the pipeline never arrive. */
		r->drops += built - done;
		ns = (double)(t1 - t0) / per_us * 1000.0 * pl->active / (done ? done : 1);
		if (best == 0 || ns < best)
			best = ns;
		drain_all(pl, 0, NULL, 0, 0);
	}
	for (unsigned run = 0; !pl->o.cold_only && run < pl->o.runs; run++) {
		double ns = 0;

		bench_progress(pl->o.quiet, "warm mbufs run %u/%u", run + 1, pl->o.runs);
		built = pipeline_build(pl, pkts, worker, side, n);
		if (pipeline_run_warm(pl, pkts, worker, side, built, &ns) != 0)
			r->drops++;     /* some never came out (or no memory): reported as lost */
		else if (r->pipeline_warm_ns == 0 || ns < r->pipeline_warm_ns)
			r->pipeline_warm_ns = ns;
	}
	free(pkts);
	free(worker);
	free(side);
	r->pipeline_ns = best;
	r->mpps_per_worker = 1000.0 / best;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Latency: packets paced at @p load of the measured rate, each stamped as
 * it is queued and timed when the generator finds it in an output ring
 * (which it polls between sends): the added latency of the whole worker
 * (rx, lookup, SRTP in the burst, tx).  The pacing keeps a schedule, so a
 * late send is followed by quicker ones; the rate really offered is
 * measured and reported, since the generator (one core, also draining)
 * can fall short of a high rate.
 */
int pipeline_latency(struct pipeline *pl, struct pipeline_result *r, double load,
		     struct bench_latency *out)
{
	uint32_t n = pl->o.latency_packets, built, got = 0;
	struct rte_mbuf **pkts = malloc(sizeof(*pkts) * n);
	uint8_t *worker = malloc(n), *side = malloc(n);
	double *lat = malloc(sizeof(double) * n), per_us = bench_tsc_per_us();
	double rate = r->mpps_per_worker * pl->active * load;   /* packets per us */
	uint64_t gap, next, deadline, t0;

	if (pkts == NULL || worker == NULL || side == NULL || lat == NULL || rate <= 0)
		return -ENOMEM;
	built = pipeline_build(pl, pkts, worker, side, n);
	gap = (uint64_t)(per_us / rate);
	bench_progress(pl->o.quiet, "latency run, %u worker(s): %u packets at %.2f Mpps (%.0f %%)",
		       pl->active, built, rate, 100 * load);
	next = t0 = rte_rdtsc();
	for (uint32_t i = 0; i < built; i++) {
		while (rte_rdtsc() < next)
			got = drain_all(pl, pl->ts_off, lat, got, n);
		*RTE_MBUF_DYNFIELD(pkts[i], pl->ts_off, uint64_t *) = rte_rdtsc();
		rte_ring_enqueue(pl->in[worker[i]][side[i]], pkts[i]);
		next += gap;
	}
	*out = (struct bench_latency){ .load = load };
	out->offered_mpps = built * per_us / (double)(rte_rdtsc() - t0 + 1);
	deadline = rte_rdtsc() + (uint64_t)(per_us * 2e6);
	while (got < built && rte_rdtsc() < deadline)
		got = drain_all(pl, pl->ts_off, lat, got, n);
	qsort(lat, got, sizeof(double), cmp_double);
	if (got > 0) {
		out->p50_us = lat[got / 2] / per_us;
		out->p99_us = lat[(size_t)(got * 0.99)] / per_us;
		out->p999_us = lat[(size_t)(got * 0.999)] / per_us;
	}
	r->drops += built - got;
	free(pkts);
	free(worker);
	free(side);
	free(lat);
	return 0;
}

/* The SRTP transform alone: protect then unprotect the same burst. */
double pipeline_floor(struct pipeline *pl)
{
	struct tz_srtp_qp *qp = tz_srtp_engine_qp(pl->eng, (uint16_t)pl->o.workers);
	size_t kl = tz_srtp_suite_key_len(pl->o.suite), sl = tz_srtp_suite_salt_len(pl->o.suite);
	struct tz_srtp_ctx *p = tz_srtp_ctx_create(pl->eng, pl->o.suite, TZ_SRTP_DIR_PROTECT,
						   (const uint8_t *)"0123456789abcdef0123456789abcdef",
						   kl, (const uint8_t *)"saltsaltsaltsa", sl);
	struct tz_srtp_ctx *u = tz_srtp_ctx_create(pl->eng, pl->o.suite, TZ_SRTP_DIR_UNPROTECT,
						   (const uint8_t *)"0123456789abcdef0123456789abcdef",
						   kl, (const uint8_t *)"saltsaltsaltsa", sl);
	const struct tz_srtp_ctx *pc[GEN_BURST], *uc[GEN_BURST];
	struct tz_srtp_stream ps, us, *pst[GEN_BURST], *ust[GEN_BURST];
	struct rte_mbuf *m[GEN_BURST];
	uint8_t status[GEN_BURST];
	uint16_t seq = 0;
	uint64_t t0, t = 0;

	if (p == NULL || u == NULL || rte_pktmbuf_alloc_bulk(pl->mp, m, GEN_BURST) != 0)
		return 0;
	tz_srtp_stream_init(&ps, 0);
	tz_srtp_stream_init(&us, 0);
	for (int i = 0; i < GEN_BURST; i++) {
		pc[i] = p;
		uc[i] = u;
		pst[i] = &ps;
		ust[i] = &us;
		rtp_header((uint8_t *)rte_pktmbuf_append(m[i], pl->o.size), pl->o.size, 0, 0x1234);
	}
	for (int b = 0; b < FLOOR_BURSTS; b++) {
		for (int i = 0; i < GEN_BURST; i++, seq++) {
			uint8_t *h = rte_pktmbuf_mtod(m[i], uint8_t *);

			h[2] = (uint8_t)(seq >> 8);
			h[3] = (uint8_t)seq;
		}
		t0 = rte_rdtsc();
		tz_srtp_protect_burst(qp, pc, pst, m, GEN_BURST, status);
		tz_srtp_unprotect_burst(qp, uc, ust, m, GEN_BURST, status);
		t += rte_rdtsc() - t0;
	}
	rte_pktmbuf_free_bulk(m, GEN_BURST);
	tz_srtp_ctx_destroy(p);
	tz_srtp_ctx_destroy(u);
	return (double)t / bench_tsc_per_us() * 1000.0 / (2.0 * GEN_BURST * FLOOR_BURSTS);
}

/*
 * The transform floor over packets the core has not touched since they were
 * built: @p max (at most what the pool holds, in bursts of 32) distinct
 * packets, built in one pass, then protected in one pass and unprotected in
 * another, each burst timed.  The pipeline's packets are all built before
 * its clock starts, so it pays the same first touch (mbuf and data from
 * memory) in the worker; this line says how much of that the crypto alone
 * pays.  A NIC writes packet data by DMA, so on a real port the data is not
 * in the core's cache either (in the LLC at best, with DDIO).
 */
double pipeline_floor_cold(struct pipeline *pl, uint32_t max, uint32_t *used)
{
	struct tz_srtp_qp *qp = tz_srtp_engine_qp(pl->eng, (uint16_t)pl->o.workers);
	size_t kl = tz_srtp_suite_key_len(pl->o.suite), sl = tz_srtp_suite_salt_len(pl->o.suite);
	const uint8_t *key = (const uint8_t *)"0123456789abcdef0123456789abcdef";
	const uint8_t *salt = (const uint8_t *)"saltsaltsaltsa";
	struct tz_srtp_ctx *p = tz_srtp_ctx_create(pl->eng, pl->o.suite, TZ_SRTP_DIR_PROTECT,
						   key, kl, salt, sl);
	struct tz_srtp_ctx *u = tz_srtp_ctx_create(pl->eng, pl->o.suite, TZ_SRTP_DIR_UNPROTECT,
						   key, kl, salt, sl);
	const struct tz_srtp_ctx *pc[GEN_BURST], *uc[GEN_BURST];
	struct tz_srtp_stream ps, us, *pst[GEN_BURST], *ust[GEN_BURST];
	uint32_t n = RTE_MIN(max, rte_mempool_avail_count(pl->mp) / 2) & ~(uint32_t)(GEN_BURST - 1);
	struct rte_mbuf **m = malloc(sizeof(*m) * (n ? n : 1));
	uint8_t status[GEN_BURST];
	uint64_t t = 0;
	double ns = 0;

	*used = 0;
	if (p == NULL || u == NULL || m == NULL || n == 0 ||
	    rte_pktmbuf_alloc_bulk(pl->mp, m, n) != 0)
		goto out;
	tz_srtp_stream_init(&ps, 0);
	tz_srtp_stream_init(&us, 0);
	for (int i = 0; i < GEN_BURST; i++) {
		pc[i] = p;
		uc[i] = u;
		pst[i] = &ps;
		ust[i] = &us;
	}
	for (uint32_t i = 0; i < n; i++)
		rtp_header((uint8_t *)rte_pktmbuf_append(m[i], pl->o.size), pl->o.size,
			   (uint16_t)i, 0x1234);
	for (uint32_t b = 0; b < n; b += GEN_BURST) {
		uint64_t t0 = rte_rdtsc();

		tz_srtp_protect_burst(qp, pc, pst, m + b, GEN_BURST, status);
		t += rte_rdtsc() - t0;
	}
	for (uint32_t b = 0; b < n; b += GEN_BURST) {
		uint64_t t0 = rte_rdtsc();

		tz_srtp_unprotect_burst(qp, uc, ust, m + b, GEN_BURST, status);
		t += rte_rdtsc() - t0;
	}
	rte_pktmbuf_free_bulk(m, n);
	*used = n;
	ns = (double)t / bench_tsc_per_us() * 1000.0 / (2.0 * n);
out:
	free(m);
	tz_srtp_ctx_destroy(p);
	tz_srtp_ctx_destroy(u);
	return ns;
}

/* ---- the raw floor (floor-imb): the chain alone through the job API ---- */

void pipeline_raw_floor(struct pipeline *pl, struct pipeline_result *r)
{
	if (pl->o.suite == BENCH_SUITE_NONE)
		return;
	r->raw_floor_ns = bench_floor_raw_ns(pl->o.suite, pl->o.size, GEN_BURST,
					     &r->raw_floor_mgr);
	if (r->raw_floor_ns < 0)
		r->raw_floor_ns = 0;
}

void pipeline_vs_raw(struct pipeline_result *r)
{
	if (r->raw_floor_ns <= 0 || r->pipeline_ns <= 0)
		return;
	r->pipeline_minus_raw_ns = r->pipeline_ns - r->raw_floor_ns;
	r->ratio_to_raw = r->raw_floor_ns / r->pipeline_ns;
}
