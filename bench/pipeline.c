/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench pipeline: set-up.  The real worker loop runs on its lcores
 * with ring ethdevs as ports: per worker one ring per side in, one per side
 * out.  Calls are bridged both ways: the browser side sends SRTP (built here
 * with the fast path's own protect, one key for every call's browser), the
 * SIP side plain RTP; every call has its own gateway keys and flows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include "fastpath_pvt.h"
#include "pipeline_pvt.h"

static const uint8_t master[46] = {
	0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
	0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6, 0x11, 0x22,
	0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01,
};

static bool srtp_on(const struct pipeline *pl)
{
	return pl->o.suite != BENCH_SUITE_NONE;
}

/* Contexts per call: 2, or 4 with an SDES trunk. */
static uint32_t ctx_per_call(const struct pipeline *pl)
{
	return pl->o.sdes ? 4 : 2;
}

static struct tz_srtp_ctx *make_ctx(struct pipeline *pl, enum tz_srtp_dir dir)
{
	size_t kl = tz_srtp_suite_key_len(pl->o.suite), sl = tz_srtp_suite_salt_len(pl->o.suite);

	return tz_srtp_ctx_create(pl->eng, pl->o.suite, dir, master, kl, master + kl, sl);
}

/* A ring-backed ethdev: rx from @p rx, tx into @p tx. */
static int ring_port(const char *name, struct rte_ring *rx, struct rte_ring *tx, uint16_t nq,
		     struct rte_mempool *mp)
{
	struct rte_ring *rxs[TZ_DP_MAX_WORKERS], *txs[TZ_DP_MAX_WORKERS];
	int port;

	for (uint16_t q = 0; q < nq; q++) {
		rxs[q] = rx;
		txs[q] = tx;
	}
	port = rte_eth_from_rings(name, rxs, nq, txs, nq, (unsigned)rte_socket_id());
	if (port < 0 || rte_eth_dev_configure((uint16_t)port, nq, nq, &(struct rte_eth_conf){ 0 }) != 0)
		return -1;
	for (uint16_t q = 0; q < nq; q++)
		if (rte_eth_rx_queue_setup((uint16_t)port, q, 512, 0, NULL, mp) != 0 ||
		    rte_eth_tx_queue_setup((uint16_t)port, q, 512, 0, NULL) != 0)
			return -1;
	return rte_eth_dev_start((uint16_t)port) == 0 ? port : -1;
}

static struct rte_ring *ring(const char *fmt, unsigned a, unsigned b, uint32_t size)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), fmt, a, b);
	return rte_ring_create(name, size, (int)rte_socket_id(),
			       RING_F_EXACT_SZ | RING_F_SP_ENQ | RING_F_SC_DEQ);
}

static int setup_ports(struct pipeline *pl)
{
	unsigned W = pl->o.workers;
	char name[32];
	int p;

	for (int s = 0; s < SIDES; s++) {
		/* One egress ring per side shared by the workers' tx queues would
		 * need MP enqueue; give each worker its own and one port per side
		 * with a queue per worker. */
		struct rte_ring *txs[TZ_DP_MAX_WORKERS], *rxs[TZ_DP_MAX_WORKERS];

		for (unsigned w = 0; w < W; w++) {
			pl->out[w][s] = ring("out%u_%u", w, (unsigned)s, pl->ring_size);
			rxs[w] = ring("unused%u_%u", w, (unsigned)s, 64);
			txs[w] = pl->out[w][s];
			if (pl->out[w][s] == NULL || rxs[w] == NULL)
				return -ENOMEM;
		}
		snprintf(name, sizeof(name), "egress%d", s);
		p = rte_eth_from_rings(name, rxs, W, txs, W, (unsigned)rte_socket_id());
		if (p < 0 || rte_eth_dev_configure((uint16_t)p, (uint16_t)W, (uint16_t)W,
						   &(struct rte_eth_conf){ 0 }) != 0)
			return -EIO;
		for (uint16_t q = 0; q < W; q++)
			if (rte_eth_rx_queue_setup((uint16_t)p, q, 512, 0, NULL, pl->mp) != 0 ||
			    rte_eth_tx_queue_setup((uint16_t)p, q, 512, 0, NULL) != 0)
				return -EIO;
		if (rte_eth_dev_start((uint16_t)p) != 0)
			return -EIO;
		pl->out_port[s] = (uint16_t)p;
		for (unsigned w = 0; w < W; w++) {
			pl->in[w][s] = ring("in%u_%u", w, (unsigned)s, pl->ring_size);
			snprintf(name, sizeof(name), "ingress%u_%d", w, s);
			p = pl->in[w][s] == NULL ? -1 : ring_port(name, pl->in[w][s], pl->out[w][s], 1, pl->mp);
			if (p < 0)
				return -EIO;
			pl->in_port[w][s] = (uint16_t)p;
		}
	}
	return 0;
}

int pipeline_setup(struct pipeline *pl, struct pipeline_result *r)
{
	static const struct rte_mbuf_dynfield ts_field = {
		.name = "tz_bench_tsc", .size = sizeof(uint64_t), .align = __alignof__(uint64_t),
	};
	uint32_t n_mbufs = pl->o.packets + pl->o.latency_packets + 8192;
	uint16_t room = (uint16_t)(RTE_PKTMBUF_HEADROOM + FP_ETH_IP6_UDP + pl->o.size + 64);
	struct tz_srtp_engine_conf ec = {
		.nb_workers = (uint16_t)(pl->o.workers + 1),   /* + the generator's */
		.max_ctx = pl->o.sessions * 4 + 16,
		.socket_id = (int)rte_socket_id(),
		.backend = pl->o.backend, .imb_arch = pl->o.imb_arch,   /* --crypto, --arch */
	};

	pl->ring_size = rte_align32pow2(pl->o.packets + pl->o.latency_packets + 1024);
	pl->mp = rte_pktmbuf_pool_create("bench_mbufs", n_mbufs, 256, 0, room, (int)rte_socket_id());
	pl->ts_off = rte_mbuf_dynfield_register(&ts_field);
	if (pl->mp == NULL || pl->ts_off < 0)
		return -ENOMEM;
	if (srtp_on(pl)) {
		pl->eng = tz_srtp_engine_create(&ec);
		if (pl->eng == NULL)
			return -errno;
		r->engine = tz_srtp_engine_driver(pl->eng);
		pl->browser_tx = make_ctx(pl, TZ_SRTP_DIR_PROTECT);
		if (pl->browser_tx == NULL)
			return -errno;
	} else {
		r->engine = "none";
	}
	pl->browser_st = calloc(pl->o.sessions, sizeof(*pl->browser_st));
	pl->seq = calloc(pl->o.sessions * 2, sizeof(*pl->seq));
	pl->gw_ctx = calloc(pl->o.sessions * ctx_per_call(pl), sizeof(*pl->gw_ctx));
	pl->pbx_st = calloc(pl->o.sessions, sizeof(*pl->pbx_st));
	if (pl->browser_st == NULL || pl->seq == NULL || pl->gw_ctx == NULL || pl->pbx_st == NULL)
		return -ENOMEM;
	return setup_ports(pl);
}

void pipeline_keys(uint32_t c, struct tz_dp_flow_key *web, struct tz_dp_flow_key *sip)
{
	memset(web, 0, sizeof(*web));
	memset(sip, 0, sizeof(*sip));
	web->remote[10] = web->remote[11] = sip->remote[10] = sip->remote[11] = 0xff;
	/* browsers 198.51.100.10..: ports 1024.. ; gateway media ports per side */
	web->remote[12] = 198; web->remote[13] = 51; web->remote[14] = 100;
	web->remote[15] = (uint8_t)(10 + c / (10000u * 60000u));
	web->remote_port = (uint16_t)(1024 + (c / 10000) % 60000);
	web->local_port = (uint16_t)(20000 + c % 10000);
	web->port_idx = SIDE_WEB;
	sip->remote[12] = 203; sip->remote[13] = 0; sip->remote[14] = 113;
	sip->remote[15] = (uint8_t)(2 + c / (10000u * 60000u));
	sip->remote_port = (uint16_t)(1024 + (c / 10000) % 60000);
	sip->local_port = (uint16_t)(30000 + c % 10000);
	sip->port_idx = SIDE_SIP;
}

/* The egress a flow arriving on @p from leaves by: the other side's key, reversed. */
static void egress_of(const struct tz_dp_flow_key *to, struct tz_dp_egress *e)
{
	static const uint8_t gw[SIDES][4] = { { 198, 51, 100, 1 }, { 203, 0, 113, 1 } };

	*e = (struct tz_dp_egress){ .port_idx = to->port_idx, .family = AF_INET,
				    .src_port = to->local_port, .dst_port = to->remote_port,
				    .dst_rtcp_port = to->remote_port };
	e->src_mac = (struct rte_ether_addr){{ 0x02, 0, 0, 0, 0, (uint8_t)(1 + to->port_idx) }};
	e->dst_mac = (struct rte_ether_addr){{ 0x02, 0, 0, 0, 1, (uint8_t)(1 + to->port_idx) }};
	memcpy(e->src, gw[to->port_idx], 4);
	memcpy(e->dst, &to->remote[12], 4);
}

/* Publish call @p c: two contexts, two flows.  0 or -errno. */
static int publish_call(struct pipeline *pl, uint32_t c)
{
	struct tz_dp_flow_key kw, ks;
	struct tz_dp_flow fw = { .id = c, .worker = (uint16_t)(c % pl->o.workers) };
	struct tz_dp_flow fs = fw;
	int rc;

	pipeline_keys(c, &kw, &ks);
	fw.xform = TZ_XF_FORWARD;
	fs.xform = TZ_XF_FORWARD;
	if (srtp_on(pl) && pl->o.sdes) {
		/* SDES trunk: SRTP both sides, re-keyed (one key for all, it does not matter) */
		struct tz_srtp_ctx **x = &pl->gw_ctx[4 * c];

		x[0] = make_ctx(pl, TZ_SRTP_DIR_UNPROTECT);
		x[1] = make_ctx(pl, TZ_SRTP_DIR_PROTECT);
		x[2] = make_ctx(pl, TZ_SRTP_DIR_PROTECT);
		x[3] = make_ctx(pl, TZ_SRTP_DIR_UNPROTECT);
		if (x[0] == NULL || x[1] == NULL || x[2] == NULL || x[3] == NULL)
			return -ENOMEM;
		fw.xform = fs.xform = TZ_XF_REKEY;
		fw.srtp = fw.srtcp = x[0];
		fw.srtp_out = fw.srtcp_out = x[2];
		fs.srtp = fs.srtcp = x[3];
		fs.srtp_out = fs.srtcp_out = x[1];
	} else if (srtp_on(pl)) {
		pl->gw_ctx[2 * c] = make_ctx(pl, TZ_SRTP_DIR_UNPROTECT);
		pl->gw_ctx[2 * c + 1] = make_ctx(pl, TZ_SRTP_DIR_PROTECT);
		if (pl->gw_ctx[2 * c] == NULL || pl->gw_ctx[2 * c + 1] == NULL)
			return -ENOMEM;
		fw.xform = TZ_XF_UNPROTECT;
		fw.srtp = fw.srtcp = pl->gw_ctx[2 * c];
		fs.xform = TZ_XF_PROTECT;
		fs.srtp = fs.srtcp = pl->gw_ctx[2 * c + 1];
	}
	egress_of(&ks, &fw.out);
	egress_of(&kw, &fs.out);
	fw.rec = fs.rec = pipeline_rec_slot(pl, c);
	fw.rec_dir = TZ_REC_FROM_WEB;
	fs.rec_dir = TZ_REC_TO_WEB;
	rc = tz_dp_flow_add(pl->sess, &kw, &fw);
	if (rc >= 0)
		rc = tz_dp_flow_add(pl->sess, &ks, &fs);
	return rc < 0 ? rc : 0;
}

static size_t heap_used(void)
{
	struct rte_malloc_socket_stats st;

	rte_malloc_get_socket_stats((int)rte_socket_id(), &st);
	return st.heap_allocsz_bytes;
}

int pipeline_publish(struct pipeline *pl, struct pipeline_result *r)
{
	size_t before = heap_used();
	uint64_t t0;
	int rc;

	pl->sess = tz_dp_sessions_create("bench_sessions", pl->o.sessions * 2, pl->o.workers,
					 (int)rte_socket_id());
	if (pl->sess == NULL) {
		struct rte_malloc_socket_stats st;

		rte_malloc_get_socket_stats((int)rte_socket_id(), &st);
		fprintf(stderr, "\ntrapeze-bench: no memory for a %u-flow session table "
			"(heap: %zu MiB free, largest block %zu MiB)\n", pl->o.sessions * 2,
			st.heap_freesz_bytes >> 20, st.greatest_free_size >> 20);
		return -ENOMEM;
	}
	t0 = rte_rdtsc();
	for (uint32_t c = 0; c < pl->o.sessions; c++) {
		rc = publish_call(pl, c);
		if (rc != 0)
			return rc;
		if ((c & 0xffff) == 0)
			bench_progress(pl->o.quiet, "publishing calls: %u / %u", c, pl->o.sessions);
	}
	r->publish_us_per_call = (double)(rte_rdtsc() - t0) / bench_tsc_per_us() / pl->o.sessions;
	rc = pipeline_rec_start(pl);
	if (rc != 0)
		return rc;
	r->bytes_per_call = (heap_used() - before) / pl->o.sessions;
	if (srtp_on(pl))
		/* the heap delta has the contexts; add what came from pre-made pools */
		r->bytes_per_call += ctx_per_call(pl) * tz_srtp_engine_pool_footprint(pl->eng);
	return 0;
}

int pipeline_start_workers(struct pipeline *pl)
{
	struct tz_dp_worker_conf c[TZ_DP_MAX_WORKERS];
	unsigned lcore = rte_get_next_lcore(-1, 1, 0);

	for (unsigned w = 0; w < pl->active; w++, lcore = rte_get_next_lcore(lcore, 1, 0)) {
		c[w] = (struct tz_dp_worker_conf){ .lcore = lcore, .index = (uint16_t)w,
						   .sessions = pl->sess, .n_ports = SIDES };
		c[w].srtp_qp = srtp_on(pl) ? tz_srtp_engine_qp(pl->eng, (uint16_t)w) : NULL;
		c[w].rec = pl->rec[w];
		for (int s = 0; s < SIDES; s++) {
			c[w].wire_port[s] = pl->out_port[s];
			c[w].tap_port[s] = pl->out_port[s];
			c[w].tx_flags[s] = pl->o.tx_flags;
			c[w].rxq[c[w].n_rxq++] = (struct tz_dp_rxq){
				.port = pl->in_port[w][s], .tx_port = pl->out_port[s],
				.port_idx = (uint16_t)s,
				.media_first = s == SIDE_WEB ? 20000 : 30000,
				.media_last = s == SIDE_WEB ? 29999 : 39999,
			};
		}
	}
	return tz_dp_start(c, pl->active);
}

/* Call c belongs to worker c % o.workers; a run with fewer workers sends
 * only the calls of the ones it starts, so each worker keeps the same
 * calls (and working set) in every run of a scaling list. */
uint32_t pipeline_active_calls(const struct pipeline *pl)
{
	uint32_t W = pl->o.workers, k = pl->active;

	return pl->o.sessions / W * k + RTE_MIN(pl->o.sessions % W, k);
}

uint32_t pipeline_active_call(const struct pipeline *pl, uint32_t a)
{
	return a / pl->active * pl->o.workers + a % pl->active;
}

void pipeline_teardown(struct pipeline *pl)
{
	tz_dp_stop();
	pipeline_rec_stop(pl);
	tz_dp_sessions_free(pl->sess);
	if (pl->gw_ctx != NULL)
		for (uint32_t i = 0; i < pl->o.sessions * ctx_per_call(pl); i++)
			tz_srtp_ctx_destroy(pl->gw_ctx[i]);
	tz_srtp_ctx_destroy(pl->browser_tx);
	tz_srtp_engine_destroy(pl->eng);
	free(pl->gw_ctx);
	free(pl->seq);
	free(pl->browser_st);
	free(pl->pbx_st);
}
