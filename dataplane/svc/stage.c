/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The media-services stage (tz_svc.h): one polling loop per stage lcore.
 * A round takes the control plane's commands, the packets the workers
 * handed over, and runs the digit generators that are due; what it makes
 * goes back to the worker that forwards the flow, over that worker's
 * inject ring.  No syscalls but the idle sleep, no locks, no malloc.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dtmf_gen_pvt.h"
#include "play_pvt.h"
#include "svc_pvt.h"
#include "tz_log.h"
#include "xcode_svc_pvt.h"

#define MAX_JOBS 64             /* digit strings in progress per stage core */
#define CMD_RING 64

struct svc_core {
	unsigned lcore;
	struct rte_ring *cmd;                   /* control thread -> this core */
	uint64_t cnt[TZ_SVC_C_COUNT];           /* this core's own */
	uint64_t busy_tsc, total_tsc;
	struct tz_dtmf_gen job[MAX_JOBS];
	unsigned n_jobs;
	bool running;
} __rte_cache_aligned;

struct tz_svc_shared tz_svc_sh;

static struct svc_core cores[TZ_SVC_MAX_CORES];
static struct tz_svc_conf conf;
static bool quit;                               /* __atomic: set by the control thread */
static uint64_t tsc_per_us;

static const char *const cnt_name[TZ_SVC_C_COUNT] = {
#define TZ_SVC_CNT_NAME(e, n, h) [TZ_SVC_C_##e] = n,
	TZ_SVC_COUNTERS(TZ_SVC_CNT_NAME)
#undef TZ_SVC_CNT_NAME
};
static const char *const cnt_help[TZ_SVC_C_COUNT] = {
#define TZ_SVC_CNT_HELP(e, n, h) [TZ_SVC_C_##e] = h,
	TZ_SVC_COUNTERS(TZ_SVC_CNT_HELP)
#undef TZ_SVC_CNT_HELP
};

const char *tz_svc_counter_name(enum tz_svc_counter c)
{
	return (unsigned)c < TZ_SVC_C_COUNT ? cnt_name[c] : "?";
}

const char *tz_svc_counter_help(enum tz_svc_counter c)
{
	return (unsigned)c < TZ_SVC_C_COUNT ? cnt_help[c] : "?";
}

/* A stream's current RTP timestamp: the last forwarded packet's, moved on
 * by the time since at the event's clock (the audio's: RFC 4733 section
 * 2.1 wants the same clock).  Reads what the owning worker writes. */
struct ts_arg {
	const struct tz_dp_flow_state *st;
	uint32_t clock;
	uint64_t now_tsc;
};

static bool stream_ts(void *p, uint32_t *ts)
{
	const struct ts_arg *a = p;
	uint64_t then, dt;

	if (!__atomic_load_n(&a->st->svc_started, __ATOMIC_ACQUIRE))
		return false;
	then = __atomic_load_n(&a->st->svc_tsc, __ATOMIC_RELAXED);
	dt = a->now_tsc > then ? a->now_tsc - then : 0;
	*ts = __atomic_load_n(&a->st->svc_ts, __ATOMIC_RELAXED) +
	      (uint32_t)(dt / tsc_per_us * a->clock / 1000000);
	return true;
}

/* Packets made for flow @p key go to the worker that forwards it. */
static void inject(struct svc_core *sc, unsigned core, unsigned worker, struct rte_mbuf **m,
		   unsigned n)
{
	unsigned sent;

	if (n == 0)
		return;
	sent = rte_ring_sp_enqueue_burst(tz_svc_sh.inject[worker][core], (void **)m, n, NULL);
	sc->cnt[TZ_SVC_C_INJECTED] += sent;
	if (sent < n) {
		sc->cnt[TZ_SVC_C_INJECT_FULL] += n - sent;
		rte_pktmbuf_free_bulk(&m[sent], n - sent);
	}
}

/* play_pvt.h: what a play made goes the same way */
void tz_svc_inject(unsigned core, unsigned worker, struct rte_mbuf **m, unsigned n)
{
	inject(&cores[core], core, worker, m, n);
}

/* Is an earlier job sending into the same stream?  (one event at a time) */
static bool stream_busy(const struct svc_core *sc, unsigned j)
{
	for (unsigned i = 0; i < j; i++)
		if (memcmp(&sc->job[i].cmd.key, &sc->job[j].cmd.key, sizeof(sc->job[j].cmd.key)) == 0)
			return true;
	return false;
}

static unsigned run_job(struct svc_core *sc, unsigned core, struct tz_dtmf_gen *g,
			uint64_t now_tsc)
{
	uint8_t img[TZ_DTMF_END_COPIES + 1][TZ_DTMF_PKT_LEN];
	struct rte_mbuf *m[TZ_DTMF_END_COPIES + 1];
	struct ts_arg a = { tz_dp_flow_state(conf.sessions, g->cmd.slot), g->cmd.clock, now_tsc };
	uint8_t idx = g->idx;
	uint64_t next;
	bool no_stream;
	unsigned n, k = 0;

	if (a.st == NULL) {
		g->phase = TZ_DTMF_DONE;
		return 0;
	}
	n = tz_dtmf_gen_step(g, now_tsc / tsc_per_us, stream_ts, &a, img, RTE_DIM(img), &next,
			     &no_stream);
	if (no_stream)
		sc->cnt[TZ_SVC_C_DTMF_NO_STREAM] += g->cmd.n - idx;
	sc->cnt[TZ_SVC_C_DTMF_DIGITS] += g->idx - idx;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *b = rte_pktmbuf_alloc(conf.pool);
		uint8_t *p;

		if (b == NULL) {
			sc->cnt[TZ_SVC_C_NO_MBUF]++;
			continue;
		}
		p = (uint8_t *)rte_pktmbuf_append(b, TZ_SVC_HDR + TZ_DTMF_PKT_LEN);
		memcpy(p, &g->cmd.key, TZ_SVC_HDR);
		memcpy(p + TZ_SVC_HDR, img[i], TZ_DTMF_PKT_LEN);
		m[k++] = b;
	}
	sc->cnt[TZ_SVC_C_DTMF_PKTS] += k;
	inject(sc, core, __atomic_load_n(&a.st->svc_worker, __ATOMIC_RELAXED), m, k);
	return n;
}

static unsigned run_jobs(struct svc_core *sc, unsigned core, uint64_t now_tsc)
{
	unsigned moved = 0, j = 0;

	while (j < sc->n_jobs) {
		struct tz_dtmf_gen *g = &sc->job[j];

		if (!stream_busy(sc, j))
			moved += run_job(sc, core, g, now_tsc);
		if (g->phase == TZ_DTMF_DONE) {
			/* keep the order: a stream's later strings wait behind it */
			memmove(g, g + 1, (sc->n_jobs - j - 1) * sizeof(*g));
			sc->n_jobs--;
			continue;
		}
		j++;
	}
	return moved;
}

/* The call of a stream ended: its strings go, sent or not. */
static void cancel(struct svc_core *sc, const struct tz_dp_flow_key *key)
{
	unsigned j = 0;

	while (j < sc->n_jobs) {
		struct tz_dtmf_gen *g = &sc->job[j];

		if (memcmp(&g->cmd.key, key, sizeof(*key)) != 0) {
			j++;
			continue;
		}
		sc->cnt[TZ_SVC_C_DTMF_CANCELLED]++;
		memmove(g, g + 1, (sc->n_jobs - j - 1) * sizeof(*g));
		sc->n_jobs--;
	}
}

static unsigned take_commands(struct svc_core *sc, uint64_t now_tsc)
{
	struct tz_svc_dtmf_cmd cmd;
	unsigned n = 0;

	while (rte_ring_sc_dequeue_elem(sc->cmd, &cmd, sizeof(cmd)) == 0) {
		n++;
		sc->cnt[TZ_SVC_C_COMMANDS]++;
		if (cmd.n == 0) {
			cancel(sc, &cmd.key);
			continue;
		}
		if (sc->n_jobs == MAX_JOBS ||
		    tz_dtmf_gen_init(&sc->job[sc->n_jobs], &cmd, now_tsc / tsc_per_us) != 0) {
			sc->cnt[TZ_SVC_C_DTMF_NO_STREAM] += cmd.n;
			continue;
		}
		sc->n_jobs++;
	}
	return n;
}

struct inject_arg {
	struct svc_core *sc;
	unsigned core;
};

static void inject_cb(void *p, unsigned worker, struct rte_mbuf **m, unsigned n)
{
	struct inject_arg *a = p;

	inject(a->sc, a->core, worker, m, n);
}

/* What the workers handed over: a transcoded call's packets go through its
 * transcoder (xcode_svc.c); the others go back unchanged. */
static unsigned take_packets(struct svc_core *sc, unsigned core)
{
	struct rte_mbuf *m[TZ_DP_BURST];
	struct inject_arg a = { sc, core };
	struct tz_svc_xcode_out out = { inject_cb, &a };
	unsigned moved = 0;

	for (unsigned w = 0; w < conf.n_workers; w++) {
		unsigned n = rte_ring_sc_dequeue_burst(tz_svc_sh.to_stage[w][core], (void **)m,
						       TZ_DP_BURST, NULL);

		sc->cnt[TZ_SVC_C_DEQUEUED] += n;
		moved += n;
		n = n != 0 ? tz_svc_xcode_take(core, w, m, n, &out) : 0;
		inject(sc, core, w, m, n);
	}
	return moved;
}

static unsigned round_once(struct svc_core *sc, unsigned core, uint64_t now)
{
	unsigned moved = take_commands(sc, now) + tz_svc_xcode_commands(core) +
			 take_packets(sc, core);

	moved += tz_svc_play_round(core, now / tsc_per_us, conf.pool, sc->cnt);

	if (sc->n_jobs != 0)
		moved += run_jobs(sc, core, now);
	return moved;
}

static int stage_main(void *arg)
{
	unsigned core = (unsigned)(uintptr_t)arg;
	struct svc_core *sc = &cores[core];
	uint64_t last = rte_rdtsc();

	TZ_LOG(DP, INFO, "media-services core %u on lcore %u", core, sc->lcore);
	while (!__atomic_load_n(&quit, __ATOMIC_ACQUIRE)) {
		unsigned moved = round_once(sc, core, last);
		uint64_t now;

		if (moved == 0 && conf.idle_sleep_us > 0)
			rte_delay_us_sleep(conf.idle_sleep_us);
		now = rte_rdtsc();
		if (moved > 0)
			__atomic_store_n(&sc->busy_tsc, sc->busy_tsc + now - last, __ATOMIC_RELAXED);
		__atomic_store_n(&sc->total_tsc, sc->total_tsc + now - last, __ATOMIC_RELAXED);
		last = now;
	}
	return 0;
}

static void free_ring(struct rte_ring **r)
{
	void *m;

	if (*r == NULL)
		return;
	while (rte_ring_dequeue(*r, &m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(*r);
	*r = NULL;
}

static int make_rings(const struct tz_svc_conf *c)
{
	char name[RTE_RING_NAMESIZE];

	for (unsigned k = 0; k < c->n_cores; k++) {
		snprintf(name, sizeof(name), "tz_svc_cmd%u", k);
		cores[k].cmd = rte_ring_create_elem(name, sizeof(struct tz_svc_dtmf_cmd), CMD_RING,
						    SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (cores[k].cmd == NULL || tz_svc_play_setup(k) != 0)
			return -ENOMEM;
		for (unsigned w = 0; w < c->n_workers; w++) {
			snprintf(name, sizeof(name), "tz_svc_in%u_%u", w, k);
			tz_svc_sh.to_stage[w][k] = rte_ring_create(name, c->ring_size, SOCKET_ID_ANY,
				RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
			snprintf(name, sizeof(name), "tz_svc_out%u_%u", k, w);
			tz_svc_sh.inject[w][k] = rte_ring_create(name, c->ring_size, SOCKET_ID_ANY,
				RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
			if (tz_svc_sh.to_stage[w][k] == NULL || tz_svc_sh.inject[w][k] == NULL)
				return -ENOMEM;
		}
	}
	return 0;
}

static int setup(const struct tz_svc_conf *c, bool launch)
{
	int rc;

	if (c->n_cores == 0)
		return 0;
	if (c->n_cores > TZ_SVC_MAX_CORES || c->n_workers == 0 || c->n_workers > TZ_DP_MAX_WORKERS ||
	    c->ring_size < 2 || c->sessions == NULL || c->pool == NULL || tz_svc_sh.n_cores != 0)
		return -EINVAL;
	for (unsigned k = 0; k < c->n_cores; k++)
		if (launch && (c->lcores[k] >= RTE_MAX_LCORE || !rte_lcore_is_enabled(c->lcores[k])))
			return -EINVAL;
	conf = *c;
	tsc_per_us = RTE_MAX(rte_get_tsc_hz() / 1000000, (uint64_t)1);
	memset(cores, 0, sizeof(cores));
	memset(tz_svc_sh.w, 0, sizeof(tz_svc_sh.w));
	rc = make_rings(c);
	if (rc == 0)
		rc = tz_svc_xcode_setup(c->n_cores, c->pool);
	if (rc != 0)
		goto fail;
	tz_svc_sh.n_cores = c->n_cores;
	__atomic_store_n(&quit, false, __ATOMIC_RELEASE);
	for (unsigned k = 0; k < c->n_cores; k++) {
		cores[k].lcore = c->lcores[k];
		if (!launch)
			continue;
		if (rte_eal_remote_launch(stage_main, (void *)(uintptr_t)k, c->lcores[k]) != 0) {
			rc = -EBUSY;
			goto fail;
		}
		cores[k].running = true;
	}
	return 0;
fail:
	tz_svc_stop();
	return rc;
}

int tz_svc_start(const struct tz_svc_conf *c)
{
	return setup(c, true);
}

/* svc_pvt.h: the stage without its lcores, for tests. */
int tz_svc_inline_start(const struct tz_svc_conf *c)
{
	return setup(c, false);
}

unsigned tz_svc_inline_round(unsigned core)
{
	return core < tz_svc_sh.n_cores ? round_once(&cores[core], core, rte_rdtsc()) : 0;
}

void tz_svc_stop(void)
{
	__atomic_store_n(&quit, true, __ATOMIC_RELEASE);
	for (unsigned k = 0; k < TZ_SVC_MAX_CORES; k++) {
		if (cores[k].running)
			rte_eal_wait_lcore(cores[k].lcore);
		cores[k].running = false;
		if (cores[k].cmd != NULL)
			rte_ring_free(cores[k].cmd);
		cores[k].cmd = NULL;
		cores[k].n_jobs = 0;
		tz_svc_play_teardown(k);
		for (unsigned w = 0; w < TZ_DP_MAX_WORKERS; w++) {
			free_ring(&tz_svc_sh.to_stage[w][k]);
			free_ring(&tz_svc_sh.inject[w][k]);
		}
	}
	tz_svc_sh.n_cores = 0;
	tz_svc_xcode_stop();
}

unsigned tz_svc_n_cores(void)
{
	return tz_svc_sh.n_cores;
}

unsigned tz_svc_lcore(unsigned i)
{
	return i < TZ_SVC_MAX_CORES ? cores[i].lcore : 0;
}

int tz_svc_dtmf_post(unsigned core, const struct tz_svc_dtmf_cmd *cmd)
{
	struct tz_dtmf_gen check;

	if (core >= tz_svc_sh.n_cores)
		return -ENODEV;
	if (tz_dtmf_gen_init(&check, cmd, 0) != 0)
		return -EINVAL;
	return rte_ring_sp_enqueue_elem(cores[core].cmd, (void *)(uintptr_t)cmd, sizeof(*cmd)) == 0
		       ? 0 : -ENOBUFS;
}

int tz_svc_dtmf_cancel(unsigned core, const struct tz_dp_flow_key *key)
{
	struct tz_svc_dtmf_cmd cmd = { .key = *key, .n = 0 };

	if (core >= tz_svc_sh.n_cores)
		return -ENODEV;
	return rte_ring_sp_enqueue_elem(cores[core].cmd, &cmd, sizeof(cmd)) == 0 ? 0 : -ENOBUFS;
}

int tz_svc_counters(unsigned core, uint64_t out[TZ_SVC_C_COUNT])
{
	memset(out, 0, sizeof(uint64_t) * TZ_SVC_C_COUNT);
	if (core >= tz_svc_sh.n_cores)
		return -ENOENT;
	for (int i = 0; i < TZ_SVC_C_COUNT; i++) {
		out[i] = __atomic_load_n(&cores[core].cnt[i], __ATOMIC_RELAXED);
		for (unsigned w = 0; w < conf.n_workers; w++)
			out[i] += __atomic_load_n(&tz_svc_sh.w[w].cnt[core][i], __ATOMIC_RELAXED);
	}
	return 0;
}

int tz_svc_lcore_stats(unsigned core, uint64_t *busy_tsc, uint64_t *total_tsc)
{
	if (core >= tz_svc_sh.n_cores)
		return -ENOENT;
	*busy_tsc = __atomic_load_n(&cores[core].busy_tsc, __ATOMIC_RELAXED);
	*total_tsc = __atomic_load_n(&cores[core].total_tsc, __ATOMIC_RELAXED);
	return 0;
}
