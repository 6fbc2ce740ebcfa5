/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The call manager's blind transfer (ctrlplane/session/transfer.c) with the
 * rest of the call manager and the SIP leg stubbed: which REFER goes out for
 * a target, how the far end's reports reach the callback, the counters, and
 * that nothing is reported once the call ended.  The SIP side of the same
 * exchange runs against sipp in tests/unit/sip/test_sip.c (test_refer_*).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "calls_pvt.h"

/* ---- stubs ---- */
struct tz_calls_env tz_calls_env;
uint64_t tz_calls_ctr[TZ_CC_COUNT];

static struct call the_call;
static bool call_live;
static struct tz_cfg_trunk trunk;
static int route_rc, refer_rc;
static char refer_to[256], referred_by[256];
static int refers;
static int fake_sip, fake_leg;

void tz_calls_foreach(void (*fn)(struct call *, void *), void *arg)
{
	if (call_live)
		fn(&the_call, arg);
}

int tz_route_target(uint32_t tenant, const char *target, size_t len,
		    const struct tz_cfg_trunk **t, char *user, size_t ulen, enum tz_jsep_err *code,
		    char *why, size_t wlen)
{
	assert_int_equal(strlen(target), len);
	g_strlcpy(why, "stub refusal", wlen);
	if (route_rc != 0)
		return route_rc;
	*t = &trunk;
	g_strlcpy(user, target[0] == '+' ? target : "+442079460001", ulen);
	return 0;
}

int tz_sip_leg_refer(struct tz_sip_leg *leg, const char *to, const char *by)
{
	assert_ptr_equal(leg, (struct tz_sip_leg *)&fake_leg);
	refers++;
	g_strlcpy(refer_to, to, sizeof(refer_to));
	g_strlcpy(referred_by, by ? by : "(null)", sizeof(referred_by));
	return refer_rc;
}

void *tz_sip_leg_get_user(const struct tz_sip_leg *leg)
{
	return leg == (struct tz_sip_leg *)&fake_leg ? &the_call : NULL;
}

/* ---- the callback ---- */
static int cb_calls, cb_status[8];
static char cb_frag[8][64];
static int cb_arg;

static void progress(int status, const char *sipfrag, void *arg)
{
	assert_ptr_equal(arg, &cb_arg);
	if (cb_calls < 8) {
		cb_status[cb_calls] = status;
		g_strlcpy(cb_frag[cb_calls], sipfrag ? sipfrag : "(null)", sizeof(cb_frag[0]));
	}
	cb_calls++;
}

#define CONN ((void *)0x1234)
#define LEG ((struct tz_sip_leg *)&fake_leg)

static int setup(void **state)
{
	memset(&the_call, 0, sizeof(the_call));
	memset(tz_calls_ctr, 0, sizeof(tz_calls_ctr));
	the_call.conn = CONN;
	the_call.state = CALL_CONNECTED;
	the_call.sip.leg = LEG;
	g_strlcpy(the_call.name, "c1", sizeof(the_call.name));
	g_strlcpy(the_call.user, "alice", sizeof(the_call.user));
	g_strlcpy(the_call.from_uri, "sip:alice@example.com", sizeof(the_call.from_uri));
	call_live = true;
	memset(&trunk, 0, sizeof(trunk));
	g_strlcpy(trunk.name, "pbx", sizeof(trunk.name));
	trunk.address.host = "203.0.113.3";
	trunk.address.port = 5060;
	trunk.transport = TZ_SIP_UDP;
	tz_calls_env.sip = (struct tz_sip *)&fake_sip;
	route_rc = refer_rc = refers = cb_calls = 0;
	refer_to[0] = referred_by[0] = '\0';
	return 0;
}

static void ok_transfer(void)
{
	assert_int_equal(tz_calls_transfer(CONN, "c1", "+442079460001", progress, &cb_arg), 0);
	assert_int_equal(refers, 1);
	assert_int_equal(cb_calls, 0);   /* never from inside the call */
}

static void test_accepted_then_notified(void **state)
{
	ok_transfer();
	assert_string_equal(refer_to, "sip:+442079460001@203.0.113.3:5060");
	assert_string_equal(referred_by, "sip:alice@example.com");
	tz_transfer_on_refer(LEG, 202, NULL, NULL);
	tz_transfer_on_refer(LEG, 0, "SIP/2.0 100 Trying", NULL);
	assert_int_equal(tz_calls_ctr[TZ_CC_TRANSFER_OK], 0);
	tz_transfer_on_refer(LEG, 0, "SIP/2.0 200 OK", NULL);
	tz_transfer_on_refer(LEG, 0, NULL, NULL);   /* after the final: not reported */
	assert_int_equal(cb_calls, 3);
	assert_int_equal(cb_status[0], 202);
	assert_string_equal(cb_frag[0], "(null)");
	assert_int_equal(cb_status[1], 0);
	assert_string_equal(cb_frag[1], "SIP/2.0 100 Trying");
	assert_int_equal(cb_status[2], 0);
	assert_string_equal(cb_frag[2], "SIP/2.0 200 OK");
	assert_int_equal(tz_calls_ctr[TZ_CC_TRANSFER_REQUESTED], 1);
	assert_int_equal(tz_calls_ctr[TZ_CC_TRANSFER_OK], 1);
	assert_int_equal(tz_calls_ctr[TZ_CC_TRANSFER_FAILED], 0);
	assert_null(the_call.xfer_cb);
}

static void test_refused_by_far_end(void **state)
{
	ok_transfer();
	tz_transfer_on_refer(LEG, 403, NULL, NULL);
	assert_int_equal(cb_calls, 1);
	assert_int_equal(cb_status[0], 403);
	assert_int_equal(tz_calls_ctr[TZ_CC_TRANSFER_FAILED], 1);
	/* Over: the user may try again. */
	assert_int_equal(tz_calls_transfer(CONN, "c1", "+442079460002", progress, &cb_arg), 0);
	assert_int_equal(refers, 2);
}

static void test_failed_sipfrag_and_silence(void **state)
{
	ok_transfer();
	tz_transfer_on_refer(LEG, 202, NULL, NULL);
	tz_transfer_on_refer(LEG, 0, "SIP/2.0 486 Busy Here", NULL);
	assert_int_equal(cb_calls, 2);
	assert_int_equal(tz_calls_ctr[TZ_CC_TRANSFER_FAILED], 1);
	assert_int_equal(tz_calls_transfer(CONN, "c1", "+442079460001", progress, &cb_arg), 0);
	tz_transfer_on_refer(LEG, 202, NULL, NULL);
	tz_transfer_on_refer(LEG, 0, NULL, NULL);   /* subscription over, no final line */
	assert_int_equal(cb_calls, 4);
	assert_int_equal(cb_status[3], 0);
	assert_string_equal(cb_frag[3], "(null)");
	assert_int_equal(tz_calls_ctr[TZ_CC_TRANSFER_FAILED], 2);
	assert_int_equal(tz_calls_ctr[TZ_CC_TRANSFER_OK], 0);
}

/* The call ended (the web user hung up) while the far end was transferring:
 * the callback is not called any more. */
static void test_nothing_after_call_end(void **state)
{
	ok_transfer();
	tz_transfer_on_refer(LEG, 202, NULL, NULL);
	the_call.state = CALL_ENDED;
	tz_transfer_on_refer(LEG, 0, "SIP/2.0 200 OK", NULL);
	tz_transfer_on_refer(LEG, 0, NULL, NULL);
	assert_int_equal(cb_calls, 1);
	/* An ended call cannot be transferred. */
	assert_int_equal(tz_calls_transfer(CONN, "c1", "+44", progress, &cb_arg), -ENOTCONN);
}

static void test_refusals(void **state)
{
	assert_int_equal(tz_calls_transfer(CONN, "nope", "+44", progress, &cb_arg), -ENOTCONN);
	assert_int_equal(tz_calls_transfer((void *)0x99, "c1", "+44", progress, &cb_arg),
			 -ENOTCONN);
	assert_int_equal(tz_calls_transfer(CONN, "c1", NULL, progress, &cb_arg), -EINVAL);
	assert_int_equal(tz_calls_transfer(CONN, "c1", "+44", NULL, &cb_arg), -EINVAL);
	route_rc = -ENOENT;
	assert_int_equal(tz_calls_transfer(CONN, "c1", "+44", progress, &cb_arg), -ENOENT);
	route_rc = -EINVAL;
	assert_int_equal(tz_calls_transfer(CONN, "c1", "bad target", progress, &cb_arg), -EINVAL);
	route_rc = -EILSEQ;
	assert_int_equal(tz_calls_transfer(CONN, "c1", "x", progress, &cb_arg), -EINVAL);
	route_rc = 0;
	assert_int_equal(refers, 0);
	refer_rc = -ENOTCONN;        /* the SIP leg is not answered yet */
	assert_int_equal(tz_calls_transfer(CONN, "c1", "+44", progress, &cb_arg), -ENOTCONN);
	refer_rc = 0;
	the_call.sip.leg = NULL;         /* an echo call */
	assert_int_equal(tz_calls_transfer(CONN, "c1", "+44", progress, &cb_arg), -ENOTCONN);
	the_call.sip.leg = LEG;
	assert_int_equal(tz_calls_transfer(CONN, "c1", "+44", progress, &cb_arg), 0);
	assert_int_equal(tz_calls_transfer(CONN, "c1", "+45", progress, &cb_arg), -EBUSY);
	assert_int_equal(tz_calls_ctr[TZ_CC_TRANSFER_REQUESTED], 11);
	assert_int_equal(tz_calls_ctr[TZ_CC_TRANSFER_FAILED], 10);
	assert_int_equal(cb_calls, 0);
}

static void test_refer_to_forms(void **state)
{
	trunk.address.host = "2001:db8::5";
	trunk.address.port = 5061;
	trunk.transport = TZ_SIP_TLS;
	the_call.from_uri[0] = '\0';   /* a trapeze-jsep.v1 user: sofia's From is Referred-By */
	ok_transfer();
	assert_string_equal(refer_to, "sips:+442079460001@[2001:db8::5]:5061");
	assert_string_equal(referred_by, "(null)");
	tz_transfer_on_refer(LEG, 403, NULL, NULL);
	trunk.address.host = "pbx.example.com";
	trunk.address.port = 0;
	trunk.transport = TZ_SIP_TCP;
	assert_int_equal(tz_calls_transfer(CONN, "c1", "+15551234", progress, &cb_arg), 0);
	assert_string_equal(refer_to, "sip:+15551234@pbx.example.com");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_accepted_then_notified, setup),
		cmocka_unit_test_setup(test_refused_by_far_end, setup),
		cmocka_unit_test_setup(test_failed_sipfrag_and_silence, setup),
		cmocka_unit_test_setup(test_nothing_after_call_end, setup),
		cmocka_unit_test_setup(test_refusals, setup),
		cmocka_unit_test_setup(test_refer_to_forms, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
