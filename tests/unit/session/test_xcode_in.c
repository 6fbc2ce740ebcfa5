/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transcoded inbound calls (ctrlplane/session/xcode_in.c, issue 14; docs/
 * media-services.md "Inbound calls"): what the browser is offered for a
 * caller's codecs under each transcode mode and with the stage on or off;
 * whether the browser's answer makes the call transcoded (admitted into
 * the stage, refusals passed on for the 488); the codecs answered to the
 * caller.  The mode, the admission and the stage are stubbed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "calls_pvt.h"

/* ---- stubs of xcode.c, svc and the SDP helpers ---- */

struct tz_calls_env tz_calls_env;
static enum tz_cfg_transcode mode;
static unsigned stage_cores;
static int admit_rc;
static unsigned admitted;

enum tz_cfg_transcode tz_call_xcode_mode(struct call *c)
{
	return mode;
}

const char *const *tz_call_xcode_web_codecs(void)
{
	static const char *const web[] = { "opus", "G722", "PCMU", "PCMA", NULL };

	return web;
}

int tz_call_xcode_admit(struct call *c, char *err, size_t errlen)
{
	admitted++;
	if (admit_rc != 0) {
		snprintf(err, errlen, "stage full");
		return admit_rc;
	}
	c->xc.on = true;
	return 0;
}

static uint32_t in_stage;

void tz_calls_svc_stats(struct tz_calls_svc_stats *out)
{
	*out = (struct tz_calls_svc_stats){ .cores = stage_cores, .max_calls = 2,
					     .in_stage = in_stage };
}

unsigned tz_svc_n_cores(void)
{
	return stage_cores;
}

void tz_sdp_neg_names(const struct tz_sdp_neg *neg, const char **names, size_t n)
{
	size_t k = 0;

	for (unsigned i = 0; i < neg->n_codecs && k + 1 < n; i++)
		names[k++] = neg->codecs[i].name;
	names[k] = NULL;
}

/* ---- helpers ---- */

static void neg_of(struct tz_sdp_neg *n, const char *const *names)
{
	memset(n, 0, sizeof(*n));
	n->te_pt = -1;
	for (; *names != NULL; names++)
		n->codecs[n->n_codecs++] = (struct tz_sdp_pt){ .name = *names, .clock = 8000 };
}

static void offer_is(const char *const *sip, const char *want)
{
	struct call c = { .inbound = true };
	const char *out[12];
	char got[200] = "";

	tz_call_xcode_web_offer(&c, sip, out, 12);
	for (size_t i = 0; out[i] != NULL; i++) {
		strcat(got, i ? " " : "");
		strcat(got, out[i]);
	}
	assert_string_equal(got, want);
}

static int setup(void **state)
{
	mode = TZ_XCODE_WHEN_NEEDED;
	stage_cores = 1;
	admit_rc = 0;
	admitted = 0;
	in_stage = 0;
	return 0;
}

/* ---- tests ---- */

static void test_web_offer(void **state)
{
	static const char *const pcmu[] = { "PCMU", NULL };
	static const char *const pcma_pcmu[] = { "PCMA", "PCMU", NULL };

	/* when-needed: the caller's first (a browser takes them, no transcoding),
	 * then what the stage could make of them */
	offer_is(pcmu, "PCMU opus G722 PCMA");
	offer_is(pcma_pcmu, "PCMA PCMU opus G722");
	/* prefer: the browser's own first */
	mode = TZ_XCODE_PREFER;
	offer_is(pcmu, "opus G722 PCMU PCMA");
	/* ... unless the stage is full: a browser taking the caller's codec is
	 * then forwarded, not refused */
	in_stage = 2;
	offer_is(pcmu, "PCMU opus G722 PCMA");
	in_stage = 0;
	/* off, or the stage off: the caller's alone, as before transcoding */
	mode = TZ_XCODE_OFF;
	offer_is(pcmu, "PCMU");
	mode = TZ_XCODE_PREFER;
	stage_cores = 0;
	offer_is(pcma_pcmu, "PCMA PCMU");
}

static void decide(const char *const *web, const char *const *sip, int want_rc, bool want_on)
{
	struct call c = { .inbound = true };
	char err[100] = "";

	neg_of(&c.web.neg, web);
	neg_of(&c.sip.neg, sip);
	assert_int_equal(tz_call_xcode_inbound(&c, err, sizeof(err)), want_rc);
	assert_int_equal(c.xc.on, want_on);
}

static void test_inbound_decision(void **state)
{
	static const char *const opus[] = { "opus", NULL };
	static const char *const pcmu[] = { "PCMU", NULL };
	static const char *const pcmu_opus[] = { "PCMU", "opus", NULL };
	static const char *const g722[] = { "G722", NULL };

	/* the browser sends Opus, the caller has PCMU only: transcoded */
	decide(opus, pcmu, 0, true);
	assert_int_equal(admitted, 1);
	/* the browser takes the caller's codec: not */
	decide(pcmu_opus, pcmu, 0, false);
	/* the caller has Opus too: no need */
	decide(opus, pcmu_opus, 0, false);
	assert_int_equal(admitted, 1);
	/* prefer: although both have the codec, unless it is the same one */
	mode = TZ_XCODE_PREFER;
	decide(opus, pcmu_opus, 0, true);
	decide(pcmu, pcmu, 0, false);
	decide(g722, pcmu, 0, true);
	/* off: never (the answer to the caller then finds no common codec) */
	mode = TZ_XCODE_OFF;
	decide(opus, pcmu, 0, false);
	/* the stage full or off: the refusal goes back (488 to the caller) */
	mode = TZ_XCODE_WHEN_NEEDED;
	admit_rc = -EBUSY;
	decide(opus, pcmu, -EBUSY, false);
	admit_rc = -ENODEV;
	decide(opus, pcmu, -ENODEV, false);
}

static void test_sip_names(void **state)
{
	static const char *const opus[] = { "opus", NULL };
	static const char *const caller[] = { "PCMA", "PCMU", NULL };
	struct call c = { .inbound = true };
	const char *names[4];

	neg_of(&c.web.neg, opus);
	neg_of(&c.sip.neg, caller);
	tz_call_xcode_sip_names(&c, names, 4);
	assert_string_equal(names[0], "opus");       /* not transcoded: the browser's */
	c.xc.on = true;
	tz_call_xcode_sip_names(&c, names, 4);
	assert_string_equal(names[0], "PCMA");       /* transcoded: the caller's first */
	assert_null(names[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_web_offer, setup),
		cmocka_unit_test_setup(test_inbound_decision, setup),
		cmocka_unit_test_setup(test_sip_names, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
