/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * trapeze-bench calls: a native load client that behaves like many browsers.
 *
 * Two layers, split so they can be written and read apart:
 *
 * - the engine (calls_engine*.c, ws/stun/dtls/media files): places calls at a
 *   rate up to a number of concurrent calls, each one a whole WebRTC call --
 *   signalling (trapeze-jsep.v1 over WebSocket; rtpengine's NG protocol for
 *   bench/compare; none for the generator's own ceiling), ICE checks as the
 *   controlling agent, a DTLS client handshake (OpenSSL), SRTP media at
 *   50 packets/s (G.711, 20 ms) with the project's own SRTP code, hold,
 *   hang-up -- and fills one struct calls_step_result per step;
 * - the driver (calls_main.c, calls_report.c): options, fixed load and the
 *   ramp, the gateway's CPU from trapezectl, the table, JSON and gnuplot PNGs.
 *
 * The engine never prints (but progress through the callback) and never exits
 * the process; the driver never touches a socket of a call.
 */
#ifndef TZ_BENCH_CALLS_H
#define TZ_BENCH_CALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct calls_step_result;

/** Seconds of 50 packets/s media checked both ways at the start and end of a sparse hold. */
#define CALLS_CHECK_S 0.5

/** How calls are signalled. */
enum calls_signal {
	CALLS_SIG_JSEP,		/**< trapeze-jsep.v1 over WebSocket (the gateway) */
	CALLS_SIG_NG,		/**< rtpengine's NG protocol (bench/compare/ng.h) */
	CALLS_SIG_SELF,		/**< no peer: media to a reflector, same keys both ways (client ceiling) */
};

/* X(enum suffix, name) -- why a call failed; names appear in the table and JSON. */
#define CALLS_FAILURES(X)                                                        \
	X(NONE, "ok")                                                           \
	X(WS_CONNECT, "ws-connect")           /* TCP/WebSocket handshake failed */ \
	X(LOGIN, "login")                     /* login refused or timed out */     \
	X(REFUSED, "refused")                 /* gateway error message (code) */   \
	X(ANSWER_TIMEOUT, "answer-timeout")   /* no answer in time */              \
	X(ICE, "ice")                         /* no STUN success in time */        \
	X(DTLS, "dtls")                       /* handshake failed / timed out */   \
	X(MEDIA_TIMEOUT, "no-media")          /* no media back in time */          \
	X(MEDIA_LOSS, "media-loss")           /* held call lost >= loss_fail_pct */ \
	X(DROPPED, "dropped")                 /* the gateway ended the call early */ \
	X(HANGUP, "hangup")                   /* hang-up not acknowledged */       \
	X(CLIENT, "client")                   /* the client itself failed (memory, fds) */

enum calls_failure {
#define CALLS_FAILURE_ENUM(e, n) CALLS_FAIL_##e,
	CALLS_FAILURES(CALLS_FAILURE_ENUM)
#undef CALLS_FAILURE_ENUM
	CALLS_FAIL_COUNT
};

/** Name of a failure reason ("dtls"). */
const char *calls_failure_name(enum calls_failure f);

/** One step of load, as the driver asks the engine for it. */
struct calls_conf {
	enum calls_signal signal;
	/* CALLS_SIG_JSEP */
	const char *ws_url;		/**< "ws://198.51.100.1:8080/ws" (wss:// accepted, not verified) */
	const char *origin;		/**< Origin header, "http://198.51.100.1:8080" */
	const char *secret_file;	/**< HS256 token secret (tools/lab.sh: /run/trapeze/lab/token.secret) */
	const char *kid;		/**< token kid, or NULL */
	const char *user_prefix;	/**< users are "<prefix><n>", default "load" */
	const char *target;		/**< what each call dials ("+15551230000": the lab PBX route) */
	/* CALLS_SIG_NG */
	const char *ng_addr;		/**< rtpengine's NG control "IP:PORT" */
	const char *rtp_peer;		/**< the plain-RTP side's "IP:PORT" (the reflector / echo) */
	/* CALLS_SIG_SELF */
	const char *reflector;		/**< "IP:PORT" of a UDP reflector */
	/* load */
	const char *const *local_addrs;	/**< source addresses to spread calls over (NULL: any) */
	unsigned nb_local_addrs;
	double rate;			/**< call attempts per second (> 0) */
	unsigned concurrent;		/**< most calls up at once */
	unsigned total;			/**< calls to place in this step */
	double hold_s;			/**< media time of each call, seconds */
	/**
	 * Media packets per second per call while held: 0 = 50 (every 20 ms,
	 * the default); 0 < P < 50: 50/s for CALLS_CHECK_S after the first
	 * media back and again before hang-up (which then fails "no-media" if
	 * nothing came back), P/s in between; < 0: nothing in between (the
	 * gateway's limits.media_timeout_s ends calls silent for longer).
	 * ICE consent checks go on every 5 s whatever the rate.
	 */
	double hold_pps;
	double timeout_s;		/**< per set-up phase (answer, ICE, DTLS, first media); default 10 */
	double loss_fail_pct;		/**< a held call with more loss than this is failed; default 5 */
	unsigned threads;		/**< client threads, default 1 */
	unsigned suite;			/**< enum tz_srtp_suite offered/expected; default AES_CM_128_HMAC_SHA1_80 */
	/** Progress, called about once per second from the engine's main thread; may be NULL. */
	void (*progress)(void *arg, const struct calls_step_result *so_far);
	void *progress_arg;
	/** CALLS_SIG_JSEP: calls sharing one WebSocket, i.e. one user (default 4,
	 *  the gateway's default limits.max_calls_per_user; at most 16). */
	unsigned calls_per_ws;
};

/** Percentiles of one set-up phase, milliseconds (NaN when no sample). */
struct calls_pct {
	double p50, p90, p99, max;
	uint64_t n;
};

/** What one step measured.  Zero-filled by the engine before it starts. */
struct calls_step_result {
	double rate;			/**< asked attempts per second */
	double hold_pps;		/**< media packets/s per held call used (0: none between the checks) */
	unsigned concurrent;		/**< asked most calls up at once */
	uint64_t attempted, completed, failed;
	uint64_t failures[CALLS_FAIL_COUNT];	/**< by reason ([CALLS_FAIL_NONE] unused) */
	unsigned peak_concurrent;	/**< most calls with media at once, as reached */
	double achieved_rate;		/**< attempts per second actually placed */
	/* set-up time from the offer sent: answer received, ICE done, DTLS done, first media back */
	struct calls_pct t_answer, t_ice, t_dtls, t_media;
	/* media, summed over calls; "to" = client -> peer, "from" = back */
	uint64_t pkts_sent, pkts_received, pkts_lost, pkts_bad;	/**< bad: failed SRTP unprotect */
	double loss_pct;		/**< pkts_lost / expected, % */
	double jitter_ms_p50, jitter_ms_p99;	/**< RFC 3550 interarrival jitter per call */
	/**
	 * The steady window, CLOCK_REALTIME seconds: from the moment the most
	 * calls were up with media (peak_concurrent reached) to the first
	 * hang-up after it.  An outside sampler (gateway or rtpengine CPU)
	 * reads its samples in this window to get a media-only cost.
	 */
	double steady_from, steady_to;
	uint64_t steady_pkts_sent, steady_pkts_received;	/**< media inside the window */
	/* the client's own cost */
	double wall_s;
	double client_cpu_s;		/**< user + system of this process during the step */
	double client_cpu_pct;		/**< client_cpu_s / wall_s / threads, % of its cores */
};

/**
 * Run one step: place conf->total calls at conf->rate with at most
 * conf->concurrent up, hold each conf->hold_s with media both ways, hang up,
 * wait for the last one, and fill @p out.
 * Threading: one step at a time per process.
 * @return 0 (the step ran; failures are in @p out), or -errno when the step
 *         could not run at all (bad conf, no EAL, no socket), with a reason
 *         in @p err (NUL-terminated, up to err_len bytes).
 */
int calls_run_step(const struct calls_conf *conf, struct calls_step_result *out,
		   char *err, size_t err_len);

/** One-time set-up (EAL for the SRTP code, OpenSSL); 0 or -errno.  Main thread. */
int calls_engine_init(int argc, char **argv);
/** Undo calls_engine_init. */
void calls_engine_fini(void);

/** The subcommand `trapeze-bench calls` (bench/calls/calls_main.c). */
int bench_calls_main(int argc, char **argv);

/** The subcommand `trapeze-bench reflect` (bench/calls/reflect.c): a UDP reflector. */
int bench_reflect_main(int argc, char **argv);

#endif /* TZ_BENCH_CALLS_H */
