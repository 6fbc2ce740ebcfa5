/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Open-file limit for the caps in the config: one descriptor per WebSocket
 * (limits.ws_connections_max) plus a reserve for SIP, ICE, TAPs, the CLI
 * and logs.  Private to the daemon; main thread, before anything opens.
 */
#ifndef TZ_DAEMON_RLIMITS_H
#define TZ_DAEMON_RLIMITS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

/** Descriptors kept besides the WebSockets. */
#define TZ_NOFILE_RESERVE 4096

/**
 * Descriptors a live call holds besides its WebSocket: libnice's socket and
 * its wake-up eventfd, the call's ICE context's eventfd, the SIP side's RTP
 * and RTCP sockets (measured: 5.25 per held call with 4 calls per
 * WebSocket; a call with video holds two more).
 */
#define TZ_NOFILE_PER_CALL 5

/** Descriptors limits.max_calls and ws_connections_max need in all. */
rlim_t tz_daemon_nofile_need(uint32_t max_calls, uint32_t ws_max);

/** Calls an open-file limit of @p limit holds next to @p ws_max WebSockets. */
uint64_t tz_daemon_nofile_calls(rlim_t limit, uint32_t ws_max);

/**
 * Raise RLIMIT_NOFILE so that at least @p need descriptors can be open:
 * the soft limit up to the hard one, and the hard one too when allowed
 * (CAP_SYS_RESOURCE, at most fs.nr_open).  Never lowers anything.
 * @p need 0 means "as many as the hard limit allows".
 *
 * @param set  the limits in force afterwards (also on failure)
 * @param why  on failure: what is missing, for the log
 * @return 0, or -EMFILE when @p need cannot be reached (limits unchanged
 *         except a soft limit raised as far as the hard one)
 */
int tz_daemon_nofile_raise(rlim_t need, struct rlimit *set, char *why, size_t wsz);

#endif
