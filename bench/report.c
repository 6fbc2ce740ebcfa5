/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>

#include "bench.h"

/* worker-fast: added latency at 80 % and 50 % of the first count's rate. */
static void print_latency(const struct pipeline_result *r, FILE *f)
{
	if (r->n_scaling == 0)
		return;
	for (int l = 0; l < 2; l++) {
		const struct bench_latency *x = &r->scaling[0].lat[l];

		fprintf(f, "%-28s p50 %.1f us, p99 %.1f us, p99.9 %.1f us at %.2f Mpps offered\n",
			l == 0 ? "latency at 80 % load" : "latency at 50 % load", x->p50_us, x->p99_us,
			x->p999_us, x->offered_mpps);
	}
}

/* worker-fast: one line per worker count, the factor, and the caveats. */
static void print_scaling(const struct pipeline_result *r, FILE *f)
{
	if (r->n_scaling < 2)
		return;
	fprintf(f, "\nscaling (each worker owns its calls: %u per worker)\n",
		r->scaling[0].calls_per_worker);
	for (unsigned i = 0; i < r->n_scaling; i++) {
		const struct bench_scaling *sc = &r->scaling[i];

		fprintf(f, "  %u worker(s)%-14s %.2f Mpps per worker, %.2f Mpps total, "
			"p99 %.1f us at 80 %%\n", sc->workers, "", sc->mpps_per_worker, sc->mpps_total,
			sc->lat[0].p99_us);
	}
	fprintf(f, "  %-26s %.2f (ideal %.2f)\n", "scaling factor", r->scaling_factor,
		(double)r->scaling[r->n_scaling - 1].workers / r->scaling[0].workers);
	if (r->generator_shares_core)
		fprintf(f, "  note: fewer CPUs than workers + the generator here: a worker shares\n"
			"  the generator's CPU, so the largest count measures that sharing, not\n"
			"  the worker (see docs/bench.md)\n");
}

void bench_pipeline_print(const struct pipeline_result *r, FILE *f)
{
	fprintf(f, "\n%-28s %s\n", "suite", r->suite);
	fprintf(f, "%-28s %s\n", "crypto engine", r->engine);
	fprintf(f, "%-28s -march=%s\n", "compiled for", r->march != NULL ? r->march : "?");
	fprintf(f, "%-28s %s\n", "UDP checksum (egress)", r->udp_checksum != NULL ? r->udp_checksum : "?");
	fprintf(f, "%-28s %s\n", "memory", r->hugepages ? "hugepages" : "4 KiB pages (--no-huge)");
	fprintf(f, "%-28s %u bridged calls, %u worker(s), %u-byte RTP\n", "load", r->sessions,
		r->workers, r->size);
	if (r->n_scaling > 1)
		fprintf(f, "%-28s %u calls per worker (of %u workers' calls)\n", "",
			r->scaling[0].calls_per_worker, r->scaling[r->n_scaling - 1].workers);
	if (r->raw_floor_ns > 0)
		fprintf(f, "%-28s %.1f ns/packet (intel-ipsec-mb %s, the chain alone)\n",
			"raw floor", r->raw_floor_ns, r->raw_floor_mgr);
	fprintf(f, "%-28s %.1f ns/packet\n", "floor (SRTP transform)", r->floor_ns);
	if (r->floor_cold_ns > 0)
		fprintf(f, "%-28s %.1f ns/packet (%u packets, each first touched)\n",
			"floor, packets from memory", r->floor_cold_ns, r->floor_cold_pkts);
	fprintf(f, "%-28s %.1f ns/packet per worker core\n", "pipeline", r->pipeline_ns);
	if (r->pipeline_warm_ns > 0)
		fprintf(f, "%-28s %.1f ns/packet (+%.1f over the raw floor; mbufs recycled as a\n"
			"%-28s NIC driver's, the first line above: every packet built first)\n",
			"pipeline, warm mbufs", r->pipeline_warm_ns, r->pipeline_warm_ns - r->raw_floor_ns, "");
	fprintf(f, "%-28s %.2f Mpps\n", "per worker core", r->mpps_per_worker);
	if (r->floor_ns > 0)
		fprintf(f, "%-28s %.0f %% (floor / pipeline)\n", "of the floor", 100 * r->ratio_to_floor);
	if (r->raw_floor_ns > 0)
		fprintf(f, "%-28s +%.1f ns/packet, %.0f %% (raw floor / pipeline)\n",
			"pipeline - raw floor", r->pipeline_minus_raw_ns, 100 * r->ratio_to_raw);
	print_latency(r, f);
	fprintf(f, "%-28s %zu bytes\n", "state per bridged call", r->bytes_per_call);
	fprintf(f, "%-28s %.1f us\n", "publish one call (control)", r->publish_us_per_call);
	fprintf(f, "%-28s %lu\n", "packets lost", (unsigned long)r->drops);
	fprintf(f, "%-28s %lu (all runs; divide a profile by it)\n", "packets through workers",
		(unsigned long)r->worker_rx_pkts);
	print_scaling(r, f);
}

/* worker-fast: march, latency at both loads, one entry per worker count. */
static void json_scaling(const struct pipeline_result *r, FILE *f)
{
	fprintf(f, ",\n  \"march\": \"%s\",\n  \"udp_checksum\": \"%s\",\n"
		"  \"generator_shares_core\": %s,\n  \"scaling\": [",
		r->march != NULL ? r->march : "", r->udp_checksum != NULL ? r->udp_checksum : "",
		r->generator_shares_core ? "true" : "false");
	for (unsigned i = 0; i < r->n_scaling; i++) {
		const struct bench_scaling *sc = &r->scaling[i];

		fprintf(f, "%s\n    {\"workers\": %u, \"calls_per_worker\": %u, \"pipeline_ns\": %.2f, "
			"\"mpps_per_worker\": %.3f, \"mpps_total\": %.3f, \"latency_us\": [",
			i ? "," : "", sc->workers, sc->calls_per_worker, sc->pipeline_ns,
			sc->mpps_per_worker, sc->mpps_total);
		for (int l = 0; l < 2; l++)
			fprintf(f, "%s{\"load\": %.2f, \"offered_mpps\": %.3f, \"p50\": %.2f, "
				"\"p99\": %.2f, \"p99_9\": %.2f}", l ? ", " : "", sc->lat[l].load,
				sc->lat[l].offered_mpps, sc->lat[l].p50_us, sc->lat[l].p99_us,
				sc->lat[l].p999_us);
		fputs("]}", f);
	}
	fprintf(f, "\n  ],\n  \"scaling_factor\": %.3f,\n  \"worker_rx_packets\": %lu",
		r->scaling_factor, (unsigned long)r->worker_rx_pkts);
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
		"  \"pipeline_minus_raw_ns\": %.2f,\n  \"ratio_to_raw\": %.3f,\n"
		"  \"floor_cold_ns\": %.2f,\n  \"floor_cold_packets\": %u,\n"
		"  \"pipeline_warm_ns\": %.2f",
		r->suite, r->engine, r->hugepages ? "true" : "false", r->sessions, r->workers,
		r->size, r->floor_ns, r->pipeline_ns, r->mpps_per_worker, r->ratio_to_floor,
		r->lat_p50_us, r->lat_p99_us, r->lat_p999_us, r->offered_mpps, r->bytes_per_call,
		r->publish_us_per_call, (unsigned long)r->drops, r->raw_floor_ns,
		r->raw_floor_mgr != NULL ? r->raw_floor_mgr : "", r->pipeline_minus_raw_ns,
		r->ratio_to_raw, r->floor_cold_ns, r->floor_cold_pkts, r->pipeline_warm_ns);
	json_scaling(r, f);
	fputs("\n}\n", f);
	return fclose(f) == 0 ? 0 : -errno;
}
