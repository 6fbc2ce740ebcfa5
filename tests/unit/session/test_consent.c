/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICE consent in the dataplane, the control plane's side (consent.c), ICE
 * stubbed and the session table faked (its hot header, as session.c lays
 * it out first): credentials go on browser-keyed flows only and only with
 * media.consent_in_dataplane; the consent time is libnice's until the
 * workers' count of answered checks moves, then the time it last moved, so
 * a call whose checks stop expires on the control plane's clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "calls_pvt.h"
#include "tz_ice.h"
#include "tz_stun.h"

struct tz_calls_env tz_calls_env;
uint64_t tz_calls_ctr[TZ_CC_COUNT];

static int64_t ice_consent;
static struct tz_config cfg;
static struct tz_dp_flow_state slots[4];
static struct tz_dp_sessions_hot hot = { slots, 4 };
static struct call call;

int64_t tz_ice_last_consent(const struct tz_ice *ice)
{
	(void)ice;
	return ice_consent;
}

const char *tz_ice_local_ufrag(const struct tz_ice *ice)
{
	(void)ice;
	return "gw01ufrg";
}

const char *tz_ice_local_pwd(const struct tz_ice *ice)
{
	(void)ice;
	return "0123456789abcdefghijklmn";
}

static int setup(void **state)
{
	(void)state;
	memset(&call, 0, sizeof(call));
	memset(slots, 0, sizeof(slots));
	memset(&cfg, 0, sizeof(cfg));
	cfg.media.consent_in_dataplane = true;
	tz_calls_env.cfg = &cfg;
	tz_calls_env.sessions = (struct tz_dp_sessions *)(void *)&hot;
	tz_calls_env.access_idx = 0;
	call.web.ice = (struct tz_ice *)(void *)&call;         /* any non-NULL agent */
	call.web.neg.ice_ufrag = "brws";
	/* flow 0 from the browser (access port), flow 1 from the SIP side */
	call.media.n_flows = 2;
	call.media.keys[0].port_idx = 0;
	call.media.slots[0] = 1;
	call.media.keys[1].port_idx = 1;
	call.media.slots[1] = 2;
	ice_consent = 1000;
	return 0;
}

static void test_credentials_on_browser_flows_only(void **state)
{
	struct tz_dp_flow f;
	struct tz_dp_flow_key k = { .port_idx = 0 };

	(void)state;
	memset(&f, 0, sizeof(f));
	tz_consent_flow(&call, &k, &f);
	assert_int_equal(f.stun.on, 1);
	assert_int_equal(f.stun.user_len, 13);
	assert_memory_equal(f.stun.user, "gw01ufrg:brws", 13);
	k.port_idx = 1;                         /* the SIP side: cleared, even if copied */
	tz_consent_flow(&call, &k, &f);
	assert_int_equal(f.stun.on, 0);
	k.port_idx = 0;
	cfg.media.consent_in_dataplane = false;
	tz_consent_flow(&call, &k, &f);
	assert_int_equal(f.stun.on, 0);
	cfg.media.consent_in_dataplane = true;
	call.web.ice = NULL;
	tz_consent_flow(&call, &k, &f);
	assert_int_equal(f.stun.on, 0);
}

static void test_consent_follows_the_dataplane_count(void **state)
{
	(void)state;
	assert_int_equal(tz_consent_last(&call, 2000), 1000);          /* libnice's */
	slots[2].consent_n = 5;                                        /* SIP side: ignored */
	assert_int_equal(tz_consent_last(&call, 3000), 1000);
	slots[1].consent_n = 1;                                        /* a check answered */
	assert_int_equal(tz_consent_last(&call, 4000), 4000);
	assert_int_equal(tz_consent_last(&call, 9000), 4000);          /* none since: ages */
	slots[1].consent_n = 0;                                        /* wrapped around */
	assert_int_equal(tz_consent_last(&call, 10000), 10000);
	ice_consent = 12000;                                           /* libnice's is later */
	assert_int_equal(tz_consent_last(&call, 13000), 12000);
	ice_consent = 0;                                               /* not followed */
	slots[1].consent_n = 7;
	assert_int_equal(tz_consent_last(&call, 14000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_credentials_on_browser_flows_only, setup),
		cmocka_unit_test_setup(test_consent_follows_the_dataplane_count, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
