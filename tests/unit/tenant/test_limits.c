/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tenant limits at admission: each limit refuses at exactly its count with
 * its counter, SIP status and a message; buckets refill; users and tenants
 * do not affect each other; deny beats allow; live counts never underflow;
 * the per-user table stays bounded; a reload keeps state by name.
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

/* acme max_calls 3: the 4th live call is refused, an end makes room again. */
static void test_max_calls(void **state)
{
	struct tz_tenant_call c[4] = {
		fx_out(ACME, "u1", "+442079460001", TRUNK_ACME),
		fx_out(ACME, "u2", "+442079460002", TRUNK_ACME),
		fx_out(ACME, "u3", "+442079460003", TRUNK_ACME),
		fx_out(ACME, "u4", "+442079460004", TRUNK_ACME),
	};

	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_admit(&c[i], US0, NOON), TZ_TL_OK);
	assert_int_equal(tz_tenant_live_calls(ACME), 3);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_LIMIT_MAX_CALLS), 0);
	assert_int_equal(fx_admit(&c[3], US0, NOON), TZ_TL_MAX_CALLS);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_LIMIT_MAX_CALLS), 1);
	assert_int_equal(tz_tenant_sip_status(TZ_TL_MAX_CALLS), 503);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_CALLS_OUT), 3);
	assert_int_equal(tz_tenant_live_calls(ACME), 3);
	assert_true(log_count("acme: outbound call by u4 to +442079460004 refused: max_calls") ==
		    1);

	tz_tenant_call_end(&c[0], 0, NOON + 1);
	assert_int_equal(tz_tenant_live_calls(ACME), 2);
	assert_int_equal(fx_admit(&c[3], US0 + G_USEC_PER_SEC, NOON + 1), TZ_TL_OK);
	for (int i = 1; i < 4; i++)
		tz_tenant_call_end(&c[i], 0, NOON + 2);
	assert_int_equal(tz_tenant_live_calls(ACME), 0);
}

/* acme: 2 calls per user; globex has none of its own: the gateway's 4. */
static void test_user_calls(void **state)
{
	struct tz_tenant_call a[3], g[5];
	struct tz_tenant_call bob = fx_out(ACME, "bob", "+442079460000", TRUNK_ACME);

	fx_tenants[ACME].limits.max_calls = 0;
	fx_tenants[ACME].limits.user_calls_per_s = 0;
	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	for (int i = 0; i < 3; i++)
		a[i] = fx_out(ACME, "alice", "+442079460000", TRUNK_ACME);
	assert_int_equal(fx_admit(&a[0], US0, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&a[1], US0, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&a[2], US0, NOON), TZ_TL_USER_CALLS);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_LIMIT_USER_CALLS), 1);
	assert_int_equal(tz_tenant_sip_status(TZ_TL_USER_CALLS), 486);
	/* another user of the same tenant is not affected */
	assert_int_equal(fx_admit(&bob, US0, NOON), TZ_TL_OK);

	for (int i = 0; i < 5; i++)
		g[i] = fx_out(GLOBEX, "alice", "+33140000000", TRUNK_GLOBEX);
	for (int i = 0; i < 4; i++)
		assert_int_equal(fx_admit(&g[i], US0, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&g[4], US0, NOON), TZ_TL_USER_CALLS);
	assert_int_equal(fx_ctr(GLOBEX, TZ_TENANT_LIMIT_USER_CALLS), 1);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_LIMIT_USER_CALLS), 1);

	/* the inbound call to a user counts as one of her calls too */
	tz_tenant_call_end(&a[1], 0, NOON);
	{
		struct tz_tenant_call in = fx_in(ACME, "alice", TRUNK_ACME);

		assert_int_equal(fx_admit(&in, US0, NOON), TZ_TL_OK);
		assert_int_equal(fx_admit(&a[2], US0, NOON), TZ_TL_USER_CALLS);
		tz_tenant_call_end(&in, 0, NOON);
	}
}

/* acme 5 attempts/s: a burst of 5, then one per 200 ms; refusals take no token. */
static void test_tenant_rate(void **state)
{
	struct tz_tenant_call c[12];
	char user[12][8];
	int64_t t = US0;

	fx_tenants[ACME].limits.max_calls = 0;
	fx_tenants[ACME].limits.user_calls_per_s = 0;
	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	for (int i = 0; i < 12; i++) {
		snprintf(user[i], sizeof(user[i]), "u%d", i);
		c[i] = fx_out(ACME, user[i], "+442079460000", TRUNK_ACME);
	}
	for (int i = 0; i < 5; i++)
		assert_int_equal(fx_admit(&c[i], t, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&c[5], t, NOON), TZ_TL_RATE);
	assert_int_equal(fx_admit(&c[5], t + 199999, NOON), TZ_TL_RATE);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_LIMIT_RATE), 2);
	assert_int_equal(tz_tenant_sip_status(TZ_TL_RATE), 503);
	assert_int_equal(fx_admit(&c[5], t + 200000, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&c[6], t + 200000, NOON), TZ_TL_RATE);
	/* a second later the whole burst is back, and no more */
	t += 2 * G_USEC_PER_SEC;
	for (int i = 6; i < 11; i++)
		assert_int_equal(fx_admit(&c[i], t, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&c[11], t, NOON), TZ_TL_RATE);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_CALLS_OUT), 11);
	/* inbound calls are not rate limited */
	{
		struct tz_tenant_call in = fx_in(ACME, "u11", TRUNK_ACME);

		assert_int_equal(fx_admit(&in, t, NOON), TZ_TL_OK);
		tz_tenant_call_end(&in, 0, NOON);
	}
	for (int i = 0; i < 11; i++)
		tz_tenant_call_end(&c[i], 0, NOON);
	assert_int_equal(tz_tenant_live_calls(ACME), 0);
}

/* acme 1 attempt/s per user: alice waits a second; bob is not held up by her. */
static void test_user_rate(void **state)
{
	struct tz_tenant_call a1 = fx_out(ACME, "alice", "+442079460000", TRUNK_ACME);
	struct tz_tenant_call a2 = fx_out(ACME, "alice", "+442079460001", TRUNK_ACME);
	struct tz_tenant_call b1 = fx_out(ACME, "bob", "+442079460002", TRUNK_ACME);

	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	assert_int_equal(fx_admit(&a1, US0, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&a2, US0 + 500000, NOON), TZ_TL_USER_RATE);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_LIMIT_USER_RATE), 1);
	assert_int_equal(tz_tenant_sip_status(TZ_TL_USER_RATE), 503);
	assert_int_equal(fx_admit(&b1, US0 + 500000, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&a2, US0 + 999999, NOON), TZ_TL_USER_RATE);
	assert_int_equal(fx_admit(&a2, US0 + G_USEC_PER_SEC, NOON), TZ_TL_OK);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_LIMIT_USER_RATE), 2);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_LIMIT_RATE), 0);
	tz_tenant_call_end(&a1, 0, NOON);
	tz_tenant_call_end(&a2, 0, NOON);
	tz_tenant_call_end(&b1, 0, NOON);
}

/* allow "+44*", deny "+449*" "+4487*" "+00*": deny wins; globex has no lists. */
static void test_targets(void **state)
{
	static const struct {
		const char *number;
		bool ok;
	} acme[] = {
		{ "+442079460000", true },
		{ "+449001234567", false },     /* premium rate: denied though +44 */
		{ "+448712345678", false },
		{ "+4487", false },
		{ "+33140000000", false },      /* not in allow_targets */
		{ "+0044", false },
		{ "+44", true },
		{ "", false },
	};
	int64_t t = US0;
	uint64_t denied = 0;

	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	for (size_t i = 0; i < G_N_ELEMENTS(acme); i++, t += G_USEC_PER_SEC) {
		struct tz_tenant_call c = fx_out(ACME, "alice", acme[i].number, TRUNK_ACME);
		enum tz_tenant_limit l = fx_admit(&c, t, NOON);

		assert_int_equal(l, acme[i].ok ? TZ_TL_OK : TZ_TL_DENIED);
		denied += !acme[i].ok;
		assert_int_equal(fx_ctr(ACME, TZ_TENANT_LIMIT_DENIED), denied);
		if (l == TZ_TL_OK)
			tz_tenant_call_end(&c, 0, NOON);
	}
	assert_int_equal(tz_tenant_sip_status(TZ_TL_DENIED), 403);
	/* globex's users may call the number acme denies */
	{
		struct tz_tenant_call g = fx_out(GLOBEX, "alice", "+449001234567", TRUNK_GLOBEX);

		assert_int_equal(fx_admit(&g, t, NOON), TZ_TL_OK);
		tz_tenant_call_end(&g, 0, NOON);
		assert_int_equal(fx_ctr(GLOBEX, TZ_TENANT_LIMIT_DENIED), 0);
	}
	/* an inbound call has no target to check */
	{
		struct tz_tenant_call in = fx_in(ACME, "alice", TRUNK_ACME);

		assert_int_equal(fx_admit(&in, t, NOON), TZ_TL_OK);
		tz_tenant_call_end(&in, 0, NOON);
	}
}

static void test_patterns(void **state)
{
	assert_true(tenant_pattern_match("*", "+449"));
	assert_true(tenant_pattern_match("*", ""));
	assert_true(tenant_pattern_match("+44*", "+44"));
	assert_true(tenant_pattern_match("+44*", "+442079460000"));
	assert_false(tenant_pattern_match("+44*", "+4"));
	assert_true(tenant_pattern_match("+442079460000", "+442079460000"));
	assert_false(tenant_pattern_match("+442079460000", "+4420794600001"));
	assert_true(tenant_pattern_match("sip:*@acme.example", "sip:*@ACME.example"));
	assert_true(tenant_pattern_match("SIP:ops*", "sip:ops@acme.example"));

	/* an empty allow list allows nothing; no list allows all */
	{
		char *none[] = { NULL };
		char *star[] = { "*", NULL };
		struct tz_cfg_tenant_limits lim = { .allow_targets = none };

		assert_false(tenant_target_allowed(&lim, "+44"));
		lim.allow_targets = NULL;
		assert_true(tenant_target_allowed(&lim, "+44"));
		lim.deny_targets = star;
		assert_false(tenant_target_allowed(&lim, "+44"));
		assert_true(tenant_target_allowed(&lim, NULL));
	}
}

/* acme full and out of tokens; globex goes on as if acme were not there. */
static void test_tenant_isolation(void **state)
{
	struct tz_tenant_call a[5], g[20];
	char user[5][8], guser[20][8];
	int n_a = 0;

	fx_tenants[ACME].limits.user_calls_per_s = 0;
	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	for (int i = 0; i < 5; i++) {
		snprintf(user[i], sizeof(user[i]), "a%d", i);
		a[i] = fx_out(ACME, user[i], "+442079460000", TRUNK_ACME);
		if (fx_admit(&a[i], US0, NOON) == TZ_TL_OK)
			n_a++;
	}
	assert_int_equal(n_a, 3);
	for (int i = 0; i < 20; i++) {
		snprintf(guser[i], sizeof(guser[i]), "g%d", i);
		g[i] = fx_out(GLOBEX, guser[i], "+449001234567", TRUNK_GLOBEX);
		assert_int_equal(fx_admit(&g[i], US0, NOON), TZ_TL_OK);
	}
	assert_int_equal(tz_tenant_live_calls(ACME), 3);
	assert_int_equal(tz_tenant_live_calls(GLOBEX), 20);
	assert_int_equal(tz_tenant_live_calls(0), 0);
	for (int c = TZ_TENANT_LIMIT_MAX_CALLS; c <= TZ_TENANT_LIMIT_BUDGET; c++)
		assert_int_equal(fx_ctr(GLOBEX, c), 0);
	assert_int_equal(fx_ctr(GLOBEX, TZ_TENANT_CALLS_OUT), 20);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_CALLS_OUT), 3);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_LIMIT_MAX_CALLS), 2);
	for (int i = 0; i < 20; i++)
		tz_tenant_call_end(&g[i], 0, NOON);
	assert_int_equal(tz_tenant_live_calls(ACME), 3);
	for (int i = 0; i < 3; i++)
		tz_tenant_call_end(&a[i], 0, NOON);
}

/* An end or answer without an admission, or a second end, changes nothing. */
static void test_no_underflow(void **state)
{
	struct tz_tenant_call c = fx_out(ACME, "alice", "+442079460000", TRUNK_ACME);
	struct tz_tenant_call stray = fx_out(ACME, "mallory", "+442079460000", TRUNK_ACME);
	struct tz_tenant_call copy;

	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	tz_tenant_call_end(&stray, 0, NOON);
	tz_tenant_call_answered(&stray, NOON);
	assert_int_equal(tz_tenant_live_calls(ACME), 0);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_UNMATCHED), 2);
	assert_true(log_count("never admitted") >= 1);

	assert_int_equal(fx_admit(&c, US0, NOON), TZ_TL_OK);
	tz_tenant_call_end(&c, 0, NOON);
	tz_tenant_call_end(&c, 0, NOON);
	assert_int_equal(tz_tenant_live_calls(ACME), 0);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_UNMATCHED), 3);

	/* a copy of the struct (same contents, another address) ends the call */
	assert_int_equal(fx_admit(&c, US0 + G_USEC_PER_SEC, NOON), TZ_TL_OK);
	copy = c;
	tz_tenant_call_end(&copy, 0, NOON);
	assert_int_equal(tz_tenant_live_calls(ACME), 0);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_UNMATCHED), 3);
	/* a second admission through the same struct: both live, both end */
	assert_int_equal(fx_admit(&c, US0 + 2 * G_USEC_PER_SEC, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&c, US0 + 3 * G_USEC_PER_SEC, NOON), TZ_TL_OK);
	assert_int_equal(tz_tenant_live_calls(ACME), 2);
	tz_tenant_call_end(&c, 0, NOON);
	tz_tenant_call_end(&c, 0, NOON);
	tz_tenant_call_end(&c, 0, NOON);
	assert_int_equal(tz_tenant_live_calls(ACME), 0);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_UNMATCHED), 4);
	/* out-of-range tenant: refused, counted nowhere, no crash */
	{
		struct tz_tenant_call bad = fx_out(7, "x", "+44", UINT32_MAX);

		assert_int_equal(fx_admit(&bad, US0, NOON), TZ_TL_DENIED);
		tz_tenant_call_end(&bad, 0, NOON);
	}
}

/* A flood of distinct users: the per-user table stays at its cap. */
static void test_users_bounded(void **state)
{
	struct tenant_state *t;
	char user[16];

	fx_tenants[GLOBEX].limits.user_calls_per_s = 1;
	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	t = tz_tenant_g.tenants[GLOBEX];
	assert_int_equal(t->users_max, 4096);
	for (int i = 0; i < 6000; i++) {
		struct tz_tenant_call c;

		snprintf(user, sizeof(user), "u%d", i);
		c = fx_out(GLOBEX, user, "+33140000000", TRUNK_GLOBEX);
		assert_int_equal(fx_admit(&c, US0, NOON), TZ_TL_OK);
		tz_tenant_call_end(&c, 0, NOON);
	}
	assert_int_equal(g_hash_table_size(t->users), 4096);
	assert_int_equal(fx_ctr(GLOBEX, TZ_TENANT_USERS_FULL), 6000 - 4096);
	/* a second later, the tick forgets them all */
	{
		struct tz_tenant_call c = fx_out(GLOBEX, "last", "+33", TRUNK_GLOBEX);

		assert_int_equal(fx_admit(&c, US0 + G_USEC_PER_SEC, NOON), TZ_TL_OK);
		tz_tenant_tick(NOON + 1);
		assert_int_equal(g_hash_table_size(t->users), 1);      /* "last": live */
		tz_tenant_call_end(&c, 0, NOON + 1);
	}
}

/* Full of users with live calls: the next new user is refused, not tracked. */
static void test_users_full_live(void **state)
{
	static struct tz_tenant_call c[4096];
	static char user[4096][8];
	struct tz_tenant_call extra = fx_out(GLOBEX, "extra", "+33", TRUNK_GLOBEX);
	struct tz_tenant_call again;

	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	for (int i = 0; i < 4096; i++) {
		snprintf(user[i], sizeof(user[i]), "u%d", i);
		c[i] = fx_out(GLOBEX, user[i], "+33", TRUNK_GLOBEX);
		assert_int_equal(tz_tenant_admit(&c[i], US0, NOON, NULL, 0), TZ_TL_OK);
	}
	assert_int_equal(fx_admit(&extra, US0 + 5 * G_USEC_PER_SEC, NOON), TZ_TL_RATE);
	assert_int_equal(fx_ctr(GLOBEX, TZ_TENANT_USERS_FULL), 1);
	assert_int_equal(fx_ctr(GLOBEX, TZ_TENANT_LIMIT_RATE), 1);
	/* a known user still gets through */
	again = fx_out(GLOBEX, "u7", "+33", TRUNK_GLOBEX);
	assert_int_equal(fx_admit(&again, US0 + 5 * G_USEC_PER_SEC, NOON), TZ_TL_OK);
	tz_tenant_call_end(&again, 0, NOON);
	for (int i = 0; i < 4096; i++)
		tz_tenant_call_end(&c[i], 0, NOON);
	assert_int_equal(tz_tenant_live_calls(GLOBEX), 0);
	assert_int_equal(fx_admit(&extra, US0 + 5 * G_USEC_PER_SEC, NOON), TZ_TL_OK);
	tz_tenant_call_end(&extra, 0, NOON);
}

/*
 * A reload that reorders the tenants, adds one and drops globex: acme keeps
 * its counters, live calls, buckets and users under its new index; calls
 * admitted before end on the right tenant and trunk; globex's last call ends
 * without touching anyone.
 */
static void test_reload(void **state)
{
	static struct tz_config cfg2;
	static struct tz_cfg_tenant tenants2[3];
	static struct tz_cfg_trunk trunks2[2];
	struct tz_tenant_call a1 = fx_out(ACME, "alice", "+442079460000", TRUNK_ACME);
	struct tz_tenant_call a2 = fx_out(ACME, "alice", "+442079460001", TRUNK_ACME);
	struct tz_tenant_call a3 = fx_out(ACME, "alice", "+442079460002", TRUNK_ACME);
	struct tz_tenant_call g1 = fx_out(GLOBEX, "gina", "+33", TRUNK_GLOBEX);
	struct tz_tenant_call n1;
	int acme;

	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	assert_int_equal(fx_admit(&a1, US0, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&a2, US0 + 2 * G_USEC_PER_SEC, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&a3, US0 + 4 * G_USEC_PER_SEC, NOON), TZ_TL_USER_CALLS);
	assert_int_equal(fx_admit(&g1, US0, NOON), TZ_TL_OK);
	tz_tenant_call_answered(&a1, NOON);
	tz_tenant_trunk_result(TRUNK_ACME, 200, NOON);

	/* new config: default, initech (new), acme (moved); globex gone */
	tenants2[0] = fx_tenants[0];
	memset(&tenants2[1], 0, sizeof(tenants2[1]));
	strcpy(tenants2[1].name, "initech");
	tenants2[2] = fx_tenants[ACME];
	tenants2[2].limits.max_calls_per_user = 3;
	trunks2[0] = fx_trunks[TRUNK_PSTN];
	trunks2[1] = fx_trunks[TRUNK_ACME];
	trunks2[1].tenant = 2;
	cfg2 = fx_cfg;
	cfg2.tenants = tenants2;
	cfg2.n_tenants = 3;
	cfg2.sip.trunks = trunks2;
	cfg2.sip.n_trunks = 2;
	assert_int_equal(tz_tenant_init(&cfg2), 0);
	memset(&fx_cfg, 0xa5, sizeof(fx_cfg));   /* the old config is gone */
	memset(fx_tenants, 0xa5, sizeof(fx_tenants));
	memset(fx_trunks, 0xa5, sizeof(fx_trunks));

	acme = tz_tenant_find("acme");
	assert_int_equal(acme, 2);
	assert_int_equal(tz_tenant_find("globex"), -1);
	assert_int_equal(tz_tenant_find("initech"), 1);
	assert_int_equal(tz_tenant_live_calls(acme), 2);
	assert_int_equal(tz_tenant_live_calls(1), 0);
	assert_int_equal(fx_ctr(acme, TZ_TENANT_CALLS_OUT), 2);
	assert_int_equal(fx_ctr(acme, TZ_TENANT_LIMIT_USER_CALLS), 1);
	assert_int_equal(fx_ctr(acme, TZ_TENANT_CALLS_ANSWERED), 1);
	assert_int_equal(fx_ctr(1, TZ_TENANT_CALLS_OUT), 0);
	assert_int_equal(tz_tenant_g.trunks[1]->answered, 1);
	assert_int_equal(tz_tenant_g.trunks[1]->live, 2);
	/* alice's bucket (1/s) came along: still empty at the same instant */
	n1 = fx_out(acme, "alice", "+442079460003", 1);
	assert_int_equal(fx_admit(&n1, US0 + 2 * G_USEC_PER_SEC, NOON), TZ_TL_USER_RATE);
	/* the new per-user limit applies: a third call of alice now fits */
	assert_int_equal(fx_admit(&n1, US0 + 4 * G_USEC_PER_SEC, NOON), TZ_TL_OK);
	assert_int_equal(tz_tenant_live_calls(acme), 3);

	/* the calls of before end with their old structs (old indexes) */
	tz_tenant_call_end(&a1, NOON, NOON + 60);
	tz_tenant_call_end(&a2, 0, NOON + 60);
	tz_tenant_call_end(&g1, 0, NOON + 60);
	assert_int_equal(tz_tenant_live_calls(acme), 1);
	assert_int_equal(tz_tenant_live_calls(1), 0);
	assert_int_equal(tz_tenant_g.trunks[1]->live, 1);
	assert_int_equal(fx_ctr(1, TZ_TENANT_UNMATCHED), 0);
	assert_int_equal(fx_ctr(acme, TZ_TENANT_UNMATCHED), 0);
	/* the answered minute went to acme's budget */
	assert_int_equal(tenant_budget_spent_s(tz_tenant_g.tenants[acme], NOON + 60), 60);
	tz_tenant_call_end(&n1, 0, NOON + 60);
	assert_int_equal(tz_tenant_live_calls(acme), 0);

	/* globex comes back: a fresh start */
	fixture_reset();
	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	assert_int_equal(fx_ctr(GLOBEX, TZ_TENANT_CALLS_OUT), 0);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_CALLS_OUT), 3);
}

static void test_lookups(void **state)
{
	assert_int_equal(tz_tenant_find("acme"), -1);      /* not set up yet */
	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	assert_int_equal(tz_tenant_find("default"), 0);
	assert_int_equal(tz_tenant_find("globex"), 2);
	assert_int_equal(tz_tenant_find("Globex"), -1);
	assert_int_equal(tz_tenant_find(NULL), -1);
	assert_int_equal(tz_tenant_of_domain("ACME.example"), 1);
	assert_int_equal(tz_tenant_of_domain("globex.example"), 2);
	assert_int_equal(tz_tenant_of_domain("example"), -1);
	assert_null(tz_tenant_counters(3));
	tz_tenant_count(3, TZ_TENANT_LOGINS);         /* ignored */
	tz_tenant_count(1, TZ_TENANT_LOGINS);
	assert_int_equal(fx_ctr(1, TZ_TENANT_LOGINS), 1);
	assert_string_equal(tz_tenant_counter_name(TZ_TENANT_LIMIT_BUDGET),
			    "limit_daily_minutes");
	assert_int_equal(tz_tenant_sip_status(TZ_TL_OK), 0);
	assert_int_equal(tz_tenant_sip_status(TZ_TL_BUDGET), 403);
}

/* A config without a tenants list still has its default tenant. */
static void test_no_tenants(void **state)
{
	struct tz_tenant_call c[2];
	char *deny[] = { "+900*", NULL };

	fx_cfg.tenants = NULL;
	fx_cfg.n_tenants = 0;
	fx_cfg.sip.n_trunks = 1;
	fx_cfg.limits.tenant.deny_targets = deny;
	fx_cfg.limits.max_calls_per_user = 1;
	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	assert_int_equal(tz_tenant_find("default"), 0);
	c[0] = fx_out(0, "alice", "+9001", TRUNK_PSTN);
	c[1] = fx_out(0, "alice", "+4401", TRUNK_PSTN);
	assert_int_equal(fx_admit(&c[0], US0, NOON), TZ_TL_DENIED);
	assert_int_equal(fx_admit(&c[1], US0, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&c[1], US0, NOON), TZ_TL_USER_CALLS);
	tz_tenant_call_end(&c[1], 0, NOON);
}

/* Refusals are logged, but not more than 10 per 10 s. */
static void test_refusal_log_limited(void **state)
{
	struct tz_tenant_call c = fx_out(ACME, "alice", "+449001", TRUNK_ACME);

	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(fx_admit(&c, US0 + i * 1000, NOON), TZ_TL_DENIED);
	assert_int_equal(fx_ctr(ACME, TZ_TENANT_LIMIT_DENIED), 100);
	assert_int_equal(log_count("refused: target denied"), 10);
	assert_int_equal(fx_admit(&c, US0 + 11 * G_USEC_PER_SEC, NOON), TZ_TL_DENIED);
	assert_int_equal(log_count("90 more refusals not logged"), 1);
	assert_int_equal(log_count("refused: target denied"), 11);
}

/* Before tz_tenant_init nothing is limited or counted, and nothing breaks. */
static void test_not_set_up(void **state)
{
	struct tz_tenant_call c = fx_out(ACME, "alice", "+449001", TRUNK_ACME);

	assert_int_equal(fx_admit(&c, US0, NOON), TZ_TL_OK);
	tz_tenant_call_answered(&c, NOON);
	tz_tenant_call_end(&c, NOON, NOON + 5);
	tz_tenant_tick(NOON);
	tz_tenant_trunk_result(0, 200, NOON);
	assert_int_equal(tz_tenant_live_calls(ACME), 0);
	assert_null(tz_tenant_counters(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_set_up, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_max_calls, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_user_calls, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tenant_rate, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_user_rate, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_targets, fx_setup, fx_teardown),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test_setup_teardown(test_tenant_isolation, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_underflow, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_users_bounded, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_users_full_live, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reload, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_lookups, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_tenants, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_refusal_log_limited, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
