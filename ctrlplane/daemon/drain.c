/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `trapezectl drain [--timeout S]` (issue 13): for a maintenance window.
 * New calls are refused (web clients: error `draining`; SIP and SIP over
 * WebSocket INVITEs: 503 with Retry-After), calls in progress go on; when
 * the last one ends trapezed stops cleanly (exit status 0).  When the
 * timeout expires first, the calls left are hung up (BYE to the SIP side,
 * `hangup` to the browser) by the normal shutdown.  `drain cancel` takes
 * new calls again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "admin_pvt.h"
#include "sd_notify.h"
#include "tz_auth.h"   /* tz_calls.h uses its struct */
#include "tz_calls.h"
#include "tz_log.h"

#define DRAIN_CHECK_MS 250
#define DRAIN_TIMEOUT_MAX_S (7 * 86400)

static void add_int(JsonBuilder *b, const char *k, int64_t v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_int_value(b, v);
}

/* Seconds until the timeout, rounded up; 0 once it expired, -1: none. */
static int64_t left_s(void)
{
	int64_t left_us;

	if (tz_admin.drain_timeout_s == 0)
		return -1;
	left_us = tz_admin.drain_started_us + (int64_t)tz_admin.drain_timeout_s * G_USEC_PER_SEC -
		  g_get_monotonic_time();
	return left_us > 0 ? (left_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC : 0;
}

static gboolean drain_check(gpointer arg)
{
	unsigned n = tz_calls_count();

	(void)arg;
	if (n == 0) {
		TZ_LOG(MAIN, NOTICE, "drain complete: no calls left after %lld s; stopping",
		       (long long)(time(NULL) - tz_admin.drain_started));
	} else if (left_s() == 0) {
		tz_admin.drain_hung_up = n;
		TZ_LOG(MAIN, WARNING, "drain timeout (%u s): hanging up the %u call%s left; stopping",
		       tz_admin.drain_timeout_s, n, n == 1 ? "" : "s");
	} else {
		return G_SOURCE_CONTINUE;
	}
	tz_admin.drain_timer = 0;
	tz_daemon_sd_stopping();
	g_main_loop_quit(tz_admin.loop);  /* the shutdown ends what is left with BYE */
	return G_SOURCE_REMOVE;
}

static int parse_timeout(struct tz_cli_req *req, int argc, char **argv, unsigned *out)
{
	char *end;
	unsigned long v;

	*out = 0;
	if (argc == 0)
		return 0;
	if (argc != 2 || strcmp(argv[0], "--timeout") != 0)
		return tz_cli_error(req, "usage: drain [--timeout SECONDS] | drain cancel");
	errno = 0;
	v = strtoul(argv[1], &end, 10);
	if (errno != 0 || end == argv[1] || *end != '\0' || argv[1][0] == '-' || v == 0 ||
	    v > DRAIN_TIMEOUT_MAX_S)
		return tz_cli_error(req, "--timeout \"%s\": expected seconds, 1..%u", argv[1],
				    DRAIN_TIMEOUT_MAX_S);
	*out = (unsigned)v;
	return 0;
}

static int cmd_drain(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	unsigned timeout;
	int rc = parse_timeout(req, argc, argv, &timeout);

	if (rc != 0)
		return rc;
	if (tz_admin.draining) {
		/* a second drain may set or change the timeout, counted from now */
		tz_admin.drain_started = time(NULL);
		tz_admin.drain_started_us = g_get_monotonic_time();
	} else {
		tz_admin.draining = true;
		tz_admin.drain_started = time(NULL);
		tz_admin.drain_started_us = g_get_monotonic_time();
		tz_admin.drain_calls_at_start = tz_calls_count();
		tz_daemon_signalling_drain(arg, true);
		tz_admin.drain_timer = g_timeout_add(DRAIN_CHECK_MS, drain_check, NULL);
	}
	tz_admin.drain_timeout_s = timeout;
	TZ_LOG(MAIN, NOTICE, "draining: new calls refused, %u call%s in progress, %s%s",
	       tz_calls_count(), tz_calls_count() == 1 ? "" : "s",
	       timeout ? "timeout " : "no timeout", timeout ? argv[1] : "");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "state");
	json_builder_add_string_value(b, "draining");
	add_int(b, "calls", tz_calls_count());
	add_int(b, "timeout_s", timeout);
	json_builder_set_member_name(b, "then");
	json_builder_add_string_value(b, "trapezed stops (exit 0) when the last call ends");
	json_builder_end_object(b);
	return 0;
}

static int cmd_drain_cancel(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b,
			    void *arg)
{
	if (!tz_admin.draining)
		return tz_cli_error(req, "not draining");
	tz_admin_drain_stop();
	tz_daemon_signalling_drain(arg, false);
	TZ_LOG(MAIN, NOTICE, "drain cancelled: taking new calls again");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "state");
	json_builder_add_string_value(b, "running");
	add_int(b, "calls", tz_calls_count());
	json_builder_end_object(b);
	return 0;
}

int tz_admin_drain_register(void)
{
	static struct tz_cli_cmd cmds[] = {
		{ "drain", "[--timeout SECONDS]", 0, 2, "refuse new calls, stop when the last call "
		  "ends (or hang up the rest after the timeout); for maintenance", cmd_drain },
		{ "drain cancel", NULL, 0, 0, "take new calls again", cmd_drain_cancel },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++)
		cmds[i].arg = tz_admin.d;
	return tz_cli_register(cmds, G_N_ELEMENTS(cmds));
}

void tz_admin_drain_stop(void)
{
	if (tz_admin.drain_timer)
		g_source_remove(tz_admin.drain_timer);
	tz_admin.drain_timer = 0;
	tz_admin.draining = false;
	tz_admin.drain_timeout_s = 0;
}

void tz_admin_drain_status(JsonBuilder *b)
{
	if (!tz_admin.draining)
		return;
	add_int(b, "drain_for_s", time(NULL) - tz_admin.drain_started);
	add_int(b, "drain_timeout_left_s", left_s());
	add_int(b, "calls_refused_draining", (int64_t)tz_calls_refused_draining());
}
