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

#define SWEEP_WAIT_MS 500

static void add_retention(JsonBuilder *b);

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
	add_retention(b);
	json_builder_end_object(b);
	return 0;
}

static void add_time(JsonBuilder *b, const char *k, int64_t t)
{
	g_autoptr(GDateTime) dt = t != 0 ? g_date_time_new_from_unix_utc(t) : NULL;
	g_autofree char *s = dt != NULL ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;

	add_s(b, k, s != NULL ? s : "-");
}

/* Retention's counters (docs/recording.md "Retention"), since start. */
static void add_retention(JsonBuilder *b)
{
	struct tz_rec_retain_stats r;

	tz_rec_retain_stats_get(&r);
	add_u(b, "stored_recordings", r.total_recordings);
	add_u(b, "stored_bytes", r.total_bytes);
	add_u(b, "sweeps", r.sweeps);
	add_time(b, "last_sweep", r.last.at);
	add_u(b, "deleted_age", r.deleted_age);
	add_u(b, "deleted_size", r.deleted_size);
	add_u(b, "bytes_freed", r.bytes_freed);
	add_u(b, "sweep_errors", r.errors);
}

/* `recordings sweep`: the sweep thread sweeps now; the control loop waits
 * for it a little only (a huge directory reports in the stats later). */
static int recordings_sweep(struct tz_cli_req *req, int argc, char **argv, JsonBuilder *b,
			    void *arg)
{
	g_autofree struct tz_rec_sweep_result *r = g_new0(struct tz_rec_sweep_result, 1);
	int rc = tz_rec_sweep_now(SWEEP_WAIT_MS, r);

	if (rc == -ENOTCONN)
		return tz_cli_error(req, "recording is not configured (recording.mode is off "
				    "everywhere since start-up): nothing to sweep");
	if (rc == -ETIMEDOUT)
		return tz_cli_error(req, "the sweep takes longer than %u ms and goes on in the "
				    "background: see `show recordings stats`", SWEEP_WAIT_MS);
	json_builder_begin_object(b);
	add_u(b, "deleted_age", r->deleted_age);
	add_u(b, "deleted_size", r->deleted_size);
	add_u(b, "bytes_freed", r->bytes_freed);
	add_u(b, "kept_open", r->kept_open);
	add_u(b, "errors", r->errors);
	add_u(b, "stored_recordings", r->total_recordings);
	add_u(b, "stored_bytes", r->total_bytes);
	json_builder_set_member_name(b, "deleted");
	json_builder_begin_array(b);
	for (unsigned i = 0; i < r->n_names; i++) {
		json_builder_begin_object(b);
		add_s(b, "recording", r->names[i]);
		add_s(b, "reason", r->by_size[i] ? "size" : "age");
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
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
		  "recordings started, finished, active; packets written and dropped; write errors; "
		  "retention: stored, deleted, freed",
		  show_recordings_stats, NULL, NULL },
		{ "recordings sweep", NULL, 0, 0,
		  "apply recording retention now: delete recordings past recording.retention "
		  "and show which", recordings_sweep, NULL, NULL },
	};

	return tz_cli_register(cmds, G_N_ELEMENTS(cmds));
}
