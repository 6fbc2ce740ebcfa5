/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sd_notify(3) without libsystemd: the protocol is a datagram on an
 * AF_UNIX socket whose path (or abstract name, when it starts with '@') is
 * in $NOTIFY_SOCKET.  The watchdog pings come from the control loop, so a
 * stuck loop stops them and the service manager restarts the daemon.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "daemon_pvt.h"
#include "sd_notify.h"
struct tz_auth_identity;
#include "tz_calls.h"
#include "tz_log.h"

#define STATUS_PERIOD_MS 1000

static guint watchdog_src;
static guint status_src;
static unsigned last_calls = ~0u;

static int notify_send(const char *msg, size_t len)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t plen;
	socklen_t salen;
	ssize_t n;
	int fd, rc = 1;

	if (path == NULL || path[0] == '\0')
		return 0;
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';   /* abstract namespace: no terminating NUL counted */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	if (n < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int tz_sd_notifyf(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(msg))
		return -EMSGSIZE;
	return notify_send(msg, (size_t)len);
}

uint64_t tz_sd_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (usec == NULL)
		return 0;
	/* WATCHDOG_PID names the process meant; a child that inherited it is not. */
	if (pid != NULL && strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno != 0 || end == usec || *end != '\0')
		return 0;
	return v;
}

static gboolean on_watchdog(gpointer unused)
{
	tz_sd_notifyf("WATCHDOG=1");
	return G_SOURCE_CONTINUE;
}

static void status_send(struct tz_daemon *d)
{
	unsigned calls = tz_calls_count();

	if (calls == last_calls)
		return;
	last_calls = calls;
	tz_sd_notifyf("STATUS=ready: %zu ports, %u calls", d->n_ports, calls);
}

static gboolean on_status(gpointer d)
{
	status_send(d);
	return G_SOURCE_CONTINUE;
}

void tz_daemon_sd_ready(struct tz_daemon *d)
{
	uint64_t wd = tz_sd_watchdog_usec();
	int rc;

	last_calls = tz_calls_count();
	rc = tz_sd_notifyf("READY=1\nSTATUS=ready: %zu ports, %u calls\nMAINPID=%ld",
			   d->n_ports, last_calls, (long)getpid());
	if (rc < 0)
		TZ_LOG(MAIN, WARNING, "NOTIFY_SOCKET %s: %s", getenv("NOTIFY_SOCKET"), strerror(-rc));
	if (rc <= 0)
		return;
	status_src = g_timeout_add(STATUS_PERIOD_MS, on_status, d);
	if (wd != 0) {
		/* half the interval, as sd_watchdog_enabled(3) advises; at least 1 ms */
		guint ms = (guint)(wd / 2000 > 0 ? wd / 2000 : 1);

		watchdog_src = g_timeout_add(ms, on_watchdog, NULL);
		TZ_LOG(MAIN, INFO, "systemd watchdog: %llu ms, pinged every %u ms",
		       (unsigned long long)(wd / 1000), ms);
	}
}

void tz_daemon_sd_reloading(void)
{
	tz_sd_notifyf("RELOADING=1\nSTATUS=reloading");
}

void tz_daemon_sd_reloaded(struct tz_daemon *d, const char *error)
{
	last_calls = tz_calls_count();
	if (error != NULL)
		tz_sd_notifyf("READY=1\nSTATUS=ready: %zu ports, %u calls (reload failed: %.200s)",
			      d->n_ports, last_calls, error);
	else
		tz_sd_notifyf("READY=1\nSTATUS=ready: %zu ports, %u calls", d->n_ports, last_calls);
}

void tz_daemon_sd_stopping(void)
{
	if (watchdog_src != 0)
		g_source_remove(watchdog_src);
	if (status_src != 0)
		g_source_remove(status_src);
	watchdog_src = status_src = 0;
	tz_sd_notifyf("STOPPING=1\nSTATUS=stopping");
}
