/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One control-socket client: non-blocking reads into a line buffer, one
 * request handled at a time, its reply flushed before the next is read
 * (so a client that never reads cannot grow our memory).  A bad request
 * or an over-long line is answered, then the client is dropped.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "cli_pvt.h"

#define READ_CHUNK 16384

struct conn {
	int fd;
	pid_t pid;                      /* peer, for the log */
	uid_t uid;
	GMainContext *ctx;
	GSource *src;
	GIOCondition cond;              /* what src waits for */
	GString *in;                    /* received, not yet a whole line */
	GString *out;                   /* reply bytes not yet sent */
	size_t out_off;
	bool closing;                   /* drop once out is flushed */
};

static GList *conns;

static void conn_free(struct conn *c)
{
	if (c->src != NULL) {
		g_source_destroy(c->src);
		g_source_unref(c->src);
	}
	close(c->fd);
	g_string_free(c->in, TRUE);
	g_string_free(c->out, TRUE);
	conns = g_list_remove(conns, c);
	tz_cli_counters.clients--;
	g_free(c);
}

static gboolean on_io(int fd, GIOCondition cond, gpointer data);

static void watch(struct conn *c, GIOCondition cond)
{
	if (c->src != NULL && c->cond == cond)
		return;
	if (c->src != NULL) {
		g_source_destroy(c->src);
		g_source_unref(c->src);
	}
	c->cond = cond;
	c->src = g_unix_fd_source_new(c->fd, cond);
	g_source_set_callback(c->src, G_SOURCE_FUNC(on_io), c, NULL);
	g_source_attach(c->src, c->ctx);
}

/* 0 when everything went out, -EAGAIN when some waits, else the error. */
static int flush(struct conn *c)
{
	while (c->out_off < c->out->len) {
		ssize_t n = send(c->fd, c->out->str + c->out_off, c->out->len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		c->out_off += (size_t)n;
	}
	g_string_truncate(c->out, 0);
	c->out_off = 0;
	return 0;
}

static void queue_reply(struct conn *c, char *reply, bool bad)
{
	g_string_append(c->out, reply);
	g_string_append_c(c->out, '\n');
	g_free(reply);
	if (bad) {
		tz_cli_log_peer("client pid %d uid %u sent a bad request; dropping it",
				(int)c->pid, (unsigned)c->uid);
		c->closing = true;
	}
}

static void too_long(struct conn *c)
{
	char *reply = g_strdup_printf("{\"ok\":false,\"error\":\"bad request: line longer "
				      "than %d bytes\"}", TZ_CLI_LINE_MAX);

	tz_cli_counters.too_long++;
	queue_reply(c, reply, true);
}

/* Handle whole lines while the previous reply has gone out. */
static void process(struct conn *c)
{
	while (!c->closing && c->out->len == 0) {
		char *nl = memchr(c->in->str, '\n', c->in->len), *reply;
		size_t len;
		int bad = 0;

		if (nl == NULL) {
			if (c->in->len > TZ_CLI_LINE_MAX)
				too_long(c);
			return;
		}
		len = (size_t)(nl - c->in->str);
		if (len > TZ_CLI_LINE_MAX) {
			too_long(c);
			return;
		}
		reply = tz_cli_handle_request(c->in->str, len > 0 && nl[-1] == '\r' ? len - 1 : len,
					      &bad);
		queue_reply(c, reply, bad);
		g_string_erase(c->in, 0, (gssize)len + 1);
		if (flush(c) == -EAGAIN)
			return;
	}
}

/* 0 on data, 1 on end of stream, -errno. */
static int receive(struct conn *c)
{
	size_t old = c->in->len;
	ssize_t n;

	g_string_set_size(c->in, old + READ_CHUNK);
	do
		n = recv(c->fd, c->in->str + old, READ_CHUNK, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	g_string_set_size(c->in, old + (n > 0 ? (size_t)n : 0));
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return n == 0;
}

static gboolean on_io(int fd, GIOCondition cond, gpointer data)
{
	struct conn *c = data;
	int rc = 0;

	if ((cond & G_IO_IN) && !c->closing)
		rc = receive(c);
	if (rc != 0 || (cond & (G_IO_ERR | G_IO_NVAL)) ||
	    (cond & (G_IO_HUP | G_IO_IN | G_IO_OUT)) == G_IO_HUP)
		goto drop;              /* end of stream: an unfinished line is dropped */
	rc = flush(c);
	if (rc != 0 && rc != -EAGAIN)
		goto drop;
	if (rc == 0)
		process(c);
	if (c->out->len > 0) {
		watch(c, G_IO_OUT);
		return G_SOURCE_CONTINUE;
	}
	if (c->closing)
		goto drop;
	watch(c, G_IO_IN);
	return G_SOURCE_CONTINUE;

drop:
	conn_free(c);
	return G_SOURCE_REMOVE;
}

static void peer_cred(struct conn *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	c->pid = -1;
	c->uid = (uid_t)-1;
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		c->pid = cred.pid;
		c->uid = cred.uid;
	}
}

void tz_cli_conn_add(int fd, GMainContext *ctx)
{
	struct conn *c = g_new0(struct conn, 1);

	c->fd = fd;
	c->ctx = ctx;
	c->in = g_string_sized_new(256);
	c->out = g_string_sized_new(256);
	peer_cred(c);
	conns = g_list_prepend(conns, c);
	tz_cli_counters.clients++;
	tz_cli_counters.accepted++;
	watch(c, G_IO_IN);
}

void tz_cli_conn_close_all(void)
{
	while (conns != NULL)
		conn_free(conns->data);
}
