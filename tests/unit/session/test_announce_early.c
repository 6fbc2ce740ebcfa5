/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Announcements for SIP-over-WebSocket callers (ctrlplane/session/announce.c,
 * docs/media-services.md), the stage, the flows and the rest of the call
 * manager stubbed, a real WAV file decoded: a SIP-WS phone without media
 * gets `progress` (the edge's 183 with our SDP) and nothing is played until
 * its DTLS is up; then the play is posted and the call ends with the SIP
 * status after the file; media that fails ends it at once with the status
 * (counted); the far end's own early media, a challenge, a call whose phone
 * already has media (played at once, as for trapeze-jsep) and music on hold
 * for a SIP-WS call.  End to end: tests/e2e/sipws_announce.test.mjs.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "calls_pvt.h"
#include "tz_media.h"
#include "tz_svc.h"
#include "tz_svc_play.h"

/* ---- stubs ---- */
struct tz_calls_env tz_calls_env;
static struct tz_config cfg;
static struct tz_cfg_tenant tenant0;
static unsigned n_admit, n_publish, n_posted, n_stopped, n_republished;
static int admit_rc;
static struct tz_svc_play_cmd posted;
static struct {
	unsigned n;
	enum tz_jsep_out_type type[8];
} sent;
static struct {
	unsigned n;
	int code;
	char reason[64];
	bool notify;
} ended;
static char dir[64];

static void fake_send(void *conn, const struct tz_jsep_out *o)
{
	(void)conn;
	if (sent.n < G_N_ELEMENTS(sent.type))
		sent.type[sent.n] = o->type;
	sent.n++;
}

int tz_call_svc_admit(struct call *c)
{
	n_admit++;
	if (admit_rc == 0)
		c->svc.on = true;
	return admit_rc;
}

int tz_media_publish_play(struct call *c)
{
	(void)c;
	n_publish++;
	return 0;
}

int tz_media_republish(struct call *c)
{
	(void)c;
	n_republished++;
	return 0;
}

int tz_svc_play_post(unsigned core, const struct tz_svc_play_cmd *cmd)
{
	(void)core;
	posted = *cmd;
	n_posted++;
	/* the stage owns the player and drops the sound's reference at the end */
	tz_media_player_destroy(cmd->player);
	cmd->release(cmd->release_arg);
	return 0;
}

int tz_svc_play_stop(unsigned core, const struct tz_dp_flow_key *key)
{
	(void)core;
	(void)key;
	n_stopped++;
	return 0;
}

void tz_call_end(struct call *c, int code, const char *reason, bool notify)
{
	c->state = CALL_ENDED;
	ended.n++;
	ended.code = code;
	g_strlcpy(ended.reason, reason, sizeof(ended.reason));
	ended.notify = notify;
}

/* ---- helpers ---- */
static int fake_ice;

static void make_call(struct call *c, enum tz_web_kind kind, bool dtls_done)
{
	memset(c, 0, sizeof(*c));
	c->id = 7;
	c->kind = kind;
	c->conn = (void *)0x100;
	c->web.ice = (struct tz_ice *)&fake_ice;
	c->web.dtls_done = dtls_done;
	c->web.ssrc = 0x1234;
	c->web.neg.n_codecs = 1;
	c->web.neg.codecs[0] = (struct tz_sdp_pt){ "PCMU", 8000, 1, 0 };
	c->media.keys[0].local_port = 20000;
	c->media.keys[1].local_port = 20002;
	g_strlcpy(c->name, "ws-1", sizeof(c->name));
}

/* A 200 ms 700 Hz tone at 8 kHz. */
static void write_tone(const char *path)
{
	int16_t pcm[1600];
	struct tz_media_wav_writer *w = tz_media_wav_open(path, 8000, 1);

	assert_non_null(w);
	for (size_t i = 0; i < G_N_ELEMENTS(pcm); i++)
		pcm[i] = (int16_t)(8000 * sin(2 * G_PI * 700 * (double)i / 8000));
	assert_int_equal(tz_media_wav_write(w, pcm, G_N_ELEMENTS(pcm)), 0);
	assert_int_equal(tz_media_wav_close(w), 0);
}

static struct tz_calls_svc_stats counters(void)
{
	struct tz_calls_svc_stats s = { 0 };

	tz_announce_stats(&s.announcements, &s.moh_started, &s.play_skipped);
	tz_announce_sipws_stats(&s.announcements_sipws, &s.sipws_media_timeouts);
	return s;
}

static void run_until_ended(void)
{
	int64_t until = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;

	while (ended.n == 0 && g_get_monotonic_time() < until)
		g_main_context_iteration(NULL, TRUE);
}

static int group_setup(void **state)
{
	(void)state;
	g_strlcpy(dir, "/tmp/tz-annws-XXXXXX", sizeof(dir));
	assert_non_null(g_mkdtemp(dir));
	cfg.announce.not_found = g_strdup_printf("%s/nf.wav", dir);
	cfg.announce.moh = g_strdup_printf("%s/moh.wav", dir);
	write_tone(cfg.announce.not_found);
	write_tone(cfg.announce.moh);
	cfg.tenants = &tenant0;
	cfg.n_tenants = 1;
	tz_calls_env.cfg = &cfg;
	tz_calls_env.send = fake_send;
	tz_announce_configure(&cfg);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tz_announce_shutdown();
	unlink(cfg.announce.not_found);
	unlink(cfg.announce.moh);
	rmdir(dir);
	g_free(cfg.announce.not_found);
	g_free(cfg.announce.moh);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	n_admit = n_publish = n_posted = n_stopped = n_republished = 0;
	admit_rc = 0;
	memset(&sent, 0, sizeof(sent));
	memset(&ended, 0, sizeof(ended));
	return 0;
}

/* ---- tests ---- */

/* 404 to a SIP-WS phone without media: progress first, the play only once
 * its DTLS is up, then the call ends with 404 after the file. */
static void sipws_waits_for_media_then_plays(void **state)
{
	struct tz_calls_svc_stats s0 = counters(), s1;
	struct call c;

	(void)state;
	make_call(&c, TZ_WEB_SIPWS, false);
	assert_true(tz_call_announce_failure(&c, 404, "Not Found"));
	assert_int_equal(sent.n, 1);
	assert_int_equal(sent.type[0], TZ_JSEP_OUT_PROGRESS);   /* the edge: 183 + SDP */
	assert_true(c.ann.early);
	assert_int_equal(n_admit, 1);                           /* a place in the stage kept */
	assert_int_equal(n_publish, 0);                         /* no keys yet */
	assert_int_equal(n_posted, 0);
	assert_int_equal(ended.n, 0);

	c.web.dtls_done = true;
	tz_call_announce_media_up(&c);
	assert_false(c.ann.early);
	assert_int_equal(n_publish, 1);
	assert_int_equal(n_posted, 1);
	assert_int_equal(posted.key.local_port, 20000);          /* the play's own flow */
	assert_non_null(posted.player);
	assert_int_equal(sent.n, 1);                             /* no second 183 */
	s1 = counters();
	assert_int_equal(s1.announcements - s0.announcements, 1);
	assert_int_equal(s1.announcements_sipws - s0.announcements_sipws, 1);
	assert_int_equal(ended.n, 0);

	run_until_ended();                                       /* 200 ms file + 300 ms */
	assert_int_equal(ended.n, 1);
	assert_int_equal(ended.code, 404);
	assert_string_equal(ended.reason, "Not Found");
	assert_true(ended.notify);
	tz_call_announce_release(&c);
}

/* The phone's ICE or DTLS fails while we wait: 404 at once, counted. */
static void sipws_media_fails_final_status_at_once(void **state)
{
	struct tz_calls_svc_stats s0 = counters(), s1;
	struct call c;

	(void)state;
	make_call(&c, TZ_WEB_SIPWS, false);
	assert_true(tz_call_announce_failure(&c, 404, "Not Found"));
	assert_true(tz_call_announce_media_failed(&c));
	assert_int_equal(ended.n, 1);
	assert_int_equal(ended.code, 404);
	assert_int_equal(n_posted, 0);
	assert_int_equal(c.ann.timer, 0);
	s1 = counters();
	assert_int_equal(s1.sipws_media_timeouts - s0.sipws_media_timeouts, 1);
	assert_int_equal(s1.announcements - s0.announcements, 0);
	assert_int_equal(s1.play_skipped - s0.play_skipped, 1);
	/* not waiting (any other call): the caller's usual failure path */
	assert_false(tz_call_announce_media_failed(&c));
	tz_call_announce_release(&c);
}

/* What is not announced: the far end's own early media (its SDP known), a
 * status without a file, a digest challenge, an inbound call, a full stage. */
static void sipws_not_announced(void **state)
{
	struct tz_calls_svc_stats s0 = counters(), s1;
	struct call c;

	(void)state;
	make_call(&c, TZ_WEB_SIPWS, false);
	c.sip.peer.known = true;
	assert_false(tz_call_announce_failure(&c, 404, NULL));
	make_call(&c, TZ_WEB_SIPWS, false);
	assert_false(tz_call_announce_failure(&c, 486, NULL));  /* no busy file */
	assert_false(tz_call_announce_failure(&c, 407, NULL));
	c.inbound = true;
	assert_false(tz_call_announce_failure(&c, 404, NULL));
	make_call(&c, TZ_WEB_SIPWS, false);
	admit_rc = -EBUSY;
	assert_false(tz_call_announce_failure(&c, 404, NULL));
	assert_false(c.ann.early);
	assert_int_equal(c.ann.timer, 0);
	assert_int_equal(sent.n, 0);
	assert_int_equal(n_posted, 0);
	s1 = counters();
	assert_int_equal(s1.play_skipped - s0.play_skipped, 3);   /* early media, inbound, full */
}

/* A SIP-WS phone whose media is up already (the far end's 180 carried our
 * answer in the edge's 180): played at once, like a trapeze-jsep browser. */
static void sipws_media_up_plays_at_once(void **state)
{
	struct call c;

	(void)state;
	make_call(&c, TZ_WEB_SIPWS, true);
	assert_true(tz_call_announce_failure(&c, 404, NULL));
	assert_false(c.ann.early);
	assert_int_equal(n_posted, 1);
	assert_int_equal(sent.n, 1);
	assert_int_equal(sent.type[0], TZ_JSEP_OUT_PROGRESS);
	tz_call_announce_release(&c);
	assert_int_equal(c.ann.timer, 0);
	assert_int_equal(n_stopped, 1);
}

/* The trapeze-jsep path is unchanged: DTLS is always up before its INVITE. */
static void jsep_unchanged(void **state)
{
	struct tz_calls_svc_stats s0 = counters(), s1;
	struct call c;

	(void)state;
	make_call(&c, TZ_WEB_JSEP, true);
	assert_true(tz_call_announce_failure(&c, 404, NULL));
	assert_int_equal(n_posted, 1);
	s1 = counters();
	assert_int_equal(s1.announcements - s0.announcements, 1);
	assert_int_equal(s1.announcements_sipws - s0.announcements_sipws, 0);
	tz_call_announce_release(&c);
	make_call(&c, TZ_WEB_JSEP, false);                   /* cannot happen; never waits */
	assert_false(tz_call_announce_failure(&c, 404, NULL));
	assert_false(c.ann.early);
}

/* The far end holds a SIP-WS call: music on hold into the flow towards the
 * phone, stopped at the resume. */
static void sipws_music_on_hold(void **state)
{
	struct tz_calls_svc_stats s0 = counters(), s1;
	struct call c;

	(void)state;
	make_call(&c, TZ_WEB_SIPWS, true);
	c.media.n_flows = 2;
	tz_call_moh(&c, true);
	assert_true(c.ann.moh);
	assert_int_equal(n_posted, 1);
	assert_int_equal(posted.key.local_port, 20002);
	s1 = counters();
	assert_int_equal(s1.moh_started - s0.moh_started, 1);
	tz_call_moh(&c, false);
	assert_false(c.ann.moh);
	assert_int_equal(n_stopped, 1);
	assert_int_equal(n_republished, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(sipws_waits_for_media_then_plays, setup),
		cmocka_unit_test_setup(sipws_media_fails_final_status_at_once, setup),
		cmocka_unit_test_setup(sipws_not_announced, setup),
		cmocka_unit_test_setup(sipws_media_up_plays_at_once, setup),
		cmocka_unit_test_setup(jsep_unchanged, setup),
		cmocka_unit_test_setup(sipws_music_on_hold, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
