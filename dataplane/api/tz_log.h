/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * One logging facade over rte_log for every part of Trapeze.
 *
 * Each subsystem has an rte_log type named "tz.<name>" ("tz.dp.srtp",
 * "tz.cp.cli" ...), so levels can be changed at run time per subsystem or by
 * pattern ("tz.cp.*").  The list is an X-macro so that the CLI, the config
 * validation and the code agree on the names.
 *
 * Threading: TZ_LOG may be called from any thread, but never per packet on
 * the fast path (use counters there).  tz_log_init() and tz_log_set_level()
 * are control-thread only.
 */
#ifndef TZ_LOG_H
#define TZ_LOG_H

#include <stdbool.h>
#include <stdio.h>

#include <rte_log.h>

/* X(enum suffix, rte_log name without the "tz." prefix) */
#define TZ_LOG_SUBSYSTEMS(X)          \
	X(MAIN, "main")               \
	X(CFG, "cfg")                 \
	X(DP, "dp")                   \
	X(DP_SRTP, "dp.srtp")         \
	X(DP_SESSION, "dp.session")   \
	X(DRV, "drv")                 \
	X(DRV_PORT, "drv.port")       \
	X(DRV_TAP, "drv.tap")         \
	X(DRV_CRYPTO, "drv.crypto")   \
	X(CP, "cp")                   \
	X(CP_CLI, "cp.cli")           \
	X(CP_WS, "cp.ws")             \
	X(CP_ICE, "cp.ice")           \
	X(CP_DTLS, "cp.dtls")         \
	X(CP_SIP, "cp.sip")           \
	X(CP_SESSION, "cp.session")

enum tz_log_sub {
#define TZ_LOG_ENUM(e, n) TZ_LOG_##e,
	TZ_LOG_SUBSYSTEMS(TZ_LOG_ENUM)
#undef TZ_LOG_ENUM
	TZ_LOG_SUB_COUNT
};

/** rte_log type of each subsystem; filled by tz_log_register() (a constructor). */
extern int tz_logtype[TZ_LOG_SUB_COUNT];

/** Log a line; the newline is added.  TZ_LOG(CP_CLI, WARNING, "x=%d", x). */
#define TZ_LOG(sub, lvl, fmt, ...)                                          \
	rte_log(RTE_LOG_##lvl, tz_logtype[TZ_LOG_##sub], "%s: " fmt "\n",     \
		tz_log_sub_name(TZ_LOG_##sub), ##__VA_ARGS__)

enum tz_log_target {
	TZ_LOG_TO_STDERR,
	TZ_LOG_TO_SYSLOG,
	TZ_LOG_TO_JOURNAL,  /**< systemd journal, native protocol (log_journal.c) */
};

/**
 * True when stderr is connected to the systemd journal: $JOURNAL_STREAM
 * ("DEV:INODE") names the file stderr is open on (systemd.exec(5)).
 */
bool tz_log_stderr_is_journal(void);

/**
 * A line-per-entry stream that writes each rte_log message to the journal's
 * native socket (/run/systemd/journal/socket, or $TZ_JOURNAL_SOCKET) with
 * MESSAGE=, PRIORITY=, SUBSYSTEM= ("cp.sip", "dpdk" for DPDK's own types),
 * SYSLOG_IDENTIFIER=trapezed; when the socket cannot be written, the line
 * goes to stderr with a "<N>" priority prefix (sd-daemon(3)).
 * @return the stream, or NULL (errno set).
 */
FILE *tz_log_journal_stream(void);

/** Subsystem name of an rte_log type ("cp.sip"), "dpdk" for DPDK's own. */
const char *tz_log_type_sub_name(int logtype);

/** Name of a subsystem without the "tz." prefix ("dp.srtp"). */
const char *tz_log_sub_name(enum tz_log_sub sub);

/**
 * Direct DPDK's log stream (and so every tz.* type) to stderr or syslog
 * (ident "trapezed", facility daemon) and set every tz.* type to @p level.
 * @return 0 or -errno (ENOMEM when the syslog stream cannot be made).
 */
int tz_log_init(enum tz_log_target target, int level);

/**
 * Set the level of the subsystems matching @p pattern: a name ("cp.sip"), a
 * prefix with ".*" ("cp.*", "*" for all), or "dpdk" for DPDK's own types.
 * @return number of types changed, -EINVAL for a bad level, -ENOENT when
 *         nothing matched.
 */
int tz_log_set_level(const char *pattern, int level);

/** Parse "debug", "info", "warning", "7" ... into an RTE_LOG_* level, or -EINVAL. */
int tz_log_level_parse(const char *s);

/** Name of an RTE_LOG_* level ("info"). */
const char *tz_log_level_name(int level);

/** Current level of a subsystem. */
int tz_log_get_level(enum tz_log_sub sub);

#endif /* TZ_LOG_H */
