/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Start-up and shut-down of the daemon, in one place and in order:
 * logging, control socket (refuses a second daemon), EAL, mbufs, ports and
 * TAPs, workers, control loop; then the reverse.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "ctxhub_ice.h"
#include "daemon_pvt.h"
#include "evpoll.h"
#include "wake_mute.h"
#include "wakeup.h"
#include "rlimits.h"
#include "sd_notify.h"
#include "tz_cli.h"
#include "tz_ice.h"
#include "tz_log.h"
#include "tz_svc.h"

#define MBUFS_PER_QUEUE 2048
#define MBUF_CACHE 256

static gboolean on_signal(gpointer loop)
{
	TZ_LOG(MAIN, NOTICE, "signal received, stopping");
	tz_daemon_sd_stopping();
	g_main_loop_quit(loop);
	return G_SOURCE_CONTINUE;   /* removed by run_loop() */
}

static gboolean on_sample(gpointer d)
{
	tz_daemon_sample_lcores(d);
	return G_SOURCE_CONTINUE;
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -errno;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f) == 0 ? 0 : -errno;
}

/* Under systemd, stderr is the journal: write it structured entries instead. */
static enum tz_log_target log_target(const struct tz_config *cfg)
{
	if (cfg->logging.target == TZ_LOG_SYSLOG)
		return TZ_LOG_TO_SYSLOG;
	if (cfg->logging.target == TZ_LOG_JOURNAL || tz_log_stderr_is_journal())
		return TZ_LOG_TO_JOURNAL;
	return TZ_LOG_TO_STDERR;
}

static int eal_start(struct tz_daemon *d, bool print_only)
{
	char *argv[TZ_EAL_ARGV_MAX];
	char store[1024];
	int argc;

	argc = tz_eal_args(d->cfg, "trapezed", argv, TZ_EAL_ARGV_MAX, store, sizeof(store),
			   &d->hugepages);
	if (argc < 0) {
		fprintf(stderr, "trapezed: too many EAL arguments\n");
		return -E2BIG;
	}
	if (print_only) {
		for (int i = 1; i < argc; i++)
			printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
		return 1;
	}
	TZ_LOG(MAIN, INFO, "EAL on %s", d->hugepages ? "hugepages (--in-memory)" : "4 KiB pages (--no-huge)");
	if (rte_eal_init(argc, argv) < 0) {
		TZ_LOG(MAIN, ERR, "DPDK EAL did not start: %s (check eal.* in %s)",
		       rte_strerror(rte_errno), d->cfg->path);
		return -rte_errno;
	}
	return 0;
}

/* One worker per configured worker core; wire queues dealt round-robin. */
static void plan_workers(struct tz_daemon *d, struct tz_dp_worker_conf *w, unsigned n_w)
{
	for (unsigned i = 0; i < n_w; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].lcore = d->cfg->eal.worker_cores[i];
		w[i].index = (uint16_t)i;
		w[i].idle_sleep_us = d->cfg->eal.idle_sleep_us;
		w[i].punt_pps = d->cfg->limits.punt_pps_per_source;
		w[i].punt_burst = d->cfg->limits.punt_burst;
		w[i].punt_pps_total = d->cfg->limits.punt_pps_per_worker;
		w[i].sessions = d->sessions;
		w[i].srtp_qp = tz_srtp_engine_qp(d->srtp, (uint16_t)i);
		w[i].n_ports = (uint16_t)d->n_ports;
		for (size_t p = 0; p < d->n_ports; p++) {
			w[i].wire_port[p] = d->ports[p].port_id;
			w[i].tap_port[p] = d->ports[p].tap_id;
			w[i].tx_flags[p] = d->ports[p].tx_flags;
		}
	}
	for (size_t p = 0; p < d->n_ports; p++) {
		const struct tz_port *port = &d->ports[p];
		const struct tz_cfg_range *media = &d->cfg->media.ports[port->cfg->role];

		for (uint16_t q = 0; q < port->n_queues; q++) {
			struct tz_dp_worker_conf *c = &w[q % n_w];

			c->rxq[c->n_rxq++] = (struct tz_dp_rxq){
				.port = port->port_id, .queue = q, .tx_port = port->tap_id,
				.port_idx = (uint16_t)p, .from_kernel = 0,
				.media_first = media->first, .media_last = media->last,
			};
			tz_port_media_addrs(port, &c->rxq[c->n_rxq - 1]);
		}
		for (uint16_t q = 0; q < port->n_tap_queues; q++) {
			struct tz_dp_worker_conf *c = &w[q % n_w];

			c->rxq[c->n_rxq++] = (struct tz_dp_rxq){
				.port = port->tap_id, .queue = q, .tx_port = port->port_id,
				.port_idx = (uint16_t)p, .from_kernel = 1,
			};
		}
	}
}

/* The media-services stage (media_services:), before the workers that use its rings. */
static int svc_start(struct tz_daemon *d, unsigned n_w)
{
	const struct tz_cfg_media_services *m = &d->cfg->media_services;
	struct tz_svc_conf sc = {
		.n_cores = m->n_cores, .n_workers = (uint16_t)n_w, .ring_size = m->ring_size,
		.idle_sleep_us = d->cfg->eal.idle_sleep_us, .sessions = d->sessions,
		.pool = d->mbufs,
	};
	int rc;

	for (uint16_t i = 0; i < m->n_cores && i < TZ_SVC_MAX_CORES; i++)
		sc.lcores[i] = m->cores[i];
	rc = tz_svc_start(&sc);
	if (rc != 0)
		TZ_LOG(MAIN, ERR, "cannot start the media-services stage on %u lcores: %s "
		       "(media_services.cores in %s)", m->n_cores, strerror(-rc), d->cfg->path);
	return rc;
}

static int dataplane_start(struct tz_daemon *d)
{
	struct tz_dp_worker_conf confs[TZ_DP_MAX_WORKERS];
	unsigned n_w = d->cfg->eal.n_workers;
	unsigned n_mbufs;
	int rc;

	d->n_ports = d->cfg->n_ports;
	n_mbufs = (unsigned)(d->n_ports * 2 * (n_w + 1) * MBUFS_PER_QUEUE) - 1;
	/* the media-services rings, both ways, may each hold a ring's worth */
	n_mbufs += 2u * n_w * d->cfg->media_services.n_cores * d->cfg->media_services.ring_size;
	d->mbufs = rte_pktmbuf_pool_create("tz_mbufs", n_mbufs, MBUF_CACHE, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (d->mbufs == NULL) {
		TZ_LOG(MAIN, ERR, "cannot allocate %u packet buffers: %s (raise eal.memory_mb)",
		       n_mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	/* Three flows per call: browser RTP (RTCP muxed), SIP RTP, SIP RTCP. */
	d->sessions = tz_dp_sessions_create("tz_sessions", d->cfg->limits.max_sessions * 3, n_w,
					    (int)rte_socket_id());
	if (d->sessions == NULL) {
		TZ_LOG(MAIN, ERR, "cannot allocate the session table for %u sessions: %s "
		       "(lower limits.max_sessions or raise eal.memory_mb)",
		       d->cfg->limits.max_sessions, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	d->srtp = tz_srtp_engine_create(&(struct tz_srtp_engine_conf){
		.nb_workers = (uint16_t)n_w, .max_ctx = d->cfg->limits.max_sessions * 2,
		.socket_id = (int)rte_socket_id(),
		/* crypto: (issue 12); config/schema.c uses the enums' values */
		.backend = (enum tz_srtp_backend)d->cfg->crypto.backend,
		.imb_arch = (enum tz_srtp_imb_arch)d->cfg->crypto.ipsec_mb_arch,
		.drivers = (const char *const *)d->cfg->crypto.cryptodev_drivers,
		.nb_drivers = d->cfg->crypto.cryptodev_drivers != NULL
				      ? g_strv_length(d->cfg->crypto.cryptodev_drivers) : 0 });
	if (d->srtp == NULL) {
		TZ_LOG(MAIN, ERR, "no SRTP crypto engine (crypto.backend %s): %s",
		       d->cfg->crypto.backend == TZ_SRTP_BACKEND_CRYPTODEV ? "cryptodev"
		       : d->cfg->crypto.backend == TZ_SRTP_BACKEND_IPSEC_MB ? "ipsec_mb" : "auto",
		       strerror(errno));
		return -ENODEV;
	}
	rc = tz_ports_open(d->cfg, d->mbufs, (uint16_t)n_w, d->ports);
	if (rc != 0) {
		d->n_ports = 0;
		return rc;
	}
	plan_workers(d, confs, n_w);
	rc = tz_daemon_rec_start(d, confs, n_w);
	if (rc != 0)
		return rc;
	rc = svc_start(d, n_w);
	if (rc != 0)
		return rc;
	rc = tz_dp_start(confs, n_w);
	if (rc != 0)
		TZ_LOG(MAIN, ERR, "cannot start the workers: %s", strerror(-rc));
	return rc;
}

_Static_assert(TZ_SRTP_BACKEND_AUTO == 0 && TZ_SRTP_BACKEND_IPSEC_MB == 1 &&
		       TZ_SRTP_BACKEND_CRYPTODEV == 2 && TZ_SRTP_IMB_SSE == 1 &&
		       TZ_SRTP_IMB_AVX512 == 4,
	       "crypto.backend / crypto.ipsec_mb_arch values in config/schema.c");

static void dataplane_stop(struct tz_daemon *d)
{
	tz_dp_stop();
	tz_daemon_rec_stop(d);
	tz_svc_stop();
	tz_ports_close(d->ports, d->n_ports);
	d->n_ports = 0;
	tz_dp_sessions_free(d->sessions);
	d->sessions = NULL;
	tz_srtp_engine_destroy(d->srtp);
	d->srtp = NULL;
	rte_mempool_free(d->mbufs);
	d->mbufs = NULL;
}

/* With --in-memory / --no-shconf EAL writes no files, but it still makes the
 * runtime directory: /var/run/dpdk/<prefix> as root, $XDG_RUNTIME_DIR/dpdk/
 * <prefix> (or /tmp/dpdk/<prefix>) as another user (the systemd unit's
 * User=trapeze).  Take it away so nothing is left behind. */
static void remove_runtime_dir(const char *dir)
{
	char parent[PATH_MAX], sock[PATH_MAX + 32];
	char *slash;

	if (dir[0] == '\0')
		return;
	snprintf(sock, sizeof(sock), "%s/dpdk_telemetry.v2", dir);
	unlink(sock);      /* eal.telemetry: DPDK unlinks it only at exit */
	snprintf(parent, sizeof(parent), "%s", dir);
	rmdir(parent);
	slash = strrchr(parent, '/');
	if (slash != NULL && slash != parent) {
		*slash = '\0';
		rmdir(parent);   /* .../dpdk, when no other prefix is in it */
	}
}

static void run_loop(struct tz_daemon *d)
{
	GMainLoop *loop = g_main_loop_new(NULL, TRUE);
	guint sources[3];

	sources[0] = g_unix_signal_add(SIGINT, on_signal, loop);
	sources[1] = g_unix_signal_add(SIGTERM, on_signal, loop);
	sources[2] = g_timeout_add_seconds(1, on_sample, d);
	tz_daemon_admin_start(d, loop);     /* reload, SIGHUP, drain (issue 13) */
	TZ_LOG(MAIN, NOTICE, "trapezed %s running: %zu ports, %u workers, control socket %s",
	       TZ_VERSION, d->n_ports, tz_dp_n_workers(), d->cfg->control.socket);
	tz_daemon_sd_ready(d);
	/* g_main_loop_run(), with GLib's stale self-wake-ups drained before
	 * each iteration (wakeup.c) */
	if (tz_wakeup_find(g_main_context_default()) != 0)
		TZ_LOG(MAIN, INFO, "control loop: wake-up descriptor not found, not drained");
	tz_wake_mute_loop(tz_wakeup_fd()); /* its own signals after the poll (wake_mute.c) */
	g_main_context_acquire(g_main_context_default());
	while (g_main_loop_is_running(loop)) {
		tz_wakeup_drain();
		g_main_context_iteration(NULL, TRUE);
	}
	g_main_context_release(g_main_context_default());
	tz_wake_unmute(tz_wakeup_fd());
	tz_wake_mute_rearm();
	for (int i = 0; i < 3; i++)
		g_source_remove(sources[i]);
	g_main_loop_unref(loop);
}

/*
 * The calls' descriptors (≈ TZ_NOFILE_PER_CALL each): raised as far as the
 * hard limit allows; short of limits.max_calls only a warning, since a call
 * over the limit is refused cleanly (tz_ice_new: "RLIMIT_NOFILE").
 */
static void nofile_calls(const struct tz_config *cfg)
{
	uint32_t ws = cfg->limits.ws_connections_max;
	rlim_t need = tz_daemon_nofile_need(cfg->limits.max_calls, ws);
	struct rlimit set;
	char why[256];

	if (ws == 0 || tz_daemon_nofile_raise(need, &set, why, sizeof(why)) == 0)
		return;
	TZ_LOG(MAIN, WARNING, "limits.max_calls %u needs about %llu open files (%u per call "
	       "besides the WebSockets): %s; about %llu calls fit, calls beyond are refused. "
	       "Raise LimitNOFILE= (systemd) or ulimit -Hn",
	       cfg->limits.max_calls, (unsigned long long)need, TZ_NOFILE_PER_CALL, why,
	       (unsigned long long)tz_daemon_nofile_calls(set.rlim_cur, ws));
}

/*
 * One descriptor per WebSocket the caps allow plus a reserve; log what is
 * in force, refuse to start when the caps cannot be met.
 */
static int nofile_setup(const struct tz_config *cfg)
{
	uint32_t ws = cfg->limits.ws_connections_max;
	rlim_t need = ws != 0 ? (rlim_t)ws + TZ_NOFILE_RESERVE : 0;
	struct rlimit set;
	char why[256];
	int rc = tz_daemon_nofile_raise(need, &set, why, sizeof(why));

	if (rc == -EMFILE) {
		TZ_LOG(MAIN, ERR, "limits.ws_connections_max %u: %s; raise it (LimitNOFILE= "
		       "in the systemd unit, ulimit -Hn) or lower limits.ws_connections_max",
		       ws, why);
		return rc;
	}
	if (rc < 0) {
		TZ_LOG(MAIN, ERR, "RLIMIT_NOFILE: %s", strerror(-rc));
		return rc;
	}
	TZ_LOG(MAIN, INFO, "RLIMIT_NOFILE: %llu open files (hard %llu; limits.ws_connections_max "
	       "%u + %u reserved)", (unsigned long long)set.rlim_cur,
	       (unsigned long long)set.rlim_max, ws, TZ_NOFILE_RESERVE);
	nofile_calls(cfg);
	return 0;
}

/* The control loop polls with epoll unless control.event_poll says poll. */
static void event_poll_setup(const struct tz_config *cfg)
{
	int rc;

	if (cfg->control.event_poll == TZ_EVENT_POLL_POLL) {
		TZ_LOG(MAIN, INFO, "control loop: poll(2) (control.event_poll: poll)");
		return;
	}
	rc = tz_evpoll_install(g_main_context_default());
	if (rc != 0)
		TZ_LOG(MAIN, WARNING, "control loop: epoll unavailable (%s), using poll(2)",
		       strerror(-rc));
	else
		TZ_LOG(MAIN, INFO, "control loop: epoll");
	if (rc == 0) {
		/* consent checks peeked at from the poll (ice.c) */
		static const struct tz_ice_peek_ops ops = { .add = tz_evpoll_peek_add,
							    .del = tz_evpoll_peek_del };

		tz_ice_set_peek_ops(&ops);
	}
}

/*
 * Each call's ICE agent in a context of its own, run by the hub (ctxhub.c)
 * by readiness, so that the main loop's walk does not grow with the calls
 * up.  TZ_CTXHUB=0 in the environment keeps them on the main context (for
 * comparison); TZ_CTXPOOL=0 makes every call's context new (pool bound 0).
 */
static void ctxhub_setup(void)
{
	const char *env = g_getenv("TZ_CTXHUB");
	struct tz_ctxpool_stats pool;
	int rc;

	if (env != NULL && strcmp(env, "0") == 0) {
		TZ_LOG(MAIN, INFO, "control loop: ICE agents on the main context (TZ_CTXHUB=0)");
		return;
	}
	rc = tz_ctxhub_serve_ice();
	if (rc != 0) {
		TZ_LOG(MAIN, WARNING, "control loop: no context hub (%s), ICE agents on the "
		       "main context", strerror(-rc));
		return;
	}
	env = g_getenv("TZ_CTXPOOL");
	if (env != NULL && strcmp(env, "0") == 0)
		tz_ctxpool_set_max(0);
	tz_ctxpool_get_stats(&pool);
	TZ_LOG(MAIN, INFO, "control loop: ICE agents in contexts of their own (context hub, "
	       "%u pooled at most)", pool.max);
}

static void ctxhub_teardown(void)
{
	struct tz_ctxhub_stats st;

	if (!tz_ctxhub_active())
		return;
	tz_ctxhub_get_stats(&st);
	TZ_LOG(MAIN, INFO, "context hub: %" PRIu64 " dispatches, %" PRIu64 " runs (%" PRIu64
	       " by descriptor, %" PRIu64 " by timer), %" PRIu64 " syncs, %" PRIu64
	       " epoll_ctl, %" PRIu64 " errors", st.dispatches, st.runs, st.by_fd, st.by_timer,
	       st.syncs, st.ctl, st.errors);
	tz_ice_set_ctx_ops(NULL);
	tz_ice_set_peek_ops(NULL);
	tz_ctxpool_drain();
	tz_ctxhub_uninstall();
}

int tz_daemon_run(struct tz_daemon *d, const struct options *o)
{
	char runtime_dir[PATH_MAX];
	int rc, status = 2;

	rc = eal_start(d, o->print_eal);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	tz_log_init(log_target(d->cfg), d->cfg->logging.level);
	for (size_t i = 0; i < d->cfg->logging.n_levels; i++)
		tz_log_set_level(d->cfg->logging.levels[i].subsystem, d->cfg->logging.levels[i].level);
	d->started = time(NULL);
	if (nofile_setup(d->cfg) != 0)
		goto out_eal;
	event_poll_setup(d->cfg);
	ctxhub_setup();
	rc = tz_cli_server_start(d->cfg->control.socket, d->cfg->control.mode, d->cfg->control.group);
	if (rc != 0) {
		TZ_LOG(MAIN, ERR, "control socket %s: %s", d->cfg->control.socket,
		       rc == -EADDRINUSE ? "another trapezed is running there" : strerror(-rc));
		goto out_eal;
	}
	if (o->pidfile != NULL && write_pidfile(o->pidfile) != 0)
		TZ_LOG(MAIN, WARNING, "cannot write pidfile %s", o->pidfile);
	if (dataplane_start(d) != 0)
		goto out_dp;
	tz_daemon_commands_register(d);
	tz_daemon_dp_commands_register(d);
	tz_daemon_svc_commands_register(d);
	if (tz_daemon_signalling_start(d) != 0) {
		TZ_LOG(MAIN, ERR, "signalling did not start (see above)");
		goto out_sig;
	}
	if (tz_daemon_metrics_start(d) != 0)
		goto out_metrics;
	run_loop(d);
	status = 0;
out_metrics:
	tz_daemon_metrics_stop();
out_sig:
	tz_daemon_signalling_stop(d);
	tz_daemon_admin_stop(d);            /* after the calls: frees replaced configs */
	ctxhub_teardown();
out_dp:
	dataplane_stop(d);
	tz_cli_server_stop();
	if (o->pidfile != NULL)
		unlink(o->pidfile);
out_eal:
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	remove_runtime_dir(runtime_dir);
	TZ_LOG(MAIN, NOTICE, "stopped");
	return status;
}
