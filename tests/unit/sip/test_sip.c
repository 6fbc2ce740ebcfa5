/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP leg against real sipp peers on 127.0.0.1: tz_sip listens on
 * 127.0.0.1:15060 (udp, tcp), sipp plays trunk, caller or registrar on
 * 127.0.0.1:15070.  Scenarios live in tests/sip/scenarios/.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "tz_sip.h"

#define TZ_PORT 15060
#define PEER_PORT 15070

static const char offer[] =
	"v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 17000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n";

/* Our answer to the far end's hold (sendonly) offers. */
static const char answer_recvonly[] =
	"v=0\r\no=- 2 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 17000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\na=recvonly\r\n";

struct world {
	struct tz_sip *sip;
	struct tz_sip_leg *leg;
	int progress, answered, ended, end_status;
	char end_reason[64];
	int incoming;
	char in_to[64], in_from[128], in_display[64];
	bool in_sdp, reject;
	int reinvites;
	int reinvite_reject;    /* refuse the far end's offer with this status, 0 = answer */
	bool reinvite_async;    /* answer from a timer after on_reinvite returned */
	bool reinvite_done;     /* the answer or refusal went out */
	char dtmf;
	unsigned dtmf_ms;
	int reg_calls, reg_status;
	char reg_reason[128];
	bool hangup_on_ringing;
	GPid pid;
	bool sipp_done;
	int sipp_rc;
	char *tmpdir;
};

static struct world w;

static void on_incoming(struct tz_sip_leg *leg, const char *to_user, const char *from_uri,
			const char *display, const char *sdp, void *user)
{
	w.incoming++;
	w.leg = leg;
	g_strlcpy(w.in_to, to_user, sizeof(w.in_to));
	g_strlcpy(w.in_from, from_uri, sizeof(w.in_from));
	g_strlcpy(w.in_display, display ? display : "", sizeof(w.in_display));
	w.in_sdp = sdp && strstr(sdp, "m=audio");
	if (w.reject) {
		assert_int_equal(tz_sip_leg_reject(leg, 486, NULL), 0);
		return;
	}
	assert_int_equal(tz_sip_leg_ringing(leg), 0);
	assert_int_equal(tz_sip_leg_answer(leg, offer), 0);
}

static void on_progress(struct tz_sip_leg *leg, int status, const char *reason,
			const char *sdp, void *user)
{
	w.progress = status;
	if (status == 180 && w.hangup_on_ringing)
		assert_int_equal(tz_sip_leg_hangup(leg), 0);
}

static void on_answered(struct tz_sip_leg *leg, const char *sdp, void *user)
{
	assert_non_null(sdp);
	assert_non_null(strstr(sdp, "m=audio 16000"));
	w.answered++;
}

static void on_ended(struct tz_sip_leg *leg, int status, const char *reason, void *user)
{
	w.ended++;
	w.end_status = status;
	g_strlcpy(w.end_reason, reason, sizeof(w.end_reason));
	tz_sip_leg_free(leg); /* allowed from the handler */
	w.leg = NULL;
}

static void reinvite_respond(struct tz_sip_leg *leg)
{
	if (w.reinvite_reject)
		assert_int_equal(tz_sip_leg_reinvite_reject(leg, w.reinvite_reject, NULL), 0);
	else
		assert_int_equal(tz_sip_leg_reinvite_answer(leg, answer_recvonly), 0);
	w.reinvite_done = true;
}

static gboolean reinvite_respond_later(gpointer leg)
{
	reinvite_respond(leg);
	return G_SOURCE_REMOVE;
}

/* re-INVITE or UPDATE offer from the far end: all our scenarios hold (sendonly). */
static void on_reinvite(struct tz_sip_leg *leg, const char *sdp, void *user)
{
	assert_non_null(sdp);
	assert_non_null(strstr(sdp, "a=sendonly"));
	w.reinvites++;
	if (w.reinvite_async)
		g_timeout_add(200, reinvite_respond_later, leg);
	else
		reinvite_respond(leg);
}

static void on_dtmf(struct tz_sip_leg *leg, char digit, unsigned ms, void *user)
{
	w.dtmf = digit;
	w.dtmf_ms = ms;
}

static const struct tz_sip_handlers handlers = {
	.on_incoming = on_incoming,
	.on_progress = on_progress,
	.on_answered = on_answered,
	.on_ended = on_ended,
	.on_reinvite = on_reinvite,
	.on_dtmf = on_dtmf,
};

static gboolean deadline_hit(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

/* Run the loop until *flag becomes non-zero or @p secs elapse. */
#define WAIT_FOR(expr, secs)                                                    \
	do {                                                                    \
		bool late_ = false;                                             \
		guint t_ = g_timeout_add_seconds((secs), deadline_hit, &late_); \
		while (!(expr) && !late_)                                       \
			g_main_context_iteration(NULL, TRUE);                   \
		if (!late_)                                                     \
			g_source_remove(t_);                                    \
	} while (0)

/* Run the loop for @p ms (let the peer go on). */
static void run_for(unsigned ms)
{
	bool later = false;

	g_timeout_add(ms, deadline_hit, &later);
	WAIT_FOR(later, ms / 1000 + 2);
}

static void sipp_exited(GPid pid, gint status, gpointer data)
{
	w.sipp_done = true;
	w.sipp_rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	g_spawn_close_pid(pid);
	w.pid = 0;
}

static bool port_bound(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return rc < 0 && errno == EADDRINUSE;
}

/* sipp -sf SCENARIO on 127.0.0.1:15070; a UAC gets the target and -s user. */
static void sipp_start(const char *scenario, const char *service)
{
	char *sf = g_build_filename(SCENARIO_DIR, scenario, NULL);
	char port[8], target[32];
	const char *argv[20] = { "/usr/bin/sipp", "-sf", sf, "-i", "127.0.0.1", "-p", port,
				 "-m", "1", "-timeout", "20s", "-nostdin", "-trace_err" };
	int n = 13;
	GError *err = NULL;

	g_snprintf(port, sizeof(port), "%d", PEER_PORT);
	g_snprintf(target, sizeof(target), "127.0.0.1:%d", TZ_PORT);
	if (service) {
		argv[n++] = "-s";
		argv[n++] = service;
		argv[n++] = target;
	}
	w.sipp_done = false;
	w.sipp_rc = -1;
	assert_true(g_spawn_async(w.tmpdir, (char **)argv, NULL,
				  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
				  NULL, NULL, &w.pid, &err));
	g_child_watch_add(w.pid, sipp_exited, NULL);
	g_free(sf);
	for (int i = 0; i < 100 && !port_bound(PEER_PORT); i++)
		g_usleep(20000);
}

static void sipp_finish(void)
{
	WAIT_FOR(w.sipp_done, 10);
	if (!w.sipp_done && w.pid) {
		kill(w.pid, SIGTERM); /* only the sipp we started */
		WAIT_FOR(w.sipp_done, 3);
	}
	assert_true(w.sipp_done);
	assert_int_equal(w.sipp_rc, 0);
}

static struct tz_cfg_hostport listen_on = { .host = "127.0.0.1", .port = TZ_PORT };
static struct tz_cfg_sip cfg = {
	.listen = &listen_on,
	.n_listen = 1,
	.transports = TZ_SIP_UDP | TZ_SIP_TCP,
};

static struct tz_cfg_trunk trunk(void)
{
	struct tz_cfg_trunk t = {
		.name = "sipp",
		.address = { .host = "127.0.0.1", .port = PEER_PORT },
		.transport = TZ_SIP_UDP,
		.answer_timeout_s = 10,
		.register_expires = 600,
	};
	return t;
}

static int group_setup(void **state)
{
	w.tmpdir = g_dir_make_tmp("tz-sip-test-XXXXXX", NULL);
	w.sip = tz_sip_start(&cfg, &handlers, NULL);
	return w.sip && w.tmpdir ? 0 : -1;
}

static int group_teardown(void **state)
{
	tz_sip_stop(w.sip);
	/* sipp -trace_err leaves one (usually empty) log per run. */
	GDir *d = g_dir_open(w.tmpdir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		char *p = g_build_filename(w.tmpdir, name, NULL);

		g_unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(w.tmpdir);
	g_free(w.tmpdir);
	return 0;
}

static int reset(void **state)
{
	struct tz_sip *sip = w.sip;
	char *dir = w.tmpdir;

	memset(&w, 0, sizeof(w));
	w.sip = sip;
	w.tmpdir = dir;
	return 0;
}

static struct tz_sip_leg *call(const struct tz_cfg_trunk *t)
{
	struct tz_sip_leg *leg = tz_sip_invite(w.sip, t, "15551234", "alice", "Alice", offer, &w);

	assert_non_null(leg);
	assert_ptr_equal(tz_sip_leg_get_user(leg), &w);
	w.leg = leg;
	return leg;
}

static void test_out_answered_local_bye(void **state)
{
	struct tz_cfg_trunk t = trunk();

	sipp_start("uas_answer.xml", NULL);
	call(&t);
	WAIT_FOR(w.answered, 5);
	assert_int_equal(w.answered, 1);
	assert_int_equal(w.progress, 180);
	assert_non_null(tz_sip_leg_call_id(w.leg));
	assert_int_equal(tz_sip_leg_hangup(w.leg), 0);
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.end_status, 200);
	sipp_finish();
}

static void test_out_far_end_bye(void **state)
{
	struct tz_cfg_trunk t = trunk();

	sipp_start("uas_hangup.xml", NULL);
	call(&t);
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.answered, 1);
	assert_int_equal(w.end_status, 200);
	assert_string_equal(w.end_reason, "BYE");
	sipp_finish();
}

static void expect_failure(const char *scenario, int status, const char *reason)
{
	struct tz_cfg_trunk t = trunk();

	sipp_start(scenario, NULL);
	call(&t);
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.ended, 1);
	assert_int_equal(w.answered, 0);
	assert_int_equal(w.end_status, status);
	assert_string_equal(w.end_reason, reason);
	sipp_finish();
}

static void test_out_busy(void **state)
{
	expect_failure("uas_busy.xml", 486, "Busy Here");
}

static void test_out_not_found(void **state)
{
	expect_failure("uas_notfound.xml", 404, "Not Found");
}

static void test_out_cancel(void **state)
{
	w.hangup_on_ringing = true;
	expect_failure("uas_noanswer.xml", 487, "Request Terminated");
}

static void test_out_answer_timeout(void **state)
{
	struct tz_cfg_trunk t = trunk();

	t.answer_timeout_s = 1;
	sipp_start("uas_noanswer.xml", NULL);
	call(&t);
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.end_status, 408);
	sipp_finish();
}

static void test_out_digest_auth(void **state)
{
	struct tz_cfg_trunk t = trunk();
	uint64_t ctr[TZ_SIP_CTR_COUNT];

	t.username = "alice";
	t.password = "secret";
	sipp_start("uas_auth.xml", NULL);
	call(&t);
	WAIT_FOR(w.answered || w.ended, 5);
	assert_int_equal(w.answered, 1);
	tz_sip_leg_hangup(w.leg);
	WAIT_FOR(w.ended, 5);
	sipp_finish();
	tz_sip_counters(w.sip, ctr);
	assert_true(ctr[TZ_SIP_CTR_AUTH_CHALLENGE] >= 1);
	assert_true(ctr[TZ_SIP_CTR_INVITE_OUT] >= 1);
}

static void test_in_answer_far_bye(void **state)
{
	sipp_start("uac_call.xml", "1000");
	WAIT_FOR(w.ended, 8);
	assert_int_equal(w.incoming, 1);
	assert_string_equal(w.in_to, "1000");
	assert_string_equal(w.in_display, "Sipp Caller");
	assert_non_null(strstr(w.in_from, "sip:sipp@127.0.0.1"));
	assert_true(w.in_sdp);
	assert_int_equal(w.end_status, 200);
	sipp_finish();
}

static void test_in_reject(void **state)
{
	w.reject = true;
	sipp_start("uac_reject.xml", "1000");
	WAIT_FOR(w.ended, 8);
	assert_int_equal(w.incoming, 1);
	assert_int_equal(w.end_status, 486);
	sipp_finish();
}

static void test_midcall_info_and_hold(void **state)
{
	struct tz_cfg_trunk t = trunk();

	sipp_start("uas_midcall.xml", NULL);
	call(&t);
	WAIT_FOR(w.answered, 5);
	assert_int_equal(w.answered, 1);
	assert_int_equal(tz_sip_leg_info_dtmf(w.leg, '5', 160), 0);
	WAIT_FOR(w.dtmf && w.reinvites, 5);
	assert_int_equal(w.dtmf, '7');
	assert_int_equal(w.dtmf_ms, 160);
	assert_int_equal(w.reinvites, 1);
	run_for(300);
	assert_int_equal(tz_sip_leg_hangup(w.leg), 0);
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.end_status, 200);
	sipp_finish();
}

/*
 * The far end's in-dialog UPDATE (RFC 3311) with a hold offer reaches
 * on_reinvite like a re-INVITE; @p scenario checks our response (200 with
 * a=recvonly, or the refusal) and may send a body-less UPDATE (session
 * refresh) that nua-side code answers 200 without calling the handler.
 */
static void update_call(const char *scenario)
{
	struct tz_cfg_trunk t = trunk();

	sipp_start(scenario, NULL);
	call(&t);
	WAIT_FOR(w.answered, 5);
	assert_int_equal(w.answered, 1);
	WAIT_FOR(w.reinvite_done, 5);
	assert_int_equal(w.reinvites, 1);
	run_for(500); /* the response, the body-less UPDATE and its 200 */
	assert_int_equal(w.reinvites, 1);
	assert_int_equal(w.ended, 0);
	/* Nothing pending any more. */
	assert_int_equal(tz_sip_leg_reinvite_answer(w.leg, answer_recvonly), -EPROTO);
	assert_int_equal(tz_sip_leg_reinvite_reject(w.leg, 488, NULL), -EPROTO);
	assert_int_equal(tz_sip_leg_hangup(w.leg), 0);
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.end_status, 200);
	sipp_finish();
}

static void test_midcall_update_hold(void **state)
{
	update_call("uas_update.xml");
}

static void test_midcall_update_answer_later(void **state)
{
	w.reinvite_async = true;
	update_call("uas_update.xml");
}

static void test_midcall_update_refused(void **state)
{
	w.reinvite_async = true;
	w.reinvite_reject = 488;
	update_call("uas_update_reject.xml");
}

static void reg_cb(struct tz_sip_reg *reg, int status, const char *reason, void *user)
{
	w.reg_calls++;
	w.reg_status = status;
	g_strlcpy(w.reg_reason, reason, sizeof(w.reg_reason));
}

static void test_register_ok(void **state)
{
	struct tz_cfg_trunk t = trunk();
	struct tz_sip_reg *reg;

	sipp_start("reg_auth.xml", NULL);
	reg = tz_sip_register(w.sip, &t, "alice", "secret", 600, reg_cb, NULL);
	assert_non_null(reg);
	WAIT_FOR(w.reg_calls, 5);
	assert_int_equal(w.reg_status, 200);
	tz_sip_unregister(reg);
	sipp_finish();
	assert_int_equal(w.reg_calls, 1);
}

static void test_register_wrong_password(void **state)
{
	struct tz_cfg_trunk t = trunk();
	struct tz_sip_reg *reg;

	sipp_start("reg_auth.xml", NULL);
	reg = tz_sip_register(w.sip, &t, "alice", "wrong", 600, reg_cb, NULL);
	assert_non_null(reg);
	WAIT_FOR(w.reg_calls, 5);
	assert_true(w.reg_status == 401 || w.reg_status == 403);
	assert_true(strlen(w.reg_reason) > 0);
	tz_sip_unregister(reg);
	sipp_finish();
}

static void test_malformed_then_options(void **state)
{
	static const char *const junk[] = {
		"garbage\r\n\r\n",
		"INVITE sip:x SIP/2.0\r\nVia: nonsense\r\nCSeq: x\r\n\r\n",
		"INVITE sip:1@127.0.0.1 SIP/2.0\r\nContent-Length: 99999\r\n\r\nv=0",
		"\x01\x02\x03\xff\xfe",
	};
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(TZ_PORT) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	for (size_t i = 0; i < G_N_ELEMENTS(junk); i++)
		sendto(fd, junk[i], strlen(junk[i]), 0, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	sipp_start("uac_options.xml", "ping");
	sipp_finish();
	assert_int_equal(w.incoming, 0);
}

static void test_start_bind_failure(void **state)
{
	struct tz_sip *second = tz_sip_start(&cfg, &handlers, NULL);

	assert_null(second);
	assert_true(errno != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_out_answered_local_bye, reset),
		cmocka_unit_test_setup(test_out_far_end_bye, reset),
		cmocka_unit_test_setup(test_out_busy, reset),
		cmocka_unit_test_setup(test_out_not_found, reset),
		cmocka_unit_test_setup(test_out_cancel, reset),
		cmocka_unit_test_setup(test_out_answer_timeout, reset),
		cmocka_unit_test_setup(test_out_digest_auth, reset),
		cmocka_unit_test_setup(test_in_answer_far_bye, reset),
		cmocka_unit_test_setup(test_in_reject, reset),
		cmocka_unit_test_setup(test_midcall_info_and_hold, reset),
		cmocka_unit_test_setup(test_midcall_update_hold, reset),
		cmocka_unit_test_setup(test_midcall_update_answer_later, reset),
		cmocka_unit_test_setup(test_midcall_update_refused, reset),
		cmocka_unit_test_setup(test_register_ok, reset),
		cmocka_unit_test_setup(test_register_wrong_password, reset),
		cmocka_unit_test_setup(test_malformed_then_options, reset),
		cmocka_unit_test_setup(test_start_bind_failure, reset),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
