/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's side of ctrlplane/metrics: what its collectors read. */
#include "admin_pvt.h"
#include "daemon_pvt.h"
#include "tz_auth.h"   /* tz_calls.h uses its struct */
#include "tz_calls.h"
#include "tz_metrics.h"
#include "tz_metrics_gw.h"

/* Reload and drain (docs/operations.md), for the NOC's dashboards. */
static void collect_admin(GString *out, void *arg)
{
	size_t pending = 0;

	(void)arg;
	for (char **k = tz_admin.pending; k != NULL && *k != NULL; k++)
		pending++;
	tz_metrics_family(out, "trapeze_config_generation", TZ_METRICS_GAUGE,
			  "the config in force: 1 as started, one more per reload applied");
	tz_metrics_sample_u64(out, "trapeze_config_generation", NULL, 0, tz_admin.generation);
	tz_metrics_family(out, "trapeze_config_reloads_total", TZ_METRICS_COUNTER,
			  "reloads (trapezectl reload, SIGHUP) by result: ok, or refused (errors "
			  "in the file; the running config stayed)");
	tz_metrics_sample_u64(out, "trapeze_config_reloads_total",
			      (struct tz_metrics_label[]){ { "result", "ok" } }, 1,
			      tz_admin.reloads_ok);
	tz_metrics_sample_u64(out, "trapeze_config_reloads_total",
			      (struct tz_metrics_label[]){ { "result", "refused" } }, 1,
			      tz_admin.reloads_refused);
	tz_metrics_family(out, "trapeze_config_restart_pending", TZ_METRICS_GAUGE,
			  "keys changed in the file that wait for a restart (not applied)");
	tz_metrics_sample_u64(out, "trapeze_config_restart_pending", NULL, 0, pending);
	tz_metrics_family(out, "trapeze_draining", TZ_METRICS_GAUGE,
			  "1 while draining (trapezectl drain): no new calls, the live ones go on");
	tz_metrics_sample_u64(out, "trapeze_draining", NULL, 0, tz_admin.draining ? 1 : 0);
	tz_metrics_family(out, "trapeze_calls_refused_draining_total", TZ_METRICS_COUNTER,
			  "new calls refused because the gateway was draining");
	tz_metrics_sample_u64(out, "trapeze_calls_refused_draining_total", NULL, 0,
			      tz_calls_refused_draining());
}

int tz_daemon_metrics_start(struct tz_daemon *d)
{
	struct tz_metrics_sources src = {
		.cfg = &d->cfg,
		.n_ports = d->n_ports,
		.busy_pct = d->busy_pct,
		.sessions = d->sessions,
		.sip = &d->sip,
		.ws = &d->ws,
		.crypto = d->srtp != NULL ? tz_srtp_engine_driver(d->srtp) : "none",
		.started = d->started,
	};
	int rc;

	for (size_t p = 0; p < d->n_ports; p++)
		src.ports[p] = (struct tz_metrics_port){ .name = d->ports[p].cfg->name,
			.port_id = d->ports[p].port_id, .tap_id = d->ports[p].tap_id };
	rc = tz_metrics_gw_start(&src);
	if (rc == 0)
		tz_metrics_collector_add(collect_admin, NULL);
	return rc;
}

void tz_daemon_metrics_stop(void)
{
	tz_metrics_gw_stop();
}
