/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TZ_METRICS_GW_PVT_H
#define TZ_METRICS_GW_PVT_H

#include "tz_metrics.h"
#include "tz_metrics_gw.h"

/* collect_dp.c: ports, dataplane counters, workers, flows, build info */
void tz_metrics_collect_dp(GString *out, void *src);
/* collect_calls.c: sessions, calls, set-up time, SIP, DTLS, ICE, auth, limits */
void tz_metrics_collect_calls(GString *out, void *src);
/* collect_rec.c: call recording */
void tz_metrics_collect_rec(GString *out, void *unused);

/* collect_svc.c: the media-services stage */
void tz_metrics_collect_svc(GString *out, void *src);

/* telemetry.c: register the /trapeze/... commands (once per process), and
 * refresh their snapshot (control thread, once a second); NULL: stopped. */
void tz_metrics_telemetry_register(void);
void tz_metrics_telemetry_refresh(const struct tz_metrics_sources *src);
/* telemetry.c: check a command's parameters (telemetry thread): none, or
 * with @p takes_worker a worker index below @p n_workers (*@p worker, else
 * UINT32_MAX).  0, or -EINVAL counted in tz_metrics_telemetry_bad_params(). */
int tz_metrics_telemetry_params(const char *params, bool takes_worker, unsigned n_workers,
				unsigned *worker);
/* Commands refused for their parameters so far.  Threading: any. */
uint64_t tz_metrics_telemetry_bad_params(void);
/* telemetry.c: trapeze_telemetry_refused_total */
void tz_metrics_collect_telemetry(GString *out, void *unused);

/* The dataplane's drop reasons among its port counters (TZ_PORT_COUNTERS). */
extern const enum tz_port_counter tz_metrics_drop_reasons[];
extern const size_t tz_metrics_n_drop_reasons;

#endif
