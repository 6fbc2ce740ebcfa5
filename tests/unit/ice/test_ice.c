/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICE-lite against a real full ICE agent: libnice in controlling mode plays
 * the browser on 127.0.0.1.  The lite side gets connected, learns the
 * browser's address from the nominated pair (no remote candidates given),
 * and datagrams (DTLS stand-ins) cross both ways.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <agent.h>
#include <cmocka.h>
#include <glib.h>

#include "tz_ice.h"
#include "tz_test_rfc5769.h"

/* Each build of this test (plain, and with the context hub) binds its own
 * port ranges, so the two can run side by side. */
#ifdef TZ_TEST_CTXHUB
#define TZ_TEST_PORT_BASE 42000
#else
#define TZ_TEST_PORT_BASE 41000
#endif
#define TZ_PORT(n) (TZ_TEST_PORT_BASE + (n))

#ifdef TZ_TEST_CTXHUB
#include "ctxhub.h"
#include "ctxhub_ice.h"

/* The same tests with each agent in a context of its own, run by the
 * daemon's context hub from the default main loop (ctrlplane/daemon/ctxhub.c). */
static void use_hub(void)
{
	assert_int_equal(tz_ctxhub_serve_ice(), 0);
}
#endif

struct world {
	GMainLoop *loop;
	struct tz_ice *lite;
	NiceAgent *full;
	guint full_stream;
	bool lite_connected, full_ready;
	char lite_got[64], full_got[64];
	int failed;
};

static void lite_state(struct tz_ice *ice, enum tz_ice_state s, void *user)
{
	struct world *w = user;

	if (s == TZ_ICE_CONNECTED)
		w->lite_connected = true;
	if (s == TZ_ICE_FAILED)
		w->failed++;
}

static void lite_recv(struct tz_ice *ice, const uint8_t *data, size_t len, void *user)
{
	struct world *w = user;

	g_strlcpy(w->lite_got, (const char *)data, MIN(len + 1, sizeof(w->lite_got)));
	tz_ice_send(ice, (const uint8_t *)"pong", 5);
}

static void full_recv(NiceAgent *a, guint s, guint c, guint len, gchar *buf, gpointer user)
{
	struct world *w = user;

	g_strlcpy(w->full_got, buf, MIN(len + 1, sizeof(w->full_got)));
	g_main_loop_quit(w->loop);
}

static void full_state(NiceAgent *a, guint s, guint c, guint state, gpointer user)
{
	struct world *w = user;

	if (state == NICE_COMPONENT_STATE_READY && !w->full_ready) {
		w->full_ready = true;
		nice_agent_send(a, s, 1, 5, "ping");
	}
}

static gboolean give_up(gpointer user)
{
	g_main_loop_quit(((struct world *)user)->loop);
	return G_SOURCE_REMOVE;
}

/* The browser side: a full controlling agent told the lite side's candidate. */
static void start_full_opts(struct world *w, NiceAgentOption opts)
{
	NiceAddress addr;
	char cand[256];
	gchar *ufrag, *pwd, *line;
	NiceCandidate *rc;
	GSList one = { 0 };

	w->full = nice_agent_new_full(NULL, NICE_COMPATIBILITY_RFC5245, opts);
	g_object_set(w->full, "upnp", FALSE, "controlling-mode", TRUE, "ice-tcp", FALSE, NULL);
	nice_address_init(&addr);
	nice_address_set_from_string(&addr, "127.0.0.1");
	nice_agent_add_local_address(w->full, &addr);
	w->full_stream = nice_agent_add_stream(w->full, 1);
	g_signal_connect(w->full, "component-state-changed", G_CALLBACK(full_state), w);
	nice_agent_attach_recv(w->full, w->full_stream, 1, NULL, full_recv, w);
	assert_true(nice_agent_gather_candidates(w->full, w->full_stream));
	nice_agent_get_local_credentials(w->full, w->full_stream, &ufrag, &pwd);
	assert_int_equal(tz_ice_set_remote_credentials(w->lite, ufrag, pwd), 0);
	nice_agent_set_remote_credentials(w->full, w->full_stream, tz_ice_local_ufrag(w->lite),
					  tz_ice_local_pwd(w->lite));
	assert_int_equal(tz_ice_local_candidate(w->lite, cand, sizeof(cand)), 0);
	assert_non_null(strstr(cand, "typ host"));
	line = g_strconcat("a=", cand, NULL);
	rc = nice_agent_parse_remote_candidate_sdp(w->full, w->full_stream, line);
	g_free(line);
	assert_non_null(rc);
	one.data = rc;
	assert_int_equal(nice_agent_set_remote_candidates(w->full, w->full_stream, 1, &one), 1);
	nice_candidate_free(rc);
	g_free(ufrag);
	g_free(pwd);
}

static void start_full(struct world *w)
{
	start_full_opts(w, NICE_AGENT_OPTION_NONE);
}

static void test_lite_connects_and_exchanges_datagrams(void **state)
{
	struct tz_ice_conf conf = { .local_ip = "127.0.0.1", .port_min = TZ_PORT(0), .port_max = TZ_PORT(99) };
	struct world w = { .loop = g_main_loop_new(NULL, FALSE) };
	struct sockaddr_storage peer;
	guint timer;

	w.lite = tz_ice_new(NULL, &conf, lite_state, lite_recv, &w);
	assert_non_null(w.lite);
	assert_true(tz_ice_local_port(w.lite) >= TZ_PORT(0) && tz_ice_local_port(w.lite) <= TZ_PORT(99));
	assert_int_equal(strlen(tz_ice_local_ufrag(w.lite)), 8);
	assert_int_equal(strlen(tz_ice_local_pwd(w.lite)), 24);
	assert_int_equal(tz_ice_selected_remote(w.lite, &peer), -ENOTCONN);
	start_full(&w);
	timer = g_timeout_add_seconds(10, give_up, &w);
	g_main_loop_run(w.loop);
	g_source_remove(timer);

	assert_true(w.lite_connected);
	assert_true(w.full_ready);
	assert_string_equal(w.lite_got, "ping");
	assert_string_equal(w.full_got, "pong");
	assert_int_equal(tz_ice_selected_remote(w.lite, &peer), 0);
	assert_int_equal(peer.ss_family, AF_INET);
	assert_int_equal(((struct sockaddr_in *)&peer)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	assert_int_equal(w.failed, 0);
	tz_ice_free(w.lite);
	g_object_unref(w.full);
	g_main_loop_unref(w.loop);
	while (g_main_context_iteration(NULL, FALSE))   /* the deferred agent unref */
		;
}

/* ICE credentials are secrets: they do not repeat when GLib's generator
 * (a Mersenne Twister anyone can re-seed or predict) is re-seeded. */
static void test_credentials_do_not_come_from_g_random(void **state)
{
	struct tz_ice_conf conf = { .local_ip = "127.0.0.1", .port_min = TZ_PORT(300), .port_max = TZ_PORT(309) };
	struct tz_ice *a, *b;

	g_random_set_seed(7);
	a = tz_ice_new(NULL, &conf, NULL, NULL, NULL);
	g_random_set_seed(7);
	b = tz_ice_new(NULL, &conf, NULL, NULL, NULL);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_not_equal(tz_ice_local_pwd(a), tz_ice_local_pwd(b));
	assert_string_not_equal(tz_ice_local_ufrag(a), tz_ice_local_ufrag(b));
	for (const char *p = tz_ice_local_pwd(a); *p != '\0'; p++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", *p));
	tz_ice_free(a);
	tz_ice_free(b);
	while (g_main_context_iteration(NULL, FALSE))
		;
}

/* RFC 5769 §2.1: rfc5769_request (tz_test_rfc5769.h) */
#define RFC5769_PWD TZ_TEST_RFC5769_PWD

static void test_consent_check_recognised(void **state)
{
	uint8_t m[sizeof(rfc5769_request)];

	assert_int_equal(tz_ice_stun_consent_check(rfc5769_request, sizeof(m), "evtj", RFC5769_PWD), 0);
	/* another agent's ufrag, or a wrong password: not a check to us */
	assert_int_equal(tz_ice_stun_consent_check(rfc5769_request, sizeof(m), "h6vY", RFC5769_PWD),
			 -EACCES);
	assert_int_equal(tz_ice_stun_consent_check(rfc5769_request, sizeof(m), "evt", RFC5769_PWD),
			 -EACCES);
	assert_int_equal(tz_ice_stun_consent_check(rfc5769_request, sizeof(m), "evtj", "guess"),
			 -EACCES);
	/* one bit changed in the covered part (SOFTWARE): integrity fails */
	memcpy(m, rfc5769_request, sizeof(m));
	m[30] ^= 1;
	assert_int_equal(tz_ice_stun_consent_check(m, sizeof(m), "evtj", RFC5769_PWD), -EACCES);
	/* a success response is not a check */
	memcpy(m, rfc5769_request, sizeof(m));
	m[0] = 0x01;
	assert_int_equal(tz_ice_stun_consent_check(m, sizeof(m), "evtj", RFC5769_PWD), -ENOMSG);
	/* truncated, a length past the end, no cookie, RTP */
	assert_int_equal(tz_ice_stun_consent_check(m, 19, "evtj", RFC5769_PWD), -EINVAL);
	assert_int_equal(tz_ice_stun_consent_check(rfc5769_request, sizeof(m) - 4, "evtj", RFC5769_PWD),
			 -EINVAL);
	memcpy(m, rfc5769_request, sizeof(m));
	m[4] = 0;
	assert_int_equal(tz_ice_stun_consent_check(m, sizeof(m), "evtj", RFC5769_PWD), -EINVAL);
	m[0] = 0x80;
	assert_int_equal(tz_ice_stun_consent_check(m, sizeof(m), "evtj", RFC5769_PWD), -EINVAL);
	/* no MESSAGE-INTEGRITY at all (cut before it, length fixed) */
	memcpy(m, rfc5769_request, sizeof(m));
	m[3] = 56;                  /* SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME */
	assert_int_equal(tz_ice_stun_consent_check(m, 20 + 56, "evtj", RFC5769_PWD), -EACCES);
}

static gboolean quit_loop(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

/* Run the loop for @p ms. */
static void spin(GMainLoop *loop, guint ms)
{
	g_timeout_add(ms, quit_loop, loop);
	g_main_loop_run(loop);
}

/* The browser's consent checks (a full agent with RFC 7675 on sends one
 * every ~5 s) renew tz_ice_last_consent(); when they stop, it stays put. */
static void test_consent_follows_the_peers_checks(void **state)
{
	struct tz_ice_conf conf = { .local_ip = "127.0.0.1", .port_min = TZ_PORT(400), .port_max = TZ_PORT(409) };
	struct world w = { .loop = g_main_loop_new(NULL, FALSE) };
	struct tz_ice_stats st;
	int64_t t0, t1;
	guint timer;

	w.lite = tz_ice_new(NULL, &conf, lite_state, lite_recv, &w);
	assert_non_null(w.lite);
	assert_int_equal(tz_ice_last_consent(w.lite), 0);           /* not connected */
	start_full_opts(&w, NICE_AGENT_OPTION_CONSENT_FRESHNESS);
	timer = g_timeout_add_seconds(10, give_up, &w);
	g_main_loop_run(w.loop);                 /* connected, ping/pong done */
	g_source_remove(timer);
	assert_true(w.lite_connected);
	assert_string_equal(w.full_got, "pong");  /* libnice still reads its socket */
	t0 = tz_ice_last_consent(w.lite);
	assert_true(t0 > 0);
	spin(w.loop, 7000);                      /* a keepalive check or more */
	t1 = tz_ice_last_consent(w.lite);
	tz_ice_get_stats(w.lite, &st);
	assert_true(st.consent_checks >= 1);
	assert_true(t1 > t0);
	/* the browser goes away: no more checks, consent ages */
	g_object_unref(w.full);
	w.full = NULL;
	spin(w.loop, 500);
	t0 = tz_ice_last_consent(w.lite);
	spin(w.loop, 6000);
	assert_int_equal(tz_ice_last_consent(w.lite), t0);
	tz_ice_free(w.lite);
	g_main_loop_unref(w.loop);
	while (g_main_context_iteration(NULL, FALSE))
		;
}

#ifdef TZ_TEST_CTXHUB
/* Once nominated, the lite agent's context is not woken every 20 ms for
 * seconds (libnice's connectivity-check timer, 5 s idle timeout by default:
 * ~50 timer runs of the call's context in the second measured). */
static void test_quiet_once_connected(void **state)
{
	struct tz_ice_conf conf = { .local_ip = "127.0.0.1", .port_min = TZ_PORT(500), .port_max = TZ_PORT(509) };
	struct world w = { .loop = g_main_loop_new(NULL, FALSE) };
	struct tz_ctxhub_stats a, b;
	guint timer;

	w.lite = tz_ice_new(NULL, &conf, lite_state, lite_recv, &w);
	assert_non_null(w.lite);
	start_full(&w);
	timer = g_timeout_add_seconds(10, give_up, &w);
	g_main_loop_run(w.loop);                 /* connected, ping/pong done */
	g_source_remove(timer);
	assert_true(w.lite_connected);
	spin(w.loop, 300);                       /* libnice's own checks settle */
	tz_ctxhub_get_stats(&a);
	spin(w.loop, 1000);
	tz_ctxhub_get_stats(&b);
	print_message("timer runs in 1 s once connected: %" PRIu64 "\n", b.by_timer - a.by_timer);
	assert_true(b.by_timer - a.by_timer < 10);
	assert_int_equal(w.failed, 0);
	tz_ice_free(w.lite);
	g_object_unref(w.full);
	g_main_loop_unref(w.loop);
	while (g_main_context_iteration(NULL, FALSE))
		;
}
#endif

static void test_each_call_gets_its_own_port(void **state)
{
	struct tz_ice_conf conf = { .local_ip = "127.0.0.1", .port_min = TZ_PORT(100), .port_max = TZ_PORT(101) };
	struct tz_ice *a = tz_ice_new(NULL, &conf, NULL, NULL, NULL);
	struct tz_ice *b = tz_ice_new(NULL, &conf, NULL, NULL, NULL);
	struct tz_ice *c;

	assert_non_null(a);
	assert_non_null(b);
	assert_int_not_equal(tz_ice_local_port(a), tz_ice_local_port(b));
	c = tz_ice_new(NULL, &conf, NULL, NULL, NULL);   /* range exhausted */
	assert_null(c);
	assert_int_equal(errno, EADDRINUSE);
	tz_ice_free(a);
	tz_ice_free(b);
	while (g_main_context_iteration(NULL, FALSE))
		;
}

static void test_bad_input_is_refused(void **state)
{
	struct tz_ice_conf conf = { .local_ip = "not-an-ip", .port_min = TZ_PORT(200), .port_max = TZ_PORT(209) };
	struct tz_ice *ice;

	assert_null(tz_ice_new(NULL, &conf, NULL, NULL, NULL));
	assert_int_equal(errno, EINVAL);
	conf.local_ip = "127.0.0.1";
	ice = tz_ice_new(NULL, &conf, NULL, NULL, NULL);
	assert_non_null(ice);
	assert_int_equal(tz_ice_add_remote_candidate(ice, "candidate:garbage"), -EINVAL);
	assert_int_equal(tz_ice_add_remote_candidate(ice,
		"candidate:1 1 tcp 1518280447 198.51.100.10 9 typ host tcptype active"), -ENOTSUP);
	assert_int_equal(tz_ice_add_remote_candidate(ice,
		"candidate:2 1 udp 2122260223 0f9a2b3c-aaaa-bbbb-cccc-000000000001.local 50000 typ host"),
		-ENOTSUP);
	assert_int_equal(tz_ice_add_remote_candidate(ice,
		"a=candidate:3 1 udp 2122260223 198.51.100.10 50000 typ host"), 0);
	assert_int_equal(tz_ice_set_remote_credentials(ice, "", "x"), -EINVAL);
	tz_ice_free(ice);
	while (g_main_context_iteration(NULL, FALSE))
		;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lite_connects_and_exchanges_datagrams),
		cmocka_unit_test(test_each_call_gets_its_own_port),
		cmocka_unit_test(test_bad_input_is_refused),
		cmocka_unit_test(test_credentials_do_not_come_from_g_random),
		cmocka_unit_test(test_consent_check_recognised),
		cmocka_unit_test(test_consent_follows_the_peers_checks),
#ifdef TZ_TEST_CTXHUB
		cmocka_unit_test(test_quiet_once_connected),
#endif
	};

#ifdef TZ_TEST_CTXHUB
	use_hub();
#endif
	return cmocka_run_group_tests_name("ice", tests, NULL, NULL);
}
