/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's side of ctrlplane/metrics: what its collectors read. */
#include "daemon_pvt.h"
#include "tz_metrics_gw.h"

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

	for (size_t p = 0; p < d->n_ports; p++)
		src.ports[p] = (struct tz_metrics_port){ .name = d->ports[p].cfg->name,
			.port_id = d->ports[p].port_id, .tap_id = d->ports[p].tap_id };
	return tz_metrics_gw_start(&src);
}

void tz_daemon_metrics_stop(void)
{
	tz_metrics_gw_stop();
}
