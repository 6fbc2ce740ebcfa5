/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service manager's readiness protocol (sd_notify(3)), spoken directly:
 * one datagram of "KEY=value\n" lines to the socket named by $NOTIFY_SOCKET.
 * No libsystemd; without $NOTIFY_SOCKET every call is a no-op.
 *
 * Threading: control thread only.
 */
#ifndef TZ_SD_NOTIFY_H
#define TZ_SD_NOTIFY_H

#include <stdint.h>

struct tz_daemon;

/**
 * Send one notification, e.g. tz_sd_notifyf("STATUS=ready: %u ports", n).
 * @return 1 when sent, 0 when no service manager listens ($NOTIFY_SOCKET
 *         unset), -errno when the send failed (ENAMETOOLONG, ECONNREFUSED ...).
 */
int tz_sd_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * The watchdog interval the service manager asks for ($WATCHDOG_USEC, when
 * $WATCHDOG_PID is unset or names this process), in microseconds; 0 when off.
 */
uint64_t tz_sd_watchdog_usec(void);

/**
 * The daemon is up (ports, listeners and control socket): READY=1 with a
 * STATUS= line, then from the GLib main context WATCHDOG=1 every half
 * watchdog interval and STATUS= whenever the number of calls changes.
 */
void tz_daemon_sd_ready(struct tz_daemon *d);

/**
 * A reload (SIGHUP, `trapezectl reload`) begins: RELOADING=1.  Call
 * tz_daemon_sd_reloaded() when it is done, whatever its outcome: systemd
 * waits for READY=1 before `systemctl reload` returns.
 */
void tz_daemon_sd_reloading(void);

/** The reload is over: READY=1 and STATUS= (with @p error when it failed). */
void tz_daemon_sd_reloaded(struct tz_daemon *d, const char *error);

/** The daemon is stopping: STOPPING=1, the timers go. */
void tz_daemon_sd_stopping(void);

#endif
