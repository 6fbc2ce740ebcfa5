/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trunk TLS (issue 9 items 8 and 10): an `openssl s_server` with a
 * self-signed certificate plays the trunk on 127.0.0.1.
 *  - the certificate is not in sip.tls_ca: the INVITE never reaches it and
 *    `tls_verify_failed` counts it (sofia 1.12 closes the refused connection
 *    without failing the request: the call ends when the INVITE transaction
 *    times out, 32 s, not checked here);
 *  - it is: the INVITE arrives over TLS;
 *  - per-trunk tls_ca (issue 11): sip.tls_ca is the system bundle and the
 *    trunk's own tls_ca holds its CA: accepted; the trunk's tls_ca holds
 *    another CA (the certificate chains to neither): refused;
 *  - while the agent runs, no copy of the key is on disk (sip.tls_dir is
 *    empty, nothing in /tmp).
 * Ports: free ones found at start (ours for UDP and TLS, the trunk's), and
 * the trunk's checked to be held by the s_server we started.  One case
 * per process (argv[1]: "refused", "accepted", "trunk_ca_accepted" or
 * "trunk_ca_refused"): after a refused handshake
 * sofia keeps the INVITE transaction until timer B, so the agent cannot be
 * stopped and started again quickly.
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

#include "tz_log.h"
#include "tz_sip.h"
#include "sip_test_loop.h"

static uint16_t tz_port, trunk_port;

static const char offer[] =
	"v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 17000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

static struct {
	char *dir, *cert, *key, *other_ca, *out, *tls_dir;
	GPid server;
	int server_in;
	int ended, end_status;
	uint64_t ctr[TZ_SIP_CTR_COUNT];
} w;

static void on_ended(struct tz_sip_leg *leg, int status, const char *reason, void *user)
{
	w.ended++;
	w.end_status = status;
	tz_sip_leg_free(leg);
}

static const struct tz_sip_handlers handlers = { .on_ended = on_ended };

static int run(const char *cmd)
{
	int status = -1;

	if (!g_spawn_command_line_sync(cmd, NULL, NULL, &status, NULL))
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A self-signed certificate for 127.0.0.1 (CN and subjectAltName). */
static void make_cert(const char *cert, const char *key, const char *cn)
{
	char *cmd = g_strdup_printf("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
				    "-nodes -days 2 -subj /CN=%s -addext subjectAltName=DNS:%s,IP:%s "
				    "-keyout %s -out %s", cn, cn, cn, key, cert);

	assert_int_equal(run(cmd), 0);
	g_free(cmd);
}

static int group_setup(void **state)
{
	uint16_t ports[2];

	if (!sip_test_free_ports(ports, 2))
		return -1;
	tz_port = ports[0];
	trunk_port = ports[1];
	w.dir = g_dir_make_tmp("tz-sip-tls-test-XXXXXX", NULL);
	w.cert = g_build_filename(w.dir, "trunk.pem", NULL);
	w.key = g_build_filename(w.dir, "trunk.key", NULL);
	w.other_ca = g_build_filename(w.dir, "other.pem", NULL);
	w.out = g_build_filename(w.dir, "server.out", NULL);
	w.tls_dir = g_build_filename(w.dir, "run", NULL);
	make_cert(w.cert, w.key, "127.0.0.1");
	{
		char *k2 = g_build_filename(w.dir, "other.key", NULL);

		make_cert(w.other_ca, k2, "127.0.0.1");
		g_free(k2);
	}
	return 0;
}

static int group_teardown(void **state)
{
	char *cmd = g_strdup_printf("rm -rf %s", w.dir);

	run(cmd);
	g_free(cmd);
	return 0;
}

/* Our s_server (by PID) listens on the trunk's port. */
static bool server_up(void)
{
	char *cmd = g_strdup_printf("sh -c 'ss -ltnpH sport = :%u | grep -q \"pid=%d,\"'",
				    trunk_port, (int)w.server);
	bool up = run(cmd) == 0;

	g_free(cmd);
	return up;
}

static void server_start(void)
{
	char *sh = g_strdup_printf("exec openssl s_server -accept 127.0.0.1:%d -cert %s -key %s "
				   "-naccept 1 -quiet > %s 2>&1", trunk_port, w.cert, w.key, w.out);
	const char *argv[] = { "/bin/sh", "-c", sh, NULL };

	/* s_server stops at EOF on its input: give it a pipe we hold open. */
	assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
					     NULL, NULL, &w.server, &w.server_in, NULL, NULL,
					     NULL));
	for (int i = 0; i < 250 && !server_up(); i++)
		g_usleep(20000);
	assert_true(server_up());
	g_free(sh);
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

static bool server_got(const char *what)
{
	g_autofree char *text = NULL;

	return g_file_get_contents(w.out, &text, NULL, NULL) && strstr(text, what) != NULL;
}

static size_t entries(const char *dir, const char *prefix)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	size_t n = 0;

	while (d && (name = g_dir_read_name(d)) != NULL)
		n += g_str_has_prefix(name, prefix);
	if (d)
		g_dir_close(d);
	return n;
}

/* Call the trunk over TLS with @p ca as sip.tls_ca and @p trunk_ca as the
 * trunk's tls_ca (or NULL); returns whether the INVITE arrived. */
static bool call_with_cas(const char *ca, const char *trunk_ca)
{
	struct tz_cfg_hostport listen_on = { .host = "127.0.0.1", .port = tz_port };
	struct tz_cfg_trunk trunk = {
		.name = "tls-trunk",
		.address = { .host = "127.0.0.1", .port = trunk_port },
		.transport = TZ_SIP_TLS,
		.tls_verify = true,
		.answer_timeout_s = 3,
		.tls_ca = (char *)trunk_ca,
	};
	struct tz_cfg_sip cfg = {
		.listen = &listen_on, .n_listen = 1, .transports = TZ_SIP_UDP | TZ_SIP_TLS,
		.tls_cert = w.other_ca, .tls_key = NULL, .tls_ca = (char *)ca, .tls_dir = w.tls_dir,
		.trunks = &trunk, .n_trunks = 1, .max_requests_per_source = 50,
	};
	g_autofree char *own_key = g_build_filename(w.dir, "other.key", NULL);
	struct tz_sip *sip;
	struct tz_sip_leg *leg;
	bool got;

	cfg.tls_key = own_key;
	w.ended = 0;
	server_start();
	sip = tz_sip_start(&cfg, &handlers, NULL);
	assert_non_null(sip);
	/* Item 10: the key was staged for sofia and is gone again. */
	assert_int_equal(entries(w.tls_dir, ""), 0);
	assert_int_equal(entries(g_get_tmp_dir(), "trapeze-sip-tls-"), 0);
	leg = tz_sip_invite(sip, &trunk, "15551234", "alice", NULL, offer, NULL);
	assert_non_null(leg);
	WAIT_FOR(w.ended || server_got("INVITE sip:"), 8);
	got = server_got("INVITE sip:15551234@127.0.0.1");
	{
		g_autofree char *text = NULL;

		if (g_file_get_contents(w.out, &text, NULL, NULL))
			print_message("trunk received: %.120s\n", text);
	}
	tz_sip_counters(sip, w.ctr);
	if (!w.ended)
		tz_sip_leg_free(leg);
	tz_sip_stop(sip);
	server_stop();
	return got;
}

static bool call_with_ca(const char *ca)
{
	return call_with_cas(ca, NULL);
}

static void test_tls_trunk_ca_of_its_own_accepted(void **state)
{
	assert_true(call_with_cas("/etc/ssl/certs/ca-certificates.crt", w.cert));
	assert_int_equal(w.ctr[TZ_SIP_CTR_TLS_VERIFY_FAILED], 0);
}

static void test_tls_trunk_ca_of_its_own_other_refused(void **state)
{
	assert_false(call_with_cas("/etc/ssl/certs/ca-certificates.crt", w.other_ca));
	assert_true(w.ctr[TZ_SIP_CTR_TLS_VERIFY_FAILED] >= 1);
}

static void test_tls_trunk_not_in_ca_refused(void **state)
{
	assert_false(call_with_ca("/etc/ssl/certs/ca-certificates.crt"));
	assert_true(w.ctr[TZ_SIP_CTR_TLS_VERIFY_FAILED] >= 1);
}

static void test_tls_trunk_in_ca_accepted(void **state)
{
	assert_true(call_with_ca(w.cert));
	assert_int_equal(w.ctr[TZ_SIP_CTR_TLS_VERIFY_FAILED], 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest refused[] = {
		cmocka_unit_test(test_tls_trunk_not_in_ca_refused),
	};
	const struct CMUnitTest accepted[] = {
		cmocka_unit_test(test_tls_trunk_in_ca_accepted),
	};
	const struct CMUnitTest trunk_ca_accepted[] = {
		cmocka_unit_test(test_tls_trunk_ca_of_its_own_accepted),
	};
	const struct CMUnitTest trunk_ca_refused[] = {
		cmocka_unit_test(test_tls_trunk_ca_of_its_own_other_refused),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("TZ_TEST_SIP_DEBUG"))   /* sofia's own logs, for debugging */
		tz_log_set_level("cp.sip", RTE_LOG_DEBUG);
	if (argc > 1 && strcmp(argv[1], "trunk_ca_accepted") == 0)
		return cmocka_run_group_tests(trunk_ca_accepted, group_setup, group_teardown);
	if (argc > 1 && strcmp(argv[1], "trunk_ca_refused") == 0)
		return cmocka_run_group_tests(trunk_ca_refused, group_setup, group_teardown);
	if (argc > 1 && strcmp(argv[1], "accepted") == 0)
		return cmocka_run_group_tests(accepted, group_setup, group_teardown);
	return cmocka_run_group_tests(refused, group_setup, group_teardown);
}
