/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The signalling server's cost on the GLib main context does not grow with
 * its connections (issue 12): N raw WebSocket clients connected, the
 * number of GSources on the context stays where it was with one, and
 * messages still flow (a ping on every connection gets its pong).  With
 * TZ_WS_GLIB=1 (lws's glib event library: a GSource per descriptor) the
 * same count grows with N; test_glib_grows shows that the check can fail.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <glib.h>

#include "evpoll.h"
#include "tz_ws.h"

#define N_CLIENTS 40
#define MAX_CLIENTS 2000    /* TZ_WS_LOOP_BENCH: idle connections measured */
#define BENCH_ITERS 20000
#define WAIT_S 20

struct client {
	int fd;
	GString *in;        /* what the server sent */
};

struct fleet {
	struct client c[MAX_CLIENTS];
	unsigned n;
	unsigned from;      /* the clients waited for: from .. n - 1 */
	const char *want;   /* their input must hold this */
};

static void on_open(struct tz_ws_conn *conn, void *user) { (void)conn; (void)user; }
static void on_close(struct tz_ws_conn *conn, void *user) { (void)conn; (void)user; }

static const struct tz_ws_handlers handlers = {
	.on_open = on_open,
	.on_close = on_close,
};

static struct tz_ws_server *start(void)
{
	static struct tz_cfg_signalling sig;
	static struct tz_cfg_limits lim;
	struct tz_ws_server *srv;

	sig.http.host = "127.0.0.1";
	sig.allow_no_origin = true;
	lim.ws_max_message = 8192;
	srv = tz_ws_server_start(&sig, &lim, &handlers, NULL);
	assert_non_null(srv);
	return srv;
}

/* Sources attached to the default context and not destroyed. */
static unsigned count_sources(void)
{
	GSource *probe = g_idle_source_new();
	guint top = g_source_attach(probe, NULL);
	unsigned n = 0;

	g_source_destroy(probe);
	g_source_unref(probe);
	for (guint id = 1; id < top; id++)
		n += g_main_context_find_source_by_id(NULL, id) != NULL;
	return n;
}

static void client_connect(struct client *c, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	static const char req[] =
		"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: trapeze-jsep.v1\r\n\r\n";

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	/* loopback: completes into the listen backlog without the server running */
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(c->fd, req, sizeof(req) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(req) - 1);
	c->in = g_string_new(NULL);
}

/* A masked text frame (RFC 6455 section 5.2), payload under 126 bytes. */
static void client_send_text(struct client *c, const char *text)
{
	unsigned char f[2 + 4 + 125];
	size_t len = strlen(text);
	static const unsigned char mask[4] = { 0x11, 0x22, 0x33, 0x44 };

	assert_true(len < 126);
	f[0] = 0x81;
	f[1] = (unsigned char)(0x80 | len);
	memcpy(f + 2, mask, 4);
	for (size_t i = 0; i < len; i++)
		f[6 + i] = (unsigned char)text[i] ^ mask[i % 4];
	assert_int_equal(send(c->fd, f, 6 + len, MSG_NOSIGNAL), (ssize_t)(6 + len));
}

static bool fleet_done(struct fleet *f)
{
	bool all = true;

	for (unsigned i = f->from; i < f->n; i++) {
		struct client *c = &f->c[i];
		char buf[4096];
		ssize_t r;

		while ((r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			g_string_append_len(c->in, buf, r);
		/* binary-safe enough: frame headers hold no NUL before the text here */
		all &= memmem(c->in->str, c->in->len, f->want, strlen(f->want)) != NULL;
	}
	return all;
}

struct waiter {
	struct fleet *f;
	GMainLoop *loop;
	int64_t deadline;
	bool ok;
};

static gboolean wait_tick(void *data)
{
	struct waiter *w = data;

	if (fleet_done(w->f))
		w->ok = true;
	else if (g_get_monotonic_time() < w->deadline)
		return G_SOURCE_CONTINUE;
	g_main_loop_quit(w->loop);
	return G_SOURCE_REMOVE;
}

/* Run the loop until every client has seen f->want (or WAIT_S passed). */
static void wait_fleet(struct fleet *f, const char *want)
{
	struct waiter w = {
		.f = f, .loop = g_main_loop_new(NULL, FALSE),
		.deadline = g_get_monotonic_time() + WAIT_S * G_USEC_PER_SEC,
	};

	f->want = want;
	g_timeout_add(5, wait_tick, &w);
	g_main_loop_run(w.loop);
	g_main_loop_unref(w.loop);
	if (!w.ok) {
		for (unsigned i = f->from; i < f->n; i++)
			if (memmem(f->c[i].in->str, f->c[i].in->len, want, strlen(want)) == NULL)
				print_error("client %u of %u got %zu bytes: %.60s\n", i, f->n,
					    f->c[i].in->len, f->c[i].in->str);
		fail_msg("not every client saw '%s' within %d s", want, WAIT_S);
	}
}

static void fleet_open(struct fleet *f, struct tz_ws_server *srv, unsigned n)
{
	unsigned from = f->n;

	for (; f->n < n; f->n++)
		client_connect(&f->c[f->n], tz_ws_server_port(srv, false));
	f->from = from;
	wait_fleet(f, "HTTP/1.1 101");
	f->from = 0;
	for (unsigned i = from; i < f->n; i++)
		g_string_truncate(f->c[i].in, 0);
}

static void fleet_ping(struct fleet *f)
{
	for (unsigned i = 0; i < f->n; i++) {
		g_string_truncate(f->c[i].in, 0);
		client_send_text(&f->c[i], "{\"type\":\"ping\",\"id\":7}");
	}
	wait_fleet(f, "\"pong\"");
}

static void fleet_close(struct fleet *f)
{
	for (unsigned i = 0; i < f->n; i++) {
		close(f->c[i].fd);
		g_string_free(f->c[i].in, TRUE);
	}
	f->n = 0;
}

/*
 * Sources added by going from 1 to N_CLIENTS connections, on the event
 * library @p evlib (what `show signalling stats` reports as event_loop).
 */
static unsigned sources_for_more_clients(const char *evlib)
{
	struct tz_ws_server *srv = start();
	static struct fleet f;
	struct tz_ws_stats st;
	unsigned one, many;

	assert_string_equal(tz_ws_server_event_loop(srv), evlib);
	fleet_open(&f, srv, 1);
	fleet_ping(&f);
	one = count_sources();
	fleet_open(&f, srv, N_CLIENTS);
	fleet_ping(&f);
	many = count_sources();
	tz_ws_server_stats(srv, &st);
	/* the one libuv source ran for the traffic; on glib it never exists */
	if (strcmp(evlib, "libuv") == 0)
		assert_true(st.cnt[TZ_WS_CNT_LOOP_RUNS] >= 2);
	else
		assert_int_equal(st.cnt[TZ_WS_CNT_LOOP_RUNS], 0);
	fleet_close(&f);
	tz_ws_server_stop(srv);
	print_message("sources: %u with 1 connection, %u with %u\n", one, many, N_CLIENTS);
	return many > one ? many - one : 0;
}

static void test_sources_flat(void **state)
{
	(void)state;
	unsetenv("TZ_WS_GLIB");
	/* a little slack for a timer lws may hold at that moment */
	assert_true(sources_for_more_clients("libuv") <= 2);
}

static void test_glib_grows(void **state)
{
	(void)state;
	setenv("TZ_WS_GLIB", "1", 1);
	assert_true(sources_for_more_clients("glib") >= N_CLIENTS - 1);
	unsetenv("TZ_WS_GLIB");
}

/*
 * Without libwebsockets-evlib-uv (simulated: the libuv context fails to
 * come up) the server still starts, on lws's glib event library, and
 * serves: the handshakes and pings above succeed, a source per connection.
 */
static void test_no_libuv_falls_back(void **state)
{
	(void)state;
	unsetenv("TZ_WS_GLIB");
	tz_ws_test_no_libuv(true);
	assert_true(sources_for_more_clients("glib") >= N_CLIENTS - 1);
	tz_ws_test_no_libuv(false);
	/* and the hook off again: back on libuv */
	assert_true(sources_for_more_clients("libuv") <= 2);
}

struct hung {
	int fd;
	GMainLoop *loop;
	int64_t deadline;
	bool closed;
};

static gboolean hung_tick(void *data)
{
	struct hung *h = data;
	char buf[256];
	ssize_t r = recv(h->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
		h->closed = true;
	else if (g_get_monotonic_time() < h->deadline)
		return G_SOURCE_CONTINUE;
	g_main_loop_quit(h->loop);
	return G_SOURCE_REMOVE;
}

/*
 * lws's timers run on the one source: a client that never finishes its
 * request is closed by lws's handshake timeout (timeout_secs, 10 s), not
 * before and not never.
 */
static void test_handshake_timeout(void **state)
{
	struct tz_ws_server *srv;
	struct client c;
	struct hung h = { .loop = g_main_loop_new(NULL, FALSE) };
	int64_t t0 = g_get_monotonic_time();
	static const char part[] = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	int fd;

	(void)state;
	unsetenv("TZ_WS_GLIB");
	srv = start();
	client_connect(&c, tz_ws_server_port(srv, false));
	/* client_connect sent a whole request: open a second, unfinished one */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	{
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_port = htons((uint16_t)tz_ws_server_port(srv, false)) };

		inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
		assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	assert_int_equal(send(fd, part, sizeof(part) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(part) - 1);
	h.fd = fd;
	h.deadline = t0 + 30 * G_USEC_PER_SEC;
	g_timeout_add(20, hung_tick, &h);
	g_main_loop_run(h.loop);
	g_main_loop_unref(h.loop);
	print_message("unfinished request closed after %.1f s\n",
		      (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);
	assert_true(h.closed);
	assert_true(g_get_monotonic_time() - t0 >= 5 * G_USEC_PER_SEC);
	close(fd);
	close(c.fd);
	g_string_free(c.in, TRUE);
	tz_ws_server_stop(srv);
}

/* Start and stop leave nothing on the context. */
static void test_stop_clean(void **state)
{
	unsigned before, after;
	struct tz_ws_server *srv;
	static struct fleet f;

	(void)state;
	unsetenv("TZ_WS_GLIB");
	before = count_sources();
	srv = start();
	fleet_open(&f, srv, 3);
	fleet_ping(&f);
	tz_ws_server_stop(srv);
	fleet_close(&f);
	after = count_sources();
	assert_int_equal(after, before);
}

static gboolean spin(void *data)
{
	(void)data;
	return G_SOURCE_CONTINUE;
}

/* ns per main-loop iteration (kept busy by an idle source) with n idle clients. */
static double iter_ns(unsigned n)
{
	struct tz_ws_server *srv = start();
	static struct fleet f;
	guint idle;
	int64_t t0;

	fleet_open(&f, srv, n);
	fleet_ping(&f);
	idle = g_idle_add(spin, NULL);
	t0 = g_get_monotonic_time();
	for (int i = 0; i < BENCH_ITERS; i++)
		g_main_context_iteration(NULL, FALSE);
	t0 = g_get_monotonic_time() - t0;
	g_source_remove(idle);
	fleet_close(&f);
	tz_ws_server_stop(srv);
	return (double)t0 * 1000.0 / BENCH_ITERS;
}

/*
 * TZ_WS_LOOP_BENCH=N: the main loop's cost per iteration with N idle
 * WebSockets, libuv path and glib path back to back (a measurement, not a
 * check; skipped without the variable).  TZ_WS_LOOP_EVPOLL=1: on the
 * daemon's epoll poll function, as trapezed runs.
 */
static void test_bench(void **state)
{
	const char *e = getenv("TZ_WS_LOOP_BENCH");
	unsigned n = e != NULL ? (unsigned)atoi(e) : 0;
	double uv0, uv, gl0, gl;

	(void)state;
	if (n == 0)
		skip();
	if (n > MAX_CLIENTS)
		n = MAX_CLIENTS;
	/* the daemon's poll (ctrlplane/daemon/evpoll.c): epoll instead of poll(2) */
	if (getenv("TZ_WS_LOOP_EVPOLL") != NULL)
		assert_int_equal(tz_evpoll_install(g_main_context_default()), 0);
	unsetenv("TZ_WS_GLIB");
	uv0 = iter_ns(1);
	uv = iter_ns(n);
	setenv("TZ_WS_GLIB", "1", 1);
	gl0 = iter_ns(1);
	gl = iter_ns(n);
	unsetenv("TZ_WS_GLIB");
	print_message("ns per loop iteration: one source (libuv) %.0f with 1, %.0f with %u "
		      "connections; glib %.0f with 1, %.0f with %u\n", uv0, uv, n, gl0, gl, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sources_flat),
		cmocka_unit_test(test_glib_grows),
		cmocka_unit_test(test_no_libuv_falls_back),
		cmocka_unit_test(test_stop_clean),
		cmocka_unit_test(test_handshake_timeout),
		cmocka_unit_test(test_bench),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
