/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket server on the thread-default GLib main context:
 * accepts clients (conn.c) without ever blocking the loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>

#include "cli_pvt.h"

#define LOG_BURST 5             /* peer-triggered warnings per interval */
#define LOG_INTERVAL_US (10 * G_USEC_PER_SEC)
#define ACCEPT_PAUSE_MS 200

static struct {
	int fd;
	char *path;
	dev_t dev;                      /* of the socket file we created, so stop */
	ino_t ino;                      /* never unlinks a successor's socket */
	GMainContext *ctx;
	GSource *src;
} srv = { .fd = -1 };

void tz_cli_log_peer(const char *fmt, ...)
{
	static gint64 window;
	static unsigned logged, suppressed;
	gint64 now = g_get_monotonic_time();
	va_list ap;

	if (now - window > LOG_INTERVAL_US) {
		if (suppressed > 0)
			g_warning("control socket: %u similar messages suppressed", suppressed);
		window = now;
		logged = suppressed = 0;
	}
	if (logged++ >= LOG_BURST) {
		suppressed++;
		return;
	}
	va_start(ap, fmt);
	g_logv(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, fmt, ap);
	va_end(ap);
}

static void reject(int fd)
{
	static const char msg[] = "{\"ok\":false,\"error\":\"too many control socket clients; "
				  "try again later\"}\n";

	/* Best effort: a fresh socket's buffer takes this without blocking. */
	if (send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		g_debug("control socket: reject: %s", g_strerror(errno));
	close(fd);
	tz_cli_counters.rejected++;
	tz_cli_log_peer("control socket: more than %d clients; refusing one", TZ_CLI_CLIENTS_MAX);
}

static gboolean on_accept(int fd, GIOCondition cond, gpointer data);

static gboolean resume_accept(gpointer data)
{
	srv.src = g_unix_fd_source_new(srv.fd, G_IO_IN);
	g_source_set_callback(srv.src, G_SOURCE_FUNC(on_accept), NULL, NULL);
	g_source_attach(srv.src, srv.ctx);
	return G_SOURCE_REMOVE;
}

/* Out of file descriptors: the socket stays readable, so stop polling it a while. */
static gboolean pause_accept(void)
{
	g_source_destroy(srv.src);
	g_source_unref(srv.src);
	srv.src = g_timeout_source_new(ACCEPT_PAUSE_MS);
	g_source_set_callback(srv.src, resume_accept, NULL, NULL);
	g_source_attach(srv.src, srv.ctx);
	return G_SOURCE_REMOVE;
}

static gboolean on_accept(int fd, GIOCondition cond, gpointer data)
{
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN)
				break;
			tz_cli_log_peer("control socket: accept: %s", g_strerror(errno));
			return pause_accept();
		}
		if (tz_cli_counters.clients >= TZ_CLI_CLIENTS_MAX)
			reject(c);
		else
			tz_cli_conn_add(c, srv.ctx);
	}
	return G_SOURCE_CONTINUE;
}

int tz_cli_server_start(const char *path, unsigned mode, const char *group)
{
	struct stat st;
	int rc;

	if (srv.fd >= 0)
		return -EALREADY;
	rc = tz_cli_listen(path, mode, group, &srv.fd);
	if (rc != 0) {
		srv.fd = -1;
		return rc;
	}
	if (stat(path, &st) == 0) {
		srv.dev = st.st_dev;
		srv.ino = st.st_ino;
	}
	srv.path = g_strdup(path);
	srv.ctx = g_main_context_ref_thread_default();
	srv.src = g_unix_fd_source_new(srv.fd, G_IO_IN);
	g_source_set_callback(srv.src, G_SOURCE_FUNC(on_accept), NULL, NULL);
	g_source_attach(srv.src, srv.ctx);
	g_info("control socket listening on %s", path);
	return 0;
}

void tz_cli_server_stop(void)
{
	struct stat st;

	if (srv.fd < 0)
		return;
	tz_cli_conn_close_all();
	g_source_destroy(srv.src);
	g_source_unref(srv.src);
	close(srv.fd);
	if (stat(srv.path, &st) == 0 && st.st_dev == srv.dev && st.st_ino == srv.ino)
		unlink(srv.path);
	g_main_context_unref(srv.ctx);
	g_free(srv.path);
	srv.fd = -1;
	srv.src = NULL;
	srv.ctx = NULL;
	srv.path = NULL;
}
