/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The media-services stage: lcores beside the workers for the flows that
 * need more than forwarding (generated DTMF today; transcoding, recording
 * and announcements plug in here).
 *
 * Rings, all single-producer/single-consumer of mbuf pointers:
 *  - per (worker, stage core) a hand-off ring: RTP of a flow whose service
 *    wants the packets (TZ_SVC_DIVERT), plain (after unprotect), headed by
 *    the flow's key (struct tz_dp_flow_key, 24 bytes) so the stage can
 *    name the flow when it sends something back;
 *  - per (stage core, worker) an inject ring: RTP the gateway made, headed
 *    by the flow's key likewise.  The worker that forwards the flow polls
 *    it once per round and stamps the packets into the flow's outgoing
 *    stream (SSRC, sequence number after every number used so far, SRTP
 *    protect where the egress is SRTP), so the stream's SRTP state stays
 *    in its one owner;
 *  - per stage core a command ring from the control thread (DTMF).
 *
 * Threading: tz_svc_start()/tz_svc_stop()/tz_svc_dtmf_post() are control
 * thread only; the counter readers are for any thread, lock-free.
 */
#ifndef TZ_SVC_H
#define TZ_SVC_H

#include <stdint.h>

#include "tz_session.h"

struct rte_mempool;

#define TZ_SVC_MAX_CORES 8

/** @name Services of a flow (struct tz_dp_flow.svc bits)
 *  @{ */
#define TZ_SVC_DTMF   0x01   /**< generated RFC 4733 events go into this stream */
#define TZ_SVC_DIVERT 0x02   /**< RTP goes to the stage instead of the egress and
				  comes back through the inject ring (the stage's
				  media processing; unchanged today) */
#define TZ_SVC_PLAY   0x04   /**< the stage plays a file into this stream, towards
				  the browser; the flow's own RTP is dropped meanwhile
				  (tz_svc_play.h) */
/** @} */

/* X(enum suffix, name, help): per stage core. */
#define TZ_SVC_COUNTERS(X)                                                       \
	X(ENQUEUED, "enqueued", "packets workers handed to the stage")            \
	X(RING_FULL, "ring_full", "dropped: the stage's ring from a worker was full") \
	X(DEQUEUED, "dequeued", "packets the stage took from the workers")        \
	X(INJECTED, "injected", "packets the stage sent back through a worker")  \
	X(INJECT_FULL, "inject_full", "dropped: an inject ring to a worker was full") \
	X(SENT, "inject_sent", "injected packets the owning worker stamped and sent") \
	X(NO_FLOW, "inject_no_flow", "dropped by the worker: the flow is gone or has no stream yet") \
	X(LATE, "late", "forwarded packets dropped: their number was already sent (reordered across an injection) or is 64 behind") \
	X(COMMANDS, "commands", "commands from the control plane")                \
	X(DTMF_CANCELLED, "dtmf_cancelled", "digit strings dropped unsent: their call ended") \
	X(DTMF_DIGITS, "dtmf_digits", "RFC 4733 events generated")                \
	X(DTMF_PKTS, "dtmf_packets", "RFC 4733 packets generated")                \
	X(DTMF_NO_STREAM, "dtmf_no_stream", "digits dropped: the call's stream never started") \
	X(NO_MBUF, "no_mbuf", "packets not made: no packet buffer")               \
	X(PLAY_STARTED, "plays_started", "announcements and music on hold started") \
	X(PLAY_PACKETS, "play_packets", "packets of played files made")           \
	X(PLAY_ENDED, "plays_ended", "plays ended: file over, stopped, too long or flow gone") \
	X(PLAY_MUTED, "play_muted", "forwarded packets dropped: a file plays into their stream")

enum tz_svc_counter {
#define TZ_SVC_CNT_ENUM(e, n, h) TZ_SVC_C_##e,
	TZ_SVC_COUNTERS(TZ_SVC_CNT_ENUM)
#undef TZ_SVC_CNT_ENUM
	TZ_SVC_C_COUNT
};

/** How the stage runs. */
struct tz_svc_conf {
	uint16_t n_cores;
	uint16_t lcores[TZ_SVC_MAX_CORES];   /**< EAL lcore ids */
	uint16_t n_workers;                  /**< workers that hand off / inject */
	uint32_t ring_size;                  /**< entries per ring */
	uint32_t idle_sleep_us;              /**< sleep after an empty round; 0 = busy poll */
	struct tz_dp_sessions *sessions;     /**< the flow table (stream positions) */
	struct rte_mempool *pool;            /**< buffers for what the stage makes */
};

/** A digit string to send as RFC 4733 events (RFC 4733 section 2.5). */
#define TZ_SVC_DTMF_MAX 32
struct tz_svc_dtmf_cmd {
	struct tz_dp_flow_key key;    /**< the stream's flow (browser -> SIP, with TZ_SVC_DTMF) */
	uint32_t slot;                /**< its state slot */
	uint32_t clock;               /**< telephone-event clock rate (Hz) */
	uint16_t duration_ms;         /**< per digit, 40..6000 */
	uint16_t gap_ms;              /**< between digits */
	uint16_t ptime_ms;            /**< interval of the event's packets (50 ms) */
	uint8_t pt;                   /**< telephone-event payload type of the SIP side */
	uint8_t n;                    /**< digits; 0: cancel the flow's strings */
	char digits[TZ_SVC_DTMF_MAX]; /**< 0-9 * # A-D */
};

/**
 * Create the rings and launch one polling loop per stage lcore.  Call
 * before the workers start (they find the rings at their first round).
 * n_cores 0: nothing (the stage is off).
 * @return 0; -EINVAL (bad conf), -EBUSY (an lcore not idle), -ENOMEM.
 */
int tz_svc_start(const struct tz_svc_conf *conf);

/** Stop the stage lcores (after the workers) and free the rings and what
 *  they held.  Idempotent. */
void tz_svc_stop(void);

/** Stage cores running (0: the stage is off). Any thread. */
unsigned tz_svc_n_cores(void);

/** EAL lcore of stage core @p i. */
unsigned tz_svc_lcore(unsigned i);

/**
 * Queue a DTMF command on stage core @p core.  Control thread only.
 * @return 0; -ENODEV (stage off / no such core), -EINVAL (bad digits,
 *         duration, clock or payload type), -ENOBUFS (command ring full).
 */
int tz_svc_dtmf_post(unsigned core, const struct tz_svc_dtmf_cmd *cmd);

/**
 * Drop what stage core @p core still has to send into the stream of flow
 * @p key (its call ended).  Control thread only.
 * @return 0; -ENODEV (stage off / no such core), -ENOBUFS (command ring full:
 *         the digits then end on their own, dropped by the worker).
 */
int tz_svc_dtmf_cancel(unsigned core, const struct tz_dp_flow_key *key);

/** Counters of stage core @p core (workers' and its own) into @p out.
 *  @return 0, or -ENOENT. Any thread. */
int tz_svc_counters(unsigned core, uint64_t out[TZ_SVC_C_COUNT]);

/** Name / help text of a stage counter. */
const char *tz_svc_counter_name(enum tz_svc_counter c);
const char *tz_svc_counter_help(enum tz_svc_counter c);

/** Time accounting of stage core @p core (TSC cycles): busy and total.
 *  @return 0, or -ENOENT. */
int tz_svc_lcore_stats(unsigned core, uint64_t *busy_tsc, uint64_t *total_tsc);

#endif /* TZ_SVC_H */
