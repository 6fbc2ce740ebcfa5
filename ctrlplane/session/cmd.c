/* SPDX-License-Identifier: BSD-3-Clause */
/* `show calls`: every live call with its state, timings and media. */
#include <stdio.h>

#include "calls_pvt.h"
#include "tz_cli.h"

static const char *const state_names[] = {
	[CALL_NEGOTIATING] = "negotiating",
	[CALL_CONNECTED] = "connected",
	[CALL_ENDED] = "ended",
};

static void add_str(JsonBuilder *b, const char *k, const char *v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_string_value(b, v);
}

static void add_int(JsonBuilder *b, const char *k, gint64 v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_int_value(b, v);
}

static void call_row(struct call *c, void *arg)
{
	JsonBuilder *b = arg;
	int64_t now = g_get_monotonic_time();

	json_builder_begin_object(b);
	add_int(b, "call", c->id);
	add_str(b, "user", c->user);
	add_str(b, "target", c->target);
	add_str(b, "state", state_names[c->state]);
	add_int(b, "local_port", c->ice != NULL ? tz_ice_local_port(c->ice) : 0);
	add_int(b, "setup_ms", c->t_dtls != 0 ? (c->t_dtls - c->t_offer) / 1000 : -1);
	add_int(b, "age_s", (now - c->t_offer) / 1000000);
	add_int(b, "packets", (gint64)tz_media_packets(c));
	json_builder_end_object(b);
}

static int show_calls(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	json_builder_begin_array(b);
	tz_calls_foreach(call_row, b);
	json_builder_end_array(b);
	return 0;
}

int tz_calls_commands_register(void)
{
	static const struct tz_cli_cmd cmds[] = {
		{ "show calls", NULL, 0, 0,
		  "live calls: user, target, state, set-up time, packets", show_calls },
	};

	return tz_cli_register(cmds, sizeof(cmds) / sizeof(cmds[0]));
}
