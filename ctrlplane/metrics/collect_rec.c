/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Metrics of call recording (docs/recording.md): what `show recordings
 * stats` shows.  Nothing is written when recording is not configured.
 */
#include "gw_pvt.h"
#include "tz_rec.h"

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
}
