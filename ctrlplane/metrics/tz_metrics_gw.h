/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The gateway's metrics: the collectors of the /metrics listener (ports,
 * workers, sessions, calls, SIP, DTLS, ICE, auth, limits, build) and the
 * DPDK telemetry commands /trapeze/{sessions,workers,calls,counters}.
 * docs/metrics.md lists every name.
 *
 * Threading: start, stop and the collectors run on the control thread.  The
 * telemetry commands run on DPDK's telemetry thread and read only a
 * snapshot that the control thread refreshes once a second under a mutex.
 */
#ifndef TZ_METRICS_GW_H
#define TZ_METRICS_GW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tz_config.h"
#include "tz_dp.h"

struct tz_sip;
struct tz_ws_server;
struct tz_dp_sessions;

/** One configured port: its wire ethdev and its TAP. */
struct tz_metrics_port {
	const char *name;          /**< ports[].name */
	uint16_t port_id, tap_id;  /**< ethdev ids */
};

/** What the collectors read; pointers owned by the daemon, outliving stop. */
struct tz_metrics_sources {
	struct tz_config *const *cfg;      /**< the daemon's current config (a reload swaps it) */
	struct tz_metrics_port ports[TZ_DP_MAX_PORTS];
	size_t n_ports;
	const double *busy_pct;            /**< per worker, last second (control thread) */
	struct tz_dp_sessions *sessions;
	struct tz_sip *const *sip;         /**< may point at NULL */
	struct tz_ws_server *const *ws;    /**< may point at NULL */
	const char *crypto;                /**< SRTP engine driver name */
	time_t started;
};

/**
 * Register the collectors and the telemetry commands, start the snapshot
 * timer, and the listener when (*@p src->cfg)->metrics.listen is set (read
 * once: a new listen address or allow list needs a stop and start).
 * @return 0, or -errno when the listener cannot start (logged with the
 *         address and what to do).
 */
int tz_metrics_gw_start(const struct tz_metrics_sources *src);

/** Stop the listener and the snapshot timer; telemetry answers "stopped". */
void tz_metrics_gw_stop(void);

#endif /* TZ_METRICS_GW_H */
