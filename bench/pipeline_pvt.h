/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TZ_PIPELINE_PVT_H
#define TZ_PIPELINE_PVT_H

#include <pthread.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "bench.h"
#include "tz_dp.h"
#include "tz_session.h"
#include "tz_rec_tap.h"
#include "tz_srtp.h"

enum { SIDE_WEB, SIDE_SIP, SIDES };

/* Everything a pipeline run sets up. */
struct pipeline {
	struct pipeline_opts o;
	struct rte_mempool *mp;
	struct tz_srtp_engine *eng;
	struct tz_dp_sessions *sess;
	struct tz_srtp_ctx **gw_ctx;          /* per call: unprotect (web in), protect (web
						 out); with sdes also protect (sip out),
						 unprotect (sip in) */
	struct tz_srtp_ctx *browser_tx;       /* the generator's browser: one key for all calls */
	struct tz_srtp_stream *browser_st;    /* per call */
	struct tz_srtp_stream *pbx_st;        /* sdes: per call, the PBX's SRTP stream */
	uint16_t *seq;                        /* per call: next seq, web side and sip side */
	struct rte_ring *in[TZ_DP_MAX_WORKERS][SIDES];    /* what the worker receives */
	struct rte_ring *out[TZ_DP_MAX_WORKERS][SIDES];   /* what it sends */
	uint16_t in_port[TZ_DP_MAX_WORKERS][SIDES];
	uint16_t out_port[SIDES];
	int ts_off;                           /* mbuf dynfield: generator TSC stamp */
	uint32_t ring_size;
	unsigned active;                      /* workers of this run: 0..active-1 of
						 o.workers, with the calls they own */
	struct tz_rec_tap *rec[TZ_DP_MAX_WORKERS];   /* --record: the workers' taps */
	pthread_t rec_thread;                 /* ... drained by a stand-in writer */
	int rec_quit;
};

/* pipeline_rec.c: --record: taps for the workers and a thread draining them
 * (the writer without its files); the slot of call @p c (0: not recorded). */
int pipeline_rec_start(struct pipeline *pl);
void pipeline_rec_stop(struct pipeline *pl);
uint16_t pipeline_rec_slot(const struct pipeline *pl, uint32_t c);

int pipeline_setup(struct pipeline *pl, struct pipeline_result *r);
void pipeline_teardown(struct pipeline *pl);
int pipeline_publish(struct pipeline *pl, struct pipeline_result *r);
/* Start workers 0..pl->active-1 (stop them with tz_dp_stop()). */
int pipeline_start_workers(struct pipeline *pl);

/* Build @p n packets (alternating directions, calls round-robin); returns
 * how many were built, with each packet's worker in @p worker. */
uint32_t pipeline_build(struct pipeline *pl, struct rte_mbuf **pkts, uint8_t *worker,
			uint8_t *side, uint32_t n);

double pipeline_floor(struct pipeline *pl);
/* The same transform over up to @p max distinct packets built first (so each
 * is first touched from memory, as the pipeline's are); sets *@p used. */
double pipeline_floor_cold(struct pipeline *pl, uint32_t max, uint32_t *used);
/* The raw floor of the run's suite and size (bench_floor_raw_ns) into @p r,
 * and the pipeline against it once r->pipeline_ns is known. */
void pipeline_raw_floor(struct pipeline *pl, struct pipeline_result *r);
void pipeline_vs_raw(struct pipeline_result *r);
int pipeline_throughput(struct pipeline *pl, struct pipeline_result *r);
/* pipeline_warm.c: the @p n packets built, timed through mbufs recycled
 * warm (their mbufs are freed first); ns/packet per worker core in @p ns.
 * 0, or -ETIMEDOUT when some never came out. */
int pipeline_run_warm(struct pipeline *pl, struct rte_mbuf **pkts, const uint8_t *worker,
		      const uint8_t *side, uint32_t n, double *ns);
/* Paced at @p load of the rate pipeline_throughput() measured into @p r. */
int pipeline_latency(struct pipeline *pl, struct pipeline_result *r, double load,
		     struct bench_latency *out);

/* Calls the active workers own, and call number @p a of them. */
uint32_t pipeline_active_calls(const struct pipeline *pl);
uint32_t pipeline_active_call(const struct pipeline *pl, uint32_t a);

/* Where call @p c's flows are keyed. */
void pipeline_keys(uint32_t c, struct tz_dp_flow_key *web, struct tz_dp_flow_key *sip);

#endif
