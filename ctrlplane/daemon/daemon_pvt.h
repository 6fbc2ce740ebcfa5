/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TZ_DAEMON_PVT_H
#define TZ_DAEMON_PVT_H

#include <stdint.h>
#include <time.h>

#include <glib.h>

#include "tz_cli.h"
#include "tz_config.h"
#include "tz_dp.h"
#include "tz_ports.h"
#include "tz_session.h"
#include "tz_srtp.h"
#include "tz_svc.h"

struct tz_ws_server;
struct tz_sip;
struct tz_dtls_cert;

#define TZ_EAL_ARGV_MAX 96

/* The running daemon; owned by the control thread. */
struct tz_daemon {
	struct tz_config *cfg;
	struct tz_port ports[TZ_DP_MAX_PORTS];
	size_t n_ports;
	struct rte_mempool *mbufs;
	struct tz_dp_sessions *sessions;
	struct tz_srtp_engine *srtp;
	struct tz_ws_server *ws;        /* signalling (NULL when not built) */
	struct tz_dtls_cert *cert;      /* our DTLS certificate */
	struct tz_sip *sip;             /* the SIP user agent */
	bool hugepages;                 /* EAL runs on hugepages */
	time_t started;
	/* busy % per worker over the last sample period */
	struct tz_dp_lcore_stats last[TZ_DP_MAX_WORKERS];
	double busy_pct[TZ_DP_MAX_WORKERS];
	/* the same for the media-services stage's lcores */
	uint64_t svc_last[TZ_SVC_MAX_CORES][2];        /* busy, total TSC */
	double svc_busy_pct[TZ_SVC_MAX_CORES];
	struct tz_rec_tap *rec_taps[TZ_DP_MAX_WORKERS];   /* rec_taps.c; NULL: no recording */
};

/* rec_taps.c: the workers' recording taps and the writer thread, when the
 * config records anything; before the workers start / after they stopped. */
int tz_daemon_rec_start(struct tz_daemon *d, struct tz_dp_worker_conf *w, unsigned n_w);
void tz_daemon_rec_stop(struct tz_daemon *d);
/* rec_taps.c: recording retention's dirs and limits from d->cfg (start-up, reload). */
void tz_daemon_rec_retain(struct tz_daemon *d);

struct options {
	const char *config;
	const char *check;
	const char *pidfile;
	int log_level;
	bool print_eal;
};

/* Start everything, run the control loop until a signal, stop everything.
 * Returns the process exit status. */
int tz_daemon_run(struct tz_daemon *d, const struct options *o);

/* Build the EAL argv for @p cfg into @p argv (strings owned by @p store). */
int tz_eal_args(const struct tz_config *cfg, const char *prog, char **argv, int max,
		char *store, size_t store_len, bool *hugepages);

/* Hugepages currently free on this host (all sizes, in pages). */
long tz_hugepages_free(void);

/* Register show/set commands on the control socket. */
int tz_daemon_commands_register(struct tz_daemon *d);

/* Signalling: DTLS certificate, call manager, WebSocket server.  0 or -errno. */
int tz_daemon_signalling_start(struct tz_daemon *d);
void tz_daemon_signalling_stop(struct tz_daemon *d);
/* Reload: every module reads @p cfg from now on; 0, or -errno with @p err
 * (an HTTPS certificate or token secrets that do not load; nothing changed). */
int tz_daemon_signalling_reconfigure(struct tz_daemon *d, const struct tz_config *cfg,
				     char *err, size_t errlen, bool *cert_renewed);
/* Drain: refuse new calls (web `draining`, SIP 503 + Retry-After) or not. */
void tz_daemon_signalling_drain(struct tz_daemon *d, bool on);

/* reload.c / drain.c (issue 13): `reload`, SIGHUP, `drain`, `show status`. */
int tz_daemon_admin_start(struct tz_daemon *d, GMainLoop *loop);
void tz_daemon_admin_stop(struct tz_daemon *d);
/* Reload the config file; the reply's text in @p out.  0, -EINVAL refused. */
int tz_daemon_reload(struct tz_daemon *d, GString *out);

/* metrics.c: the /metrics listener and DPDK telemetry commands (ctrlplane/metrics);
 * 0 or -errno (the listener cannot start: logged). */
int tz_daemon_metrics_start(struct tz_daemon *d);
void tz_daemon_metrics_stop(void);

/* Register the dataplane commands (sessions, stats). */
int tz_daemon_dp_commands_register(struct tz_daemon *d);
/* cmd_svc.c: `show media-services` */
int tz_daemon_svc_commands_register(struct tz_daemon *d);

/* `show process` (cmd_process.c): threads, their CPU, workers' busy time. */
int tz_daemon_show_process(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b,
			   void *arg);
int tz_daemon_show_loop(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b,
			void *arg);

/* Sample the workers' busy time (called once a second). */
void tz_daemon_sample_lcores(struct tz_daemon *d);

#endif
