/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket with real clients: the socket file (directory, mode,
 * group, stale and live sockets), many clients at once, and clients that
 * misbehave (garbage, a 1 MB line, leaving mid-request, never reading).
 */
#include <errno.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "cli_test_cmds.h"
#include "cli_test_server.h"
#include "tz_cli.h"

#define PORTS_REPLY "{\"ok\":true,\"result\":[{\"port\":0,\"name\":\"access\"," \
	"\"driver\":\"net_af_xdp\",\"rx_pkts\":123456,\"rx_mbps\":9.5,\"link\":\"up\"}," \
	"{\"port\":1,\"name\":\"core\",\"driver\":\"net_tap\",\"rx_pkts\":7," \
	"\"rx_mbps\":null,\"link\":\"down\"}]}"

static int group_setup(void **state)
{
	return cli_test_register();
}

static int setup(void **state)
{
	*state = cli_test_server_start(NULL, 0660, NULL);
	return *state == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	cli_test_server_stop(*state);
	return 0;
}

static const char *path_of(void **state)
{
	return cli_test_server_path(*state);
}

/*
 * A counter from "show cli", asked on a fresh connection.  Clients the test
 * just closed may still hold slots until the server has seen them go, so a
 * "too many clients" refusal is retried.
 */
static long counter(void **state, const char *name)
{
	for (int tries = 0; tries < 500; tries++) {
		int fd = cli_test_connect(path_of(state));
		char *reply = cli_test_call(fd, "{\"line\": \"show cli\"}");
		JsonObject *o = cli_test_parse_reply(reply);
		long v = -1;

		if (json_object_get_boolean_member(o, "ok"))
			v = (long)json_object_get_int_member(
				json_object_get_object_member(o, "result"), name);
		json_object_unref(o);
		g_free(reply);
		close(fd);
		if (v >= 0)
			return v;
		g_usleep(10000);
	}
	fail_msg("no counters from \"show cli\"");
	return -1;
}

static void test_socket_file(void **state)
{
	struct group *gr = getgrgid(getegid());
	struct cli_test_server *s;
	struct stat st, dst;
	char *dir;

	assert_non_null(gr);
	s = cli_test_server_start(NULL, 0660, gr->gr_name);
	assert_non_null(s);
	dir = g_path_get_dirname(cli_test_server_path(s));
	assert_int_equal(lstat(cli_test_server_path(s), &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, gr->gr_gid);
	assert_int_equal(stat(dir, &dst), 0);
	assert_int_equal(dst.st_mode & 0777, 0755);
	cli_test_server_stop(s);
	g_free(dir);
}

static void test_unknown_group(void **state)
{
	char path[] = "/tmp/tz-cli-test-XXXXXX";
	char *sock = g_build_filename(g_mkdtemp(path), "s.sock", NULL);

	assert_null(cli_test_server_start(sock, 0660, "no-such-group-tz"));
	assert_int_equal(errno, ENOENT);
	assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));    /* cleaned up */
	g_rmdir(path);
	g_free(sock);
}

/* A socket file nobody listens on any more, as a crashed daemon leaves. */
static void make_stale_socket(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	g_strlcpy(a.sun_path, path, sizeof(a.sun_path));
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	close(fd);
}

static void test_stale_and_live_socket(void **state)
{
	char dir[] = "/tmp/tz-cli-test-XXXXXX";
	char *sock = g_build_filename(g_mkdtemp(dir), "s.sock", NULL);
	struct cli_test_server *s, *t;
	int fd;

	make_stale_socket(sock);
	s = cli_test_server_start(sock, 0600, NULL);
	assert_non_null(s);                             /* stale one replaced */
	fd = cli_test_connect(sock);
	assert_true(fd >= 0);
	close(fd);
	cli_test_server_stop(s);
	assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));

	/* Somebody else answers there: leave it alone. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	make_stale_socket(sock);
	unlink(sock);
	{
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		g_strlcpy(a.sun_path, sock, sizeof(a.sun_path));
		assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(listen(fd, 1), 0);
	}
	t = cli_test_server_start(sock, 0600, NULL);
	assert_null(t);
	assert_int_equal(errno, EADDRINUSE);
	assert_true(g_file_test(sock, G_FILE_TEST_EXISTS));
	close(fd);
	unlink(sock);

	/* Not a socket at all: never removed. */
	assert_true(g_file_set_contents(sock, "data", -1, NULL));
	assert_null(cli_test_server_start(sock, 0600, NULL));
	assert_int_equal(errno, EEXIST);
	unlink(sock);
	g_rmdir(dir);
	g_free(sock);
}

static void test_request_reply(void **state)
{
	int fd = cli_test_connect(path_of(state));
	char *r;

	assert_true(fd >= 0);
	r = cli_test_call(fd, "{\"cmd\": \"show ports\"}");
	assert_string_equal(r, PORTS_REPLY);
	g_free(r);
	r = cli_test_call(fd, "{\"line\": \"shw ports\", \"id\": \"a1\"}");
	assert_string_equal(r, "{\"ok\":false,\"id\":\"a1\",\"error\":\"unknown command "
			       "\\\"shw ports\\\"; did you mean \\\"show ports\\\"?\"}");
	g_free(r);
	/* Errors in a command keep the connection; CRLF is fine too. */
	r = cli_test_call(fd, "{\"line\": \"test echo x\"}\r");
	assert_string_equal(r, "{\"ok\":true,\"result\":[\"x\"]}");
	g_free(r);
	close(fd);
}

static void test_pipelined(void **state)
{
	static const char reqs[] = "{\"line\":\"test echo 1\"}\n{\"line\":\"test echo 2\"}\n"
				   "{\"line\":\"test echo 3\"}\n";
	int fd = cli_test_connect(path_of(state));

	assert_int_equal(cli_test_send(fd, reqs, strlen(reqs)), 0);
	for (int i = 1; i <= 3; i++) {
		char *want = g_strdup_printf("{\"ok\":true,\"result\":[\"%d\"]}", i);
		char *r = cli_test_read_line(fd);

		assert_non_null(r);
		assert_string_equal(r, want);
		g_free(r);
		g_free(want);
	}
	close(fd);
}

#define CLIENTS 16
#define ROUNDS 50

static gpointer client_thread(gpointer data)
{
	const char *path = data;
	int fd = cli_test_connect(path);
	unsigned ok = 0;

	for (int i = 0; fd >= 0 && i < ROUNDS; i++) {
		char *req = g_strdup_printf("{\"cmd\": \"test echo\", \"args\": [\"%p\", \"%d\"]}",
					    (void *)g_thread_self(), i);
		char *want = g_strdup_printf("{\"ok\":true,\"result\":[\"%p\",\"%d\"]}",
					     (void *)g_thread_self(), i);
		char *r = cli_test_call(fd, req);

		ok += r != NULL && strcmp(r, want) == 0;
		g_free(r);
		g_free(want);
		g_free(req);
	}
	if (fd >= 0)
		close(fd);
	return GUINT_TO_POINTER(ok);
}

static void test_concurrent_clients(void **state)
{
	GThread *th[CLIENTS];
	int idle[CLIENTS];

	/* Clients that connect and sit there must not hold the others up. */
	for (int i = 0; i < CLIENTS; i++)
		idle[i] = cli_test_connect(path_of(state));
	for (int i = 0; i < CLIENTS; i++)
		th[i] = g_thread_new("client", client_thread, (gpointer)path_of(state));
	for (int i = 0; i < CLIENTS; i++)
		assert_int_equal(GPOINTER_TO_UINT(g_thread_join(th[i])), ROUNDS);
	for (int i = 0; i < CLIENTS; i++) {
		char *r = cli_test_call(idle[i], "{\"line\":\"test\"}");

		assert_string_equal(r, "{\"ok\":true,\"result\":{\"argc\":0}}");
		g_free(r);
		close(idle[i]);
	}
}

static void assert_dropped_with(int fd, const char *error_start)
{
	char *r = cli_test_read_line(fd);
	JsonObject *o;

	assert_non_null(r);
	o = cli_test_parse_reply(r);
	assert_false(json_object_get_boolean_member(o, "ok"));
	assert_true(g_str_has_prefix(json_object_get_string_member(o, "error"), error_start));
	json_object_unref(o);
	g_free(r);
	cli_test_assert_eof(fd);
}

static void test_garbage(void **state)
{
	static const char binary[] = "\x00\xff\xfe{\"line\"\x01\n";
	long bad = counter(state, "bad_requests");
	int fd = cli_test_connect(path_of(state));

	assert_int_equal(cli_test_send(fd, "hello world\n", 12), 0);
	assert_dropped_with(fd, "bad request: not JSON");
	close(fd);
	fd = cli_test_connect(path_of(state));
	assert_int_equal(cli_test_send(fd, binary, sizeof(binary) - 1), 0);
	assert_dropped_with(fd, "bad request: not UTF-8");
	close(fd);
	assert_int_equal(counter(state, "bad_requests"), bad + 2);
}

struct flood {
	int fd;
	size_t len;
};

static gpointer flood_thread(gpointer data)
{
	struct flood *f = data;
	char *big = g_strnfill(f->len, 'x');

	/* The server stops reading and closes: EPIPE/ECONNRESET are expected. */
	cli_test_send(f->fd, big, f->len);
	g_free(big);
	return NULL;
}

static void test_oversize_line(void **state)
{
	struct flood f = { .len = 1 << 20 };
	long too_long = counter(state, "too_long");
	GThread *th;

	f.fd = cli_test_connect(path_of(state));
	th = g_thread_new("flood", flood_thread, &f);
	assert_dropped_with(f.fd, "bad request: line longer than 65536 bytes");
	g_thread_join(th);
	close(f.fd);
	assert_int_equal(counter(state, "too_long"), too_long + 1);
}

static void test_leave_mid_request(void **state)
{
	int fd = cli_test_connect(path_of(state));
	char *r;

	/* Half a request, then gone. */
	assert_int_equal(cli_test_send(fd, "{\"line\": \"show po", 18), 0);
	close(fd);
	/* A whole request, gone before the reply. */
	fd = cli_test_connect(path_of(state));
	assert_int_equal(cli_test_send(fd, "{\"line\": \"help\"}\n", 17), 0);
	close(fd);
	/* A client that sends much and never reads: replies back up, no harm. */
	fd = cli_test_connect(path_of(state));
	for (int i = 0; i < 100000; i++)
		if (send(fd, "{\"line\":\"help\"}\n", 16, MSG_DONTWAIT | MSG_NOSIGNAL) != 16)
			break;          /* the server has stopped reading us */
	close(fd);
	/* Still serving. */
	fd = cli_test_connect(path_of(state));
	r = cli_test_call(fd, "{\"cmd\": \"show ports\"}");
	assert_string_equal(r, PORTS_REPLY);
	g_free(r);
	close(fd);
	assert_int_equal(counter(state, "clients"), 1);
}

static void test_too_many_clients(void **state)
{
	int fds[64 + 1];
	long rejected = counter(state, "rejected");
	char *r;

	for (int i = 0; i < 64; i++) {
		fds[i] = cli_test_connect(path_of(state));
		assert_true(fds[i] >= 0);
		r = cli_test_call(fds[i], "{\"line\":\"test\"}");     /* surely accepted */
		assert_non_null(r);
		g_free(r);
	}
	fds[64] = cli_test_connect(path_of(state));
	assert_dropped_with(fds[64], "too many control socket clients");
	for (int i = 0; i <= 64; i++)
		close(fds[i]);
	/* At least: counter() itself may be refused until the closes are seen. */
	assert_true(counter(state, "rejected") >= rejected + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_file),
		cmocka_unit_test(test_unknown_group),
		cmocka_unit_test(test_stale_and_live_socket),
		cmocka_unit_test_setup_teardown(test_request_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leave_mid_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_clients, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
