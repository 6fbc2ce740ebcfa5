/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Transcoding on the media-services stage (issue 14 item 2): per call two
 * tz_media_xcode transcoders (browser -> SIP and SIP -> browser), owned by
 * the stage core serving the call, made at "create" and freed at
 * "destroy" (commands from the control thread over the core's transcoding
 * command ring), never per packet.  Both flows of the call carry
 * TZ_SVC_DIVERT: the worker hands their plain RTP to the stage, which
 * transcodes it and injects the result into the same flow, whose owning
 * worker stamps SSRC and sequence and protects it.
 *
 * Threading: tz_svc_xcode_post() is control thread only; the counter
 * reader is for any thread, lock-free; everything else runs on the stage
 * core (stage.c's hooks).
 */
#ifndef TZ_SVC_XCODE_H
#define TZ_SVC_XCODE_H

#include <stdint.h>

#include "tz_media.h"
#include "tz_session.h"

/* X(enum suffix, name, help): per stage core. */
#define TZ_SVC_XCODE_COUNTERS(X)                                                  \
	X(CALLS, "xcode_calls", "calls transcoding now")                          \
	X(CREATED, "xcode_created", "calls whose transcoders were made")          \
	X(CREATE_FAILED, "xcode_create_failed", "calls whose transcoders could not be made (memory, bad codec, table full)") \
	X(DESTROYED, "xcode_destroyed", "calls whose transcoders were freed")     \
	X(PKTS_IN, "xcode_packets_in", "RTP packets transcoded (both directions)") \
	X(FRAMES, "xcode_frames", "RTP packets made by the transcoders (audio and events)") \
	X(ERRORS, "xcode_errors", "packets the transcoders refused (bad PT or payload, late, not RTP)")

enum tz_svc_xcode_counter {
#define TZ_SVC_XC_ENUM(e, n, h) TZ_SVC_XC_##e,
	TZ_SVC_XCODE_COUNTERS(TZ_SVC_XC_ENUM)
#undef TZ_SVC_XC_ENUM
	TZ_SVC_XC_COUNT
};

enum tz_svc_xcode_op {
	TZ_SVC_XCODE_CREATE,          /**< make the call's transcoders (or, when
					   it has them, take the new flow keys) */
	TZ_SVC_XCODE_DESTROY,         /**< free them: the call ended */
};

/** Direction [0]: browser -> SIP (the browser's flow), [1]: SIP -> browser. */
struct tz_svc_xcode_cmd {
	uint32_t call;                        /**< the call's id */
	uint32_t op;                          /**< enum tz_svc_xcode_op */
	struct tz_dp_flow_key key[2];         /**< the flow whose packets go in (and
						   where the output is injected) */
	struct tz_media_xcode_cfg cfg[2];     /**< codecs, PTs, clocks, ptime, events */
};

/** Most calls one stage core transcodes at once. */
#define TZ_SVC_XCODE_MAX_CALLS 1024

/**
 * Queue a command on stage core @p core.  Control thread only.
 * @return 0; -ENODEV (stage off / no such core), -ENOBUFS (ring full).
 */
int tz_svc_xcode_post(unsigned core, const struct tz_svc_xcode_cmd *cmd);

/** Transcoding counters of stage core @p core into @p out.
 *  @return 0, or -ENOENT.  Any thread. */
int tz_svc_xcode_counters(unsigned core, uint64_t out[TZ_SVC_XC_COUNT]);

/** Name / help text of a transcoding counter. */
const char *tz_svc_xcode_counter_name(enum tz_svc_xcode_counter c);
const char *tz_svc_xcode_counter_help(enum tz_svc_xcode_counter c);

#endif /* TZ_SVC_XCODE_H */
