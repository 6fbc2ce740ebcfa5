/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The signalling listener at the descriptor limit (RLIMIT_NOFILE).
 *
 * lws 4.1.6's listener (lib/roles/listen/ops-listen.c) logs
 * "accept: errno 24" when accept() fails and returns: no callback, and the
 * connection stays in the backlog, so the listener stays readable and the
 * control thread spins.  lws_change_pollfd() and lws_gate_accepts() (which
 * could stop polling the listener) are not exported, and the uv_poll handle
 * under the listener is lws's; what we do own is lws's log callback, run
 * synchronously right after that accept() failed.  There the classic cure
 * runs: one spare descriptor (/dev/null) is closed, each pending connection
 * on our listeners is accepted and closed at once (the client sees its
 * connection closed), and the spare is opened again.  Each is counted
 * (ws_refused_no_descriptors), and one warning per WS_EMFILE_WARN_US is
 * logged.  When descriptors free up, lws accepts again as before.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "ws_pvt.h"

#define WS_EMFILE_WARN_US (10 * G_USEC_PER_SEC)
#define WS_EMFILE_BATCH 256     /* connections refused per failed accept, at most */
#define LWS_ACCEPT_FAILED "accept: errno "

G_LOCK_DEFINE_STATIC(live);
static GSList *live;            /* servers with listeners, for the log hook */

void tz_ws_emfile_init(struct tz_ws_server *srv)
{
	for (int l = 0; l < WS_LISTEN_COUNT; l++)
		srv->listen_fd[l] = -1;
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	G_LOCK(live);
	live = g_slist_prepend(live, srv);
	G_UNLOCK(live);
}

void tz_ws_emfile_free(struct tz_ws_server *srv)
{
	G_LOCK(live);
	live = g_slist_remove(live, srv);
	G_UNLOCK(live);
	if (srv->spare_fd >= 0)
		close(srv->spare_fd);
	srv->spare_fd = -1;
}

static int sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int acc = 0;
	socklen_t al = sizeof(acc);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) != 0 || !acc)
		return -1;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

/*
 * lws does not show a vhost's listening socket (4.1.6); find the one that
 * listens on its port among our descriptors.
 */
void tz_ws_emfile_listener(struct tz_ws_server *srv, enum ws_listener l)
{
	int port = lws_get_vhost_listen_port(srv->vh[l]);
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end != '\0' || end == e->d_name || fd == dirfd(d))
			continue;
		if (sock_port((int)fd) == port) {
			srv->listen_fd[l] = (int)fd;
			break;
		}
	}
	closedir(d);
	if (srv->listen_fd[l] < 0)
		TZ_LOG(CP_WS, WARNING, "signalling: listener on port %d not found; "
		       "at the descriptor limit it will spin", port);
}

static void warn(struct tz_ws_server *srv, unsigned n)
{
	int64_t now = g_get_monotonic_time();
	struct rlimit rl = { 0 };

	srv->emfile_unwarned += n;
	if (srv->emfile_warned_at != 0 && now - srv->emfile_warned_at < WS_EMFILE_WARN_US)
		return;
	getrlimit(RLIMIT_NOFILE, &rl);
	TZ_LOG(CP_WS, WARNING, "signalling: out of descriptors (RLIMIT_NOFILE %llu): "
	       "%llu new connection(s) closed at once%s; raise LimitNOFILE",
	       (unsigned long long)rl.rlim_cur, (unsigned long long)srv->emfile_unwarned,
	       srv->emfile_warned_at != 0 ? " since the last warning" : "");
	srv->emfile_warned_at = now;
	srv->emfile_unwarned = 0;
}

/* Accept and close what waits on one listener; the spare is closed. */
static unsigned refuse_pending(int lfd)
{
	unsigned n = 0;

	while (n < WS_EMFILE_BATCH) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			break;
		close(fd);
		n++;
	}
	return n;
}

static void refuse(struct tz_ws_server *srv)
{
	unsigned n = 0;

	if (srv->spare_fd >= 0)
		close(srv->spare_fd);
	for (int l = 0; l < WS_LISTEN_COUNT; l++)
		if (srv->listen_fd[l] >= 0)
			n += refuse_pending(srv->listen_fd[l]);
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (n == 0)
		return;
	srv->stats.cnt[TZ_WS_CNT_REFUSED_NO_FD] += n;
	warn(srv, n);
}

bool tz_ws_emfile_log(const char *line)
{
	const char *p = strstr(line, LWS_ACCEPT_FAILED);
	long err;

	if (p == NULL)
		return false;
	err = strtol(p + strlen(LWS_ACCEPT_FAILED), NULL, 10);
	if (err != EMFILE && err != ENFILE)
		return false;
	G_LOCK(live);
	for (GSList *i = live; i != NULL; i = i->next)
		refuse(i->data);
	G_UNLOCK(live);
	return true;
}
