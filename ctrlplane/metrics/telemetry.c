/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands /trapeze/sessions, /trapeze/workers,
 * /trapeze/calls and /trapeze/counters, next to /ethdev/... in
 * dpdk-telemetry.py.  DPDK calls them on its telemetry thread, so they
 * never touch GLib or the call manager: they copy a snapshot that the
 * control thread refreshes once a second (tz_metrics_telemetry_refresh)
 * under a mutex.  Counter names come from the same X-macro lists as the CLI.
 * A command given parameters it does not take is refused (EINVAL) and
 * counted: telemetry_bad_params in /trapeze/counters,
 * trapeze_telemetry_refused_total{reason="bad_params"} in /metrics.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "gw_pvt.h"
#include "tz_auth.h"      /* tz_calls.h uses its identity */
#include "tz_calls.h"
#include "tz_dtls.h"
#include "tz_sip.h"

#define SNAP_KV_MAX 128

struct snap_worker {
	unsigned lcore;
	uint64_t busy_permille;
	uint64_t cnt[TZ_PC_COUNT];
};

struct snap_kv {
	char key[64];
	uint64_t v;
};

static struct {
	pthread_mutex_t lock;
	bool live;
	uint64_t taken_s;                       /* unix seconds of the snapshot */
	uint64_t calls, negotiating, connected, jsep, sipws, inbound, flows, max_sessions;
	uint64_t setup_count, setup_ms_sum;
	uint64_t setup_le[TZ_CALLS_SETUP_BUCKETS + 1];   /* cumulative */
	unsigned n_workers;
	struct snap_worker workers[TZ_DP_MAX_WORKERS];
	unsigned n_kv;
	struct snap_kv kv[SNAP_KV_MAX];         /* /trapeze/counters */
} snap = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Commands refused for their parameters (telemetry thread adds, relaxed). */
static uint64_t bad_params;

int tz_metrics_telemetry_params(const char *params, bool takes_worker, unsigned n_workers,
				unsigned *worker)
{
	unsigned long v;
	char *end;

	*worker = UINT32_MAX;
	if (params == NULL || *params == '\0')
		return 0;
	if (takes_worker && isdigit((unsigned char)params[0])) {
		errno = 0;
		v = strtoul(params, &end, 10);
		if (*end == '\0' && errno == 0 && v < n_workers) {
			*worker = (unsigned)v;
			return 0;
		}
	}
	__atomic_fetch_add(&bad_params, 1, __ATOMIC_RELAXED);
	return -EINVAL;
}

uint64_t tz_metrics_telemetry_bad_params(void)
{
	return __atomic_load_n(&bad_params, __ATOMIC_RELAXED);
}

void tz_metrics_collect_telemetry(GString *out, void *unused)
{
	tz_metrics_family(out, "trapeze_telemetry_refused_total", TZ_METRICS_COUNTER,
			  "DPDK telemetry /trapeze/... commands refused, by reason");
	tz_metrics_sample_u64(out, "trapeze_telemetry_refused_total",
			      &(struct tz_metrics_label){ "reason", "bad_params" }, 1,
			      tz_metrics_telemetry_bad_params());
}

static void kv_add(const char *prefix, const char *name, uint64_t v)
{
	if (snap.n_kv == SNAP_KV_MAX || name == NULL)
		return;
	snprintf(snap.kv[snap.n_kv].key, sizeof(snap.kv[0].key), "%s%s", prefix, name);
	snap.kv[snap.n_kv++].v = v;
}

static void refresh_counters(const struct tz_metrics_sources *s)
{
	uint64_t sum[TZ_PC_COUNT] = { 0 }, cnt[TZ_PC_COUNT], sip[TZ_SIP_CTR_COUNT] = { 0 },
		 dtls[TZ_DTLS_CNT_COUNT];

	snap.n_kv = 0;
	for (size_t p = 0; p < s->n_ports; p++) {
		tz_dp_port_counters((uint16_t)p, cnt);
		for (int c = 0; c < TZ_PC_COUNT; c++)
			sum[c] += cnt[c];
	}
	for (int c = 0; c < TZ_PC_COUNT; c++)
		kv_add("dp_", tz_port_counter_name(c), sum[c]);
	if (*s->sip != NULL)
		tz_sip_counters(*s->sip, sip);
	for (int c = 0; c < TZ_SIP_CTR_COUNT; c++)
		kv_add("sip_", tz_sip_counter_name(c), sip[c]);
	tz_dtls_counters(dtls);
	for (unsigned c = 0; c < TZ_DTLS_CNT_COUNT; c++)
		kv_add("", tz_dtls_counter_name(c), dtls[c]);
	kv_add("", "telemetry_bad_params", tz_metrics_telemetry_bad_params());
}

void tz_metrics_telemetry_refresh(const struct tz_metrics_sources *s)
{
	struct tz_calls_figures f;
	uint64_t cum = 0;

	pthread_mutex_lock(&snap.lock);
	snap.live = s != NULL;
	if (s == NULL)
		goto out;
	snap.taken_s = (uint64_t)g_get_real_time() / G_USEC_PER_SEC;
	tz_calls_figures(&f);
	snap.calls = tz_calls_count();
	snap.negotiating = f.negotiating;
	snap.connected = f.connected;
	snap.jsep = f.jsep;
	snap.sipws = f.sipws;
	snap.inbound = f.inbound;
	snap.flows = s->sessions != NULL ? tz_dp_flow_count(s->sessions) : 0;
	snap.max_sessions = (*s->cfg)->limits.max_sessions;
	snap.setup_count = f.setup_count;
	snap.setup_ms_sum = (uint64_t)(f.setup_sum * 1000.0);
	for (size_t i = 0; i <= TZ_CALLS_SETUP_BUCKETS; i++)
		snap.setup_le[i] = cum += f.setup_counts[i];
	snap.n_workers = tz_dp_n_workers();
	for (unsigned w = 0; w < snap.n_workers; w++) {
		struct tz_dp_lcore_stats st;

		tz_dp_lcore_stats(w, &snap.workers[w].lcore, &st);
		snap.workers[w].busy_permille = (uint64_t)(s->busy_pct[w] * 10.0 + 0.5);
		tz_dp_worker_counters(w, snap.workers[w].cnt);
	}
	refresh_counters(s);
out:
	pthread_mutex_unlock(&snap.lock);
}

/* ---- the commands (telemetry thread) ---- */

static int stopped(struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", "trapezed is not running its control plane");
	return 0;
}

static int fill_sessions(const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "active", snap.calls);
	rte_tel_data_add_dict_u64(d, "negotiating", snap.negotiating);
	rte_tel_data_add_dict_u64(d, "connected", snap.connected);
	rte_tel_data_add_dict_u64(d, "jsep", snap.jsep);
	rte_tel_data_add_dict_u64(d, "sip_ws", snap.sipws);
	rte_tel_data_add_dict_u64(d, "inbound", snap.inbound);
	rte_tel_data_add_dict_u64(d, "dp_flows", snap.flows);
	rte_tel_data_add_dict_u64(d, "max_sessions", snap.max_sessions);
	rte_tel_data_add_dict_u64(d, "snapshot_unix_s", snap.taken_s);
	return 0;
}

static int fill_calls(const char *params, struct rte_tel_data *d)
{
	char key[32];

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "active", snap.calls);
	rte_tel_data_add_dict_u64(d, "answered", snap.setup_count);
	rte_tel_data_add_dict_u64(d, "setup_ms_sum", snap.setup_ms_sum);
	for (size_t i = 0; i <= TZ_CALLS_SETUP_BUCKETS; i++) {
		if (i < TZ_CALLS_SETUP_BUCKETS)
			snprintf(key, sizeof(key), "setup_le_%.0fms", tz_calls_setup_bounds[i] * 1000);
		else
			snprintf(key, sizeof(key), "setup_le_inf");
		rte_tel_data_add_dict_u64(d, key, snap.setup_le[i]);
	}
	return 0;
}

/* /trapeze/workers: every worker; /trapeze/workers,N: worker N only. */
static int fill_workers(const char *params, struct rte_tel_data *d)
{
	unsigned only;

	if (tz_metrics_telemetry_params(params, true, snap.n_workers, &only) != 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	for (unsigned w = 0; w < snap.n_workers; w++) {
		struct rte_tel_data *one;
		char key[16];

		if (only != UINT32_MAX && w != only)
			continue;
		one = rte_tel_data_alloc();
		if (one == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(one);
		rte_tel_data_add_dict_u64(one, "lcore", snap.workers[w].lcore);
		rte_tel_data_add_dict_u64(one, "busy_permille", snap.workers[w].busy_permille);
		for (int c = 0; c < TZ_PC_COUNT; c++)
			rte_tel_data_add_dict_u64(one, tz_port_counter_name(c), snap.workers[w].cnt[c]);
		snprintf(key, sizeof(key), "%u", w);
		rte_tel_data_add_dict_container(d, key, one, 0);
	}
	return 0;
}

static int fill_counters(const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < snap.n_kv; i++)
		rte_tel_data_add_dict_u64(d, snap.kv[i].key, snap.kv[i].v);
	return 0;
}

/* Every command: @p fill reads the snapshot under its lock, or "stopped";
 * those that take no parameters refuse any. */
static int with_snapshot(int (*fill)(const char *, struct rte_tel_data *), const char *params,
			 struct rte_tel_data *d)
{
	unsigned unused;
	int rc;

	if (fill != fill_workers && tz_metrics_telemetry_params(params, false, 0, &unused) != 0)
		return -EINVAL;
	pthread_mutex_lock(&snap.lock);
	rc = snap.live ? fill(params, d) : stopped(d);
	pthread_mutex_unlock(&snap.lock);
	return rc;
}

static int cmd_sessions(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return with_snapshot(fill_sessions, params, d);
}

static int cmd_calls(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return with_snapshot(fill_calls, params, d);
}

static int cmd_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return with_snapshot(fill_workers, params, d);
}

static int cmd_counters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return with_snapshot(fill_counters, params, d);
}

void tz_metrics_telemetry_register(void)
{
	static bool done;

	if (done)
		return;         /* DPDK has no unregister: once per process */
	done = true;
	rte_telemetry_register_cmd("/trapeze/sessions", cmd_sessions,
				   "Live calls by state and leg, dataplane flows. No parameters");
	rte_telemetry_register_cmd("/trapeze/workers", cmd_workers,
				   "Workers: lcore, busy permille, counters. Parameters: int worker (optional)");
	rte_telemetry_register_cmd("/trapeze/calls", cmd_calls,
				   "Calls answered and the set-up time histogram (cumulative). No parameters");
	rte_telemetry_register_cmd("/trapeze/counters", cmd_counters,
				   "Dataplane (dp_), SIP (sip_) and DTLS counters. No parameters");
}
