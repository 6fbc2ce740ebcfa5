/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP leg against real sipp peers on 127.0.0.1: tz_sip listens on
 * 127.0.0.1:TZ_PORT (udp, tcp), sipp plays trunk, caller or registrar on
 * 127.0.0.1:PEER_PORT (both found free at start).  Scenarios live in tests/sip/scenarios/.
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

#include "tz_sip.h"
#include "sip_test_loop.h"

/* Found free at group set-up: our listener, sipp's SIP and sipp's media
 * (scenarios that answer with [media_port]; the others write 16000 and bind
 * nothing). */
static uint16_t ports[3];
#define TZ_PORT ports[0]
#define PEER_PORT ports[1]
#define MEDIA_PORT ports[2]
static char media_port_s[8];

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
	size_t in_src_trunks;   /* tz_sip_leg_source: the INVITE's trunks (tenants) */
	const struct tz_cfg_trunk *in_src_trunk;
	char in_src_host[64];
	bool in_sdp, reject;
	int reinvites;
	int reinvite_reject;    /* refuse the far end's offer with this status, 0 = answer */
	bool reinvite_async;    /* answer from a timer after on_reinvite returned */
	bool reinvite_done;     /* the answer or refusal went out */
	char dtmf;
	unsigned dtmf_ms;
	int fast_update[4];
	unsigned fast_updates;
	int reg_calls, reg_status;
	char reg_reason[128];
	bool hangup_on_ringing;
	uint16_t media_port;    /* the answer's m=audio port when not 16000 */
	int refers;             /* on_refer calls, and what each carried */
	int refer_status[8];
	char refer_frag[8][64];
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
	{
		const struct tz_sip_source *src = tz_sip_leg_source(leg);

		w.in_src_trunks = src != NULL ? src->n_trunks : 99;
		w.in_src_trunk = src != NULL && src->n_trunks > 0 ? src->trunks[0] : NULL;
		g_strlcpy(w.in_src_host, src != NULL && src->request_host != NULL ?
			  src->request_host : "", sizeof(w.in_src_host));
	}
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
	g_autofree char *m = g_strdup_printf("m=audio %u", w.media_port ? w.media_port : 16000);
	assert_non_null(strstr(sdp, m));
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

static void on_fast_update(struct tz_sip_leg *leg, int status, void *user)
{
	assert_ptr_equal(leg, w.leg);
	if (w.fast_updates < 4)
		w.fast_update[w.fast_updates] = status;
	w.fast_updates++;
}

static void on_refer(struct tz_sip_leg *leg, int status, const char *sipfrag, void *user)
{
	assert_ptr_equal(leg, w.leg);
	if (w.refers < 8) {
		w.refer_status[w.refers] = status;
		g_strlcpy(w.refer_frag[w.refers], sipfrag ? sipfrag : "(null)",
			  sizeof(w.refer_frag[0]));
	}
	w.refers++;
}

static const struct tz_sip_handlers handlers = {
	.on_incoming = on_incoming,
	.on_progress = on_progress,
	.on_answered = on_answered,
	.on_ended = on_ended,
	.on_reinvite = on_reinvite,
	.on_dtmf = on_dtmf,
	.on_fast_update = on_fast_update,
	.on_refer = on_refer,
};

static void sipp_exited(GPid pid, gint status, gpointer data)
{
	w.sipp_done = true;
	w.sipp_rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	g_spawn_close_pid(pid);
	w.pid = 0;
}

/* sipp -sf PATH on 127.0.0.1:PEER_PORT with @p extra arguments (NULL-terminated, or
 * NULL); a UAC gets the target and -s user. */
static void sipp_run(const char *sf, const char *service, const char *const *extra)
{
	char port[8], target[32];
	const char *argv[32] = { "/usr/bin/sipp", "-sf", sf, "-i", "127.0.0.1", "-p", port,
				 "-m", "1", "-timeout", "20s", "-nostdin", "-trace_err" };
	int n = 13;
	GError *err = NULL;

	g_snprintf(port, sizeof(port), "%d", PEER_PORT);
	g_snprintf(target, sizeof(target), "127.0.0.1:%d", TZ_PORT);
	for (; extra && *extra && n < 26; extra++)
		argv[n++] = *extra;
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
	for (int i = 0; i < 100 && !port_bound(PEER_PORT); i++)
		g_usleep(20000);
}

/* sipp -sf SCENARIO (tests/sip/scenarios) on 127.0.0.1:PEER_PORT. */
static void sipp_start(const char *scenario, const char *service)
{
	char *sf = g_build_filename(SCENARIO_DIR, scenario, NULL);

	sipp_run(sf, service, NULL);
	g_free(sf);
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

static struct tz_cfg_hostport listen_on = { .host = "127.0.0.1" }; /* .port: set-up */
/* Requests are accepted from the trunks only: sipp's 127.0.0.1 (the trunk's
 * address, no acl given) and a peer at 127.0.0.3 (acl).  127.0.0.2 is nobody. */
static struct tz_cfg_cidr peer_acl[] = {
	{ .addr = { .family = AF_INET, .v4 = { .s_addr = 0 } }, .prefix = 32 },
};
static struct tz_cfg_trunk cfg_trunks[] = {
	{ .name = "sipp", .address = { .host = "127.0.0.1" }, /* .port: set-up */
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

/* The REFER target: a number at sipp's address. */
static const char *refer_to(void)
{
	static char uri[64];

	g_snprintf(uri, sizeof(uri), "sip:+442079460001@127.0.0.1:%u", PEER_PORT);
	return uri;
}

static int group_setup(void **state)
{
	if (!sip_test_free_ports(ports, 3))
		return -1;
	g_snprintf(media_port_s, sizeof(media_port_s), "%u", MEDIA_PORT);
	listen_on.port = TZ_PORT;
	cfg_trunks[0].address.port = PEER_PORT;
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
	/* it came from trunk "sipp" (127.0.0.1), for host 127.0.0.1 */
	assert_int_equal(w.in_src_trunks, 1);
	assert_ptr_equal(w.in_src_trunk, &cfg_trunks[0]);
	assert_string_equal(w.in_src_host, "127.0.0.1");
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

/* SIP INFO application/media_control+xml from the far end (RFC 5168): each
 * answered 200 (the scenario checks), each reported with what it held. */
static void test_midcall_fast_update(void **state)
{
	struct tz_cfg_trunk t = trunk();

	sipp_start("uas_fast_update.xml", NULL);
	call(&t);
	WAIT_FOR(w.answered, 5);
	WAIT_FOR(w.fast_updates == 3, 5);
	assert_int_equal(w.fast_update[0], 0);
	assert_int_equal(w.fast_update[1], -ENOENT);
	assert_int_equal(w.fast_update[2], -EINVAL);
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

/*
 * Blind transfer passed to the far end: the lab PBX's own scenario
 * (tests/sip/lab/uas_refer.xml, media on 127.0.0.1:MEDIA_PORT here) accepts our
 * REFER 202, NOTIFYs "100 Trying" then "200 OK" (terminated), then hangs up.
 */
static void test_refer_accepted(void **state)
{
	const char *const media[] = { "-mi", "127.0.0.1", "-mp", media_port_s, NULL };
	char *sf = g_build_filename(LAB_SCENARIO_DIR, "uas_refer.xml", NULL);
	struct tz_cfg_trunk t = trunk();
	uint64_t before[TZ_SIP_CTR_COUNT], after[TZ_SIP_CTR_COUNT];

	tz_sip_counters(w.sip, before);
	w.media_port = MEDIA_PORT;
	sipp_run(sf, NULL, media);
	g_free(sf);
	call(&t);
	assert_int_equal(tz_sip_leg_refer(w.leg, refer_to(), NULL),
			 -ENOTCONN);      /* not answered yet */
	WAIT_FOR(w.answered, 5);
	assert_int_equal(w.answered, 1);
	/* Refused at once: nothing goes out. */
	assert_int_equal(tz_sip_leg_refer(NULL, "sip:1@h", NULL), -EINVAL);
	assert_int_equal(tz_sip_leg_refer(w.leg, NULL, NULL), -EINVAL);
	assert_int_equal(tz_sip_leg_refer(w.leg, "tel:+442079460001", NULL), -EINVAL);
	assert_int_equal(tz_sip_leg_refer(w.leg, "http://example.com/", NULL), -EINVAL);
	assert_int_equal(tz_sip_leg_refer(w.leg, "sip:1 2@h", NULL), -EINVAL);
	assert_int_equal(tz_sip_leg_refer(w.leg, "sip:1@h>\r\nVia: x", NULL), -EINVAL);
	assert_int_equal(tz_sip_leg_refer(w.leg, "sip:1@h", "sip:a@b>;x=<y"), -EINVAL);
	assert_int_equal(tz_sip_leg_refer(w.leg, refer_to(),
					  "sip:alice@example.com"), 0);
	assert_int_equal(tz_sip_leg_refer(w.leg, "sip:2@127.0.0.1", NULL), -EBUSY);
	WAIT_FOR(w.ended, 10);
	assert_int_equal(w.refers, 3);
	assert_int_equal(w.refer_status[0], 202);
	assert_string_equal(w.refer_frag[0], "(null)");
	assert_int_equal(w.refer_status[1], 0);
	assert_string_equal(w.refer_frag[1], "SIP/2.0 100 Trying");
	assert_int_equal(w.refer_status[2], 0);
	assert_string_equal(w.refer_frag[2], "SIP/2.0 200 OK");
	assert_int_equal(w.ended, 1);
	assert_int_equal(w.end_status, 200);
	assert_string_equal(w.end_reason, "BYE");
	sipp_finish();
	tz_sip_counters(w.sip, after);
	assert_int_equal(after[TZ_SIP_CTR_REFER_OUT] - before[TZ_SIP_CTR_REFER_OUT], 1);
	assert_int_equal(after[TZ_SIP_CTR_REFER_NOTIFY_IN] - before[TZ_SIP_CTR_REFER_NOTIFY_IN], 2);
	assert_int_equal(after[TZ_SIP_CTR_REFER_SIPFRAG_BAD] - before[TZ_SIP_CTR_REFER_SIPFRAG_BAD], 0);
}

/* The trunk refuses the transfer (403): one report, the call goes on, and the
 * scenario checked the Refer-To and Referred-By we sent. */
static void test_refer_refused(void **state)
{
	struct tz_cfg_trunk t = trunk();

	sipp_start("uas_refer_reject.xml", NULL);
	call(&t);
	WAIT_FOR(w.answered, 5);
	assert_int_equal(w.answered, 1);
	assert_int_equal(tz_sip_leg_refer(w.leg, refer_to(),
					  "sip:alice@example.com"), 0);
	WAIT_FOR(w.refers, 5);
	run_for(300);   /* nothing else follows */
	assert_int_equal(w.refers, 1);
	assert_int_equal(w.refer_status[0], 403);
	assert_string_equal(w.refer_frag[0], "(null)");
	assert_int_equal(w.ended, 0);
	assert_int_equal(tz_sip_leg_hangup(w.leg), 0);
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.end_status, 200);
	sipp_finish();
}

/* The far end's NOTIFYs carry no usable sipfrag (a bad body, then a terminated
 * one without a body): the bad one is counted, not reported; the end is
 * reported as (0, NULL); the call goes on. */
static void test_refer_bad_sipfrag(void **state)
{
	const char *const media[] = { "-mi", "127.0.0.1", "-mp", media_port_s, NULL };
	char *sf = g_build_filename(SCENARIO_DIR, "uas_refer_badfrag.xml", NULL);
	struct tz_cfg_trunk t = trunk();
	uint64_t before[TZ_SIP_CTR_COUNT], after[TZ_SIP_CTR_COUNT];

	tz_sip_counters(w.sip, before);
	w.media_port = MEDIA_PORT;
	sipp_run(sf, NULL, media);
	g_free(sf);
	call(&t);
	WAIT_FOR(w.answered, 5);
	assert_int_equal(tz_sip_leg_refer(w.leg, refer_to(), NULL), 0);
	WAIT_FOR(w.refers >= 2, 10);
	assert_int_equal(w.refers, 2);
	assert_int_equal(w.refer_status[0], 202);
	assert_int_equal(w.refer_status[1], 0);
	assert_string_equal(w.refer_frag[1], "(null)");
	tz_sip_counters(w.sip, after);
	assert_int_equal(after[TZ_SIP_CTR_REFER_NOTIFY_IN] - before[TZ_SIP_CTR_REFER_NOTIFY_IN], 2);
	assert_int_equal(after[TZ_SIP_CTR_REFER_SIPFRAG_BAD] - before[TZ_SIP_CTR_REFER_SIPFRAG_BAD], 1);
	assert_int_equal(w.ended, 0);
	/* Over: the next REFER may go (the scenario does not expect one: not sent). */
	assert_int_equal(tz_sip_leg_refer(w.leg, "sip:bad uri", NULL), -EINVAL);
	assert_int_equal(tz_sip_leg_hangup(w.leg), 0);
	WAIT_FOR(w.ended, 5);
	assert_int_equal(w.end_status, 200);
	sipp_finish();
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
		cmocka_unit_test_setup(test_midcall_fast_update, reset),
		cmocka_unit_test_setup(test_midcall_update_hold, reset),
		cmocka_unit_test_setup(test_midcall_update_answer_later, reset),
		cmocka_unit_test_setup(test_midcall_update_refused, reset),
		cmocka_unit_test_setup(test_refer_accepted, reset),
		cmocka_unit_test_setup(test_refer_refused, reset),
		cmocka_unit_test_setup(test_refer_bad_sipfrag, reset),
		cmocka_unit_test_setup(test_register_ok, reset),
		cmocka_unit_test_setup(test_register_wrong_password, reset),
		cmocka_unit_test_setup(test_malformed_then_options, reset),
		cmocka_unit_test_setup(test_guard_non_trunk_refused, reset),
		cmocka_unit_test_setup(test_guard_flood_503_then_drop, reset),
		cmocka_unit_test_setup(test_start_bind_failure, reset),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("TZ_TEST_FILTER"))   /* run some tests only: TZ_TEST_FILTER='test_guard*' */
		cmocka_set_test_filter(getenv("TZ_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
