/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP TLS certificate reload (issue 13): the agent listens for TLS on
 * 127.0.0.1 with certificate A (files at fixed names in a temp dir, as an
 * ACME client renews them); an OpenSSL client sees A; the files are
 * replaced by certificate B and tz_sip_tls_reload() applies them; a new
 * connection sees B while the first one still carries an OPTIONS and its
 * answer, and the call set up over it before the reload ends normally
 * (the trunk's BYE is answered 200).  A broken certificate, a key of
 * another certificate, a key of another type and a missing CA file are
 * refused with a message naming the key, and new connections still see B.  A trunk CA added by a reload is used for the
 * next outgoing TLS connection (an `openssl s_server` plays the trunk), and
 * that connection presents certificate B when the trunk asks for one.
 * Certificates A and B come with their issuer (full chain files): the whole
 * chain is presented from the start and after a reload (sofia alone sends
 * only the first certificate of the file).
 * Ports: free ones found at start; files: a temp dir of the test's own.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tz_log.h"
#include "tz_sip.h"
#include "sip_test_loop.h"

static struct {
	char *dir, *cert, *key, *ca, *tls_dir;
	uint16_t port, trunk_port;
	struct tz_cfg_hostport listen_on;
	struct tz_cfg_trunk trunk;
	struct tz_cfg_sip cfg;
	struct tz_sip *sip;
	SSL_CTX *client_ctx;
	GPid server;
	int server_in;
	int ended, incoming;
} w;

/* One TLS client, driven from its own thread (blocking OpenSSL) while the
 * test's thread runs the agent's loop. */
struct client {
	int fd;
	SSL *ssl;
	char cn[64];
	long serial;
	int chain;              /* certificates the server sent */
	char reply[4096];
	int cseq;
	char to_tag[64];        /* the call's, from our INVITE's 200 */
	gint done;
	bool ok;
	GThread *t;
};

static int run(const char *cmd)
{
	int status = -1;

	if (!g_spawn_command_line_sync(cmd, NULL, NULL, &status, NULL))
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *path(const char *name)
{
	return g_build_filename(w.dir, name, NULL);
}

/* A certificate NAME.pem / NAME.key for @p cn (CN and DNS name) and
 * 127.0.0.1, serial @p serial: self-signed, or issued by @p ca (CA.pem /
 * CA.key) and followed by it in NAME.pem (a full chain, as ACME gives). */
static void make_cert(const char *name, const char *cn, const char *keyopt, unsigned serial,
		      const char *ca)
{
	g_autofree char *c = g_strdup_printf("%s/%s.pem", w.dir, name);
	g_autofree char *k = g_strdup_printf("%s/%s.key", w.dir, name);
	g_autofree char *by = ca ? g_strdup_printf("-CA %1$s/%2$s.pem -CAkey %1$s/%2$s.key "
						   "-addext basicConstraints=CA:FALSE", w.dir, ca)
				 : g_strdup("");
	g_autofree char *cmd = g_strdup_printf(
		"openssl req -x509 -newkey %s -nodes -days 2 -set_serial %u -subj /CN=%s "
		"-addext subjectAltName=DNS:%s,IP:127.0.0.1 %s -keyout %s -out %s", keyopt, serial,
		cn, cn, by, k, c);
	g_autofree char *append = ca ? g_strdup_printf("sh -c 'cat %1$s/%2$s.pem >> %3$s'", w.dir,
						       ca, c) : NULL;

	assert_int_equal(run(cmd), 0);
	if (append != NULL)
		assert_int_equal(run(append), 0);
}

/* Put NAME's certificate and key at the configured paths, the way certbot
 * does (a new file renamed over the old: readers see one or the other). */
static void install(const char *cert_name, const char *key_name)
{
	g_autofree char *cmd = g_strdup_printf(
		"sh -c 'cp %1$s/%2$s.pem %1$s/new.pem && mv %1$s/new.pem %3$s && "
		"cp %1$s/%4$s.key %1$s/new.key && mv %1$s/new.key %5$s'", w.dir, cert_name, w.cert,
		key_name, w.key);

	assert_int_equal(run(cmd), 0);
}

static gpointer do_connect(gpointer arg)
{
	struct client *c = arg;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(w.port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	X509 *peer;

	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		goto out;
	c->ssl = SSL_new(w.client_ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1 || SSL_connect(c->ssl) != 1)
		goto out;
	peer = SSL_get1_peer_certificate(c->ssl);
	if (peer == NULL)
		goto out;
	X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, c->cn,
				  sizeof(c->cn));
	c->serial = ASN1_INTEGER_get(X509_get0_serialNumber(peer));
	c->chain = sk_X509_num(SSL_get_peer_cert_chain(c->ssl));
	X509_free(peer);
	c->ok = true;
out:
	g_atomic_int_set(&c->done, 1);
	return NULL;
}

/* An OPTIONS over the connection and the answer's head. */
static bool read_until(struct client *c, const char *needle);

/* c->reply from the response holding @p needle (a body read earlier may precede it). */
static void keep_response_with(struct client *c, const char *needle)
{
	char *end = strstr(c->reply, needle), *start = NULL;

	for (char *p = c->reply; end != NULL && (p = strstr(p, "SIP/2.0 ")) != NULL && p < end;
	     p++)
		start = p;
	if (start != NULL)
		memmove(c->reply, start, strlen(start) + 1);
}

/* An OPTIONS over the connection and the answer's head. */
static gpointer do_options(gpointer arg)
{
	struct client *c = arg;
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	g_autofree char *req = NULL;
	char needle[32];

	getsockname(c->fd, (struct sockaddr *)&me, &len);
	c->cseq++;
	req = g_strdup_printf(
		"OPTIONS sip:127.0.0.1:%u;transport=tls SIP/2.0\r\n"
		"Via: SIP/2.0/TLS 127.0.0.1:%u;branch=z9hG4bK-tz-%d-%d\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=t%d\r\n"
		"To: <sip:127.0.0.1>\r\nCall-ID: tz-reload-%d-%d@127.0.0.1\r\n"
		"CSeq: %d OPTIONS\r\nContent-Length: 0\r\n\r\n", w.port, ntohs(me.sin_port),
		c->fd, c->cseq, c->fd, c->fd, c->cseq, c->cseq);
	g_snprintf(needle, sizeof(needle), "CSeq: %d OPTIONS", c->cseq);
	if (SSL_write(c->ssl, req, (int)strlen(req)) > 0 && read_until(c, needle)) {
		keep_response_with(c, needle);
		c->ok = true;
	}
	g_atomic_int_set(&c->done, 1);
	return NULL;
}

/* Read until @p needle and the end of that message's head are in c->reply. */
static bool read_until(struct client *c, const char *needle)
{
	size_t got = 0;
	const char *at;

	c->reply[0] = '\0';
	for (;;) {
		at = strstr(c->reply, needle);
		if (at != NULL && strstr(at, "\r\n\r\n") != NULL)
			return true;
		if (got >= sizeof(c->reply) - 1) {
			/* keep the tail: the message sought may straddle */
			memmove(c->reply, c->reply + got / 2, got - got / 2 + 1);
			got -= got / 2;
		}
		int n = SSL_read(c->ssl, c->reply + got, (int)(sizeof(c->reply) - 1 - got));

		if (n <= 0)
			return false;
		got += (size_t)n;
		c->reply[got] = '\0';
	}
}

static bool send_request(struct client *c, const char *method, int cseq, const char *to_tag,
			 const char *body)
{
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	g_autofree char *req = NULL;

	getsockname(c->fd, (struct sockaddr *)&me, &len);
	req = g_strdup_printf(
		"%s sip:15550000@127.0.0.1:%u;transport=tls SIP/2.0\r\n"
		"Via: SIP/2.0/TLS 127.0.0.1:%u;branch=z9hG4bK-call-%s-%d\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:trunk@127.0.0.1>;tag=call%d\r\n"
		"To: <sip:15550000@127.0.0.1>%s%s\r\nCall-ID: tz-reload-call-%d@127.0.0.1\r\n"
		"CSeq: %d %s\r\nContact: <sip:trunk@127.0.0.1:%u;transport=tls>\r\n"
		"%sContent-Length: %zu\r\n\r\n%s", method, w.port, ntohs(me.sin_port), method,
		cseq, c->fd, to_tag ? ";tag=" : "", to_tag ? to_tag : "", c->fd, cseq, method,
		ntohs(me.sin_port), body ? "Content-Type: application/sdp\r\n" : "",
		body ? strlen(body) : 0, body ? body : "");
	return SSL_write(c->ssl, req, (int)strlen(req)) > 0;
}

static const char offer[] =
	"v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 17000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

/* A call from the trunk over this connection: INVITE, its 200, ACK. */
static gpointer do_invite(gpointer arg)
{
	struct client *c = arg;
	const char *to, *tag;

	c->to_tag[0] = '\0';
	if (!send_request(c, "INVITE", 1, NULL, offer) || !read_until(c, "SIP/2.0 200 "))
		goto out;
	to = strstr(strstr(c->reply, "SIP/2.0 200 "), "\r\nTo:");
	tag = to ? strstr(to, ";tag=") : NULL;
	if (tag == NULL)
		goto out;
	tag += 5;
	g_strlcpy(c->to_tag, tag, MIN(sizeof(c->to_tag), strcspn(tag, ";\r\n") + 1));
	c->ok = send_request(c, "ACK", 1, c->to_tag, NULL);
out:
	g_atomic_int_set(&c->done, 1);
	return NULL;
}

/* The trunk hangs the call up over this connection: BYE and its 200. */
static gpointer do_bye(gpointer arg)
{
	struct client *c = arg;

	c->ok = send_request(c, "BYE", 2, c->to_tag, NULL) && read_until(c, "CSeq: 2 BYE");
	if (c->ok)
		keep_response_with(c, "CSeq: 2 BYE");
	c->ok = c->ok && g_str_has_prefix(c->reply, "SIP/2.0 200 ");
	g_atomic_int_set(&c->done, 1);
	return NULL;
}

/* Run @p fn on @p c's thread while the agent's loop runs here. */
static bool client_run(struct client *c, GThreadFunc fn)
{
	c->ok = false;
	g_atomic_int_set(&c->done, 0);
	c->t = g_thread_new("client", fn, c);
	WAIT_FOR(g_atomic_int_get(&c->done), 10);
	if (!g_atomic_int_get(&c->done))
		fail_msg("the TLS client got no answer in 10 s");
	g_thread_join(c->t);
	return c->ok;
}

static void client_close(struct client *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	memset(c, 0, sizeof(*c));
}

/* A new connection: the certificate the agent presents (CN, serial). */
static void expect_new_connection_sees(const char *cn, long serial)
{
	struct client c = { .fd = -1 };

	assert_true(client_run(&c, do_connect));
	assert_string_equal(c.cn, cn);
	assert_int_equal(c.serial, serial);
	assert_int_equal(c.chain, 2);    /* with its issuer */
	client_close(&c);
}

static void expect_options_answered(struct client *c)
{
	assert_true(client_run(c, do_options));
	print_message("OPTIONS answer: %.40s\n", c->reply);
	assert_true(g_str_has_prefix(c->reply, "SIP/2.0 200 "));
}

static int reload(bool apply, char *err, size_t errlen)
{
	err[0] = '\0';
	return tz_sip_tls_reload(w.sip, &w.cfg, apply, err, errlen);
}

static int group_setup(void **state)
{
	g_autofree char *cp = NULL;

	(void)state;
	uint16_t ports[2];

	assert_true(sip_test_free_ports(ports, 2));
	w.port = ports[0];
	w.trunk_port = ports[1];
	w.dir = g_dir_make_tmp("tz-sip-tls-reload-XXXXXX", NULL);
	assert_non_null(w.dir);
	w.cert = path("sip.pem");
	w.key = path("sip.key");
	w.ca = path("ca.pem");
	w.tls_dir = path("run");
	make_cert("tz-ca", "tz-ca", "ec -pkeyopt ec_paramgen_curve:P-256", 0x99, NULL);
	make_cert("tz-a", "tz-a", "ec -pkeyopt ec_paramgen_curve:P-256", 0xa1, "tz-ca");
	make_cert("tz-b", "tz-b", "ec -pkeyopt ec_paramgen_curve:P-256", 0xb2, "tz-ca");
	make_cert("tz-rsa", "tz-rsa", "rsa:2048", 0xc3, NULL);
	/* sofia checks a trunk's host against CN and DNS names only */
	make_cert("trunk", "127.0.0.1", "ec -pkeyopt ec_paramgen_curve:P-256", 0xd4, NULL);
	install("tz-a", "tz-a");
	cp = g_strdup_printf("cp /etc/ssl/certs/ca-certificates.crt %s", w.ca);
	assert_int_equal(run(cp), 0);
	w.client_ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(w.client_ctx);
	SSL_CTX_set_verify(w.client_ctx, SSL_VERIFY_NONE, NULL);

	w.listen_on = (struct tz_cfg_hostport){ .host = "127.0.0.1", .port = w.port };
	/* 127.0.0.1 is a trunk: its OPTIONS pass the source check (200) */
	w.trunk = (struct tz_cfg_trunk){
		.name = "tls-trunk",
		.address = { .host = "127.0.0.1", .port = w.trunk_port },
		.transport = TZ_SIP_TLS,
		.tls_verify = true,
		.answer_timeout_s = 3,
	};
	w.cfg = (struct tz_cfg_sip){
		.listen = &w.listen_on, .n_listen = 1, .transports = TZ_SIP_UDP | TZ_SIP_TLS,
		.tls_cert = w.cert, .tls_key = w.key, .tls_ca = w.ca, .tls_dir = w.tls_dir,
		.trunks = &w.trunk, .n_trunks = 1, .max_requests_per_source = 100,
	};
	return 0;
}

static int group_teardown(void **state)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf %s", w.dir);

	(void)state;
	SSL_CTX_free(w.client_ctx);
	run(cmd);
	g_free(w.dir), g_free(w.cert), g_free(w.key), g_free(w.ca), g_free(w.tls_dir);
	return 0;
}

static void on_ended(struct tz_sip_leg *leg, int status, const char *reason, void *user)
{
	(void)status, (void)reason, (void)user;
	w.ended++;
	tz_sip_leg_free(leg);
}

static void on_incoming(struct tz_sip_leg *leg, const char *to_user, const char *from_uri,
			const char *display, const char *sdp, void *user)
{
	(void)to_user, (void)from_uri, (void)display, (void)sdp, (void)user;
	w.incoming++;
	assert_int_equal(tz_sip_leg_answer(leg, offer), 0);
}

static const struct tz_sip_handlers handlers = { .on_ended = on_ended,
						 .on_incoming = on_incoming };

static void test_cert_renewed_connections_kept(void **state)
{
	struct client first = { .fd = -1 }, second = { .fd = -1 };
	char err[256];

	(void)state;
	w.sip = tz_sip_start(&w.cfg, &handlers, NULL);
	assert_non_null(w.sip);

	assert_true(client_run(&first, do_connect));
	assert_string_equal(first.cn, "tz-a");
	assert_int_equal(first.serial, 0xa1);
	assert_int_equal(first.chain, 2);   /* sip.tls_cert's chain, not only the first */
	expect_options_answered(&first);
	/* a call over that connection, up before the reload */
	assert_true(client_run(&first, do_invite));
	assert_int_equal(w.incoming, 1);
	assert_true(first.to_tag[0] != '\0');

	/* Nothing changed on disk: nothing to do. */
	assert_int_equal(reload(false, err, sizeof(err)), 0);

	install("tz-b", "tz-b");
	assert_int_equal(reload(false, err, sizeof(err)), TZ_SIP_TLS_CERT_RENEWED);
	expect_new_connection_sees("tz-a", 0xa1);      /* a dry run changes nothing */
	assert_int_equal(reload(true, err, sizeof(err)), TZ_SIP_TLS_CERT_RENEWED);
	assert_int_equal(reload(false, err, sizeof(err)), 0);

	assert_true(client_run(&second, do_connect));
	assert_string_equal(second.cn, "tz-b");
	assert_int_equal(second.serial, 0xb2);
	assert_int_equal(second.chain, 2);
	expect_options_answered(&second);
	/* The connection made before the reload is still up and served. */
	expect_options_answered(&first);
	assert_string_equal(first.cn, "tz-a");
	/* the call made before the reload is up and ends normally: BYE, 200 */
	assert_int_equal(w.ended, 0);
	assert_true(client_run(&first, do_bye));
	WAIT_FOR(w.ended == 1, 5);
	assert_int_equal(w.ended, 1);
	w.ended = 0;

	client_close(&second);
	client_close(&first);
}

static void test_bad_files_refused(void **state)
{
	char err[256];
	g_autofree char *cmd = NULL;

	(void)state;
	/* not PEM at all */
	cmd = g_strdup_printf("sh -c 'echo garbage > %s'", w.cert);
	assert_int_equal(run(cmd), 0);
	assert_int_equal(reload(false, err, sizeof(err)), -EINVAL);
	print_message("refused: %s\n", err);
	assert_non_null(strstr(err, "sip.tls_cert"));
	assert_non_null(strstr(err, w.cert));
	/* a certificate with another certificate's key */
	install("tz-a", "tz-b");
	assert_int_equal(reload(false, err, sizeof(err)), -EINVAL);
	print_message("refused: %s\n", err);
	assert_non_null(strstr(err, "sip.tls_key"));
	/* an RSA pair where an EC one runs */
	install("tz-rsa", "tz-rsa");
	assert_int_equal(reload(true, err, sizeof(err)), -EINVAL);
	print_message("refused: %s\n", err);
	assert_non_null(strstr(err, "key type changed"));
	/* a CA file that does not load */
	install("tz-b", "tz-b");
	w.cfg.tls_ca = "/nonexistent/ca.pem";
	assert_int_equal(reload(true, err, sizeof(err)), -EINVAL);
	print_message("refused: %s\n", err);
	assert_non_null(strstr(err, "sip.tls_ca"));
	w.cfg.tls_ca = w.ca;
	/* B is still presented */
	expect_new_connection_sees("tz-b", 0xb2);
	assert_int_equal(reload(false, err, sizeof(err)), 0);
}

/* s_server as the trunk (by PID) listens on its port. */
static bool server_up(void)
{
	g_autofree char *cmd = g_strdup_printf("sh -c 'ss -ltnpH sport = :%u | grep -q "
					       "\"pid=%d,\"'", w.trunk_port, (int)w.server);

	return run(cmd) == 0;
}

static void server_start(const char *out)
{
	g_autofree char *sh = g_strdup_printf(
		"exec openssl s_server -accept 127.0.0.1:%d -cert %s/trunk.pem -key %s/trunk.key "
		"-verify 1 -naccept 1 -quiet > %s 2>&1", w.trunk_port, w.dir, w.dir, out);
	const char *argv[] = { "/bin/sh", "-c", sh, NULL };

	assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
					     NULL, NULL, &w.server, &w.server_in, NULL, NULL,
					     NULL));
	for (int i = 0; i < 250 && !server_up(); i++)
		g_usleep(20000);
	assert_true(server_up());
}

static void server_stop(void)
{
	int status;

	if (w.server) {
		close(w.server_in);
		kill(w.server, SIGTERM);   /* only the server we started */
		waitpid(w.server, &status, 0);
		g_spawn_close_pid(w.server);
		w.server = 0;
	}
}

static bool file_has(const char *file, const char *what)
{
	g_autofree char *text = NULL;

	return g_file_get_contents(file, &text, NULL, NULL) && strstr(text, what) != NULL;
}

/* The trunk's CA comes with a reload: the next TLS connection to it is trusted. */
static void test_trunk_ca_added_by_reload(void **state)
{
	g_autofree char *out = path("trunk.out");
	g_autofree char *trunk_ca = path("trunk.pem");
	struct tz_sip_leg *leg;
	char err[256];
	uint64_t ctr[TZ_SIP_CTR_COUNT];

	(void)state;
	w.trunk.tls_ca = trunk_ca;
	assert_int_equal(reload(false, err, sizeof(err)), TZ_SIP_TLS_CAS_RELOADED);
	assert_int_equal(reload(true, err, sizeof(err)), TZ_SIP_TLS_CAS_RELOADED);
	assert_int_equal(reload(false, err, sizeof(err)), 0);
	server_start(out);
	leg = tz_sip_invite(w.sip, &w.trunk, "15551234", "alice", NULL, offer, NULL);
	assert_non_null(leg);
	WAIT_FOR(w.ended || file_has(out, "INVITE sip:"), 8);
	assert_true(file_has(out, "INVITE sip:15551234@127.0.0.1"));
	/* asked for a client certificate (-verify), the gateway shows the renewed one */
	assert_true(file_has(out, "depth=0 CN = tz-b"));
	assert_false(file_has(out, "CN = tz-a"));
	tz_sip_counters(w.sip, ctr);
	assert_int_equal(ctr[TZ_SIP_CTR_TLS_VERIFY_FAILED], 0);
	if (!w.ended)
		tz_sip_leg_free(leg);
	tz_sip_stop(w.sip);
	w.sip = NULL;
	server_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_renewed_connections_kept),
		cmocka_unit_test(test_bad_files_refused),
		cmocka_unit_test(test_trunk_ca_added_by_reload),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("TZ_TEST_SIP_DEBUG"))   /* sofia's own logs, for debugging */
		tz_log_set_level("cp.sip", RTE_LOG_DEBUG);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
