/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `show media-services`: the stage's admission and per-core counters
 * (docs/media-services.md), read lock-free from the stage and the workers.
 */
#include <stdio.h>

#include "daemon_pvt.h"
#include "tz_calls.h"
#include "tz_cli.h"
#include "tz_svc.h"
#include "tz_svc_xcode.h"

static void member_int(JsonBuilder *b, const char *name, gint64 v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

static void core_row(JsonBuilder *b, unsigned k)
{
	uint64_t cnt[TZ_SVC_C_COUNT], xc[TZ_SVC_XC_COUNT], busy, total;

	if (tz_svc_counters(k, cnt) != 0 || tz_svc_lcore_stats(k, &busy, &total) != 0)
		return;
	json_builder_begin_object(b);
	member_int(b, "core", k);
	member_int(b, "lcore", tz_svc_lcore(k));
	member_int(b, "busy_pct", total != 0 ? (gint64)(busy * 100 / total) : 0);
	for (int c = 0; c < TZ_SVC_C_COUNT; c++)
		member_int(b, tz_svc_counter_name(c), (gint64)cnt[c]);
	if (tz_svc_xcode_counters(k, xc) == 0)
		for (int c = 0; c < TZ_SVC_XC_COUNT; c++)
			member_int(b, tz_svc_xcode_counter_name(c), (gint64)xc[c]);
	json_builder_end_object(b);
}

static int show_svc(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b, void *arg)
{
	struct tz_calls_svc_stats s;
	struct tz_calls_xcode_stats x;

	tz_calls_svc_stats(&s);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "state");
	json_builder_add_string_value(b, s.cores != 0 ? "on" : "off");
	member_int(b, "cores", s.cores);
	member_int(b, "calls", s.in_stage);
	member_int(b, "max_calls", s.max_calls);
	member_int(b, "calls_admitted", (gint64)s.admitted);
	member_int(b, "calls_refused_off", (gint64)s.refused_off);
	member_int(b, "calls_refused_full", (gint64)s.refused_full);
	member_int(b, "dtmf_generated", (gint64)s.dtmf_strings);
	member_int(b, "dtmf_refused", (gint64)s.dtmf_refused);
	tz_calls_xcode_stats(&x);
	member_int(b, "calls_transcoded", (gint64)x.calls);
	member_int(b, "transcode_refused_off", (gint64)x.refused_off);
	member_int(b, "transcode_refused_full", (gint64)x.refused_full);
	member_int(b, "announcements", (gint64)s.announcements);
	member_int(b, "moh_started", (gint64)s.moh_started);
	member_int(b, "play_skipped", (gint64)s.play_skipped);
	member_int(b, "plays_pre_encoded", (gint64)s.plays_pre_encoded);
	member_int(b, "plays_live", (gint64)s.plays_live);
	member_int(b, "pre_encoded_clips", (gint64)s.clips);
	member_int(b, "pre_encoded_kb", (gint64)(s.clip_bytes / 1024));
	member_int(b, "announcements_sipws", (gint64)s.announcements_sipws);
	member_int(b, "sipws_media_timeouts", (gint64)s.sipws_media_timeouts);
	json_builder_set_member_name(b, "per_core");
	json_builder_begin_array(b);
	for (unsigned k = 0; k < s.cores; k++)
		core_row(b, k);
	json_builder_end_array(b);
	json_builder_end_object(b);
	return 0;
}

int tz_daemon_svc_commands_register(struct tz_daemon *d)
{
	static struct tz_cli_cmd cmds[] = {
		{ "show media-services", NULL, 0, 0,
		  "the media-services stage: calls in it, refusals, per-core ring counters",
		  show_svc },
	};

	cmds[0].arg = d;
	return tz_cli_register(cmds, 1);
}
