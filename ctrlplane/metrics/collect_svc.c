/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Metrics of the media-services stage (docs/media-services.md): calls in
 * it and refused, and per stage core one family per entry of the
 * TZ_SVC_COUNTERS X-macro, its help text included.
 */
#include <stdio.h>

#include "gw_pvt.h"
#include "tz_calls.h"
#include "tz_svc.h"
#include "tz_svc_xcode.h"

void tz_metrics_collect_svc(GString *out, void *arg)
{
	uint64_t cnt[TZ_SVC_MAX_CORES][TZ_SVC_C_COUNT];
	char idx[TZ_SVC_MAX_CORES][12], name[96];
	struct tz_calls_svc_stats s;
	struct tz_calls_xcode_stats x;
	uint64_t xc[TZ_SVC_MAX_CORES][TZ_SVC_XC_COUNT];

	(void)arg;
	tz_calls_svc_stats(&s);
	tz_metrics_family(out, "trapeze_media_services_calls", TZ_METRICS_GAUGE,
			  "calls in the media-services stage now (media_services.max_calls at most)");
	tz_metrics_sample_u64(out, "trapeze_media_services_calls", NULL, 0, s.in_stage);
	tz_metrics_family(out, "trapeze_media_services_refused_total", TZ_METRICS_COUNTER,
			  "calls or requests refused a media service; reason off (no stage cores) "
			  "or full (max_calls)");
	tz_metrics_sample_u64(out, "trapeze_media_services_refused_total",
			      &(struct tz_metrics_label){ "reason", "off" }, 1, s.refused_off);
	tz_metrics_sample_u64(out, "trapeze_media_services_refused_total",
			      &(struct tz_metrics_label){ "reason", "full" }, 1, s.refused_full);
	tz_metrics_family(out, "trapeze_media_services_dtmf_total", TZ_METRICS_COUNTER,
			  "dtmf messages sent as generated RFC 4733 events (result sent) or refused");
	tz_metrics_sample_u64(out, "trapeze_media_services_dtmf_total",
			      &(struct tz_metrics_label){ "result", "sent" }, 1, s.dtmf_strings);
	tz_metrics_sample_u64(out, "trapeze_media_services_dtmf_total",
			      &(struct tz_metrics_label){ "result", "refused" }, 1, s.dtmf_refused);
	tz_metrics_family(out, "trapeze_media_services_plays_total", TZ_METRICS_COUNTER,
			  "files played to browsers: kind announcement (a failed call), moh "
			  "(held by the SIP side), skipped (configured, not played)");
	tz_metrics_sample_u64(out, "trapeze_media_services_plays_total",
			      &(struct tz_metrics_label){ "kind", "announcement" }, 1, s.announcements);
	tz_metrics_sample_u64(out, "trapeze_media_services_plays_total",
			      &(struct tz_metrics_label){ "kind", "moh" }, 1, s.moh_started);
	tz_metrics_sample_u64(out, "trapeze_media_services_plays_total",
			      &(struct tz_metrics_label){ "kind", "skipped" }, 1, s.play_skipped);
	tz_metrics_family(out, "trapeze_media_services_play_encoding_total", TZ_METRICS_COUNTER,
			  "plays by how their packets were made: pre_encoded (the file's clip, "
			  "encoded once per codec) or live (encoded during the play)");
	tz_metrics_sample_u64(out, "trapeze_media_services_play_encoding_total",
			      &(struct tz_metrics_label){ "encoding", "pre_encoded" }, 1,
			      s.plays_pre_encoded);
	tz_metrics_sample_u64(out, "trapeze_media_services_play_encoding_total",
			      &(struct tz_metrics_label){ "encoding", "live" }, 1, s.plays_live);
	tz_metrics_family(out, "trapeze_media_services_clip_bytes", TZ_METRICS_GAUGE,
			  "memory of the announcement and music-on-hold files encoded once per codec");
	tz_metrics_sample_u64(out, "trapeze_media_services_clip_bytes", NULL, 0, s.clip_bytes);
	for (unsigned k = 0; k < s.cores && k < TZ_SVC_MAX_CORES; k++) {
		tz_svc_counters(k, cnt[k]);
		snprintf(idx[k], sizeof(idx[k]), "%u", k);
	}
	for (int c = 0; c < TZ_SVC_C_COUNT && s.cores != 0; c++) {
		snprintf(name, sizeof(name), "trapeze_media_services_%s_total", tz_svc_counter_name(c));
		tz_metrics_family(out, name, TZ_METRICS_COUNTER, tz_svc_counter_help(c));
		for (unsigned k = 0; k < s.cores && k < TZ_SVC_MAX_CORES; k++)
			tz_metrics_sample_u64(out, name, &(struct tz_metrics_label){ "core", idx[k] },
					      1, cnt[k][c]);
	}
	tz_calls_xcode_stats(&x);
	tz_metrics_family(out, "trapeze_media_services_transcoded_calls_total", TZ_METRICS_COUNTER,
			  "calls transcoded by the media-services stage (admitted)");
	tz_metrics_sample_u64(out, "trapeze_media_services_transcoded_calls_total", NULL, 0, x.calls);
	for (unsigned k = 0; k < s.cores && k < TZ_SVC_MAX_CORES; k++)
		tz_svc_xcode_counters(k, xc[k]);
	for (int c = 0; c < TZ_SVC_XC_COUNT && s.cores != 0; c++) {
		snprintf(name, sizeof(name), "trapeze_media_services_%s%s",
			 tz_svc_xcode_counter_name(c), c == TZ_SVC_XC_CALLS ? "" : "_total");
		tz_metrics_family(out, name, c == TZ_SVC_XC_CALLS ? TZ_METRICS_GAUGE
								  : TZ_METRICS_COUNTER,
				  tz_svc_xcode_counter_help(c));
		for (unsigned k = 0; k < s.cores && k < TZ_SVC_MAX_CORES; k++)
			tz_metrics_sample_u64(out, name, &(struct tz_metrics_label){ "core", idx[k] },
					      1, xc[k][c]);
	}
}
