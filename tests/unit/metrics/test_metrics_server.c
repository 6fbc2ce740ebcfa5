/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /metrics listener on loopback, driven by real clients (a thread doing
 * blocking socket I/O while the test runs the GLib loop the server lives
 * in): answers and their headers, a request sent byte by byte, 404/405/400/
 * 431, a source outside `allow` closed unanswered and counted, the
 * connection cap, the per-connection timeout.  Ports are picked by the
 * kernel (listen port 0).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "tz_metrics.h"

struct exch {
	int family;
	uint16_t port;
	const char *req;
	size_t len;
	bool bytewise;
	GString *resp;
	gint done;
};

static int dial(int family, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	struct timeval tv = { .tv_sec = 10 };

	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static gpointer client(gpointer p)
{
	struct exch *x = p;
	int fd = dial(x->family, x->port);
	char buf[4096];
	ssize_t n;

	if (fd >= 0) {
		for (size_t off = 0; off < x->len; off += x->bytewise ? 1 : x->len - off)
			if (send(fd, x->req + off, x->bytewise ? 1 : x->len - off, MSG_NOSIGNAL) < 0)
				break;
		while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
			g_string_append_len(x->resp, buf, n);
		close(fd);
	}
	g_atomic_int_set(&x->done, 1);
	return NULL;
}

/* Run the loop until the client thread is done; its whole answer. */
static GString *exchange_af(int family, uint16_t port, const char *req, size_t len, bool bytewise)
{
	struct exch x = { family, port, req, len, bytewise, g_string_new(NULL), 0 };
	GThread *t = g_thread_new("client", client, &x);
	int64_t deadline = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;

	while (!g_atomic_int_get(&x.done) && g_get_monotonic_time() < deadline)
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(200);
	g_thread_join(t);
	return x.resp;
}

static GString *exchange(uint16_t port, const char *req)
{
	return exchange_af(AF_INET, port, req, strlen(req), false);
}

static void collector(GString *out, void *arg)
{
	tz_metrics_family(out, "test_value", TZ_METRICS_GAUGE, "a test gauge");
	tz_metrics_sample(out, "test_value", NULL, 0, *(int *)arg);
}

static int value = 42;
static struct tz_metrics_server *srv;
static uint16_t port;

static int setup(void **state)
{
	struct tz_cfg_metrics cfg = { .listen = { .host = "127.0.0.1", .port = 0 } };

	tz_metrics_collectors_clear();
	assert_int_equal(tz_metrics_collector_add(collector, &value), 0);
	srv = tz_metrics_server_start(&cfg);
	assert_non_null(srv);
	port = tz_metrics_server_port(srv);
	assert_int_not_equal(port, 0);
	return 0;
}

static int teardown(void **state)
{
	tz_metrics_server_stop(srv);
	tz_metrics_collectors_clear();
	return 0;
}

/* The body after the blank line, and the head's Content-Length equals its size. */
static const char *body_of(const GString *r, bool head)
{
	const char *b = strstr(r->str, "\r\n\r\n");
	const char *cl = strstr(r->str, "Content-Length: ");

	assert_non_null(b);
	assert_non_null(cl);
	b += 4;
	if (!head)
		assert_int_equal(strtoul(cl + 16, NULL, 10), r->len - (size_t)(b - r->str));
	return b;
}

static void get_metrics(void **state)
{
	GString *r = exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");

	assert_true(g_str_has_prefix(r->str, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(r->str, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(r->str, "Connection: close\r\n"));
	assert_non_null(strstr(body_of(r, false), "# TYPE test_value gauge\ntest_value 42\n"));
	assert_non_null(strstr(r->str, "trapeze_metrics_requests_total{code=\"200\"}"));
	g_string_free(r, TRUE);
}

static void byte_by_byte(void **state)
{
	static const char req[] = "GET /metrics?x=1 HTTP/1.0\r\nUser-Agent: t\r\n\r\n";
	GString *r = exchange_af(AF_INET, port, req, sizeof(req) - 1, true);

	assert_true(g_str_has_prefix(r->str, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(body_of(r, false), "test_value 42\n"));
	g_string_free(r, TRUE);
}

static void head_and_errors(void **state)
{
	static const struct {
		const char *req, *status, *also;
	} table[] = {
		{ "HEAD /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n", NULL },
		{ "GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n", NULL },
		{ "POST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\nab",
		  "HTTP/1.1 405 Method Not Allowed\r\n", "Allow: GET, HEAD\r\n" },
		{ "\x16\x03\x01\x02\x10\x01", "HTTP/1.1 400 Bad Request\r\n", NULL },  /* TLS: at once */
		{ "GET /metrics HTTP/1.1\r\nNo Colon\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n", NULL },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
		GString *r = exchange(port, table[i].req);

		if (!g_str_has_prefix(r->str, table[i].status))
			fail_msg("case %zu: got \"%.40s\"", i, r->str);
		if (table[i].also != NULL)
			assert_non_null(strstr(r->str, table[i].also));
		if (i == 0)
			assert_string_equal(body_of(r, true), "");     /* HEAD: no body */
		g_string_free(r, TRUE);
	}
}

static void head_too_large(void **state)
{
	GString *req = g_string_new("GET /metrics HTTP/1.1\r\nX-Big: ");
	GString *r;

	while (req->len < 5000)
		g_string_append_c(req, 'a');
	g_string_append(req, "\r\n\r\n");
	r = exchange(port, req->str);
	assert_true(g_str_has_prefix(r->str, "HTTP/1.1 431 "));
	g_string_free(r, TRUE);
	r = exchange(port, "GET /metrics HTTP/1.1\r\n\r\n");
	assert_non_null(strstr(r->str, "trapeze_metrics_requests_total{code=\"431\"} 1\n"));
	assert_non_null(strstr(r->str, "trapeze_metrics_requests_total{code=\"405\"} 1\n"));
	g_string_free(r, TRUE);
	g_string_free(req, TRUE);
}

/* Listening on :: with allow 127.0.0.0/8: 127.0.0.1 (v4-mapped) is served,
 * ::1 is closed unanswered and counted. */
static void allow_list(void **state)
{
	struct tz_cfg_cidr allow = { .addr = { .family = AF_INET }, .prefix = 8 };
	struct tz_cfg_metrics cfg = { .listen = { .host = "::", .port = 0 }, .allow = &allow,
				      .n_allow = 1 };
	struct tz_metrics_server *s6;
	GString *r;
	uint16_t p6;

	inet_pton(AF_INET, "127.0.0.0", &allow.addr.v4);
	tz_metrics_server_stop(srv);            /* the self families follow the latest */
	s6 = tz_metrics_server_start(&cfg);
	if (s6 == NULL)
		skip();                         /* no IPv6 here */
	srv = s6;
	p6 = tz_metrics_server_port(s6);
	r = exchange_af(AF_INET6, p6, "GET /metrics HTTP/1.1\r\n\r\n", 25, false);
	assert_int_equal(r->len, 0);
	g_string_free(r, TRUE);
	r = exchange(p6, "GET /metrics HTTP/1.1\r\n\r\n");
	assert_true(g_str_has_prefix(r->str, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(r->str,
		"trapeze_metrics_refused_total{reason=\"source_not_allowed\"} 1\n"));
	g_string_free(r, TRUE);
	port = p6;
}

/* Wait (running the loop) until @p fd reads EOF; false after @p ms. */
static bool closed_within(int fd, int ms)
{
	int64_t deadline = g_get_monotonic_time() + (int64_t)ms * 1000;
	char c;

	while (g_get_monotonic_time() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		g_main_context_iteration(NULL, FALSE);
		if (poll(&pfd, 1, 1) == 1 && recv(fd, &c, 1, MSG_DONTWAIT) == 0)
			return true;
	}
	return false;
}

static void connection_cap(void **state)
{
	int fds[17];
	const char *c;
	GString *r;

	for (int i = 0; i < 17; i++) {
		fds[i] = dial(AF_INET, port);
		assert_true(fds[i] >= 0);
		/* let the server accept each in turn, so the 17th is the one over */
		for (int k = 0; k < 50; k++)
			g_main_context_iteration(NULL, FALSE);
	}
	assert_true(closed_within(fds[16], 3000));
	for (int i = 0; i < 17; i++)
		close(fds[i]);
	r = g_string_new(NULL);
	for (int tries = 0; tries < 100 && strstr(r->str, "200 OK") == NULL; tries++) {
		g_string_free(r, TRUE);   /* the 16 closes may not be seen yet */
		r = exchange(port, "GET /metrics HTTP/1.1\r\n\r\n");
	}
	/* 1, or more when a retry above came before the server saw the closes */
	c = strstr(r->str, "trapeze_metrics_refused_total{reason=\"too_many_connections\"} ");
	assert_non_null(c);
	assert_true(strtoul(strchr(c, ' ') + 1, NULL, 10) >= 1);
	g_string_free(r, TRUE);
}

static void slow_client_timeout(void **state)
{
	int fd = dial(AF_INET, port);
	GString *r;

	assert_true(fd >= 0);
	assert_int_equal(send(fd, "GET /metr", 9, 0), 9);
	assert_true(closed_within(fd, 8000));          /* 5 s per connection */
	close(fd);
	r = exchange(port, "GET /metrics HTTP/1.1\r\n\r\n");
	assert_non_null(strstr(r->str, "trapeze_metrics_refused_total{reason=\"timeout\"} 1\n"));
	g_string_free(r, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(get_metrics),
		cmocka_unit_test(byte_by_byte),
		cmocka_unit_test(head_and_errors),
		cmocka_unit_test(head_too_large),
		cmocka_unit_test(allow_list),
		cmocka_unit_test(connection_cap),
		cmocka_unit_test(slow_client_timeout),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
