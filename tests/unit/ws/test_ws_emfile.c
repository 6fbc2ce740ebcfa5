/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The signalling server at the descriptor limit (RLIMIT_NOFILE) does not
 * spin: with every descriptor taken, connections waiting on the listener
 * are closed and counted (ws_refused_no_descriptors), and the control loop
 * runs a bounded number of times in a second.  Without ws_emfile.c, lws's
 * accept() fails with EMFILE, the listener stays readable and the loop runs
 * hundreds of thousands of times (all of a core; TZ_WS_GLIB=1 as well, seen in
 * the CPU time).  With the limit raised again, a new client
 * upgrades and gets its pong.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <glib.h>

#include "tz_ws.h"

#define N_WAITING 3          /* connections in the backlog at the limit */
#define MAX_FILLERS 4096
#define MAX_RUNS_PER_S 50    /* the old code: > 10,000 */
#define MAX_CPU_US 300000   /* of the 1 s at the limit (the old code: all of it) */
#define WAIT_S 20

struct client {
	int fd;
	GString *in;
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

static void client_free(struct client *c)
{
	close(c->fd);
	g_string_free(c->in, TRUE);
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

/* Read what is there; 1: the peer closed (EOF or reset), 0: open. */
static int client_read(struct client *c)
{
	char buf[4096];
	ssize_t r;

	while ((r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		g_string_append_len(c->in, buf, r);
	return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static bool client_saw(struct client *c, const char *want)
{
	client_read(c);
	return memmem(c->in->str, c->in->len, want, strlen(want)) != NULL;
}

struct waiter {
	struct client *c;
	const char *want;   /* NULL: run until the deadline */
	GMainLoop *loop;
	int64_t deadline;
	bool ok;
};

static gboolean wait_tick(void *data)
{
	struct waiter *w = data;

	if (w->want != NULL && client_saw(w->c, w->want))
		w->ok = true;
	else if (g_get_monotonic_time() < w->deadline)
		return G_SOURCE_CONTINUE;
	g_main_loop_quit(w->loop);
	return G_SOURCE_REMOVE;
}

/* Run the default context until c saw want, or for run_us when want is NULL. */
static bool run_until(struct client *c, const char *want, int64_t run_us)
{
	struct waiter w = {
		.c = c, .want = want, .loop = g_main_loop_new(NULL, FALSE),
		.deadline = g_get_monotonic_time() + run_us,
	};

	g_timeout_add(5, wait_tick, &w);
	g_main_loop_run(w.loop);
	g_main_loop_unref(w.loop);
	return w.ok;
}

static void upgrade_and_ping(struct client *c)
{
	assert_true(run_until(c, "HTTP/1.1 101", WAIT_S * G_USEC_PER_SEC));
	g_string_truncate(c->in, 0);
	client_send_text(c, "{\"type\":\"ping\",\"id\":7}");
	assert_true(run_until(c, "\"pong\"", WAIT_S * G_USEC_PER_SEC));
}

static int highest_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int top = -1;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && atoi(e->d_name) > top)
			top = atoi(e->d_name);
	closedir(d);
	return top;
}

/* This process's CPU time (user + system), us. */
static int64_t cpu_us(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static uint64_t stat_of(struct tz_ws_server *srv, enum tz_ws_counter c)
{
	struct tz_ws_stats st;

	tz_ws_server_stats(srv, &st);
	return st.cnt[c];
}

/* No descriptor left below the soft limit: fill the holes under it. */
static unsigned exhaust(struct rlimit *saved, int *fillers)
{
	struct rlimit low;
	unsigned n = 0;
	int fd;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, saved), 0);
	low = *saved;
	low.rlim_cur = (rlim_t)highest_fd() + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (n < MAX_FILLERS && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		fillers[n++] = fd;
	assert_int_equal(errno, EMFILE);
	return n;
}

static void test_emfile_no_spin(void **state)
{
	static int fillers[MAX_FILLERS];
	struct tz_ws_server *srv = start();
	int port = tz_ws_server_port(srv, false);
	struct client first, waiting[N_WAITING], after;
	struct rlimit saved;
	uint64_t runs, refused;
	int64_t cpu;
	unsigned nf;

	(void)state;
	client_connect(&first, port);
	upgrade_and_ping(&first);
	for (int i = 0; i < N_WAITING; i++)
		client_connect(&waiting[i], port);

	nf = exhaust(&saved, fillers);
	runs = stat_of(srv, TZ_WS_CNT_LOOP_RUNS);
	refused = stat_of(srv, TZ_WS_CNT_REFUSED_NO_FD);
	cpu = cpu_us();
	run_until(NULL, NULL, G_USEC_PER_SEC);
	cpu = cpu_us() - cpu;
	runs = stat_of(srv, TZ_WS_CNT_LOOP_RUNS) - runs;
	refused = stat_of(srv, TZ_WS_CNT_REFUSED_NO_FD) - refused;

	for (unsigned i = 0; i < nf; i++)
		close(fillers[i]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	print_message("at the limit (%s): %llu loop runs and %lld us CPU in 1 s, %llu refused\n",
		      tz_ws_server_event_loop(srv), (unsigned long long)runs,
		      (long long)cpu, (unsigned long long)refused);
	assert_true(runs < MAX_RUNS_PER_S);    /* 0 on glib: it has no such count */
	assert_true(cpu < MAX_CPU_US);
	assert_int_equal(refused, N_WAITING);
	for (int i = 0; i < N_WAITING; i++) {
		assert_int_equal(client_read(&waiting[i]), 1);
		assert_null(memmem(waiting[i].in->str, waiting[i].in->len, "101", 3));
		client_free(&waiting[i]);
	}

	/* descriptors free again: accepted and served as before */
	client_connect(&after, port);
	upgrade_and_ping(&after);
	g_string_truncate(first.in, 0);
	client_send_text(&first, "{\"type\":\"ping\",\"id\":8}");
	assert_true(run_until(&first, "\"pong\"", WAIT_S * G_USEC_PER_SEC));
	client_free(&after);
	client_free(&first);
	tz_ws_server_stop(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emfile_no_spin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
