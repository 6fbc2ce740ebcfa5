/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP leg against real sipp peers on 127.0.0.1: tz_sip listens on
 * 127.0.0.1:15060 (udp, tcp), sipp plays trunk, caller or registrar on
 * 127.0.0.1:15070.  Scenarios live in tests/sip/scenarios/.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

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
	bool keep_leg;          /* on_ended leaves the leg to the test */
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
	if (w.keep_leg)
		return; /* the test reads the leg (tz_sip_leg_challenges) and frees it */
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
/* Requests are accepted from the trunks only: sipp's 127.0.0.1 (the trunk's
 * address, no acl given) and a peer at 127.0.0.3 (acl).  127.0.0.2 is nobody. */
static struct tz_cfg_cidr peer_acl[] = {
	{ .addr = { .family = AF_INET, .v4 = { .s_addr = 0 } }, .prefix = 32 },
};
static struct tz_cfg_trunk cfg_trunks[] = {
	{ .name = "sipp", .address = { .host = "127.0.0.1", .port = PEER_PORT },
	  .transport = TZ_SIP_UDP },
	{ .name = "peer", .address = { .host = "peer.invalid", .port = 5060 },
	  .transport = TZ_SIP_UDP, .acl = peer_acl, .n_acl = 1 },
};
#define FLOOD_RATE 20
static struct tz_cfg_sip cfg = {
	.listen = &listen_on,
	.n_listen = 1,
	.transports = TZ_SIP_UDP | TZ_SIP_TCP,
	.trunks = cfg_trunks,
	.n_trunks = 2,
	.max_requests_per_source = FLOOD_RATE,
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
	inet_pton(AF_INET, "127.0.0.3", &peer_acl[0].addr.v4);
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

/* A challenge for another realm than the trunk's is not answered: the call
 * ends with the 401 at once, counted (issue 9: digest answers go to the
 * trunk's realm only). */
static void test_out_digest_other_realm_refused(void **state)
{
	struct tz_cfg_trunk t = trunk();
	uint64_t before[TZ_SIP_CTR_COUNT], after[TZ_SIP_CTR_COUNT];

	t.username = "alice";
	t.password = "secret";
	t.realm = "carrier.example";
	tz_sip_counters(w.sip, before);
	sipp_start("uas_auth_realm.xml", NULL);
	call(&t);
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.ended, 1);
	assert_int_equal(w.end_status, 401);
	sipp_finish();
	tz_sip_counters(w.sip, after);
	assert_int_equal(after[TZ_SIP_CTR_REALM_REFUSED], before[TZ_SIP_CTR_REALM_REFUSED] + 1);
}

/* OPTIONS is answered by us (after the source check): in a dialog too. */
static void test_midcall_options_answered(void **state)
{
	struct tz_cfg_trunk t = trunk();

	sipp_start("uas_options_indialog.xml", NULL);
	call(&t);
	WAIT_FOR(w.answered, 5);
	assert_int_equal(w.answered, 1);
	run_for(500);   /* the OPTIONS and our 200 */
	assert_int_equal(tz_sip_leg_hangup(w.leg), 0);
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.end_status, 200);
	sipp_finish();   /* fails if the OPTIONS got no 200 */
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

/* A UDP socket on @p src (any port), connected to the agent. */
static int udp_from(const char *src)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(TZ_PORT) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, src, &a.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
	return fd;
}

static char *request(const char *method, const char *src, int n, const char *proto)
{
	return g_strdup_printf("%s sip:1000@127.0.0.1:%d SIP/2.0\r\n"
			       "Via: SIP/2.0/%s %s:5099;rport;branch=z9hG4bK-guard-%s-%d\r\n"
			       "Max-Forwards: 70\r\n"
			       "From: <sip:scan@%s>;tag=%d\r\nTo: <sip:1000@127.0.0.1>\r\n"
			       "Call-ID: guard-%s-%d@%s\r\nCSeq: 1 %s\r\n"
			       "Contact: <sip:scan@%s:5099>\r\nContent-Length: 0\r\n\r\n",
			       method, TZ_PORT, proto, src, method, n, src, n, method, n, src,
			       method, src);
}

static const struct tz_sip_source_stats *source_of(const char *addr,
						   struct tz_sip_source_stats *tab, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tab[i].addr, addr) == 0)
			return &tab[i];
	return NULL;
}

static uint64_t source_total(const char *addr)
{
	struct tz_sip_source_stats tab[64];
	size_t n = tz_sip_sources(w.sip, tab, G_N_ELEMENTS(tab));
	const struct tz_sip_source_stats *st = source_of(addr, tab, n);

	return st ? st->requests + st->dropped + st->refused_acl : 0;
}

/* An INVITE from an address that is no trunk: dropped unanswered over UDP,
 * 403 over TCP; counted, and the call handler never hears of it. */
static void test_guard_non_trunk_refused(void **state)
{
	uint64_t before[TZ_SIP_CTR_COUNT], after[TZ_SIP_CTR_COUNT];
	struct sockaddr_in a = { .sin_family = AF_INET }, to = { .sin_family = AF_INET };
	char *inv = request("INVITE", "127.0.0.2", 1, "UDP"), buf[2048];
	int fd = udp_from("127.0.0.2"), tcp;
	ssize_t got;

	tz_sip_counters(w.sip, before);
	assert_int_equal(send(fd, inv, strlen(inv), 0), (ssize_t)strlen(inv));
	WAIT_FOR(source_total("127.0.0.2") >= 1, 5);
	run_for(300);   /* time for an answer, if any were sent */
	got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	assert_true(got < 0);
	close(fd);
	g_free(inv);

	/* TCP: sofia accepts the connection, the request gets 403. */
	tcp = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	to.sin_port = htons(TZ_PORT);
	assert_int_equal(bind(tcp, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(connect(tcp, (struct sockaddr *)&to, sizeof(to)), 0);
	inv = request("INVITE", "127.0.0.2", 2, "TCP");
	assert_int_equal(send(tcp, inv, strlen(inv), 0), (ssize_t)strlen(inv));
	g_free(inv);
	/* 100 Trying may come first: read until the final answer. */
	{
		GString *in = g_string_new(NULL);

		for (int i = 0; i < 250 && !strstr(in->str, "SIP/2.0 4"); i++) {
			g_main_context_iteration(NULL, FALSE);
			got = recv(tcp, buf, sizeof(buf) - 1, MSG_DONTWAIT);
			if (got > 0)
				g_string_append_len(in, buf, got);
			else
				g_usleep(20000);
		}
		print_message("TCP answer: %.80s\n", strstr(in->str, "SIP/2.0 4") ?: in->str);
		assert_non_null(strstr(in->str, "SIP/2.0 403 Forbidden"));
		g_string_free(in, TRUE);
	}
	close(tcp);

	tz_sip_counters(w.sip, after);
	assert_int_equal(w.incoming, 0);
	assert_true(after[TZ_SIP_CTR_ACL_REFUSED] >= before[TZ_SIP_CTR_ACL_REFUSED] + 2);
	assert_int_equal(after[TZ_SIP_CTR_INVITE_IN], before[TZ_SIP_CTR_INVITE_IN]);
}

/*
 * A peer floods OPTIONS: the first FLOOD_RATE get 200, then 503 with
 * Retry-After, then nothing (dropped at the socket); a call from the trunk
 * still gets through meanwhile.
 */
static void test_guard_flood_503_then_drop(void **state)
{
	enum { N = 200 };
	int fd = udp_from("127.0.0.3"), ok = 0, busy = 0, retry_after = 0;
	struct tz_sip_source_stats tab[64];
	const struct tz_sip_source_stats *st;
	uint64_t ctr[TZ_SIP_CTR_COUNT];
	char buf[2048];
	size_t n;

	/* In bursts of 10 the agent takes in before the next: the kernel's socket
	 * buffer would drop part of one burst of 200 before the agent sees it. */
	for (int i = 0; i < N; i++) {
		char *req = request("OPTIONS", "127.0.0.3", i, "UDP");

		send(fd, req, strlen(req), 0);
		g_free(req);
		if (i % 10 == 9)
			WAIT_FOR(source_total("127.0.0.3") >= (uint64_t)i + 1, 5);
	}
	WAIT_FOR(source_total("127.0.0.3") >= N, 5);
	n = tz_sip_sources(w.sip, tab, G_N_ELEMENTS(tab));
	st = source_of("127.0.0.3", tab, n);
	assert_non_null(st);
	/* one answer per request that reached the agent */
	for (int i = 0; i < 250 && (uint64_t)(ok + busy) < st->requests; i++) {
		ssize_t got = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

		if (got <= 0) {
			g_main_context_iteration(NULL, FALSE);
			g_usleep(10000);
			continue;
		}
		buf[got] = '\0';
		if (!g_str_has_prefix(buf, "SIP/2.0 200") && !g_str_has_prefix(buf, "SIP/2.0 503"))
			print_message("flood answer: %.60s\n", buf);
		ok += g_str_has_prefix(buf, "SIP/2.0 200");
		busy += g_str_has_prefix(buf, "SIP/2.0 503");
		retry_after += g_str_has_prefix(buf, "SIP/2.0 503") && strstr(buf, "Retry-After: ");
	}
	close(fd);
	print_message("flood of %d: %d x 200, %d x 503, %" PRIu64 " dropped (agent: %" PRIu64
		      " requests, %" PRIu64 " limited)\n", N, ok, busy, st->dropped, st->requests,
		      st->rate_limited);
	assert_true(ok >= FLOOD_RATE && ok < N / 4);   /* the bucket refills while we run */
	assert_true(busy >= 1);
	assert_int_equal(retry_after, busy);
	assert_true(st->dropped >= N / 2);
	assert_int_equal((uint64_t)(ok + busy) + st->dropped, N);
	tz_sip_counters(w.sip, ctr);
	assert_true(ctr[TZ_SIP_CTR_RATE_LIMITED] >= (uint64_t)busy);
	assert_true(ctr[TZ_SIP_CTR_FLOOD_DROPPED] >= st->dropped);
	assert_string_equal(tab[0].addr, "127.0.0.3");   /* top offender first */

	/* The trunk is another source: its call is untouched. */
	sipp_start("uac_call.xml", "1000");
	WAIT_FOR(w.ended, 8);
	assert_int_equal(w.incoming, 1);
	assert_int_equal(w.end_status, 200);
	sipp_finish();
}

/*
 * A raw SIP peer on 127.0.0.1:15070 (UDP) written here rather than in sipp:
 * the tests read every header the agent sent (Authorization verbatim,
 * Expires, Contact) and compute digest answers.  It keeps each request and
 * answers through raw.respond().
 */
#define RAW_MAX 16
struct raw_peer {
	int fd;
	guint watch;
	int n;                          /* requests received (ACKs not counted) */
	char *req[RAW_MAX];
	char *(*respond)(const char *req, int n);
};
static struct raw_peer raw;

/* Value of header @p name (first occurrence, case-insensitive), g_free() it, or NULL. */
static char *hdr(const char *msg, const char *name)
{
	g_auto(GStrv) lines = g_strsplit(msg, "\r\n", -1);
	size_t n = strlen(name);

	for (size_t i = 1; lines[i] && *lines[i]; i++)
		if (!g_ascii_strncasecmp(lines[i], name, n) && lines[i][n] == ':')
			return g_strstrip(g_strdup(lines[i] + n + 1));
	return NULL;
}

/* All header lines @p name, verbatim ("Via: ...\r\n" ...). */
static GString *hdr_lines(const char *msg, const char *name, GString *out)
{
	g_auto(GStrv) lines = g_strsplit(msg, "\r\n", -1);
	size_t n = strlen(name);

	for (size_t i = 1; lines[i] && *lines[i]; i++)
		if (!g_ascii_strncasecmp(lines[i], name, n) && lines[i][n] == ':')
			g_string_append_printf(out, "%s\r\n", lines[i]);
	return out;
}

/* A digest parameter's value (quotes removed), g_free() it, or NULL. */
static char *dparam(const char *h, const char *name)
{
	g_autofree char *pat = g_strdup_printf("%s=", name);
	const char *p = h;

	while ((p = strstr(p, pat)) != NULL) {
		if (p == h || p[-1] == ' ' || p[-1] == ',')
			break;
		p++;
	}
	if (!p)
		return NULL;
	p += strlen(pat);
	if (*p == '"')
		return g_strndup(p + 1, strcspn(p + 1, "\""));
	return g_strndup(p, strcspn(p, ", "));
}

static char *md5(const char *s)
{
	return g_compute_checksum_for_string(G_CHECKSUM_MD5, s, -1);
}

/* RFC 2617 without qop: MD5(MD5(user:realm:pass):nonce:MD5(method:uri)). */
static char *digest(const char *user, const char *realm, const char *pass, const char *nonce,
		    const char *method, const char *uri)
{
	g_autofree char *a1 = g_strdup_printf("%s:%s:%s", user, realm, pass);
	g_autofree char *a2 = g_strdup_printf("%s:%s", method, uri);
	g_autofree char *h1 = md5(a1), *h2 = md5(a2);
	g_autofree char *all = g_strdup_printf("%s:%s:%s", h1, nonce, h2);

	return md5(all);
}

/* The browser's side: an Authorization value for @p challenge. */
static char *browser_auth(const char *challenge, const char *method, const char *uri,
			  const char *pass)
{
	g_autofree char *realm = dparam(challenge, "realm"), *nonce = dparam(challenge, "nonce");
	g_autofree char *resp = digest("alice", realm, pass, nonce, method, uri);

	return g_strdup_printf("Digest username=\"alice\", realm=\"%s\", nonce=\"%s\", "
			       "uri=\"%s\", response=\"%s\", algorithm=MD5", realm, nonce, uri, resp);
}

/* Whether the request's Authorization (or Proxy-) is right for password "secret". */
static bool auth_valid(const char *req, const char *hname)
{
	g_autofree char *a = hdr(req, hname);
	g_autofree char *user = a ? dparam(a, "username") : NULL;
	g_autofree char *realm = a ? dparam(a, "realm") : NULL;
	g_autofree char *nonce = a ? dparam(a, "nonce") : NULL;
	g_autofree char *uri = a ? dparam(a, "uri") : NULL;
	g_autofree char *resp = a ? dparam(a, "response") : NULL;
	g_autofree char *method = g_strndup(req, strcspn(req, " "));
	g_autofree char *want = NULL;

	if (!user || !realm || !nonce || !uri || !resp)
		return false;
	want = digest(user, realm, "secret", nonce, method, uri);
	return !strcmp(want, resp);
}

/* A response to @p req: its Via, From, To (with a tag), Call-ID and CSeq. */
static char *reply(const char *req, int status, const char *reason, const char *extra,
		   const char *body)
{
	GString *r = g_string_new(NULL);
	g_autofree char *from = hdr(req, "From"), *to = hdr(req, "To");
	g_autofree char *cid = hdr(req, "Call-ID"), *cseq = hdr(req, "CSeq");

	g_string_append_printf(r, "SIP/2.0 %d %s\r\n", status, reason);
	hdr_lines(req, "Via", r);
	g_string_append_printf(r, "From: %s\r\nTo: %s%s\r\nCall-ID: %s\r\nCSeq: %s\r\n",
			       from, to, strstr(to, "tag=") ? "" : ";tag=raw1", cid, cseq);
	g_string_append(r, extra ? extra : "");
	g_string_append_printf(r, "Content-Length: %zu\r\n\r\n%s", body ? strlen(body) : 0,
			       body ? body : "");
	return g_string_free(r, FALSE);
}

static gboolean raw_readable(gint fd, GIOCondition cond, gpointer data)
{
	char buf[8192];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
	char *resp;

	if (n <= 0)
		return G_SOURCE_CONTINUE;
	buf[n] = '\0';
	if (!strncmp(buf, "ACK ", 4) || !strncmp(buf, "SIP/2.0", 7))
		return G_SOURCE_CONTINUE;
	if (raw.n < RAW_MAX)
		raw.req[raw.n] = g_strdup(buf);
	raw.n++;
	resp = raw.respond ? raw.respond(buf, raw.n) : NULL;
	if (resp)
		sendto(fd, resp, strlen(resp), 0, (struct sockaddr *)&from, fl);
	g_free(resp);
	return G_SOURCE_CONTINUE;
}

static void raw_start(char *(*respond)(const char *, int))
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PEER_PORT) };

	memset(&raw, 0, sizeof(raw));
	raw.respond = respond;
	raw.fd = socket(AF_INET, SOCK_DGRAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(bind(raw.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	raw.watch = g_unix_fd_add(raw.fd, G_IO_IN, raw_readable, NULL);
}

static void raw_stop(void)
{
	g_source_remove(raw.watch);
	close(raw.fd);
	for (int i = 0; i < RAW_MAX; i++)
		g_free(raw.req[i]);
	memset(&raw, 0, sizeof(raw));
}

static const char challenge1[] = "Digest realm=\"example.test\", nonce=\"n0nce-4711\", algorithm=MD5";
static const char challenge2[] = "Digest realm=\"example.test\", nonce=\"other-1\", "
				 "algorithm=SHA-256, qop=\"auth\"";
static bool registrar_refuses_unregister;

/* A registrar for domain example.test: 401 with two challenges without credentials,
 * 403 for wrong ones, 200 with another device's binding and ours (at most 120 s). */
static char *registrar(const char *req, int n)
{
	g_autofree char *auth = hdr(req, "Authorization"), *exp = hdr(req, "Expires");
	g_autofree char *contact = hdr(req, "Contact"), *extra = NULL;
	unsigned e = exp ? (unsigned)atoi(exp) : 3600;

	if (!auth || (e == 0 && registrar_refuses_unregister)) {
		extra = g_strdup_printf("WWW-Authenticate: %s\r\nWWW-Authenticate: %s\r\n",
					challenge1, challenge2);
		return reply(req, 401, "Unauthorized", extra, NULL);
	}
	if (!auth_valid(req, "Authorization"))
		return reply(req, 403, "Forbidden", NULL, NULL);
	if (e == 0)
		return reply(req, 200, "OK",
			     "Contact: <sip:alice@198.51.100.9:5060;transport=udp>;expires=3000\r\n",
			     NULL);
	extra = g_strdup_printf("Contact: <sip:alice@198.51.100.9:5060;transport=udp>;expires=3000, "
				"%s;expires=%u\r\n", contact, MIN(e, 120u));
	return reply(req, 200, "OK", extra, NULL);
}

struct relay_seen {
	int calls, status;
	uint32_t expires;
	char *challenges[4];
	bool unregister_in_cb;
};
static struct relay_seen rs;

static void relay_cb(struct tz_sip_reg *reg, const struct tz_sip_reg_result *r, void *user)
{
	for (int i = 0; i < 4; i++)
		g_clear_pointer(&rs.challenges[i], g_free);
	rs.calls++;
	rs.status = r->status;
	rs.expires = r->expires;
	for (int i = 0; r->challenges && r->challenges[i] && i < 3; i++)
		rs.challenges[i] = g_strdup(r->challenges[i]);
	assert_true(r->status != 401 || r->challenges);
	assert_true(r->status == 401 || r->status == 407 || !r->challenges);
}

static uint64_t ctr(enum tz_sip_counter c)
{
	uint64_t v[TZ_SIP_CTR_COUNT];

	tz_sip_counters(w.sip, v);
	return v[c];
}

static void rs_reset(void)
{
	for (int i = 0; i < 4; i++)
		g_free(rs.challenges[i]);
	memset(&rs, 0, sizeof(rs));
}

/* Digest passthrough: 401 values reach the browser verbatim, its answer goes out
 * verbatim, 200 gives OUR contact's expiry only, the un-REGISTER carries the last
 * credentials with Expires: 0. */
static void test_relay_register_digest(void **state)
{
	struct tz_cfg_trunk t = trunk();
	uint64_t sent = ctr(TZ_SIP_CTR_RELAY_REGISTERS), ch = ctr(TZ_SIP_CTR_RELAY_REG_CHALLENGES);
	uint64_t ok = ctr(TZ_SIP_CTR_RELAY_REG_OK), bad = ctr(TZ_SIP_CTR_RELAY_REG_FAILED);
	struct tz_sip_reg *reg;
	g_autofree char *good = NULL, *wrong = NULL, *cid1 = NULL, *cid3 = NULL;
	g_autofree char *contact = NULL, *cseq = NULL, *auth = NULL, *exp = NULL, *contact0 = NULL;

	rs_reset();
	registrar_refuses_unregister = false;
	raw_start(registrar);
	reg = tz_sip_register_relay(w.sip, &t, "alice", "example.test",
				    "+sip.instance=\"<urn:uuid:0c5e-1>\";reg-id=1", relay_cb, NULL);
	assert_non_null(reg);
	assert_int_equal(raw.n, 0); /* nothing sent yet */
	assert_int_equal(tz_sip_register_relay_send(reg, 600, NULL, false), 0);
	assert_int_equal(tz_sip_register_relay_send(reg, 600, NULL, false), -EBUSY);
	WAIT_FOR(rs.calls == 1, 5);
	assert_int_equal(rs.status, 401);
	assert_string_equal(rs.challenges[0], challenge1);
	assert_string_equal(rs.challenges[1], challenge2);
	assert_null(rs.challenges[2]);
	assert_true(!strncmp(raw.req[0], "REGISTER sip:example.test SIP/2.0\r\n", 35));
	contact = hdr(raw.req[0], "Contact");
	assert_non_null(strstr(contact, "<sip:alice@127.0.0.1:15060;tz="));
	assert_non_null(strstr(contact, tz_sip_reg_contact_token(reg)));
	assert_non_null(strstr(contact, ";+sip.instance=\"<urn:uuid:0c5e-1>\";reg-id=1"));
	cid1 = hdr(raw.req[0], "Call-ID");

	wrong = browser_auth(rs.challenges[0], "REGISTER", "sip:example.test", "guess");
	assert_int_equal(tz_sip_register_relay_send(reg, 600, wrong, false), 0);
	WAIT_FOR(rs.calls == 2, 5);
	assert_int_equal(rs.status, 403);

	good = browser_auth(challenge1, "REGISTER", "sip:example.test", "secret");
	assert_int_equal(tz_sip_register_relay_send(reg, 600, good, false), 0);
	WAIT_FOR(rs.calls == 3, 5);
	assert_int_equal(rs.status, 200);
	assert_int_equal(rs.expires, 120);   /* ours, not the other device's 3000 */
	auth = hdr(raw.req[2], "Authorization");
	assert_string_equal(auth, good);     /* verbatim */
	cid3 = hdr(raw.req[2], "Call-ID");
	assert_string_equal(cid1, cid3);
	cseq = hdr(raw.req[2], "CSeq");
	assert_string_equal(cseq, "3 REGISTER");

	assert_int_equal(ctr(TZ_SIP_CTR_RELAY_REGISTERS) - sent, 3);
	assert_int_equal(ctr(TZ_SIP_CTR_RELAY_REG_CHALLENGES) - ch, 1);
	assert_int_equal(ctr(TZ_SIP_CTR_RELAY_REG_OK) - ok, 1);
	assert_int_equal(ctr(TZ_SIP_CTR_RELAY_REG_FAILED) - bad, 1);

	tz_sip_unregister(reg);
	WAIT_FOR(raw.n == 4, 5);
	assert_int_equal(raw.n, 4);
	exp = hdr(raw.req[3], "Expires");
	assert_string_equal(exp, "0");
	g_free(auth);
	auth = hdr(raw.req[3], "Authorization");
	assert_string_equal(auth, good);
	contact0 = hdr(raw.req[3], "Contact");
	assert_string_equal(contact0, contact);  /* our binding only, not '*' */
	assert_int_equal(rs.calls, 3);           /* the callback is gone */
	raw_stop();
	rs_reset();
}

/* A stale nonce at un-REGISTER: one try, counted, never a loop. */
static void test_relay_unregister_refused(void **state)
{
	struct tz_cfg_trunk t = trunk();
	uint64_t refused = ctr(TZ_SIP_CTR_RELAY_UNREG_REFUSED);
	struct tz_sip_reg *reg;
	g_autofree char *good = browser_auth(challenge1, "REGISTER", "sip:example.test", "secret");

	rs_reset();
	registrar_refuses_unregister = true;
	raw_start(registrar);
	reg = tz_sip_register_relay(w.sip, &t, "alice", "example.test", NULL, relay_cb, NULL);
	assert_non_null(reg);
	assert_int_equal(tz_sip_register_relay_send(reg, 300, good, false), 0);
	WAIT_FOR(rs.calls == 1, 5);
	assert_int_equal(rs.status, 200);
	assert_int_equal(rs.expires, 120);
	tz_sip_unregister(reg);
	WAIT_FOR(ctr(TZ_SIP_CTR_RELAY_UNREG_REFUSED) > refused, 5);
	assert_int_equal(ctr(TZ_SIP_CTR_RELAY_UNREG_REFUSED) - refused, 1);
	WAIT_FOR(raw.n > 2, 1);                  /* a retry would come now */
	assert_int_equal(raw.n, 2);
	registrar_refuses_unregister = false;
	raw_stop();
	rs_reset();
}

static void test_relay_bad_input(void **state)
{
	struct tz_cfg_trunk t = trunk();
	struct tz_sip_reg *reg;

	assert_null(tz_sip_register_relay(w.sip, &t, "alice", "exa mple", NULL, relay_cb, NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(tz_sip_register_relay(w.sip, &t, "alice", "example.test",
					  "x=1\r\nVia: evil", relay_cb, NULL));
	assert_null(tz_sip_register_relay(w.sip, &t, "alice", "example.test",
					  "x=1>,<sip:evil@x", relay_cb, NULL));
	assert_null(tz_sip_register_relay(w.sip, &t, "al ice", "example.test", NULL, relay_cb, NULL));
	reg = tz_sip_register_relay(w.sip, &t, "alice", "[2001:db8::1]:5060", NULL, relay_cb, NULL);
	assert_non_null(reg);
	assert_int_equal(tz_sip_register_relay_send(reg, 60, "Digest x\r\nVia: evil", false),
			 -EINVAL);
	tz_sip_unregister(reg); /* never registered: nothing sent */
}

static const char proxy_challenge[] = "Digest realm=\"203.0.113.3\", nonce=\"inv-n0nce\", algorithm=MD5";

/* A proxy that wants the caller's own credentials: 407 without them, 403 for
 * wrong ones, 486 (busy: no dialog to tear down) for right ones. */
static char *auth_proxy(const char *req, int n)
{
	g_autofree char *extra = NULL, *pa = hdr(req, "Proxy-Authorization");

	if (!strncmp(req, "CANCEL ", 7) || !strncmp(req, "BYE ", 4))
		return reply(req, 200, "OK", NULL, NULL);
	if (!pa) {
		extra = g_strdup_printf("Proxy-Authenticate: %s\r\n", proxy_challenge);
		return reply(req, 407, "Proxy Authentication Required", extra, NULL);
	}
	if (!auth_valid(req, "Proxy-Authorization"))
		return reply(req, 403, "Forbidden", NULL, NULL);
	return reply(req, 486, "Busy Here", NULL, NULL);
}

/* A SIP-over-WS caller's INVITE: its From and P-Asserted-Identity; the 407 goes
 * back to the browser (not answered with the trunk's credentials); its answer
 * is carried verbatim. */
static void test_invite_opts_relay_challenge(void **state)
{
	struct tz_cfg_trunk t = trunk();
	struct tz_sip_invite_opts o = {
		.from_uri = "sip:alice@203.0.113.3", .from_display = "Alice \"A\"",
		.pai = "sip:alice@203.0.113.3", .relay_challenge = true,
	};
	struct tz_sip_leg *leg;
	g_autofree char *from = NULL, *pai = NULL, *pa = NULL, *cred = NULL;

	t.username = "trunkuser";
	t.password = "trunkpass";
	raw_start(auth_proxy);
	leg = tz_sip_invite_opts(w.sip, &t, "15551234", &o, offer, &w);
	assert_non_null(leg);
	w.leg = leg;
	w.keep_leg = true;
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.end_status, 407);
	assert_non_null(tz_sip_leg_challenges(leg));
	assert_string_equal(tz_sip_leg_challenges(leg)[0], proxy_challenge);
	assert_null(tz_sip_leg_challenges(leg)[1]);
	assert_int_equal(raw.n, 1);          /* not answered with the trunk's password */
	from = hdr(raw.req[0], "From");
	assert_true(g_str_has_prefix(from, "\"Alice 'A'\" <sip:alice@203.0.113.3>;tag="));
	pai = hdr(raw.req[0], "P-Asserted-Identity");
	assert_string_equal(pai, "<sip:alice@203.0.113.3>");
	cred = browser_auth(tz_sip_leg_challenges(leg)[0], "INVITE",
			    "sip:15551234@127.0.0.1:15070;transport=udp", "secret");
	tz_sip_leg_free(leg);

	memset(&w.ended, 0, sizeof(w.ended));
	w.end_status = 0;
	w.keep_leg = false;
	o.authorization = cred;
	o.proxy_auth = true;
	leg = tz_sip_invite_opts(w.sip, &t, "15551234", &o, offer, &w);
	assert_non_null(leg);
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.end_status, 486);  /* the proxy took the browser's answer */
	pa = hdr(raw.req[1], "Proxy-Authorization");
	assert_string_equal(pa, cred);
	raw_stop();
}

static void test_invite_opts_bad_from(void **state)
{
	struct tz_cfg_trunk t = trunk();
	static const char *const bad[] = {
		"http://alice@x", "sip:alice@x\r\nVia: evil", "alice@x", "sip:a b@x",
		"sip:<alice@x>", "sip:", "",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct tz_sip_invite_opts o = { .from_uri = bad[i] };

		errno = 0;
		assert_null(tz_sip_invite_opts(w.sip, &t, "15551234", &o, offer, &w));
		assert_int_equal(errno, EINVAL);
	}
	struct tz_sip_invite_opts o2 = { .from_uri = "sip:alice@x", .authorization = "a\nb" };
	assert_null(tz_sip_invite_opts(w.sip, &t, "15551234", &o2, offer, &w));
	assert_int_equal(errno, EINVAL);
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
		cmocka_unit_test_setup(test_out_digest_other_realm_refused, reset),
		cmocka_unit_test_setup(test_in_answer_far_bye, reset),
		cmocka_unit_test_setup(test_in_reject, reset),
		cmocka_unit_test_setup(test_midcall_info_and_hold, reset),
		cmocka_unit_test_setup(test_midcall_options_answered, reset),
		cmocka_unit_test_setup(test_midcall_update_hold, reset),
		cmocka_unit_test_setup(test_midcall_update_answer_later, reset),
		cmocka_unit_test_setup(test_midcall_update_refused, reset),
		cmocka_unit_test_setup(test_register_ok, reset),
		cmocka_unit_test_setup(test_register_wrong_password, reset),
		cmocka_unit_test_setup(test_malformed_then_options, reset),
		cmocka_unit_test_setup(test_guard_non_trunk_refused, reset),
		cmocka_unit_test_setup(test_guard_flood_503_then_drop, reset),
		cmocka_unit_test_setup(test_relay_register_digest, reset),
		cmocka_unit_test_setup(test_relay_unregister_refused, reset),
		cmocka_unit_test_setup(test_relay_bad_input, reset),
		cmocka_unit_test_setup(test_invite_opts_relay_challenge, reset),
		cmocka_unit_test_setup(test_invite_opts_bad_from, reset),
		cmocka_unit_test_setup(test_start_bind_failure, reset),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("TZ_TEST_FILTER"))   /* run some tests only: TZ_TEST_FILTER='test_guard*' */
		cmocka_set_test_filter(getenv("TZ_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
