/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>

#include "bench.h"

void bench_pipeline_print(const struct pipeline_result *r, FILE *f)
{
	fprintf(f, "\n%-28s %s\n", "suite", r->suite);
	fprintf(f, "%-28s %s\n", "crypto engine", r->engine);
	fprintf(f, "%-28s %s\n", "memory", r->hugepages ? "hugepages" : "4 KiB pages (--no-huge)");
	fprintf(f, "%-28s %u bridged calls, %u worker(s), %u-byte RTP\n", "load", r->sessions,
		r->workers, r->size);
	if (r->raw_floor_ns > 0)
		fprintf(f, "%-28s %.1f ns/packet (intel-ipsec-mb %s, the chain alone)\n",
			"raw floor", r->raw_floor_ns, r->raw_floor_mgr);
	fprintf(f, "%-28s %.1f ns/packet\n", "floor (SRTP transform)", r->floor_ns);
	fprintf(f, "%-28s %.1f ns/packet per worker core\n", "pipeline", r->pipeline_ns);
	fprintf(f, "%-28s %.2f Mpps\n", "per worker core", r->mpps_per_worker);
	if (r->floor_ns > 0)
		fprintf(f, "%-28s %.0f %% (floor / pipeline)\n", "of the floor", 100 * r->ratio_to_floor);
	if (r->raw_floor_ns > 0)
		fprintf(f, "%-28s +%.1f ns/packet, %.0f %% (raw floor / pipeline)\n",
			"pipeline - raw floor", r->pipeline_minus_raw_ns, 100 * r->ratio_to_raw);
	fprintf(f, "%-28s p50 %.1f us, p99 %.1f us, p99.9 %.1f us at %.2f Mpps offered\n",
		"latency", r->lat_p50_us, r->lat_p99_us, r->lat_p999_us, r->offered_mpps);
	fprintf(f, "%-28s %zu bytes\n", "state per bridged call", r->bytes_per_call);
	fprintf(f, "%-28s %.1f us\n", "publish one call (control)", r->publish_us_per_call);
	fprintf(f, "%-28s %lu\n", "packets lost", (unsigned long)r->drops);
}

int bench_pipeline_json(const struct pipeline_result *r, const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -errno;
	fprintf(f, "{\n  \"bench\": \"pipeline\",\n  \"suite\": \"%s\",\n  \"engine\": \"%s\",\n"
		"  \"hugepages\": %s,\n  \"sessions\": %u,\n  \"workers\": %u,\n  \"size\": %u,\n"
		"  \"floor_ns\": %.2f,\n  \"pipeline_ns\": %.2f,\n  \"mpps_per_worker\": %.3f,\n"
		"  \"ratio_to_floor\": %.3f,\n  \"latency_us\": {\"p50\": %.2f, \"p99\": %.2f, "
		"\"p99_9\": %.2f, \"offered_mpps\": %.3f},\n  \"bytes_per_call\": %zu,\n"
		"  \"publish_us_per_call\": %.2f,\n  \"packets_lost\": %lu,\n"
		"  \"raw_floor_ns\": %.2f,\n  \"raw_floor_manager\": \"%s\",\n"
		"  \"pipeline_minus_raw_ns\": %.2f,\n  \"ratio_to_raw\": %.3f\n}\n",
		r->suite, r->engine, r->hugepages ? "true" : "false", r->sessions, r->workers,
		r->size, r->floor_ns, r->pipeline_ns, r->mpps_per_worker, r->ratio_to_floor,
		r->lat_p50_us, r->lat_p99_us, r->lat_p999_us, r->offered_mpps, r->bytes_per_call,
		r->publish_us_per_call, (unsigned long)r->drops, r->raw_floor_ns,
		r->raw_floor_mgr != NULL ? r->raw_floor_mgr : "", r->pipeline_minus_raw_ns,
		r->ratio_to_raw);
	return fclose(f) == 0 ? 0 : -errno;
}
