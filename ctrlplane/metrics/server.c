/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /metrics listener: a small non-blocking HTTP/1.x server on the
 * control thread's GLib loop.  One request per connection (Connection:
 * close), at most MAX_CONNS at once, each given CONN_TIMEOUT_S to send its
 * head and read the answer.  Sources outside metrics.allow are closed on
 * accept and counted.  A scrape renders the body on the loop (collectors
 * read GLib state), so it never races the call manager.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "tz_log.h"
#include "tz_metrics.h"

#define MAX_CONNS 16
#define CONN_TIMEOUT_S 5
#define MAX_COLLECTORS 16

/* X(enum suffix, label) — the listener's answers, trapeze_metrics_requests_total{code} */
#define ANSWERS(X) X(OK, "200") X(BAD, "400") X(NOT_FOUND, "404") X(METHOD, "405") \
	X(TOO_LARGE, "431")
enum answer {
#define A_ENUM(e, l) A_##e,
	ANSWERS(A_ENUM)
#undef A_ENUM
	A_COUNT
};
static const char *const answer_codes[] = {
#define A_NAME(e, l) l,
	ANSWERS(A_NAME)
#undef A_NAME
};

struct conn {
	struct tz_metrics_server *srv;
	int fd;
	guint watch, timer;
	char buf[TZ_METRICS_HTTP_MAX];
	size_t len;
	GString *out;           /* the answer, once the head is read */
	size_t sent;
};

struct tz_metrics_server {
	int fd;
	guint watch, pause;     /* pause: accepting stopped for a second (EMFILE) */
	uint16_t port;
	struct tz_cfg_cidr *allow;
	size_t n_allow;
	GList *conns;
	uint64_t answers[A_COUNT];
	uint64_t refused_source, refused_busy, timeouts;
	int64_t last_refusal_log;
};

static struct {
	tz_metrics_collect_fn *fn;
	void *arg;
} collectors[MAX_COLLECTORS];
static size_t n_collectors;
static struct tz_metrics_server *running;    /* for the listener's own families */

int tz_metrics_collector_add(tz_metrics_collect_fn *fn, void *arg)
{
	if (n_collectors == MAX_COLLECTORS)
		return -ENOSPC;
	collectors[n_collectors].fn = fn;
	collectors[n_collectors++].arg = arg;
	return 0;
}

void tz_metrics_collectors_clear(void)
{
	n_collectors = 0;
}

static void self_families(GString *out, const struct tz_metrics_server *s)
{
	tz_metrics_family(out, "trapeze_metrics_requests_total", TZ_METRICS_COUNTER,
			  "HTTP requests the metrics listener answered, by status code");
	for (int i = 0; i < A_COUNT; i++)
		tz_metrics_sample_u64(out, "trapeze_metrics_requests_total",
				      &(struct tz_metrics_label){ "code", answer_codes[i] }, 1,
				      s->answers[i]);
	tz_metrics_family(out, "trapeze_metrics_refused_total", TZ_METRICS_COUNTER,
			  "connections to the metrics listener closed unanswered, by reason");
	tz_metrics_sample_u64(out, "trapeze_metrics_refused_total",
			      &(struct tz_metrics_label){ "reason", "source_not_allowed" }, 1,
			      s->refused_source);
	tz_metrics_sample_u64(out, "trapeze_metrics_refused_total",
			      &(struct tz_metrics_label){ "reason", "too_many_connections" }, 1,
			      s->refused_busy);
	tz_metrics_sample_u64(out, "trapeze_metrics_refused_total",
			      &(struct tz_metrics_label){ "reason", "timeout" }, 1, s->timeouts);
}

void tz_metrics_collect(GString *out)
{
	for (size_t i = 0; i < n_collectors; i++)
		collectors[i].fn(out, collectors[i].arg);
	if (running != NULL)
		self_families(out, running);
}

static void conn_close(struct conn *c)
{
	if (c->watch != 0)
		g_source_remove(c->watch);
	if (c->timer != 0)
		g_source_remove(c->timer);
	close(c->fd);
	if (c->out != NULL)
		g_string_free(c->out, TRUE);
	c->srv->conns = g_list_remove(c->srv->conns, c);
	g_free(c);
}

static gboolean on_timeout(gpointer p)
{
	struct conn *c = p;

	c->timer = 0;
	c->srv->timeouts++;
	conn_close(c);
	return G_SOURCE_REMOVE;
}

static gboolean on_writable(gint fd, GIOCondition cond, gpointer p)
{
	struct conn *c = p;
	ssize_t n;

	while (c->sent < c->out->len) {
		n = send(fd, c->out->str + c->sent, c->out->len - c->sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return G_SOURCE_CONTINUE;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		c->sent += (size_t)n;
	}
	c->watch = 0;
	conn_close(c);
	return G_SOURCE_REMOVE;
}

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	default: return "Bad Request";
	}
}

static enum answer answer_of(int status)
{
	switch (status) {
	case 200: return A_OK;
	case 404: return A_NOT_FOUND;
	case 405: return A_METHOD;
	case 431: return A_TOO_LARGE;
	default: return A_BAD;
	}
}

/* The whole answer into c->out, then write it as the socket allows. */
static void respond(struct conn *c, int status, bool head_only)
{
	GString *body = g_string_sized_new(status == 200 ? 16384 : 64);

	if (status == 200)
		tz_metrics_collect(body);
	else
		g_string_printf(body, "%d %s\n", status, reason_phrase(status));
	c->srv->answers[answer_of(status)]++;
	c->out = g_string_sized_new(body->len + 256);
	g_string_printf(c->out, "HTTP/1.1 %d %s\r\n"
			"Content-Type: %s\r\n"
			"Content-Length: %zu\r\n"
			"%s"
			"Connection: close\r\n\r\n",
			status, reason_phrase(status),
			status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain",
			body->len, status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (!head_only)
		g_string_append_len(c->out, body->str, (gssize)body->len);
	g_string_free(body, TRUE);
	c->watch = g_unix_fd_add(c->fd, G_IO_OUT, on_writable, c);
}

static gboolean on_readable(gint fd, GIOCondition cond, gpointer p)
{
	struct conn *c = p;
	struct tz_metrics_http_req req;
	ssize_t n;
	int rc;

	n = recv(fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		c->watch = 0;
		conn_close(c);          /* closed before a whole head: nothing to answer */
		return G_SOURCE_REMOVE;
	}
	c->len += (size_t)n;
	rc = tz_metrics_http_parse(c->buf, c->len, &req);
	if (rc == -EAGAIN)
		return G_SOURCE_CONTINUE;
	c->watch = 0;
	if (rc == 0)
		respond(c, tz_metrics_http_status(&req), req.method == TZ_METRICS_HEAD);
	else
		respond(c, rc == -E2BIG ? 431 : 400, false);
	return G_SOURCE_REMOVE;
}

static bool allowed(const struct tz_metrics_server *s, const struct sockaddr *sa)
{
	struct tz_cfg_addr a;

	tz_cfg_addr_from_sockaddr(sa, &a);
	if (s->n_allow == 0)
		return (a.family == AF_INET && (ntohl(a.v4.s_addr) >> 24) == 127) ||
		       (a.family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&a.v6));
	for (size_t i = 0; i < s->n_allow; i++)
		if (tz_cfg_cidr_contains(&s->allow[i], &a))
			return true;
	return false;
}

static void refusal_log(struct tz_metrics_server *s, const struct sockaddr_storage *ss,
			const char *why)
{
	int64_t now = g_get_monotonic_time();
	char host[64] = "?";

	if (now - s->last_refusal_log < 10 * G_USEC_PER_SEC)
		return;                 /* a scanner must not flood the log */
	s->last_refusal_log = now;
	getnameinfo((const struct sockaddr *)ss, sizeof(*ss), host, sizeof(host), NULL, 0,
		    NI_NUMERICHOST);
	TZ_LOG(CP, NOTICE, "metrics: connection from %s refused: %s (counted in "
	       "trapeze_metrics_refused_total)", host, why);
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer p);

static gboolean on_resume(gpointer p)
{
	struct tz_metrics_server *s = p;

	s->pause = 0;
	s->watch = g_unix_fd_add(s->fd, G_IO_IN, on_accept, s);
	return G_SOURCE_REMOVE;
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer p)
{
	struct tz_metrics_server *s = p;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct conn *c;
	int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* the listening socket stays readable: pause instead of spinning */
			TZ_LOG(CP, WARNING, "metrics: cannot accept: %s; pausing 1 s", strerror(errno));
			s->watch = 0;
			s->pause = g_timeout_add_seconds(1, on_resume, s);
			return G_SOURCE_REMOVE;
		}
		return G_SOURCE_CONTINUE;
	}
	if (!allowed(s, (struct sockaddr *)&ss)) {
		s->refused_source++;
		refusal_log(s, &ss, "not in metrics.allow");
		close(cfd);
		return G_SOURCE_CONTINUE;
	}
	if (g_list_length(s->conns) >= MAX_CONNS) {
		s->refused_busy++;
		refusal_log(s, &ss, "too many connections");
		close(cfd);
		return G_SOURCE_CONTINUE;
	}
	c = g_new0(struct conn, 1);
	c->srv = s;
	c->fd = cfd;
	c->watch = g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, c);
	c->timer = g_timeout_add_seconds(CONN_TIMEOUT_S, on_timeout, c);
	s->conns = g_list_prepend(s->conns, c);
	return G_SOURCE_CONTINUE;
}

static int listen_on(const struct tz_cfg_hostport *hp, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd, one = 1;

	if (inet_pton(AF_INET, hp->host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(hp->port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, hp->host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(hp->port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 64) != 0)
		goto fail;
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		goto fail;
	*port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					      : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
fail:
	one = -errno;
	close(fd);
	return one;
}

struct tz_metrics_server *tz_metrics_server_start(const struct tz_cfg_metrics *cfg)
{
	struct tz_metrics_server *s;
	uint16_t port = 0;
	int fd;

	if (cfg == NULL || cfg->listen.host == NULL) {
		errno = EINVAL;
		return NULL;
	}
	fd = listen_on(&cfg->listen, &port);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	s = g_new0(struct tz_metrics_server, 1);
	s->fd = fd;
	s->port = port;
	/* copied: the listener outlives a config reload */
	s->allow = g_memdup2(cfg->allow, cfg->n_allow * sizeof(*cfg->allow));
	s->n_allow = cfg->n_allow;
	s->watch = g_unix_fd_add(fd, G_IO_IN, on_accept, s);
	running = s;
	return s;
}

uint16_t tz_metrics_server_port(const struct tz_metrics_server *srv)
{
	return srv->port;
}

void tz_metrics_server_stop(struct tz_metrics_server *srv)
{
	if (srv == NULL)
		return;
	while (srv->conns != NULL)
		conn_close(srv->conns->data);
	if (srv->watch != 0)
		g_source_remove(srv->watch);
	if (srv->pause != 0)
		g_source_remove(srv->pause);
	close(srv->fd);
	g_free(srv->allow);
	if (running == srv)
		running = NULL;
	g_free(srv);
}
