/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Metrics of call recording (docs/recording.md): what `show recordings
 * stats` shows.  Nothing is written when recording is not configured.
 */
#include "gw_pvt.h"
#include "tz_rec.h"

/* Retention (docs/recording.md "Retention"): what is stored, what the
 * sweeps deleted and why. */
static void retention(GString *out)
{
	struct tz_rec_retain_stats r;

	tz_rec_retain_stats_get(&r);
	tz_metrics_family(out, "trapeze_recordings_stored", TZ_METRICS_GAUGE,
			  "recordings in the recording directories (last sweep, plus closed since)");
	tz_metrics_sample_u64(out, "trapeze_recordings_stored", NULL, 0, r.total_recordings);
	tz_metrics_family(out, "trapeze_recordings_stored_bytes", TZ_METRICS_GAUGE,
			  "bytes of those recordings' files");
	tz_metrics_sample_u64(out, "trapeze_recordings_stored_bytes", NULL, 0, r.total_bytes);
	tz_metrics_family(out, "trapeze_recordings_deleted_total", TZ_METRICS_COUNTER,
			  "recordings deleted by retention: past max_age_days (age) or to bring "
			  "a directory under max_total_mb (size)");
	tz_metrics_sample_u64(out, "trapeze_recordings_deleted_total",
			      &(struct tz_metrics_label){ "reason", "age" }, 1, r.deleted_age);
	tz_metrics_sample_u64(out, "trapeze_recordings_deleted_total",
			      &(struct tz_metrics_label){ "reason", "size" }, 1, r.deleted_size);
	tz_metrics_family(out, "trapeze_recordings_deleted_bytes_total", TZ_METRICS_COUNTER,
			  "bytes freed by retention");
	tz_metrics_sample_u64(out, "trapeze_recordings_deleted_bytes_total", NULL, 0,
			      r.bytes_freed);
	tz_metrics_family(out, "trapeze_recording_sweep_errors_total", TZ_METRICS_COUNTER,
			  "retention sweep errors: a directory or file that could not be read or "
			  "deleted (the log says which)");
	tz_metrics_sample_u64(out, "trapeze_recording_sweep_errors_total", NULL, 0, r.errors);
}

void tz_metrics_collect_rec(GString *out, void *unused)
{
	struct tz_rec_stats st;

	(void)unused;
	if (!tz_rec_running())
		return;
	tz_rec_stats_get(&st);
	tz_metrics_family(out, "trapeze_recordings_active", TZ_METRICS_GAUGE,
			  "calls being recorded now");
	tz_metrics_sample_u64(out, "trapeze_recordings_active", NULL, 0, st.active);
	tz_metrics_family(out, "trapeze_recordings_total", TZ_METRICS_COUNTER,
			  "recordings started");
	tz_metrics_sample_u64(out, "trapeze_recordings_total", NULL, 0, st.started);
	tz_metrics_family(out, "trapeze_recording_packets_total", TZ_METRICS_COUNTER,
			  "RTP packets of recorded calls: written to the files, or dropped "
			  "(the writer fell behind: a slow disk; forwarding was not affected)");
	tz_metrics_sample_u64(out, "trapeze_recording_packets_total",
			      &(struct tz_metrics_label){ "result", "written" }, 1, st.written);
	tz_metrics_sample_u64(out, "trapeze_recording_packets_total",
			      &(struct tz_metrics_label){ "result", "dropped" }, 1, st.dropped);
	tz_metrics_family(out, "trapeze_recording_write_errors_total", TZ_METRICS_COUNTER,
			  "recordings whose files could not be created or written completely");
	tz_metrics_sample_u64(out, "trapeze_recording_write_errors_total", NULL, 0,
			      st.write_errors);
	retention(out);
}
