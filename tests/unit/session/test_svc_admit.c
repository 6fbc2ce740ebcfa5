/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call and the media-services stage (ctrlplane/session/svc.c), the stage
 * and the media re-publication stubbed: admission up to max_calls and the
 * refusals (stage off, stage full) with their jsep error and counters, a
 * released call's place reused, the DTMF command posted (the SIP side's
 * telephone-event payload type and clock, the flow's key and slot, the
 * duration clamped), the flow marked only for admitted calls.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "calls_pvt.h"
#include "tz_svc.h"

/* ---- stubs ---- */
struct tz_calls_env tz_calls_env;
static struct tz_config cfg;
static unsigned n_cores;
static int post_rc, republished;
static struct tz_svc_dtmf_cmd posted;
static unsigned posted_core, n_posted;

unsigned tz_svc_n_cores(void)
{
	return n_cores;
}

int tz_svc_dtmf_post(unsigned core, const struct tz_svc_dtmf_cmd *cmd)
{
	if (post_rc != 0)
		return post_rc;
	posted = *cmd;
	posted_core = core;
	n_posted++;
	return 0;
}

static unsigned n_cancelled;

int tz_svc_dtmf_cancel(unsigned core, const struct tz_dp_flow_key *key)
{
	n_cancelled++;
	return 0;
}

void tz_announce_stats(uint64_t *announced, uint64_t *moh, uint64_t *skipped)
{
	*announced = *moh = *skipped = 0;
}

void tz_announce_clip_stats(uint64_t *pre_encoded, uint64_t *live, uint64_t *clips,
			    uint64_t *bytes)
{
	*pre_encoded = *live = *clips = *bytes = 0;
}

void tz_announce_sipws_stats(uint64_t *announced, uint64_t *timeouts)
{
	*announced = *timeouts = 0;
}

int tz_media_republish(struct call *c)
{
	republished++;
	return 0;
}

/* ---- tests ---- */
static void make_call(struct call *c, uint32_t id)
{
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->media.n_flows = 2;
	c->media.slots[0] = 40 + (int)id;
	c->media.keys[0].local_port = (uint16_t)(20000 + id);
	c->sip.neg.te_pt = 101;
	c->sip.neg.n_codecs = 2;
	c->sip.neg.codecs[0] = (struct tz_sdp_pt){ "PCMU", 8000, 1, 0 };
	c->sip.neg.codecs[1] = (struct tz_sdp_pt){ "telephone-event", 8000, 1, 101 };
}

static int setup(void **state)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.media_services.max_calls = 2;
	tz_calls_env.cfg = &cfg;
	n_cores = 1;
	post_rc = 0;
	n_posted = 0;
	republished = 0;
	return 0;
}

static void test_stage_off(void **state)
{
	struct tz_calls_svc_stats s0, s1;
	enum tz_jsep_err err;
	const char *why = NULL;
	struct call c;

	n_cores = 0;
	make_call(&c, 1);
	tz_calls_svc_stats(&s0);
	assert_false(tz_call_svc_dtmf(&c, "12", 100, &err, &why));
	assert_int_equal(err, TZ_JSEP_ERR_MEDIA_SERVICES);
	assert_non_null(strstr(why, "off"));
	tz_calls_svc_stats(&s1);
	assert_int_equal(s1.refused_off - s0.refused_off, 1);
	assert_int_equal(s1.dtmf_refused - s0.dtmf_refused, 1);
	assert_int_equal(s1.cores, 0);
	assert_false(c.svc.on);
	assert_int_equal(n_posted, 0);
}

static void test_admission_and_command(void **state)
{
	struct tz_calls_svc_stats s0, s1;
	struct call a, b, x;
	enum tz_jsep_err err;
	const char *why = NULL;
	struct tz_dp_flow f = { 0 };
	struct tz_dp_flow_key k = { .local_port = 20001 };

	tz_calls_svc_stats(&s0);
	make_call(&a, 1);
	make_call(&b, 2);
	make_call(&x, 3);
	tz_call_svc_flow(&a, &f, &k);           /* not admitted: nothing marked */
	assert_int_equal(f.svc, 0);

	assert_true(tz_call_svc_dtmf(&a, "1234#", 20, &err, &why));
	assert_true(a.svc.on);
	assert_int_equal(republished, 1);       /* the flow now carries the service */
	assert_int_equal(n_posted, 1);
	assert_int_equal(posted.pt, 101);
	assert_int_equal(posted.clock, 8000);
	assert_int_equal(posted.n, 5);
	assert_memory_equal(posted.digits, "1234#", 5);
	assert_int_equal(posted.duration_ms, 40);           /* clamped up */
	assert_int_equal(posted.slot, 41);
	assert_int_equal(posted.key.local_port, 20001);
	tz_call_svc_flow(&a, &f, &k);
	assert_int_equal(f.svc, TZ_SVC_DTMF);
	assert_int_equal(f.svc_key.local_port, 20001);

	/* a second string on the same call takes no second place */
	assert_true(tz_call_svc_dtmf(&a, "9", 100, &err, &why));
	assert_true(tz_call_svc_dtmf(&b, "5", 100, &err, &why));
	tz_calls_svc_stats(&s1);
	assert_int_equal(s1.in_stage, 2);
	assert_int_equal(s1.admitted - s0.admitted, 2);

	/* full: the third call is refused, the others keep their place */
	assert_false(tz_call_svc_dtmf(&x, "7", 100, &err, &why));
	assert_int_equal(err, TZ_JSEP_ERR_MEDIA_SERVICES);
	assert_non_null(strstr(why, "full"));
	assert_false(x.svc.on);
	assert_true(a.svc.on && b.svc.on);
	tz_calls_svc_stats(&s1);
	assert_int_equal(s1.refused_full - s0.refused_full, 1);
	assert_int_equal(s1.dtmf_strings - s0.dtmf_strings, 3);
	assert_int_equal(s1.max_calls, 2);

	/* a call ends: its place goes to the next */
	tz_call_svc_release(&a);
	tz_call_svc_release(&a);                /* twice: counted once */
	assert_int_equal(n_cancelled, 1);       /* its digits still queued are dropped */
	assert_true(tz_call_svc_dtmf(&x, "7", 100, &err, &why));
	tz_calls_svc_stats(&s1);
	assert_int_equal(s1.in_stage, 2);
	tz_call_svc_release(&b);
	tz_call_svc_release(&x);
	tz_calls_svc_stats(&s1);
	assert_int_equal(s1.in_stage, 0);
}

static void test_ring_full(void **state)
{
	enum tz_jsep_err err;
	const char *why = NULL;
	struct call c;

	make_call(&c, 4);
	post_rc = -ENOBUFS;
	assert_false(tz_call_svc_dtmf(&c, "1", 100, &err, &why));
	assert_int_equal(err, TZ_JSEP_ERR_RATE_LIMITED);
	tz_call_svc_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_stage_off, setup),
		cmocka_unit_test_setup(test_admission_and_command, setup),
		cmocka_unit_test_setup(test_ring_full, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
