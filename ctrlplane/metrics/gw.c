/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's metrics, started by the daemon: collectors in order, the
 * listener when `metrics.listen` is set, and the telemetry snapshot timer.
 */
#include <errno.h>
#include <string.h>

#include "gw_pvt.h"
#include "tz_log.h"

static struct tz_metrics_sources sources;
static struct tz_metrics_server *server;
static guint snap_timer;

static gboolean on_snapshot(gpointer unused)
{
	tz_metrics_telemetry_refresh(&sources);
	return G_SOURCE_CONTINUE;
}

int tz_metrics_gw_start(const struct tz_metrics_sources *src)
{
	const struct tz_config *cfg = *src->cfg;
	const struct tz_cfg_metrics *m = &cfg->metrics;

	sources = *src;
	tz_metrics_collectors_clear();
	tz_metrics_collector_add(tz_metrics_collect_dp, &sources);
	tz_metrics_collector_add(tz_metrics_collect_calls, &sources);
	tz_metrics_collector_add(tz_metrics_collect_rec, NULL);
	tz_metrics_collector_add(tz_metrics_collect_svc, &sources);
	if (cfg->eal.telemetry) {
		tz_metrics_collector_add(tz_metrics_collect_telemetry, NULL);
		tz_metrics_telemetry_register();
		tz_metrics_telemetry_refresh(&sources);
		snap_timer = g_timeout_add_seconds(1, on_snapshot, NULL);
	}
	if (m->listen.host == NULL)
		return 0;
	server = tz_metrics_server_start(m);
	if (server == NULL) {
		int rc = -errno;

		TZ_LOG(MAIN, ERR, "%s: metrics.listen %s:%u: %s (pick another address or port, "
		       "or remove metrics:)", cfg->path, m->listen.host, m->listen.port,
		       strerror(-rc));
		tz_metrics_gw_stop();
		return rc;
	}
	TZ_LOG(MAIN, NOTICE, "metrics: http://%s%s%s:%u/metrics (%zu allowed network(s)%s)",
	       strchr(m->listen.host, ':') != NULL ? "[" : "", m->listen.host,
	       strchr(m->listen.host, ':') != NULL ? "]" : "", tz_metrics_server_port(server),
	       m->n_allow, m->n_allow == 0 ? ": loopback only" : "");
	return 0;
}

void tz_metrics_gw_stop(void)
{
	if (snap_timer != 0)
		g_source_remove(snap_timer);
	snap_timer = 0;
	tz_metrics_telemetry_refresh(NULL);
	tz_metrics_server_stop(server);
	server = NULL;
	tz_metrics_collectors_clear();
}
