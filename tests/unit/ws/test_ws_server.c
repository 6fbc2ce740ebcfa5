/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The signalling server on a real GLib main loop, driven by a real client:
 * each test runs one scenario of ws_client.py (python3-websockets) against
 * a server on 127.0.0.1 (ephemeral ports, ws:// and wss:// with a
 * self-signed certificate made here with openssl) and a small call manager.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "tz_ws.h"

#define MAX_MESSAGE 8192
#define MAX_RATE 20

struct fixture {
	char *dir;                  /* temp dir: web/, cert.pem, key.pem */
	char *web_root;
	char *cert, *key;
	struct tz_cfg_signalling sig;
	struct tz_cfg_limits lim;
	struct tz_ws_server *srv;
	unsigned opened, closed, logins;
	unsigned send_after_close_ok;
	GPtrArray *kept;            /* conns referenced past on_close */
	bool stop_when_logged_in;   /* test_stop_with_open_connection */
};

static struct fixture fx;

/* --- the call manager stand-in ---------------------------------------- */

static void on_open(struct tz_ws_conn *conn, void *user)
{
	struct fixture *f = user;

	f->opened++;
	assert_non_null(tz_ws_conn_peer(conn));
	assert_true(g_str_has_prefix(tz_ws_conn_peer(conn), "127.0.0.1:"));
}

static void on_login(struct tz_ws_conn *conn, const struct tz_jsep_msg *m)
{
	if (m->token != NULL && strcmp(m->token, "wrong") == 0) {
		tz_ws_send_error_for(conn, m, TZ_JSEP_ERR_AUTH_FAILED,
				     "login: wrong password for '%s'", m->user);
		return;
	}
	assert_int_equal(tz_ws_conn_set_logged_in(conn, m->user), 0);
	fx.logins++;
	assert_int_equal(tz_ws_send_login_ok(conn, m->id, m->user), 0);
}

/* test_stop_with_open_connection: stop once the client is in, from the loop. */
static gboolean stop_server(void *data)
{
	struct fixture *f = data;

	if (f->logins == 0)
		return G_SOURCE_CONTINUE;
	tz_ws_server_stop(f->srv);
	f->srv = NULL;
	assert_int_equal(f->closed, f->opened);
	return G_SOURCE_REMOVE;
}

static void on_message(struct tz_ws_conn *conn, const struct tz_jsep_msg *m, void *user)
{
	switch (m->type) {
	case TZ_JSEP_LOGIN:
		on_login(conn, m);
		break;
	case TZ_JSEP_CALL:
		assert_string_equal(tz_ws_conn_user(conn), "alice");
		assert_int_equal(tz_ws_send_answer(conn, m->call, "v=0 test-answer"), 0);
		assert_int_equal(tz_ws_send_answered(conn, m->call), 0);
		break;
	case TZ_JSEP_HANGUP:
		if (strcmp(m->call, "close-me") == 0)
			assert_int_equal(tz_ws_conn_close(conn, 1000, "bye"), 0);
		else
			tz_ws_send_hangup(conn, m->call, 200, "normal");
		break;
	case TZ_JSEP_LOGOUT:
		break;
	default:
		tz_ws_send_error_for(conn, m, TZ_JSEP_ERR_UNKNOWN_CALL,
				     "call: '%s' is not a call on this connection", m->call);
		break;
	}
}

static void on_close(struct tz_ws_conn *conn, void *user)
{
	struct fixture *f = user;

	f->closed++;
	/* The manager may still hold conn here: sending must be refused, not crash. */
	if (tz_ws_send_ringing(conn, "late") == -ENOTCONN)
		f->send_after_close_ok++;
	/* ... and it may keep it longer with a reference. */
	g_ptr_array_add(f->kept, tz_ws_conn_ref(conn));
}

static const struct tz_ws_handlers handlers = {
	.on_open = on_open,
	.on_message = on_message,
	.on_close = on_close,
};

/* --- set-up ------------------------------------------------------------ */

static void write_file(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *parent = g_path_get_dirname(path);

	assert_int_equal(g_mkdir_with_parents(parent, 0700), 0);
	assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void make_web_root(void)
{
	g_autofree char *secret = g_build_filename(fx.dir, "secret.txt", NULL);
	g_autofree char *link = NULL;

	write_file(fx.dir, "secret.txt", "top secret");
	write_file(fx.web_root, "index.html", "<!doctype html><title>phone</title>");
	write_file(fx.web_root, "app.js", "console.log('hi');");
	write_file(fx.web_root, "mod.mjs", "export const x = 1;");
	write_file(fx.web_root, "style.css", "body { margin: 0 }");
	write_file(fx.web_root, "img/logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
	write_file(fx.web_root, "manifest.json", "{}");
	write_file(fx.web_root, ".hidden", "hidden");
	link = g_build_filename(fx.web_root, "escape.txt", NULL);
	assert_int_equal(symlink(secret, link), 0);
}

static void make_cert(void)
{
	const char *argv[] = {
		"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
		"ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
		"-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
		"-keyout", fx.key, "-out", fx.cert, NULL,
	};
	g_autoptr(GError) err = NULL;
	int status = -1;

	if (!g_spawn_sync(NULL, (char **)argv, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
			  G_SPAWN_STDERR_TO_DEV_NULL,
			  NULL, NULL, NULL, NULL, &status, &err))
		fail_msg("openssl: %s", err->message);
	assert_true(g_spawn_check_wait_status(status, NULL));
}

static int group_setup(void **state)
{
	fx.dir = g_dir_make_tmp("tz-ws-XXXXXX", NULL);
	assert_non_null(fx.dir);
	fx.web_root = g_build_filename(fx.dir, "web", NULL);
	fx.cert = g_build_filename(fx.dir, "cert.pem", NULL);
	fx.key = g_build_filename(fx.dir, "key.pem", NULL);
	make_web_root();
	make_cert();
	fx.sig.http.host = "127.0.0.1";
	fx.sig.https.host = "127.0.0.1";
	fx.sig.tls_cert = fx.cert;
	fx.sig.tls_key = fx.key;
	fx.sig.web_root = fx.web_root;
	fx.lim.ws_max_message = MAX_MESSAGE;
	fx.lim.ws_max_rate = MAX_RATE;
	return 0;
}

static int group_teardown(void **state)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", fx.dir);

	assert_int_equal(system(cmd), 0);
	g_free(fx.web_root);
	g_free(fx.cert);
	g_free(fx.key);
	g_free(fx.dir);
	return 0;
}

static int server_setup(void **state)
{
	fx.opened = fx.closed = fx.logins = fx.send_after_close_ok = 0;
	fx.kept = g_ptr_array_new();
	fx.srv = tz_ws_server_start(&fx.sig, &fx.lim, &handlers, &fx);
	assert_non_null(fx.srv);
	return 0;
}

static int server_teardown(void **state)
{
	tz_ws_server_stop(fx.srv);
	fx.srv = NULL;
	/* Every connection the manager saw open, it also saw close. */
	assert_int_equal(fx.opened, fx.closed);
	assert_int_equal(fx.send_after_close_ok, fx.closed);
	/* A referenced conn outlives the server; sends are refused, not a crash. */
	for (unsigned i = 0; i < fx.kept->len; i++) {
		struct tz_ws_conn *conn = g_ptr_array_index(fx.kept, i);

		assert_int_equal(tz_ws_send_hangup(conn, "c1", 200, "normal"), -ENOTCONN);
		assert_int_equal(tz_ws_conn_close(conn, 1000, NULL), -ENOTCONN);
		tz_ws_conn_unref(conn);
	}
	g_ptr_array_free(fx.kept, TRUE);
	return 0;
}

/* --- running a client scenario on the loop ------------------------------ */

struct child {
	GMainLoop *loop;
	int status;
	bool timed_out;
};

static void child_exited(GPid pid, int status, void *data)
{
	struct child *c = data;

	c->status = status;
	g_spawn_close_pid(pid);
	g_main_loop_quit(c->loop);
}

static gboolean child_timeout(void *data)
{
	struct child *c = data;

	c->timed_out = true;
	g_main_loop_quit(c->loop);
	return G_SOURCE_REMOVE;
}

static void run_scenario(const char *name)
{
	const char *python = getenv("TZ_PYTHON");
	const char *script = getenv("TZ_WS_CLIENT");
	const char *argv[] = { python, script, name, NULL };
	char **env = g_get_environ();
	struct child c = { .loop = g_main_loop_new(NULL, FALSE), .status = -1 };
	g_autoptr(GError) err = NULL;
	char num[32];
	guint timer;
	GPid pid;

	assert_non_null(python);
	assert_non_null(script);
	snprintf(num, sizeof(num), "%d", tz_ws_server_port(fx.srv, false));
	env = g_environ_setenv(env, "TZ_WS_HTTP_PORT", num, TRUE);
	snprintf(num, sizeof(num), "%d", tz_ws_server_port(fx.srv, true));
	env = g_environ_setenv(env, "TZ_WS_HTTPS_PORT", num, TRUE);
	env = g_environ_setenv(env, "TZ_WS_CERT", fx.cert, TRUE);
	snprintf(num, sizeof(num), "%d", MAX_MESSAGE);
	env = g_environ_setenv(env, "TZ_WS_MAX_MESSAGE", num, TRUE);
	snprintf(num, sizeof(num), "%d", MAX_RATE);
	env = g_environ_setenv(env, "TZ_WS_MAX_RATE", num, TRUE);
	if (fx.stop_when_logged_in)
		g_timeout_add(200, stop_server, &fx);
	if (!g_spawn_async(NULL, (char **)argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
			   &pid, &err))
		fail_msg("%s: %s", python, err->message);
	g_child_watch_add(pid, child_exited, &c);
	timer = g_timeout_add_seconds(60, child_timeout, &c);
	g_main_loop_run(c.loop);
	if (c.timed_out) {
		kill(pid, SIGKILL);
		fail_msg("scenario %s: no result within 60 s", name);
	}
	g_source_remove(timer);
	g_main_loop_unref(c.loop);
	g_strfreev(env);
	if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0)
		fail_msg("scenario %s failed (status 0x%x; see its stderr above)", name, c.status);
}

/* Let lws finish closing what the client closed, so on_close has run. */
static void settle(void)
{
	for (int i = 0; i < 50; i++) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		if (fx.opened == fx.closed)
			return;
		g_usleep(10000);
	}
}

#define SCENARIO(name)                                 \
	static void test_##name(void **state)          \
	{                                              \
		run_scenario(#name);                   \
		settle();                              \
	}

SCENARIO(subprotocol)
SCENARIO(login)
SCENARIO(bad_json)
SCENARIO(too_big)
SCENARIO(rate)
SCENARIO(wrong_subprotocol)
SCENARIO(two_conns)
SCENARIO(server_close)
SCENARIO(static)
SCENARIO(wss)

static void test_stop_with_open_connection(void **state)
{
	fx.stop_when_logged_in = true;
	run_scenario("held_open");
	fx.stop_when_logged_in = false;
	assert_null(fx.srv);
	assert_int_equal(fx.opened, 1);
	assert_int_equal(fx.closed, 1);
}

static void test_counters(void **state)
{
	struct tz_ws_stats st;

	run_scenario("bad_json");
	settle();
	tz_ws_server_stats(fx.srv, &st);
	assert_int_equal(st.cnt[TZ_WS_CNT_CONN_OPENED], 1);
	assert_int_equal(st.cnt[TZ_WS_CNT_CONN_OPEN], 0);
	assert_int_equal(st.cnt[TZ_WS_CNT_MSG_IN], 5);
	assert_int_equal(st.errors[TZ_JSEP_ERR_BAD_JSON], 3);
	assert_int_equal(st.errors[TZ_JSEP_ERR_BAD_MESSAGE], 1);
	assert_string_equal(tz_ws_counter_name(TZ_WS_CNT_MSG_IN), "ws_messages_in");
}

/* --- start-up failures --------------------------------------------------- */

static void test_port_in_use(void **state)
{
	struct tz_cfg_signalling sig = fx.sig;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	sig.https.host = NULL;
	sig.http.port = ntohs(sin.sin_port);
	assert_null(tz_ws_server_start(&sig, &fx.lim, &handlers, &fx));
	assert_int_equal(errno, EADDRINUSE);
	close(fd);
}

static void test_bad_config(void **state)
{
	struct tz_cfg_signalling sig = fx.sig;

	sig.http.host = "phone.example";
	assert_null(tz_ws_server_start(&sig, &fx.lim, &handlers, NULL));
	assert_int_equal(errno, EINVAL);
	sig = fx.sig;
	sig.tls_cert = "/nonexistent/cert.pem";
	assert_null(tz_ws_server_start(&sig, &fx.lim, &handlers, NULL));
	assert_int_equal(errno, ENOENT);
	sig = fx.sig;
	sig.tls_key = NULL;
	assert_null(tz_ws_server_start(&sig, &fx.lim, &handlers, NULL));
	assert_int_equal(errno, EINVAL);
	sig = fx.sig;
	sig.tls_cert = fx.key;             /* a key is not a certificate */
	assert_null(tz_ws_server_start(&sig, &fx.lim, &handlers, NULL));
	assert_int_equal(errno, EINVAL);
	sig = fx.sig;
	sig.http.host = sig.https.host = NULL;
	assert_null(tz_ws_server_start(&sig, &fx.lim, &handlers, NULL));
	assert_int_equal(errno, EINVAL);
	sig = fx.sig;
	sig.web_root = "/nonexistent/web";
	assert_null(tz_ws_server_start(&sig, &fx.lim, &handlers, NULL));
	assert_int_equal(errno, ENOENT);
}

static void test_ipv6_listener(void **state)
{
	struct tz_cfg_signalling sig = fx.sig;
	struct tz_ws_server *srv;

	sig.http.host = "::1";
	sig.https.host = NULL;
	srv = tz_ws_server_start(&sig, &fx.lim, &handlers, &fx);
	if (srv == NULL && errno == EADDRNOTAVAIL)
		skip();    /* no IPv6 loopback in this namespace */
	assert_non_null(srv);
	assert_true(tz_ws_server_port(srv, false) > 0);
	assert_int_equal(tz_ws_server_port(srv, true), -ENOENT);
	tz_ws_server_stop(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(test_##name, server_setup, server_teardown)
		T(subprotocol),
		T(login),
		T(bad_json),
		T(too_big),
		T(rate),
		T(wrong_subprotocol),
		T(two_conns),
		T(server_close),
		T(static),
		T(wss),
		T(counters),
		T(stop_with_open_connection),
		/* These start their own servers. */
		cmocka_unit_test(test_port_in_use),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_ipv6_listener),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
