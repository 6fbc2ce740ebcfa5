/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `show tenants` and `show tenant NAME` through the CLI dispatcher, as
 * trapezectl gets them: the JSON carries every figure the operator reads.
 */
#include <string.h>

#include <json-glib/json-glib.h>

#include "fixture.h"
#include "tz_cli.h"

static int64_t fixed_clock(void)
{
	return NOON + 100;
}

static void live_hook(uint32_t t, struct tz_tenant_live *out)
{
	out->users_online = t * 10 + 1;
	out->registrations = t * 10 + 2;
}

/* Run @p line; the parsed reply (caller unrefs). */
static JsonNode *run(const char *line)
{
	char *reply = tz_cli_execute(line);
	JsonNode *n = json_from_string(reply, NULL);

	assert_non_null(n);
	g_free(reply);
	return n;
}

static JsonObject *result_object(JsonNode *reply)
{
	JsonObject *o = json_node_get_object(reply);

	assert_true(json_object_get_boolean_member(o, "ok"));
	return json_object_get_object_member(o, "result");
}

static const char *error_of(JsonNode *reply)
{
	JsonObject *o = json_node_get_object(reply);

	assert_false(json_object_get_boolean_member(o, "ok"));
	return json_object_get_string_member(o, "error");
}

static bool is_null(JsonObject *o, const char *k)
{
	return json_object_has_member(o, k) && json_object_get_null_member(o, k);
}

static struct tz_tenant_call a1, a2, in1, denied;

static int cmd_setup(void **state)
{
	fx_setup(state);
	tz_tenant_wall_clock = fixed_clock;
	tz_tenant_set_live_hook(live_hook);
	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	a1 = fx_out(ACME, "alice", "+442079460000", TRUNK_ACME);
	a2 = fx_out(ACME, "bob", "+442079460001", TRUNK_ACME);
	in1 = fx_in(ACME, "carol", TRUNK_ACME);
	denied = fx_out(ACME, "alice", "+449001", TRUNK_ACME);
	assert_int_equal(fx_admit(&a1, US0, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&a2, US0, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&in1, US0, NOON), TZ_TL_OK);
	assert_int_equal(fx_admit(&denied, US0, NOON), TZ_TL_DENIED);
	tz_tenant_call_answered(&a1, NOON);
	tz_tenant_trunk_result(TRUNK_ACME, 200, NOON);
	tz_tenant_trunk_result(TRUNK_ACME, 486, NOON + 20);
	tz_tenant_trunk_result(TRUNK_ACME, 503, NOON + 40);
	return 0;
}

static int cmd_teardown(void **state)
{
	tz_tenant_set_live_hook(NULL);
	fx_teardown(state);
	return 0;
}

static void test_show_tenants(void **state)
{
	JsonNode *reply = run("show tenants");
	JsonObject *o = json_node_get_object(reply);
	JsonArray *rows;
	JsonObject *acme, *globex;

	assert_true(json_object_get_boolean_member(o, "ok"));
	rows = json_object_get_array_member(o, "result");
	assert_int_equal(json_array_get_length(rows), 3);
	assert_string_equal(json_object_get_string_member(json_array_get_object_element(rows, 0),
							  "tenant"), "default");
	acme = json_array_get_object_element(rows, 1);
	assert_string_equal(json_object_get_string_member(acme, "tenant"), "acme");
	assert_int_equal(json_object_get_int_member(acme, "users"), 11);
	assert_int_equal(json_object_get_int_member(acme, "registrations"), 12);
	assert_int_equal(json_object_get_int_member(acme, "calls"), 3);
	assert_int_equal(json_object_get_int_member(acme, "max_calls"), 3);
	assert_int_equal(json_object_get_int_member(acme, "out_today"), 2);
	assert_int_equal(json_object_get_int_member(acme, "in_today"), 1);
	assert_int_equal(json_object_get_int_member(acme, "minutes_today"), 1);   /* 100 s */
	assert_int_equal(json_object_get_int_member(acme, "daily_minutes"), 10);
	assert_int_equal(json_object_get_int_member(acme, "limits_hit"), 1);
	assert_string_equal(json_object_get_string_member(acme, "trunks"), "acme-pbx");
	globex = json_array_get_object_element(rows, 2);
	assert_int_equal(json_object_get_int_member(globex, "calls"), 0);
	assert_true(is_null(globex, "max_calls"));
	assert_true(is_null(globex, "daily_minutes"));
	assert_string_equal(json_object_get_string_member(globex, "trunks"), "globex-pbx");
	json_node_unref(reply);
}

static void test_show_tenant(void **state)
{
	JsonNode *reply = run("show tenant acme");
	JsonObject *r = result_object(reply);
	JsonObject *sel, *lim, *live, *bud, *ctr, *tr;
	JsonArray *trunks;

	assert_string_equal(json_object_get_string_member(r, "tenant"), "acme");
	sel = json_object_get_object_member(r, "selectors");
	assert_string_equal(json_array_get_string_element(
		json_object_get_array_member(sel, "domains"), 0), "acme.example");
	assert_string_equal(json_array_get_string_element(
		json_object_get_array_member(sel, "origins"), 0), "https://www.acme.example");
	assert_string_equal(json_array_get_string_element(
		json_object_get_array_member(sel, "hosts"), 0), "acme.webrtc.example.net");
	assert_string_equal(json_array_get_string_element(
		json_object_get_array_member(sel, "paths"), 0), "/acme");

	lim = json_object_get_object_member(r, "limits");
	assert_int_equal(json_object_get_int_member(lim, "max_calls"), 3);
	assert_int_equal(json_object_get_int_member(lim, "max_calls_per_user"), 2);
	assert_int_equal(json_object_get_int_member(lim, "calls_per_s"), 5);
	assert_int_equal(json_object_get_int_member(lim, "user_calls_per_s"), 1);
	assert_string_equal(json_array_get_string_element(
		json_object_get_array_member(lim, "allow_targets"), 0), "+44*");
	assert_int_equal(json_array_get_length(json_object_get_array_member(lim, "deny_targets")),
			 3);
	assert_int_equal(json_object_get_int_member(lim, "daily_minutes"), 10);
	assert_int_equal(json_object_get_int_member(lim, "daily_minutes_alarm"), 80);

	live = json_object_get_object_member(r, "live");
	assert_int_equal(json_object_get_int_member(live, "users_online"), 11);
	assert_int_equal(json_object_get_int_member(live, "registrations"), 12);
	assert_int_equal(json_object_get_int_member(live, "calls"), 3);

	bud = json_object_get_object_member(r, "budget");
	assert_string_equal(json_object_get_string_member(bud, "day"), "2026-12-07");
	assert_int_equal(json_object_get_int_member(bud, "seconds_used"), 100);
	assert_int_equal(json_object_get_int_member(bud, "minutes_used"), 1);
	assert_int_equal(json_object_get_int_member(bud, "percent_used"), 16);
	assert_string_equal(json_object_get_string_member(bud, "alarm"), "none");
	assert_int_equal(json_object_get_int_member(bud, "calls_out_today"), 2);
	assert_int_equal(json_object_get_int_member(bud, "calls_in_today"), 1);

	ctr = json_object_get_object_member(r, "counters");
	assert_int_equal(json_object_get_size(ctr), TZ_TENANT_COUNT);
	for (int i = 0; i < TZ_TENANT_COUNT; i++)
		assert_true(json_object_has_member(ctr, tz_tenant_counter_name(i)));
	assert_int_equal(json_object_get_int_member(ctr, "calls_out"), 2);
	assert_int_equal(json_object_get_int_member(ctr, "calls_in"), 1);
	assert_int_equal(json_object_get_int_member(ctr, "calls_answered"), 1);
	assert_int_equal(json_object_get_int_member(ctr, "limit_target_denied"), 1);

	trunks = json_object_get_array_member(r, "trunks");
	assert_int_equal(json_array_get_length(trunks), 1);
	tr = json_array_get_object_element(trunks, 0);
	assert_string_equal(json_object_get_string_member(tr, "trunk"), "acme-pbx");
	assert_string_equal(json_object_get_string_member(tr, "address"), "pbx.acme.example:5061");
	assert_string_equal(json_object_get_string_member(tr, "transport"), "tls");
	assert_string_equal(json_object_get_string_member(tr, "srtp"), "sdes");
	assert_int_equal(json_object_get_int_member(tr, "calls"), 3);
	assert_int_equal(json_object_get_int_member(tr, "last_status"), 503);
	assert_int_equal(json_object_get_int_member(tr, "last_age_s"), 60);
	assert_int_equal(json_object_get_int_member(tr, "answered"), 1);
	assert_int_equal(json_object_get_int_member(tr, "failed"), 1);   /* 486 is no failure */
	json_node_unref(reply);

	/* globex: no limits (null), an IPv6 trunk without results yet */
	reply = run("show tenant globex");
	r = result_object(reply);
	lim = json_object_get_object_member(r, "limits");
	assert_true(is_null(lim, "max_calls"));
	assert_int_equal(json_object_get_int_member(lim, "max_calls_per_user"), 4);
	assert_true(is_null(lim, "allow_targets"));
	assert_int_equal(json_array_get_length(json_object_get_array_member(lim, "deny_targets")),
			 0);
	bud = json_object_get_object_member(r, "budget");
	assert_true(is_null(bud, "percent_used"));
	tr = json_array_get_object_element(json_object_get_array_member(r, "trunks"), 0);
	assert_string_equal(json_object_get_string_member(tr, "address"), "[2001:db8::5]:5060");
	assert_string_equal(json_object_get_string_member(tr, "transport"), "tcp");
	assert_string_equal(json_object_get_string_member(tr, "srtp"), "off");
	assert_true(is_null(tr, "last_status"));
	assert_true(is_null(tr, "last_age_s"));
	json_node_unref(reply);
}

static void test_budget_alarm_shown(void **state)
{
	JsonNode *reply;
	JsonObject *bud;

	tz_tenant_tick(NOON + 480);             /* alice's call: 8 minutes */
	reply = run("show tenant acme");
	bud = json_object_get_object_member(result_object(reply), "budget");
	assert_string_equal(json_object_get_string_member(bud, "alarm"), "warning");
	assert_int_equal(json_object_get_int_member(
		json_object_get_object_member(result_object(reply), "counters"), "budget_alarms"),
		1);
	json_node_unref(reply);
}

static void test_unknown_tenant(void **state)
{
	JsonNode *reply = run("show tenant acmee");
	const char *err = error_of(reply);

	assert_non_null(strstr(err, "no tenant \"acmee\""));
	assert_non_null(strstr(err, "did you mean \"acme\"?"));
	assert_non_null(strstr(err, "tenants: default, acme, globex"));
	json_node_unref(reply);

	reply = run("show tenant zzzzzzzzzzzz");
	err = error_of(reply);
	assert_null(strstr(err, "did you mean"));
	assert_non_null(strstr(err, "tenants: default, acme, globex"));
	json_node_unref(reply);

	reply = run("show tenant");             /* the name is required */
	error_of(reply);
	json_node_unref(reply);
}

/* After shutdown the commands say so; a new init serves them again. */
static void test_not_set_up(void **state)
{
	JsonNode *reply;

	tz_tenant_shutdown();
	reply = run("show tenants");
	assert_non_null(strstr(error_of(reply), "not set up"));
	json_node_unref(reply);
	assert_int_equal(tz_tenant_init(&fx_cfg), 0);
	reply = run("show tenants");
	assert_int_equal(json_array_get_length(json_node_get_array(
		json_object_get_member(json_node_get_object(reply), "result"))), 3);
	json_node_unref(reply);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_show_tenants, cmd_setup, cmd_teardown),
		cmocka_unit_test_setup_teardown(test_show_tenant, cmd_setup, cmd_teardown),
		cmocka_unit_test_setup_teardown(test_budget_alarm_shown, cmd_setup, cmd_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_tenant, cmd_setup, cmd_teardown),
		cmocka_unit_test_setup_teardown(test_not_set_up, cmd_setup, cmd_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
