/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 4733 telephone-event generator of the media-services stage: a digit
 * string becomes, per digit, a start packet (marker set), updates every
 * packet interval with the duration growing, and three end packets (E bit)
 * carrying the final duration, all with the timestamp the event began at
 * (RFC 4733 section 2.5.1); then a silent gap before the next digit.
 * Pure: time comes in as microseconds, packets go out as 16-byte RTP
 * images whose sequence number and SSRC the owning worker fills in.
 */
#ifndef TZ_DTMF_GEN_PVT_H
#define TZ_DTMF_GEN_PVT_H

#include <stdbool.h>
#include <stdint.h>

#include "tz_svc.h"

#define TZ_DTMF_PKT_LEN 16      /* RTP header 12 + event payload 4 */
#define TZ_DTMF_END_COPIES 3    /* RFC 4733 section 2.5.1.4: the end packet thrice */
#define TZ_DTMF_VOLUME 10       /* -10 dBm0 */
#define TZ_DTMF_START_WAIT_US 1000000   /* for the stream to start before giving up */

enum tz_dtmf_phase { TZ_DTMF_IDLE, TZ_DTMF_START, TZ_DTMF_EVENT, TZ_DTMF_DONE };

struct tz_dtmf_gen {
	struct tz_svc_dtmf_cmd cmd;
	enum tz_dtmf_phase phase;
	uint8_t idx;              /* digit being sent */
	uint8_t code;             /* its event code */
	uint32_t ts;              /* event timestamp */
	uint32_t units;           /* duration so far (timestamp units) */
	uint32_t total;           /* the digit's full duration (timestamp units) */
	uint32_t step;            /* one packet interval (timestamp units) */
	uint64_t t_start;         /* when the digit began (us) */
	uint64_t t_next;          /* when the next packet is due (us) */
	uint64_t t_wait;          /* give up waiting for the stream after this */
};

/* Event code of a DTMF character (RFC 4733 section 3.2), -1 if none. */
int tz_dtmf_code(char d);

/* Check a command and start a generator at @p now_us; -EINVAL if bad. */
int tz_dtmf_gen_init(struct tz_dtmf_gen *g, const struct tz_svc_dtmf_cmd *cmd, uint64_t now_us);

/* The stream's current RTP timestamp, or false while it has none. */
typedef bool (*tz_dtmf_ts_fn)(void *arg, uint32_t *ts);

/*
 * Packets due by @p now_us into @p out (room for @p max images).  Returns
 * how many; *next_us says when to call again.  A digit starts at the
 * stream's timestamp (@p ts_fn); a stream that does not start within
 * TZ_DTMF_START_WAIT_US ends the command (*no_stream set).  Done when
 * g->phase is TZ_DTMF_DONE.
 */
unsigned tz_dtmf_gen_step(struct tz_dtmf_gen *g, uint64_t now_us, tz_dtmf_ts_fn ts_fn, void *arg,
			  uint8_t (*out)[TZ_DTMF_PKT_LEN], unsigned max, uint64_t *next_us,
			  bool *no_stream);

#endif /* TZ_DTMF_GEN_PVT_H */
