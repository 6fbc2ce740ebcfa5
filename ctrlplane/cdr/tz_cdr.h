/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Call detail records (docs/cdr.md): one JSON line per ended call, appended
 * to `cdr.file` and the last `cdr.keep` held for `trapezectl show cdr`.
 *
 * The call manager fills a struct tz_cdr when a call ends and hands it to
 * tz_cdr_record(); this module knows nothing of calls.  Writing is buffered
 * and flushed from a GLib timer: a slow or full disk costs dropped records
 * (counted), never a stalled control loop or a crash.
 *
 * Threading: control thread only (the GLib main context of the daemon).
 */
#ifndef TZ_CDR_H
#define TZ_CDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tz_config.h"

/** Which way a call went. */
enum tz_cdr_direction {
	TZ_CDR_WEB_TO_SIP,        /**< a web user called a trunk */
	TZ_CDR_SIP_TO_WEB,        /**< a SIP caller reached a web user */
	TZ_CDR_ECHO,              /**< a web user called the echo target */
	TZ_CDR_DIRECTION_COUNT
};

/** Who ended the call. */
enum tz_cdr_party {
	TZ_CDR_BY_GATEWAY,        /**< the gateway: a failure, a timeout, shutdown */
	TZ_CDR_BY_WEB,            /**< the web user: hangup, reject, logout, disconnect */
	TZ_CDR_BY_SIP,            /**< the SIP side: BYE, CANCEL or a final failure response */
	TZ_CDR_PARTY_COUNT
};

/**
 * One ended call.  Strings are borrowed (copied while formatting); NULL
 * strings and zero times are written as JSON null.  Times are Unix time in
 * microseconds (g_get_real_time()).
 */
struct tz_cdr {
	uint32_t call;            /**< the gateway's call id (`show calls`, logs) */
	const char *tenant;
	const char *user;         /**< the web identity (login) */
	const char *from, *to;
	enum tz_cdr_direction direction;
	const char *trunk;        /**< NULL: none (echo) */
	const char *leg;          /**< the browser side: "jsep" or "sip-ws" */
	int64_t t_offer;          /**< the call began (web offer / SIP INVITE) */
	int64_t t_answer;         /**< answered (SIP 200 / web accept / echo media), or 0 */
	int64_t t_media;          /**< media published in the dataplane, or 0 */
	int64_t t_end;
	int code;                 /**< final status (SIP code; 0: gateway failure) */
	const char *reason;
	enum tz_cdr_party ended_by;
	const char *codec;        /**< "opus/48000/2", "PCMU/8000", or NULL */
	const char *srtp;         /**< the browser side's DTLS-SRTP suite, or NULL */
	const char *sip_media;    /**< "rtp", "srtp-sdes <suite>", or NULL (no SIP leg) */
	uint64_t pkts[2];         /**< [0] from the web side, [1] towards it */
	uint64_t drops[2];        /**< dropped by the gateway, same directions */
	/** RTP lost on the way to the gateway (RFC 3550 A.3, never negative):
	 *  [0] from the web side, [1] from the SIP side (a hairpin: the other
	 *  browser); @c expected the packets the senders' sequence numbers
	 *  say were sent.  @c loss_known[d] false: that way does not apply
	 *  (echo has no SIP side) and both are written as null. */
	uint64_t lost[2];
	uint64_t expected[2];
	bool loss_known[2];
};

/** Longest record line tz_cdr_format() writes, NUL included: ten strings of
 *  256 bytes, each byte escaped as \u00XX, and the rest. */
#define TZ_CDR_LINE_MAX 16384

/**
 * Format @p r as one JSON object followed by '\n' into @p buf (NUL-ended).
 * Strings are escaped (RFC 8259 §7: quote, backslash, control characters;
 * bytes that are not UTF-8 become U+FFFD) and cut at 256 bytes.
 * @return the length written (without the NUL), or -ENOSPC.
 */
ssize_t tz_cdr_format(const struct tz_cdr *r, char *buf, size_t len);

/** RFC 3339 UTC with milliseconds, "2026-12-07T12:18:13.123Z", from Unix us. */
void tz_cdr_time(int64_t us, char *buf, size_t len);

/** Names as written in records. */
const char *tz_cdr_direction_name(enum tz_cdr_direction d);
const char *tz_cdr_party_name(enum tz_cdr_party p);

/**
 * Start: open @p cfg->file (if set) for appending, keep @p cfg->keep
 * records, register the CLI commands (once) and SIGUSR1 (reopen).
 * Called again (a config reload), it stops first: the file is flushed and
 * reopened at the new path, the kept records are forgotten.
 * A file that cannot be opened is logged and counted; records are still
 * kept in memory and the next reopen tries again.
 * @return 0, -ENOMEM.
 */
int tz_cdr_start(const struct tz_cfg_cdr *cfg);

/** Flush what is buffered, close the file, forget the records. */
void tz_cdr_stop(void);

/** Record one ended call (format, keep, append).  Never fails the caller. */
void tz_cdr_record(const struct tz_cdr *r);

/**
 * Flush, close and open the file again at its path (logrotate renamed it).
 * @return 0, -ENOTCONN (no file configured), or -errno from open(2).
 */
int tz_cdr_reopen(void);

/** Write what is buffered now. @return 0 or -errno of the failed write. */
int tz_cdr_flush(void);

/** Counters, shown by `show cdr stats`. */
struct tz_cdr_stats {
	uint64_t records;         /**< calls recorded */
	uint64_t written;         /**< records written to the file */
	uint64_t dropped;         /**< records lost: write error, full disk, buffer full */
	uint64_t write_errors;    /**< failed write(2)/open(2) calls */
	uint64_t reopens;
	uint64_t buffered;        /**< records waiting to be written */
};
/** Copy the counters into @p out (also for /metrics). */
void tz_cdr_stats_get(struct tz_cdr_stats *out);

#endif /* TZ_CDR_H */
