/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `show recordings`: the recordings open now (call, tenant, files, packets
 * written and dropped each way) and the totals.  The control socket is the
 * operators' (docs/security.md): every tenant's recordings are shown.
 */
#include <errno.h>

#include "rec_pvt.h"
#include "tz_cli.h"

static void add_u(JsonBuilder *b, const char *k, uint64_t v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_int_value(b, (gint64)v);
}

static void add_s(JsonBuilder *b, const char *k, const char *v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_string_value(b, v);
}

static void add_row(int slot, const struct tz_rec_info *in, const char *name,
		    const struct tz_rec_counts *c, void *arg)
{
	JsonBuilder *b = arg;
	g_autofree char *files = name == NULL ? g_strdup_printf("(cannot create files in %s: "
								 "see the log)", in->dir)
				 : name[0] != '\0' ? g_strdup_printf("%s/%s.{pcap,wav,json}", in->dir,
								      name)
						    : g_strdup("(opening)");

	json_builder_begin_object(b);
	add_u(b, "call", in->call);
	add_s(b, "tenant", in->tenant);
	add_s(b, "user", in->user);
	add_u(b, "from_web", c->written[0]);
	add_u(b, "to_web", c->written[1]);
	add_u(b, "dropped", c->dropped[0] + c->dropped[1]);
	add_s(b, "files", files);
	json_builder_end_object(b);
}

static int show_recordings(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b,
			   void *arg)
{
	json_builder_begin_array(b);
	tz_rec_foreach(add_row, b);
	json_builder_end_array(b);
	return 0;
}

static int show_recordings_stats(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b,
				 void *arg)
{
	struct tz_rec_stats st;

	tz_rec_stats_get(&st);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "running");
	json_builder_add_boolean_value(b, tz_rec_running() != 0);
	add_u(b, "active", st.active);
	add_u(b, "started", st.started);
	add_u(b, "finished", st.finished);
	add_u(b, "packets_written", st.written);
	add_u(b, "packets_dropped", st.dropped);
	add_u(b, "write_errors", st.write_errors);
	json_builder_end_object(b);
	return 0;
}

int tz_rec_commands_register(void)
{
	static const struct tz_cli_cmd cmds[] = {
		{ "show recordings", NULL, 0, 0,
		  "calls being recorded: tenant, user, RTP packets written each way, dropped, "
		  "files", show_recordings, NULL, NULL },
		{ "show recordings stats", NULL, 0, 0,
		  "recordings started, finished, active; packets written and dropped; write errors",
		  show_recordings_stats, NULL, NULL },
	};

	return tz_cli_register(cmds, G_N_ELEMENTS(cmds));
}
