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
#define MAX_QUEUED (1u << 20)     /* limits.ws_max_queued_bytes */
#define PER_IP 3                  /* test_per_ip */
#define MAX_CONNS 4               /* test_server_full */
#define FLOOD_CHUNK 8000          /* bytes per message of the slow-reader flood */

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
	struct tz_ws_conn *watcher; /* test_slow_reader: told when the flood is cut */
	struct tz_ws_conn *flooded;
	guint flood_timer;
	unsigned sip_in;            /* messages on_sip saw */
	unsigned by_tenant[4];      /* opened, by tz_ws_conn_tenant() + 1 */
};

static struct fixture fx;

/* --- the call manager stand-in ---------------------------------------- */

static void on_open(struct tz_ws_conn *conn, void *user)
{
	struct fixture *f = user;

	f->opened++;
	assert_in_range(tz_ws_conn_tenant(conn) + 1, 0, 3);
	f->by_tenant[tz_ws_conn_tenant(conn) + 1]++;
	assert_non_null(tz_ws_conn_peer(conn));
	assert_true(g_str_has_prefix(tz_ws_conn_peer(conn), "127.0.0."));   /* 127/8: test_per_ip */
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

/*
 * test_slow_reader: send FLOOD_CHUNK-byte messages to the flooded peer every
 * millisecond until the server refuses (the peer does not read), then tell
 * the watcher how the flood ended.
 */
static gboolean flood_tick(void *data)
{
	struct fixture *f = data;
	static char sdp[FLOOD_CHUNK];
	int rc = 0;

	if (sdp[0] == '\0') {
		memset(sdp, 'x', sizeof(sdp) - 1);
		sdp[sizeof(sdp) - 1] = '\0';
	}
	for (int i = 0; i < 16 && rc == 0; i++)
		rc = tz_ws_send_answer(f->flooded, "f1", sdp);
	if (rc == 0)
		return G_SOURCE_CONTINUE;
	if (f->watcher != NULL)
		tz_ws_send_hangup(f->watcher, "w1", 200, rc == -ENOBUFS ? "cut" : "gone");
	tz_ws_conn_unref(f->flooded);
	f->flooded = NULL;
	f->flood_timer = 0;
	return G_SOURCE_REMOVE;
}

static bool on_test_call(struct tz_ws_conn *conn, const struct tz_jsep_msg *m)
{
	if (strcmp(m->target, "watch") == 0) {
		fx.watcher = conn;
		return true;
	}
	if (strcmp(m->target, "sip-send") == 0) {
		/* SIP on a jsep connection is refused; the jsep senders still work. */
		int rc = tz_ws_send_sip(conn, "OPTIONS sip:x SIP/2.0\r\n\r\n", 25);

		assert_int_equal(tz_ws_conn_kind(conn), TZ_WS_KIND_JSEP);
		tz_ws_send_hangup(conn, m->call, 200, rc == -EPROTO ? "eproto" : "sent");
		return true;
	}
	if (strcmp(m->target, "flood") == 0) {
		fx.flooded = tz_ws_conn_ref(conn);
		fx.flood_timer = g_timeout_add(1, flood_tick, &fx);
		return true;
	}
	return false;
}

static void on_message(struct tz_ws_conn *conn, const struct tz_jsep_msg *m, void *user)
{
	switch (m->type) {
	case TZ_JSEP_LOGIN:
		on_login(conn, m);
		break;
	case TZ_JSEP_CALL:
		if (on_test_call(conn, m))
			break;
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

/*
 * SIP over WebSocket: echo each message back with tz_ws_send_sip (a text
 * frame); JSON senders must refuse a sip connection.
 */
static void on_sip(struct tz_ws_conn *conn, const char *buf, size_t len, void *user)
{
	struct fixture *f = user;

	f->sip_in++;
	assert_int_equal(tz_ws_conn_kind(conn), TZ_WS_KIND_SIP);
	assert_int_equal(tz_ws_send_ringing(conn, "c1"), -EPROTO);
	assert_int_equal(tz_ws_send_sip(conn, buf, 0), -EINVAL);
	assert_int_equal(tz_ws_send_sip(conn, buf, len), 0);
}

static void on_close(struct tz_ws_conn *conn, void *user)
{
	struct fixture *f = user;

	f->closed++;
	if (f->watcher == conn)
		f->watcher = NULL;
	/* The manager may still hold conn here: sending must be refused, not crash. */
	if (tz_ws_send_ringing(conn, "late") ==
	    (tz_ws_conn_kind(conn) == TZ_WS_KIND_SIP ? -EPROTO : -ENOTCONN))
		f->send_after_close_ok++;
	/* ... and it may keep it longer with a reference. */
	g_ptr_array_add(f->kept, tz_ws_conn_ref(conn));
}

static const struct tz_ws_handlers handlers = {
	.on_open = on_open,
	.on_message = on_message,
	.on_close = on_close,
	.on_sip = on_sip,
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
	g_free(link);
	link = g_build_filename(fx.web_root, "linkdir", NULL);    /* a directory out */
	assert_int_equal(symlink(fx.dir, link), 0);
}

static void make_cert_at(const char *cert, const char *key)
{
	const char *argv[] = {
		"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
		"ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
		"-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
		"-keyout", key, "-out", cert, NULL,
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

static void make_cert(void)
{
	make_cert_at(fx.cert, fx.key);
}

/*
 * An OpenSSL config that allows TLS 1.0 and every cipher, for this process
 * (the server) and the clients it runs: the server's own TLS policy, not the
 * system's openssl.cnf, must be what refuses old versions (test_tls_versions).
 */
static void make_openssl_conf(void)
{
	g_autofree char *path = g_build_filename(fx.dir, "openssl.cnf", NULL);

	write_file(fx.dir, "openssl.cnf",
		   "openssl_conf = default_conf\n"
		   "[default_conf]\nssl_conf = ssl_sect\n"
		   "[ssl_sect]\nsystem_default = system_default_sect\n"
		   "[system_default_sect]\nMinProtocol = TLSv1\n"
		   "CipherString = DEFAULT@SECLEVEL=0\n");
	setenv("OPENSSL_CONF", path, 1);
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
	make_openssl_conf();
	fx.sig.http.host = "127.0.0.1";
	fx.sig.https.host = "127.0.0.1";
	fx.sig.tls_cert = fx.cert;
	fx.sig.tls_key = fx.key;
	fx.sig.web_root = fx.web_root;
	fx.sig.allow_no_origin = true;          /* the config's default */
	fx.lim.ws_max_message = MAX_MESSAGE;
	fx.lim.ws_max_rate = MAX_RATE;
	fx.lim.ws_max_queued_bytes = MAX_QUEUED;
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
	fx.opened = fx.closed = fx.logins = fx.send_after_close_ok = fx.sip_in = 0;
	memset(fx.by_tenant, 0, sizeof(fx.by_tenant));
	fx.kept = g_ptr_array_new();
	fx.srv = tz_ws_server_start(&fx.sig, &fx.lim, &handlers, &fx);
	assert_non_null(fx.srv);
	return 0;
}

/* Restart the server with other settings (the fixture's are restored after). */
static void restart(const struct tz_cfg_signalling *sig, const struct tz_cfg_limits *lim)
{
	tz_ws_server_stop(fx.srv);
	fx.srv = tz_ws_server_start(sig, lim, &handlers, &fx);
	assert_non_null(fx.srv);
}

static int server_teardown(void **state)
{
	if (fx.flood_timer != 0)
		g_source_remove(fx.flood_timer);
	fx.flood_timer = 0;
	if (fx.flooded != NULL)
		tz_ws_conn_unref(fx.flooded);
	fx.flooded = NULL;
	fx.watcher = NULL;
	tz_ws_server_stop(fx.srv);
	fx.srv = NULL;
	/* Every connection the manager saw open, it also saw close. */
	assert_int_equal(fx.opened, fx.closed);
	assert_int_equal(fx.send_after_close_ok, fx.closed);
	/* A referenced conn outlives the server; sends are refused, not a crash. */
	for (unsigned i = 0; i < fx.kept->len; i++) {
		struct tz_ws_conn *conn = g_ptr_array_index(fx.kept, i);

		assert_int_equal(tz_ws_send_hangup(conn, "c1", 200, "normal"),
				 tz_ws_conn_kind(conn) == TZ_WS_KIND_SIP ? -EPROTO : -ENOTCONN);
		assert_true(tz_ws_conn_kind(conn) == TZ_WS_KIND_JSEP ||
			    tz_ws_send_sip(conn, "x", 1) == -ENOTCONN);
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
	snprintf(num, sizeof(num), "%d", PER_IP);
	env = g_environ_setenv(env, "TZ_WS_PER_IP", num, TRUE);
	snprintf(num, sizeof(num), "%d", MAX_CONNS);
	env = g_environ_setenv(env, "TZ_WS_MAX_CONNS", num, TRUE);
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

/* A reload's certificate renewal (issue 13): a pair is checked before it is
 * used, the one in use is "the same", a new one is taken only when applied. */
static void test_cert_reload(void **state)
{
	g_autofree char *cert2 = g_build_filename(fx.dir, "cert2.pem", NULL);
	g_autofree char *key2 = g_build_filename(fx.dir, "key2.pem", NULL);
	g_autofree char *none = g_build_filename(fx.dir, "none.pem", NULL);
	char err[256] = "";

	make_cert_at(cert2, key2);
	assert_int_equal(tz_ws_server_reload_cert(fx.srv, fx.cert, fx.key, true, err,
						  sizeof(err)), 0);
	assert_int_equal(tz_ws_server_reload_cert(fx.srv, cert2, fx.key, true, err,
						  sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "signalling.tls_cert"));
	assert_int_equal(tz_ws_server_reload_cert(fx.srv, none, key2, true, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(tz_ws_server_reload_cert(fx.srv, cert2, key2, false, err, sizeof(err)),
			 1);
	assert_int_equal(tz_ws_server_reload_cert(fx.srv, cert2, key2, false, err, sizeof(err)),
			 1);    /* only checked: still the old one in use */
	assert_int_equal(tz_ws_server_reload_cert(fx.srv, cert2, key2, true, err, sizeof(err)),
			 1);
	assert_int_equal(tz_ws_server_reload_cert(fx.srv, cert2, key2, true, err, sizeof(err)),
			 0);
	assert_int_equal(tz_ws_server_reload_cert(fx.srv, fx.cert, fx.key, true, err,
						  sizeof(err)), 1);
	run_scenario("wss");                    /* and TLS still works */
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


/* --- admission (issue 9) ------------------------------------------------- */

static uint64_t counter(enum tz_ws_counter c)
{
	struct tz_ws_stats st;

	tz_ws_server_stats(fx.srv, &st);
	return st.cnt[c];
}

static void test_origin_list(void **state)
{
	char *origins[] = { "https://phone.example.com", "http://198.51.100.1:8080", NULL };
	struct tz_cfg_signalling sig = fx.sig;

	sig.origins = origins;
	restart(&sig, &fx.lim);
	run_scenario("origin_list");
	settle();
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_ORIGIN), 3);
	assert_int_equal(counter(TZ_WS_CNT_CONN_REFUSED), 3);
	assert_int_equal(counter(TZ_WS_CNT_CONN_OPENED), 4);
}

static void test_origin_default(void **state)
{
	run_scenario("origin_default");
	settle();
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_ORIGIN), 2);
	assert_int_equal(counter(TZ_WS_CNT_CONN_OPENED), 2);
}

static void test_origin_required(void **state)
{
	struct tz_cfg_signalling sig = fx.sig;

	sig.allow_no_origin = false;
	restart(&sig, &fx.lim);
	run_scenario("origin_required");
	settle();
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_ORIGIN), 1);
}

static void test_require_tls(void **state)
{
	struct tz_cfg_signalling sig = fx.sig;

	sig.require_tls = true;
	restart(&sig, &fx.lim);
	run_scenario("require_tls");
	settle();
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_PLAIN), 1);
	assert_int_equal(counter(TZ_WS_CNT_CONN_OPENED), 1);
}

static void test_refusals(void **state)
{
	run_scenario("refusals");
	settle();
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_PATH), 1);
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_SUBPROTOCOL), 1);
	assert_int_equal(counter(TZ_WS_CNT_CONN_REFUSED), 2);
}

static void test_per_ip(void **state)
{
	struct tz_cfg_limits lim = fx.lim;

	lim.ws_connections_per_ip = PER_IP;
	restart(&fx.sig, &lim);
	run_scenario("per_ip");
	settle();
	assert_true(counter(TZ_WS_CNT_REFUSED_PER_IP) >= 1);
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_FULL), 0);
	assert_int_equal(counter(TZ_WS_CNT_CONN_OPEN), 0);
}

static void test_server_full(void **state)
{
	struct tz_cfg_limits lim = fx.lim;

	lim.ws_connections_max = MAX_CONNS;
	restart(&fx.sig, &lim);
	run_scenario("server_full");
	settle();
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_FULL), 1);
	assert_int_equal(counter(TZ_WS_CNT_CONN_OPENED), MAX_CONNS);
}

static void test_slow_reader(void **state)
{
	run_scenario("slow_reader");
	settle();
	assert_int_equal(counter(TZ_WS_CNT_SLOW_READER), 1);
	assert_int_equal(counter(TZ_WS_CNT_SENDQ_OVERFLOW), 0);
	assert_int_equal(counter(TZ_WS_CNT_QUEUED_BYTES), 0);
}

SCENARIO(tls_versions)

/* --- SIP over WebSocket (issue 10, RFC 7118) ------------------------------ */

static void test_sip_handshake(void **state)
{
	run_scenario("sip_handshake");
	settle();
	/* 101 on /, /sip, /ws, /sip?x=1 (also over wss, and "chat, sip",
	 * "sip, trapeze-jsep.v1") */
	assert_int_equal(counter(TZ_WS_CNT_SIP_OPENED), 7);
	assert_int_equal(counter(TZ_WS_CNT_CONN_OPENED), 7);
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_PATH), 3);
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_SUBPROTOCOL), 3);
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_ORIGIN), 1);
	assert_int_equal(counter(TZ_WS_CNT_CONN_REFUSED), 7);
	assert_int_equal(fx.sip_in, 0);
}

static void test_sip_messages(void **state)
{
	run_scenario("sip_messages");
	settle();
	/* text, binary, fragmented text, fragmented binary, after-oversize, wss */
	assert_int_equal(fx.sip_in, 6);
	assert_int_equal(counter(TZ_WS_CNT_SIP_MSG_IN), 6);
	assert_int_equal(counter(TZ_WS_CNT_SIP_MSG_OUT), 6);
	assert_int_equal(counter(TZ_WS_CNT_SIP_KEEPALIVE), 1);
	assert_int_equal(counter(TZ_WS_CNT_SIP_TOO_BIG), 2);
	assert_int_equal(counter(TZ_WS_CNT_SIP_EMPTY), 1);
	assert_int_equal(counter(TZ_WS_CNT_SIP_RATE_LIMITED), 0);
	/* + the pong "\r\n" (ignored) */
	assert_int_equal(counter(TZ_WS_CNT_MSG_IN), 11);
	assert_int_equal(counter(TZ_WS_CNT_SIP_OPENED), 2);
}

static void test_sip_rate(void **state)
{
	run_scenario("sip_rate");
	settle();
	assert_true(counter(TZ_WS_CNT_SIP_RATE_LIMITED) >= 1);
	/* every message was either passed up or dropped for the rate, none closed us */
	assert_int_equal(counter(TZ_WS_CNT_SIP_RATE_LIMITED) + counter(TZ_WS_CNT_SIP_MSG_IN),
			 counter(TZ_WS_CNT_MSG_IN));
	assert_int_equal(counter(TZ_WS_CNT_SIP_OPENED), 1);
	assert_int_equal(fx.sip_in, counter(TZ_WS_CNT_SIP_MSG_IN));
}

SCENARIO(sip_on_jsep)

static void test_sip_disabled(void **state)
{
	char *none[] = { NULL };
	struct tz_cfg_signalling sig = fx.sig;

	sig.sip_paths = none;
	restart(&sig, &fx.lim);
	run_scenario("sip_disabled");
	settle();
	assert_int_equal(counter(TZ_WS_CNT_SIP_OPENED), 0);
	assert_int_equal(counter(TZ_WS_CNT_CONN_OPENED), 1);
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_SUBPROTOCOL), 1);
}

static void test_sip_paths_own(void **state)
{
	char *paths[] = { "/phone/sip", NULL };
	struct tz_cfg_signalling sig = fx.sig;

	sig.sip_paths = paths;
	restart(&sig, &fx.lim);
	run_scenario("sip_paths_own");
	settle();
	assert_int_equal(counter(TZ_WS_CNT_SIP_OPENED), 1);
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_PATH), 1);
}

/* --- tenants (issue 11): the WebSocket's tenant ----------------------------- */

static char *acme_origins[] = { "https://www.acme.example", NULL };
static char *acme_hosts[] = { "acme.webrtc.example.net", NULL };
static char *acme_paths[] = { "/acme", NULL };
static char *globex_origins[] = { "https://phone.globex.example:8443", NULL };
static char *globex_hosts[] = { "globex.example.net", NULL };
static char *globex_paths[] = { "/globex", NULL };
static const struct tz_cfg_tenant tenants[] = {
	{ .name = "default" },
	{ .name = "acme", .origins = acme_origins, .hosts = acme_hosts, .paths = acme_paths },
	{ .name = "globex", .origins = globex_origins, .hosts = globex_hosts,
	  .paths = globex_paths },
};
#define N_TENANTS (sizeof(tenants) / sizeof(tenants[0]))

/* The tenants' origins may open the WebSocket besides signalling.origins. */
static void test_tenant_origins(void **state)
{
	char *origins[] = { "https://phone.example.com", NULL };
	struct tz_cfg_signalling sig = fx.sig;

	sig.origins = origins;
	restart(&sig, &fx.lim);
	assert_int_equal(tz_ws_server_set_tenants(fx.srv, tenants, N_TENANTS), 0);
	run_scenario("tenant_origins");
	settle();
	assert_int_equal(counter(TZ_WS_CNT_CONN_OPENED), 3);
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_ORIGIN), 2);
	assert_int_equal(fx.by_tenant[1 + 1], 1);    /* acme's page */
	assert_int_equal(fx.by_tenant[2 + 1], 1);    /* globex's page */
	assert_int_equal(fx.by_tenant[0], 1);        /* signalling.origins: no tenant */
}

/* Origin, Host or path select the tenant (tz_ws_conn_tenant); two tenants: 403. */
static void test_tenant_select(void **state)
{
	assert_int_equal(tz_ws_server_set_tenants(fx.srv, tenants, N_TENANTS), 0);
	run_scenario("tenant_select");
	settle();
	assert_int_equal(fx.by_tenant[1 + 1], 4);
	assert_int_equal(fx.by_tenant[2 + 1], 2);
	assert_int_equal(fx.by_tenant[0], 1);
	assert_int_equal(fx.by_tenant[0 + 1], 0);    /* the default tenant has no selectors */
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_TENANT), 3);
	assert_int_equal(counter(TZ_WS_CNT_CONN_REFUSED), 3);
	assert_string_equal(tz_ws_counter_name(TZ_WS_CNT_REFUSED_TENANT),
			    "ws_refused_tenant_mismatch");
	assert_int_equal(tz_ws_conn_tenant(NULL), -1);
}

/* A tenant's paths take both subprotocols. */
static void test_tenant_paths(void **state)
{
	assert_int_equal(tz_ws_server_set_tenants(fx.srv, tenants, N_TENANTS), 0);
	run_scenario("tenant_paths");
	settle();
	assert_int_equal(counter(TZ_WS_CNT_CONN_OPENED), 6);
	assert_int_equal(counter(TZ_WS_CNT_SIP_OPENED), 3);
	assert_int_equal(fx.by_tenant[1 + 1], 4);
	assert_int_equal(fx.by_tenant[2 + 1], 2);
	assert_int_equal(counter(TZ_WS_CNT_REFUSED_PATH), 2);
}

/* A tenant origin that is not one is refused; the old selectors stay. */
static void test_tenant_bad_origin(void **state)
{
	char *bad[] = { "ftp://files.example", NULL };
	struct tz_cfg_tenant t[] = { { .name = "default" }, { .name = "x", .origins = bad } };

	assert_int_equal(tz_ws_server_set_tenants(fx.srv, t, 2), -EINVAL);
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
	sig = fx.sig;
	sig.origins = (char *[]){ "https://ok.example", "ftp://files.example", NULL };
	assert_null(tz_ws_server_start(&sig, &fx.lim, &handlers, NULL));
	assert_int_equal(errno, EINVAL);
	sig = fx.sig;
	sig.sip_paths = (char *[]){ "/sip", "sip", NULL };
	assert_null(tz_ws_server_start(&sig, &fx.lim, &handlers, NULL));
	assert_int_equal(errno, EINVAL);
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
		T(cert_reload),
		T(origin_list),
		T(origin_default),
		T(origin_required),
		T(require_tls),
		T(refusals),
		T(per_ip),
		T(server_full),
		T(slow_reader),
		T(tls_versions),
		T(sip_handshake),
		T(sip_messages),
		T(sip_rate),
		T(sip_on_jsep),
		T(sip_disabled),
		T(sip_paths_own),
		T(tenant_origins),
		T(tenant_select),
		T(tenant_paths),
		T(tenant_bad_origin),
		/* These start their own servers. */
		cmocka_unit_test(test_port_in_use),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_ipv6_listener),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
